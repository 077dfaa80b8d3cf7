// SPDX-License-Identifier: GPL-2.0
/*
 * Who completes a CMD_SYNC (hw/smmu/cmdq.c): the thread writing CMDQ_PROD,
 * inside the write, when nothing is in flight; the SMMU's own thread when a
 * translation, or a device access through an ATC entry being invalidated,
 * is still open. The PROD write never waits for either, and CONS never
 * passes the CMD_SYNC before they end. With smmu_config.cmdq_threaded the
 * SMMU's thread does all of it, under the same guarantees.
 */
#include <errno.h>
#include <sched.h>

#include "hw/pcie/endpoint.h"
#include "tests/harness.h"
#include "tests/unit/smmu_fixture.h"

#define SID	3
#define PASID	5
#define ASID	7
#define VA	0x40000000ULL
#define QMASK	((1u << (FX_Q_LOG2 + 1)) - 1)

static uint32_t cons(struct fx *fx)
{
	return smmu_mmio_read32(fx->smmu, SMMU_CMDQ_CONS) & QMASK;
}

static void init(struct fx *fx, bool threaded)
{
	struct smmu_config cfg;

	smmu_config_default(&cfg);
	cfg.cmdq_threaded = threaded;
	ASSERT_EQ(fx_init_cfg(fx, &cfg, true), 0);
}

static void sync_cmd(struct fx *fx)
{
	fx_cmd(fx, FIELD_PREP(CMD_0_OP, CMD_OP_SYNC), 0);
}

TEST(sync_completes_inside_the_prod_write)
{
	struct fx fx;
	unsigned int i;

	init(&fx, false);
	for (i = 0; i < 100; i++) {
		fx_cfgi_ste(&fx, SID);
		sync_cmd(&fx);
		/* No wait: consumed before the write returned. */
		ASSERT_EQ(cons(&fx), fx.cmdq_prod);
	}
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_SYNC), 100);
	fx_fini(&fx);
}

/* A bypass translation holds its read section until smmu_txn_end(). */
static void open_translation(struct fx *fx, struct smmu_txn_result *res)
{
	struct smmu_txn txn = { .sid = SID, .addr = 0x1000, .acc = WALK_ACC_READ };
	struct fx_ste ste = { .config = STRTAB_STE_0_CFG_BYPASS };

	fx_ste(fx, SID, &ste);
	ASSERT_EQ(smmu_translate(fx->smmu, &txn, res), 0);
	ASSERT_EQ(res->status, SMMU_TXN_OK);
}

static void translation_in_flight(bool threaded)
{
	struct smmu_txn_result res;
	uint32_t sync_at;
	struct fx fx;
	unsigned int i;

	init(&fx, threaded);
	open_translation(&fx, &res);
	fx_cfgi_ste(&fx, SID);
	sync_at = fx.cmdq_prod;
	sync_cmd(&fx);		/* returns: the write does not wait for the translation */
	/* The CFGI is done, the CMD_SYNC is not, whoever consumes. */
	FX_WAIT(cons(&fx) == sync_at);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(cons(&fx), sync_at);
		sched_yield();
	}
	smmu_txn_end(fx.smmu, &res);
	FX_WAIT(cons(&fx) == fx.cmdq_prod);
	/* Afterwards the queue is consumed in the write again (unless threaded). */
	sync_cmd(&fx);
	if (!threaded)
		EXPECT_EQ(cons(&fx), fx.cmdq_prod);
	FX_WAIT(cons(&fx) == fx.cmdq_prod);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_SYNC), 2);
	fx_fini(&fx);
}

TEST(sync_with_a_translation_in_flight_is_left_to_the_thread)
{
	translation_in_flight(false);
}

TEST(threaded_sync_with_a_translation_in_flight)
{
	translation_in_flight(true);
}

/*
 * CMD_ATC_INV removes the entry at once and CMD_SYNC waits for the access
 * that was using it (§4.5.1, §4.7.3): the PROD write goes past ATC_INV
 * and leaves the CMD_SYNC until the access ends.
 */
