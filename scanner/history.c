/*
 * history.c: scan a repository's history. The main thread walks the commits in scope oldest first (topological,
 * then by time) and their trees, skipping every tree and blob id it has seen, so each unique blob is queued once,
 * with the first commit and path that hold it. Worker threads, each with its own repository handle, read and
 * inflate the queued blobs and match them. The queue is bounded, so memory stays flat whatever the history's size.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/scan.h"
#include "scanner/commits.h"
#include "scanner/decode.h"
#include "scanner/sink.h"
#include "common/gitlib.h"
#include "common/oidset.h"
#include "common/util.h"
#include "common/banned.h"

#define QUEUE_CAP 1024

typedef struct {
	git_oid blob;
	git_oid commit;
	bool has_commit;
	char *path;
} job;

typedef struct {
	job v[QUEUE_CAP];
	size_t head, count;
	bool closed;
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
} job_queue;

typedef struct {
	hush__sink sink;
	const hush_history_options *h;
	const char *repo_path;
	git_repository *repo;
	git_odb *odb;
	job_queue q;
	hush__oidset seen_trees, seen_blobs;
	git_oid *commits; /* in scope, oldest first */
	git_oid *trees;   /* their root trees */
	struct hush__extra *extras; /* trees and blobs named directly (tags of non-commits) */
	size_t nextras;
	size_t ncommits;
	atomic_uint_fast64_t blobs_done, bytes_done;
	uint64_t last_progress_ns, t0;
	uint64_t progress_delay_ns; /* no progress line before this much time has passed */
	bool progress_drawn;
} history;

static const char *git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

/* ---- the bounded queue ---- */

static void queue_init(job_queue *q)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
}

static void queue_dispose(job_queue *q)
{
	for (size_t i = 0; i < q->count; i++)
		free(q->v[(q->head + i) % QUEUE_CAP].path);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
}

static void queue_push(job_queue *q, job *j)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == QUEUE_CAP && !q->closed)
		pthread_cond_wait(&q->not_full, &q->lock);
	if (q->closed) { /* the workers are gone (a failure): drop the job */
		free(j->path);
	} else {
		q->v[(q->head + q->count) % QUEUE_CAP] = *j;
		q->count++;
		pthread_cond_signal(&q->not_empty);
	}
	pthread_mutex_unlock(&q->lock);
}

static bool queue_pop(job_queue *q, job *out)
{
	bool ok = false;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->closed)
		pthread_cond_wait(&q->not_empty, &q->lock);
	if (q->count) {
		*out = q->v[q->head];
		q->head = (q->head + 1) % QUEUE_CAP;
		q->count--;
		ok = true;
		pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

static void queue_close(job_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

/* ---- workers ---- */

/*
 * A blob's matches, held until we know which lines its commit added. Pointers into the blob stay valid while the
 * blob does; the secret of a match found in an encoded span lives in the matcher only during the callback, so
 * it is copied (and the copies freed with the rest).
 */
typedef struct {
	hush_match *v;
	size_t n, alloc;
	char **copies;
	size_t ncopies, acopies;
} held_matches;

static int hold_match(const hush_match *m, void *payload)
{
	held_matches *h = payload;
	char *copy = NULL;

	if (hush__array_grow((void **)&h->v, &h->alloc, h->n, sizeof(*h->v)))
		return HUSH_ENOMEM;
	if (m->encoding) {
		if (hush__array_grow((void **)&h->copies, &h->acopies, h->ncopies, sizeof(*h->copies)) ||
		    !(copy = hush__malloc(m->secret_len ? m->secret_len : 1)))
			return HUSH_ENOMEM;
		memcpy(copy, m->secret, m->secret_len);
		h->copies[h->ncopies++] = copy;
	}
	h->v[h->n] = *m;
	if (copy)
		h->v[h->n].secret = copy;
	h->n++;
	return 0;
}

static void held_dispose(held_matches *h)
{
	for (size_t i = 0; i < h->ncopies; i++)
		free(h->copies[i]);
	free(h->copies);
	free(h->v);
}

/* Added lines of new relative to old (new-side numbers, sorted ranges). */
static int added_lines(git_repository *repo, const git_oid *old, const git_oid *new_id, hush__line_range **out,
		       size_t *nout)
{
	git_blob *a = NULL, *b = NULL;
	git_patch *patch = NULL;
	git_diff_options o;
	int err = -1;

	*out = NULL;
	*nout = 0;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.context_lines = 0;
	o.flags |= GIT_DIFF_FORCE_TEXT;
	if (git_blob_lookup(&a, repo, old) == 0 && git_blob_lookup(&b, repo, new_id) == 0 &&
	    git_patch_from_blobs(&patch, a, NULL, b, NULL, &o) == 0)
		err = hush__patch_added_lines(patch, out, nout);
	git_patch_free(patch);
	git_blob_free(a);
	git_blob_free(b);
	return err;
}

static bool touches(const hush__line_range *r, size_t n, uint64_t first, uint64_t last)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].first <= last && first <= r[i].last)
			return true;
	return false;
}

