/*
 * hush/decode.h: finding secrets inside encoded text (base64, hex, percent-encoding).
 *
 * The matcher (hush/matcher.h) looks for encoded spans as it scans: runs of base64 characters, even-length hex
 * runs and URL runs holding %XX escapes. A span that decodes to text is scanned again with the same rules, and
 * the decoded text itself is searched for encoded spans, up to a nesting depth. A match found that way is
 * reported at the encoded span, with the chain of encodings that led to it (hush_match.encoding).
 */
#ifndef HUSH_DECODE_H
#define HUSH_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Encodings, as a bit mask (hush_matcher_options.decode). */
enum {
	HUSH_DECODE_BASE64 = 1u << 0, /* standard and URL-safe alphabets, padded or not */
	HUSH_DECODE_HEX = 1u << 1,    /* even-length runs of hex digits */
	HUSH_DECODE_PERCENT = 1u << 2 /* URL runs with %XX escapes (RFC 3986; '+' stays '+') */
};
#define HUSH_DECODE_ALL (HUSH_DECODE_BASE64 | HUSH_DECODE_HEX | HUSH_DECODE_PERCENT)
#define HUSH_DECODE_DEFAULT HUSH_DECODE_BASE64
#define HUSH_DECODE_DEFAULT_DEPTH 2u
#define HUSH_DECODE_MAX_DEPTH 8u

/* Shortest runs worth decoding: 20 base64 characters hold 15 bytes, 32 hex digits 16. */
#define HUSH_DECODE_MIN_BASE64 20u
#define HUSH_DECODE_MIN_HEX 32u
#define HUSH_DECODE_MIN_PERCENT 16u
/*
 * Longest span decoded at once (encoded bytes, a multiple of 4). A longer base64 or hex run is decoded in
 * consecutive pieces of this size, so memory stays bounded and the work stays linear in the input; a secret
 * that straddles two pieces is not found. A longer percent run is cut at this size.
 */
#define HUSH_DECODE_MAX_SPAN 65536u

/*
 * A decoding chain packs one encoding per nesting level, outermost first, 4 bits each from the low end:
 * 1 base64, 2 hex, 3 percent, 4 UTF-16 (a whole file or blob read as UTF-16 text); 0 ends the chain. A chain of
 * 0 means "found in the raw text".
 */
#define HUSH_CHAIN_BASE64 1u
#define HUSH_CHAIN_HEX 2u
#define HUSH_CHAIN_PERCENT 3u
#define HUSH_CHAIN_UTF16 4u

/* Number of levels in a chain (0 for raw text). */
unsigned hush_decode_chain_depth(uint32_t chain);

/*
 * The chain as text, outermost first: "base64", "base64>percent". Writes at most n bytes, NUL-terminated;
 * "" for 0. Returns the length the whole name needs (like snprintf).
 */
size_t hush_decode_chain_name(char *out, size_t n, uint32_t chain);

/*
 * Parse a comma-separated list of encodings ("base64,hex,percent", "all" or "none") into a mask.
 * Returns 0, or -1 for an unknown name.
 */
int hush_decode_parse(unsigned *out, const char *list);

/* ---- the decoders, exposed for tests; out must hold decoded_max(len) bytes ---- */

/*
 * Decode base64 (either alphabet, '=' padding ignored, a final lone character dropped). in must hold only
 * alphabet characters and '='. Returns the number of bytes written.
 */
size_t hush_base64_decode(unsigned char *out, const char *in, size_t len);

/* Decode hex digit pairs (a final odd digit is dropped). Returns the number of bytes written. */
size_t hush_hex_decode(unsigned char *out, const char *in, size_t len);

/* Decode %XX escapes; other bytes (and a '%' not followed by two hex digits) are copied. Returns the count. */
size_t hush_percent_decode(unsigned char *out, const char *in, size_t len);

/*
 * true when decoded bytes look like text worth scanning: valid UTF-8, no NUL, and at most one control byte
 * (other than TAB, LF, CR) in 32. Random bytes (a decoded hash or key) almost never pass.
 */
bool hush_decoded_is_text(const unsigned char *s, size_t len);

#endif
