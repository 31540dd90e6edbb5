# lib-remote.sh: helpers for the tests (and the benchmark) that talk to tests/tools/fake-vault.py, the loopback
# stand-in for Vault. Source it after lib.sh (or on its own from a benchmark, with $HUSH_SOURCE_DIR set).

FAKE_VAULT="$HUSH_SOURCE_DIR/tests/tools/fake-vault.py"

# A proxy from the environment must not carry loopback requests elsewhere; no real Vault setting may leak in.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE VAULT_CACERT VAULT_CAPATH VAULT_CLIENT_CERT VAULT_CLIENT_KEY
unset VAULT_SKIP_VERIFY VAULT_CLIENT_TIMEOUT VAULT_MAX_RETRIES
unset BAO_ADDR BAO_TOKEN BAO_NAMESPACE BAO_CACERT BAO_CAPATH BAO_CLIENT_CERT BAO_CLIENT_KEY BAO_SKIP_VERIFY
unset HUSH_VAULT_ROLE_ID HUSH_VAULT_SECRET_ID_FILE HUSH_VAULT_APPROLE_MOUNT HUSH_AUDIT_LOG HUSH_LIBCURL

# vault_certs DIR: a test CA (ca.pem), a server certificate for 127.0.0.1 signed by it (server.pem, server.key),
# a client certificate signed by it (client.pem, client.key), and an unrelated CA (other-ca.pem), all made now
# with the openssl CLI: nothing secret-looking is committed.
vault_certs() {
	_d=$1
	mkdir -p "$_d" &&
		(
			cd "$_d" || exit 1
			_ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
			# shellcheck disable=SC2086
			openssl req -x509 $_ec -keyout ca.key -out ca.pem -days 2 -subj /CN=hush-test-ca \
				-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
				2>/dev/null &&
				openssl req -x509 $_ec -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=hush-other-ca \
					-addext basicConstraints=critical,CA:TRUE 2>/dev/null &&
				printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext &&
				printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >client.ext &&
				openssl req $_ec -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null &&
				openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
					-extfile server.ext 2>/dev/null &&
				openssl req $_ec -keyout client.key -out client.pem.csr -subj /CN=hush-test-client 2>/dev/null &&
				openssl x509 -req -in client.pem.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem \
					-days 2 -extfile client.ext 2>/dev/null
		)
}

# vault_start NAME DATA [fake-vault.py options...]: start a server in the background (its files are NAME.*), wait
# for its port, and set NAME_ADDR... by printing the address: ADDR=$(vault_start ...). It exits with this shell
# (--parent) or after 600 s at most.
vault_start() {
	_n=$1 _data=$2
	shift 2
	rm -f "$TRASH/$_n.port"
	python3 "$FAKE_VAULT" --data "$_data" --port-file "$TRASH/$_n.port" --parent $$ --timeout 600 \
		--log "$TRASH/$_n.requests" --control "$TRASH/$_n.control" "$@" >"$TRASH/$_n.server-out" 2>&1 &
	echo $! >"$TRASH/$_n.pid"
	_i=0
	while [ ! -s "$TRASH/$_n.port" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ]; then
			echo "fake-vault '$_n' did not start:" >&2
			cat "$TRASH/$_n.server-out" >&2
			return 1
		fi
		sleep 0.05
	done
	: >"$TRASH/$_n.control"
	: >"$TRASH/$_n.requests"
	_scheme=http
	case " $* " in *" --tls-cert "*) _scheme=https ;; esac
	echo "$_scheme://127.0.0.1:$(cat "$TRASH/$_n.port")"
}

# vault_stop NAME
vault_stop() {
	[ -s "$TRASH/$1.pid" ] && kill "$(cat "$TRASH/$1.pid")" 2>/dev/null
	rm -f "$TRASH/$1.pid"
}

# vault_control NAME JSON: the test hooks for the next requests (counters restart)
vault_control() {
	printf '%s\n' "$2" >"$TRASH/$1.control"
}

# vault_requests NAME: the request log, then empty it
vault_requests() {
	cat "$TRASH/$1.requests"
	: >"$TRASH/$1.requests"
}
