// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 user page tables (see os/mm/pgtable.h) and the gather that defers
 * freeing until the TLBs are clean (Linux mm/mmu_gather.c, arm64 tlb.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/mm/mm.h"

#define PTE_SIZE	8ULL

int pgtable_init(struct pgtable *pt, struct phys_mem *mem, struct frame_pool *frames)
{
	unsigned int shift = frame_page_shift(frames);

	if (shift != 12 && shift != 14 && shift != 16)
		return -EINVAL;
	pt->mem = mem;
	pt->frames = frames;
	pt->page_shift = shift;
	pt->start_level = vmsa_start_level(shift, MM_VA_BITS);
	pt->root = frame_alloc(frames, FRAME_ZERO);
	return pt->root ? 0 : -ENOMEM;
}

void pgtable_fini(struct pgtable *pt)
{
	if (pt->root)
		frame_put(pt->frames, pt->root);
	pt->root = 0;
}

/* ---- PTE values --------------------------------------------------------- */

/* The bits pgtable_pte_modify() replaces: what the protection decides. */
#define PTE_PROT_MASK	(VMSA_DESC_VALID | PTE_PROT_NONE | VMSA_PTE_AP_USER | \
			 VMSA_PTE_AP_RDONLY | VMSA_PTE_DBM | VMSA_PTE_UXN | VMSA_PTE_PXN)

/*
 * Protection bits for @vm_flags, clean (Linux protection_map[] for arm64:
 * PAGE_NONE, PAGE_READONLY(_EXEC), PAGE_SHARED(_EXEC), PAGE_EXECONLY).
 * Every writable page starts writable-clean: DBM with AP[2] set.
 */
static uint64_t prot_bits(unsigned int vm_flags)
{
	uint64_t bits = VMSA_DESC_VALID | VMSA_PTE_AP_RDONLY | VMSA_PTE_PXN;

	if (!(vm_flags & VM_ACCESS_FLAGS))
		return (bits & ~VMSA_DESC_VALID) | PTE_PROT_NONE | VMSA_PTE_UXN;
	/* Execute-only pages deny EL0 reads: no AP[1]. */
	if (vm_flags & (VM_READ | VM_WRITE))
		bits |= VMSA_PTE_AP_USER;
	if (vm_flags & VM_WRITE)
		bits |= VMSA_PTE_DBM;
	if (!(vm_flags & VM_EXEC))
		bits |= VMSA_PTE_UXN;
	return bits;
}

uint64_t pte_mkdirty(uint64_t pte)
{
	pte |= VMSA_PTE_SW_DIRTY;
	if (pte_write(pte))
		pte &= ~VMSA_PTE_AP_RDONLY;
	return pte;
}

uint64_t pgtable_mk_pte(const struct pgtable *pt, uint64_t pa, unsigned int vm_flags,
			bool dirty)
{
	uint64_t pte;

	pte = VMSA_DESC_PAGE |
	      FIELD_PREP(VMSA_PTE_ATTRINDX, VMSA_MT_NORMAL) |
	      FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) |
	      VMSA_PTE_AF | VMSA_PTE_NG |
	      vmsa_addr_to_desc(pa, pt->page_shift) |
	      prot_bits(vm_flags);
	return dirty ? pte_mkdirty(pte) : pte;
}

uint64_t pgtable_pte_modify(const struct pgtable *pt, uint64_t pte, unsigned int vm_flags)
{
	(void)pt;
	/* Hardware dirtiness would be lost with AP[2]: keep it in software. */
	if (pte_hw_dirty(pte))
		pte |= VMSA_PTE_SW_DIRTY;
	pte = (pte & ~PTE_PROT_MASK) | prot_bits(vm_flags);
	if (pte & VMSA_PTE_SW_DIRTY)
		pte = pte_mkdirty(pte);
	return pte;
}

/* ---- Walking ------------------------------------------------------------ */

static uint64_t entry_pa(const struct pgtable *pt, uint64_t table, int level, uint64_t va)
{
	return table + vmsa_index(pt->page_shift, level, va) * PTE_SIZE;
}

