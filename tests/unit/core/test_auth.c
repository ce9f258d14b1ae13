/*
 * The pure parts of credentials (app/core/auth.c): the permissions a token
 * may hold (`team:read`, `team:write`, `websites:read`, `api-keys:read`,
 * `api-keys:write`, or `*` for all; writing implies reading), the three
 * roles of a website's team (owner, member, viewer), and auth_check(), the
 * table that turns an authenticated credential and a route's needs into
 * 403, 404 or a go, without the database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "roster/auth.h"
#include "roster/err.h"
#include "roster/operation.h"

/* DataFast's whole vocabulary, in its order (docs/api-reference.md). */
static const char *const vocabulary[] = {
	"analytics:read",
	"websites:read",
	"websites:write",
	"api-keys:read",
	"api-keys:write",
	"team:read",
	"team:write",
	"alerts:read",
	"alerts:write",
	"settings:read",
	"settings:write",
	"funnels:read",
	"funnels:write",
	"goals:read",
	"goals:write",
	"payments:read",
	"payments:write",
};

#define NVOCAB (sizeof(vocabulary) / sizeof(vocabulary[0]))

/* Every name of the vocabulary has a bit of its own. */
static void
test_perm_parse_names(void **state)
{
	unsigned seen = 0, b;
	size_t   i;

	(void)state;
	assert_int_equal(NVOCAB, PERM_NAMES_MAX);
	for (i = 0; i < NVOCAB; i++) {
		b = perm_parse(vocabulary[i]);
		assert_true(b != 0 && (b & (b - 1)) == 0);
		assert_int_equal(b & seen, 0);
		seen |= b;
	}
	assert_int_equal(seen, PERM_ALL);
	assert_int_equal(perm_parse("team:read"), PERM_TEAM_READ);
	assert_int_equal(perm_parse("team:write"), PERM_TEAM_WRITE);
	assert_int_equal(perm_parse("websites:read"), PERM_WEBSITES_READ);
	assert_int_equal(perm_parse("api-keys:read"), PERM_KEYS_READ);
	assert_int_equal(perm_parse("api-keys:write"), PERM_KEYS_WRITE);
	assert_int_equal(perm_parse("settings:write"), PERM_SETTINGS_WRITE);
}

/* `*` is a grant of its own; what it allows is every name. */
static void
test_perm_parse_star(void **state)
{
	(void)state;
	assert_int_equal(perm_parse("*"), PERM_STAR);
	assert_int_equal(PERM_STAR & PERM_ALL, 0);
	assert_int_equal(perm_close(PERM_STAR), PERM_ALL);
	assert_int_equal(perm_close(PERM_STAR | PERM_TEAM_READ), PERM_ALL);
}

/* Anything else is 400: no near miss is a name. */
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
	assert_int_equal(perm_parse("analytics:write"), 0);
	assert_int_equal(perm_parse("admin"), 0);
}

/* X:write implies X:read, for every X that has both. */
static void
test_perm_close_write_implies_read(void **state)
{
	static const char *const pairs[][2] = {
		{ "websites:write", "websites:read" },
		{ "api-keys:write", "api-keys:read" },
		{ "team:write", "team:read" },
		{ "alerts:write", "alerts:read" },
		{ "settings:write", "settings:read" },
		{ "funnels:write", "funnels:read" },
		{ "goals:write", "goals:read" },
		{ "payments:write", "payments:read" },
	};
	unsigned w, r;
	size_t   i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		w = perm_parse(pairs[i][0]);
		r = perm_parse(pairs[i][1]);
		assert_int_equal(perm_close(w), w | r);
		assert_int_equal(perm_close(r), r);
	}
}

static void
test_perm_close_no_other_implications(void **state)
{
	(void)state;
	assert_int_equal(perm_close(0), 0);
	assert_int_equal(perm_close(PERM_WEBSITES_READ), PERM_WEBSITES_READ);
	assert_int_equal(perm_close(PERM_ANALYTICS_READ), PERM_ANALYTICS_READ);
	assert_int_equal(perm_close(PERM_TEAM_READ | PERM_KEYS_READ),
	    PERM_TEAM_READ | PERM_KEYS_READ);
	assert_int_equal(perm_close(PERM_ALL), PERM_ALL);
	/* Bits outside the table (a corrupt row) are dropped. */
	assert_int_equal(perm_close(1u << 20), 0);
}

