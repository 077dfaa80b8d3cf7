// SPDX-License-Identifier: GPL-2.0
/*
 * hw/pcie: config space semantics per field, the endpoint's translation
 * paths (untranslated, ATS + ATC, translated), PRI (grouping, Last, credits,
 * every response code, reset), and a stalling platform device.
 */
#include <errno.h>
#include <sched.h>

#include "arch/pcie.h"
#include "hw/mem.h"
#include "hw/pcie/config.h"
#include "hw/pcie/endpoint.h"
#include "tests/harness.h"
#include "tests/unit/fake_upstream.h"

#define RAM	PHYS_MEM_DEFAULT_BASE
#define VA	0x7f0000000000ULL
#define PASID	42

static uint16_t rd16(struct pcie_cfg *cfg, unsigned int off)
{
	uint16_t v = 0xdead;

	ASSERT_EQ(pcie_cfg_read16(cfg, off, &v), 0);
	return v;
}

static uint32_t rd32(struct pcie_cfg *cfg, unsigned int off)
{
	uint32_t v = 0xdeadbeef;

	ASSERT_EQ(pcie_cfg_read32(cfg, off, &v), 0);
	return v;
}

static void default_func(struct pcie_func_config *fc)
{
	struct ep_config cfg;

	ep_config_default(&cfg, 0);
	*fc = cfg.func;
}

/* ---- Config space ------------------------------------------------------ */

TEST(cfg_ext_cap_list)
{
	struct pcie_func_config fc;
	struct pcie_cfg cfg;
	unsigned int off, n = 0, ids = 0;
	uint32_t hdr;

	default_func(&fc);
	ASSERT_EQ(pcie_cfg_init(&cfg, &fc), 0);
	EXPECT_EQ(rd16(&cfg, PCIE_CFG_VENDOR_ID), fc.vendor_id);
	/* Walk the list the way software does. */
	for (off = PCIE_EXT_CAP_START; off && n < 8; off = FIELD_GET(PCIE_EXT_CAP_NEXT, hdr), n++) {
		hdr = rd32(&cfg, off);
		EXPECT_EQ(FIELD_GET(PCIE_EXT_CAP_VER, hdr), 1);
		switch (FIELD_GET(PCIE_EXT_CAP_ID, hdr)) {
		case PCIE_EXT_CAP_ID_ATS: ids |= 1; break;
		case PCIE_EXT_CAP_ID_PRI: ids |= 2; break;
		case PCIE_EXT_CAP_ID_PASID: ids |= 4; break;
		default: ids |= 8; break;
		}
	}
	EXPECT_EQ(n, 3);
	EXPECT_EQ(ids, 7);
	EXPECT_NE(pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_PRI), 0);
	pcie_cfg_fini(&cfg);

	/* ATS only: one capability, list ends there. */
	fc.pri = false;
	fc.pri_pasid_required = false;
	fc.pasid = false;
	ASSERT_EQ(pcie_cfg_init(&cfg, &fc), 0);
	off = pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_ATS);
	EXPECT_EQ(off, PCIE_EXT_CAP_START);
	EXPECT_EQ(FIELD_GET(PCIE_EXT_CAP_NEXT, rd32(&cfg, off)), 0);
	EXPECT_EQ(pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_PASID), 0);
	pcie_cfg_fini(&cfg);

	/* Nothing at all: the list is empty (header reads 0). */
	memset(&fc, 0, sizeof(fc));
	ASSERT_EQ(pcie_cfg_init(&cfg, &fc), 0);
	EXPECT_EQ(rd32(&cfg, PCIE_EXT_CAP_START), 0);
	pcie_cfg_fini(&cfg);
}

TEST(cfg_rejects_inconsistent_functions)
{
	struct pcie_func_config fc;
	struct pcie_cfg cfg;

	default_func(&fc);
	fc.ats = false;		/* PRI needs ATS */
	EXPECT_EQ(pcie_cfg_init(&cfg, &fc), -EINVAL);
	default_func(&fc);
	fc.pasid_width = 21;
	EXPECT_EQ(pcie_cfg_init(&cfg, &fc), -EINVAL);
	default_func(&fc);
	fc.ats_qdepth = 0;
	EXPECT_EQ(pcie_cfg_init(&cfg, &fc), -EINVAL);
	default_func(&fc);
	fc.pasid = false;	/* PRG response PASID required without PASID */
	EXPECT_EQ(pcie_cfg_init(&cfg, &fc), -EINVAL);
}

TEST(cfg_access_rules)
{
	struct pcie_func_config fc;
	struct pcie_cfg cfg;
	uint16_t v16;
	uint32_t v32;

	default_func(&fc);
	ASSERT_EQ(pcie_cfg_init(&cfg, &fc), 0);
	EXPECT_EQ(pcie_cfg_read16(&cfg, 0x101, &v16), -EINVAL);
	EXPECT_EQ(pcie_cfg_read32(&cfg, 0x102, &v32), -EINVAL);
	EXPECT_EQ(pcie_cfg_read32(&cfg, PCIE_CFG_SIZE, &v32), -EINVAL);
	EXPECT_EQ(pcie_cfg_write16(&cfg, PCIE_CFG_SIZE - 1, 0), -EINVAL);
	EXPECT_EQ(pcie_cfg_read32(&cfg, PCIE_CFG_SIZE - 4, &v32), 0);
	/* IDs are RO. */
	EXPECT_EQ(pcie_cfg_write16(&cfg, PCIE_CFG_VENDOR_ID, 0x1234), 0);
	EXPECT_EQ(rd16(&cfg, PCIE_CFG_VENDOR_ID), fc.vendor_id);
	/* Command: only Memory and Bus Master are implemented. */
	EXPECT_EQ(pcie_cfg_state(&cfg) & PCIE_ST_MASTER, 0);
	pcie_cfg_write16(&cfg, PCIE_CFG_COMMAND, 0xffff);
	EXPECT_EQ(rd16(&cfg, PCIE_CFG_COMMAND), PCIE_COMMAND_MEMORY | PCIE_COMMAND_MASTER);
	EXPECT_NE(pcie_cfg_state(&cfg) & PCIE_ST_MASTER, 0);
	/* Unimplemented space: reads 0, writes ignored. */
	pcie_cfg_write32(&cfg, 0x800, 0xffffffff);
	EXPECT_EQ(rd32(&cfg, 0x800), 0);
	pcie_cfg_fini(&cfg);
}

