/*
 * The local rate-limit table (include/roster/ratelimit_shm.h): open addressing,
 * linear probing, two 64-bit words per slot, every change one
 * compare-and-swap.
 *
 * A slot's key word names who owns it AND for which window:
 *
 *	key   = window mod 2^16 << 48 | fingerprint (48 bits of a keyed hash)
 *	state = window << 32 | count		(both 32 bits)
 *
 * The window is in the key word so that taking a slot is a single CAS that
 * also checks the slot is free: a slot whose key word is 0 or at least two
 * windows away from ours is free.  If ownership lived in the key and age
 * only in the state, a worker could see a stale state, be preempted while
 * the slot's owner counts a hit of the current window, and then take the
 * slot and its fresh count; the owner's next hit would start over in
 * another slot and the window would admit more than the limit.
 *
 * Why two windows and not one: a request that read the clock just before a
 * window ended may count just after.  The slots of the window before ours
 * are never taken, so such a hit still finds its own key.  The price is
 * that a key busy in consecutive windows holds two slots.
 *
 * Why this is exact: a key's hits of one window all go to one slot.  A
 * worker walks the key's probe sequence in order and takes the first free
 * slot unless it meets the key on the way.  Slots that were not free when
 * the key took its slot stay not free for that window (only a worker two
 * windows away could take them), so no one walking later finds an earlier
 * free slot, and two workers racing for the same free slot both end up in
 * it: the loser of the CAS reads the winner's key, which is its own.  In
 * the slot, the count moves by CAS from the value it was read at, and the
 * first hit of a window (the state holds another window) starts it at 1.
 *
 * Before that CAS the key word is read again: a worker that read the
 * state, then lost the slot to someone two windows ahead (it stalled that
 * long), sees the key change and looks again instead of writing its old
 * window over the new owner's count.  The only hits that can be lost are
 * such stragglers' own, in windows long gone.
 *
 * Distinct keys with the same home slot and fingerprint (about 2^-48 per
 * pair) share a count: a stricter limit for both, never a looser one.
 * Atomics on 64-bit words are lock-free here (checked below), and the C
 * standard's lock-free atomics are address-free, so they work between
 * processes that map the same pages.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "roster/log.h"
#include "roster/ratelimit_shm.h"

_Static_assert(ATOMIC_LONG_LOCK_FREE == 2 && ATOMIC_LLONG_LOCK_FREE == 2,
    "the shared table needs lock-free 64-bit atomics");

/* Looks again after losing a slot at most this often, then gives up. */
#define AGAIN_MAX 8

struct rt_slot {
	_Atomic uint64_t key;
	_Atomic uint64_t state;
};

/*
 * The table's layout, named in its header: a binary upgraded by SIGUSR2
 * adopts the old master's table only if it lays slots out the same way.
 */
#define RATETAB_MAGIC "roster-ratetab-1"

struct ratelimit_shm {
	char           magic[16];
	unsigned char  hashkey[crypto_shorthash_KEYBYTES];
	size_t         nslots;
	size_t         mapped;
	int            fd; /* the memfd; the master's own copy */
	struct rt_slot slot[];
};

static size_t
table_size(size_t nslots)
{
	return sizeof(struct ratelimit_shm) + nslots * sizeof(struct rt_slot);
}

/*
 * In a memfd rather than anonymous memory, so that SIGUSR2's re-exec can
 * hand the very table to the new master (ratelimit_shm_fd, ratelimit_shm_adopt) and
 * counts survive an upgrade as they survive a reload.  Close-on-exec
 * unless the upgrade clears it.
 */
