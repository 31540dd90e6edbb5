#!/bin/sh
# t4400-vault-passphrase: passphrase-protected key files (init --passphrase): the passphrase from
# HUSH_KEY_PASSPHRASE_<ENV> or a no-echo prompt on /dev/tty, clear errors without it or with a wrong one, the key
# file holding no clear "secret_key", and rotate-key keeping the protection. Each unlock costs one Argon2id run at
# libsodium's interactive limits (about 0.1 s), so the tests unlock sparingly.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_PRIVATE_KEY_PROD HUSH_KEY_PASSPHRASE_DEV HUSH_KEY_PASSPHRASE_PROD \
	HUSH_NOW
KEYS="$HOME/.config/hush/keys"
VALUE="v-$(rand_alnum 24)"
PASS="p-$(rand_alnum 20)"

git init -q repo

# no_tty CMD...: run CMD in a new session, without a controlling terminal, so that no prompt can appear
no_tty() { setsid -w "$@"; }

# on_pty INPUT CMD...: run CMD on a new pseudo-terminal, answering every "(not echoed)" prompt with INPUT;
# prints what the terminal showed
on_pty() {
	python3 - "$@" <<'PYEOF'
import os, pty, select, signal, sys, time
answer = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen, answered, deadline = b"", 0, time.time() + 30
while True:
    if not select.select([fd], [], [], max(0, deadline - time.time()))[0]:
        os.kill(pid, signal.SIGKILL)
        sys.stderr.write("timed out; the terminal showed: %r\n" % seen)
        break
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    while seen.count(b"(not echoed)") > answered:
        os.write(fd, answer)
        answered += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PYEOF
}

test_expect_success "init --passphrase (from HUSH_KEY_PASSPHRASE_DEV) writes a protected 0600 key file" '
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" no_tty "$HUSH" vault init dev --passphrase) >out 2>err &&
	grep_q "$KEYS/dev.key" out &&
	grep_q "encrypted with the passphrase" out &&
	grep_q HUSH_KEY_PASSPHRASE_DEV out &&
	test "$(stat -c %a "$KEYS/dev.key")" = 600 &&
	json_check "$KEYS/dev.key" "d[\"hush_key\"] == 1 and d[\"environment\"] == \"dev\" and \"secret_key\" not in d and d[\"kdf\"][\"alg\"] == \"argon2id13\" and d[\"kdf\"][\"opslimit\"] >= 1 and d[\"kdf\"][\"memlimit\"] >= 8192 and len(d[\"kdf\"][\"salt\"]) == 24 and len(d[\"nonce\"]) == 32 and len(d[\"encrypted_secret_key\"]) == 64 and d[\"key_id\"] == json.load(open(\"repo/.hush/dev.json\"))[\"key_id\"]" &&
	grep_none "$PASS" out err "$KEYS/dev.key"
'

test_expect_success "set needs no passphrase; get works with HUSH_KEY_PASSPHRASE_DEV" '
	printf "%s" "$VALUE" | (cd repo && no_tty "$HUSH" vault set dev DB_PASSWORD) &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" no_tty "$HUSH" vault get dev DB_PASSWORD) >got &&
	printf "%s" "$VALUE" >expect &&
	test_cmp expect got
'

test_expect_success "get without a passphrase and without a terminal fails clearly (exit 2)" '
	expect_code 2 in_dir repo no_tty "$HUSH" vault get dev DB_PASSWORD </dev/null >out 2>err &&
	grep_q "passphrase-protected" err &&
	grep_q HUSH_KEY_PASSPHRASE_DEV err &&
	test ! -s out
'

test_expect_success "get with a wrong passphrase fails with its own message (exit 2) and prints nothing" '
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="wrong-$PASS" expect_code 2 no_tty "$HUSH" vault get dev DB_PASSWORD) \
		>out 2>err &&
	grep_q "wrong passphrase for the key file .$KEYS/dev.key." err &&
	test ! -s out
'

