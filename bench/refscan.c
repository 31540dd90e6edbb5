/*
 * bench/refscan.c: the reference that issue 2 gives for this machine's speed: "one vectorscan prefilter database
 * built from 220 token regexes scans /usr/include at about 500 MB/s on one thread". bench/scan.sh times it in the
 * same rounds as hush, so a reader can tell a slow machine from slow code.
 *
 *   refscan build PATTERNS DB   compile PATTERNS (one expression per line) with HS_FLAG_PREFILTER into one
 *                               block-mode database, serialized to DB
 *   refscan scan DB DIR         read every regular file under DIR (read(), symlinks not followed) and scan it with
 *                               DB on this thread; prints "files bytes matches"
 *
 * It does only that: no confirmation, no decoding, no report, so it is a floor for what hush does per byte.
 * Built by bench/scan.sh with cc and pkg-config libhs; not part of hush.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <hs/hs.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static hs_database_t *db;
static hs_scratch_t *scratch;
static char *buf;
static size_t cap;
static unsigned long long files, bytes, matches;

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(void)ctx;
	matches++;
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(p = malloc((size_t)n + 1)) || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "refscan: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	p[n] = '\0';
	return p;
}

static int build(const char *patterns, const char *out)
{
	size_t len, n = 0;
	char *text = slurp(patterns, &len), *line, *save = NULL, *ser = NULL;
	const char **exprs = calloc(len + 1, sizeof(*exprs));
	unsigned *flags = calloc(len + 1, sizeof(*flags)), *ids = calloc(len + 1, sizeof(*ids));
	hs_compile_error_t *err = NULL;
	FILE *f;

	if (!exprs || !flags || !ids)
		return 2;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		exprs[n] = line;
		flags[n] = HS_FLAG_PREFILTER;
		ids[n] = (unsigned)n;
		n++;
	}
	if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
		fprintf(stderr, "refscan: expression %d: %s\n", err ? err->expression : -1,
			err ? err->message : "cannot compile");
		return 2;
	}
	if (hs_serialize_database(db, &ser, &len) != HS_SUCCESS || !(f = fopen(out, "wb")) ||
	    fwrite(ser, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "refscan: cannot write %s\n", out);
		return 2;
	}
	printf("%zu expressions\n", n);
	return 0;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int fd;
	size_t got = 0;
	ssize_t r;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if ((uint64_t)st->st_size >= UINT_MAX) /* (hs_scan takes an unsigned length) */
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	if ((size_t)st->st_size + 1 > cap) {
		/*
		 * page-aligned, as hush's own read buffer: on this project's VM the kernel's copy into a buffer that
		 * starts 16 bytes into a page (where malloc puts a large block) runs at about half speed
		 */
		cap = (size_t)st->st_size + 1;
		free(buf);
		buf = NULL;
		if (posix_memalign((void **)&buf, 4096, cap) != 0) {
			close(fd);
			return -1;
		}
	}
	while (got < cap && (r = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)r;
	close(fd);
	files++;
	bytes += got;
	if (got && hs_scan(db, buf, (unsigned)got, 0, scratch, on_match, NULL) != HS_SUCCESS)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "build"))
		return build(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "scan")) {
		size_t len;
		char *ser = slurp(argv[2], &len);

		if (hs_deserialize_database(ser, len, &db) != HS_SUCCESS || hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
			fprintf(stderr, "refscan: %s is not a database for this libhs; build it again\n", argv[2]);
			return 2;
		}
		if (nftw(argv[3], visit, 64, FTW_PHYS) != 0) {
			fprintf(stderr, "refscan: the scan of %s failed\n", argv[3]);
			return 2;
		}
		printf("%llu %llu %llu\n", files, bytes, matches);
		return 0;
	}
	fprintf(stderr, "usage: refscan build PATTERNS DB | refscan scan DB DIR\n");
	return 2;
}