static uint64_t read_desc(const struct pgtable *pt, uint64_t pa)
{
	uint64_t desc = 0;

	/* Tables come from our own frames: a failing read is a broken invariant. */
	if (phys_mem_read64(pt->mem, pa, &desc))
		return 0;
	return desc;
}

static bool is_table(uint64_t desc)
{
	return FIELD_GET(VMSA_DESC_TYPE, desc) == VMSA_DESC_TYPE_TABLE;
}

int pgtable_pte_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pte_pa)
{
	uint64_t table = pt->root, desc;
	int level;

	for (level = pt->start_level; level < 3; level++) {
		desc = read_desc(pt, entry_pa(pt, table, level, va));
		if (!is_table(desc))
			return -ENOENT;
		table = vmsa_desc_addr(desc, pt->page_shift);
	}
	*pte_pa = entry_pa(pt, table, 3, va);
	return 0;
}

uint64_t pgtable_read_pte(const struct pgtable *pt, uint64_t va)
{
	uint64_t pte_pa;

	if (pgtable_pte_lookup(pt, va, &pte_pa))
		return 0;
	return read_desc(pt, pte_pa);
}

/*
 * The next-level table under the entry at @pa, allocating it if missing.
 * A concurrent fault may install one first: the CAS tells, and we use theirs.
 */
static int table_alloc(struct pgtable *pt, uint64_t pa, uint64_t *table)
{
	uint64_t desc = read_desc(pt, pa), new, expected = 0;

	if (!desc) {
		new = frame_alloc(pt->frames, FRAME_ZERO);
		if (!new)
			return -ENOMEM;
		/* User tables: PXNTable, as Linux's {pmd,pud,p4d}_populate(). */
		desc = vmsa_addr_to_desc(new, pt->page_shift) | VMSA_DESC_TYPE_TABLE |
		       VMSA_TABLE_PXN;
		if (phys_mem_cmpxchg64(pt->mem, pa, &expected, desc)) {
			frame_put(pt->frames, new);
			desc = expected;
		}
	}
	if (!is_table(desc))
		return -EFAULT;
	*table = vmsa_desc_addr(desc, pt->page_shift);
	return 0;
}

int pgtable_pte_alloc(struct pgtable *pt, uint64_t va, uint64_t *pte_pa)
{
	uint64_t table = pt->root;
	int level, ret;

	for (level = pt->start_level; level < 3; level++) {
		ret = table_alloc(pt, entry_pa(pt, table, level, va), &table);
		if (ret)
			return ret;
	}
	*pte_pa = entry_pa(pt, table, 3, va);
	return 0;
}

/* ---- The range walker ----------------------------------------------------- */

/*
 * One walker for every range operation: it calls pte() on each non-zero
 * level-3 descriptor in [start, end), and with free_tables it frees the
 * tables the visit left empty into the gather.
 */
struct pt_visit {
	void (*pte)(struct pt_visit *v, uint64_t slot, uint64_t va, uint64_t pte);
	struct pgtable *pt;
	struct mmu_gather *tlb;
	bool free_tables;
	unsigned int vm_flags;		/* for change_prot */
};

static bool table_empty(const struct pgtable *pt, uint64_t table)
{
	uint64_t i, n = 1ULL << vmsa_bits_per_level(pt->page_shift);

	for (i = 0; i < n; i++)
		if (read_desc(pt, table + i * PTE_SIZE))
			return false;
	return true;
}

static void tlb_remove_table(struct mmu_gather *tlb, uint64_t table, uint64_t va);

