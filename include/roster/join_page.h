/*
 * The invitee's side in a browser (API.md "Accepting an invitation"): a
 * small server-rendered page at /join with its own stylesheet, no script.
 * The handlers make the page whole (ctx->raw); join_page_render() sends
 * it, or an error page for a failure, with the page's security headers.
 */
#ifndef ROSTER_JOIN_PAGE_H
#define ROSTER_JOIN_PAGE_H

#include "roster/ctx.h"

/* Renders the page for an outcome: the handler's page, or an error page. */
void join_page_render(struct ctx *, enum rerr, struct resp *);

enum rerr join_page_show(struct ctx *);   /* GET /join?token= */
enum rerr join_page_accept(struct ctx *); /* POST /join (form) */
enum rerr join_page_css(struct ctx *);    /* GET /join.css (plain) */

#endif
