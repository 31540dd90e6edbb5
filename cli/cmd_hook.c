/*
 * cmd_hook.c: `hush hook`: hush as the gate in git's pre-commit, pre-push and pre-receive hooks, and installing
 * it into a repository (chaining to a hook that is already there).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/hook_input.h"
#include "cli/options.h"
#include "hush/error.h"
#include "hush/matcher.h"
#include "common/gitlib.h"
#include "common/util.h"
#include "common/banned.h"

#define HOOK_MARKER "# hush: installed by `hush hook install`"
#define ZERO_OID "0000000000000000000000000000000000000000"
#define STDIN_CAP (64u << 20)

const char cmd_hook_usage[] =
	"usage: hush hook pre-commit [OPTIONS]\n"
	"       hush hook pre-push [OPTIONS] REMOTE [URL]   (reads git's pre-push lines on stdin)\n"
	"       hush hook pre-receive [OPTIONS]             (reads git's pre-receive lines on stdin)\n"
	"       hush hook install [pre-commit|pre-push]\n"
	"       hush hook uninstall [pre-commit|pre-push]\n"
	"\n"
	"pre-commit   scan the staged change; block the commit when it adds a secret\n"
	"pre-push     scan the commits the remote does not have yet (for a new remote branch: the commits no\n"
	"             remote-tracking ref reaches); deletions are skipped\n"
	"pre-receive  on the server: scan the commits that are new to the repository (reachable from the pushed tips\n"
	"             and from no existing ref), for every ref in the push; honours git's object quarantine\n"
	"install      install hush as the repository's pre-commit (default) or pre-push hook, honouring\n"
	"             core.hooksPath; an existing hook is kept and run first\n"
	"uninstall    remove hush's hook and restore the one it chained\n"
	"\n"
	"Options:\n"
	"      --timeout SECONDS   give up after this long: block the push (default) or, with --fail-open, let it in\n"
	"      --fail-open         on timeout or on an internal error, accept instead of rejecting\n"
	"  -q, --quiet             print nothing when the change is clean\n"
	RULE_OPTIONS_HELP
	"\n"
	"Bypass: a push with 'git push -o hush.skip' skips the pre-receive scan only when the server's repository sets\n"
	"'git config hush.allowBypass true' (and receive.advertisePushOptions true); every bypass is logged to\n"
	"stderr and to hush-bypass.log in the repository.\n"
	"\n"
	"Exit status: 0 accept, 1 reject (secrets found, or a timeout without --fail-open), 2 usage or set-up error.\n";

static bool fail_open;

static void on_alarm(int sig)
{
	static const char closed[] = "hush: error: the scan took longer than --timeout; rejecting (fail-closed)\n";
	static const char open[] = "hush: warning: the scan took longer than --timeout; accepting (--fail-open)\n";

	(void)sig;
	if (fail_open) {
		if (write(STDERR_FILENO, open, sizeof(open) - 1) < 0) { /* nothing more to do */
		}
		_exit(EXIT_CLEAN);
	}
	if (write(STDERR_FILENO, closed, sizeof(closed) - 1) < 0) {
	}
	_exit(EXIT_FINDINGS);
}

static const char *git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

/* Read all of stdin (git's hook input). */
static int read_stdin(hush_buf *b)
{
	char chunk[8192];

	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hush_error_set("cannot read the hook input: %s", strerror(errno));
		if (n == 0)
			return 0;
		if (hush_buf_put(b, chunk, (size_t)n))
			return hush_error_set("the hook input is larger than %u bytes", STDIN_CAP);
	}
}

typedef struct {
	char **v;
	size_t n;
} strlist;

static int strlist_add(strlist *l, const char *prefix, const char *s, size_t len)
{
	char **nv = hush__reallocarray(l->v, l->n + 1, sizeof(char *));
	size_t plen = strlen(prefix);

	if (!nv)
		return -1;
	l->v = nv;
	if (!(nv[l->n] = hush__malloc(plen + len + 1)))
		return -1;
	memcpy(nv[l->n], prefix, plen);
	memcpy(nv[l->n] + plen, s, len);
	nv[l->n][plen + len] = '\0';
	l->n++;
	return 0;
}

