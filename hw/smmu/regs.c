// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO programming interface (§6): page 0 (ID, control, error, table
 * and queue base registers, CMDQ indexes) and page 1 (event and PRI queue
 * indexes), plus the interrupt and global-error outputs that the rest of
 * the model signals through.
 *
 * Rules applied here (§6.3): registers a block is using are read-only
 * while it is enabled (STRTAB_* while SMMUEN, a queue's BASE and the
 * SMMU-owned index while the queue is enabled, CR1's queue attributes
 * while any queue is and its table attributes while SMMUEN, CR2 while
 * SMMUEN, an MSI configuration while its IRQ is enabled); GBPA
 * changes only through its Update protocol; reserved bits, unimplemented
 * and misaligned offsets read as zero and ignore writes.
 *
 * A CR0 field is acknowledged in CR0ACK once its effect is complete: queue
 * enables after in-progress records have landed, CMDQEN by the command
 * consumer itself, after it has started or stopped (cmdq.c).
 */
#include <errno.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"

/* ---- Interrupts and global errors -------------------------------------- */

/*
 * An MSI is one single-copy-atomic 32-bit write (§3.18): a waiter polling
 * the word never sees half of it. The bus offers 64-bit atomics, so the
 * word is replaced inside its doubleword with compare-and-swap.
 */
int smmu_msi_write(struct smmu *smmu, uint64_t addr, uint32_t data)
{
	uint64_t dw = addr & ~7ull, old, new;
	unsigned int shift = (addr & 4) ? 32 : 0;
	int ret;

	ret = bus_read64(&smmu->bus, dw, &old);
	while (!ret) {
		new = (old & ~(0xffffffffull << shift)) | ((uint64_t)data << shift);
		ret = bus_cmpxchg64(&smmu->bus, dw, &old, new);
		if (ret != -EAGAIN)
			break;
		ret = 0;
	}
	return ret;
}

void smmu_signal_irq(struct smmu *smmu, enum smmu_irq irq,
		     const struct smmu_msi_cfg *msi, uint32_t msi_abt_err)
{
	uint64_t addr;

	if (msi && smmu->cfg.msi) {
		addr = atomic_load(&msi->cfg0) & SMMU_IRQ_CFG0_ADDR;
		if (addr && smmu_msi_write(smmu, addr, atomic_load(&msi->cfg1))) {
			/* §7.5: the MSI was lost; report it, no interrupt. */
			smmu_gerror_raise(smmu, msi_abt_err);
			return;
		}
	}
	irq_raise(&smmu->irq[irq]);
}

void smmu_gerror_raise(struct smmu *smmu, uint32_t bits)
{
	uint32_t active, fresh;

	pthread_mutex_lock(&smmu->gerror_lock);
	active = atomic_load(&smmu->gerror) ^ atomic_load(&smmu->gerrorn);
	/* §7.5: an error already active is not toggled again. */
	fresh = bits & SMMU_GERROR_ERR_MASK & ~active;
	if (fresh)
		atomic_fetch_xor(&smmu->gerror, fresh);
	pthread_mutex_unlock(&smmu->gerror_lock);

	if (fresh & SMMU_GERROR_SFM_ERR)
		hw_log(&smmu->log, SVA_LOG_ERR, SMMU_LOG_ORIGIN,
		       "Service Failure Mode entered (GERROR %#x)", fresh);
	else if (fresh & ~SMMU_GERROR_CMDQ_ERR)
		hw_log(&smmu->log, SVA_LOG_WARNING, SMMU_LOG_ORIGIN, "global error (GERROR %#x)",
		       fresh);
	/*
	 * §7.5.1: every newly active error triggers the GERROR interrupt but
	 * MSI_GERROR_ABT_ERR: it says a GERROR MSI aborted, and another one to
	 * the same address would abort too.
	 */
	if ((fresh & ~SMMU_GERROR_MSI_GERROR_ABT_ERR) &&
	    (atomic_load(&smmu->irq_ctrl) & SMMU_IRQ_CTRL_GERROR_IRQEN))
		smmu_signal_irq(smmu, SMMU_IRQ_GERROR, &smmu->gerror_msi,
				SMMU_GERROR_MSI_GERROR_ABT_ERR);
}

