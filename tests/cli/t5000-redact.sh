#!/bin/sh
# t5000-redact: hush redact as a stdin-to-stdout filter: values of a real vault environment (-e), of variables
# (--from-env), rule findings (--rules), raw and encoded; --mask; warnings for short values (names only); exit
# codes; binary pass-through; output that goes out before the input ends; and no fixture value in any output.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_PROD HUSH_PRIVATE_KEY_STAGE HUSH_KEY_PASSPHRASE_STAGE HUSH_NOW
DB="db-$(rand_alnum 12)/p@ss w:rd+$(rand_alnum 6)"
API="api-$(rand_alnum 28)"
FROM="from-env-$(rand_alnum 20)"
STAGED="stage-$(rand_alnum 20)"
PIN=4711
export DB API FROM STAGED

git init -q repo
in_dir repo "$HUSH" vault init prod >/dev/null &&
printf '%s' "$DB" | in_dir repo "$HUSH" vault set prod DB_PASSWORD &&
printf '%s' "$API" | in_dir repo "$HUSH" vault set prod API_TOKEN &&
printf '%s' "$PIN" | in_dir repo "$HUSH" vault set prod PIN

# every form of $1 (a variable name) that the redactor must catch, one per line, with text around each
encoded_forms() {
	python3 - "$1" <<'PYEOF'
import base64, binascii, json, os, re, sys, urllib.parse
v = os.environ[sys.argv[1]]
b = v.encode()
forms = [
    v,
    base64.b64encode(b).decode(),
    base64.urlsafe_b64encode(b).decode().rstrip("="),
    base64.b64encode(b"user:" + b).decode(),
    base64.b64encode(b + b"\n").decode(),
    urllib.parse.quote(v, safe=""),
    re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(v, safe="")),
    urllib.parse.quote_plus(v),
    json.dumps(v)[1:-1],
    json.dumps(v).replace("/", "\\/")[1:-1],
    binascii.hexlify(b).decode(),
    binascii.hexlify(b).decode().upper(),
]
for i, f in enumerate(forms):
    print("line %d: <%s> done" % (i, f))
PYEOF
}

test_expect_success "-e ENV masks every value of the environment, raw and encoded; exit 0" '
	encoded_forms DB >in.txt && encoded_forms API >>in.txt &&
	in_dir repo "$HUSH" redact -e prod <in.txt >out 2>err &&
	test "$(grep -c "^line [0-9]*: <[A-Za-z0-9+/=_-]*\[hush:DB_PASSWORD\][A-Za-z0-9+/=_-]*> done$" out)" -eq 12 &&
	test "$(grep -c "^line [0-9]*: <[A-Za-z0-9+/=_-]*\[hush:API_TOKEN\][A-Za-z0-9+/=_-]*> done$" out)" -eq 12 &&
	test "$(wc -l <out)" -eq 24 &&
	grep_none "$DB" out err && grep_none "$API" out err
'

test_expect_success "a value shorter than 6 bytes: a warning that names it, never its value; it passes" '
	printf "pin is %s\n" "$PIN" >pin.txt &&
	in_dir repo "$HUSH" redact -e prod <pin.txt >out 2>err &&
	grep_q "warning: .PIN. of environment .prod. is shorter than 6 bytes: it is not redacted" err &&
	grep_none "$PIN" err &&
	test_cmp pin.txt out
'

test_expect_success "--from-env VAR masks the value of the variable under its name; short ones warn" '
	encoded_forms FROM >from.txt &&
	SHORTVAR=abc "$HUSH" redact --from-env FROM --from-env SHORTVAR <from.txt >out 2>err &&
	test "$(grep -c "\[hush:FROM\]" out)" -eq 12 &&
	grep_q "warning: .SHORTVAR. is shorter than 6 bytes" err &&
	grep_none "$FROM" out err
'

test_expect_success "-e and --from-env together, --dir for another vault folder" '
	in_dir repo "$HUSH" vault init stage --dir "$TRASH/vaults" >/dev/null &&
	printf "%s" "$STAGED" | "$HUSH" vault set stage STAGED_VALUE --dir vaults &&
	printf "a %s b %s c %s\n" "$STAGED" "$FROM" "$DB" >mix.txt &&
	expect_code 2 in_dir repo "$HUSH" redact -e prod -e stage --dir "$TRASH/vaults" <mix.txt >out 2>err &&
	grep_q "no vault for environment .prod." err && test ! -s out &&
	in_dir repo "$HUSH" redact -e stage --dir "$TRASH/vaults" --from-env FROM <mix.txt >out 2>err &&
	in_dir repo "$HUSH" redact -e prod <out >out2 2>err2 &&
	printf "a [hush:STAGED_VALUE] b [hush:FROM] c [hush:DB_PASSWORD]\n" >expect &&
	test_cmp expect out2 &&
	grep_none "$STAGED" out out2 err err2
'

