// SPDX-License-Identifier: GPL-2.0
/*
 * hw/walk: the stage-1 table walker. Each test builds its own page tables in
 * a phys_mem (with its own index arithmetic, not the walker's) and checks
 * the translation, the fault and its level, and the HTTU updates in memory.
 */
#include <errno.h>
#include <pthread.h>

#include "arch/vmsa.h"
#include "hw/mem.h"
#include "hw/walk.h"
#include "tests/harness.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(64ULL << 20)

/* A page-table builder over its own RAM, one granule size per instance. */
struct pt {
	struct phys_mem mem;
	unsigned int gshift;
	uint64_t next;		/* bump allocator for tables */
	uint64_t ttb;
	int start;		/* initial lookup level */
	struct walk_cfg cfg;
};

static unsigned int stride(const struct pt *pt)
{
	return pt->gshift - 3;
}

static unsigned int lvl_shift(const struct pt *pt, int level)
{
	return pt->gshift + (unsigned int)(3 - level) * stride(pt);
}

static uint64_t idx(const struct pt *pt, int level, uint64_t va)
{
	return (va >> lvl_shift(pt, level)) & ((1ULL << stride(pt)) - 1);
}

static uint64_t pt_alloc(struct pt *pt)
{
	uint64_t pa = pt->next;

	pt->next += 1ULL << pt->gshift;
	ASSERT_LE(pt->next, BASE + SIZE / 2);
	ASSERT_EQ(phys_mem_fill(&pt->mem, pa, 0, 1ULL << pt->gshift), 0);
	return pa;
}

/* RAM for mapped data starts in the upper half, so tables never collide. */
#define DATA	(BASE + SIZE / 2)

static void pt_init(struct pt *pt, unsigned int gshift, unsigned int tsz)
{
	unsigned int ia = 64 - tsz, levels;

	memset(pt, 0, sizeof(*pt));
	ASSERT_EQ(phys_mem_init(&pt->mem, BASE, SIZE), 0);
	pt->gshift = gshift;
	pt->next = BASE;
	levels = (ia - gshift + stride(pt) - 1) / stride(pt);
	pt->start = 4 - (int)levels;
	pt->ttb = pt_alloc(pt);
	pt->cfg = (struct walk_cfg){
		.ttb = pt->ttb, .tsz = (uint8_t)tsz, .granule_shift = (uint8_t)gshift,
		.oas = 48,
	};
}

static void pt_fini(struct pt *pt)
{
	phys_mem_fini(&pt->mem);
}

static uint64_t rd(struct pt *pt, uint64_t pa)
{
	uint64_t v = 0;

	ASSERT_EQ(phys_mem_read64(&pt->mem, pa, &v), 0);
	return v;
}

static void wr(struct pt *pt, uint64_t pa, uint64_t v)
{
	ASSERT_EQ(phys_mem_write64(&pt->mem, pa, v), 0);
}

/*
 * PA of the descriptor slot for @va at @level, creating table descriptors
 * (with extra bits @tbl_attr) on the way down.
 */
static uint64_t pt_slot(struct pt *pt, uint64_t va, int level, uint64_t tbl_attr)
{
	uint64_t table = pt->ttb, slot, desc;
	int l;

	for (l = pt->start; ; l++) {
		slot = table + 8 * idx(pt, l, va);
		if (l == level)
			return slot;
		desc = rd(pt, slot);
		if (!(desc & 1)) {
			desc = vmsa_addr_to_desc(pt_alloc(pt), pt->gshift) | 3 | tbl_attr;
			wr(pt, slot, desc);
		}
		table = vmsa_desc_addr(desc, pt->gshift);
	}
}

/* Leaf attributes of a normal, user read-write, accessed page. */
#define LEAF_RW	(VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW) | \
		 FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER))

/* Map @va to @pa with a leaf at @level; returns the leaf's PA. */
static uint64_t pt_map(struct pt *pt, uint64_t va, uint64_t pa, int level, uint64_t attr)
{
	uint64_t slot = pt_slot(pt, va, level, 0);
	uint64_t type = level == 3 ? 3 : 1;

	wr(pt, slot, vmsa_addr_to_desc(pa, pt->gshift) | type | attr);
	return slot;
}

static enum walk_fault walk(struct pt *pt, uint64_t va, unsigned int acc,
			    struct walk_result *res)
{
	return walk_stage1(&pt->mem.bus, &pt->cfg, va, acc, res);
}

/* ---- Successful walks ---------------------------------------------------- */

struct geo {
	unsigned int gshift, tsz;
	int start;
};

/* 4, 3 and 2-level walks per granule (start levels from D8 tables). */
static const struct geo geos[] = {
	{ 12, 16, 0 }, { 12, 25, 1 }, { 12, 34, 2 },
	{ 14, 16, 0 }, { 14, 17, 1 }, { 14, 28, 2 },
	{ 16, 12, 1 }, { 16, 22, 2 }, { 16, 16, 1 },
};

TEST(page_walks_all_granules)
{
	unsigned int i;

	for (i = 0; i < sizeof(geos) / sizeof(geos[0]); i++) {
		struct pt pt;
		struct walk_result res;
		uint64_t ia_top = 1ULL << (64 - geos[i].tsz);
		uint64_t page = 1ULL << geos[i].gshift;
		uint64_t va = (ia_top - 3 * page) | 0x123;
		uint64_t pa = DATA + 5 * page;
		uint64_t leaf;

		pt_init(&pt, geos[i].gshift, geos[i].tsz);
		EXPECT_EQ(pt.start, geos[i].start);
		leaf = pt_map(&pt, va & ~(page - 1), pa, 3, LEAF_RW | VMSA_PTE_NG);
		ASSERT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
		EXPECT_EQ(res.oa, pa | 0x123);
		EXPECT_EQ(res.level, 3);
		EXPECT_EQ(res.leaf_shift, geos[i].gshift);
		EXPECT_EQ(res.reads, (unsigned int)(4 - geos[i].start));
		EXPECT_EQ(res.desc_pa, leaf);
		EXPECT_EQ(res.desc, rd(&pt, leaf));
		EXPECT_TRUE(res.ng);
		EXPECT_EQ(res.sh, VMSA_SH_INNER);
		EXPECT_EQ(res.perm_el0, WALK_PERM_R | WALK_PERM_W | WALK_PERM_X);
		/* EL0-writable memory is never privileged-executable. */
		EXPECT_EQ(res.perm_el1, WALK_PERM_R | WALK_PERM_W);
		if (harness_failed)
			TH_LOG("granule %u tsz %u", geos[i].gshift, geos[i].tsz);
		pt_fini(&pt);
	}
}

