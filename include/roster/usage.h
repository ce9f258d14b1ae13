/*
 * When each credential was last used (lastUsedAt in the API reference,
 * exact to about a minute, at no measurable cost to the read path).
 *
 * A worker notes every authenticated request here, in memory only; between
 * requests, after the answer went out, it writes what is due: a
 * credential's first use, and a use a minute or more after the last one it
 * wrote.  So a credential costs each worker at most one UPDATE a minute,
 * never one per request, and never inside a request.  What a worker has
 * noted but not written when it exits is written on the way out.
 *
 * The table is per process and fixed in size; a note that finds no room
 * (every slot holding a use not yet written) is dropped, and that
 * credential is recorded at its next use.
 */
#ifndef ROSTER_USAGE_H
#define ROSTER_USAGE_H

#include <stdint.h>

struct op;

/* A write at most this often per credential and worker, in ms. */
#define USAGE_PERIOD_MS 60000

/* Credential id (24 hex) used at `now` (ms since the epoch).  No I/O. */
void usage_note(const char *cred_id, int64_t now);
/* 1 when usage_flush() has something to write. */
int usage_due(void);
/*
 * Writes every due use (all noted and unwritten ones when `all`), through
 * op's database; a write that fails stays due for the next call.
 */
void usage_flush(struct op *, int all);

#endif
