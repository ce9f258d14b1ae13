/*
 * Invitations: created by a website's owner for an email, accepted through
 * a link.  The link's token is shown only when made (create, resend) and
 * stored only as a hash.
 */
#ifndef ROSTER_INVITE_H
#define ROSTER_INVITE_H

#include <stddef.h>
#include <stdint.h>

#include "roster/err.h"

struct op;

struct invitation {
	const char *id;
	const char *email;
	const char *role;
	const char *invited_by;    /* user id, may be NULL */
	const char *inviter_email; /* may be NULL */
	int64_t     created_at;
	int64_t     expires_at;
	int         expired;
	const char *link; /* create and resend only, else NULL */
};

/*
 * POST /websites/{id}/team: email is raw input (trimmed and lowercased
 * here); role NULL means viewer.  400 (field), 403 seat limit, 409 member
 * or pending.  The acting user is op->actor; seat_limit from the actor's
 * resolution of the website (-1: none).
 */
enum rerr invite_create(struct op *, const char *site, int64_t seat_limit,
    const char *email, size_t email_len, const char *role, struct invitation *);
/* Pending and expired invitations, oldest first; owned by op->a. */
enum rerr invite_list(struct op *, const char *site, struct invitation **,
    size_t *);
/* One invitation of the website that is pending or expired; else 404. */
enum rerr invite_get(struct op *, const char *site, const char *id,
    struct invitation *);
/* Revokes; fills the invitation as it was (for dialects that return it). */
enum rerr invite_revoke(struct op *, const char *site, const char *id,
    struct invitation *);
/* A new token and expiry; the old link stops working. */
enum rerr invite_resend(struct op *, const char *site, int64_t seat_limit,
    const char *id, struct invitation *);
/*
 * Changes the role of an invitation that is pending or expired (to
 * "member" or "viewer"; 400 otherwise); fills it as it is now.  404 when
 * it is not open.  The seat count does not change.
 */
enum rerr invite_set_role(struct op *, const char *site, const char *id,
    const char *role, struct invitation *);

/* What the join page shows of an invitation. */
struct invite_view {
	const char *id;
	const char *website_id;
	const char *website_name;
	const char *website_domain;
	const char *email;
	const char *role;
	const char *inviter; /* name or email; may be NULL */
	int64_t     expires_at;
};

struct accepted {
	const char *invitation_id;
	const char *website_id;
	const char *website_name;
	const char *user_id;
	const char *email;
	const char *role;
	int         created; /* the user was created */
};

/*
 * The invitation behind a link, for the join page.  404 unknown token;
 * 410 used, revoked or expired (v is filled as far as known).
 */
enum rerr invite_lookup(struct op *, const char *token, struct invite_view *);
/*
 * Accepts: creates the user if needed, adds the membership with the
 * invited role, marks the invitation accepted — one transaction, so a
 * token works once however many accepts race.  404 unknown token; 410
 * used, revoked or expired; 409 already a member; 403 seat limit.
 */
enum rerr invite_accept(struct op *, const char *token, const char *name,
    struct accepted *);

/*
 * Emails queued by a roster from before links were sealed hold their link
 * in the clear (sql/0006_outbox_sealed.sql): with a seal_key, each gets its
 * link sealed and the mark in its place, in one transaction; *n says how
 * many.  Without one nothing changes: they keep their links until sent or
 * retired.  For `roster migrate`.
 */
enum rerr invite_seal_queued(struct op *, long *n);

#endif
