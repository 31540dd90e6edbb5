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

exec python3 - "$corpus" "$here/../rules" <<'PYEOF'
import base64
import glob
import json
import math
import os
import random
import re
import secrets
import shutil
import sys
import time

import yaml

corpus, rules_dir = sys.argv[1], os.path.normpath(sys.argv[2])
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
COMPRESSED_EXT = (".gz", ".tgz", ".bz2", ".tbz", ".xz", ".txz", ".lz", ".lzma", ".lz4", ".zst", ".z", ".zip",
                  ".jar", ".whl", ".7z", ".br", ".apk", ".deb", ".rpm", ".cab")
COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"PK\x03\x04", b"\x04\x22\x4d\x18",
                    b"7z\xbc\xaf\x27\x1c", b"\x5d\x00\x00")


def tree_stats():
    n = size = 0
    for dp, _, fn in os.walk(tree):
        for f in fn:
            n += 1
            size += os.lstat(os.path.join(dp, f)).st_size
    return n, size


def human(b):
    return "%.1f MiB (%d bytes)" % (b / 1048576, b)


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
    rng = secrets.SystemRandom()
else:
    rng = random.Random(seed)

# ---------------------------------------------------------------------------------------------------------------
# 1. Copy text files.

def source_files():
    for root in SOURCES:
        for dp, dn, fn in os.walk(root):
            dn[:] = sorted(d for d in dn if os.path.join(dp, d) not in EXCLUDE)
            for f in sorted(fn):
                p = os.path.join(dp, f)
                if f.lower().endswith(COMPRESSED_EXT):
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
    return not data.startswith(COMPRESSED_MAGIC)


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
# 2. Generate secrets in the formats of the built-in rules.

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
DIGITS = "0123456789"
ALPHA = UPPER + LOWER
ALNUM = ALPHA + DIGITS
URLSAFE = ALNUM + "_-"
HEX = "0123456789abcdef"
B32 = UPPER + "234567"
B64 = ALNUM + "+/"


