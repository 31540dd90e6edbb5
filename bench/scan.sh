#!/bin/sh
# shellcheck disable=SC2034,SC2154 # variables set and read through eval (HUSH_WALL_1 ..., hw, hr, hc, rw)
# bench/scan.sh: throughput, memory, recall and small-scan latency of hush on the bench/corpus.sh corpus, with
# ripgrep (a keyword search over the same files) as the throughput baseline. Prints numbers next to their targets;
# never fails because a target is missed (exit 0), only when it cannot run at all.
#
# Environment:
#   BENCH_RUNS   timed runs per measurement, the best one counts (default 3)
#   HUSH         hush binary (default build/hush)
set -u

cd "$(dirname "$0")/.." || exit 2
HUSH=${HUSH:-build/hush}
RUNS=${BENCH_RUNS:-3}
CORPUS=bench/corpus
TREE=$CORPUS/tree
MANIFEST=$CORPUS/manifest.tsv
OUT=bench/out
mkdir -p "$OUT"

if [ ! -x "$HUSH" ]; then
	echo "scan.sh: $HUSH is missing; building it with make"
	make >/dev/null || exit 2
fi
if [ ! -f "$MANIFEST" ] || [ ! -d "$TREE" ]; then
	sh bench/corpus.sh || exit 2
fi
for tool in rg /usr/bin/time python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "scan.sh: $tool is not installed" >&2; exit 2; }
done

# --- corpus size -------------------------------------------------------------------------------------------------
read -r FILES BYTES <<EOF
$(find "$TREE" -type f -printf '%s\n' | awk '{ n++; b += $1 } END { printf "%d %d\n", n, b }')
EOF
echo "hush benchmark: $("$HUSH" --version 2>/dev/null | sed -n 1p), $(rg --version | sed -n 1p), $(nproc) CPUs"
echo "corpus: $TREE: $FILES files, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MiB (%.1f MB)", b / 1048576, b / 1e6 }')"

# How busy the machine is (other processes steal CPU from the timed runs): CPU use over one second.
_s0=$(sed -n 's/^cpu  //p' /proc/stat)
sleep 1
_s1=$(sed -n 's/^cpu  //p' /proc/stat)
awk -v a="$_s0" -v b="$_s1" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
	n = split(a, x, " "); split(b, y, " ")
	for (i = 1; i <= n; i++) { d = y[i] - x[i]; t += d; if (i == 4 || i == 5) idle += d }
	busy = t ? 100 * (t - idle) / t : 0
	printf "machine before the benchmark: %.0f%% CPU busy over 1 s, load average %s\n", busy, load
	if (busy >= 10) print "note: the machine is not idle; timings will be noisy and slow" }'

# --- warm up: page cache, and hush's compiled-rules cache ------------------------------------------------------------
find "$TREE" -type f -exec cat {} + >/dev/null
"$HUSH" scan --no-ignore -q --format jsonl --report "$OUT/warmup.jsonl" -j 2 "$TREE" 2>"$OUT/warmup.err"
if [ $? -ge 2 ]; then
	echo "scan.sh: hush failed:" >&2
	cat "$OUT/warmup.err" >&2
	exit 2
fi

# best_of CMD...: run CMD $RUNS times; sets WALL (seconds, best run), CPU (user + system seconds of that run) and
# RSS (peak RSS in KB, highest of all runs). Wall time is measured with date +%s%N around /usr/bin/time (finer than
# its 10 ms %e); peak RSS and CPU time come from its %M, %U and %S.
best_of() {
	WALL=""
	CPU=""
	RSS=0
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		_t0=$(date +%s%N)
		/usr/bin/time -f '%e %M %U %S' -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt"
		_st=$?
		_t1=$(date +%s%N)
		if [ "$_st" -ge 2 ]; then
			echo "scan.sh: '$*' exited with status $_st:" >&2
			cat "$OUT/stderr.txt" >&2
		fi
		_w=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
		_m=$(tail -n 1 "$OUT/time.txt" | awk '{ print $2 }')
		_c=$(tail -n 1 "$OUT/time.txt" | awk '{ printf "%.2f", $3 + $4 }')
		if [ -z "$WALL" ] || [ "$(awk -v w="$_w" -v b="$WALL" 'BEGIN { print (w < b) }')" = 1 ]; then
			WALL=$_w
			CPU=$_c
		fi
		[ "${_m:-0}" -gt "$RSS" ] && RSS=$_m
		_i=$((_i + 1))
	done
}

