/*
 * The one route table of the API: every path roster answers, the dialect
 * that renders it, what it needs and its handler.  The router
 * (app/http/router.c) is handed this table and knows no route of its own.
 */
#include <string.h>

#include "roster/cma_api.h"
#include "roster/join_page.h"
#include "roster/metrics.h"
#include "roster/routes.h"
#include "roster/team_api.h"

#define TOK	CRED_ALLOW_TOKEN
#define ANY	(CRED_ALLOW_TOKEN | CRED_ALLOW_KEY)
#define ADM	"/api/v1/admin"
#define CMA	"/cma"
/* The DatoCMS dialect names no website in its paths: it is the caller's. */
#define OWN	ROUTE_OWN_SITE

/* need: perms, kinds, site, owner, member, key message */
#define PUBLIC		{ 0, 0, 0, 0, 0, NULL }
#define N_WEBSITES	{ PERM_WEBSITES_READ, TOK, 0, 0, 0, NULL }
#define N_TEAM_READ	{ PERM_TEAM_READ, ANY, 1, 0, 0, NULL }
#define N_INVITE	{ PERM_TEAM_WRITE, TOK, 1, 1, 0, \
			  "Website API keys cannot invite team members" }
#define N_TEAM_WRITE	{ PERM_TEAM_WRITE, TOK, 1, 1, 0, \
			  "Website API keys cannot manage team members" }
#define N_TOKENS_READ	{ PERM_KEYS_READ, TOK, 0, 0, 0, NULL }
#define N_TOKENS_WRITE	{ PERM_KEYS_WRITE, TOK, 0, 0, 0, NULL }
#define N_KEYS_READ	{ PERM_KEYS_READ, TOK, 1, 0, 1, NULL }
#define N_KEYS_WRITE	{ PERM_KEYS_WRITE, TOK, 1, 0, 1, NULL }

