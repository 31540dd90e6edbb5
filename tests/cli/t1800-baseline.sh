#!/bin/sh
# t1800-baseline: --baseline-write (file format, no secrets, atomic, exit 0) and --baseline (only new findings,
# the baselined counter, exit codes), surviving line moves and an interactive-rebase squash, and the errors for
# missing or malformed baseline files.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# scan_json DIR ARGS...: hush scan -q --format json ARGS in DIR, report in $TRASH/scan.json; hush's exit code
scan_json() {
	_d=$1
	shift
	(cd "$_d" && "$HUSH" scan -q --format json "$@") >scan.json
}

# found: the sorted "path:line" of the findings in scan.json
found() {
	json_eval scan.json "\"\\n\".join(sorted(\"%s:%d\" % (f[\"path\"], f[\"line\"]) for f in d[\"findings\"]))"
}

test_expect_success "setup: a repository with three findings" '
	git init -q repo &&
	gen_github >tok1 && gen_aws >tok2 && gen_slack >tok3 &&
	printf "a = %s\n" "$(cat tok1)" >repo/one.txt &&
	printf "intro\nb = %s\n" "$(cat tok2)" >repo/two.txt &&
	mkdir repo/sub &&
	printf "c = %s\n" "$(cat tok3)" >repo/sub/three.txt &&
	git -C repo add . && git -C repo commit -q -m init &&
	expect_code 1 scan_json repo &&
	test "$(json_eval scan.json "len(d[\"findings\"])")" = 3
'

test_expect_success "--baseline-write writes the findings, exits 0 and says how many" '
	(cd repo && "$HUSH" scan --baseline-write ../base.json >../out 2>../err) &&
	grep_q "^hush: wrote 3 fingerprints to \.\./base\.json$" err &&
	grep_q "3 findings" err &&
	test -s out
'

test_expect_success "the baseline file: schema, sorted by fingerprint, repository-relative paths, no secrets" '
	json_check base.json "d[\"schema_version\"] == 1 and d[\"tool\"] == \"hush\"" &&
	json_check base.json "__import__(\"re\").fullmatch(r\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\", d[\"created\"])" &&
	json_check base.json "all(sorted(f) == [\"fingerprint\", \"line\", \"path\", \"rule_id\"] for f in d[\"findings\"])" &&
	json_check base.json "[f[\"fingerprint\"] for f in d[\"findings\"]] == sorted(f[\"fingerprint\"] for f in d[\"findings\"])" &&
	json_eval base.json "\" \".join(sorted(\"%s:%d\" % (f[\"path\"], f[\"line\"]) for f in d[\"findings\"]))" >got &&
	echo "one.txt:1 sub/three.txt:1 two.txt:2" >expect &&
	test_cmp expect got &&
	json_eval scan.json "sorted(f[\"fingerprint\"] for f in d[\"findings\"])" >expect &&
	json_eval base.json "[f[\"fingerprint\"] for f in d[\"findings\"]]" >got &&
	test_cmp expect got &&
	for t in tok1 tok2 tok3; do grep_none "$(cat $t)" base.json || return 1; done &&
	for t in tok1 tok2 tok3; do grep_none "$(cut -c1-12 $t)" base.json || return 1; done
'

test_expect_success "--show-secrets does not put secrets into the baseline; no temporary file is left" '
	(cd repo && "$HUSH" scan -q --show-secrets --baseline-write ../base2.json >../out) &&
	grep_q "$(cat tok1)" out &&
	for t in tok1 tok2 tok3; do grep_none "$(cat $t)" base2.json || return 1; done &&
	ls -a >files &&
	! grep "tmp" files
'

test_expect_success "the baseline file is written with the usual permissions (it is meant to be committed)" '
	(umask 022 && cd repo && "$HUSH" scan -q --baseline-write ../perm.json >/dev/null) &&
	test "$(stat -c %a perm.json)" = 644
'

test_expect_success "SOURCE_DATE_EPOCH makes the baseline reproducible" '
	(cd repo && SOURCE_DATE_EPOCH=86400 "$HUSH" scan -q --baseline-write ../r1.json >/dev/null) &&
	(cd repo && SOURCE_DATE_EPOCH=86400 "$HUSH" scan -q --baseline-write ../r2.json >/dev/null) &&
	test_cmp r1.json r2.json &&
	json_check r1.json "d[\"created\"] == \"1970-01-02T00:00:00Z\""
'

test_expect_success "--baseline: nothing new, exit 0, the summary counts the baselined findings" '
	(cd repo && "$HUSH" scan --baseline ../base.json >../out 2>../err) &&
	grep_q ": 0 findings, 3 baselined$" err &&
	test ! -s out &&
	expect_code 0 scan_json repo --baseline ../base.json &&
	json_check scan.json "d[\"findings\"] == [] and d[\"summary\"][\"baselined\"] == 3" &&
	json_check scan.json "d[\"summary\"][\"findings\"] == 0"
'

test_expect_success "--baseline: a new secret is reported (exit 1), the old ones stay quiet" '
	printf "d = %s\n" "$(gen_stripe)" >>repo/one.txt &&
	expect_code 1 scan_json repo --baseline ../base.json &&
	found >got &&
	echo one.txt:2 >expect &&
	test_cmp expect got &&
	json_check scan.json "d[\"summary\"][\"baselined\"] == 3" &&
	(cd repo && "$HUSH" scan --baseline ../base.json >/dev/null 2>../err); grep_q ": 1 finding, 3 baselined$" err &&
	git -C repo checkout -q one.txt
'

test_expect_success "--baseline: the same secret moved to another line, in an edited file, is still known" '
	printf "new first line\n\n\nmore\n" >repo/prefix &&
	cat repo/prefix repo/two.txt >repo/two.new && mv repo/two.new repo/two.txt &&
	printf "header\nd = 1\n" >repo/sub/three.new &&
	cat repo/sub/three.txt >>repo/sub/three.new && printf "trailer\n" >>repo/sub/three.new &&
	mv repo/sub/three.new repo/sub/three.txt && rm repo/prefix &&
	expect_code 1 scan_json repo &&
	found >got &&
	printf "%s\n" one.txt:1 sub/three.txt:3 two.txt:6 >expect &&
	test_cmp expect got &&
	expect_code 0 scan_json repo --baseline ../base.json &&
	json_check scan.json "d[\"summary\"][\"baselined\"] == 3"
'

test_expect_success "--baseline: the same secret in another file is new (fingerprints follow the path)" '
	printf "copy %s\n" "$(cat tok1)" >repo/copy.txt &&
	expect_code 1 scan_json repo --baseline ../base.json &&
	found >got &&
	echo copy.txt:1 >expect &&
	test_cmp expect got &&
	rm repo/copy.txt && git -C repo checkout -q .
'

test_expect_success "--baseline works with stdin scans, --staged and --diff too" '
	printf "a = %s\n" "$(cat tok1)" >stdin.txt &&
	(cd repo && "$HUSH" scan -q --baseline-write ../stdin-base.json - <../stdin.txt >/dev/null) &&
	json_check stdin-base.json "len(d[\"findings\"]) == 1" &&
	(cd repo && expect_code 0 "$HUSH" scan -q --baseline ../stdin-base.json - <../stdin.txt) &&
	printf "e = %s\n" "$(gen_github)" >repo/staged.txt && git -C repo add staged.txt &&
	(cd repo && "$HUSH" scan -q --staged --baseline-write ../staged.json >/dev/null) &&
	(cd repo && expect_code 0 "$HUSH" scan -q --staged --baseline ../staged.json >/dev/null) &&
	(cd repo && expect_code 1 "$HUSH" scan -q --staged --baseline ../base.json >/dev/null) &&
	git -C repo diff --cached >staged.diff &&
	(cd repo && expect_code 0 "$HUSH" scan -q --diff ../staged.diff --baseline ../staged.json >/dev/null) &&
	git -C repo rm -q --cached staged.txt && rm repo/staged.txt
'

test_expect_success "an empty scan writes an empty baseline" '
	mkdir clean && echo nothing >clean/a.txt &&
	(cd clean && "$HUSH" scan --baseline-write ../empty.json >/dev/null 2>../err) &&
	grep_q "^hush: wrote 0 fingerprints to" err &&
	json_check empty.json "d[\"findings\"] == []" &&
	expect_code 1 scan_json repo --baseline ../empty.json
'

test_expect_success "--baseline-write: exit 2 with --strict and a warning; -q prints nothing" '
	(cd repo && "$HUSH" scan -q --baseline-write ../q.json >/dev/null 2>../err) &&
	test ! -s err &&
	printf "big %s\n" "$(cat tok1)" >repo/big.txt && head -c 2000 /dev/zero | tr "\0" a >>repo/big.txt &&
	(cd repo && expect_code 2 "$HUSH" scan -q --strict --max-file-size 1K --baseline-write ../q.json >/dev/null) &&
	rm repo/big.txt
'

test_expect_success "--baseline-write to a folder that does not exist fails before scanning" '
	(cd repo && expect_code 2 "$HUSH" scan --baseline-write ../no/such/dir/b.json >../out 2>../err) &&
	grep_q "^hush: error: cannot write the baseline .*no/such/dir/b.json.*No such file or directory" err &&
	! grep -q "scanned" err
'

test_expect_success "--baseline and --baseline-write together are refused" '
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../base.json --baseline-write ../x.json 2>../err) &&
	grep_q "cannot be combined" err &&
	test ! -e x.json
