// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's paging domains as the iommu core sees them (struct
 * iommu_domain, embedded in struct arm_smmu_domain): what a device driver
 * reaches through iommu_paging_domain_alloc(), iommu_attach_device(),
 * iommu_map() and iommu_unmap(). A struct device's iommu_priv is its master.
 */
#include <stddef.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"

static struct arm_smmu_domain *to_smmu_domain(struct iommu_domain *domain)
{
	return (struct arm_smmu_domain *)((char *)domain - offsetof(struct arm_smmu_domain, iommu));
}

struct iommu_domain *arm_smmu_iommu_domain_alloc_paging(struct device *dev)
{
	struct arm_smmu_master *master = dev->iommu_priv;
	struct arm_smmu_domain *domain = arm_smmu_domain_alloc_paging(master->smmu);

	return domain ? &domain->iommu : NULL;
}

void arm_smmu_iommu_domain_free(struct iommu_domain *domain)
{
	arm_smmu_domain_free(to_smmu_domain(domain));
}

int arm_smmu_iommu_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	return arm_smmu_attach_dev(dev->iommu_priv, to_smmu_domain(domain));
}

int arm_smmu_iommu_attach_blocked(struct device *dev)
{
	return arm_smmu_attach_blocked(dev->iommu_priv);
}

int arm_smmu_iommu_map(struct iommu_domain *domain, uint64_t iova, uint64_t pa, uint64_t size,
		       unsigned int prot)
{
	return arm_smmu_map(to_smmu_domain(domain), iova, pa, size, prot);
}

uint64_t arm_smmu_iommu_unmap(struct iommu_domain *domain, uint64_t iova, uint64_t size)
{
	return arm_smmu_unmap(to_smmu_domain(domain), iova, size);
}

uint64_t arm_smmu_iommu_iova_to_phys(struct iommu_domain *domain, uint64_t iova)
{
	return arm_smmu_iova_to_phys(to_smmu_domain(domain), iova);
}
