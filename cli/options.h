/* options.h: long-option codes shared by the commands. */
#ifndef HUSH_CLI_OPTIONS_H
#define HUSH_CLI_OPTIONS_H

enum {
	OPT_RULES = 256,
	OPT_DISABLE_RULE,
	OPT_NO_BUILTIN,
	OPT_CONFIG,
	OPT_NO_CONFIG,
	OPT_NO_CACHE,
	OPT_FORMAT,
	OPT_REPORT,
	OPT_SHOW_SECRETS,
	OPT_NO_IGNORE,
	OPT_BINARY,
	OPT_MAX_FILE_SIZE,
	OPT_STRICT,
	OPT_QUIET,
	OPT_SALT,
	OPT_COLOR,
	OPT_HISTORY,
	OPT_BRANCH,
	OPT_SINCE_COMMIT,
	OPT_UNREACHABLE,
	OPT_ALL_OCCURRENCES,
	OPT_STATS,
	OPT_STAGED,
	OPT_DIFF,
	OPT_BASELINE,
	OPT_BASELINE_WRITE,
	OPT_NO_INLINE_ALLOW,
	OPT_VAULT,
	OPT_VAULT_DIR,
	OPT_DECODE,
	OPT_DECODE_DEPTH,
	OPT_MIN_CONFIDENCE,
	OPT_CROSS_RULE
};

#define RULE_LONG_OPTIONS \
	{ "rules", required_argument, NULL, OPT_RULES }, \
	{ "disable-rule", required_argument, NULL, OPT_DISABLE_RULE }, \
	{ "no-builtin-rules", no_argument, NULL, OPT_NO_BUILTIN }, \
	{ "config", required_argument, NULL, OPT_CONFIG }, \
	{ "no-config", no_argument, NULL, OPT_NO_CONFIG }, \
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE }

#define RULE_OPTIONS_HELP \
	"  --rules PATH            add rules from a YAML file or a folder of them (repeatable)\n" \
	"  --no-builtin-rules      use only the rules given with --rules or in .hush.yml\n" \
	"  --disable-rule ID       turn one rule off (repeatable)\n" \
	"  --config FILE           read this config instead of .hush.yml at the repository root\n" \
	"  --no-config             read no config file\n" \
	"  --no-cache              do not read or write the compiled-rules cache\n"

#endif
