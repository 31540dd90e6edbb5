/* test_dotenv.c: the dotenv parser (every syntax case, errors with line numbers) and the quoting round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "hush/dotenv.h"
#include "hush/error.h"
#include "hush/vault.h"
#include "common/banned.h"

static hush_dotenv *parse_ok(const char *text)
{
	hush_dotenv *d = NULL;

	if (hush_dotenv_parse(&d, text, strlen(text), "t.env") != 0)
		fail_msg("parse failed: %s", hush_error_last());
	return d;
}

/* The value of name, compared through the hush_secret it lives in. */
static void check_value(const hush_dotenv *d, const char *name, const void *want, size_t len)
{
	for (size_t i = 0; i < hush_dotenv_count(d); i++) {
		if (strcmp(hush_dotenv_name_at(d, i), name))
			continue;
		const hush_secret *s = hush_dotenv_value_at(d, i);

		assert_int_equal(hush_secret_len(s), len);
		assert_int_equal(sodium_memcmp(hush_secret_data(s), want, len), 0);
		return;
	}
	fail_msg("no entry '%s'", name);
}

#define EXPECT(d, name, lit) check_value(d, name, lit, sizeof(lit) - 1)

static void expect_error(const char *text, size_t len, const char *msg)
{
	hush_dotenv *d = (hush_dotenv *)1;

	assert_int_equal(hush_dotenv_parse(&d, text, len, "t.env"), HUSH_EINVALID);
	assert_null(d);
	if (!strstr(hush_error_last(), msg))
		fail_msg("error '%s' does not contain '%s'", hush_error_last(), msg);
}

static void test_basic(void **state)
{
	hush_dotenv *d;

	(void)state;
	d = parse_ok("A=1\nB=two words\n\n   \nC=x=y\n_lower9=z");
	assert_int_equal(hush_dotenv_count(d), 4);
	assert_string_equal(hush_dotenv_name_at(d, 0), "A");
	assert_string_equal(hush_dotenv_name_at(d, 3), "_lower9");
	EXPECT(d, "A", "1");
	EXPECT(d, "B", "two words");
	EXPECT(d, "C", "x=y");
	EXPECT(d, "_lower9", "z");
	assert_int_equal(hush_dotenv_line_at(d, 2), 5);
	hush_dotenv_free(d);
	d = parse_ok("");
	assert_int_equal(hush_dotenv_count(d), 0);
	hush_dotenv_free(d);
}

static void test_export_prefix_and_spaces(void **state)
{
	hush_dotenv *d;

	(void)state;
	d = parse_ok("export A=1\n  export\tB = 2\nexport=3\n\tC\t=\t  spaced out  \t\n");
	EXPECT(d, "A", "1");
	EXPECT(d, "B", "2");
	EXPECT(d, "export", "3");
	EXPECT(d, "C", "spaced out");
	hush_dotenv_free(d);
}

static void test_comments(void **state)
{
	hush_dotenv *d;

	(void)state;
	d = parse_ok("# a comment\n  # indented\nA=1 # trailing\nB=a#b\nC=#start\nD= # only a comment\n"
		     "E=x\t# tab\nF='q # in' # after\nG=\"h # in\"#after\n");
	assert_int_equal(hush_dotenv_count(d), 7);
	EXPECT(d, "A", "1");
	EXPECT(d, "B", "a#b");
	EXPECT(d, "C", "#start");
	EXPECT(d, "D", "");
	EXPECT(d, "E", "x");
	EXPECT(d, "F", "q # in");
	EXPECT(d, "G", "h # in");
	hush_dotenv_free(d);
}

static void test_single_quotes(void **state)
{
	hush_dotenv *d;

	(void)state;
	d = parse_ok("A='  lit \\n \\\" $HOME '\nB=''\nC='a\nb'\nD='x\"y'\n");
	EXPECT(d, "A", "  lit \\n \\\" $HOME ");
	EXPECT(d, "B", "");
	EXPECT(d, "C", "a\nb");
	EXPECT(d, "D", "x\"y");
	assert_int_equal(hush_dotenv_line_at(d, 3), 5);
	hush_dotenv_free(d);
}

static void test_double_quotes(void **state)
{
	hush_dotenv *d;

	(void)state;
	d = parse_ok("A=\"a\\nb\\rc\\td\\\"e\\\\f\\$g\"\nB=\"\"\nC=\"  keep  \"\nD=\"$HOME\"\nE=\"\\q\\\\\"\nF=\"'\"\n");
	EXPECT(d, "A", "a\nb\rc\td\"e\\f$g");
	EXPECT(d, "B", "");
	EXPECT(d, "C", "  keep  ");
	EXPECT(d, "D", "$HOME");
	EXPECT(d, "E", "\\q\\");
	EXPECT(d, "F", "'");
	hush_dotenv_free(d);
}

