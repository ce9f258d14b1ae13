/*
 * A worker's memory of its credentials' last uses (include/roster/usage.h):
 * an open-addressed table, probed a few slots from the id's hash.
 */
#include <stdlib.h>
#include <string.h>

#include "roster/cred.h"
#include "roster/ids.h"
#include "roster/operation.h"
#include "roster/usage.h"

#define USAGE_SLOTS  1024 /* a power of two */
#define USAGE_PROBES 16

struct use {
	char    id[ID_LEN + 1]; /* "": empty */
	int64_t used;           /* the latest use noted */
	int64_t written;        /* the use last written; 0: none */
	int     due;            /* a write is owed */
};

static struct use uses[USAGE_SLOTS];
static unsigned   ndue;

/*
 * An id's last 8 hex digits are random bits of the ObjectId (ids.h), and
 * only ids of authenticated credentials get here: no keyed hash needed.
 */
static size_t
slot_of(const char *id)
{
	return (size_t)strtoul(id + ID_LEN - 8, NULL, 16) & (USAGE_SLOTS - 1);
}

static void
mark(struct use *u, int64_t now)
{
	if (now > u->used)
		u->used = now;
	if (!u->due && u->used - u->written >= USAGE_PERIOD_MS) {
		u->due = 1;
		ndue++;
	}
}

void
usage_note(const char *id, int64_t now)
{
	struct use *u, *spare = NULL;
	size_t      i, s;

	if (id == NULL || strlen(id) != ID_LEN)
		return;
	for (i = 0, s = slot_of(id); i < USAGE_PROBES; i++) {
		u = &uses[(s + i) & (USAGE_SLOTS - 1)];
		if (strcmp(u->id, id) == 0) {
			mark(u, now);
			return;
		}
		/* An empty slot, else one whose last use is written. */
		if (spare == NULL && !u->due &&
		    (u->id[0] == '\0' || u->used <= u->written))
			spare = u;
		if (u->id[0] == '\0')
			break;
	}
	if (spare == NULL)
		return;
	memcpy(spare->id, id, ID_LEN + 1);
	spare->used = spare->written = 0;
	spare->due = 0;
	mark(spare, now);
}

int
usage_due(void)
{
	return ndue > 0;
}

void
usage_flush(struct op *op, int all)
{
	struct use *u;
	size_t      i;

	if (ndue == 0 && !all)
		return;
	for (i = 0; i < USAGE_SLOTS; i++) {
		u = &uses[i];
		if (u->id[0] == '\0' ||
		    !(u->due || (all && u->used > u->written)))
			continue;
		/* The database layer logged why; due again next time. */
		if (cred_touch(op, u->id, u->used) != RERR_OK)
			return;
		u->written = u->used;
		if (u->due) {
			u->due = 0;
			ndue--;
		}
	}
}
