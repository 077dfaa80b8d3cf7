// SPDX-License-Identifier: GPL-2.0
/*
 * Address Translation Cache (see hw/pcie/atc.h).
 *
 * Entry words are written only under atc->lock, bracketed by the entry's
 * seqcount (odd while the words change); readers load the seqcount, the
 * words, and the seqcount again, all with acquire loads, and retry if it
 * moved. A reader that saw the new value of any word therefore also sees the
 * odd count (it was stored before, in the writer's program order).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/bitfield.h"
#include "arch/pcie.h"
#include "hw/pcie/atc.h"

/* Model-internal layout of struct atc_entry.tag / .data. */
#define ATC_TAG_VALID	BIT_ULL(0)
#define ATC_TAG_PV	BIT_ULL(1)
#define ATC_TAG_PRIV	BIT_ULL(2)
#define ATC_TAG_GLOBAL	BIT_ULL(3)
#define ATC_TAG_SHIFT	GENMASK_ULL(10, 4)
#define ATC_TAG_BASE	GENMASK_ULL(63, 12)
#define ATC_DATA_R	BIT_ULL(0)
#define ATC_DATA_W	BIT_ULL(1)
#define ATC_DATA_X	BIT_ULL(2)
#define ATC_DATA_U	BIT_ULL(3)
#define ATC_DATA_BASE	GENMASK_ULL(63, 12)

#define ACQ	__ATOMIC_ACQUIRE
#define SEQCST	__ATOMIC_SEQ_CST
#define RELAXED	__ATOMIC_RELAXED

/* Offset mask of a 2^shift region (all ones for 64). */
static inline uint64_t region_mask(unsigned int shift)
{
	return shift >= 64 ? ~0ULL : (1ULL << shift) - 1;
}

int atc_init(struct atc *atc, unsigned int nr)
{
	unsigned int ways, nsets = 1;
	int ret;

	if (!nr)
		return -EINVAL;
	ways = nr < ATC_WAYS ? nr : ATC_WAYS;
	while (nsets * 2 * ways <= nr)
		nsets *= 2;
	*atc = (struct atc){ .nr = nsets * ways, .nsets = nsets, .ways = ways,
			     .set_bits = (unsigned int)__builtin_ctz(nsets) };
	atc->entries = calloc(atc->nr, sizeof(*atc->entries));
	atc->tags = aligned_alloc(64, ((size_t)atc->nr * sizeof(*atc->tags) + 63) & ~(size_t)63);
	atc->victim = calloc(nsets, sizeof(*atc->victim));
	if (!atc->entries || !atc->tags || !atc->victim) {
		ret = -ENOMEM;
		goto err_free;
	}
	memset(atc->tags, 0, (size_t)atc->nr * sizeof(*atc->tags));
	ret = -pthread_mutex_init(&atc->lock, NULL);
	if (ret)
		goto err_free;
	ret = grace_init(&atc->grace);
	if (ret)
		goto err_mutex;
	return 0;

err_mutex:
	pthread_mutex_destroy(&atc->lock);
err_free:
	free(atc->entries);
	free(atc->tags);
	free(atc->victim);
	return ret;
}

void atc_fini(struct atc *atc)
{
	grace_fini(&atc->grace);
	pthread_mutex_destroy(&atc->lock);
	free(atc->entries);
	free(atc->tags);
	free(atc->victim);
	atc->entries = NULL;
	atc->tags = NULL;
	atc->victim = NULL;
}

/* Does the entry tagged @tag/@pasid translate @key? */
static bool tag_matches(uint64_t tag, uint64_t pasid, const struct atc_key *key)
{
	unsigned int shift = (unsigned int)FIELD_GET(ATC_TAG_SHIFT, tag);

	if (!(tag & ATC_TAG_VALID) || !(tag & ATC_TAG_PRIV) != !key->priv)
		return false;
	if ((key->addr & ~region_mask(shift)) != (tag & ATC_TAG_BASE))
		return false;
	if (tag & ATC_TAG_GLOBAL)
		return key->pv;
	if (!(tag & ATC_TAG_PV) != !key->pv)
		return false;
	return !key->pv || pasid == key->pasid;
}

