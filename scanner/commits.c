/*
 * commits.c: select the commits of a history scan. A date-ordered walk from the positive and negative tips marks
 * what the negative tips reach as uninteresting (as git's revision walk does, with a little slop for clock skew),
 * then the interesting commits are sorted oldest first (Kahn's algorithm, ties by commit time). Commit objects are
 * parsed raw. Parents of shallow commits and commits that cannot be read end the walk on their line only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/commits.h"
#include "hush/error.h"
#include "common/oidset.h"
#include "common/util.h"
#include "common/banned.h"

enum {
	F_LOADED = 1,
	F_MISSING = 2,
	F_UNINTERESTING = 4,
	F_QUEUED = 8,
	F_POPPED = 16,
	F_COUNTED = 32, /* queued while interesting: counted in walk.interesting */
	F_SHALLOW = 64,
	F_RESULT = 128
};

#define SLOP 5

typedef struct {
	git_oid id, tree;
	int64_t time;
	uint32_t *parents;
	uint32_t nparents;
	uint32_t pending; /* in-scope parents not yet emitted (topological sort) */
	uint8_t flags;
} node;

typedef struct {
	git_repository *repo;
	git_odb *odb;
	hush__warn_fn warn;
	void *warn_arg;
	node *nodes;
	size_t nnodes, anodes;
	hush__oidmap index;
	hush__oidset shallow;
	uint32_t *heap;
	size_t nheap, aheap;
	size_t interesting; /* queued nodes that are still interesting */
	uint32_t *tips;
	size_t ntips, atips;
	struct hush__extra *extras;
	size_t nextras, aextras;
} walk;

static const char *git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int node_of(walk *w, const git_oid *id, uint32_t *out)
{
	node *n;

	if (hush__oidmap_get(&w->index, id->id, out))
		return 0;
	if (hush__array_grow((void **)&w->nodes, &w->anodes, w->nnodes, sizeof(node)) ||
	    hush__oidmap_put(&w->index, id->id, (uint32_t)w->nnodes))
		return HUSH_ENOMEM;
	n = &w->nodes[w->nnodes];
	memset(n, 0, sizeof(*n));
	n->id = *id;
	if (hush__oidset_has(&w->shallow, id->id))
		n->flags |= F_SHALLOW;
	*out = (uint32_t)w->nnodes++;
	return 0;
}

/* "committer Name <email> 1700000000 +0100" -> 1700000000 */
static int64_t parse_time(const char *line, const char *eol)
{
	const char *gt = NULL;
	int64_t t = 0;

	for (const char *q = line; q < eol; q++)
		if (*q == '>')
			gt = q;
	if (!gt)
		return 0;
	for (const char *q = gt + 1; q < eol && *q == ' '; q++)
		gt = q;
	for (const char *q = gt + 1; q < eol && *q >= '0' && *q <= '9'; q++)
		t = t * 10 + (*q - '0');
	return t;
}

