/* redact.c: the streaming redactor: values and their encoded variants as vectorscan literals in stream mode. */
#include <errno.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/matcher.h"
#include "hush/redact.h"
#include "hush/vault.h"
#include "injector/redact_internal.h"
#include "common/util.h"
#include "common/banned.h"

/* Input is scanned in pieces of at most this many bytes, which bounds the matches held at once. */
#define PIECE ((size_t)64 * 1024)
/*
 * Of a longer variant only its last ANCHOR bytes are compiled, and a match of them is checked against the whole
 * variant in the window. vectorscan refuses literals over 16,000 bytes ("Pattern length exceeds limit"), and its
 * compile time grows faster than the literal bytes it is given (one 3 KB PEM key has some 120 KB of variants).
 */
#define ANCHOR ((size_t)64)
/* The rules stage keeps this much of a cut line for the next piece: no match is wider (hush/matcher.h). */
#define RULE_KEEP ((size_t)HUSH_MAX_RULE_WIDTH + HUSH_LOOKAROUND)

/* ---------- guarded memory ---------- */

/* A growable byte buffer in sodium_malloc'd memory. SECURITY: growing copies and wipes (sodium_free). */
typedef struct {
	unsigned char *p;
	size_t len, cap;
} sbuf;

static int sbuf_reserve(sbuf *b, size_t extra)
{
	unsigned char *np;
	size_t ncap;

	if (extra <= b->cap - b->len)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len)
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + extra)
		ncap *= 2;
	if (!(np = sodium_malloc(ncap)))
		return hush_error_set("out of secure memory"), HUSH_ENOMEM;
	if (b->len)
		memcpy(np, b->p, b->len);
	sodium_free(b->p);
	b->p = np;
	b->cap = ncap;
	return 0;
}

static void sbuf_dispose(sbuf *b)
{
	sodium_free(b->p);
	memset(b, 0, sizeof(*b));
}

static void *hs_secure_alloc(size_t n)
{
	/* sodium_malloc puts the block right before a guard page: a size that is a multiple of 64 keeps it aligned */
	size_t r = (n + 63) & ~(size_t)63;

	return r < n ? NULL : sodium_malloc(r ? r : 64);
}

static void hs_secure_free(void *p)
{
	sodium_free(p);
}

/* set by hush_redact_secure_vectorscan: compile in a child process (compile_isolated) */
static bool secure_mode;

int hush_redact_secure_vectorscan(void)
{
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	if (hs_set_database_allocator(hs_secure_alloc, hs_secure_free) != HS_SUCCESS ||
	    hs_set_scratch_allocator(hs_secure_alloc, hs_secure_free) != HS_SUCCESS ||
	    hs_set_stream_allocator(hs_secure_alloc, hs_secure_free) != HS_SUCCESS)
		return hush_error_set("cannot set vectorscan's allocators"), HUSH_ERROR;
	secure_mode = true;
	return 0;
}

/*
 * hs_compile_lit_multi in a child process, which sends the serialized database back through a pipe; the parent
 * deserializes it into guarded memory (the database allocator). SECURITY: vectorscan's compiler copies every literal
 * into ordinary heap objects (std::string, ue2_literal...) and frees them unwiped; in the child, that heap goes
 * with the process. Returns 0, or -1 when the compile failed (no detail: a message could quote a literal).
 */
static int compile_isolated(const char *const *exprs, const unsigned *flags, const unsigned *ids, const size_t *lens,
			    unsigned n, hs_database_t **db)
{
	int fds[2], status = 0, rc = -1;
	unsigned char *bytes = NULL;
	uint64_t len = 0;
	pid_t pid;

	*db = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		hs_database_t *cdb = NULL;
		hs_compile_error_t *cerr = NULL;
		char *ser = NULL;
		size_t slen = 0;
		uint64_t l;

		close(fds[0]);
		if (hs_compile_lit_multi(exprs, flags, ids, lens, n, HS_MODE_STREAM, NULL, &cdb, &cerr) != HS_SUCCESS ||
		    hs_serialize_database(cdb, &ser, &slen) != HS_SUCCESS)
			_exit(1);
		l = slen;
		_exit(hush__write_all(fds[1], &l, sizeof(l)) || hush__write_all(fds[1], ser, slen) ? 1 : 0);
	}
	close(fds[1]);
	if (hush__read_all(fds[0], &len, sizeof(len)) == 0 && len && len < ((uint64_t)1 << 40) &&
	    (bytes = sodium_malloc((size_t)len)) && hush__read_all(fds[0], bytes, (size_t)len) == 0)
		rc = 0;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
			hs_deserialize_database((const char *)bytes, (size_t)len, db) != HS_SUCCESS)) {
		*db = NULL;
		rc = -1;
	}
	sodium_free(bytes); /* wiped */
	return rc;
}

/* ---------- the redactor ---------- */

typedef struct {
	size_t off;     /* in the arena */
	size_t len;
	size_t lit;     /* the literal compiled is the variant from this byte on; the bytes before it are checked by
			 * hand. Beyond the last ANCHOR bytes, and past leading NUL bytes: vectorscan's literal API
			 * refuses a literal that starts with one ("doesn't support empty string") */
	uint32_t value; /* index of the value (its label) */
} variant;

struct hush_redactor {
	char *mask_fmt;
	hush_secret **values;
	char **labels;
	size_t nvalues, avalues;

	const hush_ruleset *rules;
	hush_matcher *matcher;
	char **rule_masks; /* one per rule */

