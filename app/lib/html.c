/*
 * HTML escaping.
 */
#include <string.h>

#include "roster/arena.h"
#include "roster/html.h"

void
html_put(struct buf *b, const char *s)
{
	const char *p, *run;

	if (s == NULL)
		return;
	for (run = p = s; *p != '\0'; p++) {
		const char *rep;
		switch (*p) {
		/* clang-format off */
		case '&':  rep = "&amp;"; break;
		case '<':  rep = "&lt;"; break;
		case '>':  rep = "&gt;"; break;
		case '"':  rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:   continue;
			/* clang-format on */
		}
		buf_add(b, run, (size_t)(p - run));
		buf_puts(b, rep);
		run = p + 1;
	}
	buf_add(b, run, (size_t)(p - run));
}
