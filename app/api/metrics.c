/*
 * The Prometheus exposition (text format 0.0.4).  Counters are summed over
 * the live workers' slots and the retired total, read without locks: each
 * word is written by one process only, so a read may be a request behind,
 * never torn in a way that matters for monitoring.
 */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/metrics.h"
#include "roster/router.h"
#include "roster/scoreboard.h"
#include "roster/version.h"

static int
loopback(const char *addr)
{
	return addr != NULL &&
	    (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
		strncmp(addr, "::ffff:127.", 11) == 0);
}

static int
token_ok(const struct config *cfg, const char *authz)
{
	size_t n = strlen(cfg->metrics_token);

	if (n == 0 || authz == NULL || strncasecmp(authz, "Bearer ", 7) != 0)
		return 0;
	authz += 7;
	return strlen(authz) == n &&
	    sodium_memcmp(authz, cfg->metrics_token, n) == 0;
}

/*
 * The invitation outbox, read when /metrics is asked (one statement on an
 * index, app/db/stmt.c): without a sender, or with a broken one, emails pile
 * up, and this is where it shows.  With the database away the process
 * counters are still served, without these.
 */
static void
outbox_lines(struct ctx *c, struct buf *b)
{
	struct dbres r;
	int64_t      oldest, age = 0;

	if (c->svc->db == NULL ||
	    db_exec(c->svc->db, c->rq->a, STMT_OUTBOX_STATS, NULL, 0, &r) !=
		0 ||
	    r.nrows != 1)
		return;
	oldest = db_cell_i64_or(&r, 0, OUTBOX_STATS_C_OLDEST, -1);
	if (oldest >= 0 && (age = clock_now_ms() - oldest) < 0)
		age = 0;
	buf_printf(b,
	    "# HELP roster_outbox_emails Invitation emails in the outbox, "
	    "by status: pending (waiting to be sent or retried) and failed "
	    "(given up after smtp_max_attempts, or unsendable).\n"
	    "# TYPE roster_outbox_emails gauge\n"
	    "roster_outbox_emails{status=\"pending\"} %lld\n"
	    "roster_outbox_emails{status=\"failed\"} %lld\n"
	    "# HELP roster_outbox_oldest_pending_age_seconds How long the "
	    "oldest pending email has waited (0: none waits).\n"
	    "# TYPE roster_outbox_oldest_pending_age_seconds gauge\n"
	    "roster_outbox_oldest_pending_age_seconds %.3f\n",
	    (long long)db_cell_i64(&r, 0, OUTBOX_STATS_C_PENDING),
	    (long long)db_cell_i64(&r, 0, OUTBOX_STATS_C_FAILED),
	    (double)age / 1000.0);
}

/*
 * GET /metrics (the plain dialect: the exposition is the body): 200 text;
 * 403 for a non-loopback peer without the token.
 */
