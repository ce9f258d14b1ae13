/*
 * Fixed-window counters in the database: one atomic upsert per request that
 * also returns the new count (LAST_INSERT_ID(expr)), so counting costs one
 * round trip and no transaction of its own.  A fixed window admits at most
 * `limit` hits per window and key, exactly, across all workers and hosts.
 */
#include <stdio.h>
#include <string.h>

#include "roster/config.h"
#include "roster/db.h"
#include "roster/log.h"
#include "roster/op.h"
#include "roster/ratelimit.h"

enum rerr
ratelimit_hit(struct op *op, const char *key, struct rl_state *st)
{
	const struct config	*cfg = op->cfg;
	struct dbres		 r;
	struct dbp		 p[2];
	int64_t			 w = (int64_t)cfg->rate_window * 1000, start;
	long			 hits;
	int			 rc;

	memset(st, 0, sizeof(*st));
	if (cfg->rate_limit <= 0)
		return RERR_OK;
	start = op->now - op->now % w;
	p[0] = DB_BIN(key, strlen(key) > 64 ? 64 : strlen(key));
	p[1] = DB_I64(start);
	if ((rc = db_exec(op->db, op->a, STMT_RATE_HIT, p, 2, &r)) != 0)
		return RERR_OK;	/* logged by the db layer; fail open */
	hits = r.insert_id == 0 ? 1 : (long)r.insert_id;
	st->counted = 1;
	st->limit = cfg->rate_limit;
	st->remaining = hits >= cfg->rate_limit ? 0 : cfg->rate_limit - hits;
	st->reset = (long)((start + w - op->now + 999) / 1000);
	if (st->reset < 1)
		st->reset = 1;
	if (hits > cfg->rate_limit)
		return op_fail(op, RERR_RATE_LIMITED, "Rate limit exceeded; "
		    "retry after the time in Retry-After");
	return RERR_OK;
}

void
ratelimit_gc(struct op *op)
{
	struct dbp	p[1];
	int64_t		w = (int64_t)op->cfg->rate_window * 1000;

	p[0] = DB_I64(op->now - 2 * w);
	(void)db_exec(op->db, op->a, STMT_RATE_GC, p, 1, NULL);
	p[0] = DB_I64(op->now - 24LL * 3600 * 1000);
	(void)db_exec(op->db, op->a, STMT_IDEM_GC, p, 1, NULL);
}
