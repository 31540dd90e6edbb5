/*
 * hush/redact.h: the streaming redactor. It removes secret values, and the forms that encoders give them, from
 * output as it streams (`hush redact`; `hush run` pumps a child's output through it).
 *
 * A hush_redactor is built once: values are added with their labels, then hush_redactor_compile expands each
 * value into its variants and compiles every variant as one literal of a vectorscan database in stream mode. It is
 * immutable from then on and may be shared by threads. Each output (stdout, stderr) gets its own
 * hush_redact_stream, used by one thread at a time.
 *
 * Variants of a value V (each found anywhere in the output, not only between delimiters):
 *   - V itself, and each line of a multi-line V on its own (a trailing '\r' dropped);
 *   - base64, standard ("+/") and URL-safe ("-_") alphabets. For each alignment of V in the encoded data (0, 1
 *     or 2 bytes before it, mod 3): the characters that depend on V's bits only (the stable core, found wherever
 *     V is embedded, e.g. base64("user:" + V + "@host")); and, for V at the end of the encoded data, the core
 *     followed by its last characters, with and without '=' padding, for V and for V + "\n" (`echo $V | base64`);
 *   - percent-encoding: every byte but A-Z a-z 0-9 - . _ ~ as %XX (RFC 3986); the same keeping ! ' ( ) * too
 *     (JavaScript's encodeURIComponent) or '/' too (Python's quote); form encoding with '+' for a space (with the
 *     RFC 3986 set, and with the HTML form set A-Z a-z 0-9 * - . _); each with upper- and lower-case hex;
 *   - JSON string escaping (what encoders emit between the quotes): \" \\ \n \r \t \b \f and \u00xx for other
 *     control bytes; the same plus "\/" for '/'; plus \uxxxx (surrogate pairs beyond U+FFFF) for non-ASCII (Python's
 *     default, jansson's JSON_ENSURE_ASCII; only for valid UTF-8); plus both (PHP); plus < > & U+2028 U+2029 as
 *     \u escapes (Go), with \b \f short or as \u0008 \u000c (Go before 1.22); each with lower- and upper-case
 *     hex digits;
 *   - hex, lower and upper case.
 * Variants shorter than HUSH_REDACT_MIN_LEN bytes are dropped, and so are duplicates: when two values share a
 * variant, the value added first gives the label. Of a variant longer than 64 bytes only its last 64 bytes go
 * into the database, and a match of them is checked against the whole variant in the held-back tail (vectorscan
 * takes no literal over 16,000 bytes and compiles long ones slowly). Variants whose last 64 bytes are all NUL
 * are dropped. Only whole occurrences are masked: a long value cut short (a truncated log line) is not, though
 * each whole line of a multi-line value is. A value shorter than HUSH_REDACT_MIN_LEN is refused altogether
 * (hush_redactor_add says so, so that the caller can warn): masking every "admin" or "1234" would mangle ordinary
 * output and tell a reader where the short secret is.
 *
 * Output: every occurrence is replaced by the mask, by default "[hush:LABEL]"; the mask never holds any part of a
 * value. Matches that overlap (of one value or of several) are redacted as the union of their spans, with one
 * mask per merged span; its label is that of the match that starts first (on a tie, the longest; then the value
 * added first). Matches that only touch (one ends where the next begins) get a mask each. Every other byte,
 * including NUL bytes and invalid UTF-8, passes through unchanged, whatever the chunking of the writes.
 *
 * Holdback: after each hush_redact_stream_write, everything that can no longer be part of a match has been passed
 * to the write function. What is held back is the shortest tail of the stream that is a proper prefix of some
 * variant (so a value split across writes, or written a byte at a time, is never emitted), never more than
 * hush_redactor_holdback() bytes; output with no such tail is held back not at all. A mask goes out as soon as
 * its span can no longer grow to the left. Memory is bounded whatever the output's size: the held-back tail
 * (sodium_malloc'd, wiped on free) and the matches of at most 64 KiB of input at a time.
 *
 * Rules (hush_redactor_add_rules, `hush redact --rules`): the secret group of every finding of the scanner's
 * rules is masked as "[hush:RULE-ID]", for tools that print credentials hush never injected. Regex rules cannot
 * be streamed like literals, so this stage works on units: a unit is one line, or the lines of a PEM private key
 * block from its "-----BEGIN ... PRIVATE KEY-----" line to its "-----END" line. Each completed unit goes through
 * the matcher on its own (the same result whatever the chunking). The trade-off is latency: with rules, output is
 * held until its line ends (a prompt without a newline waits for the next newline or the end of the stream), and a
 * private key block until its END line. Both are bounded: a line longer than HUSH_REDACT_UNIT_MAX is processed in
 * pieces that keep the last HUSH_MAX_RULE_WIDTH + HUSH_LOOKAROUND bytes for the next piece (a match across the
 * cut is still found, a rule's context may differ at the cut), and a key block that has not ended after
 * HUSH_MAX_RULE_WIDTH + HUSH_LOOKAROUND bytes is processed as it is. Other multi-line matches (an AWS key id and
 * its secret on the next line, say) are not found by this stage. The "hush:allow" marker is not honoured here.
 * The rules stage runs after the literal stage, on its output.
 *
 * Secret hygiene: values and their variants live in sodium_malloc'd memory, as do the held-back tail and the rules
 * stage's unit buffer, all wiped on free. The compiled vectorscan database holds the literals too: call
 * hush_redact_secure_vectorscan() before any vectorscan object exists in the process to have databases, scratch
 * and stream state allocated with sodium_malloc (guarded, locked, wiped on free). SECURITY: the vectorscan compiler
 * itself copies the literals into temporary heap objects that it frees without wiping them; after
 * hush_redact_secure_vectorscan(), hush_redactor_compile therefore compiles in a short-lived child process and
 * deserializes the database it sends back into guarded memory, so those copies never exist in this process.
 */
