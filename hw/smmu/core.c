// SPDX-License-Identifier: GPL-2.0
/*
 * SMMU instance lifetime and identity: the configuration (what this
 * implementation supports) turned into the ID registers a driver probes,
 * the reset state of the register file, and create/reset/destroy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"
#include "hw/smmu/xlate.h"

/* IIDR: Arm's JEP106 code, and a product number of our own. */
#define SMMU_MODEL_IMPLEMENTER	0x43b
#define SMMU_MODEL_PRODUCTID	0x5a5

void smmu_config_default(struct smmu_config *cfg)
{
	*cfg = (struct smmu_config){
		.sid_bits = 16,
		.ssid_bits = 20,
		.asid16 = true,
		.vmid16 = false,
		.oas = 48,
		.granules = SMMU_GRAN_4K | SMMU_GRAN_16K | SMMU_GRAN_64K,
		.s1 = true,
		.s2 = false,
		.btm = true,
		.httu = SMMU_HTTU_HD,
		.ats = true,
		.pri = true,
		.stall_model = SMMU_STALL_MODEL_STALL,
		.stall_max = 64,
		.ril = true,
		.hyp = true,
		.st_2lvl = true,
		.cd_2lvl = true,
		.msi = true,
		.sev = true,
		.coherent = true,
		.term_model = false,
		.cmdq_log2 = 16,
		.evtq_log2 = 16,
		.priq_log2 = 16,
		.tlb_entries = 1024,
		.cfg_cache_entries = 256,
		.arch_minor = 2,
	};
}

/* IDR5.OAS encoding of an output address size in bits, or -1. */
static int smmu_oas_encode(unsigned int bits)
{
	static const unsigned int sizes[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i] == bits)
			return (int)i;
	return -1;
}

int smmu_config_check(const struct smmu_config *cfg)
{
	if (cfg->sid_bits > 32 || cfg->ssid_bits > 20)
		return -EINVAL;
	/* §6.3.2: SIDSIZE >= 7 requires 2-level stream table support. */
	if (cfg->sid_bits >= 7 && !cfg->st_2lvl)
		return -EINVAL;
	/* 52 bits: reachable through 64KB-granule descriptors (no IDR5.DS). */
	if (smmu_oas_encode(cfg->oas) < 0)
		return -EINVAL;
	if (!cfg->granules || (cfg->granules & ~(SMMU_GRAN_4K | SMMU_GRAN_16K | SMMU_GRAN_64K)))
		return -EINVAL;
	/*
	 * Stage 2 is not modelled (no S2 walk, no nested translation, no VMID
	 * tagging in the TLB), so an SMMU advertising IDR0.S2P would lie to
	 * the driver: refuse it, and stage 1 is then the only stage there is.
	 */
	if (cfg->s2)
		return -EOPNOTSUPP;
	if (!cfg->s1)
		return -EINVAL;
	if (cfg->hyp && !cfg->s1)
		return -EINVAL;
	if ((cfg->pri || cfg->ats_rec_err) && !cfg->ats)
		return -EINVAL;
	if (cfg->httu > SMMU_HTTU_HD || cfg->stall_model > SMMU_STALL_MODEL_FORCE)
		return -EINVAL;
	if (cfg->stall_model != SMMU_STALL_MODEL_TERM &&
	    (!cfg->stall_max || cfg->stall_max > 0xffff))
		return -EINVAL;
	if (cfg->cmdq_log2 > SMMU_QUEUE_MAX_LOG2 || cfg->evtq_log2 > SMMU_QUEUE_MAX_LOG2 ||
	    cfg->priq_log2 > SMMU_QUEUE_MAX_LOG2)
		return -EINVAL;
	/* Room for a command and a CMD_SYNC behind it. */
	if (cfg->cmdq_log2 < 1)
		return -EINVAL;
	if (cfg->arch_minor > 4)
		return -EINVAL;
	/* §4.4.1.1: RIL is mandatory from SMMUv3.2 on. */
	if (cfg->arch_minor >= 2 && !cfg->ril)
		return -EINVAL;
	return 0;
}

