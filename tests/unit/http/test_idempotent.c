/*
 * Idempotent writes (app/http/idempotent.c) around op_tx: API.md "Across
 * both dialects" and the README's "Idempotent writes": a write with an
 * Idempotency-Key is done at most once per credential and key; a retry
 * with the same request gets the first answer byte for byte, marked
 * Idempotent-Replayed; the key with another request is 422; a failed
 * write is not remembered.  The write, its record and the rendered answer
 * commit together, in one transaction with one retry loop (op_tx's).
 *
 * Linked with --wrap for db_begin, db_commit, db_rollback, idem_lookup
 * and idem_store (Makefile): the transaction and the records are a fake
 * that counts what happened and plays back what each test scripts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "roster/arena.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/idem.h"
#include "roster/idempotent.h"
#include "roster/jsonmem.h"
#include "roster/router.h"
#include "roster/secret.h"

#define KEY  "invite-42"
#define BODY "{\"email\":\"a@example.com\"}"
#define PATH "/api/v1/admin/websites/665f0b3c4d2e1a0012345678/team"

/* The fake: counts, and what lookups and stores answer, in turn. */
static struct {
	int       begins, commits, rollbacks, stores, runs;
	int       lookup_rc[4]; /* per attempt; 0: DB_OK */
	int       found[4];     /* per attempt: a record is there */
	int       other[4];     /* ... made by another request */
	int       store_rc[4];  /* per attempt */
	int       lookups;
	enum rerr outcome;   /* the handler's */
	int       status;    /* of the last store */
	char      body[256]; /* of the last store */
} fk;

int  __wrap_db_begin(struct db *);
int  __wrap_db_commit(struct db *);
void __wrap_db_rollback(struct db *);
int  __wrap_idem_lookup(struct op *, const char *, const char *,
     const unsigned char *, struct idem_rec *);
int  __wrap_idem_store(struct op *, const char *, const char *,
     const unsigned char *, const unsigned char *, int, const char *,
     const char *, size_t);

int
__wrap_db_begin(struct db *db)
{
	(void)db;
	fk.begins++;
	return DB_OK;
}

int
__wrap_db_commit(struct db *db)
{
	(void)db;
	fk.commits++;
	return DB_OK;
}

void
__wrap_db_rollback(struct db *db)
{
	(void)db;
	fk.rollbacks++;
}

/* The hash the wrapper keeps of "the same request". */
static void
request_hash(unsigned char *h)
{
	static const char text[] = "POST " PATH "\n" BODY;

	secret_hash(text, sizeof(text) - 1, h);
}

int
__wrap_idem_lookup(struct op *op, const char *cred, const char *raw,
    const unsigned char *key, struct idem_rec *rec)
{
	unsigned char want[SECRET_HASH_LEN];
	int           i = fk.lookups++;

	(void)op;
	assert_string_equal(cred, "665f0b3c4d2e1a00000000c3");
	assert_string_equal(raw, KEY);
	secret_hash(KEY, strlen(KEY), want);
	assert_memory_equal(key, want, SECRET_HASH_LEN);
	memset(rec, 0, sizeof(*rec));
	if (fk.lookup_rc[i] != DB_OK)
		return fk.lookup_rc[i];
	if (fk.found[i]) {
		rec->found = 1;
		request_hash(rec->request_hash);
		rec->request_hash[0] ^= (unsigned char)fk.other[i];
		rec->status = 200;
		rec->content_type = "application/json; charset=utf-8";
		rec->body = "{\"stored\":1}";
		rec->body_len = strlen(rec->body);
	}
	return DB_OK;
}

int
__wrap_idem_store(struct op *op, const char *cred, const char *raw,
    const unsigned char *key, const unsigned char *req, int status,
    const char *ctype, const char *body, size_t len)
{
	unsigned char want[SECRET_HASH_LEN];

	(void)op;
	(void)cred;
	(void)raw;
	(void)key;
	(void)ctype;
	request_hash(want);
	assert_memory_equal(req, want, SECRET_HASH_LEN);
	/* Stored inside the transaction, after the write. */
	assert_true(fk.begins > fk.commits + fk.rollbacks);
	fk.status = status;
	assert_true(len < sizeof(fk.body));
	memcpy(fk.body, body, len);
	fk.body[len] = '\0';
	return fk.store_rc[fk.stores++];
}

