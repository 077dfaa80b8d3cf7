/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct smmu: the state of one SMMU instance, shared by the files of
 * hw/smmu. FRONT (core.c, regs.c, cmdq.c, evtq.c, priq.c, pmcg.c) owns the
 * register file, the queues and the interrupt outputs; BACK's translation
 * state hangs off smmu->xlate and is opaque here.
 *
 * Concurrency: MMIO writes are serialised by regs_lock (a CR0 write and
 * its effect happen as one step, then CR0ACK shows it). Registers that
 * other threads read (CR0, CR2, GBPA, STRTAB_*, queue indexes, GERROR)
 * are atomics, so readers on the translation path take no lock. Each queue
 * has its own lock for its producer or consumer side.
 */
#ifndef HW_SMMU_INTERNAL_H
#define HW_SMMU_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/smmuv3.h"
#include "hw/bus.h"
#include "hw/smmu/smmu.h"

struct smmu_xlate;

/* An interrupt source's MSI configuration (SMMU_*_IRQ_CFG0..2). */
struct smmu_msi_cfg {
	_Atomic uint64_t cfg0;		/* ADDR */
	_Atomic uint32_t cfg1;		/* DATA */
	_Atomic uint32_t cfg2;		/* MemAttr, SH (LO for PRIQ) */
};

/*
 * A queue in memory: BASE as programmed, PROD and CONS registers. For the
 * command queue the SMMU is the consumer, for the event and PRI queues the
 * producer. log2 is min(BASE.LOG2SIZE, IDR1 limit), fixed while enabled.
 */
struct smmu_queue {
	_Atomic uint64_t base;		/* SMMU_*Q_BASE register value */
	_Atomic uint32_t prod;		/* register value incl. wrap and OVFLG */
	_Atomic uint32_t cons;		/* register value incl. wrap, ERR/OVACKFLG */
	unsigned int max_log2;		/* IDR1 limit */
	struct smmu_msi_cfg msi;
};

#define SMMU_PMCG_SHARDS	16

struct smmu_pmcg_shard {
	_Atomic uint64_t ev[SMMU_PMCG_NR_EVENTS];
} __attribute__((aligned(64)));

struct smmu {
	struct smmu_config cfg;
	struct mem_bus bus;

	/* ID registers, computed once from cfg (core.c). */
	uint32_t idr[6];
	uint32_t iidr;
	uint32_t aidr;

	/* Register file. Written under regs_lock; read lock-free. */
	pthread_mutex_t regs_lock;
	_Atomic uint32_t cr0;
	_Atomic uint32_t cr0ack;
	_Atomic uint32_t cr1;
	_Atomic uint32_t cr2;
	_Atomic uint32_t gbpa;
	_Atomic uint32_t irq_ctrl;
	_Atomic uint32_t irq_ctrlack;
	_Atomic uint32_t gerror;	/* toggled by the SMMU, under gerror_lock */
	_Atomic uint32_t gerrorn;	/* toggled by software, under gerror_lock */
	pthread_mutex_t gerror_lock;	/* leaf lock: taken under any other */
	struct smmu_msi_cfg gerror_msi;
	/* STRTAB_BASE and _CFG change together under strtab_seq (seqcount). */
	_Atomic uint64_t strtab_base;
	_Atomic uint32_t strtab_cfg;
	_Atomic uint32_t strtab_seq;

	struct smmu_queue cmdq;
	struct smmu_queue evtq;
	struct smmu_queue priq;

	/* Command consumer thread (cmdq.c). */
	pthread_t cmdq_thread;
	pthread_mutex_t cmdq_lock;	/* orders wake-ups against the consumer's check */
	pthread_cond_t cmdq_cond;	/* kicked by PROD, CR0, GERRORN writes, destroy */
	pthread_mutex_t cmdq_consume_lock;	/* held by whoever consumes (thread or PROD writer) */
	_Atomic bool stopping;		/* smmu_destroy() in progress */
	_Atomic uint64_t cmd_count[CMD_OP_NR];

	/* Event and PRI queue producers (evtq.c, priq.c). */
	pthread_mutex_t evtq_lock;
	pthread_cond_t evtq_space;	/* an unrecorded stall waits for a writable queue */
	unsigned int evtq_waiters;	/* producers waiting on evtq_space */
	pthread_mutex_t priq_lock;

	/* Interrupt outputs; set before traffic starts. */
	struct irq_line irq[SMMU_NR_IRQS];