static void atc_access_in_flight(bool threaded)
{
	struct fx_ste ste = { .cdmax = 4, .s1dss = STRTAB_STE_1_S1DSS_BYPASS,
			      .eats = STRTAB_STE_1_EATS_TRANS };
	struct ep_access a = { .pv = true, .pasid = PASID, .addr = VA, .acc = WALK_ACC_WRITE };
	uint64_t root, cdtab, frame;
	struct ep_config ecfg;
	struct ep_xlate xl;
	struct ep_stats st;
	uint32_t sync_at, cr0;
	struct pcie_cfg *pc;
	struct ep *ep;
	struct fx fx;
	unsigned int i;

	init(&fx, threaded);
	cr0 = smmu_mmio_read32(fx.smmu, SMMU_CR0) | SMMU_CR0_ATSCHK;
	smmu_mmio_write32(fx.smmu, SMMU_CR0, cr0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) == cr0);
	root = fx_pt_new(&fx);
	cdtab = fx_alloc(&fx, 16 * 64, 16 * 64);
	fx_cd(&fx, cdtab + PASID * 64, root, ASID, FX_CD_DEFAULT);
	ste.cdptr = cdtab;
	fx_ste(&fx, SID, &ste);
	frame = fx_alloc(&fx, 4096, 4096);
	fx_map(&fx, root, VA, frame, FX_PTE_RW);

	ep_config_default(&ecfg, SID);
	ep = ep_create(&ecfg, &fx.mem.bus, NULL);
	ASSERT_TRUE(ep != NULL);
	ASSERT_EQ(ep_attach_smmu(ep, fx.smmu), 0);
	pc = ep_cfg(ep);
	pcie_cfg_write16(pc, PCIE_CFG_COMMAND, PCIE_COMMAND_MASTER);
	pcie_cfg_write16(pc, pcie_cfg_find_ext_cap(pc, PCIE_EXT_CAP_ID_PASID) + PCIE_PASID_CTRL,
			 PCIE_PASID_CTRL_ENABLE);
	pcie_cfg_write16(pc, pcie_cfg_find_ext_cap(pc, PCIE_EXT_CAP_ID_ATS) + PCIE_ATS_CTRL,
			 PCIE_ATS_CTRL_ENABLE);

	/* An ATC entry, then an access through it left open. */
	ASSERT_EQ(ep_translate(ep, &a, &xl), 0);
	ep_access_end(ep, &xl);
	ASSERT_EQ(ep_translate(ep, &a, &xl), 0);
	ep_get_stats(ep, &st);
	ASSERT_EQ(st.atc_hits, 1);

	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_ATC_INV) | FIELD_PREP(CMD_0_SID, SID) |
	       CMD_0_SSV | FIELD_PREP(CMD_0_SSID, PASID), FIELD_PREP(CMD_1_ATC_SIZE, 0) | VA);
	sync_at = fx.cmdq_prod;
	sync_cmd(&fx);
	FX_WAIT(cons(&fx) == sync_at);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(cons(&fx), sync_at);
		sched_yield();
	}
	ep_access_end(ep, &xl);
	FX_WAIT(cons(&fx) == fx.cmdq_prod);
	/* The entry is gone: the next access asks again. */
	ASSERT_EQ(ep_translate(ep, &a, &xl), 0);
	ep_access_end(ep, &xl);
	ep_get_stats(ep, &st);
	EXPECT_EQ(st.atc_hits, 1);
	EXPECT_EQ(st.ats_requests, 2);
	EXPECT_EQ(st.atc_invalidations, 1);
	fx_fini(&fx);
	ep_destroy(ep);
}

TEST(atc_inv_completion_waits_at_the_sync)
{
	atc_access_in_flight(false);
}

TEST(threaded_atc_inv_completion_waits_at_the_sync)
{
	atc_access_in_flight(true);
}
