#!/bin/sh
# t6100-audit: the audit log: one JSON line per decryption or fetch (run, vault get, vault export, redact -e,
# scan --vault), checked field by field; where it goes (XDG_STATE_HOME, HUSH_AUDIT_LOG, syslog); audit: required;
# concurrent writers; no value ever in it; and `hush audit` with its filters.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

unset XDG_CONFIG_HOME XDG_STATE_HOME HUSH_AUDIT_LOG HUSH_NOW HUSH_PRIVATE_KEY_PROD HUSH_SYSLOG_SOCKET

PW="pw-$(rand_alnum 24)"
TOK="tk-$(rand_alnum 30)"
LOG="$HOME/.local/state/hush/audit.log"

git init -q repo
in_dir repo "$HUSH" vault init prod >/dev/null
printf '%s' "$PW" | in_dir repo "$HUSH" vault set prod DB_PASSWORD
printf '%s' "$TOK" | in_dir repo "$HUSH" vault set prod API_TOKEN
in_dir repo git add .hush
in_dir repo git commit -q -m vault
HEAD=$(git -C repo rev-parse HEAD)
ROOT=$(cd repo && pwd)

# last FILE: the last line of FILE, into rec
last() { tail -n 1 "$1" >rec; }

test_expect_success "hush run: one line at ~/.local/state/hush/audit.log, every field checked" '
	test ! -e "$LOG" &&
	before=$(date -u +%s) &&
	in_dir repo "$HUSH" run -e prod -- sh -c "exit 0" >out 2>err &&
	after=$(date -u +%s) &&
	test "$(wc -l <"$LOG")" -eq 1 &&
	test "$(stat -c %a "$LOG")" = 600 && test "$(stat -c %a "$(dirname "$LOG")")" = 700 &&
	last "$LOG" &&
	json_check rec "list(d) == [\"time\", \"user\", \"uid\", \"host\", \"pid\", \"command\", \"argv0\", \"env\", \"names\", \"backends\", \"key\", \"repo\", \"commit\", \"outcome\"]" &&
	json_check rec "d[\"user\"] == \"$(id -un)\" and d[\"uid\"] == $(id -u) and d[\"host\"] == \"$(hostname)\"" &&
	json_check rec "isinstance(d[\"pid\"], int) and d[\"pid\"] > 1" &&
	json_check rec "d[\"command\"] == \"run\" and d[\"argv0\"] == \"sh\" and d[\"env\"] == \"prod\"" &&
	json_check rec "d[\"names\"] == [\"API_TOKEN\", \"DB_PASSWORD\"] and d[\"backends\"] == [\"file:.hush/prod.json\"]" &&
	json_check rec "d[\"key\"] == \"the key file \x27$HOME/.config/hush/keys/prod.key\x27\"" &&
	json_check rec "d[\"repo\"] == \"$ROOT\" and d[\"commit\"] == \"$HEAD\" and d[\"outcome\"] == \"ok\"" &&
	python3 - rec "$before" "$after" <<-\EOF
	import calendar, json, re, sys, time
	d = json.load(open(sys.argv[1]))
	assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["time"]), d["time"]
	t = calendar.timegm(time.strptime(d["time"][:19], "%Y-%m-%dT%H:%M:%S"))
	assert int(sys.argv[2]) <= t <= int(sys.argv[3]), (t, sys.argv)
	EOF
'

test_expect_success "--only: only the injected names are recorded" '
	in_dir repo "$HUSH" run -e prod --only DB_PASSWORD -- true &&
	last "$LOG" && json_check rec "d[\"names\"] == [\"DB_PASSWORD\"]"
'

test_expect_success "vault get, vault export, redact -e and scan --vault each append their own line" '
	n0=$(wc -l <"$LOG") &&
	in_dir repo "$HUSH" vault get prod API_TOKEN >/dev/null &&
	last "$LOG" && json_check rec "d[\"command\"] == \"vault get\" and d[\"names\"] == [\"API_TOKEN\"] and d[\"env\"] == \"prod\"" &&
	json_check rec "d[\"argv0\"] == \"$HUSH_DIRECT\"" &&
	in_dir repo "$HUSH" vault export prod >/dev/null &&
	last "$LOG" && json_check rec "d[\"command\"] == \"vault export\" and d[\"names\"] == [\"API_TOKEN\", \"DB_PASSWORD\"]" &&
	echo hello | in_dir repo "$HUSH" redact -e prod >/dev/null &&
	last "$LOG" && json_check rec "d[\"command\"] == \"redact\" and d[\"outcome\"] == \"ok\"" &&
	in_dir repo "$HUSH" scan --vault prod . >/dev/null 2>&1;
	last "$LOG" && json_check rec "d[\"command\"] == \"scan\" and d[\"names\"] == [\"API_TOKEN\", \"DB_PASSWORD\"]" &&
	test "$(wc -l <"$LOG")" -eq $((n0 + 4))
