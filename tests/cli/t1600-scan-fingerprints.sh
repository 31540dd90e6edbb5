#!/bin/sh
# t1600-scan-fingerprints: fingerprints ignore the line, follow the path, agree across clones of one
# repository, and change with the salt (--salt, or salt: in .hush.yml).
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# fp DIR [ARGS...]: the fingerprints of the findings of hush scan ARGS run in DIR, "path fingerprint" per line
fp() {
	_d=$1
	shift
	in_dir "$_d" "$HUSH" scan -q --format json "$@" >fp.json
	_rc=$?
	json_eval fp.json "\"\\n\".join(\"%s %s\" % (f[\"path\"], f[\"fingerprint\"]) for f in d[\"findings\"])" || return 1
	return $_rc
}

test_expect_success "setup: a repository with a token in a committed file" '
	git init -q repo &&
	tok=$(gen_github) &&
	printf "%s\n" "$tok" >token &&
	printf "header\nkey %s\n" "$tok" >repo/config.txt &&
	(cd repo && git add config.txt && git commit -q -m "first") &&
	expect_code 1 fp repo >base &&
	test "$(wc -l <base)" -eq 1 &&
	grep -E -q "^config.txt [0-9a-f]{32}$" base
'

test_expect_success "the fingerprint is stable across runs, thread counts and the folder scanned from" '
	expect_code 1 fp repo >again &&
	test_cmp base again &&
	expect_code 1 fp repo -j 1 >again &&
	test_cmp base again &&
	mkdir repo/sub &&
	expect_code 1 fp repo/sub .. >again &&
	sed "s|^|../|" base >expect &&
	test_cmp expect again &&
	expect_code 1 fp . repo >again &&
	sed "s|^|repo/|" base >expect &&
	test_cmp expect again &&
	expect_code 1 fp . "$TRASH/repo/config.txt" >again &&
	test "$(cut -d" " -f2 again)" = "$(cut -d" " -f2 base)"
'

test_expect_success "inserting lines above the secret does not change the fingerprint" '
	{ printf "new line 1\nnew line 2\n\n" && cat repo/config.txt; } >tmp && mv tmp repo/config.txt &&
	expect_code 1 "$HUSH" scan -q --format json repo >out.json &&
	json_check out.json "d[\"findings\"][0][\"line\"] == 5" &&
	expect_code 1 fp repo >after &&
	test_cmp base after
'

test_expect_success "moving the secret within its line does not change the fingerprint" '
	sed "s/^key /key with more words /" repo/config.txt >tmp && mv tmp repo/config.txt &&
	expect_code 1 fp repo >after &&
	test_cmp base after
'

test_expect_success "the fingerprint changes when the path changes" '
	(cd repo && git mv config.txt settings.txt && git commit -q -m rename) &&
	expect_code 1 fp repo >moved &&
	grep -E -q "^settings.txt [0-9a-f]{32}$" moved &&
	test "$(cut -d" " -f2 moved)" != "$(cut -d" " -f2 base)" &&
	mkdir repo/dir && cp repo/settings.txt repo/dir/config.txt &&
	expect_code 1 fp repo >both &&
	grep -E -q "^dir/config.txt [0-9a-f]{32}$" both &&
	test "$(grep "^dir/config.txt " both | cut -d" " -f2)" != "$(cut -d" " -f2 base)" &&
	rm -r repo/dir &&
	(cd repo && git mv settings.txt config.txt && git commit -q -m "rename back") &&
	expect_code 1 fp repo >back &&
	test_cmp base back
'

test_expect_success "the fingerprint changes with the secret and the rule" '
	cp repo/config.txt saved &&
	printf "key %s\n" "$(gen_github)" >repo/config.txt &&
	expect_code 1 fp repo >newsecret &&
	test "$(cut -d" " -f2 newsecret)" != "$(cut -d" " -f2 base)" &&
	cp saved repo/config.txt
'

test_expect_success "two clones of the same repository give the same fingerprints" '
	git clone -q repo clone1 &&
	git clone -q "file://$TRASH/repo" clone2 &&
	expect_code 1 fp clone1 >c1 &&
	expect_code 1 fp clone2 >c2 &&
	test_cmp c1 c2 &&
	test_cmp base c1
'

test_expect_success "the default salt is the root commit: a different history gives other fingerprints" '
	git init -q other &&
	cp repo/config.txt other/ &&
	(cd other && git add config.txt && git commit -q -m "another first commit") &&
	expect_code 1 fp other >o &&
	test "$(cut -d" " -f2 o)" != "$(cut -d" " -f2 base)" &&
	(cd clone1 && echo more >more.txt && git add more.txt && git commit -q -m "second") &&
	expect_code 1 fp clone1 >c1 &&
	test_cmp base c1
'

test_expect_success "--salt changes the fingerprint; the same salt gives the same one anywhere" '
	expect_code 1 fp repo --salt team-salt-1 >s1 &&
	test "$(cut -d" " -f2 s1)" != "$(cut -d" " -f2 base)" &&
	expect_code 1 fp repo --salt team-salt-2 >s2 &&
	test "$(cut -d" " -f2 s1)" != "$(cut -d" " -f2 s2)" &&
	expect_code 1 fp other --salt team-salt-1 >o1 &&
	test_cmp s1 o1 &&
	mkdir plain && cp repo/config.txt plain/ &&
	expect_code 1 fp plain --salt team-salt-1 >p1 &&
	test_cmp s1 p1
'

test_expect_success "salt: in .hush.yml sets the salt, and --salt overrides it" '
	printf "salt: team-salt-1\n" >repo/.hush.yml &&
	expect_code 1 fp repo >cfg &&
	test_cmp s1 cfg &&
	expect_code 1 fp repo --salt team-salt-2 >cfg2 &&
	test_cmp s2 cfg2 &&
	expect_code 1 fp repo --no-config >nocfg &&
	test_cmp base nocfg &&
	printf "salt: team-salt-2\n" >repo/.hush.yml &&
	expect_code 1 fp repo >cfg3 &&
	test_cmp s2 cfg3 &&
	rm repo/.hush.yml
'

test_expect_success "a fingerprint allowlist follows the configured salt" '
	printf "salt: team-salt-1\nallowlist:\n  fingerprints: [%s]\n" "$(cut -d" " -f2 s1)" >repo/.hush.yml &&
	expect_code 0 fp repo >out &&
	test -z "$(cat out)" &&
	printf "salt: team-salt-2\nallowlist:\n  fingerprints: [%s]\n" "$(cut -d" " -f2 s1)" >repo/.hush.yml &&
	expect_code 1 fp repo >out &&
	test_cmp s2 out &&
	rm repo/.hush.yml
'

test_expect_success "a shallow clone warns that its fingerprints differ" '
	(cd repo && echo two >two.txt && git add two.txt && git commit -q -m two) &&
	git clone -q --depth 1 "file://$TRASH/repo" shallow &&
	expect_code 1 in_dir shallow "$HUSH" scan -q --format json >out.json 2>err &&
	grep_q "^hush: warning: shallow clone: fingerprints are salted" err &&
	expect_code 2 in_dir shallow "$HUSH" scan -q --strict >out 2>err &&
	printf "salt: team-salt-1\n" >shallow/.hush.yml &&
	expect_code 1 fp shallow 2>err >sh1 &&
	test ! -s err &&
	test_cmp s1 sh1
'

test_done
