/* test_config.c: .hush.yml parsing (allow, allowlist, per-rule allow sets), .hushignore, globs and fingerprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "hush/config.h"
#include "hush/error.h"

static void test_parse(void **state)
{
	static const char yml[] = "salt: s3\nbuiltin_rules: false\nrules: [extra/, more.yml]\n"
				  "disable_rules: [generic-secret-assignment]\n"
				  "allowlist:\n  paths: ['tests/fixtures/', '*.lock', 'docs/**/*.md']\n"
				  "  fingerprints: [0123456789abcdef0123456789abcdef]\n";
	hush_config *c;

	(void)state;
	assert_int_equal(hush_config_parse(&c, ".hush.yml", yml, strlen(yml)), 0);
	assert_string_equal(c->salt, "s3");
	assert_false(c->builtin_rules);
	assert_int_equal(c->nrules, 2);
	assert_string_equal(c->rules[1], "more.yml");
	assert_int_equal(c->ndisable_rules, 1);
	assert_true(hush_config_path_allowed(c, "tests/fixtures/a/b.txt"));
	assert_true(hush_config_path_allowed(c, "tests/fixtures"));
	assert_false(hush_config_path_allowed(c, "tests/fixturesX/a"));
	assert_true(hush_config_path_allowed(c, "sub/dir/Cargo.lock"));
	assert_true(hush_config_path_allowed(c, "docs/a/b/c.md"));
	assert_true(hush_config_path_allowed(c, "docs/c.md"));
	assert_false(hush_config_path_allowed(c, "src/c.md"));
	assert_true(hush_config_fingerprint_allowed(c, "0123456789abcdef0123456789abcdef"));
	assert_false(hush_config_fingerprint_allowed(c, "0123456789abcdef0123456789abcdee"));
	hush_config_free(c);
}

