/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event and PRI queue records as the model produces them: a semantic
 * struct, one builder for the exact architectural record (§7.3, §8.1), and
 * the producers (evtq.c, priq.c) that write the record at PROD, move PROD,
 * handle overflow and raise the interrupt.
 */
#ifndef HW_SMMU_EVENT_H
#define HW_SMMU_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/smmuv3.h"

struct smmu;

struct smmu_event {
	uint8_t id;		/* EVT_ID_* */
	uint32_t sid;
	bool ssv;
	uint32_t ssid;		/* with ssv; C_BAD_SUBSTREAMID: always (no SSV flag) */
	bool stall;		/* a stalled transaction waits for RESUME/STALL_TERM */
	uint16_t stag;		/* its stall tag */
	bool pnu;		/* privileged */
	bool ind;		/* instruction fetch */
	bool rnw;		/* read */
	bool s2;		/* stage-2 fault */
	uint8_t class;		/* EVT_CLASS_*: what the faulting access was */
	bool ttrnw;		/* CLASS TT: the walk access was a read */
	uint64_t addr;		/* InputAddr */
	uint64_t addr2;		/* IPA, or FetchAddr for F_*_FETCH / F_WALK_EABT */
};


/* Build the 4-dword record of @ev (pure; dwords in host order). */
void smmu_event_build(const struct smmu_event *ev, uint64_t rec[EVT_DWORDS]);
/* Decode a record (for tests and traces). */
void smmu_event_decode(const uint64_t rec[EVT_DWORDS], struct smmu_event *ev);

/*
 * Record an event that is not a stall's (ev->stall == 0). Returns 0 when
 * written; -ENOSPC when the queue was full (the event is discarded and the
 * overflow flag toggled); -ENODEV when the queue takes nothing: disabled
 * (CR0.EVENTQEN == 0), an EVENTQ_ABT_ERR active (§7.2.1: discarded without
 * overflow) or the SMMU being destroyed; -EFAULT when writing the queue
 * aborted (GERROR EVENTQ_ABT_ERR is raised). Raises the EVTQ interrupt/MSI.
 * Safe from any thread; takes no caller locks.
 */
int smmu_evtq_record(struct smmu *smmu, const struct smmu_event *ev);

/*
 * Write the record of a stalled transaction (ev->stall and ev->stag set),
 * which is never discarded (§7.2.1). Returns 0 when written; -EAGAIN when
 * the queue is not writable (disabled, full or EVENTQ_ABT_ERR active:
 * nothing written, no overflow); -ENODEV when SMMUEN == 0 (nothing stalls,
 * §6.3.9.6) or the SMMU is being destroyed; -ESTALE when @current(@arg),
 * asked with the queue lock held just before writing, says the record is
 * out of date; -EFAULT when writing aborted. Signals nothing: the caller
 * then calls smmu_evtq_signal() outside any grace read section (the
 * interrupt handler may issue a CMD_SYNC).
 */
int smmu_evtq_put_stall(struct smmu *smmu, const struct smmu_event *ev,
			bool (*current)(void *), void *arg);
/* What smmu_evtq_put_stall() returned (@ret) raised: GERROR on -EFAULT, EVTQ on 0. */
void smmu_evtq_signal(struct smmu *smmu, const struct smmu_event *ev, int ret);
/*
 * Wait until the event queue is writable: 0. -ENODEV when SMMUEN is cleared
 * or the SMMU destroyed first; -ECANCELED when @done(@arg) (asked with the
 * queue lock held, after every smmu_evtq_wake()) says to stop waiting.
 */
int smmu_evtq_wait_writable(struct smmu *smmu, bool (*done)(void *), void *arg);

struct smmu_pri_req {
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	bool priv, exec, read, write;
	bool last;
	uint16_t grpid;		/* PRG index */
	uint64_t addr;		/* page address */
};

void smmu_pri_build(const struct smmu_pri_req *req, uint64_t rec[PRIQ_DWORDS]);
void smmu_pri_decode(const uint64_t rec[PRIQ_DWORDS], struct smmu_pri_req *req);

/*
 * Record a page request. 0 when written; otherwise the request was
 * discarded, and the caller (BACK's pri.c) answers it as its cause needs:
 * -ENOSPC the queue was full or an overflow is unacknowledged (the
 * overflow flag toggled, §8.1); -ENODEV the PRI queue is effectively
 * disabled (PRIQEN == 0 or SMMUEN == 0, §6.3.9.5); -EIO GERROR.PRIQ_ABT_ERR
 * is active (§8.2); -EFAULT writing the entry aborted (PRIQ_ABT_ERR raised
 * now). Raises the PRIQ interrupt/MSI.
 */
int smmu_priq_record(struct smmu *smmu, const struct smmu_pri_req *req);

#endif /* HW_SMMU_EVENT_H */
