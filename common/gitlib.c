/* gitlib.c: loading libgit2 with dlopen, once, the first time hush needs it (see gitlib.h). */
#define HUSH__GITLIB_NO_REDIRECT
#include "common/gitlib.h"

#ifdef HUSH_LIBGIT2_SONAME
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#endif

#include "hush/error.h"
#include "common/banned.h"

#ifdef HUSH_LIBGIT2_SONAME

_Atomic(const struct hush__git_api *) hush__git_table;

static struct hush__git_api api;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512]; /* written once, inside load_once, before any reader looks */

static void load(void)
{
	const char *missing = NULL;
	const char *why;
	void *lib;

	/*
	 * By SONAME, as DT_NEEDED would have named it: the loader's usual search (LD_LIBRARY_PATH, the executable's
	 * RUNPATH, ld.so.cache). The SONAME carries libgit2's major and minor version, which is its ABI version, so
	 * the library found is the one whose headers hush was compiled against. RTLD_NOW: libgit2 and its
	 * dependencies are built with BIND_NOW anyway, and a broken install fails here, not in the middle of a scan.
	 * The handle is never closed: libgit2 is shut down at exit (scanner/repo.c) and stays mapped until then.
	 */
	lib = dlopen(HUSH_LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		why = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load libgit2 (%s): %s", HUSH_LIBGIT2_SONAME,
			 why ? why : "unknown error");
		return;
	}
#define HUSH__GIT_RESOLVE(f)                                      \
	if (!(api.f = (__typeof__(api.f))dlsym(lib, #f)) && !missing) \
		missing = #f;
	HUSH__GIT_FUNCTIONS(HUSH__GIT_RESOLVE)
#undef HUSH__GIT_RESOLVE
	if (missing) {
		snprintf(load_error, sizeof(load_error), "cannot load libgit2 (%s): it has no function '%s'",
			 HUSH_LIBGIT2_SONAME, missing);
		return;
	}
	atomic_store_explicit(&hush__git_table, &api, memory_order_release);
}

int hush__git_load(void)
{
	pthread_once(&load_once, load);
	if (atomic_load_explicit(&hush__git_table, memory_order_acquire))
		return 0;
	return hush_error_set("%s", load_error);
}

const struct hush__git_api *hush__git_slow(void)
{
	if (hush__git_load() == 0)
		return atomic_load_explicit(&hush__git_table, memory_order_acquire);
	/*
	 * A libgit2 call after a failed load: the caller skipped hush_git_init()'s error. There is no value of the
	 * function's return type to fake, so this is the one place below cli/ that prints and exits; status 2 is the
	 * CLI's "error" status, and stdout is flushed by exit() as on any other error.
	 */
	fprintf(stderr, "hush: error: %s\n", load_error);
	exit(2);
}

#else /* libgit2 is linked */

int hush__git_load(void)
{
	return 0;
}

#endif
