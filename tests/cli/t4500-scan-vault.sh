#!/bin/sh
# t4500-scan-vault: hush scan --vault ENV finds an environment's decrypted values as exact strings in files, in
# history and in staged changes, whatever their format; reports name the secret and show none of its value.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_PROD HUSH_PRIVATE_KEY_DEV HUSH_NOW
KEYS="$HOME/.config/hush/keys"
# a value no rule knows, with words the placeholder filter would drop ("changeme", "example")
PW="Pw-$(rand_alnum 12)-changeme-example"
TOK="t$(rand_alnum 30)"

git init -q repo &&
git -C repo config user.email dev@example.invalid &&
git -C repo config user.name Dev
in_dir repo "$HUSH" vault init prod >/dev/null &&
in_dir repo "$HUSH" vault init dev >/dev/null &&
printf '%s' "$PW" | in_dir repo "$HUSH" vault set prod DB_PASSWORD &&
printf 'abc' | in_dir repo "$HUSH" vault set prod SHORT &&
printf '%s' "$TOK" | in_dir repo "$HUSH" vault set dev API_TOKEN

test_expect_success "without --vault, a value no rule knows is not found" '
	printf "db:\n  password: %s\n" "$PW" >repo/app.yml &&
	in_dir repo "$HUSH" scan --no-config . >out 2>err &&
	grep_q "0 findings" err
'

test_expect_success "--vault finds it: rule vault-ENV-NAME, path:line:col, none of the value shown" '
	expect_code 1 in_dir repo "$HUSH" scan --no-config --vault prod . >out 2>err &&
	grep_q "^app.yml:2:13: vault-prod-DB_PASSWORD \[high\] …  (the value of DB_PASSWORD in vault environment prod" out &&
	grep_none "$PW" out err &&
	grep_none "${PW%????????????????}" out err &&
	grep_q "the value of SHORT is shorter than 6 bytes: not searched" err
'

test_expect_success "JSON names the rule and redacts; --show-secrets shows the value on request" '
	expect_code 1 in_dir repo "$HUSH" scan --no-config --vault prod -f json . >out.json 2>err &&
	grep_q "\"rule_id\": *\"vault-prod-DB_PASSWORD\"" out.json &&
	grep_none "$PW" out.json err &&
	expect_code 1 in_dir repo "$HUSH" scan --no-config --vault prod --show-secrets -f jsonl . >out 2>err &&
	grep_q "\"secret\":\"$PW\"" out
'

test_expect_success "the vault files themselves are never reported" '
	rm repo/app.yml &&
	in_dir repo "$HUSH" scan --no-config --vault prod --vault dev . >out 2>err &&
	grep_q "0 findings" err
'

test_expect_success "several environments at once, in history: the commit that leaked each value" '
	printf "token %s\n" "$TOK" >repo/notes.txt &&
	git -C repo add notes.txt && git -C repo commit -q -m "notes" &&
	printf "pw=%s\n" "$PW" >repo/env.sh &&
	git -C repo add env.sh && git -C repo commit -q -m "env" &&
	git -C repo rm -q env.sh notes.txt && git -C repo commit -q -m "remove" &&
	expect_code 1 in_dir repo "$HUSH" scan --no-config --history --vault prod --vault dev . >out 2>err &&
	grep_q "^env.sh:1:4: vault-prod-DB_PASSWORD " out &&
	grep_q "^notes.txt:1:7: vault-dev-API_TOKEN " out &&
	grep_none "$PW" out err &&
	grep_none "$TOK" out err
'

test_expect_success "a value encoded by no rule is still caught in a staged change (as the pre-commit hook would)" '
	printf "x: \"%s\"\n" "$TOK" >repo/staged.yml &&
	git -C repo add staged.yml &&
	expect_code 1 in_dir repo "$HUSH" scan --no-config --staged --vault dev >out 2>err &&
	grep_q "^staged.yml:1:5: vault-dev-API_TOKEN " out &&
	git -C repo rm -q --cached staged.yml && rm repo/staged.yml
'

test_expect_success "no private key: exit 2 with a clear error, nothing scanned" '
	mv "$KEYS/prod.key" prod.key.saved &&
	expect_code 2 in_dir repo "$HUSH" scan --no-config --vault prod . >out 2>err;
	rc=$?; mv prod.key.saved "$KEYS/prod.key" && test $rc = 0 &&
	grep_q "^hush: error: --vault prod: " err &&
	test ! -s out
'

test_expect_success "an unknown environment and an invalid name are errors (exit 2)" '
	expect_code 2 in_dir repo "$HUSH" scan --vault staging . 2>err &&
	grep_q "no vault for environment .staging." err &&
	expect_code 2 in_dir repo "$HUSH" scan --vault ../x . 2>err &&
	grep_q "invalid environment name" err
'

test_expect_success "--vault-dir points at another vault folder" '
	mkdir other && cp -R repo/.hush other/vaults &&
	printf "pw: %s\n" "$PW" >repo/leak.txt &&
	expect_code 1 in_dir repo "$HUSH" scan --no-config --vault prod --vault-dir ../other/vaults leak.txt >out 2>err &&
	grep_q "^leak.txt:1:5: vault-prod-DB_PASSWORD " out &&
	rm repo/leak.txt
'

test_expect_success "the compiled-rules cache never holds a value" '
	! grep -rqa -e "$PW" -e "$TOK" "$XDG_CACHE_HOME"
'

test_done
