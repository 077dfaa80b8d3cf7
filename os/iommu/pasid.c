// SPDX-License-Identifier: GPL-2.0
/*
 * The global PASID allocator (see os/iommu/pasid.h): a refcount per PASID
 * and, for the lowest-free search, a hierarchical bitmap under one mutex.
 *
 * Level 0 has one bit per PASID (set: allocated). Each higher level has one
 * bit per word of the level below, set when that word is full; the top
 * level is a single word. Bits past the end of a level are set, so a search
 * never lands there. Finding the lowest free PASID at or above @min looks
 * at one word per level going up until a word with room appears, then one
 * word per level going down: O(levels) = O(log64 n), 4 words per level at
 * most for 20 bits, however full the space is.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "os/iommu/pasid.h"
#include "os/printk.h"

/* 64^4 > 2^20: enough levels for the widest PASID space. */
#define PASID_MAX_LEVELS	4

struct pasid_level {
	uint64_t *map;
	uint64_t nbits;		/* meaningful bits (PASIDs, or words of the level below) */
};

struct pasid_allocator {
	pthread_mutex_t lock;
	unsigned int bits;
	unsigned int nr_allocated;
	unsigned int nr_levels;
	struct pasid_level level[PASID_MAX_LEVELS];
	uint32_t *refs;		/* references of each allocated PASID */
};

static uint64_t words_for(uint64_t nbits)
{
	return (nbits + 63) / 64;
}

/* Set bit @i of level @l; a word that fills up sets its bit one level up. */
static void level_set(struct pasid_allocator *pa, unsigned int l, uint64_t i)
{
	for (; l < pa->nr_levels; l++, i /= 64) {
		uint64_t *w = &pa->level[l].map[i / 64];

		*w |= 1ULL << (i % 64);
		if (~*w)
			return;
	}
}

/* Clear bit @i of level @l; a word that was full clears its bit one level up. */
static void level_clear(struct pasid_allocator *pa, unsigned int l, uint64_t i)
{
	for (; l < pa->nr_levels; l++, i /= 64) {
		uint64_t *w = &pa->level[l].map[i / 64];
		bool was_full = !~*w;

		*w &= ~(1ULL << (i % 64));
		if (!was_full)
			return;
	}
}

/* Lowest clear bit >= @i at level @l, or -1. */
static int64_t level_find_zero(const struct pasid_allocator *pa, unsigned int l, uint64_t i)
{
	const struct pasid_level *lv = &pa->level[l];
	uint64_t word;
	int64_t next;

	if (i >= lv->nbits)
		return -1;
	word = lv->map[i / 64] | ((1ULL << (i % 64)) - 1);
	if (~word)
		return (int64_t)((i & ~63ULL) + (uint64_t)__builtin_ctzll(~word));
	if (l + 1 == pa->nr_levels)
		return -1;
	/* The next word of this level with room, from the level above. */
	next = level_find_zero(pa, l + 1, i / 64 + 1);
	if (next < 0)
		return -1;
	return next * 64 + __builtin_ctzll(~lv->map[next]);
}

static int levels_init(struct pasid_allocator *pa)
{
	uint64_t nbits = (uint64_t)1 << pa->bits;
	unsigned int l = 0;

	for (;;) {
		struct pasid_level *lv = &pa->level[l];
		uint64_t nwords = words_for(nbits);

		lv->nbits = nbits;
		lv->map = calloc(nwords, sizeof(uint64_t));
		if (!lv->map)
			return -ENOMEM;
		pa->nr_levels = ++l;
		/* The tail past nbits is never free (and leaves the word room). */
		if (nbits % 64)
			lv->map[nwords - 1] = ~0ULL << (nbits % 64);
		if (nwords == 1)
			break;
		nbits = nwords;
	}
	return 0;
}

struct pasid_allocator *pasid_allocator_create(unsigned int bits)
{
	struct pasid_allocator *pa;

	if (!bits || bits > IOMMU_PASID_BITS)
		return NULL;
	pa = calloc(1, sizeof(*pa));
	if (!pa)
		return NULL;
	pa->bits = bits;
	pa->refs = calloc((size_t)1 << bits, sizeof(uint32_t));
	if (!pa->refs || levels_init(pa)) {
		pasid_allocator_destroy(pa);
		return NULL;
	}
	level_set(pa, 0, 0);	/* PASID 0 is reserved */
	pthread_mutex_init(&pa->lock, NULL);
	return pa;
}

void pasid_allocator_destroy(struct pasid_allocator *pa)
{
	unsigned int l;

	if (!pa)
		return;
	for (l = 0; l < PASID_MAX_LEVELS; l++)
		free(pa->level[l].map);
	free(pa->refs);
	free(pa);
}

int64_t pasid_alloc(struct pasid_allocator *pa, uint32_t min, uint32_t max)
{
	uint32_t limit = (uint32_t)((1ULL << pa->bits) - 1);
	int64_t pasid;

	if (min < 1)
		min = 1;
	if (max > limit)
		max = limit;
	if (min > max)
		return -EINVAL;
	pthread_mutex_lock(&pa->lock);
	pasid = level_find_zero(pa, 0, min);
	if (pasid < 0 || pasid > max) {
		pthread_mutex_unlock(&pa->lock);
		return -ENOSPC;
	}
	level_set(pa, 0, (uint64_t)pasid);
	pa->refs[pasid] = 1;
	pa->nr_allocated++;
	pthread_mutex_unlock(&pa->lock);
	return pasid;
}

static int allocated(const struct pasid_allocator *pa, uint32_t pasid)
{
	return pasid && pasid < (1u << pa->bits) && pa->refs[pasid];
}

int pasid_get(struct pasid_allocator *pa, uint32_t pasid)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&pa->lock);
	if (allocated(pa, pasid)) {
		pa->refs[pasid]++;
		ret = 0;
	}
	pthread_mutex_unlock(&pa->lock);
	return ret;
}

void pasid_put(struct pasid_allocator *pa, uint32_t pasid)
{
	pthread_mutex_lock(&pa->lock);
	if (!allocated(pa, pasid)) {
		/* A kernel would WARN: a put without a get is a refcounting bug. */
		pr_crit("BUG: pasid_put: PASID %u is not allocated", pasid);
		abort();
	}
	if (!--pa->refs[pasid]) {
		level_clear(pa, 0, pasid);
		pa->nr_allocated--;
	}
	pthread_mutex_unlock(&pa->lock);
}

unsigned int pasid_nr_allocated(struct pasid_allocator *pa)
{
	unsigned int n;

	pthread_mutex_lock(&pa->lock);
	n = pa->nr_allocated;
	pthread_mutex_unlock(&pa->lock);
	return n;
}
