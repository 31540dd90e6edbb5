/* audit.c: the commands' side of the audit log: .hush.yml's audit: setting, warnings, and audit: required. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/remote_cmds.h"
#include "hush/error.h"
#include "hush/remote.h"
#include "common/util.h"
#include "common/banned.h"

static hush_config *config_cache;
static char *config_root;
static bool registered;

static void free_config_cache(void)
{
	hush_config_free(config_cache);
	free(config_root);
	config_cache = NULL;
	config_root = NULL;
}

int cli_config_at(const hush_config **out, const char *root)
{
	struct stat st;
	char *path;
	int err;

	*out = NULL;
	if (!root)
		return 0;
	if (config_root && !strcmp(config_root, root)) {
		*out = config_cache;
		return 0;
	}
	if (!(path = hush__path_join(root, ".hush.yml"))) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	if (stat(path, &st) != 0) {
		free(path);
		return 0;
	}
	if (!registered)
		registered = atexit(free_config_cache) == 0;
	free_config_cache();
	err = hush_config_load(&config_cache, path);
	free(path);
	if (err) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	config_root = hush__strdup(root);
	*out = config_cache;
	return 0;
}

int cli_audit(const hush_config *cfg, const char *root, hush_audit_event *e)
{
	hush_audit_options o = HUSH_AUDIT_OPTIONS_INIT;

	o.dest = cfg ? cfg->audit_dest : 0; /* the HUSH_CONFIG_AUDIT_* bits are the HUSH_AUDIT_* bits */
	if (!e->argv0)
		e->argv0 = program_invocation_name;
	if (!e->repo)
		e->repo = root;
	if (hush_audit_write(&o, e) == 0)
		return 0;
	if (cfg && cfg->audit_required) {
		cli_error("%s (audit: required in %s)", hush_error_last(), cfg->path ? cfg->path : ".hush.yml");
		return 1;
	}
	cli_warning("%s", hush_error_last());
	return 0;
}

int cli_audit_values(const hush_config *cfg, const char *root, const char *command, const char *argv0, const char *env,
		     const cli_env_result *r, const char *const *names, size_t nnames, int err)
{
	hush_audit_event e = { 0 };
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", err ? hush_error_last() : "");
	e.command = command;
	e.argv0 = argv0;
	e.env = env;
	e.names = names;
	e.nnames = nnames;
	e.backends = (const char *const *)r->backends;
	e.nbackends = r->nbackends;
	e.vault_addr = hush_remote_address(); /* set when this process used Vault (values or the key) */
	e.key = r->key_source;
	e.ok = !err;
	e.error = err ? msg : NULL;
	return cli_audit(cfg, root, &e);
}

int cli_audit_env(const char *command, const char *root, const char *env, const cli_env_result *r, const char *name,
		  int err)
{
	const hush_config *cfg = NULL;
	const char **names = NULL;
	size_t n = 0;
	int rc;

	if (cli_config_at(&cfg, root) != 0)
		return 1;
	if (name) {
		names = &name;
		n = 1;
	} else if (r->plain && (n = hush_vault_plain_count(r->plain)) &&
		   (names = hush__calloc(n, sizeof(*names)))) {
		for (size_t i = 0; i < n; i++)
			names[i] = hush_vault_plain_name(r->plain, i);
	} else {
		n = 0;
	}
	rc = cli_audit_values(cfg, root, command, NULL, env, r, names, n, err);
	if (!name)
		free(names);
	return rc;
}
