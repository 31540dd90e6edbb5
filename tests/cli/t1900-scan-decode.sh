#!/bin/sh
# t1900-scan-decode: secrets inside encoded text (issue 8): a Kubernetes Secret with a base64 GitHub token, a data
# URI, hex and percent-encoding with --decode, nesting with --decode-depth, the reported place and chain in every
# report, no duplicate of a raw finding, and the same behaviour for stdin, --staged, --diff and --history.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

b64() { printf %s "$1" | base64 | tr -d '\n'; }
hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }

test_expect_success "setup: a manifest, a data URI, hex, percent and nested base64" '
	gh=$(gen_github) && printf %s "$gh" >token &&
	mkdir tree &&
	cat >tree/secret.yaml <<-EOF &&
	apiVersion: v1
	kind: Secret
	metadata:
	  name: ci-token
	type: Opaque
	data:
	  token: $(b64 "$gh")
	EOF
	printf "logo = \"data:application/json;base64,%s\"\n" "$(b64 "{\"github_token\": \"$gh\"}")" >tree/page.html &&
	printf "key_hex = %s\n" "$(hex "$gh")" >tree/hex.txt &&
	printf "callback = https://ci.example.invalid/cb?token=%s&r=%%2Fhome%%2Fme\n" "$gh" >tree/url.txt &&
	printf "nested: %s\n" "$(b64 "$(b64 "export GH=$gh")")" >tree/nested.txt &&
	pct=$(printf "%s" "$gh" | sed "s/_/%5F/") &&
	printf "a = %s\n" "$pct" >tree/pct-only.txt
'

test_expect_success "a base64 token in a Kubernetes Secret is found at its value, with its chain" '
	expect_code 1 "$HUSH" scan --no-config --format json tree/secret.yaml >out.json &&
	json_check out.json "len(d[\"findings\"]) == 1" &&
	json_check out.json "d[\"findings\"][0][\"rule_id\"] == \"github-classic-pat\"" &&
	json_check out.json "d[\"findings\"][0][\"encoding\"] == \"base64\"" &&
	json_check out.json "(d[\"findings\"][0][\"line\"], d[\"findings\"][0][\"column\"]) == (7, 10)" &&
	json_check out.json "d[\"findings\"][0][\"secret\"] == \"ghp_\\u2026\"" &&
	expect_code 1 "$HUSH" scan --no-config --format json --show-secrets tree/secret.yaml >shown.json &&
	json_eval shown.json "d[\"findings\"][0][\"secret\"]" >got && printf "%s\n" "$(cat token)" >want &&
	test_cmp want got &&
	json_check shown.json "d[\"findings\"][0][\"end_offset\"] - d[\"findings\"][0][\"start_offset\"] == len(\"$(b64 "$(cat token)")\")"
'

test_expect_success "the text report names the chain; --decode none leaves only the Kubernetes Secret rule (a fallback)" '
	expect_code 1 "$HUSH" scan --no-config tree/secret.yaml >out &&
	grep_q "^tree/secret.yaml:7:10: github-classic-pat \[high\] ghp_…  (.*, decoded from base64, fingerprint" out &&
	test "$(wc -l <out)" -eq 1 &&
	expect_code 1 "$HUSH" scan --no-config --decode none tree/secret.yaml >out &&
	grep_q "^tree/secret.yaml:7:10: kubernetes-secret-data \[medium\] Z2hw… " out &&
	test "$(wc -l <out)" -eq 1
'

test_expect_success "a data URI holding base64 JSON" '
	expect_code 1 "$HUSH" scan --no-config --format json tree/page.html >out.json &&
	json_check out.json "[(f[\"rule_id\"], f[\"encoding\"], f[\"column\"]) for f in d[\"findings\"]] == [(\"github-classic-pat\", \"base64\", 38)]"
'

test_expect_success "hex and percent only when asked for" '
	expect_code 0 "$HUSH" scan --no-config tree/hex.txt tree/pct-only.txt >out &&
	test ! -s out &&
	expect_code 1 "$HUSH" scan --no-config --decode hex,percent --format json tree/hex.txt tree/pct-only.txt >out.json &&
	json_check out.json "sorted((f[\"path\"], f[\"encoding\"]) for f in d[\"findings\"]) == [(\"tree/hex.txt\", \"hex\"), (\"tree/pct-only.txt\", \"percent\")]"
'

