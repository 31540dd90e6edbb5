/* remote_cmds.h: environments from vault files and Vault paths, and the audit log, for the commands that read
 * secrets (run, vault get/export, redact -e, scan --vault), and `hush audit`. */
#ifndef HUSH_CLI_REMOTE_CMDS_H
#define HUSH_CLI_REMOTE_CMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "hush/audit.h"
#include "hush/config.h"
#include "hush/vault.h"

/* ---- cli/env_source.c ---- */

typedef struct {
	const char *root;               /* the repository root (for .hush.yml and relative backend names), or NULL */
	const char *dir;                /* the vault folder (ROOT/.hush or --dir), or NULL when only from is read */
	const char *env;                /* the environment, or NULL (only the from paths) */
	const hush_config *cfg;         /* environments: (may be NULL) */
	const char *const *from;        /* vault://... paths read after the environment (hush run --from) */
	size_t nfrom;
} cli_env_request;

typedef struct {
	hush_vault_plain *plain;  /* every value, sorted by name */
	char **backends;          /* "file:.hush/prod.json", "vault://secret/myapp/prod" */
	size_t nbackends;
	char *key_source;         /* where the private key came from (a file backend), or NULL */
	bool remote;              /* a Vault path was read */
} cli_env_result;

/*
 * The values of an environment: the vault file DIR/ENV.json, then the Vault path that .hush.yml's environments:
 * gives ENV, then each from path; a name in a later source overrides the earlier value (Vault over the file). The
 * vault file may be missing when ENV has a Vault path. Returns 0, or a HUSH_E* code with hush_error_last() set;
 * *out (disposed with cli_env_result_dispose) also holds the backends tried when it fails.
 */
int cli_env_load(cli_env_result *out, const cli_env_request *rq);
void cli_env_result_dispose(cli_env_result *r);
/* "file:" and path, relative to root when inside it. Malloc'd, or NULL. */
char *cli_file_backend(const char *root, const char *path);

/* ---- cli/audit.c ---- */

/*
 * .hush.yml at root, read once per process (NULL when there is none or root is NULL). Prints errors; returns 0 or
 * EXIT_ERROR.
 */
int cli_config_at(const hush_config **out, const char *root);

/*
 * Record e in the audit log, where cfg's audit: setting sends it (cfg NULL: none). A log that cannot be written is a
 * warning, or with audit: required an error: returns 0, or 1 when the command must fail (the error is printed).
 * e->argv0 NULL means hush's own argv[0]; e->repo NULL means root.
 */
int cli_audit(const hush_config *cfg, const char *root, hush_audit_event *e);

/* Record the outcome of a command that read env's values (r, and the names it used; argv0 as in
 * hush_audit_event), with the error of hush_error_last() when err is set. Returns as cli_audit. */
int cli_audit_values(const hush_config *cfg, const char *root, const char *command, const char *argv0, const char *env,
		     const cli_env_result *r, const char *const *names, size_t nnames, int err);

/* Record the outcome of a command that read env's values (names of plain, or the single name). Shorthand for the
 * vault, redact and scan commands. Returns as cli_audit. */
int cli_audit_env(const char *command, const char *root, const char *env, const cli_env_result *r, const char *name,
		  int err);

/* ---- cli/cmd_audit.c ---- */

int cmd_audit(int argc, char **argv);
extern const char cmd_audit_usage[];

#endif
