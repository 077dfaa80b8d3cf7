// SPDX-License-Identifier: GPL-2.0
/*
 * Stream table: locate the STE of a StreamID (linear or 2-level, §3.3.2,
 * §5.1), fetch it one 64-bit single-copy-atomic word at a time, and decode
 * and validate it (§5.2). An ILLEGAL STE behaves as V == 0: C_BAD_STE.
 *
 * Stage 2 is not modelled: an STE selecting it is ILLEGAL here, as it is
 * on an SMMU with IDR0.S2P == 0.
 */
#include <errno.h>

#include "arch/smmuv3.h"
#include "hw/smmu/config.h"
#include "hw/smmu/internal.h"

/* Does @pa fit in the implemented output address size? (§3.4.3) */
static bool pa_in_range(const struct smmu *smmu, uint64_t pa)
{
	return smmu->cfg.oas >= 64 || !(pa >> smmu->cfg.oas);
}

/* Low-bit mask of a 2^@shift alignment (saturating: no shift past 63). */
static uint64_t align_mask(unsigned int shift)
{
	return shift >= 64 ? ~0ULL : (1ULL << shift) - 1;
}

static int read_words(const struct smmu *smmu, uint64_t pa, uint64_t *raw,
		      unsigned int n, struct smmu_cfg_err *err)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!pa_in_range(smmu, pa + i * 8) ||
		    bus_read64(&smmu->bus, pa + i * 8, &raw[i])) {
			err->fetch_addr = pa + i * 8;
			return -EFAULT;
		}
	}
	return 0;
}

/*
 * Where is the STE of @sid? Fills *@ste_pa, or returns EVT_ID_C_BAD_STREAMID
 * or EVT_ID_F_STE_FETCH (a 2-level table's L1STD could not be read).
 */
static int ste_locate(struct smmu *smmu, uint32_t sid, uint64_t *ste_pa,
		      struct smmu_cfg_err *err, unsigned int *reads)
{
	unsigned int log2size, literal, split, span;
	uint64_t base, l1std, l1_pa, l2;
	uint32_t cfg;

	smmu_strtab(smmu, &base, &cfg);
	literal = FIELD_GET(SMMU_STRTAB_BASE_CFG_LOG2SIZE, cfg);
	log2size = literal < smmu->cfg.sid_bits ? literal : smmu->cfg.sid_bits;
	if (log2size < 32 && (uint64_t)sid >> log2size)
		return EVT_ID_C_BAD_STREAMID;
	base &= SMMU_STRTAB_BASE_ADDR;

	if (FIELD_GET(SMMU_STRTAB_BASE_CFG_FMT, cfg) != SMMU_STRTAB_FMT_2LVL ||
	    !smmu->cfg.st_2lvl) {
		/* Linear: aligned to the size the literal LOG2SIZE gives (§6.3.23). */
		base &= ~(align_mask(literal + STRTAB_STE_SHIFT));
		*ste_pa = base + ((uint64_t)sid << STRTAB_STE_SHIFT);
		return 0;
	}
	split = FIELD_GET(SMMU_STRTAB_BASE_CFG_SPLIT, cfg);
	if (split != 6 && split != 8 && split != 10)
		split = 6;	/* other values behave as 6 (§6.3.24) */
	/* The L1 table is aligned to its size, or 64 bytes (§6.3.23). */
	if (literal > split)
		base &= ~align_mask(literal - split + 3);
	base &= ~align_mask(6);
	l1_pa = base + (log2size > split ? (uint64_t)(sid >> split) * 8 : 0);
	if (read_words(smmu, l1_pa, &l1std, 1, err))
		return EVT_ID_F_STE_FETCH;
	(*reads)++;
	span = FIELD_GET(STRTAB_L1_DESC_SPAN, l1std);
	/* §7.3.3: an unusable L1STD, or a SID beyond its span. */
	if (!span || span >= STRTAB_L1_DESC_SPAN_MAX || span > split + 1 ||
	    (sid & ((1u << split) - 1)) >= (1u << (span - 1)))
		return EVT_ID_C_BAD_STREAMID;
	l2 = l1std & STRTAB_L1_DESC_L2PTR;
	l2 &= ~((1ULL << (span - 1 + STRTAB_STE_SHIFT)) - 1);
	*ste_pa = l2 + ((uint64_t)(sid & ((1u << split) - 1)) << STRTAB_STE_SHIFT);
	return 0;
}

