#!/bin/sh
# t3100-hook-pre-push: 'hush hook install pre-push' in a clone of a real bare repository, then real 'git push'es:
# a clean push passes, a new commit with a secret is blocked (nothing reaches the remote), a secret the remote
# already has is not reported again, a new branch is scanned only for the commits no remote-tracking ref reaches,
# a deletion passes, and every line of a push of several refs is read.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# remote_ref REF: the remote's value of REF (empty when it has none)
remote_ref() {
	git -C srv.git rev-parse -q --verify "$1" 2>/dev/null || true
}

test_expect_success "setup: a bare remote, a clone with one pushed commit, the pre-push hook installed" '
	git init -q --bare srv.git &&
	git clone -q srv.git cl 2>/dev/null &&
	commit_file cl README init hello &&
	git -C cl push -q origin main 2>err &&
	test "$(remote_ref main)" = "$(git -C cl rev-parse HEAD)" &&
	(cd cl && "$HUSH" hook install pre-push >"$TRASH/out") &&
	grep_q "^hush: installed the pre-push hook in .*/cl/.git/hooks/pre-push.$" out &&
	test -x cl/.git/hooks/pre-push &&
	test ! -e cl/.git/hooks/pre-commit
'

test_expect_success "a clean push goes through; one new commit scanned" '
	commit_file cl app.cfg "settings" "a = 1" &&
	git -C cl push -q origin main 2>err &&
	grep_q "^hush: no secrets in the 1 new commit$" err &&
	test "$(remote_ref main)" = "$(git -C cl rev-parse HEAD)"
'

test_expect_success "a push with a secret in a new commit is blocked: the commit, path:line, rule, preview" '
	before=$(remote_ref main) &&
	tok=$(gen_github) &&
	commit_file cl app.cfg "add token" "token = $tok" &&
	commit_file cl more.txt "on top" "clean" &&
	! git -C cl push -q origin main 2>err &&
	test "$(remote_ref main)" = "$before" &&
	grep_q "^hush: push blocked: 1 secret found$" err &&
	c=$(git -C cl rev-parse --short=12 HEAD~1) &&
	grep_q "^  commit $c app.cfg:2: github-classic-pat \[high\] ghp_$ELLIPSIS" err &&
	grep_none "$tok" err &&
	grep_none "${tok#ghp_}" err &&
	grep_q "^To fix: the secret is in a commit" err &&
	! git -C srv.git cat-file -e "$(git -C cl rev-parse HEAD~1)" 2>/dev/null
'

test_expect_success "a secret already on the remote is not reported again when a clean commit goes on top" '
	git -C cl push -q --no-verify origin main 2>err &&
	test "$(remote_ref main)" = "$(git -C cl rev-parse HEAD)" &&
	commit_file cl more.txt "clean on top" "still clean" &&
	git -C cl push -q origin main 2>err &&
	grep_q "^hush: no secrets in the 1 new commit$" err &&
	test "$(remote_ref main)" = "$(git -C cl rev-parse HEAD)"
'

test_expect_success "a new branch: only the commits no remote-tracking ref reaches are scanned" '
	git -C cl checkout -q -b topic &&
	commit_file cl topic.txt "topic 1" "one" &&
	commit_file cl topic.txt "topic 2" "two" &&
	git -C cl push -q origin topic 2>err &&
	grep_q "^hush: no secrets in the 2 new commits$" err &&
	test "$(remote_ref topic)" = "$(git -C cl rev-parse topic)"
'

test_expect_success "a new branch with a secret: blocked, only its new commit reported" '
	git -C cl checkout -q -b leaky main &&
	tok=$(gen_aws) &&
	commit_file cl cloud.env "aws" "x = 1" "key = $tok" &&
	! git -C cl push -q origin leaky 2>err &&
	test -z "$(remote_ref leaky)" &&
	grep_q "^hush: push blocked: 1 secret found$" err &&
	grep_q "^  commit $(git -C cl rev-parse --short=12 leaky) cloud.env:2: aws-access-key-id " err &&
	! grep -q "app.cfg" err &&
	grep_none "$tok" err
'

test_expect_success "a new branch whose tip is already on the remote (under another name): nothing new" '
	git -C cl push -q origin main:refs/heads/copy-of-main 2>err &&
	grep_q "^hush: no secrets in the 0 new commits$" err &&
	test "$(remote_ref copy-of-main)" = "$(git -C cl rev-parse main)"
'

