// SPDX-License-Identifier: GPL-2.0
/*
 * Performance counters (§10.4, the architected PMCG events) and command
 * statistics. The counters are atomics in struct smmu incremented lock-free
 * by the translation side (smmu_pmcg_add/inc in internal.h); the PMCG's
 * own register interface (filters, overflow interrupts) is not modelled.
 *
 * The cycle counter (event 0, §10.4.1) counts the SMMU's clock, which this
 * model runs at a nominal 1 GHz from its creation: one cycle per nanosecond
 * of CLOCK_MONOTONIC.
 */
#include <stdatomic.h>
#include <time.h>

#include "arch/smmuv3.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"

static const char *const smmu_pmcg_names[SMMU_PMCG_NR_EVENTS] = {
	[SMMU_PMCG_CYCLES] = "cycles",
	[SMMU_PMCG_TRANSACTION] = "transaction",
	[SMMU_PMCG_TLB_MISS] = "tlb_miss",
	[SMMU_PMCG_CFG_CACHE_MISS] = "config_cache_miss",
	[SMMU_PMCG_TT_WALK_ACCESS] = "trans_table_walk_access",
	[SMMU_PMCG_CFG_STRUCT_ACCESS] = "config_struct_access",
	[SMMU_PMCG_ATS_TRANS_RQ] = "pcie_ats_trans_rq",
	[SMMU_PMCG_ATS_TRANS_PASSED] = "pcie_ats_trans_passed",
};

uint64_t smmu_pmcg_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Threads take shards in turn, once each (a thread keeps its shard). */
unsigned int smmu_pmcg_shard_of_thread(void)
{
	static _Atomic unsigned int next;
	static _Thread_local unsigned int shard = ~0u;

	if (shard == ~0u)
		shard = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) %
			SMMU_PMCG_SHARDS;
	return shard;
}

uint64_t smmu_pmcg_read(const struct smmu *smmu, enum smmu_pmcg_event ev)
{
	uint64_t sum = 0;
	unsigned int i;

	if ((unsigned int)ev >= SMMU_PMCG_NR_EVENTS)
		return 0;
	if (ev == SMMU_PMCG_CYCLES)
		return smmu_pmcg_clock_ns() - smmu->clock_epoch_ns;
	for (i = 0; i < SMMU_PMCG_SHARDS; i++)
		sum += atomic_load_explicit(&smmu->pmcg[i].ev[ev], memory_order_relaxed);
	return sum;
}

const char *smmu_pmcg_event_name(enum smmu_pmcg_event ev)
{
	if ((unsigned int)ev >= SMMU_PMCG_NR_EVENTS)
		return NULL;
	return smmu_pmcg_names[ev];
}

uint64_t smmu_cmd_count(const struct smmu *smmu, unsigned int op)
{
	if (op >= CMD_OP_NR)
		return 0;
	return atomic_load_explicit(&smmu->cmd_count[op], memory_order_relaxed);
}
