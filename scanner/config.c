/* config.c: parse .hush.yml (libyaml) and answer allowlist questions. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "hush/config.h"
#include "hush/error.h"
#include "common/util.h"
#include "common/banned.h"

#define CONFIG_CAP (4u << 20)

int hush_config_new(hush_config **out)
{
	*out = hush__calloc(1, sizeof(**out));
	if (!*out)
		return HUSH_ENOMEM;
	(*out)->builtin_rules = true;
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void hush_config_free(hush_config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->salt);
	free_strv(c->rules, c->nrules);
	free_strv(c->disable_rules, c->ndisable_rules);
	free_strv(c->allow_paths, c->nallow_paths);
	free_strv(c->allow_fingerprints, c->nallow_fingerprints);
	free(c);
}

typedef struct {
	yaml_document_t *doc;
	const char *name;
} cfg_loader;

static int fail_at(const cfg_loader *ld, const yaml_node_t *n, const char *msg, const char *arg)
{
	hush_error_set("%s:%zu:%zu: %s%s%s%s", ld->name, n->start_mark.line + 1, n->start_mark.column + 1, msg,
		       arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return HUSH_EINVALID;
}

static int get_scalar(const cfg_loader *ld, yaml_node_t *n, const char *what, char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(ld, n, "expected a string for", what);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return fail_at(ld, n, "NUL byte in", what);
	*out = hush__strndup((const char *)n->data.scalar.value, n->data.scalar.length);
	return *out ? 0 : HUSH_ENOMEM;
}

static int get_list(const cfg_loader *ld, yaml_node_t *n, const char *what, char ***out, size_t *nout)
{
	size_t count;

	if (*out)
		return fail_at(ld, n, "duplicate key", what);
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, n, "expected a list of strings for", what);
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!(*out = hush__calloc(count, sizeof(char *))))
		return HUSH_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		int err = get_scalar(ld, yaml_document_get_node(ld->doc, n->data.sequence.items.start[i]), what,
				     &(*out)[i]);

		*nout = i + 1;
		if (err)
			return err;
	}
	*nout = count;
	return 0;
}

static int parse_allowlist(const cfg_loader *ld, yaml_node_t *n, hush_config *c)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, "expected a mapping for", "allowlist");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, p->key), *v = yaml_document_get_node(ld->doc, p->value);
		const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
		int err;

		if (!strcmp(key, "paths"))
			err = get_list(ld, v, "allowlist.paths", &c->allow_paths, &c->nallow_paths);
		else if (!strcmp(key, "fingerprints"))
			err = get_list(ld, v, "allowlist.fingerprints", &c->allow_fingerprints,
				       &c->nallow_fingerprints);
		else
			err = fail_at(ld, k, "unknown key in allowlist:", key);
		if (err)
			return err;
	}
	return 0;
}

int hush_config_parse(hush_config **out, const char *name, const char *data, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	cfg_loader ld = { &doc, name };
	hush_config *c;
	int err = 0;

	*out = NULL;
	if ((err = hush_config_new(&c)) != 0)
		return err;
	if (!(c->path = hush__strdup(name))) {
		hush_config_free(c);
		return HUSH_ENOMEM;
	}
	if (!yaml_parser_initialize(&parser)) {
		hush_config_free(c);
		return hush_error_set("cannot initialise the YAML parser"), HUSH_ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		hush_error_set("%s:%zu:%zu: %s", name, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			       parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		hush_config_free(c);
		return HUSH_EINVALID;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type != YAML_MAPPING_NODE) {
		err = fail_at(&ld, root, "expected a mapping at the top of", name);
		goto cleanup;
	}
	for (yaml_node_pair_t *p = root ? root->data.mapping.pairs.start : NULL; root && p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key), *v = yaml_document_get_node(&doc, p->value);
		const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";

		if (!strcmp(key, "salt")) {
			free(c->salt);
			c->salt = NULL;
			err = get_scalar(&ld, v, "salt", &c->salt);
		} else if (!strcmp(key, "builtin_rules")) {
			char *s = NULL;

			if (!(err = get_scalar(&ld, v, "builtin_rules", &s))) {
				if (!strcmp(s, "true"))
					c->builtin_rules = true;
				else if (!strcmp(s, "false"))
					c->builtin_rules = false;
				else
					err = fail_at(&ld, v, "builtin_rules must be true or false, not", s);
			}
			free(s);
		} else if (!strcmp(key, "rules")) {
			err = get_list(&ld, v, "rules", &c->rules, &c->nrules);
		} else if (!strcmp(key, "disable_rules")) {
			err = get_list(&ld, v, "disable_rules", &c->disable_rules, &c->ndisable_rules);
		} else if (!strcmp(key, "allowlist")) {
			err = parse_allowlist(&ld, v, c);
		} else {
			err = fail_at(&ld, k, "unknown key", key);
		}
		if (err)
			goto cleanup;
	}
cleanup:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (err) {
		hush_config_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int hush_config_load(hush_config **out, const char *path)
{
	hush_buf b = HUSH_BUF_INIT;
	int err = hush__read_file(&b, path, CONFIG_CAP);

	if (!err)
		err = hush_config_parse(out, path, b.ptr, b.len);
	hush_buf_dispose(&b);
	return err;
}

bool hush_config_path_allowed(const hush_config *c, const char *relpath)
{
	for (size_t i = 0; c && i < c->nallow_paths; i++)
		if (hush__glob_match(c->allow_paths[i], relpath))
			return true;
	return false;
}

bool hush_config_fingerprint_allowed(const hush_config *c, const char *fp)
{
	for (size_t i = 0; c && i < c->nallow_fingerprints; i++)
		if (!strcmp(c->allow_fingerprints[i], fp))
			return true;
	return false;
}
