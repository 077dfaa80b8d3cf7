// SPDX-License-Identifier: GPL-2.0
/*
 * The global PASID allocator (see os/iommu/pasid.h): a bitmap for the
 * lowest-free search and a refcount per allocated PASID, under one mutex
 * (bind and unbind are slow paths).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "os/iommu/pasid.h"

struct pasid_allocator {
	pthread_mutex_t lock;
	unsigned int bits;
	unsigned int nr_allocated;
	uint64_t *map;		/* bit set: allocated */
	uint32_t *refs;		/* references of each allocated PASID */
};

struct pasid_allocator *pasid_allocator_create(unsigned int bits)
{
	struct pasid_allocator *pa;
	size_t n;

	if (!bits || bits > IOMMU_PASID_BITS)
		return NULL;
	pa = calloc(1, sizeof(*pa));
	if (!pa)
		return NULL;
	n = (size_t)1 << bits;
	pa->bits = bits;
	pa->map = calloc((n + 63) / 64, sizeof(uint64_t));
	pa->refs = calloc(n, sizeof(uint32_t));
	if (!pa->map || !pa->refs) {
		pasid_allocator_destroy(pa);
		return NULL;
	}
	pa->map[0] = 1;		/* PASID 0 is reserved */
	pthread_mutex_init(&pa->lock, NULL);
	return pa;
}

void pasid_allocator_destroy(struct pasid_allocator *pa)
{
	if (!pa)
		return;
	free(pa->map);
	free(pa->refs);
	free(pa);
}

/* Lowest clear bit in [min, max], or -1. */
static int64_t find_free(const uint64_t *map, uint32_t min, uint32_t max)
{
	uint64_t i = min;

	while (i <= max) {
		uint64_t word = map[i / 64] | ((1ULL << (i % 64)) - 1);

		if (~word) {
			uint64_t bit = (i & ~63ULL) + (uint64_t)__builtin_ctzll(~word);

			return bit <= max ? (int64_t)bit : -1;
		}
		i = (i & ~63ULL) + 64;
	}
	return -1;
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
	pasid = find_free(pa->map, min, max);
	if (pasid < 0) {
		pthread_mutex_unlock(&pa->lock);
		return -ENOSPC;
	}
	pa->map[pasid / 64] |= 1ULL << (pasid % 64);
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
		fprintf(stderr, "pasid_put: PASID %u is not allocated\n", pasid);
		abort();
	}
	if (!--pa->refs[pasid]) {
		pa->map[pasid / 64] &= ~(1ULL << (pasid % 64));
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
