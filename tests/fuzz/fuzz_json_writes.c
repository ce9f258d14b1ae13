/*
 * Each write handler of the Team API and of the DatoCMS dialect called
 * directly with a fuzzed JSON body, as the router hands it over: an authenticated owner (a dft_ token
 * with every permission, on an existing website) and a database that is
 * never connected.  Validation comes before any database access, so
 * API.md's contract is checkable without one: invalid input is 400 (or 404
 * where API.md says so; 422 INVALID_FORMAT or INVALID_FIELD in DatoCMS's
 * dialect) and valid input reaches the database, which answers 503.  Each handler's outcome is compared with an oracle written from
 * API.md, and the response is rendered in the dialect's envelope and
 * checked; a difference aborts, so the fuzzer finds contract breaks, not
 * only crashes.
 *
 * Input: the first byte picks the handler (see `targets`: 'A' the first,
 * 'B' the second, ..., 'H' and 'I' DatoCMS's create and update, 'J' PUT
 * /account, 'K' DatoCMS's users.update; any byte picks one), the rest is
 * the body.  A
 * lowercase letter makes the path's :id the caller's own user id.  The
 * team list ('G') takes the rest as its query string instead: it is the
 * one read whose input is more than ids.
 */
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "roster/cma_api.h"
#include "roster/team_api.h"
#include "roster/auth.h"
#include "roster/email_address.h"
#include "roster/err.h"
#include "roster/http.h"
#include "roster/operation.h"
#include "roster/router.h"
#include "roster/routes.h"
#include "roster/team.h"

#define SITE   "665f0b3c4d2e1a0012345678"
#define OWNER  "665f0b3c4d2e1a00000000a1"
#define OTHER  "665f0b3c4d2e1a00000000b2"
#define CRED   "665f0b3c4d2e1a00000000c3"
#define EMAIL  "owner@example.com"
#define INVITE "665f0b3c4d2e1a00000000d4"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***);

enum kind { K_JSON, K_QUERY };

struct target {
	const char *route; /* its name in the route table */
	handler_fn  fn;
	enum kind   kind;
	/* The outcome API.md asks for, from the input alone. */
	enum rerr (*oracle)(struct ctx *);
	render_fn render;
	/* Checks the rendered response against the outcome. */
	void (*check)(const struct target *, const struct resp *, enum rerr);
};

/* 0: absent or null; 1: a string (*s, *len); -1: anything else. */
static int
field(const json_t *o, const char *key, const char **s, size_t *len)
{
	json_t *v = o != NULL ? json_object_get(o, key) : NULL;

	*s = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*s = json_string_value(v);
	if (len != NULL)
		*len = json_string_length(v);
	return 1;
}

/* API.md "Invite team member": 400 for email or role; else the database. */
static enum rerr
oracle_invite(struct ctx *c)
{
	const char *email, *role;
	char        norm[EMAIL_MAX + 1];
	size_t      len = 0;
	int         fe = field(c->body, "email", &email, &len);
	int         fr = field(c->body, "role", &role, NULL);

	if (fe != 1 || fr < 0)
		return RERR_INVALID;
	if (email_normalize(email, len, norm) != 0)
		return RERR_INVALID;
	if (fr == 1 && strcmp(role, "viewer") != 0 &&
	    strcmp(role, "member") != 0)
		return RERR_INVALID;
	if (strcmp(norm, c->actor.email) == 0)
		return RERR_INVALID; /* inviting yourself */
	return RERR_UNAVAILABLE;
}

/* API.md "Remove team member": 400 missing or yourself; 404 no such id. */
static enum rerr
oracle_remove(struct ctx *c)
{
	const char *user;

	if (field(c->body, "userId", &user, NULL) != 1 || *user == '\0' ||
	    strcmp(user, c->actor.user_id) == 0)
		return RERR_INVALID;
	if (!fuzz_hex24(user))
		return RERR_NOT_FOUND;
	return RERR_UNAVAILABLE;
}

/* PATCH .../team/{userId}: role member or viewer, not your own. */
static enum rerr
oracle_role(struct ctx *c)
{
	const char *role;

	if (field(c->body, "role", &role, NULL) != 1 ||
	    (strcmp(role, "member") != 0 && strcmp(role, "viewer") != 0) ||
	    strcmp(c->id, c->actor.user_id) == 0)
		return RERR_INVALID;
	return RERR_UNAVAILABLE;
}

static int
name_ok(struct ctx *c)
{
	const char *name;
	int         f = field(c->body, "name", &name, NULL);

	return f == 0 || (f == 1 && fuzz_utf8_ok(name, strlen(name), 200));
}