/* Visit [start, end) of @table at @level; true if the table is now empty. */
static bool walk_range(struct pt_visit *v, uint64_t table, int level,
		       uint64_t start, uint64_t end)
{
	struct pgtable *pt = v->pt;
	unsigned int shift = vmsa_level_shift(pt->page_shift, level);
	uint64_t size = 1ULL << shift, va, next, pa, desc;

	for (va = start; va < end; va = next) {
		next = (va | (size - 1)) + 1;
		if (next > end)
			next = end;
		pa = entry_pa(pt, table, level, va);
		desc = read_desc(pt, pa);
		if (!desc)
			continue;
		if (level == 3) {
			v->pte(v, pa, va, desc);
			continue;
		}
		if (!is_table(desc))
			continue;	/* no blocks are ever built */
		if (walk_range(v, vmsa_desc_addr(desc, pt->page_shift), level + 1, va, next) &&
		    v->free_tables) {
			phys_mem_write64(pt->mem, pa, 0);
			tlb_remove_table(v->tlb, vmsa_desc_addr(desc, pt->page_shift), va);
		}
	}
	return v->free_tables && table_empty(pt, table);
}

static void walk_all(struct pt_visit *v, uint64_t start, uint64_t end)
{
	if (end > MM_TASK_SIZE)
		end = MM_TASK_SIZE;
	if (start < end)
		walk_range(v, v->pt->root, v->pt->start_level, start, end);
}

/* ---- mmu_gather ------------------------------------------------------------ */

void tlb_gather_init(struct mmu_gather *tlb, struct mm *mm, struct pgtable *pt)
{
	tlb->mm = mm;
	tlb->pt = pt;
	tlb->start = UINT64_MAX;
	tlb->end = 0;
	tlb->freed_tables = false;
	tlb->nr = 0;
	tlb->max = MMU_GATHER_BATCH;
	tlb->frames = tlb->local;
	tlb->pages_freed = tlb->tables_freed = 0;
}

void tlb_track_range(struct mmu_gather *tlb, uint64_t start, uint64_t end)
{
	if (start < tlb->start)
		tlb->start = start;
	if (end > tlb->end)
		tlb->end = end;
}

void tlb_flush_mmu(struct mmu_gather *tlb)
{
	unsigned int i;

	if (tlb->start < tlb->end && tlb->mm)
		mm_flush_tlb_range(tlb->mm, tlb->start, tlb->end, !tlb->freed_tables);
	/* Only now can no walker reach these frames: give them back. */
	for (i = 0; i < tlb->nr; i++)
		frame_put(tlb->pt->frames, tlb->frames[i]);
	tlb->nr = 0;
	tlb->start = UINT64_MAX;
	tlb->end = 0;
	tlb->freed_tables = false;
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
	if (tlb->mm) {
		mm_count(&tlb->mm->sys->stats.pages_freed, tlb->pages_freed);
		mm_count(&tlb->mm->sys->stats.tables_freed, tlb->tables_freed);
	}
	tlb->pages_freed = tlb->tables_freed = 0;
	if (tlb->frames != tlb->local)
		free(tlb->frames);
	tlb->frames = tlb->local;
	tlb->max = MMU_GATHER_BATCH;
}

/* Double the batch; false when it cannot (then the caller flushes early). */
static bool tlb_grow(struct mmu_gather *tlb)
{
	unsigned int max = tlb->max * 2;
	uint64_t *frames;

	if (max > MMU_GATHER_MAX)
		return false;
	if (tlb->frames == tlb->local) {
		frames = malloc(max * sizeof(*frames));
		if (frames)
			memcpy(frames, tlb->local, tlb->nr * sizeof(*frames));
	} else {
		frames = realloc(tlb->frames, max * sizeof(*frames));
	}
	if (!frames)
		return false;
	tlb->frames = frames;
	tlb->max = max;
	return true;
}

static void tlb_add_frame(struct mmu_gather *tlb, uint64_t pa)
{
	/* One flush for the whole operation, unless the batch cannot grow. */
	if (tlb->nr == tlb->max && !tlb_grow(tlb))
		tlb_flush_mmu(tlb);
	tlb->frames[tlb->nr++] = pa;
}

static void tlb_remove_page(struct mmu_gather *tlb, uint64_t pa, uint64_t va)
{
	tlb_track_range(tlb, va, va + (1ULL << tlb->pt->page_shift));
	tlb_add_frame(tlb, pa);
	tlb->pages_freed++;
}

