#!/bin/sh
# t1300-scan-ignore: .gitignore (root, nested, tracked files), .git never scanned, --no-ignore, and the
# allowlists: .hush.yml paths and fingerprints, and hush:allow comments.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# paths ARGS...: hush scan --format json ARGS; print the sorted paths of the findings, one per line, to paths
paths() {
	"$HUSH" scan -q --format json "$@" >scan.json
	rc=$?
	json_eval scan.json "\"\\n\".join(sorted(f[\"path\"] for f in d[\"findings\"]))" >paths || return 1
	return $rc
}

# plant FILE: write a line with a fresh GitHub token to FILE
plant() {
	mkdir -p "$(dirname "$1")" &&
	printf "value %s\n" "$(gen_github)" >"$1"
}

test_expect_success "setup: a git repository with ignored, tracked and nested files" '
	git init -q repo &&
	(
		cd repo &&
		printf "%s\n" "ignored.txt" "tracked-but-ignored.txt" "logs/" "*.tmp" "!keep.tmp" >.gitignore &&
		plant visible.txt &&
		plant ignored.txt &&
		plant tracked-but-ignored.txt &&
		plant logs/app.txt &&
		plant logs/tracked.txt &&
		plant a.tmp &&
		plant keep.tmp &&
		mkdir sub &&
		printf "*.log\n" >sub/.gitignore &&
		plant sub/debug.log &&
		plant sub/notes.txt &&
		plant debug.log &&
		git add .gitignore visible.txt sub/.gitignore &&
		git add -f tracked-but-ignored.txt logs/tracked.txt &&
		git commit -q -m init &&
		git status --porcelain --ignored >../status &&
		plant .git/description &&
		plant .git/info/secret.txt
	) &&
	grep_q "^!! ignored.txt$" status &&
	grep_q "^!! sub/debug.log$" status
'

test_expect_success "ignored files are not reported; tracked files matching .gitignore are" '
	expect_code 1 paths repo &&
	printf "%s\n" repo/debug.log repo/keep.tmp repo/logs/tracked.txt repo/sub/notes.txt \
		repo/tracked-but-ignored.txt repo/visible.txt >expect &&
	test_cmp expect paths
'

test_expect_success "the summary counts ignored files and folders" '
	"$HUSH" scan -q --format json repo >scan.json
	json_check scan.json "d[\"summary\"][\"skipped_ignored\"] == 4" &&
	json_check scan.json "d[\"summary\"][\"files\"] == 8"
'

test_expect_success "--no-ignore reports ignored files too, but never anything in .git" '
	expect_code 1 paths --no-ignore repo &&
	printf "%s\n" repo/a.tmp repo/debug.log repo/ignored.txt repo/keep.tmp repo/logs/app.txt repo/logs/tracked.txt \
		repo/sub/debug.log repo/sub/notes.txt repo/tracked-but-ignored.txt repo/visible.txt >expect &&
	test_cmp expect paths &&
	! grep -q "\.git/" paths
'

test_expect_success "scanning from inside the repository honours the same rules" '
	(cd repo/sub && "$HUSH" scan -q --format json >../../scan.json)
	json_eval scan.json "[f[\"path\"] for f in d[\"findings\"]]" >got &&
	echo "[\"notes.txt\"]" >expect &&
	test_cmp expect got &&
	(cd repo && "$HUSH" scan -q --format json logs >../scan.json)
	json_eval scan.json "[f[\"path\"] for f in d[\"findings\"]]" >got &&
	echo "[\"logs/tracked.txt\"]" >expect &&
	test_cmp expect got
'

test_expect_success "outside a git work tree .gitignore has no effect" '
	mkdir plain &&
	printf "ignored.txt\n" >plain/.gitignore &&
	plant plain/ignored.txt &&
	expect_code 1 paths plain &&
	echo plain/ignored.txt >expect &&
	test_cmp expect paths
'

test_expect_success ".hush.yml allowlist paths: a folder entry suppresses everything below it" '
	git init -q allow &&
	plant allow/vendor/lib/a.txt &&
	plant allow/vendor/b.txt &&
	plant allow/src/main.txt &&
	plant allow/src/vendor.txt &&
	expect_code 1 paths allow &&
	test "$(wc -l <paths)" -eq 4 &&
	printf "allowlist:\n  paths:\n    - vendor/\n" >allow/.hush.yml &&
	expect_code 1 paths allow &&
	printf "%s\n" allow/src/main.txt allow/src/vendor.txt >expect &&
	test_cmp expect paths &&
	json_check scan.json "d[\"summary\"][\"skipped_ignored\"] == 1"
