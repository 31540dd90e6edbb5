/* decode.c: candidate spans of base64, hex and percent-encoding, their decoders, and decoding chains. */
#include <pthread.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "scanner/decode.h"
#include "common/util.h"
#include "common/banned.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

enum { C_B64 = 1, C_HEX = 2, C_URL = 4, C_ALNUM = 8, C_UPPER = 16, C_LOWER = 32, C_DIGSYM = 64 };

static unsigned char cls[256];
static signed char b64val[256];
static signed char hexval[256];
static pthread_once_t cls_once = PTHREAD_ONCE_INIT;
/* the instruction set the span search runs on, set once with the tables */
enum { ISA_BASE, ISA_AVX2, ISA_AVX512 };
static int search_isa = ISA_BASE, cpu_isa = ISA_BASE;

static void init_tables(void)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url_extra[] = "-._~%+,;=:@/?#&!$*";

	memset(b64val, -1, sizeof(b64val));
	memset(hexval, -1, sizeof(hexval));
	for (int i = 0; i < 64; i++) {
		b64val[(unsigned char)b64[i]] = (signed char)i;
		cls[(unsigned char)b64[i]] |= C_B64 | (i >= 52 ? C_DIGSYM : 0);
	}
#if defined(__x86_64__) || defined(__i386__)
	search_isa = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? ISA_AVX512
		     : __builtin_cpu_supports("avx2")							 ? ISA_AVX2
												 : ISA_BASE;
	cpu_isa = search_isa;
#endif
	b64val['-'] = 62; /* URL-safe alphabet */
	b64val['_'] = 63;
	cls['-'] |= C_B64;
	cls['_'] |= C_B64;
	for (int c = '0'; c <= '9'; c++) {
		hexval[c] = (signed char)(c - '0');
		cls[c] |= C_HEX | C_URL | C_ALNUM;
	}
	for (int c = 'a'; c <= 'z'; c++)
		cls[c] |= C_URL | C_ALNUM | C_LOWER;
	for (int c = 'A'; c <= 'Z'; c++)
		cls[c] |= C_URL | C_ALNUM | C_UPPER;
	for (int c = 0; c < 6; c++) {
		hexval['a' + c] = hexval['A' + c] = (signed char)(10 + c);
		cls['a' + c] |= C_HEX;
		cls['A' + c] |= C_HEX;
	}
	for (const char *p = url_extra; *p; p++)
		cls[(unsigned char)*p] |= C_URL;
}

unsigned hush__dec_chain_code(unsigned enc)
{
	return enc == HUSH_DECODE_BASE64 ? HUSH_CHAIN_BASE64 : enc == HUSH_DECODE_HEX ? HUSH_CHAIN_HEX : HUSH_CHAIN_PERCENT;
}

unsigned hush_decode_chain_depth(uint32_t chain)
{
	unsigned n = 0;

	while (chain & 0xfu) {
		n++;
		chain >>= 4;
	}
	return n;
}

size_t hush_decode_chain_name(char *out, size_t n, uint32_t chain)
{
	static const char *const names[] = { "", "base64", "hex", "percent", "utf16" };
	size_t len = 0;

	if (n)
		out[0] = '\0';
	for (; chain & 0xfu; chain >>= 4) {
		unsigned code = chain & 0xfu;
		const char *name = code < HUSH_ARRAY_SIZE(names) ? names[code] : "?";
		size_t add = strlen(name) + (len ? 1 : 0);

		if (len + add < n) {
			if (len)
				out[len] = '>';
			memcpy(out + len + (len ? 1 : 0), name, strlen(name) + 1);
		}
		len += add;
	}
	return len;
}

int hush_decode_parse(unsigned *out, const char *list)
{
	unsigned mask = 0;
	const char *p = list;

	if (!strcmp(list, "none")) {
		*out = 0;
		return 0;
	}
	if (!strcmp(list, "all")) {
		*out = HUSH_DECODE_ALL;
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 6 && !memcmp(p, "base64", 6))
			mask |= HUSH_DECODE_BASE64;
		else if (n == 3 && !memcmp(p, "hex", 3))
			mask |= HUSH_DECODE_HEX;
		else if (n == 7 && !memcmp(p, "percent", 7))
			mask |= HUSH_DECODE_PERCENT;
		else
			return -1;
		p += n;
		if (*p == ',' && *++p == '\0')
			return -1; /* a trailing comma */
	}
	if (!mask)
		return -1;
	*out = mask;
	return 0;
}

/* ---- decoders ---- */

size_t hush_base64_decode(unsigned char *out, const char *in, size_t len)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	pthread_once(&cls_once, init_tables);
	for (size_t i = 0; i < len; i++) {
		int v = b64val[(unsigned char)in[i]];

		if (v < 0)
			continue; /* '=' padding */
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return n;
}

size_t hush_hex_decode(unsigned char *out, const char *in, size_t len)
{
	size_t n = 0;

	pthread_once(&cls_once, init_tables);
	for (size_t i = 0; i + 1 < len; i += 2) {
		int hi = hexval[(unsigned char)in[i]], lo = hexval[(unsigned char)in[i + 1]];

		if (hi < 0 || lo < 0)
			break;
		out[n++] = (unsigned char)(hi << 4 | lo);
	}
	return n;
}

