/*
 * diff.c: scan the added lines of a unified diff (git diff, git format-patch, diff -u, a review tool's patch).
 * For each file, the new side of every hunk (context and added lines) is rebuilt into one buffer with a map from
 * buffer lines to new-file line numbers, so a secret that spans added lines is matched whole; only findings that
 * touch an added line are reported, at their new-file line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/scan.h"
#include "scanner/sink.h"
#include "common/util.h"
#include "common/banned.h"

#define DIFF_CAP ((size_t)1 << 30)

typedef struct {
	hush__sink *sink;
	hush_match_ctx *ctx;
	char *path;
	bool skip;       /* deleted or binary */
	bool any_hunk;
	hush_buf text;   /* the new side of the hunks */
	uint64_t *map;   /* buffer line -> new-file line (0: a separator) */
	size_t nmap, amap;
	hush__line_range *keep;
	size_t nkeep, akeep;
	bool last_new;   /* the previous hunk line was on the new side (for "\ No newline at end of file") */
	bool no_eol;     /* the text's last line lost its newline to "\ No newline at end of file" */
} file_acc;

static void file_reset(file_acc *f)
{
	free(f->path);
	f->path = NULL;
	f->skip = false;
	f->any_hunk = false;
	hush_buf_reset(&f->text);
	f->nmap = 0;
	f->nkeep = 0;
	f->last_new = false;
	f->no_eol = false;
}

static int file_flush(file_acc *f)
{
	hush__origin o = { f->sink, f->path, f->path, NULL, NULL, f->keep, f->nkeep, f->map, f->nmap, 0 };
	int err = 0;

	if (f->path && !f->skip && f->nkeep && f->text.len) {
		if (!f->sink->opts->binary && hush__looks_binary(f->text.ptr, f->text.len)) {
			f->sink->res->stats.skipped_binary++;
		} else {
			uint64_t limits = hush_match_ctx_limit_hits(f->ctx);

			f->sink->res->stats.files++;
			f->sink->res->stats.bytes += f->text.len;
			err = hush_match_buffer(f->ctx, f->text.ptr, f->text.len, false, hush__sink_match, &o);
			if (!err)
				hush__sink_limits(f->sink, f->ctx, limits, f->path, NULL);
		}
	}
	file_reset(f);
	return err;
}

