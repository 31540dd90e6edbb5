#!/bin/sh
# t2000-history-basic: hush scan --history finds secrets anywhere in the reachable history (deleted since,
# on an unmerged branch, only in a merge resolution, behind a rename, on a tag, in a stash) and attributes
# each to the commit and path that introduced it, with the author; exit codes.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

TOK_DELETED=$(gen_github)
TOK_SIDE=$(gen_aws)
TOK_MERGE=$(gen_stripe)
TOK_RENAMED=$(gen_slack)
TOK_TAG=$(gen_github)
TOK_ATAG=$(gen_aws)
TOK_STASH=$(gen_github)
TOK_STASH_INDEX=$(gen_stripe)
TOK_WORKTREE=$(gen_github)

# hist ARGS...: hush scan --history --format json --show-secrets ARGS >h.json; hush's exit code
hist() {
	"$HUSH" scan -q --history --format json --show-secrets "$@" >h.json
}

# where TOKEN: "path commit" of every finding of h.json whose secret is TOKEN, one per line
where() {
	json_eval h.json "\"\\n\".join(\"%s %s\" % (f[\"path\"], f[\"commit\"]) for f in d[\"findings\"] if f[\"secret\"] == \"$1\")"
}

# commit_at DATE MESSAGE: commit (in the current directory) with author and committer date DATE
commit_at() {
	GIT_AUTHOR_DATE=$1 GIT_COMMITTER_DATE=$1 git commit -q -m "$2"
}

test_expect_success "setup: a secret added by one author, then deleted" '
	git init -q repo &&
	(
		cd repo &&
		echo hello >README &&
		git add README &&
		commit_at "2021-01-01T00:00:00Z" "readme" &&
		mkdir config &&
		printf "# settings\nname = demo\ntoken = %s\n" "$TOK_DELETED" >config/app.env &&
		git add config/app.env &&
		GIT_AUTHOR_NAME="Alice Example" GIT_AUTHOR_EMAIL=alice@example.invalid \
			GIT_AUTHOR_DATE="2021-03-04T05:06:07+02:00" GIT_COMMITTER_DATE="2021-03-04T05:06:07+02:00" \
			git commit -q -m "add config" &&
		git rev-parse HEAD >../c.deleted &&
		git rev-parse HEAD:config/app.env >../b.deleted &&
		git rm -q config/app.env &&
		commit_at "2021-03-05T00:00:00Z" "remove config" &&
		test ! -e config/app.env
	)
'

test_expect_success "a deleted secret is found and attributed to the commit that added it" '
	expect_code 1 hist repo &&
	where "$TOK_DELETED" >got &&
	echo "config/app.env $(cat c.deleted)" >expect &&
	test_cmp expect got &&
	json_check h.json "len(d[\"findings\"]) == 1" &&
	f="[f for f in d[\"findings\"] if f[\"secret\"] == \"$TOK_DELETED\"][0]" &&
	json_check h.json "$f[\"author_name\"] == \"Alice Example\"" &&
	json_check h.json "$f[\"author_email\"] == \"alice@example.invalid\"" &&
	json_check h.json "$f[\"author_date\"] == \"2021-03-04T05:06:07+02:00\"" &&
	json_check h.json "$f[\"blob\"] == \"$(cat b.deleted)\"" &&
	json_check h.json "$f[\"line\"] == 3 and $f[\"column\"] == 9" &&
	json_check h.json "d[\"summary\"][\"commits\"] == 3"
'

test_expect_success "the same from inside the repository (REPO defaults to the current directory)" '
	(cd repo && "$HUSH" scan -q --history --format json --show-secrets >../h.json; echo $? >../rc) &&
	test "$(cat rc)" = 1 &&
	where "$TOK_DELETED" >got &&
	test_cmp expect got
'

test_expect_success "the text report names the commit" '
	expect_code 1 "$HUSH" scan -q --history repo >h.txt &&
	grep_q "config/app.env" h.txt &&
	grep_q "$(cut -c1-7 c.deleted)" h.txt
'

test_expect_success "setup: a secret only on an unmerged side branch" '
	(
		cd repo &&
		git checkout -q -b side &&
		printf "aws_access_key_id = %s\n" "$TOK_SIDE" >side.txt &&
		git add side.txt &&
		commit_at "2021-04-01T00:00:00Z" "side work" &&
		git rev-parse HEAD >../c.side &&
		git checkout -q main &&
		test ! -e side.txt &&
		test -z "$(git branch --merged main | grep side)"
	)
'

test_expect_success "a secret only on an unmerged branch is found, on its commit" '
	expect_code 1 hist repo &&
	where "$TOK_SIDE" >got &&
	echo "side.txt $(cat c.side)" >expect &&
	test_cmp expect got
'

