# shellcheck shell=sh disable=SC2034,SC2154 # WALL, CPU, RSS, BEST_NS: results that the sourcing script reads; KEY_* variables set through eval
# bench/lib.sh: shell helpers shared by bench/scan.sh and bench/history.sh, which source it (POSIX sh) from the
# repository root after setting
#   PROG   the script's name, for messages (scan.sh, history.sh)
#   OUT    the folder for reports and scratch files (time.txt, stderr.txt, warmup.err)
#   RUNS   timed runs per best_of (and rounds of time_run in bench/scan.sh)
# Helper variables start with an underscore; results are in upper-case variables named below.

# need_tools TOOL...: exit 2 with a message when one of them is not installed.
need_tools() {
	for _tool; do
		command -v "$_tool" >/dev/null 2>&1 || { echo "$PROG: $_tool is not installed" >&2; exit 2; }
	done
}

# machine_load: how busy the machine is (other processes steal CPU from the timed runs): prints the CPU use over
# one second and the load average, and a note when the machine is not idle.
machine_load() {
	_s0=$(sed -n 's/^cpu  //p' /proc/stat)
	sleep 1
	_s1=$(sed -n 's/^cpu  //p' /proc/stat)
	awk -v a="$_s0" -v b="$_s1" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) { d = y[i] - x[i]; t += d; if (i == 4 || i == 5) idle += d }
		busy = t ? 100 * (t - idle) / t : 0
		printf "machine before the benchmark: %.0f%% CPU busy over 1 s, load average %s\n", busy, load
		if (busy >= 10) print "note: the machine is not idle; timings will be noisy and slow" }'
}

# read_tree DIR: read every file under DIR into the page cache
read_tree() {
	find "$1" -type f -exec cat {} + >/dev/null
}

# warm_up DIR CMD...: read every file under DIR into the page cache, then run CMD once untimed (for hush: it also
# fills the compiled-rules cache), its stderr in $OUT/warmup.err; exit 2 when CMD exits with 2 or more.
warm_up() {
	read_tree "$1"
	shift
	"$@" 2>"$OUT/warmup.err"
	if [ $? -ge 2 ]; then
		echo "$PROG: hush failed:" >&2
		cat "$OUT/warmup.err" >&2
		exit 2
	fi
}

# time_run KEY CMD...: run CMD once, its output to /dev/null, and fold the run into KEY's results: KEY_WALL (seconds,
# best run so far), KEY_CPU (user + system seconds of that run), KEY_RSS (peak RSS in KB, highest so far) and
# KEY_ALL (every wall time, in order). Wall time is measured with date +%s%N around /usr/bin/time (finer than its
# 10 ms %e); peak RSS and CPU time come from its %M, %U and %S. Taking turns between several KEYs, a round at a
# time, gives each the same share of the machine's fast and slow spells (on a shared VM its speed drifts by a
# third over minutes), where runs of one KEY in a row could all land in a slow spell.
# When WARM names a folder, every file under it is read just before the run (untimed): this VM's kernel pages out
# page cache that it sees as cold within seconds (DAMON's proactive reclaim), so a tree read once at the start is
# partly on disk again by the next run, and each run would wait on a different number of disk reads.
time_run() {
	_key=$1
	shift
	[ -n "${WARM:-}" ] && read_tree "$WARM"
	_t0=$(date +%s%N)
	/usr/bin/time -f '%e %M %U %S' -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt"
	_st=$?
	_t1=$(date +%s%N)
	if [ "$_st" -ge 2 ]; then
		echo "$PROG: '$*' exited with status $_st:" >&2
		cat "$OUT/stderr.txt" >&2
	fi
	_w=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
	_m=$(tail -n 1 "$OUT/time.txt" | awk '{ print $2 }')
	_c=$(tail -n 1 "$OUT/time.txt" | awk '{ printf "%.2f", $3 + $4 }')
	eval "_bw=\${${_key}_WALL:-} _br=\${${_key}_RSS:-0}"
	if [ -z "$_bw" ] || [ "$(awk -v w="$_w" -v b="$_bw" 'BEGIN { print (w < b) }')" = 1 ]; then
		eval "${_key}_WALL=\$_w ${_key}_CPU=\$_c"
	fi
	[ "${_m:-0}" -gt "$_br" ] && eval "${_key}_RSS=\$_m"
	eval "${_key}_ALL=\"\${${_key}_ALL:-} \$_w\""
}

# spread KEY: "min / median / max s over N runs" of KEY's wall times
spread() {
	eval "_all=\${${1}_ALL:-}"
	# shellcheck disable=SC2086 # one word per time
	printf '%s\n' $_all | sort -n | awk '{ v[NR] = $1 } END {
		printf "%.3f / %.3f / %.3f s over %d runs", v[1], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2,
			v[NR], NR }'
}

# best_of CMD...: run CMD $RUNS times in a row (time_run); sets WALL (seconds, best run), CPU (user + system
# seconds of that run) and RSS (peak RSS in KB, highest of all runs).
best_of() {
	unset BEST_WALL BEST_CPU BEST_RSS BEST_ALL
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		time_run BEST "$@"
		_i=$((_i + 1))
	done
	WALL=$BEST_WALL CPU=$BEST_CPU RSS=$BEST_RSS
}

# scratch_dir NAME: a new temporary folder ${TMPDIR:-/tmp}/NAME.XXXXXX in SCRATCH, removed when the script exits
# (also on INT and TERM); exit 2 when it cannot be made.
scratch_dir() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 2
	trap 'rm -rf "$SCRATCH"' EXIT
	trap 'exit 130' INT TERM
}

# best_ns N CMD...: run CMD N times (a shell function is fine: no /usr/bin/time); sets BEST_NS, the fastest run in
# nanoseconds (date +%s%N around it).
best_ns() {
	_n=$1
	shift
	BEST_NS=""
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		_t0=$(date +%s%N)
		"$@"
		_t1=$(date +%s%N)
		_d=$((_t1 - _t0))
		if [ -z "$BEST_NS" ] || [ "$_d" -lt "$BEST_NS" ]; then BEST_NS=$_d; fi
		_i=$((_i + 1))
	done
}
