/*
 * The one table of outcomes.  Core operations return an `enum rerr`; each
 * dialect renders it in its own envelope from this table, so a status is
 * chosen in exactly one place:
 *
 *   X(NAME, team_status, cma_status, cma_code, default_message)
 *
 * team_status is the Team API's (DataFast) HTTP status; cma_status and
 * cma_code are the Site-invitation API's (DatoCMS) status and error code.
 *
 * The cma codes are those DatoCMS lists on its error page
 * (datocms.com/docs/content-management-api/errors): a uniqueness failure
 * is INVALID_FIELD with details {field, code: "VALIDATION_UNIQUENESS"}, as
 * DatoCMS's own CLI branches on; a body that fails the endpoint's schema is
 * INVALID_FORMAT with details.messages (what DatoCMS answers such a body);
 * the rate limit is TOO_MANY_REQUESTS, the code API.md (roster's contract)
 * and the issue name, though DatoCMS's error page also lists
 * RATE_LIMIT_EXCEEDED (the client itself reads only the status and
 * X-RateLimit-Reset, so neither changes its behaviour).  CONFLICT, GONE and the 405 have no DatoCMS
 * counterpart on a /cma route; nginx's own /cma errors (deploy/nginx) use
 * the same codes for 413 and 5xx.  The details come from op->field and
 * op->why (app/api/cma_api.c).  FORMAT is a JSON body of the wrong shape: the Team
 * API's 400, DatoCMS's schema failure.
 */
#ifndef ROSTER_ERR_H
#define ROSTER_ERR_H

#define RERR_LIST(X) \
	X(OK,             200, 200, "OK",                          "OK") \
	X(INVALID,        400, 422, "INVALID_FIELD",               "Invalid request") \
	X(FORMAT,         400, 422, "INVALID_FORMAT",              "The body is not in the shape this endpoint takes") \
	X(BAD_JSON,       400, 400, "INVALID_JSON_BODY",           "Malformed JSON body") \
	X(UNAUTHENTICATED,401, 401, "INVALID_AUTHORIZATION_HEADER","Missing or invalid credentials") \
	X(FORBIDDEN,      403, 403, "INSUFFICIENT_PERMISSIONS",    "Insufficient permissions") \
	X(SEAT_LIMIT,     403, 422, "PLAN_UPGRADE_REQUIRED",       "Seat limit reached for this website") \
	X(NOT_FOUND,      404, 404, "NOT_FOUND",                   "Not found") \
	X(METHOD,         405, 405, "INVALID_ENDPOINT",            "Method not allowed") \
	X(ALREADY_MEMBER, 409, 422, "INVALID_FIELD",               "This email already belongs to a team member") \
	X(PENDING,        409, 422, "INVALID_FIELD",               "A pending invitation already exists for this email") \
	X(CONFLICT,       409, 409, "CONFLICT",                    "Conflict") \
	X(GONE,           410, 410, "GONE",                        "Gone") \
	X(TOO_LARGE,      413, 413, "REQUEST_ENTITY_TOO_LARGE",    "Request body too large") \
	X(MEDIA_TYPE,     415, 415, "INVALID_CONTENT_TYPE_HEADER", "Content-Type must be application/json") \
	X(UNPROCESSABLE,  422, 422, "INVALID_FIELD",               "Unprocessable request") \
	X(RATE_LIMITED,   429, 429, "TOO_MANY_REQUESTS",           "Too many requests") \
	X(INTERNAL,       500, 500, "INTERNAL_SERVER_ERROR",       "Internal server error") \
	X(UNAVAILABLE,    503, 503, "SERVICE_UNAVAILABLE",         "Service temporarily unavailable")

enum rerr {
#define RERR_ENUM(name, ts, cs, cc, msg) RERR_##name,
	RERR_LIST(RERR_ENUM)
#undef RERR_ENUM
	RERR__MAX
};

int		 rerr_team_status(enum rerr);
int		 rerr_cma_status(enum rerr);
const char	*rerr_cma_code(enum rerr);
const char	*rerr_message(enum rerr);
/* The reason phrase of an HTTP status ("Not Found"), for the Status line. */
const char	*http_reason(int status);

#endif
