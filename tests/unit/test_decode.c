/*
 * test_decode.c: the decoders, the span search (against a naive search, across round limits), and secrets found
 * inside encoded text by the matcher: each encoding, nesting depth, the reported place, no duplicates, chunk
 * boundaries, streams, and bounded work on hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hush/decode.h"
#include "hush/error.h"
#include "hush/matcher.h"
#include "scanner/decode.h"

/* ---- encoders, written independently of the decoders under test ---- */

static char *b64(const char *in, size_t len, bool url, bool pad)
{
	const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			      : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(len / 3 * 4 + 8), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16 | (uint32_t)(unsigned char)in[i + 1] << 8 |
			     (unsigned char)in[i + 2];

		*o++ = abc[v >> 18];
		*o++ = abc[(v >> 12) & 63];
		*o++ = abc[(v >> 6) & 63];
		*o++ = abc[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;

		*o++ = abc[v >> 18];
		*o++ = abc[(v >> 12) & 63];
		if (pad) {
			*o++ = '=';
			*o++ = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16 | (uint32_t)(unsigned char)in[i + 1] << 8;

		*o++ = abc[v >> 18];
		*o++ = abc[(v >> 12) & 63];
		*o++ = abc[(v >> 6) & 63];
		if (pad)
			*o++ = '=';
	}
	*o = '\0';
	return out;
}

static char *hexenc(const char *in, size_t len)
{
	char *out = malloc(2 * len + 1);

	out[0] = '\0';
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned char)in[i]);
	return out;
}

static char *pctenc(const char *in)
{
	char *out = malloc(3 * strlen(in) + 1), *o = out;

	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.')
			*o++ = (char)c;
		else
			o += snprintf(o, 4, "%%%02X", c);
	}
	*o = '\0';
	return out;
}

/* ---- decoders and names ---- */

static void test_decoders(void **state)
{
	unsigned char out[256];
	size_t n;

	(void)state;
	for (size_t len = 0; len < 40; len++) {
		char in[64];

		for (size_t i = 0; i < len; i++)
			in[i] = (char)(' ' + (i * 7 + len) % 90);
		for (int url = 0; url < 2; url++)
			for (int pad = 0; pad < 2; pad++) {
				char *e = b64(in, len, url, pad);

				n = hush_base64_decode(out, e, strlen(e));
				assert_int_equal(n, len);
				assert_memory_equal(out, in, len);
				free(e);
			}
		{
			char *e = hexenc(in, len);

			assert_int_equal(hush_hex_decode(out, e, strlen(e)), len);
			assert_memory_equal(out, in, len);
			free(e);
		}
	}
	n = hush_percent_decode(out, "a%3Db%2fc%zz%4", 14);
	assert_int_equal(n, 10);
	assert_memory_equal(out, "a=b/c%zz%4", 10);
	n = hush_hex_decode(out, "41424", 5); /* a final odd digit is dropped */
	assert_int_equal(n, 2);
	assert_true(hush_decoded_is_text((const unsigned char *)"token=abc\n\tdef", 14));
	assert_true(hush_decoded_is_text((const unsigned char *)"caf\xc3\xa9 au lait", 13));
	assert_false(hush_decoded_is_text((const unsigned char *)"ab\0cd", 5));
	assert_false(hush_decoded_is_text((const unsigned char *)"\x30\x82\x01\x0a\x02\x82\x01\x01", 8));
	assert_false(hush_decoded_is_text((const unsigned char *)"abc\xc3", 4));
}

