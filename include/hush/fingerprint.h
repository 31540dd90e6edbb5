/*
 * hush/fingerprint.h: stable identities for findings.
 *
 * fingerprint = hex(BLAKE2b-128, keyed with BLAKE2b-256("hush-salt-v1" || salt), over
 *               "hush-fp-v1" || rule id || NUL || repository-relative path || NUL || secret)
 * It never includes line numbers or the raw value, so it survives edits above the secret, rebases and squashes.
 * Without the salt, a file of fingerprints does not let anyone test guesses of short secrets offline.
 */
#ifndef HUSH_FINGERPRINT_H
#define HUSH_FINGERPRINT_H

#include <stddef.h>

#define HUSH_FINGERPRINT_HEXLEN 32
#define HUSH_DEFAULT_SALT "hush-unsalted"

/* out receives HUSH_FINGERPRINT_HEXLEN hex digits and a NUL. */
void hush_fingerprint(char out[HUSH_FINGERPRINT_HEXLEN + 1], const char *salt, const char *rule_id,
		      const char *path, const char *secret, size_t secret_len);

/*
 * Find the repository salt source: the root commit reached by following first parents from HEAD of the repository
 * that contains path. out receives 40 hex digits. Returns HUSH_ENOTFOUND outside a repository or without commits,
 * HUSH_ERROR when libgit2 cannot be loaded; *shallow is 1 when the chain ends at a shallow boundary, 2 when it ends
 * at a missing commit in a repository that is not shallow (damaged), else 0 (when set, the salt differs between
 * clones).
 */
int hush_fingerprint_repo_salt(char out[41], const char *path, int *shallow);

#endif
