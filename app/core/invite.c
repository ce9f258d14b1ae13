/*
 * Invitations (API.md "Invite team member", the invitations routes).
 * The invariants live in the schema: UNIQUE(website_id, email,
 * pending_key) allows one pending invitation per email, and the seat check
 * runs under the website's row lock (team_seat_take).
 */
#include <stdio.h>
#include <string.h>

#include "roster/arena.h"
#include "roster/auth.h"
#include "roster/config.h"
#include "roster/db.h"
#include "roster/email_address.h"
#include "roster/html.h"
#include "roster/ids.h"
#include "roster/invite.h"
#include "roster/invite_email.h"
#include "roster/operation.h"
#include "roster/secret.h"
#include "roster/team.h"
#include "roster/utf8.h"
#include "roster/user.h"

static const char *
link_for(struct op *op, const char *token)
{
	return arena_printf(op->a, "%s/join?token=%s", op->cfg->public_url,
	    token);
}

/* A link sealed for an outbox row of the invitation (secret_seal()). */
struct sealed {
	const unsigned char *p; /* NULL: none */
	size_t               n;
};

/*
 * The link sealed under the configuration's seal_key and the invitation's
 * id, in arena memory; none without a seal_key (then nothing can send the
 * email: the sender refuses to start without one).
 */
static struct sealed
seal_link(struct op *op, const char *invitation, const char *link)
{
	struct sealed  s = { NULL, 0 };
	unsigned char *buf;
	size_t         n = strlen(link);

	buf = arena_alloc(op->a, n + SECRET_SEAL_OVERHEAD);
	if (secret_seal(op->cfg->seal_key, link, n, invitation, buf) == 0) {
		s.p = buf;
		s.n = n + SECRET_SEAL_OVERHEAD;
	}
	return s;
}

#define NO_SEAL ((struct sealed){ NULL, 0 })

/*
 * Queues the invitation email in the caller's transaction: the message
 * exists exactly when the invitation (or its resend) commits.  Its parts
 * hold no link, only the mark of where it goes; the link is stored sealed
 * beside them (`sealed`, or v->link sealed here), so that the database and
 * its backups hold no usable link (include/roster/invite_email.h).
 */
static enum rerr
queue_email(struct op *op, const char *site, const struct invitation *v,
    struct sealed sealed)
{
	const struct actor *ac = op->actor;
	struct invite_email in;
	struct mail         m;
	struct dbres        r;
	struct dbp          p[11];
	char                id[ID_LEN + 1];
	int                 rc;

	memset(&in, 0, sizeof(in));
	/* The router's authentication read the website already. */
	if (ac != NULL && ac->site_exists && strcmp(ac->site, site) == 0) {
		in.website_domain = ac->site_domain;
		in.website_name = ac->site_name;
	} else {
		p[0] = DB_STR(site);
		if ((rc = db_exec(op->db, op->a, STMT_WEBSITE_GET, p, 1, &r)))
			return op_db(op, rc);
		if (r.nrows != 1)
			return op_fail(op, RERR_NOT_FOUND, "Website not found");
		in.website_domain = db_cell(&r, 0, WEBSITE_GET_C_DOMAIN);
		in.website_name = db_cell(&r, 0, WEBSITE_GET_C_NAME);
	}
	id_new(id);
	in.role = v->role;
	in.inviter = ac == NULL ? NULL :
	    ac->name[0]         ? ac->name :
	    ac->email[0]        ? ac->email :
				  NULL;
	in.expires_at = v->expires_at;
	in.outbox_id = id;
	in.public_url = op->cfg->public_url;
	invite_email_compose(op->a, &in, &m);
	if (sealed.p == NULL && v->link != NULL)
		sealed = seal_link(op, v->id, v->link);
	p[0] = DB_STR(id);
	p[1] = DB_STR(v->id);
	p[2] = DB_STR(site);
	p[3] = DB_STR(v->email);
	p[4] = DB_STR(m.subject);
	p[5] = DB_STR(m.text);
	p[6] = DB_STR(m.html);
	p[7] = sealed.p != NULL ? DB_BIN(sealed.p, sealed.n) : DB_NULL;
	p[8] = DB_STR(m.message_id);
	p[9] = DB_I64(op->now);
	p[10] = DB_I64(op->now);
	if ((rc = db_exec(op->db, op->a, STMT_OUTBOX_INSERT, p, 11, NULL)))
		return op_db(op, rc);
	return RERR_OK;
}

