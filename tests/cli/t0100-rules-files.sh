#!/bin/sh
# t0100-rules-files: user rule files (--rules FILE/DIR), their errors, --no-builtin-rules, --disable-rule,
# the rules/disable_rules/builtin_rules keys of .hush.yml, and `hush rules check` on a user file.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# write_rule FILE ID PREFIX: a valid rule file with one rule matching PREFIX_ + 20 of [a-z0-9]
# (line 4 is the pattern, line 6 the confidence; examples on lines 8-11; no runs like abcdef or 123456 in them,
# which the placeholder filter drops)
write_rule() {
	cat >"$1" <<EOF
rules:
  - id: $2
    description: test token $3
    pattern: '\\b($3_[a-z0-9]{20})\\b'
    keywords: [$3_]
    confidence: high
    examples:
      - text: 'a $3_q7w2e9r4t1y8u3i6o5p0'
        secret: '$3_q7w2e9r4t1y8u3i6o5p0'
      - text: 'b $3_5m2n8b4v1c7z9k3l6j0h'
        secret: '$3_5m2n8b4v1c7z9k3l6j0h'
    negative_examples:
      - '$3_short'
EOF
}

# scan_ids ARGS...: run hush scan --format json ARGS, write the sorted rule ids found (one per line) to ids,
# leaving out findings in the rule files themselves (their examples match), and return hush's exit code
scan_ids() {
	"$HUSH" scan -q --format json "$@" >scan.json
	rc=$?
	json_eval scan.json "\"\\n\".join(sorted(f[\"rule_id\"] for f in d[\"findings\"] if \"rules.d/\" not in f[\"path\"]))" >ids || return 1
	return $rc
}

# in_sub ARGS...: run hush in repo/sub
in_sub() {
	(cd repo/sub && "$HUSH" "$@")
}

test_expect_success "setup: rule files and a tree with three kinds of token" '
	write_rule good.yml test-ghx ghx &&
	mkdir rules.d &&
	cp good.yml rules.d/a.yml &&
	write_rule rules.d/b.yaml test-qqz qqz &&
	echo "not a rule file" >rules.d/README.txt &&
	echo "rules: [" >rules.d/.hidden.yml &&
	mkdir tree &&
	printf "one %s\n" "$(gen_github)" >tree/gh.txt &&
	printf "two %s\n" "ghx_$(rand_chars a-wyz0-9 20)" >tree/ghx.txt &&
	printf "three %s\n" "qqz_$(rand_chars a-wyz0-9 20)" >tree/qqz.txt &&
	test "$(cat tree/*.txt | wc -l)" -eq 3
'

# check_rule_error FILE LINE COL MESSAGE: scan and rules check with --rules FILE fail with FILE:LINE:COL: MESSAGE
check_rule_error() {
	expect_code 2 "$HUSH" scan --no-config --rules "$1" tree >out 2>err || return 1
	test ! -s out || fail "stdout not empty" || return 1
	grep_q "^hush: error: $1:$2:$3: $4" err || return 1
	expect_code 2 "$HUSH" rules check --no-config --no-builtin-rules --rules "$1" >out 2>err || return 1
	grep_q "^hush: error: $1:$2:$3: $4" err
}

test_expect_success "an unknown key in a rule is an error at its line and column" '
	sed "s/^    confidence: high$/    confidence: high\n    colour: red/" good.yml >unknown.yml &&
	sed -n 7p unknown.yml | grep -q "^    colour: red$" &&
	check_rule_error unknown.yml 7 5 "unknown key .colour. in rule .test-ghx."
'

test_expect_success "invalid YAML is an error with a position" '
	printf "rules:\n  - id: [unclosed\n    description: x\n" >badyaml.yml &&
	check_rule_error badyaml.yml 3 "[0-9][0-9]*" "did not find expected"
'

test_expect_success "a bad confidence is an error naming the value" '
	sed "s/confidence: high/confidence: extreme/" good.yml >conf.yml &&
	check_rule_error conf.yml 6 17 ".confidence. must be high, medium or low, not .extreme."
