/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMU notifiers (Linux's mmu_notifier): how a secondary MMU — the SMMU
 * walking a process's page tables for SVA — hears about changes to them.
 *
 * invalidate_range(sub, mm, start, end) is called after the PTEs of
 * [start, end) were changed and the CPU TLBs flushed (TLBI + DSB), and
 * before any frame they mapped is freed: when it returns, the secondary MMU
 * must hold no translation for the range (the SMMU driver issues TLBI + ATC
 * invalidation + CMD_SYNC). It may sleep. The range (0, UINT64_MAX) means
 * "everything": the CPU flush was by ASID.
 *
 * release(sub, mm) is called exactly once per registered subscription, when
 * the address space is torn down (last mmput), before any page is unmapped:
 * the secondary MMU must stop walking the page tables. It is not called by
 * mmu_notifier_unregister().
 *
 * Locking: a two-slot read-side scheme (an SRCU in miniature). Invocations
 * enter a read section on the current slot and walk the list without a
 * lock; unregister unlinks under the chain mutex, flips the slot, and waits
 * until every section on the old slot has ended. So when unregister returns,
 * no callback of that subscription is running or will run, and its memory
 * may be freed. Callbacks must not register or unregister notifiers of the
 * same mm (that would wait for itself).
 */
#ifndef OS_MM_NOTIFIER_H
#define OS_MM_NOTIFIER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct mm;
struct mmu_notifier;

struct mmu_notifier_ops {
	void (*invalidate_range)(struct mmu_notifier *sub, struct mm *mm,
				 uint64_t start, uint64_t end);
	void (*release)(struct mmu_notifier *sub, struct mm *mm);
};

struct mmu_notifier {
	const struct mmu_notifier_ops *ops;
	struct mm *mm;			/* set by register */
	/* Chain linkage, private to notifier.c. */
	struct mmu_notifier *next;	/* atomic: read without the lock */
	bool linked;			/* under the chain lock */
};

struct mmu_notifier_chain {
	pthread_mutex_t lock;		/* writers: link/unlink, slot flips */
	pthread_cond_t idle;		/* a slot's reader count reached zero */
	struct mmu_notifier *head;	/* atomic */
	unsigned long readers[2];	/* sections in progress per slot, under lock */
	unsigned int slot;		/* slot new sections use, under lock */
	bool released;			/* mmu_notifier_release() ran */
};

/*
 * Subscribe @sub (with ops set) to @mm. Takes a struct reference on @mm
 * (mmgrab) until unregister. Returns 0, or -ESRCH if @mm is exiting. Takes
 * the mmap lock for write, as Linux does; __mmu_notifier_register() is for
 * callers that already hold it.
 */
int mmu_notifier_register(struct mmu_notifier *sub, struct mm *mm);
int __mmu_notifier_register(struct mmu_notifier *sub, struct mm *mm);
/*
 * Unsubscribe @sub and wait until none of its callbacks is running; then
 * drop its reference on @mm (which may free the mm). Must not be called from
 * a callback.
 */
void mmu_notifier_unregister(struct mmu_notifier *sub, struct mm *mm);

/* ---- Used by os/mm --------------------------------------------------------- */

int mmu_notifier_chain_init(struct mmu_notifier_chain *c);
void mmu_notifier_chain_fini(struct mmu_notifier_chain *c);
/* Call every subscriber's invalidate_range; returns how many were called. */
unsigned int mmu_notifier_invalidate_range(struct mm *mm, uint64_t start, uint64_t end);
/* Call every release once and unlink all subscriptions (at mm exit). */
void mmu_notifier_release(struct mm *mm);

#endif /* OS_MM_NOTIFIER_H */
