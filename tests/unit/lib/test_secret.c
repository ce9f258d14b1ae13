/*
 * secret (app/lib/secret.c): dft_ account tokens and df_ website API keys,
 * stored only as the SHA-256 of the whole token and compared in constant
 * time, shown afterwards only masked (displayKey, e.g. dft_ab1...xyz9);
 * invitation tokens of at least 128 random bits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roster/secret.h"

static int
b64url(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
			s[i] == '_'))
			return 0;
	return 1;
}

/* The checks every kind shares; prefix "" for invitations. */
static void
check_new(enum secret_kind kind, const char *prefix)
{
	char          out[SECRET_MAX], disp[DISPLAY_MAX];
	unsigned char hash[SECRET_HASH_LEN], again[SECRET_HASH_LEN];
	size_t        plen = strlen(prefix), n;

	memset(disp, 'X', sizeof(disp));
	secret_new(kind, out, hash, kind == SECRET_INVITE ? NULL : disp);
	n = strlen(out);
	assert_int_equal(n, plen + SECRET_B64_LEN);
	assert_memory_equal(out, prefix, plen);
	assert_true(b64url(out + plen, SECRET_B64_LEN));
	/* The hash is the SHA-256 of the whole token. */
	secret_hash(out, n, again);
	assert_memory_equal(hash, again, SECRET_HASH_LEN);
	assert_true(secret_equal(hash, again));
	if (kind == SECRET_INVITE)
		return;
	/* displayKey "dft_ab1...xyz9": prefix + 3, "...", last 4. */
	assert_int_equal(strlen(disp), plen + 3 + 3 + 4);
	assert_memory_equal(disp, out, plen + 3);
	assert_memory_equal(disp + plen + 3, "...", 3);
	assert_string_equal(disp + plen + 6, out + n - 4);
}

/* Account tokens are dft_…. */
static void
test_new_token_shape(void **state)
{
	char          out[SECRET_MAX];
	unsigned char hash[SECRET_HASH_LEN];

	(void)state;
	check_new(SECRET_TOKEN, "dft_");
	secret_new(SECRET_TOKEN, out, hash, NULL);
	assert_int_equal(secret_classify(out), SECRET_TOKEN);
}

/* Website API keys are df_…. */
static void
test_new_key_shape(void **state)
{
	char          out[SECRET_MAX];
	unsigned char hash[SECRET_HASH_LEN];

	(void)state;
	check_new(SECRET_KEY, "df_");
	secret_new(SECRET_KEY, out, hash, NULL);
	assert_int_equal(secret_classify(out), SECRET_KEY);
}

/* An invitation's token has no prefix and 256 random bits. */
static void
test_new_invite_shape(void **state)
{
	char          out[SECRET_MAX];
	unsigned char hash[SECRET_HASH_LEN];

	(void)state;
	check_new(SECRET_INVITE, "");
	secret_new(SECRET_INVITE, out, hash, NULL);
	assert_true(secret_invite_valid(out));
	assert_int_equal(secret_classify(out), -1);
}

static void
test_new_secrets_differ(void **state)
{
	char          a[SECRET_MAX], b[SECRET_MAX];
	unsigned char ha[SECRET_HASH_LEN], hb[SECRET_HASH_LEN];

	(void)state;
	secret_new(SECRET_TOKEN, a, ha, NULL);
	secret_new(SECRET_TOKEN, b, hb, NULL);
	assert_string_not_equal(a, b);
	assert_false(secret_equal(ha, hb));
}

