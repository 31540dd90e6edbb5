/* cmd_vault.c: `hush vault init|set|get|ls|rm`: per-environment encrypted secrets under .hush/. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/remote_cmds.h"
#include "cli/vault_cmds.h"
#include "hush/error.h"
#include "hush/scan.h"
#include "hush/vault.h"
#include "common/gitlib.h"
#include "common/util.h"
#include "common/banned.h"

const char cmd_vault_usage[] =
	"usage: hush vault init ENV [--dir DIR] [--passphrase]\n"
	"       hush vault set ENV NAME [--dir DIR]     (the value comes from stdin, never from the command line)\n"
	"       hush vault get ENV NAME [--dir DIR]\n"
	"       hush vault ls ENV [--dir DIR]\n"
	"       hush vault rm ENV NAME [--dir DIR]\n"
	"       hush vault import [--dir DIR] ENV FILE.env\n"
	"       hush vault export [--dir DIR] ENV [--format dotenv|json]\n"
	"       hush vault diff [--dir DIR] ENV [REV]\n"
	"       hush vault rotate-key [--dir DIR] ENV\n"
	"       hush vault compact [--dir DIR] ENV\n"
	"       hush vault check [--dir DIR] [ENV] [--max-age 90d]\n"
	"       hush vault passwd ENV [--remove]\n"
	"\n"
	"Per-environment secrets, encrypted in DIR/ENV.json (default: .hush at the repository root).\n"
	"init  create the environment's keypair and its vault file; the private key goes to\n"
	"      $XDG_CONFIG_HOME/hush/keys/ENV.key (mode 0600), never into the repository; --passphrase encrypts\n"
	"      it (Argon2id): the passphrase comes from HUSH_KEY_PASSPHRASE_<ENV>, else a prompt on /dev/tty\n"
	"set   encrypt a value from stdin (one trailing newline dropped), or from a no-echo prompt on a terminal;\n"
	"      needs only the public key that the vault file carries\n"
	"get   print a value; needs the private key: HUSH_PRIVATE_KEY_<ENV> (base64), else the key file\n"
	"ls    names, last update and who made it; never values\n"
	"rm    remove a value\n"
	"import      set every NAME=value of a dotenv file (quotes, escapes, export, multi-line values)\n"
	"export      print every value as dotenv or JSON (needs the private key)\n"
	"diff        names added (+), removed (-) or changed (~) since a git revision (default HEAD); never values\n"
	"rotate-key  new keypair, every value re-encrypted; the old key file is kept as ENV.key.retired-ID\n"
	"compact     re-encrypt every value in one write session, same key: reading then takes one key agreement\n"
	"            instead of one per 'set' that wrote a value (needs the private key)\n"
	"check       list secrets older than --max-age (h, d, w; default 90d); exit 1 when any is\n"
	"passwd      change, add or (--remove) remove the passphrase of ENV's key file; the key stays the same.\n"
	"            Old passphrase: HUSH_KEY_PASSPHRASE_<ENV> or asked; new: HUSH_NEW_KEY_PASSPHRASE_<ENV> or asked\n"
	"            twice on /dev/tty\n"
	"\n"
	"get and export also read ENV's Vault path when .hush.yml's environments: gives one (Vault values win), and\n"
	"record each read in the audit log ('hush help audit'). HUSH_PRIVATE_KEY_<ENV> may be vault://PATH#FIELD.\n"
	"Environment names: a-z, 0-9, '_' and '-' (at most 32). Secret names: environment-variable names.\n"
	"Exit status: 0 done, 1 differences (diff) or old secrets (check), 2 error. See docs/vault.md and\n"
	"docs/threat-model.md.\n";

/* SECURITY: a process that holds plaintext must never leave it in a core file */
void vault_no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &rl);
}

