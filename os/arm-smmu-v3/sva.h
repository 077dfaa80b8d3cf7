/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared Virtual Addressing in the arm-smmu-v3 driver (as the 2020 series
 * "iommu: Shared Virtual Addressing for SMMUv3", Linux 5.10-5.12, with
 * today's private-ASID design as an option): a device tags DMA with the
 * PASID of a process and the SMMU walks the process's own page tables.
 *
 *   bond (master, mm), refcounted ──> SVA domain (smmu, mm): ASID, the MMU
 *        │ CD[PASID] of the master        notifier, the bonds for invalidation
 *        └── PASID from the iommu core (one per mm, all devices)
 *
 * ASIDs (sva-asid=): SHARED — the CD carries the CPU's ASID, pinned with
 * mm_context_get(); a private domain of the driver holding that ASID is moved
 * to a fresh one ("ASID seizing"); with BTM the CPUs' broadcast TLBIs also
 * clean the SMMU TLB and the notifier issues no TLBI. PRIVATE — the SVA
 * context gets its own ASID from the driver (ASET = 1) and every
 * invalidation is explicit.
 *
 * Unbind, in order: faults for the bond refused and its CD made quiet
 * (EPD0, no record, no stall); the event and PRI queues flushed up to a
 * snapshot of PROD, reports in flight and the device's iopf groups for the
 * PASID waited for, partial page requests dropped; the CD cleared (CFGI_CD
 * + CMD_SYNC) and the ATC invalidated; the PASID reference dropped; on the
 * last bond of the mm, the notifier unregistered, TLBI by ASID, the ASID
 * released (mm_context_put or the driver's map).
 *
 * Locking: sva->lock serialises bind and unbind (Linux's sva_lock);
 * sva->bonds_lock protects the bond table (hashed by master and PASID)
 * the fault path reads; sva->lock also protects the domain table (hashed
 * by mm), so neither bind nor a fault walks every bond; a domain's lock
 * protects its bond list and "cleared" flag, and is what the MMU notifier
 * callbacks take. Order: sva->lock -> domain lock -> master->lock.
 * The fault path (IRQ handlers, iopf workers) never takes sva->lock, so
 * unbind can drain faults while holding it.
 */
#ifndef OS_ARM_SMMU_V3_SVA_H
#define OS_ARM_SMMU_V3_SVA_H

#include <stdbool.h>
#include <stdint.h>

#include "os/iommu/iommu.h"

struct arm_smmu_device;
struct arm_smmu_master;
struct mm_system;

enum arm_smmu_sva_asid_mode {
	ARM_SMMU_SVA_ASID_SHARED,	/* the CPU's ASID (the 2020 series) */
	ARM_SMMU_SVA_ASID_PRIVATE,	/* the driver's own ASID (today's Linux) */
};

struct arm_smmu_sva_cfg {
	enum arm_smmu_sva_asid_mode asid_mode;
	/* The CPUs whose page tables are shared: PA size, granule, ASIDs. */
	struct mm_system *cpu;
};

/*
 * Enable SVA on @smmu: registers the driver's fault path (stalls and page
 * requests go to the iommu core's iopf queue). 0, -EINVAL, -EEXIST, -ENOMEM.
 */
int arm_smmu_sva_init(struct arm_smmu_device *smmu, const struct arm_smmu_sva_cfg *cfg);
/* Every bond must be gone. */
void arm_smmu_sva_fini(struct arm_smmu_device *smmu);

/* The driver's iommu_ops (dev->iommu_priv is the struct arm_smmu_master). */
extern const struct iommu_ops arm_smmu_iommu_ops;

/* Make @dev the iommu core's view of @master (and the target of its faults). */
void arm_smmu_iommu_device_init(struct device *dev, struct iommu_core *core,
				struct arm_smmu_master *master);

/*
 * Support checks. 0, or -EOPNOTSUPP with the first failed check written
 * to @why (may be NULL).
 */
int arm_smmu_sva_supported(struct arm_smmu_device *smmu, char *why, unsigned int whylen);
int arm_smmu_master_sva_supported(struct arm_smmu_master *master, char *why,
				  unsigned int whylen);
int arm_smmu_master_iopf_supported(struct arm_smmu_master *master, char *why,
				   unsigned int whylen);

struct arm_smmu_sva_stats {
	uint64_t binds;			/* new bonds */
	uint64_t rebinds;		/* same (master, mm) again */
	uint64_t unbinds;		/* bonds freed */
	uint64_t refused;		/* binds refused by a check or a limit */
	uint64_t domains;		/* SVA domains (smmu, mm) live now */
	uint64_t bonds;			/* bonds live now */
	uint64_t asids_seized;		/* private domains moved off a CPU ASID */
	uint64_t invalidations;		/* invalidate_range calls handled */
	uint64_t tlbi_skipped;		/* of them, TLBI left to BTM */
	uint64_t releases;		/* mm exits while bound */
	uint64_t faults_reported;	/* faults passed to the iommu core */
	uint64_t faults_refused;	/* faults for a PASID not bound to the device */
};

/* 0, or -ENODEV if SVA is not initialised on @smmu. */
int arm_smmu_sva_get_stats(struct arm_smmu_device *smmu, struct arm_smmu_sva_stats *st);

/* The ASID the SVA context of @mm uses on @smmu, or -ENOENT if not bound there. */
int arm_smmu_sva_asid(struct arm_smmu_device *smmu, struct mm *mm);

#endif /* OS_ARM_SMMU_V3_SVA_H */
