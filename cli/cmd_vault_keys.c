/*
 * cmd_vault_keys.c: `hush vault rotate-key` (a new keypair, every value re-sealed), `hush vault compact` (every value
 * re-sealed in one write session, same key) and `hush vault check` (ages).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/vault_cmds.h"
#include "hush/error.h"
#include "hush/vault.h"
#include "common/util.h"
#include "common/banned.h"

static int fail(void)
{
	cli_error("%s", hush_error_last());
	return EXIT_ERROR;
}

/* malloc'd a b c d concatenated, or NULL (with the error printed) */
static char *concat4(const char *a, const char *b, const char *c, const char *d)
{
	hush_buf buf = HUSH_BUF_INIT;
	char *s;

	if (hush_buf_printf(&buf, "%s%s%s%s", a, b, c, d) || !(s = hush_buf_detach(&buf, NULL))) {
		hush_buf_dispose(&buf);
		cli_error("out of memory");
		return NULL;
	}
	return s;
}

/* fsync the folder holding path, so that a rename or link in it is durable */
static int sync_parent(const char *path)
{
	char *dir = hush__strdup(path), *slash;
	int fd, rc = 0;

	if (!dir)
		return -1;
	if ((slash = strrchr(dir, '/')))
		*(slash == dir ? slash + 1 : slash) = 0;
	else
		dir[0] = '.', dir[1] = 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(dir);
	return rc;
}

/* true when the key file at path holds the private key of v */
static bool file_holds_key(const char *path, const char *env, const hush_vault *v)
{
	hush_secret *sk = NULL;
	bool ok = hush_key_read(&sk, path, env) == 0 && hush_vault_check_key(v, sk, path) == 0;

	hush_secret_free(sk);
	return ok;
}

/*
 * Keep the old private key as retired (0600): a hard link to the current key file when that file holds it, else
 * (the key came from HUSH_PRIVATE_KEY_<ENV> and there is no key file) a new file written from memory. An existing
 * retired file is fine when it holds the same key (a rotation interrupted earlier).
 */
static int retire_old_key(const char *retired, const char *key_path, bool key_file_exists, const char *env,
			  const hush_vault *v, const hush_secret *old_sk)
{
	int err;

	if (key_file_exists) {
		if (link(key_path, retired) == 0)
			return 0;
		if (errno != EEXIST) {
			cli_error("cannot keep the old key file as '%s': %s", retired, strerror(errno));
			return -1;
		}
	} else {
		if ((err = hush_key_write(retired, env, old_sk)) == 0)
			return 0;
		if (err != HUSH_EEXISTS) {
			fail();
			return -1;
		}
	}
	if (file_holds_key(retired, env, v))
		return 0;
	cli_error("refusing to overwrite '%s', which does not hold the current key of environment '%s'", retired, env);
	return -1;
}

/*
 * Seal every value of v (decrypted in plain, in the same order: both sorted by name) into nv, one write session,
 * keeping the metadata: hush_vault_set stamps created only for a new name and keeps it after, so a first (empty)
 * set at the old created time, then the real one at the old updated time and author.
 */
static int reseal(hush_vault *nv, const hush_vault *v, const hush_vault_plain *plain)
{
	for (size_t i = 0; i < hush_vault_count(v); i++) {
		hush_vault_entry e;
		const unsigned char *value;
		size_t len;
		int err;

		hush_vault_entry_at(&e, v, i);
		value = hush_vault_plain_value(plain, i, &len);
		err = hush_vault_set(nv, e.name, "", 0, *e.created ? e.created : e.updated, NULL);
		if (!err)
			err = hush_vault_set(nv, e.name, value, len, e.updated, e.updated_by);
		if (err)
			return err;
	}
	return 0;
}

