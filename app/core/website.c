/*
 * Websites.
 */
#include <stdio.h>
#include <string.h>

#include "roster/arena.h"
#include "roster/auth.h"
#include "roster/db.h"
#include "roster/email_address.h"
#include "roster/operation.h"
#include "roster/utf8.h"
#include "roster/user.h"
#include "roster/website.h"

/* A row of STMT_WEBSITES_OF_USER; no seat limit (NULL) reads as -1. */
static const struct db_field website_fields[WEBSITES_OF_USER_C__MAX] = {
	[WEBSITES_OF_USER_C_ID] = DB_FIELD(struct website_info, id),
	[WEBSITES_OF_USER_C_DOMAIN] = DB_FIELD(struct website_info, domain),
	[WEBSITES_OF_USER_C_NAME] = DB_FIELD(struct website_info, name),
	[WEBSITES_OF_USER_C_ROLE] = DB_FIELD(struct website_info, role),
	[WEBSITES_OF_USER_C_SEAT_LIMIT] =
	    DB_FIELD_OR(struct website_info, seat_limit, -1),
};
static const struct db_map website_map =
    DB_MAP(struct website_info, website_fields);

enum rerr
website_list(struct op *op, struct website_info **out, size_t *n)
{
	const struct actor *ac = op->actor;
	struct dbres        r;
	struct dbp          p[3];
	int                 rc;

	p[0] = DB_STR(ac->user_id);
	p[1] = DB_I64(ac->scoped);
	p[2] = DB_STR(ac->cred_id);
	if ((rc = db_rows(op->db, op->a, STMT_WEBSITES_OF_USER, p, 3,
		 &website_map, &r)))
		return op_db(op, rc);
	*out = r.rows;
	*n = r.nrows;
	return RERR_OK;
}

struct create_args {
	const char *domain, *name, *email;
	long        seats;
	char       *id;
};

static enum rerr
create_tx(struct op *op, void *arg)
{
	struct create_args *c = arg;
	char                owner[ID_LEN + 1];
	struct dbp          p[5];
	enum rerr           e;
	int                 rc;

	if ((e = user_ensure(op, c->email, NULL, owner, NULL)) != RERR_OK)
		return e;
	id_new(c->id);
	p[0] = DB_STR(c->id);
	p[1] = DB_STR(c->domain);
	p[2] = DB_STR(c->name);
	p[3] = c->seats < 0 ? DB_NULL : DB_I64(c->seats);
	p[4] = DB_I64(op->now);
	if ((rc = db_exec(op->db, op->a, STMT_WEBSITE_INSERT, p, 5, NULL)))
		return op_db(op, rc);
	p[0] = DB_STR(c->id);
	p[1] = DB_STR(owner);
	p[2] = DB_STR("owner");
	p[3] = DB_I64(op->now);
	if ((rc = db_exec(op->db, op->a, STMT_MEMBER_INSERT, p, 4, NULL)))
		return op_db(op, rc);
	return op_audit(op, c->id, "website.create", c->domain);
}

enum rerr
website_create(struct op *op, const char *domain, const char *name,
    const char *owner_email, long seats, char *id)
{
	struct create_args c;
	char               email[EMAIL_MAX + 1];

	if (domain == NULL || *domain == '\0' ||
	    !utf8_valid(domain, strlen(domain), 253) || strchr(domain, ' '))
		return op_invalid(op, "domain", "domain must be a host name");
	if (name != NULL && !utf8_valid(name, strlen(name), 200))
		return op_invalid(op, "name",
		    "name must be valid UTF-8 text "
		    "of at most 200 characters");
	if (owner_email == NULL ||
	    email_normalize(owner_email, strlen(owner_email), email) != 0)
		return op_invalid(op, "email", "owner email is not valid");
	if (seats > 1000000)
		return op_invalid(op, "seats", "seats must be at most 1000000");
	c.domain = domain;
	c.name = name != NULL ? name : domain;
	c.email = email;
	c.seats = seats;
	c.id = id;
	return op_tx(op, create_tx, &c);
}
