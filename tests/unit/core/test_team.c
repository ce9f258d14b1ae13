/*
 * The team list's cursor (app/core/team.c): a large team is listed in pages,
 * the next one asked for with ?cursor= (opaque to the client).  A cursor that
 * does not decode is a 400, never a database query with garbage; a cursor
 * names the website whose list it pages (team_list() refuses it on another),
 * and one of the format from before it did ("v1") no longer decodes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "roster/arena.h"
#include "roster/team.h"

#define UID  "665f0b3c4d2e1a0012345678"
#define SITE "6b0000aa0000000000000001"
#define V2   "v2:" SITE ":"

static struct arena a;

static int
setup(void **state)
{
	(void)state;
	arena_init(&a);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_release(&a);
	return 0;
}

/* The opaque form of any plain text, as a forger would make it. */
static const char *
enc(const char *plain)
{
	size_t n = strlen(plain);
	size_t sz = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char  *out = arena_alloc(&a, sz);

	sodium_bin2base64(out, sz, (const unsigned char *)plain, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static void
round_trip(const char *site, int rank, int64_t joined, const char *uid)
{
	struct team_cursor in, out;
	const char        *s;
	size_t             i;

	memset(&in, 0, sizeof(in));
	snprintf(in.site, sizeof(in.site), "%s", site);
	in.rank = rank;
	in.joined = joined;
	snprintf(in.user_id, sizeof(in.user_id), "%s", uid);
	s = team_cursor_encode(&a, &in);
	assert_non_null(s);
	/* Opaque and safe in a query string without encoding. */
	for (i = 0; s[i] != '\0'; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789-_",
		    s[i]));
	memset(&out, 0xa5, sizeof(out));
	assert_true(strlen(s) <= 128); /* decode's own limit */
	assert_int_equal(team_cursor_decode(s, &out), 0);
	assert_string_equal(out.site, site);
	assert_int_equal(out.rank, rank);
	assert_int_equal(out.joined, joined);
	assert_string_equal(out.user_id, uid);
}

/* ?cursor= continues where a page ended. */
static void
test_cursor_round_trip(void **state)
{
	(void)state;
	round_trip(SITE, 0, 1747785600000LL, UID);
	round_trip(UID, 1, 0, "000000000000000000000000");
	round_trip("ffffffffffffffffffffffff", 1, INT64_MAX,
	    "ffffffffffffffffffffffff");
}

static void
test_cursor_plain_form_accepted(void **state)
{
	struct team_cursor c;

	(void)state;
	assert_int_equal(team_cursor_decode(enc(V2 "1:42:" UID), &c), 0);
	assert_string_equal(c.site, SITE);
	assert_int_equal(c.rank, 1);
	assert_int_equal(c.joined, 42);
	assert_string_equal(c.user_id, UID);
}

static void
refused(const char *s)
{
	struct team_cursor c;

	if (team_cursor_decode(s, &c) != -1)
		fail_msg("accepted cursor \"%s\"", s);
}

/* A cursor that does not decode is a 400 (decode → -1). */
static void
test_cursor_garbage_refused(void **state)
{
	char longs[200];

	(void)state;
	refused(NULL);
	refused("");
	refused("!!!!");
	refused("not a cursor");
	/* Padded, and the standard alphabet's '+': not this encoding. */
	refused("djE6MTo0Mjo2NjVmMGIzYzRkMmUxYTAwMTIzNDU2Nzg=");
	refused("djE6MTo0Mjo2NjVmMGIzYzRkMmUxYTAwMTIzNDU2Nzg+");
	memset(longs, 'A', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	refused(longs); /* too long */
	longs[129] = '\0';
	refused(longs);
	refused(enc(""));
	refused(enc("v2"));
	refused(enc("v2:"));
	refused(enc(V2));
}

/* The format before cursors named their website: stale, like any other. */
static void
test_cursor_wrong_version_refused(void **state)
{
	(void)state;
	refused(enc("v1:1:42:" UID));
	refused("djE6MToxNzE3MDAwMDAwMTIzOjY2NWYwYjNjNGQyZTFhMDAwMDAwMDBiMg");
	refused(enc("v3:" SITE ":1:42:" UID));
	refused(enc("V2:" SITE ":1:42:" UID));
	refused(enc(SITE ":1:42:" UID));
}

static void
test_cursor_bad_site_refused(void **state)
{
	(void)state;
	refused(enc("v2::1:42:" UID));
	refused(enc("v2:6B0000AA0000000000000001:1:42:" UID));
	refused(enc("v2:6b0000aa000000000000000:1:42:" UID));
	refused(enc("v2:6b0000aa00000000000000011:1:42:" UID));
	refused(enc("v2:6b0000aa000000000000000g:1:42:" UID));
	refused(enc("v2:" SITE "1:42:" UID));
}

static void
test_cursor_bad_rank_refused(void **state)
{
	(void)state;
	refused(enc(V2 "2:42:" UID));
	refused(enc(V2 "-1:42:" UID));
	refused(enc(V2 "01:42:" UID));
	refused(enc(V2 ":42:" UID));
	refused(enc(V2 "x:42:" UID));
}

static void
test_cursor_bad_joined_refused(void **state)
{
	(void)state;
	refused(enc(V2 "1:-5:" UID));
	refused(enc(V2 "1::" UID));
	refused(enc(V2 "1: 5:" UID));
	refused(enc(V2 "1:+5:" UID));
	refused(enc(V2 "1:5x:" UID));
	refused(enc(V2 "1:5"));
}

static void
test_cursor_bad_user_id_refused(void **state)
{
	(void)state;
	refused(enc(V2 "1:42:"));
	refused(enc(V2 "1:42:665F0B3C4D2E1A0012345678"));
	refused(enc(V2 "1:42:665f0b3c4d2e1a001234567"));
	refused(enc(V2 "1:42:665f0b3c4d2e1a00123456789"));
	refused(enc(V2 "1:42:665f0b3c4d2e1a001234567g"));
	refused(enc(V2 "1:42:" UID ":"));
}

/* An embedded NUL in the decoded text is refused, not truncated at. */
static void
test_cursor_embedded_nul_refused(void **state)
{
	static const char plain[] = V2 "1:42:" UID "\0junk";
	size_t            n = sizeof(plain) - 1;
	size_t            sz = sodium_base64_ENCODED_LEN(n,
		       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char             *out = arena_alloc(&a, sz);

	(void)state;
	sodium_bin2base64(out, sz, (const unsigned char *)plain, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	refused(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_round_trip),
		cmocka_unit_test(test_cursor_plain_form_accepted),
		cmocka_unit_test(test_cursor_garbage_refused),
		cmocka_unit_test(test_cursor_wrong_version_refused),
		cmocka_unit_test(test_cursor_bad_site_refused),
		cmocka_unit_test(test_cursor_bad_rank_refused),
		cmocka_unit_test(test_cursor_bad_joined_refused),
		cmocka_unit_test(test_cursor_bad_user_id_refused),
		cmocka_unit_test(test_cursor_embedded_nul_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
