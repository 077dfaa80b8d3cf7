// SPDX-License-Identifier: GPL-2.0
/*
 * Context descriptors: the pure CD builders (a private stage-1 domain, an
 * SVA address space, a released SVA context), each master's CD table
 * (linear, or 2-level with 64K leaves allocated on demand), and the CD
 * writer (CFGI_CD for every stream of the master + CMD_SYNC between steps).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/vmsa.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"

/* Fields common to every valid CD this driver writes. */
static uint64_t cd_common(const struct arm_smmu_master *master, uint8_t ips, uint16_t asid)
{
	return CD_0_EPD1 |		/* no TTB1 half */
	       CD_0_V |
	       FIELD_PREP(CD_0_IPS, ips) |
	       CD_0_AA64 |
	       (master->stall_enabled ? CD_0_S : 0) |
	       CD_0_R |			/* record faults */
	       CD_0_A |			/* terminated transactions abort */
	       FIELD_PREP(CD_0_ASID, asid);
}

static uint64_t cd_tcr0(const struct arm_smmu_s1_cfg *cfg)
{
	return FIELD_PREP(CD_0_T0SZ, cfg->tsz) |
	       FIELD_PREP(CD_0_TG0, cfg->tg) |
	       FIELD_PREP(CD_0_IR0, cfg->irgn) |
	       FIELD_PREP(CD_0_OR0, cfg->orgn) |
	       FIELD_PREP(CD_0_SH0, cfg->sh);
}

void arm_smmu_make_s1_cd(struct arm_smmu_cd *target, struct arm_smmu_master *master,
			 const struct arm_smmu_s1_cfg *cfg, uint16_t asid)
{
	memset(target, 0, sizeof(*target));
	/*
	 * ASET = 1: the ASID belongs to the SMMU's private set, so broadcast
	 * TLB maintenance from the CPUs for the same ASID value never hits it.
	 */
	target->data[0] = cd_common(master, cfg->ips, asid) | cd_tcr0(cfg) | CD_0_ASET;
	/* §3.13: HD requires HA. */
	if (cfg->hd)
		target->data[0] |= CD_0_HA | CD_0_HD;
	else if (cfg->ha)
		target->data[0] |= CD_0_HA;
	target->data[1] = cfg->ttbr & CD_1_TTB0;
	target->data[3] = cfg->mair;
}

void arm_smmu_make_sva_cd(struct arm_smmu_cd *target, struct arm_smmu_master *master,
			  const struct arm_smmu_s1_cfg *mm, uint16_t asid)
{
	struct arm_smmu_device *smmu = master->smmu;

	memset(target, 0, sizeof(*target));
	/* ASET = 0: the CPU's ASID, so broadcast TLBIs (BTM) reach this CD. */
	target->data[0] = cd_common(master, mm ? mm->ips : FIELD_GET(SMMU_IDR5_OAS, smmu->idr[5]),
				    asid);
	/*
	 * The CPUs' MAIR is one constant (Linux's), in both forms of the CD:
	 * only qword 0 and the ignored TTB0 differ between them, which is what
	 * keeps bind/release hitless.
	 */
	target->data[3] = VMSA_MAIR_LINUX;
	if (mm) {
		target->data[0] |= cd_tcr0(mm);
		if (smmu->features & ARM_SMMU_FEAT_HA)
			target->data[0] |= CD_0_HA;
		if (smmu->features & ARM_SMMU_FEAT_HD)
			target->data[0] |= CD_0_HD;
		target->data[1] = mm->ttbr & CD_1_TTB0;
		return;
	}
	/*
	 * Released: no walk at all. Unless stalls are forced, don't stall or
	 * record either, so a device still doing DMA is aborted quickly
	 * instead of flooding the event queue.
	 */
	target->data[0] |= CD_0_EPD0;
	if (!(smmu->features & ARM_SMMU_FEAT_STALL_FORCE))
		target->data[0] &= ~(CD_0_S | CD_0_R);
}

/* ---- The CD writer ----------------------------------------------------- */

struct arm_smmu_cd_writer {
	struct arm_smmu_entry_writer writer;
	uint32_t ssid;
};

/* CFGI_CD for every stream of @master; @leaf = false also drops L1CDs. */
static void sync_cd(struct arm_smmu_master *master, uint32_t ssid, bool leaf)
{
	struct arm_smmu_cmdq_batch batch = { .num = 0 };
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMD_OP_CFGI_CD,
		.cfgi = { .ssid = ssid, .leaf = leaf },
	};
	unsigned int i;

	for (i = 0; i < master->num_streams; i++) {
		cmd.cfgi.sid = master->streams[i].id;
		arm_smmu_cmdq_batch_add(master->smmu, &batch, &cmd);
	}
	arm_smmu_cmdq_batch_submit(master->smmu, &batch);
}

static void cd_writer_sync(struct arm_smmu_entry_writer *writer)
{
	struct arm_smmu_cd_writer *w = (struct arm_smmu_cd_writer *)writer;

	sync_cd(writer->master, w->ssid, true);
}

static const struct arm_smmu_entry_writer_ops cd_writer_ops = {
	.get_used = arm_smmu_get_cd_used,
	.sync = cd_writer_sync,
};

