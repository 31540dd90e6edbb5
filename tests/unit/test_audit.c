/* test_audit.c: audit records (fields, order, escaping) and HEAD read without libgit2 (loose, packed, symbolic,
 * detached, worktrees, unborn branches). */
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
#include <jansson.h>

#include "common/util.h"
#include "hush/audit.h"
#include "hush/error.h"

#define OID1 "0123456789abcdef0123456789abcdef01234567"
#define OID2 "89abcdef0123456789abcdef0123456789abcdef"

static char tmp[256];

static void put(const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	slash = strrchr(path, '/');
	*slash = 0;
	assert_int_equal(hush__mkdir_p(path, 0700), 0);
	*slash = '/';
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/hush-audit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void head_is(const char *root, const char *want)
{
	char path[512], *got;

	snprintf(path, sizeof(path), "%s/%s", tmp, root);
	got = hush_audit_git_head(path);
	if (!want)
		assert_null(got);
	else if (!got || strcmp(got, want))
		fail_msg("%s: got %s, want %s", root, got ? got : "NULL", want);
	free(got);
}

static void test_git_head(void **state)
{
	(void)state;
	/* a branch, loose */
	put("a/.git/HEAD", "ref: refs/heads/main\n");
	put("a/.git/refs/heads/main", OID1 "\n");
	head_is("a", OID1);
	/* packed */
	put("b/.git/HEAD", "ref: refs/heads/topic\n");
	put("b/.git/packed-refs", "# pack-refs with: peeled fully-peeled sorted\n" OID2 " refs/heads/other\n" OID1
				  " refs/heads/topic\n^" OID2 "\n");
	head_is("b", OID1);
	/* detached */
	put("c/.git/HEAD", OID2 "\n");
	head_is("c", OID2);
	/* unborn */
	put("d/.git/HEAD", "ref: refs/heads/main\n");
	head_is("d", NULL);
	/* a linked worktree: .git is a file; its HEAD in the worktree's folder, the branch in the common folder */
	put("main/.git/refs/heads/side", OID2 "\n");
	put("main/.git/worktrees/wt/HEAD", "ref: refs/heads/side\n");
	put("main/.git/worktrees/wt/commondir", "../..\n");
	{
		char line[600];

		snprintf(line, sizeof(line), "gitdir: %s/main/.git/worktrees/wt\n", tmp);
		put("wt/.git", line);
	}
	head_is("wt", OID2);
	/* relative gitdir (submodules) */
	put("sub/.git", "gitdir: ../c/.git\n");
	head_is("sub", OID2);
	/* not a repository, garbage, a ref that climbs out */
	{
		char none[512];

		snprintf(none, sizeof(none), "%s/none", tmp);
		assert_int_equal(mkdir(none, 0700), 0);
	}
	head_is("none", NULL);
	put("e/.git/HEAD", "garbage\n");
	head_is("e", NULL);
	put("f/.git/HEAD", "ref: ../../../etc/passwd\n");
	head_is("f", NULL);
	put("g/.git", "not a gitdir line\n");
	head_is("g", NULL);
	assert_null(hush_audit_git_head(NULL));
}

static void test_format(void **state)
{
	const char *names[] = { "API_TOKEN", "DB_PASSWORD" }, *backends[] = { "file:.hush/prod.json", "vault://s/p" };
	hush_audit_event e = { 0 };
	hush_buf b = HUSH_BUF_INIT;
	json_t *o;
	json_error_t je;
	const char *key;
	json_t *v;
	static const char *const order[] = { "time", "user", "uid", "host", "pid", "command", "argv0", "env", "names",
					     "backends", "vault_addr", "key", "repo", "outcome", "error" };
	size_t i = 0;

	(void)state;
	setenv("HUSH_NOW", "86400", 1);
	e.command = "run";
	e.argv0 = "./deploy\n\"x\"";
	e.env = "prod";
	e.names = names;
	e.nnames = 2;
	e.backends = backends;
	e.nbackends = 2;
	e.vault_addr = "https://v:8200";
	e.key = "the variable HUSH_PRIVATE_KEY_PROD";
	e.repo = "/nonexistent/repo";
	e.ok = false;
	e.error = "bad \xff byte";
	assert_int_equal(hush_audit_format(&b, &e), 0);
	unsetenv("HUSH_NOW");
	assert_int_equal(b.ptr[b.len - 1], '\n');
	assert_null(memchr(b.ptr, '\n', b.len - 1)); /* one line */
	assert_non_null(o = json_loadb(b.ptr, b.len, 0, &je));
	assert_string_equal(json_string_value(json_object_get(o, "time")), "1970-01-02T00:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(o, "argv0")), "./deploy\n\"x\"");
	assert_string_equal(json_string_value(json_object_get(o, "error")), "bad ? byte");
	assert_string_equal(json_string_value(json_object_get(o, "outcome")), "error");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), getpid());
	assert_null(json_object_get(o, "commit")); /* no repository there */
	assert_int_equal(json_array_size(json_object_get(o, "names")), 2);
	/* the fields come in a fixed order (jansson keeps insertion order when loading) */
	json_object_foreach(o, key, v) {
		while (i < sizeof(order) / sizeof(order[0]) && strcmp(order[i], key))
			i++;
		if (i == sizeof(order) / sizeof(order[0]))
			fail_msg("field '%s' out of order", key);
	}
	json_decref(o);
	hush_buf_dispose(&b);
	/* success: no error field, no optional fields */
	memset(&e, 0, sizeof(e));
	e.command = "vault get";
	e.ok = true;
	e.error = "ignored";
	assert_int_equal(hush_audit_format(&b, &e), 0);
	assert_non_null(o = json_loadb(b.ptr, b.len, 0, &je));
	assert_null(json_object_get(o, "error"));
	assert_null(json_object_get(o, "env"));
	assert_null(json_object_get(o, "vault_addr"));
	assert_int_equal(json_array_size(json_object_get(o, "names")), 0);
	json_decref(o);
	hush_buf_dispose(&b);
}

