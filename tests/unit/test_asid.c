// SPDX-License-Identifier: GPL-2.0
/* os/mm/asid: generations, rollover, reserved ASIDs, pinning, concurrency. */
#include <pthread.h>

#include "hw/cpu.h"
#include "hw/mem.h"
#include "os/mm/asid.h"
#include "tests/harness.h"
#include "tests/unit/log_capture.h"

#define NR_CPUS	4

struct fixture {
	struct phys_mem mem;
	struct cpu_cluster *cl;
	struct asid_allocator *a;
};

static void setup(struct fixture *fx, unsigned int bits)
{
	struct cpu_cluster_cfg cfg = {
		.nr_cpus = NR_CPUS, .tlb_entries = 64, .asid_bits = bits, .pa_bits = 48,
	};

	ASSERT_EQ(phys_mem_init(&fx->mem, PHYS_MEM_DEFAULT_BASE, 1 << 20), 0);
	fx->cl = cpu_cluster_create(&cfg, &fx->mem.bus);
	ASSERT_TRUE(fx->cl != NULL);
	fx->a = asid_allocator_create(bits, fx->cl);
	ASSERT_TRUE(fx->a != NULL);
}

static void teardown(struct fixture *fx)
{
	asid_allocator_destroy(fx->a);
	cpu_cluster_destroy(fx->cl);
	phys_mem_fini(&fx->mem);
}

static struct asid_stats stats(struct fixture *fx)
{
	struct asid_stats st;

	asid_get_stats(fx->a, &st);
	return st;
}

static uint64_t tlbi_local(struct fixture *fx, unsigned int cpu)
{
	struct cpu_stats st;

	cpu_get_stats(cpu_get(fx->cl, cpu), &st);
	return st.tlbi_local;
}

TEST(bad_config)
{
	struct fixture fx;

	setup(&fx, 8);
	EXPECT_TRUE(asid_allocator_create(12, fx.cl) == NULL);
	EXPECT_TRUE(asid_allocator_create(8, NULL) == NULL);
	teardown(&fx);
}

TEST(first_allocation_and_reswitch)
{
	struct asid_context x = { 0 }, y = { 0 };
	struct fixture fx;
	struct asid_stats st;
	uint16_t ax, ay;

	setup(&fx, 16);
	ax = asid_switch(fx.a, &x, 0);
	EXPECT_NE(ax, 0);		/* ASID 0 is reserved */
	EXPECT_EQ(asid_of(fx.a, &x), ax);
	EXPECT_EQ(x.id >> 16, 1);	/* first generation */
	ay = asid_switch(fx.a, &y, 0);
	EXPECT_NE(ay, 0);
	EXPECT_NE(ay, ax);
	/* Same context, same ASID, on this CPU and on others. */
	EXPECT_EQ(asid_switch(fx.a, &x, 0), ax);
	EXPECT_EQ(asid_switch(fx.a, &x, 3), ax);
	EXPECT_EQ(asid_switch(fx.a, &y, 3), ay);
	st = stats(&fx);
	EXPECT_EQ(st.generation, 1);
	EXPECT_EQ(st.rollovers, 0);
	EXPECT_EQ(st.asid_bits, 16);
	EXPECT_EQ(st.max_pinned, 65536 - NR_CPUS - 2);
	EXPECT_EQ(tlbi_local(&fx, 0), 0);	/* no rollover, no flush */
	teardown(&fx);
}

#define MANY	1000

/*
 * 8-bit ASIDs and 1000 contexts on one CPU: rollovers, and within each
 * generation every context got an ASID of its own.
 */
