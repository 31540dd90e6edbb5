/* rules.c: load YAML rule files (libyaml document API) into a validated hush_ruleset. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "hush/error.h"
#include "hush/matcher.h"
#include "hush/rules.h"
#include "scanner/builtin.h"
#include "scanner/yaml.h"
#include "common/util.h"
#include "common/banned.h"

#define RULE_FILE_CAP (16u << 20)

struct hush_ruleset {
	hush_rule *rules;
	size_t count, alloc;
};

const char *hush_confidence_name(hush_confidence c)
{
	switch (c) {
	case HUSH_CONFIDENCE_HIGH: return "high";
	case HUSH_CONFIDENCE_MEDIUM: return "medium";
	default: return "low";
	}
}

static void free_examples(hush_rule_example *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].secret);
		hush__strv_free(v[i].found_by, v[i].nfound_by);
	}
	free(v);
}

static void rule_dispose(hush_rule *r)
{
	free(r->id);
	free(r->description);
	free(r->pattern);
	free(r->prefilter);
	free(r->prefilter_note);
	hush__strv_free(r->keywords, r->nkeywords);
	hush__strv_free(r->stopwords, r->nstopwords);
	hush__strv_free(r->references, r->nreferences);
	free_examples(r->examples, r->nexamples);
	free_examples(r->negatives, r->nnegatives);
	free(r->source);
	sodium_free(r->literal_value); /* wiped */
	memset(r, 0, sizeof(*r));
}

int hush_ruleset_new(hush_ruleset **out)
{
	*out = hush__calloc(1, sizeof(**out));
	return *out ? 0 : HUSH_ENOMEM;
}

void hush_ruleset_free(hush_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->count; i++)
		rule_dispose(&rs->rules[i]);
	free(rs->rules);
	free(rs);
}

size_t hush_ruleset_count(const hush_ruleset *rs)
{
	return rs->count;
}

const hush_rule *hush_ruleset_get(const hush_ruleset *rs, size_t i)
{
	return i < rs->count ? &rs->rules[i] : NULL;
}

const hush_rule *hush_ruleset_find(const hush_ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->count; i++)
		if (!strcmp(rs->rules[i].id, id))
			return &rs->rules[i];
	return NULL;
}

int hush_ruleset_add_literal(hush_ruleset *rs, const char *id, const char *description, const void *value,
			     size_t len)
{
	hush_rule r;

	if (len < 6 || len > HUSH_MAX_RULE_WIDTH)
		return hush_error_set("a literal value must be 6 to %u bytes long", HUSH_MAX_RULE_WIDTH), HUSH_EINVALID;
	if (sodium_init() < 0)
		return hush_error_set("cannot initialise libsodium"), HUSH_ERROR;
	memset(&r, 0, sizeof(r));
	r.literal = true;
	r.literal_len = len;
	r.confidence = HUSH_CONFIDENCE_HIGH;
	r.id = hush__strdup(id);
	r.description = hush__strdup(description);
	r.pattern = hush__strdup("(an exact value)");
	r.source = hush__strdup("(exact values)");
	r.literal_value = sodium_malloc(len);
	if (!r.id || !r.description || !r.pattern || !r.source || !r.literal_value ||
	    hush__array_grow((void **)&rs->rules, &rs->alloc, rs->count, sizeof(hush_rule))) {
		rule_dispose(&r);
		return hush_error_set("out of memory"), HUSH_ENOMEM;
	}
	memcpy(r.literal_value, value, len);
	rs->rules[rs->count++] = r;
	return 0;
}

int hush_ruleset_disable(hush_ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->count; i++) {
		if (strcmp(rs->rules[i].id, id))
			continue;
		rule_dispose(&rs->rules[i]);
		memmove(&rs->rules[i], &rs->rules[i + 1], (rs->count - i - 1) * sizeof(hush_rule));
		rs->count--;
		return 0;
	}
	hush_error_set("unknown rule '%s'", id);
	return HUSH_ENOTFOUND;
}

