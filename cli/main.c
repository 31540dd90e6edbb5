/* main.c: the hush command table, global options, help and version, and helpers shared by the commands. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <hs/hs.h>
#include <pcre2.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/remote_cmds.h"
#include "hush/error.h"
#include "hush/remote.h"
#include "hush/scan.h"
#include "common/gitlib.h"
#include "common/util.h"
#include "common/banned.h"

const char *cli_progname = "hush";

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const char help_usage[] = "usage: hush help [COMMAND]\n\nShow the help of a command, or list the commands.\n";
static const char version_usage[] =
	"usage: hush version\n\nPrint the version of hush and of the libraries it uses, and the rule count.\n";

static const cli_command commands[] = {
	{ "scan", cmd_scan, "scan files, directories or stdin for leaked secrets", cmd_scan_usage },
	{ "rules", cmd_rules, "list the rules, or check that every rule passes its examples", cmd_rules_usage },
	{ "hook", cmd_hook, "gate commits and pushes: pre-commit, pre-push, pre-receive; install", cmd_hook_usage },
	{ "vault", cmd_vault, "per-environment encrypted secrets: init, set, get, ls, rm", cmd_vault_usage },
	{ "run", cmd_run, "run a command with an environment's secrets, its output redacted", cmd_run_usage },
	{ "redact", cmd_redact, "mask secret values (and their encodings) in a stream: stdin to stdout", cmd_redact_usage },
	{ "audit", cmd_audit, "show the audit log of secret access, filtered", cmd_audit_usage },
	{ "help", cmd_help, "show help for a command", help_usage },
	{ "version", cmd_version, "print versions and the rule count", version_usage },
};

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hush: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hush: warning: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage_overview(FILE *fp)
{
	fprintf(fp, "usage: hush [--version] [--help] COMMAND [ARGS]\n\n"
		    "hush finds leaked credentials in files, directories and streams.\n\nCommands:\n");
	for (size_t i = 0; i < HUSH_ARRAY_SIZE(commands); i++)
		fprintf(fp, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nRun 'hush help COMMAND' or 'hush COMMAND --help' for the options of a command.\n"
		    "Exit status: 0 clean, 1 findings, 2 error.\n");
}

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < HUSH_ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const cli_command *c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_overview(stdout);
		return EXIT_CLEAN;
	}
	if (!(c = find_command(argv[1]))) {
		cli_error("unknown command '%s'; run 'hush help' for the list", argv[1]);
		return EXIT_ERROR;
	}
	fputs(c->usage, stdout);
	return EXIT_CLEAN;
}

static int cmd_version(int argc, char **argv)
{
	hush_ruleset *rs = NULL;
	char pcre_version[64] = "?";
	int major, minor, rev;
	size_t nrules = 0;

	(void)argc;
	(void)argv;
	pcre2_config(PCRE2_CONFIG_VERSION, pcre_version);
	if (hush__git_load() != 0) { /* loaded with dlopen (common/gitlib.h): report a broken install clearly */
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	git_libgit2_version(&major, &minor, &rev);
	if (hush_ruleset_new(&rs) == 0 && hush_ruleset_add_builtin(rs, false) == 0)
		nrules = hush_ruleset_count(rs);
	printf("hush %s\n", HUSH_VERSION);
	printf("libhs (vectorscan) %s\n", hs_version());
	printf("PCRE2 %s\n", pcre_version);
	printf("libgit2 %d.%d.%d\n", major, minor, rev);
	printf("libsodium %s\n", sodium_version_string());
	printf("rules %zu built-in\n", nrules);
	hush_ruleset_free(rs);
	return EXIT_CLEAN;
}

char *cli_find_root(const char *path)
{
	struct stat st;
	char *root = NULL, *abs;

	if (hush_repo_root(&root, path) == 0)
		return root;
	abs = realpath(path, NULL);
	if (abs && stat(abs, &st) == 0 && S_ISDIR(st.st_mode))
		return abs;
	free(abs);
	return getcwd(NULL, 0);
}

int cli_load_config(hush_config **out, const rule_options *ro, const char *root)
{
	char *path = NULL;
	struct stat st;
	int err = 0;

	*out = NULL;
	if (ro->no_config)
		return 0;
	if (ro->config_path) {
		path = hush__strdup(ro->config_path);
	} else {
		path = hush__path_join(root, ".hush.yml");
		if (path && stat(path, &st) < 0) {
			free(path);
			return 0;
		}
	}
	if (!path || (err = hush_config_load(out, path)) != 0) {
		cli_error("%s", hush_error_last());
		free(path);
		return EXIT_ERROR;
	}
	free(path);
	return 0;
}

