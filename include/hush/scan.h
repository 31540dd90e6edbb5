/*
 * hush/scan.h: scanning sources (files, directories, a file descriptor) into a list of findings.
 *
 * The driver walks the given paths (honouring .gitignore through libgit2, never entering .git, never following
 * symlinks below the paths given, skipping FIFOs, sockets and devices), spreads the files over worker threads
 * that each own a hush_match_ctx, applies the allowlists and computes fingerprints.
 */
#ifndef HUSH_SCAN_H
#define HUSH_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hush/config.h"
#include "hush/fingerprint.h"
#include "hush/matcher.h"

typedef struct {
	const hush_rule *rule;  /* borrowed from the ruleset */
	char *path;             /* as shown to the user */
	char *relpath;          /* relative to the repository root (what fingerprints and allowlists use) */
	uint64_t line, column;  /* 1-based position of the secret */
	uint64_t start, end;    /* byte span of the secret */
	double entropy;
	char fingerprint[HUSH_FINGERPRINT_HEXLEN + 1];
	/* SECURITY: the full secret only when show_secrets was set; otherwise the redacted preview */
	char *secret;
	size_t secret_len;
} hush_finding;

typedef struct {
	uint64_t files;           /* files scanned */
	uint64_t bytes;           /* bytes scanned */
	uint64_t findings;
	uint64_t allowed;         /* suppressed by hush:allow or an allowlisted fingerprint */
	uint64_t skipped_binary;
	uint64_t skipped_large;
	uint64_t skipped_ignored; /* .gitignore and allowlisted paths */
	uint64_t skipped_special; /* symlinks, FIFOs, sockets, devices */
	uint64_t warnings;
	uint64_t elapsed_ns;
} hush_scan_stats;

typedef void (*hush_warn_cb)(const char *message, void *payload);

typedef struct {
	unsigned version;
	unsigned threads;          /* 0: one per core */
	uint64_t max_file_size;    /* larger files are skipped with a warning */
	bool gitignore;            /* honour .gitignore inside a git work tree */
	bool binary;               /* scan files with a NUL byte in their first 8 KiB */
	bool show_secrets;         /* keep the whole secret in findings */
	const hush_config *config; /* allowlists (borrowed, may be NULL) */
	const char *root;          /* repository root: relative paths start here (NULL: current directory) */
	const char *salt;          /* fingerprint salt (NULL: config salt, else the repository's root commit) */
	hush_warn_cb warn;         /* called (serialised) for each warning */
	void *warn_payload;
} hush_scan_options;

#define HUSH_SCAN_OPTIONS_VERSION 1
#define HUSH_DEFAULT_MAX_FILE_SIZE ((uint64_t)50 << 20)
#define HUSH_SCAN_OPTIONS_INIT \
	{ HUSH_SCAN_OPTIONS_VERSION, 0, HUSH_DEFAULT_MAX_FILE_SIZE, true, false, false, NULL, NULL, NULL, NULL, NULL }

typedef struct {
	hush_finding *findings; /* sorted by path, line, column, rule id */
	size_t count;
	hush_scan_stats stats;
} hush_scan_result;

/* Scan files and directories. The result is freed with hush_scan_result_free(). */
int hush_scan_paths(hush_scan_result **out, const hush_matcher *m, const char *const *paths, size_t npaths,
		    const hush_scan_options *opts);

/* Scan everything readable from fd (stdin), with bounded memory. display names it in findings. */
int hush_scan_fd(hush_scan_result **out, const hush_matcher *m, int fd, const char *display,
		 const hush_scan_options *opts);

void hush_scan_result_free(hush_scan_result *r);

/*
 * The root of the git work tree that holds path (a file or a folder): the nearest folder at or above it with a
 * .git entry. Found without libgit2, so scans outside repositories never pay for its start-up. Malloc'd.
 * Returns HUSH_ENOTFOUND outside a work tree.
 */
int hush_repo_root(char **out, const char *path);

/* Initialise libgit2 once for the process (it is shut down at exit). Every libgit2 user calls this first. */
void hush_git_init(void);

/* The redacted preview of a secret: a few leading bytes, then "…". Malloc'd. */
char *hush_redact_preview(const char *secret, size_t len);

#endif
