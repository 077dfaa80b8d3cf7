// SPDX-License-Identifier: GPL-2.0
/*
 * TLB and ATC invalidation.
 *
 * TLB (§4.4): by ASID, or by address range. With range invalidation
 * (IDR3.RIL) one command covers (NUM + 1) * 2^SCALE granules, so a range
 * takes one command per 5-bit chunk of its page count; without it, one
 * command per granule (callers switch to the whole ASID from
 * ARM_SMMU_CMDQ_MAX_TLBI_OPS granules). With E2H the EL2 forms of the
 * commands are used (the CDs then hold EL2&0 ASIDs).
 *
 * ATC (§4.5.1, PCIe ATS): CMD_ATC_INV covers a naturally aligned power of
 * two of 4K pages (Size = log2 pages); a range is rounded out to the
 * smallest such span, as Linux does, rather than split.
 */
#include "os/arm-smmu-v3/arm-smmu-v3.h"

#define CMDQ_TLBI_RANGE_NUM_MAX		31
#define ATC_INV_GRAIN_SHIFT		12

static unsigned int ilog2_u64(uint64_t v)
{
	return 63 - (unsigned int)__builtin_clzll(v);
}

void arm_smmu_tlb_inv_asid(struct arm_smmu_device *smmu, uint16_t asid)
{
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = (smmu->features & ARM_SMMU_FEAT_E2H) ? CMD_OP_TLBI_EL2_ASID :
								  CMD_OP_TLBI_NH_ASID,
		.tlbi = { .asid = asid },
	};

	arm_smmu_cmdq_issue_cmd_with_sync(smmu, &cmd);
}

/* Range commands: fill TG/TTL once, then NUM/SCALE per 5-bit chunk. */
static void inv_range_ril(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *batch,
			  struct arm_smmu_cmdq_ent *cmd, uint64_t iova, uint64_t size,
			  uint64_t granule)
{
	unsigned int tg = (unsigned int)__builtin_ctzll(smmu->pgsize_bitmap);
	uint64_t num_pages = size >> tg, scale, num;

	/* log2 page size 12/14/16 -> TG 1/2/3. */
	cmd->tlbi.tg = (uint8_t)((tg - 10) / 2);
	if (cmd->tlbi.leaf)
		/* The level whose entries have size @granule (TTL 1..3). */
		cmd->tlbi.ttl = (uint8_t)(4 - (ilog2_u64(granule) - 3) / (tg - 3));
	else if ((num_pages & CMDQ_TLBI_RANGE_NUM_MAX) == 1)
		/* NUM = SCALE = TTL = 0 with TG != 0 is illegal: cover one more page. */
		num_pages++;

	while (num_pages) {
		scale = (uint64_t)__builtin_ctzll(num_pages);
		num = (num_pages >> scale) & CMDQ_TLBI_RANGE_NUM_MAX;
		cmd->tlbi.scale = (uint8_t)scale;
		cmd->tlbi.num = (uint8_t)(num - 1);
		cmd->tlbi.addr = iova;
		arm_smmu_cmdq_batch_add(smmu, batch, cmd);
		iova += num << (scale + tg);
		num_pages -= num << scale;
	}
}

void arm_smmu_tlb_inv_range_asid(struct arm_smmu_device *smmu, uint64_t iova, uint64_t size,
				 uint64_t granule, bool leaf, uint16_t asid)
{
	struct arm_smmu_cmdq_batch batch = { .num = 0 };
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = (smmu->features & ARM_SMMU_FEAT_E2H) ? CMD_OP_TLBI_EL2_VA :
								  CMD_OP_TLBI_NH_VA,
		.tlbi = { .asid = asid, .leaf = leaf },
	};
	uint64_t end = iova + size;

	if (!size)
		return;
	if (!(smmu->features & ARM_SMMU_FEAT_RANGE_INV)) {
		for (; iova < end; iova += granule) {
			cmd.tlbi.addr = iova;
			arm_smmu_cmdq_batch_add(smmu, &batch, &cmd);
		}
	} else {
		inv_range_ril(smmu, &batch, &cmd, iova, size, granule);
	}
	arm_smmu_cmdq_batch_submit(smmu, &batch);
}