size_t hush_percent_decode(unsigned char *out, const char *in, size_t len)
{
	size_t n = 0;

	pthread_once(&cls_once, init_tables);
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '%' && i + 2 < len && hexval[(unsigned char)in[i + 1]] >= 0 &&
		    hexval[(unsigned char)in[i + 2]] >= 0) {
			out[n++] = (unsigned char)(hexval[(unsigned char)in[i + 1]] << 4 | hexval[(unsigned char)in[i + 2]]);
			i += 2;
		} else {
			out[n++] = (unsigned char)in[i];
		}
	}
	return n;
}

/* The first bytes of a decoded span: no NUL, at most one control byte, valid UTF-8 (a cut sequence at the end
 * excepted). */
static bool head_is_text(const unsigned char *s, size_t len)
{
	size_t ctrl = 0;
	bool ascii = true;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x80)
			ascii = false;
		else if (c == 0 || ((c < 0x20 || c == 0x7f) && c != '\t' && c != '\n' && c != '\r' && ++ctrl > 1))
			return false;
	}
	return ascii || hush__utf8_valid((const char *)s, len > 3 ? len - 3 : len);
}

bool hush_decoded_is_text(const unsigned char *s, size_t len)
{
	size_t ctrl = 0;
	bool ascii = true;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x80) {
			ascii = false;
		} else if (c < 0x20 || c == 0x7f) {
			if (c == 0)
				return false;
			if (c != '\t' && c != '\n' && c != '\r')
				ctrl++;
		}
	}
	if (ctrl * 32 > len)
		return false;
	return ascii || hush__utf8_valid((const char *)s, len);
}

size_t hush__dec_decode(unsigned enc, const char *span, size_t len, unsigned char *out)
{
	size_t n, head;

	if (len > HUSH_DECODE_MAX_SPAN)
		len = HUSH_DECODE_MAX_SPAN;
	if (enc == HUSH_DECODE_BASE64) {
		/* most candidates (identifiers, binary blobs) fail on their first bytes: check 12 before the rest */
		head = len > 16 ? 16 : len;
		n = hush_base64_decode(out, span, head);
		if (!head_is_text(out, n))
			return 0;
		n = hush_base64_decode(out, span, len);
	} else if (enc == HUSH_DECODE_HEX) {
		head = len > 24 ? 24 : len;
		n = hush_hex_decode(out, span, head);
		if (!head_is_text(out, n))
			return 0;
		n = hush_hex_decode(out, span, len);
	} else {
		n = hush_percent_decode(out, span, len);
	}
	return n && hush_decoded_is_text(out, n) ? n : 0;
}

/* ---- finding spans ---- */

#define AT(i) ((unsigned char)base[(i) - base_off])

#if defined(__x86_64__) || defined(__i386__)
/*
 * Classification by nibbles (the pshufb technique): byte c is in the class when lut_lo[c & 15] & lut_hi[c >> 4]
 * is not zero. Each high nibble 2..7 has a bit; lut_lo says in which of those rows the low nibble belongs.
 * Bytes >= 0x80 have no row. Rows: 2 "+-/", 3 digits, 4 "A-O", 5 "P-Z_", 6 "a-o", 7 "p-z".
 */
static const unsigned char lut_hi[16] = { 0, 0, 1, 2, 4, 8, 16, 32, 0, 0, 0, 0, 0, 0, 0, 0 };
static const unsigned char lut_b64[16] = { 2 | 8 | 32,      2 | 4 | 8 | 16 | 32, 2 | 4 | 8 | 16 | 32,
					   2 | 4 | 8 | 16 | 32, 2 | 4 | 8 | 16 | 32, 2 | 4 | 8 | 16 | 32,
					   2 | 4 | 8 | 16 | 32, 2 | 4 | 8 | 16 | 32, 2 | 4 | 8 | 16 | 32,
					   2 | 4 | 8 | 16 | 32, 4 | 8 | 16 | 32,   1 | 4 | 16,
					   4 | 16,              1 | 4 | 16,         4 | 16,
					   1 | 4 | 8 | 16 };
static const unsigned char lut_hex[16] = { 2, 2 | 4 | 16, 2 | 4 | 16, 2 | 4 | 16, 2 | 4 | 16, 2 | 4 | 16,
					   2 | 4 | 16, 2, 2, 2, 0, 0, 0, 0, 0, 0 };
/* for the base64 plausibility test: upper case, lower case, and digits with '+' and '/' */
static const unsigned char lut_upper[16] = { 8, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 4, 4, 4, 4, 4 };
static const unsigned char lut_lower[16] = { 32, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 16, 16, 16, 16, 16 };
static const unsigned char lut_digit[16] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 1, 0, 0, 0, 1 };
/* the two alphabets' own symbols: '+' and '/' (standard), '-' and '_' (URL-safe) */
static const unsigned char lut_std[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 };
static const unsigned char lut_url[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 8 };

