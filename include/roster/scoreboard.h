/*
 * The scoreboard: memory shared by the master and its workers, made before
 * the first fork.  Each worker writes only its own slot (what request holds
 * it since when, and its counters); the master reads the slots to enforce
 * the request deadline and folds a dead worker's counters into `retired`,
 * so the totals /metrics reports never go down.
 */
#ifndef ROSTER_SCOREBOARD_H
#define ROSTER_SCOREBOARD_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#define MET_ROUTES   64 /* route table index; the last: unmatched */
#define MET_STATUSES 16
#define MET_BUCKETS  12

/* A worker's counters; plain words, each written by one process. */
struct met {
	unsigned long req[MET_ROUTES][MET_STATUSES];
	unsigned long lat[MET_BUCKETS + 1]; /* per bucket; last: +Inf */
	unsigned long lat_sum_us;
	unsigned long db_errors;
	unsigned long db_reconnects;
	unsigned long rate_limited;
	unsigned long tx_retries;
	unsigned long cache_hits; /* app/lib/cache.c lookups */
	unsigned long cache_misses;
};

struct slot {
	volatile pid_t         pid;
	volatile int64_t       started; /* mono ms; 0 when idle */
	volatile unsigned long served;
	char                   method[8];
	char                   uri[120];
	char                   request_id[68];
	struct met             met;
};

struct scoreboard {
	unsigned long worker_starts;
	unsigned long worker_crashes; /* died on a signal or status != 0 */
	unsigned long deadline_kills;
	struct met    retired; /* counters of workers gone */
	int           nslots;
	struct slot   slot[];
};

/* Shared anonymous memory for n slots. */
struct scoreboard *scoreboard_new(int n);
void               scoreboard_free(struct scoreboard *);

/* Status code → its counter column. */
int met_status_code(int index);
/* Counts one request. */
void met_record(struct met *, int route, int status, int64_t us);
/* Adds from into into (a retiring worker's counters). */
void met_fold(struct met *into, const struct met *from);
/* The upper bound of latency bucket b, in microseconds. */
unsigned long met_bound_us(int b);

#endif
