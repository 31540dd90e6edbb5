#!/bin/sh
# t3200-hook-pre-receive: the server gate. A real bare repository runs hush's hooks/pre-receive wrapper (with the
# binary under test); a clone pushes to it with real 'git push'es: clean pushes, a secret (rejected, the ref not
# updated, the pushed objects gone with git's quarantine), new branches, force pushes, tags (lightweight and
# annotated), deletions, several refs in one push, commits the server already has, the push-option bypass and its
# log, and --timeout (fail-closed, and --fail-open).
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# srv_ref REF: the server's value of REF (empty when it has none)
srv_ref() {
	git -C srv.git rev-parse -q --verify "$1" 2>/dev/null || true
}

# rejected_report ERR COMMIT PATH LINE RULE PREVIEW TOKEN: the client's stderr ERR shows hush's rejection of
# one finding, relayed by git with "remote: ", and never TOKEN
rejected_report() {
	grep_q "^remote: hush: push rejected: 1 secret found" "$1" &&
		grep_q "^remote:   commit $(git -C cl rev-parse --short=12 "$2") $3:$4: $5 \[[a-z]*\] $6$ELLIPSIS" "$1" &&
		grep_none "$7" "$1" &&
		grep_q "^remote: To fix: the secret is in a commit. Remove it and rewrite the commit" "$1" &&
		grep_q "rotate the secret" "$1" &&
		grep_q "(pre-receive hook declined)" "$1"
}

test_expect_success "setup: a bare repository running hooks/pre-receive, and a clone of it" '
	hook_server srv.git &&
	test -x srv.git/hooks/pre-receive &&
	git clone -q srv.git cl 2>/dev/null
'

test_expect_success "a clean push is accepted (the first push creates main)" '
	commit_file cl README init hello &&
	git -C cl push -q origin main 2>err &&
	grep_q "^remote: hush: no secrets in the 1 new commit" err &&
	test "$(srv_ref main)" = "$(git -C cl rev-parse main)"
'

test_expect_success "a push with a secret is rejected; the ref is not updated; the objects are not kept" '
	before=$(srv_ref main) &&
	tok=$(gen_github) &&
	commit_file cl app.cfg "leak" "a = 1" "token = $tok" &&
	! git -C cl push -q origin main 2>err &&
	rejected_report err main app.cfg 2 github-classic-pat ghp_ "$tok" &&
	grep_none "${tok#ghp_}" err &&
	test "$(srv_ref main)" = "$before" &&
	! git -C srv.git cat-file -e "$(git -C cl rev-parse main)" 2>/dev/null &&
	! git -C srv.git cat-file -e "$(git -C cl rev-parse main:app.cfg)" 2>/dev/null &&
	test ! -e srv.git/hush-bypass.log
'

test_expect_success "a new branch: clean commits accepted, and only they are counted" '
	git -C cl checkout -q -b topic main~1 &&
	commit_file cl topic.txt "topic 1" one &&
	commit_file cl topic.txt "topic 2" two &&
	git -C cl push -q origin topic 2>err &&
	grep_q "^remote: hush: no secrets in the 2 new commits" err &&
	test "$(srv_ref topic)" = "$(git -C cl rev-parse topic)"
'

test_expect_success "a new branch with the secret commit: rejected, the branch is not created" '
	! git -C cl push -q origin main:refs/heads/leaky 2>err &&
	grep_q "^remote:   commit $(git -C cl rev-parse --short=12 main) app.cfg:2: github-classic-pat " err &&
	test -z "$(srv_ref leaky)"
'

test_expect_success "setup: the secret reaches the server's main while the hook is switched off" '
	mv srv.git/hooks/pre-receive srv.git/hooks/pre-receive.off &&
	git -C cl push -q origin main 2>err &&
	mv srv.git/hooks/pre-receive.off srv.git/hooks/pre-receive &&
	test "$(srv_ref main)" = "$(git -C cl rev-parse main)" &&
	git -C cl rev-parse main >leak.commit
