/* config.c: parse .hush.yml (libyaml) and answer allowlist questions. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hush/config.h"
#include "hush/error.h"
#include "hush/fingerprint.h"
#include "scanner/yaml.h"
#include "common/util.h"
#include "common/banned.h"

#define CONFIG_CAP (4u << 20)
/* PCRE2's limits for allow regexes (the matcher uses the same): steps, and backtracking depth */
#define ALLOW_MATCH_LIMIT 1000000u
#define ALLOW_DEPTH_LIMIT 10000u

struct hush_allow_regex {
	pcre2_code *code;
};

int hush_config_new(hush_config **out)
{
	*out = hush__calloc(1, sizeof(**out));
	if (!*out)
		return HUSH_ENOMEM;
	(*out)->builtin_rules = true;
	return 0;
}

static void allow_dispose(hush_allow *a)
{
	hush__strv_free(a->paths, a->npaths);
	for (size_t i = 0; i < a->nregexes; i++) {
		if (a->regexes[i])
			pcre2_code_free(a->regexes[i]->code);
		free(a->regexes[i]);
	}
	free(a->regexes);
	hush__strv_free(a->stopwords, a->nstopwords);
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
	allow_dispose(&c->allow);
	for (size_t i = 0; i < c->nallow_rules; i++) {
		free(c->allow_rules[i].rule_id);
		allow_dispose(&c->allow_rules[i].allow);
	}
	free(c->allow_rules);
	for (size_t i = 0; i < c->nenvs; i++) {
		free(c->envs[i].name);
		free(c->envs[i].vault);
		free(c->envs[i].namespace_);
	}
	free(c->envs);
	free(c);
}

/* The node of item i of a list read by hush__yaml_strings (a single string counts as a list of one). */
static yaml_node_t *item_node(const hush__yaml *y, yaml_node_t *n, size_t i)
{
	return n->type == YAML_SEQUENCE_NODE ? hush__yaml_node(y, n->data.sequence.items.start[i]) : n;
}

