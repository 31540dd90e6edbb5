/*
 * fuzz_dotenv.c: the dotenv importer (hush_dotenv_parse) on any bytes, and its writer (hush_dotenv_quote).
 *
 * Properties: names are valid variable names, each once; values hold no NUL; every entry written back as
 * NAME="quoted value" lines parses again to the same names and the same bytes (the round trip of `hush vault
 * export` then `import`); errors name the origin and a line, and never quote the input.
 */
#include <stdbool.h>

#include "fuzz_common.h"
#include "hush/dotenv.h"
#include "hush/error.h"
#include "hush/vault.h"

static int sink(void *ctx, const void *data, size_t len)
{
	fuzz_buf_put(ctx, data, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hush_dotenv *d = NULL, *back = NULL;
	fuzz_buf out = { 0 };
	size_t n, lines = 1;
	int err = hush_dotenv_parse(&d, (const char *)data, size, "fuzz.env");

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (err) {
		FUZZ_CHECK(d == NULL, "a failed parse returned entries");
		FUZZ_CHECK(err == HUSH_EINVALID, "error %d: %s", err, hush_error_last());
		FUZZ_CHECK(!strncmp(hush_error_last(), "fuzz.env:", 9), "message without its origin: %s",
			   hush_error_last());
		hush_error_clear();
		return 0;
	}
	n = hush_dotenv_count(d);
	for (size_t i = 0; i < n; i++) {
		const char *name = hush_dotenv_name_at(d, i);
		const hush_secret *v = hush_dotenv_value_at(d, i);

		FUZZ_CHECK(hush_vault_name_valid(name), "invalid name '%s'", name);
		FUZZ_CHECK(hush_dotenv_line_at(d, i) >= 1 && hush_dotenv_line_at(d, i) <= lines, "line %zu of %zu",
			   hush_dotenv_line_at(d, i), lines);
		FUZZ_CHECK(!memchr(hush_secret_data(v), 0, hush_secret_len(v)), "a NUL in the value of '%s'", name);
		FUZZ_CHECK(hush_secret_data(v)[hush_secret_len(v)] == 0, "value of '%s' not NUL-terminated", name);
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(hush_dotenv_name_at(d, k), name), "'%s' twice", name);
		fuzz_buf_put(&out, name, strlen(name));
		fuzz_buf_put(&out, "=", 1);
		FUZZ_CHECK(hush_dotenv_quote(hush_secret_data(v), hush_secret_len(v), sink, &out) == 0, "quote failed");
		fuzz_buf_put(&out, "\n", 1);
	}
	err = hush_dotenv_parse(&back, out.p ? (const char *)out.p : "", out.len, "written.env");
	FUZZ_CHECK(err == 0, "the written file does not parse: %s", hush_error_last());
	FUZZ_CHECK(hush_dotenv_count(back) == n, "%zu entries written, %zu read back", n, hush_dotenv_count(back));
	for (size_t i = 0; i < n; i++) {
		const hush_secret *a = hush_dotenv_value_at(d, i), *b = hush_dotenv_value_at(back, i);

		FUZZ_CHECK(!strcmp(hush_dotenv_name_at(d, i), hush_dotenv_name_at(back, i)), "names differ at %zu", i);
		FUZZ_CHECK(hush_secret_len(a) == hush_secret_len(b) &&
				   !memcmp(hush_secret_data(a), hush_secret_data(b), hush_secret_len(a)),
			   "the value of '%s' does not survive the round trip", hush_dotenv_name_at(d, i));
	}
	hush_dotenv_free(back);
	hush_dotenv_free(d);
	fuzz_buf_free(&out);
	hush_error_clear();
	return 0;
}
