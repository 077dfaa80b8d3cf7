// SPDX-License-Identifier: GPL-2.0
/*
 * os/mm/pgtable: arm64 user page tables for the 4K, 16K and 64K granules,
 * descriptor bits checked one by one, and cross-checked with the hardware
 * walker (hw/walk) that the CPUs and the SMMU use.
 */
#include <errno.h>

#include "hw/walk.h"
#include "os/mm/mm.h"
#include "tests/harness.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(64ULL << 20)

struct fixture {
	struct phys_mem mem;
	struct frame_pool *frames;
	struct pgtable pt;
	uint64_t baseline;	/* frames allocated before the page tables */
};

static uint64_t allocated(struct fixture *fx)
{
	struct frame_stats st;

	frame_get_stats(fx->frames, &st);
	return st.allocated;
}

static void setup(struct fixture *fx, unsigned int shift)
{
	ASSERT_EQ(phys_mem_init(&fx->mem, BASE, SIZE), 0);
	fx->frames = frame_pool_create(&fx->mem, BASE, SIZE, shift);
	ASSERT_TRUE(fx->frames != NULL);
	fx->baseline = allocated(fx);
	ASSERT_EQ(pgtable_init(&fx->pt, &fx->mem, fx->frames), 0);
	ASSERT_EQ(allocated(fx), fx->baseline + 1);
}

static void teardown(struct fixture *fx)
{
	pgtable_fini(&fx->pt);
	EXPECT_EQ(allocated(fx), fx->baseline);
	frame_pool_destroy(fx->frames);
	phys_mem_fini(&fx->mem);
}

static struct walk_cfg walk_cfg_of(const struct fixture *fx, bool hd)
{
	return (struct walk_cfg){ .ttb = fx->pt.root, .tsz = MM_T0SZ,
				  .granule_shift = (uint8_t)fx->pt.page_shift, .oas = 48,
				  .ha = hd, .hd = hd };
}

/* Map @va to a fresh frame with @pte_of(pa); returns the frame. */
static uint64_t map_page(struct fixture *fx, uint64_t va, unsigned int vm_flags, bool dirty)
{
	uint64_t slot, pa = frame_alloc(fx->frames, FRAME_ZERO);

	ASSERT_NE(pa, 0);
	ASSERT_EQ(pgtable_pte_alloc(&fx->pt, va, &slot), 0);
	ASSERT_EQ(phys_mem_write64(&fx->mem, slot,
				   pgtable_mk_pte(&fx->pt, pa, vm_flags, dirty)), 0);
	return pa;
}

static void unmap_all(struct fixture *fx, uint64_t start, uint64_t end)
{
	struct mmu_gather tlb;

	tlb_gather_init(&tlb, NULL, &fx->pt);
	pgtable_unmap_range(&fx->pt, start, end, &tlb);
	tlb_finish_mmu(&tlb);
}

static const unsigned int granules[] = { 12, 14, 16 };

TEST(geometry_and_table_descriptors)
{
	/* Start level and tables below the root for one page, per granule. */
	static const int start_level[] = { 0, 0, 1 };
	unsigned int g;

	for (g = 0; g < 3; g++) {
		struct fixture fx;
		uint64_t va = 0x0000123456789000ULL & ~((1ULL << granules[g]) - 1);
		uint64_t table, desc, slot;
		int level;

		setup(&fx, granules[g]);
		EXPECT_EQ(fx.pt.start_level, start_level[g]);
		EXPECT_EQ(pgtable_pte_lookup(&fx.pt, va, &slot), -ENOENT);
		ASSERT_EQ(pgtable_pte_alloc(&fx.pt, va, &slot), 0);
		/* One table per level below the root, allocated on demand. */
		EXPECT_EQ(allocated(&fx), fx.baseline + 1 + (3 - start_level[g]));
		table = fx.pt.root;
		for (level = fx.pt.start_level; level < 3; level++) {
			uint64_t pa = table + vmsa_index(granules[g], level, va) * 8;

			ASSERT_EQ(phys_mem_read64(&fx.mem, pa, &desc), 0);
			EXPECT_EQ(FIELD_GET(VMSA_DESC_TYPE, desc), VMSA_DESC_TYPE_TABLE);
			EXPECT_TRUE(desc & VMSA_TABLE_PXN);
			EXPECT_FALSE(desc & VMSA_TABLE_UXN);
			EXPECT_EQ(FIELD_GET(VMSA_TABLE_AP, desc), 0);
			table = vmsa_desc_addr(desc, granules[g]);
			EXPECT_EQ(table & ((1ULL << granules[g]) - 1), 0);
		}
		EXPECT_EQ(slot, table + vmsa_index(granules[g], 3, va) * 8);
		/* A second lookup allocates nothing and finds the same slot. */
		ASSERT_EQ(pgtable_pte_lookup(&fx.pt, va, &table), 0);
		EXPECT_EQ(table, slot);
		unmap_all(&fx, 0, MM_TASK_SIZE);
		EXPECT_EQ(allocated(&fx), fx.baseline + 1);
		teardown(&fx);
	}
}

