#!/usr/bin/env bash
# `make bench`: bounded loads with wrk against nginx -> roster -> MariaDB on a
# private local stack, a table, a CSV and a PNG chart, then everything it
# started is stopped again (also on failure or Ctrl-C).
#
#   deploy/bench/bench.sh            (make bench builds build/roster first)
#
# Steps:
#   1. stack.sh up in .run/bench on 127.0.0.1:19700 (a fresh database every
#      run), with workers = 8, rate_limit = 100000000 (counted, never hit, in
#      the default store: local),
#      max_requests = 1000000 (no recycling during the run), logs on; plus a
#      nginx `return 200` location, the web server's own ceiling.
#      Why 8 workers on 2 cores: a worker serves one request at a time and
#      spends much of it waiting for MariaDB, so 2 would leave the cores idle
#      and 4 still queue requests at c >= 8; past 8 the extra workers only
#      add database connections and context switches on a machine where
#      nginx, MariaDB and wrk share the same 2 cores (16 measured no better,
#      within this machine's noise).
#   2. Seeds a website with 5 members (owner + 4, through the admin CLI) and
#      one with 10,000 (owner + 9,999 seeded in SQL from MariaDB's sequence
#      engine), a dft_ token of the owner and a df_ key of the small website;
#      finds the middle page's cursor of the large one by walking its pages.
#   3. wrk --latency for every scenario at every concurrency, a fixed
#      duration each; results in build/bench/results.csv, raw wrk output in
#      build/bench/wrk/.
#   3b. The ratio targets again: the c=32 runs they compare (health, the
#      lists, the invite streams) in BENCH_TARGET_ROUNDS rounds, the order
#      rotated each round; report.py takes each ratio inside a round and
#      the median over the rounds (build/bench/rounds.csv), so that one
#      noisy 5-second run does not decide a target.
#   3c. health and the two lists at c=32 with the read cache off
#      (cache_entries = 0, SIGHUP), for comparison: build/bench/cacheoff.csv.
#   4. Each worker's resident memory (VmRSS).
#   5. invite+revoke at c=32 with rate limiting off, on with the local store
#      (the default), on with the database store, on with memcached (a
#      private one on 127.0.0.1:19701), and with
#      rate limiting off and the audit table swapped to BLACKHOLE (to bound
#      the audit row's cost), in rounds, the order rotated each round; and
#      the 5-member list in the same configurations: build/bench/ratelimit.csv.
#      Config changes are made in roster.conf and applied by SIGHUP to the
#      master.
#   6. Fresh workers (SIGHUP), 10,000 then 200,000 requests in all of a mix
#      of reads and invite+revoke, RSS of each worker after both: the growth.
#      Each of the two runs stops after 600 s at most; the report names the
#      count reached.
#   7. The table, the targets with PASS/MISS (build/bench/targets.csv), the
#      chart build/bench/bench.png (gnuplot).
#
# Environment (all optional):
#   BENCH_PORT (19700)  BENCH_MEMCACHED_PORT (19701)  BENCH_WORKERS (8)
#   BENCH_DURATION (5 s per run)  BENCH_DURATION_C1 (3 s at concurrency 1)
#   BENCH_CONCURRENCY ("1 8 32 128")  BENCH_RL_ROUNDS (3)
#   BENCH_TARGET_ROUNDS (5; 0 skips steps 3b and 3c)
#   BENCH_MEM_FIRST (10000)  BENCH_MEM_TOTAL (200000)
#   BENCH_SCENARIOS: a subset, e.g. "health team5_token" (default: all)
#   A quick look at one scenario, the rest skipped (no target rounds, no
#   rate-limit rounds, a short memory run):
#     BENCH_SCENARIOS=team10k_all BENCH_CONCURRENCY="1 8" BENCH_TARGET_ROUNDS=0 \
#     BENCH_RL_ROUNDS=0 BENCH_MEM_FIRST=100 BENCH_MEM_TOTAL=200 deploy/bench/bench.sh
#   BENCH_STATE (.run/bench)  BENCH_OUT (build/bench)  BENCH_BINARY (build/roster)
#   BENCH_KEEP=1: keep the state dir (database, logs) after the run.
#
# Exit status: 0 when every step ran (targets missed are reported, not
# failures); non-zero when a step failed.