void arm_smmu_atc_inv_to_cmd(bool ssv, uint32_t ssid, uint64_t iova, uint64_t size,
			     struct arm_smmu_cmdq_ent *cmd)
{
	uint64_t page_start, page_end, span_mask;
	unsigned int log2_span;

	*cmd = (struct arm_smmu_cmdq_ent){
		.opcode = CMD_OP_ATC_INV,
		.substream_valid = ssv,
		.atc = { .ssid = ssid },
	};
	if (!size) {
		cmd->atc.size = CMD_ATC_SIZE_ALL;
		return;
	}
	page_start = iova >> ATC_INV_GRAIN_SHIFT;
	page_end = (iova + size - 1) >> ATC_INV_GRAIN_SHIFT;
	/*
	 * The highest bit in which the first and last page numbers differ
	 * gives the smallest aligned power-of-two span holding both.
	 */
	log2_span = page_start == page_end ? 0 : ilog2_u64(page_start ^ page_end) + 1;
	if (log2_span >= CMD_ATC_SIZE_ALL) {
		cmd->atc.size = CMD_ATC_SIZE_ALL;
		return;
	}
	span_mask = (1ull << log2_span) - 1;
	page_start &= ~span_mask;
	cmd->atc.addr = page_start << ATC_INV_GRAIN_SHIFT;
	cmd->atc.size = (uint8_t)log2_span;
}

static void atc_add_master(struct arm_smmu_master *master, struct arm_smmu_cmdq_batch *batch,
			   struct arm_smmu_cmdq_ent *cmd)
{
	unsigned int i;

	for (i = 0; i < master->num_streams; i++) {
		cmd->atc.sid = master->streams[i].id;
		arm_smmu_cmdq_batch_add(master->smmu, batch, cmd);
	}
}

int arm_smmu_atc_inv_master(struct arm_smmu_master *master, bool ssv, uint32_t ssid)
{
	struct arm_smmu_cmdq_batch batch = { .num = 0 };
	struct arm_smmu_cmdq_ent cmd;

	arm_smmu_atc_inv_to_cmd(ssv, ssid, 0, 0, &cmd);
	atc_add_master(master, &batch, &cmd);
	return arm_smmu_cmdq_batch_submit(master->smmu, &batch);
}

int arm_smmu_atc_inv_domain(struct arm_smmu_domain *domain, bool ssv, uint32_t ssid,
			    uint64_t iova, uint64_t size)
{
	struct arm_smmu_cmdq_batch batch = { .num = 0 };
	struct arm_smmu_cmdq_ent cmd;
	unsigned int i;

	if (!(domain->smmu->features & ARM_SMMU_FEAT_ATS))
		return 0;
	/*
	 * A master enabling ATS increments nr_ats_masters before its STE
	 * allows translated traffic, so reading 0 here means no ATC can hold
	 * an entry of this domain.
	 */
	if (!__atomic_load_n(&domain->nr_ats_masters, __ATOMIC_ACQUIRE))
		return 0;
	arm_smmu_atc_inv_to_cmd(ssv, ssid, iova, size, &cmd);
	pthread_mutex_lock(&domain->lock);
	for (i = 0; i < domain->nr_masters; i++)
		if (__atomic_load_n(&domain->masters[i]->ats_enabled, __ATOMIC_ACQUIRE))
			atc_add_master(domain->masters[i], &batch, &cmd);
	pthread_mutex_unlock(&domain->lock);
	return arm_smmu_cmdq_batch_submit(domain->smmu, &batch);
}

void arm_smmu_domain_inv_range(struct arm_smmu_domain *domain, uint64_t iova, uint64_t size,
			       uint64_t granule, bool leaf)
{
	struct arm_smmu_device *smmu = domain->smmu;
	uint16_t asid = arm_smmu_domain_asid(domain);

	/* TLB first: an ATS request after the ATC_INV must not refill from a stale TLB. */
	if (!(smmu->features & ARM_SMMU_FEAT_RANGE_INV) &&
	    size / granule >= ARM_SMMU_CMDQ_MAX_TLBI_OPS(ilog2_u64(granule)))
		arm_smmu_tlb_inv_asid(smmu, asid);
	else
		arm_smmu_tlb_inv_range_asid(smmu, iova, size, granule, leaf, asid);
	arm_smmu_atc_inv_domain(domain, false, 0, iova, size);
}
