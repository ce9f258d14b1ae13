/*
 * Reading a statement's result (see include/roster/dbres.h).
 */
#include <stdlib.h>
#include <string.h>

#include "roster/arena.h"
#include "roster/dbres.h"
#include "roster/log.h"

const char *
db_cell(const struct dbres *r, size_t row, size_t col)
{
	return r->cell[row * r->ncols + col];
}

size_t
db_cell_len(const struct dbres *r, size_t row, size_t col)
{
	return r->len[row * r->ncols + col];
}

int64_t
db_cell_i64(const struct dbres *r, size_t row, size_t col)
{
	const char *s = db_cell(r, row, col);

	return s == NULL ? 0 : strtoll(s, NULL, 10);
}

int64_t
db_cell_i64_or(const struct dbres *r, size_t row, size_t col, int64_t if_null)
{
	const char *s = db_cell(r, row, col);

	return s == NULL ? if_null : strtoll(s, NULL, 10);
}

/*
 * A map wider than the result would read past the row: a programming
 * error (the map of another statement), so fail loudly, like a statement
 * given the wrong number of parameters.
 */
static void
check_width(const struct dbres *r, const struct db_map *m)
{
	if (m->ncols > r->ncols) {
		log_err("row map of %zu columns used on a result of %zu",
		    m->ncols, r->ncols);
		abort();
	}
}

/* A number cell into its member: SQL NULL is the field's if_null. */
static void
put_number(char *dst, const struct db_field *f, const char *s)
{
	int64_t  v = s == NULL ? f->if_null : strtoll(s, NULL, 10);
	int      i;
	unsigned u;

	switch (f->type) {
	case DBF_I64:
		memcpy(dst, &v, sizeof(v));
		break;
	case DBF_INT:
		i = (int)v;
		memcpy(dst, &i, sizeof(i));
		break;
	default:
		u = (unsigned)v;
		memcpy(dst, &u, sizeof(u));
		break;
	}
}

/*
 * One column of n rows into one member of n structs: cell is the column's
 * cell in the first row, stride the result's width, dst the member in the
 * first struct.  Column by column rather than row by row, so that the type
 * is looked at once per column, a text column is a tight loop of pointer
 * copies, and a skipped column costs nothing.
 */
static void
map_column(const char *const *cell, size_t stride, const struct db_field *f,
    char *dst, size_t size, size_t n)
{
	size_t i;

	switch (f->type) {
	case DBF_SKIP:
		break;
	case DBF_STR:
		for (i = 0; i < n; i++)
			memcpy(dst + i * size, &cell[i * stride],
			    sizeof(*cell));
		break;
	default:
		for (i = 0; i < n; i++)
			put_number(dst + i * size, f, cell[i * stride]);
		break;
	}
}

void
db_map_row(const struct dbres *r, size_t row, const struct db_map *m, void *dst)
{
	const char *const *cell = (const char *const *)r->cell;
	size_t             c;

	check_width(r, m);
	for (c = 0; c < m->ncols; c++)
		map_column(cell + row * r->ncols + c, r->ncols, &m->col[c],
		    (char *)dst + m->col[c].off, m->size, 1);
}

void *
db_map(struct arena *a, const struct dbres *r, const struct db_map *m, size_t n)
{
	const char *const *cell = (const char *const *)r->cell;
	size_t             c;
	char              *v;

	check_width(r, m);
	if (n > r->nrows) {
		log_err("%zu rows mapped of a result of %zu", n, r->nrows);
		abort();
	}
	/* arena_alloc() zeroes.  No rows: no cells (r->cell may be NULL). */
	v = arena_alloc(a, (n + 1) * m->size);
	for (c = 0; c < m->ncols && n > 0; c++)
		map_column(cell + c, r->ncols, &m->col[c], v + m->col[c].off,
		    m->size, n);
	return v;
}
