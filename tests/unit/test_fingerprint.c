/* test_fingerprint.c: fingerprints are stable, salted, path-bound, line-independent, and never the raw value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hush/fingerprint.h"

static void fp(char out[HUSH_FINGERPRINT_HEXLEN + 1], const char *salt, const char *rule, const char *path,
	       const char *secret)
{
	hush_fingerprint(out, salt, rule, path, secret, strlen(secret));
}

static void test_stable_and_distinct(void **state)
{
	char a[33], b[33];

	(void)state;
	fp(a, "salt1", "github-classic-pat", "src/app.py", "hunter2hunter2");
	fp(b, "salt1", "github-classic-pat", "src/app.py", "hunter2hunter2");
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), HUSH_FINGERPRINT_HEXLEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), HUSH_FINGERPRINT_HEXLEN);
	fp(b, "salt2", "github-classic-pat", "src/app.py", "hunter2hunter2");
	assert_string_not_equal(a, b);
	fp(b, "salt1", "github-oauth-token", "src/app.py", "hunter2hunter2");
	assert_string_not_equal(a, b);
	fp(b, "salt1", "github-classic-pat", "src/app2.py", "hunter2hunter2");
	assert_string_not_equal(a, b);
	fp(b, "salt1", "github-classic-pat", "src/app.py", "hunter2hunter3");
	assert_string_not_equal(a, b);
	/* field boundaries are unambiguous */
	fp(a, "s", "rule", "ab", "c");
	fp(b, "s", "rule", "a", "bc");
	assert_string_not_equal(a, b);
}

/*
 * A known answer, computed independently with Python's hashlib:
 *   k = blake2b(b"hush-salt-v1" + salt, digest_size=32).digest()
 *   blake2b(b"hush-fp-v1" + rule + b"\0" + path + b"\0" + secret, key=k, digest_size=16).hexdigest()
 * A change to the construction would invalidate every baseline, so it must be deliberate.
 */
static void test_known_answer(void **state)
{
	char a[33];

	(void)state;
	fp(a, "hush-test-salt", "demo-token", "config/app.env", "demo_k3j5h2l4m6n8b0v1");
	assert_string_equal(a, "e0f9943c7ed44728bf4ce98ef064ce5c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable_and_distinct),
		cmocka_unit_test(test_known_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
