/* test_oidset.c: the object-id set keeps every id once, through growth, and answers membership exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/oidset.h"

static void make_id(unsigned char id[HUSH_OID_LEN], uint32_t n)
{
	/* ids that share their first bytes in runs, to exercise collisions and probing */
	memset(id, 0, HUSH_OID_LEN);
	id[0] = (unsigned char)(n % 7);
	memcpy(id + 8, &n, sizeof(n));
	id[19] = (unsigned char)(n * 31);
}

static void test_add_and_has(void **state)
{
	hush__oidset s = HUSH_OIDSET_INIT;
	unsigned char id[HUSH_OID_LEN];

	(void)state;
	make_id(id, 1);
	assert_false(hush__oidset_has(&s, id));
	for (uint32_t n = 0; n < 50000; n++) {
		make_id(id, n);
		assert_int_equal(hush__oidset_add(&s, id), 1);
	}
	assert_int_equal(s.count, 50000);
	for (uint32_t n = 0; n < 50000; n++) {
		make_id(id, n);
		assert_true(hush__oidset_has(&s, id));
		assert_int_equal(hush__oidset_add(&s, id), 0);
	}
	for (uint32_t n = 50000; n < 51000; n++) {
		make_id(id, n);
		assert_false(hush__oidset_has(&s, id));
	}
	assert_int_equal(s.count, 50000);
	hush__oidset_dispose(&s);
	assert_int_equal(s.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_has),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
