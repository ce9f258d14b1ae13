#!/usr/bin/env bash
# Runs the libFuzzer targets built by the Makefile (build/fuzz/fuzz_NAME).
#
#   run.sh fuzz SECONDS NAME...   fuzzes each target for SECONDS, one after
#                                 the other, from its seed corpus
#                                 (tests/fuzz/corpus/NAME) plus what earlier
#                                 runs found (build/fuzz/corpus/NAME); prints
#                                 the executions per target; crash inputs go
#                                 to build/fuzz/artifacts/NAME/.  Fails when
#                                 a target found a crash.
#   run.sh regress NAME...        replays every file of tests/fuzz/regress/NAME
#                                 (crashes found and fixed) and of the seed
#                                 corpus once; fails on the first that crashes.
set -uo pipefail
cd "$(dirname "$0")/../.."

B=build/fuzz
mode=${1:?usage: run.sh fuzz SECONDS NAME... | regress NAME...}
shift

dict_of() {
	case $1 in
	json_writes) echo tests/fuzz/json.dict ;;
	*) [ -f "tests/fuzz/$1.dict" ] && echo "tests/fuzz/$1.dict" ;;
	esac
}

case $mode in
fuzz)
	secs=${1:?seconds}
	shift
	fail=0
	printf '%-12s %12s %9s %6s %7s  %s\n' target execs exec/s cov corpus result
	for n in "$@"; do
		mkdir -p "$B/corpus/$n" "$B/artifacts/$n"
		dict=$(dict_of "$n")
		log=$B/$n.log
		"$B/fuzz_$n" -max_total_time="$secs" -print_final_stats=1 \
			-timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix="$B/artifacts/$n/" \
			${dict:+-dict="$dict"} \
			"$B/corpus/$n" "tests/fuzz/corpus/$n" >"$log" 2>&1
		rc=$?
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
		size=$(find "$B/corpus/$n" -type f | wc -l)
		if [ "$rc" -eq 0 ]; then
			result=ok
		else
			result="CRASH (exit $rc): $log, $(ls -t "$B/artifacts/$n" | head -n 1)"
			fail=1
		fi
		printf '%-12s %12s %9s %6s %7s  %s\n' "$n" "${execs:-?}" \
			"${rate:-?}" "${cov:-?}" "$size" "$result"
	done
	if [ "$fail" -ne 0 ]; then
		echo "fuzz: a target crashed; reproduce with build/fuzz/fuzz_NAME FILE," \
			"then add FILE to tests/fuzz/regress/NAME/ with the fix" >&2
	fi
	exit "$fail"
	;;
regress)
	fail=0
	for n in "$@"; do
		files=()
		while IFS= read -r f; do
			files+=("$f")
		done < <(find "tests/fuzz/regress/$n" "tests/fuzz/corpus/$n" \
			-type f ! -name '.*' 2>/dev/null | sort)
		[ ${#files[@]} -gt 0 ] || continue
		mkdir -p "$B"
		log=$B/regress-$n.log
		if "$B/fuzz_$n" -runs=1 "${files[@]}" >"$log" 2>&1; then
			echo "fuzz-regress: $n: ${#files[@]} inputs pass"
		else
			tail -n 40 "$log" >&2
			echo "fuzz-regress: $n: FAILED (log: $log)" >&2
			fail=1
		fi
	done
	exit "$fail"
	;;
*)
	echo "run.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
