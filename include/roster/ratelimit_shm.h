/*
 * The local rate-limit store (rate_store = local): fixed-window counters in
 * memory that the master maps before it forks the workers, so every worker
 * of one host counts into the same table with atomic instructions alone.
 * Workers die by SIGKILL at any moment (the deadline, fault drills), so no
 * lock is ever held: each step is one compare-and-swap, and a worker killed
 * between two of them leaves nothing that another must wait for.
 *
 * A window admits exactly `limit` hits per key across the host's workers,
 * as long as no request takes a whole window between reading the clock and
 * counting.  When a key finds no slot (the table is full around it), the
 * caller counts that hit elsewhere (the database); a key that found none
 * finds none for the rest of that window, so its count is never split.
 */
#ifndef ROSTER_RATELIMIT_SHM_H
#define ROSTER_RATELIMIT_SHM_H

#include <stddef.h>
#include <stdint.h>

/*
 * 65536 slots of 16 bytes: 1 MiB, which costs nothing until touched (the
 * kernel backs its pages on first write).  A key active in two windows
 * in a row holds two slots (see app/http/ratelimit_shm.c), so this counts about 32,000
 * credentials and client addresses per window and host in memory before
 * keys start falling back to the database.
 */
#define RATETAB_SLOTS 65536
/* Slots looked at from a key's home slot: 256 bytes, four cache lines. */
#define RATETAB_PROBE 16

struct ratelimit_shm;

/*
 * Shared memory (a memfd) for nslots slots (a power of two, at least
 * RATETAB_PROBE) and a random hash key; aborts when it cannot be mapped.
 * Made once, before fork(); children inherit it.
 */
struct ratelimit_shm *ratelimit_shm_new(size_t nslots);
/*
 * The table of the master before a SIGUSR2 upgrade, from the memfd it
 * left open across exec (ratelimit_shm_fd); NULL unless it is a table of this
 * layout and size (the caller then makes a new one).
 */
struct ratelimit_shm *ratelimit_shm_adopt(int fd, size_t nslots);
/* The memfd behind the table, or -1 (anonymous memory). */
int  ratelimit_shm_fd(const struct ratelimit_shm *);
void ratelimit_shm_free(struct ratelimit_shm *);
/*
 * Counts one hit for key (len bytes) in window `window` (the window's
 * index since the epoch) and sets *hits to the key's count in that window,
 * this hit included.  0 on success; -1 when no slot is free for the key:
 * nothing was counted, count it elsewhere.
 */
int ratelimit_shm_hit(struct ratelimit_shm *, const char *key, size_t len,
    int64_t window, long *hits);

#endif