# --- throughput ----------------------------------------------------------------------------------------------------
# ripgrep baseline: every rule keyword, as case-insensitive fixed strings (keywords match case-insensitively).
"$HUSH" rules list --format json | python3 -c '
import json, sys
seen = {}
for rule in json.load(sys.stdin):
    for kw in rule["keywords"]:
        seen.setdefault(kw.lower(), kw)
print("\n".join(sorted(seen.values())))' >"$OUT/keywords.txt"
NKW=$(wc -l <"$OUT/keywords.txt")
echo "rg baseline: rg -c -i -F -f $OUT/keywords.txt ($NKW keywords of $("$HUSH" rules list --format json |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') rules) --no-ignore --hidden -j N"
echo "timing: best of $RUNS warm-cache runs each"
echo

for j in 1 2; do
	best_of "$HUSH" scan --no-ignore -q --format jsonl --report "$OUT/hush-j$j.jsonl" -j "$j" "$TREE"
	eval "HUSH_WALL_$j=\$WALL HUSH_RSS_$j=\$RSS HUSH_CPU_$j=\$CPU"
	best_of rg -c -i -F -f "$OUT/keywords.txt" --no-ignore --hidden -j "$j" "$TREE"
	eval "RG_WALL_$j=\$WALL RG_RSS_$j=\$RSS"
done

printf '%-8s %8s %10s %12s %11s %8s %9s %13s %13s\n' threads "hush s" "hush MB/s" "MB/s/thread" "hush CPU s" \
	"rg s" "rg MB/s" "hush/rg time" "hush RSS MiB"
for j in 1 2; do
	eval "hw=\$HUSH_WALL_$j hr=\$HUSH_RSS_$j hc=\$HUSH_CPU_$j rw=\$RG_WALL_$j"
	awk -v j="$j" -v b="$BYTES" -v hw="$hw" -v hr="$hr" -v hc="$hc" -v rw="$rw" 'BEGIN {
		printf "%-8d %8.3f %10.1f %12.1f %11.2f %8.3f %9.1f %13.2f %13.1f\n",
			j, hw, b / hw / 1e6, b / hw / 1e6 / j, hc, rw, b / rw / 1e6, hw / rw, hr / 1024 }'
done
echo
for j in 1 2; do
	eval "hw=\$HUSH_WALL_$j rw=\$RG_WALL_$j"
	awk -v j="$j" -v b="$BYTES" -v hw="$hw" -v rw="$rw" 'BEGIN {
		pt = b / hw / 1e6 / j; r = hw / rw
		printf "target -j%d: >= 500 MB/s per thread: %.1f (%s); hush/rg time < 1.0: %.2f (%s)\n",
			j, pt, (pt >= 500) ? "met" : "MISSED", r, (r < 1.0) ? "met" : "MISSED" }'
done
python3 - "$OUT/hush-j1.jsonl" "$FILES" "$BYTES" <<'PYEOF'
import json, sys
summary = [json.loads(l) for l in open(sys.argv[1]) if '"type":"summary"' in l][-1]
skipped = {k: v for k, v in summary.items() if k.startswith("skipped_") and v}
ok = summary["files"] == int(sys.argv[2]) and summary["bytes"] == int(sys.argv[3])
print("hush read %d files, %d bytes (%s the corpus), findings %d, warnings %d, skipped %s" % (
    summary["files"], summary["bytes"], "all of" if ok else "NOT all of", summary["findings"], summary["warnings"],
    skipped or "none"))
PYEOF

# --- recall ------------------------------------------------------------------------------------------------------------
echo
"$HUSH" scan --no-ignore -q --format jsonl --report "$OUT/recall.jsonl" --show-secrets -j 2 "$TREE" \
	2>"$OUT/recall.err"
python3 - "$OUT/recall.jsonl" "$MANIFEST" "$TREE" <<'PYEOF'
import collections, json, os, sys

report, manifest, tree = sys.argv[1:4]


