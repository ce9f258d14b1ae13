/*
 * The one route table, and the router that does the generic work before a
 * handler runs (see include/roster/route.h).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/idem.h"
#include "roster/ids.h"
#include "roster/jsonmem.h"
#include "roster/router.h"

/* The capture names a path may hold, and where each one lands. */
enum cap { CAP_SITE, CAP_ID, CAP_KEY, CAP__MAX };

static const struct {
	const char	*name;
	size_t		 len;
} caps[CAP__MAX] = {
	[CAP_SITE] = { "site", 4 },
	[CAP_ID] = { "id", 2 },
	[CAP_KEY] = { "key", 3 },
};

/* A segment of the request path a capture bound; p NULL: not bound. */
struct span {
	const char	*p;
	size_t		 n;
};

static int
cap_of(const char *name, size_t n)
{
	int	i;

	for (i = 0; i < CAP__MAX; i++)
		if (caps[i].len == n && memcmp(caps[i].name, name, n) == 0)
			return i;
	return -1;
}

/*
 * Matches path against pattern.  Returns -1 when it does not match, else
 * the number of literal segments (the more, the more specific), with each
 * capture's segment in bound[] under its name: the pattern says which
 * name a segment binds as the matcher reaches it, so nothing searches the
 * pattern afterwards.  A capture name the router does not know never
 * matches (tests/unit/test_route.c reaches every row of the table).
 */