set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
PROG=bench
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$SCRIPT_DIR/../lib.sh"
STACK=$REPO_ROOT/deploy/local/stack.sh

BIN=${BENCH_BINARY:-$REPO_ROOT/build/roster}
STATE=${BENCH_STATE:-$REPO_ROOT/.run/bench}
OUT=${BENCH_OUT:-$REPO_ROOT/build/bench}
PORT=${BENCH_PORT:-19700}
MC_PORT=${BENCH_MEMCACHED_PORT:-19701}
WORKERS=${BENCH_WORKERS:-8}
DURATION=${BENCH_DURATION:-5}
DURATION_C1=${BENCH_DURATION_C1:-3}
CONCURRENCY=${BENCH_CONCURRENCY:-1 8 32 128}
RL_ROUNDS=${BENCH_RL_ROUNDS:-3}
TARGET_ROUNDS=${BENCH_TARGET_ROUNDS:-5}
MEM_FIRST=${BENCH_MEM_FIRST:-10000}
MEM_TOTAL=${BENCH_MEM_TOTAL:-200000}
RATE_LIMIT=100000000
MAX_REQUESTS=1000000
WRK_TIMEOUT=5s          # a request slower than this counts as a socket error
MEM_CAP=600             # seconds: bound of each request-count run
RELOAD_TIMEOUT=30       # seconds until the workers are replaced after SIGHUP

URL=http://127.0.0.1:$PORT
API=$URL/api/v1/admin
CONF=$STATE/roster.conf
MC_DIR=$STATE/memcached
MC_PIDFILE=$MC_DIR/memcached.pid
RESULTS=$OUT/results.csv
RLCSV=$OUT/ratelimit.csv
ROUNDSCSV=$OUT/rounds.csv
CACHEOFFCSV=$OUT/cacheoff.csv
MEMCSV=$OUT/memory.csv
OWNER=owner@bench.example

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# The bench's Python: the seeded data's check, wrk's numbers, the report.
REPORT=("$PY" "$SCRIPT_DIR/report.py")

for tool in wrk gnuplot memcached curl nginx mariadbd; do
	command -v "$tool" >/dev/null ||
		die "$tool not found: run deploy/local/deps.sh (or make deps)"
done
[ -x "$BIN" ] || die "$BIN is missing: run make (or make bench)"
case $WORKERS in '' | *[!0-9]*) die "BENCH_WORKERS must be a number" ;; esac

# ROSTER_* variables of the caller's shell would override roster.conf.
clean_env

# ---------------------------------------------------------------- cleanup

# memcached_stop: by the pid in its pid file, if that is our memcached.
memcached_stop() {
	stop_pidfile memcached "$MC_PIDFILE" TERM 5 "-P $MC_PIDFILE"
}

