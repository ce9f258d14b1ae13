/*
 * Requests from CGI params and responses to CGI text (app/http/http.c), with
 * the body rules (libfcgi itself ignores CONTENT_LENGTH and reads to the
 * end of the stream): CONTENT_LENGTH trusted only when digits and within
 * the cap, exactly that many bytes read, then EOF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "roster/arena.h"
#include "roster/err.h"
#include "roster/http.h"
#include "roster/ids.h"

/* An in-memory body that hands out at most `chunk` bytes per read. */
struct reader {
	const char *data;
	size_t      len;
	size_t      pos;
	int         chunk; /* 0: no limit */
	int         fail;  /* return -1 once the data is out */
	int         calls;
};

static int
rd(void *ctx, char *buf, int n)
{
	struct reader *r = ctx;
	size_t         k;

	r->calls++;
	if (r->pos >= r->len)
		return r->fail ? -1 : 0;
	k = r->len - r->pos;
	if (k > (size_t)n)
		k = (size_t)n;
	if (r->chunk > 0 && k > (size_t)r->chunk)
		k = (size_t)r->chunk;
	memcpy(buf, r->data + r->pos, k);
	r->pos += k;
	return (int)k;
}

static struct arena a;

static int
setup(void **state)
{
	(void)state;
	arena_init(&a);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_release(&a);
	return 0;
}

/* Builds a request from NULL-terminated "NAME=value" strings. */
static void
req(struct rq *rq, struct reader *r, long max_body, ...)
{
	char       *envp[32];
	const char *s;
	va_list     ap;
	int         n = 0;

	va_start(ap, max_body);
	while ((s = va_arg(ap, const char *)) != NULL && n < 31)
		envp[n++] = (char *)(uintptr_t)s;
	va_end(ap);
	envp[n] = NULL;
	http_request(rq, &a, envp, rd, r, max_body);
}

static void
test_method(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/", NULL);
	assert_int_equal(rq.method, M_POST);
	assert_string_equal(rq.method_name, "POST");
	req(&rq, &r, 1024, "REQUEST_METHOD=HEAD", "REQUEST_URI=/", NULL);
	assert_int_equal(rq.method, M_HEAD);
	req(&rq, &r, 1024, "REQUEST_METHOD=BREW", "REQUEST_URI=/", NULL);
	assert_int_equal(rq.method, M_OTHER);
	assert_string_equal(rq.method_name, "BREW");
	req(&rq, &r, 1024, "REQUEST_METHOD=get", "REQUEST_URI=/", NULL);
	assert_int_equal(rq.method, M_OTHER);
	assert_int_equal(http_method("DELETE"), M_DELETE);
	assert_int_equal(http_method("PATCH"), M_PATCH);
	assert_int_equal(http_method("PUT"), M_PUT);
	assert_int_equal(http_method("OPTIONS"), M_OPTIONS);
	assert_int_equal(http_method(NULL), M_OTHER);
	assert_string_equal(http_method_name(M_GET), "GET");
	assert_string_equal(http_method_name(M__MAX), "OTHER");
}

static void
test_headers_taken(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/x",
	    "HTTP_AUTHORIZATIONX=no", "HTTP_AUTHORIZATION=Bearer abc",
	    "CONTENT_TYPE=application/json", "HTTP_IDEMPOTENCY_KEY=k1",
	    "HTTP_X_SITE_ID=s1", "REMOTE_ADDR=192.0.2.1", NULL);
	assert_string_equal(rq.authorization, "Bearer abc");
	assert_string_equal(rq.content_type, "application/json");
	assert_string_equal(rq.idempotency_key, "k1");
	assert_string_equal(rq.site_header, "s1");
	assert_string_equal(rq.remote_addr, "192.0.2.1");
	assert_int_equal(rq.early, RERR_OK);
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/x", NULL);
	assert_null(rq.authorization);
	assert_null(rq.content_type);
}

