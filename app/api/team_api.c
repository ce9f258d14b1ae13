/*
 * The Team API (API.md "The Team API").  Each handler: parse, call the
 * core, leave the result in ctx; team_api_render() writes the envelope.
 * Statuses come from the outcome table (err.h) only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster/team_api.h"
#include "roster/auth.h"
#include "roster/cache.h"
#include "roster/clock.h"
#include "roster/cred.h"
#include "roster/db.h"
#include "roster/invite.h"
#include "roster/jsonmem.h"
#include "roster/migrate.h"
#include "roster/team.h"
#include "roster/user.h"
#include "roster/version.h"
#include "roster/website.h"

static json_t *
jstr_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jtime(struct ctx *c, int64_t ms)
{
	return json_string(clock_iso(c->rq->a, ms));
}

/* One object as the whole data array, the dialect's usual shape. */
static enum rerr
data_one(struct ctx *c, json_t *o)
{
	c->data = json_array();
	json_array_append_new(c->data, o);
	return RERR_OK;
}

/*
 * Reads an optional string field; RERR_INVALID when present and not a
 * string.
 */
static enum rerr
opt_string(struct ctx *c, const char *key, const char **out, size_t *len)
{
	json_t *v;

	*out = NULL;
	if (c->body == NULL || (v = json_object_get(c->body, key)) == NULL ||
	    json_is_null(v))
		return RERR_OK;
	if (!json_is_string(v))
		return op_invalid(&c->op, key,
		    arena_printf(c->rq->a, "%s must be a string", key));
	*out = json_string_value(v);
	if (len != NULL)
		*len = json_string_length(v);
	/* jansson allows \u0000 only when asked; we never ask. */
	return RERR_OK;
}

/* The success envelope of c's payload, appended to b. */
static void
envelope_ok(struct ctx *c, struct buf *b)
{
	json_t *env = json_object();

	json_object_set_new(env, "status", json_string("success"));
	json_object_set_new(env, "data",
	    c->data != NULL ? c->data : json_array());
	if (c->extra != NULL)
		json_object_update(env, c->extra);
	jsonmem_dump(env, b);
}

void
team_api_render(struct ctx *c, enum rerr e, struct resp *out)
{
	json_t     *env, *err, *m;
	const char *msg;
	int         status = rerr_team_status(e);

	out->status = status;
	out->content_type = "application/json; charset=utf-8";
	out->body.len = 0;
	if (rerr_success(e)) {
		/* A page the handler had rendered before goes as it is. */
		if (c->raw != NULL)
			buf_add(&out->body, c->raw, c->raw_len);
		else
			envelope_ok(c, &out->body);
		return;
	}
	env = json_object();
	err = json_object();
	msg = c->op.msg != NULL ? c->op.msg : rerr_message(e);
	/* jansson refuses text that is not UTF-8, and a message may quote
	 * the request (a 405 names its method): the default. */
	if ((m = json_string(msg)) == NULL)
		m = json_string(rerr_message(e));
	json_object_set_new(env, "status", json_string("error"));
	json_object_set_new(err, "code", json_integer(status));
	json_object_set_new(err, "message", m);
	json_object_set_new(env, "error", err);
	jsonmem_dump(env, &out->body);
}

/*
 * GET /api/v1/health: 200 when the database answers and its schema has
 * every migration of this binary, with roster's version and the schema's;
 * 503 naming the cause otherwise (the database unreachable, or a schema
 * behind the binary: every other request would fail).  The schema is read
 * here, on each health request, and nowhere on the request path.
 */
enum rerr
team_api_health(struct ctx *c)
{
	struct schema_status st;
	int                  rc;

	/* Whatever the failure, health's answer is 503 and why. */
	if ((rc = db_exec(c->svc->db, c->rq->a, STMT_PING, NULL, 0, NULL)) ||
	    (rc = migrate_status(c->svc->db, c->rq->a, &st)))
		return op_fail(&c->op, RERR_UNAVAILABLE,
		    "The database is unreachable");
	if (st.missing > 0)
		return op_fail(&c->op, RERR_UNAVAILABLE,
		    arena_printf(c->rq->a, "Not ready: %s",
			migrate_describe(c->rq->a, &st)));
	return data_one(c,
	    json_pack("{s:s, s:s, s:s, s:i}", "status", "ok", "database", "ok",
		"version", ROSTER_VERSION, "schema", st.applied));
}

