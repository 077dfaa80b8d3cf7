// SPDX-License-Identifier: GPL-2.0
/*
 * Context descriptors: locate CD number SSID through STE.S1ContextPtr
 * (one CD, a linear table, or a 2-level table with 4K or 64K leaves; §5.2
 * S1Fmt, §5.3 L1CD), fetch it word by word, decode and validate it (§5.4).
 * An ILLEGAL CD behaves as V == 0: C_BAD_CD.
 *
 * Both halves are decoded into a walk configuration each: TTB0 (T0SZ,
 * TG0) unless EPD0, TTB1 (T1SZ, TG1, TBI1) unless EPD1 or the StreamWorld
 * has one VA range (any-EL2, where TTB1 is unreachable, §5.4.1).
 *
 * Not modelled: AArch32 and big-endian tables, VMSAv9-128, permission
 * indirection, FEAT_LPA2 (CD.DS), small translation tables (IDR3.STT).
 */
#include <errno.h>

#include "arch/smmuv3.h"
#include "arch/vmsa.h"
#include "hw/smmu/config.h"
#include "hw/smmu/internal.h"

static bool pa_in_range(uint64_t pa, unsigned int bits)
{
	return bits >= 64 || !(pa >> bits);
}

static int read_words(const struct smmu *smmu, uint64_t pa, uint64_t *raw,
		      unsigned int n, struct smmu_cfg_err *err)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!pa_in_range(pa + i * 8, smmu->cfg.oas) ||
		    bus_read64(&smmu->bus, pa + i * 8, &raw[i])) {
			err->fetch_addr = pa + i * 8;
			return -EFAULT;
		}
	}
	return 0;
}

/* Where is CD @ssid? 0, EVT_ID_C_BAD_SUBSTREAMID or EVT_ID_F_CD_FETCH. */
static int cd_locate(struct smmu *smmu, const struct smmu_ste_cfg *ste, uint32_t ssid,
		     uint64_t *cd_pa, struct smmu_cfg_err *err, unsigned int *reads)
{
	unsigned int split, l1_bits;
	uint64_t base = ste->s1ctxptr, l1cd, l2;

	if (!ste->s1cdmax) {
		*cd_pa = base;
		return 0;
	}
	if (ste->s1fmt == STRTAB_STE_0_S1FMT_LINEAR) {
		base &= ~((1ULL << (ste->s1cdmax + CD_SHIFT)) - 1);
		*cd_pa = base + ((uint64_t)ssid << CD_SHIFT);
		return 0;
	}
	split = ste->s1fmt == STRTAB_STE_0_S1FMT_4K_L2 ? CD_L2_SPLIT_4K : CD_L2_SPLIT_64K;
	l1_bits = ste->s1cdmax > split ? ste->s1cdmax - split : 0;
	/* The L1 table is aligned to its size, or 64 bytes. */
	base &= ~((1ULL << (l1_bits + 3 > 6 ? l1_bits + 3 : 6)) - 1);
	if (read_words(smmu, base + (uint64_t)(ssid >> split) * 8, &l1cd, 1, err))
		return EVT_ID_F_CD_FETCH;
	(*reads)++;
	l2 = l1cd & CD_L1_DESC_L2PTR;
	if (split == CD_L2_SPLIT_64K)
		l2 &= ~0xffffULL;	/* L2Ptr[15:12] are RES0 for 64K leaves */
	/* §7.3.9: an invalid L1CD, or an L2Ptr out of range. */
	if (!(l1cd & CD_L1_DESC_V) || !pa_in_range(l2, smmu->cfg.oas)) {
		err->ssid = ssid;
		return EVT_ID_C_BAD_SUBSTREAMID;
	}
	*cd_pa = l2 + ((uint64_t)(ssid & ((1u << split) - 1)) << CD_SHIFT);
	return 0;
}

