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

/* One row; the width is checked by the caller. */
static void
map_row(const char *const *cell, const struct db_map *m, char *dst)
{
	const struct db_field	*f;
	const char		*s;
	int64_t			 v;
	size_t			 c;

	for (c = 0; c < m->ncols; c++) {
		f = &m->col[c];
		s = cell[c];
		switch (f->type) {
		case DBF_STR:
			memcpy(dst + f->off, &s, sizeof(s));
			continue;
		case DBF_I64:
		case DBF_INT:
		case DBF_UINT:
			break;
		default:
			continue;
		}
		v = s == NULL ? f->if_null : strtoll(s, NULL, 10);
		if (f->type == DBF_I64) {
			memcpy(dst + f->off, &v, sizeof(v));
		} else if (f->type == DBF_INT) {
			int i = (int)v;
			memcpy(dst + f->off, &i, sizeof(i));
		} else {
			unsigned u = (unsigned)v;
			memcpy(dst + f->off, &u, sizeof(u));
		}
	}
}

void
db_map_row(const struct dbres *r, size_t row, const struct db_map *m,
    void *dst)
{
	check_width(r, m);
	map_row((const char *const *)r->cell + row * r->ncols, m, dst);
}

void *
db_map(struct arena *a, const struct dbres *r, const struct db_map *m,
    size_t n)
{
	char	*v;
	size_t	 i;

	check_width(r, m);
	if (n > r->nrows) {
		log_err("%zu rows mapped of a result of %zu", n, r->nrows);
		abort();
	}
	/* arena_alloc() zeroes. */
	v = arena_alloc(a, (n + 1) * m->size);
	for (i = 0; i < n; i++)
		map_row((const char *const *)r->cell + i * r->ncols, m,
		    v + i * m->size);
	return v;
}
