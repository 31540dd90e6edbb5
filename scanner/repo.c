/* repo.c: finding the git work tree around a path without libgit2, and initialising libgit2 once, lazily. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hush/error.h"
#include "hush/scan.h"
#include "common/gitlib.h"
#include "common/util.h"
#include "common/banned.h"

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t init_thread_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t init_thread;
static bool init_thread_running;

/* Join the background initialiser, so its thread-local state (OpenSSL's, through libssh2) is released. */
static void join_init_thread(void)
{
	pthread_mutex_lock(&init_thread_lock);
	if (init_thread_running) {
		pthread_join(init_thread, NULL);
		init_thread_running = false;
	}
	pthread_mutex_unlock(&init_thread_lock);
}

static void git_shutdown_at_exit(void)
{
	join_init_thread();
	git_libgit2_shutdown();
}

static void git_init_once(void)
{
	if (hush__git_load() != 0) /* libgit2 cannot be loaded: every hush_git_init() reports why */
		return;
	git_libgit2_init();
	/*
	 * hush reads each tree and blob once, so libgit2's object cache only costs time: on the 5,000-commit benchmark
	 * history it made --history 1.5 times slower and 40 MiB bigger.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	/*
	 * libgit2 hashes every object it reads to check its id (SHA-1 with collision detection): 30-40% of the CPU of
	 * --history. git itself checks only when it fetches, receives or runs fsck. A corrupt object still fails to
	 * inflate or to parse, and is reported with its id.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	atexit(git_shutdown_at_exit);
}

int hush_git_init(void)
{
	/*
	 * Loading libgit2 (dlopen: its dependencies are most of hush's start-up) and its initialisation, which loads
	 * the TLS trust store (about 10 ms): pay them once, and only when needed
	 */
	pthread_once(&git_once, git_init_once);
	return hush__git_load(); /* 0, or the load error again, as this thread's message */
}

static void *git_init_thread(void *arg)
{
	(void)arg;
	(void)hush_git_init(); /* a load error is reported to the first real user */
	return NULL;
}

void hush_git_init_wait(void)
{
	join_init_thread();
}

void hush_git_init_async(void)
{
	/* libgit2's loading and start-up (its TLS trust store: about 8 ms) overlap the loading of rules and the matcher; the
	 * first real user waits in pthread_once until it is done, and the thread is joined at exit */
	pthread_mutex_lock(&init_thread_lock);
	if (!init_thread_running && pthread_create(&init_thread, NULL, git_init_thread, NULL) == 0)
		init_thread_running = true;
	pthread_mutex_unlock(&init_thread_lock);
}

int hush_repo_open(git_repository **out, const char *path)
{
	const char *objdir = getenv("GIT_OBJECT_DIRECTORY"), *alts = getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	git_odb *odb = NULL;
	int rc;

	*out = NULL;
	if ((rc = hush_git_init()) != 0)
		return rc;
	if ((rc = git_repository_open_ext(out, path, 0, NULL)) < 0)
		return rc;
	if ((!objdir || !*objdir) && (!alts || !*alts))
		return 0;
	/*
	 * git's quarantine during pre-receive: the pushed objects wait in GIT_OBJECT_DIRECTORY, and the repository's
	 * own objects are listed in GIT_ALTERNATE_OBJECT_DIRECTORIES. libgit2 reads neither by itself.
	 */
	if ((rc = git_repository_odb(&odb, *out)) < 0)
		goto fail;
	if (objdir && *objdir && (rc = git_odb_add_disk_alternate(odb, objdir)) < 0)
		goto fail;
	for (const char *p = alts; p && *p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		char *dir = hush__strndup(p, len);

		if (!dir) {
			rc = -1;
			goto fail;
		}
		if (len && git_odb_add_disk_alternate(odb, dir) < 0) {
			free(dir);
			rc = -1;
			goto fail;
		}
		free(dir);
		p = colon ? colon + 1 : p + len;
	}
	git_odb_free(odb);
	return 0;
fail:
	git_odb_free(odb);
	git_repository_free(*out);
	*out = NULL;
	return rc;
}

int hush_repo_root(char **out, const char *path)
{
	struct stat st;
	char *dir = realpath(path, NULL);

	*out = NULL;
	if (!dir)
		return HUSH_ENOTFOUND;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) { /* a file: start from its folder */
		char *slash = strrchr(dir, '/');

		*(slash == dir ? slash + 1 : slash) = '\0';
	}
	for (;;) {
		char *dotgit = hush__path_join(dir, ".git");
		char *slash;

		if (!dotgit) {
			free(dir);
			return HUSH_ENOMEM;
		}
		if (lstat(dotgit, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
			free(dotgit);
			*out = dir;
			return 0;
		}
		free(dotgit);
		slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			free(dir);
			return HUSH_ENOTFOUND;
		}
		*slash = '\0';
	}
}
