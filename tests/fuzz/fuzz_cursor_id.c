/*
 * The small decoders of request input: the team list's cursor
 * (app/core/team.c), ids (app/lib/ids.c), credentials and invitation tokens
 * (app/lib/secret.c), free text (app/lib/utf8.c) and urlencoded parameters
 * (app/http/http.c), all on the same bytes.
 *
 * Checks: a cursor that decodes names a website (24 hex) and re-encodes to
 * one that decodes to the same website and sort key (and stays within
 * decode's length limit); only the current format ("v2:") decodes; id_valid,
 * secret_invite_valid and secret_classify agree with their definitions;
 * utf8_valid agrees with Unicode's table of well-formed UTF-8 (a second,
 * independent decoder in common.c); a decoded parameter is no longer than
 * its encoding and percent-encoding it again decodes to the same value.
 */
#include <string.h>

#include <sodium.h>

#include "common.h"
#include "roster/http.h"
#include "roster/ids.h"
#include "roster/secret.h"
#include "roster/team.h"
#include "roster/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static int
b64url(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strchr(
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789-_",
			s[i]) == NULL ||
		    s[i] == '\0')
			return 0;
	return 1;
}

static void
check_cursor(const char *s)
{
	struct team_cursor c, d;
	const char        *enc;
	unsigned char      plain[160];
	size_t             n;

	memset(&c, 0, sizeof(c));
	if (team_cursor_decode(s, &c) != 0)
		return;
	FUZZ_CHECK(sodium_base642bin(plain, sizeof(plain), s, strlen(s), NULL,
		       &n, NULL,
		       sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
		n >= 3 && memcmp(plain, "v2:", 3) == 0,
	    "\"%s\" decoded and is no v2 cursor", s);
	FUZZ_CHECK(fuzz_hex24(c.site), "website \"%s\"", c.site);
	FUZZ_CHECK(c.rank == 0 || c.rank == 1, "rank %d", c.rank);
	FUZZ_CHECK(c.joined >= 0, "joined %lld", (long long)c.joined);
	FUZZ_CHECK(fuzz_hex24(c.user_id), "user id \"%s\"", c.user_id);
	enc = team_cursor_encode(&fuzz_arena, &c);
	FUZZ_CHECK(strlen(enc) <= 128 && b64url(enc, strlen(enc)),
	    "encoded cursor \"%s\"", enc);
	memset(&d, 0xa5, sizeof(d));
	FUZZ_CHECK(team_cursor_decode(enc, &d) == 0,
	    "\"%s\" does not decode "
	    "(from \"%s\")",
	    enc, s);
	FUZZ_CHECK(strcmp(d.site, c.site) == 0 && d.rank == c.rank &&
		d.joined == c.joined && strcmp(d.user_id, c.user_id) == 0,
	    "round trip changed the "
	    "cursor \"%s\"",
	    s);
}

static void
check_secrets(const char *s)
{
	size_t n = strlen(s);
	int    inv = n == SECRET_B64_LEN && b64url(s, n);
	int    kind = secret_classify(s);

	FUZZ_CHECK(id_valid(s) == fuzz_hex24(s), "id_valid(\"%s\")", s);
	FUZZ_CHECK(secret_invite_valid(s) == inv, "secret_invite_valid");
	if (strncmp(s, "dft_", 4) == 0)
		FUZZ_CHECK(kind ==
			(secret_invite_valid(s + 4) ? SECRET_TOKEN : -1),
		    "classify dft_ -> %d", kind);
	else if (strncmp(s, "df_", 3) == 0)
		FUZZ_CHECK(kind ==
			(secret_invite_valid(s + 3) ? SECRET_KEY : -1),
		    "classify df_ -> %d", kind);
	else
		FUZZ_CHECK(kind == -1, "classify \"%.60s\" -> %d", s, kind);
}

static void
check_text(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 0, 1, 3, 200, (size_t)-1 };
	size_t              i;

	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++)
		FUZZ_CHECK(utf8_valid((const char *)data, size, maxes[i]) ==
			fuzz_utf8_ok((const char *)data, size, maxes[i]),
		    "utf8_valid disagrees with table 3-7 (max %zu)", maxes[i]);
}

/* Percent-encodes v as the value of "x=" into the arena. */
static const char *
encode(const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf        b;
	char              e[3];

	buf_init(&b, &fuzz_arena, strlen(v) * 3 + 3);
	buf_puts(&b, "x=");
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_add(&b, v, 1);
		else {
			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			buf_add(&b, e, 3);
		}
	}
	return b.p;
}

static void
check_param(const char *s)
{
	static const char *const names[] = { "token", "limit", "cursor", "name",
		"" };
	const char              *v, *w;
	size_t                   i;
	int                      bad, bad2;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bad = 0;
		v = http_param(&fuzz_arena, s, names[i], &bad);
		if (bad) {
			FUZZ_CHECK(v == NULL, "a value with bad encoding");
			continue;
		}
		if (v == NULL)
			continue;
		FUZZ_CHECK(strlen(v) <= strlen(s),
		    "decoded longer than "
		    "encoded");
		bad2 = 0;
		w = http_param(&fuzz_arena, encode(v), "x", &bad2);
		FUZZ_CHECK(!bad2 && w != NULL && strcmp(v, w) == 0,
		    "re-encoded \"%s\" decodes to \"%s\"", v,
		    w != NULL ? w : "(null)");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strdup(data, size);

	fuzz_begin();
	check_cursor(s);
	check_secrets(s);
	check_text(data, size);
	check_param(s);
	free(s);
	return 0;
}