static int load(walk *w, uint32_t i)
{
	git_odb_object *obj = NULL;
	const char *p, *end;
	git_oid parent;
	char hex[GIT_OID_HEXSZ + 1];
	bool has_tree = false;
	int err = 0;

	if (w->nodes[i].flags & (F_LOADED | F_MISSING))
		return 0;
	if (git_odb_read(&obj, w->odb, &w->nodes[i].id) < 0 || git_odb_object_type(obj) != GIT_OBJECT_COMMIT) {
		git_oid_tostr(hex, sizeof(hex), &w->nodes[i].id);
		w->warn(w->warn_arg, "cannot read commit %s: %s; the history behind it is not scanned", hex,
			obj ? "not a commit" : git_msg());
		git_odb_object_free(obj);
		w->nodes[i].flags |= F_MISSING;
		return 0;
	}
	p = git_odb_object_data(obj);
	end = p + git_odb_object_size(obj);
	while (p < end && !err) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol || eol == p) /* the blank line before the message */
			break;
		if ((size_t)(eol - p) >= 5 + GIT_OID_HEXSZ && !memcmp(p, "tree ", 5)) {
			has_tree = git_oid_fromstrn(&w->nodes[i].tree, p + 5, GIT_OID_HEXSZ) == 0;
		} else if ((size_t)(eol - p) >= 7 + GIT_OID_HEXSZ && !memcmp(p, "parent ", 7) &&
			   !(w->nodes[i].flags & F_SHALLOW) && git_oid_fromstrn(&parent, p + 7, GIT_OID_HEXSZ) == 0) {
			uint32_t pi, *np;

			if ((err = node_of(w, &parent, &pi)) != 0)
				break;
			np = hush__reallocarray(w->nodes[i].parents, w->nodes[i].nparents + 1, sizeof(uint32_t));
			if (!np) {
				err = HUSH_ENOMEM;
				break;
			}
			np[w->nodes[i].nparents++] = pi;
			w->nodes[i].parents = np;
		} else if ((size_t)(eol - p) > 10 && !memcmp(p, "committer ", 10)) {
			w->nodes[i].time = parse_time(p, eol);
		}
		p = eol + 1;
	}
	git_odb_object_free(obj);
	if (!err && !has_tree) {
		/* a corrupt commit object that still inflates: say so here, not later as a tree of all zeros */
		git_oid_tostr(hex, sizeof(hex), &w->nodes[i].id);
		w->warn(w->warn_arg, "cannot read commit %s: it has no valid tree line (a corrupt object); the history "
				     "behind it is not scanned", hex);
		free(w->nodes[i].parents);
		w->nodes[i].parents = NULL;
		w->nodes[i].nparents = 0;
		w->nodes[i].flags |= F_MISSING;
		return 0;
	}
	w->nodes[i].flags |= F_LOADED;
	return err;
}

/* ---- a max-heap of node indices by commit time ---- */

static bool newer(const walk *w, uint32_t a, uint32_t b)
{
	return w->nodes[a].time > w->nodes[b].time;
}

static int heap_push(walk *w, uint32_t i)
{
	size_t k;

	if (w->nodes[i].flags & F_QUEUED)
		return 0;
	if (hush__array_grow((void **)&w->heap, &w->aheap, w->nheap, sizeof(uint32_t)))
		return HUSH_ENOMEM;
	w->nodes[i].flags |= F_QUEUED;
	if (!(w->nodes[i].flags & F_UNINTERESTING)) {
		w->nodes[i].flags |= F_COUNTED;
		w->interesting++;
	}
	k = w->nheap++;
	w->heap[k] = i;
	while (k && newer(w, w->heap[k], w->heap[(k - 1) / 2])) {
		uint32_t t = w->heap[k];

		w->heap[k] = w->heap[(k - 1) / 2];
		w->heap[(k - 1) / 2] = t;
		k = (k - 1) / 2;
	}
	return 0;
}

static uint32_t heap_pop(walk *w)
{
	uint32_t top = w->heap[0];
	size_t k = 0;

	w->heap[0] = w->heap[--w->nheap];
	for (;;) {
		size_t l = 2 * k + 1, r = l + 1, m = k;

		if (l < w->nheap && newer(w, w->heap[l], w->heap[m]))
			m = l;
		if (r < w->nheap && newer(w, w->heap[r], w->heap[m]))
			m = r;
		if (m == k)
			break;
		uint32_t t = w->heap[k];
		w->heap[k] = w->heap[m];
		w->heap[m] = t;
		k = m;
	}
	if (w->nodes[top].flags & F_COUNTED) {
		w->nodes[top].flags &= (uint8_t)~F_COUNTED;
		w->interesting--;
	}
	return top;
}

/* Mark i and, through commits already walked, their ancestors uninteresting. */
static int mark_uninteresting(walk *w, uint32_t i)
{
	uint32_t *stack = NULL;
	size_t n = 0, alloc = 0;
	int err = 0;

	if (hush__array_grow((void **)&stack, &alloc, n, sizeof(uint32_t)))
		return HUSH_ENOMEM;
	stack[n++] = i;
	while (n && !err) {
		node *c = &w->nodes[stack[--n]];

		if (c->flags & F_UNINTERESTING)
			continue;
		c->flags |= F_UNINTERESTING;
		if (c->flags & F_COUNTED) {
			c->flags &= (uint8_t)~F_COUNTED;
			w->interesting--;
		}
		if (!(c->flags & F_POPPED))
			continue; /* its parents get the mark when it is popped */
		for (uint32_t k = 0; k < c->nparents; k++) {
			if (hush__array_grow((void **)&stack, &alloc, n, sizeof(uint32_t))) {
				err = HUSH_ENOMEM;
				break;
			}
			stack[n++] = c->parents[k];
		}
	}
	free(stack);
	return err;
}

