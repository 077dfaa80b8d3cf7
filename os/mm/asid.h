/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 ASID allocator (as arch/arm64/mm/context.c): ASIDs of 8 or 16
 * bits carry a generation in the bits above; when the ASID space is
 * exhausted the generation rolls over, every CPU keeps the ASID it is running
 * (its "reserved" ASID) and flushes its TLB before its next switch.
 *
 * Pinning (mm_context_get/put, added by the 2020 SMMUv3 SVA series): a pinned
 * ASID is shared with the SMMU, so it must never change; pinned ASIDs are
 * carried over every rollover and never handed to another mm. At most
 * max_pinned ASIDs may be pinned, so that rollovers always leave room.
 */
#ifndef OS_MM_ASID_H
#define OS_MM_ASID_H

#include <stdint.h>

struct cpu_cluster;
struct asid_allocator;

/* Per-mm context (Linux mm->context.id and pinned). */
struct asid_context {
	uint64_t id;		/* generation | ASID; 0 = never allocated (atomic) */
	unsigned int pinned;	/* pin count, under the allocator lock */
};

/*
 * Create an allocator for @asid_bits (8 or 16) over the CPUs of @cl (it
 * flushes their TLBs on rollover). ASID 0 is reserved, as on Linux.
 */
struct asid_allocator *asid_allocator_create(unsigned int asid_bits, struct cpu_cluster *cl);
void asid_allocator_destroy(struct asid_allocator *a);

/*
 * Make @ctx current on CPU @cpu (switch_mm): allocates or revalidates the
 * ASID, flushes the CPU's TLB if a rollover asked for it, and returns the
 * ASID to write into TTBR0_EL1. Lock-free when the ASID is current.
 */
uint16_t asid_switch(struct asid_allocator *a, struct asid_context *ctx, unsigned int cpu);

/*
 * Pin the ASID of @ctx (allocating one if needed): returns it, or 0 when the
 * pinned limit is reached. Balanced by mm_context_put().
 */
uint16_t mm_context_get(struct asid_allocator *a, struct asid_context *ctx);
void mm_context_put(struct asid_allocator *a, struct asid_context *ctx);

/* The ASID part of a context id (what the SMMU CD will carry). */
uint16_t asid_of(const struct asid_allocator *a, const struct asid_context *ctx);

/*
 * What the allocator holds for @ctx, consistently (under its lock): the
 * ASID, whether the id belongs to the current generation (it may run
 * without a new ASID) and whether it is pinned. No two contexts that are
 * current or pinned may have the same ASID.
 */
struct asid_context_state {
	uint16_t asid;
	bool current, pinned;
};
void asid_context_state(struct asid_allocator *a, const struct asid_context *ctx,
			struct asid_context_state *st);

/*
 * Release the context of an exiting mm (its ASID returns at the next
 * rollover); the mm must no longer run on any CPU. A context still pinned is
 * reported and unpinned. The context may then be reused for a new mm.
 */
void asid_context_release(struct asid_allocator *a, struct asid_context *ctx);

struct asid_stats {
	uint64_t generation;	/* current generation number (starts at 1) */
	uint64_t rollovers;
	unsigned int nr_pinned, max_pinned;
	unsigned int asid_bits;
	uint64_t tlb_flushes;	/* local TLBI ALLs done for rollovers */
};
void asid_get_stats(struct asid_allocator *a, struct asid_stats *st);

#endif /* OS_MM_ASID_H */
