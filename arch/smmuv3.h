/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arm SMMUv3 encodings (IHI0070 G.b): the MMIO register map and fields, the
 * stream table (L1STD, STE), context descriptors (L1CD, CD), commands, event
 * records, PRI queue entries, GERROR and CMDQ_CONS.ERR codes. Encodings only:
 * no state, no policy. Both the model (hw/smmu) and the driver
 * (os/arm-smmu-v3) include this file, as both would read the manual.
 *
 * Masks are named <STRUCT>_<dword>_<FIELD> for in-memory structures
 * (STRTAB_STE_0_CFG, CD_0_ASID, CMD_1_LEAF, EVT_0_ID, PRIQ_0_SID) and
 * SMMU_<REG>_<FIELD> for registers; values of a field follow its mask.
 * Use FIELD_GET()/FIELD_PREP() from arch/bitfield.h.
 *
 * Address fields follow G.b (PA up to bit 55); an implementation with a
 * smaller OAS treats the bits above it as RES0 (SMMUv3 §4.1.6).
 */
#ifndef ARCH_SMMUV3_H
#define ARCH_SMMUV3_H

#include <stdint.h>

#include "arch/bitfield.h"

/* ==== MMIO register map (§6.2) ========================================== */

#define SMMU_PAGE_SIZE			0x10000u	/* each of page 0 and page 1 */
#define SMMU_MMIO_SIZE			(2 * SMMU_PAGE_SIZE)

#define SMMU_IDR0			0x000
#define SMMU_IDR1			0x004
#define SMMU_IDR2			0x008
#define SMMU_IDR3			0x00c
#define SMMU_IDR4			0x010
#define SMMU_IDR5			0x014
#define SMMU_IIDR			0x018
#define SMMU_AIDR			0x01c
#define SMMU_CR0			0x020
#define SMMU_CR0ACK			0x024
#define SMMU_CR1			0x028
#define SMMU_CR2			0x02c
#define SMMU_STATUSR			0x040
#define SMMU_GBPA			0x044
#define SMMU_AGBPA			0x048
#define SMMU_IRQ_CTRL			0x050
#define SMMU_IRQ_CTRLACK		0x054
#define SMMU_GERROR			0x060
#define SMMU_GERRORN			0x064
#define SMMU_GERROR_IRQ_CFG0		0x068	/* 64-bit */
#define SMMU_GERROR_IRQ_CFG1		0x070
#define SMMU_GERROR_IRQ_CFG2		0x074
#define SMMU_STRTAB_BASE		0x080	/* 64-bit */
#define SMMU_STRTAB_BASE_CFG		0x088
#define SMMU_CMDQ_BASE			0x090	/* 64-bit */
#define SMMU_CMDQ_PROD			0x098
#define SMMU_CMDQ_CONS			0x09c
#define SMMU_EVENTQ_BASE		0x0a0	/* 64-bit */
#define SMMU_EVENTQ_IRQ_CFG0		0x0b0	/* 64-bit */
#define SMMU_EVENTQ_IRQ_CFG1		0x0b8
#define SMMU_EVENTQ_IRQ_CFG2		0x0bc
#define SMMU_PRIQ_BASE			0x0c0	/* 64-bit */
#define SMMU_PRIQ_IRQ_CFG0		0x0d0	/* 64-bit */
#define SMMU_PRIQ_IRQ_CFG1		0x0d8
#define SMMU_PRIQ_IRQ_CFG2		0x0dc

/* Page 1: the event and PRI queue indexes (§6.2, Table 6-2). */
#define SMMU_EVENTQ_PROD		(SMMU_PAGE_SIZE + 0x0a8)
#define SMMU_EVENTQ_CONS		(SMMU_PAGE_SIZE + 0x0ac)
#define SMMU_PRIQ_PROD			(SMMU_PAGE_SIZE + 0x0c8)
#define SMMU_PRIQ_CONS			(SMMU_PAGE_SIZE + 0x0cc)

