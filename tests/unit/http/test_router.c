/*
 * The router (app/http/router.c) end to end in memory: a request from CGI
 * params, route_dispatch with a database handle that is never connected
 * (so any database access is "lost" → 503), and the Team API envelope
 * parsed back with jansson.  API.md "The Team API" (envelope) and "Across
 * both dialects" ("Bad input", "Health").  And the route table as the
 * router reads it: the matcher's captures, the rows' flags, the plain
 * dialect, what the router reports to the worker, the Team renderer.
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
#include "roster/scoreboard.h"
#include "roster/team_api.h"

#include "dispatch.h"

#define SITE   "665f0b3c4d2e1a0012345678"
#define ID     "665f0b3c4d2e1a00000000d4"
#define TEAM   "/api/v1/admin/websites/" SITE "/team"
#define ACCEPT "/api/v1/invitations/accept" /* public: no credential */
/* Well-formed, so it reaches the (unconnected) database. */
#define TOKEN "dft_abcdefghijABCDEFGHIJ0123456789-_abcdefghijk"

/* One request's worth of state; its arena dies in teardown. */
struct call {
	struct arena a;
	struct rq    rq;
	struct resp  resp;
	json_t      *env;
	json_t      *error;
	int          code;    /* error.code, or 0 */
	const char  *message; /* error.message, or NULL */
};

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

/*
 * Serves one request: method, uri, then more "NAME=value" params, NULL-
 * terminated; the body is `body`.  Parses the envelope into c.
 */
static void
serve(struct call *c, const char *body, const char *method, const char *uri,
    ...)
{
	json_t *v;
	va_list ap;

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

/* The same, for any answer: nothing is parsed. */
static struct served
serve_raw(struct call *c, const char *body, const char *method, const char *uri,
    ...)
{
	struct served s;
	va_list       ap;

	va_start(ap, uri);
	s = dispatch_raw(&c->a, &c->rq, &c->resp, body, method, uri, ap);
	va_end(ap);
	return s;
}

/*
 * A Team API error is the matching HTTP status and
 * {"status":"error","error":{"code":<status>,"message":"..."}}.
 */
static void
assert_error_envelope(const struct call *c, int status)
{
	assert_int_equal(c->resp.status, status);
	assert_string_equal(json_string_value(
				json_object_get(c->env, "status")),
	    "error");
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
	struct call *c = *state;

	serve(c, NULL, "GET", "/api/v1/admin/nothing-here", NULL);
	assert_error_envelope(c, 404);
	assert_null(header(&c->resp, "Allow"));
}

static void
test_unknown_paths_404(void **state)
{
	/* Packed by hand; clang-format would put one item per line. */
	/* clang-format off */
	static const char *const paths[] = {
		"/", "/api", "/api/v1", "/api/v1/admin",
		"/api/v1/admin/websites/" SITE "/nothing",
		"/api/v1/admin/websites//team",
		TEAM "/" SITE "/extra",
		"/api/v1/health/",
		"/API/V1/HEALTH",
	};
	/* clang-format on */
	struct call *c = *state;
	size_t       i;

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
	struct call *c = *state;
	const char  *allow;

	serve(c, NULL, "PUT", TEAM, NULL);
	assert_error_envelope(c, 405);
	assert_non_null(allow = header(&c->resp, "Allow"));
	assert_string_equal(allow, "GET, HEAD, POST, DELETE");
}

static void
test_wrong_method_405_health(void **state)
{
	struct call *c = *state;

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
	struct call *c = *state;

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
	struct call *c = *state;
	size_t       i;

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
	struct call *c = *state;

	serve(c, NULL, "GET", TEAM, "HTTP_AUTHORIZATION=Bearer " TOKEN, NULL);
	assert_error_envelope(c, 503);
}

/* Health is 503 when the database is not reachable. */
static void
test_health_database_down_503(void **state)
{
	struct call *c = *state;

	serve(c, NULL, "GET", "/api/v1/health", NULL);
	assert_error_envelope(c, 503);
}

/* HEAD is GET without the body; the status is the same. */
static void
test_health_head_503(void **state)
{
	struct call *c = *state;

	serve(c, NULL, "HEAD", "/api/v1/health", NULL);
	assert_error_envelope(c, 503);
}

/* A body over the limit (64 KiB by default) is 413. */
static void
test_early_413(void **state)
{
	struct call *c = *state;
	char        *body;
	size_t       n = (size_t)cfg.max_body + 1;

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
	struct call *c = *state;

	serve(c, NULL, "POST", "/nowhere", "CONTENT_LENGTH=abc", NULL);
	assert_error_envelope(c, 400);
}

/* A path that decodes to NUL names nothing: 404 in the envelope. */
static void
test_nul_path_404(void **state)
{
	struct call *c = *state;

	serve(c, NULL, "GET", "/api/v1/health%00", NULL);
	assert_error_envelope(c, 404);
}

/* Every error is in the envelope: the message is JSON-escaped. */
static void
test_405_message_names_method(void **state)
{
	struct call *c = *state;

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
	struct call *c = *state;

	serve(c, NULL, "POST", ACCEPT, "CONTENT_TYPE=application/json", NULL);
	assert_error_envelope(c, 400);
	serve(c, " \r\n\t", "POST", ACCEPT, "CONTENT_TYPE=application/json",
	    NULL);
	assert_error_envelope(c, 400);
}

/* A body that is not JSON is 415 (or 400). */
static void
test_body_not_json_type_415(void **state)
{
	struct call *c = *state;

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
	/* Packed by hand; clang-format would put one item per line. */
	/* clang-format off */
	static const char *const bad[] = {
		"{", "{\"token\":}", "not json", "{\"a\":1}}",
		"{\"a\":1,\"a\":2}",	/* duplicate keys */
		"{\"a\":\"\\u0000\"}",	/* NUL in a string */
	};
	/* clang-format on */
	struct call *c = *state;
	size_t       i;

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
	struct call             *c = *state;
	size_t                   i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve(c, bad[i], "POST", ACCEPT,
		    "CONTENT_TYPE=application/json", NULL);
		assert_error_envelope(c, 400);
	}
}

