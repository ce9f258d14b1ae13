/*
 * Time as milliseconds since the Unix epoch, the unit of every time column.
 */
#ifndef ROSTER_CLOCK_H
#define ROSTER_CLOCK_H

#include <stdint.h>

struct arena;

int64_t clock_now_ms(void);
/* Monotonic milliseconds, for durations and deadlines. */
int64_t clock_mono_ms(void);
int64_t clock_mono_us(void);
/* "2026-05-21T00:00:00.000Z", owned by the arena. */
char *clock_iso(struct arena *, int64_t ms);
/* Same into a caller's buffer of at least 25 bytes. */
void clock_iso_buf(char *out, int64_t ms);

#endif