static int examples(const hush__yaml *ld, yaml_node_t *n, bool positive, hush_rule_example **out, size_t *nout)
{
	const char *what = positive ? "examples" : "negative_examples";
	size_t count;
	int err;

	if (n->type != YAML_SEQUENCE_NODE)
		return hush__yaml_fail(ld, n, "'%s' must be a list", what);
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*out = hush__calloc(count, sizeof(hush_rule_example));
	if (!*out)
		return HUSH_ENOMEM;
	*nout = 0;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = hush__yaml_node(ld, n->data.sequence.items.start[i]);
		hush_rule_example *ex = &(*out)[i];

		*nout = i + 1;
		ex->line = (unsigned)item->start_mark.line + 1;
		if (item->type == YAML_SCALAR_NODE) {
			if (positive)
				return hush__yaml_fail(ld, item, "each example must be a mapping with 'text' and 'secret'");
			if ((err = hush__yaml_string(ld, item, what, &ex->text)) != 0)
				return err;
			continue;
		}
		if (item->type != YAML_MAPPING_NODE)
			return hush__yaml_fail(ld, item, positive ? "each example must be a mapping with 'text' and 'secret'"
								  : "each negative example must be a string, or a mapping "
								    "with 'text' and 'found_by'");
		for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top; p++) {
			yaml_node_t *k = hush__yaml_node(ld, p->key), *v = hush__yaml_node(ld, p->value);
			const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";

			if (!strcmp(key, "text"))
				err = ex->text ? hush__yaml_fail(ld, k, "duplicate key 'text'") : hush__yaml_string(ld, v, "text", &ex->text);
			else if (positive && !strcmp(key, "secret"))
				err = ex->secret ? hush__yaml_fail(ld, k, "duplicate key 'secret'")
						 : hush__yaml_string(ld, v, "secret", &ex->secret);
			else if (!positive && !strcmp(key, "found_by"))
				err = ex->found_by ? hush__yaml_fail(ld, k, "duplicate key 'found_by'")
						   : hush__yaml_strings(ld, v, "found_by", &ex->found_by, &ex->nfound_by);
			else
				err = hush__yaml_fail(ld, k, "unknown key '%s' in %s", key,
						      positive ? "example" : "negative example");
			if (err)
				return err;
		}
		if (!positive) {
			if (!ex->text || !ex->nfound_by)
				return hush__yaml_fail(ld, item, "negative example needs both 'text' and 'found_by'");
			continue;
		}
		if (!ex->text || !ex->secret)
			return hush__yaml_fail(ld, item, "example needs both 'text' and 'secret'");
		if (!ex->secret[0])
			return hush__yaml_fail(ld, item, "example 'secret' must not be empty");
	}
	return 0;
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64 || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
			return false;
	return true;
}

