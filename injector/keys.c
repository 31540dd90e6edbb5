/* keys.c: guarded secrets (sodium_malloc) and environment private keys: variables, key files, permissions. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/remote.h"
#include "hush/vault.h"
#include "common/util.h"
#include "common/banned.h"

#define KEY_FILE_MAX 4096

struct hush_secret {
	unsigned char *data; /* sodium_malloc'd, len + 1 bytes */
	size_t len;
};

int hush_secret_new(hush_secret **out, const void *data, size_t len)
{
	hush_secret *s;

	*out = NULL;
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	if (len > HUSH_VAULT_MAX_VALUE + 64)
		return hush_error_set("secret too large (%zu bytes)", len), HUSH_ENOMEM;
	if (!(s = hush__calloc(1, sizeof(*s))))
		return HUSH_ENOMEM;
	/* SECURITY: guard pages, mlock'd, wiped by sodium_free */
	if (!(s->data = sodium_malloc(len + 1))) {
		free(s);
		return hush_error_set("out of secure memory"), HUSH_ENOMEM;
	}
	if (data)
		memcpy(s->data, data, len);
	else
		sodium_memzero(s->data, len);
	s->data[len] = 0;
	s->len = len;
	*out = s;
	return 0;
}

void hush_secret_free(hush_secret *s)
{
	if (!s)
		return;
	sodium_free(s->data);
	free(s);
}

unsigned char *hush_secret_data(const hush_secret *s)
{
	return s->data;
}

size_t hush_secret_len(const hush_secret *s)
{
	return s->len;
}

void hush_secret_truncate(hush_secret *s, size_t len)
{
	if (len >= s->len)
		return;
	sodium_memzero(s->data + len, s->len - len);
	s->len = len;
}

void hush_key_env_var(char *out, size_t n, const char *env)
{
	size_t w = (size_t)snprintf(out, n, "HUSH_PRIVATE_KEY_");

	for (const char *p = env; *p && w + 1 < n; p++)
		out[w++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	if (w < n)
		out[w] = 0;
}

char *hush_key_default_path(const char *env)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	hush_buf b = HUSH_BUF_INIT;

	if (xdg && *xdg == '/')
		hush_buf_printf(&b, "%s/hush/keys/%s.key", xdg, env);
	else if (home && *home)
		hush_buf_printf(&b, "%s/.config/hush/keys/%s.key", home, env);
	else
		return hush_error_set("cannot find the key folder: neither XDG_CONFIG_HOME nor HOME is set"), NULL;
	return hush_buf_detach(&b, NULL);
}

/* Decode base64 (original variant) of exactly HUSH_VAULT_KEY_BYTES into a new secret. */
static int decode_key(hush_secret **out, const char *b64, size_t len, const char *source)
{
	hush_secret *sk = NULL;
	size_t bin_len = 0;
	const char *end = NULL;
	int err;

	if ((err = hush_secret_new(&sk, NULL, HUSH_VAULT_KEY_BYTES)) != 0)
		return err;
	while (len && isspace((unsigned char)b64[len - 1]))
		len--;
	if (sodium_base642bin(hush_secret_data(sk), HUSH_VAULT_KEY_BYTES, b64, len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != HUSH_VAULT_KEY_BYTES || end != b64 + len) {
		hush_secret_free(sk);
		return hush_error_set("invalid private key in %s: expected base64 of %d bytes", source,
				      HUSH_VAULT_KEY_BYTES),
		       HUSH_EINVALID;
	}
	*out = sk;
	return 0;
}

/* Create the key file at path (0600, exclusively, its folder 0700) holding len bytes of text. */
static int write_key_text(const char *path, const unsigned char *text, size_t len)
{
	char *dir = NULL, *slash;
	int fd = -1, err = HUSH_EIO;

	if (!(dir = hush__strdup(path)))
		return HUSH_ENOMEM;
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = 0;
		if (hush__mkdir_p(dir, 0700) < 0) {
			hush_error_set("cannot create the key folder '%s': %s", dir, strerror(errno));
			goto cleanup;
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno == EEXIST ? HUSH_EEXISTS : HUSH_EIO;
		hush_error_set(errno == EEXIST ? "refusing to overwrite the key file '%s'" : "cannot create '%s': %s",
			       path, strerror(errno));
		goto cleanup;
	}
	for (size_t w = 0; w < len;) {
		ssize_t k = write(fd, text + w, len - w);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			hush_error_set("cannot write '%s': %s", path, strerror(errno));
			err = HUSH_EIO;
			goto cleanup;
		}
		w += (size_t)k;
	}
	if (fsync(fd) < 0) {
		hush_error_set("cannot write '%s': %s", path, strerror(errno));
		err = HUSH_EIO;
		goto cleanup;
	}
	err = 0;
cleanup:
	if (fd >= 0 && close(fd) < 0 && !err) {
		hush_error_set("cannot write '%s': %s", path, strerror(errno));
		err = HUSH_EIO;
	}
	if (err && fd >= 0)
		unlink(path);
	free(dir);
	return err;
}