TEST(rollover_8bit)
{
	static struct asid_context ctx[MANY];
	struct asid_context *owner[256] = { 0 };
	struct fixture fx;
	struct asid_stats st;
	uint64_t gen = 1, t0 = 0, t1;
	unsigned int i, rollovers_seen = 0;

	setup(&fx, 8);
	t1 = tlbi_local(&fx, 1);
	for (i = 0; i < MANY; i++) {
		uint16_t asid = asid_switch(fx.a, &ctx[i], 0);

		ASSERT_NE(asid, 0);
		ASSERT_EQ(asid, asid_of(fx.a, &ctx[i]));
		if (ctx[i].id >> 8 != gen) {
			ASSERT_EQ(ctx[i].id >> 8, gen + 1);
			gen++;
			rollovers_seen++;
			memset(owner, 0, sizeof(owner));
			/* The CPU flushed its TLB before running the new id. */
			EXPECT_EQ(tlbi_local(&fx, 0), ++t0);
		}
		ASSERT_TRUE(owner[asid] == NULL);
		owner[asid] = &ctx[i];
	}
	st = stats(&fx);
	EXPECT_GE(st.rollovers, 3);
	EXPECT_EQ(st.rollovers, rollovers_seen);
	EXPECT_EQ(st.generation, 1 + st.rollovers);
	/* Idle CPU 1 flushes once at its next switch, however many rollovers. */
	EXPECT_EQ(tlbi_local(&fx, 1), t1);
	asid_switch(fx.a, &ctx[MANY - 1], 1);
	asid_switch(fx.a, &ctx[MANY - 2], 1);
	EXPECT_EQ(tlbi_local(&fx, 1), t1 + 1);
	EXPECT_EQ(stats(&fx).tlb_flushes, st.rollovers + 1);
	teardown(&fx);
}

/* 16-bit ASIDs: 65535 usable numbers, then exactly one rollover. */
TEST(rollover_16bit)
{
	static struct asid_context ctx[70000];
	static bool used[65536];
	struct fixture fx;
	unsigned int i;

	setup(&fx, 16);
	for (i = 0; i < 65535; i++) {
		uint16_t asid = asid_switch(fx.a, &ctx[i], i % NR_CPUS);

		ASSERT_NE(asid, 0);
		ASSERT_FALSE(used[asid]);
		used[asid] = true;
	}
	EXPECT_EQ(stats(&fx).rollovers, 0);
	for (; i < 70000; i++)
		asid_switch(fx.a, &ctx[i], 0);
	EXPECT_EQ(stats(&fx).rollovers, 1);
	EXPECT_EQ(stats(&fx).generation, 2);
	EXPECT_EQ(ctx[i - 1].id >> 16, 2);
	teardown(&fx);
}

/* What CPUs 1 and 2 run keeps its ASID through rollovers caused by CPU 0. */
TEST(active_asids_survive_rollover)
{
	static struct asid_context ctx[MANY];
	struct asid_context a = { 0 }, b = { 0 };
	struct fixture fx;
	uint16_t aa, ab;
	unsigned int i;

	setup(&fx, 8);
	aa = asid_switch(fx.a, &a, 1);
	ab = asid_switch(fx.a, &b, 2);
	for (i = 0; i < MANY; i++) {
		uint16_t asid = asid_switch(fx.a, &ctx[i], 0);

		ASSERT_NE(asid, aa);
		ASSERT_NE(asid, ab);
	}
	ASSERT_GE(stats(&fx).rollovers, 2);	/* the reserved-of-reserved path too */
	EXPECT_EQ(asid_switch(fx.a, &a, 1), aa);
	EXPECT_EQ(asid_switch(fx.a, &b, 2), ab);
	EXPECT_EQ(a.id >> 8, stats(&fx).generation);
	/* And once revalidated they are current: the next switches are fast. */
	EXPECT_EQ(asid_switch(fx.a, &b, 1), ab);
	EXPECT_EQ(asid_switch(fx.a, &a, 2), aa);
	teardown(&fx);
}

/*
 * Contexts switched on all CPUs in a pseudo-random order: after every switch,
 * no two contexts holding a current-generation id share an ASID.
 */
TEST(no_shared_asid_within_generation)
{
	static struct asid_context ctx[300];
	struct fixture fx;
	uint32_t seed = 12345;
	unsigned int step, i;

	setup(&fx, 8);
	for (step = 0; step < 5000; step++) {
		struct asid_context *owner[256] = { 0 };
		uint64_t gen;

		seed = seed * 1103515245 + 12345;
		asid_switch(fx.a, &ctx[(seed >> 8) % 300], (seed >> 4) % NR_CPUS);
		gen = stats(&fx).generation;
		for (i = 0; i < 300; i++) {
			uint16_t asid = asid_of(fx.a, &ctx[i]);

			if (!ctx[i].id || ctx[i].id >> 8 != gen)
				continue;
			ASSERT_TRUE(owner[asid] == NULL);
			owner[asid] = &ctx[i];
		}
	}
	EXPECT_GT(stats(&fx).rollovers, 0);
	teardown(&fx);
}

