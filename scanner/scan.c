/*
 * scan.c: the scan driver. The calling thread walks the paths while worker threads (one hush_match_ctx each) take
 * the files it finds from a shared list, and it scans from the list itself whenever the list is full. They read the
 * files (read() for small files, mmap for large ones, guarded against SIGBUS when a file shrinks under us), match,
 * and turn matches into findings: allowlists, fingerprint, redaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/scan.h"
#include "scanner/decode.h"
#include "scanner/sink.h"
#include "scanner/walk.h"
#include "common/util.h"
#include "common/banned.h"

#define MMAP_THRESHOLD ((uint64_t)256 << 10)
#define READ_CAP ((size_t)MMAP_THRESHOLD) /* the most bytes read() into a thread's buffer: smaller files */
/*
 * The alignment of that buffer. The kernel copies each file into it from page-cache pages. On this project's AMD
 * EPYC VM that copy (copy_to_user, rep movsb) ran at about half speed when the buffer started 16 bytes into a page,
 * which is where malloc puts a block this large: reading the bench corpus (35,117 files, 524 MB) took 0.60 s of
 * system time against 0.35 s into a page-aligned buffer (bench/README.md).
 */
#define READ_ALIGN 4096
#define RELEASE_THRESHOLD ((uint64_t)16 << 20)
/*
 * Input from a pipe (hush_scan_fd). Its writer can run ahead of the scan only by what the pipe holds, 64 KiB unless
 * it is grown, so with the matcher's 8 MiB rounds the writer sat blocked while each round was scanned and the two
 * took turns. The pipe is grown to PIPE_WANT (what Linux lets any user ask for: /proc/sys/fs/pipe-max-size, 1 MiB by
 * default; a refusal leaves the pipe as it was), which lets the writer work while hush scans, and is read in rounds
 * of its size, at least PIPE_MIN_ROUND (smaller rounds would each scan the widest rule's bytes again), which keeps
 * the two in step and the stream's buffer at about 1.3 MiB instead of 8.3. `cat` of 114 MiB into `hush scan -`, 6
 * alternating runs: 0.39 to 0.63 s before, 0.24 to 0.34 s with the pipe grown alone, 0.25 to 0.29 s with the rounds
 * too; peak RSS 16.1 MiB before, 9.4 MiB after (bench/README.md, bench/stdin.sh).
 */
#define PIPE_WANT (1 << 20)
#define PIPE_MIN_ROUND ((size_t)256 << 10)

/*
 * The most files the walk may have found and not yet handed to a worker: each one holds its folder open (see
 * hush__dir), and the walk is far faster than the scan, so this bounds the open folders without starving anyone.
 * Under a low descriptor limit the queue gets a quarter of it (queue_cap).
 */
#define QUEUE_MAX 256
#define QUEUE_MIN 4
#define QUEUE_COMPACT 32 /* taken entries that the list may hold before it moves its queue to the front */

typedef struct {
	hush__sink sink;
	pthread_mutex_t lock; /* guards the fields below */
	pthread_cond_t more;  /* a file was added, the walk ended, or the scan stopped */
	hush__file_list files;
	size_t next;          /* the next file to scan */
	bool walking;         /* the walk may add more files */
	size_t queue_max;     /* the most files queued (see QUEUE_MAX) */
	bool stop;            /* an error: the workers and the walk stop */
	struct scanner *walk_scanner; /* the walking thread's: it scans from the queue whenever it is full */
} scan_state;

/* What a thread scans with. */
typedef struct scanner {
	scan_state *s;
	hush_match_ctx *ctx;
	char *rbuf; /* READ_CAP + 1 bytes, READ_ALIGN-aligned: see scan_read */
	hush_buf u16;
} scanner;

#define WALK_STOPPED 1 /* add_file's answer once the scan stopped: the error is the sink's */

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

/*
 * Match a file's bytes (UTF-16 text transcoded first, into u16): binary files are skipped (*binary), hush vaults
 * too (returns 2). Returns 0, or an error.
 */
static int match_file(scan_state *s, hush_match_ctx *ctx, const char *data, size_t len, bool release,
		      hush__origin *a, bool *binary, hush_buf *u16)
{
	int rc = hush__sink_text(&s->sink, a, &data, &len, u16);

	if (rc < 0 || rc == 2)
		return rc;
	if (rc == 1) {
		*binary = true;
		return 0;
	}
	return hush_match_buffer(ctx, data, len, release && !a->chain, hush__sink_match, a);
}

