#!/bin/sh
# t2300-history-damage: history scans of imperfect repositories: a shallow clone, a corrupt or missing loose
# object, a submodule, blobs over --max-file-size, binary blobs, and dangling blobs with --unreachable.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# hist REPO ARGS...: hush scan --history --format json --show-secrets; report to h.json, stderr to err
hist() {
	_r=$1
	shift
	"$HUSH" scan -q --history --format json --show-secrets "$@" "$_r" >h.json 2>err
}

# secrets: the sorted secrets of h.json, one per line
secrets() {
	json_eval h.json "\"\\n\".join(sorted(f[\"secret\"] for f in d[\"findings\"]))"
}

# loose OBJECT-ID: the loose object file of an object id in repo
loose() {
	echo "repo/.git/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)"
}

test_expect_success "setup: a history of 4 commits, one token per commit (the first deleted by the second)" '
	git init -q full &&
	(
		cd full &&
		for n in 1 2 3 4; do
			t=$(gen_github) &&
			echo "$t" >../tok$n &&
			printf "token %s\n" "$t" >f$n.txt &&
			if [ $n = 2 ]; then git rm -q f1.txt; fi &&
			git add f$n.txt &&
			git commit -q -m "commit $n" || exit 1
		done
	) &&
	git clone -q --depth 2 "file://$TRASH/full" shallow &&
	test -f shallow/.git/shallow &&
	test "$(git -C shallow rev-list --count HEAD)" -eq 2
'

test_expect_success "a shallow clone: warns about the shallow boundary and scans the commits present" '
	expect_code 1 hist shallow &&
	grep_q "^hush: warning: shallow clone" err &&
	grep_q "1 boundary commit" err &&
	cat tok2 tok3 tok4 | sort >expect &&
	secrets >got &&
	test_cmp expect got &&
	json_check h.json "d[\"summary\"][\"commits\"] == 2" &&
	c3=$(git -C shallow rev-parse HEAD~1) &&
	json_check h.json "[f[\"commit\"] for f in d[\"findings\"] if f[\"secret\"] == \"$(cat tok2)\"] == [\"$c3\"]" &&
	json_check h.json "[f[\"commit\"] for f in d[\"findings\"] if f[\"secret\"] == \"$(cat tok4)\"] == [\"$(git -C shallow rev-parse HEAD)\"]"
'

test_expect_success "a shallow clone with --strict exits 2 (the warning)" '
	expect_code 2 "$HUSH" scan -q --history --strict shallow >out 2>err &&
	grep_q "shallow clone" err
'

test_expect_success "the full clone finds all four tokens without a warning" '
	expect_code 1 hist full &&
	cat tok1 tok2 tok3 tok4 | sort >expect &&
	secrets >got &&
	test_cmp expect got &&
	! grep -q "hush: warning" err
'

test_expect_success "setup: a repository of loose objects with three tokens in three files" '
	git init -q repo &&
	(
		cd repo &&
		mkdir dir &&
		printf "a %s\n" "$(gen_github)" >a.txt &&
		printf "b %s\n" "$(gen_aws)" >b.txt &&
		printf "c %s\n" "$(gen_stripe)" >dir/c.txt &&
		git add . &&
		git commit -q -m "three tokens" &&
		git rev-parse HEAD:a.txt >../blob.a &&
		git rev-parse HEAD:dir >../tree.dir &&
		git count-objects -v | grep -q "^count: [1-9]" &&
		git count-objects -v | grep -q "^in-pack: 0"
	) &&
	cp -R repo pristine &&
	expect_code 1 hist repo &&
	test "$(secrets | wc -l)" -eq 3
'

test_expect_success "a corrupt loose blob: a warning naming the object id; the other findings are reported" '
	f=$(loose "$(cat blob.a)") &&
	test -f "$f" &&
	chmod u+w "$f" &&
	printf "this is not a zlib stream" >"$f" &&
	expect_code 1 hist repo &&
	grep_q "^hush: warning: .*$(cat blob.a)" err &&
	json_check h.json "sorted(f[\"path\"] for f in d[\"findings\"]) == [\"b.txt\", \"dir/c.txt\"]" &&
	json_check h.json "d[\"summary\"][\"warnings\"] >= 1" &&
	expect_code 2 "$HUSH" scan -q --history --strict repo >out 2>err &&
	grep_q "$(cat blob.a)" err
'

