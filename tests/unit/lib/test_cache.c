/*
 * The worker's read cache (app/lib/cache.c): values kept with their generation
 * and length, replaced, dropped, refused when too large, evicted least
 * recently used from a two-way set, all of it gone after cache_init().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "roster/cache.h"

/* The value under a string key, or NULL; its gen and length out. */
static const char *
get(enum cache_kind k, const char *key, int64_t *gen, size_t *len)
{
	return cache_get(k, key, strlen(key), gen, len);
}

static void
put(enum cache_kind k, const char *key, int64_t gen, const char *val)
{
	cache_put(k, key, strlen(key), gen, val, strlen(val));
}

static int
present(enum cache_kind k, const char *key)
{
	int64_t gen;
	size_t  len;

	return get(k, key, &gen, &len) != NULL;
}

static int
teardown(void **state)
{
	(void)state;
	cache_init(0);
	return 0;
}

static void
test_round_trip(void **state)
{
	const char *v;
	int64_t     gen = -5;
	size_t      len = 0;

	(void)state;
	cache_init(64);
	assert_null(get(CACHE_TEAM, "site/100/", &gen, &len));
	put(CACHE_TEAM, "site/100/", 7, "rows of the page");
	v = get(CACHE_TEAM, "site/100/", &gen, &len);
	assert_non_null(v);
	assert_int_equal(gen, 7);
	assert_int_equal(len, strlen("rows of the page"));
	assert_memory_equal(v, "rows of the page", len);
	/* Binary values and keys: NULs inside are kept, lengths count. */
	cache_put(CACHE_ACTOR, "k\0x", 3, -1, "a\0b\0", 4);
	v = cache_get(CACHE_ACTOR, "k\0x", 3, &gen, &len);
	assert_non_null(v);
	assert_int_equal(gen, -1);
	assert_int_equal(len, 4);
	assert_memory_equal(v, "a\0b\0", 4);
	assert_null(cache_get(CACHE_ACTOR, "k\0y", 3, &gen, &len));
	assert_null(cache_get(CACHE_ACTOR, "k", 1, &gen, &len));
}

/* The kinds are separate tables: one key, three values. */
static void
test_kinds_separate(void **state)
{
	const char *v;
	int64_t     gen;
	size_t      len;

	(void)state;
	cache_init(64);
	put(CACHE_ACTOR, "same", 1, "actor");
	put(CACHE_TEAM, "same", 2, "team");
	assert_null(get(CACHE_RENDER, "same", &gen, &len));
	put(CACHE_RENDER, "same", 3, "render");
	v = get(CACHE_ACTOR, "same", &gen, &len);
	assert_non_null(v);
	assert_int_equal(gen, 1);
	assert_memory_equal(v, "actor", len);
	v = get(CACHE_TEAM, "same", &gen, &len);
	assert_int_equal(gen, 2);
	assert_memory_equal(v, "team", len);
	cache_drop(CACHE_TEAM, "same", 4);
	assert_null(get(CACHE_TEAM, "same", &gen, &len));
	assert_non_null(get(CACHE_ACTOR, "same", &gen, &len));
	assert_non_null(get(CACHE_RENDER, "same", &gen, &len));
	/* No such kind. */
	assert_null(cache_get(CACHE__KINDS, "same", 4, &gen, &len));
}

static void
test_replace_same_key(void **state)
{
	char        big[5000];
	const char *v;
	int64_t     gen;
	size_t      len;

	(void)state;
	cache_init(64);
	put(CACHE_TEAM, "k", 1, "old value, the longer one");
	put(CACHE_TEAM, "k", 2, "new");
	v = get(CACHE_TEAM, "k", &gen, &len);
	assert_non_null(v);
	assert_int_equal(gen, 2);
	assert_int_equal(len, 3);
	assert_memory_equal(v, "new", 3);
	/* Growing past the slot's buffer. */
	memset(big, 'b', sizeof(big));
	cache_put(CACHE_TEAM, "k", 1, 3, big, sizeof(big));
	v = get(CACHE_TEAM, "k", &gen, &len);
	assert_int_equal(gen, 3);
	assert_int_equal(len, sizeof(big));
	assert_memory_equal(v, big, sizeof(big));
	/* An older generation put later wins too: the caller decides. */
	put(CACHE_TEAM, "k", 0, "x");
	v = get(CACHE_TEAM, "k", &gen, &len);
	assert_int_equal(gen, 0);
	assert_int_equal(len, 1);
	/* Replacing never duplicated it: one drop removes it. */
	cache_drop(CACHE_TEAM, "k", 1);
	assert_null(get(CACHE_TEAM, "k", &gen, &len));
}