	/* -v trace hook. */
	smmu_trace_fn trace_fn;
	void *trace_ctx;
	/* Diagnostic messages (smmu_set_log()); set before traffic starts. */
	struct log_sink log;

	/*
	 * PMCG counts, sharded so that translating threads (every one counts
	 * a transaction) do not share a cache line; a read sums the shards.
	 */
	struct smmu_pmcg_shard pmcg[SMMU_PMCG_SHARDS];
	uint64_t clock_epoch_ns;	/* CLOCK_MONOTONIC at creation: the PMCG's cycle count */

	/* BACK's translation side (xlate.h). */
	struct smmu_xlate *xlate;
};

/* ---- Register views for BACK (lock-free) ------------------------------- */

static inline bool smmu_enabled(const struct smmu *smmu)
{
	return atomic_load(&smmu->cr0) & SMMU_CR0_SMMUEN;
}

static inline bool smmu_ats_check(const struct smmu *smmu)
{
	return atomic_load(&smmu->cr0) & SMMU_CR0_ATSCHK;
}

static inline bool smmu_e2h(const struct smmu *smmu)
{
	return atomic_load(&smmu->cr2) & SMMU_CR2_E2H;
}

static inline bool smmu_ptm(const struct smmu *smmu)
{
	return atomic_load(&smmu->cr2) & SMMU_CR2_PTM;
}

static inline bool smmu_recinvsid(const struct smmu *smmu)
{
	return atomic_load(&smmu->cr2) & SMMU_CR2_RECINVSID;
}

/* CR2.REC_CFG_ATS (RES0 without IDR0.ATSRECERR): record ATS configuration errors. */
static inline bool smmu_rec_cfg_ats(const struct smmu *smmu)
{
	return atomic_load(&smmu->cr2) & SMMU_CR2_REC_CFG_ATS;
}

/* GBPA fields (without Update) for bypass when SMMUEN == 0. */
static inline uint32_t smmu_gbpa(const struct smmu *smmu)
{
	return atomic_load(&smmu->gbpa) & SMMU_GBPA_FIELDS;
}

/* One consistent snapshot of STRTAB_BASE and STRTAB_BASE_CFG. */
void smmu_strtab(const struct smmu *smmu, uint64_t *base, uint32_t *cfg);

/* ---- Queue geometry ---------------------------------------------------- */

/* Effective log2 of the number of entries: BASE.LOG2SIZE capped by IDR1. */
static inline unsigned int smmu_q_log2(const struct smmu_queue *q)
{
	unsigned int log2 = FIELD_GET(SMMU_Q_BASE_LOG2SIZE, atomic_load(&q->base));

	return log2 < q->max_log2 ? log2 : q->max_log2;
}

/* PA of the queue, aligned to max(queue bytes, 32) as the SMMU does (§6.3.25). */
static inline uint64_t smmu_q_base_pa(const struct smmu_queue *q, unsigned int ent_shift)
{
	uint64_t addr = atomic_load(&q->base) & SMMU_Q_BASE_ADDR;
	uint64_t bytes = 1ull << (smmu_q_log2(q) + ent_shift);

	return addr & ~((bytes < 32 ? 32 : bytes) - 1);
}

/* Index and wrap bits of a PROD/CONS value for a queue of 2^log2 entries. */
static inline uint32_t smmu_q_iw(uint32_t val, unsigned int log2)
{
	return val & (uint32_t)((2ull << log2) - 1);
}

static inline bool smmu_q_empty(uint32_t prod, uint32_t cons, unsigned int log2)
{
	return smmu_q_iw(prod, log2) == smmu_q_iw(cons, log2);
}

static inline bool smmu_q_full(uint32_t prod, uint32_t cons, unsigned int log2)
{
	return smmu_q_idx(prod, log2) == smmu_q_idx(cons, log2) &&
	       smmu_q_wrap(prod, log2) != smmu_q_wrap(cons, log2);
}

/*
 * @val advanced by one entry, wrapped to the queue size. Index bits above
 * the wrap flag read as zero once the SMMU has moved the index (§6.3.28);
 * flags outside the index field (ERR, OVFLG) are preserved.
 */
static inline uint32_t smmu_q_inc(uint32_t val, unsigned int log2)
{
	uint32_t mask = (uint32_t)((2ull << log2) - 1);

	return (val & ~SMMU_Q_IDX_WRAP) | ((val + 1) & mask);
}

/*
 * Enter a queue's overflow condition unless it is already present: toggle
 * PROD.OVFLG when it equals CONS.OVACKFLG (§7.4, §8.1). Called with the
 * queue's producer lock held; CONS writes take it too.
 */
