/* cmd_scan.c: `hush scan`, the file, directory and stdin scanner. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/remote_cmds.h"
#include "cli/options.h"
#include "cli/vault_cmds.h"
#include "hush/buf.h"
#include "hush/error.h"
#include "hush/matcher.h"
#include "hush/vault.h"
#include "common/util.h"
#include "common/banned.h"

const char cmd_scan_usage[] =
	"usage: hush scan [OPTIONS] [PATH...]\n"
	"       hush scan [OPTIONS] -\n"
	"       hush scan --history [OPTIONS] [REPO] [REVISION...]\n"
	"       hush scan --staged [OPTIONS] [REPO]\n"
	"       hush scan --diff [FILE|-] [OPTIONS]\n"
	"\n"
	"Scan files and directories (default: the current directory), or stdin with '-', for leaked secrets.\n"
	"Inside a git work tree .gitignore is honoured; .git is never entered; symlinks below the paths given are\n"
	"not followed; FIFOs, sockets and devices are skipped.\n"
	"\n"
	"Git:\n"
	"      --history           scan the history: every commit reachable from any ref (branches, tags, remotes,\n"
	"                          stash), or from the REVISIONs given (A..B, ^X Y, A...B, as git reads them).\n"
	"                          Each unique blob is scanned once; findings name the earliest commit and path\n"
	"                          that introduced it. REPO (default: the current directory) is taken as the\n"
	"                          repository when it is a directory\n"
	"      --branch NAME       with --history: only commits reachable from NAME (repeatable)\n"
	"      --since-commit REV  with --history: leave out REV and everything before it\n"
	"      --unreachable       with --history: also scan blobs that no commit reaches (dangling objects)\n"
	"      --all-occurrences   with --history: list every commit and path that hold each finding's blob\n"
	"      --staged            scan what is staged in the index; report only findings on added lines\n"
	"      --diff [FILE|-]     scan the added lines of a unified diff (default: stdin)\n"
	"      --stats             print counters (commits, trees, blobs, bytes, skips) to stderr\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT     text (default), json, jsonl, sarif, csv, junit, github or gitleaks\n"
	"  -o, --report FILE       write the report to FILE instead of stdout\n"
	"      --show-secrets      show whole secrets in the report (default: the first few characters)\n"
	"  -j, --threads N         worker threads (default: one per core)\n"
	"      --no-ignore         do not honour .gitignore\n"
	"      --binary            also scan files with a NUL byte in their first 8 KiB\n"
	"      --max-file-size N   skip larger files with a warning (default 50M; K, M, G suffixes)\n"
	"      --salt STRING       fingerprint salt (default: 'salt' in .hush.yml, else the root commit id)\n"
	"      --baseline FILE     report only findings whose fingerprint is not in FILE (see --baseline-write)\n"
	"      --baseline-write FILE\n"
	"                          write the findings' fingerprints to FILE (JSON, no secrets); exit 0\n"
	"      --no-inline-allow   ignore hush:allow and gitleaks:allow comments (audits)\n"
	"      --vault ENV         also find the decrypted values of vault environment ENV, as exact strings,\n"
	"                          wherever they appear (needs ENV's private key; repeatable). Reports show\n"
	"                          the name, never any part of the value\n"
	"      --vault-dir DIR     the vault folder for --vault (default: .hush at the repository root)\n"
	"      --decode LIST       look for secrets inside encoded text: base64, hex, percent (comma-separated),\n"
	"                          all or none (default: base64). Findings are placed at the encoded text\n"
	"      --decode-depth N    decode encodings nested up to N deep, 1 to 8 (default 2: base64 in base64)\n"
	"      --min-confidence LEVEL\n"
	"                          report only findings of at least this confidence: low (default), medium or\n"
	"                          high. Findings in tests and documentation count one level lower\n"
	"      --strict            exit 2 when there was any warning\n"
	"  -q, --quiet             print no summary line and no progress\n"
	"      --color WHEN        auto (default), always or never; NO_COLOR is honoured\n"
	RULE_OPTIONS_HELP
	"\n"
	"Exit status: 0 no findings (or a baseline written), 1 findings, 2 error (or a warning with --strict).\n";

static int parse_format(output_format *out, const char *name)
{
	static const struct {
		const char *name;
		output_format fmt;
	} formats[] = {
		{ "text", FORMAT_TEXT }, { "json", FORMAT_JSON },   { "jsonl", FORMAT_JSONL },   { "sarif", FORMAT_SARIF },
		{ "csv", FORMAT_CSV },   { "junit", FORMAT_JUNIT }, { "github", FORMAT_GITHUB }, { "gitleaks", FORMAT_GITLEAKS },
	};

	for (size_t i = 0; i < HUSH_ARRAY_SIZE(formats); i++)
		if (!strcmp(formats[i].name, name)) {
			*out = formats[i].fmt;
			return 0;
		}
	return -1;
}

/* Append prefix + spec (a malloc'd copy) to the revision list. */
static int add_rev(char ***revs, size_t *n, const char *prefix, const char *spec)
{
	char **nr = hush__reallocarray(*revs, *n + 1, sizeof(char *));
	size_t len = strlen(prefix) + strlen(spec) + 1;

	if (!nr)
		return -1;
	*revs = nr;
	if (!(nr[*n] = hush__malloc(len)))
		return -1;
	snprintf(nr[*n], len, "%s%s", prefix, spec);
	(*n)++;
	return 0;
}