TEST(cfg_ats_fields)
{
	struct pcie_func_config fc;
	struct pcie_cfg cfg;
	unsigned int ats;
	uint16_t cap;

	default_func(&fc);
	fc.ats_qdepth = 32;
	ASSERT_EQ(pcie_cfg_init(&cfg, &fc), 0);
	ats = pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_ATS);
	cap = rd16(&cfg, ats + PCIE_ATS_CAP);
	EXPECT_EQ(FIELD_GET(PCIE_ATS_CAP_QDEPTH, cap), 0);	/* 32 encodes as 0 */
	EXPECT_NE(cap & PCIE_ATS_CAP_GLOBAL_INV, 0);
	EXPECT_NE(cap & PCIE_ATS_CAP_PAGE_ALIGNED, 0);
	/* Capability is RO. */
	pcie_cfg_write16(&cfg, ats + PCIE_ATS_CAP, 0);
	EXPECT_EQ(rd16(&cfg, ats + PCIE_ATS_CAP), cap);
	/* Control: STU and Enable are RW, the rest reserved. */
	EXPECT_EQ(rd16(&cfg, ats + PCIE_ATS_CTRL), 0);
	pcie_cfg_write16(&cfg, ats + PCIE_ATS_CTRL, 0xffff);
	EXPECT_EQ(rd16(&cfg, ats + PCIE_ATS_CTRL), PCIE_ATS_CTRL_ENABLE | PCIE_ATS_CTRL_STU);
	EXPECT_NE(pcie_cfg_state(&cfg) & PCIE_ST_ATS, 0);
	pcie_cfg_write16(&cfg, ats + PCIE_ATS_CTRL, FIELD_PREP(PCIE_ATS_CTRL_STU, 4));
	EXPECT_EQ(pcie_cfg_state(&cfg) & PCIE_ST_ATS, 0);
	EXPECT_EQ(FIELD_GET(PCIE_ST_STU, pcie_cfg_state(&cfg)), 4);
	/* A 32-bit write of header+... at the capability start leaves the header alone. */
	pcie_cfg_write32(&cfg, ats, 0);
	EXPECT_EQ(FIELD_GET(PCIE_EXT_CAP_ID, rd32(&cfg, ats)), PCIE_EXT_CAP_ID_ATS);
	pcie_cfg_fini(&cfg);
}

TEST(cfg_pasid_fields)
{
	struct pcie_func_config fc;
	struct pcie_cfg cfg;
	unsigned int pasid;
	uint16_t cap;

	default_func(&fc);
	fc.pasid_width = 16;
	fc.pasid_exec = false;
	fc.pasid_priv = true;
	ASSERT_EQ(pcie_cfg_init(&cfg, &fc), 0);
	pasid = pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_PASID);
	cap = rd16(&cfg, pasid + PCIE_PASID_CAP);
	EXPECT_EQ(FIELD_GET(PCIE_PASID_CAP_WIDTH, cap), 16);
	EXPECT_EQ(cap & PCIE_PASID_CAP_EXEC, 0);
	EXPECT_NE(cap & PCIE_PASID_CAP_PRIV, 0);
	pcie_cfg_write16(&cfg, pasid + PCIE_PASID_CAP, 0);
	EXPECT_EQ(rd16(&cfg, pasid + PCIE_PASID_CAP), cap);
	/* Exec is not supported: its enable stays 0. */
	pcie_cfg_write16(&cfg, pasid + PCIE_PASID_CTRL, 0xffff);
	EXPECT_EQ(rd16(&cfg, pasid + PCIE_PASID_CTRL), PCIE_PASID_CTRL_ENABLE | PCIE_PASID_CTRL_PRIV);
	EXPECT_EQ(pcie_cfg_state(&cfg) & (PCIE_ST_PASID | PCIE_ST_PASID_EXEC | PCIE_ST_PASID_PRIV),
		  PCIE_ST_PASID | PCIE_ST_PASID_PRIV);
	pcie_cfg_fini(&cfg);

	fc.pasid_exec = true;
	fc.pasid_priv = false;
	ASSERT_EQ(pcie_cfg_init(&cfg, &fc), 0);
	pcie_cfg_write16(&cfg, pasid + PCIE_PASID_CTRL, 0xffff);
	EXPECT_EQ(rd16(&cfg, pasid + PCIE_PASID_CTRL), PCIE_PASID_CTRL_ENABLE | PCIE_PASID_CTRL_EXEC);
	pcie_cfg_fini(&cfg);
}

