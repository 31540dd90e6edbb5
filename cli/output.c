/*
 * output.c: report writers for text (coloured on a TTY), JSON, JSON Lines, and for other tools: SARIF 2.1.0, CSV,
 * JUnit XML, GitHub Actions annotations and gitleaks' JSON. Schemas: docs/report-format.md.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"
#include "common/banned.h"

#define SCHEMA_VERSION 1

bool output_use_color(FILE *fp)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && nc[0])
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(fp));
}

/* Print bytes with control characters and invalid UTF-8 escaped, so a report never drives the terminal. */
static void put_safe(FILE *fp, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			fputs("\\n", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else if (c >= 0x80) {
			size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

			if (n && i + n <= len && hush__utf8_valid(s + i, n)) {
				fwrite(s + i, 1, n, fp);
				i += n - 1;
			} else {
				fprintf(fp, "\\x%02x", c);
			}
		} else
			fputc(c, fp);
	}
}

/* "2024-05-01T12:00:00+02:00" for a git signature time. */
static void iso_date(char *out, size_t n, int64_t t, int offset)
{
	time_t local = (time_t)(t + (int64_t)offset * 60);
	struct tm tm;
	int off = offset < 0 ? -offset : offset;

	if (!gmtime_r(&local, &tm)) {
		snprintf(out, n, "?");
		return;
	}
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, offset < 0 ? '-' : '+', off / 60, off % 60);
}

static int write_text(FILE *fp, const hush_scan_result *res, bool color)
{
	const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";

	for (size_t i = 0; i < res->count; i++) {
		const hush_finding *f = &res->findings[i];
		const char *cc = !color ? ""
				 : f->confidence == HUSH_CONFIDENCE_HIGH   ? "\033[1;31m"
				 : f->confidence == HUSH_CONFIDENCE_MEDIUM ? "\033[1;33m"
										  : "\033[36m";

		fputs(bold, fp);
		put_safe(fp, f->path, strlen(f->path));
		fprintf(fp, ":%llu:%llu:%s %s%s%s [%s] ", (unsigned long long)f->line, (unsigned long long)f->column,
			reset, cc, f->rule->id, reset, hush_confidence_name(f->confidence));
		put_safe(fp, f->secret, f->secret_len);
		fprintf(fp, "  %s(%s", color ? "\033[2m" : "", f->rule->description);
		if (f->encoding) {
			char chain[64];

			hush_decode_chain_name(chain, sizeof(chain), f->encoding);
			fprintf(fp, ", decoded from %s", chain);
		}
		if (f->context)
			fprintf(fp, ", in %s: confidence lowered", f->context == HUSH_CONTEXT_TEST ? "a test" : "documentation");
		if (f->commit[0]) {
			char date[40];

			iso_date(date, sizeof(date), f->author_time, f->author_offset);
			fprintf(fp, ", commit %.12s by ", f->commit);
			put_safe(fp, f->author_name ? f->author_name : "", f->author_name ? strlen(f->author_name) : 0);
			fprintf(fp, " on %.10s", date);
		}
		fprintf(fp, ", fingerprint %s)%s\n", f->fingerprint, reset);
		for (size_t k = 0; k < f->noccurrences; k++) {
			fprintf(fp, "    also in %.12s:", f->occurrences[k].commit);
			put_safe(fp, f->occurrences[k].path, strlen(f->occurrences[k].path));
			fputc('\n', fp);
		}
	}
	return ferror(fp) ? -1 : 0;
}

/* Append s as valid UTF-8 without NUL: each invalid byte and each NUL becomes U+FFFD. */
static int put_utf8(hush_buf *b, const char *s, size_t len)
{
	int err = 0;

	if (hush__utf8_valid(s, len) && !memchr(s, '\0', len))
		return hush_buf_put(b, s, len);
	for (size_t i = 0; i < len && !err;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

		if (c != 0 && n && i + n <= len && hush__utf8_valid(s + i, n)) {
			err = hush_buf_put(b, s + i, n);
			i += n;
		} else {
			err = hush_buf_puts(b, "\xef\xbf\xbd");
			i++;
		}
	}
	return err;
}

