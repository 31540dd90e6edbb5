/* fingerprint.c: salted, line-independent finding fingerprints, and the per-repository salt. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/fingerprint.h"
#include "hush/scan.h"
#include "common/gitlib.h"
#include "common/util.h"
#include "common/banned.h"

void hush_fingerprint(char out[HUSH_FINGERPRINT_HEXLEN + 1], const char *salt, const char *rule_id,
		      const char *path, const char *secret, size_t secret_len)
{
	static const unsigned char zero = 0;
	unsigned char key[32], digest[HUSH_FINGERPRINT_HEXLEN / 2];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(key));
	crypto_generichash_update(&st, (const unsigned char *)"hush-salt-v1", 12);
	crypto_generichash_update(&st, (const unsigned char *)salt, strlen(salt));
	crypto_generichash_final(&st, key, sizeof(key));

	crypto_generichash_init(&st, key, sizeof(key), sizeof(digest));
	crypto_generichash_update(&st, (const unsigned char *)"hush-fp-v1", 10);
	crypto_generichash_update(&st, (const unsigned char *)rule_id, strlen(rule_id));
	crypto_generichash_update(&st, &zero, 1);
	crypto_generichash_update(&st, (const unsigned char *)path, strlen(path));
	crypto_generichash_update(&st, &zero, 1);
	crypto_generichash_update(&st, (const unsigned char *)secret, secret_len);
	crypto_generichash_final(&st, digest, sizeof(digest));
	hush__hex(out, digest, sizeof(digest));
	sodium_memzero(key, sizeof(key));
}

/* The first parent of a commit, read raw. Returns 1 with *parent set, 0 for a root, -1 when unreadable. */
static int first_parent(git_odb *odb, const git_oid *id, git_oid *parent)
{
	git_odb_object *obj = NULL;
	const char *p, *end, *eol;
	int rc = 0;

	if (git_odb_read(&obj, odb, id) < 0)
		return -1;
	p = git_odb_object_data(obj);
	end = p + git_odb_object_size(obj);
	for (; p < end && (eol = memchr(p, '\n', (size_t)(end - p))) != NULL && eol != p; p = eol + 1) {
		if (eol - p >= 7 + GIT_OID_HEXSZ && !memcmp(p, "parent ", 7)) {
			rc = git_oid_fromstrn(parent, p + 7, GIT_OID_HEXSZ) == 0 ? 1 : -1;
			break;
		}
	}
	git_odb_object_free(obj);
	return rc;
}

/* Whether dir/name exists: with want_dir, as a folder (following symlinks); else as any entry (not following). */
static bool has_entry(const char *dir, const char *name, bool want_dir)
{
	char *p = hush__path_join(dir, name);
	struct stat st;
	bool yes;

	if (!p)
		return true; /* out of memory: let libgit2 decide */
	yes = want_dir ? stat(p, &st) == 0 && S_ISDIR(st.st_mode) : lstat(p, &st) == 0;
	free(p);
	return yes;
}

/*
 * Whether libgit2's discovery could find a repository at or above path: a folder on the way up holds a .git entry
 * or looks like a git directory itself (HEAD, objects/ and refs/: a bare repository). Answered without libgit2, so
 * a scan with findings outside any repository does not load and start libgit2 (about 10 ms) only to learn that.
 * Errs on the side of yes.
 */
static bool may_be_in_repo(const char *path)
{
	char *dir = realpath(path, NULL);
	bool maybe = false;

	if (!dir)
		return true;
	for (;;) {
		char *slash;

		if (has_entry(dir, ".git", false) ||
		    (has_entry(dir, "HEAD", false) && has_entry(dir, "objects", true) && has_entry(dir, "refs", true))) {
			maybe = true;
			break;
		}
		slash = strrchr(dir, '/');
		if (!slash || !slash[1]) /* "/" done */
			break;
		slash[slash == dir] = '\0'; /* "/a" becomes "/", "/a/b" becomes "/a" */
	}
	free(dir);
	return maybe;
}

/*
 * The root is found by following first parents from HEAD, which costs a read per commit. The answer is cached in
 * $GIT_DIR/hush-root as "HEAD-then root": the next walk stops as soon as it meets that commit, so a hook on a long
 * history pays for a few commits, not for all of them.
 */
int hush_fingerprint_repo_salt(char out[41], const char *path, int *shallow)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	git_oid head, c, parent, cached_head, cached_root;
	hush_buf cache = HUSH_BUF_INIT;
	char *cache_path = NULL, line[2 * GIT_OID_HEXSZ + 8];
	bool have_cache = false;
	int rc = HUSH_ENOTFOUND, step;

	*shallow = 0;
	if (!may_be_in_repo(path))
		return HUSH_ENOTFOUND;
	if (hush_git_init() != 0)
		return HUSH_ERROR;
	if (hush_repo_open(&repo, path) < 0 || git_repository_odb(&odb, repo) < 0 ||
	    git_reference_name_to_id(&head, repo, "HEAD") < 0)
		goto cleanup;
	cache_path = hush__path_join(git_repository_path(repo), "hush-root");
	if (cache_path && hush__read_file(&cache, cache_path, 4096) == 0 && cache.len >= 2 * GIT_OID_HEXSZ + 1 &&
	    git_oid_fromstrn(&cached_head, cache.ptr, GIT_OID_HEXSZ) == 0 &&
	    git_oid_fromstrn(&cached_root, cache.ptr + GIT_OID_HEXSZ + 1, GIT_OID_HEXSZ) == 0)
		have_cache = true;
	hush_error_clear();
	c = head;
	for (;;) {
		if (have_cache && git_oid_equal(&c, &cached_head)) {
			c = cached_root;
			break;
		}
		if ((step = first_parent(odb, &c, &parent)) < 0)
			goto cleanup; /* HEAD itself is unreadable */
		if (step == 0)
			break;
		if (!git_odb_exists(odb, &parent)) { /* a shallow or damaged clone: the chain ends here */
			*shallow = 2; /* 1 below when the repository is shallow */
			break;
		}
		c = parent;
	}
	if (git_repository_is_shallow(repo))
		*shallow = 1;
	git_oid_tostr(out, 41, &c);
	rc = 0;
	if (cache_path && !*shallow && (!have_cache || !git_oid_equal(&head, &cached_head))) {
		char tmp[4096];
		FILE *f;

		git_oid_tostr(line, GIT_OID_HEXSZ + 1, &head);
		snprintf(line + GIT_OID_HEXSZ, sizeof(line) - GIT_OID_HEXSZ, " %s\n", out);
		snprintf(tmp, sizeof(tmp), "%s.%ld", cache_path, (long)getpid());
		if ((f = fopen(tmp, "w")) != NULL) { /* a cache: failures only cost time next run */
			if (fputs(line, f) < 0 || fclose(f) != 0 || rename(tmp, cache_path) != 0)
				unlink(tmp);
		}
	}
cleanup:
	hush_buf_dispose(&cache);
	free(cache_path);
	git_odb_free(odb);
	git_repository_free(repo);
	return rc;
}