TEST(cfg_pri_fields)
{
	struct pcie_func_config fc;
	struct pcie_cfg cfg;
	unsigned int pri;

	default_func(&fc);
	fc.pri_capacity = 24;
	ASSERT_EQ(pcie_cfg_init(&cfg, &fc), 0);
	pri = pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_PRI);
	/* Out of reset: Stopped, and PRG Response PASID Required as configured. */
	EXPECT_EQ(rd16(&cfg, pri + PCIE_PRI_STATUS),
		  PCIE_PRI_STATUS_STOPPED | PCIE_PRI_STATUS_PASID);
	/* Capacity RO, allocation RW (all 32 bits). */
	EXPECT_EQ(rd32(&cfg, pri + PCIE_PRI_CAPACITY), 24);
	pcie_cfg_write32(&cfg, pri + PCIE_PRI_CAPACITY, 99);
	EXPECT_EQ(rd32(&cfg, pri + PCIE_PRI_CAPACITY), 24);
	pcie_cfg_write32(&cfg, pri + PCIE_PRI_ALLOC, 0x12345678);
	EXPECT_EQ(rd32(&cfg, pri + PCIE_PRI_ALLOC), 0x12345678);
	/* RO status bits ignore writes of 1; RW1C bits clear only when set by the device. */
	pcie_cfg_write16(&cfg, pri + PCIE_PRI_STATUS, 0xffff);
	EXPECT_EQ(rd16(&cfg, pri + PCIE_PRI_STATUS),
		  PCIE_PRI_STATUS_STOPPED | PCIE_PRI_STATUS_PASID);
	pcie_cfg_dev_update16(&cfg, pri + PCIE_PRI_STATUS,
			      PCIE_PRI_STATUS_RF | PCIE_PRI_STATUS_UPRGI, 0);
	/* Writing 0 changes nothing; writing 1 to RF clears RF only. */
	pcie_cfg_write16(&cfg, pri + PCIE_PRI_STATUS, 0);
	EXPECT_NE(rd16(&cfg, pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_RF, 0);
	pcie_cfg_write16(&cfg, pri + PCIE_PRI_STATUS, PCIE_PRI_STATUS_RF);
	EXPECT_EQ(rd16(&cfg, pri + PCIE_PRI_STATUS) & (PCIE_PRI_STATUS_RF | PCIE_PRI_STATUS_UPRGI),
		  PCIE_PRI_STATUS_UPRGI);
	pcie_cfg_write16(&cfg, pri + PCIE_PRI_STATUS, PCIE_PRI_STATUS_UPRGI);
	EXPECT_EQ(rd16(&cfg, pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_UPRGI, 0);
	/* Control: Enable RW, Reset reads 0. */
	pcie_cfg_write16(&cfg, pri + PCIE_PRI_CTRL, PCIE_PRI_CTRL_ENABLE | PCIE_PRI_CTRL_RESET);
	EXPECT_EQ(rd16(&cfg, pri + PCIE_PRI_CTRL), PCIE_PRI_CTRL_ENABLE);
	EXPECT_NE(pcie_cfg_state(&cfg) & PCIE_ST_PRI, 0);
	pcie_cfg_fini(&cfg);
}

/* ---- Endpoint: translation paths ----------------------------------------- */

struct rig {
	struct phys_mem mem;
	struct fake_up fu;
	struct ep *ep;
};

static void rig_init(struct rig *r, struct ep_config *cfg)
{
	struct ep_upstream up;

	ASSERT_EQ(phys_mem_init(&r->mem, RAM, 16ULL << 20), 0);
	fake_init(&r->fu);
	up = fake_upstream(&r->fu);
	r->ep = ep_create(cfg, &r->mem.bus, &up);
	ASSERT_TRUE(r->ep != NULL);
}

static void rig_fini(struct rig *r)
{
	fake_fini(&r->fu);
	EXPECT_EQ(__atomic_load_n(&r->fu.open_sections, __ATOMIC_SEQ_CST), 0);
	ep_destroy(r->ep);
	phys_mem_fini(&r->mem);
}

static int access1(struct ep *ep, uint64_t addr, unsigned int acc, bool fault_in,
		   uint64_t *pa)
{
	struct ep_access a = { .pv = true, .pasid = PASID, .addr = addr, .acc = acc,
			       .fault_in = fault_in };
	struct ep_xlate xl;
	int ret = ep_translate(ep, &a, &xl);

	if (!ret) {
		if (pa)
			*pa = xl.pa;
		ep_access_end(ep, &xl);
	}
	return ret;
}

TEST(ep_needs_bus_master_and_pasid_enable)
{
	struct ep_config cfg;
	struct rig r;
	unsigned int pasid;

	ep_config_default(&cfg, 7);
	rig_init(&r, &cfg);
	fake_map(&r.fu, true, PASID, VA, RAM, WALK_PERM_R, 12);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, false, NULL), -EPERM);
	pcie_cfg_write16(ep_cfg(r.ep), PCIE_CFG_COMMAND, PCIE_COMMAND_MASTER);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, false, NULL), -EPERM);	/* PASID off */
	pasid = pcie_cfg_find_ext_cap(ep_cfg(r.ep), PCIE_EXT_CAP_ID_PASID);
	pcie_cfg_write16(ep_cfg(r.ep), pasid + PCIE_PASID_CTRL, PCIE_PASID_CTRL_ENABLE);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, false, NULL), 0);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_UNTRANSLATED], 1);	/* ATS still off */
	rig_fini(&r);

	/* A PASID beyond the capability's width cannot be emitted. */
	cfg.func.pasid_width = 5;
	rig_init(&r, &cfg);
	fake_enable_all(r.ep, 4);
	fake_map(&r.fu, true, PASID, VA, RAM, WALK_PERM_R, 12);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, false, NULL), -EPERM);	/* 42 >= 32 */
	EXPECT_EQ(r.fu.calls[SMMU_TXN_ATS_REQUEST], 0);
	rig_fini(&r);
}

TEST(ep_untranslated_without_ats)
{
	struct ep_config cfg;
	struct ep_stats st;
	struct rig r;
	uint64_t pa = 0;
	unsigned int ats;

	ep_config_default(&cfg, 7);
	rig_init(&r, &cfg);
	fake_enable_all(r.ep, 4);
	ats = pcie_cfg_find_ext_cap(ep_cfg(r.ep), PCIE_EXT_CAP_ID_ATS);
	pcie_cfg_write16(ep_cfg(r.ep), ats + PCIE_ATS_CTRL, 0);
	fake_map(&r.fu, true, PASID, VA, RAM + 0x5000, WALK_PERM_R, 12);
	EXPECT_EQ(access1(r.ep, VA + 0x10, WALK_ACC_READ, false, &pa), 0);
	EXPECT_EQ(pa, RAM + 0x5010);
	/* A fault on the untranslated path is the SMMU's abort. */
	EXPECT_EQ(access1(r.ep, VA + 0x10, WALK_ACC_WRITE, true, NULL), -EFAULT);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_ATS_REQUEST], 0);
	EXPECT_EQ(r.fu.nreqs, 0);	/* no PRI without ATS */
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.untranslated, 2);
	rig_fini(&r);
}

