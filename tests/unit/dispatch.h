/*
 * What the router's unit tests share (test_route.c, test_api_cma.c): a
 * service whose database handle is never connected, so anything that
 * reaches the database is a 503, and one request served in memory through
 * http_request() and route_dispatch(), its body parsed as JSON (or not:
 * dispatch_raw).
 * Included by one test file each: everything here is static.
 */
#ifndef ROSTER_TEST_DISPATCH_H
#define ROSTER_TEST_DISPATCH_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "roster/arena.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/http.h"
#include "roster/jsonmem.h"
#include "roster/router.h"
#include "roster/routes.h"

static struct config  cfg;
static struct service svc;

struct reader {
	const char *data;
	size_t      len;
	size_t      pos;
};

static int
rd(void *ctx, char *buf, int n)
{
	struct reader *r = ctx;
	size_t         k = r->len - r->pos;

	if (k == 0)
		return 0;
	if (k > (size_t)n)
		k = (size_t)n;
	memcpy(buf, r->data + r->pos, k);
	r->pos += k;
	return (int)k;
}

static int
dispatch_group_setup(void **state)
{
	(void)state;
	jsonmem_init();
	config_defaults(&cfg);
	svc.cfg = &cfg;
	svc.db = db_new(&cfg);
	return 0;
}

static int
dispatch_group_teardown(void **state)
{
	(void)state;
	db_free(svc.db);
	return 0;
}

/*
 * Serves one request: method, uri, then the "NAME=value" params of ap
 * (NULL-terminated); the body is `body`.  Returns what the router reports;
 * the response is in resp, whatever its type.
 */
static struct served
dispatch_raw(struct arena *a, struct rq *rq, struct resp *resp,
    const char *body, const char *method, const char *uri, va_list ap)
{
	char         *envp[16], mbuf[64], ubuf[512], lbuf[64];
	const char   *s;
	struct reader r = { body, body != NULL ? strlen(body) : 0, 0 };
	int           n = 0;

	snprintf(mbuf, sizeof(mbuf), "REQUEST_METHOD=%s", method);
	snprintf(ubuf, sizeof(ubuf), "REQUEST_URI=%s", uri);
	envp[n++] = mbuf;
	envp[n++] = ubuf;
	if (body != NULL) {
		snprintf(lbuf, sizeof(lbuf), "CONTENT_LENGTH=%zu", r.len);
		envp[n++] = lbuf;
	}
	while ((s = va_arg(ap, const char *)) != NULL && n < 15)
		envp[n++] = (char *)(uintptr_t)s;
	envp[n] = NULL;
	http_request(rq, a, envp, rd, &r, cfg.max_body);
	resp_init(resp, a);
	return route_dispatch(&api_routes, &svc, rq, resp);
}

/*
 * The same, for an answer that must be a JSON object: returns it parsed
 * (arena memory), failing the test otherwise.
 */
static json_t *
dispatch(struct arena *a, struct rq *rq, struct resp *resp, const char *body,
    const char *method, const char *uri, va_list ap)
{
	json_error_t jerr;
	json_t      *env;

	dispatch_raw(a, rq, resp, body, method, uri, ap);
	/* jansson allocates from the arena the router pointed it at. */
	jsonmem_use(a);
	env = json_loadb(resp->body.p, resp->body.len, 0, &jerr);
	if (env == NULL)
		fail_msg("response is not JSON (%s): %s", jerr.text,
		    resp->body.p);
	if (!json_is_object(env))
		fail_msg("response is not an object: %s", resp->body.p);
	return env;
}

static const char *
header(const struct resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nhdr; i++)
		if (strcmp(r->hname[i], name) == 0)
			return r->hvalue[i];
	return NULL;
}

#endif