/* A grant is returned as given: its names, or "*" alone. */
static void
test_perm_names(void **state)
{
	const char *out[PERM_NAMES_MAX];
	size_t      i;

	(void)state;
	assert_int_equal(perm_names(0, out), 0);
	assert_int_equal(perm_names(PERM_STAR, out), 1);
	assert_string_equal(out[0], "*");
	assert_int_equal(perm_names(PERM_ALL, out), PERM_NAMES_MAX);
	for (i = 0; i < NVOCAB; i++)
		assert_string_equal(out[i], vocabulary[i]);
	/* team:write alone stays team:write alone (no implied read). */
	assert_int_equal(perm_names(PERM_TEAM_WRITE, out), 1);
	assert_string_equal(out[0], "team:write");
	assert_int_equal(perm_names(PERM_KEYS_WRITE | PERM_TEAM_READ |
				 PERM_ANALYTICS_READ,
			     out),
	    3);
	assert_string_equal(out[0], "analytics:read");
	assert_string_equal(out[1], "api-keys:write");
	assert_string_equal(out[2], "team:read");
}

/* The 400's list names every permission and `*`. */
static void
test_perm_vocabulary(void **state)
{
	const char *v = perm_vocabulary();
	size_t      i;

	(void)state;
	for (i = 0; i < NVOCAB; i++)
		assert_non_null(strstr(v, vocabulary[i]));
	assert_non_null(strstr(v, " or *"));
	assert_ptr_equal(perm_vocabulary(), v);
}

/*
 * Stored exactly as granted and read back so; rows of the encoding before
 * sql/0007_wire.sql (bits 0-4, 31 for `*`) read as they meant.
 */
static void
test_perm_encode_decode(void **state)
{
	unsigned grants[] = { 0, PERM_TEAM_WRITE, PERM_ANALYTICS_READ, PERM_ALL,
		PERM_STAR, PERM_PAYMENTS_WRITE | PERM_TEAM_READ,
		PERM_TEAM_READ | PERM_TEAM_WRITE | PERM_WEBSITES_READ |
		    PERM_KEYS_READ | PERM_KEYS_WRITE };
	size_t   i;

	(void)state;
	for (i = 0; i < sizeof(grants) / sizeof(grants[0]); i++)
		assert_int_equal(perm_decode(perm_encode(grants[i])),
		    grants[i]);
	/* The five old names all granted are no longer `*`. */
	assert_int_equal(perm_decode(perm_encode(31)), 31);
	/* The encoding fits the column (INT) and is marked. */
	assert_true(perm_encode(PERM_STAR) <= 0x7fffffffLL);
	assert_true(perm_encode(0) != 0);
	/* A binary from before reads a new `*` as its own (31). */
	assert_int_equal(perm_encode(PERM_STAR) & 31, 31);
	/* Old rows. */
	assert_int_equal(perm_decode(31), PERM_STAR);
	assert_int_equal(perm_decode(3), PERM_TEAM_READ | PERM_TEAM_WRITE);
	assert_int_equal(perm_decode(4), PERM_WEBSITES_READ);
	assert_int_equal(perm_decode(0), 0);
	/* The values sql/0007_wire.sql writes. */
	assert_int_equal(perm_encode(PERM_STAR), 1074003967LL);
	assert_int_equal(perm_encode(0), 1073741824LL);
}

/* A website's team has three roles: owner, member, viewer. */
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
	int r;

	(void)state;
	assert_string_equal(role_name(ROLE_OWNER), "owner");
	assert_string_equal(role_name(ROLE_MEMBER), "member");
	assert_string_equal(role_name(ROLE_VIEWER), "viewer");
	assert_string_equal(role_name(ROLE_NONE), "none");
	assert_string_equal(role_name(ROLE__MAX), "none");
	for (r = ROLE_OWNER; r < ROLE__MAX; r++)
		assert_int_equal(role_parse(role_name((enum role)r)), r);
}

