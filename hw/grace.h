/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grace periods: the mechanism behind "no stale translation after CMD_SYNC"
 * and "no access through an ATC entry after its invalidation completed".
 *
 * A reader brackets the use of a translation (the lookup *and* the data
 * access that follows it) with grace_read_lock()/grace_read_unlock(). A
 * writer unpublishes something (clears a TLB entry, changes a PTE), then
 * calls grace_synchronize(): it returns only after every read section that
 * began before the call has ended. Sections that begin later are guaranteed
 * to observe everything the writer did before the call.
 *
 * Read sections are cheap and never block: two atomic increments on a
 * per-slot counter (slots are cache-line sized and picked per thread), no
 * global lock, no write to a shared line in the common case. The scheme is
 * the two-phase counter one of SRCU: the writer flips the phase and waits for
 * the old phase's counters to drain.
 *
 * Read sections may nest and may be held by different threads at once;
 * grace_synchronize() must not be called from inside a read section of the
 * same domain (it would wait for itself). It may sleep.
 */
#ifndef HW_GRACE_H
#define HW_GRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>

#define GRACE_SLOTS	32	/* power of two */

struct grace_slot {
	/* Sections currently open in phase 0 and phase 1. */
	unsigned long active[2];
} __attribute__((aligned(64)));

struct grace {
	struct grace_slot slots[GRACE_SLOTS];
	unsigned long phase;		/* flips so far; low bit: the phase new sections join */
	unsigned long completed;	/* flips whose old phase has drained (<= phase) */
	pthread_mutex_t sync_lock;	/* serialises writers */
};

/* A grace period to wait for, from grace_start(). */
typedef unsigned long grace_cookie_t;

/* Opaque handle of one read section: pass it back to grace_read_unlock(). */
typedef unsigned int grace_token_t;

int grace_init(struct grace *g);
void grace_fini(struct grace *g);

/* Open a read section; never blocks. */
grace_token_t grace_read_lock(struct grace *g);
/* Close the section opened with @tok (may be called from another thread). */
void grace_read_unlock(struct grace *g, grace_token_t tok);

/*
 * Wait until every read section that began before this call has ended.
 * Concurrent callers are serialised; each waits for its own grace period.
 */
void grace_synchronize(struct grace *g);

/*
 * The same in two halves, for a writer that must not block (a command
 * consumer running inside an MMIO write): grace_start() names the grace
 * period that covers every section open now; grace_poll() says, without
 * blocking, whether it is over (advancing it if it can); grace_wait()
 * blocks until it is. A poll that says "not yet" leaves nothing to undo.
 */
grace_cookie_t grace_start(struct grace *g);
bool grace_poll(struct grace *g, grace_cookie_t cookie);
void grace_wait(struct grace *g, grace_cookie_t cookie);

/* Is any read section open right now? (Diagnostics and tests only.) */
bool grace_readers_active(struct grace *g);

/* Number of grace periods (phase flips drained) completed so far. */
unsigned long grace_completed(struct grace *g);

#endif /* HW_GRACE_H */
