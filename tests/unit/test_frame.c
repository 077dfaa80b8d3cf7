// SPDX-License-Identifier: GPL-2.0
/* os/mm/frame: buddy allocator, per-thread caches, refcounts, stats. */
#include <pthread.h>
#include <sys/mman.h>

#include "os/mm/frame.h"
#include "tests/harness.h"
#include "tests/unit/log_capture.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(32ULL << 20)

struct fixture {
	struct phys_mem mem;
	struct frame_pool *pool;
};

static void setup(struct fixture *fx, uint64_t off, uint64_t size, unsigned int shift)
{
	ASSERT_EQ(phys_mem_init(&fx->mem, BASE, SIZE), 0);
	fx->pool = frame_pool_create(&fx->mem, BASE + off, size, shift);
	ASSERT_TRUE(fx->pool != NULL);
}

static void teardown(struct fixture *fx)
{
	frame_pool_destroy(fx->pool);
	phys_mem_fini(&fx->mem);
}

static uint64_t allocated(struct frame_pool *pool)
{
	struct frame_stats st;

	frame_get_stats(pool, &st);
	return st.allocated;
}

/*
 * Run @fn in a child process: did it die of SIGABRT, having logged one
 * critical message containing @bug?
 */
static bool aborts(void (*fn)(struct fixture *), struct fixture *fx, const char *bug)
{
	struct log_capture *cap;
	bool ok = false;
	int status;
	pid_t pid;

	cap = mmap(NULL, sizeof(*cap), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cap == MAP_FAILED)
		return false;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		log_capture_start(cap);
		fn(fx);
		_exit(0);
	}
	if (pid >= 0 && waitpid(pid, &status, 0) == pid)
		ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT &&
		     cap->n == 1 && log_capture_count(cap, SVA_LOG_CRIT, bug) == 1;
	if (!ok)
		log_capture_dump(cap);
	munmap(cap, sizeof(*cap));
	return ok;
}

TEST(bad_geometry)
{
	struct phys_mem mem;

	ASSERT_EQ(phys_mem_init(&mem, BASE, SIZE), 0);
	EXPECT_TRUE(frame_pool_create(&mem, BASE, SIZE, 13) == NULL);
	EXPECT_TRUE(frame_pool_create(&mem, BASE + 0x800, 1 << 20, 12) == NULL);
	EXPECT_TRUE(frame_pool_create(&mem, BASE, (1 << 20) + 0x800, 12) == NULL);
	EXPECT_TRUE(frame_pool_create(&mem, BASE, 0, 12) == NULL);
	EXPECT_TRUE(frame_pool_create(&mem, BASE + 0x1000, SIZE, 12) == NULL);
	EXPECT_TRUE(frame_pool_create(&mem, BASE - 0x1000, 0x2000, 12) == NULL);
	phys_mem_fini(&mem);
}

/* Every frame can be allocated once, each PA distinct; then there are none. */
static void exhaust(unsigned int shift, uint64_t size)
{
	struct fixture fx;
	uint64_t n = size >> shift, i, pa;
	uint8_t *seen = calloc(n, 1);
	uint64_t *pas = calloc(n, sizeof(*pas));
	struct frame_stats st;

	ASSERT_TRUE(seen && pas);
	setup(&fx, 0, size, shift);
	for (i = 0; i < n; i++) {
		pa = frame_alloc(fx.pool, 0);
		ASSERT_NE(pa, 0);
		ASSERT_GE(pa, BASE);
		ASSERT_LT(pa, BASE + size);
		ASSERT_EQ(pa & ((1ULL << shift) - 1), 0);
		ASSERT_EQ(seen[(pa - BASE) >> shift], 0);
		seen[(pa - BASE) >> shift] = 1;
		pas[i] = pa;
	}
	EXPECT_EQ(frame_alloc(fx.pool, 0), 0);
	EXPECT_EQ(frame_alloc_order(fx.pool, 1, 0), 0);
	frame_get_stats(fx.pool, &st);
	EXPECT_EQ(st.total, n);
	EXPECT_EQ(st.allocated, n);
	EXPECT_EQ(st.allocs, n);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(frame_put(fx.pool, pas[i]));
	frame_get_stats(fx.pool, &st);
	EXPECT_EQ(st.allocated, 0);
	EXPECT_EQ(st.frees, n);
	/* And all of them are there again. */
	for (i = 0; i < n; i++)
		ASSERT_NE(frame_alloc(fx.pool, 0), 0);
	EXPECT_EQ(frame_alloc(fx.pool, 0), 0);
	teardown(&fx);
	free(seen);
	free(pas);
}