int vault_cmd_rotate_key(const vault_args *a)
{
	unsigned char new_pk[HUSH_VAULT_KEY_BYTES];
	char old_id[HUSH_VAULT_KEY_ID_HEX + 1], new_id[HUSH_VAULT_KEY_ID_HEX + 1], var[64];
	const char *env;
	char *path = NULL, *key_path = NULL, *retired = NULL, *tmp_key = NULL, *source = NULL;
	hush_vault *v = NULL, *nv = NULL;
	hush_vault_plain *plain = NULL;
	hush_secret *old_sk = NULL, *new_sk = NULL;
	const hush_secret *pass = NULL;
	bool from_var, key_file_exists, key_installed = false;
	struct stat st;
	size_t n;
	int lock = -1, rc = EXIT_ERROR;

	vault_no_core_dumps();
	if (a->argc != 1 || a->argv[0][0] == '-') {
		cli_error("'vault rotate-key' takes ENV");
		return EXIT_ERROR;
	}
	env = a->argv[0];
	if (!hush_vault_env_valid(env)) {
		cli_error("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", env);
		return EXIT_ERROR;
	}
	hush_key_env_var(var, sizeof(var), env);
	from_var = getenv(var) && *getenv(var);
	if (!(path = concat4(a->dir, "/", env, ".json")))
		goto cleanup;
	if (!(key_path = hush_key_default_path(env))) {
		fail();
		goto cleanup;
	}
	/* the whole rotation is one read-modify-write under the vault's lock */
	if (hush_vault_lock(&lock, path) != 0 || hush_vault_load(&v, path, env) != 0 ||
	    hush_key_find(&old_sk, &source, env, NULL) != 0 || hush_vault_check_key(v, old_sk, source) != 0) {
		fail();
		goto cleanup;
	}
	snprintf(old_id, sizeof(old_id), "%s", hush_vault_key_id_of(v));
	key_file_exists = lstat(key_path, &st) == 0;
	if (key_file_exists && !file_holds_key(key_path, env, v)) {
		cli_error("the key file '%s' does not hold the current key of environment '%s' (key id %s); move it "
			  "away first",
			  key_path, env, old_id);
		goto cleanup;
	}
	/*
	 * A passphrase-protected key file stays protected, with the same passphrase: reading the key file above is
	 * the only unlock in this process, and it left the passphrase cached (guarded memory) only when it was used.
	 */
	if (key_file_exists)
		pass = hush_key_cached_passphrase(env);

	/* re-seal every value under a new keypair, in memory; plaintext only ever in a hush_secret */
	if (hush_vault_keypair(new_pk, &new_sk) != 0 || hush_vault_new(&nv, env, new_pk) != 0) {
		fail();
		goto cleanup;
	}
	hush_vault_key_id(new_id, new_pk);
	if (hush_vault_decrypt_all(&plain, v, old_sk) != 0) {
		fail();
		goto cleanup;
	}
	n = hush_vault_count(v);
	if (reseal(nv, v, plain) != 0) {
		fail();
		goto cleanup;
	}
	hush_vault_plain_free(plain);
	plain = NULL;

	/*
	 * SECURITY: the order of the writes keeps every value decryptable by a stored key after a crash at any point:
	 * 1. the old key kept as <env>.key.retired-<old id> (a hard link to the key file, or written from memory);
	 * 2. the new key written to <env>.key.new, then renamed over <env>.key (the folder synced);
	 * 3. only then the vault, atomically. Before 3 the vault still needs the old key, which step 1 kept.
	 */
	if (!(retired = concat4(key_path, ".retired-", old_id, "")) || !(tmp_key = concat4(key_path, ".new", "", "")))
		goto cleanup;
	if (retire_old_key(retired, key_path, key_file_exists, env, v, old_sk) != 0)
		goto cleanup;
	/* a leftover .new is from an interrupted rotation whose vault was never written: its key sealed nothing */
	if (unlink(tmp_key) < 0 && errno != ENOENT) {
		cli_error("cannot remove the stale '%s': %s", tmp_key, strerror(errno));
		goto cleanup;
	}
	if ((pass ? hush_key_write_protected(tmp_key, env, new_sk, pass) : hush_key_write(tmp_key, env, new_sk)) != 0) {
		fail();
		goto cleanup;
	}
	if (rename(tmp_key, key_path) < 0) {
		cli_error("cannot rename '%s' to '%s': %s", tmp_key, key_path, strerror(errno));
		unlink(tmp_key);
		goto cleanup;
	}
	key_installed = true;
	if (sync_parent(key_path) < 0) {
		cli_error("cannot sync the folder of '%s': %s", key_path, strerror(errno));
		goto cleanup;
	}
	if (hush_vault_save(nv, path) != 0) {
		fail();
		goto cleanup;
	}
	key_installed = false; /* done: nothing to undo */

	printf("rotated the key of environment '%s': %s -> %s\n", env, old_id, new_id);
	printf("re-encrypted %zu value%s in '%s'\n", n, n == 1 ? "" : "s", path);
	printf("the new private key is in '%s' (mode 0600%s)\n", key_path,
	       pass ? ", encrypted with the same passphrase" : "");
	printf("the old key %s is retired, kept in '%s' (mode 0600); delete it once nothing needs it\n", old_id,
	       retired);
	if (from_var && pass)
		printf("the key came from %s, which still holds the retired key: update that CI variable (the new key "
		       "file is passphrase-protected, so it holds no clear \"secret_key\")\n",
		       var);
	else if (from_var)
		printf("the key came from %s, which still holds the retired key: update that CI variable to the "
		       "\"secret_key\" of '%s'\n",
		       var, key_path);
	rc = EXIT_CLEAN;
cleanup:
	hush_vault_plain_free(plain);
	if (key_installed) {
		/* the vault was not written: put the old key back where get looks for it */
		if (rename(retired, key_path) == 0) {
			sync_parent(key_path);
			cli_error("the vault was not changed; the old key is back in '%s'", key_path);
		} else {
			cli_error("the vault was not changed and still needs the old key %s, kept in '%s'", old_id,
				  retired);
		}
	}
	hush_vault_unlock(lock);
	hush_vault_free(v);
	hush_vault_free(nv);
	hush_secret_free(old_sk);
	hush_secret_free(new_sk);
	free(path);
	free(key_path);
	free(retired);
	free(tmp_key);
	free(source);
	return rc;
}

