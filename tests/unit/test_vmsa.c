// SPDX-License-Identifier: GPL-2.0
/*
 * arch/vmsa.h against the architecture. Every golden value below is written
 * from the Arm ARM text (descriptor formats D8.3, TCR_EL1 D24.2.194, MAIR,
 * the initial-lookup-level tables D8-18/28/37), never from the header: bit
 * positions as [hi:lo] pairs, turned into masks one bit at a time here.
 */
#include "arch/vmsa.h"
#include "tests/harness.h"

/* The mask of bits hi..lo, built bit by bit (independent of GENMASK_ULL). */
static uint64_t bits(unsigned int hi, unsigned int lo)
{
	uint64_t m = 0;
	unsigned int b;

	for (b = lo; b <= hi; b++)
		m |= 1ULL << b;
	return m;
}

struct golden {
	const char *name;
	uint64_t mask;		/* the header's */
	unsigned int hi, lo;	/* the architecture's */
};

#define G(m, h, l)	{ #m, m, h, l }

static void check_golden(const struct golden *g, unsigned int n)
{
	unsigned int i, b;

	for (i = 0; i < n; i++) {
		for (b = 0; b < 64; b++) {
			bool want = b >= g[i].lo && b <= g[i].hi;

			if (!!(g[i].mask & (1ULL << b)) != want) {
				HARNESS_FAIL(0, "%s: bit %u is %s", g[i].name, b,
					     want ? "missing" : "extra");
			}
		}
		EXPECT_EQ(g[i].mask, bits(g[i].hi, g[i].lo));
	}
}

/* Block/page and table descriptors, stage 1 (Arm ARM D8.3.1/D8.3.2). */
TEST(descriptor_fields)
{
	static const struct golden g[] = {
		G(VMSA_DESC_VALID, 0, 0),
		G(VMSA_DESC_TABLE, 1, 1),
		G(VMSA_DESC_PAGE, 1, 1),
		G(VMSA_DESC_TYPE, 1, 0),
		G(VMSA_PTE_ATTRINDX, 4, 2),
		G(VMSA_PTE_NS, 5, 5),
		G(VMSA_PTE_AP, 7, 6),
		G(VMSA_PTE_AP_USER, 6, 6),
		G(VMSA_PTE_AP_RDONLY, 7, 7),
		G(VMSA_PTE_SH, 9, 8),
		G(VMSA_PTE_AF, 10, 10),
		G(VMSA_PTE_NG, 11, 11),
		G(VMSA_PTE_NT, 16, 16),
		G(VMSA_PTE_GP, 50, 50),
		G(VMSA_PTE_DBM, 51, 51),
		G(VMSA_PTE_CONT, 52, 52),
		G(VMSA_PTE_PXN, 53, 53),
		G(VMSA_PTE_UXN, 54, 54),
		G(VMSA_PTE_SW, 58, 55),
		G(VMSA_TABLE_PXN, 59, 59),
		G(VMSA_TABLE_UXN, 60, 60),
		G(VMSA_TABLE_AP, 62, 61),
		G(VMSA_TABLE_AP_NO_EL0, 61, 61),
		G(VMSA_TABLE_AP_RDONLY, 62, 62),
		G(VMSA_TABLE_NS, 63, 63),
		G(VMSA_DESC_ADDR, 47, 12),
		G(VMSA_DESC_ADDR_HI_64K, 15, 12),
		/* Linux arm64 pgtable-prot.h software bits. */
		G(VMSA_PTE_SW_DIRTY, 55, 55),
		G(VMSA_PTE_SW_SPECIAL, 56, 56),
	};

	check_golden(g, sizeof(g) / sizeof(g[0]));
	EXPECT_EQ(VMSA_DESC_TYPE_BLOCK, 1);
	EXPECT_EQ(VMSA_DESC_TYPE_TABLE, 3);
}

/* The leaf attribute fields do not overlap one another. */
TEST(leaf_fields_disjoint)
{
	static const uint64_t f[] = {
		VMSA_DESC_TYPE, VMSA_PTE_ATTRINDX, VMSA_PTE_NS, VMSA_PTE_AP, VMSA_PTE_SH,
		VMSA_PTE_AF, VMSA_PTE_NG, VMSA_PTE_GP, VMSA_PTE_DBM, VMSA_PTE_CONT,
		VMSA_PTE_PXN, VMSA_PTE_UXN, VMSA_PTE_SW,
	};
	uint64_t seen = 0;
	unsigned int i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		EXPECT_EQ(seen & f[i], 0);
		seen |= f[i];
	}
	/* The 4K/16K output address sits between the low and upper attributes. */
	EXPECT_EQ(seen & VMSA_DESC_ADDR & ~VMSA_PTE_GP, 0);
}

