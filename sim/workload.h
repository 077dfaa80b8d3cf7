/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The default workload (`sva bench`): N processes, each on a CPU of its own
 * and run by a thread of its own, bound to the same M devices (so every
 * device serves every process, one PASID per process). Each process loops:
 * DMA copies between buffers of its address space on each of its devices
 * over demand-faulted memory (buffers are mapped without populate and
 * periodically unmapped and mapped again, so pages fault in again through
 * PRI or stalls), while the same thread changes other parts of its address
 * space (mmap/munmap, mprotect toggles, CPU writes and checks). Every DMA
 * result is checked: a copy by the CPU reading its destination, a fault
 * only where the range was unmapped or read-only at that moment. Some
 * DMA races munmap of its own range: it may end either way, but a range
 * mapped again must read zero, and the copies must stay right, so a device
 * write that outlived munmap (into freed frames) is caught.
 *
 * Queues: each (device, process) pair has a DMA engine of its own on the
 * device's function (as an accelerator's work queue per client), so
 * processes never serialise on a device; they share its ATC and PRI
 * credits, and the SMMU, as they would. A second queue per process on one
 * device carries the DMA that races munmap.
 */
#ifndef SIM_WORKLOAD_H
#define SIM_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#define WL_MAX_PROCESSES	32
#define WL_MAX_DEVICES		8
#define WL_NR_OPCODES		256
#define WL_NR_EVENTS		256

enum wl_fault_mode {
	WL_FAULT_PRI,		/* PCIe functions with ATS and PRI, memory on demand */
	WL_FAULT_STALL,		/* platform devices that stall, memory on demand */
	WL_FAULT_PREFAULT,	/* PCIe functions (platform stall devices without ATS),
				   memory populated at mmap */
};

struct wl_config {
	unsigned int processes;		/* N */
	unsigned int devices;		/* M */
	uint64_t size;			/* bytes per copy */
	enum wl_fault_mode fault_mode;
	bool btm, ats, asid_private;
	double duration;		/* seconds */
	unsigned int page_shift;	/* 12, 14 or 16 */
	uint64_t seed;
	/* Iterations each process completes even past the duration (0: none). */
	unsigned int min_iterations;
	/* Called about ten times a second from the waiting thread (may be NULL). */
	void (*progress)(void *ctx, double done_fraction);
	void *progress_ctx;
};

struct wl_latency {
	uint64_t count, p50_ns, p99_ns, max_ns;
	uint64_t untimed;		/* answered before the SMMU reported them */
};

struct wl_result {
	double seconds;			/* wall time of the measured run */
	uint64_t copies;		/* DMA copies completed and checked */
	uint64_t dma_ops;		/* every DMA descriptor completed */
	uint64_t dma_bytes;		/* bytes moved by successful DMA */
	uint64_t cpu_checks, remaps, mmaps, munmaps, mprotects;
	uint64_t expected_faults;	/* DMA faults on ranges unmapped or read-only */
	uint64_t races, race_faults;	/* DMA racing munmap of its range; those that faulted */
	uint64_t unexpected_faults;	/* DMA faults on mapped, writable ranges */
	uint64_t unexpected_successes;	/* DMA that reached unmapped or read-only memory */
	uint64_t mismatches;		/* copies whose destination was wrong */
	uint64_t errors;		/* calls that failed (timeouts, -ENOMEM ...) */
	/* From the hardware and the software. */
	uint64_t translations, atc_hits;	/* the devices' (endpoint statistics) */
	uint64_t smmu_transactions, tlb_misses;	/* SMMU PMCG */
	uint64_t page_requests, stalls;		/* I/O page faults reported */
	struct wl_latency iopf_latency;
	uint64_t commands[WL_NR_OPCODES];	/* by opcode */
	uint64_t events[WL_NR_EVENTS];		/* by event ID */
	char first_problem[160];		/* the first unexpected outcome, if any */
};

void wl_config_default(struct wl_config *cfg);

/*
 * Build the machine, run the workload for cfg->duration seconds, tear it
 * down. 0 with @res filled (check res->unexpected_* and mismatches), or a
 * negative errno with one line in @why when the machine could not be set
 * up.
 */
int wl_run(const struct wl_config *cfg, struct wl_result *res, char *why, size_t whylen);

/* A command's or event's name ("CMD_TLBI_NH_VA", "F_TRANSLATION"), NULL if none. */
const char *wl_command_name(unsigned int opcode);
const char *wl_event_name(unsigned int id);

/* Everything that must be zero for a correct run. */
static inline uint64_t wl_unexpected(const struct wl_result *r)
{
	return r->unexpected_faults + r->unexpected_successes + r->mismatches + r->errors;
}

#endif /* SIM_WORKLOAD_H */
