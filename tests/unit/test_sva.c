// SPDX-License-Identifier: GPL-2.0
/*
 * SVA end to end on the machine model (tests/unit/sva_machine.h): processes
 * bound to PCIe functions (ATS + PRI + PASID) and platform stall devices
 * through the arm-smmu-v3 driver and the iommu core; DMA into process
 * memory with demand paging; invalidation on munmap/mprotect with and
 * without BTM and ATS (a PCIe function with ATS + PRI, or a platform
 * device that stalls) for both ASID designs; ASID seizing; exit while
 * bound; unbind with faults in flight; bad PASIDs; refused binds.
 */
#include <errno.h>
#include <stdlib.h>

#include "tests/harness.h"
#include "hw/dma/engine.h"
#include "tests/unit/sva_machine.h"

#define RW	(MM_PROT_READ | MM_PROT_WRITE)
#define PAGE	4096ull

static struct sm_dev *add_pci(struct sm *sm, uint32_t sid)
{
	struct sm_dev *d;
	int err;

	d = sm_add_pci(sm, sid, 20, true, true, &err);
	if (!d)
		TH_LOG("add_pci(%u): %d", sid, err);
	/* Its level-2 stream table stays until the SMMU goes: part of the baseline. */
	sm->baseline = sm_frames(sm);
	return d;
}

static struct sm_dev *add_stall(struct sm *sm, uint32_t sid)
{
	struct sm_dev *d;
	int err;

	d = sm_add_platform(sm, sid, 16, true, true, &err);
	if (!d)
		TH_LOG("add_stall(%u): %d", sid, err);
	sm->baseline = sm_frames(sm);
	return d;
}

static struct iommu_sva *bind(struct sm_dev *d, struct mm *mm)
{
	struct iommu_sva *h;
	char why[128];
	int err;

	h = iommu_sva_bind_device(&d->dev, mm, &err, why, sizeof(why));
	if (!h)
		TH_LOG("bind: %d (%s)", err, why);
	return h;
}

static void setup(struct sm *sm, const struct sm_cfg *cfg)
{
	struct sm_cfg def;

	if (!cfg) {
		sm_cfg_default(&def);
		cfg = &def;
	}
	ASSERT_EQ(sm_init(sm, cfg), 0);
}

/* The process exits and its struct goes (PASID released as at the last mmdrop). */
static void process_exit(struct sm *sm, struct mm *mm)
{
	unsigned int i;

	for (i = 0; i < SM_NR_CPUS; i++)
		if (mm_on_cpu(&sm->sys, i) == mm)
			mm_switch(&sm->sys, NULL, i);
	mmgrab(mm);
	mmput(mm);
	iommu_sva_mm_free(&sm->core, mm);
	mmdrop(mm);
}

/* Everything but the devices' removal leaves no frame and no PASID behind. */
static void finish(struct sm *sm)
{
	sm_remove_devs(sm);
	EXPECT_EQ(sm_frames(sm), sm->baseline);
	EXPECT_EQ(pasid_nr_allocated(sm->core.pasids), 0);
	sm_fini(sm);
}

static uint64_t cmds(struct sm *sm, unsigned int op)
{
	return smmu_cmd_count(sm->smmu, op);
}

static uint64_t cd_qword(struct sm_dev *d, uint32_t pasid, unsigned int i)
{
	uint64_t *cd = arm_smmu_get_cd_ptr(d->master, pasid);

	return cd ? __atomic_load_n(&cd[i], __ATOMIC_ACQUIRE) : 0;
}

static struct sm_stats_snap {
	uint64_t events, stalls, page_requests, faults_refused;
} drv_stats(struct sm *sm)
{
	struct arm_smmu_stats *s = &sm->drv->stats;

	return (struct sm_stats_snap){
		__atomic_load_n(&s->events, __ATOMIC_RELAXED),
		__atomic_load_n(&s->stalls, __ATOMIC_RELAXED),
		__atomic_load_n(&s->page_requests, __ATOMIC_RELAXED),
		__atomic_load_n(&s->faults_refused, __ATOMIC_RELAXED),
	};
}

TEST(bind_dma_pri_demand_paging)
{
	struct sm_dev *d;
	struct iommu_sva *h;
	struct ep_stats est;
	struct mm *mm;
	struct sm sm;
	char buf[64], out[64];
	uint32_t pasid;
	int64_t va;

	setup(&sm, NULL);
	d = add_pci(&sm, 1);
	ASSERT_TRUE(d != NULL);
	mm = sm_process(&sm, 0);
	ASSERT_TRUE(mm != NULL);
	va = mm_mmap(mm, 0, 4 * PAGE, RW, 0);
	ASSERT_GT(va, 0);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	pasid = iommu_sva_get_pasid(h);
	ASSERT_NE(pasid, 0);
	EXPECT_EQ(pasid, mm->pasid);
	memset(buf, 0x5a, sizeof(buf));
	/* Nothing is mapped yet: the write faults, PRI brings the page in. */
	ASSERT_EQ(sm_dma(d, pasid, (uint64_t)va + PAGE + 8, buf, sizeof(buf), true), 0);
	ASSERT_EQ(sm_cpu_read(&sm, 0, (uint64_t)va + PAGE + 8, out, sizeof(out)), 0);
	EXPECT_EQ(memcmp(buf, out, sizeof(buf)), 0);
	ep_get_stats(d->ep, &est);
	EXPECT_GE(est.prg_groups, 1);
	EXPECT_GE(est.prg_success, 1);
	EXPECT_EQ(est.prg_invalid, 0);
	/* The CPU writes, the device reads what it wrote. */
	memset(buf, 0xc3, sizeof(buf));
	ASSERT_EQ(sm_cpu_write(&sm, 0, (uint64_t)va + 3 * PAGE, buf, sizeof(buf)), 0);
	ASSERT_EQ(sm_dma(d, pasid, (uint64_t)va + 3 * PAGE, out, sizeof(out), false), 0);
	EXPECT_EQ(memcmp(buf, out, sizeof(buf)), 0);
	iommu_sva_unbind_device(h);
	process_exit(&sm, mm);
	finish(&sm);
}

