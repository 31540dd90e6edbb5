/* yaml.h: small helpers over libyaml's document API, shared by the rule and config loaders (internal). */
#ifndef HUSH_SCANNER_YAML_H
#define HUSH_SCANNER_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

typedef struct {
	yaml_document_t doc;
	const char *name; /* the file name used in messages */
	bool loaded;
} hush__yaml;

/* Parse data; on error sets "NAME:LINE:COL: problem" and returns HUSH_EINVALID. Dispose with hush__yaml_dispose. */
int hush__yaml_load(hush__yaml *y, const char *name, const char *data, size_t len);
void hush__yaml_dispose(hush__yaml *y);

/* Set "NAME:LINE:COL: message" for node n and return HUSH_EINVALID. */
int hush__yaml_fail(const hush__yaml *y, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

yaml_node_t *hush__yaml_node(const hush__yaml *y, yaml_node_item_t id);
/* The key of a mapping pair as a string ("" when it is not a scalar). */
const char *hush__yaml_key(const hush__yaml *y, const yaml_node_pair_t *p);

/* A scalar as a malloc'd string; NUL bytes are refused. */
int hush__yaml_string(const hush__yaml *y, yaml_node_t *n, const char *what, char **out);
/* A list of non-empty strings (a single string counts as a list of one). */
int hush__yaml_strings(const hush__yaml *y, yaml_node_t *n, const char *what, char ***out, size_t *nout);
/* true or false */
int hush__yaml_bool(const hush__yaml *y, yaml_node_t *n, const char *what, bool *out);

#endif