	bool compiled;
	sbuf arena;        /* SECURITY: the bytes of every variant */
	variant *var;      /* sorted by bytes, unique */
	size_t nvar;
	size_t maxlen;
	unsigned char *first; /* SECURITY (sodium): bitmaps of the first byte (256 bits) and first two bytes (64 Ki bits) */
	char **masks;         /* one per value */
	size_t *mask_lens;
	hs_database_t *db;
	hs_scratch_t *proto;
};

int hush_redactor_new(hush_redactor **out)
{
	hush_redactor *r;

	*out = NULL;
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	if (!(r = hush__calloc(1, sizeof(*r))))
		return HUSH_ENOMEM;
	if (!(r->mask_fmt = hush__strdup(HUSH_REDACT_DEFAULT_MASK))) {
		free(r);
		return HUSH_ENOMEM;
	}
	*out = r;
	return 0;
}

/* The mask for label; NULL (error set) on a bad format. Malloc'd. */
static char *render_mask(const char *fmt, const char *label, size_t *len_out)
{
	hush_buf b = HUSH_BUF_INIT;
	char *out;

	for (const char *p = fmt; *p; p++) {
		int err;

		if (*p != '%')
			err = hush_buf_putc(&b, *p);
		else if (p[1] == 'n')
			err = hush_buf_puts(&b, label), p++;
		else if (p[1] == '%')
			err = hush_buf_putc(&b, '%'), p++;
		else {
			hush_buf_dispose(&b);
			hush_error_set("invalid mask '%s': use %%n for the name and %%%% for a '%%'", fmt);
			return NULL;
		}
		if (err) {
			hush_buf_dispose(&b);
			return NULL;
		}
	}
	out = hush_buf_detach(&b, len_out);
	return out;
}

int hush_redactor_set_mask(hush_redactor *r, const char *format)
{
	char *check, *copy;

	if (r->compiled)
		return hush_error_set("the redactor is already compiled"), HUSH_EINVALID;
	if (!(check = render_mask(format, "", NULL)))
		return HUSH_EINVALID;
	free(check);
	if (!(copy = hush__strdup(format)))
		return HUSH_ENOMEM;
	free(r->mask_fmt);
	r->mask_fmt = copy;
	return 0;
}

int hush_redactor_add(hush_redactor *r, const char *label, const void *value, size_t len, bool *added_out)
{
	hush_secret *s = NULL;
	char *l;
	int err;

	if (added_out)
		*added_out = false;
	if (r->compiled)
		return hush_error_set("the redactor is already compiled"), HUSH_EINVALID;
	if (len < HUSH_REDACT_MIN_LEN)
		return 0;
	if (r->nvalues >= UINT32_MAX - 1)
		return hush_error_set("too many values to redact"), HUSH_ENOMEM;
	if ((err = hush__array_grow((void **)&r->values, &r->avalues, r->nvalues, sizeof(*r->values))) != 0)
		return err;
	if ((err = hush_secret_new(&s, value, len)) != 0)
		return err;
	if (!(l = hush__strdup(label))) {
		hush_secret_free(s);
		return HUSH_ENOMEM;
	}
	/* labels grow with values: allocate the same count */
	{
		char **nl = hush__reallocarray(r->labels, r->avalues, sizeof(*r->labels));

		if (!nl) {
			free(l);
			hush_secret_free(s);
			return HUSH_ENOMEM;
		}
		r->labels = nl;
	}
	r->values[r->nvalues] = s;
	r->labels[r->nvalues] = l;
	r->nvalues++;
	if (added_out)
		*added_out = true;
	return 0;
}

int hush_redactor_add_rules(hush_redactor *r, const hush_ruleset *rs)
{
	hush_matcher_options o = HUSH_MATCHER_OPTIONS_INIT;
	int err;

	if (r->compiled || r->matcher)
		return hush_error_set("rules can be added once, before the redactor is compiled"), HUSH_EINVALID;
	if ((err = hush_matcher_new(&r->matcher, rs, &o)) != 0)
		return err;
	r->rules = rs;
	return 0;
}

/* ---------- variants ---------- */

typedef struct {
	hush_redactor *r;
	variant *v;
	size_t n, alloc;
	uint32_t value;
	size_t start; /* arena offset where the variant being built starts */
	int err;
} gen;

static void g_begin(gen *g)
{
	g->start = g->r->arena.len;
}

static void g_put(gen *g, const void *p, size_t n)
{
	sbuf *a = &g->r->arena;

	if (g->err || !n)
		return;
	if ((g->err = sbuf_reserve(a, n)) != 0)
		return;
	memcpy(a->p + a->len, p, n);
	a->len += n;
}

static void g_putc(gen *g, unsigned char c)
{
	g_put(g, &c, 1);
}

/*
 * Keep the variant built since g_begin: its literal is its last ANCHOR bytes without leading NUL bytes. A variant
 * that is too short, or whose anchor is only NUL bytes, is dropped (and wiped).
 */
static void g_end(gen *g)
{
	sbuf *a = &g->r->arena;
	size_t len = a->len - g->start, lit;

	if (g->err)
		return;
	lit = len > ANCHOR ? len - ANCHOR : 0;
	while (lit < len && !a->p[g->start + lit])
		lit++;
	if (len < HUSH_REDACT_MIN_LEN || lit == len) {
		sodium_memzero(a->p + g->start, len);
		a->len = g->start;
		return;
	}
	if ((g->err = hush__array_grow((void **)&g->v, &g->alloc, g->n, sizeof(*g->v))) != 0)
		return;
	g->v[g->n++] = (variant){ g->start, len, lit, g->value };
}

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Byte i of the virtual buffer zeros(align) + v + suffix, zero beyond it. */
static unsigned vbyte(const unsigned char *v, size_t n, size_t align, const char *suffix, size_t slen, size_t i)
{
	if (i < align)
		return 0;
	i -= align;
	if (i < n)
		return v[i];
	i -= n;
	return i < slen ? (unsigned char)suffix[i] : 0;
}