/* ---- SMMU_IDR0 (§6.3.1) ---- */
#define SMMU_IDR0_S2P			BIT(0)
#define SMMU_IDR0_S1P			BIT(1)
#define SMMU_IDR0_TTF			GENMASK(3, 2)
#define  SMMU_IDR0_TTF_AARCH32		1
#define  SMMU_IDR0_TTF_AARCH64		2
#define  SMMU_IDR0_TTF_BOTH		3
#define SMMU_IDR0_COHACC		BIT(4)
#define SMMU_IDR0_BTM			BIT(5)
#define SMMU_IDR0_HTTU			GENMASK(7, 6)
#define  SMMU_IDR0_HTTU_NONE		0
#define  SMMU_IDR0_HTTU_AF		1
#define  SMMU_IDR0_HTTU_AF_DIRTY	2
#define SMMU_IDR0_DORMHINT		BIT(8)
#define SMMU_IDR0_HYP			BIT(9)
#define SMMU_IDR0_ATS			BIT(10)
#define SMMU_IDR0_NS1ATS		BIT(11)	/* 1: split-stage ATS NOT supported */
#define SMMU_IDR0_ASID16		BIT(12)
#define SMMU_IDR0_MSI			BIT(13)
#define SMMU_IDR0_SEV			BIT(14)
#define SMMU_IDR0_ATOS			BIT(15)
#define SMMU_IDR0_PRI			BIT(16)
#define SMMU_IDR0_VMW			BIT(17)
#define SMMU_IDR0_VMID16		BIT(18)
#define SMMU_IDR0_CD2L			BIT(19)
#define SMMU_IDR0_VATOS			BIT(20)
#define SMMU_IDR0_TTENDIAN		GENMASK(22, 21)
#define  SMMU_IDR0_TTENDIAN_MIXED	0
#define  SMMU_IDR0_TTENDIAN_LE		2
#define  SMMU_IDR0_TTENDIAN_BE		3
#define SMMU_IDR0_ATSRECERR		BIT(23)
#define SMMU_IDR0_STALL_MODEL		GENMASK(25, 24)
#define  SMMU_IDR0_STALL_MODEL_STALL	0	/* stall and terminate */
#define  SMMU_IDR0_STALL_MODEL_TERM	1	/* terminate only */
#define  SMMU_IDR0_STALL_MODEL_FORCE	2	/* stall forced */
#define SMMU_IDR0_TERM_MODEL		BIT(26)	/* 1: terminate always aborts */
#define SMMU_IDR0_ST_LEVEL		GENMASK(28, 27)
#define  SMMU_IDR0_ST_LEVEL_LINEAR	0
#define  SMMU_IDR0_ST_LEVEL_2LVL	1
#define SMMU_IDR0_RME_IMPL		BIT(30)

/* ---- SMMU_IDR1 (§6.3.2) ---- */
#define SMMU_IDR1_SIDSIZE		GENMASK(5, 0)
#define SMMU_IDR1_SSIDSIZE		GENMASK(10, 6)
#define SMMU_IDR1_PRIQS			GENMASK(15, 11)
#define SMMU_IDR1_EVENTQS		GENMASK(20, 16)
#define SMMU_IDR1_CMDQS			GENMASK(25, 21)
#define SMMU_IDR1_ATTR_PERMS_OVR	BIT(26)
#define SMMU_IDR1_ATTR_TYPES_OVR	BIT(27)
#define SMMU_IDR1_REL			BIT(28)
#define SMMU_IDR1_QUEUES_PRESET		BIT(29)
#define SMMU_IDR1_TABLES_PRESET		BIT(30)
#define SMMU_IDR1_ECMDQ			BIT(31)
#define SMMU_QUEUE_MAX_LOG2		19	/* largest xQS an IDR1 may report */

/* ---- SMMU_IDR2 (§6.3.3) ---- */
#define SMMU_IDR2_BA_VATOS		GENMASK(9, 0)

/* ---- SMMU_IDR3 (§6.3.4) ---- */
#define SMMU_IDR3_HAD			BIT(2)
#define SMMU_IDR3_PBHA			BIT(3)
#define SMMU_IDR3_XNX			BIT(4)
#define SMMU_IDR3_PPS			BIT(5)
#define SMMU_IDR3_MPAM			BIT(7)
#define SMMU_IDR3_FWB			BIT(8)
#define SMMU_IDR3_STT			BIT(9)
#define SMMU_IDR3_RIL			BIT(10)	/* range invalidation + TTL hint */
#define SMMU_IDR3_BBML			GENMASK(12, 11)
#define SMMU_IDR3_E0PD			BIT(13)
#define SMMU_IDR3_PTWNNC		BIT(14)

/* ---- SMMU_IDR5 (§6.3.6) ---- */
#define SMMU_IDR5_OAS			GENMASK(2, 0)
#define  SMMU_OAS_32			0
#define  SMMU_OAS_36			1
#define  SMMU_OAS_40			2
#define  SMMU_OAS_42			3
#define  SMMU_OAS_44			4
#define  SMMU_OAS_48			5
#define  SMMU_OAS_52			6
#define  SMMU_OAS_56			7
#define SMMU_IDR5_GRAN4K		BIT(4)
#define SMMU_IDR5_GRAN16K		BIT(5)
#define SMMU_IDR5_GRAN64K		BIT(6)
#define SMMU_IDR5_DS			BIT(7)
#define SMMU_IDR5_D128			BIT(8)
#define SMMU_IDR5_VAX			GENMASK(11, 10)
#define  SMMU_IDR5_VAX_48		0
#define  SMMU_IDR5_VAX_52		1
#define SMMU_IDR5_STALL_MAX		GENMASK(31, 16)

