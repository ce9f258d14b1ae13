/*
 * Access tokens and website API keys (API.md "Access tokens and website API
 * keys").  No credential makes one that could do more than itself: a token
 * its creator's permissions and scope at most, a website key (which reads
 * the team) only by a token that reads the team.
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
 * A row of STMT_TOKEN_LIST; the permissions as stored (perm_encode()),
 * decoded after.  Whether a token is scoped shows in its sites.
 */
static const struct db_field token_fields[TOKEN_LIST_C__MAX] = {
	[TOKEN_LIST_C_ID] = DB_FIELD(struct cred_info, id),
	[TOKEN_LIST_C_NAME] = DB_FIELD(struct cred_info, name),
	[TOKEN_LIST_C_DISPLAY_KEY] = DB_FIELD(struct cred_info, display_key),
	[TOKEN_LIST_C_PERMS] = DB_FIELD(struct cred_info, perms),
	[TOKEN_LIST_C_SCOPED] = DB_SKIP,
	[TOKEN_LIST_C_CREATED_AT] = DB_FIELD(struct cred_info, created_at),
	[TOKEN_LIST_C_LAST_USED_AT] =
	    DB_FIELD_OR(struct cred_info, last_used_at, -1),
};
static const struct db_map token_map = DB_MAP(struct cred_info, token_fields);

/* A row of STMT_KEY_LIST or STMT_KEY_GET; website_id is the caller's. */
static const struct db_field key_fields[KEY_LIST_C__MAX] = {
	[KEY_LIST_C_ID] = DB_FIELD(struct cred_info, id),
	[KEY_LIST_C_NAME] = DB_FIELD(struct cred_info, name),
	[KEY_LIST_C_DISPLAY_KEY] = DB_FIELD(struct cred_info, display_key),
	[KEY_LIST_C_CREATED_AT] = DB_FIELD(struct cred_info, created_at),
	[KEY_LIST_C_CREATED_BY] = DB_FIELD(struct cred_info, created_by),
	[KEY_LIST_C_LAST_USED_AT] =
	    DB_FIELD_OR(struct cred_info, last_used_at, -1),
};
static const struct db_map key_map = DB_MAP(struct cred_info, key_fields);

/*
 * The acting token's allowlist into *r (STMT_CRED_WEBSITES), or no rows
 * when it has none (an unscoped token, a key, the CLI).
 */
static int
actor_sites(struct op *op, struct dbres *r)
{
	struct dbp p[1];

	memset(r, 0, sizeof(*r));
	if (op->actor == NULL || !op->actor->scoped)
		return 0;
	p[0] = DB_STR(op->actor->cred_id);
	return db_exec(op->db, op->a, STMT_CRED_WEBSITES, p, 1, r);
}

static int
listed(const struct dbres *allow, const char *site)
{
	size_t j;

	for (j = 0; j < allow->nrows; j++)
		if (strcmp(db_cell(allow, j, CRED_WEBSITES_C_WEBSITE_ID),
			site) == 0)
			return 1;
	return 0;
}

/*
 * Whether the acting token may see and manage token t (a token
 * scoped to some websites sees only tokens whose scope lies within its
 * own); allow is its allowlist (actor_sites()).
 */
static int
within_scope(const struct op *op, const struct dbres *allow,
    const struct cred_info *t)
{
	size_t i;

	if (op->actor == NULL || !op->actor->scoped)
		return 1;
	if (t->nsites == 0) /* every website: wider than any allowlist */
		return 0;
	for (i = 0; i < t->nsites; i++)
		if (!listed(allow, t->sites[i]))
			return 0;
	return 1;
}

