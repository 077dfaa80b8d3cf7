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
 * where the RAM address is aligned, four words per step so the loop keeps
 * several loads in flight (the compiler may not merge atomics into wider
 * accesses); a private host-side buffer is accessed plainly.
 */

static inline uint64_t ram_load(const uint8_t *ram)
{
	return __atomic_load_n((const uint64_t *)ram, RELAXED);
}

static inline void ram_store(uint8_t *ram, uint64_t w)
{
	__atomic_store_n((uint64_t *)ram, w, RELAXED);
}

static void ram_to_buf(uint8_t *dst, const uint8_t *ram, size_t len)
{
	uint64_t w0, w1, w2, w3;

	while (len && ((uintptr_t)ram & 7)) {
		*dst++ = __atomic_load_n(ram++, RELAXED);
		len--;
	}
	for (; len >= 32; len -= 32, ram += 32, dst += 32) {
		w0 = ram_load(ram);
		w1 = ram_load(ram + 8);
		w2 = ram_load(ram + 16);
		w3 = ram_load(ram + 24);
		memcpy(dst, &w0, 8);
		memcpy(dst + 8, &w1, 8);
		memcpy(dst + 16, &w2, 8);
		memcpy(dst + 24, &w3, 8);
	}
	for (; len >= 8; len -= 8, ram += 8, dst += 8) {
		w0 = ram_load(ram);
		memcpy(dst, &w0, 8);
	}
	while (len--)
		*dst++ = __atomic_load_n(ram++, RELAXED);
}

static void buf_to_ram(uint8_t *ram, const uint8_t *src, size_t len)
{
	uint64_t w0, w1, w2, w3;

	while (len && ((uintptr_t)ram & 7)) {
		__atomic_store_n(ram++, *src++, RELAXED);
		len--;
	}
	for (; len >= 32; len -= 32, ram += 32, src += 32) {
		memcpy(&w0, src, 8);
		memcpy(&w1, src + 8, 8);
		memcpy(&w2, src + 16, 8);
		memcpy(&w3, src + 24, 8);
		ram_store(ram, w0);
		ram_store(ram + 8, w1);
		ram_store(ram + 16, w2);
		ram_store(ram + 24, w3);
	}
	for (; len >= 8; len -= 8, ram += 8, src += 8) {
		memcpy(&w0, src, 8);
		ram_store(ram, w0);
	}
	while (len--)
		__atomic_store_n(ram++, *src++, RELAXED);
}

/*
 * RAM to RAM, forward, with no buffer in between: a device moving bytes.
 *
 * On x86-64, outside the sanitizer builds, that is the host's own copy
 * instruction (REP MOVSB, as fast as memcpy with ERMS/FSRM): an asm block
 * the compiler treats as opaque, so a CPU store racing it is a race of the
 * hardware's, as in a real machine, not a C data race. With ThreadSanitizer
 * or AddressSanitizer, and elsewhere, relaxed atomics, which the sanitizers
 * see and check. Both copy forward, so the ranges may overlap if dst <= src.
 */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define MEM_SANITIZED	1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define MEM_SANITIZED	1
#endif

#if defined(__x86_64__) && !defined(MEM_SANITIZED)
static void ram_to_ram(uint8_t *dst, const uint8_t *src, size_t len)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(len) : : "memory");
}
#else
static void ram_to_ram(uint8_t *dst, const uint8_t *src, size_t len)
{
	uint64_t w0, w1, w2, w3;

	if (((uintptr_t)dst ^ (uintptr_t)src) & 7) {
		while (len--)
			__atomic_store_n(dst++, __atomic_load_n(src++, RELAXED), RELAXED);
		return;
	}
	while (len && ((uintptr_t)src & 7)) {
		__atomic_store_n(dst++, __atomic_load_n(src++, RELAXED), RELAXED);
		len--;
	}
	/* Four loads, then four stores: written out, as the compiler keeps an array in memory. */
	for (; len >= 32; len -= 32, src += 32, dst += 32) {
		w0 = ram_load(src);
		w1 = ram_load(src + 8);
		w2 = ram_load(src + 16);
		w3 = ram_load(src + 24);
		ram_store(dst, w0);
		ram_store(dst + 8, w1);
		ram_store(dst + 16, w2);
		ram_store(dst + 24, w3);
	}
	for (; len >= 8; len -= 8, src += 8, dst += 8)
		ram_store(dst, ram_load(src));
	while (len--)
		__atomic_store_n(dst++, __atomic_load_n(src++, RELAXED), RELAXED);
}
#endif

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
		ram_store(ram, pattern);
	while (len--)
		__atomic_store_n(ram++, byte, RELAXED);
	return 0;
}

int phys_mem_copy(const struct phys_mem *mem, uint64_t dst, uint64_t src, size_t len)
{
	if (!phys_mem_contains(mem, dst, len) || !phys_mem_contains(mem, src, len))
		return -EFAULT;
	ram_to_ram(mem->host + (dst - mem->base), mem->host + (src - mem->base), len);
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

static int bus_mem_copy(void *ctx, uint64_t dst, uint64_t src, size_t len)
{
	return phys_mem_copy(ctx, dst, src, len);
}

static const struct mem_bus_ops phys_mem_bus_ops = {
	.read64 = bus_mem_read64,
	.write64 = bus_mem_write64,
	.cmpxchg64 = bus_mem_cmpxchg64,
	.read = bus_mem_read,
	.write = bus_mem_write,
	.fill = bus_mem_fill,
	.copy = bus_mem_copy,
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