test_expect_success "a branch deletion (git push origin :branch) passes" '
	git -C cl push -q origin :topic 2>err &&
	test -z "$(remote_ref topic)" &&
	! grep -q "secret" err &&
	git -C cl push -q origin --delete copy-of-main 2>err &&
	test -z "$(remote_ref copy-of-main)"
'

# For a push of deletions only, hush says "hush: push blocked: nothing to scan" and lets the push through.
test_expect_success "the message for a deletion does not say the push was blocked" '
	git -C cl push -q --no-verify origin main:refs/heads/to-delete &&
	git -C cl push -q origin :to-delete 2>err &&
	test -z "$(remote_ref to-delete)" &&
	{ ! grep -q "blocked" err || { cat err >&2; false; }; }
'

test_expect_success "several refs in one push: a secret on the third ref blocks the whole push" '
	for b in a b c; do
		git -C cl checkout -q -b "multi-$b" main &&
		commit_file cl "$b.txt" "commit on $b" "branch $b" || return 1
	done &&
	tok=$(gen_stripe) &&
	commit_file cl c.txt "secret on c" "stripe = $tok" &&
	! git -C cl push -q origin multi-a multi-b multi-c 2>err &&
	grep_q "^hush: push blocked: 1 secret found$" err &&
	grep_q "^  commit $(git -C cl rev-parse --short=12 multi-c) c.txt:2: stripe-secret-key " err &&
	grep_none "$tok" err &&
	for b in a b c; do
		test -z "$(remote_ref "multi-$b")" || return 1
	done
'

test_expect_success "several refs in one push, all clean, with a deletion among them: accepted" '
	git -C cl push -q origin multi-a multi-b 2>err &&
	grep_q "^hush: no secrets in the 2 new commits$" err &&
	git -C cl checkout -q multi-c &&
	git -C cl reset -q --hard HEAD~1 &&
	git -C cl push -q origin multi-c :multi-a 2>err &&
	grep_q "^hush: no secrets in the 1 new commit$" err &&
	test -z "$(remote_ref multi-a)" &&
	test "$(remote_ref multi-c)" = "$(git -C cl rev-parse multi-c)"
'

test_expect_success "an existing branch updated by a fast-forward of several commits: all of them scanned" '
	git -C cl checkout -q multi-b &&
	commit_file cl b.txt "b2" "clean" &&
	tok=$(gen_github) &&
	commit_file cl b.txt "b3" "t = $tok" &&
	commit_file cl b.txt "b4" "clean again" &&
	! git -C cl push -q origin multi-b 2>err &&
	cp err err.multi-b &&
	grep_q "^  commit $(git -C cl rev-parse --short=12 multi-b~1) b.txt:3: github-classic-pat " err &&
	grep_none "$tok" err &&
	test "$(remote_ref multi-b)" = "$(git -C cl rev-parse multi-b~3)" &&
	git -C cl reset -q --hard HEAD~3
'

# History scans report each new blob that holds a secret: the commit after the one that added the token edits
# the same file, so its blob (still holding the token on an untouched line) is reported as a second finding.
test_expect_success "the secret of the push above is reported once, at the commit that added it" '
	grep_q "^hush: push blocked: 1 secret found$" err.multi-b
'

test_expect_success "a secret already on the remote does not block a clean commit that edits another line of its file" '
	git -C cl checkout -q main &&
	grep -q "^token = ghp_" cl/app.cfg &&
	test "$(remote_ref main)" = "$(git -C cl rev-parse main)" &&
	sed "s/^a = 1$/a = 2/" cl/app.cfg >cl/app.cfg.new && mv cl/app.cfg.new cl/app.cfg &&
	git -C cl commit -q -a --no-verify -m "change a setting" &&
	git -C cl push -q origin main 2>err ||
	{ cat err >&2; git -C cl reset -q --hard HEAD~1; return 1; }
'

# pre-push scans <local> ^<remote sha> for an existing branch: a commit the remote already has on another branch
# is scanned again when a merge brings it into this branch, and blocks a push that publishes nothing new.
test_expect_success "a commit the remote has on another branch is not reported when merged into an existing one" '
	git -C cl checkout -q main &&
	git -C cl reset -q --hard origin/main &&
	git -C cl checkout -q -b feature main &&
	commit_file cl f.env "feature secret" "k = $(gen_github)" &&
	git -C cl push -q --no-verify origin feature &&
	git -C cl checkout -q main &&
	commit_file cl README "main moves" "more" &&
	git -C cl merge -q --no-edit feature &&
	git -C cl push -q origin main 2>err || { cat err >&2; return 1; }
'

test_done
