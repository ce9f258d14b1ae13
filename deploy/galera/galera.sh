#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on loopback, from Debian's packages (mariadb-server,
# galera-4, mariadb-backup), for tests and for trying roster's scale-out setup on one
# machine.  Every node is a private mariadbd on 127.0.0.1 with its own folder under
# ROOT; every process is started with its pid recorded and stopped by it.  The comments
# below say why each step is done the way it is: each is a failure met otherwise.
#
#   galera.sh ROOT up [SEED.sql]     # bootstrap n1 (+ seed), clone it to n2, n3, join them
#   galera.sh ROOT start N [new]     # start node N (new: --wsrep-new-cluster); a node
#                                    # that was killed is recovered first (--wsrep-recover)
#   galera.sh ROOT wait N [SECS]     # until N is Primary, Synced, ready (default 120 s)
#   galera.sh ROOT wait-size N SIZE [SECS]  # until N reports Primary with cluster size SIZE
#   galera.sh ROOT kill9 N           # SIGKILL node N (its recorded pid)
#   galera.sh ROOT stop N            # SIGTERM node N, SIGKILL after 30 s
#   galera.sh ROOT down              # stop every node (SIGTERM all at once, then SIGKILL)
#   galera.sh ROOT sql N 'SQL'       # as root over node N's unix socket; tab-separated rows
#   galera.sh ROOT status N          # "cluster_status state ready size" of node N
#   galera.sh ROOT port N            # node N's client port
#   galera.sh ROOT pid N             # node N's mariadbd pid
#
# Ports (GALERA_PORT_BASE, default 19400): node N's client port is BASE+N; its gcomm
# port BASE+10+10N, IST BASE+11+10N, SST BASE+12+10N (19401-3; 19420/21/22,
# 19430/31/32, 19440/41/42).  Galera's default IST port is gcomm+1, hence the spacing.
#
# Environment: GALERA_PORT_BASE; GALERA_EVS (the evs.* provider options; default
# failure detection a little faster than Galera's own, suspect 2 s and inactive 6 s:
# writes stall about 3.5 s after a node is lost, against 6.5 s with the defaults; the
# 1.5/3 s tried first split the survivors of a kill into a non-Primary component);
# GALERA_SST (default mariabackup); GALERA_EXTRA_CNF (a file appended to every node's
# [mysqld] section).  The settings roster needs are in deploy/galera/roster-galera.cnf,
# which is appended to every node's my.cnf.
#
# ROOT is a folder of yours (mktemp -d); nothing is written outside it.  The nodes run
# as the user that runs this script (root on CI: user=root in my.cnf).

set -u

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
PROG=galera.sh
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$SCRIPT_DIR/../lib.sh"