/*
 * The unsent email of an invitation whose link just died (or whose role
 * changed) stays unsent: retired, and its sealed link forgotten.
 */
static enum rerr
supersede_email(struct op *op, const char *invitation, const char *why)
{
	struct dbp p[2];
	int        rc;

	p[0] = DB_STR(why);
	p[1] = DB_STR(invitation);
	if ((rc = db_exec(op->db, op->a, STMT_OUTBOX_SUPERSEDE, p, 2, NULL)))
		return op_db(op, rc);
	return RERR_OK;
}

/*
 * An email of the invitation still queued names its old role: queue it
 * again with the new one and the same link.  The link lives in that email
 * only, sealed (the invitation keeps its token's hash), so the sealed copy
 * moves to the new row as it is: it is bound to the invitation, not to the
 * row.  An email queued by a roster from before links were sealed has its
 * link in its text, which is sealed now.  An email sent already stays as
 * it was; the join page and the accept use the invitation's current role.
 * A sender that claimed the old email just now may still send it: the
 * later email names the right role.
 */
static enum rerr
requeue_email(struct op *op, const char *site, const struct invitation *v)
{
	struct invitation w = *v;
	struct sealed     sealed = { NULL, 0 };
	struct dbres      r;
	struct dbp        p[1];
	enum rerr         e;
	int               rc;

	p[0] = DB_STR(v->id);
	if ((rc = db_exec(op->db, op->a, STMT_OUTBOX_QUEUED, p, 1, &r)))
		return op_db(op, rc);
	if (r.nrows == 0)
		return RERR_OK;
	w.link = NULL;
	if ((sealed.p = (const unsigned char *)db_cell(&r, 0,
		 OUTBOX_QUEUED_C_LINK_SEALED)) != NULL)
		sealed.n = db_cell_len(&r, 0, OUTBOX_QUEUED_C_LINK_SEALED);
	else if ((w.link = invite_email_link(op->a,
		      db_cell(&r, 0, OUTBOX_QUEUED_C_BODY_TEXT))) == NULL)
		/* Queued without a seal_key: no link to give the new one. */
		return RERR_OK;
	if ((e = supersede_email(op, v->id, "superseded by a role change")))
		return e;
	return queue_email(op, site, &w, sealed);
}

struct create_args {
	const char        *site;
	int64_t            limit;
	const char        *email;
	const char        *role;
	struct invitation *out;
};

