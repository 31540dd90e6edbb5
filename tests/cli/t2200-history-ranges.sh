#!/bin/sh
# t2200-history-ranges: revisions as git reads them (A..B, ^X Y, several at once, A...B), --branch and
# --since-commit: each case must report exactly the secrets planted in the commits in scope, each at the commit
# that introduced it within the scope.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

# The history: one token per commit, in a new file named after the commit; each commit is tagged with its name.
#
#   m1 - m2 - m3 - m4 - m5 - m6     main
#              \
#               s1 - s2             side
#
# m2 deletes m1.txt; m5 restores it unchanged (the same blob), so the token of m1 is introduced again by m5.

# found REVISION-ARGS...: hush scan --history repo REVISION-ARGS; print "TOKEN-NAME@COMMIT-NAME" per finding, sorted
found() {
	"$HUSH" scan -q --history --format json --show-secrets repo "$@" >h.json
	_rc=$?
	json_eval h.json "\"\\n\".join(\"%s %s\" % (f[\"secret\"], f[\"commit\"]) for f in d[\"findings\"])" >pairs || return 2
	: >found.out
	while read -r s c; do
		test -n "$s" || continue
		_name=$(grep " $s\$" tokens | cut -d" " -f1) &&
		_tag=$(git -C repo tag --points-at "$c") &&
		test -n "$_name" && test -n "$_tag" &&
		echo "$_name@$_tag" >>found.out || { echo "unexpected finding $s at $c" >&2; return 2; }
	done <pairs
	sort found.out
	return $_rc
}

# check "NAME@COMMIT..." REVISION-ARGS...: hush reports exactly these findings, and exits 1 (0 when none)
check() {
	_want=$1
	shift
	if [ -n "$_want" ]; then
		printf "%s\n" $_want | sort >expect
		_code=1
	else
		: >expect
		_code=0
	fi
	expect_code $_code found "$@" >got &&
	test_cmp expect got
}

# same_as_git "NAMES" REVISION-ARGS...: git rev-list REVISION-ARGS selects exactly the commits NAMES
same_as_git() {
	_want=$1
	shift
	printf "%s\n" $_want | sort >expect.git &&
	git -C repo rev-list "$@" >revs &&
	while read -r c; do
		git -C repo tag --points-at "$c"
	done <revs | sort >got.git &&
	test_cmp expect.git got.git
}

# commit_as N NAME: commit what is staged as NAME, N minutes into the day, and tag it NAME
commit_as() {
	_d="2023-01-01T00:$(printf %02d "$1"):00Z"
	GIT_AUTHOR_DATE=$_d GIT_COMMITTER_DATE=$_d git commit -q -m "$2" && git tag "$2"
}

test_expect_success "setup: a linear history of 6 commits and a side branch, one token per commit" '
	git init -q repo &&
	(
		cd repo &&
		n=1 &&
		for c in m1 m2 m3; do
			t=$(gen_github) &&
			echo "$c $t" >>../tokens &&
			printf "token = %s\n" "$t" >$c.txt &&
			if [ $c = m1 ]; then cp m1.txt ../m1.saved; fi &&
			if [ $c = m2 ]; then rm m1.txt; fi &&
			git add -A &&
			commit_as $n $c || exit 1
			n=$((n + 1))
		done &&
		git checkout -q -b side &&
		for c in s1 s2; do
			t=$(gen_aws) &&
			echo "$c $t" >>../tokens &&
			printf "aws = %s\n" "$t" >$c.txt &&
			git add $c.txt &&
			commit_as $n $c || exit 1
			n=$((n + 1))
		done &&
		git checkout -q main &&
		for c in m4 m5 m6; do
			t=$(gen_stripe) &&
			echo "$c $t" >>../tokens &&
			printf "stripe = %s\n" "$t" >$c.txt &&
			if [ $c = m5 ]; then cp ../m1.saved m1.txt; fi &&
			git add -A &&
			commit_as $n $c || exit 1
			n=$((n + 1))
		done &&
		test "$(git rev-list --count main)" -eq 6 &&
		test "$(git rev-list --count side)" -eq 5 &&
		test "$(git rev-parse m1:m1.txt)" = "$(git rev-parse m5:m1.txt)" &&
		! git cat-file -e m4:m1.txt 2>/dev/null
	) &&
	test "$(wc -l <tokens)" -eq 8
'

test_expect_success "no revision: every ref; the token of m1 at m1" '
	check "m1@m1 m2@m2 m3@m3 m4@m4 m5@m5 m6@m6 s1@s1 s2@s2"
'

test_expect_success "A..B: m2..m4" '
	same_as_git "m3 m4" m2..m4 &&
	check "m3@m3 m4@m4" m2..m4
'

test_expect_success "A..B with a blob the range re-introduces: m3..m6 (m1.txt restored by m5)" '
	same_as_git "m4 m5 m6" m3..m6 &&
	check "m4@m4 m5@m5 m6@m6 m1@m5" m3..m6
'

test_expect_success "A..B with relative names: main~2..main" '
	check "m5@m5 m6@m6 m1@m5" main~2..main
'

