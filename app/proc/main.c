/*
 * roster: the FastCGI worker pool and its administration, one binary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "roster/cli.h"
#include "roster/config.h"
#include "roster/log.h"
#include "roster/sender.h"
#include "roster/master.h"

static void
usage(void)
{
	fputs("usage: roster serve   --config FILE\n"
	    "       roster migrate --config FILE\n"
	    "       roster mailer  --config FILE   (the outbox sender alone)\n"
	    "       roster user create    --config FILE --email E [--name N]\n"
	    "       roster website create --config FILE --domain D "
	    "--owner-email E [--name N] [--seats N]\n"
	    "       roster token create   --config FILE --email E [--name N] "
	    "[--permissions LIST|*] [--websites ID,...]\n"
	    "       roster apikey create  --config FILE --website ID "
	    "[--name N]\n"
	    "       roster member add     --config FILE --website ID "
	    "--email E --role member|viewer\n"
	    "       roster audit          --config FILE --website ID|--user ID "
	    "[--since T]   (JSON lines)\n"
	    "--config may also come from ROSTER_CONFIG.\n", stderr);
}

int
main(int argc, char **argv)
{
	static struct config	 cfg;
	const char		*path = getenv("ROSTER_CONFIG");
	char			*args[64], err[512];
	int			 n = 0, i;

	/* Take --config out wherever it stands; the rest is the command. */
	for (i = 1; i < argc && n < 63; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		else
			args[n++] = argv[i];
	}
	args[n] = NULL;
	if (n == 0 || strcmp(args[0], "help") == 0 ||
	    strcmp(args[0], "--help") == 0) {
		usage();
		return n == 0 ? 2 : 0;
	}
	/* Picks the RNG implementation once, before any fork. */
	if (sodium_init() < 0) {
		fputs("roster: libsodium init failed\n", stderr);
		return 1;
	}
	config_defaults(&cfg);
	if (config_load(&cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "roster: bad configuration: %s\n", err);
		return 2;
	}
	if (strcmp(args[0], "serve") == 0) {
		log_init(cfg.log, "master");
		return master_run(&cfg, path, argv);
	}
	if (strcmp(args[0], "mailer") == 0) {
		log_init(cfg.log, "mailer");
		return sender_run(&cfg);
	}
	log_init("stderr", "cli");
	return cli_run(&cfg, n, args);
}
