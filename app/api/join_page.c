/*
 * The join page.  Every value shown is HTML-escaped; the token is in the
 * URL, so the page sends Referrer-Policy: no-referrer and is never cached
 * or framed.  The form posts back to /join with the token in a hidden
 * field; knowing the token is the authorisation, as for the link itself.
 */
#include <string.h>
#include <strings.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/html.h"
#include "roster/invite.h"
#include "roster/join_page.h"

static const char css[] =
    ":root{color-scheme:light dark;--fg:#1d2330;--muted:#5b6475;"
    "--bg:#f5f6f8;--card:#fff;--accent:#2f5bd3;--line:#dfe3ea}"
    "@media (prefers-color-scheme:dark){:root{--fg:#e8ebf1;--muted:#a3abbb;"
    "--bg:#14171d;--card:#1d212a;--accent:#7d9cf0;--line:#2d3340}}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;background:var(--bg);color:var(--fg)}"
    "main{max-width:30rem;margin:2rem auto;padding:0 1rem}"
    ".card{background:var(--card);border:1px solid var(--line);"
    "border-radius:12px;padding:1.5rem}"
    "h1{font-size:1.4rem;margin:0 0 1rem}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem 1rem;"
    "margin:0 0 1.25rem}dt{color:var(--muted)}dd{margin:0;"
    "overflow-wrap:anywhere}"
    "label{display:block;margin-bottom:.35rem;color:var(--muted)}"
    "input[type=text]{width:100%;font:inherit;padding:.6rem .7rem;"
    "border:1px solid var(--line);border-radius:8px;background:var(--bg);"
    "color:var(--fg);margin-bottom:1rem}"
    "button{width:100%;font:inherit;font-weight:600;padding:.7rem;"
    "border:0;border-radius:8px;background:var(--accent);color:#fff;"
    "cursor:pointer}"
    "p.muted{color:var(--muted);font-size:.9rem}"
    "p.status{font-size:.8rem;color:var(--muted);margin-top:1.5rem}";

static void
page_head(struct buf *b, const char *title)
{
	buf_puts(b,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width,"
	    "initial-scale=1\">"
	    "<meta name=\"robots\" content=\"noindex\">"
	    "<link rel=\"stylesheet\" href=\"/join.css\"><title>");
	html_put(b, title);
	buf_puts(b, "</title></head><body><main><div class=\"card\"><h1>");
	html_put(b, title);
	buf_puts(b, "</h1>");
}

static void
page_foot(struct buf *b)
{
	buf_puts(b, "</div></main></body></html>\n");
}

static void
html_headers(struct resp *r)
{
	r->content_type = "text/html; charset=utf-8";
	resp_header(r, "Content-Security-Policy",
	    "default-src 'none'; "
	    "style-src 'self'; form-action 'self'; base-uri 'none'; "
	    "frame-ancestors 'none'");
	resp_header(r, "X-Frame-Options", "DENY");
	resp_header(r, "Referrer-Policy", "no-referrer");
}

static void
row(struct buf *b, const char *k, const char *v)
{
	buf_puts(b, "<dt>");
	html_put(b, k);
	buf_puts(b, "</dt><dd>");
	html_put(b, v);
	buf_puts(b, "</dd>");
}

/* GET /join?token=…: 200 with the form; 404 unknown; 410 used, revoked, expired. */
enum rerr
join_page_show(struct ctx *c)
{
	struct invite_view v;
	struct buf         b;
	const char        *token;
	char               exp[32];
	int                bad = 0;
	enum rerr          e;

	token = http_query(c->rq, "token", &bad);
	if ((e = invite_lookup(&c->op, bad ? NULL : token, &v)) != RERR_OK)
		return e;
	clock_iso_buf(exp, v.expires_at);
	exp[16] = '\0'; /* "2026-05-21T00:00" */
	exp[10] = ' ';
	buf_init(&b, c->rq->a, 2048);
	page_head(&b, arena_printf(c->rq->a, "Join %s", v.website_name));
	buf_puts(&b, "<p>You have been invited to join the team of <strong>");
	html_put(&b, v.website_name);
	buf_puts(&b, "</strong>.</p><dl>");
	row(&b, "Website", v.website_domain);
	row(&b, "Role", v.role);
	row(&b, "Invited by", v.inviter != NULL ? v.inviter : "the owner");
	row(&b, "For", v.email);
	row(&b, "Expires", arena_printf(c->rq->a, "%s UTC", exp));
	buf_puts(&b,
	    "</dl><form method=\"post\" action=\"/join\">"
	    "<input type=\"hidden\" name=\"token\" value=\"");
	html_put(&b, token);
	buf_puts(&b,
	    "\"><label for=\"name\">Your name (optional)</label>"
	    "<input type=\"text\" id=\"name\" name=\"name\" maxlength=\"200\" "
	    "autocomplete=\"name\"><button type=\"submit\">Accept invitation"
	    "</button></form><p class=\"muted\">Accepting adds ");
	html_put(&b, v.email);
	buf_puts(&b, " to the team. The link works once.</p>");
	page_foot(&b);
	c->raw = b.p;
	c->raw_len = b.len;
	return RERR_OK;
}

