#!/bin/sh
# t2100-history-dedup: one blob under 50 paths and in many commits is scanned once and reported once
# (--stats, the JSON summary), --all-occurrences lists every commit and path, and the thread count does not
# change the report.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

TOK=$(gen_github)
TOK2=$(gen_aws)

# strip_elapsed FILE: FILE without its elapsed_ms
strip_elapsed() {
	sed -e '/^    "elapsed_ms": /d' -e 's/"elapsed_ms":[-0-9.eE+]*,\{0,1\}//' "$1"
}

# count_objects REPO TYPE: the number of unique objects of TYPE reachable from every ref of REPO
count_objects() {
	git -C "$1" rev-list --all --objects | cut -d" " -f1 |
		git -C "$1" cat-file --batch-check="%(objecttype)" | grep -c "^$2\$"
}

test_expect_success "setup: one token blob under 50 paths, kept through 6 commits" '
	git init -q repo &&
	(
		cd repo &&
		printf "shared = %s\n" "$TOK" >../shared.txt &&
		i=0 &&
		while [ $i -lt 50 ]; do
			mkdir -p "dir$((i % 5))/sub$i" &&
			cp ../shared.txt "dir$((i % 5))/sub$i/copy$i.env" || exit 1
			i=$((i + 1))
		done &&
		echo "version 1" >version.txt &&
		git add . &&
		git commit -q -m "50 copies" &&
		git rev-parse HEAD >../c1 &&
		for n in 2 3 4 5 6; do
			echo "version $n" >version.txt &&
			git commit -q -a -m "bump $n" || exit 1
		done &&
		git rev-list --reverse HEAD >../commits &&
		test "$(wc -l <../commits)" -eq 6 &&
		test "$(git ls-tree -r HEAD | grep -c "$(git hash-object ../shared.txt)")" -eq 50
	)
'

test_expect_success "the shared blob is scanned once and reported once" '
	expect_code 1 "$HUSH" scan -q --history --stats --format json --show-secrets repo >h.json 2>err &&
	json_check h.json "len(d[\"findings\"]) == 1" &&
	json_check h.json "d[\"findings\"][0][\"secret\"] == \"$TOK\"" &&
	json_check h.json "d[\"findings\"][0][\"commit\"] == \"$(cat c1)\"" &&
	json_check h.json "d[\"findings\"][0][\"blob\"] == \"$(git hash-object shared.txt)\"" &&
	json_check h.json "\"occurrences\" not in d[\"findings\"][0]" &&
	blobs=$(count_objects repo blob) &&
	test "$blobs" -eq 7 &&
	json_check h.json "d[\"summary\"][\"blobs\"] == $blobs" &&
	json_check h.json "d[\"summary\"][\"commits\"] == 6" &&
	json_check h.json "d[\"summary\"][\"trees\"] == $(count_objects repo tree)" &&
	grep_q "^hush: stats: commits 6, trees $(count_objects repo tree), blobs $blobs, " err
'

test_expect_success "the finding names the first path of the earliest commit (in tree order)" '
	first=$(git -C repo ls-tree -r --name-only "$(cat c1)" | head -n 1) &&
	test "$first" = dir0/sub0/copy0.env &&
	json_check h.json "d[\"findings\"][0][\"path\"] == \"$first\""
'

test_expect_success "the summary line counts commits and unique blobs" '
	expect_code 1 "$HUSH" scan --history repo >/dev/null 2>err &&
	grep_q "^hush: scanned 6 commits, 7 blobs (.*) in [0-9]* ms: 1 finding$" err
'

