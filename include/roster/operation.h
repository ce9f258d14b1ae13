/*
 * An operation of the core in progress: what every core function gets.
 * It carries the database, the arena that owns every result, who acts and
 * the request id — and it is the one place every write goes through
 * (op_tx): the transaction, its retries, and the audit row join there.
 *
 * Core files never include FastCGI, MySQL or JSON headers.
 */
#ifndef ROSTER_OPERATION_H
#define ROSTER_OPERATION_H

#include <stdint.h>

#include "roster/err.h"

struct actor;
struct arena;
struct config;
struct db;

/*
 * Why an input was refused, beside op->field: a dialect that names the
 * broken rule (DatoCMS's details.code) renders it, the Team API does not.
 * Dialect-neutral on purpose: the core says what is wrong, each dialect
 * says it in its own words.
 */
enum why {
	WHY_NONE,     /* the value is not acceptable */
	WHY_REQUIRED, /* missing */
	WHY_FORMAT,   /* not in the field's format */
	WHY_TAKEN,    /* must be unique and is in use already */
};

struct op {
	struct db           *db;
	struct arena        *a;
	const struct config *cfg;
	const struct actor  *actor;      /* NULL: the admin CLI */
	const char          *request_id; /* may be NULL */
	int64_t              now;        /* ms, fixed for the operation */
	/* Filled on failure, for the dialect's envelope: */
	const char *msg;     /* NULL: the table's default */
	const char *field;   /* the invalid input field */
	enum why    why;     /* and what is wrong with it */
	int         retry;   /* the database asked for a retry */
	int         in_tx;   /* inside op_tx: a nested one joins */
	unsigned    retries; /* transactions retried, for metrics */
};

void op_init(struct op *, struct db *, struct arena *, const struct config *,
    const struct actor *, const char *request_id);
/* Sets msg (and field) and returns e: `return op_fail(op, RERR_X, "…")`. */
enum rerr op_fail(struct op *, enum rerr e, const char *msg);
enum rerr op_invalid(struct op *, const char *field, const char *msg);
/* Sets msg, field and why and returns e: a refused input, said precisely. */
enum rerr op_refuse(struct op *, enum rerr e, const char *field, enum why,
    const char *msg);
/*
 * Maps a db_rc to an outcome: DB_ELOST, DB_EUNAVAIL and a retry asked for
 * by the database are 503; anything else is 500.  (Unique-key violations
 * mean something to the caller, which checks DB_EDUP before calling this.)
 */
enum rerr op_db(struct op *, int rc);
/*
 * Runs fn(op, arg) in one transaction: BEGIN, fn, COMMIT; the one
 * transaction bracket and retry loop of the code base.  An op_tx called
 * while another runs (op->in_tx: a core operation inside an idempotent
 * write, app/http/idempotent.c, which commits the write and its record
 * together) joins it: fn runs, and the outer one commits, rolls back and
 * retries.  When fn fails the transaction is rolled back.  A deadlock or
 * certification failure (anywhere, COMMIT included) reruns the whole
 * transaction from its start, at most three times with jittered back-off,
 * then answers 503 with op->retry still set.  A guard on op->a rolls back,
 * at the arena's reset, a transaction that was somehow left open.
 */
enum rerr op_tx(struct op *, enum rerr (*fn)(struct op *, void *), void *arg);
/* Records a write in the audit log; call inside op_tx. */
enum rerr op_audit(struct op *, const char *website_id, const char *action,
    const char *target);

#endif