static void test_chain_names(void **state)
{
	char buf[64];
	unsigned mask;

	(void)state;
	assert_int_equal(hush_decode_chain_name(buf, sizeof(buf), 0), 0);
	assert_string_equal(buf, "");
	hush_decode_chain_name(buf, sizeof(buf), HUSH_CHAIN_BASE64);
	assert_string_equal(buf, "base64");
	hush_decode_chain_name(buf, sizeof(buf), HUSH_CHAIN_BASE64 | HUSH_CHAIN_PERCENT << 4);
	assert_string_equal(buf, "base64>percent");
	hush_decode_chain_name(buf, sizeof(buf), HUSH_CHAIN_UTF16 | HUSH_CHAIN_BASE64 << 4);
	assert_string_equal(buf, "utf16>base64");
	assert_int_equal(hush_decode_chain_name(buf, 4, HUSH_CHAIN_HEX | HUSH_CHAIN_BASE64 << 4), 10);
	assert_int_equal(hush_decode_chain_depth(HUSH_CHAIN_HEX | HUSH_CHAIN_BASE64 << 4), 2);
	assert_int_equal(hush_decode_parse(&mask, "base64,hex"), 0);
	assert_int_equal(mask, HUSH_DECODE_BASE64 | HUSH_DECODE_HEX);
	assert_int_equal(hush_decode_parse(&mask, "none"), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(hush_decode_parse(&mask, "all"), 0);
	assert_int_equal(mask, HUSH_DECODE_ALL);
	assert_int_equal(hush_decode_parse(&mask, "percent"), 0);
	assert_int_equal(mask, HUSH_DECODE_PERCENT);
	assert_int_equal(hush_decode_parse(&mask, "base64,"), -1);
	assert_int_equal(hush_decode_parse(&mask, "rot13"), -1);
	assert_int_equal(hush_decode_parse(&mask, ""), -1);
}

/* ---- UTF-16 text ---- */

static size_t to_utf8(char *out, const char *in, size_t len, int endian)
{
	size_t n = hush__utf16_to_utf8(out, in, len, endian);

	assert_true(n <= hush__utf16_utf8_max(len));
	return n;
}

static void test_utf16(void **state)
{
	/* "a", U+00E9, U+20AC, U+1F511 (a surrogate pair), "\n" */
	static const char le[] = "a\0\xe9\0\xac\x20\x3d\xd8\x11\xdd\n\0";
	static const char be[] = "\0a\0\xe9\x20\xac\xd8\x3d\xdd\x11\0\n";
	static const char want[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91\n";
	/* a lone low surrogate, a high one followed by a letter, a high one at the end, and an odd last byte */
	static const char lone[] = "\x00\xdcx\0\x00\xd8y\0\x00\xd8z";
	static const char lone_want[] = "\xef\xbf\xbdx\xef\xbf\xbdy\xef\xbf\xbd";
	char out[64], text[4096];
	size_t bom;

	(void)state;
	assert_int_equal(to_utf8(out, le, sizeof(le) - 1, HUSH_UTF16_LE), sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	assert_int_equal(to_utf8(out, be, sizeof(be) - 1, HUSH_UTF16_BE), sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	assert_int_equal(to_utf8(out, lone, sizeof(lone) - 1, HUSH_UTF16_LE), sizeof(lone_want) - 1);
	assert_memory_equal(out, lone_want, sizeof(lone_want) - 1);

	/* byte-order marks */
	assert_int_equal(hush__utf16_sniff("\xff\xfe" "a\0", 4, &bom), HUSH_UTF16_LE);
	assert_int_equal(bom, 2);
	assert_int_equal(hush__utf16_sniff("\xfe\xff\0a", 4, &bom), HUSH_UTF16_BE);
	assert_int_equal(bom, 2);
	/* a mark before bytes without a NUL: those are text as they are (invalid UTF-8 that happens to start so) */
	assert_int_equal(hush__utf16_sniff("\xff\xfe\x80\xc0 token", 10, &bom), 0);
	/* without one: ASCII text in UTF-16, not plain text, binary or too little to tell */
	for (size_t i = 0; i < sizeof(text) / 2; i++) {
		text[2 * i] = "token = abc\n"[i % 12];
		text[2 * i + 1] = 0;
	}
	assert_int_equal(hush__utf16_sniff(text, sizeof(text), &bom), HUSH_UTF16_LE);
	assert_int_equal(bom, 0);
	assert_int_equal(hush__utf16_sniff(text + 1, sizeof(text) - 1, &bom), HUSH_UTF16_BE);
	assert_int_equal(hush__utf16_sniff(text, 14, &bom), 0);
	assert_int_equal(hush__utf16_sniff("plain ASCII text, long enough to judge", 38, &bom), 0);
	memset(text, 0, sizeof(text)); /* NUL bytes everywhere: binary, not UTF-16 */
	assert_int_equal(hush__utf16_sniff(text, sizeof(text), &bom), 0);
	for (size_t i = 0; i < sizeof(text); i += 2) { /* every 16th code unit non-ASCII (CJK): still UTF-16 */
		text[i] = 'a';
		text[i + 1] = i % 32 ? 0 : 0x4e;
	}
	assert_int_equal(hush__utf16_sniff(text, sizeof(text), &bom), HUSH_UTF16_LE);
}

/* ---- the span search ---- */

typedef struct {
	uint64_t s, e;
} span;

/* Every span of enc in data, found in rounds that end at multiples of step (as the matcher drives it). */
static size_t spans_in_rounds(unsigned enc, const char *data, size_t len, size_t step, span *out, size_t max)
{
	hush__dec_cursor cur = { 0, false };
	size_t n = 0;

	for (size_t hi = step < len ? step : len;; hi = hi + step < len ? hi + step : len) {
		uint64_t s, e;

		while (hush__dec_next(enc, data, 0, len, hi, &cur, &s, &e)) {
			assert_true(s < hi);
			assert_true(n < max);
			out[n++] = (span){ s, e };
		}
		if (hi == len)
			break;
	}
	return n;
}

static bool in_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
	       c == '-' || c == '_';
}

static void test_span_search(void **state)
{
	static const char text[] =
		"id: CreateWaitableTimerA and lower_case_identifier_name\n"     /* identifiers: not spans */
		"i: ossl_check_X509_NAME_ENTRY_sk_type PKCS7_get0_signed\n"     /* too many symbols: not */
		"p: src/testdir/Make_amiga2 and dG9rZW49Z2hw_X3gxN0Fi/Q2RE\n"   /* both alphabets: not */
		"k: dG9rZW49Z2hwX3gxN0FiQ2REZUZnSGlKa0xtTm9QcVJzVHVWd1h5eg==\n" /* base64 with padding */
		"h: 746f6b656e3d61626364656667686a6b6c6d6e6f70 x\n"             /* hex */
		"g: 746f6b656e3d61626364656667686a6b6c6d6e6f70zz\n"             /* hex glued to a word: not */
		"u: https://a.example/cb?t=a%3Db%26c%3Dd&x=1 end\n";             /* percent */
	span got[16];
	size_t n;

	(void)state;
	n = spans_in_rounds(HUSH_DECODE_BASE64, text, sizeof(text) - 1, sizeof(text), got, 16);
	assert_int_equal(n, 1);
	assert_memory_equal(text + got[0].s, "dG9rZW49", 8);
	assert_int_equal(text[got[0].e - 1], '='); /* the padding belongs to the span */
	assert_int_equal(text[got[0].e], '\n');
	n = spans_in_rounds(HUSH_DECODE_HEX, text, sizeof(text) - 1, sizeof(text), got, 16);
	assert_int_equal(n, 1);
	assert_memory_equal(text + got[0].s - 3, "h: 746f", 7);
	n = spans_in_rounds(HUSH_DECODE_PERCENT, text, sizeof(text) - 1, sizeof(text), got, 16);
	assert_int_equal(n, 1);
	assert_memory_equal(text + got[0].s, "https://", 8);
	assert_memory_equal(text + got[0].e - 3, "x=1", 3);
}

/*
 * The search agrees with a naive one on random input, whatever the round size. Two kinds of input: long runs
 * that cross the 64-byte blocks of the search (sep 97: a space now and then), and text-like input of short runs
 * with a long one here and there (sep 7), which takes the search's pass over blocks with nothing to look at.
 */
static void span_search_random(unsigned sep, size_t want)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_ .\n=";
	size_t len = 200000;
	char *data = malloc(len);
	span *a = malloc(sizeof(span) * 20000), *b = malloc(sizeof(span) * 20000);
	uint64_t x = 88172645463325252ULL;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* long runs now and then */
		data[i] = (x >> 40) % sep == 0 ? ' ' : alpha[(x >> 8) % ((x >> 33) % 8 ? sizeof(alpha) - 1 : 64)];
	}
	{
		size_t na = spans_in_rounds(HUSH_DECODE_BASE64, data, len, len, a, 20000);
		size_t naive = 0;

		/*
		 * naive: maximal runs of >= 20 alphabet characters with both cases and a digit, '+' or '/', judged by
		 * their first 64-byte pieces up to the one where all three were seen: symbols of one alphabet only, at
		 * most an eighth of the characters seen
		 */
		for (size_t i = 0; i < len;) {
			size_t j = i, nstd = 0, nurl = 0, k;
			bool up = false, lo = false, dig = false, ok = false;

			while (j < len && in_b64(data[j]))
				j++;
			for (k = i; k < j; k++) {
				up |= data[k] >= 'A' && data[k] <= 'Z';
				lo |= data[k] >= 'a' && data[k] <= 'z';
				dig |= (data[k] >= '0' && data[k] <= '9') || data[k] == '+' || data[k] == '/';
				nstd += data[k] == '+' || data[k] == '/';
				nurl += data[k] == '-' || data[k] == '_';
				if ((k - i) % 64 == 63 || k + 1 == j) { /* the end of a piece */
					if (nstd && nurl)
						break;
					if (up && lo && dig) {
						ok = (nstd + nurl) * 8 <= k + 1 - i;
						break;
					}
				}
			}
			up = lo = dig = ok;
			if (j - i >= HUSH_DECODE_MIN_BASE64 && up && lo && dig) {
				size_t e = j;

				while (e < len && e < j + 2 && data[e] == '=')
					e++;
				assert_true(naive < na);
				if (a[naive].s != i || a[naive].e != e)
					fail_msg("span %zu: [%llu, %llu) instead of [%zu, %zu)", naive,
						 (unsigned long long)a[naive].s, (unsigned long long)a[naive].e, i, e);
				naive++;
			}
			i = j > i ? j : i + 1;
		}
		assert_int_equal(na, naive);
		assert_true(na > want); /* the random runs exercise both answers */
		for (size_t step = 1000; step < len; step = step * 3 + 17) {
			size_t nb = spans_in_rounds(HUSH_DECODE_BASE64, data, len, step, b, 20000);

			assert_int_equal(nb, na);
			assert_memory_equal(a, b, na * sizeof(span));
		}
	}
	free(data);
	free(a);
	free(b);
}

/* ... on each instruction set the CPU has (the search is compiled for AVX-512BW, AVX2 and the baseline) */
static void test_span_search_random(void **state)
{
	int best = hush__dec_set_isa(2);

	(void)state;
	for (int isa = best; isa >= 0; isa--) {
		assert_int_equal(hush__dec_set_isa(isa), isa);
		span_search_random(97, 1000);
		span_search_random(7, 100);
	}
	assert_int_equal(hush__dec_set_isa(best), best);
}

/* A run longer than HUSH_DECODE_MAX_SPAN comes back in pieces of that size. */
static void test_span_pieces(void **state)
{
	size_t len = 3 * HUSH_DECODE_MAX_SPAN + 100;
	char *data = malloc(len);
	span got[8];
	size_t n;

	(void)state;
	for (size_t i = 0; i < len; i++)
		data[i] = "Ab9cdE+f"[i % 8];
	data[len - 10] = ' ';
	n = spans_in_rounds(HUSH_DECODE_BASE64, data, len, 4096, got, 8);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(got[i].s, i * HUSH_DECODE_MAX_SPAN);
		assert_int_equal(got[i].e, (i + 1) * HUSH_DECODE_MAX_SPAN);
	}
	assert_int_equal(got[3].s, 3 * HUSH_DECODE_MAX_SPAN);
	assert_int_equal(got[3].e, len - 10);
	free(data);
}