static void smmu_write_gerrorn(struct smmu *smmu, uint32_t val)
{
	pthread_mutex_lock(&smmu->gerror_lock);
	atomic_store(&smmu->gerrorn, val & SMMU_GERROR_ERR_MASK);
	pthread_mutex_unlock(&smmu->gerror_lock);
	/* Acknowledging CMDQ_ERR restarts command consumption (§7.1). */
	smmu_cmdq_kick(smmu);
	/* Acknowledging EVENTQ_ABT_ERR makes the event queue writable again (§7.2.1). */
	smmu_evtq_wake(smmu);
}

/* ---- Stream table base ------------------------------------------------- */

void smmu_strtab(const struct smmu *smmu, uint64_t *base, uint32_t *cfg)
{
	uint32_t seq;

	do {
		seq = atomic_load(&smmu->strtab_seq);
		*base = atomic_load(&smmu->strtab_base);
		*cfg = atomic_load(&smmu->strtab_cfg);
	} while ((seq & 1) || seq != atomic_load(&smmu->strtab_seq));
}

/* Called with regs_lock held: the only writer. */
static void smmu_set_strtab(struct smmu *smmu, uint64_t base, uint32_t cfg)
{
	atomic_fetch_add(&smmu->strtab_seq, 1);
	atomic_store(&smmu->strtab_base, base);
	atomic_store(&smmu->strtab_cfg, cfg);
	atomic_fetch_add(&smmu->strtab_seq, 1);
}

/* ---- Control registers -------------------------------------------------- */

static uint32_t smmu_cr0_mask(const struct smmu *smmu)
{
	uint32_t mask = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN;

	if (smmu->cfg.pri)
		mask |= SMMU_CR0_PRIQEN;
	if (smmu->cfg.ats)
		mask |= SMMU_CR0_ATSCHK;
	return mask;
}

/* Is @bit set in CR0 or not yet acknowledged as clear (still in transition)? */
static bool smmu_cr0_busy(const struct smmu *smmu, uint32_t bit)
{
	return (atomic_load(&smmu->cr0) | atomic_load(&smmu->cr0ack)) & bit;
}

static void smmu_write_cr0(struct smmu *smmu, uint32_t val)
{
	uint32_t old = atomic_load(&smmu->cr0), changed, ack_bits;

	val &= smmu_cr0_mask(smmu);
	atomic_store(&smmu->cr0, val);
	changed = old ^ val;

	/*
	 * §6.3.9.4-5: a queue enable change completes once records in
	 * progress are in the queue; producers hold their lock while writing
	 * one. Stalls waiting for a writable queue look again.
	 */
	if (changed & SMMU_CR0_EVENTQEN)
		smmu_evtq_wake(smmu);
	if (changed & SMMU_CR0_PRIQEN) {
		pthread_mutex_lock(&smmu->priq_lock);
		pthread_mutex_unlock(&smmu->priq_lock);
	}
	/*
	 * §6.3.9.6: SMMUEN 1 -> 0 completes once every stalled transaction is
	 * marked for abort, those still waiting to be recorded included.
	 */
	if ((changed & SMMU_CR0_SMMUEN) && !(val & SMMU_CR0_SMMUEN)) {
		smmu_stall_disable(smmu);
		smmu_evtq_wake(smmu);
	}

	/* Everything but CMDQEN is acknowledged here; the consumer acks CMDQEN. */
	ack_bits = smmu_cr0_mask(smmu) & ~SMMU_CR0_CMDQEN;
	atomic_fetch_and(&smmu->cr0ack, ~(ack_bits & ~val));
	atomic_fetch_or(&smmu->cr0ack, ack_bits & val);
	if (changed & SMMU_CR0_CMDQEN)
		smmu_cmdq_kick(smmu);
}

/*
 * §6.3.11: QUEUE_* fields are read-only while any queue is enabled, TABLE_*
 * fields while SMMUEN (the v3.2 choice for writes at those times).
 */
static void smmu_write_cr1(struct smmu *smmu, uint32_t val)
{
	uint32_t queues = SMMU_CR0_PRIQEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN;
	uint32_t qmask = SMMU_CR1_QUEUE_IC | SMMU_CR1_QUEUE_OC | SMMU_CR1_QUEUE_SH;
	uint32_t tmask = SMMU_CR1_TABLE_IC | SMMU_CR1_TABLE_OC | SMMU_CR1_TABLE_SH;
	uint32_t writable = 0, cur = atomic_load(&smmu->cr1);

	if (!smmu_cr0_busy(smmu, queues))
		writable |= qmask;
	if (!smmu_cr0_busy(smmu, SMMU_CR0_SMMUEN))
		writable |= tmask;
	atomic_store(&smmu->cr1, (cur & ~writable) | (val & writable));
}

