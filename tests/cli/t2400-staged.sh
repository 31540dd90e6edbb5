#!/bin/sh
# t2400-staged: hush scan --staged scans the index, not the working tree, and reports only findings that touch
# lines the staged change adds (against HEAD): a multi-line key is found when only part of it is added; renames,
# deletions and mode changes report nothing; an unborn branch (the first commit) works; exit codes.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# staged ARGS...: hush scan --staged --format json --show-secrets ARGS >s.json; hush's exit code
staged() {
	"$HUSH" scan -q --staged --format json --show-secrets "$@" >s.json
}

# lines: "path:line:secret" of each finding in s.json, one per line
lines() {
	json_eval s.json "\"\\n\".join(\"%s:%d:%s\" % (f[\"path\"], f[\"line\"], f[\"secret\"]) for f in d[\"findings\"])"
}

test_expect_success "setup: a repository with a committed clean file" '
	git init -q repo &&
	(
		cd repo &&
		printf "one\ntwo\nthree\n" >app.cfg &&
		git add app.cfg &&
		git commit -q -m init
	) &&
	expect_code 0 staged repo &&
	json_check s.json "d[\"findings\"] == []"
'

test_expect_success "a token only in the working tree (the staged version is clean) is not reported" '
	(
		cd repo &&
		printf "one\ntwo\nthree\nfour\n" >app.cfg &&
		git add app.cfg &&
		printf "one\ntwo\nthree\nfour\nkey = %s\n" "$(gen_github)" >app.cfg &&
		printf "new %s\n" "$(gen_aws)" >untracked.txt
	) &&
	expect_code 0 staged repo &&
	json_check s.json "d[\"findings\"] == []"
'

test_expect_success "a staged token is reported though the working tree no longer has it" '
	tok=$(gen_github) &&
	(
		cd repo &&
		printf "one\ntwo\nkey = %s\nthree\n" "$tok" >app.cfg &&
		git add app.cfg &&
		printf "one\ntwo\nthree\n" >app.cfg &&
		rm untracked.txt
	) &&
	expect_code 1 staged repo &&
	echo "app.cfg:3:$tok" >expect &&
	lines >got &&
	test_cmp expect got &&
	json_check s.json "d[\"findings\"][0][\"blob\"] == \"$(git -C repo rev-parse :app.cfg)\"" &&
	json_check s.json "d[\"findings\"][0][\"column\"] == 7" &&
	(cd repo && git checkout -q HEAD -- app.cfg && git diff --quiet HEAD)
'

test_expect_success "from a subdirectory of the work tree, with no REPO argument" '
	tok=$(gen_stripe) &&
	(
		cd repo &&
		mkdir -p deep/er &&
		printf "x = %s\n" "$tok" >deep/er/k.txt &&
		git add deep/er/k.txt &&
		cd deep/er &&
		expect_code 1 "$HUSH" scan -q --staged --format json --show-secrets >"$TRASH/s.json"
	) &&
	echo "deep/er/k.txt:1:$tok" >expect &&
	lines >got &&
	test_cmp expect got &&
	(cd repo && git rm -q --cached deep/er/k.txt && rm -r deep)
'

test_expect_success "setup: a committed file with a secret in it" '
	old=$(gen_github) &&
	echo "$old" >old.tok &&
	(
		cd repo &&
		printf "header\nlegacy = %s\nfooter\n" "$old" >legacy.env &&
		git add legacy.env &&
		git commit -q -m "legacy secret"
	)
'

test_expect_success "a committed secret is not reported when other lines are added to its file" '
	(
		cd repo &&
		printf "header\nprepended = 0\nlegacy = %s\nfooter\nmore = 1\n" "$(cat ../old.tok)" >legacy.env &&
		git add legacy.env &&
		test "$(git diff --cached --numstat | cut -f1)" -eq 2
	) &&
	expect_code 0 staged repo &&
	json_check s.json "d[\"findings\"] == []"
'

test_expect_success "only the newly added secret is reported, at its line in the staged file" '
	new=$(gen_aws) &&
	(
		cd repo &&
		printf "extra = %s\n" "$new" >>legacy.env &&
		git add legacy.env
	) &&
	expect_code 1 staged repo &&
	line=$(git -C repo show :legacy.env | grep -n "extra = " | cut -d: -f1) &&
	test "$line" -eq 6 &&
	echo "legacy.env:$line:$new" >expect &&
	lines >got &&
	test_cmp expect got