static uint32_t smmu_make_idr0(const struct smmu_config *cfg)
{
	uint32_t v = 0;

	v |= cfg->s2 ? SMMU_IDR0_S2P : 0;
	v |= cfg->s1 ? SMMU_IDR0_S1P : 0;
	v |= FIELD_PREP(SMMU_IDR0_TTF, SMMU_IDR0_TTF_AARCH64);
	v |= cfg->coherent ? SMMU_IDR0_COHACC : 0;
	v |= cfg->btm ? SMMU_IDR0_BTM : 0;
	v |= FIELD_PREP(SMMU_IDR0_HTTU, cfg->httu == SMMU_HTTU_HD ? SMMU_IDR0_HTTU_AF_DIRTY :
			cfg->httu == SMMU_HTTU_HA ? SMMU_IDR0_HTTU_AF : SMMU_IDR0_HTTU_NONE);
	v |= cfg->hyp ? SMMU_IDR0_HYP : 0;
	/* Split-stage ATS (STE.EATS == 0b10) is not modelled: NS1ATS = 1. */
	v |= cfg->ats ? SMMU_IDR0_ATS | SMMU_IDR0_NS1ATS : 0;
	v |= cfg->ats_rec_err ? SMMU_IDR0_ATSRECERR : 0;
	v |= cfg->asid16 ? SMMU_IDR0_ASID16 : 0;
	v |= cfg->msi ? SMMU_IDR0_MSI : 0;
	v |= cfg->sev ? SMMU_IDR0_SEV : 0;
	v |= cfg->pri ? SMMU_IDR0_PRI : 0;
	v |= cfg->vmid16 && cfg->s2 ? SMMU_IDR0_VMID16 : 0;
	v |= cfg->cd_2lvl && cfg->s1 ? SMMU_IDR0_CD2L : 0;
	v |= FIELD_PREP(SMMU_IDR0_TTENDIAN, SMMU_IDR0_TTENDIAN_LE);
	v |= FIELD_PREP(SMMU_IDR0_STALL_MODEL, cfg->stall_model == SMMU_STALL_MODEL_TERM ?
			SMMU_IDR0_STALL_MODEL_TERM : cfg->stall_model == SMMU_STALL_MODEL_FORCE ?
			SMMU_IDR0_STALL_MODEL_FORCE : SMMU_IDR0_STALL_MODEL_STALL);
	v |= cfg->term_model ? SMMU_IDR0_TERM_MODEL : 0;
	v |= FIELD_PREP(SMMU_IDR0_ST_LEVEL, cfg->st_2lvl ? SMMU_IDR0_ST_LEVEL_2LVL :
			SMMU_IDR0_ST_LEVEL_LINEAR);
	return v;
}

static uint32_t smmu_make_idr1(const struct smmu_config *cfg)
{
	return FIELD_PREP(SMMU_IDR1_SIDSIZE, cfg->sid_bits) |
	       FIELD_PREP(SMMU_IDR1_SSIDSIZE, cfg->s1 ? cfg->ssid_bits : 0) |
	       FIELD_PREP(SMMU_IDR1_PRIQS, cfg->pri ? cfg->priq_log2 : 0) |
	       FIELD_PREP(SMMU_IDR1_EVENTQS, cfg->evtq_log2) |
	       FIELD_PREP(SMMU_IDR1_CMDQS, cfg->cmdq_log2);
}

static uint32_t smmu_make_idr3(const struct smmu_config *cfg)
{
	uint32_t v = cfg->ril ? SMMU_IDR3_RIL : 0;

	/* §3.21.1.3: v3.2+ must offer BBML 1 or 2; we resolve conflicts (2). */
	if (cfg->arch_minor >= 2)
		v |= FIELD_PREP(SMMU_IDR3_BBML, 2);
	return v;
}

static uint32_t smmu_make_idr5(const struct smmu_config *cfg)
{
	uint32_t v = FIELD_PREP(SMMU_IDR5_OAS, smmu_oas_encode(cfg->oas));

	v |= cfg->granules & SMMU_GRAN_4K ? SMMU_IDR5_GRAN4K : 0;
	v |= cfg->granules & SMMU_GRAN_16K ? SMMU_IDR5_GRAN16K : 0;
	v |= cfg->granules & SMMU_GRAN_64K ? SMMU_IDR5_GRAN64K : 0;
	v |= FIELD_PREP(SMMU_IDR5_VAX, SMMU_IDR5_VAX_48);
	if (cfg->stall_model != SMMU_STALL_MODEL_TERM)
		v |= FIELD_PREP(SMMU_IDR5_STALL_MAX, cfg->stall_max);
	return v;
}

static void smmu_make_id_regs(struct smmu *smmu)
{
	const struct smmu_config *cfg = &smmu->cfg;

	smmu->idr[0] = smmu_make_idr0(cfg);
	smmu->idr[1] = smmu_make_idr1(cfg);
	smmu->idr[2] = 0;			/* no VATOS */
	smmu->idr[3] = smmu_make_idr3(cfg);
	smmu->idr[4] = 0;			/* IMPLEMENTATION DEFINED */
	smmu->idr[5] = smmu_make_idr5(cfg);
	smmu->iidr = FIELD_PREP(SMMU_IIDR_IMPLEMENTER, SMMU_MODEL_IMPLEMENTER) |
		     FIELD_PREP(SMMU_IIDR_PRODUCTID, SMMU_MODEL_PRODUCTID);
	smmu->aidr = FIELD_PREP(SMMU_AIDR_ARCH_MAJOR, 0) |
		     FIELD_PREP(SMMU_AIDR_ARCH_MINOR, cfg->arch_minor);
}

