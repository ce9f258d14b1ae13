/*
 * The worker loop.  libfcgi is used through FCGX_Accept_r with our own
 * request struct, never fcgi_stdio.h (which redefines printf and stdout,
 * so a stray debug print would land in a response).
 *
 * Every accepted request leaves the loop's body through one path: one
 * FCGX_Finish_r, then the counters, then housekeeping, then the one
 * arena_reset, which also runs the cleanups the request registered (an
 * open transaction's rollback), so the next request finds the connection
 * as the last one should have left it.
 *
 * Signals: SIGTERM and SIGINT are blocked everywhere but in the wait on the
 * listen socket (epoll_pwait, or ppoll), so they interrupt only an idle
 * wait.  A signal that interrupted libfcgi itself (its accept, or its
 * wait for the first byte of a new connection) drops that connection, and
 * libfcgi's loop then spins on the closed descriptor: never again.  The
 * listen socket is non-blocking, so a worker that loses the race for a
 * connection to another one gets EAGAIN and goes back to waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/cache.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/http.h"
#include "roster/jsonmem.h"
#include "roster/log.h"
#include "roster/operation.h"
#include "roster/ratelimit.h"
#include "roster/router.h"
#include "roster/routes.h"
#include "roster/scoreboard.h"
#include "roster/usage.h"
#include "roster/worker.h"

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static int
read_body(void *ctx, char *buf, int n)
{
	FCGX_Request *r = ctx;
	int           got = FCGX_GetStr(buf, n, r->in);

	if (got == 0 && FCGX_GetError(r->in) != 0)
		return -1;
	return got;
}

static void
setup_signals(void)
{
	struct sigaction sa;
	sigset_t         set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* the wait must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/*
	 * The master's signals: a worker ignores them (libfcgi installs its
	 * own SIGUSR1 handler as a shutdown request unless the signal is
	 * handled already; SIGUSR2 sent to the whole group must not kill
	 * workers).
	 */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

/*
 * Waits until the listen socket has a connection or a signal arrives:
 * the only place SIGTERM and SIGINT are delivered.  0: try to accept.
 *
 * Through an epoll instance of this worker's own with EPOLLEXCLUSIVE, so
 * that a new connection wakes one idle worker, not all of them: with
 * ppoll() every idle worker woke and tried accept() for each connection,
 * and all but one got EAGAIN (measured: 8 wake-ups and 8 accept calls per
 * request with 8 idle workers).  ppoll() stays as the fallback.
 */
static int
wait_listen(int fd)
{
	static int         ep = -2; /* -2: not tried yet, -1: none */
	struct epoll_event ev;
	struct pollfd      pfd = { fd, POLLIN, 0 };
	sigset_t           open;
	int                rc;

	if (ep == -2) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.fd = fd;
		if ((ep = epoll_create1(EPOLL_CLOEXEC)) >= 0 &&
		    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			log_warn("epoll on the listen socket: %s; using ppoll",
			    strerror(errno));
			close(ep);
			ep = -1;
		}
	}
	sigemptyset(&open);
	rc = ep >= 0 ? epoll_pwait(ep, &ev, 1, -1, &open) :
		       ppoll(&pfd, 1, NULL, &open);
	if (rc < 0 && errno != EINTR) {
		log_err("waiting on the listen socket: %s", strerror(errno));
		return -1;
	}
	return stopping ? -1 : 0;
}

static void
limit_memory(void)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(ROSTER_ASAN)
	/*
	 * A hostile FastCGI peer can make libfcgi allocate what a record
	 * declares, before the bytes arrive (up to 2 GiB a param): cap the
	 * worker so it dies alone.
	 */
	struct rlimit rl = { 512UL << 20, 512UL << 20 };

	if (setrlimit(RLIMIT_AS, &rl) != 0)
		log_warn("setrlimit(RLIMIT_AS) failed: %s", strerror(errno));
#endif
}

/* What a worker keeps from one request to the next. */
struct worker {
	const struct config *cfg;
	struct service       svc;
	struct slot         *slot;
	struct arena         a;            /* the request arena */
	unsigned long        served;       /* requests answered */
	unsigned long        rate_limited; /* of them, refused with 429 */
	unsigned long        tx_retries;   /* transactions run again */
};

/* One accepted request, from its params to its log line. */
struct job {
	struct rq     rq;
	struct resp   resp;
	struct served sv;   /* what the router reported */
	int64_t       t0;   /* mono ms, for the log line */
	int64_t       t0us; /* mono us, for the latency histogram */
};

/*
 * Reads, routes and answers the request libfcgi accepted.  0: answered;
 * -1: dropped unanswered, as a peer that went away mid-request has nobody
 * to read an answer and the request is not whole: it must never run.
 */
static int
serve(struct worker *w, FCGX_Request *req, struct job *j)
{
	struct slot *slot = w->slot;
	struct buf   out;

	/* libfcgi takes params that end at EOF for complete ones. */
	if (FCGX_GetError(req->in) != 0) {
		log_warn("a request was cut short before its params "
			 "ended; dropped");
		return -1;
	}
	j->t0 = clock_mono_ms();
	j->t0us = clock_mono_us();
	http_request(&j->rq, &w->a, req->envp, read_body, req,
	    w->cfg->max_body);
	snprintf(slot->method, sizeof(slot->method), "%s", j->rq.method_name);
	snprintf(slot->uri, sizeof(slot->uri), "%s", j->rq.path);
	snprintf(slot->request_id, sizeof(slot->request_id), "%s",
	    j->rq.request_id);
	if (j->rq.early == RERR_GONE) {
		log_warn("request %s: cut short by the peer; dropped",
		    j->rq.request_id);
		return -1;
	}
	(void)db_ensure(w->svc.db);
	resp_init(&j->resp, &w->a);
	j->sv = route_dispatch(&api_routes, &w->svc, &j->rq, &j->resp);
	buf_init(&out, &w->a, j->resp.body.len + 512);
	http_serialize(&j->resp, &j->rq, &out);
	/*
	 * The database work is committed already: a failed write only means
	 * the client went away, and is never undone or retried.
	 */
	if (FCGX_PutStr(out.p, (int)out.len, req->out) < 0)
		log_warn("request %s: client went away before the "
			 "response",
		    j->rq.request_id);
	return 0;
}