/* The bits every user page has, whatever its protection. */
static void check_common_bits(uint64_t pte, uint64_t pa, unsigned int shift)
{
	EXPECT_EQ(FIELD_GET(VMSA_DESC_TYPE, pte) & VMSA_DESC_PAGE, VMSA_DESC_PAGE);
	EXPECT_EQ(FIELD_GET(VMSA_PTE_ATTRINDX, pte), VMSA_MT_NORMAL);
	EXPECT_EQ(FIELD_GET(VMSA_PTE_SH, pte), VMSA_SH_INNER);
	EXPECT_TRUE(pte & VMSA_PTE_AF);
	EXPECT_TRUE(pte & VMSA_PTE_NG);
	EXPECT_TRUE(pte & VMSA_PTE_PXN);
	EXPECT_FALSE(pte & VMSA_PTE_NS);
	EXPECT_FALSE(pte & VMSA_PTE_CONT);
	EXPECT_EQ(vmsa_desc_addr(pte, shift), pa);
}

TEST(page_descriptor_bits)
{
	unsigned int g;

	for (g = 0; g < 3; g++) {
		struct fixture fx;
		uint64_t pa = BASE + (5ULL << granules[g]), pte;

		setup(&fx, granules[g]);
		/* r: PAGE_READONLY. */
		pte = pgtable_mk_pte(&fx.pt, pa, VM_READ, false);
		check_common_bits(pte, pa, granules[g]);
		EXPECT_TRUE(pte & VMSA_DESC_VALID);
		EXPECT_EQ(FIELD_GET(VMSA_PTE_AP, pte), VMSA_AP_RO);
		EXPECT_FALSE(pte & VMSA_PTE_DBM);
		EXPECT_TRUE(pte & VMSA_PTE_UXN);
		EXPECT_FALSE(pte_dirty(pte));
		/* rw clean: PAGE_SHARED = DBM with AP[2] still set. */
		pte = pgtable_mk_pte(&fx.pt, pa, VM_READ | VM_WRITE, false);
		check_common_bits(pte, pa, granules[g]);
		EXPECT_EQ(FIELD_GET(VMSA_PTE_AP, pte), VMSA_AP_RO);
		EXPECT_TRUE(pte & VMSA_PTE_DBM);
		EXPECT_TRUE(pte & VMSA_PTE_UXN);
		EXPECT_FALSE(pte & VMSA_PTE_SW_DIRTY);
		/* rw dirty: AP[2] cleared, software dirty set. */
		pte = pgtable_mk_pte(&fx.pt, pa, VM_READ | VM_WRITE, true);
		EXPECT_EQ(FIELD_GET(VMSA_PTE_AP, pte), VMSA_AP_RW);
		EXPECT_TRUE(pte & VMSA_PTE_SW_DIRTY);
		EXPECT_TRUE(pte_hw_dirty(pte));
		/* A dirty read-only page stays read-only. */
		pte = pgtable_mk_pte(&fx.pt, pa, VM_READ, true);
		EXPECT_EQ(FIELD_GET(VMSA_PTE_AP, pte), VMSA_AP_RO);
		EXPECT_TRUE(pte_dirty(pte));
		/* rx and rwx: UXN clear, PXN still set. */
		pte = pgtable_mk_pte(&fx.pt, pa, VM_READ | VM_EXEC, false);
		check_common_bits(pte, pa, granules[g]);
		EXPECT_FALSE(pte & VMSA_PTE_UXN);
		EXPECT_FALSE(pte & VMSA_PTE_DBM);
		pte = pgtable_mk_pte(&fx.pt, pa, VM_ACCESS_FLAGS, false);
		EXPECT_FALSE(pte & VMSA_PTE_UXN);
		EXPECT_TRUE(pte & VMSA_PTE_DBM);
		/* none: invalid for every walker, present for the OS. */
		pte = pgtable_mk_pte(&fx.pt, pa, 0, false);
		EXPECT_FALSE(pte & VMSA_DESC_VALID);
		EXPECT_TRUE(pte & PTE_PROT_NONE);
		EXPECT_TRUE(pte_present(pte));
		EXPECT_EQ(vmsa_desc_addr(pte, granules[g]), pa);
		teardown(&fx);
	}
}

