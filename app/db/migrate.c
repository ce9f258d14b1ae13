/*
 * Applying migrations.  DDL is not transactional in MariaDB, so each
 * migration is written to be re-runnable (CREATE TABLE IF NOT EXISTS ...)
 * and is recorded only after all its statements ran.
 */
#include <ctype.h>
#include <string.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/db.h"
#include "roster/log.h"
#include "roster/migrate.h"
#include "roster/stmt.h"

static const char version_table[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(100) NOT NULL,"
    " applied_at BIGINT NOT NULL) ENGINE=InnoDB";

/* Runs each ';'-terminated statement of a migration's text. */
static int
run_script(struct db *db, const char *sql)
{
	const char *p = sql, *start = sql;
	int         in_quote = 0, in_comment = 0;

	for (; *p != '\0'; p++) {
		if (in_comment) {
			if (*p == '\n')
				in_comment = 0;
			continue;
		}
		if (in_quote) {
			if (*p == '\'')
				in_quote = 0;
			continue;
		}
		if (*p == '\'')
			in_quote = 1;
		else if (p[0] == '-' && p[1] == '-')
			in_comment = 1;
		else if (*p == ';') {
			const char *s = start;
			while (s < p && isspace((unsigned char)*s))
				s++;
			if (s < p &&
			    db_run_ddl(db, start, (size_t)(p - start)) != 0)
				return -1;
			start = p + 1;
		}
	}
	return 0;
}

int
migrate_run(struct db *db, struct arena *a)
{
	struct dbres r;
	struct dbp   p[3];
	size_t       i, j;
	int          applied = 0, done;

	if (db_ensure(db) != 0)
		return -1;
	if (db_exec(db, a, STMT_MIGRATION_LOCK, NULL, 0, &r) != 0 ||
	    r.nrows != 1 || db_cell_i64(&r, 0, MIGRATION_LOCK_C_GOT) != 1) {
		log_err("migrate: cannot take the migration lock");
		return -1;
	}
	if (db_run_ddl(db, version_table, strlen(version_table)) != 0)
		return -1;
	if (db_exec(db, a, STMT_MIGRATION_APPLIED, NULL, 0, &r) != 0)
		return -1;
	for (i = 0; i < nmigrations; i++) {
		for (done = 0, j = 0; j < r.nrows; j++)
			if (db_cell_i64(&r, j, MIGRATION_APPLIED_C_VERSION) ==
			    migrations[i].version)
				done = 1;
		if (done)
			continue;
		log_info("migrate: applying %s", migrations[i].name);
		if (run_script(db, migrations[i].sql) != 0) {
			log_err("migrate: %s failed", migrations[i].name);
			return -1;
		}
		p[0] = DB_I64(migrations[i].version);
		p[1] = DB_STR(migrations[i].name);
		p[2] = DB_I64(clock_now_ms());
		if (db_exec(db, a, STMT_MIGRATION_RECORD, p, 3, NULL) != 0)
			return -1;
		applied++;
	}
	return applied;
}

/* Whether version is among the rows of STMT_MIGRATION_APPLIED. */
static int
recorded(const struct dbres *r, int version)
{
	size_t j;

	for (j = 0; j < r->nrows; j++)
		if (db_cell_i64(r, j, MIGRATION_APPLIED_C_VERSION) == version)
			return 1;
	return 0;
}

int
migrate_status(struct db *db, struct arena *a, struct schema_status *st)
{
	struct dbres r;
	size_t       i, j;
	int64_t      v;
	int          rc;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < nmigrations; i++)
		if (migrations[i].version > st->current)
			st->current = migrations[i].version;
	if ((rc = db_exec(db, a, STMT_SCHEMA_TABLE, NULL, 0, &r)) != 0)
		return rc;
	if (r.nrows == 1 && db_cell_i64(&r, 0, SCHEMA_TABLE_C_N) > 0) {
		if ((rc = db_exec(db, a, STMT_MIGRATION_APPLIED, NULL, 0, &r)))
			return rc;
	} else
		r.nrows = 0; /* never migrated */
	for (i = 0; i < nmigrations; i++)
		if (!recorded(&r, migrations[i].version)) {
			if (st->missing++ == 0)
				st->first_missing = migrations[i].version;
		}
	for (j = 0; j < r.nrows; j++) {
		v = db_cell_i64(&r, j, MIGRATION_APPLIED_C_VERSION);
		if (v > st->applied)
			st->applied = (int)v;
		for (i = 0; i < nmigrations && migrations[i].version != v; i++)
			;
		st->unknown += i == nmigrations;
	}
	return 0;
}

const char *
migrate_describe(struct arena *a, const struct schema_status *st)
{
	if (st->applied == 0)
		return arena_printf(a,
		    "the database has no schema yet (this roster needs "
		    "version %d): run `roster migrate`",
		    st->current);
	if (st->missing > 0)
		return arena_printf(a,
		    "the database schema is behind this roster: %zu "
		    "migration(s) missing, from version %d (the database is "
		    "at %d, this roster needs %d): run `roster migrate`",
		    st->missing, st->first_missing, st->applied, st->current);
	if (st->unknown > 0)
		return arena_printf(a,
		    "schema at version %d, newer than this roster's %d (a "
		    "newer roster migrated it)",
		    st->applied, st->current);
	return arena_printf(a, "schema at version %d, current", st->applied);
}