/* The bytes in the class of lo_tab among 64 bytes at p. */
__attribute__((target("avx2"))) static inline uint64_t lut64_avx2(const unsigned char *lo_tab, const unsigned char *p)
{
	__m256i lo_lut = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)lo_tab));
	__m256i hi_lut = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)lut_hi));
	__m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	uint64_t out = 0;

	for (int half = 0; half < 2; half++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * half));
		__m256i lo = _mm256_and_si256(v, nib), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
		__m256i t = _mm256_and_si256(_mm256_shuffle_epi8(lo_lut, lo), _mm256_shuffle_epi8(hi_lut, hi));
		uint32_t none = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(t, zero));

		out |= (uint64_t)(~none) << (32 * half);
	}
	return out;
}

/* With AVX-512BW: the 64 bytes at p in one register, each byte's lo_tab[low nibble] & hi_tab[high nibble]. */
__attribute__((target("avx512f,avx512bw"))) static inline __m512i nibbles512(const unsigned char *lo_tab,
									     const unsigned char *hi_tab,
									     const unsigned char *p)
{
	__m512i lo_lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)lo_tab));
	__m512i hi_lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)hi_tab));
	__m512i nib = _mm512_set1_epi8(0x0f), v = _mm512_loadu_si512((const void *)p);
	__m512i lo = _mm512_and_si512(v, nib), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);

	return _mm512_and_si512(_mm512_shuffle_epi8(lo_lut, lo), _mm512_shuffle_epi8(hi_lut, hi));
}

/* lut64_avx2 with AVX-512BW: the class straight into a mask register. */
__attribute__((target("avx512f,avx512bw"))) static inline uint64_t lut64_avx512(const unsigned char *lo_tab,
										 const unsigned char *p)
{
	__m512i t = nibbles512(lo_tab, lut_hi, p);

	return (uint64_t)_mm512_test_epi8_mask(t, t);
}

/* lut64 on the instruction set isa (a constant where it is inlined). */
static ALWAYS_INLINE uint64_t lut64(int isa, const unsigned char *lo_tab, const unsigned char *p)
{
	return isa == ISA_AVX512 ? lut64_avx512(lo_tab, p) : lut64_avx2(lo_tab, p);
}
#endif

#if defined(__x86_64__) || defined(__i386__)
/*
 * One pass of the same technique that sorts 64 bytes into the base64 class and the three kinds of character a
 * base64 encoding of text always has (b64_plausible): upper case, lower case, digit or '+' or '/'. The bits of a
 * byte's row value: 0 digits, 1 "+/", 2 "A-O", 3 "P-Z", 4 "a-o", 5 "p-z", 6 "-", 7 "_"; a kind's two rows are
 * neighbours, so t | t << 1 holds each kind in one bit (1, 3 and 5).
 */
static const unsigned char kind_hi[16] = { 0, 0, 2 | 64, 1, 4, 8 | 128, 16, 32, 0, 0, 0, 0, 0, 0, 0, 0 };
static const unsigned char kind_lo[16] = {
	1 | 8 | 32,      1 | 4 | 8 | 16 | 32, 1 | 4 | 8 | 16 | 32, 1 | 4 | 8 | 16 | 32, 1 | 4 | 8 | 16 | 32,
	1 | 4 | 8 | 16 | 32, 1 | 4 | 8 | 16 | 32, 1 | 4 | 8 | 16 | 32, 1 | 4 | 8 | 16 | 32, 1 | 4 | 8 | 16 | 32,
	4 | 8 | 16 | 32, 2 | 4 | 16,         4 | 16,             4 | 16 | 64,        4 | 16,
	2 | 4 | 16 | 128,
};

__attribute__((target("avx2"))) static inline uint64_t kinds64_avx2(const unsigned char *p, uint64_t *upper,
								   uint64_t *lower, uint64_t *digsym)
{
	__m256i lo_lut = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)kind_lo));
	__m256i hi_lut = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)kind_hi));
	__m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	uint64_t m = 0, u = 0, l = 0, d = 0;

	for (int half = 0; half < 2; half++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * half));
		__m256i lo = _mm256_and_si256(v, nib), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
		__m256i t = _mm256_and_si256(_mm256_shuffle_epi8(lo_lut, lo), _mm256_shuffle_epi8(hi_lut, hi));
		__m256i t2 = _mm256_or_si256(t, _mm256_add_epi8(t, t));
		unsigned sh = 32 * (unsigned)half;

		m |= (uint64_t)(uint32_t)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(t, zero)) << sh;
		d |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t2, 6)) << sh;
		u |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t2, 4)) << sh;
		l |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t2, 2)) << sh;
	}
	*upper = u;
	*lower = l;
	*digsym = d;
	return m;
}

__attribute__((target("avx512f,avx512bw"))) static inline uint64_t kinds64_avx512(const unsigned char *p,
										   uint64_t *upper, uint64_t *lower,
										   uint64_t *digsym)
{
	__m512i t = nibbles512(kind_lo, kind_hi, p);

	*digsym = (uint64_t)_mm512_test_epi8_mask(t, _mm512_set1_epi8(1 | 2));
	*upper = (uint64_t)_mm512_test_epi8_mask(t, _mm512_set1_epi8(4 | 8));
	*lower = (uint64_t)_mm512_test_epi8_mask(t, _mm512_set1_epi8(16 | 32));
	return (uint64_t)_mm512_test_epi8_mask(t, t);
}
#endif

#if defined(__SSE2__)
static inline __m128i in_range(__m128i v, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
			     _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1))));
}