TEST(ep_ats_fills_atc_then_hits)
{
	struct ep_config cfg;
	struct ep_stats st;
	struct rig r;
	uint64_t pa = 0;

	ep_config_default(&cfg, 7);
	rig_init(&r, &cfg);
	fake_enable_all(r.ep, 4);
	/* A 2M mapping: one ATS request serves the whole block. */
	fake_map(&r.fu, true, PASID, VA, RAM + 0x200000, WALK_PERM_R | WALK_PERM_W, 21);
	EXPECT_EQ(access1(r.ep, VA + 0x1234, WALK_ACC_READ, false, &pa), 0);
	EXPECT_EQ(pa, RAM + 0x201234);
	EXPECT_EQ(access1(r.ep, VA + 0x1fffff, WALK_ACC_WRITE, false, &pa), 0);
	EXPECT_EQ(pa, RAM + 0x3fffff);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_ATS_REQUEST], 1);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_TRANSLATED], 2);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_UNTRANSLATED], 0);
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.atc_hits, 1);
	/* Disabling ATS flushes the ATC: re-enabled, the next access asks again. */
	fake_enable_all(r.ep, 4);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, false, NULL), 0);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_ATS_REQUEST], 1);	/* enable write kept it on */
	pcie_cfg_write16(ep_cfg(r.ep), pcie_cfg_find_ext_cap(ep_cfg(r.ep), PCIE_EXT_CAP_ID_ATS) +
			 PCIE_ATS_CTRL, 0);
	fake_enable_all(r.ep, 4);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, false, NULL), 0);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_ATS_REQUEST], 2);
	rig_fini(&r);
}

TEST(ep_ats_errors)
{
	struct ep_config cfg;
	struct rig r;

	ep_config_default(&cfg, 7);
	rig_init(&r, &cfg);
	fake_enable_all(r.ep, 4);
	fake_map(&r.fu, true, PASID, VA, RAM, WALK_PERM_R, 12);
	/* Read-only page, write access, no fault-in: a fault, nothing cached for W. */
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_WRITE, false, NULL), -EFAULT);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, false, NULL), 0);
	/* UR from the SMMU (ATS not enabled for the stream): the access aborts. */
	r.fu.ats_ur = true;
	EXPECT_EQ(access1(r.ep, VA + 0x1000, WALK_ACC_READ, false, NULL), -EIO);
	/* Detached function: nothing upstream. */
	rig_fini(&r);
}

/* ---- PRI ------------------------------------------------------------------ */

static struct phys_mem *pol_mem;

/* Success: map every requested page (RW) to a frame derived from its address. */
static int policy_map(struct fake_up *fu, const struct smmu_page_req *reqs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fake_map(fu, reqs[i].ssv, reqs[i].ssid, reqs[i].addr,
			 RAM + 0x400000 + ((reqs[i].addr >> 12) & 0xff) * 0x1000,
			 WALK_PERM_R | WALK_PERM_W, 12);
	return PCIE_PRG_SUCCESS;
}

static int policy_slow_map(struct fake_up *fu, const struct smmu_page_req *reqs, unsigned int n)
{
	/* Keep groups outstanding long enough for others to queue up behind. */
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	return policy_map(fu, reqs, n);
}

static int policy_invalid(struct fake_up *fu, const struct smmu_page_req *reqs, unsigned int n)
{
	(void)fu;
	(void)reqs;
	(void)n;
	return PCIE_PRG_INVALID;
}

static int policy_failure(struct fake_up *fu, const struct smmu_page_req *reqs, unsigned int n)
{
	(void)fu;
	(void)reqs;
	(void)n;
	return PCIE_PRG_FAILURE;
}

static void pri_rig(struct rig *r, uint32_t alloc, fake_policy_t policy)
{
	struct ep_config cfg;

	ep_config_default(&cfg, 9);
	cfg.pri_timeout_ms = 5000;
	rig_init(r, &cfg);
	pol_mem = &r->mem;
	fake_enable_all(r->ep, alloc);
	if (policy)
		fake_start_responder(&r->fu, r->ep, policy);
}

static unsigned int pri_off(struct rig *r)
{
	return pcie_cfg_find_ext_cap(ep_cfg(r->ep), PCIE_EXT_CAP_ID_PRI);
}

TEST(pri_fault_success_retries)
{
	struct rig r;
	uint64_t pa = 0;
	struct ep_stats st;

	pri_rig(&r, 4, policy_map);
	EXPECT_EQ(access1(r.ep, VA + 0x3008, WALK_ACC_WRITE, true, &pa), 0);
	EXPECT_EQ(pa, RAM + 0x400000 + 0x3008);
	ASSERT_EQ(r.fu.nreqs, 1);
	EXPECT_TRUE(r.fu.reqs[0].last);
	EXPECT_TRUE(r.fu.reqs[0].write);
	EXPECT_FALSE(r.fu.reqs[0].read);
	EXPECT_TRUE(r.fu.reqs[0].ssv);
	EXPECT_EQ(r.fu.reqs[0].ssid, PASID);
	EXPECT_EQ(r.fu.reqs[0].addr, VA + 0x3000);
	/* Faulted again? No: the retry's ATS request succeeded and was cached. */
	EXPECT_EQ(r.fu.calls[SMMU_TXN_ATS_REQUEST], 2);
	EXPECT_EQ(access1(r.ep, VA + 0x3000, WALK_ACC_READ, true, NULL), 0);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_ATS_REQUEST], 2);
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.prg_success, 1);
	EXPECT_EQ(st.page_requests, 1);
	/* Enabled with nothing outstanding: not Stopped (only meaningful when disabled). */
	EXPECT_EQ(rd16(ep_cfg(r.ep), pri_off(&r) + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_STOPPED, 0);
	rig_fini(&r);
}

/*
 * Like an SMMU whose PRI queue overflows (SMMUv3 §8.1): the first
 * pol_busy_groups groups are answered Success with nothing made resident,
 * later ones are paged in.
 */