/* Blocks at each level where the granule allows them (no LPA2). */
TEST(blocks_at_allowed_levels)
{
	static const struct { unsigned int gshift; int level; } cases[] = {
		{ 12, 1 }, { 12, 2 }, { 14, 2 }, { 16, 2 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt pt;
		struct walk_result res;
		unsigned int bshift;
		uint64_t va, pa, off;

		pt_init(&pt, cases[i].gshift, 16);
		bshift = lvl_shift(&pt, cases[i].level);
		/* Blocks bigger than our RAM map addresses beyond it: fine. */
		pa = 1ULL << 40;
		va = 7ULL << bshift;
		off = (1ULL << bshift) - 8;
		pt_map(&pt, va, pa, cases[i].level, LEAF_RW);
		ASSERT_EQ(walk(&pt, va + off, WALK_ACC_WRITE, &res), WALK_OK);
		EXPECT_EQ(res.oa, pa + off);
		EXPECT_EQ(res.level, cases[i].level);
		EXPECT_EQ(res.leaf_shift, bshift);
		if (harness_failed)
			TH_LOG("granule %u level %d", cases[i].gshift, cases[i].level);
		pt_fini(&pt);
	}
}

/* A block where the granule forbids one, and type 01 at level 3. */
TEST(bad_leaf_types_are_translation_faults)
{
	static const struct { unsigned int gshift; int level; } cases[] = {
		{ 12, 0 }, { 12, 3 }, { 14, 0 }, { 14, 1 }, { 14, 3 }, { 16, 1 }, { 16, 3 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt pt;
		struct walk_result res;
		uint64_t va = 0x40000000ULL, slot;

		pt_init(&pt, cases[i].gshift, 16);
		slot = pt_slot(&pt, va, cases[i].level, 0);
		wr(&pt, slot, vmsa_addr_to_desc(DATA, pt.gshift) | 1 | LEAF_RW);
		EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
		EXPECT_EQ(res.level, cases[i].level);
		EXPECT_EQ(res.desc_pa, slot);
		EXPECT_FALSE(res.fault_on_walk);
		if (harness_failed)
			TH_LOG("granule %u level %d", cases[i].gshift, cases[i].level);
		pt_fini(&pt);
	}
}

/* An invalid descriptor at each level of a 4-level walk faults there. */
TEST(invalid_at_each_level)
{
	static const unsigned int gshifts[] = { 12, 14, 16 };
	unsigned int g;
	int level;

	for (g = 0; g < 3; g++) {
		for (level = 0; level <= 3; level++) {
			struct pt pt;
			struct walk_result res;
			uint64_t va = 0x0000123456789000ULL & ~((1ULL << gshifts[g]) - 1);
			uint64_t slot;

			pt_init(&pt, gshifts[g], 16);
			if (level < pt.start) {
				pt_fini(&pt);
				continue;
			}
			slot = pt_slot(&pt, va, level, 0);
			/* Invalid, but with every other bit set: still invalid. */
			wr(&pt, slot, ~1ULL);
			EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
			EXPECT_EQ(res.level, level);
			EXPECT_EQ(res.desc_pa, slot);
			EXPECT_EQ(res.desc, ~1ULL);
			EXPECT_EQ(res.reads, (unsigned int)(level - pt.start + 1));
			if (harness_failed)
				TH_LOG("granule %u level %d", gshifts[g], level);
			pt_fini(&pt);
		}
	}
}

TEST(va_out_of_range)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x1000;

	pt_init(&pt, 12, 25);	/* 39-bit input */
	pt_map(&pt, va, DATA, 3, LEAF_RW);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(walk(&pt, va | (1ULL << 39), WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	/* Level 0 although the walk would start at level 1 (AArch64.S1Translate). */
	EXPECT_EQ(res.level, 0);
	EXPECT_EQ(res.reads, 0);
	EXPECT_EQ(walk(&pt, va | (1ULL << 63), WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(walk(&pt, va | (0x5aULL << 56), WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	/* With TBI the top byte is ignored, bit 55 is not. */
	pt.cfg.tbi = true;
	EXPECT_EQ(walk(&pt, va | (0x5aULL << 56), WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.oa, DATA);
	EXPECT_EQ(walk(&pt, va | (1ULL << 55), WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	pt_fini(&pt);
}

/*
 * The TTBR1 half (walk_cfg.upper): the region is the top 2^(64 - TnSZ)
 * bytes, VA[63:64 - TnSZ] all ones (VA[55:64 - TnSZ] with TBI), and the
 * tables are indexed by the bits below, for every granule and start level.
 */
TEST(upper_half_walks)
{
	unsigned int i;

	for (i = 0; i < sizeof(geos) / sizeof(geos[0]); i++) {
		unsigned int ia = 64 - geos[i].tsz;
		uint64_t page = 1ULL << geos[i].gshift;
		uint64_t base = ~((1ULL << ia) - 1);	/* the lowest TTBR1 address */
		uint64_t va = base + 7 * page + 0x40;
		struct walk_result res;
		struct pt pt;

		pt_init(&pt, geos[i].gshift, geos[i].tsz);
		pt.cfg.upper = true;
		pt_map(&pt, (va - base) & ~(page - 1), DATA + page, 3, LEAF_RW);
		ASSERT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
		EXPECT_EQ(res.oa, DATA + page + 0x40);
		EXPECT_EQ(res.reads, (unsigned int)(4 - geos[i].start));
		/* Below the region (a hole between the halves), or a low address. */
		EXPECT_EQ(walk(&pt, va & ~(1ULL << 63), WALK_ACC_READ, &res),
			  WALK_FAULT_TRANSLATION);
		EXPECT_EQ(res.level, 0);
		EXPECT_EQ(walk(&pt, va - base, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
		/* A tagged pointer: only with TBI. */
		EXPECT_EQ(walk(&pt, va & ~(0xa5ULL << 56), WALK_ACC_READ, &res),
			  WALK_FAULT_TRANSLATION);
		pt.cfg.tbi = true;
		ASSERT_EQ(walk(&pt, va & ~(0xa5ULL << 56), WALK_ACC_READ, &res), WALK_OK);
		EXPECT_EQ(res.oa, DATA + page + 0x40);
		if (harness_failed)
			TH_LOG("granule %u tsz %u", geos[i].gshift, geos[i].tsz);
		pt_fini(&pt);
	}
}

TEST(access_flag_fault_and_affd)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x5000, leaf;

	pt_init(&pt, 12, 16);
	leaf = pt_map(&pt, va, DATA, 3, LEAF_RW & ~VMSA_PTE_AF);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_ACCESS);
	EXPECT_EQ(res.level, 3);
	EXPECT_EQ(res.desc_pa, leaf);
	pt.cfg.affd = true;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	/* AFFD treats AF as 1 but never writes it. */
	EXPECT_EQ(rd(&pt, leaf) & VMSA_PTE_AF, 0);
	pt_fini(&pt);
}

/* ---- Address size faults ------------------------------------------------- */

TEST(output_address_beyond_oas)
{
	static const unsigned int gshifts[] = { 12, 14, 16 };
	unsigned int g;

	for (g = 0; g < 3; g++) {
		struct pt pt;
		struct walk_result res;
		uint64_t va = 0x200000, leaf;

		pt_init(&pt, gshifts[g], 16);
		pt.cfg.oas = 40;
		leaf = pt_map(&pt, va, 1ULL << 40, 3, LEAF_RW);
		EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_ADDR_SIZE);
		EXPECT_EQ(res.level, 3);
		EXPECT_EQ(res.desc_pa, leaf);
		EXPECT_FALSE(res.fault_on_walk);
		/* Address size comes before the Access flag. */
		wr(&pt, leaf, rd(&pt, leaf) & ~VMSA_PTE_AF);
		EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_ADDR_SIZE);
		/* Just below the limit is fine. */
		pt_map(&pt, va, (1ULL << 40) - (1ULL << gshifts[g]), 3, LEAF_RW);
		EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
		if (harness_failed)
			TH_LOG("granule %u", gshifts[g]);
		pt_fini(&pt);
	}
}

/* A next-level table address beyond the OAS faults at the table's level. */
TEST(table_address_beyond_oas)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x40201000, slot;

	pt_init(&pt, 12, 16);
	pt.cfg.oas = 36;
	pt_map(&pt, va, DATA, 3, LEAF_RW);
	ASSERT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	slot = pt_slot(&pt, va, 1, 0);
	wr(&pt, slot, rd(&pt, slot) | (1ULL << 36));
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_ADDR_SIZE);
	EXPECT_EQ(res.level, 1);
	EXPECT_EQ(res.desc_pa, slot);
	EXPECT_TRUE(res.fault_on_walk);
	EXPECT_EQ(res.reads, 2);
	pt_fini(&pt);
}

/* TTB beyond the OAS: Address size fault at level 0, before any read. */
TEST(ttb_beyond_oas)
{
	struct pt pt;
	struct walk_result res;

	pt_init(&pt, 16, 16);
	pt.cfg.oas = 32;	/* RAM sits at 2 GB, inside 32 bits */
	pt_map(&pt, 0x10000, DATA, 3, LEAF_RW);
	ASSERT_EQ(walk(&pt, 0x10000, WALK_ACC_READ, &res), WALK_OK);
	pt.cfg.ttb |= 1ULL << 32;
	EXPECT_EQ(walk(&pt, 0x10000, WALK_ACC_READ, &res), WALK_FAULT_ADDR_SIZE);
	EXPECT_EQ(res.level, 0);
	EXPECT_EQ(res.reads, 0);
	EXPECT_TRUE(res.fault_on_walk);
	pt_fini(&pt);
}

/* 64K granule, 52-bit PA: OA[51:48] live in descriptor bits [15:12]. */
TEST(lpa_64k_52bit_output)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x30000, pa = 0xa000000000000ULL | 0x50000ULL, leaf;

	pt_init(&pt, 16, 12);	/* 52-bit input: start at level 1 */
	EXPECT_EQ(pt.start, 1);
	pt.cfg.oas = 52;
	leaf = pt_map(&pt, va, pa, 3, LEAF_RW);
	EXPECT_EQ(FIELD_GET(GENMASK_ULL(15, 12), rd(&pt, leaf)), 0xa);
	ASSERT_EQ(walk(&pt, va | 0x42, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.oa, pa | 0x42);
	/* A VA using all 52 input bits. */
	pt_map(&pt, (1ULL << 51) | va, DATA, 3, LEAF_RW);
	ASSERT_EQ(walk(&pt, (1ULL << 51) | va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.oa, DATA);
	/* The same descriptor under a 48-bit OAS is out of range. */
	pt.cfg.oas = 48;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_ADDR_SIZE);
	EXPECT_EQ(res.level, 3);
	pt_fini(&pt);
}

/* The 4TB level-1 block of the 64K granule exists only with 52-bit PAs. */
TEST(lpa_64k_level1_block)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 3ULL << 42, pa = 5ULL << 42;

	pt_init(&pt, 16, 12);
	pt.cfg.oas = 52;
	pt_map(&pt, va, pa, 1, LEAF_RW);
	ASSERT_EQ(walk(&pt, va + 0x123456789ULL, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.oa, pa + 0x123456789ULL);
	EXPECT_EQ(res.leaf_shift, 42);
	EXPECT_EQ(res.level, 1);
	pt.cfg.oas = 48;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(res.level, 1);
	pt_fini(&pt);
}

/* ---- External aborts ----------------------------------------------------- */

TEST(table_pointer_outside_ram)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x40201000, slot, hole = 0x10000000;	/* below RAM */

	pt_init(&pt, 12, 16);
	slot = pt_slot(&pt, va, 1, 0);
	wr(&pt, slot, vmsa_addr_to_desc(hole, 12) | 3);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_EXT_ABORT);
	EXPECT_EQ(res.level, 2);
	EXPECT_EQ(res.desc_pa, hole + 8 * idx(&pt, 2, va));
	EXPECT_TRUE(res.fault_on_walk);
	/* A TTB outside RAM aborts on the first read. */
	pt.cfg.ttb = hole;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_EXT_ABORT);
	EXPECT_EQ(res.level, 0);
	EXPECT_EQ(res.desc_pa, hole + 8 * idx(&pt, 0, va));
	pt_fini(&pt);
}

/* ---- Permissions ----------------------------------------------------------- */

static const unsigned int accs[] = {
	WALK_ACC_READ, WALK_ACC_WRITE, WALK_ACC_EXEC,
	WALK_ACC_PRIV | WALK_ACC_READ, WALK_ACC_PRIV | WALK_ACC_WRITE,
	WALK_ACC_PRIV | WALK_ACC_EXEC,
};

/*
 * Golden permissions, written from Arm ARM Table D8-63 (AP[2:1], EL1&0
 * regime) and the XN rules: the expected grant of access @acc for a leaf
 * with AP[2:1] = @ap, UXN = @uxn, PXN = @pxn.
 */
static bool golden_allows(unsigned int ap, bool uxn, bool pxn, unsigned int acc)
{
	static const bool el1_w[4] = { true, true, false, false };
	static const bool el0_r[4] = { false, true, false, true };
	static const bool el0_w[4] = { false, true, false, false };
	bool priv = acc & WALK_ACC_PRIV;

	if (acc & WALK_ACC_EXEC)
		return priv ? !pxn && !el0_w[ap] : !uxn;
	if (acc & WALK_ACC_WRITE)
		return priv ? el1_w[ap] : el0_w[ap];
	return priv ? true : el0_r[ap];
}

static void permission_matrix(unsigned int gshift)
{
	struct pt pt;
	unsigned int ap, xn, a;
	uint64_t va = 0x70000;

	pt_init(&pt, gshift, 16);
	for (ap = 0; ap < 4; ap++) {
		for (xn = 0; xn < 4; xn++) {
			bool uxn = xn & 1, pxn = xn & 2;
			uint64_t attr = VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, ap) |
					(uxn ? VMSA_PTE_UXN : 0) | (pxn ? VMSA_PTE_PXN : 0);

			pt_map(&pt, va, DATA, 3, attr);
			for (a = 0; a < 6; a++) {
				struct walk_result res;
				bool ok = golden_allows(ap, uxn, pxn, accs[a]);
				enum walk_fault f = walk(&pt, va, accs[a], &res);

				EXPECT_EQ(f, ok ? WALK_OK : WALK_FAULT_PERMISSION);
				EXPECT_EQ(res.level, 3);
				if (ok)
					EXPECT_TRUE(walk_access_permitted(&res, accs[a]));
				if (harness_failed) {
					TH_LOG("granule %u ap %u uxn %d pxn %d acc %#x",
					       gshift, ap, uxn, pxn, accs[a]);
					return;
				}
			}
		}
	}
	pt_fini(&pt);
}

TEST(permission_matrix_ap_xn)
{
	permission_matrix(12);
	permission_matrix(14);
	permission_matrix(16);
}

/* A successful walk's permissions answer every access as a walk would. */
TEST(result_permissions_match_walks)
{
	struct pt pt;
	unsigned int ap, xn, a, b;
	uint64_t va = 0x9000;

	pt_init(&pt, 14, 16);
	for (ap = 0; ap < 4; ap++) {
		for (xn = 0; xn < 4; xn++) {
			uint64_t attr = VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, ap) |
					((xn & 1) ? VMSA_PTE_UXN : 0) |
					((xn & 2) ? VMSA_PTE_PXN : 0);

			pt_map(&pt, va, DATA, 3, attr);
			for (a = 0; a < 6; a++) {
				struct walk_result res, other;

				if (walk(&pt, va, accs[a], &res) != WALK_OK)
					continue;
				for (b = 0; b < 6; b++)
					EXPECT_EQ(walk_access_permitted(&res, accs[b]),
						  walk(&pt, va, accs[b], &other) == WALK_OK);
			}
		}
	}
	pt_fini(&pt);
}

/* APTable, UXNTable and PXNTable limit everything below, at any level. */
TEST(hierarchical_limits)
{
	static const struct {
		uint64_t tbl;
		uint8_t el0, el1;
	} cases[] = {
		{ 0, WALK_PERM_R | WALK_PERM_W | WALK_PERM_X, WALK_PERM_R | WALK_PERM_W },
		{ VMSA_TABLE_AP_NO_EL0, WALK_PERM_X, WALK_PERM_R | WALK_PERM_W | WALK_PERM_X },
		/* No longer EL0-writable, so no longer forced PXN. */
		{ VMSA_TABLE_AP_RDONLY, WALK_PERM_R | WALK_PERM_X, WALK_PERM_R | WALK_PERM_X },
		{ VMSA_TABLE_AP, WALK_PERM_X, WALK_PERM_R | WALK_PERM_X },
		{ VMSA_TABLE_UXN, WALK_PERM_R | WALK_PERM_W, WALK_PERM_R | WALK_PERM_W },
		{ VMSA_TABLE_PXN | VMSA_TABLE_AP_RDONLY, WALK_PERM_R | WALK_PERM_X, WALK_PERM_R },
	};
	unsigned int i;
	int level;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (level = 0; level < 3; level++) {
			struct pt pt;
			struct walk_result res;
			uint64_t va = 0x0000008040201000ULL, slot;

			pt_init(&pt, 12, 16);
			/* An EL0 read-write page: the limits are all that differ. */
			pt_map(&pt, va, DATA, 3, LEAF_RW);
			slot = pt_slot(&pt, va, level, 0);
			wr(&pt, slot, rd(&pt, slot) | cases[i].tbl);
			ASSERT_EQ(walk(&pt, va, WALK_ACC_PRIV, &res), WALK_OK);
			EXPECT_EQ(res.perm_el0, cases[i].el0);
			EXPECT_EQ(res.perm_el1, cases[i].el1);
			EXPECT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res),
				  (cases[i].el0 & WALK_PERM_W) ? WALK_OK : WALK_FAULT_PERMISSION);
			EXPECT_EQ(res.level, 3);
			if (harness_failed) {
				TH_LOG("case %u level %d", i, level);
				return;
			}
			pt_fini(&pt);
		}
	}
}

