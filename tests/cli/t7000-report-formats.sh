#!/bin/sh
# t7000-report-formats: every --format against golden files (tests/fixtures/golden/), and each format checked the
# way its consumer reads it: SARIF through the official validator (sarif-multitool, installed into .tools/ by
# scripts/install-deps.sh), CSV through python's csv module, JUnit through xml.etree, gitleaks' keys, GitHub's
# workflow-command escaping. Set HUSH_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
. "$HUSH_SOURCE_DIR/tests/cli/lib.sh"

GOLDEN="$HUSH_SOURCE_DIR/tests/fixtures/golden"
SARIF_MULTITOOL="$HUSH_SOURCE_DIR/.tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
VERSION=$("$HUSH" --version | sed -n "s/^hush //p")

# det_chars SEED SET LEN: LEN characters from the tr(1)-style SET, the same for the same SEED on every run
# (so the golden files are stable, while this file holds no secret-shaped literal)
det_chars() {
	python3 - "$@" <<-\EOF
	import hashlib, sys
	seed, spec, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
	chars, i = [], 0
	while i < len(spec):
	    if i + 2 < len(spec) and spec[i + 1] == "-":
	        chars += [chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1)]
	        i += 3
	    else:
	        chars.append(spec[i])
	        i += 1
	out = []
	for k in range(n):
	    h = hashlib.sha256(("%s:%d" % (seed, k)).encode()).digest()
	    out.append(chars[int.from_bytes(h[:4], "big") % len(chars)])
	sys.stdout.write("".join(out))
	EOF
}

T_GH="ghp_$(det_chars github 'A-WYZa-wyz0-9' 36)"
T_AWS="AKIA$(det_chars aws 'A-WYZ2-7' 16)"
T_STRIPE="sk_live_$(det_chars stripe 'A-WYZa-wyz0-9' 32)"
T_PG="$(det_chars postgres 'A-WYZa-wyz0-9' 20)"
T_LOW="q7$(det_chars generic 'a-km-z2-9' 18)"

# normalise FILE: blank out what changes between runs and releases (elapsed time, version)
normalise() {
	sed -E -e 's/("elapsed_ms": ?)[0-9.eE+-]+/\10/' \
		-e "s/(\"(semanticVersion|version)\": ?\")$VERSION\"/\1VERSION\"/" \
		-e 's/ time="[0-9.]+"/ time="0"/g' "$1"
}

# check_golden NAME FILE: FILE, normalised, equals tests/fixtures/golden/NAME (HUSH_UPDATE_GOLDEN=1 rewrites it)
check_golden() {
	normalise "$2" >"$2.norm" || return 1
	if [ -n "${HUSH_UPDATE_GOLDEN:-}" ]; then
		cp "$2.norm" "$GOLDEN/$1"
	fi
	test_cmp "$GOLDEN/$1" "$2.norm"
}

# sarif_validate FILE: sarif-multitool reports no error and no warning (SARIF and GitHub ingestion rules)
sarif_validate() {
	if [ ! -x "$SARIF_MULTITOOL" ]; then
		fail "the SARIF validator is not installed ($SARIF_MULTITOOL): run scripts/install-deps.sh"
		return 1
	fi
	# SARIF2006 would GET every URI in the log over the network: tests stay offline. SARIF2005 asks for the
	# tool's home page (informationUri): hush has none yet, and a build sets it with -DHUSH_INFORMATION_URI=...
	cat >nonet.xml <<-\EOF
	<?xml version="1.0" encoding="utf-8"?>
	<Properties>
	  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
	    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
	  </Properties>
	  <Properties Key="SARIF2005.ProvideToolProperties.Options">
	    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
	  </Properties>
	</Properties>
	EOF
	rm -f "$1.validation"
	"$SARIF_MULTITOOL" validate -c nonet.xml --rule-kind "Sarif;Gh" --level "Error;Warning;Note" \
		-o "$1.validation" "$1" >"$1.validator-out" 2>&1 || {
		cat "$1.validator-out" >&2
		return 1
	}
	python3 - "$1.validation" "$1.validator-out" <<-\EOF
	import json, sys
	log = json.load(open(sys.argv[1], encoding="utf-8-sig"))
	run = log["runs"][0]
	assert all(i.get("executionSuccessful") for i in run["invocations"]), run["invocations"]
	bad = [r for r in run.get("results", []) if r.get("level", "warning") in ("error", "warning")]
	if bad:
	    sys.stderr.write(open(sys.argv[2]).read())
	    sys.exit("sarif-multitool: %d errors or warnings" % len(bad))
	EOF
}