'

test_expect_success ".hush.yml allowlist paths apply however the folder is named on the command line" '
	printf "allowlist:\n  paths:\n    - vendor/\n" >allow/.hush.yml &&
	expect_code 0 paths allow/vendor &&
	expect_code 0 paths allow/vendor/lib &&
	expect_code 0 in_dir allow/vendor "$HUSH" scan -q
'

# docs/rules.md: the .hush.yml allowlists are among the "filters applied to every finding"
test_expect_success ".hush.yml allowlist paths apply to files named on the command line" '
	printf "allowlist:\n  paths:\n    - vendor/\n" >allow/.hush.yml &&
	expect_code 0 paths allow/vendor/b.txt &&
	expect_code 1 paths allow/vendor/b.txt allow/src/main.txt &&
	echo allow/src/main.txt >expect &&
	test_cmp expect paths
'

test_expect_success ".hush.yml allowlist paths: globs" '
	printf "allowlist:\n  paths:\n    - \"src/*.txt\"\n    - \"**/a.txt\"\n" >allow/.hush.yml &&
	expect_code 1 paths allow &&
	echo allow/vendor/b.txt >expect &&
	test_cmp expect paths &&
	printf "allowlist:\n  paths: [vendor.txt]\n" >allow/.hush.yml &&
	expect_code 1 paths allow &&
	printf "%s\n" allow/src/main.txt allow/vendor/b.txt allow/vendor/lib/a.txt >expect &&
	test_cmp expect paths &&
	rm allow/.hush.yml
'

test_expect_success "hush:allow on the line of the finding suppresses it, on another line it does not" '
	mkdir inline &&
	printf "a %s # hush:allow\n" "$(gen_github)" >inline/same.txt &&
	printf "// HUSH:ALLOW the next value\nb %s\n" "$(gen_github)" >inline/before.txt &&
	printf "c %s\n# hush:allow\n" "$(gen_github)" >inline/after.txt &&
	printf "hush:allow %s\n" "$(gen_github)" >inline/prefix.txt &&
	printf "d %s # hush: allow, hush-allow\n" "$(gen_github)" >inline/near.txt &&
	expect_code 1 paths inline &&
	printf "%s\n" inline/after.txt inline/before.txt inline/near.txt >expect &&
	test_cmp expect paths &&
	json_check scan.json "d[\"summary\"][\"allowed\"] == 2"
'

test_expect_success "hush:allow suppresses only the finding on its line" '
	printf "x %s\ny %s hush:allow\nz %s\n" "$(gen_github)" "$(gen_aws)" "$(gen_github)" >inline2.txt &&
	"$HUSH" scan -q --format json inline2.txt >scan.json
	json_eval scan.json "[(f[\"line\"], f[\"rule_id\"]) for f in d[\"findings\"]]" >got &&
	echo "[[1, \"github-classic-pat\"], [3, \"github-classic-pat\"]]" >expect &&
	test_cmp expect got
'

test_expect_success "allowlist fingerprints: a fingerprint from a JSON report suppresses that finding" '
	git init -q fp &&
	plant fp/one.txt &&
	plant fp/two.txt &&
	expect_code 1 paths fp &&
	json_eval scan.json "[f[\"fingerprint\"] for f in d[\"findings\"] if f[\"path\"] == \"fp/one.txt\"][0]" >one.fp &&
	grep -E -q "^[0-9a-f]{32}$" one.fp &&
	printf "allowlist:\n  fingerprints:\n    - %s\n" "$(cat one.fp)" >fp/.hush.yml &&
	expect_code 1 paths fp &&
	echo fp/two.txt >expect &&
	test_cmp expect paths &&
	json_check scan.json "d[\"summary\"][\"allowed\"] == 1" &&
	json_eval scan.json "[f[\"fingerprint\"] for f in d[\"findings\"] if f[\"path\"] == \"fp/two.txt\"][0]" >>one.fp &&
	printf "allowlist:\n  fingerprints:\n" >fp/.hush.yml &&
	sed "s/^/    - /" one.fp >>fp/.hush.yml &&
	expect_code 0 paths fp &&
	test -z "$(cat paths)" &&
	expect_code 1 paths --no-config fp
'

test_done