TEST(access_permission_values)
{
	/* AP[2:1] (Table D8-63): AP[2] = read-only, AP[1] = EL0 access. */
	EXPECT_EQ(VMSA_AP_PRIV_RW, 0);
	EXPECT_EQ(VMSA_AP_RW, 1);
	EXPECT_EQ(VMSA_AP_PRIV_RO, 2);
	EXPECT_EQ(VMSA_AP_RO, 3);
	EXPECT_EQ(FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW), 0x40);
	EXPECT_EQ(FIELD_PREP(VMSA_PTE_AP, VMSA_AP_PRIV_RO), 0x80);
	EXPECT_EQ(FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RO), 0xc0);
	EXPECT_EQ(VMSA_SH_NON, 0);
	EXPECT_EQ(VMSA_SH_OUTER, 2);
	EXPECT_EQ(VMSA_SH_INNER, 3);
}

/* TCR_EL1 (Arm ARM D24.2.194). */
TEST(tcr_fields)
{
	static const struct golden g[] = {
		G(VMSA_TCR_T0SZ, 5, 0),
		G(VMSA_TCR_EPD0, 7, 7),
		G(VMSA_TCR_IRGN0, 9, 8),
		G(VMSA_TCR_ORGN0, 11, 10),
		G(VMSA_TCR_SH0, 13, 12),
		G(VMSA_TCR_TG0, 15, 14),
		G(VMSA_TCR_T1SZ, 21, 16),
		G(VMSA_TCR_A1, 22, 22),
		G(VMSA_TCR_EPD1, 23, 23),
		G(VMSA_TCR_IRGN1, 25, 24),
		G(VMSA_TCR_ORGN1, 27, 26),
		G(VMSA_TCR_SH1, 29, 28),
		G(VMSA_TCR_TG1, 31, 30),
		G(VMSA_TCR_IPS, 34, 32),
		G(VMSA_TCR_AS, 36, 36),
		G(VMSA_TCR_TBI0, 37, 37),
		G(VMSA_TCR_TBI1, 38, 38),
		G(VMSA_TCR_HA, 39, 39),
		G(VMSA_TCR_HD, 40, 40),
		G(VMSA_TCR_HPD0, 41, 41),
		G(VMSA_TCR_HPD1, 42, 42),
		G(VMSA_TCR_TBID0, 51, 51),
		G(VMSA_TCR_TBID1, 52, 52),
		G(VMSA_TCR_E0PD0, 55, 55),
		G(VMSA_TCR_E0PD1, 56, 56),
		G(VMSA_TCR_DS, 59, 59),
		/* TTBRn_EL1: ASID[63:48], BADDR[47:1], CnP[0]. */
		G(VMSA_TTBR_CNP, 0, 0),
		G(VMSA_TTBR_BADDR, 47, 1),
		G(VMSA_TTBR_ASID, 63, 48),
	};

	check_golden(g, sizeof(g) / sizeof(g[0]));
}

TEST(tcr_encodings)
{
	/* TG0: 00 4KB, 01 64KB, 10 16KB. TG1: 01 16KB, 10 4KB, 11 64KB. */
	EXPECT_EQ(VMSA_TG0_4K, 0);
	EXPECT_EQ(VMSA_TG0_64K, 1);
	EXPECT_EQ(VMSA_TG0_16K, 2);
	EXPECT_EQ(VMSA_TG1_16K, 1);
	EXPECT_EQ(VMSA_TG1_4K, 2);
	EXPECT_EQ(VMSA_TG1_64K, 3);
	EXPECT_EQ(vmsa_tg0_to_shift(0), 12);
	EXPECT_EQ(vmsa_tg0_to_shift(1), 16);
	EXPECT_EQ(vmsa_tg0_to_shift(2), 14);
	EXPECT_EQ(vmsa_tg0_to_shift(3), 0);
	EXPECT_EQ(vmsa_shift_to_tg0(12), 0);
	EXPECT_EQ(vmsa_shift_to_tg0(14), 2);
	EXPECT_EQ(vmsa_shift_to_tg0(16), 1);

	/* IRGN/ORGN: 00 NC, 01 WB RA WA, 10 WT RA, 11 WB RA no-WA. */
	EXPECT_EQ(VMSA_RGN_NC, 0);
	EXPECT_EQ(VMSA_RGN_WBWA, 1);
	EXPECT_EQ(VMSA_RGN_WT, 2);
	EXPECT_EQ(VMSA_RGN_WB, 3);

	/* IPS/PARange: 32, 36, 40, 42, 44, 48, 52 bits; 111 reserved here. */
	EXPECT_EQ(vmsa_ips_to_bits(VMSA_IPS_32), 32);
	EXPECT_EQ(vmsa_ips_to_bits(VMSA_IPS_36), 36);
	EXPECT_EQ(vmsa_ips_to_bits(VMSA_IPS_40), 40);
	EXPECT_EQ(vmsa_ips_to_bits(VMSA_IPS_42), 42);
	EXPECT_EQ(vmsa_ips_to_bits(VMSA_IPS_44), 44);
	EXPECT_EQ(vmsa_ips_to_bits(VMSA_IPS_48), 48);
	EXPECT_EQ(vmsa_ips_to_bits(VMSA_IPS_52), 52);
	EXPECT_EQ(vmsa_ips_to_bits(7), 0);
	EXPECT_EQ(VMSA_IPS_32, 0);
	EXPECT_EQ(VMSA_IPS_48, 5);
	EXPECT_EQ(VMSA_IPS_52, 6);
	EXPECT_EQ(vmsa_bits_to_ips(48), VMSA_IPS_48);
	EXPECT_EQ(vmsa_bits_to_ips(32), VMSA_IPS_32);
	EXPECT_EQ(vmsa_bits_to_ips(39), VMSA_IPS_40);	/* rounds up */
	EXPECT_EQ(vmsa_bits_to_ips(52), VMSA_IPS_52);
}

