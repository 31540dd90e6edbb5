/*
 * test_matcher.c: the prefilter + confirmation engine gives exactly the findings PCRE2 alone gives, over a corpus
 * built from every built-in rule's examples, with several chunk sizes, through buffers and file descriptors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hush/error.h"
#include "scanner/cache.h"
#include "hush/matcher.h"
#include "hush/rules.h"

typedef struct {
	size_t rule;
	uint64_t start, end, sstart, send, line, column;
	bool allowed;
} rec;

typedef struct {
	rec *v;
	size_t n, alloc;
	uint64_t last_start;
	bool ordered;
} recs;

static int collect(const hush_match *m, void *payload)
{
	recs *r = payload;

	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 256;
		r->v = realloc(r->v, r->alloc * sizeof(rec));
		assert_non_null(r->v);
	}
	if (r->n && m->secret_start < r->last_start)
		r->ordered = false;
	r->last_start = m->secret_start;
	r->v[r->n++] = (rec){ m->rule_index, m->start, m->end, m->secret_start, m->secret_end, m->line, m->column,
			      m->allowed };
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	const rec *x = a, *y = b;

	if (x->sstart != y->sstart)
		return x->sstart < y->sstart ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return 0;
}

static void assert_same(recs *a, recs *b, const char *what)
{
	qsort(a->v, a->n, sizeof(rec), cmp_rec);
	qsort(b->v, b->n, sizeof(rec), cmp_rec);
	if (a->n != b->n)
		fail_msg("%s: %zu findings vs %zu from PCRE2 alone", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		if (memcmp(&a->v[i], &b->v[i], offsetof(rec, allowed)) || a->v[i].allowed != b->v[i].allowed)
			fail_msg("%s: finding %zu differs (rule %zu at %llu vs rule %zu at %llu)", what, i, a->v[i].rule,
				 (unsigned long long)a->v[i].sstart, b->v[i].rule, (unsigned long long)b->v[i].sstart);
	}
}

static hush_ruleset *rules;
static hush_matcher *matcher;
static char *corpus;
static size_t corpus_len;

/* Deterministic pseudo-random filler text: words, punctuation, newlines, and now and then random bytes. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void append(char **buf, size_t *len, size_t *alloc, const char *s, size_t n)
{
	if (*len + n + 1 > *alloc) {
		while (*len + n + 1 > *alloc)
			*alloc = *alloc ? *alloc * 2 : 4096;
		*buf = realloc(*buf, *alloc);
		assert_non_null(*buf);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static void filler(char **buf, size_t *len, size_t *alloc, size_t n)
{
	static const char *words[] = { "the ", "key ", "token", " = ", "\"", "'", "secret", ":", "\n", "password",
				       "AKIA", "ghp_", "sk_live_", "xoxb-", "-----BEGIN ", "eyJ", "://", "@", "\t",
				       "api_key", "0123456789abcdef", "ABCDEFGHIJKLMNOP", "/", "+", "=", "==" };
	for (size_t i = 0; i < n; i++) {
		uint32_t r = next_rand();

		if (r % 50 == 0) {
			char c = (char)(next_rand() & 0xff);

			append(buf, len, alloc, &c, 1);
		} else {
			const char *w = words[r % (sizeof(words) / sizeof(words[0]))];

			append(buf, len, alloc, w, strlen(w));
		}
	}
}

static int setup(void **state)
{
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	size_t alloc = 0;

	(void)state;
	assert_int_equal(hush_ruleset_new(&rules), 0);
	assert_int_equal(hush_ruleset_add_builtin(rules, true), 0);
	assert_int_equal(hush_matcher_new(&matcher, rules, &mo), 0);
	corpus = NULL;
	corpus_len = 0;
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < hush_ruleset_count(rules); i++) {
			const hush_rule *r = hush_ruleset_get(rules, i);

			for (size_t e = 0; e < r->nexamples; e++) {
				filler(&corpus, &corpus_len, &alloc, 1 + next_rand() % 40);
				append(&corpus, &corpus_len, &alloc, r->examples[e].text, strlen(r->examples[e].text));
			}
			for (size_t e = 0; e < r->nnegatives; e++) {
				filler(&corpus, &corpus_len, &alloc, 1 + next_rand() % 40);
				append(&corpus, &corpus_len, &alloc, r->negatives[e].text,
				       strlen(r->negatives[e].text));
			}
		}
	}
	filler(&corpus, &corpus_len, &alloc, 20000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hush_matcher_free(matcher);
	hush_ruleset_free(rules);
	free(corpus);
	return 0;
}

static void test_differential_buffer(void **state)
{
	static const size_t chunks[] = { 4096, 10007, 65536, 1 << 20, 8 << 20 };
	hush_match_ctx *ctx;
	recs ref = { 0 };

	(void)state;
	assert_int_equal(hush_match_ctx_new(&ctx, matcher), 0);
	ref.ordered = true;
	assert_int_equal(hush_match_reference(ctx, corpus, corpus_len, collect, &ref), 0);
	/* the corpus holds every example at least three times */
	assert_true(ref.n >= 3 * hush_ruleset_count(rules));
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		recs got = { 0 };
		char what[64];

		got.ordered = true;
		hush_match_ctx_set_chunk(ctx, chunks[c]);
		assert_int_equal(hush_match_buffer(ctx, corpus, corpus_len, c % 2 == 0, collect, &got), 0);
		assert_true(got.ordered);
		snprintf(what, sizeof(what), "buffer, chunk %zu", chunks[c]);
		assert_same(&got, &ref, what);
		free(got.v);
	}
	free(ref.v);
	hush_match_ctx_free(ctx);
}