# sarif_check FILE: what the validator does not check (it passes unknown enum values silently)
sarif_check() {
	python3 - "$1" <<-\EOF
	import json, re, sys
	d = json.load(open(sys.argv[1], encoding="utf-8"))
	assert d["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json" and d["version"] == "2.1.0", d
	assert len(d["runs"]) == 1
	run = d["runs"][0]
	drv = run["tool"]["driver"]
	assert drv["name"] == "hush" and drv["semanticVersion"] and "informationUri" not in drv
	sev = {"error": "8.9", "warning": "6.5", "note": "3.0"}
	for r in drv["rules"]:
	    for k in ("id", "name", "shortDescription", "fullDescription", "help", "defaultConfiguration", "properties"):
	        assert k in r, (k, r)
	    assert r["help"]["text"] and r["help"]["markdown"]
	    assert "rotate" in r["help"]["text"] and "history" in r["help"]["text"]
	    lvl = r["defaultConfiguration"]["level"]
	    assert lvl in sev, r
	    p = r["properties"]
	    assert p["tags"] == ["security", "secret"] and p["security-severity"] == sev[lvl], p
	    assert p["precision"] in ("high", "medium", "low"), p
	ids = [r["id"] for r in drv["rules"]]
	assert ids == sorted(set(ids)), ids
	assert set(ids) == {r["ruleId"] for r in run["results"]}, "rules: only those with results"
	assert "%SRCROOT%" in run["originalUriBaseIds"]
	for res in run["results"]:
	    assert ids[res["ruleIndex"]] == res["ruleId"], res
	    assert res["level"] == drv["rules"][res["ruleIndex"]]["defaultConfiguration"]["level"], res
	    assert res["ruleId"] in res["message"]["text"], res
	    loc = res["locations"][0]["physicalLocation"]
	    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
	    assert re.fullmatch(r"[A-Za-z0-9._~/%-]+", loc["artifactLocation"]["uri"]), loc
	    assert loc["region"]["startLine"] >= 1 and loc["region"]["endLine"] >= loc["region"]["startLine"]
	    assert re.fullmatch("[0-9a-f]{32}", res["partialFingerprints"]["hushFingerprint/v1"]), res
	EOF
}

# no_tokens FILE...: none of the generated secrets appears whole in any FILE
no_tokens() {
	for t in "$T_GH" "$T_AWS" "$T_STRIPE" "$T_PG" "$T_LOW"; do
		grep_none "$t" "$@" || return 1
	done
}

FORMATS="text json jsonl sarif csv junit github gitleaks"

test_expect_success "setup: a fixed tree with findings of every confidence, a path with a comma and a colon" '
	mkdir -p tree/config tree/sub &&
	printf "# app settings\nGITHUB_TOKEN=%s\n" "$T_GH" >tree/config/app.env &&
	printf "%s and %s\n" "$T_AWS" "$T_STRIPE" >"tree/sub/odd,name:x.txt" &&
	printf "url: postgres://app:%s@db.internal:5432/app\n" "$T_PG" >tree/db.txt &&
	printf "api_key = %s\n" "$T_LOW" >tree/notes.txt &&
	printf "nothing to see\n" >tree/clean.txt
'

for fmt in $FORMATS; do
	test_expect_success "--format $fmt matches the golden file" '
		expect_code 1 "$HUSH" scan -q --salt fixed-salt --format '"$fmt"' tree >out.'"$fmt"' &&
		check_golden scan.'"$fmt"' out.'"$fmt"' &&
		no_tokens out.'"$fmt"'
	'
done

test_expect_success "setup: a repository whose history holds secrets (fixed dates, so fixed commit ids)" '
	mkdir repo &&
	(
		cd repo &&
		git init -q &&
		export GIT_AUTHOR_NAME="Ann Example" GIT_AUTHOR_EMAIL=ann@example.invalid &&
		export GIT_AUTHOR_DATE="2024-05-01T12:00:00+02:00" GIT_COMMITTER_DATE="2024-05-01T12:00:00+02:00" &&
		printf "# app settings\nGITHUB_TOKEN=%s\n" "$T_GH" >app.env &&
		printf "url: postgres://app:%s@db.internal:5432/app\n" "$T_PG" >"db,prod:1.txt" &&
		git add . && git commit -qm "add config" &&
		export GIT_AUTHOR_DATE="2024-05-02T09:30:00-05:00" GIT_COMMITTER_DATE="2024-05-02T09:30:00-05:00" &&
		git rm -q app.env "db,prod:1.txt" && git commit -qm "remove config"
	)
'

for fmt in sarif csv gitleaks github; do
	test_expect_success "--history --format $fmt matches the golden file" '
		expect_code 1 "$HUSH" scan -q --history --salt fixed-salt --format '"$fmt"' repo >hist.'"$fmt"' &&
		check_golden history.'"$fmt"' hist.'"$fmt"' &&
		no_tokens hist.'"$fmt"'
	'
done

test_expect_success "the SARIF validator is installed (scripts/install-deps.sh) and reports a broken log" '
	test -x "$SARIF_MULTITOOL" || fail "sarif-multitool is missing: run scripts/install-deps.sh (it installs it into .tools/)" &&
	"$SARIF_MULTITOOL" --version >ver 2>&1 && grep_q "SARIF Multitool 5\." ver &&
	python3 -c "import json, sys; d = json.load(open(\"out.sarif\")); d[\"runs\"][0][\"results\"][0][\"locations\"][0][\"physicalLocation\"][\"region\"][\"startLine\"] = 0; json.dump(d, open(\"broken.sarif\", \"w\"))" &&
	! sarif_validate broken.sarif 2>err &&
	grep_q "JSON1008" err
'

test_expect_success "SARIF of a file scan: sarif-multitool finds no error and no warning" '
	sarif_validate out.sarif && sarif_check out.sarif &&
	json_check out.sarif "sorted(r[\"level\"] for r in d[\"runs\"][0][\"results\"]) == [\"error\", \"error\", \"error\", \"note\", \"warning\"]" &&
	json_check out.sarif "\"sub/odd%2Cname%3Ax.txt\" in [r[\"locations\"][0][\"physicalLocation\"][\"artifactLocation\"][\"uri\"] for r in d[\"runs\"][0][\"results\"]]"
'

test_expect_success "SARIF of a history scan: valid, with commit, blob, author_email and author_date" '
	sarif_validate hist.sarif && sarif_check hist.sarif &&
	json_check hist.sarif "all(set(r[\"properties\"]) == {\"commit\", \"blob\", \"author_email\", \"author_date\"} for r in d[\"runs\"][0][\"results\"])" &&
	json_check hist.sarif "{r[\"properties\"][\"author_date\"] for r in d[\"runs\"][0][\"results\"]} == {\"2024-05-01T12:00:00+02:00\"}"
'

test_expect_success "SARIF of --staged, of --diff and of a clean scan are valid too" '
	mkdir staged && (cd staged && git init -q && printf "k: %s\n" "$T_GH" >s.txt && git add s.txt) &&
	expect_code 1 "$HUSH" scan -q --staged --salt fixed-salt --format sarif staged >staged.sarif &&
	sarif_validate staged.sarif && sarif_check staged.sarif &&
	(cd staged && git diff --cached) >d.diff &&
	expect_code 1 "$HUSH" scan -q --diff d.diff --salt fixed-salt --format sarif >diff.sarif &&
	sarif_validate diff.sarif && sarif_check diff.sarif &&
	expect_code 0 "$HUSH" scan -q --format sarif tree/clean.txt >clean.sarif &&
	sarif_validate clean.sarif && sarif_check clean.sarif &&
	json_check clean.sarif "d[\"runs\"][0][\"results\"] == [] and d[\"runs\"][0][\"tool\"][\"driver\"][\"rules\"] == []"
'

test_expect_success "SARIF never holds the secret, not even with --show-secrets" '
	expect_code 1 "$HUSH" scan -q --show-secrets --format sarif tree >shown.sarif &&
	no_tokens shown.sarif &&
	grep_none "ghp_" shown.sarif && grep_none "…" shown.sarif
'

test_expect_success "CSV: parses with python csv, RFC 4180 quoting and CRLF, formula triggers neutralised" '
	mkdir inj &&
	for n in "=HYPERLINK(1)" "+cmd" "@SUM(1)" "-x" "$(printf "\tt")" "q\"uote,comma"; do
		printf "k: %s\n" "$T_GH" >"inj/$n.txt" || return 1
	done &&
	expect_code 1 "$HUSH" scan -q --format csv inj >inj.csv &&
	python3 - inj.csv out.csv <<-\EOF &&
	import csv, sys
	raw = open(sys.argv[1], "rb").read()
	assert raw.count(b"\r\n") == raw.count(b"\n") == 7, raw
	rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
	assert rows[0] == ["rule_id", "description", "confidence", "path", "line", "column", "end_line", "secret",
	                   "entropy", "fingerprint", "commit", "author_email", "author_date"], rows[0]
	paths = sorted(r[3] for r in rows[1:])
	want = sorted(["inj/" + n + ".txt" for n in ("=HYPERLINK(1)", "+cmd", "@SUM(1)", "-x", "\tt", "q\"uote,comma")])
	assert paths == want, paths   # these start with inj/, so nothing to neutralise
	for r in rows[1:]:
	    assert len(r) == 13 and r[7].endswith("\u2026"), r
	rows = list(csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8")))
	assert len(rows) == 5 and {r["confidence"] for r in rows} == {"high", "medium", "low"}, rows
	EOF
	(cd inj && expect_code 1 "$HUSH" scan -q --format csv -- "=HYPERLINK(1).txt" "+cmd.txt" "@SUM(1).txt" -x.txt "$(printf "\tt").txt" >../inj2.csv) &&
	python3 - inj2.csv <<-\EOF
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
	got = sorted(r["path"] for r in rows)
	assert got == sorted(["\x27=HYPERLINK(1).txt", "\x27+cmd.txt", "\x27@SUM(1).txt", "\x27-x.txt", "\x27\tt.txt"]), got
	EOF
'

test_expect_success "CSV: the secret only with --show-secrets; history columns filled" '
	expect_code 1 "$HUSH" scan -q --show-secrets --format csv tree >shown.csv &&
	python3 - shown.csv "$T_GH" "$T_STRIPE" <<-\EOF &&
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
	secrets = {r["secret"] for r in rows}
	assert sys.argv[2] in secrets and sys.argv[3] in secrets, secrets
	EOF
	python3 - hist.csv <<-\EOF
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
	assert len(rows) == 2
	for r in rows:
	    assert len(r["commit"]) == 40 and r["author_email"] == "ann@example.invalid", r
	    assert r["author_date"] == "2024-05-01T12:00:00+02:00", r
	EOF
'

test_expect_success "JUnit: parses with xml.etree; one failure per finding; clean scan is one passing test" '
	python3 - out.junit <<-\EOF &&
	import sys, xml.etree.ElementTree as ET
	root = ET.parse(sys.argv[1]).getroot()
	assert root.tag == "testsuites" and root.get("tests") == "5" and root.get("failures") == "5", root.attrib
	suite = root.find("testsuite")
	assert suite.get("name") == "hush" and suite.get("tests") == "5" and suite.get("failures") == "5"
	cases = suite.findall("testcase")
	assert len(cases) == 5
	for c in cases:
	    f = c.find("failure")
	    assert f is not None and f.get("type") in c.get("name") and c.get("name").startswith(f.get("type") + " at ")
	    assert c.get("classname") in c.get("name") and "Fingerprint: " in f.text and "(redacted)" in f.text
	EOF
	expect_code 0 "$HUSH" scan -q --format junit tree/clean.txt >clean.xml &&
	python3 - clean.xml <<-\EOF
	import sys, xml.etree.ElementTree as ET
	root = ET.parse(sys.argv[1]).getroot()
	suite = root.find("testsuite")
	assert suite.get("tests") == "1" and suite.get("failures") == "0", suite.attrib
	cases = suite.findall("testcase")
	assert len(cases) == 1 and cases[0].find("failure") is None
	EOF
'

test_expect_success "JUnit: markup and control characters in a path are escaped or replaced" '
	mkdir xml && printf "k: %s\n" "$T_GH" >"xml/a<b>&\"c\" $(printf "\001\033")d.txt" &&
	expect_code 1 "$HUSH" scan -q --format junit xml >ctl.xml &&
	python3 - ctl.xml <<-\EOF
	import sys, xml.etree.ElementTree as ET
	c = ET.parse(sys.argv[1]).getroot().find("testsuite/testcase")
	assert c.get("classname") == "xml/a<b>&\"c\" \ufffd\ufffdd.txt", repr(c.get("classname"))
	EOF
'

test_expect_success "JUnit: the whole secret only with --show-secrets" '
	expect_code 1 "$HUSH" scan -q --show-secrets --format junit tree >shown.xml &&
	grep_q "$T_GH" shown.xml && grep_q "$T_STRIPE" shown.xml &&
	python3 -c "import xml.etree.ElementTree as ET; ET.parse(\"shown.xml\")"
'

test_expect_success "gitleaks: exactly gitleaks' keys and types, its fingerprint form, REDACTED" '
	python3 - out.gitleaks hist.gitleaks <<-\EOF &&
	import json, re, sys
	types = {"RuleID": str, "Description": str, "StartLine": int, "EndLine": int, "StartColumn": int,
	         "EndColumn": int, "Match": str, "Secret": str, "File": str, "SymlinkFile": str, "Commit": str,
	         "Entropy": float, "Author": str, "Email": str, "Date": str, "Message": str, "Tags": list,
	         "Fingerprint": str}
	for path in sys.argv[1:]:
	    d = json.load(open(path, encoding="utf-8"))
	    assert isinstance(d, list) and d, d
	    for f in d:
	        assert set(f) == set(types), sorted(f)
	        for k, t in types.items():
	            assert type(f[k]) is t, (k, f[k])
	        assert f["Secret"] == f["Match"] == "REDACTED", f
	        if f["Commit"]:
	            assert f["Fingerprint"] == "%s:%s:%s:%d" % (f["Commit"], f["File"], f["RuleID"], f["StartLine"]), f
	            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", f["Date"]), f
	            assert f["Author"] == "Ann Example" and f["Email"] == "ann@example.invalid", f
	        else:
	            assert f["Fingerprint"] == "%s:%s:%d" % (f["File"], f["RuleID"], f["StartLine"]), f
	        assert f["EndColumn"] >= f["StartColumn"] >= 1, f
	EOF
	json_check hist.gitleaks "{f[\"Date\"] for f in d} == {\"2024-05-01T10:00:00Z\"}" &&
	expect_code 0 "$HUSH" scan -q --format gitleaks tree/clean.txt >clean.json &&
	json_check clean.json "d == []" &&
	expect_code 1 "$HUSH" scan -q --show-secrets --format gitleaks tree >shown.json &&
	json_check shown.json "\"$T_GH\" in [f[\"Secret\"] for f in d] and all(f[\"Match\"] == f[\"Secret\"] for f in d)"
'

test_expect_success "github: one command per finding, level by confidence, properties and data escaped" '
	grep_q "^::error file=sub/odd%2Cname%3Ax.txt,line=1,col=1,endLine=1,title=hush aws-access-key-id::" out.github &&
	grep_q "^::warning file=db.txt,line=1,col=21,endLine=1,title=hush uri-postgres::" out.github &&
	grep_q "^::notice file=notes.txt,line=1,col=11,endLine=1,title=hush generic-secret-assignment::" out.github &&
	test "$(wc -l <out.github)" -eq 5 &&
	mkdir gh && printf "k: %s\n" "$T_GH" >"gh/100%,a:b$(printf "\r")
c.txt" &&
	mkdir ghrules && cat >ghrules/r.yml <<-\EOF &&
	rules:
	  - id: pct-rule
	    description: "100% sure: a test, with commas"
	    pattern: \b(zq[0-9]{12})\b
	    keywords: [zq]
	    confidence: high
	EOF
	printf "v = zq%s\n" "$(det_chars pct 0-9 12)" >gh/p.txt &&
	expect_code 1 "$HUSH" scan -q --rules ghrules --format github gh >esc.github &&
	grep_q "^::error file=100%25%2Ca%3Ab%0D%0Ac.txt,line=1,col=4,endLine=1,title=hush github-classic-pat::" esc.github &&
	grep_q "^::error file=p.txt,line=1,col=5,endLine=1,title=hush pct-rule::100%25 sure: a test, with commas (rule pct-rule)\. " esc.github &&
	test "$(wc -l <esc.github)" -eq 2 &&
	expect_code 0 "$HUSH" scan -q --format github tree/clean.txt >clean.github &&
	test ! -s clean.github
'

test_expect_success "every format works with --report, and an unknown format is refused" '
	for fmt in $FORMATS; do
		expect_code 1 "$HUSH" scan -q --salt fixed-salt --format "$fmt" --report "rep.$fmt" tree >stdout &&
		test ! -s stdout && normalise "rep.$fmt" >rep.norm && normalise "out.$fmt" >out.norm &&
		test_cmp out.norm rep.norm || return 1
	done &&
	expect_code 2 "$HUSH" scan --format yaml tree >out 2>err &&
	grep_q "sarif, csv, junit, github or gitleaks" err
'

test_done
