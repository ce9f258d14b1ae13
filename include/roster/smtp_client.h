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

/*
 * Room for any header smtp_send() writes: a subject of 300 characters
 * (the outbox's column) of up to 4 bytes, encoded.
 */
#define SMTP_HEADER_MAX 4096

/*
 * The header field "name: value" into out: as it is when value is
 * printable ASCII, else as RFC 2047 encoded-words (UTF-8, base64) of at
 * most 75 characters, each whole UTF-8 characters, one per line of at most
 * 76 characters (folded with CRLF and a blank); CR and LF in value become
 * blanks.  0, or -1 when out is too small.
 */
int smtp_header_encode(char *out, size_t outsz, const char *name,
    const char *value);

/* 0 when the server accepted the message; else -1 with err filled. */
int smtp_send(const struct config *, const struct smtp_msg *, char *err,
    size_t errsz);

#endif
