/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 user page tables, as Linux builds them for a 48-bit VA (T0SZ = 16)
 * with a 4K, 16K or 64K granule, in simulated physical memory.
 *
 * Levels: 4K 0-3 (512 entries each), 16K 0-3 (a 2-entry level 0), 64K 1-3
 * (a 64-entry level 1). Only table and page descriptors are built (no
 * blocks: no transparent huge pages).
 *
 * User page descriptors (Linux PAGE_READONLY / PAGE_SHARED / ..._EXEC):
 *   valid | page, AttrIndx = MT_NORMAL, AP[1] (EL0 access), SH = inner,
 *   AF (set at creation: Linux's _PROT_DEFAULT), nG, PXN always,
 *   UXN unless executable, and for writable pages PTE_WRITE = DBM.
 * Dirty state (Linux rule; Arm ARM D8, "Hardware management of the dirty
 * state"): a writable page with AP[2] set is writable-clean; clearing AP[2]
 * makes it dirty (by software, or by the hardware when DBM is set and
 * TCR.HD is on). The software dirty bit
 * (VMSA_PTE_SW_DIRTY) keeps dirtiness across a write-protect.
 * PROT_NONE pages keep their descriptor with valid = 0 and PTE_PROT_NONE.
 * Table descriptors for user tables carry PXNTable (Linux *_populate()).
 *
 * Every descriptor store is one 64-bit single-copy-atomic write; changes to
 * a live page descriptor use compare-and-swap, because a walker with HTTU
 * may be setting AF or clearing AP[2] in it at the same moment.
 */
#ifndef OS_MM_PGTABLE_H
#define OS_MM_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/vmsa.h"
#include "hw/mem.h"
#include "os/mm/frame.h"

struct mm;

/*
 * Linux arm64 software bit for PROT_NONE pages (only with valid == 0): the
 * page is present for the OS, inaccessible to every walker.
 */
#define PTE_PROT_NONE		BIT_ULL(58)

struct pgtable {
	struct phys_mem *mem;
	struct frame_pool *frames;
	uint64_t root;			/* PA of the start-level table */
	unsigned int page_shift;	/* granule: 12, 14 or 16 */
	int start_level;		/* 0 (4K, 16K) or 1 (64K) */
};

/* Allocate an empty root table. 0, -EINVAL (granule) or -ENOMEM. */
int pgtable_init(struct pgtable *pt, struct phys_mem *mem, struct frame_pool *frames);
/* Free the root table (every lower table must be gone). */
void pgtable_fini(struct pgtable *pt);

/* ---- PTE values --------------------------------------------------------- */

static inline bool pte_valid(uint64_t pte)
{
	return pte & VMSA_DESC_VALID;
}

/* Present for the OS: mapped, possibly PROT_NONE. */
static inline bool pte_present(uint64_t pte)
{
	return pte & (VMSA_DESC_VALID | PTE_PROT_NONE);
}

static inline bool pte_write(uint64_t pte)
{
	return pte & VMSA_PTE_DBM;
}

static inline bool pte_young(uint64_t pte)
{
	return pte & VMSA_PTE_AF;
}

static inline bool pte_hw_dirty(uint64_t pte)
{
	return pte_write(pte) && !(pte & VMSA_PTE_AP_RDONLY);
}

static inline bool pte_dirty(uint64_t pte)
{
	return pte_hw_dirty(pte) || (pte & VMSA_PTE_SW_DIRTY);
}

/* The page a present descriptor maps. */
static inline uint64_t pte_pa(const struct pgtable *pt, uint64_t pte)
{
	return vmsa_desc_addr(pte, pt->page_shift);
}

/* A new user page descriptor for frame @pa in a VMA with @vm_flags. */
uint64_t pgtable_mk_pte(const struct pgtable *pt, uint64_t pa, unsigned int vm_flags,
			bool dirty);
/* @pte with the permissions of @vm_flags, keeping address, AF and dirtiness. */
uint64_t pgtable_pte_modify(const struct pgtable *pt, uint64_t pte, unsigned int vm_flags);
/* Mark dirty (software dirty, and AP[2] cleared when writable). */
uint64_t pte_mkdirty(uint64_t pte);

/* ---- Walking ------------------------------------------------------------ */

/* PA of the level-3 entry for @va; -ENOENT when a table is missing. */
int pgtable_pte_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pte_pa);
/*
 * Same, allocating missing tables (zeroed frames, installed by
 * compare-and-swap so concurrent faults agree on one). 0 or -ENOMEM.
 */
int pgtable_pte_alloc(struct pgtable *pt, uint64_t va, uint64_t *pte_pa);
/* The page descriptor for @va, or 0 when none. */
uint64_t pgtable_read_pte(const struct pgtable *pt, uint64_t va);

/* ---- Gathering what to free until the TLBs are clean (Linux mmu_gather) --- */

/*
 * Frames wait in a batch that starts on the stack and grows on the heap up
 * to MMU_GATHER_MAX (Linux allocates extra batch pages the same way); when
 * it cannot grow, the gather flushes early and starts over.
 */
#define MMU_GATHER_BATCH	64
#define MMU_GATHER_MAX		(1u << 16)

struct mmu_gather {
	struct mm *mm;			/* NULL: nothing caches these tables */
	struct pgtable *pt;
	uint64_t start, end;		/* span of changed entries (start >= end: none) */
	bool freed_tables;		/* walk caches must go too (non-leaf TLBI) */
	unsigned int nr, max;
	uint64_t *frames;		/* local, or a heap array of max entries */
	uint64_t local[MMU_GATHER_BATCH];
	uint64_t pages_freed, tables_freed;
};

void tlb_gather_init(struct mmu_gather *tlb, struct mm *mm, struct pgtable *pt);
/* Note that [start, end) changed (a flush must cover it). */
void tlb_track_range(struct mmu_gather *tlb, uint64_t start, uint64_t end);
/* Flush what is gathered (TLBI, DSB, notifiers), then free the frames. */
void tlb_flush_mmu(struct mmu_gather *tlb);
/* Final flush and cleanup; the gather may be reused after tlb_gather_init(). */
void tlb_finish_mmu(struct mmu_gather *tlb);

/* ---- Range operations (caller excludes concurrent unmaps) ---------------- */

/*
 * Clear every descriptor in [start, end) and gather the pages; free tables
 * left empty (never the root), gathering them too. The TLB flush and the
 * frees happen in tlb_flush_mmu()/tlb_finish_mmu().
 */
void pgtable_unmap_range(struct pgtable *pt, uint64_t start, uint64_t end,
			 struct mmu_gather *tlb);
/* Apply @vm_flags to every present page in [start, end) (pgtable_pte_modify). */
void pgtable_change_prot(struct pgtable *pt, uint64_t start, uint64_t end,
			 unsigned int vm_flags, struct mmu_gather *tlb);
/* Clear AF and dirty (back to writable-clean) of valid pages in [start, end). */
void pgtable_clear_refs(struct pgtable *pt, uint64_t start, uint64_t end,
			struct mmu_gather *tlb);

#endif /* OS_MM_PGTABLE_H */
