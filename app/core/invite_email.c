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

void
invite_email_compose(struct arena *a, const struct invite_email *in,
    struct mail *m)
{
	const char *who = in->inviter != NULL ? in->inviter : "The owner";
	const char *site = in->website_name;
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
	    who, site, in->website_domain, in->role, in->link, exp);
	buf_init(&h, a, 2048);
	buf_puts(&h,
	    "<!DOCTYPE html><html><body style=\"font-family:"
	    "sans-serif;line-height:1.5\"><p>Hello,</p><p>");
	html_put(&h, who);
	buf_puts(&h, " invited you to join the team of <strong>");
	html_put(&h, site);
	buf_puts(&h, "</strong> (");
	html_put(&h, in->website_domain);
	buf_puts(&h, ") as <strong>");
	html_put(&h, in->role);
	buf_puts(&h, "</strong>.</p><p><a href=\"");
	html_put(&h, in->link);
	buf_puts(&h,
	    "\">Accept the invitation</a></p><p>Or paste this link "
	    "into your browser:<br>");
	html_put(&h, in->link);
	buf_puts(&h, "</p><p>The link works once and expires at ");
	html_put(&h, exp);
	buf_puts(&h,
	    " (UTC). If it has expired, ask the website's owner to "
	    "resend it.</p></body></html>\r\n");
	m->html = h.p;
}

char *
invite_email_link(struct arena *a, const char *text)
{
	const char *p, *e;

	if (text == NULL || (p = strstr(text, LINK_INTRO)) == NULL)
		return NULL;
	p += strlen(LINK_INTRO);
	if ((e = strstr(p, "\r\n")) == NULL || e == p)
		return NULL;
	return arena_strndup(a, p, (size_t)(e - p));
}
