/* vault.c: the vault file format (.hush/<env>.json), the per-value sealing construction, atomic locked writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/vault.h"
#include "common/json.h"
#include "common/util.h"
#include "common/banned.h"

#define CONTEXT "hush-vault-v1"
#define EPH_BYTES crypto_box_PUBLICKEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define HEADER_BYTES (EPH_BYTES + NONCE_BYTES)
#define ENV_MAX 32
#define NAME_MAX_LEN 128
/* "hush-vault-v1\0" env "\0" key_id "\0" name */
#define AD_MAX (sizeof(CONTEXT) + ENV_MAX + 1 + HUSH_VAULT_KEY_ID_HEX + 1 + NAME_MAX_LEN)

struct hush_vault {
	char env[ENV_MAX + 1];
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	char key_id[HUSH_VAULT_KEY_ID_HEX + 1];
	json_t *secrets; /* name -> {"ciphertext", "created", "updated", "updated_by"} */
	char **names;    /* sorted keys of secrets */
	size_t nnames;
	/*
	 * The write session: every value this process seals into the vault shares one ephemeral keypair (created at
	 * the first set, its secret half wiped at once). The derived AEAD key is kept in guarded memory until the
	 * vault is freed. Values written together then open with one key agreement (hush_vault_decrypt_all).
	 */
	unsigned char *wkey; /* sodium_malloc'd AEAD key, or NULL */
	unsigned char weph[EPH_BYTES];
};

bool hush_vault_env_valid(const char *env)
{
	size_t n = 0;

	for (; env[n]; n++)
		if (!((env[n] >= 'a' && env[n] <= 'z') || (env[n] >= '0' && env[n] <= '9') || env[n] == '_' ||
		      env[n] == '-'))
			return false;
	return n >= 1 && n <= ENV_MAX;
}

bool hush_vault_name_valid(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++) {
		char c = name[n];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';

		if (!alpha && !(n > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return n >= 1 && n <= NAME_MAX_LEN;
}

void hush_vault_key_id(char out[HUSH_VAULT_KEY_ID_HEX + 1], const unsigned char pk[HUSH_VAULT_KEY_BYTES])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), pk, HUSH_VAULT_KEY_BYTES, NULL, 0);
	hush__hex(out, h, HUSH_VAULT_KEY_ID_HEX / 2);
}

int hush_vault_keypair(unsigned char pk[HUSH_VAULT_KEY_BYTES], hush_secret **sk_out)
{
	int err;

	if ((err = hush_secret_new(sk_out, NULL, HUSH_VAULT_KEY_BYTES)) != 0)
		return err;
	crypto_box_keypair(pk, hush_secret_data(*sk_out));
	return 0;
}

void hush_vault_iso8601(char *out, size_t n, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, n, "1970-01-01T00:00:00Z");
}

/* ---- the construction (docs/threat-model.md) ---- */

/* key = BLAKE2b-256("hush-vault-v1" || shared || eph_pk || env_pk) */
static void derive_key(unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], const unsigned char *shared,
		       const unsigned char *eph_pk, const unsigned char *env_pk)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	crypto_generichash_update(&st, (const unsigned char *)CONTEXT, sizeof(CONTEXT) - 1);
	crypto_generichash_update(&st, shared, crypto_scalarmult_BYTES);
	crypto_generichash_update(&st, eph_pk, EPH_BYTES);
	crypto_generichash_update(&st, env_pk, HUSH_VAULT_KEY_BYTES);
	crypto_generichash_final(&st, key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	sodium_memzero(&st, sizeof(st));
}

/* The associated data: "hush-vault-v1\0" env "\0" key_id "\0" name. Returns its length, 0 on bad input. */
static size_t build_ad(unsigned char ad[AD_MAX], const char *env, const unsigned char *pk, const char *name)
{
	char key_id[HUSH_VAULT_KEY_ID_HEX + 1];
	size_t n = 0, l;

	if (!hush_vault_env_valid(env) || !hush_vault_name_valid(name))
		return 0;
	hush_vault_key_id(key_id, pk);
	memcpy(ad, CONTEXT, sizeof(CONTEXT)); /* with its NUL */
	n = sizeof(CONTEXT);
	l = strlen(env) + 1;
	memcpy(ad + n, env, l);
	n += l;
	memcpy(ad + n, key_id, HUSH_VAULT_KEY_ID_HEX + 1);
	n += HUSH_VAULT_KEY_ID_HEX + 1;
	l = strlen(name);
	memcpy(ad + n, name, l);
	return n + l;
}

