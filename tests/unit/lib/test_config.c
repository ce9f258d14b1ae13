/*
 * config (app/lib/config.c): `key = value` lines, each key overridable by
 * ROSTER_<KEY>; a bad file is refused whole, with a message naming the key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "roster/config.h"

extern char **environ;

/*
 * The environment of whoever runs the tests must not leak in: every
 * ROSTER_* variable goes.
 */
static int
clear_env(void **state)
{
	char   name[128], *eq;
	size_t i;

	(void)state;
	for (i = 0; environ[i] != NULL;) {
		if (strncmp(environ[i], "ROSTER_", 7) != 0 ||
		    (eq = strchr(environ[i], '=')) == NULL ||
		    (size_t)(eq - environ[i]) >= sizeof(name)) {
			i++;
			continue;
		}
		memcpy(name, environ[i], (size_t)(eq - environ[i]));
		name[eq - environ[i]] = '\0';
		unsetenv(name); /* environ shifts: look at i again */
	}
	return 0;
}

static int
parse(struct config *c, const char *text, char *err, size_t errsz)
{
	config_defaults(c);
	err[0] = '\0';
	return config_parse(c, text, strlen(text), err, errsz);
}

/* Parses text that must fail and checks the message names `what`. */
static void
refused(const char *text, const char *what)
{
	struct config c;
	char          err[256];

	if (parse(&c, text, err, sizeof(err)) != -1)
		fail_msg("accepted: %s", text);
	if (strstr(err, what) == NULL)
		fail_msg("message \"%s\" does not name \"%s\"", err, what);
}

static void
test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.workers, 4);
	assert_int_equal(c.max_body, 65536); /* the API's body limit, 64 KiB */
	assert_int_equal(c.invite_ttl, 7 * 86400); /* an invitation's 7 days */
	assert_int_equal(c.listen_mode, 0660);
	assert_string_equal(c.log, "stderr");
}

/* Every key type: strings, ints, longs, the mode, the URL, the log. */
static void
test_parse_sets_each_key_type(void **state)
{
	static const char text[] = "listen = 127.0.0.1:9000\n"
				   "listen_mode = 0640\n"
				   "listen_group = www-data\n"
				   "pidfile = /run/roster.pid\n"
				   "workers = 8\n"
				   "max_requests = 123456789\n"
				   "request_timeout = 60\n"
				   "max_body = 1048576\n"
				   "db_host = db.internal\n"
				   "db_port = 3307\n"
				   "db_socket = /run/mysqld/mysqld.sock\n"
				   "db_name = team\n"
				   "db_user = app\n"
				   "db_password = s3cret=with=equals\n"
				   "db_timeout = 10\n"
				   "public_url = https://roster.example.com\n"
				   "invite_ttl = 86400\n"
				   "smtp_host = mail.example.com\n"
				   "smtp_port = 587\n"
				   "smtp_starttls = on\n"
				   "smtp_from = team@example.com\n"
				   "log = syslog\n";
	struct config     c;
	char              err[256];

	(void)state;
	assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
	assert_string_equal(c.listen, "127.0.0.1:9000");
	assert_int_equal(c.listen_mode, 0640);
	assert_string_equal(c.listen_group, "www-data");
	assert_string_equal(c.pidfile, "/run/roster.pid");
	assert_int_equal(c.workers, 8);
	assert_int_equal(c.max_requests, 123456789L);
	assert_int_equal(c.request_timeout, 60);
	assert_int_equal(c.max_body, 1048576L);
	assert_string_equal(c.db_host, "db.internal");
	assert_int_equal(c.db_port, 3307);
	assert_string_equal(c.db_socket, "/run/mysqld/mysqld.sock");
	assert_string_equal(c.db_name, "team");
	assert_string_equal(c.db_user, "app");
	assert_string_equal(c.db_password, "s3cret=with=equals");
	assert_int_equal(c.db_timeout, 10);
	assert_string_equal(c.public_url, "https://roster.example.com");
	assert_int_equal(c.invite_ttl, 86400L);
	assert_string_equal(c.smtp_host, "mail.example.com");
	assert_int_equal(c.smtp_port, 587);
	assert_int_equal(c.smtp_starttls, 1);
	assert_string_equal(c.smtp_from, "team@example.com");
	assert_string_equal(c.log, "syslog");
}

/* Booleans: on/yes/1/true and off/no/0/false, nothing else. */
static void
test_bool_values(void **state)
{
	static const char *const on[] = { "on", "yes", "1", "true" };
	static const char *const off[] = { "off", "no", "0", "false" };
	struct config            c;
	char                     err[256], text[64];
	size_t                   i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "smtp_starttls = %s\n", on[i]);
		assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
		assert_int_equal(c.smtp_starttls, 1);
		snprintf(text, sizeof(text), "smtp_starttls = %s\n", off[i]);
		assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
		assert_int_equal(c.smtp_starttls, 0);
	}
	refused("smtp_starttls = maybe\n", "smtp_starttls");
	refused("smtp_starttls = 2\n", "smtp_starttls");
	refused("smtp_starttls = \n", "smtp_starttls");
}