static void smmu_write_cr2(struct smmu *smmu, uint32_t val)
{
	uint32_t mask = SMMU_CR2_RECINVSID;

	if (smmu_cr0_busy(smmu, SMMU_CR0_SMMUEN))
		return;
	if (smmu->cfg.hyp)
		mask |= SMMU_CR2_E2H;
	if (smmu->cfg.btm)
		mask |= SMMU_CR2_PTM;
	if (smmu->cfg.ats_rec_err)
		mask |= SMMU_CR2_REC_CFG_ATS;
	atomic_store(&smmu->cr2, val & mask);
}

/* §6.3.14.1: only a write with Update == 1 changes GBPA (v3.2 behaviour). */
static void smmu_write_gbpa(struct smmu *smmu, uint32_t val)
{
	if (!(val & SMMU_GBPA_UPDATE))
		return;
	/*
	 * Transactions read GBPA atomically per transaction, so every one
	 * arriving after this store uses the new attributes: the update is
	 * complete at once and Update reads back as 0.
	 */
	atomic_store(&smmu->gbpa, val & SMMU_GBPA_FIELDS);
}

static void smmu_write_irq_ctrl(struct smmu *smmu, uint32_t val)
{
	uint32_t mask = SMMU_IRQ_CTRL_GERROR_IRQEN | SMMU_IRQ_CTRL_EVENTQ_IRQEN;

	if (smmu->cfg.pri)
		mask |= SMMU_IRQ_CTRL_PRIQ_IRQEN;
	atomic_store(&smmu->irq_ctrl, val & mask);
	atomic_store(&smmu->irq_ctrlack, val & mask);
}

/* ---- Register lookup ---------------------------------------------------- */

/*
 * The MSI configuration whose registers include @off, its IRQ_CTRL enable
 * bit, and @off relative to the block: 0 (CFG0, 4 its high half), 8 (CFG1)
 * or 12 (CFG2).
 */
static struct smmu_msi_cfg *smmu_msi_at(struct smmu *smmu, uint64_t off, uint32_t *irqen,
					unsigned int *rel)
{
	static const struct {
		uint64_t cfg0;
		uint32_t irqen;
	} blocks[] = {
		{ SMMU_GERROR_IRQ_CFG0, SMMU_IRQ_CTRL_GERROR_IRQEN },
		{ SMMU_EVENTQ_IRQ_CFG0, SMMU_IRQ_CTRL_EVENTQ_IRQEN },
		{ SMMU_PRIQ_IRQ_CFG0, SMMU_IRQ_CTRL_PRIQ_IRQEN },
	};
	struct smmu_msi_cfg *msi[] = { &smmu->gerror_msi, &smmu->evtq.msi, &smmu->priq.msi };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (off < blocks[i].cfg0 || off > blocks[i].cfg0 + 12)
			continue;
		if (msi[i] == &smmu->priq.msi && !smmu->cfg.pri)
			return NULL;
		*irqen = blocks[i].irqen;
		*rel = (unsigned int)(off - blocks[i].cfg0);
		return msi[i];
	}
	return NULL;
}

/* The queue whose BASE register is at @off, with its CR0 enable bit. */
static struct smmu_queue *smmu_queue_base_at(struct smmu *smmu, uint64_t off, uint32_t *en)
{
	switch (off) {
	case SMMU_CMDQ_BASE:
		*en = SMMU_CR0_CMDQEN;
		return &smmu->cmdq;
	case SMMU_EVENTQ_BASE:
		*en = SMMU_CR0_EVENTQEN;
		return &smmu->evtq;
	case SMMU_PRIQ_BASE:
		*en = SMMU_CR0_PRIQEN;
		return smmu->cfg.pri ? &smmu->priq : NULL;
	}
	return NULL;
}

static bool smmu_is_reg64(uint64_t off)
{
	switch (off) {
	case SMMU_GERROR_IRQ_CFG0:
	case SMMU_STRTAB_BASE:
	case SMMU_CMDQ_BASE:
	case SMMU_EVENTQ_BASE:
	case SMMU_EVENTQ_IRQ_CFG0:
	case SMMU_PRIQ_BASE:
	case SMMU_PRIQ_IRQ_CFG0:
		return true;
	}
	return false;
}