TEST(exhaust_4k)
{
	exhaust(12, 4ULL << 20);
}

TEST(exhaust_16k)
{
	exhaust(14, 8ULL << 20);
}

TEST(exhaust_64k)
{
	exhaust(16, SIZE);
}

TEST(coalescing_after_free_all)
{
	struct fixture fx;
	uint64_t n = (16ULL << 20) >> 12, i, *pas = calloc(n, sizeof(*pas)), big;

	ASSERT_TRUE(pas != NULL);
	setup(&fx, 0, 16ULL << 20, 12);
	/* Exactly one max-order block (16M of 4K frames). */
	big = frame_alloc_order(fx.pool, FRAME_MAX_ORDER, 0);
	ASSERT_EQ(big, BASE);
	EXPECT_EQ(frame_alloc(fx.pool, 0), 0);
	EXPECT_EQ(allocated(fx.pool), n);
	EXPECT_TRUE(frame_put(fx.pool, big));
	EXPECT_EQ(allocated(fx.pool), 0);

	/* Shatter it into single frames, free them in a scattered order. */
	for (i = 0; i < n; i++)
		ASSERT_NE(pas[i] = frame_alloc(fx.pool, 0), 0);
	for (i = 0; i < n; i += 2)
		frame_free_order(fx.pool, pas[i], 0);
	EXPECT_EQ(frame_alloc_order(fx.pool, 1, 0), 0);	/* every buddy pair split */
	for (i = 1; i < n; i += 2)
		frame_free_order(fx.pool, pas[i], 0);
	EXPECT_EQ(allocated(fx.pool), 0);
	/* Cached frames go back to the buddy on demand: the whole block again. */
	big = frame_alloc_order(fx.pool, FRAME_MAX_ORDER, 0);
	EXPECT_EQ(big, BASE);
	frame_free_order(fx.pool, big, FRAME_MAX_ORDER);
	teardown(&fx);
	free(pas);
}

TEST(order_alignment_unaligned_pool)
{
	struct fixture fx;
	unsigned int order;
	uint64_t pa[FRAME_MAX_ORDER + 1];

	/*
	 * The pool starts one frame past a 64K boundary; its 2048 frames hold
	 * one aligned block of each order 0..10 and a frame more. Largest first, as
	 * order-0 refills of the per-thread cache take frames in batches.
	 */
	setup(&fx, 0x11000, 8ULL << 20, 12);
	for (order = 11; order--;) {
		pa[order] = frame_alloc_order(fx.pool, order, 0);
		ASSERT_NE(pa[order], 0);
		EXPECT_EQ(pa[order] & ((0x1000ULL << order) - 1), 0);
		EXPECT_GE(pa[order], BASE + 0x11000);
		EXPECT_LE(pa[order] + (0x1000ULL << order), BASE + 0x11000 + (8ULL << 20));
		EXPECT_EQ(frame_refcount(fx.pool, pa[order]), 1);
	}
	EXPECT_EQ(allocated(fx.pool), (1ULL << 11) - 1);
	for (order = 0; order <= 10; order++)
		frame_free_order(fx.pool, pa[order], order);
	EXPECT_EQ(allocated(fx.pool), 0);
	EXPECT_EQ(frame_alloc_order(fx.pool, FRAME_MAX_ORDER + 1, 0), 0);
	teardown(&fx);
}

