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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entropy),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_rule_filters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
