/*
 * matcher.c: one vectorscan prefilter database over every rule, PCRE2 confirmation on bounded windows, filters,
 * and chunked scanning of buffers and streams with bounded memory.
 *
 * How a scan proceeds: the input is processed in rounds. A round owns the hits whose end offset E lies in
 * (lo, hi]. vectorscan scans from lo - W - 1 (W: the widest rule) to hi, so every hit in the round is seen. A hit
 * of rule r at E is confirmed by running r's PCRE2 pattern from max(next_start[r], E - width[r]) over a subject
 * that ends at E + width[r] + HUSH_LOOKAROUND. A match that starts after E belongs to a later hit and is left to
 * it. This gives exactly the matches PCRE2 alone finds scanning left to right (see tests/unit/test_matcher.c).
 * Confirmed matches wait in a pending list until no later match can start before them or overlap them, then go
 * to the callback in order of their secret's start.
 *
 * Decoding (hush/decode.h): after each round's prefilter pass, the encoded spans that start in the round are
 * decoded and the decoded text is scanned by a child context (one nesting level deeper, the same matcher). Its
 * matches join this context's pending list placed at the span, so ordering, overlap rules and line numbers work
 * as for any other match.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <hs/hs.h>
#include <pcre2.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/filter.h"
#include "hush/matcher.h"
#include "scanner/cache.h"
#include "scanner/decode.h"
#include "common/util.h"
#include "common/banned.h"

#define ENGINE_VERSION "hush-engine-1"
#define DEFAULT_CHUNK ((size_t)8 << 20)
#define MAX_GROUPS 64
#define MATCH_LIMIT 1000000u
/*
 * A confirmation that hits PCRE2's match or depth limit costs milliseconds. After this many in one buffer, a rule
 * is not confirmed again in it: a pathological pattern on hostile text stays bounded in time, not one limit per hit.
 */
#define LIMIT_STRIKES 8u
#define ALLOW_MARKER "hush:allow"
#define GITLEAKS_ALLOW_MARKER "gitleaks:allow" /* honoured too, so repositories moving from gitleaks keep theirs */
#define DEC_MAX_FINDINGS 256 /* matches taken from one decoded span (a span of 64 KiB of fake tokens) */
/* the widest span a pending match can have: a decoded span, or a rule's match */
#define WIDEST ((uint64_t)HUSH_DECODE_MAX_SPAN + 2 + HUSH_MAX_RULE_WIDTH + HUSH_LOOKAROUND)

typedef struct {
	_Atomic(pcre2_code *) code;
	uint32_t secret_group;
	uint32_t back; /* a match starts at most this far before its hit */
	uint32_t fwd;  /* and ends at most this far after it */
} rule_rt;

struct hush_matcher {
	const hush_ruleset *rules;
	size_t nrules;
	size_t nmain;            /* rules [0, nmain) are patterns; [nmain, nrules) exact values (hush_rule.literal) */
	rule_rt *rt;
	uint32_t max_back; /* largest back width of any rule */
	uint32_t max_fwd;  /* largest forward width of any rule */
	hs_database_t *db;       /* the patterns' prefilter database (NULL when there are none) */
	hs_database_t *lit_db;   /* the exact values' literal database, never cached (NULL when there are none) */
	hs_scratch_t *proto_scratch;
	pthread_mutex_t lock;
	bool from_cache;
	unsigned decode;       /* encodings to look inside */
	unsigned decode_depth; /* nesting levels */
};

typedef struct {
	size_t rule;
	uint64_t start, end, sstart, send;
	double entropy;
	/* a match in an encoded span: its chain (0 for raw text), the decoded secret (owned), and where the secret
	 * lies in the first level's decoded text (for overlaps between matches of one span) */
	uint32_t chain;
	bool dallowed; /* the decoded text carried an allow marker */
	char *dsecret;
	size_t dlen;
	uint64_t istart, iend;
} pending_match;

typedef struct {
	uint64_t covered_until;
	uint64_t next_start;
	uint32_t strikes; /* confirmations given up at a PCRE2 limit in this buffer */
	uint32_t gen;     /* the buffer (hush_match_ctx.gen) these belong to: another one's are stale, as if zero */
} rule_state;

struct hush_match_ctx {
	const hush_matcher *m;
	hs_scratch_t *scratch;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit;
	rule_state *st;
	uint32_t gen; /* counts buffers, so that a new one need not clear every rule's state (8 KiB per file) */
	size_t chunk;
	uint64_t limit_hits;
	size_t limit_rule; /* the last rule that hit a limit */

	/* the current window of input: base points at absolute offset base_off, avail bytes are addressable */
	const char *base;
	uint64_t base_off;
	uint64_t avail;
	uint64_t lo, hi, scan_start;
	int err;

	pending_match *pend;
	size_t npend, apend;
	uint64_t flushed_ng_end; /* end of the furthest non-generic secret already reported */

	/* line tracking */
	uint64_t cur_pos, cur_line, cur_line_start;

	hush_match_cb cb;
	void *payload;
	int cb_rc;

	/* the last search for each allow marker (line_allowed): [lo, hi) searched, first occurrence at (or none) */
	struct {
		uint64_t lo, hi, at;
	} mk[2];

	/* decoding: the encodings looked inside at this level (0 at the deepest) and one cursor per encoding */
	unsigned dec_mask, dec_depth;
	hush__dec_cursor dcur[3];
	hush_match_ctx *child;     /* scans decoded text one level deeper; made on first use */
	unsigned char *dbuf;       /* the current span's decoded bytes */
	uint64_t dspan_s, dspan_e; /* the span being decoded */
	uint32_t dchain;           /* its chain code */
	size_t dfound;             /* matches taken from it */
};

/* ---------- building ---------- */

