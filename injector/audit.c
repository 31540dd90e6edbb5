/* audit.c: the audit log: one JSON line per decryption or fetch, appended atomically to a file or sent to syslog. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hush/audit.h"
#include "hush/error.h"
#include "common/util.h"
#include "common/banned.h"

#define LINE_MAX_BYTES (1024 * 1024)

char *hush_audit_default_path(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	hush_buf b = HUSH_BUF_INIT;

	if (xdg && *xdg == '/')
		hush_buf_printf(&b, "%s/hush/audit.log", xdg);
	else if (home && *home)
		hush_buf_printf(&b, "%s/.local/state/hush/audit.log", home);
	else
		return hush_error_set("cannot find the audit log: neither XDG_STATE_HOME nor HOME is set"), NULL;
	return hush_buf_detach(&b, NULL);
}

char *hush_audit_path(void)
{
	const char *p = getenv("HUSH_AUDIT_LOG");

	return p && *p ? hush__strdup(p) : hush_audit_default_path();
}

/* ---- HEAD without libgit2 ---- */

/* The first line of dir/name, without its newline; NULL when unreadable. */
static char *read_line(const char *dir, const char *name)
{
	hush_buf b = HUSH_BUF_INIT;
	char *path = hush__path_join(dir, name), *nl;

	if (!path || hush__read_file(&b, path, 4096) != 0) {
		free(path);
		hush_buf_dispose(&b);
		return NULL;
	}
	free(path);
	if ((nl = memchr(b.ptr, '\n', b.len)))
		*nl = 0;
	return hush_buf_detach(&b, NULL);
}

static bool is_oid(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return (n == 40 || n == 64) && !s[n];
}

/* A path read from a git file, relative to base unless absolute. */
static char *rel_to(const char *base, const char *p)
{
	return p[0] == '/' ? hush__strdup(p) : hush__path_join(base, p);
}

/* ref (e.g. "refs/heads/main") in packed-refs of common. */
static char *packed_ref(const char *common, const char *ref)
{
	hush_buf b = HUSH_BUF_INIT;
	char *path = hush__path_join(common, "packed-refs"), *found = NULL;
	size_t rlen = strlen(ref);

	if (path && hush__read_file(&b, path, 64u << 20) == 0) {
		for (char *line = b.ptr; line && *line;) {
			char *nl = strchr(line, '\n');

			if (nl)
				*nl = 0;
			if (strlen(line) > rlen + 1 && !strcmp(line + strlen(line) - rlen, ref) &&
			    line[strlen(line) - rlen - 1] == ' ') {
				line[strlen(line) - rlen - 1] = 0;
				if (is_oid(line))
					found = hush__strdup(line);
				break;
			}
			line = nl ? nl + 1 : NULL;
		}
	}
	free(path);
	hush_buf_dispose(&b);
	return found;
}

char *hush_audit_git_head(const char *root)
{
	char *dotgit = root ? hush__path_join(root, ".git") : NULL, *gitdir = NULL, *common = NULL, *head = NULL;
	char *result = NULL, *line;
	struct stat st;

	if (!dotgit || stat(dotgit, &st) != 0)
		goto done;
	if (S_ISDIR(st.st_mode)) {
		gitdir = dotgit;
		dotgit = NULL;
	} else {
		/* a worktree or submodule: "gitdir: PATH" */
		if (!(line = read_line(root, ".git")) || strncmp(line, "gitdir: ", 8)) {
			free(line);
			goto done;
		}
		gitdir = rel_to(root, line + 8);
		free(line);
		if (!gitdir)
			goto done;
	}
	if ((line = read_line(gitdir, "commondir"))) {
		common = rel_to(gitdir, line);
		free(line);
	} else {
		common = hush__strdup(gitdir);
	}
	if (!common || !(head = read_line(gitdir, "HEAD")))
		goto done;
	for (int depth = 0; depth < 5; depth++) {
		char *ref, *next;

		if (is_oid(head)) {
			result = head;
			head = NULL;
			break;
		}
		if (strncmp(head, "ref: ", 5))
			break;
		ref = head + 5;
		if (strstr(ref, "..") || ref[0] == '/')
			break;
		/* per-worktree refs live in gitdir, branches in the common folder, else packed-refs */
		if (!(next = read_line(gitdir, ref)) && !(next = read_line(common, ref)) && !(next = packed_ref(common, ref)))
			break; /* an unborn branch */
		free(head);
		head = next;
	}
done:
	free(head);
	free(common);
	free(gitdir);
	free(dotgit);
	return result;
}

/* ---- the line ---- */

static long long now_ms(void)
{
	const char *s = getenv("HUSH_NOW");
	struct timespec ts;

	if (s && *s) {
		char *end;
		long long t;

		errno = 0;
		t = strtoll(s, &end, 10);
		if (!errno && !*end && t >= 0)
			return t * 1000;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i] ? v[i] : ""));
	return a;
}