/* A JSON string for arbitrary bytes: invalid UTF-8 becomes U+FFFD, and the exact bytes go to "<key>_base64". */
static int set_bytes(json_t *obj, const char *key, const char *s, size_t len)
{
	hush_buf b = HUSH_BUF_INIT;
	int err = 0;

	if (hush__utf8_valid(s, len) && !memchr(s, '\0', len))
		return json_object_set_new(obj, key, json_stringn(s, len));
	err = put_utf8(&b, s, len);
	if (!err) {
		size_t b64len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(b64len), keyb[64];

		if (!b64) {
			hush_buf_dispose(&b);
			return -1;
		}
		sodium_bin2base64(b64, b64len, (const unsigned char *)s, len, sodium_base64_VARIANT_ORIGINAL);
		snprintf(keyb, sizeof(keyb), "%s_base64", key);
		err = json_object_set_new(obj, key, json_stringn(b.ptr, b.len)) ||
		      json_object_set_new(obj, keyb, json_string(b64));
		free(b64);
	}
	hush_buf_dispose(&b);
	return err ? -1 : 0;
}

static int set_git_fields(json_t *o, const hush_finding *f)
{
	char date[40];
	json_t *occ;

	if (!f->commit[0] && !f->blob[0])
		return 0;
	if (f->commit[0]) {
		iso_date(date, sizeof(date), f->author_time, f->author_offset);
		if (json_object_set_new(o, "commit", json_string(f->commit)) ||
		    set_bytes(o, "author_name", f->author_name ? f->author_name : "",
			      f->author_name ? strlen(f->author_name) : 0) ||
		    set_bytes(o, "author_email", f->author_email ? f->author_email : "",
			      f->author_email ? strlen(f->author_email) : 0) ||
		    json_object_set_new(o, "author_date", json_string(date)))
			return -1;
	}
	if (f->blob[0] && json_object_set_new(o, "blob", json_string(f->blob)))
		return -1;
	if (!f->noccurrences)
		return 0;
	if (!(occ = json_array()) || json_object_set_new(o, "occurrences", occ))
		return -1;
	for (size_t i = 0; i < f->noccurrences; i++) {
		json_t *e = json_object();

		if (!e || json_array_append_new(occ, e) ||
		    json_object_set_new(e, "commit", json_string(f->occurrences[i].commit)) ||
		    set_bytes(e, "path", f->occurrences[i].path, strlen(f->occurrences[i].path)))
			return -1;
	}
	return 0;
}

/* Fields present only when they apply: "encoding" (the decoding chain), "context" and "rule_confidence". */
static int set_finding_extras(json_t *o, const hush_finding *f)
{
	if (f->encoding) {
		char chain[64];

		hush_decode_chain_name(chain, sizeof(chain), f->encoding);
		if (json_object_set_new(o, "encoding", json_string(chain)))
			return -1;
	}
	if (f->context && (json_object_set_new(o, "context", json_string(hush_path_context_name(f->context))) ||
			   json_object_set_new(o, "rule_confidence",
					       json_string(hush_confidence_name(f->rule->confidence)))))
		return -1;
	return 0;
}