/* The CD the SMMU walks with is the CPU's configuration of the process. */
TEST(shared_cd_is_the_cpu_configuration)
{
	struct sm_dev *d;
	struct iommu_sva *h;
	struct mm *mm;
	struct sm sm;
	uint64_t cd0;
	uint32_t pasid;

	setup(&sm, NULL);
	d = add_pci(&sm, 1);
	ASSERT_TRUE(d != NULL);
	mm = sm_process(&sm, 0);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	pasid = iommu_sva_get_pasid(h);
	cd0 = cd_qword(d, pasid, 0);
	EXPECT_TRUE(cd0 & CD_0_V);
	EXPECT_EQ(FIELD_GET(CD_0_ASID, cd0), asid_of(sm.asids, &mm->context));
	EXPECT_EQ(arm_smmu_sva_asid(sm.drv, mm), asid_of(sm.asids, &mm->context));
	EXPECT_FALSE(cd0 & CD_0_ASET);
	EXPECT_EQ(FIELD_GET(CD_0_T0SZ, cd0), 16);
	EXPECT_EQ(FIELD_GET(CD_0_TG0, cd0), CD_TG0_4K);
	EXPECT_EQ(FIELD_GET(CD_0_IR0, cd0), VMSA_RGN_WBWA);
	EXPECT_EQ(FIELD_GET(CD_0_OR0, cd0), VMSA_RGN_WBWA);
	EXPECT_EQ(FIELD_GET(CD_0_SH0, cd0), VMSA_SH_INNER);
	EXPECT_EQ(FIELD_GET(CD_0_IPS, cd0), SMMU_OAS_48);
	EXPECT_TRUE(cd0 & CD_0_EPD1);
	EXPECT_FALSE(cd0 & CD_0_EPD0);
	EXPECT_TRUE(cd0 & CD_0_AA64);
	EXPECT_TRUE(cd0 & CD_0_R);
	EXPECT_TRUE(cd0 & CD_0_A);
	EXPECT_FALSE(cd0 & CD_0_S);	/* a PCIe function does not stall */
	EXPECT_TRUE(cd0 & CD_0_HA);	/* the model has HTTU (HD) */
	EXPECT_TRUE(cd0 & CD_0_HD);
	EXPECT_EQ(cd_qword(d, pasid, 1) & CD_1_TTB0, mm->pgt.root);
	EXPECT_EQ(cd_qword(d, pasid, 3), VMSA_MAIR_LINUX);
	iommu_sva_unbind_device(h);
	/* Unbind cleared it. */
	EXPECT_FALSE(cd_qword(d, pasid, 0) & CD_0_V);
	process_exit(&sm, mm);
	finish(&sm);
}

TEST(two_devices_share_the_pasid)
{
	struct iommu_sva *h1, *h2;
	struct sm_dev *d1, *d2;
	struct mm *mm;
	struct sm sm;
	uint32_t v = 0x1234, r = 0;
	int64_t va;

	setup(&sm, NULL);
	d1 = add_pci(&sm, 1);
	d2 = add_stall(&sm, 2);
	ASSERT_TRUE(d1 && d2);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 2 * PAGE, RW, 0);
	ASSERT_GT(va, 0);
	h1 = bind(d1, mm);
	h2 = bind(d2, mm);
	ASSERT_TRUE(h1 && h2);
	EXPECT_NE(h1, h2);
	ASSERT_EQ(iommu_sva_get_pasid(h1), iommu_sva_get_pasid(h2));
	/* One PASID: the allocator holds it once. */
	EXPECT_EQ(pasid_nr_allocated(sm.core.pasids), 1);
	ASSERT_EQ(sm_dma(d1, mm->pasid, (uint64_t)va, &v, sizeof(v), true), 0);
	ASSERT_EQ(sm_dma(d2, mm->pasid, (uint64_t)va, &r, sizeof(r), false), 0);
	EXPECT_EQ(r, v);
	/* One device going away leaves the other working. */
	iommu_sva_unbind_device(h1);
	EXPECT_NE(sm_dma(d1, mm->pasid, (uint64_t)va, &r, sizeof(r), false), 0);
	r = 0;
	ASSERT_EQ(sm_dma(d2, mm->pasid, (uint64_t)va, &r, sizeof(r), false), 0);
	EXPECT_EQ(r, v);
	iommu_sva_unbind_device(h2);
	process_exit(&sm, mm);
	finish(&sm);
}

TEST(same_pair_rebind_is_refcounted)
{
	struct arm_smmu_sva_stats st;
	struct iommu_sva *h1, *h2;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;
	uint64_t v = 7;
	int64_t va;

	setup(&sm, NULL);
	d = add_pci(&sm, 1);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, PAGE, RW, MM_MAP_POPULATE);
	h1 = bind(d, mm);
	h2 = bind(d, mm);
	ASSERT_TRUE(h1 && h2);
	EXPECT_EQ(h1, h2);
	ASSERT_EQ(arm_smmu_sva_get_stats(sm.drv, &st), 0);
	EXPECT_EQ(st.binds, 1);
	EXPECT_EQ(st.rebinds, 1);
	EXPECT_EQ(st.bonds, 1);
	iommu_sva_unbind_device(h1);
	/* Still bound once. */
	EXPECT_EQ(sm_dma(d, mm->pasid, (uint64_t)va, &v, sizeof(v), true), 0);
	iommu_sva_unbind_device(h2);
	EXPECT_NE(sm_dma(d, mm->pasid, (uint64_t)va, &v, sizeof(v), true), 0);
	arm_smmu_sva_get_stats(sm.drv, &st);
	EXPECT_EQ(st.bonds, 0);
	EXPECT_EQ(st.domains, 0);
	EXPECT_EQ(st.unbinds, 1);
	process_exit(&sm, mm);
	finish(&sm);
}

/*
 * Hundreds of processes on two devices: the bond and domain tables grow
 * several times, and every lookup still finds exactly its own (master,
 * PASID): a rebind gets the same bond, a page request is granted only on
 * the device its PASID is bound to, an unbind removes only its bond.
 */
#define MANY	300u

