/*
 * hush/remote.h: reading secrets from a HashiCorp Vault or OpenBao KV version 2 mount over HTTP(S).
 *
 * The client follows Vault's HTTP API: GET /v1/<mount>/data/<path>[?version=N] with the headers X-Vault-Token,
 * X-Vault-Namespace and X-Vault-Request: true; values under .data.data; errors from {"errors": [...]}. It reads
 * the standard variables (BAO_* first, then VAULT_*): ADDR (default https://127.0.0.1:8200), TOKEN (else
 * ~/.vault-token), NAMESPACE, CACERT, CAPATH, CLIENT_CERT, CLIENT_KEY, SKIP_VERIFY, CLIENT_TIMEOUT (default 60 s)
 * and MAX_RETRIES (default 3). AppRole: HUSH_VAULT_ROLE_ID with HUSH_VAULT_SECRET_ID_FILE (a file, or "-" for
 * one line of standard input) logs in at auth/<HUSH_VAULT_APPROLE_MOUNT, default approle>/login; that token is
 * revoked (auth/token/revoke-self) by hush_remote_shutdown.
 *
 * libcurl is loaded with dlopen the first time a request is made (injector/curl.h). TLS verification is on unless
 * SKIP_VERIFY is set. Each request is retried up to MAX_RETRIES times, after a jittered exponential backoff, on
 * 429, on 5xx (except a sealed Vault) and on connection errors; never on another 4xx, a TLS failure or a timeout.
 * Responses are capped at HUSH_REMOTE_MAX_BODY and parsed with jansson, whose allocations are redirected to
 * guarded memory for the duration of the parse.
 *
 * SECURITY: the token, the secret id, the response bodies and the values live only in sodium_malloc'd memory
 * (hush_secret, hush_vault_plain) on hush's side; error messages name the address and the path, never the token
 * or a value. libcurl's and the TLS library's own transient buffers are outside hush's reach (docs/vault.md).
 */
#ifndef HUSH_REMOTE_H
#define HUSH_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hush/vault.h"

#define HUSH_REMOTE_MAX_BODY ((size_t)32 << 20) /* 32 MiB */
#define HUSH_REMOTE_DEFAULT_RETRIES 3

/* ---- references: vault://MOUNT/PATH[?version=N][#FIELD] ---- */

/*
 * A KV v2 secret. The first path segment is the mount; when a segment "data" follows later, everything before it
 * is the mount (so "secret/data/app/prod" is mount "secret", path "app/prod", as in the API, and "kv/team/data/app"
 * is mount "kv/team", path "app"). "vault://" is optional.
 */
typedef struct {
	char *mount;   /* "secret" */
	char *path;    /* "myapp/prod" */
	unsigned version; /* 0: the latest */
	char *field;   /* after '#', or NULL */
	char *display; /* "secret/myapp/prod" (with ?version=N when given), for messages and the audit log */
} hush_remote_ref;

/* Parse spec into *out (dispose with hush_remote_ref_dispose). HUSH_EINVALID with a message naming spec. */
int hush_remote_ref_parse(hush_remote_ref *out, const char *spec);
void hush_remote_ref_dispose(hush_remote_ref *r);
/* true when s starts with "vault://" */
bool hush_remote_is_ref(const char *s);

/* ---- the client ---- */

/*
 * Read every field of ref (ref->field is ignored) into *out: names are the fields, which must be environment
 * variable names; string values as they are, other JSON values (numbers, booleans, objects) as their compact JSON
 * text, null as an empty value. namespace (NULL: VAULT_NAMESPACE) is sent as X-Vault-Namespace. The caller frees
 * *out. Errors, each a one-line message naming the path and the address: HUSH_EPERM (403), HUSH_ENOTFOUND (404,
 * also a deleted or destroyed version), HUSH_EIO (sealed, TLS, timeout, connection, server errors, an oversized or
 * invalid response), HUSH_EINVALID (a bad field name, a response that is not KV v2), HUSH_ERROR (libcurl cannot
 * be loaded; no token).
 */
int hush_remote_read(hush_vault_plain **out, const hush_remote_ref *ref, const char *namespace_);

/* Read the field ref->field (required) into *out. Errors as hush_remote_read, and HUSH_ENOTFOUND for a missing
 * field. The caller frees *out. */
int hush_remote_read_field(hush_secret **out, const hush_remote_ref *ref, const char *namespace_);

/*
 * Start loading libcurl (dlopen and curl_global_init: a few milliseconds) on a background thread, so that it
 * overlaps whatever the caller does before its first read. Optional; the first read waits for it.
 */
void hush_remote_preload(void);

/* Where the client's warnings go (VAULT_SKIP_VERIFY, an http:// address that is not loopback); the CLI sets it. */
void hush_remote_set_warn(void (*fn)(const char *msg));

/* The address requests go to (after the first read), or NULL. Borrowed. */
const char *hush_remote_address(void);

/*
 * End the process's client: revoke a token that AppRole login created (a failure is returned with a message, for
 * a warning), wipe the token, free libcurl's handle. Safe to call any number of times, also when nothing was read.
 */
int hush_remote_shutdown(void);

/* ---- pieces exposed for the unit tests ---- */

/* What a request ended with, before the HTTP status is looked at. */
typedef enum {
	HUSH__NET_OK,      /* an HTTP response arrived */
	HUSH__NET_CONNECT, /* could not connect, or the connection broke: retried */
	HUSH__NET_TIMEOUT, /* not retried: the wait the user bounded would be multiplied */
	HUSH__NET_TLS,     /* certificate or handshake failure: not retried */
	HUSH__NET_TOOBIG,  /* the response passed HUSH_REMOTE_MAX_BODY: not retried */
	HUSH__NET_OTHER    /* anything else libcurl reports: not retried */
} hush__net_result;

/* true when a request that ended with net (and status, when net is HUSH__NET_OK) should be tried again;
 * sealed says the body was {"errors": ["Vault is sealed"]}. */
bool hush__remote_retryable(hush__net_result net, long status, bool sealed);

/* The wait before retry number attempt (1, 2, 3...): base 200 ms doubling, at most 3.2 s, times a jitter factor in
 * [0.5, 1.0) taken from rnd. */
unsigned hush__remote_backoff_ms(unsigned attempt, uint32_t rnd);

/*
 * Turn a KV v2 read's response (HTTP status and body) into values: *out on 200, else an error message naming
 * what (the path) and addr, the same as hush_remote_read gives. token (may be NULL) is removed from any server
 * message that is quoted.
 */
int hush__remote_parse_kv(hush_vault_plain **out, long status, const unsigned char *body, size_t len,
			  const hush_remote_ref *ref, const char *addr, const char *token);

/* Run fn(ctx) with jansson's allocator pointed at guarded memory (sodium_malloc'd arenas, wiped when fn
 * returns). Every json_t made inside must be freed inside. Returns fn's result. */
int hush__json_guarded(int (*fn)(void *ctx), void *ctx, size_t size_hint);

#endif