/*
 * Keep the matches on lines the commit added: a line counts when every parent that has a version of the path
 * lacks it (so a merge resolution's own lines count, and a secret already in the parent does not count again).
 * A root commit, a new path, or a parent that cannot be read keeps everything.
 */
static int filter_added(git_repository *repo, const job *j, held_matches *h)
{
	git_commit *c = NULL;
	int err = 0;

	if (!h->n || !j->has_commit || git_commit_lookup(&c, repo, &j->commit) < 0)
		return 0;
	for (unsigned p = 0; p < git_commit_parentcount(c) && h->n && !err; p++) {
		git_commit *parent = NULL;
		git_tree *tree = NULL;
		git_tree_entry *entry = NULL;
		hush__line_range *added = NULL;
		size_t nadded = 0, out = 0;

		if (git_commit_parent(&parent, c, p) == 0 && git_commit_tree(&tree, parent) == 0 &&
		    git_tree_entry_bypath(&entry, tree, j->path) == 0 && git_tree_entry_type(entry) == GIT_OBJECT_BLOB &&
		    added_lines(repo, git_tree_entry_id(entry), &j->blob, &added, &nadded) == 0) {
			for (size_t i = 0; i < h->n; i++)
				if (touches(added, nadded, h->v[i].line, h->v[i].end_line))
					h->v[out++] = h->v[i];
			h->n = out;
		}
		free(added);
		git_tree_entry_free(entry);
		git_tree_free(tree);
		git_commit_free(parent);
	}
	git_commit_free(c);
	return err;
}

static int scan_job(history *hs, git_repository *repo, git_odb *odb, hush_match_ctx *ctx, job *j)
{
	char blob_hex[GIT_OID_HEXSZ + 1], commit_hex[GIT_OID_HEXSZ + 1];
	hush__origin o = { &hs->sink, j->path, j->path, NULL, blob_hex, NULL, 0, NULL, 0, 0 };
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size, tlen;
	const char *data, *text;
	hush_buf u16;
	int err = 0, rc;

	hush_buf_init(&u16, hush__utf16_utf8_max(hs->sink.opts->max_file_size));
	git_oid_tostr(blob_hex, sizeof(blob_hex), &j->blob);
	if (j->has_commit) {
		git_oid_tostr(commit_hex, sizeof(commit_hex), &j->commit);
		o.commit = commit_hex;
	}
	if (git_odb_read_header(&size, &type, odb, &j->blob) < 0) {
		hush__sink_warn(&hs->sink, "cannot read blob %s ('%s'): %s", blob_hex, j->path, git_msg());
		return 0;
	}
	if (size > hs->sink.opts->max_file_size) {
		char sz[32], lim[32];

		hush__human_size(sz, sizeof(sz), size);
		hush__human_size(lim, sizeof(lim), hs->sink.opts->max_file_size);
		hush__sink_warn(&hs->sink, "skipping blob %s ('%s'): %s is over the --max-file-size limit of %s",
				blob_hex, j->path, sz, lim);
		pthread_mutex_lock(&hs->sink.lock);
		hs->sink.res->stats.skipped_large++;
		pthread_mutex_unlock(&hs->sink.lock);
		return 0;
	}
	if (git_odb_read(&obj, odb, &j->blob) < 0) {
		hush__sink_warn(&hs->sink, "cannot read blob %s ('%s'): %s", blob_hex, j->path, git_msg());
		return 0;
	}
	data = git_odb_object_data(obj);
	size = git_odb_object_size(obj);
	text = data;
	tlen = size;
	/* UTF-16 text is matched transcoded; its lines are the blob's, so the text diff of filter_added agrees */
	if ((rc = hush__sink_text(&hs->sink, &o, &text, &tlen, &u16)) < 0) {
		err = rc;
	} else if (rc == 1) {
		pthread_mutex_lock(&hs->sink.lock);
		hs->sink.res->stats.skipped_binary++;
		pthread_mutex_unlock(&hs->sink.lock);
	} else if (rc == 2) {
		pthread_mutex_lock(&hs->sink.lock);
		hs->sink.res->stats.skipped_ignored++; /* a hush vault: ciphertexts only */
		pthread_mutex_unlock(&hs->sink.lock);
	} else {
		held_matches h = { NULL, 0, 0, NULL, 0, 0 };
		uint64_t limits = hush_match_ctx_limit_hits(ctx);

		err = hush_match_buffer(ctx, text, tlen, false, hold_match, &h);
		if (!err)
			hush__sink_limits(&hs->sink, ctx, limits, j->path, blob_hex);
		if (!err)
			err = filter_added(repo, j, &h);
		for (size_t i = 0; i < h.n && !err; i++)
			err = hush__sink_match(&h.v[i], &o);
		held_dispose(&h);
		atomic_fetch_add(&hs->blobs_done, 1);
		atomic_fetch_add(&hs->bytes_done, size);
	}
	hush_buf_dispose(&u16);
	git_odb_object_free(obj);
	return err;
}

