// SPDX-License-Identifier: GPL-2.0
/*
 * One CPU's TLB (see hw/cpu_tlb.h).
 *
 * Only final-level translations are cached (there is no walk cache), so the
 * "last level only" hint of TLBI VALE1/VAALE1 selects exactly the entries
 * the non-leaf forms would: both drop every matching entry here.
 */
#include <errno.h>
#include <stdlib.h>

#include "arch/bitfield.h"
#include "hw/cpu_tlb.h"

/*
 * TLBI by VA carries VA[55:12] (Arm ARM D8.13, the TLBI VAE1 operand): bits
 * below 12 are not part of the address to match, nor is the top byte.
 */
#define TLBI_VA_MASK	GENMASK_ULL(55, 12)

static inline uint64_t region_mask(unsigned int shift)
{
	return (1ULL << shift) - 1;
}

static unsigned int tlb_set(const struct cpu_tlb *tlb, uint64_t base, unsigned int shift)
{
	/* Fibonacci hashing of the region number; the size salts the hash. */
	uint64_t h = ((base >> shift) ^ ((uint64_t)shift << 56)) * 0x9e3779b97f4a7c15ULL;

	/* Scale the top 32 bits to [0, nr_sets): a multiply, no division. */
	return (unsigned int)(((h >> 32) * tlb->nr_sets) >> 32);
}

static struct cpu_tlb_entry *tlb_set_entries(struct cpu_tlb *tlb, unsigned int set)
{
	return &tlb->entries[(size_t)set * tlb->ways];
}

static void tlb_count_add(struct cpu_tlb *tlb, unsigned int shift)
{
	tlb->shift_count[shift]++;
	tlb->shifts |= BIT_ULL(shift);
}

static void tlb_drop(struct cpu_tlb *tlb, struct cpu_tlb_entry *e)
{
	if (!--tlb->shift_count[e->shift])
		tlb->shifts &= ~BIT_ULL(e->shift);
	e->shift = 0;
}

int cpu_tlb_init(struct cpu_tlb *tlb, unsigned int entries)
{
	if (!entries)
		return -EINVAL;
	tlb->ways = entries < CPU_TLB_WAYS ? entries : CPU_TLB_WAYS;
	tlb->nr_sets = entries / tlb->ways;
	tlb->entries = calloc((size_t)tlb->nr_sets * tlb->ways, sizeof(*tlb->entries));
	tlb->victim = calloc(tlb->nr_sets, sizeof(*tlb->victim));
	if (!tlb->entries || !tlb->victim)
		goto err_free;
	tlb->shifts = 0;
	for (unsigned int i = 0; i < 64; i++)
		tlb->shift_count[i] = 0;
	return 0;

err_free:
	free(tlb->entries);
	free(tlb->victim);
	tlb->entries = NULL;
	tlb->victim = NULL;
	return -ENOMEM;
}

void cpu_tlb_fini(struct cpu_tlb *tlb)
{
	free(tlb->entries);
	free(tlb->victim);
	tlb->entries = NULL;
	tlb->victim = NULL;
}

static bool entry_translates(const struct cpu_tlb_entry *e, uint64_t base,
			     unsigned int shift, uint16_t asid)
{
	return e->shift == shift && e->va == base && (!e->ng || e->asid == asid);
}

struct cpu_tlb_entry *cpu_tlb_lookup(struct cpu_tlb *tlb, uint64_t key, uint16_t asid)
{
	uint64_t shifts = tlb->shifts;

	while (shifts) {
		unsigned int shift = (unsigned int)__builtin_ctzll(shifts);
		uint64_t base = key & ~region_mask(shift);
		struct cpu_tlb_entry *set;
		unsigned int w;

		shifts &= shifts - 1;
		set = tlb_set_entries(tlb, tlb_set(tlb, base, shift));
		for (w = 0; w < tlb->ways; w++)
			if (entry_translates(&set[w], base, shift, asid))
				return &set[w];
	}
	return NULL;
}

void cpu_tlb_insert(struct cpu_tlb *tlb, const struct cpu_tlb_entry *ent)
{
	struct cpu_tlb_entry *set, *slot = NULL, *old;
	unsigned int set_idx, w;

	if (!ent->shift || ent->shift >= 64)
		return;
	/* A new walk result supersedes whatever else answered for this VA. */
	while ((old = cpu_tlb_lookup(tlb, ent->va, ent->asid)))
		tlb_drop(tlb, old);

	set_idx = tlb_set(tlb, ent->va, ent->shift);
	set = tlb_set_entries(tlb, set_idx);
	for (w = 0; w < tlb->ways && !slot; w++)
		if (!set[w].shift)
			slot = &set[w];
	if (!slot) {
		slot = &set[tlb->victim[set_idx]];
		tlb->victim[set_idx] = (uint8_t)((tlb->victim[set_idx] + 1) % tlb->ways);
		tlb_drop(tlb, slot);
	}
	*slot = *ent;
	tlb_count_add(tlb, ent->shift);
}