TEST(mair)
{
	/* Attr<n> is MAIR bits [8n+7:8n]. */
	EXPECT_EQ(VMSA_MAIR_ATTR(0), bits(7, 0));
	EXPECT_EQ(VMSA_MAIR_ATTR(3), bits(31, 24));
	EXPECT_EQ(VMSA_MAIR_ATTR(7), bits(63, 56));
	/* Device-nGnRnE 0b0000_0000, Device-nGnRE 0b0000_0100, Normal NC
	 * 0b0100_0100, Normal WB RW-allocate 0b1111_1111, tagged 0b1111_0000. */
	EXPECT_EQ(VMSA_MAIR_DEVICE_nGnRnE, 0x00);
	EXPECT_EQ(VMSA_MAIR_DEVICE_nGnRE, 0x04);
	EXPECT_EQ(VMSA_MAIR_NORMAL_NC, 0x44);
	EXPECT_EQ(VMSA_MAIR_NORMAL_WB, 0xff);
	EXPECT_EQ(VMSA_MAIR_NORMAL_TAGGED, 0xf0);
	/* Linux: Normal 0, (tagged 1), Normal-NC 2, nGnRnE 3, nGnRE 4. */
	EXPECT_EQ(VMSA_MAIR_LINUX, 0x04004400ffULL);
}

/* ---- Geometry ----------------------------------------------------------- */