TEST(refcounts)
{
	struct fixture fx;
	uint64_t pa, blk;
	struct frame_stats st;

	setup(&fx, 0, 1 << 20, 12);
	pa = frame_alloc(fx.pool, 0);
	ASSERT_NE(pa, 0);
	EXPECT_EQ(frame_refcount(fx.pool, pa), 1);
	frame_get(fx.pool, pa);
	frame_get(fx.pool, pa);
	EXPECT_EQ(frame_refcount(fx.pool, pa), 3);
	EXPECT_FALSE(frame_put(fx.pool, pa));
	EXPECT_FALSE(frame_put(fx.pool, pa));
	EXPECT_EQ(allocated(fx.pool), 1);
	EXPECT_TRUE(frame_put(fx.pool, pa));
	EXPECT_EQ(frame_refcount(fx.pool, pa), 0);
	EXPECT_EQ(allocated(fx.pool), 0);

	/* A block's reference is on its first frame; the last put frees it all. */
	blk = frame_alloc_order(fx.pool, 3, 0);
	ASSERT_NE(blk, 0);
	EXPECT_EQ(frame_refcount(fx.pool, blk + 0x1000), 0);
	frame_get(fx.pool, blk);
	EXPECT_FALSE(frame_put(fx.pool, blk));
	EXPECT_EQ(allocated(fx.pool), 8);
	EXPECT_TRUE(frame_put(fx.pool, blk));
	frame_get_stats(fx.pool, &st);
	EXPECT_EQ(st.allocated, 0);
	EXPECT_EQ(st.allocs, 2);
	EXPECT_EQ(st.frees, 2);
	teardown(&fx);
}

TEST(zeroing)
{
	struct fixture fx;
	uint64_t pa, blk, v, off;

	setup(&fx, 0, 1 << 20, 12);
	pa = frame_alloc(fx.pool, 0);
	ASSERT_EQ(phys_mem_fill(&fx.mem, pa, 0xa5, 0x1000), 0);
	EXPECT_TRUE(frame_put(fx.pool, pa));
	/* The cache hands the same dirty frame back; FRAME_ZERO must clean it. */
	ASSERT_EQ(frame_alloc(fx.pool, FRAME_ZERO), pa);
	for (off = 0; off < 0x1000; off += 8) {
		ASSERT_EQ(phys_mem_read64(&fx.mem, pa + off, &v), 0);
		ASSERT_EQ(v, 0);
	}
	ASSERT_EQ(phys_mem_fill(&fx.mem, pa, 0xa5, 0x1000), 0);
	EXPECT_TRUE(frame_put(fx.pool, pa));
	/* Without the flag the old contents are still there (no hidden cost). */
	ASSERT_EQ(frame_alloc(fx.pool, 0), pa);
	ASSERT_EQ(phys_mem_read64(&fx.mem, pa + 0xff8, &v), 0);
	EXPECT_EQ(v, 0xa5a5a5a5a5a5a5a5ULL);
	EXPECT_TRUE(frame_put(fx.pool, pa));

	blk = frame_alloc_order(fx.pool, 2, 0);
	ASSERT_EQ(phys_mem_fill(&fx.mem, blk, 0x5a, 0x4000), 0);
	frame_free_order(fx.pool, blk, 2);
	blk = frame_alloc_order(fx.pool, 2, FRAME_ZERO);
	for (off = 0; off < 0x4000; off += 8) {
		ASSERT_EQ(phys_mem_read64(&fx.mem, blk + off, &v), 0);
		ASSERT_EQ(v, 0);
	}
	teardown(&fx);
}

TEST(bad_pa_is_refused)
{
	struct log_capture cap;
	struct fixture fx;
	struct frame_stats st;
	uint64_t pa;

	setup(&fx, 0x100000, 1 << 20, 12);
	pa = frame_alloc(fx.pool, 0);
	log_capture_start(&cap);
	EXPECT_FALSE(frame_put(fx.pool, BASE));			/* RAM, not the pool */
	EXPECT_FALSE(frame_put(fx.pool, BASE + 0x200000));	/* just past the end */
	EXPECT_FALSE(frame_put(fx.pool, 0));
	EXPECT_FALSE(frame_put(fx.pool, pa + 8));		/* misaligned */
	frame_get(fx.pool, ~0ULL);
	frame_free_order(fx.pool, BASE + SIZE, 0);
	log_capture_stop(&cap);
	/* Each misuse is reported, as a software bug. */
	EXPECT_EQ(cap.n, 6);
	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_CRIT, "is not a frame of this pool"), 6);
	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_CRIT, "frame_put: PA 0x80000000 "), 1);
	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_CRIT, "frame_free_order: PA 0x82000000 "), 1);
	frame_get_stats(fx.pool, &st);
	EXPECT_EQ(st.misuse, 6);
	EXPECT_EQ(st.allocated, 1);
	EXPECT_EQ(frame_refcount(fx.pool, pa), 1);
	EXPECT_TRUE(frame_put(fx.pool, pa));
	teardown(&fx);
}