int hush_key_write(const char *path, const char *env, const hush_secret *sk)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	char key_id[HUSH_VAULT_KEY_ID_HEX + 1];
	hush_secret *text = NULL;
	size_t b64_len = sodium_base64_ENCODED_LEN(HUSH_VAULT_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
	int err, n;
	size_t off = 0;

	if (crypto_scalarmult_base(pk, hush_secret_data(sk)) != 0)
		return hush_error_set("invalid private key"), HUSH_EINVALID;
	hush_vault_key_id(key_id, pk);
	/* SECURITY: the serialised key lives in guarded memory too */
	if ((err = hush_secret_new(&text, NULL, 256 + b64_len + strlen(env))) != 0)
		return err;
	n = snprintf((char *)hush_secret_data(text), hush_secret_len(text),
		     "{\n  \"environment\": \"%s\",\n  \"hush_key\": 1,\n  \"key_id\": \"%s\",\n  \"secret_key\": \"", env,
		     key_id);
	off = (size_t)n;
	sodium_bin2base64((char *)hush_secret_data(text) + off, b64_len, hush_secret_data(sk), HUSH_VAULT_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	off += b64_len - 1;
	n = snprintf((char *)hush_secret_data(text) + off, hush_secret_len(text) - off, "\"\n}\n");
	off += (size_t)n;
	err = write_key_text(path, hush_secret_data(text), off);
	hush_secret_free(text);
	return err;
}

/* ---- passphrase protection ---- */

#define KEY_AD_PREFIX "hush-key-v1"
#define KEY_CT_BYTES (HUSH_VAULT_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)

static hush_key_prompt_fn prompt_fn;
static hush_secret *cached_pass;
static char cached_env[64];

void hush_key_set_prompt(hush_key_prompt_fn fn)
{
	prompt_fn = fn;
}

static void env_var_name(char *out, size_t n, const char *prefix, const char *env)
{
	size_t w = (size_t)snprintf(out, n, "%s", prefix);

	for (const char *p = env; *p && w + 1 < n; p++)
		out[w++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	if (w < n)
		out[w] = 0;
}

void hush_key_passphrase_var(char *out, size_t n, const char *env)
{
	env_var_name(out, n, "HUSH_KEY_PASSPHRASE_", env);
}

void hush_key_new_passphrase_var(char *out, size_t n, const char *env)
{
	env_var_name(out, n, "HUSH_NEW_KEY_PASSPHRASE_", env);
}

const hush_secret *hush_key_cached_passphrase(const char *env)
{
	return cached_pass && !strcmp(cached_env, env) ? cached_pass : NULL;
}

void hush_key_forget_passphrase(void)
{
	hush_secret_free(cached_pass);
	cached_pass = NULL;
	cached_env[0] = 0;
}

static void remember_passphrase(const char *env, const hush_secret *pass)
{
	hush_secret *copy = NULL;

	if (strlen(env) >= sizeof(cached_env) || hush_secret_new(&copy, hush_secret_data(pass), hush_secret_len(pass)))
		return;
	hush_key_forget_passphrase();
	cached_pass = copy;
	snprintf(cached_env, sizeof(cached_env), "%s", env);
}

/* The passphrase from variable var, else the prompt (twice when confirm). */
static int get_passphrase(hush_secret **out, const char *var, const char *path, bool confirm)
{
	char prompt[700];
	const char *val;
	hush_secret *again = NULL;
	int err;

	*out = NULL;
	if ((val = getenv(var)) && *val)
		return hush_secret_new(out, val, strlen(val));
	if (!prompt_fn)
		return hush_error_set("the key file '%s' %s: set %s or run hush on a terminal", path,
				      confirm ? "needs a new passphrase" : "is passphrase-protected", var),
		       HUSH_EINVALID;
	snprintf(prompt, sizeof(prompt), "%s for the key file '%s' (not echoed): ",
		 confirm ? "new passphrase" : "passphrase", path);
	if ((err = prompt_fn(out, prompt)) != 0) {
		if (err == HUSH_ENOTFOUND)
			hush_error_set("the key file '%s' %s and there is no terminal to ask on: set %s", path,
				       confirm ? "needs a new passphrase" : "is passphrase-protected", var),
				err = HUSH_EINVALID;
		return err;
	}
	if (!confirm)
		return 0;
	if ((err = prompt_fn(&again, "the same passphrase again (not echoed): ")) != 0) {
		hush_secret_free(*out);
		*out = NULL;
		return err;
	}
	if (hush_secret_len(again) != hush_secret_len(*out) ||
	    sodium_memcmp(hush_secret_data(again), hush_secret_data(*out), hush_secret_len(*out)) != 0) {
		hush_secret_free(again);
		hush_secret_free(*out);
		*out = NULL;
		return hush_error_set("the two passphrases differ"), HUSH_EINVALID;
	}
	hush_secret_free(again);
	return 0;
}

int hush_key_get_passphrase(hush_secret **out, const char *env, const char *path, bool confirm)
{
	char var[96];

	hush_key_passphrase_var(var, sizeof(var), env);
	return get_passphrase(out, var, path, confirm);
}

int hush_key_get_new_passphrase(hush_secret **out, const char *env, const char *path)
{
	char var[96];

	hush_key_new_passphrase_var(var, sizeof(var), env);
	return get_passphrase(out, var, path, true);
}

/* The associated data of a protected key file: the prefix "hush-key-v1", NUL, env, NUL, key_id. Returns its length. */
static size_t key_ad(unsigned char *ad, size_t n, const char *env, const char *key_id)
{
	size_t a = sizeof(KEY_AD_PREFIX), e = strlen(env) + 1, k = strlen(key_id);

	if (a + e + k > n)
		return 0;
	memcpy(ad, KEY_AD_PREFIX, a);
	memcpy(ad + a, env, e);
	memcpy(ad + a + e, key_id, k);
	return a + e + k;
}

/* The key-encryption key: Argon2id of the passphrase, into a new secret. */
static int derive_kek(hush_secret **kek_out, const hush_secret *pass, const unsigned char *salt,
		      unsigned long long opslimit, size_t memlimit)
{
	hush_secret *kek = NULL;
	int err;

	*kek_out = NULL;
	if ((err = hush_secret_new(&kek, NULL, crypto_aead_xchacha20poly1305_ietf_KEYBYTES)) != 0)
		return err;
	if (crypto_pwhash(hush_secret_data(kek), hush_secret_len(kek), (const char *)hush_secret_data(pass),
			  hush_secret_len(pass), salt, opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		hush_secret_free(kek);
		return hush_error_set("cannot derive a key from the passphrase: out of memory (memlimit %zu)", memlimit),
		       HUSH_ENOMEM;
	}
	*kek_out = kek;
	return 0;
}

int hush_key_write_protected(const char *path, const char *env, const hush_secret *sk, const hush_secret *pass)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES], salt[crypto_pwhash_SALTBYTES],
		nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES], ct[KEY_CT_BYTES], ad[128];
	char key_id[HUSH_VAULT_KEY_ID_HEX + 1], salt_b64[64], nonce_b64[64], ct_b64[128];
	unsigned long long ops;
	size_t mem, ad_len;
	hush_secret *kek = NULL;
	hush_buf b = HUSH_BUF_INIT;
	char *text;
	size_t len = 0;
	int err;

	if (!hush_secret_len(pass))
		return hush_error_set("refusing an empty passphrase"), HUSH_EINVALID;
	if (crypto_scalarmult_base(pk, hush_secret_data(sk)) != 0)
		return hush_error_set("invalid private key"), HUSH_EINVALID;
	hush_vault_key_id(key_id, pk);
	if (!(ad_len = key_ad(ad, sizeof(ad), env, key_id)))
		return hush_error_set("invalid environment name"), HUSH_EINVALID;
	/* SECURITY: libsodium's interactive limits (2 passes, 64 MiB): about 0.1 s per unlock */
	ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if ((err = derive_kek(&kek, pass, salt, ops, mem)) != 0)
		return err;
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, hush_secret_data(sk), HUSH_VAULT_KEY_BYTES, ad, ad_len,
						   NULL, nonce, hush_secret_data(kek));
	hush_secret_free(kek);
	sodium_bin2base64(salt_b64, sizeof(salt_b64), salt, sizeof(salt), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(nonce_b64, sizeof(nonce_b64), nonce, sizeof(nonce), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(ct_b64, sizeof(ct_b64), ct, sizeof(ct), sodium_base64_VARIANT_ORIGINAL);
	if (hush_buf_printf(&b,
			    "{\n  \"encrypted_secret_key\": \"%s\",\n  \"environment\": \"%s\",\n  \"hush_key\": 1,\n"
			    "  \"kdf\": {\n    \"alg\": \"argon2id13\",\n    \"memlimit\": %zu,\n    \"opslimit\": %llu,\n"
			    "    \"salt\": \"%s\"\n  },\n  \"key_id\": \"%s\",\n  \"nonce\": \"%s\"\n}\n",
			    ct_b64, env, mem, ops, salt_b64, key_id, nonce_b64) ||
	    !(text = hush_buf_detach(&b, &len))) {
		hush_buf_dispose(&b);
		return HUSH_ENOMEM;
	}
	err = write_key_text(path, (const unsigned char *)text, len);
	free(text);
	return err;
}

/* Decode base64 of exactly n bytes; false otherwise. */
static bool b64_exact(unsigned char *out, size_t n, json_t *j)
{
	size_t bin_len = 0;
	const char *end = NULL;

	return json_is_string(j) &&
	       sodium_base642bin(out, n, json_string_value(j), json_string_length(j), NULL, &bin_len, &end,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       bin_len == n && end == json_string_value(j) + json_string_length(j);
}

/* Unlock the protected form of a key file (root already checked for version and environment). */
static int unlock_key(hush_secret **out, json_t *root, const char *path, const char *env, const hush_secret *pass_in)
{
	unsigned char salt[crypto_pwhash_SALTBYTES], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES],
		ct[KEY_CT_BYTES], ad[128];
	json_t *kdf = json_object_get(root, "kdf"), *alg, *ops, *mem;
	const char *key_id = json_string_value(json_object_get(root, "key_id"));
	hush_secret *pass = NULL, *kek = NULL, *sk = NULL;
	size_t ad_len;
	int err;

	*out = NULL;
	alg = json_object_get(kdf, "alg");
	ops = json_object_get(kdf, "opslimit");
	mem = json_object_get(kdf, "memlimit");
	if (!json_is_object(kdf) || !json_is_string(alg) || !json_is_integer(ops) || !json_is_integer(mem) ||
	    !b64_exact(salt, sizeof(salt), json_object_get(kdf, "salt")) ||
	    !b64_exact(nonce, sizeof(nonce), json_object_get(root, "nonce")) ||
	    !b64_exact(ct, sizeof(ct), json_object_get(root, "encrypted_secret_key")))
		return hush_error_set("invalid key file '%s': malformed \"kdf\", \"nonce\" or \"encrypted_secret_key\"",
				      path),
		       HUSH_EINVALID;
	if (strcmp(json_string_value(alg), "argon2id13"))
		return hush_error_set("unsupported key derivation '%s' in the key file '%s' (this hush reads argon2id13)",
				      json_string_value(alg), path),
		       HUSH_EVERSION;
	/* SECURITY: a hostile key file must not make hush allocate gigabytes or spin for minutes */
	if (json_integer_value(ops) < (json_int_t)crypto_pwhash_OPSLIMIT_MIN ||
	    json_integer_value(ops) > HUSH_KEY_MAX_OPSLIMIT ||
	    json_integer_value(mem) < (json_int_t)crypto_pwhash_MEMLIMIT_MIN ||
	    json_integer_value(mem) > (json_int_t)HUSH_KEY_MAX_MEMLIMIT)
		return hush_error_set("refusing the key file '%s': its key derivation parameters are out of range "
				      "(opslimit %lld, memlimit %lld; hush accepts opslimit %d to %d and memlimit up to "
				      "1 GiB)",
				      path, (long long)json_integer_value(ops), (long long)json_integer_value(mem),
				      (int)crypto_pwhash_OPSLIMIT_MIN, HUSH_KEY_MAX_OPSLIMIT),
		       HUSH_EINVALID;
	if (!(ad_len = key_ad(ad, sizeof(ad), env, key_id)))
		return hush_error_set("invalid key file '%s': key id too long", path), HUSH_EINVALID;
	if (!pass_in && !(pass_in = hush_key_cached_passphrase(env))) {
		if ((err = hush_key_get_passphrase(&pass, env, path, false)) != 0)
			return err;
		pass_in = pass;
	}
	if ((err = derive_kek(&kek, pass_in, salt, (unsigned long long)json_integer_value(ops),
			      (size_t)json_integer_value(mem))) != 0 ||
	    (err = hush_secret_new(&sk, NULL, HUSH_VAULT_KEY_BYTES)) != 0)
		goto cleanup;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(hush_secret_data(sk), NULL, NULL, ct, sizeof(ct), ad, ad_len,
						       nonce, hush_secret_data(kek)) != 0) {
		hush_error_set("wrong passphrase for the key file '%s' (or the file was altered)", path);
		err = HUSH_EDECRYPT;
		goto cleanup;
	}
	remember_passphrase(env, pass_in);
	*out = sk;
	sk = NULL;
	err = 0;
cleanup:
	hush_secret_free(sk);
	hush_secret_free(kek);
	hush_secret_free(pass);
	return err;
}

