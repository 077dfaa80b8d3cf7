// SPDX-License-Identifier: GPL-2.0
/*
 * hw/walk: the stage-2 walker. Each test builds stage-2 tables with its own
 * index arithmetic (concatenated initial tables included) and checks the
 * output, the fault and its level, and the HTTU updates in memory.
 */
#include <errno.h>

#include "arch/vmsa.h"
#include "hw/mem.h"
#include "hw/walk.h"
#include "tests/harness.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(64ULL << 20)
#define DATA	(BASE + SIZE / 2)

struct s2pt {
	struct phys_mem mem;
	unsigned int gshift, ia;
	int start;
	uint64_t next;
	struct walk_s2_cfg cfg;
};

static unsigned int lshift(const struct s2pt *pt, int level)
{
	return pt->gshift + (unsigned int)(3 - level) * (pt->gshift - 3);
}

static uint64_t s2_alloc(struct s2pt *pt, uint64_t bytes)
{
	uint64_t pa = (pt->next + bytes - 1) & ~(bytes - 1);

	pt->next = pa + bytes;
	ASSERT_LE(pt->next, BASE + SIZE / 2);
	ASSERT_EQ(phys_mem_fill(&pt->mem, pa, 0, bytes), 0);
	return pa;
}

/* Stage 2 with input size @ia bits starting at @start (SL0 from it). */
static void s2_init(struct s2pt *pt, unsigned int gshift, unsigned int ia, int start)
{
	uint64_t bytes = 1ULL << (ia - (gshift + (unsigned int)(3 - start) * (gshift - 3)) + 3);

	memset(pt, 0, sizeof(*pt));
	ASSERT_EQ(phys_mem_init(&pt->mem, BASE, SIZE), 0);
	pt->gshift = gshift;
	pt->ia = ia;
	pt->start = start;
	pt->next = BASE;
	if (bytes < 8)
		bytes = 8;
	pt->cfg = (struct walk_s2_cfg){
		.ttb = s2_alloc(pt, bytes < (1ULL << gshift) ? 1ULL << gshift : bytes),
		.tsz = (uint8_t)(64 - ia), .granule_shift = (uint8_t)gshift,
		.sl0 = (uint8_t)vmsa_s2_level_to_sl0(gshift, start), .oas = 48,
	};
}

static uint64_t rd(struct s2pt *pt, uint64_t pa)
{
	uint64_t v = 0;

	ASSERT_EQ(phys_mem_read64(&pt->mem, pa, &v), 0);
	return v;
}

static void wr(struct s2pt *pt, uint64_t pa, uint64_t v)
{
	ASSERT_EQ(phys_mem_write64(&pt->mem, pa, v), 0);
}

static uint64_t s2_slot(struct s2pt *pt, uint64_t ipa, int level)
{
	uint64_t table = pt->cfg.ttb, slot, desc, i;
	int l;

	for (l = pt->start; ; l++) {
		if (l == pt->start)
			i = (ipa & ((1ULL << pt->ia) - 1)) >> lshift(pt, l);
		else
			i = (ipa >> lshift(pt, l)) & ((1ULL << (pt->gshift - 3)) - 1);
		slot = table + 8 * i;
		if (l == level)
			return slot;
		desc = rd(pt, slot);
		if (!(desc & 1)) {
			desc = vmsa_addr_to_desc(s2_alloc(pt, 1ULL << pt->gshift), pt->gshift) | 3;
			wr(pt, slot, desc);
		}
		table = vmsa_desc_addr(desc, pt->gshift);
	}
}

#define S2_RW	(VMSA_S2_PTE_AF | VMSA_S2_PTE_S2AP_R | VMSA_S2_PTE_S2AP_W | \
		 FIELD_PREP(VMSA_S2_PTE_MEMATTR, 0xf) | FIELD_PREP(VMSA_S2_PTE_SH, VMSA_SH_INNER))

static uint64_t s2_map(struct s2pt *pt, uint64_t ipa, uint64_t pa, int level, uint64_t attr)
{
	uint64_t slot = s2_slot(pt, ipa, level);

	wr(pt, slot, vmsa_addr_to_desc(pa, pt->gshift) | (level == 3 ? 3 : 1) | attr);
	return slot;
}

