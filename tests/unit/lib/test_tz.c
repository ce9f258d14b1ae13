/*
 * tz_valid (app/lib/tz.c): a website's timezone is an IANA name that the
 * system's time zone database holds; a name out of shape never reaches the
 * file system, so none leaves the database's folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "roster/tz.h"

/* Debian's tzdata (deploy/local/deps.sh installs it). */
static void
test_zones_of_the_database(void **state)
{
	static const char *const good[] = {
		"UTC",
		"Europe/Paris",
		"America/New_York",
		"America/Argentina/Buenos_Aires",
		"Etc/GMT+5",
		"Etc/GMT-14",
		"Asia/Kolkata",
		"America/Port-au-Prince",
		"EST5EDT",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!tz_valid(good[i]))
			fail_msg("refused the zone %s", good[i]);
}

static void
test_not_zones(void **state)
{
	static const char *const bad[] = {
		"",
		"Mars/Olympus",
		"europe/paris",
		"Europe/Paris/",
		"/UTC",
		"Europe//Paris",
		"../../etc/passwd",
		"Europe/../UTC",
		"posix/Europe/Paris",
		"right/UTC",
		"localtime",
		"posixrules",
		"zone.tab",
		"tzdata.zi",
		"Europe",
		"UTC ",
		" UTC",
		"Etc/GMT+99",
		"Europe/Paris\n",
		"Europe\\Paris",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	size_t i;

	(void)state;
	assert_false(tz_valid(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_valid(bad[i]))
			fail_msg("accepted \"%s\" as a zone", bad[i]);
}

/*
 * $TZDIR is the database: a folder with a TZif file and a file that is
 * not one; UTC holds without any database.
 */
static void
test_tzdir(void **state)
{
	char  dir[] = "/tmp/roster-tz-XXXXXX", path[128];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Test", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/Test/Zone", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("TZif2 and the rest", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/Test/Text", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("not a zone", f);
	fclose(f);
	setenv("TZDIR", dir, 1);
	assert_true(tz_valid("Test/Zone"));
	assert_false(tz_valid("Test/Text"));
	assert_false(tz_valid("Test")); /* a folder */
	assert_false(tz_valid("Europe/Paris"));
	assert_true(tz_valid("UTC"));
	unsetenv("TZDIR");
	assert_true(tz_valid("Europe/Paris"));
	snprintf(path, sizeof(path), "%s/Test/Zone", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Test/Text", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Test", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones_of_the_database),
		cmocka_unit_test(test_not_zones),
		cmocka_unit_test(test_tzdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
