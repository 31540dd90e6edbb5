/* run.c: run a command with its secrets: a pseudo-terminal or pipes, signals forwarded, output redacted. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hush/error.h"
#include "hush/run.h"
#include "common/util.h"
#include "common/banned.h"

#define IO_BUF (64 * 1024)
#define LINGER_MS 200 /* after the child exits: how long output that a grandchild still holds open is awaited */

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

/* One output of the child: the pipe or pseudo-terminal hush reads, and where it goes. */
typedef struct {
	const hush_run_options *o;
	bool *compiled;           /* shared by both outputs */
	int from;                 /* read end, or -1 once closed */
	int to;                   /* hush's STDOUT_FILENO or STDERR_FILENO */
	bool dead;                /* writing to `to` failed (EPIPE): output is discarded */
	hush_redact_stream *rs;   /* NULL without redaction */
} output;

/* hush_redact_write_fn: to the output's destination. EPIPE (the reader went away) discards the rest. */
static int to_output(void *ctx, const void *buf, size_t len)
{
	output *o = ctx;
	if (o->dead || hush__write_all(o->to, buf, len) == 0)
		return 0;
	if (errno == EPIPE) {
		o->dead = true;
		return 0;
	}
	return hush_error_set("cannot write the command's output: %s", strerror(errno)), HUSH_EIO;
}

static int output_put(output *o, const char *buf, size_t len)
{
	int err;

	if (o->o->redactor && !o->rs) {
		/* the first output: now the redactor is needed (see hush_run_options.redactor_compiled) */
		if (!*o->compiled) {
			if ((err = hush_redactor_compile(o->o->redactor)) != 0)
				return err;
			*o->compiled = true;
		}
		if ((err = hush_redact_stream_new(&o->rs, o->o->redactor, to_output, o)) != 0)
			return err;
	}
	return o->rs ? hush_redact_stream_write(o->rs, buf, len) : to_output(o, buf, len);
}

static int output_close(output *o)
{
	int err = 0;

	if (o->from >= 0) {
		close(o->from);
		o->from = -1;
		if (o->rs)
			err = hush_redact_stream_finish(o->rs);
	}
	return err;
}

/* Read what o's source has; closes it at end of file (or EIO: a pseudo-terminal whose slave side is gone). */
static int output_pump(output *o, char *buf)
{
	ssize_t n = read(o->from, buf, IO_BUF);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return output_close(o);
	if (o->dead)
		return output_close(o); /* nobody reads: closing lets the child get EPIPE/SIGPIPE (a hangup on a pty) */
	return output_put(o, buf, (size_t)n);
}

/*
 * The child, after fork: never returns. SECURITY: only async-signal-safe calls.
 * parent is hush's pid. Should hush die first (SIGKILL, the OOM killer), the kernel sends the command SIGHUP on a
 * pseudo-terminal (what a terminal's hangup sends) and SIGTERM otherwise (as hush's own kill_child does), so a
 * command holding the secrets does not outlive hush silently with its output going nowhere (docs/run.md).
 */
