/*
 * Users: people known by their (normalised) email.
 */
#ifndef ROSTER_USER_H
#define ROSTER_USER_H

#include <stdint.h>

#include "roster/err.h"
#include "roster/ids.h"

struct op;

#define NAME_MAX_CHARS 200

/*
 * Finds the user with this normalised email or creates one (name may be
 * NULL).  Safe against a concurrent creation of the same email.  Writes the
 * id into id[ID_LEN + 1]; *created (may be NULL) says which happened.
 * Call inside a transaction when it is part of a larger write.
 */
enum rerr user_ensure(struct op *, const char *email, const char *name,
    char *id, int *created);

/* A user as GET /account shows them; strings owned by op->a. */
struct account {
	const char *id;
	const char *name; /* may be NULL */
	const char *email;
	const char *image; /* may be NULL */
	int64_t     created_at;
	const char *website_id; /* a df_ key's website, else NULL */
};

/*
 * GET /account: the acting credential's user; for a df_ key, which has
 * none, the owner of its website (the account it acts for), with the
 * key's website.  404 when there is none (a website without an owner).
 */
enum rerr user_account(struct op *, struct account *);
/*
 * PUT /account {"name"}: renames the acting token's user, 1 to 200
 * characters (400 otherwise); every team list shows it at once.  The
 * account as it is now in *out.
 */
enum rerr user_rename(struct op *, const char *name, struct account *out);

#endif
