/*
 * Rate limits (API.md "Across both dialects"): a budget of requests per
 * fixed window and key (a credential, or a client address for requests
 * without one), counted where every worker and every host of a deployment
 * share the count: the database (default), or memcached (cheaper per
 * request; see the README's Performance section).
 */
#ifndef ROSTER_RATELIMIT_H
#define ROSTER_RATELIMIT_H

#include <stdint.h>

#include "roster/err.h"

struct config;
struct op;
struct ratelimit;

struct rl_state {
	int		 counted;	/* a hit was counted: send the headers */
	long		 limit;
	long		 remaining;
	long		 reset;		/* seconds until the window ends, >= 1 */
};

/* The worker's counter store; connects lazily.  NULL when limits are off. */
struct ratelimit	*ratelimit_new(const struct config *);
void			 ratelimit_free(struct ratelimit *);
/*
 * Counts one hit for key and fills st.  RERR_RATE_LIMITED past the budget,
 * RERR_OK otherwise.  A store that fails is not the caller's fault: the
 * request goes through uncounted (st->counted stays 0), logged.
 */
enum rerr	ratelimit_hit(struct ratelimit *, struct op *, const char *key,
		    struct rl_state *);
/* Deletes past windows and old idempotency records, a batch at a time. */
void		ratelimit_gc(struct op *);

#endif
