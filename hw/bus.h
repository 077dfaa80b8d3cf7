/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bus interface every hardware block uses to reach memory and to signal
 * interrupts. A block never touches RAM or software directly: it is handed a
 * struct mem_bus (hw/mem provides one; a VMM embedding the model supplies its
 * own) and, where it interrupts, struct irq_line callbacks.
 *
 * Every operation returns 0 or a negative errno: -EFAULT when the physical
 * address is not backed by memory (the caller reports an external abort),
 * -EINVAL for a misaligned 64-bit access.
 */
#ifndef HW_BUS_H
#define HW_BUS_H

#include <stddef.h>
#include <stdint.h>

struct mem_bus_ops {
	/* Single-copy atomic, naturally aligned 64-bit accesses. */
	int (*read64)(void *ctx, uint64_t pa, uint64_t *val);
	int (*write64)(void *ctx, uint64_t pa, uint64_t val);
	/*
	 * If the word at @pa equals *@expected, store @desired and return 0;
	 * otherwise store the current value in *@expected and return -EAGAIN.
	 */
	int (*cmpxchg64)(void *ctx, uint64_t pa, uint64_t *expected, uint64_t desired);
	/* Byte ranges (no atomicity beyond single bytes). */
	int (*read)(void *ctx, uint64_t pa, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t pa, const void *buf, size_t len);
	int (*fill)(void *ctx, uint64_t pa, uint8_t byte, size_t len);
};

struct mem_bus {
	const struct mem_bus_ops *ops;
	void *ctx;
};

static inline int bus_read64(const struct mem_bus *bus, uint64_t pa, uint64_t *val)
{
	return bus->ops->read64(bus->ctx, pa, val);
}

static inline int bus_write64(const struct mem_bus *bus, uint64_t pa, uint64_t val)
{
	return bus->ops->write64(bus->ctx, pa, val);
}

static inline int bus_cmpxchg64(const struct mem_bus *bus, uint64_t pa,
				uint64_t *expected, uint64_t desired)
{
	return bus->ops->cmpxchg64(bus->ctx, pa, expected, desired);
}

static inline int bus_read(const struct mem_bus *bus, uint64_t pa, void *buf, size_t len)
{
	return bus->ops->read(bus->ctx, pa, buf, len);
}

static inline int bus_write(const struct mem_bus *bus, uint64_t pa, const void *buf, size_t len)
{
	return bus->ops->write(bus->ctx, pa, buf, len);
}

static inline int bus_fill(const struct mem_bus *bus, uint64_t pa, uint8_t byte, size_t len)
{
	return bus->ops->fill(bus->ctx, pa, byte, len);
}

/*
 * A wired interrupt output. raise() is called from the hardware block's own
 * thread (the one that produced the event); the receiver must not call back
 * into the block's register interface with locks the block holds, so blocks
 * raise interrupts with no internal lock held.
 */
struct irq_line {
	void (*raise)(void *ctx);
	void *ctx;
};

static inline void irq_raise(const struct irq_line *irq)
{
	if (irq && irq->raise)
		irq->raise(irq->ctx);
}

#endif /* HW_BUS_H */