/* The raw REQUEST_URI is decoded once, here. */
static void
test_path_percent_decoded(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=GET",
	    "REQUEST_URI=/api/v1/a%20b/%C3%a9+c?x=%41", NULL);
	assert_string_equal(rq.path, "/api/v1/a b/\xc3\xa9+c");
	assert_string_equal(rq.query, "x=%41");
	assert_int_equal(rq.early, RERR_OK);
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/plain", NULL);
	assert_string_equal(rq.path, "/plain");
	assert_string_equal(rq.query, "");
	/* No URI, or not a path: "/". */
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", NULL);
	assert_string_equal(rq.path, "/");
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=http://evil/x",
	    NULL);
	assert_string_equal(rq.path, "/");
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "SCRIPT_NAME=/from/script",
	    NULL);
	assert_string_equal(rq.path, "/from/script");
}

/* A path that decodes to NUL or is badly encoded names nothing: 404. */
static void
test_path_nul_is_early_404(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=GET",
	    "REQUEST_URI=/api/v1/health%00.json", NULL);
	assert_int_equal(rq.early, RERR_NOT_FOUND);
	assert_string_equal(rq.path, "/");
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/a%zz", NULL);
	assert_int_equal(rq.early, RERR_NOT_FOUND);
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/a%4", NULL);
	assert_int_equal(rq.early, RERR_NOT_FOUND);
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/a%", NULL);
	assert_int_equal(rq.early, RERR_NOT_FOUND);
	/* Only the path: a bad query is the handler's business. */
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/a?b=%00", NULL);
	assert_int_equal(rq.early, RERR_OK);
	assert_string_equal(rq.query, "b=%00");
}

static void
test_query_decoding(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;
	int           bad = 0;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=GET",
	    "REQUEST_URI=/t?"
	    "name=J%C3%A9r%C3%B4me+X&limitx=1&limit=50&flag&empty=&"
	    "cursor=ab%2Bc%2f",
	    NULL);
	assert_string_equal(http_query(&rq, "name", &bad),
	    "J\xc3\xa9r\xc3\xb4me X");
	assert_string_equal(http_query(&rq, "limit", &bad), "50");
	assert_string_equal(http_query(&rq, "limitx", &bad), "1");
	assert_string_equal(http_query(&rq, "flag", &bad), "");
	assert_string_equal(http_query(&rq, "empty", &bad), "");
	assert_string_equal(http_query(&rq, "cursor", &bad), "ab+c/");
	assert_null(http_query(&rq, "missing", &bad));
	assert_null(http_query(&rq, "lim", &bad));
	assert_int_equal(bad, 0);
	/* The first of repeated names wins. */
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/t?a=1&a=2",
	    NULL);
	assert_string_equal(http_query(&rq, "a", &bad), "1");
	/* No query at all. */
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/t", NULL);
	assert_null(http_query(&rq, "a", &bad));
	assert_int_equal(bad, 0);
}

static void
test_query_bad_encoding_sets_bad(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;
	int           bad;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=GET",
	    "REQUEST_URI=/t?a=%zz&b=%00&c=%4&d=ok", NULL);
	bad = 0;
	assert_null(http_query(&rq, "a", &bad));
	assert_int_equal(bad, 1);
	bad = 0;
	assert_null(http_query(&rq, "b", &bad));
	assert_int_equal(bad, 1);
	bad = 0;
	assert_null(http_query(&rq, "c", &bad));
	assert_int_equal(bad, 1);
	bad = 0;
	assert_string_equal(http_query(&rq, "d", &bad), "ok");
	assert_int_equal(bad, 0);
}