TEST(walker_agrees_with_descriptors)
{
	unsigned int g;

	for (g = 0; g < 3; g++) {
		struct fixture fx;
		uint64_t page = 1ULL << granules[g], va = 0x7f0000000000ULL;
		struct walk_cfg cfg;
		struct walk_result res;
		uint64_t pa_r, pa_rw, pa_rx, pte;

		setup(&fx, granules[g]);
		pa_r = map_page(&fx, va, VM_READ, false);
		pa_rw = map_page(&fx, va + page, VM_READ | VM_WRITE, false);
		pa_rx = map_page(&fx, va + 2 * page, VM_READ | VM_EXEC, false);
		cfg = walk_cfg_of(&fx, false);

		ASSERT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + 8, WALK_ACC_READ, &res), WALK_OK);
		EXPECT_EQ(res.oa, pa_r + 8);
		EXPECT_EQ(res.perm_el0, WALK_PERM_R);
		EXPECT_TRUE(res.ng);
		EXPECT_EQ(walk_stage1(&fx.mem.bus, &cfg, va, WALK_ACC_WRITE, &res),
			  WALK_FAULT_PERMISSION);
		/* Writable-clean: reads fine, a write faults without HD... */
		ASSERT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + page, WALK_ACC_READ, &res), WALK_OK);
		EXPECT_EQ(res.oa, pa_rw);
		EXPECT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + page, WALK_ACC_WRITE, &res),
			  WALK_FAULT_PERMISSION);
		/* ...and with HD the walker marks it dirty by clearing AP[2]. */
		cfg = walk_cfg_of(&fx, true);
		ASSERT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + page, WALK_ACC_READ, &res), WALK_OK);
		EXPECT_TRUE(res.writable_clean);
		ASSERT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + page, WALK_ACC_WRITE, &res), WALK_OK);
		pte = pgtable_read_pte(&fx.pt, va + page);
		EXPECT_TRUE(pte_hw_dirty(pte));
		EXPECT_FALSE(pte & VMSA_PTE_SW_DIRTY);
		/* Executable at EL0 only where UXN is clear; never at EL1 (PXN). */
		ASSERT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + 2 * page, WALK_ACC_EXEC, &res),
			  WALK_OK);
		EXPECT_EQ(res.oa, pa_rx);
		EXPECT_EQ(walk_stage1(&fx.mem.bus, &cfg, va, WALK_ACC_EXEC, &res),
			  WALK_FAULT_PERMISSION);
		EXPECT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + 2 * page,
				      WALK_ACC_EXEC | WALK_ACC_PRIV, &res), WALK_FAULT_PERMISSION);
		/* Nothing mapped next door. */
		EXPECT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + 3 * page, WALK_ACC_READ, &res),
			  WALK_FAULT_TRANSLATION);
		unmap_all(&fx, va, va + 3 * page);
		EXPECT_EQ(allocated(&fx), fx.baseline + 1);
		EXPECT_EQ(walk_stage1(&fx.mem.bus, &cfg, va, WALK_ACC_READ, &res),
			  WALK_FAULT_TRANSLATION);
		teardown(&fx);
	}
}

TEST(unmap_frees_pages_and_empty_tables_only)
{
	unsigned int g;

	for (g = 0; g < 3; g++) {
		struct fixture fx;
		unsigned int shift = granules[g], i;
		uint64_t page = 1ULL << shift;
		/* Two pages in one last-level table, one far away in another. */
		uint64_t a = 0x400000000000ULL, far = 0x100000000ULL, tables;
		struct mmu_gather tlb;

		setup(&fx, shift);
		for (i = 0; i < 4; i++)
			map_page(&fx, a + i * page, VM_READ | VM_WRITE, i & 1);
		map_page(&fx, far, VM_READ, false);
		tables = allocated(&fx) - fx.baseline - 1 - 5;
		TH_LOG("granule %u: %" PRIu64 " tables for 2 distant ranges", 1u << shift, tables);

		/* Unmapping part of a table frees the pages, not the table. */
		tlb_gather_init(&tlb, NULL, &fx.pt);
		pgtable_unmap_range(&fx.pt, a, a + 2 * page, &tlb);
		EXPECT_EQ(tlb.pages_freed, 2);
		EXPECT_EQ(tlb.tables_freed, 0);
		EXPECT_EQ(tlb.start, a);
		EXPECT_EQ(tlb.end, a + 2 * page);
		EXPECT_FALSE(tlb.freed_tables);
		/* Frames are only returned by the flush. */
		EXPECT_EQ(allocated(&fx), fx.baseline + 1 + 5 + tables);
		tlb_finish_mmu(&tlb);
		EXPECT_EQ(allocated(&fx), fx.baseline + 1 + 3 + tables);
		EXPECT_EQ(pgtable_read_pte(&fx.pt, a), 0);
		EXPECT_NE(pgtable_read_pte(&fx.pt, a + 2 * page), 0);

		/* The rest of the range empties its tables: they go, and the flush is not leaf-only. */
		tlb_gather_init(&tlb, NULL, &fx.pt);
		pgtable_unmap_range(&fx.pt, a, a + 4 * page, &tlb);
		EXPECT_EQ(tlb.pages_freed, 2);
		EXPECT_GE(tlb.tables_freed, 1);
		EXPECT_TRUE(tlb.freed_tables);
		EXPECT_LE(tlb.start, a);
		EXPECT_GE(tlb.end, a + 4 * page);
		tlb_finish_mmu(&tlb);
		/* The far page and its tables are untouched. */
		EXPECT_NE(pgtable_read_pte(&fx.pt, far), 0);
		unmap_all(&fx, 0, MM_TASK_SIZE);
		EXPECT_EQ(allocated(&fx), fx.baseline + 1);
		teardown(&fx);
	}
}

