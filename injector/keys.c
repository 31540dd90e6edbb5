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

int hush_key_write(const char *path, const char *env, const hush_secret *sk)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	char key_id[HUSH_VAULT_KEY_ID_HEX + 1], *dir = NULL, *slash;
	hush_secret *text = NULL;
	size_t b64_len = sodium_base64_ENCODED_LEN(HUSH_VAULT_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
	int fd = -1, err = HUSH_EIO, n;
	size_t off = 0;

	if (crypto_scalarmult_base(pk, hush_secret_data(sk)) != 0)
		return hush_error_set("invalid private key"), HUSH_EINVALID;
	hush_vault_key_id(key_id, pk);
	if (!(dir = hush__strdup(path)))
		return HUSH_ENOMEM;
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = 0;
		if (hush__mkdir_p(dir, 0700) < 0) {
			hush_error_set("cannot create the key folder '%s': %s", dir, strerror(errno));
			goto cleanup;
		}
	}
	/* SECURITY: the serialised key lives in guarded memory too */
	if ((err = hush_secret_new(&text, NULL, 256 + b64_len + strlen(env))) != 0)
		goto cleanup;
	n = snprintf((char *)hush_secret_data(text), hush_secret_len(text),
		     "{\n  \"environment\": \"%s\",\n  \"hush_key\": 1,\n  \"key_id\": \"%s\",\n  \"secret_key\": \"", env,
		     key_id);
	off = (size_t)n;
	sodium_bin2base64((char *)hush_secret_data(text) + off, b64_len, hush_secret_data(sk), HUSH_VAULT_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	off += b64_len - 1;
	n = snprintf((char *)hush_secret_data(text) + off, hush_secret_len(text) - off, "\"\n}\n");
	off += (size_t)n;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno == EEXIST ? HUSH_EEXISTS : HUSH_EIO;
		hush_error_set(errno == EEXIST ? "refusing to overwrite the key file '%s'" : "cannot create '%s': %s",
			       path, strerror(errno));
		goto cleanup;
	}
	for (size_t w = 0; w < off;) {
		ssize_t k = write(fd, hush_secret_data(text) + w, off - w);

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
	hush_secret_free(text);
	free(dir);
	return err;
}

int hush_key_read(hush_secret **sk_out, const char *path, const char *env)
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
	if (!json_is_string(jenv) || !json_is_string(jsk) || !json_is_string(jid)) {
		hush_error_set("invalid key file '%s': \"environment\", \"key_id\" and \"secret_key\" must be strings",
			       path);
		goto cleanup;
	}
	if (strcmp(json_string_value(jenv), env)) {
		hush_error_set("the key file '%s' is for environment '%s', not '%s'", path, json_string_value(jenv), env);
		err = HUSH_EENV;
		goto cleanup;
	}
	{
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

int hush_key_find(hush_secret **sk_out, char **source_out, const char *env, const char *key_path)
{
	char var[96], *path = NULL;
	const char *val;
	int err;

	*sk_out = NULL;
	*source_out = NULL;
	hush_key_env_var(var, sizeof(var), env);
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