/* ---- suppression: .hushignore, allow.rules ids, baselines (see README.md, "Configuration") ---- */

#define BASELINE_SCHEMA_VERSION 1

static bool is_hex_fingerprint(const char *s)
{
	size_t i;

	for (i = 0; s[i] && i <= HUSH_FINGERPRINT_HEXLEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return i == HUSH_FINGERPRINT_HEXLEN;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a baseline written by --baseline-write: its fingerprints, lowercased, sorted and unique. */
static int load_baseline(const char *file, char ***out, size_t *nout)
{
	json_error_t jerr;
	json_t *root = NULL, *ver, *findings, *item;
	FILE *fp = fopen(file, "r");
	char **v = NULL;
	size_t n = 0, i;
	int rc = EXIT_ERROR;

	*out = NULL;
	*nout = 0;
	if (!fp) {
		cli_error("cannot read the baseline '%s': %s", file, strerror(errno));
		return EXIT_ERROR;
	}
	root = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	fclose(fp);
	if (!root) {
		cli_error("malformed baseline '%s': line %d, column %d: %s", file, jerr.line, jerr.column, jerr.text);
		return EXIT_ERROR;
	}
	ver = json_object_get(root, "schema_version");
	findings = json_object_get(root, "findings");
	if (!json_is_object(root) || !json_is_integer(ver) || !json_is_array(findings)) {
		cli_error("malformed baseline '%s': expected a JSON object with \"schema_version\" and \"findings\" "
			  "(written by 'hush scan --baseline-write')", file);
		goto done;
	}
	if (json_integer_value(ver) != BASELINE_SCHEMA_VERSION) {
		cli_error("unsupported baseline '%s': schema_version %lld (this hush reads %d)", file,
			  (long long)json_integer_value(ver), BASELINE_SCHEMA_VERSION);
		goto done;
	}
	if (json_array_size(findings) && !(v = hush__calloc(json_array_size(findings), sizeof(char *)))) {
		cli_error("out of memory");
		goto done;
	}
	json_array_foreach(findings, i, item) {
		const char *fp_hex = json_string_value(json_object_get(item, "fingerprint"));

		if (!fp_hex || !is_hex_fingerprint(fp_hex)) {
			cli_error("malformed baseline '%s': findings[%zu]: \"fingerprint\" must be %d hexadecimal digits",
				  file, i, HUSH_FINGERPRINT_HEXLEN);
			goto done;
		}
		if (!(v[n] = hush__strdup(fp_hex))) {
			cli_error("out of memory");
			goto done;
		}
		for (char *p = v[n++]; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	}
	if (n > 1) {
		size_t k = 1;

		qsort(v, n, sizeof(char *), cmp_strp);
		for (i = 1; i < n; i++) {
			if (!strcmp(v[i], v[k - 1]))
				free(v[i]);
			else
				v[k++] = v[i];
		}
		n = k;
	}
	*out = v;
	*nout = n;
	v = NULL;
	n = 0;
	rc = 0;
done:
	hush__strv_free(v, n);
	json_decref(root);
	return rc;
}

typedef struct {
	char *path;  /* the final name */
	char *tmp;   /* the temporary file next to it, until it is renamed */
	int fd;
} baseline_out;

/* Create the temporary file before the scan, so a bad path fails fast, not after a long history scan. */
static int baseline_open(baseline_out *b, const char *file)
{
	size_t len = strlen(file) + 16;
	mode_t mask = umask(0);

	umask(mask);
	b->fd = -1;
	b->path = hush__strdup(file);
	b->tmp = hush__malloc(len);
	if (!b->path || !b->tmp) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	snprintf(b->tmp, len, "%s.tmp-XXXXXX", file);
	if ((b->fd = mkstemp(b->tmp)) < 0) {
		cli_error("cannot write the baseline '%s': %s", file, strerror(errno));
		free(b->tmp);
		b->tmp = NULL;
		return EXIT_ERROR;
	}
	(void)fchmod(b->fd, 0666 & ~mask); /* like any file the user creates: baselines are meant to be committed */
	return 0;
}

static void baseline_discard(baseline_out *b)
{
	if (b->fd >= 0)
		close(b->fd);
	if (b->tmp)
		unlink(b->tmp);
	free(b->tmp);
	free(b->path);
	b->fd = -1;
	b->tmp = b->path = NULL;
}

static int cmp_finding_fp(const void *a, const void *b)
{
	const hush_finding *x = *(const hush_finding *const *)a, *y = *(const hush_finding *const *)b;
	int c = strcmp(x->fingerprint, y->fingerprint);

	if (c)
		return c;
	if ((c = strcmp(x->relpath, y->relpath)) != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The baseline time: SOURCE_DATE_EPOCH when set (reproducible files), else now. */
static void baseline_time(char *out, size_t n)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	struct tm tm;

	if (sde && *sde) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(sde, &end, 10);
		if (!errno && !*end && v >= 0)
			t = (time_t)v;
	}
	if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, n, "1970-01-01T00:00:00Z");
}

/* Write the findings' fingerprints (one entry per fingerprint, no secrets), then rename over the final name. */
static int baseline_commit(baseline_out *b, const hush_scan_result *res, size_t *written)
{
	const hush_finding **v = res->count ? hush__calloc(res->count, sizeof(*v)) : NULL;
	json_t *root = json_object(), *arr = json_array();
	char created[32];
	FILE *fp = NULL;
	int rc = EXIT_ERROR, saved;

	*written = 0;
	if ((res->count && !v) || !root || !arr)
		goto oom;
	for (size_t i = 0; i < res->count; i++)
		v[i] = &res->findings[i];
	if (res->count)
		qsort(v, res->count, sizeof(*v), cmp_finding_fp);
	for (size_t i = 0; i < res->count; i++) {
		const hush_finding *f = v[i];

		if (i && !strcmp(f->fingerprint, v[i - 1]->fingerprint))
			continue; /* the same secret in the same file: one fingerprint covers every copy */
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "fingerprint", f->fingerprint,
							 "rule_id", f->rule->id, "path", f->relpath[0] ? f->relpath : f->path,
							 "line", (json_int_t)f->line)))
			goto oom;
		(*written)++;
	}
	baseline_time(created, sizeof(created));
	if (json_object_set_new(root, "schema_version", json_integer(BASELINE_SCHEMA_VERSION)) ||
	    json_object_set_new(root, "tool", json_string("hush")) ||
	    json_object_set_new(root, "created", json_string(created)) || json_object_set(root, "findings", arr))
		goto oom;
	if (!(fp = fdopen(b->fd, "w")))
		goto io;
	b->fd = -1;
	if (json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', fp) == EOF || fflush(fp) ||
	    fsync(fileno(fp)))
		goto io;
	saved = fclose(fp);
	fp = NULL;
	if (saved || rename(b->tmp, b->path))
		goto io;
	free(b->tmp);
	b->tmp = NULL;
	rc = 0;
	goto done;
