#!/bin/sh
# t0000-basics: version, help, usage errors, rules list and rules check; the binary is a PIE without text relocations.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

test_expect_success "--version prints hush, library versions and the rule count" '
	expect_code 0 "$HUSH" --version >out 2>err &&
	test ! -s err &&
	test "$(wc -l <out)" -eq 6 &&
	grep -E -q "^hush [0-9]+\.[0-9]+\.[0-9]+$" out &&
	grep -E -q "^libhs \(vectorscan\) [0-9]+\.[0-9]+\.[0-9]+" out &&
	grep -E -q "^PCRE2 [0-9]+\.[0-9]+" out &&
	grep -E -q "^libgit2 [0-9]+\.[0-9]+\.[0-9]+$" out &&
	grep -E -q "^libsodium [0-9]+\.[0-9]+\.[0-9]+$" out &&
	n=$(sed -n "s/^rules \([0-9][0-9]*\) built-in$/\1/p" out) &&
	test -n "$n" && test "$n" -ge 60
'

test_expect_success "hush version and hush -V print the same as --version" '
	"$HUSH" --version >expect &&
	expect_code 0 "$HUSH" version >out &&
	test_cmp expect out &&
	expect_code 0 "$HUSH" -V >out &&
	test_cmp expect out
'

test_expect_success "hush help lists every command and the exit codes" '
	expect_code 0 "$HUSH" help >out 2>err &&
	test ! -s err &&
	head -n 1 out | grep -q "^usage: hush " &&
	for c in scan rules help version; do
		grep -E -q "^  $c +[a-z]" out || fail "command $c not listed"
	done &&
	grep -q "Exit status: 0 clean, 1 findings, 2 error" out &&
	expect_code 0 "$HUSH" --help >out2 &&
	test_cmp out out2 &&
	expect_code 0 "$HUSH" -h >out2 &&
	test_cmp out out2
'

test_expect_success "hush help scan and hush scan --help print the scan usage" '
	expect_code 0 "$HUSH" help scan >help.out 2>err &&
	test ! -s err &&
	head -n 1 help.out | grep -q "^usage: hush scan \[OPTIONS\] \[PATH...\]" &&
	for o in --format --report --show-secrets --threads --no-ignore --binary --max-file-size --salt \
		--strict --quiet --color --rules --no-builtin-rules --disable-rule --config --no-config --no-cache; do
		grep -q -e "$o" help.out || fail "option $o missing from scan usage"
	done &&
	expect_code 0 "$HUSH" scan --help >opt.out 2>err &&
	test ! -s err &&
	test_cmp help.out opt.out &&
	expect_code 0 "$HUSH" scan -h >opt.out &&
	test_cmp help.out opt.out
'

test_expect_success "--help wins over other arguments and scans nothing" '
	mkdir helpdir &&
	printf "x %s\n" "$(gen_github)" >helpdir/a.txt &&
	expect_code 0 "$HUSH" scan --format json helpdir --help >out 2>err &&
	head -n 1 out | grep -q "^usage: hush scan" &&
	test ! -s err
'

test_expect_success "hush rules --help and hush help rules print the rules usage" '
	expect_code 0 "$HUSH" rules --help >out 2>err &&
	test ! -s err &&
	head -n 1 out | grep -q "^usage: hush rules list" &&
	grep -q "^       hush rules check" out &&
	expect_code 0 "$HUSH" help rules >out2 &&
	test_cmp out out2 &&
	expect_code 0 "$HUSH" help version >out3 &&
	grep -q "^usage: hush version" out3
'

test_expect_success "no command prints the usage on stderr and exits 2" '
	expect_code 2 "$HUSH" >out 2>err &&
	test ! -s out &&
	grep -q "^usage: hush" err
'

test_expect_success "an unknown command exits 2 with a message on stderr" '
	expect_code 2 "$HUSH" frobnicate >out 2>err &&
	test ! -s out &&
	grep_q "^hush: error: unknown command .frobnicate." err &&
	expect_code 2 "$HUSH" help frobnicate >out 2>err &&
	test ! -s out &&
	grep_q "unknown command .frobnicate." err
'

test_expect_success "an unknown option exits 2 with a message on stderr" '
	expect_code 2 "$HUSH" scan --frobnicate . >out 2>err &&
	test ! -s out &&
	grep_q "frobnicate" err &&
	grep_q "hush scan --help" err &&
	expect_code 2 "$HUSH" rules list --frobnicate >out 2>err &&
	test ! -s out &&
	grep_q "frobnicate" err
'

