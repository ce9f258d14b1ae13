/*
 * The invitation email (app/core/invite_email.c): invite_email_link() finds the link in
 * the plain part invite_email_compose() wrote, which a role change reuses
 * for the email it queues again (app/core/invite.c requeue_email), and finds
 * none in text that is not such an email.
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
compose(const char *role, const char *inviter, const char *link, struct mail *m)
{
	struct invite_email in;

	memset(&in, 0, sizeof(in));
	in.website_name = "Site \"A\" <b>";
	in.website_domain = "a.example";
	in.role = role;
	in.inviter = inviter;
	in.link = link;
	in.expires_at = 1795000000000LL;
	in.outbox_id = "6b0000000000000000000001";
	in.public_url = "https://team.example";
	invite_email_compose(&a, &in, m);
}

static void
test_link_round_trip(void **state)
{
	const char *link = "https://team.example/join?token=inv_AbC-d_9";
	struct mail m;
	char       *got;

	(void)state;
	compose("viewer", NULL, link, &m);
	assert_non_null(strstr(m.text, " as viewer.\r\n"));
	assert_non_null(got = invite_email_link(&a, m.text));
	assert_string_equal(got, link);
	/* The inviter's name may hold anything but a line break. */
	compose("member", "Ann \"Accept the invitation here:\"", link, &m);
	assert_string_equal(invite_email_link(&a, m.text), link);
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
		cmocka_unit_test_setup_teardown(test_link_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_link_in_other_text,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
