/*
 * The one table of outcomes.  Core operations and handlers return an
 * `enum rerr`; each dialect renders it in its own envelope, so a status is
 * chosen in exactly one place per dialect:
 *
 *   X(NAME, team_status, default_message)
 *
 * team_status is the Team API's (DataFast) HTTP status, which the join page
 * shares.  The DatoCMS dialect's status and error code for each outcome are
 * the adapter's own (app/api/cma_api.c), a table sized by RERR__MAX that
 * the compiler checks against this list.  FORMAT is a JSON body of the
 * wrong shape: the Team API's 400, DatoCMS's schema failure.  CREATED is a
 * success that made a resource: DataFast answers it 200 like any other,
 * DatoCMS 201.
 */
#ifndef ROSTER_ERR_H
#define ROSTER_ERR_H

/* clang-format off */
#define RERR_LIST(X) \
	X(OK,             200, "OK") \
	X(CREATED,        200, "Created") \
	X(INVALID,        400, "Invalid request") \
	X(FORMAT,         400, "The body is not in the shape this endpoint takes") \
	X(BAD_JSON,       400, "Malformed JSON body") \
	X(UNAUTHENTICATED,401, "Missing or invalid credentials") \
	X(FORBIDDEN,      403, "Insufficient permissions") \
	X(SEAT_LIMIT,     403, "Seat limit reached for this website") \
	X(NOT_FOUND,      404, "Not found") \
	X(METHOD,         405, "Method not allowed") \
	X(ALREADY_MEMBER, 409, "This email already belongs to a team member") \
	X(PENDING,        409, "A pending invitation already exists for this email") \
	X(CONFLICT,       409, "Conflict") \
	X(GONE,           410, "Gone") \
	X(TOO_LARGE,      413, "Request body too large") \
	X(MEDIA_TYPE,     415, "Content-Type must be application/json") \
	X(UNPROCESSABLE,  422, "Unprocessable request") \
	X(RATE_LIMITED,   429, "Too many requests") \
	X(INTERNAL,       500, "Internal server error") \
	X(UNAVAILABLE,    503, "Service temporarily unavailable")

enum rerr {
#define RERR_ENUM(name, ts, msg) RERR_##name,
	RERR_LIST(RERR_ENUM)
#undef RERR_ENUM
	RERR__MAX
};

/* 1 for the outcomes that are successes (OK, CREATED). */
static inline int
rerr_success(enum rerr e)
{
	return e == RERR_OK || e == RERR_CREATED;
}

int		 rerr_team_status(enum rerr);
const char	*rerr_message(enum rerr);

#endif