static enum rerr
create_tx(struct op *op, void *arg)
{
	struct create_args *a = arg;
	unsigned char       hash[SECRET_HASH_LEN];
	char                token[SECRET_MAX], id[ID_LEN + 1];
	struct dbres        r;
	struct dbp          p[8];
	enum rerr           e;
	int                 rc;

	/* First, so the seat count reads after the lock (see team.c). */
	if ((e = team_seat_take(op, a->site, a->limit, NULL)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->site);
	p[1] = DB_STR(a->email);
	if ((rc = db_exec(op->db, op->a, STMT_MEMBER_BY_EMAIL, p, 2, &r)))
		return op_db(op, rc);
	if (r.nrows > 0)
		return op_refuse(op, RERR_ALREADY_MEMBER, "email", WHY_TAKEN,
		    "This email already belongs to a team member");
	id_new(id);
	secret_new(SECRET_INVITE, token, hash, NULL);
	p[0] = DB_STR(id);
	p[1] = DB_STR(a->site);
	p[2] = DB_STR(a->email);
	p[3] = DB_STR(a->role);
	p[4] = DB_BIN(hash, sizeof(hash));
	p[5] = DB_STR(op->actor != NULL && op->actor->user_id[0] ?
		op->actor->user_id :
		NULL);
	p[6] = DB_I64(op->now);
	p[7] = DB_I64(op->now + op->cfg->invite_ttl * 1000);
	rc = db_exec(op->db, op->a, STMT_INVITE_INSERT, p, 8, NULL);
	if (rc == DB_EDUP) {
		/*
		 * The pending slot is taken.  If by an invitation past its
		 * expiry, retire that one and insert again: an expired
		 * invitation never blocks a new one.  (Only the statement
		 * failed; the transaction goes on.)
		 */
		struct dbp   q[3];
		struct dbres x;

		q[0] = DB_STR(a->site);
		q[1] = DB_STR(a->email);
		q[2] = DB_I64(op->now);
		if ((rc = db_exec(op->db, op->a, STMT_INVITE_EXPIRE_STALE, q, 3,
			 &x)))
			return op_db(op, rc);
		if (x.affected == 0)
			return op_refuse(op, RERR_PENDING, "email", WHY_TAKEN,
			    "A pending invitation already exists for this "
			    "email");
		rc = db_exec(op->db, op->a, STMT_INVITE_INSERT, p, 8, NULL);
	}
	if (rc == DB_EDUP)
		return op_refuse(op, RERR_PENDING, "email", WHY_TAKEN,
		    "A pending invitation already exists for this email");
	if (rc != 0)
		return op_db(op, rc);
	a->out->id = arena_strdup(op->a, id);
	a->out->email = a->email;
	a->out->role = a->role;
	a->out->invited_by = op->actor != NULL ? op->actor->user_id : NULL;
	a->out->inviter_email = op->actor != NULL ? op->actor->email : NULL;
	a->out->created_at = op->now;
	a->out->expires_at = op->now + op->cfg->invite_ttl * 1000;
	a->out->expired = 0;
	a->out->link = link_for(op, token);
	if ((e = queue_email(op, a->site, a->out, NO_SEAL)) != RERR_OK)
		return e;
	return op_audit(op, a->site, "invite.create", a->out->id);
}

enum rerr
invite_create(struct op *op, const char *site, int64_t limit,
    const char *email_raw, size_t email_len, const char *role,
    struct invitation *out)
{
	struct create_args a;
	char               email[EMAIL_MAX + 1];
	enum role          r;

	memset(out, 0, sizeof(*out));
	if (email_raw == NULL)
		return op_refuse(op, RERR_INVALID, "email", WHY_REQUIRED,
		    "email is required");
	if (email_normalize(email_raw, email_len, email) != 0)
		return op_refuse(op, RERR_INVALID, "email", WHY_FORMAT,
		    "email is not a valid address (at most 254 characters)");
	r = role == NULL ? ROLE_VIEWER : role_parse(role);
	if (r != ROLE_VIEWER && r != ROLE_MEMBER)
		return op_invalid(op, "role",
		    "role must be \"viewer\" or \"member\"");
	if (op->actor != NULL && strcmp(op->actor->email, email) == 0)
		return op_invalid(op, "email", "You cannot invite yourself");
	a.site = site;
	a.limit = limit;
	a.email = arena_strdup(op->a, email);
	a.role = role_name(r);
	a.out = out;
	return op_tx(op, create_tx, &a);
}

/*
 * A row of STMT_INVITE_LIST, or the leading columns of STMT_INVITE_GET's,
 * as an invitation; expired and link are not columns.
 */
/* clang-format off */
static const struct db_field invite_fields[INVITE_C__MAX] = {
	[INVITE_C_ID]		= DB_FIELD(struct invitation, id),
	[INVITE_C_EMAIL]	= DB_FIELD(struct invitation, email),
	[INVITE_C_ROLE]		= DB_FIELD(struct invitation, role),
	[INVITE_C_CREATED_AT]	= DB_FIELD(struct invitation, created_at),
	[INVITE_C_EXPIRES_AT]	= DB_FIELD(struct invitation, expires_at),
	[INVITE_C_INVITED_BY]	= DB_FIELD(struct invitation, invited_by),
	[INVITE_C_INVITER_EMAIL] = DB_FIELD(struct invitation, inviter_email),
};
/* clang-format on */
static const struct db_map invite_map =
    DB_MAP(struct invitation, invite_fields);

enum rerr
invite_list(struct op *op, const char *site, struct invitation **out, size_t *n)
{
	struct invitation *v;
	struct dbres       r;
	struct dbp         p[1];
	size_t             i;
	int                rc;

	p[0] = DB_STR(site);
	if ((rc = db_rows(op->db, op->a, STMT_INVITE_LIST, p, 1, &invite_map,
		 &r)))
		return op_db(op, rc);
	v = r.rows;
	for (i = 0; i < r.nrows; i++)
		v[i].expired = v[i].expires_at <= op->now;
	*out = v;
	*n = r.nrows;
	return RERR_OK;
}

/* Reads one invitation that is still pending or expired. */
static enum rerr
get_open(struct op *op, const char *site, const char *id, struct invitation *v)
{
	struct dbres r;
	struct dbp   p[2];
	const char  *st;
	int          rc;

	memset(v, 0, sizeof(*v));
	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	p[0] = DB_STR(id);
	p[1] = DB_STR(site);
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_GET, p, 2, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	st = db_cell(&r, 0, INVITE_GET_C_STATUS);
	if (strcmp(st, "pending") != 0 && strcmp(st, "expired") != 0)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	db_map_row(&r, 0, &invite_map, v);
	v->expired = v->expires_at <= op->now;
	v->link = NULL;
	return RERR_OK;
}

enum rerr
invite_get(struct op *op, const char *site, const char *id,
    struct invitation *v)
{
	return get_open(op, site, id, v);
}

struct one_args {
	const char        *site, *id;
	int64_t            limit;
	struct invitation *out;
};

static enum rerr
revoke_tx(struct op *op, void *arg)
{
	struct one_args *a = arg;
	struct dbres     r;
	struct dbp       p[2];
	enum rerr        e;
	int              rc;

	if ((e = get_open(op, a->site, a->id, a->out)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->id);
	p[1] = DB_STR(a->site);
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_REVOKE, p, 2, &r)))
		return op_db(op, rc);
	/* Accepted or revoked between our read and our write. */
	if (r.affected == 0)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	if ((e = supersede_email(op, a->id, "invitation revoked")) != RERR_OK)
		return e;
	return op_audit(op, a->site, "invite.revoke", a->id);
}

