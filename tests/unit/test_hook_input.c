/* test_hook_input.c: the pre-push and pre-receive stdin parsers (cli/hook_input.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cli/hook_input.h"
#include "hush/error.h"

#define A40 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B40 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C40 "0123456789abcdef0123456789abcdef01234567"
#define Z40 "0000000000000000000000000000000000000000"

static int push(hook_updates *u, const char *s)
{
	memset(u, 0, sizeof(*u));
	return hook_parse_pre_push(u, s, strlen(s));
}

static int recv(hook_updates *u, const char *s)
{
	memset(u, 0, sizeof(*u));
	return hook_parse_pre_receive(u, s, strlen(s));
}

static void test_pre_push(void **state)
{
	hook_updates u;

	(void)state;
	/* two updates, a deletion skipped, blank lines and CRs, no final newline, a fifth field ignored */
	assert_int_equal(push(&u, "\nrefs/heads/a " A40 " refs/heads/a " B40 "\r\n"
				  "(delete) " Z40 " refs/heads/old " C40 "\n"
				  "  \t\n"
				  "refs/heads/b\t" C40 "\trefs/heads/b " Z40 " extra"), 0);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.v[0].tip, A40);
	assert_string_equal(u.v[0].base, B40);
	assert_string_equal(u.v[1].tip, C40);
	assert_string_equal(u.v[1].base, Z40);
	hook_updates_dispose(&u);

	assert_int_equal(push(&u, ""), 0);
	assert_int_equal(u.n, 0);
	hook_updates_dispose(&u);
}

static void test_pre_push_errors(void **state)
{
	static const char *const bad[] = {
		"refs/heads/a " A40 " refs/heads/a\n",                     /* three fields */
		"refs/heads/a " A40 "0 refs/heads/a " B40 "\n",            /* 41 digits */
		"refs/heads/a AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA refs/heads/a " B40 "\n", /* upper case */
		"refs/heads/a " A40 " refs/heads/a " B40 "\nx\n",          /* a later bad line */
	};
	hook_updates u;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(push(&u, bad[i]), HUSH_EINVALID);
		assert_non_null(strstr(hush_error_last(), "cannot read the pre-push input line '"));
		assert_non_null(strstr(hush_error_last(), "': expected '<local ref> <local sha> <remote ref> <remote sha>'"));
		hook_updates_dispose(&u);
	}
	/* the line is quoted, cut at 200 bytes */
	{
		char line[400];
		const char *q;

		memset(line, 'x', 300);
		line[300] = '\0';
		assert_int_equal(push(&u, line), HUSH_EINVALID);
		q = strchr(hush_error_last(), '\'');
		assert_non_null(q);
		assert_int_equal(strspn(q + 1, "x"), 200);
		assert_int_equal(q[201], '\'');
		hook_updates_dispose(&u);
	}
}

static void test_pre_receive(void **state)
{
	hook_updates u;

	(void)state;
	assert_int_equal(recv(&u, Z40 " " A40 " refs/heads/new\n"
				  B40 " " Z40 " refs/heads/gone\n"
				  A40 " " C40 " refs/heads/main\n"), 0);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.v[0].tip, A40);
	assert_string_equal(u.v[0].base, Z40);
	assert_string_equal(u.v[1].tip, C40);
	assert_string_equal(u.v[1].base, A40);
	hook_updates_dispose(&u);

	assert_int_equal(recv(&u, A40 " " C40 "\n"), HUSH_EINVALID);
	assert_string_equal(hush_error_last(), "cannot read the pre-receive input line '" A40 " " C40
					       "': expected '<old sha> <new sha> <ref>'");
	hook_updates_dispose(&u);
	assert_int_equal(recv(&u, "\n\n" A40 " " C40 " refs/heads/x y z\n"), 0); /* fields past the third ignored */
	assert_int_equal(u.n, 1);
	hook_updates_dispose(&u);
}

static void test_many_lines(void **state)
{
	enum { N = 100000 };
	static char buf[N * 100];
	size_t len = 0;
	hook_updates u;

	(void)state;
	for (size_t i = 0; i < N; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, Z40 " %040zx refs/heads/b%zu\n", i + 1, i);
	memset(&u, 0, sizeof(u));
	assert_int_equal(hook_parse_pre_receive(&u, buf, len), 0);
	assert_int_equal(u.n, N);
	hook_updates_dispose(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pre_push),
		cmocka_unit_test(test_pre_push_errors),
		cmocka_unit_test(test_pre_receive),
		cmocka_unit_test(test_many_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