test_expect_success "a missing loose blob: a warning naming the object id; the other findings are reported" '
	f=$(loose "$(cat blob.a)") &&
	rm -f "$f" &&
	expect_code 1 hist repo &&
	grep_q "^hush: warning: .*$(cat blob.a)" err &&
	json_check h.json "sorted(f[\"path\"] for f in d[\"findings\"]) == [\"b.txt\", \"dir/c.txt\"]" &&
	expect_code 2 "$HUSH" scan -q --history --strict repo >out 2>err
'

test_expect_success "a missing tree: a warning naming the tree id; the other findings are reported" '
	rm -rf repo && cp -R pristine repo &&
	f=$(loose "$(cat tree.dir)") &&
	test -f "$f" &&
	rm -f "$f" &&
	expect_code 1 hist repo &&
	grep_q "^hush: warning: .*$(cat tree.dir)" err &&
	json_check h.json "sorted(f[\"path\"] for f in d[\"findings\"]) == [\"a.txt\", \"b.txt\"]"
'

test_expect_success "a corrupt tree: a warning naming the tree id; the other findings are reported" '
	rm -rf repo && cp -R pristine repo &&
	f=$(loose "$(cat tree.dir)") &&
	chmod u+w "$f" &&
	printf "garbage" >"$f" &&
	expect_code 1 hist repo &&
	grep_q "^hush: warning: .*$(cat tree.dir)" err &&
	json_check h.json "sorted(f[\"path\"] for f in d[\"findings\"]) == [\"a.txt\", \"b.txt\"]"
'

test_expect_success "a missing blob when nothing else is found: exit 0 with the warning, 2 with --strict" '
	git init -q lone &&
	(cd lone && printf "a %s\n" "$(gen_github)" >a.txt && git add a.txt && git commit -q -m one &&
		git rev-parse HEAD:a.txt >../blob.lone) &&
	f=lone/.git/objects/$(cut -c1-2 blob.lone)/$(cut -c3- blob.lone) &&
	rm -f "$f" &&
	expect_code 0 hist lone &&
	grep_q "$(cat blob.lone)" err &&
	expect_code 2 "$HUSH" scan -q --history --strict lone >out 2>err
'

test_expect_success "setup: a superproject with a submodule whose history has a token" '
	git init -q subrepo &&
	(cd subrepo && printf "inner %s\n" "$(gen_github)" >inner.txt && git add inner.txt && git commit -q -m inner) &&
	git init -q super &&
	(
		cd super &&
		echo top >top.txt &&
		git add top.txt &&
		git commit -q -m top &&
		git -c protocol.file.allow=always submodule add -q "file://$TRASH/subrepo" sub &&
		git commit -q -m "add submodule" &&
		test "$(git ls-tree HEAD sub | cut -d" " -f2)" = commit
	)
'

test_expect_success "a submodule gitlink is skipped: no finding, no warning, counted as special" '
	expect_code 0 hist super --stats &&
	json_check h.json "d[\"findings\"] == []" &&
	json_check h.json "d[\"summary\"][\"warnings\"] == 0 and d[\"summary\"][\"skipped_special\"] == 1" &&
	! grep -q "hush: warning" err &&
	grep_q "skipped special 1" err &&
	expect_code 0 "$HUSH" scan -q --history --strict super >out 2>err
'

test_expect_success "a token in the superproject next to a submodule is still found" '
	(cd super && printf "outer %s\n" "$(gen_aws)" >outer.txt && git add outer.txt && git commit -q -m outer) &&
	expect_code 1 hist super &&
	json_check h.json "[f[\"path\"] for f in d[\"findings\"]] == [\"outer.txt\"]"
'

test_expect_success "setup: a big blob (2 KiB) and a small one, each with a token" '
	git init -q sizes &&
	(
		cd sizes &&
		{ printf "big %s\n" "$(gen_github)" && i=0 && while [ $i -lt 40 ]; do
			echo "padding line $i of the big file, padding padding padding" || exit 1
			i=$((i + 1))
		done; } >big.txt &&
		test "$(wc -c <big.txt)" -gt 2048 &&
		printf "small %s\n" "$(gen_aws)" >small.txt &&
		git add . &&
		git commit -q -m sizes &&
		git rev-parse HEAD:big.txt >../blob.big
	)
'

test_expect_success "--max-file-size 1K skips the bigger blob with a warning naming it" '
	expect_code 1 hist sizes --max-file-size 1K &&
	json_check h.json "[f[\"path\"] for f in d[\"findings\"]] == [\"small.txt\"]" &&
	grep_q "^hush: warning: .*$(cat blob.big)" err &&
	grep_q "big.txt" err &&
	json_check h.json "d[\"summary\"][\"skipped_large\"] == 1 and d[\"summary\"][\"blobs\"] == 1" &&
	expect_code 1 hist sizes &&
	json_check h.json "sorted(f[\"path\"] for f in d[\"findings\"]) == [\"big.txt\", \"small.txt\"]" &&
	! grep -q "hush: warning" err