TEST(many_processes_two_devices)
{
	static struct mm *mm[MANY];
	static struct iommu_sva *h1[MANY], *h2[MANY];
	struct arm_smmu_sva_stats st;
	struct sm_dev *d1, *d2;
	struct ep_page pg;
	unsigned int i, bonds = 0;
	struct sm sm;
	int64_t va;

	setup(&sm, NULL);
	d1 = add_pci(&sm, 1);
	d2 = add_pci(&sm, 2);
	ASSERT_TRUE(d1 && d2);
	for (i = 0; i < MANY; i++) {
		mm[i] = sm_process(&sm, 0);
		ASSERT_TRUE(mm[i] != NULL);
		h1[i] = bind(d1, mm[i]);
		ASSERT_TRUE(h1[i] != NULL);
		bonds++;
		if (i % 3 == 0) {
			h2[i] = bind(d2, mm[i]);
			ASSERT_TRUE(h2[i] != NULL);
			bonds++;
		}
	}
	for (i = 0; i < MANY; i++) {
		struct iommu_sva *again = bind(d1, mm[i]);

		EXPECT_EQ(again, h1[i]);
		iommu_sva_unbind_device(again);
		EXPECT_GE(arm_smmu_sva_asid(sm.drv, mm[i]), 1);
		if (h2[i])
			EXPECT_EQ(iommu_sva_get_pasid(h2[i]), iommu_sva_get_pasid(h1[i]));
	}
	ASSERT_EQ(arm_smmu_sva_get_stats(sm.drv, &st), 0);
	EXPECT_EQ(st.bonds, bonds);
	EXPECT_EQ(st.domains, MANY);
	/* Page requests: granted where bound, refused on the other device. */
	for (i = MANY - 4; i < MANY; i++) {
		va = mm_mmap(mm[i], 0, PAGE, RW, 0);
		ASSERT_GT(va, 0);
		pg = (struct ep_page){ .addr = (uint64_t)va, .acc = WALK_ACC_WRITE };
		EXPECT_EQ(ep_page_request_group(d1->ep, true, mm[i]->pasid, &pg, 1),
			  SMMU_PRG_RESP_SUCCESS);
		EXPECT_EQ(ep_page_request_group(d2->ep, true, mm[i]->pasid, &pg, 1),
			  h2[i] ? SMMU_PRG_RESP_SUCCESS : SMMU_PRG_RESP_INVALID);
	}
	/* Unbind the second device's bonds first, then the rest from the middle out. */
	for (i = 0; i < MANY; i++)
		if (h2[i])
			iommu_sva_unbind_device(h2[i]);
	va = mm_mmap(mm[0], 0, PAGE, RW, 0);
	pg = (struct ep_page){ .addr = (uint64_t)va, .acc = WALK_ACC_WRITE };
	EXPECT_EQ(ep_page_request_group(d2->ep, true, mm[0]->pasid, &pg, 1), SMMU_PRG_RESP_INVALID);
	EXPECT_EQ(ep_page_request_group(d1->ep, true, mm[0]->pasid, &pg, 1), SMMU_PRG_RESP_SUCCESS);
	for (i = 0; i < MANY; i++) {
		unsigned int j = (i + MANY / 2) % MANY;

		iommu_sva_unbind_device(h1[j]);
		EXPECT_EQ(arm_smmu_sva_asid(sm.drv, mm[j]), -ENOENT);
		process_exit(&sm, mm[j]);
	}
	arm_smmu_sva_get_stats(sm.drv, &st);
	EXPECT_EQ(st.bonds, 0);
	EXPECT_EQ(st.domains, 0);
	finish(&sm);
}

TEST(stall_demand_paging)
{
	struct sm_stats_snap s0, s1;
	struct iommu_sva *h;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;
	char buf[256], out[256];
	int64_t va;

	setup(&sm, NULL);
	d = add_stall(&sm, 5);
	ASSERT_TRUE(d != NULL);
	EXPECT_TRUE(d->master->stall_enabled);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 8 * PAGE, RW, 0);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	EXPECT_TRUE(cd_qword(d, mm->pasid, 0) & CD_0_S);
	s0 = drv_stats(&sm);
	memset(buf, 0x77, sizeof(buf));
	/* Across a page boundary: two stalls, two resumes. */
	ASSERT_EQ(sm_dma(d, mm->pasid, (uint64_t)va + 2 * PAGE - 128, buf, sizeof(buf), true), 0);
	s1 = drv_stats(&sm);
	EXPECT_GE(s1.stalls - s0.stalls, 2);
	EXPECT_EQ(s1.faults_refused, s0.faults_refused);
	ASSERT_EQ(sm_cpu_read(&sm, 0, (uint64_t)va + 2 * PAGE - 128, out, sizeof(out)), 0);
	EXPECT_EQ(memcmp(buf, out, sizeof(buf)), 0);
	EXPECT_GE(cmds(&sm, CMD_OP_RESUME), 2);
	/* A stall outside any VMA is answered with an abort, not a retry loop. */
	EXPECT_NE(sm_dma(d, mm->pasid, 0x1000, out, 8, false), 0);
	iommu_sva_unbind_device(h);
	process_exit(&sm, mm);
	finish(&sm);
}

/*
 * munmap and mprotect of a bound process: what the SMMU TLB and the ATC
 * held must go before the call returns. The commands seen by the SMMU say
 * who did it: with the CPU's ASID and BTM, the CPUs' broadcast TLBI (the
 * notifier issues no TLBI); otherwise explicit TLBIs; with ATS, ATC_INV.
 */
/* A large munmap: one TLBI by ASID (or BTM's), not one per page. */
static void large_munmap_is_one_flush(struct sm *sm, struct sm_dev *d, struct mm *mm)
{
	uint64_t tlbi0 = cmds(sm, CMD_OP_TLBI_NH_VA), v = 5, r;
	int64_t va;

	va = mm_mmap(mm, 0, 1024 * PAGE, RW, MM_MAP_POPULATE);
	ASSERT_GT(va, 0);
	ASSERT_EQ(sm_dma(d, mm->pasid, (uint64_t)va + 600 * PAGE, &v, sizeof(v), true), 0);
	ASSERT_EQ(mm_munmap(mm, (uint64_t)va, 1024 * PAGE), 0);
	EXPECT_LE(cmds(sm, CMD_OP_TLBI_NH_VA) - tlbi0, 1);
	EXPECT_NE(sm_dma(d, mm->pasid, (uint64_t)va + 600 * PAGE, &r, sizeof(r), false), 0);
}

static void invalidation_case(bool btm, bool ats, enum arm_smmu_sva_asid_mode mode)
{
	uint64_t tlbi0, atc0, tlbi1, atc1, v = 0x1122334455667788ull, r;
	struct arm_smmu_sva_stats st;
	struct iommu_sva *h;
	struct sm_cfg cfg;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;
	unsigned int i;
	int64_t va;

	sm_cfg_default(&cfg);
	cfg.btm = btm;
	cfg.asid_mode = mode;
	setup(&sm, &cfg);
	/* PRI needs ATS: without ATS, the recoverable faults are stalls. */
	d = ats ? add_pci(&sm, 3) : add_stall(&sm, 3);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(d->master->ats_enabled, false);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 8 * PAGE, RW, MM_MAP_POPULATE);
	ASSERT_GT(va, 0);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	EXPECT_EQ(d->master->ats_enabled, ats);
	/* Fill the SMMU TLB (and the ATC) with every page. */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(sm_dma(d, mm->pasid, (uint64_t)va + i * PAGE, &v, sizeof(v), true), 0);

	tlbi0 = cmds(&sm, CMD_OP_TLBI_NH_VA) + cmds(&sm, CMD_OP_TLBI_NH_ASID);
	atc0 = cmds(&sm, CMD_OP_ATC_INV);
	ASSERT_EQ(mm_munmap(mm, (uint64_t)va + 2 * PAGE, PAGE), 0);
	tlbi1 = cmds(&sm, CMD_OP_TLBI_NH_VA) + cmds(&sm, CMD_OP_TLBI_NH_ASID);
	atc1 = cmds(&sm, CMD_OP_ATC_INV);
	if (btm && mode == ARM_SMMU_SVA_ASID_SHARED)
		EXPECT_EQ(tlbi1 - tlbi0, 0);
	else
		EXPECT_GE(tlbi1 - tlbi0, 1);
	if (ats)
		EXPECT_GE(atc1 - atc0, 1);
	else
		EXPECT_EQ(atc1 - atc0, 0);
	arm_smmu_sva_get_stats(sm.drv, &st);
	EXPECT_GE(st.invalidations, 1);
	EXPECT_EQ(st.tlbi_skipped > 0, btm && mode == ARM_SMMU_SVA_ASID_SHARED);

	/* The unmapped page is gone for the device; its neighbours are not. */
	EXPECT_NE(sm_dma(d, mm->pasid, (uint64_t)va + 2 * PAGE, &r, sizeof(r), false), 0);
	r = 0;
	EXPECT_EQ(sm_dma(d, mm->pasid, (uint64_t)va + 3 * PAGE, &r, sizeof(r), false), 0);
	EXPECT_EQ(r, v);

	/* Read-only now: a write from the device must fail, a read must not. */
	ASSERT_EQ(mm_mprotect(mm, (uint64_t)va, PAGE, MM_PROT_READ), 0);
	EXPECT_NE(sm_dma(d, mm->pasid, (uint64_t)va, &v, sizeof(v), true), 0);
	r = 0;
	EXPECT_EQ(sm_dma(d, mm->pasid, (uint64_t)va, &r, sizeof(r), false), 0);
	EXPECT_EQ(r, v);

	large_munmap_is_one_flush(&sm, d, mm);
	iommu_sva_unbind_device(h);
	process_exit(&sm, mm);
	finish(&sm);
}

