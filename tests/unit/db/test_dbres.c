/*
 * dbres (app/db/dbres.c): reading a statement's result without the
 * database, on results built by hand.  The db layer's contract: cells are
 * owned by the arena, NULL for SQL NULL; a mapping table copies each
 * column it names into the caller's struct, converted by the member's
 * type, and allocates nothing per cell; a map wider than the result is a
 * programming error and aborts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "roster/arena.h"
#include "roster/dbres.h"

/* A made-up statement's columns, as include/roster/stmt.h names them. */
enum fake_col {
	FAKE_C_ID,
	FAKE_C_NAME,
	FAKE_C_RANK,
	FAKE_C_LIMIT,
	FAKE_C_TRIES,
	FAKE_C_PERMS,
	FAKE_C_GEN,
	FAKE_C__MAX
};

struct thing {
	const char *id;
	const char *name;
	int64_t     rank;
	int64_t     limit;
	int         tries;
	unsigned    perms;
	int64_t     gen;
};

/* clang-format off */
static const struct db_field thing_fields[FAKE_C__MAX] = {
	[FAKE_C_ID]	= DB_FIELD(struct thing, id),
	[FAKE_C_NAME]	= DB_FIELD(struct thing, name),
	[FAKE_C_RANK]	= DB_FIELD(struct thing, rank),
	[FAKE_C_LIMIT]	= DB_FIELD_OR(struct thing, limit, -1),
	[FAKE_C_TRIES]	= DB_FIELD(struct thing, tries),
	[FAKE_C_PERMS]	= DB_FIELD(struct thing, perms),
	[FAKE_C_GEN]	= DB_SKIP,
};
/* clang-format on */
static const struct db_map thing_map = DB_MAP(struct thing, thing_fields);

/* Only the two leading columns. */
/* clang-format off */
static const struct db_field head_fields[FAKE_C_RANK] = {
	[FAKE_C_ID]	= DB_FIELD(struct thing, id),
	[FAKE_C_NAME]	= DB_FIELD(struct thing, name),
};
/* clang-format on */
static const struct db_map head_map = DB_MAP(struct thing, head_fields);

static struct arena a;

/* Three rows as db_exec() would leave them in the arena. */
static void
fake_result(struct dbres *r)
{
	static const char *const rows[3][FAKE_C__MAX] = {
		{ "a1", "Ann", "0", "5", "2", "31", "7" },
		{ "b2", NULL, "1", NULL, "0", "1", "7" },
		{ "c3", "Cy", "-4", "0", NULL, NULL, NULL },
	};
	size_t i, j, k;

	memset(r, 0, sizeof(*r));
	r->nrows = 3;
	r->ncols = FAKE_C__MAX;
	r->cell = arena_alloc(&a, 3 * FAKE_C__MAX * sizeof(char *));
	r->len = arena_alloc(&a, 3 * FAKE_C__MAX * sizeof(size_t));
	for (i = 0; i < 3; i++)
		for (j = 0; j < FAKE_C__MAX; j++) {
			k = i * FAKE_C__MAX + j;
			if (rows[i][j] == NULL)
				continue;
			r->cell[k] = arena_strdup(&a, rows[i][j]);
			r->len[k] = strlen(rows[i][j]);
		}
}

static int
setup(void **state)
{
	(void)state;
	arena_init(&a);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_release(&a);
	return 0;
}

/* Cells by name; SQL NULL is NULL, 0 as a number, or the value given. */
static void
test_cells(void **state)
{
	struct dbres r;

	(void)state;
	fake_result(&r);
	assert_string_equal(db_cell(&r, 0, FAKE_C_NAME), "Ann");
	assert_null(db_cell(&r, 1, FAKE_C_NAME));
	assert_int_equal(db_cell_len(&r, 0, FAKE_C_NAME), 3);
	assert_int_equal(db_cell_i64(&r, 2, FAKE_C_RANK), -4);
	assert_int_equal(db_cell_i64(&r, 1, FAKE_C_LIMIT), 0);
	assert_int_equal(db_cell_i64_or(&r, 1, FAKE_C_LIMIT, -1), -1);
	assert_int_equal(db_cell_i64_or(&r, 0, FAKE_C_LIMIT, -1), 5);
	assert_int_equal(db_cell_i64_or(&r, 2, FAKE_C_LIMIT, -1), 0);
}

