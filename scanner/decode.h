/*
 * decode.h: finding encoded spans in a window of input (internal; the matcher drives it round by round).
 *
 * Each encoding has a cursor that moves forward through the input. A search returns the next candidate span
 * that starts before a limit (the end of the matcher's round); the span may extend past the limit, up to the end
 * of the addressable data and at most HUSH_DECODE_MAX_SPAN bytes. Runs longer than that come back as
 * consecutive pieces. Every byte is looked at a small constant number of times, and most bytes of ordinary text
 * not at all (the base64 and hex searches skip ahead by the minimum run length).
 */
#ifndef HUSH_SCANNER_DECODE_H
#define HUSH_SCANNER_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "hush/decode.h"

typedef struct {
	uint64_t pos; /* absolute offset where the next search starts */
	bool cont;    /* pos is inside a run cut at HUSH_DECODE_MAX_SPAN: the next piece starts there */
} hush__dec_cursor;

/*
 * Find the next span of encoding enc (one HUSH_DECODE_* bit) starting in [cur->pos, limit). The data
 * base[0 .. avail_end - base_off) holds absolute offsets [base_off, avail_end), and cur->pos >= base_off.
 * Returns true with the span in [*s, *e) (the cursor moved past it), or false when no span starts before limit
 * (the cursor then rests where the next search resumes). Spans returned have passed the cheap checks of their
 * encoding (length, character mix, a %XX escape) but are not decoded yet.
 */
bool hush__dec_next(unsigned enc, const char *base, uint64_t base_off, uint64_t avail_end, uint64_t limit,
		    hush__dec_cursor *cur, uint64_t *s, uint64_t *e);

/*
 * For the tests: run the span search on the baseline instruction set (0), AVX2 (1) or AVX-512BW (2), when the CPU
 * has it (by default the best it has). Returns the one in use. Not for use while other threads search.
 */
int hush__dec_set_isa(int isa);

/*
 * Decode the span [s, e) of encoding enc into out (HUSH_DECODE_MAX_SPAN bytes). Returns the decoded length, or 0
 * when the result is not text worth scanning (hush_decoded_is_text).
 */
size_t hush__dec_decode(unsigned enc, const char *span, size_t len, unsigned char *out);

/* The chain nibble of an encoding bit (HUSH_CHAIN_*). */
unsigned hush__dec_chain_code(unsigned enc);

/*
 * UTF-16 text (a whole file or blob): hush__utf16_sniff returns HUSH_UTF16_LE or HUSH_UTF16_BE, with *bom the
 * length of a byte-order mark to skip, or 0 when the data is not UTF-16. With a mark, the first
 * HUSH_UTF16_SNIFF_BYTES must hold a NUL byte (else they are text as they are: a stray mark before other bytes).
 * Without one, they must be ASCII text in UTF-16: a zero high byte in at least 90% of the code units and a zero
 * low byte in at most 1 in 32. hush__utf16_to_utf8 transcodes len bytes (a last odd byte is dropped, a lone
 * surrogate becomes U+FFFD) into out, which has room for hush__utf16_utf8_max(len) bytes, and returns the length.
 * Line breaks stay line breaks, so line numbers are the file's.
 */
#define HUSH_UTF16_LE 1
#define HUSH_UTF16_BE 2
#define HUSH_UTF16_SNIFF_BYTES 8192
int hush__utf16_sniff(const char *data, size_t len, size_t *bom);
size_t hush__utf16_to_utf8(char *out, const char *data, size_t len, int endian);
#define hush__utf16_utf8_max(len) ((len) / 2 * 3 + 4)

#endif
