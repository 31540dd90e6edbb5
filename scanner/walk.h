/* walk.h: enumerate the files under the paths given to `hush scan` (internal to the scanner). */
#ifndef HUSH_SCANNER_WALK_H
#define HUSH_SCANNER_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "hush/scan.h"

/*
 * An open folder of the walk. Its files can be opened relative to it (openat), which spares the kernel the lookup of
 * every folder above a file at each open. Held by the walk while it reads the folder and by each file that keeps it;
 * the last release closes it.
 */
typedef struct hush__dir hush__dir;

void hush__dir_hold(hush__dir *d);
void hush__dir_release(hush__dir *d);
int hush__dir_fd(const hush__dir *d);

typedef struct {
	char *path;       /* path to open; one allocation that also holds relpath (free path only) */
	char *relpath;    /* repository-relative path (inside path's allocation) */
	bool follow;      /* named on the command line: a symlink may be followed */
	hush__dir *dir;   /* the open folder the file is in (a held reference), or NULL: open path */
	const char *name; /* with dir: the file's name in it (the end of path) */
} hush__file;

typedef struct {
	hush__file *v;
	size_t n, alloc;
} hush__file_list;

typedef struct {
	const hush_scan_options *opts;
	hush_scan_stats *stats; /* the walk's own counts (skipped files); only the walking thread touches them */
	void (*warn)(void *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
	void *warn_arg;
	/*
	 * Called for each file to scan, with strings it must copy; a non-zero return stops the walk and is returned.
	 * dir is the open folder the file is in (NULL for a path named on the command line) and name the file's name
	 * in it (the end of path); dir stays open during the call, and after it only if the callee holds it.
	 */
	int (*add)(void *arg, const char *path, const char *relpath, bool follow, hush__dir *dir, const char *name);
	void *add_arg;
} hush__walk_ctx;

/* Report the files below path (or path itself) to wc->add. Errors that only affect one entry are warnings. */
int hush__walk(const char *path, const hush__walk_ctx *wc);

/*
 * Append a copy of a file to l, holding dir when it is not NULL (name: the end of path). The copy's path and relpath
 * are one allocation: whoever takes the entry out of the list frees its path, and with it its relpath.
 */
int hush__file_list_add(hush__file_list *l, const char *path, const char *relpath, bool follow, hush__dir *dir,
			const char *name);
/* Free the entries, releasing the folders they still hold. */
void hush__file_list_dispose(hush__file_list *l);

/*
 * Sort by repository-relative path and drop repeats (paths named twice, or a file inside a folder also named). For
 * lists whose entries hold no folder.
 */
void hush__file_list_dedup(hush__file_list *l);

/* Repository-relative form of an absolute or cwd-relative path (malloc'd). */
char *hush__relpath(const char *root, const char *path);

#endif
