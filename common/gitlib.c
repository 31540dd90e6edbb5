/* gitlib.c: loading libgit2 with dlopen, once, the first time hush needs it (see gitlib.h). */
#define HUSH__GITLIB_NO_REDIRECT
#include "common/gitlib.h"

#include <dlfcn.h>
#include <string.h>
#ifdef HUSH_LIBGIT2_SONAME
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#endif

#include "hush/error.h"
#include "common/banned.h"

/*
 * libgit2's TLS trust store, never used. Debian's libgit2 is built with mbedTLS, and git_libgit2_init() parses every
 * certificate in /etc/ssl/certs/ca-certificates.crt: 8 to 10 ms of CPU, most of libgit2's start-up, and the
 * longest step of 'hush scan --staged' (issue 3's 30 ms target). hush opens only local repositories, so libgit2
 * never makes a TLS connection. The executable exports this definition (CMakeLists.txt, hush_git2), which the
 * dynamic loader binds libgit2's call to, ahead of libmbedx509's: a call from libgit2 loads nothing and succeeds
 * (libgit2 would then trust no certificate, so a TLS connection through it would fail verification: fail-closed),
 * and a call from anything else (a libcurl built with mbedTLS, say) goes on to mbedTLS's own function. Where
 * libgit2 uses OpenSSL this is never called.
 */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	int (*next)(void *, const char *);
	Dl_info caller;

	if (dladdr(__builtin_return_address(0), &caller) && caller.dli_fname && strstr(caller.dli_fname, "libgit2"))
		return 0;
	*(void **)&next = dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
	return next ? next(chain, path) : -1;
}

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