TEST(pinned_survives_rollovers)
{
	static struct asid_context ctx[MANY];
	struct asid_context p = { 0 }, q = { 0 };
	struct fixture fx;
	uint16_t ap, aq = 0;
	unsigned int i;

	setup(&fx, 8);
	ap = mm_context_get(fx.a, &p);
	ASSERT_NE(ap, 0);
	EXPECT_EQ(stats(&fx).nr_pinned, 1);
	/* q was allocated, then went stale: pinning revalidates it. */
	asid_switch(fx.a, &q, 1);
	for (i = 0; i < 3 * MANY; i++) {
		uint16_t asid = asid_switch(fx.a, &ctx[i % MANY], i % NR_CPUS);

		ASSERT_NE(asid, ap);
		if (i == MANY) {
			aq = mm_context_get(fx.a, &q);
			ASSERT_NE(aq, 0);
			EXPECT_EQ(q.id >> 8, stats(&fx).generation);
		}
		if (i > MANY)
			ASSERT_NE(asid, aq);
	}
	EXPECT_GE(stats(&fx).rollovers, 8);
	EXPECT_EQ(asid_of(fx.a, &p), ap);
	EXPECT_EQ(asid_switch(fx.a, &p, 2), ap);
	EXPECT_EQ(asid_switch(fx.a, &q, 3), aq);
	/* A second get only counts; the put that balances it keeps the pin. */
	EXPECT_EQ(mm_context_get(fx.a, &p), ap);
	mm_context_put(fx.a, &p);
	EXPECT_EQ(stats(&fx).nr_pinned, 2);
	mm_context_put(fx.a, &p);
	mm_context_put(fx.a, &q);
	EXPECT_EQ(stats(&fx).nr_pinned, 0);
	teardown(&fx);
}

TEST(pinned_limit)
{
	static struct asid_context pinned[256], other[64];
	struct asid_context extra = { 0 };
	bool is_pinned[256] = { false };
	struct fixture fx;
	unsigned int i, max;

	setup(&fx, 8);
	max = stats(&fx).max_pinned;
	ASSERT_EQ(max, 256 - NR_CPUS - 2);
	for (i = 0; i < max; i++) {
		uint16_t asid = mm_context_get(fx.a, &pinned[i]);

		ASSERT_NE(asid, 0);
		ASSERT_FALSE(is_pinned[asid]);
		is_pinned[asid] = true;
	}
	EXPECT_EQ(mm_context_get(fx.a, &extra), 0);
	EXPECT_EQ(stats(&fx).nr_pinned, max);
	EXPECT_EQ(extra.pinned, 0);
	/* Already pinned: just another reference, even at the limit. */
	EXPECT_EQ(mm_context_get(fx.a, &pinned[7]), asid_of(fx.a, &pinned[7]));
	mm_context_put(fx.a, &pinned[7]);

	/* The rest of the space still works for everyone else, with rollovers. */
	for (i = 0; i < 4000; i++) {
		uint16_t asid = asid_switch(fx.a, &other[i % 64], i % NR_CPUS);

		ASSERT_NE(asid, 0);
		ASSERT_FALSE(is_pinned[asid]);
	}
	EXPECT_GT(stats(&fx).rollovers, 10);
	for (i = 0; i < max; i++)
		ASSERT_TRUE(is_pinned[asid_of(fx.a, &pinned[i])]);

	mm_context_put(fx.a, &pinned[0]);
	EXPECT_EQ(stats(&fx).nr_pinned, max - 1);
	EXPECT_NE(mm_context_get(fx.a, &extra), 0);
	teardown(&fx);
}

/*
 * An unpinned ASID stays taken for the rest of its generation, and is handed
 * to someone else after the next rollover.
 */
TEST(put_then_rollover_frees_asid)
{
	static struct asid_context ctx[MANY];
	struct asid_context x = { 0 };
	struct fixture fx;
	uint64_t gen0;
	uint16_t ax;
	bool reused = false;
	unsigned int i;

	setup(&fx, 8);
	ax = mm_context_get(fx.a, &x);
	ASSERT_NE(ax, 0);
	mm_context_put(fx.a, &x);
	EXPECT_EQ(stats(&fx).nr_pinned, 0);
	gen0 = stats(&fx).generation;
	for (i = 0; i < MANY && !reused; i++) {
		uint16_t asid = asid_switch(fx.a, &ctx[i], 0);

		if (stats(&fx).generation == gen0)
			ASSERT_NE(asid, ax);
		else if (asid == ax)
			reused = true;
	}
	EXPECT_TRUE(reused);
	EXPECT_EQ(stats(&fx).generation, gen0 + 1);
	teardown(&fx);
}

