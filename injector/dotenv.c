/* dotenv.c: parse dotenv files into hush_secret values, and quote values so that they parse back exactly. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hush/dotenv.h"
#include "hush/error.h"
#include "hush/vault.h"
#include "common/util.h"
#include "common/banned.h"

#define NAME_MAX_LEN 128

typedef struct {
	char *name;
	hush_secret *value;
	size_t line;
} dotenv_entry;

struct hush_dotenv {
	dotenv_entry *v;
	size_t n, alloc;
};

typedef struct {
	const char *data;
	size_t len, p, line;
	const char *origin;
} parser;

static int syntax(const parser *ps, size_t line, const char *what)
{
	/* SECURITY: never quote the line: it may be a secret */
	hush_error_set("%s:%zu: %s", ps->origin, line, what);
	return HUSH_EINVALID;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* At the end of a line: LF, CR LF, a CR at the end of the data, or the end of the data. */
static bool at_eol(const parser *ps)
{
	if (ps->p >= ps->len || ps->data[ps->p] == '\n')
		return true;
	return ps->data[ps->p] == '\r' && (ps->p + 1 >= ps->len || ps->data[ps->p + 1] == '\n');
}

/* Skip to just after the end of the current line. */
static void next_line(parser *ps)
{
	while (ps->p < ps->len && ps->data[ps->p] != '\n')
		ps->p++;
	if (ps->p < ps->len) {
		ps->p++;
		ps->line++;
	}
}

static void skip_blanks(parser *ps)
{
	while (ps->p < ps->len && blank(ps->data[ps->p]))
		ps->p++;
}

static int add(hush_dotenv *d, const char *name, size_t nlen, hush_secret *value, size_t line)
{
	char *copy;

	for (size_t i = 0; i < d->n; i++) {
		if (strlen(d->v[i].name) == nlen && !memcmp(d->v[i].name, name, nlen)) {
			hush_secret_free(d->v[i].value); /* the last definition wins */
			d->v[i].value = value;
			d->v[i].line = line;
			return 0;
		}
	}
	if (!(copy = hush__strndup(name, nlen)) || hush__array_grow((void **)&d->v, &d->alloc, d->n + 1,
								     sizeof(*d->v)) != 0) {
		free(copy);
		hush_secret_free(value);
		hush_error_set("out of memory");
		return HUSH_ENOMEM;
	}
	d->v[d->n].name = copy;
	d->v[d->n].value = value;
	d->v[d->n].line = line;
	d->n++;
	return 0;
}

/* The length of a quoted value's raw bytes decoded: at most raw; exact would need the escape rules twice. */
static size_t decoded_len(const char *raw, size_t len, char q)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++, n++) {
		if (raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n')
			i++;
		else if (q == '"' && raw[i] == '\\' && i + 1 < len && strchr("nrt\"\\$", raw[i + 1]))
			i++;
	}
	return n;
}

/* A quoted value starting at the opening quote; *out gets the decoded bytes. */
static int quoted(hush_secret **out, parser *ps)
{
	char q = ps->data[ps->p];
	size_t start_line = ps->line, start = ++ps->p, end, n = 0;
	unsigned char *w;
	hush_secret *s = NULL;

	/* find the closing quote first: the raw length bounds the decoded one */
	for (end = start; end < ps->len && ps->data[end] != q; end++)
		if (q == '"' && ps->data[end] == '\\' && end + 1 < ps->len)
			end++;
	if (end >= ps->len)
		return syntax(ps, start_line, q == '"' ? "unterminated double-quoted value"
						       : "unterminated single-quoted value");
	if (decoded_len(ps->data + start, end - start, q) > HUSH_VAULT_MAX_VALUE)
		return syntax(ps, start_line, "value too large");
	if (hush_secret_new(&s, NULL, decoded_len(ps->data + start, end - start, q)) != 0)
		return HUSH_ENOMEM;
	w = hush_secret_data(s);
	for (size_t i = start; i < end; i++) {
		char c = ps->data[i];

		if (c == '\n')
			ps->line++;
		if (c == '\r' && i + 1 < end && ps->data[i + 1] == '\n')
			continue; /* CR LF inside a value reads as LF */
		if (q == '"' && c == '\\') {
			char e = ps->data[++i];

			switch (e) {
			case 'n': w[n++] = '\n'; break;
			case 'r': w[n++] = '\r'; break;
			case 't': w[n++] = '\t'; break;
			case '"': case '\\': case '$': w[n++] = (unsigned char)e; break;
			default:
				/* an unknown escape keeps its backslash, as in the shell */
				if (e == '\n')
					ps->line++;
				w[n++] = '\\';
				if (e == '\r' && i + 1 < end && ps->data[i + 1] == '\n')
					break; /* the LF comes next */
				w[n++] = (unsigned char)e;
				break;
			}
			continue;
		}
		w[n++] = (unsigned char)c;
	}
	ps->p = end + 1;
	hush_secret_truncate(s, n);
	skip_blanks(ps);
	if (!at_eol(ps) && ps->data[ps->p] != '#') {
		hush_secret_free(s);
		return syntax(ps, ps->line, "unexpected text after the closing quote");
	}
	next_line(ps);
	*out = s;
	return 0;
}

