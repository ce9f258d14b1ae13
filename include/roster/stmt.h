/*
 * The statement table: every SQL statement roster runs with data, by name,
 * and the columns of those that return rows.  The SQL text is in
 * app/db/stmt.c; each is prepared once per connection.
 */
#ifndef ROSTER_STMT_H
#define ROSTER_STMT_H

enum stmt {
	STMT_PING,
	STMT_AUTH,
	STMT_AUTH_OWN,
	STMT_AUTH_CHECK,
	STMT_CRED_WEBSITES,
	STMT_WEBSITES_OF_USER,
	STMT_WEBSITE_GET,
	STMT_WEBSITE_INSERT,
	STMT_WEBSITE_UPDATE,
	STMT_WEBSITE_LOCK,
	STMT_TEAM_TOUCH,
	STMT_TEAM_TOUCH_USER,
	STMT_SEATS_USED,
	STMT_USER_BY_EMAIL,
	STMT_USER_INSERT,
	STMT_USER_GET,
	STMT_USER_RENAME,
	STMT_WEBSITE_OWNER,
	STMT_MEMBER_OF,
	STMT_MEMBER_INSERT,
	STMT_MEMBER_DELETE,
	STMT_MEMBER_SET_ROLE,
	STMT_MEMBER_ROLE,
	STMT_MEMBER_BY_EMAIL,
	STMT_TEAM_FIRST,
	STMT_TEAM_AFTER,
	STMT_INVITE_EXPIRE_STALE,
	STMT_INVITE_INSERT,
	STMT_INVITE_LIST,
	STMT_INVITE_GET,
	STMT_INVITE_REVOKE,
	STMT_INVITE_RESEND,
	STMT_INVITE_SET_ROLE,
	STMT_INVITE_BY_TOKEN,
	STMT_INVITE_BY_TOKEN_LOCK,
	STMT_INVITE_MARK_ACCEPTED,
	STMT_OUTBOX_INSERT,
	STMT_OUTBOX_QUEUED,
	STMT_OUTBOX_CLEAR_LINKS,
	STMT_OUTBOX_SEAL_LINK,
	STMT_OUTBOX_SUPERSEDE,
	STMT_OUTBOX_CLAIM,
	STMT_OUTBOX_RETIRE_CLOSED,
	STMT_OUTBOX_CLAIMED,
	STMT_OUTBOX_SENT,
	STMT_OUTBOX_RETRY,
	STMT_OUTBOX_STATS,
	STMT_TOKEN_LIST,
	STMT_TOKEN_LIST_SITES,
	STMT_KEY_LIST,
	STMT_KEY_GET,
	STMT_KEY_COUNT,
	STMT_CRED_INSERT,
	STMT_CRED_SITE_INSERT,
	STMT_CRED_TOUCH,
	STMT_TOKEN_REVOKE,
	STMT_KEY_REVOKE,
	STMT_KEY_ROLL,
	STMT_KEYS_OF_CREATOR,
	STMT_KEYS_REVOKE_CREATOR,
	STMT_AUDIT_INSERT,
	STMT_AUDIT_LIST,
	STMT_AUDIT_LIST_USER,
	STMT_RATE_HIT,
	STMT_RATE_GC,
	STMT_IDEM_DROP_OLD,
	STMT_IDEM_GET,
	STMT_IDEM_PUT,
	STMT_IDEM_GC,
	STMT_MIGRATION_LOCK,
	STMT_MIGRATION_APPLIED,
	STMT_MIGRATION_RECORD,
	STMT_SCHEMA_TABLE,
	STMT_WEBSITES_ALL,
	STMT_WEBSITE_SHOW,
	STMT_TOKEN_OWNER,
	STMT_WEBSITE_DROP_OUTBOX,
	STMT_WEBSITE_DROP_INVITES,
	STMT_WEBSITE_DROP_MEMBERS,
	STMT_WEBSITE_DROP_KEYS,
	STMT_WEBSITE_DROP_CRED_SITES,
	STMT_WEBSITE_DROP,
	STMT_OUTBOX_PENDING,
	STMT__MAX
};

