// SPDX-License-Identifier: GPL-2.0
/*
 * Stream table entries: the pure STE builders, the stream table itself
 * (linear, or 2-level with level-2 tables allocated when a StreamID is
 * first used), and the STE writer (CFGI_STE + CMD_SYNC between steps).
 *
 * SMMUv3 §5.2: an STE is 8 qwords; V and Config in qword 0 decide which
 * other fields the SMMU reads. The builders set only fields that
 * configuration uses (the used-bits writer relies on it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"

void arm_smmu_make_abort_ste(struct arm_smmu_ste *target)
{
	memset(target, 0, sizeof(*target));
	target->data[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
}

void arm_smmu_make_bypass_ste(struct arm_smmu_device *smmu, struct arm_smmu_ste *target)
{
	memset(target, 0, sizeof(*target));
	target->data[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
	/* Keep the device's own shareability (only meaningful with override support). */
	if (smmu->features & ARM_SMMU_FEAT_ATTR_TYPES_OVR)
		target->data[1] = FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
}

void arm_smmu_make_cdtable_ste(struct arm_smmu_ste *target, struct arm_smmu_master *master,
			       bool ats_enabled, unsigned int s1dss)
{
	const struct arm_smmu_ctx_desc_cfg *cd_table = &master->cd_table;
	struct arm_smmu_device *smmu = master->smmu;

	memset(target, 0, sizeof(*target));
	target->data[0] = STRTAB_STE_0_V |
			  FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
			  FIELD_PREP(STRTAB_STE_0_S1FMT, cd_table->s1fmt) |
			  (cd_table->cdtab_pa & STRTAB_STE_0_S1CTXPTR) |
			  FIELD_PREP(STRTAB_STE_0_S1CDMAX, cd_table->s1cdmax);

	/* CD and table walks: inner/outer write-back read-allocate, inner shareable. */
	target->data[1] = FIELD_PREP(STRTAB_STE_1_S1DSS, s1dss) |
			  FIELD_PREP(STRTAB_STE_1_S1CIR, SMMU_CR1_CACHE_WB) |
			  FIELD_PREP(STRTAB_STE_1_S1COR, SMMU_CR1_CACHE_WB) |
			  FIELD_PREP(STRTAB_STE_1_S1CSH, SMMU_SH_ISH) |
			  FIELD_PREP(STRTAB_STE_1_EATS,
				     ats_enabled ? STRTAB_STE_1_EATS_TRANS : STRTAB_STE_1_EATS_ABT);

	/*
	 * A device that cannot tolerate stalls must not be stalled even when
	 * a CD asks for it (§5.2: S1STALLD; illegal with STALL_MODEL forced).
	 */
	if ((smmu->features & ARM_SMMU_FEAT_STALLS) && !master->stall_enabled)
		target->data[1] |= STRTAB_STE_1_S1STALLD;

	if ((smmu->features & ARM_SMMU_FEAT_ATTR_TYPES_OVR) && s1dss == STRTAB_STE_1_S1DSS_BYPASS)
		target->data[1] |= FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);

	/*
	 * §5.2 PPAR, §8.1 note: a PRI overflow auto-response carries the
	 * PASID exactly when the function wants it on PRG Responses ("PRG
	 * Response PASID Required"). RES0 without PRI or substreams.
	 */
	if ((smmu->features & ARM_SMMU_FEAT_PRI) && smmu->ssid_bits && master->prg_resp_needs_ssid)
		target->data[1] |= STRTAB_STE_1_PPAR;

	/* With E2H the CDs hold EL2&0 ASIDs: StreamWorld EL2 (§5.2 STRW). */
	target->data[1] |= FIELD_PREP(STRTAB_STE_1_STRW, (smmu->features & ARM_SMMU_FEAT_E2H) ?
				      STRTAB_STE_1_STRW_EL2 : STRTAB_STE_1_STRW_NSEL1);
}

/* ---- The STE writer ------------------------------------------------------ */

struct arm_smmu_ste_writer {
	struct arm_smmu_entry_writer writer;
	struct arm_smmu_device *smmu;
	uint32_t sid;
};

static void ste_writer_sync(struct arm_smmu_entry_writer *writer)
{
	struct arm_smmu_ste_writer *w = (struct arm_smmu_ste_writer *)writer;
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMD_OP_CFGI_STE,
		.cfgi = { .sid = w->sid, .leaf = true },
	};

	arm_smmu_cmdq_issue_cmd_with_sync(w->smmu, &cmd);
}