static json_t *finding_json(const hush_finding *f, bool redacted)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (json_object_set_new(o, "rule_id", json_string(f->rule->id)) ||
	    json_object_set_new(o, "description", json_string(f->rule->description)) ||
	    json_object_set_new(o, "confidence", json_string(hush_confidence_name(f->confidence))) ||
	    set_bytes(o, "path", f->path, strlen(f->path)) ||
	    json_object_set_new(o, "line", json_integer((json_int_t)f->line)) ||
	    json_object_set_new(o, "column", json_integer((json_int_t)f->column)) ||
	    json_object_set_new(o, "end_line", json_integer((json_int_t)f->end_line)) ||
	    json_object_set_new(o, "start_offset", json_integer((json_int_t)f->start)) ||
	    json_object_set_new(o, "end_offset", json_integer((json_int_t)f->end)) ||
	    set_bytes(o, "secret", f->secret, f->secret_len) ||
	    json_object_set_new(o, "secret_redacted", json_boolean(redacted)) ||
	    json_object_set_new(o, "entropy", json_real(f->entropy)) ||
	    json_object_set_new(o, "fingerprint", json_string(f->fingerprint)) || set_git_fields(o, f) ||
	    set_finding_extras(o, f)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *summary_json(const hush_scan_stats *s)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "commits",
			 (json_int_t)s->commits, "trees", (json_int_t)s->trees, "blobs", (json_int_t)s->blobs,
			 "files", (json_int_t)s->files, "bytes",
			 (json_int_t)s->bytes, "findings", (json_int_t)s->findings, "allowed", (json_int_t)s->allowed,
			 "baselined", (json_int_t)s->baselined,
			 "skipped_binary", (json_int_t)s->skipped_binary, "skipped_large",
			 (json_int_t)s->skipped_large, "skipped_ignored", (json_int_t)s->skipped_ignored,
			 "skipped_special", (json_int_t)s->skipped_special, "warnings", (json_int_t)s->warnings,
			 "elapsed_ms", (double)s->elapsed_ns / 1e6);

	/* only when --min-confidence left findings out, so reports without it keep their exact shape */
	if (o && s->below_confidence &&
	    json_object_set_new(o, "below_min_confidence", json_integer((json_int_t)s->below_confidence))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int write_json(FILE *fp, const hush_scan_result *res, bool redacted)
{
	json_t *root = json_object(), *arr = json_array(), *tool;
	int rc = -1;

	tool = json_pack("{s:s, s:s}", "name", "hush", "version", HUSH_VERSION);
	if (!root || !arr || !tool)
		goto cleanup;
	for (size_t i = 0; i < res->count; i++)
		if (json_array_append_new(arr, finding_json(&res->findings[i], redacted)))
			goto cleanup;
	if (json_object_set_new(root, "schema_version", json_integer(SCHEMA_VERSION)) ||
	    json_object_set(root, "tool", tool) || json_object_set(root, "findings", arr) ||
	    json_object_set_new(root, "summary", summary_json(&res->stats)))
		goto cleanup;
	rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (!rc)
		fputc('\n', fp);
cleanup:
	json_decref(tool);
	json_decref(arr);
	json_decref(root);
	return rc;
}

static int write_jsonl_line(FILE *fp, json_t *o, const char *type)
{
	int rc;

	if (!o || json_object_set_new(o, "type", json_string(type)) ||
	    json_object_set_new(o, "schema_version", json_integer(SCHEMA_VERSION))) {
		json_decref(o);
		return -1;
	}
	rc = json_dumpf(o, fp, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	fputc('\n', fp);
	json_decref(o);
	return rc;
}

static int write_jsonl(FILE *fp, const hush_scan_result *res, bool redacted)
{
	for (size_t i = 0; i < res->count; i++)
		if (write_jsonl_line(fp, finding_json(&res->findings[i], redacted), "finding"))
			return -1;
	return write_jsonl_line(fp, summary_json(&res->stats), "summary");
}

/* ---- shared by the formats for other tools ---- */

#define FIX_ADVICE                                                                                                  \
	"Treat the secret as compromised: revoke or rotate it at its issuer, remove it from the code (load it at run " \
	"time from a secret store or the environment instead), and if it was committed, rewrite the history "        \
	"(git filter-repo) or accept that the old value stays there once it is rotated."

/* A sanitised (valid UTF-8, no NUL) malloc'd copy of s; NULL when out of memory. */
static char *utf8_dup(const char *s, size_t len)
{
	hush_buf b = HUSH_BUF_INIT;

	if (put_utf8(&b, s ? s : "", s ? len : 0)) {
		hush_buf_dispose(&b);
		return NULL;
	}
	return hush_buf_detach(&b, NULL);
}

static char *utf8_dups(const char *s)
{
	return utf8_dup(s, s ? strlen(s) : 0);
}

/* The repository-relative path of a finding (falls back to the displayed path). */
static const char *rel_path(const hush_finding *f)
{
	return f->relpath && f->relpath[0] ? f->relpath : f->path;
}

/* "2024-05-01T10:00:00Z": a git signature time in UTC (RFC 3339, as gitleaks writes it). */
static void utc_date(char *out, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, n, "?");
		return;
	}
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

/* ---- SARIF 2.1.0 ---- */

static const char *sarif_level(hush_confidence c)
{
	return c == HUSH_CONFIDENCE_HIGH ? "error" : c == HUSH_CONFIDENCE_MEDIUM ? "warning" : "note";
}

static const char *security_severity(hush_confidence c)
{
	return c == HUSH_CONFIDENCE_HIGH ? "8.9" : c == HUSH_CONFIDENCE_MEDIUM ? "6.5" : "3.0";
}

/* "github-classic-pat" -> "GithubClassicPat" (SARIF's friendly rule name). */
static char *pascal_case(const char *id)
{
	hush_buf b = HUSH_BUF_INIT;
	bool up = true;

	for (const char *p = id; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '-' || c == '_' || c == '.' || c == ' ') {
			up = true;
			continue;
		}
		if (hush_buf_putc(&b, (char)(up && c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c))) {
			hush_buf_dispose(&b);
			return NULL;
		}
		up = false;
	}
	return hush_buf_detach(&b, NULL);
}