/* Base64 character k (6 bits at bit 6k) of that virtual buffer. */
static unsigned b64_at(const unsigned char *v, size_t n, size_t align, const char *suffix, size_t slen, size_t k)
{
	size_t bit = 6 * k, j = bit / 8, o = bit % 8;
	unsigned w = vbyte(v, n, align, suffix, slen, j) << 8 | vbyte(v, n, align, suffix, slen, j + 1);

	return (w >> (10 - o)) & 63;
}

static void gen_base64(gen *g, const unsigned char *v, size_t n)
{
	static const char *const suffixes[] = { "", "\n" };
	static const char *const alphabets[] = { b64_std, b64_url };

	for (size_t ai = 0; ai < 2; ai++) {
		const char *alpha = alphabets[ai];

		for (size_t align = 0; align < 3; align++) {
			size_t first = (8 * align + 5) / 6, core_end = 8 * (align + n) / 6;

			/* the stable core: characters made of V's bits only */
			g_begin(g);
			for (size_t k = first; k < core_end; k++)
				g_putc(g, (unsigned char)alpha[b64_at(v, n, align, "", 0, k)]);
			g_end(g);
			/* V (+ suffix) at the end of the encoded data: every character to the end, then padding or not */
			for (size_t si = 0; si < 2; si++) {
				size_t slen = strlen(suffixes[si]), total = align + n + slen;
				size_t chars = (8 * total + 5) / 6, padded = 4 * ((total + 2) / 3);

				for (int pad = 0; pad < 2; pad++) {
					g_begin(g);
					for (size_t k = first; k < chars; k++)
						g_putc(g, (unsigned char)alpha[b64_at(v, n, align, suffixes[si], slen, k)]);
					for (size_t k = chars; pad && k < padded; k++)
						g_putc(g, '=');
					g_end(g);
				}
			}
		}
	}
}

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

static void gen_percent(gen *g, const unsigned char *v, size_t n)
{
	static const struct {
		const char *extra_keep; /* kept besides A-Z a-z 0-9 */
		bool plus;              /* space as '+' */
	} sets[] = {
		{ "-._~", false },      /* RFC 3986 */
		{ "-._~!'()*", false }, /* encodeURIComponent */
		{ "-._~/", false },     /* Python quote */
		{ "-._~", true },       /* Python quote_plus, Go QueryEscape */
		{ "*-._", true },       /* HTML forms (WHATWG application/x-www-form-urlencoded), Java URLEncoder */
	};
	static const char *const hexes[] = { "0123456789ABCDEF", "0123456789abcdef" };

	for (size_t si = 0; si < HUSH_ARRAY_SIZE(sets); si++)
		for (size_t hi = 0; hi < 2; hi++) {
			g_begin(g);
			for (size_t i = 0; i < n; i++) {
				unsigned char c = v[i];
				bool alnum = is_unreserved(c) && c != '-' && c != '.' && c != '_' && c != '~';

				if (c == ' ' && sets[si].plus)
					g_putc(g, '+');
				else if (alnum || (c && strchr(sets[si].extra_keep, c)))
					g_putc(g, c);
				else {
					unsigned char e[3] = { '%', (unsigned char)hexes[hi][c >> 4],
							       (unsigned char)hexes[hi][c & 15] };

					g_put(g, e, 3);
				}
			}
			g_end(g);
		}
}

/* Decode one UTF-8 sequence at v[i] (valid input): the code point, and its length in *adv. */
static uint32_t utf8_at(const unsigned char *v, size_t i, size_t *adv)
{
	unsigned char c = v[i];

	if (c < 0x80)
		return *adv = 1, c;
	if (c < 0xe0)
		return *adv = 2, (uint32_t)(c & 0x1f) << 6 | (v[i + 1] & 0x3f);
	if (c < 0xf0)
		return *adv = 3, (uint32_t)(c & 0x0f) << 12 | (uint32_t)(v[i + 1] & 0x3f) << 6 | (v[i + 2] & 0x3f);
	return *adv = 4, (uint32_t)(c & 0x07) << 18 | (uint32_t)(v[i + 1] & 0x3f) << 12 |
			 (uint32_t)(v[i + 2] & 0x3f) << 6 | (v[i + 3] & 0x3f);
}

static void put_u(gen *g, uint32_t u, const char *hex)
{
	unsigned char e[6] = { '\\', 'u', (unsigned char)hex[(u >> 12) & 15], (unsigned char)hex[(u >> 8) & 15],
			       (unsigned char)hex[(u >> 4) & 15], (unsigned char)hex[u & 15] };

	g_put(g, e, 6);
}

