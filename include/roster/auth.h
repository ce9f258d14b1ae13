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

/*
 * DataFast's permission vocabulary (docs/api-reference.md, "Credentials and
 * permissions"), a bit per name.
 * A token's grant is stored as given (perm_encode()) and returned as
 * given; what a request may do is the grant's closure (perm_close()):
 * `*` is every name, and X:write implies X:read.  roster enforces the
 * names its routes need; the others are accepted, stored and returned.
 *
 * Bits 0-4 are the five names roster knew first, in the places they had
 * in the database then (sql/0007_wire.sql): keep them where they are.
 */
enum perm {
	PERM_TEAM_READ = 1 << 0,
	PERM_TEAM_WRITE = 1 << 1,
	PERM_WEBSITES_READ = 1 << 2,
	PERM_KEYS_READ = 1 << 3,
	PERM_KEYS_WRITE = 1 << 4,
	PERM_WEBSITES_WRITE = 1 << 5,
	PERM_ANALYTICS_READ = 1 << 6,
	PERM_ALERTS_READ = 1 << 7,
	PERM_ALERTS_WRITE = 1 << 8,
	PERM_SETTINGS_READ = 1 << 9,
	PERM_SETTINGS_WRITE = 1 << 10,
	PERM_FUNNELS_READ = 1 << 11,
	PERM_FUNNELS_WRITE = 1 << 12,
	PERM_GOALS_READ = 1 << 13,
	PERM_GOALS_WRITE = 1 << 14,
	PERM_PAYMENTS_READ = 1 << 15,
	PERM_PAYMENTS_WRITE = 1 << 16,
	/* Every name: what `*` grants, and the most a closure holds. */
	PERM_ALL = (1 << 17) - 1,
	/* `*` itself, in a grant (never in a closure). */
	PERM_STAR = 1 << 17,
};

/* The most names a grant lists (perm_names()). */
#define PERM_NAMES_MAX 17

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

/* "team:read" → PERM_TEAM_READ, "*" → PERM_STAR; 0 when unknown. */
unsigned perm_parse(const char *);
/*
 * What a grant allows: every name for PERM_STAR, and each X:write's
 * X:read.  Route checks and comparisons between credentials use this.
 */
unsigned perm_close(unsigned grant);
/*
 * The names of a grant, in the vocabulary's order ("*" alone for
 * PERM_STAR); returns how many (at most PERM_NAMES_MAX).
 */
int perm_names(unsigned grant, const char **out);
/* "analytics:read, websites:read, ..., payments:write or *": for a 400. */
const char *perm_vocabulary(void);
/*
 * A grant as the credentials table stores it, and back.  perm_decode()
 * also reads the encoding of rows written before sql/0007_wire.sql (by an
 * older binary during an upgrade, too).
 */
long long perm_encode(unsigned grant);
unsigned  perm_decode(long long stored);

enum role   role_parse(const char *);
const char *role_name(enum role);

#endif