/* Does the entry's region overlap [first, last]? */
static bool entry_overlaps(const struct cpu_tlb_entry *e, uint64_t first, uint64_t last)
{
	return e->va <= last && (e->va | region_mask(e->shift)) >= first;
}

static bool op_matches(const struct cpu_tlb_entry *e, const struct dvm_tlbi *op,
		       uint16_t asid, uint64_t first, uint64_t last)
{
	switch (op->op) {
	case DVM_TLBI_ALL:
		return true;
	case DVM_TLBI_ASID:
		/* ASIDE1 leaves global entries alone. */
		return e->ng && e->asid == asid;
	case DVM_TLBI_VA:
		/* VAE1: the ASID's entries and global entries for the VA. */
		return entry_overlaps(e, first, last) && (!e->ng || e->asid == asid);
	case DVM_TLBI_VAA:
		return entry_overlaps(e, first, last);
	}
	return false;
}

/* Drop the entries of one set that @op matches. */
static unsigned int tlb_invalidate_set(struct cpu_tlb *tlb, unsigned int set_idx,
				       const struct dvm_tlbi *op, uint16_t asid,
				       uint64_t first, uint64_t last)
{
	struct cpu_tlb_entry *set = tlb_set_entries(tlb, set_idx);
	unsigned int w, dropped = 0;

	for (w = 0; w < tlb->ways; w++) {
		if (set[w].shift && op_matches(&set[w], op, asid, first, last)) {
			tlb_drop(tlb, &set[w]);
			dropped++;
		}
	}
	return dropped;
}

/*
 * Probes a by-VA operation needs: one per region of each present size that
 * [first, last] touches. Saturates at @limit.
 */
static uint64_t tlb_probes_needed(const struct cpu_tlb *tlb, uint64_t first, uint64_t last,
				  uint64_t limit)
{
	uint64_t shifts = tlb->shifts, n = 0;

	while (shifts && n < limit) {
		unsigned int shift = (unsigned int)__builtin_ctzll(shifts);

		shifts &= shifts - 1;
		n += (last >> shift) - (first >> shift) + 1;
	}
	return n;
}

/* A short by-VA range: visit only the sets its regions hash to. */
static unsigned int tlb_invalidate_probe(struct cpu_tlb *tlb, const struct dvm_tlbi *op,
					 uint16_t asid, uint64_t first, uint64_t last)
{
	uint64_t shifts = tlb->shifts;
	unsigned int dropped = 0;

	while (shifts) {
		unsigned int shift = (unsigned int)__builtin_ctzll(shifts);
		uint64_t r, r_last = last >> shift;

		shifts &= shifts - 1;
		for (r = first >> shift; r <= r_last; r++)
			dropped += tlb_invalidate_set(tlb, tlb_set(tlb, r << shift, shift),
						      op, asid, first, last);
	}
	return dropped;
}

unsigned int cpu_tlb_invalidate(struct cpu_tlb *tlb, const struct dvm_tlbi *op,
				uint16_t asid_mask)
{
	uint64_t first = op->va & TLBI_VA_MASK;
	uint64_t last = first;
	uint16_t asid = op->asid & asid_mask;
	unsigned int set_idx, dropped = 0;
	bool by_va = op->op == DVM_TLBI_VA || op->op == DVM_TLBI_VAA;

	if (!tlb->shifts)
		return 0;
	if (op->size) {
		last = first + op->size - 1;
		if (last < first || last > GENMASK_ULL(55, 0))
			last = GENMASK_ULL(55, 0);
	}
	/* Probing beats a full scan while it touches fewer sets. */
	if (by_va && tlb_probes_needed(tlb, first, last, tlb->nr_sets) < tlb->nr_sets)
		return tlb_invalidate_probe(tlb, op, asid, first, last);
	for (set_idx = 0; set_idx < tlb->nr_sets; set_idx++)
		dropped += tlb_invalidate_set(tlb, set_idx, op, asid, first, last);
	return dropped;
}

unsigned int cpu_tlb_count(const struct cpu_tlb *tlb)
{
	unsigned int i, n = 0;

	for (i = 0; i < 64; i++)
		n += tlb->shift_count[i];
	return n;
}