static void gen_json(gen *g, const unsigned char *v, size_t n)
{
	static const struct {
		bool slash, non_ascii, html, short_bf;
	} styles[] = {
		{ false, false, false, true }, /* JSON.stringify, Python ensure_ascii=False, jq, serde, jansson */
		{ true, false, false, true },  /* "\/" */
		{ false, true, false, true },  /* Python json.dumps, jansson JSON_ENSURE_ASCII */
		{ true, true, false, true },   /* PHP json_encode */
		{ false, false, true, true },  /* Go */
		{ false, false, true, false }, /* Go before 1.22 */
	};
	bool utf8 = hush__utf8_valid((const char *)v, n);

	for (size_t si = 0; si < HUSH_ARRAY_SIZE(styles) * 2; si++) {
		const char *hex = si % 2 ? "0123456789ABCDEF" : "0123456789abcdef";
		bool slash = styles[si / 2].slash, non_ascii = styles[si / 2].non_ascii, html = styles[si / 2].html;
		bool short_bf = styles[si / 2].short_bf;

		if (non_ascii && !utf8)
			continue;
		g_begin(g);
		for (size_t i = 0; i < n;) {
			unsigned char c = v[i];
			size_t adv = 1;

			if (c == '"' || c == '\\') {
				unsigned char e[2] = { '\\', c };

				g_put(g, e, 2);
			} else if (c == '\n') {
				g_put(g, "\\n", 2);
			} else if (c == '\r') {
				g_put(g, "\\r", 2);
			} else if (c == '\t') {
				g_put(g, "\\t", 2);
			} else if (c == '\b' && short_bf) {
				g_put(g, "\\b", 2);
			} else if (c == '\f' && short_bf) {
				g_put(g, "\\f", 2);
			} else if (c < 0x20) {
				put_u(g, c, hex);
			} else if (c == '/' && slash) {
				g_put(g, "\\/", 2);
			} else if (html && (c == '<' || c == '>' || c == '&')) {
				put_u(g, c, hex);
			} else if (c >= 0x80 && utf8 && (non_ascii || html)) {
				uint32_t u = utf8_at(v, i, &adv);

				if (non_ascii && u >= 0x10000) {
					u -= 0x10000;
					put_u(g, 0xd800 + (u >> 10), hex);
					put_u(g, 0xdc00 + (u & 0x3ff), hex);
				} else if (non_ascii || u == 0x2028 || u == 0x2029) {
					put_u(g, u, hex);
				} else {
					g_put(g, v + i, adv);
				}
			} else {
				g_putc(g, c);
			}
			i += adv;
		}
		g_end(g);
	}
}

static void gen_hex(gen *g, const unsigned char *v, size_t n)
{
	static const char *const hexes[] = { "0123456789abcdef", "0123456789ABCDEF" };

	for (size_t hi = 0; hi < 2; hi++) {
		g_begin(g);
		for (size_t i = 0; i < n; i++) {
			unsigned char e[2] = { (unsigned char)hexes[hi][v[i] >> 4], (unsigned char)hexes[hi][v[i] & 15] };

			g_put(g, e, 2);
		}
		g_end(g);
	}
}

static void gen_value(gen *g, const unsigned char *v, size_t n)
{
	g_begin(g);
	g_put(g, v, n);
	g_end(g);
	if (memchr(v, '\n', n)) {
		for (size_t i = 0; i < n;) {
			const unsigned char *nl = memchr(v + i, '\n', n - i);
			size_t end = nl ? (size_t)(nl - v) : n, len = end - i;

			if (len && v[i + len - 1] == '\r')
				len--;
			g_begin(g);
			g_put(g, v + i, len);
			g_end(g);
			i = end + 1;
		}
	}
	gen_base64(g, v, n);
	gen_percent(g, v, n);
	gen_json(g, v, n);
	gen_hex(g, v, n);
}

