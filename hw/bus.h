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

#include "sva/log.h"

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
	/*
	 * Optional: copy @len bytes from @src to @dst, both on this bus, as a
	 * device moving data (bytes, forward: the ranges may overlap only if
	 * dst <= src). Without it bus_copy() goes through a bounce buffer.
	 */
	int (*copy)(void *ctx, uint64_t dst, uint64_t src, size_t len);
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

static inline int bus_copy(const struct mem_bus *bus, uint64_t dst, uint64_t src, size_t len)
{
	uint8_t bounce[512];
	size_t n;
	int ret;

	if (bus->ops->copy)
		return bus->ops->copy(bus->ctx, dst, src, len);
	for (; len; len -= n, src += n, dst += n) {
		n = len < sizeof(bounce) ? len : sizeof(bounce);
		ret = bus_read(bus, src, bounce, n);
		if (!ret)
			ret = bus_write(bus, dst, bounce, n);
		if (ret)
			return ret;
	}
	return 0;
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

/*
 * Where a block's diagnostic messages go: a hook of the embedder's, per
 * instance (the types are the stateless ones of include/sva/log.h). Without
 * a hook the model says nothing. A model reports what the software or a
 * device did that the architecture calls an error (a command error, a
 * global error), as a VMM logs guest errors; it never decides whether
 * anyone sees it.
 */
struct log_sink {
	sva_log_fn fn;
	void *ctx;
};

/* Format one message for @sink (a no-op without a hook). @origin names the block. */
void hw_log(const struct log_sink *sink, enum sva_log_level level, const char *origin,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A device's MMIO register window, as software sees it: offsets from the
 * window base. The OS side reaches a device's registers only through this
 * (the way a kernel uses readl/writel), so a driver never depends on which
 * model implements them. 64-bit accessors are single-copy atomic.
 */
struct mmio_ops {
	uint32_t (*read32)(void *ctx, uint64_t offset);
	void (*write32)(void *ctx, uint64_t offset, uint32_t val);
	uint64_t (*read64)(void *ctx, uint64_t offset);
	void (*write64)(void *ctx, uint64_t offset, uint64_t val);
};

struct mmio_region {
	const struct mmio_ops *ops;
	void *ctx;
};

static inline uint32_t mmio_read32(const struct mmio_region *r, uint64_t offset)
{
	return r->ops->read32(r->ctx, offset);
}

static inline void mmio_write32(const struct mmio_region *r, uint64_t offset, uint32_t val)
{
	r->ops->write32(r->ctx, offset, val);
}

static inline uint64_t mmio_read64(const struct mmio_region *r, uint64_t offset)
{
	return r->ops->read64(r->ctx, offset);
}

static inline void mmio_write64(const struct mmio_region *r, uint64_t offset, uint64_t val)
{
	r->ops->write64(r->ctx, offset, val);
}

#endif /* HW_BUS_H */
