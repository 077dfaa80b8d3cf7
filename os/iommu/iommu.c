// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU core: devices, features, SVA binding, PASIDs of mms, and the
 * I/O page-fault handler (see os/iommu/iommu.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/iommu/iommu.h"
#include "os/mm/mm.h"

#define PASID_LO_BITS	10
#define PASID_LO_SIZE	(1u << PASID_LO_BITS)

static unsigned int pasid_hi_size(const struct iommu_core *core)
{
	return core->pasid_bits > PASID_LO_BITS ? 1u << (core->pasid_bits - PASID_LO_BITS) : 1;
}

int iommu_core_init(struct iommu_core *core, unsigned int pasid_bits, unsigned int iopf_workers)
{
	memset(core, 0, sizeof(*core));
	core->pasid_bits = pasid_bits;
	core->pasids = pasid_allocator_create(pasid_bits);
	if (!core->pasids)
		return -EINVAL;
	core->pasid_mm = calloc(pasid_hi_size(core), sizeof(*core->pasid_mm));
	if (!core->pasid_mm)
		goto err_free_pasids;
	core->iopf_queue = iopf_queue_alloc("iopf", iopf_workers, iommu_sva_handle_iopf, core);
	if (!core->iopf_queue)
		goto err_free_table;
	pthread_mutex_init(&core->lock, NULL);
	return 0;

err_free_table:
	free(core->pasid_mm);
err_free_pasids:
	pasid_allocator_destroy(core->pasids);
	return -ENOMEM;
}

void iommu_core_fini(struct iommu_core *core)
{
	unsigned int i;

	iopf_queue_free(core->iopf_queue);
	for (i = 0; i < pasid_hi_size(core); i++)
		free(core->pasid_mm[i]);
	free(core->pasid_mm);
	pasid_allocator_destroy(core->pasids);
	pthread_mutex_destroy(&core->lock);
}

void iommu_device_init(struct device *dev, struct iommu_core *core, const char *name,
		       const struct iommu_ops *ops, void *priv)
{
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->core = core;
	dev->ops = ops;
	dev->iommu_priv = priv;
	pthread_mutex_init(&dev->lock, NULL);
}

void iommu_device_fini(struct device *dev)
{
	if (iommu_dev_feature_enabled(dev, IOMMU_DEV_FEAT_SVA))
		iommu_dev_disable_feature(dev, IOMMU_DEV_FEAT_SVA);
	if (iommu_dev_feature_enabled(dev, IOMMU_DEV_FEAT_IOPF))
		iommu_dev_disable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	pthread_mutex_destroy(&dev->lock);
}

/* The iopf queue answers a group through the device's driver. */
static void core_page_response(void *ctx, const struct iommu_page_response *resp)
{
	struct device *dev = ctx;

	dev->ops->page_response(dev, resp);
}

static const struct iopf_device_ops core_iopf_ops = {
	.page_response = core_page_response,
};

int iommu_dev_enable_feature(struct device *dev, enum iommu_dev_features feat)
{
	int ret = 0;

	if (feat >= IOMMU_DEV_FEAT_NR || !dev->ops || !dev->ops->dev_enable_feat)
		return -ENODEV;
	pthread_mutex_lock(&dev->lock);
	if (dev->features & (1u << feat))
		goto out_unlock;	/* already on */
	if (feat == IOMMU_DEV_FEAT_SVA && !(dev->features & (1u << IOMMU_DEV_FEAT_IOPF))) {
		ret = -EINVAL;	/* SVA needs recoverable faults */
		goto out_unlock;
	}
	if (feat == IOMMU_DEV_FEAT_IOPF) {
		dev->iopf = iopf_queue_add_device(dev->core->iopf_queue, &core_iopf_ops, dev);
		if (!dev->iopf) {
			ret = -ENOMEM;
			goto out_unlock;
		}
	}
	ret = dev->ops->dev_enable_feat(dev, feat);
	if (ret) {
		if (feat == IOMMU_DEV_FEAT_IOPF) {
			iopf_queue_remove_device(dev->core->iopf_queue, dev->iopf);
			dev->iopf = NULL;
		}
		goto out_unlock;
	}
	dev->features |= 1u << feat;
out_unlock:
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int iommu_dev_disable_feature(struct device *dev, enum iommu_dev_features feat)
{
	int ret;

	if (feat >= IOMMU_DEV_FEAT_NR || !dev->ops || !dev->ops->dev_disable_feat)
		return -ENODEV;
	pthread_mutex_lock(&dev->lock);
	if (!(dev->features & (1u << feat))) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (feat == IOMMU_DEV_FEAT_IOPF && (dev->features & (1u << IOMMU_DEV_FEAT_SVA))) {
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = dev->ops->dev_disable_feat(dev, feat);
	if (ret)
		goto out_unlock;
	dev->features &= ~(1u << feat);
	if (feat == IOMMU_DEV_FEAT_IOPF) {
		/* Answers whatever is still queued, drops partial groups. */
		iopf_queue_remove_device(dev->core->iopf_queue, dev->iopf);
		dev->iopf = NULL;
	}
out_unlock:
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

bool iommu_dev_feature_enabled(struct device *dev, enum iommu_dev_features feat)
{
	bool on;

	pthread_mutex_lock(&dev->lock);
	on = feat < IOMMU_DEV_FEAT_NR && (dev->features & (1u << feat));
	pthread_mutex_unlock(&dev->lock);
	return on;
}

struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	struct iommu_domain *domain;

	if (!dev->ops || !dev->ops->domain_alloc_paging)
		return NULL;
	domain = dev->ops->domain_alloc_paging(dev);
	if (domain)
		domain->ops = dev->ops;
	return domain;
}

void iommu_domain_free(struct iommu_domain *domain)
{
	if (domain)
		domain->ops->domain_free(domain);
}

int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	if (domain->ops != dev->ops)
		return -EINVAL;	/* a domain of another IOMMU */
	return dev->ops->attach_dev(domain, dev);
}

void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	(void)domain;
	if (dev->ops && dev->ops->attach_blocked)
		dev->ops->attach_blocked(dev);
}

int iommu_map(struct iommu_domain *domain, uint64_t iova, uint64_t pa, uint64_t size,
	      unsigned int prot)
{
	if (!size)
		return -EINVAL;
	return domain->ops->map(domain, iova, pa, size, prot);
}

uint64_t iommu_unmap(struct iommu_domain *domain, uint64_t iova, uint64_t size)
{
	return domain->ops->unmap(domain, iova, size);
}

uint64_t iommu_iova_to_phys(struct iommu_domain *domain, uint64_t iova)
{
	return domain->ops->iova_to_phys(domain, iova);
}

struct iommu_sva *iommu_sva_bind_device(struct device *dev, struct mm *mm, int *err,
					char *why, unsigned int whylen)
{
	if (whylen)
		why[0] = '\0';
	if (!dev->ops || !dev->ops->sva_bind) {
		*err = -ENODEV;
		return NULL;
	}
	if (!iommu_dev_feature_enabled(dev, IOMMU_DEV_FEAT_SVA)) {
		*err = -EINVAL;
		if (whylen)
			snprintf(why, whylen, "SVA is not enabled on %s", dev->name);
		return NULL;
	}
	return dev->ops->sva_bind(dev, mm, err, why, whylen);
}

void iommu_sva_unbind_device(struct iommu_sva *handle)
{
	handle->dev->ops->sva_unbind(handle);
}

uint32_t iommu_sva_get_pasid(struct iommu_sva *handle)
{
	return handle->dev->ops->sva_get_pasid(handle);
}

static struct mm **pasid_slot(struct iommu_core *core, uint32_t pasid, bool alloc)
{
	struct mm ***hi = &core->pasid_mm[pasid >> PASID_LO_BITS];

	if (!*hi) {
		if (!alloc)
			return NULL;
		*hi = calloc(PASID_LO_SIZE, sizeof(**hi));
		if (!*hi)
			return NULL;
	}
	return &(*hi)[pasid & (PASID_LO_SIZE - 1)];
}

int iommu_sva_get_pasid_for(struct iommu_core *core, struct mm *mm, uint32_t min, uint32_t max)
{
	uint32_t cur;
	struct mm **slot;
	int64_t pasid;
	int ret = 0;

	pthread_mutex_lock(&core->lock);
	cur = __atomic_load_n(&mm->pasid, __ATOMIC_RELAXED);
	if (cur) {
		/* One PASID per mm: every device must be able to use it. */
		if (cur < min || cur > max)
			ret = -EOVERFLOW;
		else
			ret = pasid_get(core->pasids, cur);
		goto out_unlock;
	}
	pasid = pasid_alloc(core->pasids, min, max);
	if (pasid < 0) {
		ret = (int)pasid;
		goto out_unlock;
	}
	slot = pasid_slot(core, (uint32_t)pasid, true);
	if (!slot) {
		pasid_put(core->pasids, (uint32_t)pasid);
		ret = -ENOMEM;
		goto out_unlock;
	}
	*slot = mm;
	/* The allocation's reference is the mm's; the caller gets another. */
	pasid_get(core->pasids, (uint32_t)pasid);
	__atomic_store_n(&mm->pasid, (uint32_t)pasid, __ATOMIC_RELEASE);
out_unlock:
	pthread_mutex_unlock(&core->lock);
	return ret;
}

void iommu_sva_put_pasid(struct iommu_core *core, struct mm *mm)
{
	pasid_put(core->pasids, __atomic_load_n(&mm->pasid, __ATOMIC_ACQUIRE));
}

struct mm *iommu_sva_find(struct iommu_core *core, uint32_t pasid)
{
	struct mm **slot, *mm = NULL;

	if (!pasid || pasid >= (1u << core->pasid_bits))
		return NULL;
	pthread_mutex_lock(&core->lock);
	slot = pasid_slot(core, pasid, false);
	if (slot && *slot && mmget_not_zero(*slot))
		mm = *slot;
	pthread_mutex_unlock(&core->lock);
	return mm;
}

void iommu_sva_mm_free(struct iommu_core *core, struct mm *mm)
{
	uint32_t pasid;
	struct mm **slot;

	pthread_mutex_lock(&core->lock);
	pasid = __atomic_load_n(&mm->pasid, __ATOMIC_RELAXED);
	if (pasid) {
		slot = pasid_slot(core, pasid, false);
		if (slot && *slot == mm)
			*slot = NULL;
		__atomic_store_n(&mm->pasid, 0, __ATOMIC_RELAXED);
		pasid_put(core->pasids, pasid);
	}
	pthread_mutex_unlock(&core->lock);
}

int iommu_report_device_fault(struct device *dev, const struct iommu_fault *fault)
{
	struct iopf_device *iopf;

	pthread_mutex_lock(&dev->lock);
	iopf = dev->iopf;
	pthread_mutex_unlock(&dev->lock);
	if (!iopf)
		return -ENODEV;
	return iopf_report_fault(iopf, fault);
}

enum iommu_page_response_code iommu_sva_handle_iopf(void *ctx, struct iopf_device *dev,
						     const struct iommu_fault *fault)
{
	struct iommu_core *core = ctx;
	unsigned int flags = FAULT_FLAG_REMOTE;
	struct mm *mm;
	int ret;

	(void)dev;
	if (!(fault->flags & IOMMU_FAULT_PASID_VALID))
		return IOMMU_PAGE_RESP_INVALID;
	mm = iommu_sva_find(core, fault->pasid);
	if (!mm)
		return IOMMU_PAGE_RESP_INVALID;
	if (fault->perm & IOMMU_FAULT_PERM_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (fault->perm & IOMMU_FAULT_PERM_EXEC)
		flags |= FAULT_FLAG_EXEC;
	mmap_read_lock(mm);
	ret = handle_mm_fault(mm, fault->addr, flags);
	mmap_read_unlock(mm);
	mmput(mm);
	return ret ? IOMMU_PAGE_RESP_INVALID : IOMMU_PAGE_RESP_SUCCESS;
}