static void
test_body_read_exactly(void **state)
{
	struct reader r = { "{\"a\":1}", 7, 0, 2, 0, 0 };
	struct rq     rq;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/",
	    "CONTENT_LENGTH=7", NULL);
	assert_int_equal(rq.early, RERR_OK);
	assert_int_equal(rq.content_length, 7);
	assert_int_equal(rq.body_len, 7);
	assert_string_equal(rq.body, "{\"a\":1}");
	/* No CONTENT_LENGTH, or an empty one: no body. */
	r.pos = 0;
	r.len = 0;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/", NULL);
	assert_int_equal(rq.early, RERR_OK);
	assert_int_equal(rq.body_len, 0);
	assert_string_equal(rq.body, "");
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/",
	    "CONTENT_LENGTH=", NULL);
	assert_int_equal(rq.early, RERR_OK);
}

/* The body rules: a CONTENT_LENGTH that is not digits is 400. */
static void
test_content_length_not_digits_invalid(void **state)
{
	/* Packed by hand; clang-format would put one item per line. */
	/* clang-format off */
	static const char *const bad[] = {
		"CONTENT_LENGTH=12a", "CONTENT_LENGTH=-1", "CONTENT_LENGTH= 5",
		"CONTENT_LENGTH=+5", "CONTENT_LENGTH=5 ", "CONTENT_LENGTH=0x10",
		"CONTENT_LENGTH=99999999999999999999",
	};
	/* clang-format on */
	struct reader r = { "hello", 5, 0, 0, 0, 0 };
	struct rq     rq;
	size_t        i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.pos = 0;
		req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/",
		    bad[i], NULL);
		assert_int_equal(rq.early, RERR_INVALID);
		assert_int_equal(rq.body_len, 0);
		assert_string_equal(rq.body, "");
	}
}

/* A body over the limit is 413, and the body is not kept. */
static void
test_too_large_drains_reader(void **state)
{
	static char   body[200000];
	struct reader r = { body, sizeof(body), 0, 1000, 0, 0 };
	struct rq     rq;
	size_t        before;

	(void)state;
	memset(body, 'x', sizeof(body));
	before = a.total;
	req(&rq, &r, 65536, "REQUEST_METHOD=POST", "REQUEST_URI=/",
	    "CONTENT_LENGTH=200000", NULL);
	assert_int_equal(rq.early, RERR_TOO_LARGE);
	assert_non_null(strstr(rq.early_msg, "65536"));
	assert_int_equal(r.pos, sizeof(body)); /* drained */
	assert_int_equal(rq.body_len, 0);      /* not stored */
	assert_string_equal(rq.body, "");
	assert_true(a.total - before < sizeof(body));
	/* Exactly the limit is fine. */
	r.pos = 0;
	r.len = 1024;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/",
	    "CONTENT_LENGTH=1024", NULL);
	assert_int_equal(rq.early, RERR_OK);
	assert_int_equal(rq.body_len, 1024);
	r.pos = 0;
	r.len = 1025;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/",
	    "CONTENT_LENGTH=1025", NULL);
	assert_int_equal(rq.early, RERR_TOO_LARGE);
}

/* The body rules: a body shorter than declared is 400. */
static void
test_body_shorter_invalid(void **state)
{
	struct reader r = { "abc", 3, 0, 1, 0, 0 };
	struct rq     rq;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/",
	    "CONTENT_LENGTH=10", NULL);
	assert_int_equal(rq.early, RERR_INVALID);
	assert_int_equal(rq.body_len, 3);
	/*
	 * A read error is a peer that went away mid-request: RERR_GONE, so
	 * the worker drops the request instead of running half of it.
	 */
	r.pos = 0;
	r.fail = 1;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/",
	    "CONTENT_LENGTH=10", NULL);
	assert_int_equal(rq.early, RERR_GONE);
}

/* The body rules: a body longer than declared is 400. */
static void
test_body_longer_invalid(void **state)
{
	struct reader r = { "abcdef", 6, 0, 0, 0, 0 };
	struct rq     rq;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/",
	    "CONTENT_LENGTH=3", NULL);
	assert_int_equal(rq.early, RERR_INVALID);
	assert_int_equal(r.pos, 6); /* drained */
	/* A body without any CONTENT_LENGTH is longer than 0. */
	r.pos = 0;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/", NULL);
	assert_int_equal(rq.early, RERR_INVALID);
}