static int compile_pcre(const hush_rule *r, pcre2_code **out, uint32_t *group)
{
	int errcode, named;
	PCRE2_SIZE erroff;
	uint32_t captures = 0;
	pcre2_code *code;

	/* PCRE2_USE_OFFSET_LIMIT lets confirmation stop trying start positions past the hit */
	code = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, PCRE2_USE_OFFSET_LIMIT, &errcode, &erroff,
			     NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return hush_error_set("%s:%u:%u: rule '%s': invalid pattern at offset %zu: %s", r->source,
				      r->pattern_line, r->pattern_column, r->id, (size_t)erroff, (char *)msg),
		       HUSH_EPATTERN;
	}
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
	if (captures >= MAX_GROUPS) {
		pcre2_code_free(code);
		return hush_error_set("%s:%u:%u: rule '%s': too many capture groups (%u, at most %d)", r->source,
				      r->pattern_line, r->pattern_column, r->id, captures, MAX_GROUPS - 1),
		       HUSH_EPATTERN;
	}
	named = pcre2_substring_number_from_name(code, (PCRE2_SPTR) "secret");
	*group = named > 0 ? (uint32_t)named : (captures ? 1 : 0);
	/* JIT is an optimisation: on failure the interpreter is used */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	*out = code;
	return 0;
}

