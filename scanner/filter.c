/*
 * filter.c: the checks every candidate secret goes through (placeholders, templates, masks, sequences, known
 * example values, stopwords) and the context a path gives its findings.
 */
#include <string.h>

#include "hush/filter.h"
#include "common/util.h"
#include "common/banned.h"

/* Contained anywhere in the value, case-insensitively. */
static const char *const placeholder_words[] = {
	"xxxx", "****", "....", "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2", /* ••• */
	"changeme", "change_me", "change-me", "example", "placeholder", "your_", "your-", "yourtoken", "yourkey",
	"yoursecret", "yourpassword", "dummy", "redacted", "insert", "replace", "qwerty", "asdfgh", "zxcvbn",
	"fake", "notreal", "not_real", "not-real", "not_a_real", "not-a-real",
};

/*
 * Values published as examples in specifications and vendor documentation, found verbatim in countless READMEs,
 * docstrings and tests (contained anywhere in the value, case-sensitively).
 */
static const char *const known_examples[] = {
	/* RFC 6749 (OAuth 2.0): access and refresh token, authorization code, client secret */
	"2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA", "SplxlOBeZQQYbYS6WxSbIA", "7Fjfp0ZBr1KtDRbnfVdmIw",
	"czZCaGRSa3F0MzpnWDFmQmF0M2JW", "gX1fBat3bV",
	/* RFC 5849 (OAuth 1.0): consumer keys and secrets, tokens */
	"dpf43f3p2l4k3l03", "kd94hf93k423kf44", "hh5s93j4hdidpola", "hdhd0244k9j7ao03", "nnch734d00sl2jdk",
	"pfkkdhi9sl3r4s00", "kllo9940pd9333jh", "9djdj82h48djs9d2", "0685bd9184jfhq22", "ad180jjd733klru7",
	/* jwt.io's HS256 example token (its signature) */
	"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
	/* Stripe's documentation test keys */
	"4eC39HqLyjWDarjtT1zdp7dc", "TYooMQauvdEDq54NiTphI7jx",
	/* AWS's documented key pair (their "EXAMPLE" is too small a part of them for a token rule's word check) */
	"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

static bool enclosed(const char *s, size_t len, const char *open, const char *close)
{
	const char *a = hush__memcasemem(s, len, open, strlen(open));

	return a && hush__memcasemem(a, len - (size_t)(a - s), close, strlen(close));
}

static bool is_ident(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
	       c == '.';
}

/* s[1 .. len-1) is a non-empty identifier: the inside of @VAR@, %VAR%, {name}, [NAME], __NAME__ */
static bool ident_between(const char *s, size_t len, size_t skip)
{
	if (len <= 2 * skip)
		return false;
	for (size_t i = skip; i < len - skip; i++)
		if (!is_ident((unsigned char)s[i]))
			return false;
	return true;
}

/* ${VAR}, {{ x }}, %(name)s, <your-token>, $(cmd), #{ruby}, @VAR@, %VAR%, {name}, [NAME], __NAME__, $VAR */
static bool is_template(const char *s, size_t len)
{
	unsigned char f = (unsigned char)s[0], l = (unsigned char)s[len - 1];

	if (enclosed(s, len, "${", "}") || enclosed(s, len, "{{", "}}") || enclosed(s, len, "%(", ")") ||
	    enclosed(s, len, "$(", ")") || enclosed(s, len, "#{", "}") || enclosed(s, len, "<your", ">") ||
	    enclosed(s, len, "<insert", ">"))
		return true;
	if (f == '<' && l == '>')
		return true;
	if (((f == '@' && l == '@') || (f == '%' && l == '%') || (f == '{' && l == '}') || (f == '[' && l == ']')) &&
	    ident_between(s, len, 1))
		return true;
	if (len >= 5 && s[0] == '_' && s[1] == '_' && s[len - 1] == '_' && s[len - 2] == '_' && ident_between(s, len, 2))
		return true;
	if (f == '$' && len >= 2) { /* $VAR, the whole value */
		for (size_t i = 1; i < len; i++)
			if (!is_ident((unsigned char)s[i]))
				return false;
		return true;
	}
	return false;
}

/* A run of 6 characters each one more (or one less) than the one before: 123456, abcdef, FEDCBA, 987654. */
static bool has_sequence(const char *s, size_t len)
{
	size_t up = 1, down = 1;

	for (size_t i = 1; i < len; i++) {
		unsigned char a = (unsigned char)s[i - 1], b = (unsigned char)s[i];
		bool same_class = ((a >= '0' && a <= '9') && (b >= '0' && b <= '9')) ||
				  ((a >= 'a' && a <= 'z') && (b >= 'a' && b <= 'z')) ||
				  ((a >= 'A' && a <= 'Z') && (b >= 'A' && b <= 'Z'));

		up = same_class && b == a + 1 ? up + 1 : 1;
		down = same_class && b + 1 == a ? down + 1 : 1;
		if (up >= 6 || down >= 6)
			return true;
	}
	return false;
}

/* The value repeats a unit of up to 16 bytes at least twice: abcabcabc, 12341234, deadbeefdeadbeef. */
static bool is_periodic(const char *s, size_t len)
{
	for (size_t p = 1; p <= 16 && 2 * p <= len; p++) {
		size_t i;

		for (i = p; i < len && s[i] == s[i - p]; i++)
			;
		if (i == len)
			return true;
	}
	return false;
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * A mask of x's: most letters are x or X, three at least (XXXX-XXXX, 1234-xxx-xxx), or a whole segment of three
 * x's or more between separators (sk_live_xxx_123, AKIA-XXX).
 */
static bool is_x_mask(const char *s, size_t len)
{
	size_t x = 0, letters = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			letters++;
			x += (c == 'x' || c == 'X');
		}
		if ((c == 'x' || c == 'X') && (i == 0 || !is_alnum((unsigned char)s[i - 1]))) {
			size_t j = i;

			while (j < len && (s[j] == 'x' || s[j] == 'X'))
				j++;
			if (j - i >= 3 && (j == len || !is_alnum((unsigned char)s[j])))
				return true;
		}
	}
	return x >= 3 && 2 * x >= letters;
}

