/*
 * The audit trail: every write, recorded in the write's transaction by
 * op_audit() (include/roster/operation.h), read back here.
 */
#ifndef ROSTER_AUDIT_H
#define ROSTER_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "roster/err.h"

struct op;

struct audit_entry {
	const char *id;
	int64_t     created_at;    /* ms */
	const char *website_id;    /* may be NULL (access tokens) */
	const char *user_id;       /* may be NULL (CLI, public accept) */
	const char *credential_id; /* may be NULL */
	const char *action;        /* "invite.create", "member.remove", ... */
	const char *target;
	const char *request_id;
};

/*
 * A website's entries since `since` (ms), oldest first; owned by op->a.
 * With website NULL, the entries of `user` (the acting user) instead:
 * those of every website and those of none (access tokens).
 */
enum rerr audit_list(struct op *, const char *website, const char *user,
    int64_t since, struct audit_entry **, size_t *);

#endif