static void *worker(void *arg)
{
	history *hs = arg;
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	hush_match_ctx *ctx = NULL;
	job j;
	int err = 0;

	/* each worker reads through its own repository handle */
	if (hush_repo_open(&repo, hs->repo_path) < 0 || git_repository_odb(&odb, repo) < 0) {
		hush_error_set("cannot open the repository '%s': %s", hs->repo_path, git_msg());
		err = HUSH_ERROR;
	} else {
		err = hush_match_ctx_new(&ctx, hs->sink.m);
	}
	while (!err && queue_pop(&hs->q, &j)) {
		err = scan_job(hs, repo, odb, ctx, &j);
		free(j.path);
	}
	if (err) {
		hush__sink_fail(&hs->sink, err);
		queue_close(&hs->q);
		while (queue_pop(&hs->q, &j))
			free(j.path);
	}
	hush_match_ctx_free(ctx);
	git_odb_free(odb);
	git_repository_free(repo);
	return NULL;
}

/* ---- progress ---- */

static void progress(history *hs, size_t done, bool final)
{
	uint64_t now = hush__now_ns(), bytes = atomic_load(&hs->bytes_done);
	double secs = (double)(now - hs->t0) / 1e9, rate = secs > 0 ? (double)bytes / secs : 0, eta = 0;
	char b[32], r[32];

	if (!hs->h->progress || (!final && now - hs->last_progress_ns < 100000000ULL))
		return;
	if (!hs->progress_drawn && (final || now - hs->t0 < hs->progress_delay_ns))
		return; /* short scans stay quiet */
	hs->last_progress_ns = now;
	if (done && done < hs->ncommits)
		eta = secs * (double)(hs->ncommits - done) / (double)done;
	hush__human_size(b, sizeof(b), bytes);
	hush__human_size(r, sizeof(r), (uint64_t)rate);
	fprintf(stderr, "\rhush: %zu/%zu commits, %llu blobs, %s, %s/s, ETA %.0f s   ", done, hs->ncommits,
		(unsigned long long)atomic_load(&hs->blobs_done), b, r, eta);
	hs->progress_drawn = true;
	if (final)
		fputc('\n', stderr);
}

/* ---- the walk ---- */

/* One entry of a raw tree object: "<octal mode> <name>\0<20-byte id>". */
typedef struct {
	unsigned mode;
	const char *name;
	size_t name_len;
	const unsigned char *id;
} tree_entry;

/* Parse the entry at *p; returns false at the end or on malformed data. */
static bool next_entry(const char **p, const char *end, tree_entry *e)
{
	const char *q = *p, *nul;

	if (q >= end)
		return false;
	e->mode = 0;
	while (q < end && *q >= '0' && *q <= '7')
		e->mode = (e->mode << 3) | (unsigned)(*q++ - '0');
	if (q >= end || *q++ != ' ' || !(nul = memchr(q, '\0', (size_t)(end - q))) || end - (nul + 1) < GIT_OID_RAWSZ)
		return false;
	e->name = q;
	e->name_len = (size_t)(nul - q);
	e->id = (const unsigned char *)nul + 1;
	*p = nul + 1 + GIT_OID_RAWSZ;
	return true;
}

