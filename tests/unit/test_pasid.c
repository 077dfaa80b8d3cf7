// SPDX-License-Identifier: GPL-2.0
/* os/iommu/pasid: lowest-first allocation in a range, refcounts, exhaustion. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "os/iommu/pasid.h"
#include "tests/harness.h"

TEST(lowest_first_and_never_zero)
{
	struct pasid_allocator *pa = pasid_allocator_create(20);

	ASSERT_TRUE(pa != NULL);
	EXPECT_EQ(pasid_alloc(pa, 0, 100), 1);
	EXPECT_EQ(pasid_alloc(pa, 0, 100), 2);
	EXPECT_EQ(pasid_alloc(pa, 70, 100), 70);
	EXPECT_EQ(pasid_alloc(pa, 1, 100), 3);
	pasid_put(pa, 2);
	EXPECT_EQ(pasid_alloc(pa, 1, 100), 2);	/* freed: reusable */
	EXPECT_EQ(pasid_nr_allocated(pa), 4);
	EXPECT_EQ(pasid_alloc(pa, 200, 100), -EINVAL);
	/* max is clamped to the width. */
	EXPECT_EQ(pasid_alloc(pa, (1u << 20) - 1, 0xffffffffu), (1 << 20) - 1);
	EXPECT_EQ(pasid_alloc(pa, (1u << 20) - 1, 0xffffffffu), -ENOSPC);
	pasid_allocator_destroy(pa);
	EXPECT_TRUE(pasid_allocator_create(0) == NULL);
	EXPECT_TRUE(pasid_allocator_create(21) == NULL);
}

TEST(refcounted_until_last_put)
{
	struct pasid_allocator *pa = pasid_allocator_create(8);
	int64_t p = pasid_alloc(pa, 1, 255);

	ASSERT_EQ(p, 1);
	ASSERT_EQ(pasid_get(pa, (uint32_t)p), 0);
	pasid_put(pa, (uint32_t)p);
	/* Still held: another allocation must not get it. */
	EXPECT_EQ(pasid_alloc(pa, 1, 1), -ENOSPC);
	pasid_put(pa, (uint32_t)p);
	EXPECT_EQ(pasid_get(pa, (uint32_t)p), -ENOENT);
	EXPECT_EQ(pasid_get(pa, 0), -ENOENT);
	EXPECT_EQ(pasid_get(pa, 1000), -ENOENT);
	EXPECT_EQ(pasid_alloc(pa, 1, 1), 1);
	pasid_allocator_destroy(pa);
}

TEST(exhaustion_of_a_small_space)
{
	struct pasid_allocator *pa = pasid_allocator_create(8);
	unsigned int i;

	for (i = 1; i < 256; i++)
		ASSERT_EQ(pasid_alloc(pa, 1, 255), i);
	EXPECT_EQ(pasid_alloc(pa, 1, 255), -ENOSPC);
	EXPECT_EQ(pasid_nr_allocated(pa), 255);
	pasid_put(pa, 130);
	EXPECT_EQ(pasid_alloc(pa, 1, 255), 130);
	for (i = 1; i < 256; i++)
		pasid_put(pa, i);
	EXPECT_EQ(pasid_nr_allocated(pa), 0);
	pasid_allocator_destroy(pa);
}

/*
 * The summary levels of the bitmap: a range starting inside a full region
 * must skip whole full words (and full words of words) and still return
 * the lowest free PASID, never one below @min or above @max.
 */
