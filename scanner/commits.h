/*
 * commits.h: choose the commits a history scan covers (internal). hush walks commits itself instead of using
 * libgit2's revwalk, which in libgit2 1.5 ignores .git/shallow and stops at the first missing parent: a shallow
 * clone or a damaged repository must still have everything that is present scanned.
 */
#ifndef HUSH_SCANNER_COMMITS_H
#define HUSH_SCANNER_COMMITS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/gitlib.h"

typedef void (*hush__warn_fn)(void *arg, const char *fmt, ...);

typedef struct {
	git_oid *commits;  /* in scope, oldest first: parents before children, ties by commit time */
	git_oid *trees;    /* commits[i]'s root tree */
	size_t n;
	git_oid *boundary; /* root trees of the parents just outside the scope (a range's boundary) */
	size_t nboundary;
	size_t shallow;    /* shallow boundary commits met */
	/* tips that are not commits (a tag of a blob or a tree): scanned as they are */
	struct hush__extra {
		git_oid id;
		git_object_t type; /* GIT_OBJECT_TREE or GIT_OBJECT_BLOB */
		char *label;       /* the ref or revision that named it */
	} *extras;
	size_t nextras;
} hush__commit_set;

/*
 * Resolve the revisions (none, or only exclusions: every ref, the stash's reflog and HEAD) and walk the commits
 * they select, with git's meaning: reachable from a positive revision and from no negative one. Unreadable commits
 * are warnings, not errors. Returns 0, HUSH_EINVALID for a bad revision, or HUSH_ENOMEM.
 */
int hush__commits_select(hush__commit_set *out, git_repository *repo, git_odb *odb, const char *const *revisions,
			 size_t nrevisions, hush__warn_fn warn, void *warn_arg);
void hush__commit_set_dispose(hush__commit_set *s);

#endif
