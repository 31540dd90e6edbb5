#!/bin/sh
# t3000-hook-pre-commit: 'hush hook install pre-commit' in a real repository, then real 'git commit's: a clean
# change passes, a staged secret is blocked (nothing committed; path, line, rule and only the redacted preview;
# how to fix), --no-verify bypasses, a secret only in the working tree does not block; core.hooksPath (relative
# and absolute); chaining an existing hook (runs first, its failure blocks, its output shows) and uninstall
# restoring it byte for byte; installing twice; pre-receive cannot be installed.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# blocked_report ERR PATH LINE TOKEN: ERR is hush's report of one github-classic-pat finding at PATH:LINE,
# showing the redacted preview and never TOKEN (nor its body)
blocked_report() {
	grep_q "^hush: commit blocked: 1 secret found" "$1" &&
		grep_q "^  $2:$3: github-classic-pat \[high\] ghp_$ELLIPSIS" "$1" &&
		grep_none "$4" "$1" &&
		grep_none "${4#ghp_}" "$1" &&
		grep_q "^To fix: remove the secret from the staged files" "$1" &&
		grep_q "git commit --no-verify" "$1"
}

test_expect_success "setup: a repository with one commit; install the pre-commit hook" '
	git init -q repo &&
	commit_file repo README "init" "hello" &&
	(cd repo && "$HUSH" hook install pre-commit >../out 2>../err) &&
	grep_q "^hush: installed the pre-commit hook in .*/repo/.git/hooks/pre-commit.$" out &&
	test ! -s err &&
	test -x repo/.git/hooks/pre-commit &&
	test "$(head -n 1 repo/.git/hooks/pre-commit)" = "#!/bin/sh" &&
	cp repo/.git/hooks/pre-commit hook.first
'

test_expect_success "a clean commit goes through and says so" '
	printf "setting = 1\n" >repo/app.cfg &&
	git -C repo add app.cfg &&
	git -C repo commit -q -m clean 2>err &&
	grep_q "^hush: no secrets in the 1 staged file$" err &&
	test "$(git -C repo log -1 --format=%s)" = clean &&
	git -C repo rev-parse HEAD >head.clean
'

test_expect_success "a staged secret blocks the commit: nothing committed, path:line, rule, redacted preview" '
	tok=$(gen_github) &&
	printf "setting = 1\ntoken = %s\n" "$tok" >repo/app.cfg &&
	git -C repo add app.cfg &&
	! git -C repo commit -q -m leak 2>err &&
	test "$(git -C repo rev-parse HEAD)" = "$(cat head.clean)" &&
	git -C repo diff --cached --name-only >staged &&
	echo app.cfg >expect &&
	test_cmp expect staged &&
	blocked_report err app.cfg 2 "$tok"
'

test_expect_success "several secrets in several staged files: each named, none shown in full" '
	tok1=$(gen_github) && tok2=$(gen_aws) &&
	printf "a\nb\nkey = %s\n" "$tok2" >repo/other.env &&
	git -C repo add other.env &&
	! git -C repo commit -q -m leak2 2>err &&
	test "$(git -C repo rev-parse HEAD)" = "$(cat head.clean)" &&
	grep_q "^hush: commit blocked: 2 secrets found" err &&
	grep_q "^  app.cfg:2: github-classic-pat " err &&
	grep_q "^  other.env:3: aws-access-key-id \[[a-z]*\] AKIA$ELLIPSIS" err &&
	grep_none "$tok2" err &&
	grep_none "${tok2#AKIA}" err &&
	git -C repo rm -q --cached other.env && rm repo/other.env
'

test_expect_success "git commit --no-verify bypasses the hook (git skips it)" '
	git -C repo commit -q --no-verify -m "leak on purpose" 2>err &&
	test ! -s err &&
	test "$(git -C repo rev-parse HEAD~1)" = "$(cat head.clean)" &&
	git -C repo grep -q "^token = ghp_" HEAD -- app.cfg
'

test_expect_success "the committed secret does not block the next clean commit" '
	printf "more = 2\n" >>repo/app.cfg &&
	git -C repo add app.cfg &&
	git -C repo commit -q -m "more settings" 2>err &&
	grep_q "^hush: no secrets in the 1 staged file$" err
'

test_expect_success "a secret only in the working tree (not staged) does not block" '
	printf "clean line\n" >repo/notes.txt &&
	git -C repo add notes.txt &&
	tok=$(gen_stripe) &&
	printf "README\nstripe = %s\n" "$tok" >repo/README &&
	printf "aws = %s\n" "$(gen_aws)" >repo/untracked.env &&
	git -C repo commit -q -m notes 2>err &&
	grep_q "^hush: no secrets in the 1 staged file$" err &&
	git -C repo show --stat --format= HEAD >stat &&
	grep_q "notes.txt" stat &&
	! grep -q README stat &&
	grep -q "stripe = " repo/README &&
	git -C repo checkout -q -- README && rm repo/untracked.env
