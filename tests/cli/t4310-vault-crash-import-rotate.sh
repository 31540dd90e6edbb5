#!/bin/sh
# t4310-vault-crash-import-rotate: the whole-environment writes killed with SIGKILL at random points, and ten
# concurrent writers on one file.
# - `vault rotate-key` (300 values): after every kill the vault decrypts, whole and unchanged, with a key on disk: the
#   key file, or (when the kill landed after the new key was installed and before the vault was written) the
#   retired file that docs/vault.md tells the user to move back, which the test then does.
# - `vault import` of a 500-line dotenv file (each round with new values): after every kill the vault is exactly
#   the old version or holds every imported value, and everything decrypts.
# - Temp files of killed writes (.ENV.json.XXXXXX, ENV.key.new) are gone after a later successful write.
# - Ten `vault set` processes started together on one file, five times: every value lands.
# Kill delays are drawn from [0, 1.2 x the duration of an uninterrupted run], half of them from its last 40 %
# (where rotate-key writes its files). HUSH_CRASH_ROUNDS changes the number of kills of each command (default 30).
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_CRASH HUSH_NOW
ROUNDS=${HUSH_CRASH_ROUNDS:-30}
KEYS="$HOME/.config/hush/keys"

test_expect_success "setup: a vault holding 300 values" '
	"$HUSH" vault init crash --dir v >/dev/null &&
	python3 -c "