void arm_smmu_write_cd_entry(struct arm_smmu_master *master, uint32_t ssid, uint64_t *cdptr,
			     const struct arm_smmu_cd *target)
{
	struct arm_smmu_cd_writer w = {
		.writer = { .ops = &cd_writer_ops, .master = master },
		.ssid = ssid,
	};
	bool target_valid = target->data[0] & CD_0_V;
	bool cur_valid = arm_smmu_read_qword(&cdptr[0]) & CD_0_V;

	if (ssid && cur_valid != target_valid) {
		if (cur_valid)
			master->cd_table.used_ssids--;
		else
			master->cd_table.used_ssids++;
	}
	arm_smmu_write_entry(&w.writer, cdptr, target->data);
}

void arm_smmu_clear_cd(struct arm_smmu_master *master, uint32_t ssid)
{
	struct arm_smmu_cd target = { { 0 } };
	uint64_t *cdptr = arm_smmu_get_cd_ptr(master, ssid);

	if (cdptr)
		arm_smmu_write_cd_entry(master, ssid, cdptr, &target);
}

/* ---- CD tables ----------------------------------------------------------- */

int arm_smmu_alloc_cd_tables(struct arm_smmu_master *master)
{
	struct arm_smmu_ctx_desc_cfg *cfg = &master->cd_table;
	struct arm_smmu_device *smmu = master->smmu;
	uint32_t max_contexts = 1u << master->ssid_bits;
	uint64_t bytes;
	void *va;

	cfg->s1cdmax = master->ssid_bits;
	if (!(smmu->features & ARM_SMMU_FEAT_2_LVL_CDTAB) || max_contexts <= CTXDESC_L2_ENTRIES) {
		cfg->s1fmt = STRTAB_STE_0_S1FMT_LINEAR;
		bytes = (uint64_t)max_contexts << CD_SHIFT;
	} else {
		/* Always 64K leaves (S1Fmt = 2): 1024 CDs each, as Linux. */
		cfg->s1fmt = STRTAB_STE_0_S1FMT_64K_L2;
		cfg->num_l1_ents = (max_contexts + CTXDESC_L2_ENTRIES - 1) / CTXDESC_L2_ENTRIES;
		cfg->l2_pa = calloc(cfg->num_l1_ents, sizeof(*cfg->l2_pa));
		if (!cfg->l2_pa)
			return -ENOMEM;
		bytes = (uint64_t)cfg->num_l1_ents * 8;
	}
	cfg->cdtab_pa = arm_smmu_alloc_coherent(smmu, bytes, &cfg->order, &va);
	if (!cfg->cdtab_pa) {
		free(cfg->l2_pa);
		cfg->l2_pa = NULL;
		return -ENOMEM;
	}
	cfg->cdtab = va;
	return 0;
}

void arm_smmu_free_cd_tables(struct arm_smmu_master *master)
{
	struct arm_smmu_ctx_desc_cfg *cfg = &master->cd_table;
	struct arm_smmu_device *smmu = master->smmu;
	unsigned int leaf_order = arm_smmu_order_for(smmu, CTXDESC_L2_ENTRIES << CD_SHIFT);
	unsigned int i;

	if (cfg->l2_pa) {
		for (i = 0; i < cfg->num_l1_ents; i++)
			if (cfg->l2_pa[i])
				arm_smmu_free_coherent(smmu, cfg->l2_pa[i], leaf_order);
		free(cfg->l2_pa);
	}
	if (cfg->cdtab_pa)
		arm_smmu_free_coherent(smmu, cfg->cdtab_pa, cfg->order);
	memset(cfg, 0, sizeof(*cfg));
}

uint64_t *arm_smmu_get_cd_ptr(struct arm_smmu_master *master, uint32_t ssid)
{
	struct arm_smmu_ctx_desc_cfg *cfg = &master->cd_table;
	unsigned int idx;

	if (!cfg->cdtab || ssid >> cfg->s1cdmax)
		return NULL;
	if (cfg->s1fmt == STRTAB_STE_0_S1FMT_LINEAR)
		return cfg->cdtab + (uint64_t)ssid * CD_DWORDS;
	idx = ssid / CTXDESC_L2_ENTRIES;
	if (!cfg->l2_pa[idx])
		return NULL;
	return (uint64_t *)arm_smmu_va(master->smmu, cfg->l2_pa[idx],
				       CTXDESC_L2_ENTRIES << CD_SHIFT) +
	       (ssid % CTXDESC_L2_ENTRIES) * CD_DWORDS;
}

uint64_t *arm_smmu_alloc_cd_ptr(struct arm_smmu_master *master, uint32_t ssid)
{
	struct arm_smmu_ctx_desc_cfg *cfg = &master->cd_table;
	unsigned int idx, order;
	uint64_t pa;

	if (!cfg->cdtab && arm_smmu_alloc_cd_tables(master))
		return NULL;
	if (ssid >> cfg->s1cdmax)
		return NULL;
	if (cfg->s1fmt == STRTAB_STE_0_S1FMT_64K_L2) {
		idx = ssid / CTXDESC_L2_ENTRIES;
		if (!cfg->l2_pa[idx]) {
			/* 64K leaves must be 64K aligned: frame blocks are size aligned. */
			pa = arm_smmu_alloc_coherent(master->smmu, CTXDESC_L2_ENTRIES << CD_SHIFT,
						     &order, NULL);
			if (!pa)
				return NULL;
			cfg->l2_pa[idx] = pa;
			arm_smmu_write_qword(&cfg->cdtab[idx], CD_L1_DESC_V | (pa & CD_L1_DESC_L2PTR));
			/* An invalid L1CD may have been cached: drop it (Leaf = 0). */
			sync_cd(master, ssid, false);
		}
	}
	return arm_smmu_get_cd_ptr(master, ssid);
}
