/*
 * hush/dotenv.h: reading and writing dotenv files (NAME=value lines) for `hush vault import|export`.
 *
 * Syntax read: blank lines; comments ('#' first on a line, or after whitespace following an unquoted value);
 * an optional "export " prefix; NAME=value with optional spaces or tabs around '='. Values are
 *   - unquoted: up to the end of the line or a comment, trimmed of surrounding whitespace;
 *   - 'single-quoted': literal, no escapes, may span lines;
 *   - "double-quoted": escapes \n \r \t \" \\ \$ (a backslash before any other character is kept as is), no
 *     variable expansion, may span lines.
 * CRLF line endings are accepted; a CRLF inside a quoted value is read as LF. Names must satisfy
 * hush_vault_name_valid. A name given twice keeps its last value. NUL bytes are refused.
 *
 * SECURITY: values are only ever written into hush_secret buffers, and error messages name the origin and the
 * line, never any of the line's text (a malformed line may well be a secret).
 */
#ifndef HUSH_DOTENV_H
#define HUSH_DOTENV_H

#include <stddef.h>

#include "hush/vault.h"

typedef struct hush_dotenv hush_dotenv;

/*
 * Parse len bytes of dotenv text (origin names it in messages, as "ORIGIN:LINE: ..."). The caller frees *out with
 * hush_dotenv_free. Returns 0, HUSH_EINVALID (a malformed line) or HUSH_ENOMEM.
 */
int hush_dotenv_parse(hush_dotenv **out, const char *data, size_t len, const char *origin);

/* Wipe and free. NULL is fine. */
void hush_dotenv_free(hush_dotenv *d);

/* The entries in the order of their first appearance; i < hush_dotenv_count(d). All borrowed. */
size_t hush_dotenv_count(const hush_dotenv *d);
const char *hush_dotenv_name_at(const hush_dotenv *d, size_t i);
const hush_secret *hush_dotenv_value_at(const hush_dotenv *d, size_t i);
/* The line where entry i's (last) definition starts, from 1. */
size_t hush_dotenv_line_at(const hush_dotenv *d, size_t i);

/* Where hush_dotenv_quote writes: len bytes at data (borrowed, valid during the call). Returns 0 or stops it. */
typedef int (*hush_dotenv_sink)(void *ctx, const void *data, size_t len);

/*
 * Write value as a double-quoted dotenv value that hush_dotenv_parse reads back byte for byte: '"', '\\' and '$'
 * are escaped, and LF, CR and TAB written as \n, \r and \t. The pieces go to sink: runs of value itself and
 * constant escapes, so no copy of the value is ever made. A value with a NUL byte cannot be written
 * (HUSH_EINVALID, nothing written); else returns 0 or the sink's first non-zero return.
 */
int hush_dotenv_quote(const void *value, size_t len, hush_dotenv_sink sink, void *ctx);

#endif
