#!/usr/bin/env bash
# roster's local stack: a private MariaDB, the roster worker pool and nginx, all in
# one state directory, all on loopback or unix sockets, each stopped by its pid.
# Used by `make run` (deploy/local/run.sh) and the end-to-end tests.
#
#   stack.sh up       STATE_DIR PORT [BINARY]   # BINARY defaults to build/roster
#   stack.sh down     STATE_DIR
#   stack.sh db-stop  STATE_DIR                 # stop mariadbd only
#   stack.sh db-start STATE_DIR                 # start it again on the same datadir
#   stack.sh sql      STATE_DIR 'SQL'           # as the DB superuser; tab-separated rows
#   stack.sh dump     STATE_DIR [OPTION...]     # mariadb-dump of the roster database
#   stack.sh env      STATE_DIR                 # shell exports (ROSTER_CONFIG, PORT, ...)
#
# What STATE_DIR holds:
#   db/                 MariaDB datadir        mysql.sock, mysqld.pid, mysqld.log
#   db_password         password of `roster`   db_migrate_password (of `roster_migrate`)
#   seal_key            roster's seal_key      (made once, like the passwords)
#   roster.conf         roster's config        roster.sock, roster.pid, roster.log
#   nginx.conf          generated              nginx-site.conf (deploy/nginx/roster.conf
#                                              with @LISTEN@/@SOCKET@ filled in),
#                                              nginx.pid, nginx-access.log, nginx-error.log
# `up` on an existing STATE_DIR keeps the datadir, passwords and key, reuses a running
# mariadbd, and restarts roster and nginx (a rebuilt binary or a new port takes effect).
# Logs of the previous roster/nginx run are kept as *.log.1.
#
# Environment read by `up`:
#   ROSTER_WORKERS (default 4), and, when set, ROSTER_MAX_REQUESTS,
#   ROSTER_REQUEST_TIMEOUT, ROSTER_MAX_BODY, ROSTER_DB_TIMEOUT, ROSTER_INVITE_TTL,
#   ROSTER_LOG, ROSTER_LISTEN_MODE, ROSTER_PUBLIC_URL, ROSTER_RATE_*, ROSTER_SMTP_*,
#   ROSTER_METRICS_TOKEN: written into roster.conf.  ROSTER_SEAL_KEY (64 hex
#   digits) replaces the key kept in STATE_DIR/seal_key.
#   Every ROSTER_* variable is then removed from the environment of the roster
#   processes, so roster.conf alone says how the stack runs.
#   NGINX_WORKERS (default 2).
#   STACK_KEEP_ON_FAILURE=1: when `up` fails, leave what it started running.

set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
PROG=stack.sh
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$SCRIPT_DIR/../lib.sh"
SITE_TEMPLATE=$REPO_ROOT/deploy/nginx/roster.conf

DB_START_TIMEOUT=30     # seconds until mariadbd answers a ping
DB_STOP_TIMEOUT=30      # seconds between SIGTERM and SIGKILL
SERVE_START_TIMEOUT=15 # seconds until the socket and the pidfile exist
SERVE_STOP_TIMEOUT=10
NGINX_STOP_TIMEOUT=10
HEALTH_TIMEOUT=20       # seconds until GET /api/v1/health is 200

# The DB superuser: mariadb-install-db gives root, and the OS user that ran it,
# unix_socket authentication (no password; only that OS user can log in as it).
DB_SUPERUSER=$(id -un)