/* POST /access-tokens {"name"?, "permissions"?, "websiteIds"?}. */
static enum rerr
oracle_token(struct ctx *c)
{
	/* DataFast's vocabulary (docs/api-reference.md). */
	static const char *const perms[] = { "analytics:read", "websites:read",
		"websites:write", "api-keys:read", "api-keys:write",
		"team:read", "team:write", "alerts:read", "alerts:write",
		"settings:read", "settings:write", "funnels:read",
		"funnels:write", "goals:read", "goals:write", "payments:read",
		"payments:write", "*" };
	json_t                  *pv, *sv, *x;
	size_t                   i, j;

	if (!name_ok(c))
		return RERR_INVALID;
	pv = c->body != NULL ? json_object_get(c->body, "permissions") : NULL;
	if (pv != NULL && !json_is_null(pv)) {
		if (!json_is_array(pv) || json_array_size(pv) == 0)
			return RERR_INVALID;
		json_array_foreach(pv, i, x) {
			if (!json_is_string(x))
				return RERR_INVALID;
			for (j = 0; j < sizeof(perms) / sizeof(perms[0]); j++)
				if (strcmp(json_string_value(x), perms[j]) == 0)
					break;
			if (j == sizeof(perms) / sizeof(perms[0]))
				return RERR_INVALID;
		}
	}
	sv = c->body != NULL ? json_object_get(c->body, "websiteIds") : NULL;
	if (sv != NULL && !json_is_null(sv)) {
		if (!json_is_array(sv) || json_array_size(sv) > 100)
			return RERR_INVALID;
		json_array_foreach(sv, i, x)
			if (!json_is_string(x) ||
			    !fuzz_hex24(json_string_value(x)))
				return RERR_INVALID;
	}
	return RERR_UNAVAILABLE;
}

/* POST /websites/{id}/api-keys {"name"?}. */
static enum rerr
oracle_key(struct ctx *c)
{
	return name_ok(c) ? RERR_UNAVAILABLE : RERR_INVALID;
}

/* POST /api/v1/invitations/accept {"token", "name"?}: 404 unknown token. */
static enum rerr
oracle_accept(struct ctx *c)
{
	const char *token, *name;
	size_t      i;
	int         ft = field(c->body, "token", &token, NULL);
	int         fn = field(c->body, "name", &name, NULL);

	if (ft < 0 || fn < 0 || ft == 0 || *token == '\0')
		return RERR_INVALID;
	if (strlen(token) != 43)
		return RERR_NOT_FOUND;
	for (i = 0; i < 43; i++)
		if (strchr(
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789-_",
			token[i]) == NULL)
			return RERR_NOT_FOUND;
	if (fn == 1) {
		while (*name == ' ')
			name++;
		if (*name != '\0' && !fuzz_utf8_ok(name, strlen(name), 200))
			return RERR_INVALID;
	}
	return RERR_UNAVAILABLE;
}

/*
 * GET .../team?limit=&cursor=: 400 for either (a cursor must decode and name
 * this website); else the database.
 */
static enum rerr
oracle_list(struct ctx *c)
{
	struct team_cursor tc;
	const char        *ls, *cur;
	long               limit = 0;
	int                bad = 0;

	ls = http_param(c->rq->a, c->rq->query, "limit", &bad);
	cur = http_param(c->rq->a, c->rq->query, "cursor", &bad);
	if (bad)
		return RERR_INVALID;
	if (ls != NULL) {
		if (*ls == '\0')
			return RERR_INVALID;
		for (; *ls != '\0'; ls++) {
			if (*ls < '0' || *ls > '9')
				return RERR_INVALID;
			if (limit <= 1000)
				limit = limit * 10 + (*ls - '0');
		}
		if (limit < 1 || limit > 1000)
			return RERR_INVALID;
	}
	if (cur != NULL && *cur != '\0' &&
	    (team_cursor_decode(cur, &tc) != 0 || strcmp(tc.site, SITE) != 0))
		return RERR_INVALID;
	return RERR_UNAVAILABLE;
}

/*
 * DatoCMS's resource document {"data":{"type":type, ...}}: *d, or
 * RERR_FORMAT when the body is not one.
 */
static enum rerr
cma_resource(struct ctx *c, const char *type, json_t **d)
{
	json_t *t;

	*d = json_object_get(c->body, "data");
	if (!json_is_object(*d))
		return RERR_FORMAT;
	t = json_object_get(*d, "type");
	if (!json_is_string(t) || strcmp(json_string_value(t), type) != 0)
		return RERR_FORMAT;
	return RERR_OK;
}