int hush_key_read_with(hush_secret **sk_out, const char *path, const char *env, const hush_secret *pass)
{
	hush_secret *raw = NULL, *sk = NULL;
	json_t *root = NULL, *ver, *jenv, *jid, *jsk;
	json_error_t je;
	struct stat st;
	size_t len = 0;
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	char key_id[HUSH_VAULT_KEY_ID_HEX + 1];
	int fd, err = HUSH_EINVALID;

	*sk_out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return hush_error_set("no private key for environment '%s': no key file '%s'", env, path),
			       HUSH_ENOTFOUND;
		return hush_error_set("cannot open the key file '%s': %s", path, strerror(errno)), HUSH_EIO;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hush_error_set("cannot read the key file '%s': not a regular file", path), HUSH_EIO;
	}
	/* SECURITY: refuse a key others can read or change, as doas refuses an unsafe config */
	if (st.st_mode & 077) {
		close(fd);
		return hush_error_set("refusing the key file '%s': it is accessible by group or others (mode %04o); "
				      "run: chmod 600 %s",
				      path, (unsigned)(st.st_mode & 07777), path),
		       HUSH_EPERM;
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return hush_error_set("refusing the key file '%s': it is owned by another user (uid %u)", path,
				      (unsigned)st.st_uid),
		       HUSH_EPERM;
	}
	if (st.st_size > KEY_FILE_MAX) {
		close(fd);
		return hush_error_set("invalid key file '%s': larger than %d bytes", path, KEY_FILE_MAX), HUSH_EINVALID;
	}
	if ((err = hush_secret_new(&raw, NULL, KEY_FILE_MAX)) != 0) {
		close(fd);
		return err;
	}
	for (;;) {
		ssize_t n = read(fd, hush_secret_data(raw) + len, KEY_FILE_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hush_error_set("cannot read the key file '%s': %s", path, strerror(errno));
			err = HUSH_EIO;
			close(fd);
			goto cleanup;
		}
		if (n == 0 || (len += (size_t)n) == KEY_FILE_MAX)
			break;
	}
	close(fd);
	err = HUSH_EINVALID;
	/* NEEDSWORK: jansson copies the base64 string into its own (plain malloc) memory while parsing; the copy
	 * held by the json_t is wiped below, but the parser's scratch buffer is freed unwiped. */
	if (!(root = json_loadb((const char *)hush_secret_data(raw), len, 0, &je))) {
		hush_error_set("invalid key file '%s': line %d column %d: %s", path, je.line, je.column, je.text);
		goto cleanup;
	}
	ver = json_object_get(root, "hush_key");
	jenv = json_object_get(root, "environment");
	jid = json_object_get(root, "key_id");
	jsk = json_object_get(root, "secret_key");
	if (!json_is_integer(ver)) {
		hush_error_set("invalid key file '%s': not a hush key file (no \"hush_key\" version)", path);
		goto cleanup;
	}
	if (json_integer_value(ver) != 1) {
		hush_error_set("unsupported key file version %lld in '%s' (this hush reads version 1)",
			       (long long)json_integer_value(ver), path);
		err = HUSH_EVERSION;
		goto cleanup;
	}
	if (!json_is_string(jenv) || !json_is_string(jid) ||
	    (!json_is_string(jsk) && !json_object_get(root, "encrypted_secret_key"))) {
		hush_error_set("invalid key file '%s': \"environment\", \"key_id\" and \"secret_key\" (or "
			       "\"encrypted_secret_key\") must be strings",
			       path);
		goto cleanup;
	}
	if (strcmp(json_string_value(jenv), env)) {
		hush_error_set("the key file '%s' is for environment '%s', not '%s'", path, json_string_value(jenv), env);
		err = HUSH_EENV;
		goto cleanup;
	}
	if (!jsk) {
		if ((err = unlock_key(&sk, root, path, env, pass)) != 0)
			goto cleanup;
	} else {
		char source[600];

		snprintf(source, sizeof(source), "key file '%s'", path);
		if ((err = decode_key(&sk, json_string_value(jsk), json_string_length(jsk), source)) != 0)
			goto cleanup;
	}
	crypto_scalarmult_base(pk, hush_secret_data(sk));
	hush_vault_key_id(key_id, pk);
	if (strcmp(key_id, json_string_value(jid))) {
		hush_error_set("invalid key file '%s': its key id '%s' does not match its secret key (%s)", path,
			       json_string_value(jid), key_id);
		err = HUSH_EINVALID;
		goto cleanup;
	}
	*sk_out = sk;
	sk = NULL;
	err = 0;
