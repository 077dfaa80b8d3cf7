// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMU TLB (see hw/smmu/tlb.h).
 *
 * Layout: nsets sets (a power of two) of `ways` entries. An entry is three
 * 64-bit words (attributes/tags, VA, OA), read and written with relaxed
 * atomics so that readers racing a writer are defined behaviour; each set's
 * sequence counter tells a reader whether what it read was consistent.
 *
 * A page of leaf size S lives in the set indexed by (va >> S); lookups probe
 * one set per leaf size ever inserted (usually one: 4K pages).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "arch/bitfield.h"
#include "hw/smmu/tlb.h"

#define RELAXED	__ATOMIC_RELAXED
#define ACQUIRE	__ATOMIC_ACQUIRE
#define RELEASE	__ATOMIC_RELEASE
#define SEQCST	__ATOMIC_SEQ_CST

/* Word 0 of a packed entry. */
#define TLBE_VALID		BIT_ULL(0)
#define TLBE_SHIFT		GENMASK_ULL(6, 1)
#define TLBE_PERM_EL0		GENMASK_ULL(9, 7)
#define TLBE_PERM_EL1		GENMASK_ULL(12, 10)
#define TLBE_WCLEAN		BIT_ULL(13)
#define TLBE_GLOBAL		BIT_ULL(14)
#define TLBE_EL2		BIT_ULL(15)
#define TLBE_ASET		BIT_ULL(16)
#define TLBE_LEVEL		GENMASK_ULL(18, 17)
#define TLBE_ATTR		GENMASK_ULL(21, 19)
#define TLBE_SH			GENMASK_ULL(23, 22)
#define TLBE_VMID		GENMASK_ULL(47, 32)
#define TLBE_ASID		GENMASK_ULL(63, 48)

#define TLBE_WORDS		3
/* Above this many pages per leaf size, an invalidation scans every set. */
#define TLB_PROBE_MAX		64

struct tlb_set {
	unsigned long seq;	/* odd while a writer owns the set */
	unsigned int victim;	/* next way to evict (owner only) */
	uint64_t w[];		/* ways * TLBE_WORDS */
};

struct smmu_tlb {
	unsigned int nsets;	/* power of two */
	unsigned int ways;
	size_t set_bytes;
	uint8_t *sets;
	unsigned long gen;	/* bumped by every invalidation, before it scans */
	uint64_t shifts;	/* bitmap of leaf sizes ever inserted */
	struct smmu_tlb_stats stats;	/* atomic counters */
};

static struct tlb_set *tlb_set(struct smmu_tlb *tlb, unsigned int idx)
{
	return (struct tlb_set *)(tlb->sets + (size_t)idx * tlb->set_bytes);
}

static unsigned int tlb_index(const struct smmu_tlb *tlb, uint64_t va, unsigned int shift)
{
	uint64_t pn = va >> shift;

	/* Fold high bits in so that 1G blocks of distant regions spread too. */
	pn ^= pn >> 17;
	return (unsigned int)pn & (tlb->nsets - 1);
}

struct smmu_tlb *smmu_tlb_create(unsigned int entries, unsigned int ways)
{
	struct smmu_tlb *tlb;
	unsigned int nsets = 1;

	if (!ways || ways > 64 || entries < ways)
		return NULL;
	while (nsets * 2 * ways <= entries)
		nsets *= 2;
	tlb = calloc(1, sizeof(*tlb));
	if (!tlb)
		return NULL;
	tlb->nsets = nsets;
	tlb->ways = ways;
	/* Round sets to cache lines so that sets do not share them. */
	tlb->set_bytes = (sizeof(struct tlb_set) + ways * TLBE_WORDS * 8 + 63) & ~(size_t)63;
	tlb->sets = aligned_alloc(64, tlb->set_bytes * nsets);
	if (!tlb->sets) {
		free(tlb);
		return NULL;
	}
	memset(tlb->sets, 0, tlb->set_bytes * nsets);
	return tlb;
}

void smmu_tlb_destroy(struct smmu_tlb *tlb)
{
	if (!tlb)
		return;
	free(tlb->sets);
	free(tlb);
}

unsigned long smmu_tlb_gen(struct smmu_tlb *tlb)
{
	return __atomic_load_n(&tlb->gen, SEQCST);
}

static void stat_add(uint64_t *ctr, uint64_t n)
{
	__atomic_fetch_add(ctr, n, RELAXED);
}

/* ---- Packing ------------------------------------------------------------- */

