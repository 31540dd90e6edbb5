# lib.sh: a tiny TAP harness for hush's CLI tests (in the spirit of git's t/test-lib.sh).
# Each test script sources this file, calls test_expect_success / test_expect_code, then test_done.
# Environment: HUSH (the binary), HUSH_SOURCE_DIR (the source tree). Each script gets a fresh $TRASH dir.
set -u

: "${HUSH:?HUSH must point at the hush binary}"
: "${HUSH_SOURCE_DIR:?HUSH_SOURCE_DIR must point at the source tree}"

# make memcheck (scripts/memcheck.sh): every hush the tests run goes through valgrind, one log per process
if [ -n "${HUSH_MEMCHECK_DIR:-}" ]; then
	HUSH_MEMCHECK_BIN=$HUSH
	HUSH=$HUSH_SOURCE_DIR/scripts/memcheck-hush
	export HUSH HUSH_MEMCHECK_BIN
fi

# HUSH_DIRECT: the binary itself, for the tests that signal hush by pid, kill it or look at its /proc entry
HUSH_DIRECT=$HUSH

# make hygiene (scripts/hygiene.sh): every hush the tests run goes through tests/tools/hygiene-hush, which keeps a
# copy of its output, report and audit lines; the secrets the helpers below make are recorded for the check
if [ -n "${HUSH_HYGIENE_DIR:-}" ]; then
	HUSH_HYGIENE_BIN=$HUSH
	HUSH=${HUSH_HYGIENE_WRAPPER:?HUSH_HYGIENE_WRAPPER must point at the hygiene-hush binary}
	HUSH_HYGIENE_TEST=$(basename "$0" .sh)
	export HUSH HUSH_HYGIENE_BIN HUSH_HYGIENE_TEST
	mkdir -p "$HUSH_HYGIENE_DIR/secrets" "$HUSH_HYGIENE_DIR/leftovers"
fi

# hygiene_record VALUE: under make hygiene, note VALUE (8 bytes or more) as a fixture secret of this script
hygiene_record() {
	if [ -n "${HUSH_HYGIENE_DIR:-}" ] && [ "${#1}" -ge 8 ]; then
		printf '%s\n' "$1" >>"$HUSH_HYGIENE_DIR/secrets/$HUSH_HYGIENE_TEST"
	fi
}

# hygiene_leftovers: under make hygiene, list the temp files of hush writes left in $TRASH (vault and key temps)
hygiene_leftovers() {
	if [ -n "${HUSH_HYGIENE_DIR:-}" ]; then
		find "$TRASH" \( -name '.*.json.??????' -o -name '*.key.new' \) -print 2>/dev/null |
			sed "s|^$TRASH/||" >>"$HUSH_HYGIENE_DIR/leftovers/$HUSH_HYGIENE_TEST"
	fi
}

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/hush-test.XXXXXX")
trap 'hygiene_leftovers; chmod -R u+rwx "$TRASH" 2>/dev/null; rm -rf "$TRASH"' EXIT
cd "$TRASH" || exit 1
export HOME="$TRASH/home"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Tester GIT_AUTHOR_EMAIL=tester@example.invalid
export GIT_COMMITTER_NAME=Tester GIT_COMMITTER_EMAIL=tester@example.invalid
git config --global init.defaultBranch main 2>/dev/null
git config --global user.name Tester 2>/dev/null
git config --global user.email tester@example.invalid 2>/dev/null

test_count=0
test_failed=0

# test_expect_success "description" 'shell commands'
test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_status=$?
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out"
		echo "#   (the test's shell exited with status $test_status)"
		test_failed=$((test_failed + 1))
	fi
}

# expect_code N command...: run command, fail unless it exits with N
expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
	return 0
}

# random alphanumeric string of length $1 (built at run time so this file holds no secret-shaped literal)
rand_alnum() {
	_rand=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1")
	hygiene_record "$_rand"
	printf '%s' "$_rand"
}

