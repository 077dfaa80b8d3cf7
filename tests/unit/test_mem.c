// SPDX-License-Identifier: GPL-2.0
/* hw/mem: physical memory bounds, atomics and byte ranges. */
#include <errno.h>

#include "hw/mem.h"
#include "tests/harness.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(16ULL << 20)

TEST(word_ops_and_bounds)
{
	struct phys_mem mem;
	uint64_t v = 0, old;

	ASSERT_EQ(phys_mem_init(&mem, BASE, SIZE), 0);
	ASSERT_EQ(phys_mem_read64(&mem, BASE, &v), 0);
	EXPECT_EQ(v, 0);	/* fresh RAM reads as zero */
	ASSERT_EQ(phys_mem_write64(&mem, BASE + 8, 0x1122334455667788ULL), 0);
	ASSERT_EQ(phys_mem_read64(&mem, BASE + 8, &v), 0);
	EXPECT_EQ(v, 0x1122334455667788ULL);

	EXPECT_EQ(phys_mem_read64(&mem, BASE - 8, &v), -EFAULT);
	EXPECT_EQ(phys_mem_read64(&mem, BASE + SIZE, &v), -EFAULT);
	EXPECT_EQ(phys_mem_write64(&mem, BASE + SIZE - 4, 1), -EINVAL);
	EXPECT_EQ(phys_mem_read64(&mem, BASE + 4, &v), -EINVAL);
	EXPECT_EQ(phys_mem_read64(&mem, 0, &v), -EFAULT);
	EXPECT_EQ(phys_mem_read64(&mem, ~7ULL, &v), -EFAULT);
	ASSERT_EQ(phys_mem_read64(&mem, BASE + SIZE - 8, &v), 0);

	old = 1;
	EXPECT_EQ(phys_mem_cmpxchg64(&mem, BASE + 8, &old, 5), -EAGAIN);
	EXPECT_EQ(old, 0x1122334455667788ULL);
	EXPECT_EQ(phys_mem_cmpxchg64(&mem, BASE + 8, &old, 5), 0);
	ASSERT_EQ(phys_mem_or64(&mem, BASE + 8, 0x30, &old), 0);
	EXPECT_EQ(old, 5);
	ASSERT_EQ(bus_read64(&mem.bus, BASE + 8, &v), 0);
	EXPECT_EQ(v, 0x35);
	phys_mem_fini(&mem);
}

TEST(byte_ranges)
{
	struct phys_mem mem;
	uint8_t buf[100], out[100];
	unsigned int i;

	ASSERT_EQ(phys_mem_init(&mem, BASE, SIZE), 0);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	/* Unaligned on both ends. */
	ASSERT_EQ(phys_mem_write(&mem, BASE + 3, buf, sizeof(buf)), 0);
	ASSERT_EQ(phys_mem_read(&mem, BASE + 3, out, sizeof(out)), 0);
	EXPECT_EQ(memcmp(buf, out, sizeof(buf)), 0);
	ASSERT_EQ(phys_mem_copy(&mem, BASE + 0x1001, BASE + 3, sizeof(buf)), 0);
	memset(out, 0, sizeof(out));
	ASSERT_EQ(bus_read(&mem.bus, BASE + 0x1001, out, sizeof(out)), 0);
	EXPECT_EQ(memcmp(buf, out, sizeof(buf)), 0);
	ASSERT_EQ(bus_fill(&mem.bus, BASE + 0x2005, 0xa5, 37), 0);
	ASSERT_EQ(phys_mem_read(&mem, BASE + 0x2004, out, 39), 0);
	EXPECT_EQ(out[0], 0);
	for (i = 1; i <= 37; i++)
		EXPECT_EQ(out[i], 0xa5);
	EXPECT_EQ(out[38], 0);

	/* Ranges straddling the end of RAM are refused whole. */
	EXPECT_EQ(phys_mem_write(&mem, BASE + SIZE - 10, buf, 11), -EFAULT);
	EXPECT_EQ(phys_mem_fill(&mem, BASE + SIZE - 10, 1, 11), -EFAULT);
	EXPECT_EQ(phys_mem_copy(&mem, BASE, BASE + SIZE - 4, 8), -EFAULT);
	EXPECT_EQ(phys_mem_read(&mem, BASE + SIZE, out, 0), 0);
	EXPECT_TRUE(phys_mem_ptr(&mem, BASE + SIZE - 8, 8) != NULL);
	EXPECT_TRUE(phys_mem_ptr(&mem, BASE + SIZE - 8, 9) == NULL);
	phys_mem_fini(&mem);
}

TEST(bad_geometry)
{
	struct phys_mem mem;

	EXPECT_EQ(phys_mem_init(&mem, BASE, 0), -EINVAL);
	EXPECT_EQ(phys_mem_init(&mem, BASE + 1, SIZE), -EINVAL);
	EXPECT_EQ(phys_mem_init(&mem, ~0xffffULL, SIZE), -EINVAL);
}