'

test_expect_success "a failure is recorded too: outcome error, the message, no names" '
	mv "$HOME/.config/hush/keys/prod.key" prod.key.aside &&
	expect_code 125 in_dir repo "$HUSH" run -e prod -- true 2>err &&
	last "$LOG" &&
	json_check rec "d[\"outcome\"] == \"error\" and d[\"names\"] == [] and \"no private key for environment\" in d[\"error\"]" &&
	expect_code 2 in_dir repo "$HUSH" vault get prod API_TOKEN 2>err &&
	last "$LOG" && json_check rec "d[\"command\"] == \"vault get\" and d[\"outcome\"] == \"error\"" &&
	mv prod.key.aside "$HOME/.config/hush/keys/prod.key"
'

test_expect_success "XDG_STATE_HOME and HUSH_AUDIT_LOG choose the file" '
	XDG_STATE_HOME="$TRASH/state" in_dir repo "$HUSH" run -e prod -- true &&
	test "$(wc -l <state/hush/audit.log)" -eq 1 &&
	HUSH_AUDIT_LOG="$TRASH/custom/a.log" in_dir repo "$HUSH" run -e prod -- true &&
	test "$(wc -l <custom/a.log)" -eq 1
'

test_expect_success "a log that cannot be written: a warning, and the command still runs" '
	: >notadir &&
	HUSH_AUDIT_LOG="$TRASH/notadir/a.log" in_dir repo "$HUSH" run -e prod -- echo ran >out 2>err &&
	grep_q "^ran$" out && grep_q "warning: cannot write the audit log .*notadir/a.log.: Not a directory" err
'

test_expect_success "audit: required: the command fails before any value is used (run 125, get 2)" '
	printf "audit: required\n" >repo/.hush.yml &&
	expect_code 125 env HUSH_AUDIT_LOG="$TRASH/notadir/a.log" sh -c "cd repo && exec \"$HUSH\" run -e prod -- echo ran" >out 2>err &&
	test ! -s out && grep_q "error: cannot write the audit log .* (audit: required in .*.hush.yml)" err &&
	expect_code 2 env HUSH_AUDIT_LOG="$TRASH/notadir/a.log" sh -c "cd repo && exec \"$HUSH\" vault get prod API_TOKEN" >out 2>err &&
	test ! -s out &&
	expect_code 2 env HUSH_AUDIT_LOG="$TRASH/notadir/a.log" sh -c "cd repo && exec \"$HUSH\" vault export prod" >out 2>err &&
	test ! -s out &&
	in_dir repo "$HUSH" run -e prod -- echo ran >out 2>err && grep_q "^ran$" out
'

