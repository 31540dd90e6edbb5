#!/bin/sh
# t1920-scan-utf16: UTF-16 text (PowerShell scripts, .reg exports, files from Windows editors) is transcoded to
# UTF-8 and scanned, in the working tree, in --history and in --staged: little and big endian, with a byte-order
# mark or recognised without one. Findings carry the encoding "utf16" (then any decoding inside it) and the file's
# own line numbers; columns count the transcoded text's bytes (characters, for ASCII). Broken UTF-16 (lone
# surrogates, an odd byte count) is scanned all the same; UTF-16 holding NUL characters is binary.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# u16 ENCODING BOM TEXT FILE: TEXT, with Python's backslash escapes (\n, \u00e9, \U0001f511), encoded as UTF-16
# (utf-16-le or utf-16-be) after the byte-order mark BOM (yes/no)
u16() {
	python3 - "$@" <<-\EOF
	import codecs, sys
	enc, bom, text, path = sys.argv[1:]
	text = codecs.decode(text, "unicode_escape")
	mark = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[enc] if bom == "yes" else b""
	open(path, "wb").write(mark + text.encode(enc))
	EOF
}

# found FILE: "rule line column encoding secret" for each finding of the JSON report FILE
found() {
	json_eval "$1" "\"|\".join(\"%s %d %d %s %s\" % (f[\"rule_id\"], f[\"line\"], f[\"column\"], f.get(\"encoding\", \"-\"), f[\"secret\"]) for f in d[\"findings\"])"
}

test_expect_success "setup: a token in UTF-16 files of both byte orders, with and without a byte-order mark" '
	gh=$(gen_github) && printf %s "$gh" >gh &&
	mkdir tree &&
	u16 utf-16-le yes "# deploy\r\n\$token = \"$gh\"\r\n" tree/le-bom.ps1 &&
	u16 utf-16-be yes "# deploy\n\$token = \"$gh\"\n" tree/be-bom.ps1 &&
	u16 utf-16-le no "# a script saved without a mark\n\n\$token = \"$gh\"\n" tree/le.ps1 &&
	u16 utf-16-be no "# a script saved without a mark\n\n\$token = \"$gh\"\n" tree/be.ps1
'

test_expect_success "each is scanned as text and the token found on its line, decoded from utf16" '
	gh=$(cat gh) &&
	expect_code 1 "$HUSH" scan --no-config --format json --show-secrets tree >out.json &&
	found out.json >got &&
	printf "%s\n" "github-classic-pat 2 11 utf16 $gh|github-classic-pat 3 11 utf16 $gh|github-classic-pat 2 11 utf16 $gh|github-classic-pat 3 11 utf16 $gh" >want &&
	test_cmp want got &&
	json_check out.json "[f[\"path\"] for f in d[\"findings\"]] == [\"tree/be-bom.ps1\", \"tree/be.ps1\", \"tree/le-bom.ps1\", \"tree/le.ps1\"]" &&
	json_check out.json "d[\"summary\"][\"files\"] == 4 and d[\"summary\"][\"skipped_binary\"] == 0"
'

test_expect_success "the text report says the file was decoded from utf16; the secret stays redacted" '
	gh=$(cat gh) &&
	expect_code 1 "$HUSH" scan --no-config tree/le-bom.ps1 >out &&
	grep_q "^tree/le-bom.ps1:2:11: github-classic-pat \[high\] ghp_…  (.*decoded from utf16" out &&
	grep_none "$gh" out
'

# note = "<U+1F511> caf<U+00E9>" token=: 8 + 4 + 4 + 2 + 1 + 7 = 26 bytes of UTF-8 before the token
test_expect_success "a surrogate pair and other characters before the token: the column counts UTF-8 bytes" '
	gh=$(cat gh) &&
	u16 utf-16-le yes "note = \"\U0001f511 caf\u00e9\" token=$gh\n" emoji.txt &&
	expect_code 1 "$HUSH" scan --no-config --format json --show-secrets emoji.txt >out.json &&
	json_check out.json "[(f[\"line\"], f[\"column\"], f[\"secret\"]) for f in d[\"findings\"]] == [(1, 27, \"$gh\")]"
'

test_expect_success "base64 inside UTF-16 text: the chain is utf16>base64" '
	gh=$(cat gh) &&
	enc=$(printf "%s" "$gh" | base64 | tr -d "\n") &&
	u16 utf-16-le yes "data:\n  token: $enc\n" secret.yaml &&
	expect_code 1 "$HUSH" scan --no-config --format json secret.yaml >out.json &&
	json_check out.json "[(f[\"rule_id\"], f[\"line\"], f[\"encoding\"]) for f in d[\"findings\"]] == [(\"github-classic-pat\", 2, \"utf16>base64\")]"
'

test_expect_success "broken UTF-16 (lone surrogates, an odd byte) is scanned; UTF-16 with NUL characters is binary" '
	gh=$(cat gh) &&
	python3 - "$gh" <<-\EOF &&
	import sys
	tok = sys.argv[1]
	body = b"\x00\xd8" * 50 + b"\x00\xdc" * 50 + ("\nkey = %s\n" % tok).encode("utf-16-le") + b"\x41"
	open("broken.txt", "wb").write(b"\xff\xfe" + body)
	open("nul.bin", "wb").write(b"\xff\xfe" + "a\0b".encode("utf-16-le") * 100)
	EOF
	expect_code 1 "$HUSH" scan --no-config --format json --show-secrets broken.txt nul.bin >out.json &&
	json_check out.json "[(f[\"line\"], f[\"secret\"]) for f in d[\"findings\"]] == [(2, \"$gh\")]" &&
	json_check out.json "d[\"summary\"][\"files\"] == 1 and d[\"summary\"][\"skipped_binary\"] == 1"
'

test_expect_success "setup: a repository with a UTF-16 script, then a token added to it" '
	gh=$(cat gh) &&
	git init -q repo &&
	git -C repo config user.email dev@example.invalid &&
	git -C repo config user.name Dev &&
	old=$(gen_github) && printf %s "$old" >old &&
	u16 utf-16-le yes "# deploy\n\$old = \"$old\"\n" repo/deploy.ps1 &&
	git -C repo add deploy.ps1 &&
	git -C repo commit -q -m one &&
	u16 utf-16-le yes "# deploy\n\$old = \"$old\"\n\$x = 1\n\$token = \"$gh\"\n" repo/deploy.ps1 &&
	git -C repo add deploy.ps1
'

test_expect_success "--staged reports only the staged line of the UTF-16 file, at its line" '
	gh=$(cat gh) &&
	expect_code 1 "$HUSH" scan --no-config --staged --format json --show-secrets repo >out.json &&
	found out.json >got &&
	printf "%s\n" "github-classic-pat 4 11 utf16 $gh" >want &&
	test_cmp want got
'

test_expect_success "--history attributes each token to the commit that added it" '
	gh=$(cat gh) && old=$(cat old) &&
	git -C repo commit -q -m two &&
	expect_code 1 "$HUSH" scan --no-config --history --format json --show-secrets repo >out.json &&
	json_check out.json "sorted((f[\"line\"], f[\"secret\"], f[\"commit\"]) for f in d[\"findings\"]) == sorted([(2, \"$old\", \"$(git -C repo rev-parse HEAD~1)\"), (4, \"$gh\", \"$(git -C repo rev-parse HEAD)\")])" &&
	json_check out.json "all(f[\"encoding\"] == \"utf16\" for f in d[\"findings\"])"
'

test_done
