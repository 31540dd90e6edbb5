/* glob.c: path glob matching for allowlists ('*', '?', '**', '[...]', trailing '/'). */
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

static bool glob_at(const char *p, const char *s)
{
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			const char *rest = p + 2;

			if (*rest == '/') { /* a double star and a slash match zero or more whole segments */
				rest++;
				if (glob_at(rest, s))
					return true;
				for (const char *t = s; *t; t++)
					if (*t == '/' && glob_at(rest, t + 1))
						return true;
				return false;
			}
			for (const char *t = s;; t++) {
				if (glob_at(rest, t))
					return true;
				if (!*t)
					return false;
			}
		}
		if (*p == '*') {
			for (const char *t = s;; t++) {
				if (glob_at(p + 1, t))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		}
		if (!*s)
			return false;
		if (*p == '?') {
			if (*s == '/')
				return false;
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			if (*s == '/' || !match_class(&p, *s))
				return false;
			s++;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *s == '\0';
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
		char tmp[1024];

		if (plen + 3 > sizeof(tmp))
			return false;
		memcpy(tmp, pattern, plen);
		memcpy(tmp + plen, "**", 3);
		if (glob_at(tmp, path))
			return true;
		tmp[plen - 1] = '\0';
		return glob_at(tmp, path);
	}
	if (!strchr(pattern, '/')) {
		/* a pattern without a slash matches the last path segment anywhere, as in .gitignore */
		const char *base = strrchr(path, '/');

		return glob_at(pattern, base ? base + 1 : path) || glob_at(pattern, path);
	}
	return glob_at(pattern, path);
}
