/*
 * Websites: the teams' containers.
 */
#ifndef ROSTER_WEBSITE_H
#define ROSTER_WEBSITE_H

#include <stddef.h>
#include <stdint.h>

#include "roster/err.h"
#include "roster/ids.h"

struct op;

struct website_info {
	const char *id;
	const char *domain;
	const char *name;
	const char *role;       /* the actor's */
	int64_t     seat_limit; /* -1: none */
};

/*
 * GET /websites: the websites the acting token reaches (its user's
 * memberships, cut by its allowlist).  The array is owned by op->a.
 */
enum rerr website_list(struct op *, struct website_info **, size_t *);
/*
 * Creates a website with its owner (created if unknown).  seats < 0: no
 * limit.  Writes the id into id[ID_LEN + 1].
 */
enum rerr website_create(struct op *, const char *domain, const char *name,
    const char *owner_email, long seats, char *id);

#endif