/*
 * auth_check()'s decision table.  The rules, in the order they apply:
 *
 *  1. A credential kind the route does not admit is 403: a df_ website key
 *     on a route for account tokens gets the route's own message (or a
 *     generic one), a dft_ token on a route for keys the token's.
 *  2. A permission the route needs and the credential lacks is 403, even
 *     when the website does not exist.
 *  3. A route that names no website needs nothing more.
 *  4. The website the path names does not exist: 404.
 *  5. It exists but the credential does not reach it: 403 — a key of
 *     another website, a token whose allowlist leaves it out (whatever the
 *     user's role there), a user who is not in its team.
 *  6. The route needs the owner (inviting, removing, changing a role):
 *     any other role is 403; a key, never an owner, gets the route's
 *     message.  The route needs a member or the owner (the website's API
 *     keys): a viewer is 403.
 *
 * The rows describe routes and callers in the test's own terms; only
 * need_make() and actor_make() know how a route row states its needs and
 * the layout of struct actor.
 */

#define SITE_ID       "665f0b3c4d2e1a0012345678"
#define OTHER_SITE_ID "665f0b3c4d2e1a00ffffffff"

enum who { ANY_ROLE, OWNER_ONLY, MEMBER_OR_OWNER };

/* What a route needs. */
struct route_need {
	unsigned    perms;   /* every one required */
	unsigned    kinds;   /* NEED_TOKEN, NEED_KEY */
	int         site;    /* the path names a website */
	enum who    who;     /* the role required there */
	const char *key_msg; /* the route's word to a refused key */
};

/* Who calls, as auth_resolve() found it. */
struct caller {
	enum cred_kind kind;
	unsigned       perms;  /* effective: implications applied */
	int            scoped; /* a token with a website allowlist */
	int            exists; /* the website the path names exists */
	int            listed; /* it is on the token's allowlist */
	enum role      role;   /* a token's user's role there; a key:
					 * MEMBER on its own website, NONE on
					 * another */
};

/* A route row's needs, as the route table writes them. */
struct rneed {
	unsigned    flags; /* NEED_* */
	unsigned    perms;
	const char *key_msg;
};

static struct rneed
need_make(const struct route_need *rn)
{
	struct rneed n;

	memset(&n, 0, sizeof(n));
	n.perms = rn->perms;
	n.flags = rn->kinds;
	if (rn->site)
		n.flags |= NEED_SITE;
	if (rn->who == OWNER_ONLY)
		n.flags |= NEED_OWNER;
	if (rn->who == MEMBER_OR_OWNER)
		n.flags |= NEED_MEMBER;
	n.key_msg = rn->key_msg;
	return n;
}

static enum rerr
need_check(struct op *op, const struct actor *ac, const struct rneed *n)
{
	return auth_check(op, ac, n->flags, n->perms, n->key_msg);
}

static void
actor_make(const struct caller *c, struct actor *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->kind = c->kind;
	snprintf(ac->cred_id, sizeof(ac->cred_id), "665f0b3c4d2e1a00000000c1");
	if (c->kind == CRED_TOKEN)
		snprintf(ac->user_id, sizeof(ac->user_id),
		    "665f0b3c4d2e1a00000000a1");
	else
		snprintf(ac->key_site, sizeof(ac->key_site), "%s",
		    c->role == ROLE_NONE ? OTHER_SITE_ID : SITE_ID);
	ac->perms = c->perms;
	ac->scoped = c->scoped;
	ac->seat_limit = -1;
	ac->team_gen = -1;
	if (c->exists) {
		snprintf(ac->site, sizeof(ac->site), "%s", SITE_ID);
		ac->site_exists = 1;
		ac->site_listed = c->listed;
		ac->role = c->role;
		ac->team_gen = 1;
	}
}

#define TOK NEED_TOKEN
#define KEY NEED_KEY
#define ANY NEED_CRED

#define MSG_INVITE_KEY "Website API keys cannot invite team members"
#define MSG_MANAGE_KEY "Website API keys cannot manage team members"

