/*
 * Email addresses as the API compares them: trimmed and lowercased.
 */
#ifndef ROSTER_EMAIL_ADDRESS_H
#define ROSTER_EMAIL_ADDRESS_H

#include <stddef.h>

#define EMAIL_MAX 254

/*
 * Trims blanks around in[0..len), lowercases it and checks it is a plausible
 * address (one @, a local part of 1–64 printable characters without blanks,
 * quotes or brackets, a domain of dot-separated labels of letters, digits and
 * hyphens with at least one dot, at most 254 characters in all).  Writes the
 * normal form into out[EMAIL_MAX + 1]; returns 0, or -1 when invalid.
 */
int email_normalize(const char *in, size_t len, char *out);

#endif
