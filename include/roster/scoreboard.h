/*
 * The scoreboard: one slot per worker in memory shared with the master, so
 * the master can see which request holds a worker and for how long
 * (libfcgi has no I/O timeouts; the master enforces the deadline).
 */
#ifndef ROSTER_SCOREBOARD_H
#define ROSTER_SCOREBOARD_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

struct slot {
	volatile pid_t		pid;
	volatile int64_t	started;	/* mono ms; 0 when idle */
	volatile unsigned long	served;
	char			method[8];
	char			uri[120];
	char			request_id[68];
};

/* Shared anonymous memory for n slots, made before the workers fork. */
struct slot	*scoreboard_new(int n);
void		 scoreboard_free(struct slot *, int n);

#endif
