/*
 * The command line: the table of commands, its parser and its help, and
 * the administration commands, which go through the same core the API uses
 * (the admin has no actor: op->actor is NULL).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <mysql.h>

#include "roster/admin.h"
#include "roster/arena.h"
#include "roster/audit.h"
#include "roster/auth.h"
#include "roster/cli.h"
#include "roster/clock.h"
#include "roster/config.h"
#include "roster/cred.h"
#include "roster/db.h"
#include "roster/email_address.h"
#include "roster/invite.h"
#include "roster/jsonmem.h"
#include "roster/log.h"
#include "roster/manpage.h"
#include "roster/master.h"
#include "roster/migrate.h"
#include "roster/operation.h"
#include "roster/sender.h"
#include "roster/team.h"
#include "roster/user.h"
#include "roster/version.h"
#include "roster/website.h"

static int cmd_serve(struct cli *);
static int cmd_mailer(struct cli *);
static int cmd_migrate(struct cli *);
static int cmd_user_create(struct cli *);
static int cmd_website_create(struct cli *);
static int cmd_token_create(struct cli *);
static int cmd_apikey_create(struct cli *);
static int cmd_member_add(struct cli *);
static int cmd_audit(struct cli *);
static int cmd_check_config(struct cli *);
static int cmd_website_list(struct cli *);
static int cmd_website_show(struct cli *);
static int cmd_website_delete(struct cli *);
static int cmd_member_list(struct cli *);
static int cmd_member_remove(struct cli *);
static int cmd_invite(struct cli *);
static int cmd_token_list(struct cli *);
static int cmd_token_revoke(struct cli *);
static int cmd_apikey_list(struct cli *);
static int cmd_apikey_revoke(struct cli *);
static int cmd_outbox_list(struct cli *);
static int cmd_man_page(struct cli *);
static int cmd_config_keys(struct cli *);
static int cmd_help(struct cli *);
static int cmd_version(struct cli *);

#define ADMIN (CLI_NEEDS_CONFIG | CLI_NEEDS_DB)

/* Every command, in the order of `roster help`. */
/* clang-format off */
static const struct cli_cmd cmds[] = {
	{ "serve", cmd_serve, CLI_NEEDS_CONFIG, "",
	  "Runs the FastCGI worker pool in the foreground, with the outbox\n"
	  "sender as one more child when smtp_host is set.  Refuses to start\n"
	  "when the database's schema lacks a migration of this binary (run\n"
	  "roster migrate); starts when the database is unreachable, and\n"
	  "/api/v1/health answers 503 until it is back." },
	{ "mailer", cmd_mailer, CLI_NEEDS_CONFIG, "",
	  "Runs the outbox sender alone, in the foreground." },
	{ "migrate", cmd_migrate, ADMIN, "",
	  "Applies the missing migrations (compiled in), in order; prints\n"
	  "{\"applied\":N}.  Needs a database user with DDL rights." },
	{ "check-config", cmd_check_config, ADMIN | CLI_OWN_CONNECT, "",
	  "Checks the configuration file, that the database answers to the\n"
	  "configured user, and that its schema has every migration of this\n"
	  "binary, saying so line by line (as nginx -t does); exit 0 when all\n"
	  "hold, else 1 with the first problem on stderr (2: a bad file)." },
	{ "user create", cmd_user_create, ADMIN, "--email E [--name N]",
	  "Creates a user, or finds the one with that email; prints\n"
	  "{\"userId\":ID,\"created\":true|false}." },
	{ "website create", cmd_website_create, ADMIN,
	  "--domain D --owner-email E [--name N] [--seats N]",
	  "Creates a website owned by that email's user (created if there is\n"
	  "none); no --seats: no seat limit.  Prints {\"websiteId\":ID}." },
	{ "website list", cmd_website_list, ADMIN, "",
	  "Prints every website, one JSON object per line, oldest first: its\n"
	  "id, domain, name, seat limit, owner, members and pending\n"
	  "invitations." },
	{ "website show", cmd_website_show, ADMIN, "--website ID",
	  "Prints one website as website list does." },
	{ "website delete", cmd_website_delete, ADMIN, "--website ID",
	  "Deletes a website with its team, invitations, unsent emails and\n"
	  "API keys (revoked); tokens lose it from their website lists.  The\n"
	  "audit trail stays.  Prints the website as it was." },
	{ "member add", cmd_member_add, ADMIN,
	  "--website ID --email E --role member|viewer",
	  "Adds a member without an invitation (to import a team); the seat\n"
	  "limit holds.  Prints {\"userId\":ID}." },
	{ "member list", cmd_member_list, ADMIN, "--website ID",
	  "Prints a website's team, one JSON object per line, owner first." },
	{ "member remove", cmd_member_remove, ADMIN,
	  "--website ID (--user ID | --email E)",
	  "Removes a member or viewer (never the owner); their tokens lose\n"
	  "the website at once.  Prints {\"userId\":ID,\"removed\":true}." },
	{ "invite", cmd_invite, ADMIN,
	  "--website ID --email E [--role member|viewer]",
	  "Invites an email to a website's team (role viewer unless given),\n"
	  "as the API does: the email is queued, and the link printed:\n"
	  "{\"invitationId\":ID,...,\"inviteUrl\":URL,\"expiresAt\":T}." },
	{ "token create", cmd_token_create, ADMIN,
	  "--email E [--create-user] [--name N] [--permissions LIST|*] "
	  "[--websites ID,...]",
	  "Creates an access token for that email's user; an email nobody\n"
	  "has is an error unless --create-user creates its user.\n"
	  "Permissions * and every website unless given.  Prints\n"
	  "{\"id\":ID,\"key\":\"dft_...\"}; the key is shown only here." },
	{ "token list", cmd_token_list, ADMIN, "--email E",
	  "Prints a user's live access tokens, one JSON object per line (the\n"
	  "masked key only)." },
	{ "token revoke", cmd_token_revoke, ADMIN, "--id ID",
	  "Revokes an access token, whoever's it is: refused at once by every\n"
	  "worker.  Prints {\"id\":ID,\"revoked\":true}." },
	{ "apikey create", cmd_apikey_create, ADMIN, "--website ID [--name N]",
	  "Creates a website API key; prints {\"id\":ID,\"key\":\"df_...\"}; the\n"
	  "key is shown only here." },
	{ "apikey list", cmd_apikey_list, ADMIN, "--website ID",
	  "Prints a website's live API keys, one JSON object per line (the\n"
	  "masked key only)." },
	{ "apikey revoke", cmd_apikey_revoke, ADMIN, "--website ID --id ID",
	  "Revokes a website API key.  Prints {\"id\":ID,\"revoked\":true}." },
	{ "outbox list", cmd_outbox_list, ADMIN, "[--website ID]",
	  "Prints the invitation emails not sent yet, one JSON object per\n"
	  "line with the invite link each carries: on a machine without\n"
	  "mail, hand the links over yourself." },
	{ "audit", cmd_audit, ADMIN, "(--website ID | --user ID) [--since T]",
	  "Prints a website's audit trail, or what a user did, one JSON object\n"
	  "per line, oldest first.  T: Unix seconds or ISO-8601 UTC\n"
	  "(2026-05-21T10:00:00Z)." },
	{ "config-keys", cmd_config_keys, 0, "[--format markdown|conf|man]",
	  "Prints every configuration key with its default, values and\n"
	  "meaning: a Markdown table, a roster.conf with each key commented\n"
	  "out at its default, or the manual page roster.conf(5)." },
	{ "man-page", cmd_man_page, 0, "",
	  "Prints this manual page, roster(8), made from the table of\n"
	  "commands (make install installs it)." },
	{ "help", cmd_help, CLI_WORDS, "[COMMAND]",
	  "Prints the usage of every command, or of one; -h and --help\n"
	  "too, and COMMAND --help." },
	{ "version", cmd_version, 0, "",
	  "Prints roster's version; --version too." },
};
/* clang-format on */

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/*
 * The options of every command, and where parse_opts() puts each; a
 * switch takes no value (it is set to "" when given).
 */
