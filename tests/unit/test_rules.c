/* test_rules.c: the YAML rule loader accepts good files and rejects bad ones with FILE:LINE:COL messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hush/error.h"
#include "hush/matcher.h"
#include "hush/rules.h"

static const char good[] =
	"rules:\n"
	"  - id: demo-token\n"
	"    description: Demo token\n"
	"    pattern: '\\b(demo_[a-z0-9]{16})\\b'\n"
	"    keywords: [demo_]\n"
	"    min_entropy: 2.5\n"
	"    confidence: high\n"
	"    stopwords: [fixture]\n"
	"    references: [https://docs.invalid/demo]\n"
	"    examples:\n"
	"      - text: 'x = demo_k3j5h2l4m6n8b0v1'\n"
	"        secret: demo_k3j5h2l4m6n8b0v1\n"
	"      - text: |\n"
	"          token: demo_q9w8e7r6t5y4u3i2\n"
	"        secret: demo_q9w8e7r6t5y4u3i2\n"
	"    negative_examples:\n"
	"      - demo_short\n"
	"  - id: demo-generic\n"
	"    description: Generic\n"
	"    pattern: 'gen=([a-z]{8})'\n"
	"    keywords: gen=\n"
	"    confidence: low\n"
	"    generic: true\n";

static void test_good_file(void **state)
{
	hush_ruleset *rs;
	const hush_rule *r;

	(void)state;
	assert_int_equal(hush_ruleset_new(&rs), 0);
	assert_int_equal(hush_ruleset_add_buffer(rs, "good.yml", good, strlen(good)), 0);
	assert_int_equal(hush_ruleset_count(rs), 2);
	r = hush_ruleset_find(rs, "demo-token");
	assert_non_null(r);
	assert_string_equal(r->description, "Demo token");
	assert_string_equal(r->pattern, "\\b(demo_[a-z0-9]{16})\\b");
	assert_int_equal(r->nkeywords, 1);
	assert_string_equal(r->keywords[0], "demo_");
	assert_true(r->min_entropy > 2.49 && r->min_entropy < 2.51);
	assert_int_equal(r->confidence, HUSH_CONFIDENCE_HIGH);
	assert_int_equal(r->nstopwords, 1);
	assert_int_equal(r->nexamples, 2);
	assert_string_equal(r->examples[1].text, "token: demo_q9w8e7r6t5y4u3i2\n");
	assert_string_equal(r->examples[1].secret, "demo_q9w8e7r6t5y4u3i2");
	assert_int_equal(r->examples[0].line, 11);
	assert_int_equal(r->nnegatives, 1);
	assert_null(r->negatives[0].secret);
	assert_int_equal(r->line, 2);
	assert_int_equal(r->pattern_line, 4);
	assert_string_equal(r->source, "good.yml");
	r = hush_ruleset_find(rs, "demo-generic");
	assert_true(r->generic);
	assert_int_equal(r->nkeywords, 1); /* a single string is a one-element list */
	assert_int_equal(hush_ruleset_disable(rs, "demo-generic"), 0);
	assert_int_equal(hush_ruleset_count(rs), 1);
	assert_int_equal(hush_ruleset_disable(rs, "nope"), HUSH_ENOTFOUND);
	hush_ruleset_free(rs);
}

typedef struct {
	const char *yaml;
	const char *message; /* expected prefix of the error, "FILE:LINE:COL: ..." */
} bad_case;

