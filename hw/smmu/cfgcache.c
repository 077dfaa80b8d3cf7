// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration cache: decoded STEs and CDs (see hw/smmu/config.h).
 *
 * Same shape as the TLB: sets of ways under a per-set sequence count, so
 * the translate path copies a cached config out without taking a lock.
 * An entry is a key word and the decoded struct as words, all accessed
 * with atomics (release/acquire, see tlb.c for why not fences).
 *
 * Key: StreamID in bits [52:21], a CD flag in bit 20, the CD index in
 * [19:0]; key 0 never occurs because bit 63 marks a used way.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "arch/bitfield.h"
#include "hw/smmu/config.h"

#define RELAXED	__ATOMIC_RELAXED
#define ACQUIRE	__ATOMIC_ACQUIRE
#define RELEASE	__ATOMIC_RELEASE
#define SEQCST	__ATOMIC_SEQ_CST

#define KEY_USED	BIT_ULL(63)
#define KEY_SID		GENMASK_ULL(52, 21)
#define KEY_CD		BIT_ULL(20)
#define KEY_SSID	GENMASK_ULL(19, 0)

#define VAL_WORDS	6
#define WAY_WORDS	(1 + VAL_WORDS)
#define CFG_WAYS	4

_Static_assert(sizeof(struct smmu_ste_cfg) <= VAL_WORDS * 8, "STE config too big");
_Static_assert(sizeof(struct smmu_cd_cfg) <= VAL_WORDS * 8, "CD config too big");

struct cfg_set {
	unsigned long seq;
	unsigned int victim;
	uint64_t w[CFG_WAYS * WAY_WORDS];
} __attribute__((aligned(64)));

struct smmu_cfgcache {
	unsigned int nsets;
	struct cfg_set *sets;
	unsigned long gen;		/* bumped before and after each invalidation */
	unsigned long inv_active;	/* invalidations scanning the sets */
};

static uint64_t ste_key(uint32_t sid)
{
	return KEY_USED | FIELD_PREP(KEY_SID, sid);
}

static uint64_t cd_key(uint32_t sid, uint32_t ssid)
{
	return KEY_USED | FIELD_PREP(KEY_SID, sid) | KEY_CD | FIELD_PREP(KEY_SSID, ssid);
}

static struct cfg_set *key_set(struct smmu_cfgcache *c, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;

	return &c->sets[(h >> 40) & (c->nsets - 1)];
}

struct smmu_cfgcache *smmu_cfgcache_create(unsigned int entries)
{
	struct smmu_cfgcache *c;
	unsigned int nsets = 1;

	while (nsets * 2 * CFG_WAYS <= entries)
		nsets *= 2;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->nsets = nsets;
	c->sets = aligned_alloc(64, sizeof(struct cfg_set) * nsets);
	if (!c->sets) {
		free(c);
		return NULL;
	}
	memset(c->sets, 0, sizeof(struct cfg_set) * nsets);
	return c;
}

void smmu_cfgcache_destroy(struct smmu_cfgcache *c)
{
	if (!c)
		return;
	free(c->sets);
	free(c);
}

unsigned long smmu_cfgcache_gen(struct smmu_cfgcache *c)
{
	return __atomic_load_n(&c->gen, SEQCST);
}

static void set_lock(struct cfg_set *s)
{
	unsigned long seq;
	unsigned int spins = 0;

	for (;;) {
		seq = __atomic_load_n(&s->seq, RELAXED);
		if (!(seq & 1) &&
		    __atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false, SEQCST, RELAXED))
			return;
		if (++spins % 32 == 0)
			sched_yield();
	}
}

static void set_unlock(struct cfg_set *s)
{
	__atomic_store_n(&s->seq, __atomic_load_n(&s->seq, RELAXED) + 1, RELEASE);
}

static bool cache_get(struct smmu_cfgcache *c, uint64_t key, void *val, size_t size)
{
	struct cfg_set *s = key_set(c, key);
	uint64_t words[VAL_WORDS];
	unsigned long seq;
	unsigned int i, j, spins = 0;
	bool hit;

retry:
	seq = __atomic_load_n(&s->seq, ACQUIRE);
	if (seq & 1) {
		if (++spins % 32 == 0)
			sched_yield();
		goto retry;
	}
	hit = false;
	for (i = 0; i < CFG_WAYS && !hit; i++) {
		const uint64_t *way = &s->w[i * WAY_WORDS];

		if (__atomic_load_n(&way[0], ACQUIRE) != key)
			continue;
		for (j = 0; j < VAL_WORDS; j++)
			words[j] = __atomic_load_n(&way[1 + j], ACQUIRE);
		hit = true;
	}
	if (__atomic_load_n(&s->seq, RELAXED) != seq)
		goto retry;
	if (hit)
		memcpy(val, words, size);
	return hit;
}

