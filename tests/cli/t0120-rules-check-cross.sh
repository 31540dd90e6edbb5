#!/bin/sh
# t0120-rules-check-cross: `hush rules check` runs every negative example against the whole catalogue (a finding of
# any other rule fails, unless found_by names it), and fails a rule whose prefilter does not depend on a keyword
# or a literal prefix, unless prefilter_note says why (issue 8).
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# write_rules FILE NEGATIVE [EXTRA-KEY-LINE]: a rule for qzt_ tokens whose only negative example is NEGATIVE
# (line 13), and a second rule, for vkw_ tokens, after it
write_rules() {
	cat >"$1" <<EOF
rules:
  - id: test-qzt
    description: test token qzt
    pattern: '\\b(qzt_[a-z0-9]{20})\\b'
    keywords: [qzt_]
    confidence: high
    examples:
      - text: 'a qzt_q7w2e9r4t1y8u3i6o5p0'
        secret: 'qzt_q7w2e9r4t1y8u3i6o5p0'
      - text: 'b qzt_5m2n8b4v1c7z9k3l6j0h'
        secret: 'qzt_5m2n8b4v1c7z9k3l6j0h'
    negative_examples:
      - $2
${3:-}
  - id: test-vkw
    description: test token vkw
    pattern: '\\b(vkw_[a-z0-9]{20})\\b'
    keywords: [vkw_]
    confidence: high
    examples:
      - text: 'c vkw_h0j6l3k9z7c1v4b8n2m5'
        secret: 'vkw_h0j6l3k9z7c1v4b8n2m5'
      - text: 'd vkw_0p5o6i3u8y1t4r9e2w7q'
        secret: 'vkw_0p5o6i3u8y1t4r9e2w7q'
    negative_examples:
      - 'vkw_short'
EOF
}

test_expect_success "a clean file passes" '
	write_rules good.yml "'\''qzt_short'\''" &&
	expect_code 0 "$HUSH" rules check --no-config --no-builtin-rules --rules good.yml >out 2>err &&
	grep_q "^2 rules, 4 examples, 2 negative examples: all passed$" out &&
	test ! -s err
'

test_expect_success "another rule reporting a finding on a negative example fails, naming both and the line" '
	write_rules cross.yml "'\''vkw_k3j5h7g9f1d3s5a7q9w2 is not a qzt_ token'\''" &&
	expect_code 1 "$HUSH" rules check --no-config --no-builtin-rules --rules cross.yml >out 2>err &&
	grep_q "^cross.yml:13: rule .test-qzt.: negative example 1: rule .test-vkw. (cross.yml:15) reports a finding (secret starting .vkw_k3j5h7g9.)$" err &&
	grep_q "^hush: 1 check failed$" err &&
	grep_q "FAILED$" out
'

test_expect_success "the built-in rules count too" '
	gh=$(gen_github) &&
	write_rules builtin.yml "'\''qzt_ and $gh'\''" &&
	expect_code 1 "$HUSH" rules check --no-config --rules builtin.yml >out 2>err &&
	grep_q "^builtin.yml:13: rule .test-qzt.: negative example 1: rule .github-classic-pat. (rules/github.yml:[0-9]*) reports a finding (secret starting .ghp_" err
'

test_expect_success "--cross-rule warn reports them as warnings and passes" '
	expect_code 0 "$HUSH" rules check --no-config --no-builtin-rules --rules cross.yml --cross-rule warn >out 2>err &&
	grep_q "^warning: cross.yml:13: rule .test-qzt.: negative example 1: rule .test-vkw." err &&
	grep_q "^hush: 1 finding of other rules on negative examples (--cross-rule warn)$" err &&
	expect_code 2 "$HUSH" rules check --no-config --no-builtin-rules --rules cross.yml --cross-rule maybe 2>err &&
	grep_q "invalid --cross-rule .maybe." err
'

test_expect_success "found_by: an example meant for another rule passes, and that rule must report it" '
	write_rules foundby.yml "text: '\''vkw_k3j5h7g9f1d3s5a7q9w2 is not a qzt_ token'\''" "        found_by: [test-vkw]" &&
	expect_code 0 "$HUSH" rules check --no-config --no-builtin-rules --rules foundby.yml >out 2>err &&
	write_rules notfound.yml "text: '\''vkw_short is not a qzt_ token'\''" "        found_by: [test-vkw]" &&
	expect_code 1 "$HUSH" rules check --no-config --no-builtin-rules --rules notfound.yml 2>err &&
	grep_q "^notfound.yml:13: rule .test-qzt.: negative example 1: rule .test-vkw. (found_by) reports no finding$" err &&
	write_rules unknown.yml "text: '\''qzt_short'\''" "        found_by: [test-nope]" &&
	expect_code 1 "$HUSH" rules check --no-config --no-builtin-rules --rules unknown.yml 2>err &&
	grep_q "found_by names an unknown rule .test-nope." err &&
	write_rules bad.yml "text: '\''qzt_short'\''" "        secret: '\''qzt_short'\''" &&
	expect_code 2 "$HUSH" rules check --no-config --no-builtin-rules --rules bad.yml 2>err &&
	grep_q "bad.yml:14:9: unknown key .secret. in negative example" err
'

test_expect_success "a rule whose prefilter keys on no keyword nor literal prefix fails; prefilter_note explains it" '
	cat >loose.yml <<-\EOF &&
	rules:
	  - id: test-loose
	    description: a 32-character hex value (meant for files that mention zqx)
	    pattern: \b([0-9a-f]{32})\b
	    keywords: [zqx]
	    confidence: low
	    examples:
	      - text: zqx key 9e107d9d372bb6826bd81d3542a419d6
	        secret: 9e107d9d372bb6826bd81d3542a419d6
	      - text: zqx = 2fd4e1c67a2d28fced849ee1bb76e739
	        secret: 2fd4e1c67a2d28fced849ee1bb76e739
	    negative_examples:
	      - zqx key 9e107d9d
	EOF
	expect_code 1 "$HUSH" rules check --no-config --no-builtin-rules --rules loose.yml 2>err &&
	grep_q "^loose.yml:2: rule .test-loose.: the prefilter fires on 2 examples with every keyword changed and with the first bytes of the match changed: give a keyword (or a literal prefix) that every match contains, or say why there is none in .prefilter_note.$" err &&
	sed "s/^    keywords: \[zqx\]$/    keywords: [zqx]\n    prefilter_note: only ever run on zqx exports, which hold nothing else/" loose.yml >noted.yml &&
	grep -q prefilter_note noted.yml &&
	expect_code 0 "$HUSH" rules check --no-config --no-builtin-rules --rules noted.yml
'

test_done
