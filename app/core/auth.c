/*
 * Credentials: authentication in one statement, then the rules of API.md's
 * "Credentials" section, in its order: 401, then permission (403), then the
 * website's existence (404), then access to it and the role (403).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "roster/arena.h"
#include "roster/auth.h"
#include "roster/cache.h"
#include "roster/db.h"
#include "roster/operation.h"
#include "roster/secret.h"

/* DataFast's vocabulary, in the order docs/api-reference.md lists it. */
/* clang-format off */
static const struct {
	const char	*name;
	unsigned	 bit;
	unsigned	 implies;	/* X:write's X:read */
} perm_table[] = {
	{ "analytics:read",	PERM_ANALYTICS_READ,	0 },
	{ "websites:read",	PERM_WEBSITES_READ,	0 },
	{ "websites:write",	PERM_WEBSITES_WRITE,	PERM_WEBSITES_READ },
	{ "api-keys:read",	PERM_KEYS_READ,		0 },
	{ "api-keys:write",	PERM_KEYS_WRITE,	PERM_KEYS_READ },
	{ "team:read",		PERM_TEAM_READ,		0 },
	{ "team:write",		PERM_TEAM_WRITE,	PERM_TEAM_READ },
	{ "alerts:read",	PERM_ALERTS_READ,	0 },
	{ "alerts:write",	PERM_ALERTS_WRITE,	PERM_ALERTS_READ },
	{ "settings:read",	PERM_SETTINGS_READ,	0 },
	{ "settings:write",	PERM_SETTINGS_WRITE,	PERM_SETTINGS_READ },
	{ "funnels:read",	PERM_FUNNELS_READ,	0 },
	{ "funnels:write",	PERM_FUNNELS_WRITE,	PERM_FUNNELS_READ },
	{ "goals:read",		PERM_GOALS_READ,	0 },
	{ "goals:write",	PERM_GOALS_WRITE,	PERM_GOALS_READ },
	{ "payments:read",	PERM_PAYMENTS_READ,	0 },
	{ "payments:write",	PERM_PAYMENTS_WRITE,	PERM_PAYMENTS_READ },
};
/* clang-format on */

#define NPERMS (sizeof(perm_table) / sizeof(perm_table[0]))
_Static_assert(NPERMS == PERM_NAMES_MAX, "a row per permission name");

/*
 * The stored form (sql/0007_wire.sql): the grant's bits with bit 30, the
 * mark of this encoding; `*` also sets every name's bit, which is how a
 * binary from before reads it (its five bits all set).  A row without the
 * mark holds the five first names in bits 0-4, and 31 was `*`.
 */
#define PERM_STORED_MARK (1LL << 30)
#define PERM_OLD_ALL     31

/* Packed by hand; clang-format would put one item per line. */
/* clang-format off */
static const char *const role_names[ROLE__MAX] = {
	[ROLE_NONE] = "none", [ROLE_OWNER] = "owner",
	[ROLE_MEMBER] = "member", [ROLE_VIEWER] = "viewer",
};
/* clang-format on */

unsigned
perm_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	if (strcmp(s, "*") == 0)
		return PERM_STAR;
	for (i = 0; i < NPERMS; i++)
		if (strcmp(s, perm_table[i].name) == 0)
			return perm_table[i].bit;
	return 0;
}

unsigned
perm_close(unsigned g)
{
	size_t i;

	if (g & PERM_STAR)
		return PERM_ALL;
	/* Writing implies reading what one writes. */
	for (i = 0; i < NPERMS; i++)
		if (g & perm_table[i].bit)
			g |= perm_table[i].implies;
	return g & PERM_ALL;
}

int
perm_names(unsigned g, const char **out)
{
	size_t i;
	int    n = 0;

	if (g & PERM_STAR) {
		out[0] = "*";
		return 1;
	}
	for (i = 0; i < NPERMS; i++)
		if (g & perm_table[i].bit)
			out[n++] = perm_table[i].name;
	return n;
}

const char *
perm_vocabulary(void)
{
	static char text[512];
	size_t      i, n = 0;

	if (text[0] != '\0')
		return text;
	for (i = 0; i < NPERMS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s, ",
		    perm_table[i].name);
	snprintf(text + n - 2, sizeof(text) - n + 2, " or *");
	return text;
}

long long
perm_encode(unsigned g)
{
	g &= PERM_ALL | PERM_STAR;
	if (g & PERM_STAR)
		g = PERM_STAR | PERM_ALL;
	return PERM_STORED_MARK | (long long)g;
}

unsigned
perm_decode(long long v)
{
	if (!(v & PERM_STORED_MARK))
		return (v & PERM_OLD_ALL) == PERM_OLD_ALL ?
		    PERM_STAR :
		    (unsigned)(v & PERM_OLD_ALL);
	if (v & PERM_STAR)
		return PERM_STAR;
	return (unsigned)(v & PERM_ALL);
}

