/*
 * ratelimit_shm (app/http/ratelimit_shm.c): the local store's shared table.  In
 * both dialects a fixed window admits exactly `limit` requests per key;
 * here across processes that share the table, as roster's workers do, and
 * with no lock a SIGKILLed worker could leave held.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "roster/ratelimit_shm.h"

#define PROCS 4

static void *
shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static long
hit(struct ratelimit_shm *t, const char *key, int64_t window)
{
	long h = -1;

	assert_int_equal(ratelimit_shm_hit(t, key, strlen(key), window, &h), 0);
	return h;
}

/*
 * Children wait for *go, so that they all count at the same time rather
 * than one after the other as they are forked.
 */
static void
wait_go(_Atomic int *go)
{
	while (!*go)
		sched_yield();
}

/* Lets the children go, then waits for n; each must have exited 0. */
static void
reap(_Atomic int *go, const pid_t *pids, int n)
{
	int i, st;

	*go = 1;
	for (i = 0; i < n; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("child %d: status %d", (int)pids[i], st);
	}
}

/*
 * 4 processes x N hits of one key in one window: the counts handed out are
 * exactly 1 … 4N, each once, so exactly `limit` hits are admitted.
 */
static void
test_one_key_exact_across_processes(void **state)
{
	enum { N = 20000, LIMIT = 30011 };
	struct res {
		_Atomic unsigned char seen[PROCS * N];
		_Atomic long          admitted;
		_Atomic long          bad;
		_Atomic int           go;
	} *r = shared(sizeof(*r));
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_SLOTS);
	pid_t                 pids[PROCS];
	int                   p, i;

	(void)state;
	for (p = 0; p < PROCS; p++) {
		assert_true((pids[p] = fork()) >= 0);
		if (pids[p] > 0)
			continue;
		wait_go(&r->go);
		for (i = 0; i < N; i++) {
			long h = -1;
			if (ratelimit_shm_hit(t, "c:burst", 7, 1000, &h) != 0 ||
			    h < 1 || h > PROCS * N) {
				r->bad++;
				continue;
			}
			r->seen[h - 1]++;
			if (h <= LIMIT)
				r->admitted++;
		}
		_exit(0);
	}
	reap(&r->go, pids, PROCS);
	assert_int_equal(r->bad, 0);
	for (i = 0; i < PROCS * N; i++)
		if (r->seen[i] != 1)
			fail_msg("count %d handed out %d times", i + 1,
			    (int)r->seen[i]);
	assert_int_equal(r->admitted, LIMIT);
	assert_int_equal(hit(t, "c:burst", 1000), PROCS * N + 1);
	ratelimit_shm_free(t);
	munmap(r, sizeof(*r));
}

/*
 * Many keys, with two windows live at once (a window's last requests and
 * the next one's first), over several windows, so that slots of past
 * windows are taken back while others race for the same slots: every
 * (window, key) still hands out 1 … its number of counted hits, each once.
 * Returns how many hits found no slot.
 */
enum { KEYS = 120, R = 40, PHASES = 10, WINDOWS = PHASES + 1 };

