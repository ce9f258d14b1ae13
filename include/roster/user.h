/*
 * Users: people known by their (normalised) email.
 */
#ifndef ROSTER_USER_H
#define ROSTER_USER_H

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

#endif