enum rerr
cred_token_list(struct op *op, const char *user, struct cred_info **out,
    size_t *n)
{
	struct cred_info *v;
	struct dbres      r, s, allow;
	struct dbp        p[1];
	size_t            i, j, k, m;
	int               rc;

	p[0] = DB_STR(op->actor != NULL ? op->actor->user_id : user);
	if ((rc = db_rows(op->db, op->a, STMT_TOKEN_LIST, p, 1, &token_map,
		 &r)))
		return op_db(op, rc);
	if ((rc = db_exec(op->db, op->a, STMT_TOKEN_LIST_SITES, p, 1, &s)))
		return op_db(op, rc);
	if ((rc = actor_sites(op, &allow)))
		return op_db(op, rc);
	v = r.rows;
	for (i = 0, m = 0; i < r.nrows; i++) {
		v[i].perms = perm_decode(v[i].perms);
		v[i].sites = arena_alloc(op->a, (s.nrows + 1) * sizeof(char *));
		for (j = 0, k = 0; j < s.nrows; j++)
			if (strcmp(db_cell(&s, j, TOKEN_LIST_SITES_C_CRED_ID),
				v[i].id) == 0)
				v[i].sites[k++] = db_cell(&s, j,
				    TOKEN_LIST_SITES_C_WEBSITE_ID);
		v[i].nsites = k;
		if (within_scope(op, &allow, &v[i]))
			v[m++] = v[i];
	}
	*out = v;
	*n = m;
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
	const char   *by = NULL;
	struct dbp    p[11];
	int           rc, token = strcmp(kind, "token") == 0;

	/* A key remembers the user behind the token that made it. */
	if (!token && op->actor != NULL && op->actor->user_id[0] != '\0')
		by = arena_strdup(op->a, op->actor->user_id);
	id_new(id);
	secret_new(token ? SECRET_TOKEN : SECRET_KEY, secret, hash, display);
	p[0] = DB_STR(id);
	p[1] = DB_STR(kind);
	p[2] = DB_BIN(hash, sizeof(hash));
	p[3] = DB_STR(user);
	p[4] = DB_STR(site);
	p[5] = DB_STR(by);
	p[6] = DB_STR(name);
	p[7] = DB_STR(display);
	p[8] = DB_I64(token ? perm_encode(perms) : 0);
	p[9] = DB_I64(scoped);
	p[10] = DB_I64(op->now);
	if ((rc = db_exec(op->db, op->a, STMT_CRED_INSERT, p, 11, NULL)))
		return op_db(op, rc);
	out->id = arena_strdup(op->a, id);
	out->name = name;
	out->display_key = arena_strdup(op->a, display);
	out->key = arena_strdup(op->a, secret);
	out->perms = perms;
	out->website_id = site;
	out->created_by = by;
	out->created_at = op->now;
	out->last_used_at = -1;
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

/*
 * A new token's websites within its creator's scope: the creator's own
 * allowlist when none is asked for.  RERR_OK or the outcome.
 */
static enum rerr
bound_scope(struct op *op, const char ***sites, size_t *nsites)
{
	struct dbres r;
	size_t       i, j;
	int          rc;

	if ((rc = actor_sites(op, &r)))
		return op_db(op, rc);
	if (!op->actor->scoped)
		return RERR_OK;
	if (*nsites == 0) {
		*sites = arena_alloc(op->a, (r.nrows + 1) * sizeof(char *));
		for (j = 0; j < r.nrows; j++)
			(*sites)[j] =
			    db_cell(&r, j, CRED_WEBSITES_C_WEBSITE_ID);
		*nsites = r.nrows;
	}
	for (i = 0; i < *nsites; i++)
		if (!listed(&r, (*sites)[i]))
			return op_fail(op, RERR_FORBIDDEN,
			    "A new token cannot reach websites "
			    "its creator cannot");
	return RERR_OK;
}

enum rerr
cred_token_create(struct op *op, const char *user, const char *name,
    unsigned perms, const char **sites, size_t nsites, struct cred_info *out)
{
	const struct actor *ac = op->actor;
	struct tok_args     a;
	enum rerr           e;
	size_t              i;
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
			perms = ac->grant;
		/* Compared as what each may do: `*` is every name. */
		if ((perm_close(perms) & ~ac->perms) != 0)
			return op_fail(op, RERR_FORBIDDEN,
			    "A new token cannot "
			    "have permissions its creator lacks");
		if ((e = bound_scope(op, &sites, &nsites)) != RERR_OK)
			return e;
	} else if (perms == 0)
		perms = PERM_STAR;
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
	struct cred_info  *v;
	struct dbres       r;
	struct dbp         p[1];
	size_t             n, i;
	int                rc;
	enum rerr          e;

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
	/* A token outside the acting token's scope is not there for it. */
	if (op->actor != NULL && op->actor->scoped) {
		if ((e = cred_token_list(op, NULL, &v, &n)) != RERR_OK)
			return e;
		for (i = 0; i < n && strcmp(v[i].id, id) != 0; i++)
			;
		if (i == n)
			return op_fail(op, RERR_NOT_FOUND,
			    "Credential not found");
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

enum rerr
cred_key_get(struct op *op, const char *site, const char *id,
    struct cred_info *out)
{
	struct dbres r;
	struct dbp   p[2];
	int          rc;

	memset(out, 0, sizeof(*out));
	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "API key not found");
	p[0] = DB_STR(id);
	p[1] = DB_STR(site);
	if ((rc = db_rows(op->db, op->a, STMT_KEY_GET, p, 2, &key_map, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND, "API key not found");
	*out = *(struct cred_info *)r.rows;
	out->website_id = site;
	return RERR_OK;
}

/*
 * A website key reads the team: a credential that cannot may not make one
 * (nor roll one, which makes a new raw key).
 */
static enum rerr
may_make_key(struct op *op)
{
	if (op->actor != NULL && !(op->actor->perms & PERM_TEAM_READ))
		return op_fail(op, RERR_FORBIDDEN,
		    "A website API key reads the team: creating or rolling "
		    "one needs team:read beside api-keys:write");
	return RERR_OK;
}

struct key_args {
	const char       *site, *id, *name;
	struct cred_info *out;
};

static enum rerr
key_tx(struct op *op, void *arg)
{
	struct key_args *a = arg;
	struct dbres     r;
	struct dbp       p[1];
	enum rerr        e;
	int              rc;

	/* Concurrent creations wait here, then count what committed. */
	p[0] = DB_STR(a->site);
	if ((rc = db_exec(op->db, op->a, STMT_WEBSITE_LOCK, p, 1, NULL)))
		return op_db(op, rc);
	if ((rc = db_exec(op->db, op->a, STMT_KEY_COUNT, p, 1, &r)))
		return op_db(op, rc);
	if (r.nrows == 1 && db_cell_i64(&r, 0, KEY_COUNT_C_N) >= CRED_KEYS_MAX)
		return op_fail(op, RERR_INVALID,
		    "A website has at most 10 API keys: revoke one first");
	if ((e = insert_cred(op, "key", NULL, a->site, a->name, 0, 0,
		 a->out)) != RERR_OK)
		return e;
	return op_audit(op, a->site, "apikey.create", a->out->id);
}

enum rerr
cred_key_create(struct op *op, const char *site, const char *name,
    struct cred_info *out)
{
	struct key_args a = { site, NULL, name, out };
	enum rerr       e;

	memset(out, 0, sizeof(*out));
	if ((e = may_make_key(op)) != RERR_OK)
		return e;
	if (name != NULL && !utf8_valid(name, strlen(name), 200))
		return op_invalid(op, "name",
		    "name must be valid UTF-8 text "
		    "of at most 200 characters");
	return op_tx(op, key_tx, &a);
}

static enum rerr
roll_tx(struct op *op, void *arg)
{
	struct key_args *a = arg;
	unsigned char    hash[SECRET_HASH_LEN];
	char             secret[SECRET_MAX], display[DISPLAY_MAX];
	struct dbres     r;
	struct dbp       p[4];
	enum rerr        e;
	int              rc;

	/* Every worker's cached resolution of the old key goes with it. */
	if ((e = team_changed(op, a->site)) != RERR_OK)
		return e;
	secret_new(SECRET_KEY, secret, hash, display);
	p[0] = DB_BIN(hash, sizeof(hash));
	p[1] = DB_STR(display);
	p[2] = DB_STR(a->id);
	p[3] = DB_STR(a->site);
	if ((rc = db_exec(op->db, op->a, STMT_KEY_ROLL, p, 4, &r)))
		return op_db(op, rc);
	if (r.affected == 0)
		return op_fail(op, RERR_NOT_FOUND, "API key not found");
	if ((e = cred_key_get(op, a->site, a->id, a->out)) != RERR_OK)
		return e;
	a->out->key = arena_strdup(op->a, secret);
	return op_audit(op, a->site, "apikey.roll", a->id);
}

enum rerr
cred_key_roll(struct op *op, const char *site, const char *id,
    struct cred_info *out)
{
	struct key_args a = { site, id, NULL, out };
	enum rerr       e;

	memset(out, 0, sizeof(*out));
	if (!id_valid(id))
		return op_fail(op, RERR_NOT_FOUND, "API key not found");
	if ((e = may_make_key(op)) != RERR_OK)
		return e;
	return op_tx(op, roll_tx, &a);
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

enum rerr
cred_keys_revoke_creator(struct op *op, const char *site, const char *user)
{
	struct dbres r;
	struct dbp   p[3];
	enum rerr    e;
	size_t       i;
	int          rc;

	p[0] = DB_STR(site);
	p[1] = DB_STR(user);
	if ((rc = db_exec(op->db, op->a, STMT_KEYS_OF_CREATOR, p, 2, &r)))
		return op_db(op, rc);
	if (r.nrows == 0)
		return RERR_OK;
	p[0] = DB_I64(op->now);
	p[1] = DB_STR(site);
	p[2] = DB_STR(user);
	if ((rc = db_exec(op->db, op->a, STMT_KEYS_REVOKE_CREATOR, p, 3, NULL)))
		return op_db(op, rc);
	for (i = 0; i < r.nrows; i++)
		if ((e = op_audit(op, site, "apikey.revoke",
			 db_cell(&r, i, KEYS_OF_CREATOR_C_ID))) != RERR_OK)
			return e;
	return RERR_OK;
}

enum rerr
cred_touch(struct op *op, const char *id, int64_t at)
{
	struct dbp p[3];
	int        rc;

	p[0] = DB_I64(at);
	p[1] = DB_STR(id);
	p[2] = DB_I64(at);
	if ((rc = db_exec(op->db, op->a, STMT_CRED_TOUCH, p, 3, NULL)))
		return op_db(op, rc);
	return RERR_OK;
}
