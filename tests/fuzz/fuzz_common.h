/*
 * fuzz_common.h: helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c).
 *
 * Every target is a property check as well as a crash finder: FUZZ_CHECK aborts (a crash for libFuzzer, with the
 * message on stderr) when an invariant that hush promises does not hold for the input.
 */
#ifndef HUSH_FUZZ_COMMON_H
#define HUSH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: property violated: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/* The fixed test key of the vault target: crypto_box_seed_keypair of these 32 bytes (no real secret). */
#define FUZZ_VAULT_SEED "hush-fuzz-vault-test-key-seed-01"
#define FUZZ_VAULT_ENV "fuzz"

/* A reader over the fuzzer's bytes (in the spirit of LLVM's FuzzedDataProvider): past the end, zeros. */
typedef struct {
	const uint8_t *p;
	size_t n;
} fuzz_input;

static inline uint8_t fuzz_byte(fuzz_input *in)
{
	uint8_t b;

	if (!in->n)
		return 0;
	b = *in->p++;
	in->n--;
	return b;
}

/* Up to want bytes; *got says how many were there. */
static inline const uint8_t *fuzz_bytes(fuzz_input *in, size_t want, size_t *got)
{
	const uint8_t *p = in->p;

	*got = want < in->n ? want : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}

/* A growable byte buffer for collecting output (plain heap: fuzz inputs are not secrets). */
typedef struct {
	unsigned char *p;
	size_t len, cap;
} fuzz_buf;

static inline void fuzz_buf_put(fuzz_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + len + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = 0;
}

static inline void fuzz_buf_free(fuzz_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

#endif
