#!/bin/sh
# bench/startup.sh: process start-up cost of short hush commands, best of BENCH_RUNS (default 50) runs each.
#
# In a temporary folder (removed on exit), with a private XDG_CACHE_HOME (warmed first) and XDG_CONFIG_HOME:
#   /bin/true                        the floor: fork + exec + exit of a process linked with libc only
#   hush help                        the dynamic loader and main() alone
#   hush --version                   also loads libgit2 (it prints its version)
#   hush vault ls ENV                a 3-value vault, listed (no decryption)
#   hush scan 10 files (no repo)     10 small clean files outside a git work tree
#   hush scan 10 files (work tree)   the same files in a git work tree (libgit2 for .gitignore)
# The machine is usually shared and noisy: the minimum is the number to compare. Also prints the libraries
# each binary loads at start (DT_NEEDED, recursively, from ldd). Exits 0 whatever the numbers; 2 when it cannot run.
# HUSH=path/to/hush to time another binary; more binaries as arguments are timed too, alternating with it run by
# run (e.g. a build of main, for a before/after).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
HUSH=${HUSH:-$here/../build/hush}
RUNS=${BENCH_RUNS:-50}

[ -x "$HUSH" ] || { echo "bench/startup.sh: no hush binary at '$HUSH' (run make first)" >&2; exit 2; }
scratch_dir hush-bench-startup
export XDG_CONFIG_HOME="$SCRATCH/config" XDG_CACHE_HOME="$SCRATCH/cache" NO_COLOR=1 GIT_CONFIG_NOSYSTEM=1
unset HUSH_PRIVATE_KEY_DEV HUSH_NOW

mkdir -p "$SCRATCH/plain" "$SCRATCH/repo" "$SCRATCH/vault"
for i in 0 1 2 3 4 5 6 7 8 9; do
	printf 'line %s of a small file\nnothing to see here: %s\n' "$i" "$(date +%N)" >"$SCRATCH/plain/f$i.txt"
done
cp "$SCRATCH"/plain/*.txt "$SCRATCH/repo/"
git -C "$SCRATCH/repo" init -q
git -C "$SCRATCH/repo" add . >/dev/null
git -C "$SCRATCH/repo" -c user.name=b -c user.email=b@example.invalid commit -q -m files
(cd "$SCRATCH/vault" && "$HUSH" vault init dev >/dev/null &&
	for n in ONE TWO THREE; do printf 'value-%s' "$n" | HUSH_NOW=1700000000 "$HUSH" vault set dev "$n"; done)
for b in "$HUSH" "$@"; do
	"$b" scan "$SCRATCH/plain" >/dev/null 2>&1 # warms the rule cache
done

python3 - "$RUNS" "$SCRATCH" "$HUSH" "$@" <<'PYEOF'
import os, subprocess, sys, time
runs, scratch, bins = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
plain, repo, vault = (os.path.join(scratch, d) for d in ("plain", "repo", "vault"))
cases = [
    ("/bin/true", ["/bin/true"], scratch),
    ("hush help", ["help"], scratch),
    ("hush --version", ["--version"], scratch),
    ("hush vault ls dev", ["vault", "ls", "dev"], vault),
    ("hush scan 10 files (no repo)", ["scan", "."], plain),
    ("hush scan 10 files (work tree)", ["scan", "."], repo),
]

def once(argv, cwd):
    """Wall time and CPU time (user + system, from wait4) of one run, in seconds."""
    null = os.open(os.devnull, os.O_RDWR)
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdin=null, stdout=null, stderr=null)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    os.close(null)
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv)}: exit {p.returncode}")
    return wall, ru.ru_utime + ru.ru_stime

print(f"best of {runs} runs, wall / CPU in ms; load average {os.getloadavg()[0]:.1f}")
print(f"  {'':32s}" + "".join(f"{os.path.basename(os.path.dirname(b)) + '/' + os.path.basename(b):>22s}" for b in bins))
for name, args, cwd in cases:
    argvs = [args] if name == "/bin/true" else [[b] + args for b in bins]
    best = [[float("inf"), float("inf")] for _ in argvs]
    for _ in range(runs):  # the binaries alternate, so they share the machine's noise
        for i, argv in enumerate(argvs):
            wall, cpu = once(argv, cwd)
            best[i] = [min(best[i][0], wall), min(best[i][1], cpu)]
    print(f"  {name:32s}" + "".join(f"{w * 1000:13.2f} / {c * 1000:5.2f}" for w, c in best))
PYEOF
for b in "$HUSH" "$@"; do
	echo "libraries loaded at start by $b: $(ldd "$b" | wc -l)"
done
