/*
 * The outcome table (app/core/err.c): one status per outcome per dialect,
 * chosen in one place.  A Team API error answers with the HTTP status that
 * matches it; the statuses of the invitation rules and of the rules both
 * dialects share are checked by name below.
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

/* Every outcome has a Team status, a CMA status, a code and a message. */
static void
test_every_value_has_a_row(void **state)
{
	int	e;

	(void)state;
	for (e = 0; e < RERR__MAX; e++) {
		assert_true(is_status(rerr_team_status((enum rerr)e)));
		assert_true(is_status(rerr_cma_status((enum rerr)e)));
		assert_non_null(rerr_cma_code((enum rerr)e));
		assert_true(strlen(rerr_cma_code((enum rerr)e)) > 0);
		assert_non_null(rerr_message((enum rerr)e));
		assert_true(strlen(rerr_message((enum rerr)e)) > 0);
		/* Only OK is a success, in both dialects. */
		if (e != RERR_OK) {
			assert_true(rerr_team_status((enum rerr)e) >= 400);
			assert_true(rerr_cma_status((enum rerr)e) >= 400);
		}
		/* A status the Status line can name. */
		assert_non_null(http_reason(rerr_team_status((enum rerr)e)));
	}
	assert_int_equal(rerr_team_status(RERR_OK), 200);
}

/* Out-of-range values are answered as an internal error, never UB. */
static void
test_out_of_range_is_internal(void **state)
{
	(void)state;
	assert_int_equal(rerr_team_status(RERR__MAX), 500);
	assert_int_equal(rerr_team_status((enum rerr)-1), 500);
	assert_string_equal(rerr_cma_code(RERR__MAX),
	    "INTERNAL_SERVER_ERROR");
}

/* Inviting an email that has a pending invitation is 409. */
static void
test_pending_is_409(void **state)
{
	(void)state;
	assert_int_equal(rerr_team_status(RERR_PENDING), 409);
	assert_int_equal(rerr_team_status(RERR_ALREADY_MEMBER), 409);
	/* DatoCMS: INVALID_FIELD 422. */
	assert_int_equal(rerr_cma_status(RERR_PENDING), 422);
	assert_string_equal(rerr_cma_code(RERR_PENDING), "INVALID_FIELD");
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
	assert_int_equal(rerr_cma_status(RERR_UNAVAILABLE), 503);
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
	/*
	 * The DatoCMS dialect's codes: INVALID_AUTHORIZATION_HEADER 401,
	 * NOT_FOUND 404, INVALID_FIELD 422, TOO_MANY_REQUESTS 429.
	 */
	assert_string_equal(rerr_cma_code(RERR_UNAUTHENTICATED),
	    "INVALID_AUTHORIZATION_HEADER");
	assert_string_equal(rerr_cma_code(RERR_NOT_FOUND), "NOT_FOUND");
	assert_string_equal(rerr_cma_code(RERR_INVALID), "INVALID_FIELD");
	assert_int_equal(rerr_cma_status(RERR_INVALID), 422);
	assert_string_equal(rerr_cma_code(RERR_RATE_LIMITED),
	    "TOO_MANY_REQUESTS");
}

static void
test_http_reason(void **state)
{
	(void)state;
	assert_string_equal(http_reason(200), "OK");
	assert_string_equal(http_reason(201), "Created");
	assert_string_equal(http_reason(400), "Bad Request");
	assert_string_equal(http_reason(401), "Unauthorized");
	assert_string_equal(http_reason(403), "Forbidden");
	assert_string_equal(http_reason(404), "Not Found");
	assert_string_equal(http_reason(405), "Method Not Allowed");
	assert_string_equal(http_reason(409), "Conflict");
	assert_string_equal(http_reason(410), "Gone");
	assert_string_equal(http_reason(413), "Payload Too Large");
	assert_string_equal(http_reason(415), "Unsupported Media Type");
	assert_string_equal(http_reason(422), "Unprocessable Entity");
	assert_string_equal(http_reason(429), "Too Many Requests");
	assert_string_equal(http_reason(503), "Service Unavailable");
	assert_string_equal(http_reason(500), "Internal Server Error");
	assert_string_equal(http_reason(502), "Internal Server Error");
	assert_string_equal(http_reason(418), "Error");
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
		cmocka_unit_test(test_http_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
