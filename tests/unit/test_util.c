/*
 * test_util.c: hush__read_file reads whole regular files exactly, within its cap, and refuses what is not one;
 * hush__memcasemem finds a needle in any mix of ASCII case, and folds nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "hush/buf.h"
#include "hush/error.h"

static char dir[] = "/tmp/hush-util-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write n bytes of a pattern to dir/name; the bytes are returned (malloc'd) for comparison. */
static char *make_file(const char *name, size_t n, char *path, size_t pathlen)
{
	char *data = malloc(n ? n : 1);
	FILE *f;

	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)(i * 131 + i / 7); /* NUL bytes included */
	snprintf(path, pathlen, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return data;
}

static void test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, 65536, 65537, 300000, 1 << 20 };
	char path[128];

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		hush_buf b = HUSH_BUF_INIT;
		char *want = make_file("f", sizes[i], path, sizeof(path));

		assert_int_equal(hush__read_file(&b, path, 1 << 20), 0);
		assert_int_equal(b.len, sizes[i]);
		assert_memory_equal(b.ptr, want, sizes[i]);
		assert_int_equal(b.ptr[b.len], '\0');
		hush_buf_dispose(&b);
		free(want);
	}
}

/* Exactly cap bytes is fine; one more is refused, and the message names the file. */
static void test_cap(void **state)
{
	hush_buf b = HUSH_BUF_INIT;
	char path[128];
	char *data = make_file("cap", 5000, path, sizeof(path));

	(void)state;
	assert_int_equal(hush__read_file(&b, path, 5000), 0);
	assert_int_equal(b.len, 5000);
	hush_buf_dispose(&b);
	assert_int_equal(hush__read_file(&b, path, 4999), HUSH_EINVALID);
	assert_non_null(strstr(hush_error_last(), "larger than 4999 bytes"));
	assert_non_null(strstr(hush_error_last(), path));
	hush_buf_dispose(&b);
	free(data);
}

/* A file whose size says 0 but that has content (/proc) is read to its end. */
static void test_proc(void **state)
{
	hush_buf b = HUSH_BUF_INIT;

	(void)state;
	assert_int_equal(hush__read_file(&b, "/proc/self/status", 1 << 20), 0);
	assert_true(b.len > 100);
	assert_non_null(strstr(b.ptr, "Name:"));
	assert_non_null(strstr(b.ptr, "VmPeak:")); /* well past the first line */
	hush_buf_dispose(&b);
}

/* A FIFO (which would block a plain read) and a folder are refused at once. */
static void test_not_regular(void **state)
{
	hush_buf b = HUSH_BUF_INIT;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(hush__read_file(&b, path, 1 << 20), HUSH_EIO);
	assert_int_equal(hush__read_file(&b, dir, 1 << 20), HUSH_EIO);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(hush__read_file(&b, path, 1 << 20), HUSH_EIO);
	assert_int_equal(b.len, 0);
	hush_buf_dispose(&b);
}

static void test_memcasemem(void **state)
{
	static const char hay[] = "aXb-Your_Token-FAKE\xc4@";
	size_t n = sizeof(hay) - 1;

	(void)state;
	assert_ptr_equal(hush__memcasemem(hay, n, "your_token", 10), hay + 4);
	assert_ptr_equal(hush__memcasemem(hay, n, "fake", 4), hay + 15);
	assert_ptr_equal(hush__memcasemem(hay, n, "AXB", 3), hay);
	assert_ptr_equal(hush__memcasemem(hay, n, "\xc4@", 2), hay + 19); /* the very end */
	assert_ptr_equal(hush__memcasemem(hay, n, "", 0), hay);
	assert_null(hush__memcasemem(hay, n, "\xe4@", 2)); /* bytes >= 0x80 are not folded */
	assert_null(hush__memcasemem(hay, n, "\xc4`", 2)); /* nor '@' into '`' (0x40 | 0x20) */
	assert_null(hush__memcasemem(hay, n, "token_", 6));
	assert_null(hush__memcasemem(hay, 3, "axb-", 4)); /* longer than the haystack */
	assert_null(hush__memcasemem(hay, n - 1, "\xc4@", 2)); /* cut by the length */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_memcasemem),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
