/*
 * email_normalize (app/lib/email_address.c): an invited email is trimmed and
 * lowercased before it is stored or compared, and an address that is not
 * valid or is over 254 characters is a 400.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roster/email_address.h"

static int
norm(const char *s, char *out)
{
	return email_normalize(s, strlen(s), out);
}

static void
refused(const char *s)
{
	char out[EMAIL_MAX + 1];

	if (norm(s, out) != -1)
		fail_msg("accepted an invalid address: \"%s\"", s);
}

/* The email is trimmed and lowercased. */
static void
test_trims_and_lowercases(void **state)
{
	char a[EMAIL_MAX + 1], b[EMAIL_MAX + 1];

	(void)state;
	assert_int_equal(norm("Bob@Example.COM ", a), 0);
	assert_int_equal(norm("bob@example.com", b), 0);
	assert_string_equal(a, b);
	assert_string_equal(a, "bob@example.com");
	assert_int_equal(norm(" \t\r\n Alice.Smith+tag@Mail.Example.ORG\t ", a),
	    0);
	assert_string_equal(a, "alice.smith+tag@mail.example.org");
}

/* Only in[0..len) is read: the length is the caller's, not strlen's. */
static void
test_len_bounds_the_input(void **state)
{
	const char *s = "a@b.cdXXXX";
	char        out[EMAIL_MAX + 1];

	(void)state;
	assert_int_equal(email_normalize(s, 6, out), 0);
	assert_string_equal(out, "a@b.cd");
}

static void
test_plain_addresses_valid(void **state)
{
	char out[EMAIL_MAX + 1];

	(void)state;
	assert_int_equal(norm("a@b.c", out), 0);
	assert_int_equal(norm("first.last@sub-domain.example.co.uk", out), 0);
	assert_int_equal(norm("x!#$%&'*+-/=?^_`{|}~@example.com", out), 0);
	assert_int_equal(norm("123@4.5", out), 0);
}

/* An email that is not a valid address is a 400. */
static void
test_invalid_shapes_refused(void **state)
{
	/* Packed by hand; clang-format would put one item per line. */
	/* clang-format off */
	static const char *const bad[] = {
		"", "   ", "nope", "a@", "@b.c", "a b@c.d", "a@b", "a@@b.c",
		"a@b@c.d", "a..b@c.d", ".a@b.c", "a.@b.c", "a@-b.c", "a@b-.c",
		"a@b.c-", "a@b..c", "a@.b.c", "a@b.c.", "a@b_c.d",
		"\"a\"@b.c", "a<b>@c.d", "a(b)@c.d", "a,b@c.d", "a@b.c d",
	};
	/* clang-format on */
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i]);
}

static void
fill(char *p, char c, size_t n)
{
	memset(p, c, n);
}

/* A domain label is at most 63 characters. */
static void
test_label_over_63_refused(void **state)
{
	char   in[128], out[EMAIL_MAX + 1];
	size_t n = 0;

	(void)state;
	in[n++] = 'a';
	in[n++] = '@';
	fill(in + n, 'b', 63);
	n += 63;
	memcpy(in + n, ".com", 4);
	n += 4;
	assert_int_equal(email_normalize(in, n, out), 0);
	/* One more character in the label. */
	n = 2;
	fill(in + n, 'b', 64);
	n += 64;
	memcpy(in + n, ".com", 4);
	n += 4;
	assert_int_equal(email_normalize(in, n, out), -1);
}

/* The local part is at most 64 characters. */
static void
test_local_over_64_refused(void **state)
{
	char in[128], out[EMAIL_MAX + 1];

	(void)state;
	fill(in, 'l', 64);
	memcpy(in + 64, "@b.cd", 5);
	assert_int_equal(email_normalize(in, 69, out), 0);
	fill(in, 'l', 65);
	memcpy(in + 65, "@b.cd", 5);
	assert_int_equal(email_normalize(in, 70, out), -1);
}

/* 64 + '@' + 63 '.' 63 '.' 61 = 254 characters. */
static size_t
make_254(char *in)
{
	size_t n = 0;

	fill(in, 'l', 64);
	n = 64;
	in[n++] = '@';
	fill(in + n, 'a', 63);
	n += 63;
	in[n++] = '.';
	fill(in + n, 'b', 63);
	n += 63;
	in[n++] = '.';
	fill(in + n, 'c', 61);
	n += 61;
	return n;
}

/* An email over 254 characters is a 400; 254 is fine. */
static void
test_exactly_254_valid(void **state)
{
	char   in[300], out[EMAIL_MAX + 1];
	size_t n = make_254(in);

	(void)state;
	assert_int_equal(n, 254);
	assert_int_equal(email_normalize(in, n, out), 0);
	assert_int_equal(strlen(out), 254);
	assert_memory_equal(out, in, 254);
	/* Blanks around it do not count. */
	memmove(in + 2, in, n);
	in[0] = ' ';
	in[1] = '\t';
	in[n + 2] = ' ';
	assert_int_equal(email_normalize(in, n + 3, out), 0);
	assert_int_equal(strlen(out), 254);
}

static void
test_over_254_refused(void **state)
{
	char   in[300], out[EMAIL_MAX + 1];
	size_t n = make_254(in);

	(void)state;
	in[n++] = 'c'; /* last label 62, still a valid shape */
	assert_int_equal(n, 255);
	assert_int_equal(email_normalize(in, n, out), -1);
}

/* No SMTPUTF8 guarantee: non-ASCII is refused, in either part. */
static void
test_non_ascii_refused(void **state)
{
	(void)state;
	refused("j\xc3\xa9r\xc3\xb4me@example.com");
	refused("user@\xc3\xa9xample.com");
	refused("user@example.\xe6\x97\xa5\xe6\x9c\xac");
	refused("\xff@b.cd");
}

/* An embedded NUL within len is refused, never truncated at. */
static void
test_embedded_nul_refused(void **state)
{
	char out[EMAIL_MAX + 1];

	(void)state;
	assert_int_equal(email_normalize("a\0b@c.de", 8, out), -1);
	assert_int_equal(email_normalize("ab@c.de\0", 8, out), -1);
	assert_int_equal(email_normalize("ab@c\0.de", 8, out), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trims_and_lowercases),
		cmocka_unit_test(test_len_bounds_the_input),
		cmocka_unit_test(test_plain_addresses_valid),
		cmocka_unit_test(test_invalid_shapes_refused),
		cmocka_unit_test(test_label_over_63_refused),
		cmocka_unit_test(test_local_over_64_refused),
		cmocka_unit_test(test_exactly_254_valid),
		cmocka_unit_test(test_over_254_refused),
		cmocka_unit_test(test_non_ascii_refused),
		cmocka_unit_test(test_embedded_nul_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
