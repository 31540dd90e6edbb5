/* cmd_vault_io.c: `hush vault import|export|diff`: dotenv files in and out of a vault, and changes since a rev. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/remote_cmds.h"
#include "cli/vault_cmds.h"
#include "hush/dotenv.h"
#include "hush/error.h"
#include "hush/scan.h"
#include "hush/vault.h"
#include "common/gitlib.h"
#include "common/util.h"
#include "common/banned.h"

static int fail(void)
{
	cli_error("%s", hush_error_last());
	return EXIT_ERROR;
}

/* Check ENV and build DIR/ENV.json into *path (malloc'd). Prints the error. */
static int vault_path(char **path, const vault_args *a, const char *env)
{
	hush_buf b = HUSH_BUF_INIT;

	if (!hush_vault_env_valid(env)) {
		cli_error("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", env);
		return EXIT_ERROR;
	}
	if (hush_buf_printf(&b, "%s/%s.json", a->dir, env) || !(*path = hush_buf_detach(&b, NULL))) {
		hush_buf_dispose(&b);
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	return 0;
}

/* Read a whole file into a secret ("-": standard input). SECURITY: a dotenv file is plaintext secrets, so it
 * never passes through ordinary heap memory. */
static int read_secret_file(hush_secret **out, const char *file)
{
	size_t cap = HUSH_VAULT_MAX_VALUE, len = 0;
	hush_secret *s = NULL;
	int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	int rc = EXIT_ERROR;

	if (fd < 0) {
		cli_error("cannot open '%s': %s", file, strerror(errno));
		return EXIT_ERROR;
	}
	/* the secret's own cap bounds the file: a dotenv file up to the size of one vault value */
	if (hush_secret_new(&s, NULL, cap + 1) != 0) {
		fail();
		goto cleanup;
	}
	for (;;) {
		ssize_t n = read(fd, hush_secret_data(s) + len, cap + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("cannot read '%s': %s", file, strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > cap) {
			cli_error("'%s' is too large (over %zu bytes)", file, cap);
			goto cleanup;
		}
	}
	hush_secret_truncate(s, len);
	*out = s;
	s = NULL;
	rc = 0;
cleanup:
	if (fd != STDIN_FILENO)
		close(fd);
	hush_secret_free(s);
	return rc;
}

int vault_cmd_import(const vault_args *a)
{
	hush_secret *text = NULL;
	hush_dotenv *d = NULL;
	hush_vault *v = NULL;
	char *path = NULL, *email = NULL, now[32];
	bool *existed = NULL;
	size_t n, added = 0;
	int lock = -1, rc = EXIT_ERROR;

	vault_no_core_dumps();
	if (a->argc != 2) {
		cli_error("'vault import' takes ENV FILE.env");
		return EXIT_ERROR;
	}
	if ((rc = vault_path(&path, a, a->argv[0])) != 0)
		return rc;
	rc = EXIT_ERROR;
	/* fail early, before reading any secret, when the vault cannot be read */
	if (hush_vault_load(&v, path, a->argv[0]) != 0) {
		fail();
		goto cleanup;
	}
	hush_vault_free(v);
	v = NULL;
	if (read_secret_file(&text, a->argv[1]) != 0)
		goto cleanup;
	if (hush_dotenv_parse(&d, (const char *)hush_secret_data(text), hush_secret_len(text),
			      strcmp(a->argv[1], "-") ? a->argv[1] : "<stdin>") != 0) {
		fail();
		goto cleanup;
	}
	hush_secret_free(text);
	text = NULL;
	n = hush_dotenv_count(d);
	if (!n) {
		printf("nothing to import from '%s'\n", a->argv[1]);
		rc = EXIT_CLEAN;
		goto cleanup;
	}
	if (!(existed = hush__calloc(n, sizeof(*existed)))) {
		cli_error("out of memory");
		goto cleanup;
	}
	if (vault_git_user_email(&email, a->root) != 0)
		goto cleanup;
	hush_vault_iso8601(now, sizeof(now), vault_now());
	/* one read-modify-write under the lock; the vault is saved (atomically) only when every value is set */
	if (hush_vault_lock(&lock, path) != 0 || hush_vault_load(&v, path, a->argv[0]) != 0) {
		fail();
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		const hush_secret *value = hush_dotenv_value_at(d, i);

		existed[i] = hush_vault_has(v, hush_dotenv_name_at(d, i));
		if (hush_vault_set(v, hush_dotenv_name_at(d, i), hush_secret_data(value), hush_secret_len(value), now,
				   email) != 0) {
			cli_error("%s:%zu: %s", a->argv[1], hush_dotenv_line_at(d, i), hush_error_last());
			goto cleanup;
		}
	}
	if (hush_vault_save(v, path) != 0) {
		fail();
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		printf("%s %s\n", existed[i] ? "updated" : "added  ", hush_dotenv_name_at(d, i));
		added += !existed[i];
	}
	printf("imported %zu secret%s into environment '%s': %zu added, %zu updated\n", n, n == 1 ? "" : "s",
	       a->argv[0], added, n - added);
	rc = EXIT_CLEAN;
cleanup:
	hush_vault_unlock(lock);
	hush_vault_free(v);
	hush_dotenv_free(d);
	hush_secret_free(text);
	free(existed);
	free(email);
	free(path);
	return rc;
}

/*
 * Export output is built in guarded memory, then written with one write(2) loop. SECURITY: no plaintext copies in
 * stdio's buffer. Two passes: the first only counts (buf NULL), the second fills a buffer of exactly that size.
 */
typedef struct {
	unsigned char *buf; /* sodium_malloc'd, or NULL while counting */
	size_t len;
} out_sink;

static out_sink *sink;

static int out_write(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	if (sink->buf)
		memcpy(sink->buf + sink->len, data, len);
	sink->len += len;
	return 0;
}

static int out_str(const char *s)
{
	return out_write(NULL, s, strlen(s));
}

/* value as a JSON string, streamed like hush_dotenv_quote: runs of the value itself and constant escapes. */
static int json_quote(const unsigned char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	int err;

	if ((err = out_str("\"")) != 0)
		return err;
	for (size_t i = 0; i < len; i++) {
		char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
		size_t elen = 2;

		switch (in[i]) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			if (in[i] >= 0x20 && in[i] != 0x7f)
				continue;
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[in[i] >> 4];
			esc[5] = hex[in[i] & 15];
			elen = 6;
			break;
		}
		if ((i > run && (err = out_write(NULL, in + run, i - run)) != 0) ||
		    (err = out_write(NULL, esc, elen)) != 0)
			return err;
		run = i + 1;
	}
	if (len > run && (err = out_write(NULL, in + run, len - run)) != 0)
		return err;
	return out_str("\"");
}

int vault_cmd_export(const vault_args *a)
{
	hush_vault_plain *plain = NULL;
	cli_env_result res = { 0 };
	const hush_config *cfg = NULL;
	out_sink out = { NULL, 0 };
	char *path = NULL;
	const char *env = NULL;
	bool json = false;
	size_t n = 0;
	int rc = EXIT_ERROR;

	vault_no_core_dumps();
	for (int i = 0; i < a->argc; i++) {
		const char *arg = a->argv[i], *fmt = NULL;

		if (!strcmp(arg, "--format") && i + 1 < a->argc)
			fmt = a->argv[++i];
		else if (!strncmp(arg, "--format=", 9))
			fmt = arg + 9;
		else if (arg[0] == '-' && arg[1]) {
			cli_error("unknown option '%s' for 'vault export': use --format dotenv|json", arg);
			return EXIT_ERROR;
		} else if (!env) {
			env = arg;
			continue;
		} else {
			cli_error("'vault export' takes ENV [--format dotenv|json]");
			return EXIT_ERROR;
		}
		if (!strcmp(fmt, "json"))
			json = true;
		else if (!strcmp(fmt, "dotenv"))
			json = false;
		else {
			cli_error("unknown export format '%s': use dotenv or json", fmt);
			return EXIT_ERROR;
		}
	}
	if (!env) {
		cli_error("'vault export' takes ENV [--format dotenv|json]");
		return EXIT_ERROR;
	}
	if ((rc = vault_path(&path, a, env)) != 0)
		return rc;
	rc = EXIT_ERROR;
	if (cli_config_at(&cfg, a->root) != 0)
		goto cleanup;
	/* decrypt (and fetch) everything first, so that an error never leaves half the secrets printed */
	{
		cli_env_request rq = { a->root, a->dir, env, cfg, NULL, 0 };
		int err = cli_env_load(&res, &rq);

		if (err)
			fail();
		if (cli_audit_env("vault export", a->root, env, &res, NULL, err) || err)
			goto cleanup;
		plain = res.plain;
		res.plain = NULL;
	}
	n = hush_vault_plain_count(plain);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const unsigned char *val = hush_vault_plain_value(plain, i, &len);

		if (json && !hush__utf8_valid((const char *)val, len)) {
			cli_error("cannot export '%s' as JSON: its value is not valid UTF-8 (use --format dotenv)",
				  hush_vault_plain_name(plain, i));
			goto cleanup;
		}
		if (!json && memchr(val, '\0', len)) {
			cli_error("cannot export '%s' as dotenv: its value holds a NUL byte (use --format json)",
				  hush_vault_plain_name(plain, i));
			goto cleanup;
		}
	}
	if (isatty(STDOUT_FILENO))
		cli_warning("printing the decrypted secrets of environment '%s' to a terminal", env);
	sink = &out;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !(out.buf = sodium_malloc(out.len + 1))) {
			cli_error("out of memory");
			goto cleanup;
		}
		out.len = 0;
		if (json)
			out_str("{");
		for (size_t i = 0; i < n; i++) {
			const char *name = hush_vault_plain_name(plain, i);
			size_t len;
			const unsigned char *val = hush_vault_plain_value(plain, i, &len);

			/* names are [A-Za-z0-9_]: nothing to escape */
			if (json) {
				out_str(i ? ",\n  \"" : "\n  \"");
				out_str(name);
				out_str("\": ");
				json_quote(val, len);
			} else {
				out_str(name);
				out_str("=");
				hush_dotenv_quote(val, len, out_write, NULL);
				out_str("\n");
			}
		}
		if (json)
			out_str(n ? "\n}\n" : "}\n");
	}
	fflush(stdout);
	if (vault_write_stdout(out.buf, out.len) != 0) {
		fail();
		goto cleanup;
	}
	rc = EXIT_CLEAN;
