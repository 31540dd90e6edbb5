#!/bin/sh
# t5100-run: hush run: the environment it builds, redaction of stdout and stderr, exit codes, signal forwarding,
# process groups, and the pseudo-terminal (isatty, colours, window size, Ctrl-C exactly once).
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_NOW
KEYS="$HOME/.config/hush/keys"
PW="pw-$(rand_alnum 24)"
TOK="tk-$(rand_alnum 30)"
# a value with characters that every encoding changes
ODD="o d/$(rand_alnum 12)+\"q\"&=%"

git init -q repo
in_dir repo "$HUSH" vault init dev >/dev/null
printf '%s' "$PW" | in_dir repo "$HUSH" vault set dev DB_PASSWORD
printf '%s' "$TOK" | in_dir repo "$HUSH" vault set dev API_TOKEN
printf '%s' "$ODD" | in_dir repo "$HUSH" vault set dev ODD_VALUE
printf 'abc' | in_dir repo "$HUSH" vault set dev PORT

# run ARGS...: hush run in repo, stdout and stderr to out and err
run() { in_dir repo "$HUSH" run "$@" >out 2>err; }

test_expect_success "the command gets every secret as a variable; its output shows masks, never values" '
	run -e dev -- sh -c "printf %s \"\$DB_PASSWORD\" >../got.pw; printf %s \"\$ODD_VALUE\" >../got.odd;
		echo \"db=\$DB_PASSWORD token=\$API_TOKEN port=\$PORT\"" &&
	printf %s "$PW" >want.pw && test_cmp want.pw got.pw &&
	printf %s "$ODD" >want.odd && test_cmp want.odd got.odd &&
	grep_q "^db=\[hush:DB_PASSWORD\] token=\[hush:API_TOKEN\] port=abc$" out &&
	grep_q "PORT is shorter than 6 bytes: injected, but not redacted" err &&
	grep_none "$PW" out err && grep_none "$TOK" out err
'

test_expect_success "stderr is redacted on its own, interleaved writes keep their streams" '
	run -e dev -- sh -c "echo out1 \$API_TOKEN; echo err1 \$API_TOKEN >&2; echo out2; echo err2 \$DB_PASSWORD >&2" &&
	printf "out1 [hush:API_TOKEN]\nout2\n" >want && test_cmp want out &&
	grep_q "^err1 \[hush:API_TOKEN\]$" err && grep_q "^err2 \[hush:DB_PASSWORD\]$" err
'

test_expect_success "encoded forms are redacted: base64 (plain and after a prefix), hex, percent, JSON" '
	run -e dev -- sh -c "printf %s \"\$DB_PASSWORD\" | base64; printf \"user:%s\" \"\$DB_PASSWORD\" | base64;
		printf %s \"\$DB_PASSWORD\" | od -An -tx1 | tr -d \" \\n\"; echo;
		python3 -c \"import os,json,urllib.parse as u; v=os.environ[\\\"ODD_VALUE\\\"]; print(u.quote(v, safe=\\\"\\\")); print(json.dumps(v))\"" &&
	grep_none "$(printf %s "$PW" | base64)" out &&
	grep_none "$(printf %s "$PW" | od -An -tx1 | tr -d " \n")" out &&
	test "$(grep -c "\[hush:DB_PASSWORD\]" out)" -ge 3 &&
	test "$(grep -c "\[hush:ODD_VALUE\]" out)" -eq 2
'

test_expect_success "a value written one byte at a time, with pauses, is still never shown" '
	run -e dev -- python3 -c "