test_expect_success "a key file with absurd key derivation parameters is refused before any derivation" '
	cp "$KEYS/dev.key" dev.key.saved &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d[\"kdf\"][\"memlimit\"]=1<<34; open(sys.argv[1],\"w\").write(json.dumps(d))" "$KEYS/dev.key" &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" expect_code 2 no_tty "$HUSH" vault get dev DB_PASSWORD) >out 2>err &&
	grep_q "out of range" err &&
	cp dev.key.saved "$KEYS/dev.key" && chmod 600 "$KEYS/dev.key"
'

test_expect_success "the prompt on /dev/tty: not echoed, stdin left free" '
	on_pty "$PASS" sh -c "cd repo && \"$HUSH\" vault get dev DB_PASSWORD </dev/null" >tty.out &&
	grep_q "passphrase for the key file" tty.out &&
	grep_q "$VALUE" tty.out &&
	grep_none "$PASS" tty.out
'

test_expect_success "init --passphrase on a terminal asks twice, never echoing" '
	on_pty "$PASS" sh -c "cd repo && \"$HUSH\" vault init prod --passphrase" >tty.out &&
	grep_q "the same passphrase again" tty.out &&
	grep_none "$PASS" tty.out &&
	json_check "$KEYS/prod.key" "\"secret_key\" not in d" &&
	printf x | (cd repo && no_tty "$HUSH" vault set prod X) &&
	test "$(cd repo && HUSH_KEY_PASSPHRASE_PROD="$PASS" no_tty "$HUSH" vault get prod X)" = x
'

test_expect_success "--passphrase belongs to init only" '
	expect_code 2 in_dir repo "$HUSH" vault get dev DB_PASSWORD --passphrase 2>err &&
	grep_q "option of .vault init." err
'

test_expect_success "rotate-key keeps the new key file protected with the same passphrase" '
	old_id=$(json_eval repo/.hush/dev.json "d[\"key_id\"]") &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" no_tty "$HUSH" vault rotate-key dev) >out 2>err &&
	grep_q "encrypted with the same passphrase" out &&
	new_id=$(json_eval repo/.hush/dev.json "d[\"key_id\"]") &&
	test "$new_id" != "$old_id" &&
	json_check "$KEYS/dev.key" "\"secret_key\" not in d and d[\"key_id\"] == \"$new_id\"" &&
	test "$(stat -c %a "$KEYS/dev.key")" = 600 &&
	json_check "$KEYS/dev.key.retired-$old_id" "\"secret_key\" not in d" &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" no_tty "$HUSH" vault get dev DB_PASSWORD) >got &&
	test_cmp expect got &&
	grep_none "$PASS" out err
'

test_expect_success "HUSH_PRIVATE_KEY_DEV still comes first and needs no passphrase" '
	cp "$KEYS/dev.key" k.json && chmod 600 k.json &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" no_tty "$HUSH" vault export dev --format json) >exp.json &&
	json_check exp.json "d[\"DB_PASSWORD\"] == \"$VALUE\""
'

PASS2="p2-$(rand_alnum 16)"
test_expect_success "passwd changes the passphrase; the key (and its id) stays; the old passphrase stops working" '
	id=$(json_eval "$KEYS/dev.key" "d[\"key_id\"]") &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" HUSH_NEW_KEY_PASSPHRASE_DEV="$PASS2" no_tty "$HUSH" vault passwd dev) \
		>out 2>err &&
	grep_q "^changed the passphrase of the key file .$KEYS/dev.key." out &&
	test "$(stat -c %a "$KEYS/dev.key")" = 600 &&
	json_check "$KEYS/dev.key" "\"secret_key\" not in d and d[\"key_id\"] == \"$id\"" &&
	test ! -e "$KEYS/dev.key.new" &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS2" no_tty "$HUSH" vault get dev DB_PASSWORD) >got &&
	test_cmp expect got &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" expect_code 2 no_tty "$HUSH" vault get dev DB_PASSWORD) >out 2>err &&
	grep_q "wrong passphrase" err &&
	grep_none "$PASS2" out err
'

test_expect_success "passwd with a wrong old passphrase, or no new one: exit 2, key file untouched" '
	cp "$KEYS/dev.key" before.key &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="nope" HUSH_NEW_KEY_PASSPHRASE_DEV="x-$PASS" expect_code 2 no_tty \
		"$HUSH" vault passwd dev) >out 2>err &&
	grep_q "wrong passphrase" err &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS2" expect_code 2 no_tty "$HUSH" vault passwd dev </dev/null) >out 2>err &&
	grep_q "needs a new passphrase" err &&
	grep_q HUSH_NEW_KEY_PASSPHRASE_DEV err &&
	test_cmp before.key "$KEYS/dev.key"
'