/* A relative URI reference for a path: every byte but unreserved characters and '/' percent-encoded. */
static char *uri_encode(const char *path)
{
	hush_buf b = HUSH_BUF_INIT;
	int err = 0;

	for (const unsigned char *p = (const unsigned char *)path; *p && !err; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p))
			err = hush_buf_putc(&b, (char)*p);
		else
			err = hush_buf_printf(&b, "%%%02X", *p);
	}
	if (err) {
		hush_buf_dispose(&b);
		return NULL;
	}
	return hush_buf_detach(&b, NULL);
}

static int rule_cmp(const void *a, const void *b)
{
	return strcmp((*(const hush_rule *const *)a)->id, (*(const hush_rule *const *)b)->id);
}

/* The rules that have results, sorted by id. */
static const hush_rule **used_rules(const hush_scan_result *res, size_t *n)
{
	const hush_rule **r = calloc(res->count ? res->count : 1, sizeof(*r));

	*n = 0;
	if (!r)
		return NULL;
	for (size_t i = 0; i < res->count; i++) {
		size_t k = 0;

		while (k < *n && r[k] != res->findings[i].rule)
			k++;
		if (k == *n)
			r[(*n)++] = res->findings[i].rule;
	}
	qsort(r, *n, sizeof(*r), rule_cmp);
	return r;
}

static json_t *sarif_text(const char *text)
{
	return json_pack("{s:s}", "text", text);
}

static json_t *sarif_rule(const hush_rule *r)
{
	hush_buf full = HUSH_BUF_INIT, text = HUSH_BUF_INIT, md = HUSH_BUF_INIT;
	char *name = pascal_case(r->id);
	json_t *o = NULL;
	int err = !name;

	err = err || hush_buf_printf(&full, "Detects a leaked secret: %s. Confidence: %s.", r->description,
				     hush_confidence_name(r->confidence));
	err = err || hush_buf_printf(&text,
				     "The rule '%s' detects this kind of secret: %s. A secret in the code can be "
				     "used by anyone who can read the repository, any clone or fork of it, or its "
				     "history.\n\n"
				     "How to fix: revoke or rotate the secret at its issuer now and assume it has been "
				     "used; remove it from the code and load it at run time from a secret store or the "
				     "environment; if it was committed, rewrite the history (for example with git "
				     "filter-repo) and force-push, or accept that the old, rotated value stays in the "
				     "history. If it is not a real secret, add a 'hush:allow' comment on its line or "
				     "allowlist its fingerprint in .hush.yml.",
				     r->id, r->description);
	err = err || hush_buf_printf(&md,
				     "The rule `%s` detects this kind of secret: **%s**. A secret in the code can be "
				     "used by anyone who can read the repository, any clone or fork of it, or its "
				     "history.\n\n"
				     "## How to fix\n\n"
				     "1. **Revoke or rotate** the secret at its issuer now, and assume it has been used.\n"
				     "2. **Remove** it from the code; load it at run time from a secret store or the "
				     "environment.\n"
				     "3. If it was committed, **rewrite the history** (for example with `git filter-repo`) "
				     "and force-push, or accept that the old, rotated value stays in the history.\n\n"
				     "If it is not a real secret, add a `hush:allow` comment on its line or allowlist its "
				     "fingerprint in `.hush.yml`.",
				     r->id, r->description);
	for (size_t i = 0; i < r->nreferences && !err; i++)
		err = (i == 0 && hush_buf_puts(&md, "\n\n## References\n")) ||
		      hush_buf_printf(&md, "\n- <%s>", r->references[i]);
	if (!err)
		o = json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:s}, s:{s:s}, s:{s:[s, s], s:s, s:s}}", "id", r->id, "name",
			      name, "shortDescription", sarif_text(r->description), "fullDescription",
			      sarif_text(full.ptr), "help", "text", text.ptr, "markdown", md.ptr, "defaultConfiguration",
			      "level", sarif_level(r->confidence), "properties", "tags", "security", "secret",
			      "precision", hush_confidence_name(r->confidence), "security-severity",
			      security_severity(r->confidence));
	if (o && r->nreferences && json_object_set_new(o, "helpUri", json_string(r->references[0]))) {
		json_decref(o);
		o = NULL;
	}
	free(name);
	hush_buf_dispose(&full);
	hush_buf_dispose(&text);
	hush_buf_dispose(&md);
	return o;
}