import os, sys, time
v = os.environ[\"API_TOKEN\"]
for c in \"start \" + v + \" end\n\":
    sys.stdout.write(c); sys.stdout.flush(); time.sleep(0.002)
" &&
	printf "start [hush:API_TOKEN] end\n" >want && test_cmp want out
'

test_expect_success "binary output with NUL bytes passes through byte for byte" '
	head -c 300000 /dev/urandom >bin &&
	run -e dev -- cat ../bin &&
	cmp bin out
'

test_expect_success "a 100 MiB line holding values: masked, everything else intact" '
	run -e dev -- python3 -c "
import os, sys
v = os.environ[\"DB_PASSWORD\"].encode()
w = sys.stdout.buffer
w.write(b\"a\" * (50 << 20) + v + b\"b\" * (50 << 20) + v + b\"\\n\")
" &&
	test "$(wc -c <out)" -eq $(( (100 << 20) + 2 * 18 + 1 )) &&
	test "$(grep -o "\[hush:DB_PASSWORD\]" out | wc -l)" -eq 2 &&
	grep_none "$PW" out
'

test_expect_success "--no-redact shows values; --mask sets the replacement" '
	run -e dev --no-redact -- sh -c "echo \$API_TOKEN" && grep_q "^$TOK$" out &&
	run -e dev --mask "<%n redacted>" -- sh -c "echo \$API_TOKEN" && grep_q "^<API_TOKEN redacted>$" out &&
	expect_code 125 in_dir repo "$HUSH" run -e dev --mask "%x" -- true 2>err && grep_q "invalid --mask" err
'

test_expect_success "--only injects a subset; an unknown name is an error (125)" '
	run -e dev --only API_TOKEN -- sh -c "echo \"[\${DB_PASSWORD:-unset}] [\${API_TOKEN:+set}]\"" &&
	grep_q "^\[unset\] \[set\]$" out &&
	expect_code 125 in_dir repo "$HUSH" run -e dev --only NOPE -- true 2>err &&
	grep_q "no secret .NOPE. in environment .dev." err
'

test_expect_success "secrets win over inherited variables unless --no-override" '
	(cd repo && DB_PASSWORD=inherited "$HUSH" run -e dev -- sh -c "printf %s \"\$DB_PASSWORD\"") >out 2>err &&
	grep_q "^\[hush:DB_PASSWORD\]$" out &&
	(cd repo && DB_PASSWORD=inherited "$HUSH" run -e dev --no-override -- sh -c "printf %s \"\$DB_PASSWORD\"") >out 2>err &&
	grep_q "^inherited$" out
'

test_expect_success "--clean-env: only the safe set, --keep and the secrets; never hush key variables" '
	(cd repo && FOO=1 BAR=2 HUSH_PRIVATE_KEY_DEV="$(json_eval "$KEYS/dev.key" "d[\"secret_key\"]")" \
		"$HUSH" run -e dev --clean-env --keep FOO -- env) >out 2>err &&
	sed "s/=.*//" out | sort >names &&
	grep -v -e "^HOME$" -e "^LANG$" -e "^PATH$" -e "^TERM$" -e "^TZ$" -e "^USER$" names >rest;
	printf "API_TOKEN\nDB_PASSWORD\nFOO\nODD_VALUE\nPORT\n" >want && test_cmp want rest &&
	(cd repo && HUSH_PRIVATE_KEY_DEV="$(json_eval "$KEYS/dev.key" "d[\"secret_key\"]")" "$HUSH" run -e dev -- env) >out 2>err &&
	! grep -q "^HUSH_PRIVATE_KEY_DEV=" out &&
	expect_code 125 in_dir repo "$HUSH" run -e dev --keep FOO -- true 2>err && grep_q "only makes sense with --clean-env" err
'

test_expect_success "--env-file-only: nothing in the environment, a dotenv file in memory at HUSH_SECRETS_FILE" '
	run -e dev --env-file-only -- sh -c "tr \"\\0\" \"\\n\" </proc/\$\$/environ >../environ; echo \"file=\$HUSH_SECRETS_FILE\";
		cp \"\$HUSH_SECRETS_FILE\" ../secrets.env; stat -L -c %s \"\$HUSH_SECRETS_FILE\" >/dev/null" &&
	grep_q "^file=/proc/self/fd/[0-9]*$" out &&
	grep_none "$PW" environ && grep_none "$TOK" environ &&
	grep_q "^DB_PASSWORD=\"$PW\"$" secrets.env &&
	grep_q "^API_TOKEN=\"$TOK\"$" secrets.env
'

test_expect_success "exit codes: the command s own, 127 not found, 126 not executable, 128+N for a signal" '
	expect_code 0 in_dir repo "$HUSH" run -e dev -- true &&
	expect_code 1 in_dir repo "$HUSH" run -e dev -- false &&
	expect_code 3 in_dir repo "$HUSH" run -e dev -- sh -c "exit 3" &&
	expect_code 127 in_dir repo "$HUSH" run -e dev -- no-such-command-here 2>err &&
	grep_q "no-such-command-here: command not found" err &&
	printf "#!/bin/sh\n" >repo/noexec.sh && chmod 644 repo/noexec.sh &&
	expect_code 126 in_dir repo "$HUSH" run -e dev -- ./noexec.sh 2>err &&
	grep_q "noexec.sh: Permission denied" err &&
	expect_code 143 in_dir repo "$HUSH" run -e dev -- sh -c "kill -TERM \$\$" &&
	expect_code 137 in_dir repo "$HUSH" run -e dev -- sh -c "kill -KILL \$\$"
'

test_expect_success "hush failures exit 125: no command, no environment, no key, no vault" '
	expect_code 125 in_dir repo "$HUSH" run -e dev 2>err && grep_q "no command to run" err &&
	expect_code 125 in_dir repo "$HUSH" run -- true 2>err && grep_q "which environment" err &&
	expect_code 125 in_dir repo "$HUSH" run -e staging -- true 2>err && grep_q "no vault for environment" err &&
	mv "$KEYS/dev.key" dev.key.saved &&
	expect_code 125 in_dir repo "$HUSH" run -e dev -- true 2>err; rc=$?;
	mv dev.key.saved "$KEYS/dev.key" && test $rc = 0
'

test_expect_success "SIGTERM to hush reaches the command, which traps it, and hush exits with its status" '
	(cd repo && "$HUSH" run -e dev -- sh -c "trap \"echo trapped >../trap.out; exit 3\" TERM; echo ready; while :; do sleep 0.05; done") >out 2>err &
	hpid=$! &&
	for i in $(seq 100); do grep -q ready out 2>/dev/null && break; sleep 0.05; done &&
	kill -TERM $hpid &&
	expect_code 3 wait $hpid &&
	grep_q "^trapped$" trap.out
'

test_expect_success "without a terminal the command runs in its own process group; USR1 and HUP are forwarded" '
	(cd repo && setsid -w "$HUSH" run -e dev -- sh -c "trap \"echo usr1 >>../sig.out\" USR1; trap \"echo hup >>../sig.out; exit 4\" HUP;
		ps -o pgid= -p \$\$ >../child.pgid; echo ready; while :; do sleep 0.05; done" </dev/null) >out 2>err &
	hpid=$! &&
	for i in $(seq 100); do grep -q ready out 2>/dev/null && break; sleep 0.05; done &&
	hush_pid=$(pgrep -f "hush run -e dev -- sh -c trap" | head -1) &&
	test "$(tr -d " " <child.pgid)" != "$(ps -o pgid= -p "$hush_pid" | tr -d " ")" &&
	kill -USR1 "$hush_pid" && sleep 0.3 && kill -HUP "$hush_pid" &&
	expect_code 4 wait $hpid &&
	printf "usr1\nhup\n" >want && test_cmp want sig.out
'

# on_pty ROWS COLS SCRIPT CMD...: run CMD on a pseudo-terminal of ROWS x COLS. SCRIPT is python run with fd (the
# master), pid and read_until() available after the command starts; prints what the terminal showed and the exit
# code on the last line.
on_pty() {
	python3 - "$@" <<'PYEOF'
import fcntl, os, pty, select, signal, struct, sys, termios, time
rows, cols, script = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(sys.argv[4], sys.argv[4:])
seen = b""
def read_until(token, limit=20):
    global seen
    deadline = time.time() + limit
    while token not in seen:
        r = select.select([fd], [], [], max(0, deadline - time.time()))[0]
        if not r:
            os.kill(pid, signal.SIGKILL)
            sys.exit("timed out waiting for %r; the terminal showed %r" % (token, seen))
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        seen += chunk
def resize(r, c):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
exec(script)
try:
    while True:
        r = select.select([fd], [], [], 20)[0]
        if not r:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        seen += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace").replace("\r", "") + "\n")
print(os.waitstatus_to_exitcode(status))
PYEOF
}

test_expect_success "on a terminal: a pseudo-terminal for the command, colours kept, window size copied, values masked" '
	on_pty 33 101 "" sh -c "cd repo && exec \"$HUSH\" run -e dev -- sh -c \"test -t 0 && test -t 1 && echo both-tty; stty size;
		printf \\\"\\033[31m%s\\033[0m\\n\\\" \\\"\\\$API_TOKEN\\\"\"" >tty.out &&
	grep_q "^both-tty$" tty.out &&
	grep_q "^33 101$" tty.out &&
	grep_q "$(printf "\033")\[31m\[hush:API_TOKEN\]$(printf "\033")\[0m" tty.out &&
	grep_none "$TOK" tty.out &&
	test "$(tail -1 tty.out)" = 0
'

test_expect_success "on a terminal: a resize reaches the command (SIGWINCH) with the new size" '
	on_pty 24 80 "read_until(b\"ready\"); resize(50, 132); os.kill(os.getpid(), 0)" sh -c "cd repo && exec \"$HUSH\" run -e dev -- sh -c \"trap \\\"stty size; exit 6\\\" WINCH; echo ready; while :; do sleep 0.05; done\"" >tty.out &&
	grep_q "^50 132$" tty.out &&
	test "$(tail -1 tty.out)" = 6
'

test_expect_success "on a terminal: Ctrl-C reaches the command exactly once; stdin passes through" '
	on_pty 24 80 "read_until(b\"ready\"); os.write(fd, b\"typed line\\n\"); read_until(b\"got: typed line\"); os.write(fd, b\"\\x03\")" sh -c "cd repo && exec \"$HUSH\" run -e dev -- sh -c \"trap \\\"echo int >>../int.out; sleep 0.3; exit 5\\\" INT; echo ready; read l; echo got: \\\$l; while :; do sleep 0.05; done\"" >tty.out &&
	grep_q "got: typed line" tty.out &&
	test "$(tail -1 tty.out)" = 5 &&
	test "$(grep -c "^int$" int.out)" = 1
'

test_expect_success "no fixture value appears in any output of this script" '
	for f in *.out out err tty.out; do test -f "$f" && grep_none "$PW" "$f" && grep_none "$TOK" "$f" || return 1; done
'

test_done