/*
 * The columns of every statement that returns rows, in the order of its
 * select list, so that a cell is read by name where it is used
 * (db_cell(&r, 0, AUTH_C_KIND)) or mapped into a struct by a table indexed
 * by these names (include/roster/dbres.h).  Each enum is named after its
 * statement, or after the family of statements that share one select list;
 * its __MAX is the count the statement table records, and the database
 * layer checks it against the prepared statement's field count, so adding
 * a column to a SELECT without naming it here fails at once instead of
 * shifting the columns after it.  The comments give each column's SQL.
 */

/* STMT_PING. */
enum ping_col {
	PING_C_ONE, /* 1 */
	PING_C__MAX
};

/* STMT_AUTH and STMT_AUTH_OWN: one select list, written once. */
enum auth_col {
	AUTH_C_ID,          /* c.id */
	AUTH_C_KIND,        /* c.kind: 'token' or 'key' */
	AUTH_C_USER_ID,     /* c.user_id: tokens */
	AUTH_C_KEY_SITE,    /* c.website_id: keys */
	AUTH_C_PERMS,       /* c.perms */
	AUTH_C_SCOPED,      /* c.scoped */
	AUTH_C_TOKEN_HASH,  /* c.token_hash */
	AUTH_C_SITE,        /* w.id: NULL, no such website */
	AUTH_C_SEAT_LIMIT,  /* w.seat_limit: NULL, no limit */
	AUTH_C_ROLE,        /* m.role: NULL, not a member */
	AUTH_C_EMAIL,       /* u.email */
	AUTH_C_LISTED,      /* the website in the token's allowlist: 0/1 */
	AUTH_C_NAME,        /* u.name */
	AUTH_C_SITE_NAME,   /* w.name */
	AUTH_C_SITE_DOMAIN, /* w.domain */
	AUTH_C_TEAM_GEN,    /* w.team_gen */
	AUTH_C__MAX
};

/* STMT_AUTH_CHECK. */
enum auth_check_col {
	AUTH_CHECK_C_TEAM_GEN, /* team_gen */
	AUTH_CHECK_C__MAX
};

/* STMT_CRED_WEBSITES. */
enum cred_websites_col {
	CRED_WEBSITES_C_WEBSITE_ID, /* website_id */
	CRED_WEBSITES_C__MAX
};

/* STMT_WEBSITES_OF_USER. */
enum websites_of_user_col {
	WEBSITES_OF_USER_C_ID,         /* w.id */
	WEBSITES_OF_USER_C_DOMAIN,     /* w.domain */
	WEBSITES_OF_USER_C_NAME,       /* w.name */
	WEBSITES_OF_USER_C_ROLE,       /* m.role */
	WEBSITES_OF_USER_C_SEAT_LIMIT, /* w.seat_limit: NULL, no limit */
	WEBSITES_OF_USER_C_TIMEZONE,   /* w.timezone */
	WEBSITES_OF_USER_C__MAX
};

/* STMT_WEBSITE_GET. */
enum website_get_col {
	WEBSITE_GET_C_ID,              /* id */
	WEBSITE_GET_C_DOMAIN,          /* domain */
	WEBSITE_GET_C_NAME,            /* name */
	WEBSITE_GET_C_SEAT_LIMIT,      /* seat_limit: NULL, no limit */
	WEBSITE_GET_C_TIMEZONE,        /* timezone */
	WEBSITE_GET_C_EMAIL_DOMAINS,   /* allowed_email_domains: NULL, any */
	WEBSITE_GET_C_ACCEPT_REDIRECT, /* accept_redirect_url: NULL, none */
	WEBSITE_GET_C_OWNER_ID,        /* owner_id */
	WEBSITE_GET_C_CREATED_AT,      /* created_at */
	WEBSITE_GET_C__MAX
};

/* STMT_SEATS_USED. */
enum seats_used_col {
	SEATS_USED_C_USED, /* members + other pending invitations */
	SEATS_USED_C__MAX
};

/* STMT_USER_BY_EMAIL. */
enum user_by_email_col {
	USER_BY_EMAIL_C_ID,   /* id */
	USER_BY_EMAIL_C_NAME, /* name */
	USER_BY_EMAIL_C__MAX
};