'

test_expect_success "the hook works from a subdirectory and with hush not on PATH (absolute path in the hook)" '
	mkdir -p repo/src/deep &&
	tok=$(gen_slack) &&
	printf "slack = %s\n" "$tok" >repo/src/deep/k.txt &&
	(
		cd repo/src/deep &&
		git add k.txt &&
		PATH=/usr/bin:/bin && export PATH &&
		! command -v hush &&
		! git commit -q -m sub 2>"$TRASH/err"
	) &&
	grep_q "^  src/deep/k.txt:1: slack-bot-token " err &&
	grep_none "$tok" err &&
	git -C repo rm -q --cached src/deep/k.txt && rm -r repo/src
'

test_expect_success "core.hooksPath relative: install (from a subdirectory) writes there and git runs it" '
	git init -q rel &&
	commit_file rel README init hello &&
	git -C rel config core.hooksPath .githooks &&
	mkdir rel/sub &&
	(cd rel/sub && "$HUSH" hook install pre-commit >"$TRASH/out") &&
	grep_q "/rel/.githooks/pre-commit.$" out &&
	test -x rel/.githooks/pre-commit &&
	test ! -e rel/.git/hooks/pre-commit &&
	test ! -e rel/sub/.githooks &&
	tok=$(gen_github) &&
	printf "t = %s\n" "$tok" >rel/sub/s.txt &&
	(cd rel/sub && git add s.txt && ! git commit -q -m s 2>"$TRASH/err") &&
	blocked_report err sub/s.txt 1 "$tok" &&
	test "$(git -C rel rev-list --count HEAD)" -eq 1
'

test_expect_success "core.hooksPath absolute: install writes there (creating the folder) and git runs it" '
	git init -q abs &&
	commit_file abs README init hello &&
	git -C abs config core.hooksPath "$TRASH/shared-hooks" &&
	(cd abs && "$HUSH" hook install pre-commit >"$TRASH/out") &&
	grep_q "$TRASH/shared-hooks/pre-commit" out &&
	test -x shared-hooks/pre-commit &&
	test ! -e abs/.git/hooks/pre-commit &&
	tok=$(gen_github) &&
	printf "x\nt = %s\n" "$tok" >abs/s.txt &&
	git -C abs add s.txt &&
	! git -C abs commit -q -m s 2>err &&
	blocked_report err s.txt 2 "$tok" &&
	git -C abs rm -q --cached s.txt &&
	printf "clean\n" >abs/c.txt && git -C abs add c.txt &&
	git -C abs commit -q -m c 2>err &&
	grep_q "^hush: no secrets in the 1 staged file$" err
'