/*
 * The set of a block of 2^@shift at @addr for {@pv, @pasid, @priv}; Global
 * entries hash with @global and no PASID, since any PASID may look them up.
 */
static struct atc_entry *set_of(const struct atc *atc, bool pv, uint32_t pasid, bool priv,
				bool global, uint64_t addr, unsigned int shift)
{
	uint64_t block = shift >= 64 ? 0 : addr >> shift;
	uint64_t tag = (uint64_t)(global ? 0 : pasid) << 8 | (uint64_t)priv << 7 |
		       (uint64_t)global << 6 | (uint64_t)(shift - 12) << 1 | pv;
	/* Multiplicative hashing, top bits: consecutive blocks spread over the sets. */
	uint64_t h = (block ^ (tag * 0xbf58476d1ce4e5b9ULL)) * 0x9e3779b97f4a7c15ULL;

	return &atc->entries[(size_t)(atc->set_bits ? h >> (64 - atc->set_bits) : 0) * atc->ways];
}

/* Look @key up in the ways of @set. */
static bool set_lookup(const struct atc *atc, const struct atc_entry *set,
		       const struct atc_key *key, struct atc_hit *hit)
{
	uint64_t s1, tag, pasid, data;
	unsigned int i, shift;

	const uint64_t *tags = &atc->tags[set - atc->entries];

	for (i = 0; i < atc->ways; i++) {
		const struct atc_entry *e = &set[i];

		/*
		 * A first look at the copy of the tag (the set's tags share one
		 * line) skips the ways that cannot match; the entry's own words,
		 * under its seqcount, decide.
		 */
		tag = __atomic_load_n(&tags[i], RELAXED);
		if (!(tag & ATC_TAG_VALID) ||
		    ((key->addr ^ tag) & ATC_TAG_BASE &
		     ~region_mask((unsigned int)FIELD_GET(ATC_TAG_SHIFT, tag))))
			continue;
retry:
		s1 = __atomic_load_n(&e->seq, ACQ);
		if (s1 & 1)
			continue;	/* being rewritten: not usable */
		tag = __atomic_load_n(&e->tag, ACQ);
		if (!(tag & ATC_TAG_VALID))
			continue;
		pasid = __atomic_load_n(&e->pasid, ACQ);
		data = __atomic_load_n(&e->data, ACQ);
		if (__atomic_load_n(&e->seq, ACQ) != s1)
			goto retry;
		if (!tag_matches(tag, pasid, key))
			continue;
		shift = (unsigned int)FIELD_GET(ATC_TAG_SHIFT, tag);
		hit->va_base = tag & ATC_TAG_BASE;
		hit->shift = shift;
		hit->pa = (data & ATC_DATA_BASE) | (key->addr & region_mask(shift));
		hit->r = data & ATC_DATA_R;
		hit->w = data & ATC_DATA_W;
		hit->x = data & ATC_DATA_X;
		hit->untranslated_only = data & ATC_DATA_U;
		return true;
	}
	return false;
}

bool atc_lookup(struct atc *atc, const struct atc_key *key, struct atc_hit *hit)
{
	uint64_t shifts = __atomic_load_n(&atc->shifts, ACQ);
	bool globals = key->pv && __atomic_load_n(&atc->globals, ACQ);
	unsigned int shift;

	while (shifts) {
		shift = 12 + (unsigned int)__builtin_ctzll(shifts);
		shifts &= shifts - 1;
		if (set_lookup(atc, set_of(atc, key->pv, key->pasid, key->priv, false, key->addr,
					   shift), key, hit) ||
		    (globals && set_lookup(atc, set_of(atc, true, 0, key->priv, true, key->addr,
							shift), key, hit)))
			return true;
	}
	return false;
}