/*
 * Visit a tree read raw from the object database (parsing it here costs far less than building git_tree objects),
 * queue each blob not seen before, and recurse into each subtree not seen before. With enqueue false, only mark.
 */
static int walk_tree(history *hs, const git_oid *tree_id, const char *prefix, const git_oid *commit, bool enqueue,
		     int depth)
{
	git_odb_object *obj = NULL;
	const char *p, *end;
	char hex[GIT_OID_HEXSZ + 1];
	size_t plen = strlen(prefix);
	tree_entry e;
	int err = 0;

	if (depth > 256)
		return 0;
	if (git_odb_read(&obj, hs->odb, tree_id) < 0 || git_odb_object_type(obj) != GIT_OBJECT_TREE) {
		if (enqueue) {
			git_oid_tostr(hex, sizeof(hex), tree_id);
			hush__sink_warn(&hs->sink, "cannot read tree %s%s%s: %s", hex, prefix[0] ? " at " : "", prefix,
					obj ? "not a tree" : git_msg());
		}
		git_odb_object_free(obj);
		return 0;
	}
	if (enqueue)
		hs->sink.res->stats.trees++;
	p = git_odb_object_data(obj);
	end = p + git_odb_object_size(obj);
	while (!err && next_entry(&p, end, &e)) {
		bool is_tree = (e.mode & 0170000) == 0040000;
		char *path;
		int added;

		if ((e.mode & 0170000) == 0160000) { /* a submodule: its history is another repository's */
			if (enqueue)
				hs->sink.res->stats.skipped_special++;
			continue;
		}
		if ((e.mode & 0170000) == 0120000) /* a symlink's blob is its target's name */
			continue;
		if (is_tree) {
			if ((added = hush__oidset_add(&hs->seen_trees, e.id)) < 0)
				return HUSH_ENOMEM;
			if (!added)
				continue;
		} else if (!enqueue || !hs->sink.opts->config) {
			/* the common case decides on the id alone, before building the path */
			if ((added = hush__oidset_add(&hs->seen_blobs, e.id)) < 0)
				return HUSH_ENOMEM;
			if (!added || !enqueue)
				continue;
		}
		if (!(path = hush__malloc(plen + e.name_len + 2))) {
			err = HUSH_ENOMEM;
			break;
		}
		memcpy(path, prefix, plen);
		if (plen)
			path[plen] = '/';
		memcpy(path + plen + (plen ? 1 : 0), e.name, e.name_len);
		path[plen + (plen ? 1 : 0) + e.name_len] = '\0';
		if (is_tree) {
			git_oid sub;

			git_oid_fromraw(&sub, e.id);
			err = walk_tree(hs, &sub, path, commit, enqueue, depth + 1);
			free(path);
			continue;
		}
		if (hs->sink.opts->config) {
			/*
			 * A blob at an allowlisted path is not marked seen, so the same content at another path is
			 * still scanned and attributed there.
			 */
			if (hush_config_path_allowed(hs->sink.opts->config, path))
				added = 0;
			else if ((added = hush__oidset_add(&hs->seen_blobs, e.id)) < 0)
				err = HUSH_ENOMEM;
			if (added <= 0) {
				free(path);
				continue;
			}
		}
		{
			job j;

			git_oid_fromraw(&j.blob, e.id);
			j.has_commit = commit != NULL;
			if (commit)
				j.commit = *commit;
			else
				memset(&j.commit, 0, sizeof(j.commit));
			j.path = path;
			queue_push(&hs->q, &j);
		}
	}
	git_odb_object_free(obj);
	return err;
}

