/* test_vault.c: the vault construction: round trip, AD binding, tampering, wrong keys, key-file permissions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "hush/error.h"
#include "hush/vault.h"
#include "common/util.h"
#define HUSH_CLI /* the test sets HUSH_PRIVATE_KEY_* with setenv */
#include "common/banned.h"

static const char value[] = "correct horse battery staple";

static void test_names(void **state)
{
	(void)state;
	assert_true(hush_vault_env_valid("prod"));
	assert_true(hush_vault_env_valid("eu-west_2"));
	assert_false(hush_vault_env_valid(""));
	assert_false(hush_vault_env_valid("Prod"));
	assert_false(hush_vault_env_valid("../x"));
	assert_false(hush_vault_env_valid("a23456789012345678901234567890123"));
	assert_true(hush_vault_name_valid("DB_PASSWORD"));
	assert_true(hush_vault_name_valid("_x9"));
	assert_false(hush_vault_name_valid("9X"));
	assert_false(hush_vault_name_valid("A-B"));
	assert_false(hush_vault_name_valid(""));
}

static void test_round_trip(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	hush_secret *sk = NULL, *out = NULL;
	hush_vault *v = NULL, *v2 = NULL;
	char dir[] = "/tmp/hush-vault-test.XXXXXX", *path;
	hush_vault_entry e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = hush__path_join(dir, "dev.json");
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_vault_new(&v, "dev", pk), 0);
	assert_int_equal(hush_vault_set(v, "B", value, strlen(value), "2026-01-01T00:00:00Z", "a@example.invalid"), 0);
	assert_int_equal(hush_vault_set(v, "A", "", 0, "2026-01-01T00:00:00Z", NULL), 0);
	assert_int_equal(hush_vault_set(v, "B", "v2", 2, "2026-02-01T00:00:00Z", NULL), 0);
	assert_int_equal(hush_vault_save(v, path), 0);
	assert_int_equal(hush_vault_load(&v2, path, "dev"), 0);
	assert_int_equal(hush_vault_count(v2), 2);
	hush_vault_entry_at(&e, v2, 0);
	assert_string_equal(e.name, "A");
	hush_vault_entry_at(&e, v2, 1);
	assert_string_equal(e.name, "B");
	assert_string_equal(e.created, "2026-01-01T00:00:00Z");
	assert_string_equal(e.updated, "2026-02-01T00:00:00Z");
	assert_int_equal(hush_vault_get(&out, v2, "B", sk), 0);
	assert_int_equal(hush_secret_len(out), 2);
	assert_memory_equal(hush_secret_data(out), "v2", 2);
	hush_secret_free(out);
	assert_int_equal(hush_vault_get(&out, v2, "A", sk), 0);
	assert_int_equal(hush_secret_len(out), 0);
	hush_secret_free(out);
	assert_int_equal(hush_vault_get(&out, v2, "C", sk), HUSH_ENOTFOUND);
	assert_null(out);
	assert_int_equal(hush_vault_remove(v2, "A"), 0);
	assert_int_equal(hush_vault_remove(v2, "A"), HUSH_ENOTFOUND);
	assert_int_equal(hush_vault_count(v2), 1);
	/* another environment's name is refused */
	hush_vault_free(v);
	v = NULL;
	assert_int_equal(hush_vault_load(&v, path, "prod"), HUSH_EENV);
	assert_non_null(strstr(hush_error_last(), "environment mismatch"));
	hush_vault_free(v2);
	hush_secret_free(sk);
	unlink(path);
	free(path);
	rmdir(dir);
}

static void test_ad_binding(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	hush_secret *sk = NULL, *out = NULL;
	char *ct = NULL;

	(void)state;
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_vault_seal(&ct, "dev", pk, "DB_PASS", value, strlen(value)), 0);
	assert_int_equal(hush_vault_open(&out, "dev", pk, "DB_PASS", ct, sk), 0);
	assert_memory_equal(hush_secret_data(out), value, strlen(value));
	hush_secret_free(out);
	out = NULL;
	/* moved to another name */
	assert_int_equal(hush_vault_open(&out, "dev", pk, "API_KEY", ct, sk), HUSH_EDECRYPT);
	assert_null(out);
	assert_string_equal(hush_error_last(), "cannot decrypt 'API_KEY' in environment 'dev'");
	/* moved to another environment's file that uses the same key */
	assert_int_equal(hush_vault_open(&out, "prod", pk, "DB_PASS", ct, sk), HUSH_EDECRYPT);
	assert_null(out);
	assert_string_equal(hush_error_last(), "cannot decrypt 'DB_PASS' in environment 'prod'");
	assert_null(strstr(hush_error_last(), value));
	free(ct);
	hush_secret_free(sk);
}

