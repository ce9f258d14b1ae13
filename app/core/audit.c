/*
 * Reading the audit trail.
 */
#include "roster/arena.h"
#include "roster/audit.h"
#include "roster/db.h"
#include "roster/operation.h"

/* A row of STMT_AUDIT_LIST or STMT_AUDIT_LIST_USER. */
/* clang-format off */
static const struct db_field audit_fields[AUDIT_C__MAX] = {
	[AUDIT_C_ID]		= DB_FIELD(struct audit_entry, id),
	[AUDIT_C_CREATED_AT]	= DB_FIELD(struct audit_entry, created_at),
	[AUDIT_C_WEBSITE_ID]	= DB_FIELD(struct audit_entry, website_id),
	[AUDIT_C_USER_ID]	= DB_FIELD(struct audit_entry, user_id),
	[AUDIT_C_CRED_ID]	= DB_FIELD(struct audit_entry, credential_id),
	[AUDIT_C_ACTION]	= DB_FIELD(struct audit_entry, action),
	[AUDIT_C_TARGET]	= DB_FIELD(struct audit_entry, target),
	[AUDIT_C_REQUEST_ID]	= DB_FIELD(struct audit_entry, request_id),
};
/* clang-format on */
static const struct db_map audit_map = DB_MAP(struct audit_entry, audit_fields);

enum rerr
audit_list(struct op *op, const char *website, const char *user, int64_t since,
    struct audit_entry **out, size_t *n)
{
	struct dbres r;
	struct dbp   p[2];
	int          rc;

	p[0] = DB_STR(website != NULL ? website : user);
	p[1] = DB_I64(since);
	if ((rc = db_rows(op->db, op->a,
		 website != NULL ? STMT_AUDIT_LIST : STMT_AUDIT_LIST_USER, p, 2,
		 &audit_map, &r)))
		return op_db(op, rc);
	*out = r.rows;
	*n = r.nrows;
	return RERR_OK;
}