TEST(invalidate_shared_btm_ats)
{
	invalidation_case(true, true, ARM_SMMU_SVA_ASID_SHARED);
}

TEST(invalidate_shared_btm_no_ats)
{
	invalidation_case(true, false, ARM_SMMU_SVA_ASID_SHARED);
}

TEST(invalidate_shared_no_btm_ats)
{
	invalidation_case(false, true, ARM_SMMU_SVA_ASID_SHARED);
}

TEST(invalidate_shared_no_btm_no_ats)
{
	invalidation_case(false, false, ARM_SMMU_SVA_ASID_SHARED);
}

TEST(invalidate_private_btm_ats)
{
	invalidation_case(true, true, ARM_SMMU_SVA_ASID_PRIVATE);
}

TEST(invalidate_private_no_btm_no_ats)
{
	invalidation_case(false, false, ARM_SMMU_SVA_ASID_PRIVATE);
}

/* Private ASIDs: the driver's own, in the SMMU's set (ASET = 1). */
TEST(private_asid_cd)
{
	struct sm_cfg cfg;
	struct iommu_sva *h;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;
	uint64_t cd0;

	sm_cfg_default(&cfg);
	cfg.asid_mode = ARM_SMMU_SVA_ASID_PRIVATE;
	setup(&sm, &cfg);
	d = add_pci(&sm, 3);
	mm = sm_process(&sm, 0);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	cd0 = cd_qword(d, mm->pasid, 0);
	EXPECT_TRUE(cd0 & CD_0_ASET);
	EXPECT_EQ(FIELD_GET(CD_0_ASID, cd0), arm_smmu_sva_asid(sm.drv, mm));
	EXPECT_EQ(arm_smmu_asid_load(sm.drv, FIELD_GET(CD_0_ASID, cd0)) != NULL, true);
	iommu_sva_unbind_device(h);
	EXPECT_EQ(arm_smmu_asid_load(sm.drv, FIELD_GET(CD_0_ASID, cd0)), NULL);
	process_exit(&sm, mm);
	finish(&sm);
}

/*
 * The process's CPU ASID is held by a private DMA domain of the driver:
 * bind moves the domain to a fresh ASID (its CD rewritten, the old ASID
 * invalidated), and both kinds of DMA keep working.
 */
TEST(asid_seized_from_private_domain)
{
	struct arm_smmu_sva_stats st;
	struct arm_smmu_domain *dom;
	struct sm_dev *d1, *d2;
	struct iommu_sva *h;
	uint64_t pa, iova = 0x40000000ull, v = 0xfeedull, r;
	uint16_t cpu_asid, old;
	struct mm *mm;
	struct sm sm;
	int64_t va;

	setup(&sm, NULL);
	d1 = add_pci(&sm, 1);
	d2 = add_pci(&sm, 2);
	ASSERT_TRUE(d1 && d2);
	dom = arm_smmu_domain_alloc_paging(sm.drv);
	ASSERT_TRUE(dom != NULL);
	ASSERT_EQ(arm_smmu_attach_dev(d1->master, dom), 0);
	pa = frame_alloc(sm.pool, FRAME_ZERO);
	ASSERT_NE(pa, 0);
	ASSERT_EQ(arm_smmu_map(dom, iova, pa, PAGE, IOMMU_READ | IOMMU_WRITE), 0);
	ASSERT_EQ(sm_dma(d1, 0, iova + 8, &v, sizeof(v), true), 0);

	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, PAGE, RW, MM_MAP_POPULATE);
	cpu_asid = asid_of(sm.asids, &mm->context);
	old = dom->asid;
	/* Both allocators hand out their lowest ASID first. */
	ASSERT_EQ(cpu_asid, old);

	h = bind(d2, mm);
	ASSERT_TRUE(h != NULL);
	arm_smmu_sva_get_stats(sm.drv, &st);
	EXPECT_EQ(st.asids_seized, 1);
	EXPECT_NE(dom->asid, old);
	EXPECT_EQ(FIELD_GET(CD_0_ASID, cd_qword(d1, 0, 0)), dom->asid);
	EXPECT_EQ(FIELD_GET(CD_0_ASID, cd_qword(d2, mm->pasid, 0)), cpu_asid);
	EXPECT_EQ(arm_smmu_asid_load(sm.drv, dom->asid), dom);
	EXPECT_NE(arm_smmu_asid_load(sm.drv, cpu_asid), dom);

	/* DMA of both: the private domain under its new ASID, SVA under the CPU's. */
	r = 0;
	EXPECT_EQ(sm_dma(d1, 0, iova + 8, &r, sizeof(r), false), 0);
	EXPECT_EQ(r, v);
	EXPECT_EQ(sm_dma(d2, mm->pasid, (uint64_t)va, &v, sizeof(v), true), 0);
	/* The domain's own invalidation follows it to the new ASID. */
	EXPECT_EQ(arm_smmu_unmap(dom, iova, PAGE), PAGE);
	EXPECT_NE(sm_dma(d1, 0, iova + 8, &r, sizeof(r), false), 0);

	iommu_sva_unbind_device(h);
	process_exit(&sm, mm);
	ASSERT_EQ(arm_smmu_attach_blocked(d1->master), 0);
	arm_smmu_domain_free(dom);
	frame_put(sm.pool, pa);
	finish(&sm);
}

/*
 * Exit while bound: the CDs go quiet (valid, EPD0 = 1, no recording, no
 * stall), so DMA fails at once and floods nothing; the bonds stay until
 * unbind, which then cleans up as usual.
 */
