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

#include <stdint.h>

#include "roster/email_address.h"
#include "roster/err.h"
#include "roster/ids.h"

struct op;

enum perm {
	PERM_TEAM_READ		= 1 << 0,
	PERM_TEAM_WRITE		= 1 << 1,
	PERM_WEBSITES_READ	= 1 << 2,
	PERM_KEYS_READ		= 1 << 3,
	PERM_KEYS_WRITE		= 1 << 4,
	PERM_ALL		= (1 << 5) - 1,
};

enum role { ROLE_NONE, ROLE_OWNER, ROLE_MEMBER, ROLE_VIEWER, ROLE__MAX };

enum cred_kind { CRED_TOKEN, CRED_KEY };

/* Which credential kinds a route admits. */
#define CRED_ALLOW_TOKEN	(1u << CRED_TOKEN)
#define CRED_ALLOW_KEY		(1u << CRED_KEY)

struct actor {
	enum cred_kind	 kind;
	char		 cred_id[ID_LEN + 1];
	char		 user_id[ID_LEN + 1];	/* tokens; "" for keys */
	char		 key_site[ID_LEN + 1];	/* keys: their website */
	char		 email[EMAIL_MAX + 1];	/* tokens: the user's */
	char		 name[201 * 4];		/* tokens: the user's, may be "" */
	unsigned	 perms;			/* effective, implications applied */
	int		 scoped;		/* token has an allowlist */
	/* The website the route names, if any: */
	char		 site[ID_LEN + 1];
	int		 site_exists;
	char		 site_name[201 * 4];
	char		 site_domain[254];
	int		 site_listed;		/* in the token's allowlist */
	enum role	 role;			/* ROLE_NONE: not a member */
	int64_t		 seat_limit;		/* -1: no limit */
	/*
	 * The website's team generation as this request read it (-1: none):
	 * what a cached page of its team must have been read at.
	 */
	int64_t		 team_gen;
};

/* What a route needs, checked in API.md's order. */
struct need {
	unsigned	 perms;		/* every bit required */
	unsigned	 kinds;		/* CRED_ALLOW_* */
	int		 site;		/* the path names a website */
	int		 owner;		/* owner role required */
	int		 member;	/* member or owner required */
	const char	*key_msg;	/* message when a key is refused */
};

/*
 * Authenticates `authorization` (the raw header, may be NULL) and resolves
 * `site` (may be NULL).  RERR_UNAUTHENTICATED for a missing, malformed,
 * unknown or revoked credential; RERR_UNAVAILABLE when the database is.
 */
enum rerr	auth_resolve(struct op *, const char *authorization,
		    const char *site, struct actor *);
/*
 * The same, for a route whose website is the credential's own rather than
 * the path's: a df_ key's website, or the one website of a dft_ token's
 * allowlist.  Still one round trip.  When there is no such website (an
 * unscoped token, or an allowlist of several) actor.site_exists is 0.
 */
enum rerr	auth_resolve_own(struct op *, const char *authorization,
		    struct actor *);
/* 403 / 404 decisions for an authenticated actor; sets op->msg. */
enum rerr	auth_check(struct op *, const struct actor *,
		    const struct need *);

/* "team:read" → PERM_TEAM_READ, "*" → PERM_ALL; 0 when unknown. */
unsigned	perm_parse(const char *);
/* Adds implied permissions (team:write implies team:read, ...). */
unsigned	perm_close(unsigned);
/* The names of the bits, in table order; returns how many (max 5). */
int		perm_names(unsigned, const char **out);

enum role	role_parse(const char *);
const char	*role_name(enum role);

#endif
