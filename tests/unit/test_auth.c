/*
 * The pure parts of credentials (app/core/auth.c): API.md "Credentials":
 * permissions `team:read`, `team:write`, `websites:read`, `api-keys:read`,
 * `api-keys:write`, or `*` for all; "`team:write` implies `team:read`".
 * Roles (API.md "Roles"): owner, member, viewer.  And auth_check(), the
 * route's needs (NEED_* flags) against an actor, in API.md's order: a
 * valid credential without the permission, website access or role is
 * 403, a website that does not exist 404.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roster/auth.h"
#include "roster/operation.h"

/* API.md "Credentials": the five permission names. */
static void
test_perm_parse_names(void **state)
{
	(void)state;
	assert_int_equal(perm_parse("team:read"), PERM_TEAM_READ);
	assert_int_equal(perm_parse("team:write"), PERM_TEAM_WRITE);
	assert_int_equal(perm_parse("websites:read"), PERM_WEBSITES_READ);
	assert_int_equal(perm_parse("api-keys:read"), PERM_KEYS_READ);
	assert_int_equal(perm_parse("api-keys:write"), PERM_KEYS_WRITE);
}

/* API.md "Credentials": "or `*` for all". */
static void
test_perm_parse_star_is_all(void **state)
{
	(void)state;
	assert_int_equal(perm_parse("*"), PERM_ALL);
	assert_int_equal(PERM_ALL, PERM_TEAM_READ | PERM_TEAM_WRITE |
	    PERM_WEBSITES_READ | PERM_KEYS_READ | PERM_KEYS_WRITE);
}

static void
test_perm_parse_unknown_is_zero(void **state)
{
	(void)state;
	assert_int_equal(perm_parse(NULL), 0);
	assert_int_equal(perm_parse(""), 0);
	assert_int_equal(perm_parse("team"), 0);
	assert_int_equal(perm_parse("Team:Read"), 0);
	assert_int_equal(perm_parse("team:read "), 0);
	assert_int_equal(perm_parse("team:*"), 0);
	assert_int_equal(perm_parse("**"), 0);
	assert_int_equal(perm_parse("api_keys:read"), 0);
	assert_int_equal(perm_parse("websites:write"), 0);
}

/* API.md "Credentials": "`team:write` implies `team:read`". */
static void
test_perm_close_team_write_implies_read(void **state)
{
	(void)state;
	assert_int_equal(perm_close(PERM_TEAM_WRITE),
	    PERM_TEAM_WRITE | PERM_TEAM_READ);
	assert_int_equal(perm_close(PERM_TEAM_READ), PERM_TEAM_READ);
}

/* Writing implies reading what one writes: api-keys likewise. */
static void
test_perm_close_keys_write_implies_read(void **state)
{
	(void)state;
	assert_int_equal(perm_close(PERM_KEYS_WRITE),
	    PERM_KEYS_WRITE | PERM_KEYS_READ);
	assert_int_equal(perm_close(PERM_KEYS_READ), PERM_KEYS_READ);
}

static void
test_perm_close_no_other_implications(void **state)
{
	(void)state;
	assert_int_equal(perm_close(0), 0);
	assert_int_equal(perm_close(PERM_WEBSITES_READ), PERM_WEBSITES_READ);
	assert_int_equal(perm_close(PERM_TEAM_READ | PERM_KEYS_READ),
	    PERM_TEAM_READ | PERM_KEYS_READ);
	assert_int_equal(perm_close(PERM_ALL), PERM_ALL);
	/* Bits outside the table (a corrupt row) are dropped. */
	assert_int_equal(perm_close(~0u), PERM_ALL);
	assert_int_equal(perm_close(1u << 20), 0);
}

static void
test_perm_names(void **state)
{
	const char	*out[5];

	(void)state;
	assert_int_equal(perm_names(0, out), 0);
	assert_int_equal(perm_names(PERM_ALL, out), 5);
	assert_string_equal(out[0], "team:read");
	assert_string_equal(out[1], "team:write");
	assert_string_equal(out[2], "websites:read");
	assert_string_equal(out[3], "api-keys:read");
	assert_string_equal(out[4], "api-keys:write");
	assert_int_equal(perm_names(PERM_KEYS_WRITE | PERM_TEAM_READ, out), 2);
	assert_string_equal(out[0], "team:read");
	assert_string_equal(out[1], "api-keys:write");
}

