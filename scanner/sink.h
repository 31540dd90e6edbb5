/*
 * sink.h: where every source (files, stdin, git blobs, the staged index, diffs) delivers its matches (internal).
 * The sink applies the allowlists, fingerprints and redacts, keeps only findings on the lines a source cares
 * about, and collects the result under one lock.
 */
#ifndef HUSH_SCANNER_SINK_H
#define HUSH_SCANNER_SINK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hush/buf.h"
#include "hush/scan.h"

#define HUSH__SNIFF_BYTES 8192
#define HUSH__MAX_THREADS 256

typedef struct {
	const hush_matcher *m;
	const hush_scan_options *opts;
	hush_scan_result *res;
	size_t alloc;
	pthread_mutex_t lock;
	bool salt_ready;
	char *salt;     /* resolved on the first finding */
	int err;        /* the first worker failure */
	char *err_msg;  /* its message, re-raised on the calling thread */
} hush__sink;

/* 1-based, inclusive line ranges, sorted. */
typedef struct {
	uint64_t first, last;
} hush__line_range;

/* Where a buffer came from, and which of its lines matter. Lives during the scan of that buffer. */
typedef struct {
	hush__sink *sink;
	const char *path;    /* shown to the user */
	const char *relpath; /* repository-relative (fingerprints, allowlists) */
	const char *commit;  /* 40 hex digits, or NULL */
	const char *blob;    /* 40 hex digits, or NULL */
	const hush__line_range *keep; /* NULL: every line; else a finding must touch one of these lines */
	size_t nkeep;
	const uint64_t *line_map; /* NULL, or line_map[buffer line - 1] = the line number to report */
	size_t nline_map;
	uint32_t chain; /* 0, or HUSH_CHAIN_UTF16: the buffer is the UTF-8 transcoding of UTF-16 text */
} hush__origin;

int hush__sink_init(hush__sink *s, const hush_matcher *m, const hush_scan_options *opts);
/* Sort the findings, stamp the time and hand the result over (or free it when err is set). */
int hush__sink_finish(hush__sink *s, hush_scan_result **out, uint64_t t0, int err);

void hush__sink_warn(void *sink, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * After one buffer was matched with ctx: warn when PCRE2 gave up on candidates in it (its match or depth limit), since
 * findings may then be missing. before is hush_match_ctx_limit_hits(ctx) taken before the buffer; blob is NULL or
 * the blob's 40 hex digits.
 */
void hush__sink_limits(hush__sink *s, const hush_match_ctx *ctx, uint64_t before, const char *path, const char *blob);
/* Record a worker's failure (the first one wins) with the thread's current error message. */
void hush__sink_fail(hush__sink *s, int err);

/* A hush_match_cb: payload is a hush__origin. */
int hush__sink_match(const hush_match *m, void *origin);

bool hush__looks_binary(const char *data, size_t len);

/*
 * What to match of a file's or blob's bytes (*data, *len) at o->relpath: UTF-16 text is transcoded to UTF-8 into
 * u16 (a buffer the caller disposes of), *data and *len then point at it, and o->chain says so. Returns 0 (match
 * it), 1 when the text is binary and binary files are skipped, 2 for a hush vault (ciphertexts only), or
 * HUSH_ENOMEM.
 */
int hush__sink_text(hush__sink *s, hush__origin *o, const char **data, size_t *len, hush_buf *u16);

/*
 * true when relpath is `.hush/<name>.json` (at any depth) and data is a well-formed hush vault: the object and
 * field names of the format only, every value a string of the expected kind. Such files hold ciphertexts, which
 * the scanner skips. SECURITY: anything that is not exactly a vault (an extra field, a non-string value) is
 * scanned as usual, so a secret pasted into a vault file by hand is still found.
 */
bool hush__is_vault_file(const char *relpath, const char *data, size_t len);

struct git_patch;
/* The new-side line numbers a patch adds, as sorted ranges (malloc'd). Returns 0 or HUSH_ENOMEM. */
int hush__patch_added_lines(struct git_patch *patch, hush__line_range **out, size_t *nout);
unsigned hush__thread_count(const hush_scan_options *o);

#endif