static void test_write(void **state)
{
	hush_audit_options o = HUSH_AUDIT_OPTIONS_INIT;
	hush_audit_event e = { 0 };
	char path[512];
	hush_buf b = HUSH_BUF_INIT;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/state/deep/audit.log", tmp);
	o.path = path;
	e.command = "run";
	e.ok = true;
	assert_int_equal(hush_audit_write(&o, &e), 0);
	assert_int_equal(hush_audit_write(&o, &e), 0);
	assert_int_equal(hush__read_file(&b, path, 1 << 20), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	{
		size_t lines = 0;

		for (size_t i = 0; i < b.len; i++)
			lines += b.ptr[i] == '\n';
		assert_int_equal(lines, 2);
	}
	hush_buf_dispose(&b);
	/* a folder where the file should be */
	snprintf(path, sizeof(path), "%s/state", tmp);
	assert_int_equal(hush_audit_write(&o, &e), HUSH_EIO);
	assert_non_null(strstr(hush_error_last(), "cannot write the audit log"));
	/* syslog to a socket that is not there */
	o.dest = HUSH_AUDIT_SYSLOG;
	setenv("HUSH_SYSLOG_SOCKET", "/nonexistent/log.sock", 1);
	assert_int_equal(hush_audit_write(&o, &e), HUSH_EIO);
	assert_non_null(strstr(hush_error_last(), "cannot send the audit record to syslog (/nonexistent/log.sock)"));
	unsetenv("HUSH_SYSLOG_SOCKET");
}

static void test_paths(void **state)
{
	char *p;

	(void)state;
	setenv("XDG_STATE_HOME", "/x/state", 1);
	unsetenv("HUSH_AUDIT_LOG");
	assert_string_equal(p = hush_audit_path(), "/x/state/hush/audit.log");
	free(p);
	setenv("XDG_STATE_HOME", "relative", 1); /* ignored, as the XDG spec says */
	setenv("HOME", "/home/u", 1);
	assert_string_equal(p = hush_audit_path(), "/home/u/.local/state/hush/audit.log");
	free(p);
	setenv("HUSH_AUDIT_LOG", "/tmp/a.log", 1);
	assert_string_equal(p = hush_audit_path(), "/tmp/a.log");
	free(p);
	assert_string_equal(p = hush_audit_default_path(), "/home/u/.local/state/hush/audit.log");
	free(p);
	unsetenv("HUSH_AUDIT_LOG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_git_head),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
