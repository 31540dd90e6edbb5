/*
 * fuzz_redact.c: the streaming redactor (hush_redactor_*, hush_redact_stream_*) as a property check.
 *
 * The input gives 1 to 4 secrets (any bytes, 6 to 261 long), then a script that builds the output: raw bytes,
 * whole secrets, whole registered variants (hush__redactor_variant: every encoding the redactor compiled) and
 * prefixes of variants. The output goes through one stream in a single write and through another in random
 * chunks (1 byte to 4 KiB, from a seed derived from the input).
 *
 * The mask is DELIM label DELIM, with DELIM a byte that no secret holds (and so no variant: encodings add only
 * printable ASCII), so a variant in the redacted output can only come from bytes passed through unmasked.
 *
 * Properties, abort() on violation:
 *   1. no secret and no registered variant appears anywhere in the output (a secret that is not registered must be
 *      the documented exception: its last 64 bytes are all NUL);
 *   2. output with no variant in it passes through byte for byte;
 *   3. the output is the same for every chunking;
 *   4. the output is exactly the documented one: every occurrence of every variant masked, overlapping matches
 *      merged with the label of the earliest (then longest, then first-added) match (a naive reference).
 */
#include <stdbool.h>

#include "fuzz_common.h"
#include "hush/error.h"
#include "hush/redact.h"
#include "injector/redact_internal.h"

#define MAX_SECRETS 4
#define MAX_OUTPUT (64 * 1024)

typedef struct {
	const unsigned char *p;
	size_t len, value;
} var;

typedef struct {
	size_t s, e, len, value;
} span;

