/* cache.h: the on-disk cache of serialized vectorscan databases (internal to the scanner). */
#ifndef HUSH_SCANNER_CACHE_H
#define HUSH_SCANNER_CACHE_H

#include <hs/hs.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t back;      /* a match starts at most this far before its prefilter hit */
	uint32_t fwd;       /* a match ends at most this far after its prefilter hit */
	uint32_t min_width; /* shortest prefilter match (never 0) */
} hush__rule_width;

/* Directory to use: the option when set, else $XDG_CACHE_HOME/hush, else $HOME/.cache/hush. Malloc'd or NULL. */
char *hush__cache_dir(const char *option);

/*
 * Look up a database. Returns 0 and fills db and widths (nrules entries) on a hit. Anything unexpected in the
 * entry (wrong magic, key, size, checksum, a database libhs refuses) is a miss, never trusted.
 */
int hush__cache_load(const char *dir, const unsigned char key[32], size_t nrules, hs_database_t **db,
		     hush__rule_width *widths);

/* Save a database; failures are ignored (the cache is an optimisation). Written to a temp file, then renamed. */
void hush__cache_store(const char *dir, const unsigned char key[32], const hs_database_t *db,
		       const hush__rule_width *widths, size_t nrules);

/* CRC-32C (Castagnoli) of n bytes, as iSCSI and SSE4.2 compute it: "123456789" gives 0xe3069283. */
uint32_t hush__crc32c(const void *data, size_t n);

#endif