cleanup:
	if (json_is_string(jsk = json_object_get(root, "secret_key")))
		sodium_memzero((char *)json_string_value(jsk), json_string_length(jsk));
	json_decref(root);
	hush_secret_free(raw);
	hush_secret_free(sk);
	return err;
}

int hush_key_read(hush_secret **sk_out, const char *path, const char *env)
{
	return hush_key_read_with(sk_out, path, env, NULL);
}

int hush_key_find(hush_secret **sk_out, char **source_out, const char *env, const char *key_path)
{
	char var[96], *path = NULL;
	const char *val;
	int err;

	*sk_out = NULL;
	*source_out = NULL;
	hush_key_env_var(var, sizeof(var), env);
	if ((val = getenv(var)) && *val && hush_remote_is_ref(val)) {
		/* HUSH_PRIVATE_KEY_PROD=vault://secret/hush#prod: the field holds the key's base64, as the variable would */
		hush_remote_ref ref;
		hush_secret *b64 = NULL;
		char source[600];

		if ((err = hush_remote_ref_parse(&ref, val)) != 0) {
			hush_error_prefix("%s", var);
			return err;
		}
		snprintf(source, sizeof(source), "the Vault secret '%s' field '%s' (%s)", ref.display,
			 ref.field ? ref.field : "", var);
		if (!ref.field)
			err = (hush_error_set("%s=vault://%s names no field: add #FIELD, e.g. vault://%s#%s", var, ref.display,
					      ref.display, env),
			       HUSH_EINVALID);
		else if ((err = hush_remote_read_field(&b64, &ref, NULL)) == 0)
			err = decode_key(sk_out, (const char *)hush_secret_data(b64), hush_secret_len(b64), source);
		if (!err)
			*source_out = hush__strdup(source);
		hush_secret_free(b64);
		hush_remote_ref_dispose(&ref);
		return err;
	}
	if ((val = getenv(var)) && *val) {
		char source[128];

		snprintf(source, sizeof(source), "the variable %s", var);
		*source_out = hush__strdup(source);
		return decode_key(sk_out, val, strlen(val), source);
	}
	if (!(path = key_path ? hush__strdup(key_path) : hush_key_default_path(env)))
		return HUSH_ENOMEM;
	err = hush_key_read(sk_out, path, env);
	if (err == HUSH_ENOTFOUND)
		hush_error_set("no private key for environment '%s': set %s or create the key file '%s'", env, var, path);
	if (!err) {
		hush_buf b = HUSH_BUF_INIT;

		hush_buf_printf(&b, "the key file '%s'", path);
		*source_out = hush_buf_detach(&b, NULL);
	}
	free(path);
	return err;
}
