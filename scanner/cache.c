/* cache.c: serialized vectorscan databases on disk, keyed by a hash of the rules and the libhs version. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "scanner/cache.h"
#include "common/util.h"
#include "hush/error.h"
#include "common/banned.h"

#define MAGIC "HUSHDB02"
#define ENTRY_CAP (256u << 20)
#define KEEP_ENTRIES 16              /* the most recently used entries a store keeps (each is up to a few MB) */
#define TEMP_STALE_SECONDS (24 * 3600) /* a temp file this old is the leftover of a write that died */

/*
 * header: magic[8] key[32] checksum[32] nrules(u64) dblen(u64), then widths, then the serialized database. The
 * checksum is a BLAKE2b of the widths, the database's length and a CRC-32C of the database: the CRC runs at the
 * speed of memory with SSE4.2 where a BLAKE2b of the 1.7 MB database took 2 ms of every small scan. It is there
 * for corruption (hs_deserialize_database's own CRC leaves the database's last bytes out); neither is a defence
 * against someone who can write the cache, who could recompute an unkeyed hash and owns the account anyway.
 */
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

/*
 * The entry's name carries the format (MAGIC's last two characters): versions of hush with different formats on one
 * machine (a hook and a CI job, say) then keep an entry each, where one name would have each rebuild (6 s) and
 * overwrite the other's entry on every run.
 */
static char *entry_path(const char *dir, const unsigned char key[32])
{
	char name[80], hex[65];

	hush__hex(hex, key, 32);
	snprintf(name, sizeof(name), "db-%.40s.%s.hs", hex, &MAGIC[6]);
	return hush__path_join(dir, name);
}

/* CRC-32C (Castagnoli, reflected 0x82f63b78), a byte at a time with a table, or 8 with SSE4.2's crc32. */
static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c >> 1 ^ (0x82f63b78u & (0u - (c & 1)));
		crc_table[i] = c;
	}
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t c, const unsigned char *p, size_t n)
{
	uint64_t c64 = c;

	for (; n >= 8; p += 8, n -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c64 = _mm_crc32_u64(c64, v);
	}
	c = (uint32_t)c64;
	for (; n; p++, n--)
		c = _mm_crc32_u8(c, *p);
	return c;
}
#endif

uint32_t hush__crc32c(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint32_t c = ~0u;

#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return ~crc32c_sse42(c, p, n);
#endif
	pthread_once(&crc_once, crc_init);
	for (; n; p++, n--)
		c = c >> 8 ^ crc_table[(c ^ *p) & 0xff];
	return ~c;
}

static void checksum(unsigned char out[32], const void *widths, size_t wlen, uint64_t dblen, const void *db)
{
	crypto_generichash_state st;
	uint32_t crc = hush__crc32c(db, (size_t)dblen);

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, widths, wlen);
	crypto_generichash_update(&st, (const unsigned char *)&dblen, sizeof(dblen));
	crypto_generichash_update(&st, (const unsigned char *)&crc, sizeof(crc));
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
	checksum(sum, b.ptr + sizeof(h), wlen, h.dblen, b.ptr + sizeof(h) + wlen);
	if (sodium_memcmp(sum, h.sum, 32) != 0)
		goto cleanup;
	if (hs_deserialize_database(b.ptr + sizeof(h) + wlen, h.dblen, db) != HS_SUCCESS) {
		*db = NULL;
		goto cleanup;
	}
	memcpy(widths, b.ptr + sizeof(h), wlen);
	rc = 0;
	/* used now: its modification time orders the entries for prune() (atime is not kept on most mounts) */
	(void)utimensat(AT_FDCWD, path, NULL, 0);
cleanup:
	hush_error_clear();
	free(path);
	hush_buf_dispose(&b);
	return rc;
}

typedef struct {
	char *name;
	struct timespec mtime;
} entry_info;

static int newest_first(const void *a, const void *b)
{
	const entry_info *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return strcmp(x->name, y->name);
}

/*
 * Keep the cache from growing without end (each version of hush and each set of rules has its own entry): after a
 * store, remove all but the KEEP_ENTRIES most recently used entries, and temp files of writes that died. Only names
 * of this module's own pattern are touched; a process still reading a removed entry has it open, and one that
 * looks for it afterwards compiles the rules again. Best effort: errors are ignored.
 */
static void prune(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	entry_info *v = NULL;
	size_t n = 0, alloc = 0;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat st;
		bool entry, temp;

		if (strncmp(de->d_name, "db-", 3) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		entry = len > 3 && !strcmp(de->d_name + len - 3, ".hs");
		temp = !entry && strstr(de->d_name, ".hs.") != NULL;
		if (temp && now - st.st_mtime > TEMP_STALE_SECONDS) {
			(void)unlinkat(dirfd(d), de->d_name, 0);
		} else if (entry && !hush__array_grow((void **)&v, &alloc, n, sizeof(*v)) &&
			   (v[n].name = hush__strdup(de->d_name)) != NULL) {
			v[n].mtime = st.st_mtim;
			n++;
		}
	}
	if (n > KEEP_ENTRIES) {
		qsort(v, n, sizeof(*v), newest_first);
		for (size_t i = KEEP_ENTRIES; i < n; i++)
			(void)unlinkat(dirfd(d), v[i].name, 0);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	closedir(d);
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
	checksum(h.sum, widths, wlen, h.dblen, bytes);
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
	else
		prune(dir);
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
