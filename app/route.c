/*
 * The one route table, and the router that does the generic work before a
 * handler runs (see include/roster/route.h).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "roster/api_team.h"
#include "roster/arena.h"
#include "roster/config.h"
#include "roster/ids.h"
#include "roster/join.h"
#include "roster/jsonmem.h"
#include "roster/route.h"

#define TOK	CRED_ALLOW_TOKEN
#define ANY	(CRED_ALLOW_TOKEN | CRED_ALLOW_KEY)
#define ADM	"/api/v1/admin"

/* need: perms, kinds, site, owner, member, key message */
#define PUBLIC		{ 0, 0, 0, 0, 0, NULL }
#define N_WEBSITES	{ PERM_WEBSITES_READ, TOK, 0, 0, 0, NULL }
#define N_TEAM_READ	{ PERM_TEAM_READ, ANY, 1, 0, 0, NULL }
#define N_INVITE	{ PERM_TEAM_WRITE, TOK, 1, 1, 0, \
			  "Website API keys cannot invite team members" }
#define N_TEAM_WRITE	{ PERM_TEAM_WRITE, TOK, 1, 1, 0, \
			  "Website API keys cannot manage team members" }
#define N_TOKENS_READ	{ PERM_KEYS_READ, TOK, 0, 0, 0, NULL }
#define N_TOKENS_WRITE	{ PERM_KEYS_WRITE, TOK, 0, 0, 0, NULL }
#define N_KEYS_READ	{ PERM_KEYS_READ, TOK, 1, 0, 1, NULL }
#define N_KEYS_WRITE	{ PERM_KEYS_WRITE, TOK, 1, 0, 1, NULL }

