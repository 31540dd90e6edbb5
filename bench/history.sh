#!/bin/sh
# shellcheck disable=SC2034,SC2154 # variables set and read through eval (HUSH_WALL_1 ...)
# bench/history.sh: `hush scan --history` on the bench/history-repo.sh repository: wall time and peak RSS with 1
# and 2 threads, against `git log -p --all --full-history` as the baseline; recall and attribution (commit, path,
# author) of the planted secrets; and the latency of `hush scan --staged` for a 10-file staged change. Prints
# numbers next to their targets; never fails because a target is missed (exit 0), only when it cannot run (2).
#
# Environment:
#   BENCH_RUNS              timed runs per measurement, the best one counts (default 3)
#   BENCH_HISTORY_REPO      the repository (default bench/history/repo; the manifest is next to it)
#   BENCH_HISTORY_COMMITS   commits when the repository has to be built (default 5000)
#   HUSH                    hush binary (default build/hush)
set -u

cd "$(dirname "$0")/.." || exit 2
PROG=history.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. bench/lib.sh  # need_tools, machine_load, warm_up, best_of, scratch_dir, best_ns (shared with bench/scan.sh)
ROOT=$(pwd)
HUSH=${HUSH:-build/hush}
case $HUSH in /*) ;; *) HUSH=$ROOT/$HUSH ;; esac
RUNS=${BENCH_RUNS:-3}
REPO=${BENCH_HISTORY_REPO:-bench/history/repo}
case $REPO in /*) ;; *) REPO=$ROOT/$REPO ;; esac
MANIFEST=$(dirname "$REPO")/manifest.tsv
OUT=bench/out/history
mkdir -p "$OUT"

if [ ! -x "$HUSH" ]; then
	echo "history.sh: $HUSH is missing; building it with make"
	if [ -f build/Makefile ]; then make -C build hush >/dev/null || exit 2; else make >/dev/null || exit 2; fi
fi
need_tools git python3 /usr/bin/time
if [ ! -f "$MANIFEST" ] || [ ! -d "$REPO/.git" ]; then
	sh bench/history-repo.sh "$REPO" "${BENCH_HISTORY_COMMITS:-5000}" || exit 2
	echo
fi
if ! "$HUSH" scan --help 2>&1 | grep -q -- '--history'; then
	echo "history.sh: $HUSH has no 'scan --history'" >&2
	exit 2
fi

# --- the repository ------------------------------------------------------------------------------------------------
NCOMMITS=$(git -C "$REPO" rev-list --all --count)
NMERGES=$(git -C "$REPO" rev-list --all --merges --count)
NREFS=$(git -C "$REPO" for-each-ref | wc -l)
git -C "$REPO" rev-list --all --objects | cut -d' ' -f1 |
	git -C "$REPO" cat-file --batch-check='%(objecttype) %(objectname) %(objectsize)' |
	awk '$1 == "blob"' >"$OUT/blobs.txt"
read -r NBLOBS BLOB_BYTES <<EOF
$(awk '{ n++; b += $3 } END { printf "%d %d\n", n, b }' "$OUT/blobs.txt")
EOF
PACK_BYTES=$(du -sb "$REPO/.git/objects" | cut -f1)
echo "hush history benchmark: $("$HUSH" --version 2>/dev/null | sed -n 1p), $(git --version), $(nproc) CPUs"
echo "repository: $REPO: $NCOMMITS commits ($NMERGES merges), $NREFS refs, $NBLOBS unique blobs" \
	"($(awk -v b="$BLOB_BYTES" 'BEGIN { printf "%.1f MiB", b / 1048576 }') uncompressed)," \
	".git/objects $(awk -v b="$PACK_BYTES" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"

machine_load

# --- warm up: page cache (the pack), hush's compiled-rules cache -----------------------------------------------------
warm_up "$REPO/.git" "$HUSH" scan --history --no-config -q --format jsonl --report "$OUT/warmup.jsonl" -j 2 "$REPO"

# --- time and memory -------------------------------------------------------------------------------------------------
echo "timing: best of $RUNS warm-cache runs each"
echo "  hush: $HUSH scan --history --no-config -q --format jsonl --report $OUT/history-jN.jsonl -j N REPO"
echo "  git:  git -C REPO log -p --all --full-history > /dev/null"
echo
for j in 1 2; do
	best_of "$HUSH" scan --history --no-config -q --format jsonl --report "$OUT/history-j$j.jsonl" -j "$j" "$REPO"
	eval "HUSH_WALL_$j=\$WALL HUSH_RSS_$j=\$RSS HUSH_CPU_$j=\$CPU"
done
# shellcheck disable=SC2016 # $1 is expanded by the inner sh
best_of sh -c 'exec git -C "$1" log -p --all --full-history' sh "$REPO"
GIT_WALL=$WALL
GIT_CPU=$CPU
GIT_RSS=$RSS
GIT_BYTES=$(git -C "$REPO" log -p --all --full-history | wc -c)

printf '%-24s %9s %10s %12s %10s\n' "" "wall s" "CPU s" "peak RSS MiB" "MB/s"
for j in 1 2; do
	eval "hw=\$HUSH_WALL_$j hr=\$HUSH_RSS_$j hc=\$HUSH_CPU_$j"
	awk -v j="$j" -v w="$hw" -v r="$hr" -v c="$hc" -v b="$BLOB_BYTES" 'BEGIN {
		printf "%-24s %9.3f %10.2f %12.1f %10.1f\n", "hush --history -j" j, w, c, r / 1024, b / w / 1e6 }'
done
awk -v w="$GIT_WALL" -v r="$GIT_RSS" -v c="$GIT_CPU" -v o="$GIT_BYTES" 'BEGIN {
	printf "%-24s %9.3f %10.2f %12.1f %10s  (%.1f MB of patches)\n", "git log -p --all", w, c, r / 1024, "", o / 1e6 }'
echo "(MB/s: uncompressed bytes of all unique reachable blobs / wall time)"
echo
awk -v h1="$HUSH_WALL_1" -v h2="$HUSH_WALL_2" -v g="$GIT_WALL" -v r1="$HUSH_RSS_1" -v r2="$HUSH_RSS_2" 'BEGIN {
	ratio = h2 / g
	printf "ratio hush(-j2) / git log -p: %.3f (hush -j1: %.3f); target <= 0.5 with 2 threads: %s\n",
		ratio, h1 / g, (ratio <= 0.5) ? "met" : "MISSED"
	r = (r1 > r2) ? r1 : r2
	printf "peak RSS: %.1f MiB (-j1 %.1f, -j2 %.1f); target <= 300 MiB: %s\n", r / 1024, r1 / 1024, r2 / 1024,
		(r <= 300 * 1024) ? "met" : "MISSED" }'

# --- what hush read, against git ----------------------------------------------------------------------------------
python3 - "$OUT/history-j1.jsonl" "$OUT/history-j2.jsonl" "$NCOMMITS" "$NBLOBS" "$BLOB_BYTES" <<'PYEOF'
import json, sys
ncommits, nblobs, nbytes = (int(x) for x in sys.argv[3:6])
sums = []
for path in sys.argv[1:3]:
    lines = [json.loads(l) for l in open(path, encoding="utf-8", errors="surrogateescape")]
    s = [d for d in lines if d.get("type") == "summary"]
    sums.append((s[-1] if s else {}, sum(1 for d in lines if d.get("type") == "finding")))
s, nf = sums[0]
skipped = {k: v for k, v in s.items() if k.startswith("skipped_") and v}
print("hush read: %s commits (git rev-list --all: %d), %s blobs scanned + %s skipped of %d reachable, %s bytes "
      "(all reachable blobs: %d), findings %s, warnings %s, skipped %s" % (
          s.get("commits"), ncommits, s.get("blobs", s.get("files")),
          sum(v for k, v in s.items() if k.startswith("skipped_")), nblobs, s.get("bytes"), nbytes,
          s.get("findings"), s.get("warnings"), skipped or "none"))
if s.get("commits") != ncommits:
    print("  NOTE: hush's commit count differs from git's")
if (s.get("blobs") or 0) + sum(v for k, v in s.items() if k.startswith("skipped_")) != nblobs:
    print("  NOTE: scanned + skipped blobs differ from git's count of reachable blobs")
if sums[0][1] != sums[1][1] or sums[0][0].get("findings") != sums[1][0].get("findings"):
    print("  NOTE: -j1 and -j2 reported different findings: %d vs %d" % (sums[0][1], sums[1][1]))
PYEOF

# --- recall and attribution ------------------------------------------------------------------------------------------
echo
"$HUSH" scan --history --no-config -q --format jsonl --report "$OUT/recall.jsonl" --show-secrets -j 2 "$REPO" \
	2>"$OUT/recall.err"
python3 - bench "$OUT/recall.jsonl" "$MANIFEST" "$REPO" <<'PYEOF'
import collections, json, subprocess, sys

sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
from secretgen import unesc  # noqa: E402  (bench/secretgen.py: the manifest's escaping)

report, manifest, repo = sys.argv[2:5]
CATS = {"a": "added on main, kept", "b": "added, deleted later", "c": "only on an unmerged branch",
        "d": "only in a merge commit", "e": "added, file renamed later"}


findings = []
for l in open(report, encoding="utf-8", errors="surrogateescape"):
    d = json.loads(l)
    if d.get("type") == "finding":
        findings.append(d)
by_secret = collections.defaultdict(list)
for d in findings:
    by_secret[d.get("secret")].append(d)

rows = []
with open(manifest, encoding="utf-8") as fh:
    next(fh)
    for l in fh:
        cat, rid, commit, path, line, secret, note = l.rstrip("\n").split("\t")
        rows.append((cat, rid, commit, path, int(line), unesc(secret), note))

# Authors of the introducing commits, as git has them.
ids = sorted({r[2] for r in rows})
git_author = {}
out = subprocess.run(["git", "-C", repo, "show", "-s", "--format=%H%x00%an%x00%ae%x00%aI%x00"] + ids,
                     check=True, stdout=subprocess.PIPE).stdout.decode("utf-8")
parts = out.replace("\n", "").split("\x00")
for i in range(0, len(parts) - 4, 4):
    git_author[parts[i]] = tuple(parts[i + 1:i + 4])


def short(s, n=60):
    s = s.replace("\n", "\\n")
    return s if len(s) <= n else s[:n - 3] + "..."


per_cat = collections.defaultdict(lambda: [0, 0, 0, 0])  # planted, found, commit+path right, author right
missed, misattributed, bad_author, other_rule = [], [], [], collections.Counter()
for cat, rid, commit, path, line, secret, note in rows:
    pc = per_cat[cat]
    pc[0] += 1
    hits = by_secret.get(secret, [])
    if not hits:
        missed.append((cat, rid, commit, path, line, secret, note))
        continue
    pc[1] += 1
    if rid not in {d["rule_id"] for d in hits}:
        other_rule[(rid, ",".join(sorted({d["rule_id"] for d in hits})))] += 1
    right = [d for d in hits if d.get("commit") == commit and d.get("path") == path]
    if not right:
        misattributed.append((cat, rid, commit, path, line, secret, note, hits))
        continue
    pc[2] += 1
    d = right[0]
    want = git_author.get(commit)
    got = (d.get("author_name"), d.get("author_email"), d.get("author_date"))
    if want and got == want:
        pc[3] += 1
    else:
        bad_author.append((cat, commit, path, want, got))

n = len(rows)
found = sum(v[1] for v in per_cat.values())
right = sum(v[2] for v in per_cat.values())
authors = sum(v[3] for v in per_cat.values())
print("recall and attribution (one run with --show-secrets, -j 2); a planted secret is found when a finding has")
print("the same secret, and attributed when such a finding names the manifest's introducing commit and path:")
print("%-4s %-28s %8s %7s %12s %8s" % ("", "category", "planted", "found", "commit+path", "author"))
for cat in sorted(per_cat):
    p, f, r, a = per_cat[cat]
    print("%-4s %-28s %8d %7d %12d %8d" % (cat, CATS.get(cat, cat), p, f, r, a))
print("%-4s %-28s %8d %7d %12d %8d" % ("", "all", n, found, right, authors))
ok = found == n and right == n
print("recall: %d/%d (%.1f%%), correct commit and path: %d/%d (%.1f%%); target 100%% with correct commit and "
      "path: %s" % (found, n, 100.0 * found / n, right, n, 100.0 * right / n, "met" if ok else "MISSED"))
print("author name, e-mail and date (ISO 8601, as git's %%aI) of the attributed finding equal git's: %d/%d" % (
    authors, right))
for cat, rid, commit, path, line, secret, note in missed:
    print("  MISSED [%s] %s in %s %s:%d %r%s" % (cat, rid, commit, path, line, short(secret),
                                                 (" (" + note + ")") if note else ""))
for cat, rid, commit, path, line, secret, note, hits in misattributed:
    print("  MISATTRIBUTED [%s] %s: planted in %s %s:%d%s" % (cat, rid, commit, path, line,
                                                               (" (" + note + ")") if note else ""))
    for d in hits:
        print("    hush: %s %s:%s (blob %s)" % (d.get("commit"), d.get("path"), d.get("line"), d.get("blob")))
for cat, commit, path, want, got in bad_author:
    print("  AUTHOR [%s] %s %s: git %r, hush %r" % (cat, commit, path, want, got))
for (rid, rules), c in sorted(other_rule.items()):
    print("  note: %d planted %s secrets were reported by %s" % (c, rid, rules))

# Every finding (planted or not): its commit must hold its blob at its path, and no blob may be reported twice.
specs = sorted({(d.get("commit"), d.get("path")) for d in findings if d.get("commit") and d.get("path")})
p = subprocess.run(["git", "-C", repo, "cat-file", "--batch-check=%(objectname)"], check=True,
                   input="".join("%s:%s\n" % s for s in specs).encode(), stdout=subprocess.PIPE)
at = dict(zip(specs, p.stdout.decode().splitlines()))
wrong = [d for d in findings if at.get((d.get("commit"), d.get("path"))) != d.get("blob")]
dups = [k for k, v in collections.Counter((d.get("blob"), d.get("rule_id"), d.get("start_offset"))
                                          for d in findings).items() if v > 1]
print("all %d findings: commit:path holds the reported blob for %d; blob reported twice (same rule and offset): %d" % (
    len(findings), len(findings) - len(wrong), len(dups)))
for d in wrong[:20]:
    print("  WRONG BLOB: %s %s:%s says blob %s, git has %s" % (d.get("commit"), d.get("path"), d.get("line"),
                                                              d.get("blob"), at.get((d.get("commit"), d.get("path")))))
planted = {r[5] for r in rows}
first = {(r[5], r[2], r[3]) for r in rows}
later = sum(1 for d in findings if d.get("secret") in planted and (d["secret"], d.get("commit"), d.get("path")) not in first)
print("findings of planted secrets in later blobs (a file edited after a rename, or changed on another branch): %d" % later)
others = collections.Counter(d["rule_id"] for d in findings if d.get("secret") not in planted)
print("other findings (Debian text, not planted): %d%s" % (
    sum(others.values()), (" (" + ", ".join("%s %d" % kv for kv in others.most_common()) + ")") if others else ""))
PYEOF

# --- --staged: a 10-file staged change --------------------------------------------------------------------------------
echo
scratch_dir hush-history-bench
TMP=$SCRATCH
git clone -q --shared "$REPO" "$TMP/clone" || exit 2
# 10 text files of main's tip, small C headers; each gets a new line, the first also a fresh GitHub token.
# shellcheck disable=SC2016 # $0 and $f are expanded by the inner sh
git -C "$TMP/clone" ls-files -z -- 'include/*.h' | xargs -0 -r sh -c 'cd "$0" && for f; do
	s=$(wc -c <"$f"); [ "$s" -lt 16384 ] && [ "$s" -gt 256 ] && printf "%s\n" "$f"; done' "$TMP/clone" |
	LC_ALL=C sort | head -n 10 >"$TMP/files.txt"
STAGED_TOKEN=$(python3 -c 'import secrets, string; a = string.ascii_letters + string.digits
print("ghp_" + "".join(secrets.choice(a) for _ in range(36)))')
i=0
while IFS= read -r f; do
	if [ "$i" = 0 ]; then
		printf '/* staged change %d */\n#define API_TOKEN "%s"\n' "$i" "$STAGED_TOKEN" >>"$TMP/clone/$f"
	else
		printf '/* staged change %d: %s */\n' "$i" "$(date -u +%F)" >>"$TMP/clone/$f"
	fi
	i=$((i + 1))
done <"$TMP/files.txt"
tr '\n' '\0' <"$TMP/files.txt" | (cd "$TMP/clone" && xargs -0 git add --)
NSTAGED=$(git -C "$TMP/clone" diff --cached --name-only | wc -l)
staged_scan() {
	"$HUSH" scan --staged --no-config -q --format jsonl --report "$1" "$TMP/clone" >/dev/null 2>"$OUT/staged.err"
}
staged_scan "$OUT/staged.jsonl"
STAGED_FOUND=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("type") == "finding" and
          json.loads(l).get("secret", "")[:4] == "ghp_"))' "$OUT/staged.jsonl" 2>/dev/null)
staged_scan /dev/null
best_ns 10 staged_scan /dev/null
awk -v ns="$BEST_NS" -v n="$NSTAGED" -v f="${STAGED_FOUND:-?}" 'BEGIN {
	ms = ns / 1e6
	printf "--staged: %d staged files in a clone of the repository: %.2f ms (best of 10, date +%%s%%N loop); " \
		"target < 30 ms: %s; the staged GitHub token was reported %s time(s) (expected 1)\n",
		n, ms, (ms < 30) ? "met" : "MISSED", f }'
echo "reports: $OUT/"
exit 0
