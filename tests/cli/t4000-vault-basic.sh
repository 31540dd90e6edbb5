#!/bin/sh
# t4000-vault-basic: hush vault init/set/get/ls/rm with real files, keys from files and variables, clear errors,
# concurrent sets, and the scanner leaving vault files alone.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_PRIVATE_KEY_PROD HUSH_NOW
KEYS="$HOME/.config/hush/keys"
VALUE="v-$(rand_alnum 24)"

git init -q repo
mkdir -p repo/src

test_expect_success "init creates the vault file and a 0600 key file, and says where the key went" '
	in_dir repo "$HUSH" vault init dev >out 2>err &&
	grep_q "$KEYS/dev.key" out &&
	test -f repo/.hush/dev.json &&
	test "$(stat -c %a "$KEYS/dev.key")" = 600 &&
	json_check repo/.hush/dev.json "d[\"hush_vault\"] == 1 and d[\"environment\"] == \"dev\" and d[\"secrets\"] == {} and len(d[\"key_id\"]) == 16" &&
	json_check "$KEYS/dev.key" "d[\"hush_key\"] == 1 and d[\"environment\"] == \"dev\""
'

test_expect_success "init refuses to overwrite an existing vault or key" '
	cp repo/.hush/dev.json before.json &&
	expect_code 2 in_dir repo "$HUSH" vault init dev 2>err &&
	grep_q "refusing to overwrite" err &&
	test_cmp before.json repo/.hush/dev.json &&
	mkdir other &&
	expect_code 2 in_dir other "$HUSH" vault init dev 2>err &&
	grep_q "refusing to overwrite the key file" err
'

test_expect_success "set reads the value from stdin (trailing newline dropped); get prints it" '
	printf "%s\n" "$VALUE" >value.txt &&
	(cd repo/src && HUSH_NOW=1700000000 "$HUSH" vault set dev DB_PASSWORD <../../value.txt) &&
	in_dir repo "$HUSH" vault get dev DB_PASSWORD >got &&
	printf "%s" "$VALUE" >expect &&
	test_cmp expect got &&
	grep_none "$VALUE" repo/.hush/dev.json
'

test_expect_success "ls shows names, update time and who, never values" '
	printf "second" | in_dir repo "$HUSH" vault set dev API_TOKEN &&
	in_dir repo "$HUSH" vault ls dev >ls.out 2>&1 &&
	grep_q "^API_TOKEN " ls.out &&
	grep_q "^DB_PASSWORD .*2023-11-14T22:13:20Z  tester@example.invalid" ls.out &&
	test "$(wc -l <ls.out)" -eq 2 &&
	grep_none "$VALUE" ls.out &&
	grep_none second ls.out
'

test_expect_success "set replaces a value and keeps its created time" '
	printf "%s-2" "$VALUE" | in_dir repo "$HUSH" vault set dev DB_PASSWORD &&
	test "$(in_dir repo "$HUSH" vault get dev DB_PASSWORD)" = "$VALUE-2" &&
	json_check repo/.hush/dev.json "d[\"secrets\"][\"DB_PASSWORD\"][\"created\"] == \"2023-11-14T22:13:20Z\" and d[\"secrets\"][\"DB_PASSWORD\"][\"updated\"] != \"2023-11-14T22:13:20Z\""
'

test_expect_success "set works with only the public key; get without a key fails clearly" '
	mv "$KEYS/dev.key" dev.key.saved &&
	printf "pub-only" | in_dir repo "$HUSH" vault set dev PUBLIC_ONLY &&
	expect_code 2 in_dir repo "$HUSH" vault get dev PUBLIC_ONLY >out 2>err &&
	grep_q "no private key for environment .dev.: set HUSH_PRIVATE_KEY_DEV or create the key file" err &&
	test ! -s out &&
	mv dev.key.saved "$KEYS/dev.key" &&
	test "$(in_dir repo "$HUSH" vault get dev PUBLIC_ONLY)" = pub-only
'

test_expect_success "the key comes from HUSH_PRIVATE_KEY_<ENV> first" '
	sk=$(json_eval "$KEYS/dev.key" "d[\"secret_key\"]") &&
	mv "$KEYS/dev.key" dev.key.saved &&
	test "$(cd repo && HUSH_PRIVATE_KEY_DEV=$sk "$HUSH" vault get dev PUBLIC_ONLY)" = pub-only &&
	mv dev.key.saved "$KEYS/dev.key"
'

test_expect_success "a group- or world-readable key file is refused with the fix" '
	chmod 644 "$KEYS/dev.key" &&
	expect_code 2 in_dir repo "$HUSH" vault get dev DB_PASSWORD >out 2>err &&
	chmod 600 "$KEYS/dev.key" &&
	grep_q "refusing the key file .$KEYS/dev.key." err &&
	grep_q "chmod 600 $KEYS/dev.key" err &&
	test ! -s out
'

test_expect_success "the key of another environment is a wrong key, with a distinct error" '
	mkdir -p keyswap &&
	in_dir repo "$HUSH" vault init prod >/dev/null &&
	cp "$KEYS/dev.key" keyswap/dev.key &&
	python3 -c "import json,sys; p=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2])); d[\"secret_key\"]=p[\"secret_key\"]; d[\"key_id\"]=p[\"key_id\"]; json.dump(d, open(sys.argv[2], \"w\"))" "$KEYS/prod.key" "$KEYS/dev.key" &&
	expect_code 2 in_dir repo "$HUSH" vault get dev DB_PASSWORD >out 2>err;
	rc=$?;
	cp keyswap/dev.key "$KEYS/dev.key" && chmod 600 "$KEYS/dev.key" &&
	test $rc -eq 0 &&
	grep_q "wrong key for environment .dev." err &&
	test ! -s out
