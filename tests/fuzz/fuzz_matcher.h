/* fuzz_matcher.h: the matcher over the full built-in catalogue, built once per fuzzer process (no disk cache). */
#ifndef HUSH_FUZZ_MATCHER_H
#define HUSH_FUZZ_MATCHER_H

#include "fuzz_common.h"
#include "hush/error.h"
#include "hush/matcher.h"
#include "hush/rules.h"

static hush_ruleset *fuzz_rules;
static hush_matcher *fuzz_matcher;

static inline void fuzz_matcher_init(void)
{
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;

	mo.cache_dir = ""; /* compile here: no dependence on, and no writes to, a cache folder */
	if (hush_ruleset_new(&fuzz_rules) || hush_ruleset_add_builtin(fuzz_rules, false) ||
	    hush_matcher_new(&fuzz_matcher, fuzz_rules, &mo)) {
		fprintf(stderr, "cannot build the matcher: %s\n", hush_error_last());
		abort();
	}
}

#endif
