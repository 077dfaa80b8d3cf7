// SPDX-License-Identifier: GPL-2.0
/*
 * The PRI path under contention, end to end on the simulated machine.
 *
 * The driver grants every function 32 page-request credits whatever the
 * PRI queue holds, so many functions faulting at once can overflow the
 * queue. The SMMU then discards what it cannot take and answers each
 * discarded Last request with Success (SMMUv3 §8.1); the functions ask
 * again, paced (ep_pri_retry()); the driver drops the groups whose Last
 * was lost (§8.1.1). None of it may turn into a failed DMA on memory that
 * is mapped: every fill below must complete and read back.
 *
 * Whether and how often the queue overflows depends on scheduling; the
 * outcome must not, so the tests check outcomes and only log the rest.
 */
#include <errno.h>
#include <stdio.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "sim/machine.h"
#include "sim/scenario.h"
#include "tests/harness.h"

#define MAX_DEVS	10
#define MAX_QUEUES	8
#define REGION		0x100000ULL	/* per queue: 1M apart */
#define BASE		0x10000000ULL

struct rig {
	struct machine *m;
	int proc;
	int dev[MAX_DEVS];
	int handle[MAX_DEVS];
	unsigned int ndevs, nqueues;
	char why[256];
};

static void rig_init(struct rig *r, unsigned int priq, unsigned int ndevs, unsigned int nqueues)
{
	struct scn_machine mc;
	struct scn_device dc = { .pci = true, .ats = true, .pri = true, .pasid_bits = 20,
				 .atc = 64, .prq = 32 };
	char name[16];
	unsigned int i, q;
	uint32_t pasid;

	memset(r, 0, sizeof(*r));
	scn_machine_defaults(&mc);
	mc.priq = priq;
	r->ndevs = ndevs;
	r->nqueues = nqueues;
	r->m = machine_create(&mc, r->why, sizeof(r->why));
	ASSERT_TRUE(r->m != NULL);
	r->proc = machine_process_create(r->m, r->why, sizeof(r->why));
	ASSERT_GE(r->proc, 0);
	/* Demand paged (no populate): every page faults in through PRI. */
	ASSERT_EQ(machine_mmap(r->m, r->proc, BASE, (uint64_t)ndevs * nqueues * REGION,
			       SCN_PROT_R | SCN_PROT_W, false, r->why, sizeof(r->why)), 0);
	for (i = 0; i < ndevs; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		r->dev[i] = machine_device_add(r->m, name, &dc, r->why, sizeof(r->why));
		ASSERT_GE(r->dev[i], 0);
		for (q = 1; q < nqueues; q++)
			ASSERT_EQ(machine_queue_add(r->m, r->dev[i], r->why, sizeof(r->why)), (int)q);
		r->handle[i] = machine_bind(r->m, r->dev[i], r->proc, &pasid, r->why,
					    sizeof(r->why));
		ASSERT_GE(r->handle[i], 0);
	}
}

static uint64_t region(const struct rig *r, unsigned int dev, unsigned int q)
{
	return BASE + ((uint64_t)dev * r->nqueues + q) * REGION;
}

static uint8_t pattern(unsigned int dev, unsigned int q)
{
	return (uint8_t)(0x10 + dev * MAX_QUEUES + q);
}

/* Every queue of every function fills @len bytes of its region, all at once. */
static void fill_all_at_once(struct rig *r, uint64_t len)
{
	struct machine_dma_result res;
	unsigned int i, q, ok = 0;
	uint64_t where;

	for (i = 0; i < r->ndevs; i++) {
		for (q = 0; q < r->nqueues; q++) {
			struct machine_dma op = {
				.dev = r->dev[i], .queue = (int)q, .pasid_valid = true,
				.pasid = machine_handle_pasid(r->m, r->handle[i]),
				.kind = SCN_DMA_FILL, .addr = region(r, i, q), .len = len,
				.byte = pattern(i, q),
			};

			ASSERT_EQ(machine_dma_submit(r->m, &op, r->why, sizeof(r->why)), 0);
		}
	}
	for (i = 0; i < r->ndevs; i++) {
		for (q = 0; q < r->nqueues; q++) {
			ASSERT_EQ(machine_dma_complete(r->m, r->dev[i], (int)q, &res, r->why,
						       sizeof(r->why)), 0);
			if (res.outcome != SCN_OUT_OK)
				TH_LOG("f%u queue %u: outcome %d at %#llx", i, q, res.outcome,
				       (unsigned long long)res.addr);
			ok += res.outcome == SCN_OUT_OK;
		}
	}
	EXPECT_EQ(ok, r->ndevs * r->nqueues);
	for (i = 0; i < r->ndevs; i++)
		for (q = 0; q < r->nqueues; q++)
			EXPECT_EQ(machine_cpu_check(r->m, r->proc, region(r, i, q), len,
						    pattern(i, q), &where), 0);
}

