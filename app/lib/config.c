/*
 * The configuration file and its environment overrides.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster/config.h"

enum ctype { C_STR, C_INT, C_LONG, C_MODE, C_LOGDEST, C_URL, C_BOOL, C_STORE };

struct ckey {
	const char	*name;
	enum ctype	 type;
	size_t		 off;
	size_t		 size;	/* strings: buffer size */
	long		 min, max;
};

#define S(f)	C_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0
#define I(f, lo, hi)	C_INT, offsetof(struct config, f), 0, lo, hi
#define L(f, lo, hi)	C_LONG, offsetof(struct config, f), 0, lo, hi

static const struct ckey ckeys[] = {
	{ "listen",		S(listen) },
	{ "listen_mode",	C_MODE, offsetof(struct config, listen_mode), 0, 0, 0777 },
	{ "listen_group",	S(listen_group) },
	{ "pidfile",		S(pidfile) },
	{ "workers",		I(workers, 1, 512) },
	{ "max_requests",	L(max_requests, 0, LONG_MAX) },
	{ "request_timeout",	I(request_timeout, 1, 3600) },
	{ "max_body",		L(max_body, 1024, 64L * 1024 * 1024) },
	{ "db_host",		S(db_host) },
	{ "db_port",		I(db_port, 1, 65535) },
	{ "db_socket",		S(db_socket) },
	{ "db_name",		S(db_name) },
	{ "db_user",		S(db_user) },
	{ "db_password",	S(db_password) },
	{ "db_timeout",		I(db_timeout, 1, 600) },
	{ "db_connect_timeout",	I(db_connect_timeout, 1, 600) },
	{ "db_hosts",		S(db_hosts) },
	{ "db_sync_wait",	I(db_sync_wait, 0, 15) },
	{ "db_failback",	I(db_failback, 1, 86400) },
	{ "public_url",		C_URL, offsetof(struct config, public_url), sizeof(((struct config *)0)->public_url), 0, 0 },
	{ "invite_ttl",		L(invite_ttl, 60, 366L * 86400) },
	{ "rate_limit",		L(rate_limit, 0, 100000000) },
	{ "rate_window",	I(rate_window, 1, 86400) },
	{ "rate_store",		C_STORE, offsetof(struct config, rate_store), sizeof(((struct config *)0)->rate_store), 0, 0 },
	{ "memcached",		S(memcached) },
	{ "cache_entries",	I(cache_entries, 0, 1024) },
	{ "metrics_token",	S(metrics_token) },
	{ "smtp_host",		S(smtp_host) },
	{ "smtp_port",		I(smtp_port, 1, 65535) },
	{ "smtp_starttls",	C_BOOL, offsetof(struct config, smtp_starttls), 0, 0, 1 },
	{ "smtp_user",		S(smtp_user) },
	{ "smtp_password",	S(smtp_password) },
	{ "smtp_from",		S(smtp_from) },
	{ "smtp_retry",		I(smtp_retry, 1, 86400) },
	{ "smtp_max_attempts",	I(smtp_max_attempts, 1, 1000) },
	{ "smtp_claim_timeout",	I(smtp_claim_timeout, 1, 3600) },
	{ "log",		C_LOGDEST, offsetof(struct config, log), sizeof(((struct config *)0)->log), 0, 0 },
};