static int scan_mapped(scan_state *s, hush_match_ctx *ctx, int fd, uint64_t size, hush__origin *a, bool *binary,
		       hush_buf *u16)
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
	err = match_file(s, ctx, map, (size_t)size, size >= RELEASE_THRESHOLD, a, binary, u16);
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

/*
 * A small file, read whole into rbuf (READ_CAP bytes and a terminator; a file that grows past them while being read
 * is cut there). A read of a regular file that returns less than asked for has met the end, so once the file's size
 * as fstat gave it has been read, a short read ends the loop without the read that returns 0: one system call per
 * file. (A file whose size says 0, such as those of /proc, is read until a read returns 0.)
 */
static int scan_read(scan_state *s, hush_match_ctx *ctx, int fd, uint64_t size, char *rbuf, hush__origin *a,
		     bool *binary, uint64_t *bytes, hush_buf *u16)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, rbuf + len, READ_CAP - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hush__sink_warn(&s->sink, "cannot read '%s': %s", a->path, strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len < READ_CAP && size && len >= size)
			break;
		if (len == READ_CAP) {
			char c;

			if (read(fd, &c, 1) == 1)
				hush__sink_warn(&s->sink, "'%s' grew while it was being read; only its first %zu bytes were "
					       "scanned", a->path, len);
			break;
		}
	}
	rbuf[len] = '\0';
	*bytes = len;
	return match_file(s, ctx, rbuf, len, false, a, binary, u16);
}