/* ---- 64-bit registers ---------------------------------------------------- */

static uint64_t smmu_read_reg64(struct smmu *smmu, uint64_t off)
{
	struct smmu_msi_cfg *msi;
	struct smmu_queue *q;
	unsigned int rel;
	uint32_t bit;

	if (off == SMMU_STRTAB_BASE)
		return atomic_load(&smmu->strtab_base);
	q = smmu_queue_base_at(smmu, off, &bit);
	if (q)
		return atomic_load(&q->base);
	msi = smmu_msi_at(smmu, off, &bit, &rel);
	if (msi && smmu->cfg.msi)
		return atomic_load(&msi->cfg0);
	return 0;
}

/* Called with regs_lock held. */
static void smmu_write_reg64(struct smmu *smmu, uint64_t off, uint64_t val)
{
	struct smmu_msi_cfg *msi;
	struct smmu_queue *q;
	unsigned int rel;
	uint32_t bit;

	if (off == SMMU_STRTAB_BASE) {
		if (!smmu_cr0_busy(smmu, SMMU_CR0_SMMUEN))
			smmu_set_strtab(smmu, val & (SMMU_STRTAB_BASE_RA | SMMU_STRTAB_BASE_ADDR),
					atomic_load(&smmu->strtab_cfg));
		return;
	}
	q = smmu_queue_base_at(smmu, off, &bit);
	if (q) {
		if (!smmu_cr0_busy(smmu, bit))
			atomic_store(&q->base, val & (SMMU_Q_BASE_RWA | SMMU_Q_BASE_ADDR |
						      SMMU_Q_BASE_LOG2SIZE));
		return;
	}
	msi = smmu_msi_at(smmu, off, &bit, &rel);
	if (msi && smmu->cfg.msi && !(atomic_load(&smmu->irq_ctrl) & bit))
		atomic_store(&msi->cfg0, val & SMMU_IRQ_CFG0_ADDR);
}

/* ---- 32-bit registers ---------------------------------------------------- */

static uint32_t smmu_read_msi32(struct smmu *smmu, uint64_t off)
{
	struct smmu_msi_cfg *msi;
	unsigned int rel;
	uint32_t bit;

	msi = smmu_msi_at(smmu, off, &bit, &rel);
	if (!msi || !smmu->cfg.msi)
		return 0;
	switch (rel) {
	case 8:
		return atomic_load(&msi->cfg1);
	case 12:
		return atomic_load(&msi->cfg2);
	}
	return 0;
}

static void smmu_write_msi32(struct smmu *smmu, uint64_t off, uint32_t val)
{
	struct smmu_msi_cfg *msi;
	uint32_t bit, cfg2_mask = SMMU_IRQ_CFG2_MEMATTR | SMMU_IRQ_CFG2_SH;
	unsigned int rel;

	msi = smmu_msi_at(smmu, off, &bit, &rel);
	if (!msi || !smmu->cfg.msi || (atomic_load(&smmu->irq_ctrl) & bit))
		return;
	if (msi == &smmu->priq.msi)
		cfg2_mask |= SMMU_PRIQ_IRQ_CFG2_LO;
	switch (rel) {
	case 8:
		atomic_store(&msi->cfg1, val);
		break;
	case 12:
		atomic_store(&msi->cfg2, val & cfg2_mask);
		break;
	}
}

static uint32_t smmu_read_page1(struct smmu *smmu, uint64_t off)
{
	switch (off) {
	case SMMU_EVENTQ_PROD:
		return atomic_load(&smmu->evtq.prod);
	case SMMU_EVENTQ_CONS:
		return atomic_load(&smmu->evtq.cons);
	case SMMU_PRIQ_PROD:
		return smmu->cfg.pri ? atomic_load(&smmu->priq.prod) : 0;
	case SMMU_PRIQ_CONS:
		return smmu->cfg.pri ? atomic_load(&smmu->priq.cons) : 0;
	}
	return 0;
}

static uint32_t smmu_read_id(const struct smmu *smmu, uint64_t off)
{
	if (off <= SMMU_IDR5)
		return smmu->idr[off / 4];
	return off == SMMU_IIDR ? smmu->iidr : smmu->aidr;
}