'

test_expect_success "a ciphertext moved to another name fails to decrypt, naming the entry" '
	cp repo/.hush/dev.json saved.json &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s=d[\"secrets\"]; s[\"MOVED\"]=s[\"DB_PASSWORD\"]; json.dump(d, open(sys.argv[1], \"w\"), indent=2, sort_keys=True)" repo/.hush/dev.json &&
	expect_code 2 in_dir repo "$HUSH" vault get dev MOVED >out 2>err &&
	grep_q "cannot decrypt .MOVED. in environment .dev." err &&
	test ! -s out &&
	grep_none "$VALUE" err out &&
	cp saved.json repo/.hush/dev.json
'

test_expect_success "no error message carries the value" '
	printf "%s" "$VALUE" | expect_code 2 in_dir repo "$HUSH" vault set dev "BAD-NAME" 2>err1 &&
	printf "%s" "$VALUE" | expect_code 2 in_dir repo "$HUSH" vault set nope X 2>err2 &&
	expect_code 2 in_dir repo "$HUSH" vault set dev X "$VALUE" 2>err3 </dev/null &&
	grep_q "never from the command line" err3 &&
	grep_none "$VALUE" err1 err2 ls.out
'

test_expect_success "rm removes a value; rm of a missing name fails" '
	in_dir repo "$HUSH" vault rm dev API_TOKEN &&
	in_dir repo "$HUSH" vault ls dev >ls.out &&
	! grep -q API_TOKEN ls.out &&
	expect_code 2 in_dir repo "$HUSH" vault rm dev API_TOKEN 2>err &&
	grep_q "no secret .API_TOKEN. in environment .dev." err
'

test_expect_success "two concurrent sets both land" '
	i=0 &&
	while [ $i -lt 8 ]; do
		(printf "a$i" | in_dir repo "$HUSH" vault set dev CONC_A_$i) &
		(printf "b$i" | in_dir repo "$HUSH" vault set dev CONC_B_$i) &
		wait &&
		i=$((i + 1)) || return 1
	done &&
	i=0 &&
	while [ $i -lt 8 ]; do
		test "$(in_dir repo "$HUSH" vault get dev CONC_A_$i)" = "a$i" &&
		test "$(in_dir repo "$HUSH" vault get dev CONC_B_$i)" = "b$i" &&
		i=$((i + 1)) || return 1
	done
'

test_expect_success "the vault files pass hush scan with no findings" '
	gen_aws >aws.txt &&
	for i in 1 2 3; do gen_github | in_dir repo "$HUSH" vault set dev "TOKEN_$i" || return 1; done &&
	in_dir repo "$HUSH" scan --no-config . >out 2>&1 &&
	git -C repo add -A &&
	in_dir repo "$HUSH" scan --staged >out 2>&1 &&
	git -C repo commit -q --no-verify -m vault &&
	in_dir repo "$HUSH" scan --history >out 2>&1
'

test_expect_success "a secret pasted into a vault file by hand is still found" '
	cp repo/.hush/dev.json saved.json &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d[\"note\"]=open(sys.argv[2]).read(); json.dump(d, open(sys.argv[1], \"w\"), indent=2, sort_keys=True)" repo/.hush/dev.json aws.txt &&
	expect_code 1 in_dir repo "$HUSH" scan --no-config .hush >out 2>&1 &&
	cp saved.json repo/.hush/dev.json &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d[\"secrets\"][\"X\"]={\"ciphertext\": open(sys.argv[2]).read()}; json.dump(d, open(sys.argv[1], \"w\"), indent=2, sort_keys=True)" repo/.hush/dev.json aws.txt &&
	expect_code 0 in_dir repo "$HUSH" scan --no-config .hush >out 2>&1 &&
	mkdir -p notvault && cp repo/.hush/dev.json notvault/dev.json &&
	expect_code 1 "$HUSH" scan --no-config notvault >out 2>&1 &&
	cp saved.json repo/.hush/dev.json
'

test_expect_success "a truncated vault file: a clear error and exit 2" '
	cp repo/.hush/dev.json saved.json &&
	head -c 200 saved.json >repo/.hush/dev.json &&
	expect_code 2 in_dir repo "$HUSH" vault ls dev 2>err &&
	grep_q "invalid vault .*dev.json.: line [0-9]* column [0-9]*" err &&
	printf x | expect_code 2 in_dir repo "$HUSH" vault set dev Y 2>err &&
	grep_q "invalid vault" err &&
	cp saved.json repo/.hush/dev.json
'

test_expect_success "unknown version, environment mismatch and a missing file each have their own error" '
	cp repo/.hush/dev.json saved.json &&
	sed "s/\"hush_vault\": 1/\"hush_vault\": 9/" saved.json >repo/.hush/dev.json &&
	expect_code 2 in_dir repo "$HUSH" vault ls dev 2>err &&
	grep_q "unsupported vault format version 9" err &&
	cp repo/.hush/prod.json repo/.hush/dev.json &&
	expect_code 2 in_dir repo "$HUSH" vault ls dev 2>err &&
	grep_q "environment mismatch: .*holds environment .prod., not .dev." err &&
	cp saved.json repo/.hush/dev.json &&
	expect_code 2 in_dir repo "$HUSH" vault ls staging 2>err &&
	grep_q "no vault for environment .staging." err
'

test_expect_success "--dir selects another folder" '
	in_dir repo "$HUSH" vault init ci --dir "$TRASH/elsewhere" >/dev/null &&
	test -f elsewhere/ci.json &&
	printf v | "$HUSH" vault set ci K --dir elsewhere &&
	test "$("$HUSH" vault get ci K --dir elsewhere)" = v
'

test_done