/* Every name parses back to its bit. */
static void
test_perm_names_round_trip(void **state)
{
	const char	*out[5];
	unsigned	 p = 0;
	int		 n, i;

	(void)state;
	n = perm_names(PERM_ALL, out);
	for (i = 0; i < n; i++)
		p |= perm_parse(out[i]);
	assert_int_equal(p, PERM_ALL);
}

/* API.md "Roles": owner, member, viewer. */
static void
test_role_parse(void **state)
{
	(void)state;
	assert_int_equal(role_parse("owner"), ROLE_OWNER);
	assert_int_equal(role_parse("member"), ROLE_MEMBER);
	assert_int_equal(role_parse("viewer"), ROLE_VIEWER);
	assert_int_equal(role_parse(NULL), ROLE_NONE);
	assert_int_equal(role_parse(""), ROLE_NONE);
	assert_int_equal(role_parse("none"), ROLE_NONE);
	assert_int_equal(role_parse("Owner"), ROLE_NONE);
	assert_int_equal(role_parse("admin"), ROLE_NONE);
	assert_int_equal(role_parse("viewer "), ROLE_NONE);
}

static void
test_role_name(void **state)
{
	int	r;

	(void)state;
	assert_string_equal(role_name(ROLE_OWNER), "owner");
	assert_string_equal(role_name(ROLE_MEMBER), "member");
	assert_string_equal(role_name(ROLE_VIEWER), "viewer");
	assert_string_equal(role_name(ROLE_NONE), "none");
	assert_string_equal(role_name(ROLE__MAX), "none");
	for (r = ROLE_OWNER; r < ROLE__MAX; r++)
		assert_int_equal(role_parse(role_name((enum role)r)), r);
}

/* An owner's dft_ token with every permission on an existing website. */
static void
owner(struct actor *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->kind = CRED_TOKEN;
	ac->perms = PERM_ALL;
	ac->site_exists = 1;
	ac->site_listed = 1;
	ac->role = ROLE_OWNER;
	ac->seat_limit = -1;
	ac->team_gen = -1;
}

static enum rerr
check(struct op *op, const struct actor *ac, unsigned need, unsigned perms,
    const char *key_msg)
{
	memset(op, 0, sizeof(*op));
	return auth_check(op, ac, need, perms, key_msg);
}

/* Admission: the credential kinds a route takes, and the key's message. */
static void
test_check_admission(void **state)
{
	struct actor	ac;
	struct op	op;

	(void)state;
	owner(&ac);
	assert_int_equal(check(&op, &ac, NEED_TOKEN, 0, NULL), RERR_OK);
	assert_int_equal(check(&op, &ac, NEED_KEY, 0, NULL), RERR_FORBIDDEN);
	assert_string_equal(op.msg, "Account tokens cannot use this endpoint");
	ac.kind = CRED_KEY;
	ac.role = ROLE_MEMBER;
	assert_int_equal(check(&op, &ac, NEED_CRED, 0, NULL), RERR_OK);
	assert_int_equal(check(&op, &ac, NEED_TOKEN, 0, NULL),
	    RERR_FORBIDDEN);
	assert_string_equal(op.msg,
	    "Website API keys cannot use this endpoint");
	/* API.md "Invite team member": "Website API keys cannot invite". */
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE | NEED_OWNER,
	    PERM_TEAM_WRITE, "Website API keys cannot invite team members"),
	    RERR_FORBIDDEN);
	assert_string_equal(op.msg,
	    "Website API keys cannot invite team members");
}