/* Routes of each shape the route table uses, and two it could. */
static const struct route_need
    websites_list = { PERM_WEBSITES_READ, TOK, 0, ANY_ROLE, NULL },
    tokens_write = { PERM_KEYS_WRITE, TOK, 0, ANY_ROLE, NULL },
    team_read = { PERM_TEAM_READ, ANY, 1, ANY_ROLE, NULL },
    team_invite = { PERM_TEAM_WRITE, TOK, 1, OWNER_ONLY, MSG_INVITE_KEY },
    team_write = { PERM_TEAM_WRITE, TOK, 1, OWNER_ONLY, MSG_MANAGE_KEY },
    keys_read = { PERM_KEYS_READ, TOK, 1, MEMBER_OR_OWNER, NULL },
    keys_write = { PERM_KEYS_WRITE, TOK, 1, MEMBER_OR_OWNER, NULL },
    keys_only = { PERM_TEAM_READ, KEY, 1, ANY_ROLE, NULL },
    owner_any_kind = { PERM_TEAM_READ, ANY, 1, OWNER_ONLY,
	    "Keys cannot do this here" };

#define ALL  PERM_ALL
#define T_RW (PERM_TEAM_READ | PERM_TEAM_WRITE)
#define T_R  PERM_TEAM_READ
#define K_RW (PERM_KEYS_READ | PERM_KEYS_WRITE)
#define K_R  PERM_KEYS_READ
#define W_R  PERM_WEBSITES_READ

/* caller: kind, perms, scoped, exists, listed, role */
/* clang-format would lay out these braced bodies as blocks. */
/* clang-format off */
#define TOKEN(perms, role)	{ CRED_TOKEN, perms, 0, 1, 0, role }
#define LISTED(perms, role)	{ CRED_TOKEN, perms, 1, 1, 1, role }
#define UNLISTED(perms, role)	{ CRED_TOKEN, perms, 1, 1, 0, role }
#define NO_SITE_TOKEN(perms)	{ CRED_TOKEN, perms, 0, 0, 0, ROLE_NONE }
#define NO_SITE_SCOPED(perms)	{ CRED_TOKEN, perms, 1, 0, 0, ROLE_NONE }
/* A df_ key holds team:read and nothing else. */
#define OWN_KEY			{ CRED_KEY, T_R, 0, 1, 0, ROLE_MEMBER }
#define OTHER_KEY		{ CRED_KEY, T_R, 0, 1, 0, ROLE_NONE }
#define NO_SITE_KEY		{ CRED_KEY, T_R, 0, 0, 0, ROLE_NONE }
/* clang-format on */

#define MSG_PERM       "The credential lacks the permission for this endpoint"
#define MSG_NO_SITE    "Website not found"
#define MSG_OTHER_KEY  "This API key belongs to another website"
#define MSG_UNLISTED   "This token is not allowed to access this website"
#define MSG_NOT_MEMBER "You are not a member of this website"
#define MSG_OWNER      "Only the website owner can do this"
#define MSG_VIEWER \
	"Viewers have read-only access: this needs a member or the owner"
#define MSG_KEY   "Website API keys cannot use this endpoint"
#define MSG_TOKEN "Account tokens cannot use this endpoint"

