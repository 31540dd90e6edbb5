/* sink.c: turning matches into findings: allowlists, line filters, fingerprints, redaction, collection. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/sink.h"
#include "scanner/decode.h"
#include "hush/error.h"
#include "common/json.h"
#include "common/util.h"
#include "common/banned.h"

char *hush_redact_preview(const char *secret, size_t len)
{
	size_t show = len >= 16 ? 4 : len / 4;
	char *p = hush__malloc(show + 4);

	if (!p)
		return NULL;
	for (size_t i = 0; i < show; i++) {
		unsigned char c = (unsigned char)secret[i];

		p[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c; /* keep previews printable ASCII */
	}
	memcpy(p + show, "\xe2\x80\xa6", 4); /* U+2026 HORIZONTAL ELLIPSIS */
	return p;
}

bool hush__looks_binary(const char *data, size_t len)
{
	return memchr(data, '\0', len < HUSH__SNIFF_BYTES ? len : HUSH__SNIFF_BYTES) != NULL;
}

int hush__sink_text(hush__sink *s, hush__origin *o, const char **data, size_t *len, hush_buf *u16)
{
	size_t bom;
	int endian = hush__utf16_sniff(*data, *len, &bom);

	if (endian) {
		hush_buf_reset(u16);
		if (hush_buf_grow(u16, hush__utf16_utf8_max(*len - bom)))
			return HUSH_ENOMEM;
		u16->len = hush__utf16_to_utf8(u16->ptr, *data + bom, *len - bom, endian);
		u16->ptr[u16->len] = '\0';
		*data = u16->ptr;
		*len = u16->len;
		o->chain = HUSH_CHAIN_UTF16;
	}
	if (!s->opts->binary && hush__looks_binary(*data, *len))
		return 1;
	return !endian && hush__is_vault_file(o->relpath, *data, *len) ? 2 : 0;
}

static bool only_chars(const char *s, const char *extra, bool alnum)
{
	for (; *s; s++)
		if (!(alnum && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))) &&
		    !strchr(extra, *s))
			return false;
	return true;
}

static const char *str_of(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static bool only_fields(json_t *obj, const char *const *fields, size_t n)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		size_t i;

		for (i = 0; i < n && strcmp(k, fields[i]); i++)
			;
		if (i == n || !json_is_string(v))
			return false;
	}
	return true;
}

bool hush__is_vault_file(const char *relpath, const char *data, size_t len)
{
	static const char *const top[] = { "hush_vault", "environment", "public_key", "key_id" };
	static const char *const entry[] = { "ciphertext", "created", "updated", "updated_by" };
	const char *base = strrchr(relpath, '/'), *k;
	size_t blen, i = 0;
	json_t *root, *sec = NULL, *e;
	bool ok = false;

	/* .hush/<name>.json, with the first non-blank byte '{' and "hush_vault" in the first 512 bytes */
	if (!base || base - relpath < 5 || memcmp(base - 5, ".hush", 5) || (base - relpath > 5 && base[-6] != '/'))
		return false;
	blen = strlen(base + 1);
	if (blen < 6 || strcmp(base + 1 + blen - 5, ".json"))
		return false;
	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r'))
		i++;
	if (i == len || data[i] != '{' || !hush__memcasemem(data, len < 512 ? len : 512, "\"hush_vault\"", 12))
		return false;
	if (!(root = hush__json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL)))
		return false;
	/* our own reference: deleting "secrets" from root below would free it (a use after free inside jansson, which
	 * ASan cannot see; found by make memcheck) */
	sec = json_incref(json_object_get(root, "secrets"));
	if (!json_is_object(sec) || !json_is_integer(json_object_get(root, "hush_vault")))
		goto done;
	json_object_del(root, "hush_vault");
	json_object_del(root, "secrets");
	if (!only_fields(root, top, HUSH_ARRAY_SIZE(top)) ||
	    !only_chars(str_of(root, "public_key"), "+/=", true) ||
	    !only_chars(str_of(root, "key_id"), "", true) ||
	    !only_chars(str_of(root, "environment"), "_-", true))
		goto done;
	json_object_foreach(sec, k, e) {
		if (!json_is_object(e) || !only_fields(e, entry, HUSH_ARRAY_SIZE(entry)) ||
		    !only_chars(k, "_", true) ||
		    !only_chars(str_of(e, "ciphertext"), "+/=", true) ||
		    !only_chars(str_of(e, "created"), "-:TZ", true) ||
		    !only_chars(str_of(e, "updated"), "-:TZ", true))
			goto done;
	}
	ok = true;
done:
	json_decref(sec);
	json_decref(root);
	return ok;
}

