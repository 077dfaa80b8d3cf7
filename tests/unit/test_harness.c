// SPDX-License-Identifier: GPL-2.0
/*
 * The harness's per-test timeout (tests/harness.h): it stops a test that
 * spins forever and one that is blocked forever, and lets a correct test
 * finish however slowly the machine runs it. Each case runs an inner test
 * through harness_run_one() with a short timeout; its report goes to a
 * file, read back here.
 */
#include <fcntl.h>
#include <pthread.h>

#include "tests/harness.h"

#define INNER_MS	200

static struct harness_test inner;

static void spin_forever(void)
{
	volatile unsigned long n = 0;

	for (;;)
		n++;
}

static void block_forever(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&m);
	pthread_mutex_lock(&m);	/* a deadlock with itself (error-checking off) */
}

/*
 * A correct test on a machine so busy that it gets a sixth of a CPU: it
 * runs well past its timeout in wall-clock time (and past the time a
 * blocked test gets), computing a little now and then, and uses far less
 * CPU than its timeout.
 */
static void slow_but_correct(void)
{
	uint64_t end = harness_now_ms() + 3 * harness_limit_ms(&inner) + 600, t;
	struct timespec nap = { 0, 20 * 1000000L };

	while (harness_now_ms() < end) {
		t = harness_now_ms();
		while (harness_now_ms() < t + 4)
			;
		nanosleep(&nap, NULL);
	}
}

/* Run @fn as a test of INNER_MS; its result, and what it printed in @out. */
static int run_inner(const char *name, void (*fn)(void), char *out, size_t len)
{
	FILE *f = tmpfile();
	int saved, ret;
	size_t n;

	inner = (struct harness_test){ name, fn, INNER_MS };
	fflush(stdout);
	saved = dup(1);
	dup2(fileno(f), 1);
	ret = harness_run_one(&inner);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	return ret;
}

TEST(timeout_stops_a_test_that_spins)
{
	char out[512];

	EXPECT_EQ(run_inner("spin", spin_forever, out, sizeof(out)), 1);
	EXPECT_TRUE(strstr(out, "used its timeout in CPU time") != NULL);
}

TEST(timeout_stops_a_test_that_is_blocked)
{
	char out[512];

	setenv("HARNESS_STUCK_MS", "300", 1);
	EXPECT_EQ(run_inner("block", block_forever, out, sizeof(out)), 1);
	EXPECT_TRUE(strstr(out, "past its timeout and blocked") != NULL);
}

TEST(timeout_spares_a_slow_correct_test)
{
	char out[512];

	setenv("HARNESS_STUCK_MS", "600", 1);
	EXPECT_EQ(run_inner("slow", slow_but_correct, out, sizeof(out)), 0);
	EXPECT_STREQ(out, "");
}

TEST(timeout_scales_with_harness_timeout_scale)
{
	struct harness_test t = { "t", NULL, 1000 };
	uint64_t base = harness_limit_ms(&t);

	setenv("HARNESS_TIMEOUT_SCALE", "5", 1);
	EXPECT_EQ(harness_limit_ms(&t), 5 * base);
	EXPECT_EQ(base, 1000 * HARNESS_SANITIZER_SCALE);
}