static json_t *sarif_result(const hush_finding *f, size_t rule_index)
{
	hush_buf msg = HUSH_BUF_INIT;
	char *path = utf8_dups(rel_path(f)), *uri = uri_encode(rel_path(f));
	json_t *o = NULL;
	int err = !path || !uri;

	err = err || hush_buf_printf(&msg, "%s (rule '%s') in '%s'", f->rule->description, f->rule->id, path);
	if (!err && f->commit[0])
		err = hush_buf_printf(&msg, ", introduced in commit %.12s", f->commit);
	err = err || hush_buf_puts(&msg, ". Rotate the secret and remove it from the code and the history.");
	if (!err)
		o = json_pack("{s:s, s:I, s:s, s:{s:s}, s:[{s:{s:{s:s, s:s}, s:{s:I, s:I}}}], s:{s:s}}", "ruleId",
			      f->rule->id, "ruleIndex", (json_int_t)rule_index, "level", sarif_level(f->confidence),
			      "message", "text", msg.ptr, "locations", "physicalLocation", "artifactLocation", "uri",
			      uri, "uriBaseId", "%SRCROOT%", "region", "startLine", (json_int_t)f->line, "endLine",
			      (json_int_t)(f->end_line >= f->line ? f->end_line : f->line), "partialFingerprints",
			      "hushFingerprint/v1", f->fingerprint);
	if (o && (f->commit[0] || f->blob[0] || f->encoding || f->context)) {
		json_t *props = json_object();

		if (!props || json_object_set_new(o, "properties", props) ||
		    (f->commit[0] && json_object_set_new(props, "commit", json_string(f->commit))) ||
		    (f->blob[0] && json_object_set_new(props, "blob", json_string(f->blob))) ||
		    set_finding_extras(props, f)) {
			json_decref(o);
			o = NULL;
		} else if (f->commit[0]) {
			char date[40], *email = utf8_dups(f->author_email);

			iso_date(date, sizeof(date), f->author_time, f->author_offset);
			if (!email || json_object_set_new(props, "author_email", json_string(email)) ||
			    json_object_set_new(props, "author_date", json_string(date))) {
				json_decref(o);
				o = NULL;
			}
			free(email);
		}
	}
	free(path);
	free(uri);
	hush_buf_dispose(&msg);
	return o;
}

static int write_sarif(FILE *fp, const hush_scan_result *res)
{
	size_t nrules = 0;
	const hush_rule **rules = used_rules(res, &nrules);
	json_t *root = NULL, *jrules = json_array(), *results = json_array();
	int rc = -1;

	if (!rules || !jrules || !results)
		goto cleanup;
	for (size_t i = 0; i < nrules; i++)
		if (json_array_append_new(jrules, sarif_rule(rules[i])))
			goto cleanup;
	for (size_t i = 0; i < res->count; i++) {
		size_t k = 0;

		while (k < nrules && rules[k] != res->findings[i].rule)
			k++;
		if (json_array_append_new(results, sarif_result(&res->findings[i], k)))
			goto cleanup;
	}
	root = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:O}}, s:{s:{s:o}}, s:O}]}", "$schema",
			 "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool", "driver",
			 "name", "hush", "version", HUSH_VERSION, "semanticVersion", HUSH_VERSION, "rules", jrules, "originalUriBaseIds", "%SRCROOT%", "description",
			 sarif_text("The root of the scanned repository (or of the current directory outside one)."),
			 "results", results);
	if (!root)
		goto cleanup;