TEST(release_resets_context)
{
	struct asid_context x = { 0 };
	struct log_capture cap;
	struct fixture fx;

	setup(&fx, 16);
	asid_switch(fx.a, &x, 0);
	ASSERT_NE(mm_context_get(fx.a, &x), 0);
	log_capture_start(&cap);
	asid_context_release(fx.a, &x);
	log_capture_stop(&cap);
	/* A pin outliving its mm is the software's bug: reported as such. */
	EXPECT_EQ(cap.n, 1);
	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_CRIT, "still pinned 1 time(s)"), 1);
	EXPECT_EQ(x.id, 0);
	EXPECT_EQ(x.pinned, 0);
	EXPECT_EQ(stats(&fx).nr_pinned, 0);
	EXPECT_NE(asid_switch(fx.a, &x, 1), 0);	/* reusable for a new mm */
	teardown(&fx);
}

/* ---- Threads: one per CPU, switching concurrently ---------------------- */

#define TH_CONTEXTS	400
#define TH_SWITCHES	20000
#define TH_PINNED	3

struct running {
	pthread_mutex_t lock;
	const struct asid_context *ctx[NR_CPUS];
	uint16_t asid[NR_CPUS];
	uint16_t pinned_asid[TH_PINNED];
	unsigned long violations;
};

struct switcher {
	struct fixture *fx;
	struct asid_context *ctx;	/* TH_CONTEXTS, the first TH_PINNED pinned */
	struct running *run;
	unsigned int cpu;
};

/*
 * Under run->lock: does another CPU run another context with @asid? Is a
 * pinned ASID given to a context that is not its owner?
 */
static void check_running(struct running *run, unsigned int cpu,
			  const struct asid_context *ctx, unsigned int idx, uint16_t asid)
{
	unsigned int j;

	for (j = 0; j < NR_CPUS; j++)
		if (j != cpu && run->ctx[j] && run->ctx[j] != ctx && run->asid[j] == asid)
			run->violations++;
	for (j = 0; j < TH_PINNED; j++)
		if (j != idx && asid == run->pinned_asid[j])
			run->violations++;
}

static void *switcher_thread(void *arg)
{
	struct switcher *s = arg;
	struct running *run = s->run;
	uint32_t seed = 777 + s->cpu;
	unsigned int i;

	for (i = 0; i < TH_SWITCHES; i++) {
		unsigned int idx;
		struct asid_context *ctx;
		uint16_t asid;

		seed = seed * 1103515245 + 12345;
		idx = (seed >> 8) % TH_CONTEXTS;
		ctx = &s->ctx[idx];
		/* As Linux installs the reserved TTBR0 first: nothing runs now. */
		pthread_mutex_lock(&run->lock);
		run->ctx[s->cpu] = NULL;
		pthread_mutex_unlock(&run->lock);

		asid = asid_switch(s->fx->a, ctx, s->cpu);

		pthread_mutex_lock(&run->lock);
		check_running(run, s->cpu, ctx, idx, asid);
		run->ctx[s->cpu] = ctx;
		run->asid[s->cpu] = asid;
		pthread_mutex_unlock(&run->lock);
	}
	return NULL;
}

TEST(threaded_switches_keep_asids_unique)
{
	static struct asid_context ctx[TH_CONTEXTS];
	struct switcher sw[NR_CPUS];
	pthread_t th[NR_CPUS];
	struct running run = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct fixture fx;
	unsigned int i;

	setup(&fx, 8);
	for (i = 0; i < TH_PINNED; i++) {
		run.pinned_asid[i] = mm_context_get(fx.a, &ctx[i]);
		ASSERT_NE(run.pinned_asid[i], 0);
	}
	for (i = 0; i < NR_CPUS; i++) {
		sw[i] = (struct switcher){ .fx = &fx, .ctx = ctx, .run = &run, .cpu = i };
		ASSERT_EQ(pthread_create(&th[i], NULL, switcher_thread, &sw[i]), 0);
	}
	for (i = 0; i < NR_CPUS; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(run.violations, 0);
	EXPECT_GT(stats(&fx).rollovers, 10);
	for (i = 0; i < TH_PINNED; i++)
		EXPECT_EQ(asid_of(fx.a, &ctx[i]), run.pinned_asid[i]);
	TH_LOG("%" PRIu64 " rollovers", stats(&fx).rollovers);
	teardown(&fx);
}
