/* cache.c: serialized vectorscan databases on disk, keyed by a hash of the rules and the libhs version. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/cache.h"
#include "common/util.h"
#include "hush/error.h"
#include "common/banned.h"

#define MAGIC "HUSHDB01"
#define ENTRY_CAP (256u << 20)

/* header: magic[8] key[32] checksum[32] nrules(u64) dblen(u64), then widths, then the serialized database */
struct header {
	char magic[8];
	unsigned char key[32];
	unsigned char sum[32];
	uint64_t nrules;
	uint64_t dblen;
};

char *hush__cache_dir(const char *option)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *base, *dir;

	if (option)
		return option[0] ? hush__strdup(option) : NULL;
	if (x && x[0] == '/')
		return hush__path_join(x, "hush");
	if (!home || home[0] != '/')
		return NULL;
	base = hush__path_join(home, ".cache");
	if (!base)
		return NULL;
	dir = hush__path_join(base, "hush");
	free(base);
	return dir;
}

static char *entry_path(const char *dir, const unsigned char key[32])
{
	char name[80], hex[65];

	hush__hex(hex, key, 32);
	snprintf(name, sizeof(name), "db-%.40s.hs", hex);
	return hush__path_join(dir, name);
}

static void checksum(unsigned char out[32], const void *a, size_t alen, const void *b, size_t blen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, a, alen);
	crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, 32);
}

int hush__cache_load(const char *dir, const unsigned char key[32], size_t nrules, hs_database_t **db,
		     hush__rule_width *widths)
{
	hush_buf b = HUSH_BUF_INIT;
	struct header h;
	char *path = entry_path(dir, key);
	unsigned char sum[32];
	size_t wlen = nrules * sizeof(hush__rule_width);
	int rc = HUSH_ENOTFOUND;

	*db = NULL;
	if (!path || hush__read_file(&b, path, ENTRY_CAP) != 0)
		goto cleanup;
	if (b.len < sizeof(h))
		goto cleanup;
	memcpy(&h, b.ptr, sizeof(h));
	if (memcmp(h.magic, MAGIC, 8) || memcmp(h.key, key, 32) || h.nrules != nrules ||
	    h.dblen != b.len - sizeof(h) - wlen || b.len < sizeof(h) + wlen)
		goto cleanup;
	checksum(sum, b.ptr + sizeof(h), wlen, b.ptr + sizeof(h) + wlen, h.dblen);
	if (sodium_memcmp(sum, h.sum, 32) != 0)
		goto cleanup;
	if (hs_deserialize_database(b.ptr + sizeof(h) + wlen, h.dblen, db) != HS_SUCCESS) {
		*db = NULL;
		goto cleanup;
	}
	memcpy(widths, b.ptr + sizeof(h), wlen);
	rc = 0;
cleanup:
	hush_error_clear();
	free(path);
	hush_buf_dispose(&b);
	return rc;
}

void hush__cache_store(const char *dir, const unsigned char key[32], const hs_database_t *db,
		       const hush__rule_width *widths, size_t nrules)
{
	struct header h;
	char *bytes = NULL, *path = NULL, *tmp = NULL;
	size_t len = 0, wlen = nrules * sizeof(hush__rule_width);
	int fd = -1;

	if (hush__mkdir_p(dir, 0700) < 0 || hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		goto cleanup;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, 8);
	memcpy(h.key, key, 32);
	h.nrules = nrules;
	h.dblen = len;
	checksum(h.sum, widths, wlen, bytes, len);
	if (!(path = entry_path(dir, key)) || !(tmp = hush__malloc(strlen(path) + 8)))
		goto cleanup;
	snprintf(tmp, strlen(path) + 8, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		goto cleanup;
	if (hush__write_all(fd, &h, sizeof(h)) || hush__write_all(fd, widths, wlen) || hush__write_all(fd, bytes, len) || close(fd)) {
		fd = -1;
		unlink(tmp);
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		unlink(tmp);
cleanup:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(bytes);
	free(path);
	free(tmp);
	hush_error_clear();
}
