/*
 * The invitation email: subject, a plain-text part and an HTML part, and a
 * Message-ID that stays the same across delivery retries.
 */
#ifndef ROSTER_INVITE_EMAIL_H
#define ROSTER_INVITE_EMAIL_H

#include <stdint.h>

struct arena;

struct invite_email {
	const char *website_name;
	const char *website_domain;
	const char *role;
	const char *inviter; /* name or email; may be NULL */
	const char *link;
	int64_t     expires_at; /* ms */
	const char *outbox_id;  /* makes the Message-ID */
	const char *public_url; /* its host names the Message-ID */
};

struct mail {
	const char *subject;
	const char *text;
	const char *html;
	const char *message_id; /* "<id@host>" */
};

/* Composes the invitation email into arena memory. */
void invite_email_compose(struct arena *, const struct invite_email *,
    struct mail *);
/*
 * The link in the plain part of an email invite_email_compose() wrote (a
 * copy in arena memory), or NULL when text is not one.
 */
char *invite_email_link(struct arena *, const char *text);

#endif