/* Bit i set when p[i] is of class k (C_B64 or C_HEX), for 16 bytes. Bytes >= 0x80 compare as negative: never. */
static inline uint64_t mask16(unsigned k, const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
	__m128i m = in_range(v, '0', '9');

	if (k == C_HEX) {
		m = _mm_or_si128(m, in_range(lower, 'a', 'f'));
	} else {
		m = _mm_or_si128(m, in_range(lower, 'a', 'z'));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')),
						 _mm_cmpeq_epi8(v, _mm_set1_epi8('/'))));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
						 _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
	}
	return (uint64_t)(unsigned)_mm_movemask_epi8(m);
}
#endif

/*
 * Bit i set when p[i] is of class k, for n <= 64 bytes (bits n and up clear). isa is a constant where this is
 * inlined: the search is compiled three times, for AVX-512BW, AVX2 and the baseline instruction set, and picked at
 * run time.
 */
static ALWAYS_INLINE uint64_t class_mask(unsigned k, const unsigned char *p, size_t n, int isa)
{
	uint64_t m = 0;

	(void)isa;
	if (n == 64) {
#if defined(__x86_64__) || defined(__i386__)
		if (isa != ISA_BASE)
			return lut64(isa, k == C_HEX ? lut_hex : lut_b64, p);
#endif
#if defined(__SSE2__)
		return mask16(k, p) | mask16(k, p + 16) << 16 | mask16(k, p + 32) << 32 | mask16(k, p + 48) << 48;
#endif
	}
	for (size_t i = 0; i < n; i++)
		m |= (uint64_t)((cls[p[i]] & k) != 0) << i;
	return m;
}

/*
 * class_mask for C_B64, with the bytes of the three kinds among them (the scalar path computes the same masks from
 * the class table).
 */
static ALWAYS_INLINE uint64_t b64_mask(const unsigned char *p, size_t n, int isa, uint64_t *u, uint64_t *l,
				       uint64_t *d)
{
	uint64_t m = 0, uu = 0, ll = 0, dd = 0;

	(void)isa;
#if defined(__x86_64__) || defined(__i386__)
	if (n == 64 && isa == ISA_AVX512)
		return kinds64_avx512(p, u, l, d);
	if (n == 64 && isa == ISA_AVX2)
		return kinds64_avx2(p, u, l, d);
#endif
	for (size_t i = 0; i < n; i++) {
		unsigned c = cls[p[i]];

		m |= (uint64_t)((c & C_B64) != 0) << i;
		uu |= (uint64_t)((c & C_UPPER) != 0) << i;
		ll |= (uint64_t)((c & C_LOWER) != 0) << i;
		dd |= (uint64_t)((c & C_DIGSYM) != 0) << i;
	}
	*u = uu;
	*l = ll;
	*d = dd;
	return m;
}

/* Bit j set when bits j - minlen + 1 .. j of m are all set: a run of minlen ends at j (within m only). */
static inline uint64_t run_ends(uint64_t m, unsigned minlen)
{
	uint64_t m2 = m & m << 1, m4 = m2 & m2 << 2, m8 = m4 & m4 << 4, m16 = m8 & m8 << 8;

	if (minlen == HUSH_DECODE_MIN_HEX)
		return m16 & m16 << 16;
	return m16 & m4 << 16; /* 20: 16 ending at j and 4 ending 16 before */
}

/* a + b + *carry, the carry out in *carry (0 or 1) */
static ALWAYS_INLINE uint64_t add_carry(uint64_t a, uint64_t b, unsigned char *carry)
{
#if defined(__x86_64__)
	unsigned long long sum;

	*carry = _addcarry_u64(*carry, a, b, &sum);
	return sum;
#else
	uint64_t sum = a + b, total = sum + *carry;

	*carry = (unsigned char)((sum < a) | (total < sum));
	return total;
#endif
}

/*
 * Bit j set when byte j is the first after a run of m that holds a byte of each of u, l and d: (m + (x & m)) & ~m
 * for each kind x. carry[k] is added to kind k's sum and receives its carry out, so that a run open at the block's
 * end passes what it holds on to the next block (all zero: the block alone).
 */
static ALWAYS_INLINE uint64_t past_kinds(uint64_t m, uint64_t u, uint64_t l, uint64_t d, unsigned char carry[3])
{
	return add_carry(m, u & m, &carry[0]) & add_carry(m, l & m, &carry[1]) & add_carry(m, d & m, &carry[2]) & ~m;
}

/*
 * The base64 runs of a block worth a closer look: a bit inside each run of m that is long enough and holds an
 * upper-case letter, a lower-case letter and a digit or '+' or '/' (seeds u, l, d), which b64_plausible requires
 * of every run it accepts; and the run open at the block's end when it is long enough, since its kinds are not all
 * known yet. Adding a run's seeds to m carries out of the run into the bit past its end (outside m), and no
 * further, so (m + (x & m)) & ~m marks the runs that hold a seed of x. This drops most identifiers and paths
 * (they lack a case or a digit) without the branches and table lookups of b64_plausible.
 */