static enum walk_fault w2(struct s2pt *pt, uint64_t ipa, unsigned int acc,
			  struct walk_result *res)
{
	return walk_stage2(&pt->mem.bus, &pt->cfg, ipa, acc, res);
}

/* Every granule, every start level (incl. 2 and 16 concatenated tables), every leaf level. */
TEST(s2_translates_every_granule_start_and_leaf_level)
{
	static const unsigned int gs[] = { 12, 14, 16 };
	unsigned int gi, extra;
	int start, leaf;

	for (gi = 0; gi < 3; gi++) {
		unsigned int g = gs[gi], stride = g - 3;

		for (start = g == 12 ? 0 : 1; start <= (g == 12 ? 2 : 3); start++) {
			for (extra = 1; extra <= stride + 4; extra += stride + 3) {
				struct s2pt pt;
				unsigned int ia = g + (unsigned int)(3 - start) * stride + extra;

				/* T0SZ 16..39 (above 39 behaves as 39). */
				if (ia > 48 || ia < 25)
					continue;
				for (leaf = start; leaf <= 3; leaf++) {
					struct walk_result res;
					uint64_t ipa, pa = 1ULL << 40, off = 0x18;
					bool block = leaf == 3 || (g == 12 ? leaf >= 1 : leaf == 2);

					if (!block)
						continue;
					s2_init(&pt, g, ia, start);
					/* Top of the IPA space: the last concatenated table. */
					ipa = ((1ULL << ia) - 1) & ~((1ULL << lshift(&pt, leaf)) - 1);
					s2_map(&pt, ipa, pa, leaf, S2_RW);
					EXPECT_EQ(w2(&pt, ipa + off, WALK_ACC_WRITE, &res), WALK_OK);
					EXPECT_EQ(res.oa, pa + off);
					EXPECT_EQ(res.level, leaf);
					EXPECT_EQ(res.reads, (unsigned int)(leaf - start + 1));
					EXPECT_EQ(res.attr_idx, 0xf);
					EXPECT_EQ(res.perm_el0, WALK_PERM_R | WALK_PERM_W | WALK_PERM_X);
					/* The first table of a concatenation stays empty. */
					if (extra > stride)
						EXPECT_EQ(w2(&pt, off, WALK_ACC_READ, &res),
							  WALK_FAULT_TRANSLATION);
					phys_mem_fini(&pt.mem);
				}
			}
		}
	}
}

/* Translation faults at each level; the IPA space and SL0 checks at level 0. */
TEST(s2_translation_faults_and_levels)
{
	struct s2pt pt;
	struct walk_result res;
	uint64_t ipa = 0x40201000ULL;
	int level;

	s2_init(&pt, 12, 40, 1);	/* 2 concatenated level-1 tables */
	for (level = 1; level <= 3; level++) {
		EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
		EXPECT_EQ(res.level, level);
		if (level < 3)
			s2_slot(&pt, ipa, level + 1);
	}
	s2_map(&pt, ipa, DATA, 3, S2_RW);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_OK);
	/* Outside the 40-bit IPA space. */
	EXPECT_EQ(w2(&pt, ipa | (1ULL << 40), WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(res.level, 0);
	EXPECT_EQ(res.reads, 0);
	/* SL0 inconsistent with T0SZ: level 2 start would need 2^11 tables. */
	pt.cfg.sl0 = 0;
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(res.level, 0);
	EXPECT_EQ(res.reads, 0);
	/* Reserved SL0, and level 0 with a PA size below 44 bits. */
	pt.cfg.sl0 = 3;
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	pt.cfg.sl0 = 2;
	pt.cfg.oas = 40;
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(res.reads, 0);
	/* 17 tables' worth of IPA at level 1 is inconsistent too. */
	pt.cfg.oas = 48;
	pt.cfg.sl0 = 1;
	pt.cfg.tsz = 64 - 44;
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_TRANSLATION);
	EXPECT_EQ(res.reads, 0);
	phys_mem_fini(&pt.mem);
}

