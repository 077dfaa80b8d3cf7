/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The programming interface of the DMA engine device (hw/dma/engine.c), in
 * the spirit of Intel DSA: what a driver needs, bit-exact. Encodings only.
 *
 * MMIO registers (one 4 KB window per engine, little-endian):
 *
 *   0x00 CTRL       32 RW  [0] ENABLE. 0 -> 1 resets HEAD and TAIL to 0 and
 *                          clears HALTED. RING_BASE/RING_LOG2 are latched then.
 *   0x04 STATUS     32 RO  [0] ENABLED, [1] HALTED (a descriptor could not be
 *                          fetched; HEAD points at it), [2] IDLE (HEAD == TAIL,
 *                          nothing in progress)
 *   0x08 RING_BASE  64 RW  bus address of the ring (64-byte aligned; [5:0] ignored)
 *   0x10 RING_LOG2  32 RW  [3:0] log2 of the number of descriptors, 1..15
 *   0x14 TAIL       32 RW  the doorbell: free-running index one past the last
 *                          valid descriptor. Slot = index & (entries - 1).
 *                          A TAIL more than "entries" ahead of HEAD is ignored.
 *   0x18 HEAD       32 RO  free-running index of the next descriptor to fetch;
 *                          a descriptor is complete (record written) once HEAD
 *                          has moved past it.
 *   0x20 CMD        32 RW  a command to the engine: [19:0] PASID, [27:20] RES0,
 *                          [31:28] CODE (DMA_CMD_*). One at a time: a write while
 *                          CMD_STATUS.ACTIVE is set is ignored.
 *   0x24 CMD_STATUS 32 RO  [0] ACTIVE (the last command has not completed),
 *                          [15:8] ERR (DMA_CMD_ERR_*: why the last one was refused)
 *
 * DMA_CMD_ABORT_PASID is the engine's way to stop using a PASID, which a
 * PCIe function must have (PCIe r5.0 §6.20.1: a stop request completes once
 * the function queues no new requests for the PASID and has no request of
 * it outstanding, page requests included). A driver issues it on every
 * engine of the function before the PASID is unbound, and polls ACTIVE:
 *  - the descriptor in progress, if it has PV and the PASID, stops before
 *    its next access (after the response to a page request it is waiting
 *    for) and completes with DMA_CS_ABORTED, BYTES telling what it did;
 *  - every other descriptor with PV and the PASID between HEAD and TAIL
 *    (submitted before the command) is abandoned: when HEAD reaches it, it
 *    completes with DMA_CS_ABORTED and makes no access. The engine reads
 *    dw0 of each to tell; a slot it cannot read is abandoned too;
 *  - an aborted descriptor's completion record is written only with CRNP
 *    (never into the PASID's space); RCI interrupts are raised as usual;
 *  - ACTIVE clears when none of those descriptors can access memory any
 *    more: at once, unless one was in progress; then when it has stopped.
 * Descriptors submitted after the command, other PASIDs and PASID-less
 * work are not affected.
 *
 * The ring is read at its physical address (as descriptors written to a DSA
 * portal never pass the IOMMU), unless the engine was built with
 * ring_translated, where it is PASID-less DMA through the function (the
 * driver then maps it for the requester ID like a coherent buffer).
 * Everything a descriptor names (source, destination, completion record)
 * is in the descriptor's address space: its PASID if PV is set, else none;
 * CRNP moves the completion record to the PASID-less space.
 *
 * Descriptor: 64 bytes, 8 little-endian 64-bit words.
 *
 *   dw0 [7:0]   OPCODE   DMA_OP_*
 *       [8]     PV       PASID valid
 *       [9]     BOF      block on fault: fault pages in (PRI) and continue;
 *                        clear: stop at the fault and report it
 *       [10]    RCR      write a completion record
 *       [11]    RCI      raise the completion interrupt
 *       [12]    PRIV     privileged accesses (with PV, if PASID priv is enabled)
 *       [13]    CRNP     the completion record is written without a PASID, in the
 *                        function's own (requester ID) address space: a kernel
 *                        driver's completion area, valid even when the PASID's
 *                        address space is gone
 *       [31:14] RES0
 *       [51:32] PASID
 *       [63:52] RES0
 *   dw1         SRC      source address (COPY, COMPARE, CHECK)
 *   dw2         DST      destination address (FILL, COPY; second operand of COMPARE)
 *   dw3 [31:0]  LEN      bytes
 *       [39:32] PATTERN  FILL byte; the byte CHECK expects
 *       [63:40] RES0
 *   dw4         CRA      completion record address, 32-byte aligned when RCR
 *   dw5..dw7    RES0
 *
 * A descriptor with an unknown opcode or a non-zero RES0 field completes
 * with DMA_CS_INVALID and moves nothing.
 *
 * Completion record: 32 bytes, written by DMA; dw0 (with STATUS) last, so
 * a non-zero STATUS means the whole record is visible.
 *
 *   dw0 [7:0]   STATUS   DMA_CS_*
 *       [8]     FW       the fault was on the write (destination) side
 *       [23:16] OPCODE   echoed
 *   dw1         BYTES    bytes completed before the fault / mismatch / error / abort
 *   dw2         ADDR     faulting address (PAGE_FAULT, ERROR), or the source
 *                        address of the first differing byte (MISMATCH:
 *                        COMPARE SRC vs DST, CHECK SRC vs PATTERN); 0 (ABORTED)
 *   dw3         RES0
 */
#ifndef HW_DMA_REGS_H
#define HW_DMA_REGS_H

#include "arch/bitfield.h"

#define DMA_MMIO_SIZE		0x1000

#define DMA_REG_CTRL		0x00
#define DMA_CTRL_ENABLE		BIT(0)
#define DMA_REG_STATUS		0x04
#define DMA_STATUS_ENABLED	BIT(0)
#define DMA_STATUS_HALTED	BIT(1)
#define DMA_STATUS_IDLE		BIT(2)
#define DMA_REG_RING_BASE	0x08
#define DMA_RING_BASE_ADDR	GENMASK_ULL(63, 6)
#define DMA_REG_RING_LOG2	0x10
#define DMA_RING_LOG2		GENMASK(3, 0)
#define DMA_RING_LOG2_MAX	15
#define DMA_REG_TAIL		0x14
#define DMA_REG_HEAD		0x18
#define DMA_REG_CMD		0x20
#define DMA_CMD_PASID		GENMASK(19, 0)
#define DMA_CMD_RES0		GENMASK(27, 20)
#define DMA_CMD_CODE		GENMASK(31, 28)
#define DMA_REG_CMD_STATUS	0x24
#define DMA_CMD_STATUS_ACTIVE	BIT(0)
#define DMA_CMD_STATUS_ERR	GENMASK(15, 8)

enum dma_cmd {
	DMA_CMD_ABORT_PASID = 1,
};

enum dma_cmd_err {
	DMA_CMD_ERR_NONE = 0,
	DMA_CMD_ERR_INVALID = 1,	/* unknown CODE, or RES0 bits set */
};

#define DMA_DESC_SIZE		64
#define DMA_DESC_WORDS		8

#define DMA_DESC0_OP		GENMASK_ULL(7, 0)
#define DMA_DESC0_PV		BIT_ULL(8)
#define DMA_DESC0_BOF		BIT_ULL(9)
#define DMA_DESC0_RCR		BIT_ULL(10)
#define DMA_DESC0_RCI		BIT_ULL(11)
#define DMA_DESC0_PRIV		BIT_ULL(12)
#define DMA_DESC0_CRNP		BIT_ULL(13)
#define DMA_DESC0_PASID		GENMASK_ULL(51, 32)
#define DMA_DESC0_RES0		(GENMASK_ULL(31, 14) | GENMASK_ULL(63, 52))
#define DMA_DESC3_LEN		GENMASK_ULL(31, 0)
#define DMA_DESC3_PATTERN	GENMASK_ULL(39, 32)
#define DMA_DESC3_RES0		GENMASK_ULL(63, 40)

enum dma_op {
	DMA_OP_NOP = 0,
	DMA_OP_FILL = 1,
	DMA_OP_COPY = 2,
	DMA_OP_COMPARE = 3,	/* SRC against DST */
	DMA_OP_CHECK = 4,	/* SRC against PATTERN (reads only) */
	/*
	 * Every earlier descriptor of this engine is complete (the engine is
	 * in order); then, for a PCIe function with PRI and PV set, a PASID
	 * Stop Marker goes out. What a driver issues before unbinding a PASID.
	 */
	DMA_OP_DRAIN = 5,
};

#define DMA_CR_SIZE		32
#define DMA_CR_ALIGN		32
#define DMA_CR0_STATUS		GENMASK_ULL(7, 0)
#define DMA_CR0_FW		BIT_ULL(8)
#define DMA_CR0_OP		GENMASK_ULL(23, 16)

enum dma_cs {
	DMA_CS_NONE = 0,	/* not written yet */
	DMA_CS_SUCCESS = 1,
	DMA_CS_PAGE_FAULT = 2,	/* a translation faulted (and was not, or could not be, resolved) */
	DMA_CS_MISMATCH = 3,	/* COMPARE found a difference */
	DMA_CS_INVALID = 4,	/* malformed descriptor */
	DMA_CS_ERROR = 5,	/* aborted request, PRI failure or timeout, bus error */
	DMA_CS_ABORTED = 6,	/* DMA_CMD_ABORT_PASID stopped or abandoned it */
};

#endif /* HW_DMA_REGS_H */