static void test_ad_binding_files(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	hush_secret *sk = NULL, *out = NULL;
	hush_vault *dev = NULL, *prod = NULL, *moved = NULL;
	char dir[] = "/tmp/hush-vault-test.XXXXXX", *path, *text, *p;
	hush_buf b = HUSH_BUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = hush__path_join(dir, "dev.json");
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_vault_new(&dev, "dev", pk), 0);
	assert_int_equal(hush_vault_set(dev, "AAAA", value, strlen(value), "2026-01-01T00:00:00Z", NULL), 0);
	assert_int_equal(hush_vault_save(dev, path), 0);
	assert_int_equal(hush__read_file(&b, path, 1 << 20), 0);
	text = hush_buf_detach(&b, NULL);
	/* the same ciphertext under another name in the file: renaming "AAAA" to "BBBB" */
	assert_non_null(p = strstr(text, "\"AAAA\""));
	memcpy(p + 1, "BBBB", 4);
	assert_int_equal(hush_vault_parse(&moved, text, strlen(text), "moved", "dev"), 0);
	assert_int_equal(hush_vault_get(&out, moved, "BBBB", sk), HUSH_EDECRYPT);
	assert_null(out);
	hush_vault_free(moved);
	/* the whole file relabelled as environment "prod": same public key, so only the AD tells */
	memcpy(p + 1, "AAAA", 4);
	assert_non_null(p = strstr(text, "\"dev\""));
	assert_int_equal(hush_buf_put(&b, text, (size_t)(p - text)), 0);
	assert_int_equal(hush_buf_puts(&b, "\"prod\""), 0);
	assert_int_equal(hush_buf_puts(&b, p + 5), 0);
	assert_int_equal(hush_vault_parse(&prod, b.ptr, b.len, "prod.json", "prod"), 0);
	assert_int_equal(hush_vault_get(&out, prod, "AAAA", sk), HUSH_EDECRYPT);
	assert_null(out);
	assert_string_equal(hush_error_last(), "cannot decrypt 'AAAA' in environment 'prod'");
	hush_vault_free(prod);
	hush_buf_dispose(&b);
	free(text);
	hush_vault_free(dev);
	hush_secret_free(sk);
	unlink(path);
	free(path);
	rmdir(dir);
}

