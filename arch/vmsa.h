/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AArch64 VMSAv8-64 stage-1 encodings (Arm ARM DDI0487, chapter D8):
 * translation table descriptors for the 4K, 16K and 64K granules, the TCR
 * fields a TTBR0 walk uses, and MAIR attributes. Encodings only: no state.
 *
 * Masks are named VMSA_<STRUCT>_<FIELD>; use FIELD_GET()/FIELD_PREP().
 */
#ifndef ARCH_VMSA_H
#define ARCH_VMSA_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/bitfield.h"

/* ---- Descriptors (D8.3) ---------------------------------------------- */

#define VMSA_DESC_VALID		BIT_ULL(0)
/* Bit 1: 1 = table (levels < 3) or page (level 3); 0 = block (levels < 3). */
#define VMSA_DESC_TABLE		BIT_ULL(1)
#define VMSA_DESC_PAGE		BIT_ULL(1)
#define VMSA_DESC_TYPE		GENMASK_ULL(1, 0)
#define VMSA_DESC_TYPE_BLOCK	0x1ULL
#define VMSA_DESC_TYPE_TABLE	0x3ULL	/* level 3: page */

/* Block and page descriptors: lower attributes. */
#define VMSA_PTE_ATTRINDX	GENMASK_ULL(4, 2)
#define VMSA_PTE_NS		BIT_ULL(5)
#define VMSA_PTE_AP		GENMASK_ULL(7, 6)
#define VMSA_PTE_AP_USER	BIT_ULL(6)	/* AP[1]: EL0 has access */
#define VMSA_PTE_AP_RDONLY	BIT_ULL(7)	/* AP[2]: read-only */
#define VMSA_PTE_SH		GENMASK_ULL(9, 8)
#define VMSA_PTE_AF		BIT_ULL(10)
#define VMSA_PTE_NG		BIT_ULL(11)
#define VMSA_PTE_NT		BIT_ULL(16)
/* Block and page descriptors: upper attributes. */
#define VMSA_PTE_GP		BIT_ULL(50)
#define VMSA_PTE_DBM		BIT_ULL(51)	/* dirty bit modifier */
#define VMSA_PTE_CONT		BIT_ULL(52)
#define VMSA_PTE_PXN		BIT_ULL(53)
#define VMSA_PTE_UXN		BIT_ULL(54)
#define VMSA_PTE_SW		GENMASK_ULL(58, 55)	/* ignored by hardware */

/* AP[2:1] values (Table D8-63, two-EL regime). */
#define VMSA_AP_PRIV_RW		0x0	/* EL1 RW, EL0 none */
#define VMSA_AP_RW		0x1	/* EL1 RW, EL0 RW */
#define VMSA_AP_PRIV_RO		0x2	/* EL1 RO, EL0 none */
#define VMSA_AP_RO		0x3	/* EL1 RO, EL0 RO */

/* SH values. */
#define VMSA_SH_NON		0x0
#define VMSA_SH_OUTER		0x2
#define VMSA_SH_INNER		0x3

/* Table descriptors: hierarchical attributes. */
#define VMSA_TABLE_PXN		BIT_ULL(59)
#define VMSA_TABLE_UXN		BIT_ULL(60)	/* XNTable */
#define VMSA_TABLE_AP		GENMASK_ULL(62, 61)
#define VMSA_TABLE_AP_NO_EL0	BIT_ULL(61)	/* APTable[0]: no EL0 access */
#define VMSA_TABLE_AP_RDONLY	BIT_ULL(62)	/* APTable[1]: no write access */
#define VMSA_TABLE_NS		BIT_ULL(63)

/*
 * Output address (block/page) and next-level table address, 48-bit PA.
 * The low bits of the field below the granule (or block) size are RES0;
 * callers mask with the granule via vmsa_desc_addr().
 */
#define VMSA_DESC_ADDR		GENMASK_ULL(47, 12)
/* 64K granule with 52-bit PA: OA[51:48] in descriptor bits [15:12]. */
#define VMSA_DESC_ADDR_HI_64K	GENMASK_ULL(15, 12)

/* Linux arm64 software PTE bits (arch/arm64/include/asm/pgtable-prot.h). */
#define VMSA_PTE_SW_DIRTY	BIT_ULL(55)
#define VMSA_PTE_SW_SPECIAL	BIT_ULL(56)

