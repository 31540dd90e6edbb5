/* cmd_run.c: `hush run`: decrypt an environment, exec a command with it, redact the command's output. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/remote_cmds.h"
#include "cli/vault_cmds.h"
#include "hush/buf.h"
#include "hush/dotenv.h"
#include "hush/error.h"
#include "hush/redact.h"
#include "hush/remote.h"
#include "hush/run.h"
#include "hush/vault.h"
#include "common/util.h"
#include "common/banned.h"

enum { EXIT_RUN_FAILED = 125, EXIT_NOT_EXECUTABLE = 126, EXIT_NOT_FOUND = 127 };
enum { OPT_DIR = 256, OPT_ONLY, OPT_NO_OVERRIDE, OPT_CLEAN_ENV, OPT_KEEP, OPT_ENV_FILE_ONLY, OPT_NO_REDACT, OPT_MASK, OPT_FROM };

extern char **environ;

const char cmd_run_usage[] =
	"usage: hush run -e ENV [OPTIONS] [--] COMMAND [ARGS...]\n"
	"       hush run --from vault://MOUNT/PATH [OPTIONS] [--] COMMAND [ARGS...]\n"
	"\n"
	"Decrypt vault environment ENV (and read its Vault path, when .hush.yml's environments: gives one), run\n"
	"COMMAND with its secrets as environment variables, and redact every injected value (and its base64, hex,\n"
	"percent- and JSON-encoded forms) from COMMAND's output as it streams.\n"
	"When stdout is a terminal, COMMAND runs on a pseudo-terminal (colours, prompts and editors work).\n"
	"\n"
	"Options:\n"
	"  -e, --env ENV           the vault environment\n"
	"      --from vault://P    also read the KV v2 secret P from Vault/OpenBao (repeatable; later sources win)\n"
	"      --dir DIR           the vault folder (default: .hush at the repository root)\n"
	"      --only NAME,...     inject only these secrets (repeatable)\n"
	"      --no-override       a variable already set in the environment keeps its value\n"
	"      --clean-env         start from an empty environment: PATH, HOME, USER, LANG, TERM, TZ and --keep\n"
	"      --keep VAR,...      with --clean-env, also pass these variables (repeatable)\n"
	"      --env-file-only     put no secret in the environment; pass them as a dotenv file instead, whose path\n"
	"                          is in HUSH_SECRETS_FILE (an in-memory file, /proc/self/fd/N, never on disk)\n"
	"      --no-redact         do not redact the output\n"
	"      --mask FORMAT       the replacement text (default [hush:%n]; %n: the variable's name, %%: '%')\n"
	"\n"
	"The private key comes from HUSH_PRIVATE_KEY_<ENV> (which may be vault://PATH#FIELD), else the key file.\n"
	"Values read from Vault override the vault file's values of the same name. Vault: VAULT_ADDR, VAULT_TOKEN\n"
	"(or ~/.vault-token, or AppRole: HUSH_VAULT_ROLE_ID and HUSH_VAULT_SECRET_ID_FILE), VAULT_NAMESPACE,\n"
	"VAULT_CACERT...; see docs/vault.md. Every run is recorded in the audit log (see 'hush help audit').\n"
	"HUSH_PRIVATE_KEY_* and HUSH_*KEY_PASSPHRASE_* are never passed to COMMAND, nor VAULT_TOKEN and BAO_TOKEN\n"
	"when a Vault path was read. Values shorter than 6 bytes are injected but not redacted (a warning names each).\n"
	"Signals INT, TERM, HUP, QUIT, USR1, USR2 and WINCH are forwarded.\n"
	"\n"
	"Exit status: COMMAND's; 128+N when signal N ended it; 127 when COMMAND is not found, 126 when it cannot be\n"
	"executed; 125 when hush itself fails (no key, a bad vault, bad usage).\n";

/* The repository root without libgit2 (it costs milliseconds to load): the nearest folder with a .git entry. */
static char *find_root(void)
{
	char *cwd = getcwd(NULL, 0), *p;
	struct stat st;
	hush_buf b = HUSH_BUF_INIT;

	if (!cwd)
		return NULL;
	for (p = cwd + strlen(cwd);;) {
		hush_buf_reset(&b);
		if (hush_buf_put(&b, cwd, (size_t)(p - cwd)) || hush_buf_puts(&b, "/.git"))
			break;
		if (lstat(b.ptr, &st) == 0) {
			char *root = hush__strndup(cwd, p == cwd ? 1 : (size_t)(p - cwd));

			hush_buf_dispose(&b);
			free(cwd);
			return root;
		}
		while (p > cwd && *--p != '/')
			;
		if (p == cwd)
			break;
	}
	hush_buf_dispose(&b);
	return cwd;
}

