#!/bin/sh
# bench/history-repo.sh [DIR] [COMMITS]: build the git repository that bench/history.sh scans with
# `hush scan --history`.
#
#   DIR       the repository to create (default bench/history/repo); the manifest goes next to it, in
#             $(dirname DIR)/manifest.tsv, never inside it (the history scan would find every secret twice)
#   COMMITS   number of commits, at least (default 5000; e.g. 300 for a quick test)
#
# The history is written with one `git fast-import` stream generated here in Python (no `git commit` per
# commit), so 5,000 commits take well under a minute. It has:
#
#   - a root commit importing Debian-installed text files (/usr/share/doc, /usr/include, /usr/lib/python3*),
#     then churn on main: lines replaced, inserted, deleted and edited with lines of other installed files, files
#     added, deleted and renamed (pure renames and rename + edit); binary files (with NUL bytes) under assets/;
#     one 20 MiB text blob (no NUL); annotated tags;
#   - four feature branches (feature/*) that work in their own features/<name>/ folder, are merged into main
#     with real two-parent merge commits and sometimes merge main back in;
#   - two branches that are never merged (wip/*);
#   - planted secrets of five categories (BENCH_HISTORY_PLANTS per category, default 24, at least 10):
#       a  added on main and kept (one of them inside the 20 MiB blob)
#       b  added on main, removed by a later commit (the file deleted, or only the secret's lines removed)
#       c  added on a wip/* branch that is never merged
#       d  added by a merge commit: a file (new, or an existing file edited) whose blob neither parent has
#       e  added on main, the file renamed later (a third of the renames also edit the file); the finding must
#          name the original commit and path
#     Each token is fresh random text in the format of a built-in rule, and is checked with that rule's own
#     pattern (rules/*.yml through Python's re); generators and checks are bench/secretgen.py, shared with
#     bench/corpus.sh.
#
# Output: DIR (a normal, checked-out repository, repacked with git repack -a -d -f as git gc would; gc.auto=0), $(dirname DIR)/manifest.tsv with a header and one
# row per secret: category, rule_id, commit (40 hex: the commit that introduced the secret's blob), path (at that
# commit), line (1-based line where the secret starts), secret (\\, \t, \n, \r escaped), note (what happened to
# it later); and $(dirname DIR)/params.txt (what the repository was built with).
# After the build every planted secret is checked with git (present in its commit, absent from its parents, and
# the category holds: deleted, renamed, unreachable from main, not in either merge parent).
#
# Reproducible: fixed seed (BENCH_SEED, default 20240601), fixed author names, e-mails and dates; the same
# installed packages give the same commit ids. Idempotent: when params.txt matches and the manifest and repository
# exist it only prints the counts; BENCH_FORCE=1 rebuilds.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=${1:-$here/history/repo}
commits=${2:-5000}
command -v git >/dev/null 2>&1 || { echo "history-repo.sh: git is not installed" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "history-repo.sh: python3 is not installed" >&2; exit 2; }

exec python3 - "$here" "$repo" "$commits" "$here/../rules" <<'PYEOF'
import glob
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import time

# bench/secretgen.py: the token generators and rule checks, shared with bench/corpus.sh.
sys.dont_write_bytecode = True  # no bench/__pycache__/
sys.path.insert(0, sys.argv[1])
import secretgen as sg  # noqa: E402
from secretgen import esc, human  # noqa: E402

repo = os.path.abspath(sys.argv[2])
N = int(sys.argv[3])
rules_dir = os.path.normpath(sys.argv[4])
outdir = os.path.dirname(repo)
manifest = os.path.join(outdir, "manifest.tsv")
params_file = os.path.join(outdir, "params.txt")
seed = os.environ.get("BENCH_SEED", "20240601")
force = os.environ.get("BENCH_FORCE", "") not in ("", "0")
per_cat = int(os.environ.get("BENCH_HISTORY_PLANTS", "24"))
if N < 100:
    sys.exit("history-repo.sh: COMMITS must be at least 100")
if per_cat < 10:
    sys.exit("history-repo.sh: BENCH_HISTORY_PLANTS must be at least 10")
BIG = 20 * 1024 * 1024
params = "commits=%d seed=%s plants_per_category=%d big_blob=%d generator=2\n" % (N, seed, per_cat, BIG)


def git(*args, **kw):
    return subprocess.run(["git", "-C", repo] + list(args), check=True, stdout=subprocess.PIPE, **kw).stdout