/* Add "^<id>" for every ref (prefix NULL) or every ref under prefix that leads to a commit. */
static int exclude_refs(git_repository *repo, const char *glob, strlist *revs)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	int err = 0;

	if ((glob ? git_reference_iterator_glob_new(&it, repo, glob) : git_reference_iterator_new(&it, repo)) < 0)
		return hush_error_set("cannot list the references: %s", git_msg());
	while (!err && git_reference_next(&ref, it) == 0) {
		git_object *obj = NULL;
		char hex[GIT_OID_HEXSZ + 1];

		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
			git_oid_tostr(hex, sizeof(hex), git_object_id(obj));
			err = strlist_add(revs, "^", hex, GIT_OID_HEXSZ);
		}
		git_object_free(obj);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return err;
}

static void print_findings(const hush_scan_result *res, const char *what)
{
	fprintf(stderr, "hush: %s: %zu secret%s found\n", what, res->count, res->count == 1 ? "" : "s");
	for (size_t i = 0; i < res->count; i++) {
		const hush_finding *f = &res->findings[i];

		fprintf(stderr, "  ");
		if (f->commit[0])
			fprintf(stderr, "commit %.12s ", f->commit);
		fprintf(stderr, "%s:%llu: %s [%s] %s\n", f->path, (unsigned long long)f->line, f->rule->id,
			hush_confidence_name(f->confidence), f->secret);
	}
}

static void print_fix(const char *kind)
{
	if (!strcmp(kind, "pre-commit"))
		fprintf(stderr,
			"To fix: remove the secret from the staged files (git restore --staged FILE, edit, git add), and\n"
			"rotate it if it was ever shared. A false positive: add '# hush:allow' to the line, or its\n"
			"fingerprint to .hushignore. Bypass once (not recommended): git commit --no-verify.\n");
	else
		fprintf(stderr,
			"To fix: the secret is in a commit. Remove it and rewrite the commit (git rebase -i, then edit or\n"
			"git commit --amend), rotate the secret (treat it as leaked), and push again. A false positive: add\n"
			"'# hush:allow' to the line, or its fingerprint to .hushignore.\n");
}

typedef struct {
	rule_options ro;
	bool quiet;
	unsigned timeout;
	hush_config *cfg;
	hush_ruleset *rs;
	hush_matcher *m;
	char *root;
} hook_env;

static void on_warning(const char *msg, void *payload)
{
	(void)payload;
	cli_warning("%s", msg);
}

/* A git directory itself (a bare repository, or GIT_DIR): HEAD, objects/ and refs/ are there. */
static bool is_git_dir(const char *path)
{
	static const char *const parts[] = { "HEAD", "objects", "refs" };
	struct stat st;

	for (size_t i = 0; i < HUSH_ARRAY_SIZE(parts); i++) {
		char *p = hush__path_join(path, parts[i]);
		bool ok = p && stat(p, &st) == 0;

		free(p);
		if (!ok)
			return false;
	}
	return true;
}

static int hook_prepare(hook_env *e, const char *repo_path)
{
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;

	/*
	 * The repository's own work tree, or its git directory when it is bare: a server's repository may sit inside
	 * someone else's work tree, whose .hush.yml is not this repository's. Found without libgit2, which is still
	 * starting on another thread.
	 */
	if (is_git_dir(repo_path))
		e->root = realpath(repo_path, NULL);
	else if (hush_repo_root(&e->root, repo_path) != 0)
		e->root = cli_find_root(repo_path);
	if (!e->root)
		return EXIT_ERROR;
	if (cli_load_config(&e->cfg, &e->ro, e->root) || cli_load_rules(&e->rs, &e->ro, e->cfg, e->root) ||
	    cli_load_suppressions(&e->cfg, &e->ro, e->rs, e->root))
		return EXIT_ERROR;
	if (e->ro.no_cache)
		mo.cache_dir = "";
	mo.decode = HUSH_DECODE_DEFAULT; /* as `hush scan`: base64-encoded secrets block a commit too */
	if (hush_matcher_new(&e->m, e->rs, &mo) != 0) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	return 0;
}

static void hook_dispose(hook_env *e)
{
	hush_matcher_free(e->m);
	hush_ruleset_free(e->rs);
	hush_config_free(e->cfg);
	free(e->root);
	free(e->ro.rule_paths);
	free(e->ro.disabled);
}