cleaned=0
WRK_PID=	# the wrk running now, if any
cleanup() {
	local rc=$?
	[ "$cleaned" = 0 ] || return 0
	cleaned=1
	trap - EXIT INT TERM
	if [ "$rc" -ne 0 ]; then
		say "failed (exit $rc); stopping what it started"
		if [ -d "$STATE" ]; then
			tail_log "$STATE/roster.log" 15
			tail_log "$STATE/nginx-error.log" 15
		fi
	fi
	if [ -n "$WRK_PID" ]; then
		kill -TERM "$WRK_PID" 2>/dev/null || true
		wait "$WRK_PID" 2>/dev/null || true
	fi
	memcached_stop || true
	if [ -d "$STATE" ]; then
		"$STACK" down "$STATE" || true
		if [ -d "$OUT" ]; then
			mkdir -p -- "$OUT/logs"
			for f in roster.log roster.conf nginx-error.log mysqld.log; do
				[ ! -f "$STATE/$f" ] || tail -c 1000000 -- "$STATE/$f" >"$OUT/logs/$f" || true
			done
			chmod 600 -- "$OUT/logs/roster.conf" 2>/dev/null || true
		fi
		if [ "${BENCH_KEEP:-0}" != 1 ]; then
			rm -rf -- "$STATE"
		else
			say "state kept in $STATE (BENCH_KEEP=1)"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers

sql() { "$STACK" sql "$STATE" "$1"; }

# admin NOUN VERB ARGS... and field JSON KEY (deploy/lib.sh) run the admin
# CLI on $BIN and $CONF and read its answers.

master_pid() {
	local pid
	pid=$(read_pid "$STATE/roster.pid") || die "no pid in $STATE/roster.pid"
	alive "$pid" || die "roster master (pid $pid) is not running"
	printf '%s\n' "$pid"
}

# workers: the pids of the master's children (the workers), one a line.
workers() {
	local master d stat
	master=$(master_pid)
	for d in /proc/[0-9]*; do
		stat=$(cat "$d/stat" 2>/dev/null) || continue
		# pid (comm) state ppid ...
		# shellcheck disable=SC2086 # split on purpose
		set -- ${stat##*) }
		if [ "$2" = "$master" ] && [ "$1" != Z ]; then
			printf '%s\n' "${d#/proc/}"
		fi
	done | sort -n
}

# rss PID: VmRSS in KiB.
rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# record_rss PHASE REQUESTS: every worker's VmRSS into memory.csv and stdout.
record_rss() {
	local p r line=
	[ -s "$MEMCSV" ] || echo "phase,pid,rss_kib,requests" >"$MEMCSV"
	for p in $(workers); do
		r=$(rss "$p") || continue
		echo "$1,$p,$r,$2" >>"$MEMCSV"
		line="$line $p:${r}KiB"
	done
	say "worker VmRSS ($1, $2 requests):$line"
}

# set_conf KEY VALUE: change (or add) a key of roster.conf in place.
set_conf() {
	if grep -q "^$1 = " "$CONF"; then
		sed -i "s|^$1 = .*|$1 = $2|" "$CONF"
	else
		printf '%s = %s\n' "$1" "$2" >>"$CONF"
	fi
}

# reload: SIGHUP to the master, then wait until every worker is a new one and
# health answers 200.
reload() {
	local master old now n w fresh
	master=$(master_pid)
	old=" $(workers | tr '\n' ' ')"
	kill -HUP "$master"
	n=$((RELOAD_TIMEOUT * 10))
	while :; do
		now=$(workers)
		fresh=0
		for w in $now; do
			case $old in *" $w "*) ;; *) fresh=$((fresh + 1)) ;; esac
		done
		if [ "$fresh" -ge "$WORKERS" ] && [ "$(echo "$now" | grep -c .)" -eq "$WORKERS" ] &&
			http_ok "$URL/api/v1/health"; then
			break
		fi
		[ "$n" -gt 0 ] || die "workers not replaced ${RELOAD_TIMEOUT}s after SIGHUP"
		sleep 0.1
		n=$((n - 1))
	done
}