def print_counts():
    ncommits = int(git("rev-list", "--all", "--count"))
    nmerges = int(git("rev-list", "--all", "--merges", "--count"))
    branches = git("for-each-ref", "--format=%(refname:short)", "refs/heads").decode().split()
    tags = git("for-each-ref", "--format=%(refname:short)", "refs/tags").decode().split()
    objs = subprocess.run("git -C '%s' rev-list --all --objects | cut -d' ' -f1 | git -C '%s' cat-file "
                          "--batch-check='%%(objecttype) %%(objectsize)'" % (repo, repo), shell=True, check=True,
                          stdout=subprocess.PIPE).stdout.decode().split("\n")
    nblobs = bblobs = 0
    for l in objs:
        if l.startswith("blob "):
            nblobs += 1
            bblobs += int(l.split()[1])
    gitdir = os.path.join(repo, ".git")
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fn in os.walk(gitdir) for f in fn)
    with open(manifest, encoding="utf-8") as fh:
        rows = [l.split("\t") for l in fh.read().splitlines()[1:]]
    cats = {}
    for r in rows:
        cats[r[0]] = cats.get(r[0], 0) + 1
    print("repository: %s" % repo)
    print("  commits %d (merges %d), branches %d (%s), tags %d" % (ncommits, nmerges, len(branches),
                                                                  " ".join(branches), len(tags)))
    print("  unique blobs %d, %s uncompressed; .git size %s" % (nblobs, human(bblobs), human(size)))
    print("manifest: %s: %d secrets (%s)" % (manifest, len(rows), ", ".join(
        "%s %d" % kv for kv in sorted(cats.items()))))


if not force and os.path.isfile(manifest) and os.path.isfile(params_file) and \
        os.path.isdir(os.path.join(repo, ".git")):
    with open(params_file) as fh:
        old = fh.read()
    if old == params:
        try:
            git("rev-parse", "-q", "--verify", "refs/heads/main", stderr=subprocess.DEVNULL)
            print("history-repo.sh: %s is complete (%s); nothing to do (BENCH_FORCE=1 rebuilds it)" % (
                os.path.relpath(repo), params.strip()))
            print_counts()
            sys.exit(0)
        except subprocess.CalledProcessError:
            pass
    print("history-repo.sh: existing repository was built differently or is incomplete; rebuilding")

t0 = time.time()
for p in (manifest, params_file):
    if os.path.exists(p):
        os.remove(p)
if os.path.exists(repo):
    shutil.rmtree(repo)
os.makedirs(repo)
git("init", "-q", "-b", "main")
git("config", "gc.auto", "0")
marks_file = os.path.join(repo, ".git", "bench-marks")

rng = random.Random(seed)

# ---------------------------------------------------------------------------------------------------------------
# Secrets: the generators of bench/secretgen.py (shared with bench/corpus.sh), checked against the rules' own
# patterns. They draw from sg.rng, a generator per plant (set below), never from rng.

# The AWS plants are a key id with its secret key on the next line.
GENERATORS = dict(sg.GENERATORS, **{"aws-access-key-id": (sg.aws_pair, None)})
# Rules the brief asks for first, so that even the smallest repository has each of them in every category.
FIRST = ["github-classic-pat", "aws-access-key-id", "slack-bot-token", "stripe-secret-key", "gitlab-pat",
         "npm-access-token", "private-key-rsa"]
ruleset = sg.RuleSet(rules_dir, GENERATORS, "history-repo.sh")


def make_plant(rid):
    """-> (text, [(rule_id, secret), ...]); text is one or more whole lines (no trailing newline)."""
    gen, templates = GENERATORS[rid]
    for _ in range(1000):
        if templates is None:
            text, pairs = gen()
        else:
            tok, secret = sg.token(gen)
            # The template is drawn before the checks (corpus.sh draws it after): keep it so, or the same seed
            # gives other tokens and commits.
            text = sg.rng.choice(templates).format(t=tok)
            pairs = [(rid, secret)]
        if all(ruleset.plausible(r, s) and ruleset.matches(r, s, text) for r, s in pairs):
            return text, pairs
    sys.exit("history-repo.sh: could not generate a valid secret for %s" % rid)


# ---------------------------------------------------------------------------------------------------------------
# Source text: Debian-installed files.

SOURCES = [("/usr/share/doc", "doc"), ("/usr/include", "include")] + [
    (p, os.path.basename(p)) for p in sorted(glob.glob("/usr/lib/python3*")) if os.path.isdir(p)]