TEST(lowest_free_across_full_regions)
{
	struct pasid_allocator *pa = pasid_allocator_create(20);
	const uint32_t holes[] = { 63, 64, 4095, 4096, 262143, 262144, (1u << 20) - 1 };
	uint32_t i;

	ASSERT_TRUE(pa != NULL);
	for (i = 1; i < (1u << 20); i++)
		ASSERT_EQ(pasid_alloc(pa, 1, 0xffffffffu), i);
	EXPECT_EQ(pasid_alloc(pa, 1, 0xffffffffu), -ENOSPC);
	for (i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
		pasid_put(pa, holes[i]);
	/* Each hole in turn, from below, from inside a full word, from itself. */
	EXPECT_EQ(pasid_alloc(pa, 1, 62), -ENOSPC);
	EXPECT_EQ(pasid_alloc(pa, 1, 0xffffffffu), 63);
	EXPECT_EQ(pasid_alloc(pa, 2, 0xffffffffu), 64);
	EXPECT_EQ(pasid_alloc(pa, 65, 4094), -ENOSPC);
	EXPECT_EQ(pasid_alloc(pa, 65, 4095), 4095);
	EXPECT_EQ(pasid_alloc(pa, 4096, 4096), 4096);
	EXPECT_EQ(pasid_alloc(pa, 5000, 0xffffffffu), 262143);
	EXPECT_EQ(pasid_alloc(pa, 1, 0xffffffffu), 262144);
	EXPECT_EQ(pasid_alloc(pa, 262145, (1u << 20) - 2), -ENOSPC);
	EXPECT_EQ(pasid_alloc(pa, 262145, 0xffffffffu), (1 << 20) - 1);
	EXPECT_EQ(pasid_alloc(pa, 1, 0xffffffffu), -ENOSPC);
	EXPECT_EQ(pasid_nr_allocated(pa), (1u << 20) - 1);
	pasid_allocator_destroy(pa);
}

/* Lowest clear entry of @used in [min, max], as the allocator must answer. */
static int64_t ref_alloc(bool *used, uint32_t size, uint32_t min, uint32_t max)
{
	uint32_t i;

	if (min < 1)
		min = 1;
	if (max > size - 1)
		max = size - 1;
	if (min > max)
		return -EINVAL;
	for (i = min; i <= max; i++) {
		if (!used[i]) {
			used[i] = true;
			return i;
		}
	}
	return -ENOSPC;
}

/* Random allocations and frees agree with a plain array, for every width shape. */
TEST(random_churn_matches_a_reference)
{
	const unsigned int widths[] = { 1, 5, 6, 7, 12, 13, 18 };
	unsigned int w, op;

	srand(9);
	for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		uint32_t size = 1u << widths[w];
		struct pasid_allocator *pa = pasid_allocator_create(widths[w]);
		bool *used = calloc(size, sizeof(*used));
		unsigned int live = 0;

		ASSERT_TRUE(pa != NULL && used != NULL);
		for (op = 0; op < 20000; op++) {
			uint32_t a = (uint32_t)rand() % (size + 2), b = (uint32_t)rand() % (size + 2);
			uint32_t p = (uint32_t)rand() % size;

			/* Mostly allocate while less than 90% full, then mostly free. */
			if ((uint32_t)rand() % 100 < (live * 10 < size * 9 ? 70u : 20u)) {
				int64_t want = ref_alloc(used, size, a < b ? a : b, a < b ? b : a);

				ASSERT_EQ(pasid_alloc(pa, a < b ? a : b, a < b ? b : a), want);
				live += want > 0;
			} else if (p && used[p]) {
				used[p] = false;
				pasid_put(pa, p);
				live--;
			}
		}
		EXPECT_EQ(pasid_nr_allocated(pa), live);
		pasid_allocator_destroy(pa);
		free(used);
	}
}

static struct pasid_allocator *shared;

static void *churn(void *arg)
{
	uint32_t got[64];

	(void)arg;
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 64; i++) {
			int64_t p = pasid_alloc(shared, 1, 1023);

			if (p < 0)
				return (void *)1;
			got[i] = (uint32_t)p;
		}
		for (int i = 0; i < 64; i++)
			pasid_put(shared, got[i]);
	}
	return NULL;
}

TEST(concurrent_alloc_free)
{
	pthread_t t[4];
	void *ret;

	shared = pasid_allocator_create(10);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, churn, NULL), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		EXPECT_TRUE(ret == NULL);
	}
	EXPECT_EQ(pasid_nr_allocated(shared), 0);
	pasid_allocator_destroy(shared);
}