#define NKEYS (sizeof(ckeys) / sizeof(ckeys[0]))

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "/run/roster/roster.sock");
	c->listen_mode = 0660;
	c->workers = 4;
	c->max_requests = 10000;
	c->request_timeout = 30;
	c->max_body = 65536;
	snprintf(c->db_host, sizeof(c->db_host), "localhost");
	c->db_port = 3306;
	snprintf(c->db_name, sizeof(c->db_name), "roster");
	snprintf(c->db_user, sizeof(c->db_user), "roster");
	c->db_timeout = 5;
	c->db_connect_timeout = 2;
	c->db_failback = 30;
	snprintf(c->public_url, sizeof(c->public_url), "http://127.0.0.1:8080");
	c->invite_ttl = 7 * 86400;
	snprintf(c->log, sizeof(c->log), "stderr");
	c->cache_entries = 64;
	c->rate_limit = 1000;
	c->rate_window = 60;
	/* Per host, no round trip; database or memcached to share hosts. */
	snprintf(c->rate_store, sizeof(c->rate_store), "local");
	snprintf(c->memcached, sizeof(c->memcached), "127.0.0.1:11211");
	c->smtp_port = 25;
	snprintf(c->smtp_from, sizeof(c->smtp_from), "roster@localhost");
	c->smtp_retry = 30;
	c->smtp_max_attempts = 20;
	c->smtp_claim_timeout = 60;
}

static const struct ckey *
find_key(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(ckeys[i].name) == len &&
		    memcmp(ckeys[i].name, name, len) == 0)
			return &ckeys[i];
	return NULL;
}

static int
parse_num(const char *v, long *out)
{
	char	*end;
	long	 n;

	if (*v == '\0' || !(isdigit((unsigned char)*v) || *v == '-'))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

/* Sets one key from its text value; `where` names the source in errors. */
static int
set_key(struct config *c, const struct ckey *k, const char *v,
    const char *where, char *err, size_t errsz)
{
	char	*dst = (char *)c + k->off;
	long	 n;
	char	*end;

	switch (k->type) {
	case C_URL:
		if (strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0) {
			snprintf(err, errsz, "%s: %s must start with http:// "
			    "or https://", where, k->name);
			return -1;
		}
		/* FALLTHROUGH */
	case C_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errsz, "%s: %s is too long (max %zu)",
			    where, k->name, k->size - 1);
			return -1;
		}
		snprintf(dst, k->size, "%s", v);
		/* Links are PUBLIC_URL + "/join?...": no trailing slash. */
		if (k->type == C_URL) {
			size_t l = strlen(dst);
			while (l > 0 && dst[l - 1] == '/')
				dst[--l] = '\0';
			/* "https://" alone would make links "https:/join?...". */
			if (l <= strlen(v[4] == 's' ? "https://" : "http://")) {
				snprintf(err, errsz, "%s: %s must name a host",
				    where, k->name);
				return -1;
			}
		}
		return 0;
	case C_LOGDEST:
		if (strcmp(v, "stderr") != 0 && strcmp(v, "syslog") != 0) {
			snprintf(err, errsz, "%s: %s must be stderr or syslog",
			    where, k->name);
			return -1;
		}
		snprintf(dst, k->size, "%s", v);
		return 0;
	case C_STORE:
		if (strcmp(v, "local") != 0 && strcmp(v, "database") != 0 &&
		    strcmp(v, "memcached") != 0) {
			snprintf(err, errsz, "%s: %s must be local, database "
			    "or memcached", where, k->name);
			return -1;
		}
		snprintf(dst, k->size, "%s", v);
		return 0;
	case C_BOOL:
		if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 ||
		    strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
			*(int *)(void *)dst = 1;
		else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0 ||
		    strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
			*(int *)(void *)dst = 0;
		else {
			snprintf(err, errsz, "%s: %s must be on or off",
			    where, k->name);
			return -1;
		}
		return 0;
	case C_MODE:
		errno = 0;
		n = strtol(v, &end, 8);
		if (*v == '\0' || errno != 0 || *end != '\0' || n < 0 ||
		    n > k->max) {
			snprintf(err, errsz, "%s: %s must be an octal mode "
			    "such as 0660", where, k->name);
			return -1;
		}
		*(unsigned *)(void *)dst = (unsigned)n;
		return 0;
	case C_INT:
	case C_LONG:
		if (parse_num(v, &n) != 0 || n < k->min || n > k->max) {
			snprintf(err, errsz, "%s: %s must be a whole number "
			    "from %ld to %ld", where, k->name, k->min, k->max);
			return -1;
		}
		if (k->type == C_INT)
			*(int *)(void *)dst = (int)n;
		else
			*(long *)(void *)dst = n;
		return 0;
	}
	return -1;
}

