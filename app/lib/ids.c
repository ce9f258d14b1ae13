/*
 * ObjectId-shaped identifiers.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "roster/ids.h"

void
hex_encode(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t            i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
id_new(char *out)
{
	unsigned char raw[12];
	uint32_t      t = (uint32_t)time(NULL);

	raw[0] = (unsigned char)(t >> 24);
	raw[1] = (unsigned char)(t >> 16);
	raw[2] = (unsigned char)(t >> 8);
	raw[3] = (unsigned char)t;
	randombytes_buf(raw + 4, 8);
	hex_encode(out, raw, sizeof(raw));
}

int
id_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[ID_LEN] == '\0';
}