/* clang-format off */
static const struct {
	const char		*what;
	const struct route_need	*need;
	struct caller		 who;
	int			 status;	/* Team API status */
	const char		*msg;		/* NULL: none set */
} checks[] = {
	/* 1. The credential's kind. */
	{ "key, invite: the route's message", &team_invite, OWN_KEY,
	  403, MSG_INVITE_KEY },
	{ "key, remove/role/revoke: the route's message", &team_write,
	  OWN_KEY, 403, MSG_MANAGE_KEY },
	{ "key, token-only route without a message", &keys_read, OWN_KEY,
	  403, MSG_KEY },
	{ "key, token-only route naming no website", &websites_list,
	  NO_SITE_KEY, 403, MSG_KEY },
	{ "key refused before its website is looked at", &team_invite,
	  NO_SITE_KEY, 403, MSG_INVITE_KEY },
	{ "key of another website: still the kind first", &team_write,
	  OTHER_KEY, 403, MSG_MANAGE_KEY },
	{ "token on a route for keys only", &keys_only, TOKEN(ALL, ROLE_OWNER),
	  403, MSG_TOKEN },
	{ "key on a route for keys only", &keys_only, OWN_KEY, 200, NULL },

	/* 2. Permissions: all of them, before the website. */
	{ "team:read only, invite", &team_invite, TOKEN(T_R, ROLE_OWNER),
	  403, MSG_PERM },
	{ "no team permission, team list", &team_read,
	  TOKEN(W_R | K_RW, ROLE_OWNER), 403, MSG_PERM },
	{ "no permission at all", &team_read, TOKEN(0, ROLE_OWNER),
	  403, MSG_PERM },
	{ "missing permission beats missing website", &team_read,
	  NO_SITE_TOKEN(W_R), 403, MSG_PERM },
	{ "api-keys:read only, create a token", &tokens_write,
	  TOKEN(K_R, ROLE_NONE), 403, MSG_PERM },
	{ "websites:read missing, websites list", &websites_list,
	  NO_SITE_TOKEN(T_RW), 403, MSG_PERM },

	/* 3. No website named: the permission is enough. */
	{ "websites list", &websites_list, NO_SITE_TOKEN(W_R), 200, NULL },
	{ "create a token", &tokens_write, NO_SITE_TOKEN(K_RW), 200, NULL },
	{ "create a token, scoped", &tokens_write, NO_SITE_SCOPED(K_RW),
	  200, NULL },

	/* 4. The website does not exist: 404. */
	{ "token, no such website", &team_read, NO_SITE_TOKEN(ALL),
	  404, MSG_NO_SITE },
	{ "scoped token, no such website", &team_read, NO_SITE_SCOPED(T_R),
	  404, MSG_NO_SITE },
	{ "key, no such website", &team_read, NO_SITE_KEY, 404, MSG_NO_SITE },
	{ "owner route, no such website", &team_invite, NO_SITE_TOKEN(ALL),
	  404, MSG_NO_SITE },
	{ "api-keys route, no such website", &keys_write, NO_SITE_TOKEN(ALL),
	  404, MSG_NO_SITE },

	/* 5. The website exists; does the credential reach it? */
	{ "key of another website", &team_read, OTHER_KEY, 403,
	  MSG_OTHER_KEY },
	{ "key of its own website", &team_read, OWN_KEY, 200, NULL },
	{ "allowlist without it, owner there", &team_read,
	  UNLISTED(ALL, ROLE_OWNER), 403, MSG_UNLISTED },
	{ "allowlist without it, owner route", &team_invite,
	  UNLISTED(ALL, ROLE_OWNER), 403, MSG_UNLISTED },
	{ "allowlist without it, not a member either", &team_read,
	  UNLISTED(ALL, ROLE_NONE), 403, MSG_UNLISTED },
	{ "allowlist with it, member", &team_read, LISTED(T_R, ROLE_MEMBER),
	  200, NULL },
	{ "allowlist with it, not a member", &team_read,
	  LISTED(ALL, ROLE_NONE), 403, MSG_NOT_MEMBER },
	{ "not a member", &team_read, TOKEN(ALL, ROLE_NONE), 403,
	  MSG_NOT_MEMBER },
	{ "not a member, api-keys route", &keys_read, TOKEN(ALL, ROLE_NONE),
	  403, MSG_NOT_MEMBER },

	/* 6. Roles: reading the team is for everyone in it. */
	{ "owner reads the team", &team_read, TOKEN(T_R, ROLE_OWNER),
	  200, NULL },
	{ "member reads the team", &team_read, TOKEN(T_R, ROLE_MEMBER),
	  200, NULL },
	{ "viewer reads the team", &team_read, TOKEN(T_R, ROLE_VIEWER),
	  200, NULL },
	/* Changing the team is the owner's alone. */
	{ "owner invites", &team_invite, TOKEN(T_RW, ROLE_OWNER), 200, NULL },
	{ "owner invites, listed", &team_invite, LISTED(ALL, ROLE_OWNER),
	  200, NULL },
	{ "member invites", &team_invite, TOKEN(ALL, ROLE_MEMBER), 403,
	  MSG_OWNER },
	{ "viewer invites", &team_invite, TOKEN(ALL, ROLE_VIEWER), 403,
	  MSG_OWNER },
	{ "owner removes", &team_write, TOKEN(T_RW, ROLE_OWNER), 200, NULL },
	{ "member removes", &team_write, TOKEN(T_RW, ROLE_MEMBER), 403,
	  MSG_OWNER },
	{ "viewer removes, listed", &team_write, LISTED(T_RW, ROLE_VIEWER),
	  403, MSG_OWNER },
	{ "key on an owner route open to keys: the route's message",
	  &owner_any_kind, OWN_KEY, 403, "Keys cannot do this here" },
	{ "member on an owner route open to keys", &owner_any_kind,
	  TOKEN(T_R, ROLE_MEMBER), 403, MSG_OWNER },
	/* The website's API keys: a member or the owner. */
	{ "owner lists API keys", &keys_read, TOKEN(K_R, ROLE_OWNER),
	  200, NULL },
	{ "member lists API keys", &keys_read, TOKEN(K_R, ROLE_MEMBER),
	  200, NULL },
	{ "viewer lists API keys", &keys_read, TOKEN(K_R, ROLE_VIEWER),
	  403, MSG_VIEWER },
	{ "member creates an API key", &keys_write, TOKEN(K_RW, ROLE_MEMBER),
	  200, NULL },
	{ "viewer creates an API key", &keys_write, TOKEN(ALL, ROLE_VIEWER),
	  403, MSG_VIEWER },
	{ "api-keys:read only, create an API key", &keys_write,
	  TOKEN(K_R, ROLE_OWNER), 403, MSG_PERM },
};
/* clang-format on */