int vault_write_stdout(const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			hush_error_set("cannot write to standard output: %s", n < 0 ? strerror(errno) : "short write");
			return HUSH_EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long long vault_now(void)
{
	const char *s = getenv("HUSH_NOW");

	if (s && *s) {
		char *end;
		long long t;

		errno = 0;
		t = strtoll(s, &end, 10);
		if (!errno && !*end && t >= 0)
			return t;
	}
	return (long long)time(NULL);
}

int vault_git_user_email(char **out, const char *root)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL, *snap = NULL;
	git_buf b = { 0 };

	*out = NULL;
	if (hush_git_init() != 0) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0) {
		if (git_repository_config_snapshot(&snap, repo) < 0)
			snap = NULL;
	} else if (git_config_open_default(&cfg) == 0) {
		if (git_config_snapshot(&snap, cfg) < 0)
			snap = NULL;
	}
	if (snap && git_config_get_string_buf(&b, snap, "user.email") == 0 && b.ptr && *b.ptr)
		*out = hush__strdup(b.ptr);
	git_buf_dispose(&b);
	git_config_free(snap);
	git_config_free(cfg);
	git_repository_free(repo);
	return 0;
}

/*
 * Echo off on a terminal for a secret prompt. SECURITY/usability: a signal that ends or stops hush while the
 * prompt waits (Ctrl-C, Ctrl-\\, Ctrl-Z, a hangup, kill) must not leave the user's terminal without echo, so the
 * handlers restore the saved settings first (tcsetattr is async-signal-safe), then let the signal act as usual;
 * after a stop, SIGCONT turns echo off again.
 */
static const int prompt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGCONT };
static struct termios prompt_saved, prompt_quiet;
static volatile sig_atomic_t prompt_fd = -1;
static struct sigaction prompt_old_sa[sizeof(prompt_signals) / sizeof(prompt_signals[0])];

static void prompt_on_signal(int sig)
{
	int saved_errno = errno;

	if (prompt_fd < 0)
		return;
	if (sig == SIGCONT) {
		tcsetattr(prompt_fd, TCSANOW, &prompt_quiet);
	} else if (sig == SIGTSTP) {
		/* echo back on while stopped; SIGSTOP stops now, also in an orphaned process group */
		tcsetattr(prompt_fd, TCSANOW, &prompt_saved);
		raise(SIGSTOP);
		tcsetattr(prompt_fd, TCSANOW, &prompt_quiet); /* resumed */
	} else {
		tcsetattr(prompt_fd, TCSANOW, &prompt_saved);
		if (write(prompt_fd, "\n", 1) < 0) {
			/* nothing more to do in a handler */
		}
		signal(sig, SIG_DFL);
		raise(sig); /* delivered when this handler returns: hush ends as it would have */
	}
	errno = saved_errno;
}

static void prompt_echo_restore(bool newline);

static bool prompt_echo_off(int fd)
{
	struct sigaction sa;

	if (tcgetattr(fd, &prompt_saved) != 0)
		return false;
	prompt_quiet = prompt_saved;
	prompt_quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	prompt_quiet.c_lflag |= ICANON;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = prompt_on_signal;
	sigemptyset(&sa.sa_mask);
	prompt_fd = fd;
	for (size_t i = 0; i < sizeof(prompt_signals) / sizeof(prompt_signals[0]); i++)
		sigaction(prompt_signals[i], &sa, &prompt_old_sa[i]);
	if (tcsetattr(fd, TCSAFLUSH, &prompt_quiet) != 0) {
		prompt_echo_restore(false);
		return false;
	}
	return true;
}

/* Put the terminal back (and say so with a newline when asked), then the previous signal handlers. */
static void prompt_echo_restore(bool newline)
{
	int fd = prompt_fd;

	if (fd < 0)
		return;
	tcsetattr(fd, TCSANOW, &prompt_saved);
	if (newline && write(fd, "\n", 1) < 0) {
		/* nothing to do */
	}
	prompt_fd = -1;
	for (size_t i = 0; i < sizeof(prompt_signals) / sizeof(prompt_signals[0]); i++)
		sigaction(prompt_signals[i], &prompt_old_sa[i], NULL);
}

