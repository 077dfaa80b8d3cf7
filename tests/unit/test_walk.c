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
	EXPECT_EQ(res.level, 1);
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
