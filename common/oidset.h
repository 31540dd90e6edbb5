/* oidset.h: a set of 20-byte object ids (open addressing; the ids are already uniformly distributed). */
#ifndef HUSH_COMMON_OIDSET_H
#define HUSH_COMMON_OIDSET_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
