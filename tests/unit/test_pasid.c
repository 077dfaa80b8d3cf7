// SPDX-License-Identifier: GPL-2.0
/* os/iommu/pasid: lowest-first allocation in a range, refcounts, exhaustion. */
#include <errno.h>
#include <pthread.h>

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