TEST(change_prot_keeps_dirtiness)
{
	unsigned int g;

	for (g = 0; g < 3; g++) {
		struct fixture fx;
		uint64_t page = 1ULL << granules[g], va = 0x200000ULL << 4, pte, pa;
		struct mmu_gather tlb;

		setup(&fx, granules[g]);
		va &= ~(page - 1);
		pa = map_page(&fx, va, VM_READ | VM_WRITE, true);
		map_page(&fx, va + page, VM_READ | VM_WRITE, false);

		tlb_gather_init(&tlb, NULL, &fx.pt);
		pgtable_change_prot(&fx.pt, va, va + 2 * page, VM_READ, &tlb);
		EXPECT_EQ(tlb.start, va);
		EXPECT_EQ(tlb.end, va + 2 * page);
		tlb_finish_mmu(&tlb);
		pte = pgtable_read_pte(&fx.pt, va);
		EXPECT_EQ(FIELD_GET(VMSA_PTE_AP, pte), VMSA_AP_RO);
		EXPECT_FALSE(pte & VMSA_PTE_DBM);
		EXPECT_TRUE(pte & VMSA_PTE_SW_DIRTY);	/* dirtiness survives */
		EXPECT_TRUE(pte & VMSA_PTE_AF);
		EXPECT_EQ(pte_pa(&fx.pt, pte), pa);
		pte = pgtable_read_pte(&fx.pt, va + page);
		EXPECT_FALSE(pte_dirty(pte));

		/* To none and back: the page and its dirtiness come back. */
		tlb_gather_init(&tlb, NULL, &fx.pt);
		pgtable_change_prot(&fx.pt, va, va + 2 * page, 0, &tlb);
		pte = pgtable_read_pte(&fx.pt, va);
		EXPECT_FALSE(pte_valid(pte));
		EXPECT_TRUE(pte_present(pte));
		pgtable_change_prot(&fx.pt, va, va + 2 * page, VM_READ | VM_WRITE, &tlb);
		tlb_finish_mmu(&tlb);
		pte = pgtable_read_pte(&fx.pt, va);
		EXPECT_TRUE(pte_valid(pte));
		EXPECT_TRUE(pte_hw_dirty(pte));		/* dirty writable: AP[2] clear */
		EXPECT_EQ(pte_pa(&fx.pt, pte), pa);
		pte = pgtable_read_pte(&fx.pt, va + page);
		EXPECT_EQ(FIELD_GET(VMSA_PTE_AP, pte), VMSA_AP_RO);	/* clean writable */
		EXPECT_TRUE(pte & VMSA_PTE_DBM);

		/* clear_refs: old and clean again, tracked for the flush. */
		tlb_gather_init(&tlb, NULL, &fx.pt);
		pgtable_clear_refs(&fx.pt, va, va + 2 * page, &tlb);
		EXPECT_EQ(tlb.start, va);
		tlb_finish_mmu(&tlb);
		pte = pgtable_read_pte(&fx.pt, va);
		EXPECT_FALSE(pte & VMSA_PTE_AF);
		EXPECT_FALSE(pte_dirty(pte));
		EXPECT_TRUE(pte & VMSA_PTE_AP_RDONLY);
		EXPECT_TRUE(pte & VMSA_PTE_DBM);
		unmap_all(&fx, 0, MM_TASK_SIZE);
		teardown(&fx);
	}
}

TEST(rejects_bad_granule)
{
	struct phys_mem mem;
	struct frame_pool *frames;
	struct pgtable pt;

	ASSERT_EQ(phys_mem_init(&mem, BASE, SIZE), 0);
	frames = frame_pool_create(&mem, BASE, SIZE, 13);
	if (frames) {
		EXPECT_EQ(pgtable_init(&pt, &mem, frames), -EINVAL);
		frame_pool_destroy(frames);
	}
	phys_mem_fini(&mem);
}