TEST(exit_while_bound_goes_quiet)
{
	struct sm_stats_snap s0, s1;
	struct arm_smmu_sva_stats st;
	struct iommu_sva *hs, *hp;
	struct sm_dev *ds, *dp;
	uint64_t v = 1, cd0;
	struct mm *mm;
	struct sm sm;
	unsigned int i;
	uint32_t pasid;
	int64_t va;

	setup(&sm, NULL);
	ds = add_stall(&sm, 4);
	dp = add_pci(&sm, 5);
	ASSERT_TRUE(ds && dp);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 4 * PAGE, RW, MM_MAP_POPULATE);
	hs = bind(ds, mm);
	hp = bind(dp, mm);
	ASSERT_TRUE(hs && hp);
	pasid = mm->pasid;
	ASSERT_EQ(sm_dma(ds, pasid, (uint64_t)va, &v, sizeof(v), true), 0);
	ASSERT_EQ(sm_dma(dp, pasid, (uint64_t)va, &v, sizeof(v), true), 0);

	/* The process exits; the devices are still bound. */
	mm_switch(&sm.sys, NULL, 0);
	mmgrab(mm);
	mmput(mm);
	arm_smmu_sva_get_stats(sm.drv, &st);
	EXPECT_EQ(st.releases, 1);
	cd0 = cd_qword(ds, pasid, 0);
	EXPECT_TRUE(cd0 & CD_0_V);
	EXPECT_TRUE(cd0 & CD_0_EPD0);
	EXPECT_FALSE(cd0 & CD_0_R);
	EXPECT_FALSE(cd0 & CD_0_S);
	EXPECT_TRUE(cd_qword(dp, pasid, 0) & CD_0_EPD0);

	s0 = drv_stats(&sm);
	for (i = 0; i < 32; i++) {
		EXPECT_NE(sm_dma(ds, pasid, (uint64_t)va + (i % 4) * PAGE, &v, sizeof(v), false), 0);
		EXPECT_NE(sm_dma(dp, pasid, (uint64_t)va + (i % 4) * PAGE, &v, sizeof(v), false), 0);
	}
	s1 = drv_stats(&sm);
	/* No fault records: neither events nor stalls. */
	EXPECT_EQ(s1.events, s0.events);
	EXPECT_EQ(s1.stalls, s0.stalls);

	iommu_sva_unbind_device(hs);
	iommu_sva_unbind_device(hp);
	iommu_sva_mm_free(&sm.core, mm);
	mmdrop(mm);
	finish(&sm);
}

/*
 * A device asking for pages of a PASID it is not bound to — another
 * process's, or one never allocated — is answered InvalidRequest, and no
 * page of that process is touched.
 */
TEST(bad_pasid_is_answered_invalid)
{
	struct arm_smmu_sva_stats st;
	struct iommu_sva *ha, *hb;
	struct mm_stats m0, m1;
	struct sm_dev *d1, *d2;
	struct mm *mma, *mmb;
	struct ep_page pg;
	struct sm sm;
	int64_t vb;

	setup(&sm, NULL);
	d1 = add_pci(&sm, 1);
	d2 = add_pci(&sm, 2);
	mma = sm_process(&sm, 0);
	mmb = sm_process(&sm, 1);
	vb = mm_mmap(mmb, 0, PAGE, RW, 0);
	ASSERT_GT(vb, 0);
	ha = bind(d1, mma);
	hb = bind(d2, mmb);
	ASSERT_TRUE(ha && hb);
	ASSERT_NE(mma->pasid, mmb->pasid);

	mm_get_stats(&sm.sys, &m0);
	pg = (struct ep_page){ .addr = (uint64_t)vb, .acc = WALK_ACC_WRITE };
	EXPECT_EQ(ep_page_request_group(d1->ep, true, mmb->pasid, &pg, 1), SMMU_PRG_RESP_INVALID);
	EXPECT_EQ(ep_page_request_group(d1->ep, true, 4321, &pg, 1), SMMU_PRG_RESP_INVALID);
	/* No PASID at all: SSID 0 has no process behind it. */
	EXPECT_EQ(ep_page_request_group(d1->ep, false, 0, &pg, 1), SMMU_PRG_RESP_INVALID);
	mm_get_stats(&sm.sys, &m1);
	EXPECT_EQ(m1.pages_faulted, m0.pages_faulted);
	arm_smmu_sva_get_stats(sm.drv, &st);
	EXPECT_GE(st.faults_refused, 3);
	/* The rightful device gets its page. */
	EXPECT_EQ(ep_page_request_group(d2->ep, true, mmb->pasid, &pg, 1), SMMU_PRG_RESP_SUCCESS);

	iommu_sva_unbind_device(ha);
	iommu_sva_unbind_device(hb);
	process_exit(&sm, mma);
	process_exit(&sm, mmb);
	finish(&sm);
}

/*
 * §8.1.1: once the PRI queue overflowed and the driver read it up to where
 * the SMMU stopped, a group whose Last request was lost can never complete:
 * the driver drops its partial requests. Kept, they would join a later
 * group that reuses the PRG index; here a page unmapped in between would
 * then make that later group fail (Invalid Request) on memory that is
 * mapped.
 */
TEST(pri_overflow_drops_groups_whose_last_was_lost)
{
	struct iopf_stats st0, st1;
	struct smmu_page_req req;
	struct iommu_sva *h;
	unsigned int i, n;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;
	int64_t va;

	setup(&sm, NULL);
	d = add_pci(&sm, 1);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 2 * PAGE, RW, 0);
	ASSERT_GT(va, 0);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	n = 1u << sm.drv->priq.log2;
	/* The driver reads the queue only when the test says so. */
	smmu_set_irq(sm.smmu, SMMU_IRQ_PRIQ, (struct irq_line){ NULL, NULL });
	req = (struct smmu_page_req){ .ssv = true, .ssid = mm->pasid, .addr = (uint64_t)va,
				      .write = true, .grpid = 7 };
	ASSERT_EQ(smmu_page_request(sm.smmu, d->sid, &req), 0);	/* group 7, page A */
	req.grpid = 8;
	for (i = 1; i < n; i++)
		ASSERT_EQ(smmu_page_request(sm.smmu, d->sid, &req), 0);	/* the queue is full */
	req.grpid = 7;
	req.last = true;
	req.addr = (uint64_t)va + PAGE;
	ASSERT_EQ(smmu_page_request(sm.smmu, d->sid, &req), 0);	/* 7's Last: overflow */
	ASSERT_TRUE(smmu_mmio_read32(sm.smmu, SMMU_PRIQ_PROD) & SMMU_Q_PROD_OVFLG);
	/* Page A goes away; the driver catches up with the queue. */
	ASSERT_EQ(mm_munmap(mm, (uint64_t)va, PAGE), 0);
	iopf_queue_get_stats(sm.core.iopf_queue, &st0);
	arm_smmu_priq_irq(sm.drv);
	/* The function asks again for page B as group 7, Last alone. */
	ASSERT_EQ(smmu_page_request(sm.smmu, d->sid, &req), 0);
	arm_smmu_priq_irq(sm.drv);
	iopf_queue_flush_dev(d->dev.iopf, false, 0);
	iopf_queue_get_stats(sm.core.iopf_queue, &st1);
	EXPECT_GE(st1.discarded - st0.discarded, n);	/* page A and group 8 */
	EXPECT_EQ(st1.groups - st0.groups, 1);
	EXPECT_EQ(st1.success - st0.success, 1);
	EXPECT_EQ(st1.invalid, st0.invalid);
	smmu_set_irq(sm.smmu, SMMU_IRQ_PRIQ, (struct irq_line){ sm_raise_priq, &sm });

	iommu_sva_unbind_device(h);
	process_exit(&sm, mm);
	finish(&sm);
}