/* ---- through the matcher ---- */

static const char rules_yml[] =
	"rules:\n"
	"  - id: t-token\n    description: t\n    pattern: '\\b(tok_[A-Za-z0-9]{24})\\b'\n"
	"    keywords: [tok_]\n    confidence: high\n    examples: []\n    negative_examples: []\n"
	"  - id: t-generic\n    description: g\n    pattern: '(?i)password\\s{0,2}=\\s{0,2}(?<secret>[A-Za-z0-9_]{8,40})'\n"
	"    keywords: [password]\n    confidence: low\n    generic: true\n    examples: []\n"
	"    negative_examples: []\n";

typedef struct {
	size_t rule;
	uint64_t s, e, line, column;
	uint32_t enc;
	char secret[128];
	bool allowed;
} hit;

typedef struct {
	hit v[256];
	size_t n;
} hits;

static int collect(const hush_match *m, void *payload)
{
	hits *h = payload;

	assert_true(h->n < 256);
	h->v[h->n] = (hit){ m->rule_index, m->secret_start, m->secret_end, m->line, m->column, m->encoding, "",
			    m->allowed };
	snprintf(h->v[h->n].secret, sizeof(h->v[h->n].secret), "%.*s", (int)m->secret_len, m->secret);
	h->n++;
	return 0;
}

