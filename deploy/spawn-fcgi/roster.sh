#!/bin/sh
# roster started by spawn-fcgi (Debian: apt-get install spawn-fcgi).
#
#   deploy/spawn-fcgi/roster.sh start    # N unsupervised roster processes on one socket
#   deploy/spawn-fcgi/roster.sh stop     # SIGTERM to each: finish the request, exit
#   deploy/spawn-fcgi/roster.sh run      # one roster pool in the foreground, for a
#                                        # supervisor (runit, daemontools, systemd)
#
# spawn-fcgi creates the socket, puts it on fd 0 and starts the program; roster
# sees a listening socket on fd 0 and serves it. What each mode gives:
#   start: `spawn-fcgi -F N`: N copies of roster, each ONE worker (no master of
#          roster's), and spawn-fcgi exits: nothing restarts a copy that crashed or
#          recycled itself after `max_requests` (set max_requests = 0 then), and
#          stdout/stderr go to /dev/null (set `log = syslog` in roster.conf).
#   run:   `spawn-fcgi -n` execs roster in place with ROSTER_POOL=1: roster's own
#          master on the inherited socket, `workers` workers, respawned, recycled,
#          deadline-killed, SIGHUP/SIGUSR2 as usual; logs on stderr.
# Without spawn-fcgi, `roster serve` does all of this by itself (its `listen` key).
#
# Settings (environment, or edit the defaults):
ROSTER=${ROSTER:-/usr/local/bin/roster}
CONFIG=${CONFIG:-/etc/roster/roster.conf}
SOCKET=${SOCKET:-/run/roster/roster.sock}
PIDFILE=${PIDFILE:-/run/roster/spawn-fcgi.pid}
CHILDREN=${CHILDREN:-4}            # `start` only
RUN_USER=${RUN_USER:-roster}       # roster runs as this user and group
RUN_GROUP=${RUN_GROUP:-roster}
SOCKET_GROUP=${SOCKET_GROUP:-www-data}  # the web server's group: socket mode 0660

set -eu

# spawn-fcgi changes user only when started as root.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		echo -u "$RUN_USER" -g "$RUN_GROUP" -U "$RUN_USER" -G "$SOCKET_GROUP"
	fi
}

case ${1:-} in
start)
	# shellcheck disable=SC2046 # as_user's words on purpose
	exec spawn-fcgi -s "$SOCKET" -M 0660 $(as_user) -F "$CHILDREN" -P "$PIDFILE" \
		-- "$ROSTER" serve --config "$CONFIG"
	;;
stop)
	[ -s "$PIDFILE" ] || { echo "roster.sh: no $PIDFILE" >&2; exit 1; }
	for pid in $(cat "$PIDFILE"); do
		kill -TERM "$pid" 2>/dev/null || true
	done
	rm -f "$PIDFILE" "$SOCKET"
	;;
run)
	ROSTER_POOL=1
	export ROSTER_POOL
	# shellcheck disable=SC2046
	exec spawn-fcgi -n -s "$SOCKET" -M 0660 $(as_user) -- "$ROSTER" serve --config "$CONFIG"
	;;
*)
	echo "usage: $0 start|stop|run" >&2
	exit 2
	;;
esac
