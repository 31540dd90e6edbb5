#!/bin/sh
# memcheck.sh BUILD_DIR [CTEST_REGEX]: run the CLI tests (default: all, "cli/") with every hush process under
# valgrind memcheck (scripts/memcheck-hush), then read every log. Fails when any process had an error: a leak
# (definite, indirect or possible), an invalid read or write, a use of an uninitialised value, a bad free. Tests that
# fail under valgrind without a memcheck error (timing, or a check of the binary's own path) are listed but do not
# fail the run: `make test` covers them. Leaks of a process that a signal ended (a test's timeout) do not count: it
# frees nothing by design. Suppressions: tests/valgrind.supp (third-party one-time allocations only).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: memcheck.sh BUILD_DIR [CTEST_REGEX]}" && pwd)
FILTER=${2:-cli/}
LOGS=$BUILD/memcheck
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

if ! command -v valgrind >/dev/null 2>&1; then
	echo "memcheck.sh: valgrind is missing (scripts/install-deps.sh installs it)" >&2
	exit 2
fi
rm -rf "$LOGS"
mkdir -p "$LOGS"
HUSH_MEMCHECK_DIR=$LOGS
export HUSH_MEMCHECK_DIR
start=$(date +%s)
(cd "$BUILD" && ctest -R "$FILTER" -j "$JOBS" --output-on-failure) >"$LOGS/ctest.log" 2>&1
ctest_rc=$?
end=$(date +%s)

nlogs=0
bad=""
for f in "$LOGS"/vg.*.log; do
	[ -f "$f" ] || continue
	nlogs=$((nlogs + 1))
	# a process killed by SIGKILL (the crash tests) writes no summary: nothing to read there
	grep -q 'ERROR SUMMARY: [1-9]' "$f" || continue
	# one that a signal ended (a test's timeout(1)) freed nothing on purpose: only its other errors count
	if grep -q 'Process terminating with default action of signal' "$f" &&
		! grep -q -E '^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination|Argument)' "$f"; then
		continue
	fi
	bad="$bad $f"
done
tests=$(grep -c 'Test *#' "$LOGS/ctest.log")
echo "memcheck: $tests test scripts, $nlogs hush processes under valgrind, $((end - start)) s"
if [ "$ctest_rc" -ne 0 ]; then
	echo "memcheck: tests that failed under valgrind (they run without it in 'make test'):"
	sed -n 's/^ *[0-9]* - \(.*\)/  \1/p' "$LOGS/ctest.log"
fi
if [ -n "$bad" ]; then
	for f in $bad; do
		echo
		echo "== $f"
		grep -m1 '^==[0-9]*== Command:' "$f"
		grep -v -E '^==[0-9]+== *$' "$f" | sed -n '/^==[0-9]*== [A-Z].*\(lost\|Invalid\|uninitialised\|Mismatched\|Syscall param\|free\)/,/^==[0-9]*== *$/p' | head -60
	done
	echo
	echo "memcheck: errors in $(echo "$bad" | wc -w) of $nlogs processes (logs in $LOGS)" >&2
	exit 1
fi
echo "memcheck: clean (no leak, invalid access or uninitialised value in $nlogs processes)"
exit 0
