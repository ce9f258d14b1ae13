/*
 * MariaDB Connector/C behind include/roster/db.h.  What a long-running
 * worker needs of the connector is kept here: no auto-reconnect (it would
 * finish a broken transaction in autocommit), explicit reconnect with
 * back-off, statement handles closed with their connection (a new
 * connection does not know them), results always fetched to the end so no
 * request leaves the connection out of sync.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <errmsg.h>

#include "roster/arena.h"
#include "roster/clock.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/log.h"

#define CELL_INLINE    256 /* first-try buffer per column */
#define MAX_PARAMS     16
#define MAX_COLS       16
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 500
#define MAX_HOSTS      8
#define BAD_HOST_MS    2000 /* a host that failed is skipped this long */

struct endpoint {
	char     host[256];
	unsigned port;
	int64_t  bad_until; /* mono ms */
};

struct db {
	const struct config *cfg;
	MYSQL               *my;
	struct endpoint      ep[MAX_HOSTS];
	int                  nep;
	int                  cur;          /* endpoint connected to */
	int64_t              connected_at; /* mono ms */
	MYSQL_STMT          *st[STMT__MAX];
	int64_t              next_try; /* mono ms: no connect before */
	int                  backoff;  /* ms */
	unsigned long        reconnects;
	unsigned long        errors;
	int                  idle; /* no statement yet this request */
	int                  connected_once;
};

/*
 * The endpoints, in order of preference: db_hosts ("h1:3306,h2,...") when
 * set, else db_host/db_port (with db_socket for localhost).
 */
static void
parse_hosts(struct db *db, const struct config *cfg)
{
	char list[sizeof(cfg->db_hosts)], *tok, *save, *colon;

	db->nep = 0;
	snprintf(list, sizeof(list), "%s", cfg->db_hosts);
	for (tok = strtok_r(list, ", ", &save);
	     tok != NULL && db->nep < MAX_HOSTS;
	     tok = strtok_r(NULL, ", ", &save)) {
		struct endpoint *e = &db->ep[db->nep++];
		e->port = (unsigned)cfg->db_port;
		if ((colon = strrchr(tok, ':')) != NULL && colon[1] != '\0' &&
		    strchr(tok, ']') < colon) {
			*colon = '\0';
			e->port = (unsigned)atoi(colon + 1);
		}
		snprintf(e->host, sizeof(e->host), "%s", tok);
	}
	if (db->nep == 0) {
		snprintf(db->ep[0].host, sizeof(db->ep[0].host), "%s",
		    cfg->db_host);
		db->ep[0].port = (unsigned)cfg->db_port;
		db->nep = 1;
	}
}

struct db *
db_new(const struct config *cfg)
{
	struct db *db = calloc(1, sizeof(*db));
	int        i;

	if (db == NULL)
		abort();
	for (i = 0; i < STMT__MAX; i++)
		if (stmt_sql((enum stmt)i) == NULL) {
			log_err("statement %d has no sql", i);
			abort();
		}
	db->cfg = cfg;
	parse_hosts(db, cfg);
	return db;
}

