#!/bin/sh
# t1100-scan-redaction: secrets never reach the report unless --show-secrets; previews keep the first 4 chars.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

test_expect_success "setup: a tree with one token of each of four kinds" '
	mkdir tree &&
	gh=$(gen_github) && aws=$(gen_aws) && slack=$(gen_slack) && stripe=$(gen_stripe) &&
	printf "%s\n" "$gh" >tokens.gh && printf "%s\n" "$aws" >tokens.aws &&
	printf "%s\n" "$slack" >tokens.slack && printf "%s\n" "$stripe" >tokens.stripe &&
	printf "gh %s\n" "$gh" >tree/gh.txt &&
	printf "aws %s\n" "$aws" >tree/aws.txt &&
	printf "slack %s\n" "$slack" >tree/slack.txt &&
	printf "stripe %s\n" "$stripe" >tree/stripe.txt &&
	cat tokens.gh tokens.aws tokens.slack tokens.stripe >tokens.all &&
	test "$(wc -l <tokens.all)" -eq 4
'

# no_secret FILE...: none of the planted tokens, nor their part after the first 4 characters, is in FILE...
no_secret() {
	while read -r t; do
		grep_none "$t" "$@" || return 1
		grep_none "$(printf %s "$t" | cut -c5-)" "$@" || return 1
	done <tokens.all
}

test_expect_success "the leak check detects a secret when one is shown" '
	"$HUSH" scan -q --show-secrets tree >shown
	! no_secret shown 2>/dev/null
'

test_expect_success "by default no secret appears in stdout or stderr (text)" '
	expect_code 1 "$HUSH" scan tree >out 2>err &&
	test "$(wc -l <out)" -eq 4 &&
	no_secret out err
'

test_expect_success "the text preview is the first 4 characters then an ellipsis" '
	"$HUSH" scan -q tree >out
	grep_q "^tree/gh.txt:1:4: github-classic-pat \[high\] ghp_…  (" out &&
	grep_q "^tree/aws.txt:1:5: aws-access-key-id \[high\] AKIA…  (" out &&
	grep_q "^tree/slack.txt:1:7: slack-bot-token \[high\] xoxb…  (" out &&
	grep_q "^tree/stripe.txt:1:8: stripe-secret-key \[high\] sk_l…  (" out
'

test_expect_success "no secret in JSON or JSON Lines reports, in stdout or in --report files" '
	expect_code 1 "$HUSH" scan --format json tree >out.json 2>err &&
	expect_code 1 "$HUSH" scan --format jsonl tree >out.jsonl 2>>err &&
	expect_code 1 "$HUSH" scan --report rep.txt tree >>out.json 2>>err &&
	expect_code 1 "$HUSH" scan --format json --report rep.json tree >>out.json 2>>err &&
	expect_code 1 "$HUSH" scan --format jsonl -o rep.jsonl tree >>out.json 2>>err &&
	test -s rep.txt && test -s rep.json && test -s rep.jsonl &&
	no_secret out.json out.jsonl err rep.txt rep.json rep.jsonl
'

test_expect_success "JSON: secret is the preview and secret_redacted is true" '
	"$HUSH" scan -q --format json tree >out.json
	json_check out.json "len(d[\"findings\"]) == 4" &&
	json_check out.json "all(f[\"secret_redacted\"] is True for f in d[\"findings\"])" &&
	json_check out.json "sorted(f[\"secret\"] for f in d[\"findings\"]) == [\"AKIA\\u2026\", \"ghp_\\u2026\", \"sk_l\\u2026\", \"xoxb\\u2026\"]" &&
	json_check out.json "not any(\"secret_base64\" in f for f in d[\"findings\"])" &&
	expect_code 1 "$HUSH" scan -q --format jsonl tree >out.jsonl &&
	python3 -c "
import json, sys
lines = [json.loads(l) for l in open(\"out.jsonl\", encoding=\"utf-8\")]
found = [l for l in lines if l[\"type\"] == \"finding\"]
assert len(found) == 4, lines
assert all(l[\"secret_redacted\"] is True and l[\"secret\"].endswith(\"\\u2026\") and len(l[\"secret\"]) == 5 for l in found), found
"
'

test_expect_success "--show-secrets shows the whole secret in text" '
	expect_code 1 "$HUSH" scan --show-secrets tree >out 2>err &&
	while read -r t; do
		grep -q -F -e " $t  (" out || fail "token $t not shown in full"
	done <tokens.all &&
	grep_q "^tree/gh.txt:1:4: github-classic-pat \[high\] $(cat tokens.gh)  (GitHub personal access token (classic), fingerprint [0-9a-f]\{32\})$" out &&
	! grep -q "…" out
'

test_expect_success "--show-secrets: JSON secret is exact and secret_redacted false" '
	expect_code 1 "$HUSH" scan -q --show-secrets --format json tree >out.json &&
	json_check out.json "all(f[\"secret_redacted\"] is False for f in d[\"findings\"])" &&
	json_eval out.json "\"\\n\".join(sorted(f[\"secret\"] for f in d[\"findings\"]))" >got &&
	sort tokens.all >expect &&
	test_cmp expect got &&
	json_check out.json "all(open(f[\"path\"], \"rb\").read()[f[\"start_offset\"]:f[\"end_offset\"]].decode() == f[\"secret\"] for f in d[\"findings\"])"
'

test_expect_success "fingerprints do not depend on --show-secrets" '
	"$HUSH" scan -q --format json tree >a.json
	"$HUSH" scan -q --show-secrets --format json tree >b.json
	json_eval a.json "[f[\"fingerprint\"] for f in d[\"findings\"]]" >a.fp &&
	json_eval b.json "[f[\"fingerprint\"] for f in d[\"findings\"]]" >b.fp &&
	test_cmp a.fp b.fp
'

test_expect_success "a short secret (under 16 bytes) shows only a quarter of it" '
	printf "%s\n" "rules:" "  - id: test-short" "    description: short token" \
		"    pattern: '\''\\b(shx_[a-z0-9]{8})\\b'\''" "    keywords: [shx_]" "    confidence: low" >short.yml &&
	mkdir shorttree &&
	s="shx_$(rand_chars a-wyz0-9 8)" &&
	printf "v=%s\n" "$s" >shorttree/s.txt &&
	expect_code 1 "$HUSH" scan -q --no-config --no-builtin-rules --rules short.yml shorttree >out &&
	grep_q "^shorttree/s.txt:1:3: test-short \[low\] shx…  (short token, fingerprint" out &&
	grep_none "$s" out &&
	"$HUSH" scan -q --no-config --no-builtin-rules --rules short.yml --format json shorttree >out.json
	json_check out.json "d[\"findings\"][0][\"secret\"] == \"shx\\u2026\""
'

test_expect_success "the summary and warnings do not leak the secret either" '
	expect_code 2 "$HUSH" scan --strict --max-file-size 1K tree no-such >out 2>err &&
	no_secret out err
'

test_done