/* STMT_USER_GET and STMT_WEBSITE_OWNER: one select list. */
enum user_col {
	USER_C_ID,         /* u.id */
	USER_C_NAME,       /* u.name */
	USER_C_EMAIL,      /* u.email */
	USER_C_IMAGE,      /* u.image */
	USER_C_CREATED_AT, /* u.created_at */
	USER_C__MAX
};

/* STMT_MEMBER_OF. */
enum member_of_col {
	MEMBER_OF_C_ROLE, /* role */
	MEMBER_OF_C__MAX
};

/* STMT_MEMBER_ROLE. */
enum member_role_col {
	MEMBER_ROLE_C_ROLE,      /* m.role */
	MEMBER_ROLE_C_NAME,      /* u.name */
	MEMBER_ROLE_C_EMAIL,     /* u.email */
	MEMBER_ROLE_C_IMAGE,     /* u.image */
	MEMBER_ROLE_C_JOINED_AT, /* m.joined_at */
	MEMBER_ROLE_C__MAX
};

/* STMT_MEMBER_BY_EMAIL. */
enum member_by_email_col {
	MEMBER_BY_EMAIL_C_USER_ID, /* m.user_id */
	MEMBER_BY_EMAIL_C__MAX
};

/* STMT_TEAM_FIRST and STMT_TEAM_AFTER: one select list. */
enum team_col {
	TEAM_C_USER_ID,   /* m.user_id */
	TEAM_C_NAME,      /* u.name */
	TEAM_C_EMAIL,     /* u.email */
	TEAM_C_IMAGE,     /* u.image */
	TEAM_C_ROLE,      /* m.role */
	TEAM_C_JOINED_AT, /* m.joined_at */
	TEAM_C_SORT_RANK, /* m.sort_rank: the cursor's rank */
	TEAM_C_TEAM_GEN,  /* w.team_gen, the same in every row */
	TEAM_C__MAX
};

/* STMT_INVITE_LIST; STMT_INVITE_GET returns these and then the status. */
enum invite_col {
	INVITE_C_ID,            /* i.id */
	INVITE_C_EMAIL,         /* i.email */
	INVITE_C_ROLE,          /* i.role */
	INVITE_C_CREATED_AT,    /* i.created_at */
	INVITE_C_EXPIRES_AT,    /* i.expires_at */
	INVITE_C_INVITED_BY,    /* i.invited_by */
	INVITE_C_INVITER_EMAIL, /* u.email */
	INVITE_C__MAX
};

/* STMT_INVITE_GET: STMT_INVITE_LIST's columns, then: */
enum invite_get_col {
	INVITE_GET_C_STATUS = INVITE_C__MAX, /* i.status */
	INVITE_GET_C__MAX
};

/* STMT_INVITE_BY_TOKEN. */
enum invite_by_token_col {
	INVITE_BY_TOKEN_C_ID,          /* i.id */
	INVITE_BY_TOKEN_C_WEBSITE_ID,  /* i.website_id */
	INVITE_BY_TOKEN_C_EMAIL,       /* i.email */
	INVITE_BY_TOKEN_C_ROLE,        /* i.role */
	INVITE_BY_TOKEN_C_STATUS,      /* i.status */
	INVITE_BY_TOKEN_C_EXPIRES_AT,  /* i.expires_at */
	INVITE_BY_TOKEN_C_SITE_NAME,   /* w.name */
	INVITE_BY_TOKEN_C_SITE_DOMAIN, /* w.domain */
	INVITE_BY_TOKEN_C_INVITER,     /* the inviter's name, else email */
	INVITE_BY_TOKEN_C__MAX
};

/* STMT_INVITE_BY_TOKEN_LOCK. */
enum invite_by_token_lock_col {
	INVITE_BY_TOKEN_LOCK_C_ID,         /* i.id */
	INVITE_BY_TOKEN_LOCK_C_WEBSITE_ID, /* i.website_id */
	INVITE_BY_TOKEN_LOCK_C_EMAIL,      /* i.email */
	INVITE_BY_TOKEN_LOCK_C_ROLE,       /* i.role */
	INVITE_BY_TOKEN_LOCK_C_STATUS,     /* i.status */
	INVITE_BY_TOKEN_LOCK_C_EXPIRES_AT, /* i.expires_at */
	INVITE_BY_TOKEN_LOCK_C_SEAT_LIMIT, /* w.seat_limit: NULL, none */
	INVITE_BY_TOKEN_LOCK_C_SITE_NAME,  /* w.name */
	INVITE_BY_TOKEN_LOCK_C__MAX
};