static inline uint64_t b64_candidates(uint64_t m, uint64_t u, uint64_t l, uint64_t d)
{
	unsigned char none[3] = { 0, 0, 0 };
	uint64_t ends = run_ends(m, HUSH_DECODE_MIN_BASE64);

	return (past_kinds(m, u, l, d, none) >> 1 & ends) | (ends & (uint64_t)1 << 63);
}

/*
 * Worth decoding as base64: both letter cases (text encodes to both; most identifiers and paths that form such
 * long runs lack digits) and a digit, '+' or '/' (every base64 encoding of a token has one; of prose, all but
 * about 1 in 30 short ones). An all-hex run lacks letters beyond 'f' and usually one case: the hex decoder's.
 * And few symbols, from one alphabet: the base64 of ASCII text has a symbol ('+' or '/', '-' or '_', the values
 * 62 and 63) only where every third byte is '>', '?', '~' or DEL, so at most an eighth of its characters are
 * symbols, while the identifiers and paths that pass the first test (ossl_check_X509_NAME_sk_type,
 * src/lib/Make_vms) have more, or both alphabets. A long run is judged by its first 64-byte pieces, up to the
 * one where all three kinds of character have been seen.
 */
static ALWAYS_INLINE bool b64_plausible(const char *base, uint64_t base_off, uint64_t avail_end, uint64_t s,
					uint64_t e, int isa)
{
	uint64_t u = 0, l = 0, d = 0, seen = 0, nstd = 0, nurl = 0;

	if (e - s < HUSH_DECODE_MIN_BASE64)
		return false;
	for (uint64_t i = s; i < e; i += 64) {
		const unsigned char *p = (const unsigned char *)base + (i - base_off);
		uint64_t keep = e - i >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << (e - i)) - 1;

#if defined(__x86_64__) || defined(__i386__)
		if (avail_end - i >= 64 && isa != ISA_BASE) {
			u |= lut64(isa, lut_upper, p) & keep;
			l |= lut64(isa, lut_lower, p) & keep;
			d |= lut64(isa, lut_digit, p) & keep;
			nstd += (uint64_t)__builtin_popcountll(lut64(isa, lut_std, p) & keep);
			nurl += (uint64_t)__builtin_popcountll(lut64(isa, lut_url, p) & keep);
		} else
#endif
		{
			for (uint64_t k = 0; k < 64 && i + k < e; k++) {
				unsigned c = cls[p[k]];

				u |= (uint64_t)((c & C_UPPER) != 0);
				l |= (uint64_t)((c & C_LOWER) != 0);
				d |= (uint64_t)((c & C_HEX) && !(c & (C_UPPER | C_LOWER))) | (p[k] == '+') | (p[k] == '/');
				nstd += (uint64_t)(p[k] == '+' || p[k] == '/');
				nurl += (uint64_t)(p[k] == '-' || p[k] == '_');
			}
		}
		seen += e - i >= 64 ? 64 : e - i;
		if (nstd && nurl)
			return false;
		if (u && l && d)
			return (nstd + nurl) * 8 <= seen;
	}
	(void)avail_end;
	(void)isa;
	return false;
}

/* A hex run inside a longer word (an identifier, a base64 token) is not hex-encoded text. */
static ALWAYS_INLINE bool hex_plausible(const char *base, uint64_t base_off, uint64_t avail_end, uint64_t s,
					uint64_t e, int isa)
{
	(void)isa;
	if (e - s < HUSH_DECODE_MIN_HEX)
		return false;
	if (s > base_off && (cls[AT(s - 1)] & C_ALNUM) && !(cls[AT(s - 1)] & C_HEX))
		return false; /* (after a hex digit: the next piece of a long run) */
	if (e < avail_end && (cls[AT(e)] & C_ALNUM) && !(cls[AT(e)] & C_HEX))
		return false;
	return true;
}

/*
 * The next maximal run of bytes of class k, at least minlen long, starting in [cur->pos, limit), that passes
 * plausible() (NULL: any). The input is classified 64 bytes at a time into a bit mask and runs are found with bit
 * operations on it, so a block costs the same however many short runs it holds; a rejected run is masked out
 * of its block, which is not classified again. Invariant: cur->pos is the start of the input, follows a byte
 * outside the class, or (cur->cont) is the start of the next piece of a long run.
 */
static ALWAYS_INLINE bool plausible(unsigned k, const char *base, uint64_t base_off, uint64_t avail_end,
				     uint64_t s, uint64_t e, int isa)
{
	return k == C_HEX ? hex_plausible(base, base_off, avail_end, s, e, isa)
			  : b64_plausible(base, base_off, avail_end, s, e, isa);
}

/*
 * Pass over whole blocks in which no run of minlen ends and into which the run open before them does not reach
 * minlen: most blocks, at one predictable branch each (run_next's own loop has several per block, and they
 * mispredict on ordinary text). Returns the first block to look at closely (or the first that is not whole),
 * with *rs where the run open at it started.
 */