test_expect_success "A..B across branches: main..side (only the side branch) and side..main" '
	same_as_git "s1 s2" main..side &&
	check "s1@s1 s2@s2" main..side &&
	same_as_git "m4 m5 m6" side..main &&
	check "m4@m4 m5@m5 m6@m6 m1@m5" side..main
'

test_expect_success "A.. (B defaults to HEAD): m4.." '
	check "m5@m5 m6@m6 m1@m5" m4..
'

test_expect_success "^X Y: ^m2 m4, and Y ^X" '
	same_as_git "m3 m4" ^m2 m4 &&
	check "m3@m3 m4@m4" ^m2 m4 &&
	check "m3@m3 m4@m4" m4 ^m2
'

test_expect_success "^X with two positives: ^m3 m5 side" '
	same_as_git "m4 m5 s1 s2" ^m3 m5 side &&
	check "m4@m4 m5@m5 m1@m5 s1@s1 s2@s2" ^m3 m5 side
'

test_expect_success "several ranges at once, as git reads them (all exclusions apply to all tips)" '
	same_as_git "m5" m1..m2 m4..m5 &&
	check "m5@m5 m1@m5" m1..m2 m4..m5 &&
	same_as_git "m5 s2" m4..m5 s1..s2 &&
	check "m5@m5 m1@m5 s2@s2" m4..m5 s1..s2
'

test_expect_success "several single revisions: m2 s1 (everything up to either)" '
	same_as_git "m1 m2 m3 s1" m2 s1 &&
	check "m1@m1 m2@m2 m3@m3 s1@s1" m2 s1
'

test_expect_success "a single revision: m3 (it and its ancestors)" '
	check "m1@m1 m2@m2 m3@m3" m3
'

test_expect_success "A...B: the symmetric difference main...side" '
	same_as_git "m4 m5 m6 s1 s2" main...side &&
	check "m4@m4 m5@m5 m6@m6 m1@m5 s1@s1 s2@s2" main...side &&
	check "m4@m4 m5@m5 m6@m6 m1@m5 s1@s1 s2@s2" side...main
'

test_expect_success "A...B where A is an ancestor of B: m2...m4" '
	same_as_git "m3 m4" m2...m4 &&
	check "m3@m3 m4@m4" m2...m4
'

test_expect_success "an empty range reports nothing and exits 0" '
	check "" m4..m2 &&
	check "" main..main
'

test_expect_success "--branch NAME: only commits reachable from it" '
	check "m1@m1 m2@m2 m3@m3 s1@s1 s2@s2" --branch side &&
	check "m1@m1 m2@m2 m3@m3 m4@m4 m5@m5 m6@m6" --branch main
'

test_expect_success "--branch is repeatable" '
	check "m1@m1 m2@m2 m3@m3 m4@m4 m5@m5 m6@m6 s1@s1 s2@s2" --branch side --branch main
'

test_expect_success "--since-commit REV leaves out REV and its ancestors, from every ref" '
	same_as_git "m5 m6 s1 s2" --all ^m4 &&
	check "m5@m5 m6@m6 m1@m5 s1@s1 s2@s2" --since-commit m4 &&
	check "s1@s1 s2@s2 m4@m4 m5@m5 m6@m6 m1@m5" --since-commit m3 &&
	check "" --since-commit m6 --since-commit s2
'

test_expect_success "--since-commit with --branch" '
	check "m5@m5 m6@m6 m1@m5" --branch main --since-commit m4 &&
	check "s2@s2" --branch side --since-commit s1
'

test_expect_success "--since-commit with a full commit id, and ^X alone means every ref but X" '
	check "m5@m5 m6@m6 m1@m5 s1@s1 s2@s2" --since-commit "$(git -C repo rev-parse m4)" &&
	check "m5@m5 m6@m6 m1@m5 s1@s1 s2@s2" ^m4
'

test_expect_success "the JSON summary counts the commits in scope" '
	expect_code 1 found m2..m4 >/dev/null &&
	json_check h.json "d[\"summary\"][\"commits\"] == 2" &&
	expect_code 1 found main...side >/dev/null &&
	json_check h.json "d[\"summary\"][\"commits\"] == 5" &&
	expect_code 1 found --since-commit m4 >/dev/null &&
	json_check h.json "d[\"summary\"][\"commits\"] == 4"
'

test_expect_success "--all-occurrences stays within the range" '
	expect_code 1 "$HUSH" scan -q --history --all-occurrences --format json repo m4..m6 >occ.json &&
	json_eval occ.json "sorted(set(o[\"commit\"] for f in d[\"findings\"] for o in f[\"occurrences\"]))" >got &&
	python3 -c "import json,sys; print(json.dumps(sorted(sys.argv[1:])))" \
		$(git -C repo rev-parse m5 m6) >expect &&
	test_cmp expect got
'

test_expect_success "unknown revisions and ranges are errors (exit 2)" '
	expect_code 2 "$HUSH" scan -q --history repo m2..nope >out 2>err &&
	grep_q "nope" err &&
	expect_code 2 "$HUSH" scan -q --history repo ^nope >out 2>err &&
	grep_q "nope" err &&
	expect_code 2 "$HUSH" scan -q --history --branch nope repo >out 2>err &&
	expect_code 2 "$HUSH" scan -q --history --since-commit nope repo >out 2>err
'

test_done