#ifdef HUSH_INFORMATION_URI /* the project's home page, set at build time (cmake -DHUSH_INFORMATION_URI=...) */
	json_object_set_new(json_object_get(json_object_get(json_array_get(json_object_get(root, "runs"), 0), "tool"),
					    "driver"),
			    "informationUri", json_string(HUSH_INFORMATION_URI));
#endif
	rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!rc)
		fputc('\n', fp);
cleanup:
	free(rules);
	json_decref(jrules);
	json_decref(results);
	json_decref(root);
	return rc;
}

/* ---- CSV (RFC 4180) ---- */

/* One field: valid UTF-8, a leading ' before a formula trigger, quoted when it holds , " CR or LF. */
static int csv_field(FILE *fp, const char *s, size_t len, bool last)
{
	char *t = utf8_dup(s, len);
	bool formula, quote;

	if (!t)
		return -1;
	formula = t[0] == '=' || t[0] == '+' || t[0] == '-' || t[0] == '@' || t[0] == '\t' || t[0] == '\r';
	quote = t[strcspn(t, ",\"\r\n")] != '\0';
	if (quote)
		fputc('"', fp);
	if (formula)
		fputc('\'', fp);
	for (const char *p = t; *p; p++) {
		if (*p == '"')
			fputc('"', fp);
		fputc(*p, fp);
	}
	if (quote)
		fputc('"', fp);
	fputs(last ? "\r\n" : ",", fp);
	free(t);
	return 0;
}

static int csv_str(FILE *fp, const char *s)
{
	return csv_field(fp, s ? s : "", s ? strlen(s) : 0, false);
}

static int csv_u64(FILE *fp, uint64_t v)
{
	return fprintf(fp, "%llu,", (unsigned long long)v) < 0 ? -1 : 0;
}

static int write_csv(FILE *fp, const hush_scan_result *res)
{
	fputs("rule_id,description,confidence,path,line,column,end_line,secret,entropy,fingerprint,commit,"
	      "author_email,author_date\r\n",
	      fp);
	for (size_t i = 0; i < res->count; i++) {
		const hush_finding *f = &res->findings[i];
		char date[40] = "";

		if (f->commit[0])
			iso_date(date, sizeof(date), f->author_time, f->author_offset);
		if (csv_str(fp, f->rule->id) || csv_str(fp, f->rule->description) ||
		    csv_str(fp, hush_confidence_name(f->confidence)) || csv_str(fp, f->path) ||
		    csv_u64(fp, f->line) || csv_u64(fp, f->column) || csv_u64(fp, f->end_line) ||
		    csv_field(fp, f->secret, f->secret_len, false) || fprintf(fp, "%.6g,", f->entropy) < 0 ||
		    csv_str(fp, f->fingerprint) || csv_str(fp, f->commit) ||
		    csv_str(fp, f->commit[0] ? f->author_email : "") || csv_field(fp, date, strlen(date), true))
			return -1;
	}
	return ferror(fp) ? -1 : 0;
}

/* ---- JUnit XML ---- */

/*
 * XML-escape bytes: markup characters as entities, TAB/LF/CR as character references (they survive attribute
 * normalisation), and what XML 1.0 does not allow (other control characters, DEL, U+FFFE, U+FFFF, invalid
 * UTF-8) as U+FFFD.
 */
static int xml_put(FILE *fp, const char *s, size_t len)
{
	char *t = utf8_dup(s, len);

	if (!t)
		return -1;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&apos;", fp); break;
		case '\t': fputs("&#9;", fp); break;
		case '\n': fputs("&#10;", fp); break;
		case '\r': fputs("&#13;", fp); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fputs("\xef\xbf\xbd", fp);
			} else if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
				fputs("\xef\xbf\xbd", fp);
				p += 2;
			} else {
				fputc(*p, fp);
			}
		}
	}
	free(t);
	return 0;
}

