# shellcheck shell=bash
# Shell helpers of the deploy/ scripts (local/stack.sh, local/run.sh,
# local/deps.sh, galera/galera.sh, bench/bench.sh): messages, processes
# found and stopped by their recorded pid, bounded waits, the admin CLI.
# Bash; sourced, never run:
#
#   PROG=stack.sh
#   . "$SCRIPT_DIR/../lib.sh"
#
# PROG names the script in its messages.  Nothing here exits or changes the
# shell's options except die; every function works under `set -euo pipefail`
# and without it.  deploy/spawn-fcgi/roster.sh does not source this file: it is
# a recipe to copy onto a server, where it must stand alone.

# ---------------------------------------------------------------- messages

say() { printf '%s: %s\n' "${PROG:-${0##*/}}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${PROG:-${0##*/}}" "$*" >&2; exit 1; }

# tail_log FILE [LINES]: the end of a log on stderr, for failure messages.
tail_log() {
	if [ -s "$1" ]; then
		printf -- '--- last lines of %s ---\n' "$1" >&2
		tail -n "${2:-25}" -- "$1" >&2
		printf -- '---\n' >&2
	fi
}

# ---------------------------------------------------------------- processes

# alive PID: the process exists and is not a zombie (an orphan whose parent does
# not reap it still answers kill -0).
alive() {
	local stat
	kill -0 "$1" 2>/dev/null || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# gone PID...: none of them is alive.
gone() {
	local p
	for p in "$@"; do
		! alive "$p" || return 1
	done
}

# read_pid FILE: print the pid in FILE (its first line) if it is a number.
read_pid() {
	local pid=
	if [ -s "$1" ]; then
		read -r pid <"$1" 2>/dev/null || true
	fi
	case $pid in
	'' | *[!0-9]*) return 1 ;;
	esac
	printf '%s\n' "$pid"
}

# ours PID PATTERN...: the process's command line contains one of the patterns
# (a path only this script's processes have), or, for a pattern `comm:GLOB`, its
# name matches GLOB; so a stale pid file never makes us signal a stranger that
# got its pid.
ours() {
	local pid=$1 cmd comm p
	shift
	[ -r "/proc/$pid/cmdline" ] || return 0 # no procfs: trust the pid file
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || comm=
	for p in "$@"; do
		case $p in
		comm:*)
			# shellcheck disable=SC2254 # a glob on purpose
			case $comm in ${p#comm:}) return 0 ;; esac ;;
		*)
			case $cmd in *"$p"*) return 0 ;; esac ;;
		esac
	done
	return 1
}

# pgid PID: its process group.
pgid() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# state ppid pgrp ...
	# shellcheck disable=SC2086 # split on purpose
	set -- $stat
	printf '%s\n' "$3"
}

# group_gone PGID: no live (non-zombie) process is in that group.
group_gone() {
	local group=$1 d stat
	for d in /proc/[0-9]*; do
		stat=$(cat "$d/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		# state ppid pgrp ...
		# shellcheck disable=SC2086 # split on purpose
		set -- $stat
		if [ "$3" = "$group" ] && [ "$1" != Z ]; then
			return 1
		fi
	done
}

# wait_for SECONDS COMMAND [ARGS...]: run COMMAND every 0.1 s until it
# succeeds; 1 if it did not within SECONDS (a whole number).
wait_for() {
	local n=$(($1 * 10))
	shift
	until "$@"; do
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
		n=$((n - 1))
	done
}

# wait_gone SECONDS PID...: wait for the processes to end; 1 if one did not.
wait_gone() {
	wait_for "$1" gone "${@:2}"
}

# stop_pidfile NAME PIDFILE SIGNAL TIMEOUT PATTERN...: send SIGNAL to the pid in
# PIDFILE if it is one of ours (`ours PID PATTERN...`), wait TIMEOUT seconds,
# then SIGKILL.  Every server the scripts start runs in its own session
# (setsid, or the server's own daemonizing), so when the pid leads its process
# group, leftovers of the group (workers) are killed too.  Quiet and
# successful when nothing runs; the pid file is removed.
stop_pidfile() {
	local name=$1 pidfile=$2 sig=$3 timeout=$4 pid group=
	shift 4
	pid=$(read_pid "$pidfile") || { rm -f -- "$pidfile"; return 0; }
	if ! alive "$pid"; then
		rm -f -- "$pidfile"
		return 0
	fi
	if ! ours "$pid" "$@"; then
		say "$name: pid $pid in $pidfile is not $name; stale pid file removed"
		rm -f -- "$pidfile"
		return 0
	fi
	group=$(pgid "$pid") || group=
	[ "$group" = "$pid" ] || group=
	say "stopping $name (pid $pid)"
	kill "-$sig" "$pid" 2>/dev/null || true
	if ! wait_gone "$timeout" "$pid"; then
		say "$name (pid $pid) still running after ${timeout}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone 5 "$pid" || say "$name (pid $pid) survived SIGKILL"
	fi
	if [ -n "$group" ] && ! wait_for 5 group_gone "$group"; then
		say "$name: killing what is left of process group $group"
		kill -KILL -- "-$group" 2>/dev/null || true
		wait_for 5 group_gone "$group" || true
	fi
	rm -f -- "$pidfile"
}

# ---------------------------------------------------------------- HTTP

# http_status URL: the status of a GET (000 when nothing answered), within 2 s.
http_status() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

# http_ok URL: a GET of URL answers 200.
http_ok() {
	[ "$(http_status "$1")" = 200 ]
}

# ---------------------------------------------------------------- roster

# clean_env: CLEAN_ENV holds `env` arguments that drop every exported ROSTER_*
# variable of the caller (each would override its roster.conf key).
clean_env() {
	local v
	CLEAN_ENV=()
	for v in $(compgen -e); do
		case $v in
		ROSTER_*) CLEAN_ENV+=(-u "$v") ;;
		esac
	done
}

# admin NOUN VERB ARGS...: the admin command `$BIN NOUN VERB --config $CONF
# ARGS...` without the caller's ROSTER_* variables; prints its JSON.  The
# command's own error message (on stderr) passes through.
admin() {
	local out
	clean_env
	if ! out=$(env "${CLEAN_ENV[@]}" "$BIN" "$1" "$2" --config "$CONF" "${@:3}"); then
		printf '%s\n' "$out" >&2
		die "roster $1 $2 failed"
	fi
	printf '%s\n' "$out"
}

# field JSON KEY: one string field of an admin command's JSON object.
field() {
	"${PY:-python3}" -c 'import json, sys
v = json.loads(sys.argv[1]).get(sys.argv[2])
if not isinstance(v, str) or not v:
    sys.exit("no string field %r in %s" % (sys.argv[2], sys.argv[1]))
print(v)' "$1" "$2"
}