/* A positive tip that peels to a tree or a blob instead of a commit (a tag of a blob, say): scan it as it is. */
static int add_extra(walk *w, git_object *obj, const char *label)
{
	git_object *target = NULL;
	git_object_t type;
	int err = 0;

	if (git_object_peel(&target, obj, GIT_OBJECT_TREE) < 0 && git_object_peel(&target, obj, GIT_OBJECT_BLOB) < 0)
		return hush_error_set("'%s' leads to no commit, tree or blob: %s", label, git_msg()), HUSH_EINVALID;
	type = git_object_type(target);
	if (hush__array_grow((void **)&w->extras, &w->aextras, w->nextras, sizeof(*w->extras)) ||
	    !(w->extras[w->nextras].label = hush__strdup(label))) {
		err = HUSH_ENOMEM;
	} else {
		w->extras[w->nextras].id = *git_object_id(target);
		w->extras[w->nextras].type = type;
		w->nextras++;
	}
	git_object_free(target);
	return err;
}

/* Tips are collected first and queued once their commit times are known. */
static int add_tip(walk *w, const git_oid *id, bool negative)
{
	uint32_t i;
	int err;

	if ((err = node_of(w, id, &i)) != 0)
		return err;
	if (negative && (err = mark_uninteresting(w, i)) != 0)
		return err;
	if (hush__array_grow((void **)&w->tips, &w->atips, w->ntips, sizeof(uint32_t)))
		return HUSH_ENOMEM;
	w->tips[w->ntips++] = i;
	return 0;
}

static int resolve(walk *w, const char *spec, git_oid *out)
{
	git_object *obj = NULL, *commit = NULL;
	int rc;

	if (git_revparse_single(&obj, w->repo, spec) < 0)
		return hush_error_set("unknown revision '%s': %s", spec, git_msg()), HUSH_EINVALID;
	rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0)
		return hush_error_set("revision '%s' is not a commit: %s", spec, git_msg()), HUSH_EINVALID;
	*out = *git_object_id(commit);
	git_object_free(commit);
	return 0;
}

static int add_spec(walk *w, const char *spec)
{
	git_revspec rs;
	git_oid a, b, base;
	int err = 0;

	if (spec[0] == '^')
		return resolve(w, spec + 1, &a) ? HUSH_EINVALID : add_tip(w, &a, true);
	memset(&rs, 0, sizeof(rs));
	if (git_revparse(&rs, w->repo, spec) < 0) {
		/* libgit2 may have resolved one side of a range before failing on the other */
		hush_error_set("unknown revision '%s': %s", spec, git_msg());
		git_object_free(rs.from);
		git_object_free(rs.to);
		return HUSH_EINVALID;
	}
	if (rs.flags & GIT_REVSPEC_SINGLE) {
		git_object *c = NULL;

		if (git_object_peel(&c, rs.from, GIT_OBJECT_COMMIT) < 0)
			err = add_extra(w, rs.from, spec);
		else
			err = add_tip(w, git_object_id(c), false);
		git_object_free(c);
	} else {
		a = *git_object_id(rs.from);
		b = *git_object_id(rs.to);
		if (rs.flags & GIT_REVSPEC_MERGE_BASE) { /* A...B: both sides, not their common history */
			err = add_tip(w, &a, false);
			if (!err)
				err = add_tip(w, &b, false);
			if (!err && git_merge_base(&base, w->repo, &a, &b) == 0)
				err = add_tip(w, &base, true);
		} else { /* A..B */
			err = add_tip(w, &a, true);
			if (!err)
				err = add_tip(w, &b, false);
		}
	}
	git_object_free(rs.from);
	git_object_free(rs.to);
	return err < 0 && err != HUSH_ENOMEM ? HUSH_EINVALID : err;
}