static const struct {
	const char *flag;
	size_t      off;
	int         is_switch;
} opt_fields[] = {
	{ "--email", offsetof(struct cli_opts, email), 0 },
	{ "--name", offsetof(struct cli_opts, name), 0 },
	{ "--domain", offsetof(struct cli_opts, domain), 0 },
	{ "--owner-email", offsetof(struct cli_opts, owner), 0 },
	{ "--seats", offsetof(struct cli_opts, seats), 0 },
	{ "--permissions", offsetof(struct cli_opts, perms), 0 },
	{ "--websites", offsetof(struct cli_opts, websites), 0 },
	{ "--website", offsetof(struct cli_opts, website), 0 },
	{ "--role", offsetof(struct cli_opts, role), 0 },
	{ "--since", offsetof(struct cli_opts, since), 0 },
	{ "--user", offsetof(struct cli_opts, user), 0 },
	{ "--format", offsetof(struct cli_opts, format), 0 },
	{ "--id", offsetof(struct cli_opts, id), 0 },
	{ "--create-user", offsetof(struct cli_opts, create_user), 1 },
};

#define NOPTS (sizeof(opt_fields) / sizeof(opt_fields[0]))

static const char *
opt_value(const struct cli_opts *o, size_t i)
{
	return *(const char *const *)(const void *)((const char *)o +
	    opt_fields[i].off);
}

/*
 * Whether usage names flag as an option: -1 no, 1 required (outside any
 * brackets), 0 optional.
 */
static int
usage_names(const char *usage, const char *flag)
{
	const char *p;
	size_t      len = strlen(flag);
	int         depth;

	for (p = strstr(usage, flag); p != NULL; p = strstr(p + 1, flag)) {
		if ((p > usage && strchr(" [(|", p[-1]) == NULL) ||
		    strchr(" ])|", p[len]) == NULL)
			continue; /* --website within --websites */
		for (depth = 0; usage < p; usage++)
			depth += (*usage == '[' || *usage == '(') -
			    (*usage == ']' || *usage == ')');
		return depth == 0;
	}
	return -1;
}

/* "usage: roster NAME [--config FILE] USAGE" on one line. */
static void
usage_line(FILE *f, const struct cli_cmd *cmd, const char *lead)
{
	fprintf(f, "%sroster %s%s%s%s\n", lead, cmd->name,
	    cmd->flags & CLI_NEEDS_CONFIG ? " --config FILE" : "",
	    cmd->usage[0] != '\0' ? " " : "", cmd->usage);
}

/* Whether name's first word is word. */
static int
first_word(const char *name, const char *word)
{
	size_t n = strlen(word);

	return strncmp(name, word, n) == 0 &&
	    (name[n] == ' ' || name[n] == '\0');
}