static void
db_disconnect(struct db *db)
{
	int i;

	for (i = 0; i < STMT__MAX; i++)
		if (db->st[i] != NULL) {
			mysql_stmt_close(db->st[i]);
			db->st[i] = NULL;
		}
	if (db->my != NULL) {
		mysql_close(db->my);
		db->my = NULL;
	}
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

unsigned long
db_errors(const struct db *db)
{
	return db->errors;
}

unsigned long
db_reconnects(const struct db *db)
{
	return db->reconnects;
}

/* Maps a server or client error number to a db_rc. */
static int
classify(unsigned e)
{
	switch (e) {
	case 1062: /* ER_DUP_ENTRY */
	case 1586: /* ER_DUP_ENTRY_WITH_KEY_NAME */
		return DB_EDUP;
	case 1213: /* ER_LOCK_DEADLOCK, and Galera certification */
	case 1205: /* ER_LOCK_WAIT_TIMEOUT */
		return DB_ERETRY;
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case 2055:                    /* CR_SERVER_LOST_EXTENDED */
	case CR_COMMANDS_OUT_OF_SYNC: /* handles reset under us: start over */
	case 1927:                    /* ER_CONNECTION_KILLED */
	case 1053:                    /* ER_SERVER_SHUTDOWN */
	case 1047: /* ER_UNKNOWN_COM_ERROR: wsrep not ready */
	case 1180: /* ER_ERROR_DURING_COMMIT: not in primary component */
		return DB_ELOST;
	case 1290: /* ER_OPTION_PREVENTS_STATEMENT: read_only */
	case 1836: /* ER_READ_ONLY_MODE */
		return DB_EUNAVAIL;
	default:
		return DB_EFAIL;
	}
}

/* Logs the failure once and, for a lost connection, drops it. */
static int
fail(struct db *db, unsigned e, const char *err, const char *what)
{
	int rc = classify(e);

	if (rc != DB_EDUP)
		db->errors++;
	/* A lost or not-ready node is skipped for a while by reconnects. */
	if (rc == DB_ELOST && db->nep > 1)
		db->ep[db->cur].bad_until = clock_mono_ms() + BAD_HOST_MS;
	if (rc != DB_EDUP && rc != DB_ERETRY)
		log_err("database %s failed: %u %s", what, e, err);
	if (rc == DB_ELOST)
		db_disconnect(db);
	return rc;
}

static int
connect_one(struct db *db, int i)
{
	const struct config   *c = db->cfg;
	const struct endpoint *e = &db->ep[i];
	unsigned               t = (unsigned)c->db_timeout;
	unsigned               ct = (unsigned)c->db_connect_timeout;
	my_bool                off = 0;
	char                   init[512], wait[48] = "";
	const char            *sock;

	/*
	 * Session state for every connection, set again by the connector on
	 * each connect: strict SQL mode, UTC, repeatable read; with
	 * Galera, wsrep_sync_wait makes reads wait for the writes the cluster
	 * has certified, so a read on any node sees the caller's last write.
	 */
	if (c->db_sync_wait > 0)
		snprintf(wait, sizeof(wait), ", wsrep_sync_wait = %d",
		    c->db_sync_wait);
	snprintf(init, sizeof(init),
	    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
	    "NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO',"
	    " time_zone = '+00:00', tx_isolation = 'REPEATABLE-READ'%s",
	    wait);
	if ((db->my = mysql_init(NULL)) == NULL)
		abort();
	/*
	 * Connecting has its own short timeout: db_timeout sits above a
	 * cluster's stall, and a host that drops packets must not cost that
	 * much per attempt.
	 */
	mysql_options(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(db->my, MYSQL_OPT_READ_TIMEOUT, &t);
	mysql_options(db->my, MYSQL_OPT_WRITE_TIMEOUT, &t);
	mysql_options(db->my, MYSQL_OPT_RECONNECT, &off);
	mysql_options(db->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(db->my, MYSQL_INIT_COMMAND, init);
	sock = strcmp(e->host, "localhost") == 0 && c->db_socket[0] ?
	    c->db_socket :
	    NULL;
	/* Never read option files: the config file is the only source. */
	if (mysql_real_connect(db->my, e->host[0] ? e->host : NULL, c->db_user,
		c->db_password, c->db_name, e->port, sock,
		CLIENT_FOUND_ROWS) == NULL) {
		log_err("database connect to %s:%u failed: %u %s",
		    sock != NULL ? sock : e->host, e->port, mysql_errno(db->my),
		    mysql_error(db->my));
		mysql_close(db->my);
		db->my = NULL;
		return DB_ELOST;
	}
	/*
	 * With several hosts, a node that accepts connections may still not
	 * serve queries (1047: joining, or outside the primary component):
	 * ask it one question before settling on it.
	 */
	if (db->nep > 1 && mysql_query(db->my, "SELECT 1") != 0) {
		log_warn("database %s:%u answers but is not ready: %u %s",
		    e->host, e->port, mysql_errno(db->my), mysql_error(db->my));
		mysql_close(db->my);
		db->my = NULL;
		return DB_ELOST;
	} else if (db->nep > 1) {
		MYSQL_RES *res = mysql_store_result(db->my);
		if (res != NULL)
			mysql_free_result(res);
	}
	db->cur = i;
	db->connected_at = clock_mono_ms();
	return DB_OK;
}

/*
 * Tries the endpoints in order of preference, skipping those that failed
 * recently unless all did: the first that answers wins.
 */
static int
connect_now(struct db *db)
{
	int64_t now = clock_mono_ms();
	int     i, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < db->nep; i++) {
			if (pass == 0 && db->ep[i].bad_until > now)
				continue;
			if (pass == 1 && db->ep[i].bad_until <= now)
				continue;
			if (connect_one(db, i) == DB_OK)
				return DB_OK;
			db->ep[i].bad_until = now + BAD_HOST_MS;
		}
	return DB_ELOST;
}

int
db_ensure(struct db *db)
{
	int64_t now;

	now = clock_mono_ms();
	/* Back to the preferred host after a while on another one. */
	if (db->my != NULL && db->cur != 0 && db->nep > 1 &&
	    now - db->connected_at > (int64_t)db->cfg->db_failback * 1000 &&
	    db->ep[0].bad_until <= now) {
		log_info("database: returning to the preferred host %s",
		    db->ep[0].host);
		db_disconnect(db);
	}
	db->idle = 1;
	if (db->my != NULL)
		return DB_OK;
	if (now < db->next_try)
		return DB_ELOST;
	if (connect_now(db) != DB_OK) {
		db->backoff = db->backoff ? db->backoff * 2 : BACKOFF_MIN_MS;
		if (db->backoff > BACKOFF_MAX_MS)
			db->backoff = BACKOFF_MAX_MS;
		db->next_try = now + db->backoff;
		return DB_ELOST;
	}
	if (db->connected_once) {
		db->reconnects++;
		log_info("database reconnected");
	}
	db->connected_once = 1;
	db->backoff = 0;
	db->next_try = 0;
	return DB_OK;
}

static MYSQL_STMT *
prepared(struct db *db, enum stmt s, int *rc)
{
	MYSQL_STMT *st;
	const char *q = stmt_sql(s);

	if ((st = db->st[s]) != NULL)
		return st;
	if ((st = mysql_stmt_init(db->my)) == NULL)
		abort();
	if (mysql_stmt_prepare(st, q, strlen(q)) != 0) {
		*rc = fail(db, mysql_stmt_errno(st), mysql_stmt_error(st),
		    "prepare");
		mysql_stmt_close(st);
		return NULL;
	}
	/*
	 * Callers read cells by the statement's column enum: a select list
	 * that grew or shrank without its enum would shift every column
	 * after the change.  Checked once per connection and statement.
	 */
	if (mysql_stmt_field_count(st) != stmt_columns(s)) {
		log_err("statement %d returns %u columns, its column enum "
			"names %u",
		    (int)s, mysql_stmt_field_count(st), stmt_columns(s));
		abort();
	}
	/* fail() may have closed the connection: only cache when alive. */
	db->st[s] = st;
	return st;
}

/* Fetches every row into res; always drains the result. */
static int
fetch_all(struct db *db, struct arena *a, MYSQL_STMT *st, struct dbres *res)
{
	MYSQL_BIND    b[MAX_COLS];
	unsigned long len[MAX_COLS];
	my_bool       isnull[MAX_COLS], err[MAX_COLS];
	char          inl[MAX_COLS][CELL_INLINE];
	size_t        cap = 0, i, nc;
	int           f, rc = DB_OK;

	nc = mysql_stmt_field_count(st);
	res->ncols = nc;
	if (nc == 0)
		return DB_OK;
	if (nc > MAX_COLS) {
		log_err("statement returns %zu columns, max %d", nc, MAX_COLS);
		abort();
	}
	memset(b, 0, sizeof(b));
	for (i = 0; i < nc; i++) {
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].buffer = inl[i];
		b[i].buffer_length = CELL_INLINE;
		b[i].length = &len[i];
		b[i].is_null = &isnull[i];
		b[i].error = &err[i];
	}
	if (mysql_stmt_bind_result(st, b) != 0)
		return fail(db, mysql_stmt_errno(st), mysql_stmt_error(st),
		    "bind result");
	for (;;) {
		f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			/*
			 * An error packet in the middle of a result (a
			 * deadlock, a Galera brute-force abort: 1213) is left
			 * on the connection by libmariadb, not on the
			 * statement, whose errno stays 0.
			 */
			if (mysql_stmt_errno(st) == 0 && mysql_errno(db->my))
				rc = fail(db, mysql_errno(db->my),
				    mysql_error(db->my), "fetch");
			else
				rc = fail(db, mysql_stmt_errno(st),
				    mysql_stmt_error(st), "fetch");
			break;
		}
		if (res->nrows == cap) {
			size_t  ncap = cap ? cap * 2 : 8;
			char  **nv = arena_alloc(a, ncap * nc * sizeof(char *));
			size_t *nl = arena_alloc(a, ncap * nc * sizeof(size_t));
			if (cap) {
				memcpy(nv, res->cell,
				    cap * nc * sizeof(char *));
				memcpy(nl, res->len, cap * nc * sizeof(size_t));
			}
			res->cell = nv;
			res->len = nl;
			cap = ncap;
		}
		for (i = 0; i < nc; i++) {
			size_t k = res->nrows * nc + i;
			if (isnull[i]) {
				res->cell[k] = NULL;
				res->len[k] = 0;
				continue;
			}
			if (len[i] <= CELL_INLINE) {
				res->cell[k] = arena_strndup(a, inl[i], len[i]);
			} else {
				/* Truncated: fetch the whole column. */
				MYSQL_BIND    big;
				char         *p = arena_alloc(a, len[i] + 1);
				unsigned long l2 = 0;
				memset(&big, 0, sizeof(big));
				big.buffer_type = MYSQL_TYPE_STRING;
				big.buffer = p;
				big.buffer_length = len[i];
				big.length = &l2;
				if (mysql_stmt_fetch_column(st, &big,
					(unsigned)i, 0) != 0) {
					rc = fail(db, mysql_stmt_errno(st),
					    mysql_stmt_error(st),
					    "fetch column");
					goto out;
				}
				p[len[i]] = '\0';
				res->cell[k] = p;
			}
			res->len[k] = len[i];
		}
		res->nrows++;
	}
out:
	if (db->my != NULL)
		mysql_stmt_free_result(st);
	return rc;
}

