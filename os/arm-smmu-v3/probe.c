// SPDX-License-Identifier: GPL-2.0
/*
 * Probe and reset: decode the ID registers once into a feature bitmask and
 * a few sizes, allocate the queues and the stream table, and bring the SMMU
 * up in the order the architecture requires (§6.3.9 CR0/CR0ACK handshakes):
 * disabled and aborting first, tables and queues programmed, caches and
 * TLBs invalidated, interrupts enabled, translation enabled last.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"

/* Driver limits on queue sizes (the SMMU may offer more). */
#define ARM_SMMU_CMDQ_MAX_LOG2		12
#define ARM_SMMU_EVTQ_MAX_LOG2		11
#define ARM_SMMU_PRIQ_MAX_LOG2		11

#define ARM_SMMU_ACK_TIMEOUT_NS		(5ull * 1000 * 1000 * 1000)

/* ---- Coherent memory from the frame allocator ----------------------------- */

unsigned int arm_smmu_order_for(struct arm_smmu_device *smmu, uint64_t bytes)
{
	unsigned int shift = frame_page_shift(smmu->pool), order = 0;

	while ((1ull << (shift + order)) < bytes)
		order++;
	return order;
}

uint64_t arm_smmu_alloc_coherent(struct arm_smmu_device *smmu, uint64_t bytes,
				 unsigned int *order, void **va)
{
	uint64_t pa;

	*order = arm_smmu_order_for(smmu, bytes);
	if (*order > FRAME_MAX_ORDER)
		return 0;
	pa = frame_alloc_order(smmu->pool, *order, FRAME_ZERO);
	if (pa && va)
		*va = arm_smmu_va(smmu, pa, bytes);
	return pa;
}

void arm_smmu_free_coherent(struct arm_smmu_device *smmu, uint64_t pa, unsigned int order)
{
	frame_free_order(smmu->pool, pa, order);
}

/* ---- ID registers ---------------------------------------------------------- */