/* A time, or null for "never" (a negative time). */
static json_t *
jtime_or_null(struct ctx *c, int64_t ms)
{
	return ms < 0 ? json_null() : jtime(c, ms);
}

static json_t *
jseats(int64_t seat_limit)
{
	return seat_limit < 0 ? json_null() : json_integer(seat_limit);
}

/* GET /websites (websites:read, dft_): 200, 401, 403. */
enum rerr
team_api_websites_list(struct ctx *c)
{
	struct website_info *v;
	size_t               n, i;
	enum rerr            e;

	if ((e = website_list(&c->op, &v, &n)) != RERR_OK)
		return e;
	c->data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(c->data,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "_id", v[i].id,
			"domain", v[i].domain, "name", v[i].name, "timezone",
			v[i].timezone, "role", v[i].role, "seatLimit",
			jseats(v[i].seat_limit)));
	return RERR_OK;
}

/* One website with every setting (GET, PUT /websites/{id}). */
static json_t *
website_json(struct ctx *c, const struct website_info *w)
{
	json_t *o = json_object(), *doms = json_array();
	size_t  i;

	for (i = 0; i < w->n_email_domains; i++)
		json_array_append_new(doms, json_string(w->email_domains[i]));
	json_object_set_new(o, "_id", json_string(w->id));
	json_object_set_new(o, "domain", json_string(w->domain));
	json_object_set_new(o, "name", json_string(w->name));
	json_object_set_new(o, "timezone", json_string(w->timezone));
	json_object_set_new(o, "seatLimit", jseats(w->seat_limit));
	json_object_set_new(o, "allowedEmailDomains", doms);
	json_object_set_new(o, "acceptRedirectUrl",
	    jstr_or_null(w->accept_redirect_url));
	json_object_set_new(o, "createdAt", jtime(c, w->created_at));
	return o;
}

/*
 * POST /websites {"domain", "timezone"?, "name"?} (websites:write, dft_):
 * 200 with websiteId and domain (as stored: lowercased); 400 domain,
 * timezone or name; 401; 403; 409 a website of the caller has that domain.
 */
enum rerr
team_api_website_create(struct ctx *c)
{
	struct website_info w;
	const char         *domain, *tz, *name;
	enum rerr           e;

	if ((e = opt_string(c, "domain", &domain, NULL)) != RERR_OK ||
	    (e = opt_string(c, "timezone", &tz, NULL)) != RERR_OK ||
	    (e = opt_string(c, "name", &name, NULL)) != RERR_OK)
		return e;
	if ((e = website_add(&c->op, domain, tz, name, &w)) != RERR_OK)
		return e;
	return data_one(c,
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "message",
		"Website created.", "websiteId", w.id, "domain", w.domain,
		"name", w.name, "timezone", w.timezone));
}

/* GET /websites/{websiteId} (settings:read, dft_): 200, 401, 403, 404. */
enum rerr
team_api_website_get(struct ctx *c)
{
	struct website_info w;
	enum rerr           e;

	if ((e = website_get(&c->op, c->site, &w)) != RERR_OK)
		return e;
	return data_one(c, website_json(c, &w));
}

/*
 * allowedEmailDomains of the body: absent (unchanged), null or an array
 * of strings.
 */
static enum rerr
body_domains(struct ctx *c, struct website_change *ch)
{
	json_t *v, *x;
	size_t  i;

	if ((v = json_object_get(c->body, "allowedEmailDomains")) == NULL)
		return RERR_OK;
	ch->set_email_domains = 1;
	if (json_is_null(v))
		return RERR_OK;
	if (!json_is_array(v))
		return op_invalid(&c->op, "allowedEmailDomains",
		    "allowedEmailDomains must be null or an array of domains");
	ch->n_email_domains = json_array_size(v);
	if (ch->n_email_domains > WEBSITE_EMAIL_DOMAINS_MAX)
		return op_invalid(&c->op, "allowedEmailDomains",
		    "allowedEmailDomains may hold at most 50 domains");
	ch->email_domains =
	    arena_alloc(c->rq->a, (ch->n_email_domains + 1) * sizeof(char *));
	json_array_foreach(v, i, x) {
		if (!json_is_string(x))
			return op_invalid(&c->op, "allowedEmailDomains",
			    "allowedEmailDomains must be null or an array of "
			    "domains");
		ch->email_domains[i] = json_string_value(x);
	}
	return RERR_OK;
}

