/*
 * The outbox sender (see include/roster/sender.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/ids.h"
#include "roster/invite_email.h"
#include "roster/log.h"
#include "roster/secret.h"
#include "roster/sender.h"
#include "roster/smtp_client.h"

#define BATCH       10
#define IDLE_MS     500
#define RETRY_CAP_S 3600

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* SIGTERM interrupts the sleep (no SA_RESTART). */
	nanosleep(&ts, NULL);
}

/* A message this sender claimed. */
struct claimed {
	const char     *id;
	const char     *invitation_id;
	struct smtp_msg m;
	int             attempts; /* made before this one */
};

/*
 * A row of STMT_OUTBOX_CLAIMED; the sealed link is binary, read by name
 * with its length.
 */
/* clang-format off */
static const struct db_field claimed_fields[OUTBOX_CLAIMED_C__MAX] = {
	[OUTBOX_CLAIMED_C_ID]		= DB_FIELD(struct claimed, id),
	[OUTBOX_CLAIMED_C_INVITATION_ID] = DB_FIELD(struct claimed, invitation_id),
	[OUTBOX_CLAIMED_C_TO]		= DB_FIELD(struct claimed, m.to),
	[OUTBOX_CLAIMED_C_SUBJECT]	= DB_FIELD(struct claimed, m.subject),
	[OUTBOX_CLAIMED_C_TEXT]		= DB_FIELD(struct claimed, m.text),
	[OUTBOX_CLAIMED_C_HTML]		= DB_FIELD(struct claimed, m.html),
	[OUTBOX_CLAIMED_C_LINK_SEALED]	= DB_SKIP,
	[OUTBOX_CLAIMED_C_MESSAGE_ID]	= DB_FIELD(struct claimed, m.message_id),
	[OUTBOX_CLAIMED_C_ATTEMPTS]	= DB_FIELD(struct claimed, attempts),
};
/* clang-format on */
static const struct db_map claimed_map = DB_MAP(struct claimed, claimed_fields);

/*
 * Puts the link into the parts of row i of r (c): opened from its seal
 * with the configured key, bound to the invitation.  A row without a
 * sealed link was queued without a seal_key (its parts want a link no one
 * kept: an error), or by a roster from before links were sealed (its parts
 * hold the link: sent as they are).  -1 with err filled when it cannot go.
 */
static int
add_link(const struct config *cfg, struct arena *a, const struct dbres *r,
    size_t i, struct claimed *c, char *err, size_t errsz)
{
	const unsigned char *sealed;
	size_t               n;
	char                *link;

	sealed =
	    (const unsigned char *)db_cell(r, i, OUTBOX_CLAIMED_C_LINK_SEALED);
	n = db_cell_len(r, i, OUTBOX_CLAIMED_C_LINK_SEALED);
	if (sealed == NULL) {
		if (!invite_email_wants_link(c->m.text) &&
		    !invite_email_wants_link(c->m.html))
			return 0;
		snprintf(err, errsz,
		    "queued without its link (no seal_key where it "
		    "was queued): resend the invitation");
		return -1;
	}
	link = arena_alloc(a, n + 1);
	if (secret_open(cfg->seal_key, sealed, n, c->invitation_id, link) !=
	    0) {
		snprintf(err, errsz,
		    "its link does not open with this seal_key (sealed "
		    "under another one?): resend the invitation");
		return -1;
	}
	c->m.text = invite_email_fill(a, c->m.text, link, 0);
	c->m.html = invite_email_fill(a, c->m.html, link, 1);
	return 0;
}

/*
 * A failed attempt: again after a back-off, or never again when it was
 * the last one (last: fail at once, the email cannot be sent as it is).
 */
