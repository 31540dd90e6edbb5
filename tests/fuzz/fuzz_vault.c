/*
 * fuzz_vault.c: the vault file parser (hush_vault_parse) and the decryptors (hush_vault_decrypt_all,
 * hush_vault_get, hush_vault_open) on any bytes, with a fixed test key: crypto_box_seed_keypair of
 * FUZZ_VAULT_SEED, so that the committed seeds (written by gen_vault_seeds.c) hold values that really decrypt.
 *
 * Also the scanner's test for vault files (hush__is_vault_file) on the same bytes.
 *
 * Properties: decrypt_all succeeds exactly when every get succeeds, with the same bytes; a failure returns no
 * plaintext; a value set into a parsed vault reads back; the fast JSON path (common/json.c) and jansson's own
 * parser give equal values, with object keys in the same order, or both fail.
 */
#include <sodium.h>
#include <stdbool.h>

#include "fuzz_common.h"
#include "common/json.h"
#include "hush/error.h"
#include "hush/vault.h"
#include "scanner/sink.h"

static hush_secret *sk;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || hush_secret_new(&sk, NULL, crypto_box_SECRETKEYBYTES))
		abort();
	crypto_box_seed_keypair(pk, hush_secret_data(sk), (const unsigned char *)FUZZ_VAULT_SEED);
	return 0;
}

/* Equal values, with the keys of every object in the same order (json_equal ignores order). */
static bool same_json(json_t *a, json_t *b)
{
	const char *ka, *kb;
	json_t *va, *vb;
	void *ia, *ib;

	if (!json_equal(a, b))
		return false;
	if (!json_is_object(a))
		return true;
	for (ia = json_object_iter(a), ib = json_object_iter(b); ia && ib;
	     ia = json_object_iter_next(a, ia), ib = json_object_iter_next(b, ib)) {
		ka = json_object_iter_key(ia);
		kb = json_object_iter_key(ib);
		va = json_object_iter_value(ia);
		vb = json_object_iter_value(ib);
		if (strcmp(ka, kb) || !same_json(va, vb))
			return false;
	}
	return !ia && !ib;
}

static void check_fast_json(const uint8_t *data, size_t size)
{
	for (size_t flags = 0; flags <= JSON_REJECT_DUPLICATES; flags += JSON_REJECT_DUPLICATES) {
		json_t *fast = hush__json_loadb((const char *)data, size, flags, NULL);
		json_t *slow = json_loadb((const char *)data, size, flags, NULL);

		FUZZ_CHECK(!fast == !slow, "the fast JSON path %s where jansson %s", fast ? "parsed" : "failed",
			   slow ? "parsed" : "failed");
		if (fast && slow)
			FUZZ_CHECK(same_json(fast, slow), "the fast JSON path and jansson disagree");
		json_decref(fast);
		json_decref(slow);
	}
}

static void check_decrypt(const hush_vault *v)
{
	hush_vault_plain *plain = NULL;
	size_t n = hush_vault_count(v);
	int all = hush_vault_decrypt_all(&plain, v, sk);
	bool every = hush_vault_check_key(v, sk, NULL) == 0; /* a wrong key fails even with no values */

	if (all) {
		FUZZ_CHECK(plain == NULL, "a failed decrypt_all returned plaintext");
		FUZZ_CHECK(all == HUSH_EDECRYPT || all == HUSH_EWRONGKEY || all == HUSH_ENOMEM, "error %d: %s", all,
			   hush_error_last());
	} else {
		FUZZ_CHECK(hush_vault_plain_count(plain) == n, "decrypt_all gave %zu of %zu values",
			   hush_vault_plain_count(plain), n);
	}
	for (size_t i = 0; i < n; i++) {
		hush_vault_entry e;
		hush_secret *s = NULL;
		int err;

		hush_vault_entry_at(&e, v, i);
		FUZZ_CHECK(hush_vault_name_valid(e.name) && e.created && e.updated && e.updated_by, "entry %zu", i);
		err = hush_vault_get(&s, v, e.name, sk);
		if (err) {
			FUZZ_CHECK(s == NULL, "a failed get returned plaintext");
			every = false;
			continue;
		}
		if (plain) {
			size_t len;
			const unsigned char *p = hush_vault_plain_value(plain, i, &len);

			FUZZ_CHECK(!strcmp(hush_vault_plain_name(plain, i), e.name), "names out of order");
			FUZZ_CHECK(len == hush_secret_len(s) && !memcmp(p, hush_secret_data(s), len) && p[len] == 0,
				   "decrypt_all and get disagree on '%s'", e.name);
		}
		hush_secret_free(s);
	}
	FUZZ_CHECK(every == (all == 0), "decrypt_all %s but every get %s", all ? "failed" : "succeeded",
		   every ? "succeeded" : "did not");
	hush_vault_plain_free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hush_vault *v = NULL;
	const char *env = size % 2 ? FUZZ_VAULT_ENV : NULL;
	int err = hush_vault_parse(&v, (const char *)data, size, "fuzz.json", env);

	check_fast_json(data, size);

	/* the scanner's own look at vault files (scan skips their ciphertexts) */
	(void)hush__is_vault_file(".hush/fuzz.json", (const char *)data, size);

	if (err) {
		FUZZ_CHECK(v == NULL, "a failed parse returned a vault");
		FUZZ_CHECK(err == HUSH_EINVALID || err == HUSH_EVERSION || err == HUSH_EENV, "error %d: %s", err,
			   hush_error_last());
	} else {
		check_decrypt(v);
		/* a new value, sealed to the file's public key (whatever it is), reads back with the right key only */
		if (hush_vault_set(v, "FUZZ_ADDED", "added value", 11, "2026-01-01T00:00:00Z", "fuzz") == 0) {
			hush_secret *s = NULL;

			FUZZ_CHECK(hush_vault_has(v, "FUZZ_ADDED"), "the value set is missing");
			if (hush_vault_get(&s, v, "FUZZ_ADDED", sk) == 0)
				FUZZ_CHECK(hush_secret_len(s) == 11 && !memcmp(hush_secret_data(s), "added value", 11),
					   "the value set reads back wrong");
			hush_secret_free(s);
			FUZZ_CHECK(hush_vault_remove(v, "FUZZ_ADDED") == 0, "cannot remove the value set");
		}
		hush_vault_free(v);
	}
	hush_error_clear();
	return 0;
}
