/*
 * Manual pages in man(7) markup, written from the tables the code keeps
 * (the CLI's commands, the configuration's keys), so the pages cannot say
 * something the binary does not do.
 */
#ifndef ROSTER_MANPAGE_H
#define ROSTER_MANPAGE_H

#include <stdio.h>

/*
 * Writes text as roff body text: a backslash, a leading dot or quote and
 * a minus sign are escaped, and a `code` span (the Markdown of the docs
 * lines) becomes bold.  A newline in text starts a new output line.
 */
void man_text(FILE *, const char *text);
/* The same for text that will sit inside a .B or .TP line's words. */
void man_words(FILE *, const char *text);

#endif
