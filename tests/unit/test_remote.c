/* test_remote.c: the Vault client's pure parts: references, the retry policy and backoff, KV v2 responses and
 * their error messages, guarded JSON parsing, and plain sets built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "hush/error.h"
#include "hush/remote.h"
#include "hush/vault.h"

#define ADDR "https://vault.example:8200"

static void test_refs(void **state)
{
	static const struct {
		const char *spec, *mount, *path, *field, *display;
		unsigned version;
	} ok[] = {
		{ "vault://secret/myapp/prod", "secret", "myapp/prod", NULL, "secret/myapp/prod", 0 },
		{ "secret/data/myapp/prod", "secret", "myapp/prod", NULL, "secret/myapp/prod", 0 },
		{ "vault://secret/data/myapp/prod?version=3", "secret", "myapp/prod", NULL, "secret/myapp/prod?version=3", 3 },
		{ "vault://secret/hush#prod", "secret", "hush", "prod", "secret/hush", 0 },
		{ "vault://secret/hush?version=2#prod", "secret", "hush", "prod", "secret/hush?version=2", 2 },
		{ "kv/team/data/app", "kv/team", "app", NULL, "kv/team/app", 0 },
		{ "vault://secret/a/b/", "secret", "a/b", NULL, "secret/a/b", 0 },
		{ "vault://secret/data", "secret", "data", NULL, "secret/data", 0 },
	};
	static const char *const bad[] = {
		"vault://secret",          "vault://",          "vault://secret/",       "vault://secret//x",
		"vault://secret/../sys/x", "vault://secret/./x", "vault://secret/a b",    "vault://secret/a?v=1",
		"vault://secret/a?version=0", "vault://secret/a?version=x", "vault://secret/a#", "vault://secret/a#f/g",
		"vault://secret/a%2e", "vault://secret/a\\b", "vault:///secret/a",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		hush_remote_ref r;

		if (hush_remote_ref_parse(&r, ok[i].spec) != 0)
			fail_msg("'%s': %s", ok[i].spec, hush_error_last());
		assert_string_equal(r.mount, ok[i].mount);
		assert_string_equal(r.path, ok[i].path);
		assert_string_equal(r.display, ok[i].display);
		assert_int_equal(r.version, ok[i].version);
		if (ok[i].field)
			assert_string_equal(r.field, ok[i].field);
		else
			assert_null(r.field);
		hush_remote_ref_dispose(&r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hush_remote_ref r;

		if (hush_remote_ref_parse(&r, bad[i]) != HUSH_EINVALID)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(hush_error_last(), "invalid Vault path"));
		assert_null(r.mount);
	}
	assert_true(hush_remote_is_ref("vault://x/y"));
	assert_false(hush_remote_is_ref("secret/x"));
	assert_false(hush_remote_is_ref(NULL));
}

static void test_retry_policy(void **state)
{
	(void)state;
	assert_true(hush__remote_retryable(HUSH__NET_CONNECT, 0, false));
	assert_false(hush__remote_retryable(HUSH__NET_TIMEOUT, 0, false));
	assert_false(hush__remote_retryable(HUSH__NET_TLS, 0, false));
	assert_false(hush__remote_retryable(HUSH__NET_TOOBIG, 0, false));
	assert_false(hush__remote_retryable(HUSH__NET_OTHER, 0, false));
	assert_true(hush__remote_retryable(HUSH__NET_OK, 429, false));
	assert_true(hush__remote_retryable(HUSH__NET_OK, 500, false));
	assert_true(hush__remote_retryable(HUSH__NET_OK, 502, false));
	assert_true(hush__remote_retryable(HUSH__NET_OK, 503, false));
	assert_false(hush__remote_retryable(HUSH__NET_OK, 503, true)); /* sealed */
	assert_false(hush__remote_retryable(HUSH__NET_OK, 501, false));
	for (long s = 200; s < 500; s++)
		if (s != 429)
			assert_false(hush__remote_retryable(HUSH__NET_OK, s, false));
}

static void test_backoff(void **state)
{
	static const unsigned full[] = { 200, 400, 800, 1600, 3200, 3200, 3200 };

	(void)state;
	for (unsigned a = 1; a <= 7; a++) {
		unsigned lo = hush__remote_backoff_ms(a, 0), hi = hush__remote_backoff_ms(a, UINT32_MAX);

		assert_int_equal(lo, full[a - 1] / 2);
		assert_true(hi < full[a - 1] && hi >= full[a - 1] - 1);
		for (uint32_t r = 1; r < 1000; r++) {
			unsigned d = hush__remote_backoff_ms(a, r * 4294967u);

			assert_true(d >= lo && d <= hi);
		}
	}
	assert_int_equal(hush__remote_backoff_ms(0, 0), 100); /* treated as the first retry */
	assert_int_equal(hush__remote_backoff_ms(100, 0), 1600);
}

