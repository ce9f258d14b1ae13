/*
 * The API reference, as the binary carries it (include/roster/docs.h).
 */
#include "roster/docs.h"

enum rerr
docs_api_show(struct ctx *c)
{
	c->raw = docs_api_md;
	c->raw_len = docs_api_md_len;
	/* Shown, not downloaded, by browsers; the text is Markdown. */
	c->raw_type = "text/plain; charset=utf-8";
	return RERR_OK;
}
