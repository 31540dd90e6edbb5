/* fingerprint.c: salted, line-independent finding fingerprints, and the per-repository salt. */
#include <git2.h>
#include <sodium.h>
#include <string.h>

#include "hush/error.h"
#include "hush/fingerprint.h"
#include "hush/scan.h"
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

int hush_fingerprint_repo_salt(char out[41], const char *path, int *shallow)
{
	git_repository *repo = NULL;
	git_commit *c = NULL, *parent;
	int rc = HUSH_ENOTFOUND;

	*shallow = 0;
	hush_git_init();
	if (git_repository_open_ext(&repo, path, 0, NULL) < 0)
		goto cleanup;
	if (git_revparse_single((git_object **)&c, repo, "HEAD^{commit}") < 0) {
		c = NULL;
		goto cleanup;
	}
	while (git_commit_parentcount(c) > 0) {
		if (git_commit_parent(&parent, c, 0) < 0) {
			*shallow = 1; /* the parent is missing: a shallow or damaged clone */
			break;
		}
		git_commit_free(c);
		c = parent;
	}
	if (git_repository_is_shallow(repo))
		*shallow = 1;
	git_oid_tostr(out, 41, git_commit_id(c));
	rc = 0;
cleanup:
	git_commit_free(c);
	git_repository_free(repo);
	return rc;
}
