#!/bin/sh
# t6000-remote-vault: secrets from a Vault/OpenBao KV v2 mount, against tests/tools/fake-vault.py on loopback over
# TLS with a CA made at test time: hush run --from and Vault-backed environments, namespaces, AppRole, errors
# (403, 404, deleted and destroyed versions, sealed, bad CA, timeout, oversized and invalid responses), retries,
# a private key fetched from Vault, and that no token or value ever shows.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"
. "$HUSH_SOURCE_DIR/tests/cli/lib-remote.sh"

unset XDG_CONFIG_HOME XDG_STATE_HOME HUSH_PRIVATE_KEY_PROD HUSH_NOW

if ! command -v openssl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	test_skip "remote vault tests" "openssl and python3 are needed"
	test_done
fi

TOKEN="tk-$(rand_alnum 28)"
NS_TOKEN="tn-$(rand_alnum 28)"
WEAK_TOKEN="tw-$(rand_alnum 28)"
ROLE_ID="role-$(rand_alnum 12)"
SECRET_ID="sid-$(rand_alnum 24)"
DB_V1="db1-$(rand_alnum 20)"
DB_V2="db2-$(rand_alnum 20)"
API="api-$(rand_alnum 24)"
NSVAL="ns-$(rand_alnum 24)"
FILEVAL="file-$(rand_alnum 20)"
FILEONLY="only-$(rand_alnum 20)"

vault_certs certs || { echo "Bail out! cannot make test certificates"; exit 1; }

# The private key of a committed vault file, kept in Vault (field "prod" of secret/hush).
git init -q repo
in_dir repo "$HUSH" vault init prod >/dev/null
printf '%s' "$FILEVAL" | in_dir repo "$HUSH" vault set prod DB_PASSWORD
printf '%s' "$FILEONLY" | in_dir repo "$HUSH" vault set prod FILE_ONLY
PROD_KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret_key"])' "$HOME/.config/hush/keys/prod.key")
mv "$HOME/.config/hush/keys/prod.key" prod.key.moved

python3 - "$TOKEN" "$NS_TOKEN" "$WEAK_TOKEN" "$ROLE_ID" "$SECRET_ID" "$DB_V1" "$DB_V2" "$API" "$NSVAL" "$PROD_KEY" <<'EOF' >data.json
import json, sys
tok, ns_tok, weak, role, sid, v1, v2, api, nsval, key = sys.argv[1:]
print(json.dumps({
    "tokens": {tok: {"policies": ["secret/data/*"]}, ns_tok: {"namespace": "team-a", "policies": ["secret/data/*"]},
               weak: {"policies": ["secret/data/other/*"]}},
    "approle": {"mount": "approle", "roles": {role: {"secret_id": sid, "policies": ["secret/data/myapp/*"]}}},
    "namespaces": {
        "": {"secret": {
            "myapp/prod": [{"data": {"DB_PASSWORD": v1}}, {"data": {"DB_PASSWORD": v2, "API_TOKEN": api, "PORT": 5432}}],
            "myapp/old": [{"data": {"A_VALUE": "x" * 10}, "deletion_time": "2026-01-02T03:04:05.000000Z"},
                          {"data": {"A_VALUE": "y" * 10}, "destroyed": True}, {"data": {"A_VALUE": "z" * 10}}],
            "myapp/badname": [{"data": {"not-a-variable": "v" * 10}}],
            "hush": [{"data": {"prod": key}}]}},
        "team-a": {"secret": {"myapp/prod": [{"data": {"NS_VALUE": nsval}}]}}}}))
EOF

ADDR=$(vault_start v data.json --tls-cert certs/server.pem --tls-key certs/server.key) || exit 1
export VAULT_ADDR="$ADDR" VAULT_CACERT="$TRASH/certs/ca.pem" VAULT_TOKEN="$TOKEN"
export HUSH_AUDIT_LOG="$TRASH/audit.log"

# hrun ARGS...: hush run in repo, stdout to out, stderr to err
hrun() { in_dir repo "$HUSH" run "$@" >out 2>err; }
# no_secrets FILE...: no token, secret id or value in any of the files
no_secrets() {
	for _s in "$TOKEN" "$NS_TOKEN" "$WEAK_TOKEN" "$SECRET_ID" "$DB_V1" "$DB_V2" "$API" "$NSVAL" "$PROD_KEY" "$FILEVAL"; do
		grep_none "$_s" "$@" || return 1
	done
}

