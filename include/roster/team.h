/*
 * A website's team: its members and their roles.
 */
#ifndef ROSTER_TEAM_H
#define ROSTER_TEAM_H

#include <stddef.h>
#include <stdint.h>

#include "roster/err.h"
#include "roster/ids.h"

struct arena;
struct op;

#define TEAM_LIMIT_DEFAULT 100
#define TEAM_LIMIT_MAX     1000

struct member {
	const char *user_id;
	const char *name; /* may be NULL */
	const char *email;
	const char *image; /* may be NULL */
	const char *role;
	int64_t     joined_at;
};

struct team_page {
	struct member *v; /* owned by op->a */
	size_t         n;
	const char    *next; /* cursor of the next page, or NULL */
	int64_t        gen;  /* team generation read at; -1: unknown */
};

/*
 * Where a page starts: the sort key of the last row of the page before,
 * on the website whose team it pages.
 */
struct team_cursor {
	char    site[ID_LEN + 1];
	int     rank;
	int64_t joined;
	char    user_id[ID_LEN + 1];
};

/*
 * GET /websites/{id}/team?limit=N: one page in list order (owner first,
 * then by joined_at).  cursor NULL: the first page.  RERR_INVALID for a
 * limit outside 1..1000, or a cursor that is garbled, of an older format,
 * or of another website.
 */
enum rerr team_list(struct op *, const char *site, long limit,
    const char *cursor, struct team_page *);
/*
 * Handed each page of team_list_all() in turn, or NULL when the listing
 * starts (again: a transaction retried starts over).  The page, and
 * anything fn allocates in op->a, is freed when fn returns: copy what
 * must last into an arena of the caller's own.  Anything but RERR_OK
 * stops the listing with that outcome.
 */
typedef enum rerr (
    *team_page_fn)(struct op *, const struct team_page *, void *arg);
/*
 * GET /websites/{id}/team without a limit: every member, in list order,
 * TEAM_LIMIT_MAX at a time, all read in one snapshot; memory holds one
 * page at a time, not the team.  Pages are not cached.
 */
enum rerr team_list_all(struct op *, const char *site, team_page_fn fn,
    void *arg);
/* One member of the website, the owner included; 404 when not one. */
enum rerr team_get(struct op *, const char *site, const char *user,
    struct member *);
/* DELETE /websites/{id}/team: 400 self, 404 not a member. */
enum rerr team_remove(struct op *, const char *site, const char *user);
/* PATCH /websites/{id}/team/{userId}: member <-> viewer only. */
enum rerr team_set_role(struct op *, const char *site, const char *user,
    const char *role);
/*
 * Direct add for imports (the CLI): creates the user if needed; the seat
 * limit still holds.  Writes the user id into user[ID_LEN + 1].
 */
enum rerr team_add(struct op *, const char *site, const char *email,
    const char *role, char *user);

/*
 * Bump the team generation (sql/0004_team_gen.sql) of a website, or of
 * every website a user is a member of, in the caller's transaction: every
 * write that changes a team, or what a team list shows of a member, calls
 * one of these, or workers' caches go on serving the old team.
 * team_changed() locks the website row: call it before touching members.
 */
enum rerr team_changed(struct op *, const char *site);
enum rerr team_user_changed(struct op *, const char *user);

/*
 * The cache key of a page (website, limit, cursor) into k; its length, or
 * 0 when it does not fit cap (such a page is not cached).
 */
size_t team_page_key(char *k, size_t cap, const char *site, long limit,
    const char *cursor);

/*
 * The cursor's text form, owned by the arena; and back (0, or -1 when s is
 * not a cursor of this format).  Decoding does not compare the website.
 */
char *team_cursor_encode(struct arena *, const struct team_cursor *);
int   team_cursor_decode(const char *, struct team_cursor *);

/*
 * Locks the website's seats and checks one more fits; except_invite names
 * an invitation not to count (or NULL).  Call inside a transaction.
 * RERR_SEAT_LIMIT when full; RERR_OK at once when the site has no limit.
 */
enum rerr team_seat_take(struct op *, const char *site, int64_t seat_limit,
    const char *except_invite);

#endif