/* seatLimit of the body: absent, null (no limit) or a whole number. */
static enum rerr
body_seats(struct ctx *c, struct website_change *ch)
{
	json_t *v;

	if ((v = json_object_get(c->body, "seatLimit")) == NULL)
		return RERR_OK;
	ch->set_seat_limit = 1;
	ch->seat_limit = -1;
	if (json_is_null(v))
		return RERR_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 1000000)
		return op_invalid(&c->op, "seatLimit",
		    "seatLimit must be null or a whole number from 1 to "
		    "1000000");
	ch->seat_limit = json_integer_value(v);
	return RERR_OK;
}

/*
 * PUT /websites/{websiteId} {"name"?, "domain"?, "timezone"?,
 * "seatLimit"?, "allowedEmailDomains"?, "acceptRedirectUrl"?}
 * (settings:write, member or owner; the last three the owner only): 200
 * with the website; 400 a field; 401; 403; 404; 409 the domain.
 */
enum rerr
team_api_website_update(struct ctx *c)
{
	struct website_change ch;
	struct website_info   w;
	json_t               *v;
	enum rerr             e;

	memset(&ch, 0, sizeof(ch));
	if ((e = opt_string(c, "name", &ch.name, NULL)) != RERR_OK ||
	    (e = opt_string(c, "domain", &ch.domain, NULL)) != RERR_OK ||
	    (e = opt_string(c, "timezone", &ch.timezone, NULL)) != RERR_OK ||
	    (e = body_seats(c, &ch)) != RERR_OK ||
	    (e = body_domains(c, &ch)) != RERR_OK)
		return e;
	if ((v = json_object_get(c->body, "acceptRedirectUrl")) != NULL) {
		if (!json_is_null(v) && !json_is_string(v))
			return op_invalid(&c->op, "acceptRedirectUrl",
			    "acceptRedirectUrl must be null or a URL");
		ch.set_redirect = 1;
		ch.accept_redirect_url = json_string_value(v);
	}
	if ((e = website_update(&c->op, c->site, &ch, &w)) != RERR_OK)
		return e;
	return data_one(c, website_json(c, &w));
}

/*
 * DELETE /websites/{websiteId}: 403 for every credential, as in DataFast
 * (deleting a website is not an API action; the admin CLI's); 401.
 */
enum rerr
team_api_website_delete(struct ctx *c)
{
	return op_fail(&c->op, RERR_FORBIDDEN,
	    "Deleting a website is not possible through the API");
}

static json_t *
account_json(struct ctx *c, const struct account *u)
{
	json_t *o = json_object();

	json_object_set_new(o, "_id", json_string(u->id));
	json_object_set_new(o, "name", jstr_or_null(u->name));
	json_object_set_new(o, "email", json_string(u->email));
	json_object_set_new(o, "image", jstr_or_null(u->image));
	json_object_set_new(o, "createdAt", jtime(c, u->created_at));
	if (u->website_id != NULL)
		json_object_set_new(o, "websiteId", json_string(u->website_id));
	return o;
}

/*
 * GET /account (any credential): 200 with the caller (a df_ key: its
 * website's owner, and its websiteId); 401.
 */
enum rerr
team_api_account_get(struct ctx *c)
{
	struct account u;
	enum rerr      e;

	if ((e = user_account(&c->op, &u)) != RERR_OK)
		return e;
	return data_one(c, account_json(c, &u));
}

/* PUT /account {"name"} (dft_): 200 with the account; 400 name; 401; 403. */
enum rerr
team_api_account_update(struct ctx *c)
{
	struct account u;
	const char    *name;
	enum rerr      e;

	if ((e = opt_string(c, "name", &name, NULL)) != RERR_OK ||
	    (e = user_rename(&c->op, name, &u)) != RERR_OK)
		return e;
	return data_one(c, account_json(c, &u));
}

/* A member as the team list shows it; the JSON in the current arena. */
static json_t *
member_json(struct arena *a, const struct member *m)
{
	return json_pack("{s:s, s:o, s:s, s:o, s:s, s:s}", "userId", m->user_id,
	    "name", jstr_or_null(m->name), "email", m->email, "image",
	    jstr_or_null(m->image), "role", m->role, "joinedAt",
	    clock_iso(a, m->joined_at));
}