'

test_expect_success "a commit the server already has (on main) is not re-reported when pushed to a new branch" '
	git -C cl push -q origin main:refs/heads/same-as-main 2>err &&
	grep_q "^remote: hush: no secrets in the 0 new commits" err &&
	test "$(srv_ref same-as-main)" = "$(cat leak.commit)" &&
	git -C cl checkout -q -b on-top main &&
	commit_file cl other.txt "clean on top of the leak" fine &&
	git -C cl push -q origin on-top 2>err &&
	grep_q "^remote: hush: no secrets in the 1 new commit" err &&
	test "$(srv_ref on-top)" = "$(git -C cl rev-parse on-top)"
'

test_expect_success "a force push that rewrites history to drop the secret is accepted" '
	git -C cl checkout -q main &&
	git -C cl reset -q --hard main~1 &&
	commit_file cl app.cfg "no leak" "a = 1" "token = from-the-vault" &&
	git -C cl push -q -f origin main 2>err &&
	grep_q "^remote: hush: no secrets in the 1 new commit" err &&
	test "$(srv_ref main)" = "$(git -C cl rev-parse main)"
'

test_expect_success "a force push that introduces a secret is rejected" '
	before=$(srv_ref main) &&
	tok=$(gen_aws) &&
	printf "a = 1\ntoken = from-the-vault\naws = %s\n" "$tok" >cl/app.cfg &&
	git -C cl commit -q -a --amend --no-verify -m "amended with a leak" &&
	! git -C cl push -q -f origin main 2>err &&
	rejected_report err main app.cfg 3 aws-access-key-id AKIA "$tok" &&
	test "$(srv_ref main)" = "$before" &&
	git -C cl reset -q --hard "$before"
'

test_expect_success "a lightweight tag on a commit with a secret is rejected" '
	git -C cl checkout -q -b tagged main &&
	tok=$(gen_slack) &&
	commit_file cl slack.txt "slack" "hook = $tok" &&
	echo "$tok" >slack.tok &&
	git -C cl tag light tagged &&
	! git -C cl push -q origin light 2>err &&
	rejected_report err tagged slack.txt 1 slack-bot-token xoxb "$tok" &&
	test -z "$(srv_ref refs/tags/light)"
'

test_expect_success "an annotated tag on a commit with a secret is rejected" '
	git -C cl tag -a -m "release" annotated tagged &&
	! git -C cl push -q origin annotated 2>err &&
	rejected_report err tagged slack.txt 1 slack-bot-token xoxb "$(cat slack.tok)" &&
	test -z "$(srv_ref refs/tags/annotated)"
'

test_expect_success "an annotated tag on a clean commit is accepted" '
	git -C cl tag -a -m "clean release" v1.0 main &&
	git -C cl push -q origin v1.0 2>err &&
	test "$(srv_ref refs/tags/v1.0)" = "$(git -C cl rev-parse v1.0)"
'

test_expect_success "a tag on the server-rejected commit that is now unreachable there is still rejected" '
	git -C cl tag old-leak "$(cat leak.commit)" &&
	git -C srv.git cat-file -e "$(cat leak.commit)" &&
	git -C cl push -q origin :same-as-main :on-top 2>err &&
	! git -C cl push -q origin old-leak 2>err &&
	grep_q "^remote:   commit $(git -C cl rev-parse --short=12 old-leak) app.cfg:2: github-classic-pat " err &&
	test -z "$(srv_ref refs/tags/old-leak)"
'

test_expect_success "a deletion is accepted and nothing is scanned" '
	test -n "$(srv_ref topic)" &&
	git -C cl push -q origin :topic 2>err &&
	test -z "$(srv_ref topic)" &&
	! grep -q "secret" err &&
	git -C cl push -q origin :refs/tags/v1.0 2>err &&
	test -z "$(srv_ref refs/tags/v1.0)"
'

