/*
 * staged.c: scan what is staged in the index. Each staged blob is matched in full (so a private key is found even
 * when only part of it was added), and only findings that touch a line the staged change adds are kept.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hush/error.h"
#include "hush/scan.h"
#include "scanner/decode.h"
#include "scanner/sink.h"
#include "common/gitlib.h"
#include "common/util.h"
#include "common/banned.h"

static const char *git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

int hush__patch_added_lines(git_patch *patch, hush__line_range **out, size_t *nout)
{
	size_t alloc = 0;

	*out = NULL;
	*nout = 0;
	for (size_t h = 0; h < git_patch_num_hunks(patch); h++) {
		int nlines = git_patch_num_lines_in_hunk(patch, h);

		for (int l = 0; l < nlines; l++) {
			const git_diff_line *line;
			uint64_t n;

			if (git_patch_get_line_in_hunk(&line, patch, h, (size_t)l) < 0 ||
			    line->origin != GIT_DIFF_LINE_ADDITION || line->new_lineno <= 0)
				continue;
			n = (uint64_t)line->new_lineno;
			if (*nout && (*out)[*nout - 1].last + 1 == n) {
				(*out)[*nout - 1].last = n;
				continue;
			}
			if (hush__array_grow((void **)out, &alloc, *nout, sizeof(**out)))
				return HUSH_ENOMEM;
			(*out)[*nout].first = (*out)[*nout].last = n;
			(*nout)++;
		}
	}
	return 0;
}

/*
 * The patch of a UTF-16 file, diffed as text whatever the options of the index diff (libgit2 takes UTF-16 for
 * binary: its patch has no lines). Its lines are split at each 0x0A byte, as the transcoding's are at each
 * newline; they agree unless a character other than a newline has a 0x0A byte (U+0A00-U+0AFF, U+xx0A).
 */
static int utf16_patch(git_patch **out, git_repository *repo, const git_diff_delta *d, git_blob *blob)
{
	static const git_oid zero;
	git_diff_options o;
	git_blob *old = NULL;
	int rc;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.context_lines = 0;
	o.flags |= GIT_DIFF_FORCE_TEXT;
	if (memcmp(&d->old_file.id, &zero, sizeof(zero)) != 0 && git_blob_lookup(&old, repo, &d->old_file.id) < 0)
		old = NULL; /* unreadable: every line counts as added */
	rc = git_patch_from_blobs(out, old, d->old_file.path, blob, d->new_file.path, &o);
	git_blob_free(old);
	return rc;
}

static int scan_delta(hush__sink *s, git_repository *repo, git_diff *diff, size_t i, hush_match_ctx *ctx)
{
	const git_diff_delta *d = git_diff_get_delta(diff, i);
	hush__origin o = { s, d->new_file.path, d->new_file.path, NULL, NULL, NULL, 0, NULL, 0, 0 };
	hush__line_range *keep = NULL;
	git_patch *patch = NULL;
	git_blob *blob = NULL;
	size_t nkeep = 0;
	const char *data;
	size_t size;
	uint64_t limits;
	char hex[GIT_OID_HEXSZ + 1];
	hush_buf u16;
	int err = 0, rc;

	hush_buf_init(&u16, hush__utf16_utf8_max(s->opts->max_file_size));
	if (d->status != GIT_DELTA_ADDED && d->status != GIT_DELTA_MODIFIED && d->status != GIT_DELTA_RENAMED &&
	    d->status != GIT_DELTA_COPIED && d->status != GIT_DELTA_TYPECHANGE)
		return 0;
	if (d->new_file.mode == GIT_FILEMODE_COMMIT || d->new_file.mode == GIT_FILEMODE_LINK) {
		s->res->stats.skipped_special++;
		return 0;
	}
	git_oid_tostr(hex, sizeof(hex), &d->new_file.id);
	if (git_blob_lookup(&blob, repo, &d->new_file.id) < 0) {
		hush__sink_warn(s, "cannot read the staged blob %s of '%s': %s", hex, d->new_file.path, git_msg());
		return 0;
	}
	data = git_blob_rawcontent(blob);
	size = (size_t)git_blob_rawsize(blob);
	if (size > s->opts->max_file_size) {
		hush__sink_warn(s, "skipping '%s': its staged content is over the --max-file-size limit", d->new_file.path);
		s->res->stats.skipped_large++;
		goto cleanup;
	}
	if ((rc = hush__sink_text(s, &o, &data, &size, &u16)) != 0) {
		if (rc == 1)
			s->res->stats.skipped_binary++;
		else if (rc == 2)
			s->res->stats.skipped_ignored++; /* a hush vault: ciphertexts only */
		err = rc < 0 ? rc : 0;
		goto cleanup;
	}
	if ((o.chain ? utf16_patch(&patch, repo, d, blob) : git_patch_from_diff(&patch, diff, i)) < 0) {
		hush__sink_warn(s, "cannot diff '%s': %s", d->new_file.path, git_msg());
		goto cleanup;
	}
	if ((err = hush__patch_added_lines(patch, &keep, &nkeep)) != 0 || nkeep == 0)
		goto cleanup; /* a pure rename or a change that only removes lines adds nothing to report */
	o.keep = keep;
	o.nkeep = nkeep;
	o.blob = hex;
	s->res->stats.files++;
	s->res->stats.bytes += size;
	limits = hush_match_ctx_limit_hits(ctx);
	if ((err = hush_match_buffer(ctx, data, size, false, hush__sink_match, &o)) == 0)
		hush__sink_limits(s, ctx, limits, d->new_file.path, NULL);
cleanup:
	hush_buf_dispose(&u16);
	free(keep);
	git_patch_free(patch);
	git_blob_free(blob);
	return err;
}

