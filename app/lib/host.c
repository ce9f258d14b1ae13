/*
 * Host names and http(s) URLs (include/roster/host.h).  Deliberately
 * narrow: what passes is a name every resolver takes, and the checks are
 * about shape only (nothing is resolved).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "roster/host.h"

int
host_normalize(const char *in, size_t len, char *out)
{
	const char *s = in, *e = in + len;
	size_t      n, i, label = 0, dots = 0, digits = 0;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e > s && e[-1] == '.')
		e--;
	n = (size_t)(e - s);
	if (n == 0 || n > HOST_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return -1;
			label = digits = 0;
			dots++;
			continue;
		}
		if (!(isalnum(c) || c == '-') || c > 0x7f)
			return -1;
		if ((c == '-' && label == 0) || ++label > 63)
			return -1;
		digits += isdigit(c) != 0;
	}
	if (dots == 0 || label == 0 || s[n - 1] == '-' || digits == label)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return 0;
}

/* host[:port] of an authority, without a user part. */
static int
authority_ok(const char *a, size_t n)
{
	const char *port = NULL, *h = a, *he;
	size_t      i;
	long        p;
	char       *end, num[8];

	if (n == 0 || memchr(a, '@', n) != NULL)
		return 0;
	if (*a == '[') { /* an IPv6 literal: hex digits, colons, dots */
		if ((he = memchr(a, ']', n)) == NULL || he == a + 1)
			return 0;
		for (i = 1; a + i < he; i++)
			if (!isxdigit((unsigned char)a[i]) && a[i] != ':' &&
			    a[i] != '.')
				return 0;
		he++;
		if (he < a + n && *he != ':')
			return 0;
	} else {
		for (he = a; he < a + n && *he != ':'; he++)
			if (!isalnum((unsigned char)*he) && *he != '-' &&
			    *he != '.')
				return 0;
		if (he == h)
			return 0;
	}
	if (he < a + n) {
		port = he + 1;
		if ((size_t)(a + n - port) == 0 || (size_t)(a + n - port) > 5)
			return 0;
		memcpy(num, port, (size_t)(a + n - port));
		num[a + n - port] = '\0';
		if (!isdigit((unsigned char)num[0]))
			return 0;
		p = strtol(num, &end, 10);
		if (*end != '\0' || p < 1 || p > 65535)
			return 0;
	}
	return 1;
}

int
url_http_valid(const char *s)
{
	const char *a, *ae;
	size_t      n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > URL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	if (strncasecmp(s, "https://", 8) == 0)
		a = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		a = s + 7;
	else
		return 0;
	for (ae = a; *ae != '\0' && !strchr("/?#", *ae); ae++)
		;
	return authority_ok(a, (size_t)(ae - a));
}
