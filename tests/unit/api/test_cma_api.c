/*
 * The DatoCMS dialect's envelope (app/api/cma_api.c) through the router, in
 * memory, with a database handle that is never connected (so anything
 * that reaches the database is a 503).  The dialect's errors are
 * {"data":[{"id","type":"api_error","attributes":{"code","details"}}]},
 * never transient, always Content-Type application/json; as in the other
 * dialect, an unknown path is 404 and a wrong method 405 with Allow, here
 * in this dialect's envelope.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "roster/arena.h"
#include "roster/docs.h"
#include "roster/cma_api.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/http.h"
#include "roster/jsonmem.h"
#include "roster/router.h"

#include "dispatch.h"

/* Well-formed, so it reaches the (unconnected) database. */
#define TOKEN "dft_abcdefghijABCDEFGHIJ0123456789-_abcdefghijk"
#define SITE  "665f0b3c4d2e1a0012345678"

struct call {
	struct arena a;
	struct rq    rq;
	struct resp  resp;
	json_t      *env;
	json_t      *err; /* data[0] of an error */
};

static int
group_setup(void **state)
{
	dispatch_group_setup(state);
	cfg.rate_limit = 0;
	return 0;
}

static int
setup(void **state)
{
	struct call *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	arena_init(&c->a);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct call *c = *state;

	arena_release(&c->a);
	free(c);
	return 0;
}

/* Serves method uri with more "NAME=value" params, NULL-terminated. */
static void
serve(struct call *c, const char *body, const char *method, const char *uri,
    ...)
{
	json_t *data;
	va_list ap;

	va_start(ap, uri);
	c->env = dispatch(&c->a, &c->rq, &c->resp, body, method, uri, ap);
	va_end(ap);
	c->err = NULL;
	data = json_object_get(c->env, "data");
	if (json_is_array(data) && json_array_size(data) > 0)
		c->err = json_array_get(data, 0);
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * The official client fills ApiError only from a first entry with id,
 * type "api_error" and attributes {code, details}; it retries for ever on
 * attributes.transient, and on any response that is not application/json.
 */
static void
assert_api_error(const struct call *c, int status, const char *code)
{
	json_t     *attrs;
	const char *url, *hash;
	size_t      i;

	assert_int_equal(c->resp.status, status);
	assert_string_equal(c->resp.content_type,
	    "application/json; charset=utf-8");
	assert_non_null(c->err);
	assert_int_equal(json_array_size(json_object_get(c->env, "data")), 1);
	assert_null(json_object_get(c->env, "status"));
	assert_non_null(str(c->err, "id"));
	assert_true(strlen(str(c->err, "id")) > 0);
	assert_string_equal(str(c->err, "type"), "api_error");
	attrs = json_object_get(c->err, "attributes");
	assert_true(json_is_object(attrs));
	assert_string_equal(str(attrs, "code"), code);
	assert_true(json_is_object(json_object_get(attrs, "details")));
	assert_null(json_object_get(attrs, "transient"));
	/*
	 * doc_url (declared by the client's types): the code's section of
	 * roster's API reference, served at PUBLIC_URL/docs/api-reference.md.
	 */
	url = str(attrs, "doc_url");
	assert_non_null(url);
	assert_int_equal(strncmp(url, cfg.public_url, strlen(cfg.public_url)),
	    0);
	assert_int_equal(strncmp(url + strlen(cfg.public_url),
			     "/docs/api-reference.md#", 13),
	    0);
	hash = strchr(url, '#') + 1;
	assert_int_equal(strlen(hash), strlen(code));
	for (i = 0; code[i] != '\0'; i++)
		assert_int_equal(hash[i], tolower((unsigned char)code[i]));
}

/* "an unknown path is 404", in DatoCMS's shape under /cma. */
static void
test_unknown_paths_404(void **state)
{
	/* Packed by hand; clang-format would put one item per line. */
	/* clang-format off */
	static const char *const paths[] = {
		"/cma", "/cma/", "/cma/items", "/cma/site-invitations/a/b",
		"/cma/roles/member/x", "/cma/users/me/x",
	};
	/* clang-format on */
	struct call *c = *state;
	size_t       i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		serve(c, NULL, "GET", paths[i], NULL);
		assert_api_error(c, 404, "NOT_FOUND");
	}
}