static void test_tamper_every_byte(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES], *blob;
	hush_secret *sk = NULL, *out = NULL;
	char *ct = NULL, *b64;
	size_t blen = 0, b64len;

	(void)state;
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_vault_seal(&ct, "dev", pk, "DB_PASS", value, strlen(value)), 0);
	blob = malloc(strlen(ct));
	assert_int_equal(sodium_base642bin(blob, strlen(ct), ct, strlen(ct), NULL, &blen, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(blen, 32 + 24 + strlen(value) + 16);
	b64len = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64len);
	for (size_t i = 0; i < blen; i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) { /* the lowest and the highest bit of every byte */
			blob[i] ^= (unsigned char)(1u << bit);
			sodium_bin2base64(b64, b64len, blob, blen, sodium_base64_VARIANT_ORIGINAL);
			out = NULL;
			assert_int_equal(hush_vault_open(&out, "dev", pk, "DB_PASS", b64, sk), HUSH_EDECRYPT);
			assert_null(out);
			blob[i] ^= (unsigned char)(1u << bit);
		}
	}
	/* truncated at every length, and one byte too many */
	for (size_t n = 0; n < blen; n++) {
		sodium_bin2base64(b64, b64len, blob, n, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(hush_vault_open(&out, "dev", pk, "DB_PASS", b64, sk), HUSH_EDECRYPT);
		assert_null(out);
	}
	assert_int_equal(hush_vault_open(&out, "dev", pk, "DB_PASS", "not base64!", sk), HUSH_EDECRYPT);
	/* untouched, it still opens */
	sodium_bin2base64(b64, b64len, blob, blen, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(hush_vault_open(&out, "dev", pk, "DB_PASS", b64, sk), 0);
	hush_secret_free(out);
	free(b64);
	free(blob);
	free(ct);
	hush_secret_free(sk);
}

static void test_wrong_key(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES], pk2[HUSH_VAULT_KEY_BYTES];
	hush_secret *sk = NULL, *sk2 = NULL, *out = NULL;
	hush_vault *v = NULL;
	char *ct = NULL;

	(void)state;
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_vault_keypair(pk2, &sk2), 0);
	assert_int_equal(hush_vault_new(&v, "dev", pk), 0);
	assert_int_equal(hush_vault_set(v, "X", value, strlen(value), "2026-01-01T00:00:00Z", NULL), 0);
	assert_int_equal(hush_vault_check_key(v, sk2, "the key file 'k'"), HUSH_EWRONGKEY);
	assert_non_null(strstr(hush_error_last(), "wrong key for environment 'dev'"));
	assert_non_null(strstr(hush_error_last(), hush_vault_key_id_of(v)));
	assert_int_equal(hush_vault_get(&out, v, "X", sk2), HUSH_EWRONGKEY);
	assert_null(out);
	/* the raw construction with the wrong secret key: an opaque decryption failure */
	assert_int_equal(hush_vault_seal(&ct, "dev", pk, "X", value, strlen(value)), 0);
	assert_int_equal(hush_vault_open(&out, "dev", pk, "X", ct, sk2), HUSH_EDECRYPT);
	assert_null(out);
	free(ct);
	hush_vault_free(v);
	hush_secret_free(sk);
	hush_secret_free(sk2);
}

static void test_parse_errors(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	hush_secret *sk = NULL;
	hush_vault *v = NULL;
	char dir[] = "/tmp/hush-vault-test.XXXXXX", *path, *text;
	hush_buf b = HUSH_BUF_INIT;
	char *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = hush__path_join(dir, "dev.json");
	assert_int_equal(hush_vault_load(&v, path, "dev"), HUSH_ENOTFOUND);
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_vault_new(&v, "dev", pk), 0);
	assert_int_equal(hush_vault_set(v, "X", value, strlen(value), "2026-01-01T00:00:00Z", NULL), 0);
	assert_int_equal(hush_vault_save(v, path), 0);
	hush_vault_free(v);
	v = NULL;
	assert_int_equal(hush__read_file(&b, path, 1 << 20), 0);
	text = hush_buf_detach(&b, NULL);
	/* truncated anywhere: invalid, with jansson's position */
	for (size_t n = 0; n < strlen(text) - 2; n += 7) {
		assert_int_equal(hush_vault_parse(&v, text, n, "t.json", "dev"), HUSH_EINVALID);
		assert_null(v);
	}
	assert_int_equal(hush_vault_parse(&v, text, strlen(text) / 2, "t.json", "dev"), HUSH_EINVALID);
	assert_non_null(strstr(hush_error_last(), "line "));
	assert_non_null(strstr(hush_error_last(), "column "));
	/* unknown version */
	assert_non_null(p = strstr(text, "\"hush_vault\": 1"));
	p[14] = '7';
	assert_int_equal(hush_vault_parse(&v, text, strlen(text), "t.json", "dev"), HUSH_EVERSION);
	assert_non_null(strstr(hush_error_last(), "unsupported vault format version 7"));
	p[14] = '1';
	assert_int_equal(hush_vault_parse(&v, text, strlen(text), "t.json", "dev"), 0);
	hush_vault_free(v);
	v = NULL;
	/* a key id that does not match the public key */
	assert_non_null(p = strstr(text, "\"key_id\": \""));
	p[11] = p[11] == '0' ? '1' : '0';
	assert_int_equal(hush_vault_parse(&v, text, strlen(text), "t.json", "dev"), HUSH_EINVALID);
	assert_non_null(strstr(hush_error_last(), "key_id"));
	assert_int_equal(hush_vault_parse(&v, "[]", 2, "t.json", "dev"), HUSH_EINVALID);
	free(text);
	hush_secret_free(sk);
	unlink(path);
	free(path);
	rmdir(dir);
}

