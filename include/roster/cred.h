/*
 * Credentials as resources: account tokens (dft_) of the acting user and
 * website API keys (df_).  Raw secrets exist only in the creating call's
 * result; lists show the masked display key.
 */
#ifndef ROSTER_CRED_H
#define ROSTER_CRED_H

#include <stddef.h>
#include <stdint.h>

#include "roster/err.h"

struct op;

struct cred_info {
	const char  *id;
	const char  *name; /* may be NULL */
	const char  *display_key;
	const char  *key;   /* raw, creation and roll only */
	unsigned     perms; /* tokens: the grant, as given (PERM_*) */
	const char **sites; /* tokens: allowlist (empty: all) */
	size_t       nsites;
	const char  *website_id;   /* keys */
	const char  *created_by;   /* keys: the creator's user; NULL: CLI */
	int64_t      created_at;   /* ms */
	int64_t      last_used_at; /* ms; -1: never */
};

/* The most live keys a website may have: the next is 400. */
#define CRED_KEYS_MAX 10

/*
 * GET /access-tokens: the acting user's live tokens, as far as the acting
 * token may see them: a token with a website allowlist sees only tokens
 * whose allowlist lies within its own (never an unscoped one).  With
 * op->actor NULL (the CLI), every live token of user.
 */
enum rerr cred_token_list(struct op *, const char *user, struct cred_info **,
    size_t *);
/*
 * POST /access-tokens.  perms is a grant (perm_parse() bits; 0: the
 * caller's own grant) and nsites 0 means the caller's scope.  A token
 * never exceeds its creator: a grant whose closure holds a permission the
 * creator's lacks, or a website outside the creator's scope, is 403.
 * With op->actor NULL (the CLI), user names the owner, any grant is
 * allowed and 0 means `*`.
 */
enum rerr cred_token_create(struct op *, const char *user, const char *name,
    unsigned perms, const char **sites, size_t nsites, struct cred_info *);
/*
 * DELETE /access-tokens/{id}: only the acting user's own, and only one the
 * acting token sees (cred_token_list()); else 404.  With op->actor NULL
 * (the CLI), any live token.
 */
enum rerr cred_token_revoke(struct op *, const char *id);

/* GET /websites/{id}/apikeys: the website's live keys. */
enum rerr cred_key_list(struct op *, const char *site, struct cred_info **,
    size_t *);
/* One live key of the website; 404 when there is none of that id. */
enum rerr cred_key_get(struct op *, const char *site, const char *id,
    struct cred_info *);
/*
 * POST /websites/{id}/apikeys.  A key reads the team, so an acting token
 * needs team:read beside api-keys:write (403 otherwise); the key records
 * the acting user as its creator (NULL from the CLI).  400 when the
 * website has CRED_KEYS_MAX live keys already (held under the website's
 * row lock, so concurrent creations never pass it).
 */
enum rerr cred_key_create(struct op *, const char *site, const char *name,
    struct cred_info *);
/*
 * PUT /websites/{id}/apikeys/{keyId}: a new raw key for the same record,
 * the old one refused from the commit on (every worker's cache included);
 * the same 403 as creating one; 404 for no live key of that id there.
 */
enum rerr cred_key_roll(struct op *, const char *site, const char *id,
    struct cred_info *);
enum rerr cred_key_revoke(struct op *, const char *site, const char *id);
/*
 * Revokes the live keys user created on site, in the caller's transaction
 * (call inside op_tx, after team_changed(site), which makes every worker
 * drop their cached resolutions): what removing a member, their leaving or
 * their becoming a viewer does, each revocation audited.
 */
enum rerr cred_keys_revoke_creator(struct op *, const char *site,
    const char *user);

/*
 * Records that credential id authenticated at `at` (ms), unless a later
 * use is recorded already: the write behind lastUsedAt, which the worker
 * makes between requests when app/core/usage.c says one is due.
 */
enum rerr cred_touch(struct op *, const char *id, int64_t at);

#endif