static const struct route routes[] = {
	{ M_GET, "/api/v1/health", D_TEAM, PUBLIC, BODY_NONE,
	  api_health, "health" },
	{ M_POST, "/api/v1/invitations/accept", D_TEAM, PUBLIC, BODY_REQUIRED,
	  api_invite_accept, "invitations.accept" },
	{ M_GET, "/join", D_HTML, PUBLIC, BODY_NONE, join_page, "join.page" },
	{ M_POST, "/join", D_HTML, PUBLIC, BODY_NONE, join_accept,
	  "join.accept" },
	{ M_GET, "/join.css", D_HTML, PUBLIC, BODY_NONE, join_css, "join.css" },
	{ M_GET, ADM "/websites", D_TEAM, N_WEBSITES, BODY_NONE,
	  api_websites_list, "websites.list" },
	{ M_GET, ADM "/websites/:site/team", D_TEAM, N_TEAM_READ, BODY_NONE,
	  api_team_list, "team.list" },
	{ M_POST, ADM "/websites/:site/team", D_TEAM, N_INVITE, BODY_REQUIRED,
	  api_team_invite, "team.invite" },
	{ M_DELETE, ADM "/websites/:site/team", D_TEAM, N_TEAM_WRITE,
	  BODY_REQUIRED, api_team_remove, "team.remove" },
	{ M_PATCH, ADM "/websites/:site/team/:id", D_TEAM, N_TEAM_WRITE,
	  BODY_REQUIRED, api_team_set_role, "team.role" },
	{ M_GET, ADM "/websites/:site/team/invitations", D_TEAM, N_TEAM_READ,
	  BODY_NONE, api_invites_list, "invitations.list" },
	{ M_DELETE, ADM "/websites/:site/team/invitations/:id", D_TEAM,
	  N_TEAM_WRITE, BODY_NONE, api_invite_revoke, "invitations.revoke" },
	{ M_POST, ADM "/websites/:site/team/invitations/:id/resend", D_TEAM,
	  N_TEAM_WRITE, BODY_NONE, api_invite_resend, "invitations.resend" },
	{ M_GET, ADM "/access-tokens", D_TEAM, N_TOKENS_READ, BODY_NONE,
	  api_tokens_list, "tokens.list" },
	{ M_POST, ADM "/access-tokens", D_TEAM, N_TOKENS_WRITE, BODY_OPTIONAL,
	  api_token_create, "tokens.create" },
	{ M_DELETE, ADM "/access-tokens/:id", D_TEAM, N_TOKENS_WRITE,
	  BODY_NONE, api_token_revoke, "tokens.revoke" },
	{ M_GET, ADM "/websites/:site/api-keys", D_TEAM, N_KEYS_READ,
	  BODY_NONE, api_keys_list, "apikeys.list" },
	{ M_POST, ADM "/websites/:site/api-keys", D_TEAM, N_KEYS_WRITE,
	  BODY_OPTIONAL, api_key_create, "apikeys.create" },
	{ M_DELETE, ADM "/websites/:site/api-keys/:id", D_TEAM, N_KEYS_WRITE,
	  BODY_NONE, api_key_revoke, "apikeys.revoke" },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static void (*const renderers[D__MAX])(struct ctx *, enum rerr) = {
	[D_TEAM] = api_team_render,
	[D_HTML] = join_render,
};

/*
 * Matches path against pattern.  Returns -1 when it does not match, else
 * the number of literal segments (the more, the more specific), with
 * captures in caps[0..*ncaps).
 */
static int
match(struct arena *a, const char *pattern, const char *path,
    const char **caps, size_t *ncaps)
{
	const char	*p = pattern, *s = path, *pe, *se;
	int		 lits = 0;

	*ncaps = 0;
	while (*p == '/' && *s == '/') {
		p++;
		s++;
		pe = strchr(p, '/');
		se = strchr(s, '/');
		if (pe == NULL)
			pe = p + strlen(p);
		if (se == NULL)
			se = s + strlen(s);
		if (*p == ':') {
			if (se == s || *ncaps == RQ_MAX_PARAMS)
				return -1;
			caps[(*ncaps)++] = arena_strndup(a, s,
			    (size_t)(se - s));
		} else {
			if (pe - p != se - s || memcmp(p, s, (size_t)(se - s)))
				return -1;
			lits++;
		}
		p = pe;
		s = se;
	}
	return *p == '\0' && *s == '\0' ? lits : -1;
}

/* Finds the route; sets *allow (arena) for a 405, or returns NULL. */
static const struct route *
find(struct rq *rq, const char **allow)
{
	const char		*caps[RQ_MAX_PARAMS], *best_caps[RQ_MAX_PARAMS];
	const struct route	*hit = NULL;
	struct buf		 b;
	size_t			 i, n, best_n = 0;
	int			 lits, best = -1;
	enum method		 m = rq->method == M_HEAD ? M_GET : rq->method;

	/* The most specific pattern that matches names the resource... */
	for (i = 0; i < NROUTES; i++) {
		lits = match(rq->a, routes[i].pattern, rq->path, caps, &n);
		if (lits > best) {
			best = lits;
			hit = NULL;
		}
		if (lits >= 0 && lits == best && routes[i].method == m) {
			hit = &routes[i];
			memcpy(best_caps, caps, n * sizeof(*caps));
			best_n = n;
		}
	}
	*allow = NULL;
	if (best < 0)
		return NULL;
	if (hit != NULL) {
		memcpy(rq->params, best_caps, best_n * sizeof(*caps));
		rq->nparams = best_n;
		return hit;
	}
	/* ...and its other methods make the Allow header of a 405. */
	buf_init(&b, rq->a, 64);
	for (i = 0; i < NROUTES; i++) {
		if (match(rq->a, routes[i].pattern, rq->path, caps, &n) != best)
			continue;
		if (b.len > 0)
			buf_puts(&b, ", ");
		buf_puts(&b, http_method_name(routes[i].method));
		if (routes[i].method == M_GET)
			buf_puts(&b, ", HEAD");
	}
	*allow = b.p;
	return NULL;
}

/* application/json or application/vnd.api+json, with parameters or not. */
static int
is_json_type(const char *ct)
{
	static const char *const types[] = {
		"application/json", "application/vnd.api+json",
	};
	size_t	i, n;

	while (ct != NULL && *ct == ' ')
		ct++;
	for (i = 0; ct != NULL && i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i]);
		if (strncasecmp(ct, types[i], n) == 0 &&
		    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return 1;
	}
	return 0;
}