/* ---- check ---- */

/* "90d", "36h", "12w" in seconds; -1 when invalid */
/* ---- passwd ---- */

/*
 * Change, add or remove the passphrase of an environment's key file: read it (old passphrase from
 * HUSH_KEY_PASSPHRASE_<ENV> or the terminal), write it again (new passphrase from HUSH_NEW_KEY_PASSPHRASE_<ENV>
 * or asked twice; --remove: unprotected) to <key>.new, fsync, rename over the key file. The key itself does not
 * change, so the vault and every CI variable stay valid. A crash leaves the old or the new file, never neither.
 */
/*
 * Reading costs one X25519 key agreement per write session (each 'vault set' process is one): an environment
 * built by 500 separate sets takes 500 agreements (about 25 ms) to decrypt. compact re-seals every value in one
 * session under the same key, keeping names and metadata, so that reading takes one. Needs the private key.
 */
int vault_cmd_compact(const vault_args *a)
{
	const char *env;
	char *path = NULL, *source = NULL;
	hush_vault *v = NULL, *nv = NULL;
	hush_vault_plain *plain = NULL;
	hush_secret *sk = NULL;
	size_t n, sessions;
	int lock = -1, rc = EXIT_ERROR;

	vault_no_core_dumps();
	if (a->argc != 1 || a->argv[0][0] == '-') {
		cli_error("'vault compact' takes ENV");
		return EXIT_ERROR;
	}
	env = a->argv[0];
	if (!hush_vault_env_valid(env)) {
		cli_error("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", env);
		return EXIT_ERROR;
	}
	if (!(path = concat4(a->dir, "/", env, ".json")))
		goto cleanup;
	/* one read-modify-write under the vault's lock: a concurrent 'vault set' waits, and is not lost */
	if (hush_vault_lock(&lock, path) != 0 || hush_vault_load(&v, path, env) != 0 ||
	    hush_key_find(&sk, &source, env, NULL) != 0 || hush_vault_check_key(v, sk, source) != 0 ||
	    hush_vault_decrypt_all(&plain, v, sk) != 0 || hush_vault_new(&nv, env, hush_vault_public_key(v)) != 0) {
		fail();
		goto cleanup;
	}
	n = hush_vault_count(v);
	sessions = hush_vault_session_count(v);
	if (reseal(nv, v, plain) != 0) {
		fail();
		goto cleanup;
	}
	hush_vault_plain_free(plain);
	plain = NULL;
	if (hush_vault_save(nv, path) != 0) {
		fail();
		goto cleanup;
	}
	printf("compacted environment '%s': %zu value%s, %zu write session%s -> %zu (key %s unchanged)\n", env, n,
	       n == 1 ? "" : "s", sessions, sessions == 1 ? "" : "s", n ? (size_t)1 : (size_t)0,
	       hush_vault_key_id_of(v));
	rc = EXIT_CLEAN;
cleanup:
	hush_vault_plain_free(plain);
	hush_vault_free(nv);
	hush_vault_free(v);
	hush_secret_free(sk);
	free(source);
	free(path);
	if (lock >= 0)
		hush_vault_unlock(lock);
	return rc;
}

