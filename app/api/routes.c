/*
 * The one route table of the API: every path roster answers, its handler,
 * what its caller needs, and the dialect that renders it.  The router
 * (app/http/router.c) is handed this table and knows no route of its own.
 */
#include <string.h>

#include "roster/cma_api.h"
#include "roster/join_page.h"
#include "roster/metrics.h"
#include "roster/routes.h"
#include "roster/team_api.h"

#define ADM	"/api/v1/admin"
#define CMA	"/cma"

/* What the Team API's routes need of their caller. */
#define READ_TEAM	(NEED_TOKEN | NEED_KEY | NEED_SITE)
#define WRITE_TEAM	(NEED_TOKEN | NEED_SITE | NEED_OWNER)
#define KEYS		(NEED_TOKEN | NEED_SITE | NEED_MEMBER)
#define INVITE_KEY_MSG	"Website API keys cannot invite team members"
#define TEAM_KEY_MSG	"Website API keys cannot manage team members"

static const struct route routes[] = {
	{ .method = M_GET, .path = "/api/v1/health", .fn = api_health,
	  .flags = ROUTE_NO_RATE, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "health" },
	{ .method = M_GET, .path = "/metrics", .fn = api_metrics,
	  .flags = ROUTE_NO_RATE, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "metrics" },
	{ .method = M_POST, .path = "/api/v1/invitations/accept",
	  .fn = api_invite_accept, .body = BODY_REQUIRED,
	  .dialect = D_TEAM, .name = "invitations.accept" },
	{ .method = M_GET, .path = "/join", .fn = join_page,
	  .body = BODY_NONE, .dialect = D_HTML, .name = "join.page" },
	{ .method = M_POST, .path = "/join", .fn = join_accept,
	  .body = BODY_NONE, .dialect = D_HTML, .name = "join.accept" },
	{ .method = M_GET, .path = "/join.css", .fn = join_css,
	  .flags = ROUTE_NO_RATE, .body = BODY_NONE, .dialect = D_HTML,
	  .name = "join.css" },
	{ .method = M_GET, .path = ADM "/websites",
	  .fn = api_websites_list, .need = NEED_TOKEN,
	  .perms = PERM_WEBSITES_READ, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "websites.list" },
	{ .method = M_GET, .path = ADM "/websites/:site/team",
	  .fn = api_team_list, .need = READ_TEAM, .perms = PERM_TEAM_READ,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "team.list" },
	{ .method = M_POST, .path = ADM "/websites/:site/team",
	  .fn = api_team_invite, .need = WRITE_TEAM, .perms = PERM_TEAM_WRITE,
	  .key_msg = INVITE_KEY_MSG, .body = BODY_REQUIRED, .dialect = D_TEAM,
	  .name = "team.invite" },
	{ .method = M_DELETE, .path = ADM "/websites/:site/team",
	  .fn = api_team_remove, .need = WRITE_TEAM, .perms = PERM_TEAM_WRITE,
	  .key_msg = TEAM_KEY_MSG, .body = BODY_REQUIRED, .dialect = D_TEAM,
	  .name = "team.remove" },
	{ .method = M_PATCH, .path = ADM "/websites/:site/team/:id",
	  .fn = api_team_set_role, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .body = BODY_REQUIRED, .dialect = D_TEAM, .name = "team.role" },
	{ .method = M_GET, .path = ADM "/websites/:site/team/invitations",
	  .fn = api_invites_list, .need = READ_TEAM,
	  .perms = PERM_TEAM_READ, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "invitations.list" },
	{ .method = M_DELETE,
	  .path = ADM "/websites/:site/team/invitations/:id",
	  .fn = api_invite_revoke, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "invitations.revoke" },
	{ .method = M_POST,
	  .path = ADM "/websites/:site/team/invitations/:id/resend",
	  .fn = api_invite_resend, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "invitations.resend" },
	{ .method = M_GET, .path = ADM "/access-tokens",
	  .fn = api_tokens_list, .need = NEED_TOKEN,
	  .perms = PERM_KEYS_READ, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "tokens.list" },
	{ .method = M_POST, .path = ADM "/access-tokens",
	  .fn = api_token_create, .need = NEED_TOKEN,
	  .perms = PERM_KEYS_WRITE, .body = BODY_OPTIONAL, .dialect = D_TEAM,
	  .name = "tokens.create" },
	{ .method = M_DELETE, .path = ADM "/access-tokens/:id",
	  .fn = api_token_revoke, .need = NEED_TOKEN,
	  .perms = PERM_KEYS_WRITE, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "tokens.revoke" },
	{ .method = M_GET, .path = ADM "/websites/:site/api-keys",
	  .fn = api_keys_list, .need = KEYS, .perms = PERM_KEYS_READ,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "apikeys.list" },
	{ .method = M_POST, .path = ADM "/websites/:site/api-keys",
	  .fn = api_key_create, .need = KEYS, .perms = PERM_KEYS_WRITE,
	  .body = BODY_OPTIONAL, .dialect = D_TEAM, .name = "apikeys.create" },
	{ .method = M_DELETE, .path = ADM "/websites/:site/api-keys/:id",
	  .fn = api_key_revoke, .need = KEYS, .perms = PERM_KEYS_WRITE,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "apikeys.revoke" },
	/*
	 * API.md "The Site-invitation API (DatoCMS dialect)": no path names
	 * the website, it is the caller's own (ROUTE_OWN_SITE).
	 */
	{ .method = M_GET, .path = CMA "/site-invitations",
	  .fn = cma_invites_list, .need = READ_TEAM,
	  .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE, .body = BODY_NONE,
	  .dialect = D_CMA, .name = "cma.invitations.list" },
	{ .method = M_POST, .path = CMA "/site-invitations",
	  .fn = cma_invite_create, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = INVITE_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_REQUIRED, .dialect = D_CMA,
	  .name = "cma.invitations.create" },
	{ .method = M_GET, .path = CMA "/site-invitations/:id",
	  .fn = cma_invite_find, .need = READ_TEAM,
	  .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE, .body = BODY_NONE,
	  .dialect = D_CMA, .name = "cma.invitations.find" },
	{ .method = M_PUT, .path = CMA "/site-invitations/:id",
	  .fn = cma_invite_update, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_REQUIRED, .dialect = D_CMA,
	  .name = "cma.invitations.update" },
	{ .method = M_DELETE, .path = CMA "/site-invitations/:id",
	  .fn = cma_invite_destroy, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_NONE, .dialect = D_CMA,
	  .name = "cma.invitations.destroy" },
	{ .method = M_POST, .path = CMA "/site-invitations/:id/resend",
	  .fn = cma_invite_resend, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_NONE, .dialect = D_CMA,
	  .name = "cma.invitations.resend" },
	{ .method = M_GET, .path = CMA "/roles", .fn = cma_roles_list,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.roles.list" },
	{ .method = M_GET, .path = CMA "/roles/:key", .fn = cma_role_find,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.roles.find" },
	{ .method = M_GET, .path = CMA "/users", .fn = cma_users_list,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.users.list" },
	{ .method = M_GET, .path = CMA "/users/:id", .fn = cma_user_find,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.users.find" },
	{ .method = M_DELETE, .path = CMA "/users/:id",
	  .fn = cma_user_destroy, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_NONE, .dialect = D_CMA,
	  .name = "cma.users.destroy" },
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