static void
test_unknown_key_named(void **state)
{
	(void)state;
	refused("workers = 2\nbogus_key = 1\n", "bogus_key");
	refused("workers = 2\nbogus_key = 1\n", "line 2");
	refused("Workers = 2\n", "Workers");
}

static void
test_bad_line_refused(void **state)
{
	(void)state;
	refused("workers 2\n", "line 1");
	refused("= 2\n", "line 1");
	refused("\n\nworkers: 2\n", "line 3");
}

static void
test_bad_int_named(void **state)
{
	(void)state;
	refused("workers = many\n", "workers");
	refused("workers = 4x\n", "workers");
	refused("workers = \n", "workers");
	refused("workers = 0x10\n", "workers");
	refused("db_port = 3306.0\n", "db_port");
	refused("max_requests = 99999999999999999999999\n", "max_requests");
}

static void
test_out_of_range_named(void **state)
{
	(void)state;
	refused("workers = 0\n", "workers");
	refused("workers = 513\n", "workers");
	refused("workers = -1\n", "workers");
	refused("db_port = 65536\n", "db_port");
	refused("max_body = 1023\n", "max_body");
	refused("invite_ttl = 59\n", "invite_ttl");
	refused("request_timeout = 3601\n", "request_timeout");
	refused("db_timeout = 0\n", "db_timeout");
	refused("max_requests = -5\n", "max_requests");
}

static void
test_range_limits_accepted(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	assert_int_equal(
	    parse(&c,
		"workers = 1\ndb_port = 65535\n"
		"max_body = 1024\ninvite_ttl = 60\nmax_requests = 0\n",
		err, sizeof(err)),
	    0);
	assert_int_equal(c.workers, 1);
	assert_int_equal(c.db_port, 65535);
	assert_int_equal(c.max_body, 1024);
	assert_int_equal(c.invite_ttl, 60);
	assert_int_equal(c.max_requests, 0);
	assert_int_equal(parse(&c, "workers = 512\n", err, sizeof(err)), 0);
	assert_int_equal(c.workers, 512);
}

/* A value may be quoted to keep leading or trailing blanks. */
static void
test_quoted_values(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	assert_int_equal(parse(&c, "db_password = \"  pa ss  \"\n", err,
			     sizeof(err)),
	    0);
	assert_string_equal(c.db_password, "  pa ss  ");
	assert_int_equal(parse(&c, "db_password = \"\"\n", err, sizeof(err)),
	    0);
	assert_string_equal(c.db_password, "");
	assert_int_equal(parse(&c, "db_name=\"x\"", err, sizeof(err)), 0);
	assert_string_equal(c.db_name, "x");
	/* Unquoted values are trimmed. */
	assert_int_equal(parse(&c, "db_name =\t  roster2 \t\r\n", err,
			     sizeof(err)),
	    0);
	assert_string_equal(c.db_name, "roster2");
}

static void
test_comments_and_blank_lines(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	assert_int_equal(parse(&c,
			     "# a comment\n\n   \n\t# indented\n"
			     "workers = 3\n\n# workers = 9\n",
			     err, sizeof(err)),
	    0);
	assert_int_equal(c.workers, 3);
	assert_int_equal(parse(&c, "", err, sizeof(err)), 0);
	assert_int_equal(c.workers, 4);
	/* No newline at the end of the last line. */
	assert_int_equal(parse(&c, "workers = 5", err, sizeof(err)), 0);
	assert_int_equal(c.workers, 5);
}

/* Invite links are PUBLIC_URL + "/join?token=…": no trailing slash. */
static void
test_public_url_slash_stripped(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	assert_int_equal(parse(&c, "public_url = https://a.example/\n", err,
			     sizeof(err)),
	    0);
	assert_string_equal(c.public_url, "https://a.example");
	assert_int_equal(parse(&c, "public_url = http://a.example/base///\n",
			     err, sizeof(err)),
	    0);
	assert_string_equal(c.public_url, "http://a.example/base");
}

static void
test_public_url_scheme_required(void **state)
{
	(void)state;
	refused("public_url = ftp://a.example\n", "public_url");
	refused("public_url = a.example\n", "public_url");
	refused("public_url = HTTP://a.example\n", "public_url");
	refused("public_url = \n", "public_url");
}