static void
test_drop(void **state)
{
	int64_t gen;
	size_t  len;

	(void)state;
	cache_init(64);
	put(CACHE_ACTOR, "a", 1, "A");
	put(CACHE_ACTOR, "b", 1, "B");
	cache_drop(CACHE_ACTOR, "a", 1);
	assert_null(get(CACHE_ACTOR, "a", &gen, &len));
	assert_non_null(get(CACHE_ACTOR, "b", &gen, &len));
	/* Dropping what is absent is harmless. */
	cache_drop(CACHE_ACTOR, "a", 1);
	cache_drop(CACHE_ACTOR, "never", 5);
	assert_non_null(get(CACHE_ACTOR, "b", &gen, &len));
	/* And the key can be stored again. */
	put(CACHE_ACTOR, "a", 4, "A2");
	assert_non_null(get(CACHE_ACTOR, "a", &gen, &len));
	assert_int_equal(gen, 4);
}

static void
test_disabled(void **state)
{
	int64_t       gen = 99;
	size_t        len = 99;
	unsigned long h;

	(void)state;
	cache_init(64);
	put(CACHE_TEAM, "k", 1, "v");
	cache_init(0);
	h = cache_hits;
	assert_null(get(CACHE_TEAM, "k", &gen, &len));
	put(CACHE_TEAM, "k", 2, "v");
	assert_null(get(CACHE_TEAM, "k", &gen, &len));
	cache_drop(CACHE_TEAM, "k", 1);
	assert_int_equal(gen, 99);
	assert_int_equal(len, 99);
	assert_int_equal(cache_hits, h);
	/* One slot makes no set of two ways: still disabled. */
	cache_init(1);
	put(CACHE_TEAM, "k", 2, "v");
	assert_null(get(CACHE_TEAM, "k", &gen, &len));
	assert_int_equal(cache_hits, h);
}

static void
test_oversize_not_stored(void **state)
{
	char       *big, key[CACHE_KEY_MAX + 1];
	const char *v;
	int64_t     gen;
	size_t      len;

	(void)state;
	cache_init(64);
	big = malloc(CACHE_DATA_MAX + 1);
	assert_non_null(big);
	memset(big, 'v', CACHE_DATA_MAX + 1);
	/* A value one byte over the limit: not kept. */
	cache_put(CACHE_RENDER, "big", 3, 1, big, CACHE_DATA_MAX + 1);
	assert_null(get(CACHE_RENDER, "big", &gen, &len));
	/* At the limit: kept. */
	cache_put(CACHE_RENDER, "max", 3, 1, big, CACHE_DATA_MAX);
	v = get(CACHE_RENDER, "max", &gen, &len);
	assert_non_null(v);
	assert_int_equal(len, CACHE_DATA_MAX);
	assert_memory_equal(v, big, CACHE_DATA_MAX);
	free(big);

	/* A key one byte over: never stored, never found. */
	memset(key, 'k', sizeof(key));
	cache_put(CACHE_ACTOR, key, CACHE_KEY_MAX + 1, 1, "v", 1);
	assert_null(cache_get(CACHE_ACTOR, key, CACHE_KEY_MAX + 1, &gen, &len));
	/* Nor under its first CACHE_KEY_MAX bytes. */
	assert_null(cache_get(CACHE_ACTOR, key, CACHE_KEY_MAX, &gen, &len));
	/* A key of exactly CACHE_KEY_MAX is fine. */
	cache_put(CACHE_ACTOR, key, CACHE_KEY_MAX, 2, "w", 1);
	v = cache_get(CACHE_ACTOR, key, CACHE_KEY_MAX, &gen, &len);
	assert_non_null(v);
	assert_int_equal(gen, 2);
	assert_memory_equal(v, "w", 1);
}

/*
 * cache_init(2): one set of two ways, so any three keys collide.  After
 * a, b, then a use of a, c evicts b (the least recently used).
 */
static void
test_two_way_lru(void **state)
{
	const char *v;
	int64_t     gen;
	size_t      len;

	(void)state;
	cache_init(2);
	put(CACHE_TEAM, "a", 1, "A");
	put(CACHE_TEAM, "b", 2, "B");
	assert_non_null(get(CACHE_TEAM, "a", &gen, &len));
	put(CACHE_TEAM, "c", 3, "C");
	v = get(CACHE_TEAM, "a", &gen, &len);
	assert_non_null(v);
	assert_int_equal(gen, 1);
	assert_memory_equal(v, "A", 1);
	v = get(CACHE_TEAM, "c", &gen, &len);
	assert_non_null(v);
	assert_int_equal(gen, 3);
	assert_memory_equal(v, "C", 1);
	assert_null(get(CACHE_TEAM, "b", &gen, &len));

	/* Now c was used last: d evicts a. */
	put(CACHE_TEAM, "d", 4, "D");
	assert_null(get(CACHE_TEAM, "a", &gen, &len));
	assert_non_null(get(CACHE_TEAM, "c", &gen, &len));
	assert_non_null(get(CACHE_TEAM, "d", &gen, &len));

	/* A replace counts as a use: c replaced, then e evicts d. */
	put(CACHE_TEAM, "c", 5, "C2");
	put(CACHE_TEAM, "e", 6, "E");
	assert_null(get(CACHE_TEAM, "d", &gen, &len));
	v = get(CACHE_TEAM, "c", &gen, &len);
	assert_non_null(v);
	assert_int_equal(gen, 5);
	assert_int_equal(len, 2);
	assert_memory_equal(v, "C2", 2);

	/* A dropped way is taken before the other is evicted. */
	cache_drop(CACHE_TEAM, "e", 1);
	put(CACHE_TEAM, "f", 7, "F");
	assert_non_null(get(CACHE_TEAM, "c", &gen, &len));
	assert_non_null(get(CACHE_TEAM, "f", &gen, &len));
	assert_null(get(CACHE_TEAM, "e", &gen, &len));
}

