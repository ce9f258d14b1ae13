/*
 * Wall and monotonic clocks, and the API's ISO-8601 format.
 */
#include <stdio.h>
#include <time.h>

#include "roster/arena.h"
#include "roster/clock.h"

int64_t
clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
clock_iso_buf(char *out, int64_t ms)
{
	time_t    t;
	struct tm tm;
	int       frac;

	if (ms < 0)
		ms = 0;
	t = (time_t)(ms / 1000);
	frac = (int)(ms % 1000);
	gmtime_r(&t, &tm);
	/* strftime knows the field widths; gcc cannot prove them for %d. */
	strftime(out, 25, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 6, ".%03dZ", frac % 1000);
}

char *
clock_iso(struct arena *a, int64_t ms)
{
	char *p = arena_alloc(a, 25);

	clock_iso_buf(p, ms);
	return p;
}