/* The first problem found is the one answered. */
static void
test_first_early_wins(void **state)
{
	struct reader r = { "abc", 3, 0, 0, 0, 0 };
	struct rq     rq;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=POST", "REQUEST_URI=/%00",
	    "CONTENT_LENGTH=x", NULL);
	assert_int_equal(rq.early, RERR_NOT_FOUND);
}

/* X-Request-Id: the request's own when it has a usable one, else a new one. */
static void
test_request_id_taken_when_plain(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;
	char          env[128];

	(void)state;
	req(&rq, &r, 1024, "REQUEST_URI=/", "HTTP_X_REQUEST_ID=abc-DEF_123.x",
	    NULL);
	assert_string_equal(rq.request_id, "abc-DEF_123.x");
	/* 64 characters: the longest taken. */
	snprintf(env, sizeof(env), "HTTP_X_REQUEST_ID=%064d", 1);
	req(&rq, &r, 1024, "REQUEST_URI=/", env, NULL);
	assert_string_equal(rq.request_id, env + 18);
	assert_int_equal(strlen(rq.request_id), 64);
}

static void
test_request_id_replaced_otherwise(void **state)
{
	/* Packed by hand; clang-format would put one item per line. */
	/* clang-format off */
	static const char *const bad[] = {
		"HTTP_X_REQUEST_ID=", "HTTP_X_REQUEST_ID=has space",
		"HTTP_X_REQUEST_ID=a/b", "HTTP_X_REQUEST_ID=line\nbreak",
		"HTTP_X_REQUEST_ID=\xc3\xa9", "HTTP_X_REQUEST_ID=a\"b",
		NULL,
	};
	/* clang-format on */
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;
	char          env[128];
	size_t        i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req(&rq, &r, 1024, "REQUEST_URI=/", bad[i], NULL);
		assert_true(id_valid(rq.request_id));
	}
	snprintf(env, sizeof(env), "HTTP_X_REQUEST_ID=%065d", 1);
	req(&rq, &r, 1024, "REQUEST_URI=/", env, NULL);
	assert_true(id_valid(rq.request_id));
}

static const char *
header_value(const char *text, const char *name)
{
	static char v[256];
	const char *p = text, *e;
	size_t      n = strlen(name);

	while ((e = strstr(p, "\r\n")) != NULL && e != p) {
		if (strncmp(p, name, n) == 0 && p[n] == ':' &&
		    p[n + 1] == ' ') {
			snprintf(v, sizeof(v), "%.*s", (int)(e - p - n - 2),
			    p + n + 2);
			return v;
		}
		p = e + 2;
	}
	return NULL;
}

static void
test_serialize(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;
	struct resp   resp;
	struct buf    out;
	const char   *body = "{\"status\":\"error\"}", *sep;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=GET", "REQUEST_URI=/",
	    "HTTP_X_REQUEST_ID=req-1", NULL);
	resp_init(&resp, &a);
	resp.status = 404;
	resp_header(&resp, "Allow", "GET, HEAD");
	resp_header(&resp, "X-Extra", "1");
	buf_puts(&resp.body, body);
	buf_init(&out, &a, 0);
	http_serialize(&resp, &rq, &out);
	assert_memory_equal(out.p, "Status: 404 Not Found\r\n", 23);
	assert_string_equal(header_value(out.p, "Content-Type"),
	    "application/json; charset=utf-8");
	assert_int_equal(atoi(header_value(out.p, "Content-Length")),
	    strlen(body));
	assert_string_equal(header_value(out.p, "X-Request-Id"), "req-1");
	assert_string_equal(header_value(out.p, "Allow"), "GET, HEAD");
	assert_string_equal(header_value(out.p, "X-Extra"), "1");
	assert_non_null(sep = strstr(out.p, "\r\n\r\n"));
	assert_string_equal(sep + 4, body);
	assert_int_equal(out.len, (size_t)(sep + 4 - out.p) + strlen(body));
}

