/*
 * walk.c: enumerate files for a scan. Never enters .git, never follows symlinks below the given paths (so symlink
 * loops cannot trap it), skips FIFOs, sockets and devices without opening them, and honours .gitignore through
 * libgit2 when the path lies in a git work tree (tracked files are scanned even when an ignore rule matches).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/walk.h"
#include "hush/error.h"
#include "common/gitlib.h"
#include "common/util.h"
#include "common/banned.h"

#define MAX_DEPTH 512

typedef struct {
	const hush__walk_ctx *wc;
	git_repository *repo;
	git_index *index;
	char *workdir; /* absolute, with a trailing slash */
	size_t workdir_len;
} walker;

struct hush__dir {
	DIR *d; /* read by the walk; its descriptor is what files are opened relative to */
	atomic_uint refs;
};

void hush__dir_hold(hush__dir *d)
{
	atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
}

void hush__dir_release(hush__dir *d)
{
	if (d && atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) == 1) {
		closedir(d->d);
		free(d);
	}
}

int hush__dir_fd(const hush__dir *d)
{
	return dirfd(d->d);
}

void hush__file_list_dispose(hush__file_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path); /* (relpath lies in the same allocation) */
		hush__dir_release(l->v[i].dir);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_file(const void *a, const void *b)
{
	const hush__file *x = a, *y = b;
	int c = strcmp(x->relpath, y->relpath);

	return c ? c : strcmp(x->path, y->path);
}

void hush__file_list_dedup(hush__file_list *l)
{
	size_t out = 0;

	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_file);
	for (size_t i = 0; i < l->n; i++) {
		if (out && !strcmp(l->v[out - 1].relpath, l->v[i].relpath)) {
			free(l->v[i].path);
			continue;
		}
		l->v[out++] = l->v[i];
	}
	l->n = out;
}

int hush__file_list_add(hush__file_list *l, const char *path, const char *rel, bool follow, hush__dir *dir,
			const char *name)
{
	size_t pl = strlen(path) + 1, rl = strlen(rel) + 1;
	hush__file *f;

	if (hush__array_grow((void **)&l->v, &l->alloc, l->n, sizeof(*l->v)))
		return HUSH_ENOMEM;
	f = &l->v[l->n];
	/* one allocation for both strings: the walk adds a file per entry, and the worker that scans it frees it */
	if (!(f->path = hush__malloc(pl + rl)))
		return HUSH_ENOMEM;
	memcpy(f->path, path, pl);
	f->relpath = f->path + pl;
	memcpy(f->relpath, rel, rl);
	f->follow = follow;
	f->dir = NULL;
	f->name = NULL;
	if (dir) {
		hush__dir_hold(dir);
		f->dir = dir;
		f->name = f->path + (name - path);
	}
	l->n++;
	return 0;
}

char *hush__relpath(const char *root, const char *path)
{
	char *abs = realpath(path, NULL), *rroot = root ? realpath(root, NULL) : NULL, *rel;
	size_t rl;

	if (!abs) { /* vanished: keep the path as given */
		free(rroot);
		return hush__strdup(path);
	}
	if (!rroot) {
		rroot = getcwd(NULL, 0);
		if (!rroot) {
			rel = hush__strdup(abs);
			free(abs);
			return rel;
		}
	}
	rl = strlen(rroot);
	if (!strcmp(abs, rroot))
		rel = hush__strdup("");
	else if (!strncmp(abs, rroot, rl) && (abs[rl] == '/' || (rl == 1 && rroot[0] == '/')))
		rel = hush__strdup(abs + (rl == 1 ? 1 : rl + 1));
	else
		rel = hush__strdup(abs);
	free(abs);
	free(rroot);
	return rel;
}

/* Is abs (an absolute path) ignored by the repository's .gitignore files and not tracked? */
static bool git_ignored(walker *w, const char *abs, bool is_dir)
{
	const char *rel;
	int ignored = 0;

	if (!w->repo || strncmp(abs, w->workdir, w->workdir_len))
		return false;
	rel = abs + w->workdir_len;
	if (!*rel || git_ignore_path_is_ignored(&ignored, w->repo, rel) < 0 || !ignored)
		return false;
	if (w->index) {
		size_t pos;

		if (is_dir) {
			char prefix[PATH_MAX + 2];

			snprintf(prefix, sizeof(prefix), "%s/", rel);
			if (git_index_find_prefix(&pos, w->index, prefix) == 0)
				return false;
		} else if (git_index_get_bypath(w->index, rel, 0)) {
			return false; /* tracked files are scanned even when ignored */
		}
	}
	return true;
}

/*
 * A folder opened relative to its parent's descriptor (parent_fd, name), or by path at the top (parent_fd -1).
 * Below the top a symlink is not followed: a folder replaced by one since its parent was read is skipped.
 */
