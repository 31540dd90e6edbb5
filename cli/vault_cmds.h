/* vault_cmds.h: the `hush vault` subcommands that live outside cmd_vault.c, and what they are given. */
#ifndef HUSH_CLI_VAULT_CMDS_H
#define HUSH_CLI_VAULT_CMDS_H

typedef struct {
	const char *root; /* repository root (or the current directory) */
	const char *dir;  /* the vault folder: --dir, else ROOT/.hush */
	int argc;         /* the subcommand's own arguments, starting with ENV */
	char **argv;
} vault_args;

/* cmd_vault_io.c */
int vault_cmd_import(const vault_args *a);
int vault_cmd_export(const vault_args *a);
int vault_cmd_diff(const vault_args *a);

/* cmd_vault_keys.c */
int vault_cmd_rotate_key(const vault_args *a);
int vault_cmd_check(const vault_args *a);

#endif
