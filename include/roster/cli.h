/*
 * The command line as one table of commands, as git's
 * `{ "add", cmd_add, RUN_SETUP }`: each command's name ("user create"),
 * its handler, what it needs set up (the configuration, a database
 * connection) and its usage, from which `roster help` and the option
 * parser both read.  main() parses the command line before anything else,
 * so help, the version and a usage error need neither a configuration nor
 * a database; it loads the configuration for a command that needs one,
 * then runs it.
 *
 * Exit statuses: 0 done; 1 the command failed at run time (an admin
 * command prints {"error":"..."} on stdout and the message on stderr: the
 * database unreachable, a refused request); 2 bad usage (the usage on
 * stderr: an unknown command or option, no configuration file named) or a
 * configuration file that cannot be read or parsed.
 */
#ifndef ROSTER_CLI_H
#define ROSTER_CLI_H

struct cli;
struct config;
struct op;

enum cli_flags {
	CLI_NEEDS_CONFIG = 1 << 0, /* main() loads the configuration */
	CLI_NEEDS_DB = 1 << 1,     /* cli_run() connects to the database */
	CLI_WORDS = 1 << 2,        /* takes words (help's COMMAND), not
					   options */
	CLI_OWN_CONNECT = 1 << 3,  /* with CLI_NEEDS_DB: the command
					   connects itself, to say why it
					   could not */
};

struct cli_cmd {
	const char *name;         /* its words: "user create" */
	int (*run)(struct cli *); /* returns the exit status */
	unsigned flags;           /* enum cli_flags */
	/*
	 * Its options, each `--flag VALUE`: required unless within [ ] or
	 * ( ), e.g. "--email E [--name N]".  --config FILE is added for a
	 * command that needs the configuration.
	 */
	const char *usage;
	const char *about; /* what it does, lines for help */
};

/* The option values given; NULL when absent. */
struct cli_opts {
	const char *email, *name, *domain, *owner, *seats, *perms;
	const char *websites, *website, *role, *since, *user, *format;
	const char *id;
	const char *create_user; /* a switch: "" when given */
};

/* A parsed command line. */
struct cli {
	const struct cli_cmd *cmd;
	const struct cli_cmd *topic;       /* help: the command asked about */
	const char           *config_path; /* --config or ROSTER_CONFIG */
	char                **argv;        /* the process's, for serve's
						   re-exec of a new binary */
	char                 *args[64];    /* the line without --config */
	int                   nargs;
	char                **words; /* CLI_WORDS: after the name */
	int                   nwords;
	struct cli_opts       o;
	struct config        *cfg; /* CLI_NEEDS_CONFIG: main()'s */
	struct op            *op;  /* CLI_NEEDS_DB: cli_run()'s */
};

/*
 * Parses argv: --config FILE (or --config=FILE) wherever it stands, then
 * the command's words, then its options.  `-h`, `--help` and `--version`
 * stand for the commands help and version; `COMMAND --help` for
 * `help COMMAND`.  Returns 0 with c->cmd set, or prints what is wrong and
 * the usage on stderr and returns 2.
 */
int cli_parse(struct cli *c, int argc, char **argv);
/*
 * Runs c->cmd (with c->cfg loaded when it needs the configuration), after
 * connecting to the database when it needs one.  Returns the exit status.
 */
int cli_run(struct cli *c);

#endif