/* The value of `set`: stdin to EOF (one trailing newline dropped), or a no-echo prompt when stdin is a TTY. */
static int read_value(hush_secret **out, const char *env, const char *name)
{
	hush_secret *s = NULL;
	bool tty = isatty(STDIN_FILENO), echo_off = false;
	size_t len = 0;
	int rc = EXIT_ERROR;

	if (hush_secret_new(&s, NULL, HUSH_VAULT_MAX_VALUE + 1) != 0) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	if (tty) {
		echo_off = prompt_echo_off(STDIN_FILENO);
		fprintf(stderr, "value of %s for %s (not echoed): ", name, env);
		fflush(stderr);
	}
	for (;;) {
		ssize_t n = read(STDIN_FILENO, hush_secret_data(s) + len, HUSH_VAULT_MAX_VALUE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("cannot read the value from standard input: %s", strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (tty && hush_secret_data(s)[len - 1] == '\n')
			break; /* one line from the terminal */
		if (len > HUSH_VAULT_MAX_VALUE) {
			cli_error("the value of '%s' is too large (over %d bytes)", name, HUSH_VAULT_MAX_VALUE);
			goto cleanup;
		}
	}
	if (len && hush_secret_data(s)[len - 1] == '\n')
		len--;
	if (tty && len && hush_secret_data(s)[len - 1] == '\r')
		len--;
	hush_secret_truncate(s, len);
	*out = s;
	s = NULL;
	rc = 0;
cleanup:
	if (echo_off) {
		prompt_echo_restore(false);
		fputc('\n', stderr);
	}
	hush_secret_free(s);
	return rc;
}

/*
 * The passphrase prompt (hush_key_prompt_fn): on /dev/tty, not echoed, so that stdin stays free for values.
 * HUSH_ENOTFOUND when there is no terminal.
 */
int vault_tty_passphrase(hush_secret **out, const char *prompt)
{
	enum { MAX = 1024 };
	hush_secret *s = NULL;
	bool echo_off = false;
	size_t len = 0;
	int fd, err;

	*out = NULL;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return HUSH_ENOTFOUND;
	if ((err = hush_secret_new(&s, NULL, MAX)) != 0) {
		close(fd);
		return err;
	}
	/* echo off before the prompt, so that nothing typed after it is flushed or shown */
	echo_off = prompt_echo_off(fd);
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the prompt is a courtesy; reading still works */
	}
	err = 0;
	for (;;) {
		unsigned char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = hush_error_set("cannot read the passphrase from the terminal: %s", strerror(errno));
			break;
		}
		if (n == 0 || c == '\n')
			break;
		if (len == MAX) {
			err = hush_error_set("the passphrase is too long (over %d bytes)", MAX);
			break;
		}
		hush_secret_data(s)[len++] = c;
	}
	if (echo_off)
		prompt_echo_restore(true);
	close(fd);
	if (!err && len && hush_secret_data(s)[len - 1] == '\r')
		len--;
	if (err) {
		hush_secret_free(s);
		return err;
	}
	hush_secret_truncate(s, len);
	*out = s;
	return 0;
}

static int fail(void)
{
	cli_error("%s", hush_error_last());
	return EXIT_ERROR;
}

