/*
 * Idempotency records: a write that carries an Idempotency-Key is done at
 * most once per credential and key for 24 hours.  The record is stored in
 * the write's own transaction (RELIABILITY.md D3), so a retry after an
 * unknown outcome finds it and gets the first response again.
 */
#ifndef ROSTER_IDEM_H
#define ROSTER_IDEM_H

#include <stddef.h>

#include "roster/secret.h"

struct op;

#define IDEM_KEY_MAX 255
#define IDEM_TTL_MS  (24LL * 3600 * 1000)

struct idem_rec {
	int           found;
	unsigned char request_hash[SECRET_HASH_LEN];
	int           status;
	const char   *content_type;
	const char   *body;
	size_t        body_len;
};

/*
 * Inside a transaction: drops an expired record of this key, then reads
 * the live one with a lock (a concurrent request with the same key waits
 * for ours).  Returns a db_rc.
 */
int idem_lookup(struct op *, const char *cred, const char *raw_key,
    const unsigned char *key_hash, struct idem_rec *);
/*
 * Inside the same transaction: the response the write got, sealed with a
 * key derived from the raw Idempotency-Key (a response may carry a new
 * invite link or API key, which the database must not hold in clear).
 * A db_rc.
 */
int idem_store(struct op *, const char *cred, const char *raw_key,
    const unsigned char *key_hash, const unsigned char *request_hash,
    int status, const char *content_type, const char *body, size_t len);

#endif
