// SPDX-License-Identifier: GPL-2.0
/*
 * Grace periods (see hw/grace.h).
 *
 * Correctness argument (all accesses below are sequentially consistent):
 * a reader increments active[p][slot] for the phase p it read, then reads
 * the phase again. If the phase is still p, its increment precedes in the
 * total order any later flip, so a writer that flips and then sums phase p
 * sees the section and waits for it. If the phase moved, the reader backs
 * out and retries in the new phase; a writer that saw the transient
 * increment merely waits a little longer. A reader whose second read sees
 * phase p also sees everything written before the flip that set p, which is
 * what "sections that begin later observe the writer's updates" needs.
 */
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "hw/grace.h"

#define SEQCST	__ATOMIC_SEQ_CST

int grace_init(struct grace *g)
{
	unsigned int i;

	for (i = 0; i < GRACE_SLOTS; i++) {
		g->slots[i].active[0] = 0;
		g->slots[i].active[1] = 0;
	}
	g->phase = 0;
	g->completed = 0;
	return -pthread_mutex_init(&g->sync_lock, NULL);
}

void grace_fini(struct grace *g)
{
	pthread_mutex_destroy(&g->sync_lock);
}

/*
 * The slot of the calling thread, given once per thread in the order threads
 * first read: up to GRACE_SLOTS threads each have a slot (and cache line) of
 * their own. A hash of pthread_self() put two threads on one line 1 time in
 * 32, and cost a multiply per section. Which slot a section uses does not
 * matter for correctness (the writer sums every slot); sharing only costs
 * cache-line traffic.
 */
static unsigned int grace_next_slot;
static _Thread_local unsigned int grace_slot_plus1;

static unsigned int grace_my_slot(void)
{
	if (__builtin_expect(!grace_slot_plus1, 0))
		grace_slot_plus1 = (__atomic_fetch_add(&grace_next_slot, 1, __ATOMIC_RELAXED) &
				    (GRACE_SLOTS - 1)) + 1;
	return grace_slot_plus1 - 1;
}

grace_token_t grace_read_lock(struct grace *g)
{
	unsigned int slot = grace_my_slot();
	unsigned long *cnt;
	unsigned long p;

	for (;;) {
		p = __atomic_load_n(&g->phase, SEQCST) & 1;
		cnt = &g->slots[slot].active[p];
		__atomic_fetch_add(cnt, 1, SEQCST);
		if ((__atomic_load_n(&g->phase, SEQCST) & 1) == p)
			break;
		/* A writer flipped in between: join the new phase instead. */
		__atomic_fetch_sub(cnt, 1, SEQCST);
	}
	return (grace_token_t)(slot << 1 | p);
}

void grace_read_unlock(struct grace *g, grace_token_t tok)
{
	unsigned int slot = (tok >> 1) & (GRACE_SLOTS - 1);

	__atomic_fetch_sub(&g->slots[slot].active[tok & 1], 1, SEQCST);
}

static unsigned long grace_sum(struct grace *g, unsigned long p)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < GRACE_SLOTS; i++)
		sum += __atomic_load_n(&g->slots[i].active[p], SEQCST);
	return sum;
}

/* Back off politely: the machine is shared and readers need the CPU. */
static void grace_backoff(unsigned int *round)
{
	struct timespec ts = { 0, 0 };
	unsigned int r = (*round)++;

	if (r < 32) {
		sched_yield();
		return;
	}
	r -= 32;
	ts.tv_nsec = 1000L << (r < 10 ? r : 10);	/* 1us .. ~1ms */
	nanosleep(&ts, NULL);
}

/*
 * The writer side, under sync_lock. Flip k moves new sections to phase
 * k & 1; it has drained (completed = k) once no section of phase
 * (k - 1) & 1 is left. A flip is only made when the previous one has
 * drained, so at most one is pending, and the sections open when flip k
 * was made are all over once completed >= k.
 */

/* Make flip completed + 1 if none is pending. Under sync_lock. */
static void grace_flip(struct grace *g)
{
	if (__atomic_load_n(&g->phase, SEQCST) == __atomic_load_n(&g->completed, SEQCST))
		__atomic_fetch_add(&g->phase, 1, SEQCST);
}

/* Has the pending flip drained? Records it if so. Under sync_lock. */
static bool grace_drained(struct grace *g)
{
	unsigned long phase = __atomic_load_n(&g->phase, SEQCST);

	if (phase == __atomic_load_n(&g->completed, SEQCST))
		return true;
	if (grace_sum(g, (phase - 1) & 1))
		return false;
	__atomic_store_n(&g->completed, phase, SEQCST);
	return true;
}

static bool grace_done(struct grace *g, grace_cookie_t cookie)
{
	return (long)(__atomic_load_n(&g->completed, SEQCST) - cookie) >= 0;
}

/*
 * Every section open now is in the current phase, or in the old one of a
 * pending flip: the flip after the current one covers both.
 */
grace_cookie_t grace_start(struct grace *g)
{
	return __atomic_load_n(&g->phase, SEQCST) + 1;
}

/* Advance toward @cookie as far as possible without waiting: true once over. */
static bool grace_advance(struct grace *g, grace_cookie_t cookie)
{
	while (!grace_done(g, cookie)) {
		if (!grace_drained(g))
			return false;
		if (!grace_done(g, cookie))
			grace_flip(g);
	}
	return true;
}

bool grace_poll(struct grace *g, grace_cookie_t cookie)
{
	bool done;

	if (grace_done(g, cookie))
		return true;
	if (pthread_mutex_trylock(&g->sync_lock))
		return false;	/* a writer is at it; it may be waiting */
	done = grace_advance(g, cookie);
	pthread_mutex_unlock(&g->sync_lock);
	return done;
}

/* Flip and drain until @cookie is over. Under sync_lock. */
static void grace_wait_locked(struct grace *g, grace_cookie_t cookie)
{
	unsigned int round = 0;

	while (!grace_advance(g, cookie))
		grace_backoff(&round);
}

void grace_wait(struct grace *g, grace_cookie_t cookie)
{
	pthread_mutex_lock(&g->sync_lock);
	grace_wait_locked(g, cookie);
	pthread_mutex_unlock(&g->sync_lock);
}

/*
 * Started under the lock, so concurrent callers each get a grace period
 * of their own (grace_completed() counts one per call without pollers).
 */
void grace_synchronize(struct grace *g)
{
	pthread_mutex_lock(&g->sync_lock);
	grace_wait_locked(g, grace_start(g));
	pthread_mutex_unlock(&g->sync_lock);
}

bool grace_readers_active(struct grace *g)
{
	return grace_sum(g, 0) || grace_sum(g, 1);
}

unsigned long grace_completed(struct grace *g)
{
	return __atomic_load_n(&g->completed, SEQCST);
}
