/*
 * The route table and the router.  The router does everything generic
 * once, before any handler: match the path, 404 vs 405 with Allow,
 * authentication, the 24-hex id rule, permission, website scope and role,
 * and the JSON body.  Handlers hold only their semantics: they return an
 * outcome and fill ctx->data; the route's dialect renders it.
 */
#ifndef ROSTER_ROUTER_H
#define ROSTER_ROUTER_H

#include <jansson.h>

#include "roster/auth.h"
#include "roster/err.h"
#include "roster/http.h"
#include "roster/operation.h"
#include "roster/ratelimit.h"

struct config;
struct db;
struct ratelimit;
struct scoreboard;

/* The API dialects; each renders outcomes in its own envelope. */
enum dialect { D_TEAM, D_HTML, D_CMA, D__MAX };

enum body_mode {
	BODY_NONE,	/* any body is ignored */
	BODY_OPTIONAL,	/* empty, or a JSON object */
	BODY_REQUIRED,	/* a JSON object */
};

/* Worker-lifetime state a request needs. */
struct route_set;

struct service {
	const struct config	*cfg;
	struct db		*db;
	unsigned long		 requests;	/* served by this worker */
	unsigned long		 rate_limited;	/* requests refused with 429 */
	unsigned long		 tx_retries;	/* transactions run again */
	struct scoreboard	*sb;		/* every worker's counters */
	struct ratelimit	*rl;		/* the rate-limit store, or NULL */
};


/* One request in the router's and a handler's hands. */
struct ctx {
	const struct route_set *set;
	struct service	*svc;
	struct rq	*rq;
	struct resp	*resp;
	struct op	 op;
	struct actor	 actor;
	const struct route *route;
	json_t		*body;		/* the JSON object, or NULL */
	const char	*site;		/* the :site capture or own site, or NULL */
	const char	*id;		/* the :id capture, or NULL */
	const char	*key;		/* the :key capture (a name), or NULL */
	json_t		*data;		/* success payload */
	json_t		*extra;		/* Team API: keys beside data */
	struct rl_state	 rl;		/* the rate-limit count, for headers */
	int		 rendered;	/* the response is final already */
};

typedef enum rerr (*handler_fn)(struct ctx *);

struct route {
	enum method	 method;
	const char	*pattern;	/* segments; ":site", ":id", ":key" capture */
	enum dialect	 dialect;
	struct need	 need;		/* need.kinds == 0: no credential */
	enum body_mode	 body;
	handler_fn	 fn;
	const char	*name;		/* for logs and metrics */
	unsigned	 flags;		/* ROUTE_* */
};

/* Not rate-limited: monitoring and static assets. */
#define ROUTE_NO_RATE	(1u << 0)
/*
 * The website is not in the path but the credential's own (DatoCMS
 * dialect): the X-Site-Id header when sent, else a df_ key's website or
 * the one website of a dft_ token's allowlist.  ctx->site is set to it.
 */
#define ROUTE_OWN_SITE	(1u << 1)

/*
 * A route table and how its dialects render: what the API layer hands the
 * router (app/api/routes.c).
 */
struct route_set {
	const struct route	*routes;
	size_t			 n;
	void			(*render[D__MAX])(struct ctx *, enum rerr);
	/* The dialect of a path no route matched. */
	enum dialect		(*dialect_of_path)(const char *);
};

/* Routes, answers and renders one request into resp. */
void	route_dispatch(const struct route_set *, struct service *,
	    struct rq *, struct resp *);

#endif