/*
 * The whole team as team_api_render() would send it, a page at a time
 * (team_list_all()): each page's JSON is made in the page's own arena and
 * only its text is kept, so a 10,000-member answer costs its text, not
 * 10,000 JSON objects.
 */
struct all_render {
	struct ctx *c;
	struct buf  b; /* the answer, in the request's arena */
	size_t      n; /* members so far */
};

static enum rerr
render_page(struct op *op, const struct team_page *pg, void *arg)
{
	struct all_render *r = arg;
	size_t             i;

	if (pg == NULL) { /* (again) from the start */
		r->b.len = 0;
		r->n = 0;
		buf_puts(&r->b, "{\"status\":\"success\",\"data\":[");
		return RERR_OK;
	}
	jsonmem_use(op->a);
	for (i = 0; i < pg->n; i++, r->n++) {
		if (r->n > 0)
			buf_puts(&r->b, ",");
		jsonmem_dump(member_json(op->a, &pg->v[i]), &r->b);
	}
	jsonmem_use(r->c->rq->a);
	return RERR_OK;
}

static enum rerr
list_all(struct ctx *c)
{
	struct all_render r;
	enum rerr         e;

	memset(&r, 0, sizeof(r));
	r.c = c;
	buf_init(&r.b, c->rq->a, 64 * 1024);
	if ((e = team_list_all(&c->op, c->site, render_page, &r)) != RERR_OK)
		return e;
	buf_puts(&r.b, "]}");
	c->raw = r.b.p;
	c->raw_len = r.b.len;
	return RERR_OK;
}

/*
 * GET /websites/{websiteId}/team (team:read): 200, 400 (limit, cursor),
 * 401, 403, 404.  Without limit (nor cursor) every member, as DataFast's
 * clients do not page; with limit (1..1000; a cursor alone pages by 100)
 * one page and nextCursor while more remain.
 */
enum rerr
team_api_list(struct ctx *c)
{
	struct team_page pg;
	const char      *ls, *cursor;
	const void      *v;
	struct buf       b;
	char            *end, key[CACHE_KEY_MAX];
	long             limit = TEAM_LIMIT_DEFAULT, page;
	size_t           i, n, len;
	int64_t          gen;
	int              bad = 0, all;
	enum rerr        e;

	ls = http_query(c->rq, "limit", &bad);
	cursor = http_query(c->rq, "cursor", &bad);
	if (bad)
		return op_invalid(&c->op, "query", "Malformed query string");
	if (ls != NULL) {
		errno = 0;
		limit = strtol(ls, &end, 10);
		if (*ls < '0' || *ls > '9' || *end != '\0' || errno != 0)
			return op_invalid(&c->op, "limit",
			    "limit must be a "
			    "whole number from 1 to 1000");
	}
	if (cursor != NULL && *cursor == '\0')
		cursor = NULL;
	all = ls == NULL && cursor == NULL;
	/*
	 * The answer as rendered before for this page (limit 0: the whole
	 * team), if the team is still at the generation this request's
	 * authentication read: the same bytes the code below would produce.
	 * Rendering a page of 100 costs more than everything else this
	 * request does (measured: README, Performance).
	 */
	n = team_page_key(key, sizeof(key), c->site, all ? 0 : limit, cursor);
	if (n > 0 && c->actor.team_gen >= 0 &&
	    (v = cache_get(CACHE_RENDER, key, n, &gen, &len)) != NULL &&
	    gen == c->actor.team_gen) {
		/*
		 * What team_api_render() sends for this page, as it sent it
		 * before; the renderer copies it out before the cache is
		 * touched again.
		 */
		c->raw = v;
		c->raw_len = len;
		return RERR_OK;
	}
	/* The whole team: most fit one page of the largest size. */
	page = all ? TEAM_LIMIT_MAX : limit;
	if ((e = team_list(&c->op, c->site, page, cursor, &pg)) != RERR_OK)
		return e;
	if (all && pg.next != NULL)
		return list_all(c);
	c->data = json_array();
	for (i = 0; i < pg.n; i++)
		json_array_append_new(c->data, member_json(c->rq->a, &pg.v[i]));
	if (pg.next != NULL)
		c->extra = json_pack("{s:s}", "nextCursor", pg.next);
	/* Rendered here, once, so the cache keeps the very bytes sent. */
	if (n > 0 && pg.gen >= 0) {
		buf_init(&b, c->rq->a, 1024);
		envelope_ok(c, &b);
		cache_put(CACHE_RENDER, key, n, pg.gen, b.p, b.len);
		c->raw = b.p;
		c->raw_len = b.len;
	}
	return RERR_OK;
}

