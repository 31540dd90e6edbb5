/*
 * bench/cpuprobe.c: how fast this machine's CPU is right now, with no I/O, no system calls and no memory traffic.
 * It runs a fixed amount of work shaped like a scanner's inner loop (AVX2 nibble lookups, as vectorscan's and
 * hush's classifiers do) over a 256 KiB buffer that stays in the L2 cache, and prints the seconds it took. Run it
 * several times, pinned to one CPU: on a dedicated machine the times agree within a few percent; on this project's
 * shared VM they have ranged over 1.3 to 1.8 times within a minute, which is how far any throughput figure of
 * bench/scan.sh can move with no change to hush (bench/README.md, "How noisy the machine is").
 *
 *   cc -O2 -o bench/out/cpuprobe bench/cpuprobe.c
 *   for i in 1 2 3 4 5 6 7 8 9 10; do taskset -c 0 bench/out/cpuprobe; sleep 2; done
 *
 * Without AVX2 (or off x86) it runs the same work with scalar table lookups; the times are then not comparable
 * with AVX2 ones, only with each other.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define BUF_BYTES ((size_t)256 << 10)
#define PASSES 80000

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static unsigned run_avx2(const unsigned char *p, size_t n, unsigned passes)
{
	__m256i lut = _mm256_setr_epi8(3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8,
				       9, 7, 9, 3);
	__m256i nib = _mm256_set1_epi8(0x0f), acc = _mm256_setzero_si256();

	for (unsigned r = 0; r < passes; r++) {
		for (size_t i = 0; i < n; i += 32) {
			__m256i v = _mm256_load_si256((const __m256i *)(const void *)(p + i));
			__m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(v, nib));
			__m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));

			acc = _mm256_xor_si256(_mm256_add_epi8(acc, lo), hi);
		}
	}
	return (unsigned)_mm256_movemask_epi8(acc);
}
#endif

static unsigned run_scalar(const unsigned char *p, size_t n, unsigned passes)
{
	static const unsigned char lut[16] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3 };
	unsigned acc = 0;

	for (unsigned r = 0; r < passes; r++)
		for (size_t i = 0; i < n; i++)
			acc = (acc + lut[p[i] & 15]) ^ lut[p[i] >> 4];
	return acc;
}

int main(void)
{
	unsigned char *buf = aligned_alloc(64, BUF_BYTES);
	unsigned sink;
	double t0, t1;
	int avx2 = 0;

	if (!buf) {
		fprintf(stderr, "cpuprobe: out of memory\n");
		return 2;
	}
	for (size_t i = 0; i < BUF_BYTES; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
#if defined(__x86_64__)
	avx2 = __builtin_cpu_supports("avx2");
#endif
	t0 = now();
#if defined(__x86_64__)
	sink = avx2 ? run_avx2(buf, BUF_BYTES, PASSES) : run_scalar(buf, BUF_BYTES, PASSES / 16);
#else
	sink = run_scalar(buf, BUF_BYTES, PASSES / 16);
#endif
	t1 = now();
	printf("%.3f s (%s, %u)\n", t1 - t0, avx2 ? "avx2" : "scalar", sink & 1);
	free(buf);
	return 0;
}