static uint32_t smmu_read_page0(struct smmu *smmu, uint64_t off)
{
	if (off <= SMMU_AIDR)
		return smmu_read_id(smmu, off);
	switch (off) {
	case SMMU_CR0:
		return atomic_load(&smmu->cr0);
	case SMMU_CR0ACK:
		return atomic_load(&smmu->cr0ack);
	case SMMU_CR1:
		return atomic_load(&smmu->cr1);
	case SMMU_CR2:
		return atomic_load(&smmu->cr2);
	case SMMU_GBPA:
		return atomic_load(&smmu->gbpa);
	case SMMU_IRQ_CTRL:
		return atomic_load(&smmu->irq_ctrl);
	case SMMU_IRQ_CTRLACK:
		return atomic_load(&smmu->irq_ctrlack);
	case SMMU_GERROR:
		return atomic_load(&smmu->gerror);
	case SMMU_GERRORN:
		return atomic_load(&smmu->gerrorn);
	case SMMU_STRTAB_BASE_CFG:
		return atomic_load(&smmu->strtab_cfg);
	case SMMU_CMDQ_PROD:
		return atomic_load(&smmu->cmdq.prod);
	case SMMU_CMDQ_CONS:
		return atomic_load(&smmu->cmdq.cons);
	}
	return smmu_read_msi32(smmu, off);
}

static void smmu_write_evtq_cons(struct smmu *smmu, uint32_t val)
{
	pthread_mutex_lock(&smmu->evtq_lock);
	atomic_store(&smmu->evtq.cons, val & (SMMU_Q_IDX_WRAP | SMMU_Q_CONS_OVACKFLG));
	/* Room may have appeared for a stalled transaction's record. */
	pthread_cond_broadcast(&smmu->evtq_space);
	pthread_mutex_unlock(&smmu->evtq_lock);
}

/* Called with regs_lock held. */
static void smmu_write_page1(struct smmu *smmu, uint64_t off, uint32_t val)
{
	switch (off) {
	case SMMU_EVENTQ_PROD:
		/* The SMMU owns PROD while the queue is enabled. */
		if (!smmu_cr0_busy(smmu, SMMU_CR0_EVENTQEN))
			atomic_store(&smmu->evtq.prod, smmu_q_iw(val, smmu_q_log2(&smmu->evtq)) |
				     (val & SMMU_Q_PROD_OVFLG));
		break;
	case SMMU_EVENTQ_CONS:
		smmu_write_evtq_cons(smmu, val);
		break;
	case SMMU_PRIQ_PROD:
		if (smmu->cfg.pri && !smmu_cr0_busy(smmu, SMMU_CR0_PRIQEN))
			atomic_store(&smmu->priq.prod, smmu_q_iw(val, smmu_q_log2(&smmu->priq)) |
				     (val & SMMU_Q_PROD_OVFLG));
		break;
	case SMMU_PRIQ_CONS:
		if (!smmu->cfg.pri)
			break;
		pthread_mutex_lock(&smmu->priq_lock);
		atomic_store(&smmu->priq.cons, val & (SMMU_Q_IDX_WRAP | SMMU_Q_CONS_OVACKFLG));
		pthread_mutex_unlock(&smmu->priq_lock);
		break;
	}
}

/* Called with regs_lock held. */
static void smmu_write_page0(struct smmu *smmu, uint64_t off, uint32_t val)
{
	switch (off) {
	case SMMU_CR0:
		smmu_write_cr0(smmu, val);
		break;
	case SMMU_CR1:
		smmu_write_cr1(smmu, val);
		break;
	case SMMU_CR2:
		smmu_write_cr2(smmu, val);
		break;
	case SMMU_GBPA:
		smmu_write_gbpa(smmu, val);
		break;
	case SMMU_IRQ_CTRL:
		smmu_write_irq_ctrl(smmu, val);
		break;
	case SMMU_GERRORN:
		smmu_write_gerrorn(smmu, val);
		break;
	case SMMU_STRTAB_BASE_CFG:
		if (!smmu_cr0_busy(smmu, SMMU_CR0_SMMUEN))
			smmu_set_strtab(smmu, atomic_load(&smmu->strtab_base),
					val & (SMMU_STRTAB_BASE_CFG_LOG2SIZE |
					       SMMU_STRTAB_BASE_CFG_SPLIT |
					       SMMU_STRTAB_BASE_CFG_FMT));
		break;
	case SMMU_CMDQ_PROD:
		atomic_store(&smmu->cmdq.prod, val & SMMU_Q_IDX_WRAP);
		smmu_cmdq_produced(smmu);
		break;
	case SMMU_CMDQ_CONS:
		/* SMMU-owned index: bits above the wrap flag are RAZ. */
		if (!smmu_cr0_busy(smmu, SMMU_CR0_CMDQEN))
			atomic_store(&smmu->cmdq.cons,
				     smmu_q_iw(val, smmu_q_log2(&smmu->cmdq)) |
				     (val & SMMU_CMDQ_CONS_ERR));
		break;
	default:
		smmu_write_msi32(smmu, off, val);
		break;
	}
}

