/*
 * The listen socket, chosen in RELIABILITY.md §1.11's order: a socket from
 * systemd (LISTEN_FDS), one inherited on fd 0 from a web server or
 * spawn-fcgi, or our own (unix path or host:port from the config).
 */
#ifndef ROSTER_LISTEN_H
#define ROSTER_LISTEN_H

struct config;

enum listen_origin { LISTEN_SYSTEMD, LISTEN_INHERITED, LISTEN_OWN };

/*
 * Returns the fd, or -1 with a message logged.  *origin says where it came
 * from; for LISTEN_OWN on a unix path the path is ours to unlink at exit.
 */
int listen_open(const struct config *, enum listen_origin *origin);
/* Removes our unix socket file (LISTEN_OWN only). */
void listen_close(const struct config *, int fd, enum listen_origin);

#endif
