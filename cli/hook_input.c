/* hook_input.c: parse the ref lines git gives the pre-push and pre-receive hooks on stdin. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/hook_input.h"
#include "hush/error.h"
#include "common/util.h"
#include "common/banned.h"

#define ZERO_OID "0000000000000000000000000000000000000000"

static bool is_oid(const char *s, size_t len)
{
	if (len != HOOK_OID_HEXSZ)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Split one hook input line into whitespace-separated fields; returns how many (at most max). */
static size_t fields(const char *line, size_t len, const char **f, size_t *flen, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i >= len)
			break;
		f[n] = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		flen[n] = (size_t)(line + i - f[n]);
		n++;
	}
	return n;
}

static int push_update(hook_updates *u, const char *tip, const char *base)
{
	hook_update *h;

	if (hush__array_grow((void **)&u->v, &u->alloc, u->n, sizeof(*u->v)))
		return HUSH_ENOMEM;
	h = &u->v[u->n++];
	memcpy(h->tip, tip, HOOK_OID_HEXSZ);
	h->tip[HOOK_OID_HEXSZ] = '\0';
	memcpy(h->base, base, HOOK_OID_HEXSZ);
	h->base[HOOK_OID_HEXSZ] = '\0';
	return 0;
}

/*
 * The lines of data, each split into at most nfields fields. tip and base are the indexes of the fields that hold
 * the new tip and the base. what and expected name the hook and the line format in messages.
 */
static int parse_lines(hook_updates *out, const char *data, size_t len, size_t nfields, size_t tip, size_t base,
		       const char *what, const char *expected)
{
	for (const char *p = data, *end = data + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *f[4];
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), fl[4], nf = fields(p, n, f, fl, nfields);
		const char *line = p;

		p = nl ? nl + 1 : end;
		if (nf == 0)
			continue;
		if (nf != nfields || !is_oid(f[tip], fl[tip]) || !is_oid(f[base], fl[base])) {
			hush_error_set("cannot read the %s input line '%.*s': expected '%s'", what, (int)(n > 200 ? 200 : n),
				       line, expected);
			return HUSH_EINVALID;
		}
		if (!memcmp(f[tip], ZERO_OID, HOOK_OID_HEXSZ))
			continue; /* a deletion: nothing new */
		if (push_update(out, f[tip], f[base]))
			return HUSH_ENOMEM;
	}
	return 0;
}

int hook_parse_pre_push(hook_updates *out, const char *data, size_t len)
{
	return parse_lines(out, data, len, 4, 1, 3, "pre-push",
			   "<local ref> <local sha> <remote ref> <remote sha>");
}

int hook_parse_pre_receive(hook_updates *out, const char *data, size_t len)
{
	return parse_lines(out, data, len, 3, 1, 0, "pre-receive", "<old sha> <new sha> <ref>");
}

void hook_updates_dispose(hook_updates *u)
{
	free(u->v);
	memset(u, 0, sizeof(*u));
}