/*
 * The usage lines of the commands whose name starts with word when there
 * are any, else of every command.
 */
static void
usage_all(FILE *f, const char *word)
{
	size_t i, shown = 0;

	for (i = 0; word != NULL && i < NCMDS; i++)
		if (first_word(cmds[i].name, word))
			usage_line(f, &cmds[i],
			    shown++ ? "       " : "usage: ");
	if (shown > 0)
		return;
	for (i = 0; i < NCMDS; i++)
		usage_line(f, &cmds[i], i > 0 ? "       " : "usage: ");
	fputs("\n--config FILE may also come from ROSTER_CONFIG.  "
	      "roster help COMMAND says what\none does.\n",
	    f);
}

/*
 * Prints what is wrong on stderr, then cmd's usage line or, without cmd,
 * those of the commands whose first word is first (else of every
 * command); returns the exit status of bad usage, 2.
 */
static int __attribute__((format(printf, 3, 4)))
usage_error(const struct cli_cmd *cmd, const char *first, const char *fmt, ...)
{
	va_list ap;

	fputs("roster: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	if (cmd != NULL)
		usage_line(stderr, cmd, "usage: ");
	else
		usage_all(stderr, first);
	return 2;
}

static const struct cli_cmd *
cmd_named(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* How many words of args name cmd ("user", "create"), or 0. */
static int
words_name(const struct cli_cmd *cmd, char **args, int nargs)
{
	const char *name = cmd->name;
	size_t      len;
	int         w;

	for (w = 0; w < nargs; w++) {
		len = strlen(args[w]);
		if (strncmp(name, args[w], len) != 0)
			return 0;
		if (name[len] == '\0')
			return w + 1;
		if (name[len] != ' ')
			return 0;
		name += len + 1;
	}
	return 0;
}

/* The command the first words of args name; its word count in *nw. */
static const struct cli_cmd *
find_cmd(char **args, int nargs, int *nw)
{
	const struct cli_cmd *best = NULL;
	size_t                i;
	int                   n;

	*nw = 0;
	for (i = 0; i < NCMDS; i++)
		if ((n = words_name(&cmds[i], args, nargs)) > *nw) {
			best = &cmds[i];
			*nw = n;
		}
	return best;
}

/*
 * Each "(--a A | --b B)" of cmd's usage: exactly one of its options must
 * be given.  0, or the usage error's exit status.
 */
static int
check_groups(struct cli *c, const struct cli_cmd *cmd)
{
	const char *p, *e;
	char        group[128], names[128];
	size_t      i, n;
	int         given;

	for (p = strchr(cmd->usage, '('); p != NULL; p = strchr(e, '(')) {
		if ((e = strchr(p, ')')) == NULL ||
		    (size_t)(e - p) >= sizeof(group))
			break;
		snprintf(group, sizeof(group), "%.*s", (int)(e - p - 1), p + 1);
		names[0] = '\0';
		for (given = 0, n = 0, i = 0; i < NOPTS; i++) {
			if (usage_names(group, opt_fields[i].flag) < 0)
				continue;
			given += opt_value(&c->o, i) != NULL;
			n += (size_t)snprintf(names + n, sizeof(names) - n,
			    "%s%s", n > 0 ? " or " : "", opt_fields[i].flag);
			if (n >= sizeof(names))
				n = sizeof(names) - 1;
		}
		if (given != 1)
			return usage_error(cmd, NULL, "give %s%s",
			    given > 1 ? "only one of " : "", names);
	}
	return 0;
}

/*
 * `--flag VALUE` pairs, the flags those cmd's usage names; the required
 * ones must be there, and one of each group.  `-h` or `--help` asks for
 * cmd's help.
 */
static int
parse_opts(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv)
{
	size_t i;
	int    k;

	memset(&c->o, 0, sizeof(c->o));
	for (k = 0; k < argc; k++) {
		if (strcmp(argv[k], "-h") == 0 ||
		    strcmp(argv[k], "--help") == 0) {
			c->topic = cmd;
			c->cmd = cmd_named("help");
			return 0;
		}
		for (i = 0; i < NOPTS; i++)
			if (strcmp(argv[k], opt_fields[i].flag) == 0)
				break;
		if (argv[k][0] != '-')
			return usage_error(cmd, NULL, "unexpected argument: %s",
			    argv[k]);
		if (i == NOPTS || usage_names(cmd->usage, argv[k]) < 0)
			return usage_error(cmd, NULL, "unknown option: %s",
			    argv[k]);
		if (opt_fields[i].is_switch) {
			*(const char **)(void *)((char *)&c->o +
			    opt_fields[i].off) = "";
			continue;
		}
		if (k + 1 >= argc)
			return usage_error(cmd, NULL, "%s needs a value",
			    argv[k]);
		*(const char **)(void *)((char *)&c->o + opt_fields[i].off) =
		    argv[++k];
	}
	for (i = 0; i < NOPTS; i++)
		if (opt_value(&c->o, i) == NULL &&
		    usage_names(cmd->usage, opt_fields[i].flag) == 1)
			return usage_error(cmd, NULL, "%s is required",
			    opt_fields[i].flag);
	return check_groups(c, cmd);
}

/*
 * A command that reads the configuration needs a file: --config, else
 * ROSTER_CONFIG, else the packaged path when it exists.  Running on the
 * defaults alone because nobody named a file would hide a typo until the
 * database refuses the default user.
 */
static int
config_named(struct cli *c)
{
	if (!(c->cmd->flags & CLI_NEEDS_CONFIG) || c->config_path != NULL)
		return 0;
	if (access(ROSTER_CONFIG_DEFAULT, F_OK) == 0) {
		c->config_path = ROSTER_CONFIG_DEFAULT;
		return 0;
	}
	return usage_error(c->cmd, NULL,
	    "no configuration file: give --config FILE or set ROSTER_CONFIG "
	    "(%s does not exist)",
	    ROSTER_CONFIG_DEFAULT);
}

int
cli_parse(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int                   i, nw = 0, two, rc;

	memset(c, 0, sizeof(*c));
	c->argv = argv;
	c->config_path = getenv("ROSTER_CONFIG");
	if (c->config_path != NULL && c->config_path[0] == '\0')
		c->config_path = NULL;
	/* Take --config out wherever it stands; the rest is the command. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 >= argc)
			return usage_error(NULL, NULL,
			    "--config needs a value");
		if (strcmp(argv[i], "--config") == 0)
			c->config_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			c->config_path = argv[i] + 9;
		else if (c->nargs < (int)(sizeof(c->args) / sizeof(c->args[0])))
			c->args[c->nargs++] = argv[i];
		else
			return usage_error(NULL, NULL, "too many arguments");
	}
	if (c->nargs == 0) {
		usage_all(stderr, NULL);
		return 2;
	}
	nw = 1;
	if (strcmp(c->args[0], "-h") == 0 || strcmp(c->args[0], "--help") == 0)
		cmd = cmd_named("help");
	else if (strcmp(c->args[0], "--version") == 0)
		cmd = cmd_named("version");
	else if ((cmd = find_cmd(c->args, c->nargs, &nw)) == NULL) {
		two = c->nargs > 1 && c->args[1][0] != '-';
		return usage_error(NULL, c->args[0], "unknown command: %s%s%s",
		    c->args[0], two ? " " : "", two ? c->args[1] : "");
	}
	c->cmd = cmd;
	if (cmd->flags & CLI_WORDS) {
		c->words = c->args + nw;
		c->nwords = c->nargs - nw;
		return 0;
	}
	if ((rc = parse_opts(c, cmd, c->nargs - nw, c->args + nw)) != 0)
		return rc;
	return config_named(c);
}

static int
fail(const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", msg);
	char   *s = json_dumps(o, JSON_COMPACT);

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
	char *s = json_dumps(o, JSON_COMPACT);

	printf("%s\n", s);
	return 0;
}

/* Splits a comma list into an arena array. */
static const char **
split(struct arena *a, const char *list, size_t *n)
{
	const char **v;
	char        *copy = arena_strdup(a, list), *tok, *save;
	size_t       cap = 1;
	const char  *p;

	for (p = list; *p; p++)
		cap += *p == ',';
	v = arena_alloc(a, (cap + 1) * sizeof(char *));
	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		v[(*n)++] = tok;
	return v;
}

/*
 * The id of the user with email raw; an email nobody has is an error
 * unless create (--create-user): a typo must not mint a user and a token.
 */
static int
user_id_for(struct op *op, const char *raw, char *id, int create)
{
	char      email[EMAIL_MAX + 1];
	enum rerr e;
	int       created;

	if (email_normalize(raw, strlen(raw), email) != 0)
		return fail("email is not a valid address");
	if (create)
		e = admin_user_ensure(op, email, NULL, id, &created);
	else if ((e = admin_user_find(op, email, id)) == RERR_NOT_FOUND)
		return fail("no user has this email (--create-user creates "
			    "one)");
	if (e != RERR_OK)
		return outcome(op, e);
	return 0;
}

/* --since: Unix seconds, or ISO-8601 UTC (2026-05-21[T10:00:00[.000]Z]). */
static int
parse_since(const char *s, int64_t *ms)
{
	struct tm   tm;
	const char *end;
	char       *e;
	long long   secs;

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
		int digits = 0, frac = 0;

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
cmd_audit(struct cli *c)
{
	struct op             *op = c->op;
	const struct cli_opts *o = &c->o;
	struct audit_entry    *v;
	size_t                 n, i;
	int64_t                since = 0;
	enum rerr              e;

	if (o->since != NULL && parse_since(o->since, &since) != 0)
		return fail("--since must be Unix seconds or an ISO-8601 time");
	if (o->website != NULL && !id_valid(o->website))
		return fail("website not found");
	if (o->user != NULL && !id_valid(o->user))
		return fail("--user takes a user id");
	if ((e = audit_list(op, o->website, o->user, since, &v, &n)) != RERR_OK)
		return outcome(op, e);
	for (i = 0; i < n; i++) {
		json_t *j =
		    json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o}", "id",
			v[i].id, "at", clock_iso(op->a, v[i].created_at),
			"websiteId",
			v[i].website_id ? json_string(v[i].website_id) :
					  json_null(),
			"userId",
			v[i].user_id ? json_string(v[i].user_id) : json_null(),
			"credentialId",
			v[i].credential_id ? json_string(v[i].credential_id) :
					     json_null(),
			"action", v[i].action, "target",
			v[i].target ? json_string(v[i].target) : json_null(),
			"requestId",
			v[i].request_id ? json_string(v[i].request_id) :
					  json_null());
		char *line = json_dumps(j, JSON_COMPACT);
		printf("%s\n", line);
	}
	return 0;
}

/*
 * serve's gate: a schema that lacks one of this binary's migrations would
 * fail every request, so the pool does not start (exit 1, saying to run
 * `roster migrate`).  A database that does not answer yet is no reason to
 * stay down: it may be starting too, and health says 503 until it is up.
 */
static int
schema_gate(const struct config *cfg)
{
	struct schema_status st;
	struct arena         a;
	struct db           *db;
	int                  rc = 0;

	if (mysql_library_init(0, NULL, NULL) != 0) {
		log_err("mysql library init failed");
		return 1;
	}
	arena_init(&a);
	db = db_new(cfg);
	if (db_ensure(db) != 0 || migrate_status(db, &a, &st) != 0)
		log_warn("cannot read the schema's version now; serving, and "
			 "health answers 503 until the database answers");
	else if (st.missing > 0) {
		log_err("not serving: %s", migrate_describe(&a, &st));
		rc = 1;
	} else
		log_info("%s", migrate_describe(&a, &st));
	/* No MYSQL handle may cross the workers' fork. */
	db_free(db);
	arena_release(&a);
	return rc;
}

static int
cmd_serve(struct cli *c)
{
	log_init(c->cfg->log, "master");
	if (schema_gate(c->cfg) != 0)
		return 1;
	return master_run(c->cfg, c->config_path, c->argv);
}

static int
cmd_mailer(struct cli *c)
{
	log_init(c->cfg->log, "mailer");
	return sender_run(c->cfg);
}

static int
cmd_migrate(struct cli *c)
{
	struct op *op = c->op;
	long       sealed = 0;
	int        n;
	enum rerr  e;

	if ((n = migrate_run(op->db, op->a)) < 0)
		return fail("migration failed; see the log above");
	/* Emails an older roster queued with their links in the clear. */
	if ((e = invite_seal_queued(op, &sealed)) != RERR_OK)
		return outcome(op, e);
	if (sealed > 0)
		log_info("migrate: sealed the links of %ld queued emails",
		    sealed);
	return print(json_pack("{s:i}", "applied", n));
}

static int
cmd_user_create(struct cli *c)
{
	struct op             *op = c->op;
	const struct cli_opts *o = &c->o;
	char                   id[ID_LEN + 1], email[EMAIL_MAX + 1];
	enum rerr              e;
	int                    created;

	if (email_normalize(o->email, strlen(o->email), email) != 0)
		return fail("email is not a valid address");
	if ((e = admin_user_ensure(op, email, o->name, id, &created)))
		return outcome(op, e);
	return print(json_pack("{s:s, s:b}", "userId", id, "created", created));
}

static int
cmd_website_create(struct cli *c)
{
	struct op             *op = c->op;
	const struct cli_opts *o = &c->o;
	char                   id[ID_LEN + 1], *end;
	long                   seats = -1;
	enum rerr              e;

	if (o->seats != NULL) {
		errno = 0;
		seats = strtol(o->seats, &end, 10);
		if (*end != '\0' || errno != 0 || seats < 1)
			return fail("--seats must be a whole number "
				    "of at least 1");
	}
	if ((e = website_create(op, o->domain, o->name, o->owner, seats, id)) !=
	    RERR_OK)
		return outcome(op, e);
	return print(json_pack("{s:s}", "websiteId", id));
}

static int
cmd_token_create(struct cli *c)
{
	struct op             *op = c->op;
	const struct cli_opts *o = &c->o;
	struct cred_info       t;
	const char           **sites = NULL, **pl;
	char                   id[ID_LEN + 1];
	size_t                 ns = 0, np, i;
	unsigned               perms = 0, bit;
	enum rerr              e;

	if (user_id_for(op, o->email, id, o->create_user != NULL) != 0)
		return 1;
	if (o->perms != NULL) {
		pl = split(op->a, o->perms, &np);
		for (i = 0; i < np; i++) {
			if ((bit = perm_parse(pl[i])) == 0)
				return fail("unknown permission in "
					    "--permissions");
			perms |= bit;
		}
	}
	if (o->websites != NULL)
		sites = split(op->a, o->websites, &ns);
	if ((e = cred_token_create(op, id, o->name, perms, sites, ns, &t)) !=
	    RERR_OK)
		return outcome(op, e);
	return print(json_pack("{s:s, s:s}", "id", t.id, "key", t.key));
}

static int
cmd_apikey_create(struct cli *c)
{
	struct op             *op = c->op;
	const struct cli_opts *o = &c->o;
	struct cred_info       k;
	struct dbres           r;
	struct dbp             p[1];
	enum rerr              e;

	if (!id_valid(o->website))
		return fail("website not found");
	p[0] = DB_STR(o->website);
	if (db_exec(op->db, op->a, STMT_WEBSITE_GET, p, 1, &r) != 0)
		return fail("database error");
	if (r.nrows != 1)
		return fail("website not found");
	if ((e = cred_key_create(op, o->website, o->name, &k)))
		return outcome(op, e);
	return print(json_pack("{s:s, s:s}", "id", k.id, "key", k.key));
}

static int
cmd_member_add(struct cli *c)
{
	struct op             *op = c->op;
	const struct cli_opts *o = &c->o;
	char                   id[ID_LEN + 1];
	enum rerr              e;

	if ((e = team_add(op, o->website, o->email, o->role, id)))
		return outcome(op, e);
	return print(json_pack("{s:s}", "userId", id));
}

/* A text or JSON null. */
static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* One object of a list as its own line (JSON Lines, like audit's). */
static void
print_line(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	printf("%s\n", s);
}

/* Where the configuration points the database, for check-config's lines. */
static const char *
db_where(struct arena *a, const struct config *cfg)
{
	if (cfg->db_hosts[0] != '\0')
		return arena_printf(a, "%s", cfg->db_hosts);
	if (strcmp(cfg->db_host, "localhost") == 0)
		return cfg->db_socket[0] != '\0' ?
		    arena_printf(a, "localhost (socket %s)", cfg->db_socket) :
		    "localhost (the client's default socket)";
	return arena_printf(a, "%s:%d", cfg->db_host, cfg->db_port);
}

/*
 * `roster check-config`, as `nginx -t`: main() has parsed the file (a bad
 * one exits 2 there); here the database and its schema.  Each check that
 * passes is a line on stdout, the first that fails one on stderr.
 */
static int
cmd_check_config(struct cli *c)
{
	const struct config *cfg = c->cfg;
	struct op           *op = c->op;
	struct schema_status st;

	printf("roster: the configuration file %s is valid\n", c->config_path);
	if (db_ensure(op->db) != 0) {
		fprintf(stderr,
		    "roster: cannot connect to the database `%s` on %s as "
		    "`%s` (the reason is above)\n",
		    cfg->db_name, db_where(op->a, cfg), cfg->db_user);
		return 1;
	}
	printf("roster: the database `%s` on %s answers to `%s`\n",
	    cfg->db_name, db_where(op->a, cfg), cfg->db_user);
	if (migrate_status(op->db, op->a, &st) != 0) {
		fprintf(stderr,
		    "roster: cannot read the schema's version (the reason "
		    "is above)\n");
		return 1;
	}
	if (st.missing > 0) {
		fprintf(stderr, "roster: %s\n", migrate_describe(op->a, &st));
		return 1;
	}
	printf("roster: %s\n", migrate_describe(op->a, &st));
	printf("roster: check-config: everything is ready to serve\n");
	return 0;
}

static json_t *
site_json(struct op *op, const struct site_admin *w)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:s}",
	    "websiteId", w->id, "domain", w->domain, "name", w->name,
	    "seatLimit",
	    w->seat_limit < 0 ? json_null() : json_integer(w->seat_limit),
	    "owner", jstr(w->owner_email), "ownerId", jstr(w->owner_id),
	    "members", (json_int_t)w->members, "pendingInvitations",
	    (json_int_t)w->pending, "createdAt",
	    clock_iso(op->a, w->created_at));
}