[ $# -ge 2 ] || { sed -n '7,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

ROOT=$1
cmd=$2
shift 2
case $ROOT in /*) ;; *) ROOT=$PWD/$ROOT ;; esac
case $ROOT in *[!A-Za-z0-9._/+@-]*) die "ROOT path has characters my.cnf cannot hold: $ROOT" ;; esac
[ -d "$ROOT" ] || die "no such folder: $ROOT"

BASE=${GALERA_PORT_BASE:-19400}
PROVIDER=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
SST=${GALERA_SST:-mariabackup}
# Galera refuses to start unless keepalive < suspect/3 and install lies in
# [2*retrans, inactive+1].
EVS=${GALERA_EVS:-"evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S"}
ROSTER_CNF=$SCRIPT_DIR/roster-galera.cnf
NODES="1 2 3"

myport()  { echo $((BASE + $1)); }
gport()   { echo $((BASE + 10 + 10 * $1)); }
istport() { echo $((BASE + 11 + 10 * $1)); }
sstport() { echo $((BASE + 12 + 10 * $1)); }
ndir()    { echo "$ROOT/n$1"; }
addr="gcomm://127.0.0.1:$(gport 1),127.0.0.1:$(gport 2),127.0.0.1:$(gport 3)"
RUNAS=$(id -un)

sql() { mariadb --no-defaults -uroot -S "$(ndir "$1")/sock" --connect-timeout=2 -N -B -e "$2"; }

node_ok() { case $1 in 1 | 2 | 3) ;; *) die "node must be 1, 2 or 3: $1" ;; esac; }

# nodepid N: the recorded pid of node N, if it is alive and is that node's mariadbd.
nodepid() {
	local d p
	d=$(ndir "$1")
	p=$(read_pid "$d/mpid") || return 1
	alive "$p" && ours "$p" "--defaults-file=$d/my.cnf" || return 1
	echo "$p"
}

write_cnf() {
	local i=$1 d
	d=$(ndir "$i")
	mkdir -p "$d/tmp" "$d/sstlog"
	{
		cat <<-CNF
			# Written by deploy/galera/galera.sh; rewritten by every start.
			[mysqld]
			datadir=$d/data
			tmpdir=$d/tmp
			socket=$d/sock
			pid-file=$d/pid
			log-error=$d/err.log
			user=$RUNAS
			port=$(myport "$i")
			bind-address=127.0.0.1
			skip-name-resolve
			character-set-server=utf8mb4
			collation-server=utf8mb4_unicode_ci
			innodb-buffer-pool-size=64M
			innodb-log-file-size=32M
			max-connections=100
			performance-schema=OFF
			wsrep-on=ON
			wsrep-provider=$PROVIDER
			wsrep-cluster-name=roster-test
			wsrep-cluster-address=$addr
			wsrep-node-name=n$i
			wsrep-node-address=127.0.0.1:$(gport "$i")
			wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$(gport "$i");ist.recv_addr=127.0.0.1:$(istport "$i");gcache.size=64M;$EVS"
			wsrep-sst-method=$SST
			wsrep-sst-receive-address=127.0.0.1:$(sstport "$i")
			wsrep-slave-threads=2
		CNF
		# What roster needs of every node (binlog_format=ROW, autoinc lock mode 2, ...).
		printf '# --- %s\n' "$ROSTER_CNF"
		grep -v '^\[' "$ROSTER_CNF"
		if [ -n "${GALERA_EXTRA_CNF:-}" ]; then
			printf '# --- %s\n' "$GALERA_EXTRA_CNF"
			grep -v '^\[' "$GALERA_EXTRA_CNF"
		fi
		# The SST scripts read only this file: with --no-defaults they read
		# /etc/mysql instead, where Debian sends their errors to syslog (lost in
		# a container).  Their log archive defaults to /tmp/sst_log_archive.
		printf '[sst]\nsst-log-archive-dir=%s/sstlog\n' "$d"
	} >"$d/my.cnf.tmp" && mv -f "$d/my.cnf.tmp" "$d/my.cnf"
}

cmd_start() {
	local i=$1 new=${2:-} d pos p
	node_ok "$i"
	d=$(ndir "$i")
	[ -d "$d/data" ] || die "n$i has no datadir (run up first)"
	if p=$(nodepid "$i"); then die "n$i already runs (pid $p)"; fi
	write_cnf "$i"
	local extra=()
	[ "$new" = new ] && extra=(--wsrep-new-cluster)
	# A node that was killed left "seqno: -1" and would ask for the whole state
	# (a full SST, 20 s and the whole datadir copied): recover its position from
	# InnoDB, so that it rejoins by IST.
	if [ "$new" != new ] && grep -q '^seqno: *-1' "$d/data/grastate.dat" 2>/dev/null; then
		timeout 60 mariadbd --defaults-file="$d/my.cnf" --wsrep-recover \
			--log-error="$d/recover.log" </dev/null >/dev/null 2>&1
		pos=$(grep -a 'WSREP: Recovered position:' "$d/recover.log" 2>/dev/null | tail -1 |
			sed 's/.*Recovered position: *//')
		if [ -n "$pos" ]; then
			extra+=(--wsrep-start-position="$pos")
			say "n$i: recovered position $pos"
		else
			say "n$i: no recovered position (see $d/recover.log); it will ask for a full SST"
		fi
	fi
	rm -f "$d/sock"
	# Own session: a Ctrl-C meant for the caller does not reach it; $! is mariadbd.
	setsid mariadbd --defaults-file="$d/my.cnf" "${extra[@]}" </dev/null >>"$d/stdout.log" 2>&1 &
	echo $! >"$d/mpid"
}

# status N: "Primary Synced ON 3" (cluster_status, local_state_comment, ready, size).
status() {
	sql "$1" "select concat_ws(' ',
	  (select variable_value from information_schema.global_status where variable_name='wsrep_cluster_status'),
	  (select variable_value from information_schema.global_status where variable_name='wsrep_local_state_comment'),
	  (select variable_value from information_schema.global_status where variable_name='wsrep_ready'),
	  (select variable_value from information_schema.global_status where variable_name='wsrep_cluster_size'))" 2>/dev/null
}

# wait_until N SECS PATTERN: poll status until it matches the case PATTERN.
wait_until() {
	local i=$1 lim=$2 pat=$3 s n
	n=$((lim * 5))
	while :; do
		s=$(status "$i")
		# shellcheck disable=SC2254 # a pattern on purpose
		case "$s" in $pat) return 0 ;; esac
		if ! nodepid "$i" >/dev/null; then
			say "n$i is not running; last lines of its err.log:"
			tail -n 30 "$(ndir "$i")/err.log" >&2
			return 1
		fi
		if [ "$n" -le 0 ]; then
			say "n$i: not '$pat' within ${lim}s (status: ${s:-no answer})"
			tail -n 30 "$(ndir "$i")/err.log" >&2
			return 1
		fi
		sleep 0.2
		n=$((n - 1))
	done
}