static hush__dir *open_dir(walker *w, int parent_fd, const char *name, const char *path)
{
	int fd = parent_fd < 0 ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			       : openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	hush__dir *d;

	if (fd < 0) {
		/* a folder that vanished or was replaced during the walk is no longer there to scan, as a folder */
		if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
			w->wc->warn(w->wc->warn_arg, "cannot open directory '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (!(d = hush__malloc(sizeof(*d))) || !(d->d = fdopendir(fd))) {
		w->wc->warn(w->wc->warn_arg, "cannot open directory '%s': %s", path, strerror(errno));
		free(d);
		close(fd);
		return NULL;
	}
	atomic_init(&d->refs, 1);
	return d;
}

static int walk_dir(walker *w, int parent_fd, const char *dname, const char *path, const char *abs, const char *rel,
		    int depth)
{
	bool gitignore = w->wc->opts->gitignore;
	/* abs is only read for .gitignore: without it, the walk passes the top folder's on unchanged */
	size_t plen = strlen(path), alen = gitignore ? strlen(abs) : 0, rlen = strlen(rel), cap = 0;
	char *names = NULL; /* the entry's path, absolute path (for .gitignore) and relative path, reused entry to entry */
	hush__dir *dir;
	struct dirent *de;
	int err = 0;

	if (depth > MAX_DEPTH) {
		w->wc->warn(w->wc->warn_arg, "skipping '%s': directories nested deeper than %d", path, MAX_DEPTH);
		return 0;
	}
	if (!(dir = open_dir(w, parent_fd, dname, path)))
		return 0;
	while (!err && (de = readdir(dir->d)) != NULL) {
		const char *name = de->d_name, *cabs = abs;
		size_t nl, need, at;
		char *cpath, *crel;
		struct stat st;

		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git"))
			continue;
		nl = strlen(name);
		need = (plen + nl + 2) + (gitignore ? alen + nl + 2 : 0) + (rlen + nl + 2);
		if (need > cap) {
			char *grown = hush__reallocarray(names, need, 1);

			if (!grown) {
				err = HUSH_ENOMEM;
				break;
			}
			names = grown;
			cap = need;
		}
		cpath = names;
		at = hush__path_join_at(cpath, path, plen, name, nl);
		crel = cpath + plen + nl + 2;
		if (gitignore) {
			hush__path_join_at(crel, abs, alen, name, nl);
			cabs = crel;
			crel += alen + nl + 2;
		}
		if (rlen)
			hush__path_join_at(crel, rel, rlen, name, nl);
		else
			memcpy(crel, name, nl + 1);
		/* readdir's d_type spares an lstat per entry; only an unknown type needs one */
		memset(&st, 0, sizeof(st));
		st.st_mode = de->d_type == DT_REG   ? S_IFREG
			     : de->d_type == DT_DIR ? S_IFDIR
			     : de->d_type == DT_LNK ? S_IFLNK
						    : 0;
		if (de->d_type != DT_UNKNOWN && st.st_mode == 0) {
			w->wc->stats->skipped_special++; /* FIFOs, sockets and devices */
		} else if (de->d_type == DT_UNKNOWN && fstatat(dirfd(dir->d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) /* a file that vanished during the walk is no longer there to scan */
				w->wc->warn(w->wc->warn_arg, "cannot stat '%s': %s", cpath, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if (gitignore && git_ignored(w, cabs, true))
				w->wc->stats->skipped_ignored++;
			else if (w->wc->opts->config && hush_config_path_allowed(w->wc->opts->config, crel) &&
				 crel[0])
				w->wc->stats->skipped_ignored++;
			else
				err = walk_dir(w, dirfd(dir->d), name, cpath, cabs, crel, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			if ((gitignore && git_ignored(w, cabs, false)) ||
			    (w->wc->opts->config && hush_config_path_allowed(w->wc->opts->config, crel)))
				w->wc->stats->skipped_ignored++;
			else
				err = w->wc->add(w->wc->add_arg, cpath, crel, false, dir, cpath + at);
		} else {
			w->wc->stats->skipped_special++; /* symlinks, FIFOs, sockets and devices */
		}
	}
	free(names);
	hush__dir_release(dir);
	return err;
}

int hush__walk(const char *path, const hush__walk_ctx *wc)
{
	walker w;
	struct stat st;
	char *abs = NULL, *rel = NULL;
	int err = 0;

	memset(&w, 0, sizeof(w));
	w.wc = wc;
	if (stat(path, &st) < 0) {
		wc->warn(wc->warn_arg, "cannot scan '%s': %s", path, strerror(errno));
		return 0;
	}
	if (!(rel = hush__relpath(wc->opts->root, path)))
		return HUSH_ENOMEM;
	if (rel[0] && wc->opts->config && hush_config_path_allowed(wc->opts->config, rel)) {
		/* allowlisted paths stay quiet even when named on the command line */
		wc->stats->skipped_ignored++;
		free(rel);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		err = wc->add(wc->add_arg, path, rel, true, NULL, NULL);
		free(rel);
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		wc->warn(wc->warn_arg, "skipping '%s': not a regular file or directory", path);
		wc->stats->skipped_special++;
		free(rel);
		return 0;
	}
	abs = realpath(path, NULL);
	if (!abs) {
		wc->warn(wc->warn_arg, "cannot scan '%s': %s", path, strerror(errno));
		free(rel);
		return 0;
	}
	if (wc->opts->gitignore) {
		char *wd = NULL;

		/* only a folder inside a work tree needs libgit2 (and its start-up cost) */
		if (hush_repo_root(&wd, abs) == 0) {
			if ((err = hush_git_init()) != 0) { /* without libgit2, ignored files would be scanned */
				free(wd);
				free(abs);
				free(rel);
				return err;
			}
			if (git_repository_open(&w.repo, wd) == 0 && !git_repository_is_bare(w.repo)) {
				w.workdir = hush__malloc(strlen(wd) + 2);
				if (w.workdir) {
					snprintf(w.workdir, strlen(wd) + 2, "%s/", wd);
					w.workdir_len = strlen(w.workdir);
				}
				if (git_repository_index(&w.index, w.repo) < 0)
					w.index = NULL;
			}
			if (!w.workdir) {
				git_repository_free(w.repo);
				w.repo = NULL;
			}
		}
		free(wd);
	}
	err = walk_dir(&w, -1, NULL, path, abs, rel, 0);
	git_index_free(w.index);
	git_repository_free(w.repo);
	free(w.workdir);
	free(abs);
	free(rel);
	return err;
}
