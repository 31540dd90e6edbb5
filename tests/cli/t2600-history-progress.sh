#!/bin/sh
# t2600-history-progress: the progress line of --history appears on a terminal only, and never with -q.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

test_expect_success "setup: a repository with a few commits" '
	git init -q repo &&
	for n in 1 2 3 4 5; do
		echo "line $n" >"repo/f$n.txt" && git -C repo add . && git -C repo commit -qm "c$n" || return 1
	done
'

if command -v script >/dev/null 2>&1; then
	test_expect_success "on a terminal, stderr gets a progress line with commits, blobs, bytes, rate and ETA" '
		HUSH_PROGRESS_DELAY_MS=0 script -qec "\"$HUSH\" scan --history --no-config repo" typescript >/dev/null 2>&1;
		tr "\r" "\n" <typescript >progress.txt &&
		grep -a "hush: 5/5 commits, 5 blobs, .* B, .*/s, ETA 0 s" progress.txt
	'
	test_expect_success "-q keeps a terminal quiet" '
		HUSH_PROGRESS_DELAY_MS=0 script -qec "\"$HUSH\" scan --history --no-config -q repo" typescript >/dev/null 2>&1;
		! grep -a "commits, " typescript
	'
else
	test_skip "the progress line on a terminal" "script(1) is not installed"
fi

test_expect_success "without a terminal there is no progress line" '
	HUSH_PROGRESS_DELAY_MS=0 "$HUSH" scan --history --no-config repo >out 2>err &&
	! grep "ETA" err &&
	grep "hush: scanned 5 commits, 5 blobs" err
'

test_done