import random, string
r = random.Random()
for i in range(300):
    print(\"BASE_%03d=%s\" % (i, \"\".join(r.choice(string.ascii_letters) for _ in range(40))))
" >base.env &&
	"$HUSH" vault import crash base.env --dir v >/dev/null &&
	"$HUSH" vault export crash --dir v | sed "s/\"//g" | sort >got && sort base.env >want && test_cmp want got
'

# the checker shared by both kill loops (a Python module in $TRASH)
cat >crashlib.py <<\EOF
import json, os, random, signal, subprocess, sys, time

hush, vdir, env, keys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
path = os.path.join(vdir, env + ".json")
key_path = os.path.join(keys, env + ".key")
rng = random.Random(os.getpid())

def fail(msg):
    sys.exit(msg)

def vault_temps():
    return sorted(f for f in os.listdir(vdir) if f.startswith("." + env + ".json."))

def key_temps():
    return sorted(f for f in os.listdir(keys) if f == env + ".key.new")

def key_id_of(p):
    return json.load(open(p))["key_id"]

def export(secret_key=None):
    """every value of the vault, decrypted (with secret_key in HUSH_PRIVATE_KEY_<ENV> when given)"""
    e = dict(os.environ)
    e.pop("HUSH_PRIVATE_KEY_" + env.upper(), None)
    if secret_key:
        e["HUSH_PRIVATE_KEY_" + env.upper()] = secret_key
    p = subprocess.run([hush, "vault", "export", env, "--dir", vdir, "--format", "json"], capture_output=True, env=e)
    if p.returncode != 0:
        fail("export failed (exit %d): %s" % (p.returncode, p.stderr.decode()[:300]))
    return json.loads(p.stdout)

def kill_at_random(argv, calibrated):
    """start argv, SIGKILL it after a random delay; returns its exit status (-9 when the kill landed)"""
    if rng.random() < 0.5:
        delay = rng.uniform(0, 1.2 * calibrated)
    else:
        delay = rng.uniform(0.6 * calibrated, 1.2 * calibrated)
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    try:
        p.send_signal(signal.SIGKILL)
    except ProcessLookupError:
        pass
    return p.wait()

def timed(argv):
    t = time.monotonic()
    p = subprocess.run(argv, capture_output=True)
    if p.returncode != 0:
        fail("%s failed: %s" % (argv[2], p.stderr.decode()[:300]))
    return time.monotonic() - t
EOF

test_expect_success "$ROUNDS kills of vault rotate-key: every value decrypts with the key file or the retired key" '
	python3 - "$HUSH_DIRECT" v crash "$KEYS" "$ROUNDS" >report.rotate 2>&1 <<-\EOF
	import glob, sys
	rounds = int(sys.argv[5])
	sys.path.insert(0, ".")
	from crashlib import *
	want = export()
	calibrated = max(timed([hush, "vault", "rotate-key", env, "--dir", vdir]) for _ in range(3))
	if export() != want:
	    fail("an uninterrupted rotation changed the values")
	states = {"old-key": 0, "new-key": 0, "retired-key": 0}
	killed = completed = 0
	for i in range(rounds):
	    old_id = json.load(open(path))["key_id"]
	    rc = kill_at_random([hush, "vault", "rotate-key", env, "--dir", vdir], calibrated)
	    if rc == -9:
	        killed += 1
	    elif rc == 0:
	        completed += 1
	    else:
	        fail("round %d: rotate-key exited %d" % (i, rc))
	    vid = json.load(open(path))["key_id"]   # a torn file fails here
	    if key_id_of(key_path) == vid:
	        # the key file opens the vault: with the old key (the vault not written yet) or the new one (done)
	        states["old-key" if vid == old_id else "new-key"] += 1
	        if rc == 0 and vid == old_id:
	            fail("round %d: rotate-key succeeded but the vault still needs the old key" % i)
	        if export() != want:
	            fail("round %d: the values changed" % i)
	        continue
	    if rc == 0 or vid != old_id:
	        fail("round %d: the key file does not open the vault (exit %d)" % (i, rc))
	    # killed after the new key was installed, before the vault was written: the retired file has the key
	    retired = key_path + ".retired-" + vid
	    if not os.path.exists(retired):
	        fail("round %d: no key on disk opens the vault (it needs %s; files: %s)"
	             % (i, vid, sorted(os.listdir(keys))))
	    if export(json.load(open(retired))["secret_key"]) != want:
	        fail("round %d: the values changed" % i)
	    states["retired-key"] += 1
	    os.rename(retired, key_path)   # what docs/vault.md says to do
	    if export() != want:
	        fail("round %d: after moving the retired key back, the values do not decrypt" % i)
	print("rotate-key: %d values, uninterrupted %.2f s; rounds %d killed %d completed %d; after the kill the "
	      "vault needed: the old key (key file) %d, the new key (key file) %d, the retired key %d; temp files "
	      "left: vault %d, key %d" % (len(want), calibrated, rounds, killed, completed, states["old-key"],
	                                  states["new-key"], states["retired-key"], len(vault_temps()),
	                                  len(key_temps())))
	EOF
	rc=$?; cat report.rotate; test $rc -eq 0 &&
	grep -q "rounds $ROUNDS killed" report.rotate
'

test_expect_success "$ROUNDS kills of vault import: the vault is the old version or holds every new value" '
	python3 - "$HUSH_DIRECT" v crash "$KEYS" "$ROUNDS" >report.import 2>&1 <<-\EOF
	import sys
	rounds = int(sys.argv[5])
	sys.path.insert(0, ".")
	from crashlib import *
	names = ["IMP_%04d" % i for i in range(500)]
	def write_env(tag):
	    vals = {n: "%s-%s-%d" % (tag, n, rng.getrandbits(48)) for n in names}
	    with open("big.env", "w") as f:
	        for n in names:
	            f.write("%s=%s\n" % (n, vals[n]))
	    return vals
	base = export()
	current = dict(base)
	calibrated = 0
	for k in range(3):   # the first adds the names, the next ones update them (as every round does)
	    vals = write_env("calibrate%d" % k)
	    t = timed([hush, "vault", "import", env, "big.env", "--dir", vdir])
	    calibrated = max(calibrated, t) if k else 0
	    current.update(vals)
	killed = completed = old_kept = new_written = 0
	for i in range(rounds):
	    before = open(path, "rb").read()
	    vals = write_env("r%d" % i)
	    rc = kill_at_random([hush, "vault", "import", env, "big.env", "--dir", vdir], calibrated)
	    if rc == -9:
	        killed += 1
	    elif rc == 0:
	        completed += 1
	    else:
	        fail("round %d: import exited %d" % (i, rc))
	    after = open(path, "rb").read()
	    json.loads(after)  # a torn file fails here
	    got = export()
	    if after == before:
	        old_kept += 1
	        if rc == 0:
	            fail("round %d: import succeeded but the file did not change" % i)
	    else:
	        new_written += 1
	        current.update(vals)
	    if got != current:
	        wrong = sorted(n for n in set(got) | set(current) if got.get(n) != current.get(n))
	        fail("round %d: %d values are neither all old nor all new (first: %s)" % (i, len(wrong), wrong[:3]))
	print("import: %d values, uninterrupted %.2f s; rounds %d killed %d completed %d old-version %d "
	      "new-version %d temp-files-left %d" % (len(names), calibrated, rounds, killed, completed, old_kept,
	                                             new_written, len(vault_temps())))
	EOF
	rc=$?; cat report.import; test $rc -eq 0 &&
	grep -q "rounds $ROUNDS killed" report.import
'

sed "s/^/# /" "$TRASH/report.rotate" "$TRASH/report.import" 2>/dev/null

test_expect_success "after the kills, a clean rotate-key and import work and leave no temp file" '
	before=$("$HUSH" vault export crash --dir v --format json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))") &&
	"$HUSH" vault rotate-key crash --dir v >/dev/null &&
	"$HUSH" vault import crash base.env --dir v >/dev/null &&
	"$HUSH" vault export crash --dir v --format json >all.json &&
	json_check all.json "len(d) == $before" &&
	"$HUSH" vault export crash --dir v | grep "^BASE_" | sed "s/\"//g" | sort >got && sort base.env >want &&
	test_cmp want got &&
	ls -A v "$KEYS" >files &&
	! grep -q -e "^\.crash\.json\." -e "^crash\.key\.new$" files
