/*
 * The invitation email (app/core/invite_email.c): invite_email_compose()
 * stores no link, only a mark where it goes, which no value of the email
 * can forge; invite_email_fill() puts the link there at sending time;
 * invite_email_link() finds the link of an email queued before links were
 * sealed, and none in text that is not such an email.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roster/arena.h"
#include "roster/invite_email.h"

static struct arena a;

static int
setup(void **state)
{
	(void)state;
	arena_init(&a);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_release(&a);
	return 0;
}

static void
compose(const char *role, const char *inviter, struct mail *m)
{
	struct invite_email in;

	memset(&in, 0, sizeof(in));
	in.website_name = "Site \"A\" <b>";
	in.website_domain = "a.example";
	in.role = role;
	in.inviter = inviter;
	in.expires_at = 1795000000000LL;
	in.outbox_id = "6b0000000000000000000001";
	in.public_url = "https://team.example";
	invite_email_compose(&a, &in, m);
}

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)) != NULL; s += strlen(what))
		n++;
	return n;
}

/*
 * What is stored holds no link: the mark, once in the plain part and twice
 * in the HTML part; the sender fills in the link, escaped in the HTML.
 */
static void
test_stored_without_link_then_filled(void **state)
{
	const char *link = "https://team.example/join?token=inv_AbC-d_9&x=1";
	struct mail m;
	char       *text, *html;

	(void)state;
	compose("viewer", NULL, &m);
	assert_non_null(strstr(m.text, " as viewer.\r\n"));
	assert_int_equal(count(m.text, INVITE_EMAIL_LINK_MARK), 1);
	assert_int_equal(count(m.html, INVITE_EMAIL_LINK_MARK), 2);
	assert_null(strstr(m.text, "token="));
	assert_true(invite_email_wants_link(m.text));
	assert_true(invite_email_wants_link(m.html));
	/* A mark is no link for a role change to take over. */
	assert_null(invite_email_link(&a, m.text));
	text = invite_email_fill(&a, m.text, link, 0);
	html = invite_email_fill(&a, m.html, link, 1);
	assert_false(invite_email_wants_link(text));
	assert_false(invite_email_wants_link(html));
	assert_non_null(strstr(text,
	    "here:\r\n"
	    "https://team.example/join?"
	    "token=inv_AbC-d_9&x=1\r\n"));
	assert_int_equal(count(html, "token=inv_AbC-d_9&amp;x=1"), 2);
	assert_int_equal(count(html, "&x=1"), 0);
}

/* No name, domain or inviter forges the mark or breaks a line. */
static void
test_values_cannot_forge_the_mark(void **state)
{
	struct mail m;

	(void)state;
	compose("member", "Eve " INVITE_EMAIL_LINK_MARK "\r\nBcc: x@y", &m);
	assert_int_equal(count(m.text, INVITE_EMAIL_LINK_MARK), 1);
	assert_int_equal(count(m.html, INVITE_EMAIL_LINK_MARK), 2);
	assert_null(strstr(m.text, "\r\nBcc"));
	assert_non_null(strstr(m.text, "Eve  invitation link   Bcc: x@y"));
}

/*
 * An email queued before links were sealed holds its link in its text:
 * found for a role change (and `roster migrate`) to seal, and sent as it
 * is (filling changes nothing).
 */
static void
test_link_in_old_email(void **state)
{
	const char *old = "Hello,\r\n\r\nAnn invited you.\r\n\r\n"
			  "Accept the invitation here:\r\n"
			  "https://team.example/join?token=inv_AbC-d_9\r\n\r\n";
	char       *got;

	(void)state;
	assert_non_null(got = invite_email_link(&a, old));
	assert_string_equal(got, "https://team.example/join?token=inv_AbC-d_9");
	assert_false(invite_email_wants_link(old));
	assert_string_equal(invite_email_fill(&a, old, "https://other", 0),
	    old);
}

static void
test_no_link_in_other_text(void **state)
{
	(void)state;
	assert_null(invite_email_link(&a, NULL));
	assert_null(invite_email_link(&a, ""));
	assert_null(invite_email_link(&a, "Hello,\r\n\r\nno link here\r\n"));
	/* The line after the intro is empty, or never ends. */
	assert_null(invite_email_link(&a,
	    "Accept the invitation here:\r\n"
	    "\r\n"));
	assert_null(invite_email_link(&a,
	    "Accept the invitation here:\r\n"
	    "https://x/join?token=t"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_stored_without_link_then_filled, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_values_cannot_forge_the_mark, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_in_old_email, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_link_in_other_text,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
