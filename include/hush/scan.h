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
#include "hush/filter.h"
#include "hush/fingerprint.h"
#include "hush/matcher.h"

/* One more commit and path that hold a finding's blob (history scans with all_occurrences). */
typedef struct {
	char commit[41];
	char *path;
} hush_occurrence;

typedef struct {
	const hush_rule *rule;  /* borrowed from the ruleset */
	char *path;             /* as shown to the user */
	char *relpath;          /* relative to the repository root (what fingerprints and allowlists use) */
	uint64_t line, column;  /* 1-based position of the secret */
	uint64_t end_line;      /* line of the secret's last byte */
	uint64_t start, end;    /* byte span of the secret */
	/* history scans: the earliest commit that introduced the blob ("" otherwise) and its author */
	char commit[41];
	char blob[41];          /* history scans: the blob's id */
	char *author_name;
	char *author_email;
	int64_t author_time;    /* seconds since the epoch */
	int author_offset;      /* minutes east of UTC */
	hush_occurrence *occurrences;
	size_t noccurrences;
	double entropy;
	hush_confidence confidence; /* the rule's, one level lower in tests and documentation (context) */
	hush_path_context context;  /* why it was lowered: HUSH_CONTEXT_NONE when it was not */
	uint32_t encoding;          /* 0, or the decoding chain of a secret found in an encoded span */
	char fingerprint[HUSH_FINGERPRINT_HEXLEN + 1];
	/* SECURITY: the full secret only when show_secrets was set; otherwise the redacted preview */
	char *secret;
	size_t secret_len;
} hush_finding;

typedef struct {
	uint64_t files;           /* files scanned */
	uint64_t bytes;           /* bytes scanned */
	uint64_t findings;
	uint64_t allowed;         /* suppressed by an inline marker, .hushignore or .hush.yml's allow settings */
	uint64_t skipped_binary;
	uint64_t skipped_large;
	uint64_t skipped_ignored; /* .gitignore and allowlisted paths */
	uint64_t skipped_special; /* symlinks, FIFOs, sockets, devices, submodule entries */
	uint64_t commits;         /* history: commits walked */
	uint64_t blobs;           /* history: unique blobs scanned */
	uint64_t trees;           /* history: unique trees read */
	uint64_t warnings;
	uint64_t elapsed_ns;
	uint64_t baselined;       /* suppressed because their fingerprint is in the baseline (options.baseline) */
	uint64_t below_confidence; /* left out because their confidence is below options.min_confidence */
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
	bool no_inline_allow;      /* ignore "hush:allow" and "gitleaks:allow" markers (audits) */
	const char *const *baseline; /* fingerprints to leave out (counted in stats.baselined), sorted by strcmp */
	size_t nbaseline;
	hush_confidence min_confidence; /* leave out findings less confident than this (after the context) */
} hush_scan_options;

#define HUSH_SCAN_OPTIONS_VERSION 1
#define HUSH_DEFAULT_MAX_FILE_SIZE ((uint64_t)50 << 20)
#define HUSH_SCAN_OPTIONS_INIT \
	{ HUSH_SCAN_OPTIONS_VERSION, 0, HUSH_DEFAULT_MAX_FILE_SIZE, true, false, false, NULL, NULL, NULL, NULL, NULL, \
	  false, NULL, 0, HUSH_CONFIDENCE_LOW }

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

/* What a history scan covers. */
typedef struct {
	unsigned version;
	const char *const *revisions; /* git revisions: "A..B", "^X", "Y", "A...B"; none: every ref */
	size_t nrevisions;
	bool unreachable;             /* also scan blobs no commit reaches */
	bool all_occurrences;         /* list every commit and path that hold each finding's blob */
	bool progress;                /* draw a progress line on stderr */
} hush_history_options;

#define HUSH_HISTORY_OPTIONS_VERSION 1
#define HUSH_HISTORY_OPTIONS_INIT { HUSH_HISTORY_OPTIONS_VERSION, NULL, 0, false, false, false }

/*
 * Scan the history of the repository at repo_path: every commit in scope, each unique blob once, findings
 * attributed to the earliest commit (in topological order) and path that hold the blob. Blobs already present
 * in the parents of the oldest commits in scope (the range's boundary) are not scanned.
 */
int hush_scan_history(hush_scan_result **out, const hush_matcher *m, const char *repo_path,
		      const hush_history_options *hopts, const hush_scan_options *opts);

/*
 * Scan what is staged in the index of the repository at repo_path: each staged blob in full, reporting only
 * findings that touch a line the staged change adds (compared with HEAD).
 */
int hush_scan_staged(hush_scan_result **out, const hush_matcher *m, const char *repo_path,
		     const hush_scan_options *opts);

/*
 * The same in two steps, so that the git side overlaps the loading of the rules: hush_staged_start() opens the
 * repository at repo_path and diffs HEAD against the index on a thread of its own (force_text: opts->binary of the
 * scan to come); hush_scan_staged_change() waits for it, then scans, and reports its error if it failed.
 * hush_staged_free() waits for the thread too, so a command may give up between the two.
 */
typedef struct hush_staged hush_staged;
int hush_staged_start(hush_staged **out, const char *repo_path, bool force_text);
int hush_scan_staged_change(hush_scan_result **out, const hush_matcher *m, hush_staged *staged,
			    const hush_scan_options *opts);
void hush_staged_free(hush_staged *staged);

/* Scan the added lines of a unified diff read from fd; findings carry new-file paths and line numbers. */
int hush_scan_diff(hush_scan_result **out, const hush_matcher *m, int fd, const char *display,
		   const hush_scan_options *opts);

/*
 * The root of the git work tree that holds path (a file or a folder): the nearest folder at or above it with a
 * .git entry. Found without libgit2, so scans outside repositories never pay for its start-up. Malloc'd.
 * Returns HUSH_ENOTFOUND outside a work tree.
 */
int hush_repo_root(char **out, const char *path);

/*
 * Load libgit2 (with dlopen, common/gitlib.h) and initialise it, once for the process (it is shut down at exit).
 * Every libgit2 user calls this first. Returns 0, or HUSH_ERROR when libgit2 cannot be loaded, with the message
 * "cannot load libgit2 (SONAME): why" for the calling thread; no git_* function but the free functions may be
 * called then.
 */
int hush_git_init(void);

/* Start hush_git_init() on a background thread, for a command that will need libgit2 soon. */
void hush_git_init_async(void);

/*
 * Wait for a background hush_git_init_async() to finish. main() calls it before exit: exit() would otherwise run
 * OpenSSL's clean-up (libgit2 loads it) while the thread is still inside OpenSSL's initialisation, and crash.
 */
void hush_git_init_wait(void);

struct git_repository;
/*
 * Open the repository at or above path (libgit2's discovery), with git's quarantine environment honoured: the
 * directories in GIT_OBJECT_DIRECTORY and GIT_ALTERNATE_OBJECT_DIRECTORIES are added as alternates, so a
 * pre-receive hook sees the objects being pushed. Returns libgit2's error code (< 0) on failure, or
 * hush_git_init()'s error: callers that describe a failure with git_error_last() check hush_git_init() first.
 */
int hush_repo_open(struct git_repository **out, const char *path);

/* The redacted preview of a secret: a few leading bytes, then "…". Malloc'd. */
char *hush_redact_preview(const char *secret, size_t len);

#endif
