/* config.c: parse .hush.yml (libyaml) and answer allowlist questions. */
#include <stdlib.h>
#include <string.h>

#include "hush/config.h"
#include "hush/error.h"
#include "scanner/yaml.h"
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

void hush_config_free(hush_config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->salt);
	hush__strv_free(c->rules, c->nrules);
	hush__strv_free(c->disable_rules, c->ndisable_rules);
	hush__strv_free(c->allow_paths, c->nallow_paths);
	hush__strv_free(c->allow_fingerprints, c->nallow_fingerprints);
	free(c);
}

static int parse_allowlist(const hush__yaml *y, yaml_node_t *n, hush_config *c)
{
	if (n->type != YAML_MAPPING_NODE)
		return hush__yaml_fail(y, n, "'allowlist' must be a mapping with 'paths' and 'fingerprints'");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *v = hush__yaml_node(y, p->value);
		const char *key = hush__yaml_key(y, p);
		int err;

		if (!strcmp(key, "paths") && !c->allow_paths)
			err = hush__yaml_strings(y, v, "allowlist.paths", &c->allow_paths, &c->nallow_paths);
		else if (!strcmp(key, "fingerprints") && !c->allow_fingerprints)
			err = hush__yaml_strings(y, v, "allowlist.fingerprints", &c->allow_fingerprints,
						 &c->nallow_fingerprints);
		else
			err = hush__yaml_fail(y, hush__yaml_node(y, p->key), "%s key '%s' in allowlist",
					      strcmp(key, "paths") && strcmp(key, "fingerprints") ? "unknown" : "duplicate",
					      key);
		if (err)
			return err;
	}
	return 0;
}

static int parse_root(const hush__yaml *y, yaml_node_t *root, hush_config *c)
{
	if (root->type != YAML_MAPPING_NODE)
		return hush__yaml_fail(y, root, "expected a mapping of settings at the top");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *v = hush__yaml_node(y, p->value);
		const char *key = hush__yaml_key(y, p);
		int err;

		if (!strcmp(key, "salt") && !c->salt)
			err = hush__yaml_string(y, v, "salt", &c->salt);
		else if (!strcmp(key, "builtin_rules"))
			err = hush__yaml_bool(y, v, "builtin_rules", &c->builtin_rules);
		else if (!strcmp(key, "rules") && !c->rules)
			err = hush__yaml_strings(y, v, "rules", &c->rules, &c->nrules);
		else if (!strcmp(key, "disable_rules") && !c->disable_rules)
			err = hush__yaml_strings(y, v, "disable_rules", &c->disable_rules, &c->ndisable_rules);
		else if (!strcmp(key, "allowlist"))
			err = parse_allowlist(y, v, c);
		else if (!strcmp(key, "salt") || !strcmp(key, "rules") || !strcmp(key, "disable_rules"))
			err = hush__yaml_fail(y, hush__yaml_node(y, p->key), "duplicate key '%s'", key);
		else
			err = hush__yaml_fail(y, hush__yaml_node(y, p->key), "unknown key '%s'", key);
		if (err)
			return err;
	}
	return 0;
}

int hush_config_parse(hush_config **out, const char *name, const char *data, size_t len)
{
	hush__yaml y;
	yaml_node_t *root;
	hush_config *c;
	int err;

	*out = NULL;
	if ((err = hush_config_new(&c)) != 0)
		return err;
	if (!(c->path = hush__strdup(name))) {
		hush_config_free(c);
		return HUSH_ENOMEM;
	}
	if ((err = hush__yaml_load(&y, name, data, len)) != 0) {
		hush_config_free(c);
		return err;
	}
	root = yaml_document_get_root_node(&y.doc);
	if (root)
		err = parse_root(&y, root, c);
	hush__yaml_dispose(&y);
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