static int vault_init(const char *env, const char *dir, const char *path, bool protect)
{
	unsigned char pk[HUSH_VAULT_KEY_BYTES];
	hush_secret *sk = NULL, *pass = NULL;
	hush_vault *v = NULL;
	char *key_path = NULL, *ignore = NULL;
	struct stat st;
	int lock = -1, rc = EXIT_ERROR;

	vault_no_core_dumps(); /* the new private key */
	if (!(key_path = hush_key_default_path(env)))
		return fail();
	if (hush__mkdir_p(dir, 0755) < 0) {
		cli_error("cannot create '%s': %s", dir, strerror(errno));
		goto cleanup;
	}
	if (hush_vault_lock(&lock, path) != 0) {
		fail();
		goto cleanup;
	}
	if (lstat(path, &st) == 0) {
		cli_error("refusing to overwrite the vault '%s' of environment '%s'", path, env);
		goto cleanup;
	}
	if (lstat(key_path, &st) == 0) {
		cli_error("refusing to overwrite the key file '%s'; move it away first if it is no longer needed",
			  key_path);
		goto cleanup;
	}
	if (protect) {
		if (hush_key_get_passphrase(&pass, env, key_path, true) != 0) {
			fail();
			goto cleanup;
		}
	}
	if (hush_vault_keypair(pk, &sk) != 0 ||
	    (pass ? hush_key_write_protected(key_path, env, sk, pass) : hush_key_write(key_path, env, sk)) != 0 ||
	    hush_vault_new(&v, env, pk) != 0 || hush_vault_save(v, path) != 0) {
		fail();
		goto cleanup;
	}
	/* the lock files are local state, not for the repository */
	if ((ignore = hush__path_join(dir, ".gitignore")) && lstat(ignore, &st) < 0) {
		FILE *fp = fopen(ignore, "w");

		if (fp) {
			fputs("*.lock\n", fp);
			fclose(fp);
		}
	}
	printf("created the vault '%s' for environment '%s' (key id %s)\n", path, env, hush_vault_key_id_of(v));
	printf("the private key is in '%s' (mode 0600%s); keep it out of the repository.\n", key_path,
	       pass ? ", encrypted with the passphrase" : "");
	if (pass) {
		char var[96];

		hush_key_passphrase_var(var, sizeof(var), env);
		printf("hush asks for the passphrase on the terminal, or reads it from the variable %s\n", var);
	} else {
		printf("for CI, store the key's \"secret_key\" as the variable HUSH_PRIVATE_KEY_");
		for (const char *p = env; *p; p++)
			putchar(*p == '-' ? '_' : (*p >= 'a' && *p <= 'z') ? *p - 'a' + 'A' : *p);
		putchar('\n');
	}
	rc = EXIT_CLEAN;
cleanup:
	hush_vault_unlock(lock);
	hush_vault_free(v);
	hush_secret_free(sk);
	hush_secret_free(pass);
	free(key_path);
	free(ignore);
	return rc;
}

static int vault_set(const char *env, const char *name, const char *path, const char *root)
{
	hush_secret *value = NULL;
	hush_vault *v = NULL;
	char now[32], *email = NULL;
	int lock = -1, rc = EXIT_ERROR;

	vault_no_core_dumps();
	if (!hush_vault_name_valid(name)) {
		cli_error("invalid secret name '%s': use a letter or '_', then letters, digits or '_' (at most 128)",
			  name);
		return EXIT_ERROR;
	}
	/* fail early, before asking for a value, when the vault cannot be read */
	if (hush_vault_load(&v, path, env) != 0)
		return fail();
	hush_vault_free(v);
	v = NULL;
	if ((rc = read_value(&value, env, name)) != 0)
		return rc;
	if ((rc = vault_git_user_email(&email, root)) != 0)
		goto cleanup;
	rc = EXIT_ERROR;
	hush_vault_iso8601(now, sizeof(now), vault_now());
	/* read-modify-write under the lock, so concurrent sets all land */
	if (hush_vault_lock(&lock, path) != 0 || hush_vault_load(&v, path, env) != 0 ||
	    hush_vault_set(v, name, hush_secret_data(value), hush_secret_len(value), now, email) != 0 ||
	    hush_vault_save(v, path) != 0) {
		fail();
		goto cleanup;
	}
	rc = EXIT_CLEAN;
cleanup:
	hush_vault_unlock(lock);
	hush_vault_free(v);
	hush_secret_free(value);
	free(email);
	return rc;
}

/*
 * One value: from the vault file, or, when .hush.yml gives env a Vault path, from every source of env (the file when
 * there is one, then Vault, which wins). Recorded in the audit log before anything is printed.
 */