/* A fresh ephemeral keypair against pk: eph_pk, and the AEAD key derived from the agreement. */
static int ephemeral_key(unsigned char eph_pk[EPH_BYTES], unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES],
			 const char *env, const unsigned char pk[HUSH_VAULT_KEY_BYTES])
{
	unsigned char eph_sk[crypto_box_SECRETKEYBYTES], shared[crypto_scalarmult_BYTES];
	int err = 0;

	crypto_box_keypair(eph_pk, eph_sk);
	if (crypto_scalarmult(shared, eph_sk, pk) != 0)
		err = (hush_error_set("invalid public key for environment '%s'", env), HUSH_EINVALID);
	else
		derive_key(key, shared, eph_pk, pk);
	/* SECURITY: the ephemeral secret and the shared point never outlive the call */
	sodium_memzero(eph_sk, sizeof(eph_sk));
	sodium_memzero(shared, sizeof(shared));
	return err;
}

/* *out = base64(eph_pk || nonce || XChaCha20-Poly1305(key, nonce, value, AD)). */
static int seal_with(char **out, const char *env, const unsigned char pk[HUSH_VAULT_KEY_BYTES], const char *name,
		     const void *value, size_t len, const unsigned char eph_pk[EPH_BYTES], const unsigned char *key)
{
	unsigned char ad[AD_MAX], *blob;
	unsigned long long clen = 0;
	size_t adlen, blen, b64len;

	*out = NULL;
	if (!(adlen = build_ad(ad, env, pk, name)))
		return hush_error_set("invalid environment or secret name '%s'", name), HUSH_EINVALID;
	if (len > HUSH_VAULT_MAX_VALUE)
		return hush_error_set("the value of '%s' is too large (over %d bytes)", name, HUSH_VAULT_MAX_VALUE),
		       HUSH_EINVALID;
	blen = HEADER_BYTES + len + TAG_BYTES;
	if (!(blob = hush__malloc(blen)))
		return HUSH_ENOMEM;
	memcpy(blob, eph_pk, EPH_BYTES);
	randombytes_buf(blob + EPH_BYTES, NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + HEADER_BYTES, &clen, value, len, ad, adlen, NULL,
						   blob + EPH_BYTES, key);
	b64len = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
	if ((*out = hush__malloc(b64len)))
		sodium_bin2base64(*out, b64len, blob, blen, sodium_base64_VARIANT_ORIGINAL);
	free(blob);
	return *out ? 0 : HUSH_ENOMEM;
}

int hush_vault_seal(char **out, const char *env, const unsigned char pk[HUSH_VAULT_KEY_BYTES], const char *name,
		    const void *value, size_t len)
{
	unsigned char eph_pk[EPH_BYTES], key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	int err;

	*out = NULL;
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	if ((err = ephemeral_key(eph_pk, key, env, pk)) == 0)
		err = seal_with(out, env, pk, name, value, len, eph_pk, key);
	sodium_memzero(key, sizeof(key));
	return err;
}

/* base64 → a heap blob of eph_pk || nonce || ciphertext+tag (not secret); NULL when malformed or out of bounds. */
/* The value of each standard base64 character, -1 for any other byte ('=' included). */
static const signed char b64_table[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int b64_value(unsigned char c)
{
	return b64_table[c];
}

/*
 * Strict standard base64 with padding: only the canonical encoding of a byte string is accepted (the unused bits
 * of the last group must be zero), as sodium_base642bin does, so no two texts decode to the same blob and every
 * changed character changes the blob. Not constant-time, and need not be: ciphertexts are public. About ten
 * times faster than libsodium's constant-time decoder, which was a fifth of decrypting an environment.
 */
static bool b64_decode(unsigned char *out, size_t cap, const char *in, size_t len, size_t *outlen)
{
	size_t pad = 0, n, o = 0;

	if (len == 0 || len % 4)
		return false;
	pad = (in[len - 1] == '=') + (in[len - 1] == '=' && in[len - 2] == '=');
	n = len / 4 * 3 - pad;
	if (n > cap)
		return false;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int a = b64_value((unsigned char)in[i]), b = b64_value((unsigned char)in[i + 1]);
		int c = last && pad == 2 ? 0 : b64_value((unsigned char)in[i + 2]);
		int d = last && pad >= 1 ? 0 : b64_value((unsigned char)in[i + 3]);
		unsigned long v;

		if (a < 0 || b < 0 || c < 0 || d < 0)
			return false;
		if (last && ((pad == 2 && (b & 15)) || (pad == 1 && (c & 3))))
			return false; /* not canonical */
		v = (unsigned long)a << 18 | (unsigned long)b << 12 | (unsigned long)c << 6 | (unsigned long)d;
		out[o++] = (unsigned char)(v >> 16);
		if (o < n)
			out[o++] = (unsigned char)(v >> 8);
		if (o < n)
			out[o++] = (unsigned char)v;
	}
	*outlen = n;
	return true;
}

