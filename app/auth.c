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
#include "roster/db.h"
#include "roster/op.h"
#include "roster/secret.h"

static const struct {
	const char	*name;
	unsigned	 bit;
} perm_table[] = {
	{ "team:read",		PERM_TEAM_READ },
	{ "team:write",		PERM_TEAM_WRITE },
	{ "websites:read",	PERM_WEBSITES_READ },
	{ "api-keys:read",	PERM_KEYS_READ },
	{ "api-keys:write",	PERM_KEYS_WRITE },
};

static const char *const role_names[ROLE__MAX] = {
	[ROLE_NONE] = "none", [ROLE_OWNER] = "owner",
	[ROLE_MEMBER] = "member", [ROLE_VIEWER] = "viewer",
};

unsigned
perm_parse(const char *s)
{
	size_t	i;

	if (s == NULL)
		return 0;
	if (strcmp(s, "*") == 0)
		return PERM_ALL;
	for (i = 0; i < sizeof(perm_table) / sizeof(perm_table[0]); i++)
		if (strcmp(s, perm_table[i].name) == 0)
			return perm_table[i].bit;
	return 0;
}

unsigned
perm_close(unsigned p)
{
	/* Writing implies reading what one writes. */
	if (p & PERM_TEAM_WRITE)
		p |= PERM_TEAM_READ;
	if (p & PERM_KEYS_WRITE)
		p |= PERM_KEYS_READ;
	return p & PERM_ALL;
}

int
perm_names(unsigned p, const char **out)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < sizeof(perm_table) / sizeof(perm_table[0]); i++)
		if (p & perm_table[i].bit)
			out[n++] = perm_table[i].name;
	return n;
}

enum role
role_parse(const char *s)
{
	int	i;

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
 * Both resolutions share everything but the statement: STMT_AUTH names
 * the website (own == 0), STMT_AUTH_OWN finds the credential's own.
 */
static enum rerr
resolve(struct op *op, const char *authz, int own, const char *site,
    struct actor *ac)
{
	unsigned char	 hash[SECRET_HASH_LEN];
	const char	*tok;
	struct dbres	 r;
	struct dbp	 p[2];
	int		 kind, rc, n = 0;

	memset(ac, 0, sizeof(*ac));
	ac->seat_limit = -1;
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
	secret_hash(tok, strlen(tok), hash);
	if (!own)
		p[n++] = DB_STR(site != NULL && id_valid(site) ? site : "");
	p[n++] = DB_BIN(hash, sizeof(hash));
	if ((rc = db_exec(op->db, op->a, own ? STMT_AUTH_OWN : STMT_AUTH, p,
	    (size_t)n, &r)) != 0)
		return op_db(op, rc);
	/*
	 * The index lookup found the row by hash; compare in constant time
	 * anyway, so no byte-by-byte early exit exists anywhere.
	 */
	if (r.nrows != 1 || db_cell_len(&r, 0, 6) != SECRET_HASH_LEN ||
	    !secret_equal((const unsigned char *)db_cell(&r, 0, 6), hash))
		return op_fail(op, RERR_UNAUTHENTICATED,
		    "Invalid or revoked credential");
	/* The prefix must match the stored kind: a df_ key is never a token. */
	if (strcmp(db_cell(&r, 0, 1), kind == SECRET_TOKEN ? "token" : "key"))
		return op_fail(op, RERR_UNAUTHENTICATED,
		    "Invalid or revoked credential");
	ac->kind = kind == SECRET_TOKEN ? CRED_TOKEN : CRED_KEY;
	snprintf(ac->cred_id, sizeof(ac->cred_id), "%s", db_cell(&r, 0, 0));
	if (db_cell(&r, 0, 2) != NULL)
		snprintf(ac->user_id, sizeof(ac->user_id), "%s",
		    db_cell(&r, 0, 2));
	if (db_cell(&r, 0, 3) != NULL)
		snprintf(ac->key_site, sizeof(ac->key_site), "%s",
		    db_cell(&r, 0, 3));
	if (db_cell(&r, 0, 10) != NULL)
		snprintf(ac->email, sizeof(ac->email), "%s",
		    db_cell(&r, 0, 10));
	if (db_cell(&r, 0, 12) != NULL)
		snprintf(ac->name, sizeof(ac->name), "%s", db_cell(&r, 0, 12));
	/* Keys have a fixed, read-only grant: API.md caps them at member. */
	ac->perms = ac->kind == CRED_KEY ? PERM_TEAM_READ :
	    perm_close((unsigned)db_cell_i64(&r, 0, 4));
	ac->scoped = db_cell_i64(&r, 0, 5) != 0;
	if (db_cell(&r, 0, 7) != NULL) {
		ac->site_exists = 1;
		snprintf(ac->site, sizeof(ac->site), "%s", db_cell(&r, 0, 7));
		ac->seat_limit = db_cell(&r, 0, 8) == NULL ? -1 :
		    db_cell_i64(&r, 0, 8);
		ac->site_listed = db_cell_i64(&r, 0, 11) > 0;
		snprintf(ac->site_name, sizeof(ac->site_name), "%s",
		    db_cell(&r, 0, 13) ? db_cell(&r, 0, 13) : "");
		snprintf(ac->site_domain, sizeof(ac->site_domain), "%s",
		    db_cell(&r, 0, 14) ? db_cell(&r, 0, 14) : "");
		if (ac->kind == CRED_TOKEN)
			ac->role = role_parse(db_cell(&r, 0, 9));
		else
			ac->role = strcmp(ac->key_site, ac->site) == 0 ?
			    ROLE_MEMBER : ROLE_NONE;
	}
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
auth_check(struct op *op, const struct actor *ac, const struct need *n)
{
	if (!(n->kinds & (1u << ac->kind)))
		return op_fail(op, RERR_FORBIDDEN, ac->kind == CRED_KEY ?
		    (n->key_msg ? n->key_msg :
		    "Website API keys cannot use this endpoint") :
		    "Account tokens cannot use this endpoint");
	if ((ac->perms & n->perms) != n->perms)
		return op_fail(op, RERR_FORBIDDEN,
		    "The credential lacks the permission for this endpoint");
	if (!n->site)
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
	if (n->owner && ac->role != ROLE_OWNER)
		return op_fail(op, RERR_FORBIDDEN, ac->kind == CRED_KEY &&
		    n->key_msg ? n->key_msg :
		    "Only the website owner can do this");
	if (n->member && ac->role != ROLE_OWNER && ac->role != ROLE_MEMBER)
		return op_fail(op, RERR_FORBIDDEN,
		    "Viewers cannot manage API keys");
	return RERR_OK;
}