/* The permission comes before the website: 403 even where it is unknown. */
static void
test_check_permission_before_website(void **state)
{
	struct actor	ac;
	struct op	op;

	(void)state;
	owner(&ac);
	ac.perms = PERM_TEAM_READ;
	ac.site_exists = 0;
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE,
	    PERM_TEAM_WRITE, NULL), RERR_FORBIDDEN);
	assert_string_equal(op.msg,
	    "The credential lacks the permission for this endpoint");
	/* Every bit is required. */
	assert_int_equal(check(&op, &ac, NEED_TOKEN, PERM_TEAM_READ |
	    PERM_KEYS_READ, NULL), RERR_FORBIDDEN);
	/* Without NEED_SITE the website is not looked at. */
	assert_int_equal(check(&op, &ac, NEED_TOKEN, PERM_TEAM_READ, NULL),
	    RERR_OK);
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE,
	    PERM_TEAM_READ, NULL), RERR_NOT_FOUND);
	assert_string_equal(op.msg, "Website not found");
}

/* Website access: a key's own website, a token's allowlist, membership. */
static void
test_check_website_access(void **state)
{
	struct actor	ac;
	struct op	op;

	(void)state;
	owner(&ac);
	ac.kind = CRED_KEY;
	ac.role = ROLE_NONE;
	assert_int_equal(check(&op, &ac, NEED_CRED | NEED_SITE, 0, NULL),
	    RERR_FORBIDDEN);
	assert_string_equal(op.msg, "This API key belongs to another website");
	owner(&ac);
	ac.scoped = 1;
	ac.site_listed = 0;
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE, 0, NULL),
	    RERR_FORBIDDEN);
	assert_string_equal(op.msg,
	    "This token is not allowed to access this website");
	ac.site_listed = 1;
	ac.role = ROLE_NONE;
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE, 0, NULL),
	    RERR_FORBIDDEN);
	assert_string_equal(op.msg, "You are not a member of this website");
}

/* API.md "Roles": NEED_OWNER takes the owner, NEED_MEMBER no viewer. */
static void
test_check_roles(void **state)
{
	struct actor	ac;
	struct op	op;
	unsigned	owner_only = NEED_TOKEN | NEED_SITE | NEED_OWNER;
	unsigned	members = NEED_TOKEN | NEED_SITE | NEED_MEMBER;

	(void)state;
	owner(&ac);
	assert_int_equal(check(&op, &ac, owner_only, 0, NULL), RERR_OK);
	assert_int_equal(check(&op, &ac, members, 0, NULL), RERR_OK);
	ac.role = ROLE_MEMBER;
	assert_int_equal(check(&op, &ac, owner_only, 0, "key message"),
	    RERR_FORBIDDEN);
	/* A token is told about the role, never the key's message. */
	assert_string_equal(op.msg, "Only the website owner can do this");
	assert_int_equal(check(&op, &ac, members, 0, NULL), RERR_OK);
	ac.role = ROLE_VIEWER;
	assert_int_equal(check(&op, &ac, members, 0, NULL), RERR_FORBIDDEN);
	assert_string_equal(op.msg, "Viewers cannot manage API keys");
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE, 0, NULL),
	    RERR_OK);
	/* A key acts as a member: never the owner. */
	ac.kind = CRED_KEY;
	ac.role = ROLE_MEMBER;
	assert_int_equal(check(&op, &ac, NEED_CRED | NEED_SITE | NEED_OWNER,
	    0, "key message"), RERR_FORBIDDEN);
	assert_string_equal(op.msg, "key message");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perm_parse_names),
		cmocka_unit_test(test_perm_parse_star_is_all),
		cmocka_unit_test(test_perm_parse_unknown_is_zero),
		cmocka_unit_test(test_perm_close_team_write_implies_read),
		cmocka_unit_test(test_perm_close_keys_write_implies_read),
		cmocka_unit_test(test_perm_close_no_other_implications),
		cmocka_unit_test(test_perm_names),
		cmocka_unit_test(test_perm_names_round_trip),
		cmocka_unit_test(test_role_parse),
		cmocka_unit_test(test_role_name),
		cmocka_unit_test(test_check_admission),
		cmocka_unit_test(test_check_permission_before_website),
		cmocka_unit_test(test_check_website_access),
		cmocka_unit_test(test_check_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