int vault_cmd_passwd(const vault_args *a)
{
	hush_secret *sk = NULL, *pass = NULL;
	char *key_path = NULL, *tmp_key = NULL;
	const char *env = NULL;
	bool remove_pass = false, was_protected;
	struct stat st;
	int rc = EXIT_ERROR;

	for (int i = 0; i < a->argc; i++) {
		if (!strcmp(a->argv[i], "--remove"))
			remove_pass = true;
		else if (a->argv[i][0] == '-' && a->argv[i][1]) {
			cli_error("unknown option '%s' for 'vault passwd': use --remove", a->argv[i]);
			return EXIT_ERROR;
		} else if (!env)
			env = a->argv[i];
		else {
			cli_error("'vault passwd' takes ENV [--remove]");
			return EXIT_ERROR;
		}
	}
	if (!env || !hush_vault_env_valid(env)) {
		cli_error(env ? "invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'"
			      : "'vault passwd' takes ENV [--remove]",
			  env);
		return EXIT_ERROR;
	}
	vault_no_core_dumps();
	if (!(key_path = hush_key_default_path(env))) {
		fail();
		goto cleanup;
	}
	if (lstat(key_path, &st) < 0) {
		cli_error("no key file for environment '%s': '%s' does not exist%s", env, key_path,
			  errno == ENOENT ? " (passwd changes a key file; a key in HUSH_PRIVATE_KEY_<ENV> has no passphrase)"
					  : "");
		goto cleanup;
	}
	if (hush_key_read(&sk, key_path, env) != 0) {
		fail();
		goto cleanup;
	}
	was_protected = hush_key_cached_passphrase(env) != NULL;
	if (!remove_pass && hush_key_get_new_passphrase(&pass, env, key_path) != 0) {
		fail();
		goto cleanup;
	}
	if (!(tmp_key = concat4(key_path, ".new", "", "")))
		goto cleanup;
	if (unlink(tmp_key) < 0 && errno != ENOENT) {
		cli_error("cannot remove the stale '%s': %s", tmp_key, strerror(errno));
		goto cleanup;
	}
	if ((pass ? hush_key_write_protected(tmp_key, env, sk, pass) : hush_key_write(tmp_key, env, sk)) != 0) {
		fail();
		unlink(tmp_key);
		goto cleanup;
	}
	if (rename(tmp_key, key_path) < 0) {
		cli_error("cannot rename '%s' to '%s': %s", tmp_key, key_path, strerror(errno));
		unlink(tmp_key);
		goto cleanup;
	}
	if (sync_parent(key_path) < 0) {
		cli_error("cannot sync the folder of '%s': %s", key_path, strerror(errno));
		goto cleanup;
	}
	if (pass)
		printf("%s the passphrase of the key file '%s' (environment '%s'; the key is unchanged)\n",
		       was_protected ? "changed" : "added", key_path, env);
	else
		printf("%s '%s' (environment '%s'): it is protected by its file permissions only (0600)\n",
		       was_protected ? "removed the passphrase of" : "no passphrase on", key_path, env);
	rc = EXIT_CLEAN;
cleanup:
	hush_secret_free(pass);
	hush_secret_free(sk);
	hush_key_forget_passphrase();
	free(tmp_key);
	free(key_path);
	return rc;
}

static long long parse_max_age(const char *s)
{
	long long n = 0, unit;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n > 1000000)
			return -1;
	}
	if (p[0] && p[1])
		return -1;
	switch (*p) {
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		return -1;
	}
	return n > 0 ? n * unit : -1;
}

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil) */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* "2026-01-02T03:04:05Z" (as hush_vault_iso8601 writes it) to seconds since the epoch; -1 when malformed */
static long long parse_iso8601(const char *s)
{
	int y, mo, d, h, mi, sec, end = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &end) != 6 || end == 0 || s[end] ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -1;
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
}

static void format_age(char *out, size_t n, long long secs)
{
	if (secs >= 2 * 86400)
		snprintf(out, n, "%lld days", secs / 86400);
	else
		snprintf(out, n, "%lld hours", secs / 3600);
}