static int
blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The JSON body per the route's mode (API.md "Bad input"). */
static enum rerr
parse_body(struct ctx *c)
{
	struct rq	*rq = c->rq;
	json_error_t	 jerr;
	json_t		*v;

	if (c->route->body == BODY_NONE)
		return RERR_OK;
	if (rq->body_len == 0 || blank(rq->body, rq->body_len)) {
		if (c->route->body == BODY_OPTIONAL)
			return RERR_OK;
		return op_fail(&c->op, RERR_INVALID,
		    "A JSON object body is required");
	}
	if (!is_json_type(rq->content_type))
		return op_fail(&c->op, RERR_MEDIA_TYPE,
		    "Content-Type must be application/json");
	v = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL)
		return op_fail(&c->op, RERR_BAD_JSON, arena_printf(rq->a,
		    "Malformed JSON body: %s (line %d, column %d)", jerr.text,
		    jerr.line, jerr.column));
	if (!json_is_object(v))
		return op_fail(&c->op, RERR_INVALID,
		    "The body must be a JSON object");
	c->body = v;
	return RERR_OK;
}

/* The dialect that answers a path no route matched. */
static enum dialect
dialect_of_path(const char *path)
{
	return strncmp(path, "/join", 5) == 0 ? D_HTML : D_TEAM;
}

static enum rerr
run(struct ctx *c, const char **allow)
{
	struct rq	*rq = c->rq;
	const char	*site = NULL;
	size_t		 i;
	enum rerr	 e;

	if (rq->early != RERR_OK)
		return op_fail(&c->op, rq->early, rq->early_msg);
	c->route = find(rq, allow);
	rq->route_name = c->route != NULL ? c->route->name : NULL;
	if (c->route == NULL)
		return *allow != NULL ?
		    op_fail(&c->op, RERR_METHOD, arena_printf(rq->a,
		    "Method %s is not allowed here; allowed: %s",
		    rq->method_name, *allow)) :
		    op_fail(&c->op, RERR_NOT_FOUND, "No such endpoint");
	/* Captures in pattern order: :site first when present. */
	i = 0;
	if (strstr(c->route->pattern, ":site") != NULL)
		site = c->site = rq->params[i++];
	if (strstr(c->route->pattern, ":id") != NULL)
		c->id = rq->params[i++];
	if (c->route->need.kinds != 0) {
		if ((e = auth_resolve(&c->op, rq->authorization, site,
		    &c->actor)) != RERR_OK)
			return e;
		c->op.actor = &c->actor;
		rq->cred_id = arena_strdup(rq->a, c->actor.cred_id);
	}
	/* A path id that is not 24 hex characters names nothing: 404. */
	if (site != NULL && !id_valid(site))
		return op_fail(&c->op, RERR_NOT_FOUND, "Website not found");
	if (c->id != NULL && !id_valid(c->id))
		return op_fail(&c->op, RERR_NOT_FOUND, "Not found");
	if (c->route->need.kinds != 0 &&
	    (e = auth_check(&c->op, &c->actor, &c->route->need)) != RERR_OK)
		return e;
	if ((e = parse_body(c)) != RERR_OK)
		return e;
	return c->route->fn(c);
}

void
route_dispatch(struct service *svc, struct rq *rq, struct resp *resp)
{
	struct ctx	 c;
	const char	*allow = NULL;
	enum rerr	 e;

	memset(&c, 0, sizeof(c));
	c.svc = svc;
	c.rq = rq;
	c.resp = resp;
	op_init(&c.op, svc->db, rq->a, svc->cfg, NULL, rq->request_id);
	jsonmem_use(rq->a);
	e = run(&c, &allow);
	if (e == RERR_METHOD && allow != NULL)
		resp_header(resp, "Allow", allow);
	renderers[c.route != NULL ? c.route->dialect :
	    dialect_of_path(rq->path)](&c, e);
}
