// SPDX-License-Identifier: GPL-2.0
/*
 * I/O page fault queue (see os/iommu/iopf.h).
 *
 * Locking: one mutex per queue protects the queue's group list, every
 * attached device's partial and in-flight lists, and the statistics. Reports
 * come from the driver's IRQ threads and groups are few, so the lock is not
 * contended; the handler itself (handle_mm_fault) runs without it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/iommu/iopf.h"

/* A device can hold this many unfinished page requests (hostile device bound). */
#define IOPF_MAX_PARTIAL	4096

struct iopf_partial {
	struct iommu_fault fault;
	struct iopf_partial *next;
};

struct iopf_group {
	struct iopf_device *dev;
	uint64_t seq;
	unsigned int nr;
	struct iommu_fault *faults;	/* faults[nr - 1] is the Last one */
	struct iopf_group *next;	/* queue order */
	struct iopf_group *next_dev;	/* the device's in-flight list */
};

struct iopf_device {
	struct iopf_queue *q;
	const struct iopf_device_ops *ops;
	void *ctx;
	bool removing;
	struct iopf_partial *partial;
	unsigned int nr_partial;
	struct iopf_group *in_flight;	/* queued or being handled */
	uint64_t next_seq;
	struct iopf_device *next;
};

struct iopf_queue {
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a group was queued, or stop */
	pthread_cond_t done;		/* a group was answered */
	struct iopf_group *head, **tail;
	struct iopf_device *devices;
	bool stop;
	iopf_handler_t handler;
	void *handler_ctx;
	unsigned int nr_workers;
	pthread_t *workers;
	struct iopf_stats stats;
	char name[32];
};

static bool pasid_match(const struct iommu_fault *f, bool pasid_valid, uint32_t pasid)
{
	if (!pasid_valid)
		return true;
	return (f->flags & IOMMU_FAULT_PASID_VALID) && f->pasid == pasid;
}

static void group_free(struct iopf_group *g)
{
	free(g->faults);
	free(g);
}

static void dev_unlink_group(struct iopf_device *dev, struct iopf_group *g)
{
	struct iopf_group **pp;

	for (pp = &dev->in_flight; *pp; pp = &(*pp)->next_dev) {
		if (*pp == g) {
			*pp = g->next_dev;
			return;
		}
	}
}

/* Resolve every fault of @g (stopping at the first failure) and answer it. */
static void iopf_handle_group(struct iopf_queue *q, struct iopf_group *g)
{
	const struct iommu_fault *last = &g->faults[g->nr - 1];
	enum iommu_page_response_code code = IOMMU_PAGE_RESP_SUCCESS;
	struct iommu_page_response resp;
	unsigned int i;

	for (i = 0; i < g->nr && code == IOMMU_PAGE_RESP_SUCCESS; i++)
		code = q->handler(q->handler_ctx, g->dev, &g->faults[i]);

	resp = (struct iommu_page_response){
		.flags = last->flags & IOMMU_FAULT_STALL,
		.pasid = last->pasid,
		.grpid = last->grpid,
		.sid = last->sid,
		.code = code,
	};
	/* A PRG response carries the PASID only if the function requires it (PCIe PRI). */
	if ((last->flags & IOMMU_FAULT_STALL) || (last->flags & IOMMU_FAULT_RESP_PASID))
		resp.flags |= last->flags & IOMMU_FAULT_PASID_VALID;
	g->dev->ops->page_response(g->dev->ctx, &resp);

	pthread_mutex_lock(&q->lock);
	if (code == IOMMU_PAGE_RESP_SUCCESS)
		q->stats.success++;
	else if (code == IOMMU_PAGE_RESP_INVALID)
		q->stats.invalid++;
	else
		q->stats.failure++;
	dev_unlink_group(g->dev, g);
	pthread_cond_broadcast(&q->done);
	pthread_mutex_unlock(&q->lock);
	group_free(g);
}

