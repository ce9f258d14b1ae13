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

_Static_assert(SECRET_SEAL_OVERHEAD ==
	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
	    crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "SECRET_SEAL_OVERHEAD");

/*
 * The sealing key: the configured key hashed under a label of its own, so
 * that the same seal_key could key something else without the two uses
 * ever sharing a key.
 */
static int
seal_key_of(const char *keyhex, unsigned char *k)
{
	static const char label[] = "roster seal v1";
	unsigned char     master[32];
	size_t            n;

	if (keyhex == NULL || strlen(keyhex) != 64 ||
	    sodium_hex2bin(master, sizeof(master), keyhex, 64, NULL, &n,
		NULL) != 0 ||
	    n != sizeof(master))
		return -1;
	crypto_generichash(k, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	    (const unsigned char *)label, sizeof(label) - 1, master,
	    sizeof(master));
	sodium_memzero(master, sizeof(master));
	return 0;
}

int
secret_seal(const char *keyhex, const void *plain, size_t n, const char *ad,
    unsigned char *out)
{
	unsigned char k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	const size_t  nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

	if (seal_key_of(keyhex, k) != 0)
		return -1;
	randombytes_buf(out, nb);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + nb, NULL, plain, n,
	    (const unsigned char *)ad, ad != NULL ? strlen(ad) : 0, NULL, out,
	    k);
	sodium_memzero(k, sizeof(k));
	return 0;
}

int
secret_open(const char *keyhex, const unsigned char *sealed, size_t n,
    const char *ad, char *out)
{
	unsigned char      k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	const size_t       nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	unsigned long long m;
	int                rc;

	if (sealed == NULL || n < SECRET_SEAL_OVERHEAD ||
	    seal_key_of(keyhex, k) != 0)
		return -1;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out,
	    &m, NULL, sealed + nb, n - nb, (const unsigned char *)ad,
	    ad != NULL ? strlen(ad) : 0, sealed, k);
	sodium_memzero(k, sizeof(k));
	if (rc != 0)
		return -1;
	out[m] = '\0';
	return 0;
}