enum rerr
invite_revoke(struct op *op, const char *site, const char *id,
    struct invitation *out)
{
	struct one_args a = { site, id, -1, out };

	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	return op_tx(op, revoke_tx, &a);
}

static enum rerr
resend_tx(struct op *op, void *arg)
{
	struct one_args *a = arg;
	unsigned char    hash[SECRET_HASH_LEN];
	char             token[SECRET_MAX];
	struct dbres     r;
	struct dbp       p[4];
	enum rerr        e;
	int              rc;

	/* An expired invitation made pending again takes a seat again. */
	if ((e = team_seat_take(op, a->site, a->limit, a->id)) != RERR_OK)
		return e;
	if ((e = get_open(op, a->site, a->id, a->out)) != RERR_OK)
		return e;
	/*
	 * Its email may have joined since (through a newer invitation, or
	 * `roster member add`): a new link would be an invitation of a
	 * member, holding a seat and the email's pending slot for nothing.
	 * The locking read waits for an accept of that email in flight.
	 */
	p[0] = DB_STR(a->site);
	p[1] = DB_STR(a->out->email);
	if ((rc = db_exec(op->db, op->a, STMT_MEMBER_BY_EMAIL, p, 2, &r)))
		return op_db(op, rc);
	if (r.nrows > 0)
		return op_refuse(op, RERR_ALREADY_MEMBER, "email", WHY_TAKEN,
		    "This email already belongs to a team member");
	secret_new(SECRET_INVITE, token, hash, NULL);
	p[0] = DB_BIN(hash, sizeof(hash));
	p[1] = DB_I64(op->now + op->cfg->invite_ttl * 1000);
	p[2] = DB_STR(a->id);
	p[3] = DB_STR(a->site);
	rc = db_exec(op->db, op->a, STMT_INVITE_RESEND, p, 4, &r);
	if (rc == DB_EDUP)
		return op_refuse(op, RERR_PENDING, "email", WHY_TAKEN,
		    "A newer pending invitation exists for this email");
	if (rc != 0)
		return op_db(op, rc);
	if (r.affected == 0)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	a->out->expires_at = op->now + op->cfg->invite_ttl * 1000;
	a->out->expired = 0;
	a->out->link = link_for(op, token);
	if ((e = supersede_email(op, a->id, "superseded by a resend")) !=
		RERR_OK ||
	    (e = queue_email(op, a->site, a->out, NO_SEAL)) != RERR_OK)
		return e;
	return op_audit(op, a->site, "invite.resend", a->id);
}