static int parse_rule(const hush__yaml *ld, yaml_node_t *n, hush_rule *r)
{
	bool seen_conf = false;
	int err = 0;

	if (n->type != YAML_MAPPING_NODE)
		return hush__yaml_fail(ld, n, "each rule must be a mapping");
	r->line = (unsigned)n->start_mark.line + 1;
	r->column = (unsigned)n->start_mark.column + 1;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !err; p++) {
		yaml_node_t *k = hush__yaml_node(ld, p->key), *v = hush__yaml_node(ld, p->value);
		const char *key;

		if (k->type != YAML_SCALAR_NODE)
			return hush__yaml_fail(ld, k, "rule keys must be strings");
		key = (const char *)k->data.scalar.value;
#define ONCE(field) \
	if (field) \
		return hush__yaml_fail(ld, k, "duplicate key '%s'", key)
		if (!strcmp(key, "id")) {
			ONCE(r->id);
			if (!(err = hush__yaml_string(ld, v, key, &r->id)) && !valid_id(r->id))
				err = hush__yaml_fail(ld, v, "invalid rule id '%s': use 1 to 64 characters of [a-z0-9-]",
					      r->id);
		} else if (!strcmp(key, "description")) {
			ONCE(r->description);
			err = hush__yaml_string(ld, v, key, &r->description);
		} else if (!strcmp(key, "pattern")) {
			ONCE(r->pattern);
			r->pattern_line = (unsigned)v->start_mark.line + 1;
			r->pattern_column = (unsigned)v->start_mark.column + 1;
			if (!(err = hush__yaml_string(ld, v, key, &r->pattern)) && !r->pattern[0])
				err = hush__yaml_fail(ld, v, "'pattern' must not be empty");
		} else if (!strcmp(key, "prefilter")) {
			ONCE(r->prefilter);
			r->prefilter_line = (unsigned)v->start_mark.line + 1;
			r->prefilter_column = (unsigned)v->start_mark.column + 1;
			if (!(err = hush__yaml_string(ld, v, key, &r->prefilter)) && !r->prefilter[0])
				err = hush__yaml_fail(ld, v, "'prefilter' must not be empty");
		} else if (!strcmp(key, "prefilter_note")) {
			ONCE(r->prefilter_note);
			if (!(err = hush__yaml_string(ld, v, key, &r->prefilter_note)) && !r->prefilter_note[0])
				err = hush__yaml_fail(ld, v, "'prefilter_note' must not be empty");
		} else if (!strcmp(key, "keywords")) {
			ONCE(r->keywords);
			err = hush__yaml_strings(ld, v, key, &r->keywords, &r->nkeywords);
		} else if (!strcmp(key, "stopwords")) {
			ONCE(r->stopwords);
			err = hush__yaml_strings(ld, v, key, &r->stopwords, &r->nstopwords);
		} else if (!strcmp(key, "references")) {
			ONCE(r->references);
			err = hush__yaml_strings(ld, v, key, &r->references, &r->nreferences);
		} else if (!strcmp(key, "min_entropy")) {
			char *s = NULL, *end;

			if ((err = hush__yaml_string(ld, v, key, &s)) != 0)
				break;
			errno = 0;
			r->min_entropy = strtod(s, &end);
			if (errno || end == s || *end || r->min_entropy < 0 || r->min_entropy > 8)
				err = hush__yaml_fail(ld, v, "'min_entropy' must be a number from 0 to 8, not '%s'", s);
			free(s);
		} else if (!strcmp(key, "confidence")) {
			char *s = NULL;

			if ((err = hush__yaml_string(ld, v, key, &s)) != 0)
				break;
			seen_conf = true;
			if (!strcmp(s, "high"))
				r->confidence = HUSH_CONFIDENCE_HIGH;
			else if (!strcmp(s, "medium"))
				r->confidence = HUSH_CONFIDENCE_MEDIUM;
			else if (!strcmp(s, "low"))
				r->confidence = HUSH_CONFIDENCE_LOW;
			else
				err = hush__yaml_fail(ld, v, "'confidence' must be high, medium or low, not '%s'", s);
			free(s);
		} else if (!strcmp(key, "generic")) {
			err = hush__yaml_bool(ld, v, key, &r->generic);
		} else if (!strcmp(key, "examples")) {
			ONCE(r->examples);
			err = examples(ld, v, true, &r->examples, &r->nexamples);
		} else if (!strcmp(key, "negative_examples")) {
			ONCE(r->negatives);
			err = examples(ld, v, false, &r->negatives, &r->nnegatives);
		} else {
			err = hush__yaml_fail(ld, k, "unknown key '%s' in rule%s%s%s", key, r->id ? " '" : "",
				      r->id ? r->id : "", r->id ? "'" : "");
		}
#undef ONCE
	}
	if (err)
		return err;
	if (!r->id)
		return hush__yaml_fail(ld, n, "rule has no 'id'");
	if (!r->description)
		return hush__yaml_fail(ld, n, "rule '%s' has no 'description'", r->id);
	if (!r->pattern)
		return hush__yaml_fail(ld, n, "rule '%s' has no 'pattern'", r->id);
	if (!r->nkeywords)
		return hush__yaml_fail(ld, n, "rule '%s' has no 'keywords'", r->id);
	if (!seen_conf)
		return hush__yaml_fail(ld, n, "rule '%s' has no 'confidence'", r->id);
	return 0;
}

