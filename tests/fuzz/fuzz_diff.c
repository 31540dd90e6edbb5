/*
 * fuzz_diff.c: the unified-diff scanner (hush_scan_diff: the diff parser, the new-side buffers and their line
 * maps, then the matcher with the full built-in catalogue) on any bytes, read from a memfd as from stdin.
 *
 * Properties: findings carry a path and a line from 1, sorted by path; the new sides are no larger than the diff.
 */
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "fuzz_matcher.h"
#include "hush/scan.h"

static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_matcher_init();
	if ((fd = memfd_create("fuzz-diff", MFD_CLOEXEC)) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hush_scan_options so = HUSH_SCAN_OPTIONS_INIT;
	hush_scan_result *res = NULL;
	int err;

	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size) || lseek(fd, 0, SEEK_SET))
		abort();
	so.threads = 1;
	so.salt = "fuzz"; /* not the root commit of whatever repository the fuzzer runs in */
	so.binary = size % 2 == 1;
	err = hush_scan_diff(&res, fuzz_matcher, fd, "fuzz.diff", &so);
	FUZZ_CHECK(err == 0, "error %d: %s", err, hush_error_last());
	FUZZ_CHECK(res != NULL, "no result");
	FUZZ_CHECK(res->stats.findings == res->count, "findings %zu, stats %llu", res->count,
		   (unsigned long long)res->stats.findings);
	/* each input line goes to at most one new side, as itself less its first byte plus a newline */
	FUZZ_CHECK(res->stats.bytes <= (uint64_t)size + 1, "%llu bytes scanned of %zu read",
		   (unsigned long long)res->stats.bytes, size);
	for (size_t i = 0; i < res->count; i++) {
		const hush_finding *f = &res->findings[i];

		FUZZ_CHECK(f->path && f->rule && f->line >= 1 && f->end_line >= f->line && f->column >= 1,
			   "finding %zu: path %s line %llu..%llu", i, f->path ? f->path : "(null)",
			   (unsigned long long)f->line, (unsigned long long)f->end_line);
		FUZZ_CHECK(i == 0 || strcmp(res->findings[i - 1].path, f->path) <= 0, "findings not sorted by path");
	}
	hush_scan_result_free(res);
	hush_error_clear();
	return 0;
}