/* ---- SMMU_IIDR (§6.3.7), SMMU_AIDR (§6.3.8) ---- */
#define SMMU_IIDR_IMPLEMENTER		GENMASK(11, 0)
#define SMMU_IIDR_REVISION		GENMASK(15, 12)
#define SMMU_IIDR_VARIANT		GENMASK(19, 16)
#define SMMU_IIDR_PRODUCTID		GENMASK(31, 20)
#define SMMU_AIDR_ARCH_MINOR		GENMASK(3, 0)
#define SMMU_AIDR_ARCH_MAJOR		GENMASK(7, 4)

/* ---- SMMU_CR0 / SMMU_CR0ACK (§6.3.9) ---- */
#define SMMU_CR0_SMMUEN			BIT(0)
#define SMMU_CR0_PRIQEN			BIT(1)
#define SMMU_CR0_EVENTQEN		BIT(2)
#define SMMU_CR0_CMDQEN			BIT(3)
#define SMMU_CR0_ATSCHK			BIT(4)
#define SMMU_CR0_VMW			GENMASK(8, 6)
#define SMMU_CR0_DPT_WALK_EN		BIT(10)

/* ---- SMMU_CR1 (§6.3.11): attributes of the SMMU's own accesses ---- */
#define SMMU_CR1_QUEUE_IC		GENMASK(1, 0)
#define SMMU_CR1_QUEUE_OC		GENMASK(3, 2)
#define SMMU_CR1_QUEUE_SH		GENMASK(5, 4)
#define SMMU_CR1_TABLE_IC		GENMASK(7, 6)
#define SMMU_CR1_TABLE_OC		GENMASK(9, 8)
#define SMMU_CR1_TABLE_SH		GENMASK(11, 10)
#define  SMMU_CR1_CACHE_NC		0
#define  SMMU_CR1_CACHE_WB		1
#define  SMMU_CR1_CACHE_WT		2
#define  SMMU_SH_NSH			0
#define  SMMU_SH_OSH			2
#define  SMMU_SH_ISH			3

/* ---- SMMU_CR2 (§6.3.12) ---- */
#define SMMU_CR2_E2H			BIT(0)
#define SMMU_CR2_RECINVSID		BIT(1)
#define SMMU_CR2_PTM			BIT(2)
#define SMMU_CR2_REC_CFG_ATS		BIT(3)

/* ---- SMMU_STATUSR ---- */
#define SMMU_STATUSR_DORMANT		BIT(0)

/* ---- SMMU_GBPA (§6.3.14) ---- */
#define SMMU_GBPA_UPDATE		BIT(31)
#define SMMU_GBPA_ABORT			BIT(20)
#define SMMU_GBPA_INSTCFG		GENMASK(19, 18)
#define SMMU_GBPA_PRIVCFG		GENMASK(17, 16)
#define SMMU_GBPA_SHCFG			GENMASK(13, 12)
#define SMMU_GBPA_ALLOCCFG		GENMASK(11, 8)
#define SMMU_GBPA_MTCFG			BIT(4)
#define SMMU_GBPA_MEMATTR		GENMASK(3, 0)
/* Every writable GBPA field (Update excluded). */
#define SMMU_GBPA_FIELDS		(SMMU_GBPA_ABORT | SMMU_GBPA_INSTCFG |	\
					 SMMU_GBPA_PRIVCFG | SMMU_GBPA_SHCFG |	\
					 SMMU_GBPA_ALLOCCFG | SMMU_GBPA_MTCFG |	\
					 SMMU_GBPA_MEMATTR)
#define  SMMU_SHCFG_INCOMING		1
/* Reset value: SHCFG = use incoming, everything else zero (bypass allowed). */
#define SMMU_GBPA_RESET			FIELD_PREP(SMMU_GBPA_SHCFG, SMMU_SHCFG_INCOMING)

/* ---- SMMU_IRQ_CTRL / SMMU_IRQ_CTRLACK (§6.3.16) ---- */
#define SMMU_IRQ_CTRL_GERROR_IRQEN	BIT(0)
#define SMMU_IRQ_CTRL_PRIQ_IRQEN	BIT(1)
#define SMMU_IRQ_CTRL_EVENTQ_IRQEN	BIT(2)

/* ---- SMMU_GERROR / SMMU_GERRORN (§6.3.18, §7.5) ---- */
#define SMMU_GERROR_CMDQ_ERR		BIT(0)
#define SMMU_GERROR_EVENTQ_ABT_ERR	BIT(2)
#define SMMU_GERROR_PRIQ_ABT_ERR	BIT(3)
#define SMMU_GERROR_MSI_CMDQ_ABT_ERR	BIT(4)
#define SMMU_GERROR_MSI_EVENTQ_ABT_ERR	BIT(5)
#define SMMU_GERROR_MSI_PRIQ_ABT_ERR	BIT(6)
#define SMMU_GERROR_MSI_GERROR_ABT_ERR	BIT(7)
#define SMMU_GERROR_SFM_ERR		BIT(8)
#define SMMU_GERROR_CMDQP_ERR		BIT(9)
#define SMMU_GERROR_DPT_ERR		BIT(10)
/* The errors a v3.x SMMU without ECMDQ/DPT can report. */
#define SMMU_GERROR_ERR_MASK		(GENMASK(8, 2) | SMMU_GERROR_CMDQ_ERR)

