/*
 * A write that carries an Idempotency-Key, run at most once per credential
 * and key (the records of include/roster/idem.h).  A client that lost the
 * answer to a write (a 502, a timeout: it cannot tell whether the COMMIT
 * happened) sends it again with the same key and gets the first answer,
 * byte for byte, instead of a second write.
 *
 * The write runs in one op_tx() transaction with the record of its
 * rendered answer, so the write, its audit row and the record commit
 * together or not at all; the core operations the handler calls join that
 * transaction, and a deadlock or certification failure reruns the whole
 * of it.
 */
#ifndef ROSTER_IDEMPOTENT_H
#define ROSTER_IDEMPOTENT_H

#include "roster/ctx.h"

/*
 * Runs c's route handler once for its Idempotency-Key and renders the
 * answer into out with render; returns the outcome.
 *   - A key that is empty, over IDEM_KEY_MAX or not printable ASCII: 400.
 *   - A key seen before with this request (method, path and body): the
 *     stored answer, with Idempotent-Replayed: true.
 *   - A key seen before with another request: 422.
 *   - A write that fails is not recorded: a retry runs it again.
 *   - A twin request that committed the key first (a unique-key clash on
 *     the record): the write is rolled back, rerun, and finds the twin's
 *     answer to replay.
 */
enum rerr idempotent_run(struct ctx *, render_fn render, struct resp *out);

#endif
