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
	const char  *key;   /* raw, creation only */
	unsigned     perms; /* tokens */
	const char **sites; /* tokens: allowlist (empty: all) */
	size_t       nsites;
	const char  *website_id; /* keys */
	int64_t      created_at;
};

/*
 * GET /access-tokens: the acting user's live tokens; with op->actor NULL
 * (the CLI), those of user.
 */
enum rerr cred_token_list(struct op *, const char *user, struct cred_info **,
    size_t *);
/*
 * POST /access-tokens.  perms 0 and nsites 0 mean "the caller's".  A token
 * never exceeds its creator: more permissions, or a website outside the
 * creator's scope, is 403.  With op->actor NULL (the CLI), user names the
 * owner and any permissions are allowed.
 */
enum rerr cred_token_create(struct op *, const char *user, const char *name,
    unsigned perms, const char **sites, size_t nsites, struct cred_info *);
/*
 * DELETE /access-tokens/{id}: only the acting user's own; else 404.  With
 * op->actor NULL (the CLI), any live token.
 */
enum rerr cred_token_revoke(struct op *, const char *id);

enum rerr cred_key_list(struct op *, const char *site, struct cred_info **,
    size_t *);
enum rerr cred_key_create(struct op *, const char *site, const char *name,
    struct cred_info *);
enum rerr cred_key_revoke(struct op *, const char *site, const char *id);

#endif
