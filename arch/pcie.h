/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI Express encodings for Shared Virtual Addressing: the extended
 * capability header, the ATS, PRI and PASID capabilities, the ATS
 * translation completion entry and invalidate request payload, the PRI page
 * request payload and the PRG response (PCIe Base Spec r5.0 chapter 10 and
 * §7.8.x; fact sheet smmuv3-encodings.md §8). Encodings only: no state.
 *
 * Register offsets are relative to the start of the capability. Masks are
 * named PCIE_<STRUCT>_<FIELD>; use FIELD_GET()/FIELD_PREP().
 */
#ifndef ARCH_PCIE_H
#define ARCH_PCIE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/bitfield.h"

/* ---- Configuration space ------------------------------------------------ */

#define PCIE_CFG_SIZE		4096	/* per function, with the extended space */
#define PCIE_CFG_LEGACY_SIZE	256
#define PCIE_EXT_CAP_START	0x100	/* first extended capability */

/* Type 0 header (the few registers a device model needs). */
#define PCIE_CFG_VENDOR_ID	0x00	/* 16 */
#define PCIE_CFG_DEVICE_ID	0x02	/* 16 */
#define PCIE_CFG_COMMAND	0x04	/* 16 */
#define PCIE_COMMAND_MEMORY	BIT(1)	/* memory space enable */
#define PCIE_COMMAND_MASTER	BIT(2)	/* bus master enable: may issue requests */
#define PCIE_CFG_STATUS		0x06	/* 16 */
#define PCIE_CFG_REVISION	0x08	/* 8 */
#define PCIE_CFG_CLASS		0x09	/* 24: prog-if, subclass, class */
#define PCIE_CFG_HEADER_TYPE	0x0e	/* 8 */

/* Extended capability header (32 bits, §7.6.3). */
#define PCIE_EXT_CAP_ID		GENMASK(15, 0)
#define PCIE_EXT_CAP_VER	GENMASK(19, 16)
#define PCIE_EXT_CAP_NEXT	GENMASK(31, 20)	/* offset of the next one, 0 = end */

#define PCIE_EXT_CAP_ID_ATS	0x000f
#define PCIE_EXT_CAP_ID_PRI	0x0013
#define PCIE_EXT_CAP_ID_PASID	0x001b

/* ---- ATS capability (§10.5.1) ------------------------------------------- */

#define PCIE_ATS_CAP		0x04	/* 16, RO */
#define PCIE_ATS_CAP_QDEPTH	GENMASK(4, 0)	/* invalidate queue depth, 0 = 32 */
#define PCIE_ATS_CAP_PAGE_ALIGNED	BIT(5)	/* requests are page aligned */
#define PCIE_ATS_CAP_GLOBAL_INV	BIT(6)	/* global invalidate supported */
#define PCIE_ATS_CTRL		0x06	/* 16 */
#define PCIE_ATS_CTRL_STU	GENMASK(4, 0)	/* smallest translation unit: 4K << STU */
#define PCIE_ATS_CTRL_ENABLE	BIT(15)
#define PCIE_ATS_CAP_SIZEOF	8

/* ---- PRI capability (§10.5.2) ------------------------------------------- */

#define PCIE_PRI_CTRL		0x04	/* 16 */
#define PCIE_PRI_CTRL_ENABLE	BIT(0)
#define PCIE_PRI_CTRL_RESET	BIT(1)	/* write-only, reads 0; acts only when disabled */
#define PCIE_PRI_STATUS		0x06	/* 16 */
#define PCIE_PRI_STATUS_RF	BIT(0)	/* response failure received, RW1C */
#define PCIE_PRI_STATUS_UPRGI	BIT(1)	/* unexpected PRG index received, RW1C */
#define PCIE_PRI_STATUS_STOPPED	BIT(8)	/* disabled and nothing outstanding, RO */
#define PCIE_PRI_STATUS_PASID	BIT(15)	/* PRG response PASID required, RO */
#define PCIE_PRI_CAPACITY	0x08	/* 32, RO: outstanding requests supported */
#define PCIE_PRI_ALLOC		0x0c	/* 32, RW: outstanding requests allowed */
#define PCIE_PRI_CAP_SIZEOF	16

/* ---- PASID capability (§7.8.8) ------------------------------------------ */

#define PCIE_PASID_CAP		0x04	/* 16, RO */
#define PCIE_PASID_CAP_EXEC	BIT(1)	/* execute permission supported */
#define PCIE_PASID_CAP_PRIV	BIT(2)	/* privileged mode supported */
#define PCIE_PASID_CAP_WIDTH	GENMASK(12, 8)	/* max PASID width, 0..20 */
#define PCIE_PASID_CTRL		0x06	/* 16 */
#define PCIE_PASID_CTRL_ENABLE	BIT(0)
#define PCIE_PASID_CTRL_EXEC	BIT(1)
#define PCIE_PASID_CTRL_PRIV	BIT(2)
#define PCIE_PASID_CAP_SIZEOF	8

#define PCIE_PASID_MAX_WIDTH	20

/* ---- ATS translation completion data entry (§10.2.3) -------------------- */

/*
 * One 64-bit entry: the low DW holds the flags and Translated Address[31:12],
 * the high DW Translated Address[63:32]; as a little-endian 64-bit value the
 * address is simply bits [63:12].
 */