int
config_parse(struct config *c, const char *text, size_t len, char *err,
    size_t errsz)
{
	const char		*p = text, *end = text + len, *nl;
	const char		*k, *ke, *v, *ve;
	const struct ckey	*key;
	char			 where[32], val[512];
	int			 line = 0;

	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		snprintf(where, sizeof(where), "line %d", line);
		k = p;
		while (k < nl && isspace((unsigned char)*k))
			k++;
		if (k == nl || *k == '#') {
			p = nl < end ? nl + 1 : end;
			continue;
		}
		if (memchr(k, '\0', (size_t)(nl - k)) != NULL) {
			snprintf(err, errsz, "%s: NUL byte", where);
			return -1;
		}
		ke = k;
		while (ke < nl && (isalnum((unsigned char)*ke) || *ke == '_'))
			ke++;
		v = ke;
		while (v < nl && (*v == ' ' || *v == '\t'))
			v++;
		if (ke == k || v == nl || *v != '=') {
			snprintf(err, errsz, "%s: expected `key = value`",
			    where);
			return -1;
		}
		if ((key = find_key(k, (size_t)(ke - k))) == NULL) {
			snprintf(err, errsz, "%s: unknown key `%.*s`", where,
			    (int)(ke - k > 64 ? 64 : ke - k), k);
			return -1;
		}
		v++;
		while (v < nl && isspace((unsigned char)*v))
			v++;
		ve = nl;
		while (ve > v && isspace((unsigned char)ve[-1]))
			ve--;
		/* A value may be quoted to keep leading or trailing blanks. */
		if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
			v++;
			ve--;
		}
		if ((size_t)(ve - v) >= sizeof(val)) {
			snprintf(err, errsz, "%s: %s is too long", where,
			    key->name);
			return -1;
		}
		memcpy(val, v, (size_t)(ve - v));
		val[ve - v] = '\0';
		if (set_key(c, key, val, where, err, errsz) != 0)
			return -1;
		p = nl < end ? nl + 1 : end;
	}
	return 0;
}

int
config_load(struct config *c, const char *path, char *err, size_t errsz)
{
	FILE	*f;
	char	*text = NULL, envname[64], where[96];
	size_t	 len = 0, cap = 0, n, i, j;
	int	 rc;
	const char *v;

	if (path != NULL) {
		if ((f = fopen(path, "r")) == NULL) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			return -1;
		}
		for (;;) {
			if (len + 4096 > cap) {
				cap = cap ? cap * 2 : 8192;
				if (cap > 1024 * 1024 ||
				    (text = realloc(text, cap)) == NULL) {
					snprintf(err, errsz, "%s: too large",
					    path);
					fclose(f);
					free(text);
					return -1;
				}
			}
			n = fread(text + len, 1, cap - len, f);
			len += n;
			if (n == 0)
				break;
		}
		fclose(f);
		rc = config_parse(c, text, len, err, errsz);
		free(text);
		if (rc != 0) {
			/* Prefix the file name to the line message. */
			char tmp[512];
			snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
			snprintf(err, errsz, "%s", tmp);
			return -1;
		}
	}
	for (i = 0; i < NKEYS; i++) {
		snprintf(envname, sizeof(envname), "ROSTER_");
		for (j = 0; ckeys[i].name[j] != '\0'; j++)
			envname[7 + j] = (char)toupper(
			    (unsigned char)ckeys[i].name[j]);
		envname[7 + j] = '\0';
		if ((v = getenv(envname)) == NULL)
			continue;
		snprintf(where, sizeof(where), "environment %s", envname);
		if (set_key(c, &ckeys[i], v, where, err, errsz) != 0)
			return -1;
	}
	return 0;
}
