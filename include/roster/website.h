/*
 * Websites: the teams' containers, and their settings (GET/POST
 * /websites, GET/PUT /websites/{id}; docs/api-reference.md, "Websites").
 */
#ifndef ROSTER_WEBSITE_H
#define ROSTER_WEBSITE_H

#include <stddef.h>
#include <stdint.h>

#include "roster/err.h"
#include "roster/ids.h"

struct op;

/* The most entries of allowedEmailDomains. */
#define WEBSITE_EMAIL_DOMAINS_MAX 50

struct website_info {
	const char *id;
	const char *domain;
	const char *name;
	const char *role;       /* website_list(): the actor's */
	int64_t     seat_limit; /* -1: none */
	const char *timezone;   /* an IANA name */
	/* website_get() only: */
	const char **email_domains; /* allowedEmailDomains; none: any */
	size_t       n_email_domains;
	const char  *accept_redirect_url; /* NULL: none */
	const char  *owner_id;
	int64_t      created_at;
};

/*
 * What PUT /websites/{id} changes: a NULL text, or a set_* of 0, leaves a
 * setting as it is.
 */
struct website_change {
	const char  *name, *domain, *timezone;
	int          set_seat_limit;
	int64_t      seat_limit; /* -1: none */
	int          set_email_domains;
	const char **email_domains; /* none: any domain */
	size_t       n_email_domains;
	int          set_redirect;
	const char  *accept_redirect_url; /* NULL or "": none */
};

/*
 * GET /websites: the websites the acting token reaches (its user's
 * memberships, cut by its allowlist).  The array is owned by op->a.
 */
enum rerr website_list(struct op *, struct website_info **, size_t *);
/*
 * The CLI's website create: a website with its owner (created if
 * unknown), time zone UTC.  seats < 0: no limit.  Writes the id into
 * id[ID_LEN + 1].  400 domain (host_normalize()), name; 409 when the
 * owner has a website of that domain.
 */
enum rerr website_create(struct op *, const char *domain, const char *name,
    const char *owner_email, long seats, char *id);
/*
 * POST /websites: a website owned by the acting user.  timezone NULL:
 * UTC; name NULL: the domain.  The website as made in *out.  400 domain
 * or timezone (tz_valid()) or name; 409 when the user owns a website of
 * that domain already (a unique key: under any concurrency).
 */
enum rerr website_add(struct op *, const char *domain, const char *timezone,
    const char *name, struct website_info *out);
/* GET /websites/{id}: every setting; 404 when there is no such website. */
enum rerr website_get(struct op *, const char *site, struct website_info *);
/*
 * PUT /websites/{id}: name, domain and timezone by a member or the owner;
 * seat limit, allowed email domains and accept redirect URL by the owner
 * only (403 for anyone else).  400 for a value out of shape, 409 for a
 * domain another website of the owner has.  Cached teams and credential
 * resolutions of the website are read afresh.  The website as it is now
 * in *out.
 */
enum rerr website_update(struct op *, const char       *site,
    const struct website_change *, struct website_info *out);

#endif
