/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page frame allocator: the OS's ownership of physical memory.
 *
 * Frames are PAGE_SIZE (the machine's granule: 4K, 16K or 64K) and
 * refcounted: frame_alloc() returns a frame with one reference, frame_get()
 * takes another, frame_put() drops one and frees the frame on the last.
 * Contiguous, naturally aligned blocks of 2^order frames (for stream tables,
 * CD tables and queues, as dma_alloc_coherent would give) come from the same
 * buddy allocator. Per-thread caches of single frames keep the common
 * alloc/free path off the global lock.
 *
 * Counters (frame_stats) let tests prove that nothing leaks: after a test
 * tears everything down, stats.allocated returns to what it was.
 */
#ifndef OS_MM_FRAME_H
#define OS_MM_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/mem.h"

struct frame_pool;

#define FRAME_ZERO	(1u << 0)	/* zero the frame(s) before returning them */

/* Largest block order (inclusive): 2^12 frames, 16M with 4K frames. */
#define FRAME_MAX_ORDER	12

/*
 * Manage [@start, @start + @size) of @mem, in frames of 2^@page_shift bytes.
 * Returns the pool or NULL (bad geometry, no memory).
 */
struct frame_pool *frame_pool_create(struct phys_mem *mem, uint64_t start, uint64_t size,
				     unsigned int page_shift);
void frame_pool_destroy(struct frame_pool *pool);

unsigned int frame_page_shift(const struct frame_pool *pool);
/* The memory the pool's frames live in (the OS's linear map). */
struct phys_mem *frame_pool_mem(const struct frame_pool *pool);

/* One frame with refcount 1: its PA, or 0 when memory is exhausted. */
uint64_t frame_alloc(struct frame_pool *pool, unsigned int flags);
/*
 * 2^@order contiguous frames aligned to their size (in PA), 0 when no such
 * block is free. The block carries one refcount, on its first frame: the
 * last frame_put() of that PA frees the whole block.
 */
uint64_t frame_alloc_order(struct frame_pool *pool, unsigned int order, unsigned int flags);
/* Free a block from frame_alloc_order() (its refcount must be 1). */
void frame_free_order(struct frame_pool *pool, uint64_t pa, unsigned int order);

/*
 * References. frame_get() of a free frame and frame_put() of a frame with no
 * reference (a double free) are bugs: they abort with a message naming the
 * function. A PA outside the pool or not frame aligned is refused with a
 * message and counted in frame_stats.misuse; nothing is changed.
 */
void frame_get(struct frame_pool *pool, uint64_t pa);
/* Drop a reference; returns true if this freed the frame (or block). */
bool frame_put(struct frame_pool *pool, uint64_t pa);
/* References held on the frame at @pa; 0 if free or not in the pool. */
unsigned int frame_refcount(const struct frame_pool *pool, uint64_t pa);

struct frame_stats {
	uint64_t total;		/* frames managed */
	uint64_t allocated;	/* frames currently allocated (any order) */
	uint64_t allocs, frees;	/* operations since creation */
	uint64_t misuse;	/* refused calls with a bad PA */
};
/* Exact counts (drains no caches; cached free frames count as free). */
void frame_get_stats(struct frame_pool *pool, struct frame_stats *st);

#endif /* OS_MM_FRAME_H */