test_expect_success "hush has no DT_NEEDED on libcurl: it is loaded with dlopen when Vault is first read" '
	if command -v readelf >/dev/null; then
		readelf -d "$HUSH" >dyn && ! grep -q "libcurl" dyn
	fi
'

test_expect_success "--from over TLS (test CA): values injected and redacted, headers sent, nothing leaked" '
	hrun --from vault://secret/myapp/prod -- sh -c "echo db=\$DB_PASSWORD api=\$API_TOKEN port=\$PORT;
		printf %s \"\$API_TOKEN\" >../got.api; env >../child.env" &&
	grep_q "^db=\[hush:DB_PASSWORD\] api=\[hush:API_TOKEN\] port=5432$" out &&
	printf %s "$API" >want.api && test_cmp want.api got.api &&
	vault_requests v >req &&
	test "$(wc -l <req)" -eq 1 &&
	json_check req "d[\"path\"] == \"/v1/secret/data/myapp/prod\" and d[\"request_header\"] and d[\"token\"] == \"static\"" &&
	no_secrets out err &&
	! grep -q "^VAULT_TOKEN=" child.env && grep -q "^VAULT_ADDR=" child.env
'

test_expect_success "?version=N reads an older version; the vault:// prefix and the API form data/ both work" '
	hrun --from "vault://secret/myapp/prod?version=1" -- sh -c "printf %s \"\$DB_PASSWORD\"" &&
	test "$(cat out)" = "[hush:DB_PASSWORD]" &&
	hrun --from "vault://secret/data/myapp/prod?version=1" --no-redact -- sh -c "printf %s \"\$DB_PASSWORD\"" &&
	test "$(cat out)" = "$DB_V1" &&
	vault_requests v >req && grep -q "myapp/prod?version=1" req
'

test_expect_success ".hush.yml environments: hush run -e prod reads Vault; Vault values override the file, file-only names stay" '
	cat >repo/.hush.yml <<-EOF &&
	environments:
	  prod: {vault: "secret/data/myapp/prod"}
	EOF
	HUSH_PRIVATE_KEY_PROD="$PROD_KEY" hrun -e prod --no-redact -- sh -c "echo \$DB_PASSWORD \$FILE_ONLY \$API_TOKEN" &&
	test "$(cat out)" = "$DB_V2 $FILEONLY $API" &&
	tail -n 1 audit.log >rec &&
	json_check rec "d[\"backends\"] == [\"file:.hush/prod.json\", \"vault://secret/myapp/prod\"] and d[\"env\"] == \"prod\""
'

test_expect_success "a Vault-backed environment needs no vault file (nor a key)" '
	mkdir -p norepo && git init -q norepo &&
	printf "environments:\n  stage:\n    vault: secret/myapp/prod\n" >norepo/.hush.yml &&
	in_dir norepo "$HUSH" run -e stage --no-redact -- sh -c "echo \$API_TOKEN" >out 2>err &&
	test "$(cat out)" = "$API"
'

test_expect_success "vault export, vault get and redact -e read a Vault-backed environment too" '
	in_dir norepo "$HUSH" vault export stage --format json >exp 2>err &&
	json_check exp "d[\"API_TOKEN\"] == \"$API\" and d[\"PORT\"] == \"5432\"" &&
	in_dir norepo "$HUSH" vault get stage API_TOKEN >got 2>err && test "$(cat got)" = "$API" &&
	echo "log $API end" | in_dir norepo "$HUSH" redact -e stage >red 2>err &&
	test "$(cat red)" = "log [hush:API_TOKEN] end"
'

test_expect_success "namespace: VAULT_NAMESPACE and environments.ENV.namespace send X-Vault-Namespace" '
	VAULT_TOKEN="$NS_TOKEN" VAULT_NAMESPACE=team-a hrun --from vault://secret/myapp/prod --no-redact -- sh -c "echo \$NS_VALUE" &&
	test "$(cat out)" = "$NSVAL" &&
	printf "environments:\n  ns:\n    vault: secret/myapp/prod\n    namespace: team-a\n" >norepo/.hush.yml &&
	VAULT_TOKEN="$NS_TOKEN" in_dir norepo "$HUSH" run -e ns --no-redact -- sh -c "echo \$NS_VALUE" >out 2>err &&
	test "$(cat out)" = "$NSVAL" &&
	vault_requests v | tail -n 1 >req && json_check req "d[\"namespace\"] == \"team-a\"" &&
	expect_code 125 env VAULT_TOKEN="$NS_TOKEN" "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "permission denied (403)" err