static void test_differential_fd(void **state)
{
	static const size_t chunks[] = { 4096, 70000, 8 << 20 };
	hush_match_ctx *ctx;
	recs ref = { 0 };
	FILE *tmp = tmpfile();

	(void)state;
	assert_non_null(tmp);
	assert_int_equal(fwrite(corpus, 1, corpus_len, tmp), corpus_len);
	fflush(tmp);
	assert_int_equal(hush_match_ctx_new(&ctx, matcher), 0);
	assert_int_equal(hush_match_reference(ctx, corpus, corpus_len, collect, &ref), 0);
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		recs got = { 0 };
		uint64_t nread = 0;
		char what[64];

		got.ordered = true;
		assert_int_equal(lseek(fileno(tmp), 0, SEEK_SET), 0);
		hush_match_ctx_set_chunk(ctx, chunks[c]);
		assert_int_equal(hush_match_fd(ctx, fileno(tmp), 0, &nread, collect, &got), 0);
		assert_int_equal(nread, corpus_len);
		assert_true(got.ordered);
		snprintf(what, sizeof(what), "fd, chunk %zu", chunks[c]);
		assert_same(&got, &ref, what);
		free(got.v);
	}
	free(ref.v);
	fclose(tmp);
	hush_match_ctx_free(ctx);
}

/* A secret that straddles a chunk boundary is found once, with the right line and column. */
static void test_chunk_boundary(void **state)
{
	const hush_rule *r = hush_ruleset_find(rules, "github-classic-pat");
	size_t chunk = 4096;
	hush_match_ctx *ctx;

	(void)state;
	assert_non_null(r);
	assert_int_equal(hush_match_ctx_new(&ctx, matcher), 0);
	hush_match_ctx_set_chunk(ctx, chunk);
	for (size_t off = chunk - 40; off <= chunk + 2; off += 3) {
		const char *secret = r->examples[0].secret;
		size_t slen = strlen(secret), len = chunk * 3;
		char *buf = malloc(len);
		recs got = { 0 };

		memset(buf, 'a', len);
		for (size_t i = 100; i < len; i += 100)
			buf[i] = '\n';
		memcpy(buf + off - 1, " ", 1);
		memcpy(buf + off, secret, slen);
		buf[off + slen] = ' ';
		assert_int_equal(hush_match_buffer(ctx, buf, len, false, collect, &got), 0);
		assert_int_equal(got.n, 1);
		assert_int_equal(got.v[0].sstart, off);
		assert_int_equal(got.v[0].line, 1 + (off - 1) / 100);
		assert_int_equal(got.v[0].column, off - ((off - 1) / 100) * 100);
		free(got.v);
		free(buf);
	}
	hush_match_ctx_free(ctx);
}

/* The hush:allow marker on the line marks the match as allowed; on another line it does not. */
static void test_allow_marker(void **state)
{
	const hush_rule *r = hush_ruleset_find(rules, "github-classic-pat");
	hush_match_ctx *ctx;
	char text[512];
	recs got = { 0 };

	(void)state;
	snprintf(text, sizeof(text), "a = 1\ntoken = \"%s\" # hush:allow\nother = \"%s\"\n# hush:allow\n",
		 r->examples[0].secret, r->examples[1].secret);
	assert_int_equal(hush_match_ctx_new(&ctx, matcher), 0);
	assert_int_equal(hush_match_buffer(ctx, text, strlen(text), false, collect, &got), 0);
	assert_int_equal(got.n, 2);
	assert_true(got.v[0].allowed);
	assert_int_equal(got.v[0].line, 2);
	assert_false(got.v[1].allowed);
	assert_int_equal(got.v[1].line, 3);
	free(got.v);
	hush_match_ctx_free(ctx);
}