/* The route's handler: counts its runs, answers the scripted outcome. */
static enum rerr
handler(struct ctx *c)
{
	fk.runs++;
	/* Inside the wrapper's transaction: the core's op_tx joins it. */
	assert_true(c->op.in_tx);
	return fk.outcome == RERR_OK || fk.outcome == RERR_CREATED ?
	    fk.outcome :
	    op_fail(&c->op, fk.outcome, "refused");
}

/* A dialect that says which outcome it rendered. */
static void
render(struct ctx *c, enum rerr e, struct resp *out)
{
	out->status = e == RERR_CREATED ? 201 : rerr_team_status(e);
	out->body.len = 0;
	buf_printf(&out->body, "{\"outcome\":%d,\"msg\":\"%s\"}", (int)e,
	    c->op.msg != NULL ? c->op.msg : "");
}

static const struct route route = {
	.method = M_POST,
	.path = "/x",
	.fn = handler,
	.need = NEED_TOKEN,
	.body = BODY_REQUIRED,
	.dialect = D_TEAM,
	.name = "test.write",
};

struct call {
	struct arena  a;
	struct config cfg;
	struct rq     rq;
	struct resp   resp;
	struct ctx    c;
};

static int
setup(void **state)
{
	struct call *t = calloc(1, sizeof(*t));

	if (t == NULL || sodium_init() < 0)
		return -1;
	memset(&fk, 0, sizeof(fk));
	arena_init(&t->a);
	config_defaults(&t->cfg);
	t->rq.a = &t->a;
	t->rq.method = M_POST;
	t->rq.method_name = "POST";
	t->rq.path = PATH;
	t->rq.body = BODY;
	t->rq.body_len = strlen(BODY);
	t->rq.idempotency_key = KEY;
	snprintf(t->rq.request_id, sizeof(t->rq.request_id), "t");
	resp_init(&t->resp, &t->a);
	t->c.rq = &t->rq;
	t->c.route = &route;
	snprintf(t->c.actor.cred_id, sizeof(t->c.actor.cred_id), "%s",
	    "665f0b3c4d2e1a00000000c3");
	op_init(&t->c.op, NULL, &t->a, &t->cfg, &t->c.actor, "t");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct call *t = *state;

	arena_release(&t->a);
	free(t);
	return 0;
}

static const char *
header(const struct resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nhdr; i++)
		if (strcmp(r->hname[i], name) == 0)
			return r->hvalue[i];
	return NULL;
}

/* The first time: the write, its rendered answer recorded, one commit. */
static void
test_first_write_recorded_and_committed(void **state)
{
	struct call *t = *state;

	fk.outcome = RERR_CREATED;
	assert_int_equal(idempotent_run(&t->c, render, &t->resp), RERR_CREATED);
	assert_int_equal(fk.runs, 1);
	assert_int_equal(fk.stores, 1);
	assert_int_equal(fk.begins, 1);
	assert_int_equal(fk.commits, 1);
	assert_int_equal(fk.rollbacks, 0);
	/* What is recorded is exactly what is sent. */
	assert_int_equal(t->resp.status, 201);
	assert_int_equal(fk.status, 201);
	assert_string_equal(fk.body, t->resp.body.p);
	assert_null(header(&t->resp, "Idempotent-Replayed"));
	assert_false(t->c.op.in_tx);
}

/* A retry: the stored answer as it was, marked; the write does not run. */
static void
test_retry_replays(void **state)
{
	struct call *t = *state;

	fk.found[0] = 1;
	fk.outcome = RERR_OK;
	assert_int_equal(idempotent_run(&t->c, render, &t->resp), RERR_OK);
	assert_int_equal(fk.runs, 0);
	assert_int_equal(fk.stores, 0);
	assert_int_equal(t->resp.status, 200);
	assert_string_equal(t->resp.body.p, "{\"stored\":1}");
	assert_string_equal(t->resp.content_type,
	    "application/json; charset=utf-8");
	assert_string_equal(header(&t->resp, "Idempotent-Replayed"), "true");
}

/* The key with another request: 422, nothing runs, nothing is kept. */
static void
test_other_request_422(void **state)
{
	struct call *t = *state;

	fk.found[0] = 1;
	fk.other[0] = 1;
	assert_int_equal(idempotent_run(&t->c, render, &t->resp),
	    RERR_UNPROCESSABLE);
	assert_int_equal(fk.runs, 0);
	assert_int_equal(fk.stores, 0);
	assert_int_equal(fk.commits, 0);
	assert_int_equal(fk.rollbacks, 1);
	assert_int_equal(t->resp.status, 422);
	assert_null(header(&t->resp, "Idempotent-Replayed"));
}

