/*
 * Shared memory for the scoreboard.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "roster/log.h"
#include "roster/scoreboard.h"

struct slot *
scoreboard_new(int n)
{
	void	*p = mmap(NULL, sizeof(struct slot) * (size_t)n,
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		log_err("scoreboard mmap failed");
		abort();
	}
	return p;
}

void
scoreboard_free(struct slot *s, int n)
{
	munmap(s, sizeof(struct slot) * (size_t)n);
}
