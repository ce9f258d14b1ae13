/*
 * man_text and man_words (app/lib/manpage.c): the generated manual pages
 * are roff; a command's or a key's text must never become a roff request
 * (a line starting with a dot) or an escape, and options keep real minus
 * signs so that they can be searched for and copied.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "roster/manpage.h"

/* What fn writes for text, as a string (static buffer). */
static const char *
render(void (*fn)(FILE *, const char *), const char *text)
{
	static char buf[512];
	FILE       *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	fn(f, text);
	fclose(f);
	return buf;
}

static void
test_plain_text(void **state)
{
	(void)state;
	assert_string_equal(render(man_text, "Prints the version"),
	    "Prints the version\n");
}

static void
test_requests_escaped(void **state)
{
	(void)state;
	/* A leading dot or quote, here or after a newline. */
	assert_string_equal(render(man_text, ".so /etc/passwd"),
	    "\\&.so /etc/passwd\n");
	assert_string_equal(render(man_text, "a\n'b"), "a\n\\&'b\n");
	/* Not in the middle of a line. */
	assert_string_equal(render(man_text, "a.b"), "a.b\n");
}

static void
test_backslash_and_minus(void **state)
{
	(void)state;
	assert_string_equal(render(man_text, "C:\\fB x"), "C:\\efB x\n");
	assert_string_equal(render(man_words, "--config FILE"),
	    "\\-\\-config FILE");
}

static void
test_code_spans_bold(void **state)
{
	(void)state;
	assert_string_equal(render(man_text, "set `listen` here"),
	    "set \\fBlisten\\fR here\n");
	/* An unclosed span still ends in the regular font. */
	assert_string_equal(render(man_text, "`x"), "\\fBx\\fR\n");
	/* man_words leaves backquotes alone. */
	assert_string_equal(render(man_words, "`x`"), "`x`");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_requests_escaped),
		cmocka_unit_test(test_backslash_and_minus),
		cmocka_unit_test(test_code_spans_bold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