static int scan_one(scan_state *s, hush_match_ctx *ctx, char *rbuf, hush_buf *u16, const hush__file *f)
{
	hush__origin a = { &s->sink, f->path, f->relpath, NULL, NULL, NULL, 0, NULL, 0, 0 };
	struct stat st;
	bool binary = false;
	uint64_t bytes = 0, limits = hush_match_ctx_limit_hits(ctx);
	int fd, rc;

	/* relative to its folder when the walk kept that open: the kernel then looks up one name, not the whole path */
	fd = f->dir ? openat(hush__dir_fd(f->dir), f->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)
		    : open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (f->follow ? 0 : O_NOFOLLOW));
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
		rc = scan_mapped(s, ctx, fd, (uint64_t)st.st_size, &a, &binary, u16);
	} else {
		rc = scan_read(s, ctx, fd, (uint64_t)st.st_size, rbuf, &a, &binary, &bytes, u16);
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

static void stop_scan(scan_state *s)
{
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
}

/* A thread's scan failed: the error goes to the sink, and the other threads and the walk stop. */
static void fail_scan(scan_state *s, int err)
{
	hush__sink_fail(&s->sink, err);
	stop_scan(s);
}

/* Under s->lock: move the next queued file to f (the taker owns its strings and folder reference then). */
static bool pop_file(scan_state *s, hush__file *f)
{
	hush__file *e;

	if (s->stop || s->next >= s->files.n)
		return false;
	e = &s->files.v[s->next++];
	*f = *e;
	e->path = e->relpath = NULL;
	e->dir = NULL;
	return true;
}

static int scan_taken(scanner *w, hush__file *f)
{
	int err = scan_one(w->s, w->ctx, w->rbuf, &w->u16, f);

	hush__dir_release(f->dir);
	free(f->path); /* (and relpath, in the same allocation) */
	return err;
}

/*
 * hush__walk_ctx.add: one more file for the workers, which holds its folder. While the queue is full, the walking
 * thread scans the oldest queued file itself (it is one of the -j threads), so it never waits for the workers.
 */
static int add_file(void *arg, const char *path, const char *relpath, bool follow, hush__dir *dir, const char *name)
{
	scan_state *s = arg;
	hush__file f;
	int err;

	pthread_mutex_lock(&s->lock);
	while (s->files.n - s->next >= s->queue_max && pop_file(s, &f)) {
		pthread_mutex_unlock(&s->lock);
		if ((err = scan_taken(s->walk_scanner, &f)) != 0) {
			fail_scan(s, err);
			return WALK_STOPPED;
		}
		pthread_mutex_lock(&s->lock);
	}
	/*
	 * The taken entries are empty: move the queue back to the front of the list once they outnumber it, so the
	 * list stays the size of the queue however many files the walk finds (and nothing is left to free at the end)
	 */
	if (s->next >= QUEUE_COMPACT && s->next >= s->files.n - s->next) {
		memmove(s->files.v, s->files.v + s->next, (s->files.n - s->next) * sizeof(*s->files.v));
		s->files.n -= s->next;
		s->next = 0;
	}
	err = s->stop ? WALK_STOPPED : hush__file_list_add(&s->files, path, relpath, follow, dir, name);
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* hush__walk_ctx.add for the lists of several paths, walked before the scan: no folder is kept open. */
static int add_listed(void *arg, const char *path, const char *relpath, bool follow, hush__dir *dir, const char *name)
{
	scan_state *s = arg;

	(void)dir;
	(void)name;
	return hush__file_list_add(&s->files, path, relpath, follow, NULL, NULL);
}

static void walk_done(scan_state *s)
{
	pthread_mutex_lock(&s->lock);
	s->walking = false;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
}

/* The next file to scan (the taker owns it), waiting for the walk; false at the end. */
static bool take_file(scan_state *s, hush__file *f)
{
	bool got;

	pthread_mutex_lock(&s->lock);
	while (!s->stop && s->next >= s->files.n && s->walking)
		pthread_cond_wait(&s->more, &s->lock);
	got = pop_file(s, f);
	pthread_mutex_unlock(&s->lock);
	return got;
}

static size_t queue_cap(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < QUEUE_MAX)
		return rl.rlim_cur / 4 > QUEUE_MIN ? (size_t)rl.rlim_cur / 4 : QUEUE_MIN;
	return QUEUE_MAX;
}

static int scanner_init(scanner *w, scan_state *s)
{
	w->s = s;
	w->ctx = NULL;
	hush_buf_init(&w->u16, hush__utf16_utf8_max(s->sink.opts->max_file_size));
	if (posix_memalign((void **)&w->rbuf, READ_ALIGN, READ_CAP + 1) != 0) {
		w->rbuf = NULL;
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	}
	return hush_match_ctx_new(&w->ctx, s->sink.m);
}

static void scanner_dispose(scanner *w)
{
	hush_match_ctx_free(w->ctx);
	free(w->rbuf);
	hush_buf_dispose(&w->u16);
}

/* Scan files from the queue until it is empty and the walk has ended (or the scan stopped). */
static void drain(scanner *w)
{
	hush__file f;
	int err = 0;

	while (!err && take_file(w->s, &f))
		err = scan_taken(w, &f);
	if (err)
		fail_scan(w->s, err);
}

static void *worker(void *arg)
{
	scan_state *s = arg;
	scanner w;
	int err;

	if ((err = scanner_init(&w, s)) == 0)
		drain(&w);
	else
		fail_scan(s, err);
	scanner_dispose(&w);
	return NULL;
}

/* hush__walk_ctx.add with one thread: the file is scanned at once, in its folder, which the walk holds open. */
static int scan_now(void *arg, const char *path, const char *relpath, bool follow, hush__dir *dir, const char *name)
{
	scanner *w = arg;
	hush__file f = { (char *)path, (char *)relpath, follow, dir, name };

	return scan_one(w->s, w->ctx, w->rbuf, &w->u16, &f);
}

/*
 * One folder (the usual case) is walked while nt - 1 worker threads scan what the walk has found so far, and the
 * walking thread is the nt-th: whenever the queue is full it scans the oldest queued file instead of waiting, and
 * once the walk ends it drains the queue with the others. So -j N runs N threads, the walk costs no wall time beyond
 * its first files, and no thread preempts a worker to walk. Each file is opened relative to its folder, which the
 * walk keeps open until the file is scanned. It cannot report a file twice (it follows no symlinks). With one thread,
 * each file is scanned as the walk finds it. Several paths may overlap ("hush scan d d/a.txt"): they are walked
 * first, and the list sorted and deduplicated.
 */
int hush_scan_paths(hush_scan_result **out, const hush_matcher *m, const char *const *paths, size_t npaths,
		    const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns();
	scan_state s;
	hush__walk_ctx wc;
	hush_scan_stats walked;
	pthread_t tids[HUSH__MAX_THREADS];
	unsigned nt = hush__thread_count(opts), started = 0;
	struct stat st;
	bool one_dir = npaths == 1 && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode);
	scanner here; /* the scanner of this (the walking) thread */
	bool here_ready = false;
	int err;

	memset(&s, 0, sizeof(s));
	memset(&walked, 0, sizeof(walked));
	*out = NULL;
	if ((err = hush__sink_init(&s.sink, m, opts)) != 0)
		return err;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.more, NULL);
	s.walking = true;
	s.queue_max = queue_cap();
	pthread_once(&bus_once, install_sigbus);
	wc.opts = opts;
	wc.stats = &walked;
	wc.warn = hush__sink_warn;
	wc.warn_arg = &s.sink;
	wc.add = add_listed;
	wc.add_arg = &s;
	if (one_dir) {
		here_ready = true; /* (disposed even when its set-up fails half way) */
		if ((err = scanner_init(&here, &s)) != 0)
			goto done;
		for (started = 0; started + 1 < nt; started++)
			if (pthread_create(&tids[started], NULL, worker, &s) != 0)
				break;
		if (started == 0) {
			/* one thread (or no other could be started): each file is scanned as the walk finds it */
			wc.add = scan_now;
			wc.add_arg = &here;
			err = hush__walk(paths[0], &wc);
			goto done;
		}
		wc.add = add_file;
		s.walk_scanner = &here;
		err = hush__walk(paths[0], &wc);
	} else {
		for (size_t i = 0; i < npaths && !err; i++)
			err = hush__walk(paths[i], &wc);
	}
	if (err == WALK_STOPPED)
		err = 0; /* a worker failed: its error is the sink's */
	else if (err)
		stop_scan(&s);
	if (!err && !one_dir)
		hush__file_list_dedup(&s.files); /* "hush scan d d/a.txt" scans a.txt once */
	walk_done(&s);
	if (one_dir) {
		drain(&here); /* the walk has ended: this thread helps the workers empty the queue */
	} else if (!err) {
		if (nt > s.files.n)
			nt = s.files.n ? (unsigned)s.files.n : 1;
		if (nt > 1)
			for (started = 0; started < nt; started++)
				if (pthread_create(&tids[started], NULL, worker, &s) != 0)
					break;
		if (started == 0)
			worker(&s); /* one thread, or none could be started */
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
done:
	if (here_ready)
		scanner_dispose(&here);
	s.sink.res->stats.skipped_ignored += walked.skipped_ignored;
	s.sink.res->stats.skipped_special += walked.skipped_special;
	hush__file_list_dispose(&s.files);
	pthread_cond_destroy(&s.more);
	pthread_mutex_destroy(&s.lock);
	return hush__sink_finish(&s.sink, out, t0, err);
}

