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
