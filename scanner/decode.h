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
 * Decode the span [s, e) of encoding enc into out (HUSH_DECODE_MAX_SPAN bytes). Returns the decoded length, or 0
 * when the result is not text worth scanning (hush_decoded_is_text).
 */
size_t hush__dec_decode(unsigned enc, const char *span, size_t len, unsigned char *out);

/* The chain nibble of an encoding bit (HUSH_CHAIN_*). */
unsigned hush__dec_chain_code(unsigned enc);

#endif
