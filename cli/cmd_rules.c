/* cmd_rules.c: `hush rules list` and `hush rules check` (every rule compiles and passes its examples). */
#include <getopt.h>
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
	"       hush rules check [RULE OPTIONS]\n"
	"\n"
	"list   print every rule: id, confidence, source file and description.\n"
	"check  compile every rule in vectorscan (prefilter mode) and PCRE2, then scan each example with the whole\n"
	"       catalogue: it must yield exactly its secret for its rule, and no negative example may produce a\n"
	"       finding for its rule. Exit 0 when all pass, 1 when any fails, 2 when a rule does not load.\n"
	"\n"
	"Rule options:\n" RULE_OPTIONS_HELP;

typedef struct {
	size_t rule;
	const char *want;
	bool found_exact;
	size_t found_other;
	char other[128];
} example_probe;

static int probe_cb(const hush_match *m, void *payload)
{
	example_probe *p = payload;

	if (m->rule_index != p->rule)
		return 0;
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

static int check_rules(const hush_ruleset *rs)
{
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	hush_matcher *m = NULL;
	hush_match_ctx *ctx = NULL;
	size_t failures = 0, nex = 0, nneg = 0;
	int rc = EXIT_ERROR;

	mo.cache_dir = ""; /* compile everything from scratch so each rule is verified in both engines */
	mo.validate_all = true;
	if (hush_matcher_new(&m, rs, &mo) != 0 || hush_match_ctx_new(&ctx, m) != 0) {
		cli_error("%s", hush_error_last());
		goto cleanup;
	}
	for (size_t i = 0; i < hush_ruleset_count(rs); i++) {
		const hush_rule *r = hush_ruleset_get(rs, i);

#define FAIL(line, ...) \
	do { \
		fprintf(stderr, "%s:%u: rule '%s': ", r->source, (unsigned)(line), r->id); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		failures++; \
	} while (0)
		if (r->nexamples < 2)
			FAIL(r->line, "needs at least 2 examples, has %zu", r->nexamples);
		if (r->nnegatives < 1)
			FAIL(r->line, "needs at least 1 negative example");
		for (size_t e = 0; e < r->nexamples; e++) {
			const hush_rule_example *ex = &r->examples[e];
			example_probe p = { i, ex->secret, false, 0, "" };

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
		}
		for (size_t e = 0; e < r->nnegatives; e++) {
			const hush_rule_example *ex = &r->negatives[e];
			example_probe p = { i, NULL, false, 0, "" };

			nneg++;
			if (hush_match_buffer(ctx, ex->text, strlen(ex->text), false, probe_cb, &p) != 0) {
				cli_error("%s", hush_error_last());
				goto cleanup;
			}
			if (p.found_other)
				FAIL(ex->line, "negative example %zu matches (secret starting '%.12s')", e + 1, p.other);
		}
#undef FAIL
	}
	printf("%zu rules, %zu examples, %zu negative examples: %s\n", hush_ruleset_count(rs), nex, nneg,
	       failures ? "FAILED" : "all passed");
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
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "id", r->id, "description",
							     r->description, "confidence",
							     hush_confidence_name(r->confidence), "source", r->source,
							     "keywords", kw, "generic", r->generic));
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
		RULE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	rule_options ro;
	hush_config *cfg = NULL;
	hush_ruleset *rs = NULL;
	const char *sub;
	char *root = NULL;
	bool json = false;
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
	rc = !strcmp(sub, "list") ? list_rules(rs, json) : check_rules(rs);
cleanup:
	hush_ruleset_free(rs);
	hush_config_free(cfg);
	free(root);
	free(ro.rule_paths);
	free(ro.disabled);
	return rc;
}