static inline void smmu_q_overflow(struct smmu_queue *q)
{
	uint32_t prod = atomic_load(&q->prod);
	bool flg = prod & SMMU_Q_PROD_OVFLG;
	bool ack = atomic_load(&q->cons) & SMMU_Q_CONS_OVACKFLG;

	if (flg == ack)
		atomic_store(&q->prod, prod ^ SMMU_Q_PROD_OVFLG);
}

/* Is the overflow condition present (PROD.OVFLG != CONS.OVACKFLG)? */
static inline bool smmu_q_overflowed(const struct smmu_queue *q)
{
	bool flg = atomic_load(&q->prod) & SMMU_Q_PROD_OVFLG;
	bool ack = atomic_load(&q->cons) & SMMU_Q_CONS_OVACKFLG;

	return flg != ack;
}

/* ---- Shared helpers (FRONT) -------------------------------------------- */

/* The clock the PMCG cycle counter runs on (pmcg.c): CLOCK_MONOTONIC ns. */
uint64_t smmu_pmcg_clock_ns(void);

/* This thread's PMCG shard (pmcg.c). */
unsigned int smmu_pmcg_shard_of_thread(void);

/* Count @n occurrences of a PMCG event (pmcg.c). Lock-free, no shared line. */
static inline void smmu_pmcg_add(struct smmu *smmu, enum smmu_pmcg_event ev, uint64_t n)
{
	if ((unsigned int)ev < SMMU_PMCG_NR_EVENTS)
		atomic_fetch_add_explicit(&smmu->pmcg[smmu_pmcg_shard_of_thread()].ev[ev], n,
					  memory_order_relaxed);
}

static inline void smmu_pmcg_inc(struct smmu *smmu, enum smmu_pmcg_event ev)
{
	smmu_pmcg_add(smmu, ev, 1);
}

/* Call the trace hook if set. */
static inline void smmu_trace(struct smmu *smmu, enum smmu_trace_kind kind,
			      const struct smmu_trace_info *info,
			      const uint64_t *raw, unsigned int ndwords)
{
	if (smmu->trace_fn)
		smmu->trace_fn(smmu->trace_ctx, kind, info, raw, ndwords);
}

/*
 * Raise a global error (toggle GERROR bits @bits that are not already
 * active) and signal the GERROR interrupt (regs.c).
 */
void smmu_gerror_raise(struct smmu *smmu, uint32_t bits);
/* Is global error @bit active (GERROR != GERRORN for it)? */
static inline bool smmu_gerror_active(const struct smmu *smmu, uint32_t bit)
{
	return (atomic_load(&smmu->gerror) ^ atomic_load(&smmu->gerrorn)) & bit;
}

/* Write a 32-bit MSI (4-byte aligned @addr) atomically. 0 or -EFAULT (regs.c). */
int smmu_msi_write(struct smmu *smmu, uint64_t addr, uint32_t data);

/*
 * Signal interrupt @irq: if IDR0.MSI and @msi's address is non-zero, write
 * its 32-bit data there first (an abort toggles GERROR @msi_abt_err), then
 * call the line's callback. Call with no SMMU lock held.
 */
void smmu_signal_irq(struct smmu *smmu, enum smmu_irq irq,
		     const struct smmu_msi_cfg *msi, uint32_t msi_abt_err);

/* cmdq.c: wake the consumer after a register change that may unblock it. */
void smmu_cmdq_kick(struct smmu *smmu);
/* cmdq.c: CMDQ_PROD was written: consume here what needs no waiting, or kick. */
void smmu_cmdq_produced(struct smmu *smmu);
int smmu_cmdq_start(struct smmu *smmu);
void smmu_cmdq_stop(struct smmu *smmu);

/*
 * evtq.c: something that may make the event queue writable, or end a stall
 * waiting for it, changed (CR0, CONS, GERRORN, a stall answered): wake them.
 */
void smmu_evtq_wake(struct smmu *smmu);
/* evtq.c: (destroy, stopping set) wake waiting producers and wait until they left. */
void smmu_evtq_drain(struct smmu *smmu);

/* ---- BACK: translation state (xlate.h) --------------------------------- */

int smmu_xlate_init(struct smmu *smmu);
void smmu_xlate_fini(struct smmu *smmu);
/* stall.c: SMMUEN 1 -> 0 marks every stalled transaction for abort (§6.3.9.6). */
void smmu_stall_disable(struct smmu *smmu);

#endif /* HW_SMMU_INTERNAL_H */
