#!/bin/sh
# shellcheck disable=SC2016,SC2154 # the sh -c programs read their own $1 and $2; _w and _c are set through eval
# bench/stdin.sh: throughput of `hush scan -`, reading stdin, from a file and from a pipe, next to the pipe's own
# speed. The input is one file made of every file of the corpus's copy of /usr/include (bench/corpus.sh; the
# system's /usr/include when there is no corpus), about 120 MB.
#   redirect   hush scan -q - <FILE                stdin is the file itself
#   pipe       cat FILE | hush scan -q -           the way `git diff | hush scan -` reads
#   pipe only  cat FILE | cat >/dev/null           what the pipe alone costs: the floor for the line above
# With a pipe, the writer can only run ahead of hush by what the pipe holds, so how hush reads it decides whether
# the two run side by side or take turns (scanner/scan.c, PIPE_WANT).
#
# Environment:
#   BENCH_RUNS   timed runs per measurement, the best one counts (default 5)
#   HUSH         hush binary (default build/hush)
#   HUSH_OTHER   a second hush binary, timed the same way in the same rounds (a before/after)
# Prints numbers only (exit 0); exits 2 when it cannot run.
set -u

cd "$(dirname "$0")/.." || exit 2
PROG=stdin.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. bench/lib.sh # need_tools, machine_load, scratch_dir, time_run (with WARM), spread
HUSH=${HUSH:-build/hush}
OTHER=${HUSH_OTHER:-}
RUNS=${BENCH_RUNS:-5}
OUT=bench/out
mkdir -p "$OUT"

[ -x "$HUSH" ] || { echo "$PROG: no hush binary at '$HUSH' (run make first)" >&2; exit 2; }
[ -z "$OTHER" ] || [ -x "$OTHER" ] || { echo "$PROG: no hush binary at '$OTHER'" >&2; exit 2; }
need_tools /usr/bin/time cat find
SRC=bench/corpus/tree/usr/include
[ -d "$SRC" ] || SRC=/usr/include
scratch_dir hush-bench-stdin
INPUT=$SCRATCH/input.txt
find "$SRC" -type f -exec cat {} + >"$INPUT" 2>/dev/null
BYTES=$(wc -c <"$INPUT")
[ "$BYTES" -gt 0 ] || { echo "$PROG: no input from $SRC" >&2; exit 2; }

echo "hush stdin benchmark: $("$HUSH" --version 2>/dev/null | sed -n 1p), $(nproc) CPUs"
echo "input: every file of $SRC in one file, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
machine_load
"$HUSH" scan -q - <"$INPUT" >/dev/null 2>"$OUT/warmup.err" # warms the compiled-rules cache
[ $? -ge 2 ] && { echo "$PROG: hush failed:" >&2; cat "$OUT/warmup.err" >&2; exit 2; }
echo "timing: best of $RUNS runs each, taken in $RUNS rounds that each run every measurement once"
echo

# the input is read just before each timed run (WARM, bench/lib.sh): this VM pages out cold file cache within seconds
WARM=$INPUT
round=0
while [ "$round" -lt "$RUNS" ]; do
	time_run FLOOR sh -c 'cat "$1" | cat >/dev/null' sh "$INPUT"
	time_run REDIRECT sh -c '"$1" scan -q - <"$2"' sh "$HUSH" "$INPUT"
	time_run PIPE sh -c 'cat "$2" | "$1" scan -q -' sh "$HUSH" "$INPUT"
	if [ -n "$OTHER" ]; then
		time_run OREDIRECT sh -c '"$1" scan -q - <"$2"' sh "$OTHER" "$INPUT"
		time_run OPIPE sh -c 'cat "$2" | "$1" scan -q -' sh "$OTHER" "$INPUT"
	fi
	round=$((round + 1))
done

WARM=
line() { # line LABEL KEY
	eval "_w=\$${2}_WALL _c=\$${2}_CPU"
	awk -v l="$1" -v b="$BYTES" -v w="$_w" -v c="$_c" 'BEGIN {
		printf "  %-44s %7.3f s %8.1f MB/s   CPU %.2f s\n", l, w, b / w / 1e6, c }'
	echo "    (wall min / median / max: $(spread "$2"))"
}
echo "best run (wall time, MB/s, the CPU time of all processes of that run):"
line "pipe only: cat | cat" FLOOR
line "hush scan - <FILE" REDIRECT
line "cat FILE | hush scan -" PIPE
if [ -n "$OTHER" ]; then
	line "HUSH_OTHER: hush scan - <FILE" OREDIRECT
	line "HUSH_OTHER: cat FILE | hush scan -" OPIPE
fi
awk -v r="$REDIRECT_WALL" -v p="$PIPE_WALL" 'BEGIN {
	printf "a pipe costs hush %+.0f%% wall against reading the file itself\n", 100 * (p / r - 1) }'