static void *iopf_worker(void *arg)
{
	struct iopf_queue *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct iopf_group *g;

		while (!q->head && !q->stop)
			pthread_cond_wait(&q->work, &q->lock);
		if (!q->head)
			break;
		g = q->head;
		q->head = g->next;
		if (!q->head)
			q->tail = &q->head;
		pthread_mutex_unlock(&q->lock);
		iopf_handle_group(q, g);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct iopf_queue *iopf_queue_alloc(const char *name, unsigned int nr_workers,
				    iopf_handler_t handler, void *handler_ctx)
{
	struct iopf_queue *q;
	unsigned int i;

	if (!handler || !nr_workers)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->workers = calloc(nr_workers, sizeof(*q->workers));
	if (!q->workers)
		goto err_free_queue;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->done, NULL);
	q->tail = &q->head;
	q->handler = handler;
	q->handler_ctx = handler_ctx;
	snprintf(q->name, sizeof(q->name), "%s", name ? name : "iopf");
	for (i = 0; i < nr_workers; i++) {
		if (pthread_create(&q->workers[i], NULL, iopf_worker, q))
			goto err_stop_workers;
		q->nr_workers++;
	}
	return q;

err_stop_workers:
	iopf_queue_free(q);
	return NULL;
err_free_queue:
	free(q);
	return NULL;
}

void iopf_queue_free(struct iopf_queue *q)
{
	unsigned int i;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;	/* workers drain what is queued, then exit */
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < q->nr_workers; i++)
		pthread_join(q->workers[i], NULL);
	while (q->devices)
		iopf_queue_remove_device(q, q->devices);
	pthread_cond_destroy(&q->done);
	pthread_cond_destroy(&q->work);
	pthread_mutex_destroy(&q->lock);
	free(q->workers);
	free(q);
}

struct iopf_device *iopf_queue_add_device(struct iopf_queue *q, const struct iopf_device_ops *ops,
					  void *ctx)
{
	struct iopf_device *dev;

	if (!ops || !ops->page_response)
		return NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->q = q;
	dev->ops = ops;
	dev->ctx = ctx;
	pthread_mutex_lock(&q->lock);
	dev->next = q->devices;
	q->devices = dev;
	pthread_mutex_unlock(&q->lock);
	return dev;
}

/* Under q->lock. */
static unsigned int discard_partial_locked(struct iopf_device *dev, bool pasid_valid,
					   uint32_t pasid)
{
	struct iopf_partial **pp = &dev->partial;
	unsigned int n = 0;

	while (*pp) {
		struct iopf_partial *p = *pp;

		if (pasid_match(&p->fault, pasid_valid, pasid)) {
			*pp = p->next;
			free(p);
			n++;
		} else {
			pp = &p->next;
		}
	}
	dev->nr_partial -= n;
	dev->q->stats.discarded += n;
	return n;
}

unsigned int iopf_queue_discard_partial(struct iopf_device *dev, bool pasid_valid, uint32_t pasid)
{
	unsigned int n;

	pthread_mutex_lock(&dev->q->lock);
	n = discard_partial_locked(dev, pasid_valid, pasid);
	pthread_mutex_unlock(&dev->q->lock);
	return n;
}

