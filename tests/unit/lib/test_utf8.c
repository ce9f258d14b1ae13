/*
 * utf8_valid (app/lib/utf8.c): free text that reaches the database is valid
 * UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF),
 * without C0 controls or DEL, and limited in code points, so bad input is
 * a 400: client input is never a 500.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roster/utf8.h"

static int
ok(const char *s, size_t max)
{
	return utf8_valid(s, strlen(s), max);
}

static void
test_ascii_valid(void **state)
{
	(void)state;
	assert_true(ok("Hello, world! ~{}", 100));
	assert_true(ok(" ", 1));
	assert_true(utf8_valid("", 0, 0));
	assert_true(utf8_valid("", 0, 10));
}

static void
test_multibyte_valid(void **state)
{
	(void)state;
	assert_true(ok("caf\xc3\xa9", 100));              /* é */
	assert_true(ok("\xe6\x97\xa5\xe6\x9c\xac", 100)); /* 日本 */
	assert_true(ok("\xf0\x9f\x98\x80", 100));         /* 😀 */
	assert_true(ok("\xc2\x80", 1));                   /* U+0080 */
	assert_true(ok("\xe0\xa0\x80", 1));               /* U+0800 */
	assert_true(ok("\xef\xbf\xbf", 1));               /* U+FFFF */
	assert_true(ok("\xf0\x90\x80\x80", 1));           /* U+10000 */
	assert_true(ok("\xf4\x8f\xbf\xbf", 1));           /* U+10FFFF */
	assert_true(ok("\xed\x9f\xbf", 1));               /* U+D7FF */
	assert_true(ok("\xee\x80\x80", 1));               /* U+E000 */
}

/* RFC 3629: overlong encodings are invalid. */
static void
test_overlong_refused(void **state)
{
	(void)state;
	assert_false(ok("\xc0\x80", 10));
	assert_false(ok("\xc1\xbf", 10));
	assert_false(ok("\xe0\x80\x80", 10));
	assert_false(ok("\xe0\x9f\xbf", 10));
	assert_false(ok("\xf0\x80\x80\x80", 10));
	assert_false(ok("\xf0\x8f\xbf\xbf", 10));
}

/* RFC 3629: UTF-16 surrogates are not characters. */
static void
test_surrogates_refused(void **state)
{
	(void)state;
	assert_false(ok("\xed\xa0\x80", 10));             /* U+D800 */
	assert_false(ok("\xed\xbf\xbf", 10));             /* U+DFFF */
	assert_false(ok("\xed\xa0\xbd\xed\xb8\x80", 10)); /* CESU pair */
}

/* RFC 3629: nothing above U+10FFFF. */
static void
test_above_10ffff_refused(void **state)
{
	(void)state;
	assert_false(ok("\xf4\x90\x80\x80", 10));
	assert_false(ok("\xf5\x80\x80\x80", 10));
	assert_false(ok("\xf8\x88\x80\x80\x80", 10));
	assert_false(ok("\xff", 10));
	assert_false(ok("\xfe", 10));
}

static void
test_bad_continuation_refused(void **state)
{
	(void)state;
	assert_false(ok("\x80", 10)); /* lone continuation */
	/* clang-format would split "a\xbf" "b" over two lines. */
	/* clang-format off */
	assert_false(ok("a\xbf" "b", 10));
	/* clang-format on */
	assert_false(ok("\xc3\x28", 10)); /* not a continuation */
	assert_false(ok("\xe6\x97\x28", 10));
	assert_false(ok("\xf0\x9f\x98\x28", 10));
	assert_false(ok("\xc3\xc3\xa9", 10));
}

/* A sequence cut by the end of the buffer is invalid, never read past. */
static void
test_truncated_at_end_refused(void **state)
{
	static const char emoji[] = "\xf0\x9f\x98\x80";
	static const char nihon[] = "\xe6\x97\xa5";
	static const char e_acute[] = "\xc3\xa9";

	(void)state;
	assert_false(utf8_valid(emoji, 1, 10));
	assert_false(utf8_valid(emoji, 2, 10));
	assert_false(utf8_valid(emoji, 3, 10));
	assert_true(utf8_valid(emoji, 4, 10));
	assert_false(utf8_valid(nihon, 1, 10));
	assert_false(utf8_valid(nihon, 2, 10));
	assert_true(utf8_valid(nihon, 3, 10));
	assert_false(utf8_valid(e_acute, 1, 10));
	assert_true(utf8_valid(e_acute, 2, 10));
	assert_false(ok("abc\xe6\x97", 10));
}

/* No C0 controls (tab and newline included) and no DEL. */
static void
test_controls_refused(void **state)
{
	char s[2] = { 0, 0 };
	int  c;

	(void)state;
	for (c = 0; c < 0x20; c++) {
		s[0] = (char)c;
		assert_false(utf8_valid(s, 1, 10));
	}
	/* clang-format would split "a\x7f" "b" over two lines. */
	/* clang-format off */
	assert_false(ok("a\x7f" "b", 10));
	/* clang-format on */
	assert_false(ok("line\nbreak", 100));
	assert_false(ok("tab\there", 100));
	assert_false(utf8_valid("a\0b", 3, 10)); /* NUL within len */
}

/* The limit counts code points, not bytes. */
static void
test_max_counts_code_points(void **state)
{
	(void)state;
	assert_true(ok("abc", 3));
	assert_false(ok("abc", 2));
	/* 3 characters, 9 bytes. */
	assert_true(ok("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 3));
	assert_false(ok("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 2));
	/* 2 characters, 8 bytes. */
	assert_true(ok("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 2));
	assert_false(ok("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 1));
	assert_true(ok("\xc3\xa9t\xc3\xa9", 3));
	assert_false(utf8_valid("a", 1, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_valid),
		cmocka_unit_test(test_multibyte_valid),
		cmocka_unit_test(test_overlong_refused),
		cmocka_unit_test(test_surrogates_refused),
		cmocka_unit_test(test_above_10ffff_refused),
		cmocka_unit_test(test_bad_continuation_refused),
		cmocka_unit_test(test_truncated_at_end_refused),
		cmocka_unit_test(test_controls_refused),
		cmocka_unit_test(test_max_counts_code_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