/* memcmp order, the shorter first on a common prefix */
static int cmp_bytes(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Order variants by bytes, then by value (qsort_r; arg is the arena). */
static int cmp_variant(const void *x, const void *y, void *arg)
{
	const unsigned char *arena = arg;
	const variant *a = x, *b = y;
	int c = cmp_bytes(arena + a->off, a->len, arena + b->off, b->len);

	if (c)
		return c;
	return a->value < b->value ? -1 : a->value > b->value;
}

int hush_redactor_compile(hush_redactor *r)
{
	gen g = { 0 };
	const char **exprs = NULL;
	unsigned *ids = NULL, *flags = NULL;
	size_t *lens = NULL, nrules;
	hs_compile_error_t *cerr = NULL;
	int err = 0;

	if (r->compiled)
		return hush_error_set("the redactor is already compiled"), HUSH_EINVALID;
	/* masks */
	if (r->nvalues && (!(r->masks = hush__calloc(r->nvalues, sizeof(char *))) ||
			   !(r->mask_lens = hush__calloc(r->nvalues, sizeof(size_t)))))
		return HUSH_ENOMEM;
	for (size_t i = 0; i < r->nvalues; i++)
		if (!(r->masks[i] = render_mask(r->mask_fmt, r->labels[i], &r->mask_lens[i])))
			return HUSH_ENOMEM;
	nrules = r->rules ? hush_ruleset_count(r->rules) : 0;
	if (nrules && !(r->rule_masks = hush__calloc(nrules, sizeof(char *))))
		return HUSH_ENOMEM;
	for (size_t i = 0; i < nrules; i++)
		if (!(r->rule_masks[i] = render_mask(r->mask_fmt, hush_ruleset_get(r->rules, i)->id, NULL)))
			return HUSH_ENOMEM;

	/* variants */
	g.r = r;
	for (size_t i = 0; i < r->nvalues && !g.err; i++) {
		g.value = (uint32_t)i;
		gen_value(&g, hush_secret_data(r->values[i]), hush_secret_len(r->values[i]));
	}
	if ((err = g.err) != 0)
		goto cleanup;
	if (g.n)
		qsort_r(g.v, g.n, sizeof(*g.v), cmp_variant, r->arena.p);
	for (size_t i = 0; i < g.n; i++) {
		variant *v = &g.v[i];

		if (r->nvar && !cmp_bytes(r->arena.p + g.v[r->nvar - 1].off, g.v[r->nvar - 1].len, r->arena.p + v->off,
					  v->len))
			continue; /* the same bytes from a later value: the first value keeps the label */
		g.v[r->nvar++] = *v;
		if (v->len > r->maxlen)
			r->maxlen = v->len;
	}
	r->var = g.v;
	g.v = NULL;
	if (r->nvar) {
		if (r->nvar > UINT32_MAX / 2) {
			err = (hush_error_set("too many variants to redact"), HUSH_ENOMEM);
			goto cleanup;
		}
		if (!(r->first = sodium_malloc(32 + 8192))) {
			err = (hush_error_set("out of secure memory"), HUSH_ENOMEM);
			goto cleanup;
		}
		sodium_memzero(r->first, 32 + 8192);
		for (size_t i = 0; i < r->nvar; i++) {
			const unsigned char *p = r->arena.p + r->var[i].off;
			unsigned pair = (unsigned)p[0] << 8 | p[1];

			r->first[p[0] >> 3] |= (unsigned char)(1u << (p[0] & 7));
			r->first[32 + (pair >> 3)] |= (unsigned char)(1u << (pair & 7));
		}
		exprs = hush__calloc(r->nvar, sizeof(*exprs));
		ids = hush__calloc(r->nvar, sizeof(*ids));
		flags = hush__calloc(r->nvar, sizeof(*flags));
		lens = hush__calloc(r->nvar, sizeof(*lens));
		if (!exprs || !ids || !flags || !lens) {
			err = HUSH_ENOMEM;
			goto cleanup;
		}
		for (size_t i = 0; i < r->nvar; i++) {
			exprs[i] = (const char *)r->arena.p + r->var[i].off + r->var[i].lit;
			ids[i] = (unsigned)i;
			lens[i] = r->var[i].len - r->var[i].lit;
		}
		if (secure_mode ? compile_isolated(exprs, flags, ids, lens, (unsigned)r->nvar, &r->db) != 0
				: hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)r->nvar, HS_MODE_STREAM, NULL,
						       &r->db, &cerr) != HS_SUCCESS) {
			/* SECURITY: the message could quote a literal; report only that it failed */
			hush_error_set("cannot compile the %zu variants of the values to redact", r->nvar);
			err = HUSH_EPATTERN;
			hs_free_compile_error(cerr);
			r->db = NULL;
			goto cleanup;
		}
		if (hs_alloc_scratch(r->db, &r->proto) != HS_SUCCESS) {
			err = (hush_error_set("cannot allocate vectorscan scratch space"), HUSH_ENOMEM);
			goto cleanup;
		}
	}
	r->compiled = true;
cleanup:
	free(g.v);
	free(exprs);
	free(ids);
	free(flags);
	free(lens);
	return err;
}

size_t hush_redactor_holdback(const hush_redactor *r)
{
	return r->maxlen ? r->maxlen - 1 : 0;
}

size_t hush_redactor_variant_count(const hush_redactor *r)
{
	return r->nvar;
}

const unsigned char *hush__redactor_variant(const hush_redactor *r, size_t i, size_t *len_out, size_t *value_out)
{
	*len_out = r->var[i].len;
	*value_out = r->var[i].value;
	return r->arena.p + r->var[i].off;
}

void hush_redactor_free(hush_redactor *r)
{
	if (!r)
		return;
	hs_free_scratch(r->proto);
	hs_free_database(r->db);
	for (size_t i = 0; i < r->nvalues; i++) {
		hush_secret_free(r->values[i]);
		free(r->labels[i]);
		if (r->masks)
			free(r->masks[i]);
	}
	for (size_t i = 0; r->rule_masks && i < hush_ruleset_count(r->rules); i++)
		free(r->rule_masks[i]);
	free(r->rule_masks);
	free(r->values);
	free(r->labels);
	free(r->masks);
	free(r->mask_lens);
	hush_matcher_free(r->matcher);
	sbuf_dispose(&r->arena);
	sodium_free(r->first);
	free(r->var);
	free(r->mask_fmt);
	free(r);
}

/* Is [t, t+tlen) a proper prefix of some variant (a match could start there and end later)? */
static bool proper_prefix(const hush_redactor *r, const unsigned char *t, size_t tlen)
{
	size_t lo = 0, hi = r->nvar;

	if (!(r->first[t[0] >> 3] & (1u << (t[0] & 7))))
		return false;
	if (tlen >= 2) {
		unsigned pair = (unsigned)t[0] << 8 | t[1];

		if (!(r->first[32 + (pair >> 3)] & (1u << (pair & 7))))
			return false;
	}
	/* the first variant >= t; those starting with t follow it */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_bytes(r->arena.p + r->var[mid].off, r->var[mid].len, t, tlen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < r->nvar && i < lo + 2; i++) {
		const variant *v = &r->var[i];

		if (v->len < tlen || memcmp(r->arena.p + v->off, t, tlen))
			return false;
		if (v->len > tlen)
			return true;
	}
	return false;
}

/* ---------- streams ---------- */

/* A span to mask: [s, e), and the match that gives it its label (start ls, end le, label index lv). */
typedef struct {
	uint64_t s, e;
	uint64_t ls, le;
	uint32_t lv;
} span;

typedef struct {
	span *v;
	size_t head, n, alloc; /* live spans are v[head..n), sorted by s, disjoint */
} spans;

struct hush_redact_stream {
	const hush_redactor *r;
	hush_redact_write_fn fn;
	void *ctx;
	int err;
	bool finished;

