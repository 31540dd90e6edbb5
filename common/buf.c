/* buf.c: hush_buf, a capped growable byte buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hush/buf.h"
#include "hush/error.h"

char hush__buf_empty[1];

void hush_buf_init(hush_buf *b, size_t cap)
{
	b->ptr = hush__buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : HUSH_BUF_DEFAULT_CAP;
}

void hush_buf_dispose(hush_buf *b)
{
	if (b->alloc)
		free(b->ptr);
	hush_buf_init(b, b->cap);
}

void hush_buf_reset(hush_buf *b)
{
	b->len = 0;
	if (b->alloc) /* hush__buf_empty is shared by every thread's empty buffers: never written */
		b->ptr[0] = '\0';
}

int hush_buf_grow(hush_buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return hush_error_set("buffer would exceed its cap of %zu bytes", b->cap), HUSH_ENOMEM;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n = n > ((size_t)-1) / 2 ? want : n * 2;
	p = b->alloc ? realloc(b->ptr, n) : malloc(n);
	if (!p)
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	if (!b->alloc)
		p[0] = '\0';
	b->ptr = p;
	b->alloc = n;
	return 0;
}

int hush_buf_put(hush_buf *b, const void *data, size_t len)
{
	int err = hush_buf_grow(b, len);

	if (err)
		return err;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int hush_buf_puts(hush_buf *b, const char *s)
{
	return hush_buf_put(b, s, strlen(s));
}

int hush_buf_putc(hush_buf *b, char c)
{
	return hush_buf_put(b, &c, 1);
}

int hush_buf_printf(hush_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return hush_error_set("bad format string"), HUSH_EINVALID;
	if ((err = hush_buf_grow(b, (size_t)n)) != 0)
		return err;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *hush_buf_detach(hush_buf *b, size_t *len_out)
{
	char *p = b->alloc ? b->ptr : calloc(1, 1);

	if (len_out)
		*len_out = b->len;
	hush_buf_init(b, b->cap);
	return p;
}
