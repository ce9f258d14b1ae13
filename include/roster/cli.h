/*
 * The administrative command line: `roster migrate`, `roster user create`,
 * `roster website create`, `roster token create`, `roster apikey create`,
 * `roster member add`.  Each prints one JSON object on stdout.
 */
#ifndef ROSTER_CLI_H
#define ROSTER_CLI_H

struct config;

/* argv starts at the command word; returns the process exit code. */
int	cli_run(const struct config *, int argc, char **argv);

#endif