/* Initial lookup level by TnSZ (Tables D8-18, D8-28, D8-37; no LPA2/TTST). */
TEST(start_levels)
{
	static const struct { unsigned int gshift, tsz; int level; } g[] = {
		{ 12, 16, 0 }, { 12, 24, 0 }, { 12, 25, 1 }, { 12, 33, 1 },
		{ 12, 34, 2 }, { 12, 39, 2 },
		{ 14, 16, 0 }, { 14, 17, 1 }, { 14, 27, 1 }, { 14, 28, 2 },
		{ 14, 38, 2 }, { 14, 39, 3 },
		{ 16, 12, 1 }, { 16, 16, 1 }, { 16, 21, 1 }, { 16, 22, 2 },
		{ 16, 34, 2 }, { 16, 35, 3 }, { 16, 39, 3 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		EXPECT_EQ(vmsa_start_level(g[i].gshift, 64 - g[i].tsz), g[i].level);
		if (harness_failed) {
			TH_LOG("granule %u tsz %u", g[i].gshift, g[i].tsz);
			return;
		}
	}
}

/* IA bits resolved per level (D8.2): lowest bit of each level's index. */
TEST(level_shifts_and_indices)
{
	static const struct { unsigned int gshift; unsigned int shift[4]; } g[] = {
		{ 12, { 39, 30, 21, 12 } },	/* L0 [47:39] .. L3 [20:12] */
		{ 14, { 47, 36, 25, 14 } },	/* L0 [47] .. L3 [24:14] */
		{ 16, { 55, 42, 29, 16 } },	/* L1 [47:42] (or [51:42]) .. L3 [28:16] */
	};
	unsigned int i;
	int level;

	for (i = 0; i < 3; i++)
		for (level = 0; level <= 3; level++)
			EXPECT_EQ(vmsa_level_shift(g[i].gshift, level), g[i].shift[level]);
	EXPECT_EQ(vmsa_bits_per_level(12), 9);
	EXPECT_EQ(vmsa_bits_per_level(14), 11);
	EXPECT_EQ(vmsa_bits_per_level(16), 13);

	/* VA with index k at level k+1 (4K): 1 at L0, 2 at L1, 3 at L2, 4 at L3. */
	{
		uint64_t va = (1ULL << 39) | (2ULL << 30) | (3ULL << 21) | (4ULL << 12) | 0xabc;

		EXPECT_EQ(vmsa_index(12, 0, va), 1);
		EXPECT_EQ(vmsa_index(12, 1, va), 2);
		EXPECT_EQ(vmsa_index(12, 2, va), 3);
		EXPECT_EQ(vmsa_index(12, 3, va), 4);
	}
	/* All-ones VA: full-width indices at every level. */
	EXPECT_EQ(vmsa_index(12, 3, ~0ULL), 511);
	EXPECT_EQ(vmsa_index(14, 2, ~0ULL), 2047);
	EXPECT_EQ(vmsa_index(16, 3, ~0ULL), 8191);
	/* 16K level 0 is VA[47] only, for a 48-bit VA. */
	EXPECT_EQ(vmsa_index(14, 0, 1ULL << 47), 1);
	EXPECT_EQ(vmsa_index(14, 0, (1ULL << 47) - 1), 0);
	/* 64K level 1 for a 52-bit VA: VA[51:42]. */
	EXPECT_EQ(vmsa_index(16, 1, 0x000fffffffffffffULL), 1023);

	/* Initial table sizes: 4K/48-bit 4KB; 16K/48-bit two entries. */
	EXPECT_EQ(vmsa_start_table_shift(12, 48), 12);
	EXPECT_EQ(vmsa_start_table_shift(14, 48), 4);
	EXPECT_EQ(vmsa_start_table_shift(16, 48), 9);	/* 64 entries */
	EXPECT_EQ(vmsa_start_table_shift(16, 52), 13);
	EXPECT_EQ(vmsa_start_table_shift(12, 39), 12);
}

/* Blocks (D8.3, no FEAT_LPA2): 4K at L1 (1GB) and L2 (2MB); 16K/64K at L2. */
TEST(block_levels)
{
	EXPECT_FALSE(vmsa_block_allowed(12, 0));
	EXPECT_TRUE(vmsa_block_allowed(12, 1));
	EXPECT_TRUE(vmsa_block_allowed(12, 2));
	EXPECT_FALSE(vmsa_block_allowed(12, 3));
	EXPECT_FALSE(vmsa_block_allowed(14, 0));
	EXPECT_FALSE(vmsa_block_allowed(14, 1));
	EXPECT_TRUE(vmsa_block_allowed(14, 2));
	EXPECT_FALSE(vmsa_block_allowed(14, 3));
	EXPECT_FALSE(vmsa_block_allowed(16, 1));
	EXPECT_TRUE(vmsa_block_allowed(16, 2));
	EXPECT_FALSE(vmsa_block_allowed(16, 3));
	/* Block sizes: 1GB, 2MB; 32MB; 512MB. */
	EXPECT_EQ(1ULL << vmsa_level_shift(12, 1), 1ULL << 30);
	EXPECT_EQ(1ULL << vmsa_level_shift(12, 2), 2ULL << 20);
	EXPECT_EQ(1ULL << vmsa_level_shift(14, 2), 32ULL << 20);
	EXPECT_EQ(1ULL << vmsa_level_shift(16, 2), 512ULL << 20);
}

/* Output/next-table address packing, including 64K OA[51:48] in [15:12]. */
TEST(descriptor_addresses)
{
	uint64_t pa48 = 0x0000abcdef654000ULL & ~0xffffULL;
	uint64_t pa52 = 0x000f123456780000ULL;

	EXPECT_EQ(vmsa_desc_addr(vmsa_addr_to_desc(0x0000123456789000ULL, 12), 12),
		  0x0000123456789000ULL);
	EXPECT_EQ(vmsa_desc_addr(vmsa_addr_to_desc(0x0000123456788000ULL, 14), 14),
		  0x0000123456788000ULL);
	EXPECT_EQ(vmsa_desc_addr(vmsa_addr_to_desc(pa48, 16), 16), pa48);
	EXPECT_EQ(vmsa_addr_to_desc(pa52, 16), 0x0000123456780000ULL | 0xf000);
	EXPECT_EQ(vmsa_desc_addr(vmsa_addr_to_desc(pa52, 16), 16), pa52);
	/* Attribute bits never leak into the address. */
	EXPECT_EQ(vmsa_desc_addr(~0ULL, 12), bits(47, 12));
	EXPECT_EQ(vmsa_desc_addr(~0ULL, 14), bits(47, 14));
	EXPECT_EQ(vmsa_desc_addr(~0ULL, 16), bits(51, 16));
}
