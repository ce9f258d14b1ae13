/*
 * The pure parts of credentials (app/core/auth.c): the permissions a token
 * may hold (`team:read`, `team:write`, `websites:read`, `api-keys:read`,
 * `api-keys:write`, or `*` for all; writing implies reading), the three
 * roles of a website's team (owner, member, viewer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roster/auth.h"

/* The five permission names a token can be granted. */
static void
test_perm_parse_names(void **state)
{
	(void)state;
	assert_int_equal(perm_parse("team:read"), PERM_TEAM_READ);
	assert_int_equal(perm_parse("team:write"), PERM_TEAM_WRITE);
	assert_int_equal(perm_parse("websites:read"), PERM_WEBSITES_READ);
	assert_int_equal(perm_parse("api-keys:read"), PERM_KEYS_READ);
	assert_int_equal(perm_parse("api-keys:write"), PERM_KEYS_WRITE);
}

/* `*` grants every permission. */
static void
test_perm_parse_star_is_all(void **state)
{
	(void)state;
	assert_int_equal(perm_parse("*"), PERM_ALL);
	assert_int_equal(PERM_ALL, PERM_TEAM_READ | PERM_TEAM_WRITE |
	    PERM_WEBSITES_READ | PERM_KEYS_READ | PERM_KEYS_WRITE);
}

static void
test_perm_parse_unknown_is_zero(void **state)
{
	(void)state;
	assert_int_equal(perm_parse(NULL), 0);
	assert_int_equal(perm_parse(""), 0);
	assert_int_equal(perm_parse("team"), 0);
	assert_int_equal(perm_parse("Team:Read"), 0);
	assert_int_equal(perm_parse("team:read "), 0);
	assert_int_equal(perm_parse("team:*"), 0);
	assert_int_equal(perm_parse("**"), 0);
	assert_int_equal(perm_parse("api_keys:read"), 0);
	assert_int_equal(perm_parse("websites:write"), 0);
}

/* A token that may change the team may also read it. */
static void
test_perm_close_team_write_implies_read(void **state)
{
	(void)state;
	assert_int_equal(perm_close(PERM_TEAM_WRITE),
	    PERM_TEAM_WRITE | PERM_TEAM_READ);
	assert_int_equal(perm_close(PERM_TEAM_READ), PERM_TEAM_READ);
}

/* Writing implies reading what one writes: api-keys likewise. */
static void
test_perm_close_keys_write_implies_read(void **state)
{
	(void)state;
	assert_int_equal(perm_close(PERM_KEYS_WRITE),
	    PERM_KEYS_WRITE | PERM_KEYS_READ);
	assert_int_equal(perm_close(PERM_KEYS_READ), PERM_KEYS_READ);
}

static void
test_perm_close_no_other_implications(void **state)
{
	(void)state;
	assert_int_equal(perm_close(0), 0);
	assert_int_equal(perm_close(PERM_WEBSITES_READ), PERM_WEBSITES_READ);
	assert_int_equal(perm_close(PERM_TEAM_READ | PERM_KEYS_READ),
	    PERM_TEAM_READ | PERM_KEYS_READ);
	assert_int_equal(perm_close(PERM_ALL), PERM_ALL);
	/* Bits outside the table (a corrupt row) are dropped. */
	assert_int_equal(perm_close(~0u), PERM_ALL);
	assert_int_equal(perm_close(1u << 20), 0);
}

static void
test_perm_names(void **state)
{
	const char	*out[5];

	(void)state;
	assert_int_equal(perm_names(0, out), 0);
	assert_int_equal(perm_names(PERM_ALL, out), 5);
	assert_string_equal(out[0], "team:read");
	assert_string_equal(out[1], "team:write");
	assert_string_equal(out[2], "websites:read");
	assert_string_equal(out[3], "api-keys:read");
	assert_string_equal(out[4], "api-keys:write");
	assert_int_equal(perm_names(PERM_KEYS_WRITE | PERM_TEAM_READ, out), 2);
	assert_string_equal(out[0], "team:read");
	assert_string_equal(out[1], "api-keys:write");
}

/* Every name parses back to its bit. */
static void
test_perm_names_round_trip(void **state)
{
	const char	*out[5];
	unsigned	 p = 0;
	int		 n, i;

	(void)state;
	n = perm_names(PERM_ALL, out);
	for (i = 0; i < n; i++)
		p |= perm_parse(out[i]);
	assert_int_equal(p, PERM_ALL);
}

/* A website's team has three roles: owner, member, viewer. */
static void
test_role_parse(void **state)
{
	(void)state;
	assert_int_equal(role_parse("owner"), ROLE_OWNER);
	assert_int_equal(role_parse("member"), ROLE_MEMBER);
	assert_int_equal(role_parse("viewer"), ROLE_VIEWER);
	assert_int_equal(role_parse(NULL), ROLE_NONE);
	assert_int_equal(role_parse(""), ROLE_NONE);
	assert_int_equal(role_parse("none"), ROLE_NONE);
	assert_int_equal(role_parse("Owner"), ROLE_NONE);
	assert_int_equal(role_parse("admin"), ROLE_NONE);
	assert_int_equal(role_parse("viewer "), ROLE_NONE);
}

static void
test_role_name(void **state)
{
	int	r;

	(void)state;
	assert_string_equal(role_name(ROLE_OWNER), "owner");
	assert_string_equal(role_name(ROLE_MEMBER), "member");
	assert_string_equal(role_name(ROLE_VIEWER), "viewer");
	assert_string_equal(role_name(ROLE_NONE), "none");
	assert_string_equal(role_name(ROLE__MAX), "none");
	for (r = ROLE_OWNER; r < ROLE__MAX; r++)
		assert_int_equal(role_parse(role_name((enum role)r)), r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perm_parse_names),
		cmocka_unit_test(test_perm_parse_star_is_all),
		cmocka_unit_test(test_perm_parse_unknown_is_zero),
		cmocka_unit_test(test_perm_close_team_write_implies_read),
		cmocka_unit_test(test_perm_close_keys_write_implies_read),
		cmocka_unit_test(test_perm_close_no_other_implications),
		cmocka_unit_test(test_perm_names),
		cmocka_unit_test(test_perm_names_round_trip),
		cmocka_unit_test(test_role_parse),
		cmocka_unit_test(test_role_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
