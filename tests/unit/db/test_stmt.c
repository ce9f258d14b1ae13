/*
 * stmt (app/db/stmt.c): the statement table's column counts, read off the
 * SQL text without a database.  Each statement that returns rows records
 * the __MAX of its column enum (include/roster/stmt.h); the server's field
 * count is checked against it when the statement is prepared, and here the
 * select list is counted, so that a column added to a SELECT without its
 * name fails in the unit tests already.  Statements that share a column
 * enum share their select list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "roster/stmt.h"

/*
 * The select list of q, up to its own FROM (not a subquery's), into out;
 * 0 when q is no SELECT.
 */
static int
select_list(const char *q, char *out, size_t cap)
{
	const char *p;
	int         depth = 0, quote = 0;
	size_t      n;

	if (strncmp(q, "SELECT ", 7) != 0)
		return 0;
	for (p = q + 7; *p != '\0'; p++) {
		if (quote) {
			quote = *p != '\'';
			continue;
		}
		if (*p == '\'')
			quote = 1;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (depth == 0 && strncmp(p, " FROM ", 6) == 0)
			break;
	}
	n = (size_t)(p - (q + 7));
	assert_true(n < cap);
	memcpy(out, q + 7, n);
	out[n] = '\0';
	return 1;
}

/* Top-level commas of a select list, plus one. */
static unsigned
count_columns(const char *list)
{
	unsigned n = 1;
	int      depth = 0, quote = 0;

	for (; *list != '\0'; list++) {
		if (quote)
			quote = *list != '\'';
		else if (*list == '\'')
			quote = 1;
		else if (*list == '(')
			depth++;
		else if (*list == ')')
			depth--;
		else if (*list == ',' && depth == 0)
			n++;
	}
	return n;
}

/* Every statement's recorded count is its select list's length. */
static void
test_columns_match_select_lists(void **state)
{
	char     list[2048];
	unsigned want;
	int      i;

	(void)state;
	for (i = 0; i < STMT__MAX; i++) {
		assert_non_null(stmt_sql((enum stmt)i));
		want = select_list(stmt_sql((enum stmt)i), list, sizeof(list)) ?
		    count_columns(list) :
		    0;
		if (stmt_columns((enum stmt)i) != want)
			fail_msg("statement %d: %u columns recorded, %u in "
				 "its SQL: %s",
			    i, stmt_columns((enum stmt)i), want,
			    stmt_sql((enum stmt)i));
	}
}

/* Spot checks against the enums themselves. */
static void
test_columns_named(void **state)
{
	(void)state;
	assert_int_equal(stmt_columns(STMT_AUTH), AUTH_C__MAX);
	assert_int_equal(AUTH_C__MAX, 16);
	assert_int_equal(stmt_columns(STMT_TEAM_AFTER), TEAM_C__MAX);
	assert_int_equal(stmt_columns(STMT_INVITE_GET), INVITE_C__MAX + 1);
	assert_int_equal(stmt_columns(STMT_WEBSITE_INSERT), 0);
	assert_int_equal(stmt_columns(STMT_RATE_HIT), 0);
	assert_int_equal(stmt_columns(STMT_MIGRATION_LOCK), 1);
	assert_int_equal(stmt_columns(STMT_SEATS_USED), 1);
	assert_int_equal(stmt_columns(STMT__MAX), 0);
}

static void
same_list(enum stmt a, enum stmt b)
{
	char la[2048], lb[2048];

	assert_true(select_list(stmt_sql(a), la, sizeof(la)));
	assert_true(select_list(stmt_sql(b), lb, sizeof(lb)));
	assert_string_equal(la, lb);
}

/* Statements that share a column enum return the same columns. */
static void
test_shared_select_lists(void **state)
{
	char ll[2048], lg[2048];

	(void)state;
	same_list(STMT_AUTH, STMT_AUTH_OWN);
	same_list(STMT_TEAM_FIRST, STMT_TEAM_AFTER);
	same_list(STMT_AUDIT_LIST, STMT_AUDIT_LIST_USER);
	/* INVITE_GET: INVITE_LIST's columns, then the status. */
	assert_true(select_list(stmt_sql(STMT_INVITE_LIST), ll, sizeof(ll)));
	assert_true(select_list(stmt_sql(STMT_INVITE_GET), lg, sizeof(lg)));
	assert_true(strncmp(ll, lg, strlen(ll)) == 0);
	assert_string_equal(lg + strlen(ll), ", i.status");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns_match_select_lists),
		cmocka_unit_test(test_columns_named),
		cmocka_unit_test(test_shared_select_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