static int vault_get(const char *env, const char *name, const char *path, const char *root, const char *dir)
{
	const hush_config *cfg = NULL;
	hush_vault *v = NULL;
	hush_secret *sk = NULL, *value = NULL;
	cli_env_result r = { 0 };
	const unsigned char *bytes = NULL;
	size_t len = 0;
	int rc = EXIT_ERROR, err;

	vault_no_core_dumps();
	if (cli_config_at(&cfg, root) != 0)
		return EXIT_ERROR;
	if (hush_config_env_find(cfg, env)) {
		cli_env_request rq = { root, dir, env, cfg, NULL, 0 };
		long i = -1;

		if ((err = cli_env_load(&r, &rq)) == 0 && (i = hush_vault_plain_find(r.plain, name)) < 0)
			err = (hush_error_set("no secret '%s' in environment '%s'", name, env), HUSH_ENOTFOUND);
		if (!err)
			bytes = hush_vault_plain_value(r.plain, (size_t)i, &len);
	} else if ((err = hush_vault_load(&v, path, env)) == 0) {
		/* the file alone: one value decrypted, as before environments: existed */
		r.backends = hush__calloc(1, sizeof(char *));
		if (!r.backends || !(r.backends[0] = cli_file_backend(root, path)))
			err = (hush_error_set("out of memory"), HUSH_ENOMEM);
		else
			r.nbackends = 1;
		if (!err && !hush_vault_has(v, name))
			err = (hush_error_set("no secret '%s' in environment '%s'", name, env), HUSH_ENOTFOUND);
		if (!err && (err = hush_key_find(&sk, &r.key_source, env, NULL)) == 0 &&
		    (err = hush_vault_check_key(v, sk, r.key_source)) == 0)
			err = hush_vault_get(&value, v, name, sk);
		if (!err) {
			bytes = hush_secret_data(value);
			len = hush_secret_len(value);
		}
	}
	if (err)
		fail();
	if (cli_audit_env("vault get", root, env, &r, name, err) || err)
		goto cleanup;
	/* SECURITY: straight to the descriptor: through stdio, the value would stay in its (ordinary heap) buffer */
	if (vault_write_stdout(bytes, len) != 0 ||
	    (isatty(STDOUT_FILENO) && vault_write_stdout((const unsigned char *)"\n", 1) != 0)) {
		fail();
		goto cleanup;
	}
	rc = EXIT_CLEAN;
cleanup:
	fflush(stdout);
	cli_env_result_dispose(&r);
	hush_secret_free(value);
	hush_secret_free(sk);
	hush_vault_free(v);
	return rc;
}

static int vault_ls(const char *env, const char *path)
{
	hush_vault *v = NULL;
	size_t n, w = 4;

	if (hush_vault_load(&v, path, env) != 0)
		return fail();
	n = hush_vault_count(v);
	for (size_t i = 0; i < n; i++) {
		hush_vault_entry e;

		hush_vault_entry_at(&e, v, i);
		if (strlen(e.name) > w)
			w = strlen(e.name);
	}
	for (size_t i = 0; i < n; i++) {
		hush_vault_entry e;

		hush_vault_entry_at(&e, v, i);
		printf("%-*s  %-20s  %s\n", (int)w, e.name, *e.updated ? e.updated : "-",
		       *e.updated_by ? e.updated_by : "-");
	}
	hush_vault_free(v);
	return EXIT_CLEAN;
}

static int vault_rm(const char *env, const char *name, const char *path)
{
	hush_vault *v = NULL;
	int lock = -1, rc = EXIT_ERROR;

	if (hush_vault_lock(&lock, path) != 0 || hush_vault_load(&v, path, env) != 0 ||
	    hush_vault_remove(v, name) != 0 || hush_vault_save(v, path) != 0)
		fail();
	else
		rc = EXIT_CLEAN;
	hush_vault_unlock(lock);
	hush_vault_free(v);
	return rc;
}

/* Subcommands that live in their own files (cli/vault_cmds.h): each parses its own arguments after ENV. */
static const struct {
	const char *name;
	int (*run)(const vault_args *a);
} more_subs[] = {
	{ "import", vault_cmd_import },
	{ "export", vault_cmd_export },
	{ "diff", vault_cmd_diff },
	{ "rotate-key", vault_cmd_rotate_key },
	{ "compact", vault_cmd_compact },
	{ "check", vault_cmd_check },
	{ "passwd", vault_cmd_passwd },
};