/* SHA-256 of a known text, so the stored hash is the standard one. */
static void
test_hash_is_sha256(void **state)
{
	/* clang-format off */
	static const unsigned char abc[SECRET_HASH_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	/* clang-format on */
	unsigned char h[SECRET_HASH_LEN];

	(void)state;
	secret_hash("abc", 3, h);
	assert_memory_equal(h, abc, SECRET_HASH_LEN);
}

#define B43 "abcdefghijABCDEFGHIJ0123456789-_abcdefghij" /* 42 */

/* A malformed credential is 401, before any lookup. */
static void
test_classify_valid(void **state)
{
	(void)state;
	assert_int_equal(strlen(B43 "k"), SECRET_B64_LEN);
	assert_int_equal(secret_classify("dft_" B43 "k"), SECRET_TOKEN);
	assert_int_equal(secret_classify("df_" B43 "k"), SECRET_KEY);
}

static void
test_classify_invalid(void **state)
{
	(void)state;
	assert_int_equal(secret_classify(NULL), -1);
	assert_int_equal(secret_classify(""), -1);
	assert_int_equal(secret_classify("dft_"), -1);
	assert_int_equal(secret_classify("df_"), -1);
	assert_int_equal(secret_classify("Bearer"), -1);
	assert_int_equal(secret_classify("Bearer dft_" B43 "k"), -1);
	assert_int_equal(secret_classify(B43 "k"), -1);         /* no prefix */
	assert_int_equal(secret_classify("dft_" B43), -1);      /* 42 */
	assert_int_equal(secret_classify("dft_" B43 "kk"), -1); /* 44 */
	assert_int_equal(secret_classify("df_" B43), -1);
	assert_int_equal(secret_classify("df_" B43 "kk"), -1);
	assert_int_equal(secret_classify("dft_" B43 "="), -1); /* padding */
	assert_int_equal(secret_classify("dft_" B43 "+"), -1); /* std b64 */
	assert_int_equal(secret_classify("dft_" B43 "/"), -1);
	assert_int_equal(secret_classify("dft_" B43 " "), -1);
	assert_int_equal(secret_classify("DFT_" B43 "k"), -1);
	assert_int_equal(secret_classify("dfx_" B43 "k"), -1);
}

static void
test_invite_valid(void **state)
{
	(void)state;
	assert_true(secret_invite_valid(B43 "k"));
	assert_false(secret_invite_valid(NULL));
	assert_false(secret_invite_valid(""));
	assert_false(secret_invite_valid(B43));
	assert_false(secret_invite_valid(B43 "kk"));
	assert_false(secret_invite_valid(B43 "."));
	assert_false(secret_invite_valid(B43 "%"));
	assert_false(secret_invite_valid("dft_" B43 "k"));
}

/* The comparison is constant-time; here, that it is equality. */
static void
test_equal(void **state)
{
	unsigned char a[SECRET_HASH_LEN], b[SECRET_HASH_LEN];
	size_t        i;

	(void)state;
	secret_hash("x", 1, a);
	memcpy(b, a, sizeof(b));
	assert_true(secret_equal(a, b));
	for (i = 0; i < SECRET_HASH_LEN; i++) {
		b[i] ^= 1;
		assert_false(secret_equal(a, b));
		b[i] ^= 1;
	}
	assert_true(secret_equal(a, b));
}

#define KEY1 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY2 "f0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define INV1 "6b0000000000000000000001"
#define LINK \
	"https://team.example/join?token=abcdefghijABCDEFGHIJ0123456789-_abcdefghijk"

/*
 * A sealed link opens with the key and the invitation it was sealed for,
 * and holds nothing of the link in the clear; each seal is new (a random
 * nonce).
 */
static void
test_seal_round_trip(void **state)
{
	unsigned char a[sizeof(LINK) - 1 + SECRET_SEAL_OVERHEAD];
	unsigned char b[sizeof(a)];
	char          out[sizeof(LINK)];

	(void)state;
	assert_int_equal(secret_seal(KEY1, LINK, sizeof(LINK) - 1, INV1, a), 0);
	assert_int_equal(secret_seal(KEY1, LINK, sizeof(LINK) - 1, INV1, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_null(memmem(a, sizeof(a), "token=", 6));
	assert_null(memmem(a, sizeof(a), "abcdefghij", 10));
	memset(out, 'x', sizeof(out));
	assert_int_equal(secret_open(KEY1, a, sizeof(a), INV1, out), 0);
	assert_string_equal(out, LINK);
	/* Upper-case hex is the same key. */
	assert_int_equal(secret_open("00112233445566778899AABBCCDDEEFF"
				     "00112233445566778899AABBCCDDEEFF",
			     b, sizeof(b), INV1, out),
	    0);
	assert_string_equal(out, LINK);
}

/*
 * Another key, another invitation (a sealed value copied into another
 * row), a flipped byte or a short value: it does not open.  No key: no
 * seal.
 */
static void
test_seal_refuses(void **state)
{
	unsigned char a[sizeof(LINK) - 1 + SECRET_SEAL_OVERHEAD];
	char          out[sizeof(LINK)];
	size_t        i;

	(void)state;
	assert_int_equal(secret_seal(KEY1, LINK, sizeof(LINK) - 1, INV1, a), 0);
	assert_int_equal(secret_open(KEY2, a, sizeof(a), INV1, out), -1);
	assert_int_equal(secret_open(KEY1, a, sizeof(a),
			     "6b0000000000000000000002", out),
	    -1);
	assert_int_equal(secret_open(KEY1, a, SECRET_SEAL_OVERHEAD - 1, INV1,
			     out),
	    -1);
	assert_int_equal(secret_open(KEY1, a, sizeof(a) - 1, INV1, out), -1);
	for (i = 0; i < sizeof(a); i += 7) {
		a[i] ^= 1;
		assert_int_equal(secret_open(KEY1, a, sizeof(a), INV1, out),
		    -1);
		a[i] ^= 1;
	}
	assert_int_equal(secret_open(KEY1, a, sizeof(a), INV1, out), 0);
	assert_int_equal(secret_seal("", LINK, 3, INV1, a), -1);
	assert_int_equal(secret_seal(NULL, LINK, 3, INV1, a), -1);
	assert_int_equal(secret_seal("0011", LINK, 3, INV1, a), -1);
	assert_int_equal(secret_open("", a, sizeof(a), INV1, out), -1);
	assert_int_equal(secret_seal("zz112233445566778899aabbccddeeff"
				     "00112233445566778899aabbccddeeff",
			     LINK, 3, INV1, a),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_token_shape),
		cmocka_unit_test(test_new_key_shape),
		cmocka_unit_test(test_new_invite_shape),
		cmocka_unit_test(test_new_secrets_differ),
		cmocka_unit_test(test_hash_is_sha256),
		cmocka_unit_test(test_classify_valid),
		cmocka_unit_test(test_classify_invalid),
		cmocka_unit_test(test_invite_valid),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_seal_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
