#!/bin/sh
# t3300-hook-install: the details of 'hush hook install' and 'uninstall': the script written (executable,
# #!/bin/sh, the marker, the binary's absolute path with HUSH_BIN and PATH as fallbacks), core.hooksPath
# (relative, absolute, ~/), chaining a pre-push hook (it gets the same arguments and stdin lines, runs first, its
# failure blocks), uninstall without a hush hook (exit 2), refusing to clobber a chained hook, the usage errors
# of 'hush hook', and .pre-commit-hooks.yaml.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

ZERO=0000000000000000000000000000000000000000

test_expect_success "setup: a bare remote and a clone with one pushed commit" '
	git init -q --bare srv.git &&
	git clone -q srv.git cl 2>/dev/null &&
	commit_file cl README init hello &&
	git -C cl push -q origin main
'

test_expect_success "install without a hook name installs pre-commit: executable, #!/bin/sh, the marker" '
	(cd cl && "$HUSH" hook install >"$TRASH/out" 2>"$TRASH/err") &&
	test ! -s err &&
	grep_q "^hush: installed the pre-commit hook in .*/cl/.git/hooks/pre-commit.$" out &&
	h=cl/.git/hooks/pre-commit &&
	test -f "$h" && test -x "$h" &&
	test "$(head -n 1 "$h")" = "#!/bin/sh" &&
	grep_q "^# hush: installed by .hush hook install." "$h" &&
	grep_q "^hush_bin=\${HUSH_BIN:-.$HUSH_DIRECT.}$" "$h" &&
	grep_q "^exec \"\$hush_bin\" hook pre-commit$" "$h" &&
	sh -n "$h" &&
	test ! -e cl/.git/hooks/pre-push
'

test_expect_success "install pre-push: executable, #!/bin/sh, runs hush hook pre-push with git's arguments" '
	(cd cl && "$HUSH" hook install pre-push >"$TRASH/out" 2>"$TRASH/err") &&
	test ! -s err &&
	grep_q "^hush: installed the pre-push hook in .*/cl/.git/hooks/pre-push.$" out &&
	h=cl/.git/hooks/pre-push &&
	test -x "$h" &&
	test "$(head -n 1 "$h")" = "#!/bin/sh" &&
	grep_q "hook pre-push \"\$@\"$" "$h" &&
	sh -n "$h"
'