static int
retry_later(const struct config *cfg, struct db *db, struct arena *a,
    const char *sender, const struct claimed *c, const char *err, int last)
{
	struct dbp p[5];
	int64_t    delay;
	int        max = last ? 0 : cfg->smtp_max_attempts;

	delay = (int64_t)cfg->smtp_retry
	    << (c->attempts < 12 ? c->attempts : 12);
	if (delay > RETRY_CAP_S)
		delay = RETRY_CAP_S;
	p[0] = DB_I64(clock_now_ms() + delay * 1000);
	p[1] = DB_STR(err);
	p[2] = DB_I64(max);
	p[3] = DB_STR(c->id);
	p[4] = DB_STR(sender);
	/* The log says what the statement decides: attempts + 1 >= max. */
	if (c->attempts + 1 >= max)
		log_err(
		    "mail %s to %s failed (attempt %d of %d): %s; giving up",
		    c->id, c->m.to, c->attempts + 1,
		    last ? c->attempts + 1 : max, err);
	else
		log_warn("mail %s to %s failed (attempt %d of %d): %s; "
			 "retry in %lld s",
		    c->id, c->m.to, c->attempts + 1, max, err,
		    (long long)delay);
	return db_exec(db, a, STMT_OUTBOX_RETRY, p, 5, NULL);
}

/* Delivers what this sender claimed; returns how many it handled. */
static int
deliver(const struct config *cfg, struct db *db, struct arena *a,
    const char *sender)
{
	struct dbres    r, x;
	struct dbp      p[5];
	struct claimed *c;
	char            err[300];
	size_t          i;
	int64_t         now = clock_now_ms();
	int             rc;

	p[0] = DB_STR(sender);
	p[1] = DB_I64(now + (int64_t)cfg->smtp_claim_timeout * 1000);
	p[2] = DB_I64(now);
	p[3] = DB_I64(now);
	p[4] = DB_I64(BATCH);
	if ((rc = db_exec(db, a, STMT_OUTBOX_CLAIM, p, 5, NULL)) != 0)
		return -1;
	/* Invitations closed while their emails waited: no dead links. */
	p[0] = DB_STR(sender);
	p[1] = DB_I64(now);
	if ((rc = db_exec(db, a, STMT_OUTBOX_RETIRE_CLOSED, p, 2, &x)) != 0)
		return -1;
	if (x.affected > 0)
		log_info("retired %llu emails of invitations no longer pending",
		    (unsigned long long)x.affected);
	p[0] = DB_STR(sender);
	if ((rc = db_rows(db, a, STMT_OUTBOX_CLAIMED, p, 1, &claimed_map,
		 &r)) != 0)
		return -1;
	for (i = 0, c = r.rows; i < r.nrows && !stop; i++, c++) {
		if (add_link(cfg, a, &r, i, c, err, sizeof(err)) != 0)
			rc = retry_later(cfg, db, a, sender, c, err, 1);
		else if (smtp_send(cfg, &c->m, err, sizeof(err)) == 0) {
			p[0] = DB_I64(clock_now_ms());
			p[1] = DB_STR(c->id);
			p[2] = DB_STR(sender);
			rc = db_exec(db, a, STMT_OUTBOX_SENT, p, 3, NULL);
			log_info("mail %s to %s sent", c->id, c->m.to);
		} else
			rc = retry_later(cfg, db, a, sender, c, err, 0);
		/* A lost mark is safe: the claim expires and it is sent again. */
		if (rc != 0)
			return -1;
	}
	return (int)r.nrows;
}

int
sender_run(const struct config *cfg)
{
	struct sigaction sa;
	struct arena     a;
	struct db       *db;
	char             sender[ID_LEN + 1], err[256];
	int              n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	{
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	if (cfg->smtp_host[0] == '\0') {
		log_err("mailer: smtp_host is not configured");
		return 2;
	}
	if (config_check_sender(cfg, err, sizeof(err)) != 0) {
		log_err("mailer: %s", err);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	id_new(sender);
	arena_init(&a);
	db = db_new(cfg);
	log_info("mailer %s delivering through %s:%d", sender, cfg->smtp_host,
	    cfg->smtp_port);
	while (!stop) {
		if (db_ensure(db) != 0) {
			nap(IDLE_MS);
			continue;
		}
		n = deliver(cfg, db, &a, sender);
		arena_reset(&a);
		if (n <= 0)
			nap(IDLE_MS);
	}
	db_free(db);
	arena_release(&a);
	curl_global_cleanup();
	log_info("mailer %s stopped", sender);
	return 0;
}
