/*
 * Host names and web addresses as a website's settings hold them: the
 * website's domain, the email domains it admits, the page an accepted
 * invitation leads to.
 */
#ifndef ROSTER_HOST_H
#define ROSTER_HOST_H

#include <stddef.h>

/* The longest host name (RFC 1035), without its terminating NUL. */
#define HOST_MAX 253
/* The longest URL a website keeps. */
#define URL_MAX 2000

/*
 * A DNS host name with at least two labels ("example.com",
 * "app.example.co.uk"): letters, digits and hyphens, no label empty,
 * longer than 63 or starting or ending with a hyphen, the last not all
 * digits (so not an IP address).  Blanks around it and one final dot are
 * dropped, letters lowercased, into out[HOST_MAX + 1].  0, or -1 for
 * anything else: a scheme, a port, a path, a non-ASCII name (give its
 * xn-- form).
 */
int host_normalize(const char *in, size_t len, char *out);
/*
 * 1 when s is an absolute http:// or https:// URL with a host (a name,
 * an IPv4 address or a bracketed IPv6 one, an optional port up to 65535)
 * and no user part, of printable ASCII without blanks, at most URL_MAX
 * characters.
 */
int url_http_valid(const char *s);

#endif