/* relationships.role.data {"type":"role","id":"..."}; *role NULL: absent. */
static enum rerr
cma_role(json_t *d, int required, const char **role)
{
	json_t *rels, *rel, *rd;

	*role = NULL;
	rels = json_object_get(d, "relationships");
	if (rels == NULL)
		return required ? RERR_FORMAT : RERR_OK;
	if (!json_is_object(rels))
		return RERR_FORMAT;
	if ((rel = json_object_get(rels, "role")) == NULL)
		return required ? RERR_FORMAT : RERR_OK;
	rd = json_object_get(rel, "data");
	if (!json_is_object(rel) || !json_is_object(rd) ||
	    !json_is_string(json_object_get(rd, "type")) ||
	    strcmp(json_string_value(json_object_get(rd, "type")), "role") !=
		0 ||
	    !json_is_string(json_object_get(rd, "id")))
		return RERR_FORMAT;
	*role = json_string_value(json_object_get(rd, "id"));
	return RERR_OK;
}

/* POST /cma/site-invitations: 422 INVALID_FORMAT, then the invite's 422s. */
static enum rerr
oracle_cma_create(struct ctx *c)
{
	json_t     *d, *attrs, *email = NULL;
	const char *role;
	char        norm[EMAIL_MAX + 1];

	if (cma_resource(c, "site_invitation", &d) != RERR_OK ||
	    cma_role(d, 1, &role) != RERR_OK)
		return RERR_FORMAT;
	if ((attrs = json_object_get(d, "attributes")) != NULL) {
		if (!json_is_object(attrs))
			return RERR_FORMAT;
		email = json_object_get(attrs, "email");
		if (email != NULL && !json_is_null(email) &&
		    !json_is_string(email))
			return RERR_FORMAT;
	}
	if (!json_is_string(email) ||
	    email_normalize(json_string_value(email), json_string_length(email),
		norm) != 0)
		return RERR_INVALID;
	if (strcmp(role, "viewer") != 0 && strcmp(role, "member") != 0)
		return RERR_INVALID;
	if (strcmp(norm, c->actor.email) == 0)
		return RERR_INVALID;
	return RERR_UNAVAILABLE;
}

/* PUT /cma/site-invitations/{id}: data.id, if given, is the path's. */
static enum rerr
oracle_cma_update(struct ctx *c)
{
	json_t     *d, *id;
	const char *role;

	if (cma_resource(c, "site_invitation", &d) != RERR_OK ||
	    cma_role(d, 0, &role) != RERR_OK)
		return RERR_FORMAT;
	if ((id = json_object_get(d, "id")) != NULL &&
	    (!json_is_string(id) || strcmp(json_string_value(id), c->id) != 0))
		return RERR_FORMAT;
	if (role != NULL && strcmp(role, "viewer") != 0 &&
	    strcmp(role, "member") != 0)
		return RERR_INVALID;
	return RERR_UNAVAILABLE;
}

/*
 * PUT /cma/users/{id} (users.update): a user document; data.id, if given,
 * is the path's; attributes an object whose is_active, if given, is a
 * boolean, and true (422 is_active otherwise); a role of member or viewer.
 */
static enum rerr
oracle_cma_user(struct ctx *c)
{
	json_t     *d, *id, *attrs, *act;
	const char *role;

	if (cma_resource(c, "user", &d) != RERR_OK ||
	    cma_role(d, 0, &role) != RERR_OK)
		return RERR_FORMAT;
	if ((id = json_object_get(d, "id")) != NULL &&
	    (!json_is_string(id) || strcmp(json_string_value(id), c->id) != 0))
		return RERR_FORMAT;
	if ((attrs = json_object_get(d, "attributes")) != NULL) {
		if (!json_is_object(attrs))
			return RERR_FORMAT;
		act = json_object_get(attrs, "is_active");
		if (act != NULL && !json_is_boolean(act))
			return RERR_FORMAT;
		if (act != NULL && !json_is_true(act))
			return RERR_INVALID;
	}
	if (role != NULL && strcmp(role, "viewer") != 0 &&
	    strcmp(role, "member") != 0)
		return RERR_INVALID;
	return RERR_UNAVAILABLE;
}

/* PUT /account {"name"}: a name of 1 to 200 characters is required. */
static enum rerr
oracle_account(struct ctx *c)
{
	const char *name;

	if (field(c->body, "name", &name, NULL) != 1 || *name == '\0' ||
	    !fuzz_utf8_ok(name, strlen(name), 200))
		return RERR_INVALID;
	return RERR_UNAVAILABLE;
}