'

test_expect_success "a changed line that still holds the committed secret counts as added" '
	(
		cd repo &&
		git checkout -q HEAD -- legacy.env &&
		sed "s/^legacy = /legacy_renamed = /" legacy.env >tmp && mv tmp legacy.env &&
		git add legacy.env
	) &&
	expect_code 1 staged repo &&
	echo "legacy.env:2:$(cat old.tok)" >expect &&
	lines >got &&
	test_cmp expect got &&
	(cd repo && git checkout -q HEAD -- legacy.env)
'

test_expect_success "a PEM key of which only the second half is staged is found" '
	gen_rsa_key 6 >key.full &&
	(
		cd repo &&
		head -n 4 ../key.full >id_rsa &&
		git add id_rsa &&
		git commit -q -m "half a key" &&
		cp ../key.full id_rsa &&
		git add id_rsa
	) &&
	expect_code 1 staged repo &&
	json_check s.json "len(d[\"findings\"]) == 1" &&
	json_check s.json "d[\"findings\"][0][\"rule_id\"] == \"private-key-rsa\"" &&
	json_check s.json "d[\"findings\"][0][\"path\"] == \"id_rsa\"" &&
	json_check s.json "d[\"findings\"][0][\"line\"] == 1 and d[\"findings\"][0][\"end_line\"] == 8" &&
	(cd repo && git commit -q -m "the rest of the key")
'

test_expect_success "a PEM key whose END line alone is staged is found" '
	gen_rsa_key 5 >key2.full &&
	(
		cd repo &&
		{ echo "# deploy key" && head -n 6 ../key2.full; } >deploy.pem &&
		git add deploy.pem &&
		git commit -q -m "key without its end line" &&
		{ echo "# deploy key" && cat ../key2.full; } >deploy.pem &&
		git add deploy.pem &&
		test "$(git diff --cached --numstat | cut -f1,2)" = "$(printf "1\t0")"
	) &&
	expect_code 1 staged repo &&
	json_check s.json "[[f[\"rule_id\"], f[\"path\"], f[\"line\"], f[\"end_line\"]] for f in d[\"findings\"]] == [[\"private-key-rsa\", \"deploy.pem\", 2, 8]]" &&
	(cd repo && git commit -q -m "end line")
'

test_expect_success "a committed whole key is not reported when a comment is added above it" '
	(
		cd repo &&
		{ echo "# rotated: never" && cat deploy.pem; } >tmp && mv tmp deploy.pem &&
		git add deploy.pem
	) &&
	expect_code 0 staged repo &&
	(cd repo && git commit -q -m comment)
'

test_expect_success "a pure rename of a file with a secret reports nothing" '
	(
		cd repo &&
		mkdir -p moved &&
		git mv legacy.env moved/renamed.env &&
		git diff --cached --name-status -M | grep -q "^R100"
	) &&
	expect_code 0 staged repo &&
	json_check s.json "d[\"findings\"] == []" &&
	(cd repo && git reset -q --hard)
'

test_expect_success "a rename with an added secret reports the new line under the new path" '
	tok=$(gen_slack) &&
	(
		cd repo &&
		git reset -q --hard &&
		{ printf "old = %s\n" "$(cat ../old.tok)" && seq 1 30 | sed "s/^/setting number /"; } >big.env &&
		git add big.env &&
		git commit -q -m big &&
		git mv big.env settings.env &&
		printf "slack = %s\n" "$tok" >>settings.env &&
		git add settings.env &&
		git diff --cached --name-status -M | grep -q "^R"
	) &&
	expect_code 1 staged repo &&
	echo "settings.env:32:$tok" >expect &&
	lines >got &&
	test_cmp expect got &&
	(cd repo && git reset -q --hard)
'

test_expect_success "a staged deletion of a file with a secret reports nothing" '
	(cd repo && git rm -q legacy.env) &&
	expect_code 0 staged repo &&
	json_check s.json "d[\"findings\"] == []" &&
	(cd repo && git reset -q --hard)
