/*
 * The Team API (DataFast dialect) under /api/v1: handlers that parse the
 * JSON body into core arguments and leave core results in ctx, and the
 * dialect's envelope: {"status":"success","data":[...]} or
 * {"status":"error","error":{"code":N,"message":"..."}}.
 */
#ifndef ROSTER_TEAM_API_H
#define ROSTER_TEAM_API_H

#include "roster/ctx.h"

/*
 * Writes outcome e into out in the envelope: ctx->data (and extra), or
 * ctx->raw as it is when the handler had the page rendered already.
 */
void team_api_render(struct ctx *, enum rerr, struct resp *);

enum rerr team_api_health(struct ctx *);
enum rerr team_api_account_get(struct ctx *);
enum rerr team_api_account_update(struct ctx *);
enum rerr team_api_websites_list(struct ctx *);
enum rerr team_api_website_create(struct ctx *);
enum rerr team_api_website_get(struct ctx *);
enum rerr team_api_website_update(struct ctx *);
enum rerr team_api_website_delete(struct ctx *);
enum rerr team_api_list(struct ctx *);
enum rerr team_api_invite(struct ctx *);
enum rerr team_api_remove(struct ctx *);
enum rerr team_api_set_role(struct ctx *);
enum rerr team_api_invites_list(struct ctx *);
enum rerr team_api_invite_revoke(struct ctx *);
enum rerr team_api_invite_resend(struct ctx *);
enum rerr team_api_invite_accept(struct ctx *);
enum rerr team_api_tokens_list(struct ctx *);
enum rerr team_api_token_create(struct ctx *);
enum rerr team_api_token_revoke(struct ctx *);
enum rerr team_api_keys_list(struct ctx *);
enum rerr team_api_key_create(struct ctx *);
enum rerr team_api_key_roll(struct ctx *);
enum rerr team_api_key_revoke(struct ctx *);

#endif
