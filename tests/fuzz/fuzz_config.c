/*
 * fuzz_config.c: .hush.yml (hush_config_parse) and .hushignore (hush_config_parse_ignore) on any bytes, then
 * every question a scan asks of a config: allowlisted paths (globs), fingerprints, and findings against the
 * global and per-rule regexes, stopwords and paths.
 *
 * Properties: a parsed config's fingerprints are sorted, lowercase and 32 hex digits; errors carry the file name
 * and a position; a failed parse returns no config.
 */
#include <ctype.h>
#include <stdbool.h>

#include "fuzz_common.h"
#include "hush/config.h"
#include "hush/error.h"
#include "hush/fingerprint.h"

static const char *const paths[] = {
	"src/main.c", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/file.txt", ".env", "tests/fixtures/x.yml",
	"", "dir/", "**", "a/**/b",
};
/* the tokens are split so that the source holds none */
static const char *const secrets[] = {
	"AKIA" "ABCDEFGHIJKLMNOP", "ghp_" "abcdefghijklmnopqrstuvwxyz0123456789", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
	"p@ss w0rd/with:punct", "",
};

static bool known(const char *id, void *payload)
{
	(void)payload;
	return id[0] != 'x';
}

static void check_fingerprints(const hush_config *c)
{
	for (size_t i = 0; i < c->nallow_fingerprints; i++) {
		const char *fp = c->allow_fingerprints[i];

		FUZZ_CHECK(strlen(fp) == HUSH_FINGERPRINT_HEXLEN, "fingerprint of length %zu", strlen(fp));
		for (const char *p = fp; *p; p++)
			FUZZ_CHECK(isxdigit((unsigned char)*p) && !isupper((unsigned char)*p), "fingerprint '%s'", fp);
		FUZZ_CHECK(i == 0 || strcmp(c->allow_fingerprints[i - 1], fp) <= 0, "fingerprints not sorted");
		FUZZ_CHECK(hush_config_fingerprint_allowed(c, fp), "fingerprint '%s' not found", fp);
	}
}

static void ask(const hush_config *c)
{
	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
		(void)hush_config_path_allowed(c, paths[p]);
	(void)hush_config_fingerprint_allowed(c, "0123456789abcdef0123456789abcdef");
	for (size_t s = 0; s < sizeof(secrets) / sizeof(secrets[0]); s++) {
		(void)hush_config_finding_allowed(c, "generic-api-key", paths[s % 4], secrets[s], strlen(secrets[s]));
		for (size_t r = 0; r < c->nallow_rules && r < 8; r++)
			(void)hush_config_finding_allowed(c, c->allow_rules[r].rule_id, paths[(s + r) % 8], secrets[s],
							  strlen(secrets[s]));
	}
	(void)hush_config_check_rule_ids(c, known, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hush_config *c = NULL;
	int err = hush_config_parse(&c, ".hush.yml", (const char *)data, size);

	if (err) {
		FUZZ_CHECK(c == NULL, "a failed parse returned a config");
		FUZZ_CHECK(!strncmp(hush_error_last(), ".hush.yml:", 10), "message without its position: %s",
			   hush_error_last());
	} else {
		check_fingerprints(c);
		ask(c);
		/* the same bytes as a .hushignore on top of it */
		if (hush_config_parse_ignore(c, ".hushignore", (const char *)data, size) == 0)
			check_fingerprints(c);
		hush_config_free(c);
	}
	/* and alone, as the only suppression file */
	if (hush_config_new(&c) == 0) {
		if (hush_config_parse_ignore(c, ".hushignore", (const char *)data, size) == 0)
			check_fingerprints(c);
		else
			FUZZ_CHECK(!strncmp(hush_error_last(), ".hushignore:", 12), "message without its position: %s",
				   hush_error_last());
		hush_config_free(c);
	}
	hush_error_clear();
	return 0;
}
