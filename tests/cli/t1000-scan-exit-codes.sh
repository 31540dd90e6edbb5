#!/bin/sh
# t1000-scan-exit-codes: 0 clean, 1 findings, 2 errors; warnings, and --strict turning them into exit 2.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

test_expect_success "a clean folder exits 0 with an empty report" '
	mkdir clean &&
	printf "nothing to see here\n" >clean/a.txt &&
	printf "key = value\n" >clean/b.cfg &&
	expect_code 0 "$HUSH" scan clean >out 2>err &&
	test ! -s out &&
	grep_q "^hush: scanned 2 files (32 B) in [0-9]* ms: 0 findings$" err
'

test_expect_success "an empty folder exits 0" '
	mkdir empty &&
	expect_code 0 "$HUSH" scan empty >out 2>err &&
	test ! -s out &&
	grep_q "^hush: scanned 0 files (0 B) in [0-9]* ms: 0 findings$" err
'

test_expect_success "a planted GitHub token exits 1 and is reported as path:line:col" '
	mkdir dirty &&
	tok=$(gen_github) &&
	printf "first line\n  export GITHUB_TOKEN=%s\n" "$tok" >dirty/env.sh &&
	expect_code 1 "$HUSH" scan dirty >out 2>err &&
	test "$(wc -l <out)" -eq 1 &&
	grep_q "^dirty/env.sh:2:23: github-classic-pat \[high\] ghp_…  (GitHub personal access token (classic), fingerprint [0-9a-f]\{32\})$" out &&
	grep_q "^hush: scanned 1 file ([0-9]* B) in [0-9]* ms: 1 finding$" err
'

test_expect_success "several findings in several files, sorted by path, line and column" '
	mkdir multi multi/sub &&
	printf "%s %s\n\n\t%s\n" "$(gen_github)" "$(gen_github)" "$(gen_github)" >multi/z.txt &&
	printf "a %s\n" "$(gen_aws)" >multi/sub/a.txt &&
	expect_code 1 "$HUSH" scan multi >out 2>err &&
	cut -d" " -f1,2 out >got &&
	printf "%s\n" "multi/sub/a.txt:1:3: aws-access-key-id" "multi/z.txt:1:1: github-classic-pat" \
		"multi/z.txt:1:42: github-classic-pat" "multi/z.txt:3:2: github-classic-pat" >expect &&
	test_cmp expect got &&
	grep_q "^hush: scanned 2 files (.*) in [0-9]* ms: 4 findings$" err
'

test_expect_success "the default path is the current directory" '
	expect_code 1 in_dir dirty "$HUSH" scan >out 2>err &&
	grep_q "^env.sh:2:23: github-classic-pat " out &&
	expect_code 0 in_dir clean "$HUSH" scan >out 2>err &&
	test ! -s out
'

test_expect_success "-q prints no summary line" '
	expect_code 1 "$HUSH" scan -q dirty >out 2>err &&
	test ! -s err &&
	test -s out &&
	expect_code 0 "$HUSH" scan --quiet clean >out 2>err &&
	test ! -s err && test ! -s out
'

test_expect_success "a nonexistent path gives a warning and does not change the exit code" '
	expect_code 0 "$HUSH" scan no-such-dir >out 2>err &&
	test ! -s out &&
	grep_q "^hush: warning: cannot scan .no-such-dir.: No such file or directory$" err &&
	grep_q "^hush: scanned 0 files (0 B) in [0-9]* ms: 0 findings, 1 warning$" err &&
	expect_code 1 "$HUSH" scan no-such-dir dirty >out 2>err &&
	grep_q "^dirty/env.sh:2:23: " out &&
	grep_q "warning: cannot scan .no-such-dir." err
'

test_expect_success "--strict turns a warning into exit 2, also over findings" '
	expect_code 2 "$HUSH" scan --strict no-such-dir >out 2>err &&
	grep_q "warning: cannot scan .no-such-dir." err &&
	expect_code 2 "$HUSH" scan --strict dirty no-such-dir >out 2>err &&
	grep_q "^dirty/env.sh:2:23: " out &&
	expect_code 1 "$HUSH" scan --strict dirty >out 2>err &&
	expect_code 0 "$HUSH" scan --strict clean >out 2>err
'

test_expect_success "a file over --max-file-size 1K: warning naming it; exit 0/1 without --strict, 2 with" '
	mkdir big &&
	python3 -c "import sys; sys.stdout.write(\"word \" * 400)" >big/large.txt &&
	printf "%s\n" "$(gen_github)" >>big/large.txt &&
	printf "small %s\n" "$(gen_github)" >big/small.txt &&
	expect_code 1 "$HUSH" scan --max-file-size 1K big >out 2>err &&
	grep_q "^hush: warning: skipping .big/large.txt.: .* is over the --max-file-size limit" err &&
	grep_q "^big/small.txt:1:7: " out &&
	test "$(wc -l <out)" -eq 1 &&
	grep_q ": 1 finding, 1 skipped, 1 warning$" err &&
	rm big/small.txt &&
	expect_code 0 "$HUSH" scan --max-file-size 1K big >out 2>err &&
	test ! -s out &&
	grep_q "skipping .big/large.txt." err &&
	expect_code 2 "$HUSH" scan --strict --max-file-size 1K big >out 2>err &&
	grep_q "skipping .big/large.txt." err &&
	expect_code 1 "$HUSH" scan --strict --max-file-size 3K big >out 2>err &&
	grep_q "^big/large.txt:1:2001: github-classic-pat " out