test_expect_success "uninstall without a hook name removes pre-commit only" '
	(cd cl && "$HUSH" hook uninstall >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "^hush: removed the pre-commit hook$" out &&
	test ! -e cl/.git/hooks/pre-commit &&
	test -x cl/.git/hooks/pre-push
'

test_expect_success "the hook finds hush through HUSH_BIN, then PATH, when the recorded path is gone" '
	mkdir -p bin && ln -s "$HUSH" bin/hush &&
	git -C cl checkout -q -b viapath &&
	commit_file cl p.txt "leak" "t = $(gen_github)" &&
	! HUSH_BIN=/nonexistent/hush PATH="$TRASH/bin:$PATH" git -C cl push -q origin viapath 2>err &&
	grep_q "^hush: push blocked: 1 secret found" err &&
	! HUSH_BIN=/nonexistent/hush PATH=/usr/bin:/bin git -C cl push -q origin viapath 2>err &&
	! grep -q "^hush: push blocked" err &&
	test -z "$(git -C srv.git rev-parse -q --verify viapath)" &&
	git -C cl checkout -q main
'

test_expect_success "uninstall when no hush hook is installed: exit 2 with a message" '
	(cd cl && expect_code 2 "$HUSH" hook uninstall pre-commit >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "^hush: error: no hush pre-commit hook in .*/cl/.git/hooks.$" err &&
	test ! -s out
'

test_expect_success "uninstall when the hook there is another one: exit 2, the hook untouched" '
	printf "#!/bin/sh\necho mine\n" >mine.hook &&
	cp mine.hook cl/.git/hooks/pre-commit && chmod +x cl/.git/hooks/pre-commit &&
	(cd cl && expect_code 2 "$HUSH" hook uninstall pre-commit >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "no hush pre-commit hook" err &&
	test_cmp mine.hook cl/.git/hooks/pre-commit &&
	test -x cl/.git/hooks/pre-commit &&
	rm cl/.git/hooks/pre-commit
'

test_expect_success "install refuses when both the hook and a .hush-chained one exist (exit 2, both untouched)" '
	printf "#!/bin/sh\necho other\n" >other.hook &&
	cp mine.hook cl/.git/hooks/pre-commit &&
	cp other.hook cl/.git/hooks/pre-commit.hush-chained &&
	(cd cl && expect_code 2 "$HUSH" hook install pre-commit >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "^hush: error: cannot install: both .*pre-commit. and .*pre-commit.hush-chained. exist" err &&
	test_cmp mine.hook cl/.git/hooks/pre-commit &&
	test_cmp other.hook cl/.git/hooks/pre-commit.hush-chained &&
	rm cl/.git/hooks/pre-commit cl/.git/hooks/pre-commit.hush-chained
'

test_expect_success "outside a repository: install and uninstall exit 2" '
	mkdir plain &&
	(cd plain && expect_code 2 "$HUSH" hook install >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "^hush: error: not in a git repository" err &&
	(cd plain && expect_code 2 "$HUSH" hook uninstall pre-push >/dev/null 2>&1) &&
	test ! -e plain/.git
'

test_expect_success "core.hooksPath relative: install and uninstall from a subdirectory use it" '
	git -C cl config core.hooksPath githooks &&
	mkdir -p cl/a/b &&
	(cd cl/a/b && "$HUSH" hook install pre-commit >"$TRASH/out") &&
	grep_q "/cl/githooks/pre-commit.$" out &&
	test -x cl/githooks/pre-commit &&
	test ! -e cl/a/b/githooks &&
	(cd cl/a/b && "$HUSH" hook uninstall pre-commit >"$TRASH/out") &&
	test ! -e cl/githooks/pre-commit
'

test_expect_success "core.hooksPath absolute" '
	git -C cl config core.hooksPath "$TRASH/abs-hooks" &&
	(cd cl && "$HUSH" hook install pre-commit >"$TRASH/out") &&
	test -x abs-hooks/pre-commit &&
	(cd cl && "$HUSH" hook uninstall pre-commit >"$TRASH/out") &&
	test ! -e abs-hooks/pre-commit
'

test_expect_success "core.hooksPath ~/hooks: under HOME, and git runs it there" '
	git -C cl config core.hooksPath "~/hooks" &&
	(cd cl && "$HUSH" hook install pre-commit >"$TRASH/out") &&
	grep_q "$HOME/hooks/pre-commit" out &&
	test -x "$HOME/hooks/pre-commit" &&
	test ! -e "cl/~" &&
	printf "t = %s\n" "$(gen_github)" >cl/s.txt && git -C cl add s.txt &&
	! git -C cl commit -q -m s 2>err &&
	grep_q "^hush: commit blocked: 1 secret found" err &&
	git -C cl rm -q --cached s.txt && rm cl/s.txt &&
	(cd cl && "$HUSH" hook uninstall pre-commit >"$TRASH/out") &&
	git -C cl config --unset core.hooksPath
'

test_expect_success "setup: an existing pre-push hook that logs its arguments and stdin, then install" '
	(cd cl && "$HUSH" hook uninstall pre-push >/dev/null) &&
	test ! -e cl/.git/hooks/pre-push &&
	cat >logger.hook <<-EOF &&
	#!/bin/sh
	# the team pre-push hook
	echo "logger pre-push hook ran" >&2
	printf "%s\n" "\$*" >"$TRASH/chained.args"
	cat >"$TRASH/chained.stdin"
	[ ! -f "$TRASH/block-pushes" ]
	EOF
	cp logger.hook cl/.git/hooks/pre-push && chmod 755 cl/.git/hooks/pre-push &&
	(cd cl && "$HUSH" hook install pre-push >"$TRASH/out") &&
	grep_q "kept the existing pre-push hook as .*pre-push.hush-chained" out &&
	test_cmp logger.hook cl/.git/hooks/pre-push.hush-chained
'

test_expect_success "the chained pre-push hook gets git's arguments and the same stdin lines (three refs)" '
	for b in x y z; do
		git -C cl checkout -q -b "br-$b" main &&
		commit_file cl "$b.txt" "on $b" "$b" || return 1
	done &&
	git -C cl checkout -q main &&
	git -C cl push -q origin br-x br-y br-z 2>err &&
	grep_q "^logger pre-push hook ran$" err &&
	grep_q "^hush: no secrets in the 3 new commits$" err &&
	echo "origin $TRASH/srv.git" >expect.args &&
	test_cmp expect.args chained.args &&
	for b in x y z; do
		echo "refs/heads/br-$b $(git -C cl rev-parse "br-$b") refs/heads/br-$b $ZERO" || return 1
	done >expect.stdin &&
	test_cmp expect.stdin chained.stdin
'

test_expect_success "the chained hook sees an update and a deletion exactly as git sends them" '
	old=$(git -C cl rev-parse br-x) &&
	git -C cl checkout -q br-x &&
	commit_file cl x.txt "x2" more &&
	git -C cl checkout -q main &&
	git -C cl push -q origin br-x :br-y 2>err &&
	printf "refs/heads/br-x %s refs/heads/br-x %s\n(delete) %s refs/heads/br-y %s\n" \
		"$(git -C cl rev-parse br-x)" "$old" "$ZERO" "$(git -C cl rev-parse br-y)" >expect.stdin &&
	test_cmp expect.stdin chained.stdin &&
	grep_q "^hush: no secrets in the 1 new commit$" err
'

test_expect_success "the chained pre-push hook failing blocks the push, before hush runs" '
	: >block-pushes &&
	git -C cl checkout -q br-z &&
	commit_file cl z.txt "z2" more &&
	! git -C cl push -q origin br-z 2>err &&
	grep_q "^logger pre-push hook ran$" err &&
	! grep -q "^hush:" err &&
	test "$(git -C srv.git rev-parse br-z)" = "$(git -C cl rev-parse br-z~1)" &&
	rm block-pushes &&
	git -C cl push -q origin br-z 2>err &&
	test "$(git -C srv.git rev-parse br-z)" = "$(git -C cl rev-parse br-z)"
'

test_expect_success "with the chained hook passing, a secret still blocks the push" '
	tok=$(gen_aws) &&
	commit_file cl z.txt "z3" "aws = $tok" &&
	! git -C cl push -q origin br-z 2>err &&
	grep_q "^logger pre-push hook ran$" err &&
	grep_q "^  commit $(git -C cl rev-parse --short=12 br-z) z.txt:3: aws-access-key-id " err &&
	grep_none "$tok" err &&
	git -C cl reset -q --hard HEAD~1
'

test_expect_success "uninstall pre-push restores the logger hook exactly" '
	cp cl/.git/hooks/pre-push hush.pre-push &&
	(cd cl && "$HUSH" hook install pre-push >"$TRASH/out") &&
	test_cmp hush.pre-push cl/.git/hooks/pre-push &&
	(cd cl && "$HUSH" hook uninstall pre-push >"$TRASH/out") &&
	grep_q "restored the one it chained" out &&
	test_cmp logger.hook cl/.git/hooks/pre-push &&
	test -x cl/.git/hooks/pre-push &&
	test ! -e cl/.git/hooks/pre-push.hush-chained
'

test_expect_success "hush hook: usage errors exit 2" '
	expect_code 2 "$HUSH" hook >out 2>err &&
	grep_q "^usage: hush hook pre-commit" err &&
	(cd cl && expect_code 2 "$HUSH" hook post-merge >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "unknown hook .post-merge." err &&
	(cd cl && expect_code 2 "$HUSH" hook pre-commit --timeout 0 >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "invalid --timeout" err &&
	(cd cl && expect_code 2 "$HUSH" hook pre-commit --no-such-option >"$TRASH/out" 2>"$TRASH/err") &&
	expect_code 0 "$HUSH" hook --help >out 2>err &&
	grep_q "pre-receive" out
'

test_expect_success "hush hook pre-push / pre-receive: a malformed input line is an error (exit 2)" '
	echo "not a pre-push line" >bad.in &&
	(cd cl && expect_code 2 pipe_in "$TRASH/bad.in" "$HUSH" hook pre-push origin "$TRASH/srv.git" >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "cannot read the pre-push input line .not a pre-push line." err &&
	(cd srv.git && expect_code 2 pipe_in "$TRASH/bad.in" "$HUSH" hook pre-receive >"$TRASH/out" 2>"$TRASH/err") &&
	grep_q "cannot read the pre-receive input line .not a pre-push line." err &&
	: >empty.in &&
	(cd srv.git && expect_code 0 pipe_in "$TRASH/empty.in" "$HUSH" hook pre-receive >"$TRASH/out" 2>"$TRASH/err")
'

test_expect_success ".pre-commit-hooks.yaml parses as YAML; its hook runs hush hook pre-commit" '
	python3 - "$HUSH_SOURCE_DIR/.pre-commit-hooks.yaml" <<-\EOF
	import sys, yaml
	hooks = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
	assert isinstance(hooks, list) and len(hooks) == 1, hooks
	h = hooks[0]
	assert h["id"] == "hush", h
	assert h["entry"] == "hush hook pre-commit", h
	assert h["language"] == "system", h
	assert h["pass_filenames"] is False, h
	assert h.get("stages") == ["pre-commit"], h
	EOF
'

test_done
