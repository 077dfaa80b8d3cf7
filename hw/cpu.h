/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPUs' MMUs: N AArch64 CPUs, each with TTBR0_EL1 (table base + ASID),
 * TCR_EL1 and MAIR_EL1, a TLB tagged by ASID (nG == 0 entries are global),
 * loads and stores through the MMU, and TLB maintenance: by VA+ASID, by VA
 * for all ASIDs, by ASID, all; each either local or inner-shareable
 * broadcast. A broadcast TLBI is a DVM message: it reaches every CPU and
 * every registered DVM listener (the SMMU, for broadcast TLB maintenance).
 *
 * A CPU is driven by one software thread at a time (the thread "running on"
 * it); other threads may broadcast TLBIs to it concurrently. The TLBI + DSB
 * guarantee is exact: when cpu_dsb() returns after a broadcast TLBI, no CPU
 * and no listener still holds a matching entry or is performing an access
 * that used one.
 */
#ifndef HW_CPU_H
#define HW_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/walk.h"

struct cpu;
struct cpu_cluster;

/* A TLB maintenance operation as it travels over DVM (Arm ARM D8.13). */
enum dvm_tlbi_op {
	DVM_TLBI_VA,		/* TLBI VAE1 / VALE1: by VA, for one ASID (+ global entries) */
	DVM_TLBI_VAA,		/* TLBI VAAE1 / VAALE1: by VA, all ASIDs */
	DVM_TLBI_ASID,		/* TLBI ASIDE1: all non-global entries of one ASID */
	DVM_TLBI_ALL,		/* TLBI VMALLE1: everything */
};

struct dvm_tlbi {
	enum dvm_tlbi_op op;
	uint16_t asid;
	uint64_t va;		/* VA of the first page (page aligned) */
	uint64_t size;		/* bytes covered, from va (range TLBI); one page if 0 */
	bool leaf;		/* last level only (VALE1) */
	bool el2;		/* EL2&0 regime (E2H host) rather than EL1&0 */
};

/*
 * A DVM listener. tlbi() receives each broadcast TLBI; sync() is the DSB
 * that follows: it returns only when every earlier tlbi() delivered to this
 * listener has taken full effect. Both run on the issuing CPU's thread,
 * with no CPU lock held, and must not add or remove listeners. Once
 * cpu_cluster_del_dvm_listener() returns, neither is running or will run
 * again for that listener (matched by its three fields).
 */
struct dvm_listener {
	void (*tlbi)(void *ctx, const struct dvm_tlbi *op);
	void (*sync)(void *ctx);
	void *ctx;
};

/*
 * Called on the faulting CPU's thread when an access faults; returns 0 to
 * retry the access, or a negative errno to fail it (a SIGSEGV in Linux).
 */
typedef int (*cpu_fault_handler_t)(void *ctx, struct cpu *cpu, uint64_t va,
				   unsigned int acc, const struct walk_result *res);

struct cpu_cluster_cfg {
	unsigned int nr_cpus;
	unsigned int tlb_entries;	/* per CPU */
	unsigned int asid_bits;		/* 8 or 16 (TCR_EL1.AS) */
	unsigned int pa_bits;		/* ID_AA64MMFR0_EL1.PARange */
	bool hafdbs;			/* FEAT_HAFDBS: the CPUs update AF and dirty */
	/*
	 * The OS runs at EL2 with HCR_EL2.E2H (VHE): the CPUs' TLB entries
	 * belong to the EL2&0 regime, so only TLBIs with dvm_tlbi.el2 set
	 * match them. Default (false): EL1&0, matched by el2 == false.
	 */
	bool vhe;
};

/* Create the CPUs over @bus. NULL on allocation failure or bad config. */
struct cpu_cluster *cpu_cluster_create(const struct cpu_cluster_cfg *cfg,
				       const struct mem_bus *bus);