'

test_expect_success "a rule without a pattern is an error at the rule" '
	sed "/^    pattern:/d" good.yml >nopattern.yml &&
	check_rule_error nopattern.yml 2 5 "rule .test-ghx. has no .pattern."
'

test_expect_success "an unbounded pattern (ghx_[a-z]+) is an error at the pattern" '
	sed "s/^    pattern: .*/    pattern: '\''ghx_[a-z]+'\''/" good.yml >unbounded.yml &&
	grep -q "^    pattern: .ghx_\[a-z\]+.$" unbounded.yml &&
	check_rule_error unbounded.yml 4 14 "rule .test-ghx.: the pattern has no maximum width"
'

test_expect_success "a pattern PCRE2 rejects, one that matches the empty string, a bad id, a duplicate id" '
	sed "s/^    pattern: .*/    pattern: '\''(ghx_[a-z]{20}'\''/" good.yml >pcre.yml &&
	check_rule_error pcre.yml 4 14 "rule .test-ghx.: invalid pattern at offset [0-9]*: missing closing parenthesis" &&
	sed "s/^    pattern: .*/    pattern: '\''a{0,3}'\''/" good.yml >empty.yml &&
	check_rule_error empty.yml 4 14 "rule .test-ghx.: the pattern can match the empty string" &&
	sed "s/id: test-ghx/id: Test_GHX/" good.yml >badid.yml &&
	check_rule_error badid.yml 2 9 "invalid rule id .Test_GHX." &&
	{ cat good.yml && sed 1d good.yml; } >dup.yml &&
	check_rule_error dup.yml 14 5 "duplicate rule id .test-ghx. (first defined on line 2)"
'

test_expect_success "a missing rules path is an error" '
	expect_code 2 "$HUSH" scan --no-config --rules no-such.yml tree >out 2>err &&
	grep_q "cannot read rules .no-such.yml." err &&
	mkdir emptyrules &&
	expect_code 2 "$HUSH" scan --no-config --rules emptyrules tree 2>err &&
	grep_q "no rule files (\*.yml, \*.yaml) in .emptyrules." err
'

test_expect_success "--no-builtin-rules --rules FILE scans with that rule only" '
	expect_code 1 scan_ids --no-config --no-builtin-rules --rules good.yml tree &&
	echo test-ghx >expect &&
	test_cmp expect ids &&
	json_check scan.json "d[\"findings\"][0][\"path\"] == \"tree/ghx.txt\" and d[\"findings\"][0][\"line\"] == 1 and d[\"findings\"][0][\"column\"] == 5" &&
	"$HUSH" rules list --no-config --no-builtin-rules --rules good.yml >out &&
	test "$(wc -l <out)" -eq 2 &&
	grep -E -q "^test-ghx +high +good.yml +test token ghx$" out &&
	grep -q "^1 rules$" out
'

test_expect_success "--rules DIR loads every *.yml and *.yaml file in it, skipping others and dot files" '
	expect_code 1 scan_ids --no-config --no-builtin-rules --rules rules.d tree &&
	printf "test-ghx\ntest-qqz\n" >expect &&
	test_cmp expect ids &&
	"$HUSH" rules list --no-config --no-builtin-rules --rules rules.d >out &&
	grep -E -q "^test-ghx +high +rules.d/a.yml " out &&
	grep -E -q "^test-qqz +high +rules.d/b.yaml " out &&
	grep -q "^2 rules$" out
'

test_expect_success "--rules DIR adds its rules to the built-in ones" '
	n=$("$HUSH" rules list --no-config | sed -n "\$s/ rules\$//p") &&
	"$HUSH" rules list --no-config --rules rules.d >out &&
	grep -q "^$((n + 2)) rules$" out &&
	grep -E -q "^github-classic-pat " out &&
	expect_code 1 scan_ids --no-config --rules rules.d tree &&
	printf "github-classic-pat\ntest-ghx\ntest-qqz\n" >expect &&
	test_cmp expect ids
'