static int run_more(int i, int argc, char **argv)
{
	vault_args a;
	char *root = cli_find_root("."), *dir = NULL;
	int rc = EXIT_ERROR;

	memset(&a, 0, sizeof(a));
	if (!root) {
		cli_error("cannot determine the current directory: %s", strerror(errno));
		return EXIT_ERROR;
	}
	/* --dir DIR (or --dir=DIR) anywhere, as for the other vault commands; the rest belongs to the subcommand */
	a.argc = 0;
	a.argv = argv + 2;
	for (int k = 2; k < argc; k++) {
		if (!strcmp(argv[k], "--dir") && k + 1 < argc && !dir) {
			dir = hush__strdup(argv[++k]);
		} else if (!strncmp(argv[k], "--dir=", 6) && !dir) {
			dir = hush__strdup(argv[k] + 6);
		} else if ((!strcmp(argv[k], "--dir") || !strncmp(argv[k], "--dir=", 6))) {
			cli_error("--dir given twice, or without a folder");
			free(dir);
			free(root);
			return EXIT_ERROR;
		} else {
			a.argv[a.argc++] = argv[k]; /* compacted in place: argv is ours */
		}
	}
	if (!dir)
		dir = hush__path_join(root, ".hush");
	if (!dir) {
		free(root);
		return EXIT_ERROR;
	}
	a.root = root;
	a.dir = dir;
	rc = more_subs[i].run(&a);
	free(root);
	free(dir);
	return rc;
}

int cmd_vault(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "passphrase", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct {
		const char *name;
		int nargs;
	} subs[] = { { "init", 1 }, { "set", 2 }, { "get", 2 }, { "ls", 1 }, { "rm", 2 } };
	const char *sub, *dir_opt = NULL, *env, *name;
	char *root = NULL, *dir = NULL, *path = NULL;
	hush_buf b = HUSH_BUF_INIT;
	int opt, nargs = -1, rc = EXIT_ERROR;
	bool protect = false;

	hush_key_set_prompt(vault_tty_passphrase);
	if (argc < 2) {
		fputs(cmd_vault_usage, stderr);
		return EXIT_ERROR;
	}
	sub = argv[1];
	for (size_t i = 0; i < HUSH_ARRAY_SIZE(more_subs); i++)
		if (!strcmp(sub, more_subs[i].name))
			return run_more((int)i, argc, argv);
	for (size_t i = 0; i < HUSH_ARRAY_SIZE(subs); i++)
		if (!strcmp(sub, subs[i].name))
			nargs = subs[i].nargs;
	if (nargs < 0) {
		cli_error("unknown subcommand 'vault %s': use init, set, get, ls or rm", sub);
		return EXIT_ERROR;
	}
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
		if (opt == 'd') {
			dir_opt = optarg;
			continue;
		}
		if (opt == 'p' && !strcmp(sub, "init")) {
			protect = true;
			continue;
		}
		if (opt == 'p') {
			cli_error("--passphrase is an option of 'vault init'");
			return EXIT_ERROR;
		}
		fprintf(stderr, "Run 'hush vault --help' for the options.\n");
		return EXIT_ERROR;
	}
	if (argc - 1 - optind != nargs) {
		cli_error("'vault %s' takes %s", sub, nargs == 1 ? "ENV" : "ENV NAME");
		if (!strcmp(sub, "set") && argc - 1 - optind > 2)
			cli_error("the value is read from standard input, never from the command line");
		return EXIT_ERROR;
	}
	env = argv[1 + optind];
	name = nargs > 1 ? argv[2 + optind] : NULL;
	if (!hush_vault_env_valid(env)) {
		cli_error("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", env);
		return EXIT_ERROR;
	}
	if (!(root = cli_find_root("."))) {
		cli_error("cannot determine the current directory: %s", strerror(errno));
		goto cleanup;
	}
	dir = dir_opt ? hush__strdup(dir_opt) : hush__path_join(root, ".hush");
	if (!dir || hush_buf_printf(&b, "%s/%s.json", dir, env) || !(path = hush_buf_detach(&b, NULL))) {
		cli_error("out of memory");
		goto cleanup;
	}
	if (!strcmp(sub, "init"))
		rc = vault_init(env, dir, path, protect);
	else if (!strcmp(sub, "set"))
		rc = vault_set(env, name, path, root);
	else if (!strcmp(sub, "get"))
		rc = vault_get(env, name, path, root, dir);
	else if (!strcmp(sub, "ls"))
		rc = vault_ls(env, path);
	else
		rc = vault_rm(env, name, path);
cleanup:
	free(root);
	free(dir);
	free(path);
	return rc;
}