	/* the literal stage */
	hs_stream_t *hs;
	hs_scratch_t *scratch;
	uint64_t scanned;  /* bytes given to vectorscan */
	uint64_t cursor;   /* every byte before it has been emitted or masked */
	uint64_t mask_end; /* end of the last mask emitted */
	unsigned char *win; /* SECURITY (sodium): the last wlen bytes of the stream, ending at win_end */
	size_t wlen, wcap;
	uint64_t win_end;
	const unsigned char *piece; /* the piece being scanned, at offset win_end */
	size_t plen;
	spans pend;

	/* the rules stage */
	hush_match_ctx *mctx;
	unsigned char *unit; /* SECURITY (sodium): HUSH_REDACT_UNIT_MAX bytes */
	size_t ulen;
	size_t line_start;   /* where the unit's last incomplete line starts */
	bool block;          /* the unit is a private key block waiting for its END line */
	spans rspans;
};

static bool better_label(const span *a, const span *b)
{
	if (a->ls != b->ls)
		return a->ls < b->ls;
	if (a->le != b->le)
		return a->le > b->le;
	return a->lv < b->lv;
}

static void merge_into(span *dst, const span *src)
{
	if (better_label(src, dst)) {
		dst->ls = src->ls;
		dst->le = src->le;
		dst->lv = src->lv;
	}
	if (src->s < dst->s)
		dst->s = src->s;
	if (src->e > dst->e)
		dst->e = src->e;
}

/* Add [s, e) to a sorted set of disjoint spans, merging what overlaps. */
static int spans_add(spans *ss, const span *in)
{
	size_t i = ss->n, idx;

	while (i > ss->head && ss->v[i - 1].s > in->s)
		i--;
	if (i > ss->head && ss->v[i - 1].e > in->s) {
		idx = i - 1;
		merge_into(&ss->v[idx], in);
	} else {
		if (ss->head > 0 && ss->head == ss->n) {
			ss->head = ss->n = 0; /* empty: start over at the front */
			i = 0;
		} else if (ss->head > 4096 && ss->head > (ss->n - ss->head)) {
			memmove(ss->v, ss->v + ss->head, (ss->n - ss->head) * sizeof(span));
			i -= ss->head;
			ss->n -= ss->head;
			ss->head = 0;
		}
		if (hush__array_grow((void **)&ss->v, &ss->alloc, ss->n, sizeof(span)))
			return HUSH_ENOMEM;
		memmove(ss->v + i + 1, ss->v + i, (ss->n - i) * sizeof(span));
		ss->v[i] = *in;
		ss->n++;
		idx = i;
	}
	while (idx + 1 < ss->n && ss->v[idx + 1].s < ss->v[idx].e) {
		merge_into(&ss->v[idx], &ss->v[idx + 1]);
		memmove(ss->v + idx + 1, ss->v + idx + 2, (ss->n - idx - 2) * sizeof(span));
		ss->n--;
	}
	return 0;
}

/* ---- the rules stage ---- */

static int rule_cb(const hush_match *m, void *payload)
{
	hush_redact_stream *s = payload;
	span sp = { m->secret_start, m->secret_end, m->secret_start, m->secret_end, (uint32_t)m->rule_index };

	/* SECURITY: the hush:allow marker is for source files; in output every finding is masked */
	if (m->secret_end <= m->secret_start)
		return 0;
	return spans_add(&s->rspans, &sp) ? HUSH_ENOMEM : 0;
}

/*
 * Match data[0, len) as one unit and emit it with its secrets masked. When final is false (a cut line), emit only
 * up to len - RULE_KEEP, or past a mask that crosses that point; *used_out is what was emitted.
 */
static int rules_unit(hush_redact_stream *s, const unsigned char *data, size_t len, bool final, size_t *used_out)
{
	const hush_redactor *r = s->r;
	size_t at = 0, limit = final ? len : len - RULE_KEEP;
	int err;

	s->rspans.head = s->rspans.n = 0;
	if ((err = hush_match_buffer(s->mctx, (const char *)data, len, false, rule_cb, s)) != 0) {
		if (err > 0)
			err = (hush_error_set("out of memory"), HUSH_ENOMEM);
		return err;
	}
	for (size_t i = s->rspans.head; i < s->rspans.n && s->rspans.v[i].s < limit; i++) {
		const span *sp = &s->rspans.v[i];
		const char *mask = r->rule_masks[sp->lv];

		if (sp->s > at && (err = s->fn(s->ctx, data + at, (size_t)sp->s - at)) != 0)
			return err;
		if ((err = s->fn(s->ctx, mask, strlen(mask))) != 0)
			return err;
		at = (size_t)sp->e;
	}
	if (at < limit && (err = s->fn(s->ctx, data + at, limit - at)) != 0)
		return err;
	if (used_out)
		*used_out = at > limit ? at : limit;
	return 0;
}

static bool find(const unsigned char *p, size_t n, const char *needle)
{
	return hush__memcasemem((const char *)p, n, needle, strlen(needle)) != NULL;
}

/* Does this line open a private key block that it does not close? */
static bool opens_block(const unsigned char *line, size_t n)
{
	const char *b = hush__memcasemem((const char *)line, n, "-----BEGIN ", 11);
	size_t rest;

	if (!b)
		return false;
	rest = n - (size_t)((const unsigned char *)b - line);
	return find((const unsigned char *)b, rest, "PRIVATE KEY") && !find((const unsigned char *)b, rest, "-----END");
}