/* A failed write is rolled back and not remembered: a retry runs it. */
static void
test_failure_not_recorded(void **state)
{
	struct call *t = *state;

	fk.outcome = RERR_PENDING;
	assert_int_equal(idempotent_run(&t->c, render, &t->resp), RERR_PENDING);
	assert_int_equal(fk.runs, 1);
	assert_int_equal(fk.stores, 0);
	assert_int_equal(fk.commits, 0);
	assert_int_equal(fk.rollbacks, 1);
	assert_int_equal(t->resp.status, 409);
	assert_non_null(strstr(t->resp.body.p, "refused"));
}

/*
 * A twin request committed the key first (the record's insert is a
 * unique-key clash): the write is rolled back and rerun, and the rerun
 * finds the twin's answer and replays it.
 */
static void
test_twin_committed_first_replays(void **state)
{
	struct call *t = *state;

	fk.outcome = RERR_OK;
	fk.store_rc[0] = DB_EDUP;
	fk.found[1] = 1;
	assert_int_equal(idempotent_run(&t->c, render, &t->resp), RERR_OK);
	assert_int_equal(fk.runs, 1);
	assert_int_equal(fk.lookups, 2);
	assert_int_equal(fk.rollbacks, 1);
	assert_int_equal(fk.commits, 1);
	assert_int_equal(t->c.op.retries, 1);
	assert_string_equal(t->resp.body.p, "{\"stored\":1}");
	assert_string_equal(header(&t->resp, "Idempotent-Replayed"), "true");
}

/* Deadlocks every time: three tries, then 503 naming the key to retry. */
static void
test_deadlocks_exhausted_503(void **state)
{
	struct call *t = *state;
	int          i;

	fk.outcome = RERR_OK;
	for (i = 0; i < 4; i++)
		fk.store_rc[i] = DB_ERETRY;
	assert_int_equal(idempotent_run(&t->c, render, &t->resp),
	    RERR_UNAVAILABLE);
	assert_int_equal(fk.runs, 3);
	assert_int_equal(fk.begins, 3);
	assert_int_equal(fk.rollbacks, 3);
	assert_int_equal(fk.commits, 0);
	assert_int_equal(t->c.op.retries, 2);
	assert_int_equal(t->resp.status, 503);
	assert_non_null(strstr(t->resp.body.p, "Idempotency-Key"));
	/* The last attempt's rendering of a success is gone. */
	assert_null(strstr(t->resp.body.p, "\"outcome\":0"));
}

/* A lookup that deadlocks reruns too. */
static void
test_lookup_deadlock_reruns(void **state)
{
	struct call *t = *state;

	fk.outcome = RERR_OK;
	fk.lookup_rc[0] = DB_ERETRY;
	assert_int_equal(idempotent_run(&t->c, render, &t->resp), RERR_OK);
	assert_int_equal(fk.lookups, 2);
	assert_int_equal(fk.runs, 1);
	assert_int_equal(fk.commits, 1);
	assert_int_equal(fk.rollbacks, 1);
}

/* A key that is empty, too long or not printable ASCII: 400, no work. */
static void
test_bad_keys_400(void **state)
{
	struct call *t = *state;
	char         long_key[IDEM_KEY_MAX + 2];
	const char  *bad[] = { "", "with space", "tab\there", long_key };
	size_t       i;

	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t->rq.idempotency_key = bad[i];
		assert_int_equal(idempotent_run(&t->c, render, &t->resp),
		    RERR_INVALID);
		assert_int_equal(t->resp.status, 400);
	}
	assert_int_equal(fk.begins, 0);
	assert_int_equal(fk.runs, 0);
}

/* The transaction's guard on the arena: nothing left to roll back. */
static void
test_guard_quiet_after_commit(void **state)
{
	struct call *t = *state;

	fk.outcome = RERR_OK;
	assert_int_equal(idempotent_run(&t->c, render, &t->resp), RERR_OK);
	assert_int_equal(fk.rollbacks, 0);
	arena_reset(&t->a);
	assert_int_equal(fk.rollbacks, 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_first_write_recorded_and_committed),
		T(test_retry_replays),
		T(test_other_request_422),
		T(test_failure_not_recorded),
		T(test_twin_committed_first_replays),
		T(test_deadlocks_exhausted_503),
		T(test_lookup_deadlock_reruns),
		T(test_bad_keys_400),
		T(test_guard_quiet_after_commit),
	};
#undef T

	jsonmem_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
