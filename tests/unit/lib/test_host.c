/*
 * host_normalize and url_http_valid (app/lib/host.c): a website's domain
 * and allowed email domains are host names without scheme, port or path;
 * its accept redirect is an http(s) URL with a host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "roster/host.h"

static void
accepted(const char *in, const char *want)
{
	char out[HOST_MAX + 1];

	if (host_normalize(in, strlen(in), out) != 0)
		fail_msg("refused a host name: \"%s\"", in);
	assert_string_equal(out, want);
}

static void
refused(const char *in)
{
	char out[HOST_MAX + 1];

	if (host_normalize(in, strlen(in), out) != -1)
		fail_msg("accepted \"%s\" as a host name", in);
}

/* Lowercased, trimmed, one final dot dropped. */
static void
test_host_normalized(void **state)
{
	(void)state;
	accepted("example.com", "example.com");
	accepted("  App.Example.CO.uk. ", "app.example.co.uk");
	accepted("xn--bcher-kva.example", "xn--bcher-kva.example");
	accepted("a-b.c1", "a-b.c1");
	accepted("1.example", "1.example");
}

static void
test_host_refused(void **state)
{
	char long_label[80], long_name[300];

	(void)state;
	refused("");
	refused("   ");
	refused("localhost");
	refused(".");
	refused("example.com..");
	refused("https://example.com");
	refused("example.com/path");
	refused("example.com:8080");
	refused("exa mple.com");
	refused("a..b.com");
	refused(".example.com");
	refused("-a.example.com");
	refused("a-.example.com");
	refused("example.-com");
	refused("10.0.0.1");
	refused("example.123");
	refused("b\xc3\xbc"
		"cher.example");
	refused("user@example.com");
	refused("ex_ample.com");
	memset(long_label, 'a', 64);
	snprintf(long_label + 64, sizeof(long_label) - 64, ".com");
	refused(long_label); /* a label of 64 */
	snprintf(long_label + 63, sizeof(long_label) - 63, ".com");
	accepted(long_label, long_label); /* 63 is the most */
	memset(long_name, 'a', sizeof(long_name));
	for (size_t i = 9; i < 260; i += 10)
		long_name[i] = '.';
	long_name[254] = '\0'; /* 254 characters, "a" ending */
	refused(long_name);
	long_name[253] = '\0';
	accepted(long_name, long_name);
	/* A NUL inside the given length is not a name. */
	{
		char out[HOST_MAX + 1];

		assert_int_equal(host_normalize("a.com\0x", 7, out), -1);
	}
}

static void
test_url_http(void **state)
{
	static const char *const good[] = {
		"https://example.com",
		"http://example.com/",
		"https://app.example.com/welcome?x=1#y",
		"HTTPS://EXAMPLE.COM/",
		"http://127.0.0.1:8080/join",
		"https://[2001:db8::1]/x",
		"https://[::1]:443",
		"http://localhost:65535/",
	};
	static const char *const bad[] = {
		"",
		"https://",
		"https:///path",
		"ftp://example.com/",
		"javascript:alert(1)",
		"//example.com/",
		"/relative",
		"https://a b.example.com/",
		"https://example.com/\x01",
		"https://user@example.com/",
		"https://user:pw@example.com/",
		"https://example.com:0/",
		"https://example.com:65536/",
		"https://example.com:/",
		"https://example.com:8x/",
		"https://[]/",
		"https://[zz::1]/",
		"https://ex_ample.com/",
		"https://caf\xc3\xa9.example/",
		"https://example.com/\x7f",
	};
	char   big[URL_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!url_http_valid(good[i]))
			fail_msg("refused \"%s\"", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (url_http_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(url_http_valid(NULL));
	memset(big, 'x', sizeof(big));
	memcpy(big, "https://e.com/", 14);
	big[URL_MAX] = '\0';
	assert_true(url_http_valid(big));
	big[URL_MAX] = 'x';
	big[URL_MAX + 1] = '\0';
	assert_false(url_http_valid(big));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_normalized),
		cmocka_unit_test(test_host_refused),
		cmocka_unit_test(test_url_http),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