static void probe_idr0(struct arm_smmu_device *smmu, uint32_t reg, bool vhe)
{
	if (FIELD_GET(SMMU_IDR0_ST_LEVEL, reg) == SMMU_IDR0_ST_LEVEL_2LVL)
		smmu->features |= ARM_SMMU_FEAT_2_LVL_STRTAB;
	if (reg & SMMU_IDR0_CD2L)
		smmu->features |= ARM_SMMU_FEAT_2_LVL_CDTAB;
	if (FIELD_GET(SMMU_IDR0_TTENDIAN, reg) != SMMU_IDR0_TTENDIAN_BE)
		smmu->features |= ARM_SMMU_FEAT_TT_LE;
	if (reg & SMMU_IDR0_PRI)
		smmu->features |= ARM_SMMU_FEAT_PRI;
	if (reg & SMMU_IDR0_ATS)
		smmu->features |= ARM_SMMU_FEAT_ATS;
	if (reg & SMMU_IDR0_SEV)
		smmu->features |= ARM_SMMU_FEAT_SEV;
	if (reg & SMMU_IDR0_MSI)
		smmu->features |= ARM_SMMU_FEAT_MSI;
	if (reg & SMMU_IDR0_COHACC)
		smmu->features |= ARM_SMMU_FEAT_COHERENCY;
	if (reg & SMMU_IDR0_HYP) {
		smmu->features |= ARM_SMMU_FEAT_HYP;
		if (vhe)
			smmu->features |= ARM_SMMU_FEAT_E2H;
	}
	/*
	 * With a VHE host the CPUs broadcast EL2&0 TLBIs; an SMMU without
	 * HYP only holds EL1&0 entries and would miss them: no BTM then.
	 */
	if ((reg & SMMU_IDR0_BTM) && (!vhe || (reg & SMMU_IDR0_HYP)))
		smmu->features |= ARM_SMMU_FEAT_BTM;
	switch (FIELD_GET(SMMU_IDR0_HTTU, reg)) {
	case SMMU_IDR0_HTTU_AF_DIRTY:
		smmu->features |= ARM_SMMU_FEAT_HD;
		__attribute__((fallthrough));
	case SMMU_IDR0_HTTU_AF:
		smmu->features |= ARM_SMMU_FEAT_HA;
	}
	switch (FIELD_GET(SMMU_IDR0_STALL_MODEL, reg)) {
	case SMMU_IDR0_STALL_MODEL_FORCE:
		smmu->features |= ARM_SMMU_FEAT_STALL_FORCE;
		__attribute__((fallthrough));
	case SMMU_IDR0_STALL_MODEL_STALL:
		smmu->features |= ARM_SMMU_FEAT_STALLS;
	}
	if (reg & SMMU_IDR0_S1P)
		smmu->features |= ARM_SMMU_FEAT_TRANS_S1;
	if (reg & SMMU_IDR0_S2P)
		smmu->features |= ARM_SMMU_FEAT_TRANS_S2;
	if (reg & SMMU_IDR0_ASID16)
		smmu->features |= ARM_SMMU_FEAT_ASID16;
	if (reg & SMMU_IDR0_VMID16)
		smmu->features |= ARM_SMMU_FEAT_VMID16;
	smmu->asid_bits = (reg & SMMU_IDR0_ASID16) ? 16 : 8;
	smmu->vmid_bits = (reg & SMMU_IDR0_VMID16) ? 16 : 8;
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

static int probe_idr1(struct arm_smmu_device *smmu, uint32_t reg)
{
	if (reg & (SMMU_IDR1_TABLES_PRESET | SMMU_IDR1_QUEUES_PRESET)) {
		dev_err(smmu, "embedded tables or queues are not supported");
		return -ENODEV;
	}
	if (reg & SMMU_IDR1_ATTR_TYPES_OVR)
		smmu->features |= ARM_SMMU_FEAT_ATTR_TYPES_OVR;
	smmu->cmdq.q.log2 = min_u(FIELD_GET(SMMU_IDR1_CMDQS, reg), ARM_SMMU_CMDQ_MAX_LOG2);
	smmu->evtq.log2 = min_u(FIELD_GET(SMMU_IDR1_EVENTQS, reg), ARM_SMMU_EVTQ_MAX_LOG2);
	smmu->priq.log2 = min_u(FIELD_GET(SMMU_IDR1_PRIQS, reg), ARM_SMMU_PRIQ_MAX_LOG2);
	smmu->ssid_bits = FIELD_GET(SMMU_IDR1_SSIDSIZE, reg);
	smmu->sid_bits = FIELD_GET(SMMU_IDR1_SIDSIZE, reg);
	/* A level-1 table only pays off above one level-2 table's worth of SIDs. */
	if (smmu->sid_bits <= STRTAB_SPLIT)
		smmu->features &= ~ARM_SMMU_FEAT_2_LVL_STRTAB;
	return 0;
}

static void probe_idr5(struct arm_smmu_device *smmu, uint32_t reg)
{
	static const unsigned char oas_bits[] = { 32, 36, 40, 42, 44, 48, 52, 56 };

	smmu->stall_max = FIELD_GET(SMMU_IDR5_STALL_MAX, reg);
	if (reg & SMMU_IDR5_GRAN64K)
		smmu->pgsize_bitmap |= (1ull << 16) | (1ull << 29);
	if (reg & SMMU_IDR5_GRAN16K)
		smmu->pgsize_bitmap |= (1ull << 14) | (1ull << 25);
	if (reg & SMMU_IDR5_GRAN4K)
		smmu->pgsize_bitmap |= (1ull << 12) | (1ull << 21) | (1ull << 30);
	if (FIELD_GET(SMMU_IDR5_VAX, reg) == SMMU_IDR5_VAX_52)
		smmu->features |= ARM_SMMU_FEAT_VAX;
	smmu->oas = oas_bits[FIELD_GET(SMMU_IDR5_OAS, reg)];
	smmu->ias = (smmu->features & ARM_SMMU_FEAT_VAX) ? 52 : 48;
}

int arm_smmu_device_hw_probe(struct arm_smmu_device *smmu, const uint32_t idr[6], bool vhe)
{
	int ret;

	memcpy(smmu->idr, idr, sizeof(smmu->idr));
	smmu->features = 0;
	smmu->pgsize_bitmap = 0;
	probe_idr0(smmu, idr[0], vhe);
	if (!(smmu->features & ARM_SMMU_FEAT_TRANS_S1)) {
		dev_err(smmu, "no stage-1 translation: not supported");
		return -ENODEV;
	}
	if (!(FIELD_GET(SMMU_IDR0_TTF, idr[0]) & SMMU_IDR0_TTF_AARCH64)) {
		dev_err(smmu, "AArch64 tables not supported");
		return -ENODEV;
	}
	if (!(smmu->features & ARM_SMMU_FEAT_TT_LE)) {
		dev_err(smmu, "big-endian-only table walks: not supported");
		return -ENODEV;
	}
	ret = probe_idr1(smmu, idr[1]);
	if (ret)
		return ret;
	if (idr[3] & SMMU_IDR3_RIL)
		smmu->features |= ARM_SMMU_FEAT_RANGE_INV;
	probe_idr5(smmu, idr[5]);
	if (!smmu->pgsize_bitmap) {
		dev_err(smmu, "no usable granule");
		return -ENODEV;
	}
	/* SVA shares CPU page tables: coherent walks and the CPU's 4K granule. */
	if ((smmu->features & ARM_SMMU_FEAT_COHERENCY) && (smmu->pgsize_bitmap & (1ull << 12)))
		smmu->features |= ARM_SMMU_FEAT_SVA;
	return 0;
}

/* ---- Queues ---------------------------------------------------------------- */

static int init_one_queue(struct arm_smmu_device *smmu, struct arm_smmu_queue *q,
			  unsigned int ent_dwords, uint32_t prod_reg, uint32_t cons_reg)
{
	void *va;

	q->ent_dwords = ent_dwords;
	q->base_pa = arm_smmu_alloc_coherent(smmu, ((uint64_t)ent_dwords * 8) << q->log2,
					     &q->order, &va);
	if (!q->base_pa)
		return -ENOMEM;
	q->base = va;
	q->prod_reg = prod_reg;
	q->cons_reg = cons_reg;
	q->cons = 0;
	q->q_base = SMMU_Q_BASE_RWA | (q->base_pa & SMMU_Q_BASE_ADDR) |
		    FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, q->log2);
	return 0;
}

