/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A whole SVA machine for end-to-end tests and benchmarks: physical memory,
 * the frame pool, CPUs with their ASID allocator, the mm system, the SMMU
 * model (a DVM listener of the CPUs for BTM), the arm-smmu-v3 driver probed
 * on it with SVA enabled, the iommu core with its iopf workers, an IRQ
 * thread that runs the driver's handlers when the SMMU raises a line, and
 * devices: PCIe functions (ATS/PRI/PASID) and platform stall devices.
 *
 * Device DMA goes through the endpoint exactly as a DMA engine's does:
 * ep_translate() (ATC, ATS, PRI or a stall inside the SMMU), the bytes
 * moved at the physical address, ep_access_end().
 *
 * Shared by test_sva, test_sva_threads and bench_sva. Functions return 0 or
 * -errno; nothing asserts here.
 */
#ifndef TESTS_UNIT_SVA_MACHINE_H
#define TESTS_UNIT_SVA_MACHINE_H

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "arch/pcie.h"
#include "hw/cpu.h"
#include "hw/mem.h"
#include "hw/pcie/endpoint.h"
#include "hw/smmu/smmu.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "os/arm-smmu-v3/sva.h"
#include "os/iommu/iommu.h"
#include "os/mm/mm.h"
#include "os/pci/pci.h"

#ifndef SM_MEM_SIZE
#define SM_MEM_SIZE	(256ULL << 20)	/* a benchmark may ask for more */
#endif
#define SM_NR_CPUS	2
#define SM_MAX_DEVS	8

struct sm_cfg {
	bool btm;			/* SMMU BTM (and a DVM listener of the CPUs) */
	bool ril;
	bool ats;			/* SMMU and PCIe functions support ATS */
	bool coherent;
	unsigned int smmu_oas;		/* bits */
	bool asid16;			/* SMMU ASID16 */
	unsigned int cpu_pa_bits;
	unsigned int cpu_asid_bits;	/* 8 or 16 */
	unsigned int granules;		/* SMMU_GRAN_* */
	unsigned int page_shift;	/* CPU granule */
	enum arm_smmu_sva_asid_mode asid_mode;
	unsigned int iopf_workers;
	bool vhe;			/* the OS runs at EL2 with E2H */
};

static inline void sm_cfg_default(struct sm_cfg *c)
{
	*c = (struct sm_cfg){
		.btm = true, .ril = true, .ats = true, .coherent = true, .smmu_oas = 48,
		.asid16 = true, .cpu_pa_bits = 48, .cpu_asid_bits = 16,
		.granules = SMMU_GRAN_4K | SMMU_GRAN_16K | SMMU_GRAN_64K,
		.page_shift = 12, .asid_mode = ARM_SMMU_SVA_ASID_SHARED, .iopf_workers = 2,
	};
}

struct sm_dev {
	struct sm *sm;
	uint32_t sid;
	struct ep *ep;
	struct pci_dev pdev;
	struct arm_smmu_master *master;
	struct device dev;
	bool in_use;
};

struct sm {
	struct sm_cfg cfg;
	struct phys_mem mem;
	struct frame_pool *pool;
	struct cpu_cluster *cpus;
	struct asid_allocator *asids;
	struct mm_system sys;
	struct smmu *smmu;
	struct arm_smmu_device *drv;
	struct iommu_core core;
	/* IRQ thread */
	pthread_t irq_thread;
	pthread_mutex_t irq_lock;
	pthread_cond_t irq_cond;
	unsigned int irq_pending;
	bool irq_stop;
	struct sm_dev devs[SM_MAX_DEVS];
	uint64_t baseline;		/* frames allocated before any device */
};

/* ---- Glue: MMIO, config space, interrupts ------------------------------- */

static inline int sm_cfg_r16(void *ctx, unsigned int off, uint16_t *v)
{
	return pcie_cfg_read16(ctx, off, v);
}

