/*
 * fuzz_scan.c: the scanner's matcher (hush_match_buffer, vectorscan prefilter + PCRE2 confirmation) with the full
 * built-in catalogue on any bytes, in 4 KiB rounds so that inputs cross round boundaries.
 *
 * Properties (differential): a stream read through hush_match_fd reports exactly what hush_match_buffer reports,
 * and for inputs up to 4 KiB both report exactly what PCRE2 alone reports (hush_match_reference); matches come in
 * order of their secret's start, lie inside the input, and their line and column point at the secret.
 * UTF-16 (scanner/decode.c): the input transcoded from either byte order is valid UTF-8 within the promised size
 * with one newline per U+000A code unit, and input taken for UTF-16 is matched transcoded as hush scan does.
 */
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "fuzz_matcher.h"
#include "common/util.h"
#include "scanner/decode.h"

#define REFERENCE_MAX 4096

typedef struct {
	size_t rule;
	uint64_t start, end, sstart, send, line, column, end_line;
	bool allowed;
} rec;

typedef struct {
	rec *v;
	size_t n, alloc;
	const uint8_t *data;
	size_t size;
	bool in_order;
} recs;

static hush_match_ctx *ctx;
static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_matcher_init();
	if (hush_match_ctx_new(&ctx, fuzz_matcher) || (fd = memfd_create("fuzz-scan", MFD_CLOEXEC)) < 0)
		abort();
	hush_match_ctx_set_chunk(ctx, 4096);
	return 0;
}

static int collect(const hush_match *m, void *payload)
{
	recs *r = payload;
	uint64_t line = 1, col = 1;

	FUZZ_CHECK(m->start <= m->secret_start && m->secret_start < m->secret_end && m->secret_end <= m->end &&
			   m->end <= r->size,
		   "match of '%s' at [%llu, %llu) secret [%llu, %llu) in %zu bytes", m->rule->id,
		   (unsigned long long)m->start, (unsigned long long)m->end, (unsigned long long)m->secret_start,
		   (unsigned long long)m->secret_end, r->size);
	FUZZ_CHECK(m->secret_len == m->secret_end - m->secret_start, "secret length");
	for (uint64_t i = 0; i < m->secret_start; i++) {
		if (r->data[i] == '\n')
			line++, col = 1;
		else
			col++;
	}
	FUZZ_CHECK(m->line == line && m->column == col, "'%s' at line %llu column %llu, not %llu:%llu", m->rule->id,
		   (unsigned long long)m->line, (unsigned long long)m->column, (unsigned long long)line,
		   (unsigned long long)col);
	if (r->n && m->secret_start < r->v[r->n - 1].sstart)
		r->in_order = false;
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 64;
		if (!(r->v = realloc(r->v, r->alloc * sizeof(rec))))
			abort();
	}
	r->v[r->n++] = (rec){ m->rule_index, m->start,    m->end,      m->secret_start, m->secret_end,
			      m->line,       m->column,   m->end_line, m->allowed };
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

static void same(recs *a, recs *b, const char *what)
{
	if (a->n > 1)
		qsort(a->v, a->n, sizeof(rec), cmp_rec);
	if (b->n > 1)
		qsort(b->v, b->n, sizeof(rec), cmp_rec);
	FUZZ_CHECK(a->n == b->n, "%s: %zu matches vs %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		FUZZ_CHECK(!memcmp(&a->v[i], &b->v[i], offsetof(rec, allowed)) && a->v[i].allowed == b->v[i].allowed,
			   "%s: match %zu differs: rule %zu [%llu, %llu) vs rule %zu [%llu, %llu)", what, i, a->v[i].rule,
			   (unsigned long long)a->v[i].sstart, (unsigned long long)a->v[i].send, b->v[i].rule,
			   (unsigned long long)b->v[i].sstart, (unsigned long long)b->v[i].send);
}

static void check_utf16(const uint8_t *data, size_t size)
{
	char *out = malloc(hush__utf16_utf8_max(size) + 1);
	size_t bom;
	int sniffed = hush__utf16_sniff((const char *)data, size, &bom);

	if (!out)
		abort();
	for (int endian = HUSH_UTF16_LE; endian <= HUSH_UTF16_BE; endian++) {
		size_t n = hush__utf16_to_utf8(out, (const char *)data, size, endian), units = 0, newlines = 0;

		FUZZ_CHECK(n <= hush__utf16_utf8_max(size), "UTF-16 transcoding: %zu bytes from %zu", n, size);
		FUZZ_CHECK(hush__utf8_valid(out, n), "UTF-16 transcoding is not valid UTF-8");
		for (size_t i = 0; i + 1 < size; i += 2)
			units += (endian == HUSH_UTF16_LE ? data[i] == '\n' && !data[i + 1] : !data[i] && data[i + 1] == '\n');
		for (size_t i = 0; i < n; i++)
			newlines += out[i] == '\n';
		FUZZ_CHECK(units == newlines, "UTF-16 transcoding: %zu newlines for %zu U+000A", newlines, units);
	}
	FUZZ_CHECK(bom <= 2 && bom <= size, "UTF-16 byte-order mark of %zu bytes", bom);
	if (sniffed) {
		recs r = { NULL, 0, 0, NULL, 0, true };
		size_t n = hush__utf16_to_utf8(out, (const char *)data + bom, size - bom, sniffed);
		int err;

		r.data = (const uint8_t *)out;
		r.size = n;
		err = hush_match_buffer(ctx, out, n, false, collect, &r);
		FUZZ_CHECK(err == 0 && r.in_order, "hush_match_buffer on transcoded UTF-16: %d", err);
		free(r.v);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	recs buf = { NULL, 0, 0, data, size, true }, str = { NULL, 0, 0, data, size, true },
	     ref = { NULL, 0, 0, data, size, true };
	uint64_t nread = 0;
	int err;

	err = hush_match_buffer(ctx, (const char *)data, size, false, collect, &buf);
	FUZZ_CHECK(err == 0, "hush_match_buffer: %d %s", err, hush_error_last());
	FUZZ_CHECK(buf.in_order, "matches out of order");

	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size) || lseek(fd, 0, SEEK_SET))
		abort();
	err = hush_match_fd(ctx, fd, 0, &nread, collect, &str);
	FUZZ_CHECK(err == 0 && nread == size, "hush_match_fd: %d %s", err, hush_error_last());
	same(&buf, &str, "buffer vs stream");

	if (size <= REFERENCE_MAX) {
		err = hush_match_reference(ctx, (const char *)data, size, collect, &ref);
		FUZZ_CHECK(err == 0, "hush_match_reference: %d %s", err, hush_error_last());
		same(&buf, &ref, "prefilter + confirmation vs PCRE2 alone");
	}
	free(buf.v);
	free(str.v);
	free(ref.v);
	check_utf16(data, size);
	hush_error_clear();
	return 0;
}