# run_wrk OUTFILE CONC DURATION URL [WRK OPTIONS...] [-- SCRIPT ARGS...]:
# one bounded wrk run (two threads, one at concurrency 1). With
# STOP_WHEN_DONE=1 the script's threads stop themselves after a number of
# requests (thread:stop()); wrk's main thread would still sleep out the whole
# duration, so once it is the only thread left it gets SIGINT, which ends the
# sleep: wrk then prints its results (rate over the real run time).
run_wrk() {
	local out=$1 c=$2 d=$3 url=$4 t=2 opts=() rc=0 th seen=0 n
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ "$c" -ge 2 ] || t=1
	wrk --latency -t"$t" -c"$c" -d"${d}s" --timeout "$WRK_TIMEOUT" "${opts[@]}" "$url" "$@" \
		</dev/null >"$out" 2>&1 &
	WRK_PID=$!
	n=$(((d + 30) * 5))	# a watchdog past the duration
	while kill -0 "$WRK_PID" 2>/dev/null; do
		if [ "${STOP_WHEN_DONE:-0}" = 1 ]; then
			th=$(awk '/^Threads:/ { print $2 }' "/proc/$WRK_PID/status" 2>/dev/null) || th=
			if [ "${th:-0}" -gt 1 ]; then
				seen=1
			elif [ "$seen" = 1 ] && [ "$th" = 1 ]; then
				kill -INT "$WRK_PID" 2>/dev/null || true
				break
			fi
		fi
		if [ "$n" -le 0 ]; then
			kill -KILL "$WRK_PID" 2>/dev/null || true
			break
		fi
		sleep 0.2
		n=$((n - 1))
	done
	wait "$WRK_PID" || rc=$?
	WRK_PID=
	if [ "$rc" != 0 ] || ! grep -q '^Requests/sec:' "$out"; then
		cat "$out" >&2
		die "wrk failed (exit $rc): $url"
	fi
}

# ---------------------------------------------------------------- scenarios

# scenario NAME CONC: one measured run into results.csv (or $CSV).
scenario() {
	local name=$1 c=$2 d=$DURATION f
	[ "$c" -gt 1 ] || d=$DURATION_C1
	f=$OUT/wrk/$name-c$c${TAG:+-$TAG}.txt
	case $name in
	nginx_return)
		run_wrk "$f" "$c" "$d" "$URL/__bench/ceiling" ;;
	health)
		run_wrk "$f" "$c" "$d" "$URL/api/v1/health" ;;
	team5_token)
		run_wrk "$f" "$c" "$d" "$API/websites/$SMALL/team" -H "Authorization: Bearer $TOKEN" ;;
	team5_key)
		run_wrk "$f" "$c" "$d" "$API/websites/$SMALL/team" -H "Authorization: Bearer $APIKEY" ;;
	team10k_first)
		run_wrk "$f" "$c" "$d" "$API/websites/$LARGE/team?limit=100" -H "Authorization: Bearer $TOKEN" ;;
	team10k_middle)
		run_wrk "$f" "$c" "$d" "$API/websites/$LARGE/team?limit=100&cursor=$MIDDLE" -H "Authorization: Bearer $TOKEN" ;;
	team10k_all)
		run_wrk "$f" "$c" "$d" "$API/websites/$LARGE/team" -H "Authorization: Bearer $TOKEN" ;;
	invite_revoke)
		run_wrk "$f" "$c" "$d" "$URL" -s "$SCRIPT_DIR/invite_revoke.lua" -- pairs "$SMALL" "$TOKEN" "$RUN_TAG-$name-c$c-$RANDOM" ;;
	invite_small)
		run_wrk "$f" "$c" "$d" "$URL" -s "$SCRIPT_DIR/invite_revoke.lua" -- stream "$SMALL" "$TOKEN" "$RUN_TAG-$name-c$c-$RANDOM" ;;
	invite_large)
		run_wrk "$f" "$c" "$d" "$URL" -s "$SCRIPT_DIR/invite_revoke.lua" -- stream "$LARGE" "$TOKEN" "$RUN_TAG-$name-c$c-$RANDOM" ;;
	*) die "unknown scenario $name" ;;
	esac
	"${REPORT[@]}" add "${CSV:-$RESULTS}" "$name" "$c" "$f"
}

SCENARIOS=(nginx_return health team5_token team5_key team10k_first team10k_middle
	team10k_all invite_revoke invite_small invite_large)
if [ -n "${BENCH_SCENARIOS:-}" ]; then
	read -r -a SCENARIOS <<<"$BENCH_SCENARIOS"
fi

# ================================================================ 1. the stack

mkdir -p -- "$OUT"
rm -rf -- "$OUT/wrk" "$OUT/logs"
rm -f -- "$RESULTS" "$RLCSV" "$ROUNDSCSV" "$CACHEOFFCSV" "$MEMCSV" "$OUT/targets.csv" "$OUT/plot.dat" "$OUT/bench.png"
mkdir -p -- "$OUT/wrk"
RUN_TAG=r$(date +%s)