static void check_team(const struct target *, const struct resp *, enum rerr);
static void check_cma(const struct target *, const struct resp *, enum rerr);

/* clang-format off */
static const struct target targets[] = {
	{ "team.invite", team_api_invite, K_JSON, oracle_invite,
	  team_api_render, check_team },
	{ "team.remove", team_api_remove, K_JSON, oracle_remove,
	  team_api_render, check_team },
	{ "team.role", team_api_set_role, K_JSON, oracle_role,
	  team_api_render, check_team },
	{ "tokens.create", team_api_token_create, K_JSON, oracle_token,
	  team_api_render, check_team },
	{ "apikeys.create", team_api_key_create, K_JSON, oracle_key,
	  team_api_render, check_team },
	{ "invitations.accept", team_api_invite_accept, K_JSON, oracle_accept,
	  team_api_render, check_team },
	{ "team.list", team_api_list, K_QUERY, oracle_list, team_api_render,
	  check_team },
	{ "cma.invitations.create", cma_api_invite_create, K_JSON,
	  oracle_cma_create, cma_api_render, check_cma },
	{ "cma.invitations.update", cma_api_invite_update, K_JSON,
	  oracle_cma_update, cma_api_render, check_cma },
	{ "account.update", team_api_account_update, K_JSON, oracle_account,
	  team_api_render, check_team },
	{ "cma.users.update", cma_api_user_update, K_JSON, oracle_cma_user,
	  cma_api_render, check_cma },
};
/* clang-format on */

#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static const struct route *troutes[NTARGETS];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct route *routes;
	size_t              n, i, j;

	(void)argc;
	(void)argv;
	fuzz_init();
	/* Each handler is the one its route names, so the harness stays
	 * honest when the table changes. */
	routes = api_routes.routes;
	n = api_routes.n;
	for (i = 0; i < NTARGETS; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(routes[j].name, targets[i].route) == 0)
				troutes[i] = &routes[j];
		FUZZ_CHECK(troutes[i] != NULL &&
			troutes[i]->fn == targets[i].fn,
		    "route %s is not in the table with its "
		    "handler",
		    targets[i].route);
	}
	return 0;
}

static void
actor_init(struct actor *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->kind = CRED_TOKEN;
	snprintf(ac->cred_id, sizeof(ac->cred_id), "%s", CRED);
	snprintf(ac->user_id, sizeof(ac->user_id), "%s", OWNER);
	snprintf(ac->email, sizeof(ac->email), "%s", EMAIL);
	snprintf(ac->name, sizeof(ac->name), "The Owner");
	ac->grant = PERM_STAR;
	ac->perms = PERM_ALL;
	snprintf(ac->site, sizeof(ac->site), "%s", SITE);
	ac->site_exists = 1;
	ac->site_listed = 1;
	ac->role = ROLE_OWNER;
	ac->seat_limit = -1;
}

static int
blank(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
			return 0;
	return 1;
}

/* The rendered Team API envelope says the same as the outcome. */
static void
check_team(const struct target *t, const struct resp *r, enum rerr e)
{
	json_t      *v, *err;
	json_error_t jerr;
	const char  *msg;

	v = json_loadb(r->body.p, r->body.len, 0, &jerr);
	FUZZ_CHECK(v != NULL && json_is_object(v),
	    "%s: rendered body does "
	    "not parse: %s",
	    t->route, jerr.text);
	FUZZ_CHECK(r->status == rerr_team_status(e),
	    "%s: status %d "
	    "for outcome %d",
	    t->route, r->status, rerr_team_status(e));
	err = json_object_get(v, "error");
	msg = json_string_value(json_object_get(err, "message"));
	FUZZ_CHECK(json_integer_value(json_object_get(err, "code")) ==
		    r->status &&
		msg != NULL && *msg != '\0' &&
		json_is_string(json_object_get(v, "status")) &&
		strcmp(json_string_value(json_object_get(v, "status")),
		    "error") == 0,
	    "%s: not an error envelope: %.200s", t->route, r->body.p);
}

/*
 * DatoCMS's error document (API.md "The Site-invitation API"): the first
 * entry has id, type "api_error" and attributes {code, details}; a refused
 * field is named in details; never "transient".
 */