'

test_expect_success "AppRole, secret id from a file: logged in, used, and revoked before the command starts" '
	printf "%s\n" "$SECRET_ID" >sid && chmod 600 sid &&
	env -u VAULT_TOKEN HUSH_VAULT_ROLE_ID="$ROLE_ID" HUSH_VAULT_SECRET_ID_FILE="$TRASH/sid" \
		"$HUSH" run --from vault://secret/myapp/prod -- sh -c "cp \"$TRASH/v.requests\" \"$TRASH/seen\"; echo \$API_TOKEN" >out 2>err &&
	test "$(cat out)" = "[hush:API_TOKEN]" &&
	grep -q "auth/approle/login" seen && grep -q "\"/v1/auth/token/revoke-self\".*\"status\": 204" seen &&
	vault_requests v >req && test "$(grep -c revoke-self req)" -eq 1 &&
	no_secrets out err audit.log
'

test_expect_success "AppRole, secret id from stdin (one line): the rest of stdin goes to the command" '
	printf "%s\nnext line\n" "$SECRET_ID" | env -u VAULT_TOKEN HUSH_VAULT_ROLE_ID="$ROLE_ID" HUSH_VAULT_SECRET_ID_FILE=- \
		"$HUSH" run --from vault://secret/myapp/prod -- sh -c "cat; echo \$API_TOKEN" >out 2>err &&
	printf "next line\n[hush:API_TOKEN]\n" >want && test_cmp want out
'

test_expect_success "AppRole with a wrong secret id: a clear error, no token, exit 125" '
	printf "wrong\n" >badsid &&
	expect_code 125 env -u VAULT_TOKEN HUSH_VAULT_ROLE_ID="$ROLE_ID" HUSH_VAULT_SECRET_ID_FILE="$TRASH/badsid" \
		"$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "AppRole login to Vault at .* failed (400): invalid role or secret ID" err
'

test_expect_success "403: one line naming the path, never the token; not retried" '
	vault_requests v >/dev/null &&
	expect_code 125 env VAULT_TOKEN="$WEAK_TOKEN" "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	test "$(wc -l <err)" -eq 1 &&
	grep_q "cannot read .secret/myapp/prod. from Vault at https://127.0.0.1:[0-9]*: permission denied (403)" err &&
	no_secrets err && test "$(vault_requests v | wc -l)" -eq 1
'

test_expect_success "404: no secret at this path" '
	expect_code 125 "$HUSH" run --from vault://secret/myapp/nothing -- true 2>err &&
	grep_q "cannot read .secret/myapp/nothing. from Vault .*: no secret at this path (404)" err
'

test_expect_success "a soft-deleted version and a destroyed version have their own messages" '
	expect_code 125 "$HUSH" run --from "vault://secret/myapp/old?version=1" -- true 2>err &&
	grep_q "version 1 was deleted at 2026-01-02T03:04:05.000000Z (404): undelete it or read another version" err &&
	expect_code 125 "$HUSH" run --from "vault://secret/myapp/old?version=2" -- true 2>err &&
	grep_q "version 2 is destroyed (404)" err &&
	"$HUSH" run --from "vault://secret/myapp/old" --no-redact -- sh -c "echo \$A_VALUE" >out 2>err &&
	test "$(cat out)" = zzzzzzzzzz
'

test_expect_success "500 once, then success: retried after a backoff" '
	vault_requests v >/dev/null &&
	vault_control v "{\"actions\": [{\"match\": \"/v1/secret/\", \"do\": \"status\", \"status\": 500, \"times\": 1}]}" &&
	"$HUSH" run --from vault://secret/myapp/prod --no-redact -- sh -c "echo \$API_TOKEN" >out 2>err &&
	test "$(cat out)" = "$API" &&
	vault_requests v >req && test "$(grep -c "myapp/prod" req)" -eq 2 &&
	grep -q "\"status\": 500" req && grep -q "\"status\": 200" req
