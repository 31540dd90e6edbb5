/*
 * hush/config.h: the optional .hush.yml at the root of the scanned repository.
 *
 *   salt: "any string"              # fingerprint salt shared by everyone on the repository
 *   builtin_rules: true             # false: use only the rules listed below
 *   rules: [path, ...]              # extra rule files or folders, relative to the repository root
 *   disable_rules: [id, ...]
 *   allowlist:
 *     paths: [glob, ...]            # relative to the repository root; "dir/" covers the whole folder
 *     fingerprints: [hex, ...]      # findings to ignore
 */
#ifndef HUSH_CONFIG_H
#define HUSH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *path;            /* the file it came from */
	char *salt;            /* NULL when unset */
	bool builtin_rules;
	char **rules;          /* as written (relative to the repository root) */
	size_t nrules;
	char **disable_rules;
	size_t ndisable_rules;
	char **allow_paths;
	size_t nallow_paths;
	char **allow_fingerprints;
	size_t nallow_fingerprints;
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

#endif
