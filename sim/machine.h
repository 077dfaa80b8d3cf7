/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A whole machine: physical memory, CPUs, the SMMU, PCIe endpoints and
 * platform devices with DMA engines (hw/), and the software that runs on
 * it (os/): address spaces, the IOMMU core and the arm-smmu-v3 driver.
 * Built from a scenario's machine description; the software boots by
 * probing the SMMU from its registers.
 *
 * This is the interface the scenario interpreter, the workload and the
 * stress oracle drive. Every function returns 0 or a negative errno and,
 * where a user needs to know why, writes one line into @why.
 *
 * Concurrency: setup calls (create, device_add, queue_add, process_create,
 * bind, unbind, exit, reset_counters) come from one thread. Calls acting
 * for a process (mmap, munmap, mprotect, cpu_*, clear_refs) and DMA on a
 * queue may run concurrently from different threads as long as each
 * process and each queue has one thread at a time and no two processes
 * share a CPU (cpus >= processes). Unbind and exit may run while other
 * threads have DMA in flight on any queue (that is what they promise
 * about, below); the other setup calls need everything else to be quiet.
 */
#ifndef SIM_MACHINE_H
#define SIM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

struct machine;

/* Trace sink for `sva run -v`: one line of text, without newline. */
typedef void (*machine_log_fn)(void *ctx, const char *line);

struct trace;

/*
 * Send what happens to @t (sim/trace.h): set it right after machine_create(),
 * before any device works. 0, or -EBUSY if a trace is already set. The
 * caller closes @t after machine_destroy().
 */
int machine_set_trace(struct machine *m, struct trace *t);

struct machine *machine_create(const struct scn_machine *cfg, char *why, size_t whylen);
void machine_destroy(struct machine *m);
void machine_set_log(struct machine *m, machine_log_fn fn, void *ctx);

/* Processes: an address space with a thread on a CPU. Returns the index. */
int machine_process_create(struct machine *m, char *why, size_t whylen);
int machine_mmap(struct machine *m, int proc, uint64_t addr, uint64_t size, unsigned int prot,
		 bool populate, char *why, size_t whylen);
int machine_munmap(struct machine *m, int proc, uint64_t addr, uint64_t size,
		   char *why, size_t whylen);
int machine_mprotect(struct machine *m, int proc, uint64_t addr, uint64_t size,
		     unsigned int prot, char *why, size_t whylen);
/*
 * The process's CPU writes @len bytes of @byte at @addr (faulting pages in).
 * -EFAULT with *@fault_addr set when an access cannot be resolved.
 */
int machine_cpu_fill(struct machine *m, int proc, uint64_t addr, uint64_t len, uint8_t byte,
		     uint64_t *fault_addr);
/* Reads back; 1 with *@where set at the first mismatching byte, 0 if all match. */
int machine_cpu_check(struct machine *m, int proc, uint64_t addr, uint64_t len, uint8_t byte,
		      uint64_t *where);
/* The process's CPU reads @len bytes into @buf; -EFAULT with *@fault_addr set as for fill. */
int machine_cpu_read(struct machine *m, int proc, uint64_t addr, void *buf, uint64_t len,
		     uint64_t *fault_addr);
int machine_clear_refs(struct machine *m, int proc, uint64_t addr, uint64_t size,
		       char *why, size_t whylen);
int machine_exit(struct machine *m, int proc, char *why, size_t whylen);
/* A field of the process's PTE for @addr: valid af dirty write. */
int machine_pte_field(struct machine *m, int proc, uint64_t addr, const char *field,
		      uint64_t *val, char *why, size_t whylen);
/* The process's current CPU ASID. */
int machine_process_asid(struct machine *m, int proc, uint64_t *asid);
/*
 * The same with what the ASID allocator holds for it: whether its ASID is of
 * the current generation and whether it is pinned (bound with a shared ASID).
 * No two processes that are current or pinned may have the same ASID.
 */
int machine_process_asid_state(struct machine *m, int proc, uint64_t *asid, bool *current,
			       bool *pinned);

/* Devices. Returns the device index. */
int machine_device_add(struct machine *m, const char *name, const struct scn_device *d,
		       char *why, size_t whylen);

