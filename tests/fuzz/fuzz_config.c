/*
 * config_parse (app/lib/config.c) on any text.  README "Configuration": an
 * unknown key or a bad value is refused with a message naming the key or
 * line; so on success every value is within its documented range, every
 * string is terminated inside its field, public_url is an http(s) URL
 * without a trailing slash, log is stderr or syslog, rate_store is
 * local, database or memcached and seal_key is empty or 64 hex digits; on
 * failure the
 * message is a terminated, non-empty line.
 */
#include <limits.h>
#include <string.h>

#include "common.h"
#include "roster/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define RANGE(f, lo, hi) \
	FUZZ_CHECK(c.f >= (lo) && c.f <= (hi), #f " = %ld outside %ld..%ld", \
	    (long)c.f, (long)(lo), (long)(hi))
#define TERMINATED(f) \
	FUZZ_CHECK(memchr(c.f, '\0', sizeof(c.f)) != NULL, \
	    #f " is not terminated")

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char         *text, err[256];
	size_t        n;

	/* Exactly size bytes: the parser takes a length, not a string. */
	text = malloc(size > 0 ? size : 1);
	if (text == NULL)
		abort();
	if (size > 0)
		memcpy(text, data, size);
	config_defaults(&c);
	memset(err, 0x5a, sizeof(err));
	if (config_parse(&c, text, size, err, sizeof(err)) != 0) {
		n = strnlen(err, sizeof(err));
		FUZZ_CHECK(n > 0 && n < sizeof(err),
		    "error message of "
		    "length %zu",
		    n);
		FUZZ_CHECK(strchr(err, '\n') == NULL, "multi-line error: %s",
		    err);
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0,
		    "error names no "
		    "line: %s",
		    err);
		free(text);
		return 0;
	}
	FUZZ_CHECK(c.listen_mode <= 0777, "listen_mode %o", c.listen_mode);
	RANGE(workers, 1, 512);
	RANGE(max_requests, 0, LONG_MAX);
	RANGE(request_timeout, 1, 3600);
	RANGE(max_body, 1024, 64L * 1024 * 1024);
	RANGE(db_port, 1, 65535);
	RANGE(db_timeout, 1, 600);
	RANGE(db_connect_timeout, 1, 600);
	RANGE(db_sync_wait, 0, 15);
	RANGE(db_failback, 1, 86400);
	RANGE(invite_ttl, 60, 366L * 86400);
	RANGE(rate_limit, 0, 100000000);
	RANGE(rate_window, 1, 86400);
	RANGE(cache_entries, 0, 1024);
	RANGE(smtp_port, 1, 65535);
	RANGE(smtp_starttls, 0, 1);
	RANGE(smtp_retry, 1, 86400);
	RANGE(smtp_max_attempts, 1, 1000);
	RANGE(smtp_claim_timeout, 1, 3600);
	TERMINATED(listen);
	TERMINATED(listen_group);
	TERMINATED(pidfile);
	TERMINATED(db_host);
	TERMINATED(db_socket);
	TERMINATED(db_name);
	TERMINATED(db_user);
	TERMINATED(db_password);
	TERMINATED(db_hosts);
	TERMINATED(rate_store);
	TERMINATED(memcached);
	TERMINATED(public_url);
	TERMINATED(log);
	TERMINATED(metrics_token);
	TERMINATED(smtp_host);
	TERMINATED(smtp_user);
	TERMINATED(smtp_password);
	TERMINATED(smtp_from);
	TERMINATED(seal_key);
	/* The links of queued emails are sealed with it: no short key. */
	n = strlen(c.seal_key);
	FUZZ_CHECK(n == 0 ||
		(n == 64 && strspn(c.seal_key, "0123456789abcdefABCDEF") == 64),
	    "seal_key = \"%s\"", c.seal_key);
	FUZZ_CHECK(strcmp(c.log, "stderr") == 0 || strcmp(c.log, "syslog") == 0,
	    "log = \"%s\"", c.log);
	FUZZ_CHECK(strcmp(c.rate_store, "local") == 0 ||
		strcmp(c.rate_store, "database") == 0 ||
		strcmp(c.rate_store, "memcached") == 0,
	    "rate_store = \"%s\"", c.rate_store);
	n = strlen(c.public_url);
	/* Invite links are PUBLIC_URL "/join?token=...". */
	FUZZ_CHECK((strncmp(c.public_url, "http://", 7) == 0 && n > 7) ||
		(strncmp(c.public_url, "https://", 8) == 0 && n > 8),
	    "public_url = \"%s\" is not an http(s) URL with a host",
	    c.public_url);
	FUZZ_CHECK(c.public_url[n - 1] != '/',
	    "public_url = \"%s\" ends in "
	    "a slash",
	    c.public_url);
	free(text);
	return 0;
}