static unsigned int pol_busy_groups;

static int policy_busy_then_map(struct fake_up *fu, const struct smmu_page_req *reqs,
				unsigned int n)
{
	if (pol_busy_groups) {
		pol_busy_groups--;
		return PCIE_PRG_SUCCESS;
	}
	return policy_map(fu, reqs, n);
}

static int policy_success_never_map(struct fake_up *fu, const struct smmu_page_req *reqs,
				    unsigned int n)
{
	(void)fu;
	(void)reqs;
	(void)n;
	return PCIE_PRG_SUCCESS;
}

/*
 * A Success that leaves the page faulting is "ask again", paced: more
 * Successes than the old fixed 8 rounds, then the page comes, and the
 * access completes. The pauses double from EP_PRI_BACKOFF_MIN_US.
 */
TEST(pri_success_without_progress_asks_again_paced)
{
	struct ep_stats st;
	struct rig r;
	uint64_t us = 0, step = EP_PRI_BACKOFF_MIN_US;
	unsigned int i;

	pol_busy_groups = 12;
	pri_rig(&r, 4, policy_busy_then_map);
	EXPECT_EQ(access1(r.ep, VA + 0x5000, WALK_ACC_WRITE, true, NULL), 0);
	ASSERT_EQ(r.fu.nreqs, 13);
	for (i = 0; i < 13; i++) {
		EXPECT_EQ(r.fu.reqs[i].addr, VA + 0x5000);
		EXPECT_TRUE(r.fu.reqs[i].last);
	}
	for (i = 0; i < 12; i++, step *= 2)
		us += step < EP_PRI_BACKOFF_MAX_US ? step : EP_PRI_BACKOFF_MAX_US;
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.prg_success, 13);
	EXPECT_EQ(st.pri_rerequests, 12);
	EXPECT_EQ(st.pri_backoff_us, us);
	EXPECT_EQ(st.pri_gave_up, 0);
	/* The next access starts with a fresh budget and no pause. */
	pol_busy_groups = 1;
	EXPECT_EQ(access1(r.ep, VA + 0x6000, WALK_ACC_WRITE, true, NULL), 0);
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.pri_rerequests, 13);
	EXPECT_EQ(st.pri_backoff_us, us + EP_PRI_BACKOFF_MIN_US);
	rig_fini(&r);
}

/* A host that answers Success and never pages in: the budget ends the access. */
TEST(pri_budget_ends_a_host_that_never_pages_in)
{
	struct ep_config cfg;
	struct ep_stats st;
	struct rig r;

	ep_config_default(&cfg, 9);
	cfg.pri_max_rounds = 5;
	rig_init(&r, &cfg);
	fake_enable_all(r.ep, 4);
	fake_start_responder(&r.fu, r.ep, policy_success_never_map);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), -EFAULT);
	EXPECT_EQ(r.fu.nreqs, 5);
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.pri_rerequests, 4);
	EXPECT_EQ(st.pri_gave_up, 1);
	rig_fini(&r);
	/* The default budget is generous: many times the old 8 rounds. */
	ep_config_default(&cfg, 9);
	EXPECT_GE(cfg.pri_max_rounds, 64);
}

TEST(pri_group_shares_index_and_last_on_final)
{
	struct rig r;
	struct ep_page pages[3] = {
		{ VA, WALK_ACC_READ }, { VA + 0x1000, WALK_ACC_WRITE }, { VA + 0x5000, WALK_ACC_READ },
	};
	unsigned int i;

	pri_rig(&r, 4, policy_map);
	EXPECT_EQ(ep_page_request_group(r.ep, true, PASID, pages, 3), PCIE_PRG_SUCCESS);
	ASSERT_EQ(r.fu.nreqs, 3);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(r.fu.reqs[i].grpid, r.fu.reqs[0].grpid);
		EXPECT_EQ(r.fu.reqs[i].last, i == 2);
		EXPECT_EQ(r.fu.reqs[i].addr, pages[i].addr);
	}
	EXPECT_TRUE(r.fu.reqs[1].write);
	/* The next group gets a different index (the old one is free again, either is legal). */
	EXPECT_EQ(ep_page_request_group(r.ep, true, PASID, pages, 1), PCIE_PRG_SUCCESS);
	EXPECT_TRUE(r.fu.reqs[3].last);
	/* More pages than the allocation could ever cover, or none: refused. */
	{
		struct ep_page many[5] = { { VA, 0 }, { VA, 0 }, { VA, 0 }, { VA, 0 }, { VA, 0 } };

		EXPECT_EQ(ep_page_request_group(r.ep, true, PASID, many, 5), -EINVAL);
		EXPECT_EQ(ep_page_request_group(r.ep, true, PASID, many, 0), -EINVAL);
	}
	rig_fini(&r);
}

TEST(pri_invalid_request_fails_access)
{
	struct rig r;
	struct ep_stats st;

	pri_rig(&r, 4, policy_invalid);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), -EFAULT);
	EXPECT_EQ(r.fu.nreqs, 1);
	/* PRI is still usable afterwards. */
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), -EFAULT);
	EXPECT_EQ(r.fu.nreqs, 2);
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.prg_invalid, 2);
	EXPECT_EQ(rd16(ep_cfg(r.ep), pri_off(&r) + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_RF, 0);
	rig_fini(&r);
}

TEST(pri_response_failure_stops_until_reset)
{
	struct rig r;
	unsigned int pri;

	pri_rig(&r, 4, policy_failure);
	pri = pri_off(&r);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), -EIO);
	EXPECT_NE(rd16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_RF, 0);
	/* Stopped: no page request goes out any more. */
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), -EIO);
	EXPECT_EQ(r.fu.nreqs, 1);
	/* Clearing RF alone does not restart PRI. */
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS, PCIE_PRI_STATUS_RF);
	EXPECT_EQ(rd16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_RF, 0);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), -EIO);
	EXPECT_EQ(r.fu.nreqs, 1);
	/* Disable; Reset; Stopped reads 1; enable again (what pci_reset_pri + enable do). */
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_CTRL, 0);
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_CTRL, PCIE_PRI_CTRL_RESET);
	EXPECT_NE(rd16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_STOPPED, 0);
	r.fu.policy = policy_map;
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_CTRL, PCIE_PRI_CTRL_ENABLE);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), 0);
	EXPECT_EQ(r.fu.nreqs, 2);
	rig_fini(&r);
}