static int select_commits(history *hs)
{
	hush__commit_set set;
	int err = hush__commits_select(&set, hs->repo, hs->odb, hs->h->revisions, hs->h->nrevisions,
				       hush__sink_warn, &hs->sink);

	if (err)
		return err;
	if (set.shallow)
		hush__sink_warn(&hs->sink, "shallow clone: the history stops at %zu boundary commit%s; older commits are "
					   "not present and were not scanned (fetch with --unshallow to scan them)",
				set.shallow, set.shallow == 1 ? "" : "s");
	/* the blobs of the range's boundary are history the range did not introduce */
	for (size_t i = 0; i < set.nboundary && !err; i++)
		if (hush__oidset_add(&hs->seen_trees, set.boundary[i].id) > 0)
			err = walk_tree(hs, &set.boundary[i], "", &set.boundary[i], false, 0);
	hs->commits = set.commits;
	hs->trees = set.trees;
	hs->ncommits = set.n;
	hs->extras = set.extras;
	hs->nextras = set.nextras;
	set.commits = set.trees = NULL;
	set.extras = NULL;
	set.nextras = 0;
	hush__commit_set_dispose(&set);
	return err;
}

typedef struct {
	history *hs;
	int err;
} odb_walk;

static int on_object(const git_oid *id, void *payload)
{
	odb_walk *w = payload;
	size_t size;
	git_object_t type;
	git_odb *odb = NULL;
	job j;

	if (hush__oidset_has(&w->hs->seen_blobs, id->id))
		return 0;
	if (git_repository_odb(&odb, w->hs->repo) < 0)
		return -1;
	if (git_odb_read_header(&size, &type, odb, id) == 0 && type == GIT_OBJECT_BLOB &&
	    hush__oidset_add(&w->hs->seen_blobs, id->id) > 0) {
		j.blob = *id;
		j.has_commit = false;
		memset(&j.commit, 0, sizeof(j.commit));
		j.path = hush__strdup("(unreachable)");
		if (!j.path) {
			w->err = HUSH_ENOMEM;
			git_odb_free(odb);
			return -1;
		}
		queue_push(&w->hs->q, &j);
	}
	git_odb_free(odb);
	return 0;
}

/* ---- after the scan: authors and occurrences ---- */

static char *dup_or_empty(const char *s)
{
	return hush__strdup(s ? s : "");
}

static int add_authors(history *hs)
{
	for (size_t i = 0; i < hs->sink.res->count; i++) {
		hush_finding *f = &hs->sink.res->findings[i];
		git_commit *c = NULL;
		git_oid id;
		const git_signature *sig;

		if (!f->commit[0] || git_oid_fromstr(&id, f->commit) < 0 || git_commit_lookup(&c, hs->repo, &id) < 0)
			continue;
		sig = git_commit_author(c);
		f->author_name = dup_or_empty(sig->name);
		f->author_email = dup_or_empty(sig->email);
		f->author_time = (int64_t)sig->when.time;
		f->author_offset = sig->when.offset;
		git_commit_free(c);
		if (!f->author_name || !f->author_email)
			return HUSH_ENOMEM;
	}
	return 0;
}

typedef struct {
	history *hs;
	hush__oidset targets; /* blobs with findings */
	hush__oidset clean;   /* trees known to hold none of them */
} occ_walk;

static int add_occurrence(history *hs, const git_oid *blob, const git_oid *commit, const char *path)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), blob);
	for (size_t i = 0; i < hs->sink.res->count; i++) {
		hush_finding *f = &hs->sink.res->findings[i];
		hush_occurrence *v;

		if (strcmp(f->blob, hex))
			continue;
		if (!(v = hush__reallocarray(f->occurrences, f->noccurrences + 1, sizeof(*v))))
			return HUSH_ENOMEM;
		f->occurrences = v;
		git_oid_tostr(v[f->noccurrences].commit, sizeof(v[f->noccurrences].commit), commit);
		if (!(v[f->noccurrences].path = hush__strdup(path)))
			return HUSH_ENOMEM;
		f->noccurrences++;
	}
	return 0;
}