static void test_key_file_permissions(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES], pk2[HUSH_VAULT_KEY_BYTES];
	hush_secret *sk = NULL, *sk2 = NULL;
	char dir[] = "/tmp/hush-vault-test.XXXXXX", *path;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = hush__path_join(dir, "keys/dev.key");
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_key_write(path, "dev", sk), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(hush_key_write(path, "dev", sk), HUSH_EEXISTS);
	assert_int_equal(hush_key_read(&sk2, path, "dev"), 0);
	assert_int_equal(sodium_memcmp(hush_secret_data(sk2), hush_secret_data(sk), HUSH_VAULT_KEY_BYTES), 0);
	hush_secret_free(sk2);
	sk2 = NULL;
	assert_int_equal(hush_key_read(&sk2, path, "prod"), HUSH_EENV);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(hush_key_read(&sk2, path, "dev"), HUSH_EPERM);
	assert_null(sk2);
	assert_non_null(strstr(hush_error_last(), "chmod 600 "));
	assert_non_null(strstr(hush_error_last(), path));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(hush_key_read(&sk2, path, "dev"), HUSH_EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(hush_key_read(&sk2, path, "dev"), 0);
	hush_secret_free(sk2);
	sk2 = NULL;
	/* the variable comes first */
	assert_int_equal(hush_vault_keypair(pk2, &sk2), 0);
	{
		char b64[64], var[96], *source = NULL;
		hush_secret *found = NULL;

		sodium_bin2base64(b64, sizeof(b64), hush_secret_data(sk2), 32, sodium_base64_VARIANT_ORIGINAL);
		hush_key_env_var(var, sizeof(var), "eu-west");
		assert_string_equal(var, "HUSH_PRIVATE_KEY_EU_WEST");
		hush_key_env_var(var, sizeof(var), "dev");
		assert_int_equal(setenv(var, b64, 1), 0);
		assert_int_equal(hush_key_find(&found, &source, "dev", path), 0);
		assert_int_equal(sodium_memcmp(hush_secret_data(found), hush_secret_data(sk2), 32), 0);
		assert_non_null(strstr(source, var));
		hush_secret_free(found);
		free(source);
		assert_int_equal(setenv(var, "short", 1), 0);
		assert_int_equal(hush_key_find(&found, &source, "dev", path), HUSH_EINVALID);
		free(source);
		unsetenv(var);
		assert_int_equal(hush_key_find(&found, &source, "dev", path), 0);
		assert_int_equal(sodium_memcmp(hush_secret_data(found), hush_secret_data(sk), 32), 0);
		hush_secret_free(found);
		free(source);
		unlink(path);
		assert_int_equal(hush_key_find(&found, &source, "dev", path), HUSH_ENOTFOUND);
		assert_non_null(strstr(hush_error_last(), "HUSH_PRIVATE_KEY_DEV"));
		free(source);
	}
	hush_secret_free(sk);
	hush_secret_free(sk2);
	free(path);
	path = hush__path_join(dir, "keys");
	rmdir(path);
	free(path);
	rmdir(dir);
}

/* Read a whole small file into a malloc'd NUL-terminated string. */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *s = calloc(1, 8192);
	size_t n;

	assert_non_null(fp);
	assert_non_null(s);
	n = fread(s, 1, 8191, fp);
	s[n] = 0;
	fclose(fp);
	return s;
}

