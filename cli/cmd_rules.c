/* cmd_rules.c: `hush rules list` and `hush rules check` (every rule compiles and passes its examples). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "hush/error.h"
#include "hush/matcher.h"
#include "common/util.h"
#include "common/banned.h"

const char cmd_rules_usage[] =
	"usage: hush rules list [--format text|json] [RULE OPTIONS]\n"
	"       hush rules check [--cross-rule error|warn] [RULE OPTIONS]\n"
	"\n"
	"list   print every rule: id, confidence, source file and description.\n"
	"check  compile every rule in vectorscan (prefilter mode) and PCRE2, then scan each example with the whole\n"
	"       catalogue: it must yield exactly its secret for its rule, and no negative example may produce a\n"
	"       finding for any rule (but those its 'found_by' names, which must). With --cross-rule warn, findings of\n"
	"       other rules on negative examples are warnings. Each rule's prefilter must stop firing on its examples\n"
	"       once its keywords (or the first bytes of its match) are changed, unless 'prefilter_note' says why.\n"
	"       Exit 0 when all pass, 1 when any fails, 2 when a rule does not load.\n"
	"\n"
	"Rule options:\n" RULE_OPTIONS_HELP;

typedef struct {
	size_t rule;
	const char *want;
	bool found_exact;
	size_t found_other;
	char other[128];
	uint64_t first_start; /* where the rule's first match starts (UINT64_MAX: none) */
	/* other rules' findings (negative examples): the first few */
	size_t nforeign;
	struct {
		size_t rule;
		char secret[16];
	} foreign[4];
} example_probe;

static int probe_cb(const hush_match *m, void *payload)
{
	example_probe *p = payload;

	if (m->rule_index != p->rule) {
		if (p->nforeign < HUSH_ARRAY_SIZE(p->foreign)) {
			p->foreign[p->nforeign].rule = m->rule_index;
			snprintf(p->foreign[p->nforeign].secret, sizeof(p->foreign[p->nforeign].secret), "%.*s",
				 (int)(m->secret_len > 12 ? 12 : m->secret_len), m->secret);
		}
		p->nforeign++;
		return 0;
	}
	if (p->first_start == UINT64_MAX)
		p->first_start = m->start;
	if (p->want && m->secret_len == strlen(p->want) && !memcmp(m->secret, p->want, m->secret_len)) {
		p->found_exact = true;
	} else {
		if (!p->found_other)
			snprintf(p->other, sizeof(p->other), "%.*s", (int)(m->secret_len > 100 ? 100 : m->secret_len),
				 m->secret);
		p->found_other++;
	}
	return 0;
}

static bool keyword_in(const hush_rule *r, const char *text)
{
	for (size_t k = 0; k < r->nkeywords; k++)
		if (hush__memcasemem(text, strlen(text), r->keywords[k], strlen(r->keywords[k])))
			return true;
	return false;
}

/*
 * Change a byte into another of the same kind, so that character classes still match but literals do not:
 * digits, a-f, g-z, A-F and G-Z each rotate among themselves; other bytes stay.
 */
static char rotate(char c)
{
	if (c >= '0' && c <= '9')
		return c == '9' ? '0' : (char)(c + 1);
	if (c >= 'a' && c <= 'f')
		return c == 'f' ? 'a' : (char)(c + 1);
	if (c >= 'g' && c <= 'z')
		return c == 'z' ? 'g' : (char)(c + 1);
	if (c >= 'A' && c <= 'F')
		return c == 'F' ? 'A' : (char)(c + 1);
	if (c >= 'G' && c <= 'Z')
		return c == 'Z' ? 'G' : (char)(c + 1);
	return c;
}

