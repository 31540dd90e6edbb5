#!/bin/sh
# bench/run.sh: what `hush run` costs: start-up, redaction throughput and memory.
#
# Uses the 1 GiB log and the 50 values of bench/redact.sh (built on first use), imported into a vault environment
# "bench" in a temporary folder (its private key under a temporary XDG_CONFIG_HOME; removed on exit). Prints:
#   start-up:   best of BENCH_RUNS_STARTUP (default 50) of `hush run -e bench -- /bin/true` against `/bin/true`;
#               target: under 5 ms more. Also the first-output latency: `hush run -e bench -- echo x`, because the
#               redactor is compiled when the first output byte arrives.
#   throughput: `hush run -e bench -- cat LOG >/dev/null` against `cat LOG | cat >/dev/null`, best of BENCH_RUNS
#               (default 3), with hush's peak RSS (GNU time); targets: >= 1 GB/s, peak RSS < 20 MiB. The output of
#               one more run is checked: no value left in it.
#   dotenvx:    when `npm` can install @dotenvx/dotenvx into bench/out/dotenvx (the npm registry is reachable),
#               `dotenvx run -- true` side by side (start-up and peak RSS), and `dotenvx run --redact -- cat` with
#               the same 50 values on the first 64 MiB of the log (its throughput). Skipped otherwise, and it says so.
# Exits 0 whatever the numbers; 2 when it cannot run.
set -u

cd "$(dirname "$0")/.." || exit 2
# shellcheck source-path=SCRIPTDIR source=lib.sh
. bench/lib.sh
HUSH=$(pwd)/${HUSH:-build/hush}
RUNS=${BENCH_RUNS:-3}
PROG=run.sh
OUT=bench/out/run
mkdir -p "$OUT"
SRUNS=${BENCH_RUNS_STARTUP:-50}
LOG=bench/out/redact/log.txt

[ -x "$HUSH" ] || { make >/dev/null || exit 2; }
need_tools python3 /usr/bin/time
BENCH_BUILD_ONLY=1 sh bench/redact.sh || exit 2
scratch_dir hush-bench-run
export XDG_CONFIG_HOME="$SCRATCH/config"
unset HUSH_PRIVATE_KEY_BENCH
python3 - bench/out/redact/values.txt "$SCRATCH/bench.env" <<'PYEOF' || exit 2
import sys
vals = open(sys.argv[1]).read().split("\n")[:-1]
with open(sys.argv[2], "w") as f:
    for i, v in enumerate(vals):
        f.write("BENCH_SECRET_%02d='%s'\n" % (i, v))
PYEOF
mkdir -p "$SCRATCH/repo" && cd "$SCRATCH/repo" || exit 2
"$HUSH" vault init bench >/dev/null && "$HUSH" vault import bench "$SCRATCH/bench.env" >/dev/null || exit 2
rm -f "$SCRATCH/bench.env"
n=$("$HUSH" vault ls bench | wc -l)
machine_load

python3 - "$HUSH" "$SRUNS" "$n" <<'PYEOF'
import subprocess, sys, time
hush, runs, n = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def best(cmd):
    b = 1e9
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        b = min(b, time.perf_counter() - t)
    return b * 1e3
true = best(["/bin/true"])
run = best([hush, "run", "-e", "bench", "--", "/bin/true"])
echo = best([hush, "run", "-e", "bench", "--", "/bin/echo", "x"])
plain = best([hush, "run", "-e", "bench", "--no-redact", "--", "/bin/echo", "x"])
print("start-up, %s secrets, best of %d:" % (n, runs))
print("  /bin/true                          %7.2f ms" % true)
print("  hush run -e bench -- /bin/true      %7.2f ms   overhead %.2f ms (target < 5 ms)" % (run, run - true))
print("  hush run -e bench -- echo x         %7.2f ms   (first output: the redactor is compiled then)" % echo)
print("  hush run --no-redact -- echo x      %7.2f ms" % plain)
PYEOF

cd "$OLDPWD" || exit 2
bytes=$(wc -c <"$LOG")
cat "$LOG" >/dev/null
best_of sh -c "cat '$LOG' | cat >/dev/null"
base_wall=$WALL
best_of sh -c "cd '$SCRATCH/repo' && '$HUSH' run -e bench -- cat '$(pwd)/$LOG' >/dev/null"
awk -v b="$bytes" -v w="$WALL" -v bw="$base_wall" -v cpu="$CPU" -v rss="$RSS" 'BEGIN {
	printf "throughput on %.0f MiB, best of runs:\n", b / 1048576
	printf "  cat FILE | cat                     %6.2f s  %7.0f MB/s\n", bw, b / bw / 1e6
	printf "  hush run -e bench -- cat FILE      %6.2f s  %7.0f MB/s (target >= 1000)  CPU %.2f s  peak RSS %.1f MiB (target < 20)\n", w, b / w / 1e6, cpu, rss / 1024
}'
(cd "$SCRATCH/repo" && "$HUSH" run -e bench -- cat "$OLDPWD/$LOG") >"$SCRATCH/out.txt" 2>/dev/null
left=$(grep -c -F -f bench/out/redact/values.txt "$SCRATCH/out.txt" || true)
masks=$(grep -o '\[hush:BENCH_SECRET_[0-9]*\]' "$SCRATCH/out.txt" | wc -l)
echo "  check: $masks masks in the output, $left lines still holding a value (must be 0)"
rm -f "$SCRATCH/out.txt"

dx=bench/out/dotenvx
if [ ! -x "$dx/node_modules/.bin/dotenvx" ] && command -v npm >/dev/null 2>&1; then
	npm install --silent --no-audit --no-fund --prefix "$dx" @dotenvx/dotenvx >/dev/null 2>&1 || true
fi
if [ -x "$dx/node_modules/.bin/dotenvx" ]; then
	printf 'A=1\n' >"$SCRATCH/.env"
	best_of sh -c "cd '$SCRATCH' && '$(pwd)/$dx/node_modules/.bin/dotenvx' run -q -- true"
	awk -v w="$WALL" -v rss="$RSS" 'BEGIN { printf "dotenvx run -- true:                 %7.1f ms  peak RSS %.1f MiB\n", w * 1000, rss / 1024 }'
	# its redaction (dotenvx run --redact, the same 50 values) on the first 64 MiB of the log: it runs at tens of MB/s
	cp bench/out/redact/values.env "$SCRATCH/.env"
	head -c 67108864 "$LOG" >"$SCRATCH/sample.txt"
	best_of sh -c "cd '$SCRATCH' && '$(pwd)/$dx/node_modules/.bin/dotenvx' run -q --redact -f .env -- cat sample.txt >/dev/null"
	dx_wall=$WALL
	dx_rss=$RSS
	best_of sh -c "cd '$SCRATCH/repo' && '$HUSH' run -e bench -- cat '$SCRATCH/sample.txt' >/dev/null"
	awk -v w="$dx_wall" -v rss="$dx_rss" -v hw="$WALL" 'BEGIN {
		printf "dotenvx run --redact -- cat (64 MiB): %6.2f s  %7.0f MB/s  peak RSS %.1f MiB; hush on the same: %.0f MB/s (%.0fx)\n",
			w, 67108864 / w / 1e6, rss / 1024, 67108864 / hw / 1e6, w / hw }'
	rm -f "$SCRATCH/sample.txt"
else
	echo "dotenvx: not measured (npm could not install @dotenvx/dotenvx here)"
fi
exit 0
