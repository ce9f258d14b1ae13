/*
 * The pool's master (see include/roster/master.h).  Signals are blocked in
 * the master and taken synchronously with sigtimedwait(), so none is lost
 * between a check and a wait, and the one-second timeout doubles as the
 * heartbeat that enforces the request deadline (php-fpm's
 * request_terminate_timeout, unicorn's timeout).
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <mysql.h>

#include "roster/clock.h"
#include "roster/config.h"
#include "roster/listen.h"
#include "roster/log.h"
#include "roster/sender.h"
#include "roster/master.h"
#include "roster/ratelimit_shm.h"
#include "roster/scoreboard.h"
#include "roster/worker.h"

#define CRASH_WINDOW_MS 10000
#define CRASH_MAX       10 /* crashes per window before the brake */
#define BRAKE_MS        2000

#if defined(__SANITIZE_ADDRESS__) || defined(ROSTER_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

/*
 * A child leaves with _exit() (no atexit handlers of the master's), which
 * also skips LeakSanitizer's exit check: run it by hand in sanitizer builds.
 */
static void
child_exit(int rc)
{
#if defined(__SANITIZE_ADDRESS__) || defined(ROSTER_ASAN)
	if (__lsan_do_recoverable_leak_check() != 0 && rc == 0)
		rc = 23;
#endif
	_exit(rc);
}

struct pool {
	struct config        *cfg;
	const char           *config_path;
	int                   fd;
	struct scoreboard    *sb;
	struct slot          *slots; /* sb->slot */
	struct ratelimit_shm *rt;    /* rate_store = local's counters */
	int                   nslots;
	int64_t               born[512]; /* mono ms a slot's worker started */
	int                   generation[512];
	int                   gen; /* bumped by each reload */
	int64_t               crash_t[CRASH_MAX];
	int                   crash_i;
	int64_t               respawn_after; /* brake: no fork before */
	int                   stopping;
	int                   pidfd;
	char                  exe[4096]; /* for SIGUSR2's re-exec */
	pid_t                 mailer;    /* the outbox sender, if SMTP is set */
	int64_t               mailer_after; /* no respawn before (mono ms) */
};

static int
spawn(struct pool *p, int i)
{
	pid_t pid;

	/* Signals stay blocked across fork(); the child resets them. */
	if ((pid = fork()) < 0) {
		log_err("fork failed: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int rc;
		log_init(p->cfg->log, "worker");
		/* A worker never outlives its master. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (p->pidfd >= 0)
			close(p->pidfd);
		rc = worker_run(p->cfg, p->fd, p->sb, &p->slots[i], p->rt);
		mysql_library_end();
		child_exit(rc);
	}
	p->slots[i].pid = pid;
	p->slots[i].started = 0;
	p->sb->worker_starts++;
	p->born[i] = clock_mono_ms();
	p->generation[i] = p->gen;
	return 0;
}

/*
 * The outbox sender runs as one more child of the master, so `roster serve`
 * is the only process to run; it is respawned like a worker.
 */
static void
spawn_mailer(struct pool *p)
{
	pid_t pid;

	if (p->cfg->smtp_host[0] == '\0' || p->mailer > 0 || p->stopping ||
	    clock_mono_ms() < p->mailer_after)
		return;
	if ((pid = fork()) < 0) {
		log_err("fork failed: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		int rc;
		log_init(p->cfg->log, "mailer");
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (p->pidfd >= 0)
			close(p->pidfd);
		close(p->fd);
		rc = sender_run(p->cfg);
		mysql_library_end();
		child_exit(rc);
	}
	p->mailer = pid;
}

static int
slot_of(struct pool *p, pid_t pid)
{
	int i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].pid == pid)
			return i;
	return -1;
}

/* A crash loop slows respawning instead of spinning the CPU. */
static void
note_crash(struct pool *p)
{
	int64_t now = clock_mono_ms(), oldest;

	p->crash_t[p->crash_i] = now;
	p->crash_i = (p->crash_i + 1) % CRASH_MAX;
	oldest = p->crash_t[p->crash_i];
	if (oldest != 0 && now - oldest < CRASH_WINDOW_MS) {
		log_err("%d worker crashes in %d s: respawning slowed down",
		    CRASH_MAX, CRASH_WINDOW_MS / 1000);
		p->respawn_after = now + BRAKE_MS;
	}
}

static void
reap(struct pool *p)
{
	struct slot *s;
	pid_t        pid;
	int          st, i;
	double       up;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == p->mailer) {
			p->mailer = 0;
			p->mailer_after = clock_mono_ms() + 1000;
			if (!p->stopping)
				log_warn("mailer %d exited (status %d); "
					 "respawning",
				    (int)pid, st);
			continue;
		}
		if ((i = slot_of(p, pid)) < 0)
			continue;
		s = &p->slots[i];
		up = (double)(clock_mono_ms() - p->born[i]) / 1000.0;
		if (WIFSIGNALED(st)) {
			log_warn("worker %d exited on signal %d (%s)%s after "
				 "%.1f s, %lu requests%s%s %s",
			    (int)pid, WTERMSIG(st), strsignal(WTERMSIG(st)),
			    WCOREDUMP(st) ? " - core dumped" : "", up,
			    s->served, s->started ? "; in flight: " : "",
			    s->started ? s->method : "",
			    s->started ? s->uri : "");
			if (!p->stopping)
				note_crash(p);
			p->sb->worker_crashes++;
		} else if (WEXITSTATUS(st) != 0) {
			log_warn("worker %d exited with status %d after "
				 "%.1f s",
			    (int)pid, WEXITSTATUS(st), up);
			if (!p->stopping)
				note_crash(p);
			p->sb->worker_crashes++;
		} else
			log_info("worker %d exited after %.1f s, %lu requests",
			    (int)pid, up, s->served);
		/* The dead worker's counts live on in the totals. */
		met_fold(&p->sb->retired, &s->met);
		memset(&s->met, 0, sizeof(s->met));
		s->pid = 0;
		s->started = 0;
		s->served = 0;
	}
}

