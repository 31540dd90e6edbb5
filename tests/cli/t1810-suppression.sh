#!/bin/sh
# t1810-suppression: .hushignore, gitleaks:allow and --no-inline-allow, and .hush.yml's allow settings (paths,
# regexes, stopwords, fingerprints; globally and per rule; the old 'allowlist' name) with their errors.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# scan_json DIR ARGS...: hush scan -q --format json ARGS in DIR, report in $TRASH/scan.json; hush's exit code
scan_json() {
	_d=$1
	shift
	(cd "$_d" && "$HUSH" scan -q --format json "$@") >scan.json
}

# found: the sorted paths of the findings in scan.json
found() {
	json_eval scan.json "\"\\n\".join(sorted(f[\"path\"] for f in d[\"findings\"]))"
}

# fp_of PATH: the fingerprint of the finding in PATH (from scan.json)
fp_of() {
	json_eval scan.json "[f[\"fingerprint\"] for f in d[\"findings\"] if f[\"path\"] == \"$1\"][0]"
}

# A GitHub token with WORD inside it (WORD: letters and digits)
gen_github_with() {
	printf 'ghp_%s%s%s' "$(rand_chars 'A-WYZa-wyz0-9' 10)" "$1" "$(rand_chars 'A-WYZa-wyz0-9' $((26 - ${#1})))"
}

test_expect_success "setup: a repository with four findings" '
	git init -q repo &&
	printf "a = %s\n" "$(gen_github)" >repo/one.txt &&
	printf "b = %s\n" "$(gen_github)" >repo/two.txt &&
	printf "c = %s\n" "$(gen_aws)" >repo/three.txt &&
	printf "d = %s\n" "$(gen_slack)" >repo/four.txt &&
	git -C repo add . && git -C repo commit -q -m init &&
	expect_code 1 scan_json repo &&
	fp_of one.txt >one.fp && fp_of three.txt >three.fp && fp_of four.txt >four.fp &&
	grep -E -q "^[0-9a-f]{32}$" one.fp
'

test_expect_success ".hushignore: fingerprints with comments and blank lines are ignored for good (counted as allowed)" '
	{
		echo "# findings we accepted"
		echo
		printf "%s   # test fixture, revoked\n" "$(cat one.fp)"
		printf "  %s\t\r\n" "$(cat three.fp)"
		echo "   # indented comment"
		printf "%s#no space before the comment\n" "$(tr a-f A-F <four.fp)"
	} >repo/.hushignore &&
	expect_code 1 scan_json repo &&
	found >got && echo two.txt >expect && test_cmp expect got &&
	json_check scan.json "d[\"summary\"][\"allowed\"] == 3" &&
	(cd repo/ && "$HUSH" scan >/dev/null 2>../err); grep_q "1 finding, 3 allowed" err
'

test_expect_success ".hushignore is read from the repository root when scanning a subfolder or the history" '
	mkdir -p repo/sub && printf "e = %s\n" "$(gen_github)" >repo/sub/five.txt &&
	(cd repo/sub && expect_code 1 "$HUSH" scan -q --format json >../../scan.json) &&
	found >got && echo five.txt >expect && test_cmp expect got &&
	rm -r repo/sub &&
	expect_code 1 scan_json repo --history &&
	found >got && echo two.txt >expect && test_cmp expect got
'

test_expect_success "--no-config skips .hushignore too" '
	expect_code 1 scan_json repo --no-config &&
	json_check scan.json "len(d[\"findings\"]) == 4 and d[\"summary\"][\"allowed\"] == 0"
'

test_expect_success ".hushignore works together with a .hush.yml and its allow.fingerprints" '
	printf "allow:\n  fingerprints: [%s]\n" "$(fp_of two.txt)" >repo/.hush.yml &&
	expect_code 1 scan_json repo --no-config &&
	printf "allow:\n  fingerprints: [%s]\n" "$(fp_of two.txt)" >repo/.hush.yml &&
	expect_code 0 scan_json repo &&
	json_check scan.json "d[\"summary\"][\"allowed\"] == 4" &&
	rm repo/.hush.yml
'

