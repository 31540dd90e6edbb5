#!/bin/sh
# t1400-scan-special-files: binary files, symlinks and loops, FIFOs, --max-file-size, invalid UTF-8 content
# and file names, and stdin.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# paths ARGS...: hush scan --format json ARGS (under a 20 s timeout); sorted finding paths to the file paths
paths() {
	timeout 20 "$HUSH" scan -q --format json "$@" >scan.json
	rc=$?
	json_eval scan.json "\"\\n\".join(sorted(f[\"path\"] for f in d[\"findings\"]))" >paths || return 1
	return $rc
}

test_expect_success "a file with a NUL in its first 8 KiB is skipped as binary, scanned with --binary" '
	mkdir bin &&
	printf "\000\001\002 header %s\n" "$(gen_github)" >bin/small.dat &&
	expect_code 0 paths bin &&
	json_check scan.json "d[\"summary\"][\"skipped_binary\"] == 1 and d[\"summary\"][\"files\"] == 0" &&
	expect_code 1 paths --binary bin &&
	echo bin/small.dat >expect &&
	test_cmp expect paths &&
	json_check scan.json "d[\"findings\"][0][\"start_offset\"] == 11 and d[\"summary\"][\"skipped_binary\"] == 0"
'

test_expect_success "binary detection also applies to large (mapped) files; a NUL after 8 KiB is text" '
	mkdir bigbin &&
	python3 -c "import sys; sys.stdout.write(\"\\0\" + \"a\" * 300000 + \" \")" >bigbin/nul-first.dat &&
	python3 -c "import sys; sys.stdout.write(\"a \" * 4200 + \"\\0\" + \"b\" * 300000 + \" \")" >bigbin/nul-late.dat &&
	gen_github >>bigbin/nul-first.dat &&
	gen_github >>bigbin/nul-late.dat &&
	expect_code 1 paths bigbin &&
	echo bigbin/nul-late.dat >expect &&
	test_cmp expect paths &&
	json_check scan.json "d[\"summary\"][\"skipped_binary\"] == 1" &&
	expect_code 1 paths --binary bigbin &&
	printf "%s\n" bigbin/nul-first.dat bigbin/nul-late.dat >expect &&
	test_cmp expect paths
'

test_expect_success "symlink loops do not hang the walk" '
	mkdir loops loops/x &&
	printf "real %s\n" "$(gen_github)" >loops/real.txt &&
	ln -s . loops/self &&
	ln -s .. loops/x/up &&
	ln -s a loops/b &&
	ln -s b loops/a &&
	expect_code 1 paths loops &&
	echo loops/real.txt >expect &&
	test_cmp expect paths &&
	json_check scan.json "d[\"summary\"][\"skipped_special\"] == 4 and d[\"summary\"][\"files\"] == 1"
'

test_expect_success "symlinks below the path are not followed, to files or folders" '
	mkdir outside links &&
	printf "out %s\n" "$(gen_github)" >outside/secret.txt &&
	ln -s ../outside/secret.txt links/file-link.txt &&
	ln -s ../outside links/dir-link &&
	printf "in %s\n" "$(gen_github)" >links/inside.txt &&
	ln -s inside.txt links/inside-link.txt &&
	expect_code 1 paths links &&
	echo links/inside.txt >expect &&
	test_cmp expect paths &&
	json_check scan.json "d[\"summary\"][\"skipped_special\"] == 3"
'

test_expect_success "a symlink named on the command line is followed" '
	expect_code 1 paths links/file-link.txt &&
	echo links/file-link.txt >expect &&
	test_cmp expect paths &&
	expect_code 1 paths links/dir-link &&
	echo links/dir-link/secret.txt >expect &&
	test_cmp expect paths
'

test_expect_success "a FIFO in the tree does not block the scan and is skipped" '
	mkdir fifo &&
	mkfifo fifo/pipe &&
	printf "after %s\n" "$(gen_github)" >fifo/z.txt &&
	expect_code 1 paths fifo &&
	echo fifo/z.txt >expect &&
	test_cmp expect paths &&
	json_check scan.json "d[\"summary\"][\"skipped_special\"] == 1 and d[\"summary\"][\"warnings\"] == 0" &&
	expect_code 1 paths --strict fifo
'

test_expect_success "a FIFO named on the command line does not block either" '
	expect_code 0 timeout 20 "$HUSH" scan fifo/pipe >out 2>err &&
	grep_q "skipping .fifo/pipe.: not a regular file or directory" err
'

test_expect_success "--max-file-size skips a larger file with a warning naming it" '
	mkdir sizes &&
	python3 -c "import sys; sys.stdout.write(\"z\" * 2000 + \" \")" >sizes/big.txt &&
	gen_github >>sizes/big.txt &&
	printf "small %s\n" "$(gen_github)" >sizes/small.txt &&
	expect_code 1 timeout 20 "$HUSH" scan --max-file-size 1K sizes >out 2>err &&
	grep_q "^hush: warning: skipping .sizes/big.txt.: .* over the --max-file-size limit" err &&
	! grep -q "small.txt" err &&
	grep_q "^sizes/small.txt:1:7: " out &&
	! grep -q "big.txt:" out &&
	expect_code 1 paths --max-file-size 1K sizes &&
	json_check scan.json "d[\"summary\"][\"skipped_large\"] == 1 and d[\"summary\"][\"warnings\"] == 1" &&
	expect_code 1 paths --max-file-size 2041 sizes &&
	printf "%s\n" sizes/big.txt sizes/small.txt >expect &&
	test_cmp expect paths &&
	expect_code 1 paths --max-file-size 2040 sizes &&
	echo sizes/small.txt >expect &&
	test_cmp expect paths
