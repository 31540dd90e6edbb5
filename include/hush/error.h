/*
 * hush/error.h: error codes and the thread-local last-error message.
 *
 * Functions return 0 on success or a negative HUSH_E* code. The detail of the most recent failure on the calling
 * thread is available from hush_error_last(). Each foreign error (libyaml, vectorscan, PCRE2, libgit2, ...) is
 * wrapped once, at the boundary; callers never overwrite a lower layer's message.
 */
#ifndef HUSH_ERROR_H
#define HUSH_ERROR_H

#include <stdarg.h>

enum {
	HUSH_OK = 0,
	HUSH_ERROR = -1,     /* generic failure */
	HUSH_ENOMEM = -2,    /* allocation failed or a hard size cap was reached */
	HUSH_EIO = -3,       /* an operating-system I/O call failed */
	HUSH_EINVALID = -4,  /* bad input: rule file, config, pattern */
	HUSH_ENOTFOUND = -5,
	HUSH_EPATTERN = -6,  /* a pattern failed to compile */
	HUSH_EUSAGE = -7,    /* bad command-line usage */
	HUSH_EDECRYPT = -8,  /* a vault value failed to decrypt (wrong key, tampered, moved) */
	HUSH_EWRONGKEY = -9, /* a private key that does not belong to the vault's environment */
	HUSH_EVERSION = -10, /* an unknown vault or key file format version */
	HUSH_EENV = -11,     /* a vault file of another environment */
	HUSH_EPERM = -12,    /* unsafe permissions (a group- or world-readable key file) */
	HUSH_EEXISTS = -13   /* refusing to overwrite an existing file */
};

/* Set the calling thread's error message (printf-style). Returns HUSH_ERROR for convenience. */
int hush_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hush_error_setv(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Prefix the current message with "prefix: " (used to add a file name as the error travels up). */
void hush_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Borrowed pointer to the last message on this thread, or "unknown error" when none was set. */
const char *hush_error_last(void);

/* Forget the last message. */
void hush_error_clear(void);

#endif