'

test_expect_success "a binary blob with a token is skipped, and scanned with --binary" '
	git init -q bin &&
	(
		cd bin &&
		{ printf "\000\001\002binary\000" && printf "key %s\n" "$(gen_github)"; } >blob.bin &&
		git add blob.bin &&
		git commit -q -m binary
	) &&
	expect_code 0 hist bin &&
	json_check h.json "d[\"findings\"] == [] and d[\"summary\"][\"skipped_binary\"] == 1" &&
	expect_code 1 hist bin --binary &&
	json_check h.json "[f[\"path\"] for f in d[\"findings\"]] == [\"blob.bin\"]"
'

test_expect_success "--unreachable finds a token in a dangling blob, at path (unreachable)" '
	git init -q dangle &&
	(
		cd dangle &&
		echo clean >a.txt &&
		git add a.txt &&
		git commit -q -m clean &&
		printf "dangling %s\n" "$(gen_stripe)" | git hash-object -w --stdin >../blob.dangling &&
		git fsck --unreachable --no-reflogs 2>/dev/null | grep -q "unreachable blob $(cat ../blob.dangling)"
	) &&
	expect_code 0 hist dangle &&
	json_check h.json "d[\"findings\"] == []" &&
	expect_code 1 hist dangle --unreachable &&
	json_check h.json "len(d[\"findings\"]) == 1" &&
	json_check h.json "d[\"findings\"][0][\"path\"] == \"(unreachable)\"" &&
	json_check h.json "d[\"findings\"][0][\"blob\"] == \"$(cat blob.dangling)\"" &&
	json_check h.json "d[\"findings\"][0].get(\"commit\", \"\") == \"\"" &&
	json_check h.json "d[\"summary\"][\"blobs\"] == 2"
'

test_expect_success "--unreachable does not report reachable blobs twice" '
	(cd dangle && printf "reachable %s\n" "$(gen_github)" >b.txt && git add b.txt && git commit -q -m b) &&
	expect_code 1 hist dangle --unreachable &&
	json_check h.json "sorted(f[\"path\"] for f in d[\"findings\"]) == [\"(unreachable)\", \"b.txt\"]"
'

test_expect_success "--unreachable finds a dangling blob in a pack too" '
	(
		cd dangle &&
		git repack -q -a -d &&
		git pack-objects -q .git/objects/pack/pack <../blob.dangling >/dev/null &&
		git prune-packed &&
		test "$(git count-objects | cut -d" " -f1)" -eq 0 &&
		test "$(git count-objects -v | sed -n "s/^packs: //p")" -eq 2
	) &&
	expect_code 1 hist dangle --unreachable &&
	json_check h.json "sorted(f[\"path\"] for f in d[\"findings\"]) == [\"(unreachable)\", \"b.txt\"]"
'

# A blob reachable from a ref but outside the revision range is not dangling; it must not come back as
# "(unreachable)" (git fsck --unreachable does not list it).
test_expect_success "--unreachable with a range does not report reachable blobs outside the range" '
	(
		cd dangle &&
		git checkout -q -b side HEAD~1 &&
		printf "side %s\n" "$(gen_slack)" >s.txt &&
		git add s.txt &&
		git commit -q -m side &&
		git checkout -q main &&
		echo more >>a.txt &&
		git commit -q -a -m more &&
		test -z "$(git fsck --unreachable --no-reflogs 2>/dev/null | grep "$(git rev-parse side:s.txt)")"
	) &&
	expect_code 1 "$HUSH" scan -q --history --format json --unreachable dangle main~1..main >h.json &&
	json_check h.json "[f[\"blob\"] for f in d[\"findings\"]] == [\"$(cat blob.dangling)\"]"
'

test_expect_success "--unreachable: a blob left behind by an amended commit" '
	git init -q amend &&
	(
		cd amend &&
		printf "oops %s\n" "$(gen_aws)" >c.txt &&
		git add c.txt &&
		git commit -q -m oops &&
		echo fixed >c.txt &&
		git add c.txt &&
		git commit -q --amend -m fixed &&
		git reflog expire --expire=now --all
	) &&
	expect_code 0 hist amend &&
	expect_code 1 hist amend --unreachable &&
	json_check h.json "[f[\"path\"] for f in d[\"findings\"]] == [\"(unreachable)\"]"
'

test_done
