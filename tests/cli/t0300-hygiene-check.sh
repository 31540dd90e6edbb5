#!/bin/sh
# t0300-hygiene-check: the secret-hygiene check of `make hygiene` (scripts/hygiene.sh) can fail. Planted leaks in a
# made-up record (stdout, stderr, a report, audit lines, a temp file, TMPDIR, a core dump) are each found, the
# invocations that ask for plaintext are not counted, and no secret is ever printed; then the real stand-in
# (tests/tools/hygiene-hush) runs hush: it is transparent (exit status, stdin, stdout and stderr, a signal) and a
# value that `hush run` lets through unmasked is found.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

CHECK="$HUSH_SOURCE_DIR/scripts/hygiene-check.py"
S1="s1-$(rand_alnum 24)"
S2="s2-$(rand_alnum 24)"

# inv DIR NAME TEST ARGS...: a made-up record of one hush process, with its arguments; files are added after
inv() {
	_d="$1/inv/$2"
	_t=$3
	shift 3
	mkdir -p "$_d" && printf '%s\0' "$@" >"$_d/argv" && printf '%s' "$_t" >"$_d/test" && echo "exit 0" >"$_d/status"
}

# record DIR: a clean record with S1 and S2 as the fixture secrets of test t9999-demo
record() {
	rm -rf "$1" && mkdir -p "$1/secrets" "$1/tmp" &&
	printf '%s\n%s\nshort\n' "$S1" "$S2" >"$1/secrets/t9999-demo" &&
	inv "$1" a t9999-demo scan . && echo "found ghp_ab…" >"$1/inv/a/stdout" && : >"$1/inv/a/stderr" &&
	inv "$1" b t9999-demo vault get dev NAME && printf '%s' "$S1" >"$1/inv/b/stdout" &&
	inv "$1" c t9999-demo scan --show-secrets -o r.json . && printf '%s' "$S2" >"$1/inv/c/stdout" &&
		printf '{"secret": "%s"}' "$S2" >"$1/inv/c/report" &&
	inv "$1" d t9999-demo run -e dev --no-redact -- sh -c x && printf '%s' "$S2" >"$1/inv/d/stdout" &&
	inv "$1" e t9999-demo redact -e dev && printf '%s' "$S1" >"$1/inv/e/stdout" &&
	inv "$1" f t9999-demo vault export dev && printf 'A="%s"\n' "$S1" >"$1/inv/f/stdout" &&
	inv "$1" g t9999-demo run -e dev -- env && echo "A=[hush:A]" >"$1/inv/g/stdout" &&
		echo "{\"names\":[\"A\"]}" >"$1/inv/g/audit"
}

test_expect_success "a clean record passes; the invocations that ask for plaintext are not counted" '
	record clean &&
	python3 "$CHECK" clean >out 2>err &&
	grep_q "hygiene-check: clean" out &&
	grep_q "7 hush processes" out &&
	grep_q "6 streams that asked for plaintext not checked" out
'

# planted WHAT: the clean record with one leak; the check must fail (1), say where, and print no secret
planted() {
	expect_code 1 python3 "$CHECK" leak >out 2>err &&
	grep_q "$1" out &&
	grep_none "$S1" out err && grep_none "$S2" out err
}

test_expect_success "planted: a secret in the stdout of a scan" '
	record leak && printf "x %s y\n" "$S2" >>leak/inv/a/stdout &&
	planted "t9999-demo: .hush scan \..: its stdout holds 1 fixture secret (number 2 of the test"
'

test_expect_success "planted: in stderr, even of a command whose stdout may hold plaintext" '
	record leak && printf "error near %s\n" "$S1" >leak/inv/b/stderr &&
	planted "t9999-demo: .hush vault get dev NAME.: its stderr holds 1 fixture secret"
'

test_expect_success "planted: in a report written without --show-secrets" '
	record leak && inv leak h t9999-demo scan -f json -o r.json . && printf "[\"%s\"]" "$S1" >leak/inv/h/report &&
	planted "scan -f json -o r.json \..: its report holds 1 fixture secret"
'

test_expect_success "planted: in the audit log" '
	record leak && printf "{\"argv0\":\"%s\"}\n" "$S2" >>leak/inv/g/audit &&
	planted "its audit holds 1 fixture secret"
'

test_expect_success "planted: in the output of hush run (redacted by default)" '
	record leak && printf "A=%s\n" "$S1" >leak/inv/g/stdout &&
	planted "run -e dev -- env.: its stdout holds 1 fixture secret"
'

test_expect_success "planted: a secret in the arguments is masked in the report of the check" '
	record leak && inv leak i t9999-demo scan --salt "$S1" . && printf "%s" "$S2" >leak/inv/i/stdout &&
	planted "scan --salt <secret> \..: its stdout holds 1"