/* Punctuation into a neighbour (':' ';', '*' '+', '.' '/'), for keywords without a letter or digit. */
static char nudge(char c)
{
	char d = (char)(c ^ 1);

	if (c > ' ' && c < 0x7f && d > ' ' && d < 0x7f && !((d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') ||
							    (d >= 'A' && d <= 'Z')))
		return d;
	return c;
}

/* The example with every occurrence of every keyword (case-insensitive) rotated. Malloc'd. */
static char *without_keywords(const hush_rule *r, const char *text)
{
	size_t len = strlen(text);
	char *t = hush__strndup(text, len);

	for (size_t k = 0; t && k < r->nkeywords; k++) {
		size_t kl = strlen(r->keywords[k]);
		const char *q = text;

		while (kl && (q = hush__memcasemem(q, len - (size_t)(q - text), r->keywords[k], kl)) != NULL) {
			size_t at = (size_t)(q - text), changed = 0;

			for (size_t i = 0; i < kl; i++) {
				t[at + i] = rotate(text[at + i]);
				changed += t[at + i] != text[at + i];
			}
			for (size_t i = 0; !changed && i < kl; i++)
				t[at + i] = nudge(text[at + i]);
			q++;
		}
	}
	return t;
}

/*
 * Does rule i's prefilter still fire on its example with the keywords gone, and with the first 4 bytes of its
 * match changed? A rule whose prefilter fires in both cases keys on nothing but character classes: vectorscan
 * then reports a hit at almost every position of ordinary text, and each hit costs a PCRE2 confirmation.
 */
static int prefilter_anchored(hush_match_ctx *ctx, const hush_rule *r, size_t i, const char *text,
			      uint64_t match_start, bool *anchored)
{
	char *t = without_keywords(r, text);
	uint64_t hits = 0;
	int err;

	*anchored = false;
	if (!t)
		return HUSH_ENOMEM;
	if ((err = hush_match_prefilter_hits(ctx, t, strlen(t), i, &hits)) == 0 && hits) {
		/* a literal prefix instead? */
		memcpy(t, text, strlen(text));
		for (uint64_t k = match_start; k < match_start + 4 && t[k]; k++)
			t[k] = rotate(t[k]);
		err = hush_match_prefilter_hits(ctx, t, strlen(t), i, &hits);
	}
	*anchored = !err && hits == 0;
	free(t);
	return err;
}

static bool in_list(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static int check_rules(const hush_ruleset *rs, bool cross_warn)
{
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	hush_matcher *m = NULL;
	hush_match_ctx *ctx = NULL;
	size_t failures = 0, warnings = 0, nex = 0, nneg = 0;
	int rc = EXIT_ERROR;

	mo.cache_dir = ""; /* compile everything from scratch so each rule is verified in both engines */
	mo.validate_all = true;
	if (hush_matcher_new(&m, rs, &mo) != 0 || hush_match_ctx_new(&ctx, m) != 0) {
		cli_error("%s", hush_error_last());
		goto cleanup;
	}
	for (size_t i = 0; i < hush_ruleset_count(rs); i++) {
		const hush_rule *r = hush_ruleset_get(rs, i);
		size_t unanchored = 0;

#define FAIL(line, ...) \
	do { \
		fprintf(stderr, "%s:%u: rule '%s': ", r->source, (unsigned)(line), r->id); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		failures++; \
	} while (0)
/* a finding of another rule on a negative example: a failure, or with --cross-rule warn a warning */
#define CROSS(line, ...) \
	do { \
		fprintf(stderr, "%s%s:%u: rule '%s': ", cross_warn ? "warning: " : "", r->source, (unsigned)(line), \
			r->id); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		if (cross_warn) \
			warnings++; \
		else \
			failures++; \
	} while (0)
		if (r->nexamples < 2)
			FAIL(r->line, "needs at least 2 examples, has %zu", r->nexamples);
		if (r->nnegatives < 1)
			FAIL(r->line, "needs at least 1 negative example");
		for (size_t e = 0; e < r->nexamples; e++) {
			const hush_rule_example *ex = &r->examples[e];
			example_probe p = { i, ex->secret, false, 0, "", UINT64_MAX, 0, { { 0, "" } } };
			bool anchored = true;

			nex++;
			if (hush_match_buffer(ctx, ex->text, strlen(ex->text), false, probe_cb, &p) != 0) {
				cli_error("%s", hush_error_last());
				goto cleanup;
			}
			if (!p.found_exact && p.found_other)
				FAIL(ex->line, "example %zu yields a different secret (starting '%.12s') instead of the one "
					       "given",
				     e + 1, p.other);
			else if (!p.found_exact)
				FAIL(ex->line, "example %zu does not match", e + 1);
			else if (p.found_other)
				FAIL(ex->line, "example %zu yields %zu more finding(s) besides its secret", e + 1,
				     p.found_other);
			if (!keyword_in(r, ex->text))
				FAIL(ex->line, "example %zu contains none of the rule's keywords", e + 1);
			if (p.first_start != UINT64_MAX && !r->literal &&
			    prefilter_anchored(ctx, r, i, ex->text, p.first_start, &anchored) != 0) {
				cli_error("%s", hush_error_last());
				goto cleanup;
			}
			unanchored += !anchored;
		}
		if (unanchored && !r->prefilter_note)
			FAIL(r->line,
			     "the prefilter fires on %zu example%s with every keyword changed and with the first bytes of "
			     "the match changed: give a keyword (or a literal prefix) that every match contains, or say why "
			     "there is none in 'prefilter_note'",
			     unanchored, unanchored == 1 ? "" : "s");
		for (size_t e = 0; e < r->nnegatives; e++) {
			const hush_rule_example *ex = &r->negatives[e];
			example_probe p = { i, NULL, false, 0, "", UINT64_MAX, 0, { { 0, "" } } };

			nneg++;
			if (hush_match_buffer(ctx, ex->text, strlen(ex->text), false, probe_cb, &p) != 0) {
				cli_error("%s", hush_error_last());
				goto cleanup;
			}
			if (p.found_other)
				FAIL(ex->line, "negative example %zu matches (secret starting '%.12s')", e + 1, p.other);
			/* the whole catalogue runs: another rule's finding is a false positive too, unless found_by says
			 * the example is that rule's kind of secret */
			for (size_t k = 0; k < ex->nfound_by; k++) {
				bool seen = false;

				if (!hush_ruleset_find(rs, ex->found_by[k])) {
					FAIL(ex->line, "negative example %zu: found_by names an unknown rule '%s'", e + 1,
					     ex->found_by[k]);
					continue;
				}
				for (size_t f = 0; f < p.nforeign && f < HUSH_ARRAY_SIZE(p.foreign); f++)
					seen |= !strcmp(hush_ruleset_get(rs, p.foreign[f].rule)->id, ex->found_by[k]);
				if (!seen)
					FAIL(ex->line, "negative example %zu: rule '%s' (found_by) reports no finding", e + 1,
					     ex->found_by[k]);
			}
			for (size_t k = 0; k < p.nforeign && k < HUSH_ARRAY_SIZE(p.foreign); k++) {
				const hush_rule *o = hush_ruleset_get(rs, p.foreign[k].rule);

				if (in_list(ex->found_by, ex->nfound_by, o->id))
					continue;
				CROSS(ex->line, "negative example %zu: rule '%s' (%s:%u) reports a finding (secret starting "
						"'%s')",
				      e + 1, o->id, o->source, o->line, p.foreign[k].secret);
			}
			if (p.nforeign > HUSH_ARRAY_SIZE(p.foreign))
				CROSS(ex->line, "negative example %zu: %zu more findings of other rules", e + 1,
				      p.nforeign - HUSH_ARRAY_SIZE(p.foreign));
		}
#undef FAIL
#undef CROSS
	}
	printf("%zu rules, %zu examples, %zu negative examples: %s\n", hush_ruleset_count(rs), nex, nneg,
	       failures ? "FAILED" : "all passed");
	if (warnings)
		fprintf(stderr, "hush: %zu finding%s of other rules on negative examples (--cross-rule warn)\n", warnings,
			warnings == 1 ? "" : "s");
	if (failures)
		fprintf(stderr, "hush: %zu check%s failed\n", failures, failures == 1 ? "" : "s");
	rc = failures ? EXIT_FINDINGS : EXIT_CLEAN;
cleanup:
	hush_match_ctx_free(ctx);
	hush_matcher_free(m);
	return rc;
}

static int list_rules(const hush_ruleset *rs, bool json)
{
	if (json) {
		json_t *arr = json_array();
		int rc;

		for (size_t i = 0; i < hush_ruleset_count(rs); i++) {
			const hush_rule *r = hush_ruleset_get(rs, i);
			json_t *kw = json_array();

			for (size_t k = 0; k < r->nkeywords; k++)
				json_array_append_new(kw, json_string(r->keywords[k]));
			/* the patterns are the catalogue's and the user's rule files'; a rule of an exact value has the
			 * pattern "(an exact value)", never the value */
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:s?, s:s?}", "id", r->id,
							     "description", r->description, "confidence",
							     hush_confidence_name(r->confidence), "source", r->source,
							     "keywords", kw, "generic", r->generic, "pattern",
							     r->pattern, "prefilter", r->prefilter));
		}
		rc = json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(arr);
		return rc ? EXIT_ERROR : EXIT_CLEAN;
	}
	for (size_t i = 0; i < hush_ruleset_count(rs); i++) {
		const hush_rule *r = hush_ruleset_get(rs, i);

		printf("%-40s %-6s %-28s %s\n", r->id, hush_confidence_name(r->confidence), r->source, r->description);
	}
	printf("%zu rules\n", hush_ruleset_count(rs));
	return EXIT_CLEAN;
}

