// SPDX-License-Identifier: GPL-2.0
/*
 * Frame allocator throughput: order-0 alloc + free pairs per second, from one
 * thread and from two at once (the per-thread caches should keep the second
 * thread off the first one's lock). Each thread holds a small working set so
 * the cache sees both refills and drains.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "os/mm/frame.h"

#define BENCH_PAIRS	2000000u
#define BENCH_WINDOW	32u

struct bench_arg {
	struct frame_pool *pool;
	uint64_t failures;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *bench_thread(void *p)
{
	struct bench_arg *arg = p;
	uint64_t held[BENCH_WINDOW] = { 0 };
	unsigned int i, slot;

	for (i = 0; i < BENCH_PAIRS; i++) {
		slot = i % BENCH_WINDOW;
		if (held[slot])
			frame_put(arg->pool, held[slot]);
		held[slot] = frame_alloc(arg->pool, 0);
		if (!held[slot])
			arg->failures++;
	}
	for (slot = 0; slot < BENCH_WINDOW; slot++)
		if (held[slot])
			frame_put(arg->pool, held[slot]);
	return NULL;
}

static int run(struct frame_pool *pool, unsigned int nr_threads)
{
	struct bench_arg args[2] = { { pool, 0 }, { pool, 0 } };
	pthread_t th[2];
	struct frame_stats st;
	unsigned int i;
	double t0, dt;

	t0 = now();
	for (i = 0; i < nr_threads; i++)
		if (pthread_create(&th[i], NULL, bench_thread, &args[i]))
			return -1;
	for (i = 0; i < nr_threads; i++)
		pthread_join(th[i], NULL);
	dt = now() - t0;
	frame_get_stats(pool, &st);
	printf("frame alloc+free, order 0, %u thread%s: %.1f M pairs/s (%.1f ns/pair/thread)%s\n",
	       nr_threads, nr_threads > 1 ? "s" : "",
	       nr_threads * (double)BENCH_PAIRS / dt / 1e6,
	       dt * 1e9 / BENCH_PAIRS,
	       st.allocated || args[0].failures || args[1].failures ? " LEAK/FAIL" : "");
	return 0;
}

int main(void)
{
	struct frame_pool *pool;
	struct phys_mem mem;

	if (phys_mem_init(&mem, PHYS_MEM_DEFAULT_BASE, 64ULL << 20))
		return 1;
	pool = frame_pool_create(&mem, mem.base, mem.size, 12);
	if (!pool)
		return 1;
	if (run(pool, 1) || run(pool, 2))
		return 1;
	frame_pool_destroy(pool);
	phys_mem_fini(&mem);
	return 0;
}