/* Rewrite entry @e (under atc->lock). */
static void entry_write(struct atc *atc, struct atc_entry *e, uint64_t tag, uint64_t pasid,
			uint64_t data)
{
	uint64_t s = __atomic_load_n(&e->seq, RELAXED);

	__atomic_store_n(&atc->tags[e - atc->entries], tag, RELAXED);
	__atomic_store_n(&e->seq, s + 1, SEQCST);
	__atomic_store_n(&e->tag, tag, SEQCST);
	__atomic_store_n(&e->pasid, pasid, SEQCST);
	__atomic_store_n(&e->data, data, SEQCST);
	__atomic_store_n(&e->seq, s + 2, SEQCST);
}

/* Slot in @set for a new entry tagged @tag/@pasid: its old copy, a free one, or a victim. */
static struct atc_entry *fill_slot(struct atc *atc, struct atc_entry *set, uint64_t tag,
				   uint64_t pasid)
{
	const uint64_t same = ATC_TAG_VALID | ATC_TAG_PV | ATC_TAG_PRIV | ATC_TAG_GLOBAL |
			      ATC_TAG_SHIFT | ATC_TAG_BASE;
	unsigned int *victim = &atc->victim[(size_t)(set - atc->entries) / atc->ways];
	struct atc_entry *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < atc->ways; i++) {
		struct atc_entry *e = &set[i];
		uint64_t t = __atomic_load_n(&e->tag, RELAXED);

		if ((t & same) == (tag & same) &&
		    __atomic_load_n(&e->pasid, RELAXED) == pasid)
			return e;
		if (!(t & ATC_TAG_VALID) && !free_slot)
			free_slot = e;
	}
	if (free_slot)
		return free_slot;
	i = *victim;
	*victim = (i + 1) % atc->ways;
	return &set[i];
}

int atc_fill(struct atc *atc, const struct atc_key *key, uint64_t cpl, uint64_t gen)
{
	unsigned int shift = pcie_s_shift(cpl);
	struct atc_entry *set;
	uint64_t tag, data;
	bool global;
	int ret = 0;

	if (!(cpl & (PCIE_ATS_CPL_R | PCIE_ATS_CPL_W)))
		return -EINVAL;
	if (shift < 12)
		shift = 12;
	tag = ATC_TAG_VALID | FIELD_PREP(ATC_TAG_SHIFT, shift) |
	      ((key->addr & ~region_mask(shift)) & ATC_TAG_BASE);
	if (key->pv)
		tag |= ATC_TAG_PV;
	if (cpl & PCIE_ATS_CPL_PRIV)
		tag |= ATC_TAG_PRIV;
	/* Global means "every PASID": only meaningful for a PASID request. */
	global = (cpl & PCIE_ATS_CPL_GLOBAL) && key->pv;
	if (global)
		tag |= ATC_TAG_GLOBAL;
	data = (pcie_s_base(cpl) & ATC_DATA_BASE) |
	       (cpl & PCIE_ATS_CPL_R ? ATC_DATA_R : 0) |
	       (cpl & PCIE_ATS_CPL_W ? ATC_DATA_W : 0) |
	       (cpl & PCIE_ATS_CPL_EXE ? ATC_DATA_X : 0) |
	       (cpl & PCIE_ATS_CPL_U ? ATC_DATA_U : 0);
	set = set_of(atc, key->pv, key->pv ? key->pasid : 0, cpl & PCIE_ATS_CPL_PRIV, global,
		     key->addr, shift);

	pthread_mutex_lock(&atc->lock);
	if (__atomic_load_n(&atc->generation, SEQCST) != gen) {
		atc->stale_fills++;
		ret = -ESTALE;
		goto out;
	}
	/* Lookups probe the sets of every size in use: announce this one first. */
	__atomic_fetch_or(&atc->shifts, 1ULL << (shift - 12), SEQCST);
	if (global)
		__atomic_store_n(&atc->globals, 1, SEQCST);
	entry_write(atc, fill_slot(atc, set, tag, key->pv ? key->pasid : 0), tag,
		    key->pv ? key->pasid : 0, data);
	atc->fills++;
out:
	pthread_mutex_unlock(&atc->lock);
	return ret;
}

