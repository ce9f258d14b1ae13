/*
 * Shared memory for the scoreboard, and the counters' arithmetic.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "roster/log.h"
#include "roster/scoreboard.h"

static const int statuses[MET_STATUSES] = {
	200, 201, 400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429, 500,
	503, 0 /* any other */
};

/* Upper bounds of the latency buckets, in microseconds. */
/* Packed by hand; clang-format would put one item per line. */
/* clang-format off */
static const unsigned long bounds_us[MET_BUCKETS] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	1000000, 5000000,
};
/* clang-format on */

static size_t
board_size(int n)
{
	return sizeof(struct scoreboard) + sizeof(struct slot) * (size_t)n;
}

struct scoreboard *
scoreboard_new(int n)
{
	struct scoreboard *sb;
	void              *p = mmap(NULL, board_size(n), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		log_err("scoreboard mmap failed");
		abort();
	}
	sb = p;
	sb->nslots = n;
	return sb;
}

void
scoreboard_free(struct scoreboard *sb)
{
	munmap(sb, board_size(sb->nslots));
}

static int
met_status_index(int status)
{
	int i;

	for (i = 0; i < MET_STATUSES - 1; i++)
		if (statuses[i] == status)
			return i;
	return MET_STATUSES - 1;
}

int
met_status_code(int i)
{
	return i >= 0 && i < MET_STATUSES ? statuses[i] : 0;
}

void
met_record(struct met *m, int route, int status, int64_t us)
{
	int b;

	if (route < 0 || route >= MET_ROUTES)
		route = MET_ROUTES - 1;
	m->req[route][met_status_index(status)]++;
	for (b = 0; b < MET_BUCKETS && (unsigned long)us > bounds_us[b]; b++)
		;
	m->lat[b]++;
	m->lat_sum_us += (unsigned long)(us < 0 ? 0 : us);
}

void
met_fold(struct met *into, const struct met *from)
{
	int r, s;

	for (r = 0; r < MET_ROUTES; r++)
		for (s = 0; s < MET_STATUSES; s++)
			into->req[r][s] += from->req[r][s];
	for (r = 0; r <= MET_BUCKETS; r++)
		into->lat[r] += from->lat[r];
	into->lat_sum_us += from->lat_sum_us;
	into->db_errors += from->db_errors;
	into->db_reconnects += from->db_reconnects;
	into->rate_limited += from->rate_limited;
	into->tx_retries += from->tx_retries;
	into->cache_hits += from->cache_hits;
	into->cache_misses += from->cache_misses;
}

unsigned long
met_bound_us(int b)
{
	return b >= 0 && b < MET_BUCKETS ? bounds_us[b] : 0;
}