static int rules_flush_unit(hush_redact_stream *s)
{
	int err = rules_unit(s, s->unit, s->ulen, true, NULL);

	sodium_memzero(s->unit, s->ulen);
	s->ulen = s->line_start = 0;
	s->block = false;
	return err;
}

/* The unit's last line just ended (at ulen). */
static int rules_line_done(hush_redact_stream *s)
{
	const unsigned char *line = s->unit + s->line_start;
	size_t n = s->ulen - s->line_start;

	if (!s->block) {
		if (opens_block(line, n)) {
			s->block = true;
			s->line_start = s->ulen;
			return 0;
		}
		return rules_flush_unit(s);
	}
	if (find(line, n, "-----END") || s->ulen > RULE_KEEP)
		return rules_flush_unit(s);
	s->line_start = s->ulen;
	return 0;
}

static int rules_write(hush_redact_stream *s, const unsigned char *p, size_t n)
{
	int err;

	while (n) {
		const unsigned char *nl;
		size_t take;

		/* fast path: whole lines straight from the input, no copy */
		if (!s->ulen) {
			while (n && (nl = memchr(p, '\n', n)) != NULL) {
				size_t len = (size_t)(nl - p) + 1;

				if (opens_block(p, len))
					break;
				if ((err = rules_unit(s, p, len, true, NULL)) != 0)
					return err;
				p += len;
				n -= len;
			}
			if (!n)
				return 0;
		}
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) + 1 : n;
		if (take > HUSH_REDACT_UNIT_MAX - s->ulen)
			take = HUSH_REDACT_UNIT_MAX - s->ulen;
		memcpy(s->unit + s->ulen, p, take);
		s->ulen += take;
		p += take;
		n -= take;
		if (s->unit[s->ulen - 1] == '\n') {
			if ((err = rules_line_done(s)) != 0)
				return err;
		} else if (s->ulen == HUSH_REDACT_UNIT_MAX) {
			/* a very long line: emit all but the last RULE_KEEP bytes (or up to a mask's end) */
			size_t used;

			if ((err = rules_unit(s, s->unit, s->ulen, false, &used)) != 0)
				return err;
			memmove(s->unit, s->unit + used, s->ulen - used);
			sodium_memzero(s->unit + (s->ulen - used), used);
			s->ulen -= used;
			s->line_start = 0;
			s->block = false;
		}
	}
	return 0;
}

/* ---- the literal stage ---- */

/* Output of the literal stage: to the rules stage, or out. */
static int lit_out(hush_redact_stream *s, const void *p, size_t n)
{
	if (!n)
		return 0;
	if (s->mctx)
		return rules_write(s, p, n);
	return s->fn(s->ctx, p, n);
}

/* Emit raw stream bytes [a, b): from the window (offsets before win_end) and the piece (from win_end). */
static int emit_raw(hush_redact_stream *s, uint64_t a, uint64_t b)
{
	int err;

	if (a < s->win_end) {
		uint64_t e = b < s->win_end ? b : s->win_end;

		if ((err = lit_out(s, s->win + (s->wlen - (size_t)(s->win_end - a)), (size_t)(e - a))) != 0)
			return err;
		a = e;
	}
	if (a < b)
		return lit_out(s, s->piece + (a - s->win_end), (size_t)(b - a));
	return 0;
}

/* Decide everything before offset b: raw bytes and the masks of spans that start before b. */
static int emit_to(hush_redact_stream *s, uint64_t b)
{
	spans *ps = &s->pend;
	int err;

	while (ps->head < ps->n && ps->v[ps->head].s < b) {
		const span *sp = &ps->v[ps->head];

		if (sp->s > s->cursor && (err = emit_raw(s, s->cursor, sp->s)) != 0)
			return err;
		if ((err = lit_out(s, s->r->masks[sp->lv], s->r->mask_lens[sp->lv])) != 0)
			return err;
		s->cursor = s->mask_end = sp->e;
		ps->head++;
	}
	if (ps->head == ps->n)
		ps->head = ps->n = 0;
	if (s->cursor < b) {
		if ((err = emit_raw(s, s->cursor, b)) != 0)
			return err;
		s->cursor = b;
	}
	return 0;
}

/* Do the stream's bytes from absolute offset off (in the window, or the piece being scanned) equal p[0, n)? */
static bool stream_equals(const hush_redact_stream *s, uint64_t off, const unsigned char *p, size_t n)
{
	if (off < s->win_end) {
		size_t k = (size_t)(s->win_end - off) < n ? (size_t)(s->win_end - off) : n;

		if (memcmp(s->win + (s->wlen - (size_t)(s->win_end - off)), p, k))
			return false;
		off += k;
		p += k;
		n -= k;
	}
	return !n || !memcmp(s->piece + (off - s->win_end), p, n);
}

static int on_literal(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	hush_redact_stream *s = ctx;
	const variant *v = &s->r->var[id];
	span sp = { to - v->len, to, to - v->len, to, v->value };

	(void)from;
	(void)flags;
	if (v->lit) {
		/* only the variant's end was compiled: check the rest, which is at most holdback bytes back */
		if (to < v->len || !stream_equals(s, sp.s, s->r->arena.p + v->off, v->lit))
			return 0;
	}
	if (sp.s < s->mask_end) {
		/* overlaps the mask already emitted: it grows, and so may swallow pending spans */
		spans *ps = &s->pend;

		if (sp.e > s->mask_end)
			s->mask_end = sp.e;
		while (ps->head < ps->n && ps->v[ps->head].s < s->mask_end) {
			if (ps->v[ps->head].e > s->mask_end)
				s->mask_end = ps->v[ps->head].e;
			ps->head++;
		}
		if (s->mask_end > s->cursor)
			s->cursor = s->mask_end;
		return 0;
	}
	if (spans_add(&s->pend, &sp)) {
		s->err = HUSH_ENOMEM;
		return 1;
	}
	return 0;
}

