/*
 * Administration from the shell, through the same core the API uses (the
 * admin has no actor: op->actor is NULL).
 */
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mysql.h>

#include "roster/arena.h"
#include "roster/audit.h"
#include "roster/auth.h"
#include "roster/cli.h"
#include "roster/clock.h"
#include "roster/config.h"
#include "roster/cred.h"
#include "roster/db.h"
#include "roster/email_address.h"
#include "roster/jsonmem.h"
#include "roster/log.h"
#include "roster/migrate.h"
#include "roster/operation.h"
#include "roster/team.h"
#include "roster/user.h"
#include "roster/website.h"

struct opts {
	const char	*email, *name, *domain, *owner, *seats, *perms;
	const char	*websites, *website, *role, *since, *user;
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct {
		const char	*flag;
		size_t		 off;
	} flags[] = {
		{ "--email", offsetof(struct opts, email) },
		{ "--name", offsetof(struct opts, name) },
		{ "--domain", offsetof(struct opts, domain) },
		{ "--owner-email", offsetof(struct opts, owner) },
		{ "--seats", offsetof(struct opts, seats) },
		{ "--permissions", offsetof(struct opts, perms) },
		{ "--websites", offsetof(struct opts, websites) },
		{ "--website", offsetof(struct opts, website) },
		{ "--role", offsetof(struct opts, role) },
		{ "--since", offsetof(struct opts, since) },
		{ "--user", offsetof(struct opts, user) },
	};
	size_t	i;
	int	k;

	memset(o, 0, sizeof(*o));
	for (k = 0; k < argc; k++) {
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (strcmp(argv[k], flags[i].flag) == 0)
				break;
		if (i == sizeof(flags) / sizeof(flags[0]) || k + 1 >= argc) {
			fprintf(stderr, "roster: unknown or incomplete option "
			    "%s\n", argv[k]);
			return -1;
		}
		*(const char **)(void *)((char *)o + flags[i].off) = argv[++k];
	}
	return 0;
}

static int
fail(const char *msg)
{
	json_t	*o = json_pack("{s:s}", "error", msg);
	char	*s = json_dumps(o, JSON_COMPACT);

	fprintf(stderr, "roster: %s\n", msg);
	printf("%s\n", s);
	return 1;
}

static int
outcome(struct op *op, enum rerr e)
{
	return fail(op->msg != NULL ? op->msg : rerr_message(e));
}

static int
print(json_t *o)
{
	char	*s = json_dumps(o, JSON_COMPACT);

	printf("%s\n", s);
	return 0;
}

static int
need(const char *v, const char *flag)
{
	if (v == NULL) {
		fprintf(stderr, "roster: %s is required\n", flag);
		return -1;
	}
	return 0;
}

/* Splits a comma list into an arena array. */
static const char **
split(struct arena *a, const char *list, size_t *n)
{
	const char	**v;
	char		 *copy = arena_strdup(a, list), *tok, *save;
	size_t		  cap = 1;
	const char	 *p;

	for (p = list; *p; p++)
		cap += *p == ',';
	v = arena_alloc(a, (cap + 1) * sizeof(char *));
	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		v[(*n)++] = tok;
	return v;
}

static int
user_id_for(struct op *op, const char *raw, char *id, int create)
{
	char		email[EMAIL_MAX + 1];
	enum rerr	e;

	if (email_normalize(raw, strlen(raw), email) != 0)
		return fail("email is not a valid address");
	(void)create;
	if ((e = user_ensure(op, email, NULL, id, NULL)) != RERR_OK)
		return outcome(op, e);
	return 0;
}

/* --since: Unix seconds, or ISO-8601 UTC (2026-05-21[T10:00:00[.000]Z]). */
static int
parse_since(const char *s, int64_t *ms)
{
	struct tm	 tm;
	const char	*end;
	char		*e;
	long long	 secs;

	if (*s >= '0' && *s <= '9' && strchr(s, '-') == NULL) {
		errno = 0;
		secs = strtoll(s, &e, 10);
		if (*e != '\0' || errno != 0 || secs < 0)
			return -1;
		*ms = secs * 1000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*end == 'T' && (end = strptime(end + 1, "%H:%M:%S", &tm)) == NULL)
		return -1;
	*ms = 0;
	if (*end == '.') {
		int	digits = 0, frac = 0;

		/* Milliseconds: the first three digits of the fraction. */
		for (end++; *end >= '0' && *end <= '9'; end++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*end - '0');
		for (; digits < 3; digits++)
			frac *= 10;
		*ms = frac;
	}
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		return -1;
	*ms += (int64_t)timegm(&tm) * 1000;
	return 0;
}

/* `roster audit`: one JSON object per line, oldest first. */
static int
audit(struct op *op, const struct opts *o)
{
	struct audit_entry	*v;
	size_t			 n, i;
	int64_t			 since = 0;
	enum rerr		 e;

	if ((o->website == NULL) == (o->user == NULL))
		return fail("give --website ID or --user ID");
	if (o->since != NULL && parse_since(o->since, &since) != 0)
		return fail("--since must be Unix seconds or an ISO-8601 time");
	if (o->website != NULL && !id_valid(o->website))
		return fail("website not found");
	if (o->user != NULL && !id_valid(o->user))
		return fail("--user takes a user id");
	if ((e = audit_list(op, o->website, o->user, since, &v, &n)) !=
	    RERR_OK)
		return outcome(op, e);
	for (i = 0; i < n; i++) {
		json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o}",
		    "id", v[i].id, "at", clock_iso(op->a, v[i].created_at),
		    "websiteId", v[i].website_id ?
		    json_string(v[i].website_id) : json_null(),
		    "userId", v[i].user_id ? json_string(v[i].user_id) :
		    json_null(),
		    "credentialId", v[i].credential_id ?
		    json_string(v[i].credential_id) : json_null(),
		    "action", v[i].action,
		    "target", v[i].target ? json_string(v[i].target) :
		    json_null(),
		    "requestId", v[i].request_id ?
		    json_string(v[i].request_id) : json_null());
		char *line = json_dumps(j, JSON_COMPACT);
		printf("%s\n", line);
	}
	return 0;
}

