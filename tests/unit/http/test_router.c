/*
 * The router (app/http/router.c) end to end in memory: a request from CGI
 * params, route_dispatch with a database handle that is never connected
 * (so any database access is "lost" → 503), and the Team API envelope
 * parsed back with jansson: the Team API's envelope, and the rules for bad
 * input and health that both dialects share.
 */
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
#include "roster/config.h"
#include "roster/db.h"
#include "roster/http.h"
#include "roster/ids.h"
#include "roster/jsonmem.h"
#include "roster/router.h"

#include "dispatch.h"

#define SITE	"665f0b3c4d2e1a0012345678"
#define TEAM	"/api/v1/admin/websites/" SITE "/team"
#define ACCEPT	"/api/v1/invitations/accept"	/* public: no credential */
/* Well-formed, so it reaches the (unconnected) database. */
#define TOKEN	"dft_abcdefghijABCDEFGHIJ0123456789-_abcdefghijk"

/* One request's worth of state; its arena dies in teardown. */
struct call {
	struct arena	 a;
	struct rq	 rq;
	struct resp	 resp;
	json_t		*env;
	json_t		*error;
	int		 code;		/* error.code, or 0 */
	const char	*message;	/* error.message, or NULL */
};

static int
setup(void **state)
{
	struct call	*c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	arena_init(&c->a);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct call	*c = *state;

	arena_release(&c->a);
	free(c);
	return 0;
}

/*
 * Serves one request: method, uri, then more "NAME=value" params, NULL-
 * terminated; the body is `body`.  Parses the envelope into c.
 */
static void
serve(struct call *c, const char *body, const char *method,
    const char *uri, ...)
{
	json_t		*v;
	va_list		 ap;

	va_start(ap, uri);
	c->env = dispatch(&c->a, &c->rq, &c->resp, body, method, uri, ap);
	va_end(ap);
	c->error = json_object_get(c->env, "error");
	if (c->error != NULL) {
		v = json_object_get(c->error, "code");
		c->code = json_is_integer(v) ? (int)json_integer_value(v) : -1;
		v = json_object_get(c->error, "message");
		c->message = json_is_string(v) ? json_string_value(v) : NULL;
	}
}

/*
 * A Team API error is the matching HTTP status and
 * {"status":"error","error":{"code":<status>,"message":"..."}}.
 */
static void
assert_error_envelope(const struct call *c, int status)
{
	assert_int_equal(c->resp.status, status);
	assert_string_equal(json_string_value(json_object_get(c->env,
	    "status")), "error");
	assert_non_null(c->error);
	assert_true(json_is_object(c->error));
	assert_int_equal(c->code, status);
	assert_non_null(c->message);
	assert_true(strlen(c->message) > 0);
	assert_null(json_object_get(c->env, "data"));
	assert_non_null(strstr(c->resp.content_type, "application/json"));
}

/* An unknown path is 404, in the envelope. */
static void
test_unknown_path_404(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "GET", "/api/v1/admin/nothing-here", NULL);
	assert_error_envelope(c, 404);
	assert_null(header(&c->resp, "Allow"));
}

static void
test_unknown_paths_404(void **state)
{
	static const char *const paths[] = {
		"/", "/api", "/api/v1", "/api/v1/admin",
		"/api/v1/admin/websites/" SITE,
		"/api/v1/admin/websites//team",
		TEAM "/" SITE "/extra",
		"/api/v1/health/",
		"/API/V1/HEALTH",
	};
	struct call	*c = *state;
	size_t		 i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		/* One arena serves them all; each call is self-contained. */
		serve(c, NULL, "GET", paths[i], NULL);
		assert_error_envelope(c, 404);
	}
}

/* A known path with the wrong method is 405, with an Allow header. */
static void
test_wrong_method_405_with_allow(void **state)
{
	struct call	*c = *state;
	const char	*allow;

	serve(c, NULL, "PUT", TEAM, NULL);
	assert_error_envelope(c, 405);
	assert_non_null(allow = header(&c->resp, "Allow"));
	assert_string_equal(allow, "GET, HEAD, POST, DELETE");
}

static void
test_wrong_method_405_health(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "DELETE", "/api/v1/health", NULL);
	assert_error_envelope(c, 405);
	assert_string_equal(header(&c->resp, "Allow"), "GET, HEAD");
	/* Any id shape: 405 is about the resource's methods. */
	serve(c, NULL, "PATCH", "/api/v1/admin/websites/nothex/team", NULL);
	assert_error_envelope(c, 405);
}

/* A missing credential is 401. */
static void
test_invite_without_authorization_401(void **state)
{
	struct call	*c = *state;

	serve(c, "{\"email\":\"a@b.cd\"}", "POST", TEAM,
	    "CONTENT_TYPE=application/json", NULL);
	assert_error_envelope(c, 401);
}

/* A malformed credential is 401, before the database is asked (which
 * here would be a 503). */