TEST(pri_disabled_means_plain_fault)
{
	struct rig r;

	pri_rig(&r, 4, policy_map);
	pcie_cfg_write16(ep_cfg(r.ep), pri_off(&r) + PCIE_PRI_CTRL, 0);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), -EFAULT);
	EXPECT_EQ(r.fu.nreqs, 0);
	EXPECT_EQ(ep_stop_marker(r.ep, PASID), -EIO);
	rig_fini(&r);
}

struct credit_worker {
	struct rig *r;
	unsigned int id;
	int ret;
};

static void *credit_thread(void *arg)
{
	struct credit_worker *w = arg;
	unsigned int i;

	w->ret = 0;
	for (i = 0; i < 8 && !w->ret; i++)
		w->ret = access1(w->r->ep, VA + ((w->id * 8 + i) << 12), WALK_ACC_WRITE, true, NULL);
	return NULL;
}

TEST(pri_outstanding_never_exceeds_allocation)
{
	struct credit_worker w[6];
	pthread_t th[6];
	struct rig r;
	struct ep_page pair[2] = { { VA + 0x100000, WALK_ACC_READ }, { VA + 0x101000, WALK_ACC_READ } };
	unsigned int i;

	pri_rig(&r, 2, policy_slow_map);
	for (i = 0; i < 6; i++) {
		w[i] = (struct credit_worker){ .r = &r, .id = i };
		ASSERT_EQ(pthread_create(&th[i], NULL, credit_thread, &w[i]), 0);
	}
	/* A two-page group needs both credits at once. */
	EXPECT_EQ(ep_page_request_group(r.ep, true, PASID, pair, 2), PCIE_PRG_SUCCESS);
	for (i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(w[i].ret, 0);
	}
	EXPECT_EQ(r.fu.nreqs, 6 * 8 + 2);
	TH_LOG("max outstanding %u (allocation 2)", r.fu.max_outstanding);
	EXPECT_LE(r.fu.max_outstanding, 2);
	EXPECT_GE(r.fu.max_outstanding, 1);
	rig_fini(&r);
}

TEST(pri_allocation_latched_at_enable)
{
	struct rig r;
	struct ep_page pages[3] = { { VA, 0 }, { VA + 0x1000, 0 }, { VA + 0x2000, 0 } };
	unsigned int pri;

	pri_rig(&r, 2, policy_map);
	pri = pri_off(&r);
	/* Raising the allocation while enabled changes nothing yet. */
	pcie_cfg_write32(ep_cfg(r.ep), pri + PCIE_PRI_ALLOC, 3);
	EXPECT_EQ(ep_page_request_group(r.ep, true, PASID, pages, 3), -EINVAL);
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_CTRL, 0);
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_CTRL, PCIE_PRI_CTRL_ENABLE);
	EXPECT_EQ(ep_page_request_group(r.ep, true, PASID, pages, 3), PCIE_PRG_SUCCESS);
	EXPECT_EQ(r.fu.nreqs, 3);
	rig_fini(&r);
}

TEST(pri_unexpected_and_mismatched_responses)
{
	struct rig r;
	unsigned int pri;
	struct smmu_pri_resp resp = { .ssv = true, .ssid = PASID, .grpid = 17,
				      .code = SMMU_PRG_RESP_SUCCESS };
	struct ep_stats st;

	pri_rig(&r, 4, NULL);
	pri = pri_off(&r);
	ep_prg_response(r.ep, &resp);
	EXPECT_NE(rd16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_UPRGI, 0);
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS, PCIE_PRI_STATUS_UPRGI);
	EXPECT_EQ(rd16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_UPRGI, 0);
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.prg_unexpected, 1);
	rig_fini(&r);
}

struct waiter {
	struct rig *r;
	int ret;
};

static void *fault_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = access1(w->r->ep, VA, WALK_ACC_READ, true, NULL);
	return NULL;
}

TEST(pri_response_needs_pasid_when_required)
{
	struct rig r;
	struct waiter w;
	pthread_t th;
	struct smmu_pri_resp resp = { .code = SMMU_PRG_RESP_SUCCESS };

	pri_rig(&r, 4, NULL);
	w.r = &r;
	ASSERT_EQ(pthread_create(&th, NULL, fault_thread, &w), 0);
	ASSERT_TRUE(fake_wait(&r.fu, &r.fu.nreqs, 1, 5000));
	resp.grpid = r.fu.reqs[0].grpid;
	/* No PASID, then the wrong PASID: both unexpected (status bit 15 is set). */
	resp.ssv = false;
	ep_prg_response(r.ep, &resp);
	resp.ssv = true;
	resp.ssid = PASID + 1;
	ep_prg_response(r.ep, &resp);
	EXPECT_NE(rd16(ep_cfg(r.ep), pri_off(&r) + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_UPRGI, 0);
	/* The right one completes the wait (mapping first, as software would). */
	fake_map(&r.fu, true, PASID, VA, RAM, WALK_PERM_R, 12);
	resp.ssid = PASID;
	ep_prg_response(r.ep, &resp);
	pthread_join(th, NULL);
	EXPECT_EQ(w.ret, 0);
	rig_fini(&r);
}

TEST(pri_timeout_keeps_credits_until_response)
{
	struct ep_config cfg;
	struct rig r;
	unsigned int pri;
	struct smmu_pri_resp resp = { .ssv = true, .ssid = PASID,
				      .code = SMMU_PRG_RESP_SUCCESS };
	struct ep_stats st;

	ep_config_default(&cfg, 9);
	cfg.pri_timeout_ms = 20;
	rig_init(&r, &cfg);
	fake_enable_all(r.ep, 1);
	pri = pri_off(&r);
	EXPECT_EQ(access1(r.ep, VA, WALK_ACC_READ, true, NULL), -ETIMEDOUT);
	/* The one credit is still held: the next fault cannot send anything. */
	EXPECT_EQ(access1(r.ep, VA + 0x1000, WALK_ACC_READ, true, NULL), -ETIMEDOUT);
	EXPECT_EQ(r.fu.nreqs, 1);
	/* Disabled with a request outstanding: not Stopped. */
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_CTRL, 0);
	EXPECT_EQ(rd16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_STOPPED, 0);
	/* The late response returns the credit: Stopped. */
	resp.grpid = r.fu.reqs[0].grpid;
	ep_prg_response(r.ep, &resp);
	EXPECT_NE(rd16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_STOPPED, 0);
	ep_get_stats(r.ep, &st);
	EXPECT_EQ(st.prg_timeouts, 1);
	EXPECT_EQ(st.prg_unexpected, 0);
	rig_fini(&r);
}