test_expect_success "setup: a repository with its own pre-commit hook" '
	git init -q chain &&
	commit_file chain README init hello &&
	cat >legacy.hook <<-EOF &&
	#!/bin/sh
	# a team hook that was there before hush
	echo "legacy pre-commit hook ran" >&2
	echo ran >>"$TRASH/legacy.log"
	if [ -f .block-commits ]; then
		echo "legacy hook says no" >&2
		exit 3
	fi
	exit 0
	EOF
	cp legacy.hook chain/.git/hooks/pre-commit &&
	chmod 755 chain/.git/hooks/pre-commit &&
	(cd chain && "$HUSH" hook install pre-commit >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "^hush: kept the existing pre-commit hook as .*/chain/.git/hooks/pre-commit.hush-chained.; it runs first$" out &&
	grep_q "^hush: installed the pre-commit hook" out &&
	test_cmp legacy.hook chain/.git/hooks/pre-commit.hush-chained &&
	test -x chain/.git/hooks/pre-commit.hush-chained &&
	grep -q "^exec \"\$hush_bin\" hook pre-commit$" chain/.git/hooks/pre-commit
'

test_expect_success "the chained hook runs first on a clean commit and its output appears" '
	: >legacy.log &&
	printf "ok\n" >chain/a.txt && git -C chain add a.txt &&
	git -C chain commit -q -m a 2>err &&
	test "$(cat legacy.log)" = ran &&
	legacy_at=$(grep -n "^legacy pre-commit hook ran$" err | cut -d: -f1) &&
	hush_at=$(grep -n "^hush: no secrets in the 1 staged file$" err | cut -d: -f1) &&
	test -n "$legacy_at" && test -n "$hush_at" &&
	test "$legacy_at" -lt "$hush_at"
'

test_expect_success "with the chained hook passing, hush still blocks a staged secret" '
	tok=$(gen_aws) &&
	printf "aws = %s\n" "$tok" >chain/b.txt && git -C chain add b.txt &&
	! git -C chain commit -q -m b 2>err &&
	grep_q "^legacy pre-commit hook ran$" err &&
	grep_q "^  b.txt:1: aws-access-key-id " err &&
	grep_none "$tok" err &&
	test "$(git -C chain rev-list --count HEAD)" -eq 2 &&
	git -C chain rm -q --cached b.txt && rm chain/b.txt
'

test_expect_success "the chained hook failing blocks a clean commit, and hush does not run after it" '
	: >chain/.block-commits &&
	printf "fine\n" >chain/c.txt && git -C chain add c.txt &&
	! git -C chain commit -q -m c 2>err &&
	grep_q "^legacy hook says no$" err &&
	! grep -q "^hush:" err &&
	test "$(git -C chain rev-list --count HEAD)" -eq 2 &&
	rm chain/.block-commits &&
	git -C chain commit -q -m c 2>err &&
	test "$(git -C chain rev-list --count HEAD)" -eq 3
'

test_expect_success "installing twice is idempotent: same hook, the chained hook untouched, nothing else" '
	cp chain/.git/hooks/pre-commit hook.before &&
	(cd chain && "$HUSH" hook install pre-commit >"$TRASH/out" 2>"$TRASH/err") &&
	test ! -s err &&
	! grep -q "kept the existing" out &&
	test_cmp hook.before chain/.git/hooks/pre-commit &&
	test_cmp legacy.hook chain/.git/hooks/pre-commit.hush-chained &&
	ls chain/.git/hooks | grep -v "\.sample$" >hooks.ls &&
	printf "pre-commit\npre-commit.hush-chained\n" >expect &&
	test_cmp expect hooks.ls &&
	(cd repo && "$HUSH" hook install >"$TRASH/out") &&
	test_cmp hook.first repo/.git/hooks/pre-commit &&
	test ! -e repo/.git/hooks/pre-commit.hush-chained
'

test_expect_success "uninstall restores the chained hook exactly (content and mode)" '
	(cd chain && "$HUSH" hook uninstall pre-commit >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "restored the one it chained" out &&
	test_cmp legacy.hook chain/.git/hooks/pre-commit &&
	test -x chain/.git/hooks/pre-commit &&
	test ! -e chain/.git/hooks/pre-commit.hush-chained &&
	tok=$(gen_github) &&
	printf "t = %s\n" "$tok" >chain/d.txt && git -C chain add d.txt &&
	git -C chain commit -q -m "no hush any more" 2>err &&
	grep_q "^legacy pre-commit hook ran$" err &&
	! grep -q "^hush:" err
'

test_expect_success "hush hook install pre-receive is refused (exit 2), nothing written" '
	(cd repo && expect_code 2 "$HUSH" hook install pre-receive >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "^hush: error: cannot install .pre-receive." err &&
	test ! -e repo/.git/hooks/pre-receive &&
	(cd repo && expect_code 2 "$HUSH" hook install post-commit >"$TRASH/out2" 2>"$TRASH/err2") &&
	grep_q "^hush: error: cannot install .post-commit." err2 &&
	test ! -e repo/.git/hooks/post-commit
'

# The hook command starts loading libgit2 (and OpenSSL) on a thread before it looks at its arguments; an early
# error return used to race exit() against that thread and crashed about one run in twelve.
test_expect_success "an early error while libgit2 loads in the background never crashes (100 runs)" '
	i=0 && : >codes &&
	while [ $i -lt 100 ]; do
		(cd repo && "$HUSH" hook install pre-receive 2>/dev/null; echo $? >>"$TRASH/codes")
		i=$((i + 1))
	done &&
	sort codes | uniq -c >&2 &&
	test "$(sort -u codes)" = 2
'

# git commit -a and git commit FILE build the commit in a temporary index that git names in GIT_INDEX_FILE for the
# pre-commit hook; .git/index still has the old content while the hook runs.
test_expect_success "git commit -a: a secret in a modified tracked file is blocked (GIT_INDEX_FILE)" '
	git init -q ca &&
	commit_file ca app.cfg init "a = 1" &&
	(cd ca && "$HUSH" hook install >/dev/null) &&
	printf "t = %s\n" "$(gen_github)" >>ca/app.cfg &&
	! git -C ca commit -q -a -m leak 2>err &&
	test "$(git -C ca rev-list --count HEAD)" -eq 1
'

test_expect_success "git commit FILE (a partial commit): a secret in FILE is blocked (GIT_INDEX_FILE)" '
	git init -q cp &&
	commit_file cp app.cfg init "a = 1" &&
	(cd cp && "$HUSH" hook install >/dev/null) &&
	printf "t = %s\n" "$(gen_github)" >>cp/app.cfg &&
	! git -C cp commit -q -m leak app.cfg 2>err &&
	test "$(git -C cp rev-list --count HEAD)" -eq 1
'

test_done