static void double_put(struct fixture *fx)
{
	uint64_t pa = frame_alloc(fx->pool, 0);

	frame_put(fx->pool, pa);
	frame_put(fx->pool, pa);
}

static void get_of_free(struct fixture *fx)
{
	uint64_t pa = frame_alloc(fx->pool, 0);

	frame_put(fx->pool, pa);
	frame_get(fx->pool, pa);
}

static void free_wrong_order(struct fixture *fx)
{
	frame_free_order(fx->pool, frame_alloc_order(fx->pool, 2, 0), 1);
}

static void free_shared_block(struct fixture *fx)
{
	uint64_t pa = frame_alloc_order(fx->pool, 1, 0);

	frame_get(fx->pool, pa);
	frame_free_order(fx->pool, pa, 1);
}

static void put_of_tail(struct fixture *fx)
{
	frame_put(fx->pool, frame_alloc_order(fx->pool, 1, 0) + 0x1000);
}

TEST(double_free_is_a_bug)
{
	struct fixture fx;

	setup(&fx, 0, 1 << 20, 12);
	EXPECT_TRUE(aborts(double_put, &fx, "BUG: frame_put: frame 0x8000f000 has no reference"));
	EXPECT_TRUE(aborts(get_of_free, &fx, "BUG: frame_get: frame 0x8000f000 is free"));
	EXPECT_TRUE(aborts(free_wrong_order, &fx, "BUG: frame_free_order: block 0x80000000 was "
			   "not allocated with order 1"));
	EXPECT_TRUE(aborts(free_shared_block, &fx, "BUG: frame_free_order: block 0x80000000 "
			   "has refcount 2"));
	EXPECT_TRUE(aborts(put_of_tail, &fx, "BUG: frame_put: frame 0x80001000 has no reference"));
	teardown(&fx);
}

/* ---- Threads ---------------------------------------------------------- */

#define STORM_THREADS	4
#define STORM_ROUNDS	20000
#define STORM_HELD	48

struct storm {
	struct frame_pool *pool;
	struct phys_mem *mem;
	unsigned int id;
	unsigned int failures;
};

/*
 * Each thread keeps a window of frames, each stamped with its owner; a frame
 * handed to two owners at once would show up as a foreign stamp.
 */
static void *storm_thread(void *arg)
{
	struct storm *s = arg;
	uint64_t held[STORM_HELD] = { 0 }, v;
	unsigned int i, slot;

	for (i = 0; i < STORM_ROUNDS; i++) {
		slot = (i * 7 + s->id) % STORM_HELD;
		if (held[slot]) {
			phys_mem_read64(s->mem, held[slot], &v);
			if (v != ((uint64_t)s->id << 32 | slot))
				s->failures++;
			if (i % 5 == 0)	/* some blocks go back with frame_free_order */
				frame_free_order(s->pool, held[slot], 0);
			else if (!frame_put(s->pool, held[slot]))
				s->failures++;
		}
		held[slot] = frame_alloc(s->pool, i % 3 ? 0 : FRAME_ZERO);
		if (!held[slot]) {
			s->failures++;
			continue;
		}
		phys_mem_write64(s->mem, held[slot], (uint64_t)s->id << 32 | slot);
		if (i % 64 == 0) {	/* and a few larger blocks through the buddy */
			uint64_t blk = frame_alloc_order(s->pool, 2, 0);

			if (blk)
				frame_free_order(s->pool, blk, 2);
		}
	}
	for (slot = 0; slot < STORM_HELD; slot++)
		if (held[slot] && !frame_put(s->pool, held[slot]))
			s->failures++;
	return NULL;
}

