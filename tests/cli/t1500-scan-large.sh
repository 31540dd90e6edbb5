#!/bin/sh
# t1500-scan-large: a 100 MiB single-line file (tokens at the start, middle and end) scanned with bounded
# memory from a file and from stdin, tokens that straddle the 8 MiB scan chunks, dense tokens through a pipe (read
# in smaller rounds), and tokens at both ends of files around the 256 KiB line between read and mapped files.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

RSS_LIMIT_KB=80000

# gen_file FILE SIZE SEP OFFSET...: write SIZE bytes of lowercase words separated by SEP (space or \n) to
# FILE, plant a fresh GitHub token at each OFFSET (with a space on either side), and print one line per token:
# "offset line column token", computed from the bytes written.
gen_file() {
	python3 - "$@" <<-\EOF
	import random, string, sys
	path, size, sep, offs = sys.argv[1], int(sys.argv[2]), sys.argv[3], [int(o) for o in sys.argv[4:]]
	sep = b"\n" if sep == "nl" else b" "
	unit = b"".join(w + sep for w in (b"lorem", b"ipsum", b"dolor", b"sit", b"amet", b"consectetur"))
	buf = bytearray(unit * (size // len(unit) + 1))
	del buf[size:]
	alpha = [c for c in string.ascii_letters + string.digits if c not in "xX"]
	out = []
	for o in offs:
	    tok = ("ghp_" + "".join(random.SystemRandom().choice(alpha) for _ in range(36))).encode()
	    if o > 0:
	        buf[o - 1:o] = b" "
	    buf[o:o + len(tok)] = tok
	    buf[o + len(tok):o + len(tok) + 1] = b" "
	    line = buf.count(b"\n", 0, o) + 1
	    col = o - (buf.rfind(b"\n", 0, o) + 1) + 1
	    out.append("%d %d %d %s" % (o, line, col, tok.decode()))
	assert len(buf) == size and b"\0" not in buf
	open(path, "wb").write(buf)
	print("\n".join(out))
	EOF
}

# found JSON [path]: print "offset line column secret" for each finding of JSON (a --show-secrets report), after
# its path when the second argument is given
found() {
	json_eval "$1" "\"\\n\".join((f[\"path\"] + \" \" if \"${2:-}\" else \"\") + \"%d %d %d %s\" % (f[\"start_offset\"],
		f[\"line\"], f[\"column\"], f[\"secret\"]) for f in d[\"findings\"])"
}

# rss_ok FILE: the peak RSS (KiB) written by GNU time -f %M to FILE is below the limit
rss_ok() {
	kb=$(tail -n 1 "$1")
	case "$kb" in
	'' | *[!0-9]*) fail "no RSS figure in $1: $(cat "$1")" ;;
	*) test "$kb" -lt "$RSS_LIMIT_KB" || fail "peak RSS $kb KiB is not below $RSS_LIMIT_KB KiB" ;;
	esac
}

if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
	have_time=yes
else
	have_time=
fi

test_expect_success "setup: a 100 MiB single-line file with tokens at the start, middle and end" '
	size=$((100 * 1024 * 1024)) &&
	gen_file big.txt $size sp 0 $((size / 2 + 7)) $((size - 41)) >expect &&
	test "$(wc -c <big.txt)" -eq $size &&
	test "$(wc -l <expect)" -eq 3 &&
	test "$(tr -dc "\n" <big.txt | wc -c)" -eq 0 &&
	cut -d" " -f2 expect | sort -u >lines && test "$(cat lines)" = 1
'

test_expect_success "the default --max-file-size (50M) skips the 100 MiB file with a warning" '
	expect_code 0 "$HUSH" scan big.txt >out 2>err &&
	test ! -s out &&
	grep_q "^hush: warning: skipping .big.txt.: 100.0 MiB is over the --max-file-size limit of 50.0 MiB$" err
'

test_expect_success "all 3 tokens are found on line 1 with exact columns" '
	expect_code 1 "$HUSH" scan -q --show-secrets --max-file-size 200M --format json big.txt >out.json &&
	found out.json >got &&
	test_cmp expect got &&
	json_check out.json "d[\"summary\"][\"bytes\"] == 100 * 1024 * 1024"
'

if [ -n "$have_time" ]; then
	test_expect_success "the peak RSS of a file scan stays below 80 MB" '
		expect_code 1 /usr/bin/time -f %M -o rss.txt "$HUSH" scan -q --max-file-size 200M big.txt >out 2>err &&
		test "$(wc -l <out)" -eq 3 &&
		rss_ok rss.txt &&
		expect_code 1 /usr/bin/time -f %M -o rss.txt "$HUSH" scan -q -j 2 --max-file-size 200M . >out 2>err &&
		rss_ok rss.txt
	'
else
	test_skip "the peak RSS of a file scan stays below 80 MB" "no GNU time"
fi

test_expect_success "the same file through stdin: all 3 found with exact columns" '
	expect_code 1 "$HUSH" scan -q --show-secrets --format json - <big.txt >out.json &&
	found out.json >got &&
	test_cmp expect got &&
	json_check out.json "d[\"summary\"][\"bytes\"] == 100 * 1024 * 1024"
'

if [ -n "$have_time" ]; then
	test_expect_success "the peak RSS of a stdin scan stays below 80 MB (redirect and pipe)" '
		expect_code 1 /usr/bin/time -f %M -o rss.txt "$HUSH" scan -q - <big.txt >out 2>err &&
		test "$(wc -l <out)" -eq 3 &&
		rss_ok rss.txt &&
		expect_code 1 pipe_in big.txt /usr/bin/time -f %M -o rss.txt "$HUSH" scan -q - >out 2>err &&
		test "$(wc -l <out)" -eq 3 &&
		rss_ok rss.txt
	'
else
	test_skip "the peak RSS of a stdin scan stays below 80 MB (redirect and pipe)" "no GNU time"
fi

test_expect_success "setup: tokens straddling the 8 MiB and 16 MiB chunk boundaries" '
	rm -f big.txt &&
	mib=$((1024 * 1024)) &&
	gen_file chunks.txt $((20 * mib)) nl $((8 * mib - 10)) $((16 * mib - 20)) $((16 * mib + 100)) >expect &&
	test "$(wc -l <expect)" -eq 3
'

test_expect_success "tokens straddling chunk boundaries are found in a file, with lines and columns" '
	expect_code 1 "$HUSH" scan -q --show-secrets --format json chunks.txt >out.json &&
	found out.json >got &&
	test_cmp expect got
'

test_expect_success "tokens straddling chunk boundaries are found through stdin" '
	expect_code 1 "$HUSH" scan -q --show-secrets --format json - <chunks.txt >out.json &&
	found out.json >got &&
	test_cmp expect got &&
	expect_code 1 pipe_in chunks.txt "$HUSH" scan -q --show-secrets --format json - >out.json &&
	found out.json >got &&
	test_cmp expect got
'

test_expect_success "a token at every offset around the 8 MiB boundary is found" '
	mib=$((1024 * 1024)) &&
	for d in 1 20 39 40 41; do
		gen_file edge.txt $((9 * mib)) sp $((8 * mib - d)) >expect &&
		expect_code 1 "$HUSH" scan -q --show-secrets --format json edge.txt >out.json &&
		found out.json >got && test_cmp expect got &&
		expect_code 1 "$HUSH" scan -q --show-secrets --format json - <edge.txt >out.json &&
		found out.json >got && test_cmp expect got || exit 1
	done
'

# hush reads a pipe in rounds of the pipe's size (1 MiB once grown, scanner/scan.c), not the 8 MiB of other input
test_expect_success "through a pipe, tokens every 61 KiB of 5 MiB are found as in the file" '
	kib=1024 && offs= && o=100 &&
	while [ $o -lt $((5 * 1024 * kib)) ]; do offs="$offs $o" && o=$((o + 61 * kib + o % 97)); done &&
	gen_file dense.txt $((5 * 1024 * kib)) nl $offs >expect &&
	test "$(wc -l <expect)" -ge 80 &&
	expect_code 1 "$HUSH" scan -q --show-secrets --format json dense.txt >out.json &&
	found out.json >got && test_cmp expect got &&
	expect_code 1 pipe_in dense.txt "$HUSH" scan -q --show-secrets --format json - >out.json &&
	found out.json >got && test_cmp expect got
'

# Files under 256 KiB are read whole into each thread's page-aligned buffer; larger ones are mapped (scanner/scan.c)
test_expect_success "tokens at both ends of files just under, at and over the 256 KiB read buffer are found" '
	mkdir edges && kib=1024 &&
	: >expect &&
	for size in $((256 * kib - 1)) $((256 * kib)) $((256 * kib + 1)) 4096; do
		gen_file edges/f$size.txt $size nl 0 $((size - 41)) | sed "s|^|edges/f$size.txt |" >>expect || exit 1
	done &&
	test "$(wc -l <expect)" -eq 8 &&
	for j in 1 2; do
		expect_code 1 "$HUSH" scan -q -j $j --show-secrets --format json edges >out.json &&
		found out.json path >got &&
		sort expect >want && sort got >have && test_cmp want have || exit 1
	done
'

test_done
