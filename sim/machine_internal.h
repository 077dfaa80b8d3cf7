/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine's insides, shared by its files: machine.c (building, booting,
 * counters, the SMMU's trace hook), machine_proc.c (processes and their
 * memory), machine_dev.c (devices, binds, DMA), machine_trace.c (--trace).
 */
#ifndef SIM_MACHINE_INTERNAL_H
#define SIM_MACHINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/cpu.h"
#include "hw/dma/engine.h"
#include "hw/mem.h"
#include "hw/pcie/endpoint.h"
#include "hw/smmu/smmu.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "os/iommu/iommu.h"
#include "os/lib/hashtable.h"
#include "os/mm/mm.h"
#include "os/pci/pci.h"
#include "sim/fault_latency.h"
#include "sim/irq_thread.h"
#include "sim/machine.h"
#include "sim/trace.h"

#define MACHINE_RAM_BASE	PHYS_MEM_DEFAULT_BASE
#define MACHINE_RAM_SIZE	PHYS_MEM_DEFAULT_SIZE
#define MACHINE_MAX_DEVS	64
#define MACHINE_CPU_TLB		256
#define MACHINE_CPU_PA_BITS	48
#define MACHINE_STALL_MAX	64
#define MACHINE_DEV_QUEUES	72	/* DMA engines per device: 1 + 2 per workload process */

enum machine_irq { IRQ_EVTQ, IRQ_PRIQ, IRQ_GERROR, IRQ_CMD_SYNC, NR_MACHINE_IRQS };

/* Counters kept by the machine itself. */
struct machine_counts {
	uint64_t events[256];		/* event records by EVT_ID */
	uint64_t dvm_tlbi;		/* broadcast TLBIs the SMMU saw */
};

/* --trace tracks: the SMMU queues, the driver's CMD_SYNC waits, one per device. */
#define TRACE_TID_CMDQ		1
#define TRACE_TID_EVTQ		2
#define TRACE_TID_SYNC		3
#define TRACE_TID_DEV0		10

/*
 * A live process, found by its id (m->procs). Ids are handed out in order
 * and never reused, so a stale id names no process rather than another
 * one; the entry is freed when the process exits.
 */
struct machine_proc {
	struct htable_node node;
	int id;
	struct mm *mm;
	unsigned int cpu;
};

/*
 * A DMA engine of a device with its descriptor ring and completion record.
 * One submitter at a time per queue: the thread that owns it.
 */
struct machine_queue {
	struct dma_engine *dma;
	uint64_t ring_pa;		/* descriptor ring, mapped at IOVA == PA */
	unsigned int ring_order;
	uint32_t tail;
	uint64_t cr_pa;			/* completion record (no-PASID space) */
	bool busy;			/* a descriptor submitted, not completed */
};

struct machine_dev {
	char name[SCN_NAME_MAX];
	struct scn_device cfg;
	uint32_t sid;
	struct ep *ep;
	struct pci_dev pdev;
	struct arm_smmu_master *master;
	struct iommu_domain *domain;	/* private DMA domain (no PASID) */
	struct device dev;		/* the iommu core's view */
	bool dev_ready;
	/* Queue 0 serves machine_dma(); more come from machine_queue_add(). */
	struct machine_queue q[MACHINE_DEV_QUEUES];
	unsigned int nr_q;
};

/* A live bind, found by its id (m->handles; ids as for processes), freed at unbind. */
struct machine_handle {
	struct htable_node node;
	int id;
	int dev, proc;
	uint32_t pasid;
	struct iommu_sva *bond;
};

struct machine {
	struct scn_machine cfg;
	struct phys_mem mem;
	struct cpu_cluster *cpus;
	struct smmu *smmu;
	struct dvm_listener dvm;	/* counts, then forwards to the SMMU */
	const struct dvm_listener *smmu_dvm;
	struct irq_thread irq[NR_MACHINE_IRQS];

	struct frame_pool *frames;
	struct asid_allocator *asids;
	struct mm_system mm;
	bool mm_ready;
	struct iommu_core iommu;
	bool iommu_ready;
	struct arm_smmu_device *drv;
	bool sva_ready;

	struct htable procs;		/* struct machine_proc by id */
	int next_proc_id;
	struct machine_dev *devs[MACHINE_MAX_DEVS];
	unsigned int nr_devs;
	struct htable handles;		/* struct machine_handle by id */
	int next_handle_id;

	struct machine_counts counts;	/* atomic */
	struct trace *trace;		/* --trace, or NULL */
	struct fault_latency flat;	/* I/O page-fault latency, fed by smmu_trace() */
	machine_log_fn log;
	void *log_ctx;
	/* Counter values at the last reset, by name (see machine_counter()). */
	unsigned int nr_base;
	struct {
		char name[40];
		uint64_t val;
	} base[512];
};

/* Write a one-line reason into @why (if any). */
void machine_say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* machine_proc.c */
int machine_procs_init(struct machine *m);
/* Every process exits; the table goes. */
void machine_procs_fini(struct machine *m);
struct machine_proc *machine_proc_get(struct machine *m, int p, char *why, size_t whylen);
void machine_proc_enter(struct machine *m, struct machine_proc *p);

/* machine_dev.c */
int machine_handles_init(struct machine *m);
/* Every handle is unbound; the table goes. */
void machine_handles_fini(struct machine *m);
/* The live handle @id, or NULL. */
struct machine_handle *machine_handle_get(struct machine *m, int id);
/* Iterate over the live handles: start with NULL; NULL at the end. */
struct machine_handle *machine_handle_next(struct machine *m, struct machine_handle *prev);
void machine_device_remove(struct machine *m, struct machine_dev *d);
int machine_device_stop_pasid(struct machine *m, struct machine_dev *d, uint32_t pasid,
			      char *why, size_t whylen);

/* machine_trace.c: what the trace is told (each a no-op without --trace). */
void machine_trace_record(struct machine *m, enum smmu_trace_kind kind, const uint64_t *raw,
			  unsigned int n);
void machine_trace_device(struct machine *m, unsigned int idx);
void machine_trace_dma(struct machine *m, const struct machine_dev *d,
		       const struct machine_dma *op, const struct machine_dma_result *res,
		       uint64_t start_ns, uint64_t end_ns);

#endif /* SIM_MACHINE_INTERNAL_H */
