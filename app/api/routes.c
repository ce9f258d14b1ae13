/*
 * The one route table of the API: every path roster answers, its handler,
 * what its caller needs, and the dialect that renders it.  The router
 * (app/http/router.c) is handed this table and knows no route of its own.
 */
#include <string.h>

#include "roster/cma_api.h"
#include "roster/docs.h"
#include "roster/join_page.h"
#include "roster/metrics.h"
#include "roster/routes.h"
#include "roster/team_api.h"

/* A table, aligned by hand: clang-format would give each field a line. */
/* clang-format off */
#define ADM	"/api/v1/admin"
#define CMA	"/cma"

/* What the Team API's routes need of their caller. */
#define READ_TEAM	(NEED_TOKEN | NEED_KEY | NEED_SITE)
#define WRITE_TEAM	(NEED_TOKEN | NEED_SITE | NEED_OWNER)
#define KEYS		(NEED_TOKEN | NEED_SITE | NEED_MEMBER)
#define SETTINGS	(NEED_TOKEN | NEED_SITE | NEED_MEMBER)
#define INVITE_KEY_MSG	"Website API keys cannot invite team members"
#define TEAM_KEY_MSG	"Website API keys cannot manage team members"

static const struct route routes[] = {
	{ .method = M_GET, .path = "/api/v1/health", .fn = team_api_health,
	  .flags = ROUTE_NO_RATE, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "health" },
	{ .method = M_GET, .path = "/metrics", .fn = metrics_show,
	  .flags = ROUTE_NO_RATE, .body = BODY_NONE, .dialect = D_PLAIN,
	  .name = "metrics" },
	{ .method = M_POST, .path = "/api/v1/invitations/accept",
	  .fn = team_api_invite_accept, .body = BODY_REQUIRED,
	  .dialect = D_TEAM, .name = "invitations.accept" },
	{ .method = M_GET, .path = "/join", .fn = join_page_show,
	  .body = BODY_NONE, .dialect = D_HTML, .name = "join.page" },
	{ .method = M_POST, .path = "/join", .fn = join_page_accept,
	  .body = BODY_NONE, .dialect = D_HTML, .name = "join.accept" },
	{ .method = M_GET, .path = "/join.css", .fn = join_page_css,
	  .flags = ROUTE_NO_RATE, .body = BODY_NONE, .dialect = D_PLAIN,
	  .name = "join.css" },
	{ .method = M_GET, .path = "/docs/api-reference.md", .fn = docs_api_show,
	  .flags = ROUTE_NO_RATE, .body = BODY_NONE, .dialect = D_PLAIN,
	  .name = "docs.api" },
	{ .method = M_GET, .path = ADM "/account",
	  .fn = team_api_account_get, .need = NEED_CRED, .body = BODY_NONE,
	  .dialect = D_TEAM, .name = "account.get" },
	{ .method = M_PUT, .path = ADM "/account",
	  .fn = team_api_account_update, .need = NEED_TOKEN,
	  .body = BODY_REQUIRED, .dialect = D_TEAM, .name = "account.update" },
	{ .method = M_GET, .path = ADM "/websites",
	  .fn = team_api_websites_list, .need = NEED_TOKEN,
	  .perms = PERM_WEBSITES_READ, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "websites.list" },
	{ .method = M_POST, .path = ADM "/websites",
	  .fn = team_api_website_create, .need = NEED_TOKEN,
	  .perms = PERM_WEBSITES_WRITE, .body = BODY_REQUIRED,
	  .dialect = D_TEAM, .name = "websites.create" },
	{ .method = M_GET, .path = ADM "/websites/:site",
	  .fn = team_api_website_get, .need = NEED_TOKEN | NEED_SITE,
	  .perms = PERM_SETTINGS_READ, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "websites.get" },
	{ .method = M_PUT, .path = ADM "/websites/:site",
	  .fn = team_api_website_update, .need = SETTINGS,
	  .perms = PERM_SETTINGS_WRITE, .body = BODY_REQUIRED,
	  .dialect = D_TEAM, .name = "websites.update" },
	/* Answers 403 to every credential that reaches it, as DataFast. */
	{ .method = M_DELETE, .path = ADM "/websites/:site",
	  .fn = team_api_website_delete, .need = NEED_CRED | NEED_SITE,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "websites.delete" },
	{ .method = M_GET, .path = ADM "/websites/:site/team",
	  .fn = team_api_list, .need = READ_TEAM, .perms = PERM_TEAM_READ,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "team.list" },
	{ .method = M_POST, .path = ADM "/websites/:site/team",
	  .fn = team_api_invite, .need = WRITE_TEAM, .perms = PERM_TEAM_WRITE,
	  .key_msg = INVITE_KEY_MSG, .body = BODY_REQUIRED, .dialect = D_TEAM,
	  .name = "team.invite" },
	{ .method = M_DELETE, .path = ADM "/websites/:site/team",
	  .fn = team_api_remove, .need = WRITE_TEAM, .perms = PERM_TEAM_WRITE,
	  .key_msg = TEAM_KEY_MSG, .body = BODY_REQUIRED, .dialect = D_TEAM,
	  .name = "team.remove" },
	{ .method = M_PATCH, .path = ADM "/websites/:site/team/:id",
	  .fn = team_api_set_role, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .body = BODY_REQUIRED, .dialect = D_TEAM, .name = "team.role" },
	{ .method = M_GET, .path = ADM "/websites/:site/team/invitations",
	  .fn = team_api_invites_list, .need = READ_TEAM,
	  .perms = PERM_TEAM_READ, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "invitations.list" },
	{ .method = M_DELETE,
	  .path = ADM "/websites/:site/team/invitations/:id",
	  .fn = team_api_invite_revoke, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "invitations.revoke" },
	{ .method = M_POST,
	  .path = ADM "/websites/:site/team/invitations/:id/resend",
	  .fn = team_api_invite_resend, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "invitations.resend" },
	{ .method = M_GET, .path = ADM "/access-tokens",
	  .fn = team_api_tokens_list, .need = NEED_TOKEN,
	  .perms = PERM_KEYS_READ, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "tokens.list" },
	{ .method = M_POST, .path = ADM "/access-tokens",
	  .fn = team_api_token_create, .need = NEED_TOKEN,
	  .perms = PERM_KEYS_WRITE, .body = BODY_OPTIONAL, .dialect = D_TEAM,
	  .name = "tokens.create" },
	{ .method = M_DELETE, .path = ADM "/access-tokens/:id",
	  .fn = team_api_token_revoke, .need = NEED_TOKEN,
	  .perms = PERM_KEYS_WRITE, .body = BODY_NONE, .dialect = D_TEAM,
	  .name = "tokens.revoke" },
	/* Website keys at DataFast's /apikeys, and the earlier /api-keys. */
	{ .method = M_GET, .path = ADM "/websites/:site/apikeys",
	  .fn = team_api_keys_list, .need = KEYS, .perms = PERM_KEYS_READ,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "apikeys.list" },
	{ .method = M_POST, .path = ADM "/websites/:site/apikeys",
	  .fn = team_api_key_create, .need = KEYS, .perms = PERM_KEYS_WRITE,
	  .body = BODY_OPTIONAL, .dialect = D_TEAM, .name = "apikeys.create" },
	{ .method = M_PUT, .path = ADM "/websites/:site/apikeys/:id",
	  .fn = team_api_key_roll, .need = KEYS, .perms = PERM_KEYS_WRITE,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "apikeys.roll" },
	{ .method = M_DELETE, .path = ADM "/websites/:site/apikeys/:id",
	  .fn = team_api_key_revoke, .need = KEYS, .perms = PERM_KEYS_WRITE,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "apikeys.revoke" },
	{ .method = M_GET, .path = ADM "/websites/:site/api-keys",
	  .fn = team_api_keys_list, .need = KEYS, .perms = PERM_KEYS_READ,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "api-keys.list" },
	{ .method = M_POST, .path = ADM "/websites/:site/api-keys",
	  .fn = team_api_key_create, .need = KEYS, .perms = PERM_KEYS_WRITE,
	  .body = BODY_OPTIONAL, .dialect = D_TEAM, .name = "api-keys.create" },
	{ .method = M_PUT, .path = ADM "/websites/:site/api-keys/:id",
	  .fn = team_api_key_roll, .need = KEYS, .perms = PERM_KEYS_WRITE,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "api-keys.roll" },
	{ .method = M_DELETE, .path = ADM "/websites/:site/api-keys/:id",
	  .fn = team_api_key_revoke, .need = KEYS, .perms = PERM_KEYS_WRITE,
	  .body = BODY_NONE, .dialect = D_TEAM, .name = "api-keys.revoke" },
	/*
	 * API.md "The Site-invitation API (DatoCMS dialect)": no path names
	 * the website, it is the caller's own (ROUTE_OWN_SITE).
	 */
	{ .method = M_GET, .path = CMA "/site-invitations",
	  .fn = cma_api_invites_list, .need = READ_TEAM,
	  .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE, .body = BODY_NONE,
	  .dialect = D_CMA, .name = "cma.invitations.list" },
	{ .method = M_POST, .path = CMA "/site-invitations",
	  .fn = cma_api_invite_create, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = INVITE_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_REQUIRED, .dialect = D_CMA,
	  .name = "cma.invitations.create" },
	{ .method = M_GET, .path = CMA "/site-invitations/:id",
	  .fn = cma_api_invite_find, .need = READ_TEAM,
	  .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE, .body = BODY_NONE,
	  .dialect = D_CMA, .name = "cma.invitations.find" },
	{ .method = M_PUT, .path = CMA "/site-invitations/:id",
	  .fn = cma_api_invite_update, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_REQUIRED, .dialect = D_CMA,
	  .name = "cma.invitations.update" },
	{ .method = M_DELETE, .path = CMA "/site-invitations/:id",
	  .fn = cma_api_invite_destroy, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_NONE, .dialect = D_CMA,
	  .name = "cma.invitations.destroy" },
	{ .method = M_POST, .path = CMA "/site-invitations/:id/resend",
	  .fn = cma_api_invite_resend, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_NONE, .dialect = D_CMA,
	  .name = "cma.invitations.resend" },
	{ .method = M_GET, .path = CMA "/roles", .fn = cma_api_roles_list,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.roles.list" },
	{ .method = M_GET, .path = CMA "/roles/:key", .fn = cma_api_role_find,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.roles.find" },
	{ .method = M_GET, .path = CMA "/users", .fn = cma_api_users_list,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.users.list" },
	{ .method = M_GET, .path = CMA "/users/:id", .fn = cma_api_user_find,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.users.find" },
	/* More literal than /users/:id, so it wins (app/http/router.c). */
	{ .method = M_GET, .path = CMA "/users/me", .fn = cma_api_user_me,
	  .need = READ_TEAM, .flags = ROUTE_OWN_SITE, .body = BODY_NONE,
	  .dialect = D_CMA, .name = "cma.users.me" },
	{ .method = M_PUT, .path = CMA "/users/:id", .fn = cma_api_user_update,
	  .need = WRITE_TEAM, .perms = PERM_TEAM_WRITE,
	  .key_msg = TEAM_KEY_MSG, .flags = ROUTE_OWN_SITE,
	  .body = BODY_REQUIRED, .dialect = D_CMA, .name = "cma.users.update" },
	{ .method = M_DELETE, .path = CMA "/users/:id",
	  .fn = cma_api_user_destroy, .need = WRITE_TEAM,
	  .perms = PERM_TEAM_WRITE, .key_msg = TEAM_KEY_MSG,
	  .flags = ROUTE_OWN_SITE, .body = BODY_NONE, .dialect = D_CMA,
	  .name = "cma.users.destroy" },
	{ .method = M_GET, .path = CMA "/site", .fn = cma_api_site_find,
	  .need = READ_TEAM, .perms = PERM_TEAM_READ, .flags = ROUTE_OWN_SITE,
	  .body = BODY_NONE, .dialect = D_CMA, .name = "cma.site.find" },
};
/* clang-format on */

/* The dialect that answers a path no route matched. */
static enum dialect
dialect_of_path(const char *path)
{
	if (strncmp(path, "/cma", 4) == 0 &&
	    (path[4] == '\0' || path[4] == '/'))
		return D_CMA;
	return strncmp(path, "/join", 5) == 0 ? D_HTML : D_TEAM;
}

/*
 * The plain dialect: a body its handler made whole (the metrics text, the
 * join page's stylesheet), sent with the handler's Content-Type.  A
 * failure has no plain form: it is answered in the dialect of its path,
 * as if no route had matched (/metrics in the Team API's envelope,
 * /join.css as an error page).
 */
static void
plain_render(struct ctx *c, enum rerr e, struct resp *out)
{
	if (!rerr_success(e)) {
		api_routes.render[dialect_of_path(c->rq->path)](c, e, out);
		return;
	}
	out->status = 200;
	out->content_type =
	    c->raw_type != NULL ? c->raw_type : "text/plain; charset=utf-8";
	out->body.len = 0;
	if (c->raw != NULL)
		buf_add(&out->body, c->raw, c->raw_len);
}

const struct route_set api_routes = {
	.routes = routes,
	.n = sizeof(routes) / sizeof(routes[0]),
	.render = {
		[D_TEAM] = team_api_render,
		[D_HTML] = join_page_render,
		[D_CMA] = cma_api_render,
		[D_PLAIN] = plain_render,
	},
	.dialect_of_path = dialect_of_path,
};