int cli_load_rules(hush_ruleset **out, const rule_options *ro, const hush_config *cfg, const char *root)
{
	hush_ruleset *rs = NULL;
	bool builtin = !ro->no_builtin && (!cfg || cfg->builtin_rules);
	int err;

	*out = NULL;
	if ((err = hush_ruleset_new(&rs)) != 0)
		goto fail;
	if (builtin && (err = hush_ruleset_add_builtin(rs, ro->with_examples)) != 0)
		goto fail;
	for (size_t i = 0; cfg && i < cfg->nrules; i++) {
		char *p = cfg->rules[i][0] == '/' ? hush__strdup(cfg->rules[i]) : hush__path_join(root, cfg->rules[i]);

		err = p ? hush_ruleset_add_path(rs, p) : HUSH_ENOMEM;
		free(p);
		if (err)
			goto fail;
	}
	for (size_t i = 0; i < ro->nrule_paths; i++)
		if ((err = hush_ruleset_add_path(rs, ro->rule_paths[i])) != 0)
			goto fail;
	for (size_t i = 0; cfg && i < cfg->ndisable_rules; i++)
		if ((err = hush_ruleset_disable(rs, cfg->disable_rules[i])) != 0) {
			hush_error_prefix("%s: disable_rules", cfg->path);
			goto fail;
		}
	for (size_t i = 0; i < ro->ndisabled; i++)
		if ((err = hush_ruleset_disable(rs, ro->disabled[i])) != 0) {
			hush_error_prefix("--disable-rule");
			goto fail;
		}
	if (hush_ruleset_count(rs) == 0) {
		hush_error_set("no rules left to scan with");
		err = HUSH_EINVALID;
		goto fail;
	}
	*out = rs;
	return 0;
fail:
	cli_error("%s", hush_error_last());
	hush_ruleset_free(rs);
	return EXIT_ERROR;
}

typedef struct {
	const hush_ruleset *rs;
	const hush_config *cfg;
	const rule_options *ro;
	hush_ruleset *builtin; /* loaded only when an id is not in the active rules */
} rule_lookup;

/* An id under allow.rules is known when it is loaded, disabled on purpose, or a built-in rule left out by
 * --no-builtin-rules: one .hush.yml then works with every combination of rule options, and typos still fail. */
static bool rule_known(const char *id, void *payload)
{
	rule_lookup *l = payload;

	if (hush_ruleset_find(l->rs, id))
		return true;
	for (size_t i = 0; l->cfg && i < l->cfg->ndisable_rules; i++)
		if (!strcmp(l->cfg->disable_rules[i], id))
			return true;
	for (size_t i = 0; i < l->ro->ndisabled; i++)
		if (!strcmp(l->ro->disabled[i], id))
			return true;
	if (!l->builtin && (hush_ruleset_new(&l->builtin) || hush_ruleset_add_builtin(l->builtin, false)))
		return false;
	return hush_ruleset_find(l->builtin, id) != NULL;
}

/* .hushignore at the repository root (unless --no-config), and a check of the rule ids under allow.rules. */
int cli_load_suppressions(hush_config **cfg, const rule_options *ro, const hush_ruleset *rs, const char *root)
{
	rule_lookup l = { rs, NULL, ro, NULL };
	char *path;
	int err;

	if (ro->no_config)
		return 0;
	if (!(path = hush__path_join(root, ".hushignore")))
		return cli_error("out of memory"), EXIT_ERROR;
	err = hush_config_load_ignore(cfg, path);
	free(path);
	if (!err) {
		l.cfg = *cfg;
		err = hush_config_check_rule_ids(*cfg, rule_known, &l);
		hush_ruleset_free(l.builtin);
	}
	if (err) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	return 0;
}

static int push_arg(const char ***v, size_t *n, const char *arg)
{
	const char **nv = hush__reallocarray((void *)*v, *n + 1, sizeof(char *));

	if (!nv)
		return -1;
	nv[(*n)++] = arg;
	*v = nv;
	return 0;
}

int cli_parse_confidence(hush_confidence *out, const char *name)
{
	if (!strcmp(name, "low"))
		*out = HUSH_CONFIDENCE_LOW;
	else if (!strcmp(name, "medium"))
		*out = HUSH_CONFIDENCE_MEDIUM;
	else if (!strcmp(name, "high"))
		*out = HUSH_CONFIDENCE_HIGH;
	else
		return -1;
	return 0;
}

int cli_rule_option(rule_options *ro, int opt, const char *arg)
{
	switch (opt) {
	case OPT_RULES: return push_arg(&ro->rule_paths, &ro->nrule_paths, arg) ? -1 : 1;
	case OPT_DISABLE_RULE: return push_arg(&ro->disabled, &ro->ndisabled, arg) ? -1 : 1;
	case OPT_NO_BUILTIN: ro->no_builtin = true; return 1;
	case OPT_CONFIG: ro->config_path = arg; return 1;
	case OPT_NO_CONFIG: ro->no_config = true; return 1;
	case OPT_NO_CACHE: ro->no_cache = true; return 1;
	default: return 0;
	}
}

/* A command's output that could not be written (a full disk, a closed pipe) is an error, not a success. */
static int finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write to standard output: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}

static void remote_warning(const char *msg)
{
	cli_warning("%s", msg);
}

int main(int argc, char **argv)
{
	const cli_command *c;
	int rc;

	if (argc < 2) {
		usage_overview(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return finish(cmd_version(argc - 1, argv + 1));
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_overview(stdout);
		return finish(EXIT_CLEAN);
	}
	if (!(c = find_command(argv[1]))) {
		cli_error("unknown command '%s'; run 'hush help' for the list", argv[1]);
		return EXIT_ERROR;
	}
	for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(c->usage, stdout);
			return finish(EXIT_CLEAN);
		}
	hush_remote_set_warn(remote_warning);
	rc = c->run(argc - 1, argv + 1);
	hush_git_init_wait(); /* before exit() runs the clean-up of libraries the thread is still loading */
	if (hush_remote_shutdown() != 0) /* revokes an AppRole token, if a command logged in */
		cli_warning("%s", hush_error_last());
	return finish(rc);
}