static const bad_case bad_cases[] = {
	{ "rules:\n  - id: a\n    patern: 'x'\n", "bad.yml:3:5: unknown key 'patern'" },
	{ "rules:\n  - id: a\n    description: d\n    pattern: 'x{1,2}'\n    keywords: [x]\n    confidence: extreme\n",
	  "bad.yml:6:17: 'confidence' must be high, medium or low" },
	{ "rules:\n  - id: a\n    description: d\n    keywords: [x]\n    confidence: low\n",
	  "bad.yml:2:5: rule 'a' has no 'pattern'" },
	{ "rules:\n  - description: d\n", "bad.yml:2:5: rule has no 'id'" },
	{ "rules:\n  - id: Bad_Id\n", "bad.yml:2:9: invalid rule id 'Bad_Id'" },
	{ "rules: [\n", "bad.yml:2:1:" },
	{ "rulez: []\n", "bad.yml:1:1: unknown top-level key 'rulez'" },
	{ "rules: {}\n", "bad.yml:1:8: 'rules' must be a list" },
	{ "- a\n", "bad.yml:1:1: expected a mapping" },
	{ "", "bad.yml:1:1: empty rule file" },
	/* "keywords:" alone is YAML's null, no keyword; an empty keyword would make every text contain one */
	{ "rules:\n  - id: a\n    description: d\n    pattern: 'x'\n    keywords:\n    confidence: low\n",
	  "bad.yml:2:5: rule 'a' has no 'keywords'" },
	{ "rules:\n  - id: a\n    description: d\n    pattern: 'x'\n    keywords: ''\n    confidence: low\n",
	  "bad.yml:5:15: empty string in 'keywords'" },
	{ "rules:\n  - id: a\n    description: d\n    pattern: 'x'\n    keywords: [x]\n    confidence: low\n"
	  "    min_entropy: lots\n",
	  "bad.yml:7:18: 'min_entropy' must be a number" },
	{ "rules:\n  - id: a\n    description: d\n    pattern: 'x'\n    keywords: [x]\n    confidence: low\n"
	  "    examples:\n      - text: 'x'\n",
	  "bad.yml:8:9: example needs both 'text' and 'secret'" },
	{ "rules:\n  - id: a\n    description: d\n    pattern: 'x'\n    keywords: [x]\n    confidence: low\n"
	  "  - id: a\n    description: d\n    pattern: 'y'\n    keywords: [y]\n    confidence: low\n",
	  "bad.yml:7:5: duplicate rule id 'a'" },
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		hush_ruleset *rs;
		int err;

		assert_int_equal(hush_ruleset_new(&rs), 0);
		err = hush_ruleset_add_buffer(rs, "bad.yml", bad_cases[i].yaml, strlen(bad_cases[i].yaml));
		if (err == 0)
			fail_msg("case %zu was accepted", i);
		if (strncmp(hush_error_last(), bad_cases[i].message, strlen(bad_cases[i].message)))
			fail_msg("case %zu: got '%s', want '%s...'", i, hush_error_last(), bad_cases[i].message);
		assert_int_equal(hush_ruleset_count(rs), 0); /* nothing half-loaded */
		hush_ruleset_free(rs);
	}
}

