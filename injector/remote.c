/* remote.c: the Vault / OpenBao KV v2 client: settings from the environment, AppRole, requests with retries. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/remote.h"
#include "injector/curl.h"
#include "common/util.h"
#include "common/banned.h"

#define TOKEN_MAX 8192
#define SECRET_ID_MAX 4096
#define SERVER_MSG_MAX 200
#define DEFAULT_ADDR "https://127.0.0.1:8200"
#define DEFAULT_TIMEOUT_MS 60000L
#define CONNECT_TIMEOUT_MS 10000L
#define MAX_RETRIES_CAP 10

/* ---- jansson in guarded memory ---- */

/*
 * SECURITY: json_loadb copies every string of a response (the values) into memory from jansson's allocator, and its
 * lexer keeps a growing scratch copy too. For the length of one parse the allocator is a bump allocator over
 * sodium_malloc'd chunks; nothing is freed one by one, and the chunks are wiped and released together at the end.
 */
typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	unsigned char *data;
} arena_chunk;

static arena_chunk *arena_head;
static size_t arena_next_size;

static void *arena_alloc(size_t n)
{
	arena_chunk *c = arena_head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = arena_next_size > n ? arena_next_size : n;

		size = (size + 4095) & ~(size_t)4095;
		if (!(c = calloc(1, sizeof(*c))))
			return NULL;
		if (!(c->data = sodium_malloc(size))) {
			free(c);
			return NULL;
		}
		c->size = size;
		c->next = arena_head;
		arena_head = c;
		arena_next_size = size * 2;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static void arena_free(void *p)
{
	for (arena_chunk *c = arena_head; c; c = c->next)
		if ((unsigned char *)p >= c->data && (unsigned char *)p < c->data + c->size)
			return; /* released with its chunk */
	free(p); /* not expected: only objects made inside the window are freed inside it */
}

int hush__json_guarded(int (*fn)(void *ctx), void *ctx, size_t size_hint)
{
	json_malloc_t old_malloc;
	json_free_t old_free;
	int rc;

	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	json_get_alloc_funcs(&old_malloc, &old_free);
	arena_next_size = size_hint * 3 + 65536;
	json_set_alloc_funcs(arena_alloc, arena_free);
	rc = fn(ctx);
	json_set_alloc_funcs(old_malloc, old_free);
	while (arena_head) {
		arena_chunk *c = arena_head;

		arena_head = c->next;
		sodium_free(c->data); /* wiped */
		free(c);
	}
	return rc;
}

/* ---- references ---- */

bool hush_remote_is_ref(const char *s)
{
	return s && !strncmp(s, "vault://", 8);
}

void hush_remote_ref_dispose(hush_remote_ref *r)
{
	free(r->mount);
	free(r->path);
	free(r->field);
	free(r->display);
	memset(r, 0, sizeof(*r));
}

/* Segments are non-empty, never "." or "..", and hold no control character, space, '?', '#' or '%'. */
static bool segments_ok(const char *s, size_t len)
{
	size_t start = 0;

	if (!len)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '/') {
			unsigned char c = (unsigned char)s[i];

			if (c <= ' ' || c == 0x7f || c == '?' || c == '#' || c == '%' || c == '\\')
				return false;
			continue;
		}
		if (i == start || (i - start == 1 && s[start] == '.') ||
		    (i - start == 2 && s[start] == '.' && s[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

int hush_remote_ref_parse(hush_remote_ref *out, const char *spec)
{
	const char *s = spec, *hash, *q, *end, *data;
	size_t mlen;
	hush_buf d = HUSH_BUF_INIT;

	memset(out, 0, sizeof(*out));
	if (!strncmp(s, "vault://", 8))
		s += 8;
	hash = strchr(s, '#');
	end = hash ? hash : s + strlen(s);
	q = memchr(s, '?', (size_t)(end - s));
	if (q) {
		const char *v = q + 1;
		char *e;
		unsigned long n;

		if (strncmp(v, "version=", 8))
			goto bad;
		errno = 0;
		n = strtoul(v + 8, &e, 10);
		if (errno || e == v + 8 || e != end || n == 0 || n > 1000000000UL || !isdigit((unsigned char)v[8]))
			goto bad;
		out->version = (unsigned)n;
	}
	if (q)
		end = q;
	while (end > s && end[-1] == '/')
		end--;
	/* MOUNT/data/PATH (the API form, also for mounts with slashes), else MOUNT/PATH */
	data = NULL;
	for (const char *p = strchr(s, '/'); p && p < end; p = strchr(p + 1, '/'))
		if ((size_t)(end - p) > 6 && !strncmp(p, "/data/", 6)) {
			data = p;
			break;
		}
	if (data) {
		mlen = (size_t)(data - s);
		if (!(out->path = hush__strndup(data + 6, (size_t)(end - data - 6))))
			goto oom;
	} else {
		const char *slash = memchr(s, '/', (size_t)(end - s));

		if (!slash)
			goto bad;
		mlen = (size_t)(slash - s);
		if (!(out->path = hush__strndup(slash + 1, (size_t)(end - slash - 1))))
			goto oom;
	}
	if (!(out->mount = hush__strndup(s, mlen)))
		goto oom;
	if (!segments_ok(out->mount, strlen(out->mount)) || !segments_ok(out->path, strlen(out->path)))
		goto bad;
	if (hash) {
		if (!hash[1] || strpbrk(hash + 1, "#?/") || !segments_ok(hash + 1, strlen(hash + 1)))
			goto bad;
		if (!(out->field = hush__strdup(hash + 1)))
			goto oom;
	}
	if (hush_buf_printf(&d, "%s/%s", out->mount, out->path) ||
	    (out->version && hush_buf_printf(&d, "?version=%u", out->version)))
		goto oom;
	out->display = hush_buf_detach(&d, NULL);
	return 0;
bad:
	hush_remote_ref_dispose(out);
	hush_buf_dispose(&d);
	return hush_error_set("invalid Vault path '%s': use vault://MOUNT/PATH[?version=N][#FIELD], e.g. "
			      "vault://secret/myapp/prod",
			      spec),
	       HUSH_EINVALID;
oom:
	hush_remote_ref_dispose(out);
	hush_buf_dispose(&d);
	return hush_error_set("out of memory"), HUSH_ENOMEM;
}

/* ---- policy ---- */

bool hush__remote_retryable(hush__net_result net, long status, bool sealed)
{
	if (net == HUSH__NET_CONNECT)
		return true;
	if (net != HUSH__NET_OK)
		return false;
	/* a sealed Vault needs an operator with unseal keys: waiting a second will not help */
	return status == 429 || (status >= 500 && status <= 599 && status != 501 && !sealed);
}

unsigned hush__remote_backoff_ms(unsigned attempt, uint32_t rnd)
{
	unsigned base = 200, cap = 3200, d;

	if (attempt == 0)
		attempt = 1;
	d = attempt > 5 ? cap : base << (attempt - 1);
	if (d > cap)
		d = cap;
	/* jitter in [0.5, 1.0): clients that failed together do not retry together */
	return d / 2 + (unsigned)(((uint64_t)rnd * (d - d / 2)) >> 32);
}

/* ---- server messages ---- */

/*
 * The strings of {"errors": [...]} joined with "; ", on one line, at most SERVER_MSG_MAX bytes, with every
 * occurrence of the token replaced. Vault's multi-error text ("1 error occurred:\n\t* permission denied\n\n")
 * becomes "permission denied".
 */
static void server_message(char *out, size_t n, json_t *root, const char *token)
{
	json_t *errs = json_object_get(root, "errors"), *e;
	size_t i, w = 0, tlen = token ? strlen(token) : 0;

	out[0] = 0;
	json_array_foreach(errs, i, e) {
		const char *s = json_string_value(e);
		bool space = true;

		if (!s)
			continue;
		if (!strncmp(s, "1 error occurred:", 17))
			s += 17;
		if (w && w + 2 < n) {
			memcpy(out + w, "; ", 2);
			w += 2;
		}
		for (; *s && w + 1 < n; s++) {
			unsigned char c = (unsigned char)*s;

			if (tlen && !strncmp(s, token, tlen)) {
				s += tlen - 1;
				c = '?';
			}
			if (c < ' ' || c == 0x7f || (c == '*' && space))
				c = ' ';
			if (c == ' ' && space)
				continue;
			space = c == ' ';
			out[w++] = (char)c;
		}
		while (w && out[w - 1] == ' ')
			w--;
		out[w] = 0;
	}
	if (w >= n - 1 && n > 4)
		memcpy(out + n - 4, "...", 4);
}

/* ---- parsing a KV v2 read ---- */

typedef struct {
	long status;
	const unsigned char *body;
	size_t len;
	const hush_remote_ref *ref;
	const char *addr, *token, *field;
	hush_vault_plain *plain; /* out, when field is NULL */
	hush_secret *value;      /* out, for field */
} kv_job;

/* A value as bytes: strings as they are, null as "", anything else as compact JSON (arena memory). */
static const char *value_bytes(json_t *v, size_t *len)
{
	char *s;

	if (json_is_string(v)) {
		*len = json_string_length(v);
		return json_string_value(v);
	}
	if (json_is_null(v)) {
		*len = 0;
		return "";
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	*len = s ? strlen(s) : 0;
	return s;
}

static int kv_error(const kv_job *j, json_t *root)
{
	char msg[SERVER_MSG_MAX + 8];
	const char *what = j->ref->display;
	json_t *meta = json_object_get(json_object_get(root, "data"), "metadata");

	server_message(msg, sizeof(msg), root, j->token);
	switch (j->status) {
	case 403:
		if (!strcmp(msg, "permission denied"))
			msg[0] = 0; /* says nothing more */
		return hush_error_set("cannot read '%s' from Vault at %s: permission denied (403): the token is invalid or "
				      "its policies do not allow reading this path%s%s",
				      what, j->addr, *msg ? ": " : "", msg),
		       HUSH_EPERM;
	case 404:
		if (json_is_object(meta) && json_is_true(json_object_get(meta, "destroyed")))
			return hush_error_set("cannot read '%s' from Vault at %s: version %lld is destroyed (404)", what,
					      j->addr, (long long)json_integer_value(json_object_get(meta, "version"))),
			       HUSH_ENOTFOUND;
		if (json_is_object(meta) && json_string_length(json_object_get(meta, "deletion_time")))
			return hush_error_set("cannot read '%s' from Vault at %s: version %lld was deleted at %s (404): "
					      "undelete it or read another version",
					      what, j->addr, (long long)json_integer_value(json_object_get(meta, "version")),
					      json_string_value(json_object_get(meta, "deletion_time"))),
			       HUSH_ENOTFOUND;
		return hush_error_set("cannot read '%s' from Vault at %s: no secret at this path (404)%s%s", what, j->addr,
				      *msg ? ": " : "", msg),
		       HUSH_ENOTFOUND;
	case 503:
		if (strstr(msg, "Vault is sealed"))
			return hush_error_set("cannot read '%s' from Vault at %s: Vault is sealed (503)", what, j->addr),
			       HUSH_EIO;
		break;
	default:
		break;
	}
	if (j->status >= 300 && j->status < 400)
		return hush_error_set("cannot read '%s' from Vault at %s: redirected (%ld), which hush does not follow: set "
				      "VAULT_ADDR to the address that serves the request",
				      what, j->addr, j->status),
		       HUSH_EIO;
	if (j->status == 429 || j->status >= 500)
		return hush_error_set("cannot read '%s' from Vault at %s: server error (%ld)%s%s", what, j->addr,
				      j->status, *msg ? ": " : "", msg),
		       HUSH_EIO;
	return hush_error_set("cannot read '%s' from Vault at %s: refused (%ld)%s%s", what, j->addr, j->status,
			      *msg ? ": " : "", msg),
	       HUSH_EINVALID;
}

static int kv_parse(void *ctx)
{
	kv_job *j = ctx;
	json_error_t je;
	json_t *root = NULL, *data, *fields, *v;
	const char *what = j->ref->display, *key, **names = NULL;
	const unsigned char **values = NULL;
	size_t *lens = NULL, n = 0;
	int err = HUSH_EINVALID;

	root = json_loadb((const char *)j->body, j->len, JSON_ALLOW_NUL, &je);
	if (!root && j->status != 200)
		return kv_error(j, NULL);
	if (!root) {
		/* SECURITY: jansson's text may quote the input near the error; only the position is given */
		hush_error_set("cannot read '%s' from Vault at %s: invalid JSON in the response (%ld, line %d, column %d)",
			       what, j->addr, j->status, je.line, je.column);
		return HUSH_EIO;
	}
	if (j->status != 200) {
		err = kv_error(j, root);
		goto cleanup;
	}
	data = json_object_get(root, "data");
	fields = json_object_get(data, "data");
	if (json_is_null(fields) && json_is_object(json_object_get(data, "metadata"))) {
		kv_job copy = *j;

		copy.status = 404; /* a deleted version, reported with 200 by some proxies */
		err = kv_error(&copy, root);
		goto cleanup;
	}
	if (!json_is_object(fields)) {
		hush_error_set("cannot read '%s' from Vault at %s: the response has no .data.data object (is '%s' a KV "
			       "version 2 mount?)",
			       what, j->addr, j->ref->mount);
		goto cleanup;
	}
	if (j->field) {
		const char *bytes;
		size_t len;

		if (!(v = json_object_get(fields, j->field))) {
			hush_error_set("cannot read '%s' from Vault at %s: it has no field '%s'", what, j->addr, j->field);
			err = HUSH_ENOTFOUND;
			goto cleanup;
		}
		if (!(bytes = value_bytes(v, &len)) || (err = hush_secret_new(&j->value, bytes, len)) != 0) {
			err = HUSH_ENOMEM;
			goto cleanup;
		}
		err = 0;
		goto cleanup;
	}
	n = json_object_size(fields);
	if (!(names = hush__calloc(n + 1, sizeof(*names))) || !(values = hush__calloc(n + 1, sizeof(*values))) ||
	    !(lens = hush__calloc(n + 1, sizeof(*lens)))) {
		err = HUSH_ENOMEM;
		goto cleanup;
	}
	n = 0;
	json_object_foreach(fields, key, v) {
		if (!hush_vault_name_valid(key)) {
			hush_error_set("cannot use '%s' from Vault at %s: its field '%s' is not a variable name "
				       "([A-Za-z_][A-Za-z0-9_]*)",
				       what, j->addr, key);
			goto cleanup;
		}
		names[n] = key;
		if (!(values[n] = (const unsigned char *)value_bytes(v, &lens[n]))) {
			err = HUSH_ENOMEM;
			goto cleanup;
		}
		n++;
	}
	err = hush_vault_plain_from(&j->plain, n, names, values, lens);
cleanup:
	free(names);
	free(values);
	free(lens);
	json_decref(root);
	return err;
}

int hush__remote_parse_kv(hush_vault_plain **out, long status, const unsigned char *body, size_t len,
			  const hush_remote_ref *ref, const char *addr, const char *token)
{
	kv_job j = { status, body, len, ref, addr, token, NULL, NULL, NULL };
	int err = hush__json_guarded(kv_parse, &j, len);

	*out = j.plain;
	return err;
}

/* ---- the client ---- */

typedef struct {
	unsigned char *p; /* sodium_malloc'd */
	size_t len, cap;
	bool too_big;
} gbuf;

static void gbuf_dispose(gbuf *b)
{
	sodium_free(b->p); /* wiped */
	memset(b, 0, sizeof(*b));
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	gbuf *b = ctx;
	size_t n = size * nmemb;

	if (n > HUSH_REMOTE_MAX_BODY - b->len) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		unsigned char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > HUSH_REMOTE_MAX_BODY + 1)
			cap = HUSH_REMOTE_MAX_BODY + 1;
		if (!(p = sodium_malloc(cap)))
			return 0;
		if (b->len)
			memcpy(p, b->p, b->len);
		sodium_free(b->p);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
	return n;
}

static struct {
	bool ready, ended;
	int failed;                /* a sticky setup failure (AppRole reads stdin once) */
	char failed_msg[1024];
	void (*warn)(const char *msg);
	const hush__curl_api *c;
	CURL *h;
	char *addr, *ns;
	long timeout_ms, connect_ms;
	unsigned retries;
	hush_secret *token;        /* the token alone */
	hush_secret *token_header; /* "X-Vault-Token: TOKEN" */
	bool token_owned;          /* made by AppRole login: revoked at the end */
	char errbuf[CURL_ERROR_SIZE];
} C;

void hush_remote_set_warn(void (*fn)(const char *msg))
{
	C.warn = fn;
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!C.warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	C.warn(msg);
}

/* ---- loading libcurl early ---- */

static pthread_t preload_thread;
static bool preload_started;

static void *preload(void *arg)
{
	const hush__curl_api *c;

	(void)arg;
	(void)hush__curl_load(&c); /* a failure is reported again by the first request */
	return NULL;
}

void hush_remote_preload(void)
{
	if (!preload_started && !C.ready && !C.ended)
		preload_started = pthread_create(&preload_thread, NULL, preload, NULL) == 0;
}

static void preload_join(void)
{
	if (preload_started)
		pthread_join(preload_thread, NULL);
	preload_started = false;
}

const char *hush_remote_address(void)
{
	return C.addr;
}

/* BAO_<name> (OpenBao), else VAULT_<name>; NULL when neither is set and non-empty. */
static const char *setting(const char *name, const char **which)
{
	static char used[64];
	char var[64];
	const char *v;

	snprintf(var, sizeof(var), "BAO_%s", name);
	if (!(v = getenv(var)) || !*v) {
		snprintf(var, sizeof(var), "VAULT_%s", name);
		if (!(v = getenv(var)) || !*v)
			v = NULL;
	}
	snprintf(used, sizeof(used), "%s", var);
	if (which)
		*which = used;
	return v;
}

/* "60", "60s", "1.5s", "500ms", "2m": a duration in milliseconds, or -1. */
static long parse_duration(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || v > 86400)
		return -1;
	if (!*end || !strcmp(end, "s"))
		v *= 1000;
	else if (!strcmp(end, "m"))
		v *= 60000;
	else if (!strcmp(end, "h"))
		v *= 3600000;
	else if (strcmp(end, "ms"))
		return -1;
	return v < 1 ? 1 : (long)v;
}

static bool truthy(const char *v)
{
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };

	if (!v || !*v)
		return false;
	for (size_t i = 0; i < HUSH_ARRAY_SIZE(no); i++)
		if (!strcmp(v, no[i]))
			return false;
	return true;
}

static bool loopback_host(const char *url)
{
	const char *h = strstr(url, "://");

	h = h ? h + 3 : url;
	return !strncmp(h, "127.", 4) || !strncmp(h, "localhost", 9) || !strncmp(h, "[::1]", 5);
}

/* Read at most max bytes of fd into a new secret; trailing whitespace dropped. line: stop at the first '\n' and
 * read one byte at a time, so that the rest of the stream stays for whoever reads it next. */
static int read_secret_fd(hush_secret **out, int fd, size_t max, bool line)
{
	hush_secret *s = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	if ((err = hush_secret_new(&s, NULL, max)) != 0)
		return err;
	for (;;) {
		ssize_t n = read(fd, hush_secret_data(s) + len, line ? 1 : max - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hush_secret_free(s);
			return hush_error_set("%s", strerror(errno)), HUSH_EIO;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (line && hush_secret_data(s)[len - 1] == '\n')
			break;
		if (len == max) {
			hush_secret_free(s);
			return hush_error_set("longer than %zu bytes", max), HUSH_EINVALID;
		}
	}
	while (len && isspace(hush_secret_data(s)[len - 1]))
		len--;
	hush_secret_truncate(s, len);
	*out = s;
	return 0;
}

/* The token header from a token in guarded memory; refuses control characters (header injection). */
static int set_token(const unsigned char *tok, size_t len, const char *source, bool owned)
{
	static const char prefix[] = "X-Vault-Token: ";
	hush_secret *h = NULL, *t = NULL;
	int err;

	if (!len)
		return hush_error_set("the Vault token from %s is empty", source), HUSH_EINVALID;
	if (len > TOKEN_MAX)
		return hush_error_set("the Vault token from %s is longer than %d bytes", source, TOKEN_MAX),
		       HUSH_EINVALID;
	for (size_t i = 0; i < len; i++)
		if (tok[i] < 0x21 || tok[i] == 0x7f)
			return hush_error_set("the Vault token from %s holds a space or a control character", source),
			       HUSH_EINVALID;
	if ((err = hush_secret_new(&t, tok, len)) != 0 ||
	    (err = hush_secret_new(&h, NULL, sizeof(prefix) - 1 + len)) != 0) {
		hush_secret_free(t);
		return err;
	}
	memcpy(hush_secret_data(h), prefix, sizeof(prefix) - 1);
	memcpy(hush_secret_data(h) + sizeof(prefix) - 1, tok, len);
	hush_secret_free(C.token);
	hush_secret_free(C.token_header);
	C.token = t;
	C.token_header = h;
	C.token_owned = owned;
	return 0;
}

static const char *token_str(void)
{
	return C.token ? (const char *)hush_secret_data(C.token) : NULL;
}

/* ---- requests ---- */

static hush__net_result classify(CURLcode rc, const gbuf *b)
{
	switch (rc) {
	case CURLE_OK: return HUSH__NET_OK;
	case CURLE_OPERATION_TIMEDOUT: return HUSH__NET_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return HUSH__NET_CONNECT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return HUSH__NET_TLS;
	case CURLE_FILESIZE_EXCEEDED: return HUSH__NET_TOOBIG;
	case CURLE_WRITE_ERROR: return b->too_big ? HUSH__NET_TOOBIG : HUSH__NET_OTHER;
	default: return HUSH__NET_OTHER;
	}
}

/* Percent-encode a path for a URL: unreserved characters and '/' stay. */
static int put_escaped(hush_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~/", c) ? hush_buf_putc(b, (char)c) : hush_buf_printf(b, "%%%02X", c))
			return HUSH_ENOMEM;
	}
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * One API call with retries: method GET (body NULL) or POST, api the path after /v1/ (escaped, may end in a
 * query), what names it in messages. On 0, an HTTP response arrived: *status and b hold it (b is reset for each
 * attempt); *attempts says how many were made. Transport failures are errors with their own messages.
 */
static int request(const char *api, const hush_secret *body, bool with_token, const char *ns, const char *what,
		   long *status, gbuf *b, unsigned *attempts)
{
	struct curl_slist hdr[4];
	size_t nh = 0;
	hush_buf url = HUSH_BUF_INIT, nsh = HUSH_BUF_INIT;
	hush__net_result net = HUSH__NET_OTHER;
	CURLcode rc = CURLE_OK;
	int err = 0;

	*status = 0;
	*attempts = 0;
	if (hush_buf_printf(&url, "%s/v1/%s", C.addr, api) ||
	    (ns && *ns && hush_buf_printf(&nsh, "X-Vault-Namespace: %s", ns))) {
		err = (hush_error_set("out of memory"), HUSH_ENOMEM);
		goto cleanup;
	}
	/*
	 * SECURITY: the header list is built here, not with curl_slist_append, so that the token's header line stays in
	 * guarded memory instead of a malloc'd copy that lives as long as the handle.
	 */
	hdr[nh++].data = (char *)"X-Vault-Request: true";
	if (with_token)
		hdr[nh++].data = (char *)hush_secret_data(C.token_header);
	if (nsh.len)
		hdr[nh++].data = nsh.ptr;
	if (body)
		hdr[nh++].data = (char *)"Content-Type: application/json";
	for (size_t i = 0; i < nh; i++)
		hdr[i].next = i + 1 < nh ? &hdr[i + 1] : NULL;
	C.c->easy_setopt(C.h, CURLOPT_URL, url.ptr);
	C.c->easy_setopt(C.h, CURLOPT_HTTPHEADER, hdr);
	C.c->easy_setopt(C.h, CURLOPT_WRITEDATA, b);
	if (body) { /* POST, possibly empty */
		C.c->easy_setopt(C.h, CURLOPT_POST, 1L);
		C.c->easy_setopt(C.h, CURLOPT_POSTFIELDS, (const char *)hush_secret_data(body));
		C.c->easy_setopt(C.h, CURLOPT_POSTFIELDSIZE, (long)hush_secret_len(body));
	} else {
		C.c->easy_setopt(C.h, CURLOPT_HTTPGET, 1L);
	}
	for (;;) {
		bool sealed = false;

		b->len = 0;
		b->too_big = false;
		C.errbuf[0] = 0;
		rc = C.c->easy_perform(C.h);
		++*attempts;
		net = classify(rc, b);
		if (net == HUSH__NET_OK) {
			C.c->easy_getinfo(C.h, CURLINFO_RESPONSE_CODE, status);
			sealed = *status == 503 && b->len && memmem(b->p, b->len, "Vault is sealed", 15);
		}
		if (*attempts > C.retries || !hush__remote_retryable(net, *status, sealed))
			break;
		sleep_ms(hush__remote_backoff_ms(*attempts, randombytes_random()));
	}
	switch (net) {
	case HUSH__NET_OK: break;
	case HUSH__NET_TIMEOUT:
		err = (hush_error_set("cannot read '%s' from Vault at %s: timed out after %.3g s (VAULT_CLIENT_TIMEOUT)",
				     what, C.addr, (double)C.timeout_ms / 1000.0),
		HUSH_EIO);
		break;
	case HUSH__NET_CONNECT:
		err = (hush_error_set("cannot read '%s' from Vault at %s: cannot connect: %s (%u attempt%s)", what, C.addr,
				     *C.errbuf ? C.errbuf : C.c->easy_strerror(rc), *attempts, *attempts == 1 ? "" : "s"),
		HUSH_EIO);
		break;
	case HUSH__NET_TLS:
		err = (hush_error_set("cannot read '%s' from Vault at %s: TLS failure: %s (is VAULT_CACERT the CA that "
				     "signed the server's certificate?)",
				     what, C.addr, *C.errbuf ? C.errbuf : C.c->easy_strerror(rc)),
		HUSH_EIO);
		break;
	case HUSH__NET_TOOBIG:
		err = (hush_error_set("cannot read '%s' from Vault at %s: the response is larger than %zu MiB", what, C.addr,
				     HUSH_REMOTE_MAX_BODY >> 20),
		HUSH_EIO);
		break;
	default:
		err = (hush_error_set("cannot read '%s' from Vault at %s: %s", what, C.addr,
				     *C.errbuf ? C.errbuf : C.c->easy_strerror(rc)),
		HUSH_EIO);
		break;
	}
cleanup:
	C.c->easy_setopt(C.h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	C.c->easy_setopt(C.h, CURLOPT_POSTFIELDS, (const char *)NULL);
	hush_buf_dispose(&url);
	hush_buf_dispose(&nsh);
	return err;
}

/* Append " (N attempts)" to the current message when a retried status ended the request. */
static void note_attempts(unsigned attempts)
{
	char msg[1024];

	if (attempts < 2)
		return;
	snprintf(msg, sizeof(msg), "%s", hush_error_last());
	hush_error_set("%s (%u attempts)", msg, attempts);
}

/* ---- AppRole ---- */

/* A JSON string of bytes into b (guarded): '"' and '\\' escaped, control characters as \\u00XX. */
static size_t json_str(unsigned char *out, const unsigned char *s, size_t len)
{
	size_t w = 0;

	out[w++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			out[w++] = '\\';
			out[w++] = s[i];
		} else if (s[i] < 0x20) {
			static const char hex[] = "0123456789abcdef";

			memcpy(out + w, "\\u00", 4);
			out[w + 4] = (unsigned char)hex[s[i] >> 4];
			out[w + 5] = (unsigned char)hex[s[i] & 15];
			w += 6;
		} else {
			out[w++] = s[i];
		}
	}
	out[w++] = '"';
	return w;
}

typedef struct {
	const gbuf *b;
	int err;
} login_job;

static int login_parse(void *ctx)
{
	login_job *j = ctx;
	json_error_t je;
	json_t *root = json_loadb((const char *)j->b->p, j->b->len, 0, &je);
	json_t *tok = json_object_get(json_object_get(root, "auth"), "client_token");
	int err;

	if (!json_is_string(tok) || !json_string_length(tok)) {
		json_decref(root);
		return hush_error_set("AppRole login to Vault at %s: the response has no auth.client_token", C.addr),
		       HUSH_EIO;
	}
	err = set_token((const unsigned char *)json_string_value(tok), json_string_length(tok), "AppRole login", true);
	json_decref(root);
	return err;
}

typedef struct {
	const gbuf *b;
	char *msg;
	size_t n;
} msg_job;

static int msg_parse(void *ctx)
{
	msg_job *j = ctx;
	json_error_t je;
	json_t *root = json_loadb((const char *)j->b->p, j->b->len, 0, &je);

	server_message(j->msg, j->n, root, token_str());
	json_decref(root);
	return 0;
}

static int approle_login(const char *role_id)
{
	const char *file = getenv("HUSH_VAULT_SECRET_ID_FILE");
	const char *mount = getenv("HUSH_VAULT_APPROLE_MOUNT");
	hush_secret *sid = NULL, *body = NULL;
	hush_buf api = HUSH_BUF_INIT;
	gbuf b = { NULL, 0, 0, false };
	char what[300], msg[SERVER_MSG_MAX + 8];
	size_t rlen = strlen(role_id), w;
	unsigned attempts;
	long status;
	int err, fd;

	if (!mount || !*mount)
		mount = "approle";
	snprintf(what, sizeof(what), "auth/%s/login", mount);
	if (!file || !*file)
		return hush_error_set("AppRole: a role id is set but no secret id: set HUSH_VAULT_SECRET_ID_FILE to a file "
				      "that holds it, or to '-' to read it from standard input"),
		       HUSH_EINVALID;
	if (!strcmp(file, "-")) {
		err = read_secret_fd(&sid, STDIN_FILENO, SECRET_ID_MAX, true);
	} else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		return hush_error_set("AppRole: cannot open the secret id file '%s': %s", file, strerror(errno)), HUSH_EIO;
	} else {
		err = read_secret_fd(&sid, fd, SECRET_ID_MAX, false);
		close(fd);
	}
	if (err)
		return hush_error_prefix("AppRole: cannot read the secret id from '%s'", file), err;
	if (!hush_secret_len(sid)) {
		hush_secret_free(sid);
		return hush_error_set("AppRole: the secret id from '%s' is empty", file), HUSH_EINVALID;
	}
	/* {"role_id":"...","secret_id":"..."}: every byte may take 6 when escaped */
	if ((err = hush_secret_new(&body, NULL, 40 + 6 * (rlen + hush_secret_len(sid)))) != 0)
		goto cleanup;
	w = 0;
	memcpy(hush_secret_data(body), "{\"role_id\":", 11);
	w = 11;
	w += json_str(hush_secret_data(body) + w, (const unsigned char *)role_id, rlen);
	memcpy(hush_secret_data(body) + w, ",\"secret_id\":", 13);
	w += 13;
	w += json_str(hush_secret_data(body) + w, hush_secret_data(sid), hush_secret_len(sid));
	hush_secret_data(body)[w++] = '}';
	hush_secret_truncate(body, w);
	if (hush_buf_puts(&api, "auth/") || put_escaped(&api, mount) || hush_buf_puts(&api, "/login")) {
		err = HUSH_ENOMEM;
		goto cleanup;
	}
	if ((err = request(api.ptr, body, false, C.ns, what, &status, &b, &attempts)) != 0)
		goto cleanup;
	if (status != 200) {
		msg_job mj = { &b, msg, sizeof(msg) };

		hush__json_guarded(msg_parse, &mj, b.len);
		err = (hush_error_set("AppRole login to Vault at %s failed (%ld)%s%s", C.addr, status, *msg ? ": " : "",
				     msg),
		status == 400 || status == 403 ? HUSH_EPERM : HUSH_EIO);
		note_attempts(attempts);
		goto cleanup;
	} else {
		login_job lj = { &b, 0 };

		err = hush__json_guarded(login_parse, &lj, b.len);
	}
cleanup:
	gbuf_dispose(&b);
	hush_buf_dispose(&api);
	hush_secret_free(body);
	hush_secret_free(sid);
	return err;
}

/* The token: AppRole when a role id is given, else BAO_TOKEN / VAULT_TOKEN, else ~/.vault-token. */
static int find_token(void)
{
	const char *role = getenv("HUSH_VAULT_ROLE_ID"), *which, *tok, *home;
	hush_buf path = HUSH_BUF_INIT;
	hush_secret *s = NULL;
	int fd, err;

	if (role && *role)
		return approle_login(role);
	if ((tok = setting("TOKEN", &which)) != NULL)
		return set_token((const unsigned char *)tok, strlen(tok), which, false);
	if ((home = getenv("HOME")) && *home && !hush_buf_printf(&path, "%s/.vault-token", home) &&
	    (fd = open(path.ptr, O_RDONLY | O_CLOEXEC)) >= 0) {
		err = read_secret_fd(&s, fd, TOKEN_MAX + 1, false);
		close(fd);
		if (!err)
			err = set_token(hush_secret_data(s), hush_secret_len(s), path.ptr, false);
		else
			hush_error_prefix("cannot read the Vault token file '%s'", path.ptr);
		hush_secret_free(s);
		hush_buf_dispose(&path);
		return err;
	}
	hush_buf_dispose(&path);
	return hush_error_set("no Vault token for %s: set VAULT_TOKEN (or BAO_TOKEN), log in so that ~/.vault-token "
			      "exists, or use AppRole (HUSH_VAULT_ROLE_ID and HUSH_VAULT_SECRET_ID_FILE)",
			      C.addr),
	       HUSH_ERROR;
}

/* Settings, libcurl, the handle and the token, once. */
static int setup(void)
{
	const char *addr, *v, *which;
	long t;
	int err;

	if (C.ready)
		return 0;
	if (C.ended)
		return hush_error_set("the Vault client was already shut down"), HUSH_ERROR;
	if (C.failed)
		return hush_error_set("%s", C.failed_msg), C.failed;
	if (sodium_init() < 0) /* guarded memory for the token and the responses */
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	addr = setting("ADDR", NULL);
	if (!addr)
		addr = DEFAULT_ADDR;
	if (strncmp(addr, "https://", 8) && strncmp(addr, "http://", 7)) {
		err = (hush_error_set("invalid VAULT_ADDR '%s': it must start with https:// (or http://)", addr),
		HUSH_EINVALID);
		goto fail;
	}
	free(C.addr);
	if (!(C.addr = hush__strdup(addr))) {
		err = HUSH_ENOMEM;
		goto fail;
	}
	for (size_t n = strlen(C.addr); n > 8 && C.addr[n - 1] == '/'; n--)
		C.addr[n - 1] = 0;
	free(C.ns);
	C.ns = (v = setting("NAMESPACE", NULL)) ? hush__strdup(v) : NULL;
	C.timeout_ms = DEFAULT_TIMEOUT_MS;
	if ((v = setting("CLIENT_TIMEOUT", &which)) && (C.timeout_ms = parse_duration(v)) < 0) {
		err = (hush_error_set("invalid %s '%s': use seconds (30, 1.5s) or a unit (500ms, 2m)", which, v),
		HUSH_EINVALID);
		goto fail;
	}
	C.connect_ms = C.timeout_ms < CONNECT_TIMEOUT_MS ? C.timeout_ms : CONNECT_TIMEOUT_MS;
	C.retries = HUSH_REMOTE_DEFAULT_RETRIES;
	if ((v = setting("MAX_RETRIES", &which))) {
		char *end;

		errno = 0;
		t = strtol(v, &end, 10);
		if (errno || *end || end == v || t < 0 || t > MAX_RETRIES_CAP) {
			err = (hush_error_set("invalid %s '%s': use 0 to %d", which, v, MAX_RETRIES_CAP), HUSH_EINVALID);
			goto fail;
		}
		C.retries = (unsigned)t;
	}
	preload_join();
	if ((err = hush__curl_load(&C.c)) != 0)
		goto fail;
	if (!(C.h = C.c->easy_init())) {
		err = (hush_error_set("cannot create a libcurl handle"), HUSH_ENOMEM);
		goto fail;
	}
	C.c->easy_setopt(C.h, CURLOPT_NOSIGNAL, 1L);
	C.c->easy_setopt(C.h, CURLOPT_ERRORBUFFER, C.errbuf);
	C.c->easy_setopt(C.h, CURLOPT_WRITEFUNCTION, on_write);
	C.c->easy_setopt(C.h, CURLOPT_TIMEOUT_MS, C.timeout_ms);
	C.c->easy_setopt(C.h, CURLOPT_CONNECTTIMEOUT_MS, C.connect_ms);
	C.c->easy_setopt(C.h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HUSH_REMOTE_MAX_BODY);
	C.c->easy_setopt(C.h, CURLOPT_FOLLOWLOCATION, 0L);
	C.c->easy_setopt(C.h, CURLOPT_USERAGENT, "hush/" HUSH_VERSION);
	if (C.c->easy_setopt(C.h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
		/* a libcurl before 7.85 at run time: the older option */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		C.c->easy_setopt(C.h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#pragma GCC diagnostic pop
	}
	if (truthy(setting("SKIP_VERIFY", &which))) {
		warn("%s is set: the TLS certificate of %s is NOT verified, so anyone on the network path can read the "
		     "Vault token and every secret",
		     which, C.addr);
		C.c->easy_setopt(C.h, CURLOPT_SSL_VERIFYPEER, 0L);
		C.c->easy_setopt(C.h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		C.c->easy_setopt(C.h, CURLOPT_SSL_VERIFYPEER, 1L);
		C.c->easy_setopt(C.h, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if ((v = setting("CACERT", NULL)))
		C.c->easy_setopt(C.h, CURLOPT_CAINFO, v);
	if ((v = setting("CAPATH", NULL)))
		C.c->easy_setopt(C.h, CURLOPT_CAPATH, v);
	if ((v = setting("CLIENT_CERT", NULL)))
		C.c->easy_setopt(C.h, CURLOPT_SSLCERT, v);
	if ((v = setting("CLIENT_KEY", NULL)))
		C.c->easy_setopt(C.h, CURLOPT_SSLKEY, v);
	if (!strncmp(C.addr, "http://", 7) && !loopback_host(C.addr))
		warn("VAULT_ADDR '%s' is not HTTPS: the Vault token and the secrets cross the network unencrypted",
		     C.addr);
	C.ready = true; /* requests work from here; the token may need one (AppRole) */
	if ((err = find_token()) != 0) {
		C.ready = false;
		goto fail;
	}
	return 0;
fail:
	C.failed = err ? err : HUSH_ERROR;
	snprintf(C.failed_msg, sizeof(C.failed_msg), "%s", hush_error_last());
	return C.failed;
}

/* The API path of a KV v2 read. */
static int kv_api(hush_buf *api, const hush_remote_ref *ref)
{
	if (put_escaped(api, ref->mount) || hush_buf_puts(api, "/data/") || put_escaped(api, ref->path) ||
	    (ref->version && hush_buf_printf(api, "?version=%u", ref->version)))
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	return 0;
}

static int kv_read(hush_vault_plain **plain, hush_secret **value, const hush_remote_ref *ref, const char *ns)
{
	hush_buf api = HUSH_BUF_INIT;
	gbuf b = { NULL, 0, 0, false };
	unsigned attempts = 0;
	long status = 0;
	int err;

	if ((err = setup()) != 0 || (err = kv_api(&api, ref)) != 0)
		goto cleanup;
	if ((err = request(api.ptr, NULL, true, ns ? ns : C.ns, ref->display, &status, &b, &attempts)) != 0)
		goto cleanup;
	{
		kv_job j = { status, b.p, b.len, ref, C.addr, token_str(), value ? ref->field : NULL, NULL, NULL };

		if (!b.p)
			j.body = (const unsigned char *)"";
		err = hush__json_guarded(kv_parse, &j, b.len);
		if (plain)
			*plain = j.plain;
		if (value)
			*value = j.value;
		if (err && (status == 429 || status >= 500))
			note_attempts(attempts);
	}
cleanup:
	gbuf_dispose(&b);
	hush_buf_dispose(&api);
	return err;
}

int hush_remote_read(hush_vault_plain **out, const hush_remote_ref *ref, const char *namespace_)
{
	*out = NULL;
	return kv_read(out, NULL, ref, namespace_);
}

int hush_remote_read_field(hush_secret **out, const hush_remote_ref *ref, const char *namespace_)
{
	*out = NULL;
	if (!ref->field)
		return hush_error_set("'%s' names no field: add #FIELD, e.g. vault://%s#prod", ref->display, ref->display),
		       HUSH_EINVALID;
	return kv_read(NULL, out, ref, namespace_);
}

int hush_remote_shutdown(void)
{
	int err = 0;

	preload_join();
	if (C.ready && C.token_owned && C.token_header) {
		gbuf b = { NULL, 0, 0, false };
		hush_secret *empty = NULL;
		unsigned attempts;
		long status;

		if ((err = hush_secret_new(&empty, NULL, 0)) == 0 &&
		    (err = request("auth/token/revoke-self", empty, true, C.ns, "auth/token/revoke-self", &status, &b,
				   &attempts)) == 0 &&
		    status != 204 && status != 200)
			err = (hush_error_set("Vault at %s answered %ld", C.addr, status), HUSH_EIO);
		if (err) {
			char msg[1024];

			snprintf(msg, sizeof(msg), "%s", hush_error_last());
			hush_error_set("cannot revoke the AppRole token: %s (it expires with its TTL)", msg);
		}
		gbuf_dispose(&b);
		hush_secret_free(empty);
	}
	hush_secret_free(C.token);
	hush_secret_free(C.token_header);
	C.token = C.token_header = NULL;
	C.token_owned = false;
	if (C.h)
		C.c->easy_cleanup(C.h);
	C.h = NULL;
	if (C.c)
		hush__curl_unload();
	if (C.ready || C.c)
		C.ended = true;
	C.ready = false;
	return err;
}
