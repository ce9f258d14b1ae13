/*
 * Rate limits (API.md "Across both dialects"): a budget of requests per
 * fixed window and key (a credential, or a client address for requests
 * without one), counted in one of three stores (rate_store):
 *   local      the default: memory the master shares with its workers
 *              (include/roster/ratetab.h); every worker of a host shares
 *              the count, hosts do not: the limit is per host.  Without a
 *              master (mod_fcgid, spawn-fcgi -F) it counts in the database.
 *   database   every worker and every host on the database shares the count.
 *   memcached  likewise for the hosts on the same memcached servers.
 * See the README's "Rate limits" and Performance sections.
 */
#ifndef ROSTER_RATELIMIT_H
#define ROSTER_RATELIMIT_H

#include <stdint.h>

#include "roster/err.h"

struct config;
struct op;
struct ratelimit;
struct ratelimit_shm;

struct rl_state {
	int  counted; /* a hit was counted: send the headers */
	long limit;
	long remaining;
	long reset; /* seconds until the window ends, >= 1 */
};

/*
 * The worker's counter store; connects lazily.  NULL when limits are off.
 * tab is the master's shared table, NULL without a master; it is used when
 * rate_store is local and stays the caller's.
 */
struct ratelimit *ratelimit_new(const struct config *,
    struct ratelimit_shm *tab);
void              ratelimit_free(struct ratelimit *);
/*
 * Counts one hit for key and fills st.  RERR_RATE_LIMITED past the budget,
 * RERR_OK otherwise.  A store that fails is not the caller's fault: the
 * request goes through uncounted (st->counted stays 0), logged.
 */
enum rerr ratelimit_hit(struct ratelimit *, struct op *, const char *key,
    struct rl_state *);
/* Deletes past windows and old idempotency records, a batch at a time. */
void ratelimit_gc(struct op *);

#endif
