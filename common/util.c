/* util.c: allocation, file reading, paths, hex, UTF-8 and size parsing helpers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "hush/error.h"
#include "common/banned.h"

void *hush__malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		hush_error_set("out of memory");
	return p;
}

void *hush__calloc(size_t count, size_t n)
{
	void *p = calloc(count ? count : 1, n ? n : 1);

	if (!p)
		hush_error_set("out of memory");
	return p;
}

void *hush__reallocarray(void *p, size_t count, size_t n)
{
	void *q;

	if (n && count > ((size_t)-1) / n) {
		hush_error_set("out of memory");
		return NULL;
	}
	q = realloc(p, (count * n) != 0 ? count * n : 1);
	if (!q)
		hush_error_set("out of memory");
	return q;
}

void hush__strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int hush__array_grow(void **v, size_t *alloc, size_t n, size_t elem)
{
	size_t na;
	void *nv;

	if (n < *alloc)
		return 0;
	na = *alloc ? *alloc * 2 : 16;
	if (!(nv = hush__reallocarray(*v, na, elem)))
		return HUSH_ENOMEM;
	*v = nv;
	*alloc = na;
	return 0;
}

char *hush__strndup(const char *s, size_t n)
{
	char *p = hush__malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *hush__strdup(const char *s)
{
	return hush__strndup(s, strlen(s));
}

int hush__read_file(hush_buf *out, const char *path, size_t cap)
{
	struct stat st;
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hush_error_set("cannot open '%s': %s", path, strerror(errno)), HUSH_EIO;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hush_error_set("cannot read '%s': not a regular file", path), HUSH_EIO;
	}
	if ((uint64_t)st.st_size > cap) {
		close(fd);
		return hush_error_set("cannot read '%s': larger than %zu bytes", path, cap), HUSH_EINVALID;
	}
	/*
	 * Read straight into out, sized by fstat: one read, one copy and no regrowth (the compiled-rules cache is 1.7
	 * MB). A file that grows while it is read gets 64 KiB more room at a time; a byte past cap tells it is too
	 * large.
	 */
	for (;;) {
		size_t room = (uint64_t)st.st_size > out->len ? (size_t)st.st_size - out->len + 1 : 65536;

		if (room > cap - out->len + 1)
			room = cap - out->len + 1;
		if ((err = hush_buf_grow(out, room)) != 0)
			break;
		n = read(fd, out->ptr + out->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = hush_error_set("cannot read '%s': %s", path, strerror(errno));
			err = HUSH_EIO;
			break;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > cap) {
			err = hush_error_set("cannot read '%s': larger than %zu bytes", path, cap);
			err = HUSH_EINVALID;
			break;
		}
		out->len += (size_t)n;
		out->ptr[out->len] = '\0';
		if ((size_t)n < room && st.st_size > 0 && out->len >= (size_t)st.st_size)
			break; /* a short read of a regular file is its end (files of /proc say 0: read to a 0) */
	}
	close(fd);
	return err;
}

static int io_all(int fd, void *buf, size_t len, bool writing)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { fd, writing ? POLLOUT : POLLIN, 0 };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int hush__write_all(int fd, const void *p, size_t len)
{
	return io_all(fd, (void *)(uintptr_t)p, len, true);
}

int hush__read_all(int fd, void *p, size_t len)
{
	return io_all(fd, p, len, false);
}

int hush__mkdir_p(const char *dir, unsigned mode)
{
	char *p = hush__strdup(dir);
	int rc = 0;

	if (!p)
		return -1;
	for (char *s = p + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (!rc && mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

size_t hush__path_join_at(char *out, const char *dir, size_t dl, const char *name, size_t nl)
{
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl == 1 && dir[0] == '.') { /* "./x" reads worse than "x" */
		dl = 0;
	} else {
		memcpy(out, dir, dl);
		out[dl++] = '/';
	}
	memcpy(out + dl, name, nl + 1);
	return dl;
}

char *hush__path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = hush__malloc(dl + nl + 2);

	if (p)
		hush__path_join_at(p, dir, dl, name, nl);
	return p;
}

void hush__hex(char *out, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static inline unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* ASCII case folding only, as tolower() in the C locale that hush runs in, but inline: the filters call this for
 * every word of their lists on every candidate secret. */
const char *hush__memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	unsigned char first;

	if (nlen == 0)
		return hay;
	if (nlen > hlen)
		return NULL;
	first = ascii_lower((unsigned char)needle[0]);
	for (size_t i = 0; i + nlen <= hlen; i++) {
		size_t j = 1;

		if (ascii_lower((unsigned char)hay[i]) != first)
			continue;
		while (j < nlen && ascii_lower((unsigned char)hay[i + j]) == ascii_lower((unsigned char)needle[j]))
			j++;
		if (j == nlen)
			return hay + i;
	}
	return NULL;
}

bool hush__utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

int hush__parse_size(uint64_t *out, const char *s)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return hush_error_set("invalid size '%s'", s), HUSH_EINVALID;
	v = strtoull(s, &end, 10);
	if (errno)
		return hush_error_set("invalid size '%s'", s), HUSH_EINVALID;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': mult = 1024; end++; break;
	case 'm': mult = 1024 * 1024; end++; break;
	case 'g': mult = 1024ULL * 1024 * 1024; end++; break;
	default: return hush_error_set("invalid size '%s': use a number with an optional K, M or G", s), HUSH_EINVALID;
	}
	if ((*end == 'i' || *end == 'I') && mult > 1)
		end++;
	if ((*end == 'b' || *end == 'B'))
		end++;
	if (*end || (v && mult > UINT64_MAX / v))
		return hush_error_set("invalid size '%s'", s), HUSH_EINVALID;
	*out = (uint64_t)v * mult;
	return 0;
}

void hush__human_size(char *out, size_t n, uint64_t b)
{
	if (b >= (uint64_t)1 << 30)
		snprintf(out, n, "%.1f GiB", (double)b / (double)(1u << 30));
	else if (b >= (uint64_t)1 << 20)
		snprintf(out, n, "%.1f MiB", (double)b / (double)(1u << 20));
	else if (b >= 1024)
		snprintf(out, n, "%.1f KiB", (double)b / 1024.0);
	else
		snprintf(out, n, "%llu B", (unsigned long long)b);
}

uint64_t hush__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
