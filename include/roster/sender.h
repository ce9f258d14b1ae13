/*
 * The sender of the invitation outbox: claims due messages, delivers them
 * over SMTP, marks each sent, or schedules a retry with back-off and marks
 * it failed after smtp_max_attempts.  At-least-once: a crash between
 * sending and marking sends the message again once its claim expires, with
 * the same Message-ID.  Any number of senders may run against one
 * database; a message is claimed by one at a time.
 */
#ifndef ROSTER_SENDER_H
#define ROSTER_SENDER_H

struct config;

/* `roster mailer`, or the master's mailer child.  Returns an exit code. */
int sender_run(const struct config *);

#endif
