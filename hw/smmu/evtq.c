// SPDX-License-Identifier: GPL-2.0
/*
 * The event queue producer (§7.2-7.4): event records built in their exact
 * 32-byte layout, written at EVENTQ_PROD, published by moving PROD, then
 * signalled (EVENTQ IRQ or MSI).
 *
 * Overflow (§7.4): a record that finds the queue full is discarded and
 * the overflow condition entered (PROD.OVFLG toggled unless already
 * present); recording goes on as soon as there is room. A record of a
 * stalled transaction is never discarded: its producer waits for room,
 * and stall records never cause an overflow.
 */
#include <errno.h>

#include "arch/smmuv3.h"
#include "hw/smmu/event.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"

void smmu_event_build(const struct smmu_event *ev, uint64_t rec[EVT_DWORDS])
{
	rec[0] = FIELD_PREP(EVT_0_ID, ev->id) |
		 FIELD_PREP(EVT_0_SID, ev->sid);
	if (ev->ssv)
		rec[0] |= EVT_0_SSV | FIELD_PREP(EVT_0_SSID, ev->ssid);
	else if (ev->id == EVT_ID_C_BAD_SUBSTREAMID)
		rec[0] |= FIELD_PREP(EVT_0_SSID, ev->ssid);	/* valid without SSV (§7.3.9) */
	rec[1] = FIELD_PREP(EVT_1_PNU, ev->pnu) |
		 FIELD_PREP(EVT_1_IND, ev->ind) |
		 FIELD_PREP(EVT_1_RNW, ev->rnw) |
		 FIELD_PREP(EVT_1_S2, ev->s2) |
		 FIELD_PREP(EVT_1_CLASS, ev->class) |
		 FIELD_PREP(EVT_1_TTRNW, ev->ttrnw);
	if (ev->stall)
		rec[1] |= EVT_1_STALL | FIELD_PREP(EVT_1_STAG, ev->stag);
	rec[2] = ev->addr;
	switch (ev->id) {
	case EVT_ID_F_STE_FETCH:
	case EVT_ID_F_CD_FETCH:
	case EVT_ID_F_VMS_FETCH:
	case EVT_ID_F_WALK_EABT:
		rec[3] = ev->addr2 & EVT_3_FETCH_ADDR;
		break;
	default:
		rec[3] = ev->addr2 & EVT_3_IPA;
		break;
	}
}

void smmu_event_decode(const uint64_t rec[EVT_DWORDS], struct smmu_event *ev)
{
	*ev = (struct smmu_event){
		.id = FIELD_GET(EVT_0_ID, rec[0]),
		.sid = FIELD_GET(EVT_0_SID, rec[0]),
		.ssv = FIELD_GET(EVT_0_SSV, rec[0]),
		.ssid = FIELD_GET(EVT_0_SSID, rec[0]),
		.stall = FIELD_GET(EVT_1_STALL, rec[1]),
		.stag = FIELD_GET(EVT_1_STAG, rec[1]),
		.pnu = FIELD_GET(EVT_1_PNU, rec[1]),
		.ind = FIELD_GET(EVT_1_IND, rec[1]),
		.rnw = FIELD_GET(EVT_1_RNW, rec[1]),
		.s2 = FIELD_GET(EVT_1_S2, rec[1]),
		.class = FIELD_GET(EVT_1_CLASS, rec[1]),
		.ttrnw = FIELD_GET(EVT_1_TTRNW, rec[1]),
		.addr = rec[2],
		.addr2 = rec[3],
	};
}

/* Wake producers waiting for room; they re-check enable and stopping. */
void smmu_evtq_wake(struct smmu *smmu)
{
	pthread_mutex_lock(&smmu->evtq_lock);
	pthread_cond_broadcast(&smmu->evtq_space);
	pthread_mutex_unlock(&smmu->evtq_lock);
}

void smmu_evtq_drain(struct smmu *smmu)
{
	pthread_mutex_lock(&smmu->evtq_lock);
	pthread_cond_broadcast(&smmu->evtq_space);
	/* Each waiter sees stopping, leaves, and broadcasts once it has. */
	while (smmu->evtq_waiters)
		pthread_cond_wait(&smmu->evtq_space, &smmu->evtq_lock);
	pthread_mutex_unlock(&smmu->evtq_lock);
}

static bool smmu_evtq_enabled(const struct smmu *smmu)
{
	return !atomic_load(&smmu->stopping) &&
	       (atomic_load(&smmu->cr0) & SMMU_CR0_EVENTQEN);
}

/*
 * Write @rec at PROD and publish it. Called with evtq_lock held, room known.
 * -EFAULT on an abort writing the queue: a global error (§7.2) for the caller.
 */
static int smmu_evtq_put(struct smmu *smmu, const uint64_t rec[EVT_DWORDS])
{
	struct smmu_queue *q = &smmu->evtq;
	unsigned int log2 = smmu_q_log2(q), i;
	uint32_t prod = atomic_load(&q->prod);
	uint64_t pa;

	pa = smmu_q_base_pa(q, SMMU_EVTQ_ENT_SHIFT) +
	     ((uint64_t)smmu_q_idx(prod, log2) << SMMU_EVTQ_ENT_SHIFT);
	for (i = 0; i < EVT_DWORDS; i++) {
		if (bus_write64(&smmu->bus, pa + 8 * i, rec[i]))
			return -EFAULT;
	}
	/* The record is in memory before PROD says so (seq_cst store). */
	atomic_store(&q->prod, smmu_q_inc(prod, log2));
	return 0;
}

int smmu_evtq_record(struct smmu *smmu, const struct smmu_event *ev)
{
	struct smmu_queue *q = &smmu->evtq;
	uint64_t rec[EVT_DWORDS];
	int ret;

	smmu_event_build(ev, rec);
	pthread_mutex_lock(&smmu->evtq_lock);
	for (;;) {
		/* §6.3.9.6: with SMMUEN == 0 nothing stalls; its record is not due. */
		if (!smmu_evtq_enabled(smmu) || (ev->stall && !smmu_enabled(smmu))) {
			ret = -ENODEV;
			goto out_unlock;
		}
		if (!smmu_q_full(atomic_load(&q->prod), atomic_load(&q->cons), smmu_q_log2(q)))
			break;
		if (!ev->stall) {
			smmu_q_overflow(q);
			ret = -ENOSPC;
			goto out_unlock;
		}
		/* Bounded by a CONS write, a disable or destroy: each broadcasts. */
		smmu->evtq_waiters++;
		pthread_cond_wait(&smmu->evtq_space, &smmu->evtq_lock);
		if (!--smmu->evtq_waiters && atomic_load(&smmu->stopping))
			pthread_cond_broadcast(&smmu->evtq_space);
	}
	ret = smmu_evtq_put(smmu, rec);
out_unlock:
	pthread_mutex_unlock(&smmu->evtq_lock);
	/* Interrupts leave with no lock held: the GERROR one too. */
	if (ret == -EFAULT)
		smmu_gerror_raise(smmu, SMMU_GERROR_EVENTQ_ABT_ERR);
	if (ret)
		return ret;
	smmu_trace(smmu, SMMU_TRACE_EVT, NULL, rec, EVT_DWORDS);
	if (atomic_load(&smmu->irq_ctrl) & SMMU_IRQ_CTRL_EVENTQ_IRQEN)
		smmu_signal_irq(smmu, SMMU_IRQ_EVTQ, &q->msi, SMMU_GERROR_MSI_EVENTQ_ABT_ERR);
	return 0;
}