'

test_expect_success "500 every time: 1 + VAULT_MAX_RETRIES attempts (default 3 retries), then a server error" '
	vault_control v "{\"actions\": [{\"do\": \"status\", \"status\": 502, \"errors\": [\"upstream down\"]}]}" &&
	expect_code 125 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "server error (502): upstream down (4 attempts)" err &&
	test "$(vault_requests v | wc -l)" -eq 4 &&
	expect_code 125 env VAULT_MAX_RETRIES=1 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	test "$(vault_requests v | wc -l)" -eq 2 &&
	vault_control v ""
'

test_expect_success "429 is retried; a sealed Vault is reported at once (503, not retried)" '
	vault_control v "{\"actions\": [{\"do\": \"status\", \"status\": 429, \"times\": 2}]}" &&
	"$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	test "$(vault_requests v | wc -l)" -eq 3 &&
	vault_control v "{\"actions\": [{\"do\": \"sealed\"}]}" &&
	expect_code 125 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "cannot read .secret/myapp/prod. from Vault at .*: Vault is sealed (503)" err &&
	test "$(vault_requests v | wc -l)" -eq 1 &&
	vault_control v ""
'

test_expect_success "a hanging server: timed out after VAULT_CLIENT_TIMEOUT, not retried" '
	vault_control v "{\"actions\": [{\"do\": \"hang\", \"seconds\": 20}]}" &&
	start=$(date +%s) &&
	expect_code 125 env VAULT_CLIENT_TIMEOUT=1 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	test $(( $(date +%s) - start )) -le 5 &&
	grep_q "cannot read .secret/myapp/prod. from Vault at .*: timed out after 1 s" err &&
	vault_control v ""
'

test_expect_success "an oversized body (with and without Content-Length) is refused at 32 MiB" '
	vault_control v "{\"actions\": [{\"do\": \"oversize\", \"bytes\": 34000000}]}" &&
	expect_code 125 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "the response is larger than 32 MiB" err &&
	vault_control v "{\"actions\": [{\"do\": \"oversize\", \"bytes\": 34000000, \"chunked\": true}]}" &&
	expect_code 125 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "the response is larger than 32 MiB" err &&
	vault_control v ""
'

test_expect_success "invalid JSON: a position, never the text near it" '
	vault_control v "{\"actions\": [{\"do\": \"invalid_json\"}]}" &&
	expect_code 125 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "invalid JSON in the response (200, line 1, column [0-9]*)" err &&
	grep_none unterminated err &&
	vault_control v ""
'

test_expect_success "a field that is not a variable name is refused, naming it" '
	expect_code 125 "$HUSH" run --from vault://secret/myapp/badname -- true 2>err &&
	grep_q "its field .not-a-variable. is not a variable name" err
'

test_expect_success "a bad CA: a TLS failure, named as such; VAULT_SKIP_VERIFY works and warns loudly" '
	vault_requests v >/dev/null &&
	expect_code 125 env VAULT_CACERT="$TRASH/certs/other-ca.pem" "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "cannot read .secret/myapp/prod. from Vault at .*: TLS failure: " err &&
	test "$(vault_requests v | wc -l)" -eq 0 &&
	expect_code 125 env -u VAULT_CACERT "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "TLS failure" err &&
	env -u VAULT_CACERT VAULT_SKIP_VERIFY=1 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "warning: VAULT_SKIP_VERIFY is set: the TLS certificate of .* is NOT verified" err
'

test_expect_success "BAO_* variables come before VAULT_* (OpenBao)" '
	expect_code 125 env BAO_TOKEN="$WEAK_TOKEN" "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "permission denied (403)" err &&
	env BAO_ADDR="$ADDR" VAULT_ADDR=https://127.0.0.1:1 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err
'

test_expect_success "no token: VAULT_TOKEN, else ~/.vault-token, else a message saying how" '
	expect_code 125 env -u VAULT_TOKEN "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "no Vault token for https://127.0.0.1:[0-9]*: set VAULT_TOKEN" err &&
	printf "%s\n" "$TOKEN" >"$HOME/.vault-token" &&
	env -u VAULT_TOKEN "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	rm "$HOME/.vault-token"
