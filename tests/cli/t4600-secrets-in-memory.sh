#!/bin/sh
# t4600-secrets-in-memory: every command that holds plaintext values, private keys or passphrases is looked at from
# outside while it holds them (tests/tools/held.py): blocked writing to a stopped terminal, reading a stdin that
# stays open, or running a command (hush run).
# - the process is not dumpable (prctl(PR_SET_DUMPABLE, 0): its /proc/PID files belong to root, not to its uid)
#   and its core size limit is 0 (RLIMIT_CORE), as vault_no_core_dumps() in cli/cmd_vault.c sets;
# - every copy of each value and of the private key in its memory is in guarded memory (sodium_malloc: an
#   anonymous mapping between two inaccessible pages), read through /proc/PID/mem. That needs CAP_SYS_PTRACE for a
#   process that is not dumpable (root): without it these checks are skipped.
# When the tests run as root, the commands run as uid 65534 (the trash folder is given to it): the dumpable check
# needs a uid other than 0.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_NOW
HELD="$HUSH_SOURCE_DIR/tests/tools/held.py"
KEYS="$HOME/.config/hush/keys"
# a cache of our own that uid 65534 can use, starting from the shared one (a cold rule compile takes seconds)
mkdir -p "$TRASH/cache"
cp -R "$XDG_CACHE_HOME/hush" "$TRASH/cache/" 2>/dev/null
XDG_CACHE_HOME="$TRASH/cache"
export XDG_CACHE_HOME
# values long enough that no other bytes of the process match them by chance
V1="v1-$(rand_alnum 40)"
V2="v2-$(rand_alnum 40)"

"$HUSH" vault init dev --dir v >/dev/null
printf '%s' "$V1" | "$HUSH" vault set dev DB_PASSWORD --dir v
printf '%s' "$V2" | "$HUSH" vault set dev API_TOKEN --dir v
{
	printf '%s' "$V1" | od -An -tx1 | tr -d ' \n'
	echo
	printf '%s' "$V2" | od -An -tx1 | tr -d ' \n'
	echo
} >values.hex
# the values and the 32-byte private key
key_hex() {
	python3 -c 'import base64, json, sys; print(base64.b64decode(json.load(open(sys.argv[1]))["secret_key"]).hex())' "$1"
}
{ cat values.hex; key_hex "$KEYS/dev.key"; } >secrets.hex
printf 'seen-%s\n' "$V1" >input.txt

AS_UID=
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1 &&
		setpriv --reuid=65534 --regid=65534 --clear-groups -- test -x "$HUSH_DIRECT" &&
		setpriv --reuid=65534 --regid=65534 --clear-groups -- test -r "$HELD"; then
		chown -R 65534:65534 "$TRASH" &&
			setpriv --reuid=65534 --regid=65534 --clear-groups -- test -w "$TRASH" && AS_UID="--as-uid 65534"
	fi
fi

# held HOW [held.py options] -- COMMAND...: run held.py (as uid 65534 under root), report in ./report
held() {
	_how=$1
	shift
	# shellcheck disable=SC2086
	python3 "$HELD" "$_how" $AS_UID "$@" >report 2>&1
	_rc=$?
	cat report
	return $_rc
}

# no_dumps: the held process was not dumpable and could not write a core file
no_dumps() {
	grep_q "^core-limit: 0 0$" report &&
	if [ -n "$AS_UID" ] || [ "$(id -u)" != 0 ]; then grep_q "^dumpable: no$" report; fi
}

# guarded: every copy of the secrets was in guarded memory (when the memory could be read at all)
guarded() {
	grep -q "^memory: skipped" report && return 0
	grep_q "^memory: [0-9]* secrets, [1-9][0-9]* occurrences, [0-9]* in guarded memory, 0 elsewhere$" report
}

memory_readable() {
	held stdin --input input.txt --secrets values.hex -- "$HUSH_DIRECT" vault set dev PROBE --dir v >/dev/null 2>&1
	! grep -q "^memory: skipped" report
}

test_expect_success "control: a command that holds no secret (vault ls) is dumpable, as the check can tell" '
	held tty -- "$HUSH_DIRECT" vault ls dev --dir v &&
	if [ -n "$AS_UID" ] || [ "$(id -u)" != 0 ]; then grep_q "^dumpable: yes$" report; fi &&
	grep_q "^exit: 0$" report
'

test_expect_success "vault init: not dumpable while it holds the new private key" '
	held tty -- "$HUSH_DIRECT" vault init other --dir v &&
	no_dumps && grep_q "^exit: 0$" report
'

