/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One CPU's TLB (internal to hw/cpu): a set-associative cache of final-level
 * stage-1 translations, tagged by ASID unless global.
 *
 * Entries of several sizes coexist (4K/16K/64K pages, blocks of any level,
 * entries left from an earlier TCR granule). The set of an entry is a hash
 * of (VA >> size, size), so a lookup probes one set per size currently
 * present in the TLB; a per-size count keeps that list short.
 *
 * No locking here: the owning struct cpu serialises every call with its
 * per-CPU lock (see hw/cpu.c).
 */
#ifndef HW_CPU_TLB_H
#define HW_CPU_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/cpu.h"

#define CPU_TLB_WAYS	4

struct cpu_tlb_entry {
	uint64_t va;		/* base of the region, as a lookup key (see cpu.c) */
	uint64_t pa;		/* output address of va */
	uint16_t asid;		/* meaningful only when ng */
	uint8_t shift;		/* log2 of the region size; 0: entry invalid */
	uint8_t perm_el0;	/* WALK_PERM_* */
	uint8_t perm_el1;
	bool ng;
	bool writable_clean;
};

struct cpu_tlb {
	struct cpu_tlb_entry *entries;	/* nr_sets * ways */
	uint8_t *victim;		/* per set: next way to replace */
	unsigned int nr_sets;
	unsigned int ways;
	uint64_t shifts;		/* bit n: some valid entry has shift n */
	uint32_t shift_count[64];	/* valid entries per shift */
};

/* Room for at most @entries entries (>= 1). 0 or -ENOMEM / -EINVAL. */
int cpu_tlb_init(struct cpu_tlb *tlb, unsigned int entries);
void cpu_tlb_fini(struct cpu_tlb *tlb);

/* The entry translating @key for @asid (global entries match any), or NULL. */
struct cpu_tlb_entry *cpu_tlb_lookup(struct cpu_tlb *tlb, uint64_t key, uint16_t asid);

/*
 * Cache @ent. Every entry that would also translate ent->va for its ASID is
 * dropped first, so a lookup never sees two answers for one address.
 */
void cpu_tlb_insert(struct cpu_tlb *tlb, const struct cpu_tlb_entry *ent);

/*
 * Apply one TLB maintenance operation (Arm ARM D8.13). @asid_mask is the
 * implemented ASID width. Returns the number of entries dropped.
 */
unsigned int cpu_tlb_invalidate(struct cpu_tlb *tlb, const struct dvm_tlbi *op,
				uint16_t asid_mask);

/* Number of valid entries (tests, statistics). */
unsigned int cpu_tlb_count(const struct cpu_tlb *tlb);

#endif /* HW_CPU_TLB_H */