static void log_figures(struct rig *r)
{
	const struct arm_smmu_device *drv = machine_smmu_driver(r->m);
	uint64_t prs = 0;

	machine_counter(r->m, "page_requests", &prs);
	TH_LOG("%llu page requests reached the driver, %llu PRI queue overflows",
	       (unsigned long long)prs,
	       (unsigned long long)__atomic_load_n(&drv->stats.priq_overflows, __ATOMIC_RELAXED));
}

/*
 * Issue 15: ten functions with eight queues each, 320 credits for a
 * 256-entry queue, all faulting at once.
 */
TEST_TIMEOUT(ten_functions_eight_queues_overcommit_the_queue, 300)
{
	struct rig r;

	rig_init(&r, 256, 10, 8);
	fill_all_at_once(&r, 64 << 10);
	log_figures(&r);
	machine_destroy(r.m);
}

/* The same with a queue a tenth the size: overflow is the rule, not the exception. */
TEST_TIMEOUT(ten_functions_on_a_16_entry_queue, 300)
{
	struct rig r;

	rig_init(&r, 16, 10, 8);
	fill_all_at_once(&r, 64 << 10);
	log_figures(&r);
	machine_destroy(r.m);
}

/* Issue 10.1: a 2-entry queue, groups of four page requests. */
TEST_TIMEOUT(groups_of_four_through_a_2_entry_queue, 300)
{
	struct rig r;

	rig_init(&r, 2, 2, 2);
	fill_all_at_once(&r, 512 << 10);
	log_figures(&r);
	machine_destroy(r.m);
}

/* ---- PRI queue overflow while unbinding ---------------------------------- */

#define RACE_DEVS	2
#define RACE_QUEUES	4	/* per device: 0, 1 for the victim, 2, 3 for the bystander */
#define RACE_LEN	(1ULL << 20)
#define VICTIM_BASE	0x20000000ULL
#define BYSTANDER_BASE	0x30000000ULL

static uint64_t race_region(uint64_t base, unsigned int dev, unsigned int q)
{
	return base + ((uint64_t)dev * RACE_QUEUES + q) * REGION;
}

static void race_submit(struct rig *r, unsigned int dev, unsigned int q, int handle,
			uint64_t addr, uint8_t byte)
{
	struct machine_dma op = {
		.dev = r->dev[dev], .queue = (int)q, .pasid_valid = true,
		.pasid = machine_handle_pasid(r->m, handle), .kind = SCN_DMA_FILL,
		.addr = addr, .len = RACE_LEN, .byte = byte,
	};

	ASSERT_EQ(machine_dma_submit(r->m, &op, r->why, sizeof(r->why)), 0);
}

static enum scn_outcome race_complete(struct rig *r, unsigned int dev, unsigned int q)
{
	struct machine_dma_result res;

	ASSERT_EQ(machine_dma_complete(r->m, r->dev[dev], (int)q, &res, r->why, sizeof(r->why)),
		  0);
	return res.outcome;
}

/*
 * Issue 15 race: the victim process is unbound from both functions while
 * their queues page its memory in through a 4-entry PRI queue that keeps
 * overflowing, next to a bystander's DMA on the same functions. What must
 * hold: unbind returns; from then on the functions write nothing into the
 * victim (its memory keeps what the CPU wrote after unbind); the victim's
 * DMAs end either way (done before the unbind, or a fault); the bystander's
 * all complete and read back; and afterwards the functions' PRI still
 * works, for the bystander and for a new process that gets the recycled
 * PASID.
 */
