/*
 * The router: match, admit, run, render (see include/roster/router.h).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "roster/arena.h"
#include "roster/idempotent.h"
#include "roster/ids.h"
#include "roster/jsonmem.h"
#include "roster/router.h"

/* The capture names a path may hold, and where each one lands. */
enum cap { CAP_SITE, CAP_ID, CAP_KEY, CAP__MAX };

static const struct {
	const char *name;
	size_t      len;
} caps[CAP__MAX] = {
	[CAP_SITE] = { "site", 4 },
	[CAP_ID] = { "id", 2 },
	[CAP_KEY] = { "key", 3 },
};

/* A segment of the request path a capture bound; p NULL: not bound. */
struct span {
	const char *p;
	size_t      n;
};

static int
cap_of(const char *name, size_t n)
{
	int i;

	for (i = 0; i < CAP__MAX; i++)
		if (caps[i].len == n && memcmp(caps[i].name, name, n) == 0)
			return i;
	return -1;
}

/*
 * The path split at its slashes, once per request: every row of the table
 * is matched against these segments, so a capture costs nothing and a
 * literal segment is compared only while it agrees.  (Callgrind: matching
 * each row against the raw path, with strchr and memcmp per segment, cost
 * a cached team list a tenth of its instructions once the table had 47
 * rows.)  A path of more segments than any route has matches nothing.
 */
#define PATH_SEGS 16

struct segs {
	struct span s[PATH_SEGS];
	size_t      n;
	int         over; /* more than PATH_SEGS: no route */
};

static void
split(const char *path, struct segs *g)
{
	const char *p = path;

	g->n = 0;
	g->over = 0;
	while (*p == '/') {
		if (g->n == PATH_SEGS) {
			g->over = 1;
			return;
		}
		g->s[g->n].p = ++p;
		while (*p != '\0' && *p != '/')
			p++;
		g->s[g->n].n = (size_t)(p - g->s[g->n].p);
		g->n++;
	}
	/* A path that does not start with '/' matches nothing. */
	if (*p != '\0')
		g->over = 1;
}

/*
 * Matches the path's segments against pattern.  Returns -1 when they do
 * not match, else the number of literal segments (the more, the more
 * specific), with each capture's segment in bound[] under its name: the
 * pattern says which name a segment binds as the matcher reaches it, so
 * nothing searches the pattern afterwards.  A capture name the router does
 * not know never matches (tests/unit/test_route.c reaches every row of the
 * table).
 */
static int
match(const char *pattern, const struct segs *g, struct span *bound)
{
	const char        *p = pattern, *e;
	const struct span *sg;
	size_t             i, j;
	int                lits = 0, k;

	memset(bound, 0, CAP__MAX * sizeof(*bound));
	if (g->over)
		return -1;
	for (i = 0; *p == '/'; i++) {
		if (i == g->n)
			return -1;
		sg = &g->s[i];
		p++;
		if (*p == ':') {
			for (e = p + 1; *e != '\0' && *e != '/'; e++)
				;
			if (sg->n == 0 ||
			    (k = cap_of(p + 1, (size_t)(e - p - 1))) < 0)
				return -1;
			bound[k] = *sg;
			p = e;
			continue;
		}
		for (j = 0; j < sg->n && p[j] == sg->p[j]; j++)
			;
		if (j != sg->n || (p[j] != '\0' && p[j] != '/'))
			return -1;
		p += j;
		lits++;
	}
	return *p == '\0' && i == g->n ? lits : -1;
}

static const char *
copy(struct arena *a, const struct span *sp)
{
	return sp->p != NULL ? arena_strndup(a, sp->p, sp->n) : NULL;
}

/* The methods of the routes whose path matches as specifically as best. */
static const char *
allow_list(const struct route_set *set, struct arena *a, const struct segs *g,
    int best)
{
	struct span bound[CAP__MAX];
	struct buf  b;
	size_t      i;

	buf_init(&b, a, 64);
	for (i = 0; i < set->n; i++) {
		if (match(set->routes[i].path, g, bound) != best)
			continue;
		if (b.len > 0)
			buf_puts(&b, ", ");
		buf_puts(&b, http_method_name(set->routes[i].method));
		if (set->routes[i].method == M_GET)
			buf_puts(&b, ", HEAD");
	}
	return b.p;
}