static ALWAYS_INLINE uint64_t skip_blocks(unsigned k, unsigned minlen, const char *base, uint64_t base_off,
					  uint64_t avail_end, uint64_t limit, uint64_t b, uint64_t *rs, int isa)
{
	uint64_t r = *rs;

	while (avail_end - b >= 64 && r < limit) {
		uint64_t m = class_mask(k, (const unsigned char *)base + (b - base_off), 64, isa);
		/* (a block all in the class stops the pass: the open run then has 63 bytes or more) */
		uint64_t lead = (uint64_t)__builtin_ctzll(~m | (uint64_t)1 << 63);

		if (b - r + lead >= minlen || run_ends(m, minlen))
			break;
		r = b + 64 - (uint64_t)__builtin_clzll(~m);
		b += 64;
	}
	*rs = r;
	return b;
}

/*
 * skip_blocks for base64, which also passes over the blocks whose runs all lack one of the three kinds of
 * character (b64_plausible): every base64 text it accepts has an upper-case letter, a lower-case letter and a
 * digit, '+' or '/', and most long runs of source text (identifiers, paths, words) lack one. past_kinds marks the
 * byte after each run that holds all three; here each kind's addition takes the carry out of the previous block's,
 * so a run that crosses blocks is judged whole, from where it began (r), without going back.
 * A block stops the pass when a run that ends in it is long enough and holds all three kinds. Its length is known
 * from r for the run open at the block's start, and from run_ends for the runs that begin in it.
 *
 * The run open when the pass begins started before b when r < b (run_next looked at it): its kinds are not known,
 * so they count as present, which leaves it to run_next as skip_blocks would. The pass stops short of a run that
 * reaches HUSH_DECODE_MAX_SPAN bytes, which run_next cuts into pieces.
 *
 * Kinds and carries cost most of a block's work, and four blocks of text in five need neither: no run of minlen
 * ends in them, whatever it holds. Those are passed over on the class mask alone (measured on the bench corpus:
 * 79% of blocks; 22% fewer instructions for the search on the AVX2 path, under callgrind).
 */
static ALWAYS_INLINE uint64_t skip_b64(const char *base, uint64_t base_off, uint64_t avail_end, uint64_t limit,
				       uint64_t b, uint64_t *rs, int isa)
{
	uint64_t r = *rs;
	unsigned char carry[3] = { r < b, r < b, r < b };
	bool stale = false; /* carry is out of date: the block before b was passed over on its class mask alone */

	while (avail_end - b >= 64 && r < limit) {
		uint64_t u, l, d, m = class_mask(C_B64, (const unsigned char *)base + (b - base_off), 64, isa);
		uint64_t out = ~m, past, first, lead_len;

		lead_len = b + (uint64_t)__builtin_ctzll(out | (uint64_t)1 << 63) - r;
		if (!run_ends(m, HUSH_DECODE_MIN_BASE64) && lead_len < HUSH_DECODE_MIN_BASE64) {
			/*
			 * No run of minlen ends in this block, whatever its kinds (most blocks of text): pass over it on
			 * the class mask alone. Such a block has a byte outside the class, so the run open at its end
			 * starts in it, and its carries are worked out from it alone when the next block needs them.
			 */
			r = b + 64 - (uint64_t)__builtin_clzll(out);
			b += 64;
			stale = true;
			continue;
		}
		if (stale) {
			uint64_t pm = b64_mask((const unsigned char *)base + (b - 64 - base_off), 64, isa, &u, &l, &d);

			carry[0] = carry[1] = carry[2] = 0;
			(void)past_kinds(pm, u, l, d, carry);
			stale = false;
		}
		m = b64_mask((const unsigned char *)base + (b - base_off), 64, isa, &u, &l, &d);
		past = past_kinds(m, u, l, d, carry);
		first = out & (m + 1); /* the byte after the run open at b (0 when the run fills the block) */
		if ((past & (run_ends(m, HUSH_DECODE_MIN_BASE64) << 1 | (lead_len >= HUSH_DECODE_MIN_BASE64 ? first : 0))) ||
		    b + 128 - r > HUSH_DECODE_MAX_SPAN)
			break;
		if (out)
			r = b + 64 - (uint64_t)__builtin_clzll(out); /* after the last byte outside the class */
		b += 64;
	}
	*rs = r;
	return b;
}