# ---- helpers added for the scan/rules tests ----

# Without an explicit cache dir, HOME (inside $TRASH) would force a cold rule compile in every script.
if [ -z "${XDG_CACHE_HOME:-}" ]; then
	XDG_CACHE_HOME="${TMPDIR:-/tmp}/hush-test-cache"
	export XDG_CACHE_HOME
fi

# test_skip "description" "reason": report a test as skipped (TAP "# SKIP")
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# random string of $2 characters from the tr(1) set $1
rand_chars() {
	_rand=$(LC_ALL=C tr -dc "$1" </dev/urandom | head -c "$2")
	hygiene_record "$_rand"
	printf '%s' "$_rand"
}

# Tokens in the formats of rules/*.yml. No 'x'/'X', so no placeholder filter ("xxxx") can drop them.
gen_github() { printf 'ghp_%s' "$(rand_chars 'A-WYZa-wyz0-9' 36)"; }            # github-classic-pat
gen_aws() { printf 'AKIA%s' "$(rand_chars 'A-WYZ2-7' 16)"; }                      # aws-access-key-id
gen_slack() {                                                                     # slack-bot-token
	printf 'xoxb-%s-%s-%s' "$(rand_chars '0-9' 12)" "$(rand_chars '0-9' 13)" "$(rand_chars 'A-WYZa-wyz0-9' 24)"
}
gen_stripe() { printf 'sk_live_%s' "$(rand_chars 'A-WYZa-wyz0-9' 32)"; }          # stripe-secret-key

# in_dir DIR CMD ARGS...: run CMD in DIR (in a subshell); redirections of the caller stay relative to $TRASH
in_dir() {
	(
		cd "$1" || exit 1
		shift
		"$@"
	)
}

# pipe_in FILE CMD ARGS...: cat FILE | CMD ARGS (a real pipe, not a redirection); CMD's exit code
pipe_in() {
	_f=$1
	shift
	cat "$_f" | "$@"
}

# fail "message": print to stderr and return 1
fail() {
	echo "$*" >&2
	return 1
}

# test_cmp EXPECTED ACTUAL: files must be identical
test_cmp() {
	diff -u "$1" "$2" >&2
}

# grep_q PATTERN FILE: like grep -q, but show the file on failure
grep_q() {
	if ! grep -q -e "$1" "$2"; then
		echo "pattern '$1' not found in $2:" >&2
		sed 's/^/|  /' "$2" >&2
		return 1
	fi
}

# grep_none PATTERN FILE...: fail when any file contains the fixed string PATTERN
grep_none() {
	pat=$1
	shift
	if grep -F -l -e "$pat" "$@" >&2; then
		echo "unexpected '$pat' in the files above" >&2
		return 1
	fi
	return 0
}

# json_eval FILE EXPR: evaluate the Python expression EXPR with d = the JSON document in FILE and print it
# (strings raw, everything else as JSON). Fails when FILE is not valid JSON or EXPR raises.
json_eval() {
	python3 - "$1" "$2" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
PYEOF
}

# json_check FILE EXPR: fail unless the Python expression EXPR (with d = FILE's JSON) is true
json_check() {
	python3 - "$1" "$2" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
if not eval(sys.argv[2]):
    sys.stderr.write("json_check failed: %s\n%s\n" % (sys.argv[2], json.dumps(d, indent=1)[:4000]))
    sys.exit(1)
PYEOF
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failed" -ne 0 ]; then
		echo "# failed $test_failed of $test_count"
		exit 1
	fi
	echo "# passed all $test_count"
	exit 0
}

# ---- helpers added for the git tests (t2xxx) ----

# gen_rsa_key N: an RSA private key in PEM with N random 64-character body lines (N >= 2)
gen_rsa_key() {
	printf -- '-----BEGIN RSA %s-----\n' "PRIVATE KEY"
	_i=0
	while [ "$_i" -lt "$1" ]; do
		rand_chars 'A-Za-z0-9+/' 64
		echo
		_i=$((_i + 1))
	done
	printf -- '-----END RSA %s-----\n' "PRIVATE KEY"
}

