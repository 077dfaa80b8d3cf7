// SPDX-License-Identifier: GPL-2.0
/*
 * Physical memory (see hw/mem.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "hw/mem.h"

#define RELAXED	__ATOMIC_RELAXED
#define SEQCST	__ATOMIC_SEQ_CST

static uint64_t *word_ptr(const struct phys_mem *mem, uint64_t pa, int *err)
{
	if (pa & 7) {
		*err = -EINVAL;
		return NULL;
	}
	if (!phys_mem_contains(mem, pa, 8)) {
		*err = -EFAULT;
		return NULL;
	}
	return (uint64_t *)(mem->host + (pa - mem->base));
}

int phys_mem_read64(const struct phys_mem *mem, uint64_t pa, uint64_t *val)
{
	int err = 0;
	uint64_t *p = word_ptr(mem, pa, &err);

	if (!p)
		return err;
	*val = __atomic_load_n(p, SEQCST);
	return 0;
}

int phys_mem_write64(const struct phys_mem *mem, uint64_t pa, uint64_t val)
{
	int err = 0;
	uint64_t *p = word_ptr(mem, pa, &err);

	if (!p)
		return err;
	__atomic_store_n(p, val, SEQCST);
	return 0;
}

int phys_mem_cmpxchg64(const struct phys_mem *mem, uint64_t pa,
		       uint64_t *expected, uint64_t desired)
{
	int err = 0;
	uint64_t *p = word_ptr(mem, pa, &err);

	if (!p)
		return err;
	if (__atomic_compare_exchange_n(p, expected, desired, false, SEQCST, SEQCST))
		return 0;
	return -EAGAIN;
}

int phys_mem_or64(const struct phys_mem *mem, uint64_t pa, uint64_t bits, uint64_t *old)
{
	int err = 0;
	uint64_t *p = word_ptr(mem, pa, &err);
	uint64_t prev;

	if (!p)
		return err;
	prev = __atomic_fetch_or(p, bits, SEQCST);
	if (old)
		*old = prev;
	return 0;
}

/*
 * Byte-range helpers. RAM is accessed with relaxed atomics, 8 bytes at a time
 * where the RAM address is aligned; the host-side buffer is private.
 */
static void ram_to_buf(uint8_t *dst, const uint8_t *ram, size_t len)
{
	while (len && ((uintptr_t)ram & 7)) {
		*dst++ = __atomic_load_n(ram++, RELAXED);
		len--;
	}
	for (; len >= 8; len -= 8, ram += 8, dst += 8) {
		uint64_t w = __atomic_load_n((const uint64_t *)ram, RELAXED);

		memcpy(dst, &w, 8);
	}
	while (len--)
		*dst++ = __atomic_load_n(ram++, RELAXED);
}

static void buf_to_ram(uint8_t *ram, const uint8_t *src, size_t len)
{
	while (len && ((uintptr_t)ram & 7)) {
		__atomic_store_n(ram++, *src++, RELAXED);
		len--;
	}
	for (; len >= 8; len -= 8, ram += 8, src += 8) {
		uint64_t w;

		memcpy(&w, src, 8);
		__atomic_store_n((uint64_t *)ram, w, RELAXED);
	}
	while (len--)
		__atomic_store_n(ram++, *src++, RELAXED);
}

int phys_mem_read(const struct phys_mem *mem, uint64_t pa, void *buf, size_t len)
{
	if (!phys_mem_contains(mem, pa, len))
		return -EFAULT;
	ram_to_buf(buf, mem->host + (pa - mem->base), len);
	return 0;
}

int phys_mem_write(const struct phys_mem *mem, uint64_t pa, const void *buf, size_t len)
{
	if (!phys_mem_contains(mem, pa, len))
		return -EFAULT;
	buf_to_ram(mem->host + (pa - mem->base), buf, len);
	return 0;
}

int phys_mem_fill(const struct phys_mem *mem, uint64_t pa, uint8_t byte, size_t len)
{
	uint8_t *ram;
	uint64_t pattern = 0x0101010101010101ULL * byte;

	if (!phys_mem_contains(mem, pa, len))
		return -EFAULT;
	ram = mem->host + (pa - mem->base);
	while (len && ((uintptr_t)ram & 7)) {
		__atomic_store_n(ram++, byte, RELAXED);
		len--;
	}
	for (; len >= 8; len -= 8, ram += 8)
		__atomic_store_n((uint64_t *)ram, pattern, RELAXED);
	while (len--)
		__atomic_store_n(ram++, byte, RELAXED);
	return 0;
}

int phys_mem_copy(const struct phys_mem *mem, uint64_t dst, uint64_t src, size_t len)
{
	uint8_t bounce[4096];

	if (!phys_mem_contains(mem, dst, len) || !phys_mem_contains(mem, src, len))
		return -EFAULT;
	while (len) {
		size_t n = len < sizeof(bounce) ? len : sizeof(bounce);

		ram_to_buf(bounce, mem->host + (src - mem->base), n);
		buf_to_ram(mem->host + (dst - mem->base), bounce, n);
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/* struct mem_bus over this memory. */
static int bus_mem_read64(void *ctx, uint64_t pa, uint64_t *val)
{
	return phys_mem_read64(ctx, pa, val);
}

static int bus_mem_write64(void *ctx, uint64_t pa, uint64_t val)
{
	return phys_mem_write64(ctx, pa, val);
}

static int bus_mem_cmpxchg64(void *ctx, uint64_t pa, uint64_t *expected, uint64_t desired)
{
	return phys_mem_cmpxchg64(ctx, pa, expected, desired);
}

static int bus_mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	return phys_mem_read(ctx, pa, buf, len);
}

static int bus_mem_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	return phys_mem_write(ctx, pa, buf, len);
}

static int bus_mem_fill(void *ctx, uint64_t pa, uint8_t byte, size_t len)
{
	return phys_mem_fill(ctx, pa, byte, len);
}

static const struct mem_bus_ops phys_mem_bus_ops = {
	.read64 = bus_mem_read64,
	.write64 = bus_mem_write64,
	.cmpxchg64 = bus_mem_cmpxchg64,
	.read = bus_mem_read,
	.write = bus_mem_write,
	.fill = bus_mem_fill,
};

int phys_mem_init(struct phys_mem *mem, uint64_t base, uint64_t size)
{
	void *host;

	if (!size || (size & 0xffff) || (base & 0xffff) || base + size < base)
		return -EINVAL;
	/* Untouched pages cost nothing: the host backs them on first use. */
	host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED)
		return -ENOMEM;
	mem->host = host;
	mem->base = base;
	mem->size = size;
	mem->bus.ops = &phys_mem_bus_ops;
	mem->bus.ctx = mem;
	return 0;
}

void phys_mem_fini(struct phys_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	mem->host = NULL;
}