enum rerr
metrics_show(struct ctx *c)
{
	const struct scoreboard *sb = c->svc->sb;
	const struct route      *routes;
	struct met               sum;
	struct buf               text, *b = &text;
	size_t                   nroutes, r;
	unsigned long            cum;
	int                      i, s, alive = 0;

	if (!loopback(c->rq->remote_addr) &&
	    !token_ok(c->svc->cfg, c->rq->authorization))
		return op_fail(&c->op, RERR_FORBIDDEN,
		    "Metrics are served "
		    "to loopback or with the metrics token only");
	if (sb == NULL)
		return op_fail(&c->op, RERR_UNAVAILABLE, "No scoreboard");
	memcpy(&sum, &sb->retired, sizeof(sum));
	for (i = 0; i < sb->nslots; i++) {
		met_fold(&sum, &sb->slot[i].met);
		alive += sb->slot[i].pid > 0;
	}
	routes = c->set->routes;
	nroutes = c->set->n;
	buf_init(b, c->rq->a, 8192);
	/* The Prometheus convention for a build's facts: a gauge of 1. */
	buf_puts(b,
	    "# HELP roster_build_info The running roster's version.\n"
	    "# TYPE roster_build_info gauge\n"
	    "roster_build_info{version=\"" ROSTER_VERSION "\"} 1\n");
	buf_puts(b,
	    "# HELP roster_http_requests_total Requests answered, by "
	    "route and status.\n# TYPE roster_http_requests_total counter\n");
	for (r = 0; r < MET_ROUTES; r++) {
		const char *name = r < nroutes ? routes[r].name :
		    r == MET_ROUTES - 1        ? "unmatched" :
						 NULL;
		if (name == NULL)
			continue;
		for (s = 0; s < MET_STATUSES; s++) {
			if (sum.req[r][s] == 0)
				continue;
			if (met_status_code(s) != 0)
				buf_printf(b,
				    "roster_http_requests_total{route="
				    "\"%s\",status=\"%d\"} %lu\n",
				    name, met_status_code(s), sum.req[r][s]);
			else
				buf_printf(b,
				    "roster_http_requests_total{route="
				    "\"%s\",status=\"other\"} %lu\n",
				    name, sum.req[r][s]);
		}
	}
	buf_puts(b,
	    "# HELP roster_http_request_duration_seconds Time from "
	    "the request's arrival to its response.\n"
	    "# TYPE roster_http_request_duration_seconds histogram\n");
	for (cum = 0, i = 0; i < MET_BUCKETS; i++) {
		cum += sum.lat[i];
		buf_printf(b,
		    "roster_http_request_duration_seconds_bucket"
		    "{le=\"%g\"} %lu\n",
		    (double)met_bound_us(i) / 1e6, cum);
	}
	cum += sum.lat[MET_BUCKETS];
	buf_printf(b,
	    "roster_http_request_duration_seconds_bucket"
	    "{le=\"+Inf\"} %lu\n",
	    cum);
	buf_printf(b, "roster_http_request_duration_seconds_sum %.6f\n",
	    (double)sum.lat_sum_us / 1e6);
	buf_printf(b, "roster_http_request_duration_seconds_count %lu\n", cum);
	buf_printf(b,
	    "# HELP roster_db_errors_total Failed database statements.\n"
	    "# TYPE roster_db_errors_total counter\n"
	    "roster_db_errors_total %lu\n"
	    "# HELP roster_db_reconnects_total Database reconnections.\n"
	    "# TYPE roster_db_reconnects_total counter\n"
	    "roster_db_reconnects_total %lu\n"
	    "# HELP roster_tx_retries_total Transactions run again after a "
	    "deadlock or certification failure.\n"
	    "# TYPE roster_tx_retries_total counter\n"
	    "roster_tx_retries_total %lu\n"
	    "# HELP roster_rate_limited_total Requests refused with 429.\n"
	    "# TYPE roster_rate_limited_total counter\n"
	    "roster_rate_limited_total %lu\n"
	    "# HELP roster_cache_lookups_total Lookups in the workers' read "
	    "caches, by result (a hit still checks the generation).\n"
	    "# TYPE roster_cache_lookups_total counter\n"
	    "roster_cache_lookups_total{result=\"hit\"} %lu\n"
	    "roster_cache_lookups_total{result=\"miss\"} %lu\n"
	    "# HELP roster_worker_starts_total Workers started.\n"
	    "# TYPE roster_worker_starts_total counter\n"
	    "roster_worker_starts_total %lu\n"
	    "# HELP roster_worker_restarts_total Workers that died on a signal "
	    "or an error status and were replaced.\n"
	    "# TYPE roster_worker_restarts_total counter\n"
	    "roster_worker_restarts_total %lu\n"
	    "# HELP roster_worker_deadline_kills_total Workers killed for "
	    "holding one request past request_timeout.\n"
	    "# TYPE roster_worker_deadline_kills_total counter\n"
	    "roster_worker_deadline_kills_total %lu\n"
	    "# HELP roster_workers Workers alive.\n"
	    "# TYPE roster_workers gauge\n"
	    "roster_workers %d\n",
	    sum.db_errors, sum.db_reconnects, sum.tx_retries, sum.rate_limited,
	    sum.cache_hits, sum.cache_misses, sb->worker_starts,
	    sb->worker_crashes, sb->deadline_kills, alive);
	outbox_lines(c, b);
	c->raw = text.p;
	c->raw_len = text.len;
	c->raw_type = "text/plain; version=0.0.4; charset=utf-8";
	return RERR_OK;
}
