/*
 * Access tokens and website API keys (API.md "Access tokens and website API
 * keys").
 */
#include <stdio.h>
#include <string.h>

#include "roster/arena.h"
#include "roster/auth.h"
#include "roster/cred.h"
#include "roster/db.h"
#include "roster/ids.h"
#include "roster/operation.h"
#include "roster/secret.h"
#include "roster/team.h"
#include "roster/utf8.h"

#define CRED_MAX_SITES 100

/*
 * A row of STMT_TOKEN_LIST; the permissions as stored, before their
 * implications are added.  Whether a token is scoped shows in its sites.
 */
static const struct db_field token_fields[TOKEN_LIST_C__MAX] = {
	[TOKEN_LIST_C_ID] = DB_FIELD(struct cred_info, id),
	[TOKEN_LIST_C_NAME] = DB_FIELD(struct cred_info, name),
	[TOKEN_LIST_C_DISPLAY_KEY] = DB_FIELD(struct cred_info, display_key),
	[TOKEN_LIST_C_PERMS] = DB_FIELD(struct cred_info, perms),
	[TOKEN_LIST_C_SCOPED] = DB_SKIP,
	[TOKEN_LIST_C_CREATED_AT] = DB_FIELD(struct cred_info, created_at),
};
static const struct db_map token_map = DB_MAP(struct cred_info, token_fields);

/* A row of STMT_KEY_LIST; website_id is the caller's. */
static const struct db_field key_fields[KEY_LIST_C__MAX] = {
	[KEY_LIST_C_ID] = DB_FIELD(struct cred_info, id),
	[KEY_LIST_C_NAME] = DB_FIELD(struct cred_info, name),
	[KEY_LIST_C_DISPLAY_KEY] = DB_FIELD(struct cred_info, display_key),
	[KEY_LIST_C_CREATED_AT] = DB_FIELD(struct cred_info, created_at),
};
static const struct db_map key_map = DB_MAP(struct cred_info, key_fields);

enum rerr
cred_token_list(struct op *op, const char *user, struct cred_info **out,
    size_t *n)
{
	struct cred_info *v;
	struct dbres      r, s;
	struct dbp        p[1];
	size_t            i, j, k;
	int               rc;

	p[0] = DB_STR(op->actor != NULL ? op->actor->user_id : user);
	if ((rc = db_rows(op->db, op->a, STMT_TOKEN_LIST, p, 1, &token_map,
		 &r)))
		return op_db(op, rc);
	if ((rc = db_exec(op->db, op->a, STMT_TOKEN_LIST_SITES, p, 1, &s)))
		return op_db(op, rc);
	v = r.rows;
	for (i = 0; i < r.nrows; i++) {
		v[i].perms = perm_close(v[i].perms);
		v[i].sites = arena_alloc(op->a, (s.nrows + 1) * sizeof(char *));
		for (j = 0, k = 0; j < s.nrows; j++)
			if (strcmp(db_cell(&s, j, TOKEN_LIST_SITES_C_CRED_ID),
				v[i].id) == 0)
				v[i].sites[k++] = db_cell(&s, j,
				    TOKEN_LIST_SITES_C_WEBSITE_ID);
		v[i].nsites = k;
	}
	*out = v;
	*n = r.nrows;
	return RERR_OK;
}

struct tok_args {
	const char       *user, *name;
	unsigned          perms;
	const char      **sites;
	size_t            nsites;
	struct cred_info *out;
};

/* Inserts the credential row; kind "token" or "key". */
static enum rerr
insert_cred(struct op *op, const char *kind, const char *user, const char *site,
    const char *name, unsigned perms, int scoped, struct cred_info *out)
{
	unsigned char hash[SECRET_HASH_LEN];
	char          secret[SECRET_MAX], display[DISPLAY_MAX];
	char          id[ID_LEN + 1];
	struct dbp    p[10];
	int           rc;

	id_new(id);
	secret_new(strcmp(kind, "token") == 0 ? SECRET_TOKEN : SECRET_KEY,
	    secret, hash, display);
	p[0] = DB_STR(id);
	p[1] = DB_STR(kind);
	p[2] = DB_BIN(hash, sizeof(hash));
	p[3] = DB_STR(user);
	p[4] = DB_STR(site);
	p[5] = DB_STR(name);
	p[6] = DB_STR(display);
	p[7] = DB_I64(perms);
	p[8] = DB_I64(scoped);
	p[9] = DB_I64(op->now);
	if ((rc = db_exec(op->db, op->a, STMT_CRED_INSERT, p, 10, NULL)))
		return op_db(op, rc);
	out->id = arena_strdup(op->a, id);
	out->name = name;
	out->display_key = arena_strdup(op->a, display);
	out->key = arena_strdup(op->a, secret);
	out->perms = perms;
	out->website_id = site;
	out->created_at = op->now;
	return RERR_OK;
}

