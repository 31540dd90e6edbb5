/*
 * hush/audit.h: the audit log: one JSON line for every decryption or fetch of secrets.
 *
 * A line records who (user, uid, host, pid), when (UTC, milliseconds), where (the work tree and its HEAD commit),
 * what (the command, the argv[0] of the program that got the values, the environment, the secret names, the
 * backends: vault files and Vault paths, and where the private key came from) and the outcome. It never holds a
 * value. The file is $XDG_STATE_HOME/hush/audit.log (~/.local/state/hush/audit.log) unless HUSH_AUDIT_LOG names
 * another; each line is appended with one write(2) on a descriptor opened with O_APPEND, so concurrent writers
 * never interleave or overwrite each other's lines. Syslog (facility authpriv, tag "hush") is the other destination.
 */
#ifndef HUSH_AUDIT_H
#define HUSH_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "hush/buf.h"

enum { HUSH_AUDIT_FILE = 1, HUSH_AUDIT_SYSLOG = 2 };

typedef struct {
	int version;
	unsigned dest;    /* HUSH_AUDIT_FILE and/or HUSH_AUDIT_SYSLOG; 0 means the file */
	const char *path; /* NULL: HUSH_AUDIT_LOG, else the default path */
} hush_audit_options;
#define HUSH_AUDIT_OPTIONS_VERSION 1
#define HUSH_AUDIT_OPTIONS_INIT { HUSH_AUDIT_OPTIONS_VERSION, 0, NULL }

typedef struct {
	const char *command;             /* "run", "vault get", "vault export", "redact", "scan" */
	const char *argv0;               /* the program that got the values (run), else hush's own argv[0] */
	const char *env;                 /* the environment, or NULL (hush run --from) */
	const char *const *names;        /* the secret names, never values */
	size_t nnames;
	const char *const *backends;     /* "file:.hush/prod.json", "vault://secret/myapp/prod" */
	size_t nbackends;
	const char *vault_addr;          /* the Vault address when Vault was read (values or the key), or NULL */
	const char *key;                 /* where the private key came from, or NULL */
	const char *repo;                /* the work tree root, or NULL */
	bool ok;
	const char *error;               /* the error message when !ok (messages never hold values) */
} hush_audit_event;

/* The default file: $XDG_STATE_HOME/hush/audit.log, or ~/.local/state/hush/audit.log. Malloc'd, or NULL. */
char *hush_audit_default_path(void);
/* HUSH_AUDIT_LOG when set, else the default. Malloc'd, or NULL. */
char *hush_audit_path(void);

/* The line for e, stamped with the current time (HUSH_NOW, seconds, replaces the clock), ending in '\n'. */
int hush_audit_format(hush_buf *out, const hush_audit_event *e);

/*
 * Append e's line to each destination of o. Returns 0, or HUSH_EIO with "cannot write the audit log 'PATH': why"
 * (or "cannot send the audit record to syslog (SOCKET): why"). The syslog socket is /dev/log unless
 * HUSH_SYSLOG_SOCKET names another.
 */
int hush_audit_write(const hush_audit_options *o, const hush_audit_event *e);

/* The commit HEAD points at in the work tree root (hex), read without libgit2: .git as a folder or a "gitdir:"
 * file (worktrees, submodules), loose and packed refs. NULL when there is none. Malloc'd. */
char *hush_audit_git_head(const char *root);

#endif
