/*
 * Websites and their settings.
 */
#include <stdio.h>
#include <string.h>

#include "roster/arena.h"
#include "roster/auth.h"
#include "roster/db.h"
#include "roster/email_address.h"
#include "roster/host.h"
#include "roster/operation.h"
#include "roster/team.h"
#include "roster/tz.h"
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
	[WEBSITES_OF_USER_C_TIMEZONE] = DB_FIELD(struct website_info, timezone),
};
static const struct db_map website_map =
    DB_MAP(struct website_info, website_fields);

/* A row of STMT_WEBSITE_GET; the email domains are split after. */
static const struct db_field get_fields[WEBSITE_GET_C__MAX] = {
	[WEBSITE_GET_C_ID] = DB_FIELD(struct website_info, id),
	[WEBSITE_GET_C_DOMAIN] = DB_FIELD(struct website_info, domain),
	[WEBSITE_GET_C_NAME] = DB_FIELD(struct website_info, name),
	[WEBSITE_GET_C_SEAT_LIMIT] =
	    DB_FIELD_OR(struct website_info, seat_limit, -1),
	[WEBSITE_GET_C_TIMEZONE] = DB_FIELD(struct website_info, timezone),
	[WEBSITE_GET_C_EMAIL_DOMAINS] = DB_SKIP,
	[WEBSITE_GET_C_ACCEPT_REDIRECT] =
	    DB_FIELD(struct website_info, accept_redirect_url),
	[WEBSITE_GET_C_OWNER_ID] = DB_FIELD(struct website_info, owner_id),
	[WEBSITE_GET_C_CREATED_AT] = DB_FIELD(struct website_info, created_at),
};
static const struct db_map get_map = DB_MAP(struct website_info, get_fields);

#define DOMAIN_MSG \
	"domain must be a host name such as example.com: no scheme, port or " \
	"path (a non-ASCII name in its xn-- form)"
#define TIMEZONE_MSG \
	"timezone must be an IANA time zone name such as Europe/Paris or UTC"
#define NAME_MSG  "name must be valid UTF-8 text of 1 to 200 characters"
#define TAKEN_MSG "A website of this owner already has that domain"

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

/* What makes a website, checked; owner is an email or a user id. */
struct create_args {
	const char *domain, *name, *timezone, *owner_email, *owner_id;
	long        seats;
	char        id[ID_LEN + 1];
};

static enum rerr
create_tx(struct op *op, void *arg)
{
	struct create_args *c = arg;
	char                owner[ID_LEN + 1];
	struct dbp          p[7];
	enum rerr           e;
	int                 rc;

	if (c->owner_id != NULL)
		snprintf(owner, sizeof(owner), "%s", c->owner_id);
	else if ((e = user_ensure(op, c->owner_email, NULL, owner, NULL)) !=
	    RERR_OK)
		return e;
	id_new(c->id);
	p[0] = DB_STR(c->id);
	p[1] = DB_STR(c->domain);
	p[2] = DB_STR(c->name);
	p[3] = DB_STR(c->timezone);
	p[4] = c->seats < 0 ? DB_NULL : DB_I64(c->seats);
	p[5] = DB_STR(owner);
	p[6] = DB_I64(op->now);
	rc = db_exec(op->db, op->a, STMT_WEBSITE_INSERT, p, 7, NULL);
	if (rc == DB_EDUP)
		return op_refuse(op, RERR_CONFLICT, "domain", WHY_TAKEN,
		    TAKEN_MSG);
	if (rc != 0)
		return op_db(op, rc);
	p[0] = DB_STR(c->id);
	p[1] = DB_STR(owner);
	p[2] = DB_STR("owner");
	p[3] = DB_I64(op->now);
	if ((rc = db_exec(op->db, op->a, STMT_MEMBER_INSERT, p, 4, NULL)))
		return op_db(op, rc);
	return op_audit(op, c->id, "website.create", c->domain);
}

/* A domain given (required or not), normalised into dom. */
static enum rerr
check_domain(struct op *op, const char *domain, char *dom)
{
	if (domain == NULL)
		return op_refuse(op, RERR_INVALID, "domain", WHY_REQUIRED,
		    "domain is required");
	if (host_normalize(domain, strlen(domain), dom) != 0)
		return op_refuse(op, RERR_INVALID, "domain", WHY_FORMAT,
		    DOMAIN_MSG);
	return RERR_OK;
}

