// SPDX-License-Identifier: GPL-2.0
/*
 * Stalled transactions (§3.12.2): a faulting transaction whose CD selects
 * the stall model holds a STAG slot, is reported with Stall = 1 and that
 * STAG, and its device thread sleeps on the slot until software answers
 * with CMD_RESUME (retry, or terminate with abort / RAZ-WI) or
 * CMD_STALL_TERM (terminate every stall of a StreamID). At most STALL_MAX
 * transactions are stalled at once; one more faults as if it could not
 * stall (terminated). Clearing SMMUEN marks every parked transaction to be
 * terminated with abort, and nothing stalls while SMMUEN == 0 (§6.3.9.6).
 *
 * A stall record is never discarded (§7.2.1): while the event queue is not
 * writable the transaction stays stalled, unrecorded, on its slot (so
 * STALL_TERM and SMMUEN 1 -> 0 still terminate it); once the queue is
 * writable it is retried as though it had just arrived (§3.12.2), which
 * records a new fault if it faults again. A record made out of date by an
 * invalidation since the fault is never written: the transaction retries
 * first (§4.7.3, early retry §3.12.2.2).
 * smmu_destroy() aborts every parked transaction and
 * waits until each has left the table; those return from smmu_translate()
 * without touching the SMMU again, and their smmu_txn_end() is a no-op.
 *
 * The caller must not be inside a grace read section while parked: a
 * CMD_SYNC issued before the RESUME must be able to complete.
 */
#include <errno.h>
#include <stdlib.h>

#include "hw/smmu/event.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/xlate.h"

int smmu_stall_init(struct smmu_stall_table *st, unsigned int stall_max)
{
	if (!stall_max)
		stall_max = 1;
	st->slots = calloc(stall_max, sizeof(*st->slots));
	if (!st->slots)
		return -ENOMEM;
	st->nr = stall_max;
	st->next = 0;
	st->waiting = 0;
	st->stopping = false;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	return 0;
}

void smmu_stall_fini(struct smmu_stall_table *st)
{
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->lock);
	free(st->slots);
	st->slots = NULL;
}

void smmu_stall_release_all(struct smmu_stall_table *st)
{
	unsigned int i;

	pthread_mutex_lock(&st->lock);
	st->stopping = true;
	for (i = 0; i < st->nr; i++)
		if (st->slots[i].state == SMMU_STALL_WAITING)
			st->slots[i].state = SMMU_STALL_ABORT;
	pthread_cond_broadcast(&st->cond);
	/* Parked threads leave on their own; wait so that fini is safe. */
	while (st->waiting)
		pthread_cond_wait(&st->cond, &st->lock);
	pthread_mutex_unlock(&st->lock);
}

/*
 * SMMUEN 1 -> 0 (§6.3.9.6): by the time the update completes, every stalled
 * transaction is marked to be terminated with abort; its thread leaves and
 * frees its STAG on its own. Unlike smmu_stall_release_all() the table stays
 * in service (SMMUEN may be set again) and nobody waits here: the parked
 * threads may be blocked on nothing but their slot, so they will run.
 */
void smmu_stall_disable(struct smmu *smmu)
{
	struct smmu_stall_table *st;
	unsigned int i, n = 0;

	if (!smmu->xlate)
		return;
	st = &smmu->xlate->stall;
	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->nr; i++) {
		if (st->slots[i].state == SMMU_STALL_WAITING) {
			st->slots[i].state = SMMU_STALL_ABORT;
			n++;
		}
	}
	if (n)
		pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

/* Take a free slot; its index is the STAG. -ENOSPC when STALL_MAX are in use. */
static int stall_alloc(struct smmu_stall_table *st, uint32_t sid)
{
	unsigned int i;

	if (st->stopping)
		return -ENODEV;
	for (i = 0; i < st->nr; i++) {
		unsigned int idx = (st->next + i) % st->nr;

		if (st->slots[idx].state != SMMU_STALL_FREE)
			continue;
		st->slots[idx].state = SMMU_STALL_WAITING;
		st->slots[idx].sid = sid;
		st->next = (idx + 1) % st->nr;
		st->waiting++;
		return (int)idx;
	}
	return -ENOSPC;
}

static void stall_free(struct smmu_stall_table *st, unsigned int idx)
{
	st->slots[idx].state = SMMU_STALL_FREE;
	st->waiting--;
	if (st->stopping)
		pthread_cond_broadcast(&st->cond);
}

/* The record of a stall about to be written, and what it was translated with. */
struct stall_record {
	struct smmu *smmu;
	unsigned long cfg_gen, tlb_gen;
	struct smmu_stall_slot *slot;
};

/*
 * Is the record still current? Not once a CFGI or TLBI ran since the
 * transaction began translating: §4.7.3 forbids recording a stall of
 * invalidated configuration or translations after the CMD_SYNC that
 * completes them, so the transaction retries first (early retry, §3.12.2.2).
 */
static bool stall_record_current(void *arg)
{
	const struct stall_record *r = arg;
	struct smmu_xlate *x = r->smmu->xlate;

	return smmu_cfgcache_gen(x->cfg) == r->cfg_gen && smmu_tlb_gen(x->tlb) == r->tlb_gen;
}