static int
exec_once(struct db *db, struct arena *a, enum stmt s, const struct dbp *p,
    size_t np, struct dbres *res)
{
	MYSQL_STMT  *st;
	MYSQL_BIND   b[MAX_PARAMS];
	long long    ival[MAX_PARAMS];
	struct dbres scratch;
	size_t       i;
	int          rc = DB_OK;

	if (res == NULL)
		res = &scratch;
	memset(res, 0, sizeof(*res));
	if (db->my == NULL)
		return DB_ELOST;
	if ((st = prepared(db, s, &rc)) == NULL)
		return rc;
	if (np > MAX_PARAMS || np != mysql_stmt_param_count(st)) {
		log_err("statement %d takes %lu params, given %zu", (int)s,
		    mysql_stmt_param_count(st), np);
		abort();
	}
	memset(b, 0, sizeof(b));
	for (i = 0; i < np; i++) {
		switch (p[i].t) {
		case DBP_NULL:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case DBP_STR:
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)(uintptr_t)p[i].p;
			b[i].buffer_length = p[i].n;
			break;
		case DBP_BIN:
			b[i].buffer_type = MYSQL_TYPE_BLOB;
			b[i].buffer = (void *)(uintptr_t)p[i].p;
			b[i].buffer_length = p[i].n;
			break;
		case DBP_I64:
			ival[i] = p[i].i;
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &ival[i];
			break;
		}
	}
	if (np > 0 && mysql_stmt_bind_param(st, b) != 0)
		return fail(db, mysql_stmt_errno(st), mysql_stmt_error(st),
		    "bind");
	if (mysql_stmt_execute(st) != 0)
		return fail(db, mysql_stmt_errno(st), mysql_stmt_error(st),
		    "execute");
	rc = fetch_all(db, a, st, res);
	if (rc == DB_OK && res->ncols == 0) {
		res->affected = mysql_stmt_affected_rows(st);
		res->insert_id = mysql_stmt_insert_id(st);
	}
	return rc;
}

