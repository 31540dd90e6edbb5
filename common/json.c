/*
 * json.c: a fast path in front of jansson's parser, for the JSON that hush writes itself.
 *
 * jansson lexes a byte at a time through its stream layer (about 60 MB/s here): 7 ms for a 500-value vault file,
 * most of the 10 ms that 'hush vault export' may take. The files hush writes use a small part of JSON: objects,
 * strings of printable ASCII without escapes, and non-negative integers. hush__json_loadb() parses exactly that
 * part in one pass and builds the same jansson values (so every reader keeps using jansson's API); anything else
 * (an escape, a non-ASCII byte, an array, a literal, a fraction, a duplicate key, a syntax error, deep nesting)
 * makes it give up and hand the whole text to json_loadb(), whose result and error messages are therefore
 * unchanged. tests/fuzz/fuzz_vault.c checks that the two agree on every input the fast path accepts.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "common/util.h"
#include "common/banned.h"

#define FAST_MAX_DEPTH 8

typedef struct {
	const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

/* A string of printable ASCII without '"' or '\\': its body in [*s, *s + *n). false for anything else. */
static bool fast_string(cursor *c, const char **s, size_t *n)
{
	const char *q;

	if (c->p >= c->end || *c->p != '"')
		return false;
	for (q = ++c->p; q < c->end && *q != '"'; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e || *q == '\\')
			return false;
	if (q >= c->end)
		return false;
	*s = c->p;
	*n = (size_t)(q - c->p);
	c->p = q + 1;
	return true;
}

static json_t *fast_value(cursor *c, unsigned depth);

static json_t *fast_object(cursor *c, unsigned depth)
{
	json_t *obj, *val;
	const char *k;
	size_t kn;
	char key[256]; /* NUL-terminated for json_object_get/set (jansson 2.13 has no length-taking versions) */

	if (depth >= FAST_MAX_DEPTH || !(obj = json_object()))
		return NULL;
	c->p++; /* '{' */
	skip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return obj;
	}
	for (;;) {
		skip_ws(c);
		if (!fast_string(c, &k, &kn) || kn >= sizeof(key))
			break;
		memcpy(key, k, kn);
		key[kn] = '\0';
		if (json_object_get(obj, key))
			break; /* a duplicate key: jansson says which (JSON_REJECT_DUPLICATES) or keeps the last */
		skip_ws(c);
		if (c->p >= c->end || *c->p++ != ':')
			break;
		skip_ws(c);
		if (!(val = fast_value(c, depth + 1)))
			break;
		if (json_object_set_new_nocheck(obj, key, val) != 0)
			break;
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return obj;
		}
		break;
	}
	json_decref(obj);
	return NULL;
}

static json_t *fast_value(cursor *c, unsigned depth)
{
	const char *s;
	size_t n;
	json_int_t v = 0;

	if (c->p >= c->end)
		return NULL;
	if (*c->p == '{')
		return fast_object(c, depth);
	if (*c->p == '"')
		return fast_string(c, &s, &n) ? json_stringn_nocheck(s, n) : NULL;
	if (*c->p < '0' || *c->p > '9' || (*c->p == '0' && c->p + 1 < c->end && c->p[1] >= '0' && c->p[1] <= '9'))
		return NULL; /* not a plain non-negative integer (a leading zero is an error for jansson) */
	for (n = 0; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++, n++) {
		if (n >= 18) /* 18 digits always fit in json_int_t; longer numbers are jansson's to judge */
			return NULL;
		v = v * 10 + (*c->p - '0');
	}
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return NULL;
	return json_integer(v);
}

json_t *hush__json_loadb(const char *data, size_t len, size_t flags, json_error_t *error)
{
	cursor c = { data, data + len };
	json_t *root;

	skip_ws(&c);
	if (c.p < c.end && *c.p == '{' && (root = fast_object(&c, 0)) != NULL) {
		skip_ws(&c);
		if (c.p == c.end)
			return root;
		json_decref(root);
	}
	return json_loadb(data, len, flags, error);
}
