/*
 * The request layer, from raw CGI params and body to the serialised
 * response: http_request() with an in-memory reader, route_dispatch() with
 * a database that is never connected (every access is "lost": 503), then
 * http_serialize(), as app/proc/worker.c serves one request.
 *
 * Input: "NAME=value" lines (LF or CRLF) up to an empty line, then the
 * body.  CONTENT_LENGTH is added with the body's length when the input has
 * none (so body mutations keep reaching the JSON parser); two params are the
 * harness's own: FUZZ_CHUNK=n (the reader returns at most n bytes a call)
 * and FUZZ_READ_ERROR=1 (the reader fails instead of reaching EOF).
 *
 * Checks (API.md "Across both dialects", and the body rules: digits-only
 * CONTENT_LENGTH within the cap, exactly that many bytes): never a
 * 500 and only the statuses reachable without a database; no authenticated
 * route succeeds; a well-formed CGI response whose header lines are
 * printable ASCII (no header injection), whose Content-Length is the
 * body's and whose X-Request-Id is plain; HEAD has no body; 405 has Allow;
 * JSON bodies parse, in an error envelope whose code is the status; HTML
 * pages carry no markup from the request.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "common.h"
#include "roster/http.h"
#include "roster/router.h"
#include "roster/routes.h"

#define MAX_PARAMS 64

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	/* Small enough that libFuzzer's inputs also cross it. */
	fuzz_cfg.max_body = 2048;
	return 0;
}

static const char *
param(char **envp, size_t n, const char *name)
{
	size_t i, l = strlen(name);

	for (i = 0; i < n; i++)
		if (strncmp(envp[i], name, l) == 0 && envp[i][l] == '=')
			return envp[i] + l + 1;
	return NULL;
}

static int
status_reachable(int s)
{
	static const int ok[] = { 200, 400, 401, 403, 404, 405, 413, 415, 422,
		503 };
	size_t           i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (s == ok[i])
			return 1;
	return 0;
}

static int
plain_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= RQ_ID_MAX ||
		    !((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' ||
			s[i] == '_' || s[i] == '.'))
			return 0;
	return i > 0;
}

/* The value of header `name` in the header block [p, end), or NULL. */
static const char *
header(const char *p, const char *end, const char *name, size_t *len)
{
	size_t      n = strlen(name);
	const char *eol;

	while (p < end) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			return NULL;
		if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':' && p[n + 1] == ' ') {
			*len = (size_t)(eol - p) - n - 2;
			return p + n + 2;
		}
		p = eol + 2;
	}
	return NULL;
}

static void
check_json(const struct resp *resp)
{
	json_error_t jerr;
	json_t      *v, *st, *err, *code, *data, *first;

	v = json_loadb(resp->body.p, resp->body.len, 0, &jerr);
	FUZZ_CHECK(v != NULL && json_is_object(v),
	    "JSON body does not "
	    "parse: %s: %.200s",
	    jerr.text, resp->body.p);
	if (resp->status < 400)
		return;
	/* The Team API's envelope, or DatoCMS's api_error list. */
	if ((st = json_object_get(v, "status")) != NULL) {
		FUZZ_CHECK(json_is_string(st) &&
			strcmp(json_string_value(st), "error") == 0,
		    "error without status \"error\": %.200s", resp->body.p);
		err = json_object_get(v, "error");
		code = json_object_get(err, "code");
		FUZZ_CHECK(json_is_integer(code) &&
			json_integer_value(code) == resp->status &&
			json_is_string(json_object_get(err, "message")),
		    "error.code is not the status %d: %.200s", resp->status,
		    resp->body.p);
		return;
	}
	data = json_object_get(v, "data");
	first = json_array_get(data, 0);
	FUZZ_CHECK(first != NULL &&
		json_is_string(json_object_get(first, "type")) &&
		strcmp(json_string_value(json_object_get(first, "type")),
		    "api_error") == 0,
	    "status %d in neither envelope: "
	    "%.200s",
	    resp->status, resp->body.p);
}

