#!/bin/sh
# t5200-run-kill: `hush run` itself killed with SIGKILL (the OOM killer, a CI runner cancelling a job) while its
# command runs. The command must not outlive hush by more than a few seconds (it gets SIGPIPE or EPIPE on its next
# write, and SIGTERM at once, or SIGHUP on a pseudo-terminal: see docs/run.md), must not hang on its output, and
# nothing hush made may be left on disk: no temp file, FIFO or shared-memory file, before or after the kill.
# The test process makes itself a child subreaper, so the orphaned command is reparented to it and its exit status
# can be read.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_NOW
TOK="tk-$(rand_alnum 30)"
PW="pw-$(rand_alnum 24)"

git init -q repo
in_dir repo "$HUSH" vault init dev >/dev/null
printf '%s' "$TOK" | in_dir repo "$HUSH" vault set dev API_TOKEN
printf '%s' "$PW" | in_dir repo "$HUSH" vault set dev DB_PASSWORD
mkdir tmp

# kill_run MODE SCRIPT: run `hush run -e dev [--env-file-only] -- sh -c SCRIPT` in repo/, with TMPDIR=$TRASH/tmp,
# its output on pipes (MODE pipe or envfile) or a pseudo-terminal (MODE pty), read continuously. SCRIPT writes its
# pid to ../child.pid first. Once the command is running, SIGKILL to hush; then wait up to 10 s for the command.
# Prints "child ended: <how>" and the files hush and the command had open.
kill_run() {
	python3 - "$HUSH_DIRECT" "$@" <<'PYEOF'
import ctypes, os, pty, select, signal, subprocess, sys, time
hush, mode, script = sys.argv[1:4]
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0:   # PR_SET_CHILD_SUBREAPER
    sys.exit("cannot become a child subreaper")
argv = [hush, "run", "-e", "dev"] + (["--env-file-only"] if mode == "envfile" else []) + ["--", "sh", "-c", script]
env = dict(os.environ, TMPDIR=os.path.abspath("tmp"))
if os.path.exists("child.pid"):
    os.unlink("child.pid")
if mode == "pty":
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir("repo")
        os.execve(hush, argv, env)
    hush_pid = pid
else:
    p = subprocess.Popen(argv, cwd="repo", env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    hush_pid, fd = p.pid, p.stdout.fileno()
    os.set_blocking(p.stderr.fileno(), False)
seen = 0
def drain(limit):
    """read what hush prints for up to limit seconds; False at end of file"""
    global seen
    end = time.time() + limit
    while time.time() < end:
        if not select.select([fd], [], [], max(0, end - time.time()))[0]:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        seen += len(chunk)
    return True
deadline = time.time() + 20
while not os.path.exists("child.pid") or not open("child.pid").read().strip():
    drain(0.05)
    if time.time() > deadline:
        sys.exit("the command did not start")
child = int(open("child.pid").read())
drain(0.3)   # output is streaming (or the command is idle)
def open_files(pid):
    out = []
    for fdn in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
        try:
            out.append(os.readlink("/proc/%d/fd/%s" % (pid, fdn)))
        except OSError:
            pass
    return out
for who, pid in (("hush", hush_pid), ("command", child)):
    for f in open_files(pid):
        print("open in %s: %s" % (who, f))
os.kill(hush_pid, signal.SIGKILL)
os.waitpid(hush_pid, 0)
t0 = time.time()
how = None
while time.time() - t0 < 10:
    drain(0.05)   # a reader that keeps reading: the command cannot be blocked by a full pipe
    r, status = os.waitpid(child, os.WNOHANG)   # the orphan is ours now (subreaper)
    if r == child:
        if os.WIFSIGNALED(status):
            how = "signal %s" % signal.Signals(os.WTERMSIG(status)).name
        else:
            how = "exit %d" % os.WEXITSTATUS(status)
        break
if how is None:
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    print("child ended: no, still running 10 s after hush was killed")
else:
    print("child ended: %s after %.2f s (%d bytes of output read before)" % (how, time.time() - t0, seen))
# whatever else the command started (not the case in these scripts) is reaped here too
while True:
    try:
        if os.waitpid(-1, os.WNOHANG)[0] == 0:
            break
    except ChildProcessError:
        break
PYEOF
}

# hush_files: what may be hush's on shared temp folders: names with "hush" in /dev/shm, $TMPDIR and /tmp, apart
# from the test folders and the rule cache
hush_files() {
	for d in /dev/shm "${TMPDIR:-/tmp}" /tmp; do
		ls -A "$d" 2>/dev/null | grep -i hush | grep -v -e "^hush-test\." -e "^hush-test-cache" | sed "s|^|$d/|"
	done | sort -u
}

# no_disk_files REPORT: fail when hush or the command had a file in a temp folder open (a FIFO or a temp file).
# Files this test script itself has open were inherited from whatever runs it (ctest's LastTest.log.tmp, under
# /tmp when the build folder is): they are not hush's.
no_disk_files() {
	for fd in /proc/$$/fd/*; do readlink "$fd"; done >inherited.txt 2>/dev/null
	sed -n "s/^open in [a-z]*: //p" "$1" | grep -E -e "/tmp/|/dev/shm/|$TRASH/tmp" | grep -v -x -F -f inherited.txt \
		>open-temp.txt
	if [ -s open-temp.txt ]; then
		cat open-temp.txt >&2
		echo "files in a temp folder were open" >&2
		return 1
	fi
}

hush_files >before.files

test_expect_success "setup: a normal run leaves nothing in TMPDIR, /tmp or /dev/shm" '
	(cd repo && TMPDIR=$TRASH/tmp "$HUSH" run -e dev -- sh -c "echo \$API_TOKEN") >out 2>err &&
	(cd repo && TMPDIR=$TRASH/tmp "$HUSH" run -e dev --env-file-only -- sh -c "cat \"\$HUSH_SECRETS_FILE\" >/dev/null") &&
	grep_q "^\[hush:API_TOKEN\]$" out &&
	test -z "$(ls -A tmp)" &&
	hush_files >after.files && test_cmp before.files after.files
'

test_expect_success "pipes: hush killed while the command writes; the command ends within 10 s" '
	kill_run pipe "echo \$\$ >../child.pid; while :; do echo line \$API_TOKEN; done" >report 2>&1;
	cat report && grep "^child ended" report | sed "s/^/# /" >>summary &&
	grep_q "^child ended: signal SIG\(PIPE\|TERM\)" report &&
	no_disk_files report &&
	grep_none "$TOK" report
'

test_expect_success "pipes: hush killed while the command is idle; SIGTERM ends it within 10 s" '
	kill_run pipe "echo \$\$ >../child.pid; exec sleep 1000" >report 2>&1;
	cat report && grep "^child ended" report | sed "s/^/# /" >>summary &&
	grep_q "^child ended: signal SIGTERM" report
'

test_expect_success "pipes: a command that traps SIGTERM gets it and can clean up" '
	kill_run pipe "trap \"echo cleaned >../cleanup.out; exit 9\" TERM; echo \$\$ >../child.pid; while :; do sleep 0.05; done" >report 2>&1;
	cat report && grep "^child ended" report | sed "s/^/# /" >>summary &&
	grep_q "^child ended: exit 9" report &&
	grep_q "^cleaned$" cleanup.out
'

test_expect_success "--env-file-only: the in-memory secrets file is never on disk and goes with the command" '
	kill_run envfile "echo \$\$ >../child.pid; exec 3<\"\$HUSH_SECRETS_FILE\"; exec sleep 1000" >report 2>&1;
	cat report && grep "^child ended" report | sed "s/^/# /" >>summary &&
	grep_q "^open in command: /memfd:hush-secrets (deleted)$" report &&
	grep_q "^child ended: signal SIGTERM" report &&
	no_disk_files report
'

test_expect_success "on a pseudo-terminal: hush killed while the command writes; SIGHUP ends it within 10 s" '
	kill_run pty "echo \$\$ >../child.pid; while :; do echo line \$API_TOKEN; done" >report 2>&1;
	cat report && grep "^child ended" report | sed "s/^/# /" >>summary &&
	grep_q "^child ended: signal SIGHUP" report &&
	no_disk_files report
'

test_expect_success "on a pseudo-terminal: hush killed while the command is idle; SIGHUP ends it" '
	kill_run pty "echo \$\$ >../child.pid; exec sleep 1000" >report 2>&1;
	cat report && grep "^child ended" report | sed "s/^/# /" >>summary &&
	grep_q "^child ended: signal SIGHUP" report
'

test_expect_success "after the kills: nothing left in TMPDIR, /tmp or /dev/shm" '
	ls -A tmp >left && test_cmp /dev/null left &&
	hush_files >after.files && test_cmp before.files after.files
'

cat "$TRASH/summary" 2>/dev/null

test_done
