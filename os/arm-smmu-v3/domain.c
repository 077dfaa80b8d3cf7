// SPDX-License-Identifier: GPL-2.0
/*
 * Paging domains: a private stage-1 io-pgtable, an ASID from the SMMU's
 * ASID map, and the list of masters attached (for ATC invalidation).
 *
 * The ASID map is xarray-like: one slot per ASID holding the user (a
 * domain, or an SVA binding sharing the CPU's ASID), so the SVA code can
 * find who owns an ASID it needs and take it over.
 */
#include <errno.h>
#include <stdlib.h>

#include "arch/vmsa.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "os/arm-smmu-v3/io_pgtable.h"

/* ---- The ASID map ---------------------------------------------------------- */

int arm_smmu_asid_alloc(struct arm_smmu_device *smmu, void *ptr)
{
	uint32_t asid, nr = 1u << smmu->asid_bits;

	if (!ptr)
		return -EINVAL;
	pthread_mutex_lock(&smmu->lock);
	/* ASID 0 stays reserved, as on the CPU side. */
	for (asid = 1; asid < nr; asid++) {
		if (!smmu->asid_map[asid]) {
			smmu->asid_map[asid] = ptr;
			pthread_mutex_unlock(&smmu->lock);
			return (int)asid;
		}
	}
	pthread_mutex_unlock(&smmu->lock);
	return -ENOSPC;
}

int arm_smmu_asid_insert(struct arm_smmu_device *smmu, uint16_t asid, void *ptr)
{
	int ret = 0;

	if (!ptr || !asid || asid >> smmu->asid_bits)
		return -EINVAL;
	pthread_mutex_lock(&smmu->lock);
	if (smmu->asid_map[asid])
		ret = -EBUSY;
	else
		smmu->asid_map[asid] = ptr;
	pthread_mutex_unlock(&smmu->lock);
	return ret;
}

void *arm_smmu_asid_load(struct arm_smmu_device *smmu, uint16_t asid)
{
	void *ptr;

	if (asid >> smmu->asid_bits)
		return NULL;
	pthread_mutex_lock(&smmu->lock);
	ptr = smmu->asid_map[asid];
	pthread_mutex_unlock(&smmu->lock);
	return ptr;
}

void arm_smmu_asid_erase(struct arm_smmu_device *smmu, uint16_t asid)
{
	if (asid >> smmu->asid_bits)
		return;
	pthread_mutex_lock(&smmu->lock);
	smmu->asid_map[asid] = NULL;
	pthread_mutex_unlock(&smmu->lock);
}

/* ---- Domains ----------------------------------------------------------------- */

static void domain_flush_walk(void *cookie, uint64_t iova, uint64_t size, uint64_t granule)
{
	struct arm_smmu_domain *domain = cookie;

	/* Non-leaf: drop walk-cache entries pointing at tables about to be freed. */
	arm_smmu_domain_inv_range(domain, iova, size, granule, false);
}

static const struct io_pgtable_flush_ops domain_flush_ops = {
	.tlb_flush_walk = domain_flush_walk,
};

/* The smallest granule the SMMU supports that the frame allocator can back. */
static unsigned int domain_granule(struct arm_smmu_device *smmu)
{
	unsigned int page_shift = frame_page_shift(smmu->pool), gs;

	for (gs = 12; gs <= 16; gs += 2)
		if ((smmu->pgsize_bitmap & (1ull << gs)) && gs >= page_shift)
			return gs;
	return 0;
}

static int domain_init_pgtable(struct arm_smmu_domain *domain)
{
	struct arm_smmu_device *smmu = domain->smmu;
	struct io_pgtable_cfg cfg = {
		.granule_shift = domain_granule(smmu),
		.ias = smmu->ias < 48 ? smmu->ias : 48,
		.oas = smmu->oas < 48 ? smmu->oas : 48,
		.pgsize_bitmap = smmu->pgsize_bitmap,
		.pool = smmu->pool,
		.tlb = &domain_flush_ops,
		.cookie = domain,
	};

	domain->pgtbl = io_pgtable_alloc(&cfg);
	if (!domain->pgtbl)
		return -ENOMEM;
	domain->s1 = (struct arm_smmu_s1_cfg){
		.ttbr = domain->pgtbl->pgd_pa,
		.tsz = (uint8_t)(64 - cfg.ias),
		.tg = (uint8_t)vmsa_shift_to_tg0(cfg.granule_shift),
		.ips = (uint8_t)vmsa_bits_to_ips(cfg.oas),
		.irgn = VMSA_RGN_WBWA,
		.orgn = VMSA_RGN_WBWA,
		.sh = VMSA_SH_INNER,
		.mair = VMSA_MAIR_LINUX,
	};
	return 0;
}

