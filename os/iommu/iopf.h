/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O page faults (as Linux's drivers/iommu/io-pgfault.c).
 *
 * The IOMMU driver reports recoverable faults — PCIe page requests from its
 * PRI queue, stalled transactions from its event queue — with
 * iopf_report_fault(). Page requests that are not Last wait on the device's
 * partial list; the Last one turns every partial request with the same group
 * index (and PASID) into a group, queued to a worker of the device's iopf
 * queue. A stall is a group of one. The worker resolves each fault of the
 * group with the queue's handler (for SVA: find the mm by PASID and run
 * handle_mm_fault), and answers the whole group once through the device's
 * page_response op (CMD_PRI_RESP or CMD_RESUME in the driver): SUCCESS if
 * every fault was resolved, otherwise the first failure.
 */
#ifndef OS_IOMMU_IOPF_H
#define OS_IOMMU_IOPF_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* iommu_fault flags */
#define IOMMU_FAULT_PASID_VALID		(1u << 0)
#define IOMMU_FAULT_LAST_PAGE		(1u << 1)	/* last request of its group */
#define IOMMU_FAULT_STALL		(1u << 2)	/* a stalled transaction, not a PRI request */
#define IOMMU_FAULT_RESP_PASID		(1u << 3)	/* the response must carry the PASID */

/* Requested access */
#define IOMMU_FAULT_PERM_READ		(1u << 0)
#define IOMMU_FAULT_PERM_WRITE		(1u << 1)
#define IOMMU_FAULT_PERM_EXEC		(1u << 2)
#define IOMMU_FAULT_PERM_PRIV		(1u << 3)

struct iommu_fault {
	uint32_t flags;
	uint32_t pasid;
	uint32_t grpid;		/* PRG index, or the STAG of a stall */
	uint32_t perm;
	uint64_t addr;
	uint32_t sid;		/* for the driver's response */
};

enum iommu_page_response_code {
	IOMMU_PAGE_RESP_SUCCESS = 0,
	IOMMU_PAGE_RESP_INVALID,	/* the request cannot be satisfied: fail the access */
	IOMMU_PAGE_RESP_FAILURE,	/* something is badly wrong: stop using PRI */
};

struct iommu_page_response {
	uint32_t flags;		/* IOMMU_FAULT_PASID_VALID | IOMMU_FAULT_STALL */
	uint32_t pasid;
	uint32_t grpid;
	uint32_t sid;
	enum iommu_page_response_code code;
};

struct iopf_device;

/* What a device provides to the fault path (the IOMMU driver's callbacks). */
struct iopf_device_ops {
	/* Deliver the response for a group (CMD_PRI_RESP / CMD_RESUME). */
	void (*page_response)(void *ctx, const struct iommu_page_response *resp);
};

/*
 * Resolve one fault (for SVA: the mm behind the PASID). Runs on a worker
 * thread. Returns SUCCESS, INVALID or FAILURE.
 */
typedef enum iommu_page_response_code (*iopf_handler_t)(void *ctx, struct iopf_device *dev,
							 const struct iommu_fault *fault);

struct iopf_queue;

/* A queue with @nr_workers threads calling @handler. NULL on failure. */
struct iopf_queue *iopf_queue_alloc(const char *name, unsigned int nr_workers,
				    iopf_handler_t handler, void *handler_ctx);
/* All devices must have been removed. */
void iopf_queue_free(struct iopf_queue *q);

/* Attach a device to @q (iopf_queue_add_device): it may then report faults. */
struct iopf_device *iopf_queue_add_device(struct iopf_queue *q, const struct iopf_device_ops *ops,
					  void *ctx);
/*
 * Detach: new reports are refused, partial requests are discarded, queued
 * and running groups are completed (answered) first. Frees @dev.
 */
void iopf_queue_remove_device(struct iopf_queue *q, struct iopf_device *dev);

/*
 * Report a fault (the driver's IRQ thread). 0, -EINVAL for a malformed fault,
 * -ENODEV if the device is being removed, -ENOMEM. A refused Last request or
 * stall must be answered by the caller (the fault path did not take it).
 */
int iopf_report_fault(struct iopf_device *dev, const struct iommu_fault *fault);

/*
 * Wait until every group of @dev reported so far has been answered (for
 * @pasid only if @pasid_valid). Used by unbind after the device stopped
 * issuing requests for the PASID.
 */
void iopf_queue_flush_dev(struct iopf_device *dev, bool pasid_valid, uint32_t pasid);

/*
 * Discard partial (not yet Last) page requests of @dev, all or those of one
 * PASID: after a PRI queue overflow (the Last request of those groups may
 * have been lost) or at unbind. Returns how many were dropped.
 */
unsigned int iopf_queue_discard_partial(struct iopf_device *dev, bool pasid_valid, uint32_t pasid);

struct iopf_stats {
	uint64_t page_requests, stalls, groups;
	uint64_t success, invalid, failure;
	uint64_t discarded;	/* partial requests dropped */
	uint64_t refused;	/* reports refused (removal, malformed, no memory) */
};
void iopf_queue_get_stats(struct iopf_queue *q, struct iopf_stats *st);

#endif /* OS_IOMMU_IOPF_H */