static hush_ruleset *rs;

static hush_matcher *make_matcher(unsigned decode, unsigned depth)
{
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	hush_matcher *m;

	mo.cache_dir = "";
	mo.decode = decode;
	mo.decode_depth = depth;
	if (!rs) {
		assert_int_equal(hush_ruleset_new(&rs), 0);
		assert_int_equal(hush_ruleset_add_buffer(rs, "t.yml", rules_yml, sizeof(rules_yml) - 1), 0);
	}
	assert_int_equal(hush_matcher_new(&m, rs, &mo), 0);
	return m;
}

static void scan(hush_matcher *m, const char *text, size_t chunk, hits *h)
{
	hush_match_ctx *ctx;

	memset(h, 0, sizeof(*h));
	assert_int_equal(hush_match_ctx_new(&ctx, m), 0);
	if (chunk)
		hush_match_ctx_set_chunk(ctx, chunk);
	assert_int_equal(hush_match_buffer(ctx, text, strlen(text), false, collect, h), 0);
	hush_match_ctx_free(ctx);
}

#define TOKEN "tok_Q7mZ2xR9pL4vK8nW3tY6bJ1h"

static void test_each_encoding(void **state)
{
	hush_matcher *m = make_matcher(HUSH_DECODE_ALL, 2);
	char *e64 = b64("token: " TOKEN "\n", strlen(TOKEN) + 8, false, true);
	char *e64u = b64("{\"t\":\"" TOKEN "\"}", strlen(TOKEN) + 8, true, false);
	char *ehex = hexenc(TOKEN, strlen(TOKEN));
	char *epct = pctenc("cfg={\"t\": \"" TOKEN "\"}");
	char text[1024];
	hits h;

	(void)state;
	snprintf(text, sizeof(text), "line one\n  data: %s\nurl: x?%s\nraw: %s\nq=%s\n", e64, e64u, ehex, epct);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 4);
	/* in order of the spans, each at its span, with the decoded secret and its chain */
	assert_int_equal(h.v[0].line, 2);
	assert_int_equal(h.v[0].column, 9);
	assert_int_equal(h.v[0].s, strstr(text, e64) - text);
	assert_int_equal(h.v[0].e, strstr(text, e64) - text + strlen(e64));
	assert_int_equal(h.v[0].enc, HUSH_CHAIN_BASE64);
	assert_string_equal(h.v[0].secret, TOKEN);
	assert_int_equal(h.v[1].line, 3);
	assert_int_equal(h.v[1].enc, HUSH_CHAIN_BASE64);
	assert_int_equal(h.v[2].line, 4);
	assert_int_equal(h.v[2].enc, HUSH_CHAIN_HEX);
	assert_int_equal(h.v[2].column, 6);
	assert_int_equal(h.v[3].line, 5);
	assert_int_equal(h.v[3].enc, HUSH_CHAIN_PERCENT);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(h.v[i].secret, TOKEN);
	hush_matcher_free(m);
	/* only what is asked for */
	m = make_matcher(HUSH_DECODE_HEX, 2);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].enc, HUSH_CHAIN_HEX);
	hush_matcher_free(m);
	m = make_matcher(0, 2);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 0);
	hush_matcher_free(m);
	free(e64);
	free(e64u);
	free(ehex);
	free(epct);
}