struct arm_smmu_domain *arm_smmu_domain_alloc_paging(struct arm_smmu_device *smmu)
{
	struct arm_smmu_domain *domain = calloc(1, sizeof(*domain));
	int asid;

	if (!domain)
		return NULL;
	domain->smmu = smmu;
	domain->type = ARM_SMMU_DOMAIN_PAGING;
	pthread_mutex_init(&domain->lock, NULL);
	asid = arm_smmu_asid_alloc(smmu, domain);
	if (asid < 0)
		goto err_free;
	__atomic_store_n(&domain->asid, (uint16_t)asid, __ATOMIC_RELEASE);
	if (domain_init_pgtable(domain))
		goto err_asid;
	return domain;

err_asid:
	arm_smmu_asid_erase(smmu, (uint16_t)asid);
err_free:
	pthread_mutex_destroy(&domain->lock);
	free(domain);
	return NULL;
}

void arm_smmu_domain_free(struct arm_smmu_domain *domain)
{
	if (!domain)
		return;
	/* Nothing is attached: make sure no TLB entry outlives the ASID. */
	if (domain->type == ARM_SMMU_DOMAIN_PAGING) {
		uint16_t asid = arm_smmu_domain_asid(domain);

		arm_smmu_tlb_inv_asid(domain->smmu, asid);
		arm_smmu_asid_erase(domain->smmu, asid);
	}
	io_pgtable_free(domain->pgtbl);
	free(domain->masters);
	pthread_mutex_destroy(&domain->lock);
	free(domain);
}

int arm_smmu_domain_add_master(struct arm_smmu_domain *domain, struct arm_smmu_master *master)
{
	struct arm_smmu_master **m;
	unsigned int max;

	pthread_mutex_lock(&domain->lock);
	if (domain->nr_masters == domain->max_masters) {
		max = domain->max_masters ? 2 * domain->max_masters : 4;
		m = realloc(domain->masters, max * sizeof(*m));
		if (!m) {
			pthread_mutex_unlock(&domain->lock);
			return -ENOMEM;
		}
		domain->masters = m;
		domain->max_masters = max;
	}
	domain->masters[domain->nr_masters++] = master;
	pthread_mutex_unlock(&domain->lock);
	return 0;
}

void arm_smmu_domain_del_master(struct arm_smmu_domain *domain, struct arm_smmu_master *master)
{
	unsigned int i;

	pthread_mutex_lock(&domain->lock);
	for (i = 0; i < domain->nr_masters; i++) {
		if (domain->masters[i] != master)
			continue;
		domain->masters[i] = domain->masters[--domain->nr_masters];
		break;
	}
	pthread_mutex_unlock(&domain->lock);
}

/* ---- Map / unmap ----------------------------------------------------------- */

int arm_smmu_map(struct arm_smmu_domain *domain, uint64_t iova, uint64_t pa, uint64_t size,
		 unsigned int prot)
{
	unsigned int p = 0;

	if (!domain->pgtbl)
		return -EINVAL;
	if (prot & IOMMU_READ)
		p |= IO_PGTABLE_READ;
	if (prot & IOMMU_WRITE)
		p |= IO_PGTABLE_WRITE;
	if (prot & IOMMU_NOEXEC)
		p |= IO_PGTABLE_NOEXEC;
	if (prot & IOMMU_PRIV)
		p |= IO_PGTABLE_PRIV;
	/* New entries replace invalid ones: the SMMU caches no negative entries. */
	return io_pgtable_map(domain->pgtbl, iova, pa, size, p);
}

uint64_t arm_smmu_unmap(struct arm_smmu_domain *domain, uint64_t iova, uint64_t size)
{
	uint64_t granule, unmapped, leaf_sizes;
	bool leaf;

	if (!domain->pgtbl)
		return 0;
	granule = 1ull << domain->pgtbl->cfg.granule_shift;
	unmapped = io_pgtable_unmap(domain->pgtbl, iova, size, &leaf_sizes);
	if (!unmapped)
		return 0;
	/*
	 * A leaf-only invalidation carries a TTL hint naming the level of the
	 * entries, so it is only correct when they were all the same size;
	 * otherwise invalidate every level of the range.
	 */
	leaf = leaf_sizes && !(leaf_sizes & (leaf_sizes - 1));
	if (leaf)
		granule = leaf_sizes;
	/* iotlb_sync: once this returns, no device can reach the old pages. */
	arm_smmu_domain_inv_range(domain, iova, unmapped, granule, leaf);
	return unmapped;
}

uint64_t arm_smmu_iova_to_phys(struct arm_smmu_domain *domain, uint64_t iova)
{
	return domain->pgtbl ? io_pgtable_iova_to_phys(domain->pgtbl, iova) : 0;
}