static int
cmd_website_list(struct cli *c)
{
	struct site_admin *v;
	size_t             n, i;
	enum rerr          e;

	if ((e = admin_website_list(c->op, &v, &n)) != RERR_OK)
		return outcome(c->op, e);
	for (i = 0; i < n; i++)
		print_line(site_json(c->op, &v[i]));
	return 0;
}

static int
cmd_website_show(struct cli *c)
{
	struct site_admin w;
	enum rerr         e;

	if ((e = admin_website_get(c->op, c->o.website, &w)) != RERR_OK)
		return outcome(c->op, e);
	return print(site_json(c->op, &w));
}

static int
cmd_website_delete(struct cli *c)
{
	struct site_admin w;
	enum rerr         e;

	if ((e = admin_website_delete(c->op, c->o.website, &w)) != RERR_OK)
		return outcome(c->op, e);
	return print(site_json(c->op, &w));
}

/* The team, page after page: the core pages it, the admin wants it all. */
static int
cmd_member_list(struct cli *c)
{
	struct site_admin w;
	struct team_page  pg;
	const char       *cursor = NULL;
	size_t            i;
	enum rerr         e;

	if ((e = admin_website_get(c->op, c->o.website, &w)) != RERR_OK)
		return outcome(c->op, e);
	do {
		if ((e = team_list(c->op, w.id, TEAM_LIMIT_MAX, cursor, &pg)) !=
		    RERR_OK)
			return outcome(c->op, e);
		for (i = 0; i < pg.n; i++)
			print_line(json_pack("{s:s, s:s, s:o, s:s, s:s}",
			    "userId", pg.v[i].user_id, "email", pg.v[i].email,
			    "name", jstr(pg.v[i].name), "role", pg.v[i].role,
			    "joinedAt",
			    clock_iso(c->op->a, pg.v[i].joined_at)));
		cursor = pg.next;
	} while (cursor != NULL);
	return 0;
}