/* base64 → a heap blob of eph_pk || nonce || ciphertext+tag (not secret); NULL when malformed or out of bounds. */
static unsigned char *decode_blob(const char *b64, size_t *blen)
{
	size_t b64len = strlen(b64), cap = b64len / 4 * 3 + 3;
	unsigned char *blob;

	*blen = 0;
	if (cap < HEADER_BYTES + TAG_BYTES || cap > HEADER_BYTES + TAG_BYTES + HUSH_VAULT_MAX_VALUE + 3)
		return NULL;
	if (!(blob = hush__malloc(cap)))
		return NULL;
	if (!b64_decode(blob, cap, b64, b64len, blen) || *blen < HEADER_BYTES + TAG_BYTES) {
		free(blob);
		return NULL;
	}
	return blob;
}

/* The AEAD key of a blob's ephemeral public key under sk; -1 for a low-order point. */
static int agree(unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], const unsigned char *eph_pk,
		 const unsigned char *env_pk, const hush_secret *sk)
{
	unsigned char shared[crypto_scalarmult_BYTES];
	int rc = crypto_scalarmult(shared, hush_secret_data(sk), eph_pk);

	if (rc == 0)
		derive_key(key, shared, eph_pk, env_pk);
	sodium_memzero(shared, sizeof(shared));
	return rc;
}

/* Decrypt blob into dst (blen - HEADER_BYTES - TAG_BYTES bytes); nonzero on any failure (dst then undefined). */
static int open_with(unsigned char *dst, const unsigned char *blob, size_t blen, const char *env,
		     const unsigned char *pk, const char *name, const unsigned char *key)
{
	unsigned char ad[AD_MAX];
	unsigned long long plen = 0;
	size_t adlen = build_ad(ad, env, pk, name);

	if (!adlen || crypto_aead_xchacha20poly1305_ietf_decrypt(dst, &plen, NULL, blob + HEADER_BYTES,
								 blen - HEADER_BYTES, ad, adlen, blob + EPH_BYTES,
								 key) != 0)
		return -1;
	return plen == blen - HEADER_BYTES - TAG_BYTES ? 0 : -1;
}

int hush_vault_open(hush_secret **out, const char *env, const unsigned char pk[HUSH_VAULT_KEY_BYTES],
		    const char *name, const char *b64, const hush_secret *sk)
{
	unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], *blob = NULL;
	hush_secret *pt = NULL;
	size_t blen = 0;
	int err = HUSH_EDECRYPT;

	*out = NULL;
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	/* SECURITY: one opaque message for every failure; which check failed is not revealed */
	if (hush_secret_len(sk) != crypto_scalarmult_SCALARBYTES || !(blob = decode_blob(b64, &blen)) ||
	    agree(key, blob, pk, sk) != 0)
		goto fail;
	if ((err = hush_secret_new(&pt, NULL, blen - HEADER_BYTES - TAG_BYTES)) != 0)
		goto cleanup;
	if (open_with(hush_secret_data(pt), blob, blen, env, pk, name, key) != 0)
		goto fail;
	*out = pt;
	pt = NULL;
	err = 0;
	goto cleanup;
fail:
	err = HUSH_EDECRYPT;
	hush_error_set("cannot decrypt '%s' in environment '%s'", name, env);
cleanup:
	sodium_memzero(key, sizeof(key));
	hush_secret_free(pt); /* wiped: never any partial plaintext */
	free(blob);
	return err;
}

/* ---- the file ---- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rebuild the sorted name list from the secrets object. */
static int refresh_names(hush_vault *v)
{
	const char *k;
	json_t *val;
	size_t n = 0;
	char **names;

	if (!(names = hush__calloc(json_object_size(v->secrets) + 1, sizeof(char *))))
		return HUSH_ENOMEM;
	json_object_foreach(v->secrets, k, val) {
		(void)val;
		if (!(names[n] = hush__strdup(k))) {
			hush__strv_free(names, n);
			return HUSH_ENOMEM;
		}
		n++;
	}
	qsort(names, n, sizeof(char *), cmp_name);
	hush__strv_free(v->names, v->nnames);
	v->names = names;
	v->nnames = n;
	return 0;
}

int hush_vault_new(hush_vault **out, const char *env, const unsigned char pk[HUSH_VAULT_KEY_BYTES])
{
	hush_vault *v;

	*out = NULL;
	if (!hush_vault_env_valid(env))
		return hush_error_set("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", env),
		       HUSH_EINVALID;
	if (!(v = hush__calloc(1, sizeof(*v))))
		return HUSH_ENOMEM;
	snprintf(v->env, sizeof(v->env), "%s", env);
	memcpy(v->pk, pk, HUSH_VAULT_KEY_BYTES);
	hush_vault_key_id(v->key_id, pk);
	if (!(v->secrets = json_object())) {
		free(v);
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	}
	*out = v;
	return 0;
}

