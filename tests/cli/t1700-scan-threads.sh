#!/bin/sh
# t1700-scan-threads: reports do not depend on the thread count; every planted token is found; the
# compiled-rules cache (warm runs, a corrupt entry, another format's entry, pruning to the entries last used,
# --no-cache).
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# strip_elapsed FILE: FILE without its elapsed_ms (the only field that may differ between runs)
strip_elapsed() {
	sed -e '/^    "elapsed_ms": /d' -e 's/"elapsed_ms":[-0-9.eE+]*,\{0,1\}//' "$1"
}

# max_threads CMD...: run CMD (stdout and stderr to /dev/null) and print "STATUS MAX SEEN": its exit status, the
# most threads /proc showed it running at once, and how many times that count was seen, polling all along
max_threads() {
	python3 - "$@" <<-\EOF
	import os, subprocess, sys
	p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	seen = {}
	while p.poll() is None:
	    try:
	        n = len(os.listdir("/proc/%d/task" % p.pid))
	    except OSError:
	        break
	    seen[n] = seen.get(n, 0) + 1
	top = max(seen) if seen else 0
	print(p.wait(), top, seen.get(top, 0))
	EOF
}

test_expect_success "setup: 200 files in nested folders with 20 tokens of four kinds" '
	i=0 &&
	while [ $i -lt 200 ]; do
		dir=tree/d$((i % 7))/s$((i % 3)) &&
		mkdir -p "$dir" &&
		printf "file %d\nplain text without secrets %d\n" $i $i >"$dir/f$i.txt" || exit 1
		if [ $((i % 10)) -eq 3 ]; then
			case $((i / 10 % 4)) in
			0) rule=github-classic-pat tok=$(gen_github) ;;
			1) rule=aws-access-key-id tok=$(gen_aws) ;;
			2) rule=slack-bot-token tok=$(gen_slack) ;;
			3) rule=stripe-secret-key tok=$(gen_stripe) ;;
			esac
			printf "value: %s\n" "$tok" >>"$dir/f$i.txt" &&
			echo "$dir/f$i.txt 3 8 $rule $tok" >>planted || exit 1
		fi
		i=$((i + 1))
	done &&
	test "$(find tree -type f | wc -l)" -eq 200 &&
	test "$(wc -l <planted)" -eq 20 &&
	for r in github-classic-pat aws-access-key-id slack-bot-token stripe-secret-key; do
		test "$(grep -c " $r " planted)" -eq 5 || exit 1
	done
'

test_expect_success "every planted token is found, at the right place, and nothing else" '
	expect_code 1 "$HUSH" scan -q --show-secrets --format json tree >out.json &&
	json_eval out.json "\"\\n\".join(\"%s %d %d %s %s\" % (f[\"path\"], f[\"line\"], f[\"column\"], f[\"rule_id\"], f[\"secret\"]) for f in d[\"findings\"])" >got &&
	sort planted >expect &&
	sort got >got.sorted &&
	test_cmp expect got.sorted &&
	json_check out.json "d[\"summary\"][\"files\"] == 200 and d[\"summary\"][\"findings\"] == 20"
'

test_expect_success "-j 1 and -j 2 give byte-identical JSON reports (but for elapsed_ms)" '
	expect_code 1 "$HUSH" scan -q -j 1 --format json tree >j1.json &&
	expect_code 1 "$HUSH" scan -q -j 2 --format json tree >j2.json &&
	strip_elapsed j1.json >j1 &&
	strip_elapsed j2.json >j2 &&
	! grep -q elapsed_ms j1 &&
	test "$(wc -l <j1)" -eq $(($(wc -l <j1.json) - 1)) &&
	test_cmp j1 j2 &&
	json_eval j1.json "d[\"findings\"]" >f1 &&
	json_eval j2.json "d[\"findings\"]" >f2 &&
	test_cmp f1 f2 &&
	json_check j1.json "len(d[\"findings\"]) == 20"
'

test_expect_success "repeated runs with 2, 8 and 64 threads give the same report" '
	for j in 2 2 2 8 64; do
		expect_code 1 "$HUSH" scan -q -j $j --format json tree >jn.json &&
		strip_elapsed jn.json >jn &&
		test_cmp j1 jn || exit 1
	done
'

