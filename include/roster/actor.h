/*
 * Layer: core
 *
 * Who acts in a request: the credential the Authorization header named,
 * its user (for an account token), what it may do, and the website the
 * route names as the credential sees it.  auth_resolve() fills it in one
 * database round trip; auth_check() and the core's operations read it.
 * Plain data, so the read cache (app/lib/cache.c) keeps it by value.
 */
#ifndef ROSTER_ACTOR_H
#define ROSTER_ACTOR_H

#include <stdint.h>

#include "roster/email_address.h"
#include "roster/ids.h"

enum role { ROLE_NONE, ROLE_OWNER, ROLE_MEMBER, ROLE_VIEWER, ROLE__MAX };

enum cred_kind { CRED_TOKEN, CRED_KEY };

struct actor {
	enum cred_kind kind;
	char           cred_id[ID_LEN + 1];
	char           user_id[ID_LEN + 1];  /* tokens; "" for keys */
	char           key_site[ID_LEN + 1]; /* keys: their website */
	char           email[EMAIL_MAX + 1]; /* tokens: the user's */
	char           name[201 * 4];        /* tokens: the user's, may be "" */
	unsigned       perms;  /* effective: perm_close() of the grant */
	unsigned       grant;  /* tokens: the permissions as granted */
	int            scoped; /* token has an allowlist */
	/* The website the route names, if any: */
	char      site[ID_LEN + 1];
	int       site_exists;
	char      site_name[201 * 4];
	char      site_domain[254];
	int       site_listed; /* in the token's allowlist */
	enum role role;        /* ROLE_NONE: not a member */
	int64_t   seat_limit;  /* -1: no limit */
	/*
	 * The website's team generation as this request read it (-1: none):
	 * what a cached page of its team must have been read at.
	 */
	int64_t team_gen;
};

#endif