/*
 * The first statement of a request finds the connection dead (an idle
 * connection to a node that went away, a server restarted): nothing of
 * this request reached the old connection, so connect again, now, and run
 * it there — the request need not fail.  Later statements never do this:
 * a transaction lost half-way is the caller's to fail: its first part died
 * with the old connection, and the rest must not commit alone.
 */
static int
again_if_idle(struct db *db, int first, int rc)
{
	if (rc != DB_ELOST || !first || db->my != NULL)
		return 0;
	if (connect_now(db) != DB_OK)
		return 0;
	db->reconnects++;
	log_info("database reconnected for a request's first statement");
	return 1;
}

int
db_exec(struct db *db, struct arena *a, enum stmt s, const struct dbp *p,
    size_t np, struct dbres *res)
{
	int first = db->idle, rc;

	db->idle = 0;
	rc = exec_once(db, a, s, p, np, res);
	if (again_if_idle(db, first, rc))
		rc = exec_once(db, a, s, p, np, res);
	return rc;
}

static int
simple_once(struct db *db, const char *q, const char *what)
{
	if (db->my == NULL)
		return DB_ELOST;
	if (mysql_real_query(db->my, q, strlen(q)) != 0)
		return fail(db, mysql_errno(db->my), mysql_error(db->my), what);
	return DB_OK;
}