# test_expect_failure "description" 'shell commands': a known breakage (TAP "# TODO"); does not fail the script
test_expect_failure() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1 # TODO known breakage vanished"
	else
		echo "not ok $test_count - $1 # TODO known breakage"
	fi
}

# ---- helpers added for the hook tests (t3xxx) ----

# ELLIPSIS: the "…" that ends a redacted preview (hush prints the first characters of a secret, then this)
ELLIPSIS=$(printf '\342\200\246')

# pre_receive_hook [OPTIONS...]: print hush's own hooks/pre-receive wrapper with 'exec hush' replaced by $HUSH
# (absolute) and OPTIONS added after 'hook pre-receive'
pre_receive_hook() {
	sed "s|^exec hush hook pre-receive |exec '$HUSH' hook pre-receive ${*:+$* }|" "$HUSH_SOURCE_DIR/hooks/pre-receive"
}

# hook_server DIR [OPTIONS...]: a bare repository DIR whose hooks/pre-receive is pre_receive_hook OPTIONS
hook_server() {
	_srv=$1
	shift
	git init -q --bare "$_srv" &&
		pre_receive_hook "$@" >"$_srv/hooks/pre-receive" &&
		chmod +x "$_srv/hooks/pre-receive" &&
		grep -q "^exec '$HUSH' hook pre-receive" "$_srv/hooks/pre-receive"
}

# commit_file DIR FILE MESSAGE [LINE...]: append the LINEs to FILE in the work tree DIR, stage it and commit
# with git's hooks bypassed (--no-verify): for setting up history, not for testing the hooks
commit_file() {
	_d=$1 _f=$2 _m=$3
	shift 3
	mkdir -p "$(dirname "$_d/$_f")" &&
		for _l in "$@"; do printf '%s\n' "$_l"; done >>"$_d/$_f" &&
		git -C "$_d" add "$_f" &&
		git -C "$_d" commit -q --no-verify -m "$_m"
}

# Bounded runs (t8000, t8100): run_bounded ARGS... runs hush ARGS under 'timeout $LIMIT' (exit 124 when it runs out)
# and GNU time (peak RSS in KiB to rss.txt), stdout to out and stderr to err, all in $BOUNDED_DIR (default: the
# current folder), and returns hush's exit code. rss_below MIB: the peak RSS of the last run_bounded was below MIB
# MiB. The peak RSS is not checked without GNU time, with SMALL set (under valgrind, whose RSS it would be) or with
# ASan, whose allocator (redzones, a quarantine of freed blocks) inflates the peak of many small allocations (libgit2:
# 20 MiB become 860 MiB).
bounded_have_time=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && ! grep -q __asan_init "$HUSH_DIRECT" 2>/dev/null
then
	bounded_have_time=yes
fi

run_bounded() {
	_d=${BOUNDED_DIR:-.}
	if [ -n "$bounded_have_time" ]; then
		/usr/bin/time -f %M -o "$_d/rss.txt" timeout "$LIMIT" "$HUSH" "$@" >"$_d/out" 2>"$_d/err"
	else
		timeout "$LIMIT" "$HUSH" "$@" >"$_d/out" 2>"$_d/err"
	fi
}

rss_below() {
	if [ -z "$bounded_have_time" ] || [ -n "${SMALL:-}" ]; then
		return 0
	fi
	kb=$(tail -n 1 "${BOUNDED_DIR:-.}/rss.txt")
	case "$kb" in
	'' | *[!0-9]*) fail "no RSS figure in rss.txt: $(cat "${BOUNDED_DIR:-.}/rss.txt")" ;;
	*) test "$kb" -lt $(($1 * 1024)) || fail "peak RSS $kb KiB is not below $1 MiB" ;;
	esac
}