test_expect_success "setup: a merge conflict resolved with new content holding a token" '
	(
		cd repo &&
		printf "line one\nvalue = base\nline three\n" >conflict.txt &&
		git add conflict.txt &&
		commit_at "2021-05-01T00:00:00Z" "conflict base" &&
		git checkout -q -b left &&
		sed "s/base/left/" conflict.txt >tmp && mv tmp conflict.txt &&
		git commit -q -a -m left &&
		git checkout -q main &&
		sed "s/base/right/" conflict.txt >tmp && mv tmp conflict.txt &&
		GIT_AUTHOR_DATE="2021-05-02T00:00:00Z" GIT_COMMITTER_DATE="2021-05-02T00:00:00Z" git commit -q -a -m right &&
		! git merge -q left >../merge.out 2>&1 &&
		grep -q "<<<<<<<" conflict.txt &&
		printf "line one\nvalue = %s\nline three\n" "$TOK_MERGE" >conflict.txt &&
		git add conflict.txt &&
		GIT_AUTHOR_NAME="Merger" GIT_AUTHOR_EMAIL=merger@example.invalid \
			GIT_AUTHOR_DATE="2021-05-03T10:00:00-07:00" GIT_COMMITTER_DATE="2021-05-03T10:00:00-07:00" \
			git commit -q --no-edit &&
		test "$(git rev-list --parents -n 1 HEAD | wc -w)" -eq 3 &&
		git rev-parse HEAD >../c.merge
	)
'

test_expect_success "a token introduced only by a merge resolution is attributed to the merge commit" '
	expect_code 1 hist repo &&
	where "$TOK_MERGE" >got &&
	echo "conflict.txt $(cat c.merge)" >expect &&
	test_cmp expect got &&
	f="[f for f in d[\"findings\"] if f[\"secret\"] == \"$TOK_MERGE\"][0]" &&
	json_check h.json "$f[\"author_name\"] == \"Merger\" and $f[\"author_email\"] == \"merger@example.invalid\"" &&
	json_check h.json "$f[\"author_date\"] == \"2021-05-03T10:00:00-07:00\" and $f[\"line\"] == 2"
'

test_expect_success "setup: a file with a token, renamed in a later commit" '
	(
		cd repo &&
		printf "slack = %s\n" "$TOK_RENAMED" >original.cfg &&
		git add original.cfg &&
		commit_at "2021-06-01T00:00:00Z" "add original" &&
		git rev-parse HEAD >../c.renamed &&
		git mv original.cfg moved/renamed.cfg 2>/dev/null || { mkdir moved && git mv original.cfg moved/renamed.cfg; } &&
		commit_at "2021-06-02T00:00:00Z" "rename" &&
		test "$(git diff --name-status -M HEAD~1 HEAD | cut -c1)" = R
	)
'

test_expect_success "a renamed file gives one finding, at the original commit and path" '
	expect_code 1 hist repo &&
	where "$TOK_RENAMED" >got &&
	echo "original.cfg $(cat c.renamed)" >expect &&
	test_cmp expect got
'

test_expect_success "setup: tags on commits that no branch reaches" '
	(
		cd repo &&
		git checkout -q --detach &&
		printf "token %s\n" "$TOK_TAG" >tagged.txt &&
		git add tagged.txt &&
		commit_at "2021-07-01T00:00:00Z" "only on a lightweight tag" &&
		git tag light &&
		git checkout -q --detach main &&
		printf "token %s\n" "$TOK_ATAG" >annotated.txt &&
		git add annotated.txt &&
		commit_at "2021-07-02T00:00:00Z" "only on an annotated tag" &&
		git tag -a -m "annotated" heavy &&
		git checkout -q main &&
		test -z "$(git branch -a --contains light)" &&
		test -z "$(git branch -a --contains heavy)"
	)
'

test_expect_success "a commit reachable only from a lightweight or annotated tag is scanned" '
	expect_code 1 hist repo &&
	where "$TOK_TAG" >got &&
	echo "tagged.txt $(git -C repo rev-parse light)" >expect &&
	test_cmp expect got &&
	where "$TOK_ATAG" >got &&
	echo "annotated.txt $(git -C repo rev-parse "heavy^{commit}")" >expect &&
	test_cmp expect got
'

test_expect_success "setup: a stash of a modified tracked file" '
	(
		cd repo &&
		printf "hello\nstashed %s\n" "$TOK_STASH" >README &&
		git stash -q &&
		git rev-parse "stash@{0}" >../c.stash &&
		test "$(cat README)" = hello &&
		git diff --quiet HEAD
	)
'

test_expect_success "a token in a stash is found, at the stash commit" '
	expect_code 1 hist repo &&
	where "$TOK_STASH" >got &&
	echo "README $(cat c.stash)" >expect &&
	test_cmp expect got
'

test_expect_success "setup: a second stash, of a staged change" '
	(
		cd repo &&
		printf "hello\nindex %s\n" "$TOK_STASH_INDEX" >README &&
		git add README &&
		git stash -q &&
		git rev-parse "stash@{0}^2" >../c.stash.index &&
		test "$(git stash list | wc -l)" -eq 2 &&
		git diff --quiet HEAD
	)
'

test_expect_success "a staged change in a stash is attributed to the stash index commit (the older one)" '
	expect_code 1 hist repo &&
	where "$TOK_STASH_INDEX" >got &&
	echo "README $(cat c.stash.index)" >expect &&
	test_cmp expect got
'

