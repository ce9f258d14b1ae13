/*
 * The worker loop.  libfcgi rules from RELIABILITY.md §1: FCGX_Accept_r
 * with our own request struct (never fcgi_stdio.h).
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
#include "roster/ratelimit.h"
#include "roster/router.h"
#include "roster/routes.h"
#include "roster/scoreboard.h"
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
	sa.sa_flags = 0;	/* the wait must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/*
	 * The master's signals: a worker ignores them (SIGUSR1 would be
	 * libfcgi's shutdown request, RELIABILITY.md §1.7; SIGUSR2 sent to
	 * the whole group must not kill workers).
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
	static int		 ep = -2;	/* -2: not tried yet, -1: none */
	struct epoll_event	 ev;
	struct pollfd		 pfd = { fd, POLLIN, 0 };
	sigset_t		 open;
	int			 rc;

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
	 * declares (RELIABILITY.md §1.1): cap the worker so it dies alone.
	 */
	struct rlimit	rl = { 512UL << 20, 512UL << 20 };

	if (setrlimit(RLIMIT_AS, &rl) != 0)
		log_warn("setrlimit(RLIMIT_AS) failed: %s", strerror(errno));
#endif
}

int
worker_run(const struct config *cfg, int fd, struct scoreboard *sb,
    struct slot *slot, struct ratelimit_shm *rt)
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
	svc.rl = ratelimit_new(cfg, rt);
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
	(void)db_ensure(svc.db);
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
				continue;	/* another worker took it */
			log_warn("accept failed (%d); worker exits", rc);
			break;
		}
		/*
		 * libfcgi takes params that end at EOF for complete ones: a
		 * peer that went away mid-request leaves the stream in error.
		 * Such a request is dropped, never run.
		 */
		if (FCGX_GetError(req.in) != 0) {
			log_warn("a request was cut short before its params "
			    "ended; dropped");
			FCGX_Finish_r(&req);
			slot->started = 0;
			continue;
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
		if (rq.early == RERR_GONE) {
			/* The peer is gone: nobody to answer, nothing to run. */
			log_warn("request %s: cut short by the peer; dropped",
			    rq.request_id);
			FCGX_Finish_r(&req);
			slot->started = 0;
			arena_reset(&a);
			continue;
		}
		(void)db_ensure(svc.db);
		resp_init(&resp, &a);
		route_dispatch(&api_routes, &svc, &rq, &resp);
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
		slot->met.cache_hits = cache_hits;
		slot->met.cache_misses = cache_misses;
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
