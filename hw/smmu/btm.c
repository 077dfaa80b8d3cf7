// SPDX-License-Identifier: GPL-2.0
/*
 * Broadcast TLB maintenance (§3.17, IDR0.BTM): the SMMU listens to the
 * CPUs' DVM messages. A broadcast TLBI invalidates matching TLB entries
 * unless software opted out with CR2.PTM == 1; entries filled from a CD
 * with ASET == 1 (an SMMU-private ASID) are left alone by the by-ASID and
 * by-VA-with-ASID forms, but not by VAA or VMALL (§5.4 ASET). EL1
 * messages carry VMID 0 (no stage 2 here); EL2 ones (E2H hosts) reach
 * the EL2 regime entries. The DSB that follows (sync) waits for
 * translations that might still use an invalidated entry.
 */
#include "hw/smmu/internal.h"
#include "hw/smmu/xlate.h"

static bool btm_active(struct smmu *smmu)
{
	return smmu->cfg.btm && !smmu_ptm(smmu);
}

static void btm_tlbi(void *ctx, const struct dvm_tlbi *op)
{
	struct smmu *smmu = ctx;
	struct smmu_tlb_inv inv = {
		.match = SMMU_TLBI_REGIME | SMMU_TLBI_VMID,
		.regime = op->el2 ? SMMU_TLB_EL2 : SMMU_TLB_EL1,
		.vmid = 0,
		.asid = op->asid,
		.va = op->va,
		.size = op->size,
	};

	if (!btm_active(smmu))
		return;
	switch (op->op) {
	case DVM_TLBI_VA:
		inv.match |= SMMU_TLBI_ASID | SMMU_TLBI_VA | SMMU_TLBI_SKIP_ASET;
		break;
	case DVM_TLBI_VAA:
		inv.match |= SMMU_TLBI_VA;
		break;
	case DVM_TLBI_ASID:
		inv.match |= SMMU_TLBI_ASID | SMMU_TLBI_KEEP_GLOBAL | SMMU_TLBI_SKIP_ASET;
		break;
	case DVM_TLBI_ALL:
		break;
	}
	smmu_tlb_invalidate(smmu->xlate->tlb, &inv);
	__atomic_fetch_add(&smmu->xlate->dvm_ops, 1, __ATOMIC_RELAXED);
}

static void btm_sync(void *ctx)
{
	struct smmu *smmu = ctx;

	grace_synchronize(&smmu->xlate->grace);
}

void smmu_btm_init(struct smmu *smmu)
{
	smmu->xlate->dvm = (struct dvm_listener){
		.tlbi = btm_tlbi,
		.sync = btm_sync,
		.ctx = smmu,
	};
}

const struct dvm_listener *smmu_dvm_listener(struct smmu *smmu)
{
	return &smmu->xlate->dvm;
}
