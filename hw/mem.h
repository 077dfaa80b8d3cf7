/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Physical memory: a machine's RAM, one host reservation backed lazily by the
 * host kernel, addressed by physical addresses [base, base + size).
 *
 * The 64-bit word operations are single-copy atomic and sequentially
 * consistent, as the descriptor and queue protocols of the SMMU and the
 * MMU need. Byte ranges are copied with relaxed atomic accesses, so that a
 * device and a CPU racing on the same bytes is defined behaviour in C (as it
 * is in hardware) and clean under ThreadSanitizer; RAM-to-RAM copies
 * (phys_mem_copy, a device's burst) use the host's copy instruction on
 * x86-64 outside the sanitizer builds (see mem.c).
 *
 * An access outside RAM returns -EFAULT; callers turn it into an external
 * abort. No operation ever touches host memory outside the reservation.
 */
#ifndef HW_MEM_H
#define HW_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/bus.h"

#define PHYS_MEM_DEFAULT_BASE	0x80000000ULL	/* as on many Arm platforms */
#define PHYS_MEM_DEFAULT_SIZE	(1ULL << 30)

struct phys_mem {
	uint8_t *host;		/* the reservation */
	uint64_t base;		/* physical address of host[0] */
	uint64_t size;
	struct mem_bus bus;	/* this memory as a bus, for hardware blocks */
};

/* Reserve @size bytes (a multiple of 64K) at physical @base. 0 or -errno. */
int phys_mem_init(struct phys_mem *mem, uint64_t base, uint64_t size);
void phys_mem_fini(struct phys_mem *mem);

/* Does [pa, pa + len) lie inside RAM? */
static inline bool phys_mem_contains(const struct phys_mem *mem, uint64_t pa, uint64_t len)
{
	return pa >= mem->base && len <= mem->size && pa - mem->base <= mem->size - len;
}

/*
 * Host pointer for [pa, pa + len), or NULL outside RAM. For software that owns
 * the memory (the OS's linear map); racing accesses must use the functions below.
 */
static inline void *phys_mem_ptr(const struct phys_mem *mem, uint64_t pa, uint64_t len)
{
	if (!phys_mem_contains(mem, pa, len))
		return NULL;
	return mem->host + (pa - mem->base);
}

int phys_mem_read64(const struct phys_mem *mem, uint64_t pa, uint64_t *val);
int phys_mem_write64(const struct phys_mem *mem, uint64_t pa, uint64_t val);
int phys_mem_cmpxchg64(const struct phys_mem *mem, uint64_t pa,
		       uint64_t *expected, uint64_t desired);
/* Atomically OR @bits into the word at @pa; the previous value in *@old if non-NULL. */
int phys_mem_or64(const struct phys_mem *mem, uint64_t pa, uint64_t bits, uint64_t *old);

int phys_mem_read(const struct phys_mem *mem, uint64_t pa, void *buf, size_t len);
int phys_mem_write(const struct phys_mem *mem, uint64_t pa, const void *buf, size_t len);
int phys_mem_fill(const struct phys_mem *mem, uint64_t pa, uint8_t byte, size_t len);
/* Copy between two physical ranges (they may overlap only if dst <= src). */
int phys_mem_copy(const struct phys_mem *mem, uint64_t dst, uint64_t src, size_t len);

#endif /* HW_MEM_H */