static void scan_options(hook_env *e, hush_scan_options *so)
{
	so->config = e->cfg;
	so->root = e->root;
	so->warn = on_warning;
}

/* The result of a scan as the hook's verdict. */
static int verdict(hush_scan_result *res, int rc, const char *kind, const char *what, bool quiet)
{
	if (rc) { /* an error rejects, even with --fail-open: that option is about time, not about broken input */
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	if (res->count) {
		print_findings(res, what);
		print_fix(kind);
		return EXIT_FINDINGS;
	}
	if (!quiet) {
		if (!strcmp(kind, "pre-commit"))
			fprintf(stderr, "hush: no secrets in the %llu staged file%s\n", (unsigned long long)res->stats.files,
				res->stats.files == 1 ? "" : "s");
		else
			fprintf(stderr, "hush: no secrets in the %llu new commit%s\n", (unsigned long long)res->stats.commits,
				res->stats.commits == 1 ? "" : "s");
	}
	return EXIT_CLEAN;
}

static int hook_pre_commit(hook_env *e)
{
	hush_scan_options so = HUSH_SCAN_OPTIONS_INIT;
	hush_scan_result *res = NULL;
	hush_staged *staged = NULL;
	int rc;

	/* the index and HEAD are compared on another thread while the rules load */
	if (hush_staged_start(&staged, ".", false) != 0) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	if ((rc = hook_prepare(e, ".")) == 0) {
		scan_options(e, &so);
		rc = hush_scan_staged_change(&res, e->m, staged, &so);
		rc = verdict(res, rc, "pre-commit", "commit blocked", e->quiet);
	}
	hush_staged_free(staged);
	hush_scan_result_free(res);
	return rc;
}

static int scan_revisions(hook_env *e, const char *repo_path, strlist *revs, size_t positives, const char *kind,
			  const char *what)
{
	hush_scan_options so = HUSH_SCAN_OPTIONS_INIT;
	hush_history_options ho = HUSH_HISTORY_OPTIONS_INIT;
	hush_scan_result *res = NULL;
	int rc;

	if (positives == 0) { /* only deletions: nothing to scan */
		if (!e->quiet)
			fprintf(stderr, "hush: nothing new to scan (only deletions)\n");
		return EXIT_CLEAN;
	}
	scan_options(e, &so);
	ho.revisions = (const char *const *)revs->v;
	ho.nrevisions = revs->n;
	rc = hush_scan_history(&res, e->m, repo_path, &ho, &so);
	rc = verdict(res, rc, kind, what, e->quiet);
	hush_scan_result_free(res);
	return rc;
}

/* What pre-push and pre-receive start with: git's lines from stdin, the rules (loading while libgit2 starts on
 * another thread), then the repository. Returns 0 or an exit status. */
static int hook_begin(hook_env *e, hush_buf *in, git_repository **repo)
{
	int rc;

	hush_buf_init(in, STDIN_CAP);
	if (read_stdin(in)) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	if ((rc = hook_prepare(e, ".")) != 0)
		return rc;
	if (hush_git_init() != 0) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	if (hush_repo_open(repo, ".") < 0) {
		cli_error("cannot open the repository: %s", git_msg());
		return EXIT_ERROR;
	}
	return 0;
}

static int hook_pre_push(hook_env *e, const char *remote)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	hush_buf in = HUSH_BUF_INIT;
	strlist revs = { NULL, 0 };
	hook_updates updates = { NULL, 0, 0 };
	size_t positives = 0;
	bool exclude_all_remote = false;
	int rc = EXIT_ERROR;

	if ((rc = hook_begin(e, &in, &repo)) != 0)
		goto cleanup;
	rc = EXIT_ERROR;
	if (git_repository_odb(&odb, repo) < 0) {
		cli_error("cannot open the object database: %s", git_msg());
		goto cleanup;
	}
	if ((rc = hook_parse_pre_push(&updates, in.ptr, in.len)) != 0) {
		if (rc == HUSH_EINVALID)
			cli_error("%s", hush_error_last());
		rc = EXIT_ERROR;
		goto cleanup;
	}
	rc = EXIT_ERROR;
	for (size_t i = 0; i < updates.n; i++) {
		const hook_update *u = &updates.v[i];
		git_oid remote_id;

		if (strlist_add(&revs, "", u->tip, GIT_OID_HEXSZ))
			goto cleanup;
		positives++;
		if (!memcmp(u->base, ZERO_OID, GIT_OID_HEXSZ) || git_oid_fromstrn(&remote_id, u->base, GIT_OID_HEXSZ) < 0 ||
		    !git_odb_exists(odb, &remote_id)) {
			exclude_all_remote = true; /* a new branch, or a remote tip we do not have */
		} else if (strlist_add(&revs, "^", u->base, GIT_OID_HEXSZ)) {
			goto cleanup;
		}
	}
	/*
	 * What the remote already has: its remote-tracking refs (a commit pushed earlier from another branch is not
	 * new), and for a new branch or a remote tip we do not know, every remote-tracking ref.
	 */
	if (positives) {
		char glob[512];

		if (exclude_all_remote || strchr(remote, '/') || strchr(remote, ':'))
			snprintf(glob, sizeof(glob), "refs/remotes/*");
		else
			snprintf(glob, sizeof(glob), "refs/remotes/%s/*", remote);
		if (exclude_refs(repo, glob, &revs)) {
			cli_error("%s", hush_error_last());
			goto cleanup;
		}
	}
	rc = scan_revisions(e, ".", &revs, positives, "pre-push", "push blocked");
cleanup:
	hook_updates_dispose(&updates);
	hush__strv_free(revs.v, revs.n);
	hush_buf_dispose(&in);
	git_odb_free(odb);
	git_repository_free(repo);
	return rc;
}