/* A second matcher over the same rules comes from the cache and behaves identically. */
static void test_cache_roundtrip(void **state)
{
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	hush_matcher *m2;
	hush_match_ctx *c1, *c2;
	recs a = { 0 }, b = { 0 };

	(void)state;
	assert_int_equal(hush_matcher_new(&m2, rules, &mo), 0);
	if (getenv("XDG_CACHE_HOME"))
		assert_true(hush_matcher_from_cache(m2));
	assert_int_equal(hush_match_ctx_new(&c1, matcher), 0);
	assert_int_equal(hush_match_ctx_new(&c2, m2), 0);
	assert_int_equal(hush_match_buffer(c1, corpus, corpus_len, false, collect, &a), 0);
	assert_int_equal(hush_match_buffer(c2, corpus, corpus_len, false, collect, &b), 0);
	assert_same(&a, &b, "cached database");
	free(a.v);
	free(b.v);
	hush_match_ctx_free(c1);
	hush_match_ctx_free(c2);
	hush_matcher_free(m2);
}

/* CRC-32C check values (RFC 3720 B.4 and the usual "123456789"), on the SSE4.2 path and the table's alike. */
static void test_crc32c(void **state)
{
	unsigned char zeros[32] = { 0 }, ones[32], inc[32];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++)
		inc[i] = (unsigned char)i;
	assert_int_equal(hush__crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(hush__crc32c(zeros, 32), 0x8a9136aau);
	assert_int_equal(hush__crc32c(ones, 32), 0x62a8ab43u);
	assert_int_equal(hush__crc32c(inc, 32), 0x46dd794eu);
	assert_int_equal(hush__crc32c("", 0), 0u);
}

/* Flip one byte of the file at path: at off, or counted from the end when off is negative. */
static void flip_byte(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	int c;

	assert_non_null(f);
	if (off < 0) {
		fseek(f, 0, SEEK_END);
		off += ftell(f);
	}
	fseek(f, off, SEEK_SET);
	c = fgetc(f);
	assert_true(c != EOF);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 0x5a, f);
	fclose(f);
}

/*
 * A corrupt cache entry is ignored and rebuilt, never trusted: a flipped byte in the rules' widths (after the
 * 88-byte header: covered by the entry's checksum), in the middle or at the end of the serialized database
 * (covered by the database's own CRC-32C, which hs_deserialize_database checks).
 */
static void test_cache_corrupt(void **state)
{
	static const long offsets[] = { 92, 0, -1 };
	char dir[] = "/tmp/hush-cache-XXXXXX", cmd[256];
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	hush_matcher *m;
	FILE *p;
	char path[512];

	(void)state;
	assert_non_null(mkdtemp(dir));
	mo.cache_dir = dir;
	assert_int_equal(hush_matcher_new(&m, rules, &mo), 0);
	assert_false(hush_matcher_from_cache(m));
	hush_matcher_free(m);
	snprintf(cmd, sizeof(cmd), "ls %s/db-*.hs", dir);
	p = popen(cmd, "r");
	assert_non_null(fgets(path, sizeof(path), p));
	pclose(p);
	path[strcspn(path, "\n")] = '\0';
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		long off = offsets[i];

		if (!off) { /* the middle */
			FILE *f = fopen(path, "rb");

			assert_non_null(f);
			fseek(f, 0, SEEK_END);
			off = ftell(f) / 2;
			fclose(f);
		}
		flip_byte(path, off);
		assert_int_equal(hush_matcher_new(&m, rules, &mo), 0);
		assert_false(hush_matcher_from_cache(m)); /* rebuilt, and the entry rewritten */
		hush_matcher_free(m);
		assert_int_equal(hush_matcher_new(&m, rules, &mo), 0);
		assert_true(hush_matcher_from_cache(m));
		hush_matcher_free(m);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Generic findings give way to a specific rule on the same secret. */
static void test_generic_suppressed(void **state)
{
	const hush_rule *r = hush_ruleset_find(rules, "github-classic-pat");
	hush_match_ctx *ctx;
	char text[256];
	recs got = { 0 };

	(void)state;
	snprintf(text, sizeof(text), "api_key = \"%s\"\n", r->examples[0].secret);
	assert_int_equal(hush_match_ctx_new(&ctx, matcher), 0);
	assert_int_equal(hush_match_buffer(ctx, text, strlen(text), false, collect, &got), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(hush_ruleset_get(rules, got.v[0].rule)->id, "github-classic-pat");
	free(got.v);
	hush_match_ctx_free(ctx);
}

/* A PEM block as long as an 8192-bit RSA key is found whole, through the rule's prefilter, at any chunk size. */
static void test_long_pem(void **state)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *text = malloc(16384);
	size_t n = 0, body = 0;
	hush_match_ctx *ctx;

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text + n, 16384 - n, "key:\n-----BEGIN RSA PRIVATE KEY-----\n");
	while (body < 6400) {
		for (int i = 0; i < 64; i++)
			text[n++] = b64[next_rand() % 64];
		text[n++] = '\n';
		body += 64;
	}
	n += (size_t)snprintf(text + n, 16384 - n, "-----END RSA PRIVATE KEY-----\n");
	assert_int_equal(hush_match_ctx_new(&ctx, matcher), 0);
	for (size_t chunk = 4096; chunk <= 8192; chunk *= 2) {
		recs got = { 0 };

		hush_match_ctx_set_chunk(ctx, chunk);
		assert_int_equal(hush_match_buffer(ctx, text, n, false, collect, &got), 0);
		assert_int_equal(got.n, 1);
		assert_string_equal(hush_ruleset_get(rules, got.v[0].rule)->id, "private-key-rsa");
		assert_int_equal(got.v[0].start, 5);
		assert_int_equal(got.v[0].end, n - 1);
		assert_int_equal(got.v[0].line, 2);
		free(got.v);
	}
	hush_match_ctx_free(ctx);
	free(text);
}

