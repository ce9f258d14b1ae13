/*
 * Configuration: a file of `key = value` lines, each key overridable by the
 * environment variable ROSTER_<KEY>.  See docs/DESIGN.md for the keys.
 * A bad file is refused whole, with a message naming the key.
 */
#ifndef ROSTER_CONFIG_H
#define ROSTER_CONFIG_H

#include <stddef.h>

struct config {
	char	 listen[256];
	unsigned listen_mode;
	char	 listen_group[64];
	char	 pidfile[256];
	int	 workers;
	long	 max_requests;
	int	 request_timeout;	/* seconds */
	long	 max_body;		/* bytes */
	char	 db_host[256];
	int	 db_port;
	char	 db_socket[256];
	char	 db_name[64];
	char	 db_user[64];
	char	 db_password[128];
	int	 db_timeout;		/* seconds: read and write */
	int	 db_connect_timeout;	/* seconds */
	char	 db_hosts[512];		/* "h1:3306,h2:3306": overrides db_host */
	int	 db_sync_wait;		/* wsrep_sync_wait for the session; 0: off */
	int	 db_failback;		/* seconds before retrying the first host */
	char	 public_url[256];
	long	 invite_ttl;		/* seconds */
	char	 log[16];		/* "stderr" or "syslog" */
	long	 rate_limit;		/* requests per window and key; 0: off */
	int	 rate_window;		/* seconds */
	char	 rate_store[16];	/* "local" (per host), "database" or
					   "memcached" (shared by hosts) */
	char	 memcached[256];	/* "host:port[,host:port]" */
	int	 cache_entries;		/* per kind and worker; 0: no cache */
	char	 metrics_token[128];	/* non-loopback access to /metrics */
	/* Invitation email; no smtp_host: emails stay queued, links in the API. */
	char	 smtp_host[256];
	int	 smtp_port;
	int	 smtp_starttls;		/* 0 none, 1 required */
	char	 smtp_user[128];
	char	 smtp_password[128];
	char	 smtp_from[256];
	int	 smtp_retry;		/* seconds before the first retry */
	int	 smtp_max_attempts;
	int	 smtp_claim_timeout;	/* seconds a sender holds a message */
};

void	config_defaults(struct config *);
/*
 * Reads the file at path (NULL: defaults and environment only), then the
 * environment.  On error returns -1 and writes a message naming the key or
 * line into err.
 */
int	config_load(struct config *, const char *path, char *err, size_t errsz);
/* Parses one `key = value` text (not a file); for tests and fuzzers. */
int	config_parse(struct config *, const char *text, size_t len,
	    char *err, size_t errsz);

#endif
