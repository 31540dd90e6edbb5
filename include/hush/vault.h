/*
 * hush/vault.h: per-environment encrypted vault files (.hush/<env>.json) and their private keys.
 *
 * Each value is sealed to the environment's X25519 public key with an ephemeral key agreement and
 * XChaCha20-Poly1305, its associated data binding the format version, the environment, the key id and the
 * secret's name (docs/threat-model.md gives the construction exactly). Writing needs only the public key that the
 * file carries; reading needs the environment's private key.
 *
 * Plaintext values and private keys only ever live in a hush_secret: sodium_malloc'd memory, wiped on free.
 */
#ifndef HUSH_VAULT_H
#define HUSH_VAULT_H

#include <stdbool.h>
#include <stddef.h>

#define HUSH_VAULT_VERSION 1
#define HUSH_VAULT_KEY_BYTES 32   /* X25519 public and secret keys */
#define HUSH_VAULT_KEY_ID_HEX 16  /* first 8 bytes of BLAKE2b(public key), in hex */
#define HUSH_VAULT_MAX_VALUE (1024 * 1024)
#define HUSH_VAULT_MAX_FILE (64 * 1024 * 1024)

/* ---- secrets: bytes in guarded memory ---- */

typedef struct hush_secret hush_secret;

/* A secret of len bytes (plus a NUL after them), copied from data when data is not NULL, else zeroed.
 * The caller frees *out with hush_secret_free. Returns 0 or HUSH_ENOMEM. */
int hush_secret_new(hush_secret **out, const void *data, size_t len);
/* Wipe and free (sodium_free). NULL is fine. */
void hush_secret_free(hush_secret *s);
/* Borrowed pointer to the bytes (writable, so a reader can fill a secret made with data NULL); NUL-terminated. */
unsigned char *hush_secret_data(const hush_secret *s);
size_t hush_secret_len(const hush_secret *s);
/* Shorten the secret to len bytes (<= its length); the bytes dropped are wiped. */
void hush_secret_truncate(hush_secret *s, size_t len);

/* ---- names ---- */

/* Environment names: [a-z0-9_-]{1,32}. */
bool hush_vault_env_valid(const char *env);
/* Secret names, usable as environment variables: [A-Za-z_][A-Za-z0-9_]{0,127}. */
bool hush_vault_name_valid(const char *name);

/* ---- keys ---- */

/* A fresh X25519 keypair: pk into pk, the secret key into *sk_out (caller frees). Returns 0 or HUSH_ENOMEM. */
int hush_vault_keypair(unsigned char pk[HUSH_VAULT_KEY_BYTES], hush_secret **sk_out);
/* The key id of a public key: the first 16 hex digits of BLAKE2b-256(pk), NUL-terminated. */
void hush_vault_key_id(char out[HUSH_VAULT_KEY_ID_HEX + 1], const unsigned char pk[HUSH_VAULT_KEY_BYTES]);

/* The default key file of env: $XDG_CONFIG_HOME/hush/keys/<env>.key (~/.config when unset). Malloc'd or NULL. */
char *hush_key_default_path(const char *env);
/* "HUSH_PRIVATE_KEY_" + env upper-cased with '-' as '_', into out (at least 64 bytes). */
void hush_key_env_var(char *out, size_t n, const char *env);

/*
 * Write the key file of env at path (mode 0600, created exclusively: an existing file is never overwritten, and
 * its folder is created 0700). Format: {"hush_key": 1, "environment", "key_id", "secret_key": base64}.
 * Returns 0, HUSH_EEXISTS, or HUSH_EIO.
 */
int hush_key_write(const char *path, const char *env, const hush_secret *sk);

/* ---- passphrase-protected key files ---- */

/* The most a key file may ask of crypto_pwhash: a hostile file must not make hush allocate gigabytes. */
#define HUSH_KEY_MAX_OPSLIMIT 64
#define HUSH_KEY_MAX_MEMLIMIT (1024UL * 1024 * 1024)

/*
 * Like hush_key_write, in the protected form: {"hush_key": 1, "environment", "key_id", "kdf": {"alg":
 * "argon2id13", "opslimit", "memlimit", "salt": base64 of 16 bytes}, "nonce": base64 of 24 bytes,
 * "encrypted_secret_key": base64}. The key-encryption key is crypto_pwhash (Argon2id, 32 bytes) of pass with the
 * salt and limits stored in the file (written with crypto_pwhash_OPSLIMIT/MEMLIMIT_INTERACTIVE); the secret key
 * is sealed with XChaCha20-Poly1305, its associated data "hush-key-v1" NUL env NUL key_id. Returns 0, HUSH_EINVALID (empty passphrase), HUSH_EEXISTS,
 * HUSH_EIO or HUSH_ENOMEM.
 */
