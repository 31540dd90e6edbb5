/*
 * scan.c: the scan driver. Walks the paths, then worker threads (one hush_match_ctx each) take files from a
 * shared counter, read them (read() for small files, mmap for large ones, guarded against SIGBUS when a file
 * shrinks under us), match, and turn matches into findings: allowlists, fingerprint, redaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "scanner/sink.h"
#include "scanner/walk.h"
#include "common/util.h"
#include "common/banned.h"

#define MMAP_THRESHOLD ((uint64_t)256 << 10)
#define RELEASE_THRESHOLD ((uint64_t)16 << 20)

typedef struct {
	hush__sink sink;
	hush__file_list files;
	atomic_size_t next;
} scan_state;

/*
 * ---- SIGBUS guard for mmap'd files that shrink while we read them ----
 *
 * Reading a mapped page past the file's new end raises SIGBUS. The handler maps zero pages over the rest of the
 * thread's mapping and returns: the read is retried and sees zeros, the scan runs to its end, and the file is then
 * reported as shrunk. A siglongjmp out of vectorscan, as before, left its scratch marked in use, which can then be
 * neither reused nor freed (a leak per shrunk file).
 */

static _Thread_local char *volatile bus_map; /* the mapping being scanned on this thread */
static _Thread_local volatile size_t bus_len;
static _Thread_local volatile sig_atomic_t bus_hit;
static uintptr_t bus_page;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	char *addr = si->si_addr, *map = bus_map;
	size_t len = bus_len;

	(void)uctx;
	if (map && addr >= map && addr < map + len) {
		char *page = (char *)((uintptr_t)addr & ~(bus_page - 1));

		/* mmap is a plain system call on Linux: safe here in practice, though not listed as async-signal-safe */
		if (mmap(page, (size_t)(map + len - page), PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) !=
		    MAP_FAILED) {
			bus_hit = 1;
			return;
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_sigbus(void)
{
	struct sigaction sa;

	bus_page = (uintptr_t)sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
}

static int scan_mapped(scan_state *s, hush_match_ctx *ctx, int fd, uint64_t size, hush__origin *a, bool *binary)
{
	char *map;
	int err = 0;

	map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		hush__sink_warn(&s->sink, "cannot map '%s': %s", a->path, strerror(errno));
		return 1;
	}
	madvise(map, (size_t)size, MADV_SEQUENTIAL);
	bus_hit = 0;
	bus_len = (size_t)size;
	bus_map = map;
	if (!s->sink.opts->binary && hush__looks_binary(map, (size_t)size)) {
		*binary = true;
	} else if (hush__is_vault_file(a->relpath, map, (size_t)size)) {
		err = 2; /* a hush vault: ciphertexts only */
	} else {
		err = hush_match_buffer(ctx, map, (size_t)size, size >= RELEASE_THRESHOLD, hush__sink_match, a);
	}
	bus_map = NULL;
	munmap(map, (size_t)size);
	if (bus_hit && err >= 0) {
		/* what was read before the end moved is reported; the rest read as zeros */
		hush__sink_warn(&s->sink, "'%s' shrank while it was being scanned; the rest of it was skipped", a->path);
		*binary = false;
		return 1;
	}
	return err;
}

static int scan_read(scan_state *s, hush_match_ctx *ctx, int fd, hush_buf *buf, hush__origin *a, bool *binary,
		     uint64_t *bytes)
{
	char chunk[65536];

	hush_buf_reset(buf);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hush__sink_warn(&s->sink, "cannot read '%s': %s", a->path, strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		if (buf->len + (size_t)n > s->sink.opts->max_file_size) {
			hush__sink_warn(&s->sink, "skipping '%s': it grew past --max-file-size while being read", a->path);
			return 1;
		}
		if (hush_buf_put(buf, chunk, (size_t)n))
			return HUSH_ENOMEM;
	}
	*bytes = buf->len;
	if (!s->sink.opts->binary && hush__looks_binary(buf->ptr, buf->len)) {
		*binary = true;
		return 0;
	}
	if (hush__is_vault_file(a->relpath, buf->ptr, buf->len))
		return 2; /* a hush vault: ciphertexts only */
	return hush_match_buffer(ctx, buf->ptr, buf->len, false, hush__sink_match, a);
}

static int scan_one(scan_state *s, hush_match_ctx *ctx, hush_buf *buf, const hush__file *f)
{
	hush__origin a = { &s->sink, f->path, f->relpath, NULL, NULL, NULL, 0, NULL, 0 };
	struct stat st;
	bool binary = false;
	uint64_t bytes = 0, limits = hush_match_ctx_limit_hits(ctx);
	int fd, rc;

	fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (f->follow ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		if (errno == ENOENT) /* vanished since the walk */
			return 0;
		if (errno == ELOOP) /* replaced by a symlink since the walk */
			return 0;
		hush__sink_warn(&s->sink, "cannot open '%s': %s", f->path, strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		pthread_mutex_lock(&s->sink.lock);
		s->sink.res->stats.skipped_special++;
		pthread_mutex_unlock(&s->sink.lock);
		return 0;
	}
	if ((uint64_t)st.st_size > s->sink.opts->max_file_size) {
		char size[32], limit[32];

		hush__human_size(size, sizeof(size), (uint64_t)st.st_size);
		hush__human_size(limit, sizeof(limit), s->sink.opts->max_file_size);
		close(fd);
		hush__sink_warn(&s->sink, "skipping '%s': %s is over the --max-file-size limit of %s", f->path, size, limit);
		pthread_mutex_lock(&s->sink.lock);
		s->sink.res->stats.skipped_large++;
		pthread_mutex_unlock(&s->sink.lock);
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
	hush__sink_limits(&s->sink, ctx, limits, f->path, NULL);
	pthread_mutex_lock(&s->sink.lock);
	if (binary) {
		s->sink.res->stats.skipped_binary++;
	} else if (rc == 2) {
		s->sink.res->stats.skipped_ignored++;
	} else if (rc == 0) {
		s->sink.res->stats.files++;
		s->sink.res->stats.bytes += bytes;
	}
	pthread_mutex_unlock(&s->sink.lock);
	return 0;
}

static void *worker(void *arg)
{
	scan_state *s = arg;
	hush_match_ctx *ctx = NULL;
	hush_buf buf;
	int err;

	hush_buf_init(&buf, (size_t)MMAP_THRESHOLD + 1);
	if ((err = hush_match_ctx_new(&ctx, s->sink.m)) == 0) {
		for (;;) {
			size_t i = atomic_fetch_add(&s->next, 1);

			if (i >= s->files.n)
				break;
			if ((err = scan_one(s, ctx, &buf, &s->files.v[i])) != 0)
				break;
		}
	}
	if (err) {
		hush__sink_fail(&s->sink, err);
		atomic_store(&s->next, s->files.n); /* stop the others */
	}
	hush_match_ctx_free(ctx);
	hush_buf_dispose(&buf);
	return NULL;
}

int hush_scan_paths(hush_scan_result **out, const hush_matcher *m, const char *const *paths, size_t npaths,
		    const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns();
	scan_state s;
	hush__walk_ctx wc;
	pthread_t tids[HUSH__MAX_THREADS];
	unsigned nt, started = 0;
	int err;

	memset(&s, 0, sizeof(s));
	*out = NULL;
	if ((err = hush__sink_init(&s.sink, m, opts)) != 0)
		return err;
	atomic_init(&s.next, 0);
	pthread_once(&bus_once, install_sigbus);
	wc.opts = opts;
	wc.stats = &s.sink.res->stats;
	wc.warn = hush__sink_warn;
	wc.warn_arg = &s.sink;
	for (size_t i = 0; i < npaths && !err; i++)
		err = hush__walk(&s.files, paths[i], &wc);
	if (!err)
		hush__file_list_dedup(&s.files); /* "hush scan d d/a.txt" scans a.txt once */
	if (!err) {
		nt = hush__thread_count(opts);
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
	}
	hush__file_list_dispose(&s.files);
	return hush__sink_finish(&s.sink, out, t0, err);
}

int hush_scan_fd(hush_scan_result **out, const hush_matcher *m, int fd, const char *display,
		 const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns(), bytes = 0;
	hush_match_ctx *ctx = NULL;
	hush__sink sink;
	hush__origin a = { &sink, display, display, NULL, NULL, NULL, 0, NULL, 0 };
	int err;

	*out = NULL;
	if ((err = hush__sink_init(&sink, m, opts)) != 0)
		return err;
	if ((err = hush_match_ctx_new(&ctx, m)) == 0)
		err = hush_match_fd(ctx, fd, 0, &bytes, hush__sink_match, &a);
	if (!err)
		hush__sink_limits(&sink, ctx, 0, display, NULL);
	hush_match_ctx_free(ctx);
	sink.res->stats.files = 1;
	sink.res->stats.bytes = bytes;
	return hush__sink_finish(&sink, out, t0, err);
}