cleanup:
	sink = NULL;
	sodium_free(out.buf); /* wiped */
	hush_vault_plain_free(plain);
	cli_env_result_dispose(&res);
	free(path);
	return rc;
}

/* ---- diff ---- */

/* The ciphertext of name in a vault file's bytes (already checked by hush_vault_parse), or "". The vault API
 * gives no ciphertexts, so diff reads them from the JSON; they are compared, never printed. */
static const char *ciphertext_of(json_t *root, const char *name)
{
	const char *s = json_string_value(json_object_get(json_object_get(json_object_get(root, "secrets"), name),
							  "ciphertext"));

	return s ? s : "";
}

/* realpath of path, or of its parent joined with its last component when path itself does not exist. */
static char *resolve(const char *path)
{
	char *r = realpath(path, NULL), *parent, *slash, *rp;
	hush_buf b = HUSH_BUF_INIT;

	if (r || errno != ENOENT)
		return r;
	if (!(parent = hush__strdup(path)))
		return NULL;
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		rp = realpath(*parent ? parent : "/", NULL);
	} else {
		rp = realpath(".", NULL);
	}
	if (rp && !hush_buf_printf(&b, "%s/%s", rp, slash ? slash + 1 : path))
		r = hush_buf_detach(&b, NULL);
	hush_buf_dispose(&b);
	free(rp);
	free(parent);
	if (!r)
		errno = ENOENT;
	return r;
}