static void test_depth(void **state)
{
	char *inner = b64("password = Hq3kM9vX2pLw\n", 24, false, true);
	char *mid = b64(inner, strlen(inner), false, true);
	char *outer = b64(mid, strlen(mid), false, true);
	char text[2048];
	hush_matcher *m;
	hits h;

	(void)state;
	snprintf(text, sizeof(text), "a: %s\nb: %s\n", mid, outer);
	m = make_matcher(HUSH_DECODE_BASE64, 1);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 0);
	hush_matcher_free(m);
	m = make_matcher(HUSH_DECODE_BASE64, 2);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].line, 1);
	assert_int_equal(h.v[0].enc, HUSH_CHAIN_BASE64 | HUSH_CHAIN_BASE64 << 4);
	assert_string_equal(h.v[0].secret, "Hq3kM9vX2pLw");
	hush_matcher_free(m);
	m = make_matcher(HUSH_DECODE_BASE64, 3);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.v[1].line, 2);
	assert_int_equal(hush_decode_chain_depth(h.v[1].enc), 3);
	hush_matcher_free(m);
	free(inner);
	free(mid);
	free(outer);
}

static void test_no_duplicates(void **state)
{
	hush_matcher *m = make_matcher(HUSH_DECODE_ALL, 2);
	char *e64 = b64("password = " TOKEN, strlen(TOKEN) + 11, false, true);
	char *e64np = b64("password = " TOKEN "\n", strlen(TOKEN) + 12, false, false);
	char text[1024];
	hits h;

	(void)state;
	/* the raw token inside a percent-encoded URL: reported once, raw */
	snprintf(text, sizeof(text), "https://x.io/cb?t=" TOKEN "&next=%%2Fhome%%2Fme\n");
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].enc, 0);
	/* a base64 span inside a percent-encoded one: found through base64 only, not again as percent>base64 */
	snprintf(text, sizeof(text), "https://x.io/cb?d=%s%%3D%%3D&n=%%2Fa\n", e64np);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].enc, HUSH_CHAIN_BASE64);
	/* a generic finding gives way to the specific one in the same decoded text */
	snprintf(text, sizeof(text), "blob: %s\n", e64);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].rule, 0);
	/* the same secret in two places: two findings */
	snprintf(text, sizeof(text), "a = " TOKEN "\nb: %s\n", e64);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 2);
	hush_matcher_free(m);
	free(e64);
	free(e64np);
}