'

test_expect_success "a staged mode change alone reports nothing" '
	(cd repo && git update-index --chmod=+x legacy.env && git diff --cached --summary | grep -q "mode change") &&
	expect_code 0 staged repo &&
	(cd repo && git reset -q --hard)
'

test_expect_success "a staged binary file with a token is skipped" '
	(
		cd repo &&
		{ printf "\000\001bin\000" && printf "k %s\n" "$(gen_github)"; } >data.bin &&
		git add data.bin
	) &&
	expect_code 0 staged repo &&
	json_check s.json "d[\"summary\"][\"skipped_binary\"] == 1"
'

# "--binary: also scan files with a NUL byte" holds for files and --history; here the binary diff has no
# hunks, so no line counts as added and nothing is reported (files 0, skipped 0).
test_expect_success "--binary: a staged binary file with a token is scanned" '
	expect_code 1 staged --binary repo &&
	json_check s.json "[f[\"path\"] for f in d[\"findings\"]] == [\"data.bin\"]"
'

test_expect_success "cleanup: unstage the binary file" '
	(cd repo && git rm -q --cached data.bin && rm data.bin && git status --porcelain >../st) &&
	test ! -s st
'

test_expect_success "--max-file-size: a bigger staged file is skipped with a warning naming it" '
	(
		cd repo &&
		{ printf "big %s\n" "$(gen_aws)" && seq 1 500; } >big.txt &&
		printf "small %s\n" "$(gen_github)" >small.txt &&
		git add big.txt small.txt
	) &&
	expect_code 1 "$HUSH" scan -q --staged --format json --max-file-size 1K repo >s.json 2>err &&
	grep_q "^hush: warning: .*big.txt" err &&
	json_check s.json "[f[\"path\"] for f in d[\"findings\"]] == [\"small.txt\"]" &&
	json_check s.json "d[\"summary\"][\"skipped_large\"] == 1" &&
	expect_code 1 staged repo &&
	json_check s.json "sorted(f[\"path\"] for f in d[\"findings\"]) == [\"big.txt\", \"small.txt\"]" &&
	(cd repo && git rm -q --cached big.txt small.txt && rm big.txt small.txt)
'

test_expect_success "an unborn branch: everything staged for the first commit is new" '
	git init -q fresh &&
	expect_code 0 staged fresh &&
	tok=$(gen_github) &&
	(
		cd fresh &&
		printf "clean\n" >a.txt &&
		printf "first\nsecond %s\n" "$tok" >b.txt &&
		git add a.txt b.txt &&
		! git rev-parse -q --verify HEAD >/dev/null
	) &&
	expect_code 1 staged fresh &&
	echo "b.txt:2:$tok" >expect &&
	lines >got &&
	test_cmp expect got
'

test_expect_success "an unborn branch that is not the default one (git switch --orphan)" '
	tok=$(gen_aws) &&
	(
		cd repo &&
		git checkout -q --orphan newroot &&
		git rm -q -r --cached . &&
		printf "orphan %s\n" "$tok" >orphan.txt &&
		git add orphan.txt
	) &&
	expect_code 1 staged repo &&
	echo "orphan.txt:1:$tok" >expect &&
	lines >got &&
	test_cmp expect got &&
	(cd repo && git rm -q --cached orphan.txt && rm orphan.txt && git checkout -q -f main && git clean -q -f -d)
'

test_expect_success "exit codes: 0 clean, 1 findings, 2 outside a repository, for a bare one or an extra argument" '
	(cd repo && git reset -q --hard && git status --porcelain >../st) &&
	test ! -s st &&
	expect_code 0 staged repo &&
	mkdir plain &&
	expect_code 2 "$HUSH" scan -q --staged plain >out 2>err &&
	grep_q "^hush: " err &&
	git init -q --bare bare.git &&
	expect_code 2 "$HUSH" scan -q --staged bare.git >out 2>err &&
	grep_q "bare" err &&
	expect_code 2 "$HUSH" scan -q --staged repo extra >out 2>err &&
	grep_q "extra" err &&
	expect_code 2 "$HUSH" scan -q --staged --history repo >out 2>err
'

test_done