static enum rerr
token_tx(struct op *op, void *arg)
{
	struct tok_args *a = arg;
	struct dbp       p[2];
	enum rerr        e;
	size_t           i;
	int              rc;

	if ((e = insert_cred(op, "token", a->user, NULL, a->name, a->perms,
		 a->nsites > 0, a->out)) != RERR_OK)
		return e;
	for (i = 0; i < a->nsites; i++) {
		p[0] = DB_STR(a->out->id);
		p[1] = DB_STR(a->sites[i]);
		rc = db_exec(op->db, op->a, STMT_CRED_SITE_INSERT, p, 2, NULL);
		if (rc != 0 && rc != DB_EDUP) /* a repeated id is harmless */
			return op_db(op, rc);
	}
	a->out->sites = a->sites;
	a->out->nsites = a->nsites;
	return op_audit(op, NULL, "token.create", a->out->id);
}

/* 1 when the user is a member of the website. */
static int
is_member(struct op *op, const char *user, const char *site, int *rc)
{
	struct dbres r;
	struct dbp   p[2];

	p[0] = DB_STR(site);
	p[1] = DB_STR(user);
	if ((*rc = db_exec(op->db, op->a, STMT_MEMBER_OF, p, 2, &r)) != 0)
		return 0;
	return r.nrows == 1;
}

enum rerr
cred_token_create(struct op *op, const char *user, const char *name,
    unsigned perms, const char **sites, size_t nsites, struct cred_info *out)
{
	const struct actor *ac = op->actor;
	struct tok_args     a;
	struct dbres        r;
	struct dbp          p[1];
	size_t              i, j;
	int                 rc;

	memset(out, 0, sizeof(*out));
	if (name != NULL && !utf8_valid(name, strlen(name), 200))
		return op_invalid(op, "name",
		    "name must be valid UTF-8 text "
		    "of at most 200 characters");
	if (nsites > CRED_MAX_SITES)
		return op_invalid(op, "websiteIds",
		    "websiteIds may hold at most 100 ids");
	for (i = 0; i < nsites; i++)
		if (!id_valid(sites[i]))
			return op_invalid(op, "websiteIds",
			    "websiteIds must be 24-character hex ids");
	if (ac != NULL) {
		user = ac->user_id;
		if (perms == 0)
			perms = ac->perms;
		perms = perm_close(perms);
		if ((perms & ~ac->perms) != 0)
			return op_fail(op, RERR_FORBIDDEN,
			    "A new token cannot "
			    "have permissions its creator lacks");
		if (ac->scoped) {
			/* The creator's allowlist bounds the new one. */
			p[0] = DB_STR(ac->cred_id);
			if ((rc = db_exec(op->db, op->a, STMT_CRED_WEBSITES, p,
				 1, &r)))
				return op_db(op, rc);
			if (nsites == 0) {
				sites = arena_alloc(op->a,
				    (r.nrows + 1) * sizeof(char *));
				for (j = 0; j < r.nrows; j++)
					sites[j] = db_cell(&r, j,
					    CRED_WEBSITES_C_WEBSITE_ID);
				nsites = r.nrows;
			}
			for (i = 0; i < nsites; i++) {
				for (j = 0; j < r.nrows; j++)
					if (!strcmp(sites[i],
						db_cell(&r, j,
						    CRED_WEBSITES_C_WEBSITE_ID)))
						break;
				if (j == r.nrows)
					return op_fail(op, RERR_FORBIDDEN,
					    "A new token cannot reach websites "
					    "its creator cannot");
			}
		}
	} else
		perms = perm_close(perms == 0 ? PERM_ALL : perms);
	for (i = 0; i < nsites; i++) {
		if (!is_member(op, user, sites[i], &rc))
			return rc ?
			    op_db(op, rc) :
			    op_fail(op, RERR_FORBIDDEN,
				"A new token can only reach websites its user "
				"belongs to");
	}
	a.user = user;
	a.name = name;
	a.perms = perms;
	a.sites = sites;
	a.nsites = nsites;
	a.out = out;
	return op_tx(op, token_tx, &a);
}