static void tlbe_pack(const struct smmu_tlb_entry *e, uint64_t w[TLBE_WORDS])
{
	w[0] = TLBE_VALID |
	       FIELD_PREP(TLBE_SHIFT, e->leaf_shift) |
	       FIELD_PREP(TLBE_PERM_EL0, e->perm_el0) |
	       FIELD_PREP(TLBE_PERM_EL1, e->perm_el1) |
	       (e->writable_clean ? TLBE_WCLEAN : 0) |
	       (e->global ? TLBE_GLOBAL : 0) |
	       (e->regime == SMMU_TLB_EL2 ? TLBE_EL2 : 0) |
	       (e->aset ? TLBE_ASET : 0) |
	       FIELD_PREP(TLBE_LEVEL, e->level) |
	       FIELD_PREP(TLBE_ATTR, e->attr_idx) |
	       FIELD_PREP(TLBE_SH, e->sh) |
	       FIELD_PREP(TLBE_VMID, e->vmid) |
	       FIELD_PREP(TLBE_ASID, e->asid);
	w[1] = e->va;
	w[2] = e->oa;
}

static void tlbe_unpack(const uint64_t w[TLBE_WORDS], struct smmu_tlb_entry *e)
{
	e->leaf_shift = (uint8_t)FIELD_GET(TLBE_SHIFT, w[0]);
	e->perm_el0 = (uint8_t)FIELD_GET(TLBE_PERM_EL0, w[0]);
	e->perm_el1 = (uint8_t)FIELD_GET(TLBE_PERM_EL1, w[0]);
	e->writable_clean = w[0] & TLBE_WCLEAN;
	e->global = w[0] & TLBE_GLOBAL;
	e->regime = (w[0] & TLBE_EL2) ? SMMU_TLB_EL2 : SMMU_TLB_EL1;
	e->aset = w[0] & TLBE_ASET;
	e->level = (uint8_t)FIELD_GET(TLBE_LEVEL, w[0]);
	e->attr_idx = (uint8_t)FIELD_GET(TLBE_ATTR, w[0]);
	e->sh = (uint8_t)FIELD_GET(TLBE_SH, w[0]);
	e->vmid = (uint16_t)FIELD_GET(TLBE_VMID, w[0]);
	e->asid = (uint16_t)FIELD_GET(TLBE_ASID, w[0]);
	e->va = w[1];
	e->oa = w[2];
}

/* Does packed word 0 + VA @w match a lookup of @key at leaf size @shift? */
static bool tlbe_hit(const uint64_t *w, const struct smmu_tlb_key *key, unsigned int shift)
{
	uint64_t w0 = w[0];
	bool el2 = key->regime == SMMU_TLB_EL2;

	if (!(w0 & TLBE_VALID) || FIELD_GET(TLBE_SHIFT, w0) != shift)
		return false;
	if (!!(w0 & TLBE_EL2) != el2)
		return false;
	if (!el2 && FIELD_GET(TLBE_VMID, w0) != key->vmid)
		return false;
	/* §3.17.1: a global entry matches contexts of its own ASET only. */
	if (w0 & TLBE_GLOBAL) {
		if (!!(w0 & TLBE_ASET) != key->aset)
			return false;
	} else if (FIELD_GET(TLBE_ASID, w0) != key->asid) {
		return false;
	}
	return (w[1] >> shift) == (key->va >> shift);
}

/* ---- Set ownership (the write side of the sequence counter) -------------- */

static void set_lock(struct tlb_set *s)
{
	unsigned int spins = 0;
	unsigned long seq;

	for (;;) {
		seq = __atomic_load_n(&s->seq, RELAXED);
		if (!(seq & 1) &&
		    __atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false,
						SEQCST, RELAXED))
			break;
		if (++spins % 32 == 0)
			sched_yield();
	}
}

static void set_unlock(struct tlb_set *s)
{
	__atomic_store_n(&s->seq, __atomic_load_n(&s->seq, RELAXED) + 1, RELEASE);
}

/*
 * Entry words are stored with release and loaded with acquire (instead of
 * fences, which ThreadSanitizer does not model): a reader that sees any new
 * word also sees the odd count stored before it, so its re-check fails.
 */
static void way_store(uint64_t *way, const uint64_t w[TLBE_WORDS])
{
	__atomic_store_n(&way[1], w[1], RELEASE);
	__atomic_store_n(&way[2], w[2], RELEASE);
	__atomic_store_n(&way[0], w[0], RELEASE);
}

/* ---- Lookup -------------------------------------------------------------- */

