/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Samples, medians and spreads for the benchmarks that state a goal as a
 * ratio against a baseline measured in the same run: each sample times the
 * subject and its baseline back to back, the ratio is taken per sample, and
 * the report gives the median and the spread (lowest..highest) over the
 * samples, so one noisy sample can neither make nor hide a regression.
 */
#ifndef TESTS_BENCH_BENCH_STATS_H
#define TESTS_BENCH_BENCH_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_MAX_SAMPLES	32

struct bench_series {
	double v[BENCH_MAX_SAMPLES];
	unsigned int n;
};

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of the whole process (every thread), for figures on a shared machine. */
static inline uint64_t bench_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void bench_add(struct bench_series *s, double v)
{
	if (s->n < BENCH_MAX_SAMPLES)
		s->v[s->n++] = v;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, lowest and highest of @s (0 for an empty series). */
static inline void bench_summary(const struct bench_series *s, double *median, double *lo,
				 double *hi)
{
	double v[BENCH_MAX_SAMPLES];
	unsigned int i;

	*median = *lo = *hi = 0;
	if (!s->n)
		return;
	for (i = 0; i < s->n; i++)
		v[i] = s->v[i];
	qsort(v, s->n, sizeof(v[0]), bench_cmp_double);
	*median = s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
	*lo = v[0];
	*hi = v[s->n - 1];
}

static inline double bench_median(const struct bench_series *s)
{
	double m, lo, hi;

	bench_summary(s, &m, &lo, &hi);
	return m;
}

/* "  <what>  median <m><unit>  [lo..hi]" on one line, no newline. */
static inline void bench_print(const char *what, const struct bench_series *s, const char *unit)
{
	double m, lo, hi;

	bench_summary(s, &m, &lo, &hi);
	printf("  %-40s %10.3f %-6s [%.3f .. %.3f]", what, m, unit, lo, hi);
}

/* A ratio line: median and spread over the samples, and the goal it is held to. */
static inline void bench_print_ratio(const char *what, const struct bench_series *s,
				     const char *goal)
{
	double m, lo, hi;

	bench_summary(s, &m, &lo, &hi);
	printf("  %-40s %10.3fx        [%.3f .. %.3f] over %u samples   goal %s\n", what, m, lo,
	       hi, s->n, goal);
}

#endif /* TESTS_BENCH_BENCH_STATS_H */
