/*
 * fuzz_rules.c: the rule YAML loader (hush_ruleset_add_buffer) on any bytes.
 *
 * Properties: a file that loads gives rules with every required field and unique ids; a file that fails leaves the
 * ruleset exactly as it was (hush_ruleset_add_buffer drops what it added), here a base ruleset whose ids a later
 * file may replace; loading the same file twice gives the same rules (a later file replaces rules by id).
 */
#include <stdbool.h>

#include "fuzz_common.h"
#include "hush/error.h"
#include "hush/rules.h"

static const char base_rules[] =
	"rules:\n"
	"  - id: base-one\n"
	"    description: the first base rule\n"
	"    pattern: 'one_([a-z]{8})'\n"
	"    keywords: [one_]\n"
	"    confidence: high\n"
	"  - id: base-two\n"
	"    description: the second base rule\n"
	"    pattern: 'two_([a-z]{8})'\n"
	"    keywords: [two_]\n"
	"    confidence: low\n";

/* The ids and sources of a ruleset, one per line. */
static void snapshot(fuzz_buf *b, const hush_ruleset *rs)
{
	for (size_t i = 0; i < hush_ruleset_count(rs); i++) {
		const hush_rule *r = hush_ruleset_get(rs, i);

		fuzz_buf_put(b, r->id, strlen(r->id));
		fuzz_buf_put(b, " ", 1);
		fuzz_buf_put(b, r->source, strlen(r->source));
		fuzz_buf_put(b, " ", 1);
		fuzz_buf_put(b, r->pattern, strlen(r->pattern));
		fuzz_buf_put(b, "\n", 1);
	}
}

static void check_rules(const hush_ruleset *rs)
{
	for (size_t i = 0; i < hush_ruleset_count(rs); i++) {
		const hush_rule *r = hush_ruleset_get(rs, i);

		FUZZ_CHECK(r->id && r->id[0] && r->description && r->pattern && r->pattern[0] && r->nkeywords > 0 &&
				   r->source,
			   "rule %zu lacks a required field", i);
		FUZZ_CHECK(hush_ruleset_find(rs, r->id) == r, "duplicate rule id '%s'", r->id);
		for (size_t k = 0; k < r->nkeywords; k++)
			FUZZ_CHECK(r->keywords[k] && r->keywords[k][0], "empty keyword in '%s'", r->id);
		for (size_t k = 0; k < r->nexamples; k++)
			FUZZ_CHECK(r->examples[k].text && r->examples[k].secret && r->examples[k].secret[0],
				   "incomplete example in '%s'", r->id);
		FUZZ_CHECK(r->min_entropy >= 0 && r->min_entropy <= 8, "min_entropy out of range in '%s'", r->id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hush_ruleset *rs = NULL;
	fuzz_buf before = { 0 }, after = { 0 }, again = { 0 };
	int err;

	if (hush_ruleset_new(&rs) || hush_ruleset_add_buffer(rs, "base.yml", base_rules, sizeof(base_rules) - 1))
		abort();
	snapshot(&before, rs);
	err = hush_ruleset_add_buffer(rs, "fuzz.yml", (const char *)data, size);
	check_rules(rs);
	snapshot(&after, rs);
	if (err) {
		FUZZ_CHECK(err == HUSH_EINVALID, "unexpected error %d: %s", err, hush_error_last());
		FUZZ_CHECK(!strncmp(hush_error_last(), "fuzz.yml:", 9), "message without its position: %s",
			   hush_error_last());
		FUZZ_CHECK(after.len == before.len && !memcmp(after.p, before.p, before.len),
			   "a failed load changed the ruleset:\n%s---\n%s", before.p, after.p);
	} else {
		/* a second load of the same file replaces its own rules: the same set, perhaps in another order */
		size_t count = hush_ruleset_count(rs);

		err = hush_ruleset_add_buffer(rs, "fuzz.yml", (const char *)data, size);
		FUZZ_CHECK(err == 0, "a file that loaded once fails the second time: %s", hush_error_last());
		check_rules(rs);
		snapshot(&again, rs);
		FUZZ_CHECK(hush_ruleset_count(rs) == count && again.len == after.len,
			   "loading the file twice changed the ruleset");
		while (hush_ruleset_count(rs))
			FUZZ_CHECK(hush_ruleset_disable(rs, hush_ruleset_get(rs, 0)->id) == 0, "cannot disable a rule");
	}
	fuzz_buf_free(&before);
	fuzz_buf_free(&after);
	fuzz_buf_free(&again);
	hush_ruleset_free(rs);
	hush_error_clear();
	return 0;
}