/* ---- SMMU_*_IRQ_CFG0..2 (§6.3.19-21): the MSI of each interrupt source ---- */
#define SMMU_IRQ_CFG0_ADDR		GENMASK_ULL(55, 2)
#define SMMU_IRQ_CFG1_DATA		GENMASK(31, 0)
#define SMMU_IRQ_CFG2_MEMATTR		GENMASK(3, 0)
#define SMMU_IRQ_CFG2_SH		GENMASK(5, 4)
#define SMMU_PRIQ_IRQ_CFG2_LO		BIT(31)	/* only PRIQ: IRQ on Last only */

/* ---- SMMU_STRTAB_BASE / _CFG (§6.3.23-24) ---- */
#define SMMU_STRTAB_BASE_RA		BIT_ULL(62)
#define SMMU_STRTAB_BASE_ADDR		GENMASK_ULL(55, 6)
#define SMMU_STRTAB_BASE_CFG_LOG2SIZE	GENMASK(5, 0)
#define SMMU_STRTAB_BASE_CFG_SPLIT	GENMASK(10, 6)
#define SMMU_STRTAB_BASE_CFG_FMT	GENMASK(17, 16)
#define  SMMU_STRTAB_FMT_LINEAR		0
#define  SMMU_STRTAB_FMT_2LVL		1

/* ---- SMMU_CMDQ_BASE / EVENTQ_BASE / PRIQ_BASE (§6.3.25, 28, 32) ---- */
#define SMMU_Q_BASE_LOG2SIZE		GENMASK_ULL(4, 0)
#define SMMU_Q_BASE_ADDR		GENMASK_ULL(55, 5)
#define SMMU_Q_BASE_RWA			BIT_ULL(62)	/* CMDQ: RA; EVENTQ/PRIQ: WA */

/*
 * PROD / CONS (§6.3.26-27, 30-31, 34-35): bits [QS-1:0] are the index and
 * bit [QS] the wrap flag, QS = the queue's LOG2SIZE. The queue is empty when
 * index and wrap are equal, full when the index is equal and wrap differs.
 */
#define SMMU_Q_IDX_WRAP			GENMASK(19, 0)	/* WR / RD incl. wrap */
#define SMMU_CMDQ_CONS_ERR		GENMASK(30, 24)
#define SMMU_Q_PROD_OVFLG		BIT(31)	/* EVENTQ_PROD, PRIQ_PROD */
#define SMMU_Q_CONS_OVACKFLG		BIT(31)	/* EVENTQ_CONS, PRIQ_CONS */

/* CMDQ_CONS.ERR codes (§7.1). */
#define SMMU_CERROR_NONE		0x00
#define SMMU_CERROR_ILL			0x01	/* illegal command */
#define SMMU_CERROR_ABT			0x02	/* abort fetching the command */
#define SMMU_CERROR_ATC_INV_SYNC	0x03	/* ATC invalidation timed out */

/* Queue entry sizes (log2 of bytes). */
#define SMMU_CMDQ_ENT_SHIFT		4	/* 16 bytes, 2 dwords */
#define SMMU_EVTQ_ENT_SHIFT		5	/* 32 bytes, 4 dwords */
#define SMMU_PRIQ_ENT_SHIFT		4	/* 16 bytes, 2 dwords */
#define SMMU_CMDQ_ENT_DWORDS		2
#define SMMU_EVTQ_ENT_DWORDS		4
#define SMMU_PRIQ_ENT_DWORDS		2

/* Index of entry @idx inside a queue of 2^@log2 entries: strip wrap and above. */
static inline uint32_t smmu_q_idx(uint32_t val, unsigned int log2)
{
	return val & (uint32_t)((1ull << log2) - 1);
}

static inline uint32_t smmu_q_wrap(uint32_t val, unsigned int log2)
{
	return val & (uint32_t)(1ull << log2);
}

/* ==== Stream table (§5.1, §5.2) ========================================= */

/* Level-1 stream table descriptor (8 bytes). */
#define STRTAB_L1_DESC_SPAN		GENMASK_ULL(4, 0)	/* 0 invalid; 2^(SPAN-1) STEs */
#define STRTAB_L1_DESC_L2PTR		GENMASK_ULL(55, 6)
#define STRTAB_L1_DESC_SPAN_MAX		12	/* values >= 12 are invalid */

#define STRTAB_STE_DWORDS		8	/* 64 bytes */
#define STRTAB_STE_SHIFT		6