/* STMT_OUTBOX_QUEUED. */
enum outbox_queued_col {
	OUTBOX_QUEUED_C_BODY_TEXT,   /* body_text */
	OUTBOX_QUEUED_C_LINK_SEALED, /* link_sealed: NULL, none */
	OUTBOX_QUEUED_C__MAX
};

/* STMT_OUTBOX_CLEAR_LINKS. */
enum outbox_clear_links_col {
	OUTBOX_CLEAR_LINKS_C_ID,            /* id */
	OUTBOX_CLEAR_LINKS_C_INVITATION_ID, /* invitation_id */
	OUTBOX_CLEAR_LINKS_C_BODY_TEXT,     /* body_text: the link in it */
	OUTBOX_CLEAR_LINKS_C__MAX
};

/* STMT_OUTBOX_CLAIMED. */
enum outbox_claimed_col {
	OUTBOX_CLAIMED_C_ID,            /* id */
	OUTBOX_CLAIMED_C_INVITATION_ID, /* invitation_id: the seal's ad */
	OUTBOX_CLAIMED_C_TO,            /* to_email */
	OUTBOX_CLAIMED_C_SUBJECT,       /* subject */
	OUTBOX_CLAIMED_C_TEXT,          /* body_text */
	OUTBOX_CLAIMED_C_HTML,          /* body_html */
	OUTBOX_CLAIMED_C_LINK_SEALED,   /* link_sealed: NULL, none */
	OUTBOX_CLAIMED_C_MESSAGE_ID,    /* message_id */
	OUTBOX_CLAIMED_C_ATTEMPTS,      /* attempts */
	OUTBOX_CLAIMED_C__MAX
};

/* STMT_OUTBOX_STATS. */
enum outbox_stats_col {
	OUTBOX_STATS_C_PENDING, /* emails waiting to be sent or retried */
	OUTBOX_STATS_C_FAILED,  /* emails given up */
	OUTBOX_STATS_C_OLDEST, /* created_at of the oldest waiting: NULL, none */
	OUTBOX_STATS_C__MAX
};

/* STMT_TOKEN_LIST. */
enum token_list_col {
	TOKEN_LIST_C_ID,           /* id */
	TOKEN_LIST_C_NAME,         /* name */
	TOKEN_LIST_C_DISPLAY_KEY,  /* display_key */
	TOKEN_LIST_C_PERMS,        /* perms: perm_encode() */
	TOKEN_LIST_C_SCOPED,       /* scoped */
	TOKEN_LIST_C_CREATED_AT,   /* created_at */
	TOKEN_LIST_C_LAST_USED_AT, /* last_used_at: NULL, never */
	TOKEN_LIST_C__MAX
};

/* STMT_TOKEN_LIST_SITES. */
enum token_list_sites_col {
	TOKEN_LIST_SITES_C_CRED_ID,    /* cw.credential_id */
	TOKEN_LIST_SITES_C_WEBSITE_ID, /* cw.website_id */
	TOKEN_LIST_SITES_C__MAX
};

/* STMT_KEY_LIST and STMT_KEY_GET: one select list. */
enum key_list_col {
	KEY_LIST_C_ID,           /* id */
	KEY_LIST_C_NAME,         /* name */
	KEY_LIST_C_DISPLAY_KEY,  /* display_key */
	KEY_LIST_C_CREATED_AT,   /* created_at */
	KEY_LIST_C_CREATED_BY,   /* created_by: NULL, the admin CLI */
	KEY_LIST_C_LAST_USED_AT, /* last_used_at: NULL, never */
	KEY_LIST_C__MAX
};

/* STMT_KEY_COUNT. */
enum key_count_col {
	KEY_COUNT_C_N, /* live keys of the website */
	KEY_COUNT_C__MAX
};