/* Every row, each member converted by its type; the cells are shared. */
static void
test_map_all_rows(void **state)
{
	struct dbres  r;
	struct thing *v;

	(void)state;
	fake_result(&r);
	v = db_map(&a, &r, &thing_map, r.nrows);
	assert_non_null(v);
	assert_ptr_equal(v[0].id, db_cell(&r, 0, FAKE_C_ID));
	assert_string_equal(v[0].name, "Ann");
	assert_int_equal(v[0].rank, 0);
	assert_int_equal(v[0].limit, 5);
	assert_int_equal(v[0].tries, 2);
	assert_int_equal(v[0].perms, 31);
	assert_string_equal(v[1].id, "b2");
	assert_null(v[1].name);
	assert_int_equal(v[1].rank, 1);
	assert_int_equal(v[1].limit, -1);
	assert_int_equal(v[2].rank, -4);
	assert_int_equal(v[2].limit, 0);
	assert_int_equal(v[2].tries, 0);
	assert_int_equal(v[2].perms, 0);
	/* Skipped columns and the struct after the last are zero. */
	assert_int_equal(v[0].gen, 0);
	assert_null(v[3].id);
	assert_int_equal(v[3].limit, 0);
}

/* The first n rows only (a page without its look-ahead row). */
static void
test_map_first_rows(void **state)
{
	struct dbres  r;
	struct thing *v;

	(void)state;
	fake_result(&r);
	v = db_map(&a, &r, &thing_map, 2);
	assert_string_equal(v[1].id, "b2");
	assert_null(v[2].id);
	assert_int_equal(v[2].rank, 0);
}

/* No rows: an array of one zeroed struct, never NULL. */
static void
test_map_empty(void **state)
{
	struct dbres  r;
	struct thing *v;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ncols = FAKE_C__MAX;
	v = db_map(&a, &r, &thing_map, 0);
	assert_non_null(v);
	assert_null(v[0].id);
}

/* One row into a struct of the caller's; skipped members keep theirs. */
static void
test_map_row(void **state)
{
	struct dbres r;
	struct thing t;

	(void)state;
	fake_result(&r);
	memset(&t, 0, sizeof(t));
	t.gen = 42;
	db_map_row(&r, 1, &thing_map, &t);
	assert_string_equal(t.id, "b2");
	assert_int_equal(t.limit, -1);
	assert_int_equal(t.gen, 42);
}

/* A map of the leading columns reads a result that has more. */
static void
test_map_leading_columns(void **state)
{
	struct dbres r;
	struct thing t;

	(void)state;
	fake_result(&r);
	memset(&t, 0, sizeof(t));
	t.rank = 9;
	db_map_row(&r, 2, &head_map, &t);
	assert_string_equal(t.id, "c3");
	assert_string_equal(t.name, "Cy");
	assert_int_equal(t.rank, 9);
}

/* Runs fn in a child; 1 when it died of SIGABRT. */
static int
aborts(void (*fn)(void))
{
	pid_t pid;
	int   st;

	if ((pid = fork()) == 0) {
		fn();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
map_too_wide(void)
{
	struct dbres r;

	fake_result(&r);
	r.ncols = FAKE_C_RANK; /* a two-column result */
	(void)db_map(&a, &r, &thing_map, 1);
}

static void
map_too_many_rows(void)
{
	struct dbres r;

	fake_result(&r);
	(void)db_map(&a, &r, &thing_map, 4);
}

/* A map of another statement, or more rows than there are: abort. */
static void
test_map_misuse_aborts(void **state)
{
	(void)state;
	assert_true(aborts(map_too_wide));
	assert_true(aborts(map_too_many_rows));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_all_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_first_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_leading_columns, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_misuse_aborts, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