/* Every ref that leads to a commit, every entry of the stash's reflog, and HEAD. */
static int add_all_refs(walk *w)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	git_reflog *log = NULL;
	git_oid head;
	int err = 0;

	if (git_reference_iterator_new(&it, w->repo) < 0)
		return hush_error_set("cannot list the references: %s", git_msg()), HUSH_ERROR;
	while (!err && git_reference_next(&ref, it) == 0) {
		git_object *obj = NULL;

		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
			err = add_tip(w, git_object_id(obj), false);
		} else if (git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
			git_object *target = NULL;

			/* a tag of a tree or a blob: its content is reachable from a ref, so it is scanned */
			if (git_reference_peel(&target, ref, GIT_OBJECT_ANY) == 0)
				err = add_extra(w, target, git_reference_name(ref));
			git_object_free(target);
		}
		git_object_free(obj);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	/* older stash entries live only in the stash's reflog: "git stash list" shows them, so they are scanned */
	if (!err && git_reflog_read(&log, w->repo, "refs/stash") == 0) {
		for (size_t i = 0; i < git_reflog_entrycount(log) && !err; i++) {
			const git_oid *id = git_reflog_entry_id_new(git_reflog_entry_byindex(log, i));

			if (git_odb_exists(w->odb, id))
				err = add_tip(w, id, false);
		}
		git_reflog_free(log);
	}
	if (!err && git_reference_name_to_id(&head, w->repo, "HEAD") == 0) /* a detached HEAD */
		err = add_tip(w, &head, false);
	return err;
}

