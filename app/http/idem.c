/*
 * Idempotency records (see include/roster/idem.h).
 */
#include <string.h>

#include <sodium.h>

#include "roster/arena.h"
#include "roster/db.h"
#include "roster/idem.h"
#include "roster/operation.h"

/* The sealing key: a hash of the raw key under a label of its own. */
static void
seal_key(const char *raw, unsigned char *k)
{
	static const char        label[] = "roster idempotency seal v1";
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, crypto_secretbox_KEYBYTES);
	crypto_generichash_update(&st, (const unsigned char *)label,
	    sizeof(label) - 1);
	crypto_generichash_update(&st, (const unsigned char *)raw, strlen(raw));
	crypto_generichash_final(&st, k, crypto_secretbox_KEYBYTES);
}

int
idem_lookup(struct op *op, const char *cred, const char *raw,
    const unsigned char *key, struct idem_rec *rec)
{
	unsigned char        k[crypto_secretbox_KEYBYTES];
	const unsigned char *sealed;
	size_t               n;
	char                *plain;

	struct dbres r;
	struct dbp   p[3];
	int          rc;

	memset(rec, 0, sizeof(*rec));
	p[0] = DB_STR(cred);
	p[1] = DB_BIN(key, SECRET_HASH_LEN);
	p[2] = DB_I64(op->now - IDEM_TTL_MS);
	if ((rc = db_exec(op->db, op->a, STMT_IDEM_DROP_OLD, p, 3, NULL)))
		return rc;
	if ((rc = db_exec(op->db, op->a, STMT_IDEM_GET, p, 2, &r)))
		return rc;
	if (r.nrows == 1 &&
	    db_cell_len(&r, 0, IDEM_GET_C_REQUEST_HASH) == SECRET_HASH_LEN) {
		rec->found = 1;
		memcpy(rec->request_hash,
		    db_cell(&r, 0, IDEM_GET_C_REQUEST_HASH), SECRET_HASH_LEN);
		rec->status = (int)db_cell_i64(&r, 0, IDEM_GET_C_STATUS);
		rec->content_type = db_cell(&r, 0, IDEM_GET_C_CONTENT_TYPE);
		sealed = (const unsigned char *)db_cell(&r, 0, IDEM_GET_C_BODY);
		n = db_cell_len(&r, 0, IDEM_GET_C_BODY);
		seal_key(raw, k);
		if (n <
		    crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
			rec->found = 0;
			return DB_EFAIL;
		}
		n -= crypto_secretbox_NONCEBYTES;
		plain = arena_alloc(op->a, n + 1);
		/* The key hash matched, so the seal opens unless tampered. */
		if (crypto_secretbox_open_easy((unsigned char *)plain,
			sealed + crypto_secretbox_NONCEBYTES, n, sealed,
			k) != 0) {
			rec->found = 0;
			return DB_EFAIL;
		}
		rec->body = plain;
		rec->body_len = n - crypto_secretbox_MACBYTES;
	}
	return DB_OK;
}

int
idem_store(struct op *op, const char *cred, const char *raw,
    const unsigned char *key, const unsigned char *req, int status,
    const char *ctype, const char *body, size_t len)
{
	unsigned char k[crypto_secretbox_KEYBYTES], *sealed;
	struct dbp    p[7];

	seal_key(raw, k);
	sealed = arena_alloc(op->a,
	    crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len);
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)body, len, sealed, k);
	sodium_memzero(k, sizeof(k));

	p[0] = DB_STR(cred);
	p[1] = DB_BIN(key, SECRET_HASH_LEN);
	p[2] = DB_BIN(req, SECRET_HASH_LEN);
	p[3] = DB_I64(status);
	p[4] = DB_STR(ctype);
	p[5] = DB_BIN(sealed,
	    crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len);
	p[6] = DB_I64(op->now);
	return db_exec(op->db, op->a, STMT_IDEM_PUT, p, 7, NULL);
}