if [ -d "$STATE" ]; then
	say "a previous bench state is in $STATE: stopping it and starting afresh"
	memcached_stop
	"$STACK" down "$STATE"
	rm -rf -- "$STATE"
fi

say "starting the stack in $STATE on 127.0.0.1:$PORT ($WORKERS workers)"
env "${CLEAN_ENV[@]}" ROSTER_WORKERS="$WORKERS" ROSTER_RATE_LIMIT="$RATE_LIMIT" \
	ROSTER_MAX_REQUESTS="$MAX_REQUESTS" "$STACK" up "$STATE" "$PORT" "$BIN" >/dev/null

# nginx's own ceiling: a `return 200` location in this stack's copy of the
# site, then a graceful nginx reload (SIGHUP).
sed -i '/^ *server_tokens off;/a\
\
    # make bench (deploy/bench/bench.sh): the web server'"'"'s own ceiling.\
    location = /__bench/ceiling {\
        default_type application/json;\
        return 200 '"'"'{"status":"success","data":{"status":"ok"}}\\n'"'"';\
    }' "$STATE/nginx-site.conf"
grep -q '__bench/ceiling' "$STATE/nginx-site.conf" || die "could not add the ceiling location"
nginx -p "$STATE/" -c "$STATE/nginx.conf" -e "$STATE/nginx-error.log" -t -q ||
	die "nginx rejects the ceiling location"
NGINX_PID=$(read_pid "$STATE/nginx.pid") || die "no pid in $STATE/nginx.pid"
kill -HUP "$NGINX_PID"
wait_for 10 http_ok "$URL/__bench/ceiling" ||
	die "nginx did not serve /__bench/ceiling after its reload"

# ================================================================ 2. the data

say "seeding: a website with 5 members, one with 10,000"
SMALL=$(field "$(admin website create --domain small.bench.example --owner-email "$OWNER" --name 'Bench small')" websiteId)
LARGE=$(field "$(admin website create --domain large.bench.example --owner-email "$OWNER" --name 'Bench large')" websiteId)
for i in 1 2 3 4; do
	role=member
	[ "$i" != 4 ] || role=viewer
	admin member add --website "$SMALL" --email "member$i@small.bench.example" --role "$role" >/dev/null
done
# 9,999 users and members in two statements. Their ids start with 0000b0:
# an ObjectId's first 4 bytes are its creation time, so these (1970) never
# collide with ids roster makes. joined_at: one a minute, over the last week.
now_ms=$(date +%s%3N)
sql "INSERT INTO users (id, email, name, created_at)
	SELECT CONCAT('0000b0', LPAD(LOWER(HEX(seq)), 18, '0')),
	       CONCAT('member', seq, '@large.bench.example'),
	       CONCAT('Member ', seq), $now_ms - 700000000
	FROM seq_1_to_9999;
INSERT INTO members (website_id, user_id, role, joined_at)
	SELECT '$LARGE', CONCAT('0000b0', LPAD(LOWER(HEX(seq)), 18, '0')),
	       IF(seq % 5 = 0, 'viewer', 'member'), $now_ms - 610000000 + seq * 60000
	FROM seq_1_to_9999;
-- A hand edit of a team bumps its generation (sql/0004_team_gen.sql).
UPDATE websites SET team_gen = team_gen + 1 WHERE id = '$LARGE';
ANALYZE TABLE users, members;" >/dev/null
n=$(sql "SELECT COUNT(*) FROM members WHERE website_id = '$LARGE'")
[ "$n" = 10000 ] || die "the large website has $n members, not 10000"

TOKEN=$(field "$(admin token create --email "$OWNER" --name bench)" key)
APIKEY=$(field "$(admin apikey create --website "$SMALL" --name bench)" key)

# Check the reads, and walk the large website's pages to its middle one.
MIDDLE=$("${REPORT[@]}" seeded "$API" "$SMALL" "$LARGE" "$TOKEN" "$APIKEY") ||
	die "checking the seeded data failed"