/* Returns 1 when the tree holds a target blob, 0 when not, < 0 on error. */
static int occ_tree(occ_walk *w, const git_oid *tree_id, const char *prefix, const git_oid *commit, int depth)
{
	git_tree *tree = NULL;
	int found = 0;

	if (depth > 256 || hush__oidset_has(&w->clean, tree_id->id) || git_tree_lookup(&tree, w->hs->repo, tree_id) < 0)
		return 0;
	for (size_t i = 0, n = git_tree_entrycount(tree); i < n && found >= 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		git_filemode_t mode = git_tree_entry_filemode(e);
		char path[4096];
		int rc = 0;

		if (mode == GIT_FILEMODE_COMMIT || mode == GIT_FILEMODE_LINK)
			continue;
		if (mode != GIT_FILEMODE_TREE && !hush__oidset_has(&w->targets, git_tree_entry_id(e)->id))
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "/" : "", git_tree_entry_name(e));
		if (mode == GIT_FILEMODE_TREE)
			rc = occ_tree(w, git_tree_entry_id(e), path, commit, depth + 1);
		else
			rc = add_occurrence(w->hs, git_tree_entry_id(e), commit, path) ? HUSH_ENOMEM : 1;
		if (rc < 0)
			found = rc;
		else if (rc > 0)
			found = 1;
	}
	git_tree_free(tree);
	if (found == 0 && hush__oidset_add(&w->clean, tree_id->id) < 0)
		return HUSH_ENOMEM;
	return found;
}

static int add_occurrences(history *hs)
{
	occ_walk w = { hs, HUSH_OIDSET_INIT, HUSH_OIDSET_INIT };
	int err = 0;

	for (size_t i = 0; i < hs->sink.res->count && !err; i++) {
		git_oid id;

		if (hs->sink.res->findings[i].blob[0] && git_oid_fromstr(&id, hs->sink.res->findings[i].blob) == 0 &&
		    hush__oidset_add(&w.targets, id.id) < 0)
			err = HUSH_ENOMEM;
	}
	for (size_t i = 0; i < hs->ncommits && !err && w.targets.count; i++)
		if (occ_tree(&w, &hs->trees[i], "", &hs->commits[i], 0) < 0)
			err = HUSH_ENOMEM;
	hush__oidset_dispose(&w.targets);
	hush__oidset_dispose(&w.clean);
	return err;
}

/* The last n bytes of the regular file path into out, its size into *size; false when they cannot be read. */
static bool read_tail(const char *path, unsigned char *out, size_t n, off_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)n &&
	     pread(fd, out, n, st.st_size - (off_t)n) == (ssize_t)n;
	*size = ok ? st.st_size : 0;
	close(fd);
	return ok;
}

/*
 * libgit2 drops a pack that does not match its index (a truncated or damaged .pack) without a word, and its objects
 * then read as "not found". Name each such pack up front: a version 2 index ends with its pack's checksum and its
 * own, and the pack ends with that checksum.
 */
static void check_packs(history *hs)
{
	char *dir = hush__path_join(git_repository_commondir(hs->repo), "objects/pack");
	struct dirent *de;
	DIR *d = dir ? opendir(dir) : NULL;

	while (d && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		unsigned char idx_tail[40], pack_tail[20];
		char name[sizeof(de->d_name) + 1], *idx, *pack;
		off_t isize, psize;

		if (n < 5 || strcmp(de->d_name + n - 4, ".idx"))
			continue;
		memcpy(name, de->d_name, n - 4);
		memcpy(name + n - 4, ".pack", 6);
		idx = hush__path_join(dir, de->d_name);
		pack = hush__path_join(dir, name);
		if (idx && pack && read_tail(idx, idx_tail, sizeof(idx_tail), &isize) &&
		    (!read_tail(pack, pack_tail, sizeof(pack_tail), &psize) || psize < 32 ||
		     memcmp(idx_tail, pack_tail, sizeof(pack_tail))))
			hush__sink_warn(&hs->sink, "damaged pack '%s': it is missing, truncated or does not match its index; "
						   "the objects in it cannot be read", pack);
		free(pack);
		free(idx);
	}
	if (d)
		closedir(d);
	free(dir);
}