static bool granule_supported(const struct smmu *smmu, unsigned int shift)
{
	switch (shift) {
	case 12:
		return smmu->cfg.granules & SMMU_GRAN_4K;
	case 14:
		return smmu->cfg.granules & SMMU_GRAN_16K;
	case 16:
		return smmu->cfg.granules & SMMU_GRAN_64K;
	default:
		return false;
	}
}

/* Effective IPS in bits (§5.4 IPS): reserved encodings, capped by the OAS. */
static unsigned int cd_ips_bits(const struct smmu *smmu, unsigned int ips)
{
	unsigned int bits;

	if (ips == 7)
		bits = smmu->cfg.arch_minor >= 4 ? 56 : smmu->cfg.arch_minor ? 52 : 48;
	else if (ips == VMSA_IPS_52 && !smmu->cfg.arch_minor)
		bits = 48;
	else
		bits = vmsa_ips_to_bits(ips);
	return bits < smmu->cfg.oas ? bits : smmu->cfg.oas;
}

/*
 * The walk of one half (§5.4 TxSZ, TGx, TTBx, and §5.4.2 CdIllegal()) from
 * its fields: @gshift from TGx (0 if reserved), @tsz, @ttb. The effective
 * IPS (walk->oas) is set already.
 */
static int cd_decode_half(const struct smmu *smmu, unsigned int gshift, unsigned int tsz,
			  uint64_t ttb, struct walk_cfg *walk)
{
	if (!gshift || !granule_supported(smmu, gshift))
		return EVT_ID_C_BAD_CD;
	/* v3.1+: TxSZ outside [16, 39] is ILLEGAL (no STT, no 52-bit VA). */
	if (tsz < 16 || tsz > 39)
		return EVT_ID_C_BAD_CD;
	if (!pa_in_range(ttb, walk->oas))
		return EVT_ID_C_BAD_CD;
	if (gshift < 16 && !pa_in_range(ttb, 48))
		return EVT_ID_C_BAD_CD;
	walk->ttb = ttb;
	walk->tsz = (uint8_t)tsz;
	walk->granule_shift = (uint8_t)gshift;
	return 0;
}

/* HTTU (§5.4 HA/HD): each needs IDR0.HTTU; {HD, HA} == 0b10 behaves as 0b00. */
static int cd_decode_httu(const struct smmu *smmu, const uint64_t raw[8],
			  struct smmu_cd_cfg *cfg)
{
	bool ha = raw[0] & CD_0_HA, hd = raw[0] & CD_0_HD;

	if (ha && smmu->cfg.httu == SMMU_HTTU_NONE)
		return EVT_ID_C_BAD_CD;
	if (hd && smmu->cfg.httu != SMMU_HTTU_HD)
		return EVT_ID_C_BAD_CD;
	cfg->walk.ha = ha;
	cfg->walk.hd = ha && hd;
	cfg->walk.affd = !ha && (raw[0] & CD_0_AFFD);
	return 0;
}

/*
 * Fault model (§5.5, CdIllegal() in §5.4.2): CD.S against STE.S1STALLD and
 * IDR0.STALL_MODEL; with IDR0.TERM_MODEL == 1 there is no RAZ/WI, so CD.A
 * must be 1.
 */
static int cd_decode_faults(const struct smmu *smmu, const struct smmu_ste_cfg *ste,
			    const uint64_t raw[8], struct smmu_cd_cfg *cfg)
{
	cfg->stall = raw[0] & CD_0_S;
	cfg->record = raw[0] & CD_0_R;
	cfg->abort = raw[0] & CD_0_A;
	if (!cfg->abort && smmu->cfg.term_model)
		return EVT_ID_C_BAD_CD;
	if (cfg->stall && (ste->s1stalld || smmu->cfg.stall_model == SMMU_STALL_MODEL_TERM))
		return EVT_ID_C_BAD_CD;
	if (!cfg->stall && smmu->cfg.stall_model == SMMU_STALL_MODEL_FORCE)
		return EVT_ID_C_BAD_CD;
	return 0;
}

