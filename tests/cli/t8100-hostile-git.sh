#!/bin/sh
# t8100-hostile-git: hostile and broken git input (issue 9): a truncated packfile, corrupt loose commits, objects
# hush may not read, 10,000 refs and a commit with 10,000 parents, a blob of 1 GiB, and a pre-receive stdin of
# 100,000 ref lines (and one over the 64 MiB input limit). Each case ends in bounded time (every hush runs under
# timeout) and, where it matters, bounded memory, with a warning naming the pack, object or path; exit 2 only with
# --strict (the results are incomplete) or for a hook input hush refuses. Files, rules and the vault: t8000.
#
# Covered elsewhere (checked): a corrupt loose blob and tree (garbage in place of the zlib stream) and missing ones,
# each a warning naming the object id, the other findings reported, exit 2 with --strict: t2300.
#
# Timings on 2 shared cores: 30 s in all at a load of 2 to 5, 50 s at a load of 8. Writing the 1 GiB blob takes 7 s
# and scanning it 6 s; the 10,000 refs and the octopus take 3 to 11 s to make and 1 s to scan; each run of the
# pre-receive hook on 100,000 lines 1 to 4 s.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# Under 'make memcheck' (valgrind) the big blob shrinks, time limits grow and peak RSS is not checked.
if [ -n "${HUSH_MEMCHECK_DIR:-}" ]; then
	SMALL=yes LIMIT=1800
else
	SMALL= LIMIT=120
fi

BOUNDED_DIR=$TRASH

# hist REPO ARGS...: hush scan -q --history --format json --show-secrets ARGS REPO, bounded
hist() {
	_r=$1
	shift
	run_bounded scan -q --history --format json --show-secrets "$@" "$_r"
}

# found: "path commit secret" for each finding of out, sorted
found() {
	json_eval out "\"\\n\".join(sorted(\"%s %s %s\" % (f[\"path\"], f[\"commit\"], f[\"secret\"]) for f in d[\"findings\"]))"
}

# loose REPO OBJECT-ID: the path of a loose object
loose() {
	echo "$1/.git/objects/$(echo "$2" | cut -c1-2)/$(echo "$2" | cut -c3-)"
}

# ---- a truncated packfile ----

test_expect_success "setup: tokens in two packs, three commits in the older one and two in the newer" '
	git init -q pk &&
	for n in 1 2 3 4 5; do
		t=$(gen_github) &&
		echo "$t" >tok$n &&
		seq 1 3000 | sed "s/^/filler line $n: /" >pk/pad$n.txt &&
		printf "token %s\n" "$t" >pk/f$n.txt &&
		git -C pk add . &&
		git -C pk commit -q -m "commit $n" &&
		git -C pk rev-parse HEAD >commit$n || return 1
		if [ $n = 3 ]; then
			git -C pk repack -q -a -d &&
			ls pk/.git/objects/pack/*.pack >old.pack || return 1
		fi
	done &&
	git -C pk repack -q -d &&
	test "$(ls pk/.git/objects/pack/*.pack | wc -l)" -eq 2 &&
	test "$(git -C pk count-objects | cut -d" " -f1)" -eq 0 &&
	cp -R pk pk.orig
'

test_expect_success "a truncated pack: a warning naming it and the commit; the other pack is scanned" '
	p=$(cat old.pack) &&
	chmod u+w "$p" &&
	truncate -s $(($(wc -c <"$p") / 2)) "$p" &&
	expect_code 1 hist pk &&
	grep_q "^hush: warning: damaged pack .*/pk/.git/objects/pack/$(basename "$p").: it is missing, truncated or does not match its index; the objects in it cannot be read$" err &&
	grep_q "^hush: warning: cannot read commit $(cat commit3): .*; the history behind it is not scanned$" err &&
	printf "f4.txt %s %s\nf5.txt %s %s\n" "$(cat commit4)" "$(cat tok4)" "$(cat commit5)" "$(cat tok5)" >expect &&
	found >got &&
	test_cmp expect got &&
	expect_code 2 run_bounded scan -q --history --strict pk &&
	grep_q "damaged pack" err
'

