/*
 * The worker loop.  libfcgi rules from RELIABILITY.md §1: FCGX_Accept_r
 * with our own request struct (never fcgi_stdio.h), FCGI_FAIL_ACCEPT_ON_INTR
 * with a SIGTERM handler without SA_RESTART so an idle worker stops at once
 * and a busy one after its request; any negative accept means "exit".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/http.h"
#include "roster/jsonmem.h"
#include "roster/log.h"
#include "roster/ratelimit.h"
#include "roster/route.h"
#include "roster/scoreboard.h"
#include "roster/worker.h"

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static int
read_body(void *ctx, char *buf, int n)
{
	FCGX_Request	*r = ctx;
	int		 got = FCGX_GetStr(buf, n, r->in);

	if (got == 0 && FCGX_GetError(r->in) != 0)
		return -1;
	return got;
}

static void
setup_signals(void)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: accept() must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

static void
limit_memory(void)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(ROSTER_ASAN)
	/*
	 * A hostile FastCGI peer can make libfcgi allocate what a record
	 * declares (RELIABILITY.md §1.1): cap the worker so it dies alone.
	 */
	struct rlimit	rl = { 512UL << 20, 512UL << 20 };

	if (setrlimit(RLIMIT_AS, &rl) != 0)
		log_warn("setrlimit(RLIMIT_AS) failed: %s", strerror(errno));
#endif
}

int
worker_run(const struct config *cfg, int fd, struct scoreboard *sb,
    struct slot *slot)
{
	struct scoreboard *own = NULL;
	FCGX_Request	 req;
	struct service	 svc;
	struct arena	 a;
	struct rq	 rq;
	struct resp	 resp;
	struct buf	 out;
	unsigned long	 served = 0, limit;
	int64_t		 t0, t0us;
	int		 rc;

	setup_signals();
	limit_memory();
	jsonmem_init();
	arena_init(&a);
	if (sb == NULL) {
		sb = own = scoreboard_new(1);
		slot = &sb->slot[0];
	}
	memset(&svc, 0, sizeof(svc));
	svc.cfg = cfg;
	svc.db = db_new(cfg);
	svc.sb = sb;
	svc.rl = ratelimit_new(cfg);
	/* Recycle with jitter so workers do not all restart together. */
	limit = (unsigned long)cfg->max_requests;
	if (limit > 0)
		limit += randombytes_uniform((uint32_t)(limit / 10 + 1));
	slot->pid = getpid();
	slot->started = 0;
	if (FCGX_InitRequest(&req, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_err("fcgx init request failed");
		return 1;
	}
	(void)db_ensure(svc.db);
	while (!stopping) {
		if ((rc = FCGX_Accept_r(&req)) < 0) {
			if (!stopping)
				log_warn("accept failed (%d); worker exits", rc);
			break;
		}
		t0 = clock_mono_ms();
		t0us = clock_mono_us();
		http_request(&rq, &a, req.envp, read_body, &req,
		    cfg->max_body);
		snprintf(slot->method, sizeof(slot->method), "%s",
		    rq.method_name);
		snprintf(slot->uri, sizeof(slot->uri), "%s", rq.path);
		snprintf(slot->request_id, sizeof(slot->request_id), "%s",
		    rq.request_id);
		slot->started = t0;
		(void)db_ensure(svc.db);
		resp_init(&resp, &a);
		route_dispatch(&svc, &rq, &resp);
		buf_init(&out, &a, resp.body.len + 512);
		http_serialize(&resp, &rq, &out);
		/* The database work is committed already; a failed write
		 * only means the client went away (RELIABILITY.md §1.10). */
		if (FCGX_PutStr(out.p, (int)out.len, req.out) < 0)
			log_warn("request %s: client went away before the "
			    "response", rq.request_id);
		FCGX_Finish_r(&req);
		/* Never a token or a body: the credential's id only. */
		log_info("request id=%s method=%s path=%s status=%d "
		    "duration_ms=%lld credential=%s", rq.request_id,
		    rq.method_name, rq.path, resp.status,
		    (long long)(clock_mono_ms() - t0),
		    rq.cred_id != NULL ? rq.cred_id : "-");
		slot->started = 0;
		slot->served++;
		met_record(&slot->met, rq.route_index, resp.status,
		    clock_mono_us() - t0us);
		slot->met.db_errors = db_errors(svc.db);
		slot->met.db_reconnects = db_reconnects(svc.db);
		slot->met.rate_limited = svc.rate_limited;
		slot->met.tx_retries = svc.tx_retries;
		arena_reset(&a);
		if (limit > 0 && ++served >= limit)
			break;
	}
	FCGX_Free(&req, 0);
	db_free(svc.db);
	ratelimit_free(svc.rl);
	if (own != NULL)
		scoreboard_free(own);
	arena_release(&a);
	return 0;
}
