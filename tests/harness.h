/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small kselftest-like test harness printing TAP.
 *
 *	TEST(name) { ASSERT_EQ(1 + 1, 2); EXPECT_TRUE(ok); }
 *
 * Each test runs in a forked child with a timeout (HARNESS_TIMEOUT seconds,
 * default 120), so a crash or a hang fails that test only. ASSERT_* stops the
 * test; EXPECT_* records the failure and continues. TH_LOG() prints a "# "
 * diagnostic line. The harness prints the plan, one "ok N - name" or
 * "not ok N - name" per test, and exits non-zero if any test failed.
 *
 * Environment: TEST_FILTER=substring runs matching tests only;
 * HARNESS_NOFORK=1 runs tests in-process (for debuggers).
 *
 * Include this header from exactly one .c file per test program: it defines main().
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Tests compare values with literals of other signedness all the time. */
#pragma GCC diagnostic ignored "-Wsign-compare"

#define HARNESS_MAX_TESTS	512

struct harness_test {
	const char *name;
	void (*fn)(void);
	unsigned int timeout;
};

/*
 * Under AddressSanitizer, a test that leaks fails: the forked child leaves
 * with _exit(), which skips LeakSanitizer's own check at exit, so the
 * harness runs it explicitly.
 */
#if defined(__SANITIZE_ADDRESS__)
int __lsan_do_recoverable_leak_check(void);
#define HARNESS_LEAK_CHECK()	__lsan_do_recoverable_leak_check()
#else
#define HARNESS_LEAK_CHECK()	0
#endif

static struct harness_test harness_tests[HARNESS_MAX_TESTS];
static unsigned int harness_ntests;
static int harness_failed;	/* in the child: an EXPECT failed */

static inline void harness_register(const char *name, void (*fn)(void), unsigned int timeout)
{
	if (harness_ntests == HARNESS_MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		abort();
	}
	harness_tests[harness_ntests++] = (struct harness_test){ name, fn, timeout };
}

#define TEST_TIMEOUT(name, secs)						\
	static void test_##name(void);						\
	__attribute__((constructor)) static void test_register_##name(void)	\
	{									\
		harness_register(#name, test_##name, secs);			\
	}									\
	static void test_##name(void)

#define TEST(name) TEST_TIMEOUT(name, 0)

#define TH_LOG(fmt, ...)							\
	do {									\
		printf("# %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__);	\
		fflush(stdout);							\
	} while (0)

#define HARNESS_FAIL(stop, fmt, ...)						\
	do {									\
		TH_LOG(fmt, ##__VA_ARGS__);					\
		harness_failed = 1;						\
		if (stop)							\
			harness_test_exit();					\
	} while (0)

static inline void harness_test_exit(void)
{
	fflush(stdout);
	if (getenv("HARNESS_NOFORK")) {
		printf("# test failed (no fork: stopping)\n");
		exit(1);
	}
	_exit(1);
}

#define HARNESS_CMP(stop, a, op, b)						\
	do {									\
		__typeof__(a) _a = (a);						\
		__typeof__(b) _b = (b);						\
		if (!(_a op _b))						\
			HARNESS_FAIL(stop, "%s %s %s: 0x%" PRIx64 " vs 0x%" PRIx64,	\
				     #a, #op, #b, (uint64_t)_a, (uint64_t)_b);	\
	} while (0)

#define ASSERT_EQ(a, b)	HARNESS_CMP(1, a, ==, b)
#define ASSERT_NE(a, b)	HARNESS_CMP(1, a, !=, b)
#define ASSERT_LT(a, b)	HARNESS_CMP(1, a, <, b)
#define ASSERT_LE(a, b)	HARNESS_CMP(1, a, <=, b)
#define ASSERT_GT(a, b)	HARNESS_CMP(1, a, >, b)
#define ASSERT_GE(a, b)	HARNESS_CMP(1, a, >=, b)
#define EXPECT_EQ(a, b)	HARNESS_CMP(0, a, ==, b)
#define EXPECT_NE(a, b)	HARNESS_CMP(0, a, !=, b)
#define EXPECT_LT(a, b)	HARNESS_CMP(0, a, <, b)
#define EXPECT_LE(a, b)	HARNESS_CMP(0, a, <=, b)
#define EXPECT_GT(a, b)	HARNESS_CMP(0, a, >, b)
#define EXPECT_GE(a, b)	HARNESS_CMP(0, a, >=, b)

#define ASSERT_TRUE(c)							\
	do { if (!(c)) HARNESS_FAIL(1, "expected true: %s", #c); } while (0)
#define ASSERT_FALSE(c)							\
	do { if (c) HARNESS_FAIL(1, "expected false: %s", #c); } while (0)
#define EXPECT_TRUE(c)							\
	do { if (!(c)) HARNESS_FAIL(0, "expected true: %s", #c); } while (0)
#define EXPECT_FALSE(c)							\
	do { if (c) HARNESS_FAIL(0, "expected false: %s", #c); } while (0)
#define ASSERT_STREQ(a, b)							\
	do {									\
		const char *_a = (a), *_b = (b);				\
		if (!_a || !_b || strcmp(_a, _b))				\
			HARNESS_FAIL(1, "%s == %s: \"%s\" vs \"%s\"", #a, #b,	\
				     _a ? _a : "(null)", _b ? _b : "(null)");	\
	} while (0)
#define EXPECT_STREQ(a, b)							\
	do {									\
		const char *_a = (a), *_b = (b);				\
		if (!_a || !_b || strcmp(_a, _b))				\
			HARNESS_FAIL(0, "%s == %s: \"%s\" vs \"%s\"", #a, #b,	\
				     _a ? _a : "(null)", _b ? _b : "(null)");	\
	} while (0)

static inline int harness_run_one(const struct harness_test *t)
{
	unsigned int timeout = t->timeout;
	const char *env = getenv("HARNESS_TIMEOUT");
	int status;
	pid_t pid;

	if (!timeout)
		timeout = env ? (unsigned int)atoi(env) : 120;
	if (getenv("HARNESS_NOFORK")) {
		harness_failed = 0;
		t->fn();
		return harness_failed;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		alarm(timeout);
		harness_failed = 0;
		t->fn();
		if (HARNESS_LEAK_CHECK()) {
			printf("# %s: memory leaked (LeakSanitizer report on stderr)\n", t->name);
			harness_failed = 1;
		}
		fflush(stdout);
		_exit(harness_failed);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d%s\n", t->name, WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		return 1;
	}
	return WEXITSTATUS(status) != 0;
}

int main(void)
{
	const char *filter = getenv("TEST_FILTER");
	unsigned int i, n = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < harness_ntests; i++)
		if (!filter || strstr(harness_tests[i].name, filter))
			n++;
	printf("1..%u\n", n);
	n = 0;
	for (i = 0; i < harness_ntests; i++) {
		const struct harness_test *t = &harness_tests[i];
		int fail;

		if (filter && !strstr(t->name, filter))
			continue;
		fail = harness_run_one(t);
		failed += fail;
		printf("%sok %u - %s\n", fail ? "not " : "", ++n, t->name);
	}
	return failed ? 1 : 0;
}

#endif /* TESTS_HARNESS_H */