/* Only /cma and below is the DatoCMS dialect. */
static void
test_cma_prefix_only(void **state)
{
	struct call *c = *state;

	serve(c, NULL, "GET", "/cmaX/site-invitations", NULL);
	assert_int_equal(c->resp.status, 404);
	assert_string_equal(str(c->env, "status"), "error");
}

/* "a known path with the wrong method is 405 with an Allow header". */
static void
test_wrong_method_405(void **state)
{
	struct call *c = *state;

	serve(c, NULL, "PATCH", "/cma/site-invitations", NULL);
	assert_api_error(c, 405, "INVALID_ENDPOINT");
	assert_string_equal(header(&c->resp, "Allow"), "GET, HEAD, POST");
	serve(c, NULL, "POST", "/cma/site-invitations/" SITE, NULL);
	assert_api_error(c, 405, "INVALID_ENDPOINT");
	assert_string_equal(header(&c->resp, "Allow"),
	    "GET, HEAD, PUT, DELETE");
	serve(c, NULL, "DELETE", "/cma/roles/member", NULL);
	assert_api_error(c, 405, "INVALID_ENDPOINT");
	assert_string_equal(header(&c->resp, "Allow"), "GET, HEAD");
}

/* A method that is not UTF-8 text still gets a JSON 405 (the default text). */
static void
test_405_method_not_utf8(void **state)
{
	struct call *c = *state;

	serve(c, NULL, "P\xff\xfeST", "/cma/site-invitations", NULL);
	assert_api_error(c, 405, "INVALID_ENDPOINT");
	assert_string_equal(str(json_object_get(json_object_get(c->err,
						    "attributes"),
				    "details"),
				"message"),
	    "Method not allowed");
}

/*
 * "A missing, malformed ... credential is 401":
 * INVALID_AUTHORIZATION_HEADER.
 */
static void
test_401_invalid_authorization_header(void **state)
{
	static const char *const bad[] = {
		"HTTP_X_API_VERSION=3",
		"HTTP_AUTHORIZATION=Bearer",
		"HTTP_AUTHORIZATION=Bearer nope",
		"HTTP_AUTHORIZATION=Api-Key " TOKEN,
	};
	struct call *c = *state;
	size_t       i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve(c, NULL, "GET", "/cma/site-invitations", bad[i],
		    "HTTP_X_SITE_ID=" SITE, NULL);
		assert_api_error(c, 401, "INVALID_AUTHORIZATION_HEADER");
	}
	/* Before the body is looked at. */
	serve(c, "not json", "POST", "/cma/site-invitations",
	    "CONTENT_TYPE=application/vnd.api+json", NULL);
	assert_api_error(c, 401, "INVALID_AUTHORIZATION_HEADER");
}

/*
 * The database down is SERVICE_UNAVAILABLE 503, and not transient: the
 * client would retry a transient error for ever.
 */
static void
test_database_down_503(void **state)
{
	struct call *c = *state;

	serve(c, NULL, "GET", "/cma/roles", "HTTP_AUTHORIZATION=Bearer " TOKEN,
	    NULL);
	assert_api_error(c, 503, "SERVICE_UNAVAILABLE");
	serve(c, NULL, "GET", "/cma/users", "HTTP_AUTHORIZATION=Bearer " TOKEN,
	    "HTTP_X_SITE_ID=" SITE, NULL);
	assert_api_error(c, 503, "SERVICE_UNAVAILABLE");
}

/* The error's id is the request id, which the log line carries too. */
static void
test_error_id_is_request_id(void **state)
{
	struct call *c = *state;

	serve(c, NULL, "GET", "/cma/nothing", "HTTP_X_REQUEST_ID=cma-req-42",
	    NULL);
	assert_api_error(c, 404, "NOT_FOUND");
	assert_string_equal(str(c->err, "id"), "cma-req-42");
}