/* The name and the time zone, each when given. */
static enum rerr
check_name_tz(struct op *op, const char *name, const char *timezone)
{
	if (name != NULL &&
	    (*name == '\0' || !utf8_valid(name, strlen(name), NAME_MAX_CHARS)))
		return op_invalid(op, "name", NAME_MSG);
	if (timezone != NULL && !tz_valid(timezone))
		return op_refuse(op, RERR_INVALID, "timezone", WHY_FORMAT,
		    TIMEZONE_MSG);
	return RERR_OK;
}

enum rerr
website_create(struct op *op, const char *domain, const char *name,
    const char *owner_email, long seats, char *id)
{
	struct create_args c;
	char               email[EMAIL_MAX + 1], dom[HOST_MAX + 1];
	enum rerr          e;

	if ((e = check_domain(op, domain, dom)) != RERR_OK ||
	    (e = check_name_tz(op, name, NULL)) != RERR_OK)
		return e;
	if (owner_email == NULL ||
	    email_normalize(owner_email, strlen(owner_email), email) != 0)
		return op_invalid(op, "email", "owner email is not valid");
	if (seats > 1000000)
		return op_invalid(op, "seats", "seats must be at most 1000000");
	memset(&c, 0, sizeof(c));
	c.domain = dom;
	c.name = name != NULL ? name : dom;
	c.timezone = "UTC";
	c.owner_email = email;
	c.seats = seats;
	if ((e = op_tx(op, create_tx, &c)) != RERR_OK)
		return e;
	memcpy(id, c.id, ID_LEN + 1);
	return RERR_OK;
}

enum rerr
website_add(struct op *op, const char *domain, const char *timezone,
    const char *name, struct website_info *out)
{
	struct create_args c;
	char               dom[HOST_MAX + 1];
	enum rerr          e;

	memset(out, 0, sizeof(*out));
	if ((e = check_domain(op, domain, dom)) != RERR_OK ||
	    (e = check_name_tz(op, name, timezone)) != RERR_OK)
		return e;
	memset(&c, 0, sizeof(c));
	c.domain = dom;
	c.name = name != NULL ? name : dom;
	c.timezone = timezone != NULL ? timezone : "UTC";
	c.owner_id = op->actor->user_id;
	c.seats = -1;
	if ((e = op_tx(op, create_tx, &c)) != RERR_OK)
		return e;
	return website_get(op, c.id, out);
}

/* The stored list, "a.com,b.org", as an array (arena). */
static void
split_domains(struct op *op, const char *s, struct website_info *w)
{
	const char *q;
	char       *copy, *tok, *save = NULL;
	size_t      n = 1;

	w->email_domains = NULL;
	w->n_email_domains = 0;
	if (s == NULL || *s == '\0')
		return;
	for (q = s; *q != '\0'; q++)
		n += *q == ',';
	w->email_domains = arena_alloc(op->a, (n + 1) * sizeof(char *));
	copy = arena_strdup(op->a, s);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		w->email_domains[w->n_email_domains++] = tok;
}