static int
simple(struct db *db, const char *q, const char *what)
{
	int first = db->idle, rc;

	db->idle = 0;
	rc = simple_once(db, q, what);
	if (again_if_idle(db, first, rc))
		rc = simple_once(db, q, what);
	return rc;
}

int
db_begin(struct db *db)
{
	return simple(db, "START TRANSACTION", "begin");
}

int
db_commit(struct db *db)
{
	return simple(db, "COMMIT", "commit");
}

void
db_rollback(struct db *db)
{
	/* A failed rollback means a lost connection, already handled. */
	if (db->my != NULL)
		(void)simple(db, "ROLLBACK", "rollback");
}

int
db_run_ddl(struct db *db, const char *q, size_t len)
{
	MYSQL_RES *r;

	if (db->my == NULL)
		return DB_ELOST;
	if (mysql_real_query(db->my, q, len) != 0)
		return fail(db, mysql_errno(db->my), mysql_error(db->my),
		    "migration statement");
	if ((r = mysql_store_result(db->my)) != NULL)
		mysql_free_result(r);
	return DB_OK;
}

int
db_rows(struct db *db, struct arena *a, enum stmt s, const struct dbp *p,
    size_t np, const struct db_map *m, struct dbres *res)
{
	int rc;

	if ((rc = db_exec(db, a, s, p, np, res)) != DB_OK)
		return rc;
	res->rows = db_map(a, res, m, res->nrows);
	return DB_OK;
}