'

test_expect_success "a missing baseline is an error naming the file" '
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../missing.json >../out 2>../err) &&
	grep_q "^hush: error: cannot read the baseline .\.\./missing\.json.: No such file or directory$" err &&
	test ! -s out
'

test_expect_success "a malformed baseline is an error naming the file and the problem" '
	head -c 100 base.json >trunc.json &&
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../trunc.json 2>../err) &&
	grep_q "^hush: error: malformed baseline .\.\./trunc\.json.: line [0-9]*, column [0-9]*: " err &&
	: >zero.json &&
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../zero.json 2>../err) &&
	grep_q "malformed baseline .\.\./zero\.json." err &&
	echo "[\"abc\"]" >array.json &&
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../array.json 2>../err) &&
	grep_q "malformed baseline .\.\./array\.json.: expected a JSON object with \"schema_version\" and \"findings\"" err &&
	echo "{\"schema_version\": 1, \"findings\": [{\"fingerprint\": \"abc\"}]}" >badfp.json &&
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../badfp.json 2>../err) &&
	grep_q "malformed baseline .\.\./badfp\.json.: findings\[0\]: \"fingerprint\" must be 32 hexadecimal digits" err &&
	echo "{\"schema_version\": 1, \"findings\": [{\"path\": \"a\"}]}" >nofp.json &&
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../nofp.json 2>../err) &&
	grep_q "findings\[0\]: \"fingerprint\" must be" err &&
	echo "{\"schema_version\": 2, \"findings\": []}" >v2.json &&
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../v2.json 2>../err) &&
	grep_q "unsupported baseline .\.\./v2\.json.: schema_version 2 (this hush reads 1)" err &&
	echo "{\"schema_version\": 1, \"findings\": [], \"findings\": []}" >dup.json &&
	(cd repo && expect_code 2 "$HUSH" scan --baseline ../dup.json 2>../err) &&
	grep_q "malformed baseline .\.\./dup\.json.: .*duplicate" err
