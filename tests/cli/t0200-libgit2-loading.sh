#!/bin/sh
# t0200-libgit2-loading: libgit2 is loaded with dlopen only when a command needs it (common/gitlib.h). The binary
# does not link it; with a libgit2 that cannot be loaded (a broken file, or a library without its functions), the
# commands that need git fail with a clear error and exit 2, never a crash, and the others work as before.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

SONAME=${HUSH_LIBGIT2_SONAME:-}
FAKE_DIR=${HUSH_FAKE_LIBGIT2_DIR:-}
unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_NOW

if [ -z "$SONAME" ]; then
	test_skip "libgit2 is loaded with dlopen" "built with -DHUSH_LIBGIT2_DLOPEN=OFF"
	test_done
fi

# no_crash ERR: no sign of a crash or of a sanitizer report in ERR
no_crash() {
	grep_none "Segmentation" "$1" && grep_none "AddressSanitizer" "$1" && grep_none "runtime error" "$1" &&
		grep_none "LeakSanitizer" "$1"
}

test_expect_success "setup: a git work tree, a plain folder with a secret, a vault; a broken libgit2" '
	git init -q repo &&
	commit_file repo README "init" "hello" &&
	(cd repo && "$HUSH" vault init stage >/dev/null && printf v1 | "$HUSH" vault set stage ONE) &&
	git -C repo add .hush &&
	git -C repo commit -q -m vault &&
	mkdir plain &&
	printf "token = %s\n" "$(gen_github)" >plain/config.txt &&
	printf "nothing here\n" >plain/clean.txt &&
	mkdir vault &&
	(cd vault && "$HUSH" vault init dev >/dev/null && printf v1 | "$HUSH" vault set dev ONE) &&
	mkdir broken &&
	printf "not a library\n" >"broken/$SONAME"
'

test_expect_success "the binary does not link libgit2" '
	if command -v readelf >/dev/null 2>&1; then
		readelf -d "$HUSH" >dyn &&
		grep_q "(NEEDED)" dyn &&
		grep_none libgit2 dyn
	fi
'

test_expect_success "a scan outside a work tree does not load libgit2, even with findings" '
	expect_code 1 env LD_LIBRARY_PATH="$PWD/broken" "$HUSH" scan plain >out 2>err &&
	grep_q "github-classic-pat" out &&
	no_crash err &&
	grep_none "libgit2" err &&
	(cd plain && expect_code 1 env LD_LIBRARY_PATH="$TRASH/broken" "$HUSH" scan - <config.txt >../out 2>../err) &&
	grep_q "github-classic-pat" out
'

test_expect_success "fingerprints outside a work tree are the same either way" '
	"$HUSH" scan --format json plain >a.json 2>/dev/null;
	env LD_LIBRARY_PATH="$PWD/broken" "$HUSH" scan --format json plain >b.json 2>/dev/null;
	json_eval a.json "[f[\"fingerprint\"] for f in d[\"findings\"]]" >expect &&
	json_eval b.json "[f[\"fingerprint\"] for f in d[\"findings\"]]" >got &&
	grep_q "[0-9a-f]\{32\}" got &&
	test_cmp expect got
'

test_expect_success "help and the vault commands that never touch git work without libgit2" '
	env LD_LIBRARY_PATH="$PWD/broken" "$HUSH" help >out 2>err &&
	test ! -s err &&
	(cd vault && env LD_LIBRARY_PATH="$TRASH/broken" "$HUSH" vault ls dev >../out 2>../err) &&
	grep_q "^ONE " out &&
	(cd vault && env LD_LIBRARY_PATH="$TRASH/broken" "$HUSH" vault get dev ONE >../out 2>../err) &&
	test "$(cat out)" = v1
'

# fails_cleanly LIBDIR WHY DIR CMD...: CMD, run in DIR with LIBDIR first on the library path, exits 2 with
# "hush: error: cannot load libgit2 (SONAME): ...WHY..." on stderr, and nothing that looks like a crash
fails_cleanly() {
	_lib=$1 _why=$2 _dir=$3
	shift 3
	(cd "$_dir" && expect_code 2 env LD_LIBRARY_PATH="$_lib" "$@" </dev/null >"$TRASH/out" 2>"$TRASH/err") &&
		grep_q "^hush: error: .*cannot load libgit2 ($SONAME): .*$_why" "$TRASH/err" &&
		no_crash "$TRASH/err"
}

for variant in broken fake; do
	if [ "$variant" = broken ]; then
		lib="$TRASH/broken" why="$SONAME"
	else
		lib=$FAKE_DIR why="it has no function 'git_"
		if [ -z "$lib" ] || [ ! -f "$lib/$SONAME" ]; then
			test_skip "git commands fail cleanly with a libgit2 that lacks its functions" "no fake library"
			continue
		fi
	fi
	test_expect_success "$variant libgit2: --version, scans in a work tree, --staged, --history fail cleanly" '
		fails_cleanly "$lib" "$why" "$TRASH" "$HUSH" --version &&
		fails_cleanly "$lib" "$why" "$TRASH/repo" "$HUSH" scan . &&
		fails_cleanly "$lib" "$why" "$TRASH/repo" "$HUSH" scan --staged &&
		fails_cleanly "$lib" "$why" "$TRASH/repo" "$HUSH" scan --history
	'
	test_expect_success "$variant libgit2: hooks and hook install fail cleanly" '
		fails_cleanly "$lib" "$why" "$TRASH/repo" "$HUSH" hook pre-commit &&
		fails_cleanly "$lib" "$why" "$TRASH/repo" "$HUSH" hook pre-push origin &&
		fails_cleanly "$lib" "$why" "$TRASH/repo" "$HUSH" hook install pre-commit &&
		test ! -e "$TRASH/repo/.git/hooks/pre-commit"
	'
	test_expect_success "$variant libgit2: vault set (user.email) and vault diff fail cleanly, the vault unchanged" '
		cp vault/.hush/dev.json before.json &&
		printf v2 >value &&
		(cd vault && expect_code 2 env LD_LIBRARY_PATH="$lib" "$HUSH" vault set dev TWO <../value 2>../err) &&
		grep_q "cannot load libgit2 ($SONAME)" err &&
		no_crash err &&
		test_cmp before.json vault/.hush/dev.json &&
		fails_cleanly "$lib" "$why" "$TRASH/repo" "$HUSH" vault diff stage HEAD
	'
done

test_done