static void spit(const char *path, const char *text)
{
	FILE *fp;

	unlink(path);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

/* Write to path the text of orig with the first base64 character after "field": " changed. */
static void tamper_field(const char *path, const char *orig, const char *field)
{
	char *t = hush__strdup(orig), needle[64], *p;

	snprintf(needle, sizeof(needle), "\"%s\": \"", field);
	assert_non_null(p = strstr(t, needle));
	p += strlen(needle);
	*p = *p == 'A' ? 'B' : 'A';
	spit(path, t);
	free(t);
}

static void replace_number(const char *path, const char *orig, const char *field, const char *num)
{
	char needle[64], *p, *q;
	hush_buf b = HUSH_BUF_INIT;

	snprintf(needle, sizeof(needle), "\"%s\": ", field);
	assert_non_null(p = strstr(orig, needle));
	p += strlen(needle);
	for (q = p; *q >= '0' && *q <= '9'; q++)
		;
	hush_buf_printf(&b, "%.*s%s%s", (int)(p - orig), orig, num, q);
	spit(path, b.ptr);
	hush_buf_dispose(&b);
}

static void test_key_file_passphrase(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	hush_secret *sk = NULL, *sk2 = NULL, *pass = NULL, *bad = NULL, *empty = NULL;
	char dir[] = "/tmp/hush-vault-test.XXXXXX", *path, *orig, *keys;
	struct stat st;

	(void)state;
	unsetenv("HUSH_KEY_PASSPHRASE_DEV");
	hush_key_set_prompt(NULL);
	hush_key_forget_passphrase();
	assert_non_null(mkdtemp(dir));
	path = hush__path_join(dir, "keys/dev.key");
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_secret_new(&pass, "tr0ub4dor&3", 11), 0);
	assert_int_equal(hush_secret_new(&bad, "tr0ub4dor&4", 11), 0);
	assert_int_equal(hush_secret_new(&empty, "", 0), 0);
	assert_int_equal(hush_key_write_protected(path, "dev", sk, empty), HUSH_EINVALID);
	assert_int_equal(hush_key_write_protected(path, "dev", sk, pass), 0);
	assert_int_equal(hush_key_write_protected(path, "dev", sk, pass), HUSH_EEXISTS);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	orig = slurp(path);
	assert_null(strstr(orig, "\"secret_key\""));
	assert_non_null(strstr(orig, "\"argon2id13\""));
	{
		char b64[64];

		sodium_bin2base64(b64, sizeof(b64), hush_secret_data(sk), 32, sodium_base64_VARIANT_ORIGINAL);
		assert_null(strstr(orig, b64));
	}

	/* no passphrase anywhere: a clear error naming the variable */
	assert_int_equal(hush_key_read(&sk2, path, "dev"), HUSH_EINVALID);
	assert_null(sk2);
	assert_non_null(strstr(hush_error_last(), "HUSH_KEY_PASSPHRASE_DEV"));
	/* wrong passphrase: distinct error, no key material */
	assert_int_equal(hush_key_read_with(&sk2, path, "dev", bad), HUSH_EDECRYPT);
	assert_null(sk2);
	assert_non_null(strstr(hush_error_last(), "wrong passphrase for the key file"));
	assert_null(hush_key_cached_passphrase("dev"));
	/* round trip through the variable; the passphrase is then cached for the process */
	assert_int_equal(setenv("HUSH_KEY_PASSPHRASE_DEV", "tr0ub4dor&3", 1), 0);
	assert_int_equal(hush_key_read(&sk2, path, "dev"), 0);
	unsetenv("HUSH_KEY_PASSPHRASE_DEV");
	assert_int_equal(sodium_memcmp(hush_secret_data(sk2), hush_secret_data(sk), HUSH_VAULT_KEY_BYTES), 0);
	hush_secret_free(sk2);
	sk2 = NULL;
	assert_non_null(hush_key_cached_passphrase("dev"));
	assert_null(hush_key_cached_passphrase("prod"));
	hush_key_forget_passphrase();
	assert_null(hush_key_cached_passphrase("dev"));
	/* permissions are still enforced first */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(hush_key_read_with(&sk2, path, "dev", pass), HUSH_EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(hush_key_read_with(&sk2, path, "prod", pass), HUSH_EENV);

	/* a changed salt, nonce or ciphertext fails like a wrong passphrase, with no key material */
	{
		static const char *const fields[] = { "salt", "nonce", "encrypted_secret_key" };

		for (size_t i = 0; i < HUSH_ARRAY_SIZE(fields); i++) {
			tamper_field(path, orig, fields[i]);
			assert_int_equal(hush_key_read_with(&sk2, path, "dev", pass), HUSH_EDECRYPT);
			assert_null(sk2);
		}
	}
	/* absurd parameters are refused before any derivation */
	replace_number(path, orig, "memlimit", "4294967296");
	assert_int_equal(hush_key_read_with(&sk2, path, "dev", pass), HUSH_EINVALID);
	assert_non_null(strstr(hush_error_last(), "out of range"));
	replace_number(path, orig, "opslimit", "1000000");
	assert_int_equal(hush_key_read_with(&sk2, path, "dev", pass), HUSH_EINVALID);
	assert_non_null(strstr(hush_error_last(), "out of range"));
	replace_number(path, orig, "opslimit", "0");
	assert_int_equal(hush_key_read_with(&sk2, path, "dev", pass), HUSH_EINVALID);
	assert_null(sk2);
	/* the untouched file still opens */
	spit(path, orig);
	assert_int_equal(hush_key_read_with(&sk2, path, "dev", pass), 0);
	assert_int_equal(sodium_memcmp(hush_secret_data(sk2), hush_secret_data(sk), HUSH_VAULT_KEY_BYTES), 0);
	hush_key_forget_passphrase();

	hush_secret_free(sk);
	hush_secret_free(sk2);
	hush_secret_free(pass);
	hush_secret_free(bad);
	hush_secret_free(empty);
	free(orig);
	unlink(path);
	free(path);
	keys = hush__path_join(dir, "keys");
	rmdir(keys);
	free(keys);
	rmdir(dir);
}

/* The first EPH_BYTES (32) of a value's sealed blob: its ephemeral public key. */
static void eph_of(unsigned char eph[32], const char *text, const char *name)
{
	char key[160], b64[128];
	const char *p;
	size_t blen = 0;
	unsigned char bin[96];

	snprintf(key, sizeof(key), "\"%s\"", name);
	assert_non_null(p = strstr(text, key));
	assert_non_null(p = strstr(p, "\"ciphertext\": \""));
	p += strlen("\"ciphertext\": \"");
	memcpy(b64, p, 64); /* 64 base64 characters are 48 bytes: more than the key */
	b64[64] = '\0';
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), b64, 64, NULL, &blen, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	memcpy(eph, bin, 32);
}