static int
match(const char *pattern, const char *path, struct span *bound)
{
	const char	*p = pattern, *s = path, *pe, *se;
	int		 lits = 0, k;

	memset(bound, 0, CAP__MAX * sizeof(*bound));
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
			if (se == s || (k = cap_of(p + 1,
			    (size_t)(pe - p - 1))) < 0)
				return -1;
			bound[k].p = s;
			bound[k].n = (size_t)(se - s);
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

static const char *
copy(struct arena *a, const struct span *sp)
{
	return sp->p != NULL ? arena_strndup(a, sp->p, sp->n) : NULL;
}

/* The methods of the routes whose path matches as specifically as best. */
static const char *
allow_list(const struct route_set *set, struct arena *a, const char *path,
    int best)
{
	struct span	 bound[CAP__MAX];
	struct buf	 b;
	size_t		 i;

	buf_init(&b, a, 64);
	for (i = 0; i < set->n; i++) {
		if (match(set->routes[i].path, path, bound) != best)
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
	struct span	 bound[CAP__MAX], best_bound[CAP__MAX] = { { NULL, 0 } };
	size_t		 i;
	int		 lits, best = -1;

	memset(out, 0, sizeof(*out));
	if (m == M_HEAD)
		m = M_GET;
	/* The most specific pattern that matches names the resource... */
	for (i = 0; i < set->n; i++) {
		lits = match(set->routes[i].path, path, bound);
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
	out->allow = allow_list(set, a, path, best);
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
		return op_fail(&c->op, RERR_FORMAT,
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
	const char	*key;

	if (c->route != NULL && (c->route->flags & ROUTE_NO_RATE))
		return RERR_OK;
	key = authenticated ? arena_printf(c->rq->a, "c:%s", c->actor.cred_id) :
	    arena_printf(c->rq->a, "a:%s", c->rq->remote_addr != NULL ?
	    c->rq->remote_addr : "-");
	return ratelimit_hit(c->svc->rl, &c->op, key, &c->rl);
}

static void
render(struct ctx *c, enum rerr e)
{
	c->set->render[c->route != NULL ? c->route->dialect :
	    c->set->dialect_of_path(c->rq->path)](c, e);
}

static int
is_write(const struct route *r)
{
	return r->method == M_POST || r->method == M_PUT ||
	    r->method == M_PATCH || r->method == M_DELETE;
}

/* Sends a stored response again, as the first attempt got it. */
static void
replay(struct ctx *c, const struct idem_rec *rec)
{
	struct resp	*r = c->resp;

	r->status = rec->status;
	r->content_type = arena_strdup(c->rq->a, rec->content_type);
	r->body.len = 0;
	buf_add(&r->body, rec->body, rec->body_len);
	resp_header(r, "Idempotent-Replayed", "true");
	c->rendered = 1;
}

/*
 * A write with an Idempotency-Key: the router holds the transaction, so the
 * write, its audit row and the idempotency record with the rendered
 * response commit together or not at all.  A retry with the same key gets
 * the stored response; with another body, 422.  Deadlocks and
 * certification failures rerun the whole unit.
 */
static enum rerr
run_idempotent(struct ctx *c)
{
	struct rq	*rq = c->rq;
	struct idem_rec	 rec;
	struct buf	 h;
	unsigned char	 key[SECRET_HASH_LEN], req[SECRET_HASH_LEN];
	size_t		 klen = strlen(rq->idempotency_key), i;
	unsigned	 attempt;
	enum rerr	 e;
	int		 rc;

	if (klen == 0 || klen > IDEM_KEY_MAX)
		return op_fail(&c->op, RERR_INVALID, "Idempotency-Key must be "
		    "1 to 255 characters");
	for (i = 0; i < klen; i++)
		if ((unsigned char)rq->idempotency_key[i] < 0x21 ||
		    (unsigned char)rq->idempotency_key[i] > 0x7e)
			return op_fail(&c->op, RERR_INVALID, "Idempotency-Key "
			    "must be printable ASCII without spaces");
	secret_hash(rq->idempotency_key, klen, key);
	/* What makes "the same request": method, path and body. */
	buf_init(&h, rq->a, rq->body_len + 128);
	buf_printf(&h, "%s %s\n", rq->method_name, rq->path);
	buf_add(&h, rq->body, rq->body_len);
	secret_hash(h.p, h.len, req);

	for (attempt = 0; attempt < 3; attempt++) {
		if (attempt > 0) {
			struct timespec ts = { 0, 10000000L * attempt };
			/* A rerun: counted in roster_tx_retries_total. */
			c->op.retries++;
			nanosleep(&ts, NULL);
			resp_init(c->resp, rq->a);
			c->data = c->extra = NULL;
		}
		c->op.retry = 0;
		c->op.msg = c->op.field = NULL;
		c->op.why = WHY_NONE;
		if ((rc = db_begin(c->op.db)) != DB_OK)
			return op_db(&c->op, rc);
		if ((rc = idem_lookup(&c->op, c->actor.cred_id,
		    rq->idempotency_key, key, &rec))) {
			db_rollback(c->op.db);
			if (rc == DB_ERETRY)
				continue;
			return op_db(&c->op, rc);
		}
		if (rec.found) {
			db_rollback(c->op.db);
			if (!secret_equal(rec.request_hash, req))
				return op_fail(&c->op, RERR_UNPROCESSABLE,
				    "This Idempotency-Key was used with a "
				    "different request");
			replay(c, &rec);
			return RERR_OK;
		}
		c->op.in_tx = 1;
		e = c->route->fn(c);
		c->op.in_tx = 0;
		if (e != RERR_OK) {
			db_rollback(c->op.db);
			if (c->op.retry)
				continue;
			/* Failures change nothing: nothing to remember. */
			return e;
		}
		render(c, e);
		c->rendered = 1;
		rc = idem_store(&c->op, c->actor.cred_id,
		    rq->idempotency_key, key, req,
		    c->resp->status, c->resp->content_type, c->resp->body.p,
		    c->resp->body.len);
		if (rc == DB_OK)
			rc = db_commit(c->op.db);
		else
			db_rollback(c->op.db);
		if (rc == DB_OK)
			return RERR_OK;
		c->rendered = 0;
		/* A twin request committed first: the next lookup replays it. */
		if (rc == DB_ERETRY || rc == DB_EDUP)
			continue;
		return op_db(&c->op, rc);
	}
	return op_fail(&c->op, RERR_UNAVAILABLE, "The database is busy; "
	    "retry with the same Idempotency-Key");
}

static enum rerr
run(struct ctx *c, const char **allow)
{
	struct rq		*rq = c->rq;
	struct route_match	 m;
	const char		*site = NULL;
	int			 own;
	enum rerr		 e;

	if (rq->early != RERR_OK)
		return op_fail(&c->op, rq->early, rq->early_msg);
	route_match(c->set, rq->a, rq->method, rq->path, &m);
	c->route = m.route;
	*allow = m.allow;
	if (c->route == NULL)
		return m.allow != NULL ?
		    op_fail(&c->op, RERR_METHOD, arena_printf(rq->a,
		    "Method %s is not allowed here; allowed: %s",
		    rq->method_name, m.allow)) :
		    op_fail(&c->op, RERR_NOT_FOUND, "No such endpoint");
	rq->route_name = c->route->name;
	rq->route_index = (int)(c->route - c->set->routes);
	site = c->site = m.site;
	c->id = m.id;
	c->key = m.key;
	/* An explicit X-Site-Id names the website as a path would. */
	own = (c->route->flags & ROUTE_OWN_SITE) &&
	    (c->route->need & NEED_CRED);
	if (own && rq->site_header != NULL && *rq->site_header != '\0')
		site = c->site = rq->site_header;
	if (c->route->need & NEED_CRED) {
		if ((e = own && site == NULL ?
		    auth_resolve_own(&c->op, rq->authorization, &c->actor) :
		    auth_resolve(&c->op, rq->authorization, site,
		    &c->actor)) != RERR_OK) {
			/* Guessing credentials spends the address's budget. */
			if (e == RERR_UNAUTHENTICATED && rate(c, 0) != RERR_OK)
				return RERR_RATE_LIMITED;
			return e;
		}
		c->op.actor = &c->actor;
		rq->cred_id = arena_strdup(rq->a, c->actor.cred_id);
	}
	if ((e = rate(c, (c->route->need & NEED_CRED) != 0)) != RERR_OK)
		return e;
	/* Else the credential's own website, when it has exactly one. */
	if (own && site == NULL) {
		if (!c->actor.site_exists)
			return op_fail(&c->op, RERR_FORBIDDEN, "This "
			    "credential reaches more than one website: name "
			    "one in the X-Site-Id header, or use a token whose "
			    "website allowlist holds exactly one");
		site = c->site = arena_strdup(rq->a, c->actor.site);
	}
	/* A path id that is not 24 hex characters names nothing: 404. */
	if (site != NULL && !id_valid(site))
		return op_fail(&c->op, RERR_NOT_FOUND, "Website not found");
	if (c->id != NULL && !id_valid(c->id))
		return op_fail(&c->op, RERR_NOT_FOUND, "Not found");
	if ((c->route->need & NEED_CRED) && (e = auth_check(&c->op,
	    &c->actor, c->route->need, c->route->perms,
	    c->route->key_msg)) != RERR_OK)
		return e;
	if ((e = parse_body(c)) != RERR_OK)
		return e;
	if (rq->idempotency_key != NULL && (c->route->need & NEED_CRED) &&
	    is_write(c->route))
		return run_idempotent(c);
	return c->route->fn(c);
}

static void
rate_headers(struct ctx *c, enum rerr e)
{
	struct arena	*a = c->rq->a;
	const char	*reset;

	if (!c->rl.counted)
		return;
	reset = arena_printf(a, "%ld", c->rl.reset);
	resp_header(c->resp, "X-RateLimit-Limit", arena_printf(a, "%ld",
	    c->rl.limit));
	resp_header(c->resp, "X-RateLimit-Remaining", arena_printf(a, "%ld",
	    c->rl.remaining));
	resp_header(c->resp, "X-RateLimit-Reset", reset);
	if (e == RERR_RATE_LIMITED)
		resp_header(c->resp, "Retry-After", reset);
}

void
route_dispatch(const struct route_set *set, struct service *svc,
    struct rq *rq, struct resp *resp)
{
	struct ctx	 c;
	const char	*allow = NULL;
	enum rerr	 e;

	memset(&c, 0, sizeof(c));
	c.set = set;
	c.svc = svc;
	c.rq = rq;
	c.resp = resp;
	op_init(&c.op, svc->db, rq->a, svc->cfg, NULL, rq->request_id);
	jsonmem_use(rq->a);
	e = run(&c, &allow);
	if (e == RERR_METHOD && allow != NULL)
		resp_header(resp, "Allow", allow);
	if (!c.rendered)
		render(&c, e);
	rate_headers(&c, e);
	if (e == RERR_RATE_LIMITED)
		svc->rate_limited++;
	svc->tx_retries += c.op.retries;
	/* Past windows and records go a batch at a time, now and then. */
	if (svc->requests++ % 1000 == 999)
		ratelimit_gc(&c.op);
}
