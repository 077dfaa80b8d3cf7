// SPDX-License-Identifier: GPL-2.0
/*
 * Stage-1 I/O page tables in the AArch64 VMSA format (Arm ARM D8.3), as
 * Linux's io-pgtable-arm.c builds them for ARM_64_LPAE_S1: non-global
 * (ASID-tagged) entries, AF set, inner shareable, Normal WB memory.
 *
 * Geometry helpers come from arch/vmsa.h (level shift, index, start level);
 * map and unmap recurse one level at a time; everything else (lookup,
 * freeing) goes through the one visitor walker, io_pgtable_walk().
 */
#include <errno.h>
#include <stdlib.h>

#include "arch/vmsa.h"
#include "os/arm-smmu-v3/io_pgtable.h"

static uint64_t *table_va(struct io_pgtable *pgt, uint64_t pa)
{
	return phys_mem_ptr(pgt->mem, pa, 1ull << pgt->cfg.granule_shift);
}

static uint64_t block_size(struct io_pgtable *pgt, int level)
{
	return 1ull << vmsa_level_shift(pgt->cfg.granule_shift, level);
}

/* Entries of the table at @level (the initial level may be concatenated-short). */
static unsigned int table_entries(struct io_pgtable *pgt, int level)
{
	unsigned int stride = vmsa_bits_per_level(pgt->cfg.granule_shift);
	unsigned int shift = vmsa_level_shift(pgt->cfg.granule_shift, level);

	if (level == pgt->start_level && pgt->cfg.ias - shift < stride)
		return 1u << (pgt->cfg.ias - shift);
	return 1u << stride;
}

static bool pte_valid(uint64_t pte)
{
	return pte & VMSA_DESC_VALID;
}

static bool pte_is_table(uint64_t pte, int level)
{
	return level < 3 && FIELD_GET(VMSA_DESC_TYPE, pte) == VMSA_DESC_TYPE_TABLE;
}

static uint64_t pte_read(const uint64_t *ptep)
{
	return __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
}

