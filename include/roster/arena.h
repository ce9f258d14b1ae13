/*
 * Per-request memory: a bump allocator whose blocks, and the cleanups
 * registered on it, all go in one arena_reset().  The worker loop is the only
 * caller of arena_reset() for request arenas, so nothing allocated while
 * serving a request outlives it, and nothing needs freeing on its own.
 *
 * Allocation failure aborts the process (the master respawns a worker).
 */
#ifndef ROSTER_ARENA_H
#define ROSTER_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena_cleanup;

struct arena {
	struct arena_block   *head;     /* newest block first */
	struct arena_cleanup *cleanups; /* run last-first on reset */
	size_t                total;    /* bytes in blocks, for metrics */
};

void arena_init(struct arena *);
/* Zeroed memory owned by the arena. */
void *arena_alloc(struct arena *, size_t);
char *arena_strdup(struct arena *, const char *);
char *arena_strndup(struct arena *, const char *, size_t);
/* printf into arena memory. */
char *arena_printf(struct arena *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
/* Runs fn(arg) at the next reset, after cleanups registered later. */
void arena_defer(struct arena *, void (*fn)(void *), void *arg);
/* Runs the cleanups, frees all but the first block, keeps the arena usable. */
void arena_reset(struct arena *);
/* arena_reset() and frees every block. */
void arena_release(struct arena *);

/*
 * A growable byte string in an arena; always NUL-terminated.
 */
struct buf {
	struct arena *a;
	char         *p;
	size_t        len;
	size_t        cap;
};

void buf_init(struct buf *, struct arena *, size_t hint);
void buf_add(struct buf *, const void *, size_t);
void buf_puts(struct buf *, const char *);
void buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

#endif
