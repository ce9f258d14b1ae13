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
#include "roster/email.h"
#include "roster/ids.h"
#include "roster/invite.h"
#include "roster/op.h"
#include "roster/secret.h"
#include "roster/team.h"

static const char *
link_for(struct op *op, const char *token)
{
	return arena_printf(op->a, "%s/join?token=%s", op->cfg->public_url,
	    token);
}

struct create_args {
	const char		*site;
	int64_t			 limit;
	const char		*email;
	const char		*role;
	struct invitation	*out;
};

static enum rerr
create_tx(struct op *op, void *arg)
{
	struct create_args	*a = arg;
	unsigned char		 hash[SECRET_HASH_LEN];
	char			 token[SECRET_MAX], id[ID_LEN + 1];
	struct dbres		 r;
	struct dbp		 p[8];
	enum rerr		 e;
	int			 rc;

	/* First, so the seat count reads after the lock (see team.c). */
	if ((e = team_seat_take(op, a->site, a->limit, NULL)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->site);
	p[1] = DB_STR(a->email);
	if ((rc = db_exec(op->db, op->a, STMT_MEMBER_BY_EMAIL, p, 2, &r)))
		return op_db(op, rc);
	if (r.nrows > 0)
		return op_fail(op, RERR_ALREADY_MEMBER,
		    "This email already belongs to a team member");
	p[2] = DB_I64(op->now);
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_EXPIRE_STALE, p, 3,
	    NULL)))
		return op_db(op, rc);
	id_new(id);
	secret_new(SECRET_INVITE, token, hash, NULL);
	p[0] = DB_STR(id);
	p[1] = DB_STR(a->site);
	p[2] = DB_STR(a->email);
	p[3] = DB_STR(a->role);
	p[4] = DB_BIN(hash, sizeof(hash));
	p[5] = DB_STR(op->actor != NULL && op->actor->user_id[0] ?
	    op->actor->user_id : NULL);
	p[6] = DB_I64(op->now);
	p[7] = DB_I64(op->now + op->cfg->invite_ttl * 1000);
	rc = db_exec(op->db, op->a, STMT_INVITE_INSERT, p, 8, NULL);
	if (rc == DB_EDUP)
		return op_fail(op, RERR_PENDING, "A pending invitation "
		    "already exists for this email");
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
	return op_audit(op, a->site, "invite.create", a->out->id);
}

enum rerr
invite_create(struct op *op, const char *site, int64_t limit,
    const char *email_raw, size_t email_len, const char *role,
    struct invitation *out)
{
	struct create_args	a;
	char			email[EMAIL_MAX + 1];
	enum role		r;

	memset(out, 0, sizeof(*out));
	if (email_raw == NULL)
		return op_invalid(op, "email", "email is required");
	if (email_normalize(email_raw, email_len, email) != 0)
		return op_invalid(op, "email", "email is not a valid address "
		    "(at most 254 characters)");
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

static void
fill(struct op *op, const struct dbres *r, size_t i, struct invitation *v)
{
	v->id = db_cell(r, i, 0);
	v->email = db_cell(r, i, 1);
	v->role = db_cell(r, i, 2);
	v->created_at = db_cell_i64(r, i, 3);
	v->expires_at = db_cell_i64(r, i, 4);
	v->invited_by = db_cell(r, i, 5);
	v->inviter_email = db_cell(r, i, 6);
	v->expired = v->expires_at <= op->now;
	v->link = NULL;
}

enum rerr
invite_list(struct op *op, const char *site, struct invitation **out,
    size_t *n)
{
	struct dbres	 r;
	struct dbp	 p[1];
	size_t		 i;
	int		 rc;

	p[0] = DB_STR(site);
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_LIST, p, 1, &r)))
		return op_db(op, rc);
	*out = arena_alloc(op->a, (r.nrows + 1) * sizeof(**out));
	for (i = 0; i < r.nrows; i++)
		fill(op, &r, i, &(*out)[i]);
	*n = r.nrows;
	return RERR_OK;
}

/* Reads one invitation that is still pending or expired. */
static enum rerr
get_open(struct op *op, const char *site, const char *id,
    struct invitation *v)
{
	struct dbres	r;
	struct dbp	p[2];
	const char	*st;
	int		rc;

	memset(v, 0, sizeof(*v));
	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	p[0] = DB_STR(id);
	p[1] = DB_STR(site);
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_GET, p, 2, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	st = db_cell(&r, 0, 7);
	if (strcmp(st, "pending") != 0 && strcmp(st, "expired") != 0)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	fill(op, &r, 0, v);
	return RERR_OK;
}

enum rerr
invite_get(struct op *op, const char *site, const char *id,
    struct invitation *v)
{
	return get_open(op, site, id, v);
}

struct one_args {
	const char		*site, *id;
	int64_t			 limit;
	struct invitation	*out;
};

static enum rerr
revoke_tx(struct op *op, void *arg)
{
	struct one_args	*a = arg;
	struct dbres	 r;
	struct dbp	 p[2];
	enum rerr	 e;
	int		 rc;

	if ((e = get_open(op, a->site, a->id, a->out)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->id);
	p[1] = DB_STR(a->site);
	if ((rc = db_exec(op->db, op->a, STMT_INVITE_REVOKE, p, 2, &r)))
		return op_db(op, rc);
	/* Accepted or revoked between our read and our write. */
	if (r.affected == 0)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	return op_audit(op, a->site, "invite.revoke", a->id);
}

enum rerr
invite_revoke(struct op *op, const char *site, const char *id,
    struct invitation *out)
{
	struct one_args	a = { site, id, -1, out };

	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	return op_tx(op, revoke_tx, &a);
}

static enum rerr
resend_tx(struct op *op, void *arg)
{
	struct one_args	*a = arg;
	unsigned char	 hash[SECRET_HASH_LEN];
	char		 token[SECRET_MAX];
	struct dbres	 r;
	struct dbp	 p[4];
	enum rerr	 e;
	int		 rc;

	/* An expired invitation made pending again takes a seat again. */
	if ((e = team_seat_take(op, a->site, a->limit, a->id)) != RERR_OK)
		return e;
	if ((e = get_open(op, a->site, a->id, a->out)) != RERR_OK)
		return e;
	secret_new(SECRET_INVITE, token, hash, NULL);
	p[0] = DB_BIN(hash, sizeof(hash));
	p[1] = DB_I64(op->now + op->cfg->invite_ttl * 1000);
	p[2] = DB_STR(a->id);
	p[3] = DB_STR(a->site);
	rc = db_exec(op->db, op->a, STMT_INVITE_RESEND, p, 4, &r);
	if (rc == DB_EDUP)
		return op_fail(op, RERR_PENDING, "A newer pending invitation "
		    "exists for this email");
	if (rc != 0)
		return op_db(op, rc);
	if (r.affected == 0)
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	a->out->expires_at = op->now + op->cfg->invite_ttl * 1000;
	a->out->expired = 0;
	a->out->link = link_for(op, token);
	return op_audit(op, a->site, "invite.resend", a->id);
}

enum rerr
invite_resend(struct op *op, const char *site, int64_t limit, const char *id,
    struct invitation *out)
{
	struct one_args	a = { site, id, limit, out };

	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "Invitation not found");
	return op_tx(op, resend_tx, &a);
}
