/*
 * hush/run.h: run a command with its secrets (`hush run`): on a pseudo-terminal or with pipes, signals forwarded,
 * every byte of its output through a redactor.
 *
 * The caller builds the complete environment and resolves the program's path before calling; this module only
 * forks, execs and pumps. The child:
 *   - with pty set, runs as the leader of a new session on a pseudo-terminal (openpty) that gets the window size
 *     of hush's terminal and, when stdin is a terminal, its settings; hush's stdin is then put in raw mode
 *     (restored before hush_run returns) and copied to the pseudo-terminal, so line editing, colours, Ctrl-C and
 *     interactive programs behave as on the terminal itself. Its stderr goes to the pseudo-terminal too when
 *     hush's stderr is a terminal, else through its own pipe. SIGWINCH copies the new size.
 *   - without pty, gets pipes for stdout and stderr (each redacted on its own) and hush's stdin. When stdin is not
 *     a terminal it runs in its own process group and every forwarded signal goes to that group. When stdin is a
 *     terminal it stays in hush's process group (so it can read the terminal): a signal the terminal sends (Ctrl-C,
 *     Ctrl-\) reaches it directly, and hush does not send it again.
 * The redactor can be handed over uncompiled: compiling every value's variants costs milliseconds (vectorscan),
 * so it is compiled when the first byte of output arrives, after the command has started; a command that prints
 * nothing never pays for it. That first byte waits for the compile.
 * Forwarded: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH. hush blocks them and reads them
 * from a signalfd, so none can interrupt it half-way; the child starts with hush's original signal mask.
 */
#ifndef HUSH_RUN_H
#define HUSH_RUN_H

#include <stdbool.h>

#include "hush/redact.h"

typedef struct {
	unsigned version;
	const char *path;              /* the program, resolved (contains a '/') */
	char *const *argv;             /* argv[0] as the user wrote it */
	char *const *envp;             /* the complete environment */
	hush_redactor *redactor;       /* NULL: output passes through untouched */
	bool redactor_compiled;        /* false: hush_run compiles it when the first output byte arrives */
	bool pty;                      /* run on a pseudo-terminal (hush's stdout is a terminal) */
} hush_run_options;

#define HUSH_RUN_OPTIONS_VERSION 1
#define HUSH_RUN_OPTIONS_INIT { HUSH_RUN_OPTIONS_VERSION, NULL, NULL, NULL, NULL, false, false }

/*
 * Run it and wait: *exit_code is the child's exit status, or 128+N when signal N killed it; 127 when the program
 * could not be found at exec time, 126 when it could not be executed (the message is set: "PATH: reason").
 * Returns 0 when the child ran (whatever its status) or exec failed as above; a HUSH_E* code for hush's own
 * failures (no pseudo-terminal, fork failed, an output write failed...), with the message set.
 */
int hush_run(const hush_run_options *o, int *exit_code);

#endif