SKIP_EXT = sg.COMPRESSED_EXT + (".pyc",)
SAFE_PATH = re.compile(r"^[A-Za-z0-9_+-][A-Za-z0-9._+-]*(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)*$")
pool = []  # (source path, path in the repository)
for root, prefix in SOURCES:
    for dp, dn, fn in os.walk(root):
        dn[:] = sorted(d for d in dn if d != "__pycache__")
        for f in sorted(fn):
            src = os.path.join(dp, f)
            if f.lower().endswith(SKIP_EXT):
                continue
            try:
                st = os.lstat(src)
            except OSError:
                continue
            if st.st_mode & 0o170000 != 0o100000 or not 64 <= st.st_size <= 256 * 1024:
                continue
            rel = prefix + "/" + os.path.relpath(src, root)
            if SAFE_PATH.match(rel):
                pool.append((src, rel))
if len(pool) < 500:
    sys.exit("history-repo.sh: only %d usable text files under %s" % (len(pool), ", ".join(r for r, _ in SOURCES)))
_text_cache = {}


def read_text(src):
    if src not in _text_cache:
        try:
            with open(src, "rb") as fh:
                data = fh.read()
        except OSError:
            data = None
        if data is not None and (b"\0" in data or data.startswith(sg.COMPRESSED_MAGIC)):
            data = None
        _text_cache[src] = data
    return _text_cache[src]


def random_source():
    while True:
        src, rel = pool[rng.randrange(len(pool))]
        data = read_text(src)
        if data:
            return src, rel, data


def donor_lines(lo, hi):
    lines = random_source()[2].split(b"\n")
    k = rng.randint(lo, hi)
    i = rng.randint(0, max(0, len(lines) - k))
    return lines[i:i + k]


def mutate(data):
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 3)):
        n = len(lines)
        r = rng.random()
        if r < 0.35:
            i = rng.randint(0, n)
            lines[i:i] = donor_lines(1, 12)
        elif r < 0.6:
            i = rng.randint(0, max(0, n - 1))
            lines[i:i + rng.randint(1, 4)] = donor_lines(1, 4)
        elif r < 0.75 and n > 12:
            i = rng.randint(0, n - 8)
            del lines[i:i + rng.randint(1, 6)]
        else:
            i = rng.randint(0, max(0, n - 1))
            words = lines[i].split(b" ")
            if len(words) > 2 and rng.random() < 0.5:
                a, b = rng.sample(range(len(words)), 2)
                words[a], words[b] = words[b], words[a]
                lines[i] = b" ".join(words)
            elif re.search(rb"[0-9]+", lines[i]):
                lines[i] = re.sub(rb"[0-9]+", lambda m: str(int(m.group()) + rng.randint(1, 9)).encode(),
                                  lines[i], count=1)
            else:
                lines[i] += rng.choice([b" (updated)", b" // TODO", b" # revised", b".", b" v2"])
    return b"\n".join(lines)


def binary_blob(size):
    head = rng.choice([b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", b"SQLite format 3\0", b"\x7fELF\x02\x01\x01\0",
                       b"GIF89a\x01\0\x01\0", b"\0\0\x01\0"])
    return head + rng.randbytes(size) + b"\0"


# ---------------------------------------------------------------------------------------------------------------
# The fast-import stream.

fi = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet", "--done", "--export-marks=" + marks_file],
                      stdin=subprocess.PIPE)
out = fi.stdin
_mark = [0]
blobs = {}        # mark -> bytes
blob_marks = {}   # sha1 of content -> mark (send each content once)


def new_mark():
    _mark[0] += 1
    return _mark[0]


written = set()   # marks already sent to fast-import


def blob(data):
    """A mark for this content; the blob is sent only when a commit's final tree uses it (no dangling blobs)."""
    h = hashlib.sha1(data).digest()
    if h in blob_marks:
        return blob_marks[h]
    m = new_mark()
    blobs[m] = data
    blob_marks[h] = m
    return m


def send_blob(m):
    if m not in written:
        data = blobs[m]
        out.write(b"blob\nmark :%d\ndata %d\n" % (m, len(data)))
        out.write(data)
        out.write(b"\n")
        written.add(m)


AUTHORS = [
    ("Alice Martin", "alice.martin@corp.example", "+0100"),
    ("Bogdan Ionescu", "bogdan@corp.example", "+0200"),
    ("Chen Wei", "chen.wei@corp.example", "+0800"),
    ("Dana Okafor", "dana.okafor@corp.example", "+0000"),
    ("Zoë Ångström", "zoe@corp.example", "+0100"),
    ("Józef Wąs", "jozef.was@corp.example", "+0200"),
    ("Gustavo Reis", "gustavo.reis@corp.example", "-0300"),
    ("Hannah Becker", "hannah@corp.example", "-0500"),
]
clock = [1577836800]  # 2020-01-01T00:00:00Z; strictly increasing, one step per commit