struct revoke_args {
	enum stmt   st;
	const char *id, *owner, *site, *action;
};

static enum rerr
revoke_tx(struct op *op, void *arg)
{
	struct revoke_args *a = arg;
	struct dbres        r;
	struct dbp          p[3];
	enum rerr           e;
	int                 rc;

	/*
	 * Workers' cached resolutions of this credential (app/core/auth.c) are
	 * checked against the team generation of the website they name: bump
	 * it for every website they can name, a key's own or its user's.
	 * Rolled back with the rest when no credential is revoked.
	 */
	if ((e = a->st == STMT_KEY_REVOKE ?
		    team_changed(op, a->site) :
		    team_user_changed(op, a->owner)) != RERR_OK)
		return e;
	p[0] = DB_I64(op->now);
	p[1] = DB_STR(a->id);
	p[2] = DB_STR(a->owner);
	if ((rc = db_exec(op->db, op->a, a->st, p, 3, &r)))
		return op_db(op, rc);
	if (r.affected == 0)
		return op_fail(op, RERR_NOT_FOUND, "Credential not found");
	return op_audit(op, a->site, a->action, a->id);
}

enum rerr
cred_token_revoke(struct op *op, const char *id)
{
	struct revoke_args a = { STMT_TOKEN_REVOKE, id, NULL, NULL,
		"token.revoke" };
	struct dbres       r;
	struct dbp         p[1];
	int                rc;

	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "Credential not found");
	if (op->actor != NULL)
		a.owner = op->actor->user_id;
	else {
		/* The CLI revokes anyone's: its owner's teams are bumped. */
		p[0] = DB_STR(id);
		if ((rc = db_exec(op->db, op->a, STMT_TOKEN_OWNER, p, 1, &r)))
			return op_db(op, rc);
		if (r.nrows != 1)
			return op_fail(op, RERR_NOT_FOUND,
			    "Credential not found");
		a.owner = db_cell(&r, 0, TOKEN_OWNER_C_USER_ID);
	}
	return op_tx(op, revoke_tx, &a);
}

enum rerr
cred_key_list(struct op *op, const char *site, struct cred_info **out,
    size_t *n)
{
	struct cred_info *v;
	struct dbres      r;
	struct dbp        p[1];
	size_t            i;
	int               rc;

	p[0] = DB_STR(site);
	if ((rc = db_rows(op->db, op->a, STMT_KEY_LIST, p, 1, &key_map, &r)))
		return op_db(op, rc);
	v = r.rows;
	for (i = 0; i < r.nrows; i++)
		v[i].website_id = site;
	*out = v;
	*n = r.nrows;
	return RERR_OK;
}

struct key_args {
	const char       *site, *name;
	struct cred_info *out;
};

static enum rerr
key_tx(struct op *op, void *arg)
{
	struct key_args *a = arg;
	enum rerr        e;

	if ((e = insert_cred(op, "key", NULL, a->site, a->name, 0, 0,
		 a->out)) != RERR_OK)
		return e;
	return op_audit(op, a->site, "apikey.create", a->out->id);
}

enum rerr
cred_key_create(struct op *op, const char *site, const char *name,
    struct cred_info *out)
{
	struct key_args a = { site, name, out };

	memset(out, 0, sizeof(*out));
	if (name != NULL && !utf8_valid(name, strlen(name), 200))
		return op_invalid(op, "name",
		    "name must be valid UTF-8 text "
		    "of at most 200 characters");
	return op_tx(op, key_tx, &a);
}

enum rerr
cred_key_revoke(struct op *op, const char *site, const char *id)
{
	struct revoke_args a = { STMT_KEY_REVOKE, id, site, site,
		"apikey.revoke" };

	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "API key not found");
	return op_tx(op, revoke_tx, &a);
}
