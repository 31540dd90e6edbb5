/* cmd_redact.c: `hush redact`: a stdin-to-stdout filter that masks vault values, variables and rule findings. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/remote_cmds.h"
#include "cli/vault_cmds.h"
#include "hush/error.h"
#include "hush/redact.h"
#include "hush/vault.h"
#include "common/util.h"
#include "common/banned.h"

/* Reads of standard input; the buffer is guarded memory because what a program prints may hold plaintext. */
#define READ_SIZE ((size_t)256 * 1024)
#define OUT_SIZE ((size_t)64 * 1024)

const char cmd_redact_usage[] =
	"usage: hush redact [-e ENV]... [--from-env VAR]... [--rules] [--mask FORMAT] [--dir DIR]\n"
	"\n"
	"Copy standard input to standard output with secrets masked, for existing pipelines:\n"
	"    kubectl logs deploy/api | hush redact -e prod\n"
	"Each value is masked raw and in the forms encoders give it: base64 (standard and URL-safe, at any\n"
	"alignment, padded or not), percent- and form-encoding, JSON string escapes, hex, and each line of a\n"
	"multi-line value. Output that cannot be the start of a secret is written at once.\n"
	"\n"
	"  -e, --env ENV     mask every value of the vault environment ENV (repeatable); needs its private key:\n"
	"                    HUSH_PRIVATE_KEY_<ENV>, else the key file (as 'hush vault export'); and its Vault\n"
	"                    path when .hush.yml's environments: gives one (recorded in the audit log)\n"
	"  --from-env VAR    mask the value of the environment variable VAR, named VAR (repeatable)\n"
	"  --rules           also mask the secrets that the built-in scanner rules find; output is then held\n"
	"                    until its line ends (a private key block until its END line)\n"
	"  --mask FORMAT     the replacement: %n is the name, %% a '%' (default \"[hush:%n]\")\n"
	"  --dir DIR         the vault folder (default: .hush at the repository root)\n"
	"\n"
	"Values shorter than 6 bytes are not masked: hush warns about each (by name). Core dumps are off while\n"
	"values are held. Exit status: 0 done, 2 error.\n";

enum { OPT_FROM_ENV = 1000, OPT_REDACT_RULES, OPT_MASK, OPT_DIR };

/* Output, gathered so that many small pieces (masks between short runs) do not each cost a write(2). */
typedef struct {
	char buf[OUT_SIZE];
	size_t len;
} out_buf;

static int write_all(const char *p, size_t len)
{
	if (hush__write_all(STDOUT_FILENO, p, len) < 0)
		return hush_error_set("cannot write to standard output: %s", strerror(errno)), HUSH_EIO;
	return 0;
}

static int out_flush(out_buf *o)
{
	int err = write_all(o->buf, o->len);

	o->len = 0;
	return err;
}

static int out_write(void *ctx, const void *data, size_t len)
{
	out_buf *o = ctx;
	int err;

	/* large pieces go straight out, after what is gathered */
	if ((len > sizeof(o->buf) - o->len || len >= sizeof(o->buf) / 4) && o->len && (err = out_flush(o)) != 0)
		return err;
	if (len >= sizeof(o->buf) / 4)
		return write_all(data, len);
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return 0;
}

static int fail(void)
{
	cli_error("%s", hush_error_last());
	return EXIT_ERROR;
}

/* Add every value of the vault environment env (its file and its Vault path). Prints errors; audited. */
static int add_env(hush_redactor *r, const char *root, const char *dir, const char *env)
{
	const hush_config *cfg = NULL;
	cli_env_result res = { 0 };
	int rc = EXIT_ERROR, err;

	if (!hush_vault_env_valid(env)) {
		cli_error("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", env);
		return EXIT_ERROR;
	}
	if (cli_config_at(&cfg, root) != 0)
		return EXIT_ERROR;
	{
		cli_env_request rq = { root, dir, env, cfg, NULL, 0 };

		if ((err = cli_env_load(&res, &rq)) != 0)
			fail();
		if (cli_audit_env("redact", root, env, &res, NULL, err) || err)
			goto cleanup;
	}
	for (size_t i = 0; i < hush_vault_plain_count(res.plain); i++) {
		const char *name = hush_vault_plain_name(res.plain, i);
		size_t len;
		const unsigned char *val = hush_vault_plain_value(res.plain, i, &len);
		bool added;

		if (hush_redactor_add(r, name, val, len, &added) != 0) {
			fail();
			goto cleanup;
		}
		if (!added)
			cli_warning("'%s' of environment '%s' is shorter than %d bytes: it is not redacted", name, env,
				    HUSH_REDACT_MIN_LEN);
	}
	rc = 0;
cleanup:
	cli_env_result_dispose(&res);
	return rc;
}

