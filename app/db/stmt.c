/*
 * All SQL that runs with data, in one table (see include/roster/stmt.h).
 * Parameters are bound, never pasted.  Times are milliseconds passed in by
 * the caller, so "now" is the application's, the same on every node.
 *
 * Each entry names how many columns the statement returns: the __MAX of its
 * column enum in include/roster/stmt.h, 0 for a statement that returns no
 * rows.  The database layer compares it with the field count the server
 * reports when it prepares the statement, and aborts on a difference.
 * Statements that return the same columns share one select list, written
 * once below as a macro, so that their column enum holds for both.
 */
#include <stddef.h>

#include "roster/stmt.h"

struct stmt_def {
	unsigned    ncols;
	const char *sql;
};

/* The select list of STMT_AUTH and STMT_AUTH_OWN (enum auth_col). */
#define AUTH_SELECT \
	"SELECT c.id, c.kind, c.user_id, c.website_id, c.perms, c.scoped," \
	" c.token_hash, w.id, w.seat_limit, m.role, u.email," \
	" (SELECT COUNT(*) FROM credential_websites cw" \
	"   WHERE cw.credential_id = c.id AND cw.website_id = w.id)," \
	" u.name, w.name, w.domain, w.team_gen" \
	" FROM credentials c"

/*
 * What follows the website's join in both: the user's role there, the
 * user, and the credential found by its hash.
 */
#define AUTH_REST \
	" LEFT JOIN members m ON m.website_id = w.id" \
	" AND m.user_id = c.user_id" \
	" LEFT JOIN users u ON u.id = c.user_id" \
	" WHERE c.token_hash = ? AND c.revoked_at IS NULL"

/* STMT_TEAM_FIRST and STMT_TEAM_AFTER (enum team_col). */
#define TEAM_SELECT \
	"SELECT m.user_id, u.name, u.email, u.image, m.role, m.joined_at," \
	" m.sort_rank, w.team_gen" \
	" FROM members m JOIN users u ON u.id = m.user_id" \
	" JOIN websites w ON w.id = m.website_id"

/*
 * STMT_INVITE_LIST's columns (enum invite_col); STMT_INVITE_GET adds the
 * status after them.
 */
#define INVITE_COLUMNS \
	"SELECT i.id, i.email, i.role, i.created_at, i.expires_at," \
	" i.invited_by, u.email"
#define INVITE_FROM \
	" FROM invitations i LEFT JOIN users u ON u.id = i.invited_by"

/*
 * An email row done with (sent, given up or retired) keeps no way into the
 * team: its sealed link goes, and so does a link written into its parts by
 * a roster from before links were sealed (sql/0006_outbox_sealed.sql).
 */
#define LINK_REMOVED(part) \
	"REGEXP_REPLACE(" part ", 'join[?]token=[-A-Za-z0-9_]+'," \
	" 'join (link removed)')"
#define OUTBOX_FORGET_LINK \
	" link_sealed = NULL," \
	" body_text = " LINK_REMOVED( \
	    "body_text") "," \
			 " body_html = " LINK_REMOVED("body_html")

/* STMT_USER_GET and STMT_WEBSITE_OWNER (enum user_col). */
#define USER_SELECT \
	"SELECT u.id, u.name, u.email, u.image, u.created_at FROM users u"

/* STMT_KEY_LIST and STMT_KEY_GET (enum key_list_col). */
#define KEY_SELECT \
	"SELECT id, name, display_key, created_at, created_by, last_used_at" \
	" FROM credentials"

/* STMT_AUDIT_LIST and STMT_AUDIT_LIST_USER (enum audit_col). */
#define AUDIT_SELECT \
	"SELECT id, created_at, website_id, user_id, credential_id, action," \
	" target, request_id FROM audit_log"

/*
 * STMT_WEBSITES_ALL and STMT_WEBSITE_SHOW (enum site_admin_col): a website
 * as the administrator sees it, with its owner and its head counts.
 * Params: now (for pending invitations), then the statement's own.
 */
