/*
 * Requests from CGI params, responses to CGI text.  libfcgi ignores
 * CONTENT_LENGTH and reads the body to the end of the stream, so the rules
 * are ours: CONTENT_LENGTH is trusted only when it is digits and within
 * the cap, exactly that many bytes are read, then EOF is required.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster/http.h"
#include "roster/ids.h"

/* Packed by hand; clang-format would put one item per line. */
/* clang-format off */
static const char *const method_names[M__MAX] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER",
};
/* clang-format on */

enum method
http_method(const char *s)
{
	int i;

	if (s == NULL)
		return M_OTHER;
	for (i = 0; i < M_OTHER; i++)
		if (strcmp(s, method_names[i]) == 0)
			return (enum method)i;
	return M_OTHER;
}

const char *
http_method_name(enum method m)
{
	return (unsigned)m < M__MAX ? method_names[m] : "OTHER";
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Percent-decodes s[0..n) into the arena; plus_space turns '+' into ' '
 * (query strings).  NULL when the encoding is invalid or decodes to NUL.
 */
static char *
pct_decode(struct arena *a, const char *s, size_t n, int plus_space)
{
	char  *out = arena_alloc(a, n + 1), *o = out;
	size_t i;
	int    h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			if ((h = hexval((unsigned char)s[i + 1])) < 0 ||
			    (l = hexval((unsigned char)s[i + 2])) < 0)
				return NULL;
			if (h == 0 && l == 0)
				return NULL;
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else if (plus_space && s[i] == '+')
			*o++ = ' ';
		else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

const char *
http_param(struct arena *a, const char *text, const char *name, int *bad)
{
	const char *p = text, *amp, *eq;
	size_t      nl = strlen(name), klen;
	char       *v;

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq != NULL ? eq : amp) - p);
		if (klen == nl && memcmp(p, name, nl) == 0) {
			if (eq == NULL)
				return "";
			v = pct_decode(a, eq + 1, (size_t)(amp - eq - 1), 1);
			if (v == NULL)
				*bad = 1;
			return v;
		}
		p = *amp ? amp + 1 : amp;
	}
	return NULL;
}

const char *
http_query(struct rq *rq, const char *name, int *bad)
{
	return http_param(rq->a, rq->query, name, bad);
}

static const char *
env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* A client's request id is echoed only when short and plain. */
static int
request_id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= RQ_ID_MAX ||
		    !(isalnum((unsigned char)s[i]) || s[i] == '-' ||
			s[i] == '_' || s[i] == '.'))
			return 0;
	return i > 0;
}

static void
set_early(struct rq *rq, enum rerr e, const char *msg)
{
	if (rq->early == RERR_OK) {
		rq->early = e;
		rq->early_msg = msg;
	}
}

/* Reads and drops what is left of the body, so the peer sees a clean end. */
static void
drain(http_reader rd, void *ctx)
{
	char junk[4096];
	long total = 0;

	/* Bounded: nginx caps bodies itself; this only tidies up. */
	while (total < 4L * 1024 * 1024) {
		int n = rd(ctx, junk, sizeof(junk));
		if (n <= 0)
			break;
		total += n;
	}
}