/* Two ways per set: whatever the hash, the two most recent keys stay. */
static void
test_many_keys_last_two_stay(void **state)
{
	char    key[32];
	int64_t gen;
	size_t  len;
	int     i;

	(void)state;
	cache_init(2);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		put(CACHE_RENDER, key, i, key);
	}
	assert_true(present(CACHE_RENDER, "key-99"));
	assert_true(present(CACHE_RENDER, "key-98"));
	for (i = 0; i < 98; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_false(present(CACHE_RENDER, key));
	}
	assert_non_null(get(CACHE_RENDER, "key-99", &gen, &len));
	assert_int_equal(gen, 99);

	/* A larger cache keeps many of them (each set holds two). */
	cache_init(64);
	for (i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		put(CACHE_RENDER, key, i, key);
	}
	for (i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		if (present(CACHE_RENDER, key)) {
			assert_non_null(get(CACHE_RENDER, key, &gen, &len));
			assert_int_equal(gen, i);
			assert_int_equal(len, strlen(key));
		}
	}
	assert_true(present(CACHE_RENDER, "key-15"));
}

static void
test_init_drops_everything(void **state)
{
	int64_t gen;
	size_t  len;

	(void)state;
	cache_init(64);
	put(CACHE_ACTOR, "a", 1, "A");
	put(CACHE_TEAM, "t", 1, "T");
	put(CACHE_RENDER, "r", 1, "R");
	cache_init(64);
	assert_null(get(CACHE_ACTOR, "a", &gen, &len));
	assert_null(get(CACHE_TEAM, "t", &gen, &len));
	assert_null(get(CACHE_RENDER, "r", &gen, &len));
	/* Another size too. */
	put(CACHE_TEAM, "t", 2, "T");
	cache_init(8);
	assert_null(get(CACHE_TEAM, "t", &gen, &len));
	put(CACHE_TEAM, "t", 3, "T3");
	assert_non_null(get(CACHE_TEAM, "t", &gen, &len));
	assert_int_equal(gen, 3);
	/* Past CACHE_SLOTS_MAX: capped, still works. */
	cache_init(CACHE_SLOTS_MAX * 4);
	assert_null(get(CACHE_TEAM, "t", &gen, &len));
	put(CACHE_TEAM, "t", 4, "T4");
	assert_non_null(get(CACHE_TEAM, "t", &gen, &len));
}

static void
test_counters(void **state)
{
	unsigned long h, m;
	int64_t       gen;
	size_t        len;

	(void)state;
	cache_init(64);
	h = cache_hits;
	m = cache_misses;
	assert_null(get(CACHE_TEAM, "k", &gen, &len));
	assert_int_equal(cache_hits, h);
	assert_int_equal(cache_misses, m + 1);
	put(CACHE_TEAM, "k", 1, "v");
	assert_int_equal(cache_hits, h);
	assert_int_equal(cache_misses, m + 1);
	assert_non_null(get(CACHE_TEAM, "k", &gen, &len));
	assert_non_null(get(CACHE_TEAM, "k", &gen, &len));
	assert_int_equal(cache_hits, h + 2);
	assert_int_equal(cache_misses, m + 1);
	cache_drop(CACHE_TEAM, "k", 1);
	assert_null(get(CACHE_TEAM, "k", &gen, &len));
	assert_int_equal(cache_hits, h + 2);
	assert_int_equal(cache_misses, m + 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_round_trip, teardown),
		cmocka_unit_test_teardown(test_kinds_separate, teardown),
		cmocka_unit_test_teardown(test_replace_same_key, teardown),
		cmocka_unit_test_teardown(test_drop, teardown),
		cmocka_unit_test_teardown(test_disabled, teardown),
		cmocka_unit_test_teardown(test_oversize_not_stored, teardown),
		cmocka_unit_test_teardown(test_two_way_lru, teardown),
		cmocka_unit_test_teardown(test_many_keys_last_two_stay,
		    teardown),
		cmocka_unit_test_teardown(test_init_drops_everything, teardown),
		cmocka_unit_test_teardown(test_counters, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