int hush_matcher_prepare_rule(hush_matcher *m, size_t i)
{
	pcre2_code *code;
	uint32_t group;
	int err = 0;

	if (i >= m->nmain || atomic_load_explicit(&m->rt[i].code, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&m->lock);
	if (!atomic_load_explicit(&m->rt[i].code, memory_order_relaxed)) {
		err = compile_pcre(hush_ruleset_get(m->rules, i), &code, &group);
		if (!err) {
			m->rt[i].secret_group = group;
			atomic_store_explicit(&m->rt[i].code, code, memory_order_release);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

static int expr_width(const hush_rule *r, const char *pattern, const char *what, unsigned line, unsigned col,
		      uint32_t *max_width, uint32_t *min_width)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;

	if (hs_expression_info(pattern, HS_FLAG_PREFILTER, &info, &cerr) != HS_SUCCESS) {
		hush_error_set("%s:%u:%u: rule '%s': vectorscan cannot compile the %s: %s", r->source, line, col, r->id,
			       what, cerr ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		return HUSH_EPATTERN;
	}
	*max_width = info->max_width;
	*min_width = info->min_width;
	free(info);
	if (*max_width == UINT32_MAX)
		return hush_error_set("%s:%u:%u: rule '%s': the %s has no maximum width: bound every repetition "
				      "(write {0,8} instead of * and {1,64} instead of +)",
				      r->source, line, col, r->id, what),
		       HUSH_EPATTERN;
	if (*max_width > HUSH_MAX_RULE_WIDTH)
		return hush_error_set("%s:%u:%u: rule '%s': the %s can match %u bytes, more than the limit of %u",
				      r->source, line, col, r->id, what, *max_width, HUSH_MAX_RULE_WIDTH),
		       HUSH_EPATTERN;
	if (*min_width == 0)
		return hush_error_set("%s:%u:%u: rule '%s': the %s can match the empty string", r->source, line, col,
				      r->id, what),
		       HUSH_EPATTERN;
	return 0;
}

static int rule_width(const hush_rule *r, hush__rule_width *w)
{
	uint32_t maxw, minw;
	int err = expr_width(r, r->pattern, "pattern", r->pattern_line, r->pattern_column, &maxw, &minw);

	if (err)
		return err;
	w->back = w->fwd = maxw;
	w->min_width = minw;
	if (r->prefilter) {
		/* the prefilter matches a prefix of every match: the match starts within its width before the hit */
		if ((err = expr_width(r, r->prefilter, "prefilter", r->prefilter_line, r->prefilter_column, &w->back,
				      &w->min_width)) != 0)
			return err;
	}
	return 0;
}

static void cache_key(unsigned char key[32], const hush_ruleset *rs, size_t n)
{
	crypto_generichash_state st;
	hs_platform_info_t plat;
	const char *v = hs_version();

	memset(&plat, 0, sizeof(plat));
	hs_populate_platform(&plat);
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const unsigned char *)ENGINE_VERSION, sizeof(ENGINE_VERSION));
	crypto_generichash_update(&st, (const unsigned char *)v, strlen(v) + 1);
	crypto_generichash_update(&st, (const unsigned char *)&plat, sizeof(plat));
	for (size_t i = 0; i < n; i++) {
		const hush_rule *r = hush_ruleset_get(rs, i);

		crypto_generichash_update(&st, (const unsigned char *)r->pattern, strlen(r->pattern) + 1);
		if (r->prefilter)
			crypto_generichash_update(&st, (const unsigned char *)r->prefilter, strlen(r->prefilter) + 1);
		crypto_generichash_update(&st, (const unsigned char *)(r->prefilter ? "P" : "-"), 1);
	}
	crypto_generichash_final(&st, key, 32);
}

static int build_database(hush_matcher *m, hush__rule_width *widths)
{
	const char **pats = NULL;
	unsigned *flags = NULL, *ids = NULL;
	hs_compile_error_t *cerr = NULL;
	int err = 0;

	for (size_t i = 0; i < m->nmain && !err; i++) {
		if (!(err = hush_matcher_prepare_rule(m, i)))
			err = rule_width(hush_ruleset_get(m->rules, i), &widths[i]);
	}
	if (err)
		return err;
	pats = hush__calloc(m->nmain, sizeof(*pats));
	flags = hush__calloc(m->nmain, sizeof(*flags));
	ids = hush__calloc(m->nmain, sizeof(*ids));
	if (!pats || !flags || !ids) {
		err = HUSH_ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < m->nmain; i++) {
		const hush_rule *r = hush_ruleset_get(m->rules, i);

		pats[i] = r->prefilter ? r->prefilter : r->pattern;
		flags[i] = HS_FLAG_PREFILTER;
		ids[i] = (unsigned)i;
	}
	if (hs_compile_multi(pats, flags, ids, (unsigned)m->nmain, HS_MODE_BLOCK, NULL, &m->db, &cerr) !=
	    HS_SUCCESS) {
		if (cerr && cerr->expression >= 0 && (size_t)cerr->expression < m->nmain) {
			const hush_rule *r = hush_ruleset_get(m->rules, (size_t)cerr->expression);

			hush_error_set("%s:%u:%u: rule '%s': vectorscan cannot compile the %s: %s", r->source,
				       r->prefilter ? r->prefilter_line : r->pattern_line,
				       r->prefilter ? r->prefilter_column : r->pattern_column, r->id,
				       r->prefilter ? "prefilter" : "pattern", cerr->message);
		} else {
			hush_error_set("cannot build the rule database: %s", cerr ? cerr->message : "unknown error");
		}
		hs_free_compile_error(cerr);
		m->db = NULL;
		err = HUSH_EPATTERN;
	}
cleanup:
	free(pats);
	free(flags);
	free(ids);
	return err;
}

/*
 * The exact values' database: pure literals, so vectorscan reports exact end offsets and the start is the end
 * minus the value's length. SECURITY: it holds the values; it lives in the process only and is never cached.
 */
static int build_literal_database(hush_matcher *m, hush__rule_width *widths)
{
	size_t n = m->nrules - m->nmain;
	const char **lits = hush__calloc(n, sizeof(*lits));
	size_t *lens = hush__calloc(n, sizeof(*lens));
	unsigned *flags = hush__calloc(n, sizeof(*flags)), *ids = hush__calloc(n, sizeof(*ids));
	hs_compile_error_t *cerr = NULL;
	int err = 0;

	if (!lits || !lens || !flags || !ids) {
		err = HUSH_ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		const hush_rule *r = hush_ruleset_get(m->rules, m->nmain + i);

		lits[i] = (const char *)r->literal_value;
		lens[i] = r->literal_len;
		ids[i] = (unsigned)(m->nmain + i);
		widths[m->nmain + i].back = (uint32_t)r->literal_len;
		widths[m->nmain + i].fwd = 0;
		widths[m->nmain + i].min_width = (uint32_t)r->literal_len;
	}
	if (hs_compile_lit_multi(lits, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, &m->lit_db, &cerr) !=
	    HS_SUCCESS) {
		/* the message of a literal's compile error never quotes the literal */
		hush_error_set("cannot build the database of exact values: %s", cerr ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		m->lit_db = NULL;
		err = HUSH_EPATTERN;
	}
cleanup:
	free(lits);
	free(lens);
	free(flags);
	free(ids);
	return err;
}

int hush_matcher_new(hush_matcher **out, const hush_ruleset *rules, const hush_matcher_options *opts)
{
	hush_matcher_options defaults = HUSH_MATCHER_OPTIONS_INIT;
	hush_matcher *m;
	hush__rule_width *widths = NULL;
	unsigned char key[32];
	char *dir = NULL;
	int err = 0;

	if (!opts)
		opts = &defaults;
	*out = NULL;
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	if (hush_ruleset_count(rules) == 0)
		return hush_error_set("no rules to scan with"), HUSH_EINVALID;
	if (!(m = hush__calloc(1, sizeof(*m))))
		return HUSH_ENOMEM;
	m->rules = rules;
	m->nrules = hush_ruleset_count(rules);
	m->decode = opts->decode & HUSH_DECODE_ALL;
	m->decode_depth = opts->decode_depth ? opts->decode_depth : HUSH_DECODE_DEFAULT_DEPTH;
	if (m->decode_depth > HUSH_DECODE_MAX_DEPTH)
		m->decode_depth = HUSH_DECODE_MAX_DEPTH;
	while (m->nmain < m->nrules && !hush_ruleset_get(rules, m->nmain)->literal)
		m->nmain++;
	for (size_t i = m->nmain; i < m->nrules; i++)
		if (!hush_ruleset_get(rules, i)->literal) {
			free(m);
			return hush_error_set("exact values must come after every rule"), HUSH_EINVALID;
		}
	pthread_mutex_init(&m->lock, NULL);
	m->rt = hush__calloc(m->nrules, sizeof(rule_rt));
	widths = hush__calloc(m->nrules, sizeof(*widths));
	if (!m->rt || !widths) {
		err = HUSH_ENOMEM;
		goto cleanup;
	}
	cache_key(key, rules, m->nmain);
	dir = m->nmain ? hush__cache_dir(opts->cache_dir) : NULL;
	if (dir && hush__cache_load(dir, key, m->nmain, &m->db, widths) == 0) {
		m->from_cache = true;
		for (size_t i = 0; i < m->nmain; i++) /* never trust widths the engine would not accept */
			if (widths[i].back > HUSH_MAX_RULE_WIDTH || widths[i].fwd > HUSH_MAX_RULE_WIDTH ||
			    widths[i].min_width == 0) {
				hs_free_database(m->db);
				m->db = NULL;
				m->from_cache = false;
				break;
			}
	}
	if (!m->db && m->nmain) {
		if ((err = build_database(m, widths)) != 0)
			goto cleanup;
		if (dir)
			hush__cache_store(dir, key, m->db, widths, m->nmain);
	} else if (opts->validate_all) {
		for (size_t i = 0; i < m->nmain && !err; i++)
			err = hush_matcher_prepare_rule(m, i);
		if (err)
			goto cleanup;
	}
	if (m->nmain < m->nrules && (err = build_literal_database(m, widths)) != 0)
		goto cleanup;
	for (size_t i = 0; i < m->nrules; i++) {
		m->rt[i].back = widths[i].back;
		m->rt[i].fwd = widths[i].fwd;
		if (widths[i].back > m->max_back)
			m->max_back = widths[i].back;
		if (widths[i].fwd > m->max_fwd)
			m->max_fwd = widths[i].fwd;
	}
	/* one scratch sized for both databases */
	if ((m->db && hs_alloc_scratch(m->db, &m->proto_scratch) != HS_SUCCESS) ||
	    (m->lit_db && hs_alloc_scratch(m->lit_db, &m->proto_scratch) != HS_SUCCESS)) {
		err = hush_error_set("cannot allocate vectorscan scratch space");
		err = HUSH_ENOMEM;
		goto cleanup;
	}
cleanup:
	free(widths);
	free(dir);
	if (err) {
		hush_matcher_free(m);
		return err;
	}
	*out = m;
	return 0;
}

void hush_matcher_free(hush_matcher *m)
{
	if (!m)
		return;
	if (m->rt)
		for (size_t i = 0; i < m->nrules; i++)
			pcre2_code_free(atomic_load(&m->rt[i].code));
	free(m->rt);
	if (m->proto_scratch)
		hs_free_scratch(m->proto_scratch);
	if (m->db)
		hs_free_database(m->db);
	if (m->lit_db)
		hs_free_database(m->lit_db);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

bool hush_matcher_from_cache(const hush_matcher *m)
{
	return m->from_cache;
}

const hush_ruleset *hush_matcher_rules(const hush_matcher *m)
{
	return m->rules;
}

/* ---------- per-thread context ---------- */

static int ctx_new(hush_match_ctx **out, const hush_matcher *m, unsigned depth)
{
	hush_match_ctx *c = hush__calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return HUSH_ENOMEM;
	c->m = m;
	c->chunk = DEFAULT_CHUNK;
	c->dec_depth = depth;
	c->dec_mask = depth ? m->decode : 0;
	c->st = hush__calloc(m->nrules, sizeof(rule_state));
	c->md = pcre2_match_data_create(MAX_GROUPS, NULL);
	c->mctx = pcre2_match_context_create(NULL);
	c->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!c->st || !c->md || !c->mctx || !c->jit || hs_clone_scratch(m->proto_scratch, &c->scratch) != HS_SUCCESS) {
		hush_match_ctx_free(c);
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	}
	pcre2_set_match_limit(c->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(c->mctx, 10000);
	pcre2_jit_stack_assign(c->mctx, NULL, c->jit);
	*out = c;
	return 0;
}

int hush_match_ctx_new(hush_match_ctx **out, const hush_matcher *m)
{
	return ctx_new(out, m, m->decode ? m->decode_depth : 0);
}

/* Drop every pending match (and the decoded secrets they own). */
static void clear_pending(hush_match_ctx *c)
{
	for (size_t i = 0; i < c->npend; i++)
		free(c->pend[i].dsecret);
	c->npend = 0;
}

void hush_match_ctx_free(hush_match_ctx *c)
{
	if (!c)
		return;
	clear_pending(c);
	hush_match_ctx_free(c->child);
	free(c->dbuf);
	if (c->scratch)
		hs_free_scratch(c->scratch);
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	pcre2_jit_stack_free(c->jit);
	free(c->st);
	free(c->pend);
	free(c);
}

void hush_match_ctx_set_chunk(hush_match_ctx *c, size_t chunk)
{
	c->chunk = chunk < 4096 ? 4096 : chunk;
}

uint64_t hush_match_ctx_limit_hits(const hush_match_ctx *c)
{
	uint64_t n = 0;

	for (; c; c = c->child) /* and the levels that scan decoded text */
		n += c->limit_hits;
	return n;
}

const char *hush_match_ctx_limit_rule(const hush_match_ctx *c)
{
	for (; c; c = c->child)
		if (c->limit_hits)
			return hush_ruleset_get(c->m->rules, c->limit_rule)->id;
	return NULL;
}

static void begin_scan(hush_match_ctx *c, hush_match_cb cb, void *payload)
{
	if (++c->gen == 0) { /* wrapped: states of 2^32 buffers ago would look current */
		memset(c->st, 0, c->m->nrules * sizeof(rule_state));
		c->gen = 1;
	}
	clear_pending(c);
	memset(c->dcur, 0, sizeof(c->dcur));
	for (size_t k = 0; k < 2; k++) {
		c->mk[k].lo = c->mk[k].hi = 0;
		c->mk[k].at = UINT64_MAX;
	}
	c->flushed_ng_end = 0;
	c->cur_pos = 0;
	c->cur_line = 1;
	c->cur_line_start = 0;
	c->cb = cb;
	c->payload = payload;
	c->cb_rc = 0;
	c->err = 0;
}

/* ---------- confirmation ---------- */

static int add_pending(hush_match_ctx *c, size_t rule, uint64_t ms, uint64_t me, uint64_t ss, uint64_t se)
{
	const hush_rule *r = hush_ruleset_get(c->m->rules, rule);
	const char *secret = c->base + (ss - c->base_off);
	double h = hush_entropy(secret, (size_t)(se - ss));
	pending_match *p;

	if (!hush_filter_accept(r, secret, (size_t)(se - ss), h))
		return 0;
	if (hush__array_grow((void **)&c->pend, &c->apend, c->npend, sizeof(*c->pend)))
		return HUSH_ENOMEM;
	p = &c->pend[c->npend++];
	memset(p, 0, sizeof(*p));
	p->rule = rule;
	p->start = ms;
	p->end = me;
	p->sstart = ss;
	p->send = se;
	p->entropy = h;
	return 0;
}

/*
 * Run rule r's PCRE2 pattern from absolute offset from over a subject ending at absolute offset subject_end; the
 * match must start at or before absolute offset start_limit (UINT64_MAX: anywhere).
 */
static int run_pcre(hush_match_ctx *c, size_t r, uint64_t from, uint64_t subject_end, uint64_t start_limit,
		    uint64_t *ms, uint64_t *me, uint64_t *ss, uint64_t *se)
{
	const rule_rt *rt = &c->m->rt[r];
	pcre2_code *code = atomic_load_explicit(&rt->code, memory_order_acquire);
	PCRE2_SIZE *ov;
	int rc;

	if (!code) {
		if ((rc = hush_matcher_prepare_rule((hush_matcher *)c->m, r)) != 0)
			return rc;
		code = atomic_load_explicit(&rt->code, memory_order_acquire);
	}
	pcre2_set_offset_limit(c->mctx, start_limit == UINT64_MAX ? PCRE2_UNSET : (PCRE2_SIZE)(start_limit - c->base_off));
	rc = pcre2_match(code, (PCRE2_SPTR)c->base, (PCRE2_SIZE)(subject_end - c->base_off),
			 (PCRE2_SIZE)(from - c->base_off), 0, c->md, c->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 1;
	if (rc < 0) {
		/* match/depth/heap limit or JIT stack: give up on this candidate, count it */
		c->limit_hits++;
		c->limit_rule = r;
		c->st[r].strikes++;
		return 1;
	}
	ov = pcre2_get_ovector_pointer(c->md);
	*ms = c->base_off + ov[0];
	*me = c->base_off + ov[1];
	if (rt->secret_group && (int)rt->secret_group < rc && ov[2 * rt->secret_group] != PCRE2_UNSET) {
		*ss = c->base_off + ov[2 * rt->secret_group];
		*se = c->base_off + ov[2 * rt->secret_group + 1];
	} else {
		*ss = *ms;
		*se = *me;
	}
	return 0;
}

static int confirm(hush_match_ctx *c, size_t r, uint64_t e)
{
	rule_state *st = &c->st[r];
	uint64_t w = c->m->rt[r].back;
	uint64_t avail_end = c->base_off + c->avail;
	uint64_t subject_end = e + c->m->rt[r].fwd + HUSH_LOOKAROUND;
	int rc;

	if (st->gen != c->gen) { /* the rule's first hit in this buffer */
		memset(st, 0, sizeof(*st));
		st->gen = c->gen;
	}

	if (e <= st->covered_until || st->strikes >= LIMIT_STRIKES)
		return 0;
	if (subject_end > avail_end)
		subject_end = avail_end;
	for (;;) {
		uint64_t from = e > w ? e - w : 0, ms, me, ss, se;

		if (from < st->next_start)
			from = st->next_start;
		if (from < c->base_off)
			from = c->base_off;
		if (from >= subject_end)
			return 0;
		rc = run_pcre(c, r, from, subject_end, e, &ms, &me, &ss, &se);
		if (rc < 0)
			return rc;
		if (rc > 0 || ms > e) {
			/*
			 * No match starts in [from, e], and none can start before from (its own hit would have found
			 * it), so a later hit need not try these positions again: with bounded widths a longer
			 * subject cannot create a match there. This keeps the confirmation work linear.
			 */
			st->next_start = e + 1;
			return 0;
		}
		if (me <= ms) {
			st->next_start = ms + 1;
			continue;
		}
		st->next_start = me;
		st->covered_until = me;
		if (se > ss && (rc = add_pending(c, r, ms, me, ss, se)) != 0)
			return rc;
		if (me >= e)
			return 0;
	}
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *arg)
{
	hush_match_ctx *c = arg;
	uint64_t e = c->scan_start + to;

	(void)from;
	(void)flags;
	if (e <= c->lo || e > c->hi)
		return 0;
	if ((c->err = confirm(c, id, e)) != 0)
		return 1;
	return 0;
}

static int on_literal(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		      void *arg)
{
	hush_match_ctx *c = arg;
	uint64_t e = c->scan_start + to, len = hush_ruleset_get(c->m->rules, id)->literal_len;

	(void)from;
	(void)flags;
	if (e <= c->lo || e > c->hi || e < c->base_off + len)
		return 0;
	if ((c->err = add_pending(c, id, e - len, e, e - len, e)) != 0)
		return 1;
	return 0;
}

/* ---------- reporting ---------- */

static int cmp_pending(const void *a, const void *b)
{
	const pending_match *x = a, *y = b;

	if (x->sstart != y->sstart)
		return x->sstart < y->sstart ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	/* only matches in encoded spans can tie this far */
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	if (x->istart != y->istart)
		return x->istart < y->istart ? -1 : 1;
	if (x->iend != y->iend)
		return x->iend < y->iend ? -1 : 1;
	if (x->send != y->send)
		return x->send < y->send ? -1 : 1;
	return 0;
}

static const char *pending_secret(const hush_match_ctx *c, const pending_match *p, size_t *len)
{
	if (p->chain) {
		*len = p->dlen;
		return p->dsecret;
	}
	*len = (size_t)(p->send - p->sstart);
	return c->base + (p->sstart - c->base_off);
}

/* Do the secrets overlap? Two matches of one encoded span compare where they lie in its decoded text. */
static bool pending_overlap(const pending_match *a, const pending_match *b)
{
	if (a->chain && b->chain && a->sstart == b->sstart && a->send == b->send && (a->chain & 0xfu) == (b->chain & 0xfu))
		return a->istart < b->iend && b->istart < a->iend;
	return a->sstart < b->send && b->sstart < a->send;
}

static bool same_secret(const hush_match_ctx *c, const pending_match *a, const pending_match *b)
{
	size_t la, lb;
	const char *sa = pending_secret(c, a, &la), *sb = pending_secret(c, b, &lb);

	return la == lb && !memcmp(sa, sb, la);
}

/*
 * Whether x (index i) gives way to y (index j) when one of them comes from an encoded span: a generic match to an
 * overlapping specific one; a decoded match to an overlapping match of the same rule and secret found in the raw
 * text or through fewer decodings (then the earlier one); and, of two rules reporting the same decoded secret
 * at the same place, the less confident (then the later).
 */
static bool decoded_loses(const hush_match_ctx *c, const pending_match *x, size_t i, const pending_match *y,
			  size_t j)
{
	const hush_rule *rx = hush_ruleset_get(c->m->rules, x->rule), *ry = hush_ruleset_get(c->m->rules, y->rule);
	unsigned dx, dy;

	if (!pending_overlap(x, y))
		return false;
	if (rx->generic && !ry->generic)
		return true;
	if (!x->chain)
		return false; /* a raw match never gives way to a decoded one of the same kind */
	if (x->rule == y->rule) {
		if (!same_secret(c, x, y))
			return false;
		dx = hush_decode_chain_depth(x->chain);
		dy = hush_decode_chain_depth(y->chain);
		return dy < dx || (dy == dx && j < i);
	}
	if (rx->generic == ry->generic && y->chain == x->chain && y->sstart == x->sstart && y->send == x->send &&
	    y->istart == x->istart && y->iend == x->iend && same_secret(c, x, y))
		return ry->confidence > rx->confidence || (ry->confidence == rx->confidence && j < i);
	return false;
}

/*
 * Drop generic findings that overlap a non-generic one, and keep one finding per exact secret span (the most
 * confident rule, then the first). pend is sorted by secret start, then rule. Matches in encoded spans are left
 * to a second pass (decoded_loses), which only runs when there are any.
 */
static void suppress_overlaps(hush_match_ctx *c)
{
	uint64_t ng_end = c->flushed_ng_end;
	size_t out = 0, ndec = 0;

	for (size_t i = 0; i < c->npend; i++) {
		pending_match *p = &c->pend[i];
		const hush_rule *r = hush_ruleset_get(c->m->rules, p->rule);
		bool drop = false;

		if (p->chain) {
			c->pend[out++] = *p;
			ndec++;
			continue;
		}
		if (r->generic) {
			if (p->sstart < ng_end)
				drop = true;
			for (size_t j = i + 1; !drop && j < c->npend && c->pend[j].sstart < p->send; j++)
				if (!c->pend[j].chain && !hush_ruleset_get(c->m->rules, c->pend[j].rule)->generic)
					drop = true;
		} else if (p->send > ng_end) {
			ng_end = p->send;
		}
		for (size_t j = i + 1; !drop && j < c->npend && c->pend[j].sstart == p->sstart; j++) {
			const hush_rule *o = hush_ruleset_get(c->m->rules, c->pend[j].rule);

			if (!c->pend[j].chain && c->pend[j].send == p->send && o->generic == r->generic &&
			    o->confidence > r->confidence)
				drop = true;
		}
		for (size_t j = out; !drop && j-- > 0 && c->pend[j].sstart == p->sstart;) {
			const hush_rule *o = hush_ruleset_get(c->m->rules, c->pend[j].rule);

			if (!c->pend[j].chain && c->pend[j].send == p->send && o->generic == r->generic &&
			    o->confidence >= r->confidence)
				drop = true;
		}
		if (!drop)
			c->pend[out++] = *p;
	}
	c->npend = out;
	if (!ndec)
		return;
	/* second pass: every pair with a decoded match in it, marked first, then swept */
	{
		bool *dead = hush__calloc(c->npend, sizeof(bool));

		if (!dead)
			return; /* out of memory: report a duplicate rather than lose a finding */
		for (size_t i = 0; i < c->npend; i++) {
			const pending_match *x = &c->pend[i];
			bool xgen = hush_ruleset_get(c->m->rules, x->rule)->generic;

			if (x->chain && xgen && x->sstart < c->flushed_ng_end) {
				dead[i] = true;
				continue;
			}
			for (size_t j = i; !dead[i] && j-- > 0 && c->pend[j].sstart + WIDEST > x->sstart;)
				if ((x->chain || c->pend[j].chain) && decoded_loses(c, x, i, &c->pend[j], j))
					dead[i] = true;
			for (size_t j = i + 1; !dead[i] && j < c->npend && c->pend[j].sstart < x->send; j++)
				if ((x->chain || c->pend[j].chain) && decoded_loses(c, x, i, &c->pend[j], j))
					dead[i] = true;
		}
		out = 0;
		for (size_t i = 0; i < c->npend; i++) {
			if (dead[i])
				free(c->pend[i].dsecret);
			else
				c->pend[out++] = c->pend[i];
		}
		c->npend = out;
		free(dead);
	}
}

static uint64_t count_lines(const char *p, size_t n, uint64_t *last_nl)
{
	const char *end = p + n, *q;
	uint64_t count = 0;

	while ((q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		count++;
		*last_nl = (uint64_t)(q - (end - n));
		p = q + 1;
	}
	return count;
}

/* Move the line cursor forward to absolute offset pos (which must be addressable from cur_pos on). */
static void advance_cursor(hush_match_ctx *c, uint64_t pos)
{
	uint64_t last = 0, n;

	if (pos <= c->cur_pos)
		return;
	n = count_lines(c->base + (c->cur_pos - c->base_off), (size_t)(pos - c->cur_pos), &last);
	if (n) {
		c->cur_line += n;
		c->cur_line_start = c->cur_pos + last + 1;
	}
	c->cur_pos = pos;
}

/*
 * Is there an occurrence of marker k within [lo, hi)? The first occurrence at or after the last search's start
 * is remembered, so the many matches of one long line (minified JSON, a decoded span) do not search the same
 * 8 KiB over and over.
 */
static bool marker_in(hush_match_ctx *c, unsigned k, uint64_t lo, uint64_t hi)
{
	static const char *const markers[2] = { ALLOW_MARKER, GITLEAKS_ALLOW_MARKER };
	size_t mlen = strlen(markers[k]);
	uint64_t from = lo, at;
	const char *q;

	if (lo >= c->mk[k].lo && lo <= c->mk[k].hi && lo >= c->base_off && c->mk[k].lo >= c->base_off) {
		if (c->mk[k].at != UINT64_MAX && c->mk[k].at >= lo)
			return c->mk[k].at + mlen <= hi;
		if (c->mk[k].at == UINT64_MAX) {
			if (hi <= c->mk[k].hi)
				return false;
			/* only the part not searched yet (and what a marker crossing its end could start in) */
			from = c->mk[k].hi >= mlen ? c->mk[k].hi - mlen + 1 : 0;
			if (from < lo)
				from = lo;
			lo = c->mk[k].lo;
		}
	}
	q = hi > from ? hush__memcasemem(c->base + (from - c->base_off), (size_t)(hi - from), markers[k], mlen) : NULL;
	at = q ? c->base_off + (uint64_t)(q - c->base) : UINT64_MAX;
	c->mk[k].lo = lo;
	c->mk[k].hi = hi;
	c->mk[k].at = at;
	return at != UINT64_MAX;
}

static bool line_allowed(hush_match_ctx *c, const pending_match *p)
{
	uint64_t lo = c->cur_line_start, hi, limit = c->base_off + c->avail;
	const char *nl;

	if (lo < c->base_off)
		lo = c->base_off;
	if (p->start > 4096 && lo < p->start - 4096)
		lo = p->start - 4096;
	hi = p->send + 4096 < limit ? p->send + 4096 : limit;
	nl = memchr(c->base + (p->send - c->base_off), '\n', (size_t)(hi - p->send));
	if (nl)
		hi = c->base_off + (uint64_t)(nl - c->base);
	return marker_in(c, 0, lo, hi) || marker_in(c, 1, lo, hi);
}

/* Report pending matches whose end is at most upto, in order; keep the rest. */
static int flush(hush_match_ctx *c, uint64_t upto)
{
	uint64_t span_s = UINT64_MAX, span_e = 0; /* the matches of one encoded span share its line's marker */
	bool span_allowed = false;
	size_t i;

	if (!c->npend)
		return 0;
	qsort(c->pend, c->npend, sizeof(*c->pend), cmp_pending);
	suppress_overlaps(c);
	for (i = 0; i < c->npend; i++) {
		const pending_match *p = &c->pend[i];
		const hush_rule *r = hush_ruleset_get(c->m->rules, p->rule);
		hush_match m;

		if (p->end > upto)
			break;
		advance_cursor(c, p->sstart);
		memset(&m, 0, sizeof(m));
		m.rule = r;
		m.rule_index = p->rule;
		m.start = p->start;
		m.end = p->end;
		m.secret_start = p->sstart;
		m.secret_end = p->send;
		m.line = c->cur_line;
		m.end_line = m.line;
		{
			const char *raw = c->base + (p->sstart - c->base_off);
			size_t rlen = (size_t)(p->send - p->sstart);

			for (const char *q = raw; (q = memchr(q, '\n', (size_t)(raw + rlen - q))) != NULL; q++)
				m.end_line += (q + 1 < raw + rlen); /* a trailing newline ends the secret's line */
		}
		m.secret = pending_secret(c, p, &m.secret_len);
		m.column = p->sstart - c->cur_line_start + 1;
		m.entropy = p->entropy;
		if (p->chain && p->sstart == span_s && p->send == span_e) {
			m.allowed = span_allowed || p->dallowed;
		} else {
			m.allowed = line_allowed(c, p);
			if (p->chain) {
				span_s = p->sstart;
				span_e = p->send;
				span_allowed = m.allowed;
			}
			m.allowed = m.allowed || p->dallowed;
		}
		m.encoding = p->chain;
		if (!r->generic && p->send > c->flushed_ng_end)
			c->flushed_ng_end = p->send;
		c->cb_rc = c->cb(&m, c->payload);
		free(c->pend[i].dsecret);
		c->pend[i].dsecret = NULL;
		if (c->cb_rc != 0) {
			i++;
			break;
		}
	}
	memmove(c->pend, c->pend + i, (c->npend - i) * sizeof(*c->pend));
	c->npend -= i;
	return c->cb_rc;
}

static uint64_t min_pending_start(const hush_match_ctx *c, uint64_t bound)
{
	for (size_t i = 0; i < c->npend; i++)
		if (c->pend[i].start < bound)
			bound = c->pend[i].start;
	return bound;
}

/* Process hits with end offsets in (lo, hi]. The window [base_off, base_off + avail) must cover the round. */
static int round_scan(hush_match_ctx *c, uint64_t lo, uint64_t hi)
{
	uint64_t back = (uint64_t)c->m->max_back + 1;
	hs_error_t herr;

	c->lo = lo;
	c->hi = hi;
	c->scan_start = lo > back ? lo - back : 0;
	if (c->scan_start < c->base_off)
		c->scan_start = c->base_off;
	herr = !c->m->db ? HS_SUCCESS
			 : hs_scan(c->m->db, c->base + (c->scan_start - c->base_off),
				   (unsigned)(hi - c->scan_start), 0, c->scratch, on_hit, c);
	if (herr == HS_SUCCESS && c->m->lit_db)
		herr = hs_scan(c->m->lit_db, c->base + (c->scan_start - c->base_off), (unsigned)(hi - c->scan_start),
			       0, c->scratch, on_literal, c);
	if (herr == HS_SCAN_TERMINATED)
		return c->err;
	if (herr != HS_SUCCESS)
		return hush_error_set("vectorscan scan failed (error %d)", (int)herr), HUSH_ERROR;
	return 0;
}

/* ---------- decoding ---------- */

/* A match in the decoded text of the current span (the child's callback): it joins the pending list at the span. */
static int on_decoded(const hush_match *m, void *arg)
{
	hush_match_ctx *c = arg;
	pending_match *p;
	char *copy;

	if (c->dfound >= DEC_MAX_FINDINGS)
		return 1; /* enough from this span: stop its scan */
	if (hush_decode_chain_depth(m->encoding) >= 7)
		return 0;
	if (!(copy = hush__malloc(m->secret_len ? m->secret_len : 1)) ||
	    hush__array_grow((void **)&c->pend, &c->apend, c->npend, sizeof(*c->pend))) {
		free(copy);
		return HUSH_ENOMEM;
	}
	memcpy(copy, m->secret, m->secret_len);
	p = &c->pend[c->npend++];
	memset(p, 0, sizeof(*p));
	p->rule = m->rule_index;
	p->start = p->sstart = c->dspan_s;
	p->end = p->send = c->dspan_e;
	p->entropy = m->entropy;
	p->chain = c->dchain | (m->encoding << 4);
	p->dallowed = m->allowed;
	p->dsecret = copy;
	p->dlen = m->secret_len;
	p->istart = m->secret_start;
	p->iend = m->secret_end;
	c->dfound++;
	return 0;
}

/* Decode the encoded spans that start before limit, and scan each decoded text one level deeper. */
static int decode_round(hush_match_ctx *c, uint64_t limit)
{
	static const unsigned encs[3] = { HUSH_DECODE_BASE64, HUSH_DECODE_HEX, HUSH_DECODE_PERCENT };
	uint64_t avail_end = c->base_off + c->avail;

	for (size_t k = 0; k < 3; k++) {
		uint64_t s, e;

		if (!(c->dec_mask & encs[k]))
			continue;
		while (hush__dec_next(encs[k], c->base, c->base_off, avail_end, limit, &c->dcur[k], &s, &e)) {
			size_t n;
			int err;

			if (!c->dbuf && !(c->dbuf = hush__malloc(HUSH_DECODE_MAX_SPAN)))
				return HUSH_ENOMEM;
			if (!c->child && (err = ctx_new(&c->child, c->m, c->dec_depth - 1)) != 0)
				return err;
			n = hush__dec_decode(encs[k], c->base + (s - c->base_off), (size_t)(e - s), c->dbuf);
			if (!n)
				continue;
			c->dspan_s = s;
			c->dspan_e = e;
			c->dchain = hush__dec_chain_code(encs[k]);
			c->dfound = 0;
			err = hush_match_buffer(c->child, (const char *)c->dbuf, n, false, on_decoded, c);
			if (err < 0)
				return err; /* > 0: on_decoded stopped the scan */
		}
	}
	return 0;
}

int hush_match_buffer(hush_match_ctx *c, const char *data, size_t len, bool release_pages, hush_match_cb cb,
		      void *payload)
{
	uint64_t lo = 0, w = c->m->max_back, released = 0;
	long page = sysconf(_SC_PAGESIZE);
	int err = 0;

	begin_scan(c, cb, payload);
	c->base = data;
	c->base_off = 0;
	c->avail = len;
	while (lo < len) {
		uint64_t hi = len - lo > c->chunk ? lo + c->chunk : len;

		if ((err = round_scan(c, lo, hi)) != 0)
			return err;
		if (c->dec_mask && (err = decode_round(c, hi)) != 0)
			return err;
		lo = hi;
		if (hi < len && hi > w && (err = flush(c, hi - w)) != 0)
			return err;
		if (release_pages && hi < len && hi > 2 * w + HUSH_LOOKAROUND + 2) {
			uint64_t keep = hi - 2 * w - HUSH_LOOKAROUND - 2;

			keep = min_pending_start(c, keep);
			advance_cursor(c, keep);
			keep -= keep % (uint64_t)page;
			if (keep > released) {
				madvise((char *)data + released, (size_t)(keep - released), MADV_DONTNEED);
				released = keep;
			}
		}
	}
	return flush(c, UINT64_MAX);
}

int hush_match_fd(hush_match_ctx *c, int fd, uint64_t limit, uint64_t *read_out, hush_match_cb cb, void *payload)
{
	uint64_t w = c->m->max_back, margin = (uint64_t)c->m->max_fwd + HUSH_LOOKAROUND, lo = 0, total = 0;
	size_t cap, len = 0;
	char *buf;
	bool eof = false;
	int err = 0;

	/* a span that starts in a round must be whole in the buffer, or HUSH_DECODE_MAX_SPAN of it */
	if (c->dec_mask && margin < (uint64_t)HUSH_DECODE_MAX_SPAN + 8)
		margin = (uint64_t)HUSH_DECODE_MAX_SPAN + 8;
	cap = c->chunk + 4 * (size_t)margin + 4096;
	buf = hush__malloc(cap);

	if (read_out)
		*read_out = 0;
	if (!buf)
		return HUSH_ENOMEM;
	begin_scan(c, cb, payload);
	c->base = buf;
	c->base_off = 0;
	for (;;) {
		uint64_t hi, keep;

		while (len < cap && !eof) {
			size_t want = cap - len;
			ssize_t n;

			if (limit && total + want > limit)
				want = (size_t)(limit - total);
			if (want == 0) {
				eof = true;
				break;
			}
			n = read(fd, buf + len, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				err = hush_error_set("read failed: %s", strerror(errno));
				err = HUSH_EIO;
				goto cleanup;
			}
			if (n == 0)
				eof = true;
			len += (size_t)n;
			total += (uint64_t)n;
		}
		c->avail = len;
		hi = eof ? c->base_off + len : c->base_off + len - margin;
		if (hi > lo) {
			if ((err = round_scan(c, lo, hi)) != 0)
				goto cleanup;
			if (c->dec_mask && (err = decode_round(c, hi)) != 0)
				goto cleanup;
			lo = hi;
		}
		if (eof)
			break;
		if (hi > w && (err = flush(c, hi - w)) != 0)
			goto cleanup;
		keep = hi > margin + w + 1 ? hi - margin - w - 1 : 0;
		keep = min_pending_start(c, keep);
		if (keep > c->cur_pos)
			advance_cursor(c, keep);
		if (keep > c->cur_pos)
			keep = c->cur_pos;
		if (keep > c->base_off) {
			size_t drop = (size_t)(keep - c->base_off);

			memmove(buf, buf + drop, len - drop);
			len -= drop;
			c->base_off = keep;
		}
	}
	err = flush(c, UINT64_MAX);
cleanup:
	if (read_out)
		*read_out = total;
	free(buf);
	return err;
}

int hush_match_reference(hush_match_ctx *c, const char *data, size_t len, hush_match_cb cb, void *payload)
{
	int err = 0;

	begin_scan(c, cb, payload);
	c->base = data;
	c->base_off = 0;
	c->avail = len;
	for (size_t r = 0; r < c->m->nmain; r++) { /* patterns only: exact values have no PCRE2 form */
		uint64_t from = 0, ms, me, ss, se;
		int rc;

		while (from < len) {
			rc = run_pcre(c, r, from, len, UINT64_MAX, &ms, &me, &ss, &se);
			if (rc < 0)
				return rc;
			if (rc > 0)
				break;
			if (me <= ms) {
				from = ms + 1;
				continue;
			}
			if (se > ss && (err = add_pending(c, r, ms, me, ss, se)) != 0)
				return err;
			from = me;
		}
	}
	return flush(c, UINT64_MAX);
}

/* ---------- the prefilter alone (hush rules check) ---------- */

typedef struct {
	size_t rule;
	uint64_t hits;
} prefilter_probe;

static int on_prefilter_hit(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
			    void *arg)
{
	prefilter_probe *p = arg;

	(void)from;
	(void)to;
	(void)flags;
	if (id == p->rule)
		p->hits++;
	return 0;
}

int hush_match_prefilter_hits(hush_match_ctx *c, const char *data, size_t len, size_t rule_index, uint64_t *hits)
{
	prefilter_probe p = { rule_index, 0 };
	hs_error_t herr;

	*hits = 0;
	if (!c->m->db || rule_index >= c->m->nmain || len > UINT32_MAX)
		return 0;
	herr = hs_scan(c->m->db, data, (unsigned)len, 0, c->scratch, on_prefilter_hit, &p);
	if (herr != HS_SUCCESS)
		return hush_error_set("vectorscan scan failed (error %d)", (int)herr), HUSH_ERROR;
	*hits = p.hits;
	return 0;
}