/* An unquoted value: to the end of the line or a comment (a '#' after whitespace), trimmed. */
static int unquoted(hush_secret **out, parser *ps)
{
	size_t start = ps->p, end;

	while (!at_eol(ps) && !(ps->data[ps->p] == '#' && blank(ps->data[ps->p - 1])))
		ps->p++;
	end = ps->p;
	while (end > start && (blank(ps->data[end - 1]) || ps->data[end - 1] == '\r'))
		end--;
	if (end - start > HUSH_VAULT_MAX_VALUE)
		return syntax(ps, ps->line, "value too large");
	if (hush_secret_new(out, ps->data + start, end - start) != 0)
		return HUSH_ENOMEM;
	next_line(ps);
	return 0;
}

int hush_dotenv_parse(hush_dotenv **out, const char *data, size_t len, const char *origin)
{
	parser ps = { data, len, 0, 1, origin };
	hush_dotenv *d;
	const char *nul;
	int err = 0;

	*out = NULL;
	if ((nul = memchr(data, '\0', len))) {
		size_t line = 1;

		for (const char *c = data; c < nul; c++)
			line += *c == '\n';
		return syntax(&ps, line, "NUL byte in a dotenv file");
	}
	if (!(d = hush__calloc(1, sizeof(*d)))) {
		hush_error_set("out of memory");
		return HUSH_ENOMEM;
	}
	while (ps.p < ps.len) {
		size_t line = ps.line, name_start, name_len;
		char name[NAME_MAX_LEN + 1];
		hush_secret *value = NULL;
		bool valid;

		skip_blanks(&ps);
		if (at_eol(&ps) || data[ps.p] == '#') {
			next_line(&ps);
			continue;
		}
		if (ps.len - ps.p > 7 && !memcmp(data + ps.p, "export", 6) && blank(data[ps.p + 6])) {
			ps.p += 6;
			skip_blanks(&ps);
		}
		name_start = ps.p;
		while (!at_eol(&ps) && data[ps.p] != '=' && !blank(data[ps.p]))
			ps.p++;
		name_len = ps.p - name_start;
		skip_blanks(&ps);
		if (at_eol(&ps) || data[ps.p] != '=') {
			err = syntax(&ps, line, "expected NAME=value");
			goto cleanup;
		}
		valid = name_len > 0 && name_len <= NAME_MAX_LEN;
		if (valid) {
			memcpy(name, data + name_start, name_len);
			name[name_len] = '\0';
			valid = hush_vault_name_valid(name);
		}
		if (!valid) {
			err = syntax(&ps, line, "invalid variable name: use a letter or '_', then letters, digits or '_' "
						"(at most 128)");
			goto cleanup;
		}
		ps.p++; /* '=' */
		skip_blanks(&ps);
		if (ps.p < ps.len && (data[ps.p] == '"' || data[ps.p] == '\''))
			err = quoted(&value, &ps);
		else
			err = unquoted(&value, &ps);
		if (err)
			goto cleanup;
		if ((err = add(d, name, name_len, value, line)) != 0)
			goto cleanup;
	}
cleanup:
	if (err) {
		hush_dotenv_free(d);
		return err;
	}
	*out = d;
	return 0;
}

void hush_dotenv_free(hush_dotenv *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].name);
		hush_secret_free(d->v[i].value);
	}
	free(d->v);
	free(d);
}

size_t hush_dotenv_count(const hush_dotenv *d)
{
	return d->n;
}

const char *hush_dotenv_name_at(const hush_dotenv *d, size_t i)
{
	return d->v[i].name;
}

const hush_secret *hush_dotenv_value_at(const hush_dotenv *d, size_t i)
{
	return d->v[i].value;
}

size_t hush_dotenv_line_at(const hush_dotenv *d, size_t i)
{
	return d->v[i].line;
}

int hush_dotenv_quote(const void *value, size_t len, hush_dotenv_sink sink, void *ctx)
{
	const char *in = value;
	size_t run = 0;
	int err;

	if (memchr(in, '\0', len)) {
		hush_error_set("a value with a NUL byte cannot be written to a dotenv file");
		return HUSH_EINVALID;
	}
	if ((err = sink(ctx, "\"", 1)) != 0)
		return err;
	for (size_t i = 0; i < len; i++) {
		const char *esc;

		switch (in[i]) {
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '$': esc = "\\$"; break;
		default: continue;
		}
		if ((i > run && (err = sink(ctx, in + run, i - run)) != 0) || (err = sink(ctx, esc, 2)) != 0)
			return err;
		run = i + 1;
	}
	if ((len > run && (err = sink(ctx, in + run, len - run)) != 0))
		return err;
	return sink(ctx, "\"", 1);
}