int hush_scan_history(hush_scan_result **out, const hush_matcher *m, const char *repo_path,
		      const hush_history_options *hopts, const hush_scan_options *opts)
{
	history *hs;
	pthread_t tids[HUSH__MAX_THREADS];
	unsigned nt, started = 0;
	uint64_t t0 = hush__now_ns();
	int err;

	*out = NULL;
	if ((err = hush_git_init()) != 0)
		return err;
	if (!(hs = hush__calloc(1, sizeof(*hs))))
		return HUSH_ENOMEM;
	if ((err = hush__sink_init(&hs->sink, m, opts)) != 0) {
		free(hs);
		return err;
	}
	hs->h = hopts;
	hs->repo_path = repo_path;
	hs->t0 = t0;
	{
		/* HUSH_PROGRESS_DELAY_MS overrides the half-second delay (the tests set it to 0) */
		const char *d = getenv("HUSH_PROGRESS_DELAY_MS");

		hs->progress_delay_ns = (d && *d ? (uint64_t)strtoull(d, NULL, 10) : 500) * 1000000ULL;
	}
	queue_init(&hs->q);
	if (hush_repo_open(&hs->repo, repo_path) < 0) {
		err = hush_error_set("cannot open the repository '%s': %s", repo_path, git_msg());
		err = HUSH_EINVALID;
		goto done;
	}
	if (git_repository_odb(&hs->odb, hs->repo) < 0) {
		err = hush_error_set("cannot open the object database of '%s': %s", repo_path, git_msg());
		goto done;
	}
	check_packs(hs);
	if ((err = select_commits(hs)) != 0)
		goto done;
	hs->sink.res->stats.commits = hs->ncommits;

	nt = hush__thread_count(opts);
	for (started = 0; started < nt; started++)
		if (pthread_create(&tids[started], NULL, worker, hs) != 0)
			break;
	if (started == 0) {
		err = hush_error_set("cannot start a worker thread");
		goto done;
	}
	for (size_t i = 0; i < hs->ncommits && !err && !hs->q.closed; i++) {
		if (hush__oidset_add(&hs->seen_trees, hs->trees[i].id) > 0)
			err = walk_tree(hs, &hs->trees[i], "", &hs->commits[i], true, 0);
		progress(hs, i + 1, false);
	}
	for (size_t i = 0; i < hs->nextras && !err && !hs->q.closed; i++) {
		const struct hush__extra *x = &hs->extras[i];

		if (x->type == GIT_OBJECT_TREE) {
			if (hush__oidset_add(&hs->seen_trees, x->id.id) > 0)
				err = walk_tree(hs, &x->id, "", NULL, true, 0);
		} else if (hush__oidset_add(&hs->seen_blobs, x->id.id) > 0) {
			job j;

			j.blob = x->id;
			j.has_commit = false;
			memset(&j.commit, 0, sizeof(j.commit));
			if (!(j.path = hush__strdup(x->label)))
				err = HUSH_ENOMEM;
			else
				queue_push(&hs->q, &j);
		}
	}
	if (!err && hopts->unreachable && hopts->nrevisions) {
		/* "unreachable" means from every ref, not just from the revisions scanned: mark the rest as seen */
		hush__commit_set all;

		if ((err = hush__commits_select(&all, hs->repo, hs->odb, NULL, 0, hush__sink_warn, &hs->sink)) == 0) {
			for (size_t i = 0; i < all.n && !err; i++)
				if (hush__oidset_add(&hs->seen_trees, all.trees[i].id) > 0)
					err = walk_tree(hs, &all.trees[i], "", &all.commits[i], false, 0);
			hush__commit_set_dispose(&all);
		}
	}
	if (!err && hopts->unreachable) {
		odb_walk ow = { hs, 0 };
		git_odb *odb = NULL;

		if (git_repository_odb(&odb, hs->repo) == 0) {
			git_odb_foreach(odb, on_object, &ow);
			git_odb_free(odb);
		}
		err = ow.err;
	}
	queue_close(&hs->q);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	progress(hs, hs->ncommits, true);
	hs->sink.res->stats.blobs = atomic_load(&hs->blobs_done);
	hs->sink.res->stats.files = hs->sink.res->stats.blobs;
	hs->sink.res->stats.bytes = atomic_load(&hs->bytes_done);
	if (!err && !hs->sink.err)
		err = add_authors(hs);
	if (!err && !hs->sink.err && hopts->all_occurrences)
		err = add_occurrences(hs);
done:
	queue_close(&hs->q);
	err = hush__sink_finish(&hs->sink, out, t0, err);
	queue_dispose(&hs->q);
	hush__oidset_dispose(&hs->seen_trees);
	hush__oidset_dispose(&hs->seen_blobs);
	free(hs->commits);
	free(hs->trees);
	for (size_t i = 0; i < hs->nextras; i++)
		free(hs->extras[i].label);
	free(hs->extras);
	git_odb_free(hs->odb);
	git_repository_free(hs->repo);
	free(hs);
	return err;
}
