# lib.sh: a tiny TAP harness for hush's CLI tests (in the spirit of git's t/test-lib.sh).
# Each test script sources this file, calls test_expect_success / test_expect_code, then test_done.
# Environment: HUSH (the binary), HUSH_SOURCE_DIR (the source tree). Each script gets a fresh $TRASH dir.
set -u

: "${HUSH:?HUSH must point at the hush binary}"
: "${HUSH_SOURCE_DIR:?HUSH_SOURCE_DIR must point at the source tree}"

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/hush-test.XXXXXX")
trap 'chmod -R u+rwx "$TRASH" 2>/dev/null; rm -rf "$TRASH"' EXIT
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
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out"
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
	LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1"
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
