/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small kselftest-like test harness printing TAP.
 *
 *	TEST(name) { ASSERT_EQ(1 + 1, 2); EXPECT_TRUE(ok); }
 *
 * Each test runs in a forked child with a timeout (TEST_TIMEOUT's, else
 * HARNESS_TIMEOUT seconds, default 120), so a crash or a hang fails that
 * test only. ASSERT_* stops the test; EXPECT_* records the failure and
 * continues. TH_LOG() prints a "# " diagnostic line. The harness prints the
 * plan, one "ok N - name" or "not ok N - name" per test, and exits non-zero
 * if any test failed.
 *
 * The timeout bounds a hang, not a slow machine: it counts the CPU time
 * the test used (all its threads), which other jobs on the machine do not
 * inflate. A test is stopped when it has used its timeout in CPU time (a
 * loop that never ends), or when it is past its timeout in wall-clock time
 * and has used no CPU for HARNESS_STUCK_MS (10 s; every thread blocked:
 * a deadlock), or at ten times its timeout in wall-clock time whatever it
 * does. A sanitizer build multiplies the timeout by what the sanitizer
 * costs (HARNESS_SANITIZER_SCALE).
 *
 * Environment: TEST_FILTER=substring runs matching tests only;
 * HARNESS_NOFORK=1 runs tests in-process (for debuggers), without a
 * timeout; HARNESS_TIMEOUT_SCALE=N multiplies every timeout by N (a
 * machine known to be N times slower; the fuzz harness's waits obey it
 * too).
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
#define HARNESS_STUCK_MS	10000	/* no CPU used for this long: blocked (default) */
#define HARNESS_POLL_MS		100	/* how often the parent looks at a running test */

/* What the sanitizer this program is built with costs in time. */
#if defined(__SANITIZE_THREAD__)
#define HARNESS_SANITIZER_SCALE	8
#elif defined(__SANITIZE_ADDRESS__)
#define HARNESS_SANITIZER_SCALE	3
#else
#define HARNESS_SANITIZER_SCALE	1
#endif

struct harness_test {
	const char *name;
	void (*fn)(void);
	unsigned int timeout_ms;	/* 0: HARNESS_TIMEOUT's */
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
static sigset_t harness_sigchld;
static unsigned int harness_ntests;
static int harness_failed;	/* in the child: an EXPECT failed */

static inline void harness_register(const char *name, void (*fn)(void), unsigned int timeout_ms)
{
	if (harness_ntests == HARNESS_MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		abort();
	}
	harness_tests[harness_ntests++] = (struct harness_test){ name, fn, timeout_ms };
}

#define TEST_TIMEOUT(name, secs)						\
	static void test_##name(void);						\
	__attribute__((constructor)) static void test_register_##name(void)	\
	{									\
		harness_register(#name, test_##name, (secs) * 1000);		\
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

static inline uint64_t harness_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* CPU time (user + system, all threads) process @pid has used, in ms; -1 if unknown. */
static inline long harness_cpu_ms(pid_t pid)
{
	unsigned long utime, stime;
	char path[64], buf[1024], *p;
	long tick = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces: state, then 13, 14. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &utime, &stime) != 2)
		return -1;
	return (long)((utime + stime) * 1000 / (unsigned long)(tick > 0 ? tick : 100));
}

/* The positive integer in environment variable @name, else @def. */
static inline uint64_t harness_env(const char *name, uint64_t def)
{
	const char *env = getenv(name);

	return env && atoi(env) > 0 ? (uint64_t)atoi(env) : def;
}

/* @t's timeout in ms, all factors applied. */
static inline uint64_t harness_limit_ms(const struct harness_test *t)
{
	uint64_t ms = t->timeout_ms ? t->timeout_ms : harness_env("HARNESS_TIMEOUT", 120) * 1000;

	return ms * harness_env("HARNESS_TIMEOUT_SCALE", 1) * HARNESS_SANITIZER_SCALE;
}

/*
 * Wait for test @t's child @pid; stop it by the rules at the top of this
 * file. Its wait status, or -1 (a message printed) if it was stopped.
 */
static inline int harness_watch(const struct harness_test *t, pid_t pid, int *status)
{
	uint64_t limit = harness_limit_ms(t), start = harness_now_ms(), now, busy_at = start;
	uint64_t stuck = harness_env("HARNESS_STUCK_MS", HARNESS_STUCK_MS);
	struct timespec poll = { 0, HARNESS_POLL_MS * 1000000L };
	const char *why = NULL;
	long cpu, busy_cpu = 0;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, status, WNOHANG);
		if (ret == pid)
			return 0;
		if (ret < 0) {
			perror("waitpid");
			return -1;
		}
		/* SIGCHLD is blocked (harness_run_one): wait for it, or look again. */
		sigtimedwait(&harness_sigchld, NULL, &poll);
		now = harness_now_ms();
		cpu = harness_cpu_ms(pid);
		if (cpu > busy_cpu) {
			busy_cpu = cpu;
			busy_at = now;
		}
		if (cpu >= 0 && (uint64_t)cpu > limit)
			why = "used its timeout in CPU time";
		else if (now - start > limit && now - busy_at > stuck)
			why = "past its timeout and blocked";
		else if (now - start > 10 * limit)
			why = "past ten times its timeout";
		if (why)
			break;
	}
	printf("# %s: timeout: %s (%.1f s, %.1f s of CPU; timeout %.1f s)\n", t->name, why,
	       (now - start) / 1000.0, busy_cpu / 1000.0, limit / 1000.0);
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

static inline int harness_run_one(const struct harness_test *t)
{
	sigset_t old;
	int status;
	pid_t pid;

	if (getenv("HARNESS_NOFORK")) {
		harness_failed = 0;
		t->fn();
		return harness_failed;
	}
	fflush(stdout);
	fflush(stderr);
	/* Blocked before the fork, so that the child's end cannot be missed. */
	sigemptyset(&harness_sigchld);
	sigaddset(&harness_sigchld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &harness_sigchld, &old);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 1;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		harness_failed = 0;
		t->fn();
		if (HARNESS_LEAK_CHECK()) {
			printf("# %s: memory leaked (LeakSanitizer report on stderr)\n", t->name);
			harness_failed = 1;
		}
		fflush(stdout);
		_exit(harness_failed);
	}
	if (harness_watch(t, pid, &status)) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d\n", t->name, WTERMSIG(status));
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
