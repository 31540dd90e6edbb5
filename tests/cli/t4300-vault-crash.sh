#!/bin/sh
# t4300-vault-crash: `hush vault set` killed with SIGKILL at random points (200 times, 0-20 ms after it starts,
# with the value on stdin). After every kill the vault file must be exactly the old version or a complete new one
# (the new value under NAME, every other entry untouched), and every value must still decrypt. Temp files left by
# the kills are counted: hush_vault_save writes DIR/.ENV.json.XXXXXX then renames it, and a process killed
# between the two leaves that file behind, until the next successful write sweeps it (the test at the end).
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_CRASH HUSH_NOW
ROUNDS=${HUSH_CRASH_ROUNDS:-200}
KEEP="keep-$(rand_alnum 32)"

test_expect_success "setup: a vault with a value that must survive every kill" '
	"$HUSH" vault init crash --dir v >/dev/null &&
	printf "%s" "$KEEP" | "$HUSH" vault set crash KEEP --dir v &&
	printf "initial" | "$HUSH" vault set crash NAME --dir v
'

test_expect_success "$ROUNDS kills of vault set: the file is always the old or the new version and decrypts" '
	python3 - "$HUSH_DIRECT" v crash "$ROUNDS" "$KEEP" >report 2>&1 <<-\EOF
	import json, os, random, signal, subprocess, sys, time
	hush, d, env, rounds, keep = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
	path = os.path.join(d, env + ".json")
	def get(name):
	    p = subprocess.run([hush, "vault", "get", env, name, "--dir", d], capture_output=True)
	    if p.returncode != 0:
	        sys.exit("round %d: get %s failed: %s" % (i, name, p.stderr.decode()))
	    return p.stdout.decode()
	def temps():
	    return sorted(f for f in os.listdir(d) if f.startswith("." + env + ".json."))
	rng = random.Random(os.getpid())
	current = "initial"
	killed = completed = old_kept = new_written = 0
	for i in range(rounds):
	    before = open(path, "rb").read()
	    old = json.loads(before)["secrets"]
	    value = "value-%d-%s" % (i, rng.getrandbits(64))
	    p = subprocess.Popen([hush, "vault", "set", env, "NAME", "--dir", d], stdin=subprocess.PIPE,
	                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	    p.stdin.write(value.encode())
	    p.stdin.close()
	    time.sleep(rng.uniform(0, 0.020))
	    try:
	        p.send_signal(signal.SIGKILL)
	    except ProcessLookupError:
	        pass
	    rc = p.wait()
	    if rc == -signal.SIGKILL:
	        killed += 1
	    elif rc == 0:
	        completed += 1
	    else:
	        sys.exit("round %d: set exited %d" % (i, rc))
	    after = open(path, "rb").read()
	    new = json.loads(after)["secrets"]   # a torn file fails here
	    if after == before:
	        old_kept += 1
	        if rc == 0:
	            sys.exit("round %d: set succeeded but the file did not change" % i)
	    else:
	        new_written += 1
	        assert sorted(new) == sorted(old), (i, sorted(new))
	        assert new["KEEP"] == old["KEEP"], i
	        assert new["NAME"]["ciphertext"] != old["NAME"]["ciphertext"], i
	        current = value
	    if get("NAME") != current:
	        sys.exit("round %d: NAME is neither the old nor the new value" % i)
	    if get("KEEP") != keep:
	        sys.exit("round %d: KEEP changed" % i)
	left = temps()
	print("rounds %d killed %d completed %d old-version %d new-version %d temp-files-left %d"
	      % (rounds, killed, completed, old_kept, new_written, len(left)))
	EOF
	rc=$?; cat report; test $rc -eq 0 &&
	grep -q "^rounds $ROUNDS killed" report
'

sed "s/^/# /" "$TRASH/report" 2>/dev/null

test_expect_success "after the kills, one clean set works and ls/get still agree" '
	printf "final" | "$HUSH" vault set crash NAME --dir v &&
	test "$("$HUSH" vault get crash NAME --dir v)" = final &&
	test "$("$HUSH" vault get crash KEEP --dir v)" = "$KEEP" &&
	test "$("$HUSH" vault ls crash --dir v | wc -l)" -eq 2
'

# The temp files of killed writes (one per kill that landed between mkstemp and rename) hold only ciphertext, like
# the vault itself; a successful write sweeps them under the lock (sweep_stale_temps in injector/vault.c).
test_expect_success "no temp files remain after a successful write" '
	ls -A v >files &&
	cat files &&
	! grep -q "^\.crash\.json\." files
'

test_done