TEST_TIMEOUT(pri_queue_overflow_while_unbinding, 300)
{
	int victim_h[RACE_DEVS], bystander_h[RACE_DEVS], late_h;
	int victim, bystander, late;
	unsigned int i, q, faults = 0;
	struct scn_machine mc;
	struct scn_device dc = { .pci = true, .ats = true, .pri = true, .pasid_bits = 20,
				 .atc = 64, .prq = 32 };
	uint64_t where;
	uint32_t pasid, victim_pasid = 0;
	struct rig r;
	char name[16];

	memset(&r, 0, sizeof(r));
	scn_machine_defaults(&mc);
	mc.priq = 4;
	r.ndevs = RACE_DEVS;
	r.m = machine_create(&mc, r.why, sizeof(r.why));
	ASSERT_TRUE(r.m != NULL);
	victim = machine_process_create(r.m, r.why, sizeof(r.why));
	bystander = machine_process_create(r.m, r.why, sizeof(r.why));
	late = machine_process_create(r.m, r.why, sizeof(r.why));
	ASSERT_TRUE(victim >= 0 && bystander >= 0 && late >= 0);
	ASSERT_EQ(machine_mmap(r.m, victim, VICTIM_BASE, RACE_DEVS * RACE_QUEUES * REGION,
			       SCN_PROT_R | SCN_PROT_W, false, r.why, sizeof(r.why)), 0);
	ASSERT_EQ(machine_mmap(r.m, bystander, BYSTANDER_BASE, RACE_DEVS * RACE_QUEUES * REGION,
			       SCN_PROT_R | SCN_PROT_W, false, r.why, sizeof(r.why)), 0);
	ASSERT_EQ(machine_mmap(r.m, late, VICTIM_BASE, RACE_DEVS * RACE_QUEUES * REGION,
			       SCN_PROT_R | SCN_PROT_W, false, r.why, sizeof(r.why)), 0);
	for (i = 0; i < RACE_DEVS; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		r.dev[i] = machine_device_add(r.m, name, &dc, r.why, sizeof(r.why));
		ASSERT_GE(r.dev[i], 0);
		for (q = 1; q < RACE_QUEUES; q++)
			ASSERT_EQ(machine_queue_add(r.m, r.dev[i], r.why, sizeof(r.why)), (int)q);
		victim_h[i] = machine_bind(r.m, r.dev[i], victim, &victim_pasid, r.why,
					   sizeof(r.why));
		bystander_h[i] = machine_bind(r.m, r.dev[i], bystander, &pasid, r.why,
					      sizeof(r.why));
		ASSERT_TRUE(victim_h[i] >= 0 && bystander_h[i] >= 0);
	}

	for (i = 0; i < RACE_DEVS; i++) {
		for (q = 0; q < 2; q++)
			race_submit(&r, i, q, victim_h[i], race_region(VICTIM_BASE, i, q), 0x11);
		for (q = 2; q < RACE_QUEUES; q++)
			race_submit(&r, i, q, bystander_h[i], race_region(BYSTANDER_BASE, i, q),
				    0x22);
	}
	for (i = 0; i < RACE_DEVS; i++)
		ASSERT_EQ(machine_unbind(r.m, victim_h[i], r.why, sizeof(r.why)), 0);
	/* Unbound: whatever the CPU writes now, no function may overwrite. */
	for (i = 0; i < RACE_DEVS; i++)
		for (q = 0; q < 2; q++)
			ASSERT_EQ(machine_cpu_fill(r.m, victim, race_region(VICTIM_BASE, i, q),
						   RACE_LEN, 0xee, &where), 0);
	for (i = 0; i < RACE_DEVS; i++) {
		for (q = 0; q < 2; q++)
			faults += race_complete(&r, i, q) == SCN_OUT_FAULT;
		for (q = 2; q < RACE_QUEUES; q++)
			EXPECT_EQ(race_complete(&r, i, q), SCN_OUT_OK);
	}
	for (i = 0; i < RACE_DEVS; i++) {
		for (q = 0; q < 2; q++)
			EXPECT_EQ(machine_cpu_check(r.m, victim, race_region(VICTIM_BASE, i, q),
						    RACE_LEN, 0xee, &where), 0);
		for (q = 2; q < RACE_QUEUES; q++)
			EXPECT_EQ(machine_cpu_check(r.m, bystander,
						    race_region(BYSTANDER_BASE, i, q), RACE_LEN,
						    0x22, &where), 0);
	}
	TH_LOG("%u of %u victim DMAs faulted after the unbind", faults, RACE_DEVS * 2);
	log_figures(&r);

	/*
	 * PRI still works: for the bystander, and for a new process that gets
	 * the victim's PASID once the victim has exited (no partial group of
	 * the victim may join its page requests).
	 */
	ASSERT_EQ(machine_exit(r.m, victim, r.why, sizeof(r.why)), 0);
	late_h = machine_bind(r.m, r.dev[0], late, &pasid, r.why, sizeof(r.why));
	ASSERT_GE(late_h, 0);
	EXPECT_EQ(pasid, victim_pasid);
	race_submit(&r, 0, 0, late_h, race_region(VICTIM_BASE, 0, 0), 0x33);
	race_submit(&r, 0, 2, bystander_h[0], race_region(BYSTANDER_BASE, 0, 2), 0x44);
	EXPECT_EQ(race_complete(&r, 0, 0), SCN_OUT_OK);
	EXPECT_EQ(race_complete(&r, 0, 2), SCN_OUT_OK);
	EXPECT_EQ(machine_cpu_check(r.m, late, race_region(VICTIM_BASE, 0, 0), RACE_LEN, 0x33,
				    &where), 0);
	EXPECT_EQ(machine_cpu_check(r.m, bystander, race_region(BYSTANDER_BASE, 0, 2), RACE_LEN,
				    0x44, &where), 0);
	machine_destroy(r.m);
}