/* Install @new where the entry is still zero; false if someone got there first. */
static bool pte_install(uint64_t *ptep, uint64_t *old, uint64_t new)
{
	*old = 0;
	return __atomic_compare_exchange_n(ptep, old, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

static uint64_t alloc_table(struct io_pgtable *pgt)
{
	uint64_t pa = frame_alloc_order(pgt->cfg.pool, pgt->table_order, FRAME_ZERO);

	if (pa)
		__atomic_fetch_add(&pgt->nr_tables, 1, __ATOMIC_RELAXED);
	return pa;
}

static void free_table(struct io_pgtable *pgt, uint64_t pa)
{
	frame_free_order(pgt->cfg.pool, pa, pgt->table_order);
	__atomic_fetch_sub(&pgt->nr_tables, 1, __ATOMIC_RELAXED);
}

static uint64_t prot_to_pte(unsigned int prot)
{
	uint64_t pte = VMSA_PTE_NG | VMSA_PTE_AF |
		       FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) |
		       FIELD_PREP(VMSA_PTE_ATTRINDX, VMSA_MT_NORMAL);

	if (!(prot & IO_PGTABLE_WRITE))
		pte |= VMSA_PTE_AP_RDONLY;
	if (!(prot & IO_PGTABLE_PRIV))
		pte |= VMSA_PTE_AP_USER;
	if (prot & IO_PGTABLE_NOEXEC)
		pte |= VMSA_PTE_UXN | VMSA_PTE_PXN;
	return pte;
}

/* ---- The walker ------------------------------------------------------------ */

static int walk_level(struct io_pgtable *pgt, struct io_pgtable_walk_data *d, int level,
		      uint64_t table_pa, uint64_t base)
{
	unsigned int i, n = table_entries(pgt, level);
	uint64_t *table = table_va(pgt, table_pa);
	uint64_t blk = block_size(pgt, level);
	uint64_t iova, pte, child;
	int ret;

	for (i = 0; i < n; i++) {
		iova = base + i * blk;
		if (iova + blk <= d->addr || iova >= d->end)
			continue;
		pte = pte_read(&table[i]);
		if (!pte_valid(pte))
			continue;
		if (d->visit) {
			ret = d->visit(d, level, iova, &table[i]);
			if (ret)
				return ret;
		}
		if (!pte_is_table(pte, level))
			continue;
		child = vmsa_desc_addr(pte, pgt->cfg.granule_shift);
		ret = walk_level(pgt, d, level + 1, child, iova);
		if (ret)
			return ret;
		if (d->post_table)
			d->post_table(d, level + 1, iova, child);
	}
	return 0;
}

int io_pgtable_walk(struct io_pgtable *pgt, struct io_pgtable_walk_data *d)
{
	return walk_level(pgt, d, pgt->start_level, pgt->pgd_pa, 0);
}

/* ---- Lookup and freeing ----------------------------------------------------- */

struct lookup_ctx {
	struct io_pgtable *pgt;
	uint64_t iova, pa;
};

static int lookup_visit(struct io_pgtable_walk_data *d, int level, uint64_t iova, uint64_t *ptep)
{
	struct lookup_ctx *lc = d->ctx;
	struct io_pgtable *pgt = lc->pgt;
	uint64_t pte = pte_read(ptep);

	if (pte_is_table(pte, level))
		return 0;
	lc->pa = vmsa_desc_addr(pte, pgt->cfg.granule_shift) +
		 ((lc->iova - iova) & (block_size(pgt, level) - 1));
	return 1;
}

uint64_t io_pgtable_iova_to_phys(struct io_pgtable *pgt, uint64_t iova)
{
	struct lookup_ctx lc = { .pgt = pgt, .iova = iova };
	struct io_pgtable_walk_data d = {
		.visit = lookup_visit, .addr = iova, .end = iova + 1, .ctx = &lc,
	};

	if (pgt->cfg.ias < 64 && iova >> pgt->cfg.ias)
		return 0;
	io_pgtable_walk(pgt, &d);
	return lc.pa;
}

static void free_post_table(struct io_pgtable_walk_data *d, int level, uint64_t iova,
			    uint64_t table_pa)
{
	(void)level;
	(void)iova;
	free_table(d->ctx, table_pa);
}

/* Free every table below the table entry at @level covering [iova, iova + blk). */
static void free_subtree(struct io_pgtable *pgt, int level, uint64_t table_pa, uint64_t iova)
{
	struct io_pgtable_walk_data d = {
		.post_table = free_post_table,
		.addr = iova,
		.end = iova + block_size(pgt, level - 1),
		.ctx = pgt,
	};

	walk_level(pgt, &d, level, table_pa, iova);
	free_table(pgt, table_pa);
}

/* ---- Map ------------------------------------------------------------------- */

static int map_one(struct io_pgtable *pgt, uint64_t iova, uint64_t pa, int target,
		   uint64_t prot_pte, int level, uint64_t table_pa)
{
	unsigned int gs = pgt->cfg.granule_shift;
	uint64_t *ptep = &table_va(pgt, table_pa)[vmsa_index(gs, level, iova)];
	uint64_t pte, old, next;

	if (level == target) {
		pte = prot_pte | vmsa_addr_to_desc(pa, gs) |
		      (level == 3 ? VMSA_DESC_TYPE_TABLE : VMSA_DESC_TYPE_BLOCK);
		return pte_install(ptep, &old, pte) ? 0 : -EEXIST;
	}
	pte = pte_read(ptep);
	if (!pte_valid(pte)) {
		next = alloc_table(pgt);
		if (!next)
			return -ENOMEM;
		pte = vmsa_addr_to_desc(next, gs) | VMSA_DESC_TYPE_TABLE;
		/* Lost a race with a concurrent map: use the winner's table. */
		if (!pte_install(ptep, &old, pte)) {
			free_table(pgt, next);
			pte = old;
		}
	}
	if (!pte_is_table(pte, level))
		return -EEXIST;
	return map_one(pgt, iova, pa, target, prot_pte, level + 1, vmsa_desc_addr(pte, gs));
}

/* The level of the largest page that fits at iova/pa for @size, or -1. */
static int pick_level(struct io_pgtable *pgt, uint64_t iova, uint64_t pa, uint64_t size)
{
	int level;

	for (level = pgt->start_level; level <= 3; level++) {
		uint64_t blk = block_size(pgt, level);

		if (!(pgt->cfg.pgsize_bitmap & blk))
			continue;
		if (level < 3 && !vmsa_block_allowed(pgt->cfg.granule_shift, level))
			continue;
		if (blk <= size && !((iova | pa) & (blk - 1)))
			return level;
	}
	return -1;
}

int io_pgtable_map(struct io_pgtable *pgt, uint64_t iova, uint64_t pa, uint64_t size,
		   unsigned int prot)
{
	uint64_t prot_pte = prot_to_pte(prot), done = 0;
	int level, ret = 0;

	if (!(prot & (IO_PGTABLE_READ | IO_PGTABLE_WRITE)) || !size)
		return -EINVAL;
	if (iova + size < iova || (pgt->cfg.ias < 64 && (iova + size - 1) >> pgt->cfg.ias) ||
	    (pa + size - 1) >> pgt->cfg.oas)
		return -EINVAL;
	while (done < size) {
		level = pick_level(pgt, iova + done, pa + done, size - done);
		if (level < 0) {
			ret = -EINVAL;
			break;
		}
		ret = map_one(pgt, iova + done, pa + done, level, prot_pte, pgt->start_level,
			      pgt->pgd_pa);
		if (ret)
			break;
		done += block_size(pgt, level);
	}
	if (ret && done)
		io_pgtable_unmap(pgt, iova, done, NULL);	/* all or nothing */
	return ret;
}

/* ---- Unmap ----------------------------------------------------------------- */

static uint64_t unmap_one(struct io_pgtable *pgt, uint64_t iova, uint64_t size, int level,
			  uint64_t table_pa, uint64_t *leaf_sizes)
{
	unsigned int gs = pgt->cfg.granule_shift;
	uint64_t *ptep = &table_va(pgt, table_pa)[vmsa_index(gs, level, iova)];
	uint64_t blk = block_size(pgt, level);
	uint64_t pte = pte_read(ptep);

	if (!pte_valid(pte))
		return 0;
	if (size >= blk && !(iova & (blk - 1))) {
		__atomic_store_n(ptep, 0, __ATOMIC_SEQ_CST);
		if (pte_is_table(pte, level)) {
			/* The walk caches may still point into the table: flush first. */
			if (pgt->cfg.tlb && pgt->cfg.tlb->tlb_flush_walk)
				pgt->cfg.tlb->tlb_flush_walk(pgt->cfg.cookie, iova, blk,
							     1ull << gs);
			free_subtree(pgt, level + 1, vmsa_desc_addr(pte, gs), iova);
		} else {
			*leaf_sizes |= blk;
		}
		return blk;
	}
	/* Part of a block: splitting blocks is not supported. */
	if (!pte_is_table(pte, level))
		return 0;
	return unmap_one(pgt, iova, size, level + 1, vmsa_desc_addr(pte, gs), leaf_sizes);
}

uint64_t io_pgtable_unmap(struct io_pgtable *pgt, uint64_t iova, uint64_t size,
			  uint64_t *leaf_sizes)
{
	uint64_t done = 0, n, sizes = 0;

	if (iova & ((1ull << pgt->cfg.granule_shift) - 1))
		return 0;
	while (done < size) {
		n = unmap_one(pgt, iova + done, size - done, pgt->start_level, pgt->pgd_pa,
			      &sizes);
		if (!n)
			break;
		done += n;
	}
	if (leaf_sizes)
		*leaf_sizes = sizes;
	return done;
}

/* ---- Lifetime -------------------------------------------------------------- */

struct io_pgtable *io_pgtable_alloc(const struct io_pgtable_cfg *cfg)
{
	unsigned int page_shift = frame_page_shift(cfg->pool);
	struct io_pgtable *pgt;

	if (cfg->granule_shift != 12 && cfg->granule_shift != 14 && cfg->granule_shift != 16)
		return NULL;
	if (cfg->ias > 48 || cfg->ias <= cfg->granule_shift || cfg->oas > 52 ||
	    page_shift > cfg->granule_shift)
		return NULL;
	pgt = calloc(1, sizeof(*pgt));
	if (!pgt)
		return NULL;
	pgt->cfg = *cfg;
	pgt->mem = frame_pool_mem(cfg->pool);
	pgt->start_level = vmsa_start_level(cfg->granule_shift, cfg->ias);
	pgt->table_order = cfg->granule_shift - page_shift;
	pgt->pgd_pa = alloc_table(pgt);
	if (!pgt->pgd_pa) {
		free(pgt);
		return NULL;
	}
	return pgt;
}

void io_pgtable_free(struct io_pgtable *pgt)
{
	struct io_pgtable_walk_data d = {
		.post_table = free_post_table,
		.addr = 0,
		.end = ~0ull,
		.ctx = pgt,
	};

	if (!pgt)
		return;
	io_pgtable_walk(pgt, &d);
	free_table(pgt, pgt->pgd_pa);
	free(pgt);
}