static void free_one_queue(struct arm_smmu_device *smmu, struct arm_smmu_queue *q)
{
	if (q->base_pa)
		arm_smmu_free_coherent(smmu, q->base_pa, q->order);
	q->base_pa = 0;
	q->base = NULL;
}

static int init_queues(struct arm_smmu_device *smmu)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	int ret;

	ret = init_one_queue(smmu, &cmdq->q, CMD_DWORDS, SMMU_CMDQ_PROD, SMMU_CMDQ_CONS);
	if (ret)
		return ret;
	cmdq->sync_word_pa = frame_alloc(smmu->pool, FRAME_ZERO);
	if (!cmdq->sync_word_pa)
		return -ENOMEM;
	cmdq->sync_word = arm_smmu_va(smmu, cmdq->sync_word_pa, sizeof(uint32_t));
	ret = init_one_queue(smmu, &smmu->evtq, EVT_DWORDS, SMMU_EVENTQ_PROD, SMMU_EVENTQ_CONS);
	if (ret)
		return ret;
	if (!(smmu->features & ARM_SMMU_FEAT_PRI))
		return 0;
	return init_one_queue(smmu, &smmu->priq, PRIQ_DWORDS, SMMU_PRIQ_PROD, SMMU_PRIQ_CONS);
}

/* ---- Reset ------------------------------------------------------------------ */

/* Poll @reg until (value & @mask) == @want, bounded. */
static int poll_reg(struct arm_smmu_device *smmu, uint32_t reg, uint32_t mask, uint32_t want)
{
	struct timespec start, now;
	unsigned int spins = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((mmio_read32(&smmu->mmio, reg) & mask) != want) {
		if (++spins % 64)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - start.tv_sec) * 1000000000ull +
		    (uint64_t)(now.tv_nsec - start.tv_nsec) > ARM_SMMU_ACK_TIMEOUT_NS)
			return -ETIMEDOUT;
		sched_yield();
	}
	return 0;
}

/* Write a register with an ACK twin (CR0/CR0ACK, IRQ_CTRL/ACK) and wait for it. */
static int write_reg_sync(struct arm_smmu_device *smmu, uint32_t val, uint32_t reg, uint32_t ack)
{
	mmio_write32(&smmu->mmio, reg, val);
	return poll_reg(smmu, ack, ~0u, val);
}