static ALWAYS_INLINE bool run_next(unsigned k, unsigned minlen, const char *base, uint64_t base_off,
				   uint64_t avail_end, uint64_t limit, hush__dec_cursor *cur, uint64_t *s, uint64_t *e,
				   int isa)
{
	uint64_t rs, b, end;

again:
	rs = b = cur->pos;
	if (cur->cont) {
		cur->cont = false;
		if (rs < limit && rs < avail_end) {
			end = rs;
			goto extend;
		}
		cur->cont = true;
		return false;
	}
	/* rs: where the run open at b started (b itself when the byte before b is outside the class) */
	while (b < avail_end && rs < limit) {
		size_t n;
		uint64_t valid, u = 0, l = 0, d = 0, m;

		b = k == C_B64 ? skip_b64(base, base_off, avail_end, limit, b, &rs, isa)
			       : skip_blocks(k, minlen, base, base_off, avail_end, limit, b, &rs, isa);
		if (b >= avail_end || rs >= limit)
			break;
		n = avail_end - b < 64 ? (size_t)(avail_end - b) : 64;
		valid = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
		m = k == C_B64 ? b64_mask((const unsigned char *)base + (b - base_off), n, isa, &u, &l, &d)
					: class_mask(k, (const unsigned char *)base + (b - base_off), n, isa);

		for (;;) {
			uint64_t zeros = ~m & valid, t;
			unsigned j;

			if (!zeros) { /* rs <= b here: bits of rejected runs are cleared, so zeros would not be 0 */
				if (b + n - rs >= minlen) {
					end = b + n;
					goto extend; /* the run goes on past this block */
				}
				break;
			}
			if (rs <= b && b - rs + (uint64_t)__builtin_ctzll(zeros) >= minlen) {
				end = b + (uint64_t)__builtin_ctzll(zeros); /* the run open at b ends in this block */
			} else if (!(t = k == C_B64 ? b64_candidates(m, u, l, d) : run_ends(m, minlen))) {
				rs = b + 64 - (uint64_t)__builtin_clzll(zeros); /* after the last byte outside the class */
				break;
			} else {
				/* a run inside the block: it starts after the last zero below its end */
				j = (unsigned)__builtin_ctzll(t);
				rs = b + 64 - (uint64_t)__builtin_clzll(zeros & (((uint64_t)1 << j) - 1));
				zeros >>= j;
				if (!zeros) {
					end = b + n;
					goto extend;
				}
				end = b + j + (uint64_t)__builtin_ctzll(zeros);
			}
			if (rs >= limit)
				goto none;
			if (plausible(k, base, base_off, avail_end, rs, end, isa)) {
				cur->pos = end;
				cur->cont = false;
				*s = rs;
				*e = end;
				return true;
			}
			/* rejected: clear the run and the byte after it, and look on in this block */
			m &= ~(end - b + 1 >= 64 ? ~(uint64_t)0 : ((uint64_t)2 << (end - b)) - 1);
			rs = end + 1;
			if (rs >= b + n)
				break;
		}
		b += n;
	}
none:
	cur->pos = rs;
	return false;
extend:
	while (end < avail_end && end - rs < HUSH_DECODE_MAX_SPAN && (cls[AT(end)] & k))
		end++;
	if (rs >= limit) {
		cur->pos = rs;
		return false;
	}
	cur->pos = end;
	cur->cont = end - rs == HUSH_DECODE_MAX_SPAN && end < avail_end && (cls[AT(end)] & k);
	*s = rs;
	*e = end;
	if (plausible(k, base, base_off, avail_end, rs, end, isa))
		return true;
	goto again; /* a long run not worth decoding: go on after it (or after this piece of it) */
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) static bool run_search_avx2(unsigned k, const char *base, uint64_t base_off,
							    uint64_t avail_end, uint64_t limit, hush__dec_cursor *cur,
							    uint64_t *s, uint64_t *e)
{
	return k == C_HEX ? run_next(C_HEX, HUSH_DECODE_MIN_HEX, base, base_off, avail_end, limit, cur, s, e, ISA_AVX2)
			  : run_next(C_B64, HUSH_DECODE_MIN_BASE64, base, base_off, avail_end, limit, cur, s, e, ISA_AVX2);
}

__attribute__((target("avx2,avx512f,avx512bw"))) static bool run_search_avx512(unsigned k, const char *base,
									      uint64_t base_off, uint64_t avail_end,
									      uint64_t limit, hush__dec_cursor *cur,
									      uint64_t *s, uint64_t *e)
{
	return k == C_HEX
		       ? run_next(C_HEX, HUSH_DECODE_MIN_HEX, base, base_off, avail_end, limit, cur, s, e, ISA_AVX512)
		       : run_next(C_B64, HUSH_DECODE_MIN_BASE64, base, base_off, avail_end, limit, cur, s, e, ISA_AVX512);
}
#endif

static bool run_search(unsigned k, const char *base, uint64_t base_off, uint64_t avail_end, uint64_t limit,
		       hush__dec_cursor *cur, uint64_t *s, uint64_t *e)
{
#if defined(__x86_64__) || defined(__i386__)
	if (search_isa == ISA_AVX512)
		return run_search_avx512(k, base, base_off, avail_end, limit, cur, s, e);
	if (search_isa == ISA_AVX2)
		return run_search_avx2(k, base, base_off, avail_end, limit, cur, s, e);
#endif
	return k == C_HEX ? run_next(C_HEX, HUSH_DECODE_MIN_HEX, base, base_off, avail_end, limit, cur, s, e, ISA_BASE)
			  : run_next(C_B64, HUSH_DECODE_MIN_BASE64, base, base_off, avail_end, limit, cur, s, e, ISA_BASE);
}

static bool pct_next(const char *base, uint64_t base_off, uint64_t avail_end, uint64_t limit, hush__dec_cursor *cur,
		     uint64_t *s, uint64_t *e)
{
	uint64_t from = cur->pos;

	while (from < limit) {
		const char *q = memchr(base + (from - base_off), '%', (size_t)(avail_end - from));
		uint64_t pct, rs, re;
		bool ok = false;

		if (!q) {
			if (from < limit)
				from = limit; /* no escape up to the end of the data */
			break;
		}
		pct = base_off + (uint64_t)(q - base);
		if (pct + 2 >= avail_end) {
			from = cur->pos; /* the escape is cut: search again when there is more input */
			break;
		}
		if (hexval[AT(pct + 1)] < 0 || hexval[AT(pct + 2)] < 0) {
			from = pct + 1;
			continue;
		}
		rs = pct;
		while (rs > cur->pos && pct - rs < HUSH_DECODE_MAX_SPAN / 2 && (cls[AT(rs - 1)] & C_URL))
			rs--;
		if (rs >= limit) {
			from = rs;
			break;
		}
		re = pct + 3;
		while (re < avail_end && re - rs < HUSH_DECODE_MAX_SPAN && (cls[AT(re)] & C_URL))
			re++;
		ok = re - rs >= HUSH_DECODE_MIN_PERCENT;
		cur->pos = re;
		cur->cont = false;
		if (ok) {
			*s = rs;
			*e = re;
			return true;
		}
		from = re;
	}
	cur->pos = from;
	return false;
}

