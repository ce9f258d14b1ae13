/*
 * ids (app/lib/ids.c): every id is 24 lowercase hex characters in the shape
 * of a MongoDB ObjectId: 4 bytes of Unix seconds, then 8 random bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "roster/ids.h"

static int
lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* 24 lowercase hex characters. */
static void
test_id_new_is_24_lowercase_hex(void **state)
{
	char id[ID_LEN + 1];
	int  i;

	(void)state;
	for (i = 0; i < 100; i++) {
		memset(id, 'X', sizeof(id));
		id_new(id);
		assert_int_equal(strlen(id), ID_LEN);
		assert_true(lower_hex(id, ID_LEN));
		assert_true(id_valid(id));
	}
}

/* The first 4 bytes are the Unix seconds. */
static void
test_id_new_starts_with_unix_seconds(void **state)
{
	char          id[ID_LEN + 1], head[9];
	time_t        before, after;
	unsigned long t;

	(void)state;
	before = time(NULL);
	id_new(id);
	after = time(NULL);
	memcpy(head, id, 8);
	head[8] = '\0';
	t = strtoul(head, NULL, 16);
	assert_in_range(t, (unsigned long)before, (unsigned long)after);
}

/* The 8 random bytes make two ids in one second differ. */
static void
test_id_new_two_calls_differ(void **state)
{
	char a[ID_LEN + 1], b[ID_LEN + 1];

	(void)state;
	id_new(a);
	id_new(b);
	assert_string_not_equal(a, b);
}

static void
test_id_valid_accepts(void **state)
{
	(void)state;
	assert_true(id_valid("665f0b3c4d2e1a0012345678"));
	assert_true(id_valid("000000000000000000000000"));
	assert_true(id_valid("abcdefabcdef0123456789ff"));
}

/* A path id that is not 24 hex characters names nothing (404). */
static void
test_id_valid_refuses(void **state)
{
	(void)state;
	assert_false(id_valid(NULL));
	assert_false(id_valid(""));
	assert_false(id_valid("665F0B3C4D2E1A0012345678")); /* upper */
	assert_false(id_valid("665f0b3c4d2e1a001234567A"));
	assert_false(id_valid("665f0b3c4d2e1a001234567"));   /* 23 */
	assert_false(id_valid("665f0b3c4d2e1a00123456789")); /* 25 */
	assert_false(id_valid("665f0b3c4d2e1a001234567g"));  /* non-hex */
	assert_false(id_valid("665f0b3c4d2e1a00 2345678"));
	assert_false(id_valid("665f0b3c-d2e1a0012345678"));
	assert_false(id_valid("../../../../../../../etc"));
}

static void
test_hex_encode(void **state)
{
	static const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
		0xff };
	char                       out[2 * sizeof(in) + 1];

	(void)state;
	memset(out, 'X', sizeof(out));
	hex_encode(out, in, sizeof(in));
	assert_string_equal(out, "00017f80abff");
	hex_encode(out, in, 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_new_is_24_lowercase_hex),
		cmocka_unit_test(test_id_new_starts_with_unix_seconds),
		cmocka_unit_test(test_id_new_two_calls_differ),
		cmocka_unit_test(test_id_valid_accepts),
		cmocka_unit_test(test_id_valid_refuses),
		cmocka_unit_test(test_hex_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