# Only refs/stash (the newest entry) is a ref; older entries live in its reflog, which git log --all does not
# walk either. `git stash list` shows them, so a user would expect them scanned: a known gap for now.
test_expect_success "the older stash entry (stash@{1}, only in the stash reflog) is still scanned" '
	where "$TOK_STASH" >got &&
	echo "README $(cat c.stash)" >expect &&
	test_cmp expect got
'

test_expect_success "every planted token is reported at most once, and nothing else" '
	expect_code 1 hist repo &&
	json_eval h.json "\"\\n\".join(sorted(f[\"secret\"] for f in d[\"findings\"]))" | grep -v -x -F "$TOK_STASH" >got &&
	printf "%s\n" "$TOK_DELETED" "$TOK_SIDE" "$TOK_MERGE" "$TOK_RENAMED" "$TOK_TAG" "$TOK_ATAG" \
		"$TOK_STASH_INDEX" | sort >expect &&
	test_cmp expect got &&
	json_check h.json "len(d[\"findings\"]) == len(set(f[\"secret\"] for f in d[\"findings\"]))" &&
	json_check h.json "all(len(f[\"commit\"]) == 40 and len(f[\"blob\"]) == 40 for f in d[\"findings\"])"
'

test_expect_success "a commit reachable only from a detached HEAD is scanned; a bare clone gives the same" '
	git init -q detached &&
	tok=$(gen_github) &&
	(
		cd detached &&
		echo base >base.txt &&
		git add base.txt &&
		commit_at "2022-02-01T00:00:00Z" base &&
		git checkout -q --detach &&
		printf "detached %s\n" "$tok" >d.txt &&
		git add d.txt &&
		commit_at "2022-02-02T00:00:00Z" detached &&
		git rev-parse HEAD >../c.detached &&
		test -z "$(git branch --contains HEAD | grep -v detached)"
	) &&
	expect_code 1 hist detached &&
	where "$tok" >got &&
	echo "d.txt $(cat c.detached)" >expect &&
	test_cmp expect got &&
	git clone -q --bare detached detached.git &&
	expect_code 1 hist detached.git &&
	where "$tok" >got &&
	test_cmp expect got
'

test_expect_success "attribution follows the topology, not the dates (clock skew)" '
	git init -q skew &&
	tok=$(gen_aws) &&
	(
		cd skew &&
		echo a >a.txt &&
		git add a.txt &&
		commit_at "2030-01-01T00:00:00Z" "future root" &&
		printf "k %s\n" "$tok" >k.txt &&
		git add k.txt &&
		commit_at "2030-01-02T00:00:00Z" "future token" &&
		git rev-parse HEAD >../c.skew &&
		cp k.txt copy.txt &&
		git add copy.txt &&
		commit_at "2010-01-01T00:00:00Z" "past copy" &&
		git mv k.txt aa-first.txt &&
		commit_at "2005-01-01T00:00:00Z" "older still"
	) &&
	expect_code 1 hist skew &&
	where "$tok" >got &&
	echo "k.txt $(cat c.skew)" >expect &&
	test_cmp expect got
'

test_expect_success "exit code 0 for a clean history, even with a token in the working tree" '
	git init -q clean &&
	(
		cd clean &&
		echo "nothing to see" >a.txt &&
		git add a.txt &&
		commit_at "2022-01-01T00:00:00Z" one &&
		echo "still nothing" >>a.txt &&
		git commit -q -a -m two &&
		printf "uncommitted %s\n" "$TOK_WORKTREE" >b.txt &&
		printf "staged only %s\n" "$(gen_aws)" >c.txt &&
		git add c.txt
	) &&
	expect_code 0 hist clean &&
	json_check h.json "d[\"findings\"] == [] and d[\"summary\"][\"commits\"] == 2" &&
	expect_code 1 "$HUSH" scan -q clean >/dev/null
'

test_expect_success "exit code 2 for a directory that is not a repository, and for an unknown revision" '
	mkdir notrepo &&
	expect_code 2 "$HUSH" scan -q --history notrepo >out 2>err &&
	grep_q "hush: " err &&
	expect_code 2 "$HUSH" scan -q --history repo no-such-branch >out 2>err &&
	grep_q "no-such-branch" err
'

test_expect_success "a Git LFS pointer file is scanned as text: counted, and its sha256 oid is no finding" '
	git init -q lfs &&
	commit_file lfs model.bin "an LFS pointer" "version https://git-lfs.github.com/spec/v1" \
		"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393" "size 734003200" &&
	expect_code 0 "$HUSH" scan --history --stats lfs >out 2>err &&
	grep_q "blobs 1, files 1, bytes 1[0-9][0-9]," err &&
	grep_q "skipped binary 0" err &&
	tok=$(gen_github) &&
	commit_file lfs .gitattributes "LFS tracking" "*.bin filter=lfs diff=lfs merge=lfs -text" &&
	commit_file lfs app.cfg "a token next to it" "x = 1" "t = $tok" &&
	expect_code 1 "$HUSH" scan --history lfs >out 2>err &&
	grep_q "^app.cfg:2:5: github-classic-pat " out &&
	test "$(wc -l <out)" -eq 1
'

test_done