static bool set_lookup(struct smmu_tlb *tlb, struct tlb_set *s,
		       const struct smmu_tlb_key *key, unsigned int shift,
		       struct smmu_tlb_entry *out)
{
	uint64_t w[TLBE_WORDS];
	unsigned long seq;
	unsigned int i, spins = 0;
	bool hit;

retry:
	seq = __atomic_load_n(&s->seq, ACQUIRE);
	if (seq & 1) {
		if (++spins % 32 == 0)
			sched_yield();
		goto retry;
	}
	hit = false;
	for (i = 0; i < tlb->ways && !hit; i++) {
		const uint64_t *way = &s->w[i * TLBE_WORDS];

		w[0] = __atomic_load_n(&way[0], ACQUIRE);
		w[1] = __atomic_load_n(&way[1], ACQUIRE);
		if (!tlbe_hit(w, key, shift))
			continue;
		w[2] = __atomic_load_n(&way[2], ACQUIRE);
		hit = true;
	}
	if (__atomic_load_n(&s->seq, RELAXED) != seq)
		goto retry;
	if (hit)
		tlbe_unpack(w, out);
	return hit;
}

bool smmu_tlb_lookup(struct smmu_tlb *tlb, const struct smmu_tlb_key *key,
		     struct smmu_tlb_entry *out)
{
	uint64_t shifts = __atomic_load_n(&tlb->shifts, ACQUIRE);

	while (shifts) {
		unsigned int shift = (unsigned int)__builtin_ctzll(shifts);

		shifts &= shifts - 1;
		if (set_lookup(tlb, tlb_set(tlb, tlb_index(tlb, key->va, shift)), key, shift, out))
			return true;
	}
	return false;
}

/* ---- Insert -------------------------------------------------------------- */

static bool same_tag(const uint64_t *way, const uint64_t w[TLBE_WORDS])
{
	uint64_t tag = TLBE_VALID | TLBE_SHIFT | TLBE_GLOBAL | TLBE_EL2 |
		       TLBE_VMID | TLBE_ASID;

	/* Global entries of the two ASID sets are distinct translations. */
	if (w[0] & TLBE_GLOBAL)
		tag |= TLBE_ASET;
	return (way[0] & tag) == (w[0] & tag) && way[1] == w[1];
}

int smmu_tlb_insert(struct smmu_tlb *tlb, const struct smmu_tlb_entry *e, unsigned long gen)
{
	struct tlb_set *s = tlb_set(tlb, tlb_index(tlb, e->va, e->leaf_shift));
	uint64_t w[TLBE_WORDS];
	unsigned int i, way = tlb->ways, free_way = tlb->ways;

	if (e->leaf_shift < 12 || e->leaf_shift > 63)
		return -EINVAL;
	tlbe_pack(e, w);
	/* Publish the size before checking gen: see smmu_tlb_invalidate(). */
	__atomic_fetch_or(&tlb->shifts, BIT_ULL(e->leaf_shift), SEQCST);
	set_lock(s);
	if (__atomic_load_n(&tlb->gen, SEQCST) != gen) {
		set_unlock(s);
		stat_add(&tlb->stats.refused_inserts, 1);
		return -EAGAIN;
	}
	for (i = 0; i < tlb->ways; i++) {
		const uint64_t *cur = &s->w[i * TLBE_WORDS];

		if (same_tag(cur, w)) {
			way = i;
			break;
		}
		if (free_way == tlb->ways && !(cur[0] & TLBE_VALID))
			free_way = i;
	}
	if (way == tlb->ways)
		way = free_way;
	if (way == tlb->ways) {
		way = s->victim++ % tlb->ways;
		stat_add(&tlb->stats.evictions, 1);
	}
	way_store(&s->w[way * TLBE_WORDS], w);
	set_unlock(s);
	stat_add(&tlb->stats.inserts, 1);
	return 0;
}

/* ---- Invalidation -------------------------------------------------------- */

static bool tlbe_inv_match(const uint64_t *way, const struct smmu_tlb_inv *inv)
{
	uint64_t w0 = __atomic_load_n(&way[0], RELAXED);
	uint64_t va, end, size, shift;

	if (!(w0 & TLBE_VALID))
		return false;
	if ((inv->match & SMMU_TLBI_REGIME) &&
	    !!(w0 & TLBE_EL2) != (inv->regime == SMMU_TLB_EL2))
		return false;
	if ((inv->match & SMMU_TLBI_VMID) && !(w0 & TLBE_EL2) &&
	    FIELD_GET(TLBE_VMID, w0) != inv->vmid)
		return false;
	if ((inv->match & SMMU_TLBI_SKIP_ASET) && (w0 & TLBE_ASET))
		return false;
	if (w0 & TLBE_GLOBAL) {
		if (inv->match & SMMU_TLBI_KEEP_GLOBAL)
			return false;
	} else if ((inv->match & SMMU_TLBI_ASID) && FIELD_GET(TLBE_ASID, w0) != inv->asid) {
		return false;
	}
	if (!(inv->match & SMMU_TLBI_VA))
		return true;
	shift = FIELD_GET(TLBE_SHIFT, w0);
	va = __atomic_load_n(&way[1], RELAXED);
	end = va + (1ULL << shift) - 1;
	size = inv->size ? inv->size : 1;
	/* Overlap of [va, end] with [inv->va, inv->va + size - 1]. */
	return va <= inv->va + (size - 1) && inv->va <= end;
}

