/*
 * The outcome table (app/core/err.c): one Team API status and one default
 * message per outcome, chosen in one place (the DatoCMS dialect's columns
 * are its adapter's, tested in test_api_cma.c; the reason phrases are the
 * HTTP layer's, tested in test_http.c).  API.md "The Team API": "Error:
 * the matching HTTP status"; "Invite team member" and "Across both
 * dialects" give the statuses checked by name below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roster/err.h"

static int
is_status(int s)
{
	return s >= 100 && s <= 599;
}

/* Every outcome has a Team status and a message. */
static void
test_every_value_has_a_row(void **state)
{
	int e;

	(void)state;
	for (e = 0; e < RERR__MAX; e++) {
		assert_true(is_status(rerr_team_status((enum rerr)e)));
		assert_non_null(rerr_message((enum rerr)e));
		assert_true(strlen(rerr_message((enum rerr)e)) > 0);
		/* Only the successes (OK, CREATED) are not errors. */
		assert_int_equal(rerr_success((enum rerr)e),
		    e == RERR_OK || e == RERR_CREATED);
		if (!rerr_success((enum rerr)e))
			assert_true(rerr_team_status((enum rerr)e) >= 400);
	}
	assert_int_equal(rerr_team_status(RERR_OK), 200);
	/* DataFast answers a creation 200 like any other success. */
	assert_int_equal(rerr_team_status(RERR_CREATED), 200);
}

/* Out-of-range values are answered as an internal error, never UB. */
static void
test_out_of_range_is_internal(void **state)
{
	(void)state;
	assert_int_equal(rerr_team_status(RERR__MAX), 500);
	/* clang-format 14 reads (enum rerr)-1 as a subtraction. */
	/* clang-format off */
	assert_int_equal(rerr_team_status((enum rerr)-1), 500);
	/* clang-format on */
}

/* Inviting an email that has a pending invitation is 409. */
static void
test_pending_is_409(void **state)
{
	(void)state;
	assert_int_equal(rerr_team_status(RERR_PENDING), 409);
	assert_int_equal(rerr_team_status(RERR_ALREADY_MEMBER), 409);
}

/* Inviting past the website's seat limit is 403. */
static void
test_seat_limit_is_403(void **state)
{
	(void)state;
	assert_int_equal(rerr_team_status(RERR_SEAT_LIMIT), 403);
}

/* Health without the database is 503. */
static void
test_unavailable_is_503(void **state)
{
	(void)state;
	assert_int_equal(rerr_team_status(RERR_UNAVAILABLE), 503);
}

/* A body that is not JSON may be 415. */
static void
test_media_type_is_415(void **state)
{
	(void)state;
	assert_int_equal(rerr_team_status(RERR_MEDIA_TYPE), 415);
}

/* The credential and bad-input statuses: 401, 403, 404, 405, 413, 400. */
static void
test_other_statuses(void **state)
{
	(void)state;
	assert_int_equal(rerr_team_status(RERR_INVALID), 400);
	assert_int_equal(rerr_team_status(RERR_BAD_JSON), 400);
	assert_int_equal(rerr_team_status(RERR_UNAUTHENTICATED), 401);
	assert_int_equal(rerr_team_status(RERR_FORBIDDEN), 403);
	assert_int_equal(rerr_team_status(RERR_NOT_FOUND), 404);
	assert_int_equal(rerr_team_status(RERR_METHOD), 405);
	assert_int_equal(rerr_team_status(RERR_TOO_LARGE), 413);
	assert_int_equal(rerr_team_status(RERR_RATE_LIMITED), 429);
	assert_int_equal(rerr_team_status(RERR_INTERNAL), 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_value_has_a_row),
		cmocka_unit_test(test_out_of_range_is_internal),
		cmocka_unit_test(test_pending_is_409),
		cmocka_unit_test(test_seat_limit_is_403),
		cmocka_unit_test(test_unavailable_is_503),
		cmocka_unit_test(test_media_type_is_415),
		cmocka_unit_test(test_other_statuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