static void test_write_session_and_decrypt_all(void **state)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES], ea[32], eb[32], ed[32];
	hush_secret *sk = NULL, *out = NULL;
	hush_vault *v = NULL, *swapped = NULL;
	hush_vault_plain *plain = NULL;
	char dir[] = "/tmp/hush-vault-test.XXXXXX", *path, *text, *pa, *pb, name[16], val[32], tmp[200];
	hush_buf b = HUSH_BUF_INIT;
	size_t len;
	const unsigned char *pv;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = hush__path_join(dir, "dev.json");
	assert_int_equal(hush_vault_keypair(pk, &sk), 0);
	assert_int_equal(hush_vault_new(&v, "dev", pk), 0);
	assert_int_equal(hush_vault_set(v, "A_VALUE", "alpha-alpha", 11, "2026-01-01T00:00:00Z", NULL), 0);
	assert_int_equal(hush_vault_set(v, "B_VALUE", "bravo-bravo", 11, "2026-01-01T00:00:00Z", NULL), 0);
	assert_int_equal(hush_vault_save(v, path), 0);
	hush_vault_free(v);
	/* one write session: both values share the ephemeral key */
	assert_int_equal(hush__read_file(&b, path, 1 << 20), 0);
	text = hush_buf_detach(&b, NULL);
	eph_of(ea, text, "A_VALUE");
	eph_of(eb, text, "B_VALUE");
	assert_memory_equal(ea, eb, 32);
	/* so they share the AEAD key too, and only the AD keeps them apart: swapped ciphertexts fail */
	assert_non_null(pa = strstr(strstr(text, "\"A_VALUE\""), "\"ciphertext\": \""));
	assert_non_null(pb = strstr(strstr(text, "\"B_VALUE\""), "\"ciphertext\": \""));
	assert_true(strchr(pa + 15, '"') - (pa + 15) == strchr(pb + 15, '"') - (pb + 15));
	len = (size_t)(strchr(pa + 15, '"') - (pa + 15));
	assert_true(len < sizeof(tmp));
	memcpy(tmp, pa + 15, len);
	memcpy(pa + 15, pb + 15, len);
	memcpy(pb + 15, tmp, len);
	assert_int_equal(hush_vault_parse(&swapped, text, strlen(text), "swapped", "dev"), 0);
	assert_int_equal(hush_vault_get(&out, swapped, "B_VALUE", sk), HUSH_EDECRYPT);
	assert_null(out);
	assert_int_equal(hush_vault_decrypt_all(&plain, swapped, sk), HUSH_EDECRYPT);
	assert_null(plain);
	assert_string_equal(hush_error_last(), "cannot decrypt 'A_VALUE' in environment 'dev'");
	hush_vault_free(swapped);
	free(text);

	/* 70 more write sessions (each a load, a set and a save): distinct ephemeral keys, decrypted over threads */
	for (int i = 0; i < 70; i++) {
		assert_int_equal(hush_vault_load(&v, path, "dev"), 0);
		snprintf(name, sizeof(name), "S%02d", i);
		snprintf(val, sizeof(val), "session-value-%02d", i);
		assert_int_equal(hush_vault_set(v, name, val, strlen(val), "2026-01-02T00:00:00Z", NULL), 0);
		assert_int_equal(hush_vault_save(v, path), 0);
		hush_vault_free(v);
	}
	assert_int_equal(hush__read_file(&b, path, 1 << 20), 0);
	text = hush_buf_detach(&b, NULL);
	eph_of(ed, text, "S00");
	assert_memory_not_equal(ea, ed, 32);
	eph_of(eb, text, "S01");
	assert_memory_not_equal(eb, ed, 32);
	assert_int_equal(hush_vault_parse(&v, text, strlen(text), "dev.json", "dev"), 0);
	assert_int_equal(hush_vault_decrypt_all(&plain, v, sk), 0);
	assert_int_equal(hush_vault_plain_count(plain), 72);
	assert_string_equal(hush_vault_plain_name(plain, 0), "A_VALUE");
	pv = hush_vault_plain_value(plain, 0, &len);
	assert_int_equal(len, 11);
	assert_memory_equal(pv, "alpha-alpha", 12); /* with its NUL */
	assert_string_equal(hush_vault_plain_name(plain, 1), "B_VALUE");
	for (int i = 0; i < 70; i++) {
		snprintf(val, sizeof(val), "session-value-%02d", i);
		pv = hush_vault_plain_value(plain, 2 + (size_t)i, &len);
		assert_int_equal(len, strlen(val));
		assert_memory_equal(pv, val, len);
	}
	hush_vault_plain_free(plain);
	plain = NULL;
	hush_vault_free(v);
	/* one flipped byte in the last value: nothing at all is returned, the entry is named */
	assert_non_null(pa = strstr(strstr(text, "\"S69\""), "\"ciphertext\": \""));
	pa[15 + 60] = pa[15 + 60] == 'A' ? 'B' : 'A';
	assert_int_equal(hush_vault_parse(&v, text, strlen(text), "dev.json", "dev"), 0);
	assert_int_equal(hush_vault_decrypt_all(&plain, v, sk), HUSH_EDECRYPT);
	assert_null(plain);
	assert_string_equal(hush_error_last(), "cannot decrypt 'S69' in environment 'dev'");
	hush_vault_free(v);
	/* a ciphertext too short to be one (valid base64): the same error, and nothing leaks (ASan) */
	pa[15 + 60] = '"';
	memmove(pa + 15 + 61, strchr(pa + 15 + 61, '"') + 1, strlen(strchr(pa + 15 + 61, '"') + 1) + 1);
	assert_int_equal(hush_vault_parse(&v, text, strlen(text), "dev.json", "dev"), 0);
	assert_int_equal(hush_vault_decrypt_all(&plain, v, sk), HUSH_EDECRYPT);
	assert_null(plain);
	assert_string_equal(hush_error_last(), "cannot decrypt 'S69' in environment 'dev'");
	hush_vault_free(v);
	free(text);
	hush_secret_free(sk);
	unlink(path);
	free(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_ad_binding),
		cmocka_unit_test(test_ad_binding_files),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_key_file_permissions),
		cmocka_unit_test(test_key_file_passphrase),
		cmocka_unit_test(test_write_session_and_decrypt_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