/* Move the rules of one file into the ruleset: a rule from a later file replaces the earlier one with the same id. */
static int merge_rules(hush_ruleset *rs, hush_rule *added, size_t *nadded)
{
	size_t want = rs->count + *nadded;

	/* room for all of them first, so that nothing below can fail half-way */
	if (want > rs->alloc) {
		hush_rule *nv = hush__reallocarray(rs->rules, want, sizeof(hush_rule));

		if (!nv)
			return HUSH_ENOMEM;
		rs->rules = nv;
		rs->alloc = want;
	}
	for (size_t k = 0; k < *nadded; k++) {
		for (size_t i = 0; i < rs->count; i++) {
			if (strcmp(rs->rules[i].id, added[k].id))
				continue;
			rule_dispose(&rs->rules[i]);
			memmove(&rs->rules[i], &rs->rules[i + 1], (rs->count - i - 1) * sizeof(hush_rule));
			rs->count--;
			break;
		}
		rs->rules[rs->count++] = added[k];
	}
	*nadded = 0;
	return 0;
}

int hush_ruleset_add_buffer(hush_ruleset *rs, const char *name, const char *data, size_t len)
{
	hush__yaml y;
	hush__yaml *ld = &y;
	yaml_node_t *root, *list = NULL;
	hush_rule *added = NULL; /* this file's rules: the ruleset changes only once all of them are valid */
	size_t nadded = 0, aadded = 0;
	int err;

	if ((err = hush__yaml_load(&y, name, data, len)) != 0)
		return err;
	root = yaml_document_get_root_node(&y.doc);
	if (!root) {
		err = hush_error_set("%s:1:1: empty rule file: expected a mapping with 'rules'", name);
		err = HUSH_EINVALID;
		goto cleanup;
	}
	if (root->type != YAML_MAPPING_NODE) {
		err = hush__yaml_fail(ld, root, "expected a mapping with a 'rules' list at the top");
		goto cleanup;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		if (strcmp(hush__yaml_key(ld, p), "rules")) {
			err = hush__yaml_fail(ld, hush__yaml_node(ld, p->key),
					      "unknown top-level key '%s': expected 'rules'", hush__yaml_key(ld, p));
			goto cleanup;
		}
		list = hush__yaml_node(ld, p->value);
	}
	if (!list || list->type != YAML_SEQUENCE_NODE) {
		err = hush__yaml_fail(ld, list ? list : root, "'rules' must be a list of rules");
		goto cleanup;
	}
	for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		yaml_node_t *rn = hush__yaml_node(ld, *it);
		hush_rule r;

		memset(&r, 0, sizeof(r));
		err = parse_rule(ld, rn, &r);
		for (size_t i = 0; !err && i < nadded; i++)
			if (!strcmp(added[i].id, r.id))
				err = hush__yaml_fail(ld, rn, "duplicate rule id '%s' (first defined on line %u)", r.id,
						      added[i].line);
		if (!err && !(r.source = hush__strdup(name)))
			err = HUSH_ENOMEM;
		if (!err && hush__array_grow((void **)&added, &aadded, nadded, sizeof(hush_rule)))
			err = HUSH_ENOMEM;
		if (err) {
			rule_dispose(&r);
			goto cleanup;
		}
		added[nadded++] = r;
	}
	err = merge_rules(rs, added, &nadded);
cleanup:
	/* on error the ruleset is as it was: nothing of this file went in */
	for (size_t i = 0; i < nadded; i++)
		rule_dispose(&added[i]);
	free(added);
	hush__yaml_dispose(&y);
	return err;
}

/* A copy of a built-in list (owned by the rule). */
static int copy_list(char ***out, size_t *nout, const char *const *v, size_t n)
{
	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	if (!(*out = hush__calloc(n, sizeof(char *))))
		return HUSH_ENOMEM;
	for (; *nout < n; (*nout)++)
		if (!((*out)[*nout] = hush__strdup(v[*nout])))
			return HUSH_ENOMEM;
	return 0;
}

