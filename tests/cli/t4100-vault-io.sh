#!/bin/sh
# t4100-vault-io: hush vault import/export/diff: dotenv edge cases, the export/import round trip, JSON output,
# all-or-nothing imports, which key each needs, and diff against git revisions without values or ciphertexts.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_PRIVATE_KEY_COPY HUSH_PRIVATE_KEY_PROD HUSH_NOW
KEYS="$HOME/.config/hush/keys"
V1="v1-$(rand_alnum 24)"
V2="v2-$(rand_alnum 24)"
MARK="mk-$(rand_alnum 20)"

git init -q repo
in_dir repo "$HUSH" vault init dev >/dev/null &&
in_dir repo "$HUSH" vault init copy >/dev/null

# the edge cases, with CRLF on some lines
{
	printf '# a comment\n'
	printf 'export PLAIN=%s\n' "$V1"
	printf 'SPACED =   padded value   # trailing comment\n'
	printf 'HASH=a#b\n'
	printf "SINGLE='lit \\\\n \$HOME \"q\"'\n"
	printf 'DOUBLE="tab\\there \\"q\\" back\\\\slash \\$HOME"\n'
	printf 'MULTI="line one\n\nline three"\n'
	printf 'CRLF=%s\r\n' "$V2"
	printf 'EMPTY=\n'
	printf 'KEEP="  lead and trail  "\n'
	printf '\n   \n'
	printf 'LAST=%s' "$MARK"
} >in.env

test_expect_success "import sets every name, reports names only, and needs only the public key" '
	mv "$KEYS/dev.key" dev.key.saved &&
	in_dir repo "$HUSH" vault import dev ../in.env >out 2>err &&
	mv dev.key.saved "$KEYS/dev.key" &&
	grep_q "imported 10 secrets into environment .dev.: 10 added, 0 updated" out &&
	grep_q "^added   MULTI$" out &&
	grep_none "$V1" out err repo/.hush/dev.json &&
	grep_none "$V2" out err repo/.hush/dev.json &&
	grep_none "$MARK" out err repo/.hush/dev.json
'

test_expect_success "ls shows the imported names" '
	in_dir repo "$HUSH" vault ls dev >ls.out &&
	for n in PLAIN SPACED HASH SINGLE DOUBLE MULTI CRLF EMPTY KEEP LAST; do grep_q "^$n " ls.out || return 1; done &&
	test "$(wc -l <ls.out)" -eq 10
'

test_expect_success "the values read back exactly" '
	test "$(in_dir repo "$HUSH" vault get dev PLAIN)" = "$V1" &&
	test "$(in_dir repo "$HUSH" vault get dev SPACED)" = "padded value" &&
	test "$(in_dir repo "$HUSH" vault get dev HASH)" = "a#b" &&
	test "$(in_dir repo "$HUSH" vault get dev SINGLE)" = "lit \\n \$HOME \"q\"" &&
	test "$(in_dir repo "$HUSH" vault get dev DOUBLE)" = "$(printf "tab\there \"q\" back\\\\slash \$HOME")" &&
	in_dir repo "$HUSH" vault get dev MULTI >multi.out &&
	printf "line one\n\nline three" >multi.exp &&
	test_cmp multi.exp multi.out &&
	test "$(in_dir repo "$HUSH" vault get dev CRLF)" = "$V2" &&
	in_dir repo "$HUSH" vault get dev EMPTY >empty.out && test ! -s empty.out &&
	test "$(in_dir repo "$HUSH" vault get dev KEEP)" = "  lead and trail  " &&
	test "$(in_dir repo "$HUSH" vault get dev LAST)" = "$MARK"
'

test_expect_success "export dotenv, import into another environment, export again: byte-identical" '
	in_dir repo "$HUSH" vault export dev >exp1.env 2>err &&
	test ! -s err &&
	test "$(wc -l <exp1.env)" -eq 10 &&
	in_dir repo "$HUSH" vault import copy ../exp1.env >/dev/null &&
	in_dir repo "$HUSH" vault export copy --format dotenv >exp2.env &&
	test_cmp exp1.env exp2.env &&
	in_dir repo "$HUSH" vault import dev ../exp1.env >out &&
	grep_q "0 added, 10 updated" out &&
	in_dir repo "$HUSH" vault export dev >exp3.env &&
	test_cmp exp1.env exp3.env
'

test_expect_success "export json is an object of every value, parsed by python3" '
	in_dir repo "$HUSH" vault export dev --format json >exp.json &&
	json_check exp.json "len(d) == 10 and d[\"PLAIN\"] == \"$V1\" and d[\"MULTI\"] == \"line one\\n\\nline three\" and d[\"EMPTY\"] == \"\" and d[\"KEEP\"] == \"  lead and trail  \" and d[\"DOUBLE\"] == \"tab\\there \\\"q\\\" back\\\\slash \$HOME\"" &&
	in_dir repo "$HUSH" vault export --dir .hush dev --format=json >exp2.json &&
	test_cmp exp.json exp2.json
'