/* The round size for reading fd when it is a pipe, which is grown first (PIPE_WANT); 0 for anything else. */
static size_t pipe_round(int fd)
{
	struct stat st;
	int cap = -1;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return 0;
#if defined(F_SETPIPE_SZ) && defined(F_GETPIPE_SZ)
	if ((cap = fcntl(fd, F_SETPIPE_SZ, PIPE_WANT)) < 0)
		cap = fcntl(fd, F_GETPIPE_SZ);
#endif
	return cap < (int)PIPE_MIN_ROUND ? PIPE_MIN_ROUND : (size_t)cap;
}

int hush_scan_fd(hush_scan_result **out, const hush_matcher *m, int fd, const char *display,
		 const hush_scan_options *opts)
{
	uint64_t t0 = hush__now_ns(), bytes = 0;
	hush_match_ctx *ctx = NULL;
	hush__sink sink;
	hush__origin a = { &sink, display, display, NULL, NULL, NULL, 0, NULL, 0, 0 };
	int err;

	*out = NULL;
	if ((err = hush__sink_init(&sink, m, opts)) != 0)
		return err;
	if ((err = hush_match_ctx_new(&ctx, m)) == 0) {
		size_t round = pipe_round(fd);

		if (round)
			hush_match_ctx_set_chunk(ctx, round);
		err = hush_match_fd(ctx, fd, 0, &bytes, hush__sink_match, &a);
	}
	if (!err)
		hush__sink_limits(&sink, ctx, 0, display, NULL);
	hush_match_ctx_free(ctx);
	sink.res->stats.files = 1;
	sink.res->stats.bytes = bytes;
	return hush__sink_finish(&sink, out, t0, err);
}