# For a push of deletions only, hush says "hush: push rejected: nothing to scan" and accepts.
test_expect_success "the message for a deletion does not say the push was rejected" '
	git -C cl push -q origin main:refs/heads/to-delete 2>err &&
	git -C cl push -q origin :to-delete 2>err &&
	test -z "$(srv_ref to-delete)" &&
	{ ! grep -q "rejected" err || { cat err >&2; false; }; }
'

test_expect_success "three refs in one push, a secret on one of them: the whole push is rejected" '
	for b in one two three; do
		git -C cl checkout -q -b "m-$b" main &&
		commit_file cl "$b.txt" "on $b" "branch $b" || return 1
	done &&
	git -C cl checkout -q m-two &&
	tok=$(gen_stripe) &&
	commit_file cl two.txt "leak on two" "stripe = $tok" &&
	! git -C cl push -q origin m-one m-two m-three 2>err &&
	rejected_report err m-two two.txt 2 stripe-secret-key sk_l "$tok" &&
	for b in one two three; do
		test -z "$(srv_ref "m-$b")" || return 1
	done
'

test_expect_success "three clean refs and a deletion in one push: all accepted" '
	git -C cl checkout -q m-two &&
	git -C cl reset -q --hard HEAD~1 &&
	git -C cl push -q origin main:refs/heads/doomed &&
	git -C cl push -q origin m-one m-two m-three :doomed 2>err &&
	grep_q "^remote: hush: no secrets in the 3 new commits" err &&
	for b in one two three; do
		test "$(srv_ref "m-$b")" = "$(git -C cl rev-parse "m-$b")" || return 1
	done &&
	test -z "$(srv_ref doomed)"
'

test_expect_success "push option hush.skip without hush.allowBypass: still rejected, and says why" '
	git -C srv.git config receive.advertisePushOptions true &&
	git -C cl checkout -q -b bypass main &&
	tok=$(gen_github) &&
	commit_file cl b.txt "bypass me" "t = $tok" &&
	! git -C cl push -q -o hush.skip origin bypass 2>err &&
	grep_q "^remote: hush: warning: push option hush.skip ignored: this server does not allow bypassing" err &&
	rejected_report err bypass b.txt 1 github-classic-pat ghp_ "$tok" &&
	test -z "$(srv_ref bypass)" &&
	test ! -e srv.git/hush-bypass.log
'

test_expect_success "hush.allowBypass false: the same" '
	git -C srv.git config hush.allowBypass false &&
	! git -C cl push -q -o hush.skip origin bypass 2>err &&
	grep_q "does not allow bypassing" err &&
	test -z "$(srv_ref bypass)"
'

test_expect_success "with hush.allowBypass true: accepted, BYPASSED on stderr, a log line naming the ref" '
	git -C srv.git config hush.allowBypass true &&
	git -C cl push -q -o hush.skip origin bypass 2>err &&
	grep_q "^remote: hush: warning: secret scan BYPASSED with push option hush.skip" err &&
	test "$(srv_ref bypass)" = "$(git -C cl rev-parse bypass)" &&
	test -f srv.git/hush-bypass.log &&
	test "$(wc -l <srv.git/hush-bypass.log)" -eq 1 &&
	grep_q "refs/heads/bypass" srv.git/hush-bypass.log &&
	grep_q "$(git -C cl rev-parse bypass)" srv.git/hush-bypass.log &&
	grep_q "^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z bypass by " srv.git/hush-bypass.log
'

test_expect_success "with hush.allowBypass true but no push option: a secret is still rejected" '
	git -C cl checkout -q -b no-option main &&
	commit_file cl n.txt "leak" "t = $(gen_github)" &&
	! git -C cl push -q origin no-option 2>err &&
	grep_q "^remote: hush: push rejected: 1 secret found" err &&
	test -z "$(srv_ref no-option)" &&
	test "$(wc -l <srv.git/hush-bypass.log)" -eq 1
'