/* HEAD gets the headers of GET, Content-Length included, and no body. */
static void
test_serialize_head_has_no_body(void **state)
{
	struct reader r = { "", 0, 0, 0, 0, 0 };
	struct rq     rq;
	struct resp   resp;
	struct buf    out;
	const char   *sep;

	(void)state;
	req(&rq, &r, 1024, "REQUEST_METHOD=HEAD", "REQUEST_URI=/", NULL);
	resp_init(&resp, &a);
	buf_puts(&resp.body, "{\"status\":\"success\",\"data\":[]}");
	buf_init(&out, &a, 0);
	http_serialize(&resp, &rq, &out);
	assert_memory_equal(out.p, "Status: 200 OK\r\n", 16);
	assert_int_equal(atoi(header_value(out.p, "Content-Length")),
	    resp.body.len);
	assert_string_equal(header_value(out.p, "X-Request-Id"), rq.request_id);
	assert_non_null(sep = strstr(out.p, "\r\n\r\n"));
	assert_string_equal(sep + 4, "");
}

/* Headers beyond the fixed room are dropped, never overflowed. */
static void
test_resp_header_bounded(void **state)
{
	struct resp resp;
	int         i;

	(void)state;
	resp_init(&resp, &a);
	assert_int_equal(resp.status, 200);
	for (i = 0; i < RESP_MAX_HEADERS + 5; i++)
		resp_header(&resp, "X-N", "v");
	assert_int_equal(resp.nhdr, RESP_MAX_HEADERS);
}

static void
test_http_reason(void **state)
{
	(void)state;
	assert_string_equal(http_reason(200), "OK");
	assert_string_equal(http_reason(201), "Created");
	assert_string_equal(http_reason(400), "Bad Request");
	assert_string_equal(http_reason(401), "Unauthorized");
	assert_string_equal(http_reason(403), "Forbidden");
	assert_string_equal(http_reason(404), "Not Found");
	assert_string_equal(http_reason(405), "Method Not Allowed");
	assert_string_equal(http_reason(409), "Conflict");
	assert_string_equal(http_reason(410), "Gone");
	assert_string_equal(http_reason(413), "Payload Too Large");
	assert_string_equal(http_reason(415), "Unsupported Media Type");
	assert_string_equal(http_reason(422), "Unprocessable Entity");
	assert_string_equal(http_reason(429), "Too Many Requests");
	assert_string_equal(http_reason(503), "Service Unavailable");
	assert_string_equal(http_reason(500), "Internal Server Error");
	assert_string_equal(http_reason(502), "Internal Server Error");
	assert_string_equal(http_reason(418), "Error");
}

/* Every outcome's Team API status is one the Status line can name. */
static void
test_http_reason_every_outcome(void **state)
{
	int e;

	(void)state;
	for (e = 0; e < RERR__MAX; e++)
		assert_non_null(http_reason(rerr_team_status((enum rerr)e)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_headers_taken),
		cmocka_unit_test(test_path_percent_decoded),
		cmocka_unit_test(test_path_nul_is_early_404),
		cmocka_unit_test(test_query_decoding),
		cmocka_unit_test(test_query_bad_encoding_sets_bad),
		cmocka_unit_test(test_body_read_exactly),
		cmocka_unit_test(test_content_length_not_digits_invalid),
		cmocka_unit_test(test_too_large_drains_reader),
		cmocka_unit_test(test_body_shorter_invalid),
		cmocka_unit_test(test_body_longer_invalid),
		cmocka_unit_test(test_first_early_wins),
		cmocka_unit_test(test_request_id_taken_when_plain),
		cmocka_unit_test(test_request_id_replaced_otherwise),
		cmocka_unit_test(test_serialize),
		cmocka_unit_test(test_serialize_head_has_no_body),
		cmocka_unit_test(test_resp_header_bounded),
		cmocka_unit_test(test_http_reason),
		cmocka_unit_test(test_http_reason_every_outcome),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