/* §6.3.14: GBPA changes take effect through the Update handshake. */
static int update_gbpa(struct arm_smmu_device *smmu, uint32_t set, uint32_t clr)
{
	uint32_t reg;
	int ret;

	ret = poll_reg(smmu, SMMU_GBPA, SMMU_GBPA_UPDATE, 0);
	if (ret)
		return ret;
	reg = mmio_read32(&smmu->mmio, SMMU_GBPA);
	reg = (reg & ~clr) | set;
	mmio_write32(&smmu->mmio, SMMU_GBPA, reg | SMMU_GBPA_UPDATE);
	return poll_reg(smmu, SMMU_GBPA, SMMU_GBPA_UPDATE, 0);
}

/* Program one source's MSI (§6.3.19-21): address, data, Device-nGnRE. */
static void setup_msi(struct arm_smmu_device *smmu, enum arm_smmu_msi_index i)
{
	static const uint32_t regs[ARM_SMMU_NR_MSIS][3] = {
		[ARM_SMMU_MSI_GERROR] = { SMMU_GERROR_IRQ_CFG0, SMMU_GERROR_IRQ_CFG1,
					  SMMU_GERROR_IRQ_CFG2 },
		[ARM_SMMU_MSI_EVTQ] = { SMMU_EVENTQ_IRQ_CFG0, SMMU_EVENTQ_IRQ_CFG1,
					SMMU_EVENTQ_IRQ_CFG2 },
		[ARM_SMMU_MSI_PRIQ] = { SMMU_PRIQ_IRQ_CFG0, SMMU_PRIQ_IRQ_CFG1,
					SMMU_PRIQ_IRQ_CFG2 },
	};
	uint64_t addr = smmu->msi_doorbell_pa ? smmu->msi_doorbell_pa + 4 * i : 0;

	/* Address 0 disables the MSI: the interrupt is wired. */
	mmio_write64(&smmu->mmio, regs[i][0], addr & SMMU_IRQ_CFG0_ADDR);
	if (!addr)
		return;
	mmio_write32(&smmu->mmio, regs[i][1], ARM_SMMU_MSI_DATA(i));
	mmio_write32(&smmu->mmio, regs[i][2], FIELD_PREP(SMMU_IRQ_CFG2_MEMATTR, 0x1));
}

static int setup_irqs(struct arm_smmu_device *smmu, bool msi)
{
	uint32_t irqen = SMMU_IRQ_CTRL_GERROR_IRQEN | SMMU_IRQ_CTRL_EVENTQ_IRQEN;
	int ret;

	/* MSI configuration is only writable while the interrupt is disabled. */
	ret = write_reg_sync(smmu, 0, SMMU_IRQ_CTRL, SMMU_IRQ_CTRLACK);
	if (ret)
		return ret;
	if (msi && (smmu->features & ARM_SMMU_FEAT_MSI) && !smmu->msi_doorbell_pa) {
		smmu->msi_doorbell_pa = frame_alloc(smmu->pool, FRAME_ZERO);
		if (!smmu->msi_doorbell_pa)
			return -ENOMEM;
	}
	setup_msi(smmu, ARM_SMMU_MSI_GERROR);
	setup_msi(smmu, ARM_SMMU_MSI_EVTQ);
	if (smmu->features & ARM_SMMU_FEAT_PRI) {
		setup_msi(smmu, ARM_SMMU_MSI_PRIQ);
		irqen |= SMMU_IRQ_CTRL_PRIQ_IRQEN;
	}
	return write_reg_sync(smmu, irqen, SMMU_IRQ_CTRL, SMMU_IRQ_CTRLACK);
}

static int invalidate_all(struct arm_smmu_device *smmu)
{
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMD_OP_CFGI_STE_RANGE,
		.cfgi = { .span = CMD_CFGI_RANGE_ALL },
	};
	int ret;

	ret = arm_smmu_cmdq_issue_cmd_with_sync(smmu, &cmd);
	if (ret)
		return ret;
	if (smmu->features & ARM_SMMU_FEAT_HYP) {
		cmd = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_TLBI_EL2_ALL };
		arm_smmu_cmdq_issue_cmd(smmu, &cmd);
	}
	cmd = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_TLBI_NSNH_ALL };
	return arm_smmu_cmdq_issue_cmd_with_sync(smmu, &cmd);
}