static inline int sm_cfg_r32(void *ctx, unsigned int off, uint32_t *v)
{
	return pcie_cfg_read32(ctx, off, v);
}

static inline int sm_cfg_w16(void *ctx, unsigned int off, uint16_t v)
{
	return pcie_cfg_write16(ctx, off, v);
}

static inline int sm_cfg_w32(void *ctx, unsigned int off, uint32_t v)
{
	return pcie_cfg_write32(ctx, off, v);
}

static const struct pci_cfg_ops sm_pci_ops = {
	.read16 = sm_cfg_r16, .read32 = sm_cfg_r32,
	.write16 = sm_cfg_w16, .write32 = sm_cfg_w32,
};

#define SM_IRQ_EVTQ	(1u << 0)
#define SM_IRQ_PRIQ	(1u << 1)
#define SM_IRQ_GERROR	(1u << 2)

static inline void sm_irq_raise(struct sm *sm, unsigned int bit)
{
	pthread_mutex_lock(&sm->irq_lock);
	sm->irq_pending |= bit;
	pthread_cond_signal(&sm->irq_cond);
	pthread_mutex_unlock(&sm->irq_lock);
}

static inline void sm_raise_evtq(void *ctx)
{
	sm_irq_raise(ctx, SM_IRQ_EVTQ);
}

static inline void sm_raise_priq(void *ctx)
{
	sm_irq_raise(ctx, SM_IRQ_PRIQ);
}

static inline void sm_raise_gerror(void *ctx)
{
	sm_irq_raise(ctx, SM_IRQ_GERROR);
}

/* The driver's interrupt thread: runs handlers for raised lines. */
static inline void *sm_irq_main(void *arg)
{
	struct sm *sm = arg;
	unsigned int p;

	pthread_mutex_lock(&sm->irq_lock);
	while (!sm->irq_stop) {
		if (!sm->irq_pending) {
			pthread_cond_wait(&sm->irq_cond, &sm->irq_lock);
			continue;
		}
		p = sm->irq_pending;
		sm->irq_pending = 0;
		pthread_mutex_unlock(&sm->irq_lock);
		if (p & SM_IRQ_GERROR)
			arm_smmu_gerror_irq(sm->drv);
		if (p & SM_IRQ_EVTQ)
			arm_smmu_evtq_irq(sm->drv);
		if (p & SM_IRQ_PRIQ)
			arm_smmu_priq_irq(sm->drv);
		pthread_mutex_lock(&sm->irq_lock);
	}
	pthread_mutex_unlock(&sm->irq_lock);
	return NULL;
}

/* ---- Machine ------------------------------------------------------------- */

static inline uint64_t sm_frames(struct sm *sm)
{
	struct frame_stats st;

	frame_get_stats(sm->pool, &st);
	return st.allocated;
}

static inline int sm_init_hw(struct sm *sm)
{
	struct cpu_cluster_cfg ccfg = {
		.nr_cpus = SM_NR_CPUS, .tlb_entries = 64, .asid_bits = sm->cfg.cpu_asid_bits,
		.pa_bits = sm->cfg.cpu_pa_bits, .hafdbs = true, .vhe = sm->cfg.vhe,
	};
	struct smmu_config scfg;

	if (phys_mem_init(&sm->mem, PHYS_MEM_DEFAULT_BASE, SM_MEM_SIZE))
		return -ENOMEM;
	sm->pool = frame_pool_create(&sm->mem, PHYS_MEM_DEFAULT_BASE, SM_MEM_SIZE,
				     sm->cfg.page_shift);
	sm->cpus = cpu_cluster_create(&ccfg, &sm->mem.bus);
	if (!sm->pool || !sm->cpus)
		return -ENOMEM;
	smmu_config_default(&scfg);
	scfg.btm = sm->cfg.btm;
	scfg.ril = sm->cfg.ril;
	/* RIL is mandatory from SMMUv3.2: without it, model a v3.1. */
	if (!scfg.ril && scfg.arch_minor >= 2)
		scfg.arch_minor = 1;
	scfg.ats = sm->cfg.ats;
	scfg.coherent = sm->cfg.coherent;
	scfg.oas = sm->cfg.smmu_oas;
	scfg.asid16 = sm->cfg.asid16;
	scfg.granules = sm->cfg.granules;
	sm->smmu = smmu_create(&scfg, &sm->mem.bus);
	if (!sm->smmu)
		return -EINVAL;
	if (sm->cfg.btm)
		cpu_cluster_add_dvm_listener(sm->cpus, smmu_dvm_listener(sm->smmu));
	return 0;
}

