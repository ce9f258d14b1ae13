/*
 * The invitation email (app/mail.c): mail_invite_link() finds the link in
 * the plain part mail_compose_invite() wrote, which a role change reuses
 * for the email it queues again (app/invite.c requeue_email), and finds
 * none in text that is not such an email.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roster/arena.h"
#include "roster/mail.h"

static struct arena	a;

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
compose(const char *role, const char *inviter, const char *link,
    struct mail *m)
{
	struct mail_invite	in;

	memset(&in, 0, sizeof(in));
	in.website_name = "Site \"A\" <b>";
	in.website_domain = "a.example";
	in.role = role;
	in.inviter = inviter;
	in.link = link;
	in.expires_at = 1795000000000LL;
	in.outbox_id = "6b0000000000000000000001";
	in.public_url = "https://team.example";
	mail_compose_invite(&a, &in, m);
}

static void
test_link_round_trip(void **state)
{
	const char	*link = "https://team.example/join?token=inv_AbC-d_9";
	struct mail	 m;
	char		*got;

	(void)state;
	compose("viewer", NULL, link, &m);
	assert_non_null(strstr(m.text, " as viewer.\r\n"));
	assert_non_null(got = mail_invite_link(&a, m.text));
	assert_string_equal(got, link);
	/* The inviter's name may hold anything but a line break. */
	compose("member", "Ann \"Accept the invitation here:\"", link, &m);
	assert_string_equal(mail_invite_link(&a, m.text), link);
}

static void
test_no_link_in_other_text(void **state)
{
	(void)state;
	assert_null(mail_invite_link(&a, NULL));
	assert_null(mail_invite_link(&a, ""));
	assert_null(mail_invite_link(&a, "Hello,\r\n\r\nno link here\r\n"));
	/* The line after the intro is empty, or never ends. */
	assert_null(mail_invite_link(&a, "Accept the invitation here:\r\n"
	    "\r\n"));
	assert_null(mail_invite_link(&a, "Accept the invitation here:\r\n"
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