/* parse a response body for ref spec; returns the error code, *out on success */
static int parse(hush_vault_plain **out, long status, const char *body, const char *spec, const char *token)
{
	hush_remote_ref r;
	int err;

	assert_int_equal(hush_remote_ref_parse(&r, spec), 0);
	err = hush__remote_parse_kv(out, status, (const unsigned char *)body, strlen(body), &r, ADDR, token);
	hush_remote_ref_dispose(&r);
	return err;
}

static void test_parse_ok(void **state)
{
	static const char body[] =
		"{\"request_id\":\"x\",\"lease_id\":\"\",\"renewable\":false,\"lease_duration\":0,"
		"\"data\":{\"data\":{\"ZED\":\"last\",\"DB\":\"p\\u00e9 \\\"q\\\"\",\"NUL\":\"a\\u0000b\",\"PORT\":5432,"
		"\"ON\":true,\"NOTHING\":null,\"OBJ\":{\"b\":1,\"a\":[2]}},"
		"\"metadata\":{\"created_time\":\"t\",\"deletion_time\":\"\",\"destroyed\":false,\"version\":2}},"
		"\"wrap_info\":null,\"warnings\":null,\"auth\":null}";
	static const struct {
		const char *name, *value;
		size_t len;
	} want[] = {
		{ "DB", "p\xc3\xa9 \"q\"", 7 }, { "NOTHING", "", 0 }, { "NUL", "a\0b", 3 },
		{ "OBJ", "{\"a\":[2],\"b\":1}", 15 }, { "ON", "true", 4 }, { "PORT", "5432", 4 }, { "ZED", "last", 4 },
	};
	hush_vault_plain *p = NULL;
	json_malloc_t m1, m2;
	json_free_t f1, f2;

	(void)state;
	json_get_alloc_funcs(&m1, &f1);
	if (parse(&p, 200, body, "secret/myapp/prod", NULL) != 0)
		fail_msg("%s", hush_error_last());
	json_get_alloc_funcs(&m2, &f2);
	assert_ptr_equal(m1, m2); /* jansson's allocator is put back */
	assert_ptr_equal(f1, f2);
	assert_int_equal(hush_vault_plain_count(p), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t len;
		const unsigned char *v = hush_vault_plain_value(p, i, &len);

		assert_string_equal(hush_vault_plain_name(p, i), want[i].name);
		assert_int_equal(len, want[i].len);
		assert_memory_equal(v, want[i].value, len);
		assert_int_equal(v[len], 0);
	}
	assert_int_equal(hush_vault_plain_find(p, "PORT"), 5);
	assert_int_equal(hush_vault_plain_find(p, "NOPE"), -1);
	hush_vault_plain_free(p);
	/* an empty secret is fine */
	assert_int_equal(parse(&p, 200, "{\"data\":{\"data\":{},\"metadata\":{}}}", "secret/x/y", NULL), 0);
	assert_int_equal(hush_vault_plain_count(p), 0);
	hush_vault_plain_free(p);
}