say "small website $SMALL, large website $LARGE (middle cursor found)"

# ================================================================ 3. the loads

say "warming up"
run_wrk "$OUT/wrk/warmup.txt" 8 2 "$API/websites/$SMALL/team" -H "Authorization: Bearer $TOKEN"

for c in $CONCURRENCY; do
	say "concurrency $c"
	for s in "${SCENARIOS[@]}"; do
		scenario "$s" "$c"
	done
done

# ================================================================ 3b. target rounds

# The k-th row of a scenario in rounds.csv belongs to round k.
TARGET_SCENARIOS=(health team5_token team10k_first team10k_middle invite_small invite_large)
if [ "$TARGET_ROUNDS" -gt 0 ]; then
	say "the ratio targets' runs at c=32, $TARGET_ROUNDS round(s)"
	for round in $(seq "$TARGET_ROUNDS"); do
		n=${#TARGET_SCENARIOS[@]}
		for i in $(seq 0 $((n - 1))); do
			CSV=$ROUNDSCSV TAG=r$round scenario "${TARGET_SCENARIOS[$(((i + round - 1) % n))]}" 32
		done
	done

	# ======================================================== 3c. cache off
	say "health and the lists at c=32 with the read cache off (cache_entries = 0)"
	set_conf cache_entries 0
	reload
	for s in health team5_token team10k_first; do
		CSV=$CACHEOFFCSV TAG=nocache scenario "$s" 32
	done
	set_conf cache_entries 64
	reload
fi

# ================================================================ 4. memory

record_rss after_loads all

# ================================================================ 5. rate limit

say "rate limiting and the audit row on invite+revoke at c=32, $RL_ROUNDS round(s)"
mkdir -p -- "$MC_DIR"
[ "$(id -u)" != 0 ] || chown nobody -- "$MC_DIR" # memcached writes its pid file as nobody
MC_USER=()
[ "$(id -u)" != 0 ] || MC_USER=(-u nobody)
memcached -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64 "${MC_USER[@]}" -d -P "$MC_PIDFILE"
wait_for 5 test -s "$MC_PIDFILE" || die "memcached did not start on 127.0.0.1:$MC_PORT"
say "memcached on 127.0.0.1:$MC_PORT (pid $(cat "$MC_PIDFILE"))"

# The audit row's storage cost: the same run with audit_log in the BLACKHOLE
# engine (the INSERT still runs, nothing is stored). A plugin of Debian's
# mariadb-server, loaded into this private database only.
blackhole=0
if [ "$(sql "SELECT SUPPORT FROM information_schema.ENGINES WHERE ENGINE = 'BLACKHOLE'")" = YES ]; then
	blackhole=1
elif sql "INSTALL SONAME 'ha_blackhole'" >/dev/null 2>&1 &&
	[ "$(sql "SELECT SUPPORT FROM information_schema.ENGINES WHERE ENGINE = 'BLACKHOLE'")" = YES ]; then
	blackhole=1
else
	say "note: no BLACKHOLE engine in this MariaDB: the audit row's cost is not measured"
fi

# rl_run VARIANT ROUND: a warm-up second, then the measured run; and, for
# comparison, the 5-member team list (a read) in the same configuration.
rl_run() {
	local f=$OUT/wrk/rl-$1-$2.txt
	run_wrk "$OUT/wrk/warmup.txt" 32 1 "$URL" -s "$SCRIPT_DIR/invite_revoke.lua" -- pairs "$SMALL" "$TOKEN" "$RUN_TAG-w$1-$2"
	run_wrk "$f" 32 "$DURATION" "$URL" -s "$SCRIPT_DIR/invite_revoke.lua" -- pairs "$SMALL" "$TOKEN" "$RUN_TAG-$1-$2"
	"${REPORT[@]}" add "$RLCSV" "$1" 32 "$f"
	case $1 in
	*blackhole) ;;
	*)
		f=$OUT/wrk/rl-read_$1-$2.txt
		run_wrk "$f" 32 "$DURATION" "$API/websites/$SMALL/team" -H "Authorization: Bearer $TOKEN"
		"${REPORT[@]}" add "$RLCSV" "read_$1" 32 "$f" ;;
	esac
}

