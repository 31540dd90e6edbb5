#!/bin/sh
# bench/redact.sh: throughput and memory of `hush redact` on a 1 GiB log-like file with 50 secrets in it.
#
# Builds (once; BENCH_FORCE=1 rebuilds) bench/out/redact/log.txt: at least BENCH_REDACT_MIB (default 1024) MiB of log
# lines (timestamps, levels, paths, key=value fields) with BENCH_REDACT_SECRETS (default 50) random values of 16 to
# 64 bytes (letters, digits and some of / + @ : % space) planted about once every 400 lines, each time raw or in one
# of its encoded forms (base64 standard, URL-safe unpadded, of "user:" + value and of value + newline;
# percent-encoded upper and lower case, form-encoded; JSON-escaped, with "\/"; hex lower and upper case).
# bench/out/redact/values.env holds the values (exported as BENCH_SECRET_NN) and plants.txt how many were planted.
#
# Then, warm cache, best of BENCH_RUNS (default 3) runs each:
#   cat FILE | cat >/dev/null                                   the baseline: a pipe that does nothing
#   cat FILE | hush redact --from-env BENCH_SECRET_00 ... >/dev/null
#   hush redact --from-env BENCH_SECRET_00 ... <FILE >/dev/null  hush alone: wall, CPU seconds, peak RSS
# and one more run whose output is checked: a mask for every plant, and no value left in it.
# Targets: >= 1 GB/s on one core (file bytes / CPU seconds of hush alone), peak RSS < 20 MiB. Prints the numbers
# next to the targets and exits 0 whatever they are; 2 only when it cannot run.
set -u

cd "$(dirname "$0")/.." || exit 2
PROG=redact.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. bench/lib.sh
HUSH=${HUSH:-build/hush}
RUNS=${BENCH_RUNS:-3}
MIB=${BENCH_REDACT_MIB:-1024}
NSECRETS=${BENCH_REDACT_SECRETS:-50}
OUT=bench/out/redact
LOG=$OUT/log.txt
mkdir -p "$OUT"

if [ ! -x "$HUSH" ]; then
	echo "redact.sh: $HUSH is missing; building it with make"
	make >/dev/null || exit 2
fi
need_tools python3 /usr/bin/time

# --- the log file ----------------------------------------------------------------------------------------------------
params="mib=$MIB secrets=$NSECRETS v1"
if [ "${BENCH_FORCE:-0}" = 1 ] || [ ! -f "$LOG" ] || [ "$(cat "$OUT/params.txt" 2>/dev/null)" != "$params" ]; then
	echo "redact.sh: writing $LOG ($MIB MiB, $NSECRETS secrets)"
	rm -f "$LOG" "$OUT/params.txt"
	python3 - "$OUT" "$MIB" "$NSECRETS" <<'PYEOF' || exit 2
import base64, binascii, json, os, random, re, sys, urllib.parse
out, mib, nsecrets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20240601)
alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
values = []
for i in range(nsecrets):
    n = rng.randint(16, 64)
    v = [rng.choice(alnum) for _ in range(n)]
    for _ in range(rng.randint(0, 3)):
        v[rng.randrange(1, n - 1)] = rng.choice("/+@:% ")
    values.append("".join(v))
with open(os.path.join(out, "values.env"), "w") as f:
    for i, v in enumerate(values):
        f.write("BENCH_SECRET_%02d='%s'\nexport BENCH_SECRET_%02d\n" % (i, v, i))
with open(os.path.join(out, "values.txt"), "w") as f:
    f.write("".join(v + "\n" for v in values))

def forms(v):
    b = v.encode()
    q = urllib.parse.quote(v, safe="")
    return [
        v,
        base64.b64encode(b).decode(),
        base64.urlsafe_b64encode(b).decode().rstrip("="),
        base64.b64encode(b"user:" + b).decode(),
        base64.b64encode(b + b"\n").decode(),
        q,
        re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), q),
        urllib.parse.quote_plus(v),
        json.dumps(v)[1:-1],
        json.dumps(v)[1:-1].replace("/", "\\/"),
        binascii.hexlify(b).decode(),
        binascii.hexlify(b).decode().upper(),
    ]

levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
paths = ["/api/v1/users", "/api/v1/orders/%d", "/healthz", "/metrics", "/api/v2/search?q=%s", "/login", "/static/app.js"]
words = ["request", "completed", "cache", "hit", "miss", "upstream", "retry", "timeout", "db", "query", "ok", "tls",
         "handshake", "conn", "pool", "worker", "queue", "job", "scheduled", "user", "session", "refresh"]
pool = []
for i in range(20000):
    p = rng.choice(paths)
    if "%d" in p:
        p = p % rng.randint(1, 99999)
    elif "%s" in p:
        p = p % rng.choice(words)
    pool.append("2024-06-01T%02d:%02d:%02d.%03dZ %-5s svc=api-%d trace=%016x method=%s path=%s status=%d "
                "latency_ms=%d %s\n" % (rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                                        rng.randint(0, 999), rng.choice(levels), rng.randint(1, 9),
                                        rng.getrandbits(64), rng.choice(["GET", "POST", "PUT"]), p,
                                        rng.choice([200, 200, 200, 201, 204, 304, 400, 404, 500]),
                                        rng.randint(1, 900), " ".join(rng.choices(words, k=rng.randint(2, 9)))))