/* An Access flag fault wins over a permission fault (D8.5 priority). */
TEST(access_fault_before_permission_fault)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x3000;

	pt_init(&pt, 12, 16);
	pt_map(&pt, va, DATA, 3, FIELD_PREP(VMSA_PTE_AP, VMSA_AP_PRIV_RO));
	EXPECT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_FAULT_ACCESS);
	pt.cfg.affd = true;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_FAULT_PERMISSION);
	pt_fini(&pt);
}

/* ---- HTTU ------------------------------------------------------------------ */

#define LEAF_CLEAN	(FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RO) | VMSA_PTE_DBM | \
			 FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER))

TEST(httu_sets_access_flag)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x11000, leaf, before;

	pt_init(&pt, 16, 22);
	pt.cfg.ha = true;
	leaf = pt_map(&pt, va, DATA, 3, LEAF_RW & ~VMSA_PTE_AF);
	before = rd(&pt, leaf);
	ASSERT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(rd(&pt, leaf), before | VMSA_PTE_AF);
	EXPECT_EQ(res.desc, before | VMSA_PTE_AF);
	/* A block gets its AF too. */
	leaf = pt_map(&pt, 1ULL << 29, DATA, 2, LEAF_RW & ~VMSA_PTE_AF);
	ASSERT_EQ(walk(&pt, (1ULL << 29) + 0x1234, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_TRUE(rd(&pt, leaf) & VMSA_PTE_AF);
	pt_fini(&pt);
}

TEST(httu_dirty_on_write_keeps_dbm)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x4000, leaf, before;

	pt_init(&pt, 12, 16);
	pt.cfg.ha = pt.cfg.hd = true;
	leaf = pt_map(&pt, va, DATA, 3, LEAF_CLEAN);	/* AF == 0 too */
	before = rd(&pt, leaf);

	/* A read sets AF only, and reports the page writable-clean. */
	ASSERT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(rd(&pt, leaf), before | VMSA_PTE_AF);
	EXPECT_TRUE(res.writable_clean);
	EXPECT_FALSE(walk_access_permitted(&res, WALK_ACC_WRITE));
	EXPECT_TRUE(walk_access_permitted(&res, WALK_ACC_READ));

	/* A write clears AP[2] and keeps DBM. */
	ASSERT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_OK);
	EXPECT_EQ(rd(&pt, leaf), (before | VMSA_PTE_AF) & ~VMSA_PTE_AP_RDONLY);
	EXPECT_TRUE(rd(&pt, leaf) & VMSA_PTE_DBM);
	EXPECT_FALSE(res.writable_clean);
	EXPECT_TRUE(walk_access_permitted(&res, WALK_ACC_WRITE));
	EXPECT_EQ(res.desc, rd(&pt, leaf));

	/* AF and dirty in one update, from a never-accessed page. */
	wr(&pt, leaf, before);
	ASSERT_EQ(walk(&pt, va, WALK_ACC_WRITE | WALK_ACC_PRIV, &res), WALK_OK);
	EXPECT_EQ(rd(&pt, leaf), (before | VMSA_PTE_AF) & ~VMSA_PTE_AP_RDONLY);
	pt_fini(&pt);
}