#define SITE_ADMIN_SELECT \
	"SELECT w.id, w.domain, w.name, w.seat_limit, w.created_at," \
	" o.user_id, u.email," \
	" (SELECT COUNT(*) FROM members m WHERE m.website_id = w.id)," \
	" (SELECT COUNT(*) FROM invitations i WHERE i.website_id = w.id" \
	"   AND i.status = 'pending' AND i.expires_at > ?)" \
	" FROM websites w" \
	" LEFT JOIN members o ON o.website_id = w.id AND o.role = 'owner'" \
	" LEFT JOIN users u ON u.id = o.user_id"

/* clang-format off */
static const struct stmt_def stmts[STMT__MAX] = {
[STMT_PING] = { PING_C__MAX, "SELECT 1" },

/*
 * Authentication and authorisation in one round trip: the credential by
 * hash, the website named by the path (if any), the credential's user's
 * role there, and whether the token's allowlist holds it.
 * Params: website id ('' when the route names none), token hash.
 */
[STMT_AUTH] = { AUTH_C__MAX,
	AUTH_SELECT
	" LEFT JOIN websites w ON w.id = ?"
	AUTH_REST },

/*
 * The same round trip for routes whose website is the credential's own
 * (the DatoCMS dialect, where a token belongs to one site): a key's
 * website, or the website of a token whose allowlist holds exactly one
 * (the subquery is on the credential_websites primary key).  No such
 * website: w.id is NULL.  Params: token hash.
 */
[STMT_AUTH_OWN] = { AUTH_C__MAX,
	AUTH_SELECT
	" LEFT JOIN websites w ON w.id = IF(c.kind = 'key', c.website_id,"
	"  (SELECT MIN(cw.website_id) FROM credential_websites cw"
	"    WHERE cw.credential_id = c.id HAVING COUNT(*) = 1))"
	AUTH_REST },

/*
 * What a cached resolution of a credential (app/core/auth.c) must still match:
 * the website's team generation.  Only resolutions of a member of the
 * website are cached, and every change that could alter one bumps the
 * generation of the websites it holds for: a membership or a member's
 * name changing, and the credential being revoked (cred.c).  The rest of
 * a resolution never changes once written.  One primary-key read of one
 * table: measured, the two-table form cost a fifth of a cached list's
 * throughput (README, Performance).  Params: website id.
 */
[STMT_AUTH_CHECK] = { AUTH_CHECK_C__MAX,
	"SELECT team_gen FROM websites WHERE id = ?" },

/* A token's website allowlist.  Params: credential id. */
[STMT_CRED_WEBSITES] = { CRED_WEBSITES_C__MAX,
	"SELECT website_id FROM credential_websites WHERE credential_id = ?"
	" ORDER BY website_id" },

/*
 * The websites a user's token reaches.  Params: user id, scoped (0/1),
 * credential id.
 */
[STMT_WEBSITES_OF_USER] = { WEBSITES_OF_USER_C__MAX,
	"SELECT w.id, w.domain, w.name, m.role, w.seat_limit, w.timezone"
	" FROM members m JOIN websites w ON w.id = m.website_id"
	" WHERE m.user_id = ? AND (? = 0 OR EXISTS (SELECT 1"
	"   FROM credential_websites cw WHERE cw.credential_id = ?"
	"   AND cw.website_id = w.id))"
	" ORDER BY w.created_at, w.id" },

[STMT_WEBSITE_GET] = { WEBSITE_GET_C__MAX,
	"SELECT id, domain, name, seat_limit, timezone, allowed_email_domains,"
	" accept_redirect_url, owner_id, created_at FROM websites WHERE id = ?" },

/*
 * A second website of one owner with one domain breaks
 * websites_owner_domain: 1062, the 409 of POST /websites.
 * Params: id, domain, name, timezone, seat limit, owner id, created.
 */
[STMT_WEBSITE_INSERT] = { 0,
	"INSERT INTO websites (id, domain, name, timezone, seat_limit,"
	" owner_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)" },

/*
 * The settings PUT /websites/{id} names; a NULL text, or a flag of 0,
 * keeps a setting as it is (the three the flags guard may be set to
 * NULL).  Counts matched rows (FOUND_ROWS).  Params: domain, name,
 * timezone, set seat limit?, seat limit, set email domains?, email
 * domains, set redirect?, redirect URL, website id.
 */
[STMT_WEBSITE_UPDATE] = { 0,
	"UPDATE websites SET domain = COALESCE(?, domain),"
	" name = COALESCE(?, name), timezone = COALESCE(?, timezone),"
	" seat_limit = IF(?, ?, seat_limit),"
	" allowed_email_domains = IF(?, ?, allowed_email_domains),"
	" accept_redirect_url = IF(?, ?, accept_redirect_url)"
	" WHERE id = ?" },

/*
 * Serialises the writes of one website that count something against a
 * limit (seats, website keys): the row lock does it on one server, and the
 * write makes two such transactions on different Galera nodes conflict at
 * certification.  Params: website id.
 */
[STMT_WEBSITE_LOCK] = { 0,
	"UPDATE websites SET seat_seq = seat_seq + 1 WHERE id = ?" },

/*
 * Every change to a website's members, and to what its team list shows of
 * them, bumps team_gen in the same transaction (team_changed()): cached
 * pages and resolutions of the website are then read afresh.  It also
 * locks the website row, so take it before touching members.
 * Params: website id.
 */
[STMT_TEAM_TOUCH] = { 0,
	"UPDATE websites SET team_gen = team_gen + 1 WHERE id = ?" },

/* The same for every website a user is a member of.  Params: user id. */
[STMT_TEAM_TOUCH_USER] = { 0,
	"UPDATE websites w JOIN members m ON m.website_id = w.id"
	" SET w.team_gen = w.team_gen + 1 WHERE m.user_id = ?" },

/*
 * Seats taken: members plus unexpired pending invitations other than the
 * one named.  Params: website id, website id, now, invitation id or ''.
 */
[STMT_SEATS_USED] = { SEATS_USED_C__MAX,
	"SELECT (SELECT COUNT(*) FROM members WHERE website_id = ?)"
	" + (SELECT COUNT(*) FROM invitations WHERE website_id = ?"
	"    AND status = 'pending' AND expires_at > ? AND id <> ?)" },

/* A locking read: it sees a row committed after our snapshot. */
[STMT_USER_BY_EMAIL] = { USER_BY_EMAIL_C__MAX,
	"SELECT id, name FROM users WHERE email = ? LOCK IN SHARE MODE" },

[STMT_USER_INSERT] = { 0,
	"INSERT INTO users (id, email, name, created_at) VALUES (?, ?, ?, ?)" },

/* GET /account.  Params: user id. */
[STMT_USER_GET] = { USER_C__MAX,
	USER_SELECT " WHERE u.id = ?" },

/* PUT /account: the user's own choice, NULL clears it.  Params: name, id. */
[STMT_USER_RENAME] = { 0,
	"UPDATE users SET name = ? WHERE id = ?" },

/*
 * The account a website key acts for (GET /account with a df_ key): the
 * website's owner.  Params: website id.
 */
[STMT_WEBSITE_OWNER] = { USER_C__MAX,
	USER_SELECT " JOIN members m ON m.user_id = u.id"
	" WHERE m.website_id = ? AND m.role = 'owner'" },

/* Params: website id, user id. */
[STMT_MEMBER_OF] = { MEMBER_OF_C__MAX,
	"SELECT role FROM members WHERE website_id = ? AND user_id = ?" },

/* Params: website id, user id, role, joined at. */
[STMT_MEMBER_INSERT] = { 0,
	"INSERT INTO members (website_id, user_id, role, joined_at)"
	" VALUES (?, ?, ?, ?)" },

/* The owner is never deleted here.  Params: website id, user id. */
[STMT_MEMBER_DELETE] = { 0,
	"DELETE FROM members WHERE website_id = ? AND user_id = ?"
	" AND role <> 'owner'" },

/* Params: role, website id, user id.  Counts matched rows (FOUND_ROWS). */
[STMT_MEMBER_SET_ROLE] = { 0,
	"UPDATE members SET role = ? WHERE website_id = ? AND user_id = ?"
	" AND role <> 'owner'" },

[STMT_MEMBER_ROLE] = { MEMBER_ROLE_C__MAX,
	"SELECT m.role, u.name, u.email, u.image, m.joined_at"
	" FROM members m JOIN users u ON u.id = m.user_id"
	" WHERE m.website_id = ? AND m.user_id = ?" },

/*
 * A locking read: an accept of the same email that is adding the
 * membership right now makes the invite wait and then see the member,
 * instead of inviting someone who just joined.  Params: website id, email.
 */
[STMT_MEMBER_BY_EMAIL] = { MEMBER_BY_EMAIL_C__MAX,
	"SELECT m.user_id FROM users u JOIN members m"
	" ON m.user_id = u.id AND m.website_id = ? WHERE u.email = ?"
	" LOCK IN SHARE MODE" },

/*
 * The team in list order: owner first, then by joined_at (user id breaks
 * ties).  Keyset pagination on the members_list index, so a middle page
 * costs what the first does.  The website's team_gen comes with every row,
 * read in the same snapshot as the page: what a cached page is valid for.
 * Params: website id, limit.
 */
[STMT_TEAM_FIRST] = { TEAM_C__MAX,
	TEAM_SELECT
	" WHERE m.website_id = ?"
	" ORDER BY m.sort_rank, m.joined_at, m.user_id LIMIT ?" },

/* Params: website id, rank, rank, joined, joined, user id, limit. */
[STMT_TEAM_AFTER] = { TEAM_C__MAX,
	TEAM_SELECT
	" WHERE m.website_id = ? AND (m.sort_rank > ? OR (m.sort_rank = ?"
	"  AND (m.joined_at > ? OR (m.joined_at = ? AND m.user_id > ?))))"
	" ORDER BY m.sort_rank, m.joined_at, m.user_id LIMIT ?" },

/*
 * A pending invitation past its expiry stops holding the one-pending slot,
 * so that an expired invitation never blocks a new one.
 * Params: website id, email, now.
 */
[STMT_INVITE_EXPIRE_STALE] = { 0,
	"UPDATE invitations SET status = 'expired' WHERE website_id = ?"
	" AND email = ? AND status = 'pending' AND expires_at <= ?" },

/* Params: id, website, email, role, token hash, invited by, created, expires. */
[STMT_INVITE_INSERT] = { 0,
	"INSERT INTO invitations (id, website_id, email, role, token_hash,"
	" status, invited_by, created_at, expires_at)"
	" VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)" },

/* Pending and expired, not accepted or revoked.  Params: website id. */
[STMT_INVITE_LIST] = { INVITE_C__MAX,
	INVITE_COLUMNS
	INVITE_FROM
	" WHERE i.website_id = ? AND i.status IN ('pending', 'expired')"
	" ORDER BY i.created_at, i.id" },

/* Params: invitation id, website id. */
[STMT_INVITE_GET] = { INVITE_GET_C__MAX,
	INVITE_COLUMNS ", i.status"
	INVITE_FROM
	" WHERE i.id = ? AND i.website_id = ?" },

/* Params: invitation id, website id. */
[STMT_INVITE_REVOKE] = { 0,
	"UPDATE invitations SET status = 'revoked' WHERE id = ?"
	" AND website_id = ? AND status IN ('pending', 'expired')" },

/*
 * A new token and expiry; the old hash is overwritten, so the old link
 * stops working in the same statement.
 * Params: token hash, expires, invitation id, website id.
 */
[STMT_INVITE_RESEND] = { 0,
	"UPDATE invitations SET token_hash = ?, expires_at = ?,"
	" status = 'pending' WHERE id = ? AND website_id = ?"
	" AND status IN ('pending', 'expired')" },

/* Params: role, invitation id, website id. */
[STMT_INVITE_SET_ROLE] = { 0,
	"UPDATE invitations SET role = ? WHERE id = ? AND website_id = ?"
	" AND status IN ('pending', 'expired')" },

/* The join page's view of an invitation.  Params: token hash. */
[STMT_INVITE_BY_TOKEN] = { INVITE_BY_TOKEN_C__MAX,
	"SELECT i.id, i.website_id, i.email, i.role, i.status, i.expires_at,"
	" w.name, w.domain, COALESCE(u.name, u.email)"
	" FROM invitations i JOIN websites w ON w.id = i.website_id"
	" LEFT JOIN users u ON u.id = i.invited_by"
	" WHERE i.token_hash = ?" },

/*
 * The invitation an accept works on, locked: a second accept of the same
 * token waits here and then sees it accepted.  Params: token hash.
 */
[STMT_INVITE_BY_TOKEN_LOCK] = { INVITE_BY_TOKEN_LOCK_C__MAX,
	"SELECT i.id, i.website_id, i.email, i.role, i.status, i.expires_at,"
	" w.seat_limit, w.name"
	" FROM invitations i JOIN websites w ON w.id = i.website_id"
	" WHERE i.token_hash = ? FOR UPDATE" },

/*
 * The single-use compare-and-set: the status test and the write are one
 * statement, so of two accepts racing on one token exactly one matches.
 * Params: user id, now, invitation id, now.
 */
[STMT_INVITE_MARK_ACCEPTED] = { 0,
	"UPDATE invitations SET status = 'accepted', accepted_by = ?,"
	" accepted_at = ? WHERE id = ? AND status = 'pending'"
	" AND expires_at > ?" },

/*
 * The parts hold a mark where the link goes; the link itself is sealed
 * (NULL without a seal_key).  Params: id, invitation, website, to,
 * subject, text, html, sealed link, message id, next attempt, created.
 */
[STMT_OUTBOX_INSERT] = { 0,
	"INSERT INTO outbox (id, invitation_id, website_id, to_email, subject,"
	" body_text, body_html, link_sealed, message_id, next_attempt,"
	" created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" },

/*
 * The newest email of an invitation not sent yet, locked: a role change
 * writes it again.  Params: invitation id.
 */
[STMT_OUTBOX_QUEUED] = { OUTBOX_QUEUED_C__MAX,
	"SELECT body_text, link_sealed FROM outbox WHERE invitation_id = ?"
	" AND status = 'pending' ORDER BY created_at DESC, id DESC LIMIT 1"
	" FOR UPDATE" },

/*
 * Emails queued by a roster from before links were sealed, their links in
 * the clear, for `roster migrate` to seal (invite_seal_queued()).
 */
[STMT_OUTBOX_CLEAR_LINKS] = { OUTBOX_CLEAR_LINKS_C__MAX,
	"SELECT id, invitation_id, body_text FROM outbox"
	" WHERE status = 'pending' AND link_sealed IS NULL"
	" AND body_text LIKE '%join?token=%' FOR UPDATE" },

/*
 * Params: sealed link, link, mark, link as HTML, mark, id.
 */
[STMT_OUTBOX_SEAL_LINK] = { 0,
	"UPDATE outbox SET link_sealed = ?, body_text = REPLACE(body_text, ?, ?),"
	" body_html = REPLACE(body_html, ?, ?)"
	" WHERE id = ? AND status = 'pending' AND link_sealed IS NULL" },

/*
 * The unsent email of an invitation that was revoked, resent, accepted or
 * given a new role must not go out with a dead link (or the old role):
 * retired, not failed, so that 'failed' counts only what could not be
 * delivered.  Params: reason, invitation id.
 */
[STMT_OUTBOX_SUPERSEDE] = { 0,
	"UPDATE outbox SET status = 'retired', last_error = ?,"
	OUTBOX_FORGET_LINK
	" WHERE invitation_id = ? AND status = 'pending'" },

/*
 * Claims due messages for one sender; an expired claim (a sender that
 * died) is taken over.  Params: sender, claimed until, now, now, batch.
 */
[STMT_OUTBOX_CLAIM] = { 0,
	"UPDATE outbox SET claimed_by = ?, claimed_until = ?"
	" WHERE status = 'pending' AND next_attempt <= ?"
	" AND (claimed_until IS NULL OR claimed_until < ?)"
	" ORDER BY next_attempt LIMIT ?" },

/*
 * What the sender just claimed, whose invitation can no longer be
 * accepted (accepted, revoked, expired, or gone), is retired, not sent:
 * after an outage, nobody gets a dead link.  The writes that close an
 * invitation retire its email themselves where they can; expiry has no
 * write, so this is where its email stops.  Params: now, sender.
 */
[STMT_OUTBOX_RETIRE_CLOSED] = { 0,
	"UPDATE outbox o LEFT JOIN invitations i ON i.id = o.invitation_id"
	" SET o.status = 'retired', o.claimed_by = NULL,"
	" o.claimed_until = NULL, o.last_error = IF(i.id IS NULL,"
	"  'invitation gone', CONCAT('invitation ',"
	"  IF(i.status = 'pending', 'expired', i.status))),"
	OUTBOX_FORGET_LINK
	" WHERE o.claimed_by = ? AND o.status = 'pending'"
	" AND (i.id IS NULL OR i.status <> 'pending' OR i.expires_at <= ?)" },

/* Params: sender. */
[STMT_OUTBOX_CLAIMED] = { OUTBOX_CLAIMED_C__MAX,
	"SELECT id, invitation_id, to_email, subject, body_text, body_html,"
	" link_sealed, message_id, attempts FROM outbox WHERE claimed_by = ?"
	" AND status = 'pending' ORDER BY next_attempt" },

/* Params: now, id, sender. */
[STMT_OUTBOX_SENT] = { 0,
	"UPDATE outbox SET status = 'sent', sent_at = ?,"
	" attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL,"
	OUTBOX_FORGET_LINK
	" WHERE id = ? AND claimed_by = ?" },

/*
 * Assignments run left to right in MariaDB, so status sees the new
 * attempts, and what follows it the new status.  A message retired
 * meanwhile (its invitation revoked or resent) stays retired.  Params:
 * next attempt, error, max attempts (0: fail now), id, sender.
 */
[STMT_OUTBOX_RETRY] = { 0,
	"UPDATE outbox SET attempts = attempts + 1, next_attempt = ?,"
	" last_error = ?, claimed_by = NULL, claimed_until = NULL,"
	" status = IF(attempts >= ?, 'failed', 'pending'),"
	" link_sealed = IF(status = 'failed', NULL, link_sealed),"
	" body_text = IF(status = 'failed', " LINK_REMOVED("body_text") ","
	"  body_text),"
	" body_html = IF(status = 'failed', " LINK_REMOVED("body_html") ","
	"  body_html)"
	" WHERE id = ? AND claimed_by = ? AND status = 'pending'" },

/*
 * /metrics: what waits, what was given up, and since when the oldest has
 * waited; each on the outbox_age index (status, created_at), so one
 * statement reads three index ranges and no row.  Params: none.
 */
[STMT_OUTBOX_STATS] = { OUTBOX_STATS_C__MAX,
	"SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending'),"
	" (SELECT COUNT(*) FROM outbox WHERE status = 'failed'),"
	" (SELECT MIN(created_at) FROM outbox WHERE status = 'pending')" },

/* Params: user id. */
[STMT_TOKEN_LIST] = { TOKEN_LIST_C__MAX,
	"SELECT id, name, display_key, perms, scoped, created_at, last_used_at"
	" FROM credentials WHERE user_id = ? AND kind = 'token'"
	" AND revoked_at IS NULL ORDER BY created_at, id" },

/* Allowlists of a user's live tokens.  Params: user id. */
[STMT_TOKEN_LIST_SITES] = { TOKEN_LIST_SITES_C__MAX,
	"SELECT cw.credential_id, cw.website_id FROM credential_websites cw"
	" JOIN credentials c ON c.id = cw.credential_id"
	" WHERE c.user_id = ? AND c.kind = 'token' AND c.revoked_at IS NULL"
	" ORDER BY cw.website_id" },

/* Params: website id. */
[STMT_KEY_LIST] = { KEY_LIST_C__MAX,
	KEY_SELECT
	" WHERE website_id = ? AND kind = 'key' AND revoked_at IS NULL"
	" ORDER BY created_at, id" },

/* One live key, as the list shows it.  Params: key id, website id. */
[STMT_KEY_GET] = { KEY_LIST_C__MAX,
	KEY_SELECT
	" WHERE id = ? AND website_id = ? AND kind = 'key'"
	" AND revoked_at IS NULL" },

/*
 * The live keys of a website, counted under the website's row lock
 * (STMT_WEBSITE_LOCK) against the limit of 10.  Params: website id.
 */
[STMT_KEY_COUNT] = { KEY_COUNT_C__MAX,
	"SELECT COUNT(*) FROM credentials"
	" WHERE website_id = ? AND kind = 'key' AND revoked_at IS NULL" },

/*
 * Params: id, kind, hash, user id, website id, created by, name, display
 * key, perms, scoped, created.
 */
[STMT_CRED_INSERT] = { 0,
	"INSERT INTO credentials (id, kind, token_hash, user_id, website_id,"
	" created_by, name, display_key, perms, scoped, created_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" },

[STMT_CRED_SITE_INSERT] = { 0,
	"INSERT INTO credential_websites (credential_id, website_id)"
	" VALUES (?, ?)" },

/*
 * lastUsedAt, written between requests by each worker at most once a
 * minute per credential (app/core/usage.c); never moved back by a worker
 * that writes late.  Params: used at, credential id, used at.
 */
[STMT_CRED_TOUCH] = { 0,
	"UPDATE credentials SET last_used_at = ? WHERE id = ?"
	" AND (last_used_at IS NULL OR last_used_at < ?)" },

/* Params: now, token id, user id. */
[STMT_TOKEN_REVOKE] = { 0,
	"UPDATE credentials SET revoked_at = ? WHERE id = ? AND user_id = ?"
	" AND kind = 'token' AND revoked_at IS NULL" },

/* Params: now, key id, website id. */
[STMT_KEY_REVOKE] = { 0,
	"UPDATE credentials SET revoked_at = ? WHERE id = ? AND website_id = ?"
	" AND kind = 'key' AND revoked_at IS NULL" },

/*
 * Roll: a new secret for the same record, the old hash gone in the same
 * statement.  Params: hash, display key, key id, website id.
 */
[STMT_KEY_ROLL] = { 0,
	"UPDATE credentials SET token_hash = ?, display_key = ?"
	" WHERE id = ? AND website_id = ? AND kind = 'key'"
	" AND revoked_at IS NULL" },

/*
 * The live keys a user made on a website, locked: what their removal, their
 * leaving or their becoming a viewer revokes.  Params: website id, user id.
 */
[STMT_KEYS_OF_CREATOR] = { KEYS_OF_CREATOR_C__MAX,
	"SELECT id FROM credentials WHERE website_id = ? AND created_by = ?"
	" AND kind = 'key' AND revoked_at IS NULL ORDER BY id FOR UPDATE" },

/* Params: now, website id, user id. */
[STMT_KEYS_REVOKE_CREATOR] = { 0,
	"UPDATE credentials SET revoked_at = ? WHERE website_id = ?"
	" AND created_by = ? AND kind = 'key' AND revoked_at IS NULL" },

/*
 * Params: id, at, website, user, credential, action, target, request id.
 */
[STMT_AUDIT_INSERT] = { 0,
	"INSERT INTO audit_log (id, created_at, website_id, user_id,"
	" credential_id, action, target, request_id)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?)" },

/* `roster audit`.  Params: website id, since (ms). */
[STMT_AUDIT_LIST] = { AUDIT_C__MAX,
	AUDIT_SELECT
	" WHERE website_id = ? AND created_at >= ?"
	" ORDER BY created_at, id" },

/* The entries of one acting user.  Params: user id, since. */
[STMT_AUDIT_LIST_USER] = { AUDIT_C__MAX,
	AUDIT_SELECT
	" WHERE user_id = ? AND created_at >= ?"
	" ORDER BY created_at, id" },

/*
 * One round trip counts a hit and returns the window's count: the new count
 * travels back as LAST_INSERT_ID (0 for a fresh row, meaning 1).
 * Params: key, window start.
 */
[STMT_RATE_HIT] = { 0,
	"INSERT INTO rate_windows (rkey, window_start, hits) VALUES (?, ?, 1)"
	" ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(hits + 1)" },

/* Params: oldest window to keep. */
[STMT_RATE_GC] = { 0,
	"DELETE FROM rate_windows WHERE window_start < ? LIMIT 1000" },

/* A record past its 24 hours frees the key.  Params: cred, key hash, cutoff. */
[STMT_IDEM_DROP_OLD] = { 0,
	"DELETE FROM idempotency WHERE credential_id = ? AND key_hash = ?"
	" AND created_at <= ?" },

/*
 * Locking read: a concurrent request with the same key waits for this
 * one's transaction and then finds its record.  Params: cred, key hash.
 */
[STMT_IDEM_GET] = { IDEM_GET_C__MAX,
	"SELECT request_hash, status, content_type, body FROM idempotency"
	" WHERE credential_id = ? AND key_hash = ? FOR UPDATE" },

/* Params: cred, key hash, request hash, status, content type, body, at. */
[STMT_IDEM_PUT] = { 0,
	"INSERT INTO idempotency (credential_id, key_hash, request_hash,"
	" status, content_type, body, created_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)" },

/* Params: cutoff. */
[STMT_IDEM_GC] = { 0,
	"DELETE FROM idempotency WHERE created_at < ? LIMIT 1000" },

/* One migrator at a time.  Params: none. */
[STMT_MIGRATION_LOCK] = { MIGRATION_LOCK_C__MAX,
	"SELECT GET_LOCK('roster.migrate', 60)" },

[STMT_MIGRATION_APPLIED] = { MIGRATION_APPLIED_C__MAX,
	"SELECT version FROM schema_version ORDER BY version" },

[STMT_MIGRATION_RECORD] = { 0,
	"INSERT INTO schema_version (version, name, applied_at)"
	" VALUES (?, ?, ?)" },

/*
 * Whether the database has been migrated at all: asked before
 * STMT_MIGRATION_APPLIED, which cannot be prepared without its table.
 */
[STMT_SCHEMA_TABLE] = { SCHEMA_TABLE_C__MAX,
	"SELECT COUNT(*) FROM information_schema.TABLES"
	" WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_version'" },

/* `roster website list`.  Params: now. */
[STMT_WEBSITES_ALL] = { SITE_ADMIN_C__MAX,
	SITE_ADMIN_SELECT
	" ORDER BY w.created_at, w.id" },

/* `roster website show`.  Params: now, website id. */
[STMT_WEBSITE_SHOW] = { SITE_ADMIN_C__MAX,
	SITE_ADMIN_SELECT
	" WHERE w.id = ?" },

/* The user of a live token, for the CLI's revoke.  Params: token id. */
[STMT_TOKEN_OWNER] = { TOKEN_OWNER_C__MAX,
	"SELECT user_id FROM credentials WHERE id = ? AND kind = 'token'"
	" AND revoked_at IS NULL" },

/*
 * Deleting a website (`roster website delete`), in one transaction: what
 * hangs off it goes first, the website row last.  Audit rows stay: they
 * are the record of what happened.  Params: website id, except where said.
 */
[STMT_WEBSITE_DROP_OUTBOX] = { 0,
	"DELETE FROM outbox WHERE website_id = ?" },
[STMT_WEBSITE_DROP_INVITES] = { 0,
	"DELETE FROM invitations WHERE website_id = ?" },
[STMT_WEBSITE_DROP_MEMBERS] = { 0,
	"DELETE FROM members WHERE website_id = ?" },
/* Keys are revoked, as one by one.  Params: now, website id. */
[STMT_WEBSITE_DROP_KEYS] = { 0,
	"UPDATE credentials SET revoked_at = ? WHERE website_id = ?"
	" AND kind = 'key' AND revoked_at IS NULL" },
/*
 * Tokens' allowlists lose the website; a token whose list empties keeps
 * scoped = 1 and so reaches nothing, never every website.
 */
[STMT_WEBSITE_DROP_CRED_SITES] = { 0,
	"DELETE FROM credential_websites WHERE website_id = ?" },
[STMT_WEBSITE_DROP] = { 0,
	"DELETE FROM websites WHERE id = ?" },

/*
 * `roster outbox list`: the emails not sent yet, oldest first.  Params:
 * website id or '' for every website.
 */
[STMT_OUTBOX_PENDING] = { OUTBOX_PENDING_C__MAX,
	"SELECT o.id, o.invitation_id, o.website_id, o.to_email, o.subject,"
	" o.link_sealed, o.attempts, o.last_error, o.created_at FROM outbox o"
	" WHERE o.status = 'pending' AND (? = '' OR o.website_id = ?)"
	" ORDER BY o.created_at, o.id" },
};
/* clang-format on */

const char *
stmt_sql(enum stmt s)
{
	return (unsigned)s < STMT__MAX ? stmts[s].sql : NULL;
}

unsigned
stmt_columns(enum stmt s)
{
	return (unsigned)s < STMT__MAX ? stmts[s].ncols : 0;
}