'

test_expect_success "invalid UTF-8 around a token does not hide it" '
	mkdir utf &&
	tok=$(gen_github) &&
	printf "\377\376\200\300 %s \355\240\200\n\303(\342\202 %s\n" "$tok" "$tok" >utf/bad.txt &&
	expect_code 1 paths --show-secrets utf &&
	json_eval scan.json "[(f[\"line\"], f[\"column\"], f[\"secret\"]) for f in d[\"findings\"]]" >got &&
	echo "[[1, 6, \"$tok\"], [2, 6, \"$tok\"]]" >expect &&
	test_cmp expect got
'

test_expect_success "a non-UTF-8 file name gives valid JSON with path_base64" '
	mkdir names &&
	printf "v %s\n" "$(gen_github)" >"$(printf "names/bad\377name.txt")" &&
	expect_code 1 "$HUSH" scan -q --format json names >out.json &&
	json_check out.json "len(d[\"findings\"]) == 1" &&
	json_check out.json "d[\"findings\"][0][\"path\"] == \"names/bad\\ufffdname.txt\"" &&
	python3 -c "
import base64, json, os
d = json.load(open(\"out.json\", encoding=\"utf-8\"))
raw = base64.b64decode(d[\"findings\"][0][\"path_base64\"])
assert raw == b\"names/bad\\xffname.txt\", raw
assert os.path.exists(raw), raw
" &&
	expect_code 1 "$HUSH" scan -q --format jsonl names >out.jsonl &&
	python3 -c "
import json
objs = [json.loads(l) for l in open(\"out.jsonl\", encoding=\"utf-8\")]
assert objs[0][\"path_base64\"] == \"bmFtZXMvYmFk/25hbWUudHh0\", objs[0]
"
'

test_expect_success "a non-UTF-8 or control-character file name is escaped in text output" '
	expect_code 1 "$HUSH" scan -q names >out &&
	grep_q "^names/bad\\\\xffname.txt:1:3: github-classic-pat " out &&
	mkdir ctl &&
	printf "v %s\n" "$(gen_github)" >"$(printf "ctl/a\033[31mb.txt")" &&
	expect_code 1 "$HUSH" scan -q --color never ctl >out &&
	! grep -q "$(printf "\033")" out &&
	grep_q "^ctl/a\\\\x1b\[31mb.txt:1:3: " out
'

test_expect_success "a UTF-8 file name is kept as is, without path_base64" '
	mkdir names2 &&
	printf "v %s\n" "$(gen_github)" >"names2/$(printf "caf\303\251.txt")" &&
	expect_code 1 "$HUSH" scan -q --format json names2 >out.json &&
	json_check out.json "d[\"findings\"][0][\"path\"] == \"names2/caf\\u00e9.txt\" and \"path_base64\" not in d[\"findings\"][0]"
'

test_expect_success "stdin: hush scan - finds a token piped in and reports path -" '
	tok=$(gen_github) &&
	printf "line one\npiped %s\n" "$tok" >piped.txt &&
	expect_code 1 pipe_in piped.txt "$HUSH" scan - >out 2>err &&
	grep_q "^-:2:7: github-classic-pat \[high\] ghp_…  (" out &&
	grep_q "^hush: scanned 1 file (56 B) in [0-9]* ms: 1 finding$" err &&
	expect_code 1 "$HUSH" scan -q --format json - <piped.txt >out.json &&
	json_check out.json "[(f[\"path\"], f[\"line\"], f[\"column\"], f[\"start_offset\"]) for f in d[\"findings\"]] == [(\"-\", 2, 7, 15)]" &&
	json_check out.json "d[\"summary\"][\"files\"] == 1 and d[\"summary\"][\"bytes\"] == 56"
'

test_expect_success "stdin without a secret exits 0" '
	printf "nothing secret here\n" >clean.txt &&
	expect_code 0 pipe_in clean.txt "$HUSH" scan - >out 2>err &&
	test ! -s out &&
	: >empty.txt &&
	expect_code 0 pipe_in empty.txt "$HUSH" scan -q --format json - >out.json &&
	json_check out.json "d[\"findings\"] == [] and d[\"summary\"][\"bytes\"] == 0"
'

test_expect_success "stdin from a FIFO with a writer works and does not hang" '
	mkfifo feed &&
	{ printf "fifo %s\n" "$(gen_github)" >feed & } &&
	expect_code 1 timeout 20 "$HUSH" scan -q - <feed >out &&
	grep_q "^-:1:6: github-classic-pat " out &&
	wait
'

test_done
