/* cmd_scan.c: `hush scan`, the file, directory and stdin scanner. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "hush/error.h"
#include "hush/matcher.h"
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
	"  -f, --format FORMAT     text (default), json or jsonl\n"
	"  -o, --report FILE       write the report to FILE instead of stdout\n"
	"      --show-secrets      show whole secrets in the report (default: the first few characters)\n"
	"  -j, --threads N         worker threads (default: one per core)\n"
	"      --no-ignore         do not honour .gitignore\n"
	"      --binary            also scan files with a NUL byte in their first 8 KiB\n"
	"      --max-file-size N   skip larger files with a warning (default 50M; K, M, G suffixes)\n"
	"      --salt STRING       fingerprint salt (default: 'salt' in .hush.yml, else the root commit id)\n"
	"      --strict            exit 2 when there was any warning\n"
	"  -q, --quiet             print no summary line and no progress\n"
	"      --color WHEN        auto (default), always or never; NO_COLOR is honoured\n"
	RULE_OPTIONS_HELP
	"\n"
	"Exit status: 0 no findings, 1 findings, 2 error (or a warning with --strict).\n";

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

static void on_warning(const char *msg, void *payload)
{
	(void)payload;
	cli_warning("%s", msg);
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
	bool stats = false;
	hush_history_options ho = HUSH_HISTORY_OPTIONS_INIT;
	char **revs = NULL;
	const char *diff_file = NULL, *repo = ".";
	size_t nrevs = 0;
	hush_config *cfg = NULL;
	hush_ruleset *rs = NULL;
	hush_matcher *m = NULL;
	hush_scan_result *res = NULL;
	char *root = NULL;
	FILE *out = stdout;
	int opt, rc = EXIT_ERROR;

	memset(&ro, 0, sizeof(ro));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:j:q", longopts, NULL)) != -1) {
		int handled = cli_rule_option(&ro, opt, optarg);

		if (handled < 0)
			goto cleanup;
		if (handled)
			continue;
		switch (opt) {
		case 'f':
			if (!strcmp(optarg, "text"))
				fmt = FORMAT_TEXT;
			else if (!strcmp(optarg, "json"))
				fmt = FORMAT_JSON;
			else if (!strcmp(optarg, "jsonl"))
				fmt = FORMAT_JSONL;
			else {
				cli_error("unknown format '%s': use text, json or jsonl", optarg);
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
		default:
			fprintf(stderr, "Run 'hush scan --help' for the options.\n");
			goto cleanup;
		}
	}
	if ((history + staged + diff) > 1) {
		cli_error("--history, --staged and --diff cannot be combined");
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

	root = cli_find_root(history || staged ? repo : use_stdin || diff ? "." : paths[0]);
	if (!root) {
		cli_error("cannot determine the current directory: %s", strerror(errno));
		goto cleanup;
	}
	if (cli_load_config(&cfg, &ro, root) || cli_load_rules(&rs, &ro, cfg, root))
		goto cleanup;
	if (ro.no_cache)
		mo.cache_dir = "";
	if (hush_matcher_new(&m, rs, &mo) != 0) {
		cli_error("%s", hush_error_last());
		goto cleanup;
	}
	so.config = cfg;
	so.root = root;
	so.warn = on_warning;
	if (history) {
		ho.revisions = (const char *const *)revs;
		ho.nrevisions = nrevs;
		ho.progress = !quiet && isatty(STDERR_FILENO);
		rc = hush_scan_history(&res, m, repo, &ho, &so);
	} else if (staged) {
		rc = hush_scan_staged(&res, m, repo, &so);
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
		if (res->stats.skipped_binary || res->stats.skipped_large)
			fprintf(stderr, ", %llu skipped", (unsigned long long)(res->stats.skipped_binary +
									  res->stats.skipped_large));
		if (res->stats.warnings)
			fprintf(stderr, ", %llu warning%s", (unsigned long long)res->stats.warnings,
				res->stats.warnings == 1 ? "" : "s");
		fputc('\n', stderr);
	}
	if (stats)
		fprintf(stderr,
			"hush: stats: commits %llu, trees %llu, blobs %llu, files %llu, bytes %llu, findings %llu, allowed %llu, "
			"skipped binary %llu, skipped large %llu, skipped ignored %llu, skipped special %llu, warnings %llu\n",
			(unsigned long long)res->stats.commits, (unsigned long long)res->stats.trees,
			(unsigned long long)res->stats.blobs, (unsigned long long)res->stats.files,
			(unsigned long long)res->stats.bytes, (unsigned long long)res->stats.findings,
			(unsigned long long)res->stats.allowed, (unsigned long long)res->stats.skipped_binary,
			(unsigned long long)res->stats.skipped_large, (unsigned long long)res->stats.skipped_ignored,
			(unsigned long long)res->stats.skipped_special, (unsigned long long)res->stats.warnings);
	if (strict && res->stats.warnings)
		rc = EXIT_ERROR;
	else
		rc = res->count ? EXIT_FINDINGS : EXIT_CLEAN;
cleanup:
	if (out && out != stdout && fclose(out) != 0 && rc != EXIT_ERROR) {
		cli_error("cannot write the report '%s': %s", report, strerror(errno));
		rc = EXIT_ERROR;
	}
	hush_scan_result_free(res);
	hush_matcher_free(m);
	hush_ruleset_free(rs);
	hush_config_free(cfg);
	free(root);
	free(ro.rule_paths);
	free(ro.disabled);
	hush__strv_free(revs, nrevs);
	return rc;
}