/* STE.STRW -> effective StreamWorld, or -1 if ILLEGAL (§5.2 STRW). */
static int ste_world(const struct smmu *smmu, uint64_t raw1)
{
	if (!smmu->cfg.hyp)
		return SMMU_WORLD_EL1;	/* STRW is RES0 */
	switch (FIELD_GET(STRTAB_STE_1_STRW, raw1)) {
	case STRTAB_STE_1_STRW_NSEL1:
		return SMMU_WORLD_EL1;
	case STRTAB_STE_1_STRW_EL2:
		return smmu_e2h(smmu) ? SMMU_WORLD_EL2_E2H : SMMU_WORLD_EL2;
	default:
		return -1;	/* EL3 from the Non-secure table, or reserved */
	}
}

/* The stage-1 fields (§5.2 S1Fmt, S1CDMax, S1DSS, S1STALLD, STRW). */
static int ste_decode_s1(const struct smmu *smmu, const uint64_t raw[8],
			 struct smmu_ste_cfg *cfg)
{
	int world = ste_world(smmu, raw[1]);

	if (world < 0)
		return EVT_ID_C_BAD_STE;
	cfg->world = (uint8_t)world;
	cfg->s1ctxptr = raw[0] & STRTAB_STE_0_S1CTXPTR;
	/*
	 * §3.4.3 (note 1), §5.2 S1ContextPtr: without stage 2 it is a PA; on
	 * SMMUv3.1 and later one beyond the OAS makes the STE ILLEGAL (v3.0
	 * may instead fail the fetch: F_CD_FETCH, which we keep there).
	 */
	if (smmu->cfg.arch_minor >= 1 && !pa_in_range(smmu, cfg->s1ctxptr))
		return EVT_ID_C_BAD_STE;
	cfg->s1cdmax = smmu->cfg.ssid_bits ? FIELD_GET(STRTAB_STE_0_S1CDMAX, raw[0]) : 0;
	if (cfg->s1cdmax > smmu->cfg.ssid_bits)
		return EVT_ID_C_BAD_STE;
	cfg->s1fmt = STRTAB_STE_0_S1FMT_LINEAR;
	cfg->s1dss = STRTAB_STE_1_S1DSS_TERMINATE;
	if (cfg->s1cdmax) {
		cfg->s1fmt = FIELD_GET(STRTAB_STE_0_S1FMT, raw[0]);
		if (cfg->s1fmt == 3)
			cfg->s1fmt = STRTAB_STE_0_S1FMT_LINEAR;	/* reserved: as 0b00 */
		if (cfg->s1fmt != STRTAB_STE_0_S1FMT_LINEAR && !smmu->cfg.cd_2lvl)
			return EVT_ID_C_BAD_STE;
		cfg->s1dss = FIELD_GET(STRTAB_STE_1_S1DSS, raw[1]);
		if (cfg->s1dss == 3)
			cfg->s1dss = STRTAB_STE_1_S1DSS_TERMINATE;	/* reserved: as 0b00 */
	}
	cfg->s1stalld = raw[1] & STRTAB_STE_1_S1STALLD;
	/* S1STALLD is ILLEGAL unless the stall model is configurable. */
	if (cfg->s1stalld && smmu->cfg.stall_model != SMMU_STALL_MODEL_STALL)
		return EVT_ID_C_BAD_STE;
	return 0;
}

