/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O page-fault latency, as the SMMU sees it: from the moment a fault is
 * recorded in a queue (the first PRI queue entry of a page request group,
 * or a stall event record) to the moment the answering command is consumed
 * (CMD_PRI_RESP for the group, CMD_RESUME for the STAG). That is the whole
 * software round trip: IRQ thread, iopf queue, handle_mm_fault, response.
 *
 * Fed from the SMMU's trace hook; only those four record kinds take the
 * lock, every other command returns after one opcode test. Latencies go
 * into a log-linear histogram (6.25 % resolution) with an exact maximum.
 *
 * The hook reports a queue record after publishing it, so the answer can
 * be seen first: such a fault is counted as untimed, and the late record
 * (or a group's late Last request) finds a tombstone instead of opening a
 * fault that nothing would ever close.
 */
#ifndef SIM_FAULT_LATENCY_H
#define SIM_FAULT_LATENCY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/smmu/smmu.h"

#define FLAT_PENDING		512	/* faults in flight we can time */
#define FLAT_SUB_BITS		4	/* 16 sub-buckets per power of two */
#define FLAT_BUCKETS		(64 << FLAT_SUB_BITS)

enum flat_state {
	FLAT_FREE,
	FLAT_OPEN,			/* started, waiting for its answer */
	FLAT_ANSWERED,			/* answered; a late record is still due */
};

struct flat_pending {
	enum flat_state state;
	bool last_seen;			/* a stall, or the group's Last request came */
	bool timed;			/* ANSWERED: its latency was recorded */
	uint64_t key, mask;		/* mask: what an ANSWERED entry matches on */
	uint64_t t0_ns;
};

/*
 * Optional observer of each timed fault (the --trace spans): a stall (@tag
 * its STAG) or a page request group (@tag its PRG index) of StreamID @sid,
 * from its record to its answer. Called without the lock.
 */
typedef void (*fault_latency_observer_t)(void *ctx, bool stall, uint32_t sid, uint32_t tag,
					 uint64_t start_ns, uint64_t end_ns);

struct fault_latency {
	uint64_t (*clock_ns)(void);	/* CLOCK_MONOTONIC; tests may set their own */
	fault_latency_observer_t observe;	/* set before feeding, or NULL */
	void *observe_ctx;
	pthread_mutex_t lock;
	struct flat_pending pending[FLAT_PENDING];	/* under lock */
	unsigned int used;		/* slots ever used: scans stop there (under lock) */
	uint64_t hist[FLAT_BUCKETS];			/* under lock */
	uint64_t count, max_ns, untimed;		/* under lock */
};

struct fault_latency_summary {
	uint64_t count;			/* faults timed */
	uint64_t untimed;		/* answered before seen, or the table was full */
	uint64_t p50_ns, p99_ns, max_ns;
};

void fault_latency_init(struct fault_latency *fl);
void fault_latency_fini(struct fault_latency *fl);
/* One record the SMMU wrote or consumed (the trace hook's arguments). */
void fault_latency_feed(struct fault_latency *fl, enum smmu_trace_kind kind, const uint64_t *raw);
/* Forget timed faults (faults in flight stay pending). */
void fault_latency_reset(struct fault_latency *fl);
void fault_latency_get(struct fault_latency *fl, struct fault_latency_summary *s);

#endif /* SIM_FAULT_LATENCY_H */