static const struct arm_smmu_entry_writer_ops ste_writer_ops = {
	.get_used = arm_smmu_get_ste_used,
	.sync = ste_writer_sync,
};

void arm_smmu_write_ste(struct arm_smmu_device *smmu, uint32_t sid, uint64_t *step,
			const struct arm_smmu_ste *target)
{
	struct arm_smmu_ste_writer w = {
		.writer = { .ops = &ste_writer_ops },
		.smmu = smmu,
		.sid = sid,
	};
	struct arm_smmu_cmdq_ent prefetch = {
		.opcode = CMD_OP_PREFETCH_CONFIG,
		.prefetch = { .sid = sid },
	};

	arm_smmu_write_entry(&w.writer, step, target->data);
	/* The stream is about to be used: let the SMMU fetch its new config. */
	arm_smmu_cmdq_issue_cmd(smmu, &prefetch);
}

void arm_smmu_install_ste_for_dev(struct arm_smmu_master *master,
				  const struct arm_smmu_ste *target)
{
	struct arm_smmu_device *smmu = master->smmu;
	unsigned int i;

	for (i = 0; i < master->num_streams; i++) {
		uint32_t sid = master->streams[i].id;
		uint64_t *step = arm_smmu_get_step(smmu, sid);

		if (step)
			arm_smmu_write_ste(smmu, sid, step, target);
	}
}

/* ---- The stream table ------------------------------------------------------ */

/* Fill @n STEs with the default for unattached streams (abort or bypass). */
static void init_initial_stes(struct arm_smmu_device *smmu, uint64_t *stes, unsigned int n,
			      bool bypass)
{
	struct arm_smmu_ste ste;
	unsigned int i, j;

	if (bypass)
		arm_smmu_make_bypass_ste(smmu, &ste);
	else
		arm_smmu_make_abort_ste(&ste);
	for (i = 0; i < n; i++)
		for (j = 0; j < STRTAB_STE_DWORDS; j++)
			arm_smmu_write_qword(&stes[i * STRTAB_STE_DWORDS + j], ste.data[j]);
}

static int init_strtab_linear(struct arm_smmu_device *smmu, bool bypass)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	unsigned int n;
	void *va;

	/* Without 2-level support every StreamID needs its STE up front. */
	if (smmu->sid_bits > 24)
		return -ENOMEM;
	n = 1u << smmu->sid_bits;
	cfg->base_pa = arm_smmu_alloc_coherent(smmu, (uint64_t)n << STRTAB_STE_SHIFT,
					       &cfg->order, &va);
	if (!cfg->base_pa)
		return -ENOMEM;
	cfg->base = va;
	cfg->num_sids_log2 = smmu->sid_bits;
	init_initial_stes(smmu, cfg->base, n, bypass);
	cfg->strtab_base_cfg = FIELD_PREP(SMMU_STRTAB_BASE_CFG_FMT, SMMU_STRTAB_FMT_LINEAR) |
			       FIELD_PREP(SMMU_STRTAB_BASE_CFG_LOG2SIZE, smmu->sid_bits);
	return 0;
}

static int init_strtab_2lvl(struct arm_smmu_device *smmu)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	unsigned int l1_log2 = smmu->sid_bits - STRTAB_SPLIT;
	void *va;

	/* Cover as many SIDs as a bounded level-1 table allows (Linux does too). */
	if (l1_log2 > STRTAB_L1_MAX_LOG2)
		l1_log2 = STRTAB_L1_MAX_LOG2;
	cfg->num_l1_ents = 1u << l1_log2;
	cfg->l2_pa = calloc(cfg->num_l1_ents, sizeof(*cfg->l2_pa));
	if (!cfg->l2_pa)
		return -ENOMEM;
	/* Zeroed level-1 descriptors have SPAN = 0: invalid, the stream is unknown. */
	cfg->base_pa = arm_smmu_alloc_coherent(smmu, (uint64_t)cfg->num_l1_ents * 8,
					       &cfg->order, &va);
	if (!cfg->base_pa) {
		free(cfg->l2_pa);
		cfg->l2_pa = NULL;
		return -ENOMEM;
	}
	cfg->base = va;
	cfg->num_sids_log2 = l1_log2 + STRTAB_SPLIT;
	cfg->strtab_base_cfg = FIELD_PREP(SMMU_STRTAB_BASE_CFG_FMT, SMMU_STRTAB_FMT_2LVL) |
			       FIELD_PREP(SMMU_STRTAB_BASE_CFG_LOG2SIZE, cfg->num_sids_log2) |
			       FIELD_PREP(SMMU_STRTAB_BASE_CFG_SPLIT, STRTAB_SPLIT);
	return 0;
}