test_expect_success "the only pack cut to its 12-byte header: warnings, nothing scanned, exit 0; --strict: 2" '
	rm -rf pk && cp -R pk.orig pk &&
	git -C pk repack -q -a -d &&
	p=$(ls pk/.git/objects/pack/*.pack) &&
	chmod u+w "$p" &&
	truncate -s 12 "$p" &&
	expect_code 0 hist pk &&
	grep_q "^hush: warning: damaged pack .*$(basename "$p")." err &&
	grep_q "^hush: warning: cannot read commit $(cat commit5): " err &&
	json_check out "d[\"findings\"] == [] and d[\"summary\"][\"commits\"] == 0" &&
	expect_code 2 run_bounded scan -q --history --strict pk
'

# ---- corrupt loose commits (t2300 has blobs and trees) ----

test_expect_success "setup: a repository of loose objects, one token per commit" '
	rm -rf pk pk.orig &&
	git init -q lc &&
	for n in 1 2 3; do
		commit_file lc f$n.txt "commit $n" "token $(gen_github)" &&
		git -C lc rev-parse HEAD >lc.commit$n || return 1
	done &&
	cp -R lc lc.orig
'

test_expect_success "a corrupt loose commit (not zlib): a warning naming it; the newer commit is scanned" '
	f=$(loose lc "$(cat lc.commit2)") &&
	chmod u+w "$f" &&
	printf "this is not a zlib stream" >"$f" &&
	expect_code 1 hist lc &&
	grep_q "^hush: warning: cannot read commit $(cat lc.commit2): .*inflate.*; the history behind it is not scanned$" err &&
	json_check out "[f[\"path\"] for f in d[\"findings\"]] == [\"f1.txt\", \"f2.txt\", \"f3.txt\"]" &&
	json_check out "d[\"summary\"][\"commits\"] == 1" &&
	expect_code 2 run_bounded scan -q --history --strict lc
'

# A commit object that inflates but holds no tree line used to be reported as "cannot read tree 0000...0000".
test_expect_success "a loose commit that inflates but has no tree line: a warning naming the commit" '
	rm -rf lc && cp -R lc.orig lc &&
	f=$(loose lc "$(cat lc.commit2)") &&
	chmod u+w "$f" &&
	python3 - "$f" <<-\EOF &&
	import sys, zlib
	body = b"tree " + b"z" * 40 + b"\nauthor T <t@example.invalid> 1700000000 +0000\n\nno tree\n"
	open(sys.argv[1], "wb").write(zlib.compress(b"commit %d\0" % len(body) + body))
	EOF
	expect_code 1 hist lc &&
	grep_q "^hush: warning: cannot read commit $(cat lc.commit2): it has no valid tree line (a corrupt object); the history behind it is not scanned$" err &&
	grep_none 0000000000000000000000000000000000000000 err &&
	json_check out "d[\"summary\"][\"commits\"] == 1" &&
	rm -rf lc lc.orig
'

# ---- objects hush may not read ----

unpriv=
if [ "$(id -u)" -ne 0 ]; then
	unpriv=direct
elif command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$HUSH" --version >/dev/null 2>&1; then
	unpriv=setpriv
fi

if [ -n "$unpriv" ]; then
	test_expect_success "a loose blob without read permission: a warning naming the blob and its path" '
		chmod 755 "$TRASH" "$HOME" &&
		git init -q locked &&
		commit_file locked open.txt open "t $(gen_github)" &&
		commit_file locked locked.txt locked "t $(gen_github)" &&
		blob=$(git -C locked rev-parse HEAD:locked.txt) &&
		mkdir -p nobody-cache &&
		if [ -d "$XDG_CACHE_HOME/hush" ]; then cp -R "$XDG_CACHE_HOME/hush" nobody-cache/; fi &&
		if [ "$unpriv" = setpriv ]; then
			chown -R 65534 locked nobody-cache &&
			run="setpriv --reuid=65534 --regid=65534 --clear-groups"
		else
			run=
		fi &&
		chmod 000 "$(loose locked "$blob")" &&
		expect_code 1 env XDG_CACHE_HOME="$TRASH/nobody-cache" timeout "$LIMIT" $run "$HUSH" scan -q --history \
			locked >out 2>err &&
		grep_q "^hush: warning: cannot read blob $blob (.locked.txt.): .*Permission denied$" err &&
		grep_q "^open.txt:1:3: github-classic-pat " out &&
		expect_code 2 env XDG_CACHE_HOME="$TRASH/nobody-cache" timeout "$LIMIT" $run "$HUSH" scan -q --history \
			--strict locked >out 2>err
	'
else
	test_skip "a loose blob without read permission: a warning naming the blob and its path" "root without setpriv"
fi

# ---- 10,000 refs, and a commit with 10,000 parents ----

test_expect_success "setup: 10,000 branches of one commit each, and an octopus merge of all 10,000" '
	git init -q refs &&
	python3 - "$(gen_github)" <<-\EOF | git -C refs fast-import --quiet &&
	import sys
	w = sys.stdout.write
	w("blob\nmark :1\ndata 5\nbase\n\n")
	w("commit refs/heads/main\nmark :2\ncommitter T <t@example.invalid> 1700000000 +0000\ndata 5\nbase\n"
	  "M 100644 :1 base.txt\n\n")
	for i in range(10000):
	    text = "file %d\n" % i + ("tok %s\n" % sys.argv[1] if i == 7777 else "")
	    w("blob\nmark :%d\ndata %d\n%s\n" % (3 + 2 * i, len(text), text))
	    w("commit refs/heads/b%05d\nmark :%d\ncommitter T <t@example.invalid> %d +0000\ndata 5\nc%04d\n"
	      "from :2\nM 100644 :%d f%d.txt\n\n" % (i, 4 + 2 * i, 1700000001 + i, i % 10000, 3 + 2 * i, i))
	EOF
	git -C refs rev-parse b07777 >refs.b7777 &&
	git -C refs show b07777:f7777.txt | sed -n "s/^tok //p" >refs.tok1 &&
	tok=$(gen_github) &&
	echo "$tok" >refs.tok2 &&
	merge=$(printf "merged %s\n" "$tok" | git -C refs hash-object -w --stdin) &&
	tree=$({ git -C refs ls-tree main && printf "100644 blob %s\tmerge.txt\n" "$merge"; } | git -C refs mktree) &&
	{
		echo "tree $tree" &&
		git -C refs for-each-ref --format="parent %(objectname)" "refs/heads/b*" &&
		echo "author T <t@example.invalid> 1800000000 +0000" &&
		echo "committer T <t@example.invalid> 1800000000 +0000" &&
		echo && echo "octopus of 10,000"
	} | git -C refs hash-object -t commit -w --stdin >refs.octopus &&
	test "$(git -C refs cat-file -p "$(cat refs.octopus)" | grep -c "^parent ")" -eq 10000 &&
	git -C refs update-ref refs/heads/octopus "$(cat refs.octopus)" &&
	test "$(git -C refs for-each-ref | wc -l)" -eq 10002
'

test_expect_success "10,000 loose refs and the octopus: both tokens found and attributed, bounded time and memory" '
	expect_code 1 hist refs &&
	printf "f7777.txt %s %s\nmerge.txt %s %s\n" "$(cat refs.b7777)" "$(cat refs.tok1)" \
		"$(cat refs.octopus)" "$(cat refs.tok2)" >expect &&
	found >got &&
	test_cmp expect got &&
	json_check out "d[\"summary\"][\"commits\"] == 10002 and d[\"summary\"][\"warnings\"] == 0" &&
	rss_below 200
'

test_expect_success "the same with the 10,000 refs packed" '
	git -C refs pack-refs --all &&
	test "$(find refs/.git/refs/heads -type f | wc -l)" -eq 0 &&
	expect_code 1 hist refs &&
	found >got &&
	test_cmp expect got &&
	rss_below 200
'

# ---- a pre-receive stdin of 100,000 ref lines ----

# lines N SKIP...: N pre-receive lines creating branches new-0... at the 10,000 tips and the octopus in turn,
# leaving out the commits SKIP
lines() {
	python3 - "$@" <<-\EOF
	import sys
	n, skip = int(sys.argv[1]), set(sys.argv[2:])
	tips = [t for t in open("tips").read().split() if t not in skip]
	out = sys.stdout
	for i in range(n):
	    out.write("%s %s refs/heads/new-%06d\n" % ("0" * 40, tips[i % len(tips)], i))
	EOF
}

test_expect_success "setup: a bare server holding the 10,001 pushed commits but no ref to them yet" '
	git clone -q --bare refs srv.git &&
	git -C srv.git for-each-ref --format="%(objectname)" "refs/heads/b*" "refs/heads/octopus" >tips &&
	test "$(wc -l <tips)" -eq 10001 &&
	git -C srv.git for-each-ref --format="delete %(refname)" "refs/heads/b*" "refs/heads/octopus" |
		git -C srv.git update-ref --stdin &&
	test "$(git -C srv.git for-each-ref | wc -l)" -eq 1 &&
	rm -rf refs
'

test_expect_success "100,000 ref lines with two secrets: rejected, both named, bounded time and memory" '
	lines 100000 >push.in &&
	test "$(wc -l <push.in)" -eq 100000 &&
	(cd srv.git && expect_code 1 run_bounded hook pre-receive <"$TRASH/push.in") &&
	grep_q "^hush: push rejected: 2 secrets found" err &&
	grep_q "^  commit $(cut -c1-12 refs.b7777) f7777.txt:2: github-classic-pat " err &&
	grep_q "^  commit $(cut -c1-12 refs.octopus) merge.txt:1: github-classic-pat " err &&
	grep_none "$(cat refs.tok1)" err out &&
	rss_below 200
'

test_expect_success "100,000 ref lines without a secret: accepted, the new commits counted" '
	lines 100000 "$(cat refs.b7777)" "$(cat refs.octopus)" >push.in &&
	(cd srv.git && expect_code 0 run_bounded hook pre-receive <"$TRASH/push.in") &&
	grep_q "^hush: no secrets in the 9999 new commits" err &&
	rss_below 200
'

test_expect_success "a pre-receive stdin over 64 MiB is refused (exit 2: the push is rejected), in bounded memory" '
	lines 700000 >push.in &&
	test "$(wc -c <push.in)" -gt $((64 * 1024 * 1024)) &&
	(cd srv.git && expect_code 2 run_bounded hook pre-receive <"$TRASH/push.in") &&
	grep_q "^hush: error: the hook input is larger than 67108864 bytes$" err &&
	rss_below 200 &&
	rm -f push.in
'

# ---- a blob of 1 GiB ----

# 2^30 bytes of "a", a space and a token; under valgrind 64 MiB
if [ -n "$SMALL" ]; then
	BLOB=$((64 * 1024 * 1024)) BIGMAX=100M
else
	BLOB=$((1024 * 1024 * 1024)) BIGMAX=2G
fi

# The blob is written as a loose object directly (zlib level 1): 'git add' takes 16 s of zlib on it here.
test_expect_success "setup: a commit with a blob of 1 GiB (one line, a token at its end)" '
	git init -q big &&
	tok=$(gen_github) &&
	echo "$tok" >big.tok &&
	python3 - big/.git/objects $BLOB "$tok" >big.blob <<-\EOF &&
	import hashlib, os, sys, zlib
	objects, size, tok = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
	tail = b" " + tok + b"\n"
	head = b"blob %d\0" % (size + len(tail))
	chunk = b"a" * (1 << 20)
	sha, z = hashlib.sha1(head), zlib.compressobj(1)
	tmp = os.path.join(objects, "tmp-big")
	with open(tmp, "wb") as f:
	    f.write(z.compress(head))
	    for _ in range(size >> 20):
	        sha.update(chunk)
	        f.write(z.compress(chunk))
	    sha.update(tail)
	    f.write(z.compress(tail) + z.flush())
	oid = sha.hexdigest()
	os.makedirs(os.path.join(objects, oid[:2]), exist_ok=True)
	os.rename(tmp, os.path.join(objects, oid[:2], oid[2:]))
	print(oid)
	EOF
	test "$(git -C big cat-file -s "$(cat big.blob)")" -eq $((BLOB + 42)) &&
	tree=$(printf "100644 blob %s\tbig.txt\n" "$(cat big.blob)" | git -C big mktree) &&
	git -C big update-ref refs/heads/main "$(git -C big commit-tree -m big "$tree")" &&
	git -C big rev-parse main >big.commit
'

test_expect_success "the 1 GiB blob is skipped by the default --max-file-size, with a warning naming it" '
	expect_code 0 hist big &&
	if [ -z "$SMALL" ]; then
		grep_q "^hush: warning: skipping blob $(cat big.blob) (.big.txt.): 1.0 GiB is over the --max-file-size limit of 50.0 MiB$" err
	fi &&
	json_check out "d[\"summary\"][\"skipped_large\"] == 1" &&
	rss_below 100 &&
	expect_code 2 run_bounded scan -q --history --strict big
'

# libgit2 inflates an object whole: scanning a blob takes its size in memory (at most --max-file-size per worker).
test_expect_success "with --max-file-size 2G the token at the end of the 1 GiB blob is found; memory ~ the blob" '
	expect_code 1 hist big --max-file-size $BIGMAX &&
	json_check out "[(f[\"path\"], f[\"line\"], f[\"column\"], f[\"commit\"], f[\"secret\"]) for f in d[\"findings\"]] == [(\"big.txt\", 1, $BLOB + 2, \"$(cat big.commit)\", \"$(cat big.tok)\")]" &&
	rss_below 1536 &&
	rm -rf big
'

test_done
