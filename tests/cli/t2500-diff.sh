#!/bin/sh
# t2500-diff: hush scan --diff reads a unified diff (git diff, git format-patch, diff -u) from a file or stdin and
# reports findings on added lines only, at their line in the new file and under the new path: renames, CRLF,
# "\ No newline at end of file", deleted files and removed lines, quoted paths, binary files.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# scan_diff ARGS...: hush scan --diff ARGS --format json --show-secrets >d.json; hush's exit code
scan_diff() {
	"$HUSH" scan -q --format json --show-secrets --diff "$@" >d.json
}

# found: "path:line:secret" of each finding in d.json, sorted
found() {
	json_eval d.json "\"\\n\".join(\"%s:%d:%s\" % (f[\"path\"], f[\"line\"], f[\"secret\"]) for f in d[\"findings\"])" |
		sed "/^\$/d" | sort
}

# expect_tokens DIR PATH...: "PATH:LINE:TOKEN" for each token (listed in DIR/../tokens) found in DIR/PATH, sorted
expect_tokens() {
	_dir=$1
	shift
	for _p in "$@"; do
		while read -r _t; do
			grep -n -F -e "$_t" "$_dir/$_p" | cut -d: -f1 | sed "s|^|$_p:|; s|\$|:$_t|"
		done <tokens
	done | sort
}

test_expect_success "setup: a repository with a 100-line file" '
	git init -q repo &&
	(
		cd repo &&
		seq 1 100 | sed "s/^/line /" >app.txt &&
		git add app.txt &&
		git commit -q -m base
	)
'

