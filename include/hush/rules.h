/*
 * hush/rules.h: the rule catalogue (YAML files -> hush_rule records).
 *
 * The file format is described in docs/rules.md. Loading validates the structure and the fields; compiling the
 * patterns happens in hush/matcher.h. Every string in a hush_rule is owned by the ruleset.
 */
#ifndef HUSH_RULES_H
#define HUSH_RULES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	HUSH_CONFIDENCE_LOW = 0,
	HUSH_CONFIDENCE_MEDIUM = 1,
	HUSH_CONFIDENCE_HIGH = 2
} hush_confidence;

typedef struct {
	char *text;      /* the example text (may hold any byte but NUL) */
	char *secret;    /* the secret the rule must extract; NULL for a negative example */
	unsigned line;   /* 1-based line of the example in its rule file */
	char **found_by; /* negative examples: other rules that must report a finding on it (another kind of secret) */
	size_t nfound_by;
} hush_rule_example;

typedef struct {
	char *id;
	char *description;
	char *pattern;
	char *prefilter;        /* optional vectorscan-only pattern matching a prefix of every match; NULL if unset */
	char *prefilter_note;   /* why the rule has no keyword or literal prefix the prefilter can rely on; NULL if unset */
	char **keywords;
	size_t nkeywords;
	char **stopwords;
	size_t nstopwords;
	char **references;
	size_t nreferences;
	double min_entropy;     /* 0 when unset */
	hush_confidence confidence;
	bool generic;           /* a fallback rule that specific rules override */
	/*
	 * An exact value to find (hush scan --vault): literal/literal_len in sodium_malloc'd memory, wiped when the
	 * rule goes. No pattern is compiled for it, no filter applies, its database is never cached, and reports
	 * show none of it unless secrets are shown. pattern holds a placeholder text.
	 */
	bool literal;
	unsigned char *literal_value;
	size_t literal_len;
	hush_rule_example *examples;
	size_t nexamples;
	hush_rule_example *negatives;
	size_t nnegatives;
	char *source;           /* the file the rule came from, e.g. "rules/aws.yml" */
	unsigned line, column;  /* position of the rule in its file (1-based) */
	unsigned pattern_line, pattern_column;
	unsigned prefilter_line, prefilter_column;
} hush_rule;

typedef struct hush_ruleset hush_ruleset;

/* An embedded rule file (see cmake/embed-rules.c). */
typedef struct {
	const char *name;
	const char *data;
	size_t len;
} hush_embedded_file;

/* The catalogue's rule files, whole (for checks and tests; scans load the rules the build parsed from them). */
extern const hush_embedded_file hush_builtin_rules_full[];
extern const size_t hush_builtin_rules_count;

/* Create an empty ruleset; free it with hush_ruleset_free(). */
int hush_ruleset_new(hush_ruleset **out);
void hush_ruleset_free(hush_ruleset *rs);

/*
 * Add the built-in catalogue. Scans need no examples: with with_examples false, the rules come from the records
 * the build parsed (no YAML to parse at each start); `hush rules check` and the tests ask for the examples, and the
 * embedded rule files are parsed.
 */
int hush_ruleset_add_builtin(hush_ruleset *rs, bool with_examples);

/*
 * Add one YAML rule file, or every *.yml and *.yaml file in a directory (sorted by name, not recursive).
 * A rule whose id is already present from another file replaces it; a duplicate id within one file is an error.
 * On error the message reads "FILE:LINE:COL: message", HUSH_EINVALID or HUSH_EIO is returned, and nothing of the
 * failing file is in the ruleset (rules of earlier files it would have replaced are still there).
 */
int hush_ruleset_add_path(hush_ruleset *rs, const char *path);

/* Add rules from a buffer; name is used in messages and as the rules' source. */
int hush_ruleset_add_buffer(hush_ruleset *rs, const char *name, const char *data, size_t len);

/*
 * Add an exact value as a rule (see hush_rule.literal): id and description are copied, the value into guarded
 * memory. Literal rules must come after every other rule (add them last). Values of 6 bytes to
 * HUSH_MAX_RULE_WIDTH; HUSH_EINVALID otherwise.
 */
int hush_ruleset_add_literal(hush_ruleset *rs, const char *id, const char *description, const void *value,
			     size_t len);

/* Remove the rule with this id. Returns HUSH_ENOTFOUND when there is none. */
int hush_ruleset_disable(hush_ruleset *rs, const char *id);

size_t hush_ruleset_count(const hush_ruleset *rs);
/* Borrowed; valid until the ruleset changes or is freed. */
const hush_rule *hush_ruleset_get(const hush_ruleset *rs, size_t i);
const hush_rule *hush_ruleset_find(const hush_ruleset *rs, const char *id);

const char *hush_confidence_name(hush_confidence c);

#endif