static void smmu_reset_msi(struct smmu_msi_cfg *msi)
{
	atomic_store(&msi->cfg0, 0);
	atomic_store(&msi->cfg1, 0);
	atomic_store(&msi->cfg2, 0);
}

static void smmu_reset_queue(struct smmu_queue *q, unsigned int max_log2)
{
	atomic_store(&q->base, 0);
	atomic_store(&q->prod, 0);
	atomic_store(&q->cons, 0);
	q->max_log2 = max_log2;
	smmu_reset_msi(&q->msi);
}

/*
 * The register file and the counters after reset (§6.3: fields that reset
 * to UNKNOWN are 0). The stream table base is written outside its
 * sequence count: nothing translates during a reset.
 */
static void smmu_reset_regs(struct smmu *smmu)
{
	unsigned int i, ev;

	atomic_store(&smmu->cr0, 0);
	atomic_store(&smmu->cr0ack, 0);
	atomic_store(&smmu->cr1, 0);
	atomic_store(&smmu->cr2, 0);
	atomic_store(&smmu->gbpa, SMMU_GBPA_RESET);
	atomic_store(&smmu->irq_ctrl, 0);
	atomic_store(&smmu->irq_ctrlack, 0);
	atomic_store(&smmu->gerror, 0);
	atomic_store(&smmu->gerrorn, 0);
	smmu_reset_msi(&smmu->gerror_msi);
	atomic_store(&smmu->strtab_base, 0);
	atomic_store(&smmu->strtab_cfg, 0);
	smmu_reset_queue(&smmu->cmdq, smmu->cfg.cmdq_log2);
	smmu_reset_queue(&smmu->evtq, smmu->cfg.evtq_log2);
	smmu_reset_queue(&smmu->priq, smmu->cfg.pri ? smmu->cfg.priq_log2 : 0);
	for (i = 0; i < CMD_OP_NR; i++)
		atomic_store(&smmu->cmd_count[i], 0);
	for (i = 0; i < SMMU_PMCG_SHARDS; i++)
		for (ev = 0; ev < SMMU_PMCG_NR_EVENTS; ev++)
			atomic_store(&smmu->pmcg[i].ev[ev], 0);
	smmu->clock_epoch_ns = smmu_pmcg_clock_ns();
}

static int smmu_init_locks(struct smmu *smmu)
{
	if (pthread_mutex_init(&smmu->regs_lock, NULL))
		goto err;
	if (pthread_mutex_init(&smmu->gerror_lock, NULL))
		goto err_regs;
	if (pthread_mutex_init(&smmu->cmdq_lock, NULL))
		goto err_gerror;
	if (pthread_cond_init(&smmu->cmdq_cond, NULL))
		goto err_cmdq_lock;
	if (pthread_mutex_init(&smmu->evtq_lock, NULL))
		goto err_cmdq_cond;
	if (pthread_cond_init(&smmu->evtq_space, NULL))
		goto err_evtq_lock;
	if (pthread_mutex_init(&smmu->priq_lock, NULL))
		goto err_evtq_space;
	if (pthread_mutex_init(&smmu->cmdq_consume_lock, NULL))
		goto err_priq_lock;
	return 0;

err_priq_lock:
	pthread_mutex_destroy(&smmu->priq_lock);
err_evtq_space:
	pthread_cond_destroy(&smmu->evtq_space);
err_evtq_lock:
	pthread_mutex_destroy(&smmu->evtq_lock);
err_cmdq_cond:
	pthread_cond_destroy(&smmu->cmdq_cond);
err_cmdq_lock:
	pthread_mutex_destroy(&smmu->cmdq_lock);
err_gerror:
	pthread_mutex_destroy(&smmu->gerror_lock);
err_regs:
	pthread_mutex_destroy(&smmu->regs_lock);
err:
	return -ENOMEM;
}

static void smmu_destroy_locks(struct smmu *smmu)
{
	pthread_mutex_destroy(&smmu->cmdq_consume_lock);
	pthread_mutex_destroy(&smmu->priq_lock);
	pthread_cond_destroy(&smmu->evtq_space);
	pthread_mutex_destroy(&smmu->evtq_lock);
	pthread_cond_destroy(&smmu->cmdq_cond);
	pthread_mutex_destroy(&smmu->cmdq_lock);
	pthread_mutex_destroy(&smmu->gerror_lock);
	pthread_mutex_destroy(&smmu->regs_lock);
}

