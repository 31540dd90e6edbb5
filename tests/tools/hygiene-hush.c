/*
 * hygiene-hush: stands in for the hush binary in the CLI tests under `make hygiene` (scripts/hygiene.sh;
 * tests/cli/lib.sh puts it in $HUSH when HUSH_HYGIENE_DIR is set). Runs $HUSH_HYGIENE_BIN with the same arguments,
 * standard input and terminal, and keeps a copy of what that process left where a secret could leak, in a folder
 * of its own under $HUSH_HYGIENE_DIR/inv/:
 *   argv      the arguments, NUL-separated          test   $HUSH_HYGIENE_TEST (the test script)
 *   stdout    what hush wrote to standard output     stderr what it wrote to standard error
 *             (each copied as it passes, when it is a pipe, a socket or a file; a terminal, /dev/null,
 *             /dev/full or a closed descriptor is left alone: "tty1", "tty2" say so)
 *   report    the file that -o/--report named, after hush exited
 *   audit     the lines hush added to its audit log (HUSH_AUDIT_LOG, else XDG_STATE_HOME or HOME's)
 *   status    "exit N", or "signal N" plus " core" when hush dumped core
 * scripts/hygiene-check.py then looks for the tests' fixture secrets in all of them.
 *
 * Transparent on purpose: hush's exit status is passed on (a signal that ended hush ends this process too), the
 * signals a test sends with kill(1) are forwarded (the ones a terminal generates already reach hush: same process
 * group), when hush stops (Ctrl-Z) this process stops too and SIGCONT resumes both, and a reader that goes away
 * closes hush's side of the pipe (so hush sees EPIPE as it would). Output
 * reaches its destination before this process exits, so a test that reads it afterwards sees all of it. What is
 * not transparent: hush's pid is not $!, so tests that signal hush by pid or kill it with SIGKILL use
 * $HUSH_DIRECT (tests/cli/lib.sh).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child = -1;

static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* a terminal's INT, QUIT, TSTP or WINCH reaches hush directly (same process group): not twice */
	if (child > 0 && si->si_code != SI_KERNEL)
		kill(child, sig);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void put_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0) {
		if (write_all(fd, text, len) < 0) {
			/* the check then sees a short copy */
		}
		close(fd);
	}
}

/* copy FROM (from byte offset `from` on) to DIR/NAME */
static void copy_tail(const char *from, off_t off, const char *dir, const char *name)
{
	char path[4096], buf[65536];
	int in, out;
	ssize_t n;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lseek(in, off, SEEK_SET) == off && (out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write_all(out, buf, (size_t)n) < 0)
				break;
		close(out);
	}
	close(in);
}

static off_t size_of(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 ? st.st_size : 0;
}