static int
cmd_member_remove(struct cli *c)
{
	const struct cli_opts *o = &c->o;
	struct site_admin      w;
	char                   id[ID_LEN + 1];
	const char            *user = o->user;
	enum rerr              e;

	if ((e = admin_website_get(c->op, o->website, &w)) != RERR_OK)
		return outcome(c->op, e);
	if (o->email != NULL) {
		if ((e = admin_user_find(c->op, o->email, id)) != RERR_OK)
			return outcome(c->op, e);
		user = id;
	}
	if ((e = team_remove(c->op, w.id, user)) != RERR_OK)
		return outcome(c->op, e);
	return print(json_pack("{s:s, s:b}", "userId", user, "removed", 1));
}

/* `roster invite`: as POST /websites/{id}/team, by nobody in particular. */
static int
cmd_invite(struct cli *c)
{
	const struct cli_opts *o = &c->o;
	struct site_admin      w;
	struct invitation      inv;
	enum rerr              e;

	if ((e = admin_website_get(c->op, o->website, &w)) != RERR_OK)
		return outcome(c->op, e);
	if ((e = invite_create(c->op, w.id, w.seat_limit, o->email,
		 strlen(o->email), o->role, &inv)) != RERR_OK)
		return outcome(c->op, e);
	return print(json_pack("{s:s, s:s, s:s, s:s, s:s}", "invitationId",
	    inv.id, "email", inv.email, "role", inv.role, "inviteUrl", inv.link,
	    "expiresAt", clock_iso(c->op->a, inv.expires_at)));
}

