/*
 * roster's API reference, docs/api-reference.md, embedded at build time (the
 * Makefile's build/docs_api.c) and served at GET /docs/api-reference.md: where the
 * DatoCMS dialect's errors point (doc_url), so every deployment links to
 * the reference of the binary that answered.
 */
#ifndef ROSTER_DOCS_H
#define ROSTER_DOCS_H

#include <stddef.h>

#include "roster/ctx.h"

extern const char   docs_api_md[];
extern const size_t docs_api_md_len;

/* GET /docs/api-reference.md (public): 200, the Markdown text. */
enum rerr docs_api_show(struct ctx *);

#endif