/* EATS (§5.2 EATS): split-stage needs nesting, DPT is not implemented. */
static int ste_decode_eats(const struct smmu *smmu, const uint64_t raw[8],
			   struct smmu_ste_cfg *cfg)
{
	cfg->eats = STRTAB_STE_1_EATS_ABT;
	if (!smmu->cfg.ats || cfg->mode != SMMU_STE_S1)
		return 0;
	switch (FIELD_GET(STRTAB_STE_1_EATS, raw[1])) {
	case STRTAB_STE_1_EATS_TRANS:
		cfg->eats = STRTAB_STE_1_EATS_TRANS;
		return 0;
	case STRTAB_STE_1_EATS_S1CHK:
		return EVT_ID_C_BAD_STE;	/* Config != 0b111 */
	default:
		return 0;	/* 0b11 without IDR3.DPT behaves as 0b00 */
	}
}

int smmu_ste_decode(const struct smmu *smmu, const uint64_t raw[8], struct smmu_ste_cfg *cfg)
{
	unsigned int config;
	int ret;

	*cfg = (struct smmu_ste_cfg){ 0 };
	if (!(raw[0] & STRTAB_STE_0_V))
		return EVT_ID_C_BAD_STE;
	config = FIELD_GET(STRTAB_STE_0_CFG, raw[0]);
	/*
	 * §5.2 PPAR: a stream-level field, read for a PRI overflow response
	 * whatever Config says (an abort STE is valid too, §8.1).
	 */
	cfg->ppar = smmu->cfg.pri && smmu->cfg.ssid_bits && (raw[1] & STRTAB_STE_1_PPAR);
	if (!(config & 4)) {
		cfg->mode = SMMU_STE_ABORT;	/* 0b0xx: abort, no event */
		return 0;
	}
	if (config & 2)
		return EVT_ID_C_BAD_STE;	/* stage 2: not implemented */
	if ((config & 1) && !smmu->cfg.s1)
		return EVT_ID_C_BAD_STE;
	cfg->mode = (config & 1) ? SMMU_STE_S1 : SMMU_STE_BYPASS;
	if (cfg->mode == SMMU_STE_S1) {
		ret = ste_decode_s1(smmu, raw, cfg);
		if (ret)
			return ret;
	}
	ret = ste_decode_eats(smmu, raw, cfg);
	if (ret)
		return ret;
	/* Without stage 2, EL1 stage-1 entries carry VMID 0 (§3.17). */
	cfg->vmid = smmu->cfg.s2 ? FIELD_GET(STRTAB_STE_2_S2VMID, raw[2]) : 0;
	cfg->shcfg = FIELD_GET(STRTAB_STE_1_SHCFG, raw[1]);
	if (smmu->idr[1] & SMMU_IDR1_ATTR_PERMS_OVR) {
		cfg->privcfg = FIELD_GET(STRTAB_STE_1_PRIVCFG, raw[1]);
		cfg->instcfg = FIELD_GET(STRTAB_STE_1_INSTCFG, raw[1]);
	}
	cfg->mev = raw[1] & STRTAB_STE_1_MEV;
	return 0;
}

int smmu_ste_fetch(struct smmu *smmu, uint32_t sid, struct smmu_ste_cfg *cfg,
		   struct smmu_cfg_err *err, unsigned int *reads)
{
	uint64_t raw[STRTAB_STE_DWORDS], ste_pa;
	int ret;

	ret = ste_locate(smmu, sid, &ste_pa, err, reads);
	if (ret)
		return ret;
	if (read_words(smmu, ste_pa, raw, STRTAB_STE_DWORDS, err))
		return EVT_ID_F_STE_FETCH;
	*reads += STRTAB_STE_DWORDS;
	smmu_trace(smmu, SMMU_TRACE_STE, &(struct smmu_trace_info){ .sid = sid },
		   raw, STRTAB_STE_DWORDS);
	return smmu_ste_decode(smmu, raw, cfg);
}