/* The push options git hands to pre-receive (receive.advertisePushOptions). */
static bool push_option(const char *name)
{
	const char *count = getenv("GIT_PUSH_OPTION_COUNT");
	long n = count ? strtol(count, NULL, 10) : 0;

	for (long i = 0; i < n && i < 1000; i++) {
		char var[64];
		const char *v;

		snprintf(var, sizeof(var), "GIT_PUSH_OPTION_%ld", i);
		if ((v = getenv(var)) != NULL && !strcmp(v, name))
			return true;
	}
	return false;
}

static bool bypass_allowed(git_repository *repo)
{
	git_config *cfg = NULL;
	int enabled = 0;

	if (git_repository_config_snapshot(&cfg, repo) == 0 && git_config_get_bool(&enabled, cfg, "hush.allowBypass") < 0)
		enabled = 0;
	git_config_free(cfg);
	return enabled != 0;
}

static void log_bypass(git_repository *repo, const hush_buf *in)
{
	char *path = hush__path_join(git_repository_path(repo), "hush-bypass.log"), when[32];
	const char *who = getenv("GL_USERNAME") ? getenv("GL_USERNAME")
			  : getenv("REMOTE_USER") ? getenv("REMOTE_USER")
			  : getenv("USER") ? getenv("USER") : "unknown";
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "hush: warning: secret scan BYPASSED with push option hush.skip by %s; this is logged\n", who);
	if (path && (f = fopen(path, "a")) != NULL) {
		fprintf(f, "%s bypass by %s:", when, who);
		for (size_t i = 0; i < in->len; i++)
			fputc(in->ptr[i] == '\n' ? ' ' : in->ptr[i], f);
		fputc('\n', f);
		fclose(f);
	}
	free(path);
}

static int hook_pre_receive(hook_env *e)
{
	git_repository *repo = NULL;
	hush_buf in = HUSH_BUF_INIT;
	strlist revs = { NULL, 0 };
	hook_updates updates = { NULL, 0, 0 };
	size_t positives = 0;
	int rc = EXIT_ERROR;

	if ((rc = hook_begin(e, &in, &repo)) != 0)
		goto cleanup;
	rc = EXIT_ERROR;
	if (push_option("hush.skip")) {
		if (bypass_allowed(repo)) {
			log_bypass(repo, &in);
			rc = EXIT_CLEAN;
			goto cleanup;
		}
		cli_warning("push option hush.skip ignored: this server does not allow bypassing the secret scan");
	}
	if ((rc = hook_parse_pre_receive(&updates, in.ptr, in.len)) != 0) {
		if (rc == HUSH_EINVALID)
			cli_error("%s", hush_error_last());
		rc = EXIT_ERROR;
		goto cleanup;
	}
	rc = EXIT_ERROR;
	for (size_t i = 0; i < updates.n; i++, positives++)
		if (strlist_add(&revs, "", updates.v[i].tip, GIT_OID_HEXSZ))
			goto cleanup;
	/* new to the repository: reachable from the pushed tips and from no existing ref */
	if (positives && exclude_refs(repo, NULL, &revs)) {
		cli_error("%s", hush_error_last());
		goto cleanup;
	}
	rc = scan_revisions(e, ".", &revs, positives, "pre-receive", "push rejected");
cleanup:
	hook_updates_dispose(&updates);
	hush__strv_free(revs.v, revs.n);
	hush_buf_dispose(&in);
	git_repository_free(repo);
	return rc;
}