test_expect_success "a passphrase-protected key: the passphrase from HUSH_KEY_PASSPHRASE_<ENV>" '
	rm -rf vaults "$HOME/.config/hush/keys/stage.key" &&
	HUSH_KEY_PASSPHRASE_STAGE=pass-$$ "$HUSH" vault init stage --dir vaults --passphrase >/dev/null &&
	printf "%s" "$STAGED" | "$HUSH" vault set stage STAGED_VALUE --dir vaults &&
	printf "x %s y\n" "$STAGED" | HUSH_KEY_PASSPHRASE_STAGE=pass-$$ "$HUSH" redact -e stage --dir vaults >out 2>err &&
	printf "x [hush:STAGED_VALUE] y\n" >expect &&
	test_cmp expect out &&
	printf "x\n" | expect_code 2 env HUSH_KEY_PASSPHRASE_STAGE=wrong setsid -w "$HUSH" redact -e stage --dir vaults \
		>out 2>err &&
	grep_q "wrong passphrase" err && test ! -s out
'

test_expect_success "--rules masks what the scanner rules find (a ghp_ token), with the rule id" '
	tok=$(gen_github) &&
	printf "export GITHUB_TOKEN=%s\nsecond line\n" "$tok" >tok.txt &&
	"$HUSH" redact --rules <tok.txt >out 2>err &&
	printf "export GITHUB_TOKEN=[hush:github-classic-pat]\nsecond line\n" >expect &&
	test_cmp expect out &&
	grep_none "$tok" out err &&
	printf "%s and %s\n" "$tok" "$API" | in_dir repo "$HUSH" redact --rules -e prod >out 2>err &&
	printf "[hush:github-classic-pat] and [hush:API_TOKEN]\n" >expect &&
	test_cmp expect out
'

test_expect_success "--mask FORMAT: %n is the name, %% a percent sign" '
	printf "k=%s\n" "$FROM" | "$HUSH" redact --from-env FROM --mask "<%n 100%%>" >out &&
	printf "k=<FROM 100%%>\n" >expect &&
	test_cmp expect out &&
	printf "k=%s\n" "$FROM" | "$HUSH" redact --from-env FROM --mask "***" >out &&
	printf "k=***\n" >expect &&
	test_cmp expect out
'

test_expect_success "output without secrets passes byte for byte, binary data included" '
	head -c 3000000 /dev/urandom >bin.dat &&
	pipe_in bin.dat "$HUSH" redact --from-env FROM >out &&
	cmp bin.dat out &&
	in_dir repo "$HUSH" redact -e prod <"$HUSH" >out 2>err &&
	cmp "$HUSH" out &&
	printf "" | "$HUSH" redact --from-env FROM >out &&
	test ! -s out
'

test_expect_success "a value split across writes is masked; output before it is not held" '
	mkfifo fifo &&
	{ "$HUSH" redact --from-env FROM <fifo >out 2>err & } &&
	exec 3>fifo &&
	half=$(printf "%s" "$FROM" | cut -c1-10) &&
	rest=$(printf "%s" "$FROM" | cut -c11-) &&
	printf "first line\nkey=%s" "$half" >&3 &&
	i=0 && while [ $i -lt 100 ] && ! grep -q "^key=" out; do sleep 0.05; i=$((i + 1)); done &&
	printf "first line\nkey=" >expect &&
	test_cmp expect out &&
	printf "%s end\n" "$rest" >&3 &&
	exec 3>&- &&
	wait &&
	printf "first line\nkey=[hush:FROM] end\n" >expect &&
	test_cmp expect out
'

test_expect_success "help: hush redact --help and hush help redact" '
	"$HUSH" redact --help >h1 &&
	"$HUSH" help redact >h2 &&
	test_cmp h1 h2 &&
	grep_q "^usage: hush redact" h1 &&
	"$HUSH" help >h3 &&
	grep_q "^  redact " h3
'

test_expect_success "errors exit 2 with a message" '
	expect_code 2 "$HUSH" redact </dev/null 2>err &&
	grep_q "nothing to redact" err &&
	expect_code 2 "$HUSH" redact --from-env HUSH_TEST_UNSET_VAR </dev/null 2>err &&
	grep_q "the environment variable .HUSH_TEST_UNSET_VAR. is not set" err &&
	expect_code 2 "$HUSH" redact --from-env FROM --mask "%x" </dev/null 2>err &&
	grep_q "invalid mask" err &&
	expect_code 2 "$HUSH" redact --from-env FROM extra </dev/null 2>err &&
	grep_q "unexpected argument .extra." err &&
	expect_code 2 "$HUSH" redact --bogus </dev/null 2>err &&
	expect_code 2 in_dir repo "$HUSH" redact -e nope </dev/null 2>err &&
	grep_q "no vault for environment .nope." err &&
	expect_code 2 in_dir repo "$HUSH" redact -e BAD/NAME </dev/null 2>err &&
	grep_q "invalid environment name" err &&
	mv "$HOME/.config/hush/keys/prod.key" prod.key.saved &&
	expect_code 2 in_dir repo "$HUSH" redact -e prod <in.txt >out 2>err;
	rc=$?; mv prod.key.saved "$HOME/.config/hush/keys/prod.key" && test $rc -eq 0 &&
	grep_q "no private key for environment .prod." err &&
	test ! -s out &&
	printf "x\n" | expect_code 2 "$HUSH" redact --from-env FROM >/dev/full 2>err &&
	grep_q "cannot write to standard output" err
'

test_expect_success "no fixture value appears in any output or message of this script" '
	for f in $(find . -type f \( -name "out*" -o -name "err*" -o -name "expect" -o -name "h[0-9]" \)); do
		grep_none "$DB" "$f" && grep_none "$API" "$f" && grep_none "$FROM" "$f" && grep_none "$STAGED" "$f" ||
			return 1
	done
'

test_done