int hush_key_write_protected(const char *path, const char *env, const hush_secret *sk, const hush_secret *pass);

/*
 * How a passphrase is asked for when no variable holds it: fn puts what the user typed (no newline) in *out with
 * prompt shown, or returns HUSH_ENOTFOUND when there is no terminal. The library has none until the CLI sets one.
 */
typedef int (*hush_key_prompt_fn)(hush_secret **out, const char *prompt);
void hush_key_set_prompt(hush_key_prompt_fn fn);
/* "HUSH_KEY_PASSPHRASE_" + env upper-cased with '-' as '_'. */
void hush_key_passphrase_var(char *out, size_t n, const char *env);
/*
 * The passphrase of env's key file at path (for messages): the variable HUSH_KEY_PASSPHRASE_<ENV>, else the
 * prompt (twice when confirm, both must match). HUSH_EINVALID, saying how to supply it, when neither is there.
 */
int hush_key_get_passphrase(hush_secret **out, const char *env, const char *path, bool confirm);
/* "HUSH_NEW_KEY_PASSPHRASE_" + env, and the new passphrase of a key file from it, else asked twice. */
void hush_key_new_passphrase_var(char *out, size_t n, const char *env);
int hush_key_get_new_passphrase(hush_secret **out, const char *env, const char *path);
/*
 * The passphrase that last unlocked a key file of env in this process (kept in guarded memory so that one
 * command asks once), or NULL. hush_key_forget_passphrase wipes it.
 */
const hush_secret *hush_key_cached_passphrase(const char *env);
void hush_key_forget_passphrase(void);

/*
 * Load a key file. SECURITY: a file readable or writable by group or others, or owned by another user, is
 * refused (HUSH_EPERM) with the fix in the message. Both forms are read: a protected one is unlocked with the
 * cached passphrase, else hush_key_get_passphrase. Returns 0, HUSH_ENOTFOUND, HUSH_EPERM, HUSH_EINVALID (also for
 * out-of-range key derivation parameters), HUSH_EDECRYPT ("wrong passphrase for the key file ..."; no key
 * material is produced).
 */
int hush_key_read(hush_secret **sk_out, const char *path, const char *env);
/* hush_key_read with the passphrase given (NULL: as hush_key_read finds it). */
int hush_key_read_with(hush_secret **sk_out, const char *path, const char *env, const hush_secret *pass);

/*
 * Find env's private key: the variable HUSH_PRIVATE_KEY_<ENV> (base64), else key_path (NULL: the default key
 * file). *source_out (malloc'd, may be NULL on failure) says where it came from, for messages. The caller frees
 * *sk_out. Returns 0, HUSH_ENOTFOUND (no key anywhere), HUSH_EPERM or HUSH_EINVALID.
 */
int hush_key_find(hush_secret **sk_out, char **source_out, const char *env, const char *key_path);

/* ---- the low-level construction ---- */

/*
 * Seal a value for secret name in env under pk: *out (malloc'd base64 of eph_pk || nonce || ciphertext+tag).
 * Returns 0 or HUSH_ENOMEM / HUSH_EINVALID.
 */
int hush_vault_seal(char **out, const char *env, const unsigned char pk[HUSH_VAULT_KEY_BYTES], const char *name,
		    const void *value, size_t len);

/*
 * Open a value sealed by hush_vault_seal. Any failure (bad base64, short blob, wrong key, tampering, a value moved
 * to another name or environment) is HUSH_EDECRYPT with "cannot decrypt 'NAME' in environment 'ENV'", and
 * *out stays NULL: no partial plaintext is ever produced. The caller frees *out.
 */
int hush_vault_open(hush_secret **out, const char *env, const unsigned char pk[HUSH_VAULT_KEY_BYTES],
		    const char *name, const char *b64, const hush_secret *sk);

/* ---- vault files ---- */

typedef struct hush_vault hush_vault;

typedef struct {
	const char *name;
	const char *created;    /* ISO-8601 UTC, or "" */
	const char *updated;    /* ISO-8601 UTC, or "" */
	const char *updated_by; /* or "" */
} hush_vault_entry;

/* An empty vault for env under pk. The caller frees *out. */
int hush_vault_new(hush_vault **out, const char *env, const unsigned char pk[HUSH_VAULT_KEY_BYTES]);