static void test_errors(void **state)
{
	static const struct {
		const char *yml, *msg;
	} cases[] = {
		{ "salt: a\nallowlist:\n  pathz: []\n", ".hush.yml:3:3: unknown key 'pathz' in allowlist" },
		{ "rulez: []\n", ".hush.yml:1:1: unknown key 'rulez'" },
		{ "builtin_rules: maybe\n", ".hush.yml:1:16: 'builtin_rules' must be true or false, not 'maybe'" },
		{ "rules: {a: b}\n", ".hush.yml:1:8: 'rules' must be a list of strings" },
		{ "[1, 2]\n", ".hush.yml:1:1: expected a mapping of settings" },
		{ "a: [\n", ".hush.yml:2:1:" },
		{ "salt: a\nsalt: b\n", ".hush.yml:2:1: duplicate key 'salt'" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hush_config *c = NULL;

		assert_int_not_equal(hush_config_parse(&c, ".hush.yml", cases[i].yml, strlen(cases[i].yml)), 0);
		assert_null(c);
		if (strncmp(hush_error_last(), cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: got '%s', want '%s...'", i, hush_error_last(), cases[i].msg);
	}
}

static void test_empty_file(void **state)
{
	hush_config *c;

	(void)state;
	assert_int_equal(hush_config_parse(&c, ".hush.yml", "", 0), 0);
	assert_true(c->builtin_rules);
	assert_null(c->salt);
	hush_config_free(c);
	/* keys with nothing after them (YAML null) are empty lists */
	assert_int_equal(hush_config_parse(&c, ".hush.yml", "rules:\nallow:\n  paths:\n  stopwords:\n", 36), 0);
	assert_int_equal(c->nrules, 0);
	assert_int_equal(c->nallow_paths, 0);
	assert_int_equal(c->allow.nstopwords, 0);
	hush_config_free(c);
}

static void test_allow(void **state)
{
	static const char yml[] = "allow:\n"
				  "  paths: [vendor/]\n"
				  "  regexes: ['^AKIA.*TEST$', '(?i)sample']\n"
				  "  stopwords: [NotReal]\n"
				  "  fingerprints: [FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF, 0123456789abcdef0123456789abcdef]\n"
				  "  rules:\n"
				  "    github-classic-pat:\n"
				  "      paths: ['test/**']\n"
				  "      stopwords: [ghp_0000]\n"
				  "    slack-bot-token: {regexes: '-0{3}-'}\n";
	hush_config *c;

	(void)state;
	assert_int_equal(hush_config_parse(&c, ".hush.yml", yml, strlen(yml)), 0);
	assert_true(hush_config_path_allowed(c, "vendor/a.txt"));
	assert_int_equal(c->allow.nregexes, 2);
	assert_int_equal(c->allow.nstopwords, 1);
	assert_string_equal(c->allow.stopwords[0], "notreal");
	/* fingerprints: lowercased and sorted */
	assert_int_equal(c->nallow_fingerprints, 2);
	assert_string_equal(c->allow_fingerprints[1], "ffffffffffffffffffffffffffffffff");
	assert_true(hush_config_fingerprint_allowed(c, "ffffffffffffffffffffffffffffffff"));
	assert_true(hush_config_fingerprint_allowed(c, "0123456789abcdef0123456789abcdef"));
	assert_false(hush_config_fingerprint_allowed(c, "0123456789abcdef0123456789abcdee"));
	/* global regexes and stopwords apply to every rule, anywhere */
	assert_true(hush_config_finding_allowed(c, "aws-access-key-id", "src/a", "AKIA1234TEST", 12));
	assert_false(hush_config_finding_allowed(c, "aws-access-key-id", "src/a", "AKIA1234TESTX", 13));
	assert_true(hush_config_finding_allowed(c, "x", "src/a", "abcSAMPLEdef", 12));
	assert_true(hush_config_finding_allowed(c, "x", "src/a", "a-notREAL-b", 11));
	assert_false(hush_config_finding_allowed(c, "x", "src/a", "a-notREA", 8));
	/* the secret is given by length: bytes after it do not count, NUL bytes inside do */
	assert_false(hush_config_finding_allowed(c, "x", "src/a", "abcSAMPL" "E", 8));
	assert_true(hush_config_finding_allowed(c, "x", "src/a", "\0sample", 7));
	/* per rule */
	assert_int_equal(c->nallow_rules, 2);
	assert_string_equal(c->allow_rules[0].rule_id, "github-classic-pat");
	assert_int_equal(c->allow_rules[0].line, 7);
	assert_int_equal(c->allow_rules[0].column, 5);
	assert_true(hush_config_finding_allowed(c, "github-classic-pat", "test/x/y.txt", "ghp_abc", 7));
	assert_false(hush_config_finding_allowed(c, "aws-access-key-id", "test/x/y.txt", "AKIAxyz", 7));
	assert_false(hush_config_finding_allowed(c, "github-classic-pat", "src/y.txt", "ghp_abc", 7));
	assert_false(hush_config_finding_allowed(c, "github-classic-pat", "", "ghp_abc", 7));
	assert_true(hush_config_finding_allowed(c, "github-classic-pat", "src/y.txt", "GHP_0000abc", 11));
	assert_false(hush_config_finding_allowed(c, "slack-bot-token", "src/y.txt", "ghp_0000abc", 11));
	assert_true(hush_config_finding_allowed(c, "slack-bot-token", "src/y.txt", "xoxb-000-1", 10));
	assert_false(hush_config_finding_allowed(c, "github-classic-pat", "src/y.txt", "xoxb-000-1", 10));
	assert_false(hush_config_finding_allowed(NULL, "x", "a", "sample", 6));
	hush_config_free(c);
}

static void test_allowlist_alias(void **state)
{
	static const char yml[] = "allowlist:\n  paths: [a/]\n  stopwords: [zz]\n  regexes: [q]\n";
	hush_config *c;

	(void)state;
	assert_int_equal(hush_config_parse(&c, ".hush.yml", yml, strlen(yml)), 0);
	assert_true(hush_config_path_allowed(c, "a/b"));
	assert_true(hush_config_finding_allowed(c, "r", "b", "xZZy", 4));
	assert_true(hush_config_finding_allowed(c, "r", "b", "q", 1));
	assert_int_equal(c->nallow_rules, 0);
	hush_config_free(c);
}

static void test_allow_errors(void **state)
{
	static const struct {
		const char *yml, *msg;
	} cases[] = {
		{ "allow:\n  regexes: ['a(b']\n",
		  ".hush.yml:2:13: invalid regex in 'allow.regexes': missing closing parenthesis at offset 3" },
		{ "allow:\n  regexes:\n    - ok\n    - '*x'\n",
		  ".hush.yml:4:7: invalid regex in 'allow.regexes': quantifier does not follow a repeatable item at "
		  "offset 0" },
		{ "allow:\n  rules:\n    r1:\n      regexes: '[z-a]'\n",
		  ".hush.yml:4:16: invalid regex in 'allow.rules.r1.regexes': range out of order" },
		{ "allow:\n  pathz: []\n", ".hush.yml:2:3: unknown key 'pathz' in allow" },
		{ "allow: [a]\n", ".hush.yml:1:8: 'allow' must be a mapping" },
		{ "allow:\n  paths: [a]\n  paths: [b]\n", ".hush.yml:3:3: duplicate key 'paths' in allow" },
		{ "allow:\n  stopwords: [a, '']\n", ".hush.yml:2:18: empty string in 'allow.stopwords'" },
		{ "allow:\n  stopwords: ''\n", ".hush.yml:2:14: empty string in 'allow.stopwords'" },
		{ "rules: \"\"\n", ".hush.yml:1:8: empty string in 'rules'" },
		{ "allow:\n  fingerprints: [abc]\n",
		  ".hush.yml:2:18: 'allow.fingerprints' entries are fingerprints: 32 hexadecimal digits" },
		{ "allowlist:\n  fingerprints: 0123456789abcdef0123456789abcdeg\n",
		  ".hush.yml:2:17: 'allowlist.fingerprints' entries are fingerprints" },
		{ "allow:\n  rules: [a]\n", ".hush.yml:2:10: 'allow.rules' must be a mapping of rule ids" },
		{ "allow:\n  rules:\n    r1: {paths: [a]}\n    r1: {paths: [b]}\n",
		  ".hush.yml:4:5: duplicate rule 'r1' in allow.rules" },
		{ "allow:\n  rules:\n    r1: {fingerprints: [a]}\n",
		  ".hush.yml:3:10: unknown key 'fingerprints' in allow.rules.r1" },
		{ "allow:\n  rules:\n    r1:\n      rules: {}\n", ".hush.yml:4:7: unknown key 'rules' in allow.rules.r1" },
		{ "allow:\n  rules:\n    r1: [a]\n", ".hush.yml:3:9: 'allow.rules.r1' must be a mapping" },
		{ "allow:\n  rules:\n    '': {}\n", ".hush.yml:3:5: empty rule id in allow.rules" },
		{ "allowlist:\n  rules: {}\n", ".hush.yml:2:3: 'rules' belongs under 'allow', not 'allowlist'" },
		{ "allow: {}\nallowlist: {}\n",
		  ".hush.yml:2:1: conflicting key 'allowlist': 'allowlist' is the old name of 'allow', use one" },
		{ "allow: {}\nallow: {}\n", ".hush.yml:2:1: duplicate key 'allow'" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hush_config *c = NULL;

		assert_int_not_equal(hush_config_parse(&c, ".hush.yml", cases[i].yml, strlen(cases[i].yml)), 0);
		assert_null(c);
		if (strncmp(hush_error_last(), cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: got '%s', want '%s...'", i, hush_error_last(), cases[i].msg);
	}
}

static void test_ignore(void **state)
{
	static const char good[] = "# accepted findings\n\n"
				   "0123456789ABCDEF0123456789abcdef  # revoked\r\n"
				   "\tffffffffffffffffffffffffffffffff\n"
				   "  # indented comment\n"
				   "00000000000000000000000000000000#tight";
	static const struct {
		const char *data, *msg;
	} bad[] = {
		{ "0123456789abcdef0123456789abcdef\nnope\n", ".hushignore:2:1: expected a fingerprint (32 hexadecimal" },
		{ "\n\n  0123456789abcdef0123456789abcde\n", ".hushignore:3:3: expected a fingerprint" },
		{ "0123456789abcdef0123456789abcdef0\n", ".hushignore:1:1: expected a fingerprint" },
		{ "0123456789abcdef 0123456789abcdef\n", ".hushignore:1:1: expected a fingerprint" },
		{ "0123456789abcdef0123456789abcdeg\n", ".hushignore:1:1: expected a fingerprint" },
	};
	hush_config *c;

	(void)state;
	assert_int_equal(hush_config_new(&c), 0);
	assert_int_equal(hush_config_parse_ignore(c, ".hushignore", good, strlen(good)), 0);
	assert_int_equal(c->nallow_fingerprints, 3);
	assert_true(hush_config_fingerprint_allowed(c, "0123456789abcdef0123456789abcdef"));
	assert_true(hush_config_fingerprint_allowed(c, "ffffffffffffffffffffffffffffffff"));
	assert_true(hush_config_fingerprint_allowed(c, "00000000000000000000000000000000"));
	assert_int_equal(hush_config_parse_ignore(c, ".hushignore", "", 0), 0);
	assert_int_equal(c->nallow_fingerprints, 3);
	hush_config_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hush_config_new(&c), 0);
		assert_int_not_equal(hush_config_parse_ignore(c, ".hushignore", bad[i].data, strlen(bad[i].data)), 0);
		if (strncmp(hush_error_last(), bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %zu: got '%s', want '%s...'", i, hush_error_last(), bad[i].msg);
		hush_config_free(c);
	}
	/* a missing file is not an error and creates nothing */
	c = NULL;
	assert_int_equal(hush_config_load_ignore(&c, "/nonexistent/dir/.hushignore"), 0);
	assert_null(c);
}

static bool known_ids(const char *id, void *payload)
{
	(void)payload;
	return !strcmp(id, "known");
}

static void test_check_rule_ids(void **state)
{
	static const char yml[] = "allow:\n  rules:\n    known: {paths: [a]}\n    unknown-one: {paths: [b]}\n";
	hush_config *c;

	(void)state;
	assert_int_equal(hush_config_parse(&c, "cfg.yml", yml, strlen(yml)), 0);
	assert_int_not_equal(hush_config_check_rule_ids(c, known_ids, NULL), 0);
	assert_string_equal(hush_error_last(), "cfg.yml:4:5: unknown rule 'unknown-one' in allow.rules");
	hush_config_free(c);
	assert_int_equal(hush_config_check_rule_ids(NULL, known_ids, NULL), 0);
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(hush__glob_match("*.c", "src/a.c"));
	assert_true(hush__glob_match("src/*.c", "src/a.c"));
	assert_false(hush__glob_match("src/*.c", "src/sub/a.c"));
	assert_true(hush__glob_match("src/**/*.c", "src/sub/deep/a.c"));
	assert_true(hush__glob_match("src/**/*.c", "src/a.c"));
	assert_true(hush__glob_match("src/?.c", "src/a.c"));
	assert_false(hush__glob_match("src/?.c", "src/ab.c"));
	assert_true(hush__glob_match("src/[ab].c", "src/b.c"));
	assert_false(hush__glob_match("src/[!ab].c", "src/b.c"));
	assert_true(hush__glob_match("/vendor/", "vendor/x/y"));
	assert_true(hush__glob_match("**", "anything/at/all"));
	assert_false(hush__glob_match("src/a.c", "src/a.cc"));
	assert_true(hush__glob_match("a\\*b", "a*b"));
	/* the literal head up to the first special character is compared first */
	assert_true(hush__glob_match("tests/unit/", "tests/unit"));
	assert_true(hush__glob_match("tests/unit/", "tests/unit/a.c"));
	assert_false(hush__glob_match("tests/unit/", "tests/units/a.c"));
	assert_false(hush__glob_match("tests/unit/", "tests/uni"));
	assert_false(hush__glob_match("docs/rules.md", "docs/rules.mdx"));
	assert_true(hush__glob_match("[st]rc/a.c", "src/a.c"));
	assert_true(hush__glob_match("a\\[b", "a[b"));
}

static void test_environments(void **state)
{
	static const char yml[] = "environments:\n"
				  "  prod: {vault: \"secret/data/myapp/prod\"}\n"
				  "  team-b:\n    vault: kv/team/data/app?version=3\n    namespace: team-b\n"
				  "audit: [syslog, required]\n";
	static const struct {
		const char *yml, *msg;
	} bad[] = {
		{ "environments: [prod]\n", ".hush.yml:1:15: 'environments' must be a mapping" },
		{ "environments:\n  Prod: {vault: a/b}\n", ".hush.yml:2:3: invalid environment name 'Prod'" },
		{ "environments:\n  prod: {vault: a/b}\n  prod: {vault: c/d}\n",
		  ".hush.yml:3:3: duplicate environment 'prod'" },
		{ "environments:\n  prod: secret/x\n", ".hush.yml:2:9: environments.prod must be a mapping" },
		{ "environments:\n  prod: {valt: a/b}\n", ".hush.yml:2:10: unknown key 'valt' in environments.prod" },
		{ "environments:\n  prod: {namespace: x}\n", ".hush.yml:2:9: environments.prod has no 'vault' path" },
		{ "environments:\n  prod: {vault: \"a b\"}\n",
		  ".hush.yml:2:17: 'environments.prod.vault' must be a non-empty string without spaces" },
		{ "environments:\n  prod: {vault: [a]}\n", ".hush.yml:2:17:" },
		{ "audit: loud\n", ".hush.yml:1:8: unknown audit setting 'loud'" },
		{ "audit: file\naudit: syslog\n", ".hush.yml:2:1: duplicate key 'audit'" },
	};
	hush_config *c;

	(void)state;
	assert_int_equal(hush_config_parse(&c, ".hush.yml", yml, strlen(yml)), 0);
	assert_int_equal(c->nenvs, 2);
	assert_string_equal(hush_config_env_find(c, "prod")->vault, "secret/data/myapp/prod");
	assert_null(hush_config_env_find(c, "prod")->namespace_);
	assert_string_equal(hush_config_env_find(c, "team-b")->vault, "kv/team/data/app?version=3");
	assert_string_equal(hush_config_env_find(c, "team-b")->namespace_, "team-b");
	assert_int_equal(hush_config_env_find(c, "team-b")->line, 3);
	assert_null(hush_config_env_find(c, "dev"));
	assert_int_equal(c->audit_dest, HUSH_CONFIG_AUDIT_SYSLOG);
	assert_true(c->audit_required);
	hush_config_free(c);
	assert_int_equal(hush_config_parse(&c, ".hush.yml", "audit: file\n", 12), 0);
	assert_int_equal(c->audit_dest, HUSH_CONFIG_AUDIT_FILE);
	assert_false(c->audit_required);
	hush_config_free(c);
	assert_int_equal(hush_config_parse(&c, ".hush.yml", "salt: x\n", 8), 0);
	assert_int_equal(c->audit_dest, 0);
	assert_int_equal(c->nenvs, 0);
	hush_config_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = NULL;
		assert_int_not_equal(hush_config_parse(&c, ".hush.yml", bad[i].yml, strlen(bad[i].yml)), 0);
		assert_null(c);
		if (strncmp(hush_error_last(), bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %zu: got '%s', want '%s...'", i, hush_error_last(), bad[i].msg);
	}
}

/* Many stars cost O(pattern x path), not exponential time (found by fuzz_config: this took hours before). */
static void test_glob_many_stars(void **state)
{
	char path[256], pattern[HUSH_GLOB_MAX + 8];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "%c/", 'a' + i % 26);
	snprintf(path + n, sizeof(path) - n, "file.txt");
	assert_false(hush__glob_match("**/**/**/**/**/**/**/**/**/**/**/**/z.txt", path));
	assert_true(hush__glob_match("**/**/**/**/**/**/**/**/**/**/**/**/file.txt", path));
	assert_false(hush__glob_match("a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(hush__glob_match("*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/x", path));
	/* a pattern over HUSH_GLOB_MAX bytes matches nothing */
	memset(pattern, '*', sizeof(pattern) - 1);
	pattern[sizeof(pattern) - 1] = '\0';
	assert_false(hush__glob_match(pattern, "a"));
	assert_true(hush__glob_match(pattern + sizeof(pattern) - 1 - HUSH_GLOB_MAX, "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_glob_many_stars),
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_allowlist_alias),
		cmocka_unit_test(test_allow_errors),
		cmocka_unit_test(test_ignore),
		cmocka_unit_test(test_check_rule_ids),
		cmocka_unit_test(test_environments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