/* A hush_rule from a record of the parsed catalogue (scanner/builtin.h). */
static int copy_builtin(hush_rule *r, const hush__builtin_rule *b)
{
	const char *text[] = { b->id, b->description, b->pattern, b->prefilter, b->prefilter_note, b->source };
	char **dst[] = { &r->id, &r->description, &r->pattern, &r->prefilter, &r->prefilter_note, &r->source };

	memset(r, 0, sizeof(*r));
	for (size_t k = 0; k < HUSH_ARRAY_SIZE(text); k++)
		if (text[k] && !(*dst[k] = hush__strdup(text[k])))
			return HUSH_ENOMEM;
	if (copy_list(&r->keywords, &r->nkeywords, b->keywords, b->nkeywords) ||
	    copy_list(&r->stopwords, &r->nstopwords, b->stopwords, b->nstopwords) ||
	    copy_list(&r->references, &r->nreferences, b->references, b->nreferences))
		return HUSH_ENOMEM;
	r->min_entropy = b->min_entropy;
	r->confidence = (hush_confidence)b->confidence;
	r->generic = b->generic != 0;
	r->line = b->pos[0];
	r->column = b->pos[1];
	r->pattern_line = b->pos[2];
	r->pattern_column = b->pos[3];
	r->prefilter_line = b->pos[4];
	r->prefilter_column = b->pos[5];
	return 0;
}

int hush_ruleset_add_builtin(hush_ruleset *rs, bool with_examples)
{
	size_t n = hush__builtin_catalogue_count, nadded = 0;
	hush_rule *added;
	int err = 0;

	if (with_examples) {
		for (size_t i = 0; i < hush_builtin_rules_count; i++) {
			const hush_embedded_file *f = &hush_builtin_rules_full[i];

			if ((err = hush_ruleset_add_buffer(rs, f->name, f->data, f->len)) != 0)
				return err;
		}
		return 0;
	}
	/* the catalogue as the build parsed it: no YAML to parse at each start */
	if (!(added = hush__calloc(n ? n : 1, sizeof(*added))))
		return HUSH_ENOMEM;
	for (; nadded < n && !err; nadded++)
		err = copy_builtin(&added[nadded], &hush__builtin_catalogue[nadded]);
	if (!err)
		err = merge_rules(rs, added, &nadded);
	for (size_t i = 0; i < nadded; i++)
		rule_dispose(&added[i]);
	free(added);
	return err;
}

static int add_file(hush_ruleset *rs, const char *path)
{
	hush_buf b = HUSH_BUF_INIT;
	int err = hush__read_file(&b, path, RULE_FILE_CAP);

	if (!err)
		err = hush_ruleset_add_buffer(rs, path, b.ptr, b.len);
	hush_buf_dispose(&b);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hush_ruleset_add_path(hush_ruleset *rs, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int err = 0;

	if (stat(path, &st) < 0)
		return hush_error_set("cannot read rules '%s': %s", path, strerror(errno)), HUSH_EIO;
	if (!S_ISDIR(st.st_mode))
		return add_file(rs, path);
	if (!(d = opendir(path)))
		return hush_error_set("cannot read rules '%s': %s", path, strerror(errno)), HUSH_EIO;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' ||
		    !((l > 4 && !strcmp(de->d_name + l - 4, ".yml")) || (l > 5 && !strcmp(de->d_name + l - 5, ".yaml"))))
			continue;
		if (hush__array_grow((void **)&names, &alloc, n, sizeof(char *))) {
			err = HUSH_ENOMEM;
			break;
		}
		if (!(names[n] = hush__path_join(path, de->d_name))) {
			err = HUSH_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!err && n)
		qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n && !err; i++)
		err = add_file(rs, names[i]);
	hush__strv_free(names, n);
	if (!err && n == 0)
		return hush_error_set("no rule files (*.yml, *.yaml) in '%s'", path), HUSH_EINVALID;
	return err;
}