static void
test_log_stderr_or_syslog(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	assert_int_equal(parse(&c, "log = stderr\n", err, sizeof(err)), 0);
	assert_string_equal(c.log, "stderr");
	refused("log = file\n", "log");
	refused("log = /var/log/roster.log\n", "log");
	refused("log = SYSLOG\n", "log");
}

/* README "Rate limits": local by default; local, database or memcached. */
static void
test_rate_store_set(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.rate_store, "local");
	assert_int_equal(parse(&c, "rate_store = database\n", err, sizeof(err)),
	    0);
	assert_string_equal(c.rate_store, "database");
	assert_int_equal(parse(&c, "rate_store = memcached\n", err,
			     sizeof(err)),
	    0);
	assert_string_equal(c.rate_store, "memcached");
	assert_int_equal(parse(&c,
			     "rate_store = database\n"
			     "rate_store = local\n",
			     err, sizeof(err)),
	    0);
	assert_string_equal(c.rate_store, "local");
	refused("rate_store = shm\n", "rate_store");
	refused("rate_store = Local\n", "rate_store");
	refused("rate_store =\n", "rate_store");
}

/* README "The read cache": 64 entries per kind by default, 0 turns it off. */
static void
test_cache_entries_range(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.cache_entries, 64);
	assert_int_equal(parse(&c, "cache_entries = 0\n", err, sizeof(err)), 0);
	assert_int_equal(c.cache_entries, 0);
	assert_int_equal(parse(&c, "cache_entries = 1024\n", err, sizeof(err)),
	    0);
	assert_int_equal(c.cache_entries, 1024);
	refused("cache_entries = 1025\n", "cache_entries");
	refused("cache_entries = -1\n", "cache_entries");
	refused("cache_entries = many\n", "cache_entries");
}

static void
test_listen_mode_octal(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	assert_int_equal(parse(&c, "listen_mode = 0600\n", err, sizeof(err)),
	    0);
	assert_int_equal(c.listen_mode, 0600);
	assert_int_equal(parse(&c, "listen_mode = 777\n", err, sizeof(err)), 0);
	assert_int_equal(c.listen_mode, 0777);
	refused("listen_mode = 0800\n", "listen_mode");
	refused("listen_mode = 01000\n", "listen_mode");
	refused("listen_mode = rw\n", "listen_mode");
	refused("listen_mode = \n", "listen_mode");
}

static void
test_too_long_string_named(void **state)
{
	char text[600];

	(void)state;
	snprintf(text, sizeof(text), "db_name = %0100d\n", 0);
	refused(text, "db_name");
}

static void
test_nul_byte_refused(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse(&c, "workers = 2\0\n", 13, err,
			     sizeof(err)),
	    -1);
}

/* Only len bytes are read. */
static void
test_len_bounds_the_text(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse(&c, "workers = 7junk", 11, err,
			     sizeof(err)),
	    0);
	assert_int_equal(c.workers, 7);
}

/*
 * seal_key is empty (the default) or 32 bytes in hex; anything else, a
 * short key above all, is refused naming the key.
 */
static void
test_seal_key_hex_or_empty(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.seal_key, "");
	assert_int_equal(parse(&c,
			     "seal_key = 00112233445566778899aabbccddeeff"
			     "00112233445566778899AABBCCDDEEFF\n",
			     err, sizeof(err)),
	    0);
	assert_int_equal(strlen(c.seal_key), 64);
	assert_int_equal(parse(&c, "seal_key =\n", err, sizeof(err)), 0);
	assert_string_equal(c.seal_key, "");
	refused("seal_key = 0011\n", "seal_key");
	refused("seal_key = 00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeef\n",
	    "seal_key");
	refused("seal_key = 00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff0\n",
	    "seal_key");
	refused("seal_key = 00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeefg\n",
	    "seal_key");
}

/* A sender (smtp_host) without a seal_key could send no link. */
static void
test_sender_needs_seal_key(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_check_sender(&c, err, sizeof(err)), 0);
	assert_int_equal(parse(&c, "smtp_host = mail.example\n", err,
			     sizeof(err)),
	    0);
	assert_int_equal(config_check_sender(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "seal_key"));
	assert_int_equal(parse(&c,
			     "smtp_host = mail.example\nseal_key = "
			     "00112233445566778899aabbccddeeff"
			     "00112233445566778899aabbccddeeff\n",
			     err, sizeof(err)),
	    0);
	assert_int_equal(config_check_sender(&c, err, sizeof(err)), 0);
}

/* Each key is overridable by ROSTER_<KEY>. */
static void
test_env_override(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	config_defaults(&c);
	setenv("ROSTER_WORKERS", "16", 1);
	setenv("ROSTER_PUBLIC_URL", "https://env.example/", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.workers, 16);
	assert_string_equal(c.public_url, "https://env.example");
	clear_env(NULL);
}