test_expect_success "invalid option values exit 2 with a message naming the value" '
	expect_code 2 "$HUSH" scan --format xml . >out 2>err &&
	test ! -s out && grep_q "unknown format .xml." err &&
	expect_code 2 "$HUSH" scan -j 0 . 2>err && grep_q "invalid thread count .0." err &&
	expect_code 2 "$HUSH" scan -j 257 . 2>err && grep_q "invalid thread count .257." err &&
	expect_code 2 "$HUSH" scan -j two . 2>err && grep_q "invalid thread count .two." err &&
	expect_code 2 "$HUSH" scan --color sometimes . 2>err && grep_q "invalid --color .sometimes." err &&
	expect_code 2 "$HUSH" scan --max-file-size 0 . 2>err && grep_q "invalid --max-file-size .0." err &&
	expect_code 2 "$HUSH" scan --max-file-size 12Q . 2>err && grep_q "invalid --max-file-size .12Q." err &&
	expect_code 2 "$HUSH" scan --threads 2>err && grep_q "requires an argument" err
'

test_expect_success "rules: a missing or unknown subcommand exits 2" '
	expect_code 2 "$HUSH" rules >out 2>err &&
	test ! -s out && grep_q "^usage: hush rules" err &&
	expect_code 2 "$HUSH" rules frob 2>err &&
	grep_q "unknown subcommand .rules frob." err &&
	expect_code 2 "$HUSH" rules list extra 2>err &&
	grep_q "unexpected argument .extra." err
'

test_expect_success "rules list lists at least 60 unique rules, as many as --version counts" '
	expect_code 0 "$HUSH" rules list --no-config >out 2>err &&
	test ! -s err &&
	total=$(sed -n "\$s/^\([0-9][0-9]*\) rules$/\1/p" out) &&
	test -n "$total" && test "$total" -ge 60 &&
	sed "\$d" out >rules.txt &&
	test "$(wc -l <rules.txt)" -eq "$total" &&
	awk "{print \$1}" rules.txt | sort | uniq -d >dups &&
	test ! -s dups &&
	awk "\$2 != \"high\" && \$2 != \"medium\" && \$2 != \"low\" {bad=1} END {exit bad}" rules.txt &&
	grep -E -q "^github-classic-pat +high +rules/github.yml +" rules.txt &&
	grep -E -q "^aws-access-key-id +high +rules/aws.yml +" rules.txt &&
	"$HUSH" --version | grep -q "^rules $total built-in$"
'

test_expect_success "rules list --format json has the same rules with their fields" '
	"$HUSH" rules list --no-config >text.out &&
	expect_code 0 "$HUSH" rules list --no-config --format json >out.json &&
	json_check out.json "isinstance(d, list) and len(d) >= 60" &&
	json_check out.json "all(set(r) == {\"id\", \"description\", \"confidence\", \"source\", \"keywords\", \"generic\", \"pattern\", \"prefilter\"} for r in d)" &&
	json_check out.json "all(isinstance(r[\"pattern\"], str) and r[\"pattern\"] and (r[\"prefilter\"] is None or isinstance(r[\"prefilter\"], str)) for r in d)" &&
	json_check out.json "any(r[\"prefilter\"] for r in d) and any(r[\"prefilter\"] is None for r in d)" &&
	json_check out.json "[r[\"pattern\"] for r in d if r[\"id\"] == \"aws-access-key-id\"][0].find(\"AKIA\") >= 0" &&
	json_check out.json "all(r[\"keywords\"] and r[\"confidence\"] in (\"high\", \"medium\", \"low\") for r in d)" &&
	json_eval out.json "\"\\n\".join(r[\"id\"] for r in d)" >json.ids &&
	sed "\$d" text.out | awk "{print \$1}" >text.ids &&
	test_cmp text.ids json.ids &&
	expect_code 2 "$HUSH" rules list --format yaml 2>err &&
	grep_q "unknown format .yaml." err
'

test_expect_success "rules check passes for the built-in catalogue" '
	"$HUSH" rules check --no-config >out 2>err
	rc=$?
	cat out err >&2
	test "$rc" -eq 0 &&
	test ! -s err &&
	grep -E -q "^[0-9]+ rules, [0-9]+ examples, [0-9]+ negative examples: all passed$" out
'

test_expect_success "hush is a position-independent executable without text relocations" '
	if command -v readelf >/dev/null 2>&1; then
		readelf -h "$HUSH" >hdr &&
		grep_q "Type:.*DYN" hdr &&
		readelf -d "$HUSH" >dyn &&
		grep_q "(FLAGS_1).*PIE" dyn &&
		grep_none TEXTREL dyn
	fi
'

test_done