static void test_multiline(void **state)
{
	hush_dotenv *d;

	(void)state;
	d = parse_ok("KEY=\"-----BEGIN KEY-----\nline two\n\n-----END KEY-----\"\nNEXT=1\n");
	EXPECT(d, "KEY", "-----BEGIN KEY-----\nline two\n\n-----END KEY-----");
	EXPECT(d, "NEXT", "1");
	assert_int_equal(hush_dotenv_line_at(d, 0), 1);
	assert_int_equal(hush_dotenv_line_at(d, 1), 5);
	hush_dotenv_free(d);
}

static void test_crlf(void **state)
{
	hush_dotenv *d;

	(void)state;
	d = parse_ok("A=1\r\n# c\r\nB=\"x\r\ny\"\r\nC='z' \r\nD=\r\nE=e # c\r\nF=last\r");
	assert_int_equal(hush_dotenv_count(d), 6);
	EXPECT(d, "A", "1");
	EXPECT(d, "B", "x\ny");
	EXPECT(d, "C", "z");
	EXPECT(d, "D", "");
	EXPECT(d, "E", "e");
	EXPECT(d, "F", "last");
	assert_int_equal(hush_dotenv_line_at(d, 5), 8);
	hush_dotenv_free(d);
}

static void test_empty_and_duplicates(void **state)
{
	hush_dotenv *d;

	(void)state;
	d = parse_ok("A=\nB=first\nA=second\nB=\n");
	assert_int_equal(hush_dotenv_count(d), 2);
	EXPECT(d, "A", "second");
	EXPECT(d, "B", "");
	assert_int_equal(hush_dotenv_line_at(d, 0), 3);
	hush_dotenv_free(d);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("A=1\nsecret-without-equals\n", 26, "t.env:2: expected NAME=value");
	expect_error("A=1\n\n9BAD=x\n", 11, "t.env:3: invalid variable name");
	expect_error("A-B=x\n", 6, "t.env:1: invalid variable name");
	expect_error("=x\n", 3, "t.env:1: invalid variable name");
	expect_error("export =x\n", 10, "t.env:1: invalid variable name");
	expect_error("A=1\nB=\"open\nstill\n", 18, "t.env:2: unterminated double-quoted value");
	expect_error("A='open\n", 8, "t.env:1: unterminated single-quoted value");
	expect_error("A=\"x\" y\n", 8, "t.env:1: unexpected text after the closing quote");
	expect_error("A=\"x\ny\" z\n", 10, "t.env:2: unexpected text after the closing quote");
	expect_error("A=1\nB=x\0y\n", 10, "t.env:2: NUL byte");
	/* SECURITY: the message never quotes the line */
	expect_error("hunter2-password\n", 17, "t.env:1:");
	assert_null(strstr(hush_error_last(), "hunter2"));
}

static int sink_append(void *ctx, const void *data, size_t len)
{
	hush_secret **acc = ctx, *grown = NULL;
	size_t old = hush_secret_len(*acc);

	if (hush_secret_new(&grown, NULL, old + len) != 0)
		return HUSH_ENOMEM;
	memcpy(hush_secret_data(grown), hush_secret_data(*acc), old);
	memcpy(hush_secret_data(grown) + old, data, len);
	hush_secret_free(*acc);
	*acc = grown;
	return 0;
}

static void test_quote_round_trip(void **state)
{
	static const char *const values[] = {
		"", "plain", "  lead and trail  ", "new\nline\n", "cr\rlf\r\n", "tab\there", "q\"uote's",
		"back\\slash\\", "$HOME ${X} $", "# not a comment", "a #b", "=eq=", "'single'", "\"", "\\n literal",
		"ünïcödé ✓",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		hush_secret *acc = NULL;
		hush_dotenv *d;
		size_t n;

		assert_int_equal(hush_secret_new(&acc, "V=", 2), 0);
		assert_int_equal(hush_dotenv_quote(values[i], strlen(values[i]), sink_append, &acc), 0);
		assert_int_equal(sink_append(&acc, "\n", 1), 0);
		n = hush_secret_len(acc);
		assert_null(memchr(hush_secret_data(acc), '\n', n - 1)); /* one line per value */
		assert_int_equal(hush_dotenv_parse(&d, (const char *)hush_secret_data(acc), n, "q"), 0);
		assert_int_equal(hush_dotenv_count(d), 1);
		check_value(d, "V", values[i], strlen(values[i]));
		hush_dotenv_free(d);
		hush_secret_free(acc);
	}
}

static void test_quote_nul(void **state)
{
	hush_secret *acc = NULL;

	(void)state;
	assert_int_equal(hush_secret_new(&acc, NULL, 0), 0);
	assert_int_equal(hush_dotenv_quote("a\0b", 3, sink_append, &acc), HUSH_EINVALID);
	assert_int_equal(hush_secret_len(acc), 0);
	hush_secret_free(acc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_export_prefix_and_spaces),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_single_quotes),
		cmocka_unit_test(test_double_quotes),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_empty_and_duplicates),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_quote_round_trip),
		cmocka_unit_test(test_quote_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