static int read_shallow(walk *w)
{
	char *path = hush__path_join(git_repository_path(w->repo), "shallow");
	hush_buf b = HUSH_BUF_INIT;
	int err = 0;

	if (!path)
		return HUSH_ENOMEM;
	if (hush__read_file(&b, path, 256u << 20) == 0) {
		for (const char *p = b.ptr; p + GIT_OID_HEXSZ <= b.ptr + b.len && !err;) {
			git_oid id;
			const char *nl = memchr(p, '\n', (size_t)(b.ptr + b.len - p));

			if (git_oid_fromstrn(&id, p, GIT_OID_HEXSZ) == 0 && hush__oidset_add(&w->shallow, id.id) < 0)
				err = HUSH_ENOMEM;
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	hush_error_clear();
	hush_buf_dispose(&b);
	free(path);
	return err;
}

/* Sort the result oldest first: parents before children, the oldest ready commit first. */
static int topo_sort(walk *w, hush__commit_set *out)
{
	uint32_t **children = NULL, *nchildren = NULL, *ready = NULL;
	size_t nready = 0, total = 0;
	int err = 0;

	for (size_t i = 0; i < w->nnodes; i++)
		if ((w->nodes[i].flags & F_RESULT) && !(w->nodes[i].flags & F_UNINTERESTING))
			total++;
	if (!total)
		return 0;
	children = hush__calloc(w->nnodes, sizeof(*children));
	nchildren = hush__calloc(w->nnodes, sizeof(*nchildren));
	ready = hush__calloc(total, sizeof(*ready));
	out->commits = hush__calloc(total, sizeof(git_oid));
	out->trees = hush__calloc(total, sizeof(git_oid));
	if (!children || !nchildren || !ready || !out->commits || !out->trees) {
		err = HUSH_ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < w->nnodes && !err; i++) {
		node *c = &w->nodes[i];

		if (!(c->flags & F_RESULT) || (c->flags & F_UNINTERESTING))
			continue;
		c->pending = 0;
		for (uint32_t k = 0; k < c->nparents; k++) {
			node *p = &w->nodes[c->parents[k]];
			uint32_t *nc;

			if (!(p->flags & F_RESULT) || (p->flags & F_UNINTERESTING))
				continue;
			c->pending++;
			if (!(nc = hush__reallocarray(children[c->parents[k]], nchildren[c->parents[k]] + 1,
						      sizeof(uint32_t)))) {
				err = HUSH_ENOMEM;
				break;
			}
			nc[nchildren[c->parents[k]]++] = (uint32_t)i;
			children[c->parents[k]] = nc;
		}
	}
	for (size_t i = 0; i < w->nnodes && !err; i++)
		if ((w->nodes[i].flags & F_RESULT) && !(w->nodes[i].flags & F_UNINTERESTING) && !w->nodes[i].pending)
			ready[nready++] = (uint32_t)i;
	while (nready && !err) {
		size_t best = 0;
		uint32_t c;

		/* the oldest ready commit; a linear scan keeps this simple (the ready set is the walk's frontier) */
		for (size_t k = 1; k < nready; k++)
			if (w->nodes[ready[k]].time < w->nodes[ready[best]].time)
				best = k;
		c = ready[best];
		ready[best] = ready[--nready];
		out->commits[out->n] = w->nodes[c].id;
		out->trees[out->n] = w->nodes[c].tree;
		out->n++;
		for (uint32_t k = 0; k < nchildren[c]; k++)
			if (--w->nodes[children[c][k]].pending == 0)
				ready[nready++] = children[c][k];
	}
cleanup:
	for (size_t i = 0; children && i < w->nnodes; i++)
		free(children[i]);
	free(children);
	free(nchildren);
	free(ready);
	return err;
}

int hush__commits_select(hush__commit_set *out, git_repository *repo, git_odb *odb, const char *const *revisions,
			 size_t nrevisions, hush__warn_fn warn, void *warn_arg)
{
	walk w;
	size_t positives = 0, slop = SLOP, balloc = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.odb = odb;
	w.warn = warn;
	w.warn_arg = warn_arg;
	if ((err = read_shallow(&w)) != 0)
		goto cleanup;
	out->shallow = w.shallow.count;
	for (size_t i = 0; i < nrevisions; i++)
		positives += revisions[i][0] != '^';
	if (positives == 0 && (err = add_all_refs(&w)) != 0) /* only exclusions: everything else */
		goto cleanup;
	for (size_t i = 0; i < nrevisions && !err; i++)
		err = add_spec(&w, revisions[i]);
	for (size_t i = 0; i < w.ntips && !err; i++)
		if (!(err = load(&w, w.tips[i])))
			err = heap_push(&w, w.tips[i]);
	if (err)
		goto cleanup;
	while (!err && w.nheap) {
		uint32_t c;

		if (w.interesting == 0 && slop-- == 0)
			break; /* only uninteresting commits left (after a few more, for clock skew) */
		c = heap_pop(&w);
		if ((err = load(&w, c)) != 0)
			break;
		w.nodes[c].flags |= F_POPPED;
		if (w.nodes[c].flags & F_MISSING)
			continue;
		if (!(w.nodes[c].flags & F_UNINTERESTING))
			w.nodes[c].flags |= F_RESULT;
		for (uint32_t k = 0; k < w.nodes[c].nparents && !err; k++) {
			uint32_t p = w.nodes[c].parents[k];

			if ((w.nodes[c].flags & F_UNINTERESTING) && (err = mark_uninteresting(&w, p)) != 0)
				break;
			if (!(err = load(&w, p)) && !(w.nodes[p].flags & F_MISSING))
				err = heap_push(&w, p);
		}
	}
	if (!err)
		err = topo_sort(&w, out);
	/* the boundary: uninteresting parents of commits in scope (indices only: load() may grow the array) */
	for (size_t i = 0, n = w.nnodes; i < n && !err; i++) {
		if (!(w.nodes[i].flags & F_RESULT) || (w.nodes[i].flags & F_UNINTERESTING))
			continue;
		for (uint32_t k = 0; k < w.nodes[i].nparents && !err; k++) {
			uint32_t pi = w.nodes[i].parents[k];

			if (!(w.nodes[pi].flags & F_UNINTERESTING) || (err = load(&w, pi)) != 0 ||
			    !(w.nodes[pi].flags & F_LOADED))
				continue;
			if (hush__array_grow((void **)&out->boundary, &balloc, out->nboundary, sizeof(git_oid)))
				err = HUSH_ENOMEM;
			else
				out->boundary[out->nboundary++] = w.nodes[pi].tree;
		}
	}
cleanup:
	for (size_t i = 0; i < w.nnodes; i++)
		free(w.nodes[i].parents);
	free(w.nodes);
	free(w.heap);
	free(w.tips);
	out->extras = w.extras;
	out->nextras = w.nextras;
	hush__oidmap_dispose(&w.index);
	hush__oidset_dispose(&w.shallow);
	if (err)
		hush__commit_set_dispose(out);
	return err;
}

void hush__commit_set_dispose(hush__commit_set *s)
{
	for (size_t i = 0; i < s->nextras; i++)
		free(s->extras[i].label);
	free(s->extras);
	free(s->commits);
	free(s->trees);
	free(s->boundary);
	memset(s, 0, sizeof(*s));
}