static int enable_queue(struct arm_smmu_device *smmu, struct arm_smmu_queue *q,
			uint32_t base_reg, uint32_t *enables, uint32_t bit)
{
	mmio_write64(&smmu->mmio, base_reg, q->q_base);
	mmio_write32(&smmu->mmio, q->prod_reg, 0);
	mmio_write32(&smmu->mmio, q->cons_reg, 0);
	q->cons = 0;
	*enables |= bit;
	return write_reg_sync(smmu, *enables, SMMU_CR0, SMMU_CR0ACK);
}

static int device_disable(struct arm_smmu_device *smmu)
{
	return write_reg_sync(smmu, 0, SMMU_CR0, SMMU_CR0ACK);
}

/*
 * Attributes of the SMMU's own table and queue accesses (§6.3.11): cached
 * and inner shareable when it is coherent with the CPUs, otherwise
 * non-cacheable outer shareable, as the CPUs' writes reach memory.
 */
static uint32_t reset_cr1(struct arm_smmu_device *smmu)
{
	bool coherent = smmu->features & ARM_SMMU_FEAT_COHERENCY;
	uint32_t cache = coherent ? SMMU_CR1_CACHE_WB : SMMU_CR1_CACHE_NC;
	uint32_t sh = coherent ? SMMU_SH_ISH : SMMU_SH_OSH;

	return FIELD_PREP(SMMU_CR1_TABLE_SH, sh) |
	       FIELD_PREP(SMMU_CR1_TABLE_OC, cache) |
	       FIELD_PREP(SMMU_CR1_TABLE_IC, cache) |
	       FIELD_PREP(SMMU_CR1_QUEUE_SH, sh) |
	       FIELD_PREP(SMMU_CR1_QUEUE_OC, cache) |
	       FIELD_PREP(SMMU_CR1_QUEUE_IC, cache);
}

static int device_reset(struct arm_smmu_device *smmu, const struct arm_smmu_probe_opts *opts)
{
	bool bypass = opts->bypass;
	uint32_t enables = 0;
	uint32_t cr2;
	int ret;

	/* Whatever ran before, stop translating: abort while we reprogram. */
	ret = update_gbpa(smmu, bypass ? 0 : SMMU_GBPA_ABORT, bypass ? SMMU_GBPA_ABORT : 0);
	if (!ret)
		ret = device_disable(smmu);
	if (ret)
		return ret;

	mmio_write32(&smmu->mmio, SMMU_CR1, reset_cr1(smmu));
	/*
	 * RECINVSID: report unknown StreamIDs. PTM (private TLB maintenance,
	 * SMMUv3 §3.17, §6.3.12) is cleared only where broadcast TLB
	 * maintenance is used: shared ASIDs with IDR0.BTM. Otherwise the SMMU
	 * may ignore the CPUs' TLBIs, which would only over-invalidate it.
	 */
	cr2 = SMMU_CR2_RECINVSID | SMMU_CR2_PTM;
	smmu->options &= ~ARM_SMMU_OPT_BROADCAST_TLBI;
	if (opts->broadcast_tlbi && (smmu->features & ARM_SMMU_FEAT_BTM)) {
		cr2 &= ~SMMU_CR2_PTM;
		smmu->options |= ARM_SMMU_OPT_BROADCAST_TLBI;
	}
	if (smmu->features & ARM_SMMU_FEAT_E2H)
		cr2 |= SMMU_CR2_E2H;
	mmio_write32(&smmu->mmio, SMMU_CR2, cr2);

	mmio_write64(&smmu->mmio, SMMU_STRTAB_BASE, smmu->strtab_cfg.strtab_base);
	mmio_write32(&smmu->mmio, SMMU_STRTAB_BASE_CFG, smmu->strtab_cfg.strtab_base_cfg);

	smmu->cmdq.prod64 = smmu->cmdq.cons64 = 0;
	ret = enable_queue(smmu, &smmu->cmdq.q, SMMU_CMDQ_BASE, &enables, SMMU_CR0_CMDQEN);
	if (!ret)
		ret = invalidate_all(smmu);
	if (!ret)
		ret = enable_queue(smmu, &smmu->evtq, SMMU_EVENTQ_BASE, &enables,
				   SMMU_CR0_EVENTQEN);
	if (!ret && (smmu->features & ARM_SMMU_FEAT_PRI))
		ret = enable_queue(smmu, &smmu->priq, SMMU_PRIQ_BASE, &enables, SMMU_CR0_PRIQEN);
	if (!ret && (smmu->features & ARM_SMMU_FEAT_ATS)) {
		/* Translated transactions only from streams with EATS set. */
		enables |= SMMU_CR0_ATSCHK;
		ret = write_reg_sync(smmu, enables, SMMU_CR0, SMMU_CR0ACK);
	}
	if (!ret)
		ret = setup_irqs(smmu, opts->msi_irqs);
	if (ret)
		return ret;
	enables |= SMMU_CR0_SMMUEN;
	return write_reg_sync(smmu, enables, SMMU_CR0, SMMU_CR0ACK);
}