static const struct route routes[] = {
	{ M_GET, "/api/v1/health", D_TEAM, PUBLIC, BODY_NONE,
	  api_health, "health", ROUTE_NO_RATE },
	{ M_GET, "/metrics", D_TEAM, PUBLIC, BODY_NONE, api_metrics, "metrics",
	  ROUTE_NO_RATE },
	{ M_POST, "/api/v1/invitations/accept", D_TEAM, PUBLIC, BODY_REQUIRED,
	  api_invite_accept, "invitations.accept", 0 },
	{ M_GET, "/join", D_HTML, PUBLIC, BODY_NONE, join_page, "join.page", 0 },
	{ M_POST, "/join", D_HTML, PUBLIC, BODY_NONE, join_accept,
	  "join.accept", 0 },
	{ M_GET, "/join.css", D_HTML, PUBLIC, BODY_NONE, join_css, "join.css",
	  ROUTE_NO_RATE },
	{ M_GET, ADM "/websites", D_TEAM, N_WEBSITES, BODY_NONE,
	  api_websites_list, "websites.list", 0 },
	{ M_GET, ADM "/websites/:site/team", D_TEAM, N_TEAM_READ, BODY_NONE,
	  api_team_list, "team.list", 0 },
	{ M_POST, ADM "/websites/:site/team", D_TEAM, N_INVITE, BODY_REQUIRED,
	  api_team_invite, "team.invite", 0 },
	{ M_DELETE, ADM "/websites/:site/team", D_TEAM, N_TEAM_WRITE,
	  BODY_REQUIRED, api_team_remove, "team.remove", 0 },
	{ M_PATCH, ADM "/websites/:site/team/:id", D_TEAM, N_TEAM_WRITE,
	  BODY_REQUIRED, api_team_set_role, "team.role", 0 },
	{ M_GET, ADM "/websites/:site/team/invitations", D_TEAM, N_TEAM_READ,
	  BODY_NONE, api_invites_list, "invitations.list", 0 },
	{ M_DELETE, ADM "/websites/:site/team/invitations/:id", D_TEAM,
	  N_TEAM_WRITE, BODY_NONE, api_invite_revoke, "invitations.revoke", 0 },
	{ M_POST, ADM "/websites/:site/team/invitations/:id/resend", D_TEAM,
	  N_TEAM_WRITE, BODY_NONE, api_invite_resend, "invitations.resend", 0 },
	{ M_GET, ADM "/access-tokens", D_TEAM, N_TOKENS_READ, BODY_NONE,
	  api_tokens_list, "tokens.list", 0 },
	{ M_POST, ADM "/access-tokens", D_TEAM, N_TOKENS_WRITE, BODY_OPTIONAL,
	  api_token_create, "tokens.create", 0 },
	{ M_DELETE, ADM "/access-tokens/:id", D_TEAM, N_TOKENS_WRITE,
	  BODY_NONE, api_token_revoke, "tokens.revoke", 0 },
	{ M_GET, ADM "/websites/:site/api-keys", D_TEAM, N_KEYS_READ,
	  BODY_NONE, api_keys_list, "apikeys.list", 0 },
	{ M_POST, ADM "/websites/:site/api-keys", D_TEAM, N_KEYS_WRITE,
	  BODY_OPTIONAL, api_key_create, "apikeys.create", 0 },
	{ M_DELETE, ADM "/websites/:site/api-keys/:id", D_TEAM, N_KEYS_WRITE,
	  BODY_NONE, api_key_revoke, "apikeys.revoke", 0 },
	/* API.md "The Site-invitation API (DatoCMS dialect)". */
	{ M_GET, CMA "/site-invitations", D_CMA, N_TEAM_READ, BODY_NONE,
	  cma_invites_list, "cma.invitations.list", OWN },
	{ M_POST, CMA "/site-invitations", D_CMA, N_INVITE, BODY_REQUIRED,
	  cma_invite_create, "cma.invitations.create", OWN },
	{ M_GET, CMA "/site-invitations/:id", D_CMA, N_TEAM_READ, BODY_NONE,
	  cma_invite_find, "cma.invitations.find", OWN },
	{ M_PUT, CMA "/site-invitations/:id", D_CMA, N_TEAM_WRITE,
	  BODY_REQUIRED, cma_invite_update, "cma.invitations.update", OWN },
	{ M_DELETE, CMA "/site-invitations/:id", D_CMA, N_TEAM_WRITE,
	  BODY_NONE, cma_invite_destroy, "cma.invitations.destroy", OWN },
	{ M_POST, CMA "/site-invitations/:id/resend", D_CMA, N_TEAM_WRITE,
	  BODY_NONE, cma_invite_resend, "cma.invitations.resend", OWN },
	{ M_GET, CMA "/roles", D_CMA, N_TEAM_READ, BODY_NONE,
	  cma_roles_list, "cma.roles.list", OWN },
	{ M_GET, CMA "/roles/:key", D_CMA, N_TEAM_READ, BODY_NONE,
	  cma_role_find, "cma.roles.find", OWN },
	{ M_GET, CMA "/users", D_CMA, N_TEAM_READ, BODY_NONE,
	  cma_users_list, "cma.users.list", OWN },
	{ M_GET, CMA "/users/:id", D_CMA, N_TEAM_READ, BODY_NONE,
	  cma_user_find, "cma.users.find", OWN },
	{ M_DELETE, CMA "/users/:id", D_CMA, N_TEAM_WRITE, BODY_NONE,
	  cma_user_destroy, "cma.users.destroy", OWN },
};

/* The dialect that answers a path no route matched. */
static enum dialect
dialect_of_path(const char *path)
{
	if (strncmp(path, "/cma", 4) == 0 && (path[4] == '\0' ||
	    path[4] == '/'))
		return D_CMA;
	return strncmp(path, "/join", 5) == 0 ? D_HTML : D_TEAM;
}

const struct route_set api_routes = {
	.routes = routes,
	.n = sizeof(routes) / sizeof(routes[0]),
	.render = {
		[D_TEAM] = api_team_render,
		[D_HTML] = join_render,
		[D_CMA] = api_cma_render,
	},
	.dialect_of_path = dialect_of_path,
};