/* ---- TCR_EL1 fields used by a TTBR0 walk (D19.2) ----------------------- */

#define VMSA_TCR_T0SZ		GENMASK_ULL(5, 0)
#define VMSA_TCR_EPD0		BIT_ULL(7)
#define VMSA_TCR_IRGN0		GENMASK_ULL(9, 8)
#define VMSA_TCR_ORGN0		GENMASK_ULL(11, 10)
#define VMSA_TCR_SH0		GENMASK_ULL(13, 12)
#define VMSA_TCR_TG0		GENMASK_ULL(15, 14)
#define VMSA_TCR_T1SZ		GENMASK_ULL(21, 16)
#define VMSA_TCR_A1		BIT_ULL(22)
#define VMSA_TCR_EPD1		BIT_ULL(23)
#define VMSA_TCR_IRGN1		GENMASK_ULL(25, 24)
#define VMSA_TCR_ORGN1		GENMASK_ULL(27, 26)
#define VMSA_TCR_SH1		GENMASK_ULL(29, 28)
#define VMSA_TCR_TG1		GENMASK_ULL(31, 30)
#define VMSA_TCR_IPS		GENMASK_ULL(34, 32)
#define VMSA_TCR_AS		BIT_ULL(36)	/* 16-bit ASIDs */
#define VMSA_TCR_TBI0		BIT_ULL(37)
#define VMSA_TCR_TBI1		BIT_ULL(38)
#define VMSA_TCR_HA		BIT_ULL(39)
#define VMSA_TCR_HD		BIT_ULL(40)
#define VMSA_TCR_HPD0		BIT_ULL(41)	/* hierarchical permissions disabled */
#define VMSA_TCR_HPD1		BIT_ULL(42)
#define VMSA_TCR_TBID0		BIT_ULL(51)
#define VMSA_TCR_TBID1		BIT_ULL(52)
#define VMSA_TCR_E0PD0		BIT_ULL(55)
#define VMSA_TCR_E0PD1		BIT_ULL(56)
#define VMSA_TCR_DS		BIT_ULL(59)	/* FEAT_LPA2 descriptors */

/* TG0 encodings (note: not monotonic in size). */
#define VMSA_TG0_4K		0x0
#define VMSA_TG0_64K		0x1
#define VMSA_TG0_16K		0x2

/* TG1 encodings (different from TG0's). */
#define VMSA_TG1_16K		0x1
#define VMSA_TG1_4K		0x2
#define VMSA_TG1_64K		0x3

/* IRGN/ORGN encodings. */
#define VMSA_RGN_NC		0x0
#define VMSA_RGN_WBWA		0x1
#define VMSA_RGN_WT		0x2
#define VMSA_RGN_WB		0x3

/* IPS / PARange encodings. */
#define VMSA_IPS_32		0x0
#define VMSA_IPS_36		0x1
#define VMSA_IPS_40		0x2
#define VMSA_IPS_42		0x3
#define VMSA_IPS_44		0x4
#define VMSA_IPS_48		0x5
#define VMSA_IPS_52		0x6

/* ---- TTBR0_EL1 / TTBR1_EL1 ------------------------------------------------- */

#define VMSA_TTBR_CNP		BIT_ULL(0)
#define VMSA_TTBR_BADDR		GENMASK_ULL(47, 1)
#define VMSA_TTBR_ASID		GENMASK_ULL(63, 48)

/* ---- MAIR_EL1 (D19.2) --------------------------------------------------- */

#define VMSA_MAIR_ATTR(idx)		GENMASK_ULL((idx) * 8 + 7, (idx) * 8)
#define VMSA_MAIR_DEVICE_nGnRnE		0x00
#define VMSA_MAIR_DEVICE_nGnRE		0x04
#define VMSA_MAIR_NORMAL_NC		0x44
#define VMSA_MAIR_NORMAL_TAGGED		0xf0	/* FEAT_MTE2: WB, tagged */
#define VMSA_MAIR_NORMAL_WB		0xff

