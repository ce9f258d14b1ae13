/*
 * Users.
 */
#include <stdio.h>
#include <string.h>

#include "roster/arena.h"
#include "roster/db.h"
#include "roster/operation.h"
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
