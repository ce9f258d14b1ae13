/*
 * ratelimit (app/http/ratelimit.c), the same in both dialects: a budget per
 * fixed window and credential; every counted response says the limit, what
 * remains and the seconds to the window's end; past the budget, 429
 * (RERR_RATE_LIMITED).  rate_store = local is the default and counts in the
 * master's shared table; where it cannot (no master, a full table) it
 * counts in the database, never nowhere.
 *
 * Linked with --wrap=db_exec (Makefile): the database is a fake that
 * counts STMT_RATE_HIT per key, as the real upsert does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "roster/arena.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/operation.h"
#include "roster/ratelimit.h"
#include "roster/ratelimit_shm.h"

/* The fake database: rate_windows as a few rows. */
static struct {
	char    key[64];
	int64_t start;
	long    hits;
} rows[16];
static int nrows, db_calls;

int __wrap_db_exec(struct db *, struct arena *, enum stmt, const struct dbp *,
    size_t, struct dbres *);

int
__wrap_db_exec(struct db *db, struct arena *a, enum stmt s, const struct dbp *p,
    size_t np, struct dbres *res)
{
	int i;

	(void)db;
	(void)a;
	db_calls++;
	if (s != STMT_RATE_HIT)
		return 0; /* the GC: nothing to check here */
	assert_int_equal(np, 2);
	assert_true(p[0].n < sizeof(rows[0].key));
	for (i = 0; i < nrows; i++)
		if (strlen(rows[i].key) == p[0].n &&
		    memcmp(rows[i].key, p[0].p, p[0].n) == 0 &&
		    rows[i].start == p[1].i)
			break;
	if (i == nrows) {
		assert_true(nrows < 16);
		memcpy(rows[i].key, p[0].p, p[0].n);
		rows[i].key[p[0].n] = '\0';
		rows[i].start = p[1].i;
		rows[i].hits = 0;
		nrows++;
	}
	memset(res, 0, sizeof(*res));
	/* LAST_INSERT_ID(expr) is 0 for the inserted first row. */
	res->insert_id = ++rows[i].hits == 1 ? 0 : (uint64_t)rows[i].hits;
	return 0;
}

static struct config cfg;
static struct arena  a;

static int
setup(void **state)
{
	(void)state;
	config_defaults(&cfg);
	cfg.rate_limit = 3;
	cfg.rate_window = 60;
	arena_init(&a);
	memset(rows, 0, sizeof(rows));
	nrows = db_calls = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_release(&a);
	return 0;
}

/* One request's hit at time now (ms). */
static enum rerr
at(struct ratelimit *rl, int64_t now, const char *key, struct rl_state *st)
{
	struct op op;

	op_init(&op, NULL, &a, &cfg, NULL, "test");
	op.now = now;
	return ratelimit_hit(rl, &op, key, st);
}

/* A window starts at a multiple of rate_window seconds since the epoch. */
#define T0 (1700000040000LL) /* 28333334 * 60 s */

/* rate_store's default is local, and local counts without the database. */
static void
test_local_default_counts_without_database(void **state)
{
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_SLOTS);
	struct ratelimit     *rl;
	struct rl_state       st;
	int                   i;

	(void)state;
	assert_string_equal(cfg.rate_store, "local");
	rl = ratelimit_new(&cfg, t);
	for (i = 0; i < 3; i++) {
		assert_int_equal(at(rl, T0 + 1000, "c:one", &st), RERR_OK);
		assert_true(st.counted);
		assert_int_equal(st.limit, 3);
		assert_int_equal(st.remaining, 2 - i);
		assert_int_equal(st.reset, 59);
	}
	/* Past the budget, 429 with Retry-After = the reset. */
	assert_int_equal(at(rl, T0 + 59500, "c:one", &st), RERR_RATE_LIMITED);
	assert_true(st.counted);
	assert_int_equal(st.remaining, 0);
	assert_int_equal(st.reset, 1);
	/* Another credential has its own budget. */
	assert_int_equal(at(rl, T0 + 2000, "c:two", &st), RERR_OK);
	assert_int_equal(st.remaining, 2);
	/* The next window starts afresh. */
	assert_int_equal(at(rl, T0 + 60000, "c:one", &st), RERR_OK);
	assert_int_equal(st.remaining, 2);
	assert_int_equal(st.reset, 60);
	assert_int_equal(db_calls, 0);
	ratelimit_free(rl);
	ratelimit_shm_free(t);
}

/*
 * A full table: the hit is counted in the database, with the same
 * semantics; keys that hold a slot keep counting in it.
 */
static void
test_local_full_table_counts_in_database(void **state)
{
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_PROBE);
	struct ratelimit     *rl;
	struct rl_state       st;
	char                  key[16];
	int                   i;

	(void)state;
	rl = ratelimit_new(&cfg, t);
	for (i = 0; i < RATETAB_PROBE; i++) {
		snprintf(key, sizeof(key), "c:%d", i);
		assert_int_equal(at(rl, T0, key, &st), RERR_OK);
	}
	assert_int_equal(db_calls, 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(at(rl, T0, "c:late", &st), RERR_OK);
		assert_true(st.counted);
		assert_int_equal(st.remaining, 2 - i);
	}
	assert_int_equal(at(rl, T0, "c:late", &st), RERR_RATE_LIMITED);
	assert_int_equal(db_calls, 4);
	assert_int_equal(nrows, 1);
	assert_string_equal(rows[0].key, "c:late");
	assert_int_equal(rows[0].start, T0);
	assert_int_equal(rows[0].hits, 4);
	assert_int_equal(at(rl, T0, "c:0", &st), RERR_OK);
	assert_int_equal(st.remaining, 1);
	assert_int_equal(db_calls, 4);
	ratelimit_free(rl);
	ratelimit_shm_free(t);
}

/* Without a master (mod_fcgid) local counts in the database. */
static void
test_local_without_master_counts_in_database(void **state)
{
	struct ratelimit *rl;
	struct rl_state   st;

	(void)state;
	rl = ratelimit_new(&cfg, NULL);
	assert_int_equal(at(rl, T0 + 5, "a:192.0.2.1", &st), RERR_OK);
	assert_true(st.counted);
	assert_int_equal(st.remaining, 2);
	assert_int_equal(db_calls, 1);
	assert_int_equal(rows[0].start, T0);
	ratelimit_free(rl);
}

/* rate_store = database uses the database even with a table at hand. */
static void
test_database_store_ignores_the_table(void **state)
{
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_SLOTS);
	struct ratelimit     *rl;
	struct rl_state       st;
	int                   i;

	(void)state;
	snprintf(cfg.rate_store, sizeof(cfg.rate_store), "database");
	rl = ratelimit_new(&cfg, t);
	for (i = 0; i < 4; i++)
		(void)at(rl, T0, "c:db", &st);
	assert_int_equal(db_calls, 4);
	assert_int_equal(rows[0].hits, 4);
	assert_int_equal(st.remaining, 0);
	ratelimit_free(rl);
	ratelimit_shm_free(t);
}

/* rate_limit = 0: no store, nothing counted, no headers. */
static void
test_limit_zero_is_off(void **state)
{
	struct rl_state st;

	(void)state;
	cfg.rate_limit = 0;
	assert_null(ratelimit_new(&cfg, NULL));
	assert_int_equal(at(NULL, T0, "c:x", &st), RERR_OK);
	assert_false(st.counted);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_local_default_counts_without_database, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_local_full_table_counts_in_database, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_local_without_master_counts_in_database, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_database_store_ignores_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_zero_is_off, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