static void cache_put(struct smmu_cfgcache *c, uint64_t key, const void *val, size_t size,
		      unsigned long gen)
{
	struct cfg_set *s = key_set(c, key);
	uint64_t words[VAL_WORDS] = { 0 };
	unsigned int i, way = CFG_WAYS;

	memcpy(words, val, size);
	set_lock(s);
	/*
	 * A CFGI started since the translation began: what it fetched may
	 * be stale. Nor may anything be filled while a CFGI scans: the fill
	 * may come from an entry the scan had not yet removed (a CD fetched
	 * through a cached STE), into a set the scan has already passed.
	 */
	if (__atomic_load_n(&c->inv_active, SEQCST) || __atomic_load_n(&c->gen, SEQCST) != gen)
		goto out;
	for (i = 0; i < CFG_WAYS && way == CFG_WAYS; i++)
		if (s->w[i * WAY_WORDS] == key)
			way = i;
	for (i = 0; i < CFG_WAYS && way == CFG_WAYS; i++)
		if (!s->w[i * WAY_WORDS])
			way = i;
	if (way == CFG_WAYS)
		way = s->victim++ % CFG_WAYS;
	for (i = 0; i < VAL_WORDS; i++)
		__atomic_store_n(&s->w[way * WAY_WORDS + 1 + i], words[i], RELEASE);
	__atomic_store_n(&s->w[way * WAY_WORDS], key, RELEASE);
out:
	set_unlock(s);
}

bool smmu_cfgcache_get_ste(struct smmu_cfgcache *c, uint32_t sid, struct smmu_ste_cfg *ste)
{
	return cache_get(c, ste_key(sid), ste, sizeof(*ste));
}

void smmu_cfgcache_put_ste(struct smmu_cfgcache *c, uint32_t sid,
			   const struct smmu_ste_cfg *ste, unsigned long gen)
{
	cache_put(c, ste_key(sid), ste, sizeof(*ste), gen);
}

bool smmu_cfgcache_get_cd(struct smmu_cfgcache *c, uint32_t sid, uint32_t ssid,
			  struct smmu_cd_cfg *cd)
{
	return cache_get(c, cd_key(sid, ssid), cd, sizeof(*cd));
}

void smmu_cfgcache_put_cd(struct smmu_cfgcache *c, uint32_t sid, uint32_t ssid,
			  const struct smmu_cd_cfg *cd, unsigned long gen)
{
	cache_put(c, cd_key(sid, ssid), cd, sizeof(*cd), gen);
}

/* Remove every entry whose key matches @val under @mask. */
static void cache_inv(struct smmu_cfgcache *c, uint64_t mask, uint64_t val)
{
	unsigned int i, j;

	/*
	 * Refuse fills by translations that began before this point or
	 * during the scan (see cache_put()); the second bump covers those
	 * that looked entries up while the scan was still removing them.
	 */
	__atomic_fetch_add(&c->inv_active, 1, SEQCST);
	__atomic_fetch_add(&c->gen, 1, SEQCST);
	for (i = 0; i < c->nsets; i++) {
		struct cfg_set *s = &c->sets[i];
		bool any = __atomic_load_n(&s->seq, SEQCST) & 1;

		for (j = 0; j < CFG_WAYS && !any; j++) {
			uint64_t k = __atomic_load_n(&s->w[j * WAY_WORDS], ACQUIRE);

			any = k && (k & mask) == val;
		}
		if (!any)
			continue;
		set_lock(s);
		for (j = 0; j < CFG_WAYS; j++) {
			uint64_t k = s->w[j * WAY_WORDS];

			if (k && (k & mask) == val)
				__atomic_store_n(&s->w[j * WAY_WORDS], 0, RELEASE);
		}
		set_unlock(s);
	}
	__atomic_fetch_add(&c->gen, 1, SEQCST);
	__atomic_fetch_sub(&c->inv_active, 1, SEQCST);
}

void smmu_cfgcache_inv_sids(struct smmu_cfgcache *c, uint32_t sid, unsigned int log2n)
{
	uint64_t sids = log2n >= 32 ? 0 : (uint64_t)(~0u << log2n) & 0xffffffffULL;

	cache_inv(c, KEY_USED | FIELD_PREP(KEY_SID, sids), KEY_USED | FIELD_PREP(KEY_SID, sid & sids));
}

void smmu_cfgcache_inv_cd(struct smmu_cfgcache *c, uint32_t sid, uint32_t ssid)
{
	cache_inv(c, ~0ULL, cd_key(sid, ssid));
}

void smmu_cfgcache_inv_cds(struct smmu_cfgcache *c, uint32_t sid)
{
	cache_inv(c, KEY_USED | KEY_SID | KEY_CD, KEY_USED | FIELD_PREP(KEY_SID, sid) | KEY_CD);
}

void smmu_cfgcache_inv_all(struct smmu_cfgcache *c)
{
	cache_inv(c, KEY_USED, KEY_USED);
}

unsigned int smmu_cfgcache_count(struct smmu_cfgcache *c)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < c->nsets; i++)
		for (j = 0; j < CFG_WAYS; j++)
			n += !!__atomic_load_n(&c->sets[i].w[j * WAY_WORDS], RELAXED);
	return n;
}
