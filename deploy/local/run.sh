#!/usr/bin/env bash
# `make run`: the local stack in .run/local on 127.0.0.1:${PORT:-8080}, a demo
# website with an owner token and a website API key, and curl lines to try.
# Runs until Ctrl-C, which stops the stack. A second run keeps the database and
# the demo website and prints a fresh token and key.
#
# Environment: PORT (default 8080), ROSTER_WORKERS and the other variables of
# stack.sh up.

set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
PROG=run.sh
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$SCRIPT_DIR/../lib.sh"
STACK=$SCRIPT_DIR/stack.sh
STATE=$REPO_ROOT/.run/local
BIN=$REPO_ROOT/build/roster
PORT=${PORT:-8080}
CONF=$STATE/roster.conf
URL=http://127.0.0.1:$PORT
DEMO_DOMAIN=demo.example
DEMO_OWNER=owner@demo.example

[ -x "$BIN" ] || die "$BIN is missing: run make first"

stopping=0
sleeper=
stop() {
	[ "$stopping" = 0 ] || return 0
	stopping=1
	trap - INT TERM
	[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
	printf '\nstopping the stack\n' >&2
	"$STACK" down "$STATE" || true
	exit 0
}
trap stop INT TERM

# admin NOUN VERB ARGS... and field JSON KEY (deploy/lib.sh) run the admin
# CLI on $BIN and $CONF and read its answers.

"$STACK" up "$STATE" "$PORT" "$BIN"

# The demo website: made once, its id kept in the state dir. If the database
# lost it (or it was never made), make it again.
website=
if [ -s "$STATE/demo_website_id" ]; then
	read -r website <"$STATE/demo_website_id"
	case $website in
	*[!0-9a-f]* | '') website= ;;
	*)
		n=$("$STACK" sql "$STATE" "SELECT COUNT(*) FROM websites WHERE id = '$website'") || n=0
		[ "$n" = 1 ] || website=
		;;
	esac
fi
if [ -z "$website" ]; then
	out=$(admin website create --domain "$DEMO_DOMAIN" --owner-email "$DEMO_OWNER" --name "Demo site")
	website=$(field "$out" websiteId)
	printf '%s\n' "$website" >"$STATE/demo_website_id"
fi

out=$(admin token create --email "$DEMO_OWNER" --name demo)
token=$(field "$out" key)
# A website has at most 10 keys: the key the previous run printed goes
# first (as a revocation does: the website's team generation is bumped, so
# no worker's cache keeps it).
if [ -s "$STATE/demo_key_id" ]; then
	read -r old_key <"$STATE/demo_key_id"
	case $old_key in
	*[!0-9a-f]* | '') ;;
	*)
		"$STACK" sql "$STATE" "UPDATE credentials SET revoked_at = UNIX_TIMESTAMP() * 1000
			WHERE id = '$old_key' AND revoked_at IS NULL;
			UPDATE websites SET team_gen = team_gen + 1 WHERE id = '$website'" >/dev/null
		;;
	esac
fi
out=$(admin apikey create --website "$website" --name demo)
apikey=$(field "$out" key)
printf '%s\n' "$(field "$out" id)" >"$STATE/demo_key_id"

cat <<EOF

roster runs at $URL (nginx -> roster -> MariaDB, all in $STATE)

  website     $website ($DEMO_DOMAIN, owner $DEMO_OWNER)
  owner token $token
  website key $apikey

Try:
  curl -s $URL/api/v1/health
  curl -s -H 'Authorization: Bearer $token' $URL/api/v1/admin/websites
  curl -s -H 'Authorization: Bearer $token' $URL/api/v1/admin/websites/$website/team
  curl -s -H 'Authorization: Bearer $apikey' $URL/api/v1/admin/websites/$website/team
  curl -s -X POST -H 'Authorization: Bearer $token' -H 'Content-Type: application/json' \\
       -d '{"email":"alice@example.com","role":"member"}' $URL/api/v1/admin/websites/$website/team
  curl -s -H 'Authorization: Bearer $token' $URL/api/v1/admin/websites/$website/team/invitations
  curl -s -X DELETE -H 'Authorization: Bearer $token' -H 'Content-Type: application/json' \\
       -d '{"userId":"USER_ID"}' $URL/api/v1/admin/websites/$website/team
  curl -s -H 'Authorization: Bearer $token' -H 'X-Site-Id: $website' $URL/cma/site-invitations
  (an invitation's inviteUrl opens the accept page in a browser; USER_ID is a
  userId from the team list)

Admin CLI (JSON on stdout):
  $BIN user create --config $CONF --email someone@example.com
  $BIN token create --config $CONF --email $DEMO_OWNER --name mine

SQL as the DB superuser:
  $STACK sql $STATE 'SELECT id, email FROM users'

Logs: $STATE/roster.log $STATE/nginx-error.log $STATE/nginx-access.log
Press Ctrl-C to stop.
EOF

# sleep in the background and wait for it: a trapped signal interrupts `wait`
# at once, where it would wait for a foreground sleep to end.
while :; do
	sleep 3600 &
	sleeper=$!
	wait "$sleeper" || true
done
