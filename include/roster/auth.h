/*
 * Credentials and what they may do (API.md "Credentials").
 *
 * auth_resolve() turns an Authorization header into an actor in one
 * database round trip that also resolves the website the route names: the
 * credential, the website's existence, the credential's user's role there
 * and the token's allowlist.  A worker keeps the resolutions it made for
 * members of the website (app/lib/cache.c); a cached one costs a one-row read
 * of the website's team generation, which every change to the team and
 * every revocation of a member's credential bumps.
 * auth_check() then applies the rules without touching the database.
 */
#ifndef ROSTER_AUTH_H
#define ROSTER_AUTH_H

#include "roster/actor.h"
#include "roster/err.h"

struct op;

enum perm {
	PERM_TEAM_READ = 1 << 0,
	PERM_TEAM_WRITE = 1 << 1,
	PERM_WEBSITES_READ = 1 << 2,
	PERM_KEYS_READ = 1 << 3,
	PERM_KEYS_WRITE = 1 << 4,
	PERM_ALL = (1 << 5) - 1,
};

/*
 * What a route needs of its caller, as flags of its table row: which
 * credential kinds it admits (neither: a public route, no credential),
 * and what the credential must be on the website the route names.
 */
enum need {
	NEED_TOKEN = 1 << 0,  /* admits dft_ account tokens */
	NEED_KEY = 1 << 1,    /* admits df_ website API keys */
	NEED_SITE = 1 << 2,   /* names a website the caller must reach */
	NEED_OWNER = 1 << 3,  /* ... as its owner */
	NEED_MEMBER = 1 << 4, /* ... as its owner or a member */
};

/* Either kind of credential: a route that needs one at all. */
#define NEED_CRED (NEED_TOKEN | NEED_KEY)

/*
 * Authenticates `authorization` (the raw header, may be NULL) and resolves
 * `site` (may be NULL).  RERR_UNAUTHENTICATED for a missing, malformed,
 * unknown or revoked credential; RERR_UNAVAILABLE when the database is.
 */
enum rerr auth_resolve(struct op *, const char *authorization, const char *site,
    struct actor *);
/*
 * The same, for a route whose website is the credential's own rather than
 * the path's: a df_ key's website, or the one website of a dft_ token's
 * allowlist.  Still one round trip.  When there is no such website (an
 * unscoped token, or an allowlist of several) actor.site_exists is 0.
 */
enum rerr auth_resolve_own(struct op *, const char *authorization,
    struct actor *);
/*
 * 403 / 404 decisions for an authenticated actor on a route that needs
 * `need` (NEED_*) and every bit of `perms`; key_msg, when not NULL, is the
 * 403's message for a df_ key the route refuses.  Sets op->msg.
 */
enum rerr auth_check(struct op *, const struct actor *, unsigned need,
    unsigned perms, const char *key_msg);

/* "team:read" → PERM_TEAM_READ, "*" → PERM_ALL; 0 when unknown. */
unsigned perm_parse(const char *);
/* Adds implied permissions (team:write implies team:read, ...). */
unsigned perm_close(unsigned);
/* The names of the bits, in table order; returns how many (max 5). */
int perm_names(unsigned, const char **out);

enum role   role_parse(const char *);
const char *role_name(enum role);

#endif