'

test_expect_success "ten concurrent vault set processes on one file, five times: every value lands" '
	python3 - "$HUSH_DIRECT" v crash >report.par 2>&1 <<-\EOF
	import json, os, random, subprocess, sys
	hush, vdir, env = sys.argv[1:4]
	rng = random.Random()
	want = {}
	for r in range(5):
	    procs = []
	    for k in range(10):
	        name = "PAR_%d_%d" % (r, k)
	        want[name] = "par-%d-%d-%d" % (r, k, rng.getrandbits(64))
	        procs.append((name, subprocess.Popen([hush, "vault", "set", env, name, "--dir", vdir],
	                                             stdin=subprocess.PIPE, stderr=subprocess.PIPE)))
	    # every process is up and waiting for its value; release them together
	    for name, p in procs:
	        p.stdin.write(want[name].encode())
	    for name, p in procs:
	        p.stdin.close()
	    for name, p in procs:
	        err = p.stderr.read().decode()
	        if p.wait() != 0:
	            sys.exit("set %s failed: %s" % (name, err))
	p = subprocess.run([hush, "vault", "export", env, "--dir", vdir, "--format", "json"], capture_output=True)
	if p.returncode != 0:
	    sys.exit("export failed: %s" % p.stderr.decode())
	got = json.loads(p.stdout)
	missing = sorted(n for n in want if got.get(n) != want[n])
	if missing:
	    sys.exit("%d of 50 values missing or wrong: %s" % (len(missing), missing))
	for n in sorted(want)[:3]:
	    p = subprocess.run([hush, "vault", "get", env, n, "--dir", vdir], capture_output=True)
	    if p.returncode != 0 or p.stdout.decode() != want[n]:
	        sys.exit("get %s disagrees with export" % n)
	print("50 values from 5 x 10 concurrent sets: all present")
	EOF
	rc=$?; cat report.par; test $rc -eq 0 &&
	ls -A v >files && ! grep -q "^\.crash\.json\." files
'

test_done
