/*
 * HTML escaping, for the join page and the invitation email: every value
 * that reaches HTML goes through html_escape().
 */
#ifndef ROSTER_HTML_H
#define ROSTER_HTML_H

struct arena;
struct buf;

/* s with & < > " ' escaped, owned by the arena; NULL gives "". */
char *html_escape(struct arena *, const char *s);
/* Appends s escaped. */
void html_put(struct buf *, const char *s);

#endif
