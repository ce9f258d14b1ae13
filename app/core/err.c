/*
 * The outcome table of include/roster/err.h, expanded into lookups.
 */
#include "roster/err.h"

struct rerr_row {
	int		 team_status;
	int		 cma_status;
	const char	*cma_code;
	const char	*message;
};

static const struct rerr_row rerr_rows[RERR__MAX] = {
#define RERR_ROW(name, ts, cs, cc, msg) [RERR_##name] = { ts, cs, cc, msg },
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

int
rerr_cma_status(enum rerr e)
{
	return row(e)->cma_status;
}

const char *
rerr_cma_code(enum rerr e)
{
	return row(e)->cma_code;
}

const char *
rerr_message(enum rerr e)
{
	return row(e)->message;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default:  return status >= 500 ? "Internal Server Error" : "Error";
	}
}
