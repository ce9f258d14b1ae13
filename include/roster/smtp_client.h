/*
 * Sending one message over SMTP, with libcurl (STARTTLS, AUTH, timeouts).
 */
#ifndef ROSTER_SMTP_CLIENT_H
#define ROSTER_SMTP_CLIENT_H

#include <stddef.h>

struct config;

struct smtp_msg {
	const char *to;
	const char *subject;
	const char *text;
	const char *html;
	const char *message_id;
};

/* 0 when the server accepted the message; else -1 with err filled. */
int smtp_send(const struct config *, const struct smtp_msg *, char *err,
    size_t errsz);

#endif