void hush_vault_free(hush_vault *v)
{
	if (!v)
		return;
	json_decref(v->secrets);
	hush__strv_free(v->names, v->nnames);
	sodium_free(v->wkey); /* wiped */
	free(v);
}

static bool is_b64(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '+' ||
		      *s == '/' || *s == '='))
			return false;
	return true;
}

static int check_entry(const char *origin, const char *name, json_t *e)
{
	static const char *const fields[] = { "ciphertext", "created", "updated", "updated_by" };
	const char *k;
	json_t *val;

	if (!hush_vault_name_valid(name))
		return hush_error_set("invalid vault '%s': invalid secret name '%s'", origin, name), HUSH_EINVALID;
	if (!json_is_object(e))
		return hush_error_set("invalid vault '%s': secret '%s' is not an object", origin, name), HUSH_EINVALID;
	json_object_foreach(e, k, val) {
		size_t i;

		for (i = 0; i < HUSH_ARRAY_SIZE(fields) && strcmp(k, fields[i]); i++)
			;
		if (i == HUSH_ARRAY_SIZE(fields))
			return hush_error_set("invalid vault '%s': secret '%s': unknown field '%s'", origin, name, k),
			       HUSH_EINVALID;
		if (!json_is_string(val))
			return hush_error_set("invalid vault '%s': secret '%s': '%s' is not a string", origin, name, k),
			       HUSH_EINVALID;
	}
	val = json_object_get(e, "ciphertext");
	if (!val || !is_b64(json_string_value(val)))
		return hush_error_set("invalid vault '%s': secret '%s' has no base64 \"ciphertext\"", origin, name),
		       HUSH_EINVALID;
	return 0;
}

int hush_vault_parse(hush_vault **out, const char *data, size_t len, const char *origin, const char *env)
{
	static const char *const fields[] = { "hush_vault", "environment", "public_key", "key_id", "secrets" };
	json_t *root = NULL, *ver, *jenv, *jpk, *jid, *jsec, *val;
	json_error_t je;
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	char key_id[HUSH_VAULT_KEY_ID_HEX + 1];
	size_t pk_len = 0;
	const char *k, *end = NULL;
	hush_vault *v = NULL;
	int err = HUSH_EINVALID;

	*out = NULL;
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	if (!(root = hush__json_loadb(data, len, JSON_REJECT_DUPLICATES, &je))) {
		if (len == 0)
			hush_error_set("invalid vault '%s': the file is empty", origin);
		else
			hush_error_set("invalid vault '%s': line %d column %d: %s", origin, je.line, je.column, je.text);
		return HUSH_EINVALID;
	}
	ver = json_object_get(root, "hush_vault");
	if (!json_is_object(root) || !ver) {
		hush_error_set("invalid vault '%s': not a hush vault (no \"hush_vault\" version)", origin);
		goto cleanup;
	}
	if (!json_is_integer(ver) || json_integer_value(ver) != HUSH_VAULT_VERSION) {
		char shown[32] = "?";

		if (json_is_integer(ver))
			snprintf(shown, sizeof(shown), "%lld", (long long)json_integer_value(ver));
		hush_error_set("unsupported vault format version %s in '%s' (this hush reads version %d)", shown, origin,
			       HUSH_VAULT_VERSION);
		err = HUSH_EVERSION;
		goto cleanup;
	}
	json_object_foreach(root, k, val) {
		size_t i;

		for (i = 0; i < HUSH_ARRAY_SIZE(fields) && strcmp(k, fields[i]); i++)
			;
		if (i == HUSH_ARRAY_SIZE(fields)) {
			hush_error_set("invalid vault '%s': unknown field '%s'", origin, k);
			goto cleanup;
		}
	}
	jenv = json_object_get(root, "environment");
	jpk = json_object_get(root, "public_key");
	jid = json_object_get(root, "key_id");
	jsec = json_object_get(root, "secrets");
	if (!json_is_string(jenv) || !hush_vault_env_valid(json_string_value(jenv))) {
		hush_error_set("invalid vault '%s': missing or invalid \"environment\"", origin);
		goto cleanup;
	}
	if (env && strcmp(env, json_string_value(jenv))) {
		hush_error_set("environment mismatch: '%s' holds environment '%s', not '%s'", origin,
			       json_string_value(jenv), env);
		err = HUSH_EENV;
		goto cleanup;
	}
	if (!json_is_string(jpk) ||
	    sodium_base642bin(pk, sizeof(pk), json_string_value(jpk), json_string_length(jpk), NULL, &pk_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    pk_len != sizeof(pk) || end != json_string_value(jpk) + json_string_length(jpk)) {
		hush_error_set("invalid vault '%s': \"public_key\" is not base64 of %d bytes", origin,
			       HUSH_VAULT_KEY_BYTES);
		goto cleanup;
	}
	hush_vault_key_id(key_id, pk);
	if (!json_is_string(jid) || strcmp(json_string_value(jid), key_id)) {
		hush_error_set("invalid vault '%s': \"key_id\" does not match the public key (expected '%s')", origin,
			       key_id);
		goto cleanup;
	}
	if (!json_is_object(jsec)) {
		hush_error_set("invalid vault '%s': \"secrets\" must be an object", origin);
		goto cleanup;
	}
	json_object_foreach(jsec, k, val)
		if ((err = check_entry(origin, k, val)) != 0)
			goto cleanup;
	if ((err = hush_vault_new(&v, json_string_value(jenv), pk)) != 0)
		goto cleanup;
	json_decref(v->secrets);
	v->secrets = json_incref(jsec);
	if ((err = refresh_names(v)) != 0)
		goto cleanup;
	*out = v;
	v = NULL;
	err = 0;
cleanup:
	hush_vault_free(v);
	json_decref(root);
	return err;
}

int hush_vault_load(hush_vault **out, const char *path, const char *env)
{
	hush_buf b = HUSH_BUF_INIT;
	struct stat st;
	int err;

	*out = NULL;
	if (stat(path, &st) < 0 && errno == ENOENT) {
		if (env)
			return hush_error_set("no vault for environment '%s': '%s' does not exist (run 'hush vault init "
					      "%s')",
					      env, path, env),
			       HUSH_ENOTFOUND;
		return hush_error_set("no vault '%s'", path), HUSH_ENOTFOUND;
	}
	if ((err = hush__read_file(&b, path, HUSH_VAULT_MAX_FILE)) == 0)
		err = hush_vault_parse(out, b.ptr, b.len, path, env);
	hush_buf_dispose(&b);
	return err;
}

/*
 * Remove the temp files of writes that were killed between mkstemp and rename (".NAME.XXXXXX" next to the vault).
 * Only ever called under the vault's lock, right after a successful write: no other writer can own one.
 */
static void sweep_stale_temps(const char *dir, const char *base)
{
	size_t blen = strlen(base);
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;

		if (n[0] == '.' && !strncmp(n + 1, base, blen) && n[1 + blen] == '.' && strlen(n + 2 + blen) == 6) {
			char *p = hush__path_join(dir, n);

			if (p)
				unlink(p);
			free(p);
		}
	}
	closedir(d);
}

