/*
 * hush/config.h: the optional .hush.yml at the root of the scanned repository.
 *
 *   salt: "any string"              # fingerprint salt shared by everyone on the repository
 *   builtin_rules: true             # false: use only the rules listed below
 *   rules: [path, ...]              # extra rule files or folders, relative to the repository root
 *   disable_rules: [id, ...]
 *   allow:                          # ("allowlist:" is the old name of the global part)
 *     paths: [glob, ...]            # relative to the repository root; "dir/" covers the whole folder
 *     regexes: [pcre2, ...]         # searched in the secret (unanchored); a search that passes PCRE2's match
 *                                   # or depth limit (1,000,000 steps, depth 10,000) suppresses nothing
 *     stopwords: [word, ...]        # case-insensitive substrings of the secret
 *     fingerprints: [hex, ...]      # findings to ignore
 *     rules:
 *       RULE-ID: {paths: [...], regexes: [...], stopwords: [...]}   # only for that rule's findings
 *   environments:                   # environments backed by a Vault/OpenBao KV v2 path (hush run, vault export, ...)
 *     prod: {vault: "secret/data/myapp/prod", namespace: "team-a"}    # namespace is optional
 *   audit: file | syslog | required | [file, syslog, required]         # where the audit log goes (default: file)
 *
 * and .hushignore next to it: one fingerprint a line, '#' starts a comment (hush_config_load_ignore).
 */
#ifndef HUSH_CONFIG_H
#define HUSH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct hush_allow_regex hush_allow_regex; /* a compiled PCRE2 pattern (private) */

/* Suppressions that look at the secret (and, per rule, at the path). */
typedef struct {
	char **paths;          /* per-rule sets only: the global paths are hush_config.allow_paths */
	size_t npaths;
	hush_allow_regex **regexes;
	size_t nregexes;
	char **stopwords;      /* lowercased */
	size_t nstopwords;
} hush_allow;

typedef struct {
	char *rule_id;
	size_t line, column;   /* where the id is written, for messages */
	hush_allow allow;
} hush_rule_allow;

/* An environment of .hush.yml's environments: mapping. */
typedef struct {
	char *name;            /* [a-z0-9_-]{1,32} */
	char *vault;           /* a KV v2 path as written ("secret/data/myapp/prod"), or NULL */
	char *namespace_;      /* X-Vault-Namespace for it, or NULL */
	size_t line, column;   /* where the name is written, for messages */
} hush_config_env;

enum { HUSH_CONFIG_AUDIT_FILE = 1, HUSH_CONFIG_AUDIT_SYSLOG = 2 };

typedef struct {
	char *path;            /* the file it came from (NULL when there was only a .hushignore) */
	char *salt;            /* NULL when unset */
	bool builtin_rules;
	char **rules;          /* as written (relative to the repository root) */
	size_t nrules;
	char **disable_rules;
	size_t ndisable_rules;
	char **allow_paths;
	size_t nallow_paths;
	char **allow_fingerprints; /* allow.fingerprints and .hushignore, lowercase hex, sorted */
	size_t nallow_fingerprints;
	hush_allow allow;          /* global regexes and stopwords */
	hush_rule_allow *allow_rules;
	size_t nallow_rules;
	hush_config_env *envs;     /* environments: */
	size_t nenvs;
	unsigned audit_dest;       /* HUSH_CONFIG_AUDIT_FILE | _SYSLOG; 0 when audit: is not set (the file) */
	bool audit_required;       /* audit: required: a log that cannot be written is an error */
} hush_config;

/* A config with the defaults (no file). Free with hush_config_free(). */
int hush_config_new(hush_config **out);

/* Parse a file; errors read "FILE:LINE:COL: message". */
int hush_config_load(hush_config **out, const char *path);
int hush_config_parse(hush_config **out, const char *name, const char *data, size_t len);
void hush_config_free(hush_config *cfg);

/* true when the repository-relative path is allowlisted */
bool hush_config_path_allowed(const hush_config *cfg, const char *relpath);
bool hush_config_fingerprint_allowed(const hush_config *cfg, const char *fingerprint);

/*
 * true when a finding of rule_id in relpath with this secret is suppressed by the global regexes or stopwords,
 * or by the paths, regexes or stopwords listed for its rule under allow.rules. Thread-safe.
 */
bool hush_config_finding_allowed(const hush_config *cfg, const char *rule_id, const char *relpath,
				 const char *secret, size_t secret_len);

/*
 * Read a .hushignore: one fingerprint a line (32 hex digits), '#' starts a comment, blank lines are skipped.
 * A missing file is not an error (*cfg is left alone). When *cfg is NULL and the file exists, a default config is
 * created to hold its fingerprints. Errors read "FILE:LINE:COL: message" and never quote the line.
 */
int hush_config_load_ignore(hush_config **cfg, const char *path);
int hush_config_parse_ignore(hush_config *cfg, const char *name, const char *data, size_t len);

/* The environment called name in environments:, or NULL. Borrowed. */
const hush_config_env *hush_config_env_find(const hush_config *cfg, const char *name);

/* Check each rule id under allow.rules with known(); the first unknown one is an error
 * "FILE:LINE:COL: unknown rule 'ID' in allow.rules". */
int hush_config_check_rule_ids(const hush_config *cfg, bool (*known)(const char *id, void *payload), void *payload);

#endif