static bool is_fingerprint(const char *s, size_t len)
{
	if (len != HUSH_FINGERPRINT_HEXLEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void lowercase(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int append_fingerprint(hush_config *c, const char *fp, size_t len)
{
	char **nv = hush__reallocarray(c->allow_fingerprints, c->nallow_fingerprints + 1, sizeof(char *));

	if (!nv)
		return HUSH_ENOMEM;
	c->allow_fingerprints = nv;
	if (!(nv[c->nallow_fingerprints] = hush__strndup(fp, len)))
		return HUSH_ENOMEM;
	lowercase(nv[c->nallow_fingerprints++]);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_fingerprints(hush_config *c)
{
	if (c->nallow_fingerprints > 1)
		qsort(c->allow_fingerprints, c->nallow_fingerprints, sizeof(char *), cmp_str);
}

static int parse_fingerprints(const hush__yaml *y, yaml_node_t *n, const char *what, hush_config *c)
{
	char **v = NULL;
	size_t nv = 0;
	int err = hush__yaml_strings(y, n, what, &v, &nv);

	for (size_t i = 0; !err && i < nv; i++) {
		if (!is_fingerprint(v[i], strlen(v[i])))
			err = hush__yaml_fail(y, item_node(y, n, i), "'%s' entries are fingerprints: %d hexadecimal digits",
					      what, HUSH_FINGERPRINT_HEXLEN);
		else
			err = append_fingerprint(c, v[i], strlen(v[i]));
	}
	hush__strv_free(v, nv);
	return err;
}

static int parse_regexes(const hush__yaml *y, yaml_node_t *n, const char *what, hush_allow *a)
{
	char **v = NULL;
	size_t nv = 0;
	int err = hush__yaml_strings(y, n, what, &v, &nv);

	if (!err && nv && !(a->regexes = hush__calloc(nv, sizeof(*a->regexes))))
		err = HUSH_ENOMEM;
	for (size_t i = 0; !err && i < nv; i++) {
		PCRE2_SIZE erroff;
		int errcode;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)v[i], PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);

		if (!code) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(errcode, msg, sizeof(msg));
			err = hush__yaml_fail(y, item_node(y, n, i), "invalid regex in '%s': %s at offset %zu", what,
					      (const char *)msg, (size_t)erroff);
			break;
		}
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* optional: the interpreter is the fallback */
		if (!(a->regexes[i] = hush__calloc(1, sizeof(hush_allow_regex)))) {
			pcre2_code_free(code);
			err = HUSH_ENOMEM;
			break;
		}
		a->regexes[i]->code = code;
		a->nregexes = i + 1;
	}
	hush__strv_free(v, nv);
	return err;
}

static int parse_stopwords(const hush__yaml *y, yaml_node_t *n, const char *what, hush_allow *a)
{
	int err = hush__yaml_strings(y, n, what, &a->stopwords, &a->nstopwords);

	for (size_t i = 0; !err && i < a->nstopwords; i++)
		lowercase(a->stopwords[i]);
	return err;
}

static int parse_rule_allows(const hush__yaml *y, yaml_node_t *n, hush_config *c);

/*
 * One allow set. section is "allow", "allowlist" or "allow.rules.ID"; c is set for the global part (paths go to
 * c->allow_paths, fingerprints and rules are accepted), NULL for a rule's part.
 */
static int parse_allow(const hush__yaml *y, yaml_node_t *n, const char *section, hush_config *c, hush_allow *a)
{
	static const char *const keys[] = { "paths", "regexes", "stopwords", "fingerprints", "rules" };
	bool seen[5] = { false };
	char what[256];

	if (n->type != YAML_MAPPING_NODE)
		return hush__yaml_fail(y, n, "'%s' must be a mapping with %s", section,
				       c ? "'paths', 'regexes', 'stopwords', 'fingerprints' or 'rules'"
					 : "'paths', 'regexes' or 'stopwords'");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *v = hush__yaml_node(y, p->value), *k = hush__yaml_node(y, p->key);
		const char *key = hush__yaml_key(y, p);
		size_t ki, nkeys = c ? (strcmp(section, "allow") ? 4 : 5) : 3;
		int err;

		for (ki = 0; ki < nkeys && strcmp(key, keys[ki]); ki++)
			;
		if (ki == nkeys) {
			if (!strcmp(key, "rules") && c)
				return hush__yaml_fail(y, k, "'rules' belongs under 'allow', not '%s'", section);
			return hush__yaml_fail(y, k, "unknown key '%s' in %s", key, section);
		}
		if (seen[ki])
			return hush__yaml_fail(y, k, "duplicate key '%s' in %s", key, section);
		seen[ki] = true;
		snprintf(what, sizeof(what), "%s.%s", section, key);
		switch (ki) {
		case 0:
			err = c ? hush__yaml_strings(y, v, what, &c->allow_paths, &c->nallow_paths)
				: hush__yaml_strings(y, v, what, &a->paths, &a->npaths);
			break;
		case 1: err = parse_regexes(y, v, what, a); break;
		case 2: err = parse_stopwords(y, v, what, a); break;
		case 3: err = parse_fingerprints(y, v, what, c); break;
		default: err = parse_rule_allows(y, v, c); break;
		}
		if (err)
			return err;
	}
	return 0;
}

static int parse_rule_allows(const hush__yaml *y, yaml_node_t *n, hush_config *c)
{
	size_t count;

	if (n->type != YAML_MAPPING_NODE)
		return hush__yaml_fail(y, n, "'allow.rules' must be a mapping of rule ids to allow sets");
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (count && !(c->allow_rules = hush__calloc(count, sizeof(hush_rule_allow))))
		return HUSH_ENOMEM;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = hush__yaml_node(y, p->key);
		hush_rule_allow *ra = &c->allow_rules[c->nallow_rules];
		char section[256];
		int err;

		if ((err = hush__yaml_string(y, k, "allow.rules key", &ra->rule_id)) != 0)
			return err;
		ra->line = k->start_mark.line + 1;
		ra->column = k->start_mark.column + 1;
		c->nallow_rules++;
		if (!ra->rule_id[0])
			return hush__yaml_fail(y, k, "empty rule id in allow.rules");
		for (size_t i = 0; i + 1 < c->nallow_rules; i++)
			if (!strcmp(c->allow_rules[i].rule_id, ra->rule_id))
				return hush__yaml_fail(y, k, "duplicate rule '%s' in allow.rules", ra->rule_id);
		snprintf(section, sizeof(section), "allow.rules.%s", ra->rule_id);
		if ((err = parse_allow(y, hush__yaml_node(y, p->value), section, NULL, &ra->allow)) != 0)
			return err;
	}
	return 0;
}

