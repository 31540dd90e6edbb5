/* curl.c: loading libcurl with dlopen, once, the first time a remote Vault is read (see curl.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HUSH_LIBCURL_SONAME
#include <dlfcn.h>
#endif

#include "injector/curl.h"
#include "hush/error.h"
#include "common/banned.h"

static hush__curl_api api;
static bool loaded, initialised;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512]; /* written once, inside load_once */

static void load(void)
{
	CURLcode rc;
#ifdef HUSH_LIBCURL_SONAME
	const char *missing = NULL, *why, *name = getenv("HUSH_LIBCURL");
	void *lib;

	/*
	 * By SONAME, as DT_NEEDED would have named it (LD_LIBRARY_PATH, RUNPATH, ld.so.cache): the SONAME carries
	 * libcurl's ABI version, the one whose headers hush was compiled against. RTLD_NOW: a broken install fails
	 * here, with a message, not in the middle of a request. The handle is never closed.
	 */
	if (!name || !*name)
		name = HUSH_LIBCURL_SONAME; /* HUSH_LIBCURL: another build of libcurl 7/8 (e.g. the GnuTLS flavour) */
	lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		why = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load libcurl (%s), which reading a remote Vault needs: %s",
			 name, why ? why : "unknown error");
		return;
	}
#define HUSH__CURL_RESOLVE(member, fn)                                        \
	if (!(*(void **)&api.member = dlsym(lib, #fn)) && !missing) \
		missing = #fn;
	HUSH__CURL_FUNCTIONS(HUSH__CURL_RESOLVE)
#undef HUSH__CURL_RESOLVE
	if (missing) {
		snprintf(load_error, sizeof(load_error), "cannot load libcurl (%s): it has no function '%s'", name,
			 missing);
		return;
	}
#else
#define HUSH__CURL_ASSIGN(member, fn) api.member = fn;
	HUSH__CURL_FUNCTIONS(HUSH__CURL_ASSIGN)
#undef HUSH__CURL_ASSIGN
#endif
	/* CURL_GLOBAL_DEFAULT: the TLS backend is initialised here, once; hush uses no signals (CURLOPT_NOSIGNAL) */
	if ((rc = api.global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(load_error, sizeof(load_error), "cannot initialise libcurl: %s", api.easy_strerror(rc));
		return;
	}
	initialised = true;
	loaded = true;
}

int hush__curl_load(const hush__curl_api **out)
{
	*out = NULL;
	pthread_once(&load_once, load);
	if (!loaded)
		return hush_error_set("%s", load_error), HUSH_ERROR;
	*out = &api;
	return 0;
}

void hush__curl_unload(void)
{
	if (initialised) {
		api.global_cleanup();
		initialised = false;
	}
}

const char *hush__curl_soname(void)
{
#ifdef HUSH_LIBCURL_SONAME
	return HUSH_LIBCURL_SONAME;
#else
	return "linked";
#endif
}