unsigned hush__thread_count(const hush_scan_options *o)
{
	long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > HUSH__MAX_THREADS ? HUSH__MAX_THREADS : (unsigned)n;
}

int hush__sink_init(hush__sink *s, const hush_matcher *m, const hush_scan_options *opts)
{
	memset(s, 0, sizeof(*s));
	if (!(s->res = hush__calloc(1, sizeof(*s->res))))
		return HUSH_ENOMEM;
	s->m = m;
	s->opts = opts;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

static void warn_locked(hush__sink *s, const char *msg)
{
	s->res->stats.warnings++;
	if (s->opts->warn)
		s->opts->warn(msg, s->opts->warn_payload);
}

void hush__sink_warn(void *arg, const char *fmt, ...)
{
	hush__sink *s = arg;
	char buf[1024], *msg = buf;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* a long path (folders 512 deep) must not cut off what the warning says about it */
	if (n >= (int)sizeof(buf) && (msg = hush__malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else if (!msg) {
		msg = buf;
	}
	pthread_mutex_lock(&s->lock);
	warn_locked(s, msg);
	pthread_mutex_unlock(&s->lock);
	if (msg != buf)
		free(msg);
}

void hush__sink_limits(hush__sink *s, const hush_match_ctx *ctx, uint64_t before, const char *path, const char *blob)
{
	uint64_t n = hush_match_ctx_limit_hits(ctx) - before;
	const char *rule = hush_match_ctx_limit_rule(ctx);

	if (n == 0)
		return;
	hush__sink_warn(s, "rule '%s' gave up on %s%s%s'%s'%s: its pattern hit PCRE2's backtracking limit %llu time%s; "
			   "secrets there may be missed", rule ? rule : "?", blob ? "blob " : "", blob ? blob : "",
			blob ? " (" : "", path, blob ? ")" : "", (unsigned long long)n, n == 1 ? "" : "s");
}

void hush__sink_fail(hush__sink *s, int err)
{
	pthread_mutex_lock(&s->lock);
	if (!s->err) {
		s->err = err;
		s->err_msg = hush__strdup(hush_error_last());
	}
	pthread_mutex_unlock(&s->lock);
}

/* Called with the lock held. */
static const char *resolve_salt(hush__sink *s)
{
	char root[41];
	int shallow = 0, rc;

	if (s->salt_ready)
		return s->salt ? s->salt : HUSH_DEFAULT_SALT;
	s->salt_ready = true;
	if (s->opts->salt) {
		s->salt = hush__strdup(s->opts->salt);
	} else if (s->opts->config && s->opts->config->salt) {
		s->salt = hush__strdup(s->opts->config->salt);
	} else if ((rc = hush_fingerprint_repo_salt(root, s->opts->root ? s->opts->root : ".", &shallow)) == 0) {
		s->salt = hush__strdup(root);
		if (shallow == 1)
			warn_locked(s, "shallow clone: fingerprints are salted with the shallow boundary commit and "
				       "differ from a full clone's; set 'salt' in .hush.yml");
		else if (shallow)
			warn_locked(s, "a commit on the first-parent chain from HEAD is missing (a damaged repository): "
				       "fingerprints are salted with the last commit reached and differ from a full clone's; "
				       "set 'salt' in .hush.yml");
	} else if (rc != HUSH_ENOTFOUND && !s->err) {
		/* libgit2 cannot be loaded: the default salt would silently change every fingerprint */
		s->err = rc;
		s->err_msg = hush__strdup(hush_error_last());
	}
	return s->salt ? s->salt : HUSH_DEFAULT_SALT;
}

static bool keep_lines(const hush__origin *o, uint64_t first, uint64_t last)
{
	size_t lo = 0, hi = o->nkeep;

	if (!o->keep)
		return true;
	while (lo < hi) { /* first range that ends at or after 'first' */
		size_t mid = lo + (hi - lo) / 2;

		if (o->keep[mid].last < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < o->nkeep && o->keep[lo].first <= last;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int hush__sink_match(const hush_match *m, void *payload)
{
	const hush__origin *o = payload;
	hush__sink *s = o->sink;
	hush_finding f;
	hush_path_context ctx;
	hush_confidence conf = m->rule->confidence;
	bool allowed;
	int err = 0;

	if (!keep_lines(o, m->line, m->end_line))
		return 0;
	if (s->opts->config && o->relpath[0] && hush_config_path_allowed(s->opts->config, o->relpath))
		return 0; /* sources that do not walk the file system (history, index, diffs) meet allowlists here */
	/* a secret in a test fixture or in documentation is more often a sample: one level less confident */
	ctx = m->rule->literal ? HUSH_CONTEXT_NONE : hush_path_context_of(o->relpath);
	if (ctx != HUSH_CONTEXT_NONE && conf > HUSH_CONFIDENCE_LOW)
		conf = (hush_confidence)(conf - 1);
	if (conf < s->opts->min_confidence) {
		pthread_mutex_lock(&s->lock);
		s->res->stats.below_confidence++;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	/* allow.regexes, allow.stopwords and per-rule allow sets; outside the lock (no shared match data) */
	allowed = (m->allowed && !s->opts->no_inline_allow) ||
		  (s->opts->config && hush_config_finding_allowed(s->opts->config, m->rule->id, o->relpath, m->secret,
								  m->secret_len));
	pthread_mutex_lock(&s->lock);
	if (allowed) {
		s->res->stats.allowed++;
		goto unlock;
	}
	hush_fingerprint(f.fingerprint, resolve_salt(s), m->rule->id, o->relpath, m->secret, m->secret_len);
	if (s->opts->config && hush_config_fingerprint_allowed(s->opts->config, f.fingerprint)) {
		s->res->stats.allowed++; /* allow.fingerprints and .hushignore */
		goto unlock;
	}
	if (s->opts->nbaseline && bsearch(&(const char *){ f.fingerprint }, s->opts->baseline, s->opts->nbaseline,
					  sizeof(char *), cmp_str)) {
		s->res->stats.baselined++; /* known before: the baseline comes after every other suppression */
		goto unlock;
	}
	f.rule = m->rule;
	f.line = m->line;
	f.end_line = m->end_line;
	if (o->line_map) {
		f.line = m->line <= o->nline_map ? o->line_map[m->line - 1] : 0;
		f.end_line = m->end_line <= o->nline_map ? o->line_map[m->end_line - 1] : f.line;
		if (f.end_line < f.line)
			f.end_line = f.line;
	}
	f.column = m->column;
	f.start = m->secret_start;
	f.end = m->secret_end;
	f.entropy = m->entropy;
	f.confidence = conf;
	f.context = ctx;
	/* the buffer's own decoding comes first in the chain (a chain holds 8 levels: the innermost may be cut) */
	f.encoding = o->chain ? o->chain | m->encoding << 4 : m->encoding;
	if (o->commit)
		memcpy(f.commit, o->commit, sizeof(f.commit) - 1);
	if (o->blob)
		memcpy(f.blob, o->blob, sizeof(f.blob) - 1);
	f.path = hush__strdup(o->path);
	f.relpath = hush__strdup(o->relpath);
	if (s->opts->show_secrets) {
		f.secret = hush__strndup(m->secret, m->secret_len);
		f.secret_len = m->secret_len;
	} else if (m->rule->literal) {
		f.secret = hush__strdup("\xe2\x80\xa6"); /* a managed value (--vault): not one byte of it */
		f.secret_len = f.secret ? strlen(f.secret) : 0;
	} else {
		f.secret = hush_redact_preview(m->secret, m->secret_len);
		f.secret_len = f.secret ? strlen(f.secret) : 0;
	}
	if (!f.path || !f.relpath || !f.secret ||
	    hush__array_grow((void **)&s->res->findings, &s->alloc, s->res->count, sizeof(hush_finding))) {
		err = HUSH_ENOMEM;
		goto unlock;
	}
	s->res->findings[s->res->count++] = f;
	s->res->stats.findings++;
	memset(&f, 0, sizeof(f));
unlock:
	pthread_mutex_unlock(&s->lock);
	free(f.path);
	free(f.relpath);
	free(f.secret);
	return err;
}

static int cmp_finding(const void *a, const void *b)
{
	const hush_finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	if ((c = strcmp(x->rule->id, y->rule->id)) != 0)
		return c;
	return strcmp(x->commit, y->commit);
}

int hush__sink_finish(hush__sink *s, hush_scan_result **out, uint64_t t0, int err)
{
	*out = NULL;
	free(s->salt);
	if (!err)
		err = s->err;
	if (s->err_msg) {
		hush_error_set("%s", s->err_msg);
		free(s->err_msg);
	}
	pthread_mutex_destroy(&s->lock);
	if (err) {
		hush_scan_result_free(s->res);
		return err;
	}
	if (s->res->count)
		qsort(s->res->findings, s->res->count, sizeof(hush_finding), cmp_finding);
	s->res->stats.elapsed_ns = hush__now_ns() - t0;
	*out = s->res;
	return 0;
}

void hush_scan_result_free(hush_scan_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++) {
		hush_finding *f = &r->findings[i];

		free(f->path);
		free(f->relpath);
		free(f->secret);
		free(f->author_name);
		free(f->author_email);
		for (size_t k = 0; k < f->noccurrences; k++)
			free(f->occurrences[k].path);
		free(f->occurrences);
	}
	free(r->findings);
	free(r);
}
