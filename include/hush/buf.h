/*
 * hush/buf.h: a growable byte buffer with a hard size cap.
 *
 * Invariants (git's strbuf): ptr is never NULL and always NUL-terminated; the buffer may hold NUL bytes. Going past
 * the cap (curl's dynbuf) is an error, never a runaway allocation.
 */
#ifndef HUSH_BUF_H
#define HUSH_BUF_H

#include <stddef.h>

typedef struct {
	char *ptr;    /* contents, always NUL-terminated */
	size_t len;   /* bytes used, excluding the terminator */
	size_t alloc; /* bytes allocated, 0 while ptr points at the shared empty string */
	size_t cap;   /* maximum len */
} hush_buf;

#define HUSH_BUF_DEFAULT_CAP ((size_t)1 << 30)
#define HUSH_BUF_INIT { hush__buf_empty, 0, 0, HUSH_BUF_DEFAULT_CAP }
extern char hush__buf_empty[1];

void hush_buf_init(hush_buf *b, size_t cap);
void hush_buf_dispose(hush_buf *b);
void hush_buf_reset(hush_buf *b);

/* Each returns 0, or HUSH_ENOMEM when the cap would be passed or allocation fails (contents unchanged). */
int hush_buf_grow(hush_buf *b, size_t extra);
int hush_buf_put(hush_buf *b, const void *data, size_t len);
int hush_buf_puts(hush_buf *b, const char *s);
int hush_buf_putc(hush_buf *b, char c);
int hush_buf_printf(hush_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hand over the contents as a malloc'd string the caller frees; b is reset. */
char *hush_buf_detach(hush_buf *b, size_t *len_out);

#endif
