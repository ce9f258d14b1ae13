/*
 * The team of a website (API.md "List team members", "Remove team
 * member", role change) and the seat limit every addition respects.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "roster/arena.h"
#include "roster/auth.h"
#include "roster/cache.h"
#include "roster/cred.h"
#include "roster/db.h"
#include "roster/email_address.h"
#include "roster/operation.h"
#include "roster/team.h"
#include "roster/user.h"

/*
 * A cursor is "v2:WEBSITE:RANK:JOINED:USER" in unpadded base64url: the sort
 * key of the last row of the page before, and the website whose team it
 * pages, so that a cursor carried to another website's list is refused
 * instead of paging that list from a foreign position.  "v1" cursors (no
 * website) came from roster before that and are refused the same way.
 */
char *
team_cursor_encode(struct arena *a, const struct team_cursor *c)
{
	char   plain[96];
	char  *out;
	size_t len;
	int    n;

	n = snprintf(plain, sizeof(plain), "v2:%s:%d:%" PRId64 ":%s", c->site,
	    c->rank, c->joined, c->user_id);
	len = sodium_base64_ENCODED_LEN((size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out = arena_alloc(a, len);
	sodium_bin2base64(out, len, (const unsigned char *)plain, (size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

int
team_cursor_decode(const char *s, struct team_cursor *c)
{
	unsigned char plain[96];
	size_t        n;
	char          text[97], *p, *end;
	long long     joined;

	if (s == NULL || strlen(s) > 128)
		return -1;
	if (sodium_base642bin(plain, sizeof(plain) - 1, s, strlen(s), NULL, &n,
		NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	memcpy(text, plain, n);
	text[n] = '\0';
	if (strlen(text) != n || strncmp(text, "v2:", 3) != 0)
		return -1;
	p = text + 3;
	if (strlen(p) <= ID_LEN || p[ID_LEN] != ':')
		return -1;
	p[ID_LEN] = '\0';
	if (!id_valid(p))
		return -1;
	memcpy(c->site, p, ID_LEN + 1);
	p += ID_LEN + 1;
	if (!(p[0] == '0' || p[0] == '1') || p[1] != ':')
		return -1;
	c->rank = p[0] - '0';
	p += 2;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	joined = strtoll(p, &end, 10);
	if (*end != ':' || joined < 0 || errno != 0)
		return -1;
	c->joined = joined;
	if (!id_valid(end + 1))
		return -1;
	memcpy(c->user_id, end + 1, ID_LEN + 1);
	return 0;
}

/*
 * A page in the cache: its rows and next cursor as NUL-terminated strings
 * in a row, "\\xff" for NULL (never valid UTF-8), joined_at as text.
 */
struct packer {
	char  *p;
	size_t n, cap;
	int    full;
};

static void
pack_str(struct packer *pk, const char *s)
{
	static const char null[2] = { (char)0xff, '\0' };
	size_t            len;

	if (s == NULL)
		s = null;
	len = strlen(s) + 1;
	if (pk->full || pk->n + len > pk->cap) {
		pk->full = 1;
		return;
	}
	memcpy(pk->p + pk->n, s, len);
	pk->n += len;
}

static const char *
unpack_str(struct arena *a, const char **p, const char *end, int *bad)
{
	const char *s = *p, *z;

	if (*bad || s >= end ||
	    (z = memchr(s, '\0', (size_t)(end - s))) == NULL) {
		*bad = 1;
		return NULL;
	}
	*p = z + 1;
	if ((unsigned char)*s == 0xff && z == s + 1)
		return NULL;
	return arena_strndup(a, s, (size_t)(z - s));
}

size_t
team_page_key(char *k, size_t cap, const char *site, long limit,
    const char *cursor)
{
	int n = snprintf(k, cap, "%s/%ld/%s", site, limit,
	    cursor != NULL ? cursor : "");

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static void
page_put(struct op *op, const char *key, size_t klen, int64_t gen,
    const struct team_page *pg)
{
	struct packer pk;
	char          num[32];
	size_t        i;

	pk.cap = CACHE_DATA_MAX;
	pk.p = arena_alloc(op->a, pk.cap);
	pk.n = 0;
	pk.full = 0;
	snprintf(num, sizeof(num), "%zu", pg->n);
	pack_str(&pk, num);
	pack_str(&pk, pg->next);
	for (i = 0; i < pg->n; i++) {
		pack_str(&pk, pg->v[i].user_id);
		pack_str(&pk, pg->v[i].name);
		pack_str(&pk, pg->v[i].email);
		pack_str(&pk, pg->v[i].image);
		pack_str(&pk, pg->v[i].role);
		snprintf(num, sizeof(num), "%" PRId64, pg->v[i].joined_at);
		pack_str(&pk, num);
	}
	if (!pk.full) /* a page too large to keep is read every time */
		cache_put(CACHE_TEAM, key, klen, gen, pk.p, pk.n);
}

/* The cached page into pg (copied into the arena); 0, or -1 if unusable. */
static int
page_get(struct op *op, const char *key, size_t klen, int64_t gen,
    struct team_page *pg)
{
	const char *p, *end, *s;
	int64_t     g;
	size_t      len, i, n;
	int         bad = 0;

	if ((p = cache_get(CACHE_TEAM, key, klen, &g, &len)) == NULL ||
	    g != gen)
		return -1;
	end = p + len;
	if ((s = unpack_str(op->a, &p, end, &bad)) == NULL)
		return -1;
	n = strtoul(s, NULL, 10);
	if (n > TEAM_LIMIT_MAX)
		return -1;
	pg->next = unpack_str(op->a, &p, end, &bad);
	pg->v = arena_alloc(op->a, (n + 1) * sizeof(*pg->v));
	for (i = 0; i < n; i++) {
		pg->v[i].user_id = unpack_str(op->a, &p, end, &bad);
		pg->v[i].name = unpack_str(op->a, &p, end, &bad);
		pg->v[i].email = unpack_str(op->a, &p, end, &bad);
		pg->v[i].image = unpack_str(op->a, &p, end, &bad);
		pg->v[i].role = unpack_str(op->a, &p, end, &bad);
		s = unpack_str(op->a, &p, end, &bad);
		pg->v[i].joined_at = s != NULL ? strtoll(s, NULL, 10) : 0;
	}
	if (bad || p != end) {
		memset(pg, 0, sizeof(*pg));
		pg->gen = -1;
		return -1;
	}
	pg->n = n;
	pg->gen = gen;
	return 0;
}

/*
 * A row of STMT_TEAM_FIRST/AFTER as a member; the sort rank and the team
 * generation are read by name for the cursor and the cache.
 */
/* clang-format off */
static const struct db_field team_fields[TEAM_C__MAX] = {
	[TEAM_C_USER_ID]	= DB_FIELD(struct member, user_id),
	[TEAM_C_NAME]		= DB_FIELD(struct member, name),
	[TEAM_C_EMAIL]		= DB_FIELD(struct member, email),
	[TEAM_C_IMAGE]		= DB_FIELD(struct member, image),
	[TEAM_C_ROLE]		= DB_FIELD(struct member, role),
	[TEAM_C_JOINED_AT]	= DB_FIELD(struct member, joined_at),
	[TEAM_C_SORT_RANK]	= DB_SKIP,
	[TEAM_C_TEAM_GEN]	= DB_SKIP,
};
/* clang-format on */
static const struct db_map team_map = DB_MAP(struct member, team_fields);

/*
 * One page from the database: limit rows after cursor c (NULL: the first),
 * and the next page's cursor when more remain.
 */
static enum rerr
page_read(struct op *op, const char *site, long limit,
    const struct team_cursor *cur, struct team_page *pg)
{
	struct team_cursor c;
	struct dbres       r;
	struct dbp         p[7];
	size_t             n;
	int                rc;

	/* One row more than asked tells whether a next page exists. */
	if (cur == NULL) {
		p[0] = DB_STR(site);
		p[1] = DB_I64(limit + 1);
		rc = db_exec(op->db, op->a, STMT_TEAM_FIRST, p, 2, &r);
	} else {
		p[0] = DB_STR(site);
		p[1] = DB_I64(cur->rank);
		p[2] = DB_I64(cur->rank);
		p[3] = DB_I64(cur->joined);
		p[4] = DB_I64(cur->joined);
		p[5] = DB_STR(cur->user_id);
		p[6] = DB_I64(limit + 1);
		rc = db_exec(op->db, op->a, STMT_TEAM_AFTER, p, 7, &r);
	}
	if (rc != 0)
		return op_db(op, rc);
	n = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
	pg->v = db_map(op->a, &r, &team_map, n);
	pg->n = n;
	pg->next = NULL;
	pg->gen = -1;
	if (r.nrows > (size_t)limit) {
		snprintf(c.site, sizeof(c.site), "%s", site);
		c.rank = (int)db_cell_i64(&r, n - 1, TEAM_C_SORT_RANK);
		c.joined = pg->v[n - 1].joined_at;
		snprintf(c.user_id, sizeof(c.user_id), "%s",
		    pg->v[n - 1].user_id);
		pg->next = team_cursor_encode(op->a, &c);
	}
	/*
	 * The generation read with the rows (the same snapshot), not the one
	 * authentication read: a change committed in between must not be
	 * filed under the older generation.  An empty page has no row to
	 * carry it.
	 */
	if (r.nrows > 0)
		pg->gen = db_cell_i64(&r, 0, TEAM_C_TEAM_GEN);
	return RERR_OK;
}

enum rerr
team_list(struct op *op, const char *site, long limit, const char *cursor,
    struct team_page *pg)
{
	struct team_cursor c;
	char               key[CACHE_KEY_MAX];
	size_t             klen;
	enum rerr          e;

	memset(pg, 0, sizeof(*pg));
	pg->gen = -1;
	if (limit < 1 || limit > TEAM_LIMIT_MAX)
		return op_invalid(op, "limit",
		    "limit must be a whole number from 1 to 1000");
	if (cursor != NULL && team_cursor_decode(cursor, &c) != 0)
		return op_invalid(op, "cursor",
		    "cursor is not valid: start again from the first page");
	if (cursor != NULL && strcmp(c.site, site) != 0)
		return op_invalid(op, "cursor",
		    "cursor belongs to another website's team list");
	/*
	 * The request's authentication read the website's team generation;
	 * a page cached at that generation is the page the statement below
	 * would return.
	 */
	klen = team_page_key(key, sizeof(key), site, limit, cursor);
	if (klen > 0 && op->actor != NULL && op->actor->team_gen >= 0 &&
	    strcmp(op->actor->site, site) == 0 &&
	    page_get(op, key, klen, op->actor->team_gen, pg) == 0)
		return RERR_OK;
	if ((e = page_read(op, site, limit, cursor != NULL ? &c : NULL, pg)) !=
	    RERR_OK)
		return e;
	/* Kept under the generation read with the rows (page_read()). */
	if (klen > 0 && pg->gen >= 0)
		page_put(op, key, klen, pg->gen, pg);
	return RERR_OK;
}

struct all_args {
	const char  *site;
	team_page_fn fn;
	void        *arg;
};

/*
 * Every page, in one snapshot (the transaction's first read fixes it), so
 * that a change committed while the pages are read shows in none of them
 * or in all.  Each page lives in an arena of its own, reset once fn has
 * taken what it needs: memory holds one page, whatever the team's size.
 */
static enum rerr
all_tx(struct op *op, void *arg)
{
	struct all_args   *a = arg;
	struct team_cursor c;
	struct team_page   pg;
	struct arena       page_arena;
	struct op          page_op = *op;
	enum rerr          e;
	int                more;

	if ((e = a->fn(op, NULL, a->arg)) != RERR_OK) /* (re)start */
		return e;
	arena_init(&page_arena);
	page_op.a = &page_arena;
	e = page_read(&page_op, a->site, TEAM_LIMIT_MAX, NULL, &pg);
	while (e == RERR_OK) {
		if ((e = a->fn(&page_op, &pg, a->arg)) != RERR_OK)
			break;
		if ((more = pg.next != NULL) &&
		    team_cursor_decode(pg.next, &c) != 0)
			e = RERR_INTERNAL;
		arena_reset(&page_arena);
		if (!more || e != RERR_OK)
			break;
		e = page_read(&page_op, a->site, TEAM_LIMIT_MAX, &c, &pg);
	}
	arena_release(&page_arena);
	/* What a page's statement said of a failure (op_db()) is op's. */
	op->msg = page_op.msg;
	op->retry = page_op.retry;
	return e;
}

enum rerr
team_list_all(struct op *op, const char *site, team_page_fn fn, void *arg)
{
	struct all_args a = { site, fn, arg };

	return op_tx(op, all_tx, &a);
}

/*
 * The website's team changed (or is about to, in this transaction): bump
 * its generation (or that of every website of a user), so that no
 * worker's cache serves the old team.  Locks the website rows; call it
 * before touching members.
 */
static enum rerr
touch(struct op *op, enum stmt st, const char *id)
{
	struct dbp p[1];
	int        rc;

	p[0] = DB_STR(id);
	if ((rc = db_exec(op->db, op->a, st, p, 1, NULL)))
		return op_db(op, rc);
	return RERR_OK;
}

enum rerr
team_changed(struct op *op, const char *site)
{
	return touch(op, STMT_TEAM_TOUCH, site);
}

enum rerr
team_user_changed(struct op *op, const char *user)
{
	return touch(op, STMT_TEAM_TOUCH_USER, user);
}

enum rerr
team_get(struct op *op, const char *site, const char *user, struct member *m)
{
	struct dbres r;
	struct dbp   p[2];
	int          rc;

	memset(m, 0, sizeof(*m));
	if (user == NULL || !id_valid(user))
		return op_fail(op, RERR_NOT_FOUND,
		    "User is not a member of this website");
	p[0] = DB_STR(site);
	p[1] = DB_STR(user);
	if ((rc = db_exec(op->db, op->a, STMT_MEMBER_ROLE, p, 2, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND,
		    "User is not a member of this website");
	m->user_id = arena_strdup(op->a, user);
	m->role = db_cell(&r, 0, MEMBER_ROLE_C_ROLE);
	m->name = db_cell(&r, 0, MEMBER_ROLE_C_NAME);
	m->email = db_cell(&r, 0, MEMBER_ROLE_C_EMAIL);
	m->image = db_cell(&r, 0, MEMBER_ROLE_C_IMAGE);
	m->joined_at = db_cell_i64(&r, 0, MEMBER_ROLE_C_JOINED_AT);
	return RERR_OK;
}

enum rerr
team_seat_take(struct op *op, const char *site, int64_t limit,
    const char *except)
{
	struct dbres r;
	struct dbp   p[4];
	int          rc;

	if (limit < 0)
		return RERR_OK;
	p[0] = DB_STR(site);
	if ((rc = db_exec(op->db, op->a, STMT_WEBSITE_LOCK, p, 1, NULL)))
		return op_db(op, rc);
	p[0] = DB_STR(site);
	p[1] = DB_STR(site);
	p[2] = DB_I64(op->now);
	p[3] = DB_STR(except != NULL ? except : "");
	if ((rc = db_exec(op->db, op->a, STMT_SEATS_USED, p, 4, &r)))
		return op_db(op, rc);
	if (r.nrows != 1 || db_cell_i64(&r, 0, SEATS_USED_C_USED) >= limit)
		return op_fail(op, RERR_SEAT_LIMIT,
		    "Billing seat limit "
		    "reached: members and pending invitations fill every "
		    "seat of this website");
	return RERR_OK;
}

struct remove_args {
	const char *site, *user;
};

static enum rerr
remove_tx(struct op *op, void *arg)
{
	struct remove_args *a = arg;
	struct dbres        r;
	struct dbp          p[2];
	enum rerr           e;
	int                 rc;

	/* Rolled back with the rest if nobody is removed. */
	if ((e = team_changed(op, a->site)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->site);
	p[1] = DB_STR(a->user);
	if ((rc = db_exec(op->db, op->a, STMT_MEMBER_DELETE, p, 2, &r)))
		return op_db(op, rc);
	if (r.affected == 0) {
		/* Not deleted: the owner, or nobody of that id. */
		if ((rc = db_exec(op->db, op->a, STMT_MEMBER_OF, p, 2, &r)))
			return op_db(op, rc);
		if (r.nrows == 1)
			return op_invalid(op, "userId",
			    "The website owner cannot be removed");
		return op_fail(op, RERR_NOT_FOUND,
		    "User is not a member of this website");
	}
	/* Their keys would go on reading the team: they go with them. */
	if ((e = cred_keys_revoke_creator(op, a->site, a->user)) != RERR_OK)
		return e;
	return op_audit(op, a->site, "member.remove", a->user);
}

enum rerr
team_remove(struct op *op, const char *site, const char *user)
{
	struct remove_args a = { site, user };

	if (user == NULL || *user == '\0')
		return op_invalid(op, "userId", "userId is required");
	if (op->actor != NULL && strcmp(user, op->actor->user_id) == 0)
		return op_invalid(op, "userId", "You cannot remove yourself");
	if (!id_valid(user))
		return op_fail(op, RERR_NOT_FOUND,
		    "User is not a member of this website");
	return op_tx(op, remove_tx, &a);
}

struct role_args {
	const char *site, *user, *role;
};

static enum rerr
role_tx(struct op *op, void *arg)
{
	struct role_args *a = arg;
	struct dbres      r;
	struct dbp        p[3];
	enum rerr         e;
	int               rc;

	if ((e = team_changed(op, a->site)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->role);
	p[1] = DB_STR(a->site);
	p[2] = DB_STR(a->user);
	if ((rc = db_exec(op->db, op->a, STMT_MEMBER_SET_ROLE, p, 3, &r)))
		return op_db(op, rc);
	if (r.affected == 0) {
		if ((rc = db_exec(op->db, op->a, STMT_MEMBER_OF, p + 1, 2, &r)))
			return op_db(op, rc);
		if (r.nrows == 1)
			return op_invalid(op, "userId",
			    "The owner's role cannot be changed");
		return op_fail(op, RERR_NOT_FOUND,
		    "User is not a member of this website");
	}
	/* A viewer cannot manage keys, so keeps none it made. */
	if (role_parse(a->role) == ROLE_VIEWER &&
	    (e = cred_keys_revoke_creator(op, a->site, a->user)) != RERR_OK)
		return e;
	return op_audit(op, a->site, "member.role",
	    arena_printf(op->a, "%s %s", a->user, a->role));
}

enum rerr
team_set_role(struct op *op, const char *site, const char *user,
    const char *role)
{
	struct role_args a = { site, user, role };
	enum role        r = role_parse(role);

	if (r != ROLE_MEMBER && r != ROLE_VIEWER)
		return op_invalid(op, "role",
		    "role must be \"member\" or \"viewer\"");
	if (op->actor != NULL && strcmp(user, op->actor->user_id) == 0)
		return op_invalid(op, "userId",
		    "You cannot change your own role");
	return op_tx(op, role_tx, &a);
}

struct add_args {
	const char *site, *email, *role;
	char       *user;
	int64_t     limit;
};

static enum rerr
add_tx(struct op *op, void *arg)
{
	struct add_args *a = arg;
	struct dbp       p[4];
	enum rerr        e;
	int              rc;

	if ((e = team_seat_take(op, a->site, a->limit, NULL)) != RERR_OK)
		return e;
	if ((e = user_ensure(op, a->email, NULL, a->user, NULL)) != RERR_OK)
		return e;
	if ((e = team_changed(op, a->site)) != RERR_OK)
		return e;
	p[0] = DB_STR(a->site);
	p[1] = DB_STR(a->user);
	p[2] = DB_STR(a->role);
	p[3] = DB_I64(op->now);
	rc = db_exec(op->db, op->a, STMT_MEMBER_INSERT, p, 4, NULL);
	if (rc == DB_EDUP)
		return op_fail(op, RERR_ALREADY_MEMBER,
		    "This email already belongs to a team member");
	if (rc != 0)
		return op_db(op, rc);
	return op_audit(op, a->site, "member.add", a->user);
}

enum rerr
team_add(struct op *op, const char *site, const char *email_raw,
    const char *role, char *user)
{
	struct add_args a;
	struct dbres    r;
	struct dbp      p[1];
	char            email[EMAIL_MAX + 1];
	enum role       ro = role_parse(role);
	int             rc;

	if (ro != ROLE_MEMBER && ro != ROLE_VIEWER)
		return op_invalid(op, "role",
		    "role must be \"member\" or \"viewer\"");
	if (email_raw == NULL ||
	    email_normalize(email_raw, strlen(email_raw), email) != 0)
		return op_invalid(op, "email", "email is not a valid address");
	if (!id_valid(site))
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	p[0] = DB_STR(site);
	if ((rc = db_exec(op->db, op->a, STMT_WEBSITE_GET, p, 1, &r)))
		return op_db(op, rc);
	if (r.nrows != 1)
		return op_fail(op, RERR_NOT_FOUND, "Website not found");
	a.site = site;
	a.email = email;
	a.role = role;
	a.user = user;
	a.limit = db_cell_i64_or(&r, 0, WEBSITE_GET_C_SEAT_LIMIT, -1);
	return op_tx(op, add_tx, &a);
}