/* A refused bind says which check failed; SVA cannot even be enabled. */
static void expect_refused(struct sm *sm, struct sm_dev *d, const char *what)
{
	struct iommu_sva *h;
	struct mm *mm;
	char why[160] = "";
	int err = 0;

	EXPECT_NE(iommu_dev_enable_feature(&d->dev, IOMMU_DEV_FEAT_SVA), 0);
	mm = sm_process(sm, 0);
	ASSERT_TRUE(mm != NULL);
	h = d->dev.ops->sva_bind(&d->dev, mm, &err, why, sizeof(why));
	EXPECT_TRUE(h == NULL);
	EXPECT_EQ(err, -EOPNOTSUPP);
	if (!strstr(why, what))
		HARNESS_FAIL(0, "why \"%s\" does not mention \"%s\"", why, what);
	EXPECT_EQ(mm->pasid, 0);
	process_exit(sm, mm);
}

static void refused_smmu_case(struct sm_cfg *cfg, const char *what)
{
	struct sm_dev *d;
	struct sm sm;
	int err;

	setup(&sm, cfg);
	d = sm_add_pci(&sm, 1, 20, true, false, &err);
	ASSERT_TRUE(d != NULL);
	EXPECT_EQ(arm_smmu_sva_supported(sm.drv, NULL, 0), -EOPNOTSUPP);
	expect_refused(&sm, d, what);
	sm_fini(&sm);
}

TEST(refused_smmu_not_coherent)
{
	struct sm_cfg cfg;

	sm_cfg_default(&cfg);
	cfg.coherent = false;
	refused_smmu_case(&cfg, "coherent");
}

TEST(refused_smmu_oas_below_cpu_pa)
{
	struct sm_cfg cfg;

	sm_cfg_default(&cfg);
	cfg.smmu_oas = 40;
	refused_smmu_case(&cfg, "OAS");
}

TEST(refused_smmu_asid_bits)
{
	struct sm_cfg cfg;

	sm_cfg_default(&cfg);
	cfg.asid16 = false;
	refused_smmu_case(&cfg, "ASID");
}

TEST(refused_smmu_granule)
{
	struct sm_cfg cfg;

	sm_cfg_default(&cfg);
	cfg.page_shift = 14;
	cfg.granules = SMMU_GRAN_4K | SMMU_GRAN_64K;
	refused_smmu_case(&cfg, "granule");
}

TEST(refused_device_checks)
{
	struct sm_dev *nopasid, *nostall, *nopri;
	struct sm sm;
	int err;

	setup(&sm, NULL);
	nopasid = sm_add_pci(&sm, 1, 0, true, false, &err);
	ASSERT_TRUE(nopasid != NULL);
	expect_refused(&sm, nopasid, "PASID");
	/* A platform device that cannot stall has no recoverable faults. */
	nostall = sm_add_platform(&sm, 2, 16, false, false, &err);
	ASSERT_TRUE(nostall == NULL);
	EXPECT_EQ(err, -EINVAL);
	nostall = &sm.devs[1];
	EXPECT_NE(arm_smmu_master_iopf_supported(nostall->master, NULL, 0), 0);
	expect_refused(&sm, nostall, "stall");
	/* A PCIe function without PRI: no I/O page faults either. */
	nopri = sm_add_pci(&sm, 3, 20, false, false, &err);
	ASSERT_TRUE(nopri == NULL);
	nopri = &sm.devs[2];
	expect_refused(&sm, nopri, "PRI");
	sm_fini(&sm);
}

/* A device writing one fresh page after another: every write faults. */
struct fault_stream {
	struct sm_dev *d;
	uint32_t pasid;
	uint64_t va;
	unsigned int pages;
	bool unbound;			/* atomic: unbind has returned */
	unsigned int written;		/* atomic: pages written */
	unsigned int late;		/* writes started after unbind that succeeded */
	int err;			/* the error that ended the stream */
	pthread_t thread;
};

static void *fault_stream_main(void *arg)
{
	struct timespec backoff = { 0, 20000 };
	struct fault_stream *fs = arg;
	unsigned int i;
	bool after;
	int ret;

	/* Cycle over the pages until a write fails after unbind (bounded). */
	for (i = 0; i < 1000 * fs->pages; i++) {
		after = __atomic_load_n(&fs->unbound, __ATOMIC_ACQUIRE);
		ret = sm_dma(fs->d, fs->pasid, fs->va + (i % fs->pages) * PAGE, &i, sizeof(i), true);
		if (!ret) {
			__atomic_fetch_add(&fs->written, 1, __ATOMIC_RELEASE);
			fs->late += after;
			continue;
		}
		if (after) {
			fs->err = ret;
			break;
		}
		/* Refused while unbind runs: back off instead of flooding events. */
		nanosleep(&backoff, NULL);
	}
	return NULL;
}

static void wait_written(struct fault_stream *fs, unsigned int n)
{
	struct timespec ts = { 0, 200000 };
	unsigned int spins;

	/* Bounded: 10 s at most. */
	for (spins = 0; spins < 50000; spins++) {
		if (__atomic_load_n(&fs->written, __ATOMIC_ACQUIRE) >= n)
			return;
		nanosleep(&ts, NULL);
	}
}

/*
 * Unbind while faults are in flight (stalls and page requests): unbind
 * returns, every fault is answered (no device left waiting), nothing the
 * devices start afterwards reaches the process, nothing leaks.
 */