/* SVA. bind returns a handle index and the PASID; -EOPNOTSUPP etc. with @why. */
int machine_bind(struct machine *m, int dev, int proc, uint32_t *pasid, char *why, size_t whylen);
/*
 * Unbind and exit: what they promise.
 *
 * machine_unbind() first stops the device's work for the PASID, as a Linux
 * device driver must before iommu_sva_unbind_device(): every DMA queue of
 * the device is told to abort the PASID (hw/dma/regs.h, DMA_CMD_ABORT_PASID)
 * and waited for. A descriptor of the PASID submitted before the call and
 * still in progress stops before its next access (a page request or stall
 * it waits on is answered first); one not started yet never starts. Either
 * completes with SCN_OUT_ABORTED. Only then does the unbind reach the IOMMU
 * (the CD is cleared, faults drained, the PASID released). So once it
 * returns 0, nothing submitted before reaches the process through that
 * PASID, and when the PASID is handed to another process (after the
 * process's exit) none of that work reaches the new owner either. The
 * last handle of a (device, process) pair is the one that stops the PASID:
 * binding a pair twice shares one bond. On -ETIMEDOUT or -EIO (a queue
 * did not stop) the handle stays bound.
 *
 * What the caller keeps: DMA submitted with the PASID after unbind was
 * called (or by a device with a PASID it was never given, `DEV:PASID`)
 * is the caller's; it is not stopped.
 *
 * machine_exit() stops the process's work the same way on every device
 * bound to it before its address space is torn down; the handles stay bound
 * (DMA through them then faults: the CD is quiet) until unbind.
 */
int machine_unbind(struct machine *m, int handle, char *why, size_t whylen);
uint32_t machine_handle_pasid(struct machine *m, int handle);
int machine_handle_device(struct machine *m, int handle);

/* One DMA work descriptor. */
struct machine_dma {
	int dev;
	int queue;			/* the device's DMA engine: 0, or from machine_queue_add() */
	bool pasid_valid;
	uint32_t pasid;
	enum scn_dma_kind kind;
	uint64_t addr, addr2, len;
	uint8_t byte;
};

struct machine_dma_result {
	enum scn_outcome outcome;	/* OK, FAULT or MISMATCH */
	uint64_t addr;			/* fault or mismatch address */
};

/*
 * Submit @op to its queue and wait for its completion (at most a minute).
 * The outcome is OK, FAULT or MISMATCH; or ABORTED when an unbind or exit
 * stopped it (only when those race the DMA from another thread).
 */
int machine_dma(struct machine *m, const struct machine_dma *op, struct machine_dma_result *res,
		char *why, size_t whylen);

/*
 * Another DMA engine (work queue) on device @dev's function: it shares the
 * function's ATC and PRI credits, and has its own ring and completion
 * record. Returns the queue index. Like every setup call, not concurrent.
 */
int machine_queue_add(struct machine *m, int dev, char *why, size_t whylen);
/*
 * The two halves of machine_dma(): ring the doorbell, then wait for the
 * completion. One descriptor in flight per queue (-EBUSY otherwise).
 */
int machine_dma_submit(struct machine *m, const struct machine_dma *op, char *why, size_t whylen);
int machine_dma_complete(struct machine *m, int dev, int queue, struct machine_dma_result *res,
			 char *why, size_t whylen);

/* The CD the SMMU holds for the handle's PASID, one decoded field. */
int machine_cd_field(struct machine *m, int handle, const char *field, uint64_t *val,
		     char *why, size_t whylen);

/* Counters by name (SCENARIO.md), since creation or the last reset. -ENOENT if unknown. */
int machine_counter(struct machine *m, const char *name, uint64_t *val);
void machine_reset_counters(struct machine *m);

/*
 * I/O page-fault latency since creation or the last reset: from a fault's
 * record in the PRI or event queue to the command answering it
 * (sim/fault_latency.h).
 */
struct fault_latency_summary;
void machine_fault_latency(struct machine *m, struct fault_latency_summary *s);

/* ---- Introspection (`sva info`, the stress oracle) ---------------------------- */

struct arm_smmu_device;

/* What the machine was built with, beside its scenario configuration. */
struct machine_limits {
	unsigned int cpus;
	unsigned int cpu_tlb_entries;	/* per CPU */
	unsigned int cpu_asid_bits;	/* the CPUs' ASIDs */
	unsigned int cpu_pa_bits;	/* the CPUs' physical addresses */
	unsigned int smmu_tlb_entries;
	unsigned int page_shift;	/* CPU and SVA granule */
	unsigned int stall_max;		/* stalls the model can hold (IDR5.STALL_MAX with stall=on) */
	/*
	 * Over the machine's life (ids are never reused; exits and unbinds
	 * free what they held, so the number alive at once is bounded only
	 * by memory, ASIDs and PASIDs).
	 */
	unsigned int max_procs;		/* machine_process_create() calls, ever */
	unsigned int max_devs;
	unsigned int max_handles;	/* successful machine_bind() calls, ever */
};

/* A 32-bit SMMU register as software reads it (ID registers are read-only). */
uint32_t machine_smmu_reg(struct machine *m, uint32_t off);
/* The arm-smmu-v3 driver's view: features, options and sizes it chose at probe. */
const struct arm_smmu_device *machine_smmu_driver(const struct machine *m);
void machine_get_limits(const struct machine *m, struct machine_limits *l);

#endif /* SIM_MACHINE_H */