#define STRTAB_STE_0_V			BIT_ULL(0)
#define STRTAB_STE_0_CFG		GENMASK_ULL(3, 1)
#define  STRTAB_STE_0_CFG_ABORT		0
#define  STRTAB_STE_0_CFG_BYPASS	4
#define  STRTAB_STE_0_CFG_S1_TRANS	5
#define  STRTAB_STE_0_CFG_S2_TRANS	6
#define  STRTAB_STE_0_CFG_NESTED	7
#define STRTAB_STE_0_S1FMT		GENMASK_ULL(5, 4)
#define  STRTAB_STE_0_S1FMT_LINEAR	0
#define  STRTAB_STE_0_S1FMT_4K_L2	1	/* 2-level, 64 CDs per leaf */
#define  STRTAB_STE_0_S1FMT_64K_L2	2	/* 2-level, 1024 CDs per leaf */
#define STRTAB_STE_0_S1CTXPTR		GENMASK_ULL(55, 6)
#define STRTAB_STE_0_S1CDMAX		GENMASK_ULL(63, 59)

#define STRTAB_STE_1_S1DSS		GENMASK_ULL(1, 0)
#define  STRTAB_STE_1_S1DSS_TERMINATE	0
#define  STRTAB_STE_1_S1DSS_BYPASS	1
#define  STRTAB_STE_1_S1DSS_SSID0	2
#define STRTAB_STE_1_S1CIR		GENMASK_ULL(3, 2)
#define STRTAB_STE_1_S1COR		GENMASK_ULL(5, 4)
#define STRTAB_STE_1_S1CSH		GENMASK_ULL(7, 6)
#define STRTAB_STE_1_DRE		BIT_ULL(12)
#define STRTAB_STE_1_CONT		GENMASK_ULL(16, 13)
#define STRTAB_STE_1_DCP		BIT_ULL(17)
#define STRTAB_STE_1_PPAR		BIT_ULL(18)
#define STRTAB_STE_1_MEV		BIT_ULL(19)
#define STRTAB_STE_1_S1STALLD		BIT_ULL(27)
#define STRTAB_STE_1_EATS		GENMASK_ULL(29, 28)
#define  STRTAB_STE_1_EATS_ABT		0
#define  STRTAB_STE_1_EATS_TRANS	1
#define  STRTAB_STE_1_EATS_S1CHK	2	/* split-stage */
#define STRTAB_STE_1_STRW		GENMASK_ULL(31, 30)
#define  STRTAB_STE_1_STRW_NSEL1	0
#define  STRTAB_STE_1_STRW_EL3		1
#define  STRTAB_STE_1_STRW_EL2		2
#define STRTAB_STE_1_MEMATTR		GENMASK_ULL(35, 32)
#define STRTAB_STE_1_MTCFG		BIT_ULL(36)
#define STRTAB_STE_1_ALLOCCFG		GENMASK_ULL(40, 37)
#define STRTAB_STE_1_SHCFG		GENMASK_ULL(45, 44)
#define  STRTAB_STE_1_SHCFG_NSH		0
#define  STRTAB_STE_1_SHCFG_INCOMING	1
#define  STRTAB_STE_1_SHCFG_OSH		2
#define  STRTAB_STE_1_SHCFG_ISH		3
#define STRTAB_STE_1_NSCFG		GENMASK_ULL(47, 46)
#define STRTAB_STE_1_PRIVCFG		GENMASK_ULL(49, 48)
#define STRTAB_STE_1_INSTCFG		GENMASK_ULL(51, 50)
#define  STRTAB_STE_1_CFG_INCOMING	0	/* PRIVCFG / INSTCFG */
#define  STRTAB_STE_1_PRIVCFG_UNPRIV	2
#define  STRTAB_STE_1_PRIVCFG_PRIV	3
#define  STRTAB_STE_1_INSTCFG_DATA	2
#define  STRTAB_STE_1_INSTCFG_INSTR	3

#define STRTAB_STE_2_S2VMID		GENMASK_ULL(15, 0)
#define STRTAB_STE_2_VTCR		GENMASK_ULL(50, 32)	/* VTCR_EL2[18:0] image */
#define STRTAB_STE_2_S2T0SZ		GENMASK_ULL(37, 32)
#define STRTAB_STE_2_S2SL0		GENMASK_ULL(39, 38)
#define STRTAB_STE_2_S2IR0		GENMASK_ULL(41, 40)
#define STRTAB_STE_2_S2OR0		GENMASK_ULL(43, 42)
#define STRTAB_STE_2_S2SH0		GENMASK_ULL(45, 44)
#define STRTAB_STE_2_S2TG		GENMASK_ULL(47, 46)
#define  STRTAB_STE_2_S2TG_4K		0
#define  STRTAB_STE_2_S2TG_64K		1
#define  STRTAB_STE_2_S2TG_16K		2
#define STRTAB_STE_2_S2PS		GENMASK_ULL(50, 48)
#define STRTAB_STE_2_S2AA64		BIT_ULL(51)
#define STRTAB_STE_2_S2ENDI		BIT_ULL(52)
#define STRTAB_STE_2_S2AFFD		BIT_ULL(53)
#define STRTAB_STE_2_S2PTW		BIT_ULL(54)
#define STRTAB_STE_2_S2HD		BIT_ULL(55)
#define STRTAB_STE_2_S2HA		BIT_ULL(56)
#define STRTAB_STE_2_S2S		BIT_ULL(57)
#define STRTAB_STE_2_S2R		BIT_ULL(58)

