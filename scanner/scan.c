/*
 * scan.c: the scan driver. Walks the paths, then worker threads (one hush_match_ctx each) take files from a
 * shared counter, read them (read() for small files, mmap for large ones, guarded against SIGBUS when a file
 * shrinks under us), match, and turn matches into findings: allowlists, fingerprint, redaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/scan.h"
#include "scanner/walk.h"
#include "common/util.h"
#include "common/banned.h"

#define SNIFF_BYTES 8192
#define MMAP_THRESHOLD ((uint64_t)256 << 10)
#define RELEASE_THRESHOLD ((uint64_t)16 << 20)
#define MAX_THREADS 256

typedef struct {
	const hush_matcher *m;
	const hush_scan_options *opts;
	hush_scan_result *res;
	size_t alloc;
	pthread_mutex_t lock;
	/* salt, resolved on the first finding */
	bool salt_ready;
	char *salt;
	/* work */
	hush__file_list files;
	atomic_size_t next;
	int err;
	char *err_msg; /* the failing worker's message, re-raised on the calling thread */
} scan_state;

typedef struct {
	scan_state *s;
	const char *path;
	const char *relpath;
} file_cb_arg;

char *hush_redact_preview(const char *secret, size_t len)
{
	size_t show = len >= 16 ? 4 : len / 4;
	char *p = hush__malloc(show + 4);

	if (!p)
		return NULL;
	for (size_t i = 0; i < show; i++) {
		unsigned char c = (unsigned char)secret[i];

		p[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c; /* keep previews printable ASCII */
	}
	memcpy(p + show, "\xe2\x80\xa6", 4); /* U+2026 HORIZONTAL ELLIPSIS */
	return p;
}

static void warn_locked(scan_state *s, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	s->res->stats.warnings++;
	if (s->opts->warn)
		s->opts->warn(msg, s->opts->warn_payload);
}

static void warn(void *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(void *arg, const char *fmt, ...)
{
	scan_state *s = arg;
	va_list ap;

	pthread_mutex_lock(&s->lock);
	va_start(ap, fmt);
	warn_locked(s, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&s->lock);
}

/* Called with the lock held. */
static const char *resolve_salt(scan_state *s)
{
	char root[41];
	int shallow = 0;

	if (s->salt_ready)
		return s->salt ? s->salt : HUSH_DEFAULT_SALT;
	s->salt_ready = true;
	if (s->opts->salt) {
		s->salt = hush__strdup(s->opts->salt);
	} else if (s->opts->config && s->opts->config->salt) {
		s->salt = hush__strdup(s->opts->config->salt);
	} else if (hush_fingerprint_repo_salt(root, s->opts->root ? s->opts->root : ".", &shallow) == 0) {
		s->salt = hush__strdup(root);
		if (shallow) {
			s->res->stats.warnings++;
			if (s->opts->warn)
				s->opts->warn("shallow clone: fingerprints are salted with the shallow boundary commit "
					      "and differ from a full clone's; set 'salt' in .hush.yml",
					      s->opts->warn_payload);
		}
	}
	return s->salt ? s->salt : HUSH_DEFAULT_SALT;
}

static int on_match(const hush_match *m, void *payload)
{
	file_cb_arg *a = payload;
	scan_state *s = a->s;
	hush_finding f;
	int err = 0;

	memset(&f, 0, sizeof(f));
	pthread_mutex_lock(&s->lock);
	if (m->allowed) {
		s->res->stats.allowed++;
		goto unlock;
	}
	hush_fingerprint(f.fingerprint, resolve_salt(s), m->rule->id, a->relpath, m->secret, m->secret_len);
	if (s->opts->config && hush_config_fingerprint_allowed(s->opts->config, f.fingerprint)) {
		s->res->stats.allowed++;
		goto unlock;
	}
	f.rule = m->rule;
	f.line = m->line;
	f.column = m->column;
	f.start = m->secret_start;
	f.end = m->secret_end;
	f.entropy = m->entropy;
	f.path = hush__strdup(a->path);
	f.relpath = hush__strdup(a->relpath);
	if (s->opts->show_secrets) {
		f.secret = hush__strndup(m->secret, m->secret_len);
		f.secret_len = m->secret_len;
	} else {
		f.secret = hush_redact_preview(m->secret, m->secret_len);
		f.secret_len = f.secret ? strlen(f.secret) : 0;
	}
	if (!f.path || !f.relpath || !f.secret) {
		err = HUSH_ENOMEM;
		goto unlock;
	}
	if (hush__array_grow((void **)&s->res->findings, &s->alloc, s->res->count, sizeof(hush_finding))) {
		err = HUSH_ENOMEM;
		goto unlock;
	}
	s->res->findings[s->res->count++] = f;
	s->res->stats.findings++;
	memset(&f, 0, sizeof(f));
unlock:
	pthread_mutex_unlock(&s->lock);
	free(f.path);
	free(f.relpath);
	free(f.secret);
	return err;
}

/* ---- SIGBUS guard for mmap'd files that shrink while we read them ---- */

static _Thread_local sigjmp_buf *volatile bus_jmp;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig)
{
	if (bus_jmp)
		siglongjmp(*bus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_sigbus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
}

static bool looks_binary(const char *data, size_t len)
{
	return memchr(data, '\0', len < SNIFF_BYTES ? len : SNIFF_BYTES) != NULL;
}

static int scan_mapped(scan_state *s, hush_match_ctx *ctx, int fd, uint64_t size, file_cb_arg *a, bool *binary)
{
	sigjmp_buf jb;
	char *volatile map;
	int err = 0;

	map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		warn(s, "cannot map '%s': %s", a->path, strerror(errno));
		return 1;
	}
	madvise(map, (size_t)size, MADV_SEQUENTIAL);
	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		munmap(map, (size_t)size);
		warn(s, "'%s' shrank while it was being scanned; the rest of it was skipped", a->path);
		return hush_match_ctx_reset(ctx) ? HUSH_ENOMEM : 1;
	}
	bus_jmp = &jb;
	if (!s->opts->binary && looks_binary(map, (size_t)size)) {
		*binary = true;
	} else {
		err = hush_match_buffer(ctx, map, (size_t)size, size >= RELEASE_THRESHOLD, on_match, a);
	}
	bus_jmp = NULL;
	munmap(map, (size_t)size);
	return err;
}

