/*
 * gen_vault_seeds.c: write the seed vaults of the vault fuzzer (tests/fuzz/corpus/vault/) under the fixed test key
 * of fuzz_vault.c. Not a fuzzer: run once by hand (the committed seeds were made with it), e.g.
 *   build-fuzz/tests/fuzz/gen_vault_seeds tests/fuzz/corpus/vault
 * Nonces and ephemeral keys are random, so each run writes different (equally valid) files.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "hush/vault.h"

#define NOW "2026-01-01T00:00:00Z"

static void save(const hush_vault *v, const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (hush_vault_save(v, path)) {
		fprintf(stderr, "cannot write '%s'\n", path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES], other_pk[crypto_box_PUBLICKEYBYTES];
	hush_secret *other_sk = NULL;
	hush_vault *v = NULL;
	char *ct = NULL;

	if (argc != 2 || sodium_init() < 0) {
		fprintf(stderr, "usage: gen_vault_seeds DIR\n");
		return 2;
	}
	crypto_box_seed_keypair(pk, sk, (const unsigned char *)FUZZ_VAULT_SEED);
	sodium_memzero(sk, sizeof(sk));

	/* no values */
	if (hush_vault_new(&v, FUZZ_VAULT_ENV, pk))
		return 1;
	save(v, argv[1], "empty.json");
	/* one value */
	hush_vault_set(v, "DB_PASSWORD", "not-a-real-password", 19, NOW, "seed@example.invalid");
	save(v, argv[1], "one.json");
	/* several values of one write session (one shared ephemeral key), an empty one, one with a NUL and a newline */
	hush_vault_set(v, "API_TOKEN", "fuzz-token-0123456789", 21, NOW, NULL);
	hush_vault_set(v, "EMPTY", "", 0, NOW, NULL);
	hush_vault_set(v, "_BINARY_1", "a\0b\nc", 5, NOW, "x");
	save(v, argv[1], "session.json");
	hush_vault_free(v);
	v = NULL;

	/* values from two write sessions (two ephemeral keys): the second process loads the file and adds one */
	if (hush_vault_new(&v, FUZZ_VAULT_ENV, pk))
		return 1;
	hush_vault_set(v, "FIRST", "first session", 13, NOW, NULL);
	save(v, argv[1], "sessions.json");
	hush_vault_free(v);
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/sessions.json", argv[1]);
		if (hush_vault_load(&v, path, FUZZ_VAULT_ENV))
			return 1;
	}
	hush_vault_set(v, "SECOND", "second session", 14, NOW, NULL);
	save(v, argv[1], "sessions.json");
	hush_vault_free(v);
	v = NULL;
	/* a ciphertext moved to another name: does not decrypt */
	if (hush_vault_new(&v, FUZZ_VAULT_ENV, pk) || hush_vault_seal(&ct, FUZZ_VAULT_ENV, pk, "MOVED_FROM", "v4lue!", 6))
		return 1;
	hush_vault_set(v, "MOVED_TO", "placeholder", 11, NOW, NULL);
	save(v, argv[1], "moved.json");
	{
		/* rewrite MOVED_TO's ciphertext by hand in the saved file */
		char path[4096], *text;
		FILE *f;
		long len;

		snprintf(path, sizeof(path), "%s/moved.json", argv[1]);
		f = fopen(path, "r+");
		if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
			return 1;
		text = calloc(1, (size_t)len + strlen(ct) + 1);
		if (!text || fread(text, 1, (size_t)len, f) != (size_t)len)
			return 1;
		fclose(f);
		{
			char *c = strstr(text, "\"ciphertext\": \""), *e;

			if (!c)
				return 1;
			c += strlen("\"ciphertext\": \"");
			e = strchr(c, '"');
			f = fopen(path, "w");
			if (!f)
				return 1;
			fwrite(text, 1, (size_t)(c - text), f);
			fputs(ct, f);
			fputs(e, f);
			fclose(f);
		}
		free(text);
	}
	free(ct);
	hush_vault_free(v);
	/* a vault of another key: the fixed key is the wrong one */
	if (hush_vault_keypair(other_pk, &other_sk) || hush_vault_new(&v, FUZZ_VAULT_ENV, other_pk))
		return 1;
	hush_vault_set(v, "OTHER", "sealed to another key", 21, NOW, NULL);
	save(v, argv[1], "other-key.json");
	hush_vault_free(v);
	hush_secret_free(other_sk);
	return 0;
}