'

test_expect_success "a private key fetched from Vault (HUSH_PRIVATE_KEY_PROD=vault://secret/hush#prod) opens the committed vault" '
	HUSH_PRIVATE_KEY_PROD=vault://secret/hush#prod in_dir repo "$HUSH" vault get prod FILE_ONLY >got 2>err &&
	test "$(cat got)" = "$FILEONLY" &&
	rm repo/.hush.yml &&
	HUSH_PRIVATE_KEY_PROD=vault://secret/hush#prod hrun -e prod --no-redact -- sh -c "echo \$DB_PASSWORD" &&
	test "$(cat out)" = "$FILEVAL" &&
	tail -n 1 audit.log >rec && json_check rec "\"Vault\" in d[\"key\"] and d[\"backends\"] == [\"file:.hush/prod.json\"]" &&
	no_secrets err rec
'

test_expect_success "a key reference without #FIELD, or with a missing field, is an error naming it" '
	(cd repo && HUSH_PRIVATE_KEY_PROD=vault://secret/hush expect_code 2 "$HUSH" vault get prod FILE_ONLY 2>../err) &&
	grep_q "HUSH_PRIVATE_KEY_PROD=vault://secret/hush names no field" err &&
	(cd repo && HUSH_PRIVATE_KEY_PROD=vault://secret/hush#staging expect_code 2 "$HUSH" vault get prod FILE_ONLY 2>../err) &&
	grep_q "it has no field .staging." err
'

test_expect_success "invalid paths are refused before any request" '
	expect_code 125 "$HUSH" run --from vault://secret -- true 2>err && grep_q "invalid Vault path" err &&
	expect_code 125 "$HUSH" run --from "vault://secret/../sys/health" -- true 2>err && grep_q "invalid Vault path" err &&
	expect_code 125 "$HUSH" run --from secret/myapp/prod -- true 2>err && grep_q "takes a Vault path" err &&
	printf "environments:\n  prod: {vault: \"secret/data/a b\"}\n" >bad.yml && mkdir -p badcfg && git init -q badcfg &&
	cp bad.yml badcfg/.hush.yml &&
	expect_code 125 in_dir badcfg "$HUSH" run -e prod -- true 2>err && grep_q ".hush.yml:2:" err
'

test_expect_success "a server that requires X-Vault-Request (Vault listener option) accepts hush" '
	python3 -c "import json,sys; d=json.load(open(\"data.json\")); d[\"require_request_header\"]=True; json.dump(d, open(\"data-strict.json\",\"w\"))" &&
	A2=$(vault_start strict data-strict.json) &&
	VAULT_ADDR="$A2" "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	vault_stop strict
'

test_expect_success "client certificates: VAULT_CLIENT_CERT and VAULT_CLIENT_KEY (mutual TLS)" '
	A3=$(vault_start mtls data.json --tls-cert certs/server.pem --tls-key certs/server.key --client-ca certs/ca.pem) &&
	expect_code 125 env VAULT_ADDR="$A3" "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	VAULT_ADDR="$A3" VAULT_CLIENT_CERT="$TRASH/certs/client.pem" VAULT_CLIENT_KEY="$TRASH/certs/client.key" \
		"$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	vault_stop mtls
'

test_expect_success "a server that is gone: cannot connect, after the retries" '
	A4=$(vault_start gone data.json) && vault_stop gone && sleep 0.2 &&
	expect_code 125 env VAULT_ADDR="$A4" VAULT_MAX_RETRIES=1 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "cannot connect: .* (2 attempts)" err
'

test_expect_success "libcurl that cannot be loaded: a clear error, exit 125; commands without Vault are unaffected" '
	expect_code 125 env HUSH_LIBCURL=/nonexistent/libcurl.so.4 "$HUSH" run --from vault://secret/myapp/prod -- true 2>err &&
	grep_q "cannot load libcurl (/nonexistent/libcurl.so.4), which reading a remote Vault needs" err &&
	HUSH_LIBCURL=/nonexistent/libcurl.so.4 HUSH_PRIVATE_KEY_PROD="$PROD_KEY" hrun -e prod -- true
'

test_expect_success "no token, secret id or value in any output or in the audit log" '
	no_secrets out err audit.log
'

vault_stop v
test_done
