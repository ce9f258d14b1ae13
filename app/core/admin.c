/*
 * The administrator's operations (include/roster/admin.h): the CLI's
 * views across websites, and deleting a website, which no API route does
 * (DataFast answers DELETE /websites/{id} with 403, and so does roster).
 */
#include <string.h>

#include "roster/admin.h"
#include "roster/arena.h"
#include "roster/db.h"
#include "roster/email_address.h"
#include "roster/invite_email.h"
#include "roster/operation.h"
#include "roster/secret.h"
#include "roster/user.h"

/* A row of STMT_WEBSITES_ALL or STMT_WEBSITE_SHOW. */
/* clang-format off */
static const struct db_field site_fields[SITE_ADMIN_C__MAX] = {
	[SITE_ADMIN_C_ID]		= DB_FIELD(struct site_admin, id),
	[SITE_ADMIN_C_DOMAIN]		= DB_FIELD(struct site_admin, domain),
	[SITE_ADMIN_C_NAME]		= DB_FIELD(struct site_admin, name),
	[SITE_ADMIN_C_SEAT_LIMIT]	=
	    DB_FIELD_OR(struct site_admin, seat_limit, -1),
	[SITE_ADMIN_C_CREATED_AT]	= DB_FIELD(struct site_admin, created_at),
	[SITE_ADMIN_C_OWNER_ID]		= DB_FIELD(struct site_admin, owner_id),
	[SITE_ADMIN_C_OWNER_EMAIL]	= DB_FIELD(struct site_admin, owner_email),
	[SITE_ADMIN_C_MEMBERS]		= DB_FIELD(struct site_admin, members),
	[SITE_ADMIN_C_PENDING]		= DB_FIELD(struct site_admin, pending),
};
/* clang-format on */
static const struct db_map site_map = DB_MAP(struct site_admin, site_fields);

enum rerr
admin_website_list(struct op *op, struct site_admin **out, size_t *n)
{
	struct dbres r;
	struct dbp   p[1];
	int          rc;

	p[0] = DB_I64(op->now);
	if ((rc = db_rows(op->db, op->a, STMT_WEBSITES_ALL, p, 1, &site_map,
		 &r)))
		return op_db(op, rc);
	*out = r.rows;
	*n = r.nrows;
	return RERR_OK;
}