test_expect_success "json export refuses a value that is not UTF-8, naming the entry" '
	printf "BIN=\"\\377\\376\"\n" >bin.env &&
	in_dir repo "$HUSH" vault import copy ../bin.env >/dev/null &&
	expect_code 2 in_dir repo "$HUSH" vault export copy --format json >out 2>err &&
	grep_q "cannot export .BIN. as JSON: its value is not valid UTF-8" err &&
	test ! -s out &&
	in_dir repo "$HUSH" vault export copy >bin.out &&
	grep_q "^BIN=" bin.out
'

test_expect_success "a bad line is an error naming FILE:LINE, not the line, and changes nothing" '
	cp repo/.hush/dev.json before.json &&
	printf "GOOD=1\n\n# c\nno-equals-$MARK\nLATER=2\n" >bad.env &&
	expect_code 2 in_dir repo "$HUSH" vault import dev ../bad.env >out 2>err &&
	grep_q "\.\./bad.env:4: expected NAME=value" err &&
	grep_none "$MARK" out err &&
	test_cmp before.json repo/.hush/dev.json &&
	printf "A=1\nB=\"unterminated\n\nC=3\n" >bad2.env &&
	expect_code 2 in_dir repo "$HUSH" vault import dev ../bad2.env 2>err &&
	grep_q "bad2.env:2: unterminated double-quoted value" err &&
	printf "A=1\n9NAME=$MARK\n" >bad3.env &&
	expect_code 2 in_dir repo "$HUSH" vault import dev ../bad3.env 2>err &&
	grep_q "bad3.env:2: invalid variable name" err &&
	grep_none "$MARK" err &&
	test_cmp before.json repo/.hush/dev.json
'

test_expect_success "export needs the private key; the key variable works too" '
	mv "$KEYS/dev.key" dev.key.saved &&
	expect_code 2 in_dir repo "$HUSH" vault export dev >out 2>err &&
	grep_q "no private key for environment .dev." err &&
	test ! -s out &&
	sk=$(json_eval dev.key.saved "d[\"secret_key\"]") &&
	(cd repo && HUSH_PRIVATE_KEY_DEV=$sk "$HUSH" vault export dev) >exp4.env &&
	mv dev.key.saved "$KEYS/dev.key" &&
	test_cmp exp1.env exp4.env
'

test_expect_success "usage errors" '
	expect_code 2 in_dir repo "$HUSH" vault import dev 2>err &&
	grep_q "takes ENV FILE.env" err &&
	expect_code 2 in_dir repo "$HUSH" vault export dev --format yaml 2>err &&
	grep_q "unknown export format .yaml." err &&
	expect_code 2 in_dir repo "$HUSH" vault import nope ../in.env 2>err &&
	expect_code 2 in_dir repo "$HUSH" vault import dev ../missing.env 2>err &&
	grep_q "cannot open ..\./missing.env." err
'

test_expect_success "diff: no vault at HEAD's tree means every name is added" '
	git -C repo commit -q --allow-empty -m empty &&
	expect_code 1 in_dir repo "$HUSH" vault diff dev >diff.out 2>err &&
	test "$(grep -c "^+ " diff.out)" -eq 10 &&
	grep_q "^+ PLAIN$" diff.out
'

test_expect_success "diff against HEAD: clean after a commit, then added, removed and changed names" '
	git -C repo add .hush &&
	git -C repo commit -q -m vault &&
	in_dir repo "$HUSH" vault diff dev >diff.out &&
	test ! -s diff.out &&
	printf "NEW_ONE=$MARK\nPLAIN=changed-$MARK\n" >more.env &&
	in_dir repo "$HUSH" vault import dev ../more.env >/dev/null &&
	in_dir repo "$HUSH" vault rm dev HASH &&
	expect_code 1 in_dir repo "$HUSH" vault diff dev >diff.out 2>err &&
	printf "~ PLAIN\n- HASH\n+ NEW_ONE\n" | sort >diff.exp &&
	sort diff.out >diff.sorted &&
	test_cmp diff.exp diff.sorted &&
	test ! -s err
'

test_expect_success "diff never prints values or ciphertexts" '
	for ct in $(json_eval repo/.hush/dev.json "\" \".join(e[\"ciphertext\"][:40] for e in d[\"secrets\"].values())"); do
		grep_none "$ct" diff.out || return 1
	done &&
	grep_none "$MARK" diff.out &&
	grep_none "$V1" diff.out
'

test_expect_success "diff against an older revision, from a subfolder and with --dir" '
	git -C repo commit -q -am more &&
	in_dir repo "$HUSH" vault diff dev >out && test ! -s out &&
	expect_code 1 in_dir repo "$HUSH" vault diff dev HEAD~1 >out1 &&
	test_cmp diff.out out1 &&
	mkdir -p repo/sub &&
	expect_code 1 in_dir repo/sub "$HUSH" vault diff dev HEAD~1 >out2 &&
	test_cmp diff.out out2 &&
	expect_code 1 in_dir repo/sub "$HUSH" vault diff --dir ../.hush dev HEAD~1 >out3 &&
	test_cmp diff.out out3
'

test_expect_success "diff errors exit 2" '
	expect_code 2 in_dir repo "$HUSH" vault diff dev no-such-rev >out 2>err &&
	grep_q "cannot resolve the revision" err &&
	expect_code 2 in_dir repo "$HUSH" vault diff prod 2>err &&
	grep_q "no vault for environment .prod." err
'

test_done