class Branch:
    def __init__(self, name, tip=None, tree=None, protected=None, area=None):
        self.name = name
        self.ref = "refs/heads/" + name
        self.tip = tip
        self.tree = dict(tree or {})       # path -> (mode, mark)
        self.protected = set(protected or ())
        self.area = area                   # folder this branch's own files go to
        self.pending = 0                   # commits since the last merge into main
        self.base = None                   # tree of the merge base with main


commits = []  # marks, in creation order


class Commit:
    """Edits on a branch's tree; finish() writes the net change (so renames become a delete and an add)."""
    def __init__(self, br):
        self.br = br
        self.before = {}  # path -> entry before this commit touched it (None: absent)

    def touch(self, path):
        if path not in self.before:
            self.before[path] = self.br.tree.get(path)

    @property
    def ops(self):
        return [p for p, v in self.before.items() if self.br.tree.get(p) != v]

    def put(self, path, data, mode="100644"):
        self.put_mark(path, mode, blob(data))

    def put_mark(self, path, mode, m):
        self.touch(path)
        self.br.tree[path] = (mode, m)

    def delete(self, path):
        self.touch(path)
        del self.br.tree[path]

    def rename(self, old, new):
        self.touch(old)
        self.touch(new)
        self.br.tree[new] = self.br.tree.pop(old)

    def finish(self, msg, merge=None, who=None):
        name, email, tz = who or AUTHORS[rng.randrange(len(AUTHORS))]
        clock[0] += rng.randint(300, 7200)
        changed = sorted(self.ops)
        for p in changed:
            if p in self.br.tree:
                send_blob(self.br.tree[p][1])
        m = new_mark()
        out.write(b"commit %s\nmark :%d\n" % (self.br.ref.encode(), m))
        ident = ("%s <%s> %d %s" % (name, email, clock[0], tz)).encode()
        out.write(b"author " + ident + b"\ncommitter " + ident + b"\n")
        msgb = msg.encode() + b"\n"
        out.write(b"data %d\n" % len(msgb) + msgb)
        if self.br.tip is not None:
            out.write(b"from :%d\n" % self.br.tip)
        if merge is not None:
            out.write(b"merge :%d\n" % merge)
        for p in changed:
            if p not in self.br.tree:
                out.write(b"D %s\n" % p.encode())
        for p in changed:
            if p in self.br.tree:
                mode, bm = self.br.tree[p]
                out.write(b"M %s :%d %s\n" % (mode.encode(), bm, p.encode()))
        out.write(b"\n")
        self.br.tip = m
        self.mark = m
        commits.append(m)
        return m


binary_marks = set()


def text_files(br, exclude=(), only=None):
    return sorted(p for p, (mode, m) in br.tree.items()
                  if m not in binary_marks and p not in br.protected and not p.startswith(exclude)
                  and (only is None or p.startswith(only + "/")) and len(blobs[m]) <= 256 * 1024)


def pick(seq):
    return seq[rng.randrange(len(seq))] if seq else None


def free(tree, path):
    """path can be added to tree: not there, no file where a folder of it goes, no folder where it goes."""
    if path in tree:
        return False
    parts = path.split("/")
    if any("/".join(parts[:i]) in tree for i in range(1, len(parts))):
        return False
    pre = path + "/"
    return not any(p.startswith(pre) for p in tree)


RENAME_DIRS = ["attic", "legacy", "docs/archive", "vendor", "third_party", "old"]


