/*
 * Token generation, hashing and comparison, on libsodium.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "roster/secret.h"

/* Packed by hand; clang-format would put one item per line. */
/* clang-format off */
static const char *const prefixes[] = {
	[SECRET_TOKEN] = "dft_", [SECRET_KEY] = "df_", [SECRET_INVITE] = "",
};
/* clang-format on */

void
secret_hash(const char *s, size_t len, unsigned char *hash)
{
	crypto_hash_sha256(hash, (const unsigned char *)s, len);
}

void
secret_new(enum secret_kind kind, char *out, unsigned char *hash, char *display)
{
	unsigned char raw[32];
	size_t        plen = strlen(prefixes[kind]), n;

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, prefixes[kind], plen);
	sodium_bin2base64(out + plen, SECRET_MAX - plen, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	n = strlen(out);
	secret_hash(out, n, hash);
	if (display != NULL)
		/* Enough to recognise a key in a list, far too little to use. */
		snprintf(display, DISPLAY_MAX, "%.*s...%s", (int)(plen + 3),
		    out, out + n - 4);
}

static int
is_b64url(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int
secret_invite_valid(const char *s)
{
	return s != NULL && strlen(s) == SECRET_B64_LEN &&
	    is_b64url(s, SECRET_B64_LEN);
}

int
secret_classify(const char *s)
{
	if (s == NULL)
		return -1;
	if (strncmp(s, "dft_", 4) == 0)
		return secret_invite_valid(s + 4) ? SECRET_TOKEN : -1;
	if (strncmp(s, "df_", 3) == 0)
		return secret_invite_valid(s + 3) ? SECRET_KEY : -1;
	return -1;
}

int
secret_equal(const unsigned char *a, const unsigned char *b)
{
	return sodium_memcmp(a, b, SECRET_HASH_LEN) == 0;
}