#define STRTAB_STE_3_S2TTB		GENMASK_ULL(55, 4)

/* ==== Context descriptors (§5.3, §5.4) ================================== */

/* Level-1 CD table descriptor (8 bytes). */
#define CD_L1_DESC_V			BIT_ULL(0)
#define CD_L1_DESC_L2PTR		GENMASK_ULL(55, 12)
#define CD_L2_SPLIT_4K			6	/* S1Fmt 01: 64 CDs per leaf */
#define CD_L2_SPLIT_64K			10	/* S1Fmt 10: 1024 CDs per leaf */

#define CD_DWORDS			8	/* 64 bytes */
#define CD_SHIFT			6

#define CD_0_T0SZ			GENMASK_ULL(5, 0)
#define CD_0_TG0			GENMASK_ULL(7, 6)
#define  CD_TG0_4K			0
#define  CD_TG0_64K			1
#define  CD_TG0_16K			2
#define CD_0_IR0			GENMASK_ULL(9, 8)
#define CD_0_OR0			GENMASK_ULL(11, 10)
#define CD_0_SH0			GENMASK_ULL(13, 12)
#define CD_0_EPD0			BIT_ULL(14)
#define CD_0_ENDI			BIT_ULL(15)
#define CD_0_T1SZ			GENMASK_ULL(21, 16)
#define CD_0_TG1			GENMASK_ULL(23, 22)
#define  CD_TG1_16K			1
#define  CD_TG1_4K			2
#define  CD_TG1_64K			3
#define CD_0_IR1			GENMASK_ULL(25, 24)
#define CD_0_OR1			GENMASK_ULL(27, 26)
#define CD_0_SH1			GENMASK_ULL(29, 28)
#define CD_0_EPD1			BIT_ULL(30)
#define CD_0_V				BIT_ULL(31)
#define CD_0_IPS			GENMASK_ULL(34, 32)	/* SMMU_OAS_* encoding */
#define CD_0_AFFD			BIT_ULL(35)
#define CD_0_WXN			BIT_ULL(36)
#define CD_0_UWXN			BIT_ULL(37)
#define CD_0_TBI0			BIT_ULL(38)
#define CD_0_TBI1			BIT_ULL(39)
#define CD_0_PAN			BIT_ULL(40)
#define CD_0_AA64			BIT_ULL(41)
#define CD_0_HD				BIT_ULL(42)
#define CD_0_HA				BIT_ULL(43)
#define CD_0_S				BIT_ULL(44)	/* stall on fault */
#define CD_0_R				BIT_ULL(45)	/* record faults */
#define CD_0_A				BIT_ULL(46)	/* terminate with abort, not RAZ/WI */
#define CD_0_ASET			BIT_ULL(47)	/* 1: private ASID set (no BTM) */
#define CD_0_ASID			GENMASK_ULL(63, 48)

#define CD_1_NSCFG0			BIT_ULL(0)
#define CD_1_HAD0			BIT_ULL(1)
#define CD_1_E0PD0			BIT_ULL(2)
#define CD_1_HAFT			BIT_ULL(3)
#define CD_1_TTB0			GENMASK_ULL(55, 4)

#define CD_2_NSCFG1			BIT_ULL(0)
#define CD_2_HAD1			BIT_ULL(1)
#define CD_2_E0PD1			BIT_ULL(2)
#define CD_2_TTB1			GENMASK_ULL(55, 4)

#define CD_3_MAIR			GENMASK_ULL(63, 0)	/* MAIR_ELx image */

/* ==== Commands (chapter 4) ============================================== */

#define CMD_DWORDS			2