static int
cmd_token_list(struct cli *c)
{
	struct cred_info *v;
	const char       *names[32];
	char              id[ID_LEN + 1];
	json_t           *perms, *sites;
	size_t            n, i, j;
	enum rerr         e;
	int               np, k;

	if (user_id_for(c->op, c->o.email, id, 0) != 0)
		return 1;
	if ((e = cred_token_list(c->op, id, &v, &n)) != RERR_OK)
		return outcome(c->op, e);
	for (i = 0; i < n; i++) {
		perms = json_array();
		np = perm_names(v[i].perms, names);
		for (k = 0; k < np; k++)
			json_array_append_new(perms, json_string(names[k]));
		sites = json_array();
		for (j = 0; j < v[i].nsites; j++)
			json_array_append_new(sites,
			    json_string(v[i].sites[j]));
		print_line(json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:s}",
		    "id", v[i].id, "userId", id, "name", jstr(v[i].name),
		    "displayKey", v[i].display_key, "permissions", perms,
		    "websiteIds", sites, "createdAt",
		    clock_iso(c->op->a, v[i].created_at)));
	}
	return 0;
}

static int
cmd_token_revoke(struct cli *c)
{
	enum rerr e;

	if ((e = cred_token_revoke(c->op, c->o.id)) != RERR_OK)
		return outcome(c->op, e);
	return print(json_pack("{s:s, s:b}", "id", c->o.id, "revoked", 1));
}