/* Early failures (a body over max_body) are rendered by the dialect too. */
static void
test_early_413(void **state)
{
	struct call *c = *state;
	char         len[64];

	snprintf(len, sizeof(len), "CONTENT_LENGTH=%ld", cfg.max_body + 1);
	serve(c, NULL, "POST", "/cma/site-invitations", len,
	    "CONTENT_TYPE=application/json", NULL);
	assert_api_error(c, 413, "REQUEST_ENTITY_TOO_LARGE");
}

static int
is_status(int s)
{
	return s >= 100 && s <= 599;
}

/*
 * The dialect's own table (app/api/cma_api.c): every outcome has a status
 * and a code; only the successes are below 400, and a creation is 201.
 */
static void
test_wire_every_outcome(void **state)
{
	int e;

	(void)state;
	for (e = 0; e < RERR__MAX; e++) {
		assert_true(is_status(cma_api_status((enum rerr)e)));
		assert_non_null(cma_api_code((enum rerr)e));
		assert_true(strlen(cma_api_code((enum rerr)e)) > 0);
		if (!rerr_success((enum rerr)e))
			assert_true(cma_api_status((enum rerr)e) >= 400);
	}
	assert_int_equal(cma_api_status(RERR_OK), 200);
	assert_int_equal(cma_api_status(RERR_CREATED), 201);
	/* Out-of-range values are answered as an internal error, never UB. */
	assert_string_equal(cma_api_code(RERR__MAX), "INTERNAL_SERVER_ERROR");
	assert_int_equal(cma_api_status((enum rerr) - 1), 500);
}

/*
 * API.md DatoCMS codes: INVALID_AUTHORIZATION_HEADER 401, NOT_FOUND 404,
 * INVALID_FIELD 422 (a pending invitation too), RATE_LIMIT_EXCEEDED 429.
 */
static void
test_wire_codes(void **state)
{
	(void)state;
	assert_int_equal(cma_api_status(RERR_PENDING), 422);
	assert_string_equal(cma_api_code(RERR_PENDING), "INVALID_FIELD");
	assert_int_equal(cma_api_status(RERR_UNAVAILABLE), 503);
	assert_string_equal(cma_api_code(RERR_UNAUTHENTICATED),
	    "INVALID_AUTHORIZATION_HEADER");
	assert_string_equal(cma_api_code(RERR_NOT_FOUND), "NOT_FOUND");
	assert_string_equal(cma_api_code(RERR_INVALID), "INVALID_FIELD");
	assert_int_equal(cma_api_status(RERR_INVALID), 422);
	assert_string_equal(cma_api_code(RERR_RATE_LIMITED),
	    "RATE_LIMIT_EXCEEDED");
	assert_int_equal(cma_api_status(RERR_RATE_LIMITED), 429);
}

/*
 * Every error code's doc_url lands on a section of the reference roster
 * serves (docs/api-reference.md, embedded): a heading naming the code, whose anchor
 * is the code in lower case.
 */
static void
test_every_code_documented(void **state)
{
	char head[128];
	int  e;

	(void)state;
	for (e = 0; e < RERR__MAX; e++) {
		if (rerr_success((enum rerr)e))
			continue;
		snprintf(head, sizeof(head), "\n#### `%s`\n",
		    cma_api_code((enum rerr)e));
		if (strstr(docs_api_md, head) == NULL)
			fail_msg("docs/api-reference.md has no heading %s",
			    head);
	}
	assert_int_equal(strlen(docs_api_md), docs_api_md_len);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_unknown_paths_404),
		T(test_cma_prefix_only),
		T(test_wrong_method_405),
		T(test_405_method_not_utf8),
		T(test_401_invalid_authorization_header),
		T(test_database_down_503),
		T(test_error_id_is_request_id),
		T(test_early_413),
		cmocka_unit_test(test_wire_every_outcome),
		cmocka_unit_test(test_wire_codes),
		cmocka_unit_test(test_every_code_documented),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup,
	    dispatch_group_teardown);
}