static void
respawn(struct pool *p)
{
	int i;

	if (p->stopping || clock_mono_ms() < p->respawn_after)
		return;
	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].pid == 0 && spawn(p, i) == 0)
			log_info("worker %d started", (int)p->slots[i].pid);
}

/* SIGKILL for a worker held by one request past the deadline. */
static void
enforce_deadline(struct pool *p)
{
	int64_t now = clock_mono_ms(), limit;
	int     i;

	limit = (int64_t)p->cfg->request_timeout * 1000;
	for (i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		int64_t      t = s->started;
		if (s->pid == 0 || t == 0 || now - t <= limit)
			continue;
		log_err("worker %d: request %s %s %s exceeded %d s; killed",
		    (int)s->pid, s->request_id, s->method, s->uri,
		    p->cfg->request_timeout);
		kill(s->pid, SIGKILL);
		s->started = 0;
		p->sb->deadline_kills++;
	}
}

static void
signal_workers(struct pool *p, int sig)
{
	int i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].pid > 0)
			kill(p->slots[i].pid, sig);
	if (p->mailer > 0)
		kill(p->mailer, sig);
}

static int
alive(struct pool *p)
{
	int i, n = p->mailer > 0;

	for (i = 0; i < p->nslots; i++)
		n += p->slots[i].pid > 0;
	return n;
}

/*
 * SIGHUP: read the config again; when it is valid, replace the workers.
 * Each old worker finishes its request and exits; the listen socket stays
 * open in the master, so connections wait in the backlog, none is refused.
 */
static void
reload(struct pool *p)
{
	struct config next;
	char          err[512];

	config_defaults(&next);
	if (config_load(&next, p->config_path, err, sizeof(err)) != 0 ||
	    config_check_sender(&next, err, sizeof(err)) != 0) {
		log_err("reload refused, keeping the old config: %s", err);
		return;
	}
	if (next.workers != p->cfg->workers)
		log_warn("reload: workers stays %d until a restart",
		    p->cfg->workers);
	next.workers = p->cfg->workers;
	*p->cfg = next;
	p->gen++;
	log_info("reloading: replacing %d workers", alive(p));
	signal_workers(p, SIGTERM);
}