usage() {
	sed -n '6,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# ---------------------------------------------------------------- state dir

check_state_path() {
	# The path ends up unquoted in nginx.conf and roster.conf ('#' starts a
	# comment there, a space ends a value): keep it plain.
	case $1 in
	*[!A-Za-z0-9._/+@-]*)
		die "state dir path has characters nginx.conf/roster.conf cannot hold: $1" ;;
	esac
	# sun_path holds 108 bytes including the NUL; the longest name is roster.sock.
	if [ $((${#1} + 12)) -gt 107 ]; then
		die "state dir path too long for a unix socket (max 95 chars): $1"
	fi
}

# set_state DIR [create]: STATE = DIR made absolute, plus the paths inside it.
set_state() {
	local dir=$1
	[ -n "$dir" ] || die "STATE_DIR is empty"
	case $dir in
	/*) ;;
	*) dir=$PWD/$dir ;;
	esac
	check_state_path "$dir"
	if [ "${2:-}" = create ]; then
		mkdir -p -- "$dir" || die "cannot create state dir $dir"
	fi
	[ -d "$dir" ] || die "no such state dir: $dir"
	STATE=$(cd -- "$dir" && pwd)
	check_state_path "$STATE"
	DATADIR=$STATE/db
	DB_SOCK=$STATE/mysql.sock
	DB_PIDFILE=$STATE/mysqld.pid
	DB_LOG=$STATE/mysqld.log
	DB_INITED=$STATE/db.initialized
	SERVE_CONF=$STATE/roster.conf
	SERVE_SOCK=$STATE/roster.sock
	SERVE_PIDFILE=$STATE/roster.pid
	SERVE_LOG=$STATE/roster.log
	NGINX_CONF=$STATE/nginx.conf
	NGINX_SITE=$STATE/nginx-site.conf
	NGINX_PIDFILE=$STATE/nginx.pid
	NGINX_ERROR_LOG=$STATE/nginx-error.log
	NGINX_ACCESS_LOG=$STATE/nginx-access.log
}

# ---------------------------------------------------------------- files

# rotate FILE: keep one previous generation.
rotate() {
	if [ -s "$1" ]; then mv -f -- "$1" "$1.1"; else rm -f -- "$1"; fi
}

# sed_repl STRING: STRING escaped for the replacement side of s|...|...|.
sed_repl() {
	printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'
}

# ---------------------------------------------------------------- MariaDB

db_client() {
	mariadb --no-defaults --socket="$DB_SOCK" -u"$DB_SUPERUSER" "$@"
}

db_ping() {
	mariadb-admin --no-defaults --socket="$DB_SOCK" -u"$DB_SUPERUSER" \
		--connect-timeout=2 ping >/dev/null 2>&1
}

db_running() {
	local pid
	pid=$(read_pid "$DB_PIDFILE") && alive "$pid" && ours "$pid" "--datadir=$DATADIR"
}

# Options for both mariadb-install-db (which passes them on to its bootstrap
# server) and mariadbd. --no-defaults (given first, separately) keeps
# /etc/mysql and ~/.my.cnf out: this instance is configured here only.
db_server_opts() {
	DB_OPTS=(
		--datadir="$DATADIR"
		--socket="$DB_SOCK"
		--pid-file="$DB_PIDFILE"
		--log-error="$DB_LOG"
		--skip-networking
		# Temporary tables in the state dir, not a /tmp that a cleaner
		# (or a test run beside ours) may empty under the server.
		--tmpdir="$STATE/dbtmp"
		--skip-log-bin
		--character-set-server=utf8mb4
		--collation-server=utf8mb4_unicode_ci
		--innodb-buffer-pool-size=128M
		--innodb-log-file-size=48M
		# A local stack: a commit survives a mariadbd crash or SIGKILL
		# (the log is in the OS cache), not a power cut.
		--innodb-flush-log-at-trx-commit=2
		--max-connections=500
	)
	if [ "$(id -u)" = 0 ]; then
		DB_OPTS+=(--user=root)
	fi
}

db_init() {
	mkdir -p -- "$STATE/dbtmp"
	if [ -d "$DATADIR" ] && [ -e "$DB_INITED" ]; then
		return 0
	fi
	if [ -e "$DATADIR" ]; then
		say "removing half-initialised datadir $DATADIR"
		rm -rf -- "$DATADIR"
	fi
	command -v mariadb-install-db >/dev/null ||
		die "mariadb-install-db not found: run deploy/local/deps.sh (package mariadb-server)"
	db_server_opts
	say "initialising MariaDB datadir $DATADIR"
	mkdir -p -- "$DATADIR"
	if ! mariadb-install-db --no-defaults "${DB_OPTS[@]}" \
		--user="$DB_SUPERUSER" \
		--auth-root-authentication-method=socket \
		--skip-test-db >"$STATE/mariadb-install-db.log" 2>&1; then
		tail_log "$STATE/mariadb-install-db.log"
		tail_log "$DB_LOG"
		die "mariadb-install-db failed (log: $STATE/mariadb-install-db.log)"
	fi
	: >"$DB_INITED"
}

db_start() {
	local pid n
	if db_running && db_ping; then
		return 0
	fi
	command -v mariadbd >/dev/null ||
		die "mariadbd not found: run deploy/local/deps.sh (package mariadb-server)"
	db_init
	if db_running; then
		pid=$(read_pid "$DB_PIDFILE")
		say "mariadbd (pid $pid) runs but does not answer yet; waiting"
	else
		rm -f -- "$DB_PIDFILE" "$DB_SOCK"
		db_server_opts
		say "starting mariadbd (socket $DB_SOCK)"
		# Own session: a Ctrl-C meant for `make run` does not reach it.
		setsid mariadbd --no-defaults "${DB_OPTS[@]}" \
			</dev/null >>"$STATE/mysqld.out" 2>&1 &
		pid=$!
	fi
	n=$((DB_START_TIMEOUT * 10))
	until db_ping; do
		if ! alive "$pid"; then
			tail_log "$DB_LOG"
			tail_log "$STATE/mysqld.out"
			die "mariadbd exited during startup (log: $DB_LOG)"
		fi
		if [ "$n" -le 0 ]; then
			tail_log "$DB_LOG"
			die "mariadbd did not answer on $DB_SOCK within ${DB_START_TIMEOUT}s (log: $DB_LOG)"
		fi
		sleep 0.1
		n=$((n - 1))
	done
	# mariadbd writes its pid file itself; make sure `down` finds it.
	[ -s "$DB_PIDFILE" ] || printf '%s\n' "$pid" >"$DB_PIDFILE"
}

db_stop() {
	stop_pidfile mariadbd "$DB_PIDFILE" TERM "$DB_STOP_TIMEOUT" "--datadir=$DATADIR"
}

# new_password FILE [BYTES]: 2 x BYTES (default 16) hex chars from
# /dev/urandom, made once, kept 0600.
new_password() {
	local file=$1 bytes=${2:-16} pw
	if [ ! -s "$file" ]; then
		pw=$(od -An -N"$bytes" -tx1 /dev/urandom | tr -d ' \n')
		[ ${#pw} -eq $((2 * bytes)) ] || die "cannot read /dev/urandom"
		(umask 077 && printf '%s\n' "$pw" >"$file")
	fi
	chmod 600 -- "$file"
	read -r pw <"$file"
	case $pw in
	'' | *[!0-9a-f]*) die "$file does not hold a hex password; remove it and run up again" ;;
	esac
	printf '%s' "$pw"
}

# The database and both users. Idempotent: on an existing datadir it only makes
# the passwords and grants match the files again.
db_setup() {
	local pw mpw
	pw=$(new_password "$STATE/db_password")
	mpw=$(new_password "$STATE/db_migrate_password")
	db_client <<-SQL || die "creating the roster database and users failed"
		CREATE DATABASE IF NOT EXISTS roster
		  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		CREATE USER IF NOT EXISTS 'roster'@'localhost' IDENTIFIED BY '$pw';
		ALTER USER 'roster'@'localhost' IDENTIFIED BY '$pw';
		GRANT SELECT, INSERT, UPDATE, DELETE ON roster.* TO 'roster'@'localhost';
		CREATE USER IF NOT EXISTS 'roster_migrate'@'localhost' IDENTIFIED BY '$mpw';
		ALTER USER 'roster_migrate'@'localhost' IDENTIFIED BY '$mpw';
		GRANT ALL PRIVILEGES ON roster.* TO 'roster_migrate'@'localhost';
	SQL
	DB_PASSWORD=$pw
	DB_MIGRATE_PASSWORD=$mpw
	# The key that seals the invitation links of queued emails: it lives
	# as long as the database, or the links queued under it would not open.
	SEAL_KEY=${ROSTER_SEAL_KEY:-$(new_password "$STATE/seal_key" 32)}
}

# ---------------------------------------------------------------- roster

roster_running() {
	local pid
	pid=$(read_pid "$SERVE_PIDFILE") && alive "$pid" && ours "$pid" "$SERVE_CONF" 'comm:roster*'
}

roster_stop() {
	stop_pidfile roster "$SERVE_PIDFILE" TERM "$SERVE_STOP_TIMEOUT" "$SERVE_CONF" 'comm:roster*'
	if ! roster_running; then
		rm -f -- "$SERVE_SOCK"
	fi
}

write_roster_conf() {
	local port=$1 key var listen_group=
	# roster chgrp's its socket to the nginx workers' group; only root may.
	if [ "$(id -u)" = 0 ] && getent group www-data >/dev/null; then
		listen_group=www-data
	fi
	{
		printf '# Written by deploy/local/stack.sh up; rewritten by every up.\n'
		printf 'listen = %s\n' "$SERVE_SOCK"
		[ -z "$listen_group" ] || printf 'listen_group = %s\n' "$listen_group"
		printf 'pidfile = %s\n' "$SERVE_PIDFILE"
		printf 'workers = %s\n' "${ROSTER_WORKERS:-4}"
		printf 'db_host = localhost\n'
		printf 'db_socket = %s\n' "$DB_SOCK"
		printf 'db_name = roster\n'
		printf 'db_user = roster\n'
		printf 'db_password = %s\n' "$DB_PASSWORD"
		printf 'public_url = %s\n' "${ROSTER_PUBLIC_URL:-http://127.0.0.1:$port}"
		printf 'seal_key = %s\n' "$SEAL_KEY"
		for key in max_requests request_timeout max_body db_timeout invite_ttl log listen_mode \
			rate_limit rate_window rate_store memcached metrics_token \
			smtp_host smtp_port smtp_starttls db_hosts db_sync_wait db_failback \
			smtp_user smtp_password smtp_from smtp_retry smtp_max_attempts smtp_claim_timeout; do
			var=ROSTER_${key^^}
			if [ -n "${!var:-}" ]; then
				printf '%s = %s\n' "$key" "${!var}"
			fi
		done
	} >"$SERVE_CONF.tmp"
	chmod 600 -- "$SERVE_CONF.tmp"
	mv -f -- "$SERVE_CONF.tmp" "$SERVE_CONF"
}

roster_migrate() {
	local bin=$1
	say "roster migrate"
	clean_env
	if ! env "${CLEAN_ENV[@]}" ROSTER_DB_USER=roster_migrate \
		ROSTER_DB_PASSWORD="$DB_MIGRATE_PASSWORD" \
		"$bin" migrate --config "$SERVE_CONF" \
		</dev/null >>"$SERVE_LOG" 2>&1; then
		tail_log "$SERVE_LOG"
		die "roster migrate failed (log: $SERVE_LOG)"
	fi
}

roster_start() {
	local bin=$1 pid n
	rm -f -- "$SERVE_SOCK" "$SERVE_PIDFILE"
	say "starting roster serve (socket $SERVE_SOCK)"
	# Own session and process group: Ctrl-C at the terminal does not reach the
	# pool, and `down` can sweep up workers the master left behind. setsid
	# execs in place here (a background job is no group leader), so $! is the
	# master's pid.
	clean_env
	setsid env "${CLEAN_ENV[@]}" "$bin" serve --config "$SERVE_CONF" \
		</dev/null >>"$SERVE_LOG" 2>&1 &
	pid=$!
	n=$((SERVE_START_TIMEOUT * 10))
	until [ -S "$SERVE_SOCK" ] && [ -s "$SERVE_PIDFILE" ]; do
		if ! alive "$pid"; then
			wait "$pid" 2>/dev/null || true
			tail_log "$SERVE_LOG"
			die "roster serve exited during startup (log: $SERVE_LOG)"
		fi
		if [ "$n" -le 0 ]; then
			if [ -S "$SERVE_SOCK" ]; then
				# The binary did not write the pid file: record the master.
				printf '%s\n' "$pid" >"$SERVE_PIDFILE"
				break
			fi
			tail_log "$SERVE_LOG"
			die "roster did not create $SERVE_SOCK within ${SERVE_START_TIMEOUT}s (log: $SERVE_LOG)"
		fi
		sleep 0.1
		n=$((n - 1))
	done
	n=$(read_pid "$SERVE_PIDFILE") || n=
	if [ "$n" != "$pid" ]; then
		say "warning: $SERVE_PIDFILE says ${n:-nothing}, the master started is $pid"
	fi
}

# ---------------------------------------------------------------- nginx

nginx_cmd() {
	nginx -p "$STATE/" -c "$NGINX_CONF" -e "$NGINX_ERROR_LOG" "$@"
}

nginx_running() {
	local pid
	pid=$(read_pid "$NGINX_PIDFILE") && alive "$pid" && ours "$pid" "$NGINX_CONF"
}

nginx_stop() {
	# QUIT: finish the requests in flight, then exit.
	stop_pidfile nginx "$NGINX_PIDFILE" QUIT "$NGINX_STOP_TIMEOUT" "$NGINX_CONF"
}

write_nginx_conf() {
	local port=$1 user_line='' mime=''
	[ -f "$SITE_TEMPLATE" ] || die "missing $SITE_TEMPLATE"
	if [ "$(id -u)" = 0 ]; then
		# Workers as www-data, like a packaged nginx: they reach roster's
		# socket through its group (0660, listen_group www-data). They must be
		# able to traverse to the state dir; a repo under /root is not, and
		# then the workers stay root.
		if getent passwd www-data >/dev/null &&
			setpriv --reuid=www-data --regid=www-data --clear-groups \
				test -x "$STATE" 2>/dev/null; then
			user_line='user www-data www-data;'
		else
			say "note: www-data cannot reach $STATE; nginx workers run as root"
			user_line='user root root;'
		fi
	fi
	[ -f /etc/nginx/mime.types ] && mime='include /etc/nginx/mime.types;'
	# nginx's body limit must stay above roster's, so that roster answers 413
	# in its own envelope: follow a ROSTER_MAX_BODY raised past 512 KiB.
	local body_limit=1m max_body=${ROSTER_MAX_BODY:-0}
	case $max_body in
	'' | *[!0-9]*) max_body=0 ;;
	esac
	if [ "$max_body" -gt 524288 ]; then
		body_limit=$((max_body * 2))
	fi
	mkdir -p -- "$STATE/nginx-tmp"
	sed -e "s|@LISTEN@|127.0.0.1:$port|g" \
		-e "s|@SOCKET@|$(sed_repl "$SERVE_SOCK")|g" \
		-e "s|^\( *client_max_body_size\) 1m;|\1 $body_limit;|" \
		"$SITE_TEMPLATE" >"$NGINX_SITE"
	cat >"$NGINX_CONF" <<-EOF
		# Written by deploy/local/stack.sh up; rewritten by every up.
		# The site itself is $NGINX_SITE, i.e. deploy/nginx/roster.conf.
		$user_line
		worker_processes ${NGINX_WORKERS:-2};
		pid $NGINX_PIDFILE;
		error_log $NGINX_ERROR_LOG notice;
		daemon on;

		events {
		    worker_connections 1024;
		}

		http {
		    $mime
		    default_type application/octet-stream;

		    log_format roster '\$remote_addr [\$time_local] "\$request" \$status '
		                      '\$body_bytes_sent rt=\$request_time '
		                      'us=\$upstream_status ut=\$upstream_response_time '
		                      'rid=\$sent_http_x_request_id';
		    access_log $NGINX_ACCESS_LOG roster;

		    client_body_temp_path $STATE/nginx-tmp/client_body;
		    fastcgi_temp_path     $STATE/nginx-tmp/fastcgi;
		    proxy_temp_path       $STATE/nginx-tmp/proxy;
		    uwsgi_temp_path       $STATE/nginx-tmp/uwsgi;
		    scgi_temp_path        $STATE/nginx-tmp/scgi;

		    sendfile on;
		    keepalive_timeout 65;

		    include $NGINX_SITE;
		}
	EOF
}

nginx_start() {
	local port=$1 out
	command -v nginx >/dev/null ||
		die "nginx not found: run deploy/local/deps.sh (package nginx-light)"
	write_nginx_conf "$port"
	if ! out=$(nginx_cmd -t -q 2>&1); then
		printf '%s\n' "$out" >&2
		die "nginx rejects $NGINX_CONF"
	fi
	rm -f -- "$NGINX_PIDFILE"
	say "starting nginx on 127.0.0.1:$port"
	if ! nginx_cmd </dev/null >>"$STATE/nginx.out" 2>&1; then
		tail_log "$STATE/nginx.out"
		tail_log "$NGINX_ERROR_LOG"
		die "nginx did not start"
	fi
}

# port_busy PORT: something accepts connections on 127.0.0.1:PORT.
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_health() {
	local url=http://127.0.0.1:$1/api/v1/health
	if ! wait_for "$HEALTH_TIMEOUT" http_ok "$url"; then
		tail_log "$SERVE_LOG"
		tail_log "$NGINX_ERROR_LOG"
		die "GET $url answered $(http_status "$url"), not 200, within ${HEALTH_TIMEOUT}s"
	fi
}

# ---------------------------------------------------------------- commands

do_down() {
	nginx_stop
	roster_stop
	db_stop
}

up_failed() {
	local rc=$?
	trap - EXIT
	if [ "$rc" -ne 0 ]; then
		if [ "${STACK_KEEP_ON_FAILURE:-0}" = 1 ]; then
			say "up failed; STACK_KEEP_ON_FAILURE=1: leaving it running"
		else
			say "up failed; stopping what runs in $STATE"
			do_down || true
		fi
	fi
	exit "$rc"
}

cmd_up() {
	if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
	local port=$2 bin=${3:-$REPO_ROOT/build/roster}
	case $port in
	'' | *[!0-9]*) die "PORT must be a number: $port" ;;
	esac
	if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then die "PORT out of range: $port"; fi
	case $bin in
	*/*) ;;
	*) bin=$(command -v -- "$bin") || die "binary not found: ${3:-}" ;;
	esac
	case $bin in
	/*) ;;
	*) bin=$PWD/$bin ;;
	esac
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		die "roster binary not found or not executable: $bin (run make)"
	fi
	command -v curl >/dev/null || die "curl not found: run deploy/local/deps.sh"
	set_state "$1" create

	# From here on, a failure stops whatever runs from this state dir, so that
	# a failed up (in a test, say) leaves no server behind.
	trap up_failed EXIT
	# A previous up of this dir: restart roster and nginx, keep the database.
	nginx_stop
	roster_stop
	if port_busy "$port"; then
		die "127.0.0.1:$port is already in use"
	fi

	rotate "$SERVE_LOG"
	rotate "$NGINX_ERROR_LOG"
	rotate "$NGINX_ACCESS_LOG"
	printf '%s\n' "$bin" >"$STATE/binary"
	printf '%s\n' "$port" >"$STATE/port"

	db_start
	db_setup
	write_roster_conf "$port"
	roster_migrate "$bin"
	roster_start "$bin"
	nginx_start "$port"
	wait_health "$port"
	trap - EXIT

	printf 'roster is up: http://127.0.0.1:%s\n' "$port"
	printf '  state dir  %s\n' "$STATE"
	printf '  config     %s\n' "$SERVE_CONF"
	printf '  logs       %s %s %s\n' "$SERVE_LOG" "$NGINX_ERROR_LOG" "$DB_LOG"
	printf '  stop with  %s down %s\n' "$SCRIPT_DIR/stack.sh" "$STATE"
}

cmd_down() {
	[ $# -eq 1 ] || usage
	if [ ! -d "$1" ]; then
		say "no state dir $1: nothing to stop"
		return 0
	fi
	set_state "$1"
	do_down
}

cmd_db_stop() {
	[ $# -eq 1 ] || usage
	set_state "$1"
	db_stop
}

cmd_db_start() {
	[ $# -eq 1 ] || usage
	set_state "$1"
	[ -e "$DB_INITED" ] || die "no database in $STATE: run up first"
	db_start
}

cmd_sql() {
	[ $# -eq 2 ] || usage
	set_state "$1"
	db_ping || die "mariadbd of $STATE does not answer on $DB_SOCK"
	db_client -N -B -e "$2" roster
}

# What an admin's backup of the database holds: mariadb-dump as the superuser,
# one consistent snapshot, on stdout; OPTIONs go to mariadb-dump (--hex-blob).
cmd_dump() {
	[ $# -ge 1 ] || usage
	set_state "$1"
	shift
	db_ping || die "mariadbd of $STATE does not answer on $DB_SOCK"
	mariadb-dump --no-defaults --socket="$DB_SOCK" -u"$DB_SUPERUSER" \
		--single-transaction "$@" roster
}

cmd_env() {
	[ $# -eq 1 ] || usage
	set_state "$1"
	local port bin
	[ -s "$STATE/port" ] || die "$STATE was never brought up"
	read -r port <"$STATE/port"
	read -r bin <"$STATE/binary" || bin=
	# %q quotes for the shell; the values are plain paths anyway.
	printf 'export ROSTER_CONFIG=%q\n' "$SERVE_CONF"
	printf 'export ROSTER_STATE_DIR=%q\n' "$STATE"
	printf 'export ROSTER_PORT=%q\n' "$port"
	printf 'export PORT=%q\n' "$port"
	printf 'export ROSTER_URL=%q\n' "http://127.0.0.1:$port"
	printf 'export ROSTER_BIN=%q\n' "$bin"
	printf 'export ROSTER_DB_SOCKET=%q\n' "$DB_SOCK"
}

main() {
	[ $# -ge 1 ] || usage
	local cmd=$1
	shift
	case $cmd in
	up) cmd_up "$@" ;;
	down) cmd_down "$@" ;;
	db-stop) cmd_db_stop "$@" ;;
	db-start) cmd_db_start "$@" ;;
	sql) cmd_sql "$@" ;;
	dump) cmd_dump "$@" ;;
	env) cmd_env "$@" ;;
	-h | --help | help) usage ;;
	*) say "unknown command: $cmd"; usage ;;
	esac
}

main "$@"
