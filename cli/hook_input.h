/*
 * hook_input.h: parsing the lines git writes to the stdin of the pre-push and pre-receive hooks. Kept apart from
 * cmd_hook.c, and free of libgit2, so that the unit tests and the fuzzers (tests/fuzz/fuzz_hook_input.c) can call
 * it on any bytes.
 */
#ifndef HUSH_CLI_HOOK_INPUT_H
#define HUSH_CLI_HOOK_INPUT_H

#include <stddef.h>

#define HOOK_OID_HEXSZ 40

/* One ref update that adds commits (deletions are left out). */
typedef struct {
	char tip[HOOK_OID_HEXSZ + 1];  /* pre-push: <local sha>; pre-receive: <new sha>; never all zeros */
	char base[HOOK_OID_HEXSZ + 1]; /* pre-push: <remote sha>; pre-receive: <old sha>; all zeros for a new ref */
} hook_update;

typedef struct {
	hook_update *v; /* in the order of the input lines */
	size_t n, alloc;
} hook_updates;

/*
 * Parse pre-push input: lines '<local ref> <local sha> <remote ref> <remote sha>' (fields separated by spaces,
 * tabs or CRs; blank lines skipped; fields after the fourth ignored). Lines whose local sha is all zeros
 * (deletions) are skipped. Object ids are 40 lowercase hex digits. *out must be zeroed (or disposed) first.
 * Returns 0, HUSH_EINVALID ("cannot read the pre-push input line '...': expected ...", the line cut at 200
 * bytes) or HUSH_ENOMEM; on error *out holds what was read before and is disposed by the caller.
 */
int hook_parse_pre_push(hook_updates *out, const char *data, size_t len);

/* Parse pre-receive input: lines '<old sha> <new sha> <ref>', as above; lines whose new sha is zero are skipped. */
int hook_parse_pre_receive(hook_updates *out, const char *data, size_t len);

void hook_updates_dispose(hook_updates *u);

#endif
