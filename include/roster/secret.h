/*
 * Secrets: account tokens (dft_), website API keys (df_) and invitation
 * tokens.  Each is 32 bytes from the CSPRNG (256 bits, above ASVS's 128),
 * sent as unpadded base64url, and stored only as SHA-256 of the whole text.
 */
#ifndef ROSTER_SECRET_H
#define ROSTER_SECRET_H

#include <stddef.h>

#define SECRET_HASH_LEN 32
#define SECRET_B64_LEN  43 /* 32 bytes as unpadded base64url */
#define SECRET_MAX      (4 + SECRET_B64_LEN + 1)
#define DISPLAY_MAX     24

enum secret_kind { SECRET_TOKEN, SECRET_KEY, SECRET_INVITE };

/*
 * Makes a new secret of the kind into out[SECRET_MAX], its hash into
 * hash[SECRET_HASH_LEN] and, for tokens and keys, the masked form shown in
 * lists ("dft_ab1...xyz9") into display[DISPLAY_MAX] (may be NULL).
 */
void secret_new(enum secret_kind, char *out, unsigned char *hash,
    char *display);
/* SHA-256 of s[0..len). */
void secret_hash(const char *s, size_t len, unsigned char *hash);
/*
 * Which kind a presented credential claims to be, from its syntax alone:
 * SECRET_TOKEN, SECRET_KEY, or -1 when malformed.
 */
int secret_classify(const char *s);
/* 1 for a syntactically valid invitation token. */
int secret_invite_valid(const char *s);
/* Constant-time equality of two hashes. */
int secret_equal(const unsigned char *, const unsigned char *);

/*
 * Sealing, for a secret roster must read back later (an invitation link
 * waiting in the email outbox): XChaCha20-Poly1305 under a key derived
 * from the configuration's seal_key (64 hex digits), with a random nonce
 * in front, bound to `ad` (e.g. the invitation's id), so that a sealed
 * value copied into another row does not open there.  What the database
 * holds is then useless without the configuration.
 */
#define SECRET_SEAL_OVERHEAD 40 /* nonce (24) + tag (16) */

/*
 * Seals plain[0..n) into out[n + SECRET_SEAL_OVERHEAD].  0, or -1 when
 * keyhex is not a key (empty or malformed).
 */
int secret_seal(const char *keyhex, const void *plain, size_t n, const char *ad,
    unsigned char *out);
/*
 * Opens what secret_seal() made into out[n - SECRET_SEAL_OVERHEAD + 1],
 * NUL-terminated.  0, or -1 when keyhex is not a key, the value is too
 * short, or it was sealed under another key or ad, or altered.
 */
int secret_open(const char *keyhex, const unsigned char *sealed, size_t n,
    const char *ad, char *out);

#endif
