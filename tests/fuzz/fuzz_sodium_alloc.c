/*
 * fuzz_sodium_alloc.c: linked into every fuzz target. hush keeps secrets in sodium_malloc'd memory: whole pages from
 * mmap, with a guard page after the block only. ASan sees none of it (no bounds checks inside or before a block,
 * no use after free) and LeakSanitizer misses its leaks. Here sodium_malloc and sodium_free (which take precedence
 * over libsodium's for hush's calls) go through malloc, so both check hush's secret buffers too. Fuzzing only:
 * the memory is neither locked nor guarded nor wiped.
 */
#include <stdlib.h>
#include <string.h>

void *sodium_malloc(size_t size);
void sodium_free(void *ptr);

void *sodium_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p)
		memset(p, 0xdb, size); /* libsodium fills new blocks with 0xdb too: nothing may rely on zeros */
	return p;
}

void sodium_free(void *ptr)
{
	free(ptr);
}