enum role
role_parse(const char *s)
{
	int i;

	if (s == NULL)
		return ROLE_NONE;
	for (i = ROLE_OWNER; i < ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (enum role)i;
	return ROLE_NONE;
}

const char *
role_name(enum role r)
{
	return (unsigned)r < ROLE__MAX ? role_names[r] : "none";
}

/*
 * The cache key of a resolution: the credential's hash, which resolution,
 * and the website the path names ('' for none or the credential's own).
 */
struct auth_key {
	unsigned char hash[SECRET_HASH_LEN];
	char          own;
	char          site[ID_LEN + 1];
};

/*
 * A cached resolution, if this worker has one that still holds: the
 * website's team generation is the one it was read at.  Only members'
 * resolutions are kept (see resolve()), and revoking a credential bumps
 * the generation of every website its resolutions can name, so a revoked
 * credential never matches.  1: *ac is filled; 0: resolve afresh (*ac
 * untouched); -1: failed, the outcome in *e.
 */
static int
resolve_cached(struct op *op, const struct auth_key *k, struct actor *ac,
    enum rerr *e)
{
	const struct actor *v;
	struct dbres        r;
	struct dbp          p[1];
	size_t              len;
	int64_t             gen;
	int                 rc;

	if ((v = cache_get(CACHE_ACTOR, k, sizeof(*k), &gen, &len)) == NULL ||
	    len != sizeof(*ac))
		return 0;
	p[0] = DB_STR(v->site);
	if ((rc = db_exec(op->db, op->a, STMT_AUTH_CHECK, p, 1, &r)) != 0) {
		*e = op_db(op, rc);
		return -1;
	}
	if (r.nrows != 1 || db_cell_i64(&r, 0, AUTH_CHECK_C_TEAM_GEN) != gen) {
		cache_drop(CACHE_ACTOR, k, sizeof(*k));
		return 0;
	}
	/* Stored with team_gen set to the generation it was read at. */
	memcpy(ac, v, sizeof(*ac));
	return 1;
}

/*
 * A text cell of the one row into a buffer of the actor; SQL NULL leaves
 * it "" (the actor starts zeroed).
 */
static void
copy_cell(char *dst, size_t cap, const struct dbres *r, enum auth_col c)
{
	const char *s = db_cell(r, 0, c);

	if (s != NULL)
		snprintf(dst, cap, "%s", s);
}

/*
 * Both resolutions share everything but the statement: STMT_AUTH names
 * the website (own == 0), STMT_AUTH_OWN finds the credential's own.
 */
static enum rerr
resolve(struct op *op, const char *authz, int own, const char *site,
    struct actor *ac)
{
	struct auth_key k;
	const char     *tok;
	enum rerr       e;
	struct dbres    r;
	struct dbp      p[2];
	int             kind, rc, n = 0;

	memset(ac, 0, sizeof(*ac));
	ac->seat_limit = -1;
	ac->team_gen = -1;
	/* The scheme is case-insensitive (RFC 9110 §11.1). */
	if (authz == NULL || strncasecmp(authz, "Bearer ", 7) != 0)
		return op_fail(op, RERR_UNAUTHENTICATED,
		    "Missing or malformed Authorization header; "
		    "expected: Bearer <token>");
	tok = authz + 7;
	while (*tok == ' ')
		tok++;
	/* Malformed credentials never reach the database. */
	if ((kind = secret_classify(tok)) < 0)
		return op_fail(op, RERR_UNAUTHENTICATED,
		    "Invalid or revoked credential");
	memset(&k, 0, sizeof(k));
	secret_hash(tok, strlen(tok), k.hash);
	k.own = (char)own;
	if (!own && site != NULL && id_valid(site))
		memcpy(k.site, site, ID_LEN);
	/*
	 * The key is the hash of the whole secret, so a cached resolution is
	 * found only by the secret that made it: no prefix check is skipped.
	 */
	if ((rc = resolve_cached(op, &k, ac, &e)) != 0)
		return rc > 0 ? RERR_OK : e;
	if (!own)
		p[n++] = DB_STR(k.site);
	p[n++] = DB_BIN(k.hash, sizeof(k.hash));
	if ((rc = db_exec(op->db, op->a, own ? STMT_AUTH_OWN : STMT_AUTH, p,
		 (size_t)n, &r)) != 0)
		return op_db(op, rc);
	/*
	 * The index lookup found the row by hash; compare in constant time
	 * anyway, so no byte-by-byte early exit exists anywhere.
	 */
	if (r.nrows != 1 ||
	    db_cell_len(&r, 0, AUTH_C_TOKEN_HASH) != SECRET_HASH_LEN ||
	    !secret_equal((const unsigned char *)db_cell(&r, 0,
			      AUTH_C_TOKEN_HASH),
		k.hash))
		return op_fail(op, RERR_UNAUTHENTICATED,
		    "Invalid or revoked credential");
	/* The prefix must match the stored kind: a df_ key is never a token. */
	if (strcmp(db_cell(&r, 0, AUTH_C_KIND),
		kind == SECRET_TOKEN ? "token" : "key"))
		return op_fail(op, RERR_UNAUTHENTICATED,
		    "Invalid or revoked credential");
	ac->kind = kind == SECRET_TOKEN ? CRED_TOKEN : CRED_KEY;
	copy_cell(ac->cred_id, sizeof(ac->cred_id), &r, AUTH_C_ID);
	copy_cell(ac->user_id, sizeof(ac->user_id), &r, AUTH_C_USER_ID);
	copy_cell(ac->key_site, sizeof(ac->key_site), &r, AUTH_C_KEY_SITE);
	copy_cell(ac->email, sizeof(ac->email), &r, AUTH_C_EMAIL);
	copy_cell(ac->name, sizeof(ac->name), &r, AUTH_C_NAME);
	/* Keys have a fixed, read-only grant: API.md caps them at member. */
	ac->grant = ac->kind == CRED_KEY ?
	    PERM_TEAM_READ :
	    perm_decode(db_cell_i64(&r, 0, AUTH_C_PERMS));
	ac->perms = perm_close(ac->grant);
	ac->scoped = db_cell_i64(&r, 0, AUTH_C_SCOPED) != 0;
	if (db_cell(&r, 0, AUTH_C_SITE) != NULL) {
		ac->site_exists = 1;
		copy_cell(ac->site, sizeof(ac->site), &r, AUTH_C_SITE);
		ac->seat_limit = db_cell_i64_or(&r, 0, AUTH_C_SEAT_LIMIT, -1);
		ac->site_listed = db_cell_i64(&r, 0, AUTH_C_LISTED) > 0;
		copy_cell(ac->site_name, sizeof(ac->site_name), &r,
		    AUTH_C_SITE_NAME);
		copy_cell(ac->site_domain, sizeof(ac->site_domain), &r,
		    AUTH_C_SITE_DOMAIN);
		if (ac->kind == CRED_TOKEN)
			ac->role = role_parse(db_cell(&r, 0, AUTH_C_ROLE));
		else
			ac->role = strcmp(ac->key_site, ac->site) == 0 ?
			    ROLE_MEMBER :
			    ROLE_NONE;
	}
	/* team_gen NULL: no such website; the check reads NULL as -1 too. */
	ac->team_gen = db_cell_i64_or(&r, 0, AUTH_C_TEAM_GEN, -1);
	/*
	 * Kept only for a member of the website (a key: of its own): every
	 * change to such a resolution bumps the website's generation.  A
	 * refusal (no such website, not a member) is resolved every time.
	 */
	if (ac->site_exists && ac->role != ROLE_NONE && ac->team_gen >= 0)
		cache_put(CACHE_ACTOR, &k, sizeof(k), ac->team_gen, ac,
		    sizeof(*ac));
	return RERR_OK;
}

enum rerr
auth_resolve(struct op *op, const char *authz, const char *site,
    struct actor *ac)
{
	return resolve(op, authz, 0, site, ac);
}

enum rerr
auth_resolve_own(struct op *op, const char *authz, struct actor *ac)
{
	return resolve(op, authz, 1, NULL, ac);
}

enum rerr
auth_check(struct op *op, const struct actor *ac, unsigned need, unsigned perms,
    const char *key_msg)
{
	if (!(need & (ac->kind == CRED_KEY ? NEED_KEY : NEED_TOKEN)))
		return op_fail(op, RERR_FORBIDDEN,
		    ac->kind == CRED_KEY ?
			(key_msg ?
				key_msg :
				"Website API keys cannot use this endpoint") :
			"Account tokens cannot use this endpoint");
	if ((ac->perms & perms) != perms)
		return op_fail(op, RERR_FORBIDDEN,
		    "The credential lacks the permission for this endpoint");
	if (!(need & NEED_SITE))
		return RERR_OK;
	if (!ac->site_exists)
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	if (ac->kind == CRED_KEY && ac->role == ROLE_NONE)
		return op_fail(op, RERR_FORBIDDEN,
		    "This API key belongs to another website");
	if (ac->kind == CRED_TOKEN && ac->scoped && !ac->site_listed)
		return op_fail(op, RERR_FORBIDDEN,
		    "This token is not allowed to access this website");
	if (ac->role == ROLE_NONE)
		return op_fail(op, RERR_FORBIDDEN,
		    "You are not a member of this website");
	if ((need & NEED_OWNER) && ac->role != ROLE_OWNER)
		return op_fail(op, RERR_FORBIDDEN,
		    ac->kind == CRED_KEY && key_msg ?
			key_msg :
			"Only the website owner can do this");
	if ((need & NEED_MEMBER) && ac->role != ROLE_OWNER &&
	    ac->role != ROLE_MEMBER)
		return op_fail(op, RERR_FORBIDDEN,
		    "Viewers have read-only access: this needs a member "
		    "or the owner");
	return RERR_OK;
}