enum rerr
invite_resend(struct op *op, const char *site, int64_t limit, const char *id,
    struct invitation *out)
{
	struct one_args a = { site, id, limit, out };

	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	return op_tx(op, resend_tx, &a);
}

struct role_args {
	const char        *site, *id, *role;
	struct invitation *out;
};

static enum rerr
set_role_tx(struct op *op, void *arg)
{
	struct role_args *a = arg;
	struct dbres      r;
	struct dbp        p[3];
	enum rerr         e;
	int               rc, changed;

	if ((e = get_open(op, a->site, a->id, a->out)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->role);
	p[1] = DB_STR(a->id);
	p[2] = DB_STR(a->site);
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_SET_ROLE, p, 3, &r)))
		return op_db(op, rc);
	/* Accepted or revoked between our read and our write. */
	if (r.affected == 0)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	changed = strcmp(a->out->role, a->role) != 0;
	a->out->role = a->role;
	if (changed && (e = requeue_email(op, a->site, a->out)) != RERR_OK)
		return e;
	return op_audit(op, a->site, "invite.role",
	    arena_printf(op->a, "%s %s", a->id, a->role));
}

enum rerr
invite_set_role(struct op *op, const char *site, const char *id,
    const char *role, struct invitation *out)
{
	struct role_args a;
	enum role        r = role_parse(role);

	memset(out, 0, sizeof(*out));
	if (r != ROLE_VIEWER && r != ROLE_MEMBER)
		return op_invalid(op, "role",
		    "role must be \"viewer\" or \"member\"");
	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	a.site = site;
	a.id = id;
	a.role = role_name(r);
	a.out = out;
	return op_tx(op, set_role_tx, &a);
}

/* The outcome for an invitation that cannot be accepted any more. */
static enum rerr
closed(struct op *op, const char *status, int64_t expires)
{
	if (strcmp(status, "accepted") == 0)
		return op_fail(op, RERR_GONE,
		    "This invitation has already "
		    "been used");
	if (strcmp(status, "revoked") == 0)
		return op_fail(op, RERR_GONE, "This invitation was revoked");
	if (strcmp(status, "expired") == 0 || expires <= op->now)
		return op_fail(op, RERR_GONE, "This invitation has expired");
	return RERR_OK;
}