test_expect_success "a user rule with a built-in id replaces the built-in rule" '
	sed "s/id: test-ghx/id: github-classic-pat/" good.yml >override.yml &&
	n=$("$HUSH" rules list --no-config | sed -n "\$s/ rules\$//p") &&
	"$HUSH" rules list --no-config --rules override.yml >out &&
	grep -q "^$n rules$" out &&
	test "$(grep -c "^github-classic-pat " out)" -eq 1 &&
	grep -E -q "^github-classic-pat +high +override.yml +test token ghx$" out
'

test_expect_success "--disable-rule turns one rule off and its finding disappears" '
	expect_code 1 scan_ids --no-config --no-builtin-rules --rules rules.d --disable-rule test-qqz tree &&
	echo test-ghx >expect &&
	test_cmp expect ids &&
	expect_code 2 "$HUSH" scan --no-config --no-builtin-rules --rules rules.d --disable-rule test-qqz --disable-rule test-ghx tree >out 2>err &&
	test ! -s out &&
	grep_q "no rules left to scan with" err &&
	"$HUSH" rules list --no-config --disable-rule github-classic-pat >out &&
	! grep -q "^github-classic-pat " out
'

test_expect_success "--disable-rule with an unknown id exits 2" '
	expect_code 2 "$HUSH" scan --no-config --disable-rule no-such-rule tree >out 2>err &&
	test ! -s out &&
	grep_q "^hush: error: --disable-rule: unknown rule .no-such-rule." err &&
	expect_code 2 "$HUSH" rules list --no-config --disable-rule no-such-rule >out 2>err &&
	grep_q "unknown rule .no-such-rule." err
'

test_expect_success "setup: a git repository with the rules in it" '
	git init -q repo &&
	cp -R rules.d repo/rules.d &&
	cp tree/*.txt repo/ &&
	mkdir repo/sub &&
	cp tree/ghx.txt repo/sub/ &&
	(cd repo && git add . && git commit -q -m init)
'

test_expect_success ".hush.yml rules: adds rules (relative to the repository root)" '
	printf "rules:\n  - rules.d\n" >repo/.hush.yml &&
	expect_code 1 scan_ids repo &&
	printf "github-classic-pat\ntest-ghx\ntest-ghx\ntest-qqz\n" >expect &&
	test_cmp expect ids &&
	(cd repo/sub && "$HUSH" rules list >../../out) &&
	grep -E -q "^test-qqz +high +.*/repo/rules.d/b.yaml " out
'

test_expect_success ".hush.yml builtin_rules: false uses only the configured rules" '
	printf "builtin_rules: false\nrules: [rules.d/a.yml]\n" >repo/.hush.yml &&
	expect_code 1 scan_ids repo &&
	printf "test-ghx\ntest-ghx\n" >expect &&
	test_cmp expect ids &&
	json_check scan.json "sorted(f[\"path\"] for f in d[\"findings\"] if f[\"path\"].endswith(\".txt\")) == [\"repo/ghx.txt\", \"repo/sub/ghx.txt\"]"
'

test_expect_success ".hush.yml disable_rules: turns rules off" '
	printf "builtin_rules: false\nrules: [rules.d]\ndisable_rules: [test-ghx]\n" >repo/.hush.yml &&
	expect_code 1 scan_ids repo &&
	echo test-qqz >expect &&
	test_cmp expect ids
'

test_expect_success ".hush.yml is read from the repository root when scanning a subfolder" '
	printf "builtin_rules: false\nrules: [rules.d]\ndisable_rules: [test-qqz]\n" >repo/.hush.yml &&
	expect_code 1 in_sub scan -q --format json . >scan.json &&
	json_check scan.json "[(f[\"rule_id\"], f[\"path\"]) for f in d[\"findings\"]] == [(\"test-ghx\", \"ghx.txt\")]"
'

