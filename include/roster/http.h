/*
 * The request and the response, independent of FastCGI: a request is built
 * from CGI-style params (name=value strings) and a body reader, a response
 * is buffered whole and serialised in one place, with Content-Length, after
 * the handler returns.
 */
#ifndef ROSTER_HTTP_H
#define ROSTER_HTTP_H

#include <stddef.h>

#include "roster/arena.h"
#include "roster/err.h"

/* Packed by hand; clang-format would put one item per line. */
/* clang-format off */
enum method {
	M_GET, M_HEAD, M_POST, M_PUT, M_PATCH, M_DELETE, M_OPTIONS, M_OTHER,
	M__MAX
};
/* clang-format on */

#define RQ_ID_MAX 64

struct rq {
	struct arena *a;
	enum method   method;
	const char   *method_name;
	const char   *path;  /* without the query, percent-decoded */
	const char   *query; /* raw, may be "" */
	const char   *authorization;
	const char   *content_type;
	const char   *idempotency_key;
	const char   *site_header; /* X-Site-Id */
	const char   *remote_addr;
	char          request_id[RQ_ID_MAX + 1];
	long          content_length;
	const char   *body; /* NUL-terminated copy, may be "" */
	size_t        body_len;
	/* A problem found while reading, answered before routing: */
	enum rerr   early;
	const char *early_msg;
	/* Filled by the router, for the request's log line: */
	const char *route_name;  /* NULL: no route matched */
	int         route_index; /* in the route table; -1: none */
	const char *cred_id;     /* the authenticated credential */
};

#define RESP_MAX_HEADERS 16

struct resp {
	int         status;
	const char *content_type;
	const char *hname[RESP_MAX_HEADERS];
	const char *hvalue[RESP_MAX_HEADERS];
	size_t      nhdr;
	struct buf  body;
};

/* A body reader: fills up to n bytes, returns the count, 0 at EOF, -1 on error. */
typedef int (*http_reader)(void *ctx, char *buf, int n);

/*
 * Fills rq from CGI params (envp: "NAME=value" strings, NULL-terminated)
 * and reads the body through rd.  A CONTENT_LENGTH that is not digits is
 * 400; over max_body is 413 without reading the body; a body shorter or
 * longer than declared is 400.  Such outcomes land in rq->early.
 */
void http_request(struct rq *, struct arena *, char **envp, http_reader rd,
    void *rdctx, long max_body);
/* Starts a response; the Content-Type defaults to JSON. */
void resp_init(struct resp *, struct arena *);
/* Adds a header; name and value must outlive the response (arena). */
void resp_header(struct resp *, const char *name, const char *value);
/* The whole CGI response (Status line, headers, body) into out. */
void http_serialize(const struct resp *, const struct rq *, struct buf *out);
/*
 * A query parameter's percent-decoded value (arena), or NULL when absent.
 * Sets *bad when the parameter's encoding is invalid.
 */
const char *http_query(struct rq *, const char *name, int *bad);
/* The same for any urlencoded text (a form body), NUL-terminated. */
const char *http_param(struct arena *, const char *text, const char *name,
    int *bad);
enum method http_method(const char *);
/* The reason phrase of an HTTP status ("Not Found"), for the Status line. */
const char *http_reason(int status);
const char *http_method_name(enum method);

#endif
