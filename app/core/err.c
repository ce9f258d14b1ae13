/*
 * The outcome table of include/roster/err.h, expanded into lookups.
 */
#include "roster/err.h"

struct rerr_row {
	int         team_status;
	const char *message;
};

static const struct rerr_row rerr_rows[RERR__MAX] = {
#define RERR_ROW(name, ts, msg) [RERR_##name] = { ts, msg },
	RERR_LIST(RERR_ROW)
#undef RERR_ROW
};

static const struct rerr_row *
row(enum rerr e)
{
	return &rerr_rows[(unsigned)e < RERR__MAX ? e : RERR_INTERNAL];
}

int
rerr_team_status(enum rerr e)
{
	return row(e)->team_status;
}

const char *
rerr_message(enum rerr e)
{
	return row(e)->message;
}