/* [a-z0-9_-]{1,32}, as hush_vault_env_valid (the scanner does not include injector headers) */
static bool env_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 32)
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* A KV v2 path: no whitespace or control characters, not empty (the Vault client checks the rest). */
static bool vault_path_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int parse_envs(const hush__yaml *y, yaml_node_t *n, hush_config *c)
{
	size_t count;

	if (n->type != YAML_MAPPING_NODE)
		return hush__yaml_fail(y, n, "'environments' must be a mapping of environment names to settings, e.g. "
				       "prod: {vault: \"secret/data/myapp/prod\"}");
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (count && !(c->envs = hush__calloc(count, sizeof(*c->envs))))
		return HUSH_ENOMEM;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = hush__yaml_node(y, p->key), *v = hush__yaml_node(y, p->value);
		hush_config_env *e = &c->envs[c->nenvs];
		int err;

		if ((err = hush__yaml_string(y, k, "environments key", &e->name)) != 0)
			return err;
		e->line = k->start_mark.line + 1;
		e->column = k->start_mark.column + 1;
		c->nenvs++;
		if (!env_name_ok(e->name))
			return hush__yaml_fail(y, k, "invalid environment name '%s' in environments: use 1 to 32 of a-z, 0-9, "
					       "'_' and '-'", e->name);
		for (size_t i = 0; i + 1 < c->nenvs; i++)
			if (!strcmp(c->envs[i].name, e->name))
				return hush__yaml_fail(y, k, "duplicate environment '%s' in environments", e->name);
		if (v->type != YAML_MAPPING_NODE)
			return hush__yaml_fail(y, v, "environments.%s must be a mapping with 'vault' (and optionally "
					       "'namespace')", e->name);
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *qk = hush__yaml_node(y, q->key), *qv = hush__yaml_node(y, q->value);
			const char *key = hush__yaml_key(y, q);
			char what[96];
			char **slot = !strcmp(key, "vault") ? &e->vault : !strcmp(key, "namespace") ? &e->namespace_ : NULL;

			if (!slot)
				return hush__yaml_fail(y, qk, "unknown key '%s' in environments.%s (known: vault, namespace)",
						       key, e->name);
			if (*slot)
				return hush__yaml_fail(y, qk, "duplicate key '%s' in environments.%s", key, e->name);
			snprintf(what, sizeof(what), "environments.%s.%s", e->name, key);
			if ((err = hush__yaml_string(y, qv, what, slot)) != 0)
				return err;
			if (!vault_path_ok(*slot))
				return hush__yaml_fail(y, qv, "'%s' must be a non-empty string without spaces", what);
		}
		if (!e->vault)
			return hush__yaml_fail(y, v, "environments.%s has no 'vault' path (e.g. vault: "
					       "\"secret/data/myapp/%s\")", e->name, e->name);
	}
	return 0;
}

static int parse_audit(const hush__yaml *y, yaml_node_t *n, hush_config *c)
{
	char **v = NULL;
	size_t nv = 0;
	int err = hush__yaml_strings(y, n, "audit", &v, &nv);

	for (size_t i = 0; !err && i < nv; i++) {
		if (!strcmp(v[i], "file"))
			c->audit_dest |= HUSH_CONFIG_AUDIT_FILE;
		else if (!strcmp(v[i], "syslog"))
			c->audit_dest |= HUSH_CONFIG_AUDIT_SYSLOG;
		else if (!strcmp(v[i], "required"))
			c->audit_required = true;
		else
			err = hush__yaml_fail(y, item_node(y, n, i), "unknown audit setting '%s': use file, syslog or required "
					      "(or a list of them)", v[i]);
	}
	hush__strv_free(v, nv);
	return err;
}

const hush_config_env *hush_config_env_find(const hush_config *c, const char *name)
{
	for (size_t i = 0; c && i < c->nenvs; i++)
		if (!strcmp(c->envs[i].name, name))
			return &c->envs[i];
	return NULL;
}

static int parse_root(const hush__yaml *y, yaml_node_t *root, hush_config *c)
{
	bool seen_envs = false, seen_audit = false;

	const char *allow_key = NULL;

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
		else if ((!strcmp(key, "allow") || !strcmp(key, "allowlist")) && allow_key)
			err = hush__yaml_fail(y, hush__yaml_node(y, p->key), "%s key '%s'%s",
					      strcmp(key, allow_key) ? "conflicting" : "duplicate", key,
					      strcmp(key, allow_key) ? ": 'allowlist' is the old name of 'allow', use one"
								     : "");
		else if (!strcmp(key, "allow") || !strcmp(key, "allowlist"))
			err = parse_allow(y, v, allow_key = key, c, &c->allow);
		else if (!strcmp(key, "environments") && !seen_envs && (seen_envs = true))
			err = parse_envs(y, v, c);
		else if (!strcmp(key, "audit") && !seen_audit && (seen_audit = true))
			err = parse_audit(y, v, c);
		else if (!strcmp(key, "salt") || !strcmp(key, "rules") || !strcmp(key, "disable_rules") ||
			 !strcmp(key, "environments") || !strcmp(key, "audit"))
			err = hush__yaml_fail(y, hush__yaml_node(y, p->key), "duplicate key '%s'", key);
		else
			err = hush__yaml_fail(y, hush__yaml_node(y, p->key), "unknown key '%s'", key);
		if (err)
			return err;
	}
	sort_fingerprints(c);
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
	return c && c->nallow_fingerprints &&
	       bsearch(&fp, c->allow_fingerprints, c->nallow_fingerprints, sizeof(char *), cmp_str) != NULL;
}