'

test_expect_success "planted: a file left in TMPDIR, with a secret" '
	record leak && printf "%s" "$S2" >leak/tmp/.hush-temp &&
	planted "TMPDIR: .hush-temp was left behind and holds 1 fixture secrets"
'

test_expect_success "planted: a temp file of a hush write left in a test folder" '
	record leak && mkdir -p leak/leftovers && echo "v/.dev.json.AbC123" >leak/leftovers/t9999-demo &&
	planted "t9999-demo: a temp file of a hush write was left behind: v/.dev.json.AbC123"
'

test_expect_success "planted: a hush process that dumped core" '
	record leak && echo "signal 11 core" >leak/inv/a/status &&
	planted "t9999-demo: .hush scan \.. dumped core (signal 11 core)"
'

test_expect_success "an empty record is an error (2), not a pass" '
	mkdir -p empty &&
	expect_code 2 python3 "$CHECK" empty 2>err && grep_q "no invocations recorded" err
'

# the real stand-in around the real binary
W=${HUSH_HYGIENE_WRAPPER:-}
if [ -n "$W" ] && [ -x "$W" ]; then
	unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_NOW
	mkdir -p rec/inv rec/secrets &&
	printf '%s\n%s\n' "$S1" "$S2" >rec/secrets/t0300-demo
	# wrapped ARGS...: hush ARGS through hygiene-hush, recorded in rec/
	wrapped() {
		HUSH_HYGIENE_DIR=$TRASH/rec HUSH_HYGIENE_BIN=$HUSH_DIRECT HUSH_HYGIENE_TEST=t0300-demo "$W" "$@"
	}

	test_expect_success "hygiene-hush: exit status, stdin, stdout and stderr as hush's own" '
		"$HUSH_DIRECT" vault init dev --dir v >/dev/null &&
		printf "%s" "$S1" | wrapped vault set dev A --dir v &&
		test "$(wrapped vault get dev A --dir v)" = "$S1" &&
		expect_code 2 wrapped vault get dev NOPE --dir v 2>err &&
		grep_q "no secret .NOPE." err &&
		cat rec/inv/*/stderr >all.err && grep_q "no secret .NOPE." all.err &&
		expect_code 3 wrapped run -e dev --dir v -- sh -c "exit 3" &&
		printf "x\n" | expect_code 2 wrapped redact -e dev --dir v >/dev/full 2>err &&
		grep_q "cannot write to standard output" err
	'

	# killed.py CMD...: run CMD; fail unless a SIGKILL ended it
	cat >killed.py <<-\EOF
	import subprocess, sys
	rc = subprocess.run(sys.argv[1:]).returncode
	sys.exit(0 if rc == -9 else "exit status %d, not -9 (SIGKILL)" % rc)
	EOF

	test_expect_success "hygiene-hush: a signal sent to it reaches hush; a signal that ends hush ends it" '
		HUSH_HYGIENE_DIR=$TRASH/rec HUSH_HYGIENE_BIN=$HUSH_DIRECT HUSH_HYGIENE_TEST=t0300-demo \
			"$W" run -e dev --dir v -- sh -c "trap \"echo got-term; exit 7\" TERM; echo ready; while :; do sleep 0.05; done" >sig.out 2>&1 &
		wpid=$! &&
		for i in $(seq 100); do grep -q ready sig.out 2>/dev/null && break; sleep 0.05; done &&
		kill -TERM $wpid &&
		expect_code 7 wait $wpid &&
		grep_q "^got-term$" sig.out &&
		HUSH_HYGIENE_DIR=$TRASH/rec HUSH_HYGIENE_BIN=$HUSH_DIRECT python3 "$TRASH/killed.py" "$W" run -e dev --dir v -- sh -c "kill -KILL \$PPID"
	'

	test_expect_success "end to end: a value hush run did not mask is found; the vault get is not counted" '
		printf "%s\n" "$S2" >plain.txt &&
		wrapped run -e dev --dir v -- sh -c "echo \"\$A\"; cat plain.txt" >run.out &&
		grep_q "^\[hush:A\]$" run.out &&
		expect_code 1 python3 "$CHECK" rec >out 2>err &&
		grep_q "t0300-demo: .hush run -e dev --dir v -- sh -c echo .* its stdout holds 1 fixture secret (number 2 " out &&
		test "$(grep -c " holds " out)" = 1 &&
		grep_none "$S1" out err && grep_none "$S2" out err
	'
else
	test_skip "hygiene-hush around hush" "HUSH_HYGIENE_WRAPPER is not set (ctest sets it)"
fi

test_done