int hush_vault_save(const hush_vault *v, const char *path)
{
	char pk_b64[sodium_base64_ENCODED_LEN(HUSH_VAULT_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	char *dir = NULL, *tmp = NULL, *text = NULL, *slash;
	json_t *root;
	int fd = -1, dfd, err = HUSH_EIO;
	hush_buf b = HUSH_BUF_INIT;

	sodium_bin2base64(pk_b64, sizeof(pk_b64), v->pk, HUSH_VAULT_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
	root = json_pack("{s:i, s:s, s:s, s:s, s:O}", "hush_vault", HUSH_VAULT_VERSION, "environment", v->env,
			 "public_key", pk_b64, "key_id", v->key_id, "secrets", v->secrets);
	/* sorted keys, one entry per name: a diff shows which names changed */
	if (!root || !(text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2)))) {
		json_decref(root);
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	}
	json_decref(root);
	/* a file over the cap could not be read back: every value would be lost to hush */
	if (strlen(text) + 1 > HUSH_VAULT_MAX_FILE) {
		hush_error_set("cannot write '%s': the vault would be larger than %d bytes, the most hush reads", path,
			       HUSH_VAULT_MAX_FILE);
		err = HUSH_EINVALID;
		goto cleanup;
	}
	if (!(dir = hush__strdup(path)))
		goto cleanup;
	if ((slash = strrchr(dir, '/')))
		*(slash == dir ? slash + 1 : slash) = 0;
	else
		dir[0] = '.', dir[1] = 0;
	hush_buf_printf(&b, "%s/.%s.XXXXXX", dir, slash ? strrchr(path, '/') + 1 : path);
	if (!(tmp = hush_buf_detach(&b, NULL)))
		goto cleanup;
	if ((fd = mkstemp(tmp)) < 0) {
		hush_error_set("cannot create a temporary file in '%s': %s", dir, strerror(errno));
		goto cleanup;
	}
	if (fchmod(fd, 0644) < 0 || hush__write_all(fd, text, strlen(text)) < 0 || hush__write_all(fd, "\n", 1) < 0 ||
	    fsync(fd) < 0) {
		hush_error_set("cannot write '%s': %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (close(fd) < 0) {
		fd = -1;
		hush_error_set("cannot write '%s': %s", tmp, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		hush_error_set("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
	sweep_stale_temps(dir, slash ? strrchr(path, '/') + 1 : path);
	/* the rename itself is durable only once the folder is synced */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		int rc = fsync(dfd);

		close(dfd);
		if (rc < 0) {
			hush_error_set("cannot sync the folder '%s': %s", dir, strerror(errno));
			goto cleanup;
		}
	}
	err = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	free(text);
	return err;
}

const char *hush_vault_env(const hush_vault *v)
{
	return v->env;
}

const unsigned char *hush_vault_public_key(const hush_vault *v)
{
	return v->pk;
}

const char *hush_vault_key_id_of(const hush_vault *v)
{
	return v->key_id;
}

size_t hush_vault_count(const hush_vault *v)
{
	return v->nnames;
}

static const char *field(json_t *e, const char *k)
{
	const char *s = json_string_value(json_object_get(e, k));

	return s ? s : "";
}

void hush_vault_entry_at(hush_vault_entry *out, const hush_vault *v, size_t i)
{
	json_t *e = json_object_get(v->secrets, v->names[i]);

	out->name = v->names[i];
	out->created = field(e, "created");
	out->updated = field(e, "updated");
	out->updated_by = field(e, "updated_by");
}

bool hush_vault_has(const hush_vault *v, const char *name)
{
	return json_object_get(v->secrets, name) != NULL;
}

int hush_vault_set(hush_vault *v, const char *name, const void *value, size_t len, const char *now,
		   const char *updated_by)
{
	json_t *old = json_object_get(v->secrets, name), *e;
	char *ct = NULL;
	int err;

	if (!hush_vault_name_valid(name))
		return hush_error_set("invalid secret name '%s': use a letter or '_' then letters, digits or '_' (at "
				      "most 128)",
				      name),
		       HUSH_EINVALID;
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	if (!v->wkey) {
		if (!(v->wkey = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)))
			return hush_error_set("out of memory"), HUSH_ENOMEM;
		if ((err = ephemeral_key(v->weph, v->wkey, v->env, v->pk)) != 0) {
			sodium_free(v->wkey);
			v->wkey = NULL;
			return err;
		}
	}
	if ((err = seal_with(&ct, v->env, v->pk, name, value, len, v->weph, v->wkey)) != 0)
		return err;
	e = json_pack("{s:s, s:s, s:s}", "ciphertext", ct, "created",
		      old && *field(old, "created") ? field(old, "created") : now, "updated", now);
	free(ct);
	if (!e)
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	if (updated_by && *updated_by)
		json_object_set_new(e, "updated_by", json_string(updated_by));
	if (json_object_set_new(v->secrets, name, e) != 0)
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	return refresh_names(v);
}

int hush_vault_remove(hush_vault *v, const char *name)
{
	if (json_object_del(v->secrets, name) != 0)
		return hush_error_set("no secret '%s' in environment '%s'", name, v->env), HUSH_ENOTFOUND;
	return refresh_names(v);
}

int hush_vault_check_key(const hush_vault *v, const hush_secret *sk, const char *source)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	char key_id[HUSH_VAULT_KEY_ID_HEX + 1];

	if (hush_secret_len(sk) != HUSH_VAULT_KEY_BYTES || crypto_scalarmult_base(pk, hush_secret_data(sk)) != 0)
		return hush_error_set("invalid private key from %s", source ? source : "the caller"), HUSH_EINVALID;
	if (sodium_memcmp(pk, v->pk, HUSH_VAULT_KEY_BYTES) != 0) {
		hush_vault_key_id(key_id, pk);
		return hush_error_set("wrong key for environment '%s': %s has key id %s, the vault needs %s", v->env,
				      source ? source : "the private key", key_id, v->key_id),
		       HUSH_EWRONGKEY;
	}
	return 0;
}

int hush_vault_get(hush_secret **out, const hush_vault *v, const char *name, const hush_secret *sk)
{
	json_t *e = json_object_get(v->secrets, name);
	int err;

	*out = NULL;
	if (!e)
		return hush_error_set("no secret '%s' in environment '%s'", name, v->env), HUSH_ENOTFOUND;
	if ((err = hush_vault_check_key(v, sk, NULL)) != 0)
		return err;
	return hush_vault_open(out, v->env, v->pk, name, field(e, "ciphertext"), sk);
}

/* ---- decrypting a whole environment ---- */

struct hush_vault_plain {
	size_t n;
	char **names;
	size_t *off, *len;
	unsigned char *pool; /* sodium_malloc'd: every value, each followed by a NUL */
};

/* One distinct ephemeral public key and the key it agrees to. */
typedef struct {
	const unsigned char *eph; /* into a blob */
	int failed;
} agreement;

typedef struct {
	agreement *ag;
	unsigned char *keys; /* guarded, 32 bytes per agreement */
	size_t from, to;
	const unsigned char *pk;
	const hush_secret *sk;
} agree_job;

static void *agree_range(void *arg)
{
	agree_job *j = arg;

	for (size_t g = j->from; g < j->to; g++)
		j->ag[g].failed = agree(j->keys + g * crypto_aead_xchacha20poly1305_ietf_KEYBYTES, j->ag[g].eph, j->pk,
					j->sk) != 0;
	return NULL;
}

/* Run the key agreements, over up to 4 threads when there are many (one X25519 is about 50 µs). */
static void agree_all(agreement *ag, unsigned char *keys, size_t ng, const unsigned char *pk, const hush_secret *sk)
{
	pthread_t tid[3];
	agree_job jobs[4];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = ng >= 64 && ncpu > 1 ? (size_t)(ncpu < 4 ? ncpu : 4) : 1, started = 0;

	for (size_t t = 0; t < nt; t++)
		jobs[t] = (agree_job){ ag, keys, ng * t / nt, ng * (t + 1) / nt, pk, sk };
	for (size_t t = 1; t < nt; t++, started++)
		if (pthread_create(&tid[t - 1], NULL, agree_range, &jobs[t]) != 0)
			break;
	agree_range(&jobs[0]);
	for (size_t t = 1 + started; t < nt; t++) /* threads that did not start: do their share here */
		agree_range(&jobs[t]);
	for (size_t t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}

static const unsigned char *const *sort_blobs;
static int cmp_eph(const void *a, const void *b)
{
	return memcmp(sort_blobs[*(const size_t *)a], sort_blobs[*(const size_t *)b], EPH_BYTES);
}

void hush_vault_plain_free(hush_vault_plain *p)
{
	if (!p)
		return;
	sodium_free(p->pool); /* wiped */
	hush__strv_free(p->names, p->n);
	free(p->off);
	free(p->len);
	free(p);
}

static int cmp_eph_bytes(const void *a, const void *b)
{
	return memcmp(a, b, EPH_BYTES);
}

size_t hush_vault_session_count(const hush_vault *v)
{
	unsigned char *eph = hush__calloc(v->nnames + 1, EPH_BYTES);
	size_t m = 0, count = 0;

	if (!eph)
		return 0;
	for (size_t i = 0; i < v->nnames; i++) {
		size_t blen;
		unsigned char *blob = decode_blob(field(json_object_get(v->secrets, v->names[i]), "ciphertext"), &blen);

		if (blob)
			memcpy(eph + EPH_BYTES * m++, blob, EPH_BYTES);
		free(blob);
	}
	qsort(eph, m, EPH_BYTES, cmp_eph_bytes);
	for (size_t k = 0; k < m; k++)
		if (!k || memcmp(eph + EPH_BYTES * k, eph + EPH_BYTES * (k - 1), EPH_BYTES) != 0)
			count++;
	free(eph);
	return count;
}

int hush_vault_decrypt_all(hush_vault_plain **out, const hush_vault *v, const hush_secret *sk)
{
	size_t n = v->nnames, *blen = NULL, *order = NULL, *group = NULL, ng = 0, total = 0;
	unsigned char **blobs = NULL, *keys = NULL;
	agreement *ag = NULL;
	hush_vault_plain *p = NULL;
	const char *bad = NULL;
	int err;

	*out = NULL;
	if ((err = hush_vault_check_key(v, sk, NULL)) != 0)
		return err;
	err = HUSH_ENOMEM;
	if (!(p = hush__calloc(1, sizeof(*p))) || !(p->names = hush__calloc(n + 1, sizeof(*p->names))) ||
	    !(p->off = hush__calloc(n + 1, sizeof(*p->off))) || !(p->len = hush__calloc(n + 1, sizeof(*p->len))) ||
	    !(blobs = hush__calloc(n + 1, sizeof(*blobs))) || !(blen = hush__calloc(n + 1, sizeof(*blen))) ||
	    !(order = hush__calloc(n + 1, sizeof(*order))) || !(group = hush__calloc(n + 1, sizeof(*group))) ||
	    !(ag = hush__calloc(n + 1, sizeof(*ag))))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		if (!(p->names[i] = hush__strdup(v->names[i])))
			goto cleanup;
		p->n++; /* counted now: a failure below must free this name too */
		if (!(blobs[i] = decode_blob(field(json_object_get(v->secrets, v->names[i]), "ciphertext"), &blen[i]))) {
			bad = v->names[i];
			goto cleanup;
		}
		p->off[i] = total;
		p->len[i] = blen[i] - HEADER_BYTES - TAG_BYTES;
		total += p->len[i] + 1;
		order[i] = i;
	}
	/* values written together share an ephemeral key: one agreement per distinct key */
	sort_blobs = (const unsigned char *const *)blobs;
	qsort(order, n, sizeof(*order), cmp_eph);
	sort_blobs = NULL;
	for (size_t k = 0; k < n; k++) {
		if (!k || memcmp(blobs[order[k]], blobs[order[k - 1]], EPH_BYTES) != 0)
			ag[ng++].eph = blobs[order[k]];
		group[order[k]] = ng - 1;
	}
	if (!(keys = sodium_malloc(ng * crypto_aead_xchacha20poly1305_ietf_KEYBYTES + 1)) ||
	    !(p->pool = sodium_malloc(total + 1)))
		goto cleanup;
	agree_all(ag, keys, ng, v->pk, sk);
	for (size_t i = 0; i < n; i++) {
		if (ag[group[i]].failed ||
		    open_with(p->pool + p->off[i], blobs[i], blen[i], v->env, v->pk, v->names[i],
			      keys + group[i] * crypto_aead_xchacha20poly1305_ietf_KEYBYTES) != 0) {
			bad = v->names[i];
			goto cleanup;
		}
		p->pool[p->off[i] + p->len[i]] = '\0';
	}
	*out = p;
	p = NULL;
	err = 0;
cleanup:
	if (bad) {
		err = HUSH_EDECRYPT;
		hush_error_set("cannot decrypt '%s' in environment '%s'", bad, v->env);
	} else if (err == HUSH_ENOMEM) {
		hush_error_set("out of memory");
	}
	sodium_free(keys);
	hush_vault_plain_free(p); /* SECURITY: on failure no partial plaintext survives */
	for (size_t i = 0; blobs && i < n; i++)
		free(blobs[i]);
	free(blobs);
	free(blen);
	free(order);
	free(group);
	free(ag);
	return err;
}

size_t hush_vault_plain_count(const hush_vault_plain *p)
{
	return p->n;
}

const char *hush_vault_plain_name(const hush_vault_plain *p, size_t i)
{
	return p->names[i];
}

const unsigned char *hush_vault_plain_value(const hush_vault_plain *p, size_t i, size_t *len)
{
	*len = p->len[i];
	return p->pool + p->off[i];
}

static const char *const *from_names;
static int cmp_from(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(from_names[i], from_names[j]);

	/* a name given twice: the later pair sorts first, so it is the one kept */
	return c ? c : (i < j) - (i > j);
}

int hush_vault_plain_from(hush_vault_plain **out, size_t n, const char *const *names,
			  const unsigned char *const *values, const size_t *lens)
{
	hush_vault_plain *p = NULL;
	size_t *order = NULL, total = 0, k = 0;
	int err = HUSH_ENOMEM;

	*out = NULL;
	if (!(p = hush__calloc(1, sizeof(*p))) || !(p->names = hush__calloc(n + 1, sizeof(*p->names))) ||
	    !(p->off = hush__calloc(n + 1, sizeof(*p->off))) || !(p->len = hush__calloc(n + 1, sizeof(*p->len))) ||
	    !(order = hush__calloc(n + 1, sizeof(*order))))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		total += lens[i] + 1;
	}
	from_names = names;
	qsort(order, n, sizeof(*order), cmp_from);
	from_names = NULL;
	if (!(p->pool = sodium_malloc(total + 1)))
		goto cleanup;
	total = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = order[i];

		if (k && !strcmp(p->names[k - 1], names[j]))
			continue; /* an earlier pair of the same name */
		if (!(p->names[k] = hush__strdup(names[j])))
			goto cleanup;
		p->off[k] = total;
		p->len[k] = lens[j];
		if (lens[j])
			memcpy(p->pool + total, values[j], lens[j]);
		p->pool[total + lens[j]] = '\0';
		total += lens[j] + 1;
		p->n = ++k;
	}
	*out = p;
	p = NULL;
	err = 0;
cleanup:
	if (err)
		hush_error_set("out of memory");
	hush_vault_plain_free(p);
	free(order);
	return err;
}

long hush_vault_plain_find(const hush_vault_plain *p, const char *name)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->names[mid], name);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int hush_vault_lock(int *fd_out, const char *path)
{
	hush_buf b = HUSH_BUF_INIT;
	char *lock;
	int fd;

	*fd_out = -1;
	if (hush_buf_printf(&b, "%s.lock", path) || !(lock = hush_buf_detach(&b, NULL)))
		return HUSH_ENOMEM;
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		hush_error_set("cannot open the lock file '%s': %s", lock, strerror(errno));
		free(lock);
		return HUSH_EIO;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		hush_error_set("cannot lock '%s': %s", lock, strerror(errno));
		close(fd);
		free(lock);
		return HUSH_EIO;
	}
	free(lock);
	*fd_out = fd;
	return 0;
}

void hush_vault_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}
