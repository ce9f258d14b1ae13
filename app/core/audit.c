/*
 * Reading the audit trail.
 */
#include "roster/arena.h"
#include "roster/audit.h"
#include "roster/db.h"
#include "roster/operation.h"

enum rerr
audit_list(struct op *op, const char *website, const char *user,
    int64_t since, struct audit_entry **out, size_t *n)
{
	struct audit_entry	*v;
	struct dbres		 r;
	struct dbp		 p[2];
	size_t			 i;
	int			 rc;

	p[0] = DB_STR(website != NULL ? website : user);
	p[1] = DB_I64(since);
	if ((rc = db_exec(op->db, op->a, website != NULL ? STMT_AUDIT_LIST :
	    STMT_AUDIT_LIST_USER, p, 2, &r)))
		return op_db(op, rc);
	v = arena_alloc(op->a, (r.nrows + 1) * sizeof(*v));
	for (i = 0; i < r.nrows; i++) {
		v[i].id = db_cell(&r, i, 0);
		v[i].created_at = db_cell_i64(&r, i, 1);
		v[i].website_id = db_cell(&r, i, 2);
		v[i].user_id = db_cell(&r, i, 3);
		v[i].credential_id = db_cell(&r, i, 4);
		v[i].action = db_cell(&r, i, 5);
		v[i].target = db_cell(&r, i, 6);
		v[i].request_id = db_cell(&r, i, 7);
	}
	*out = v;
	*n = r.nrows;
	return RERR_OK;
}
