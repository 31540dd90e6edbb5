/*
 * staged.c: scan what is staged in the index. Each staged blob is matched in full (so a private key is found even
 * when only part of it was added), and only findings that touch a line the staged change adds are kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hush/error.h"
#include "hush/scan.h"
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

static int scan_delta(hush__sink *s, git_repository *repo, git_diff *diff, size_t i, hush_match_ctx *ctx)
{
	const git_diff_delta *d = git_diff_get_delta(diff, i);
	hush__origin o = { s, d->new_file.path, d->new_file.path, NULL, NULL, NULL, 0, NULL, 0 };
	hush__line_range *keep = NULL;
	git_patch *patch = NULL;
	git_blob *blob = NULL;
	size_t nkeep = 0;
	const char *data;
	size_t size;
	char hex[GIT_OID_HEXSZ + 1];
	int err = 0;

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
	if (!s->opts->binary && hush__looks_binary(data, size)) {
		s->res->stats.skipped_binary++;
		goto cleanup;
	}
	if (hush__is_vault_file(d->new_file.path, data, size)) {
		s->res->stats.skipped_ignored++; /* a hush vault: ciphertexts only */
		goto cleanup;
	}
	if (git_patch_from_diff(&patch, diff, i) < 0) {
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
	err = hush_match_buffer(ctx, data, size, false, hush__sink_match, &o);
cleanup:
	free(keep);
	git_patch_free(patch);
	git_blob_free(blob);
	return err;
}

int hush_scan_staged(hush_scan_result **out, const hush_matcher *m, const char *repo_path,
		     const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns();
	git_diff_options dopts;
	git_diff_find_options fopts;
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_object *head = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	hush_match_ctx *ctx = NULL;
	hush__sink s;
	int err;

	*out = NULL;
	if ((err = hush_git_init()) != 0)
		return err;
	if ((err = hush__sink_init(&s, m, opts)) != 0)
		return err;
	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	if (hush_repo_open(&repo, repo_path) < 0) {
		err = hush_error_set("cannot open the repository '%s': %s", repo_path, git_msg());
		err = HUSH_EINVALID;
		goto done;
	}
	/* "git commit -a" and "git commit FILE" point their hooks at a temporary index */
	if (getenv("GIT_INDEX_FILE") && *getenv("GIT_INDEX_FILE") && !git_repository_is_bare(repo)) {
		if (git_index_open(&index, getenv("GIT_INDEX_FILE")) < 0) {
			err = hush_error_set("cannot read the index '%s': %s", getenv("GIT_INDEX_FILE"), git_msg());
			err = HUSH_EINVALID;
			goto done;
		}
	} else if (git_repository_is_bare(repo) || git_repository_index(&index, repo) < 0) {
		err = hush_error_set("cannot read the index of '%s': %s", repo_path,
				     git_repository_is_bare(repo) ? "a bare repository has no index" : git_msg());
		err = HUSH_EINVALID;
		goto done;
	}
	/* an unborn branch has no HEAD: everything staged is new */
	if (git_revparse_single(&head, repo, "HEAD^{tree}") == 0)
		tree = (git_tree *)head;
	dopts.context_lines = 0;
	dopts.flags |= GIT_DIFF_IGNORE_SUBMODULES;
	if (opts->binary) /* libgit2 gives a binary file's patch no lines: have it diffed as text */
		dopts.flags |= GIT_DIFF_FORCE_TEXT;
	if (git_diff_tree_to_index(&diff, repo, tree, index, &dopts) < 0) {
		err = hush_error_set("cannot compare the index with HEAD: %s", git_msg());
		goto done;
	}
	fopts.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_COPIES;
	git_diff_find_similar(diff, &fopts);
	if ((err = hush_match_ctx_new(&ctx, m)) != 0)
		goto done;
	for (size_t i = 0; i < git_diff_num_deltas(diff) && !err; i++)
		err = scan_delta(&s, repo, diff, i, ctx);
done:
	hush_match_ctx_free(ctx);
	git_diff_free(diff);
	git_object_free(head);
	git_index_free(index);
	git_repository_free(repo);
	return hush__sink_finish(&s, out, t0, err);
}
