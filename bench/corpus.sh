#!/bin/sh
# bench/corpus.sh: build the benchmark corpus under bench/corpus/.
#
#   bench/corpus/tree/          text files copied from /usr/include, /usr/share and /usr/lib/python3*, relative
#                               paths kept (tree/usr/include/stdio.h ...); replicated into tree/copy-2/,
#                               tree/copy-3/ ... only if the sources hold less than the target size
#   bench/corpus/manifest.tsv   one row per planted secret: rule_id, path (relative to tree/), line, secret
#
# The manifest lives next to the tree, not inside it, so scanning bench/corpus/tree does not also find every
# secret a second time in the manifest.
#
# Idempotent: when the manifest exists and the tree is big enough it only prints a note and the size.
# Reproducible: every random choice (files, lines, token characters) comes from one seeded generator.
# The token generators and the checks against the rules are in bench/secretgen.py (shared with history-repo.sh).
#
# Environment:
#   BENCH_SEED         seed (default 20240601); 'random' draws the tokens from the secrets module instead,
#                      which makes the corpus non-reproducible
#   BENCH_CORPUS_MIB   minimum corpus size in MiB (default 500)
#   BENCH_SECRETS      number of secrets to plant (default 400)
#   BENCH_FORCE=1      rebuild even when a complete corpus exists
set -eu

here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/corpus"

exec python3 - "$here" "$corpus" "$here/../rules" <<'PYEOF'
import glob
import os
import random
import secrets
import shutil
import sys
import time

# bench/secretgen.py: the token generators and rule checks, shared with bench/history-repo.sh.
sys.dont_write_bytecode = True  # no bench/__pycache__/
sys.path.insert(0, sys.argv[1])
import secretgen as sg  # noqa: E402
from secretgen import human  # noqa: E402

corpus, rules_dir = sys.argv[2], os.path.normpath(sys.argv[3])
tree = os.path.join(corpus, "tree")
manifest = os.path.join(corpus, "manifest.tsv")
seed = os.environ.get("BENCH_SEED", "20240601")
target = int(float(os.environ.get("BENCH_CORPUS_MIB", "500")) * 1024 * 1024)
nsecrets = int(os.environ.get("BENCH_SECRETS", "400"))
force = os.environ.get("BENCH_FORCE", "") not in ("", "0")

SOURCES = ["/usr/include", "/usr/share"] + sorted(glob.glob("/usr/lib/python3*"))
# Not installed by any Debian package (and far from a realistic source tree): package-name lists.
EXCLUDE = ["/usr/share/package-lists"]
# Stay below hush's default --max-file-size (50M) so that hush and rg read exactly the same bytes.
MAX_FILE = 48 * 1024 * 1024


def tree_stats():
    n = size = 0
    for dp, _, fn in os.walk(tree):
        for f in fn:
            n += 1
            size += os.lstat(os.path.join(dp, f)).st_size
    return n, size


if not force and os.path.isfile(manifest) and os.path.isdir(tree):
    n, size = tree_stats()
    if size >= target:
        with open(manifest, encoding="utf-8") as fh:
            planted = sum(1 for _ in fh) - 1
        print("corpus.sh: %s already exists with a manifest of %d secrets and is big enough; nothing to do "
              "(BENCH_FORCE=1 rebuilds it)" % (os.path.relpath(corpus), planted))
        print("corpus: %s in %d files" % (human(size), n))
        sys.exit(0)
    print("corpus.sh: existing corpus is too small (%s); rebuilding" % human(size))

t0 = time.time()
if os.path.exists(tree):
    shutil.rmtree(tree)
if os.path.exists(manifest):
    os.remove(manifest)
os.makedirs(tree)

if seed == "random":
    rng = sg.rng = secrets.SystemRandom()
else:
    rng = sg.rng = random.Random(seed)

# ---------------------------------------------------------------------------------------------------------------
# 1. Copy text files.

def source_files():
    for root in SOURCES:
        for dp, dn, fn in os.walk(root):
            dn[:] = sorted(d for d in dn if os.path.join(dp, d) not in EXCLUDE)
            for f in sorted(fn):
                p = os.path.join(dp, f)
                if f.lower().endswith(sg.COMPRESSED_EXT):
                    continue
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if not (st.st_mode & 0o170000 == 0o100000) or st.st_size > MAX_FILE:  # regular files only
                    continue
                yield p


