/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny KTAP-style test harness for the userspace codec tests.
 * Each test case prints "ok N name" / "not ok N name"; failed checks
 * print "# file:line: ..." diagnostics; kt_done() prints the plan and
 * "N passed, N failed" last, and returns the exit status.
 */
#ifndef _DMVPN_KTEST_H
#define _DMVPN_KTEST_H

#include <stdarg.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int kt_num, kt_passed, kt_failed, kt_case_failures;

static inline void kt_start(void)
{
	printf("KTAP version 1\n");
}

/* Begin a case: checks until kt_end() count against it. */
static inline void kt_begin(void)
{
	kt_case_failures = 0;
}

static inline int kt_end(const char *fmt, ...)
{
	va_list ap;

	kt_num++;
	printf("%sok %d ", kt_case_failures ? "not " : "", kt_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (kt_case_failures)
		kt_failed++;
	else
		kt_passed++;
	return !kt_case_failures;
}

static inline void kt_skip(const char *name, const char *why)
{
	kt_num++;
	kt_passed++;
	printf("ok %d %s # SKIP %s\n", kt_num, name, why);
}

static inline int kt_done(void)
{
	printf("1..%d\n", kt_num);
	printf("%d passed, %d failed\n", kt_passed, kt_failed);
	fflush(stdout);
	return kt_failed ? 1 : 0;
}

#define KT_CHECK(cond) do {						\
	if (!(cond)) {							\
		kt_case_failures++;					\
		printf("# %s:%d: check failed: %s\n",			\
		       __FILE__, __LINE__, #cond);			\
	}								\
} while (0)

#define KT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		kt_case_failures++;					\
		printf("# %s:%d: %s == %lld, expected %s == %lld\n",	\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
	}								\
} while (0)

#define KT_MEMEQ(a, b, n) do {						\
	if (memcmp((a), (b), (n))) {					\
		kt_case_failures++;					\
		printf("# %s:%d: bytes of %s differ from %s\n",		\
		       __FILE__, __LINE__, #a, #b);			\
	}								\
} while (0)

#endif /* _DMVPN_KTEST_H */