/* ---- Public accessors ---------------------------------------------------- */

static bool smmu_offset_ok(uint64_t off, unsigned int size)
{
	return !(off & (size - 1)) && off < SMMU_MMIO_SIZE;
}

uint32_t smmu_mmio_read32(struct smmu *smmu, uint64_t off)
{
	uint64_t lo = off & ~7ull;

	if (!smmu_offset_ok(off, 4))
		return 0;
	if (smmu_is_reg64(lo))
		return (uint32_t)(smmu_read_reg64(smmu, lo) >> (off & 4 ? 32 : 0));
	if (off >= SMMU_PAGE_SIZE)
		return smmu_read_page1(smmu, off);
	return smmu_read_page0(smmu, off);
}

uint64_t smmu_mmio_read64(struct smmu *smmu, uint64_t off)
{
	if (!smmu_offset_ok(off, 8))
		return 0;
	if (smmu_is_reg64(off))
		return smmu_read_reg64(smmu, off);
	/* A pair of 32-bit registers reads as both, low one first. */
	return smmu_mmio_read32(smmu, off) | (uint64_t)smmu_mmio_read32(smmu, off + 4) << 32;
}

void smmu_mmio_write32(struct smmu *smmu, uint64_t off, uint32_t val)
{
	uint64_t lo = off & ~7ull, cur;

	if (!smmu_offset_ok(off, 4))
		return;
	pthread_mutex_lock(&smmu->regs_lock);
	if (smmu_is_reg64(lo)) {
		/* A 32-bit write replaces one half of a 64-bit register. */
		cur = smmu_read_reg64(smmu, lo);
		if (off & 4)
			cur = (cur & GENMASK_ULL(31, 0)) | (uint64_t)val << 32;
		else
			cur = (cur & GENMASK_ULL(63, 32)) | val;
		smmu_write_reg64(smmu, lo, cur);
	} else if (off >= SMMU_PAGE_SIZE) {
		smmu_write_page1(smmu, off, val);
	} else {
		smmu_write_page0(smmu, off, val);
	}
	pthread_mutex_unlock(&smmu->regs_lock);
}

void smmu_mmio_write64(struct smmu *smmu, uint64_t off, uint64_t val)
{
	if (!smmu_offset_ok(off, 8))
		return;
	if (!smmu_is_reg64(off)) {
		/* A pair of 32-bit registers is written low one first. */
		smmu_mmio_write32(smmu, off, (uint32_t)val);
		smmu_mmio_write32(smmu, off + 4, (uint32_t)(val >> 32));
		return;
	}
	pthread_mutex_lock(&smmu->regs_lock);
	smmu_write_reg64(smmu, off, val);
	pthread_mutex_unlock(&smmu->regs_lock);
}

static uint32_t region_read32(void *ctx, uint64_t off)
{
	return smmu_mmio_read32(ctx, off);
}

static void region_write32(void *ctx, uint64_t off, uint32_t val)
{
	smmu_mmio_write32(ctx, off, val);
}

static uint64_t region_read64(void *ctx, uint64_t off)
{
	return smmu_mmio_read64(ctx, off);
}

static void region_write64(void *ctx, uint64_t off, uint64_t val)
{
	smmu_mmio_write64(ctx, off, val);
}

static const struct mmio_ops smmu_region_ops = {
	.read32 = region_read32, .write32 = region_write32,
	.read64 = region_read64, .write64 = region_write64,
};

struct mmio_region smmu_mmio_region(struct smmu *smmu)
{
	return (struct mmio_region){ .ops = &smmu_region_ops, .ctx = smmu };
}