/*
 * A placeholder word in the value. anywhere: wherever it is (generic rules: values of no known format, where
 * "myFakePassword1" is a placeholder). Otherwise the word must make up a quarter of the value at least
 * ("fake-token-1", "sk_live_dummy_key", "example-key-123"), or begin or end it ("your-mandrill-api-key1"), or
 * hold a separator: a token of a known format is random, and a random 40-character token holds "fake" in some mix
 * of cases about once in 25,000.
 */
static bool has_placeholder_word(const char *s, size_t len, bool anywhere)
{
	for (size_t i = 0; i < HUSH_ARRAY_SIZE(placeholder_words); i++) {
		const char *w = placeholder_words[i], *at;
		size_t n = strlen(w);
		bool alnum = true;

		for (size_t k = 0; k < n; k++)
			alnum = alnum && is_alnum((unsigned char)w[k]);
		if (!(at = hush__memcasemem(s, len, w, n)))
			continue;
		/* a word with a separator ("your_", "****") cannot come out of a random token */
		if (anywhere || !alnum || 4 * n >= len || at == s || hush__memcasemem(s + len - n, n, w, n))
			return true;
	}
	return false;
}

static bool placeholder(const char *s, size_t len, bool anywhere)
{
	size_t i;

	if (len == 0)
		return true;
	for (i = 1; i < len && s[i] == s[0]; i++)
		;
	if (i == len)
		return true; /* one repeated character */
	if (has_placeholder_word(s, len, anywhere))
		return true;
	for (i = 0; i < HUSH_ARRAY_SIZE(known_examples); i++) {
		size_t n = strlen(known_examples[i]);

		for (const char *p = s; (p = memchr(p, known_examples[i][0], len - (size_t)(p - s))) != NULL; p++)
			if ((size_t)(s + len - p) >= n && !memcmp(p, known_examples[i], n))
				return true;
	}
	return is_template(s, len) || is_x_mask(s, len) || has_sequence(s, len) || is_periodic(s, len);
}