static void git_fail(const char *what)
{
	const git_error *e = git_error_last();

	cli_error("%s: %s", what, e && e->message ? e->message : "unknown error");
}

/* The vault file at rev: *out is NULL when rev's tree has no such file. Prints errors. */
static int load_at_rev(hush_vault **out, json_t **json_out, const char *root, const char *dir, const char *env,
		       const char *rev)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	char *wd = NULL, *rdir = NULL, *rel = NULL;
	const char *wdp;
	hush_buf b = HUSH_BUF_INIT, origin = HUSH_BUF_INIT;
	size_t wlen;
	int rc = EXIT_ERROR, err;

	*out = NULL;
	*json_out = NULL;
	if (hush_git_init() != 0) {
		cli_error("%s", hush_error_last());
		goto cleanup;
	}
	if (hush_repo_open(&repo, root) < 0) {
		git_fail("cannot open the git repository");
		goto cleanup;
	}
	if (!(wdp = git_repository_workdir(repo))) {
		cli_error("'vault diff' needs a repository with a working tree");
		goto cleanup;
	}
	if (!(wd = resolve(wdp)) || !(rdir = resolve(dir))) {
		cli_error("cannot resolve '%s': %s", wd ? dir : wdp, strerror(errno));
		goto cleanup;
	}
	wlen = strlen(wd);
	while (wlen > 1 && wd[wlen - 1] == '/')
		wlen--;
	if (strncmp(rdir, wd, wlen) || (rdir[wlen] != '/' && rdir[wlen] != '\0')) {
		cli_error("the vault folder '%s' is not inside the repository '%s'", dir, wdp);
		goto cleanup;
	}
	if (hush_buf_printf(&b, "%s%s%s.json", rdir + wlen + (rdir[wlen] == '/'), rdir[wlen] ? "/" : "", env) ||
	    !(rel = hush_buf_detach(&b, NULL))) {
		cli_error("out of memory");
		goto cleanup;
	}
	if (git_revparse_single(&obj, repo, rev) < 0) {
		git_fail("cannot resolve the revision");
		goto cleanup;
	}
	if (git_object_peel((git_object **)&tree, obj, GIT_OBJECT_TREE) < 0) {
		git_fail("cannot find the tree of the revision");
		goto cleanup;
	}
	err = git_tree_entry_bypath(&te, tree, rel);
	if (err == GIT_ENOTFOUND) {
		rc = 0; /* no vault at rev: every name is added */
		goto cleanup;
	}
	if (err < 0) {
		git_fail("cannot read the revision's tree");
		goto cleanup;
	}
	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
		cli_error("'%s' at %s is not a file", rel, rev);
		goto cleanup;
	}
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(te)) < 0) {
		git_fail("cannot read the vault file at the revision");
		goto cleanup;
	}
	if (hush_buf_printf(&origin, "%s:%s", rev, rel)) {
		cli_error("out of memory");
		goto cleanup;
	}
	if (hush_vault_parse(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), origin.ptr, env) != 0) {
		fail();
		goto cleanup;
	}
	if (!(*json_out = json_loadb(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), 0, NULL))) {
		cli_error("cannot parse '%s'", origin.ptr);
		hush_vault_free(*out);
		*out = NULL;
		goto cleanup;
	}
	rc = 0;