static const struct route *
route_named(const char *name)
{
	size_t i;

	for (i = 0; i < api_routes.n; i++)
		if (strcmp(api_routes.routes[i].name, name) == 0)
			return &api_routes.routes[i];
	fail_msg("no route %s", name);
	return NULL;
}

/* The matcher binds each capture by the name the pattern gives it. */
static void
test_match_binds_captures_by_name(void **state)
{
	struct call       *c = *state;
	struct route_match m;

	route_match(&api_routes, &c->a, M_POST,
	    TEAM "/invitations/" ID "/resend", &m);
	assert_ptr_equal(m.route, route_named("invitations.resend"));
	assert_string_equal(m.site, SITE);
	assert_string_equal(m.id, ID);
	assert_null(m.key);
	assert_null(m.allow);
	route_match(&api_routes, &c->a, M_PATCH, TEAM "/" ID, &m);
	assert_ptr_equal(m.route, route_named("team.role"));
	assert_string_equal(m.site, SITE);
	assert_string_equal(m.id, ID);
	/* DatoCMS: no :site in the path; :key is a name, :id an id. */
	route_match(&api_routes, &c->a, M_GET, "/cma/roles/member", &m);
	assert_ptr_equal(m.route, route_named("cma.roles.find"));
	assert_null(m.site);
	assert_null(m.id);
	assert_string_equal(m.key, "member");
	route_match(&api_routes, &c->a, M_DELETE, "/cma/users/" ID, &m);
	assert_ptr_equal(m.route, route_named("cma.users.destroy"));
	assert_null(m.site);
	assert_string_equal(m.id, ID);
	assert_null(m.key);
	/* The 24-hex rule is the router's, after matching: bound as sent. */
	route_match(&api_routes, &c->a, M_GET,
	    "/api/v1/admin/websites/not-hex/team", &m);
	assert_ptr_equal(m.route, route_named("team.list"));
	assert_string_equal(m.site, "not-hex");
	/* No capture binds an empty segment. */
	route_match(&api_routes, &c->a, M_GET, "/api/v1/admin/websites//team",
	    &m);
	assert_null(m.route);
	assert_null(m.allow);
	/* HEAD is GET. */
	route_match(&api_routes, &c->a, M_HEAD, TEAM, &m);
	assert_ptr_equal(m.route, route_named("team.list"));
}

