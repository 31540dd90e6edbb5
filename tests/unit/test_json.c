/*
 * test_json.c: hush__json_loadb (common/json.c) gives exactly what jansson's json_loadb gives: the same values in
 * the same key order for the JSON hush writes (its fast path), and jansson's own result or error for the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"

/* The keys of every object in the same order, and equal values. */
static void assert_same(json_t *a, json_t *b)
{
	void *ia, *ib;

	assert_true(json_equal(a, b));
	if (!json_is_object(a))
		return;
	for (ia = json_object_iter(a), ib = json_object_iter(b); ia && ib;
	     ia = json_object_iter_next(a, ia), ib = json_object_iter_next(b, ib)) {
		assert_string_equal(json_object_iter_key(ia), json_object_iter_key(ib));
		assert_same(json_object_iter_value(ia), json_object_iter_value(ib));
	}
	assert_null(ia);
	assert_null(ib);
}

/* Both parsers on text, with and without JSON_REJECT_DUPLICATES: same value or same error. Returns the value. */
static json_t *both(const char *text, bool want_ok)
{
	json_t *keep = NULL;

	for (size_t flags = 0; flags <= JSON_REJECT_DUPLICATES; flags += JSON_REJECT_DUPLICATES) {
		json_error_t fe, je;
		json_t *fast = hush__json_loadb(text, strlen(text), flags, &fe);
		json_t *slow = json_loadb(text, strlen(text), flags, &je);

		if (flags == JSON_REJECT_DUPLICATES)
			assert_true(!fast == !want_ok);
		assert_true(!fast == !slow);
		if (fast) {
			assert_same(fast, slow);
		} else {
			assert_string_equal(fe.text, je.text);
			assert_int_equal(fe.line, je.line);
			assert_int_equal(fe.column, je.column);
		}
		json_decref(slow);
		if (flags == JSON_REJECT_DUPLICATES)
			keep = fast;
		else
			json_decref(fast);
	}
	return keep;
}

static void test_the_vault_layout(void **state)
{
	const char *text = "{\n  \"environment\": \"prod\",\n  \"hush_vault\": 1,\n  \"key_id\": \"b56ad304d4430bba\",\n"
			   "  \"public_key\": \"9XPpTTrPQpQPN2imd+VFgo49AQlupFoP7eQkbyj7NyU=\",\n  \"secrets\": {\n"
			   "    \"DB_URL\": {\n      \"ciphertext\": \"ANG1TiRFqUqto0Bx511E+/==\",\n"
			   "      \"created\": \"2026-11-22T05:28:09Z\",\n      \"updated_by\": \"a b <c@d.example>\"\n"
			   "    },\n    \"API\": {}\n  }\n}\n";
	json_t *v;

	json_error_t e;

	(void)state;
	/* the fast path took it: jansson's parser would have reset the error's source to "<buffer>" */
	snprintf(e.source, sizeof(e.source), "untouched");
	v = hush__json_loadb(text, strlen(text), JSON_REJECT_DUPLICATES, &e);
	assert_non_null(v);
	assert_string_equal(e.source, "untouched");
	json_decref(v);
	snprintf(e.source, sizeof(e.source), "untouched");
	v = hush__json_loadb("{\"a\": [1]}", 10, 0, &e);
	assert_non_null(v);
	assert_string_equal(e.source, "<buffer>");
	json_decref(v);

	v = both(text, true);
	assert_int_equal(json_integer_value(json_object_get(v, "hush_vault")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(v, "secrets"), "DB_URL"),
							      "updated_by")),
			    "a b <c@d.example>");
	json_decref(v);
}

static void test_what_the_fast_path_leaves_to_jansson(void **state)
{
	static const char *const ok[] = {
		"{\"a\": \"caf\xc3\xa9\"}",         /* UTF-8 */
		"{\"a\": \"x\\\"y\\\\z\\n\\u00e9\"}", /* escapes */
		"{\"a\": [1, 2, {\"b\": null}]}",   /* arrays and literals */
		"{\"a\": true, \"b\": false}",
		"{\"a\": -1, \"b\": 1.5, \"c\": 2e3, \"d\": 0}",
		"{\"a\": 1234567890123456789012345}", /* too big for json_int_t: jansson's error */
		"{\"a\": {\"b\": {\"c\": {\"d\": {\"e\": {\"f\": {\"g\": {\"h\": {\"i\": 1}}}}}}}}}",
		"\xef\xbb\xbf{\"a\": 1}", /* a byte-order mark: jansson's error */
		"  {}  ",
	};
	static const char *const bad[] = {
		"",
		"{",
		"{\"a\" 1}",
		"{\"a\": 1,}",
		"{\"a\": 01}",
		"{\"a\": 1} {}",
		"{\"a\": 1, \"a\": 2}", /* a duplicate: an error with JSON_REJECT_DUPLICATES, the last one without */
		"{\"a\": \"tab\there\"}",
		"[1]x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		json_t *v;
		json_error_t je;
		json_t *slow = json_loadb(ok[i], strlen(ok[i]), JSON_REJECT_DUPLICATES, &je);

		v = both(ok[i], slow != NULL);
		json_decref(slow);
		json_decref(v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		json_decref(both(bad[i], false));
}

static void test_a_large_vault_parses_fast_and_equal(void **state)
{
	char *text = malloc(1 << 20), *p = text;
	json_t *v;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "{\"hush_vault\": 1, \"secrets\": {");
	for (int i = 0; i < 2000; i++)
		p += sprintf(p, "%s\"K_%04d\": {\"ciphertext\": \"%0400d\", \"n\": %d}", i ? ", " : "", i, i, i);
	sprintf(p, "}}");
	v = both(text, true);
	assert_int_equal(json_object_size(json_object_get(v, "secrets")), 2000);
	json_decref(v);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_vault_layout),
		cmocka_unit_test(test_what_the_fast_path_leaves_to_jansson),
		cmocka_unit_test(test_a_large_vault_parses_fast_and_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