'

test_expect_success "a hand-edited baseline: upper-case and repeated fingerprints are accepted" '
	python3 -c "
import json
d = json.load(open(\"base.json\"))
d[\"findings\"] = [dict(f, fingerprint=f[\"fingerprint\"].upper()) for f in d[\"findings\"]] * 2
json.dump(d, open(\"upper.json\", \"w\"))
" &&
	expect_code 0 scan_json repo --baseline ../upper.json &&
	json_check scan.json "d[\"summary\"][\"baselined\"] == 3"
'

# History: a secret added in one commit, then edits that move it, squashed into one commit by an interactive
# rebase. The blobs, commits and line numbers all change; the fingerprints do not.
test_expect_success "setup: a history with a secret that moves down over several commits" '
	git init -q hist &&
	echo "# project" >hist/README && git -C hist add README && git -C hist commit -q -m root &&
	printf "key = %s\n" "$(gen_github)" >hist/config.txt &&
	printf "aws = %s\n" "$(gen_aws)" >hist/other.txt &&
	git -C hist add . && git -C hist commit -q -m "add config" &&
	{ printf "# settings\n\n"; cat hist/config.txt; } >hist/c.new && mv hist/c.new hist/config.txt &&
	git -C hist commit -q -a -m "comment" &&
	{ printf "one\ntwo\n"; cat hist/config.txt; } >hist/c.new && mv hist/c.new hist/config.txt &&
	echo "more" >>hist/README &&
	git -C hist commit -q -a -m "more lines" &&
	git -C hist rev-list HEAD >before.commits &&
	test "$(wc -l <before.commits)" -eq 4
'

test_expect_success "history: the baseline written before a squash suppresses everything after it" '
	(cd hist && "$HUSH" scan -q --history --format json --baseline-write ../hist-base.json >../before.json) &&
	# each secret is reported once, by the commit that added its line: the later commits only move it
	json_check before.json "len(d[\"findings\"]) == 2" &&
	json_check hist-base.json "len(d[\"findings\"]) == 2" &&
	(cd hist && GIT_SEQUENCE_EDITOR="sed -i -e \"2,\\\$s/^pick/squash/\"" GIT_EDITOR=true \
		git rebase -q -i HEAD~3) &&
	git -C hist rev-list HEAD >after.commits &&
	test "$(wc -l <after.commits)" -eq 2 &&
	test "$(head -1 after.commits)" != "$(head -1 before.commits)" &&
	git -C hist reflog expire --expire=now --all && git -C hist gc -q --prune=now &&
	expect_code 1 scan_json hist --history &&
	found >got &&
	printf "%s\n" config.txt:5 other.txt:1 >expect &&
	test_cmp expect got &&
	json_check scan.json "d[\"findings\"][0][\"commit\"] == \"$(head -1 after.commits)\"" &&
	expect_code 0 scan_json hist --history --baseline ../hist-base.json &&
	json_check scan.json "d[\"summary\"][\"baselined\"] == 2"
'

test_expect_success "history: with a salt in .hush.yml the baseline also survives squashing into the root commit" '
	git init -q hist2 &&
	printf "salt: team-salt\n" >hist2/.hush.yml &&
	git -C hist2 add .hush.yml && git -C hist2 commit -q -m root &&
	printf "key = %s\n" "$(gen_github)" >hist2/config.txt &&
	git -C hist2 add . && git -C hist2 commit -q -m "add config" &&
	{ printf "moved\ndown\n"; cat hist2/config.txt; } >hist2/c.new && mv hist2/c.new hist2/config.txt &&
	git -C hist2 commit -q -a -m "move" &&
	root_before=$(git -C hist2 rev-list --max-parents=0 HEAD) &&
	(cd hist2 && "$HUSH" scan -q --history --baseline-write ../hist2-base.json >/dev/null) &&
	json_check hist2-base.json "len(d[\"findings\"]) == 1" &&
	(cd hist2 && GIT_SEQUENCE_EDITOR="sed -i -e \"2,\\\$s/^pick/squash/\"" GIT_EDITOR=true \
		git rebase -q -i --root) &&
	test "$(git -C hist2 rev-list HEAD | wc -l)" -eq 1 &&
	test "$(git -C hist2 rev-list --max-parents=0 HEAD)" != "$root_before" &&
	expect_code 1 scan_json hist2 --history &&
	found >got && echo config.txt:3 >expect && test_cmp expect got &&
	expect_code 0 scan_json hist2 --history --baseline ../hist2-base.json &&
	json_check scan.json "d[\"summary\"][\"baselined\"] == 1"
'

# The documented limit: the default salt is the root commit, so rewriting the root commit changes every fingerprint.
test_expect_success "history: without a salt, squashing into the root commit makes baselined findings new again" '
	git clone -q hist hist3 &&
	(cd hist3 && "$HUSH" scan -q --history --baseline-write ../hist3-base.json >/dev/null) &&
	(cd hist3 && GIT_SEQUENCE_EDITOR="sed -i -e \"2,\\\$s/^pick/squash/\"" GIT_EDITOR=true \
		git rebase -q -i --root) &&
	expect_code 1 scan_json hist3 --history --baseline ../hist3-base.json &&
	json_check scan.json "d[\"summary\"][\"baselined\"] == 0" &&
	expect_code 0 scan_json hist3 --history --salt "$(git -C hist rev-list --max-parents=0 HEAD)" \
		--baseline ../hist3-base.json
'

test_done