cmd_stop() {
	local i=$1 p
	node_ok "$i"
	p=$(nodepid "$i") || return 0
	kill -TERM "$p" 2>/dev/null
	wait_gone 30 "$p" && return 0
	say "n$i (pid $p) still runs 30 s after SIGTERM: SIGKILL"
	kill -KILL "$p" 2>/dev/null
	wait_gone 5 "$p"
}

cmd_down() {
	local i p pids=()
	for i in $NODES; do
		if p=$(nodepid "$i"); then pids+=("$p"); kill -TERM "$p" 2>/dev/null; fi
	done
	[ ${#pids[@]} -gt 0 ] || return 0
	wait_gone 30 "${pids[@]}" && return 0
	say "nodes still running 30 s after SIGTERM: SIGKILL"
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	return 0
}

cmd_up() {
	local seed=${1:-} d i
	d=$(ndir 1)
	[ -e "$d/data" ] && die "$d/data exists: up wants a fresh ROOT"
	command -v mariadbd >/dev/null || die "mariadbd not found (package mariadb-server)"
	[ -e "$PROVIDER" ] || die "no Galera provider $PROVIDER (package galera-4)"
	mkdir -p "$d/data" "$d/tmp"
	if ! mariadb-install-db --no-defaults --datadir="$d/data" --user="$RUNAS" \
		--auth-root-authentication-method=socket --skip-test-db >"$d/install.log" 2>&1; then
		tail -n 30 "$d/install.log" >&2
		die "mariadb-install-db failed"
	fi
	# 1. n1 alone, seeded, stopped cleanly: grastate.dat gets uuid:seqno.
	cmd_start 1 new
	wait_until 1 60 "Primary Synced ON *" || { cmd_down; die "n1 did not bootstrap"; }
	if [ -n "$seed" ]; then
		if ! mariadb --no-defaults -uroot -S "$d/sock" <"$seed"; then
			cmd_down
			die "seed $seed failed"
		fi
	fi
	cmd_stop 1 || die "n1 did not stop"
	# 2. Clone its datadir: the joiners share the cluster UUID and need only an
	#    IST of a few writesets, no SST (a mariabackup SST costs 10 s or more
	#    per joiner, one joiner at a time per donor).
	for i in 2 3; do
		mkdir -p "$(ndir "$i")/tmp"
		cp -a "$d/data" "$(ndir "$i")/data"
		rm -f "$(ndir "$i")/data/galera.cache" "$(ndir "$i")/data/gvwstate.dat"
		sed -i 's/^safe_to_bootstrap: 1/safe_to_bootstrap: 0/' "$(ndir "$i")/data/grastate.dat"
	done
	# 3. n1 bootstraps again; the joiners start one after the other (two at
	#    once race in gcomm and take seconds longer to join).
	cmd_start 1 new
	wait_until 1 60 "Primary Synced ON *" || { cmd_down; die "n1 did not bootstrap"; }
	for i in 2 3; do
		cmd_start "$i"
		wait_until "$i" 60 "Primary Synced ON *" || { cmd_down; die "n$i did not join"; }
	done
	wait_until 1 30 "Primary Synced ON 3" || { cmd_down; die "n1 does not see 3 nodes"; }
}

case $cmd in
up) cmd_up "$@" ;;
start) [ $# -ge 1 ] || die "start N [new]"; cmd_start "$@" ;;
wait) [ $# -ge 1 ] || die "wait N [SECS]"; node_ok "$1"; wait_until "$1" "${2:-120}" "Primary Synced ON *" ;;
wait-size) [ $# -ge 2 ] || die "wait-size N SIZE [SECS]"; node_ok "$1"; wait_until "$1" "${3:-60}" "Primary * ON $2" ;;
kill9) [ $# -eq 1 ] || die "kill9 N"; node_ok "$1"; p=$(nodepid "$1") || die "n$1 is not running"; kill -KILL "$p" ;;
stop) [ $# -eq 1 ] || die "stop N"; cmd_stop "$1" ;;
down) cmd_down ;;
sql) [ $# -eq 2 ] || die "sql N 'SQL'"; node_ok "$1"; sql "$1" "$2" ;;
status) [ $# -eq 1 ] || die "status N"; node_ok "$1"; status "$1" ;;
port) [ $# -eq 1 ] || die "port N"; node_ok "$1"; myport "$1" ;;
pid) [ $# -eq 1 ] || die "pid N"; node_ok "$1"; nodepid "$1" ;;
*) die "unknown command: $cmd" ;;
esac