static json_t *
invitation_json(struct ctx *c, const struct invitation *v, const char *msg)
{
	json_t *o = json_object();

	if (msg != NULL)
		json_object_set_new(o, "message", json_string(msg));
	json_object_set_new(o, "invitationId", json_string(v->id));
	json_object_set_new(o, "email", json_string(v->email));
	json_object_set_new(o, "role", json_string(v->role));
	if (v->link != NULL)
		json_object_set_new(o, "inviteUrl", json_string(v->link));
	if (msg == NULL) {
		json_object_set_new(o, "status",
		    json_string(v->expired ? "expired" : "pending"));
		json_object_set_new(o, "invitedBy",
		    jstr_or_null(v->invited_by));
		json_object_set_new(o, "createdAt", jtime(c, v->created_at));
	}
	json_object_set_new(o, "expiresAt", jtime(c, v->expires_at));
	return o;
}

/*
 * POST /websites/{websiteId}/team (team:write, owner): 200; 400 email or
 * role; 401; 403 not owner, df_ key, seat limit; 404; 409 member or
 * pending invitation.
 */
enum rerr
team_api_invite(struct ctx *c)
{
	struct invitation v;
	const char       *email, *role;
	size_t            elen = 0;
	enum rerr         e;

	if ((e = opt_string(c, "email", &email, &elen)) != RERR_OK ||
	    (e = opt_string(c, "role", &role, NULL)) != RERR_OK)
		return e;
	if ((e = invite_create(&c->op, c->site, c->actor.seat_limit, email,
		 elen, role, &v)) != RERR_OK)
		return e;
	return data_one(c,
	    invitation_json(c, &v,
		"Invitation created. Send the invite link to the user."));
}

/*
 * DELETE /websites/{websiteId}/team {"userId"} (team:write, owner): 200;
 * 400 missing userId or yourself; 401; 403; 404 not a member.
 */
enum rerr
team_api_remove(struct ctx *c)
{
	const char *user;
	enum rerr   e;

	if ((e = opt_string(c, "userId", &user, NULL)) != RERR_OK)
		return e;
	if ((e = team_remove(&c->op, c->site, user)) != RERR_OK)
		return e;
	return data_one(c,
	    json_pack("{s:s}", "message", "Team member removed."));
}

/*
 * PATCH /websites/{websiteId}/team/{userId} {"role"} (team:write, owner):
 * 200; 400 role or the owner; 401; 403; 404 not a member.
 */
enum rerr
team_api_set_role(struct ctx *c)
{
	const char *role;
	enum rerr   e;

	if ((e = opt_string(c, "role", &role, NULL)) != RERR_OK)
		return e;
	if (role == NULL)
		return op_invalid(&c->op, "role", "role is required");
	if ((e = team_set_role(&c->op, c->site, c->id, role)) != RERR_OK)
		return e;
	return data_one(c,
	    json_pack("{s:s, s:s, s:s}", "message", "Team member role updated.",
		"userId", c->id, "role", role));
}

/* GET /websites/{websiteId}/team/invitations (team:read): 200, 401, 403, 404. */
enum rerr
team_api_invites_list(struct ctx *c)
{
	struct invitation *v;
	size_t             n, i;
	enum rerr          e;

	if ((e = invite_list(&c->op, c->site, &v, &n)) != RERR_OK)
		return e;
	c->data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(c->data, invitation_json(c, &v[i], NULL));
	return RERR_OK;
}

/*
 * DELETE /websites/{websiteId}/team/invitations/{invitationId}
 * (team:write, owner): 200, 401, 403, 404.
 */
enum rerr
team_api_invite_revoke(struct ctx *c)
{
	struct invitation v;
	enum rerr         e;

	if ((e = invite_revoke(&c->op, c->site, c->id, &v)) != RERR_OK)
		return e;
	return data_one(c,
	    json_pack("{s:s, s:s}", "message", "Invitation revoked.",
		"invitationId", c->id));
}

