/*
 * The configuration file and its environment overrides.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster/config.h"
#include "roster/manpage.h"
#include "roster/version.h"

enum ctype {
	C_STR,
	C_INT,
	C_LONG,
	C_MODE,
	C_LOGDEST,
	C_URL,
	C_BOOL,
	C_STORE,
	C_KEY
};

struct ckey {
	const char *name;
	enum ctype  type;
	size_t      off;
	size_t      size; /* texts: buffer size */
	long        min, max;
	const char *def; /* as written in the file */
	const char *doc;
};

/* clang-format off */
#define CKEY(n, type, size, lo, hi, def, doc)				\
	{ #n, C_##type, offsetof(struct config, n), size, lo, hi, def, doc },

static const struct ckey ckeys[] = {
	CONFIG_KEYS(CKEY)
};
/* clang-format on */

#define NKEYS (sizeof(ckeys) / sizeof(ckeys[0]))

/* The values of the keys that take one word of a set. */
static const char *const log_set[] = { "stderr", "syslog", NULL };
static const char *const store_set[] = { "local", "database", "memcached",
	NULL };

static const char *const *
set_of(enum ctype t)
{
	return t == C_LOGDEST ? log_set : t == C_STORE ? store_set : NULL;
}

/* "a, b or c", each word between quote marks q, into buf. */
static const char *
set_words(const char *const *set, const char *q, char *buf, size_t sz)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; set[i] != NULL && n < sz; i++)
		n += (size_t)snprintf(buf + n, sz - n, "%s%s%s%s",
		    i == 0                 ? "" :
			set[i + 1] == NULL ? " or " :
					     ", ",
		    q, set[i], q);
	return buf;
}

static const struct ckey *
find_key(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(ckeys[i].name) == len &&
		    memcmp(ckeys[i].name, name, len) == 0)
			return &ckeys[i];
	return NULL;
}

