/*
 * curl.h: libcurl for the Vault client, loaded with dlopen the first time a remote fetch needs it (internal).
 *
 * libcurl and what it pulls in (OpenSSL, nghttp2, libssh2, krb5, LDAP, ...) cost every process milliseconds of
 * dynamic loading, yet only a command that reads a remote Vault uses them. remote.c calls libcurl only through
 * this table; with -DHUSH_LIBCURL_DLOPEN=OFF (HUSH_LIBCURL_SONAME undefined) it is filled with the linked
 * functions instead. The member names differ from curl's so that curl's type-checking macros do not apply.
 */
#ifndef HUSH_INJECTOR_CURL_H
#define HUSH_INJECTOR_CURL_H

#include <curl/curl.h>

/* X(member, curl function) for every libcurl function hush calls. */
#define HUSH__CURL_FUNCTIONS(X)                 \
	X(global_init, curl_global_init)        \
	X(global_cleanup, curl_global_cleanup)  \
	X(easy_init, curl_easy_init)            \
	X(easy_setopt, curl_easy_setopt)        \
	X(easy_perform, curl_easy_perform)      \
	X(easy_getinfo, curl_easy_getinfo)      \
	X(easy_cleanup, curl_easy_cleanup)      \
	X(easy_strerror, curl_easy_strerror)    \
	X(easy_reset, curl_easy_reset)          \
	X(version_info, curl_version_info)

typedef struct {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode code);
	void (*easy_reset)(CURL *h);
	curl_version_info_data *(*version_info)(CURLversion v);
} hush__curl_api;

/*
 * Load libcurl (once per process) and run curl_global_init. *out is the table, valid until exit. Returns 0, or
 * HUSH_ERROR with "cannot load libcurl (SONAME): why"; every later call fails the same way.
 */
int hush__curl_load(const hush__curl_api **out);

/* curl_global_cleanup when hush__curl_load succeeded (the library stays mapped). */
void hush__curl_unload(void);

/* The SONAME loaded ("linked" when libcurl is linked), for messages. */
const char *hush__curl_soname(void);

#endif