TEST(threaded_storm_then_destroy)
{
	struct storm s[STORM_THREADS];
	pthread_t th[STORM_THREADS];
	struct frame_stats st;
	struct fixture fx;
	unsigned int i;

	setup(&fx, 0, 4ULL << 20, 12);
	for (i = 0; i < STORM_THREADS; i++) {
		s[i] = (struct storm){ .pool = fx.pool, .mem = &fx.mem, .id = i + 1 };
		ASSERT_EQ(pthread_create(&th[i], NULL, storm_thread, &s[i]), 0);
	}
	for (i = 0; i < STORM_THREADS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(s[i].failures, 0);
	}
	frame_get_stats(fx.pool, &st);
	EXPECT_EQ(st.allocated, 0);
	EXPECT_EQ(st.allocs, st.frees);
	EXPECT_GE(st.allocs, (uint64_t)STORM_THREADS * STORM_ROUNDS);
	EXPECT_EQ(st.misuse, 0);
	/* The exited threads' cached frames are all still reachable. */
	for (i = 0; i < st.total; i++)
		ASSERT_NE(frame_alloc(fx.pool, 0), 0);
	EXPECT_EQ(frame_alloc(fx.pool, 0), 0);
	/* Destroy with frames allocated and caches of dead threads: no leak (ASan). */
	teardown(&fx);
}

struct snapshot_arg {
	struct frame_pool *pool;
	unsigned int *stop;
	unsigned int bad, taken;
};

/* With order-0 traffic only, every snapshot has allocated == allocs - frees. */
static void *snapshot_thread(void *p)
{
	struct snapshot_arg *s = p;
	struct frame_stats st;

	while (!__atomic_load_n(s->stop, __ATOMIC_ACQUIRE) || !s->taken) {
		frame_get_stats(s->pool, &st);
		if (st.allocated != st.allocs - st.frees || st.allocated > st.total)
			s->bad++;
		s->taken++;
	}
	return NULL;
}

static void *order0_thread(void *p)
{
	struct frame_pool *pool = p;
	uint64_t held[16] = { 0 };
	unsigned int i;

	for (i = 0; i < 50000; i++) {
		if (held[i % 16])
			frame_put(pool, held[i % 16]);
		held[i % 16] = frame_alloc(pool, 0);
	}
	for (i = 0; i < 16; i++)
		if (held[i])
			frame_put(pool, held[i]);
	return NULL;
}

TEST(stats_are_consistent_snapshots)
{
	unsigned int stop = 0, i;
	struct fixture fx;
	struct snapshot_arg s;
	pthread_t th[3];

	setup(&fx, 0, 1 << 20, 12);
	s = (struct snapshot_arg){ .pool = fx.pool, .stop = &stop };
	ASSERT_EQ(pthread_create(&th[0], NULL, snapshot_thread, &s), 0);
	for (i = 1; i < 3; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, order0_thread, fx.pool), 0);
	for (i = 1; i < 3; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(th[0], NULL);
	EXPECT_EQ(s.bad, 0);
	EXPECT_GT(s.taken, 0);
	EXPECT_EQ(allocated(fx.pool), 0);
	teardown(&fx);
}

static void *alloc_and_exit(void *arg)
{
	struct frame_pool *pool = arg;
	uint64_t pa[10];
	unsigned int i;

	for (i = 0; i < 10; i++)
		pa[i] = frame_alloc(pool, 0);
	for (i = 0; i < 10; i++)
		frame_put(pool, pa[i]);
	return NULL;
}

TEST(destroy_after_threads_exited)
{
	pthread_t th[3];
	struct fixture fx;
	unsigned int i;

	setup(&fx, 0, 1 << 20, 12);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, alloc_and_exit, fx.pool), 0);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(allocated(fx.pool), 0);
	/* A higher order can still be had: the dead threads' caches drain. */
	EXPECT_EQ(frame_alloc_order(fx.pool, 8, 0), BASE);
	teardown(&fx);
}