static int
cmd_apikey_list(struct cli *c)
{
	struct site_admin w;
	struct cred_info *v;
	size_t            n, i;
	enum rerr         e;

	if ((e = admin_website_get(c->op, c->o.website, &w)) != RERR_OK)
		return outcome(c->op, e);
	if ((e = cred_key_list(c->op, w.id, &v, &n)) != RERR_OK)
		return outcome(c->op, e);
	for (i = 0; i < n; i++)
		print_line(json_pack("{s:s, s:o, s:s, s:s, s:s}", "id", v[i].id,
		    "name", jstr(v[i].name), "displayKey", v[i].display_key,
		    "websiteId", w.id, "createdAt",
		    clock_iso(c->op->a, v[i].created_at)));
	return 0;
}

static int
cmd_apikey_revoke(struct cli *c)
{
	struct site_admin w;
	enum rerr         e;

	if ((e = admin_website_get(c->op, c->o.website, &w)) != RERR_OK)
		return outcome(c->op, e);
	if ((e = cred_key_revoke(c->op, w.id, c->o.id)) != RERR_OK)
		return outcome(c->op, e);
	return print(json_pack("{s:s, s:b}", "id", c->o.id, "revoked", 1));
}

static int
cmd_outbox_list(struct cli *c)
{
	struct outbox_mail *v;
	size_t              n, i;
	enum rerr           e;

	if ((e = admin_outbox_list(c->op, c->o.website, c->cfg->seal_key, &v,
		 &n)) != RERR_OK)
		return outcome(c->op, e);
	for (i = 0; i < n; i++)
		print_line(json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o, "
				     "s:s}",
		    "id", v[i].id, "invitationId", v[i].invitation_id,
		    "websiteId", v[i].website_id, "to", v[i].to, "subject",
		    v[i].subject, "link", jstr(v[i].link), "attempts",
		    (json_int_t)v[i].attempts, "lastError",
		    jstr(v[i].last_error), "createdAt",
		    clock_iso(c->op->a, v[i].created_at)));
	return 0;
}

static int
cmd_config_keys(struct cli *c)
{
	if (c->o.format == NULL || strcmp(c->o.format, "markdown") == 0)
		config_write_table(stdout);
	else if (strcmp(c->o.format, "conf") == 0)
		config_write_example(stdout);
	else if (strcmp(c->o.format, "man") == 0)
		config_write_man(stdout);
	else
		return usage_error(c->cmd, NULL,
		    "--format must be markdown, conf or man");
	return fflush(stdout) == 0 ? 0 : 1;
}

/* The words of cmd's synopsis: name, --config when it needs it, usage. */
static void
man_synopsis(FILE *f, const struct cli_cmd *cmd)
{
	fputs("\\fBroster ", f);
	man_words(f, cmd->name);
	fputs("\\fR", f);
	if (cmd->flags & CLI_NEEDS_CONFIG)
		fputs(" [\\-\\-config \\fIFILE\\fR]", f);
	if (cmd->usage[0] != '\0') {
		fputs(" ", f);
		man_words(f, cmd->usage);
	}
	fputs("\n", f);
}

/*
 * `roster man-page`: roster(8) from the table of commands, so the page
 * lists every command with the usage and the words `roster help` prints.
 */