static int xml_puts(FILE *fp, const char *s)
{
	return xml_put(fp, s ? s : "", s ? strlen(s) : 0);
}

static int write_junit(FILE *fp, const hush_scan_result *res, bool redacted)
{
	size_t tests = res->count ? res->count : 1;
	double secs = (double)res->stats.elapsed_ns / 1e9;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
	fprintf(fp, "<testsuites name=\"hush\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n", tests,
		res->count, secs);
	fprintf(fp,
		"  <testsuite name=\"hush\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		tests, res->count, secs);
	if (!res->count)
		fputs("    <testcase classname=\"hush\" name=\"no secrets found\" time=\"0\"/>\n", fp);
	for (size_t i = 0; i < res->count; i++) {
		const hush_finding *f = &res->findings[i];
		int err = 0;

		fputs("    <testcase classname=\"", fp);
		err = err || xml_puts(fp, f->path);
		fputs("\" name=\"", fp);
		err = err || xml_puts(fp, f->rule->id);
		fputs(" at ", fp);
		err = err || xml_puts(fp, f->path);
		fprintf(fp, ":%llu\" time=\"0\">\n      <failure message=\"", (unsigned long long)f->line);
		err = err || xml_puts(fp, f->rule->description);
		fputs(" (", fp);
		err = err || xml_puts(fp, f->rule->id);
		fputs(") at ", fp);
		err = err || xml_puts(fp, f->path);
		fprintf(fp, ":%llu\" type=\"", (unsigned long long)f->line);
		err = err || xml_puts(fp, f->rule->id);
		fputs("\">", fp);
		fputs("Rule: ", fp);
		err = err || xml_puts(fp, f->rule->id);
		fputs(" (", fp);
		err = err || xml_puts(fp, f->rule->description);
		fprintf(fp, "), confidence %s\nLocation: ", hush_confidence_name(f->confidence));
		err = err || xml_puts(fp, f->path);
		fprintf(fp, ":%llu:%llu\nSecret: ", (unsigned long long)f->line, (unsigned long long)f->column);
		err = err || xml_put(fp, f->secret, f->secret_len);
		fprintf(fp, "%s\nEntropy: %.6g\nFingerprint: %s\n", redacted ? " (redacted)" : "", f->entropy,
			f->fingerprint);
		if (f->commit[0]) {
			char date[40];

			iso_date(date, sizeof(date), f->author_time, f->author_offset);
			fprintf(fp, "Commit: %s by ", f->commit);
			err = err || xml_puts(fp, f->author_name);
			fputs(" &lt;", fp);
			err = err || xml_puts(fp, f->author_email);
			fprintf(fp, "&gt; on %s\n", date);
		}
		fputs("Fix: " FIX_ADVICE "</failure>\n    </testcase>\n", fp);
		if (err)
			return -1;
	}
	fputs("  </testsuite>\n</testsuites>\n", fp);
	return ferror(fp) ? -1 : 0;
}

/* ---- GitHub Actions workflow commands ---- */

/* Escape for a workflow command: % CR LF always, and : , in a property value. */
static int gh_put(FILE *fp, const char *s, bool property)
{
	char *t = utf8_dups(s);

	if (!t)
		return -1;
	for (const char *p = t; *p; p++) {
		switch (*p) {
		case '%': fputs("%25", fp); break;
		case '\r': fputs("%0D", fp); break;
		case '\n': fputs("%0A", fp); break;
		case ':': fputs(property ? "%3A" : ":", fp); break;
		case ',': fputs(property ? "%2C" : ",", fp); break;
		default: fputc(*p, fp);
		}
	}
	free(t);
	return 0;
}

static int write_github(FILE *fp, const hush_scan_result *res)
{
	for (size_t i = 0; i < res->count; i++) {
		const hush_finding *f = &res->findings[i];
		hush_confidence c = f->confidence;
		int err = 0;

		fprintf(fp, "::%s file=", c == HUSH_CONFIDENCE_HIGH ? "error" : c == HUSH_CONFIDENCE_MEDIUM ? "warning" : "notice");
		err = err || gh_put(fp, rel_path(f), true);
		fprintf(fp, ",line=%llu,col=%llu,endLine=%llu,title=", (unsigned long long)f->line,
			(unsigned long long)f->column,
			(unsigned long long)(f->end_line >= f->line ? f->end_line : f->line));
		err = err || gh_put(fp, "hush ", true) || gh_put(fp, f->rule->id, true);
		fputs("::", fp);
		err = err || gh_put(fp, f->rule->description, false);
		fputs(" (rule ", fp);
		err = err || gh_put(fp, f->rule->id, false);
		fputs(")", fp);
		if (f->commit[0])
			fprintf(fp, ", introduced in commit %.12s", f->commit);
		fprintf(fp, ". %s Fingerprint: %s\n", FIX_ADVICE, f->fingerprint);
		if (err)
			return -1;
	}
	return ferror(fp) ? -1 : 0;
}

/* ---- gitleaks' JSON report ---- */

/* The 1-based column of the secret's last byte, when it is on its first line (0 when it spans lines). */
static uint64_t end_column(const hush_finding *f)
{
	if (f->end_line > f->line || f->end <= f->start)
		return 0;
	return f->column + (f->end - f->start) - 1;
}

static json_t *gitleaks_finding(const hush_finding *f, bool redacted)
{
	char date[40] = "", fp[4096];
	char *file = utf8_dups(f->path), *secret = redacted ? NULL : utf8_dup(f->secret, f->secret_len);
	char *author = f->commit[0] ? utf8_dups(f->author_name) : NULL;
	char *email = f->commit[0] ? utf8_dups(f->author_email) : NULL;
	json_t *o = NULL;

	if (!file || (!redacted && !secret) || (f->commit[0] && (!author || !email)))
		goto cleanup;
	if (f->commit[0]) {
		utc_date(date, sizeof(date), f->author_time);
		snprintf(fp, sizeof(fp), "%s:%s:%s:%llu", f->commit, file, f->rule->id, (unsigned long long)f->line);
	} else {
		snprintf(fp, sizeof(fp), "%s:%s:%llu", file, f->rule->id, (unsigned long long)f->line);
	}
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:s, s:s, s:[], s:s}",
		      "RuleID", f->rule->id, "Description", f->rule->description, "StartLine", (json_int_t)f->line,
		      "EndLine", (json_int_t)(f->end_line >= f->line ? f->end_line : f->line), "StartColumn",
		      (json_int_t)f->column, "EndColumn", (json_int_t)end_column(f), "Match",
		      redacted ? "REDACTED" : secret, "Secret", redacted ? "REDACTED" : secret, "File", file,
		      "SymlinkFile", "", "Commit", f->commit, "Entropy", f->entropy, "Author", author ? author : "",
		      "Email", email ? email : "", "Date", date, "Message", "", "Tags", "Fingerprint", fp);