/* S2AP x access, XN, access flag, address size. */
TEST(s2_permission_access_and_address_size_faults)
{
	struct s2pt pt;
	struct walk_result res;
	uint64_t ipa = 0x3000, leaf;
	unsigned int ap;

	s2_init(&pt, 16, 42, 2);
	leaf = s2_map(&pt, ipa, DATA, 3, S2_RW);
	for (ap = 0; ap < 4; ap++) {
		wr(&pt, leaf, vmsa_addr_to_desc(DATA, 16) | 3 | VMSA_S2_PTE_AF |
		   FIELD_PREP(VMSA_S2_PTE_S2AP, ap));
		EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res),
			  ap & 1 ? WALK_OK : WALK_FAULT_PERMISSION);
		EXPECT_EQ(w2(&pt, ipa, WALK_ACC_WRITE, &res),
			  ap & 2 ? WALK_OK : WALK_FAULT_PERMISSION);
		EXPECT_EQ(res.level, 3);
		/* Execute needs no read permission at stage 2. */
		EXPECT_EQ(w2(&pt, ipa, WALK_ACC_EXEC, &res), WALK_OK);
	}
	wr(&pt, leaf, rd(&pt, leaf) | VMSA_S2_PTE_XN_ALL);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_EXEC, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_EXEC | WALK_ACC_PRIV, &res), WALK_FAULT_PERMISSION);
	/* Access flag clear: a fault before permissions, unless AFFD. */
	wr(&pt, leaf, vmsa_addr_to_desc(DATA, 16) | 3);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_ACCESS);
	EXPECT_EQ(res.level, 3);
	pt.cfg.affd = true;
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_PERMISSION);
	pt.cfg.affd = false;
	/* Output beyond PS. */
	wr(&pt, leaf, vmsa_addr_to_desc(1ULL << 44, 16) | 3 | S2_RW);
	pt.cfg.oas = 44;
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_ADDR_SIZE);
	EXPECT_EQ(res.level, 3);
	EXPECT_FALSE(res.fault_on_walk);
	/* A table address beyond PS: at the level of the table descriptor. */
	wr(&pt, s2_slot(&pt, ipa, 2), vmsa_addr_to_desc(1ULL << 44, 16) | 3);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_ADDR_SIZE);
	EXPECT_EQ(res.level, 2);
	EXPECT_TRUE(res.fault_on_walk);
	phys_mem_fini(&pt.mem);
}

/* HTTU at stage 2: AF on any access, S2AP[1] set by a write through DBM. */
TEST(s2_httu_af_and_dbm)
{
	struct s2pt pt;
	struct walk_result res;
	uint64_t ipa = 0x5000, leaf, clean;

	s2_init(&pt, 12, 32, 1);
	pt.cfg.ha = true;
	clean = vmsa_addr_to_desc(DATA, 12) | 3 | VMSA_S2_PTE_S2AP_R | VMSA_S2_PTE_DBM;
	leaf = s2_map(&pt, ipa, DATA, 3, 0);
	wr(&pt, leaf, clean);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_EQ(rd(&pt, leaf), clean | VMSA_S2_PTE_AF);
	/* HA without HD: DBM means nothing, the write faults and updates nothing. */
	wr(&pt, leaf, clean);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_WRITE, &res), WALK_FAULT_PERMISSION);
	EXPECT_EQ(rd(&pt, leaf), clean);
	pt.cfg.hd = true;
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_OK);
	EXPECT_TRUE(res.writable_clean);
	EXPECT_EQ(res.perm_el0, WALK_PERM_R | WALK_PERM_X);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_WRITE, &res), WALK_OK);
	EXPECT_EQ(rd(&pt, leaf), clean | VMSA_S2_PTE_AF | VMSA_S2_PTE_S2AP_W);
	EXPECT_FALSE(res.writable_clean);
	EXPECT_EQ(res.perm_el0, WALK_PERM_R | WALK_PERM_W | WALK_PERM_X);
	/* Without HA nothing is written: the AF clear leaf faults. */
	pt.cfg.ha = pt.cfg.hd = false;
	wr(&pt, leaf, clean);
	EXPECT_EQ(w2(&pt, ipa, WALK_ACC_READ, &res), WALK_FAULT_ACCESS);
	EXPECT_EQ(rd(&pt, leaf), clean);
	phys_mem_fini(&pt.mem);
}