TEST(pri_reset_releases_waiters)
{
	struct rig r;
	struct waiter w;
	pthread_t th;
	unsigned int pri;

	pri_rig(&r, 4, NULL);
	pri = pri_off(&r);
	w.r = &r;
	ASSERT_EQ(pthread_create(&th, NULL, fault_thread, &w), 0);
	ASSERT_TRUE(fake_wait(&r.fu, &r.fu.nreqs, 1, 5000));
	/* Reset while enabled does nothing; disable + reset drops the group. */
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_CTRL, PCIE_PRI_CTRL_ENABLE | PCIE_PRI_CTRL_RESET);
	pcie_cfg_write16(ep_cfg(r.ep), pri + PCIE_PRI_CTRL, PCIE_PRI_CTRL_RESET);
	pthread_join(th, NULL);
	EXPECT_EQ(w.ret, -EIO);
	EXPECT_NE(rd16(ep_cfg(r.ep), pri + PCIE_PRI_STATUS) & PCIE_PRI_STATUS_STOPPED, 0);
	rig_fini(&r);
}

TEST(pri_stop_marker)
{
	struct rig r;

	pri_rig(&r, 4, NULL);
	EXPECT_EQ(ep_stop_marker(r.ep, PASID), 0);
	ASSERT_EQ(r.fu.nreqs, 1);
	EXPECT_TRUE(r.fu.reqs[0].last);
	EXPECT_FALSE(r.fu.reqs[0].read);
	EXPECT_FALSE(r.fu.reqs[0].write);
	EXPECT_TRUE(r.fu.reqs[0].ssv);
	EXPECT_EQ(r.fu.reqs[0].ssid, PASID);
	EXPECT_EQ(r.fu.max_outstanding, 0);	/* no credit */
	rig_fini(&r);
}

/* ---- Platform device with stall ------------------------------------------ */

struct plat_waiter {
	struct ep *ep;
	int ret;
	uint64_t pa;
};

static void *plat_thread(void *arg)
{
	struct plat_waiter *w = arg;
	struct ep_access a = { .pv = true, .pasid = 3, .addr = VA + 0x40, .acc = WALK_ACC_WRITE };
	struct ep_xlate xl;

	w->ret = ep_translate(w->ep, &a, &xl);
	if (!w->ret) {
		w->pa = xl.pa;
		ep_access_end(w->ep, &xl);
	}
	return NULL;
}

TEST(platform_stall_retry_and_abort)
{
	struct ep_config cfg;
	struct rig r;
	struct plat_waiter w;
	pthread_t th;

	ep_config_platform(&cfg, 0x100);
	rig_init(&r, &cfg);
	r.fu.stall = true;
	/* No config capabilities at all. */
	EXPECT_EQ(pcie_cfg_find_ext_cap(ep_cfg(r.ep), PCIE_EXT_CAP_ID_ATS), 0);

	/* Retry: the transaction waits in the SMMU until the page is there. */
	w = (struct plat_waiter){ .ep = r.ep };
	ASSERT_EQ(pthread_create(&th, NULL, plat_thread, &w), 0);
	ASSERT_TRUE(fake_wait(&r.fu, &r.fu.stalled, 1, 5000));
	fake_map(&r.fu, true, 3, VA, RAM + 0x9000, WALK_PERM_R | WALK_PERM_W, 12);
	fake_resume(&r.fu, false);
	pthread_join(th, NULL);
	EXPECT_EQ(w.ret, 0);
	EXPECT_EQ(w.pa, RAM + 0x9040);

	/* Terminate: the access fails as a fault. */
	fake_unmap(&r.fu, true, 3, VA);
	w = (struct plat_waiter){ .ep = r.ep };
	ASSERT_EQ(pthread_create(&th, NULL, plat_thread, &w), 0);
	ASSERT_TRUE(fake_wait(&r.fu, &r.fu.stalled, 1, 5000));
	fake_resume(&r.fu, true);
	pthread_join(th, NULL);
	EXPECT_EQ(w.ret, -EFAULT);
	EXPECT_EQ(r.fu.calls[SMMU_TXN_ATS_REQUEST], 0);
	/* A platform device never sends page requests. */
	EXPECT_EQ(ep_page_request_group(r.ep, true, 3, &(struct ep_page){ VA, 0 }, 1), -EIO);
	rig_fini(&r);
}

/* ---- Through the real SMMU model (hw/smmu) --------------------------------- */

#include "tests/unit/smmu_fixture.h"

#define S_SID		5
#define S_ASID		9
#define S_PASID		3
#define S_CDMAX		4	/* 16 substreams */

struct sva {
	struct fx fx;
	uint64_t root, cdtab, frames;
	struct ep *ep;
};

