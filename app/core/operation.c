/*
 * The operation context and the one path every write takes.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "roster/arena.h"
#include "roster/auth.h"
#include "roster/clock.h"
#include "roster/db.h"
#include "roster/ids.h"
#include "roster/log.h"
#include "roster/operation.h"

#define TX_TRIES 3

void
op_init(struct op *op, struct db *db, struct arena *a, const struct config *cfg,
    const struct actor *actor, const char *request_id)
{
	memset(op, 0, sizeof(*op));
	op->db = db;
	op->a = a;
	op->cfg = cfg;
	op->actor = actor;
	op->request_id = request_id;
	op->now = clock_now_ms();
}

enum rerr
op_fail(struct op *op, enum rerr e, const char *msg)
{
	op->msg = msg;
	return e;
}

enum rerr
op_invalid(struct op *op, const char *field, const char *msg)
{
	op->field = field;
	op->why = WHY_NONE;
	op->msg = msg;
	return RERR_INVALID;
}

enum rerr
op_refuse(struct op *op, enum rerr e, const char *field, enum why why,
    const char *msg)
{
	op->field = field;
	op->why = why;
	op->msg = msg;
	return e;
}

enum rerr
op_db(struct op *op, int rc)
{
	switch (rc) {
	case DB_OK:
		return RERR_OK;
	case DB_ERETRY:
		op->retry = 1;
		/* FALLTHROUGH */
	case DB_ELOST:
	case DB_EUNAVAIL:
		return op_fail(op, RERR_UNAVAILABLE,
		    "The database is unavailable; try again shortly");
	default:
		return RERR_INTERNAL;
	}
}

static void
jitter_sleep(unsigned attempt)
{
	struct timespec ts;
	uint32_t ms = (5u << attempt) + randombytes_uniform(10u << attempt);

	ts.tv_sec = 0;
	ts.tv_nsec = (long)ms * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * A transaction's guard, registered on the operation's arena when the
 * transaction begins: op_tx() closes every transaction it opens, so the
 * guard only acts if one outlives it (a bug), and then rolls it back at
 * the arena's reset, before the connection serves another request.
 */
struct tx_guard {
	struct db *db;
	int        open;
};

static void
tx_guard_run(void *arg)
{
	struct tx_guard *g = arg;

	if (g->open) {
		log_err("a transaction outlived its operation; rolled back");
		db_rollback(g->db);
		g->open = 0;
	}
}

enum rerr
op_tx(struct op *op, enum rerr (*fn)(struct op *, void *), void *arg)
{
	struct tx_guard *g = NULL;
	enum rerr        e;
	unsigned         attempt;
	int              rc;

	if (op->in_tx)
		return fn(op, arg);
	for (attempt = 0;; attempt++) {
		op->retry = 0;
		op->msg = NULL;
		op->field = NULL;
		op->why = WHY_NONE;
		if ((rc = db_begin(op->db)) != DB_OK)
			return op_db(op, rc);
		if (g == NULL) {
			g = arena_alloc(op->a, sizeof(*g));
			g->db = op->db;
			arena_defer(op->a, tx_guard_run, g);
		}
		g->open = 1;
		/* An op_tx inside fn joins this transaction. */
		op->in_tx = 1;
		e = fn(op, arg);
		op->in_tx = 0;
		if (e == RERR_OK) {
			rc = db_commit(op->db);
			g->open = 0;
			if (rc == DB_OK)
				return RERR_OK;
			/*
			 * A lost connection during COMMIT leaves the outcome
			 * unknown: never retried blindly, answered 503.
			 */
			e = op_db(op, rc);
		} else {
			db_rollback(op->db);
			g->open = 0;
		}
		if (!op->retry || attempt + 1 >= TX_TRIES)
			return e;
		op->retries++;
		jitter_sleep(attempt);
	}
}

enum rerr
op_audit(struct op *op, const char *website_id, const char *action,
    const char *target)
{
	const struct actor *ac = op->actor;
	char                id[ID_LEN + 1];
	struct dbp          p[8];
	int                 rc;

	id_new(id);
	p[0] = DB_STR(id);
	p[1] = DB_I64(op->now);
	p[2] = DB_STR(website_id);
	p[3] = DB_STR(ac != NULL && ac->user_id[0] ? ac->user_id : NULL);
	p[4] = DB_STR(ac != NULL ? ac->cred_id : NULL);
	p[5] = DB_STR(action);
	p[6] = DB_STR(target);
	p[7] = DB_STR(op->request_id);
	if ((rc = db_exec(op->db, op->a, STMT_AUDIT_INSERT, p, 8, NULL)) != 0)
		return op_db(op, rc);
	return RERR_OK;
}
