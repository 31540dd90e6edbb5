#!/bin/sh
# hygiene.sh BUILD_DIR [CTEST_REGEX]: run the CLI tests (default: all, "cli/") with every hush process behind
# tests/tools/hygiene-hush, which keeps a copy of what hush printed, the report it wrote and the audit lines it
# added, while tests/cli/lib.sh records every fixture secret the tests make. Then scripts/hygiene-check.py looks for
# those secrets in all of it, in the temp files of hush writes left in the tests' folders, and in anything left in
# the run's own TMPDIR; and a hush process that dumped core is a finding too (core files are allowed for the run:
# ulimit -c unlimited, as far as the hard limit goes). Fails on any finding or any failing test.
# The copies live in BUILD_DIR/hygiene/ (removed at the start of the next run; they hold the tests' random
# secrets, nothing else). hygiene-check.py says what counts and which invocations may print plaintext.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: hygiene.sh BUILD_DIR [CTEST_REGEX]}" && pwd)
FILTER=${2:-cli/}
DIR=$BUILD/hygiene
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

if [ ! -x "$BUILD/tests/hygiene-hush" ]; then
	echo "hygiene.sh: $BUILD/tests/hygiene-hush is missing (build the tests first)" >&2
	exit 2
fi
rm -rf "$DIR"
mkdir -p "$DIR/inv"
# the tests' own TMPDIR, empty at the start; outside any git work tree (the tests make repositories in it, and
# one inside the build folder would be ignored by its .gitignore); DIR/tmp points at it for hygiene-check.py
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hush-hygiene.XXXXXX") || exit 2
chmod 1777 "$TMP" # as /tmp: some tests run hush as another user
trap 'rm -rf "$TMP"' EXIT
ln -s "$TMP" "$DIR/tmp"
HUSH_HYGIENE_DIR=$DIR
HUSH_HYGIENE_WRAPPER=$BUILD/tests/hygiene-hush
TMPDIR=$TMP
export HUSH_HYGIENE_DIR HUSH_HYGIENE_WRAPPER TMPDIR
ulimit -c "$(ulimit -H -c)" 2>/dev/null
start=$(date +%s)
(cd "$BUILD" && ctest -R "$FILTER" -j "$JOBS" --output-on-failure) >"$DIR/ctest.log" 2>&1
ctest_rc=$?
end=$(date +%s)
tests=$(grep -c 'Test *#' "$DIR/ctest.log")
echo "hygiene: $tests test scripts in $((end - start)) s (log: $DIR/ctest.log)"
if [ "$ctest_rc" -ne 0 ]; then
	echo "hygiene: tests that failed behind hygiene-hush:"
	sed -n 's/^[[:space:]]*[0-9]* - \(.*\)/  \1/p' "$DIR/ctest.log"
fi
python3 "$ROOT/scripts/hygiene-check.py" "$DIR"
check_rc=$?
[ "$ctest_rc" -eq 0 ] && [ "$check_rc" -eq 0 ]
