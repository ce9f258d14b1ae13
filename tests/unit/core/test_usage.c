/*
 * usage (app/core/usage.c): lastUsedAt exact to about a minute with no
 * write per request: a credential's first use is due for a write, later
 * uses within USAGE_PERIOD_MS of the last write are not, and a write that
 * fails stays due.  cred_touch is replaced by a recorder (--wrap).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "roster/cred.h"
#include "roster/operation.h"
#include "roster/usage.h"

#define A "665f0b3c4d2e1a00000000a1"
#define B "665f0b3c4d2e1a00000000b2"

static struct {
	char    id[8][32];
	int64_t at[8];
	int     n;
	int     fail;
} writes;

enum rerr __wrap_cred_touch(struct op *, const char *, int64_t);

enum rerr
__wrap_cred_touch(struct op *op, const char *id, int64_t at)
{
	(void)op;
	if (writes.fail)
		return RERR_UNAVAILABLE;
	assert_true(writes.n < 8);
	snprintf(writes.id[writes.n], sizeof(writes.id[0]), "%s", id);
	writes.at[writes.n++] = at;
	return RERR_OK;
}

static struct op op;

static void
flush(int all)
{
	memset(&writes.id, 0, sizeof(writes.id));
	writes.n = 0;
	usage_flush(&op, all);
}

/* The first use is written; uses within a minute are not, nor re-written. */
static void
test_first_use_then_once_a_minute(void **state)
{
	int64_t t = 1700000000000;
	int     i;

	(void)state;
	usage_note(A, t);
	assert_true(usage_due());
	flush(0);
	assert_int_equal(writes.n, 1);
	assert_string_equal(writes.id[0], A);
	assert_true(writes.at[0] == t);
	for (i = 1; i < 60; i++)
		usage_note(A, t + i * 1000);
	assert_false(usage_due());
	flush(0);
	assert_int_equal(writes.n, 0);
	/* A minute after the write: due, with the latest use. */
	usage_note(A, t + USAGE_PERIOD_MS);
	assert_true(usage_due());
	flush(0);
	assert_int_equal(writes.n, 1);
	assert_true(writes.at[0] == t + USAGE_PERIOD_MS);
	/* On the way out, what was noted since is written. */
	usage_note(A, t + USAGE_PERIOD_MS + 5000);
	flush(0);
	assert_int_equal(writes.n, 0);
	flush(1);
	assert_int_equal(writes.n, 1);
	assert_true(writes.at[0] == t + USAGE_PERIOD_MS + 5000);
	flush(1);
	assert_int_equal(writes.n, 0);
}

/* A failed write stays due; a use noted out of order never goes back. */
static void
test_failure_and_order(void **state)
{
	int64_t t = 1800000000000;

	(void)state;
	usage_note(B, t);
	writes.fail = 1;
	flush(0);
	assert_true(usage_due());
	writes.fail = 0;
	usage_note(B, t - 5000);
	flush(0);
	assert_int_equal(writes.n, 1);
	assert_true(writes.at[0] == t);
	assert_false(usage_due());
}

/* Anything but a 24-character id is ignored. */
static void
test_bad_ids(void **state)
{
	(void)state;
	usage_note(NULL, 1);
	usage_note("", 1);
	usage_note("665f0b3c", 1);
	assert_false(usage_due());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_first_use_then_once_a_minute),
		cmocka_unit_test(test_failure_and_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
