/*
 * Configuration: a file of `key = value` lines, each key overridable by the
 * environment variable ROSTER_<KEY>.  A bad file is refused whole, with a
 * message naming the key.
 *
 * Every key is one line of CONFIG_KEYS below, and nothing else describes
 * it: the struct's fields, the parser's table, the defaults, the reference
 * page docs/configuration.md and deploy/roster.conf.example are all made
 * from it (the last two by `roster config-keys`; `make check-docs` fails
 * when the committed ones differ).
 */
#ifndef ROSTER_CONFIG_H
#define ROSTER_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/*
 * X(name, type, size, min, max, default, doc), one per key, in the order
 * of the documentation:
 *
 *   type	STR text; URL an http:// or https:// URL with a host, trailing
 *		slashes dropped; LOGDEST stderr or syslog; STORE local,
 *		database or memcached; KEY empty or 64 hexadecimal digits, a
 *		32-byte secret (all five a char[size]);
 *		INT, LONG a whole number from min to max; MODE an octal file
 *		mode up to max (unsigned); BOOL on/yes/1/true or
 *		off/no/0/false (int)
 *   size	a text's buffer, its terminating NUL included; 0 otherwise
 *   default	as it would be written in the file ("" leaves a text empty);
 *		config_defaults() parses it like any value
 *   doc	one line of Markdown, for the documentation
 */
/* clang-format off */
#define CONFIG_KEYS(X)							\
	X(listen, STR, 256, 0, 0, "/run/roster/roster.sock",		\
	    "unix socket path, or `host:port` over TCP (an empty host, "	\
	    "i.e. every interface, is refused); ignored when a socket is "	\
	    "inherited (systemd's `LISTEN_FDS`, or fd 0 from spawn-fcgi "	\
	    "or mod_fcgid)")						\
	X(listen_mode, MODE, 0, 0, 0777, "0660",			\
	    "mode of the unix socket")					\
	X(listen_group, STR, 64, 0, 0, "",				\
	    "group of the unix socket, the web server's (e.g. "		\
	    "`www-data`); empty: the process's own")			\
	X(pidfile, STR, 256, 0, 0, "",					\
	    "pid file of the master, locked against a second start; "	\
	    "empty: none")						\
	X(workers, INT, 0, 1, 512, "4",					\
	    "worker processes, each one request at a time over its own "	\
	    "database connection; a reload keeps the old number")	\
	X(max_requests, LONG, 0, 0, LONG_MAX, "10000",			\
	    "a worker recycles itself after this many requests plus up "	\
	    "to 10 % (so workers do not recycle together); `0`: never")	\
	X(request_timeout, INT, 0, 1, 3600, "30",			\
	    "seconds; the master SIGKILLs a worker held longer by one "	\
	    "request (keep it below nginx's `fastcgi_read_timeout`)")	\
	X(max_body, LONG, 0, 1024, 64L * 1024 * 1024, "65536",		\
	    "bytes; a larger request body is 413, refused unread")	\
	X(db_host, STR, 256, 0, 0, "localhost",				\
	    "database host; `localhost` with `db_socket` set uses the "	\
	    "unix socket")						\
	X(db_port, INT, 0, 1, 65535, "3306",				\
	    "database port")						\
	X(db_socket, STR, 256, 0, 0, "",				\
	    "unix socket of the database, for `db_host = localhost`")	\
	X(db_name, STR, 64, 0, 0, "roster",				\
	    "database name")						\
	X(db_user, STR, 64, 0, 0, "roster",				\
	    "database user; `roster serve` needs only SELECT, INSERT, "	\
	    "UPDATE and DELETE, `roster migrate` a user with DDL rights")	\
	X(db_password, STR, 128, 0, 0, "",				\
	    "password of `db_user`")					\
	X(db_timeout, INT, 0, 1, 600, "5",				\
	    "seconds: read and write timeouts of the database "		\
	    "connection (connecting has `db_connect_timeout`)")		\
	X(db_connect_timeout, INT, 0, 1, 600, "2",			\
	    "seconds to connect to one database host before trying the "	\
	    "next")							\
	X(db_hosts, STR, 512, 0, 0, "",					\
	    "`h1:3306,h2:3306,...`: database hosts in order of "	\
	    "preference (`db_port` where a port is missing); when set, "	\
	    "`db_host` is not used")					\
	X(db_sync_wait, INT, 0, 0, 15, "0",				\
	    "the session's `wsrep_sync_wait` on Galera (`1`: reads see "	\
	    "every write committed before them, on any node); `0` for a "	\
	    "single server")						\
	X(db_failback, INT, 0, 1, 86400, "30",				\
	    "seconds on a fallback database host before a worker tries "	\
	    "the first one again")					\
	X(public_url, URL, 256, 0, 0, "http://127.0.0.1:8080",		\
	    "base of invite links, `PUBLIC_URL/join?token=...`: "		\
	    "`http://` or `https://` and a host; trailing slashes are "	\
	    "dropped")							\
	X(invite_ttl, LONG, 0, 60, 366L * 86400, "604800",		\
	    "seconds an invitation stays valid (604800: 7 days)")	\
	X(seal_key, KEY, 65, 0, 0, "",					\
	    "32 random bytes in hex (`openssl rand -hex 32`), the same on "	\
	    "every host and kept secret like the database password: it "	\
	    "seals the invitation link of each queued email, so the "	\
	    "database and its backups hold no usable link; a sender "	\
	    "opens it at sending time and the database forgets it once "	\
	    "sent. Empty: emails are queued without their links (the "	\
	    "API's answers carry them) and nothing sends them: "		\
	    "`roster serve` with `smtp_host` and `roster mailer` refuse "	\
	    "to start. A new key makes the links queued under the old "	\
	    "one unsendable (those emails fail; resend the invitations)")	\
	X(log, LOGDEST, 16, 0, 0, "stderr",				\
	    "where log lines go: `stderr` (kept by the web server or "	\
	    "systemd) or `syslog`")					\
	X(rate_limit, LONG, 0, 0, 100000000, "1000",			\
	    "requests per window and credential, or client address "	\
	    "without one; `0` turns rate limits off")			\
	X(rate_window, INT, 0, 1, 86400, "60",				\
	    "seconds of a rate-limit window (fixed, aligned on the "	\
	    "clock)")							\
	X(rate_store, STORE, 16, 0, 0, "local",				\
	    "where windows are counted: `local` (memory shared by the "	\
	    "host's workers: the limit is per host), `database` or "	\
	    "`memcached` (one limit across hosts)")			\
	X(memcached, STR, 256, 0, 0, "127.0.0.1:11211",			\
	    "memcached servers, `host:port[,host:port]`, for "		\
	    "`rate_store = memcached`")					\
	X(cache_entries, INT, 0, 0, 1024, "64",				\
	    "entries per kind (credentials, team pages, rendered "	\
	    "answers) in each worker's read cache, which holds at most "	\
	    "about `cache_entries` x 130 KiB (8 MiB at 64); `0` turns "	\
	    "the cache off")						\
	X(metrics_token, STR, 128, 0, 0, "",				\
	    "a bearer token that may read `/metrics` from a "		\
	    "non-loopback address; empty: loopback clients only")	\
	X(smtp_host, STR, 256, 0, 0, "",				\
	    "SMTP server of invitation emails, sent by a child of the "	\
	    "master or by `roster mailer`; empty: no sender, emails stay "	\
	    "queued and the API's answers carry the links")		\
	X(smtp_port, INT, 0, 1, 65535, "25",				\
	    "SMTP port")						\
	X(smtp_starttls, BOOL, 0, 0, 1, "off",				\
	    "`on`: require STARTTLS")					\
	X(smtp_user, STR, 128, 0, 0, "",				\
	    "SMTP AUTH user; empty: no AUTH")				\
	X(smtp_password, STR, 128, 0, 0, "",				\
	    "SMTP AUTH password")					\
	X(smtp_from, STR, 256, 0, 0, "roster@localhost",		\
	    "envelope and `From:` address of invitation emails")	\
	X(smtp_retry, INT, 0, 1, 86400, "30",				\
	    "seconds before a failed email's first retry (then doubling, "	\
	    "at most an hour)")						\
	X(smtp_max_attempts, INT, 0, 1, 1000, "20",			\
	    "attempts before an email is marked failed")		\
	X(smtp_claim_timeout, INT, 0, 1, 3600, "60",			\
	    "seconds a sender's claim on an email lasts; a sender that "	\
	    "died leaves its emails to another after that")