def churn(c, br, nops, exclude=(), only=None):
    """Random edits on branch br: modify, add, delete, rename, binary. only: stay inside that folder."""
    files = None
    for _ in range(nops):
        if files is None:
            files = text_files(br, exclude, only)
        r = rng.random()
        if r < 0.66 and files:
            p = pick(files)
            c.put(p, mutate(blobs[br.tree[p][1]]))
        elif r < 0.80 or not files:
            src, rel, data = random_source()
            if only:
                rel = only + "/" + rel.split("/", 1)[1]
            elif br.area and rng.random() < 0.5:
                rel = br.area + "/" + rel.split("/", 1)[1]
            if free(br.tree, rel):
                c.put(rel, data)
                files = None
        elif r < 0.87:
            if len(br.tree) > n_init * 0.8 or only:
                c.delete(pick(files))
                files = None
        elif r < 0.95:
            p = pick(files)
            d, f = os.path.split(p)
            if only:
                new = os.path.join(d, "renamed-" + f)
            else:
                new = pick(RENAME_DIRS) + "/" + p
            if free(br.tree, new):
                c.rename(p, new)
                if rng.random() < 0.5:
                    c.put(new, mutate(blobs[br.tree[new][1]]))
                files = None
        else:
            where = (only + "/assets") if only else "assets"
            assets = sorted(q for q, (_, m) in br.tree.items() if m in binary_marks and q.startswith(where + "/"))
            if assets and rng.random() < 0.6:
                p = pick(assets)
                data = bytearray(blobs[br.tree[p][1]])
                i = rng.randrange(len(data))
                data[i:i + 256] = rng.randbytes(256)
                put_binary(c, p, bytes(data))
            else:
                p = "%s/%s-%d.bin" % (where, rng.choice(["logo", "icon", "cache", "font", "db"]), len(commits))
                if free(br.tree, p):
                    put_binary(c, p, binary_blob(rng.randint(512, 64 * 1024)))


def put_binary(c, path, data):
    m = blob(data)
    binary_marks.add(m)
    c.put_mark(path, "100644", m)


def apply_diff(c, target, new, base):
    """Bring target (c's branch) the changes new made since base."""
    for p in sorted(set(base) | set(new)):
        nv, bv = new.get(p), base.get(p)
        if nv != bv:
            if nv is None:
                if p in target.tree:
                    c.delete(p)
            elif target.tree.get(p) != nv:
                c.put_mark(p, nv[0], nv[1])


# ---------------------------------------------------------------------------------------------------------------
# Plants.

cats = "abcde"
order = FIRST + sorted(r for r in GENERATORS if r not in FIRST)
plants = {k: [] for k in cats}  # category -> list of dicts
i = 0
for k in cats:
    for j in range(per_cat):
        sg.rng = random.Random("%s/plant/%s/%d" % (seed, k, j))
        rid = order[(j + cats.index(k) * 3) % len(order)] if j >= len(FIRST) else FIRST[j]
        text, pairs = make_plant(rid)
        plants[k].append({"cat": k, "rule": rid, "text": text, "pairs": pairs, "commit": None, "path": None,
                          "line": None, "note": ""})
sg.rng = random.Random("%s/plant/big" % seed)
big_text, big_pairs = make_plant("github-classic-pat")
SERVICES = ["billing", "search", "auth", "ingest", "reports", "mailer", "gateway", "scheduler", "metrics",
            "storage", "checkout", "profile", "notify", "export", "sync"]
CONFIG_SHAPES = ["config/{s}/{s}-{i}.env", "deploy/{s}/values-{i}.yaml", "scripts/deploy-{s}-{i}.sh",
                 "settings/{s}_{i}.py", "etc/{s}/credentials-{i}.ini", ".env.{s}-{i}", "ci/{s}-{i}.yml"]


def plant_into(c, br, pl, new_file, exclude=()):
    """Plant pl on branch br in commit c: a new config-like file, or new lines in an existing text file."""
    text = pl["text"].encode()
    path = None
    if not new_file:
        cands = [p for p in text_files(br, exclude) if len(blobs[br.tree[p][1]]) < 128 * 1024]
        path = pick(cands)
    if path is None:
        while path is None or not free(br.tree, path):
            path = rng.choice(CONFIG_SHAPES).format(s=rng.choice(SERVICES), i=len(commits) * 10 + rng.randint(0, 9))
        data = b"\n".join(donor_lines(3, 30)) + b"\n"
    else:
        data = blobs[br.tree[path][1]]
    k = rng.randint(0, data.count(b"\n"))
    off = sg.line_offset(data, k)
    c.put(path, data[:off] + text + b"\n" + data[off:])
    br.protected.add(path)
    pl["path"] = path
    pl["line"] = k + 1
    pl["branch"] = br.name
    pl["c"] = c


# ---------------------------------------------------------------------------------------------------------------
# The schedule: one event per step; step 0 is the root commit.

