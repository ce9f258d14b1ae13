/*
 * The Team API (DataFast dialect) under /api/v1: handlers that parse the
 * JSON body into core arguments and render core results, and the dialect's
 * envelope: {"status":"success","data":[...]} or
 * {"status":"error","error":{"code":N,"message":"..."}}.
 */
#ifndef ROSTER_TEAM_API_H
#define ROSTER_TEAM_API_H

#include "roster/router.h"

/* Writes ctx->data (or the error e) into ctx->resp in the envelope. */
void		api_team_render(struct ctx *, enum rerr);

enum rerr	api_health(struct ctx *);
enum rerr	api_websites_list(struct ctx *);
enum rerr	api_team_list(struct ctx *);
enum rerr	api_team_invite(struct ctx *);
enum rerr	api_team_remove(struct ctx *);
enum rerr	api_team_set_role(struct ctx *);
enum rerr	api_invites_list(struct ctx *);
enum rerr	api_invite_revoke(struct ctx *);
enum rerr	api_invite_resend(struct ctx *);
enum rerr	api_invite_accept(struct ctx *);
enum rerr	api_tokens_list(struct ctx *);
enum rerr	api_token_create(struct ctx *);
enum rerr	api_token_revoke(struct ctx *);
enum rerr	api_keys_list(struct ctx *);
enum rerr	api_key_create(struct ctx *);
enum rerr	api_key_revoke(struct ctx *);

#endif