/* Has the unrecorded stall been answered (STALL_TERM, SMMUEN 1 -> 0, destroy)? */
static bool stall_answered(void *arg)
{
	const struct stall_record *r = arg;
	struct smmu_stall_table *st = &r->smmu->xlate->stall;
	bool answered;

	pthread_mutex_lock(&st->lock);
	answered = r->slot->state != SMMU_STALL_WAITING;
	pthread_mutex_unlock(&st->lock);
	return answered;
}

/*
 * Write the record inside a grace read section: a CMD_SYNC that completes
 * an invalidation either waits for this write or comes after an
 * invalidation that stall_record_current() sees. Signalled outside it.
 */
static int stall_record(struct stall_record *r, struct smmu_event *ev)
{
	struct grace *g = &r->smmu->xlate->grace;
	grace_token_t token = grace_read_lock(g);
	int ret = smmu_evtq_put_stall(r->smmu, ev, stall_record_current, r);

	grace_read_unlock(g, token);
	smmu_evtq_signal(r->smmu, ev, ret);
	return ret;
}

/*
 * Record the stall on its STAG slot (taken). 0 once recorded;
 * SMMU_STALL_RETRY to retry the transaction as though it had just
 * arrived (§3.12.2: the queue was not writable and now is, or the record
 * went out of date); -ECANCELED when the unrecorded stall was answered
 * (its slot holds the answer); -ENODEV when SMMUEN was cleared or the
 * SMMU destroyed first.
 * §7.2.1: a stall record is never discarded: while the queue is not
 * writable (disabled, full, EVENTQ_ABT_ERR active, or a write aborted)
 * the transaction stays stalled.
 */
static int stall_make_visible(struct stall_record *r, struct smmu_event *ev)
{
	int ret = stall_record(r, ev);

	if (ret == 0)
		return 0;
	if (ret == -ESTALE)
		return SMMU_STALL_RETRY;
	if (ret == -ENODEV)
		return -ENODEV;
	ret = smmu_evtq_wait_writable(r->smmu, stall_answered, r);
	return ret == 0 ? SMMU_STALL_RETRY : ret;
}

int smmu_stall_park(struct smmu *smmu, struct smmu_event *ev, unsigned long cfg_gen,
		    unsigned long tlb_gen)
{
	struct smmu_stall_table *st = &smmu->xlate->stall;
	struct stall_record r = { .smmu = smmu, .cfg_gen = cfg_gen, .tlb_gen = tlb_gen };
	int idx, state;

	pthread_mutex_lock(&st->lock);
	/*
	 * §6.3.9.6: no new stall once SMMUEN 1 -> 0 has completed. Tested under
	 * the lock smmu_stall_disable() takes after SMMUEN is cleared, so a
	 * transaction either sees SMMUEN == 0 here or is marked by it.
	 */
	idx = smmu_enabled(smmu) ? stall_alloc(st, ev->sid) : -ENODEV;
	pthread_mutex_unlock(&st->lock);
	if (idx < 0)
		return idx;
	r.slot = &st->slots[idx];
	ev->stall = true;
	ev->stag = (uint16_t)idx;
	/* Recorded outside the lock: software answers RESUME only after reading it. */
	state = stall_make_visible(&r, ev);
	pthread_mutex_lock(&st->lock);
	if (state == 0) {
		while (st->slots[idx].state == SMMU_STALL_WAITING)
			pthread_cond_wait(&st->cond, &st->lock);
		state = st->slots[idx].state;
	} else if (state == -ECANCELED) {
		state = st->slots[idx].state;
	}
	/* Destroy in progress: the caller must not touch the SMMU again. */
	if (st->stopping || atomic_load(&smmu->stopping))
		state = SMMU_STALL_STOPPED;
	/* Once freed, smmu_destroy() may go on: @st is not touched again. */
	stall_free(st, (unsigned int)idx);
	pthread_mutex_unlock(&st->lock);
	return state;
}

int smmu_stall_resume(struct smmu_stall_table *st, uint32_t sid, uint16_t stag,
		      enum smmu_stall_state action)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&st->lock);
	/* §4.7.1: a RESUME that matches no stalled transaction is ignored. */
	if (stag < st->nr && st->slots[stag].state == SMMU_STALL_WAITING &&
	    st->slots[stag].sid == sid) {
		st->slots[stag].state = (uint8_t)action;
		pthread_cond_broadcast(&st->cond);
		ret = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

unsigned int smmu_stall_term(struct smmu_stall_table *st, uint32_t sid)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->nr; i++) {
		if (st->slots[i].state == SMMU_STALL_WAITING && st->slots[i].sid == sid) {
			st->slots[i].state = SMMU_STALL_ABORT;
			n++;
		}
	}
	if (n)
		pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	return n;
}

unsigned int smmu_stall_waiting(struct smmu_stall_table *st)
{
	unsigned int n;

	pthread_mutex_lock(&st->lock);
	n = st->waiting;
	pthread_mutex_unlock(&st->lock);
	return n;
}
