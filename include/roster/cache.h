/*
 * A worker's cache of read results, each stored with the generation of the
 * data it was read from.  The database holds the generations (a website's
 * team_gen, bumped in the same transaction as every change to its team),
 * and a request reads the current one before it uses an entry, so an entry
 * is never served past a change, whichever worker or host made it.  The
 * cache only saves the statement that the generation stands for.
 *
 * Per process, fixed size, no locks: a worker serves one request at a time.
 * Disabled (every lookup misses) until cache_init() gives it slots; the CLI
 * and the unit tests of other modules run without it.
 */
#ifndef ROSTER_CACHE_H
#define ROSTER_CACHE_H

#include <stddef.h>
#include <stdint.h>

enum cache_kind {
	CACHE_ACTOR,  /* credential + website → struct actor */
	CACHE_TEAM,   /* website + page → the page's rows */
	CACHE_RENDER, /* an adapter's rendered answer for a page */
	CACHE__KINDS
};

#define CACHE_KEY_MAX  256         /* longer keys are not cached */
#define CACHE_DATA_MAX (64 * 1024) /* nor larger values */
/*
 * Per kind.  Memory at the worst, every value of CACHE_DATA_MAX: 1024
 * slots x (2 x 64 KiB + an actor) is about 130 MiB, under the worker's
 * 512 MiB address-space cap (worker.c); the default 64 is about 8 MiB.
 */
#define CACHE_SLOTS_MAX 1024

/* Gives each kind `slots` entries (0 disables; capped); drops everything. */
void cache_init(size_t slots);
/*
 * The value stored under key, its length in *len and its generation in
 * *gen; NULL when absent.  The pointer is valid until the next cache_put
 * of the same kind.
 */
const void *cache_get(enum cache_kind, const void *key, size_t klen,
    int64_t *gen, size_t *len);
/* Stores a copy of data under key (replacing any older value). */
void cache_put(enum cache_kind, const void *key, size_t klen, int64_t gen,
    const void *data, size_t len);
void cache_drop(enum cache_kind, const void *key, size_t klen);

/* Lookups that found a value, and that did not (for /metrics). */
extern unsigned long cache_hits, cache_misses;

#endif
