/*
 * The database layer: one connection per worker, the statement table of
 * include/roster/stmt.h prepared on first use, results copied into the
 * request's arena (include/roster/dbres.h).  Callers never see MYSQL types.
 *
 * Connection loss is never papered over: there is no auto-reconnect (the
 * connector's own reconnect, in the middle of a transaction, carries on in
 * autocommit, so half a transaction would commit).  A lost connection is
 * closed with every statement handle, and db_ensure() reconnects at the
 * start of a later request, with a short back-off.
 */
#ifndef ROSTER_DB_H
#define ROSTER_DB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "roster/dbres.h"
#include "roster/stmt.h"

struct arena;
struct config;
struct db;

/* Return codes of every db_* call: 0, or one of these. */
/* clang-format off */
enum db_rc {
	DB_OK = 0,
	DB_EDUP = -1,		/* unique key violated (1062) */
	DB_ERETRY = -2,		/* deadlock or certification failure: retry the transaction */
	DB_ELOST = -3,		/* connection lost or server not ready */
	DB_EUNAVAIL = -4,	/* server refuses writes (read-only) */
	DB_EFAIL = -5,		/* anything else: a bug or a schema mismatch */
};
/* clang-format on */

enum dbp_type { DBP_NULL, DBP_STR, DBP_BIN, DBP_I64 };

/* One statement parameter. */
struct dbp {
	enum dbp_type t;
	const void   *p;
	size_t        n;
	int64_t       i;
};

/* A string parameter; NULL binds SQL NULL. */
static inline struct dbp
db_str(const char *s)
{
	struct dbp p = { DBP_NULL, NULL, 0, 0 };

	if (s != NULL) {
		p.t = DBP_STR;
		p.p = s;
		p.n = strlen(s);
	}
	return p;
}

#define DB_STR(s)      db_str(s)
#define DB_BIN(b, len) ((struct dbp){ DBP_BIN, (b), (len), 0 })
#define DB_I64(v)      ((struct dbp){ DBP_I64, NULL, 0, (v) })
#define DB_NULL        ((struct dbp){ DBP_NULL, NULL, 0, 0 })

/* Allocates the worker's handle; nothing is connected yet. */
struct db *db_new(const struct config *);
void       db_free(struct db *);
/* Connects if not connected (honouring the back-off). */
int db_ensure(struct db *);
/* Reconnections made since start, for metrics. */
unsigned long db_reconnects(const struct db *);
/* Failed statements (not counting unique-key violations), for metrics. */
unsigned long db_errors(const struct db *);

/*
 * Runs a statement with its parameters; the result (may be NULL) is owned
 * by the arena.  A DB_* code.
 */
int db_exec(struct db *, struct arena *, enum stmt, const struct dbp *, size_t,
    struct dbres *);
/*
 * db_exec(), then every row mapped into a struct as the map says
 * (db_map()): res->rows is the array, res->nrows its length, and the
 * cells stay readable by column.  A DB_* code; on failure res->rows is
 * NULL.
 */
int  db_rows(struct db *, struct arena *, enum stmt, const struct dbp *, size_t,
     const struct db_map *, struct dbres *);
int  db_begin(struct db *);
int  db_commit(struct db *);
void db_rollback(struct db *);
/*
 * Runs fixed SQL text that is not in the statement table (migrations' DDL,
 * which the server cannot prepare).  Never give it request data.
 */
int db_run_ddl(struct db *, const char *sql, size_t len);

#endif
