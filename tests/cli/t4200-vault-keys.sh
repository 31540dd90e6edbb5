#!/bin/sh
# t4200-vault-keys: hush vault rotate-key (values re-sealed to a new key, the old key retired, metadata kept) and
# hush vault check --max-age (secret age policy with clocks faked through HUSH_NOW); hush vault compact (every
# value re-sealed in one write session under the same key).
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME HUSH_PRIVATE_KEY_DEV HUSH_PRIVATE_KEY_PROD HUSH_PRIVATE_KEY_STAGING HUSH_NOW
KEYS="$HOME/.config/hush/keys"
V1="v1-$(rand_alnum 24)"
V2="v2-$(rand_alnum 40)"
T=1700000000
DAY=86400

git init -q repo

key_id() { json_eval repo/.hush/"$1".json "d[\"key_id\"]"; }

test_expect_success "setup: an environment with two values and known metadata" '
	in_dir repo "$HUSH" vault init prod >/dev/null &&
	printf "%s" "$V1" | (cd repo && HUSH_NOW=$T "$HUSH" vault set prod DB_PASSWORD) &&
	printf "%s" "$V2" | (cd repo && HUSH_NOW=$((T + 60)) "$HUSH" vault set prod API_TOKEN) &&
	printf "%s-new" "$V1" | (cd repo && HUSH_NOW=$((T + 120)) "$HUSH" vault set prod DB_PASSWORD) &&
	cp repo/.hush/prod.json before.json &&
	cp "$KEYS/prod.key" old.key
'

OLD_ID=$(key_id prod)

test_expect_success "rotate-key prints both key ids and never a value or key" '
	in_dir repo "$HUSH" vault rotate-key prod >out 2>err &&
	new_id=$(key_id prod) &&
	test "$new_id" != "$OLD_ID" &&
	grep_q "$OLD_ID -> $new_id" out &&
	grep_q "the old key $OLD_ID is retired" out &&
	grep_q "$KEYS/prod.key.retired-$OLD_ID" out &&
	old_sk=$(json_eval old.key "d[\"secret_key\"]") &&
	new_sk=$(json_eval "$KEYS/prod.key" "d[\"secret_key\"]") &&
	grep_none "$old_sk" out err &&
	grep_none "$new_sk" out err &&
	grep_none "$V1" out err &&
	grep_none "$V2" out err
'

test_expect_success "the new key file and the retired old key file are both 0600; the retired one is the old key" '
	test "$(stat -c %a "$KEYS/prod.key")" = 600 &&
	test "$(stat -c %a "$KEYS/prod.key.retired-$OLD_ID")" = 600 &&
	test_cmp old.key "$KEYS/prod.key.retired-$OLD_ID" &&
	! cmp -s old.key "$KEYS/prod.key" &&
	json_check "$KEYS/prod.key" "d[\"key_id\"] == \"$(key_id prod)\""
'

test_expect_success "values still decrypt, with the new key" '
	test "$(in_dir repo "$HUSH" vault get prod DB_PASSWORD)" = "$V1-new" &&
	test "$(in_dir repo "$HUSH" vault get prod API_TOKEN)" = "$V2" &&
	sk=$(json_eval "$KEYS/prod.key" "d[\"secret_key\"]") &&
	test "$(cd repo && HUSH_PRIVATE_KEY_PROD=$sk "$HUSH" vault get prod API_TOKEN)" = "$V2"
'

test_expect_success "the retired key no longer opens the vault, with a clear error" '
	old_sk=$(json_eval old.key "d[\"secret_key\"]") &&
	(cd repo && HUSH_PRIVATE_KEY_PROD=$old_sk expect_code 2 "$HUSH" vault get prod API_TOKEN) >out 2>err &&
	grep_q "wrong key for environment .prod.: the variable HUSH_PRIVATE_KEY_PROD has key id $OLD_ID, the vault needs $(key_id prod)" err &&
	test ! -s out
