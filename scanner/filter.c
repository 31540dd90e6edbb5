/* filter.c: placeholder and stopword checks applied to every candidate secret. */
#include <string.h>

#include "hush/filter.h"
#include "common/util.h"
#include "common/banned.h"

static const char *const placeholder_words[] = {
	"xxxx", "****", "....", "changeme", "change_me", "change-me", "example", "placeholder", "your_", "your-",
	"yourtoken", "yourkey", "yoursecret", "yourpassword", "dummy", "redacted", "insert", "replace",
};

static bool enclosed(const char *s, size_t len, const char *open, const char *close)
{
	const char *a = hush__memcasemem(s, len, open, strlen(open));

	return a && hush__memcasemem(a, len - (size_t)(a - s), close, strlen(close));
}

bool hush_is_placeholder(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return true;
	for (i = 1; i < len && s[i] == s[0]; i++)
		;
	if (i == len)
		return true; /* one repeated character */
	for (i = 0; i < HUSH_ARRAY_SIZE(placeholder_words); i++)
		if (hush__memcasemem(s, len, placeholder_words[i], strlen(placeholder_words[i])))
			return true;
	if (enclosed(s, len, "${", "}") || enclosed(s, len, "{{", "}}") || enclosed(s, len, "%(", ")") ||
	    (s[0] == '<' && s[len - 1] == '>') || enclosed(s, len, "<your", ">") || enclosed(s, len, "<insert", ">"))
		return true;
	return false;
}

bool hush_filter_accept(const hush_rule *rule, const char *secret, size_t len, double entropy)
{
	if (rule->literal)
		return true; /* an exact value the user manages: no heuristic applies */
	if (rule->min_entropy > 0 && entropy < rule->min_entropy)
		return false;
	if (hush_is_placeholder(secret, len))
		return false;
	for (size_t i = 0; i < rule->nstopwords; i++)
		if (hush__memcasemem(secret, len, rule->stopwords[i], strlen(rule->stopwords[i])))
			return false;
	return true;
}