static int scan_read(scan_state *s, hush_match_ctx *ctx, int fd, hush_buf *buf, file_cb_arg *a, bool *binary,
		     uint64_t *bytes)
{
	char chunk[65536];

	hush_buf_reset(buf);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			warn(s, "cannot read '%s': %s", a->path, strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		if (buf->len + (size_t)n > s->opts->max_file_size) {
			warn(s, "skipping '%s': it grew past --max-file-size while being read", a->path);
			return 1;
		}
		if (hush_buf_put(buf, chunk, (size_t)n))
			return HUSH_ENOMEM;
	}
	*bytes = buf->len;
	if (!s->opts->binary && looks_binary(buf->ptr, buf->len)) {
		*binary = true;
		return 0;
	}
	return hush_match_buffer(ctx, buf->ptr, buf->len, false, on_match, a);
}

static int scan_one(scan_state *s, hush_match_ctx *ctx, hush_buf *buf, const hush__file *f)
{
	file_cb_arg a = { s, f->path, f->relpath };
	struct stat st;
	bool binary = false;
	uint64_t bytes = 0;
	int fd, rc;

	fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (f->follow ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		if (errno == ENOENT) /* vanished since the walk */
			return 0;
		if (errno == ELOOP) /* replaced by a symlink since the walk */
			return 0;
		warn(s, "cannot open '%s': %s", f->path, strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		pthread_mutex_lock(&s->lock);
		s->res->stats.skipped_special++;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	if ((uint64_t)st.st_size > s->opts->max_file_size) {
		char size[32], limit[32];

		hush__human_size(size, sizeof(size), (uint64_t)st.st_size);
		hush__human_size(limit, sizeof(limit), s->opts->max_file_size);
		close(fd);
		warn(s, "skipping '%s': %s is over the --max-file-size limit of %s", f->path, size, limit);
		pthread_mutex_lock(&s->lock);
		s->res->stats.skipped_large++;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	if ((uint64_t)st.st_size >= MMAP_THRESHOLD) {
		bytes = (uint64_t)st.st_size;
		rc = scan_mapped(s, ctx, fd, (uint64_t)st.st_size, &a, &binary);
	} else {
		rc = scan_read(s, ctx, fd, buf, &a, &binary, &bytes);
	}
	close(fd);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&s->lock);
	if (binary) {
		s->res->stats.skipped_binary++;
	} else if (rc == 0) {
		s->res->stats.files++;
		s->res->stats.bytes += bytes;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void *worker(void *arg)
{
	scan_state *s = arg;
	hush_match_ctx *ctx = NULL;
	hush_buf buf;
	int err;

	hush_buf_init(&buf, (size_t)MMAP_THRESHOLD + 1);
	if ((err = hush_match_ctx_new(&ctx, s->m)) == 0) {
		for (;;) {
			size_t i = atomic_fetch_add(&s->next, 1);

			if (i >= s->files.n)
				break;
			if ((err = scan_one(s, ctx, &buf, &s->files.v[i])) != 0)
				break;
		}
	}
	if (err) {
		pthread_mutex_lock(&s->lock);
		if (!s->err) {
			s->err = err;
			s->err_msg = hush__strdup(hush_error_last());
		}
		pthread_mutex_unlock(&s->lock);
		atomic_store(&s->next, s->files.n); /* stop the others */
	}
	hush_match_ctx_free(ctx);
	hush_buf_dispose(&buf);
	return NULL;
}

static int cmp_finding(const void *a, const void *b)
{
	const hush_finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return strcmp(x->rule->id, y->rule->id);
}

static unsigned thread_count(const hush_scan_options *o)
{
	long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static int state_init(scan_state *s, hush_scan_result **out, const hush_matcher *m, const hush_scan_options *opts)
{
	memset(s, 0, sizeof(*s));
	*out = NULL;
	if (!(s->res = hush__calloc(1, sizeof(*s->res))))
		return HUSH_ENOMEM;
	s->m = m;
	s->opts = opts;
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->next, 0);
	return 0;
}

static int state_finish(scan_state *s, hush_scan_result **out, uint64_t t0, int err)
{
	free(s->salt);
	if (s->err_msg) {
		hush_error_set("%s", s->err_msg);
		free(s->err_msg);
	}
	hush__file_list_dispose(&s->files);
	pthread_mutex_destroy(&s->lock);
	if (err) {
		hush_scan_result_free(s->res);
		return err;
	}
	if (s->res->count)
		qsort(s->res->findings, s->res->count, sizeof(hush_finding), cmp_finding);
	s->res->stats.elapsed_ns = hush__now_ns() - t0;
	*out = s->res;
	return 0;
}

int hush_scan_paths(hush_scan_result **out, const hush_matcher *m, const char *const *paths, size_t npaths,
		    const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns();
	scan_state s;
	hush__walk_ctx wc;
	pthread_t tids[MAX_THREADS];
	unsigned nt, started = 0;
	int err;

	if ((err = state_init(&s, out, m, opts)) != 0)
		return err;
	pthread_once(&bus_once, install_sigbus);
	wc.opts = opts;
	wc.stats = &s.res->stats;
	wc.warn = warn;
	wc.warn_arg = &s;
	for (size_t i = 0; i < npaths && !err; i++)
		err = hush__walk(&s.files, paths[i], &wc);
	if (!err)
		hush__file_list_dedup(&s.files); /* "hush scan d d/a.txt" scans a.txt once */
	if (!err) {
		nt = thread_count(opts);
		if (nt > s.files.n)
			nt = s.files.n ? (unsigned)s.files.n : 1;
		if (nt == 1) {
			worker(&s);
		} else {
			for (started = 0; started < nt; started++)
				if (pthread_create(&tids[started], NULL, worker, &s) != 0)
					break;
			if (started == 0)
				worker(&s);
			for (unsigned i = 0; i < started; i++)
				pthread_join(tids[i], NULL);
		}
		err = s.err;
	}
	return state_finish(&s, out, t0, err);
}

int hush_scan_fd(hush_scan_result **out, const hush_matcher *m, int fd, const char *display,
		 const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns(), bytes = 0;
	file_cb_arg a;
	hush_match_ctx *ctx = NULL;
	scan_state s;
	int err;

	if ((err = state_init(&s, out, m, opts)) != 0)
		return err;
	a.s = &s;
	a.path = display;
	a.relpath = display;
	if ((err = hush_match_ctx_new(&ctx, m)) == 0)
		err = hush_match_fd(ctx, fd, 0, &bytes, on_match, &a);
	hush_match_ctx_free(ctx);
	s.res->stats.files = 1;
	s.res->stats.bytes = bytes;
	return state_finish(&s, out, t0, err);
}

void hush_scan_result_free(hush_scan_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++) {
		free(r->findings[i].path);
		free(r->findings[i].relpath);
		free(r->findings[i].secret);
	}
	free(r->findings);
	free(r);
}
