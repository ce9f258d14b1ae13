/*
 * The per-request arena (app/lib/arena.c): zeroed, aligned memory that dies in
 * one reset; cleanups run last-first on reset, so a later resource is
 * released before the one it depends on; growable buffers on top.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "roster/arena.h"

static void
test_alloc_zeroed_and_aligned(void **state)
{
	struct arena   a;
	unsigned char *p;
	size_t sizes[] = { 0, 1, 3, 15, 16, 17, 31, 100, 4096, 8191, 8192, 8193,
		20000 };
	size_t i, j;

	(void)state;
	arena_init(&a);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = arena_alloc(&a, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(p[j], 0);
		/* Dirty it, so the next reset's reuse is tested below. */
		memset(p, 0xff, sizes[i]);
	}
	arena_reset(&a);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = arena_alloc(&a, sizes[i]);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(p[j], 0);
	}
	arena_release(&a);
}

/* Allocations do not overlap. */
static void
test_allocations_distinct(void **state)
{
	struct arena   a;
	unsigned char *p[200];
	size_t         i, j;

	(void)state;
	arena_init(&a);
	for (i = 0; i < 200; i++) {
		p[i] = arena_alloc(&a, 100 + i);
		memset(p[i], (int)i, 100 + i);
	}
	for (i = 0; i < 200; i++)
		for (j = 0; j < 100 + i; j++)
			assert_int_equal(p[i][j], (unsigned char)i);
	arena_release(&a);
}

/* Larger than a block: its own block, the current one still used. */
static void
test_large_allocations(void **state)
{
	struct arena   a;
	unsigned char *small1, *big, *small2, *huge;
	size_t         i;

	(void)state;
	arena_init(&a);
	small1 = arena_alloc(&a, 32);
	big = arena_alloc(&a, 100 * 1024);
	small2 = arena_alloc(&a, 32);
	huge = arena_alloc(&a, 4 * 1024 * 1024);
	assert_non_null(big);
	assert_non_null(huge);
	assert_int_equal((uintptr_t)big % 16, 0);
	assert_int_equal((uintptr_t)huge % 16, 0);
	for (i = 0; i < 100 * 1024; i++)
		assert_int_equal(big[i], 0);
	memset(big, 1, 100 * 1024);
	memset(huge, 2, 4 * 1024 * 1024);
	/* The small ones share the standard block. */
	assert_true(small2 == small1 + 32);
	assert_true(a.total >= 100 * 1024 + 4 * 1024 * 1024);
	arena_reset(&a);
	/* Only one standard block is kept. */
	assert_true(a.total < 100 * 1024);
	arena_release(&a);
	assert_null(a.head);
}

static void
test_strdup_and_printf(void **state)
{
	struct arena a;
	char        *s, big[5000];

	(void)state;
	arena_init(&a);
	assert_string_equal(arena_strdup(&a, "hello"), "hello");
	assert_null(arena_strdup(&a, NULL));
	assert_string_equal(arena_strdup(&a, ""), "");
	s = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(s, "abc");
	s = arena_strndup(&a, "a\0c", 3);
	assert_memory_equal(s, "a\0c", 4);
	assert_string_equal(arena_printf(&a, "%d-%s-%05.1f", 42, "x", 3.14),
	    "42-x-003.1");
	assert_string_equal(arena_printf(&a, "%s", ""), "");
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = arena_printf(&a, "<%s>", big);
	assert_int_equal(strlen(s), sizeof(big) + 1);
	assert_int_equal(s[0], '<');
	assert_int_equal(s[sizeof(big)], '>');
	arena_release(&a);
}

static int order[16];
static int norder;

static void
record(void *arg)
{
	order[norder++] = (int)(intptr_t)arg;
}

/* Cleanups run last-first on reset. */
static void
test_defer_runs_last_first_on_reset(void **state)
{
	struct arena a;

	(void)state;
	norder = 0;
	arena_init(&a);
	arena_defer(&a, record, (void *)1);
	arena_defer(&a, record, (void *)2);
	arena_defer(&a, record, (void *)3);
	assert_int_equal(norder, 0);
	arena_reset(&a);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
	/* Each runs once: a second reset runs nothing. */
	arena_reset(&a);
	assert_int_equal(norder, 3);
	arena_release(&a);
}