/*
 * POST /websites/{websiteId}/team/invitations/{invitationId}/resend
 * (team:write, owner): 200; 401; 403 (incl. seat limit); 404; 409 when a
 * newer pending invitation holds the email.
 */
enum rerr
team_api_invite_resend(struct ctx *c)
{
	struct invitation v;
	enum rerr         e;

	if ((e = invite_resend(&c->op, c->site, c->actor.seat_limit, c->id,
		 &v)) != RERR_OK)
		return e;
	return data_one(c,
	    invitation_json(c, &v,
		"Invitation resent. Send the new invite link to the user."));
}

/*
 * POST /api/v1/invitations/accept {"token", "name"?} (public): 200; 400;
 * 403 seat limit; 404 unknown token; 409 already a member; 410 used,
 * revoked or expired.
 */
enum rerr
team_api_invite_accept(struct ctx *c)
{
	struct accepted a;
	const char     *token, *name;
	enum rerr       e;

	if ((e = opt_string(c, "token", &token, NULL)) != RERR_OK ||
	    (e = opt_string(c, "name", &name, NULL)) != RERR_OK)
		return e;
	if ((e = invite_accept(&c->op, token, name, &a)) != RERR_OK)
		return e;
	return data_one(c,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "message",
		"Invitation accepted.", "invitationId", a.invitation_id,
		"websiteId", a.website_id, "userId", a.user_id, "email",
		a.email, "role", a.role));
}