int main(int argc, char **argv)
{
	const char *bin = getenv("HUSH_HYGIENE_BIN"), *root = getenv("HUSH_HYGIENE_DIR"), *test = getenv("HUSH_HYGIENE_TEST");
	const char *report = NULL;
	char dir[4096], audit[4096], buf[65536];
	int pipes[2][2] = { { -1, -1 }, { -1, -1 } }, copies[2] = { -1, -1 }, status = 0, tee[2] = { 0, 0 };
	bool exited = false;
	pid_t pid;
	off_t audit_off;
	struct sigaction sa;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM, SIGCONT };

	if (!bin || !root) {
		fprintf(stderr, "hygiene-hush: HUSH_HYGIENE_BIN and HUSH_HYGIENE_DIR must be set\n");
		return 125;
	}
	snprintf(dir, sizeof(dir), "%s/inv/XXXXXX", root);
	if (!mkdtemp(dir)) {
		/* no record: still run hush, the check then misses this one */
		execv(bin, argv);
		return 127;
	}
	{
		size_t len = 0;
		char *all;

		for (int i = 1; i < argc; i++)
			len += strlen(argv[i]) + 1;
		if ((all = malloc(len + 1))) {
			len = 0;
			for (int i = 1; i < argc; i++) {
				size_t l = strlen(argv[i]) + 1;

				memcpy(all + len, argv[i], l);
				len += l;
			}
			put_file(dir, "argv", all, len);
			free(all);
		}
		if (test)
			put_file(dir, "test", test, strlen(test));
	}
	/* what hush will report to: -o FILE, -oFILE, --report FILE, --report=FILE */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--report")) && i + 1 < argc)
			report = argv[i + 1];
		else if (!strncmp(argv[i], "--report=", 9))
			report = argv[i] + 9;
		else if (!strncmp(argv[i], "-o", 2) && argv[i][2])
			report = argv[i] + 2;
	}
	if (getenv("HUSH_AUDIT_LOG") && *getenv("HUSH_AUDIT_LOG"))
		snprintf(audit, sizeof(audit), "%s", getenv("HUSH_AUDIT_LOG"));
	else if (getenv("XDG_STATE_HOME") && *getenv("XDG_STATE_HOME"))
		snprintf(audit, sizeof(audit), "%s/hush/audit.log", getenv("XDG_STATE_HOME"));
	else if (getenv("HOME"))
		snprintf(audit, sizeof(audit), "%s/.local/state/hush/audit.log", getenv("HOME"));
	else
		audit[0] = 0;
	audit_off = size_of(audit[0] ? audit : NULL);

	for (int fd = 1; fd <= 2; fd++) {
		char path[4200];

		struct stat st;

		/* pipes, sockets and files only: a terminal keeps being one, /dev/full keeps failing, /dev/null is nothing */
		if (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode))) {
			put_file(dir, fd == 1 ? "tty1" : "tty2", "", 0);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, fd == 1 ? "stdout" : "stderr");
		if (pipe2(pipes[fd - 1], O_CLOEXEC) < 0 ||
		    (copies[fd - 1] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
			perror("hygiene-hush");
			return 125;
		}
		tee[fd - 1] = 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((pid = fork()) < 0) {
		perror("hygiene-hush: fork");
		return 125;
	}
	if (pid == 0) {
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		for (int fd = 1; fd <= 2; fd++)
			if (tee[fd - 1] && dup2(pipes[fd - 1][1], fd) < 0)
				_exit(125);
		argv[0] = (char *)bin;
		execv(bin, argv);
		perror("hygiene-hush: exec");
		_exit(127);
	}
	child = pid;
	for (int i = 0; i < 2; i++)
		if (tee[i])
			close(pipes[i][1]);

	/* copy until both pipes close; a grandchild that keeps one open is waited for only 200 ms after hush ends */
	for (;;) {
		struct pollfd p[2];
		int np = 0, idx[2] = { -1, -1 }, rc;

		for (int i = 0; i < 2; i++)
			if (tee[i] && pipes[i][0] >= 0) {
				idx[np] = i;
				p[np++] = (struct pollfd){ pipes[i][0], POLLIN, 0 };
			}
		if (!np)
			break;
		if (!exited && waitpid(pid, &status, WNOHANG | WUNTRACED) == pid) {
			if (WIFSTOPPED(status)) {
				raise(SIGSTOP); /* stopped with hush; SIGCONT (forwarded) resumes both */
				continue;
			}
			exited = true; /* finish with what is there */
			child = -1;
		}
		rc = poll(p, (nfds_t)np, exited ? 200 : 100);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0 && exited)
			break;
		for (int k = 0; k < np; k++) {
			int i = idx[k];
			ssize_t n;

			if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pipes[i][0], buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close(pipes[i][0]);
				pipes[i][0] = -1;
				continue;
			}
			if (write_all(copies[i], buf, (size_t)n) < 0) {
				/* the copy is short; the check reads what there is */
			}
			if (write_all(i + 1, buf, (size_t)n) < 0 && errno == EPIPE) {
				/* the reader went away: so does hush's pipe, as if hush wrote to it directly */
				close(pipes[i][0]);
				pipes[i][0] = -1;
			}
		}
	}
	while (!exited) {
		if (waitpid(pid, &status, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFSTOPPED(status))
			raise(SIGSTOP);
		else
			exited = true;
	}
	child = -1;
	for (int i = 0; i < 2; i++)
		if (copies[i] >= 0)
			close(copies[i]);

	if (report)
		copy_tail(report, 0, dir, "report");
	if (audit[0] && size_of(audit) > audit_off)
		copy_tail(audit, audit_off, dir, "audit");
	{
		char s[64];
		int n = WIFSIGNALED(status) ? snprintf(s, sizeof(s), "signal %d%s\n", WTERMSIG(status),
						       WCOREDUMP(status) ? " core" : "")
					    : snprintf(s, sizeof(s), "exit %d\n", WEXITSTATUS(status));

		put_file(dir, "status", s, (size_t)n);
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit none = { 0, 0 };

		setrlimit(RLIMIT_CORE, &none); /* the same end, without a core file of this process */
		signal(sig, SIG_DFL);
		{
			sigset_t set;

			sigemptyset(&set);
			sigaddset(&set, sig);
			sigprocmask(SIG_UNBLOCK, &set, NULL);
		}
		kill(getpid(), sig);
		_exit(128 + sig);
	}
	return WEXITSTATUS(status);
}
