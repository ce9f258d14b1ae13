/*
 * roster: the FastCGI worker pool and its administration, one binary.
 */
#include <stdio.h>

#include <sodium.h>

#include "roster/cli.h"
#include "roster/config.h"

int
main(int argc, char **argv)
{
	static struct config cfg;
	struct cli           c;
	char                 err[512];

	/*
	 * The command line first, from the table of commands: help, the
	 * version and a usage error need neither a configuration nor a
	 * database.
	 */
	if (cli_parse(&c, argc, argv) != 0)
		return 2;
	if (c.cmd->flags & CLI_NEEDS_CONFIG) {
		/* Picks the RNG implementation once, before any fork. */
		if (sodium_init() < 0) {
			fputs("roster: libsodium init failed\n", stderr);
			return 1;
		}
		config_defaults(&cfg);
		if (config_load(&cfg, c.config_path, err, sizeof(err)) != 0) {
			fprintf(stderr, "roster: bad configuration: %s\n", err);
			return 2;
		}
		c.cfg = &cfg;
	}
	return cli_run(&c);
}