void
route_match(const struct route_set *set, struct arena *a, enum method m,
    const char *path, struct route_match *out)
{
	struct span bound[CAP__MAX], best_bound[CAP__MAX] = { { NULL, 0 } };
	struct segs g;
	size_t      i;
	int         lits, best = -1;

	memset(out, 0, sizeof(*out));
	if (m == M_HEAD)
		m = M_GET;
	split(path, &g);
	/* The most specific pattern that matches names the resource... */
	for (i = 0; i < set->n; i++) {
		lits = match(set->routes[i].path, &g, bound);
		if (lits > best) {
			best = lits;
			out->route = NULL;
		}
		if (lits >= 0 && lits == best && set->routes[i].method == m) {
			out->route = &set->routes[i];
			memcpy(best_bound, bound, sizeof(bound));
		}
	}
	if (best < 0)
		return;
	if (out->route != NULL) {
		out->site = copy(a, &best_bound[CAP_SITE]);
		out->id = copy(a, &best_bound[CAP_ID]);
		out->key = copy(a, &best_bound[CAP_KEY]);
		return;
	}
	/* ...and its other methods make the Allow header of a 405. */
	out->allow = allow_list(set, a, &g, best);
}

/* application/json or application/vnd.api+json, with parameters or not. */
static int
is_json_type(const char *ct)
{
	static const char *const types[] = {
		"application/json",
		"application/vnd.api+json",
	};
	size_t i, n;

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
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The JSON body per the route's mode (API.md "Bad input"). */
static enum rerr
parse_body(struct ctx *c)
{
	struct rq   *rq = c->rq;
	json_error_t jerr;
	json_t      *v;

	if (c->route->body == BODY_NONE)
		return RERR_OK;
	if (rq->body_len == 0 || blank(rq->body, rq->body_len)) {
		if (c->route->body == BODY_OPTIONAL)
			return RERR_OK;
		return op_fail(&c->op, RERR_FORMAT,
		    "A JSON object body is required");
	}
	if (!is_json_type(rq->content_type))
		return op_fail(&c->op, RERR_MEDIA_TYPE,
		    "Content-Type must be application/json");
	v = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL)
		return op_fail(&c->op, RERR_BAD_JSON,
		    arena_printf(rq->a,
			"Malformed JSON body: %s (line %d, column %d)",
			jerr.text, jerr.line, jerr.column));
	if (!json_is_object(v))
		return op_fail(&c->op, RERR_FORMAT,
		    "The body must be a JSON object");
	c->body = v;
	return RERR_OK;
}

/*
 * Counts the request against its key's budget: the credential's, or the
 * client address's for requests without one (failed logins included).
 */
static enum rerr
rate(struct ctx *c, int authenticated)
{
	const char *key;

	if (c->route != NULL && (c->route->flags & ROUTE_NO_RATE))
		return RERR_OK;
	key = authenticated ?
	    arena_printf(c->rq->a, "c:%s", c->actor.cred_id) :
	    arena_printf(c->rq->a, "a:%s",
		c->rq->remote_addr != NULL ? c->rq->remote_addr : "-");
	return ratelimit_hit(c->svc->rl, &c->op, key, &c->rl);
}

/*
 * Who calls: the credential, resolved with the website the route names
 * (the path's, an X-Site-Id header, or the credential's own), and the
 * request counted against its budget.
 */
static enum rerr
authenticate(struct ctx *c)
{
	struct rq *rq = c->rq;
	int        own, cred = (c->route->need & NEED_CRED) != 0;
	enum rerr  e;

	/* An explicit X-Site-Id names the website as a path would. */
	own = (c->route->flags & ROUTE_OWN_SITE) && cred;
	if (own && rq->site_header != NULL && *rq->site_header != '\0')
		c->site = rq->site_header;
	if (cred) {
		if ((e = own && c->site == NULL ?
			    auth_resolve_own(&c->op, rq->authorization,
				&c->actor) :
			    auth_resolve(&c->op, rq->authorization, c->site,
				&c->actor)) != RERR_OK) {
			/* Guessing credentials spends the address's budget. */
			if (e == RERR_UNAUTHENTICATED && rate(c, 0) != RERR_OK)
				return RERR_RATE_LIMITED;
			return e;
		}
		c->op.actor = &c->actor;
		rq->cred_id = arena_strdup(rq->a, c->actor.cred_id);
	}
	if ((e = rate(c, cred)) != RERR_OK)
		return e;
	/* Else the credential's own website, when it has exactly one. */
	if (own && c->site == NULL) {
		if (!c->actor.site_exists)
			return op_fail(&c->op, RERR_FORBIDDEN,
			    "This "
			    "credential reaches more than one website: name "
			    "one in the X-Site-Id header, or use a token whose "
			    "website allowlist holds exactly one");
		c->site = arena_strdup(rq->a, c->actor.site);
	}
	return RERR_OK;
}