TEST(unbind_with_faults_in_flight)
{
	struct fault_stream fs[2];
	struct iopf_stats ist;
	struct iommu_sva *h[2];
	struct mm *mm;
	struct sm sm;
	unsigned int i;
	int64_t va;

	setup(&sm, NULL);
	memset(fs, 0, sizeof(fs));
	fs[0].d = add_stall(&sm, 6);
	fs[1].d = add_pci(&sm, 7);
	ASSERT_TRUE(fs[0].d && fs[1].d);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 2048 * PAGE, RW, 0);
	ASSERT_GT(va, 0);
	for (i = 0; i < 2; i++) {
		h[i] = bind(fs[i].d, mm);
		ASSERT_TRUE(h[i] != NULL);
		fs[i].pasid = mm->pasid;
		fs[i].va = (uint64_t)va + i * 1024 * PAGE;
		fs[i].pages = 1024;
		ASSERT_EQ(pthread_create(&fs[i].thread, NULL, fault_stream_main, &fs[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		wait_written(&fs[i], 4);
		iommu_sva_unbind_device(h[i]);
		__atomic_store_n(&fs[i].unbound, true, __ATOMIC_RELEASE);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(fs[i].thread, NULL);
		TH_LOG("device %u: %u pages before unbind, then %d", i, fs[i].written, fs[i].err);
		EXPECT_GE(fs[i].written, 4);
		EXPECT_EQ(fs[i].late, 0);
		EXPECT_NE(fs[i].err, 0);
	}
	/* Every group reported was answered. */
	iopf_queue_get_stats(sm.core.iopf_queue, &ist);
	EXPECT_EQ(ist.groups, ist.success + ist.invalid + ist.failure);
	process_exit(&sm, mm);
	finish(&sm);
}

/* Shared ASIDs are pinned; past the allocator's pin limit, bind says so. */
TEST(refused_pinned_asid_limit)
{
	struct iommu_sva *h[256];
	struct mm *mm[256];
	struct asid_stats ast;
	struct sm_cfg cfg;
	struct sm_dev *d;
	char why[160] = "";
	unsigned int i, n;
	struct sm sm;
	int err;

	sm_cfg_default(&cfg);
	cfg.cpu_asid_bits = 8;
	cfg.asid16 = false;
	setup(&sm, &cfg);
	d = add_pci(&sm, 1);
	ASSERT_TRUE(d != NULL);
	asid_get_stats(sm.asids, &ast);
	ASSERT_LT(ast.max_pinned, 256);
	n = ast.max_pinned;
	for (i = 0; i < n; i++) {
		mm[i] = mm_create(&sm.sys);
		ASSERT_TRUE(mm[i] != NULL);
		h[i] = bind(d, mm[i]);
		ASSERT_TRUE(h[i] != NULL);
	}
	mm[n] = mm_create(&sm.sys);
	h[n] = iommu_sva_bind_device(&d->dev, mm[n], &err, why, sizeof(why));
	EXPECT_TRUE(h[n] == NULL);
	EXPECT_EQ(err, -ENOSPC);
	if (!strstr(why, "pinned"))
		HARNESS_FAIL(0, "why \"%s\" does not mention the pinned limit", why);
	/* One unbind frees a pin: the refused process can bind now. */
	iommu_sva_unbind_device(h[0]);
	h[0] = bind(d, mm[n]);
	EXPECT_TRUE(h[0] != NULL);
	for (i = 0; i < n; i++)
		if (h[i])
			iommu_sva_unbind_device(h[i]);
	for (i = 0; i <= n; i++)
		process_exit(&sm, mm[i]);
	asid_get_stats(sm.asids, &ast);
	EXPECT_EQ(ast.nr_pinned, 0);
	finish(&sm);
}

/*
 * The shape of explicit invalidations (private ASIDs, so BTM does not
 * help): with RIL one range command covers a 4-page munmap; without, one
 * TLBI_NH_VA per page, and no TLBI by ASID.
 */
static void tlbi_shape_case(bool ril)
{
	uint64_t va0, asid0, v = 3;
	struct iommu_sva *h;
	struct sm_cfg cfg;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;
	int64_t va;

	sm_cfg_default(&cfg);
	cfg.ril = ril;
	cfg.asid_mode = ARM_SMMU_SVA_ASID_PRIVATE;
	setup(&sm, &cfg);
	d = add_stall(&sm, 2);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 16 * PAGE, RW, MM_MAP_POPULATE);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	ASSERT_EQ(sm_dma(d, mm->pasid, (uint64_t)va, &v, sizeof(v), true), 0);
	va0 = cmds(&sm, CMD_OP_TLBI_NH_VA);
	asid0 = cmds(&sm, CMD_OP_TLBI_NH_ASID);
	ASSERT_EQ(mm_munmap(mm, (uint64_t)va + 4 * PAGE, 4 * PAGE), 0);
	EXPECT_EQ(cmds(&sm, CMD_OP_TLBI_NH_VA) - va0, ril ? 1 : 4);
	EXPECT_EQ(cmds(&sm, CMD_OP_TLBI_NH_ASID), asid0);
	iommu_sva_unbind_device(h);
	process_exit(&sm, mm);
	finish(&sm);
}

TEST(tlbi_shape_ril)
{
	tlbi_shape_case(true);
}

TEST(tlbi_shape_no_ril)
{
	tlbi_shape_case(false);
}

/*
 * invalidate_range follows Linux's rule (arm-smmu-v3-sva.c): without RIL, a
 * range of CMDQ_MAX_TLBI_OPS = 1 << (PAGE_SHIFT - 3) pages or more is one
 * TLBI by ASID, below that one TLBI per page; with RIL, ranged TLBIs always,
 * but for the whole address space. Driven straight through the notifier,
 * as arm64's flush_tlb_range() would.
 */
static void inv_rule_case(bool ril, unsigned int page_shift, uint64_t pages,
			  uint64_t expect_va, uint64_t expect_asid)
{
	uint64_t va0, asid0, base = 0x10000000;
	struct iommu_sva *h;
	struct sm_cfg cfg;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;

	sm_cfg_default(&cfg);
	cfg.ril = ril;
	cfg.page_shift = page_shift;
	cfg.asid_mode = ARM_SMMU_SVA_ASID_PRIVATE;
	setup(&sm, &cfg);
	d = add_pci(&sm, 2);
	mm = sm_process(&sm, 0);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	va0 = cmds(&sm, CMD_OP_TLBI_NH_VA);
	asid0 = cmds(&sm, CMD_OP_TLBI_NH_ASID);
	mmu_notifier_invalidate_range(mm, base, pages ? base + (pages << page_shift) : UINT64_MAX);
	EXPECT_EQ(cmds(&sm, CMD_OP_TLBI_NH_VA) - va0, expect_va);
	EXPECT_EQ(cmds(&sm, CMD_OP_TLBI_NH_ASID) - asid0, expect_asid);
	if (harness_failed)
		TH_LOG("ril %d page_shift %u pages %llu", ril, page_shift,
		       (unsigned long long)pages);
	iommu_sva_unbind_device(h);
	process_exit(&sm, mm);
	finish(&sm);
}

TEST(invalidate_range_tlbi_rule)
{
	inv_rule_case(false, 12, 511, 511, 0);
	inv_rule_case(false, 12, 512, 0, 1);
	inv_rule_case(false, 16, 600, 600, 0);		/* 64K: 8192 pages */
	inv_rule_case(false, 16, 8192, 0, 1);
	inv_rule_case(true, 12, 4096, 1, 0);		/* 2^12 pages: one range */
	inv_rule_case(true, 12, 0, 0, 1);		/* everything */
}

/*
 * A VHE host (E2H): the CPUs' TLBIs target EL2&0, the SMMU's STEs use the
 * EL2-E2H StreamWorld. Shared ASIDs with BTM still need no TLBI from the
 * driver; private ASIDs get the EL2 forms of the commands. Either way the
 * unmapped page is gone for the device.
 */
static void vhe_case(enum arm_smmu_sva_asid_mode mode)
{
	uint64_t el2_0, nh_0, v = 9, r;
	struct iommu_sva *h;
	struct sm_cfg cfg;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;
	int64_t va;

	sm_cfg_default(&cfg);
	cfg.vhe = true;
	cfg.asid_mode = mode;
	setup(&sm, &cfg);
	ASSERT_TRUE(sm.drv->features & ARM_SMMU_FEAT_E2H);
	d = add_stall(&sm, 2);
	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 4 * PAGE, RW, MM_MAP_POPULATE);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	ASSERT_EQ(sm_dma(d, mm->pasid, (uint64_t)va + PAGE, &v, sizeof(v), true), 0);
	el2_0 = cmds(&sm, CMD_OP_TLBI_EL2_VA) + cmds(&sm, CMD_OP_TLBI_EL2_ASID);
	nh_0 = cmds(&sm, CMD_OP_TLBI_NH_VA) + cmds(&sm, CMD_OP_TLBI_NH_ASID);
	ASSERT_EQ(mm_munmap(mm, (uint64_t)va + PAGE, PAGE), 0);
	if (mode == ARM_SMMU_SVA_ASID_SHARED)
		EXPECT_EQ(cmds(&sm, CMD_OP_TLBI_EL2_VA) + cmds(&sm, CMD_OP_TLBI_EL2_ASID), el2_0);
	else
		EXPECT_GE(cmds(&sm, CMD_OP_TLBI_EL2_VA) + cmds(&sm, CMD_OP_TLBI_EL2_ASID), el2_0 + 1);
	EXPECT_EQ(cmds(&sm, CMD_OP_TLBI_NH_VA) + cmds(&sm, CMD_OP_TLBI_NH_ASID), nh_0);
	EXPECT_NE(sm_dma(d, mm->pasid, (uint64_t)va + PAGE, &r, sizeof(r), false), 0);
	r = 0;
	EXPECT_EQ(sm_dma(d, mm->pasid, (uint64_t)va, &r, sizeof(r), false), 0);
	iommu_sva_unbind_device(h);
	process_exit(&sm, mm);
	finish(&sm);
}