/* Is the entry @tag/@pasid hit by @inv? (Over-invalidating is always safe.) */
static bool inv_matches(uint64_t tag, uint64_t pasid, const struct atc_inv *inv)
{
	unsigned int shift = (unsigned int)FIELD_GET(ATC_TAG_SHIFT, tag);
	uint64_t base = tag & ATC_TAG_BASE;
	uint64_t last = base | region_mask(shift);
	uint64_t ilast = inv->base | region_mask(inv->shift);

	if (!(tag & ATC_TAG_VALID) || last < inv->base || base > ilast)
		return false;
	if (!inv->pv || (tag & ATC_TAG_GLOBAL))
		return true;
	if (!(tag & ATC_TAG_PV))
		return false;
	return inv->global || pasid == inv->pasid;
}

grace_cookie_t atc_invalidate_start(struct atc *atc, const struct atc_inv *inv, unsigned int *nr)
{
	unsigned int i, n = 0;
	grace_cookie_t cookie;

	pthread_mutex_lock(&atc->lock);
	/* Translations requested before this point must not be cached. */
	__atomic_fetch_add(&atc->generation, 1, SEQCST);
	for (i = 0; i < atc->nr; i++) {
		struct atc_entry *e = &atc->entries[i];
		uint64_t tag = __atomic_load_n(&e->tag, RELAXED);

		if (inv_matches(tag, __atomic_load_n(&e->pasid, RELAXED), inv)) {
			entry_write(atc, e, 0, 0, 0);
			n++;
		}
	}
	atc->invalidations++;
	atc->entries_invalidated += n;
	/*
	 * §10.3: the completion may be sent only when no request using a
	 * removed entry (or a translation obtained before the request) is
	 * still in flight. Always wait: a translation that was not cached
	 * because of the generation bump may still be in use.
	 */
	cookie = grace_start(&atc->grace);
	pthread_mutex_unlock(&atc->lock);
	if (nr)
		*nr = n;
	return cookie;
}

bool atc_invalidate_done(struct atc *atc, grace_cookie_t cookie, bool wait)
{
	if (!wait)
		return grace_poll(&atc->grace, cookie);
	grace_wait(&atc->grace, cookie);
	return true;
}

unsigned int atc_invalidate(struct atc *atc, const struct atc_inv *inv)
{
	unsigned int n;

	atc_invalidate_done(atc, atc_invalidate_start(atc, inv, &n), true);
	return n;
}

void atc_flush(struct atc *atc)
{
	const struct atc_inv all = { .pv = false, .base = 0, .shift = 64 };

	atc_invalidate(atc, &all);
}

void atc_inv_decode(uint64_t payload, bool pv, uint32_t pasid, struct atc_inv *inv)
{
	inv->pv = pv;
	inv->pasid = pv ? pasid : 0;
	/* Global Invalidate is meaningful only with a PASID prefix. */
	inv->global = pv && (payload & PCIE_ATS_INV_GLOBAL);
	inv->shift = pcie_s_shift(payload);
	inv->base = pcie_s_base(payload);
}

void atc_get_stats(struct atc *atc, struct atc_stats *st)
{
	pthread_mutex_lock(&atc->lock);
	st->fills = atc->fills;
	st->stale_fills = atc->stale_fills;
	st->invalidations = atc->invalidations;
	st->entries_invalidated = atc->entries_invalidated;
	pthread_mutex_unlock(&atc->lock);
}