static void
check(const struct rq *rq, const struct resp *resp, const struct buf *out,
    const char *client_rid)
{
	const struct route *routes;
	const char         *p = out->p, *end = out->p + out->len;
	const char         *hend, *eol, *q, *v;
	size_t              vlen;
	char                first[32];
	int                 n;

	FUZZ_CHECK(resp->status != 500, "500 for client input (%s %s)",
	    rq->method_name, rq->path);
	FUZZ_CHECK(status_reachable(resp->status),
	    "status %d without a "
	    "database (%s %s)",
	    resp->status, rq->method_name, rq->path);
	routes = api_routes.routes;
	if (resp->status < 300 && rq->route_index >= 0 &&
	    (size_t)rq->route_index < api_routes.n)
		FUZZ_CHECK((routes[rq->route_index].need & NEED_CRED) == 0,
		    "route %s succeeded without authentication",
		    routes[rq->route_index].name);

	/* The CGI response: Status line, headers, empty line, body. */
	n = snprintf(first, sizeof(first), "Status: %d ", resp->status);
	FUZZ_CHECK(out->len > (size_t)n && memcmp(p, first, (size_t)n) == 0,
	    "response does not start with \"%s\"", first);
	hend = memmem(p, out->len, "\r\n\r\n", 4);
	FUZZ_CHECK(hend != NULL, "no end of headers");
	for (q = p; q < hend + 2; q = eol + 2) {
		eol = memmem(q, (size_t)(hend + 2 - q), "\r\n", 2);
		FUZZ_CHECK(eol != NULL && eol > q, "empty header line");
		v = memchr(q, ':', (size_t)(eol - q));
		FUZZ_CHECK(v != NULL && v > q && v[1] == ' ',
		    "header line "
		    "without \"Name: \": %.*s",
		    (int)(eol - q), q);
		for (v = q; v < eol; v++)
			FUZZ_CHECK((unsigned char)*v >= 0x20 &&
				(unsigned char)*v < 0x7f,
			    "byte 0x%02x in header "
			    "line %.*s",
			    (unsigned char)*v, (int)(eol - q), q);
	}
	v = header(p, hend + 2, "Content-Length", &vlen);
	FUZZ_CHECK(v != NULL && strtoul(v, NULL, 10) == resp->body.len,
	    "Content-Length is not the body's %zu", resp->body.len);
	FUZZ_CHECK((size_t)(end - (hend + 4)) ==
		(rq->method == M_HEAD ? 0 : resp->body.len),
	    "%zu body bytes sent for %s of a %zu-byte body",
	    (size_t)(end - (hend + 4)), rq->method_name, resp->body.len);
	v = header(p, hend + 2, "X-Request-Id", &vlen);
	FUZZ_CHECK(v != NULL && vlen == strlen(rq->request_id) &&
		memcmp(v, rq->request_id, vlen) == 0 &&
		plain_id(rq->request_id),
	    "X-Request-Id is not plain");
	if (client_rid != NULL && plain_id(client_rid))
		FUZZ_CHECK(strcmp(client_rid, rq->request_id) == 0,
		    "a plain X-Request-Id is not echoed");
	if (resp->status == 405)
		FUZZ_CHECK(header(p, hend + 2, "Allow", &vlen) != NULL,
		    "405 without Allow");

	/* The body in its dialect. */
	if (strncmp(resp->content_type, "application/json", 16) == 0)
		check_json(resp);
	else if (strncmp(resp->content_type, "text/html", 9) == 0) {
		FUZZ_CHECK(strncmp(resp->body.p, "<!DOCTYPE html>", 15) == 0,
		    "HTML body without doctype");
		/* Request text is escaped (html_put): a tag from the
		 * request (the dictionary's <x-fuzz>) never gets through. */
		FUZZ_CHECK(strcasestr(resp->body.p, "<script") == NULL &&
			strcasestr(resp->body.p, "<x-fuzz") == NULL,
		    "request markup in a page: %.300s", resp->body.p);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader rd;
	struct rq          rq;
	struct resp        resp;
	struct buf         out;
	char              *copy, *p, *end, *nl, *envp[MAX_PARAMS + 2];
	char               clbuf[40];
	const char        *body = "", *s;
	size_t             n = 0, blen = 0;

	copy = fuzz_strdup(data, size);
	p = copy;
	end = copy + size;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl == p || (nl == p + 1 && *p == '\r')) {
			body = nl < end ? nl + 1 : end;
			blen = (size_t)(end - body);
			break;
		}
		if (nl[-1] == '\r')
			nl[-1] = '\0';
		*nl = '\0';
		if (n < MAX_PARAMS)
			envp[n++] = p;
		p = nl + 1;
	}
	if (param(envp, n, "CONTENT_LENGTH") == NULL && blen > 0) {
		snprintf(clbuf, sizeof(clbuf), "CONTENT_LENGTH=%zu", blen);
		envp[n++] = clbuf;
	}
	envp[n] = NULL;

	memset(&rd, 0, sizeof(rd));
	rd.data = body;
	rd.len = blen;
	if ((s = param(envp, n, "FUZZ_CHUNK")) != NULL)
		rd.chunk = strtoul(s, NULL, 10) % 4096;
	rd.fail_at_end =
	    (s = param(envp, n, "FUZZ_READ_ERROR")) != NULL && *s == '1';

	fuzz_begin();
	http_request(&rq, &fuzz_arena, envp, fuzz_read, &rd, fuzz_cfg.max_body);
	/* As the worker does: a request the peer cut short is never run. */
	if (rq.early == RERR_GONE) {
		free(copy);
		return 0;
	}
	resp_init(&resp, &fuzz_arena);
	route_dispatch(&api_routes, &fuzz_svc, &rq, &resp);
	buf_init(&out, &fuzz_arena, resp.body.len + 512);
	http_serialize(&resp, &rq, &out);
	check(&rq, &resp, &out, param(envp, n, "HTTP_X_REQUEST_ID"));
	free(copy);
	return 0;
}
