/*
 * Opening the listen socket.  Never FCGX_OpenSocket(): it unlinks a live
 * socket of another instance and exit()s on failure (RELIABILITY.md §1.11).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "roster/config.h"
#include "roster/listen.h"
#include "roster/log.h"

#define BACKLOG 1024

static int
is_unix_path(const char *s)
{
	return s[0] == '/' || s[0] == '.';
}

static int
open_unix(const struct config *cfg)
{
	struct sockaddr_un sun;
	struct group      *gr;
	int                fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cfg->listen) >= sizeof(sun.sun_path)) {
		log_err("listen: socket path too long (max %zu): %s",
		    sizeof(sun.sun_path) - 1, cfg->listen);
		return -1;
	}
	strcpy(sun.sun_path, cfg->listen);
	/* A live socket belongs to another instance: refuse, never steal. */
	if ((probe = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			log_err("listen: %s is in use by a running instance",
			    cfg->listen);
			return -1;
		}
		close(probe);
	}
	(void)unlink(cfg->listen); /* a stale file from a crash */
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		log_err("listen: bind %s: %s", cfg->listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (cfg->listen_group[0] != '\0') {
		if ((gr = getgrnam(cfg->listen_group)) == NULL ||
		    chown(cfg->listen, (uid_t)-1, gr->gr_gid) != 0)
			log_warn("listen: cannot give %s to group %s",
			    cfg->listen, cfg->listen_group);
	}
	if (chmod(cfg->listen, cfg->listen_mode) != 0)
		log_warn("listen: chmod %s: %s", cfg->listen, strerror(errno));
	if (listen(fd, BACKLOG) != 0) {
		log_err("listen: %s: %s", cfg->listen, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
open_tcp(const struct config *cfg)
{
	struct addrinfo hints, *res = NULL;
	char            host[256], *colon;
	int             fd, one = 1, rc;

	snprintf(host, sizeof(host), "%s", cfg->listen);
	/* host:port, with [v6]:port; an empty host (all interfaces) is refused. */
	if ((colon = strrchr(host, ':')) == NULL || colon == host) {
		log_err("listen: expected a unix socket path or host:port, "
			"got %s",
		    cfg->listen);
		return -1;
	}
	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		log_err("listen: %s: %s", cfg->listen, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, BACKLOG) != 0) {
		log_err("listen: %s: %s", cfg->listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
listen_open(const struct config *cfg, enum listen_origin *origin)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");

	if (pid != NULL && n != NULL && atol(pid) == (long)getpid() &&
	    atoi(n) >= 1) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		*origin = LISTEN_SYSTEMD;
		/* Our own socket, handed over by an upgrade (SIGUSR2). */
		if (getenv("ROSTER_OWN_SOCKET") != NULL) {
			unsetenv("ROSTER_OWN_SOCKET");
			*origin = LISTEN_OWN;
		}
		return 3;
	}
	/* fd 0 a listening socket: started by mod_fcgid or spawn-fcgi. */
	if (!FCGX_IsCGI()) {
		*origin = LISTEN_INHERITED;
		return 0;
	}
	*origin = LISTEN_OWN;
	return is_unix_path(cfg->listen) ? open_unix(cfg) : open_tcp(cfg);
}

void
listen_close(const struct config *cfg, int fd, enum listen_origin origin)
{
	if (origin != LISTEN_OWN)
		return;
	close(fd);
	if (is_unix_path(cfg->listen))
		(void)unlink(cfg->listen);
}
