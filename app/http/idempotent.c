/*
 * Idempotent writes: op_tx() around the record's lookup, the handler, the
 * rendering and the record's store (see include/roster/idempotent.h).
 */
#include <string.h>

#include "roster/arena.h"
#include "roster/db.h"
#include "roster/idem.h"
#include "roster/idempotent.h"
#include "roster/router.h"
#include "roster/secret.h"

/* One idempotent write in progress: what every attempt of op_tx sees. */
struct idem_unit {
	struct ctx     *c;
	render_fn       render;
	struct resp    *out;
	int             dirty; /* out holds an attempt's rendering */
	unsigned char   key[SECRET_HASH_LEN]; /* of the Idempotency-Key */
	unsigned char   req[SECRET_HASH_LEN]; /* of the request */
	struct idem_rec rec;                  /* found: the answer to replay */
	enum rerr       e;                    /* the handler's outcome */
};

static enum rerr
key_check(struct ctx *c)
{
	const char *k = c->rq->idempotency_key;
	size_t      n = strlen(k), i;

	if (n == 0 || n > IDEM_KEY_MAX)
		return op_fail(&c->op, RERR_INVALID,
		    "Idempotency-Key must be "
		    "1 to 255 characters");
	for (i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
			return op_fail(&c->op, RERR_INVALID,
			    "Idempotency-Key "
			    "must be printable ASCII without spaces");
	return RERR_OK;
}

/* out as resp_init() left it, if an attempt wrote to it. */
static void
out_clear(struct idem_unit *u)
{
	if (u->dirty)
		resp_init(u->out, u->c->rq->a);
	u->dirty = 0;
}

/*
 * One attempt, inside op_tx's transaction: look the key up; else run the
 * handler, render its answer and record it.  RERR_OK commits (a replay
 * commits nothing but the lookup); anything else rolls back.
 */
static enum rerr
attempt(struct op *op, void *arg)
{
	struct idem_unit *u = arg;
	struct ctx       *c = u->c;
	const char       *raw = c->rq->idempotency_key;
	struct resp      *out = u->out;
	int               rc;

	/* A rerun starts from nothing the last attempt made. */
	c->data = c->extra = NULL;
	c->raw = c->raw_type = NULL;
	c->raw_len = 0;
	out_clear(u);
	if ((rc = idem_lookup(op, c->actor.cred_id, raw, u->key, &u->rec)))
		return op_db(op, rc);
	if (u->rec.found)
		return secret_equal(u->rec.request_hash, u->req) ?
		    RERR_OK :
		    op_fail(op, RERR_UNPROCESSABLE,
			"This Idempotency-Key was "
			"used with a different request");
	/* The core operations the handler calls join this transaction. */
	if (!rerr_success(u->e = c->route->fn(c)))
		return u->e; /* a failure changes nothing: not recorded */
	u->render(c, u->e, out);
	u->dirty = 1;
	rc = idem_store(op, c->actor.cred_id, raw, u->key, u->req, out->status,
	    out->content_type, out->body.p, out->body.len);
	/* A twin request committed the key first: rerun, replay its answer. */
	return op_db(op, rc == DB_EDUP ? DB_ERETRY : rc);
}

/* Sends the stored answer again, as the first attempt got it. */
static void
replay(struct idem_unit *u)
{
	struct resp *out = u->out;

	out->status = u->rec.status;
	out->content_type = arena_strdup(u->c->rq->a, u->rec.content_type);
	out->body.len = 0;
	buf_add(&out->body, u->rec.body, u->rec.body_len);
	resp_header(out, "Idempotent-Replayed", "true");
}

enum rerr
idempotent_run(struct ctx *c, render_fn render, struct resp *out)
{
	struct idem_unit u;
	struct rq       *rq = c->rq;
	struct buf       h;
	enum rerr        e;

	memset(&u, 0, sizeof(u));
	u.c = c;
	u.render = render;
	u.out = out;
	if ((e = key_check(c)) != RERR_OK) {
		render(c, e, out);
		return e;
	}
	secret_hash(rq->idempotency_key, strlen(rq->idempotency_key), u.key);
	/* What makes "the same request": method, path and body. */
	buf_init(&h, rq->a, rq->body_len + 128);
	buf_printf(&h, "%s %s\n", rq->method_name, rq->path);
	buf_add(&h, rq->body, rq->body_len);
	secret_hash(h.p, h.len, u.req);

	e = op_tx(&c->op, attempt, &u);
	if (e == RERR_OK && u.rec.found) {
		replay(&u);
		return RERR_OK;
	}
	if (e == RERR_OK)
		return u.e; /* out holds the answer the record holds */
	/* Every try ended in a deadlock, a certification failure or a twin. */
	if (c->op.retry)
		e = op_fail(&c->op, RERR_UNAVAILABLE,
		    "The database is busy; "
		    "retry with the same Idempotency-Key");
	out_clear(&u);
	render(c, e, out);
	return e;
}