/* STMT_KEYS_OF_CREATOR. */
enum keys_of_creator_col {
	KEYS_OF_CREATOR_C_ID, /* id */
	KEYS_OF_CREATOR_C__MAX
};

/* STMT_AUDIT_LIST and STMT_AUDIT_LIST_USER: one select list. */
enum audit_col {
	AUDIT_C_ID,         /* id */
	AUDIT_C_CREATED_AT, /* created_at */
	AUDIT_C_WEBSITE_ID, /* website_id */
	AUDIT_C_USER_ID,    /* user_id */
	AUDIT_C_CRED_ID,    /* credential_id */
	AUDIT_C_ACTION,     /* action */
	AUDIT_C_TARGET,     /* target */
	AUDIT_C_REQUEST_ID, /* request_id */
	AUDIT_C__MAX
};

/* STMT_IDEM_GET. */
enum idem_get_col {
	IDEM_GET_C_REQUEST_HASH, /* request_hash */
	IDEM_GET_C_STATUS,       /* status */
	IDEM_GET_C_CONTENT_TYPE, /* content_type */
	IDEM_GET_C_BODY,         /* body: sealed */
	IDEM_GET_C__MAX
};

/* STMT_MIGRATION_LOCK. */
enum migration_lock_col {
	MIGRATION_LOCK_C_GOT, /* GET_LOCK(): 1 when taken */
	MIGRATION_LOCK_C__MAX
};

/* STMT_MIGRATION_APPLIED. */
enum migration_applied_col {
	MIGRATION_APPLIED_C_VERSION, /* version */
	MIGRATION_APPLIED_C__MAX
};

/* STMT_SCHEMA_TABLE. */
enum schema_table_col {
	SCHEMA_TABLE_C_N, /* 1 when schema_version exists, else 0 */
	SCHEMA_TABLE_C__MAX
};

/* STMT_WEBSITES_ALL and STMT_WEBSITE_SHOW: one select list. */
enum site_admin_col {
	SITE_ADMIN_C_ID,          /* w.id */
	SITE_ADMIN_C_DOMAIN,      /* w.domain */
	SITE_ADMIN_C_NAME,        /* w.name */
	SITE_ADMIN_C_SEAT_LIMIT,  /* w.seat_limit: NULL, no limit */
	SITE_ADMIN_C_CREATED_AT,  /* w.created_at */
	SITE_ADMIN_C_OWNER_ID,    /* the owner's user id: NULL, none */
	SITE_ADMIN_C_OWNER_EMAIL, /* the owner's email: NULL, none */
	SITE_ADMIN_C_MEMBERS,     /* members, the owner included */
	SITE_ADMIN_C_PENDING,     /* pending, unexpired invitations */
	SITE_ADMIN_C__MAX
};

/* STMT_TOKEN_OWNER. */
enum token_owner_col {
	TOKEN_OWNER_C_USER_ID, /* user_id */
	TOKEN_OWNER_C__MAX
};

/* STMT_OUTBOX_PENDING. */
enum outbox_pending_col {
	OUTBOX_PENDING_C_ID,            /* o.id */
	OUTBOX_PENDING_C_INVITATION_ID, /* o.invitation_id */
	OUTBOX_PENDING_C_WEBSITE_ID,    /* o.website_id */
	OUTBOX_PENDING_C_TO,            /* o.to_email */
	OUTBOX_PENDING_C_SUBJECT,       /* o.subject */
	OUTBOX_PENDING_C_LINK_SEALED,   /* o.link_sealed: NULL, none */
	OUTBOX_PENDING_C_ATTEMPTS,      /* o.attempts */
	OUTBOX_PENDING_C_LAST_ERROR,    /* o.last_error: NULL, none */
	OUTBOX_PENDING_C_CREATED_AT,    /* o.created_at */
	OUTBOX_PENDING_C__MAX
};

/* The SQL of a statement. */
const char *stmt_sql(enum stmt);
/*
 * How many columns it returns (its enum's __MAX above); 0 for a statement
 * that returns no rows.
 */
unsigned stmt_columns(enum stmt);

#endif