TEST(httu_no_update_when_access_faults)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x4000, leaf, before, slot;

	pt_init(&pt, 12, 16);
	pt.cfg.ha = pt.cfg.hd = true;
	/* Writable-clean for EL1 only: an EL0 write faults, nothing changes. */
	leaf = pt_map(&pt, va, DATA, 3, FIELD_PREP(VMSA_PTE_AP, VMSA_AP_PRIV_RO) | VMSA_PTE_DBM);
	before = rd(&pt, leaf);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(rd(&pt, leaf), before);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(rd(&pt, leaf), before);
	/* Exec through a UXN page: no AF either. */
	wr(&pt, leaf, before | VMSA_PTE_UXN | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW));
	before = rd(&pt, leaf);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_EXEC, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(rd(&pt, leaf), before);

	/* APTable write protection blocks dirtying. */
	wr(&pt, leaf, vmsa_addr_to_desc(DATA, 12) | 3 | LEAF_CLEAN | VMSA_PTE_AF);
	before = rd(&pt, leaf);
	slot = pt_slot(&pt, va, 2, 0);
	wr(&pt, slot, rd(&pt, slot) | VMSA_TABLE_AP_RDONLY);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(rd(&pt, leaf), before);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_FALSE(res.writable_clean);
	pt_fini(&pt);
}

