/*
 * fuzz_hook.c: the parsers of git's pre-push and pre-receive hook input (cli/hook_input.c) on any bytes.
 *
 * Properties: every update holds two 40-digit lowercase hex ids and a tip that is not all zeros; there are no
 * more updates than lines; errors quote at most 200 bytes of the line and say what was expected.
 */
#include <stdbool.h>

#include "fuzz_common.h"
#include "cli/hook_input.h"
#include "hush/error.h"

static bool hex40(const char *s)
{
	if (strlen(s) != HOOK_OID_HEXSZ)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void check(const hook_updates *u, int err, size_t lines, const char *what)
{
	if (err) {
		FUZZ_CHECK(err == HUSH_EINVALID, "%s: error %d", what, err);
		FUZZ_CHECK(!strncmp(hush_error_last(), "cannot read the ", 16) && strstr(hush_error_last(), "': expected '"),
			   "%s: message '%s'", what, hush_error_last());
		FUZZ_CHECK(strlen(hush_error_last()) < 400, "%s: message of %zu bytes", what, strlen(hush_error_last()));
	}
	FUZZ_CHECK(u->n <= lines, "%s: %zu updates from %zu lines", what, u->n, lines);
	for (size_t i = 0; i < u->n; i++) {
		FUZZ_CHECK(hex40(u->v[i].tip) && hex40(u->v[i].base), "%s: update %zu holds a bad id", what, i);
		FUZZ_CHECK(strspn(u->v[i].tip, "0") != HOOK_OID_HEXSZ, "%s: update %zu is a deletion", what, i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hook_updates u = { NULL, 0, 0 };
	size_t lines = 1;
	int err;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	err = hook_parse_pre_push(&u, (const char *)data, size);
	check(&u, err, lines, "pre-push");
	hook_updates_dispose(&u);
	err = hook_parse_pre_receive(&u, (const char *)data, size);
	check(&u, err, lines, "pre-receive");
	hook_updates_dispose(&u);
	hush_error_clear();
	return 0;
}