static long
overlap(size_t nslots)
{
	/* Each (window, key) is hit by two processes per phase it is live
	 * in, for two phases: 4 x R hits. */
	struct res {
		_Atomic unsigned char seen[WINDOWS][KEYS][PROCS * R];
		_Atomic int           nohit[WINDOWS][KEYS];
		_Atomic long          bad;
		_Atomic int           go[PHASES];
	} *r = shared(sizeof(*r));
	struct ratelimit_shm *t = ratelimit_shm_new(nslots);
	/* Prime to KEYS: each process's order is a permutation. */
	static const int mult[PROCS] = { 7, 11, 13, 17 };
	pid_t            pids[PROCS];
	int              ph, p, i, k, w, n;
	long             nohits = 0;
	char             key[32];

	for (ph = 0; ph < PHASES; ph++) {
		for (p = 0; p < PROCS; p++) {
			assert_true((pids[p] = fork()) >= 0);
			if (pids[p] > 0)
				continue;
			wait_go(&r->go[ph]);
			/* Windows ph and ph + 1 (relative), two processes
			 * each; every other phase all in one key order, so
			 * that they race to take each key's slot. */
			w = ph + (p & 1);
			for (i = 0; i < R; i++)
				for (k = 0; k < KEYS; k++) {
					int kk =
					    (k * (ph % 2 ? mult[p] : 7) + i) %
					    KEYS;
					long h = -1;
					snprintf(key, sizeof(key), "c:%d", kk);
					if (ratelimit_shm_hit(t, key,
						strlen(key), 5000 + w, &h) != 0)
						r->nohit[w][kk]++;
					else if (h < 1 || h > PROCS * R)
						r->bad++;
					else
						r->seen[w][kk][h - 1]++;
				}
			_exit(0);
		}
		reap(&r->go[ph], pids, PROCS);
	}
	assert_int_equal(r->bad, 0);
	for (w = 0; w < WINDOWS; w++)
		for (k = 0; k < KEYS; k++) {
			/* Windows 0 and PHASES were live in one phase only. */
			n = (w == 0 || w == PHASES ? 2 : 4) * R -
			    r->nohit[w][k];
			nohits += r->nohit[w][k];
			for (i = 0; i < PROCS * R; i++)
				if (r->seen[w][k][i] != (i < n))
					fail_msg("window %d key %d: count %d "
						 "handed out %d times (%d hits "
						 "counted)",
					    w, k, i + 1, (int)r->seen[w][k][i],
					    n);
		}
	ratelimit_shm_free(t);
	munmap(r, sizeof(*r));
	return nohits;
}

/* Room for every key: every hit is counted. */
static void
test_many_keys_windows_overlap(void **state)
{
	(void)state;
	assert_int_equal(overlap(1024), 0);
}

/*
 * A crowded table (240 keys live in 256 slots): keys race for the same
 * slots; some find none (and would count in the database), the others
 * count exactly.
 */
static void
test_many_keys_crowded(void **state)
{
	(void)state;
	print_message("%ld hits found no slot\n", overlap(256));
}

/* A new window starts the count again. */
static void
test_new_window_resets(void **state)
{
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_SLOTS);

	(void)state;
	assert_int_equal(hit(t, "c:a", 100), 1);
	assert_int_equal(hit(t, "c:a", 100), 2);
	assert_int_equal(hit(t, "c:a", 100), 3);
	assert_int_equal(hit(t, "c:a", 101), 1);
	assert_int_equal(hit(t, "c:a", 101), 2);
	/* A late hit of the window before still finds its own count. */
	assert_int_equal(hit(t, "c:a", 100), 4);
	assert_int_equal(hit(t, "c:a", 105), 1);
	/* Window indexes past 32 bits wrap without confusing the counts. */
	assert_int_equal(hit(t, "c:a", 0xffffffffLL), 1);
	assert_int_equal(hit(t, "c:a", 0x100000000LL), 1);
	assert_int_equal(hit(t, "c:a", 0x100000000LL), 2);
	ratelimit_shm_free(t);
}

/*
 * SIGUSR2's handoff: the new master maps the old table from the memfd it
 * inherited and counts on where the old one left off; a table of another
 * size, or a descriptor that is not one, is refused (the new master then
 * makes its own).  The new master is a child here, as after fork + exec
 * it holds the same descriptor number.
 */
static void
test_adopt_keeps_counts(void **state)
{
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_SLOTS), *small;
	int                   fd = ratelimit_shm_fd(t), status;
	pid_t                 pid;

	(void)state;
	assert_true(fd >= 3);
	assert_int_equal(hit(t, "c:up", 7), 1);
	assert_int_equal(hit(t, "c:up", 7), 2);
	if ((pid = fork()) == 0) {
		struct ratelimit_shm *u;

		if (ratelimit_shm_adopt(fd, RATETAB_SLOTS * 2) != NULL ||
		    ratelimit_shm_adopt(0, RATETAB_SLOTS) != NULL)
			_exit(1);
		if ((u = ratelimit_shm_adopt(fd, RATETAB_SLOTS)) == NULL ||
		    ratelimit_shm_fd(u) != fd)
			_exit(2);
		_exit(
		    hit(u, "c:up", 7) == 3 && hit(u, "c:new", 7) == 1 ? 0 : 3);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The child's hits are in the parent's table. */
	assert_int_equal(hit(t, "c:up", 7), 4);
	assert_int_equal(hit(t, "c:new", 7), 2);
	/* A table of another size is not adopted. */
	small = ratelimit_shm_new(RATETAB_PROBE);
	assert_null(
	    ratelimit_shm_adopt(ratelimit_shm_fd(small), RATETAB_SLOTS));
	ratelimit_shm_free(small);
	ratelimit_shm_free(t);
}

