// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzz harness's waits (tests/fuzz/fuzz_wait.h) are bounded by
 * progress: a thread kept from the CPU by other work is waited for as
 * long as it takes, and a thread that is stuck is a hang within the bound.
 *
 * "Other work" is made here: the test pins itself to one CPU and runs
 * busy threads beside the thread it waits for, so that thread gets a
 * fraction of the CPU, as on a machine loaded by other jobs.
 */
#include <pthread.h>
#include <sched.h>

#include "tests/fuzz/fuzz_wait.h"
#include "tests/harness.h"

#define LIMIT_MS	300	/* the waits' usable time */
#define WORK_MS		200	/* CPU time the waited-for thread needs */
#define NR_BUSY		4

static int stop_busy, work_done;

static void *busy(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_busy, __ATOMIC_RELAXED))
		;
	return NULL;
}

/* WORK_MS of CPU time, however long the wall clock takes to give it. */
static void *worker(void *arg)
{
	struct timespec t;
	uint64_t used;

	(void)arg;
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		used = (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
	} while (used < WORK_MS);
	__atomic_store_n(&work_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void pin_to_one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

TEST(wait_outlasts_a_starved_thread)
{
	pthread_t th[NR_BUSY], w;
	struct fz_wait wait;
	uint64_t start;
	unsigned int i;
	bool hang = false;

	pin_to_one_cpu();	/* threads created from here on inherit it */
	for (i = 0; i < NR_BUSY; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, busy, NULL), 0);
	start = fz_now_ms();
	ASSERT_EQ(pthread_create(&w, NULL, worker, NULL), 0);
	fz_wait_start_ms(&wait, LIMIT_MS);
	while (!__atomic_load_n(&work_done, __ATOMIC_ACQUIRE) && !hang)
		hang = !fz_wait_more(&wait) && !__atomic_load_n(&work_done, __ATOMIC_ACQUIRE);
	__atomic_store_n(&stop_busy, 1, __ATOMIC_RELAXED);
	pthread_join(w, NULL);
	for (i = 0; i < NR_BUSY; i++)
		pthread_join(th[i], NULL);
	EXPECT_FALSE(hang);
	/* The wall clock passed the bound: a wall-clock wait would have failed. */
	EXPECT_GT(fz_now_ms() - start, LIMIT_MS * fz_timeout_scale());
}

TEST(wait_on_a_stuck_thread_is_a_hang)
{
	struct fz_wait wait;
	uint64_t start = fz_now_ms();
	bool hang = false;

	fz_wait_start_ms(&wait, LIMIT_MS);
	while (!hang)
		hang = !fz_wait_more(&wait);	/* nothing will ever happen */
	EXPECT_GE(wait.usable_ms, LIMIT_MS * fz_timeout_scale());
	/* Within the bound and a sample or two, the machine being idle-ish. */
	EXPECT_LT(fz_now_ms() - start, 20 * LIMIT_MS * fz_timeout_scale());
}