TEST(httu_no_dirty_on_read_exec_or_without_ha)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x8000, leaf, before;

	pt_init(&pt, 14, 16);
	pt.cfg.ha = pt.cfg.hd = true;
	leaf = pt_map(&pt, va, DATA, 3, LEAF_CLEAN | VMSA_PTE_AF);
	before = rd(&pt, leaf);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_EXEC, &res), WALK_OK);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ | WALK_ACC_PRIV, &res), WALK_OK);
	EXPECT_EQ(rd(&pt, leaf), before);
	/* EL0-writable-clean is EL0-writable: never privileged-executable. */
	EXPECT_EQ(walk(&pt, va, WALK_ACC_EXEC | WALK_ACC_PRIV, &res), WALK_FAULT_PERMISSION);
	EXPECT_FALSE(walk_access_permitted(&res, WALK_ACC_EXEC | WALK_ACC_PRIV));

	/* HD without HA is no HD: the write is a permission fault. */
	pt.cfg.ha = false;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_FAULT_PERMISSION);
	EXPECT_FALSE(res.writable_clean);
	EXPECT_EQ(rd(&pt, leaf), before);
	/* And without HD the page is simply read-only, executable at EL1. */
	EXPECT_EQ(walk(&pt, va, WALK_ACC_EXEC | WALK_ACC_PRIV, &res), WALK_OK);
	pt_fini(&pt);
}

/*
 * A bus that lets a test act as "software" at the worst moment: just before
 * the walker's compare-and-swap, it runs a hook that may rewrite memory; it
 * can also fail the CAS with a bus error.
 */
struct hook_bus {
	struct mem_bus bus;
	struct phys_mem *mem;
	unsigned int cas_calls;
	int cas_error;
	uint64_t poke_pa, poke_val;
	unsigned int pokes;	/* rewrite before this many CASes */
};

static int hb_read64(void *ctx, uint64_t pa, uint64_t *val)
{
	struct hook_bus *hb = ctx;

	return phys_mem_read64(hb->mem, pa, val);
}