def is_text(data):
    if b"\0" in data:  # no NUL anywhere: hush sniffs the first 8 KiB, rg the whole file; keep them equal
        return False
    return not data.startswith(sg.COMPRESSED_MAGIC)


copied = []  # (relative path in tree, source path)
total = 0
for src in source_files():
    try:
        with open(src, "rb") as fh:
            data = fh.read()
    except OSError:
        continue
    if not is_text(data):
        continue
    rel = src.lstrip("/")
    dst = os.path.join(tree, rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "wb") as fh:
        fh.write(data)
    copied.append((rel, src))
    total += len(data)

print("corpus.sh: copied %d text files, %s, in %.1f s" % (len(copied), human(total), time.time() - t0))
if not copied:
    sys.exit("corpus.sh: no source files found")

files = [rel for rel, _ in copied]
copy_no = 1
while total < target:
    copy_no += 1
    for rel, src in copied:
        if total >= target:
            break
        dst_rel = os.path.join("copy-%d" % copy_no, rel)
        dst = os.path.join(tree, dst_rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(tree, rel), dst)
        files.append(dst_rel)
        total += os.path.getsize(dst)
    print("corpus.sh: replicated into copy-%d/, total now %s" % (copy_no, human(total)))

# ---------------------------------------------------------------------------------------------------------------
# 2. Secrets in the formats of the built-in rules (bench/secretgen.py), checked against the rules themselves.

ruleset = sg.RuleSet(rules_dir, sg.GENERATORS, "corpus.sh")


def make_secret(rid):
    gen, templates = sg.GENERATORS[rid]
    for _ in range(1000):
        tok, secret = sg.token(gen)
        if not ruleset.plausible(rid, secret):
            continue
        # The template is drawn after the plausibility checks (history-repo.sh draws it before): keep it so, or
        # the same seed gives another corpus.
        text = rng.choice(templates).format(t=tok)
        # The rule's own pattern (run by Python's re) must find exactly this secret in the planted text.
        if ruleset.matches(rid, secret, text):
            return text, secret
    sys.exit("corpus.sh: could not generate a valid secret for %s; check its generator" % rid)


# ---------------------------------------------------------------------------------------------------------------
# 3. Plant them: one secret per file, as new lines at a random line boundary.

def plantable(rel):
    try:
        rel.encode("utf-8")  # os.walk turns undecodable bytes into surrogates, which this rejects
    except UnicodeEncodeError:
        return False
    return rel.isprintable()


candidates = [f for f in files if plantable(f)]
rule_ids = sorted(sg.GENERATORS)
order = [rule_ids[i % len(rule_ids)] for i in range(nsecrets)]
rng.shuffle(order)
targets = rng.sample(candidates, nsecrets)

rows = []
for i, (rid, rel) in enumerate(zip(order, targets)):
    if seed != "random":
        # One generator per secret, so that a source file that changes (a package upgrade) moves only the secret
        # planted in it and not every secret planted after it.
        rng = sg.rng = random.Random("%s/%d" % (seed, i))
    text, secret = make_secret(rid)
    path = os.path.join(tree, rel)
    with open(path, "rb") as fh:
        data = fh.read()
    k = rng.randint(0, data.count(b"\n"))  # insert before line k+1 (k == number of newlines: at the end)
    off = sg.line_offset(data, k)
    with open(path, "wb") as fh:  # off is a line start, so the new text starts a line of its own
        fh.write(data[:off] + text.encode() + b"\n" + data[off:])
    line = k + 1 + text[:text.index(secret)].count("\n")
    rows.append((rid, rel, line, secret))


rows.sort(key=lambda r: (r[1], r[2]))
with open(manifest + ".tmp", "w", encoding="utf-8") as fh:
    fh.write("rule_id\tpath\tline\tsecret\n")
    for rid, rel, line, secret in rows:
        fh.write("%s\t%s\t%d\t%s\n" % (rid, rel, line, sg.esc(secret)))
os.rename(manifest + ".tmp", manifest)

n, size = tree_stats()
print("corpus.sh: planted %d secrets of %d rules; manifest: %s" % (len(rows), len(set(order)),
                                                                   os.path.relpath(manifest)))
print("corpus: %s in %d files (built in %.1f s)" % (human(size), n, time.time() - t0))
PYEOF