/* ---- install / uninstall ---- */

static char *hooks_dir(git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf b = { 0 };
	char *dir = NULL;

	if (git_repository_config_snapshot(&cfg, repo) == 0 && git_config_get_path(&b, cfg, "core.hooksPath") == 0 &&
	    b.ptr && b.ptr[0]) {
		/* a relative core.hooksPath is relative to the work tree (git's rule for hooks run there) */
		const char *base = git_repository_workdir(repo) ? git_repository_workdir(repo) : git_repository_path(repo);

		dir = b.ptr[0] == '/' ? hush__strdup(b.ptr) : hush__path_join(base, b.ptr);
	} else {
		dir = hush__path_join(git_repository_path(repo), "hooks");
	}
	git_buf_dispose(&b);
	git_config_free(cfg);
	return dir;
}

static bool file_has(const char *path, const char *needle)
{
	hush_buf b = HUSH_BUF_INIT;
	bool found = hush__read_file(&b, path, 1u << 20) == 0 && strstr(b.ptr, needle) != NULL;

	hush_buf_dispose(&b);
	hush_error_clear();
	return found;
}

static char *self_path(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return hush__strdup("hush");
	buf[n] = '\0';
	return hush__strdup(buf);
}

static int write_hook(const char *path, const char *kind, const char *hush_bin)
{
	char tmp[4200];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.hush-tmp", path);
	if (!(f = fopen(tmp, "w")))
		return -1;
	fprintf(f, "#!/bin/sh\n%s; 'hush hook uninstall %s' removes it\n", HOOK_MARKER, kind);
	fprintf(f, "# and restores the hook it chained (%s.hush-chained), which runs first.\n", kind);
	fprintf(f, "hush_bin=${HUSH_BIN:-'");
	for (const char *c = hush_bin; *c; c++) /* a quote in the path becomes '\'' */
		fputs(*c == '\'' ? "'\\''" : (char[2]){ *c, 0 }, f);
	fprintf(f, "'}\n");
	fprintf(f, "[ -x \"$hush_bin\" ] || hush_bin=hush\n");
	fprintf(f, "chained=\"$0.hush-chained\"\n");
	if (!strcmp(kind, "pre-push")) {
		fprintf(f, "input=$(cat)\n");
		fprintf(f, "if [ -x \"$chained\" ]; then\n\tprintf '%%s\\n' \"$input\" | \"$chained\" \"$@\" || exit $?\nfi\n");
		fprintf(f, "printf '%%s\\n' \"$input\" | exec \"$hush_bin\" hook pre-push \"$@\"\n");
	} else {
		fprintf(f, "if [ -x \"$chained\" ]; then\n\t\"$chained\" \"$@\" || exit $?\nfi\n");
		fprintf(f, "exec \"$hush_bin\" hook %s\n", kind);
	}
	ok = fclose(f) == 0 && chmod(tmp, 0755) == 0 && rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	return ok ? 0 : -1;
}

