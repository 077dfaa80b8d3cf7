// SPDX-License-Identifier: GPL-2.0
/*
 * os/iommu core: device features, PASIDs of mms, the PASID -> mm lookup,
 * and I/O page faults resolved in a real address space.
 */
#include <errno.h>

#include "os/iommu/iommu.h"
#include "os/mm/mm.h"
#include "tests/harness.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(64ULL << 20)
#define RW	(MM_PROT_READ | MM_PROT_WRITE)

static struct phys_mem mem;
static struct frame_pool *frames;
static struct mm_system sys;
static struct iommu_core core;

/* A fake IOMMU driver: records what the core asks of it. */
struct fake_master {
	unsigned int enabled;
	int fail_enable;
	unsigned int nr_resp;
	struct iommu_page_response last;
};

static int fake_enable(struct device *dev, enum iommu_dev_features f)
{
	struct fake_master *fm = dev->iommu_priv;

	if (fm->fail_enable)
		return fm->fail_enable;
	fm->enabled |= 1u << f;
	return 0;
}

static int fake_disable(struct device *dev, enum iommu_dev_features f)
{
	struct fake_master *fm = dev->iommu_priv;

	fm->enabled &= ~(1u << f);
	return 0;
}

static void fake_response(struct device *dev, const struct iommu_page_response *resp)
{
	struct fake_master *fm = dev->iommu_priv;

	fm->last = *resp;
	__atomic_fetch_add(&fm->nr_resp, 1, __ATOMIC_SEQ_CST);
}

/* A fake paging domain: one mapping, and what the core asked. */
struct fake_domain {
	struct iommu_domain domain;
	uint64_t iova, pa, size;
	unsigned int prot;
	struct device *attached;
	int blocked;
};

static struct iommu_domain *fake_domain_alloc(struct device *dev)
{
	struct fake_domain *fd = calloc(1, sizeof(*fd));

	(void)dev;
	return fd ? &fd->domain : NULL;
}

static void fake_domain_free(struct iommu_domain *domain)
{
	free(domain);
}

static int fake_attach(struct iommu_domain *domain, struct device *dev)
{
	((struct fake_domain *)domain)->attached = dev;
	return 0;
}

static int fake_attach_blocked(struct device *dev)
{
	struct fake_master *fm = dev->iommu_priv;

	fm->enabled |= 1u << 8;		/* "blocked" */
	return 0;
}

static int fake_map(struct iommu_domain *domain, uint64_t iova, uint64_t pa, uint64_t size,
		    unsigned int prot)
{
	struct fake_domain *fd = (struct fake_domain *)domain;

	fd->iova = iova;
	fd->pa = pa;
	fd->size = size;
	fd->prot = prot;
	return 0;
}

static uint64_t fake_unmap(struct iommu_domain *domain, uint64_t iova, uint64_t size)
{
	struct fake_domain *fd = (struct fake_domain *)domain;

	if (iova != fd->iova || size < fd->size)
		return 0;
	fd->size = 0;
	return size;
}

static uint64_t fake_iova_to_phys(struct iommu_domain *domain, uint64_t iova)
{
	struct fake_domain *fd = (struct fake_domain *)domain;

	return iova >= fd->iova && iova - fd->iova < fd->size ? fd->pa + (iova - fd->iova) : 0;
}

static const struct iommu_ops fake_ops = {
	.domain_alloc_paging = fake_domain_alloc,
	.domain_free = fake_domain_free,
	.attach_dev = fake_attach,
	.attach_blocked = fake_attach_blocked,
	.map = fake_map,
	.unmap = fake_unmap,
	.iova_to_phys = fake_iova_to_phys,
	.dev_enable_feat = fake_enable,
	.dev_disable_feat = fake_disable,
	.page_response = fake_response,
};

static void setup(void)
{
	struct mm_system_cfg cfg = { 0 };

	ASSERT_EQ(phys_mem_init(&mem, BASE, SIZE), 0);
	frames = frame_pool_create(&mem, BASE, SIZE, 12);
	ASSERT_TRUE(frames != NULL);
	cfg.mem = &mem;
	cfg.frames = frames;
	ASSERT_EQ(mm_system_init(&sys, &cfg), 0);
	ASSERT_EQ(iommu_core_init(&core, 20, 2), 0);
}