# rl_config VARIANT ROUND: configure, reload, measure.
rl_config() {
	case $1 in
	off)
		set_conf rate_limit 0
		reload
		rl_run rl_off "$2"
		if [ "$blackhole" = 1 ]; then
			# The audit INSERT still runs (a round trip, parse,
			# execute) but stores nothing: what is saved is the
			# row's storage cost.
			sql "ALTER TABLE audit_log ENGINE=BLACKHOLE"
			rl_run rl_off_audit_blackhole "$2"
			sql "ALTER TABLE audit_log ENGINE=InnoDB"
		fi ;;
	local)
		set_conf rate_limit "$RATE_LIMIT"
		set_conf rate_store local
		reload
		rl_run rl_local "$2" ;;
	database)
		set_conf rate_limit "$RATE_LIMIT"
		set_conf rate_store database
		reload
		rl_run rl_database "$2" ;;
	memcached)
		set_conf rate_limit "$RATE_LIMIT"
		set_conf rate_store memcached
		set_conf memcached "127.0.0.1:$MC_PORT"
		reload
		rl_run rl_memcached "$2" ;;
	esac
}

# Each round in another order (rotated), so that a drift of the machine's
# background load does not always favour the same configuration.
RL_ORDER=(off local database memcached)
for round in $(seq "$RL_ROUNDS"); do
	for i in "${!RL_ORDER[@]}"; do
		rl_config "${RL_ORDER[$(((i + round - 1) % ${#RL_ORDER[@]}))]}" "$round"
	done
done
set_conf rate_limit "$RATE_LIMIT"
set_conf rate_store local
memcached_stop

# ================================================================ 6. growth

say "memory growth: fresh workers, $MEM_FIRST then $MEM_TOTAL requests (mixed reads and invite+revoke, c=32)"
reload
# mixed: health, the two small lists, the large first and middle page, and
# invite+revoke pairs, in turn.
MIX=("/api/v1/health" "/api/v1/admin/websites/$SMALL/team|$TOKEN"
	"/api/v1/admin/websites/$SMALL/team|$APIKEY"
	"/api/v1/admin/websites/$LARGE/team?limit=100|$TOKEN"
	"/api/v1/admin/websites/$LARGE/team?limit=100&cursor=$MIDDLE|$TOKEN")
sent=0
mem_run() { # mem_run PHASE COUNT
	local f=$OUT/wrk/memory-$1.txt got
	STOP_WHEN_DONE=1 run_wrk "$f" 32 "$MEM_CAP" "$URL" -s "$SCRIPT_DIR/invite_revoke.lua" -- mixed "$SMALL" "$TOKEN" "$RUN_TAG-mem-$1" $(($2 / 2)) "${MIX[@]}"
	got=$(awk '/ requests in / { print $1; exit }' "$f")
	sent=$((sent + got))
	if grep -q 'Non-2xx' "$f"; then
		say "note: $(grep 'Non-2xx' "$f" | sed 's/^ *//') in the memory run"
	fi
	record_rss "$1" "$sent"
}
mem_run first "$MEM_FIRST"
mem_run total "$((MEM_TOTAL - sent))"

# ================================================================ 7. report

BENCH_MEM_TOTAL=$MEM_TOTAL "${REPORT[@]}" summary "$OUT" | tee "$OUT/summary.txt"
gnuplot -e "datafile='$OUT/plot.dat'; outfile='$OUT/bench.png'; subtitle='($WORKERS workers, $(nproc) cores, $(date +%F))'" \
	"$SCRIPT_DIR/bench.gp"
printf '\nresults: %s\n         %s %s %s %s\n' "$RESULTS" "$RLCSV" "$MEMCSV" "$OUT/targets.csv" "$OUT/summary.txt"
printf 'chart:   %s\n' "$OUT/bench.png"