test_expect_success "--all-occurrences lists all 50 paths in each of the 6 commits, oldest first" '
	expect_code 1 "$HUSH" scan -q --history --all-occurrences --format json repo >occ.json &&
	json_check occ.json "len(d[\"findings\"]) == 1" &&
	json_eval occ.json "\"\\n\".join(sorted(set(o[\"path\"] for o in d[\"findings\"][0][\"occurrences\"])))" >got.paths &&
	git -C repo ls-tree -r --name-only HEAD | grep "\.env$" | sort >expect.paths &&
	test "$(wc -l <expect.paths)" -eq 50 &&
	test_cmp expect.paths got.paths &&
	json_eval occ.json "\"\\n\".join(o[\"commit\"] for o in d[\"findings\"][0][\"occurrences\"])" | uniq >got.commits &&
	test_cmp commits got.commits &&
	json_check occ.json "len(d[\"findings\"][0][\"occurrences\"]) == 300" &&
	json_check occ.json "len(set((o[\"commit\"], o[\"path\"]) for o in d[\"findings\"][0][\"occurrences\"])) == 300"
'

test_expect_success "--all-occurrences does not change the attribution or the counts" '
	json_check occ.json "d[\"findings\"][0][\"commit\"] == \"$(cat c1)\"" &&
	json_check occ.json "d[\"findings\"][0][\"path\"] == \"dir0/sub0/copy0.env\"" &&
	json_check occ.json "d[\"summary\"][\"blobs\"] == 7 and d[\"summary\"][\"findings\"] == 1"
'

test_expect_success "--all-occurrences in jsonl" '
	expect_code 1 "$HUSH" scan -q --history --all-occurrences --format jsonl repo >occ.jsonl &&
	head -n 1 occ.jsonl >first.json &&
	json_check first.json "d[\"type\"] == \"finding\" and len(d[\"occurrences\"]) == 300"
'

test_expect_success "setup: the blob is re-added under new paths, and a second token on two branches" '
	(
		cd repo &&
		cp ../shared.txt late-copy.env &&
		printf "other = %s\n" "$TOK2" >other.env &&
		git add late-copy.env other.env &&
		git commit -q -m "late copy and other" &&
		git rev-parse HEAD >../c7 &&
		git checkout -q -b branch2 HEAD~3 &&
		printf "other = %s\n" "$TOK2" >moved-other.env &&
		git add moved-other.env &&
		git commit -q -m "other on a branch" &&
		git checkout -q main
	)
'

test_expect_success "a blob seen on two branches is reported once; occurrences cover both" '
	expect_code 1 "$HUSH" scan -q --history --all-occurrences --format json --show-secrets repo >occ.json &&
	json_check occ.json "len(d[\"findings\"]) == 2" &&
	json_check occ.json "sorted(f[\"secret\"] for f in d[\"findings\"]) == sorted([\"$TOK\", \"$TOK2\"])" &&
	f="[f for f in d[\"findings\"] if f[\"secret\"] == \"$TOK\"][0]" &&
	json_check occ.json "len($f[\"occurrences\"]) == 300 + 51 + 50" &&
	json_check occ.json "$f[\"commit\"] == \"$(cat c1)\"" &&
	g="[f for f in d[\"findings\"] if f[\"secret\"] == \"$TOK2\"][0]" &&
	json_check occ.json "sorted(o[\"path\"] for o in $g[\"occurrences\"]) == [\"moved-other.env\", \"other.env\"]"
'

test_expect_success "-j1 and -j2 give identical reports" '
	for opt in "" --all-occurrences; do
		expect_code 1 "$HUSH" scan -q --history -j1 $opt --format json repo >j1.json &&
		expect_code 1 "$HUSH" scan -q --history -j2 $opt --format json repo >j2.json &&
		strip_elapsed j1.json >j1 &&
		strip_elapsed j2.json >j2 &&
		test_cmp j1 j2 || exit 1
	done &&
	json_check j1.json "len(d[\"findings\"]) == 2"
'

test_expect_success "repeated runs with 8 threads give the same report" '
	expect_code 1 "$HUSH" scan -q --history -j1 --format json repo >j1.json &&
	strip_elapsed j1.json >j1 &&
	for n in 1 2 3; do
		expect_code 1 "$HUSH" scan -q --history -j8 --format json repo >j8.json &&
		strip_elapsed j8.json >j8 &&
		test_cmp j1 j8 || exit 1
	done
'

test_done