/* ---- Lifetime ---------------------------------------------------------------- */

static void free_resources(struct arm_smmu_device *smmu)
{
	arm_smmu_free_strtab(smmu);
	free_one_queue(smmu, &smmu->priq);
	free_one_queue(smmu, &smmu->evtq);
	free_one_queue(smmu, &smmu->cmdq.q);
	if (smmu->cmdq.sync_word_pa)
		frame_put(smmu->pool, smmu->cmdq.sync_word_pa);
	if (smmu->msi_doorbell_pa)
		frame_put(smmu->pool, smmu->msi_doorbell_pa);
	free(smmu->asid_map);
	pthread_mutex_destroy(&smmu->cmdq.lock);
	pthread_mutex_destroy(&smmu->cmdq.err_lock);
	pthread_mutex_destroy(&smmu->evtq_lock);
	pthread_mutex_destroy(&smmu->priq_lock);
	pthread_cond_destroy(&smmu->master_idle);
	pthread_mutex_destroy(&smmu->lock);
	free(smmu);
}

static struct arm_smmu_device *device_alloc(const struct mmio_region *mmio,
					    struct frame_pool *pool)
{
	struct arm_smmu_device *smmu = calloc(1, sizeof(*smmu));

	if (!smmu)
		return NULL;
	smmu->name = ARM_SMMU_DRV_NAME;
	smmu->mmio = *mmio;
	smmu->pool = pool;
	smmu->mem = frame_pool_mem(pool);
	pthread_mutex_init(&smmu->cmdq.lock, NULL);
	pthread_mutex_init(&smmu->cmdq.err_lock, NULL);
	pthread_mutex_init(&smmu->evtq_lock, NULL);
	pthread_mutex_init(&smmu->priq_lock, NULL);
	pthread_mutex_init(&smmu->lock, NULL);
	pthread_cond_init(&smmu->master_idle, NULL);
	return smmu;
}

struct arm_smmu_device *arm_smmu_device_probe(const struct mmio_region *mmio,
					      struct frame_pool *pool,
					      const struct arm_smmu_probe_opts *opts, int *err)
{
	struct arm_smmu_probe_opts none = { 0 };
	struct arm_smmu_device *smmu;
	uint32_t idr[6];
	unsigned int i;
	int ret;

	if (!opts)
		opts = &none;
	smmu = device_alloc(mmio, pool);
	if (!smmu) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < 6; i++)
		idr[i] = mmio_read32(mmio, SMMU_IDR0 + 4 * i);
	ret = arm_smmu_device_hw_probe(smmu, idr, opts->vhe);
	if (ret)
		goto err_free;
	/* Polling a word written by the SMMU needs coherent MSI writes. */
	if ((smmu->features & ARM_SMMU_FEAT_MSI) && (smmu->features & ARM_SMMU_FEAT_COHERENCY) &&
	    !opts->disable_msipoll)
		smmu->options |= ARM_SMMU_OPT_MSIPOLL;

	ret = -ENOMEM;
	smmu->asid_map = calloc(1u << smmu->asid_bits, sizeof(*smmu->asid_map));
	if (!smmu->asid_map)
		goto err_free;
	ret = init_queues(smmu);
	if (!ret)
		ret = arm_smmu_init_strtab(smmu);
	if (!ret)
		ret = device_reset(smmu, opts);
	if (ret)
		goto err_free;
	*err = 0;
	return smmu;

err_free:
	free_resources(smmu);
	*err = ret;
	return NULL;
}

void arm_smmu_device_remove(struct arm_smmu_device *smmu)
{
	if (!smmu)
		return;
	/* Abort, not bypass, once translation is off: GBPA first. */
	update_gbpa(smmu, SMMU_GBPA_ABORT, 0);
	device_disable(smmu);
	write_reg_sync(smmu, 0, SMMU_IRQ_CTRL, SMMU_IRQ_CTRLACK);
	free_resources(smmu);
}