static void
test_auth_check_table(void **state)
{
	struct actor ac;
	struct rneed n;
	struct op    op;
	enum rerr    e;
	size_t       i;
	int          bad = 0;

	(void)state;
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		n = need_make(checks[i].need);
		actor_make(&checks[i].who, &ac);
		/* No database, no arena: the checks must need neither. */
		memset(&op, 0, sizeof(op));
		e = need_check(&op, &ac, &n);
		if (rerr_team_status(e) != checks[i].status ||
		    (checks[i].msg == NULL) != (op.msg == NULL) ||
		    (op.msg != NULL && strcmp(op.msg, checks[i].msg) != 0)) {
			print_error("%s: got %d \"%s\", want %d \"%s\"\n",
			    checks[i].what, rerr_team_status(e),
			    op.msg ? op.msg : "(none)", checks[i].status,
			    checks[i].msg ? checks[i].msg : "(none)");
			bad++;
		}
		/* 403 is FORBIDDEN, never the seat limit's 403. */
		if (checks[i].status == 403 && e != RERR_FORBIDDEN) {
			print_error("%s: outcome %d, not RERR_FORBIDDEN\n",
			    checks[i].what, (int)e);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * Every rule refuses on its own: starting from a caller the route admits,
 * changing one thing about it is enough for each refusal.
 */
static void
test_auth_check_one_change_refuses(void **state)
{
	const struct caller owner = TOKEN(ALL, ROLE_OWNER);
	struct caller       c;
	struct actor        ac;
	struct rneed        n;
	struct op           op;

	(void)state;
	n = need_make(&team_invite);
	actor_make(&owner, &ac);
	memset(&op, 0, sizeof(op));
	assert_int_equal(need_check(&op, &ac, &n), RERR_OK);
	assert_null(op.msg);

	c = owner;
	c.perms = PERM_ALL & ~PERM_TEAM_WRITE;
	actor_make(&c, &ac);
	assert_int_equal(need_check(&op, &ac, &n), RERR_FORBIDDEN);
	assert_string_equal(op.msg, MSG_PERM);

	c = owner;
	c.exists = 0;
	actor_make(&c, &ac);
	assert_int_equal(need_check(&op, &ac, &n), RERR_NOT_FOUND);
	assert_string_equal(op.msg, MSG_NO_SITE);

	c = owner;
	c.scoped = 1;
	actor_make(&c, &ac);
	assert_int_equal(need_check(&op, &ac, &n), RERR_FORBIDDEN);
	assert_string_equal(op.msg, MSG_UNLISTED);

	c = owner;
	c.role = ROLE_NONE;
	actor_make(&c, &ac);
	assert_int_equal(need_check(&op, &ac, &n), RERR_FORBIDDEN);
	assert_string_equal(op.msg, MSG_NOT_MEMBER);

	c = owner;
	c.role = ROLE_MEMBER;
	actor_make(&c, &ac);
	assert_int_equal(need_check(&op, &ac, &n), RERR_FORBIDDEN);
	assert_string_equal(op.msg, MSG_OWNER);

	c = owner;
	c.kind = CRED_KEY;
	actor_make(&c, &ac);
	assert_int_equal(need_check(&op, &ac, &n), RERR_FORBIDDEN);
	assert_string_equal(op.msg, MSG_INVITE_KEY);
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
	struct actor ac;
	struct op    op;

	(void)state;
	owner(&ac);
	assert_int_equal(check(&op, &ac, NEED_TOKEN, 0, NULL), RERR_OK);
	assert_int_equal(check(&op, &ac, NEED_KEY, 0, NULL), RERR_FORBIDDEN);
	assert_string_equal(op.msg, "Account tokens cannot use this endpoint");
	ac.kind = CRED_KEY;
	ac.role = ROLE_MEMBER;
	assert_int_equal(check(&op, &ac, NEED_CRED, 0, NULL), RERR_OK);
	assert_int_equal(check(&op, &ac, NEED_TOKEN, 0, NULL), RERR_FORBIDDEN);
	assert_string_equal(op.msg,
	    "Website API keys cannot use this endpoint");
	/* A key is refused an invite with the route's own message. */
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE | NEED_OWNER,
			     PERM_TEAM_WRITE,
			     "Website API keys cannot invite team members"),
	    RERR_FORBIDDEN);
	assert_string_equal(op.msg,
	    "Website API keys cannot invite team members");
}