static int
pidfile_take(const char *path)
{
	char buf[32];
	int  fd;

	if (path[0] == '\0')
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		log_err("pidfile %s: %s", path, strerror(errno));
		return -2;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		log_err("pidfile %s is locked: roster is already running",
		    path);
		close(fd);
		return -2;
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, buf, strlen(buf)) < 0)
		log_warn("pidfile %s: cannot write", path);
	return fd;
}

/*
 * Before an upgrade: the new binary's `check-config` on our configuration
 * file (the file parses, the database answers, the schema has the new
 * binary's migrations).  The exec replaces this process: a new binary that
 * then refused to start would leave nothing serving, so one that fails its
 * check is not executed.  0 when it passed.
 */
static int
upgrade_check(struct pool *p)
{
	char *argv[] = { p->exe, (char *)"check-config", (char *)"--config",
		(char *)p->config_path, NULL };
	int   st, fd;
	pid_t pid;

	if (p->config_path == NULL)
		return 0;
	if ((pid = fork()) < 0) {
		log_err("upgrade: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Its lines on stdout say nothing the log needs; errors stay. */
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 1);
		execv(p->exe, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			log_err("upgrade: waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	log_err("upgrade refused, keeping this binary: %s check-config "
		"failed (%s %d; its reason is above)",
	    p->exe, WIFEXITED(st) ? "exit" : "signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return -1;
}

/*
 * SIGUSR2: replace the running binary without closing the listen socket.
 * The master execs the binary found at its own path again (a new build
 * installed there), keeping its pid and passing the socket as systemd
 * would (fd 3, LISTEN_FDS, LISTEN_PID).  Old workers get SIGTERM, finish
 * their request and exit; the new master's workers start accepting at
 * once, and connections wait in the backlog meanwhile.  The new binary's
 * check-config runs first (upgrade_check).
 */
static void
upgrade(struct pool *p, enum listen_origin origin, char **argv)
{
	char pid[32], rate[16];
	int  fd = p->fd, rfd = -1;

	if (argv == NULL || p->exe[0] == '\0') {
		log_err("upgrade: the binary's path is unknown");
		return;
	}
	if (access(p->exe, X_OK) != 0) {
		log_err("upgrade: %s is not executable; keeping this binary",
		    p->exe);
		return;
	}
	if (upgrade_check(p) != 0)
		return;
	if (fd != 3) {
		if (dup2(fd, 3) < 0) {
			log_err("upgrade: dup2: %s", strerror(errno));
			return;
		}
		fd = 3;
	}
	fcntl(fd, F_SETFD, 0);
	/* The rate table goes along, open across exec (see master_run). */
	if ((rfd = ratelimit_shm_fd(p->rt)) >= 0 &&
	    fcntl(rfd, F_SETFD, 0) == 0) {
		snprintf(rate, sizeof(rate), "%d", rfd);
		setenv("ROSTER_RATE_FD", rate, 1);
	}
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	/* The socket file stays ours to remove at the final stop. */
	if (origin == LISTEN_OWN)
		setenv("ROSTER_OWN_SOCKET", "1", 1);
	log_info("upgrade: re-executing %s", p->exe);
	signal_workers(p, SIGTERM);
	if (p->pidfd >= 0) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	/* Signals stay blocked across exec; the new master blocks them too. */
	execv(p->exe, argv);
	log_err("upgrade: exec %s failed: %s; carrying on", p->exe,
	    strerror(errno));
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("ROSTER_OWN_SOCKET");
	unsetenv("ROSTER_RATE_FD");
	if (rfd >= 0)
		fcntl(rfd, F_SETFD, FD_CLOEXEC);
	p->pidfd = pidfile_take(p->cfg->pidfile);
}

int
master_run(struct config *cfg, const char *config_path, char **argv)
{
	struct pool        p;
	enum listen_origin origin;
	struct timespec    tick = { 1, 0 };
	sigset_t           set;
	siginfo_t          si;
	const char        *env;
	char               err[256];
	int64_t            deadline = 0;
	int                sig, i, rfd;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.config_path = config_path;
	p.pidfd = -1;
	/* Resolved now: after an upgrade the running file may be replaced. */
	if (argv != NULL && argv[0] != NULL &&
	    realpath(argv[0], p.exe) == NULL &&
	    readlink("/proc/self/exe", p.exe, sizeof(p.exe) - 1) < 0)
		p.exe[0] = '\0';
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0) {
		log_err("fcgx init failed");
		return 1;
	}
	/* Once, before fork; no MYSQL handle ever crosses a fork. */
	if (mysql_library_init(0, NULL, NULL) != 0) {
		log_err("mysql library init failed");
		return 1;
	}
	if ((p.fd = listen_open(cfg, &origin)) < 0)
		return 1;
	/* Under mod_fcgid the web server is the process manager. */
	if (origin == LISTEN_INHERITED && getenv("ROSTER_POOL") == NULL) {
		int rc;
		log_init(cfg->log, "worker");
		rc = worker_run(cfg, p.fd, NULL, NULL, NULL);
		mysql_library_end();
		return rc;
	}
	/* The mailer child would exit at once, and again each second. */
	if (config_check_sender(cfg, err, sizeof(err)) != 0) {
		log_err("%s", err);
		listen_close(cfg, p.fd, origin);
		return 1;
	}
	if (cfg->seal_key[0] == '\0')
		log_warn("seal_key is not set: invitation emails are queued "
			 "without their links and cannot be sent (the API's "
			 "answers carry the links)");
	if ((p.pidfd = pidfile_take(cfg->pidfile)) == -2) {
		listen_close(cfg, p.fd, origin);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);

	p.nslots = cfg->workers;
	p.sb = scoreboard_new(p.nslots);
	p.slots = p.sb->slot;
	/*
	 * Always, whatever rate_store says: a SIGHUP may switch to local,
	 * and the table must exist before the workers fork.  It is 1 MiB of
	 * pages the kernel backs only when touched.  It lives as long as the
	 * master, so counts survive a reload; an upgrade (SIGUSR2) hands it
	 * to the new master as an open memfd named by ROSTER_RATE_FD.
	 */
	p.rt = NULL;
	if ((env = getenv("ROSTER_RATE_FD")) != NULL) {
		if ((rfd = atoi(env)) < 3 ||
		    (p.rt = ratelimit_shm_adopt(rfd, RATETAB_SLOTS)) == NULL)
			log_warn("upgrade: the old rate table does not fit "
				 "this binary; counting starts afresh");
		unsetenv("ROSTER_RATE_FD");
	}
	if (p.rt == NULL)
		p.rt = ratelimit_shm_new(RATETAB_SLOTS);
	log_info("serving on %s with %d workers",
	    origin == LISTEN_OWN         ? cfg->listen :
		origin == LISTEN_SYSTEMD ? "a systemd socket" :
					   "an inherited socket",
	    p.nslots);
	for (i = 0; i < p.nslots; i++)
		spawn(&p, i);
	spawn_mailer(&p);

	for (;;) {
		sig = sigtimedwait(&set, &si, &tick);
		switch (sig) {
		case SIGCHLD:
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			if (!p.stopping) {
				log_info("stopping: finishing in-flight "
					 "requests");
				p.stopping = 1;
				/* Stop accepting at once: new connections
				 * are refused, not queued for no one. */
				listen_close(cfg, p.fd, origin);
				signal_workers(&p, SIGTERM);
				deadline = clock_mono_ms() +
				    (int64_t)cfg->request_timeout * 1000 + 2000;
			}
			break;
		case SIGHUP:
			if (!p.stopping)
				reload(&p);
			break;
		case SIGUSR2:
			if (!p.stopping)
				upgrade(&p, origin, argv);
			break;
		default:
			break;
		}
		reap(&p);
		if (p.stopping) {
			if (alive(&p) == 0)
				break;
			if (clock_mono_ms() > deadline) {
				log_warn("stop deadline passed: killing "
					 "%d workers",
				    alive(&p));
				signal_workers(&p, SIGKILL);
				deadline = clock_mono_ms() + 60000;
			}
			continue;
		}
		enforce_deadline(&p);
		respawn(&p);
		spawn_mailer(&p);
	}
	scoreboard_free(p.sb);
	ratelimit_shm_free(p.rt);
	if (p.pidfd >= 0) {
		(void)unlink(cfg->pidfile);
		close(p.pidfd);
	}
	mysql_library_end();
	log_info("stopped");
	return 0;
}
