/* yaml.c: helpers over libyaml's document API with FILE:LINE:COL error messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scanner/yaml.h"
#include "hush/error.h"
#include "common/util.h"
#include "common/banned.h"

int hush__yaml_load(hush__yaml *y, const char *name, const char *data, size_t len)
{
	yaml_parser_t parser;
	int err = 0;

	y->name = name;
	y->loaded = false;
	if (!yaml_parser_initialize(&parser))
		return hush_error_set("%s: cannot initialise the YAML parser", name), HUSH_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		hush_error_set("%s:%zu:%zu: %s%s%s", name, parser.problem_mark.line + 1,
			       parser.problem_mark.column + 1, parser.problem ? parser.problem : "invalid YAML",
			       parser.context ? " " : "", parser.context ? parser.context : "");
		err = HUSH_EINVALID;
	} else {
		y->loaded = true;
	}
	yaml_parser_delete(&parser);
	return err;
}

void hush__yaml_dispose(hush__yaml *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = false;
}

int hush__yaml_fail(const hush__yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hush_error_set("%s:%zu:%zu: %s", y->name, n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1,
		       msg);
	return HUSH_EINVALID;
}

yaml_node_t *hush__yaml_node(const hush__yaml *y, yaml_node_item_t id)
{
	return yaml_document_get_node((yaml_document_t *)&y->doc, id);
}

const char *hush__yaml_key(const hush__yaml *y, const yaml_node_pair_t *p)
{
	yaml_node_t *k = hush__yaml_node(y, p->key);

	return k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
}

int hush__yaml_string(const hush__yaml *y, yaml_node_t *n, const char *what, char **out)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return hush__yaml_fail(y, n, "'%s' must be a string", what);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return hush__yaml_fail(y, n, "'%s' must not contain NUL bytes", what);
	*out = hush__strndup((const char *)n->data.scalar.value, n->data.scalar.length);
	return *out ? 0 : HUSH_ENOMEM;
}

int hush__yaml_strings(const hush__yaml *y, yaml_node_t *n, const char *what, char ***out, size_t *nout)
{
	size_t count;
	int err;

	*nout = 0;
	if (n->type == YAML_SCALAR_NODE) {
		if (!(*out = hush__calloc(1, sizeof(char *))))
			return HUSH_ENOMEM;
		/* "key:" with nothing after it is YAML's null: no entries (an empty list, still non-NULL) */
		if (n->data.scalar.length == 0 && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return 0;
		*nout = 1;
		if ((err = hush__yaml_string(y, n, what, &(*out)[0])) != 0)
			return err;
		if (!(*out)[0][0])
			return hush__yaml_fail(y, n, "empty string in '%s'", what);
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return hush__yaml_fail(y, n, "'%s' must be a list of strings", what);
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!(*out = hush__calloc(count, sizeof(char *))))
		return HUSH_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = hush__yaml_node(y, n->data.sequence.items.start[i]);

		*nout = i + 1;
		if ((err = hush__yaml_string(y, item, what, &(*out)[i])) != 0)
			return err;
		if (!(*out)[i][0])
			return hush__yaml_fail(y, item, "empty string in '%s'", what);
	}
	return 0;
}

int hush__yaml_bool(const hush__yaml *y, yaml_node_t *n, const char *what, bool *out)
{
	if (n->type == YAML_SCALAR_NODE && !strcmp((const char *)n->data.scalar.value, "true"))
		*out = true;
	else if (n->type == YAML_SCALAR_NODE && !strcmp((const char *)n->data.scalar.value, "false"))
		*out = false;
	else
		return hush__yaml_fail(y, n, "'%s' must be true or false, not '%s'", what,
				       n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "?");
	return 0;
}