static void teardown(void)
{
	iommu_core_fini(&core);
	mm_system_fini(&sys);
	frame_pool_destroy(frames);
	phys_mem_fini(&mem);
}

/* Free an mm the way its last mmdrop will: its PASID goes with it. */
static void drop_mm(struct mm *mm)
{
	mmgrab(mm);
	mmput(mm);
	iommu_sva_mm_free(&core, mm);
	mmdrop(mm);
}

TEST(features_need_their_prerequisites)
{
	struct fake_master fm = { 0 };
	struct device dev;

	setup();
	iommu_device_init(&dev, &core, "acc", &fake_ops, &fm);
	EXPECT_EQ(iommu_dev_enable_feature(&dev, IOMMU_DEV_FEAT_SVA), -EINVAL);
	EXPECT_FALSE(iommu_dev_feature_enabled(&dev, IOMMU_DEV_FEAT_SVA));
	fm.fail_enable = -ENODEV;
	EXPECT_EQ(iommu_dev_enable_feature(&dev, IOMMU_DEV_FEAT_IOPF), -ENODEV);
	EXPECT_TRUE(dev.iopf == NULL);	/* undone on the driver's refusal */
	fm.fail_enable = 0;
	ASSERT_EQ(iommu_dev_enable_feature(&dev, IOMMU_DEV_FEAT_IOPF), 0);
	ASSERT_EQ(iommu_dev_enable_feature(&dev, IOMMU_DEV_FEAT_SVA), 0);
	EXPECT_EQ(fm.enabled, 3);
	EXPECT_EQ(iommu_dev_disable_feature(&dev, IOMMU_DEV_FEAT_IOPF), -EBUSY);
	ASSERT_EQ(iommu_dev_disable_feature(&dev, IOMMU_DEV_FEAT_SVA), 0);
	ASSERT_EQ(iommu_dev_disable_feature(&dev, IOMMU_DEV_FEAT_IOPF), 0);
	EXPECT_EQ(fm.enabled, 0);
	EXPECT_EQ(iommu_dev_disable_feature(&dev, IOMMU_DEV_FEAT_IOPF), -EINVAL);
	iommu_device_fini(&dev);
	teardown();
}

TEST(bind_requires_sva)
{
	struct fake_master fm = { 0 };
	struct device dev;
	struct mm *mm;
	char why[128];
	int err = 0;

	setup();
	iommu_device_init(&dev, &core, "acc", &fake_ops, &fm);
	mm = mm_create(&sys);
	ASSERT_TRUE(mm != NULL);
	EXPECT_TRUE(iommu_sva_bind_device(&dev, mm, &err, why, sizeof(why)) == NULL);
	EXPECT_EQ(err, -ENODEV);	/* the fake driver cannot bind */
	drop_mm(mm);
	iommu_device_fini(&dev);
	teardown();
}

TEST(one_pasid_per_mm_until_the_mm_is_freed)
{
	struct mm *a, *b, *found;

	setup();
	a = mm_create(&sys);
	b = mm_create(&sys);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(a->pasid, 0);
	ASSERT_EQ(iommu_sva_get_pasid_for(&core, a, 1, 255), 0);
	EXPECT_EQ(a->pasid, 1);
	/* A second device binding the same mm shares the PASID. */
	ASSERT_EQ(iommu_sva_get_pasid_for(&core, a, 1, 15), 0);
	EXPECT_EQ(a->pasid, 1);
	ASSERT_EQ(iommu_sva_get_pasid_for(&core, b, 1, 255), 0);
	EXPECT_EQ(b->pasid, 2);
	/* A device with a smaller PASID space cannot use PASID 2... */
	EXPECT_EQ(iommu_sva_get_pasid_for(&core, b, 1, 1), -EOVERFLOW);
	found = iommu_sva_find(&core, 2);
	EXPECT_TRUE(found == b);
	if (found)
		mmput(found);
	EXPECT_TRUE(iommu_sva_find(&core, 3) == NULL);
	EXPECT_TRUE(iommu_sva_find(&core, 0) == NULL);
	EXPECT_TRUE(iommu_sva_find(&core, 1u << 20) == NULL);

	/* Unbinding everything leaves the PASID with the mm... */
	iommu_sva_put_pasid(&core, a);
	iommu_sva_put_pasid(&core, a);
	EXPECT_EQ(pasid_nr_allocated(core.pasids), 2);
	EXPECT_EQ(a->pasid, 1);
	/* ...until the mm is freed: then it is reusable. */
	drop_mm(a);
	EXPECT_EQ(pasid_nr_allocated(core.pasids), 1);
	EXPECT_TRUE(iommu_sva_find(&core, 1) == NULL);
	iommu_sva_put_pasid(&core, b);
	drop_mm(b);
	EXPECT_EQ(pasid_nr_allocated(core.pasids), 0);
	teardown();
}

