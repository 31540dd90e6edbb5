/*
 * builtin.h: the built-in catalogue, parsed at build time (cmake/embed-rules.c writes it into builtin_rules.c).
 * Scans load these records instead of parsing the YAML at every start; `hush rules check` and the tests, which need
 * the examples, parse the embedded rule files (hush_builtin_rules_full). Internal.
 */
#ifndef HUSH_SCANNER_BUILTIN_H
#define HUSH_SCANNER_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>

/* A hush_rule without its examples; the lists have n* entries (NULL when empty). */
typedef struct {
	const char *id, *description, *pattern, *prefilter, *prefilter_note, *source;
	const char *const *keywords, *const *stopwords, *const *references;
	size_t nkeywords, nstopwords, nreferences;
	double min_entropy;
	int confidence; /* a hush_confidence */
	int generic;
	/* line, column, pattern_line, pattern_column, prefilter_line, prefilter_column */
	unsigned pos[6];
} hush__builtin_rule;

extern const hush__builtin_rule hush__builtin_catalogue[];
extern const size_t hush__builtin_catalogue_count;

#endif
