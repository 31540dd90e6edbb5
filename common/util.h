/* util.h: small internal helpers shared by every layer (not part of the public API). */
#ifndef HUSH_COMMON_UTIL_H
#define HUSH_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hush/buf.h"

#define HUSH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that reports failure through hush_error_set; NULL on failure. */
void *hush__malloc(size_t n);
void *hush__calloc(size_t count, size_t n);
void *hush__reallocarray(void *p, size_t count, size_t n);
char *hush__strdup(const char *s);
char *hush__strndup(const char *s, size_t n);

/* Free n strings and the array holding them. */
void hush__strv_free(char **v, size_t n);

/*
 * Make room for one more element in a growable array: *v holds *n of *alloc elements of size elem. Returns 0, or
 * HUSH_ENOMEM (the array is unchanged).
 */
int hush__array_grow(void **v, size_t *alloc, size_t n, size_t elem);

/* Read a whole regular file (refusing FIFOs and devices) into out, at most cap bytes. */
int hush__read_file(hush_buf *out, const char *path, size_t cap);

/*
 * Write all len bytes of p to fd, or read exactly len bytes from fd into p. Both retry after EINTR, and wait
 * with poll(2) after EAGAIN on a non-blocking descriptor. Return 0, or -1 with errno set (EIO for a write that
 * wrote nothing, or for end of file before len bytes were read).
 */
int hush__write_all(int fd, const void *p, size_t len);
int hush__read_all(int fd, void *p, size_t len);

/* mkdir -p: create dir and its missing parents with mode. Returns 0 or -1 (errno set). */
int hush__mkdir_p(const char *dir, unsigned mode);

/* Join a directory and a name with one '/'. Returns a malloc'd string or NULL. */
char *hush__path_join(const char *dir, const char *name);
/*
 * hush__path_join written at out, which has room for dl + nl + 2 bytes (dl = strlen(dir), nl = strlen(name)), for
 * callers that join many names to one folder. Returns the offset of name in out.
 */
size_t hush__path_join_at(char *out, const char *dir, size_t dl, const char *name, size_t nl);

/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void hush__hex(char *out, const unsigned char *in, size_t len);

/* Case-insensitive memmem for ASCII. */
const char *hush__memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen);

/* true when [s, s+len) is valid UTF-8. */
bool hush__utf8_valid(const char *s, size_t len);

/* Parse a size such as "50M", "1G", "4096" into bytes. Returns 0 or HUSH_EINVALID. */
int hush__parse_size(uint64_t *out, const char *s);

/* "512 B", "4.0 KiB", "100.0 MiB", "2.0 GiB" */
void hush__human_size(char *out, size_t n, uint64_t bytes);

/* Monotonic clock in nanoseconds. */
uint64_t hush__now_ns(void);

/* Glob match of a slash-separated path: '*' and '?' stay within one segment, '**' crosses segments, '[...]'
 * classes are supported, and a pattern ending in '/' matches that directory and everything below it. Time and
 * memory are O(pattern x path) whatever the stars; a pattern longer than HUSH_GLOB_MAX bytes matches nothing. */
#define HUSH_GLOB_MAX 1024
bool hush__glob_match(const char *pattern, const char *path);

#endif
