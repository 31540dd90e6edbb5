/*
 * fuzz_scan.c: the scanner's matcher (hush_match_buffer, vectorscan prefilter + PCRE2 confirmation) with the full
 * built-in catalogue on any bytes, in 4 KiB rounds so that inputs cross round boundaries.
 *
 * Properties (differential): a stream read through hush_match_fd reports exactly what hush_match_buffer reports,
 * and for inputs up to 4 KiB both report exactly what PCRE2 alone reports (hush_match_reference); matches come in
 * order of their secret's start, lie inside the input, and their line and column point at the secret.
 */
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "fuzz_matcher.h"

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
	hush_error_clear();
	return 0;
}
