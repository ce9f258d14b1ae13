/*
 * The text of the invitation email.  Values are escaped in the HTML part;
 * the plain part carries them as they are.  Lines end in CRLF, as mail
 * wants: libcurl's quoted-printable encoder would turn a bare LF into =0A.
 */
#include <stdio.h>
#include <string.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/html.h"
#include "roster/invite_email.h"

/* The line before the link in the plain part; invite_email_link() finds it. */
#define LINK_INTRO "Accept the invitation here:\r\n"

/* The host part of a URL, for the Message-ID's right-hand side. */
static char *
url_host(struct arena *a, const char *url)
{
	const char *p = strstr(url, "://"), *e;

	p = p != NULL ? p + 3 : url;
	for (e = p; *e && *e != '/' && *e != ':' && *e != '?'; e++)
		;
	return e > p ? arena_strndup(a, p, (size_t)(e - p)) :
		       arena_strdup(a, "roster.invalid");
}

/*
 * A value as the email shows it: control characters blanked, so that no
 * name breaks a line of the plain part or forges the link's mark.
 */
static const char *
clean(struct arena *a, const char *s)
{
	char  *c;
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; s[i] != '\0' && (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
	     i++)
		;
	if (s[i] == '\0')
		return s;
	c = arena_strdup(a, s);
	for (; c[i] != '\0'; i++)
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			c[i] = ' ';
	return c;
}

void
invite_email_compose(struct arena *a, const struct invite_email *in,
    struct mail *m)
{
	const char *who =
	    clean(a, in->inviter != NULL ? in->inviter : "The owner");
	const char *site = clean(a, in->website_name);
	const char *domain = clean(a, in->website_domain);
	const char *role = clean(a, in->role);
	const char *link = INVITE_EMAIL_LINK_MARK;
	char        exp[32];
	struct buf  h;

	clock_iso_buf(exp, in->expires_at);
	m->message_id = arena_printf(a, "<%s.invite@%s>", in->outbox_id,
	    url_host(a, in->public_url));
	m->subject =
	    arena_printf(a, "You are invited to join %s on roster", site);
	m->text = arena_printf(a,
	    "Hello,\r\n\r\n"
	    "%s invited you to join the team of %s (%s) as %s.\r\n\r\n" LINK_INTRO
	    "%s\r\n\r\n"
	    "The link works once and expires at %s (UTC).\r\n"
	    "If it has expired, ask the website's owner to resend it.\r\n\r\n"
	    "If you did not expect this email, you can ignore it.\r\n",
	    who, site, domain, role, link, exp);
	buf_init(&h, a, 2048);
	buf_puts(&h,
	    "<!DOCTYPE html><html><body style=\"font-family:"
	    "sans-serif;line-height:1.5\"><p>Hello,</p><p>");
	html_put(&h, who);
	buf_puts(&h, " invited you to join the team of <strong>");
	html_put(&h, site);
	buf_puts(&h, "</strong> (");
	html_put(&h, domain);
	buf_puts(&h, ") as <strong>");
	html_put(&h, role);
	buf_puts(&h, "</strong>.</p><p><a href=\"");
	buf_puts(&h, link);
	buf_puts(&h,
	    "\">Accept the invitation</a></p><p>Or paste this link "
	    "into your browser:<br>");
	buf_puts(&h, link);
	buf_puts(&h, "</p><p>The link works once and expires at ");
	html_put(&h, exp);
	buf_puts(&h,
	    " (UTC). If it has expired, ask the website's owner to "
	    "resend it.</p></body></html>\r\n");
	m->html = h.p;
}

int
invite_email_wants_link(const char *part)
{
	return part != NULL && strstr(part, INVITE_EMAIL_LINK_MARK) != NULL;
}

char *
invite_email_fill(struct arena *a, const char *part, const char *link, int html)
{
	const char *p, *m;
	struct buf  b;

	buf_init(&b, a, strlen(part) + 2 * strlen(link) + 64);
	for (p = part; (m = strstr(p, INVITE_EMAIL_LINK_MARK)) != NULL;
	     p = m + strlen(INVITE_EMAIL_LINK_MARK)) {
		buf_add(&b, p, (size_t)(m - p));
		if (html)
			html_put(&b, link);
		else
			buf_puts(&b, link);
	}
	buf_puts(&b, p);
	return b.p;
}

char *
invite_email_link(struct arena *a, const char *text)
{
	const char *p, *e;

	if (text == NULL || (p = strstr(text, LINK_INTRO)) == NULL)
		return NULL;
	p += strlen(LINK_INTRO);
	/* A link holds no control character; the mark does. */
	if ((e = strstr(p, "\r\n")) == NULL || e == p ||
	    memchr(p, '\x1a', (size_t)(e - p)) != NULL)
		return NULL;
	return arena_strndup(a, p, (size_t)(e - p));
}