static int add_var(hush_redactor *r, const char *var)
{
	const char *value = getenv(var);
	bool added;

	if (!value) {
		cli_error("the environment variable '%s' is not set", var);
		return EXIT_ERROR;
	}
	if (hush_redactor_add(r, var, value, strlen(value), &added) != 0)
		return fail();
	if (!added)
		cli_warning("'%s' is shorter than %d bytes: it is not redacted", var, HUSH_REDACT_MIN_LEN);
	return 0;
}

/* stdin to the stream until end of file. */
static int pump(hush_redact_stream *s, out_buf *o)
{
	hush_secret *buf = NULL;
	int rc = EXIT_ERROR;

	if (hush_secret_new(&buf, NULL, READ_SIZE) != 0)
		return fail();
	for (;;) {
		ssize_t n = read(STDIN_FILENO, hush_secret_data(buf), READ_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("cannot read standard input: %s", strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break;
		/* everything decided goes out before the next read: no latency added while no match is pending */
		if (hush_redact_stream_write(s, hush_secret_data(buf), (size_t)n) != 0 || out_flush(o) != 0) {
			fail();
			goto cleanup;
		}
	}
	if (hush_redact_stream_finish(s) != 0 || out_flush(o) != 0) {
		fail();
		goto cleanup;
	}
	rc = EXIT_CLEAN;
cleanup:
	hush_secret_free(buf);
	return rc;
}

int cmd_redact(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "from-env", required_argument, NULL, OPT_FROM_ENV },
		{ "rules", no_argument, NULL, OPT_REDACT_RULES },
		{ "mask", required_argument, NULL, OPT_MASK },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ NULL, 0, NULL, 0 }
	};
	const char **envs = NULL, **vars = NULL, *mask = NULL, *dir_opt = NULL;
	size_t nenvs = 0, nvars = 0;
	bool use_rules = false;
	hush_redactor *r = NULL;
	hush_redact_stream *s = NULL;
	hush_ruleset *rs = NULL;
	out_buf *o = NULL;
	char *root = NULL, *dir = NULL;
	int opt, rc = EXIT_ERROR;

	/* SECURITY: this process holds plaintext values: no core file, and vectorscan's copies in guarded memory */
	vault_no_core_dumps();
	if (hush_redact_secure_vectorscan() != 0)
		return fail();
	hush_key_set_prompt(vault_tty_passphrase);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "e:", longopts, NULL)) != -1) {
		const char ***list = opt == 'e' ? &envs : &vars;
		size_t *n = opt == 'e' ? &nenvs : &nvars;

		switch (opt) {
		case 'e':
		case OPT_FROM_ENV: {
			const char **nl = hush__reallocarray((void *)*list, *n + 1, sizeof(char *));

			if (!nl) {
				fail();
				goto cleanup;
			}
			nl[(*n)++] = optarg;
			*list = nl;
			break;
		}
		case OPT_REDACT_RULES: use_rules = true; break;
		case OPT_MASK: mask = optarg; break;
		case OPT_DIR: dir_opt = optarg; break;
		default:
			fprintf(stderr, "Run 'hush redact --help' for the options.\n");
			goto cleanup;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s': hush redact reads standard input", argv[optind]);
		goto cleanup;
	}
	if (!nenvs && !nvars && !use_rules) {
		cli_error("nothing to redact: give -e ENV, --from-env VAR or --rules");
		goto cleanup;
	}
	if (hush_redactor_new(&r) != 0 || (mask && hush_redactor_set_mask(r, mask) != 0)) {
		fail();
		goto cleanup;
	}
	if (nenvs) {
		if (!(root = cli_find_root("."))) {
			cli_error("cannot determine the current directory: %s", strerror(errno));
			goto cleanup;
		}
		if (!(dir = dir_opt ? hush__strdup(dir_opt) : hush__path_join(root, ".hush"))) {
			fail();
			goto cleanup;
		}
	}
	for (size_t i = 0; i < nenvs; i++)
		if (add_env(r, root, dir, envs[i]) != 0)
			goto cleanup;
	for (size_t i = 0; i < nvars; i++)
		if (add_var(r, vars[i]) != 0)
			goto cleanup;
	if (use_rules) {
		rule_options ro;

		memset(&ro, 0, sizeof(ro));
		ro.no_config = true;
		if (cli_load_rules(&rs, &ro, NULL, ".") != 0)
			goto cleanup;
		if (hush_redactor_add_rules(r, rs) != 0) {
			fail();
			goto cleanup;
		}
	}
	if (!(o = hush__malloc(sizeof(*o))) || hush_redactor_compile(r) != 0 ||
	    hush_redact_stream_new(&s, r, out_write, o) != 0) {
		fail();
		goto cleanup;
	}
	o->len = 0;
	rc = pump(s, o);
cleanup:
	hush_redact_stream_free(s);
	hush_redactor_free(r);
	hush_ruleset_free(rs);
	free(o);
	free(root);
	free(dir);
	free(envs);
	free(vars);
	return rc;
}
