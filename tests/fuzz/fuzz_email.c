/*
 * email_normalize (app/lib/email_address.c) on any bytes.  API.md "Invite team
 * member": the email is trimmed and lowercased before storage and
 * comparison, and over 254 characters is a 400.
 *
 * Invariants of an accepted address: the output fits EMAIL_MAX (the out
 * buffer is exactly EMAIL_MAX + 1 heap bytes, so AddressSanitizer catches
 * a longer write), has no blank at either end, no uppercase letter and
 * only printable ASCII, has exactly one '@' with a non-empty local part
 * and a dotted domain, and normalising it again gives it back unchanged.
 * A refused input leaves nothing to check but memory safety.
 */
#include <ctype.h>
#include <string.h>

#include "common.h"
#include "roster/email_address.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char  *in, *out, *again, *at;
	size_t n, i;

	/* Exactly size bytes, unterminated: the function takes a length. */
	in = malloc(size > 0 ? size : 1);
	out = malloc(EMAIL_MAX + 1);
	again = malloc(EMAIL_MAX + 1);
	if (in == NULL || out == NULL || again == NULL)
		abort();
	if (size > 0)
		memcpy(in, data, size);
	if (email_normalize(in, size, out) == 0) {
		n = strlen(out);
		FUZZ_CHECK(n > 0 && n <= EMAIL_MAX, "length %zu", n);
		FUZZ_CHECK(!isspace((unsigned char)out[0]) &&
			!isspace((unsigned char)out[n - 1]),
		    "blank at an end: "
		    "\"%s\"",
		    out);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(out[i] > 0x20 && out[i] < 0x7f &&
				!(out[i] >= 'A' && out[i] <= 'Z'),
			    "byte 0x%02x at %zu of \"%s\"",
			    (unsigned char)out[i], i, out);
		at = strchr(out, '@');
		FUZZ_CHECK(at != NULL && at > out &&
			strchr(at + 1, '@') == NULL &&
			strchr(at + 1, '.') != NULL && at - out <= 64,
		    "not local@domain.tld: \"%s\"", out);
		FUZZ_CHECK(email_normalize(out, n, again) == 0 &&
			strcmp(out, again) == 0,
		    "not idempotent: \"%s\" -> "
		    "\"%s\"",
		    out, again);
	}
	free(in);
	free(out);
	free(again);
	return 0;
}
