/* SPDX-License-Identifier: MIT */
/*
 * The unit tests' assertion macro (core/tests, rcache/tests). A failed
 * check prints where and what, counts in @failures and lets the test go
 * on, so one run reports every broken rule; main() returns non-zero when
 * failures is non-zero.
 *
 *   CHECK(cond);                         "file:line: CHECK(cond) failed"
 *   CHECK(cond, "fmt", args...);         the same, then the description
 */
#ifndef IOVALAB_TESTS_CHECK_H
#define IOVALAB_TESTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int failures;

/* CHECK without a description passes an empty format: that is intended. */
#pragma GCC diagnostic ignored "-Wformat-zero-length"

static inline void __attribute__((format(printf, 4, 5)))
lab_check_failed(const char *file, int line, const char *cond, const char *fmt,
		 ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: CHECK(%s) failed", file, line, cond);
	if (*fmt) {
		fputs(": ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	failures++;
}

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (!(cond))                                        \
			lab_check_failed(__FILE__, __LINE__, #cond, \
					 "" __VA_ARGS__);           \
	} while (0)

#endif /* IOVALAB_TESTS_CHECK_H */