'

test_expect_success "a FIFO named on the command line is a warning, exit 2 under --strict" '
	mkfifo pipe &&
	expect_code 0 timeout 20 "$HUSH" scan pipe >out 2>err &&
	grep_q "^hush: warning: skipping .pipe.: not a regular file or directory$" err &&
	expect_code 2 timeout 20 "$HUSH" scan --strict pipe >out 2>err
'

# Unreadable files need a user that permissions apply to: as root, run hush as nobody through setpriv, with a
# one-rule set (nobody cannot use the compiled-rules cache, and the full catalogue compiles slowly). nobody must
# also be able to reach the binary (or the hygiene/memcheck wrapper) and $TRASH: a clone in a 0700 folder (mktemp
# -d) keeps nobody out, and then these tests are skipped, not failed.
unpriv=
unpriv_why="root without setpriv"
if [ "$(id -u)" -ne 0 ]; then
	unpriv=direct
elif command -v setpriv >/dev/null 2>&1 && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	chmod 755 "$TRASH"
	# shellcheck disable=SC2016 # expanded by the inner sh
	if setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'cd "$1" && "$2" --version' sh "$TRASH" "$HUSH" \
		>/dev/null 2>&1; then
		unpriv=setpriv
	else
		unpriv_why="nobody cannot reach $HUSH or $TRASH (a folder above them is not searchable)"
	fi
fi

# hush_unpriv ARGS...: run hush scan ARGS as a user that file permissions apply to
hush_unpriv() {
	if [ "$unpriv" = setpriv ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$HUSH" scan --no-config --no-cache \
			--no-builtin-rules --rules "$TRASH/perm.yml" "$@"
	else
		"$HUSH" scan --no-config --no-cache --no-builtin-rules --rules "$TRASH/perm.yml" "$@"
	fi
}

if [ -n "$unpriv" ]; then
	test_expect_success "setup: a world-readable one-rule file" '
		chmod 755 "$TRASH" &&
		printf "%s\n" "rules:" "  - id: test-perm" "    description: test token" \
			"    pattern: '\''\\b(ghx_[a-z0-9]{20})\\b'\''" "    keywords: [ghx_]" "    confidence: high" >perm.yml &&
		chmod 644 perm.yml &&
		mkdir readable &&
		printf "x %s\n" "ghx_$(rand_chars a-wyz0-9 20)" >readable/ok.txt &&
		chmod -R a+rX readable &&
		expect_code 1 hush_unpriv readable >out 2>err &&
		grep_q "^readable/ok.txt:1:3: test-perm " out
	'
	test_expect_success "an unreadable file is a warning, exit 2 under --strict" '
		mkdir unread &&
		printf "x %s\n" "ghx_$(rand_chars a-wyz0-9 20)" >unread/secret.txt &&
		printf "x %s\n" "ghx_$(rand_chars a-wyz0-9 20)" >unread/other.txt &&
		chmod 755 unread && chmod 644 unread/other.txt && chmod 000 unread/secret.txt &&
		expect_code 1 hush_unpriv unread >out 2>err &&
		grep_q "^hush: warning: cannot open .unread/secret.txt.: Permission denied$" err &&
		grep_q "^unread/other.txt:1:3: test-perm " out &&
		test "$(wc -l <out)" -eq 1 &&
		expect_code 2 hush_unpriv --strict unread >out 2>err
	'
	test_expect_success "an unreadable folder is a warning, exit 2 under --strict" '
		mkdir -p unreaddir/inner &&
		printf "x %s\n" "ghx_$(rand_chars a-wyz0-9 20)" >unreaddir/inner/secret.txt &&
		chmod 755 unreaddir && chmod 000 unreaddir/inner &&
		expect_code 0 hush_unpriv unreaddir >out 2>err &&
		grep_q "^hush: warning: cannot open directory .unreaddir/inner.: Permission denied$" err &&
		test ! -s out &&
		expect_code 2 hush_unpriv --strict unreaddir >out 2>err
	'
else
	test_skip "an unreadable file is a warning, exit 2 under --strict" "$unpriv_why"
	test_skip "an unreadable folder is a warning, exit 2 under --strict" "$unpriv_why"
fi

test_expect_success "an unwritable report is an error (exit 2)" '
	expect_code 2 "$HUSH" scan --report no-such-dir/report.txt dirty >out 2>err &&
	test ! -s out &&
	grep_q "^hush: error: cannot write the report .no-such-dir/report.txt.: No such file or directory$" err
'

test_expect_success "stdin cannot be combined with other paths (exit 2)" '
	expect_code 2 "$HUSH" scan - dirty </dev/null >out 2>err &&
	grep_q "^hush: error: .-. (stdin) cannot be combined with other paths$" err
'

test_done