test_expect_success "passwd --remove stores the key unprotected; passwd then adds a passphrase again" '
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS2" no_tty "$HUSH" vault passwd dev --remove) >out 2>err &&
	grep_q "^removed the passphrase of" out &&
	json_check "$KEYS/dev.key" "\"secret_key\" in d and \"kdf\" not in d" &&
	test "$(stat -c %a "$KEYS/dev.key")" = 600 &&
	(cd repo && no_tty "$HUSH" vault get dev DB_PASSWORD) >got && test_cmp expect got &&
	on_pty "$PASS" sh -c "cd repo && \"$HUSH\" vault passwd dev" >tty.out &&
	grep_q "the same passphrase again" tty.out &&
	grep_q "added the passphrase" tty.out &&
	grep_none "$PASS" tty.out &&
	(cd repo && HUSH_KEY_PASSPHRASE_DEV="$PASS" no_tty "$HUSH" vault get dev DB_PASSWORD) >got && test_cmp expect got
'

test_expect_success "passwd of an environment without a key file is an error naming the path" '
	expect_code 2 in_dir repo "$HUSH" vault passwd staging 2>err &&
	grep_q "no key file for environment .staging." err
'

# prompt_signal HOW CMD...: run CMD on a pseudo-terminal; at its "(not echoed)" prompt check that echo is off,
# then interrupt it (HOW: ctrl-c, term, or ctrl-z: stop, check, continue and answer "resumed-value") and check
# that the terminal's echo is back on. Prints "echo restored" and CMD's exit code when all held.
prompt_signal() {
	python3 - "$@" <<'PYEOF'
import os, pty, select, signal, sys, termios, time
how = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
def echo_on():
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)
def read_until(token, limit=30):
    seen, deadline = b"", time.time() + limit
    while token not in seen:
        if not select.select([fd], [], [], max(0, deadline - time.time()))[0]:
            os.kill(pid, signal.SIGKILL)
            sys.exit("timed out waiting for %r; the terminal showed %r" % (token, seen))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen
read_until(b"(not echoed)")
time.sleep(0.1)
if echo_on():
    sys.exit("echo is on at the prompt")
if how == "ctrl-c":
    os.write(fd, b"\x03")
elif how == "term":
    os.kill(pid, signal.SIGTERM)
elif how == "ctrl-z":
    os.write(fd, b"\x1a")
    _, status = os.waitpid(pid, os.WUNTRACED)
    if not os.WIFSTOPPED(status):
        sys.exit("not stopped by ctrl-z: status %d" % status)
    if not echo_on():
        sys.exit("echo is still off while hush is stopped")
    os.kill(pid, signal.SIGCONT)
    deadline = time.time() + 10
    while echo_on() and time.time() < deadline:
        time.sleep(0.02)
    if echo_on():
        sys.exit("echo did not go off again after SIGCONT")
    os.write(fd, b"resumed-value\n")
try:
    while os.read(fd, 4096):
        pass
except OSError:
    pass
_, status = os.waitpid(pid, 0)
if how != "ctrl-z" and not echo_on():
    sys.exit("echo was left off")
print("echo restored")
print(os.waitstatus_to_exitcode(status))
PYEOF
}

test_expect_success "Ctrl-C at the value prompt of set: the terminal echoes again, nothing written" '
	cp repo/.hush/dev.json before.json &&
	prompt_signal ctrl-c sh -c "cd repo && exec \"$HUSH\" vault set dev SIG_TEST" >out 2>err &&
	grep_q "^echo restored$" out &&
	grep_q "^-2$" out &&
	test_cmp before.json repo/.hush/dev.json
'

test_expect_success "SIGTERM at the value prompt: the terminal echoes again" '
	prompt_signal term sh -c "cd repo && exec \"$HUSH\" vault set dev SIG_TEST" >out 2>err &&
	grep_q "^echo restored$" out &&
	grep_q "^-15$" out
'

test_expect_success "Ctrl-Z at the value prompt: echo on while stopped, off again when continued, then it completes" '
	prompt_signal ctrl-z sh -c "cd repo && exec \"$HUSH\" vault set dev SIG_TEST" >out 2>err &&
	grep_q "^echo restored$" out &&
	grep_q "^0$" out &&
	(cd repo && "$HUSH" vault ls dev) >ls.out &&
	grep_q "^SIG_TEST " ls.out
'

test_done