/* POST /join (token, name): 200 accepted; 400; 404; 409 member; 410; 415. */
enum rerr
join_page_accept(struct ctx *c)
{
	struct accepted a;
	struct buf      b;
	const char     *ct = c->rq->content_type, *token, *name;
	int             bad = 0;
	enum rerr       e;

	if (ct == NULL ||
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return op_fail(&c->op, RERR_MEDIA_TYPE,
		    "The form was not sent as a web form.");
	token = http_param(c->rq->a, c->rq->body, "token", &bad);
	name = http_param(c->rq->a, c->rq->body, "name", &bad);
	if (bad)
		return op_fail(&c->op, RERR_INVALID,
		    "The form could not be read.");
	if ((e = invite_accept(&c->op, token, name, &a)) != RERR_OK)
		return e;
	buf_init(&b, c->rq->a, 2048);
	page_head(&b, "You have joined the team");
	buf_puts(&b, "<p>Welcome! ");
	html_put(&b, a.email);
	buf_puts(&b, " is now a <strong>");
	html_put(&b, a.role);
	buf_puts(&b, "</strong> of the team of <strong>");
	html_put(&b, a.website_name);
	buf_puts(&b,
	    "</strong>.</p><p>What happens next: "
	    "the website's owner sees you in the team list right away, and "
	    "you can use the website with the access of your role. You can "
	    "close this page; this invitation link will not work again.</p>");
	page_foot(&b);
	c->raw = b.p;
	c->raw_len = b.len;
	return RERR_OK;
}

/* GET /join.css: the page's only asset, in the plain dialect. */
enum rerr
join_page_css(struct ctx *c)
{
	c->raw = css;
	c->raw_len = sizeof(css) - 1;
	c->raw_type = "text/css; charset=utf-8";
	return RERR_OK;
}

void
join_page_render(struct ctx *c, enum rerr e, struct resp *out)
{
	struct buf *b = &out->body;
	const char *title, *advice;

	html_headers(out);
	b->len = 0;
	if (rerr_success(e)) {
		out->status = 200;
		if (c->raw != NULL)
			buf_add(b, c->raw, c->raw_len);
		return;
	}
	out->status = rerr_team_status(e);
	switch (e) {
	case RERR_NOT_FOUND:
		title = "Invitation not found";
		advice = "This link does not match any invitation. Check that "
			 "you copied the whole link from the email, or ask the "
			 "website's owner to send you a new invitation.";
		break;
	case RERR_GONE:
		title = c->op.msg != NULL ?
		    c->op.msg :
		    "This invitation is no longer valid";
		advice = strstr(title, "used") != NULL ?
		    "Each invitation link works once, and this one has been "
		    "accepted already. If that was not you, tell the website's "
		    "owner." :
		    "Ask the website's owner to resend the invitation; you "
		    "will get a new link.";
		break;
	case RERR_ALREADY_MEMBER:
		title = "You are already on this team";
		advice = "This email already belongs to a member of the "
			 "website's team, so there is nothing to accept.";
		break;
	case RERR_SEAT_LIMIT:
		title = "The team is full";
		advice = "The website has no free seat. Ask its owner to free "
			 "one, then open the link again.";
		break;
	case RERR_UNAVAILABLE:
		title = "Please try again in a moment";
		advice = "The service is briefly unavailable; nothing was "
			 "changed. Reload the page to try again.";
		break;
	default:
		title = "Something is wrong with this request";
		advice = c->op.msg != NULL ? c->op.msg : rerr_message(e);
		break;
	}
	page_head(b, title);
	buf_puts(b, "<p>");
	html_put(b, advice);
	buf_puts(b, "</p>");
	buf_printf(b, "<p class=\"status\">Error %d</p>", out->status);
	page_foot(b);
}
