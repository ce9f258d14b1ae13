/*
 * The Site-invitation API (DatoCMS dialect) under /cma: handlers that
 * parse JSON:API request documents into core arguments and leave core
 * results as JSON:API resources (site_invitation, role, user), and the
 * dialect's envelope: {"data": resource or [resources]} on success,
 * {"data":[{"id","type":"api_error","attributes":{"code","details"}}]} on
 * failure, always Content-Type application/json.  Its doc_url leads to
 * the code's section of docs/api-reference.md, as roster serves it.
 *
 * No path names the website: the router resolves it from the credential or
 * the X-Site-Id header (ROUTE_OWN_SITE) and hands it over in ctx->site.
 */
#ifndef ROSTER_CMA_API_H
#define ROSTER_CMA_API_H

#include "roster/ctx.h"

/* Writes ctx->data (or the error e) into out in the envelope. */
void cma_api_render(struct ctx *, enum rerr, struct resp *);
/*
 * The dialect's HTTP status and error code ("NOT_FOUND") for an outcome;
 * out of range: those of RERR_INTERNAL.
 */
int         cma_api_status(enum rerr);
const char *cma_api_code(enum rerr);

enum rerr cma_api_invites_list(struct ctx *);
enum rerr cma_api_invite_create(struct ctx *);
enum rerr cma_api_invite_find(struct ctx *);
enum rerr cma_api_invite_update(struct ctx *);
enum rerr cma_api_invite_destroy(struct ctx *);
enum rerr cma_api_invite_resend(struct ctx *);
enum rerr cma_api_roles_list(struct ctx *);
enum rerr cma_api_role_find(struct ctx *);
enum rerr cma_api_users_list(struct ctx *);
enum rerr cma_api_user_find(struct ctx *);
enum rerr cma_api_user_me(struct ctx *);
enum rerr cma_api_user_update(struct ctx *);
enum rerr cma_api_user_destroy(struct ctx *);
enum rerr cma_api_site_find(struct ctx *);

#endif