/* Patterns that load but cannot be compiled by the engine are rejected with the rule's position. */
static void test_bad_patterns(void **state)
{
	static const struct {
		const char *pattern, *message;
	} cases[] = {
		{ "demo_[a-z]+", "unbounded.yml:4:14: rule 'a': the pattern has no maximum width" },
		{ "demo_(", "unbounded.yml:4:14: rule 'a': invalid pattern" },
		{ "(?:demo)?", "unbounded.yml:4:14: rule 'a': the pattern can match the empty string" },
		{ "x[a-z]{1,20000}", "unbounded.yml:4:14: rule 'a': the pattern can match" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
		hush_ruleset *rs;
		hush_matcher *m = NULL;
		char yaml[512];

		snprintf(yaml, sizeof(yaml),
			 "rules:\n  - id: a\n    description: d\n    pattern: '%s'\n    keywords: [x]\n"
			 "    confidence: low\n",
			 cases[i].pattern);
		mo.cache_dir = "";
		assert_int_equal(hush_ruleset_new(&rs), 0);
		assert_int_equal(hush_ruleset_add_buffer(rs, "unbounded.yml", yaml, strlen(yaml)), 0);
		assert_int_not_equal(hush_matcher_new(&m, rs, &mo), 0);
		assert_null(m);
		if (strncmp(hush_error_last(), cases[i].message, strlen(cases[i].message)))
			fail_msg("case %zu: got '%s', want '%s...'", i, hush_error_last(), cases[i].message);
		hush_ruleset_free(rs);
	}
}

/* A rule from a later file replaces the earlier one with the same id. */
static void test_override(void **state)
{
	static const char other[] = "rules:\n  - id: demo-token\n    description: Replaced\n    pattern: 'zz{2}'\n"
				    "    keywords: [zz]\n    confidence: medium\n";
	hush_ruleset *rs;

	(void)state;
	assert_int_equal(hush_ruleset_new(&rs), 0);
	assert_int_equal(hush_ruleset_add_buffer(rs, "good.yml", good, strlen(good)), 0);
	assert_int_equal(hush_ruleset_add_buffer(rs, "other.yml", other, strlen(other)), 0);
	assert_int_equal(hush_ruleset_count(rs), 2);
	assert_string_equal(hush_ruleset_find(rs, "demo-token")->description, "Replaced");
	assert_string_equal(hush_ruleset_find(rs, "demo-token")->source, "other.yml");
	hush_ruleset_free(rs);
}

/*
 * A file that fails leaves the ruleset as it was, even when its first rules replaced earlier ones; and an id given
 * twice in one file is an error even when an earlier file has it too (both found by fuzz_rules).
 */
static void test_failed_file_changes_nothing(void **state)
{
	static const char late_error[] = "rules:\n  - id: demo-token\n    description: Replaced\n    pattern: 'zz{2}'\n"
					 "    keywords: [zz]\n    confidence: medium\n  - id: broken\n    description: x\n";
	static const char twice[] = "rules:\n  - id: demo-token\n    description: One\n    pattern: 'yy{2}'\n"
				    "    keywords: [yy]\n    confidence: low\n  - id: demo-token\n    description: Two\n"
				    "    pattern: 'ww{2}'\n    keywords: [ww]\n    confidence: low\n";
	hush_ruleset *rs;

	(void)state;
	assert_int_equal(hush_ruleset_new(&rs), 0);
	assert_int_equal(hush_ruleset_add_buffer(rs, "good.yml", good, strlen(good)), 0);
	assert_int_equal(hush_ruleset_add_buffer(rs, "late.yml", late_error, strlen(late_error)), HUSH_EINVALID);
	assert_string_equal(hush_error_last(), "late.yml:7:5: rule 'broken' has no 'pattern'");
	assert_int_equal(hush_ruleset_count(rs), 2);
	assert_string_equal(hush_ruleset_find(rs, "demo-token")->source, "good.yml");
	assert_int_equal(hush_ruleset_add_buffer(rs, "twice.yml", twice, strlen(twice)), HUSH_EINVALID);
	assert_string_equal(hush_error_last(), "twice.yml:7:5: duplicate rule id 'demo-token' (first defined on line 2)");
	assert_int_equal(hush_ruleset_count(rs), 2);
	assert_string_equal(hush_ruleset_find(rs, "demo-token")->source, "good.yml");
	hush_ruleset_free(rs);
}

/* The embedded catalogue loads, is big enough, and every rule carries its own tests. */
static void test_builtin(void **state)
{
	hush_ruleset *rs;

	(void)state;
	assert_int_equal(hush_ruleset_new(&rs), 0);
	assert_int_equal(hush_ruleset_add_builtin(rs, true), 0);
	assert_true(hush_ruleset_count(rs) >= 60);
	for (size_t i = 0; i < hush_ruleset_count(rs); i++) {
		const hush_rule *r = hush_ruleset_get(rs, i);

		assert_true(r->nexamples >= 2);
		assert_true(r->nnegatives >= 1);
		assert_true(r->nkeywords >= 1);
	}
	hush_ruleset_free(rs);
}

static void assert_same_text(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b); /* both unset */
	else
		assert_string_equal(a, b);
}

