/* cli.h: shared pieces of the hush command-line front end. Only cli/ prints to the user or calls exit(). */
#ifndef HUSH_CLI_H
#define HUSH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "hush/config.h"
#include "hush/rules.h"
#include "hush/scan.h"

/* Exit statuses shared by every command. */
enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_ERROR = 2 };

typedef enum {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_JSONL,
	FORMAT_SARIF,    /* SARIF 2.1.0 for code scanning dashboards */
	FORMAT_CSV,      /* RFC 4180, formula injection neutralised */
	FORMAT_JUNIT,    /* JUnit XML for CI test reports */
	FORMAT_GITHUB,   /* GitHub Actions workflow commands (annotations) */
	FORMAT_GITLEAKS  /* gitleaks' JSON report */
} output_format;

/* Options that select the rules, shared by `scan` and `rules`. */
typedef struct {
	const char **rule_paths;
	size_t nrule_paths;
	const char **disabled;
	size_t ndisabled;
	bool no_builtin;
	const char *config_path; /* --config */
	bool no_config;
	bool no_cache;
	bool with_examples; /* load the built-in examples too (rules check) */
} rule_options;

typedef struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;
} cli_command;

extern const char *cli_progname;

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The repository root for a scan of path: the git work tree that holds it, else the folder itself. Malloc'd. */
char *cli_find_root(const char *path);

/* Load .hush.yml (or --config) from root; *out is NULL when there is none. Returns 0 or prints and returns 2. */
int cli_load_config(hush_config **out, const rule_options *ro, const char *root);

/* Build the ruleset from built-ins, config and options. Prints errors; returns 0 or EXIT_ERROR. */
int cli_load_rules(hush_ruleset **out, const rule_options *ro, const hush_config *cfg, const char *root);

/*
 * .hushignore at the repository root (unless --no-config) into *cfg (created when there was no .hush.yml), and
 * the check that every rule id under allow.rules is known. Prints errors; returns 0 or EXIT_ERROR.
 */
int cli_load_suppressions(hush_config **cfg, const rule_options *ro, const hush_ruleset *rs, const char *root);

/* "low", "medium" or "high" into *out; -1 for anything else. */
int cli_parse_confidence(hush_confidence *out, const char *name);

/* Parse --rules/--no-builtin-rules/--disable-rule/--config/--no-config/--no-cache. Returns 1 if handled. */
int cli_rule_option(rule_options *ro, int opt, const char *arg);

int cmd_scan(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_vault(int argc, char **argv);
int cmd_redact(int argc, char **argv);
int cmd_run(int argc, char **argv);

extern const char cmd_scan_usage[];
extern const char cmd_rules_usage[];
extern const char cmd_hook_usage[];
extern const char cmd_vault_usage[];
extern const char cmd_redact_usage[];
extern const char cmd_run_usage[];

/* Reports. */
int output_write(FILE *fp, output_format fmt, const hush_scan_result *res, bool color, bool redacted);
bool output_use_color(FILE *fp);

#endif