templates = ["2024-06-01T12:00:00.000Z INFO  auth header=\"Basic %s\" ok\n",
             "2024-06-01T12:00:00.000Z DEBUG env DATABASE_PASSWORD=%s\n",
             "2024-06-01T12:00:00.000Z WARN  retrying {\"token\": \"%s\", \"attempt\": 2}\n",
             "2024-06-01T12:00:00.000Z INFO  GET /callback?code=%s&state=xyz 302\n"]
total, plants, target = 0, 0, mib << 20
with open(os.path.join(out, "log.txt"), "w") as f:
    while total < target:
        chunk = rng.choices(pool, k=400)
        v = values[rng.randrange(nsecrets)]
        chunk[rng.randrange(400)] = rng.choice(templates) % rng.choice(forms(v))
        plants += 1
        s = "".join(chunk)
        f.write(s)
        total += len(s)
with open(os.path.join(out, "plants.txt"), "w") as f:
    f.write("%d\n" % plants)
PYEOF
	echo "$params" >"$OUT/params.txt"
fi
# bench/run.sh only needs the file
[ "${BENCH_BUILD_ONLY:-0}" = 1 ] && exit 0
# shellcheck disable=SC1091 # generated above
. "./$OUT/values.env"
BYTES=$(wc -c <"$LOG")
PLANTS=$(cat "$OUT/plants.txt")
ARGS=""
i=0
while [ "$i" -lt "$NSECRETS" ]; do
	ARGS="$ARGS --from-env $(printf 'BENCH_SECRET_%02d' "$i")"
	i=$((i + 1))
done

echo "hush redact benchmark: $("$HUSH" --version 2>/dev/null | sed -n 1p), $(nproc) CPUs"
echo "input: $LOG: $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MiB", b / 1048576 }'), $NSECRETS values, $PLANTS planted (raw or encoded)"
machine_load
cat "$LOG" >/dev/null
echo "timing: best of $RUNS warm-cache runs each"
echo

mbs() { awk -v b="$BYTES" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", b / s / 1e6; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# shellcheck disable=SC2016 # expanded by the inner shell
best_of sh -c 'cat "$1" | cat' sh "$LOG"
CAT_WALL=$WALL
# shellcheck disable=SC2016,SC2086 # ARGS is a list of words
best_of sh -c 'f=$1; h=$2; shift 2; cat "$f" | "$h" redact "$@"' sh "$LOG" "$HUSH" $ARGS
PIPE_WALL=$WALL
# shellcheck disable=SC2016,SC2086
best_of sh -c 'f=$1; shift; exec "$@" <"$f"' sh "$LOG" "$HUSH" redact $ARGS
ALONE_WALL=$WALL
ALONE_CPU=$CPU
ALONE_RSS=$RSS

printf '%-58s %8s %9s %8s %9s\n' "command" "wall s" "MB/s" "CPU s" "RSS MiB"
printf '%-58s %8s %9s\n' "cat FILE | cat" "$CAT_WALL" "$(mbs "$CAT_WALL")"
printf '%-58s %8s %9s\n' "cat FILE | hush redact --from-env x$NSECRETS" "$PIPE_WALL" "$(mbs "$PIPE_WALL")"
printf '%-58s %8s %9s %8s %9s\n' "hush redact --from-env x$NSECRETS <FILE" "$ALONE_WALL" "$(mbs "$ALONE_WALL")" \
	"$ALONE_CPU" "$(mib "$ALONE_RSS")"
echo
echo "throughput on one core (bytes / CPU seconds of hush alone): $(mbs "$ALONE_CPU") MB/s   (target >= 1000 MB/s)"
echo "throughput, wall time, pipe from cat: $(mbs "$PIPE_WALL") MB/s; cat | cat: $(mbs "$CAT_WALL") MB/s"
echo "peak RSS: $(mib "$ALONE_RSS") MiB   (target < 20 MiB)"

# --- the output: a mask for every plant, no value left --------------------------------------------------------------
scratch_dir hush-bench-redact
# shellcheck disable=SC2086
"$HUSH" redact $ARGS <"$LOG" >"$SCRATCH/out" 2>"$SCRATCH/err" || { cat "$SCRATCH/err" >&2; exit 2; }
MASKS=$(grep -o '\[hush:BENCH_SECRET_[0-9][0-9]\]' "$SCRATCH/out" | wc -l)
LEFT=$(grep -c -F -f "$OUT/values.txt" "$SCRATCH/out")
echo "output: $MASKS masks for $PLANTS plants; lines still holding a raw value: $LEFT   (targets: equal, 0)"
exit 0