static int
run(struct op *op, int argc, char **argv)
{
	struct opts	 o;
	char		 id[ID_LEN + 1], email[EMAIL_MAX + 1];
	const char	*cmd = argv[0], *sub = argc > 1 ? argv[1] : "";
	enum rerr	 e;
	int		 created, n;

	if (strcmp(cmd, "migrate") == 0) {
		if (argc > 1 && parse_opts(argc - 1, argv + 1, &o) != 0)
			return 2;
		if ((n = migrate_run(op->db, op->a)) < 0)
			return fail("migration failed; see the log above");
		return print(json_pack("{s:i}", "applied", n));
	}
	/* `audit` takes options right away; the others a verb first. */
	if (strcmp(cmd, "audit") == 0 ? parse_opts(argc - 1, argv + 1, &o) :
	    parse_opts(argc - 2, argv + 2, &o))
		return 2;
	if (db_ensure(op->db) != 0)
		return fail("cannot connect to the database");
	if (strcmp(cmd, "user") == 0 && strcmp(sub, "create") == 0) {
		if (need(o.email, "--email"))
			return 2;
		if (email_normalize(o.email, strlen(o.email), email) != 0)
			return fail("email is not a valid address");
		if ((e = user_ensure(op, email, o.name, id, &created)))
			return outcome(op, e);
		return print(json_pack("{s:s, s:b}", "userId", id, "created",
		    created));
	}
	if (strcmp(cmd, "website") == 0 && strcmp(sub, "create") == 0) {
		long seats = -1;
		if (need(o.domain, "--domain") || need(o.owner, "--owner-email"))
			return 2;
		if (o.seats != NULL) {
			char *end;
			errno = 0;
			seats = strtol(o.seats, &end, 10);
			if (*end != '\0' || errno != 0 || seats < 1)
				return fail("--seats must be a whole number "
				    "of at least 1");
		}
		if ((e = website_create(op, o.domain, o.name, o.owner, seats,
		    id)) != RERR_OK)
			return outcome(op, e);
		return print(json_pack("{s:s}", "websiteId", id));
	}
	if (strcmp(cmd, "token") == 0 && strcmp(sub, "create") == 0) {
		struct cred_info	 t;
		const char		**sites = NULL, **pl;
		size_t			  ns = 0, np, i;
		unsigned		  perms = 0, bit;

		if (need(o.email, "--email"))
			return 2;
		if (user_id_for(op, o.email, id, 1) != 0)
			return 1;
		if (o.perms != NULL) {
			pl = split(op->a, o.perms, &np);
			for (i = 0; i < np; i++) {
				if ((bit = perm_parse(pl[i])) == 0)
					return fail("unknown permission in "
					    "--permissions");
				perms |= bit;
			}
		}
		if (o.websites != NULL)
			sites = split(op->a, o.websites, &ns);
		if ((e = cred_token_create(op, id, o.name, perms, sites, ns,
		    &t)) != RERR_OK)
			return outcome(op, e);
		return print(json_pack("{s:s, s:s}", "id", t.id, "key", t.key));
	}
	if (strcmp(cmd, "apikey") == 0 && strcmp(sub, "create") == 0) {
		struct cred_info	k;
		struct dbres		r;
		struct dbp		p[1];

		if (need(o.website, "--website"))
			return 2;
		if (!id_valid(o.website))
			return fail("website not found");
		p[0] = DB_STR(o.website);
		if (db_exec(op->db, op->a, STMT_WEBSITE_GET, p, 1, &r) != 0)
			return fail("database error");
		if (r.nrows != 1)
			return fail("website not found");
		if ((e = cred_key_create(op, o.website, o.name, &k)))
			return outcome(op, e);
		return print(json_pack("{s:s, s:s}", "id", k.id, "key", k.key));
	}
	if (strcmp(cmd, "audit") == 0)
		return audit(op, &o);
	if (strcmp(cmd, "member") == 0 && strcmp(sub, "add") == 0) {
		if (need(o.website, "--website") || need(o.email, "--email") ||
		    need(o.role, "--role"))
			return 2;
		if ((e = team_add(op, o.website, o.email, o.role, id)))
			return outcome(op, e);
		return print(json_pack("{s:s}", "userId", id));
	}
	fprintf(stderr, "roster: unknown command: %s %s\n", cmd, sub);
	return 2;
}

int
cli_run(const struct config *cfg, int argc, char **argv)
{
	struct arena	 a;
	struct op	 op;
	struct db	*db;
	int		 rc;

	if (mysql_library_init(0, NULL, NULL) != 0)
		return fail("mysql library init failed");
	arena_init(&a);
	jsonmem_init();
	jsonmem_use(&a);
	db = db_new(cfg);
	op_init(&op, db, &a, cfg, NULL, NULL);
	rc = run(&op, argc, argv);
	fflush(stdout);
	db_free(db);
	jsonmem_use(NULL);
	arena_release(&a);
	mysql_library_end();
	return rc;
}