/* The more literal segments, the more specific: a literal beats :id. */
static void
test_match_most_specific(void **state)
{
	struct call       *c = *state;
	struct route_match m;

	route_match(&api_routes, &c->a, M_GET, TEAM "/invitations", &m);
	assert_ptr_equal(m.route, route_named("invitations.list"));
	assert_null(m.id);
	/* team/:id has PATCH, but team/invitations is the resource. */
	route_match(&api_routes, &c->a, M_PATCH, TEAM "/invitations", &m);
	assert_null(m.route);
	assert_string_equal(m.allow, "GET, HEAD");
	route_match(&api_routes, &c->a, M_PUT, TEAM, &m);
	assert_null(m.route);
	assert_null(m.site);
	assert_string_equal(m.allow, "GET, HEAD, POST, DELETE");
	route_match(&api_routes, &c->a, M_GET, "/nowhere", &m);
	assert_null(m.route);
	assert_null(m.allow);
}

/*
 * Every row is reached by its own path (captures filled in) and method,
 * so no row has a capture name the matcher does not know, and no row
 * hides behind another.
 */
static void
test_every_route_reachable(void **state)
{
	struct call        *c = *state;
	const struct route *r;
	struct route_match  m;
	struct buf          b;
	const char         *p;
	size_t              i;

	for (i = 0; i < api_routes.n; i++) {
		r = &api_routes.routes[i];
		buf_init(&b, &c->a, 128);
		for (p = r->path; *p != '\0'; p++) {
			if (*p != ':') {
				buf_add(&b, p, 1);
				continue;
			}
			buf_puts(&b,
			    strncmp(p, ":key", 4) == 0 ? "member" : ID);
			while (p[1] != '\0' && p[1] != '/')
				p++;
		}
		route_match(&api_routes, &c->a, r->method, b.p, &m);
		if (m.route != r)
			fail_msg("%s %s does not reach %s",
			    http_method_name(r->method), b.p, r->name);
		if (r->method == M_GET) {
			route_match(&api_routes, &c->a, M_HEAD, b.p, &m);
			assert_ptr_equal(m.route, r);
		}
	}
}

/*
 * The flags of each row agree with each other and with its path: a role
 * or a website needs a credential, a :site in the path needs the website
 * checked, the caller's own website is never in the path, names are
 * unique (they label the metrics).
 */
static void
test_route_flags_coherent(void **state)
{
	const struct route *r;
	size_t              i, j;

	(void)state;
	for (i = 0; i < api_routes.n; i++) {
		r = &api_routes.routes[i];
		if (r->need & (NEED_OWNER | NEED_MEMBER))
			assert_true(r->need & NEED_SITE);
		if (r->need & NEED_SITE)
			assert_true(r->need & NEED_CRED);
		if (r->perms != 0 || r->key_msg != NULL)
			assert_true(r->need & NEED_CRED);
		if (strstr(r->path, ":site") != NULL)
			assert_true(r->need & NEED_SITE);
		if (r->flags & ROUTE_OWN_SITE) {
			assert_true(r->need & NEED_SITE);
			assert_null(strstr(r->path, ":site"));
		}
		assert_non_null(r->fn);
		assert_true(r->dialect < D__MAX);
		for (j = 0; j < i; j++)
			assert_string_not_equal(r->name,
			    api_routes.routes[j].name);
	}
	/* A df_ key reads the team but never writes it (API.md). */
	assert_true(route_named("team.list")->need & NEED_KEY);
	assert_false(route_named("team.invite")->need & NEED_KEY);
	assert_true(route_named("team.invite")->need & NEED_OWNER);
	assert_true(route_named("apikeys.create")->need & NEED_MEMBER);
	assert_true(route_named("health")->flags & ROUTE_NO_RATE);
	assert_int_equal(route_named("health")->need & NEED_CRED, 0);
}

/*
 * The plain dialect: /join.css is the stylesheet as it is; a failure on a
 * plain route is answered in its path's dialect (the join page's error
 * page; the Team API's envelope for /metrics).
 */