#define PCIE_ATS_CPL_R		BIT_ULL(0)	/* read permitted */
#define PCIE_ATS_CPL_W		BIT_ULL(1)	/* write permitted */
#define PCIE_ATS_CPL_U		BIT_ULL(2)	/* untranslated access only */
#define PCIE_ATS_CPL_EXE	BIT_ULL(3)	/* execute permitted */
#define PCIE_ATS_CPL_PRIV	BIT_ULL(4)	/* applies to privileged requests */
#define PCIE_ATS_CPL_GLOBAL	BIT_ULL(5)	/* applies to every PASID */
#define PCIE_ATS_CPL_AMA	GENMASK_ULL(8, 6)
#define PCIE_ATS_CPL_N		BIT_ULL(10)	/* non-snooped */
#define PCIE_ATS_CPL_S		BIT_ULL(11)	/* size above 4K, encoded in ADDR */
#define PCIE_ATS_CPL_ADDR	GENMASK_ULL(63, 12)

/* Completion status of a translation request (Cpl header). */
enum pcie_cpl_status {
	PCIE_CPL_SC = 0,	/* successful: the data entry is valid */
	PCIE_CPL_UR = 1,	/* unsupported request (e.g. ATS off for the stream) */
	PCIE_CPL_CA = 4,	/* completer abort (e.g. bad configuration) */
};

/* ---- ATS invalidate request payload (§10.3.1) --------------------------- */

#define PCIE_ATS_INV_GLOBAL	BIT_ULL(0)	/* all PASIDs (with a PASID prefix) */
#define PCIE_ATS_INV_S		BIT_ULL(11)
#define PCIE_ATS_INV_ADDR	GENMASK_ULL(63, 12)	/* untranslated address */

#define PCIE_ATS_ITAGS		32	/* ITag 0..31 */

/* ---- PRI page request payload (§10.4.1), bytes 8-15 as 64 bits ---------- */

#define PCIE_PRQ_R		BIT_ULL(0)	/* read access requested */
#define PCIE_PRQ_W		BIT_ULL(1)	/* write access requested */
#define PCIE_PRQ_LAST		BIT_ULL(2)	/* last request of the group */
#define PCIE_PRQ_PRGI		GENMASK_ULL(11, 3)	/* page request group index */
#define PCIE_PRQ_ADDR		GENMASK_ULL(63, 12)	/* page address */

#define PCIE_PRG_INDEXES	512	/* 9-bit PRG index */

/* ---- PRG response (§10.4.2), the 16-bit response word ------------------- */

#define PCIE_PRG_RESP_INDEX	GENMASK(8, 0)
#define PCIE_PRG_RESP_CODE	GENMASK(15, 12)

enum pcie_prg_code {
	PCIE_PRG_SUCCESS = 0x0,		/* pages resident: retry the translation */
	PCIE_PRG_INVALID = 0x1,		/* the request cannot be satisfied */
	PCIE_PRG_FAILURE = 0xf,		/* catastrophic: the function stops PRI */
};

/* ---- PASID TLP prefix, as carried next to a request --------------------- */

struct pcie_pasid_prefix {
	bool valid;
	uint32_t pasid;		/* 20 bits */
	bool exe;		/* execute requested */
	bool priv;		/* privileged mode requested */
};

/* ---- S-bit size encoding (§10.2.3.2, same for invalidate requests) ------ */

/*
 * A translation or invalidation covers 2^shift bytes, shift >= 12, naturally
 * aligned. S = 0: 4K. S = 1: address bits from 12 upward hold k ones followed
 * by a zero, and the size is 2^(13 + k): bit 12 clear means 8K, bits 12 set
 * and 13 clear 16K, and so on. shift 64 (everything) sets bits 12..62.
 */

/* The address field (bits 63:11, S in bit 11) for [base, base + 2^shift). */
static inline uint64_t pcie_s_encode(uint64_t base, unsigned int shift)
{
	uint64_t ones;

	if (shift <= 12)
		return base & PCIE_ATS_CPL_ADDR;
	if (shift >= 64)
		return GENMASK_ULL(62, 12) | PCIE_ATS_CPL_S;
	/* Bits 12 .. shift-2 set, bit shift-1 clear. */
	ones = shift > 13 ? GENMASK_ULL(shift - 2, 12) : 0;
	return (base & ~GENMASK_ULL(shift - 1, 0)) | ones | PCIE_ATS_CPL_S;
}

/* log2 of the size an address field encodes (12 .. 64). */
static inline unsigned int pcie_s_shift(uint64_t field)
{
	uint64_t run;
	unsigned int k;

	if (!(field & PCIE_ATS_CPL_S))
		return 12;
	run = FIELD_GET(PCIE_ATS_CPL_ADDR, field);
	/* Trailing ones of the address from bit 12: k ones mean 2^(13 + k). */
	k = (unsigned int)__builtin_ctzll(~run);
	return k > 51 ? 64 : 13 + k;
}

/* Base address an address field encodes (the size bits cleared). */
static inline uint64_t pcie_s_base(uint64_t field)
{
	unsigned int shift = pcie_s_shift(field);

	if (shift >= 64)
		return 0;
	return field & PCIE_ATS_CPL_ADDR & ~GENMASK_ULL(shift - 1, 0);
}

#endif /* ARCH_PCIE_H */
