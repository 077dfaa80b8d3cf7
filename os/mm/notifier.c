// SPDX-License-Identifier: GPL-2.0
/*
 * MMU notifiers (see os/mm/notifier.h for the contract and the locking).
 *
 * Read side: enter() picks the current slot and counts itself in it under
 * the chain mutex (a short critical section, never held across callbacks);
 * the list is then walked with atomic loads. Unlinking keeps the removed
 * node's next pointer intact, so a reader standing on it still reaches the
 * rest of the list. synchronize() flips the slot and waits for the old
 * slot's readers: any reader that could still see an unlinked node entered
 * before the flip, on the old slot.
 */
#include <errno.h>

#include "os/mm/mm.h"

#define ACQUIRE	__ATOMIC_ACQUIRE
#define RELEASE	__ATOMIC_RELEASE

int mmu_notifier_chain_init(struct mmu_notifier_chain *c)
{
	int ret;

	ret = pthread_mutex_init(&c->lock, NULL);
	if (ret)
		return -ret;
	ret = pthread_cond_init(&c->idle, NULL);
	if (ret) {
		pthread_mutex_destroy(&c->lock);
		return -ret;
	}
	c->head = NULL;
	c->readers[0] = c->readers[1] = 0;
	c->slot = 0;
	c->released = false;
	return 0;
}

void mmu_notifier_chain_fini(struct mmu_notifier_chain *c)
{
	pthread_cond_destroy(&c->idle);
	pthread_mutex_destroy(&c->lock);
}

static unsigned int read_enter(struct mmu_notifier_chain *c)
{
	unsigned int slot;

	pthread_mutex_lock(&c->lock);
	slot = c->slot;
	c->readers[slot]++;
	pthread_mutex_unlock(&c->lock);
	return slot;
}

static void read_exit(struct mmu_notifier_chain *c, unsigned int slot)
{
	pthread_mutex_lock(&c->lock);
	if (--c->readers[slot] == 0)
		pthread_cond_broadcast(&c->idle);
	pthread_mutex_unlock(&c->lock);
}

/* Wait for every read section begun before this call. Called with c->lock held. */
static void synchronize_locked(struct mmu_notifier_chain *c)
{
	unsigned int old = c->slot;

	c->slot ^= 1;
	while (c->readers[old])
		pthread_cond_wait(&c->idle, &c->lock);
}

static void unlink_locked(struct mmu_notifier_chain *c, struct mmu_notifier *sub)
{
	struct mmu_notifier **pp = &c->head;
	struct mmu_notifier *n;

	while ((n = __atomic_load_n(pp, ACQUIRE))) {
		if (n == sub) {
			/* sub->next stays valid for readers standing on sub. */
			__atomic_store_n(pp, __atomic_load_n(&sub->next, ACQUIRE), RELEASE);
			break;
		}
		pp = &n->next;
	}
	sub->linked = false;
}

int __mmu_notifier_register(struct mmu_notifier *sub, struct mm *mm)
{
	struct mmu_notifier_chain *c = &mm->notifiers;

	pthread_mutex_lock(&c->lock);
	if (c->released || !__atomic_load_n(&mm->users, ACQUIRE)) {
		pthread_mutex_unlock(&c->lock);
		return -ESRCH;
	}
	mmgrab(mm);
	sub->mm = mm;
	sub->linked = true;
	__atomic_store_n(&sub->next, __atomic_load_n(&c->head, ACQUIRE), RELEASE);
	/* Publishing after next is set: a reader sees a complete node. */
	__atomic_store_n(&c->head, sub, RELEASE);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int mmu_notifier_register(struct mmu_notifier *sub, struct mm *mm)
{
	int ret;

	/* As Linux: no invalidation runs half-way through a registration. */
	mmap_write_lock(mm);
	ret = __mmu_notifier_register(sub, mm);
	mmap_write_unlock(mm);
	return ret;
}

void mmu_notifier_unregister(struct mmu_notifier *sub, struct mm *mm)
{
	struct mmu_notifier_chain *c = &mm->notifiers;

	pthread_mutex_lock(&c->lock);
	if (sub->linked)
		unlink_locked(c, sub);
	/* Even if release already unlinked it, a callback may still be running. */
	synchronize_locked(c);
	pthread_mutex_unlock(&c->lock);
	sub->mm = NULL;
	mmdrop(mm);
}

unsigned int mmu_notifier_invalidate_range(struct mm *mm, uint64_t start, uint64_t end)
{
	struct mmu_notifier_chain *c = &mm->notifiers;
	struct mmu_notifier *sub;
	unsigned int slot, n = 0;

	if (!__atomic_load_n(&c->head, ACQUIRE))
		return 0;
	slot = read_enter(c);
	for (sub = __atomic_load_n(&c->head, ACQUIRE); sub;
	     sub = __atomic_load_n(&sub->next, ACQUIRE)) {
		if (!sub->ops->invalidate_range)
			continue;
		sub->ops->invalidate_range(sub, mm, start, end);
		n++;
	}
	read_exit(c, slot);
	return n;
}

void mmu_notifier_release(struct mm *mm)
{
	struct mmu_notifier_chain *c = &mm->notifiers;
	struct mmu_notifier *sub;
	unsigned int slot;

	pthread_mutex_lock(&c->lock);
	/* From now on register fails: release runs once per subscription. */
	c->released = true;
	pthread_mutex_unlock(&c->lock);

	slot = read_enter(c);
	for (sub = __atomic_load_n(&c->head, ACQUIRE); sub;
	     sub = __atomic_load_n(&sub->next, ACQUIRE))
		if (sub->ops->release)
			sub->ops->release(sub, mm);
	read_exit(c, slot);

	pthread_mutex_lock(&c->lock);
	while ((sub = __atomic_load_n(&c->head, ACQUIRE)))
		unlink_locked(c, sub);
	synchronize_locked(c);
	pthread_mutex_unlock(&c->lock);
}
