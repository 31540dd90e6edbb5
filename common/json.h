/* json.h: jansson's json_loadb with a fast path for the JSON hush writes itself (see json.c). */
#ifndef HUSH_COMMON_JSON_H
#define HUSH_COMMON_JSON_H

#include <jansson.h>
#include <stddef.h>

/*
 * json_loadb(data, len, flags, error), the same value or the same error: objects whose strings are printable
 * ASCII without escapes and whose numbers are non-negative integers are parsed in one pass here, everything else
 * by jansson. flags must not include JSON_DECODE_ANY, JSON_ALLOW_NUL or JSON_DISABLE_EOF_CHECK (the fast path
 * always reads a whole object).
 */
json_t *hush__json_loadb(const char *data, size_t len, size_t flags, json_error_t *error);

#endif
