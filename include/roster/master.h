/*
 * The master of the worker pool: it owns the listen socket, forks the
 * workers, reaps and respawns them (with a brake on crash loops), kills a
 * worker held by one request past the deadline, reloads on SIGHUP by
 * replacing the workers, on SIGUSR2 re-executes a new binary keeping the
 * listen socket, and on SIGTERM stops accepting, lets in-flight
 * requests finish and exits 0.
 */
#ifndef ROSTER_MASTER_H
#define ROSTER_MASTER_H

struct config;

/*
 * `roster serve`: runs until stopped; returns the exit code.  argv is the
 * command line, kept for SIGUSR2's re-exec of a new binary.
 */
int master_run(struct config *, const char *config_path, char **argv);

#endif