typedef struct {
	char **v;
	size_t n, alloc;
} strlist;

/* Append the comma-separated items of arg. */
static int list_add(strlist *l, const char *arg)
{
	for (const char *p = arg;;) {
		size_t len = strcspn(p, ",");

		if (len) {
			if (hush__array_grow((void **)&l->v, &l->alloc, l->n, sizeof(char *)) ||
			    !(l->v[l->n] = hush__strndup(p, len)))
				return HUSH_ENOMEM;
			l->n++;
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static bool in_list(const strlist *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && !memcmp(l->v[i], s, len))
			return true;
	return false;
}

/* Set when a Vault path was read: the token that read it is hush's credential, not the command's. */
static bool vault_token_is_hush_only;

/* Variables that only hush needs: never given to the command. */
static bool hush_only_var(const char *s)
{
	return !strncmp(s, "HUSH_PRIVATE_KEY_", 17) || !strncmp(s, "HUSH_KEY_PASSPHRASE_", 20) ||
	       !strncmp(s, "HUSH_NEW_KEY_PASSPHRASE_", 24) ||
	       (vault_token_is_hush_only && (!strncmp(s, "VAULT_TOKEN=", 12) || !strncmp(s, "BAO_TOKEN=", 10)));
}

static const char *const safe_vars[] = { "PATH", "HOME", "USER", "LANG", "TERM", "TZ" };

/* Text assembled in guarded memory in two passes: count (buf NULL), then fill a buffer of exactly that size. */
typedef struct {
	unsigned char *buf;
	size_t len;
} gsink;

static int gsink_put(void *ctx, const void *data, size_t len)
{
	gsink *g = ctx;

	if (g->buf)
		memcpy(g->buf + g->len, data, len);
	g->len += len;
	return 0;
}

static void gsink_str(gsink *g, const char *s)
{
	gsink_put(g, s, strlen(s));
}

/* The selected secrets, i.e. every one or those of --only. */
static bool selected(const hush_vault_plain *plain, size_t i, const strlist *only)
{
	const char *name = hush_vault_plain_name(plain, i);

	return !only->n || in_list(only, name, strlen(name));
}

/*
 * The command's environment, complete before fork: the inherited (or --clean-env) variables, then the secrets
 * (winning unless --no-override), or HUSH_SECRETS_FILE with --env-file-only. envp points into environ and into
 * *pool (sodium_malloc'd "NAME=value" strings). Prints errors; returns 0 or EXIT_RUN_FAILED.
 */
static int build_env(char ***envp_out, unsigned char **pool_out, const hush_vault_plain *plain, const strlist *only,
		     const strlist *keep, bool clean, bool no_override, int secrets_fd)
{
	char **envp = NULL, fdvar[64];
	size_t n = 0, alloc = 0, nsel = 0;
	gsink g = { NULL, 0 };

	*envp_out = NULL;
	*pool_out = NULL;
	for (char **e = environ; *e; e++) {
		size_t nlen = strcspn(*e, "=");
		bool keep_it = !clean;

		if (!(*e)[nlen] || hush_only_var(*e))
			continue;
		for (size_t i = 0; clean && i < HUSH_ARRAY_SIZE(safe_vars); i++)
			keep_it |= strlen(safe_vars[i]) == nlen && !memcmp(*e, safe_vars[i], nlen);
		if (clean && in_list(keep, *e, nlen))
			keep_it = true;
		if (!keep_it)
			continue;
		if (hush__array_grow((void **)&envp, &alloc, n + 1, sizeof(char *)))
			goto oom;
		envp[n++] = *e;
	}
	if (secrets_fd >= 0) {
		snprintf(fdvar, sizeof(fdvar), "HUSH_SECRETS_FILE=/proc/self/fd/%d", secrets_fd);
		gsink_str(&g, fdvar);
		gsink_put(&g, "", 1);
	} else {
		for (size_t i = 0; i < hush_vault_plain_count(plain); i++) {
			size_t len;

			if (!selected(plain, i, only))
				continue;
			hush_vault_plain_value(plain, i, &len);
			g.len += strlen(hush_vault_plain_name(plain, i)) + 1 + len + 1;
		}
	}
	if (!(g.buf = sodium_malloc(g.len + 1)))
		goto oom;
	*pool_out = g.buf;
	g.len = 0;
	for (size_t i = 0; secrets_fd < 0 && i < hush_vault_plain_count(plain); i++) {
		const char *name = hush_vault_plain_name(plain, i);
		size_t len, nlen = strlen(name);
		const unsigned char *val = hush_vault_plain_value(plain, i, &len);
		char *var = (char *)g.buf + g.len;
		size_t at = n;

		if (!selected(plain, i, only))
			continue;
		nsel++;
		gsink_str(&g, name);
		gsink_put(&g, "=", 1);
		gsink_put(&g, val, len);
		gsink_put(&g, "", 1);
		for (size_t k = 0; k < n; k++)
			if (!strncmp(envp[k], name, nlen) && envp[k][nlen] == '=')
				at = k;
		if (at < n && no_override)
			continue;
		if (at == n) {
			if (hush__array_grow((void **)&envp, &alloc, n + 1, sizeof(char *)))
				goto oom;
			n++;
		}
		envp[at] = var;
	}
	if (secrets_fd >= 0) {
		gsink_str(&g, fdvar);
		gsink_put(&g, "", 1);
		if (hush__array_grow((void **)&envp, &alloc, n + 1, sizeof(char *)))
			goto oom;
		envp[n++] = (char *)g.buf;
	}
	if (hush__array_grow((void **)&envp, &alloc, n + 1, sizeof(char *)))
		goto oom;
	envp[n] = NULL;
	(void)nsel;
	*envp_out = envp;
	return 0;
oom:
	cli_error("out of memory");
	free(envp);
	return EXIT_RUN_FAILED;
}

/* --env-file-only: the selected secrets as a dotenv file in a sealed memfd the command inherits. -1 on failure. */
static int secrets_memfd(const hush_vault_plain *plain, const strlist *only)
{
	gsink g = { NULL, 0 };
	int fd = -1;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !(g.buf = sodium_malloc(g.len + 1))) {
			cli_error("out of memory");
			return -1;
		}
		g.len = 0;
		for (size_t i = 0; i < hush_vault_plain_count(plain); i++) {
			size_t len;
			const unsigned char *val = hush_vault_plain_value(plain, i, &len);

			if (!selected(plain, i, only))
				continue;
			gsink_str(&g, hush_vault_plain_name(plain, i));
			gsink_put(&g, "=", 1);
			hush_dotenv_quote(val, len, gsink_put, &g);
			gsink_put(&g, "\n", 1);
		}
	}
	/* not CLOEXEC: the command inherits it and reads it as /proc/self/fd/N; it never touches a disk */
	fd = memfd_create("hush-secrets", MFD_ALLOW_SEALING);
	if (fd < 0 || (g.len && write(fd, g.buf, g.len) != (ssize_t)g.len) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		cli_error("cannot create the secrets file: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	sodium_free(g.buf);
	return fd;
}

/* The program for argv0: as given when it holds a '/', else searched in the command's PATH (not hush's). */
static char *resolve(const char *argv0, char *const *envp, int *code)
{
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	bool denied = false;
	hush_buf b = HUSH_BUF_INIT;

	*code = 0;
	if (strchr(argv0, '/'))
		return hush__strdup(argv0);
	for (char *const *e = envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	for (const char *p = path;;) {
		size_t len = strcspn(p, ":");
		struct stat st;

		hush_buf_reset(&b);
		if (hush_buf_put(&b, len ? p : ".", len ? len : 1) || hush_buf_putc(&b, '/') || hush_buf_puts(&b, argv0))
			break;
		if (stat(b.ptr, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(b.ptr, X_OK) == 0)
				return hush_buf_detach(&b, NULL);
			denied = true;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	hush_buf_dispose(&b);
	*code = denied ? EXIT_NOT_EXECUTABLE : EXIT_NOT_FOUND;
	return NULL;
}

/* The audit record of this run: the selected names (all of them without --only), the program, the outcome. */
static int run_audit(const hush_config *cfg, const char *root, const char *env, const cli_env_result *r,
		     const strlist *only, const char *argv0, int err)
{
	const char **names = NULL;
	size_t n = 0;
	int rc;

	if (r->plain && (names = hush__calloc(hush_vault_plain_count(r->plain) + 1, sizeof(*names))))
		for (size_t i = 0; i < hush_vault_plain_count(r->plain); i++)
			if (selected(r->plain, i, only))
				names[n++] = hush_vault_plain_name(r->plain, i);
	rc = cli_audit_values(cfg, root, "run", argv0, env, r, names, n, err);
	free(names);
	return rc ? EXIT_RUN_FAILED : 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "no-override", no_argument, NULL, OPT_NO_OVERRIDE },
		{ "clean-env", no_argument, NULL, OPT_CLEAN_ENV },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "env-file-only", no_argument, NULL, OPT_ENV_FILE_ONLY },
		{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
		{ "mask", required_argument, NULL, OPT_MASK },
		{ "from", required_argument, NULL, OPT_FROM },
		{ NULL, 0, NULL, 0 }
	};
	const char *env = NULL, *dir_opt = NULL, *mask = NULL;
	bool no_override = false, clean = false, env_file_only = false, no_redact = false;
	strlist only = { NULL, 0, 0 }, keep = { NULL, 0, 0 }, from = { NULL, 0, 0 };
	hush_vault_plain *plain = NULL;
	cli_env_result res = { 0 };
	const hush_config *cfg = NULL;
	hush_redactor *red = NULL;
	hush_run_options ro = HUSH_RUN_OPTIONS_INIT;
	char *root = NULL, *dir = NULL, *prog = NULL, **envp = NULL;
	unsigned char *pool = NULL;
	int opt, rc = EXIT_RUN_FAILED, secrets_fd = -1, code;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+e:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e': env = optarg; break;
		case OPT_DIR: dir_opt = optarg; break;
		case OPT_ONLY:
		case OPT_KEEP:
			if (list_add(opt == OPT_ONLY ? &only : &keep, optarg)) {
				cli_error("out of memory");
				goto cleanup;
			}
			break;
		case OPT_NO_OVERRIDE: no_override = true; break;
		case OPT_CLEAN_ENV: clean = true; break;
		case OPT_ENV_FILE_ONLY: env_file_only = true; break;
		case OPT_NO_REDACT: no_redact = true; break;
		case OPT_MASK: mask = optarg; break;
		case OPT_FROM:
			if (!hush_remote_is_ref(optarg)) {
				cli_error("--from takes a Vault path, vault://MOUNT/PATH, not '%s'", optarg);
				goto cleanup;
			}
			if (list_add(&from, optarg)) {
				cli_error("out of memory");
				goto cleanup;
			}
			break;
		default:
			fprintf(stderr, "Run 'hush run --help' for the options.\n");
			goto cleanup;
		}
	}
	if (optind >= argc) {
		cli_error("no command to run: hush run -e ENV -- COMMAND [ARGS...]");
		goto cleanup;
	}
	if (!env && !from.n) {
		cli_error("which environment? hush run -e ENV -- COMMAND (or --from vault://MOUNT/PATH)");
		goto cleanup;
	}
	if (env && !hush_vault_env_valid(env)) {
		cli_error("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", env);
		goto cleanup;
	}
	if (keep.n && !clean) {
		cli_error("--keep only makes sense with --clean-env");
		goto cleanup;
	}
	/* SECURITY: before any plaintext, and before any vectorscan object (its memory is then guarded too) */
	vault_no_core_dumps();
	if (!no_redact && hush_redact_secure_vectorscan() != 0) {
		cli_error("%s", hush_error_last());
		goto cleanup;
	}
	if (!(root = find_root()) || !(dir = dir_opt ? hush__strdup(dir_opt) : hush__path_join(root, ".hush"))) {
		cli_error("cannot determine the vault folder: %s", strerror(errno));
		goto cleanup;
	}
	if (cli_config_at(&cfg, root) != 0)
		goto cleanup;
	{
		cli_env_request rq = { root, dir, env, cfg, (const char *const *)from.v, from.n };
		int err = cli_env_load(&res, &rq);
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", err ? hush_error_last() : "");
		/* SECURITY: an AppRole token is revoked as soon as the values are in, before the command starts */
		if (hush_remote_shutdown() != 0)
			cli_warning("%s", hush_error_last());
		if (err) {
			cli_error("%s", msg);
			hush_error_set("%s", msg);
			run_audit(cfg, root, env, &res, &only, argv[optind], err);
			goto cleanup;
		}
		plain = res.plain;
		res.plain = NULL;
		vault_token_is_hush_only = res.remote;
	}
	for (size_t i = 0; i < only.n; i++)
		if (hush_vault_plain_find(plain, only.v[i]) < 0) {
			if (env)
				cli_error("--only: no secret '%s' in environment '%s'", only.v[i], env);
			else
				cli_error("--only: no secret '%s' in %s", only.v[i], from.v[0]);
			goto cleanup;
		}
	for (size_t i = 0; i < hush_vault_plain_count(plain); i++) {
		size_t len;
		const unsigned char *val = hush_vault_plain_value(plain, i, &len);

		if (selected(plain, i, &only) && !env_file_only && memchr(val, '\0', len)) {
			cli_error("cannot inject '%s': its value holds a NUL byte, which an environment variable cannot "
				  "carry (use --env-file-only)",
				  hush_vault_plain_name(plain, i));
			goto cleanup;
		}
	}
	res.plain = plain;
	code = run_audit(cfg, root, env, &res, &only, argv[optind], 0);
	res.plain = NULL;
	if (code)
		goto cleanup; /* audit: required, and the record could not be written */
	if (env_file_only && (secrets_fd = secrets_memfd(plain, &only)) < 0)
		goto cleanup;
	if (build_env(&envp, &pool, plain, &only, &keep, clean, no_override, secrets_fd) != 0)
		goto cleanup;
	if (!no_redact) {
		if (hush_redactor_new(&red) != 0 || (mask && hush_redactor_set_mask(red, mask) != 0)) {
			cli_error(mask ? "invalid --mask '%s': use %%n for the name and %%%% for '%%'" : "out of memory",
				  mask);
			goto cleanup;
		}
		for (size_t i = 0; i < hush_vault_plain_count(plain); i++) {
			const char *name = hush_vault_plain_name(plain, i);
			size_t len;
			const unsigned char *val = hush_vault_plain_value(plain, i, &len);
			bool added = false;

			if (!selected(plain, i, &only))
				continue;
			if (hush_redactor_add(red, name, val, len, &added) != 0) {
				cli_error("%s", hush_error_last());
				goto cleanup;
			}
			if (!added)
				cli_warning("%s is shorter than %d bytes: injected, but not redacted from the output", name,
					    HUSH_REDACT_MIN_LEN);
		}
	}
	hush_vault_plain_free(plain); /* the values now live only in the environment pool and the redactor */
	plain = NULL;
	if (!(prog = resolve(argv[optind], envp, &code))) {
		cli_error("%s: %s", argv[optind], code == EXIT_NOT_FOUND ? "command not found" : "permission denied");
		rc = code;
		goto cleanup;
	}
	ro.path = prog;
	ro.argv = argv + optind;
	ro.envp = envp;
	ro.redactor = red;
	ro.pty = isatty(STDOUT_FILENO);
	hush_error_clear();
	if (hush_run(&ro, &code) != 0) {
		cli_error("%s", hush_error_last());
		goto cleanup;
	}
	if (code == EXIT_NOT_FOUND || code == EXIT_NOT_EXECUTABLE)
		if (*hush_error_last())
			cli_error("%s", hush_error_last());
	rc = code;
cleanup:
	hush_redactor_free(red);
	sodium_free(pool); /* wiped */
	free(envp);
	if (secrets_fd >= 0)
		close(secrets_fd);
	hush_vault_plain_free(plain);
	cli_env_result_dispose(&res);
	for (size_t i = 0; i < only.n; i++)
		free(only.v[i]);
	for (size_t i = 0; i < keep.n; i++)
		free(keep.v[i]);
	for (size_t i = 0; i < from.n; i++)
		free(from.v[i]);
	free(only.v);
	free(keep.v);
	free(from.v);
	free(prog);
	free(dir);
	free(root);
	return rc;
}