main = Branch("main")
n_init = max(150, min(1500, N * 3 // 10))
c = Commit(main)
while len(main.tree) < n_init:
    src, rel, data = random_source()
    if free(main.tree, rel):
        c.put(rel, data)
for j in range(12):
    put_binary(c, "assets/%s-%d.bin" % (rng.choice(["logo", "icon", "cache", "font", "db"]), j),
               binary_blob(rng.randint(512, 200 * 1024)))
root = c.finish("Initial import", who=AUTHORS[0])

FEATURES = ["feature/search", "feature/sync", "feature/ui", "feature/api"]
features = []
for name in FEATURES:
    b = Branch(name, root, main.tree, main.protected, "features/" + name.split("/")[1])
    b.base = dict(main.tree)
    features.append(b)
WIPS = ["wip/legacy-auth", "wip/billing-spike"]

n_merge = max(per_cat + 10, N // 50)
n_sync = max(3, n_merge // 5)
n_wip = max(per_cat // 2 + 3, N // 100)
lo = max(2, N // 50)
merge_steps = set(rng.sample(range(lo, N), n_merge))
sync_steps = set(rng.sample(sorted(set(range(lo, N)) - merge_steps), n_sync))
taken = merge_steps | sync_steps
wip_fork = [int(N * 0.35), int(N * 0.70)]
wip_steps = []
for f in wip_fork:
    s = sorted(rng.sample(sorted(set(range(f + 1, N)) - taken), n_wip))
    taken |= set(s)
    wip_steps.append(s)
wip_at = {s: k for k, ss in enumerate(wip_steps) for s in ss}
d_merge_idx = set(rng.sample(range(n_merge - 5), per_cat))
big_step = min(s for s in range(int(N * 0.3), N) if s not in taken)
tag_steps = [(int(N * x), "v%d.0" % (i + 1)) for i, x in enumerate((0.25, 0.5, 0.75))]

# Main-line plants: at a step; b and e also get a later step for the deletion or rename.
main_work = []  # (step, 0 plant / 1 later, kind, plant)
for k in "abe":
    for pl in plants[k]:
        s = rng.randint(lo, int(N * 0.8))
        main_work.append((s, 0, "plant", pl))
        if k in "be":
            main_work.append((min(N - 2, s + rng.randint(2, max(3, N // 8))), 1, k, pl))
main_work.sort(key=lambda w: (w[0], w[1]))
# c: split over the two wip branches, spread over their commits.
wip_plants = [[], []]
for j, pl in enumerate(plants["c"]):
    wip_plants[j % 2].append(pl)
wips = [None, None]
wip_commits = [0, 0]
d_queue = list(plants["d"])
merge_count = [0]


def do_merge(f, extra_plants):
    c = Commit(main)
    apply_diff(c, main, f.tree, f.base)
    for pl in extra_plants:
        plant_into(c, main, pl, rng.random() < 0.5, ("features/",))
        pl["note"] = "merge of %s into main" % f.name
    c.finish("Merge branch '%s'" % f.name, merge=f.tip, who=AUTHORS[3])
    f.base = dict(f.tree)
    f.pending = 0
    merge_count[0] += 1


def feature_commit(f):
    c = Commit(f)
    churn(c, f, rng.randint(1, 3), only=f.area)
    f.pending += 1
    c.finish("%s: %s %s" % (f.name.split("/")[1], rng.choice(["add", "update", "refactor", "fix", "tidy"]),
                            rng.choice(["handler", "tests", "docs", "config", "parser", "client", "cache"])))


def big_blob(c):
    data = bytearray()
    while len(data) < BIG:
        data += random_source()[2].rstrip(b"\n") + b"\n"
    data = bytes(data[:BIG])
    at = data.rfind(b"\n", 0, BIG - 1024 * 1024) + 1  # about 19 MiB in
    data = data[:at] + big_text.encode() + b"\n" + data[at:]
    data = data[:data.rfind(b"\n", 0, BIG - 80) + 1]
    data += b"#" * (BIG - len(data) - 1) + b"\n"
    assert len(data) == BIG and b"\0" not in data
    path = "data/fixtures/large-corpus.txt"
    c.put(path, data)
    main.protected.add(path)
    plants["a"].append({"cat": "a", "rule": "github-classic-pat", "text": big_text, "pairs": big_pairs, "c": c,
                        "path": path, "line": data[:at].count(b"\n") + 1, "note": "inside the 20 MiB blob",
                        "branch": "main"})


def later_work(c, kind, pl):
    p = pl["path"]
    if kind == "b":
        data = blobs[main.tree[p][1]]
        if rng.random() < 0.5 or data.count(b"\n") <= pl["text"].count("\n") + 1:
            c.delete(p)
            pl["note"] = "file deleted later"
        else:
            c.put(p, data.replace(pl["text"].encode() + b"\n", b"", 1))
            pl["note"] = "lines removed later"
    else:
        new = None
        while new is None or not free(main.tree, new):
            new = rng.choice(["moved", "renamed", "config/old"]) + "/" + p.lstrip(".") + ("" if new is None else "2")
        c.rename(p, new)
        if rng.random() < 1 / 3:
            c.put(new, blobs[main.tree[new][1]] + b"# moved from " + p.encode() + b"\n")
            pl["note"] = "renamed to %s and edited later" % new
        else:
            pl["note"] = "renamed to %s later" % new
        pl["new_path"] = new
        main.protected.add(new)
    pl["later"] = c
    main.protected.discard(p)


wi = 0
for step in range(1, N):
    if step in wip_at:
        k = wip_at[step]
        if wips[k] is None:  # fork point: the wip branch starts from main's tip
            wips[k] = Branch(WIPS[k], main.tip, main.tree, main.protected, "experiments/" + WIPS[k].split("/")[1])
        b = wips[k]
        c = Commit(b)
        todo = wip_plants[k]
        take = -(-len(todo) // (len(wip_steps[k]) - wip_commits[k])) if todo else 0
        for pl in todo[:take]:
            plant_into(c, b, pl, rng.random() < 0.5)
            pl["note"] = "only on %s (never merged)" % b.name
        del todo[:take]
        churn(c, b, rng.randint(0 if c.ops else 1, 2))
        c.finish("%s: experiment %d" % (b.name.split("/")[1], wip_commits[k]))
        wip_commits[k] += 1
        continue
    if step in merge_steps:
        cands = [f for f in features if f.pending]
        if cands:
            f = max(cands, key=lambda f: f.pending)
            do_merge(f, [d_queue.pop(0)] if merge_count[0] in d_merge_idx and d_queue else [])
            continue
    if step in sync_steps:
        f = pick(features)
        c = Commit(f)
        apply_diff(c, f, main.tree, f.base)
        c.finish("Merge branch 'main' into %s" % f.name, merge=main.tip)
        f.base = dict(main.tree)
        f.pending += 1
        continue
    due = wi < len(main_work) and main_work[wi][0] <= step
    if step == big_step or due or rng.random() < 0.55:
        c = Commit(main)
        msg = None
        if step == big_step:
            big_blob(c)
            msg = "Add large test fixture"
        while wi < len(main_work) and main_work[wi][0] <= step:
            s, _, kind, pl = main_work[wi]
            if kind != "plant" and (pl.get("c") is None or pl["c"] is c):
                break  # not planted in an earlier commit: wait for the next one
            wi += 1
            if kind == "plant":
                plant_into(c, main, pl, rng.random() < 0.5, ("features/",))
            else:
                later_work(c, kind, pl)
        churn(c, main, rng.randint(0 if c.ops else 1, 3), ("features/",))
        if not c.ops:
            churn(c, main, 1, ("features/",))
        c.finish(msg or rng.choice(["Update", "Fix", "Refresh", "Rework", "Tidy", "Sync"]) + " " + (
            sorted(c.ops)[0] if c.ops else "tree"))
        if tag_steps and step >= tag_steps[0][0]:
            name, email, tz = AUTHORS[0]
            tagname = tag_steps.pop(0)[1]
            msgb = ("Release %s\n" % tagname).encode()
            out.write(b"tag %s\nfrom :%d\ntagger %s <%s> %d %s\ndata %d\n" % (
                tagname.encode(), main.tip, name.encode(), email.encode(), clock[0], tz.encode(),
                len(msgb)) + msgb + b"\n")
    else:
        feature_commit(pick(features))

# Final merges: every feature with unmerged commits; merge-resolution plants left over go into these.
for f in features:
    if f.pending:
        do_merge(f, [d_queue.pop(0)] if d_queue else [])
while d_queue:
    f = features[len(d_queue) % len(features)]
    feature_commit(f)
    do_merge(f, [d_queue.pop(0)])
assert not any(wip_plants), "wip plants left over"
left = [pl for k in "abe" for pl in plants[k] if pl.get("c") is None or (k in "be" and pl.get("later") is None)]
assert not left, "main-line plants left over: %d" % len(left)

out.write(b"done\n")
out.close()
if fi.wait() != 0:
    sys.exit("history-repo.sh: git fast-import failed")
t1 = time.time()
print("history-repo.sh: fast-import of %d commits (%d merges into main) done in %.1f s" % (
    len(commits), merge_count[0], t1 - t0))

# ---------------------------------------------------------------------------------------------------------------
# Marks -> commit ids; check every plant with git; manifest.

sha = {}
with open(marks_file) as fh:
    for l in fh:
        m, h = l.split()
        sha[int(m[1:])] = h
os.remove(marks_file)
# fast-import's pack deltifies each blob only against the previous version of its path; repack it the way
# git gc (or a clone) would, so that object reads cost what they cost in a real repository.
t2 = time.time()
git("repack", "-q", "-a", "-d", "-f", "--depth=50", "--window=10")
git("reset", "-q", "--hard")
print("history-repo.sh: repacked (git repack -a -d -f) in %.1f s" % (time.time() - t2))


class Batch:
    def __init__(self):
        self.p = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)

    def get(self, spec):
        self.p.stdin.write(spec.encode() + b"\n")
        self.p.stdin.flush()
        head = self.p.stdout.readline().split()
        if len(head) < 3 or head[1] != b"blob":
            return None
        data = self.p.stdout.read(int(head[2]))
        self.p.stdout.read(1)
        return data


bat = Batch()
_trees = {}


def blobs_of(commit):
    if commit not in _trees:
        _trees[commit] = set(l.split()[2] for l in git("ls-tree", "-r", commit).decode().splitlines())
    return _trees[commit]


def is_ancestor(a, b):
    return subprocess.run(["git", "-C", repo, "merge-base", "--is-ancestor", a, b]).returncode == 0


problems = []
rows = []
for k in cats:
    for pl in plants[k]:
        cid, path, text = sha[pl["c"].mark], pl["path"], pl["text"].encode()
        where = "%s %s %s:%s" % (k, pl["rule"], cid[:12], path)
        data = bat.get(cid + ":" + path)
        if data is None or text not in data:
            problems.append(where + ": the secret is not in its commit")
            continue
        if text.split(b"\n")[0] not in data.split(b"\n")[pl["line"] - 1]:
            problems.append(where + ": not at line %d" % pl["line"])
        blob_id = git("rev-parse", cid + ":" + path).decode().strip()
        parents = git("rev-parse", cid + "^@").decode().split()
        for par in parents:
            if blob_id in blobs_of(par):
                problems.append(where + ": parent %s already has the blob" % par[:12])
            d = bat.get(par + ":" + path)
            if d is not None and text in d:
                problems.append(where + ": parent %s already has the secret at that path" % par[:12])
        tip = bat.get("main:" + path)
        if k == "a" and (tip is None or text not in tip):
            problems.append(where + ": not in main's tip")
        if k == "b" and tip is not None and text in tip:
            problems.append(where + ": still in main's tip")
        if k == "c":
            if any(is_ancestor(cid, ref) for ref in ["main"] + FEATURES):
                problems.append(where + ": reachable from main or a feature branch")
            t = bat.get(pl["branch"] + ":" + path)
            if t is None or text not in t:
                problems.append(where + ": not in the tip of " + pl["branch"])
        if k == "d" and len(parents) != 2:
            problems.append(where + ": not a merge commit")
        if k == "e":
            t = bat.get("main:" + pl["new_path"])
            if (tip is not None and text in tip) or t is None or text not in t:
                problems.append(where + ": not renamed to %s in main's tip" % pl["new_path"])
        note = pl["note"]
        if pl.get("later") is not None:
            note += " in " + sha[pl["later"].mark]
        for rid, secret in pl["pairs"]:
            line = pl["line"] + pl["text"][:pl["text"].index(secret)].count("\n")
            rows.append((k, rid, cid, path, line, secret, note))
bat.p.stdin.close()
bat.p.wait()
if problems:
    print("history-repo.sh: %d planted secrets are not what they should be:" % len(problems), file=sys.stderr)
    for p in problems:
        print("  " + p, file=sys.stderr)
    sys.exit(1)


with open(manifest + ".tmp", "w", encoding="utf-8") as fh:
    fh.write("category\trule_id\tcommit\tpath\tline\tsecret\tnote\n")
    for r in rows:
        fh.write("%s\t%s\t%s\t%s\t%d\t%s\t%s\n" % (r[0], r[1], r[2], r[3], r[4], esc(r[5]), r[6]))
os.rename(manifest + ".tmp", manifest)
with open(params_file, "w") as fh:
    fh.write(params)
print("history-repo.sh: checked all %d plants with git; built in %.1f s" % (
    sum(len(v) for v in plants.values()), time.time() - t0))
print_counts()
PYEOF