static void test_allow_marker(void **state)
{
	hush_matcher *m = make_matcher(HUSH_DECODE_BASE64, 2);
	char *e64 = b64(TOKEN "  # hush:allow", strlen(TOKEN) + 14, false, true);
	char *plain = b64(TOKEN, strlen(TOKEN), false, true);
	char text[1024];
	hits h;

	(void)state;
	snprintf(text, sizeof(text), "a: %s\nb: %s # hush:allow\nc: %s\n", e64, plain, plain);
	scan(m, text, 0, &h);
	assert_int_equal(h.n, 3);
	assert_true(h.v[0].allowed); /* the marker inside the decoded text */
	assert_true(h.v[1].allowed); /* on the line of the span */
	assert_false(h.v[2].allowed);
	hush_matcher_free(m);
	free(e64);
	free(plain);
}

/* The same findings whatever the chunk size, through buffers and streams, with spans across chunk ends. */
static void test_chunks_and_streams(void **state)
{
	hush_matcher *m = make_matcher(HUSH_DECODE_ALL, 2);
	char *e64 = b64("token: " TOKEN, strlen(TOKEN) + 7, false, true);
	char *ehex = hexenc(TOKEN, strlen(TOKEN));
	size_t len = 300000, pos = 0;
	char *text = malloc(len + 1);
	hits ref, h;
	char tmpl[] = "/tmp/hush-decode-XXXXXX";
	int fd = mkstemp(tmpl);

	(void)state;
	assert_true(fd >= 0);
	unlink(tmpl);
	while (pos + 200 < len) {
		size_t step = 4000 + (pos * 7919) % 3000;

		if (pos + step + 200 > len)
			break;

		memset(text + pos, 'q', step);
		for (size_t i = pos + 60; i < pos + step; i += 61)
			text[i] = '\n';
		pos += step;
		if (pos + 200 < len) {
			const char *e = (pos / step) % 2 ? e64 : ehex;

			text[pos - 1] = ' ';
			memcpy(text + pos, e, strlen(e));
			pos += strlen(e);
			text[pos++] = '\n';
		}
	}
	memset(text + pos, 'q', len - pos);
	text[len] = '\0';
	scan(m, text, 0, &ref);
	assert_true(ref.n > 20);
	for (size_t chunk = 4096; chunk < 70000; chunk = chunk * 2 + 123) {
		scan(m, text, chunk, &h);
		assert_int_equal(h.n, ref.n);
		for (size_t i = 0; i < h.n; i++) {
			assert_int_equal(h.v[i].s, ref.v[i].s);
			assert_int_equal(h.v[i].line, ref.v[i].line);
			assert_int_equal(h.v[i].enc, ref.v[i].enc);
		}
	}
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	{
		hush_match_ctx *ctx;
		uint64_t got = 0;

		memset(&h, 0, sizeof(h));
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(hush_match_ctx_new(&ctx, m), 0);
		hush_match_ctx_set_chunk(ctx, 4096);
		assert_int_equal(hush_match_fd(ctx, fd, 0, &got, collect, &h), 0);
		assert_int_equal(got, len);
		assert_int_equal(h.n, ref.n);
		for (size_t i = 0; i < h.n; i++) {
			assert_int_equal(h.v[i].s, ref.v[i].s);
			assert_int_equal(h.v[i].line, ref.v[i].line);
		}
		hush_match_ctx_free(ctx);
	}
	close(fd);
	hush_matcher_free(m);
	free(text);
	free(e64);
	free(ehex);
}

