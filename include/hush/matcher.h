/*
 * hush/matcher.h: the compiled matcher. One vectorscan block-mode database built with HS_FLAG_PREFILTER over
 * every rule finds candidate end offsets; each candidate is confirmed by the rule's PCRE2 pattern (JIT) on a
 * bounded window that ends there. Filters (entropy, placeholders, stopwords, generic-rule overlap, the
 * "hush:allow" marker) run before a match is reported.
 *
 * A hush_matcher is immutable once built and shared by all threads. Each thread scans through its own
 * hush_match_ctx (vectorscan scratch, PCRE2 match data, per-rule state).
 */
#ifndef HUSH_MATCHER_H
#define HUSH_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hush/decode.h"
#include "hush/rules.h"

/* Longest match any rule may have, and how far lookarounds may look past a match. */
#define HUSH_MAX_RULE_WIDTH 16384u
#define HUSH_LOOKAROUND 256u

typedef struct hush_matcher hush_matcher;
typedef struct hush_match_ctx hush_match_ctx;

typedef struct {
	unsigned version;
	const char *cache_dir; /* NULL: $XDG_CACHE_HOME/hush (or ~/.cache/hush); "": no cache */
	bool validate_all;     /* compile every PCRE2 pattern now, even when the database came from the cache */
	unsigned decode;       /* HUSH_DECODE_* mask: encoded spans to look inside (hush/decode.h); 0: none */
	unsigned decode_depth; /* nesting levels, 1 to HUSH_DECODE_MAX_DEPTH (0: HUSH_DECODE_DEFAULT_DEPTH) */
} hush_matcher_options;

#define HUSH_MATCHER_OPTIONS_VERSION 2
#define HUSH_MATCHER_OPTIONS_INIT { HUSH_MATCHER_OPTIONS_VERSION, NULL, false, 0, 0 }

/*
 * One confirmed match. Pointers are borrowed and valid only during the callback.
 *
 * A match found inside an encoded span (encoding != 0) is placed at that span: start/end and
 * secret_start/secret_end are the encoded span, line/column its first byte; secret holds the decoded secret.
 */
typedef struct {
	const hush_rule *rule;
	size_t rule_index;
	uint64_t start, end;               /* byte span of the whole match */
	uint64_t secret_start, secret_end; /* byte span of the secret */
	const char *secret;
	size_t secret_len;
	uint64_t line, column;             /* 1-based position of the secret's first byte */
	uint64_t end_line;                 /* line of the secret's last byte */
	double entropy;                    /* Shannon entropy of the secret, bits per byte */
	bool allowed;                      /* the line carries a "hush:allow" (or "gitleaks:allow") marker */
	uint32_t encoding;                 /* 0, or the decoding chain that led to the secret (hush/decode.h) */
} hush_match;

/* Return 0 to go on; a non-zero value stops the scan and is returned by the scan call. */
typedef int (*hush_match_cb)(const hush_match *m, void *payload);

/*
 * Build a matcher for a ruleset. The ruleset is borrowed and must outlive the matcher. Errors name the rule and
 * its file position. The compiled database is loaded from, or saved to, the cache when one is configured.
 */
int hush_matcher_new(hush_matcher **out, const hush_ruleset *rules, const hush_matcher_options *opts);
void hush_matcher_free(hush_matcher *m);

/* true when the database came from the on-disk cache */
bool hush_matcher_from_cache(const hush_matcher *m);
const hush_ruleset *hush_matcher_rules(const hush_matcher *m);

/* Compile (and JIT) the PCRE2 pattern of one rule now; returns the error for a bad pattern. */
int hush_matcher_prepare_rule(hush_matcher *m, size_t rule_index);

/* Per-thread scanning state. */
int hush_match_ctx_new(hush_match_ctx **out, const hush_matcher *m);
void hush_match_ctx_free(hush_match_ctx *ctx);

/*
 * Set the chunk size used by the scan calls (bytes, at least 4 KiB; the default is 8 MiB): the rounds in which input
 * is scanned, and for hush_match_fd how much is read ahead. Smaller rounds suit pipes (hush_scan_fd) and tests of
 * the chunk boundaries.
 */
void hush_match_ctx_set_chunk(hush_match_ctx *ctx, size_t chunk);

/*
 * Count of PCRE2 confirmations abandoned at the match or depth limit since the context was made (decoded text
 * included). After 8 in one buffer, a rule is not confirmed again in that buffer: its later hits there are dropped
 * uncounted. A source that sees the count grow over a buffer warns: findings there may be missing.
 */
uint64_t hush_match_ctx_limit_hits(const hush_match_ctx *ctx);
/* The id of the last rule that hit a limit (borrowed from the ruleset), or NULL when none did. */
const char *hush_match_ctx_limit_rule(const hush_match_ctx *ctx);

/*
 * Scan a buffer that is entirely addressable (in memory or mmap'd). Matches are reported in order of the
 * secret's start offset (for a match in an encoded span: the span's start). When release_pages is set, pages already scanned are handed back to the kernel
 * (madvise) so a large mmap'd file does not grow the resident set.
 */
int hush_match_buffer(hush_match_ctx *ctx, const char *data, size_t len, bool release_pages, hush_match_cb cb,
		      void *payload);

/*
 * Scan everything read from fd until end of file, with bounded memory whatever the input (a 2 GiB line, an
 * endless stream). limit caps the bytes read (0: no cap); *read_out gets the count read.
 */
int hush_match_fd(hush_match_ctx *ctx, int fd, uint64_t limit, uint64_t *read_out, hush_match_cb cb,
		  void *payload);

/*
 * Reference matcher for tests: PCRE2 alone over the whole buffer, with the same filters. Must report exactly
 * what hush_match_buffer reports.
 */
int hush_match_reference(hush_match_ctx *ctx, const char *data, size_t len, hush_match_cb cb, void *payload);

/*
 * Run only the vectorscan prefilter over data and count the hits of one rule (no confirmation, no filter). For
 * `hush rules check`, which tests whether a rule's prefilter still fires once its keywords are gone.
 */
int hush_match_prefilter_hits(hush_match_ctx *ctx, const char *data, size_t len, size_t rule_index,
			      uint64_t *hits);

#endif
