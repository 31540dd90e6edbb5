#!/bin/sh
# t1910-scan-confidence: findings in tests and documentation are one level less confident (issue 8), and
# --min-confidence leaves out what is below it; placeholders and published example values are not findings.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# 11 distinct letters and 3 distinct digits, shuffled: the generic rule wants a letter and a digit, and 14 distinct
# characters always have the entropy it asks for (a value of random characters lacked a digit 1 time in 9)
distinct_password() {
	{ echo ABCDEFGHIJKLMNOPQRSTUVWYZabcdefghijklmnopqrstuvwyz | fold -w1 | shuf -n 11
	  echo 23456789 | fold -w1 | shuf -n 3; } | shuf | tr -d '\n'
}

test_expect_success "setup: the same kinds of token in code, tests and docs" '
	git init -q repo &&
	mkdir -p repo/src repo/tests/fixtures repo/docs &&
	printf "GITHUB_TOKEN=%s\n" "$(gen_github)" >repo/src/app.env &&
	printf "GITHUB_TOKEN=%s\n" "$(gen_github)" >repo/tests/fixtures/app.env &&
	printf "export GITHUB_TOKEN=%s\n" "$(gen_github)" >repo/docs/setup.md &&
	printf "db_password = \"%s\"\n" "$(distinct_password)" >repo/src/settings.py &&
	printf "token = %s\n" "$(gen_aws)" >repo/src/client_test.go
'

test_expect_success "confidence is lowered one level in tests and docs, with the context and the rule's level" '
	expect_code 1 "$HUSH" scan --no-config --format json repo >out.json &&
	json_check out.json "sorted((f[\"path\"], f[\"rule_id\"], f[\"confidence\"], f.get(\"context\"), f.get(\"rule_confidence\")) for f in d[\"findings\"]) == [
		(\"repo/docs/setup.md\", \"github-classic-pat\", \"medium\", \"docs\", \"high\"),
		(\"repo/src/app.env\", \"github-classic-pat\", \"high\", None, None),
		(\"repo/src/client_test.go\", \"aws-access-key-id\", \"medium\", \"test\", \"high\"),
		(\"repo/src/settings.py\", \"generic-secret-assignment\", \"low\", None, None),
		(\"repo/tests/fixtures/app.env\", \"github-classic-pat\", \"medium\", \"test\", \"high\")]" &&
	json_check out.json "\"below_min_confidence\" not in d[\"summary\"]"
'

test_expect_success "the text report says why a confidence was lowered" '
	expect_code 1 "$HUSH" scan --no-config repo >out &&
	grep_q "^repo/tests/fixtures/app.env:1:14: github-classic-pat \[medium\] ghp_…  (.*, in a test: confidence lowered, fingerprint" out &&
	grep_q "^repo/docs/setup.md:1:21: github-classic-pat \[medium\] ghp_…  (.*, in documentation: confidence lowered, fingerprint" out
'

test_expect_success "--min-confidence medium and high leave out the rest, counted in the summary" '
	expect_code 1 "$HUSH" scan --no-config --min-confidence medium --format json repo >med.json &&
	json_check med.json "len(d[\"findings\"]) == 4 and d[\"summary\"][\"below_min_confidence\"] == 1" &&
	expect_code 1 "$HUSH" scan --no-config --min-confidence high --format json repo >high.json &&
	json_check high.json "[f[\"path\"] for f in d[\"findings\"]] == [\"repo/src/app.env\"]" &&
	json_check high.json "d[\"summary\"][\"below_min_confidence\"] == 4" &&
	expect_code 0 "$HUSH" scan --no-config --min-confidence high repo/tests repo/docs &&
	expect_code 1 "$HUSH" scan --no-config --min-confidence low repo >/dev/null
'

test_expect_success "SARIF levels follow the lowered confidence" '
	expect_code 1 "$HUSH" scan --no-config --format sarif repo >out.sarif &&
	json_check out.sarif "sorted((r[\"locations\"][0][\"physicalLocation\"][\"artifactLocation\"][\"uri\"], r[\"level\"]) for r in d[\"runs\"][0][\"results\"]) == [(\"docs/setup.md\", \"warning\"), (\"src/app.env\", \"error\"), (\"src/client_test.go\", \"warning\"), (\"src/settings.py\", \"note\"), (\"tests/fixtures/app.env\", \"warning\")]" &&
	json_check out.sarif "[r[\"properties\"][\"context\"] for r in d[\"runs\"][0][\"results\"] if \"properties\" in r] == [\"docs\", \"test\", \"test\"]"
'

test_expect_success "a bad --min-confidence is a usage error" '
	expect_code 2 "$HUSH" scan --no-config --min-confidence severe repo 2>err &&
	grep_q "invalid --min-confidence .severe.: use low, medium or high" err
'

test_expect_success "placeholders, templates and published example values are not findings" '
	mkdir ph &&
	cat >ph/config.env <<-\EOF &&
	DB_PASSWORD=${DB_PASSWORD}
	API_TOKEN=@API_TOKEN@
	SECRET_KEY=%SECRET_KEY%
	password = "abc123456xyz"
	api_key = "xxx-xxx-xxx-xxx"
	access_token = "2YotnFZFEjr1zCsicMWpAA"
	client_secret = "kd94hf93k423kf44"
	EOF
	expect_code 0 "$HUSH" scan --no-config ph
'

test_done
