#!/bin/sh
# fuzz.sh SECONDS [TARGET...]: run each libFuzzer target of build-fuzz/ (make fuzz builds it) for SECONDS over its
# committed seeds (tests/fuzz/corpus/<target>/, read only) and its local corpus (tests/fuzz/corpus-local/<target>/,
# gitignored: where new inputs go, so that runs build on each other). Prints, per target: the executions, the
# executions per second, libFuzzer's final coverage (cov: edges, ft: features), and the CPU time used (user +
# system). Exits 1 when any target crashed, leaked, timed out (one input over FUZZ_TIMEOUT seconds, default 10)
# or broke a property; the report and the input that did it are under build-fuzz/fuzz-out/<target>/.
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_TARGETS (default all), FUZZ_TIMEOUT, and FUZZ_BUDGET=cpu:
# SECONDS is then CPU time (user + system) rather than wall time, for a machine that is doing other work too (the
# target stops through libFuzzer's graceful exit, SIGUSR1, once it has used that much).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECS=${1:-60}
shift 2>/dev/null || true
TARGETS=${*:-${FUZZ_TARGETS:-rules config vault dotenv diff hook scan redact}}
TIMEOUT=${FUZZ_TIMEOUT:-10}
OUT=$BUILD/fuzz-out
TIME=/usr/bin/time

if [ ! -x "$TIME" ]; then
	echo "fuzz.sh: $TIME is missing (Debian package 'time'; scripts/install-deps.sh installs it)" >&2
	exit 2
fi

failed=""
total_cpu=0
printf '%-8s %12s %9s %7s %8s %9s  %s\n' target runs exec/s cov ft cpu-s result
for t in $TARGETS; do
	bin=$BUILD/tests/fuzz/fuzz_$t
	seeds=$ROOT/tests/fuzz/corpus/$t
	local_corpus=$ROOT/tests/fuzz/corpus-local/$t
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "fuzz.sh: no target '$t' ($bin, $seeds)" >&2
		failed="$failed $t"
		continue
	fi
	rm -rf "$OUT/$t"
	mkdir -p "$OUT/$t" "$local_corpus"
	# per target: the longest input, and a dictionary of the format's tokens when there is one
	case $t in
	scan) opts="-max_len=16384" ;;
	redact | diff) opts="-max_len=8192" ;;
	*) opts="" ;;
	esac
	if [ -f "$ROOT/tests/fuzz/$t.dict" ]; then
		opts="$opts -dict=$ROOT/tests/fuzz/$t.dict"
	fi
	wall=$SECS
	if [ "${FUZZ_BUDGET:-wall}" = cpu ]; then
		wall=$((SECS * 20)) # the watchdog below stops it first
		opts="$opts -handle_usr1=1"
	fi
	# shellcheck disable=SC2086
	"$TIME" -f '%U %S' -o "$OUT/$t/time" "$bin" -max_total_time="$wall" -timeout="$TIMEOUT" -print_final_stats=1 \
		-artifact_prefix="$OUT/$t/" $opts "$local_corpus" "$seeds" >"$OUT/$t/log" 2>&1 &
	tpid=$!
	if [ "${FUZZ_BUDGET:-wall}" = cpu ]; then
		tick=$(getconf CLK_TCK)
		while kill -0 "$tpid" 2>/dev/null; do
			sleep 5
			fpid=$(pgrep -P "$tpid" | head -n 1)
			[ -n "$fpid" ] || continue
			# utime and stime are fields 14 and 15 of /proc/PID/stat (after the name, which has no spaces here)
			used=$(awk -v tick="$tick" '{ printf "%d", ($14 + $15) / tick }' "/proc/$fpid/stat" 2>/dev/null)
			if [ -n "$used" ] && [ "$used" -ge "$SECS" ]; then
				kill -USR1 "$fpid" 2>/dev/null
				break
			fi
		done
	fi
	wait "$tpid"
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$t/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$OUT/$t/log")
	last=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$OUT/$t/log" | tail -1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	cpu=$(awk 'END { printf "%.1f", $1 + $2 }' "$OUT/$t/time" 2>/dev/null)
	total_cpu=$(awk -v a="$total_cpu" -v b="${cpu:-0}" 'BEGIN { printf "%.1f", a + b }')
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc)"
		failed="$failed $t"
	fi
	printf '%-8s %12s %9s %7s %8s %9s  %s\n' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${cpu:-?}" "$result"
done
echo "total CPU time: ${total_cpu} s; new inputs kept in tests/fuzz/corpus-local/"
if [ -n "$failed" ]; then
	for t in $failed; do
		[ -f "$OUT/$t/log" ] || continue
		echo
		echo "== fuzz_$t failed: the end of $OUT/$t/log"
		grep -v -E '^#[0-9]+' "$OUT/$t/log" | tail -60
		for a in "$OUT/$t"/crash-* "$OUT/$t"/leak-* "$OUT/$t"/timeout-* "$OUT/$t"/oom-*; do
			[ -f "$a" ] && echo "reproduce: $BUILD/tests/fuzz/fuzz_$t $a"
		done
	done
	echo
	echo "fuzz.sh: failed:$failed" >&2
	exit 1
fi
exit 0