/* A stream with a PASID-indexed CD table over one page table; ATS allowed. */
static void sva_init(struct sva *s)
{
	struct fx_ste ste = { .cdmax = S_CDMAX, .s1dss = STRTAB_STE_1_S1DSS_BYPASS,
			      .eats = STRTAB_STE_1_EATS_TRANS };
	struct ep_config cfg;

	ASSERT_EQ(fx_init(&s->fx), 0);
	s->root = fx_pt_new(&s->fx);
	s->cdtab = fx_alloc(&s->fx, 64ULL << S_CDMAX, 64ULL << S_CDMAX);
	s->frames = fx_alloc(&s->fx, 16 * 4096, 4096);
	fx_cd(&s->fx, s->cdtab + S_PASID * 64, s->root, S_ASID, FX_CD_DEFAULT);
	ste.cdptr = s->cdtab;
	fx_ste(&s->fx, S_SID, &ste);
	ep_config_default(&cfg, S_SID);
	s->ep = ep_create(&cfg, &s->fx.mem.bus, NULL);
	ASSERT_TRUE(s->ep != NULL);
	ASSERT_EQ(ep_attach_smmu(s->ep, s->fx.smmu), 0);
	fake_enable_all(s->ep, 4);
}

static void sva_fini(struct sva *s)
{
	fx_fini(&s->fx);	/* first: no SMMU thread may call into the function */
	ep_destroy(s->ep);
}

static int sva_access(struct sva *s, uint64_t va, unsigned int acc, bool fault_in, uint64_t *pa)
{
	struct ep_access a = { .pv = true, .pasid = S_PASID, .addr = va, .acc = acc,
			       .fault_in = fault_in };
	struct ep_xlate xl;
	int ret = ep_translate(s->ep, &a, &xl);

	if (!ret) {
		*pa = xl.pa;
		ep_access_end(s->ep, &xl);
	}
	return ret;
}

TEST(smmu_ats_atc_and_atc_inv)
{
	struct sva s;
	struct ep_stats st;
	uint64_t pa = 0, fa, fb;

	sva_init(&s);
	fa = s.frames;
	fb = s.frames + 0x1000;
	fx_map(&s.fx, s.root, VA, fa, FX_PTE_RW);
	EXPECT_EQ(sva_access(&s, VA + 0x18, WALK_ACC_READ, false, &pa), 0);
	EXPECT_EQ(pa, fa + 0x18);
	EXPECT_EQ(sva_access(&s, VA + 0x20, WALK_ACC_WRITE, false, &pa), 0);
	EXPECT_EQ(pa, fa + 0x20);
	ep_get_stats(s.ep, &st);
	/* The page is already writable (dirty): the NW read got W too, one request. */
	EXPECT_EQ(st.ats_requests, 1);
	EXPECT_EQ(st.atc_hits, 1);

	/* Remap, TLBI + SYNC: the ATC still holds the old translation... */
	fx_map(&s.fx, s.root, VA, fb, FX_PTE_RW);
	fx_tlbi_va(&s.fx, S_ASID, VA);
	EXPECT_EQ(fx_sync(&s.fx), 0);
	EXPECT_EQ(sva_access(&s, VA, WALK_ACC_READ, false, &pa), 0);
	EXPECT_EQ(pa, fa);
	/* ...until CMD_ATC_INV + CMD_SYNC reach the function. */
	fx_cmd(&s.fx, FIELD_PREP(CMD_0_OP, CMD_OP_ATC_INV) | CMD_0_SSV |
	       FIELD_PREP(CMD_0_SSID, S_PASID) | FIELD_PREP(CMD_0_SID, S_SID),
	       FIELD_PREP(CMD_1_ATC_SIZE, 0) | (VA & CMD_1_ATC_ADDR));
	EXPECT_EQ(fx_sync(&s.fx), 0);
	EXPECT_EQ(sva_access(&s, VA, WALK_ACC_READ, false, &pa), 0);
	EXPECT_EQ(pa, fb);
	ep_get_stats(s.ep, &st);
	EXPECT_EQ(st.atc_invalidations, 1);
	/* Unmapped: the completion says R = W = 0, the access faults. */
	EXPECT_EQ(sva_access(&s, VA + 0x100000, WALK_ACC_READ, false, &pa), -EFAULT);
	sva_fini(&s);
}

struct sva_waiter {
	struct sva *s;
	int ret;
	uint64_t pa;
};

static void *sva_fault_thread(void *arg)
{
	struct sva_waiter *w = arg;

	w->ret = sva_access(w->s, VA + 0x5010, WALK_ACC_WRITE, true, &w->pa);
	return NULL;
}

TEST(smmu_pri_page_request_and_response)
{
	struct sva s;
	struct sva_waiter w;
	struct smmu_pri_req req = { 0 };
	pthread_t th;

	sva_init(&s);
	w = (struct sva_waiter){ .s = &s };
	ASSERT_EQ(pthread_create(&th, NULL, sva_fault_thread, &w), 0);
	/* The driver's PRI queue gets the request (bounded by the harness timeout). */
	FX_WAIT(fx_pri(&s.fx, &req));
	EXPECT_EQ(req.sid, S_SID);
	EXPECT_TRUE(req.ssv);
	EXPECT_EQ(req.ssid, S_PASID);
	EXPECT_EQ(req.addr, VA + 0x5000);
	EXPECT_TRUE(req.write);
	EXPECT_TRUE(req.last);
	/* Fault the page in, answer the group with the PASID. */
	fx_map(&s.fx, s.root, VA + 0x5000, s.frames + 0x3000, FX_PTE_RW);
	fx_cmd(&s.fx, FIELD_PREP(CMD_0_OP, CMD_OP_PRI_RESP) | CMD_0_SSV |
	       FIELD_PREP(CMD_0_SSID, S_PASID) | FIELD_PREP(CMD_0_SID, S_SID),
	       FIELD_PREP(CMD_1_PRI_GRPID, req.grpid) |
	       FIELD_PREP(CMD_1_PRI_RESP, CMD_PRI_RESP_SUCCESS));
	EXPECT_EQ(fx_sync(&s.fx), 0);
	pthread_join(th, NULL);
	EXPECT_EQ(w.ret, 0);
	EXPECT_EQ(w.pa, s.frames + 0x3010);
	sva_fini(&s);
}