int smmu_cd_decode(const struct smmu *smmu, const struct smmu_ste_cfg *ste,
		   const uint64_t raw[8], struct smmu_cd_cfg *cfg)
{
	bool el2 = ste->world == SMMU_WORLD_EL2;
	struct walk_cfg walk1 = { 0 };
	int ret;

	*cfg = (struct smmu_cd_cfg){ 0 };
	if (!(raw[0] & CD_0_V))
		return EVT_ID_C_BAD_CD;
	if (!(raw[0] & CD_0_AA64))
		return EVT_ID_C_BAD_CD;	/* IDR0.TTF: AArch64 tables only */
	/* EPDx are IGNORED (effective 0) in the EL2 (non-E2H) StreamWorld. */
	cfg->epd0 = !el2 && (raw[0] & CD_0_EPD0);
	cfg->epd1 = el2 || (raw[0] & CD_0_EPD1);
	if ((raw[0] & CD_0_ENDI) && !(cfg->epd0 && cfg->epd1))
		return EVT_ID_C_BAD_CD;	/* IDR0.TTENDIAN: little-endian only */
	cfg->walk.oas = (uint8_t)cd_ips_bits(smmu, FIELD_GET(CD_0_IPS, raw[0]));
	walk1.oas = cfg->walk.oas;
	if (!cfg->epd0) {
		ret = cd_decode_half(smmu, vmsa_tg0_to_shift(FIELD_GET(CD_0_TG0, raw[0])),
				     FIELD_GET(CD_0_T0SZ, raw[0]),
				     FIELD_GET(CD_1_TTB0, raw[1]) << 4, &cfg->walk);
		if (ret)
			return ret;
	}
	if (!cfg->epd1) {
		ret = cd_decode_half(smmu, vmsa_tg1_to_shift(FIELD_GET(CD_0_TG1, raw[0])),
				     FIELD_GET(CD_0_T1SZ, raw[0]),
				     FIELD_GET(CD_2_TTB1, raw[2]) << 4, &walk1);
		if (ret)
			return ret;
		cfg->ttb1 = walk1.ttb;
		cfg->t1sz = walk1.tsz;
		cfg->tg1_shift = walk1.granule_shift;
	}
	ret = cd_decode_httu(smmu, raw, cfg);
	if (!ret)
		ret = cd_decode_faults(smmu, ste, raw, cfg);
	if (ret)
		return ret;
	cfg->asid = FIELD_GET(CD_0_ASID, raw[0]);
	if (el2)
		cfg->asid = 0;	/* IGNORED: EL2 entries are global */
	else if (!smmu->cfg.asid16 && (cfg->asid >> 8))
		return EVT_ID_C_BAD_CD;
	cfg->aset = raw[0] & CD_0_ASET;
	cfg->walk.tbi = raw[0] & CD_0_TBI0;
	cfg->tbi1 = !el2 && (raw[0] & CD_0_TBI1);	/* RES0 in any-EL2 */
	cfg->pan = !el2 && (raw[0] & CD_0_PAN);
	cfg->wxn = raw[0] & CD_0_WXN;
	return 0;
}

int smmu_cd_fetch(struct smmu *smmu, const struct smmu_ste_cfg *ste,
		  const struct smmu_trace_info *who, uint32_t ssid,
		  struct smmu_cd_cfg *cfg, struct smmu_cfg_err *err, unsigned int *reads)
{
	uint64_t raw[CD_DWORDS], cd_pa;
	int ret;

	ret = cd_locate(smmu, ste, ssid, &cd_pa, err, reads);
	if (ret)
		return ret;
	if (read_words(smmu, cd_pa, raw, CD_DWORDS, err))
		return EVT_ID_F_CD_FETCH;
	*reads += CD_DWORDS;
	smmu_trace(smmu, SMMU_TRACE_CD, who, raw, CD_DWORDS);
	return smmu_cd_decode(smmu, ste, raw, cfg);
}