enum rerr
invite_lookup(struct op *op, const char *token, struct invite_view *v)
{
	unsigned char hash[SECRET_HASH_LEN];
	struct dbres  r;
	struct dbp    p[1];
	int           rc;

	memset(v, 0, sizeof(*v));
	if (token == NULL || !secret_invite_valid(token))
		return op_fail(op, RERR_NOT_FOUND,
		    "This invitation link is "
		    "not valid");
	secret_hash(token, strlen(token), hash);
	p[0] = DB_BIN(hash, sizeof(hash));
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_BY_TOKEN, p, 1, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND,
		    "This invitation link is "
		    "not valid");
	v->id = db_cell(&r, 0, INVITE_BY_TOKEN_C_ID);
	v->website_id = db_cell(&r, 0, INVITE_BY_TOKEN_C_WEBSITE_ID);
	v->email = db_cell(&r, 0, INVITE_BY_TOKEN_C_EMAIL);
	v->role = db_cell(&r, 0, INVITE_BY_TOKEN_C_ROLE);
	v->expires_at = db_cell_i64(&r, 0, INVITE_BY_TOKEN_C_EXPIRES_AT);
	v->website_name = db_cell(&r, 0, INVITE_BY_TOKEN_C_SITE_NAME);
	v->website_domain = db_cell(&r, 0, INVITE_BY_TOKEN_C_SITE_DOMAIN);
	v->inviter = db_cell(&r, 0, INVITE_BY_TOKEN_C_INVITER);
	return closed(op, db_cell(&r, 0, INVITE_BY_TOKEN_C_STATUS),
	    v->expires_at);
}

struct accept_args {
	unsigned char    hash[SECRET_HASH_LEN];
	const char      *name;
	struct accepted *out;
};

static enum rerr
accept_tx(struct op *op, void *arg)
{
	struct accept_args *a = arg;
	struct accepted    *o = a->out;
	char                user[ID_LEN + 1];
	struct dbres        r;
	struct dbp          p[4];
	int64_t             limit;
	enum rerr           e;
	int                 rc;

	/* Locks the invitation: a concurrent accept waits, then sees it used. */
	p[0] = DB_BIN(a->hash, sizeof(a->hash));
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_BY_TOKEN_LOCK, p, 1, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND,
		    "This invitation link is "
		    "not valid");
	o->invitation_id = db_cell(&r, 0, INVITE_BY_TOKEN_LOCK_C_ID);
	o->website_id = db_cell(&r, 0, INVITE_BY_TOKEN_LOCK_C_WEBSITE_ID);
	o->email = db_cell(&r, 0, INVITE_BY_TOKEN_LOCK_C_EMAIL);
	o->role = db_cell(&r, 0, INVITE_BY_TOKEN_LOCK_C_ROLE);
	o->website_name = db_cell(&r, 0, INVITE_BY_TOKEN_LOCK_C_SITE_NAME);
	if ((e = closed(op, db_cell(&r, 0, INVITE_BY_TOKEN_LOCK_C_STATUS),
		 db_cell_i64(&r, 0, INVITE_BY_TOKEN_LOCK_C_EXPIRES_AT))))
		return e;
	limit = db_cell_i64_or(&r, 0, INVITE_BY_TOKEN_LOCK_C_SEAT_LIMIT, -1);
	/* The pending invitation holds a seat already: count the others. */
	if ((e = team_seat_take(op, o->website_id, limit, o->invitation_id)))
		return e;
	/*
	 * The name names only a user this accept creates: an account that
	 * exists keeps its name, which its other teams show.  Knowing a link
	 * proves nothing about who the account's owner is.
	 */
	if ((e = user_ensure(op, o->email, a->name, user, &o->created)))
		return e;
	o->user_id = arena_strdup(op->a, user);
	if ((e = team_changed(op, o->website_id)))
		return e;
	p[0] = DB_STR(o->website_id);
	p[1] = DB_STR(user);
	p[2] = DB_STR(o->role);
	p[3] = DB_I64(op->now);
	rc = db_exec(op->db, op->a, STMT_MEMBER_INSERT, p, 4, NULL);
	if (rc == DB_EDUP)
		return op_fail(op, RERR_ALREADY_MEMBER,
		    "You are already a "
		    "member of this website's team");
	if (rc != 0)
		return op_db(op, rc);
	p[0] = DB_STR(user);
	p[1] = DB_I64(op->now);
	p[2] = DB_STR(o->invitation_id);
	p[3] = DB_I64(op->now);
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_MARK_ACCEPTED, p, 4, &r)))
		return op_db(op, rc);
	if (r.affected != 1)
		return op_fail(op, RERR_GONE,
		    "This invitation is no longer "
		    "valid");
	/* An email still queued (a mail outage) would bring a used link. */
	if ((e = supersede_email(op, o->invitation_id, "invitation accepted")))
		return e;
	return op_audit(op, o->website_id, "invite.accept", o->invitation_id);
}

