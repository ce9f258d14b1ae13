/*
 * What only the administrator does: the CLI's reads across every website
 * and its writes that no API route makes.  These run with op->actor NULL
 * (the admin has no credential); writes go through op_tx with their audit
 * row, as the API's do.
 */
#ifndef ROSTER_ADMIN_H
#define ROSTER_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "roster/err.h"
#include "roster/ids.h"

struct op;

/* A website as the administrator sees it. */
struct site_admin {
	const char *id;
	const char *domain;
	const char *name;
	int64_t     seat_limit; /* -1: none */
	int64_t     created_at;
	const char *owner_id;    /* NULL: no owner (never, unless edited) */
	const char *owner_email; /* NULL likewise */
	int64_t     members;     /* the owner included */
	int64_t     pending;     /* pending, unexpired invitations */
};

/* Every website, oldest first; the array is owned by op->a. */
enum rerr admin_website_list(struct op *, struct site_admin **, size_t *);
/* One website; 404 when there is none of that id. */
enum rerr admin_website_get(struct op *, const char *site, struct site_admin *);
/*
 * Deletes a website and everything that hangs off it in one transaction:
 * its members, invitations and their unsent emails, its API keys
 * (revoked) and its place in tokens' allowlists; the audit row
 * `website.delete` stays.  Fills out with the website as it was.  404 when
 * there is none of that id.
 */
enum rerr admin_website_delete(struct op *, const char *site,
    struct site_admin *out);

/*
 * The user with this email (raw input, normalised here) into
 * id[ID_LEN + 1]: 400 for an address that is not one, 404 for nobody.
 */
enum rerr admin_user_find(struct op *, const char *email, char *id);

/*
 * The user with this normalised email, made if there is none (name may be
 * NULL), in its own transaction with an audit row `user.create` when made:
 * the CLI's `user create` and `token create --create-user`.  user_ensure()
 * is the same inside a larger write.
 */
enum rerr admin_user_ensure(struct op *, const char *email, const char *name,
    char *id, int *created);

/* An invitation email not sent yet. */
struct outbox_mail {
	const char *id;
	const char *invitation_id;
	const char *website_id;
	const char *to;
	const char *subject;
	const char *link; /* the invite link it carries; NULL if not found */
	int64_t     attempts;
	const char *last_error; /* NULL: none */
	int64_t     created_at;
};

/*
 * The emails waiting to be sent (of one website, or of all when site is
 * NULL), oldest first, with their links opened with seal_key (the
 * configuration's): what an admin hands over by hand on a machine without
 * mail.  Owned by op->a.
 */
enum rerr admin_outbox_list(struct op *, const char *site, const char *seal_key,
    struct outbox_mail **, size_t *);

#endif
