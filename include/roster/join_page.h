/*
 * The invitee's side in a browser (API.md "Accepting an invitation"): a
 * small server-rendered page at /join with its own stylesheet, no script.
 */
#ifndef ROSTER_JOIN_PAGE_H
#define ROSTER_JOIN_PAGE_H

#include "roster/router.h"

/* Renders the page for an outcome: the handler's page, or an error page. */
void		join_render(struct ctx *, enum rerr);

enum rerr	join_page(struct ctx *);	/* GET /join?token= */
enum rerr	join_accept(struct ctx *);	/* POST /join (form) */
enum rerr	join_css(struct ctx *);		/* GET /join.css */

#endif