/* clang-format on */

/*
 * The file a command that needs the configuration reads when neither
 * --config nor ROSTER_CONFIG names one, if it exists: the packaged layout
 * (the Makefile's SYSCONFDIR moves it).  Else such a command is a usage
 * error.
 */
#ifndef ROSTER_CONFIG_DEFAULT
#define ROSTER_CONFIG_DEFAULT "/etc/roster/roster.conf"
#endif

/* The C type of each kind of key. */
#define CONFIG_FIELD_STR(n, size)     char n[size];
#define CONFIG_FIELD_URL(n, size)     char n[size];
#define CONFIG_FIELD_LOGDEST(n, size) char n[size];
#define CONFIG_FIELD_STORE(n, size)   char n[size];
#define CONFIG_FIELD_KEY(n, size)     char n[size];
#define CONFIG_FIELD_INT(n, size)     int n;
#define CONFIG_FIELD_LONG(n, size)    long n;
#define CONFIG_FIELD_MODE(n, size)    unsigned n;
#define CONFIG_FIELD_BOOL(n, size)    int n;
#define CONFIG_FIELD(n, type, size, lo, hi, def, doc) \
	CONFIG_FIELD_##type(n, size)

/* One field per key, named after it. */
struct config {
	CONFIG_KEYS(CONFIG_FIELD)
};

/* Every key at its default. */
void config_defaults(struct config *);
/*
 * Reads the file at path (NULL: defaults and environment only), then the
 * environment.  On error returns -1 and writes a message naming the key or
 * line into err.
 */
int config_load(struct config *, const char *path, char *err, size_t errsz);
/* Parses one `key = value` text (not a file); for tests and fuzzers. */
int config_parse(struct config *, const char *text, size_t len, char *err,
    size_t errsz);

/*
 * What `roster serve` and `roster mailer` need beyond each key's own
 * check: a sender (smtp_host) needs seal_key, or every email it took
 * would go out without its link.  -1 with a message in err when not.
 */
int config_check_sender(const struct config *, char *err, size_t errsz);

/*
 * The keys as a Markdown table (key, default, values, meaning), for
 * docs/configuration.md.
 */
void config_write_table(FILE *);
/*
 * A roster.conf with every key commented out at its default, under its
 * doc line, for deploy/roster.conf.example: uncommenting a line changes
 * nothing until its value is edited.
 */
void config_write_example(FILE *);
/* The manual page roster.conf(5): the file's syntax and every key. */
void config_write_man(FILE *);

#endif
