/* test_config.c: .hush.yml parsing, allowlist globs and fingerprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_glob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
