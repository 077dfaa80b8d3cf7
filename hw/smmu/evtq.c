// SPDX-License-Identifier: GPL-2.0
/*
 * The event queue producer (§7.2-7.4): event records built in their exact
 * 32-byte layout, written at EVENTQ_PROD, published by moving PROD, then
 * signalled (EVENTQ IRQ or MSI).
 *
 * Writability (§7.2.1): the queue takes records while it is enabled, not
 * full and without an active EVENTQ_ABT_ERR. A record that finds it
 * unwritable is discarded; if it was full, the overflow condition is
 * entered too (§7.4: PROD.OVFLG toggled unless already present), and
 * recording goes on as soon as there is room. A record of a stalled
 * transaction is never discarded and never overflows: the transaction
 * stays stalled until the queue is writable, then is retried (stall.c).
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

/* Wake producers waiting for the queue to be writable; they check again. */
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
 * §7.2.1: the queue takes records while it is enabled and no
 * EVENTQ_ABT_ERR is active ("writable" also needs it not full).
 */
static bool smmu_evtq_open(const struct smmu *smmu)
{
	return smmu_evtq_enabled(smmu) && !smmu_gerror_active(smmu, SMMU_GERROR_EVENTQ_ABT_ERR);
}

static bool smmu_evtq_full(const struct smmu *smmu)
{
	const struct smmu_queue *q = &smmu->evtq;

	return smmu_q_full(atomic_load(&q->prod), atomic_load(&q->cons), smmu_q_log2(q));
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

void smmu_evtq_signal(struct smmu *smmu, const struct smmu_event *ev, int ret)
{
	uint64_t rec[EVT_DWORDS];

	if (ret == -EFAULT)
		smmu_gerror_raise(smmu, SMMU_GERROR_EVENTQ_ABT_ERR);
	if (ret)
		return;
	smmu_event_build(ev, rec);
	smmu_trace(smmu, SMMU_TRACE_EVT, NULL, rec, EVT_DWORDS);
	if (atomic_load(&smmu->irq_ctrl) & SMMU_IRQ_CTRL_EVENTQ_IRQEN)
		smmu_signal_irq(smmu, SMMU_IRQ_EVTQ, &smmu->evtq.msi, SMMU_GERROR_MSI_EVENTQ_ABT_ERR);
}

int smmu_evtq_record(struct smmu *smmu, const struct smmu_event *ev)
{
	uint64_t rec[EVT_DWORDS];
	int ret;

	smmu_event_build(ev, rec);
	pthread_mutex_lock(&smmu->evtq_lock);
	if (!smmu_evtq_open(smmu)) {
		ret = -ENODEV;		/* §7.2.1: discarded, no overflow */
	} else if (smmu_evtq_full(smmu)) {
		smmu_q_overflow(&smmu->evtq);
		ret = -ENOSPC;
	} else {
		ret = smmu_evtq_put(smmu, rec);
	}
	pthread_mutex_unlock(&smmu->evtq_lock);
	/* Interrupts leave with no lock held: the GERROR one too. */
	smmu_evtq_signal(smmu, ev, ret);
	return ret;
}

int smmu_evtq_put_stall(struct smmu *smmu, const struct smmu_event *ev,
			bool (*current)(void *), void *arg)
{
	uint64_t rec[EVT_DWORDS];
	int ret;

	smmu_event_build(ev, rec);
	pthread_mutex_lock(&smmu->evtq_lock);
	/* §6.3.9.6: with SMMUEN == 0 nothing stalls; its record is not due. */
	if (atomic_load(&smmu->stopping) || !smmu_enabled(smmu))
		ret = -ENODEV;
	else if (!smmu_evtq_open(smmu) || smmu_evtq_full(smmu))
		ret = -EAGAIN;		/* never discarded, no overflow (§7.2.1, §7.4) */
	else if (current && !current(arg))
		ret = -ESTALE;
	else
		ret = smmu_evtq_put(smmu, rec);
	pthread_mutex_unlock(&smmu->evtq_lock);
	return ret;
}

int smmu_evtq_wait_writable(struct smmu *smmu, bool (*done)(void *), void *arg)
{
	int ret;

	pthread_mutex_lock(&smmu->evtq_lock);
	smmu->evtq_waiters++;
	/* Bounded by CONS, CR0, GERRORN writes, stall answers and destroy: each wakes us. */
	for (;;) {
		if (atomic_load(&smmu->stopping) || !smmu_enabled(smmu)) {
			ret = -ENODEV;
			break;
		}
		if (done && done(arg)) {
			ret = -ECANCELED;
			break;
		}
		if (smmu_evtq_open(smmu) && !smmu_evtq_full(smmu)) {
			ret = 0;
			break;
		}
		pthread_cond_wait(&smmu->evtq_space, &smmu->evtq_lock);
	}
	if (!--smmu->evtq_waiters && atomic_load(&smmu->stopping))
		pthread_cond_broadcast(&smmu->evtq_space);
	pthread_mutex_unlock(&smmu->evtq_lock);
	return ret;
}
