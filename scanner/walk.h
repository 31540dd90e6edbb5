/* walk.h: enumerate the files under the paths given to `hush scan` (internal to the scanner). */
#ifndef HUSH_SCANNER_WALK_H
#define HUSH_SCANNER_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "hush/scan.h"

typedef struct {
	char *path;    /* path to open */
	char *relpath; /* repository-relative path */
	bool follow;   /* named on the command line: a symlink may be followed */
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
	/* Called for each file to scan, with strings it must copy; a non-zero return stops the walk and is returned */
	int (*add)(void *arg, const char *path, const char *relpath, bool follow);
	void *add_arg;
} hush__walk_ctx;

/* Report the files below path (or path itself) to wc->add. Errors that only affect one entry are warnings. */
int hush__walk(const char *path, const hush__walk_ctx *wc);

/* Append a copy of a file to l: the simplest wc->add. */
int hush__file_list_add(hush__file_list *l, const char *path, const char *relpath, bool follow);
void hush__file_list_dispose(hush__file_list *l);

/* Sort by repository-relative path and drop repeats (paths named twice, or a file inside a folder also named). */
void hush__file_list_dedup(hush__file_list *l);

/* Repository-relative form of an absolute or cwd-relative path (malloc'd). */
char *hush__relpath(const char *root, const char *path);

#endif
