// SPDX-License-Identifier: GPL-2.0
/*
 * The PRI queue producer (§8): page requests from PCIe endpoints recorded
 * as 16-byte entries at PRIQ_PROD, then signalled (PRIQ IRQ or MSI; with
 * PRIQ_IRQ_CFG2.LO only for a request with Last == 1).
 *
 * Overflow (§8.1): unlike the event queue, an active overflow condition
 * inhibits every new entry until software acknowledges it, so one full
 * queue loses every request until then. An active GERROR.PRIQ_ABT_ERR
 * stops the queue too (§8.2): no entry is written until software
 * acknowledges it. The producer only reports why a request was not
 * written; the automatic response each cause needs is the caller's job
 * (hw/smmu/pri.c).
 */
#include <errno.h>

#include "arch/smmuv3.h"
#include "hw/smmu/event.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"

void smmu_pri_build(const struct smmu_pri_req *req, uint64_t rec[PRIQ_DWORDS])
{
	rec[0] = FIELD_PREP(PRIQ_0_SID, req->sid) |
		 FIELD_PREP(PRIQ_0_PERM_READ, req->read) |
		 FIELD_PREP(PRIQ_0_PERM_WRITE, req->write) |
		 FIELD_PREP(PRIQ_0_LAST, req->last);
	/* §8.2: without a PASID, Exec and Priv are 0 and SubstreamID UNKNOWN. */
	if (req->ssv)
		rec[0] |= PRIQ_0_SSV | FIELD_PREP(PRIQ_0_SSID, req->ssid) |
			  FIELD_PREP(PRIQ_0_PERM_PRIV, req->priv) |
			  FIELD_PREP(PRIQ_0_PERM_EXEC, req->exec);
	rec[1] = FIELD_PREP(PRIQ_1_PRG_IDX, req->grpid) | (req->addr & PRIQ_1_ADDR);
}

void smmu_pri_decode(const uint64_t rec[PRIQ_DWORDS], struct smmu_pri_req *req)
{
	*req = (struct smmu_pri_req){
		.sid = FIELD_GET(PRIQ_0_SID, rec[0]),
		.ssv = FIELD_GET(PRIQ_0_SSV, rec[0]),
		.ssid = FIELD_GET(PRIQ_0_SSID, rec[0]),
		.priv = FIELD_GET(PRIQ_0_PERM_PRIV, rec[0]),
		.exec = FIELD_GET(PRIQ_0_PERM_EXEC, rec[0]),
		.read = FIELD_GET(PRIQ_0_PERM_READ, rec[0]),
		.write = FIELD_GET(PRIQ_0_PERM_WRITE, rec[0]),
		.last = FIELD_GET(PRIQ_0_LAST, rec[0]),
		.grpid = FIELD_GET(PRIQ_1_PRG_IDX, rec[1]),
		.addr = rec[1] & PRIQ_1_ADDR,
	};
}

/* §6.3.9.5: the effective PRIQEN is PRIQEN && SMMUEN. */
static bool smmu_priq_enabled(const struct smmu *smmu)
{
	uint32_t cr0 = atomic_load(&smmu->cr0);

	return smmu->cfg.pri && !atomic_load(&smmu->stopping) &&
	       (cr0 & SMMU_CR0_PRIQEN) && (cr0 & SMMU_CR0_SMMUEN);
}

/* Write @rec at PROD and publish it. Called with priq_lock held, room known. */
static int smmu_priq_put(struct smmu *smmu, const uint64_t rec[PRIQ_DWORDS])
{
	struct smmu_queue *q = &smmu->priq;
	unsigned int log2 = smmu_q_log2(q);
	uint32_t prod = atomic_load(&q->prod);
	uint64_t pa;

	pa = smmu_q_base_pa(q, SMMU_PRIQ_ENT_SHIFT) +
	     ((uint64_t)smmu_q_idx(prod, log2) << SMMU_PRIQ_ENT_SHIFT);
	if (bus_write64(&smmu->bus, pa, rec[0]) || bus_write64(&smmu->bus, pa + 8, rec[1]))
		return -EFAULT;
	atomic_store(&q->prod, smmu_q_inc(prod, log2));
	return 0;
}

int smmu_priq_record(struct smmu *smmu, const struct smmu_pri_req *req)
{
	struct smmu_queue *q = &smmu->priq;
	uint64_t rec[PRIQ_DWORDS];
	int ret;

	smmu_pri_build(req, rec);
	pthread_mutex_lock(&smmu->priq_lock);
	if (!smmu_priq_enabled(smmu)) {
		ret = -ENODEV;
	} else if (smmu_gerror_active(smmu, SMMU_GERROR_PRIQ_ABT_ERR)) {
		ret = -EIO;	/* §8.2: nothing is written while it is active */
	} else if (smmu_q_overflowed(q)) {
		ret = -ENOSPC;
	} else if (smmu_q_full(atomic_load(&q->prod), atomic_load(&q->cons), smmu_q_log2(q))) {
		smmu_q_overflow(q);
		ret = -ENOSPC;
	} else {
		ret = smmu_priq_put(smmu, rec);
	}
	pthread_mutex_unlock(&smmu->priq_lock);
	/* Interrupts leave with no lock held: the GERROR one too. */
	if (ret == -EFAULT)
		smmu_gerror_raise(smmu, SMMU_GERROR_PRIQ_ABT_ERR);
	if (ret)
		return ret;
	smmu_trace(smmu, SMMU_TRACE_PRI, NULL, rec, PRIQ_DWORDS);
	if (!(atomic_load(&smmu->irq_ctrl) & SMMU_IRQ_CTRL_PRIQ_IRQEN))
		return 0;
	if ((atomic_load(&q->msi.cfg2) & SMMU_PRIQ_IRQ_CFG2_LO) && !req->last)
		return 0;
	smmu_signal_irq(smmu, SMMU_IRQ_PRIQ, &q->msi, SMMU_GERROR_MSI_PRIQ_ABT_ERR);
	return 0;
}