# --timeout: a commit with one big file whose every line is a near miss for the generic rules (no finding) makes the
# scan slow; it must take well over the 1 s timeout on this machine, else the test is skipped.
test_expect_success "setup: a commit that takes hush more than 2 s to scan" '
	git -C cl checkout -q -b slow main &&
	seq 1 400000 | awk "{printf \"password = \\\"abcabcabcabc\\\" secret_key: aaaaaaaaaaaa api_key=\\\"%08d\\\" token = \\\"changeme\\\"\\n\", \$1}" >cl/slow.txt &&
	grep -q "^password = " cl/slow.txt &&
	git -C cl add slow.txt &&
	git -C cl commit -q --no-verify -m slow &&
	if timeout 2 "$HUSH" scan -q --no-config cl/slow.txt >/dev/null 2>&1; then
		echo fast >slow.verdict
	else
		test $? -eq 124 && echo slow >slow.verdict
	fi
'

if [ "$(cat slow.verdict 2>/dev/null)" = slow ]; then
	test_expect_success "--timeout 1 (HUSH_TIMEOUT=1): the slow push is rejected, fail-closed" '
		! HUSH_TIMEOUT=1 git -C cl push -q origin slow 2>err &&
		grep_q "^remote: hush: error: the scan took longer than --timeout; rejecting (fail-closed)" err &&
		test -z "$(srv_ref slow)"
	'

	test_expect_success "--timeout 1 --fail-open: the slow push is accepted with a warning" '
		pre_receive_hook --fail-open >srv.git/hooks/pre-receive &&
		chmod +x srv.git/hooks/pre-receive &&
		grep -q -- "--fail-open --timeout" srv.git/hooks/pre-receive &&
		HUSH_TIMEOUT=1 git -C cl push -q origin slow 2>err &&
		grep_q "^remote: hush: warning: the scan took longer than --timeout; accepting (--fail-open)" err &&
		test "$(srv_ref slow)" = "$(git -C cl rev-parse slow)"
	'
else
	test_skip "--timeout 1: the slow push is rejected, fail-closed" "the scan took less than 2 s here"
	test_skip "--timeout 1 --fail-open: the slow push is accepted with a warning" "the scan took less than 2 s here"
fi

test_expect_success "setup: the server runs the plain wrapper again" '
	pre_receive_hook >srv.git/hooks/pre-receive &&
	! grep -q -- "pre-receive --fail-open" srv.git/hooks/pre-receive
'

# A ref may point at a tree or a blob (git tag NAME BLOB): hush fails on it ("is not a commit", exit 2), so a
# clean one is rejected as an error ...
test_expect_success "a tag pointing at a clean blob is accepted" '
	blob=$(echo "just text" | git -C cl hash-object -w --stdin) &&
	git -C cl tag blob-tag "$blob" &&
	git -C cl push -q origin blob-tag 2>err ||
	{ cat err >&2; false; }
'

# ... and with --fail-open that error means "accept": a blob holding a secret goes in unscanned.
test_expect_success "--fail-open: a tag pointing at a blob that holds a secret is rejected" '
	pre_receive_hook --fail-open >srv.git/hooks/pre-receive &&
	blob=$(printf "t = %s\n" "$(gen_github)" | git -C cl hash-object -w --stdin) &&
	git -C cl tag secret-blob "$blob" &&
	! git -C cl push -q origin secret-blob 2>err ||
	{ cat err >&2; false; }
'

# The wrapper runs in the bare repository; hush looks for the repository root by walking up to a '.git', so a bare
# repository inside some work tree takes that (unrelated) work tree's .hush.yml as its config.
test_expect_success "a bare repository nested in a work tree does not read that work tree's .hush.yml" '
	git init -q outer &&
	printf "disable_rules: [github-classic-pat]\n" >outer/.hush.yml &&
	hook_server outer/srv.git &&
	git clone -q outer/srv.git cl2 2>/dev/null &&
	commit_file cl2 s.txt leak "t = $(gen_github)" &&
	! git -C cl2 push -q origin main 2>err ||
	{ cat err >&2; false; }
'

test_done
