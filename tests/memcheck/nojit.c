/*
 * nojit.c: linked into the hush of `make memcheck` only (build-memcheck/, -DHUSH_MEMCHECK_NOJIT=ON), where this
 * definition takes precedence over libpcre2's for hush's own calls. PCRE2's JIT-compiled code reads
 * the subject 16 and 32 bytes at a time and may run past its end (aligned loads that stay within the page, so
 * harmless), which memcheck reports as invalid reads and uninitialised values in code it has no symbols for. With
 * JIT compilation refused, hush uses PCRE2's interpreter (the fallback it always has), whose reads memcheck can
 * check exactly. Not part of hush.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

int pcre2_jit_compile_8(pcre2_code_8 *code, uint32_t options)
{
	(void)code;
	(void)options;
	return PCRE2_ERROR_JIT_BADOPTION;
}