static int hb_cmpxchg64(void *ctx, uint64_t pa, uint64_t *expected, uint64_t desired)
{
	struct hook_bus *hb = ctx;

	hb->cas_calls++;
	if (hb->cas_error)
		return hb->cas_error;
	if (hb->pokes) {
		hb->pokes--;
		phys_mem_write64(hb->mem, hb->poke_pa, hb->poke_val);
	}
	return phys_mem_cmpxchg64(hb->mem, pa, expected, desired);
}

static const struct mem_bus_ops hook_ops = {
	.read64 = hb_read64,
	.cmpxchg64 = hb_cmpxchg64,
};

static void hook_bus_init(struct hook_bus *hb, struct phys_mem *mem)
{
	memset(hb, 0, sizeof(*hb));
	hb->bus.ops = &hook_ops;
	hb->bus.ctx = hb;
	hb->mem = mem;
}

/* Software changes the leaf between the walker's read and its CAS: it wins. */
TEST(httu_cas_lost_restarts_walk)
{
	struct pt pt;
	struct hook_bus hb;
	struct walk_result res;
	uint64_t va = 0x4000, leaf, moved;

	pt_init(&pt, 12, 16);
	pt.cfg.ha = pt.cfg.hd = true;
	leaf = pt_map(&pt, va, DATA, 3, LEAF_CLEAN);
	hook_bus_init(&hb, &pt.mem);
	/* Software remaps the page elsewhere, still writable-clean, AF = 0. */
	moved = vmsa_addr_to_desc(DATA + 0x10000, 12) | 3 | LEAF_CLEAN;
	hb.poke_pa = leaf;
	hb.poke_val = moved;
	hb.pokes = 1;
	ASSERT_EQ(walk_stage1(&hb.bus, &pt.cfg, va, WALK_ACC_WRITE, &res), WALK_OK);
	EXPECT_EQ(hb.cas_calls, 2);
	EXPECT_EQ(res.reads, 8);	/* two whole walks */
	EXPECT_EQ(res.oa, DATA + 0x10000);
	/* The update applied to software's value, not to the stale one. */
	EXPECT_EQ(rd(&pt, leaf), (moved | VMSA_PTE_AF) & ~VMSA_PTE_AP_RDONLY);

	/* Software unmaps it instead: the restarted walk faults. */
	wr(&pt, leaf, vmsa_addr_to_desc(DATA, 12) | 3 | LEAF_CLEAN);
	hb.poke_val = 0;
	hb.pokes = 1;
	EXPECT_EQ(walk_stage1(&hb.bus, &pt.cfg, va, WALK_ACC_WRITE, &res),
		  WALK_FAULT_TRANSLATION);
	EXPECT_EQ(rd(&pt, leaf), 0);

	/* Software makes it read-only: the restarted write faults, no update. */
	wr(&pt, leaf, vmsa_addr_to_desc(DATA, 12) | 3 | LEAF_CLEAN);
	hb.poke_val = (vmsa_addr_to_desc(DATA, 12) | 3 | LEAF_CLEAN | VMSA_PTE_AF) &
		      ~VMSA_PTE_DBM;
	hb.pokes = 1;
	EXPECT_EQ(walk_stage1(&hb.bus, &pt.cfg, va, WALK_ACC_WRITE, &res),
		  WALK_FAULT_PERMISSION);
	EXPECT_EQ(rd(&pt, leaf), hb.poke_val);
	pt_fini(&pt);
}

TEST(httu_write_error_is_external_abort)
{
	struct pt pt;
	struct hook_bus hb;
	struct walk_result res;
	uint64_t va = 0x4000, leaf;

	pt_init(&pt, 12, 16);
	pt.cfg.ha = true;
	leaf = pt_map(&pt, va, DATA, 3, LEAF_RW & ~VMSA_PTE_AF);
	hook_bus_init(&hb, &pt.mem);
	hb.cas_error = -EFAULT;
	EXPECT_EQ(walk_stage1(&hb.bus, &pt.cfg, va, WALK_ACC_READ, &res),
		  WALK_FAULT_EXT_ABORT);
	EXPECT_TRUE(res.fault_on_walk);
	EXPECT_EQ(res.level, 3);
	EXPECT_EQ(res.desc_pa, leaf);
	/* Without an update to make there is no write to fail. */
	pt.cfg.ha = false;
	pt.cfg.affd = true;
	EXPECT_EQ(walk_stage1(&hb.bus, &pt.cfg, va, WALK_ACC_READ, &res), WALK_OK);
	pt_fini(&pt);
}

/* ---- HTTU against racing software -------------------------------------- */

#define RACE_SWAPS	20000
#define RACE_PAGES	64

struct race {
	struct pt pt;
	uint64_t va, leaf;
	int done;		/* software finished (atomic) */
	unsigned int bad_old, bad_result, walks, ok_walks;
};

/* A writable-clean, never accessed page descriptor for page @page of DATA. */
static uint64_t race_desc(unsigned int page)
{
	return vmsa_addr_to_desc(DATA + (uint64_t)page * 4096, 12) | 3 | LEAF_CLEAN;
}

/* Software's k-th value: each valid one differs from the one before. */
static uint64_t race_val(unsigned int k)
{
	if (k % 7 == 3)
		return 0;	/* unmapped for a while */
	return race_desc(k % RACE_PAGES);
}

/* What a walker may legitimately have turned software's @v into. */
static bool race_old_ok(uint64_t old, uint64_t v)
{
	if (!v)
		return old == 0;
	return old == v || old == (v | VMSA_PTE_AF) ||
	       old == ((v | VMSA_PTE_AF) & ~VMSA_PTE_AP_RDONLY);
}