static void
check_cma(const struct target *t, const struct resp *r, enum rerr e)
{
	json_t      *v, *first, *attrs, *code, *details;
	json_error_t jerr;

	v = json_loadb(r->body.p, r->body.len, 0, &jerr);
	FUZZ_CHECK(v != NULL && json_is_object(v),
	    "%s: rendered body does "
	    "not parse: %s",
	    t->route, jerr.text);
	FUZZ_CHECK(r->status == cma_api_status(e),
	    "%s: status %d "
	    "for outcome %d",
	    t->route, r->status, cma_api_status(e));
	FUZZ_CHECK(strncmp(r->content_type, "application/json", 16) == 0,
	    "%s: Content-Type %s", t->route, r->content_type);
	first = json_array_get(json_object_get(v, "data"), 0);
	attrs = json_object_get(first, "attributes");
	code = json_object_get(attrs, "code");
	details = json_object_get(attrs, "details");
	FUZZ_CHECK(json_is_string(json_object_get(first, "id")) &&
		json_is_string(json_object_get(first, "type")) &&
		strcmp(json_string_value(json_object_get(first, "type")),
		    "api_error") == 0 &&
		json_is_string(code) &&
		strcmp(json_string_value(code), cma_api_code(e)) == 0 &&
		json_is_object(details),
	    "%s: not an api_error: %.300s", t->route, r->body.p);
	FUZZ_CHECK(json_object_get(attrs, "transient") == NULL,
	    "%s: a transient error is retried forever", t->route);
	if (e == RERR_INVALID)
		FUZZ_CHECK(json_is_string(json_object_get(details, "field")) &&
			json_is_string(json_object_get(details, "code")),
		    "%s: INVALID_FIELD without details.field and code: %.300s",
		    t->route, r->body.p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct target *t;
	struct rq            rq;
	struct resp          resp;
	struct ctx           c;
	json_error_t         jerr;
	json_t              *body = NULL;
	char                *query = NULL;
	enum rerr            e, want;
	int                  self;

	if (size == 0)
		return 0;
	/* 'A'/'a' -> 0, 'B'/'b' -> 1, ...: every byte picks a handler. */
	t = &targets[((data[0] & 0x1f) + NTARGETS - 1) % NTARGETS];
	self = (data[0] & 0x20) != 0;
	data++;
	size--;

	fuzz_begin();
	if (t->kind == K_JSON) {
		if (blank(data, size)) {
			/* The router refuses an empty body where one is
			 * required; an optional one arrives as NULL. */
			if (troutes[t - targets]->body != BODY_OPTIONAL)
				return 0;
		} else {
			body = json_loadb((const char *)data, size,
			    JSON_REJECT_DUPLICATES, &jerr);
			/* Malformed JSON never reaches a handler (400). */
			if (body == NULL || !json_is_object(body))
				return 0;
		}
	} else
		query = fuzz_strdup(data, size);

	memset(&rq, 0, sizeof(rq));
	rq.a = &fuzz_arena;
	rq.method = troutes[t - targets]->method;
	rq.method_name = http_method_name(rq.method);
	rq.path = troutes[t - targets]->path;
	rq.query = query != NULL ? query : "";
	rq.body = "";
	rq.route_name = t->route;
	rq.route_index = (int)(troutes[t - targets] - api_routes.routes);
	snprintf(rq.request_id, sizeof(rq.request_id), "fuzz");
	resp_init(&resp, &fuzz_arena);
	memset(&c, 0, sizeof(c));
	c.svc = &fuzz_svc;
	c.rq = &rq;
	c.route = troutes[t - targets];
	actor_init(&c.actor);
	op_init(&c.op, fuzz_svc.db, &fuzz_arena, &fuzz_cfg, &c.actor,
	    rq.request_id);
	c.body = body;
	c.site = SITE;
	c.id = self ? OWNER : t->render == cma_api_render ? INVITE : OTHER;

	e = t->fn(&c);
	want = t->oracle(&c);
	FUZZ_CHECK(e == RERR_INVALID || e == RERR_NOT_FOUND ||
		e == RERR_FORMAT || e == RERR_UNAVAILABLE,
	    "%s: outcome %d (%s) "
	    "is not 400, 404 or 503",
	    t->route, rerr_team_status(e), c.op.msg != NULL ? c.op.msg : "-");
	FUZZ_CHECK(e == want, "%s: outcome %d (%s), API.md says %d", t->route,
	    rerr_team_status(e), c.op.msg != NULL ? c.op.msg : "-",
	    rerr_team_status(want));
	FUZZ_CHECK(c.op.msg != NULL, "%s: outcome %d without a message",
	    t->route, rerr_team_status(e));
	if (e == RERR_INVALID)
		FUZZ_CHECK(c.op.field != NULL, "%s: 400 (%s) names no field",
		    t->route, c.op.msg);
	t->render(&c, e, &resp);
	t->check(t, &resp, e);
	free(query);
	return 0;
}
