/*
 * HTML escaping, for the join page and the invitation email: every value
 * that reaches HTML goes through html_put().
 */
#ifndef ROSTER_HTML_H
#define ROSTER_HTML_H

struct buf;

/* Appends s with & < > " ' escaped; NULL appends nothing. */
void html_put(struct buf *, const char *s);

#endif
