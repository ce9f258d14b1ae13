/*
 * UTF-8 validation (RFC 3629: no overlongs, no surrogates, max U+10FFFF).
 * The database would refuse invalid bytes with an error; refusing them here
 * gives the caller a 400 instead of a 500.
 */
#include "roster/utf8.h"

int
utf8_valid(const char *str, size_t len, size_t maxchars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t               i = 0, chars = 0, n, k;
	unsigned             cp;

	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
		} else {
			if (c >= 0xc2 && c <= 0xdf) {
				n = 1;
				cp = c & 0x1f;
			} else if (c >= 0xe0 && c <= 0xef) {
				n = 2;
				cp = c & 0x0f;
			} else if (c >= 0xf0 && c <= 0xf4) {
				n = 3;
				cp = c & 0x07;
			} else
				return 0;
			if (i + n >= len)
				return 0;
			for (k = 1; k <= n; k++) {
				if ((s[i + k] & 0xc0) != 0x80)
					return 0;
				cp = (cp << 6) | (s[i + k] & 0x3f);
			}
			if ((n == 2 && cp < 0x800) ||
			    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return 0;
			i += n + 1;
		}
		if (++chars > maxchars)
			return 0;
	}
	return 1;
}
