/* test_filter.c: entropy, placeholder detection and the per-rule filters. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hush/filter.h"

static void test_entropy(void **state)
{
	unsigned char all[256];

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	assert_true(hush_entropy("", 0) == 0.0);
	assert_true(hush_entropy("aaaaaaaa", 8) == 0.0);
	assert_true(fabs(hush_entropy("abababab", 8) - 1.0) < 1e-9);
	assert_true(fabs(hush_entropy("abcd", 4) - 2.0) < 1e-9);
	assert_true(fabs(hush_entropy((const char *)all, 256) - 8.0) < 1e-9);
	/* a random-looking token scores well above an English word */
	assert_true(hush_entropy("q8Vx2LmZ7pR4tK9w", 16) > 3.5);
	assert_true(hush_entropy("password", 8) < 3.0);
}

static void test_placeholders(void **state)
{
	static const char *yes[] = { "xxxxxxxxxxxxxxxx", "<your-token>", "${DB_PASSWORD}", "{{ .Values.key }}",
				     "changeme", "CHANGE_ME", "example-key-123", "AKIAIOSFODNN7EXAMPLE",
				     "your_api_key_here", "placeholder", "dummy-secret", "%(password)s",
				     "****************", "REDACTED", "aaaaaaaaaaaa", "<insert key>" };
	static const char *no[] = { "q8Vx2LmZ7pR4tK9w", "ghp_4Fh2kLq9ZpX7mV1cR8tY3nB6sD0wJ5aE", "s3cr3t-Pa55w0rd!",
				    "AKIA4RZ2QJ7XK3M5N8PV" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!hush_is_placeholder(yes[i], strlen(yes[i])))
			fail_msg("'%s' should be a placeholder", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (hush_is_placeholder(no[i], strlen(no[i])))
			fail_msg("'%s' should not be a placeholder", no[i]);
}

/* Templates, masks, sequences, repetitions and published example values (issue 8). */
static void test_placeholders_more(void **state)
{
	static const char *yes[] = {
		/* templates */
		"$(cat /run/secrets/db)", "#{ENV['API_KEY']}", "@DB_PASSWORD@", "%API_TOKEN%", "{password}",
		"[SECRET_KEY]", "__API_KEY__", "$DB_PASSWORD", "<token>", "{{secrets.NPM_TOKEN}}",
		/* masks */
		"sk_live_xxx_123", "XXX-XXX-XXX", "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2secret",
		/* sequences and repetitions */
		"Zq9abcdefW2", "pass123456word", "qz987654321y", "ZYXWVUq1", "abcabcabcabc", "12341234", "deadbeefdeadbeef",
		"Qwerty!2024", "asdfghjkl",
		/* published example values: RFC 6749, RFC 5849, jwt.io, Stripe's documentation */
		"2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA", "dpf43f3p2l4k3l03", "kd94hf93k423kf44",
		"eyJhbGciOiJIUzI1NiJ9.e30.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "fake-token-1", "not_a_real_key",
	};
	static const char *no[] = {
		"q8Vx2LmZ7pR4tK9w", "Hq3kM9vX2pLw", "tok_Q7mZ2xR9pL4vK8nW3tY6bJ1h", "9fQ2mZx7LkP4vB8nR1tY6wJ3hC5dG0aS",
		"a1b2c3d4e5f6", "abcde9vX", "xoxb-2718281828-3141592653-Zq8Wv4Kt", "s3cr3t-Pa55w0rd!", "@home", "100%",
		"{a b}", "$ 12", "ab$cd",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!hush_is_placeholder(yes[i], strlen(yes[i])))
			fail_msg("'%s' should be a placeholder", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (hush_is_placeholder(no[i], strlen(no[i])))
			fail_msg("'%s' should not be a placeholder", no[i]);
}

/* Tests and documentation lower the confidence of what they hold. */
static void test_path_context(void **state)
{
	static const struct {
		const char *path;
		hush_path_context want;
	} cases[] = {
		{ "src/app/config.py", HUSH_CONTEXT_NONE },
		{ "tests/unit/test_auth.py", HUSH_CONTEXT_TEST },
		{ "test/fixtures/creds.json", HUSH_CONTEXT_TEST },
		{ "pkg/spec/models/user.rb", HUSH_CONTEXT_TEST },
		{ "web/src/__tests__/api.js", HUSH_CONTEXT_TEST },
		{ "internal/auth/testdata/token.txt", HUSH_CONTEXT_TEST },
		{ "Fixtures/keys.yml", HUSH_CONTEXT_TEST },
		{ "auth/token_test.go", HUSH_CONTEXT_TEST },
		{ "src/test_client.py", HUSH_CONTEXT_TEST },
		{ "src/client.test.ts", HUSH_CONTEXT_TEST },
		{ "src/client.spec.js", HUSH_CONTEXT_TEST },
		{ "spec/user_spec.rb", HUSH_CONTEXT_TEST },
		{ "src/main/java/LoginTest.java", HUSH_CONTEXT_TEST },
		{ "docs/setup.md", HUSH_CONTEXT_DOCS },
		{ "README.md", HUSH_CONTEXT_DOCS },
		{ "guide/INSTALL.rst", HUSH_CONTEXT_DOCS },
		{ "examples/deploy.yaml", HUSH_CONTEXT_DOCS },
		{ "usr/share/doc/pkg/copyright", HUSH_CONTEXT_DOCS },
		{ "docs/tests/x.py", HUSH_CONTEXT_TEST },
		{ "src/latest.py", HUSH_CONTEXT_NONE },
		{ "src/contest/app.py", HUSH_CONTEXT_NONE },
		{ "src/testing_utils.py", HUSH_CONTEXT_NONE },
		{ "attestation/key.pem", HUSH_CONTEXT_NONE },
		{ "-", HUSH_CONTEXT_NONE },
		{ "", HUSH_CONTEXT_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (hush_path_context_of(cases[i].path) != cases[i].want)
			fail_msg("'%s': context %d, expected %d", cases[i].path, hush_path_context_of(cases[i].path),
				 cases[i].want);
	assert_string_equal(hush_path_context_name(HUSH_CONTEXT_TEST), "test");
	assert_string_equal(hush_path_context_name(HUSH_CONTEXT_DOCS), "docs");
	assert_null(hush_path_context_name(HUSH_CONTEXT_NONE));
}

static void test_keyboard_mash(void **state)
{
	static const char *yes[] = { "lsdkfol23w54jlksdef", "qwe089234lkjsdf", "sdlfkj452", "kjfch2345sdf",
				     "askfjh234as9sd8", "h480djs93hd8", "45ghiukldjahdnhzdauz" };
	static const char *no[] = { "q8vx2lmz7pr4tk9w", "Sdlfkj452x", "sdfg12", "asdfghjklasdfghjklasdfghjkl", "lock%26key" };
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	size_t mash = 0, n = 20000;
	hush_rule generic, specific;

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!hush_is_keyboard_mash(yes[i], strlen(yes[i])))
			fail_msg("'%s' should be a keyboard mash", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (hush_is_keyboard_mash(no[i], strlen(no[i])))
			fail_msg("'%s' should not be a keyboard mash", no[i]);
	/* random lowercase-and-digit values of 8 to 24 bytes: few look like one */
	for (size_t i = 0; i < n; i++) {
		char v[24];
		size_t len = 8 + i % 17;

		for (size_t k = 0; k < len; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v[k] = "abcdefghijklmnopqrstuvwxyz0123456789"[(x >> 11) % 36];
		}
		mash += hush_is_keyboard_mash(v, len);
	}
	print_message("keyboard mash: %zu of %zu random values\n", mash, n);
	assert_true(mash * 25 < n);
	/* generic rules only */
	memset(&generic, 0, sizeof(generic));
	memset(&specific, 0, sizeof(specific));
	generic.generic = true;
	assert_false(hush_filter_accept(&generic, "sdlfkj452", 9, 3.2));
	assert_true(hush_filter_accept(&specific, "sdlfkj452", 9, 3.2));
}

static void test_rule_filters(void **state)
{
	char *stop[] = { "fixture" };
	hush_rule r;
	const char *s = "q8Vx2LmZ7pR4tK9w";

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_true(hush_filter_accept(&r, s, strlen(s), hush_entropy(s, strlen(s))));
	r.min_entropy = 4.5;
	assert_false(hush_filter_accept(&r, s, strlen(s), hush_entropy(s, strlen(s))));
	r.min_entropy = 0;
	r.stopwords = stop;
	r.nstopwords = 1;
	assert_false(hush_filter_accept(&r, "abcFIXTUREdef9", 14, 3.5));
	assert_true(hush_filter_accept(&r, s, strlen(s), 3.5));
}

/* A random token of a known format that happens to hold a placeholder word is still a secret; a generic value is not. */
static void test_placeholder_words_in_tokens(void **state)
{
	static const char *const token = "ghp_q8Vx2LmZ7pR4FaKe9wJ3hC5dG0aS1bN6tY";
	static const char *const placeholders[] = { "fake-token-1", "sk_live_dummy_key", "example-key-123",
						    "your_api_key_here", "REDACTED", "changeme-2024" };
	hush_rule generic, specific;

	(void)state;
	memset(&generic, 0, sizeof(generic));
	memset(&specific, 0, sizeof(specific));
	generic.generic = true;
	assert_true(hush_filter_accept(&specific, token, strlen(token), 4.5));
	assert_false(hush_filter_accept(&generic, token, strlen(token), 4.5));
	assert_true(hush_is_placeholder(token, strlen(token)));
	for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++) {
		const char *p = placeholders[i];

		if (hush_filter_accept(&specific, p, strlen(p), 4.0) || hush_filter_accept(&generic, p, strlen(p), 4.0))
			fail_msg("'%s' should be a placeholder for every rule", p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entropy),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_placeholders_more),
		cmocka_unit_test(test_placeholder_words_in_tokens),
		cmocka_unit_test(test_path_context),
		cmocka_unit_test(test_keyboard_mash),
		cmocka_unit_test(test_rule_filters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