/* Check one vault file; adds to *stale and *total. Returns 0 or EXIT_ERROR. */
static int check_one(const char *path, const char *env, long long now, long long max_age, const char *max_text,
		     size_t *stale, size_t *total)
{
	hush_vault *v = NULL;
	size_t n;

	if (hush_vault_load(&v, path, env) != 0)
		return fail();
	n = hush_vault_count(v);
	for (size_t i = 0; i < n; i++) {
		hush_vault_entry e;
		long long t;
		char age[48];

		hush_vault_entry_at(&e, v, i);
		t = parse_iso8601(*e.updated ? e.updated : e.created);
		(*total)++;
		if (t < 0) {
			/* no usable time: the policy cannot be shown to hold */
			printf("%s\t%s\tupdated unknown\tage unknown (max %s)\n", hush_vault_env(v), e.name, max_text);
			(*stale)++;
			continue;
		}
		if (now - t <= max_age)
			continue;
		format_age(age, sizeof(age), now - t);
		printf("%s\t%s\tupdated %s\t%s old (max %s)\n", hush_vault_env(v), e.name, *e.updated ? e.updated : e.created,
		       age, max_text);
		(*stale)++;
	}
	hush_vault_free(v);
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int vault_cmd_check(const vault_args *a)
{
	const char *env = NULL, *max_text = "90d";
	long long max_age, now = vault_now();
	char **files = NULL, *path = NULL;
	size_t nfiles = 0, cap = 0, stale = 0, total = 0;
	DIR *d = NULL;
	int rc = EXIT_ERROR;

	for (int i = 0; i < a->argc; i++) {
		const char *arg = a->argv[i];

		if (!strcmp(arg, "--max-age")) {
			if (i + 1 >= a->argc) {
				cli_error("option '--max-age' needs a value, such as 90d, 36h or 12w");
				return EXIT_ERROR;
			}
			max_text = a->argv[++i];
		} else if (!strncmp(arg, "--max-age=", 10)) {
			max_text = arg + 10;
		} else if (arg[0] == '-') {
			cli_error("unknown option '%s' for 'vault check'", arg);
			return EXIT_ERROR;
		} else if (env) {
			cli_error("'vault check' takes at most one ENV");
			return EXIT_ERROR;
		} else {
			env = arg;
		}
	}
	if ((max_age = parse_max_age(max_text)) < 0) {
		cli_error("invalid --max-age '%s': use a positive number of hours, days or weeks, such as 36h, 90d or 12w",
			  max_text);
		return EXIT_ERROR;
	}
	if (env) {
		if (!hush_vault_env_valid(env)) {
			cli_error("invalid environment name '%s': use 1 to 32 of a-z, 0-9, '_' and '-'", env);
			return EXIT_ERROR;
		}
		if (!(path = concat4(a->dir, "/", env, ".json")))
			return EXIT_ERROR;
		if (check_one(path, env, now, max_age, max_text, &stale, &total) != 0)
			goto cleanup;
	} else {
		struct dirent *de;

		if (!(d = opendir(a->dir))) {
			cli_error("cannot read the vault folder '%s': %s", a->dir, strerror(errno));
			goto cleanup;
		}
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);

			/* <env>.json; skips the dot-prefixed temp files of interrupted writes */
			if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".json"))
				continue;
			if (nfiles == cap) {
				char **grown = realloc(files, (cap = cap ? 2 * cap : 8) * sizeof(*files));

				if (!grown) {
					cli_error("out of memory");
					goto cleanup;
				}
				files = grown;
			}
			if (!(files[nfiles] = concat4(a->dir, "/", de->d_name, "")))
				goto cleanup;
			nfiles++;
		}
		if (nfiles)
			qsort(files, nfiles, sizeof(*files), cmp_str);
		for (size_t i = 0; i < nfiles; i++)
			if (check_one(files[i], NULL, now, max_age, max_text, &stale, &total) != 0)
				goto cleanup;
		if (!nfiles)
			fprintf(stderr, "hush: no vault files in '%s'\n", a->dir);
	}
	if (stale) {
		fprintf(stderr, "hush: %zu of %zu secret%s older than %s: set new values with 'hush vault set'\n", stale,
			total, total == 1 ? " is" : "s are", max_text);
		rc = EXIT_FINDINGS;
	} else {
		fprintf(stderr, "hush: all %zu secret%s updated within %s\n", total, total == 1 ? "" : "s", max_text);
		rc = EXIT_CLEAN;
	}
cleanup:
	if (d)
		closedir(d);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	free(path);
	return rc;
}