static void *race_software(void *arg)
{
	struct race *r = arg;
	uint64_t *p = phys_mem_ptr(&r->pt.mem, r->leaf, 8);
	uint64_t old;
	unsigned int k;

	for (k = 1; k <= RACE_SWAPS; k++) {
		/* An atomic swap tells us exactly what the walker left behind. */
		old = __atomic_exchange_n(p, race_val(k), __ATOMIC_SEQ_CST);
		if (!race_old_ok(old, race_val(k - 1)))
			r->bad_old++;
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *race_walker(void *arg)
{
	struct race *r = arg;
	struct walk_result res;
	uint64_t v;
	unsigned int n;

	/* Bounded: software ends after RACE_SWAPS; the cap is a backstop. */
	for (n = 0; n < 10 * RACE_SWAPS && !__atomic_load_n(&r->done, __ATOMIC_SEQ_CST); n++) {
		r->walks++;
		if (walk_stage1(&r->pt.mem.bus, &r->pt.cfg, r->va, WALK_ACC_WRITE, &res) != WALK_OK)
			continue;
		r->ok_walks++;
		v = race_desc((unsigned int)((res.oa - DATA) >> 12));
		/* Dirty and accessed, and exactly software's value otherwise. */
		if (res.desc != ((v | VMSA_PTE_AF) & ~VMSA_PTE_AP_RDONLY) ||
		    res.desc_pa != r->leaf || (res.oa & 0xfff))
			r->bad_result++;
	}
	return NULL;
}

TEST(httu_race_software_always_wins)
{
	struct race r;
	pthread_t sw, hw;

	memset(&r, 0, sizeof(r));
	pt_init(&r.pt, 12, 16);
	r.pt.cfg.ha = r.pt.cfg.hd = true;
	r.va = 0x0000000012345000ULL;
	r.leaf = pt_map(&r.pt, r.va, DATA, 3, LEAF_CLEAN);
	wr(&r.pt, r.leaf, race_val(0));
	ASSERT_EQ(pthread_create(&hw, NULL, race_walker, &r), 0);
	ASSERT_EQ(pthread_create(&sw, NULL, race_software, &r), 0);
	pthread_join(sw, NULL);
	pthread_join(hw, NULL);
	TH_LOG("%u walks, %u translated", r.walks, r.ok_walks);
	EXPECT_EQ(r.bad_old, 0);
	EXPECT_EQ(r.bad_result, 0);
	/* The final value too is software's last, at most updated. */
	EXPECT_TRUE(race_old_ok(rd(&r.pt, r.leaf), race_val(RACE_SWAPS)));
	pt_fini(&r.pt);
}

/* ---- Geometry and configuration edges ------------------------------------ */

/* Initial lookup level by T0SZ, from Arm ARM Tables D8-18, D8-28, D8-37. */
static int golden_start(unsigned int gshift, unsigned int tsz)
{
	switch (gshift) {
	case 12:
		return tsz <= 24 ? 0 : tsz <= 33 ? 1 : 2;
	case 14:
		return tsz == 16 ? 0 : tsz <= 27 ? 1 : tsz <= 38 ? 2 : 3;
	default:
		return tsz <= 21 ? 1 : tsz <= 34 ? 2 : 3;
	}
}

/* Every architected T0SZ: the walk starts where the tables say. */
TEST(every_tsz_walks_from_its_start_level)
{
	static const unsigned int gshifts[] = { 12, 14, 16 };
	unsigned int g, tsz;

	for (g = 0; g < 3; g++) {
		for (tsz = gshifts[g] == 16 ? 12 : 16; tsz <= 39; tsz++) {
			struct pt pt;
			struct walk_result res;
			uint64_t page = 1ULL << gshifts[g];
			uint64_t va = (1ULL << (64 - tsz)) - page;

			pt_init(&pt, gshifts[g], tsz);
			ASSERT_EQ(pt.start, golden_start(gshifts[g], tsz));
			pt_map(&pt, va, DATA + page, 3, LEAF_RW);
			EXPECT_EQ(walk(&pt, va + 8, WALK_ACC_READ, &res), WALK_OK);
			EXPECT_EQ(res.oa, DATA + page + 8);
			EXPECT_EQ(res.reads, (unsigned int)(4 - pt.start));
			EXPECT_EQ(walk(&pt, va + page, WALK_ACC_READ, &res),
				  WALK_FAULT_TRANSLATION);
			EXPECT_EQ(res.reads, 0);
			if (harness_failed) {
				TH_LOG("granule %u tsz %u", gshifts[g], tsz);
				return;
			}
			pt_fini(&pt);
		}
	}
}

/* T0SZ above 39 behaves as 39; below the minimum is a level 0 fault. */
TEST(tsz_out_of_range)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x1000;

	pt_init(&pt, 12, 39);
	pt_map(&pt, va, DATA, 3, LEAF_RW);
	pt.cfg.tsz = 48;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.reads, 2);
	/* The region is the clamped one: 2^25 bytes. */
	EXPECT_EQ(walk(&pt, 1ULL << 25, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	pt.cfg.tsz = 15;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(res.level, 0);
	EXPECT_EQ(res.reads, 0);
	pt_fini(&pt);

	pt_init(&pt, 16, 12);
	pt.cfg.tsz = 11;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(res.level, 0);
	pt_fini(&pt);
}

/* The TTB's bits below the initial table's alignment are ignored. */
TEST(ttb_low_bits_ignored)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x5000;

	pt_init(&pt, 12, 16);	/* a 4K initial table */
	pt_map(&pt, va, DATA, 3, LEAF_RW);
	pt.cfg.ttb |= 0xff8;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.oa, DATA);
	pt_fini(&pt);

	/* 16K, T0SZ 16: a two-entry level 0 table, selected by VA[47]. */
	pt_init(&pt, 14, 16);
	pt_map(&pt, (1ULL << 47) | va, DATA + 0x4000, 3, LEAF_RW);
	pt_map(&pt, va, DATA, 3, LEAF_RW);
	EXPECT_EQ(rd(&pt, pt.ttb + 8) & 3, 3);
	pt.cfg.ttb |= 0x8;
	EXPECT_EQ(walk(&pt, (1ULL << 47) | va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.oa, DATA + 0x4000 + 0x1000);	/* 0x5000 is 0x1000 into its page */
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.oa, DATA + 0x1000);
	pt_fini(&pt);
}

/* Attribute fields come through; software bits never matter. */
TEST(leaf_attributes)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x6000;

	pt_init(&pt, 12, 16);
	pt_map(&pt, va, DATA, 3, (LEAF_RW & ~VMSA_PTE_SH) | FIELD_PREP(VMSA_PTE_ATTRINDX, 4) |
	       FIELD_PREP(VMSA_PTE_SH, VMSA_SH_OUTER) | VMSA_PTE_SW | VMSA_PTE_CONT);
	ASSERT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.attr_idx, 4);
	EXPECT_EQ(res.sh, VMSA_SH_OUTER);
	EXPECT_FALSE(res.ng);
	pt_fini(&pt);
}

