/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stage-1 AArch64 I/O page table for private DMA domains (as Linux's
 * io-pgtable-arm.c, ARM_64_LPAE_S1 format): map and unmap IOVA ranges with
 * the largest pages the geometry allows, tables from the frame allocator,
 * descriptors in the VMSA format (arch/vmsa.h) the SMMU walks.
 *
 * Concurrency: map and unmap of disjoint ranges may run concurrently
 * (next-level tables are installed with compare-and-swap, descriptors are
 * written with single 64-bit stores); overlapping calls are the caller's
 * bug, as in Linux. A table that unmap empties as a whole is freed only
 * after the flush_walk callback returned (the SMMU's walk caches no longer
 * point into it).
 */
#ifndef OS_ARM_SMMU_V3_IO_PGTABLE_H
#define OS_ARM_SMMU_V3_IO_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "os/mm/frame.h"

struct io_pgtable_flush_ops {
	/*
	 * Invalidate walk caches for [iova, iova + size) (non-leaf) and wait:
	 * called before a table that mapped the range is freed.
	 */
	void (*tlb_flush_walk)(void *cookie, uint64_t iova, uint64_t size, uint64_t granule);
};

struct io_pgtable_cfg {
	unsigned int granule_shift;	/* 12, 14 or 16 */
	unsigned int ias, oas;		/* input / output address bits */
	uint64_t pgsize_bitmap;		/* page and block sizes allowed */
	struct frame_pool *pool;
	const struct io_pgtable_flush_ops *tlb;
	void *cookie;
};

struct io_pgtable {
	struct io_pgtable_cfg cfg;
	struct phys_mem *mem;
	uint64_t pgd_pa;		/* initial-level table */
	int start_level;
	unsigned int table_order;	/* frame order of one table */
	uint64_t nr_tables;		/* tables allocated now (atomic) */
};

/* Prot bits (as Linux's IOMMU_*) */
#define IO_PGTABLE_READ		(1u << 0)
#define IO_PGTABLE_WRITE	(1u << 1)
#define IO_PGTABLE_NOEXEC	(1u << 3)
#define IO_PGTABLE_PRIV		(1u << 5)

/* Allocate the initial table. NULL on bad geometry or no memory. */
struct io_pgtable *io_pgtable_alloc(const struct io_pgtable_cfg *cfg);
/* Free every table (the caller has made sure nothing walks it any more). */
void io_pgtable_free(struct io_pgtable *pgt);

/*
 * Map [iova, iova + size) to [pa, pa + size). 0, -EINVAL (misaligned, out
 * of range, no prot), -EEXIST (something already mapped there: nothing of
 * this call stays mapped), -ENOMEM.
 */
int io_pgtable_map(struct io_pgtable *pgt, uint64_t iova, uint64_t pa, uint64_t size,
		   unsigned int prot);
/*
 * Unmap [iova, iova + size): returns the bytes unmapped (stops at the first
 * hole or at a block only partly covered). Leaf TLB invalidation is the
 * caller's: *@leaf_sizes (if non-NULL) gets the OR of the sizes of the leaf
 * entries cleared, for the TTL hint. Freed tables were flushed through
 * flush_walk.
 */
uint64_t io_pgtable_unmap(struct io_pgtable *pgt, uint64_t iova, uint64_t size,
			  uint64_t *leaf_sizes);
/* Output address of @iova, 0 if unmapped. */
uint64_t io_pgtable_iova_to_phys(struct io_pgtable *pgt, uint64_t iova);

/*
 * The one walker: visit() sees every valid descriptor overlapping
 * [addr, end), tables before their contents; post_table() sees a table
 * after its contents (for freeing). visit() returning non-zero stops.
 */
struct io_pgtable_walk_data {
	int (*visit)(struct io_pgtable_walk_data *d, int level, uint64_t iova, uint64_t *ptep);
	void (*post_table)(struct io_pgtable_walk_data *d, int level, uint64_t iova,
			   uint64_t table_pa);
	uint64_t addr, end;
	void *ctx;
};
int io_pgtable_walk(struct io_pgtable *pgt, struct io_pgtable_walk_data *d);

#endif /* OS_ARM_SMMU_V3_IO_PGTABLE_H */
