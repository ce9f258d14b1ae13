/*
 * A deliberately conservative address check: what it accepts, every mail
 * system accepts; what it refuses is a typo far more often than a real
 * address.  Non-ASCII addresses are refused (no SMTPUTF8 guarantee).
 */
#include <ctype.h>
#include <string.h>

#include "roster/email_address.h"

static int
local_char(unsigned char c)
{
	/* strchr() finds the terminator too: a NUL byte is not a match. */
	return isalnum(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static int
domain_ok(const char *d, size_t n)
{
	size_t i, label = 0, dots = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.') {
			/* No empty label, no label ending in a hyphen. */
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
			dots++;
			continue;
		}
		if (!(isalnum(c) || c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return dots > 0 && label > 0 && d[n - 1] != '-';
}

int
email_normalize(const char *in, size_t len, char *out)
{
	const char *s = in, *e = in + len, *at;
	size_t      n, i, local;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - s);
	if (n == 0 || n > EMAIL_MAX)
		return -1;
	if ((at = memchr(s, '@', n)) == NULL)
		return -1;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || memchr(at + 1, '@', n - local - 1))
		return -1;
	for (i = 0; i < local; i++)
		if (!local_char((unsigned char)s[i]))
			return -1;
	if (s[0] == '.' || s[local - 1] == '.')
		return -1;
	for (i = 1; i < local; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return -1;
	if (!domain_ok(at + 1, n - local - 1))
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return 0;
}