/* A string field, set only when s is non-NULL. Strings that are not UTF-8 are stored with '?' for bad bytes. */
static void put_str(json_t *o, const char *key, const char *s)
{
	json_t *j;

	if (!s)
		return;
	if (!(j = json_string(s))) {
		char *copy = hush__strdup(s);

		for (char *p = copy; p && *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = copy ? json_string(copy) : NULL;
		free(copy);
	}
	if (j)
		json_object_set_new(o, key, j);
}

int hush_audit_format(hush_buf *out, const hush_audit_event *e)
{
	char host[256] = "", ts[40], user[256] = "", *commit = e->repo ? hush_audit_git_head(e->repo) : NULL, *text;
	long long ms = now_ms();
	time_t secs = (time_t)(ms / 1000);
	struct passwd pw, *pwp = NULL;
	struct tm tm;
	char pwbuf[4096];
	json_t *o = json_object();
	int err = 0;

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = 0;
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp)
		snprintf(user, sizeof(user), "%s", pw.pw_name);
	else if (getenv("USER"))
		snprintf(user, sizeof(user), "%s", getenv("USER"));
	if (!gmtime_r(&secs, &tm) || !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm))
		ts[0] = 0;
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03dZ", (int)(ms % 1000));
	put_str(o, "time", ts);
	put_str(o, "user", user);
	json_object_set_new(o, "uid", json_integer((json_int_t)geteuid()));
	put_str(o, "host", host);
	json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
	put_str(o, "command", e->command);
	put_str(o, "argv0", e->argv0);
	put_str(o, "env", e->env);
	json_object_set_new(o, "names", strings(e->names, e->nnames));
	json_object_set_new(o, "backends", strings(e->backends, e->nbackends));
	put_str(o, "vault_addr", e->vault_addr);
	put_str(o, "key", e->key);
	put_str(o, "repo", e->repo);
	put_str(o, "commit", commit);
	put_str(o, "outcome", e->ok ? "ok" : "error");
	if (!e->ok)
		put_str(o, "error", e->error ? e->error : "unknown error");
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text || strlen(text) + 1 > LINE_MAX_BYTES || hush_buf_puts(out, text) || hush_buf_putc(out, '\n'))
		err = (hush_error_set("cannot format the audit record"), HUSH_ENOMEM);
	free(text);
	free(commit);
	json_decref(o);
	return err;
}

/* ---- destinations ---- */

static int write_file(const char *path, const hush_buf *line)
{
	char *dir = hush__strdup(path), *slash;
	ssize_t n;
	int fd;

	if (dir && (slash = strrchr(dir, '/')) && slash != dir) {
		*slash = 0;
		(void)hush__mkdir_p(dir, 0700); /* the open below says what went wrong */
	}
	free(dir);
	/* SECURITY/atomicity: O_APPEND and one write per line; no symlink at the last component */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return hush_error_set("cannot write the audit log '%s': %s", path, strerror(errno)), HUSH_EIO;
	do
		n = write(fd, line->ptr, line->len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)line->len) {
		int e = n < 0 ? errno : ENOSPC;

		close(fd);
		return hush_error_set("cannot write the audit log '%s': %s", path, strerror(e)), HUSH_EIO;
	}
	if (close(fd) != 0)
		return hush_error_set("cannot write the audit log '%s': %s", path, strerror(errno)), HUSH_EIO;
	return 0;
}

/* RFC 3164 to the local syslog socket, as syslog(3) sends it, but with errors reported. */
static int write_syslog(const hush_buf *line)
{
	const char *sock = getenv("HUSH_SYSLOG_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	hush_buf msg = HUSH_BUF_INIT;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd = -1, err = 0;

	if (!sock || !*sock)
		sock = "/dev/log";
	if (strlen(sock) >= sizeof(sa.sun_path))
		return hush_error_set("cannot send the audit record to syslog (%s): path too long", sock), HUSH_EIO;
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if (!localtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm))
		stamp[0] = 0;
	/* <86>: facility authpriv (10), severity info (6) */
	if (hush_buf_printf(&msg, "<86>%s hush[%ld]: ", stamp, (long)getpid()) ||
	    hush_buf_put(&msg, line->ptr, line->len ? line->len - 1 : 0))
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	for (int type = SOCK_DGRAM;; type = SOCK_STREAM) {
		if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) >= 0 &&
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		err = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
		if (type == SOCK_STREAM || err != EPROTOTYPE)
			break;
	}
	if (fd < 0) {
		hush_buf_dispose(&msg);
		return hush_error_set("cannot send the audit record to syslog (%s): %s", sock, strerror(err)), HUSH_EIO;
	}
	if (send(fd, msg.ptr, msg.len, MSG_NOSIGNAL) != (ssize_t)msg.len)
		err = errno ? errno : EIO;
	else
		err = 0;
	close(fd);
	hush_buf_dispose(&msg);
	if (err)
		return hush_error_set("cannot send the audit record to syslog (%s): %s", sock, strerror(err)), HUSH_EIO;
	return 0;
}

int hush_audit_write(const hush_audit_options *o, const hush_audit_event *e)
{
	unsigned dest = o->dest ? o->dest : HUSH_AUDIT_FILE;
	hush_buf line = HUSH_BUF_INIT;
	char *path = NULL;
	int err, first = 0;

	if ((err = hush_audit_format(&line, e)) != 0)
		return err;
	if (dest & HUSH_AUDIT_FILE) {
		if (!(path = o->path ? hush__strdup(o->path) : hush_audit_path()))
			first = HUSH_EIO;
		else
			first = write_file(path, &line);
	}
	if (dest & HUSH_AUDIT_SYSLOG) {
		char keep[1024];

		snprintf(keep, sizeof(keep), "%s", first ? hush_error_last() : "");
		err = write_syslog(&line);
		if (first) /* report the file's failure first */
			hush_error_set("%s", keep);
		else
			first = err;
	}
	free(path);
	hush_buf_dispose(&line);
	return first;
}