test_expect_success "setup: tokens added in three hunks, lines removed and changed around them" '
	(
		cd repo &&
		t1=$(gen_github) && t2=$(gen_aws) && t3=$(gen_stripe) && t4=$(gen_slack) &&
		printf "%s\n" "$t1" "$t2" "$t3" "$t4" >../tokens &&
		awk -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" "
			NR == 5 { next }
			NR == 6 { print \"changed 6\"; next }
			NR == 10 { print; print \"token = \" t1; next }
			NR == 48 { print \"aws \" t2 \" on a changed line\"; next }
			NR == 49 { print; print \"\"; print \"stripe: \" t3; next }
			NR == 95 { print \"slack \" t4; print; next }
			NR >= 97 { next }
			{ print }
		" app.txt >tmp && mv tmp app.txt &&
		git diff >../mod.patch &&
		git diff -U0 >../mod-u0.patch &&
		git diff -U10 >../mod-u10.patch
	) &&
	test "$(grep -c "^@@ " mod.patch)" -ge 3 &&
	test "$(wc -l <tokens)" -eq 4
'

test_expect_success "git diff from a file: each token at its line in the new file" '
	expect_code 1 scan_diff mod.patch &&
	found >got &&
	expect_tokens repo app.txt >expect &&
	test "$(wc -l <expect)" -eq 4 &&
	test_cmp expect got &&
	json_check d.json "all(f[\"end_line\"] == f[\"line\"] for f in d[\"findings\"])"
'

test_expect_success "columns are those of the new file" '
	json_eval d.json "sorted([f[\"line\"], f[\"column\"]] for f in d[\"findings\"])" >got &&
	while read -r t; do
		l=$(grep -n -F -e "$t" repo/app.txt | cut -d: -f1) &&
		c=$(sed -n "${l}p" repo/app.txt | awk -v t="$t" "{ print index(\$0, t) }") &&
		echo "$l $c" || exit 1
	done <tokens | sort -n | python3 -c "import sys, json; print(json.dumps([[int(x) for x in l.split()] for l in sys.stdin]))" >expect &&
	test_cmp expect got
'

test_expect_success "the same diff on stdin: --diff -, --diff alone, and a pipe" '
	expect_code 1 scan_diff mod.patch &&
	found >from-file &&
	expect_code 1 scan_diff - <mod.patch &&
	found >got && test_cmp from-file got &&
	expect_code 1 scan_diff <mod.patch &&
	found >got && test_cmp from-file got &&
	expect_code 1 pipe_in mod.patch "$HUSH" scan -q --format json --show-secrets --diff >d.json &&
	found >got && test_cmp from-file got
'

test_expect_success "-U0 and -U10 diffs give the same lines" '
	expect_code 1 scan_diff mod-u0.patch &&
	found >got && test_cmp from-file got &&
	expect_code 1 scan_diff mod-u10.patch &&
	found >got && test_cmp from-file got
'

test_expect_success "git format-patch output (a file from -o, and --stdout on stdin)" '
	(
		cd repo &&
		git commit -q -a -m "add tokens" &&
		git format-patch -q -1 -o ../patches >/dev/null &&
		git format-patch -1 --stdout >../fp.mbox
	) &&
	test "$(ls patches | wc -l)" -eq 1 &&
	expect_code 1 scan_diff patches/0001-*.patch &&
	found >got && test_cmp from-file got &&
	expect_code 1 scan_diff - <fp.mbox &&
	found >got && test_cmp from-file got
'

test_expect_success "a format-patch series of two commits touching two files" '
	t5=$(gen_github) &&
	echo "$t5" >>tokens &&
	(
		cd repo &&
		printf "first\nsecond %s\n" "$t5" >other.txt &&
		git add other.txt &&
		git commit -q -m "other" &&
		git format-patch --stdout HEAD~2 >../series.mbox
	) &&
	grep -c "^From [0-9a-f]\{40\} " series.mbox >n && test "$(cat n)" -eq 2 &&
	expect_code 1 scan_diff series.mbox &&
	found >got &&
	expect_tokens repo app.txt other.txt >expect &&
	test "$(wc -l <expect)" -eq 5 &&
	test_cmp expect got
'

test_expect_success "a rename with an added token: the new path, the new line" '
	t6=$(gen_aws) &&
	(
		cd repo &&
		mkdir -p moved &&
		git mv app.txt moved/app-renamed.txt &&
		printf "renamed %s\n" "$t6" >>moved/app-renamed.txt &&
		git add -A &&
		git commit -q -m rename &&
		git diff -M HEAD~1 HEAD >../rename.patch
	) &&
	grep_q "^rename to moved/app-renamed.txt" rename.patch &&
	expect_code 1 scan_diff rename.patch &&
	echo "moved/app-renamed.txt:$(grep -n -F "$t6" repo/moved/app-renamed.txt | cut -d: -f1):$t6" >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "a pure rename of a file with tokens reports nothing" '
	(
		cd repo &&
		git mv other.txt other-renamed.txt &&
		git commit -q -m "pure rename" &&
		git diff -M HEAD~1 HEAD >../pure-rename.patch
	) &&
	grep_q "^similarity index 100%" pure-rename.patch &&
	expect_code 0 scan_diff pure-rename.patch &&
	json_check d.json "d[\"findings\"] == []"
'

test_expect_success "CRLF line endings: the right line, the secret without the CR" '
	t=$(gen_github) &&
	(
		cd repo &&
		printf "a\r\nb\r\n" >crlf.txt &&
		git -c core.autocrlf=false add crlf.txt &&
		git -c core.autocrlf=false commit -q -m crlf &&
		printf "a\r\nkey = %s\r\nb\r\n" "$t" >crlf.txt &&
		git -c core.autocrlf=false diff >../crlf.patch
	) &&
	grep -q "$(printf "\r")\$" crlf.patch &&
	expect_code 1 scan_diff crlf.patch &&
	echo "crlf.txt:2:$t" >expect &&
	found >got &&
	test_cmp expect got &&
	(cd repo && git checkout -q crlf.txt)
'

test_expect_success "a whole diff with CRLF line endings (a patch saved on Windows)" '
	sed "s/\$/$(printf "\r")/" mod.patch >mod-crlf.patch &&
	expect_code 1 scan_diff mod-crlf.patch &&
	found >got &&
	test_cmp from-file got
'

test_expect_success "\\ No newline at end of file after the added token line" '
	t=$(gen_stripe) &&
	(
		cd repo &&
		printf "first\nlast" >nonl.txt &&
		printf "plain\n" >after.txt &&
		git add nonl.txt after.txt &&
		git commit -q -m nonl &&
		printf "first\nlast\nstripe %s" "$t" >nonl.txt &&
		printf "plain\nafter %s\n" "$(gen_aws)" >after.txt &&
		git diff >../nonl.patch
	) &&
	test "$(grep -c "^\\\\ No newline at end of file" nonl.patch)" -eq 2 &&
	expect_code 1 scan_diff nonl.patch &&
	json_check d.json "[[f[\"path\"], f[\"line\"], f[\"secret\"]] for f in d[\"findings\"] if f[\"path\"] == \"nonl.txt\"] == [[\"nonl.txt\", 3, \"$t\"]]" &&
	json_check d.json "[[f[\"path\"], f[\"line\"]] for f in d[\"findings\"] if f[\"path\"] == \"after.txt\"] == [[\"after.txt\", 2]]" &&
	(cd repo && git checkout -q nonl.txt after.txt)
'

test_expect_success "a deleted file with a token reports nothing" '
	(
		cd repo &&
		git rm -q other-renamed.txt &&
		git diff --cached >../deleted.patch &&
		git reset -q --hard
	) &&
	grep_q "^deleted file mode" deleted.patch &&
	grep_q "^-second " deleted.patch &&
	expect_code 0 scan_diff deleted.patch &&
	json_check d.json "d[\"findings\"] == []"
'

test_expect_success "a removed line with a token reports nothing; an added one next to it does" '
	t=$(gen_slack) &&
	(
		cd repo &&
		grep -v "^second " other-renamed.txt >tmp && mv tmp other-renamed.txt &&
		git diff >../removed.patch &&
		printf "new %s\n" "$t" >>other-renamed.txt &&
		git diff >../removed-added.patch &&
		git checkout -q other-renamed.txt
	) &&
	expect_code 0 scan_diff removed.patch &&
	json_check d.json "d[\"findings\"] == []" &&
	expect_code 1 scan_diff removed-added.patch &&
	echo "other-renamed.txt:2:$t" >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "paths with spaces, quotes and non-ASCII bytes (quoted by git)" '
	ta=$(gen_github) && tb=$(gen_aws) && tc=$(gen_stripe) &&
	(
		cd repo &&
		mkdir -p "dir with space" &&
		printf "x %s\n" "$ta" >"dir with space/my secrets.txt" &&
		printf "y %s\n" "$tb" >"say \"hi\".txt" &&
		printf "z %s\n" "$tc" >"caf$(printf "\303\251") notes.txt" &&
		git add -A &&
		git diff --cached >../quoted.patch &&
		git commit -q -m quoted
	) &&
	grep -q "^diff --git \"a/caf\\\\303\\\\251 notes.txt\"" quoted.patch &&
	grep -q "^+++ \"b/say \\\\\"hi\\\\\".txt\"" quoted.patch &&
	expect_code 1 scan_diff quoted.patch &&
	printf "%s\n" "dir with space/my secrets.txt:1:$ta" "say \"hi\".txt:1:$tb" \
		"caf$(printf "\303\251") notes.txt:1:$tc" | sort >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "a quoted path with a broken octal escape (not three digits) is read as written" '
	t=$(gen_github) &&
	{
		printf "%s\n" "diff --git \"a/x\\0-y.txt\" \"b/x\\0-y.txt\"" "--- \"a/x\\0-y.txt\"" \
			"+++ \"b/x\\0-y.txt\"" "@@ -0,0 +1 @@" &&
		printf "+t %s\n" "$t"
	} >octal.patch &&
	grep -q "^+++ \"b/x\\\\0-y.txt\"\$" octal.patch &&
	expect_code 1 scan_diff octal.patch &&
	echo "x0-y.txt:1:$t" >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "a malformed hunk header: +0,N starts at line 1, a signed or huge number is not a header" '
	t=$(gen_github) && u=$(gen_aws) && v=$(gen_stripe) &&
	{
		printf "%s\n" "diff --git a/z.txt b/z.txt" "--- a/z.txt" "+++ b/z.txt" "@@ -0,0 +0,1 @@" &&
		printf "+t %s\n" "$t" &&
		printf "%s\n" "diff --git a/y.txt b/y.txt" "--- a/y.txt" "+++ b/y.txt" "@@ -1 +0,0 @@" &&
		printf "+v %s\n" "$v" &&
		printf "%s\n" "diff --git a/w.txt b/w.txt" "--- a/w.txt" "+++ b/w.txt" "@@ -1 +-1,1 @@" &&
		printf "+u %s\n" "$u" &&
		printf "%s\n" "@@ -1 +1234567890123456,1 @@" &&
		printf "+u %s\n" "$u"
	} >badhunk.patch &&
	expect_code 1 scan_diff badhunk.patch &&
	printf "%s\n" "y.txt:1:$v" "z.txt:1:$t" >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "lines after \\ No newline at end of file (a malformed diff) keep their line numbers" '
	t=$(gen_github) && u=$(gen_aws) &&
	{
		printf "%s\n" "diff --git a/n.txt b/n.txt" "--- a/n.txt" "+++ b/n.txt" "@@ -1 +1,2 @@" " a" &&
		printf "+t %s\n" "$t" &&
		printf "%s\n" "\\ No newline at end of file" "\\ No newline at end of file" "@@ -5 +5,2 @@" "+" &&
		printf "+u %s\n" "$u"
	} >noeol.patch &&
	expect_code 1 scan_diff noeol.patch &&
	printf "%s\n" "n.txt:2:$t" "n.txt:6:$u" >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "a modified file whose path has a space (git adds a tab after the +++ name)" '
	t=$(gen_slack) &&
	(
		cd repo &&
		printf "more %s\n" "$t" >>"dir with space/my secrets.txt" &&
		git diff >../space.patch &&
		git checkout -q "dir with space/my secrets.txt"
	) &&
	expect_code 1 scan_diff space.patch &&
	echo "dir with space/my secrets.txt:2:$t" >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "plain diff -u old new: the new file name, the new lines" '
	t=$(gen_github) &&
	seq 1 30 >old.cfg &&
	{ seq 1 12 && printf "password_token %s\n" "$t" && seq 14 30; } >new.cfg &&
	{ diff -u old.cfg new.cfg >plain.patch; test $? -eq 1; } &&
	grep_q "^+++ new.cfg	" plain.patch &&
	expect_code 1 scan_diff plain.patch &&
	echo "new.cfg:13:$t" >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "diff -ru of two folders: every file, under its new path" '
	t1=$(gen_github) && t2=$(gen_aws) &&
	mkdir -p old/sub new/sub &&
	printf "a\n" >old/a.txt && printf "a\nk %s\n" "$t1" >new/a.txt &&
	printf "c\n" >old/sub/c.txt && printf "c\nk %s\n" "$t2" >new/sub/c.txt &&
	{ diff -ru old new >dirs.patch; test $? -eq 1; } &&
	expect_code 1 scan_diff dirs.patch &&
	printf "%s\n" "new/a.txt:2:$t1" "new/sub/c.txt:2:$t2" >expect &&
	found >got &&
	test_cmp expect got
'

test_expect_success "diff -ru with a binary file between two text files: both text files are scanned" '
	printf "\000x" >old/b.bin && printf "\000y" >new/b.bin &&
	{ diff -ru old new >dirs-bin.patch; test $? -eq 1; } &&
	grep_q "^Binary files old/b.bin and new/b.bin differ" dirs-bin.patch &&
	expect_code 1 scan_diff dirs-bin.patch &&
	found >got &&
	test_cmp expect got
'

test_expect_success "git diff with a binary file between two text files" '
	t1=$(gen_github) && t2=$(gen_aws) &&
	(
		cd repo &&
		printf "\000one" >a-bin.dat &&
		git add a-bin.dat &&
		git commit -q -m bin
	) &&
	(
		cd repo &&
		printf "k %s\n" "$t1" >aa.txt &&
		printf "\000two %s" "$(gen_stripe)" >a-bin.dat &&
		printf "k %s\n" "$t2" >zz.txt &&
		git add aa.txt a-bin.dat zz.txt &&
		git diff --cached >../gitbin.patch &&
		git diff --cached --binary >../gitbin-binary.patch &&
		git reset -q --hard
	) &&
	grep_q "^Binary files a/a-bin.dat and b/a-bin.dat differ" gitbin.patch &&
	grep_q "^GIT binary patch" gitbin-binary.patch &&
	printf "%s\n" "aa.txt:1:$t1" "zz.txt:1:$t2" >expect &&
	expect_code 1 scan_diff gitbin.patch &&
	found >got && test_cmp expect got &&
	expect_code 1 scan_diff gitbin-binary.patch &&
	found >got && test_cmp expect got
'

test_expect_success "a private key added in a diff: found, spanning its lines" '
	gen_rsa_key 4 >key.pem &&
	(
		cd repo &&
		{ echo "# key" && cat ../key.pem; } >deploy.pem &&
		git add deploy.pem &&
		git diff --cached >../key.patch &&
		git reset -q --hard
	) &&
	expect_code 1 scan_diff key.patch &&
	json_check d.json "[[f[\"rule_id\"], f[\"path\"], f[\"line\"], f[\"end_line\"]] for f in d[\"findings\"]] == [[\"private-key-rsa\", \"deploy.pem\", 2, 7]]"
'

test_expect_success "exit codes: 0 for an empty or clean diff, 2 for a missing file" '
	: >empty.patch &&
	expect_code 0 scan_diff empty.patch &&
	expect_code 0 scan_diff pure-rename.patch &&
	expect_code 2 "$HUSH" scan -q --diff no-such.patch >out 2>err &&
	grep_q "no-such.patch" err &&
	expect_code 2 "$HUSH" scan -q --diff a.patch b.patch >out 2>err
'

test_done
