/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SMMU TLB: stage-1 leaf translations, bounded and set-associative.
 *
 * An entry is tagged {regime (EL1 or EL2), VMID (EL1 only), ASID or global,
 * input page/block base, leaf size} and remembers the ASET of the context
 * that filled it, so that broadcast (DVM) invalidation can skip SMMU-private
 * ASIDs (SMMUv3 §3.17 "ASET"). A global entry matches only lookups through
 * a context of the same ASET (§3.17.1): ASET is part of a global entry's
 * tag, while non-global entries match on ASID whatever their ASET. It holds
 * the output address, the permissions
 * per privilege level and writable-clean (so the first write through such an
 * entry walks again for HTTU).
 *
 * Lookups take no lock at all: each set is a sequence counter protecting its
 * ways; readers retry if a writer (insert or invalidation) was active. Writers
 * take the set by making the counter odd.
 *
 * Fill vs invalidation race: a translation snapshots smmu_tlb_gen() before
 * it walks and passes the snapshot to smmu_tlb_insert(); every invalidation
 * bumps the generation before it scans, so an entry walked before an
 * invalidation can never be inserted after that invalidation scanned.
 *
 * Only leaf entries are cached (no walk cache), so TLBI Leaf=1 and the TTL
 * hint change nothing: invalidating more than asked is always permitted.
 */
#ifndef HW_SMMU_TLB_H
#define HW_SMMU_TLB_H

#include <stdbool.h>
#include <stdint.h>

struct smmu_tlb;

enum smmu_tlb_regime {
	SMMU_TLB_EL1 = 0,	/* NS-EL1 stream world: VMID + ASID tags */
	SMMU_TLB_EL2 = 1,	/* NS-EL2 (E2H: ASID tags; else all global) */
};

struct smmu_tlb_entry {
	uint64_t va;		/* input address of the page or block (aligned) */
	uint64_t oa;		/* output address of the page or block */
	uint16_t asid;
	uint16_t vmid;
	uint8_t leaf_shift;	/* log2 of the page or block size */
	uint8_t level;		/* level of the leaf (0..3) */
	uint8_t perm_el0;	/* WALK_PERM_* for unprivileged accesses */
	uint8_t perm_el1;	/* WALK_PERM_* for privileged accesses */
	uint8_t attr_idx;
	uint8_t sh;
	uint8_t regime;		/* enum smmu_tlb_regime */
	bool global;		/* nG == 0: matches every ASID */
	bool aset;		/* filled from a CD with ASET = 1 */
	bool writable_clean;
};

struct smmu_tlb_key {
	uint64_t va;
	uint16_t asid;
	uint16_t vmid;
	uint8_t regime;
	bool aset;		/* the looking-up context's CD.ASET (global entries) */
};

/* What an invalidation matches (combine). */
#define SMMU_TLBI_REGIME	(1u << 0)	/* only entries of inv->regime */
#define SMMU_TLBI_VMID		(1u << 1)	/* only entries of inv->vmid (EL1) */
#define SMMU_TLBI_ASID		(1u << 2)	/* entries of inv->asid ... */
#define SMMU_TLBI_KEEP_GLOBAL	(1u << 3)	/* ... and never global ones */
#define SMMU_TLBI_VA		(1u << 4)	/* overlapping [va, va + size) */
#define SMMU_TLBI_SKIP_ASET	(1u << 5)	/* broadcast: leave ASET=1 entries */

struct smmu_tlb_inv {
	unsigned int match;	/* SMMU_TLBI_* */
	uint8_t regime;
	uint16_t vmid;
	uint16_t asid;
	uint64_t va;		/* start of the range */
	uint64_t size;		/* bytes; 0 means "the one address va" */
};

struct smmu_tlb_stats {
	uint64_t inserts, evictions, invalidated, inv_ops, refused_inserts;
};

/* A TLB of about @entries entries (rounded to sets of @ways). NULL on failure. */
struct smmu_tlb *smmu_tlb_create(unsigned int entries, unsigned int ways);
void smmu_tlb_destroy(struct smmu_tlb *tlb);

/* Find the entry translating key->va; true and *@out filled on a hit. Lock-free. */
bool smmu_tlb_lookup(struct smmu_tlb *tlb, const struct smmu_tlb_key *key,
		     struct smmu_tlb_entry *out);

/* The invalidation generation to snapshot before a walk that may fill. */
unsigned long smmu_tlb_gen(struct smmu_tlb *tlb);

/*
 * Insert @e (va and oa aligned to its leaf size), replacing an entry with the
 * same tag or evicting one of the set. Returns 0, or -EAGAIN (not inserted)
 * if an invalidation started since @gen was read.
 */
int smmu_tlb_insert(struct smmu_tlb *tlb, const struct smmu_tlb_entry *e, unsigned long gen);

/* Invalidate every entry matching @inv. Returns the number removed. */
unsigned int smmu_tlb_invalidate(struct smmu_tlb *tlb, const struct smmu_tlb_inv *inv);

/* Number of valid entries (tests, statistics). */
unsigned int smmu_tlb_count(struct smmu_tlb *tlb);
void smmu_tlb_get_stats(struct smmu_tlb *tlb, struct smmu_tlb_stats *st);

/*
 * Range of a TLBI command (SMMUv3 §4.4.1.1, IDR3.RIL): with TG != 0 the
 * range is (NUM + 1) * 2^SCALE granules of TG from @addr; with TG == 0 it is
 * the single address. Fills inv->va/size. @tg: 1 = 4K, 2 = 16K, 3 = 64K.
 */
void smmu_tlb_range(struct smmu_tlb_inv *inv, uint64_t addr, unsigned int tg,
		    unsigned int num, unsigned int scale);

#endif /* HW_SMMU_TLB_H */