static void
test_plain_dialect(void **state)
{
	struct call *c = *state;

	serve_raw(c, NULL, "GET", "/join.css", NULL);
	assert_int_equal(c->resp.status, 200);
	assert_string_equal(c->resp.content_type, "text/css; charset=utf-8");
	assert_true(c->resp.body.len > 0);
	assert_int_equal(strncmp(c->resp.body.p, ":root", 5), 0);
	assert_null(header(&c->resp, "Content-Security-Policy"));
	assert_ptr_equal(&api_routes.routes[c->rq.route_index],
	    route_named("join.css"));
	serve_raw(c, NULL, "POST", "/join.css", NULL);
	assert_int_equal(c->resp.status, 405);
	assert_non_null(strstr(c->resp.content_type, "text/html"));
	assert_string_equal(header(&c->resp, "Allow"), "GET, HEAD");
	assert_non_null(header(&c->resp, "Content-Security-Policy"));
	/* API.md: /metrics refuses a remote peer in the envelope. */
	serve(c, NULL, "GET", "/metrics", "REMOTE_ADDR=203.0.113.7", NULL);
	assert_error_envelope(c, 403);
}

/* /metrics to loopback: the exposition is the whole body, text/plain. */
static void
test_metrics_text(void **state)
{
	struct call *c = *state;

	svc.sb = scoreboard_new(1);
	serve_raw(c, NULL, "GET", "/metrics", "REMOTE_ADDR=127.0.0.1", NULL);
	scoreboard_free(svc.sb);
	svc.sb = NULL;
	assert_int_equal(c->resp.status, 200);
	assert_string_equal(c->resp.content_type,
	    "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(c->resp.body.p, "\nroster_workers "));
	assert_non_null(strstr(c->resp.body.p,
	    "# TYPE roster_http_requests_total counter\n"));
}

/* What the router reports for the worker to count. */
static void
test_served_report(void **state)
{
	struct call  *c = *state;
	struct served s;

	s = serve_raw(c, NULL, "GET", "/nowhere", NULL);
	assert_int_equal(s.outcome, RERR_NOT_FOUND);
	assert_int_equal(s.route, -1);
	assert_int_equal(s.tx_retries, 0);
	s = serve_raw(c, NULL, "GET", "/api/v1/health", NULL);
	assert_int_equal(s.outcome, RERR_UNAVAILABLE);
	assert_ptr_equal(&api_routes.routes[s.route], route_named("health"));
	assert_int_equal(s.route, c->rq.route_index);
	assert_int_equal(c->resp.status, 503);
}

/*
 * team_api_render: a success (CREATED too) in the envelope, or the body
 * the handler made whole, sent as it is; a failure ignores that body.
 */
static void
test_team_render(void **state)
{
	struct call      *c = *state;
	struct ctx        x;
	struct rq         rq;
	static const char page[] = "{\"status\":\"success\",\"data\":[1]}";

	memset(&rq, 0, sizeof(rq));
	rq.a = &c->a;
	memset(&x, 0, sizeof(x));
	x.rq = &rq;
	op_init(&x.op, svc.db, &c->a, &cfg, NULL, "t");
	jsonmem_use(&c->a);
	resp_init(&c->resp, &c->a);
	x.data = json_pack("[s]", "a");
	team_api_render(&x, RERR_CREATED, &c->resp);
	assert_int_equal(c->resp.status, 200);
	assert_string_equal(c->resp.body.p,
	    "{\"status\":\"success\",\"data\":[\"a\"]}");
	x.raw = page;
	x.raw_len = sizeof(page) - 1;
	team_api_render(&x, RERR_OK, &c->resp);
	assert_int_equal(c->resp.status, 200);
	assert_string_equal(c->resp.body.p, page);
	assert_non_null(strstr(c->resp.content_type, "application/json"));
	team_api_render(&x, RERR_GONE, &c->resp);
	assert_int_equal(c->resp.status, 410);
	assert_null(strstr(c->resp.body.p, "success"));
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
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
		T(test_match_binds_captures_by_name),
		T(test_match_most_specific),
		T(test_every_route_reachable),
		T(test_route_flags_coherent),
		T(test_plain_dialect),
		T(test_metrics_text),
		T(test_served_report),
		T(test_team_render),
	};
#undef T

	return cmocka_run_group_tests(tests, dispatch_group_setup,
	    dispatch_group_teardown);
}
