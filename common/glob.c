/* glob.c: path glob matching for allowlists ('*', '?', '**', '[...]', trailing '/'). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/banned.h"

static bool match_class(const char **pp, char c)
{
	const char *p = *pp + 1;
	bool negate = false, ok = false;

	if (*p == '!' || *p == '^') {
		negate = true;
		p++;
	}
	if (*p == ']') { /* a leading ']' is literal */
		ok = (c == ']');
		p++;
	}
	while (*p && *p != ']') {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			if ((unsigned char)c >= (unsigned char)p[0] && (unsigned char)c <= (unsigned char)p[2])
				ok = true;
			p += 3;
		} else {
			if (*p == c)
				ok = true;
			p++;
		}
	}
	if (*p != ']') /* unterminated: treat '[' as a literal */
		return (c == '[') ? (*pp += 1, true) : false;
	*pp = p + 1;
	return ok != negate;
}

/*
 * The state of one match. Backtracking over several stars is exponential (a pattern of eight "**" segments against
 * a path of 26 took 10 seconds; found by fuzz_config), so each (pattern position, path position) that failed is
 * remembered in a bitmap: every state is worked out once, so a match visits at most (pattern x path) states, each
 * trying at most every path position once.
 */
typedef struct {
	const char *p0, *s0;
	size_t slen;
	unsigned char *failed;
} glob_state;

static bool glob_at(glob_state *g, const char *p, const char *s)
{
	size_t key = (size_t)(p - g->p0) * (g->slen + 1) + (size_t)(s - g->s0);
	const char *p_in = p, *s_in = s;
	bool ok = false;

	if (g->failed[key / 8] & (1u << (key % 8)))
		return false;
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			const char *rest = p + 2;

			if (*rest == '/') { /* a double star and a slash match zero or more whole segments */
				rest++;
				ok = glob_at(g, rest, s);
				for (const char *t = s; !ok && *t; t++)
					ok = *t == '/' && glob_at(g, rest, t + 1);
				goto done;
			}
			for (const char *t = s;; t++) {
				if ((ok = glob_at(g, rest, t)) || !*t)
					goto done;
			}
		}
		if (*p == '*') {
			for (const char *t = s;; t++) {
				if ((ok = glob_at(g, p + 1, t)) || !*t || *t == '/')
					goto done;
			}
		}
		if (!*s)
			goto done;
		if (*p == '?') {
			if (*s == '/')
				goto done;
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			if (*s == '/' || !match_class(&p, *s))
				goto done;
			s++;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			goto done;
		p++;
		s++;
	}
	ok = *s == '\0';
done:
	if (!ok) {
		key = (size_t)(p_in - g->p0) * (g->slen + 1) + (size_t)(s_in - g->s0);
		g->failed[key / 8] |= (unsigned char)(1u << (key % 8));
	}
	return ok;
}

/* Match pattern against the whole of path. */
static bool glob_match(const char *pattern, const char *path)
{
	unsigned char small[2048];
	size_t plen = strlen(pattern), slen = strlen(path), bits;
	glob_state g = { pattern, path, slen, small };
	bool ok;

	if (plen > HUSH_GLOB_MAX + 2 || slen > SIZE_MAX / 16 / (HUSH_GLOB_MAX + 1))
		return false;
	/*
	 * A match begins with the pattern's literal head (up to its first special character), byte for byte. Most
	 * paths differ from it within a few bytes: an allowlist is checked for every file a scan reads.
	 */
	for (size_t i = 0; pattern[i] && !strchr("*?[\\", pattern[i]); i++)
		if (pattern[i] != path[i])
			return false;
	bits = (plen + 1) * (slen + 1);
	if (bits / 8 + 1 > sizeof(small) && !(g.failed = hush__malloc(bits / 8 + 1)))
		return false;
	memset(g.failed, 0, bits / 8 + 1);
	ok = glob_at(&g, pattern, path);
	if (g.failed != small)
		free(g.failed);
	return ok;
}

bool hush__glob_match(const char *pattern, const char *path)
{
	size_t plen = strlen(pattern);

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (pattern[0] == '/')
		pattern++, plen--;
	if (plen && pattern[plen - 1] == '/') {
		/* "dir/" matches the directory and everything below it */
		char tmp[HUSH_GLOB_MAX + 3];

		if (plen + 3 > sizeof(tmp))
			return false;
		memcpy(tmp, pattern, plen);
		memcpy(tmp + plen, "**", 3);
		if (glob_match(tmp, path))
			return true;
		tmp[plen - 1] = '\0';
		return glob_match(tmp, path);
	}
	if (!strchr(pattern, '/')) {
		/* a pattern without a slash matches the last path segment anywhere, as in .gitignore */
		const char *base = strrchr(path, '/');

		return glob_match(pattern, base ? base + 1 : path) || glob_match(pattern, path);
	}
	return glob_match(pattern, path);
}
