/* hush/filter.h: the checks every candidate secret goes through (entropy, placeholders, stopwords). */
#ifndef HUSH_FILTER_H
#define HUSH_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "hush/rules.h"

/* Shannon entropy of the bytes, in bits per byte (0 for an empty string). */
double hush_entropy(const char *s, size_t len);

/* true when the value looks like a placeholder: xxxx, <your-token>, ${VAR}, changeme, example, ... */
bool hush_is_placeholder(const char *s, size_t len);

/* true when the secret passes the rule's filters: min_entropy, placeholders and stopwords */
bool hush_filter_accept(const hush_rule *rule, const char *secret, size_t len, double entropy);

#endif