/* Append one new-side line (without its newline) mapped to new-file line n (0: separator). */
static int add_line(file_acc *f, const char *s, size_t len, uint64_t n, bool added)
{
	uint64_t bl;

	/*
	 * A line after "\ No newline at end of file" (a malformed diff): give the previous line its newline back, or
	 * the text would have one line fewer than the map, and every later finding the wrong line (found by fuzz_diff)
	 */
	if (f->no_eol) {
		if (hush_buf_putc(&f->text, '\n'))
			return HUSH_ENOMEM;
		f->no_eol = false;
	}
	if (hush_buf_put(&f->text, s, len) || hush_buf_putc(&f->text, '\n') ||
	    hush__array_grow((void **)&f->map, &f->amap, f->nmap, sizeof(*f->map)))
		return HUSH_ENOMEM;
	f->map[f->nmap++] = n;
	bl = f->nmap;
	if (!added)
		return 0;
	if (f->nkeep && f->keep[f->nkeep - 1].last + 1 == bl) {
		f->keep[f->nkeep - 1].last = bl;
		return 0;
	}
	if (hush__array_grow((void **)&f->keep, &f->akeep, f->nkeep, sizeof(*f->keep)))
		return HUSH_ENOMEM;
	f->keep[f->nkeep].first = f->keep[f->nkeep].last = bl;
	f->nkeep++;
	return 0;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* A path as git writes it: plain, or "quoted" with C escapes; "b/" and a trailing tab + timestamp dropped. */
static char *parse_path(const char *s, size_t len, bool strip_prefix)
{
	hush_buf b = HUSH_BUF_INIT;
	const char *p;

	while (len && (s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (len && s[0] == '"') {
		for (size_t i = 1; i < len && s[i] != '"'; i++) {
			char c = s[i];

			if (c == '\\' && i + 1 < len) {
				c = s[++i];
				if (i + 2 < len && is_octal(c) && is_octal(s[i + 1]) && is_octal(s[i + 2])) {
					/* git writes a byte as exactly three octal digits; anything else is not an octal escape */
					c = (char)(unsigned char)((unsigned)(c - '0') << 6 | (unsigned)(s[i + 1] - '0') << 3 |
								  (unsigned)(s[i + 2] - '0'));
					i += 2;
				} else {
					c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == 'a' ? '\a' : c == 'b' ? '\b'
					  : c == 'f' ? '\f' : c == 'v' ? '\v' : c;
				}
			}
			if (hush_buf_putc(&b, c)) {
				hush_buf_dispose(&b);
				return NULL;
			}
		}
	} else {
		if ((p = memchr(s, '\t', len)) != NULL) /* "+++ file\t2024-01-01 ..." */
			len = (size_t)(p - s);
		if (hush_buf_put(&b, s, len)) {
			hush_buf_dispose(&b);
			return NULL;
		}
	}
	if (strip_prefix && b.len > 2 && (b.ptr[0] == 'b' || b.ptr[0] == 'a') && b.ptr[1] == '/') {
		memmove(b.ptr, b.ptr + 2, b.len - 1);
		b.len -= 2;
	}
	return hush_buf_detach(&b, NULL);
}

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

/* A line number or count: 1 to 15 decimal digits at *p (no sign, no space), *p moved past them; -1 otherwise. */
static int parse_count(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	for (; **p >= '0' && **p <= '9'; (*p)++, n++) {
		if (n == 15)
			return -1;
		v = v * 10 + (uint64_t)(**p - '0');
	}
	if (!n)
		return -1;
	*out = v;
	return 0;
}

/*
 * "@@ -a[,b] +c[,d] @@": returns 0 and fills the counts, or -1. Numbers are plain digits (sscanf's "%llu" took
 * "+-1" as 2^64 - 1, and the line counter wrapped to 0).
 */
static int parse_hunk(const char *s, size_t len, uint64_t *old_left, uint64_t *new_start, uint64_t *new_left)
{
	char tmp[128];
	uint64_t a, b = 1, c, d = 1;
	const char *p;

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	p = tmp + 3;
	if (*p++ != '-' || parse_count(&p, &a))
		return -1;
	if (*p == ',' && (p++, parse_count(&p, &b)))
		return -1;
	if (*p++ != ' ' || *p++ != '+' || parse_count(&p, &c))
		return -1;
	if (*p == ',' && (p++, parse_count(&p, &d)))
		return -1;
	(void)a;
	/*
	 * Only an empty new side starts at line 0 ("+0,0"). Lines of a malformed hunk ("+0,N", or "+0,0" followed by
	 * '+' lines anyway) are still scanned, numbered from 1: no finding is put on line 0 (found by fuzz_diff).
	 */
	if (c == 0)
		c = 1;
	*old_left = b;
	*new_start = c;
	*new_left = d;
	return 0;
}

static int parse_diff(file_acc *f, const char *data, size_t len)
{
	uint64_t old_left = 0, new_left = 0, new_line = 0;
	const char *p = data, *end = data + len;
	int err = 0;

	while (p < end && !err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *line = p;

		p = nl ? nl + 1 : end;
		if (old_left || new_left) { /* inside a hunk */
			char c = n ? line[0] : ' '; /* an empty line is a context line whose space was stripped */

			if (c == ' ' || c == '+') {
				if (!f->skip && f->path)
					err = add_line(f, line + (n ? 1 : 0), n ? n - 1 : 0, new_line, c == '+');
				new_line++;
				if (new_left)
					new_left--;
				if (c == ' ' && old_left)
					old_left--;
				f->last_new = true;
				continue;
			}
			if (c == '-') {
				if (old_left)
					old_left--;
				f->last_new = false;
				continue;
			}
			if (c != '\\') { /* a short hunk: treat this line as a header */
				old_left = new_left = 0;
			}
		}
		if (n && line[0] == '\\') { /* "\ No newline at end of file" after a new-side line */
			if (f->last_new && !f->no_eol && f->text.len && f->text.ptr[f->text.len - 1] == '\n') {
				f->text.ptr[--f->text.len] = '\0';
				f->no_eol = true;
			}
			continue;
		}
		if (starts(line, n, "diff ") && !starts(line, n, "diff --git ")) {
			/* "diff -ru a/x b/x": another file begins; its path comes with "+++" */
			if ((err = file_flush(f)) != 0)
				break;
		} else if (starts(line, n, "diff --git ")) {
			const char *b = NULL;

			if ((err = file_flush(f)) != 0)
				break;
			for (const char *q = line + 11; q + 3 <= line + n; q++)
				if (!memcmp(q, " b/", 3) || !memcmp(q, " \"b/", 4)) {
					b = q + 1;
					break;
				}
			f->path = b ? parse_path(b, (size_t)(line + n - b), true) : NULL;
		} else if (starts(line, n, "rename to ") || starts(line, n, "copy to ")) {
			const char *q = memchr(line, ' ', n) + 4;

			free(f->path);
			f->path = parse_path(q, (size_t)(line + n - q), false);
		} else if (starts(line, n, "+++ ")) {
			if (f->any_hunk && (err = file_flush(f)) != 0) /* plain "diff -u" output: a new file */
				break;
			if (starts(line + 4, n - 4, "/dev/null")) {
				f->skip = true; /* deleted: nothing added */
			} else {
				free(f->path);
				f->path = parse_path(line + 4, n - 4, true);
			}
		} else if (starts(line, n, "Binary files ") || starts(line, n, "GIT binary patch")) {
			/* plain "diff -r" has no header before this line: it belongs to a new file */
			if (f->any_hunk && (err = file_flush(f)) != 0)
				break;
			f->skip = true;
		} else if (starts(line, n, "@@ -")) {
			if (parse_hunk(line, n, &old_left, &new_line, &new_left) < 0)
				continue;
			if (f->any_hunk && !f->skip && f->path)
				err = add_line(f, "", 0, 0, false); /* keep hunks apart */
			f->any_hunk = true;
			f->last_new = false;
		}
	}
	if (!err)
		err = file_flush(f);
	return err;
}

int hush_scan_diff(hush_scan_result **out, const hush_matcher *m, int fd, const char *display,
		   const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns();
	hush_buf in;
	file_acc f;
	hush__sink s;
	char chunk[65536];
	int err;

	*out = NULL;
	if ((err = hush__sink_init(&s, m, opts)) != 0)
		return err;
	memset(&f, 0, sizeof(f));
	hush_buf_init(&f.text, DIFF_CAP);
	hush_buf_init(&in, DIFF_CAP);
	f.sink = &s;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = hush_error_set("cannot read the diff '%s': %s", display, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if ((err = hush_buf_put(&in, chunk, (size_t)n)) != 0) {
			hush_error_prefix("cannot read the diff '%s'", display);
			break;
		}
	}
	if (!err && (err = hush_match_ctx_new(&f.ctx, m)) == 0)
		err = parse_diff(&f, in.ptr, in.len);
	file_reset(&f);
	hush_match_ctx_free(f.ctx);
	hush_buf_dispose(&f.text);
	hush_buf_dispose(&in);
	free(f.map);
	free(f.keep);
	return hush__sink_finish(&s, out, t0, err);
}