static void assert_same_list(char **a, size_t na, char **b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

/*
 * What scans load (the records the build parsed, scanner/builtin.h) is the catalogue parsed from its files now:
 * the same rules in the same order, every field and position alike, and no examples.
 */
static void test_builtin_lean(void **state)
{
	hush_ruleset *full, *lean;

	(void)state;
	assert_int_equal(hush_ruleset_new(&full), 0);
	assert_int_equal(hush_ruleset_new(&lean), 0);
	assert_int_equal(hush_ruleset_add_builtin(full, true), 0);
	assert_int_equal(hush_ruleset_add_builtin(lean, false), 0);
	assert_int_equal(hush_ruleset_count(full), hush_ruleset_count(lean));
	for (size_t i = 0; i < hush_ruleset_count(full); i++) {
		const hush_rule *a = hush_ruleset_get(full, i), *b = hush_ruleset_get(lean, i);

		assert_string_equal(a->id, b->id);
		assert_string_equal(a->description, b->description);
		assert_string_equal(a->pattern, b->pattern);
		assert_same_text(a->prefilter, b->prefilter);
		assert_same_text(a->prefilter_note, b->prefilter_note);
		assert_string_equal(a->source, b->source);
		assert_same_list(a->keywords, a->nkeywords, b->keywords, b->nkeywords);
		assert_same_list(a->stopwords, a->nstopwords, b->stopwords, b->nstopwords);
		assert_same_list(a->references, a->nreferences, b->references, b->nreferences);
		assert_true(a->min_entropy == b->min_entropy);
		assert_int_equal(a->confidence, b->confidence);
		assert_int_equal(a->generic, b->generic);
		assert_false(b->literal);
		assert_int_equal(a->line, b->line);
		assert_int_equal(a->column, b->column);
		assert_int_equal(a->pattern_line, b->pattern_line);
		assert_int_equal(a->pattern_column, b->pattern_column);
		assert_int_equal(a->prefilter_line, b->prefilter_line);
		assert_int_equal(a->prefilter_column, b->prefilter_column);
		assert_int_equal(b->nexamples, 0);
		assert_int_equal(b->nnegatives, 0);
	}
	hush_ruleset_free(full);
	hush_ruleset_free(lean);
}

/* The built-in rules go into a ruleset that already holds rules as a rule file would: same ids are replaced. */
static void test_builtin_after_rules(void **state)
{
	hush_ruleset *rs;
	static const char yml[] = "rules:\n"
				  "  - id: aws-access-key-id\n"
				  "    description: mine\n"
				  "    pattern: 'MYKEY[0-9]{8}'\n"
				  "    keywords: [MYKEY]\n"
				  "    confidence: low\n";
	size_t n;

	(void)state;
	assert_int_equal(hush_ruleset_new(&rs), 0);
	assert_int_equal(hush_ruleset_add_builtin(rs, false), 0);
	n = hush_ruleset_count(rs);
	assert_int_equal(hush_ruleset_add_buffer(rs, "mine.yml", yml, sizeof(yml) - 1), 0);
	assert_int_equal(hush_ruleset_count(rs), n);
	assert_string_equal(hush_ruleset_find(rs, "aws-access-key-id")->description, "mine");
	hush_ruleset_free(rs);
	assert_int_equal(hush_ruleset_new(&rs), 0);
	assert_int_equal(hush_ruleset_add_buffer(rs, "mine.yml", yml, sizeof(yml) - 1), 0);
	assert_int_equal(hush_ruleset_add_builtin(rs, false), 0);
	assert_int_equal(hush_ruleset_count(rs), n);
	assert_string_equal(hush_ruleset_find(rs, "aws-access-key-id")->source, "rules/aws.yml");
	hush_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file), cmocka_unit_test(test_bad_files), cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_override),  cmocka_unit_test(test_failed_file_changes_nothing), cmocka_unit_test(test_builtin), cmocka_unit_test(test_builtin_lean),
		cmocka_unit_test(test_builtin_after_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