test_expect_success "--no-config ignores .hush.yml, --config reads another file" '
	printf "builtin_rules: false\nrules: [rules.d]\ndisable_rules: [test-qqz]\n" >repo/.hush.yml &&
	expect_code 1 scan_ids --no-config repo &&
	echo github-classic-pat >expect &&
	test_cmp expect ids &&
	printf "builtin_rules: false\nrules: [rules.d]\ndisable_rules: [test-ghx]\n" >other.yml &&
	expect_code 1 scan_ids --config other.yml repo &&
	echo test-qqz >expect &&
	test_cmp expect ids
'

test_expect_success "a bad .hush.yml is an error with file:line:col" '
	printf "salt: abc\ncolour: red\n" >repo/.hush.yml &&
	expect_code 2 "$HUSH" scan repo >out 2>err &&
	test ! -s out &&
	grep_q "^hush: error: .*repo/.hush.yml:2:1: unknown key .colour." err &&
	printf "builtin_rules: maybe\n" >repo/.hush.yml &&
	expect_code 2 "$HUSH" scan repo 2>err &&
	grep_q "repo/.hush.yml:1:16: .\{0,1\}builtin_rules.\{0,1\} must be true or false, not .maybe." err &&
	printf "disable_rules: [no-such-rule]\n" >repo/.hush.yml &&
	expect_code 2 "$HUSH" scan repo 2>err &&
	grep_q "repo/.hush.yml: disable_rules: unknown rule .no-such-rule." err &&
	printf "rules: [missing.d]\n" >repo/.hush.yml &&
	expect_code 2 "$HUSH" scan repo 2>err &&
	grep_q "cannot read rules .*repo/missing.d." err &&
	rm repo/.hush.yml
'

test_expect_success "rules check passes a good user rule file" '
	expect_code 0 "$HUSH" rules check --no-config --no-builtin-rules --rules good.yml >out 2>err &&
	grep_q "^1 rules, 2 examples, 1 negative examples: all passed$" out &&
	test ! -s err
'

test_expect_success "rules check fails (exit 1) for an example that does not match, naming rule and line" '
	sed "s/^      - text: .b ghx_5m2n8b4v1c7z9k3l6j0h.$/      - text: '\''b ghx_5m2n'\''/" good.yml >nomatch.yml &&
	sed -n 10p nomatch.yml | grep -q "b ghx_5m2n.$" &&
	expect_code 1 "$HUSH" rules check --no-config --no-builtin-rules --rules nomatch.yml >out 2>err &&
	grep_q "^1 rules, 2 examples, 1 negative examples: FAILED$" out &&
	grep_q "^nomatch.yml:10: rule .test-ghx.: example 2 does not match$" err &&
	grep_q "^hush: 1 check failed$" err
'

test_expect_success "rules check fails for a wrong secret, a matching negative example, too few examples" '
	sed "s/^        secret: .ghx_5m2n8b4v1c7z9k3l6j0h.$/        secret: '\''ghx_5m2n8b4v1c7z9k3l6j0q'\''/" good.yml >wrong.yml &&
	expect_code 1 "$HUSH" rules check --no-config --no-builtin-rules --rules wrong.yml >out 2>err &&
	grep_q "^wrong.yml:10: rule .test-ghx.: example 2 yields a different secret (starting .ghx_5m2n8b4v.) instead of the one given$" err &&
	sed "s/^      - .ghx_short.$/      - '\''ghx_k3j5h7g9f1d3s5a7q9w1'\''/" good.yml >neg.yml &&
	expect_code 1 "$HUSH" rules check --no-config --no-builtin-rules --rules neg.yml >out 2>err &&
	grep_q "^neg.yml:13: rule .test-ghx.: negative example 1 matches (secret starting .ghx_k3j5h7g9.)$" err &&
	sed "10,11d" good.yml >few.yml &&
	expect_code 1 "$HUSH" rules check --no-config --no-builtin-rules --rules few.yml >out 2>err &&
	grep_q "^few.yml:2: rule .test-ghx.: needs at least 2 examples, has 1$" err
'

test_expect_success "rules check exits 2 when a rule does not load" '
	expect_code 2 "$HUSH" rules check --no-config --no-builtin-rules --rules unbounded.yml >out 2>err &&
	grep_q "unbounded.yml:4:14:" err
'

test_done