'

test_expect_success "every ciphertext changed; names, created, updated and updated_by are kept" '
	python3 - before.json repo/.hush/prod.json <<-\EOF
	import json, sys
	a = json.load(open(sys.argv[1]))["secrets"]
	b = json.load(open(sys.argv[2]))["secrets"]
	assert sorted(a) == sorted(b), (sorted(a), sorted(b))
	for n in a:
	    assert a[n]["ciphertext"] != b[n]["ciphertext"], n
	    for k in ("created", "updated", "updated_by"):
	        assert a[n].get(k) == b[n].get(k), (n, k, a[n].get(k), b[n].get(k))
	assert b["DB_PASSWORD"]["created"] == "2023-11-14T22:13:20Z", b
	assert b["DB_PASSWORD"]["updated"] == "2023-11-14T22:15:20Z", b
	assert b["DB_PASSWORD"]["updated_by"] == "tester@example.invalid", b
	EOF
'

test_expect_success "rotate-key with the key from HUSH_PRIVATE_KEY_PROD says the CI variable must change" '
	prev_id=$(key_id prod) &&
	cp "$KEYS/prod.key" prev.key &&
	sk=$(json_eval prev.key "d[\"secret_key\"]") &&
	mv "$KEYS/prod.key" var-only.key &&
	(cd repo && HUSH_PRIVATE_KEY_PROD=$sk "$HUSH" vault rotate-key prod) >out 2>err &&
	grep_q "HUSH_PRIVATE_KEY_PROD, which still holds the retired key: update that CI variable" out &&
	grep_q "$KEYS/prod.key" out &&
	grep_none "$sk" out err &&
	new_sk=$(json_eval "$KEYS/prod.key" "d[\"secret_key\"]") &&
	grep_none "$new_sk" out err &&
	test "$(stat -c %a "$KEYS/prod.key.retired-$prev_id")" = 600 &&
	json_check "$KEYS/prod.key.retired-$prev_id" "d[\"secret_key\"] == \"$sk\"" &&
	test "$(in_dir repo "$HUSH" vault get prod API_TOKEN)" = "$V2"
'

test_expect_success "rotate-key without the private key fails and changes nothing" '
	cp repo/.hush/prod.json before2.json &&
	mv "$KEYS/prod.key" away.key &&
	expect_code 2 in_dir repo "$HUSH" vault rotate-key prod 2>err &&
	grep_q "no private key for environment .prod." err &&
	test_cmp before2.json repo/.hush/prod.json &&
	test ! -e "$KEYS/prod.key" &&
	mv away.key "$KEYS/prod.key"
'

test_expect_success "rotate-key refuses a key file that is not the vault's key, and changes nothing" '
	cp repo/.hush/prod.json before3.json &&
	cp "$KEYS/prod.key" good.key &&
	sk=$(json_eval good.key "d[\"secret_key\"]") &&
	cp "$KEYS/prod.key.retired-$OLD_ID" "$KEYS/prod.key" &&
	chmod 600 "$KEYS/prod.key" &&
	(cd repo && HUSH_PRIVATE_KEY_PROD=$sk expect_code 2 "$HUSH" vault rotate-key prod) 2>err &&
	grep_q "does not hold the current key" err &&
	test_cmp before3.json repo/.hush/prod.json &&
	cp good.key "$KEYS/prod.key"
'

test_expect_success "rotate-key usage errors exit 2" '
	expect_code 2 in_dir repo "$HUSH" vault rotate-key 2>err &&
	expect_code 2 in_dir repo "$HUSH" vault rotate-key prod extra 2>err &&
	expect_code 2 in_dir repo "$HUSH" vault rotate-key Bad.Env 2>err &&
	expect_code 2 in_dir repo "$HUSH" vault rotate-key nosuch 2>err &&
	grep_q "no vault for environment .nosuch." err
'