TEST(vhe_shared_btm)
{
	vhe_case(ARM_SMMU_SVA_ASID_SHARED);
}

TEST(vhe_private)
{
	vhe_case(ARM_SMMU_SVA_ASID_PRIVATE);
}

/* ---- A DMA engine working in a process's address space -------------------- */

static void engine_desc(struct sm *sm, uint64_t ring, unsigned int slot, enum dma_op op,
			uint32_t pasid, uint64_t src, uint64_t dst, uint64_t len, uint8_t pattern,
			uint64_t cra)
{
	uint64_t d[DMA_DESC_WORDS] = { 0 };
	unsigned int i;

	d[0] = FIELD_PREP(DMA_DESC0_OP, op) | DMA_DESC0_PV | DMA_DESC0_BOF | DMA_DESC0_RCR |
	       FIELD_PREP(DMA_DESC0_PASID, pasid);
	d[1] = src;
	d[2] = dst;
	d[3] = FIELD_PREP(DMA_DESC3_LEN, len) | FIELD_PREP(DMA_DESC3_PATTERN, pattern);
	d[4] = cra;
	for (i = 0; i < DMA_DESC_WORDS; i++)
		phys_mem_write64(&sm->mem, ring + slot * DMA_DESC_SIZE + i * 8, d[i]);
}

/*
 * The device's own DMA engine fills and copies in the process's memory by
 * PASID, faulting pages in through PRI (block on fault), and writes its
 * completion records there too; a DRAIN (with its Stop Marker) precedes
 * unbind, as a driver would do it.
 */
TEST(dma_engine_in_process)
{
	uint64_t ring, cr[3], st;
	struct dma_engine_config ecfg = { .pri_group_max = 4 };
	struct dma_engine *e;
	struct iommu_sva *h;
	struct sm_dev *d;
	struct mm *mm;
	struct sm sm;
	uint8_t buf[3 * PAGE];
	unsigned int i;
	int64_t va;

	setup(&sm, NULL);
	d = add_pci(&sm, 1);
	ASSERT_TRUE(d != NULL);
	e = dma_engine_create(d->ep, &ecfg);
	ASSERT_TRUE(e != NULL);
	ring = frame_alloc(sm.pool, FRAME_ZERO);
	ASSERT_NE(ring, 0);
	dma_mmio_write64(e, DMA_REG_RING_BASE, ring);
	dma_mmio_write32(e, DMA_REG_RING_LOG2, 4);
	dma_mmio_write32(e, DMA_REG_CTRL, DMA_CTRL_ENABLE);

	mm = sm_process(&sm, 0);
	va = mm_mmap(mm, 0, 8 * PAGE, RW, 0);
	ASSERT_GT(va, 0);
	h = bind(d, mm);
	ASSERT_TRUE(h != NULL);
	/* Fill 3 pages, copy them 3 pages up, drain; records in page 7. */
	for (i = 0; i < 3; i++)
		cr[i] = (uint64_t)va + 7 * PAGE + i * DMA_CR_SIZE;
	engine_desc(&sm, ring, 0, DMA_OP_FILL, mm->pasid, 0, (uint64_t)va, 3 * PAGE, 0xab, cr[0]);
	engine_desc(&sm, ring, 1, DMA_OP_COPY, mm->pasid, (uint64_t)va, (uint64_t)va + 3 * PAGE,
		    3 * PAGE, 0, cr[1]);
	engine_desc(&sm, ring, 2, DMA_OP_DRAIN, mm->pasid, 0, 0, 0, 0, cr[2]);
	dma_doorbell(e, 3);
	ASSERT_EQ(dma_engine_wait_idle(e, 10000), 0);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(sm_cpu_read(&sm, 0, cr[i], &st, sizeof(st)), 0);
		EXPECT_EQ(FIELD_GET(DMA_CR0_STATUS, st), DMA_CS_SUCCESS);
	}
	ASSERT_EQ(sm_cpu_read(&sm, 0, (uint64_t)va + 3 * PAGE, buf, sizeof(buf)), 0);
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xab)
			break;
	EXPECT_EQ(i, sizeof(buf));
	iommu_sva_unbind_device(h);
	dma_engine_destroy(e);
	frame_put(sm.pool, ring);
	process_exit(&sm, mm);
	finish(&sm);
}
