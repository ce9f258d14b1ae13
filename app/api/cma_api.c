/*
 * The Site-invitation API (API.md "The Site-invitation API (DatoCMS
 * dialect)"), wire-compatible with DatoCMS's Content Management API for
 * site invitations, roles and collaborators, so that the official
 * @datocms/cma-client-node works against roster unmodified.  Each handler:
 * parse the JSON:API document, call the same core the Team API calls,
 * leave JSON:API resources for cma_api_render().  Statuses and codes come
 * from the outcome (err.h) through this dialect's own table below; the
 * details of a refused field from op->field and op->why.
 *
 * Every handler can also end in what the router answers before it runs:
 * 401 (credential), 403 (permission, role, website access, or no single
 * website), 404 (an X-Site-Id website that does not exist), 429 (rate
 * limit) and 503 (database).
 */
#include <string.h>

#include <ctype.h>

#include "roster/cma_api.h"
#include "roster/auth.h"
#include "roster/clock.h"
#include "roster/config.h"
#include "roster/cred.h"
#include "roster/invite.h"
#include "roster/jsonmem.h"
#include "roster/team.h"
#include "roster/website.h"

/*
 * Roles.  DatoCMS role ids are strings ("34"); roster's invitable roles
 * are fixed, so a role's id is its name, "member" or "viewer": stable,
 * readable in scripts (role: { type: 'role', id: 'viewer' }), and the very
 * string the core takes, so the core alone judges which roles may be
 * given.  The owner is not a role here: DatoCMS's project owner is the
 * account, not a collaborator, so it is neither a listed role nor a
 * listed user; only users.findMe shows the owner, as a user whose role is
 * "owner" (sideloaded like the others, never listed or found by id).
 *
 * The permission flags are DatoCMS's role attributes, set to what the
 * roster role allows (API.md "Roles"): a member manages settings and API
 * keys, a viewer reads; neither manages users (only the owner does).
 */
#define P_EDIT_SITE (1u << 0)
#define P_KEYS      (1u << 1)
#define P_USERS     (1u << 2)

/* clang-format off */
static const struct {
	const char	*name;
	unsigned	 bit;		/* 0: always false */
} role_flags[] = {
	{ "can_edit_favicon",			P_EDIT_SITE },
	{ "can_edit_site",			P_EDIT_SITE },
	{ "can_edit_schema",			0 },
	{ "can_manage_menu",			0 },
	{ "can_edit_environment",		0 },
	{ "can_promote_environments",		0 },
	{ "can_manage_users",			P_USERS },
	{ "can_manage_shared_filters",		0 },
	{ "can_manage_upload_collections",	0 },
	{ "can_manage_build_triggers",		0 },
	{ "can_manage_search_indexes",		0 },
	{ "can_manage_webhooks",		0 },
	{ "can_manage_environments",		0 },
	{ "can_manage_sso",			0 },
	{ "can_access_audit_log",		0 },
	{ "can_manage_workflows",		0 },
	{ "can_manage_access_tokens",		P_KEYS },
	{ "can_perform_site_search",		0 },
	{ "can_access_build_events_log",	0 },
	{ "can_access_search_index_events_log",	0 },
};
/* clang-format on */

/* Packed by hand; clang-format would put one item per line. */
/* clang-format off */
static const char *const role_lists[] = {
	"positive_item_type_permissions", "negative_item_type_permissions",
	"positive_upload_permissions", "negative_upload_permissions",
	"positive_build_trigger_permissions",
	"negative_build_trigger_permissions",
	"positive_search_index_permissions",
	"negative_search_index_permissions",
};
/* clang-format on */