def unesc(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


found = collections.defaultdict(list)  # (path relative to the tree, line) -> [(rule, secret)]
for l in open(report, encoding="utf-8", errors="surrogateescape"):
    d = json.loads(l)
    if d.get("type") == "finding":
        found[(os.path.relpath(d["path"], tree), d["line"])].append((d["rule_id"], d["secret"]))

rows = []
with open(manifest, encoding="utf-8") as fh:
    next(fh)
    for l in fh:
        rid, path, line, secret = l.rstrip("\n").split("\t")
        rows.append((rid, path, int(line), unesc(secret)))

missed, other_rule = [], collections.Counter()
for rid, path, line, secret in rows:
    rules = [r for r, s in found.get((path, line), []) if s == secret]
    if not rules:
        missed.append((rid, path, line, secret))
    elif rid not in rules:
        other_rule[(rid, ",".join(sorted(set(rules))))] += 1

n, m = len(rows) - len(missed), len(rows)
print("recall: %d/%d planted secrets found (%.1f%%; target 100%%: %s)" % (
    n, m, 100.0 * n / m if m else 0, "met" if n == m else "MISSED"))
for rid, path, line, secret in missed:
    short = secret if len(secret) <= 60 else secret[:57] + "..."
    print("  missed: %s %s:%d %r" % (rid, path, line, short))
    for r, s in found.get((path, line), []):
        print("    hush found on that line: %s %r" % (r, s if len(s) <= 60 else s[:57] + "..."))
for (rid, rules), c in sorted(other_rule.items()):
    print("  note: %d planted %s secrets were reported by %s" % (c, rid, rules))
planted = {(p, l) for _, p, l, _ in rows}
others = collections.Counter(r for k, v in found.items() if k not in planted for r, _ in v)
print("other findings in the corpus (real text, not planted): %d%s" % (
    sum(others.values()), (" (" + ", ".join("%s %d" % kv for kv in others.most_common()) + ")") if others else ""))
PYEOF

# --- small scan: 10 files, warm cache ---------------------------------------------------------------------------------
echo
SMALL=$(mktemp -d "${TMPDIR:-/tmp}/hush-bench.XXXXXX") || exit 2
trap 'rm -rf "$SMALL"' EXIT
trap 'exit 130' INT TERM
find "$TREE/usr/include" -maxdepth 1 -type f -name '*.h' -size -16k | LC_ALL=C sort | head -n 10 |
	while IFS= read -r f; do cp "$f" "$SMALL/"; done
NSMALL=$(find "$SMALL" -type f | wc -l)
SMALL_BYTES=$(cat "$SMALL"/* | wc -c)
small_scan() { "$HUSH" scan --no-ignore -q --format jsonl --report /dev/null "$SMALL" >/dev/null 2>&1; }
small_scan
small_scan
SMALL_MS=""
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N -i --warmup 3 --runs 10 --export-json "$OUT/small.json" \
		"$HUSH scan --no-ignore -q --format jsonl --report /dev/null $SMALL" >/dev/null 2>&1 &&
		SMALL_MS=$(python3 -c 'import json,sys; print("%.2f" % (min(json.load(open(sys.argv[1]))["results"][0]["times"]) * 1e3))' \
			"$OUT/small.json" 2>/dev/null)
	HOW="hyperfine, best of 10"
fi
if [ -z "$SMALL_MS" ]; then
	SMALL_NS=""
	i=0
	while [ "$i" -lt 10 ]; do
		t0=$(date +%s%N)
		small_scan
		t1=$(date +%s%N)
		d=$((t1 - t0))
		if [ -z "$SMALL_NS" ] || [ "$d" -lt "$SMALL_NS" ]; then SMALL_NS=$d; fi
		i=$((i + 1))
	done
	SMALL_MS=$(awk -v n="$SMALL_NS" 'BEGIN { printf "%.2f", n / 1e6 }')
	HOW="date +%s%N loop, best of 10"
fi
awk -v ms="$SMALL_MS" -v n="$NSMALL" -v b="$SMALL_BYTES" -v how="$HOW" 'BEGIN {
	printf "small scan: %d files (%d bytes), warm cache: %.2f ms (%s); target < 20 ms: %s\n",
		n, b, ms, how, (ms < 20) ? "met" : "MISSED" }'
echo "reports: $OUT/"
exit 0