/* The staged change: the repository, its index and their diff against HEAD (see hush_staged_start). */
struct hush_staged {
	char *repo_path;
	bool force_text;
	pthread_t tid;
	bool threaded;
	int err;          /* 0, or the error of staged_open ... */
	char msg[1024];   /* ... and its message, set again in the scanning thread */
	git_repository *repo;
	git_index *index;
	git_object *head;
	git_diff *diff;
};

static int staged_fail(hush_staged *st, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int staged_fail(hush_staged *st, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
	return st->err = err;
}

/* Open the repository and its index, and diff HEAD's tree against the index (renames and copies found). */
static int staged_open(hush_staged *st)
{
	git_diff_options dopts;
	git_diff_find_options fopts;
	const char *index_file = getenv("GIT_INDEX_FILE");
	git_tree *tree = NULL;

	if ((st->err = hush_git_init()) != 0) {
		snprintf(st->msg, sizeof(st->msg), "%s", hush_error_last());
		return st->err;
	}
	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	if (hush_repo_open(&st->repo, st->repo_path) < 0)
		return staged_fail(st, HUSH_EINVALID, "cannot open the repository '%s': %s", st->repo_path, git_msg());
	/* "git commit -a" and "git commit FILE" point their hooks at a temporary index */
	if (index_file && *index_file && !git_repository_is_bare(st->repo)) {
		if (git_index_open(&st->index, index_file) < 0)
			return staged_fail(st, HUSH_EINVALID, "cannot read the index '%s': %s", index_file, git_msg());
	} else if (git_repository_is_bare(st->repo) || git_repository_index(&st->index, st->repo) < 0) {
		return staged_fail(st, HUSH_EINVALID, "cannot read the index of '%s': %s", st->repo_path,
				   git_repository_is_bare(st->repo) ? "a bare repository has no index" : git_msg());
	}
	/* an unborn branch has no HEAD: everything staged is new */
	if (git_revparse_single(&st->head, st->repo, "HEAD^{tree}") == 0)
		tree = (git_tree *)st->head;
	dopts.context_lines = 0;
	dopts.flags |= GIT_DIFF_IGNORE_SUBMODULES;
	if (st->force_text) /* libgit2 gives a binary file's patch no lines: have it diffed as text */
		dopts.flags |= GIT_DIFF_FORCE_TEXT;
	if (git_diff_tree_to_index(&st->diff, st->repo, tree, st->index, &dopts) < 0)
		return staged_fail(st, HUSH_ERROR, "cannot compare the index with HEAD: %s", git_msg());
	fopts.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_COPIES;
	git_diff_find_similar(st->diff, &fopts);
	return 0;
}

static void *staged_thread(void *arg)
{
	(void)staged_open(arg);
	return NULL;
}

static void staged_free(hush_staged *st)
{
	if (!st)
		return;
	if (st->threaded)
		pthread_join(st->tid, NULL);
	git_diff_free(st->diff);
	git_object_free(st->head);
	git_index_free(st->index);
	git_repository_free(st->repo);
	free(st->repo_path);
	free(st);
}

int hush_staged_start(hush_staged **out, const char *repo_path, bool force_text)
{
	hush_staged *st;

	*out = NULL;
	if (!(st = hush__calloc(1, sizeof(*st))) || !(st->repo_path = hush__strdup(repo_path))) {
		free(st);
		return HUSH_ENOMEM;
	}
	st->force_text = force_text;
	st->threaded = pthread_create(&st->tid, NULL, staged_thread, st) == 0;
	if (!st->threaded)
		(void)staged_open(st); /* no thread: do it now; its error is reported by the scan */
	*out = st;
	return 0;
}

void hush_staged_free(hush_staged *st)
{
	staged_free(st);
}

int hush_scan_staged_change(hush_scan_result **out, const hush_matcher *m, hush_staged *st,
			    const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns();
	hush_match_ctx *ctx = NULL;
	hush__sink s;
	int err;

	*out = NULL;
	if (st->threaded) {
		pthread_join(st->tid, NULL);
		st->threaded = false;
	}
	if (st->err)
		return hush_error_set("%s", st->msg), st->err;
	if ((err = hush__sink_init(&s, m, opts)) != 0)
		return err;
	if ((err = hush_match_ctx_new(&ctx, m)) == 0)
		for (size_t i = 0; i < git_diff_num_deltas(st->diff) && !err; i++)
			err = scan_delta(&s, st->repo, st->diff, i, ctx);
	hush_match_ctx_free(ctx);
	return hush__sink_finish(&s, out, t0, err);
}

int hush_scan_staged(hush_scan_result **out, const hush_matcher *m, const char *repo_path,
		     const hush_scan_options *opts)
{
	hush_staged *st = NULL;
	int err;

	*out = NULL;
	if ((err = hush_staged_start(&st, repo_path, opts->binary)) != 0)
		return err;
	err = hush_scan_staged_change(out, m, st, opts);
	hush_staged_free(st);
	return err;
}
