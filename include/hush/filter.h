/* hush/filter.h: the checks every candidate secret goes through (entropy, placeholders, stopwords). */
#ifndef HUSH_FILTER_H
#define HUSH_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "hush/rules.h"

/* Shannon entropy of the bytes, in bits per byte (0 for an empty string). */
double hush_entropy(const char *s, size_t len);

/*
 * true when the value looks like a placeholder: xxxx, <your-token>, ${VAR}, changeme, example, ... (a placeholder
 * word anywhere in it; hush_filter_accept asks more of a rule that is not generic, see filter.c)
 */
bool hush_is_placeholder(const char *s, size_t len);

/*
 * true for a short lowercase-and-digits value typed along the keyboard's home row, as in documentation samples
 * ("sdlfkj452", "askfjh234as9sd8"): at most 24 bytes, 6 letters or more, 60% of them from "asdfghjkl", three in
 * a row. About 1 in 30 random values of that alphabet and length look like that too, so only generic rules
 * (low confidence, no known format) apply it.
 */
bool hush_is_keyboard_mash(const char *s, size_t len);

/* true when the secret passes the rule's filters: min_entropy, placeholders, stopwords and, for generic rules, a
 * keyboard mash */
bool hush_filter_accept(const hush_rule *rule, const char *secret, size_t len, double entropy);

/* What a path says about the findings in it. */
typedef enum {
	HUSH_CONTEXT_NONE = 0,
	HUSH_CONTEXT_TEST, /* a test or fixture: a folder such as tests/, spec/, fixtures/, __tests__/, testdata/, or a
			      file named like test_x.py, x_test.go, x.test.js, x.spec.ts, XTest.java */
	HUSH_CONTEXT_DOCS  /* documentation or examples: docs/, doc/, examples/, samples/, or *.md, *.rst, *.adoc */
} hush_path_context;

/* The context of a repository-relative path (slash-separated). */
hush_path_context hush_path_context_of(const char *relpath);

/* "test", "docs" (NULL for HUSH_CONTEXT_NONE) */
const char *hush_path_context_name(hush_path_context c);

#endif