static int hook_install(const char *kind, bool install)
{
	git_repository *repo = NULL;
	char *dir = NULL, *path = NULL, *chained = NULL, *bin = NULL;
	struct stat st;
	int rc = EXIT_ERROR;

	if (strcmp(kind, "pre-commit") && strcmp(kind, "pre-push")) {
		cli_error("cannot install '%s': hush installs pre-commit and pre-push hooks (a server copies "
			  "hooks/pre-receive)", kind);
		return EXIT_ERROR;
	}
	if (hush_git_init() != 0) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	if (hush_repo_open(&repo, ".") < 0) {
		cli_error("not in a git repository: %s", git_msg());
		return EXIT_ERROR;
	}
	if (!(dir = hooks_dir(repo)) || !(path = hush__path_join(dir, kind)) ||
	    !(chained = hush__malloc(strlen(path) + 16)) || !(bin = self_path()))
		goto cleanup;
	snprintf(chained, strlen(path) + 16, "%s.hush-chained", path);
	if (install) {
		if (hush__mkdir_p(dir, 0755) < 0) {
			cli_error("cannot create the hooks folder '%s': %s", dir, strerror(errno));
			goto cleanup;
		}
		if (lstat(path, &st) == 0 && !file_has(path, HOOK_MARKER)) {
			if (lstat(chained, &st) == 0) {
				cli_error("cannot install: both '%s' and '%s' exist; move one away first", path, chained);
				goto cleanup;
			}
			if (rename(path, chained) < 0) {
				cli_error("cannot keep the existing hook '%s': %s", path, strerror(errno));
				goto cleanup;
			}
			printf("hush: kept the existing %s hook as '%s'; it runs first\n", kind, chained);
		}
		if (write_hook(path, kind, bin) < 0) {
			cli_error("cannot write the hook '%s': %s", path, strerror(errno));
			goto cleanup;
		}
		printf("hush: installed the %s hook in '%s'\n", kind, path);
	} else {
		if (lstat(path, &st) < 0 || !file_has(path, HOOK_MARKER)) {
			cli_error("no hush %s hook in '%s'", kind, dir);
			goto cleanup;
		}
		if (unlink(path) < 0) {
			cli_error("cannot remove '%s': %s", path, strerror(errno));
			goto cleanup;
		}
		if (lstat(chained, &st) == 0 && rename(chained, path) == 0)
			printf("hush: removed the %s hook and restored the one it chained\n", kind);
		else
			printf("hush: removed the %s hook\n", kind);
	}
	rc = EXIT_CLEAN;
cleanup:
	free(dir);
	free(path);
	free(chained);
	free(bin);
	git_repository_free(repo);
	return rc;
}

int cmd_hook(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "fail-open", no_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		RULE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	hook_env e;
	const char *sub;
	int opt, rc;

	memset(&e, 0, sizeof(e));
	if (argc < 2) {
		fputs(cmd_hook_usage, stderr);
		return EXIT_ERROR;
	}
	sub = argv[1];
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "q", longopts, NULL)) != -1) {
		int handled = cli_rule_option(&e.ro, opt, optarg);

		if (handled < 0)
			return EXIT_ERROR;
		if (handled)
			continue;
		if (opt == 't') {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 1 || n > 86400) {
				cli_error("invalid --timeout '%s': use seconds from 1 to 86400", optarg);
				return EXIT_ERROR;
			}
			e.timeout = (unsigned)n;
		} else if (opt == 'F') {
			fail_open = true;
		} else if (opt == 'q') {
			e.quiet = true;
		} else {
			fprintf(stderr, "Run 'hush hook --help' for the options.\n");
			return EXIT_ERROR;
		}
	}
	if (e.timeout) {
		signal(SIGALRM, on_alarm);
		alarm(e.timeout);
	}
	hush_git_init_async(); /* every hook needs libgit2: start it while the rules load */
	if (!strcmp(sub, "pre-commit"))
		rc = hook_pre_commit(&e);
	else if (!strcmp(sub, "pre-push"))
		rc = hook_pre_push(&e, optind + 1 < argc ? argv[optind + 1] : "origin");
	else if (!strcmp(sub, "pre-receive"))
		rc = hook_pre_receive(&e);
	else if (!strcmp(sub, "install") || !strcmp(sub, "uninstall"))
		rc = hook_install(optind + 1 < argc ? argv[optind + 1] : "pre-commit", !strcmp(sub, "install"));
	else {
		cli_error("unknown hook '%s': use pre-commit, pre-push, pre-receive, install or uninstall", sub);
		rc = EXIT_ERROR;
	}
	if (e.timeout)
		alarm(0);
	hook_dispose(&e);
	return rc;
}