/* The attribute indices Linux arm64 uses, and the MAIR value they imply. */
#define VMSA_MT_NORMAL			0
#define VMSA_MT_NORMAL_TAGGED		1
#define VMSA_MT_NORMAL_NC		2
#define VMSA_MT_DEVICE_nGnRnE		3
#define VMSA_MT_DEVICE_nGnRE		4
#define VMSA_MAIR_LINUX	\
	(FIELD_PREP(VMSA_MAIR_ATTR(VMSA_MT_NORMAL), VMSA_MAIR_NORMAL_WB) | \
	 FIELD_PREP(VMSA_MAIR_ATTR(VMSA_MT_NORMAL_NC), VMSA_MAIR_NORMAL_NC) | \
	 FIELD_PREP(VMSA_MAIR_ATTR(VMSA_MT_DEVICE_nGnRnE), VMSA_MAIR_DEVICE_nGnRnE) | \
	 FIELD_PREP(VMSA_MAIR_ATTR(VMSA_MT_DEVICE_nGnRE), VMSA_MAIR_DEVICE_nGnRE))

/* ---- Geometry helpers ----------------------------------------------------- */

/* log2 of the granule for a TG0 encoding, or 0 if reserved. */
static inline unsigned int vmsa_tg0_to_shift(unsigned int tg0)
{
	switch (tg0) {
	case VMSA_TG0_4K:
		return 12;
	case VMSA_TG0_16K:
		return 14;
	case VMSA_TG0_64K:
		return 16;
	default:
		return 0;
	}
}

/* log2 of the granule for a TG1 encoding, or 0 if reserved. */
static inline unsigned int vmsa_tg1_to_shift(unsigned int tg1)
{
	switch (tg1) {
	case VMSA_TG1_4K:
		return 12;
	case VMSA_TG1_16K:
		return 14;
	case VMSA_TG1_64K:
		return 16;
	default:
		return 0;
	}
}

static inline unsigned int vmsa_shift_to_tg0(unsigned int shift)
{
	return shift == 16 ? VMSA_TG0_64K : shift == 14 ? VMSA_TG0_16K : VMSA_TG0_4K;
}

/* Output address size in bits for an IPS/PARange encoding, or 0 if reserved. */
static inline unsigned int vmsa_ips_to_bits(unsigned int ips)
{
	static const unsigned char bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return ips < sizeof(bits) ? bits[ips] : 0;
}

static inline unsigned int vmsa_bits_to_ips(unsigned int bits)
{
	unsigned int ips;

	for (ips = 0; ips < VMSA_IPS_52; ips++)
		if (vmsa_ips_to_bits(ips) >= bits)
			return ips;
	return VMSA_IPS_52;
}

/* Bits resolved per level: a table holds 2^(shift - 3) descriptors. */
static inline unsigned int vmsa_bits_per_level(unsigned int granule_shift)
{
	return granule_shift - 3;
}

/* log2 of the region a descriptor at @level maps (level 3 = one granule). */
static inline unsigned int vmsa_level_shift(unsigned int granule_shift, int level)
{
	return granule_shift + (3 - level) * vmsa_bits_per_level(granule_shift);
}

/*
 * Initial lookup level for an input size of @ia_bits (= 64 - TnSZ), without
 * FEAT_LPA2/TTST: the level whose region just covers the input address.
 */
static inline int vmsa_start_level(unsigned int granule_shift, unsigned int ia_bits)
{
	unsigned int stride = vmsa_bits_per_level(granule_shift);
	unsigned int levels = (ia_bits - granule_shift + stride - 1) / stride;

	return 4 - (int)levels;
}

/*
 * log2 of the byte size of the initial table for an input size of @ia_bits:
 * it resolves the bits left above the start level's region, 8 bytes each.
 */
static inline unsigned int vmsa_start_table_shift(unsigned int granule_shift,
						  unsigned int ia_bits)
{
	int level = vmsa_start_level(granule_shift, ia_bits);

	return ia_bits - vmsa_level_shift(granule_shift, level) + 3;
}

/* Index of @va in the table at @level. */
static inline unsigned int vmsa_index(unsigned int granule_shift, int level, uint64_t va)
{
	unsigned int shift = vmsa_level_shift(granule_shift, level);

	return (unsigned int)((va >> shift) & ((1ULL << vmsa_bits_per_level(granule_shift)) - 1));
}

/* Next-level table or output address held in @desc (48-bit PA, 64K LPA folded). */
static inline uint64_t vmsa_desc_addr(uint64_t desc, unsigned int granule_shift)
{
	uint64_t pa = desc & VMSA_DESC_ADDR & ~((1ULL << granule_shift) - 1);

	if (granule_shift == 16)
		pa |= FIELD_GET(VMSA_DESC_ADDR_HI_64K, desc) << 48;
	return pa;
}

