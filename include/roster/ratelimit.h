/*
 * Rate limits (API.md "Across both dialects"): a budget of requests per
 * fixed window and key (a credential, or a client address for requests
 * without one), counted in the database so that every worker and every
 * host of one deployment shares the count.
 */
#ifndef ROSTER_RATELIMIT_H
#define ROSTER_RATELIMIT_H

#include <stdint.h>

#include "roster/err.h"

struct op;

struct rl_state {
	int		 counted;	/* a hit was counted: send the headers */
	long		 limit;
	long		 remaining;
	long		 reset;		/* seconds until the window ends, >= 1 */
};

/*
 * Counts one hit for key and fills st.  RERR_RATE_LIMITED past the budget,
 * RERR_OK otherwise; a database failure is not the caller's fault, so it
 * lets the request through (st->counted stays 0) after logging.
 */
enum rerr	ratelimit_hit(struct op *, const char *key, struct rl_state *);
/* Deletes past windows and old idempotency records, a batch at a time. */
void		ratelimit_gc(struct op *);

#endif
