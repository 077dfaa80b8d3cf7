/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Address Translation Cache of a PCIe function (PCIe r5.0 §10.2-10.3).
 *
 * N entries, each tagged by {no PASID | PASID, privileged or not, untranslated
 * page or block (4K << k, from the S-bit size of the completion)} and holding
 * the translated address and the R/W/Exe/U bits of the ATS completion that
 * filled it. Translated requests use it; invalidate requests remove entries.
 *
 * Set-associative (ATC_WAYS per set; one set when N <= ATC_WAYS): an entry
 * lives in the set its tag and block number hash to, so a lookup reads one
 * set per block size in use (usually two: 4K and 2M), and Global entries
 * (any PASID) one more, however large N is.
 *
 * Lookups take no lock: each entry is a seqcount-protected group of words,
 * so readers never block each other or a filler. An access brackets its
 * lookup *and* the data transfer that uses the result with
 * atc_read_lock()/atc_read_unlock() (a hw/grace.h read section), and
 * atc_invalidate() returns only after every section that could have seen a
 * matching entry has ended: when it returns the invalidation is complete in
 * the PCIe sense, no access is still using the old translation.
 *
 * A translation that was requested before an invalidation began must not
 * enter the cache after it: callers snapshot atc_generation() before sending
 * the ATS request and pass it to atc_fill(), which refuses a stale result.
 */
#ifndef HW_PCIE_ATC_H
#define HW_PCIE_ATC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/grace.h"

/* Tag of a lookup or a fill. */
struct atc_key {
	bool pv;		/* PASID valid */
	uint32_t pasid;
	bool priv;		/* privileged-mode request */
	uint64_t addr;		/* untranslated address */
};

/* What a hit returns. */
struct atc_hit {
	uint64_t pa;		/* translated address of key.addr */
	uint64_t va_base;	/* the entry's untranslated range */
	unsigned int shift;	/* log2 of its size */
	bool r, w, x;		/* permitted accesses */
	bool untranslated_only;	/* U: use untranslated requests for this range */
};

/* An invalidate request, decoded (base aligned to 2^shift, shift 12..64). */
struct atc_inv {
	bool pv;		/* PASID prefix present */
	uint32_t pasid;
	bool global;		/* Global Invalidate (with a PASID prefix) */
	uint64_t base;
	unsigned int shift;
};

/* One entry: words read lock-free under the seqcount (all atomic). */
struct atc_entry {
	uint64_t seq;		/* odd while being written */
	uint64_t tag;		/* ATC_TAG_* | untranslated base */
	uint64_t pasid;
	uint64_t data;		/* ATC_DATA_* | translated base */
};

/* Hits and misses are the function's to count (struct ep_stats): no shared line per lookup. */
struct atc_stats {
	uint64_t fills, stale_fills, invalidations, entries_invalidated;
};

#define ATC_WAYS	8

struct atc {
	unsigned int nr;		/* nsets * ways */
	unsigned int nsets, ways;	/* nsets a power of two */
	unsigned int set_bits;		/* log2(nsets) */
	struct atc_entry *entries;	/* set s: entries[s * ways .. + ways) */
	uint64_t *tags;			/* a copy of each entry's tag, a set's in one line */
	unsigned int *victim;		/* per set: round-robin replacement, under lock */
	uint64_t shifts;		/* atomic: bit k: some entry has size 4K << k */
	uint64_t globals;		/* atomic: Global entries were filled */
	pthread_mutex_t lock;		/* serialises fills and invalidations */
	uint64_t generation;		/* bumped by each invalidation (atomic) */
	struct grace grace;		/* sections of accesses using entries */
	uint64_t fills, stale_fills, invalidations, entries_invalidated;	/* under lock */
};

/*
 * 0, -EINVAL (nr == 0) or -ENOMEM. Above ATC_WAYS, @nr is rounded down to
 * a power of two sets of ATC_WAYS entries.
 */
int atc_init(struct atc *atc, unsigned int nr);
void atc_fini(struct atc *atc);

static inline grace_token_t atc_read_lock(struct atc *atc)
{
	return grace_read_lock(&atc->grace);
}

static inline void atc_read_unlock(struct atc *atc, grace_token_t tok)
{
	grace_read_unlock(&atc->grace, tok);
}

/* Look @key up (inside a read section). true and *@hit on a hit. */
bool atc_lookup(struct atc *atc, const struct atc_key *key, struct atc_hit *hit);

/* Snapshot to take before sending the ATS request whose result is filled. */
static inline uint64_t atc_generation(struct atc *atc)
{
	return __atomic_load_n(&atc->generation, __ATOMIC_SEQ_CST);
}

/*
 * Cache the ATS completion data entry @cpl (arch/pcie.h PCIE_ATS_CPL_*) for
 * @key. Returns 0, -EINVAL for a completion granting nothing (R = W = 0), or
 * -ESTALE if an invalidation began after @gen was read (nothing cached).
 */
int atc_fill(struct atc *atc, const struct atc_key *key, uint64_t cpl, uint64_t gen);

/*
 * Apply an invalidate request: no PASID prefix hits every entry in range;
 * PASID p hits entries of p and Global entries; Global Invalidate hits all
 * PASID-tagged and Global entries. Returns the number of entries removed,
 * after every access that might have used one of them has finished.
 * Must not be called inside a read section of this ATC.
 */
unsigned int atc_invalidate(struct atc *atc, const struct atc_inv *inv);
/*
 * The same in two halves: remove the entries now (the number removed goes
 * to *@n if not NULL) and name the wait; atc_invalidate_done() says
 * whether every access that might have used them has finished, waiting
 * for them if @wait. A later cookie covers every earlier one.
 */
grace_cookie_t atc_invalidate_start(struct atc *atc, const struct atc_inv *inv, unsigned int *n);
bool atc_invalidate_done(struct atc *atc, grace_cookie_t cookie, bool wait);
/* Drop everything (ATS disabled, function reset); waits like atc_invalidate. */
void atc_flush(struct atc *atc);

/* Decode an invalidate request payload (PCIE_ATS_INV_*) into @inv. */
void atc_inv_decode(uint64_t payload, bool pv, uint32_t pasid, struct atc_inv *inv);

void atc_get_stats(struct atc *atc, struct atc_stats *st);

#endif /* HW_PCIE_ATC_H */