void iopf_queue_remove_device(struct iopf_queue *q, struct iopf_device *dev)
{
	struct iopf_device **pp;

	pthread_mutex_lock(&q->lock);
	dev->removing = true;
	discard_partial_locked(dev, false, 0);
	while (dev->in_flight) {
		if (q->stop && !q->nr_workers)
			break;	/* cannot happen: workers drain before exiting */
		pthread_cond_wait(&q->done, &q->lock);
	}
	for (pp = &q->devices; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	pthread_mutex_unlock(&q->lock);
	free(dev);
}

static bool fault_valid(const struct iommu_fault *f)
{
	if (f->flags & ~(IOMMU_FAULT_PASID_VALID | IOMMU_FAULT_LAST_PAGE | IOMMU_FAULT_STALL |
			 IOMMU_FAULT_RESP_PASID))
		return false;
	/* A stall is a transaction of its own: always a complete group. */
	if ((f->flags & IOMMU_FAULT_STALL) && !(f->flags & IOMMU_FAULT_LAST_PAGE))
		return false;
	return !(f->perm & ~(IOMMU_FAULT_PERM_READ | IOMMU_FAULT_PERM_WRITE |
			     IOMMU_FAULT_PERM_EXEC | IOMMU_FAULT_PERM_PRIV));
}

/* Does the partial request @p belong to the group that @last closes? */
static bool same_group(const struct iommu_fault *p, const struct iommu_fault *last)
{
	return p->grpid == last->grpid && p->pasid == last->pasid &&
	       p->flags == (last->flags & ~IOMMU_FAULT_LAST_PAGE);
}

/* Under q->lock: take the partial requests of @last's group, then @last. */
static struct iopf_group *group_build_locked(struct iopf_device *dev,
					     const struct iommu_fault *last)
{
	struct iopf_partial **pp;
	struct iopf_group *g;
	unsigned int n = 1;

	for (pp = &dev->partial; *pp; pp = &(*pp)->next)
		n += same_group(&(*pp)->fault, last);
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->faults = calloc(n, sizeof(*g->faults));
	if (!g->faults) {
		free(g);
		return NULL;
	}
	pp = &dev->partial;
	while (*pp) {
		struct iopf_partial *p = *pp;

		if (same_group(&p->fault, last)) {
			g->faults[g->nr++] = p->fault;
			*pp = p->next;
			dev->nr_partial--;
			free(p);
		} else {
			pp = &p->next;
		}
	}
	g->faults[g->nr++] = *last;
	g->dev = dev;
	return g;
}

int iopf_report_fault(struct iopf_device *dev, const struct iommu_fault *fault)
{
	struct iopf_queue *q = dev->q;
	struct iopf_group *g;
	int ret = 0;

	pthread_mutex_lock(&q->lock);
	if (!fault_valid(fault)) {
		ret = -EINVAL;
		goto out_refused;
	}
	if (dev->removing) {
		ret = -ENODEV;
		goto out_refused;
	}
	if (fault->flags & IOMMU_FAULT_STALL)
		q->stats.stalls++;
	else
		q->stats.page_requests++;
	if (!(fault->flags & IOMMU_FAULT_LAST_PAGE)) {
		struct iopf_partial *p;

		if (dev->nr_partial >= IOPF_MAX_PARTIAL) {
			ret = -ENOMEM;
			goto out_refused;
		}
		p = calloc(1, sizeof(*p));
		if (!p) {
			ret = -ENOMEM;
			goto out_refused;
		}
		p->fault = *fault;
		p->next = dev->partial;
		dev->partial = p;
		dev->nr_partial++;
		goto out_unlock;
	}
	g = group_build_locked(dev, fault);
	if (!g) {
		ret = -ENOMEM;
		goto out_refused;
	}
	g->seq = dev->next_seq++;
	g->next_dev = dev->in_flight;
	dev->in_flight = g;
	*q->tail = g;
	q->tail = &g->next;
	q->stats.groups++;
	pthread_cond_signal(&q->work);
	goto out_unlock;

out_refused:
	q->stats.refused++;
out_unlock:
	pthread_mutex_unlock(&q->lock);
	return ret;
}

/* Under q->lock: is a group of @dev with seq < @end (and the PASID) still in flight? */
static bool pending_locked(struct iopf_device *dev, uint64_t end, bool pasid_valid, uint32_t pasid)
{
	struct iopf_group *g;

	for (g = dev->in_flight; g; g = g->next_dev)
		if (g->seq < end && pasid_match(&g->faults[g->nr - 1], pasid_valid, pasid))
			return true;
	return false;
}

void iopf_queue_flush_dev(struct iopf_device *dev, bool pasid_valid, uint32_t pasid)
{
	struct iopf_queue *q = dev->q;
	uint64_t end;

	pthread_mutex_lock(&q->lock);
	end = dev->next_seq;
	while (pending_locked(dev, end, pasid_valid, pasid))
		pthread_cond_wait(&q->done, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void iopf_queue_get_stats(struct iopf_queue *q, struct iopf_stats *st)
{
	pthread_mutex_lock(&q->lock);
	*st = q->stats;
	pthread_mutex_unlock(&q->lock);
}
