/*
 * roff escaping for the generated manual pages.
 */
#include <stdio.h>

#include "roster/manpage.h"

/*
 * One character of body text.  at_start: the first of an output line,
 * where a dot or an apostrophe would start a request.
 */
static void
put_char(FILE *f, char ch, int at_start)
{
	if (at_start && (ch == '.' || ch == '\''))
		fputs("\\&", f);
	if (ch == '\\')
		fputs("\\e", f);
	else if (ch == '-')
		fputs("\\-",
		    f); /* a minus sign, as options want, not a hyphen */
	else
		fputc(ch, f);
}

static void
put(FILE *f, const char *text, int code_bold)
{
	const char *p;
	int         at_start = 1, in_code = 0;

	for (p = text; *p != '\0'; p++) {
		if (*p == '`' && code_bold) {
			fputs(in_code ? "\\fR" : "\\fB", f);
			in_code = !in_code;
			continue;
		}
		if (*p == '\n') {
			fputc('\n', f);
			at_start = 1;
			continue;
		}
		put_char(f, *p, at_start);
		at_start = 0;
	}
	if (in_code)
		fputs("\\fR", f);
}

void
man_text(FILE *f, const char *text)
{
	put(f, text, 1);
	fputc('\n', f);
}

void
man_words(FILE *f, const char *text)
{
	put(f, text, 0);
}