enum rerr
website_get(struct op *op, const char *site, struct website_info *out)
{
	struct dbres r;
	struct dbp   p[1];
	int          rc;

	memset(out, 0, sizeof(*out));
	out->seat_limit = -1;
	if (site == NULL || !id_valid(site))
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	p[0] = DB_STR(site);
	if ((rc = db_rows(op->db, op->a, STMT_WEBSITE_GET, p, 1, &get_map, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	*out = *(struct website_info *)r.rows;
	split_domains(op, db_cell(&r, 0, WEBSITE_GET_C_EMAIL_DOMAINS), out);
	return RERR_OK;
}

/*
 * The allowed email domains, normalised, without repeats, joined by commas
 * for the column (NULL: any domain).
 */
static enum rerr
join_domains(struct op *op, const struct website_change *ch, char **out)
{
	struct buf b;
	char       dom[HOST_MAX + 1], *seen;
	size_t     i;

	*out = NULL;
	if (ch->n_email_domains > WEBSITE_EMAIL_DOMAINS_MAX)
		return op_invalid(op, "allowedEmailDomains",
		    "allowedEmailDomains may hold at most 50 domains");
	if (ch->n_email_domains == 0)
		return RERR_OK;
	buf_init(&b, op->a, 256);
	for (i = 0; i < ch->n_email_domains; i++) {
		if (ch->email_domains[i] == NULL ||
		    host_normalize(ch->email_domains[i],
			strlen(ch->email_domains[i]), dom) != 0)
			return op_refuse(op, RERR_INVALID,
			    "allowedEmailDomains", WHY_FORMAT,
			    "allowedEmailDomains must hold host names such as "
			    "example.com");
		/* A repeat is dropped (50 at most: a scan is enough). */
		seen = arena_printf(op->a, ",%s,", dom);
		if (b.len > 0 &&
		    strstr(arena_printf(op->a, ",%s,", b.p), seen) != NULL)
			continue;
		if (b.len > 0)
			buf_puts(&b, ",");
		buf_puts(&b, dom);
	}
	*out = b.p;
	return RERR_OK;
}

struct update_args {
	const char                  *site;
	const struct website_change *ch;
	const char                  *domain, *email_domains;
};

static enum rerr
update_tx(struct op *op, void *arg)
{
	struct update_args          *a = arg;
	const struct website_change *ch = a->ch;
	const char                  *url = ch->accept_redirect_url;
	struct dbres                 r;
	struct dbp                   p[10];
	enum rerr                    e;
	int                          rc;

	/*
	 * Locks the row, and makes every worker read afresh what it cached
	 * of the website (its name, domain and seat limit ride in cached
	 * credential resolutions).
	 */
	if ((e = team_changed(op, a->site)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->domain);
	p[1] = DB_STR(ch->name);
	p[2] = DB_STR(ch->timezone);
	p[3] = DB_I64(ch->set_seat_limit);
	p[4] = ch->seat_limit < 0 ? DB_NULL : DB_I64(ch->seat_limit);
	p[5] = DB_I64(ch->set_email_domains);
	p[6] = DB_STR(a->email_domains);
	p[7] = DB_I64(ch->set_redirect);
	p[8] = DB_STR(url != NULL && *url != '\0' ? url : NULL);
	p[9] = DB_STR(a->site);
	rc = db_exec(op->db, op->a, STMT_WEBSITE_UPDATE, p, 10, &r);
	if (rc == DB_EDUP)
		return op_refuse(op, RERR_CONFLICT, "domain", WHY_TAKEN,
		    TAKEN_MSG);
	if (rc != 0)
		return op_db(op, rc);
	if (r.affected == 0)
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	return op_audit(op, a->site, "website.update", a->site);
}

/* The owner's own settings: anyone else asking for them is refused. */
static int
owner_only(const struct website_change *ch)
{
	return ch->set_seat_limit || ch->set_email_domains || ch->set_redirect;
}

enum rerr
website_update(struct op *op, const char *site, const struct website_change *ch,
    struct website_info *out)
{
	struct update_args a;
	char               dom[HOST_MAX + 1];
	char              *domains = NULL;
	enum rerr          e;

	memset(out, 0, sizeof(*out));
	if (op->actor != NULL && op->actor->role != ROLE_OWNER &&
	    owner_only(ch))
		return op_fail(op, RERR_FORBIDDEN,
		    "Only the website owner can change seatLimit, "
		    "allowedEmailDomains or acceptRedirectUrl");
	if ((ch->domain != NULL &&
		(e = check_domain(op, ch->domain, dom)) != RERR_OK) ||
	    (e = check_name_tz(op, ch->name, ch->timezone)) != RERR_OK)
		return e;
	if (ch->set_seat_limit &&
	    (ch->seat_limit == 0 || ch->seat_limit > 1000000))
		return op_invalid(op, "seatLimit",
		    "seatLimit must be null or a whole number from 1 to "
		    "1000000");
	if (ch->set_email_domains &&
	    (e = join_domains(op, ch, &domains)) != RERR_OK)
		return e;
	if (ch->set_redirect && ch->accept_redirect_url != NULL &&
	    *ch->accept_redirect_url != '\0' &&
	    !url_http_valid(ch->accept_redirect_url))
		return op_refuse(op, RERR_INVALID, "acceptRedirectUrl",
		    WHY_FORMAT,
		    "acceptRedirectUrl must be an http:// or https:// URL "
		    "with a host, of at most 2000 characters");
	a.site = site;
	a.ch = ch;
	a.domain = ch->domain != NULL ? dom : NULL;
	a.email_domains = domains;
	if ((e = op_tx(op, update_tx, &a)) != RERR_OK)
		return e;
	return website_get(op, site, out);
}