struct smmu *smmu_create(const struct smmu_config *cfg, const struct mem_bus *bus)
{
	struct smmu *smmu;

	if (!cfg || !bus || !bus->ops || smmu_config_check(cfg))
		return NULL;
	/* Cache-line aligned: the PMCG shards must not share lines. */
	smmu = aligned_alloc(64, (sizeof(*smmu) + 63) & ~(size_t)63);
	if (smmu)
		memset(smmu, 0, sizeof(*smmu));
	if (!smmu)
		return NULL;
	smmu->cfg = *cfg;
	smmu->bus = *bus;
	smmu_make_id_regs(smmu);
	smmu_reset_regs(smmu);
	if (smmu_init_locks(smmu))
		goto err_free;
	if (smmu_xlate_init(smmu))
		goto err_locks;
	if (smmu_cmdq_start(smmu))
		goto err_xlate;
	return smmu;

err_xlate:
	smmu_xlate_fini(smmu);
err_locks:
	smmu_destroy_locks(smmu);
err_free:
	free(smmu);
	return NULL;
}

void smmu_destroy(struct smmu *smmu)
{
	if (!smmu)
		return;
	/*
	 * Producers waiting for event queue space give up (-ENODEV) and leave
	 * first: a CMD_SYNC in progress might be waiting for their caller.
	 * Then no command is executing once the consumer has stopped.
	 */
	atomic_store(&smmu->stopping, true);
	smmu_evtq_drain(smmu);
	smmu_cmdq_stop(smmu);
	smmu_xlate_fini(smmu);
	smmu_destroy_locks(smmu);
	free(smmu);
}

/*
 * Nothing in progress (smmu_reset()'s precondition), as far as can be
 * seen. Called with the consume lock (no command in progress), regs_lock
 * (no register write) and cmdq_lock (the thread is not deciding) held.
 */
static bool smmu_idle(struct smmu *smmu)
{
	bool idle;

	/* CMDQEN == 0: no command starts once the consume lock is dropped. */
	if (atomic_load(&smmu->cr0) & SMMU_CR0_CMDQEN)
		return false;
	pthread_mutex_lock(&smmu->evtq_lock);
	idle = !smmu->evtq_waiters;
	pthread_mutex_unlock(&smmu->evtq_lock);
	return idle && !smmu_stall_waiting(&smmu->xlate->stall) &&
	       !grace_readers_active(&smmu->xlate->grace);
}

int smmu_reset(struct smmu *smmu, const struct smmu_config *cfg)
{
	struct smmu_config old_cfg;
	struct smmu_xlate *old, *fresh;
	int ret = 0;

	if (cfg && smmu_config_check(cfg))
		return -EINVAL;
	/*
	 * The consume lock first: whoever consumes holds it and may take
	 * regs_lock and cmdq_lock under it (an interrupt callback writing
	 * registers), never the other way round but by trylock.
	 */
	pthread_mutex_lock(&smmu->cmdq_consume_lock);
	pthread_mutex_lock(&smmu->regs_lock);
	pthread_mutex_lock(&smmu->cmdq_lock);
	if (!smmu_idle(smmu)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	old_cfg = smmu->cfg;
	old = smmu->xlate;
	/* The translation side is rebuilt whole: nothing of it survives. */
	if (cfg)
		smmu->cfg = *cfg;
	smmu->xlate = NULL;
	if (smmu_xlate_init(smmu)) {
		smmu->cfg = old_cfg;
		smmu->xlate = old;
		ret = -ENOMEM;
		goto out_unlock;
	}
	fresh = smmu->xlate;
	smmu->xlate = old;
	smmu_xlate_fini(smmu);
	smmu->xlate = fresh;
	smmu_make_id_regs(smmu);
	smmu_reset_regs(smmu);
out_unlock:
	pthread_mutex_unlock(&smmu->cmdq_lock);
	pthread_mutex_unlock(&smmu->regs_lock);
	pthread_mutex_unlock(&smmu->cmdq_consume_lock);
	return ret;
}

const struct smmu_config *smmu_get_config(const struct smmu *smmu)
{
	return &smmu->cfg;
}

void smmu_set_irq(struct smmu *smmu, enum smmu_irq irq, struct irq_line line)
{
	if ((unsigned int)irq < SMMU_NR_IRQS)
		smmu->irq[irq] = line;
}

void smmu_set_trace(struct smmu *smmu, smmu_trace_fn fn, void *ctx)
{
	smmu->trace_ctx = ctx;
	smmu->trace_fn = fn;
}

void smmu_set_log(struct smmu *smmu, sva_log_fn fn, void *ctx)
{
	smmu->log = (struct log_sink){ .fn = fn, .ctx = fn ? ctx : NULL };
}
