/*
 * Schema migrations: sql/NNNN_name.sql, embedded in the binary at build
 * time, applied in order and recorded in schema_version.
 */
#ifndef ROSTER_MIGRATE_H
#define ROSTER_MIGRATE_H

#include <stddef.h>

struct db;
struct arena;

struct migration {
	int         version;
	const char *name;
	const char *sql;
};

/* Generated from sql/ by the Makefile (build/migrations.c). */
extern const struct migration migrations[];
extern const size_t           nmigrations;

/*
 * Applies every migration not yet recorded; returns the number applied,
 * or -1 (logged).
 */
int migrate_run(struct db *, struct arena *);

/* Where the database's schema stands against the embedded migrations. */
struct schema_status {
	int    current; /* the newest embedded migration's version */
	int    applied; /* the database's newest recorded version; 0: none */
	size_t missing; /* embedded migrations not recorded there */
	size_t unknown; /* recorded versions this binary does not have */
	int    first_missing; /* the oldest missing version, or 0 */
};

/*
 * Reads the database's schema_version (absent: nothing applied) into st.
 * Returns 0, or a DB_* code (the database unreachable, a missing right).
 * The schema is current when st->missing is 0; unknown versions come from
 * a newer binary, whose migrations are written so that an older one keeps
 * working (rolling upgrades migrate first).
 */
int migrate_status(struct db *, struct arena *, struct schema_status *st);
/*
 * st as one sentence for a log line, an error message or an answer, in
 * arena memory: "schema at version 5 of 5", or what is missing and that
 * `roster migrate` applies it.
 */
const char *migrate_describe(struct arena *, const struct schema_status *);

#endif
