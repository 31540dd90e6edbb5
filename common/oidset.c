/* oidset.c: a set of 20-byte object ids with linear probing, kept at most half full. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/oidset.h"
#include "common/util.h"
#include "hush/error.h"
#include "common/banned.h"

static size_t slot_of(const unsigned char *id, size_t cap)
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return (size_t)(h & (cap - 1));
}

static size_t find(const hush__oidset *s, const unsigned char *id)
{
	size_t i = slot_of(id, s->cap);

	while (s->used[i] && memcmp(s->keys + i * HUSH_OID_LEN, id, HUSH_OID_LEN))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int grow(hush__oidset *s, uint32_t **vals)
{
	hush__oidset n = HUSH_OIDSET_INIT;
	uint32_t *nv = NULL;

	n.cap = s->cap ? s->cap * 2 : 1024;
	n.keys = hush__malloc(n.cap * HUSH_OID_LEN);
	n.used = hush__calloc(n.cap, 1);
	if (vals)
		nv = hush__calloc(n.cap, sizeof(*nv));
	if (!n.keys || !n.used || (vals && !nv)) {
		free(n.keys);
		free(n.used);
		free(nv);
		return HUSH_ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (s->used[i]) {
			size_t j = find(&n, s->keys + i * HUSH_OID_LEN);

			memcpy(n.keys + j * HUSH_OID_LEN, s->keys + i * HUSH_OID_LEN, HUSH_OID_LEN);
			n.used[j] = 1;
			if (vals)
				nv[j] = (*vals)[i];
		}
	}
	n.count = s->count;
	hush__oidset_dispose(s);
	*s = n;
	if (vals) {
		free(*vals);
		*vals = nv;
	}
	return 0;
}

int hush__oidset_add(hush__oidset *s, const unsigned char id[HUSH_OID_LEN])
{
	size_t i;

	if ((s->count + 1) * 2 > s->cap && grow(s, NULL))
		return HUSH_ENOMEM;
	i = find(s, id);
	if (s->used[i])
		return 0;
	memcpy(s->keys + i * HUSH_OID_LEN, id, HUSH_OID_LEN);
	s->used[i] = 1;
	s->count++;
	return 1;
}

bool hush__oidset_has(const hush__oidset *s, const unsigned char id[HUSH_OID_LEN])
{
	return s->cap && s->used[find(s, id)];
}

void hush__oidset_dispose(hush__oidset *s)
{
	free(s->keys);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

bool hush__oidmap_get(const hush__oidmap *m, const unsigned char id[HUSH_OID_LEN], uint32_t *val)
{
	size_t i;

	if (!m->keys.cap)
		return false;
	i = find(&m->keys, id);
	if (!m->keys.used[i])
		return false;
	*val = m->vals[i];
	return true;
}

int hush__oidmap_put(hush__oidmap *m, const unsigned char id[HUSH_OID_LEN], uint32_t val)
{
	size_t i;

	if ((m->keys.count + 1) * 2 > m->keys.cap && grow(&m->keys, &m->vals))
		return HUSH_ENOMEM;
	i = find(&m->keys, id);
	if (!m->keys.used[i]) {
		memcpy(m->keys.keys + i * HUSH_OID_LEN, id, HUSH_OID_LEN);
		m->keys.used[i] = 1;
		m->keys.count++;
	}
	m->vals[i] = val;
	return 0;
}

void hush__oidmap_dispose(hush__oidmap *m)
{
	hush__oidset_dispose(&m->keys);
	free(m->vals);
	m->vals = NULL;
}