# (under valgrind, hush runs as valgrind's threads: the count says nothing there)
if [ -z "${HUSH_MEMCHECK_DIR:-}" ]; then
test_expect_success "-j N scans a folder with N threads: the walking thread is one of them" '
	python3 -c "
import os
text = \"\".join(\"plain text without any secret in it, line %d of a long file\\n\" % i for i in range(1500))
for d in range(8):
    os.makedirs(\"big/d%d\" % d)
    for f in range(50):
        open(\"big/d%d/f%d.txt\" % (d, f), \"w\").write(text)
" &&
	test "$(find big -type f | wc -l)" -eq 400 &&
	for j in 2 3; do
		max_threads "$HUSH_DIRECT" scan -q -j $j --format jsonl --report /dev/null big >threads &&
		read -r st top seen <threads &&
		echo "-j $j: exit $st, at most $top threads (seen $seen times)" &&
		test "$st" -eq 0 && test "$top" -eq $j && test "$seen" -ge 1 || exit 1
	done
'
fi

test_expect_success "the text and JSON Lines reports do not depend on the thread count either" '
	expect_code 1 "$HUSH" scan -q -j 1 tree >t1 &&
	expect_code 1 "$HUSH" scan -q -j 2 tree >t2 &&
	test_cmp t1 t2 &&
	test "$(wc -l <t1)" -eq 20 &&
	expect_code 1 "$HUSH" scan -q -j 1 --format jsonl tree >l1.jsonl &&
	expect_code 1 "$HUSH" scan -q -j 2 --format jsonl tree >l2.jsonl &&
	strip_elapsed l1.jsonl >l1 && strip_elapsed l2.jsonl >l2 &&
	test_cmp l1 l2 &&
	test "$(wc -l <l1)" -eq 21
'

test_expect_success "a low descriptor limit: each queued file holds its folder open, and the queue stays under it" '
	yes "plain text without any secret in it" | head -c 65536 >blob &&
	i=0 &&
	while [ $i -lt 200 ]; do
		mkdir -p fds/d$i && cp blob fds/d$i/f || exit 1
		i=$((i + 1))
	done &&
	for j in 1 2 4; do
		(ulimit -n 40 && "$HUSH" scan --strict -j $j fds) 2>err &&
		grep_q "^hush: scanned 200 files (12.5 MiB) in [0-9]* ms: 0 findings$" err || exit 1
	done
'

# (under a low descriptor limit the queue of found files is short: 200 files overflow it)
test_expect_success "no thread can be started: the scan runs on the calling thread, whole" '
	test -f "$HUSH_NO_THREADS_LIB" &&
	for j in 2 8; do
		expect_code 1 timeout 60 env LD_PRELOAD="$HUSH_NO_THREADS_LIB" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			sh -c "ulimit -n 40 && exec \"\$0\" \"\$@\"" "$HUSH" scan -q -j $j --format json tree >nt.json &&
		strip_elapsed nt.json >nt &&
		test_cmp j1 nt || exit 1
	done
'

test_expect_success "a warm-cache scan of 10 small files succeeds" '
	mkdir ten &&
	for i in 0 1 2 3 4 5 6 7 8 9; do
		printf "small file %d\n" $i >ten/f$i.txt || exit 1
	done &&
	printf "value: %s\n" "$(gen_github)" >ten/f9.txt &&
	expect_code 1 "$HUSH" scan -q ten >warm1 &&
	ls "$XDG_CACHE_HOME"/hush/db-*.hs >/dev/null &&
	expect_code 1 "$HUSH" scan ten >warm2 2>err &&
	test_cmp warm1 warm2 &&
	grep_q "^hush: scanned 10 files (.*) in [0-9]* ms: 1 finding$" err
'

test_expect_success "setup: a one-rule set and a private cache folder" '
	printf "%s\n" "rules:" "  - id: test-cache" "    description: cache test token" \
		"    pattern: '\''\\b(cqz_[a-z0-9]{20})\\b'\''" "    keywords: [cqz_]" "    confidence: medium" >cache.yml &&
	mkdir ctree &&
	printf "x %s\n" "cqz_$(rand_chars a-wyz0-9 20)" >ctree/a.txt
'

# cscan ARGS...: scan ctree with the one-rule set and the private cache
cscan() {
	XDG_CACHE_HOME="$TRASH/cache" "$HUSH" scan -q --no-config --no-builtin-rules --rules cache.yml "$@" ctree
}

test_expect_success "the first scan stores the compiled rules, the next one reuses them" '
	expect_code 1 cscan >c1 &&
	grep_q "^ctree/a.txt:1:3: test-cache \[medium\] " c1 &&
	test "$(ls cache/hush | wc -l)" -eq 1 &&
	ls cache/hush/db-*.hs >/dev/null &&
	cp cache/hush/db-*.hs entry.orig &&
	expect_code 1 cscan >c2 &&
	test_cmp c1 c2 &&
	cmp cache/hush/db-*.hs entry.orig
'

test_expect_success "an entry of another format (another version of hush) is left alone, and leaves ours alone" '
	entry=$(ls cache/hush/db-*.hs) &&
	other=$(printf "%s\n" "$entry" | sed "s/\.[0-9][0-9]\.hs\$/.hs/") &&
	test "$other" != "$entry" &&
	printf "HUSHDB01 an entry of an older hush" >"$other" &&
	cp "$other" other.orig &&
	expect_code 1 cscan >c2 &&
	test_cmp c1 c2 &&
	cmp "$entry" entry.orig &&
	cmp "$other" other.orig &&
	rm "$other"
'

test_expect_success "a corrupt cache entry is ignored and rewritten" '
	entry=$(ls cache/hush/db-*.hs) &&
	printf "garbage" | dd of="$entry" bs=1 seek=200 conv=notrunc 2>/dev/null &&
	! cmp -s "$entry" entry.orig &&
	expect_code 1 cscan >c3 &&
	test_cmp c1 c3 &&
	cmp "$entry" entry.orig &&
	: >"$entry" &&
	expect_code 1 cscan >c4 &&
	test_cmp c1 c4 &&
	cmp "$entry" entry.orig
'

test_expect_success "a load marks the entry as used (its modification time)" '
	entry=$(ls cache/hush/db-*.hs) &&
	touch -d "3 days ago" "$entry" &&
	expect_code 1 cscan >c6 &&
	test_cmp c1 c6 &&
	test -n "$(find "$entry" -newermt "1 hour ago")"
'

test_expect_success "a store keeps the 16 most recently used entries and drops dead temp files" '
	entry=$(ls cache/hush/db-*.hs) &&
	for i in $(seq 10 29); do
		printf "old entry %s" "$i" >"cache/hush/db-00000000000000000000000000000000000000$i.02.hs" &&
		touch -d "$((40 - i)) days ago" "cache/hush/db-00000000000000000000000000000000000000$i.02.hs" || return 1
	done &&
	printf x >cache/hush/db-dead.02.hs.AbCdEf && touch -d "2 days ago" cache/hush/db-dead.02.hs.AbCdEf &&
	printf x >cache/hush/db-live.02.hs.GhIjKl &&
	printf x >cache/hush/notes.txt && touch -d "90 days ago" cache/hush/notes.txt &&
	{ cat cache.yml && printf "%s\n" "  - id: test-cache-2" "    description: another cache test token" \
		"    pattern: '\''\\b(cqw_[a-z0-9]{20})\\b'\''" "    keywords: [cqw_]" "    confidence: medium"; } >cache2.yml &&
	expect_code 1 env XDG_CACHE_HOME="$TRASH/cache" "$HUSH" scan -q --no-config --no-builtin-rules \
		--rules cache2.yml ctree >c7 &&
	test_cmp c1 c7 &&
	test "$(ls cache/hush/db-*.hs | wc -l)" -eq 16 &&
	test -e "$entry" &&
	for i in $(seq 16 29); do
		test -e "cache/hush/db-00000000000000000000000000000000000000$i.02.hs" || return 1
	done &&
	test ! -e cache/hush/db-00000000000000000000000000000000000000$((15)).02.hs &&
	test ! -e cache/hush/db-0000000000000000000000000000000000000010.02.hs &&
	test ! -e cache/hush/db-dead.02.hs.AbCdEf &&
	test -e cache/hush/db-live.02.hs.GhIjKl &&
	test -e cache/hush/notes.txt
'

test_expect_success "--no-cache neither reads nor writes the cache" '
	rm -r cache &&
	expect_code 1 cscan --no-cache >c5 &&
	test_cmp c1 c5 &&
	test ! -e cache
'

test_done