struct ratelimit_shm *
ratelimit_shm_new(size_t nslots)
{
	struct ratelimit_shm *t;
	size_t                size = table_size(nslots);
	void                 *p;
	int                   fd;

	if (nslots < RATETAB_PROBE || (nslots & (nslots - 1)) != 0) {
		log_err("rate table: %zu slots is not a power of two >= %d",
		    nslots, RATETAB_PROBE);
		abort();
	}
	if ((fd = memfd_create("roster-ratetab", MFD_CLOEXEC)) >= 0 &&
	    ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		fd = -1;
	}
	/* Without a memfd, anonymous memory: only upgrades lose counts. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    fd >= 0 ? MAP_SHARED : MAP_SHARED | MAP_ANONYMOUS, fd, 0);
	if (p == MAP_FAILED) {
		log_err("rate table mmap failed");
		abort();
	}
	t = p; /* zero-filled: every slot free */
	memcpy(t->magic, RATETAB_MAGIC, sizeof(t->magic));
	/* Keyed, so that no client can pick keys that crowd one home slot. */
	randombytes_buf(t->hashkey, sizeof(t->hashkey));
	t->nslots = nslots;
	t->mapped = size;
	t->fd = fd;
	return t;
}

struct ratelimit_shm *
ratelimit_shm_adopt(int fd, size_t nslots)
{
	struct ratelimit_shm *t;
	struct stat           st;
	size_t                size = table_size(nslots);
	void                 *p;

	if (fstat(fd, &st) != 0 || (size_t)st.st_size != size)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	t = p;
	if (memcmp(t->magic, RATETAB_MAGIC, sizeof(t->magic)) != 0 ||
	    t->nslots != nslots || t->mapped != size) {
		munmap(p, size);
		return NULL;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	t->fd = fd;
	return t;
}

int
ratelimit_shm_fd(const struct ratelimit_shm *t)
{
	return t != NULL ? t->fd : -1;
}

void
ratelimit_shm_free(struct ratelimit_shm *t)
{
	int fd;

	if (t == NULL)
		return;
	fd = t->fd;
	munmap(t, t->mapped);
	if (fd >= 0)
		close(fd);
}

/* Free for window w: never used, or owned for a window >= 2 away. */
static int
is_free(uint64_t kw, uint16_t w)
{
	int d = (int16_t)(uint16_t)(w - (uint16_t)(kw >> 48));

	return kw == 0 || d >= 2 || d <= -2;
}

/* 1 when the slot is, or now becomes, the one of key word k; 0 if not. */
static int
take(struct rt_slot *s, uint64_t k, uint16_t w)
{
	uint64_t kw = atomic_load(&s->key);

	while (kw != k) {
		if (!is_free(kw, w))
			return 0;
		/* On failure kw is what won: maybe our own key. */
		if (atomic_compare_exchange_strong(&s->key, &kw, k))
			return 1;
	}
	return 1;
}

/* Counts in a slot of ours; -1 when the slot was taken from us meanwhile. */
static int
count(struct rt_slot *s, uint64_t k, uint32_t w, long *hits)
{
	uint64_t st = atomic_load(&s->state), next;

	for (;;) {
		if (atomic_load(&s->key) != k)
			return -1;
		if ((uint32_t)(st >> 32) != w)
			next = (uint64_t)w << 32 | 1;
		else if ((uint32_t)st == UINT32_MAX)
			next = st; /* saturated: far past any limit */
		else
			next = st + 1;
		if (atomic_compare_exchange_weak(&s->state, &st, next)) {
			*hits = (long)(uint32_t)next;
			return 0;
		}
	}
}

int
ratelimit_shm_hit(struct ratelimit_shm *t, const char *key, size_t len,
    int64_t window, long *hits)
{
	unsigned char h8[crypto_shorthash_BYTES];
	uint64_t      h, k, fp;
	uint32_t      w = (uint32_t)window;
	size_t        home, i, mask = t->nslots - 1;
	int           again;

	crypto_shorthash(h8, (const unsigned char *)key, len, t->hashkey);
	memcpy(&h, h8, sizeof(h));
	home = (size_t)h & mask;
	/* The high 48 bits; never 0, so the key word is never "unused". */
	if ((fp = h >> 16) == 0)
		fp = 1;
	k = (uint64_t)(uint16_t)w << 48 | fp;
	for (again = 0; again < AGAIN_MAX; again++) {
		for (i = 0; i < RATETAB_PROBE; i++) {
			struct rt_slot *s = &t->slot[(home + i) & mask];
			if (!take(s, k, (uint16_t)w))
				continue;
			if (count(s, k, w, hits) == 0)
				return 0;
			break; /* lost the slot: walk again */
		}
		if (i == RATETAB_PROBE)
			return -1;
	}
	return -1;
}