static const struct {
	const char *id;
	const char *name;
	unsigned    grants;
	int         listed; /* in /roles: the roles one can be given */
} roles[] = {
	{ "member", "Member", P_EDIT_SITE | P_KEYS, 1 },
	{ "viewer", "Viewer", 0, 1 },
	{ "owner", "Owner", P_EDIT_SITE | P_KEYS | P_USERS, 0 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What a refused field broke, in DatoCMS's details.code words. */
static const char *const why_codes[] = {
	[WHY_NONE] = "VALIDATION_INVALID",
	[WHY_REQUIRED] = "VALIDATION_REQUIRED",
	[WHY_FORMAT] = "VALIDATION_FORMAT",
	[WHY_TAKEN] = "VALIDATION_UNIQUENESS",
};

/*
 * DatoCMS's HTTP status and error code for each outcome of the core's
 * table (include/roster/err.h): the codes DatoCMS lists on its error page
 * (datocms.com/docs/content-management-api/errors).  A uniqueness failure
 * is INVALID_FIELD with details {field, code: "VALIDATION_UNIQUENESS"},
 * as DatoCMS's own CLI branches on; a body that fails the endpoint's
 * schema is INVALID_FORMAT with details.messages (what DatoCMS answers
 * such a body); the rate limit is RATE_LIMIT_EXCEEDED, as DatoCMS's error
 * page lists it (the client itself reads only the status and
 * X-RateLimit-Reset).  Every error's doc_url leads to the code's section
 * of roster's own API reference (docs/api-reference.md, which roster serves at
 * PUBLIC_URL/docs/api-reference.md): its anchor is the code in lower case.
 * CONFLICT, GONE and the 405 have no DatoCMS counterpart on a /cma route;
 * nginx's own /cma errors (deploy/nginx) use the same codes for 413 and
 * 5xx.  CREATED is the one success DatoCMS answers 201.
 */
/* clang-format off */
#define CMA_WIRE(X) \
	X(OK,             200, "OK") \
	X(CREATED,        201, "CREATED") \
	X(INVALID,        422, "INVALID_FIELD") \
	X(FORMAT,         422, "INVALID_FORMAT") \
	X(BAD_JSON,       400, "INVALID_JSON_BODY") \
	X(UNAUTHENTICATED,401, "INVALID_AUTHORIZATION_HEADER") \
	X(FORBIDDEN,      403, "INSUFFICIENT_PERMISSIONS") \
	X(SEAT_LIMIT,     422, "PLAN_UPGRADE_REQUIRED") \
	X(NOT_FOUND,      404, "NOT_FOUND") \
	X(METHOD,         405, "INVALID_ENDPOINT") \
	X(ALREADY_MEMBER, 422, "INVALID_FIELD") \
	X(PENDING,        422, "INVALID_FIELD") \
	X(CONFLICT,       409, "CONFLICT") \
	X(GONE,           410, "GONE") \
	X(TOO_LARGE,      413, "REQUEST_ENTITY_TOO_LARGE") \
	X(MEDIA_TYPE,     415, "INVALID_CONTENT_TYPE_HEADER") \
	X(UNPROCESSABLE,  422, "INVALID_FIELD") \
	X(RATE_LIMITED,   429, "RATE_LIMIT_EXCEEDED") \
	X(INTERNAL,       500, "INTERNAL_SERVER_ERROR") \
	X(UNAVAILABLE,    503, "SERVICE_UNAVAILABLE")
/* clang-format on */

static const struct {
	int         status;
	const char *code;
} cma_wire[RERR__MAX] = {
#define CMA_ROW(name, st, code) [RERR_##name] = { st, code },
	CMA_WIRE(CMA_ROW)
#undef CMA_ROW
};

/*
 * Every outcome of the core's list has a row above: a name missing there
 * is an undeclared cma_has_NAME here, and a name twice a redeclared one.
 */
enum {
#define CMA_HAS(name, st, code) cma_has_##name,
	CMA_WIRE(CMA_HAS)
#undef CMA_HAS
	    CMA_WIRE_ROWS
};
#define CMA_COVERS(name, ts, msg) \
	_Static_assert(cma_has_##name >= 0, "no DatoCMS row for " #name);
RERR_LIST(CMA_COVERS)
#undef CMA_COVERS
_Static_assert((int)CMA_WIRE_ROWS == (int)RERR__MAX,
    "the DatoCMS table has a row per outcome");

int
cma_api_status(enum rerr e)
{
	return cma_wire[(unsigned)e < RERR__MAX ? e : RERR_INTERNAL].status;
}

const char *
cma_api_code(enum rerr e)
{
	return cma_wire[(unsigned)e < RERR__MAX ? e : RERR_INTERNAL].code;
}

/*
 * Where an error code is explained: its section of docs/api-reference.md as roster
 * serves it (GET /docs/api-reference.md), "#" and the code in lower case, which is
 * the anchor its heading gets.
 */
static const char *
doc_url(struct ctx *c, const char *code)
{
	char *u = arena_printf(c->rq->a, "%s/docs/api-reference.md#%s",
	    c->svc->cfg != NULL ? c->svc->cfg->public_url : "", code);
	char *p = strchr(u, '#');

	for (; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return u;
}

void
cma_api_render(struct ctx *c, enum rerr e, struct resp *out)
{
	json_t     *env, *err, *attrs, *details, *m;
	const char *msg;
	unsigned    why = (unsigned)c->op.why;

	env = json_object();
	if (rerr_success(e)) {
		json_object_set_new(env, "data",
		    c->data != NULL ? c->data : json_array());
		/* Sideloaded resources (include=role): "included". */
		if (c->extra != NULL)
			json_object_update(env, c->extra);
	} else {
		msg = c->op.msg != NULL ? c->op.msg : rerr_message(e);
		/*
		 * A message may quote the request (a 405 names its method):
		 * text jansson refuses, not being UTF-8, gives the default.
		 */
		if ((m = json_string(msg)) == NULL)
			m = json_string(msg = rerr_message(e));
		details = json_object();
		if (c->op.field != NULL) {
			json_object_set_new(details, "field",
			    json_string(c->op.field));
			json_object_set_new(details, "code",
			    json_string(why < NELEM(why_codes) ?
				    why_codes[why] :
				    why_codes[WHY_NONE]));
		}
		/* DatoCMS lists a schema failure's reasons in messages. */
		if (e == RERR_FORMAT)
			json_object_set_new(details, "messages",
			    json_pack("[s]", msg));
		json_object_set_new(details, "message", m);
		/*
		 * Never "transient": the official client retries such an
		 * error forever.  The id ties the error to the log line.
		 */
		attrs = json_pack("{s:s, s:s, s:o}", "code", cma_api_code(e),
		    "doc_url", doc_url(c, cma_api_code(e)), "details", details);
		err = json_pack("{s:s, s:s, s:o}", "id", c->rq->request_id,
		    "type", "api_error", "attributes", attrs);
		json_object_set_new(env, "data", json_pack("[o]", err));
	}
	out->status = cma_api_status(e);
	/* The client parses nothing but application/json (not vnd.api+json). */
	out->content_type = "application/json; charset=utf-8";
	out->body.len = 0;
	jsonmem_dump(env, &out->body);
}

/* {"type":"role","id":role} */
static json_t *
role_ref(const char *role)
{
	return json_pack("{s:{s:s, s:s}}", "data", "type", "role", "id", role);
}

static json_t *
invitation_json(const struct invitation *v)
{
	return json_pack("{s:s, s:s, s:{s:s, s:b, s:o}, s:{s:o}}", "type",
	    "site_invitation", "id", v->id, "attributes", "email", v->email,
	    "expired", v->expired, "invitation_link",
	    v->link != NULL ? json_string(v->link) : json_null(),
	    "relationships", "role", role_ref(v->role));
}

/*
 * A collaborator.  roster keeps no 2FA, no deactivation and no access
 * times, hence the constants; full_name is a string in DatoCMS, so a user
 * who never gave a name is shown by email.
 */
static json_t *
user_json(const struct member *m)
{
	return json_pack("{s:s, s:s, s:{s:s, s:b, s:s, s:b}, s:{s:o},"
			 " s:{s:n}}",
	    "type", "user", "id", m->user_id, "attributes", "email", m->email,
	    "is_2fa_active", 0, "full_name",
	    m->name != NULL && *m->name ? m->name : m->email, "is_active", 1,
	    "relationships", "role", role_ref(m->role), "meta", "last_access");
}

static json_t *
role_json(size_t k)
{
	json_t *perms = json_object(), *attrs;
	size_t  i;

	for (i = 0; i < NELEM(role_flags); i++)
		json_object_set_new(perms, role_flags[i].name,
		    json_boolean((roles[k].grants & role_flags[i].bit) != 0));
	json_object_set_new(perms, "environments_access", json_string("all"));
	for (i = 0; i < NELEM(role_lists); i++)
		json_object_set_new(perms, role_lists[i], json_array());
	attrs = json_pack("{s:s}", "name", roles[k].name);
	json_object_update(attrs, perms);
	return json_pack("{s:s, s:s, s:o, s:{s:{s:[]}}, s:{s:o}}", "type",
	    "role", "id", roles[k].id, "attributes", attrs, "relationships",
	    "inherits_permissions_from", "data", "meta", "final_permissions",
	    perms);
}

/*
 * A body that fails the endpoint's schema: INVALID_FORMAT, its message in
 * the JSON-pointer style of DatoCMS's own schema errors.
 */
static enum rerr
bad_format(struct ctx *c, const char *msg)
{
	return op_fail(&c->op, RERR_FORMAT, msg);
}

/* The request's resource object: {"data":{"type":type, ...}}. */
static enum rerr
resource(struct ctx *c, const char *type, json_t **out)
{
	json_t *d, *t;

	*out = NULL;
	if ((d = json_object_get(c->body, "data")) == NULL)
		return bad_format(c, "#: \"data\" wasn't supplied");
	if (!json_is_object(d))
		return bad_format(c, "#/data: must be an object");
	if ((t = json_object_get(d, "type")) == NULL)
		return bad_format(c, "#/data: \"type\" wasn't supplied");
	if (!json_is_string(t) || strcmp(json_string_value(t), type) != 0)
		return bad_format(c,
		    arena_printf(c->rq->a, "#/data/type: must be \"%s\"",
			type));
	*out = d;
	return RERR_OK;
}

/*
 * relationships.role.data {"type":"role","id":...} of a resource object:
 * *role is the id, or NULL when the relationship is absent and optional.
 * Which ids name a role the core decides (400/422 "role").
 */
static enum rerr
role_relationship(struct ctx *c, json_t *d, int required, const char **role)
{
	json_t *rels, *rel, *rd, *t, *id;

	*role = NULL;
	if ((rels = json_object_get(d, "relationships")) == NULL)
		return required ?
		    bad_format(c, "#/data: \"relationships\" wasn't supplied") :
		    RERR_OK;
	if (!json_is_object(rels))
		return bad_format(c, "#/data/relationships: must be an object");
	if ((rel = json_object_get(rels, "role")) == NULL)
		return required ?
		    bad_format(c,
			"#/data/relationships: \"role\" wasn't supplied") :
		    RERR_OK;
	if (!json_is_object(rel) ||
	    (rd = json_object_get(rel, "data")) == NULL || !json_is_object(rd))
		return bad_format(c,
		    "#/data/relationships/role: must be "
		    "{\"data\": {\"type\": \"role\", \"id\": \"...\"}}");
	t = json_object_get(rd, "type");
	id = json_object_get(rd, "id");
	if (!json_is_string(t) || strcmp(json_string_value(t), "role") != 0)
		return bad_format(c,
		    "#/data/relationships/role/data/type: "
		    "must be \"role\"");
	if (!json_is_string(id))
		return bad_format(c,
		    "#/data/relationships/role/data/id: "
		    "must be a string");
	*role = json_string_value(id);
	return RERR_OK;
}

/*
 * GET /cma/site-invitations: 200, every pending or expired invitation of
 * the website (one list, no paging: the client never pages it).
 */
enum rerr
cma_api_invites_list(struct ctx *c)
{
	struct invitation *v;
	size_t             n, i;
	enum rerr          e;

	if ((e = invite_list(&c->op, c->site, &v, &n)) != RERR_OK)
		return e;
	c->data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(c->data, invitation_json(&v[i]));
	return RERR_OK;
}

/*
 * POST /cma/site-invitations {"data":{"type":"site_invitation",
 * "attributes":{"email"},"relationships":{"role":{"data":{"type":"role",
 * "id"}}}}} (team:write, owner): 201 with invitation_link; 403 not the
 * owner or a df_ key; 422 INVALID_FORMAT (not such a document),
 * INVALID_FIELD email (VALIDATION_REQUIRED, VALIDATION_FORMAT, or
 * VALIDATION_UNIQUENESS for a member or a pending invitation) or role,
 * PLAN_UPGRADE_REQUIRED (seat limit).
 */
enum rerr
cma_api_invite_create(struct ctx *c)
{
	struct invitation v;
	json_t           *d, *attrs, *email = NULL;
	const char       *role;
	enum rerr         e;

	if ((e = resource(c, "site_invitation", &d)) != RERR_OK ||
	    (e = role_relationship(c, d, 1, &role)) != RERR_OK)
		return e;
	if ((attrs = json_object_get(d, "attributes")) != NULL) {
		if (!json_is_object(attrs))
			return bad_format(c,
			    "#/data/attributes: must be an object");
		email = json_object_get(attrs, "email");
		if (email != NULL && !json_is_null(email) &&
		    !json_is_string(email))
			return bad_format(c,
			    "#/data/attributes/email: must be a string");
	}
	if ((e = invite_create(&c->op, c->site, c->actor.seat_limit,
		 json_is_string(email) ? json_string_value(email) : NULL,
		 json_is_string(email) ? json_string_length(email) : 0, role,
		 &v)) != RERR_OK)
		return e;
	c->data = invitation_json(&v);
	return RERR_CREATED;
}

/* GET /cma/site-invitations/{id}: 200; 404 unknown, accepted or revoked. */
enum rerr
cma_api_invite_find(struct ctx *c)
{
	struct invitation v;
	enum rerr         e;

	if ((e = invite_get(&c->op, c->site, c->id, &v)) != RERR_OK)
		return e;
	c->data = invitation_json(&v);
	return RERR_OK;
}

/*
 * PUT /cma/site-invitations/{id} {"data":{"type":"site_invitation",
 * "id"?,"relationships"?:{"role"?}}} (team:write, owner): 200; 403; 404;
 * 422 INVALID_FORMAT (not such a document, or data.id is another id),
 * INVALID_FIELD role.  Without a role relationship nothing changes, as
 * the client sends an update of nothing.
 */
enum rerr
cma_api_invite_update(struct ctx *c)
{
	struct invitation v;
	json_t           *d, *id;
	const char       *role;
	enum rerr         e;

	if ((e = resource(c, "site_invitation", &d)) != RERR_OK ||
	    (e = role_relationship(c, d, 0, &role)) != RERR_OK)
		return e;
	if ((id = json_object_get(d, "id")) != NULL &&
	    (!json_is_string(id) || strcmp(json_string_value(id), c->id) != 0))
		return bad_format(c, "#/data/id: must be the id in the path");
	e = role != NULL ? invite_set_role(&c->op, c->site, c->id, role, &v) :
			   invite_get(&c->op, c->site, c->id, &v);
	if (e != RERR_OK)
		return e;
	c->data = invitation_json(&v);
	return RERR_OK;
}

/*
 * DELETE /cma/site-invitations/{id} (team:write, owner): 200 with the
 * invitation as it was; 403; 404 unknown, accepted or revoked.
 */
enum rerr
cma_api_invite_destroy(struct ctx *c)
{
	struct invitation v;
	enum rerr         e;

	if ((e = invite_revoke(&c->op, c->site, c->id, &v)) != RERR_OK)
		return e;
	c->data = invitation_json(&v);
	return RERR_OK;
}

/*
 * POST /cma/site-invitations/{id}/resend, any body (the client sends
 * none) (team:write, owner): 200 with the new invitation_link, the old one
 * dead; 403; 404; 422 PLAN_UPGRADE_REQUIRED (an expired invitation made
 * pending again needs a seat), INVALID_FIELD email VALIDATION_UNIQUENESS
 * (a newer invitation holds the email).
 */
enum rerr
cma_api_invite_resend(struct ctx *c)
{
	struct invitation v;
	enum rerr         e;

	if ((e = invite_resend(&c->op, c->site, c->actor.seat_limit, c->id,
		 &v)) != RERR_OK)
		return e;
	c->data = invitation_json(&v);
	return RERR_OK;
}

/* GET /cma/roles: 200, the invitable roles. */
enum rerr
cma_api_roles_list(struct ctx *c)
{
	size_t i;

	c->data = json_array();
	for (i = 0; i < NELEM(roles); i++)
		if (roles[i].listed)
			json_array_append_new(c->data, role_json(i));
	return RERR_OK;
}

/* GET /cma/roles/{id}: 200; 404 not "member" or "viewer". */
enum rerr
cma_api_role_find(struct ctx *c)
{
	size_t i;

	for (i = 0; i < NELEM(roles); i++)
		if (roles[i].listed && strcmp(c->key, roles[i].id) == 0) {
			c->data = role_json(i);
			return RERR_OK;
		}
	return op_fail(&c->op, RERR_NOT_FOUND, "Role not found");
}

/*
 * The roles a request asked to sideload: include=role (JSON:API's
 * comma-separated relationship paths; role is the only one a user has,
 * and any other is ignored, like unknown query parameters).
 */
static int
wants_roles(struct ctx *c)
{
	const char *inc, *p, *e;
	int         bad = 0;

	if ((inc = http_query(c->rq, "include", &bad)) == NULL || bad)
		return 0;
	for (p = inc; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e - p == 4 && strncmp(p, "role", 4) == 0)
			return 1;
	}
	return 0;
}

/* The index of a role id in roles[], or -1. */
static int
role_index(const char *id)
{
	size_t i;

	for (i = 0; i < NELEM(roles); i++)
		if (strcmp(id, roles[i].id) == 0)
			return (int)i;
	return -1;
}

/*
 * Sideloads, when asked, the roles the users of the answer have (a bit
 * per roles[] entry in `seen`) in a top-level "included" array.
 */
static void
include_roles(struct ctx *c, unsigned seen)
{
	json_t *inc;
	size_t  i;

	if (!wants_roles(c))
		return;
	inc = json_array();
	for (i = 0; i < NELEM(roles); i++)
		if (seen & (1u << i))
			json_array_append_new(inc, role_json(i));
	c->extra = json_pack("{s:o}", "included", inc);
}

static unsigned
role_bit(const char *role)
{
	int k = role_index(role);

	return k < 0 ? 0 : 1u << k;
}

/*
 * GET /cma/users[?include=role]: 200, every collaborator (members and
 * viewers; the owner is the account, not a collaborator), read a keyset
 * page at a time.  The client's users.list() sends no include; a request
 * of its own (client.request) or another JSON:API client may.
 */
enum rerr
cma_api_users_list(struct ctx *c)
{
	struct team_page pg;
	const char      *cursor = NULL;
	unsigned         seen = 0;
	size_t           i;
	enum rerr        e;

	c->data = json_array();
	do {
		if ((e = team_list(&c->op, c->site, TEAM_LIMIT_MAX, cursor,
			 &pg)) != RERR_OK)
			return e;
		for (i = 0; i < pg.n; i++)
			if (strcmp(pg.v[i].role, "owner") != 0) {
				json_array_append_new(c->data,
				    user_json(&pg.v[i]));
				seen |= role_bit(pg.v[i].role);
			}
	} while ((cursor = pg.next) != NULL);
	include_roles(c, seen);
	return RERR_OK;
}

/* A collaborator of the website: a member that is not the owner. */
static enum rerr
collaborator(struct ctx *c, struct member *m)
{
	enum rerr e;

	if ((e = team_get(&c->op, c->site, c->id, m)) != RERR_OK)
		return e;
	if (strcmp(m->role, "owner") == 0)
		return op_fail(&c->op, RERR_NOT_FOUND,
		    "The website owner is "
		    "not a collaborator");
	return RERR_OK;
}

/* GET /cma/users/{id}[?include=role]: 200; 404 not a collaborator. */
enum rerr
cma_api_user_find(struct ctx *c)
{
	struct member m;
	enum rerr     e;

	if ((e = collaborator(c, &m)) != RERR_OK)
		return e;
	c->data = user_json(&m);
	include_roles(c, role_bit(m.role));
	return RERR_OK;
}

/*
 * A website key as DatoCMS shows an API token (what its /users/me answers
 * for one): it acts as a member, and reads (never the raw key).
 */
static json_t *
key_token_json(const struct cred_info *k)
{
	return json_pack("{s:s, s:s, s:{s:s, s:n, s:b, s:b, s:b, s:n, s:s,"
			 " s:s}, s:{s:o}}",
	    "type", "access_token", "id", k->id, "attributes", "name",
	    k->name != NULL ? k->name : "Website API key", "token",
	    "can_access_cda", 0, "can_access_cda_preview", 0, "can_access_cma",
	    1, "hardcoded_type", "last_cma_access", "today", "last_cda_access",
	    "never", "relationships", "role", role_ref("member"));
}

/*
 * GET /cma/users/me[?include=role] (users.findMe), any credential that
 * reaches the site: 200 with the token's user as a user, the owner
 * included (role "owner"); for a df_ key, which has no user, the key as
 * an access_token, as DatoCMS answers for an API token.
 */
enum rerr
cma_api_user_me(struct ctx *c)
{
	struct cred_info k;
	struct member    m;
	enum rerr        e;

	if (c->actor.kind == CRED_KEY) {
		if ((e = cred_key_get(&c->op, c->site, c->actor.cred_id, &k)) !=
		    RERR_OK)
			return e;
		c->data = key_token_json(&k);
		include_roles(c, role_bit("member"));
		return RERR_OK;
	}
	if ((e = team_get(&c->op, c->site, c->actor.user_id, &m)) != RERR_OK)
		return e;
	c->data = user_json(&m);
	include_roles(c, role_bit(m.role));
	return RERR_OK;
}

/*
 * PUT /cma/users/{id} {"data":{"type":"user","id"?,"attributes"?:
 * {"is_active"},"relationships"?:{"role"}}} (users.update; team:write,
 * owner): 200 with the collaborator as they are now; 403; 404 not a
 * collaborator; 422 INVALID_FORMAT (not such a document, or data.id is
 * another id), INVALID_FIELD role, or is_active other than true (roster
 * does not deactivate collaborators: remove them).
 */
enum rerr
cma_api_user_update(struct ctx *c)
{
	struct member m;
	json_t       *d, *id, *attrs, *act;
	const char   *role;
	enum rerr     e;

	if ((e = resource(c, "user", &d)) != RERR_OK ||
	    (e = role_relationship(c, d, 0, &role)) != RERR_OK)
		return e;
	if ((id = json_object_get(d, "id")) != NULL &&
	    (!json_is_string(id) || strcmp(json_string_value(id), c->id) != 0))
		return bad_format(c, "#/data/id: must be the id in the path");
	if ((attrs = json_object_get(d, "attributes")) != NULL) {
		if (!json_is_object(attrs))
			return bad_format(c,
			    "#/data/attributes: must be an object");
		if ((act = json_object_get(attrs, "is_active")) != NULL &&
		    !json_is_boolean(act))
			return bad_format(c,
			    "#/data/attributes/is_active: must be a boolean");
		if (act != NULL && !json_is_true(act))
			return op_invalid(&c->op, "is_active",
			    "roster does not deactivate collaborators: remove "
			    "them instead");
	}
	/* Refused before any read: a role nobody can be given (the core's
	 * rule, said before the 404 of a non-collaborator). */
	if (role != NULL && role_parse(role) != ROLE_MEMBER &&
	    role_parse(role) != ROLE_VIEWER)
		return op_invalid(&c->op, "role",
		    "role must be \"member\" or \"viewer\"");
	if ((e = collaborator(c, &m)) != RERR_OK)
		return e;
	if (role != NULL &&
	    ((e = team_set_role(&c->op, c->site, c->id, role)) != RERR_OK ||
		(e = collaborator(c, &m)) != RERR_OK))
		return e;
	c->data = user_json(&m);
	return RERR_OK;
}

/*
 * DELETE /cma/users/{id} (team:write, owner): 200 with the collaborator
 * as they were; 403; 404 not a collaborator.  Query parameters (the
 * client's destination_user_id for reassigning content) are ignored:
 * roster has no content to hand over.
 */
enum rerr
cma_api_user_destroy(struct ctx *c)
{
	struct member m;
	enum rerr     e;

	if ((e = collaborator(c, &m)) != RERR_OK ||
	    (e = team_remove(&c->op, c->site, c->id)) != RERR_OK)
		return e;
	c->data = user_json(&m);
	return RERR_OK;
}

/*
 * GET /cma/site (site.find; team:read): 200, the website as a DatoCMS
 * site: its name, domain and time zone (roster keeps nothing else of what
 * a DatoCMS project has: one locale, no models, hence the constants).
 */
enum rerr
cma_api_site_find(struct ctx *c)
{
	struct website_info w;
	enum rerr           e;

	if ((e = website_get(&c->op, c->site, &w)) != RERR_OK)
		return e;
	c->data = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:[s], s:n, s:b},"
			    " s:{s:{s:o}, s:{s:[]}}, s:{s:s}}",
	    "type", "site", "id", w.id, "attributes", "name", w.name, "domain",
	    w.domain, "timezone", w.timezone, "locales", "en",
	    "internal_domain", "no_index", 0, "relationships", "owner", "data",
	    w.owner_id != NULL ?
		json_pack("{s:s, s:s}", "type", "account", "id", w.owner_id) :
		json_null(),
	    "item_types", "data", "meta", "created_at",
	    clock_iso(c->rq->a, w.created_at));
	return RERR_OK;
}
