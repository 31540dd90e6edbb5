#!/bin/sh
# t1200-scan-formats: the JSON and JSON Lines report schema, --report, and colour in text output.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

test_expect_success "setup: a tree with three findings in two files and a clean file" '
	mkdir tree tree/sub &&
	printf "line one\nsecond: %s\n" "$(gen_github)" >tree/b.txt &&
	printf "%s and %s\n" "$(gen_aws)" "$(gen_stripe)" >tree/sub/a.txt &&
	printf "clean\n" >tree/c.txt &&
	cat tree/b.txt tree/sub/a.txt tree/c.txt | wc -c | tr -d " " >bytes
'

test_expect_success "--format json is valid JSON with schema_version 1 and the tool" '
	expect_code 1 "$HUSH" scan --format json tree >out.json 2>err &&
	json_check out.json "d[\"schema_version\"] == 1" &&
	json_check out.json "d[\"tool\"] == {\"name\": \"hush\", \"version\": \"$("$HUSH" --version | sed -n "s/^hush //p")\"}" &&
	json_check out.json "list(d) == [\"schema_version\", \"tool\", \"findings\", \"summary\"]" &&
	grep_q "^hush: scanned 3 files" err
'

test_expect_success "JSON findings carry every field with the right type" '
	"$HUSH" scan -q --format json tree >out.json
	json_check out.json "len(d[\"findings\"]) == 3" &&
	python3 - out.json <<-\EOF
	import json, re, sys
	d = json.load(open(sys.argv[1]))
	want = {"rule_id": str, "description": str, "confidence": str, "path": str, "line": int, "column": int,
	        "end_line": int, "start_offset": int, "end_offset": int, "secret": str, "secret_redacted": bool, "entropy": float,
	        "fingerprint": str}
	for f in d["findings"]:
	    assert set(f) == set(want), sorted(f)
	    assert f["end_line"] == f["line"], f
	    for k, t in want.items():
	        assert type(f[k]) is t, (k, f[k])
	    assert f["confidence"] in ("high", "medium", "low"), f
	    assert re.fullmatch("[0-9a-f]{32}", f["fingerprint"]), f
	    assert f["line"] >= 1 and f["column"] >= 1 and 0 <= f["start_offset"] < f["end_offset"], f
	    assert 0 < f["entropy"] <= 8, f
	EOF
'

test_expect_success "JSON findings: rule ids, paths, lines, columns and offsets are exact, sorted by path" '
	"$HUSH" scan -q --show-secrets --format json tree >out.json
	json_eval out.json "[(f[\"path\"], f[\"line\"], f[\"column\"], f[\"rule_id\"]) for f in d[\"findings\"]]" >got &&
	echo "[[\"tree/b.txt\", 2, 9, \"github-classic-pat\"], [\"tree/sub/a.txt\", 1, 1, \"aws-access-key-id\"], [\"tree/sub/a.txt\", 1, 26, \"stripe-secret-key\"]]" >expect &&
	test_cmp expect got &&
	python3 - out.json <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	for f in d["findings"]:
	    data = open(f["path"], "rb").read()
	    assert data[f["start_offset"]:f["end_offset"]].decode() == f["secret"], f
	    line_start = data.rfind(b"\n", 0, f["start_offset"]) + 1
	    assert data.count(b"\n", 0, f["start_offset"]) + 1 == f["line"], f
	    assert f["start_offset"] - line_start + 1 == f["column"], f
	EOF
'

test_expect_success "JSON summary counts files, bytes and findings" '
	"$HUSH" scan -q --format json tree >out.json
	json_check out.json "d[\"summary\"][\"files\"] == 3" &&
	json_check out.json "d[\"summary\"][\"bytes\"] == $(cat bytes)" &&
	json_check out.json "d[\"summary\"][\"findings\"] == 3 == len(d[\"findings\"])" &&
	json_check out.json "set(d[\"summary\"]) == {\"commits\", \"trees\", \"blobs\", \"files\", \"bytes\", \"findings\", \"allowed\", \"baselined\", \"skipped_binary\", \"skipped_large\", \"skipped_ignored\", \"skipped_special\", \"warnings\", \"elapsed_ms\"}" &&
	json_check out.json "all(d[\"summary\"][k] == 0 for k in (\"allowed\", \"skipped_binary\", \"skipped_large\", \"skipped_ignored\", \"skipped_special\", \"warnings\"))" &&
	json_check out.json "isinstance(d[\"summary\"][\"elapsed_ms\"], float) and d[\"summary\"][\"elapsed_ms\"] >= 0"
'

test_expect_success "JSON for a clean scan has an empty findings array and exit 0" '
	expect_code 0 "$HUSH" scan -q --format json tree/c.txt >out.json &&
	json_check out.json "d[\"findings\"] == [] and d[\"summary\"][\"files\"] == 1 and d[\"summary\"][\"bytes\"] == 6"
'