cleanup:
	git_blob_free(blob);
	git_tree_entry_free(te);
	git_tree_free(tree);
	git_object_free(obj);
	git_repository_free(repo);
	hush_buf_dispose(&b);
	hush_buf_dispose(&origin);
	free(wd);
	free(rdir);
	free(rel);
	return rc;
}

int vault_cmd_diff(const vault_args *a)
{
	hush_vault *cur = NULL, *old = NULL;
	json_t *cur_json = NULL, *old_json = NULL;
	hush_buf text = HUSH_BUF_INIT;
	const char *env, *rev;
	char *path = NULL;
	size_t i = 0, j = 0, nc = 0, no = 0, changes = 0;
	int rc, err;

	if (a->argc < 1 || a->argc > 2) {
		cli_error("'vault diff' takes ENV [REV]");
		return EXIT_ERROR;
	}
	env = a->argv[0];
	rev = a->argc > 1 ? a->argv[1] : "HEAD";
	if ((rc = vault_path(&path, a, env)) != 0)
		return rc;
	rc = EXIT_ERROR;
	hush_buf_init(&text, HUSH_VAULT_MAX_FILE + 1);
	if (access(path, F_OK) < 0 && errno == ENOENT)
		err = HUSH_ENOTFOUND; /* not in the working tree: every name at rev is removed */
	else
		err = hush__read_file(&text, path, HUSH_VAULT_MAX_FILE);
	if (err == 0) {
		if (hush_vault_parse(&cur, text.ptr, text.len, path, env) != 0) {
			fail();
			goto cleanup;
		}
		if (!(cur_json = json_loadb(text.ptr, text.len, 0, NULL))) {
			cli_error("cannot parse '%s'", path);
			goto cleanup;
		}
	} else if (err != HUSH_ENOTFOUND) {
		fail();
		goto cleanup;
	}
	if (load_at_rev(&old, &old_json, a->root, a->dir, env, rev) != 0)
		goto cleanup;
	if (!cur && !old) {
		cli_error("no vault for environment '%s' in the working tree ('%s') or at %s", env, path, rev);
		goto cleanup;
	}
	if (cur && old && strcmp(hush_vault_key_id_of(cur), hush_vault_key_id_of(old)))
		printf("key id %s -> %s (the key was rotated)\n", hush_vault_key_id_of(old), hush_vault_key_id_of(cur));
	nc = cur ? hush_vault_count(cur) : 0;
	no = old ? hush_vault_count(old) : 0;
	/* SECURITY: names only: never a value or a ciphertext */
	while (i < nc || j < no) {
		hush_vault_entry ec, eo;
		int cmp;

		if (i < nc)
			hush_vault_entry_at(&ec, cur, i);
		if (j < no)
			hush_vault_entry_at(&eo, old, j);
		cmp = i >= nc ? 1 : j >= no ? -1 : strcmp(ec.name, eo.name);
		if (cmp < 0) {
			printf("+ %s\n", ec.name);
			changes++;
			i++;
		} else if (cmp > 0) {
			printf("- %s\n", eo.name);
			changes++;
			j++;
		} else {
			if (strcmp(ciphertext_of(cur_json, ec.name), ciphertext_of(old_json, eo.name)) ||
			    strcmp(ec.updated, eo.updated)) {
				printf("~ %s\n", ec.name);
				changes++;
			}
			i++;
			j++;
		}
	}
	rc = changes ? EXIT_FINDINGS : EXIT_CLEAN;
cleanup:
	fflush(stdout);
	json_decref(cur_json);
	json_decref(old_json);
	hush_vault_free(cur);
	hush_vault_free(old);
	hush_buf_dispose(&text);
	free(path);
	return rc;
}
