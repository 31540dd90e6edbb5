/* env_source.c: an environment's values from its vault file and its Vault paths, merged (Vault over file). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/remote_cmds.h"
#include "hush/error.h"
#include "hush/remote.h"
#include "hush/vault.h"
#include "common/util.h"
#include "common/banned.h"

void cli_env_result_dispose(cli_env_result *r)
{
	hush_vault_plain_free(r->plain);
	hush__strv_free(r->backends, r->nbackends);
	free(r->key_source);
	memset(r, 0, sizeof(*r));
}

static int add_backend(cli_env_result *r, const char *prefix, const char *name)
{
	hush_buf b = HUSH_BUF_INIT;
	char **nv = hush__reallocarray(r->backends, r->nbackends + 1, sizeof(char *));

	if (!nv)
		return HUSH_ENOMEM;
	r->backends = nv;
	if (hush_buf_printf(&b, "%s%s", prefix, name) || !(nv[r->nbackends] = hush_buf_detach(&b, NULL))) {
		hush_buf_dispose(&b);
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	}
	r->nbackends++;
	return 0;
}

/* path relative to root when it is inside it */
static const char *relative(const char *path, const char *root)
{
	size_t n = root ? strlen(root) : 0;

	if (n && !strncmp(path, root, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

char *cli_file_backend(const char *root, const char *path)
{
	hush_buf b = HUSH_BUF_INIT;

	if (hush_buf_printf(&b, "file:%s", relative(path, root)))
		return NULL;
	return hush_buf_detach(&b, NULL);
}

/* Merge add into *acc (add's names win). Both are consumed. */
static int merge(hush_vault_plain **acc, hush_vault_plain *add)
{
	size_t na, nb, n;
	const char **names = NULL;
	const unsigned char **values = NULL;
	size_t *lens = NULL;
	hush_vault_plain *out = NULL;
	int err = HUSH_ENOMEM;

	if (!*acc) {
		*acc = add;
		return 0;
	}
	na = hush_vault_plain_count(*acc);
	nb = hush_vault_plain_count(add);
	n = na + nb;
	if ((names = hush__calloc(n + 1, sizeof(*names))) && (values = hush__calloc(n + 1, sizeof(*values))) &&
	    (lens = hush__calloc(n + 1, sizeof(*lens)))) {
		for (size_t i = 0; i < n; i++) {
			const hush_vault_plain *p = i < na ? *acc : add;
			size_t k = i < na ? i : i - na;

			names[i] = hush_vault_plain_name(p, k);
			values[i] = hush_vault_plain_value(p, k, &lens[i]);
		}
		err = hush_vault_plain_from(&out, n, names, values, lens);
	}
	free(names);
	free(values);
	free(lens);
	hush_vault_plain_free(*acc);
	hush_vault_plain_free(add);
	*acc = out;
	return err;
}

static int read_remote(cli_env_result *out, const char *spec, const char *ns)
{
	hush_remote_ref ref;
	hush_vault_plain *p = NULL;
	int err;

	if ((err = hush_remote_ref_parse(&ref, spec)) != 0)
		return err;
	if ((err = add_backend(out, "vault://", ref.display)) == 0) {
		out->remote = true;
		if ((err = hush_remote_read(&p, &ref, ns)) == 0)
			err = merge(&out->plain, p);
	}
	hush_remote_ref_dispose(&ref);
	return err;
}

int cli_env_load(cli_env_result *out, const cli_env_request *rq)
{
	const hush_config_env *ce = rq->env ? hush_config_env_find(rq->cfg, rq->env) : NULL;
	hush_vault *v = NULL;
	hush_secret *sk = NULL;
	hush_vault_plain *p = NULL;
	hush_buf path = HUSH_BUF_INIT;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (ce || rq->nfrom)
		hush_remote_preload(); /* libcurl loads while the vault file is read and decrypted */
	if (rq->env && rq->dir) {
		if (hush_buf_printf(&path, "%s/%s.json", rq->dir, rq->env)) {
			err = (hush_error_set("out of memory"), HUSH_ENOMEM);
			goto cleanup;
		}
		err = hush_vault_load(&v, path.ptr, rq->env);
		if (err == HUSH_ENOTFOUND && ce) {
			err = 0; /* a Vault-backed environment needs no vault file */
		} else if (err == 0) {
			if ((err = add_backend(out, "file:", relative(path.ptr, rq->root))) != 0 ||
			    (err = hush_key_find(&sk, &out->key_source, rq->env, NULL)) != 0 ||
			    (err = hush_vault_check_key(v, sk, out->key_source)) != 0 ||
			    (err = hush_vault_decrypt_all(&p, v, sk)) != 0)
				goto cleanup;
			out->plain = p;
			p = NULL;
		} else {
			goto cleanup;
		}
	}
	if (ce && (err = read_remote(out, ce->vault, ce->namespace_)) != 0) {
		if (err == HUSH_EINVALID && !out->remote)
			hush_error_prefix("%s:%zu:%zu: environments.%s.vault", rq->cfg->path ? rq->cfg->path : ".hush.yml",
					  ce->line, ce->column, ce->name);
		goto cleanup;
	}
	for (size_t i = 0; i < rq->nfrom; i++)
		if ((err = read_remote(out, rq->from[i], NULL)) != 0)
			goto cleanup;
	if (!out->plain && (err = hush_vault_plain_from(&out->plain, 0, NULL, NULL, NULL)) != 0)
		goto cleanup;
cleanup:
	if (err) {
		hush_vault_plain_free(out->plain); /* SECURITY: nothing half-loaded survives a failure */
		out->plain = NULL;
	}
	hush_vault_plain_free(p);
	hush_secret_free(sk);
	hush_vault_free(v);
	hush_buf_dispose(&path);
	return err;
}
