/*
 * Fixed-window counters.  Locally (the default): a compare-and-swap in the
 * table the master shares with its workers (app/http/ratelimit_shm.c), no round trip
 * at all; the limit is then per host.  In the database: one atomic upsert
 * per request that also returns the new count (LAST_INSERT_ID(expr)), so
 * counting costs one round trip and no transaction of its own.  In
 * memcached: one increment-with-initial, with the window's expiry.  Either
 * way a window admits exactly `limit` hits per key, across all workers (and,
 * for the database and memcached, all hosts) that share the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmemcached/memcached.h>

#include "roster/config.h"
#include "roster/db.h"
#include "roster/log.h"
#include "roster/operation.h"
#include "roster/ratelimit.h"
#include "roster/ratelimit_shm.h"

struct ratelimit {
	const struct config  *cfg;
	struct ratelimit_shm *tab; /* rate_store = local with a master */
	memcached_st         *mc;  /* neither: the database */
	int                   full_logged;
};

struct ratelimit *
ratelimit_new(const struct config *cfg, struct ratelimit_shm *tab)
{
	struct ratelimit *rl;
	char              opts[1024], list[sizeof(cfg->memcached)];
	char             *tok, *save;
	size_t            n;

	if (cfg->rate_limit <= 0)
		return NULL;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		abort();
	rl->cfg = cfg;
	if (strcmp(cfg->rate_store, "local") == 0) {
		/*
		 * Without roster's master (mod_fcgid, spawn-fcgi -F) each
		 * process is alone: a table of its own would multiply the
		 * limit by the number of processes.  The database is shared.
		 */
		if (tab == NULL)
			log_info(
			    "rate_store = local without roster's master: "
			    "no memory shared between processes, rate limits "
			    "are counted in the database");
		rl->tab = tab;
	} else if (strcmp(cfg->rate_store, "memcached") == 0) {
		/*
		 * The binary protocol gives increment-with-initial; short
		 * timeouts keep a dead cache from stalling requests.
		 */
		n = (size_t)snprintf(opts, sizeof(opts),
		    "--BINARY-PROTOCOL "
		    "--CONNECT-TIMEOUT=200 --POLL-TIMEOUT=200 "
		    "--RETRY-TIMEOUT=1");
		snprintf(list, sizeof(list), "%s", cfg->memcached);
		for (tok = strtok_r(list, ", ", &save);
		     tok != NULL && n < sizeof(opts);
		     tok = strtok_r(NULL, ", ", &save))
			n += (size_t)snprintf(opts + n, sizeof(opts) - n,
			    " --SERVER=%s", tok);
		if ((rl->mc = memcached(opts, strlen(opts))) == NULL)
			log_err("memcached configuration refused: %s",
			    cfg->memcached);
	}
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	if (rl->mc != NULL)
		memcached_free(rl->mc);
	free(rl);
}

/* One hit in memcached; the count in *hits, or -1. */
static int
hit_memcached(struct ratelimit *rl, const char *key, int64_t start, long *hits)
{
	char               k[200];
	uint64_t           v = 0;
	memcached_return_t rc;
	int                n;

	n = snprintf(k, sizeof(k), "roster:rl:%s:%lld", key, (long long)start);
	for (int i = 0; i < n; i++) /* memcached keys: no blanks */
		if ((unsigned char)k[i] <= ' ' || k[i] == 0x7f)
			k[i] = '_';
	rc = memcached_increment_with_initial(rl->mc, k, (size_t)n, 1, 1,
	    (time_t)rl->cfg->rate_window + 5, &v);
	if (!memcached_success(rc)) {
		log_err("memcached increment failed: %s",
		    memcached_strerror(rl->mc, rc));
		return -1;
	}
	*hits = (long)v;
	return 0;
}

/* One hit in the database; the count in *hits, or -1. */
static int
hit_database(struct op *op, const char *key, int64_t start, long *hits)
{
	struct dbres r;
	struct dbp   p[2];

	p[0] = DB_BIN(key, strlen(key) > 64 ? 64 : strlen(key));
	p[1] = DB_I64(start);
	if (db_exec(op->db, op->a, STMT_RATE_HIT, p, 2, &r) != 0)
		return -1; /* logged by the db layer */
	*hits = r.insert_id == 0 ? 1 : (long)r.insert_id;
	return 0;
}

/*
 * One hit in the shared table; the count in *hits, or -1.  A key that finds
 * no slot is counted in the database instead, never skipped; it finds no
 * slot for the rest of the window either (include/roster/ratelimit_shm.h), so
 * its count is not split between the two.
 */
static int
hit_local(struct ratelimit *rl, struct op *op, const char *key, int64_t window,
    int64_t start, long *hits)
{
	if (ratelimit_shm_hit(rl->tab, key, strlen(key), window, hits) == 0)
		return 0;
	if (!rl->full_logged) {
		log_warn("rate table full around a key: counting it in the "
			 "database this window");
		rl->full_logged = 1;
	}
	return hit_database(op, key, start, hits);
}

enum rerr
ratelimit_hit(struct ratelimit *rl, struct op *op, const char *key,
    struct rl_state *st)
{
	const struct config *cfg = op->cfg;
	int64_t              w = (int64_t)cfg->rate_window * 1000, start;
	long                 hits;
	int                  rc;

	memset(st, 0, sizeof(*st));
	if (rl == NULL || cfg->rate_limit <= 0)
		return RERR_OK;
	start = op->now - op->now % w;
	if (rl->tab != NULL)
		rc = hit_local(rl, op, key, op->now / w, start, &hits);
	else if (rl->mc != NULL)
		rc = hit_memcached(rl, key, start, &hits);
	else
		rc = hit_database(op, key, start, &hits);
	if (rc != 0)
		return RERR_OK;
	st->counted = 1;
	st->limit = cfg->rate_limit;
	st->remaining = hits >= cfg->rate_limit ? 0 : cfg->rate_limit - hits;
	st->reset = (long)((start + w - op->now + 999) / 1000);
	if (st->reset < 1)
		st->reset = 1;
	if (hits > cfg->rate_limit)
		return op_fail(op, RERR_RATE_LIMITED,
		    "Rate limit exceeded; "
		    "retry after the time in Retry-After");
	return RERR_OK;
}

void
ratelimit_gc(struct op *op)
{
	struct dbp p[1];
	int64_t    w = (int64_t)op->cfg->rate_window * 1000;

	p[0] = DB_I64(op->now - 2 * w);
	(void)db_exec(op->db, op->a, STMT_RATE_GC, p, 1, NULL);
	p[0] = DB_I64(op->now - 24LL * 3600 * 1000);
	(void)db_exec(op->db, op->a, STMT_IDEM_GC, p, 1, NULL);
}
