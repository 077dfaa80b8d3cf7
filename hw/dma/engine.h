/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA engines (prefix dma_): work-queue devices that fill, copy and compare
 * memory in a process's address space (PASID) through a device function
 * (hw/pcie/endpoint.h). Software talks to an engine only through its MMIO
 * registers, the descriptor ring and completion records in memory, and its
 * interrupt (hw/dma/regs.h has the layouts).
 *
 * Each engine has its own thread: a doorbell (TAIL write) wakes it; it
 * fetches descriptors in order and processes each page by page: translate
 * (ATC / ATS / PRI, or the SMMU directly), move the bytes at the physical
 * address, end the read section, next page. Several engines may share one
 * function (they then share its ATC and PRI credits) or have their own.
 */
#ifndef HW_DMA_ENGINE_H
#define HW_DMA_ENGINE_H

#include <stdint.h>

#include "hw/bus.h"
#include "hw/dma/regs.h"
#include "hw/pcie/endpoint.h"

struct dma_engine;

struct dma_engine_config {
	struct irq_line irq;		/* completion interrupt (RCI) */
	unsigned int pri_group_max;	/* pages per PRI group on a fault (default 4) */
	bool ring_translated;		/* fetch the ring by PASID-less DMA through the
					   function (default: at its physical address) */
};

struct dma_engine_stats {
	uint64_t descriptors;		/* completed (any status) */
	uint64_t bytes;			/* moved or compared */
	uint64_t page_faults;		/* faults seen (resolved or reported) */
	uint64_t prg_groups;		/* page request groups sent */
	uint64_t errors;		/* completions with INVALID or ERROR */
	uint64_t cr_lost;		/* completion records that could not be written */
	uint64_t interrupts;
	uint64_t aborted;		/* completions with ABORTED (DMA_CMD_ABORT_PASID) */
};

/* Create an engine of function @ep and start its thread. NULL on error. */
struct dma_engine *dma_engine_create(struct ep *ep, const struct dma_engine_config *cfg);
/* Stop the thread (after the descriptor in progress) and free. NULL: no-op. */
void dma_engine_destroy(struct dma_engine *e);

/* The register window, as software reaches it. */
struct mmio_region dma_engine_mmio(struct dma_engine *e);
uint32_t dma_mmio_read32(struct dma_engine *e, uint64_t off);
uint64_t dma_mmio_read64(struct dma_engine *e, uint64_t off);
void dma_mmio_write32(struct dma_engine *e, uint64_t off, uint32_t val);
void dma_mmio_write64(struct dma_engine *e, uint64_t off, uint64_t val);

/* Ring the doorbell: TAIL = @tail. */
static inline void dma_doorbell(struct dma_engine *e, uint32_t tail)
{
	dma_mmio_write32(e, DMA_REG_TAIL, tail);
}

/*
 * Wait until the engine is idle or halted, at most @timeout_ms (what a
 * driver's bounded poll of STATUS does). 0, or -ETIMEDOUT.
 */
int dma_engine_wait_idle(struct dma_engine *e, unsigned int timeout_ms);
/*
 * Wait until CMD_STATUS.ACTIVE is clear, at most @timeout_ms (a driver's
 * bounded poll of CMD_STATUS). 0, or -ETIMEDOUT.
 */
int dma_engine_wait_cmd(struct dma_engine *e, unsigned int timeout_ms);

void dma_engine_get_stats(struct dma_engine *e, struct dma_engine_stats *st);

#endif /* HW_DMA_ENGINE_H */
