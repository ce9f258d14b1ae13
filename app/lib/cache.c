/*
 * The worker's read cache (include/roster/cache.h): per kind, a table of
 * two-way sets.  A key goes to the set its keyed hash names; a new key
 * takes an empty way or the one used least recently.  Values live in
 * buffers that grow to the largest value their slot held and are then
 * reused, so a worker's memory settles after its first requests instead of
 * churning with malloc and free on every change.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "roster/cache.h"

struct entry {
	uint64_t       h;
	uint64_t       used; /* clock of the last use; 0: empty */
	int64_t        gen;
	size_t         klen, len, cap;
	unsigned char  key[CACHE_KEY_MAX];
	unsigned char *data;
};

static struct entry *tab[CACHE__KINDS];
static size_t        nsets; /* per kind; 0: disabled */
static uint64_t      clock_;
static unsigned char hkey[crypto_shorthash_KEYBYTES];

unsigned long cache_hits, cache_misses;

void
cache_init(size_t slots)
{
	size_t k, i;

	for (k = 0; k < CACHE__KINDS; k++) {
		if (tab[k] != NULL)
			for (i = 0; i < nsets * 2; i++)
				free(tab[k][i].data);
		free(tab[k]);
		tab[k] = NULL;
	}
	if (slots > CACHE_SLOTS_MAX)
		slots = CACHE_SLOTS_MAX;
	nsets = slots / 2;
	if (nsets == 0)
		return;
	/* Keyed, so that nobody can aim keys at one set from outside. */
	randombytes_buf(hkey, sizeof(hkey));
	for (k = 0; k < CACHE__KINDS; k++)
		if ((tab[k] = calloc(nsets * 2, sizeof(**tab))) == NULL)
			abort();
}

static uint64_t
hash(const void *key, size_t klen)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t      h;

	crypto_shorthash(out, key, klen, hkey);
	memcpy(&h, out, sizeof(h));
	return h;
}

/* The way holding key, or NULL; *set is the set's first way. */
static struct entry *
find(enum cache_kind k, const void *key, size_t klen, uint64_t h,
    struct entry **set)
{
	struct entry *s = &tab[k][(h % nsets) * 2];
	int           i;

	*set = s;
	for (i = 0; i < 2; i++)
		if (s[i].used != 0 && s[i].h == h && s[i].klen == klen &&
		    memcmp(s[i].key, key, klen) == 0)
			return &s[i];
	return NULL;
}

const void *
cache_get(enum cache_kind k, const void *key, size_t klen, int64_t *gen,
    size_t *len)
{
	struct entry *e, *set;

	if (nsets == 0 || (unsigned)k >= CACHE__KINDS || klen > CACHE_KEY_MAX)
		return NULL;
	if ((e = find(k, key, klen, hash(key, klen), &set)) == NULL) {
		cache_misses++;
		return NULL;
	}
	cache_hits++;
	e->used = ++clock_;
	*gen = e->gen;
	*len = e->len;
	return e->data;
}

void
cache_put(enum cache_kind k, const void *key, size_t klen, int64_t gen,
    const void *data, size_t len)
{
	struct entry  *e, *set;
	unsigned char *d;
	uint64_t       h;

	if (nsets == 0 || (unsigned)k >= CACHE__KINDS || klen > CACHE_KEY_MAX)
		return;
	if (len > CACHE_DATA_MAX) {
		/* An older value of the key is stale now: do not keep it. */
		cache_drop(k, key, klen);
		return;
	}
	h = hash(key, klen);
	if ((e = find(k, key, klen, h, &set)) == NULL)
		e = set[0].used <= set[1].used ? &set[0] : &set[1];
	if (len > e->cap) {
		/* Grown, never shrunk: the slot's largest value bounds it. */
		if ((d = realloc(e->data, len)) == NULL) {
			e->used = 0;
			return;
		}
		e->data = d;
		e->cap = len;
	}
	e->h = h;
	e->klen = klen;
	memcpy(e->key, key, klen);
	if (len > 0)
		memcpy(e->data, data, len);
	e->len = len;
	e->gen = gen;
	e->used = ++clock_;
}

void
cache_drop(enum cache_kind k, const void *key, size_t klen)
{
	struct entry *e, *set;

	if (nsets == 0 || (unsigned)k >= CACHE__KINDS || klen > CACHE_KEY_MAX)
		return;
	if ((e = find(k, key, klen, hash(key, klen), &set)) != NULL)
		e->used = 0;
}