test_expect_success "rotate-key of an empty environment works" '
	in_dir repo "$HUSH" vault init empty >/dev/null &&
	id0=$(key_id empty) &&
	in_dir repo "$HUSH" vault rotate-key empty >out &&
	test "$(key_id empty)" != "$id0" &&
	test -f "$KEYS/empty.key.retired-$id0" &&
	rm repo/.hush/empty.json
'

# ---- check: its own vault folder, environments live, stage and devel ----

P=pol
vset() { # vset ENV NAME TIME
	printf x | HUSH_NOW=$3 "$HUSH" vault set "$1" "$2" --dir $P
}

test_expect_success "check setup: values set at T, T+10d and T+30d in three environments" '
	for e in live stage devel; do "$HUSH" vault init $e --dir $P >/dev/null || return 1; done &&
	vset live OLD_ONE $T && vset live OLD_TWO $T && vset live NEWER $((T + 10 * DAY)) &&
	vset stage STAGE_OLD $T &&
	vset devel DEV_FRESH $((T + 30 * DAY))
'

test_expect_success "check needs no key; within 90 days (T+89d) exits 0" '
	mv "$KEYS" keys.away &&
	HUSH_NOW=$((T + 89 * DAY)) "$HUSH" vault check --dir $P live >out 2>err;
	rc=$?; mv keys.away "$KEYS"; test $rc -eq 0 &&
	test ! -s out &&
	grep_q "all 3 secrets updated within 90d" err
'

test_expect_success "check at T+91d exits 1 and lists the old names and ages, never values" '
	HUSH_NOW=$((T + 91 * DAY)) expect_code 1 "$HUSH" vault check --dir $P live >out 2>err &&
	grep_q "^live	OLD_ONE	updated 2023-11-14T22:13:20Z	91 days old (max 90d)" out &&
	grep_q "^live	OLD_TWO	" out &&
	test "$(wc -l <out)" -eq 2 &&
	grep_q "2 of 3 secrets are older than 90d" err &&
	HUSH_NOW=$((T + 101 * DAY)) expect_code 1 "$HUSH" vault check --dir $P live >out &&
	test "$(wc -l <out)" -eq 3
'

test_expect_success "check --max-age in weeks and hours" '
	HUSH_NOW=$((T + 91 * DAY)) expect_code 0 "$HUSH" vault check --dir $P live --max-age 14w >out 2>err &&
	test ! -s out &&
	HUSH_NOW=$((T + 91 * DAY)) expect_code 1 "$HUSH" vault check --dir $P live --max-age 12w >out 2>err &&
	test "$(wc -l <out)" -eq 2 &&
	HUSH_NOW=$((T + 36 * 3600)) expect_code 0 "$HUSH" vault check --dir $P live --max-age=36h >out 2>err &&
	HUSH_NOW=$((T + 37 * 3600)) expect_code 1 "$HUSH" vault check --dir $P live --max-age=36h >out 2>err &&
	grep_q "^live	OLD_ONE	.*37 hours old (max 36h)" out
'

test_expect_success "check with an invalid --max-age exits 2" '
	for bad in 90 90x d 0d -5d 9.5d 90dd 1y ""; do
		expect_code 2 "$HUSH" vault check --dir $P live --max-age "$bad" 2>err || return 1
		grep_q "invalid --max-age" err || return 1
	done &&
	expect_code 2 "$HUSH" vault check --dir $P live --max-age 2>err &&
	grep_q "needs a value" err &&
	expect_code 2 "$HUSH" vault check --dir $P live --bogus 2>err &&
	expect_code 2 "$HUSH" vault check --dir $P live stage 2>err
'

