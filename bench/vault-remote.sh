#!/bin/sh
# bench/vault-remote.sh: the latency a Vault-backed `hush run` adds, against the loopback stand-in
# tests/tools/fake-vault.py (python3), with 50 secrets.
#
# Prints, best of BENCH_RUNS_STARTUP (default 30) each:
#   /bin/true                                             the floor
#   hush run -e bench -- /bin/true                        50 secrets from a vault file (no network)
#   hush run --from vault://secret/bench -- /bin/true     the same 50 secrets from Vault over http://127.0.0.1
#   the same over https:// (a test CA made now with the openssl CLI; a new TLS handshake per run)
# and the latency the Vault fetch adds, over /bin/true and over the file-backed run (target: under 20 ms for 50
# secrets). libcurl and its TLS libraries are loaded with dlopen only by the Vault-backed runs, so their loading is
# part of what is measured. The server is Python: its own time per request is in the numbers too.
# Exits 0 whatever the numbers; 2 when it cannot run.
set -u

cd "$(dirname "$0")/.." || exit 2
# shellcheck source-path=SCRIPTDIR source=lib.sh
. bench/lib.sh
HUSH=$(pwd)/${HUSH:-build/hush}
HUSH_SOURCE_DIR=$(pwd)
PROG=vault-remote.sh
SRUNS=${BENCH_RUNS_STARTUP:-30}

[ -x "$HUSH" ] || { make >/dev/null || exit 2; }
need_tools python3 openssl
scratch_dir hush-bench-remote
TRASH=$SCRATCH
# shellcheck source=../tests/cli/lib-remote.sh
. tests/cli/lib-remote.sh
export XDG_CONFIG_HOME="$SCRATCH/config" HUSH_AUDIT_LOG="$SCRATCH/audit.log"
unset HUSH_PRIVATE_KEY_BENCH

TOKEN=$(python3 -c 'import secrets; print("bench-" + secrets.token_hex(16))')
python3 - "$TOKEN" "$SCRATCH/data.json" "$SCRATCH/bench.env" <<'PYEOF' || exit 2
import json, secrets, sys
token, data, env = sys.argv[1:]
vals = {"BENCH_SECRET_%02d" % i: secrets.token_urlsafe(24) for i in range(50)}
json.dump({"tokens": {token: {"policies": ["secret/data/*"]}},
           "namespaces": {"": {"secret": {"bench": [{"data": vals}]}}}}, open(data, "w"))
with open(env, "w") as f:
    for k, v in vals.items():
        f.write("%s='%s'\n" % (k, v))
PYEOF
mkdir -p "$SCRATCH/repo" && cd "$SCRATCH/repo" || exit 2
"$HUSH" vault init bench >/dev/null && "$HUSH" vault import bench "$SCRATCH/bench.env" >/dev/null || exit 2
rm -f "$SCRATCH/bench.env"
vault_certs "$SCRATCH/certs" || { echo "$PROG: cannot make test certificates" >&2; exit 2; }
HTTP=$(vault_start plain "$SCRATCH/data.json") || exit 2
HTTPS=$(vault_start tls "$SCRATCH/data.json" --tls-cert "$SCRATCH/certs/server.pem" \
	--tls-key "$SCRATCH/certs/server.key") || exit 2
export VAULT_TOKEN="$TOKEN" VAULT_CACERT="$SCRATCH/certs/ca.pem"
# one untimed run of each, which must work
for a in "$HTTP" "$HTTPS"; do
	VAULT_ADDR=$a "$HUSH" run --from vault://secret/bench -- sh -c 'test -n "$BENCH_SECRET_07"' ||
		{ echo "$PROG: hush run --from failed against $a" >&2; exit 2; }
done
machine_load

python3 - "$HUSH" "$SRUNS" "$HTTP" "$HTTPS" <<'PYEOF'
import os, subprocess, sys, time
hush, runs, http, https = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def best(cmd, addr=None):
    env = dict(os.environ)
    if addr:
        env["VAULT_ADDR"] = addr
    b = 1e9
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        b = min(b, time.perf_counter() - t)
        if r.returncode:
            sys.exit("%s failed (%d)" % (" ".join(cmd), r.returncode))
    return b * 1e3
true = best(["/bin/true"])
filerun = best([hush, "run", "-e", "bench", "--", "/bin/true"])
plain = best([hush, "run", "--from", "vault://secret/bench", "--", "/bin/true"], http)
tls = best([hush, "run", "--from", "vault://secret/bench", "--", "/bin/true"], https)
print("hush run with 50 secrets, best of %d:" % runs)
print("  /bin/true                                        %7.2f ms" % true)
print("  hush run -e bench (vault file)                   %7.2f ms   +%.2f ms over /bin/true" % (filerun, filerun - true))
print("  hush run --from vault://secret/bench, http       %7.2f ms   +%.2f ms over /bin/true, +%.2f ms over the file"
      % (plain, plain - true, plain - filerun))
print("  hush run --from vault://secret/bench, https      %7.2f ms   +%.2f ms over /bin/true, +%.2f ms over the file"
      % (tls, tls - true, tls - filerun))
print("added latency of a Vault-backed run (https, over /bin/true): %.2f ms (target < 20 ms)" % (tls - true))
PYEOF
vault_stop plain
vault_stop tls
exit 0
