/*
 * cli (app/proc/cli.c): the table of commands and its parser.  The line is
 * parsed before any configuration or database: a command's options are the
 * flags its usage names (required unless in brackets, one of each
 * parenthesised group), --config stands anywhere and is needed by a command
 * that reads the configuration, and help, the version and bad usage (exit
 * 2) need nothing.
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

#include "roster/cli.h"
#include "roster/config.h"

/* The configuration every test but test_config_required names. */
#define UNIT_CONF "/unit.conf"

/* Parses the words of line (split on blanks) as `roster LINE`. */
static int
parse(struct cli *c, const char *line)
{
	static char  buf[512], prog[] = "roster";
	static char *argv[64];
	int          argc = 0;
	char        *tok, *save;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = prog;
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return cli_parse(c, argc, argv);
}

static int
unit_env(void **state)
{
	(void)state;
	setenv("ROSTER_CONFIG", UNIT_CONF, 1);
	return 0;
}

static void
test_two_word_command_and_options(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c,
			     "user create --email a@example.com "
			     "--name Ada"),
	    0);
	assert_string_equal(c.cmd->name, "user create");
	assert_string_equal(c.o.email, "a@example.com");
	assert_string_equal(c.o.name, "Ada");
	assert_null(c.o.website);
	assert_string_equal(c.config_path, UNIT_CONF);
	assert_int_equal(c.cmd->flags, CLI_NEEDS_CONFIG | CLI_NEEDS_DB);
}

/* --config FILE or --config=FILE wherever it stands; else ROSTER_CONFIG. */
static void
test_config_anywhere(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c,
			     "--config /a.conf member add --website "
			     "W --email e@x.org --role viewer"),
	    0);
	assert_string_equal(c.config_path, "/a.conf");
	assert_string_equal(c.o.role, "viewer");
	assert_int_equal(parse(&c, "audit --website W --config=/b.conf"), 0);
	assert_string_equal(c.config_path, "/b.conf");
	assert_string_equal(c.o.website, "W");
	setenv("ROSTER_CONFIG", "/env.conf", 1);
	assert_int_equal(parse(&c, "serve"), 0);
	assert_string_equal(c.config_path, "/env.conf");
	assert_int_equal(parse(&c, "serve --config /c.conf"), 0);
	assert_string_equal(c.config_path, "/c.conf");
	setenv("ROSTER_CONFIG", UNIT_CONF, 1);
}

/*
 * A command that reads the configuration and is given none (no --config,
 * ROSTER_CONFIG unset or empty) takes ROSTER_CONFIG_DEFAULT when it exists,
 * else is bad usage; commands that read none never need one.
 */
static void
test_config_required(void **state)
{
	struct cli c;
	int        have = access(ROSTER_CONFIG_DEFAULT, F_OK) == 0;

	(void)state;
	unsetenv("ROSTER_CONFIG");
	assert_int_equal(parse(&c, "serve"), have ? 0 : 2);
	assert_int_equal(parse(&c, "website list"), have ? 0 : 2);
	if (have)
		assert_string_equal(c.config_path, ROSTER_CONFIG_DEFAULT);
	setenv("ROSTER_CONFIG", "", 1);
	assert_int_equal(parse(&c, "check-config"), have ? 0 : 2);
	assert_int_equal(parse(&c, "check-config --config /d.conf"), 0);
	assert_string_equal(c.config_path, "/d.conf");
	assert_int_equal(parse(&c, "version"), 0);
	assert_int_equal(parse(&c, "config-keys --format man"), 0);
	assert_int_equal(parse(&c, "man-page"), 0);
	assert_int_equal(parse(&c, "token create --help"), 0);
	assert_null(c.config_path);
	setenv("ROSTER_CONFIG", UNIT_CONF, 1);
}

/* Flags outside brackets are required: bad usage, exit status 2. */
static void
test_required_options(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, "user create"), 2);
	assert_int_equal(parse(&c, "user create --name Ada"), 2);
	assert_int_equal(parse(&c, "website create --domain d.example"), 2);
	assert_int_equal(parse(&c, "member add --website W --email e@x.org"),
	    2);
	assert_int_equal(parse(&c, "apikey create"), 2);
	/* One of audit's (--website ID | --user ID), not none, not both. */
	assert_int_equal(parse(&c, "audit --user U --since 0"), 0);
	assert_int_equal(parse(&c, "audit --website W"), 0);
	assert_int_equal(parse(&c, "audit"), 2);
	assert_int_equal(parse(&c, "audit --website W --user U"), 2);
	assert_int_equal(parse(&c, "member remove --website W --email e@x"), 0);
	assert_int_equal(parse(&c, "member remove --website W"), 2);
	assert_int_equal(parse(&c, "token revoke"), 2);
	assert_int_equal(parse(&c, "apikey revoke --id K"), 2);
}

