/* oidset.h: a set of 20-byte object ids (open addressing; the ids are already uniformly distributed). */
#ifndef HUSH_COMMON_OIDSET_H
#define HUSH_COMMON_OIDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUSH_OID_LEN 20

typedef struct {
	unsigned char *keys; /* cap * HUSH_OID_LEN bytes */
	unsigned char *used; /* cap flags */
	size_t cap, count;
} hush__oidset;

#define HUSH_OIDSET_INIT { NULL, NULL, 0, 0 }

/* Add id. Returns 1 when it was new, 0 when it was there already, HUSH_ENOMEM on failure. */
int hush__oidset_add(hush__oidset *s, const unsigned char id[HUSH_OID_LEN]);
bool hush__oidset_has(const hush__oidset *s, const unsigned char id[HUSH_OID_LEN]);
void hush__oidset_dispose(hush__oidset *s);

/* A map from 20-byte object ids to 32-bit values. */
typedef struct {
	hush__oidset keys;
	uint32_t *vals;
} hush__oidmap;

#define HUSH_OIDMAP_INIT { HUSH_OIDSET_INIT, NULL }

/* Look id up; returns true and sets *val when present. */
bool hush__oidmap_get(const hush__oidmap *m, const unsigned char id[HUSH_OID_LEN], uint32_t *val);
/* Insert or replace. Returns 0 or HUSH_ENOMEM. */
int hush__oidmap_put(hush__oidmap *m, const unsigned char id[HUSH_OID_LEN], uint32_t val);
void hush__oidmap_dispose(hush__oidmap *m);

#endif
