/*
 * smtp_client (app/proc/smtp_client.c): smtp_header_encode(), the Subject
 * of an invitation email.  Printable ASCII goes as it is; anything else as
 * RFC 2047 encoded-words (section 2: at most 75 characters a word, 76 a
 * line; section 5: each word whole characters of its charset), folded with
 * CRLF and a blank, and decoding the words gives back the value.  Python's
 * email parser checks the same on a delivered message (tests/e2e/
 * test_mail.py); here every length and cut is checked byte by byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "roster/smtp_client.h"
#include "roster/utf8.h"

/*
 * Checks every line and word of the field out (named name) and writes the
 * decoded value into value[cap].
 */
static void
decode_field(const char *out, const char *name, char *value, size_t cap)
{
	const char *line = out, *eol, *w, *e;
	char        word[80];
	size_t      n = 0, got;

	assert_int_equal(strncmp(out, name, strlen(name)), 0);
	assert_int_equal(out[strlen(name)], ':');
	for (;;) {
		eol = strstr(line, "\r\n");
		if (eol == NULL)
			eol = line + strlen(line);
		assert_true(eol - line <= 76);
		/* Continuation lines start with a blank. */
		if (line != out)
			assert_int_equal(line[0], ' ');
		for (w = line; (w = strstr(w, "=?")) != NULL && w < eol;
		     w = e + 2) {
			assert_int_equal(strncmp(w, "=?UTF-8?B?", 10), 0);
			assert_non_null(e = strstr(w + 10, "?="));
			assert_true(e <= eol);
			assert_true(e + 2 - w <= 75);
			memcpy(word, w + 10, (size_t)(e - (w + 10)));
			word[e - (w + 10)] = '\0';
			assert_int_equal(sodium_base642bin((unsigned char *)
							       value +
						 n,
					     cap - n - 1, word, strlen(word),
					     NULL, &got, NULL,
					     sodium_base64_VARIANT_ORIGINAL),
			    0);
			/* Whole UTF-8 characters in every word. */
			assert_true(utf8_valid(value + n, got, (size_t)-1));
			n += got;
		}
		if (*eol == '\0')
			break;
		line = eol + 2;
	}
	value[n] = '\0';
}

static void
test_ascii_as_is(void **state)
{
	char out[SMTP_HEADER_MAX];

	(void)state;
	assert_int_equal(smtp_header_encode(out, sizeof(out), "Subject",
			     "You are invited to join Site A on roster"),
	    0);
	assert_string_equal(out,
	    "Subject: You are invited to join Site A on roster");
}

/*
 * 264 characters of 1 to 4 bytes (the subject of a website name of 200):
 * folded into words of whole characters that decode back to the value.
 */
static void
test_long_non_ascii_split_on_characters(void **state)
{
	static const char piece[] = "Équipe ünïcödé 日本語チーム 🚀✨ ";
	char              v[1200], out[SMTP_HEADER_MAX], back[1200];
	size_t            i;

	(void)state;
	v[0] = '\0';
	for (i = 0; i < 12; i++)
		strcat(v, piece);
	assert_int_equal(smtp_header_encode(out, sizeof(out), "Subject", v), 0);
	decode_field(out, "Subject", back, sizeof(back));
	assert_string_equal(back, v);
	/* Folded: more than one line. */
	assert_non_null(strstr(out, "\r\n =?UTF-8?B?"));
}

/* CR and LF never end the header: blanked, then encoded. */
static void
test_line_breaks_blanked(void **state)
{
	char out[SMTP_HEADER_MAX], back[256];

	(void)state;
	assert_int_equal(smtp_header_encode(out, sizeof(out), "Subject",
			     "Join A\r\nBcc: eve@example.com"),
	    0);
	assert_null(strstr(out, "Bcc"));
	decode_field(out, "Subject", back, sizeof(back));
	assert_string_equal(back, "Join A  Bcc: eve@example.com");
}

static void
test_too_small_refused(void **state)
{
	char out[40];

	(void)state;
	assert_int_equal(smtp_header_encode(out, sizeof(out), "Subject",
			     "日本語チーム 日本語チーム 日本語チーム"),
	    -1);
	assert_int_equal(smtp_header_encode(out, 10, "Subject", "plain ascii"),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_as_is),
		cmocka_unit_test(test_long_non_ascii_split_on_characters),
		cmocka_unit_test(test_line_breaks_blanked),
		cmocka_unit_test(test_too_small_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