static void
test_malformed_credentials_401(void **state)
{
	static const char *const bad[] = {
		"HTTP_AUTHORIZATION=",
		"HTTP_AUTHORIZATION=Bearer",
		"HTTP_AUTHORIZATION=Bearer ",
		"HTTP_AUTHORIZATION=Basic dXNlcjpwYXNz",
		"HTTP_AUTHORIZATION=Bearer dft_",
		"HTTP_AUTHORIZATION=Bearer dft_short",
		"HTTP_AUTHORIZATION=Bearer " TOKEN "x",
		"HTTP_AUTHORIZATION=Bearer xyz_abcdefghijABCDEFGHIJ0123456789"
		    "-_abcdefghijk",
	};
	struct call	*c = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve(c, NULL, "GET", TEAM, bad[i], NULL);
		assert_error_envelope(c, 401);
	}
}

/* A well-formed credential needs the database: down, it is 503, never a
 * 401 that would tell the client its token is bad. */
static void
test_credential_with_database_down_503(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "GET", TEAM, "HTTP_AUTHORIZATION=Bearer " TOKEN,
	    NULL);
	assert_error_envelope(c, 503);
}

/* Health is 503 when the database is not reachable. */
static void
test_health_database_down_503(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "GET", "/api/v1/health", NULL);
	assert_error_envelope(c, 503);
	assert_false(db_alive(svc.db));
}

/* HEAD is GET without the body; the status is the same. */
static void
test_health_head_503(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "HEAD", "/api/v1/health", NULL);
	assert_error_envelope(c, 503);
}

/* A body over the limit (64 KiB by default) is 413. */
static void
test_early_413(void **state)
{
	struct call	*c = *state;
	char		*body;
	size_t		 n = (size_t)cfg.max_body + 1;

	body = arena_alloc(&c->a, n + 1);
	memset(body, ' ', n);
	serve(c, body, "POST", TEAM, "CONTENT_TYPE=application/json",
	    "HTTP_AUTHORIZATION=Bearer " TOKEN, NULL);
	assert_error_envelope(c, 413);
	assert_non_null(strstr(c->message, "65536"));
}

/* The early checks come before routing: a bad Content-Length is 400
 * even on an unknown path. */
static void
test_early_400_before_routing(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "POST", "/nowhere", "CONTENT_LENGTH=abc", NULL);
	assert_error_envelope(c, 400);
}

/* A path that decodes to NUL names nothing: 404 in the envelope. */
static void
test_nul_path_404(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "GET", "/api/v1/health%00", NULL);
	assert_error_envelope(c, 404);
}

/* Every error is in the envelope: the message is JSON-escaped. */
static void
test_405_message_names_method(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "PUT", TEAM, NULL);
	assert_non_null(strstr(c->message, "PUT"));
	assert_non_null(strstr(c->message, "GET, HEAD, POST, DELETE"));
}

/*
 * Bad input on a public route (no credential, so no database): a write
 * that needs fields and has no body is 400.
 */
static void
test_required_body_missing_400(void **state)
{
	struct call	*c = *state;

	serve(c, NULL, "POST", ACCEPT, "CONTENT_TYPE=application/json",
	    NULL);
	assert_error_envelope(c, 400);
	serve(c, " \r\n\t", "POST", ACCEPT, "CONTENT_TYPE=application/json",
	    NULL);
	assert_error_envelope(c, 400);
}

/* A body that is not JSON is 415 (or 400). */
static void
test_body_not_json_type_415(void **state)
{
	struct call	*c = *state;

	serve(c, "token=abc", "POST", ACCEPT,
	    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL);
	assert_error_envelope(c, 415);
	serve(c, "{\"token\":\"abc\"}", "POST", ACCEPT, NULL);
	assert_error_envelope(c, 415);
}

/* Malformed JSON is 400. */
static void
test_malformed_json_400(void **state)
{
	static const char *const bad[] = {
		"{", "{\"token\":}", "not json", "{\"a\":1}}",
		"{\"a\":1,\"a\":2}",	/* duplicate keys */
		"{\"a\":\"\\u0000\"}",	/* NUL in a string */
	};
	struct call	*c = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve(c, bad[i], "POST", ACCEPT,
		    "CONTENT_TYPE=application/json; charset=utf-8", NULL);
		assert_error_envelope(c, 400);
	}
}

/* Inviting with a body that is not a JSON object is 400. */
static void
test_body_not_object_400(void **state)
{
	static const char *const bad[] = { "[]", "[{}]", "\"x\"", "42",
	    "null" };
	struct call	*c = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve(c, bad[i], "POST", ACCEPT,
		    "CONTENT_TYPE=application/json", NULL);
		assert_error_envelope(c, 400);
	}
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_unknown_path_404),
		T(test_unknown_paths_404),
		T(test_wrong_method_405_with_allow),
		T(test_wrong_method_405_health),
		T(test_invite_without_authorization_401),
		T(test_malformed_credentials_401),
		T(test_credential_with_database_down_503),
		T(test_health_database_down_503),
		T(test_health_head_503),
		T(test_early_413),
		T(test_early_400_before_routing),
		T(test_nul_path_404),
		T(test_405_message_names_method),
		T(test_required_body_missing_400),
		T(test_body_not_json_type_415),
		T(test_malformed_json_400),
		T(test_body_not_object_400),
	};
#undef T

	return cmocka_run_group_tests(tests, dispatch_group_setup,
	    dispatch_group_teardown);
}