TEST(exiting_mm_is_not_found)
{
	struct mm *mm;

	setup();
	mm = mm_create(&sys);
	ASSERT_EQ(iommu_sva_get_pasid_for(&core, mm, 1, 255), 0);
	mmgrab(mm);
	mmput(mm);		/* the process exited: no users left */
	EXPECT_TRUE(iommu_sva_find(&core, 1) == NULL);
	iommu_sva_put_pasid(&core, mm);
	iommu_sva_mm_free(&core, mm);
	mmdrop(mm);
	teardown();
}

static struct iommu_fault fault_at(uint32_t pasid, uint64_t addr, uint32_t perm)
{
	return (struct iommu_fault){
		.flags = IOMMU_FAULT_PASID_VALID | IOMMU_FAULT_LAST_PAGE,
		.pasid = pasid, .grpid = 1, .perm = perm, .addr = addr,
	};
}

TEST(iopf_handler_resolves_in_the_mm)
{
	struct iommu_fault f;
	struct mm *mm;
	uint64_t pte;

	setup();
	mm = mm_create(&sys);
	ASSERT_EQ(mm_mmap(mm, 0x400000, 0x10000, RW, MM_MAP_FIXED), 0x400000);
	ASSERT_EQ(mm_mmap(mm, 0x500000, 0x1000, MM_PROT_READ, MM_MAP_FIXED), 0x500000);
	ASSERT_EQ(iommu_sva_get_pasid_for(&core, mm, 1, 255), 0);

	f = fault_at(1, 0x401000, IOMMU_FAULT_PERM_READ | IOMMU_FAULT_PERM_WRITE);
	EXPECT_EQ(iommu_sva_handle_iopf(&core, NULL, &f), IOMMU_PAGE_RESP_SUCCESS);
	pte = pgtable_read_pte(&mm->pgt, 0x401000);
	EXPECT_TRUE(pte_valid(pte));
	EXPECT_TRUE(pte_dirty(pte));	/* a write fault makes the page dirty */
	EXPECT_FALSE(pte_valid(pgtable_read_pte(&mm->pgt, 0x402000)));

	f = fault_at(1, 0x500000, IOMMU_FAULT_PERM_READ);
	EXPECT_EQ(iommu_sva_handle_iopf(&core, NULL, &f), IOMMU_PAGE_RESP_SUCCESS);
	f = fault_at(1, 0x500000, IOMMU_FAULT_PERM_WRITE);
	EXPECT_EQ(iommu_sva_handle_iopf(&core, NULL, &f), IOMMU_PAGE_RESP_INVALID);
	f = fault_at(1, 0x500000, IOMMU_FAULT_PERM_EXEC | IOMMU_FAULT_PERM_READ);
	EXPECT_EQ(iommu_sva_handle_iopf(&core, NULL, &f), IOMMU_PAGE_RESP_INVALID);
	f = fault_at(1, 0x600000, IOMMU_FAULT_PERM_READ);	/* no VMA */
	EXPECT_EQ(iommu_sva_handle_iopf(&core, NULL, &f), IOMMU_PAGE_RESP_INVALID);
	f = fault_at(7, 0x400000, IOMMU_FAULT_PERM_READ);	/* nobody's PASID */
	EXPECT_EQ(iommu_sva_handle_iopf(&core, NULL, &f), IOMMU_PAGE_RESP_INVALID);
	f = fault_at(1, 0x400000, IOMMU_FAULT_PERM_READ);
	f.flags &= ~IOMMU_FAULT_PASID_VALID;			/* no PASID at all */
	EXPECT_EQ(iommu_sva_handle_iopf(&core, NULL, &f), IOMMU_PAGE_RESP_INVALID);

	iommu_sva_put_pasid(&core, mm);
	drop_mm(mm);
	teardown();
}