static void child(const hush_run_options *o, const sigset_t *oldmask, int errw, int in, int out, int err,
		  bool own_group, bool session, pid_t parent)
{
	int e, deathsig = session ? SIGHUP : SIGTERM;

	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		signal(forwarded[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, deathsig, 0, 0, 0) < 0)
		goto fail;
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	/* hush died between fork and prctl: the signal will never come, the command must not start */
	if (getppid() != parent)
		_exit(128 + deathsig);
	if (session) {
		if (setsid() < 0 || ioctl(in, TIOCSCTTY, 0) < 0)
			goto fail;
	} else if (own_group && setpgid(0, 0) < 0) {
		goto fail;
	}
	if ((in >= 0 && in != STDIN_FILENO && dup2(in, STDIN_FILENO) < 0) || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
		goto fail;
	execve(o->path, o->argv, o->envp);
fail:
	e = errno;
	if (write(errw, &e, sizeof(e)) < 0) {
		/* the parent then sees no error report and a child that exited 127 */
	}
	_exit(127);
}

int hush_run(const hush_run_options *o, int *exit_code)
{
	sigset_t set, oldmask;
	struct termios saved_tio, raw;
	struct winsize ws;
	bool tty_in = isatty(STDIN_FILENO), raw_set = false, stdin_open = false, child_done = false;
	bool err_on_pty = o->pty && isatty(STDERR_FILENO), own_group = !o->pty && !tty_in;
	bool compiled = o->redactor_compiled;
	output outs[2] = { { o, &compiled, -1, STDOUT_FILENO, false, NULL }, { o, &compiled, -1, STDERR_FILENO, false, NULL } };
	int sfd = -1, errpipe[2] = { -1, -1 }, master = -1, slave = -1, opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 };
	int status = 0, err = 0, exec_errno = 0;
	char *buf = NULL, *inbuf = NULL;
	size_t inlen = 0, inoff = 0;
	pid_t pid = -1, parent;
	ssize_t n;

	*exit_code = 125;
	if (!(buf = hush__calloc(1, IO_BUF)) || !(inbuf = hush__calloc(1, IO_BUF))) {
		free(buf);
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	}
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	signal(SIGPIPE, SIG_IGN); /* a reader that goes away is an EPIPE, handled per output */
	if (sigprocmask(SIG_BLOCK, &set, &oldmask) < 0 || (sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    pipe2(errpipe, O_CLOEXEC) < 0) {
		err = hush_error_set("cannot set up signal handling: %s", strerror(errno));
		err = HUSH_EIO;
		goto cleanup;
	}
	if (o->pty) {
		bool have_ws = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0;

		if (tty_in && tcgetattr(STDIN_FILENO, &saved_tio) < 0)
			tty_in = false;
		if (openpty(&master, &slave, NULL, tty_in ? &saved_tio : NULL, have_ws ? &ws : NULL) < 0) {
			err = hush_error_set("cannot open a pseudo-terminal: %s", strerror(errno));
			err = HUSH_EIO;
			goto cleanup;
		}
		fcntl(master, F_SETFD, FD_CLOEXEC);
		fcntl(slave, F_SETFD, FD_CLOEXEC);
		if (!err_on_pty && pipe2(epipe, O_CLOEXEC) < 0)
			goto pipe_fail;
	} else if (pipe2(opipe, O_CLOEXEC) < 0 || pipe2(epipe, O_CLOEXEC) < 0) {
		goto pipe_fail;
	}
	fflush(NULL);
	parent = getpid();
	if ((pid = fork()) < 0) {
		err = hush_error_set("cannot start '%s': fork failed: %s", o->argv[0], strerror(errno));
		err = HUSH_EIO;
		goto cleanup;
	}
	if (pid == 0) {
		if (o->pty)
			child(o, &oldmask, errpipe[1], slave, slave, err_on_pty ? slave : epipe[1], false, true, parent);
		child(o, &oldmask, errpipe[1], -1, opipe[1], epipe[1], own_group, false, parent);
	}
	if (own_group)
		setpgid(pid, pid); /* also here, so that no forwarded signal can race the child's setpgid */
	close(errpipe[1]);
	errpipe[1] = -1;
	do
		n = read(errpipe[0], &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(exec_errno)) {
		waitpid(pid, NULL, 0);
		pid = -1;
		*exit_code = exec_errno == ENOENT || exec_errno == ENOTDIR ? 127 : 126;
		hush_error_set("%s: %s", o->argv[0],
			       exec_errno == ENOENT ? "command not found" : strerror(exec_errno));
		goto cleanup;
	}
	if (o->pty) {
		close(slave);
		slave = -1;
		outs[0].from = master;
		master = -1; /* owned by outs[0] now; written through ptm */
	} else {
		close(opipe[1]);
		opipe[1] = -1;
		outs[0].from = opipe[0];
		opipe[0] = -1;
	}
	if (epipe[0] >= 0) {
		close(epipe[1]);
		epipe[1] = -1;
		outs[1].from = epipe[0];
		epipe[0] = -1;
	}
	if (o->pty) {
		stdin_open = true;
		fcntl(outs[0].from, F_SETFL, fcntl(outs[0].from, F_GETFL) | O_NONBLOCK);
		if (tty_in) {
			raw = saved_tio;
			cfmakeraw(&raw);
			raw_set = tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0;
		}
	}

	for (;;) {
		struct pollfd p[4];
		int np = 0, ip = -1, ipo = -1, io[2] = { -1, -1 }, rc;

		p[np++] = (struct pollfd){ sfd, POLLIN, 0 };
		for (int i = 0; i < 2; i++)
			if (outs[i].from >= 0) {
				io[i] = np;
				p[np++] = (struct pollfd){ outs[i].from, POLLIN, 0 };
			}
		if (io[0] < 0 && io[1] < 0 && child_done)
			break;
		if (stdin_open && inlen == 0) {
			ip = np;
			p[np++] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		} else if (stdin_open && io[0] >= 0) {
			p[io[0]].events |= POLLOUT; /* stdin bytes wait for room on the pseudo-terminal */
			ipo = io[0];
		}
		rc = poll(p, (nfds_t)np, child_done ? LINGER_MS : -1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			err = hush_error_set("poll failed: %s", strerror(errno));
			err = HUSH_EIO;
			goto kill_child;
		}
		if (rc == 0)
			break; /* the child is gone and nothing more came: a grandchild holds the output open */
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				int sig = (int)si.ssi_signo;

				if (sig == SIGCHLD) {
					if (!child_done && waitpid(pid, &status, WNOHANG) == pid)
						child_done = true;
					continue;
				}
				if (child_done)
					continue;
				if (o->pty && sig == SIGWINCH) {
					if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && outs[0].from >= 0)
						ioctl(outs[0].from, TIOCSWINSZ, &ws); /* the kernel tells the child */
					continue;
				}
				/* in hush's own process group on a terminal, the child already got what the terminal sent */
				if (!o->pty && !own_group && si.ssi_code == SI_KERNEL)
					continue;
				kill(o->pty || own_group ? -pid : pid, sig);
			}
		}
		for (int i = 0; i < 2; i++)
			if (io[i] >= 0 && (p[io[i]].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    (err = output_pump(&outs[i], buf)) != 0)
				goto kill_child;
		if (ip >= 0 && (p[ip].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(STDIN_FILENO, inbuf, IO_BUF);
			if (n > 0) {
				inlen = (size_t)n;
				inoff = 0;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				stdin_open = false;
				if (!tty_in && outs[0].from >= 0) {
					/* end of input: the pseudo-terminal's end-of-file character, at the start of a line */
					struct termios t;
					char eof[2] = { '\n', 4 };

					if (tcgetattr(outs[0].from, &t) == 0)
						eof[1] = (char)t.c_cc[VEOF];
					if (write(outs[0].from, eof + 1, 1) < 0) {
						/* the child has gone; nothing to tell */
					}
				}
			}
		}
		if (inlen && outs[0].from >= 0 && (ipo < 0 || (p[ipo].revents & POLLOUT))) {
			n = write(outs[0].from, inbuf + inoff, inlen);
			if (n > 0) {
				inoff += (size_t)n;
				inlen -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				inlen = 0;
				stdin_open = false;
			}
		} else if (inlen && outs[0].from < 0) {
			inlen = 0;
			stdin_open = false;
		}
	}
	for (int i = 0; i < 2; i++)
		if (!err)
			err = output_close(&outs[i]);
	if (!child_done && waitpid(pid, &status, 0) == pid)
		child_done = true;
	pid = -1;
	if (!err)
		*exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	goto cleanup;

pipe_fail:
	err = hush_error_set("cannot create pipes: %s", strerror(errno));
	err = HUSH_EIO;
	goto cleanup;
kill_child:
	if (pid > 0) {
		kill(o->pty || own_group ? -pid : pid, SIGTERM);
		waitpid(pid, NULL, 0); /* no zombie */
		pid = -1;
	}
cleanup:
	if (raw_set)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	for (int i = 0; i < 2; i++) {
		if (outs[i].from >= 0)
			close(outs[i].from);
		hush_redact_stream_free(outs[i].rs);
	}
	for (int i = 0; i < 2; i++) {
		if (errpipe[i] >= 0)
			close(errpipe[i]);
		if (opipe[i] >= 0)
			close(opipe[i]);
		if (epipe[i] >= 0)
			close(epipe[i]);
	}
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	if (sfd >= 0)
		close(sfd);
	/* the forwarded signals stay blocked: hush exits right after, and one still queued must not kill it now */
	/* SECURITY: what the child printed before redaction, and what was typed for it */
	sodium_memzero(inbuf, IO_BUF);
	sodium_memzero(buf, IO_BUF);
	free(inbuf);
	free(buf);
	return err;
}