#define CMD_OP_PREFETCH_CONFIG		0x01
#define CMD_OP_PREFETCH_ADDR		0x02
#define CMD_OP_CFGI_STE			0x03
#define CMD_OP_CFGI_STE_RANGE		0x04	/* CFGI_ALL: Range == 31 */
#define CMD_OP_CFGI_ALL			0x04
#define CMD_OP_CFGI_CD			0x05
#define CMD_OP_CFGI_CD_ALL		0x06
#define CMD_OP_CFGI_VMS_PIDM		0x07
#define CMD_OP_TLBI_NH_ALL		0x10
#define CMD_OP_TLBI_NH_ASID		0x11
#define CMD_OP_TLBI_NH_VA		0x12
#define CMD_OP_TLBI_NH_VAA		0x13
#define CMD_OP_TLBI_EL3_ALL		0x18
#define CMD_OP_TLBI_EL3_VA		0x1a
#define CMD_OP_TLBI_EL2_ALL		0x20
#define CMD_OP_TLBI_EL2_ASID		0x21
#define CMD_OP_TLBI_EL2_VA		0x22
#define CMD_OP_TLBI_EL2_VAA		0x23
#define CMD_OP_TLBI_S12_VMALL		0x28
#define CMD_OP_TLBI_S2_IPA		0x2a
#define CMD_OP_TLBI_NSNH_ALL		0x30
#define CMD_OP_ATC_INV			0x40
#define CMD_OP_PRI_RESP			0x41
#define CMD_OP_RESUME			0x44
#define CMD_OP_STALL_TERM		0x45
#define CMD_OP_SYNC			0x46
/* Secure Command queue only (CERROR_ILL on the Non-secure one). */
#define CMD_OP_TLBI_S_EL2_ALL		0x50
#define CMD_OP_TLBI_S_EL2_ASID		0x51
#define CMD_OP_TLBI_S_EL2_VA		0x52
#define CMD_OP_TLBI_S_EL2_VAA		0x53
#define CMD_OP_TLBI_S_S12_VMALL		0x58
#define CMD_OP_TLBI_S_S2_IPA		0x5a
#define CMD_OP_TLBI_SNH_ALL		0x60
/* Device Permission Table (v3.4, IDR3.DPT). */
#define CMD_OP_DPTI_ALL			0x70
#define CMD_OP_DPTI_PA			0x73
#define CMD_OP_IMPDEF_FIRST		0x80
#define CMD_OP_IMPDEF_LAST		0x8f
#define CMD_OP_NR			0x100	/* opcodes are 8 bits */

/* Fields common to several commands (§4.1.6). */
#define CMD_0_OP			GENMASK_ULL(7, 0)
#define CMD_0_SSEC			BIT_ULL(10)	/* must be 0 on the NS queue */
#define CMD_0_SSV			BIT_ULL(11)
#define CMD_0_SSID			GENMASK_ULL(31, 12)
#define CMD_0_SID			GENMASK_ULL(63, 32)

/* CMD_PREFETCH_ADDR (§4.2.2). */
#define CMD_1_PREFETCH_SIZE		GENMASK_ULL(4, 0)
#define CMD_1_PREFETCH_STRIDE		GENMASK_ULL(9, 5)
#define CMD_1_PREFETCH_ADDR		GENMASK_ULL(63, 12)

/* CMD_CFGI_* (§4.3). */
#define CMD_1_LEAF			BIT_ULL(0)	/* CFGI_STE/CD, TLBI by address */
#define CMD_1_RANGE			GENMASK_ULL(4, 0)	/* 2^(Range+1) StreamIDs */
#define CMD_CFGI_RANGE_ALL		31

/* CMD_TLBI_* (§4.4). */
#define CMD_0_TLBI_NUM			GENMASK_ULL(16, 12)
#define CMD_0_TLBI_SCALE		GENMASK_ULL(24, 20)
#define CMD_0_TLBI_SCALE_DS		GENMASK_ULL(25, 20)	/* IDR5.DS == 1 */
#define CMD_0_VMID			GENMASK_ULL(47, 32)
#define CMD_0_ASID			GENMASK_ULL(63, 48)
#define CMD_1_TTL128			BIT_ULL(7)
#define CMD_1_TTL			GENMASK_ULL(9, 8)
#define CMD_1_TG			GENMASK_ULL(11, 10)
#define  CMD_TG_ANY			0
#define  CMD_TG_4K			1
#define  CMD_TG_16K			2
#define  CMD_TG_64K			3
#define CMD_1_VA			GENMASK_ULL(63, 12)
#define CMD_1_IPA			GENMASK_ULL(55, 12)

/* CMD_ATC_INV (§4.5.1). */
#define CMD_0_ATC_GLOBAL		BIT_ULL(9)
#define CMD_1_ATC_SIZE			GENMASK_ULL(5, 0)
#define CMD_1_ATC_ADDR			GENMASK_ULL(63, 12)
#define CMD_ATC_SIZE_ALL		52	/* span 2^64: the whole space */

/* CMD_PRI_RESP (§4.5.2). */
#define CMD_1_PRI_GRPID			GENMASK_ULL(8, 0)
#define CMD_1_PRI_RESP			GENMASK_ULL(13, 12)
#define  CMD_PRI_RESP_FAILURE		0	/* ResponseFailure: PCIe 1111b */
#define  CMD_PRI_RESP_INVALID		1	/* InvalidRequest: PCIe 0001b */
#define  CMD_PRI_RESP_SUCCESS		2	/* Success: PCIe 0000b */