TEST(fault_names)
{
	EXPECT_STREQ(walk_fault_name(WALK_OK), "none");
	EXPECT_STREQ(walk_fault_name(WALK_FAULT_TRANSLATION), "translation");
	EXPECT_STREQ(walk_fault_name(WALK_FAULT_ACCESS), "access");
	EXPECT_STREQ(walk_fault_name(WALK_FAULT_PERMISSION), "permission");
	EXPECT_STREQ(walk_fault_name(WALK_FAULT_ADDR_SIZE), "address size");
	EXPECT_STREQ(walk_fault_name(WALK_FAULT_EXT_ABORT), "external abort");
	EXPECT_STREQ(walk_fault_name((enum walk_fault)99), "unknown");
}

/* A failed walk grants nothing. */
TEST(access_permitted_needs_success)
{
	struct walk_result res;

	memset(&res, 0, sizeof(res));
	res.perm_el0 = res.perm_el1 = WALK_PERM_R | WALK_PERM_W | WALK_PERM_X;
	EXPECT_TRUE(walk_access_permitted(&res, WALK_ACC_WRITE));
	res.fault = WALK_FAULT_PERMISSION;
	EXPECT_FALSE(walk_access_permitted(&res, WALK_ACC_READ));
}

/* ---- Optional controls: HAD/HPD, PAN, WXN, E0PD --------------------------- */

/* With hierarchical attributes disabled, table limits are ignored. */
TEST(had_ignores_table_limits)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x40201000, slot;

	pt_init(&pt, 12, 16);
	pt_map(&pt, va, DATA, 3, LEAF_RW);
	slot = pt_slot(&pt, va, 1, 0);
	wr(&pt, slot, rd(&pt, slot) | VMSA_TABLE_AP | VMSA_TABLE_UXN | VMSA_TABLE_PXN);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_FAULT_PERMISSION);
	pt.cfg.had = true;
	EXPECT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_OK);
	EXPECT_EQ(res.perm_el0, WALK_PERM_R | WALK_PERM_W | WALK_PERM_X);
	EXPECT_EQ(res.perm_el1, WALK_PERM_R | WALK_PERM_W);
	pt_fini(&pt);
}

/* PAN: EL1 loses data access to pages EL0 can read or write, not execute. */
TEST(pan_blocks_privileged_data_access)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x3000, kva = 0x4000;

	pt_init(&pt, 12, 16);
	pt.cfg.pan = true;
	pt_map(&pt, va, DATA, 3, VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RO));
	pt_map(&pt, kva, DATA, 3, VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_PRIV_RW));
	EXPECT_EQ(walk(&pt, va, WALK_ACC_PRIV, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_PRIV | WALK_ACC_EXEC, &res), WALK_OK);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(res.perm_el1, WALK_PERM_X);
	/* Kernel-only pages are unaffected. */
	EXPECT_EQ(walk(&pt, kva, WALK_ACC_PRIV | WALK_ACC_WRITE, &res), WALK_OK);
	pt_fini(&pt);
}

/* WXN: anything writable at the accessing level is not executable. */
TEST(wxn_removes_execute_from_writable)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x3000, leaf;

	pt_init(&pt, 12, 16);
	pt.cfg.wxn = true;
	leaf = pt_map(&pt, va, DATA, 3, LEAF_RW);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_EXEC, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(res.perm_el0, WALK_PERM_R | WALK_PERM_W);
	wr(&pt, leaf, vmsa_addr_to_desc(DATA, 12) | 3 | VMSA_PTE_AF |
	   FIELD_PREP(VMSA_PTE_AP, VMSA_AP_PRIV_RW));
	EXPECT_EQ(walk(&pt, va, WALK_ACC_PRIV | WALK_ACC_EXEC, &res), WALK_FAULT_PERMISSION);
	wr(&pt, leaf, vmsa_addr_to_desc(DATA, 12) | 3 | VMSA_PTE_AF |
	   FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RO));
	EXPECT_EQ(walk(&pt, va, WALK_ACC_PRIV | WALK_ACC_EXEC, &res), WALK_OK);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_EXEC, &res), WALK_OK);
	/* Writable-clean under HD counts as writable. */
	pt.cfg.ha = pt.cfg.hd = true;
	wr(&pt, leaf, rd(&pt, leaf) | VMSA_PTE_DBM);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_EXEC, &res), WALK_FAULT_PERMISSION);
	pt_fini(&pt);
}

TEST(e0pd_faults_unprivileged_at_level0)
{
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x3000;

	pt_init(&pt, 16, 22);
	pt.cfg.e0pd = true;
	pt_map(&pt, va, DATA, 3, LEAF_RW);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(res.level, 0);
	EXPECT_EQ(res.reads, 0);
	EXPECT_EQ(walk(&pt, va, WALK_ACC_PRIV, &res), WALK_OK);
	pt_fini(&pt);
}

/* HTTU writes the leaf descriptor and nothing else, tables included. */
TEST(httu_writes_only_the_leaf)
{
	static uint8_t before[1 << 20], after[1 << 20];
	struct pt pt;
	struct walk_result res;
	uint64_t va = 0x0000008040201000ULL, leaf, len, off;

	pt_init(&pt, 12, 16);
	pt.cfg.ha = pt.cfg.hd = true;
	leaf = pt_map(&pt, va, DATA, 3, LEAF_CLEAN);
	pt_map(&pt, va + 0x1000, DATA, 3, LEAF_CLEAN);
	len = pt.next - BASE;
	ASSERT_LE(len, sizeof(before));
	ASSERT_EQ(phys_mem_read(&pt.mem, BASE, before, len), 0);
	ASSERT_EQ(walk(&pt, va, WALK_ACC_WRITE, &res), WALK_OK);
	ASSERT_EQ(phys_mem_read(&pt.mem, BASE, after, len), 0);
	off = leaf - BASE;
	EXPECT_NE(memcmp(before + off, after + off, 8), 0);
	memcpy(after + off, before + off, 8);
	EXPECT_EQ(memcmp(before, after, len), 0);
	pt_fini(&pt);
}