/*
 * Parse a vault file's bytes (origin names it in messages) and check that it holds environment env (NULL: any).
 * Errors, each with its own message: HUSH_EINVALID (not JSON, with jansson's line and column; not a vault;
 * malformed fields; a key id that does not match the public key), HUSH_EVERSION (unknown format version),
 * HUSH_EENV (another environment).
 */
int hush_vault_parse(hush_vault **out, const char *data, size_t len, const char *origin, const char *env);

/* Read and parse path; a missing file is HUSH_ENOTFOUND. */
int hush_vault_load(hush_vault **out, const char *path, const char *env);

/* Write atomically (temp file, fsync, rename, fsync of the folder). The caller holds hush_vault_lock(); temp files
 * left by killed writers are removed after the rename. Returns 0, HUSH_EIO, or HUSH_EINVALID (nothing written) when
 * the file would be larger than HUSH_VAULT_MAX_FILE, which hush_vault_load() refuses. */
int hush_vault_save(const hush_vault *v, const char *path);

void hush_vault_free(hush_vault *v);

/* Borrowed. */
const char *hush_vault_env(const hush_vault *v);
const unsigned char *hush_vault_public_key(const hush_vault *v);
const char *hush_vault_key_id_of(const hush_vault *v);

/* The entries, sorted by name; i < hush_vault_count(v). Borrowed strings, valid until the vault changes. */
size_t hush_vault_count(const hush_vault *v);
void hush_vault_entry_at(hush_vault_entry *out, const hush_vault *v, size_t i);
bool hush_vault_has(const hush_vault *v, const char *name);

/* Seal value under name (replacing any value; created is kept), stamping updated = now (ISO-8601) and updated_by
 * (may be NULL). Needs only the public key. Returns 0, HUSH_EINVALID (bad name) or HUSH_ENOMEM. */
int hush_vault_set(hush_vault *v, const char *name, const void *value, size_t len, const char *now,
		   const char *updated_by);

/* Remove name. Returns 0 or HUSH_ENOTFOUND. */
int hush_vault_remove(hush_vault *v, const char *name);

/* Check that sk is the private key of v's public key: HUSH_EWRONGKEY (with both key ids) when it is not. */
int hush_vault_check_key(const hush_vault *v, const hush_secret *sk, const char *source);

/* Decrypt name: HUSH_ENOTFOUND, HUSH_EWRONGKEY, or HUSH_EDECRYPT (see hush_vault_open). Caller frees *out. */
int hush_vault_get(hush_secret **out, const hush_vault *v, const char *name, const hush_secret *sk);

/*
 * Decrypt every value of v in one pass (names sorted). Values sealed in one write session share their ephemeral
 * key, so the key agreement runs once per distinct ephemeral key, spread over up to 4 threads when there are
 * many. All plaintext sits in one sodium_malloc'd pool, each value followed by a NUL. Errors as hush_vault_get,
 * naming the first entry that fails; on any failure nothing is returned. The caller frees *out.
 */
typedef struct hush_vault_plain hush_vault_plain;
int hush_vault_decrypt_all(hush_vault_plain **out, const hush_vault *v, const hush_secret *sk);
/* The number of write sessions (distinct ephemeral keys) among v's values: the key agreements a read costs. */
size_t hush_vault_session_count(const hush_vault *v);
size_t hush_vault_plain_count(const hush_vault_plain *p);
const char *hush_vault_plain_name(const hush_vault_plain *p, size_t i);
/* Borrowed, valid until hush_vault_plain_free. */
const unsigned char *hush_vault_plain_value(const hush_vault_plain *p, size_t i, size_t *len);
void hush_vault_plain_free(hush_vault_plain *p);
/*
 * A set built from n name/value pairs (a remote backend's values, or two sets merged): copied into one guarded
 * pool, sorted by name; when a name is given twice, the later pair wins. The caller frees *out. Returns 0 or
 * HUSH_ENOMEM.
 */
int hush_vault_plain_from(hush_vault_plain **out, size_t n, const char *const *names,
			  const unsigned char *const *values, const size_t *lens);
/* The index of name in p, or -1. */
long hush_vault_plain_find(const hush_vault_plain *p, const char *name);

/* Take an exclusive lock (flock on "<path>.lock") for a read-modify-write of path; blocks. *fd_out is the lock's
 * file descriptor, released with hush_vault_unlock. Returns 0 or HUSH_EIO. */
int hush_vault_lock(int *fd_out, const char *path);
void hush_vault_unlock(int fd);

/* ISO-8601 UTC of t ("2026-01-02T03:04:05Z") into out (at least 21 bytes). */
void hush_vault_iso8601(char *out, size_t n, long long t);

#endif