int arm_smmu_init_strtab(struct arm_smmu_device *smmu)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (smmu->features & ARM_SMMU_FEAT_2_LVL_STRTAB)
		ret = init_strtab_2lvl(smmu);
	else
		ret = init_strtab_linear(smmu, false);
	if (ret)
		return ret;
	cfg->strtab_base = SMMU_STRTAB_BASE_RA | (cfg->base_pa & SMMU_STRTAB_BASE_ADDR);
	return 0;
}

void arm_smmu_free_strtab(struct arm_smmu_device *smmu)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	unsigned int order = arm_smmu_order_for(smmu, (1u << STRTAB_SPLIT) << STRTAB_STE_SHIFT);
	unsigned int i;

	if (cfg->l2_pa) {
		for (i = 0; i < cfg->num_l1_ents; i++)
			if (cfg->l2_pa[i])
				arm_smmu_free_coherent(smmu, cfg->l2_pa[i], order);
		free(cfg->l2_pa);
	}
	if (cfg->base_pa)
		arm_smmu_free_coherent(smmu, cfg->base_pa, cfg->order);
	memset(cfg, 0, sizeof(*cfg));
}

int arm_smmu_init_sid_strtab(struct arm_smmu_device *smmu, uint32_t sid)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	struct arm_smmu_cmdq_ent inv = {
		.opcode = CMD_OP_CFGI_STE_RANGE,
		/* 2^(span + 1) StreamIDs: the whole level-2 table. */
		.cfgi = { .sid = sid & ~((1u << STRTAB_SPLIT) - 1), .span = STRTAB_SPLIT - 1 },
	};
	unsigned int idx, order;
	uint64_t pa;
	void *va;

	if (cfg->num_sids_log2 < 32 && sid >> cfg->num_sids_log2)
		return -ERANGE;
	if (!cfg->l2_pa)
		return 0;	/* linear: every STE exists */

	idx = sid >> STRTAB_SPLIT;
	pthread_mutex_lock(&smmu->lock);
	if (cfg->l2_pa[idx]) {
		pthread_mutex_unlock(&smmu->lock);
		return 0;
	}
	pa = arm_smmu_alloc_coherent(smmu, (1u << STRTAB_SPLIT) << STRTAB_STE_SHIFT, &order, &va);
	if (!pa) {
		pthread_mutex_unlock(&smmu->lock);
		return -ENOMEM;
	}
	init_initial_stes(smmu, va, 1u << STRTAB_SPLIT, false);
	/*
	 * Publish the STEs before the descriptor that makes them reachable
	 * (the 64-bit store is the ordering point), and then drop anything
	 * the SMMU may have cached about the range while it was invalid.
	 */
	arm_smmu_write_qword(&cfg->base[idx],
			     FIELD_PREP(STRTAB_L1_DESC_SPAN, STRTAB_SPLIT + 1) |
			     (pa & STRTAB_L1_DESC_L2PTR));
	cfg->l2_pa[idx] = pa;
	pthread_mutex_unlock(&smmu->lock);
	return arm_smmu_cmdq_issue_cmd_with_sync(smmu, &inv);
}

uint64_t *arm_smmu_get_step(struct arm_smmu_device *smmu, uint32_t sid)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	uint64_t l2;

	if (cfg->num_sids_log2 < 32 && sid >> cfg->num_sids_log2)
		return NULL;
	if (!cfg->l2_pa)
		return cfg->base + (uint64_t)sid * STRTAB_STE_DWORDS;

	pthread_mutex_lock(&smmu->lock);
	l2 = cfg->l2_pa[sid >> STRTAB_SPLIT];
	pthread_mutex_unlock(&smmu->lock);
	if (!l2)
		return NULL;
	return (uint64_t *)arm_smmu_va(smmu, l2, (1u << STRTAB_SPLIT) << STRTAB_STE_SHIFT) +
	       (sid & ((1u << STRTAB_SPLIT) - 1)) * STRTAB_STE_DWORDS;
}
