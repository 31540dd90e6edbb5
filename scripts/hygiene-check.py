#!/usr/bin/env python3
"""hygiene-check.py [--all] DIR: look for the CLI tests' fixture secrets wherever hush could have leaked them.

DIR is what a run of the CLI tests under HUSH_HYGIENE_DIR=DIR left (scripts/hygiene.sh):
  DIR/secrets/TEST     the secrets the test script made (tests/cli/lib.sh: rand_alnum, rand_chars and the gen_*
                       helpers built on them), one a line, 8 bytes or more
  DIR/inv/*/           one folder per hush process (tests/tools/hygiene-hush.c): argv, test, stdout, stderr,
                       report, audit, status
  DIR/leftovers/TEST   temp files of hush writes (.ENV.json.XXXXXX, ENV.key.new) still in the test's folder at its end
  DIR/tmp/             the TMPDIR of the run: whatever is left there once every test removed its folder

A finding is a fixture secret of the test, whole, in:
  - hush's stdout, unless the invocation asked for plaintext: `vault get`, `vault export`, `--show-secrets`,
    `run --no-redact`, or `redact` (its stdout is its stdin with the values it was given masked: anything else
    passes through by design);
  - hush's stderr, always (no command may print a value in a message);
  - the report file (-o/--report), unless `--show-secrets`;
  - the lines hush added to the audit log, always;
  - anything left in TMPDIR (every test's secrets are looked for there).
Also findings: a temp file of a hush write left behind, anything left in TMPDIR at all, and a hush process that
dumped core. The report names the test, the invocation (its arguments with every secret replaced by
<secret>) and where; never a secret. Exit status: 0 clean, 1 findings, 2 usage or an empty DIR.
--all checks the streams that asked for plaintext too: what it adds is what the exemptions above cover.
"""
import os
import sys

args = sys.argv[1:]
check_all = "--all" in args   # also the streams that asked for plaintext: shows what the exemptions cover
args = [a for a in args if a != "--all"]
if len(args) != 1:
    sys.exit("usage: hygiene-check.py [--all] DIR")
root = args[0]
inv_root = os.path.join(root, "inv")
if not os.path.isdir(inv_root):
    print("hygiene-check: no invocations recorded in %s" % root, file=sys.stderr)
    sys.exit(2)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


secrets = {}
sdir = os.path.join(root, "secrets")
for test in sorted(os.listdir(sdir)) if os.path.isdir(sdir) else []:
    vals = set(l for l in read(os.path.join(sdir, test)).split(b"\n") if len(l) >= 8)
    secrets[test] = sorted(vals)
every = sorted(set(v for vs in secrets.values() for v in vs))

findings = []
counts = {"invocations": 0, "bytes": 0, "exempt": 0, "uncopied": 0}


def mask(text, vals):
    for v in vals:
        text = text.replace(v, b"<secret>")
    return text


def where(vals, data):
    """the indexes (1-based, in the test's list) of the secrets that appear whole in data"""
    return [i + 1 for i, v in enumerate(vals) if v in data]


def plaintext_stdout(argv):
    a = [x.decode(errors="replace") for x in argv]
    if "--show-secrets" in a:
        return "--show-secrets"
    if a[:2] in (["vault", "get"], ["vault", "export"]):
        return "vault " + a[1]
    if a[:1] == ["run"] and "--no-redact" in a[: a.index("--") if "--" in a else len(a)]:
        return "run --no-redact"
    if a[:1] == ["redact"]:
        return "redact"
    return None


for name in sorted(os.listdir(inv_root)):
    d = os.path.join(inv_root, name)
    counts["invocations"] += 1
    test = (read(os.path.join(d, "test")) or b"?").decode()
    argv = [x for x in (read(os.path.join(d, "argv")) or b"").split(b"\0")][:-1]
    vals = secrets.get(test, [])
    shown = mask(b" ".join(argv), every).decode(errors="replace")
    if len(shown) > 160:
        shown = shown[:157] + "..."
    status = (read(os.path.join(d, "status")) or b"").decode().strip()
    if status.endswith(" core"):
        findings.append("%s: `hush %s` dumped core (%s)" % (test, shown, status))
    exempt_stdout = None if check_all else plaintext_stdout(argv)
    for what in ("stdout", "stderr", "report", "audit"):
        data = read(os.path.join(d, what))
        if data is None:
            if what in ("stdout", "stderr") and os.path.exists(os.path.join(d, "tty%d" % (1 if what == "stdout" else 2))):
                counts["uncopied"] += 1
            continue
        counts["bytes"] += len(data)
        if what == "stdout" and exempt_stdout:
            counts["exempt"] += 1
            continue
        if what == "report" and b"--show-secrets" in argv and not check_all:
            counts["exempt"] += 1
            continue
        hit = where(vals, data)
        if hit:
            findings.append("%s: `hush %s`: its %s holds %d fixture secret%s (number%s %s of the test's list)"
                            % (test, shown, what, len(hit), "" if len(hit) == 1 else "s", "" if len(hit) == 1 else "s",
                               ", ".join(map(str, hit[:10]))))

ldir = os.path.join(root, "leftovers")
for test in sorted(os.listdir(ldir)) if os.path.isdir(ldir) else []:
    for line in (read(os.path.join(ldir, test)) or b"").decode(errors="replace").splitlines():
        if line.strip():
            findings.append("%s: a temp file of a hush write was left behind: %s" % (test, line.strip()))

tdir = os.path.join(root, "tmp")
for dirpath, dirnames, filenames in os.walk(tdir) if os.path.isdir(tdir) else []:
    for f in filenames + [x for x in dirnames if not os.listdir(os.path.join(dirpath, x))]:
        p = os.path.join(dirpath, f)
        rel = os.path.relpath(p, tdir)
        data = read(p) if os.path.isfile(p) and not os.path.islink(p) else b""
        hit = where(every, data or b"")
        findings.append("TMPDIR: %s was left behind%s" % (rel, " and holds %d fixture secrets" % len(hit) if hit else ""))

print("hygiene-check: %d test scripts with %d fixture secrets; %d hush processes; %d bytes of output, reports "
      "and audit lines read; %d streams that asked for plaintext not checked; %d streams on a terminal not copied"
      % (len(secrets), len(every), counts["invocations"], counts["bytes"], counts["exempt"], counts["uncopied"]))
if findings:
    for f in findings:
        print("  " + f)
    print("hygiene-check: %d finding%s" % (len(findings), "" if len(findings) == 1 else "s"), file=sys.stderr)
    sys.exit(1)
print("hygiene-check: clean")
