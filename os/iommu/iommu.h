/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IOMMU core (as Linux's drivers/iommu/iommu.c and iommu-sva.c, for the
 * parts SVA needs): devices behind an IOMMU, per-device features (IOPF, SVA),
 * the SVA bind API, the PASID <-> mm association, and the I/O page-fault
 * handler that resolves faults in the mm behind a PASID.
 *
 * The IOMMU driver (os/arm-smmu-v3) implements struct iommu_ops; the core
 * calls it for feature enabling, binding, and page responses.
 *
 * PASID lifetime: an mm gets its PASID from the global allocator at its
 * first bind (mm->pasid); the mm holds one reference, every bond one more.
 * The PASID is released when the mm is freed (iommu_sva_mm_free(), called
 * from the mm's last mmdrop), after the last unbind: it is never handed to
 * another mm while a device could still use it.
 */
#ifndef OS_IOMMU_IOMMU_H
#define OS_IOMMU_IOMMU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "os/iommu/iopf.h"
#include "os/iommu/pasid.h"

struct mm;
struct device;
struct iommu_sva;
struct iommu_domain;

/* iommu_map() protections (as Linux's IOMMU_*). */
#define IOMMU_READ	(1u << 0)
#define IOMMU_WRITE	(1u << 1)
#define IOMMU_NOEXEC	(1u << 3)
#define IOMMU_PRIV	(1u << 5)

enum iommu_dev_features {
	IOMMU_DEV_FEAT_IOPF,	/* recoverable I/O page faults (PRI or stall) */
	IOMMU_DEV_FEAT_SVA,	/* shared virtual addressing (needs IOPF) */
	IOMMU_DEV_FEAT_NR,
};

struct iommu_ops {
	/* Paging domains: an I/O address space of the driver's own format. */
	struct iommu_domain *(*domain_alloc_paging)(struct device *dev);
	void (*domain_free)(struct iommu_domain *domain);
	/* Make @domain the device's translation for DMA without a PASID. */
	int (*attach_dev)(struct iommu_domain *domain, struct device *dev);
	/* Detach whatever domain: DMA without a PASID is blocked. */
	int (*attach_blocked)(struct device *dev);
	int (*map)(struct iommu_domain *domain, uint64_t iova, uint64_t pa, uint64_t size,
		   unsigned int prot);
	/* Bytes unmapped; the IOTLBs hold no stale entry on return. */
	uint64_t (*unmap)(struct iommu_domain *domain, uint64_t iova, uint64_t size);
	uint64_t (*iova_to_phys)(struct iommu_domain *domain, uint64_t iova);

	int (*dev_enable_feat)(struct device *dev, enum iommu_dev_features feat);
	int (*dev_disable_feat)(struct device *dev, enum iommu_dev_features feat);
	/*
	 * Bind @mm to @dev: returns a bond (the same, refcounted, for the same
	 * pair), or an ERR-style NULL with *@err set: -EINVAL, -ENODEV,
	 * -ENOSPC (no PASID/ASID), -EOPNOTSUPP (a support check failed; the
	 * driver fills @why with which one).
	 */
	struct iommu_sva *(*sva_bind)(struct device *dev, struct mm *mm, int *err,
				      char *why, unsigned int whylen);
	void (*sva_unbind)(struct iommu_sva *handle);
	uint32_t (*sva_get_pasid)(struct iommu_sva *handle);
	/* Answer a fault group (CMD_PRI_RESP or CMD_RESUME). */
	void (*page_response)(struct device *dev, const struct iommu_page_response *resp);
};

/* A device behind an IOMMU (Linux's struct device + dev_iommu). */
struct device {
	char name[32];
	const struct iommu_ops *ops;
	void *iommu_priv;		/* the driver's per-device state (master) */
	struct iommu_core *core;
	struct iopf_device *iopf;	/* set while IOPF is enabled */
	unsigned int features;		/* enabled IOMMU_DEV_FEAT_* bits, under lock */
	pthread_mutex_t lock;
};

/* A paging domain; the driver embeds it in its own. */
struct iommu_domain {
	const struct iommu_ops *ops;
};

/* A bond between a device and an mm; the driver embeds it in its own. */
struct iommu_sva {
	struct device *dev;
};

/* What is global to one OS instance's IOMMU layer. */
struct iommu_core {
	struct pasid_allocator *pasids;
	struct iopf_queue *iopf_queue;	/* one queue, its workers shared by all devices */
	pthread_mutex_t lock;		/* the PASID -> mm table and binds */
	struct mm ***pasid_mm;		/* two-level table: [hi][lo] */
	unsigned int pasid_bits;
};

/* 0 or -ENOMEM. @iopf_workers threads run the fault handler. */
int iommu_core_init(struct iommu_core *core, unsigned int pasid_bits, unsigned int iopf_workers);
void iommu_core_fini(struct iommu_core *core);

void iommu_device_init(struct device *dev, struct iommu_core *core, const char *name,
		       const struct iommu_ops *ops, void *priv);
void iommu_device_fini(struct device *dev);

/*
 * Enable / disable a feature (iommu_dev_enable_feature). Enabling IOPF adds
 * the device to the core's iopf queue (the driver reports faults with
 * iommu_report_device_fault()); SVA requires IOPF. 0 or -errno.
 */
int iommu_dev_enable_feature(struct device *dev, enum iommu_dev_features feat);
int iommu_dev_disable_feature(struct device *dev, enum iommu_dev_features feat);
bool iommu_dev_feature_enabled(struct device *dev, enum iommu_dev_features feat);

/*
 * Paging domains (the DMA API's ground): allocate one for @dev's IOMMU,
 * attach it to @dev for DMA without a PASID, map and unmap IOVAs. A device
 * detached from every domain is blocked (never bypass). 0 or -errno; NULL
 * when no domain could be allocated.
 */
struct iommu_domain *iommu_paging_domain_alloc(struct device *dev);
void iommu_domain_free(struct iommu_domain *domain);
int iommu_attach_device(struct iommu_domain *domain, struct device *dev);
void iommu_detach_device(struct iommu_domain *domain, struct device *dev);
int iommu_map(struct iommu_domain *domain, uint64_t iova, uint64_t pa, uint64_t size,
	      unsigned int prot);
uint64_t iommu_unmap(struct iommu_domain *domain, uint64_t iova, uint64_t size);
uint64_t iommu_iova_to_phys(struct iommu_domain *domain, uint64_t iova);

/*
 * iommu_sva_bind_device(): bind @mm to @dev. Returns the bond, or NULL with
 * *@err (and @why) set. Binding the same pair again returns the same bond
 * with one more reference.
 */
struct iommu_sva *iommu_sva_bind_device(struct device *dev, struct mm *mm, int *err,
					char *why, unsigned int whylen);
void iommu_sva_unbind_device(struct iommu_sva *handle);
uint32_t iommu_sva_get_pasid(struct iommu_sva *handle);

/*
 * For drivers: give @mm a PASID in [min, max] (or check that the one it has
 * fits: -EOVERFLOW otherwise) and take a reference on it for the caller.
 * 0 or -errno. iommu_sva_put_pasid() drops the caller's reference.
 */
int iommu_sva_get_pasid_for(struct iommu_core *core, struct mm *mm, uint32_t min, uint32_t max);
void iommu_sva_put_pasid(struct iommu_core *core, struct mm *mm);

/*
 * The mm bound to @pasid with a user reference (mmget_not_zero), or NULL if
 * none or it is exiting. The caller mmput()s it.
 */
struct mm *iommu_sva_find(struct iommu_core *core, uint32_t pasid);

/* Called when @mm is freed (last mmdrop): releases the mm's PASID reference. */
void iommu_sva_mm_free(struct iommu_core *core, struct mm *mm);

/* The driver reports a recoverable fault of @dev. 0 or -errno (then it answers). */
int iommu_report_device_fault(struct device *dev, const struct iommu_fault *fault);

/*
 * Resolve one I/O page fault in the mm behind its PASID (the iopf queue's
 * handler): SUCCESS when the page is now mapped with the requested access,
 * INVALID when there is no such mm, no VMA or not the permission.
 */
enum iommu_page_response_code iommu_sva_handle_iopf(void *core, struct iopf_device *dev,
						     const struct iommu_fault *fault);

#endif /* OS_IOMMU_IOMMU_H */
