/*
 * Identifiers: 24 lowercase hex characters in the shape of a MongoDB
 * ObjectId — 4 bytes of Unix seconds, then 8 random bytes.  No per-host
 * counter, so ids made on different hosts never collide.
 */
#ifndef ROSTER_IDS_H
#define ROSTER_IDS_H

#include <stddef.h>

#define ID_LEN 24

/* Writes a new id and its NUL into out[ID_LEN + 1]. */
void id_new(char *out);
/* 1 when s is exactly 24 lowercase hex characters. */
int id_valid(const char *s);
/* Lowercase hex of n bytes into out[2n + 1]. */
void hex_encode(char *out, const unsigned char *in, size_t n);

#endif