/* Descriptor address bits for output/table address @pa (inverse of the above). */
static inline uint64_t vmsa_addr_to_desc(uint64_t pa, unsigned int granule_shift)
{
	uint64_t desc = pa & VMSA_DESC_ADDR;

	if (granule_shift == 16)
		desc |= FIELD_PREP(VMSA_DESC_ADDR_HI_64K, pa >> 48);
	return desc;
}

/* Can a block descriptor appear at @level? (No LPA2: 4K L1/L2, 16K/64K L2.) */
static inline bool vmsa_block_allowed(unsigned int granule_shift, int level)
{
	if (granule_shift == 12)
		return level == 1 || level == 2;
	return level == 2;
}

/* ---- Stage 2 (Arm ARM D8.3, D8.4.2; VTCR_EL2 D24.2) ----------------------- */

/* Block and page descriptors at stage 2 (tables carry no attributes). */
#define VMSA_S2_PTE_MEMATTR	GENMASK_ULL(5, 2)
#define VMSA_S2_PTE_S2AP	GENMASK_ULL(7, 6)
#define VMSA_S2_PTE_S2AP_R	BIT_ULL(6)	/* S2AP[0]: read permitted */
#define VMSA_S2_PTE_S2AP_W	BIT_ULL(7)	/* S2AP[1]: write permitted */
#define VMSA_S2_PTE_SH		GENMASK_ULL(9, 8)
#define VMSA_S2_PTE_AF		BIT_ULL(10)
#define VMSA_S2_PTE_DBM		BIT_ULL(51)
#define VMSA_S2_PTE_XN		GENMASK_ULL(54, 53)	/* XN[1:0] (FEAT_XNX) */
#define VMSA_S2_PTE_XN_ALL	BIT_ULL(54)	/* XN[1]: not executable (no FEAT_XNX) */

/* VTCR_EL2 (and the SMMU STE's S2 fields, same encodings). */
#define VMSA_VTCR_T0SZ		GENMASK_ULL(5, 0)
#define VMSA_VTCR_SL0		GENMASK_ULL(7, 6)
#define VMSA_VTCR_IRGN0		GENMASK_ULL(9, 8)
#define VMSA_VTCR_ORGN0		GENMASK_ULL(11, 10)
#define VMSA_VTCR_SH0		GENMASK_ULL(13, 12)
#define VMSA_VTCR_TG0		GENMASK_ULL(15, 14)
#define VMSA_VTCR_PS		GENMASK_ULL(18, 16)
#define VMSA_VTCR_VS		BIT_ULL(19)	/* 16-bit VMIDs */
#define VMSA_VTCR_HA		BIT_ULL(21)
#define VMSA_VTCR_HD		BIT_ULL(22)

/* VTTBR_EL2. */
#define VMSA_VTTBR_BADDR	GENMASK_ULL(47, 1)
#define VMSA_VTTBR_VMID		GENMASK_ULL(63, 48)

/* The largest number of concatenated initial stage-2 tables. */
#define VMSA_S2_MAX_CONCAT	16

/*
 * Stage-2 initial lookup level for VTCR_EL2.SL0 @sl0 with granule
 * @granule_shift, or -1 if the encoding is reserved without FEAT_TTST and
 * FEAT_LPA2 (Arm ARM VTCR_EL2.SL0; pseudocode AArch64.S2StartLevel):
 *   4K:  0 -> level 2, 1 -> level 1, 2 -> level 0
 *   16K, 64K: 0 -> level 3, 1 -> level 2, 2 -> level 1
 */
static inline int vmsa_s2_start_level(unsigned int granule_shift, unsigned int sl0)
{
	if (sl0 > 2)
		return -1;
	return granule_shift == 12 ? 2 - (int)sl0 : 3 - (int)sl0;
}

/* The SL0 encoding for a stage-2 start @level (inverse of the above). */
static inline unsigned int vmsa_s2_level_to_sl0(unsigned int granule_shift, int level)
{
	return granule_shift == 12 ? (unsigned int)(2 - level) : (unsigned int)(3 - level);
}

#endif /* ARCH_VMSA_H */