static int count(const hush_match *m, void *payload)
{
	(void)m;
	(*(size_t *)payload)++;
	return 0;
}

static double cpu_seconds(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* 10 MiB runs of base64: random bytes, text, text full of tokens, base64 of base64. Linear work, bounded finds. */
static void test_hostile(void **state)
{
	hush_matcher *m = make_matcher(HUSH_DECODE_ALL, 8);
	hush_matcher *none = make_matcher(0, 0);
	size_t raw_len = (size_t)15 << 20 >> 1, len; /* encodes to 10 MiB */
	char *raw = malloc(raw_len), *enc;
	uint64_t x = 0x2545F4914F6CDD1DULL;

	(void)state;
	for (int kind = 0; kind < 3; kind++) {
		double t0, t_dec, t_none;
		hush_match_ctx *ctx;
		size_t found = 0, found_raw = 0;

		for (size_t i = 0; i < raw_len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			raw[i] = kind == 0 ? (char)x : kind == 1 ? "the quick brown fox, "[i % 21] : TOKEN " "[i % 29];
		}
		enc = b64(raw, raw_len, false, true);
		len = strlen(enc);
		assert_true(len >= 10u << 20);
		assert_int_equal(hush_match_ctx_new(&ctx, m), 0);
		t0 = cpu_seconds();
		assert_int_equal(hush_match_buffer(ctx, enc, len, false, count, &found), 0);
		t_dec = cpu_seconds() - t0;
		hush_match_ctx_free(ctx);
		assert_int_equal(hush_match_ctx_new(&ctx, none), 0);
		t0 = cpu_seconds();
		assert_int_equal(hush_match_buffer(ctx, enc, len, false, count, &found_raw), 0);
		t_none = cpu_seconds() - t0;
		hush_match_ctx_free(ctx);
		print_message("hostile input %d: %.2f s with decoding, %.2f s without, %zu findings\n", kind, t_dec, t_none,
			      found);
		assert_int_equal(found_raw, 0);
		/* random bytes decode to nothing; text is scanned once; a 64 KiB piece yields at most 256 findings */
		assert_int_equal(found, kind == 2 ? found : 0);
		assert_true(found <= (len / HUSH_DECODE_MAX_SPAN + 1) * 256);
		if (kind == 2)
			assert_true(found > len / HUSH_DECODE_MAX_SPAN * 200);
		assert_true(t_dec < 30.0);
		free(enc);
	}
	hush_matcher_free(m);
	hush_matcher_free(none);
	free(raw);
}

static int teardown(void **state)
{
	(void)state;
	hush_ruleset_free(rs);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoders),       cmocka_unit_test(test_chain_names),
		cmocka_unit_test(test_span_search),    cmocka_unit_test(test_span_search_random),
		cmocka_unit_test(test_span_pieces),    cmocka_unit_test(test_each_encoding),
		cmocka_unit_test(test_depth),          cmocka_unit_test(test_no_duplicates),
		cmocka_unit_test(test_allow_marker),   cmocka_unit_test(test_chunks_and_streams),
		cmocka_unit_test(test_hostile),        cmocka_unit_test(test_utf16),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
