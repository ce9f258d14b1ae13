/*
 * Users.
 */
#include <stdio.h>
#include <string.h>

#include "roster/actor.h"
#include "roster/arena.h"
#include "roster/db.h"
#include "roster/operation.h"
#include "roster/team.h"
#include "roster/utf8.h"
#include "roster/user.h"

enum rerr
user_ensure(struct op *op, const char *email, const char *name, char *id,
    int *created)
{
	struct dbres r;
	struct dbp   p[4];
	int          rc, tries;

	if (created != NULL)
		*created = 0;
	if (name != NULL && !utf8_valid(name, strlen(name), NAME_MAX_CHARS))
		return op_invalid(op, "name",
		    "name must be valid UTF-8 text "
		    "of at most 200 characters");
	/*
	 * Insert first and treat a duplicate as "exists": a read first would
	 * let two concurrent creations both decide to insert.
	 */
	for (tries = 0; tries < 2; tries++) {
		p[0] = DB_STR(email);
		if ((rc = db_exec(op->db, op->a, STMT_USER_BY_EMAIL, p, 1,
			 &r)) != 0)
			return op_db(op, rc);
		if (r.nrows == 1) {
			snprintf(id, ID_LEN + 1, "%s",
			    db_cell(&r, 0, USER_BY_EMAIL_C_ID));
			return RERR_OK;
		}
		id_new(id);
		p[0] = DB_STR(id);
		p[1] = DB_STR(email);
		p[2] = DB_STR(name);
		p[3] = DB_I64(op->now);
		rc = db_exec(op->db, op->a, STMT_USER_INSERT, p, 4, NULL);
		if (rc == DB_OK) {
			if (created != NULL)
				*created = 1;
			return RERR_OK;
		}
		if (rc != DB_EDUP)
			return op_db(op, rc);
	}
	return RERR_INTERNAL;
}

/* A row of STMT_USER_GET or STMT_WEBSITE_OWNER. */
static const struct db_field account_fields[USER_C__MAX] = {
	[USER_C_ID] = DB_FIELD(struct account, id),
	[USER_C_NAME] = DB_FIELD(struct account, name),
	[USER_C_EMAIL] = DB_FIELD(struct account, email),
	[USER_C_IMAGE] = DB_FIELD(struct account, image),
	[USER_C_CREATED_AT] = DB_FIELD(struct account, created_at),
};
static const struct db_map account_map = DB_MAP(struct account, account_fields);

enum rerr
user_account(struct op *op, struct account *out)
{
	const struct actor *ac = op->actor;
	struct dbres        r;
	struct dbp          p[1];
	int                 key = ac->kind == CRED_KEY, rc;

	memset(out, 0, sizeof(*out));
	p[0] = DB_STR(key ? ac->key_site : ac->user_id);
	if ((rc = db_rows(op->db, op->a,
		 key ? STMT_WEBSITE_OWNER : STMT_USER_GET, p, 1, &account_map,
		 &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND, "Account not found");
	*out = *(struct account *)r.rows;
	if (key)
		out->website_id = arena_strdup(op->a, ac->key_site);
	return RERR_OK;
}

static enum rerr
rename_tx(struct op *op, void *arg)
{
	const char *name = arg;
	struct dbp  p[2];
	enum rerr   e;
	int         rc;

	/* Every team that shows the name is read afresh (team.h). */
	if ((e = team_user_changed(op, op->actor->user_id)) != RERR_OK)
		return e;
	p[0] = DB_STR(name);
	p[1] = DB_STR(op->actor->user_id);
	if ((rc = db_exec(op->db, op->a, STMT_USER_RENAME, p, 2, NULL)))
		return op_db(op, rc);
	return op_audit(op, NULL, "user.rename", op->actor->user_id);
}

enum rerr
user_rename(struct op *op, const char *name, struct account *out)
{
	enum rerr e;

	memset(out, 0, sizeof(*out));
	if (name == NULL)
		return op_refuse(op, RERR_INVALID, "name", WHY_REQUIRED,
		    "name is required");
	if (*name == '\0' || !utf8_valid(name, strlen(name), NAME_MAX_CHARS))
		return op_invalid(op, "name",
		    "name must be valid UTF-8 text of 1 to 200 characters");
	if ((e = op_tx(op, rename_tx, (void *)(uintptr_t)name)) != RERR_OK)
		return e;
	return user_account(op, out);
}
