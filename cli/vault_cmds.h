/* vault_cmds.h: the `hush vault` subcommands that live outside cmd_vault.c, and what they are given. */
#ifndef HUSH_CLI_VAULT_CMDS_H
#define HUSH_CLI_VAULT_CMDS_H

#include "hush/vault.h"

typedef struct {
	const char *root; /* repository root (or the current directory) */
	const char *dir;  /* the vault folder: --dir, else ROOT/.hush */
	int argc;         /* the subcommand's own arguments, starting with ENV */
	char **argv;
} vault_args;

/* cmd_vault.c: shared by the subcommands */
/* SECURITY: call before any plaintext is held: no core file may ever contain it. */
void vault_no_core_dumps(void);
/* SECURITY: plaintext output goes to stdout with write(2), never through stdio's buffer. 0, or HUSH_EIO (set). */
int vault_write_stdout(const unsigned char *p, size_t len);
/* Seconds since the epoch; HUSH_NOW overrides the clock (tests). */
long long vault_now(void);
/*
 * *out: git's user.email (the repository's config, else the user's), or NULL when it is not set. Malloc'd.
 * Returns 0, or EXIT_ERROR (printed) when libgit2 cannot be loaded.
 */
int vault_git_user_email(char **out, const char *root);
/* The passphrase prompt on /dev/tty, not echoed (a hush_key_prompt_fn; `hush redact` uses it too). */
int vault_tty_passphrase(hush_secret **out, const char *prompt);

/* cmd_vault_io.c */
int vault_cmd_import(const vault_args *a);
int vault_cmd_export(const vault_args *a);
int vault_cmd_diff(const vault_args *a);

/* cmd_vault_keys.c */
int vault_cmd_rotate_key(const vault_args *a);
int vault_cmd_compact(const vault_args *a);
int vault_cmd_check(const vault_args *a);
int vault_cmd_passwd(const vault_args *a);

#endif