static int
parse_num(const char *v, long *out)
{
	char *end;
	long  n;

	if (*v == '\0' || !(isdigit((unsigned char)*v) || *v == '-'))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

/* A text key; a URL must be http(s) with a host, kept without a final /. */
static int
set_text(char *dst, const struct ckey *k, const char *v, const char *where,
    char *err, size_t errsz)
{
	size_t l;

	if (k->type == C_URL && strncmp(v, "http://", 7) != 0 &&
	    strncmp(v, "https://", 8) != 0) {
		snprintf(err, errsz,
		    "%s: %s must start with http:// "
		    "or https://",
		    where, k->name);
		return -1;
	}
	if (strlen(v) >= k->size) {
		snprintf(err, errsz, "%s: %s is too long (max %zu)", where,
		    k->name, k->size - 1);
		return -1;
	}
	snprintf(dst, k->size, "%s", v);
	if (k->type != C_URL)
		return 0;
	/* Links are PUBLIC_URL + "/join?...": no trailing slash. */
	l = strlen(dst);
	while (l > 0 && dst[l - 1] == '/')
		dst[--l] = '\0';
	/* "https://" alone would make links "https:/join?...". */
	if (l <= strlen(v[4] == 's' ? "https://" : "http://")) {
		snprintf(err, errsz, "%s: %s must name a host", where, k->name);
		return -1;
	}
	return 0;
}

/* Sets one key from its text value; `where` names the source in errors. */
static int
set_key(struct config *c, const struct ckey *k, const char *v,
    const char *where, char *err, size_t errsz)
{
	char              *dst = (char *)c + k->off, *end, words[64];
	const char *const *set;
	long               n;

	switch (k->type) {
	case C_URL:
	case C_STR:
		return set_text(dst, k, v, where, err, errsz);
	case C_KEY:
		/* Empty, or exactly 32 bytes' worth: a short key is a typo. */
		n = (long)strlen(v);
		if (n != 0 &&
		    (n != 64 || strspn(v, "0123456789abcdefABCDEF") != 64)) {
			snprintf(err, errsz,
			    "%s: %s must be 64 hexadecimal digits (openssl "
			    "rand -hex 32)",
			    where, k->name);
			return -1;
		}
		snprintf(dst, k->size, "%s", v);
		return 0;
	case C_LOGDEST:
	case C_STORE:
		for (set = set_of(k->type); *set != NULL; set++)
			if (strcmp(v, *set) == 0)
				break;
		if (*set == NULL) {
			snprintf(err, errsz, "%s: %s must be %s", where,
			    k->name,
			    set_words(set_of(k->type), "", words,
				sizeof(words)));
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
			snprintf(err, errsz, "%s: %s must be on or off", where,
			    k->name);
			return -1;
		}
		return 0;
	case C_MODE:
		errno = 0;
		n = strtol(v, &end, 8);
		if (*v == '\0' || errno != 0 || *end != '\0' || n < 0 ||
		    n > k->max) {
			snprintf(err, errsz,
			    "%s: %s must be an octal mode "
			    "such as 0660",
			    where, k->name);
			return -1;
		}
		*(unsigned *)(void *)dst = (unsigned)n;
		return 0;
	case C_INT:
	case C_LONG:
		if (parse_num(v, &n) != 0 || n < k->min || n > k->max) {
			snprintf(err, errsz,
			    "%s: %s must be a whole number "
			    "from %ld to %ld",
			    where, k->name, k->min, k->max);
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

void
config_defaults(struct config *c)
{
	char   err[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++) {
		if (ckeys[i].def[0] == '\0')
			continue;
		/* A default the parser refuses is a bug in CONFIG_KEYS. */
		if (set_key(c, &ckeys[i], ckeys[i].def, "default", err,
			sizeof(err)) != 0) {
			fprintf(stderr, "roster: %s\n", err);
			abort();
		}
	}
}

int
config_parse(struct config *c, const char *text, size_t len, char *err,
    size_t errsz)
{
	const char        *p = text, *end = text + len, *nl;
	const char        *k, *ke, *v, *ve;
	const struct ckey *key;
	char               where[32], val[512];
	int                line = 0;

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
	FILE       *f;
	char       *text = NULL, envname[64], where[96];
	size_t      len = 0, cap = 0, n, i, j;
	int         rc;
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
			envname[7 + j] =
			    (char)toupper((unsigned char)ckeys[i].name[j]);
		envname[7 + j] = '\0';
		if ((v = getenv(envname)) == NULL)
			continue;
		snprintf(where, sizeof(where), "environment %s", envname);
		if (set_key(c, &ckeys[i], v, where, err, errsz) != 0)
			return -1;
	}
	return 0;
}

int
config_check_sender(const struct config *c, char *err, size_t errsz)
{
	if (c->smtp_host[0] != '\0' && c->seal_key[0] == '\0') {
		snprintf(err, errsz,
		    "smtp_host is set but seal_key is not: emails "
		    "could not carry their invitation links (make one with "
		    "openssl rand -hex 32)");
		return -1;
	}
	return 0;
}

/* What a key accepts, in words; md: with Markdown's code marks. */
static const char *
values_text(const struct ckey *k, int md, char *buf, size_t sz)
{
	const char *q = md ? "`" : "";

	switch (k->type) {
	case C_STR:
		snprintf(buf, sz, "text, at most %zu bytes", k->size - 1);
		break;
	case C_URL:
		snprintf(buf, sz, "URL, at most %zu bytes", k->size - 1);
		break;
	case C_KEY:
		snprintf(buf, sz, "64 hexadecimal digits, or empty");
		break;
	case C_LOGDEST:
	case C_STORE:
		set_words(set_of(k->type), q, buf, sz);
		break;
	case C_BOOL:
		snprintf(buf, sz,
		    "%son%s, %syes%s, %strue%s, %s1%s or "
		    "%soff%s, %sno%s, %sfalse%s, %s0%s",
		    q, q, q, q, q, q, q, q, q, q, q, q, q, q, q, q);
		break;
	case C_MODE:
		snprintf(buf, sz, "octal, at most %s0%lo%s", q, k->max, q);
		break;
	case C_INT:
	case C_LONG:
		if (k->max == LONG_MAX)
			snprintf(buf, sz, "%ld or more", k->min);
		else
			snprintf(buf, sz, "%ld to %ld", k->min, k->max);
		break;
	}
	return buf;
}

void
config_write_table(FILE *f)
{
	const struct ckey *k;
	const char        *p;
	char               values[128];

	fputs("| key | default | values | meaning |\n"
	      "|---|---|---|---|\n",
	    f);
	for (k = ckeys; k < ckeys + NKEYS; k++) {
		fprintf(f, "| `%s` | ", k->name);
		if (k->def[0] != '\0')
			fprintf(f, "`%s`", k->def);
		else
			fputs("(empty)", f);
		fprintf(f, " | %s | ",
		    values_text(k, 1, values, sizeof(values)));
		/* A bar would end the cell. */
		for (p = k->doc; *p != '\0'; p++)
			fprintf(f, "%s%c", *p == '|' ? "\\" : "", *p);
		fputs(" |\n", f);
	}
}

/* text as `# ` comment lines of at most 79 columns, without code marks. */
static void
write_comment(FILE *f, const char *text)
{
	char        line[80], word[256];
	const char *p = text, *e;
	size_t      n, w, i;

	snprintf(line, sizeof(line), "#");
	n = 1;
	while (*p != '\0') {
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		for (w = 0, i = 0; p + i < e && w < sizeof(word) - 1; i++)
			if (p[i] != '`')
				word[w++] = p[i];
		word[w] = '\0';
		if (n > 1 && n + 1 + w > sizeof(line) - 1) {
			fprintf(f, "%s\n", line);
			n = 1;
			line[1] = '\0';
		}
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", word);
		for (p = e; *p == ' '; p++)
			;
	}
	fprintf(f, "%s\n", line);
}

void
config_write_example(FILE *f)
{
	const struct ckey *k;
	char               values[128], line[160];

	write_comment(f,
	    "roster.conf: every key, commented out at its "
	    "default, made by \"roster config-keys --format conf\" from the "
	    "table of keys in include/roster/config.h.");
	fputs("#\n", f);
	write_comment(f,
	    "A line \"key = value\" sets a key; a line whose "
	    "first character other than a blank is # is a comment (a # "
	    "after a value is part of the value); double quotes around a "
	    "value keep the blanks at its ends. The environment variable "
	    "ROSTER_<KEY> (e.g. ROSTER_DB_PASSWORD) overrides a key. An "
	    "unknown key or a bad value stops roster with a message naming "
	    "it.");
	for (k = ckeys; k < ckeys + NKEYS; k++) {
		fputs("\n", f);
		write_comment(f, k->doc);
		snprintf(line, sizeof(line), "Values: %s.",
		    values_text(k, 0, values, sizeof(values)));
		write_comment(f, line);
		fprintf(f, "#%s =%s%s\n", k->name, k->def[0] ? " " : "",
		    k->def);
	}
}

void
config_write_man(FILE *f)
{
	const struct ckey *k;
	char               values[128];

	fputs(".TH ROSTER.CONF 5 \"\" \"roster " ROSTER_VERSION
	      "\" \"File Formats\"\n"
	      ".SH NAME\nroster.conf \\- configuration of roster\n"
	      ".SH SYNOPSIS\n.I " ROSTER_CONFIG_DEFAULT "\n"
	      ".SH DESCRIPTION\n",
	    f);
	man_text(f,
	    "roster(8) reads one file, named by --config FILE, else by the "
	    "environment variable ROSTER_CONFIG, else " ROSTER_CONFIG_DEFAULT
	    " when it exists.  The same file serves `roster serve`, `roster "
	    "mailer`, `roster migrate` and the administration commands; "
	    "`roster check-config` checks it.");
	fputs(".PP\n", f);
	man_text(f,
	    "A line `key = value` sets a key; blanks around the key, the = and "
	    "the value are dropped, and double quotes around a value keep the "
	    "blanks at its ends.  A line whose first character other than a "
	    "blank is # is a comment; a # after a value is part of the value.  "
	    "An unknown key or a bad value stops roster before it starts, with "
	    "a message naming the file, the line and the key.  SIGHUP makes "
	    "`roster serve` read the file again; a bad file is then refused "
	    "and the running configuration kept.");
	fputs(".SH KEYS\n", f);
	for (k = ckeys; k < ckeys + NKEYS; k++) {
		fputs(".TP\n.B ", f);
		man_words(f, k->name);
		fputs("\n", f);
		man_text(f, k->doc);
		fputs(".br\nDefault: ", f);
		man_words(f, k->def[0] != '\0' ? k->def : "(empty)");
		fputs(".  Values: ", f);
		man_words(f, values_text(k, 0, values, sizeof(values)));
		fputs(".\n", f);
	}
	fputs(".SH ENVIRONMENT\n", f);
	man_text(f,
	    "ROSTER_<KEY>, the key in upper case (ROSTER_DB_PASSWORD, "
	    "ROSTER_WORKERS), overrides the file: a password can stay out of "
	    "it, and `roster migrate` can run as another database user.");
	fputs(".SH FILES\n.TP\n.I " ROSTER_CONFIG_DEFAULT "\n", f);
	man_text(f,
	    "the configuration; it holds the database password, so only "
	    "root and roster's group read it.  The package installs it with "
	    "every key commented out at its default (also in "
	    "roster.conf.example, in roster's documentation directory).");
	fputs(".SH SEE ALSO\n.BR roster (8)\n", f);
}