static struct arena *reentrant;

static void
register_more(void *arg)
{
	record(arg);
	arena_defer(reentrant, record, (void *)9);
}

/* A cleanup may register another; it still runs in that reset. */
static void
test_defer_from_cleanup_runs(void **state)
{
	struct arena a;

	(void)state;
	norder = 0;
	arena_init(&a);
	reentrant = &a;
	arena_defer(&a, record, (void *)1);
	arena_defer(&a, register_more, (void *)2);
	arena_reset(&a);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 9);
	assert_int_equal(order[2], 1);
	arena_release(&a);
}

/* arena_release runs the cleanups too. */
static void
test_release_runs_cleanups(void **state)
{
	struct arena a;

	(void)state;
	norder = 0;
	arena_init(&a);
	arena_defer(&a, record, (void *)5);
	arena_release(&a);
	assert_int_equal(norder, 1);
	assert_int_equal(order[0], 5);
}

/* The worker resets after every request; the arena stays usable. */
static void
test_reset_keeps_it_usable(void **state)
{
	struct arena a;
	char        *s;
	int          i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < 50; i++) {
		s = arena_printf(&a, "request %d", i);
		assert_string_equal(s, arena_printf(&a, "request %d", i));
		(void)arena_alloc(&a, (size_t)(i * 1000));
		arena_reset(&a);
		assert_null(a.cleanups);
	}
	s = arena_strdup(&a, "after");
	assert_string_equal(s, "after");
	arena_release(&a);
	/* Released, it may be used again as a fresh arena. */
	assert_string_equal(arena_strdup(&a, "again"), "again");
	arena_release(&a);
}

static void
test_buf_add_growth(void **state)
{
	struct arena a;
	struct buf   b;
	size_t       i;
	char         c;

	(void)state;
	arena_init(&a);
	buf_init(&b, &a, 0);
	assert_int_equal(b.len, 0);
	assert_true(b.cap >= 64);
	assert_string_equal(b.p, "");
	for (i = 0; i < 100000; i++) {
		c = (char)('a' + i % 26);
		buf_add(&b, &c, 1);
	}
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.p[b.len], '\0');
	assert_true(b.cap > b.len);
	for (i = 0; i < 100000; i++)
		assert_int_equal(b.p[i], 'a' + i % 26);
	/* Binary data with NULs is kept by length. */
	buf_init(&b, &a, 4);
	buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.p, "a\0b", 4);
	buf_add(&b, "", 0);
	assert_int_equal(b.len, 3);
	arena_release(&a);
}

static void
test_buf_printf_growth(void **state)
{
	struct arena a;
	struct buf   b;
	char         expect[16];
	const char  *p;
	int          i;

	(void)state;
	arena_init(&a);
	buf_init(&b, &a, 16);
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "%05d,", i);
	assert_int_equal(b.len, 60000);
	assert_int_equal(strlen(b.p), 60000);
	for (i = 0, p = b.p; i < 10000; i++, p += 6) {
		snprintf(expect, sizeof(expect), "%05d,", i);
		assert_memory_equal(p, expect, 6);
	}
	/* One append much larger than the capacity. */
	buf_init(&b, &a, 16);
	buf_puts(&b, "x");
	buf_printf(&b, "%0*d", 50000, 7);
	assert_int_equal(b.len, 50001);
	assert_int_equal(b.p[0], 'x');
	assert_int_equal(b.p[50000], '7');
	assert_int_equal(b.p[50001], '\0');
	buf_puts(&b, "end");
	assert_string_equal(b.p + 50001, "end");
	arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_zeroed_and_aligned),
		cmocka_unit_test(test_allocations_distinct),
		cmocka_unit_test(test_large_allocations),
		cmocka_unit_test(test_strdup_and_printf),
		cmocka_unit_test(test_defer_runs_last_first_on_reset),
		cmocka_unit_test(test_defer_from_cleanup_runs),
		cmocka_unit_test(test_release_runs_cleanups),
		cmocka_unit_test(test_reset_keeps_it_usable),
		cmocka_unit_test(test_buf_add_growth),
		cmocka_unit_test(test_buf_printf_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
