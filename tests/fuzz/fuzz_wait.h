/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the fuzz harness waits for the model's threads: bounded by progress,
 * so that a hang is reported and a busy machine is not.
 *
 * A wait is a hang once the process has had FZ_DEADLINE_MS of usable time
 * (times HARNESS_TIMEOUT_SCALE) with the condition still false. Usable
 * time is wall-clock time less the time the most delayed of its threads
 * spent runnable but not running (the run delay the scheduler keeps in
 * /proc/self/task/TID/schedstat). A thread that other jobs on the machine
 * keep from the CPU is not stuck, and its wait does not count; a deadlock
 * (every thread asleep) or a livelock (a thread running, never done)
 * counts at the wall clock's rate. Where schedstat cannot be read, the
 * bound is the wall clock alone.
 *
 * Run delays are read only once a wait has lasted FZ_WAIT_SAMPLE_MS, and
 * then every FZ_WAIT_SAMPLE_MS: most waits end in microseconds.
 *
 * Shared by the fuzz targets and the tests that replay them with gcc:
 * everything here is static inline.
 */
#ifndef TESTS_FUZZ_FUZZ_WAIT_H
#define TESTS_FUZZ_FUZZ_WAIT_H

#include <dirent.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FZ_DEADLINE_MS		3000	/* usable time after which a wait is a hang */
#define FZ_WAIT_SAMPLE_MS	100
#define FZ_WAIT_MAX_TASKS	32

static inline uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t fz_now_ms(void)
{
	return fz_now_ns() / 1000000;
}

/*
 * HARNESS_TIMEOUT_SCALE (the test harness's variable, tests/harness.h)
 * multiplies every bound: 4 on a machine known to be four times slower.
 */
static inline unsigned int fz_timeout_scale(void)
{
	const char *env = getenv("HARNESS_TIMEOUT_SCALE");

	return env && atoi(env) > 0 ? (unsigned int)atoi(env) : 1;
}

/* The run delay (ns) of every thread of this process. */
struct fz_tasks {
	unsigned int n;
	long tid[FZ_WAIT_MAX_TASKS];
	uint64_t delay_ns[FZ_WAIT_MAX_TASKS];
};

static inline void fz_tasks_read(struct fz_tasks *t)
{
	DIR *dir = opendir("/proc/self/task");
	unsigned long long run, delay;
	struct dirent *e;
	char path[320];
	FILE *f;

	t->n = 0;
	if (!dir)
		return;
	while ((e = readdir(dir)) && t->n < FZ_WAIT_MAX_TASKS) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu %llu", &run, &delay) == 2) {
			t->tid[t->n] = atol(e->d_name);
			t->delay_ns[t->n++] = delay;
		}
		fclose(f);
	}
	closedir(dir);
}

/* The largest growth of one thread's run delay from @then to @now, in ms. */
static inline uint64_t fz_tasks_max_delay_ms(const struct fz_tasks *then,
					     const struct fz_tasks *now)
{
	uint64_t max = 0, grew;
	unsigned int i, j;

	for (i = 0; i < now->n; i++) {
		grew = now->delay_ns[i];	/* a thread born since: all of it */
		for (j = 0; j < then->n; j++)
			if (then->tid[j] == now->tid[i])
				grew = now->delay_ns[i] - then->delay_ns[j];
		if (grew > max)
			max = grew;
	}
	return max / 1000000;
}

struct fz_wait {
	uint64_t limit_ms;		/* usable time allowed */
	uint64_t start_ms, base_ms, next_ms;
	uint64_t usable_ms;		/* as of the last sample */
	unsigned long polls;
	bool sampled;			/* base holds the delays at base_ms */
	struct fz_tasks base;
};

/* A wait that may last @limit_ms of usable time (times the scale). */
static inline void fz_wait_start_ms(struct fz_wait *w, uint64_t limit_ms)
{
	w->limit_ms = limit_ms * fz_timeout_scale();
	w->start_ms = fz_now_ms();
	w->base_ms = w->next_ms = w->start_ms;
	w->usable_ms = 0;
	w->polls = 0;
	w->sampled = false;
	w->base.n = 0;
}

static inline void fz_wait_start(struct fz_wait *w)
{
	fz_wait_start_ms(w, FZ_DEADLINE_MS);
}

/*
 * Give the CPU away once (yield, later 50 us sleeps); false once the wait
 * has had its usable time. The time before the first sample counts whole.
 */
static inline bool fz_wait_more(struct fz_wait *w)
{
	struct timespec ts = { 0, 50000 };
	struct fz_tasks now_tasks;
	uint64_t now, delay;

	if (++w->polls < 50)
		sched_yield();
	else
		nanosleep(&ts, NULL);
	now = fz_now_ms();
	if (now < w->start_ms + FZ_WAIT_SAMPLE_MS)
		return true;
	if (!w->sampled) {
		fz_tasks_read(&w->base);
		w->base_ms = now;
		w->next_ms = now + FZ_WAIT_SAMPLE_MS;
		w->sampled = true;
		return true;
	}
	if (now < w->next_ms)
		return true;
	w->next_ms = now + FZ_WAIT_SAMPLE_MS;
	fz_tasks_read(&now_tasks);
	delay = fz_tasks_max_delay_ms(&w->base, &now_tasks);
	w->usable_ms = now - w->start_ms - (delay < now - w->base_ms ? delay : now - w->base_ms);
	return w->usable_ms < w->limit_ms;
}

/* What each thread of this process is doing: for the report of a hang. */
static inline void fz_report_threads(void)
{
	long tick = sysconf(_SC_CLK_TCK);
	DIR *dir = opendir("/proc/self/task");
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		unsigned long long run = 0, delay = 0;
		unsigned long utime = 0, stime = 0;
		char path[320], buf[512], *p;
		char state = '?';
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
			sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			       &state, &utime, &stime);
		fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
		f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%llu %llu", &run, &delay) != 2)
				run = delay = 0;
			fclose(f);
		}
		fprintf(stderr, "fuzz:   thread %s: state %c, cpu %lu ms, run delay %llu ms\n",
			e->d_name, state,
			(utime + stime) * 1000 / (unsigned long)(tick > 0 ? tick : 100),
			delay / 1000000);
	}
	closedir(dir);
}

#endif /* TESTS_FUZZ_FUZZ_WAIT_H */