test_expect_success "a malformed .hushignore line is an error naming .hushignore:LINE, without quoting the line" '
	cp repo/.hushignore good.hushignore &&
	gen_github >tok &&
	printf "# ok\n%s\nkey = %s\n" "$(cat one.fp)" "$(cat tok)" >repo/.hushignore &&
	(cd repo && expect_code 2 "$HUSH" scan >../out 2>../err) &&
	grep_q "^hush: error: .*/\.hushignore:3:1: expected a fingerprint (32 hexadecimal digits)" err &&
	grep_none "$(cat tok)" err out &&
	printf "%s extra\n" "$(cat one.fp)" >repo/.hushignore &&
	(cd repo && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hushignore:1:1: expected a fingerprint" err &&
	printf "   %s0\n" "$(cat one.fp)" >repo/.hushignore &&
	(cd repo && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hushignore:1:4: expected a fingerprint" err &&
	(cd repo && expect_code 1 "$HUSH" scan --no-config >/dev/null 2>&1) &&
	rm repo/.hushignore && mkdir repo/.hushignore &&
	(cd repo && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hushignore.*not a regular file" err &&
	rmdir repo/.hushignore && cp good.hushignore repo/.hushignore
'

test_expect_success "gitleaks:allow on the line suppresses the finding like hush:allow" '
	mkdir inline &&
	printf "a %s # gitleaks:allow\n" "$(gen_github)" >inline/gitleaks.txt &&
	printf "b %s // hush:allow\n" "$(gen_github)" >inline/hush.txt &&
	printf "c %s\n" "$(gen_github)" >inline/plain.txt &&
	printf "# gitleaks:allow\nd %s\n" "$(gen_github)" >inline/before.txt &&
	expect_code 1 scan_json inline &&
	printf "%s\n" before.txt plain.txt >expect && found >got && test_cmp expect got &&
	json_check scan.json "d[\"summary\"][\"allowed\"] == 2"
'

test_expect_success "--no-inline-allow reports findings marked hush:allow or gitleaks:allow (audits)" '
	expect_code 1 scan_json inline --no-inline-allow &&
	printf "%s\n" before.txt gitleaks.txt hush.txt plain.txt >expect && found >got && test_cmp expect got &&
	json_check scan.json "d[\"summary\"][\"allowed\"] == 0" &&
	(cd inline && git init -q && git add . && git commit -q -m x) &&
	expect_code 1 scan_json inline --history --no-inline-allow &&
	json_check scan.json "len(d[\"findings\"]) == 4" &&
	expect_code 1 scan_json inline --history &&
	json_check scan.json "len(d[\"findings\"]) == 2"
'

test_expect_success "--no-inline-allow does not turn off .hushignore or .hush.yml" '
	expect_code 1 scan_json repo --no-inline-allow &&
	found >got && echo two.txt >expect && test_cmp expect got
'

test_expect_success "setup: a repository for allow settings" '
	git init -q allow &&
	mkdir -p allow/src allow/test/fixtures allow/docs &&
	gen_github_with Qz9Stop >stop.tok &&
	printf "a = %s\n" "$(cat stop.tok)" >allow/src/stopword.txt &&
	printf "b = %s\n" "$(gen_github_with 7777Tail)" >allow/src/regex.txt &&
	printf "c = %s\n" "$(gen_github)" >allow/src/plain.txt &&
	printf "d = %s\n" "$(gen_aws)" >allow/test/fixtures/aws.txt &&
	printf "e = %s\n" "$(gen_github)" >allow/test/fixtures/gh.txt &&
	printf "f = %s\n" "$(gen_slack)" >allow/docs/slack.md &&
	git -C allow add . && git -C allow commit -q -m init &&
	expect_code 1 scan_json allow &&
	json_check scan.json "len(d[\"findings\"]) == 6"
'

test_expect_success "allow.paths (globs) suppresses whole files" '
	printf "allow:\n  paths: [\"test/**\", \"*.md\"]\n" >allow/.hush.yml &&
	expect_code 1 scan_json allow &&
	printf "%s\n" src/plain.txt src/regex.txt src/stopword.txt >expect && found >got && test_cmp expect got
'

test_expect_success "allow.stopwords: case-insensitive substrings of the secret" '
	printf "allow:\n  stopwords: [qz9STOP]\n" >allow/.hush.yml &&
	expect_code 1 scan_json allow &&
	! grep -q stopword.txt scan.json &&
	json_check scan.json "len(d[\"findings\"]) == 5 and d[\"summary\"][\"allowed\"] == 1"
'

test_expect_success "allow.regexes: PCRE2, searched in the secret (not in the line)" '
	printf "allow:\n  regexes: [\"7{4}tail\$\", \"(?i)7{4}TAIL\", \"^a = \"]\n" >allow/.hush.yml &&
	expect_code 1 scan_json allow &&
	json_check scan.json "len(d[\"findings\"]) == 5" &&
	! grep -q regex.txt scan.json &&
	printf "allow:\n  regexes: \"^ghp_\"\n" >allow/.hush.yml &&
	expect_code 1 scan_json allow &&
	printf "%s\n" docs/slack.md test/fixtures/aws.txt >expect && found >got && test_cmp expect got &&
	json_check scan.json "d[\"summary\"][\"allowed\"] == 4"
'

test_expect_success "allow.rules: paths, regexes and stopwords only for that rule" '
	cat >allow/.hush.yml <<-EOF &&
	allow:
	  rules:
	    aws-access-key-id:
	      paths: [test/fixtures/]
	    github-classic-pat:
	      paths: ["docs/**"]
	      stopwords: [qz9stop]
	    slack-bot-token:
	      regexes: ["^xoxb-"]
	      paths: [src/]
	EOF
	expect_code 1 scan_json allow &&
	printf "%s\n" src/plain.txt src/regex.txt test/fixtures/gh.txt >expect && found >got && test_cmp expect got &&
	json_check scan.json "d[\"summary\"][\"allowed\"] == 3"
'

test_expect_success "allow: global and per-rule settings add up; the history scan honours them too" '
	cat >allow/.hush.yml <<-EOF &&
	allow:
	  paths: ["*.md"]
	  regexes: [Tail]
	  rules:
	    github-classic-pat:
	      paths: [test/]
	EOF
	expect_code 1 scan_json allow &&
	printf "%s\n" src/plain.txt src/stopword.txt test/fixtures/aws.txt >expect && found >got && test_cmp expect got &&
	expect_code 1 scan_json allow --history &&
	found >got && test_cmp expect got &&
	expect_code 1 scan_json allow --no-config &&
	json_check scan.json "len(d[\"findings\"]) == 6"
'

test_expect_success "the old allowlist: key still works, with the new keys too" '
	printf "allowlist:\n  paths: [test/]\n  stopwords: [QZ9STOP]\n" >allow/.hush.yml &&
	expect_code 1 scan_json allow &&
	printf "%s\n" docs/slack.md src/plain.txt src/regex.txt >expect && found >got && test_cmp expect got
'

test_expect_success "allow and allowlist together are refused" '
	printf "allow:\n  paths: [a/]\nallowlist:\n  paths: [b/]\n" >allow/.hush.yml &&
	(cd allow && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hush\.yml:3:1: conflicting key .allowlist.: .allowlist. is the old name of .allow., use one" err &&
	printf "allowlist:\n  rules: {}\n" >allow/.hush.yml &&
	(cd allow && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hush\.yml:2:3: .rules. belongs under .allow., not .allowlist." err
'

test_expect_success "a bad regex is an error FILE:LINE:COL naming the problem" '
	printf "salt: s\nallow:\n  regexes:\n    - ok\n    - \"(unclosed\"\n" >allow/.hush.yml &&
	(cd allow && expect_code 2 "$HUSH" scan >../out 2>../err) &&
	grep_q "^hush: error: .*/\.hush\.yml:5:7: invalid regex in .allow\.regexes.: missing closing parenthesis at offset 9$" err &&
	test ! -s out &&
	printf "allow:\n  rules:\n    github-classic-pat:\n      regexes: [\"a{2,1}\"]\n" >allow/.hush.yml &&
	(cd allow && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hush\.yml:4:17: invalid regex in .allow\.rules\.github-classic-pat\.regexes.: " err
'

test_expect_success "an unknown rule id under allow.rules is an error; disabled or left-out built-in rules are not" '
	printf "allow:\n  rules:\n    github-clasic-pat:\n      paths: [a/]\n" >allow/.hush.yml &&
	(cd allow && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "^hush: error: .*/\.hush\.yml:3:5: unknown rule .github-clasic-pat. in allow\.rules$" err &&
	printf "disable_rules: [slack-bot-token]\nallow:\n  rules:\n    slack-bot-token: {paths: [a/]}\n" >allow/.hush.yml &&
	(cd allow && expect_code 1 "$HUSH" scan -q >/dev/null) &&
	printf "allow:\n  rules:\n    slack-bot-token: {paths: [a/]}\n" >allow/.hush.yml &&
	(cd allow && expect_code 1 "$HUSH" scan -q --disable-rule slack-bot-token >/dev/null) &&
	(cd allow && expect_code 0 "$HUSH" scan -q --no-builtin-rules --rules "$HUSH_SOURCE_DIR/rules/stripe.yml" >/dev/null)
'

test_expect_success "config errors in the allow settings name FILE:LINE:COL" '
	printf "allow:\n  stopwords: {a: b}\n" >allow/.hush.yml &&
	(cd allow && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hush\.yml:2:14: .allow\.stopwords. must be a list of strings" err &&
	printf "allow:\n  rules:\n    github-classic-pat:\n      fingerprints: [a]\n" >allow/.hush.yml &&
	(cd allow && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hush\.yml:4:7: unknown key .fingerprints. in allow\.rules\.github-classic-pat" err &&
	printf "allow:\n  fingerprints: [not-a-fingerprint]\n" >allow/.hush.yml &&
	(cd allow && expect_code 2 "$HUSH" scan 2>../err) &&
	grep_q "\.hush\.yml:2:18: .allow\.fingerprints. entries are fingerprints: 32 hexadecimal digits" err &&
	rm allow/.hush.yml
'

test_done