/* Append the piece to the window, which keeps at least the last holdback bytes of the stream. */
static void window_push(hush_redact_stream *s, const unsigned char *p, size_t n)
{
	size_t h = hush_redactor_holdback(s->r);

	if (n >= h) {
		memcpy(s->win, p + (n - h), h);
		s->wlen = h;
	} else {
		if (s->wlen + n > s->wcap) {
			size_t keep = h - n;

			memmove(s->win, s->win + (s->wlen - keep), keep);
			s->wlen = keep;
		}
		memcpy(s->win + s->wlen, p, n);
		s->wlen += n;
	}
	s->win_end += n;
}

/* The earliest offset where a match may still begin: the start of the longest tail that is a proper prefix of a
 * variant (the end of the stream when there is none). */
static uint64_t hold_from(const hush_redact_stream *s)
{
	size_t h = hush_redactor_holdback(s->r), t = s->wlen < h ? s->wlen : h;

	for (const unsigned char *q = s->win + (s->wlen - t); t; q++, t--)
		if (proper_prefix(s->r, q, t))
			return s->win_end - t;
	return s->win_end;
}

static int literal_write(hush_redact_stream *s, const unsigned char *p, size_t n)
{
	const hush_redactor *r = s->r;
	size_t h = hush_redactor_holdback(r);
	int err;

	if (!r->db) {
		s->scanned += n;
		s->cursor = s->scanned;
		return lit_out(s, p, n);
	}
	while (n) {
		size_t len = n < PIECE ? n : PIECE;

		s->piece = p;
		s->plen = len;
		if (hs_scan_stream(s->hs, (const char *)p, (unsigned)len, 0, s->scratch, on_literal, s) != HS_SUCCESS &&
		    !s->err) {
			s->piece = NULL;
			return hush_error_set("vectorscan stream scan failed"), HUSH_ERROR;
		}
		if (s->err) {
			s->piece = NULL;
			return hush_error_set("out of memory"), s->err;
		}
		s->scanned += len;
		/* what no later match can reach goes out now, from the window and the piece */
		if (s->scanned > h && (err = emit_to(s, s->scanned - h)) != 0) {
			s->piece = NULL;
			return err;
		}
		window_push(s, p, len);
		s->piece = NULL;
		p += len;
		n -= len;
	}
	/* then the exact point: everything before the shortest tail that could still begin a match */
	return emit_to(s, hold_from(s));
}

/* ---- the stream ---- */

int hush_redact_stream_new(hush_redact_stream **out, const hush_redactor *r, hush_redact_write_fn fn, void *ctx)
{
	hush_redact_stream *s;
	int err = HUSH_ENOMEM;

	*out = NULL;
	if (!r->compiled)
		return hush_error_set("the redactor is not compiled"), HUSH_EINVALID;
	if (!(s = hush__calloc(1, sizeof(*s))))
		return HUSH_ENOMEM;
	s->r = r;
	s->fn = fn;
	s->ctx = ctx;
	if (r->db) {
		size_t h = hush_redactor_holdback(r);

		s->wcap = 2 * h;
		if (!(s->win = sodium_malloc(s->wcap))) {
			hush_error_set("out of secure memory");
			goto fail;
		}
		if (hs_clone_scratch(r->proto, &s->scratch) != HS_SUCCESS ||
		    hs_open_stream(r->db, 0, &s->hs) != HS_SUCCESS) {
			err = (hush_error_set("cannot open a vectorscan stream"), HUSH_ERROR);
			goto fail;
		}
	}
	if (r->matcher) {
		if ((err = hush_match_ctx_new(&s->mctx, r->matcher)) != 0)
			goto fail;
		if (!(s->unit = sodium_malloc(HUSH_REDACT_UNIT_MAX))) {
			err = (hush_error_set("out of secure memory"), HUSH_ENOMEM);
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	hush_redact_stream_free(s);
	return err;
}

int hush_redact_stream_write(hush_redact_stream *s, const void *buf, size_t len)
{
	if (s->err)
		return s->err;
	if (s->finished)
		return hush_error_set("write after the end of the stream"), HUSH_EINVALID;
	if (len)
		s->err = literal_write(s, buf, len);
	return s->err;
}

int hush_redact_stream_finish(hush_redact_stream *s)
{
	int err;

	if (s->err)
		return s->err;
	if (s->finished)
		return 0;
	s->finished = true;
	if (s->hs) {
		hs_error_t herr = hs_close_stream(s->hs, s->scratch, on_literal, s);

		s->hs = NULL;
		if (s->err)
			return s->err;
		if (herr != HS_SUCCESS)
			return s->err = (hush_error_set("vectorscan stream close failed"), HUSH_ERROR);
		if ((err = emit_to(s, s->scanned)) != 0)
			return s->err = err;
	}
	if (s->mctx && s->ulen && (err = rules_flush_unit(s)) != 0)
		return s->err = err;
	return 0;
}

void hush_redact_stream_free(hush_redact_stream *s)
{
	if (!s)
		return;
	if (s->hs)
		hs_close_stream(s->hs, NULL, NULL, NULL);
	hs_free_scratch(s->scratch);
	sodium_free(s->win);
	sodium_free(s->unit);
	hush_match_ctx_free(s->mctx);
	free(s->pend.v);
	free(s->rspans.v);
	free(s);
}