/* A switch takes no value: given, it reads ""; absent, NULL. */
static void
test_switch(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, "token create --email e@x.org"), 0);
	assert_null(c.o.create_user);
	assert_int_equal(parse(&c,
			     "token create --create-user --email "
			     "e@x.org"),
	    0);
	assert_string_equal(c.o.create_user, "");
	assert_string_equal(c.o.email, "e@x.org");
	assert_int_equal(parse(&c,
			     "token create --email e@x.org "
			     "--create-user yes"),
	    2);
	/* Only where the usage names it. */
	assert_int_equal(parse(&c, "user create --email e --create-user"), 2);
}

/* Only the flags a command's usage names, each with a value. */
static void
test_unknown_options(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, "user create --email e@x.org --role x"), 2);
	/* token create takes --websites, not --website. */
	assert_int_equal(parse(&c, "token create --email e@x.org --website W"),
	    2);
	assert_int_equal(parse(&c,
			     "token create --email e@x.org --websites "
			     "W1,W2 --permissions *"),
	    0);
	assert_string_equal(c.o.websites, "W1,W2");
	assert_string_equal(c.o.perms, "*");
	assert_int_equal(parse(&c, "user create --email"), 2);
	assert_int_equal(parse(&c, "serve extra"), 2);
	assert_int_equal(parse(&c, "migrate --email e@x.org"), 2);
	assert_int_equal(parse(&c, "version --format conf"), 2);
	/* A value is taken as it is, even one that looks like a flag. */
	assert_int_equal(parse(&c,
			     "user create --email e@x.org --name "
			     "--help"),
	    0);
	assert_string_equal(c.cmd->name, "user create");
	assert_string_equal(c.o.name, "--help");
}

static void
test_unknown_commands(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, ""), 2);
	assert_int_equal(parse(&c, "bogus"), 2);
	assert_int_equal(parse(&c, "user"), 2);
	assert_int_equal(parse(&c, "user delete --email e@x.org"), 2);
	assert_int_equal(parse(&c, "create user --email e@x.org"), 2);
	assert_int_equal(parse(&c, "--config /a.conf"), 2);
}

/* help, -h, --help, COMMAND --help, version and --version: no config. */
static void
test_help_and_version(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, "help"), 0);
	assert_string_equal(c.cmd->name, "help");
	assert_int_equal(c.cmd->flags & (CLI_NEEDS_CONFIG | CLI_NEEDS_DB), 0);
	assert_int_equal(c.nwords, 0);
	assert_int_equal(parse(&c, "help user create"), 0);
	assert_string_equal(c.cmd->name, "help");
	assert_int_equal(c.nwords, 2);
	assert_string_equal(c.words[1], "create");
	assert_int_equal(parse(&c, "-h"), 0);
	assert_string_equal(c.cmd->name, "help");
	assert_int_equal(parse(&c, "--help"), 0);
	assert_string_equal(c.cmd->name, "help");
	assert_int_equal(parse(&c, "website create --domain d --help"), 0);
	assert_string_equal(c.cmd->name, "help");
	assert_string_equal(c.topic->name, "website create");
	assert_int_equal(parse(&c, "serve -h"), 0);
	assert_string_equal(c.topic->name, "serve");
	assert_int_equal(parse(&c, "--version"), 0);
	assert_string_equal(c.cmd->name, "version");
	assert_int_equal(c.cmd->flags, 0);
	assert_int_equal(parse(&c, "version"), 0);
	assert_string_equal(c.cmd->name, "version");
	assert_int_equal(parse(&c, "config-keys --format conf"), 0);
	assert_int_equal(c.cmd->flags, 0);
	assert_string_equal(c.o.format, "conf");
}

/* What each command needs set up before it runs. */
static void
test_flags(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(parse(&c, "serve"), 0);
	assert_int_equal(c.cmd->flags, CLI_NEEDS_CONFIG);
	assert_int_equal(parse(&c, "mailer"), 0);
	assert_int_equal(c.cmd->flags, CLI_NEEDS_CONFIG);
	assert_int_equal(parse(&c, "migrate"), 0);
	assert_int_equal(c.cmd->flags, CLI_NEEDS_CONFIG | CLI_NEEDS_DB);
	assert_int_equal(parse(&c, "apikey create --website W"), 0);
	assert_int_equal(c.cmd->flags, CLI_NEEDS_CONFIG | CLI_NEEDS_DB);
	/* check-config connects itself, to say why it could not. */
	assert_int_equal(parse(&c, "check-config"), 0);
	assert_int_equal(c.cmd->flags,
	    CLI_NEEDS_CONFIG | CLI_NEEDS_DB | CLI_OWN_CONNECT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_word_command_and_options),
		cmocka_unit_test(test_config_anywhere),
		cmocka_unit_test(test_config_required),
		cmocka_unit_test(test_required_options),
		cmocka_unit_test(test_switch),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_unknown_commands),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_flags),
	};

	return cmocka_run_group_tests(tests, unit_env, NULL);
}