void
http_request(struct rq *rq, struct arena *a, char **envp, http_reader rd,
    void *rdctx, long max_body)
{
	const char *uri, *q, *cl, *rid;
	char       *body, extra;
	long        len = 0;
	size_t      i, got;
	int         n = 0;

	memset(rq, 0, sizeof(*rq));
	rq->a = a;
	rq->early = RERR_OK;
	rq->route_index = -1;
	/*
	 * libfcgi's param strings die at FCGX_Finish_r, but the request is
	 * logged after it: copy what we keep into the arena.
	 */
	rq->method_name = arena_strdup(a, env_get(envp, "REQUEST_METHOD"));
	rq->method = http_method(rq->method_name);
	if (rq->method_name == NULL)
		rq->method_name = "-";
	rq->authorization =
	    arena_strdup(a, env_get(envp, "HTTP_AUTHORIZATION"));
	rq->content_type = arena_strdup(a, env_get(envp, "CONTENT_TYPE"));
	rq->idempotency_key =
	    arena_strdup(a, env_get(envp, "HTTP_IDEMPOTENCY_KEY"));
	rq->site_header = arena_strdup(a, env_get(envp, "HTTP_X_SITE_ID"));
	rq->remote_addr = arena_strdup(a, env_get(envp, "REMOTE_ADDR"));
	rid = env_get(envp, "HTTP_X_REQUEST_ID");
	if (rid != NULL && request_id_ok(rid))
		snprintf(rq->request_id, sizeof(rq->request_id), "%s", rid);
	else
		id_new(rq->request_id);

	/*
	 * REQUEST_URI is what the client sent; DOCUMENT_URI/SCRIPT_NAME are
	 * already normalised by the server in ways that differ between
	 * nginx and Apache, so the raw URI is decoded here, once.
	 */
	uri = env_get(envp, "REQUEST_URI");
	if (uri == NULL)
		uri = env_get(envp, "SCRIPT_NAME");
	if (uri == NULL || *uri != '/')
		uri = "/";
	q = strchr(uri, '?');
	rq->query = q != NULL ? arena_strdup(a, q + 1) : "";
	rq->path =
	    pct_decode(a, uri, q != NULL ? (size_t)(q - uri) : strlen(uri), 0);
	if (rq->path == NULL) {
		rq->path = "/";
		set_early(rq, RERR_NOT_FOUND, "Malformed path");
	}

	cl = env_get(envp, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0') {
		for (i = 0; cl[i] != '\0'; i++)
			if (!isdigit((unsigned char)cl[i]) || i > 12) {
				set_early(rq, RERR_INVALID,
				    "Invalid Content-Length");
				rq->body = "";
				drain(rd, rdctx);
				return;
			}
		len = strtol(cl, NULL, 10);
	}
	rq->content_length = len;
	if (len > max_body) {
		set_early(rq, RERR_TOO_LARGE,
		    arena_printf(a, "Request body too large (limit %ld bytes)",
			max_body));
		rq->body = "";
		drain(rd, rdctx);
		return;
	}
	body = arena_alloc(a, (size_t)len + 1);
	for (got = 0; got < (size_t)len; got += (size_t)n) {
		n = rd(rdctx, body + got, (int)((size_t)len - got));
		if (n <= 0)
			break;
	}
	body[got] = '\0';
	rq->body = body;
	rq->body_len = got;
	/*
	 * A read error (not EOF) means the peer went away mid-request: the
	 * request is incomplete and must not run (RERR_GONE: the worker drops
	 * it without an answer nobody would read).
	 */
	if (n < 0) {
		set_early(rq, RERR_GONE, "The request was cut short");
		return;
	}
	if (got != (size_t)len) {
		set_early(rq, RERR_INVALID,
		    "Request body shorter than Content-Length");
		return;
	}
	/* Exactly the declared length, then a clean end of the stream. */
	if ((n = rd(rdctx, &extra, 1)) > 0) {
		set_early(rq, RERR_INVALID,
		    "Request body longer than Content-Length");
		drain(rd, rdctx);
	} else if (n < 0)
		set_early(rq, RERR_GONE, "The request was cut short");
}

void
resp_init(struct resp *r, struct arena *a)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	r->content_type = "application/json; charset=utf-8";
	buf_init(&r->body, a, 1024);
}

void
resp_header(struct resp *r, const char *name, const char *value)
{
	if (r->nhdr < RESP_MAX_HEADERS) {
		r->hname[r->nhdr] = name;
		r->hvalue[r->nhdr] = value;
		r->nhdr++;
	}
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 503:
		return "Service Unavailable";
	default:
		return status >= 500 ? "Internal Server Error" : "Error";
	}
}

void
http_serialize(const struct resp *r, const struct rq *rq, struct buf *out)
{
	size_t i;

	buf_printf(out,
	    "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nX-Request-Id: %s\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
	    r->status, http_reason(r->status), r->content_type, r->body.len,
	    rq->request_id);
	for (i = 0; i < r->nhdr; i++)
		buf_printf(out, "%s: %s\r\n", r->hname[i], r->hvalue[i]);
	buf_puts(out, "\r\n");
	/* HEAD gets the headers of GET and no body. */
	if (rq->method != M_HEAD)
		buf_add(out, r->body.p, r->body.len);
}
