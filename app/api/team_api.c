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
		    json_pack("{s:s, s:s, s:s, s:s, s:o}", "_id", v[i].id,
			"domain", v[i].domain, "name", v[i].name, "role",
			v[i].role, "seatLimit",
			v[i].seat_limit < 0 ? json_null() :
					      json_integer(v[i].seat_limit)));
	return RERR_OK;
}

/*
 * GET /websites/{websiteId}/team (team:read): 200, 400 (limit, cursor),
 * 401, 403, 404.
 */
enum rerr
team_api_list(struct ctx *c)
{
	struct team_page pg;
	const char      *ls, *cursor;
	const void      *v;
	struct buf       b;
	char            *end, key[CACHE_KEY_MAX];
	long             limit = TEAM_LIMIT_DEFAULT;
	size_t           i, n, len;
	int64_t          gen;
	int              bad = 0;
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
	/*
	 * The answer as rendered before for this page, if the team is still
	 * at the generation this request's authentication read: the same
	 * bytes the code below would produce.  Rendering a page of 100 costs
	 * more than everything else this request does (measured: README,
	 * Performance).
	 */
	n = team_page_key(key, sizeof(key), c->site, limit, cursor);
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
	if ((e = team_list(&c->op, c->site, limit, cursor, &pg)) != RERR_OK)
		return e;
	c->data = json_array();
	for (i = 0; i < pg.n; i++)
		json_array_append_new(c->data,
		    json_pack("{s:s, s:o, s:s, s:o, s:s, s:o}", "userId",
			pg.v[i].user_id, "name", jstr_or_null(pg.v[i].name),
			"email", pg.v[i].email, "image",
			jstr_or_null(pg.v[i].image), "role", pg.v[i].role,
			"joinedAt", jtime(c, pg.v[i].joined_at)));
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

static json_t *
perms_json(unsigned perms)
{
	const char *names[8];
	json_t     *a = json_array();
	int         n, i;

	if ((perms & PERM_ALL) == PERM_ALL)
		json_array_append_new(a, json_string("*"));
	else
		for (n = perm_names(perms, names), i = 0; i < n; i++)
			json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *
token_json(struct ctx *c, const struct cred_info *t)
{
	json_t *o = json_object(), *sites = json_array();
	size_t  i;

	for (i = 0; i < t->nsites; i++)
		json_array_append_new(sites, json_string(t->sites[i]));
	json_object_set_new(o, "id", json_string(t->id));
	json_object_set_new(o, "name", jstr_or_null(t->name));
	if (t->key != NULL)
		json_object_set_new(o, "key", json_string(t->key));
	json_object_set_new(o, "displayKey", json_string(t->display_key));
	json_object_set_new(o, "permissions", perms_json(t->perms));
	json_object_set_new(o, "websiteIds", sites);
	json_object_set_new(o, "createdAt", jtime(c, t->created_at));
	return o;
}

static json_t *
key_json(struct ctx *c, const struct cred_info *k)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(k->id));
	json_object_set_new(o, "name", jstr_or_null(k->name));
	if (k->key != NULL)
		json_object_set_new(o, "key", json_string(k->key));
	json_object_set_new(o, "displayKey", json_string(k->display_key));
	json_object_set_new(o, "websiteId", json_string(k->website_id));
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
				    "unknown permission; use team:read, "
				    "team:write, websites:read, api-keys:read, "
				    "api-keys:write or *");
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

/* GET /websites/{websiteId}/api-keys (api-keys:read, member+): 200, 401, 403, 404. */
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

/* POST /websites/{websiteId}/api-keys {"name"?} (api-keys:write, member+): 200, 400, 401, 403, 404. */
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

/* DELETE /websites/{websiteId}/api-keys/{keyId} (api-keys:write, member+): 200, 401, 403, 404. */
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