test_expect_success "vault set: not dumpable, the value only in guarded memory while it is read" '
	held stdin --input input.txt --secrets values.hex -- "$HUSH_DIRECT" vault set dev HALF --dir v &&
	no_dumps && guarded && grep_q "^exit: 0$" report
'

test_expect_success "vault import -: not dumpable, the values only in guarded memory while they are read" '
	printf "A=%s\nB=" "$V1" >half.env &&
	held stdin --input half.env --secrets values.hex -- "$HUSH_DIRECT" vault import dev - --dir v &&
	no_dumps && guarded && grep_q "^exit: 0$" report
'

test_expect_success "vault get: not dumpable; the value and the key only in guarded memory while it is written" '
	held tty --secrets secrets.hex -- "$HUSH_DIRECT" vault get dev DB_PASSWORD --dir v &&
	no_dumps && guarded && grep_q "^exit: 0$" report
'

test_expect_success "vault export: not dumpable; values and key only in guarded memory while they are written" '
	held tty --secrets secrets.hex -- "$HUSH_DIRECT" vault export dev --dir v &&
	no_dumps && guarded && grep_q "^exit: 0$" report
'

test_expect_success "vault compact: not dumpable; values and key only in guarded memory" '
	held tty --secrets secrets.hex -- "$HUSH_DIRECT" vault compact dev --dir v &&
	no_dumps && guarded && grep_q "^exit: 0$" report
'

test_expect_success "hush run: not dumpable; values and key only in guarded memory while the command runs" '
	held alive --secrets secrets.hex -- "$HUSH_DIRECT" run -e dev --dir v -- sh -c "touch held.ready; until [ -e held.go ]; do sleep 0.02; done" &&
	no_dumps && guarded && grep_q "^exit: 0$" report
'

test_expect_success "hush run --env-file-only: the same" '
	held alive --secrets secrets.hex -- "$HUSH_DIRECT" run -e dev --dir v --env-file-only -- sh -c "touch held.ready; until [ -e held.go ]; do sleep 0.02; done" &&
	no_dumps && guarded && grep_q "^exit: 0$" report
'

test_expect_success "vault rotate-key: not dumpable; values and the old key only in guarded memory" '
	held tty --secrets secrets.hex -- "$HUSH_DIRECT" vault rotate-key dev --dir v &&
	no_dumps && guarded && grep_q "^exit: 0$" report &&
	{ cat values.hex; key_hex "$KEYS/dev.key"; } >secrets.hex
'

test_expect_success "redact -e: not dumpable, and its core limit is 0, while it holds the values" '
	held stdin --secrets secrets.hex -- "$HUSH_DIRECT" redact -e dev --dir v &&
	no_dumps && grep_q "^exit: 0$" report
'

test_expect_success "scan --vault: not dumpable, and its core limit is 0, while it holds the values" '
	printf "x=%s\n" "$V1" >leak.txt &&
	held tty --secrets secrets.hex -- "$HUSH_DIRECT" scan --vault dev --vault-dir v --no-config leak.txt &&
	no_dumps && grep_q "^exit: 1$" report
'

test_expect_success "hush run after output: not dumpable while the redactor holds the values" '
	held alive --secrets secrets.hex -- "$HUSH_DIRECT" run -e dev --dir v -- sh -c "echo start; touch held.ready; until [ -e held.go ]; do sleep 0.02; done" &&
	no_dumps && grep_q "^exit: 0$" report && grep_q "^start$" held.out
'

if memory_readable; then
	# vectorscan's compiler (hs_compile_lit_multi) copies every literal into ordinary heap memory (std::string,
	# ue2_literal) and frees it unwiped: hush compiles the redactor in a child process and deserializes the database
	# into guarded memory (injector/redact.c, compile_isolated). Not checked here: scan --vault, whose scanner reads
	# the scanned files (holding the values it finds) into ordinary buffers, as any scan does.
	test_expect_success "redact -e: values and key only in guarded memory after the redactor compiled" '
		held stdin --secrets secrets.hex -- "$HUSH_DIRECT" redact -e dev --dir v && guarded
	'
	test_expect_success "hush run after output: values and key only in guarded memory after the redactor compiled" '
		held alive --secrets secrets.hex -- "$HUSH_DIRECT" run -e dev --dir v -- sh -c "echo start; touch held.ready; until [ -e held.go ]; do sleep 0.02; done" &&
		guarded && grep_q "^start$" held.out
	'
else
	test_skip "memory of a process that is not dumpable" "/proc/PID/mem cannot be read (needs CAP_SYS_PTRACE)"
fi

test_done
