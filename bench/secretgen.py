"""bench/secretgen.py: what bench/corpus.sh and bench/history-repo.sh share.

Both scripts run an embedded Python program that does `sys.path.insert(0, BENCH_DIR)` and imports this module:

  - random tokens in the formats of hush's built-in rules (GENERATORS, and aws_pair for a key id with its
    secret key), drawn from the module-level generator `rng`, which the caller sets (secretgen.rng = ...)
    before generating anything and replaces whenever it wants a fresh, reproducible stream;
  - RuleSet: the rules of rules/*.yml, with the checks that a planted secret must pass (no placeholder word,
    min_entropy, stopwords, and the rule's own pattern run through Python's re must find exactly that secret);
  - what both say about text files (COMPRESSED_EXT, COMPRESSED_MAGIC), and the manifest's escaping (esc) and
    sizes (human).

It changes nothing of what either script generated before it was split out: the helpers draw from `rng` in the
same order, so the same seed gives the same tokens, corpus and commits. For the same reason each script keeps its
own retry loop: corpus.sh draws a template after RuleSet.plausible, history-repo.sh before it.
"""
import base64
import glob
import json
import math
import os
import re
import sys

import yaml

rng = None  # the generator every token helper draws from; set by the caller

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


def aws_pair():
    """An access key id with its secret key on the next line: -> (text, [(rule_id, secret), ...]), two secrets."""
    kid = rng.choice(["AKIA", "ASIA"]) + rs(B32, 16)
    sk = rs(B64, 40)
    text = "[profile-%s]\naws_access_key_id = %s\naws_secret_access_key = %s" % (rs(LOWER, 6), kid, sk)
    return text, [("aws-access-key-id", kid), ("aws-secret-access-key", sk)]


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


def token(gen):
    """Call a GENERATORS token generator: -> (token, secret)."""
    tok = gen()
    return tok if isinstance(tok, tuple) else (tok, tok)


# The placeholder filter of scanner/filter.c: a secret containing one of these is dropped by design, so a random
# token that happens to contain one would not be a fair recall test.
PLACEHOLDERS = ["xxxx", "****", "....", "changeme", "change_me", "change-me", "example", "placeholder", "your_",
                "your-", "yourtoken", "yourkey", "yoursecret", "yourpassword", "dummy", "redacted", "insert",
                "replace"]


def entropy(s):
    b = s.encode()
    n = len(b)
    return -sum(c / n * math.log2(c / n) for c in (b.count(bytes([i])) for i in set(b)))


def py_regex(pattern):
    # PCRE2 -> Python re: named groups and the end-of-subject anchor differ; the rest used here is common.
    return re.compile(pattern.replace("(?<secret>", "(?P<secret>").replace("\\z", "\\Z"))


def rule_secret(m):
    if "secret" in m.re.groupindex:
        return m.group("secret")
    return m.group(1) if m.re.groups else m.group(0)


class RuleSet:
    """The rules of rules_dir/*.yml; the patterns of rule_ids are compiled (sys.exit naming prog if one is missing)."""

    def __init__(self, rules_dir, rule_ids, prog):
        self.rules = {}
        for path in sorted(glob.glob(os.path.join(rules_dir, "*.yml"))):
            with open(path, encoding="utf-8") as fh:
                for r in yaml.safe_load(fh)["rules"]:
                    self.rules[r["id"]] = r
        self.compiled = {}
        for rid in rule_ids:
            if rid not in self.rules:
                sys.exit("%s: rule %s is not in %s" % (prog, rid, rules_dir))
            self.compiled[rid] = py_regex(self.rules[rid]["pattern"])

    def plausible(self, rid, secret):
        """No placeholder word, not one repeated character, the rule's min_entropy, none of its stopwords."""
        low = secret.lower()
        rule = self.rules[rid]
        if any(p in low for p in PLACEHOLDERS) or len(set(secret)) == 1:
            return False
        if entropy(secret) < float(rule.get("min_entropy") or 0):
            return False
        return not any(s.lower() in low for s in rule.get("stopwords") or [])

    def matches(self, rid, secret, text):
        """The rule's own pattern (run by Python's re) finds exactly this secret in text."""
        return any(rule_secret(m) == secret for m in self.compiled[rid].finditer(text))


# Text files: what both scripts skip as compressed, by extension and by magic number.
COMPRESSED_EXT = (".gz", ".tgz", ".bz2", ".tbz", ".xz", ".txz", ".lz", ".lzma", ".lz4", ".zst", ".z", ".zip",
                  ".jar", ".whl", ".7z", ".br", ".apk", ".deb", ".rpm", ".cab")
COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"PK\x03\x04", b"\x04\x22\x4d\x18",
                    b"7z\xbc\xaf\x27\x1c", b"\x5d\x00\x00")


def line_offset(data, k):
    """Byte offset of the start of line k+1 of data (k == number of newlines: the end)."""
    off = 0
    for _ in range(k):
        off = data.index(b"\n", off) + 1
    return off


def esc(s):
    """A secret as a manifest field: backslash, tab, newline and carriage return escaped."""
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def unesc(s):
    """The inverse of esc: a manifest field as the secret (bench/scan.sh and bench/history.sh read manifests)."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def human(b):
    return "%.1f MiB (%d bytes)" % (b / 1048576, b)
