// SPDX-License-Identifier: GPL-2.0
/*
 * PASID allocation as the 20-bit space fills up (os/iommu/pasid): one
 * operation frees one of the WINDOW highest allocated PASIDs, at random,
 * and allocates the lowest free one (which is that PASID): the churn of
 * processes binding and exiting, with every lower PASID in use, so a search
 * from PASID 1 must get past all of them. Measured with 4K, 64K and all but
 * one of the 2^20 PASIDs allocated; the baseline, measured in the same
 * sample, is the same operation with only WINDOW PASIDs allocated (the
 * same memory touched per operation, nothing below to skip). A search that
 * scans the bitmap grows with the fill; the hierarchical bitmap stays flat.
 * Goal: <= 1 us per allocation at 1M, and a ratio to the baseline near 1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "os/iommu/pasid.h"
#include "tests/bench/bench_stats.h"

#define SAMPLES		7
#define OPS		20000u
#define WINDOW		1024u

/* ns per free + allocate on @pa, whose PASIDs 1..@live are allocated. */
static double churn_ns(struct pasid_allocator *pa, uint32_t live, unsigned int *seed)
{
	uint64_t t = bench_now_ns();
	unsigned int i;

	for (i = 0; i < OPS; i++) {
		uint32_t p = live - (uint32_t)rand_r(seed) % WINDOW;

		pasid_put(pa, p);
		if (pasid_alloc(pa, 1, 0xffffffffu) != p) {
			printf("bench_pasid: allocation did not return the freed PASID %u\n", p);
			exit(1);
		}
	}
	return (double)(bench_now_ns() - t) / OPS;
}

static struct pasid_allocator *filled(uint32_t live)
{
	struct pasid_allocator *pa = pasid_allocator_create(IOMMU_PASID_BITS);
	uint32_t i;

	for (i = 0; pa && i < live; i++)
		pasid_alloc(pa, 1, 0xffffffffu);
	return pa;
}

int main(void)
{
	const uint32_t fills[] = { 1u << 12, 1u << 16, (1u << IOMMU_PASID_BITS) - 2 };
	const char *names[] = { "4K allocated", "64K allocated", "1M allocated (all but one)" };
	struct pasid_allocator *empty = filled(WINDOW);
	unsigned int seed = 1, f, s;

	printf("bench_pasid: free + allocate the lowest free PASID, ns per operation, %u samples\n",
	       SAMPLES);
	for (f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
		struct pasid_allocator *pa = filled(fills[f]);
		struct bench_series ns = { .n = 0 }, base = { .n = 0 }, ratio = { .n = 0 };

		if (!pa || !empty)
			return 1;
		for (s = 0; s < SAMPLES; s++) {
			double b = churn_ns(empty, WINDOW, &seed), v = churn_ns(pa, fills[f], &seed);

			bench_add(&base, b);
			bench_add(&ns, v);
			bench_add(&ratio, v / b);
		}
		bench_print(names[f], &ns, "ns");
		printf("\n");
		bench_print("  baseline: 1K allocated", &base, "ns");
		printf("\n");
		bench_print_ratio("  ratio to the baseline", &ratio, f == 2 ? "<= 1 us, ratio ~1" : "~1");
		pasid_allocator_destroy(pa);
	}
	pasid_allocator_destroy(empty);
	return 0;
}
