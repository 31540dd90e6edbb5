/* cmd_audit.c: `hush audit`: read and filter the audit log. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/remote_cmds.h"
#include "hush/audit.h"
#include "hush/error.h"
#include "common/util.h"
#include "common/banned.h"

enum { OPT_ENV = 256, OPT_NAME, OPT_SINCE, OPT_FORMAT, OPT_LOG, OPT_COMMAND };

const char cmd_audit_usage[] =
	"usage: hush audit [--env ENV] [--name NAME] [--since WHEN] [--command CMD] [--format text|json] [--log FILE]\n"
	"\n"
	"Show the audit log of secret access: one record per decryption or Vault fetch by hush run, vault get, vault\n"
	"export, redact -e and scan --vault. Records never hold values.\n"
	"\n"
	"  --env ENV        only records of environment ENV\n"
	"  --name NAME      only records that include the secret NAME\n"
	"  --since WHEN     only records from the last 30m, 12h, 7d or 2w, or since a date (2026-01-31) or time\n"
	"                   (2026-01-31T08:00:00Z, UTC)\n"
	"  --command CMD    only records of one command (run, vault get, vault export, redact, scan)\n"
	"  --format FORMAT  text (default: tab-separated time, user@host, command, env, outcome, names, backends,\n"
	"                   program) or json (the matching records, one JSON object a line, as stored)\n"
	"  --log FILE       read FILE (default: HUSH_AUDIT_LOG, else $XDG_STATE_HOME/hush/audit.log)\n"
	"\n"
	"Malformed lines are skipped with a warning. Exit status: 0 done (also when nothing matched), 2 error.\n";

/* "7d", "12h", "30m", "2w" before now, or a date or UTC time, as the log's "YYYY-MM-DDTHH:MM:SS.mmmZ". */
static int parse_since(char *out, size_t n, const char *s)
{
	const char *env_now = getenv("HUSH_NOW");
	long long now = env_now && *env_now ? strtoll(env_now, NULL, 10) : (long long)time(NULL), secs = 0;
	char *end;
	struct tm tm;
	time_t t;

	errno = 0;
	secs = strtoll(s, &end, 10);
	if (!errno && end != s && secs >= 0 && end[0] && !end[1] && strchr("mhdw", end[0])) {
		static const long long unit[] = { 60, 3600, 86400, 604800 };

		secs *= unit[strchr("mhdw", end[0]) - "mhdw"];
		t = (time_t)(now - secs);
		if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm))
			return -1;
		return 0;
	}
	/* a date or a time: compared as text, which the fixed format makes chronological */
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		snprintf(out, n, "%sT00:00:00.000Z", s);
		return 0;
	}
	if (strlen(s) == 20 && s[10] == 'T' && s[19] == 'Z') {
		snprintf(out, n, "%.19s.000Z", s);
		return 0;
	}
	return -1;
}

static bool has_name(json_t *names, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(names, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), name))
			return true;
	return false;
}

static const char *str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : dflt;
}

/* Strings of an array joined with ',' (tabs and newlines become spaces: one record, one line). */
static void print_list(json_t *a)
{
	size_t i;
	json_t *v;

	if (!json_array_size(a)) {
		fputc('-', stdout);
		return;
	}
	json_array_foreach(a, i, v) {
		if (i)
			fputc(',', stdout);
		for (const char *p = json_string_value(v); p && *p; p++)
			fputc(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, stdout);
	}
}

static void print_field(const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, stdout);
}

static void print_text(json_t *o)
{
	print_field(str(o, "time", "-"));
	fputc('\t', stdout);
	print_field(str(o, "user", "?"));
	fputc('@', stdout);
	print_field(str(o, "host", "?"));
	fputc('\t', stdout);
	print_field(str(o, "command", "-"));
	fputc('\t', stdout);
	print_field(str(o, "env", "-"));
	fputc('\t', stdout);
	print_field(str(o, "outcome", "-"));
	if (json_object_get(o, "error")) {
		fputs(": ", stdout);
		print_field(str(o, "error", ""));
	}
	fputc('\t', stdout);
	print_list(json_object_get(o, "names"));
	fputc('\t', stdout);
	print_list(json_object_get(o, "backends"));
	fputc('\t', stdout);
	print_field(str(o, "argv0", "-"));
	fputc('\n', stdout);
}

int cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "env", required_argument, NULL, OPT_ENV },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "command", required_argument, NULL, OPT_COMMAND },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ NULL, 0, NULL, 0 }
	};
	const char *env = NULL, *name = NULL, *command = NULL, *log_opt = NULL;
	char since[40] = "", *path = NULL, *line = NULL;
	bool json = false;
	size_t cap = 0, lineno = 0, bad = 0, first_bad = 0;
	FILE *fp = NULL;
	int opt, rc = EXIT_ERROR;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ENV: env = optarg; break;
		case OPT_NAME: name = optarg; break;
		case OPT_COMMAND: command = optarg; break;
		case OPT_LOG: log_opt = optarg; break;
		case OPT_SINCE:
			if (parse_since(since, sizeof(since), optarg) != 0) {
				cli_error("invalid --since '%s': use 30m, 12h, 7d, 2w, a date (2026-01-31) or a UTC time "
					  "(2026-01-31T08:00:00Z)",
					  optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "json") || !strcmp(optarg, "text")) {
				json = !strcmp(optarg, "json");
				break;
			}
			cli_error("unknown format '%s': use text or json", optarg);
			return EXIT_ERROR;
		default:
			fprintf(stderr, "Run 'hush audit --help' for the options.\n");
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'; run 'hush audit --help'", argv[optind]);
		return EXIT_ERROR;
	}
	if (!(path = log_opt ? hush__strdup(log_opt) : hush_audit_path())) {
		cli_error("%s", hush_error_last());
		return EXIT_ERROR;
	}
	if (!(fp = fopen(path, "re"))) {
		if (errno == ENOENT && !log_opt) {
			cli_warning("no audit log at '%s' yet: nothing was recorded", path);
			rc = EXIT_CLEAN;
		} else {
			cli_error("cannot read the audit log '%s': %s", path, strerror(errno));
		}
		goto cleanup;
	}
	for (;;) {
		ssize_t n = getline(&line, &cap, fp);
		json_error_t je;
		json_t *o;

		if (n < 0)
			break;
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!n)
			continue;
		if (!(o = json_loadb(line, (size_t)n, 0, &je)) || !json_is_object(o) ||
		    !json_is_string(json_object_get(o, "time"))) {
			if (!bad++)
				first_bad = lineno;
			json_decref(o);
			continue;
		}
		if ((!env || !strcmp(str(o, "env", ""), env)) && (!name || has_name(json_object_get(o, "names"), name)) &&
		    (!command || !strcmp(str(o, "command", ""), command)) &&
		    (!*since || strcmp(str(o, "time", ""), since) >= 0)) {
			if (json) {
				fwrite(line, 1, (size_t)n, stdout);
				fputc('\n', stdout);
			} else {
				print_text(o);
			}
		}
		json_decref(o);
	}
	if (ferror(fp)) {
		cli_error("cannot read the audit log '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (bad)
		cli_warning("skipped %zu malformed line%s in '%s' (the first is line %zu)", bad, bad == 1 ? "" : "s", path,
			    first_bad);
	rc = EXIT_CLEAN;
cleanup:
	if (fp)
		fclose(fp);
	free(line);
	free(path);
	return rc;
}