test_expect_success "--format jsonl: one finding object per line, then a summary line" '
	expect_code 1 "$HUSH" scan -q --format jsonl tree >out.jsonl &&
	"$HUSH" scan -q --format json tree >out.json
	test "$(wc -l <out.jsonl)" -eq 4 &&
	python3 - out.jsonl out.json <<-\EOF
	import json, sys
	lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
	assert lines[-1] == "", "no newline at the end"
	objs = [json.loads(l) for l in lines[:-1]]
	doc = json.load(open(sys.argv[2]))
	assert [o["type"] for o in objs] == ["finding"] * 3 + ["summary"], objs
	assert all(o["schema_version"] == 1 for o in objs), objs
	for o, f in zip(objs[:3], doc["findings"]):
	    o = dict(o); del o["type"]; del o["schema_version"]
	    assert o == f, (o, f)
	s = dict(objs[3]); del s["type"], s["schema_version"], s["elapsed_ms"]
	t = dict(doc["summary"]); del t["elapsed_ms"]
	assert s == t, (s, t)
	EOF
'

test_expect_success "--format jsonl for a clean scan is a single summary line" '
	expect_code 0 "$HUSH" scan -q --format jsonl tree/c.txt >out.jsonl &&
	test "$(wc -l <out.jsonl)" -eq 1 &&
	python3 -c "import json; o = json.loads(open(\"out.jsonl\").read()); assert o[\"type\"] == \"summary\" and o[\"findings\"] == 0, o"
'

test_expect_success "--report FILE writes the report to the file, not stdout" '
	expect_code 1 "$HUSH" scan --format json --report rep.json tree >out 2>err &&
	test ! -s out &&
	grep_q "^hush: scanned 3 files" err &&
	json_check rep.json "len(d[\"findings\"]) == 3" &&
	expect_code 1 "$HUSH" scan -o rep.txt tree >out 2>err &&
	test ! -s out &&
	test "$(wc -l <rep.txt)" -eq 3 &&
	grep_q "^tree/b.txt:2:9: github-classic-pat " rep.txt
'

test_expect_success "--report overwrites an existing file, and a clean scan writes an empty text report" '
	printf "old content that must go\n" >rep.txt &&
	expect_code 0 "$HUSH" scan -q --report rep.txt tree/c.txt >out &&
	test ! -s out &&
	test ! -s rep.txt &&
	expect_code 0 "$HUSH" scan -q --format jsonl --report rep.txt tree/c.txt &&
	! grep -q "old content" rep.txt &&
	test "$(wc -l <rep.txt)" -eq 1
'

# has_esc FILE: FILE contains an ANSI escape sequence
has_esc() {
	grep -q "$(printf "\033")\[" "$1"
}

test_expect_success "text output has no ANSI escapes when not a terminal (NO_COLOR set or not)" '
	expect_code 1 "$HUSH" scan tree >out 2>err &&
	! has_esc out && ! has_esc err &&
	expect_code 1 env -u NO_COLOR "$HUSH" scan tree >out 2>err &&
	! has_esc out && ! has_esc err &&
	expect_code 1 env -u NO_COLOR "$HUSH" scan --color auto tree >out &&
	! has_esc out &&
	expect_code 1 env -u NO_COLOR "$HUSH" scan --color never tree >out &&
	! has_esc out
'

test_expect_success "--color always adds escapes, the text stays the same without them" '
	expect_code 1 "$HUSH" scan --color always tree >color.out &&
	has_esc color.out &&
	grep -q "$(printf "\033")\[1;31mgithub-classic-pat" color.out &&
	expect_code 1 "$HUSH" scan --color never tree >plain.out &&
	sed "s/$(printf "\033")\[[0-9;]*m//g" color.out >stripped.out &&
	test_cmp plain.out stripped.out
'

test_expect_success "--color always does not colour JSON or a --report file" '
	expect_code 1 "$HUSH" scan -q --color always --format json tree >out.json &&
	! has_esc out.json &&
	json_check out.json "len(d[\"findings\"]) == 3" &&
	expect_code 1 "$HUSH" scan -q --color always --report rep.txt tree &&
	! has_esc rep.txt
'

if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	test_expect_success "on a terminal: colour by default, none with NO_COLOR or --color never" '
		script -qc "env -u NO_COLOR TERM=xterm \"$HUSH\" scan -q tree" /dev/null >tty.out </dev/null &&
		has_esc tty.out &&
		grep -q "github-classic-pat" tty.out &&
		script -qc "env NO_COLOR=1 TERM=xterm \"$HUSH\" scan -q tree" /dev/null >tty.out </dev/null &&
		grep -q "github-classic-pat" tty.out &&
		! has_esc tty.out &&
		script -qc "env -u NO_COLOR TERM=xterm \"$HUSH\" scan -q --color never tree" /dev/null >tty.out </dev/null &&
		grep -q "github-classic-pat" tty.out &&
		! has_esc tty.out &&
		script -qc "env -u NO_COLOR TERM=dumb \"$HUSH\" scan -q tree" /dev/null >tty.out </dev/null &&
		grep -q "github-classic-pat" tty.out &&
		! has_esc tty.out
	'
else
	test_skip "on a terminal: colour by default, none with NO_COLOR or --color never" "no script(1)"
fi

test_done
