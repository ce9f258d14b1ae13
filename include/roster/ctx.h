/*
 * Layer: http
 *
 * One request in the router's and a handler's hands (struct ctx), the
 * handler and renderer types, and the worker-lifetime state a request
 * reaches (struct service).
 *
 * A handler reads the request and what the router resolved before it ran
 * (the actor, the captures, the JSON body) and returns an outcome.  On
 * success it leaves its payload here: JSON in data (and extra), or a body
 * it made whole in raw.  It never touches the response: the status, the
 * envelope and the headers are its dialect's renderer's, which gets the
 * outcome and this context.
 */
#ifndef ROSTER_CTX_H
#define ROSTER_CTX_H

#include <stddef.h>

#include <jansson.h>

#include "roster/actor.h"
#include "roster/err.h"
#include "roster/http.h"
#include "roster/operation.h"
#include "roster/ratelimit.h"

struct config;
struct db;
struct ratelimit;
struct route;
struct route_set;
struct scoreboard;

/* Worker-lifetime state a request needs; the worker owns it. */
struct service {
	const struct config *cfg;
	struct db           *db;
	struct scoreboard   *sb; /* every worker's counters */
	struct ratelimit    *rl; /* the rate-limit store, or NULL */
};

struct ctx {
	const struct route_set *set;
	struct service         *svc;
	struct rq              *rq;
	struct op               op;
	struct actor            actor;
	const struct route     *route;
	json_t                 *body; /* the JSON object, or NULL */
	const char *site; /* the :site capture or own site, or NULL */
	const char *id;   /* the :id capture, or NULL */
	const char *key;  /* the :key capture (a name), or NULL */
	/* What a success hands its dialect's renderer: */
	json_t *data;  /* the payload */
	json_t *extra; /* Team API: keys beside data */
	/*
	 * Or a body the handler made whole (arena), which the renderer sends
	 * as it is: a page, a cached rendering, the metrics text.  raw_type
	 * is its Content-Type where the dialect has none of its own.
	 */
	const char     *raw;
	size_t          raw_len;
	const char     *raw_type;
	struct rl_state rl; /* the rate-limit count, for headers */
};

/* A route's handler: an outcome, and on success the payload in ctx. */
typedef enum rerr (*handler_fn)(struct ctx *);
/* A dialect's renderer: outcome e of c, in the dialect's envelope, into out. */
typedef void (*render_fn)(struct ctx *, enum rerr e, struct resp *out);

#endif