static void
test_env_bad_value_named(void **state)
{
	struct config c;
	char          err[256];

	(void)state;
	config_defaults(&c);
	setenv("ROSTER_WORKERS", "lots", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ROSTER_WORKERS"));
	assert_int_equal(c.workers, 4);
	clear_env(NULL);
}

/* The environment wins over the file. */
static void
test_env_overrides_file(void **state)
{
	struct config c;
	char          err[256], path[] = "/tmp/roster-test-config-XXXXXX";
	FILE         *f;
	int           fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("workers = 2\ndb_name = fromfile\n", f);
	fclose(f);
	config_defaults(&c);
	setenv("ROSTER_WORKERS", "9", 1);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.workers, 9);
	assert_string_equal(c.db_name, "fromfile");
	clear_env(NULL);
	/* A bad file names the file and the line. */
	assert_non_null(f = fopen(path, "w"));
	fputs("workers = 2\nnope = 1\n", f);
	fclose(f);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, "nope"));
	unlink(path);
}

/* The number of keys, counted off CONFIG_KEYS itself. */
/* clang-format 14 reads "+ 1" as a unary plus. */
/* clang-format off */
#define ONE(n, type, size, lo, hi, def, doc)	+ 1
#define NKEYS	(0 CONFIG_KEYS(ONE))
/* clang-format on */

/* What a writer prints, as one string (the caller frees it). */
static char *
written(void (*fn)(FILE *))
{
	char  *text = NULL;
	size_t len = 0;
	FILE  *f;

	assert_non_null(f = open_memstream(&text, &len));
	fn(f);
	assert_int_equal(fclose(f), 0);
	return text;
}

/*
 * deploy/roster.conf.example: every key, commented out at its default.
 * Uncommented, it parses, and from an empty struct it makes exactly the
 * defaults: no key missing, no default that differs.
 */
static void
test_example_is_every_default(void **state)
{
	struct config want, got;
	char         *text, *p, *line, err[256];
	size_t        nkeys = 0;

	(void)state;
	text = written(config_write_example);
	for (line = text; *line != '\0'; line = p + (*p != '\0')) {
		p = line + strcspn(line, "\n");
		/* "#key = value" uncommented; "# prose" stays a comment. */
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z') {
			line[0] = ' ';
			nkeys++;
		}
	}
	assert_int_equal(nkeys, NKEYS);
	config_defaults(&want);
	memset(&got, 0, sizeof(got));
	if (config_parse(&got, text, strlen(text), err, sizeof(err)) != 0)
		fail_msg("the example does not parse: %s", err);
	assert_memory_equal(&want, &got, sizeof(want));
	free(text);
}

/* docs/configuration.md's table: a header, then one row per key. */
static void
test_table_has_a_row_per_key(void **state)
{
	static const char head[] = "| key | default | values | meaning |\n";
	char             *text, *p;
	size_t            rows = 0;

	(void)state;
	text = written(config_write_table);
	assert_true(strncmp(text, head, sizeof(head) - 1) == 0);
	for (p = text; (p = strstr(p, "\n| `")) != NULL; p++)
		rows++;
	assert_int_equal(rows, NKEYS);
	assert_non_null(strstr(text, "| `workers` | `4` | 1 to 512 | "));
	assert_non_null(strstr(text, "| `listen_group` | (empty) | "));
	assert_non_null(strstr(text,
	    "| `rate_store` | `local` | `local`, "
	    "`database` or `memcached` | "));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse_sets_each_key_type),
		cmocka_unit_test(test_bool_values),
		cmocka_unit_test(test_unknown_key_named),
		cmocka_unit_test(test_bad_line_refused),
		cmocka_unit_test(test_bad_int_named),
		cmocka_unit_test(test_out_of_range_named),
		cmocka_unit_test(test_range_limits_accepted),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_comments_and_blank_lines),
		cmocka_unit_test(test_public_url_slash_stripped),
		cmocka_unit_test(test_public_url_scheme_required),
		cmocka_unit_test(test_log_stderr_or_syslog),
		cmocka_unit_test(test_rate_store_set),
		cmocka_unit_test(test_cache_entries_range),
		cmocka_unit_test(test_listen_mode_octal),
		cmocka_unit_test(test_too_long_string_named),
		cmocka_unit_test(test_seal_key_hex_or_empty),
		cmocka_unit_test(test_sender_needs_seal_key),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_len_bounds_the_text),
		cmocka_unit_test_setup(test_env_override, clear_env),
		cmocka_unit_test_setup(test_env_bad_value_named, clear_env),
		cmocka_unit_test_setup(test_env_overrides_file, clear_env),
		cmocka_unit_test(test_example_is_every_default),
		cmocka_unit_test(test_table_has_a_row_per_key),
	};

	return cmocka_run_group_tests(tests, clear_env, NULL);
}