enum rerr
invite_accept(struct op *op, const char *token, const char *name,
    struct accepted *out)
{
	struct accept_args a;

	memset(out, 0, sizeof(*out));
	if (token == NULL || *token == '\0')
		return op_invalid(op, "token", "token is required");
	if (!secret_invite_valid(token))
		return op_fail(op, RERR_NOT_FOUND,
		    "This invitation link is "
		    "not valid");
	if (name != NULL) {
		while (*name == ' ')
			name++;
		if (*name == '\0')
			name = NULL;
		else if (!utf8_valid(name, strlen(name), 200))
			return op_invalid(op, "name",
			    "name must be valid "
			    "UTF-8 text of at most 200 characters");
	}
	secret_hash(token, strlen(token), a.hash);
	a.name = name;
	a.out = out;
	return op_tx(op, accept_tx, &a);
}

static enum rerr
seal_queued_tx(struct op *op, void *arg)
{
	long        *n = arg;
	struct dbres r;
	struct dbp   p[6];
	struct buf   h;
	const char  *link, *inv;
	size_t       i;
	int          rc;

	*n = 0;
	if ((rc = db_exec(op->db, op->a, STMT_OUTBOX_CLEAR_LINKS, NULL, 0, &r)))
		return op_db(op, rc);
	for (i = 0; i < r.nrows; i++) {
		struct sealed sl;

		inv = db_cell(&r, i, OUTBOX_CLEAR_LINKS_C_INVITATION_ID);
		link = invite_email_link(op->a,
		    db_cell(&r, i, OUTBOX_CLEAR_LINKS_C_BODY_TEXT));
		if (link == NULL)
			continue;
		if ((sl = seal_link(op, inv, link)).p == NULL)
			return op_fail(op, RERR_INTERNAL,
			    "seal_key is not set");
		/* The HTML part holds the link as the composer escaped it. */
		buf_init(&h, op->a, strlen(link) + 16);
		html_put(&h, link);
		p[0] = DB_BIN(sl.p, sl.n);
		p[1] = DB_STR(link);
		p[2] = DB_STR(INVITE_EMAIL_LINK_MARK);
		p[3] = DB_STR(h.p);
		p[4] = DB_STR(INVITE_EMAIL_LINK_MARK);
		p[5] = DB_STR(db_cell(&r, i, OUTBOX_CLEAR_LINKS_C_ID));
		if ((rc = db_exec(op->db, op->a, STMT_OUTBOX_SEAL_LINK, p, 6,
			 NULL)))
			return op_db(op, rc);
		(*n)++;
	}
	return RERR_OK;
}

enum rerr
invite_seal_queued(struct op *op, long *n)
{
	*n = 0;
	if (op->cfg->seal_key[0] == '\0')
		return RERR_OK;
	return op_tx(op, seal_queued_tx, n);
}