/* A grant as given: ["*"], or its names in the vocabulary's order. */
static json_t *
perms_json(unsigned grant)
{
	const char *names[PERM_NAMES_MAX];
	json_t     *a = json_array();
	int         n, i;

	for (n = perm_names(grant, names), i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

/*
 * DataFast's rows: _id (id beside it, as roster answered before), the
 * masked key, and key itself only in the answer that made it.
 */
static json_t *
token_json(struct ctx *c, const struct cred_info *t)
{
	json_t *o = json_object(), *sites = json_array();
	size_t  i;

	for (i = 0; i < t->nsites; i++)
		json_array_append_new(sites, json_string(t->sites[i]));
	json_object_set_new(o, "_id", json_string(t->id));
	json_object_set_new(o, "id", json_string(t->id));
	json_object_set_new(o, "name", jstr_or_null(t->name));
	if (t->key != NULL)
		json_object_set_new(o, "key", json_string(t->key));
	json_object_set_new(o, "displayKey", json_string(t->display_key));
	json_object_set_new(o, "scope", json_string("user"));
	json_object_set_new(o, "permissions", perms_json(t->perms));
	json_object_set_new(o, "websiteIds", sites);
	json_object_set_new(o, "lastUsedAt", jtime_or_null(c, t->last_used_at));
	json_object_set_new(o, "createdAt", jtime(c, t->created_at));
	return o;
}

static json_t *
key_json(struct ctx *c, const struct cred_info *k)
{
	json_t *o = json_object();

	json_object_set_new(o, "_id", json_string(k->id));
	json_object_set_new(o, "id", json_string(k->id));
	json_object_set_new(o, "name", jstr_or_null(k->name));
	if (k->key != NULL)
		json_object_set_new(o, "key", json_string(k->key));
	json_object_set_new(o, "displayKey", json_string(k->display_key));
	json_object_set_new(o, "websiteId", json_string(k->website_id));
	json_object_set_new(o, "createdBy", jstr_or_null(k->created_by));
	json_object_set_new(o, "lastUsedAt", jtime_or_null(c, k->last_used_at));
	json_object_set_new(o, "createdAt", jtime(c, k->created_at));
	return o;
}

/* GET /access-tokens (api-keys:read, dft_): 200, 401, 403. */
enum rerr
team_api_tokens_list(struct ctx *c)
{
	struct cred_info *v;
	size_t            n, i;
	enum rerr         e;

	if ((e = cred_token_list(&c->op, NULL, &v, &n)) != RERR_OK)
		return e;
	c->data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(c->data, token_json(c, &v[i]));
	return RERR_OK;
}

/*
 * POST /access-tokens {"name"?, "permissions"?, "websiteIds"?}
 * (api-keys:write, dft_): 200; 400 a field; 401; 403 beyond the caller.
 */
enum rerr
team_api_token_create(struct ctx *c)
{
	struct cred_info t;
	const char      *name, **sites = NULL;
	json_t          *pv, *sv, *x;
	unsigned         perms = 0, bit;
	size_t           i, nsites = 0;
	enum rerr        e;

	if ((e = opt_string(c, "name", &name, NULL)) != RERR_OK)
		return e;
	pv = c->body != NULL ? json_object_get(c->body, "permissions") : NULL;
	sv = c->body != NULL ? json_object_get(c->body, "websiteIds") : NULL;
	if (pv != NULL && !json_is_null(pv)) {
		if (!json_is_array(pv) || json_array_size(pv) == 0)
			return op_invalid(&c->op, "permissions",
			    "permissions "
			    "must be a non-empty array of permission names");
		json_array_foreach(pv, i, x) {
			if (!json_is_string(x) ||
			    (bit = perm_parse(json_string_value(x))) == 0)
				return op_invalid(&c->op, "permissions",
				    arena_printf(c->rq->a,
					"unknown permission; the valid ones "
					"are %s",
					perm_vocabulary()));
			perms |= bit;
		}
	}
	if (sv != NULL && !json_is_null(sv)) {
		if (!json_is_array(sv))
			return op_invalid(&c->op, "websiteIds",
			    "websiteIds must be an array of website ids");
		nsites = json_array_size(sv);
		sites = arena_alloc(c->rq->a, (nsites + 1) * sizeof(char *));
		json_array_foreach(sv, i, x) {
			if (!json_is_string(x))
				return op_invalid(&c->op, "websiteIds",
				    "websiteIds must be an array of website "
				    "ids");
			sites[i] = json_string_value(x);
		}
	}
	if ((e = cred_token_create(&c->op, NULL, name, perms, sites, nsites,
		 &t)) != RERR_OK)
		return e;
	return data_one(c, token_json(c, &t));
}

/* DELETE /access-tokens/{tokenId} (api-keys:write, dft_): 200, 401, 403, 404. */
enum rerr
team_api_token_revoke(struct ctx *c)
{
	enum rerr e;

	if ((e = cred_token_revoke(&c->op, c->id)) != RERR_OK)
		return e;
	return data_one(c,
	    json_pack("{s:s, s:s}", "message", "Access token revoked.", "id",
		c->id));
}

/*
 * GET /websites/{websiteId}/apikeys (and /api-keys) (api-keys:read, dft_,
 * member or owner): 200, 401, 403, 404.
 */
enum rerr
team_api_keys_list(struct ctx *c)
{
	struct cred_info *v;
	size_t            n, i;
	enum rerr         e;

	if ((e = cred_key_list(&c->op, c->site, &v, &n)) != RERR_OK)
		return e;
	c->data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(c->data, key_json(c, &v[i]));
	return RERR_OK;
}

/*
 * POST /websites/{websiteId}/apikeys {"name"?} (api-keys:write and
 * team:read, dft_, member or owner): 200 with key; 400 name or the 11th
 * key; 401; 403; 404.
 */
enum rerr
team_api_key_create(struct ctx *c)
{
	struct cred_info k;
	const char      *name;
	enum rerr        e;

	if ((e = opt_string(c, "name", &name, NULL)) != RERR_OK)
		return e;
	if ((e = cred_key_create(&c->op, c->site, name, &k)) != RERR_OK)
		return e;
	return data_one(c, key_json(c, &k));
}

/*
 * PUT /websites/{websiteId}/apikeys/{apiKeyId}, roll (api-keys:write and
 * team:read, dft_, member or owner): 200 with the new key, the old one
 * refused from now on; 401; 403; 404.
 */
enum rerr
team_api_key_roll(struct ctx *c)
{
	struct cred_info k;
	enum rerr        e;

	if ((e = cred_key_roll(&c->op, c->site, c->id, &k)) != RERR_OK)
		return e;
	return data_one(c, key_json(c, &k));
}

/*
 * DELETE /websites/{websiteId}/apikeys/{apiKeyId} (api-keys:write, dft_,
 * member or owner): 200, 401, 403, 404.
 */
enum rerr
team_api_key_revoke(struct ctx *c)
{
	enum rerr e;

	if ((e = cred_key_revoke(&c->op, c->site, c->id)) != RERR_OK)
		return e;
	return data_one(c,
	    json_pack("{s:s, s:s}", "message", "API key revoked.", "id",
		c->id));
}