/* The permission comes before the website: 403 even where it is unknown. */
static void
test_check_permission_before_website(void **state)
{
	struct actor ac;
	struct op    op;

	(void)state;
	owner(&ac);
	ac.perms = PERM_TEAM_READ;
	ac.site_exists = 0;
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE,
			     PERM_TEAM_WRITE, NULL),
	    RERR_FORBIDDEN);
	assert_string_equal(op.msg,
	    "The credential lacks the permission for this endpoint");
	/* Every bit is required. */
	assert_int_equal(check(&op, &ac, NEED_TOKEN,
			     PERM_TEAM_READ | PERM_KEYS_READ, NULL),
	    RERR_FORBIDDEN);
	/* Without NEED_SITE the website is not looked at. */
	assert_int_equal(check(&op, &ac, NEED_TOKEN, PERM_TEAM_READ, NULL),
	    RERR_OK);
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE, PERM_TEAM_READ,
			     NULL),
	    RERR_NOT_FOUND);
	assert_string_equal(op.msg, "Website not found");
}

/* Website access: a key's own website, a token's allowlist, membership. */
static void
test_check_website_access(void **state)
{
	struct actor ac;
	struct op    op;

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

/* NEED_OWNER takes the owner, NEED_MEMBER no viewer. */
static void
test_check_roles(void **state)
{
	struct actor ac;
	struct op    op;
	unsigned     owner_only = NEED_TOKEN | NEED_SITE | NEED_OWNER;
	unsigned     members = NEED_TOKEN | NEED_SITE | NEED_MEMBER;

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
	assert_string_equal(op.msg,
	    "Viewers have read-only access: this needs a member "
	    "or the owner");
	assert_int_equal(check(&op, &ac, NEED_TOKEN | NEED_SITE, 0, NULL),
	    RERR_OK);
	/* A key acts as a member: never the owner. */
	ac.kind = CRED_KEY;
	ac.role = ROLE_MEMBER;
	assert_int_equal(check(&op, &ac, NEED_CRED | NEED_SITE | NEED_OWNER, 0,
			     "key message"),
	    RERR_FORBIDDEN);
	assert_string_equal(op.msg, "key message");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perm_parse_names),
		cmocka_unit_test(test_perm_parse_star),
		cmocka_unit_test(test_perm_parse_unknown_is_zero),
		cmocka_unit_test(test_perm_close_write_implies_read),
		cmocka_unit_test(test_perm_close_no_other_implications),
		cmocka_unit_test(test_perm_names),
		cmocka_unit_test(test_perm_vocabulary),
		cmocka_unit_test(test_perm_encode_decode),
		cmocka_unit_test(test_role_parse),
		cmocka_unit_test(test_role_name),
		cmocka_unit_test(test_check_admission),
		cmocka_unit_test(test_check_permission_before_website),
		cmocka_unit_test(test_check_website_access),
		cmocka_unit_test(test_check_roles),
		cmocka_unit_test(test_auth_check_table),
		cmocka_unit_test(test_auth_check_one_change_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