int cmd_rules(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "cross-rule", required_argument, NULL, OPT_CROSS_RULE },
		RULE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	rule_options ro;
	hush_config *cfg = NULL;
	hush_ruleset *rs = NULL;
	const char *sub;
	char *root = NULL;
	bool json = false, cross_warn = false;
	int opt, rc = EXIT_ERROR;

	memset(&ro, 0, sizeof(ro));
	if (argc < 2) {
		fputs(cmd_rules_usage, stderr);
		return EXIT_ERROR;
	}
	sub = argv[1];
	if (strcmp(sub, "list") && strcmp(sub, "check")) {
		cli_error("unknown subcommand 'rules %s': use list or check", sub);
		return EXIT_ERROR;
	}
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "f:", longopts, NULL)) != -1) {
		int handled = cli_rule_option(&ro, opt, optarg);

		if (handled < 0)
			goto cleanup;
		if (handled)
			continue;
		if (opt == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "text"))) {
			json = !strcmp(optarg, "json");
			continue;
		}
		if (opt == OPT_CROSS_RULE && (!strcmp(optarg, "warn") || !strcmp(optarg, "error"))) {
			cross_warn = !strcmp(optarg, "warn");
			continue;
		}
		if (opt == OPT_CROSS_RULE) {
			cli_error("invalid --cross-rule '%s': use error or warn", optarg);
			goto cleanup;
		}
		if (opt == 'f')
			cli_error("unknown format '%s': use text or json", optarg);
		else
			fprintf(stderr, "Run 'hush rules --help' for the options.\n");
		goto cleanup;
	}
	if (optind < argc - 1) {
		cli_error("unexpected argument '%s'", argv[optind + 1]);
		goto cleanup;
	}
	ro.with_examples = !strcmp(sub, "check");
	root = cli_find_root(".");
	if (!root || cli_load_config(&cfg, &ro, root) || cli_load_rules(&rs, &ro, cfg, root))
		goto cleanup;
	rc = !strcmp(sub, "list") ? list_rules(rs, json) : check_rules(rs, cross_warn);
cleanup:
	hush_ruleset_free(rs);
	hush_config_free(cfg);
	free(root);
	free(ro.rule_paths);
	free(ro.disabled);
	return rc;
}
