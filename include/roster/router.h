/*
 * The router.  It is handed a route table (struct route_set, the API
 * layer's app/api/routes.c) and does everything generic once, before any
 * handler: match the path and bind its captures, 404 vs 405 with Allow,
 * authentication, the rate limit, the 24-hex id rule, permission, website
 * scope and role, and the JSON body.  Then it runs the handler (a write
 * with an Idempotency-Key through app/http/idempotent.c) and has the
 * route's dialect render the outcome.  Counting and housekeeping are the
 * worker's, from what route_dispatch() returns.
 */
#ifndef ROSTER_ROUTER_H
#define ROSTER_ROUTER_H

#include "roster/auth.h"
#include "roster/ctx.h"
#include "roster/err.h"
#include "roster/http.h"

/*
 * The dialects; each renders outcomes in its own envelope.  D_PLAIN is a
 * body the handler made whole with its own Content-Type (the metrics
 * text); a failure there is answered in the dialect of the path.
 */
enum dialect { D_TEAM, D_HTML, D_CMA, D_PLAIN, D__MAX };

enum body_mode {
	BODY_NONE,     /* any body is ignored */
	BODY_OPTIONAL, /* empty, or a JSON object */
	BODY_REQUIRED, /* a JSON object */
};

/* How the router treats a route, beside what its caller needs. */
enum route_flag {
	/* Not rate-limited: monitoring and static assets. */
	ROUTE_NO_RATE = 1 << 0,
	/*
	 * The website is not in the path but the credential's own (DatoCMS
	 * dialect): the X-Site-Id header when sent, else a df_ key's website
	 * or the one website of a dft_ token's allowlist.  ctx->site is set
	 * to it.
	 */
	ROUTE_OWN_SITE = 1 << 1,
};

/* A row of the route table, written with designated initialisers. */
struct route {
	enum method method;
	/* Segments; ":site", ":id" and ":key" capture into ctx. */
	const char    *path;
	handler_fn     fn;
	unsigned       need;    /* NEED_*; no NEED_CRED bit: public */
	unsigned       perms;   /* PERM_*, every bit required */
	const char    *key_msg; /* the 403 for a df_ key refused, or NULL */
	unsigned       flags;   /* ROUTE_* */
	enum body_mode body;
	enum dialect   dialect;
	const char    *name; /* for logs and metrics */
};

/*
 * A route table and how its dialects render: what the API layer hands the
 * router.
 */
struct route_set {
	const struct route *routes;
	size_t              n;
	render_fn           render[D__MAX];
	/* The dialect of a path no route matched. */
	enum dialect (*dialect_of_path)(const char *);
};

/* What the matcher found for a method and a path. */
struct route_match {
	const struct route *route; /* NULL: no route for this method */
	const char         *site;  /* the captures (arena), or NULL */
	const char         *id;
	const char         *key;
	/* No route for the method but the path is known: its methods. */
	const char *allow;
};

/*
 * The most specific route whose path matches (the most literal
 * segments), its captures bound by name as the matcher meets them; the
 * captures and allow are allocated in the arena.  HEAD matches GET.
 */
void route_match(const struct route_set *, struct arena *, enum method,
    const char *path, struct route_match *);

/* What the router tells the worker about a request it served. */
struct served {
	enum rerr outcome;
	int       route;      /* index in the table; -1: none matched */
	unsigned  tx_retries; /* transactions run again */
};

/* Routes, answers and renders one request into resp. */
struct served route_dispatch(const struct route_set *, struct service *,
    struct rq *, struct resp *);

#endif
