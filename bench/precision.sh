#!/bin/sh
# bench/precision.sh: what the rule catalogue finds in real text. Scans the Debian-installed text corpus of
# bench/corpus.sh (bench/corpus/tree) with the whole catalogue and prints the findings per rule and confidence,
# per context (tests, docs) and decoding, and the 20 most frequent high-confidence (rule, secret prefix, path)
# for review. The corpus is text written by thousands of other people: every high-confidence finding in it should
# be a real credential-shaped value, and the counts should shrink as the rules improve.
#
# The secrets bench/corpus.sh planted (bench/corpus/manifest.tsv) are left out of the counts (matched by path and
# line) and counted on their own. Not part of ctest or `make bench`: it prints numbers and never fails on them
# (exit 2 only when it cannot run).
#
# Environment:
#   HUSH                  hush binary (default build/hush)
#   BENCH_PRECISION_RULES a rules file or folder to scan with instead of the built-in catalogue (for example
#                         the rules/ folder of a work tree with rules not built in yet)
#   BENCH_THREADS         threads (default 2)
#   BENCH_SCAN_ARGS       more `hush scan` options, e.g. "--decode all" or "--min-confidence medium"
set -u

cd "$(dirname "$0")/.." || exit 2
HUSH=${HUSH:-build/hush}
TREE=bench/corpus/tree
MANIFEST=bench/corpus/manifest.tsv
OUT=bench/out
mkdir -p "$OUT"

if [ ! -x "$HUSH" ]; then
	echo "precision.sh: $HUSH is missing; building it with make"
	make >/dev/null || exit 2
fi
if [ ! -f "$MANIFEST" ] || [ ! -d "$TREE" ]; then
	sh bench/corpus.sh || exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "precision.sh: python3 is not installed" >&2; exit 2; }

set -- --no-ignore --no-config -q --format jsonl --report "$OUT/precision.jsonl" -j "${BENCH_THREADS:-2}"
if [ -n "${BENCH_PRECISION_RULES:-}" ]; then
	set -- "$@" --no-builtin-rules --rules "$BENCH_PRECISION_RULES"
fi
# shellcheck disable=SC2086 # BENCH_SCAN_ARGS is a list of options
set -- "$@" ${BENCH_SCAN_ARGS:-}
NRULES=$("$HUSH" rules list --no-config ${BENCH_PRECISION_RULES:+--no-builtin-rules --rules "$BENCH_PRECISION_RULES"} |
	tail -n 1)
echo "precision: $("$HUSH" --version 2>/dev/null | sed -n 1p), $NRULES, corpus $TREE"
echo "hush scan $* $TREE"
T0=$(date +%s%N)
"$HUSH" scan "$@" "$TREE" 2>"$OUT/precision.err"
RC=$?
T1=$(date +%s%N)
if [ "$RC" -ge 2 ]; then
	echo "precision.sh: hush failed:" >&2
	cat "$OUT/precision.err" >&2
	exit 2
fi
echo "scanned in $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s"
echo

python3 - "$OUT/precision.jsonl" "$MANIFEST" "$TREE" <<'PYEOF'
import collections, json, os, re, sys

report, manifest, tree = sys.argv[1:4]
planted = set()
with open(manifest, encoding="utf-8") as fh:
    next(fh)
    for l in fh:
        rid, path, line, _ = l.rstrip("\n").split("\t", 3)
        planted.add((path, int(line)))

CONF = ("high", "medium", "low")
per_rule = collections.defaultdict(collections.Counter)  # rule -> confidence -> count
context = collections.Counter()
encoding = collections.Counter()
examples = collections.Counter()  # (rule, prefix, path) -> count, high confidence only
n_planted = total = 0
summary = {}
for l in open(report, encoding="utf-8", errors="surrogateescape"):
    d = json.loads(l)
    if d.get("type") == "summary":
        summary = d
        continue
    if d.get("type") != "finding":
        continue
    path = os.path.relpath(d["path"], tree)
    if (path, d["line"]) in planted:
        n_planted += 1
        continue
    total += 1
    per_rule[d["rule_id"]][d["confidence"]] += 1
    context[d.get("context", "-")] += 1
    encoding[d.get("encoding", "-")] += 1
    if d["confidence"] == "high":
        # copies of the same file (copy-2/ ...) are one example
        examples[(d["rule_id"], d["secret"], re.sub(r"^copy-[0-9]+/", "", path))] += 1

by_conf = collections.Counter()
for c in per_rule.values():
    by_conf.update(c)
print("files %d, %.1f MiB; findings %d (planted secrets left out: %d)" % (
    summary.get("files", 0), summary.get("bytes", 0) / 1048576, total, n_planted))
print("by confidence: " + ", ".join("%s %d" % (c, by_conf[c]) for c in CONF))
print("lowered by context: " + (", ".join("%s %d" % kv for kv in sorted(context.items()) if kv[0] != "-") or "none"))
print("found through decoding: " + (", ".join("%s %d" % kv for kv in sorted(encoding.items()) if kv[0] != "-") or "none"))
print()
print("%-44s %6s %6s %6s %6s" % ("rule", "high", "medium", "low", "total"))
for rule, c in sorted(per_rule.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
    print("%-44s %6d %6d %6d %6d" % (rule, c["high"], c["medium"], c["low"], sum(c.values())))
print()
print("the %d most frequent high-confidence findings (rule, secret prefix, path; copies counted together):" %
      min(20, len(examples)))
for (rule, prefix, path), n in sorted(examples.items(), key=lambda kv: (-kv[1], kv[0]))[:20]:
    print("  %4d  %-36s %-10s %s" % (n, rule, prefix, path if len(path) <= 90 else "..." + path[-87:]))
PYEOF
echo "report: $OUT/precision.jsonl"
exit 0