enum rerr
admin_website_get(struct op *op, const char *site, struct site_admin *out)
{
	struct dbres r;
	struct dbp   p[2];
	int          rc;

	memset(out, 0, sizeof(*out));
	if (site == NULL || !id_valid(site))
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	p[0] = DB_I64(op->now);
	p[1] = DB_STR(site);
	if ((rc = db_exec(op->db, op->a, STMT_WEBSITE_SHOW, p, 2, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	db_map_row(&r, 0, &site_map, out);
	return RERR_OK;
}

/* What goes with a website, in this order; the website row last. */
static const enum stmt drop_steps[] = {
	STMT_WEBSITE_DROP_OUTBOX,
	STMT_WEBSITE_DROP_INVITES,
	STMT_WEBSITE_DROP_MEMBERS,
	STMT_WEBSITE_DROP_KEYS,
	STMT_WEBSITE_DROP_CRED_SITES,
	STMT_WEBSITE_DROP,
};

static enum rerr
delete_tx(struct op *op, void *arg)
{
	struct site_admin *w = arg;
	struct dbres       r;
	struct dbp         p[2];
	enum rerr          e;
	size_t             i;
	int                rc;

	/* Read again in the transaction: it may have gone meanwhile. */
	if ((e = admin_website_get(op, w->id, w)) != RERR_OK)
		return e;
	for (i = 0; i < sizeof(drop_steps) / sizeof(drop_steps[0]); i++) {
		if (drop_steps[i] == STMT_WEBSITE_DROP_KEYS) {
			p[0] = DB_I64(op->now);
			p[1] = DB_STR(w->id);
		} else
			p[0] = DB_STR(w->id);
		if ((rc = db_exec(op->db, op->a, drop_steps[i], p,
			 drop_steps[i] == STMT_WEBSITE_DROP_KEYS ? 2 : 1, &r)))
			return op_db(op, rc);
	}
	if (r.affected != 1)
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	return op_audit(op, w->id, "website.delete", w->domain);
}

enum rerr
admin_website_delete(struct op *op, const char *site, struct site_admin *out)
{
	memset(out, 0, sizeof(*out));
	if (site == NULL || !id_valid(site))
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	out->id = arena_strdup(op->a, site);
	return op_tx(op, delete_tx, out);
}

enum rerr
admin_user_find(struct op *op, const char *raw, char *id)
{
	char         email[EMAIL_MAX + 1];
	struct dbres r;
	struct dbp   p[1];
	int          rc;

	if (raw == NULL || email_normalize(raw, strlen(raw), email) != 0)
		return op_invalid(op, "email", "email is not a valid address");
	p[0] = DB_STR(email);
	if ((rc = db_exec(op->db, op->a, STMT_USER_BY_EMAIL, p, 1, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND, "No user has this email");
	memcpy(id, db_cell(&r, 0, USER_BY_EMAIL_C_ID), ID_LEN);
	id[ID_LEN] = '\0';
	return RERR_OK;
}

struct ensure_args {
	const char *email, *name;
	char       *id;
	int        *created;
};

static enum rerr
ensure_tx(struct op *op, void *arg)
{
	struct ensure_args *a = arg;
	enum rerr           e;

	if ((e = user_ensure(op, a->email, a->name, a->id, a->created)))
		return e;
	return *a->created ? op_audit(op, NULL, "user.create", a->id) : RERR_OK;
}

enum rerr
admin_user_ensure(struct op *op, const char *email, const char *name, char *id,
    int *created)
{
	struct ensure_args a = { email, name, id, created };

	return op_tx(op, ensure_tx, &a);
}

/* A row of STMT_OUTBOX_PENDING; the link is opened from its sealed copy. */
/* clang-format off */
static const struct db_field mail_fields[OUTBOX_PENDING_C__MAX] = {
	[OUTBOX_PENDING_C_ID]		= DB_FIELD(struct outbox_mail, id),
	[OUTBOX_PENDING_C_INVITATION_ID] =
	    DB_FIELD(struct outbox_mail, invitation_id),
	[OUTBOX_PENDING_C_WEBSITE_ID]	= DB_FIELD(struct outbox_mail, website_id),
	[OUTBOX_PENDING_C_TO]		= DB_FIELD(struct outbox_mail, to),
	[OUTBOX_PENDING_C_SUBJECT]	= DB_FIELD(struct outbox_mail, subject),
	[OUTBOX_PENDING_C_LINK_SEALED] = DB_SKIP,
	[OUTBOX_PENDING_C_ATTEMPTS]	= DB_FIELD(struct outbox_mail, attempts),
	[OUTBOX_PENDING_C_LAST_ERROR]	= DB_FIELD(struct outbox_mail, last_error),
	[OUTBOX_PENDING_C_CREATED_AT]	= DB_FIELD(struct outbox_mail, created_at),
};
/* clang-format on */
static const struct db_map mail_map = DB_MAP(struct outbox_mail, mail_fields);

enum rerr
admin_outbox_list(struct op *op, const char *site, const char *seal_key,
    struct outbox_mail **out, size_t *n)
{
	const unsigned char *sealed;
	struct outbox_mail  *v;
	struct dbres         r;
	struct dbp           p[2];
	size_t               i, len;
	char                *link;
	int                  rc;

	if (site != NULL && !id_valid(site))
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	p[0] = DB_STR(site != NULL ? site : "");
	p[1] = p[0];
	if ((rc = db_rows(op->db, op->a, STMT_OUTBOX_PENDING, p, 2, &mail_map,
		 &r)))
		return op_db(op, rc);
	v = r.rows;
	for (i = 0; i < r.nrows; i++) {
		/* No link: queued without a seal_key, or sealed under another. */
		v[i].link = NULL;
		sealed = (const unsigned char *)db_cell(&r, i,
		    OUTBOX_PENDING_C_LINK_SEALED);
		len = db_cell_len(&r, i, OUTBOX_PENDING_C_LINK_SEALED);
		if (sealed == NULL || seal_key == NULL || *seal_key == '\0' ||
		    len < SECRET_SEAL_OVERHEAD)
			continue;
		link = arena_alloc(op->a, len - SECRET_SEAL_OVERHEAD + 1);
		if (secret_open(seal_key, sealed, len, v[i].invitation_id,
			link) == 0)
			v[i].link = link;
	}
	*out = v;
	*n = r.nrows;
	return RERR_OK;
}