test_expect_success "audit: syslog sends RFC 3164 lines (authpriv.info, tag hush[PID]) to the log socket, not the file" '
	printf "audit: syslog\n" >repo/.hush.yml &&
	python3 -c "
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], \"w\").close()
s.settimeout(10)
data = s.recv(1 << 20)
open(sys.argv[3], \"wb\").write(data)
" "$TRASH/log.sock" "$TRASH/sock.ready" "$TRASH/syslog.got" &
	while [ ! -e sock.ready ]; do sleep 0.05; done &&
	n0=$(wc -l <"$LOG") &&
	HUSH_SYSLOG_SOCKET="$TRASH/log.sock" in_dir repo "$HUSH" run -e prod -- true &&
	wait &&
	test "$(wc -l <"$LOG")" -eq "$n0" &&
	grep -q "^<86>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* hush\[[0-9]*\]: {\"time\":" syslog.got &&
	sed "s/^[^{]*//" syslog.got >rec && json_check rec "d[\"command\"] == \"run\" and d[\"env\"] == \"prod\""
'

test_expect_success "audit: [syslog, required] without a syslog socket is an error; [file, syslog] writes both" '
	printf "audit: [syslog, required]\n" >repo/.hush.yml &&
	expect_code 125 env HUSH_SYSLOG_SOCKET="$TRASH/no.sock" sh -c "cd repo && exec \"$HUSH\" run -e prod -- true" 2>err &&
	grep_q "cannot send the audit record to syslog (.*no.sock)" err &&
	printf "audit: [file, syslog]\n" >repo/.hush.yml &&
	n0=$(wc -l <"$LOG") &&
	HUSH_SYSLOG_SOCKET="$TRASH/no.sock" in_dir repo "$HUSH" run -e prod -- true 2>err &&
	grep_q "warning: cannot send the audit record to syslog" err &&
	test "$(wc -l <"$LOG")" -eq $((n0 + 1)) &&
	printf "audit: sometimes\n" >repo/.hush.yml &&
	expect_code 125 in_dir repo "$HUSH" run -e prod -- true 2>err &&
	grep_q "unknown audit setting .sometimes." err &&
	rm repo/.hush.yml
'

test_expect_success "the commit is found without libgit2: packed refs, detached HEAD, a linked worktree; none outside git" '
	git -C repo pack-refs --all &&
	in_dir repo "$HUSH" run -e prod -- true && last "$LOG" && json_check rec "d[\"commit\"] == \"$HEAD\"" &&
	git -C repo checkout -q --detach &&
	in_dir repo "$HUSH" run -e prod -- true && last "$LOG" && json_check rec "d[\"commit\"] == \"$HEAD\"" &&
	git -C repo checkout -q main &&
	git -C repo worktree add -q ../wt -b side &&
	commit_file wt note.txt "side commit" hello &&
	in_dir wt "$HUSH" run -e prod -- true && last "$LOG" &&
	json_check rec "d[\"commit\"] == \"$(git -C wt rev-parse HEAD)\" and d[\"commit\"] != \"$HEAD\"" &&
	mkdir -p plain && cp -r repo/.hush plain/ &&
	in_dir plain "$HUSH" run -e prod -- true && last "$LOG" && json_check rec "\"commit\" not in d"
'

test_expect_success "concurrent writers: 4 x 25 runs with 300 names (lines over 4 KiB): every line intact" '
	i=0 && : >big.env &&
	while [ $i -lt 300 ]; do echo "SECRET_NUMBER_$i=value-$i-$(rand_alnum 12)" >>big.env; i=$((i + 1)); done &&
	in_dir repo "$HUSH" vault import prod ../big.env >/dev/null &&
	: >"$TRASH/conc.log" &&
	for w in 1 2 3 4; do
		(
			k=0
			while [ $k -lt 25 ]; do
				HUSH_AUDIT_LOG="$TRASH/conc.log" in_dir repo "$HUSH" run -e prod -- true || exit 1
				k=$((k + 1))
			done
		) &
	done &&
	wait &&
	test "$(wc -l <conc.log)" -eq 100 &&
	python3 - conc.log <<-\EOF
	import json, sys
	lines = open(sys.argv[1], "rb").read().split(b"\n")
	assert lines[-1] == b"", "no final newline"
	for l in lines[:-1]:
	    d = json.loads(l)
	    assert len(d["names"]) == 302 and d["outcome"] == "ok", d
	assert min(len(l) for l in lines[:-1]) > 4096
	EOF
'

test_expect_success "no value is ever in the audit log" '
	for f in "$LOG" conc.log state/hush/audit.log custom/a.log; do
		grep_none "$PW" "$f" && grep_none "$TOK" "$f" && grep_none "value-1-" "$f" || return 1
	done
'

test_expect_success "hush audit: text by default, --format json gives the stored lines" '
	"$HUSH" audit >all.txt &&
	test "$(wc -l <all.txt)" -eq "$(wc -l <"$LOG")" &&
	head -n 1 all.txt | grep -q "^20[0-9-]*T[0-9:.]*Z	$(id -un)@$(hostname)	run	prod	ok	API_TOKEN,DB_PASSWORD	file:.hush/prod.json	sh$" &&
	"$HUSH" audit --format json >all.json && cmp all.json "$LOG"
'

test_expect_success "hush audit --env, --name, --command, --since" '
	HUSH_NOW=$(( $(date +%s) - 10 * 86400 )) in_dir repo "$HUSH" vault get prod API_TOKEN >/dev/null &&
	"$HUSH" audit --command "vault get" --format json >g.json &&
	test "$(wc -l <g.json)" -eq 3 &&
	"$HUSH" audit --since 7d --command "vault get" --format json >g7.json &&
	test "$(wc -l <g7.json)" -eq 2 &&
	"$HUSH" audit --since 2000-01-01 --command "vault get" --format json >gall.json && cmp g.json gall.json &&
	"$HUSH" audit --name DB_PASSWORD --format json >n.json &&
	! grep -v "DB_PASSWORD" n.json && test -s n.json &&
	"$HUSH" audit --env nope >none.txt && test ! -s none.txt &&
	HUSH_AUDIT_LOG="$TRASH/state/hush/audit.log" "$HUSH" audit --env prod >one.txt && test "$(wc -l <one.txt)" -eq 1 &&
	expect_code 2 "$HUSH" audit --since yesterday 2>err && grep_q "invalid --since" err
'

test_expect_success "hush audit skips malformed lines with a warning; a missing log is only a warning" '
	cp "$LOG" damaged.log && echo "{not json" >>damaged.log && printf "{\"time\":\"x\"" >>damaged.log &&
	"$HUSH" audit --log damaged.log >d.txt 2>err &&
	test "$(wc -l <d.txt)" -eq "$(wc -l <"$LOG")" &&
	grep_q "skipped 2 malformed lines in .damaged.log. (the first is line" err &&
	XDG_STATE_HOME="$TRASH/empty" "$HUSH" audit >out 2>err && test ! -s out && grep_q "no audit log at" err
'

test_done