static int collect(void *ctx, const void *buf, size_t len)
{
	fuzz_buf_put(ctx, buf, len);
	return 0;
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int cmp_span(const void *a, const void *b)
{
	const span *x = a, *y = b;

	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return x->value < y->value ? -1 : x->value > y->value;
}

/* The documented output for in, computed the slow way. */
static void reference(fuzz_buf *out, const fuzz_buf *in, const var *vars, size_t nvar, unsigned char delim)
{
	span *sp = NULL;
	size_t n = 0, alloc = 0, at = 0;

	for (size_t j = 0; j < nvar; j++) {
		for (size_t from = 0; from + vars[j].len <= in->len;) {
			const unsigned char *q = memmem(in->p + from, in->len - from, vars[j].p, vars[j].len);

			if (!q)
				break;
			if (n == alloc && !(sp = realloc(sp, (alloc = alloc ? 2 * alloc : 64) * sizeof(*sp))))
				abort();
			sp[n].s = (size_t)(q - in->p);
			sp[n].e = sp[n].s + vars[j].len;
			sp[n].len = vars[j].len;
			sp[n].value = vars[j].value;
			n++;
			from = (size_t)(q - in->p) + 1;
		}
	}
	if (n)
		qsort(sp, n, sizeof(*sp), cmp_span);
	for (size_t i = 0; i < n;) {
		span cur = sp[i];
		char label[4] = { (char)delim, 'S', (char)('0' + cur.value), (char)delim };

		for (i++; i < n && sp[i].s < cur.e; i++)
			if (sp[i].e > cur.e)
				cur.e = sp[i].e;
		fuzz_buf_put(out, in->p + at, cur.s - at);
		fuzz_buf_put(out, label, sizeof(label));
		at = cur.e;
	}
	fuzz_buf_put(out, in->p + at, in->len - at);
	free(sp);
}

static bool is_delim_candidate(unsigned c)
{
	return (c >= 0x01 && c <= 0x08) || c == 0x0b || c == 0x0c || (c >= 0x0e && c <= 0x1f) || c >= 0x7f;
}

static void run_stream(fuzz_buf *out, const hush_redactor *r, const fuzz_buf *in, uint64_t seed)
{
	hush_redact_stream *s = NULL;
	size_t at = 0;
	int err;

	if ((err = hush_redact_stream_new(&s, r, collect, out)) != 0)
		FUZZ_CHECK(0, "stream_new: %s", hush_error_last());
	while (at < in->len) {
		size_t n = in->len - at;

		if (seed) {
			uint64_t x = rng_next(&seed);
			size_t max = (x >> 32) % 4 == 0 ? 4096 : (x >> 32) % 4 == 1 ? 64 : 8;

			n = 1 + (size_t)(x % max);
			if (n > in->len - at)
				n = in->len - at;
		}
		err = hush_redact_stream_write(s, in->p + at, n);
		FUZZ_CHECK(err == 0, "stream_write: %s", hush_error_last());
		at += n;
	}
	err = hush_redact_stream_finish(s);
	FUZZ_CHECK(err == 0, "stream_finish: %s", hush_error_last());
	hush_redact_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_input in = { data, size };
	const uint8_t *secret[MAX_SECRETS];
	size_t slen[MAX_SECRETS], nsec = 1 + (fuzz_byte(&in) & 3), nvar;
	hush_redactor *r = NULL;
	fuzz_buf text = { 0 }, whole = { 0 }, chunked = { 0 }, expected = { 0 };
	var *vars = NULL;
	bool used[256] = { false }, any_variant = false;
	unsigned char delim = 0;
	char fmt[5], label[3] = "S0";
	uint64_t seed = 0xcbf29ce484222325ULL;
	int err;

	/* allocated from the start: memmem and memcmp take no NULL, even for 0 bytes */
	fuzz_buf_put(&text, "", 0);
	fuzz_buf_put(&whole, "", 0);
	fuzz_buf_put(&chunked, "", 0);
	fuzz_buf_put(&expected, "", 0);
	for (size_t k = 0; k < nsec; k++) {
		uint8_t lb = fuzz_byte(&in);
		size_t want = 6 + (lb & 63) + (lb & 0x80 ? 64 * (size_t)(fuzz_byte(&in) & 3) : 0);

		secret[k] = fuzz_bytes(&in, want, &slen[k]);
		for (size_t i = 0; i < slen[k]; i++)
			used[secret[k][i]] = true;
	}
	for (unsigned c = 1; c < 256 && !delim; c++)
		if (is_delim_candidate(c) && !used[c])
			delim = (unsigned char)c;
	if (!delim) { /* every candidate byte is in some secret: no unambiguous mask */
		fuzz_buf_free(&text);
		fuzz_buf_free(&whole);
		fuzz_buf_free(&chunked);
		fuzz_buf_free(&expected);
		return 0;
	}
	fmt[0] = (char)delim, fmt[1] = '%', fmt[2] = 'n', fmt[3] = (char)delim, fmt[4] = 0;

	if (hush_redactor_new(&r) || hush_redactor_set_mask(r, fmt))
		FUZZ_CHECK(0, "redactor set-up: %s", hush_error_last());
	for (size_t k = 0; k < nsec; k++) {
		bool added = false;

		label[1] = (char)('0' + k);
		err = hush_redactor_add(r, label, secret[k], slen[k], &added);
		FUZZ_CHECK(err == 0, "add: %s", hush_error_last());
		FUZZ_CHECK(added == (slen[k] >= HUSH_REDACT_MIN_LEN), "a value of %zu bytes %s", slen[k],
			   added ? "added" : "refused");
	}
	err = hush_redactor_compile(r);
	FUZZ_CHECK(err == 0, "compile: %s", hush_error_last());
	nvar = hush_redactor_variant_count(r);
	if (nvar && !(vars = calloc(nvar, sizeof(*vars))))
		abort();
	for (size_t j = 0; j < nvar; j++) {
		vars[j].p = hush__redactor_variant(r, j, &vars[j].len, &vars[j].value);
		FUZZ_CHECK(vars[j].len >= HUSH_REDACT_MIN_LEN && vars[j].value < nsec, "variant %zu", j);
		FUZZ_CHECK(!memchr(vars[j].p, delim, vars[j].len), "a variant holds the delimiter byte");
	}
	/* each value is one of its own variants, unless its last 64 bytes are all NUL (documented) */
	for (size_t k = 0; k < nsec; k++) {
		bool found = false;
		size_t tail = slen[k] < 64 ? slen[k] : 64;

		if (slen[k] < HUSH_REDACT_MIN_LEN)
			continue;
		for (size_t j = 0; j < nvar && !found; j++)
			found = vars[j].len == slen[k] && !memcmp(vars[j].p, secret[k], slen[k]);
		if (!found) {
			for (size_t i = slen[k] - tail; i < slen[k]; i++)
				FUZZ_CHECK(secret[k][i] == 0, "value %zu is not among the variants", k);
		}
	}

	/* the output script */
	while (in.n && text.len < MAX_OUTPUT) {
		uint8_t op = fuzz_byte(&in);
		size_t got, j;

		switch (op & 3) {
		case 0: {
			const uint8_t *raw = fuzz_bytes(&in, 1 + fuzz_byte(&in), &got);

			fuzz_buf_put(&text, raw, got);
			break;
		}
		case 1:
			j = (op >> 2) % nsec;
			fuzz_buf_put(&text, secret[j], slen[j]);
			break;
		default:
			if (!nvar)
				break;
			j = ((size_t)(op >> 2) | (size_t)fuzz_byte(&in) << 6) % nvar;
			fuzz_buf_put(&text, vars[j].p, (op & 3) == 2 ? vars[j].len : fuzz_byte(&in) % vars[j].len);
			break;
		}
	}
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 0x100000001b3ULL;
	seed |= 1;

	run_stream(&whole, r, &text, 0);
	run_stream(&chunked, r, &text, seed);

	/* 1. nothing registered survives */
	for (size_t j = 0; j < nvar; j++) {
		FUZZ_CHECK(!memmem(chunked.p, chunked.len, vars[j].p, vars[j].len),
			   "variant %zu (%zu bytes, value %zu) in the chunked output", j, vars[j].len, vars[j].value);
		FUZZ_CHECK(!memmem(whole.p, whole.len, vars[j].p, vars[j].len),
			   "variant %zu (%zu bytes, value %zu) in the output", j, vars[j].len, vars[j].value);
		if (!any_variant && memmem(text.p, text.len, vars[j].p, vars[j].len))
			any_variant = true;
	}
	/* 2. output without secrets passes through */
	if (!any_variant)
		FUZZ_CHECK(whole.len == text.len && !memcmp(whole.p, text.p, text.len),
			   "%zu bytes without a secret came out as %zu different bytes", text.len, whole.len);
	/* 3. every chunking gives the same output */
	FUZZ_CHECK(whole.len == chunked.len && !memcmp(whole.p, chunked.p, whole.len),
		   "chunked output differs (%zu vs %zu bytes)", chunked.len, whole.len);
	/* 4. exactly the documented output */
	reference(&expected, &text, vars, nvar, delim);
	FUZZ_CHECK(expected.len == whole.len && !memcmp(expected.p, whole.p, whole.len),
		   "output differs from the reference (%zu vs %zu bytes)", whole.len, expected.len);

	free(vars);
	hush_redactor_free(r);
	fuzz_buf_free(&text);
	fuzz_buf_free(&whole);
	fuzz_buf_free(&chunked);
	fuzz_buf_free(&expected);
	hush_error_clear();
	return 0;
}