/* Keys count apart, however many. */
static void
test_distinct_keys_apart(void **state)
{
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_SLOTS);
	char                  key[32];
	int                   k, i;

	(void)state;
	for (k = 0; k < 5000; k++) {
		snprintf(key, sizeof(key), "a:10.0.%d.%d", k / 256, k % 256);
		for (i = 0; i < k % 7 + 1; i++)
			assert_int_equal(hit(t, key, 7), i + 1);
	}
	for (k = 0; k < 5000; k++) {
		snprintf(key, sizeof(key), "a:10.0.%d.%d", k / 256, k % 256);
		assert_int_equal(hit(t, key, 7), k % 7 + 2);
	}
	/* A key that is a prefix of another is another key. */
	assert_int_equal(hit(t, "c:x", 7), 1);
	assert_int_equal(hit(t, "c:xy", 7), 1);
	assert_int_equal(hit(t, "c:x", 7), 2);
	ratelimit_shm_free(t);
}

/*
 * A table with no free slot around a key says so (the caller counts the
 * hit in the database) instead of failing or counting it nowhere; the keys
 * it holds keep counting; the slots come back two windows later.
 */
static void
test_full_table_says_so(void **state)
{
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_PROBE);
	char                  key[32];
	long                  h = 0;
	int                   k;

	(void)state;
	for (k = 0; k < RATETAB_PROBE; k++) {
		snprintf(key, sizeof(key), "c:%d", k);
		assert_int_equal(hit(t, key, 50), 1);
	}
	assert_int_equal(ratelimit_shm_hit(t, "c:new", 5, 50, &h), -1);
	assert_int_equal(h, 0);
	assert_int_equal(ratelimit_shm_hit(t, "c:new", 5, 50, &h), -1);
	assert_int_equal(hit(t, "c:3", 50), 2);
	/* The next window: the last one's slots are kept for its late hits. */
	assert_int_equal(ratelimit_shm_hit(t, "c:new", 5, 51, &h), -1);
	assert_int_equal(ratelimit_shm_hit(t, "c:3", 3, 51, &h), -1);
	/* Two windows on, they are free again. */
	assert_int_equal(hit(t, "c:new", 52), 1);
	assert_int_equal(hit(t, "c:3", 52), 1);
	assert_int_equal(hit(t, "c:new", 52), 2);
	ratelimit_shm_free(t);
}

/*
 * A process SIGKILLed in the middle of counting leaves no lock: the others
 * go on counting, one by one, at once.
 */
static void
test_sigkill_leaves_nothing_held(void **state)
{
	struct ratelimit_shm *t = ratelimit_shm_new(RATETAB_SLOTS);
	struct timespec       ts = { 0, 20 * 1000 * 1000 };
	pid_t                 pid[2];
	long                  h, prev;
	int                   i, st;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_true((pid[i] = fork()) >= 0);
		if (pid[i] == 0)
			for (;;)
				(void)hit(t, i ? "c:k2" : "c:k", 9);
	}
	nanosleep(&ts, NULL);
	for (i = 0; i < 2; i++) {
		kill(pid[i], SIGKILL);
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFSIGNALED(st));
	}
	prev = hit(t, "c:k", 9);
	assert_true(prev >= 1);
	for (i = 0; i < 1000; i++) {
		h = hit(t, "c:k", 9);
		assert_int_equal(h, prev + 1);
		prev = h;
	}
	assert_true(hit(t, "c:k2", 9) >= 1);
	ratelimit_shm_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_key_exact_across_processes),
		cmocka_unit_test(test_many_keys_windows_overlap),
		cmocka_unit_test(test_many_keys_crowded),
		cmocka_unit_test(test_new_window_resets),
		cmocka_unit_test(test_adopt_keeps_counts),
		cmocka_unit_test(test_distinct_keys_apart),
		cmocka_unit_test(test_full_table_says_so),
		cmocka_unit_test(test_sigkill_leaves_nothing_held),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