cleanup:
	free(file);
	free(secret);
	free(author);
	free(email);
	return o;
}

static int write_gitleaks(FILE *fp, const hush_scan_result *res, bool redacted)
{
	json_t *arr = json_array();
	int rc = -1;

	if (!arr)
		return -1;
	for (size_t i = 0; i < res->count; i++)
		if (json_array_append_new(arr, gitleaks_finding(&res->findings[i], redacted)))
			goto cleanup;
	rc = json_dumpf(arr, fp, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(7));
	if (!rc)
		fputc('\n', fp);
cleanup:
	json_decref(arr);
	return rc;
}

int output_write(FILE *fp, output_format fmt, const hush_scan_result *res, bool color, bool redacted)
{
	switch (fmt) {
	case FORMAT_JSON: return write_json(fp, res, redacted);
	case FORMAT_JSONL: return write_jsonl(fp, res, redacted);
	case FORMAT_SARIF: return write_sarif(fp, res);
	case FORMAT_CSV: return write_csv(fp, res);
	case FORMAT_JUNIT: return write_junit(fp, res, redacted);
	case FORMAT_GITHUB: return write_github(fp, res);
	case FORMAT_GITLEAKS: return write_gitleaks(fp, res, redacted);
	default: return write_text(fp, res, color);
	}
}
