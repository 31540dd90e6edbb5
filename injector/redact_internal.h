/* redact_internal.h: what the redactor exposes to its tests and fuzzers only (not part of the public API). */
#ifndef HUSH_INJECTOR_REDACT_INTERNAL_H
#define HUSH_INJECTOR_REDACT_INTERNAL_H

#include <stddef.h>

#include "hush/redact.h"

/*
 * Variant i (< hush_redactor_variant_count) of a compiled redactor: its bytes (borrowed, *len_out of them) and, in
 * *value_out, the index of the value that labels it (the order of hush_redactor_add). Variants are sorted by
 * bytes and unique. SECURITY: the bytes are a value's encoding: for property checks, never for output.
 */
const unsigned char *hush__redactor_variant(const hush_redactor *r, size_t i, size_t *len_out, size_t *value_out);

#endif
