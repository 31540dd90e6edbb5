/* error.c: the thread-local last-error message behind hush_error_last(). */
#include <stdio.h>
#include <string.h>

#include "hush/error.h"

static _Thread_local char last_error[1024];

int hush_error_setv(const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	return HUSH_ERROR;
}

int hush_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hush_error_setv(fmt, ap);
	va_end(ap);
	return HUSH_ERROR;
}

void hush_error_prefix(const char *fmt, ...)
{
	char prefix[512], old[sizeof(last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last_error, sizeof(old));
	snprintf(last_error, sizeof(last_error), "%s: %s", prefix, old);
}

const char *hush_error_last(void)
{
	return last_error[0] ? last_error : "unknown error";
}

void hush_error_clear(void)
{
	last_error[0] = '\0';
}
