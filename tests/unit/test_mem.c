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

/*
 * RAM-to-RAM copies (a device's burst): every alignment of source and
 * destination, lengths around the word and unrolled-step sizes, and a
 * forward overlap (dst < src); the bytes around the copy stay untouched.
 * bus_copy() without the bus's copy operation goes through a bounce buffer.
 */
static int no_copy_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	return phys_mem_read(ctx, pa, buf, len);
}

static int no_copy_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	return phys_mem_write(ctx, pa, buf, len);
}

TEST(ram_to_ram_copies)
{
	static const struct mem_bus_ops plain_ops = { .read = no_copy_read, .write = no_copy_write };
	static uint8_t ref[3100], out[3100];
	const size_t lens[] = { 0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 1000, 2999 };
	struct mem_bus plain;
	struct phys_mem mem;
	unsigned int s, d, l, i;

	ASSERT_EQ(phys_mem_init(&mem, BASE, SIZE), 0);
	plain = (struct mem_bus){ .ops = &plain_ops, .ctx = &mem };
	for (i = 0; i < sizeof(ref); i++)
		ref[i] = (uint8_t)(i * 31 + 5);
	ASSERT_EQ(phys_mem_write(&mem, BASE, ref, sizeof(ref)), 0);
	for (s = 0; s < 8; s++) {
		for (d = 0; d < 8; d++) {
			for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
				uint64_t dst = BASE + 0x10000 + d;
				const struct mem_bus *bus = (s + d + l) & 1 ? &plain : &mem.bus;

				ASSERT_EQ(phys_mem_fill(&mem, dst - 8, 0xee, 3016), 0);
				ASSERT_EQ(bus_copy(bus, dst, BASE + s, lens[l]), 0);
				ASSERT_EQ(phys_mem_read(&mem, dst - 8, out, lens[l] + 16), 0);
				for (i = 0; i < 8; i++) {
					ASSERT_EQ(out[i], 0xee);
					ASSERT_EQ(out[lens[l] + 8 + i], 0xee);
				}
				ASSERT_EQ(memcmp(out + 8, ref + s, lens[l]), 0);
			}
		}
	}
	/* Forward overlap: the destination 3 bytes below the source. */
	ASSERT_EQ(phys_mem_write(&mem, BASE + 0x20003, ref, 2000), 0);
	ASSERT_EQ(phys_mem_copy(&mem, BASE + 0x20000, BASE + 0x20003, 2000), 0);
	ASSERT_EQ(phys_mem_read(&mem, BASE + 0x20000, out, 2000), 0);
	EXPECT_EQ(memcmp(out, ref, 2000), 0);
	EXPECT_EQ(bus_copy(&mem.bus, BASE + SIZE - 4, BASE, 8), -EFAULT);
	EXPECT_EQ(bus_copy(&plain, BASE + SIZE - 4, BASE, 8), -EFAULT);
	phys_mem_fini(&mem);
}

TEST(bad_geometry)
{
	struct phys_mem mem;

	EXPECT_EQ(phys_mem_init(&mem, BASE, 0), -EINVAL);
	EXPECT_EQ(phys_mem_init(&mem, BASE + 1, SIZE), -EINVAL);
	EXPECT_EQ(phys_mem_init(&mem, ~0xffffULL, SIZE), -EINVAL);
}
