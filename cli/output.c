/* output.c: report writers for text (coloured on a TTY), JSON and JSON Lines. Schema: docs/report-format.md. */
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
				 : f->rule->confidence == HUSH_CONFIDENCE_HIGH   ? "\033[1;31m"
				 : f->rule->confidence == HUSH_CONFIDENCE_MEDIUM ? "\033[1;33m"
										  : "\033[36m";

		fputs(bold, fp);
		put_safe(fp, f->path, strlen(f->path));
		fprintf(fp, ":%llu:%llu:%s %s%s%s [%s] ", (unsigned long long)f->line, (unsigned long long)f->column,
			reset, cc, f->rule->id, reset, hush_confidence_name(f->rule->confidence));
		put_safe(fp, f->secret, f->secret_len);
		fprintf(fp, "  %s(%s", color ? "\033[2m" : "", f->rule->description);
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

/* A JSON string for arbitrary bytes: invalid UTF-8 becomes U+FFFD, and the exact bytes go to "<key>_base64". */
static int set_bytes(json_t *obj, const char *key, const char *s, size_t len)
{
	hush_buf b = HUSH_BUF_INIT;
	int err = 0;

	if (hush__utf8_valid(s, len) && !memchr(s, '\0', len))
		return json_object_set_new(obj, key, json_stringn(s, len));
	for (size_t i = 0; i < len && !err;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

		if (c == 0) {
			err = hush_buf_puts(&b, "\xef\xbf\xbd");
			i++;
		} else if (n && i + n <= len && hush__utf8_valid(s + i, n)) {
			err = hush_buf_put(&b, s + i, n);
			i += n;
		} else {
			err = hush_buf_puts(&b, "\xef\xbf\xbd");
			i++;
		}
	}
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

static json_t *finding_json(const hush_finding *f, bool redacted)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (json_object_set_new(o, "rule_id", json_string(f->rule->id)) ||
	    json_object_set_new(o, "description", json_string(f->rule->description)) ||
	    json_object_set_new(o, "confidence", json_string(hush_confidence_name(f->rule->confidence))) ||
	    set_bytes(o, "path", f->path, strlen(f->path)) ||
	    json_object_set_new(o, "line", json_integer((json_int_t)f->line)) ||
	    json_object_set_new(o, "column", json_integer((json_int_t)f->column)) ||
	    json_object_set_new(o, "end_line", json_integer((json_int_t)f->end_line)) ||
	    json_object_set_new(o, "start_offset", json_integer((json_int_t)f->start)) ||
	    json_object_set_new(o, "end_offset", json_integer((json_int_t)f->end)) ||
	    set_bytes(o, "secret", f->secret, f->secret_len) ||
	    json_object_set_new(o, "secret_redacted", json_boolean(redacted)) ||
	    json_object_set_new(o, "entropy", json_real(f->entropy)) ||
	    json_object_set_new(o, "fingerprint", json_string(f->fingerprint)) || set_git_fields(o, f)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *summary_json(const hush_scan_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "commits",
			 (json_int_t)s->commits, "trees", (json_int_t)s->trees, "blobs", (json_int_t)s->blobs,
			 "files", (json_int_t)s->files, "bytes",
			 (json_int_t)s->bytes, "findings", (json_int_t)s->findings, "allowed", (json_int_t)s->allowed,
			 "skipped_binary", (json_int_t)s->skipped_binary, "skipped_large",
			 (json_int_t)s->skipped_large, "skipped_ignored", (json_int_t)s->skipped_ignored,
			 "skipped_special", (json_int_t)s->skipped_special, "warnings", (json_int_t)s->warnings,
			 "elapsed_ms", (double)s->elapsed_ns / 1e6);
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

int output_write(FILE *fp, output_format fmt, const hush_scan_result *res, bool color, bool redacted)
{
	switch (fmt) {
	case FORMAT_JSON: return write_json(fp, res, redacted);
	case FORMAT_JSONL: return write_jsonl(fp, res, redacted);
	default: return write_text(fp, res, color);
	}
}