void cpu_cluster_destroy(struct cpu_cluster *cl);
unsigned int cpu_cluster_nr(const struct cpu_cluster *cl);
/*
 * What the OS reads from the CPUs instead of being told: whether it runs at
 * EL2 with HCR_EL2.E2H (CurrentEL, Linux's is_kernel_in_hyp_mode()), and
 * whether the CPUs implement FEAT_HAFDBS (ID_AA64MMFR1_EL1.HAFDBS). Every
 * piece of software that depends on the regime asks here, so the CPUs, the
 * mm and the SMMU driver cannot disagree about it.
 */
bool cpu_cluster_is_vhe(const struct cpu_cluster *cl);
bool cpu_cluster_has_hafdbs(const struct cpu_cluster *cl);
struct cpu *cpu_get(struct cpu_cluster *cl, unsigned int idx);
unsigned int cpu_index(const struct cpu *cpu);

/* Register / remove a DVM listener (returns 0, -ENOSPC or -ENOENT). */
int cpu_cluster_add_dvm_listener(struct cpu_cluster *cl, const struct dvm_listener *l);
int cpu_cluster_del_dvm_listener(struct cpu_cluster *cl, const struct dvm_listener *l);

void cpu_set_fault_handler(struct cpu_cluster *cl, cpu_fault_handler_t fn, void *ctx);

/*
 * System registers. The translation regime of a CPU is its walk_cfg
 * (TCR_EL1 decoded + TTBR0_EL1.BADDR) and its current ASID. The OS writes
 * them on a context switch; setting a new TTBR0 does not invalidate the TLB
 * (entries are ASID tagged), exactly as on hardware.
 */
void cpu_set_ttbr0(struct cpu *cpu, uint64_t ttb, uint16_t asid);
void cpu_set_tcr(struct cpu *cpu, const struct walk_cfg *tcr);
uint16_t cpu_asid(const struct cpu *cpu);

/*
 * Loads and stores of @len bytes at @va through the MMU, page by page. A
 * fault calls the fault handler and retries; if the handler fails, the
 * access stops and the function returns its errno (bytes before the fault
 * are done). @acc carries WALK_ACC_PRIV for a kernel access (and
 * WALK_ACC_EXEC for an instruction fetch, cpu_read() only).
 *
 * Returns 0, the handler's errno, -EFAULT when there is no handler, when
 * the same page faults CPU_FAULT_RETRIES times in a row although the
 * handler said "retry", or when the physical address is not backed (an
 * external abort), and -EINVAL for bad arguments (len 0, a range wrapping
 * around the top of the address space, unknown @acc bits, NULL buffer).
 */
#define CPU_FAULT_RETRIES	64
int cpu_read(struct cpu *cpu, uint64_t va, void *buf, size_t len, unsigned int acc);
int cpu_write(struct cpu *cpu, uint64_t va, const void *buf, size_t len, unsigned int acc);
int cpu_fill(struct cpu *cpu, uint64_t va, uint8_t byte, size_t len, unsigned int acc);

/* TLB maintenance issued by @cpu. @broadcast: inner-shareable (...IS) form. */
void cpu_tlbi(struct cpu *cpu, const struct dvm_tlbi *op, bool broadcast);
/* DSB ISH: wait for completion of this CPU's earlier broadcast TLBIs. */
void cpu_dsb(struct cpu *cpu);

/*
 * Per-CPU counters. accesses: translations of one page-sized step of a
 * load/store (= tlb_hits + tlb_misses; a write to a writable-clean entry
 * counts as a miss, it walks); walks: walk_stage1() calls; faults: faults
 * reported to the fault handler (or returned without one); tlbi_local /
 * tlbi_broadcast: operations this CPU issued; tlbi_received: broadcast
 * operations from other CPUs applied to this TLB; tlb_dropped: entries
 * removed by any TLBI.
 */
struct cpu_stats {
	uint64_t accesses, tlb_hits, tlb_misses, walks, faults, tlbi_local, tlbi_broadcast;
	uint64_t tlbi_received, tlb_dropped;
};
void cpu_get_stats(const struct cpu *cpu, struct cpu_stats *st);

/* Valid entries in @cpu's TLB right now (tests, statistics). */
unsigned int cpu_tlb_entries(const struct cpu *cpu);

#endif /* HW_CPU_H */