static bool secret_allowed(const hush_allow *a, const char *secret, size_t len)
{
	for (size_t i = 0; i < a->nstopwords; i++)
		if (hush__memcasemem(secret, len, a->stopwords[i], strlen(a->stopwords[i])))
			return true;
	for (size_t i = 0; i < a->nregexes; i++) {
		/* match data per call: findings come from many threads, the compiled code is shared read-only */
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		pcre2_match_context *mc = pcre2_match_context_create(NULL);
		int rc = PCRE2_ERROR_NOMEMORY;

		/*
		 * Bounded like the rules' own patterns: a regex that backtracks without end, "(a+)+$" say, gives up at
		 * the limit, and a regex that gave up suppresses nothing (found by fuzz_config: 10 ms to seconds a call)
		 */
		if (md && mc) {
			pcre2_set_match_limit(mc, ALLOW_MATCH_LIMIT);
			pcre2_set_depth_limit(mc, ALLOW_DEPTH_LIMIT);
			rc = pcre2_match(a->regexes[i]->code, (PCRE2_SPTR)secret, len, 0, 0, md, mc);
		}
		pcre2_match_context_free(mc);
		pcre2_match_data_free(md);
		if (rc >= 0)
			return true;
	}
	return false;
}

bool hush_config_finding_allowed(const hush_config *c, const char *rule_id, const char *relpath, const char *secret,
				 size_t len)
{
	if (!c)
		return false;
	if (secret_allowed(&c->allow, secret, len))
		return true;
	for (size_t i = 0; i < c->nallow_rules; i++) {
		const hush_allow *a = &c->allow_rules[i].allow;

		if (strcmp(c->allow_rules[i].rule_id, rule_id))
			continue;
		for (size_t k = 0; relpath && relpath[0] && k < a->npaths; k++)
			if (hush__glob_match(a->paths[k], relpath))
				return true;
		return secret_allowed(a, secret, len);
	}
	return false;
}

int hush_config_parse_ignore(hush_config *c, const char *name, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	size_t lineno = 0;
	int err;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s = p, *e;

		if (!eol)
			eol = end;
		lineno++;
		e = memchr(p, '#', (size_t)(eol - p));
		if (!e)
			e = eol;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s < e) {
			if (!is_fingerprint(s, (size_t)(e - s))) {
				hush_error_set("%s:%zu:%zu: expected a fingerprint (%d hexadecimal digits), then optionally "
					       "'# comment'", name, lineno, (size_t)(s - p) + 1, HUSH_FINGERPRINT_HEXLEN);
				return HUSH_EINVALID;
			}
			if ((err = append_fingerprint(c, s, (size_t)(e - s))) != 0)
				return err;
		}
		p = eol + 1;
	}
	sort_fingerprints(c);
	return 0;
}

int hush_config_load_ignore(hush_config **cfg, const char *path)
{
	hush_buf b = HUSH_BUF_INIT;
	hush_config *created = NULL;
	struct stat st;
	int err;

	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if ((err = hush__read_file(&b, path, CONFIG_CAP)) != 0)
		return err;
	if (!*cfg && (err = hush_config_new(&created)) == 0)
		*cfg = created;
	if (!err)
		err = hush_config_parse_ignore(*cfg, path, b.ptr, b.len);
	hush_buf_dispose(&b);
	return err;
}

int hush_config_check_rule_ids(const hush_config *c, bool (*known)(const char *id, void *payload), void *payload)
{
	for (size_t i = 0; c && i < c->nallow_rules; i++)
		if (!known(c->allow_rules[i].rule_id, payload)) {
			hush_error_set("%s:%zu:%zu: unknown rule '%s' in allow.rules", c->path ? c->path : ".hush.yml",
				       c->allow_rules[i].line, c->allow_rules[i].column, c->allow_rules[i].rule_id);
			return HUSH_ENOTFOUND;
		}
	return 0;
}