static inline int sm_init_os(struct sm *sm)
{
	struct mm_system_cfg mcfg = { 0 };
	struct mmio_region mmio = smmu_mmio_region(sm->smmu);
	struct arm_smmu_sva_cfg scfg = { .asid_mode = sm->cfg.asid_mode, .cpu = &sm->sys };
	struct arm_smmu_probe_opts opts = {
		.vhe = cpu_cluster_is_vhe(sm->cpus),
		.broadcast_tlbi = sm->cfg.asid_mode == ARM_SMMU_SVA_ASID_SHARED,
	};
	int err;

	sm->asids = asid_allocator_create(sm->cfg.cpu_asid_bits, sm->cpus);
	if (!sm->asids)
		return -ENOMEM;
	mcfg.mem = &sm->mem;
	mcfg.frames = sm->pool;
	mcfg.cpus = sm->cpus;
	mcfg.asids = sm->asids;
	mcfg.pa_bits = sm->cfg.cpu_pa_bits;
	mcfg.hw_af_dirty = true;
	err = mm_system_init(&sm->sys, &mcfg);
	if (err)
		return err;
	mm_install_fault_handler(&sm->sys);
	sm->drv = arm_smmu_device_probe(&mmio, sm->pool, &opts, &err);
	if (!sm->drv)
		return err;
	pthread_mutex_init(&sm->irq_lock, NULL);
	pthread_cond_init(&sm->irq_cond, NULL);
	if (pthread_create(&sm->irq_thread, NULL, sm_irq_main, sm))
		return -EAGAIN;
	smmu_set_irq(sm->smmu, SMMU_IRQ_EVTQ, (struct irq_line){ sm_raise_evtq, sm });
	smmu_set_irq(sm->smmu, SMMU_IRQ_PRIQ, (struct irq_line){ sm_raise_priq, sm });
	smmu_set_irq(sm->smmu, SMMU_IRQ_GERROR, (struct irq_line){ sm_raise_gerror, sm });
	err = iommu_core_init(&sm->core, IOMMU_PASID_BITS, sm->cfg.iopf_workers);
	if (err)
		return err;
	return arm_smmu_sva_init(sm->drv, &scfg);
}

/* Build the machine. 0 or -errno (then sm_fini() what was built anyway). */
static inline int sm_init(struct sm *sm, const struct sm_cfg *cfg)
{
	int ret;

	memset(sm, 0, sizeof(*sm));
	sm->cfg = *cfg;
	mm_bind_cpu(0);
	ret = sm_init_hw(sm);
	if (!ret)
		ret = sm_init_os(sm);
	if (!ret)
		sm->baseline = sm_frames(sm);
	return ret;
}

/* ---- Devices ------------------------------------------------------------- */

static inline struct sm_dev *sm_dev_slot(struct sm *sm, uint32_t sid)
{
	unsigned int i;

	for (i = 0; i < SM_MAX_DEVS; i++) {
		if (!sm->devs[i].in_use) {
			memset(&sm->devs[i], 0, sizeof(sm->devs[i]));
			sm->devs[i].in_use = true;
			sm->devs[i].sm = sm;
			sm->devs[i].sid = sid;
			return &sm->devs[i];
		}
	}
	return NULL;
}