test_expect_success "a raw token in a percent-encoded URL: one finding (the raw one), whatever is decoded" '
	expect_code 1 "$HUSH" scan --no-config --format json tree/url.txt >raw.json &&
	expect_code 1 "$HUSH" scan --no-config --decode all --format json tree/url.txt >all.json &&
	json_check raw.json "len(d[\"findings\"]) == 1" &&
	json_check all.json "len(d[\"findings\"]) == 1" &&
	json_check all.json "\"encoding\" not in d[\"findings\"][0]"
'

test_expect_success "--decode-depth: base64 in base64 at the default depth 2, not at 1" '
	expect_code 1 "$HUSH" scan --no-config --format json tree/nested.txt >out.json &&
	json_check out.json "[f[\"encoding\"] for f in d[\"findings\"]] == [\"base64>base64\"]" &&
	expect_code 0 "$HUSH" scan --no-config --decode-depth 1 tree/nested.txt
'

test_expect_success "bad --decode and --decode-depth values are usage errors" '
	expect_code 2 "$HUSH" scan --no-config --decode base64,rot13 tree 2>err &&
	grep_q "invalid --decode .base64,rot13." err &&
	expect_code 2 "$HUSH" scan --no-config --decode-depth 0 tree 2>err &&
	grep_q "invalid --decode-depth .0.: use a number from 1 to 8" err &&
	expect_code 2 "$HUSH" scan --no-config --decode-depth 9 tree 2>err
'

test_expect_success "JSON Lines and SARIF carry the chain; SARIF still holds no secret" '
	expect_code 1 "$HUSH" scan --no-config --format jsonl tree/secret.yaml >out.jsonl &&
	head -n 1 out.jsonl >first.json &&
	json_check first.json "d[\"encoding\"] == \"base64\"" &&
	expect_code 1 "$HUSH" scan --no-config --format sarif --show-secrets tree/secret.yaml >out.sarif &&
	json_check out.sarif "d[\"runs\"][0][\"results\"][0][\"properties\"][\"encoding\"] == \"base64\"" &&
	grep_none "$(cat token)" out.sarif &&
	grep_none "$(b64 "$(cat token)")" out.sarif
'

test_expect_success "hush:allow on the line of the encoded value" '
	sed "s/^\(  token: .*\)$/\1  # hush:allow/" tree/secret.yaml >allowed.yaml &&
	grep -q "hush:allow" allowed.yaml &&
	expect_code 0 "$HUSH" scan --no-config allowed.yaml 2>err &&
	grep_q "1 allowed" err
'

test_expect_success "stdin" '
	pipe_in tree/secret.yaml expect_code 1 "$HUSH" scan --no-config --format json - >out.json &&
	json_check out.json "[(f[\"path\"], f[\"line\"], f[\"encoding\"]) for f in d[\"findings\"]] == [(\"-\", 7, \"base64\")]"
'

test_expect_success "--staged, --diff and --history decode too" '
	git init -q repo &&
	commit_file repo README "first" "hello" &&
	cp tree/secret.yaml repo/secret.yaml &&
	git -C repo add secret.yaml &&
	in_dir repo expect_code 1 "$HUSH" scan --no-config --staged --format json >staged.json &&
	json_check staged.json "[(f[\"path\"], f[\"line\"], f[\"encoding\"]) for f in d[\"findings\"]] == [(\"secret.yaml\", 7, \"base64\")]" &&
	git -C repo diff --cached >change.diff &&
	expect_code 1 "$HUSH" scan --no-config --diff change.diff --format json >diff.json &&
	json_check diff.json "[(f[\"path\"], f[\"line\"], f[\"encoding\"]) for f in d[\"findings\"]] == [(\"secret.yaml\", 7, \"base64\")]" &&
	git -C repo commit -q --no-verify -m "add secret" &&
	expect_code 1 "$HUSH" scan --no-config --history --format json repo >hist.json &&
	json_check hist.json "[(f[\"path\"], f[\"line\"], f[\"encoding\"]) for f in d[\"findings\"]] == [(\"secret.yaml\", 7, \"base64\")]" &&
	json_check hist.json "len(d[\"findings\"][0][\"commit\"]) == 40"
'

test_expect_success "the pre-commit hook blocks a base64 token" '
	git init -q hookrepo &&
	commit_file hookrepo README "first" "hello" &&
	cp tree/secret.yaml hookrepo/ &&
	git -C hookrepo add secret.yaml &&
	in_dir hookrepo expect_code 1 "$HUSH" hook pre-commit --no-config 2>err &&
	grep_q "secret.yaml:7: github-classic-pat" err
'

test_done