/* CMD_RESUME (§4.7.1) / CMD_STALL_TERM (§4.7.2). */
#define CMD_0_RESUME_AC			BIT_ULL(12)	/* 1: retry, 0: terminate */
#define CMD_0_RESUME_AB			BIT_ULL(13)	/* terminate: 1 abort, 0 RAZ/WI */
#define CMD_1_RESUME_STAG		GENMASK_ULL(15, 0)

/* CMD_SYNC (§4.7.3). */
#define CMD_0_SYNC_CS			GENMASK_ULL(13, 12)
#define  CMD_SYNC_CS_NONE		0
#define  CMD_SYNC_CS_IRQ		1
#define  CMD_SYNC_CS_SEV		2
#define CMD_0_SYNC_MSH			GENMASK_ULL(23, 22)
#define CMD_0_SYNC_MSIATTR		GENMASK_ULL(27, 24)
#define CMD_0_SYNC_MSIDATA		GENMASK_ULL(63, 32)
#define CMD_1_SYNC_MSIADDR		GENMASK_ULL(55, 2)

/* ==== Event records (§7.3) ============================================== */

#define EVT_DWORDS			4	/* 32 bytes */

#define EVT_ID_F_UUT			0x01
#define EVT_ID_C_BAD_STREAMID		0x02
#define EVT_ID_F_STE_FETCH		0x03
#define EVT_ID_C_BAD_STE		0x04
#define EVT_ID_F_BAD_ATS_TREQ		0x05
#define EVT_ID_F_STREAM_DISABLED	0x06
#define EVT_ID_F_TRANSL_FORBIDDEN	0x07
#define EVT_ID_C_BAD_SUBSTREAMID	0x08
#define EVT_ID_F_CD_FETCH		0x09
#define EVT_ID_C_BAD_CD			0x0a
#define EVT_ID_F_WALK_EABT		0x0b
#define EVT_ID_F_TRANSLATION		0x10
#define EVT_ID_F_ADDR_SIZE		0x11
#define EVT_ID_F_ACCESS			0x12
#define EVT_ID_F_PERMISSION		0x13
#define EVT_ID_F_TLB_CONFLICT		0x20
#define EVT_ID_F_CFG_CONFLICT		0x21
#define EVT_ID_E_PAGE_REQUEST		0x24
#define EVT_ID_F_VMS_FETCH		0x25

#define EVT_0_ID			GENMASK_ULL(7, 0)
#define EVT_0_SSV			BIT_ULL(11)
#define EVT_0_SSID			GENMASK_ULL(31, 12)
#define EVT_0_SID			GENMASK_ULL(63, 32)
#define EVT_1_STAG			GENMASK_ULL(15, 0)
#define EVT_1_STALL			BIT_ULL(31)
#define EVT_1_PNU			BIT_ULL(33)	/* 1: privileged */
#define EVT_1_IND			BIT_ULL(34)	/* 1: instruction */
#define EVT_1_RNW			BIT_ULL(35)	/* 1: read */
#define EVT_1_S2			BIT_ULL(39)	/* fault at stage 2 */
#define EVT_1_CLASS			GENMASK_ULL(41, 40)
#define  EVT_CLASS_CD			0	/* CD fetch */
#define  EVT_CLASS_TT			1	/* stage-1 table walk */
#define  EVT_CLASS_IN			2	/* the input address */
#define EVT_1_TTRNW			BIT_ULL(44)	/* CLASS TT: 1 walk read */
#define EVT_2_ADDR			GENMASK_ULL(63, 0)	/* InputAddr */
#define EVT_3_IPA			GENMASK_ULL(55, 12)
#define EVT_3_FETCH_ADDR		GENMASK_ULL(55, 3)	/* F_*_FETCH, F_WALK_EABT */

/* ==== PRI queue entries (§8.1) ========================================== */

#define PRIQ_DWORDS			2	/* 16 bytes */

#define PRIQ_0_SID			GENMASK_ULL(31, 0)
#define PRIQ_0_SSID			GENMASK_ULL(51, 32)
#define PRIQ_0_PERM_PRIV		BIT_ULL(58)
#define PRIQ_0_PERM_EXEC		BIT_ULL(59)
#define PRIQ_0_PERM_READ		BIT_ULL(60)
#define PRIQ_0_PERM_WRITE		BIT_ULL(61)
#define PRIQ_0_LAST			BIT_ULL(62)
#define PRIQ_0_SSV			BIT_ULL(63)
#define PRIQ_1_PRG_IDX			GENMASK_ULL(8, 0)
#define PRIQ_1_ADDR			GENMASK_ULL(63, 12)

/* ---- Names (arch/smmuv3_names.c) ---------------------------------------- */

/* "CMD_TLBI_NH_VA", ... for an opcode; NULL if reserved or IMPLEMENTATION DEFINED. */
const char *smmuv3_cmd_name(unsigned int opcode);
/* "F_TRANSLATION", ... for an event ID; NULL if reserved or IMPLEMENTATION DEFINED. */
const char *smmuv3_event_name(unsigned int id);

#endif /* ARCH_SMMUV3_H */
