/*
 * The invitation email: subject, a plain-text part and an HTML part, and a
 * Message-ID that stays the same across delivery retries.
 *
 * The parts are stored in the outbox without the invitation link: where it
 * goes they hold INVITE_EMAIL_LINK_MARK, and the sender puts the link there
 * (invite_email_fill()) when it sends, from the sealed copy the outbox row
 * keeps (include/roster/secret.h).  So the stored email is no way into the
 * team.  The mark holds a control character that no value of the email can
 * hold (the composer blanks them), so it cannot be forged by a name.
 */
#ifndef ROSTER_INVITE_EMAIL_H
#define ROSTER_INVITE_EMAIL_H

#include <stdint.h>

struct arena;

#define INVITE_EMAIL_LINK_MARK \
	"\x1a" \
	"invitation link" \
	"\x1a"

struct invite_email {
	const char *website_name;
	const char *website_domain;
	const char *role;
	const char *inviter;    /* name or email; may be NULL */
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

/*
 * Composes the invitation email into arena memory, with the mark where the
 * link goes.
 */
void invite_email_compose(struct arena *, const struct invite_email *,
    struct mail *);
/*
 * A part with the link in place of every mark, HTML-escaped for the HTML
 * part (html 1); a copy in arena memory.  A part without a mark (an email
 * queued before links were sealed) comes back as it is.
 */
char *invite_email_fill(struct arena *, const char *part, const char *link,
    int html);
/* 1 when a part holds the mark, i.e. needs a link before it is sent. */
int invite_email_wants_link(const char *part);
/*
 * The link in the plain part of an email queued with its link in it (as
 * roster wrote them before links were sealed); a copy in arena memory, or
 * NULL when there is none (a mark is no link).
 */
char *invite_email_link(struct arena *, const char *text);

#endif
