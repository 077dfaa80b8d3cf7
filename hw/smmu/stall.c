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

int smmu_stall_park(struct smmu *smmu, struct smmu_event *ev)
{
	struct smmu_stall_table *st = &smmu->xlate->stall;
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
	ev->stall = true;
	ev->stag = (uint16_t)idx;
	/*
	 * Recorded outside the lock: a full queue makes this wait for space,
	 * and software answers RESUME only after reading the record.
	 */
	if (smmu_evtq_record(smmu, ev) < 0) {
		pthread_mutex_lock(&st->lock);
		state = st->stopping ? SMMU_STALL_STOPPED : -ENODEV;
		stall_free(st, (unsigned int)idx);
		pthread_mutex_unlock(&st->lock);
		return state;
	}
	pthread_mutex_lock(&st->lock);
	while (st->slots[idx].state == SMMU_STALL_WAITING)
		pthread_cond_wait(&st->cond, &st->lock);
	state = st->stopping ? SMMU_STALL_STOPPED : st->slots[idx].state;
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