/* The answered request's log line and counters. */
static void
record(struct worker *w, const struct job *j)
{
	struct slot *slot = w->slot;

	/* Never a token or a body: the credential's id only. */
	log_info("request id=%s method=%s path=%s status=%d "
		 "duration_ms=%lld credential=%s",
	    j->rq.request_id, j->rq.method_name, j->rq.path, j->resp.status,
	    (long long)(clock_mono_ms() - j->t0),
	    j->rq.cred_id != NULL ? j->rq.cred_id : "-");
	w->served++;
	w->rate_limited += j->sv.outcome == RERR_RATE_LIMITED;
	w->tx_retries += j->sv.tx_retries;
	slot->served++;
	met_record(&slot->met, j->sv.route, j->resp.status,
	    clock_mono_us() - j->t0us);
	slot->met.db_errors = db_errors(w->svc.db);
	slot->met.db_reconnects = db_reconnects(w->svc.db);
	slot->met.rate_limited = w->rate_limited;
	slot->met.tx_retries = w->tx_retries;
	slot->met.cache_hits = cache_hits;
	slot->met.cache_misses = cache_misses;
	/* lastUsedAt: noted in memory, written by maintain() if due. */
	if (j->rq.cred_id != NULL)
		usage_note(j->rq.cred_id, clock_now_ms());
}

/*
 * Housekeeping between requests, after the answer went out: credentials'
 * last uses that are due (at most one write a minute per credential,
 * include/roster/usage.h); past rate-limit windows and idempotency
 * records, a batch at a time, every thousandth request.
 */
static void
flush_uses(struct worker *w, int all)
{
	struct op op;

	op_init(&op, w->svc.db, &w->a, w->cfg, NULL, NULL);
	usage_flush(&op, all);
}

static void
maintain(struct worker *w)
{
	struct op op;

	if (usage_due())
		flush_uses(w, 0);
	if (w->served % 1000 != 0)
		return;
	op_init(&op, w->svc.db, &w->a, w->cfg, NULL, NULL);
	ratelimit_gc(&op);
}

int
worker_run(const struct config *cfg, int fd, struct scoreboard *sb,
    struct slot *slot, struct ratelimit_shm *rt)
{
	struct scoreboard *own = NULL;
	FCGX_Request       req;
	struct worker      w;
	struct job         j;
	unsigned long      limit;
	int                rc, answered;

	setup_signals();
	limit_memory();
	jsonmem_init();
	memset(&w, 0, sizeof(w));
	arena_init(&w.a);
	if (sb == NULL) {
		sb = own = scoreboard_new(1);
		slot = &sb->slot[0];
	}
	w.cfg = cfg;
	w.slot = slot;
	w.svc.cfg = cfg;
	w.svc.db = db_new(cfg);
	w.svc.sb = sb;
	w.svc.rl = ratelimit_new(cfg, rt);
	cache_init((size_t)cfg->cache_entries);
	/* Recycle with jitter so workers do not all restart together. */
	limit = (unsigned long)cfg->max_requests;
	if (limit > 0)
		limit += randombytes_uniform((uint32_t)(limit / 10 + 1));
	slot->pid = getpid();
	slot->started = 0;
	if (FCGX_InitRequest(&req, fd, 0) != 0) {
		log_err("fcgx init request failed");
		return 1;
	}
	/* Shared by all workers (one open file): losing a race is EAGAIN. */
	if ((rc = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, rc | O_NONBLOCK) < 0)
		log_warn("listen socket: cannot make it non-blocking: %s",
		    strerror(errno));
	(void)db_ensure(w.svc.db);
	while (!stopping) {
		if (wait_listen(fd) != 0)
			break;
		/*
		 * The deadline runs from here: libfcgi reads the params
		 * inside FCGX_Accept_r, and a peer may stall there too.
		 */
		snprintf(slot->method, sizeof(slot->method), "-");
		snprintf(slot->uri, sizeof(slot->uri), "(reading the request)");
		slot->request_id[0] = '\0';
		slot->started = clock_mono_ms();
		if ((rc = FCGX_Accept_r(&req)) < 0) {
			slot->started = 0;
			if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR)
				continue; /* another worker took it */
			log_warn("accept failed (%d); worker exits", rc);
			break;
		}
		/* From here on, one way out for every request. */
		answered = serve(&w, &req, &j) == 0;
		FCGX_Finish_r(&req);
		if (answered) {
			record(&w, &j);
			maintain(&w);
		}
		arena_reset(&w.a);
		slot->started = 0;
		if (answered && limit > 0 && w.served >= limit)
			break;
	}
	FCGX_Free(&req, 0);
	/* The uses noted since their last write, on the way out. */
	flush_uses(&w, 1);
	arena_release(&w.a);
	db_free(w.svc.db);
	ratelimit_free(w.svc.rl);
	if (own != NULL)
		scoreboard_free(own);
	return 0;
}