static int
cmd_man_page(struct cli *c)
{
	FILE  *f = stdout;
	size_t i;

	(void)c;
	fputs(".TH ROSTER 8 \"\" \"roster " ROSTER_VERSION
	      "\" \"System Administration\"\n"
	      ".SH NAME\nroster \\- team and invitation service: its FastCGI "
	      "worker pool and its administration\n"
	      /* Usage lines break at blanks only, never inside a word. */
	      ".nh\n.ad l\n.SH SYNOPSIS\n",
	    f);
	for (i = 0; i < NCMDS; i++) {
		fputs(i > 0 ? ".br\n" : "", f);
		man_synopsis(f, &cmds[i]);
	}
	fputs(".SH DESCRIPTION\n", f);
	man_text(f,
	    "roster keeps websites' teams and invitations in MariaDB or MySQL "
	    "and serves them over two HTTP APIs, behind nginx or Apache, as a "
	    "pre-forked pool of FastCGI workers (`roster serve`).  The same "
	    "binary migrates the database and administers it: the "
	    "administration commands print one JSON object on stdout, or one "
	    "per line for a list, and go through the same rules and audit "
	    "trail as the API.  The command line is read before anything "
	    "else: help and the version need neither a configuration nor a "
	    "database.");
	fputs(".SH COMMANDS\n", f);
	for (i = 0; i < NCMDS; i++) {
		fputs(".TP\n", f);
		man_synopsis(f, &cmds[i]);
		man_text(f, cmds[i].about);
	}
	fputs(".SH OPTIONS\n.TP\n.BI \\-\\-config \" FILE\"\n", f);
	man_text(f,
	    "The configuration file, anywhere on the line (also "
	    "--config=FILE).  A command that reads the configuration needs "
	    "one: --config, else ROSTER_CONFIG, else " ROSTER_CONFIG_DEFAULT
	    " when it exists; else it is a usage error.");
	fputs(".TP\n.BR \\-h \", \" \\-\\-help\n", f);
	man_text(f, "The usage of every command, or after a command of it.");
	fputs(".TP\n.B \\-\\-version\n", f);
	man_text(f, "The version, as `roster version`.");
	fputs(".SH EXIT STATUS\n.TP\n0\n", f);
	man_text(f, "Done.");
	fputs(".TP\n1\n", f);
	man_text(f,
	    "The command failed at run time: the database unreachable, a "
	    "request refused ({\"error\": ...} on stdout, the message on "
	    "stderr), a check of check-config failed, serve could not start.");
	fputs(".TP\n2\n", f);
	man_text(f,
	    "Bad usage (the usage on stderr), or a configuration file that "
	    "cannot be read or parsed.");
	fputs(".SH SIGNALS\n", f);
	man_text(f,
	    "To the master of `roster serve`: SIGHUP reads the configuration "
	    "again and replaces the workers; SIGUSR2 re-executes the binary at "
	    "its path (an upgrade) keeping the socket; SIGTERM stops accepting "
	    "and lets requests in flight finish.");
	fputs(".SH ENVIRONMENT\n", f);
	man_text(f,
	    "ROSTER_CONFIG names the configuration file.  ROSTER_<KEY> "
	    "overrides a key of it (see roster.conf(5)).");
	fputs(".SH FILES\n.TP\n.I " ROSTER_CONFIG_DEFAULT "\n", f);
	man_text(f, "The configuration, see roster.conf(5).");
	fputs(".SH SEE ALSO\n.BR roster.conf (5),\n.BR nginx (8),\n"
	      ".BR systemctl (1)\n",
	    f);
	return fflush(f) == 0 ? 0 : 1;
}

/* `roster help [COMMAND]`: on stdout, as it was asked for. */
static int
cmd_help(struct cli *c)
{
	const struct cli_cmd *cmd = c->topic;
	int                   nw = 0;

	if (cmd == NULL && c->nwords == 1 &&
	    (strcmp(c->words[0], "-h") == 0 ||
		strcmp(c->words[0], "--help") == 0))
		cmd = c->cmd;
	if (cmd == NULL && c->nwords > 0) {
		if ((cmd = find_cmd(c->words, c->nwords, &nw)) == NULL ||
		    nw != c->nwords)
			return usage_error(NULL, c->words[0],
			    "unknown "
			    "command: %s",
			    c->words[0]);
	}
	if (cmd == NULL) {
		usage_all(stdout, NULL);
		return 0;
	}
	usage_line(stdout, cmd, "usage: ");
	printf("\n%s\n", cmd->about);
	if (cmd->flags & CLI_NEEDS_CONFIG)
		puts("\n--config FILE may also come from ROSTER_CONFIG.");
	return 0;
}

static int
cmd_version(struct cli *c)
{
	(void)c;
	puts("roster " ROSTER_VERSION);
	return 0;
}

int
cli_run(struct cli *c)
{
	struct arena a;
	struct op    op;
	struct db   *db;
	int          rc;

	if (!(c->cmd->flags & CLI_NEEDS_DB))
		return c->cmd->run(c);
	log_init("stderr", "cli");
	if (mysql_library_init(0, NULL, NULL) != 0)
		return fail("mysql library init failed");
	arena_init(&a);
	jsonmem_init();
	jsonmem_use(&a);
	db = db_new(c->cfg);
	op_init(&op, db, &a, c->cfg, NULL, NULL);
	c->op = &op;
	if (!(c->cmd->flags & CLI_OWN_CONNECT) && db_ensure(db) != 0)
		rc = fail("cannot connect to the database");
	else
		rc = c->cmd->run(c);
	fflush(stdout);
	db_free(db);
	jsonmem_use(NULL);
	arena_release(&a);
	mysql_library_end();
	return rc;
}