/*
 * Remove the matching entries of one set, after a lock-free look. The look
 * is sound: the caller bumped the generation (seq_cst) before it, so an
 * insert that takes the set after our read of the sequence is refused, and
 * one that took it before is either still running (odd count: we lock and
 * wait) or finished (its release made the entry visible to our acquire).
 */
static unsigned int set_invalidate(struct smmu_tlb *tlb, struct tlb_set *s,
				   const struct smmu_tlb_inv *inv)
{
	unsigned int i, n = 0;
	bool any = __atomic_load_n(&s->seq, SEQCST) & 1;

	for (i = 0; i < tlb->ways && !any; i++)
		any = tlbe_inv_match(&s->w[i * TLBE_WORDS], inv);
	if (!any)
		return 0;
	set_lock(s);
	for (i = 0; i < tlb->ways; i++) {
		uint64_t *way = &s->w[i * TLBE_WORDS];

		if (tlbe_inv_match(way, inv)) {
			__atomic_store_n(&way[0], 0, RELEASE);
			n++;
		}
	}
	set_unlock(s);
	return n;
}

/* Can the VA range be covered by probing a few sets per leaf size? */
static bool inv_probe_sets(struct smmu_tlb *tlb, const struct smmu_tlb_inv *inv,
			   uint64_t shifts, unsigned int *removed)
{
	uint64_t size = inv->size ? inv->size : 1;
	uint64_t last = inv->va + (size - 1);
	uint64_t s, pn;
	unsigned int n = 0;

	if (last < inv->va)
		return false;
	for (s = shifts; s; s &= s - 1) {
		unsigned int shift = (unsigned int)__builtin_ctzll(s);

		if ((last >> shift) - (inv->va >> shift) >= TLB_PROBE_MAX)
			return false;
	}
	for (s = shifts; s; s &= s - 1) {
		unsigned int shift = (unsigned int)__builtin_ctzll(s);

		for (pn = inv->va >> shift; pn <= last >> shift; pn++)
			n += set_invalidate(tlb, tlb_set(tlb, tlb_index(tlb, pn << shift, shift)), inv);
	}
	*removed = n;
	return true;
}

unsigned int smmu_tlb_invalidate(struct smmu_tlb *tlb, const struct smmu_tlb_inv *inv)
{
	unsigned int i, n = 0;
	uint64_t shifts;

	/* Refuse every fill that walked before this point (see tlb.h). */
	__atomic_fetch_add(&tlb->gen, 1, SEQCST);
	shifts = __atomic_load_n(&tlb->shifts, SEQCST);
	stat_add(&tlb->stats.inv_ops, 1);
	if (!(inv->match & SMMU_TLBI_VA) || !inv_probe_sets(tlb, inv, shifts, &n)) {
		for (i = 0; i < tlb->nsets; i++)
			n += set_invalidate(tlb, tlb_set(tlb, i), inv);
	}
	stat_add(&tlb->stats.invalidated, n);
	return n;
}

void smmu_tlb_range(struct smmu_tlb_inv *inv, uint64_t addr, unsigned int tg,
		    unsigned int num, unsigned int scale)
{
	unsigned int gshift;
	uint64_t pages;

	if (!tg) {
		inv->va = addr;
		inv->size = 0;
		return;
	}
	gshift = tg == 1 ? 12 : tg == 2 ? 14 : 16;
	inv->va = addr & ~((1ULL << gshift) - 1);
	pages = (uint64_t)(num + 1) << (scale > 40 ? 40 : scale);
	inv->size = pages << gshift;
	/* Clamp a range running off the top of the address space. */
	if (inv->va + inv->size < inv->va || inv->va + inv->size == 0)
		inv->size = 0 - inv->va;
}

unsigned int smmu_tlb_count(struct smmu_tlb *tlb)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < tlb->nsets; i++) {
		struct tlb_set *s = tlb_set(tlb, i);

		for (j = 0; j < tlb->ways; j++)
			n += !!(__atomic_load_n(&s->w[j * TLBE_WORDS], RELAXED) & TLBE_VALID);
	}
	return n;
}

void smmu_tlb_get_stats(struct smmu_tlb *tlb, struct smmu_tlb_stats *st)
{
	st->inserts = __atomic_load_n(&tlb->stats.inserts, RELAXED);
	st->evictions = __atomic_load_n(&tlb->stats.evictions, RELAXED);
	st->invalidated = __atomic_load_n(&tlb->stats.invalidated, RELAXED);
	st->inv_ops = __atomic_load_n(&tlb->stats.inv_ops, RELAXED);
	st->refused_inserts = __atomic_load_n(&tlb->stats.refused_inserts, RELAXED);
}