def rs(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def digits(n):
    return rng.choice("123456789") + rs(DIGITS, n - 1)


def b64url(obj):
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()


def pem(kind, first, nlines, width=64):
    # A random base64 body of about the size of a real key (nlines full lines plus a partial one, padded).
    body = first + rs(B64, width * nlines - len(first) + rng.randint(8, width - 8))
    body += "=" * ((4 - len(body) % 4) % 4)
    return "-----BEGIN %s-----\n%s\n-----END %s-----" % (
        kind, "\n".join(body[i:i + width] for i in range(0, len(body), width)), kind)


def jwt():
    header = b64url({"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"})
    payload = b64url({"sub": digits(10), "name": rs(LOWER, 8), "iat": 1700000000 + rng.randint(0, 10 ** 7)})
    return "%s.%s.%s" % (header, payload, rs(URLSAFE, 43))


def host():
    return rng.choice(["db", "pg", "primary", "replica", "store"]) + "-" + rs(LOWER + DIGITS, 5) + ".internal"


# Every entry: rule id -> (token generator, templates). A template's {t} is the token, and the rule's secret
# is the token unless the generator returns (token, secret) (URIs, where only the password is the secret).
GENERATORS = {
    "github-classic-pat": (lambda: "ghp_" + rs(ALNUM, 36),
                           ['config_token = "{t}"', "export GITHUB_TOKEN={t}"]),
    "github-fine-grained-pat": (lambda: "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59),
                                ['GH_TOKEN="{t}"', 'config_token = "{t}"']),
    "github-oauth-token": (lambda: "gho_" + rs(ALNUM, 36), ['config_token = "{t}"']),
    "aws-access-key-id": (lambda: rng.choice(["AKIA", "ASIA"]) + rs(B32, 16),
                          ["aws_access_key_id = {t}", 'config_token = "{t}"']),
    "aws-secret-access-key": (lambda: rs(B64, 40),
                              ["aws_secret_access_key = {t}", 'AWS_SECRET_ACCESS_KEY="{t}"']),
    "slack-bot-token": (lambda: "xoxb-%s-%s-%s" % (digits(12), digits(13), rs(ALNUM, 24)),
                        ['config_token = "{t}"', "SLACK_BOT_TOKEN={t}"]),
    "slack-user-token": (lambda: "xoxp-%s-%s-%s-%s" % (digits(12), digits(12), digits(13), rs(HEX, 32)),
                         ['config_token = "{t}"']),
    "slack-webhook-url": (lambda: "https://hooks.slack.com/services/T%s/B%s/%s" % (
        rs(UPPER + DIGITS, 10), rs(UPPER + DIGITS, 10), rs(ALNUM, 24)), ['webhook_url = "{t}"']),
    "stripe-secret-key": (lambda: "sk_live_" + rs(ALNUM, rng.choice([24, 99])),
                          ['config_token = "{t}"', "STRIPE_SECRET_KEY={t}"]),
    "stripe-restricted-key": (lambda: "rk_live_" + rs(ALNUM, 99), ['config_token = "{t}"']),
    "gitlab-pat": (lambda: "glpat-" + rs(URLSAFE, 20), ['config_token = "{t}"', "GITLAB_TOKEN={t}"]),
    "gitlab-pipeline-trigger-token": (lambda: "glptt-" + rs(HEX, 40), ['config_token = "{t}"']),
    "npm-access-token": (lambda: "npm_" + rs(ALNUM, 36), ['config_token = "{t}"', "NPM_TOKEN={t}"]),
    "sendgrid-api-key": (lambda: "SG.%s.%s" % (rs(URLSAFE, 22), rs(URLSAFE, 43)),
                         ['config_token = "{t}"', "SENDGRID_API_KEY={t}"]),
    "openai-api-key": (lambda: "sk-%sT3BlbkFJ%s" % (rs(ALNUM, 20), rs(ALNUM, 20)), ['config_token = "{t}"']),
    "openai-project-key": (lambda: "sk-proj-%sT3BlbkFJ%s" % (rs(URLSAFE, 74), rs(URLSAFE, 74)),
                           ['config_token = "{t}"', "OPENAI_API_KEY={t}"]),
    "anthropic-api-key": (lambda: "sk-ant-api03-%sAA" % rs(URLSAFE, 93),
                          ['config_token = "{t}"', "ANTHROPIC_API_KEY={t}"]),
    "gcp-api-key": (lambda: "AIza" + rs(URLSAFE, 35), ['config_token = "{t}"', 'apiKey: "{t}",']),
    "huggingface-token": (lambda: "hf_" + rs(ALPHA, 34), ['config_token = "{t}"', "HF_TOKEN={t}"]),
    "digitalocean-personal-access-token": (lambda: "dop_v1_" + rs(HEX, 64), ['config_token = "{t}"']),
    "shopify-access-token": (lambda: "shpat_" + rs(HEX, 32), ['config_token = "{t}"']),
    "dockerhub-pat": (lambda: "dckr_pat_" + rs(URLSAFE, 27), ['config_token = "{t}"']),
    "twilio-api-key": (lambda: "SK" + rs(HEX, 32), ["TWILIO_API_KEY={t}"]),
    "telegram-bot-token": (lambda: "%s:AA%s" % (digits(10), rs(URLSAFE, 33)), ['config_token = "{t}"']),
    "square-access-token": (lambda: "EAAA" + rs(URLSAFE, 60), ['config_token = "{t}"']),
    "heroku-api-key": (lambda: "HRKU-" + rs(URLSAFE, 60), ['config_token = "{t}"']),
    "pypi-upload-token": (lambda: "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, rng.randint(100, 180)),
                          ['config_token = "{t}"', "TWINE_PASSWORD={t}"]),
    "discord-webhook-url": (lambda: "https://discord.com/api/webhooks/%s/%s" % (digits(19), rs(URLSAFE, 68)),
                            ['webhook_url = "{t}"']),
    "mailgun-api-key": (lambda: "key-" + rs(LOWER + DIGITS, 31) + rng.choice(DIGITS), ['config_token = "{t}"']),
    "jwt": (jwt, ['config_token = "{t}"', "Authorization: Bearer {t}"]),
    "uri-postgres": (lambda: (lambda pw: ("postgres://%s:%s@%s:5432/%s" % (rs(LOWER, 6), pw, host(), rs(LOWER, 7)),
                                          pw))(rs(ALNUM, 16)),
                     ["DATABASE_URL={t}", 'config_token = "{t}"']),
    "uri-mongodb": (lambda: (lambda pw: ("mongodb+srv://%s:%s@cluster0.%s.mongodb.net/%s" % (
        rs(LOWER, 6), pw, rs(LOWER + DIGITS, 5), rs(LOWER, 6)), pw))(rs(ALNUM, 18)), ["MONGO_URL={t}"]),
    "azure-storage-connection-string": (lambda: (lambda k: (
        "DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net" % (
            rs(LOWER + DIGITS, 10), k), k))(rs(B64, 86) + "=="), ['AZURE_STORAGE_CONNECTION_STRING="{t}"']),
    # Sizes as in real keys: RSA 2048 PKCS#1 and PKCS#8 (25-26 lines), EC P-256 (2 lines), OpenSSH ed25519 (6
    # lines of 70 characters) or RSA 3072 (38 lines).
    "private-key-rsa": (lambda: pem("RSA PRIVATE KEY", "MIIEpAIBAAKCAQEA", 24), ["{t}"]),
    "private-key-ec": (lambda: pem("EC PRIVATE KEY", "MHcCAQEEI", 2), ["{t}"]),
    "private-key-openssh": (lambda: pem("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAA", rng.choice([6, 37]), 70),
                            ["{t}"]),
    "private-key-pkcs8": (lambda: pem("PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 25), ["{t}"]),
}

# The placeholder filter of scanner/filter.c: a secret containing one of these is dropped by design, so a random
# token that happens to contain one would not be a fair recall test.
PLACEHOLDERS = ["xxxx", "****", "....", "changeme", "change_me", "change-me", "example", "placeholder", "your_",
                "your-", "yourtoken", "yourkey", "yoursecret", "yourpassword", "dummy", "redacted", "insert",
                "replace"]


def entropy(s):
    b = s.encode()
    n = len(b)
    return -sum(c / n * math.log2(c / n) for c in (b.count(bytes([i])) for i in set(b)))


rules = {}
for path in sorted(glob.glob(os.path.join(rules_dir, "*.yml"))):
    with open(path, encoding="utf-8") as fh:
        for r in yaml.safe_load(fh)["rules"]:
            rules[r["id"]] = r


def py_regex(pattern):
    # PCRE2 -> Python re: named groups and the end-of-subject anchor differ; the rest used here is common.
    return re.compile(pattern.replace("(?<secret>", "(?P<secret>").replace("\\z", "\\Z"))


def rule_secret(m):
    if "secret" in m.re.groupindex:
        return m.group("secret")
    return m.group(1) if m.re.groups else m.group(0)


compiled = {}
for rid in GENERATORS:
    if rid not in rules:
        sys.exit("corpus.sh: rule %s is not in %s" % (rid, rules_dir))
    compiled[rid] = py_regex(rules[rid]["pattern"])


def make_secret(rid):
    gen, templates = GENERATORS[rid]
    rule = rules[rid]
    for _ in range(1000):
        tok = gen()
        tok, secret = tok if isinstance(tok, tuple) else (tok, tok)
        low = secret.lower()
        if any(p in low for p in PLACEHOLDERS) or len(set(secret)) == 1:
            continue
        if entropy(secret) < float(rule.get("min_entropy") or 0):
            continue
        if any(s.lower() in low for s in rule.get("stopwords") or []):
            continue
        text = rng.choice(templates).format(t=tok)
        # The rule's own pattern (run by Python's re) must find exactly this secret in the planted text.
        if any(rule_secret(m) == secret for m in compiled[rid].finditer(text)):
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
rule_ids = sorted(GENERATORS)
order = [rule_ids[i % len(rule_ids)] for i in range(nsecrets)]
rng.shuffle(order)
targets = rng.sample(candidates, nsecrets)

rows = []
for i, (rid, rel) in enumerate(zip(order, targets)):
    if seed != "random":
        # One generator per secret, so that a source file that changes (a package upgrade) moves only the secret
        # planted in it and not every secret planted after it.
        rng = random.Random("%s/%d" % (seed, i))
    text, secret = make_secret(rid)
    path = os.path.join(tree, rel)
    with open(path, "rb") as fh:
        data = fh.read()
    k = rng.randint(0, data.count(b"\n"))  # insert before line k+1 (k == number of newlines: at the end)
    off = 0
    for _ in range(k):
        off = data.index(b"\n", off) + 1
    with open(path, "wb") as fh:  # off is a line start, so the new text starts a line of its own
        fh.write(data[:off] + text.encode() + b"\n" + data[off:])
    line = k + 1 + text[:text.index(secret)].count("\n")
    rows.append((rid, rel, line, secret))


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


rows.sort(key=lambda r: (r[1], r[2]))
with open(manifest + ".tmp", "w", encoding="utf-8") as fh:
    fh.write("rule_id\tpath\tline\tsecret\n")
    for rid, rel, line, secret in rows:
        fh.write("%s\t%s\t%d\t%s\n" % (rid, rel, line, esc(secret)))
os.rename(manifest + ".tmp", manifest)

n, size = tree_stats()
print("corpus.sh: planted %d secrets of %d rules; manifest: %s" % (len(rows), len(set(order)),
                                                                   os.path.relpath(manifest)))
print("corpus: %s in %d files (built in %.1f s)" % (human(size), n, time.time() - t0))
PYEOF