oom:
	cli_error("out of memory");
	goto done;
io:
	cli_error("cannot write the baseline '%s': %s", b->path, strerror(errno));
done:
	if (fp)
		fclose(fp);
	json_decref(arr);
	json_decref(root);
	free(v);
	return rc;
}

static void on_warning(const char *msg, void *payload)
{
	(void)payload;
	cli_warning("%s", msg);
}

/*
 * --vault: every decrypted value of each environment becomes an exact-string rule (hush_ruleset_add_literal),
 * so a leak of a managed secret is found in any file, commit or diff even where no rule knows its format.
 * SECURITY: plaintext only in guarded memory (the vault's pool, then the rules' literals); core dumps off.
 */
static int add_vault_values(hush_ruleset *rs, const char *root, const char *dir_opt, const char *const *envs,
			    size_t nenvs)
{
	char *dir = dir_opt ? hush__strdup(dir_opt) : hush__path_join(root, ".hush");
	hush_buf b = HUSH_BUF_INIT, id = HUSH_BUF_INIT, desc = HUSH_BUF_INIT;
	int rc = 0;

	vault_no_core_dumps();
	for (size_t e = 0; e < nenvs && !rc; e++) {
		const hush_config *cfg = NULL;
		cli_env_result res = { 0 };
		hush_vault_plain *plain = NULL;

		if (!dir) {
			rc = HUSH_ENOMEM;
		} else if (cli_config_at(&cfg, root) != 0) {
			rc = EXIT_ERROR;
			break;
		} else {
			cli_env_request rq = { root, dir, envs[e], cfg, NULL, 0 };
			int err = cli_env_load(&res, &rq);

			if (err)
				cli_error("--vault %s: %s", envs[e], hush_error_last());
			if (cli_audit_env("scan", root, envs[e], &res, NULL, err) || err) {
				cli_env_result_dispose(&res);
				rc = EXIT_ERROR;
				break;
			}
			plain = res.plain;
		}
		for (size_t i = 0; !rc && i < hush_vault_plain_count(plain); i++) {
			const char *name = hush_vault_plain_name(plain, i);
			size_t len;
			const unsigned char *val = hush_vault_plain_value(plain, i, &len);

			if (len < 6) {
				cli_warning("--vault %s: the value of %s is shorter than 6 bytes: not searched", envs[e],
					    name);
				continue;
			}
			if (val[0] == '\0') {
				cli_warning("--vault %s: the value of %s starts with a NUL byte: not searched", envs[e], name);
				continue; /* vectorscan's literal API refuses a leading NUL */
			}
			if (len > HUSH_MAX_RULE_WIDTH)
				len = HUSH_MAX_RULE_WIDTH; /* its first 16 KiB: still found wherever it was pasted */
			hush_buf_reset(&id);
			hush_buf_reset(&desc);
			if (hush_buf_printf(&id, "vault-%s-%s", envs[e], name) ||
			    hush_buf_printf(&desc, "the value of %s in vault environment %s", name, envs[e]))
				rc = HUSH_ENOMEM;
			else
				rc = hush_ruleset_add_literal(rs, id.ptr, desc.ptr, val, len);
		}
		if (rc)
			cli_error("--vault %s: %s", envs[e], hush_error_last());
		cli_env_result_dispose(&res);
	}
	hush_buf_dispose(&b);
	hush_buf_dispose(&id);
	hush_buf_dispose(&desc);
	free(dir);
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "report", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, 'j' },
		{ "show-secrets", no_argument, NULL, OPT_SHOW_SECRETS },
		{ "no-ignore", no_argument, NULL, OPT_NO_IGNORE },
		{ "binary", no_argument, NULL, OPT_BINARY },
		{ "max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE },
		{ "salt", required_argument, NULL, OPT_SALT },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "history", no_argument, NULL, OPT_HISTORY },
		{ "branch", required_argument, NULL, OPT_BRANCH },
		{ "since-commit", required_argument, NULL, OPT_SINCE_COMMIT },
		{ "unreachable", no_argument, NULL, OPT_UNREACHABLE },
		{ "all-occurrences", no_argument, NULL, OPT_ALL_OCCURRENCES },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "staged", no_argument, NULL, OPT_STAGED },
		{ "diff", optional_argument, NULL, OPT_DIFF },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "baseline-write", required_argument, NULL, OPT_BASELINE_WRITE },
		{ "no-inline-allow", no_argument, NULL, OPT_NO_INLINE_ALLOW },
		{ "vault", required_argument, NULL, OPT_VAULT },
		{ "vault-dir", required_argument, NULL, OPT_VAULT_DIR },
		{ "decode", required_argument, NULL, OPT_DECODE },
		{ "decode-depth", required_argument, NULL, OPT_DECODE_DEPTH },
		{ "min-confidence", required_argument, NULL, OPT_MIN_CONFIDENCE },
		RULE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	hush_scan_options so = HUSH_SCAN_OPTIONS_INIT;
	hush_matcher_options mo = HUSH_MATCHER_OPTIONS_INIT;
	rule_options ro;
	output_format fmt = FORMAT_TEXT;
	const char *report = NULL, *color = "auto";
	const char *default_paths[] = { "." };
	const char *const *paths;
	size_t npaths;
	bool strict = false, quiet = false, use_stdin = false, history = false, staged = false, diff = false;
	hush_staged *staged_change = NULL;
	bool stats = false;
	const char *baseline = NULL, *baseline_write = NULL;
	bool no_inline_allow = false;
	char **base_fps = NULL;
	size_t nbase = 0, nwritten = 0;
	baseline_out bout = { NULL, NULL, -1 };
	hush_history_options ho = HUSH_HISTORY_OPTIONS_INIT;
	char **revs = NULL;
	const char *diff_file = NULL, *repo = ".";
	size_t nrevs = 0;
	hush_config *cfg = NULL;
	char **vault_envs = NULL;
	size_t nvault_envs = 0;
	const char *vault_dir = NULL;
	hush_ruleset *rs = NULL;
	hush_matcher *m = NULL;
	hush_scan_result *res = NULL;
	char *root = NULL;
	FILE *out = stdout;
	int opt, rc = EXIT_ERROR;

	memset(&ro, 0, sizeof(ro));
	mo.decode = HUSH_DECODE_DEFAULT;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:j:q", longopts, NULL)) != -1) {
		int handled = cli_rule_option(&ro, opt, optarg);

		if (handled < 0)
			goto cleanup;
		if (handled)
			continue;
		switch (opt) {
		case 'f':
			if (parse_format(&fmt, optarg) < 0) {
				cli_error("unknown format '%s': use text, json, jsonl, sarif, csv, junit, github or gitleaks",
					  optarg);
				goto cleanup;
			}
			break;
		case 'o': report = optarg; break;
		case 'j': {
			char *end;
			long n;

			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > 256) {
				cli_error("invalid thread count '%s': use a number from 1 to 256", optarg);
				goto cleanup;
			}
			so.threads = (unsigned)n;
			break;
		}
		case OPT_SHOW_SECRETS: so.show_secrets = true; break;
		case OPT_NO_IGNORE: so.gitignore = false; break;
		case OPT_BINARY: so.binary = true; break;
		case OPT_MAX_FILE_SIZE:
			if (hush__parse_size(&so.max_file_size, optarg) || so.max_file_size == 0) {
				cli_error("invalid --max-file-size '%s': use a positive size such as 50M", optarg);
				goto cleanup;
			}
			break;
		case OPT_SALT: so.salt = optarg; break;
		case OPT_STRICT: strict = true; break;
		case 'q': quiet = true; break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
				cli_error("invalid --color '%s': use auto, always or never", optarg);
				goto cleanup;
			}
			color = optarg;
			break;
		case OPT_HISTORY: history = true; break;
		case OPT_BRANCH:
		case OPT_SINCE_COMMIT:
			if (add_rev(&revs, &nrevs, opt == OPT_SINCE_COMMIT ? "^" : "", optarg))
				goto cleanup;
			break;
		case OPT_UNREACHABLE: ho.unreachable = true; break;
		case OPT_ALL_OCCURRENCES: ho.all_occurrences = true; break;
		case OPT_STATS: stats = true; break;
		case OPT_STAGED: staged = true; break;
		case OPT_DIFF:
			diff = true;
			diff_file = optarg;
			break;
		case OPT_BASELINE: baseline = optarg; break;
		case OPT_BASELINE_WRITE: baseline_write = optarg; break;
		case OPT_NO_INLINE_ALLOW: no_inline_allow = true; break;
		case OPT_VAULT:
			if (!hush_vault_env_valid(optarg)) {
				cli_error("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", optarg);
				goto cleanup;
			}
			if (add_rev(&vault_envs, &nvault_envs, "", optarg))
				goto cleanup;
			break;
		case OPT_VAULT_DIR: vault_dir = optarg; break;
		case OPT_DECODE:
			if (hush_decode_parse(&mo.decode, optarg) < 0) {
				cli_error("invalid --decode '%s': use a comma-separated list of base64, hex and percent, "
					  "or all, or none", optarg);
				goto cleanup;
			}
			break;
		case OPT_DECODE_DEPTH: {
			char *end;
			long n;

			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > (long)HUSH_DECODE_MAX_DEPTH) {
				cli_error("invalid --decode-depth '%s': use a number from 1 to %u", optarg,
					  HUSH_DECODE_MAX_DEPTH);
				goto cleanup;
			}
			mo.decode_depth = (unsigned)n;
			break;
		}
		case OPT_MIN_CONFIDENCE:
			if (cli_parse_confidence(&so.min_confidence, optarg) < 0) {
				cli_error("invalid --min-confidence '%s': use low, medium or high", optarg);
				goto cleanup;
			}
			break;
		default:
			fprintf(stderr, "Run 'hush scan --help' for the options.\n");
			goto cleanup;
		}
	}
	if ((history + staged + diff) > 1) {
		cli_error("--history, --staged and --diff cannot be combined");
		goto cleanup;
	}
	if (baseline && baseline_write) {
		cli_error("--baseline and --baseline-write cannot be combined: to refresh a baseline, run "
			  "--baseline-write alone");
		goto cleanup;
	}
	if (!history && (nrevs || ho.unreachable || ho.all_occurrences)) {
		cli_error("--branch, --since-commit, --unreachable and --all-occurrences need --history");
		goto cleanup;
	}
	if (history || staged) {
		struct stat st;

		if (optind < argc && stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode))
			repo = argv[optind++];
		if (staged && optind < argc) {
			cli_error("unexpected argument '%s' after --staged", argv[optind]);
			goto cleanup;
		}
		for (; optind < argc; optind++)
			if (add_rev(&revs, &nrevs, "", argv[optind]))
				goto cleanup;
	}
	if (diff && optind < argc) {
		if (diff_file || argc - optind > 1) {
			cli_error("--diff takes one file (or '-' for stdin)");
			goto cleanup;
		}
		diff_file = argv[optind++];
	}
	paths = optind < argc ? (const char *const *)argv + optind : default_paths;
	npaths = optind < argc ? (size_t)(argc - optind) : 1;
	for (size_t i = 0; i < npaths; i++)
		if (!strcmp(paths[i], "-")) {
			if (npaths > 1) {
				cli_error("'-' (stdin) cannot be combined with other paths");
				goto cleanup;
			}
			use_stdin = true;
		}

	if (staged && hush_staged_start(&staged_change, repo, so.binary) != 0) { /* overlaps loading the rules */
		cli_error("out of memory");
		goto cleanup;
	}
	if (history)
		hush_git_init_async(); /* overlaps loading the rules and the matcher */
	root = cli_find_root(history || staged ? repo : use_stdin || diff ? "." : paths[0]);
	if (!root) {
		cli_error("cannot determine the current directory: %s", strerror(errno));
		goto cleanup;
	}
	if (cli_load_config(&cfg, &ro, root) || cli_load_rules(&rs, &ro, cfg, root))
		goto cleanup;
	if (cli_load_suppressions(&cfg, &ro, rs, root) || (baseline && load_baseline(baseline, &base_fps, &nbase)) ||
	    (baseline_write && baseline_open(&bout, baseline_write)))
		goto cleanup;
	if (nvault_envs && add_vault_values(rs, root, vault_dir, (const char *const *)vault_envs, nvault_envs))
		goto cleanup;
	if (ro.no_cache)
		mo.cache_dir = "";
	if (hush_matcher_new(&m, rs, &mo) != 0) {
		cli_error("%s", hush_error_last());
		goto cleanup;
	}
	so.config = cfg;
	so.no_inline_allow = no_inline_allow;
	so.baseline = (const char *const *)base_fps;
	so.nbaseline = nbase;
	so.root = root;
	so.warn = on_warning;
	if (history) {
		ho.revisions = (const char *const *)revs;
		ho.nrevisions = nrevs;
		ho.progress = !quiet && isatty(STDERR_FILENO);
		rc = hush_scan_history(&res, m, repo, &ho, &so);
	} else if (staged) {
		rc = hush_scan_staged_change(&res, m, staged_change, &so);
	} else if (diff) {
		int fd = STDIN_FILENO;

		if (diff_file && strcmp(diff_file, "-") && (fd = open(diff_file, O_RDONLY | O_CLOEXEC)) < 0) {
			cli_error("cannot read the diff '%s': %s", diff_file, strerror(errno));
			goto cleanup;
		}
		rc = hush_scan_diff(&res, m, fd, diff_file ? diff_file : "-", &so);
		if (fd != STDIN_FILENO)
			close(fd);
	} else if (use_stdin) {
		rc = hush_scan_fd(&res, m, STDIN_FILENO, "-", &so);
	} else {
		rc = hush_scan_paths(&res, m, paths, npaths, &so);
	}
	if (rc) {
		cli_error("%s", hush_error_last());
		rc = EXIT_ERROR;
		goto cleanup;
	}
	if (report && !(out = fopen(report, "w"))) {
		cli_error("cannot write the report '%s': %s", report, strerror(errno));
		out = stdout;
		rc = EXIT_ERROR;
		goto cleanup;
	}
	{
		bool use_color = !report && fmt == FORMAT_TEXT &&
				 (!strcmp(color, "always") || (!strcmp(color, "auto") && output_use_color(out)));

		if (output_write(out, fmt, res, use_color, !so.show_secrets) != 0 || fflush(out) != 0 || ferror(out)) {
			cli_error("cannot write the report%s%s%s: %s", report ? " '" : "", report ? report : "",
				  report ? "'" : "", strerror(errno));
			rc = EXIT_ERROR;
			goto cleanup;
		}
	}
	if (baseline_write && baseline_commit(&bout, res, &nwritten)) {
		rc = EXIT_ERROR;
		goto cleanup;
	}
	if (!quiet) {
		char bytes[32];

		hush__human_size(bytes, sizeof(bytes), res->stats.bytes);
		if (history)
			fprintf(stderr, "hush: scanned %llu commit%s, %llu blob%s (%s) in %.0f ms: %llu finding%s",
				(unsigned long long)res->stats.commits, res->stats.commits == 1 ? "" : "s",
				(unsigned long long)res->stats.blobs, res->stats.blobs == 1 ? "" : "s", bytes,
				(double)res->stats.elapsed_ns / 1e6, (unsigned long long)res->count,
				res->count == 1 ? "" : "s");
		else
			fprintf(stderr, "hush: scanned %llu file%s (%s) in %.0f ms: %llu finding%s",
				(unsigned long long)res->stats.files, res->stats.files == 1 ? "" : "s", bytes,
				(double)res->stats.elapsed_ns / 1e6, (unsigned long long)res->count,
				res->count == 1 ? "" : "s");
		if (res->stats.allowed)
			fprintf(stderr, ", %llu allowed", (unsigned long long)res->stats.allowed);
		if (baseline || res->stats.baselined)
			fprintf(stderr, ", %llu baselined", (unsigned long long)res->stats.baselined);
		if (res->stats.skipped_binary || res->stats.skipped_large)
			fprintf(stderr, ", %llu skipped", (unsigned long long)(res->stats.skipped_binary +
									  res->stats.skipped_large));
		if (res->stats.warnings)
			fprintf(stderr, ", %llu warning%s", (unsigned long long)res->stats.warnings,
				res->stats.warnings == 1 ? "" : "s");
		fputc('\n', stderr);
	}
	if (baseline_write && !quiet)
		fprintf(stderr, "hush: wrote %zu fingerprint%s to %s\n", nwritten, nwritten == 1 ? "" : "s", baseline_write);
	if (stats)
		fprintf(stderr,
			"hush: stats: commits %llu, trees %llu, blobs %llu, files %llu, bytes %llu, findings %llu, allowed %llu, baselined %llu, "
			"skipped binary %llu, skipped large %llu, skipped ignored %llu, skipped special %llu, warnings %llu\n",
			(unsigned long long)res->stats.commits, (unsigned long long)res->stats.trees,
			(unsigned long long)res->stats.blobs, (unsigned long long)res->stats.files,
			(unsigned long long)res->stats.bytes, (unsigned long long)res->stats.findings,
			(unsigned long long)res->stats.allowed, (unsigned long long)res->stats.baselined,
			(unsigned long long)res->stats.skipped_binary,
			(unsigned long long)res->stats.skipped_large, (unsigned long long)res->stats.skipped_ignored,
			(unsigned long long)res->stats.skipped_special, (unsigned long long)res->stats.warnings);
	if (strict && res->stats.warnings)
		rc = EXIT_ERROR;
	else
		rc = res->count && !baseline_write ? EXIT_FINDINGS : EXIT_CLEAN; /* a baseline accepts its findings */
cleanup:
	if (out && out != stdout && fclose(out) != 0 && rc != EXIT_ERROR) {
		cli_error("cannot write the report '%s': %s", report, strerror(errno));
		rc = EXIT_ERROR;
	}
	hush_scan_result_free(res);
	hush_staged_free(staged_change);
	hush_matcher_free(m);
	hush_ruleset_free(rs);
	hush_config_free(cfg);
	free(root);
	free(ro.rule_paths);
	free(ro.disabled);
	hush__strv_free(revs, nrevs);
	hush__strv_free(vault_envs, nvault_envs);
	hush__strv_free(base_fps, nbase);
	baseline_discard(&bout);
	return rc;
}