static void test_parse_errors(void **state)
{
	static const struct {
		long status;
		const char *body, *msg;
		int err;
	} cases[] = {
		{ 403, "{\"errors\":[\"permission denied\"]}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": permission denied (403): the token is invalid or "
		  "its policies do not allow reading this path",
		  HUSH_EPERM },
		{ 403, "{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\"]}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": permission denied (403): the token is invalid or "
		  "its policies do not allow reading this path",
		  HUSH_EPERM },
		{ 403, "{\"errors\":[\"token s.SECRETTOKEN is expired\"]}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": permission denied (403): the token is invalid or "
		  "its policies do not allow reading this path: token s.? is expired",
		  HUSH_EPERM },
		{ 404, "{\"errors\":[]}", "cannot read 'secret/app/prod' from Vault at " ADDR ": no secret at this path (404)",
		  HUSH_ENOTFOUND },
		{ 404, "", "cannot read 'secret/app/prod' from Vault at " ADDR ": no secret at this path (404)",
		  HUSH_ENOTFOUND },
		{ 404,
		  "{\"data\":{\"data\":null,\"metadata\":{\"deletion_time\":\"2026-01-02T03:04:05Z\",\"destroyed\":false,"
		  "\"version\":4}}}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": version 4 was deleted at 2026-01-02T03:04:05Z (404): "
		  "undelete it or read another version",
		  HUSH_ENOTFOUND },
		{ 404, "{\"data\":{\"data\":null,\"metadata\":{\"deletion_time\":\"\",\"destroyed\":true,\"version\":2}}}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": version 2 is destroyed (404)", HUSH_ENOTFOUND },
		{ 200, "{\"data\":{\"data\":null,\"metadata\":{\"deletion_time\":\"T\",\"destroyed\":false,\"version\":1}}}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": version 1 was deleted at T (404)", HUSH_ENOTFOUND },
		{ 503, "{\"errors\":[\"Vault is sealed\"]}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": Vault is sealed (503)", HUSH_EIO },
		{ 500, "{\"errors\":[\"internal\\nerror\\ttabs\"]}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": server error (500): internal error tabs", HUSH_EIO },
		{ 502, "<html>bad gateway</html>",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": server error (502)", HUSH_EIO },
		{ 429, "{\"errors\":[\"a\",\"b\"]}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": server error (429): a; b", HUSH_EIO },
		{ 307, "", "cannot read 'secret/app/prod' from Vault at " ADDR ": redirected (307)", HUSH_EIO },
		{ 400, "{\"errors\":[\"bad path\"]}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": refused (400): bad path", HUSH_EINVALID },
		{ 200, "{\"data\":{\"data\":{\"A\":\"secret-value-1\"", /* cut short */
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": invalid JSON in the response (200, line 1, column",
		  HUSH_EIO },
		{ 200, "{\"data\":{\"keys\":[\"a\"]}}",
		  "cannot read 'secret/app/prod' from Vault at " ADDR ": the response has no .data.data object (is 'secret' a "
		  "KV version 2 mount?)",
		  HUSH_EINVALID },
		{ 200, "{\"data\":{\"data\":{\"bad-name\":\"x\"}}}",
		  "cannot use 'secret/app/prod' from Vault at " ADDR ": its field 'bad-name' is not a variable name",
		  HUSH_EINVALID },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hush_vault_plain *p = NULL;
		int err = parse(&p, cases[i].status, cases[i].body, "secret/app/prod", "SECRETTOKEN");

		assert_null(p);
		if (err != cases[i].err || strncmp(hush_error_last(), cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: got %d '%s', want %d '%s...'", i, err, hush_error_last(), cases[i].err,
				 cases[i].msg);
		assert_null(strstr(hush_error_last(), "SECRETTOKEN"));
		assert_null(strstr(hush_error_last(), "secret-value-1"));
	}
}

/* a long server message is cut to one short line */
static void test_long_server_message(void **state)
{
	char body[4096];
	hush_vault_plain *p = NULL;

	(void)state;
	memset(body, 0, sizeof(body));
	memcpy(body, "{\"errors\":[\"", 12);
	memset(body + 12, 'e', 3000);
	memcpy(body + 3012, "\"]}", 3);
	assert_int_equal(parse(&p, 400, body, "secret/a/b", NULL), HUSH_EINVALID);
	assert_true(strlen(hush_error_last()) < 400);
	assert_non_null(strstr(hush_error_last(), "..."));
	assert_null(strchr(hush_error_last(), '\n'));
}

static void test_plain_from(void **state)
{
	const char *names[] = { "B", "A", "B", "C" };
	const unsigned char *values[] = { (const unsigned char *)"b1", (const unsigned char *)"a",
					  (const unsigned char *)"b2-later", (const unsigned char *)"" };
	size_t lens[] = { 2, 1, 8, 0 };
	hush_vault_plain *p = NULL;
	size_t len;

	(void)state;
	assert_int_equal(hush_vault_plain_from(&p, 4, names, values, lens), 0);
	assert_int_equal(hush_vault_plain_count(p), 3);
	assert_string_equal(hush_vault_plain_name(p, 0), "A");
	assert_string_equal(hush_vault_plain_name(p, 1), "B");
	assert_memory_equal(hush_vault_plain_value(p, 1, &len), "b2-later", 8); /* the later pair wins */
	assert_int_equal(len, 8);
	hush_vault_plain_value(p, 2, &len);
	assert_int_equal(len, 0);
	hush_vault_plain_free(p);
	assert_int_equal(hush_vault_plain_from(&p, 0, NULL, NULL, NULL), 0);
	assert_int_equal(hush_vault_plain_count(p), 0);
	hush_vault_plain_free(p);
}

/* Objects made inside the guarded window are freed inside it; the process allocator is untouched. */
static int build_and_free(void *ctx)
{
	json_t *o = json_pack("{s:s, s:[i,i,i]}", "k", "some value", "l", 1, 2, 3);
	char *s = json_dumps(o, JSON_COMPACT);

	*(size_t *)ctx = s ? strlen(s) : 0;
	json_decref(o);
	return 7;
}

static void test_guarded(void **state)
{
	size_t len = 0;
	json_t *outside;

	(void)state;
	assert_int_equal(hush__json_guarded(build_and_free, &len, 100), 7);
	assert_int_equal(len, strlen("{\"k\":\"some value\",\"l\":[1,2,3]}"));
	outside = json_string("made with malloc"); /* the default allocator again */
	assert_non_null(outside);
	json_decref(outside);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_retry_policy),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_long_server_message),
		cmocka_unit_test(test_plain_from),
		cmocka_unit_test(test_guarded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