/*
 * A freed table may still be cached by a walker (a walk cache) for any
 * address of its span. A non-leaf TLBI by VA of one address the table
 * translated removes the cached pointer (Arm ARM D8.13: a TLBI by VA
 * invalidates every cached entry used to translate that VA, intermediate
 * ones included). @va is such an address inside the range being unmapped,
 * so the flush of that range, made non-leaf, covers the table: widening it
 * to the table's whole span would turn every small munmap into a flush by
 * ASID, and tell the MMU notifiers "everything" instead of the range.
 */
static void tlb_remove_table(struct mmu_gather *tlb, uint64_t table, uint64_t va)
{
	tlb_track_range(tlb, va, va + (1ULL << tlb->pt->page_shift));
	tlb->freed_tables = true;
	tlb_add_frame(tlb, table);
	tlb->tables_freed++;
}

/* ---- Range operations ------------------------------------------------------ */

/*
 * Replace the live descriptor at @slot by fn(old): CAS until no HTTU update
 * slips in between. Returns the value replaced; it changed iff fn(old) != old.
 */
static uint64_t pte_update(struct pgtable *pt, uint64_t slot, uint64_t old,
			   uint64_t (*fn)(struct pt_visit *v, uint64_t old), struct pt_visit *v)
{
	uint64_t new;

	do {
		new = fn(v, old);
		if (new == old)
			return old;
	} while (phys_mem_cmpxchg64(pt->mem, slot, &old, new) == -EAGAIN);
	return old;
}

static uint64_t clear_fn(struct pt_visit *v, uint64_t old)
{
	(void)v;
	(void)old;
	return 0;
}

static void unmap_pte(struct pt_visit *v, uint64_t slot, uint64_t va, uint64_t pte)
{
	uint64_t old = pte_update(v->pt, slot, pte, clear_fn, v);

	if (pte_present(old))
		tlb_remove_page(v->tlb, pte_pa(v->pt, old), va);
}

void pgtable_unmap_range(struct pgtable *pt, uint64_t start, uint64_t end,
			 struct mmu_gather *tlb)
{
	struct pt_visit v = { .pte = unmap_pte, .pt = pt, .tlb = tlb, .free_tables = true };

	walk_all(&v, start, end);
}

static uint64_t modify_fn(struct pt_visit *v, uint64_t old)
{
	return pgtable_pte_modify(v->pt, old, v->vm_flags);
}

static void change_prot_pte(struct pt_visit *v, uint64_t slot, uint64_t va, uint64_t pte)
{
	uint64_t old;

	if (!pte_present(pte))
		return;
	old = pte_update(v->pt, slot, pte, modify_fn, v);
	if (modify_fn(v, old) != old)
		tlb_track_range(v->tlb, va, va + (1ULL << v->pt->page_shift));
}

void pgtable_change_prot(struct pgtable *pt, uint64_t start, uint64_t end,
			 unsigned int vm_flags, struct mmu_gather *tlb)
{
	struct pt_visit v = { .pte = change_prot_pte, .pt = pt, .tlb = tlb,
			      .vm_flags = vm_flags };

	walk_all(&v, start, end);
}

static uint64_t clear_refs_fn(struct pt_visit *v, uint64_t old)
{
	uint64_t new = old & ~(VMSA_PTE_AF | VMSA_PTE_SW_DIRTY);

	(void)v;
	if (pte_write(new))
		new |= VMSA_PTE_AP_RDONLY;
	return new;
}

static void clear_refs_pte(struct pt_visit *v, uint64_t slot, uint64_t va, uint64_t pte)
{
	uint64_t old;

	if (!pte_valid(pte))
		return;
	old = pte_update(v->pt, slot, pte, clear_refs_fn, v);
	if (clear_refs_fn(v, old) != old)
		tlb_track_range(v->tlb, va, va + (1ULL << v->pt->page_shift));
}

void pgtable_clear_refs(struct pgtable *pt, uint64_t start, uint64_t end,
			struct mmu_gather *tlb)
{
	struct pt_visit v = { .pte = clear_refs_pte, .pt = pt, .tlb = tlb };

	walk_all(&v, start, end);
}