bool hush_is_placeholder(const char *s, size_t len)
{
	return placeholder(s, len, true);
}

bool hush_is_keyboard_mash(const char *s, size_t len)
{
	static const char home[] = "asdfghjkl";
	size_t letters = 0, on_home = 0, run = 0, best = 0;

	if (len > 24)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9') {
			run = 0;
			continue;
		}
		if (c < 'a' || c > 'z')
			return false;
		letters++;
		if (strchr(home, c)) {
			on_home++;
			if (++run > best)
				best = run;
		} else {
			run = 0;
		}
	}
	return letters >= 6 && 10 * on_home >= 6 * letters && best >= 3;
}

bool hush_filter_accept(const hush_rule *rule, const char *secret, size_t len, double entropy)
{
	if (rule->literal)
		return true; /* an exact value the user manages: no heuristic applies */
	if (rule->min_entropy > 0 && entropy < rule->min_entropy)
		return false;
	if (placeholder(secret, len, rule->generic))
		return false;
	if (rule->generic && hush_is_keyboard_mash(secret, len))
		return false;
	for (size_t i = 0; i < rule->nstopwords; i++)
		if (hush__memcasemem(secret, len, rule->stopwords[i], strlen(rule->stopwords[i])))
			return false;
	return true;
}

/* ---- context ---- */

static const char *const test_dirs[] = {
	"test", "tests", "spec", "specs", "fixture", "fixtures", "__tests__", "__fixtures__", "__mocks__",
	"testdata", "test-data", "test_data", "testing",
};
static const char *const doc_dirs[] = { "doc", "docs", "documentation", "example", "examples", "sample", "samples" };
static const char *const doc_exts[] = { ".md", ".markdown", ".rst", ".adoc" };

static bool name_in(const char *name, size_t n, const char *const *set, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(set[i]) == n && hush__memcasemem(name, n, set[i], n) != NULL)
			return true;
	return false;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

/* test_x.py, x_test.go, x.test.js, x.spec.ts, x_spec.rb, XTest.java, XTests.cs */
static bool test_file_name(const char *base, size_t n)
{
	const char *dot = NULL;
	size_t stem;

	for (size_t i = n; i-- > 1;)
		if (base[i] == '.') {
			dot = base + i;
			break;
		}
	stem = dot ? (size_t)(dot - base) : n;
	if (n > 5 && !memcmp(base, "test_", 5))
		return true;
	return ends_with(base, stem, "_test") || ends_with(base, stem, ".test") || ends_with(base, stem, "_spec") ||
	       ends_with(base, stem, ".spec") || (stem > 4 && ends_with(base, stem, "Test")) ||
	       (stem > 5 && ends_with(base, stem, "Tests"));
}

hush_path_context hush_path_context_of(const char *relpath)
{
	const char *p = relpath, *slash;
	bool docs = false;

	if (!relpath)
		return HUSH_CONTEXT_NONE;
	while ((slash = strchr(p, '/')) != NULL) {
		size_t n = (size_t)(slash - p);

		if (name_in(p, n, test_dirs, HUSH_ARRAY_SIZE(test_dirs)))
			return HUSH_CONTEXT_TEST;
		if (name_in(p, n, doc_dirs, HUSH_ARRAY_SIZE(doc_dirs)))
			docs = true;
		p = slash + 1;
	}
	if (test_file_name(p, strlen(p)))
		return HUSH_CONTEXT_TEST;
	for (size_t i = 0; i < HUSH_ARRAY_SIZE(doc_exts) && !docs; i++) {
		size_t n = strlen(p), k = strlen(doc_exts[i]);

		docs = n > k && hush__memcasemem(p + n - k, k, doc_exts[i], k) != NULL;
	}
	return docs ? HUSH_CONTEXT_DOCS : HUSH_CONTEXT_NONE;
}

const char *hush_path_context_name(hush_path_context c)
{
	return c == HUSH_CONTEXT_TEST ? "test" : c == HUSH_CONTEXT_DOCS ? "docs" : NULL;
}