/* Probe the master of @d and enable IOPF (+ SVA if @sva). */
static inline int sm_dev_probe(struct sm *sm, struct sm_dev *d, struct arm_smmu_master_desc *desc,
			       bool sva)
{
	int err;

	desc->sids = &d->sid;
	desc->num_sids = 1;
	d->master = arm_smmu_probe_device(sm->drv, desc, &err);
	if (!d->master)
		return err;
	arm_smmu_iommu_device_init(&d->dev, &sm->core, d->master);
	err = iommu_dev_enable_feature(&d->dev, IOMMU_DEV_FEAT_IOPF);
	if (!err && sva)
		err = iommu_dev_enable_feature(&d->dev, IOMMU_DEV_FEAT_SVA);
	return err;
}

/*
 * A PCIe function with PASID (@pasid_bits, 0: none), ATS (if the machine
 * has it) and PRI (if @pri). @sva: enable the SVA feature too.
 */
static inline struct sm_dev *sm_add_pci(struct sm *sm, uint32_t sid, unsigned int pasid_bits,
					bool pri, bool sva, int *err)
{
	struct arm_smmu_master_desc desc = { .ssid_bits = pasid_bits, .name = "pci" };
	struct sm_dev *d = sm_dev_slot(sm, sid);
	struct ep_config ecfg;

	*err = -ENOSPC;
	if (!d)
		return NULL;
	ep_config_default(&ecfg, sid);
	ecfg.func.ats = sm->cfg.ats;
	ecfg.func.pri = pri;
	ecfg.func.pasid = pasid_bits > 0;
	ecfg.func.pasid_width = pasid_bits;
	ecfg.func.pri_pasid_required = pri && pasid_bits;
	ecfg.pri_timeout_ms = 10000;
	d->ep = ep_create(&ecfg, &sm->mem.bus, NULL);
	*err = -ENOMEM;
	if (!d->ep)
		return NULL;
	*err = ep_attach_smmu(d->ep, sm->smmu);
	if (*err)
		return NULL;
	pcie_cfg_write16(ep_cfg(d->ep), PCIE_CFG_COMMAND, PCIE_COMMAND_MEMORY | PCIE_COMMAND_MASTER);
	*err = pci_dev_init(&d->pdev, &sm_pci_ops, ep_cfg(d->ep), "pci");
	if (*err)
		return NULL;
	desc.pdev = &d->pdev;
	*err = sm_dev_probe(sm, d, &desc, sva);
	return *err ? NULL : d;
}

/* A platform device; @stall: it tolerates stalls (IOPF by stall). */
static inline struct sm_dev *sm_add_platform(struct sm *sm, uint32_t sid, unsigned int ssid_bits,
					     bool stall, bool sva, int *err)
{
	struct arm_smmu_master_desc desc = {
		.ssid_bits = ssid_bits, .stall_capable = stall, .name = "platform",
	};
	struct sm_dev *d = sm_dev_slot(sm, sid);
	struct ep_config ecfg;

	*err = -ENOSPC;
	if (!d)
		return NULL;
	ep_config_platform(&ecfg, sid);
	d->ep = ep_create(&ecfg, &sm->mem.bus, NULL);
	*err = -ENOMEM;
	if (!d->ep)
		return NULL;
	*err = ep_attach_smmu(d->ep, sm->smmu);
	if (!*err)
		*err = sm_dev_probe(sm, d, &desc, sva);
	return *err ? NULL : d;
}

static inline void sm_dev_remove(struct sm_dev *d)
{
	if (!d || !d->in_use)
		return;
	if (d->master) {
		iommu_device_fini(&d->dev);
		arm_smmu_release_device(d->master);
	}
	d->master = NULL;
	d->in_use = false;
}

/*
 * Device DMA of @len bytes at @va in @pasid's address space (@pasid 0: no
 * PASID). Faults are resolved on the way (PRI or stall) where possible.
 * 0, or the endpoint's error (-EFAULT, -EIO, ...); a terminated access
 * (RAZ/WI) is -EIO too.
 */