/* Exact values (hush scan --vault): found at every offset around a chunk boundary, whatever their bytes, next to
 * pattern rules, never written to the cache; literals must come last; a ruleset of literals alone works. */
static void test_literals(void **state)
{
	static const char yml[] = "rules:\n  - id: t-token\n    description: t\n    pattern: '\\b(tok_[a-z]{8})\\b'\n"
				  "    keywords: [tok_]\n    confidence: high\n    examples: []\n"
				  "    negative_examples: []\n";
	static const unsigned char value[] = { 'p', '@', 0, 's', 0xff, 's', '\n', 'w', 'o', 'r', 'd', '!' };
	char dir[] = "/tmp/hush-cache-XXXXXX", cmd[512];
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	hush_ruleset *rs, *only, *bad;
	hush_matcher *m;
	hush_match_ctx *ctx;
	size_t chunk = 4096, len = chunk * 3;
	char *buf = malloc(len);

	(void)state;
	assert_non_null(mkdtemp(dir));
	mo.cache_dir = dir;
	assert_int_equal(hush_ruleset_new(&rs), 0);
	assert_int_equal(hush_ruleset_add_buffer(rs, "t.yml", yml, sizeof(yml) - 1), 0);
	assert_int_equal(hush_ruleset_add_literal(rs, "vault-t-A", "value A", value, sizeof(value)), 0);
	assert_int_equal(hush_ruleset_add_literal(rs, "vault-t-B", "value B", "short", 5), HUSH_EINVALID);
	assert_int_equal(hush_matcher_new(&m, rs, &mo), 0);
	assert_int_equal(hush_match_ctx_new(&ctx, m), 0);
	hush_match_ctx_set_chunk(ctx, chunk);
	for (size_t off = chunk - 20; off <= chunk + 2; off++) {
		recs got = { 0 };

		memset(buf, 'a', len);
		memcpy(buf + off, value, sizeof(value));
		memcpy(buf + 100, " tok_qmzkrwpt ", 14); /* not a sequence: abcdefgh would be a placeholder */
		assert_int_equal(hush_match_buffer(ctx, buf, len, false, collect, &got), 0);
		assert_int_equal(got.n, 2);
		assert_int_equal(got.v[0].rule, 0);
		assert_int_equal(got.v[1].rule, 1);
		assert_int_equal(got.v[1].sstart, off);
		assert_int_equal(got.v[1].send, off + sizeof(value));
		free(got.v);
	}
	hush_match_ctx_free(ctx);
	hush_matcher_free(m);
	/* the cache holds the pattern database only: no byte sequence of the value is in it */
	snprintf(cmd, sizeof(cmd), "test -n \"$(ls %s)\" && ! grep -rqa 'word!' %s", dir, dir);
	assert_int_equal(system(cmd), 0);
	/* literals alone */
	assert_int_equal(hush_ruleset_new(&only), 0);
	assert_int_equal(hush_ruleset_add_literal(only, "vault-t-A", "value A", value, sizeof(value)), 0);
	assert_int_equal(hush_matcher_new(&m, only, &mo), 0);
	assert_int_equal(hush_match_ctx_new(&ctx, m), 0);
	{
		recs got = { 0 };

		memset(buf, 'b', len);
		memcpy(buf, value, sizeof(value));
		memcpy(buf + len - sizeof(value), value, sizeof(value));
		assert_int_equal(hush_match_buffer(ctx, buf, len, false, collect, &got), 0);
		assert_int_equal(got.n, 2);
		assert_int_equal(got.v[0].sstart, 0);
		assert_int_equal(got.v[1].send, len);
		assert_int_equal(got.v[1].line, 2); /* the value holds a newline */
		free(got.v);
	}
	hush_match_ctx_free(ctx);
	hush_matcher_free(m);
	/* a pattern rule after a literal is refused */
	assert_int_equal(hush_ruleset_new(&bad), 0);
	assert_int_equal(hush_ruleset_add_literal(bad, "vault-t-A", "value A", value, sizeof(value)), 0);
	assert_int_equal(hush_ruleset_add_buffer(bad, "t.yml", yml, sizeof(yml) - 1), 0);
	assert_int_equal(hush_matcher_new(&m, bad, &mo), HUSH_EINVALID);
	hush_ruleset_free(bad);
	hush_ruleset_free(only);
	hush_ruleset_free(rs);
	free(buf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * A bounded pattern that backtracks past PCRE2's match limit on every candidate: the context counts each give-up and
 * names the rule, gives up on a rule after 8 in one buffer (not once per candidate), and starts again at 8 in the
 * next buffer, through the fd path too. Another rule keeps matching in the same buffer.
 */
static void test_limit_strikes(void **state)
{
	static const char yml[] = "rules:\n  - id: t-patho\n    description: t\n"
				  "    pattern: 'k3y_(?:a|aa){1,200}(?=!)'\n    keywords: [k3y_]\n    confidence: high\n"
				  "  - id: t-token\n    description: t\n    pattern: '\\b(tok_[a-z]{8})\\b'\n"
				  "    keywords: [tok_]\n    confidence: high\n";
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	size_t line = 4 + 300 + 2, n = 200, len = line * n + 15;
	char *buf = malloc(len);
	hush_ruleset *rs;
	hush_matcher *m;
	hush_match_ctx *ctx;
	recs got = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + i * line, "k3y_", 4);
		memset(buf + i * line + 4, 'a', 300);
		memcpy(buf + i * line + 304, "?\n", 2);
	}
	memcpy(buf + line * n, " tok_qmzkrwpt \n", 15);
	mo.cache_dir = "";
	assert_int_equal(hush_ruleset_new(&rs), 0);
	assert_int_equal(hush_ruleset_add_buffer(rs, "t.yml", yml, sizeof(yml) - 1), 0);
	assert_int_equal(hush_matcher_new(&m, rs, &mo), 0);
	assert_int_equal(hush_match_ctx_new(&ctx, m), 0);
	assert_null(hush_match_ctx_limit_rule(ctx));
	assert_int_equal(hush_match_buffer(ctx, buf, len, false, collect, &got), 0);
	assert_int_equal(hush_match_ctx_limit_hits(ctx), 8);
	assert_string_equal(hush_match_ctx_limit_rule(ctx), "t-patho");
	assert_int_equal(got.n, 1);
	assert_string_equal(hush_ruleset_get(rs, got.v[0].rule)->id, "t-token");
	got.n = 0;
	assert_int_equal(hush_match_buffer(ctx, buf, len, false, collect, &got), 0);
	assert_int_equal(hush_match_ctx_limit_hits(ctx), 16);
	got.n = 0;
	assert_non_null(f = tmpfile());
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fflush(f), 0);
	rewind(f);
	assert_int_equal(hush_match_fd(ctx, fileno(f), 0, NULL, collect, &got), 0);
	assert_int_equal(hush_match_ctx_limit_hits(ctx), 24);
	assert_int_equal(got.n, 1);
	fclose(f);
	free(got.v);
	hush_match_ctx_free(ctx);
	hush_matcher_free(m);
	hush_ruleset_free(rs);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential_buffer), cmocka_unit_test(test_differential_fd),
		cmocka_unit_test(test_chunk_boundary),      cmocka_unit_test(test_allow_marker),
		cmocka_unit_test(test_cache_roundtrip),     cmocka_unit_test(test_cache_corrupt), cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_generic_suppressed), cmocka_unit_test(test_long_pem), cmocka_unit_test(test_literals),
		cmocka_unit_test(test_limit_strikes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