test_expect_success "check without ENV covers every environment in the folder" '
	HUSH_NOW=$((T + 91 * DAY)) expect_code 1 "$HUSH" vault check --dir $P >out 2>err &&
	grep_q "^live	OLD_ONE	" out &&
	grep_q "^live	OLD_TWO	" out &&
	grep_q "^stage	STAGE_OLD	" out &&
	test "$(wc -l <out)" -eq 3 &&
	grep_q "3 of 5 secrets are older than 90d" err &&
	HUSH_NOW=$((T + 150 * DAY)) expect_code 1 "$HUSH" vault check --dir $P --max-age 18w >out 2>err &&
	test "$(wc -l <out)" -eq 4 &&
	grep_q "^live	NEWER	.*140 days old (max 18w)" out &&
	! grep -q DEV_FRESH out &&
	HUSH_NOW=$((T + 150 * DAY)) expect_code 1 "$HUSH" vault check --dir $P --max-age 17w >out 2>err &&
	grep_q "^devel	DEV_FRESH	.*120 days old (max 17w)" out &&
	HUSH_NOW=$((T + 5 * DAY)) expect_code 0 "$HUSH" vault check --dir $P >out 2>err &&
	test ! -s out
'

test_expect_success "check from the repository uses .hush; errors exit 2: no such environment, a broken vault, no folder" '
	HUSH_NOW=$((T + 10000 * DAY)) expect_code 1 in_dir repo "$HUSH" vault check >out 2>err &&
	grep_q "^prod	API_TOKEN	" out &&
	expect_code 2 "$HUSH" vault check --dir $P nosuch 2>err &&
	grep_q "no vault for environment .nosuch." err &&
	cp -r $P broken && echo "{" >broken/zz.json &&
	expect_code 2 "$HUSH" vault check --dir broken 2>err &&
	grep_q "invalid vault .broken/zz.json." err &&
	expect_code 2 "$HUSH" vault check --dir no-such-dir 2>err &&
	grep_q "cannot read the vault folder" err
'

# distinct ephemeral public keys (the first 32 bytes of each ciphertext) in a vault file: its write sessions
sessions() {
	python3 -c "import base64, json, sys
d = json.load(open(sys.argv[1]))
print(len({base64.b64decode(e[\"ciphertext\"])[:32] for e in d[\"secrets\"].values()}))" "$1"
}

test_expect_success "compact: three values from three sets become one write session; values, metadata, key kept" '
	git init -q comp &&
	in_dir comp "$HUSH" vault init dev >/dev/null &&
	for n in A B C; do
		printf "%s-%s" "$V1" "$n" | (cd comp && HUSH_NOW=$T "$HUSH" vault set dev "VAL_$n") || return 1
	done &&
	test "$(sessions comp/.hush/dev.json)" = 3 &&
	id=$(json_eval comp/.hush/dev.json "d[\"key_id\"]") &&
	in_dir comp "$HUSH" vault export dev >before.env &&
	in_dir comp "$HUSH" vault ls dev >before.ls &&
	in_dir comp "$HUSH" vault compact dev >out 2>err &&
	grep_q "^compacted environment .dev.: 3 values, 3 write sessions -> 1 (key $id unchanged)$" out &&
	test ! -s err &&
	grep_none "$V1" out err &&
	test "$(sessions comp/.hush/dev.json)" = 1 &&
	test "$(json_eval comp/.hush/dev.json "d[\"key_id\"]")" = "$id" &&
	in_dir comp "$HUSH" vault export dev >after.env &&
	test_cmp before.env after.env &&
	in_dir comp "$HUSH" vault ls dev >after.ls &&
	test_cmp before.ls after.ls
'

test_expect_success "compact without the private key fails (exit 2) and leaves the file as it was" '
	cp comp/.hush/dev.json keep.json &&
	mv "$KEYS/dev.key" dev.key.away &&
	expect_code 2 "$HUSH" vault compact dev --dir comp/.hush >out 2>err &&
	mv dev.key.away "$KEYS/dev.key" &&
	test_cmp keep.json comp/.hush/dev.json &&
	test ! -s out &&
	grep_q "^hush: error: " err &&
	expect_code 2 "$HUSH" vault compact --dir comp/.hush 2>err &&
	grep_q "takes ENV" err
'

test_done