static inline int sm_dma(struct sm_dev *d, uint32_t pasid, uint64_t va, void *buf, size_t len,
			 bool write)
{
	uint8_t *p = buf;
	struct ep_xlate xl;
	size_t n;
	int ret;

	while (len) {
		struct ep_access a = {
			.pv = pasid != 0, .pasid = pasid, .addr = va,
			.acc = write ? WALK_ACC_WRITE : WALK_ACC_READ, .fault_in = true,
		};

		ret = ep_translate(d->ep, &a, &xl);
		if (ret)
			return ret;
		n = xl.len < len ? (size_t)xl.len : len;
		if (xl.razwi)
			ret = -EIO;
		else if (write)
			ret = bus_write(ep_bus(d->ep), xl.pa, p, n);
		else
			ret = bus_read(ep_bus(d->ep), xl.pa, p, n);
		ep_access_end(d->ep, &xl);
		if (ret)
			return ret;
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}

/* ---- Processes ------------------------------------------------------------ */

/* A new process running on CPU @cpu (so it has a CPU ASID), or NULL. */
static inline struct mm *sm_process(struct sm *sm, unsigned int cpu)
{
	struct mm *mm = mm_create(&sm->sys);

	if (mm)
		mm_switch(&sm->sys, mm, cpu);
	return mm;
}

/* The CPU side of the process: store through CPU @cpu's MMU. */
static inline int sm_cpu_write(struct sm *sm, unsigned int cpu, uint64_t va, const void *buf,
			       size_t len)
{
	return cpu_write(cpu_get(sm->cpus, cpu), va, buf, len, 0);
}

static inline int sm_cpu_read(struct sm *sm, unsigned int cpu, uint64_t va, void *buf, size_t len)
{
	return cpu_read(cpu_get(sm->cpus, cpu), va, buf, len, 0);
}

/* ---- Teardown ----------------------------------------------------------------- */

/*
 * Remove the devices; every bond must be gone and the devices quiet. The
 * queues are drained first: the driver's handlers look masters up without
 * a reference, so none may be running for a master being released.
 */
static inline void sm_remove_devs(struct sm *sm)
{
	unsigned int i;

	if (sm->drv) {
		arm_smmu_evtq_irq(sm->drv);
		arm_smmu_priq_irq(sm->drv);
	}

	for (i = 0; i < SM_MAX_DEVS; i++)
		sm_dev_remove(&sm->devs[i]);
}

static inline void sm_fini(struct sm *sm)
{
	unsigned int i;

	sm_remove_devs(sm);
	for (i = 0; i < SM_NR_CPUS; i++)
		mm_switch(&sm->sys, NULL, i);
	if (sm->drv) {
		/* No handler may run while the driver goes away. */
		for (i = SMMU_IRQ_EVTQ; i <= SMMU_IRQ_GERROR; i++)
			smmu_set_irq(sm->smmu, i, (struct irq_line){ NULL, NULL });
		pthread_mutex_lock(&sm->irq_lock);
		sm->irq_stop = true;
		pthread_cond_signal(&sm->irq_cond);
		pthread_mutex_unlock(&sm->irq_lock);
		pthread_join(sm->irq_thread, NULL);
		arm_smmu_sva_fini(sm->drv);
		arm_smmu_device_remove(sm->drv);
	}
	if (sm->core.pasids)
		iommu_core_fini(&sm->core);
	if (sm->cfg.btm && sm->smmu)
		cpu_cluster_del_dvm_listener(sm->cpus, smmu_dvm_listener(sm->smmu));
	smmu_destroy(sm->smmu);
	for (i = 0; i < SM_MAX_DEVS; i++)
		ep_destroy(sm->devs[i].ep);
	if (sm->sys.mem)
		mm_system_fini(&sm->sys);
	if (sm->asids)
		asid_allocator_destroy(sm->asids);
	cpu_cluster_destroy(sm->cpus);
	frame_pool_destroy(sm->pool);
	phys_mem_fini(&sm->mem);
}

#endif /* TESTS_UNIT_SVA_MACHINE_H */