TEST(reported_fault_is_answered_through_the_driver)
{
	struct fake_master fm = { 0 };
	struct device dev;
	struct iommu_fault f;
	struct mm *mm;

	setup();
	iommu_device_init(&dev, &core, "acc", &fake_ops, &fm);
	mm = mm_create(&sys);
	ASSERT_EQ(mm_mmap(mm, 0x400000, 0x10000, RW, MM_MAP_FIXED), 0x400000);
	ASSERT_EQ(iommu_sva_get_pasid_for(&core, mm, 1, 255), 0);

	f = fault_at(1, 0x400000, IOMMU_FAULT_PERM_READ);
	EXPECT_EQ(iommu_report_device_fault(&dev, &f), -ENODEV);	/* IOPF is off */
	ASSERT_EQ(iommu_dev_enable_feature(&dev, IOMMU_DEV_FEAT_IOPF), 0);
	f.sid = 4;
	f.grpid = 33;
	ASSERT_EQ(iommu_report_device_fault(&dev, &f), 0);
	iopf_queue_flush_dev(dev.iopf, true, 1);
	ASSERT_EQ(fm.nr_resp, 1);
	EXPECT_EQ(fm.last.code, IOMMU_PAGE_RESP_SUCCESS);
	EXPECT_EQ(fm.last.grpid, 33);
	EXPECT_EQ(fm.last.sid, 4);
	EXPECT_TRUE(pte_valid(pgtable_read_pte(&mm->pgt, 0x400000)));

	f = fault_at(1, 0x900000, IOMMU_FAULT_PERM_READ);
	ASSERT_EQ(iommu_report_device_fault(&dev, &f), 0);
	iopf_queue_flush_dev(dev.iopf, false, 0);
	ASSERT_EQ(fm.nr_resp, 2);
	EXPECT_EQ(fm.last.code, IOMMU_PAGE_RESP_INVALID);

	iommu_device_fini(&dev);
	iommu_sva_put_pasid(&core, mm);
	drop_mm(mm);
	teardown();
}

TEST(paging_domains_through_the_core)
{
	static const struct iommu_ops other_ops = { .domain_alloc_paging = fake_domain_alloc };
	struct fake_master fm = { 0 }, fm2 = { 0 };
	struct device dev, other;
	struct iommu_domain *domain;
	struct fake_domain *fd;

	setup();
	iommu_device_init(&dev, &core, "acc", &fake_ops, &fm);
	iommu_device_init(&other, &core, "elsewhere", &other_ops, &fm2);
	domain = iommu_paging_domain_alloc(&dev);
	ASSERT_TRUE(domain != NULL);
	EXPECT_TRUE(domain->ops == &fake_ops);	/* the core records whose domain it is */
	fd = (struct fake_domain *)domain;
	EXPECT_EQ(iommu_attach_device(domain, &other), -EINVAL);	/* another IOMMU's device */
	ASSERT_EQ(iommu_attach_device(domain, &dev), 0);
	EXPECT_TRUE(fd->attached == &dev);
	EXPECT_EQ(iommu_map(domain, 0x10000, 0x80000000, 0, IOMMU_READ), -EINVAL);
	ASSERT_EQ(iommu_map(domain, 0x10000, 0x80000000, 0x2000, IOMMU_READ | IOMMU_WRITE), 0);
	EXPECT_EQ(fd->prot, IOMMU_READ | IOMMU_WRITE);
	EXPECT_EQ(iommu_iova_to_phys(domain, 0x11008), 0x80001008);
	EXPECT_EQ(iommu_unmap(domain, 0x10000, 0x2000), 0x2000);
	EXPECT_EQ(iommu_iova_to_phys(domain, 0x11008), 0);
	iommu_detach_device(domain, &dev);
	EXPECT_TRUE(fm.enabled & (1u << 8));	/* detached means blocked, never bypass */
	iommu_domain_free(domain);
	EXPECT_TRUE(iommu_paging_domain_alloc(&(struct device){ .ops = NULL }) == NULL);
	iommu_device_fini(&other);
	iommu_device_fini(&dev);
	teardown();
}