/* Everything before the handler; RERR_OK: run it. */
static enum rerr
admit(struct ctx *c, const char **allow)
{
	struct rq         *rq = c->rq;
	struct route_match m;
	enum rerr          e;

	if (rq->early != RERR_OK)
		return op_fail(&c->op, rq->early, rq->early_msg);
	route_match(c->set, rq->a, rq->method, rq->path, &m);
	c->route = m.route;
	*allow = m.allow;
	if (c->route == NULL)
		return m.allow != NULL ?
		    op_fail(&c->op, RERR_METHOD,
			arena_printf(rq->a,
			    "Method %s is not allowed here; allowed: %s",
			    rq->method_name, m.allow)) :
		    op_fail(&c->op, RERR_NOT_FOUND, "No such endpoint");
	rq->route_name = c->route->name;
	rq->route_index = (int)(c->route - c->set->routes);
	c->site = m.site;
	c->id = m.id;
	c->key = m.key;
	if ((e = authenticate(c)) != RERR_OK)
		return e;
	/* A path id that is not 24 hex characters names nothing: 404. */
	if (c->site != NULL && !id_valid(c->site))
		return op_fail(&c->op, RERR_NOT_FOUND, "Website not found");
	if (c->id != NULL && !id_valid(c->id))
		return op_fail(&c->op, RERR_NOT_FOUND, "Not found");
	if ((c->route->need & NEED_CRED) &&
	    (e = auth_check(&c->op, &c->actor, c->route->need, c->route->perms,
		 c->route->key_msg)) != RERR_OK)
		return e;
	return parse_body(c);
}

/* A write by a credential that sent an Idempotency-Key runs at most once. */
static int
idempotent_write(const struct ctx *c)
{
	enum method m = c->route->method;

	return c->rq->idempotency_key != NULL && (c->route->need & NEED_CRED) &&
	    (m == M_POST || m == M_PUT || m == M_PATCH || m == M_DELETE);
}

static void
rate_headers(struct ctx *c, enum rerr e, struct resp *resp)
{
	struct arena *a = c->rq->a;
	const char   *reset;

	if (!c->rl.counted)
		return;
	reset = arena_printf(a, "%ld", c->rl.reset);
	resp_header(resp, "X-RateLimit-Limit",
	    arena_printf(a, "%ld", c->rl.limit));
	resp_header(resp, "X-RateLimit-Remaining",
	    arena_printf(a, "%ld", c->rl.remaining));
	resp_header(resp, "X-RateLimit-Reset", reset);
	if (e == RERR_RATE_LIMITED)
		resp_header(resp, "Retry-After", reset);
}

struct served
route_dispatch(const struct route_set *set, struct service *svc, struct rq *rq,
    struct resp *resp)
{
	struct ctx    c;
	struct served s;
	const char   *allow = NULL;
	render_fn     render;
	enum rerr     e;

	memset(&c, 0, sizeof(c));
	c.set = set;
	c.svc = svc;
	c.rq = rq;
	op_init(&c.op, svc->db, rq->a, svc->cfg, NULL, rq->request_id);
	jsonmem_use(rq->a);
	e = admit(&c, &allow);
	if (allow != NULL)
		resp_header(resp, "Allow", allow);
	render = set->render[c.route != NULL ? c.route->dialect :
					       set->dialect_of_path(rq->path)];
	/* Each path renders once; an idempotent write inside its transaction. */
	if (e != RERR_OK)
		render(&c, e, resp);
	else if (idempotent_write(&c))
		e = idempotent_run(&c, render, resp);
	else {
		e = c.route->fn(&c);
		render(&c, e, resp);
	}
	rate_headers(&c, e, resp);
	s.outcome = e;
	s.route = rq->route_index;
	s.tx_retries = c.op.retries;
	return s;
}
