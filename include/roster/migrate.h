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

#endif