int hush__dec_set_isa(int isa)
{
	pthread_once(&cls_once, init_tables);
	if (isa >= ISA_BASE && isa <= cpu_isa)
		search_isa = isa;
	return search_isa;
}

bool hush__dec_next(unsigned enc, const char *base, uint64_t base_off, uint64_t avail_end, uint64_t limit,
		    hush__dec_cursor *cur, uint64_t *s, uint64_t *e)
{
	pthread_once(&cls_once, init_tables);
	if (cur->pos < base_off)
		cur->pos = base_off;
	if (enc == HUSH_DECODE_PERCENT)
		return pct_next(base, base_off, avail_end, limit, cur, s, e);
	if (!run_search(enc == HUSH_DECODE_HEX ? C_HEX : C_B64, base, base_off, avail_end, limit, cur, s, e))
		return false;
	if (enc == HUSH_DECODE_HEX)
		return true;
	if (!cur->cont) { /* the padding belongs to the span */
		for (unsigned pad = 0; pad < 2 && *e < avail_end && AT(*e) == '='; pad++)
			(*e)++;
		cur->pos = *e;
	}
	return true;
}

/* ---- UTF-16 text ---- */

int hush__utf16_sniff(const char *data, size_t len, size_t *bom)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t pairs = (len < HUSH_UTF16_SNIFF_BYTES ? len : HUSH_UTF16_SNIFF_BYTES) / 2, zero_even = 0, zero_odd = 0;

	*bom = 0;
	/* a byte-order mark, and a NUL byte after it (without one, the bytes are text as they are) */
	if (len >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)) &&
	    memchr(p + 2, 0, (len < HUSH_UTF16_SNIFF_BYTES ? len : HUSH_UTF16_SNIFF_BYTES) - 2)) {
		*bom = 2;
		return p[0] == 0xff ? HUSH_UTF16_LE : HUSH_UTF16_BE;
	}
	/* (text without a NUL byte, nearly every file, is settled by one memchr) */
	if (pairs < 8 || !memchr(p, 0, 2 * pairs))
		return 0;
	for (size_t i = 0; i < pairs; i++) {
		zero_even += p[2 * i] == 0;
		zero_odd += p[2 * i + 1] == 0;
	}
	/* ASCII text in UTF-16: the high byte of (nearly) every code unit is 0, the low byte (nearly) never */
	if (zero_odd * 10 >= pairs * 9 && zero_even * 32 <= pairs)
		return HUSH_UTF16_LE;
	if (zero_even * 10 >= pairs * 9 && zero_odd * 32 <= pairs)
		return HUSH_UTF16_BE;
	return 0;
}

size_t hush__utf16_to_utf8(char *out, const char *data, size_t len, int endian)
{
	const unsigned char *p = (const unsigned char *)data;
	unsigned char *o = (unsigned char *)out;
	size_t n = len / 2; /* a last odd byte is dropped */

	for (size_t i = 0; i < n; i++) {
		uint32_t u = endian == HUSH_UTF16_BE ? (uint32_t)p[2 * i] << 8 | p[2 * i + 1]
						       : (uint32_t)p[2 * i + 1] << 8 | p[2 * i];

		if (u >= 0xd800 && u < 0xdc00 && i + 1 < n) {
			uint32_t v = endian == HUSH_UTF16_BE ? (uint32_t)p[2 * i + 2] << 8 | p[2 * i + 3]
							       : (uint32_t)p[2 * i + 3] << 8 | p[2 * i + 2];

			if (v >= 0xdc00 && v < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
				i++;
			}
		}
		if (u >= 0xd800 && u < 0xe000)
			u = 0xfffd; /* a lone surrogate */
		if (u < 0x80) {
			*o++ = (unsigned char)u;
		} else if (u < 0x800) {
			*o++ = (unsigned char)(0xc0 | u >> 6);
			*o++ = (unsigned char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			*o++ = (unsigned char)(0xe0 | u >> 12);
			*o++ = (unsigned char)(0x80 | (u >> 6 & 0x3f));
			*o++ = (unsigned char)(0x80 | (u & 0x3f));
		} else {
			*o++ = (unsigned char)(0xf0 | u >> 18);
			*o++ = (unsigned char)(0x80 | (u >> 12 & 0x3f));
			*o++ = (unsigned char)(0x80 | (u >> 6 & 0x3f));
			*o++ = (unsigned char)(0x80 | (u & 0x3f));
		}
	}
	return (size_t)(o - (unsigned char *)out);
}