#ifndef HUSH_REDACT_H
#define HUSH_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "hush/rules.h"

#define HUSH_REDACT_MIN_LEN 6                /* shortest value, and variant, that is redacted */
#define HUSH_REDACT_DEFAULT_MASK "[hush:%n]" /* %n: the label; %%: a '%' */
#define HUSH_REDACT_UNIT_MAX (64 * 1024)     /* the rules stage's longest unit before it is cut */

typedef struct hush_redactor hush_redactor;
typedef struct hush_redact_stream hush_redact_stream;

/*
 * Where a stream's output goes. buf is borrowed for the call only; it may hold NUL bytes. Return 0, or a negative
 * HUSH_E* code (with hush_error_set) to fail the write that called it.
 */
typedef int (*hush_redact_write_fn)(void *ctx, const void *buf, size_t len);

/*
 * Make vectorscan allocate databases, scratch space and stream state with sodium_malloc (guarded pages, mlock'd
 * when the limit allows, wiped by sodium_free). Process-wide, and must run before any vectorscan object exists:
 * memory allocated before would be freed with the wrong function. The misc allocator (compile errors, expression
 * info, serialized databases) is left alone, because callers free those with free(). From then on the redactor's
 * compile runs in a forked child (see above). Returns 0 or HUSH_ERROR.
 */
int hush_redact_secure_vectorscan(void);

/* An empty redactor with the default mask. The caller frees *out with hush_redactor_free. Returns 0 or HUSH_ENOMEM. */
int hush_redactor_new(hush_redactor **out);

/*
 * Set the mask: format is copied; "%n" is replaced by the label and "%%" by '%'. Returns 0, or HUSH_EINVALID
 * for any other '%' sequence. Only before hush_redactor_compile.
 */
int hush_redactor_set_mask(hush_redactor *r, const char *format);

/*
 * Add a value (len bytes, any bytes) under label (copied; a name such as "DB_PASSWORD", never the value). The value
 * is copied into sodium_malloc'd memory. A value shorter than HUSH_REDACT_MIN_LEN is not added: *added_out (may be
 * NULL) says whether it was. Returns 0, or HUSH_ENOMEM (also for a value over HUSH_VAULT_MAX_VALUE bytes). Only
 * before hush_redactor_compile.
 */
int hush_redactor_add(hush_redactor *r, const char *label, const void *value, size_t len, bool *added_out);

/*
 * Also mask the secret of every finding of rs's rules (see the rules paragraph above). rs is borrowed and must
 * outlive the redactor. The matcher is built here (through the compiled-rules cache): errors are the matcher's.
 * Only before hush_redactor_compile, at most once.
 */
int hush_redactor_add_rules(hush_redactor *r, const hush_ruleset *rs);

/*
 * Expand the values into their variants and compile them. A redactor with no values (and no rules) compiles to a
 * pass-through. Returns 0, HUSH_ENOMEM or HUSH_EPATTERN (vectorscan refused the set; the message says why).
 */
int hush_redactor_compile(hush_redactor *r);

/* The most bytes a stream holds back: the longest variant's length - 1 (0 without values). After compile. */
size_t hush_redactor_holdback(const hush_redactor *r);

/* Number of distinct variants compiled (for tests and benchmarks). After compile. */
size_t hush_redactor_variant_count(const hush_redactor *r);

/* Wipe and free everything. NULL is fine. Every stream of r must be freed first. */
void hush_redactor_free(hush_redactor *r);

/*
 * A stream over the compiled redactor r (borrowed: it must outlive the stream) whose output goes to fn(ctx, ...).
 * The caller frees *out with hush_redact_stream_free. Returns 0, HUSH_ENOMEM or HUSH_ERROR.
 */
int hush_redact_stream_new(hush_redact_stream **out, const hush_redactor *r, hush_redact_write_fn fn, void *ctx);

/*
 * Filter len bytes of output: whatever can be decided goes to the write function before this returns (see
 * Holdback above). Returns 0, or the write function's error, or HUSH_ENOMEM / HUSH_ERROR; after an error the
 * stream only returns that error.
 */
int hush_redact_stream_write(hush_redact_stream *s, const void *buf, size_t len);

/* End of the stream: flush what is held back. No write may follow. Returns 0 or an error as above. */
int hush_redact_stream_finish(hush_redact_stream *s);

/* Free the stream and wipe its buffers. NULL is fine. Does not flush: call hush_redact_stream_finish first. */
void hush_redact_stream_free(hush_redact_stream *s);

#endif
