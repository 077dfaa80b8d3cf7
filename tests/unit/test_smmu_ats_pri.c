// SPDX-License-Identifier: GPL-2.0
/*
 * hw/smmu PCIe side: ATS Translation Requests and their completions,
 * ATS-Translated traffic vs CR0.ATSCHK and STE.EATS, CMD_ATC_INV and
 * CMD_PRI_RESP reaching a fake endpoint, page requests into the PRI queue
 * with the overflow auto-response rules, and broadcast TLB maintenance
 * (DVM) against ASET.
 */
#include <sched.h>

#include "hw/smmu/internal.h"
#include "tests/harness.h"
#include "tests/unit/smmu_fixture.h"

#define SID	6
#define SID2	7
#define ASID	9
#define VA	0x7f0000000000ULL

/* A fake PCIe endpoint: records what the SMMU sends it. */
struct fake_ep {
	int inv_ret;
	unsigned int nr_inv, nr_resp;
	struct smmu_atc_inv inv;
	struct smmu_pri_resp resp;
};

static int ep_atc_inv(void *ctx, const struct smmu_atc_inv *inv)
{
	struct fake_ep *ep = ctx;

	ep->inv = *inv;
	__atomic_fetch_add(&ep->nr_inv, 1, __ATOMIC_SEQ_CST);
	return ep->inv_ret;
}

static void ep_pri_resp(void *ctx, const struct smmu_pri_resp *resp)
{
	struct fake_ep *ep = ctx;

	ep->resp = *resp;
	__atomic_fetch_add(&ep->nr_resp, 1, __ATOMIC_SEQ_CST);
}

static const struct smmu_ep_ops ep_ops = { .atc_inv = ep_atc_inv, .pri_resp = ep_pri_resp };

struct setup {
	uint64_t root, data, cd;
};

static void setup(struct fx *fx, struct setup *s, unsigned int eats, unsigned int cd_flags)
{
	struct fx_ste ste = { .eats = eats, .ppar = true };

	s->root = fx_pt_new(fx);
	s->data = fx_alloc(fx, 4 * 4096, 4096);
	s->cd = fx_alloc(fx, 64, 64);
	fx_cd(fx, s->cd, s->root, ASID, cd_flags);
	ste.cdptr = s->cd;
	fx_ste(fx, SID, &ste);
}

static struct smmu_txn_result ats(struct fx *fx, uint32_t sid, uint64_t va, unsigned int acc,
				  bool nw)
{
	struct smmu_txn txn = { .sid = sid, .addr = va, .acc = acc,
				.type = SMMU_TXN_ATS_REQUEST, .no_write = nw };
	struct smmu_txn_result res;

	smmu_translate(fx->smmu, &txn, &res);
	smmu_txn_end(fx->smmu, &res);
	return res;
}

TEST(ats_request_needs_eats)
{
	struct smmu_event ev;
	struct setup s;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_ABT, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	EXPECT_EQ(ats(&fx, SID, VA, 0, false).status, SMMU_TXN_ATS_UR);
	ASSERT_TRUE(fx_event(&fx, &ev));
	EXPECT_EQ(ev.id, EVT_ID_F_BAD_ATS_TREQ);
	EXPECT_EQ(ev.sid, SID);
	/* An invalid STE: CA and no event (§5.2 V). */
	EXPECT_EQ(ats(&fx, SID2, VA, 0, false).status, SMMU_TXN_ATS_CA);
	EXPECT_FALSE(fx_event(&fx, &ev));
	fx_fini(&fx);
}

TEST(ats_completions)
{
	struct smmu_txn_result r;
	struct smmu_event ev;
	struct setup s;
	struct fx fx;
	uint64_t wclean;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT | FX_CD_HA | FX_CD_HD);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	fx_map(&fx, s.root, VA + 0x1000, s.data + 0x1000, FX_PTE_RO);
	wclean = fx_map(&fx, s.root, VA + 0x2000, s.data + 0x2000, FX_PTE_WCLEAN);

	r = ats(&fx, SID, VA + 0x10, 0, false);
	EXPECT_EQ(r.status, SMMU_TXN_OK);
	EXPECT_EQ(r.pa, s.data + 0x10);
	EXPECT_EQ(r.size_shift, 12);
	EXPECT_EQ(r.perm, WALK_PERM_R | WALK_PERM_W);
	EXPECT_FALSE(r.priv);
	r = ats(&fx, SID, VA + 0x1000, WALK_ACC_PRIV, false);
	EXPECT_EQ(r.perm, WALK_PERM_R);
	EXPECT_TRUE(r.priv);
	/* NW = 1 on a writable-clean page: read only, nothing dirtied. */
	r = ats(&fx, SID, VA + 0x2000, 0, true);
	EXPECT_EQ(r.perm, WALK_PERM_R);
	EXPECT_TRUE(fx_r64(&fx, wclean) & VMSA_PTE_AP_RDONLY);
	/* NW = 0 under HD: marked dirty, W granted. */
	r = ats(&fx, SID, VA + 0x2000, 0, false);
	EXPECT_EQ(r.perm, WALK_PERM_R | WALK_PERM_W);
	EXPECT_FALSE(fx_r64(&fx, wclean) & VMSA_PTE_AP_RDONLY);
	/* A translation fault: success with no access, no event, no stall. */
	r = ats(&fx, SID, VA + 0x3000, 0, false);
	EXPECT_EQ(r.status, SMMU_TXN_ATS_FAULT);
	EXPECT_EQ(r.perm, 0);
	EXPECT_FALSE(fx_event(&fx, &ev));
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_ATS_TRANS_RQ), 4);
	fx_fini(&fx);
}

static uint64_t misses(struct fx *fx);

/*
 * §3.9.1: an ATS Translation Completion carries Global = 0, with or without
 * a PASID, for a global (nG == 0) leaf too, walked or cached.
 */
TEST(ats_completion_is_never_global)
{
	struct smmu_txn_result r;
	struct setup s;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW & ~VMSA_PTE_NG);
	r = ats(&fx, SID, VA, 0, true);
	EXPECT_EQ(r.status, SMMU_TXN_OK);
	EXPECT_FALSE(r.global);
	/* Now from the TLB. */
	r = ats(&fx, SID, VA + 8, 0, true);
	EXPECT_EQ(r.status, SMMU_TXN_OK);
	EXPECT_EQ(r.pa, s.data + 8);
	EXPECT_FALSE(r.global);
	fx_fini(&fx);
}

/*
 * §3.9.1: ATS Translation Requests may be answered from the SMMU TLB and
 * may fill it. Shown by a PTE changed without TLBI: the request keeps
 * getting the cached translation until the TLBI, and walks no more.
 */
TEST(ats_requests_use_and_fill_the_tlb)
{
	struct smmu_txn_result r;
	struct setup s;
	struct fx fx;
	uint64_t pte, m;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT | FX_CD_HA | FX_CD_HD);
	pte = fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	r = ats(&fx, SID, VA, 0, true);
	EXPECT_EQ(r.status, SMMU_TXN_OK);
	EXPECT_EQ(r.pa, s.data);
	m = misses(&fx);
	fx_w64(&fx, pte, vmsa_addr_to_desc(s.data + 0x1000, 12) | FX_PTE_RW);
	r = ats(&fx, SID, VA + 0x20, 0, false);
	EXPECT_EQ(r.status, SMMU_TXN_OK);
	EXPECT_EQ(r.pa, s.data + 0x20);		/* the cached translation */
	EXPECT_EQ(r.perm, WALK_PERM_R | WALK_PERM_W);
	EXPECT_EQ(misses(&fx), m);
	fx_tlbi_va(&fx, ASID, VA);
	ASSERT_EQ(fx_sync(&fx), 0);
	r = ats(&fx, SID, VA + 0x20, 0, false);
	EXPECT_EQ(r.pa, s.data + 0x1020);	/* walked again after the TLBI */
	EXPECT_EQ(misses(&fx), m + 1);

	/* An entry an ordinary transaction filled serves a request too. */
	fx_map(&fx, s.root, VA + 0x1000, s.data + 0x2000, FX_PTE_RO);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x1000, 0, NULL), SMMU_TXN_OK);
	m = misses(&fx);
	r = ats(&fx, SID, VA + 0x1000, 0, false);
	EXPECT_EQ(r.pa, s.data + 0x2000);
	EXPECT_EQ(r.perm, WALK_PERM_R);
	EXPECT_EQ(misses(&fx), m);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_ATS_TRANS_RQ), 4);
	fx_fini(&fx);
}

/*
 * HTTU with a cached writable-clean entry (§3.9.1, §3.13.7): NW == 1 is
 * served from the TLB with R only; NW == 0 must not be: it walks and marks
 * the page dirty, because the Translated writes will bypass the SMMU.
 */
TEST(ats_write_request_dirties_a_cached_clean_page)
{
	struct smmu_txn_result r;
	struct setup s;
	struct fx fx;
	uint64_t wclean, m;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT | FX_CD_HA | FX_CD_HD);
	wclean = fx_map(&fx, s.root, VA, s.data, FX_PTE_WCLEAN);
	r = ats(&fx, SID, VA, 0, true);
	EXPECT_EQ(r.perm, WALK_PERM_R);
	m = misses(&fx);
	r = ats(&fx, SID, VA, 0, true);		/* a hit on the clean entry */
	EXPECT_EQ(r.perm, WALK_PERM_R);
	EXPECT_EQ(misses(&fx), m);
	EXPECT_TRUE(fx_r64(&fx, wclean) & VMSA_PTE_AP_RDONLY);
	r = ats(&fx, SID, VA, 0, false);
	EXPECT_EQ(r.status, SMMU_TXN_OK);
	EXPECT_EQ(r.perm, WALK_PERM_R | WALK_PERM_W);
	EXPECT_FALSE(fx_r64(&fx, wclean) & VMSA_PTE_AP_RDONLY);	/* dirty now */
	EXPECT_GT(misses(&fx), m);
	m = misses(&fx);
	r = ats(&fx, SID, VA, 0, false);	/* the dirty entry is cached */
	EXPECT_EQ(r.perm, WALK_PERM_R | WALK_PERM_W);
	EXPECT_EQ(misses(&fx), m);
	fx_fini(&fx);
}

/*
 * A cached entry that grants the request nothing (filled by a privileged
 * access to a page EL0 cannot touch) answers like the walk: R == W == 0.
 */
TEST(ats_unprivileged_request_on_a_privileged_entry)
{
	uint64_t priv_only = (FX_PTE_RW & ~VMSA_PTE_AP) | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_PRIV_RW);
	struct smmu_txn_result r;
	struct setup s;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, priv_only);
	r = ats(&fx, SID, VA, WALK_ACC_PRIV, false);
	EXPECT_EQ(r.status, SMMU_TXN_OK);
	EXPECT_EQ(r.perm, WALK_PERM_R | WALK_PERM_W);
	r = ats(&fx, SID, VA, 0, false);
	EXPECT_EQ(r.status, SMMU_TXN_ATS_FAULT);
	EXPECT_EQ(r.perm, 0);
	fx_fini(&fx);
}

/*
 * §3.9.1.2: a request whose walk takes an external abort completes with CA
 * (a configuration-class error, not R == W == 0) and, without
 * CR2.REC_CFG_ATS, records nothing; an ordinary transaction records
 * F_WALK_EABT.
 */
TEST(ats_walk_abort_is_completer_abort)
{
	struct smmu_txn_result r;
	struct smmu_event ev;
	struct setup s;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);
	/* Tables beyond the end of memory: every walk aborts. */
	fx_cd(&fx, s.cd, FX_MEM_BASE + FX_MEM_SIZE + 0x10000, ASID, FX_CD_DEFAULT);
	r = ats(&fx, SID, VA, 0, false);
	EXPECT_EQ(r.status, SMMU_TXN_ATS_CA);
	EXPECT_EQ(r.perm, 0);
	EXPECT_FALSE(fx_event(&fx, &ev));
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, 0, NULL), SMMU_TXN_ABORT);
	ASSERT_TRUE(fx_event(&fx, &ev));
	EXPECT_EQ(ev.id, EVT_ID_F_WALK_EABT);
	fx_fini(&fx);
}

/*
 * IDR0.ATSRECERR with CR2.REC_CFG_ATS = 1 (§3.9.1.2-3): the configuration
 * errors of ATS requests and checked Translated accesses are recorded too
 * (a request's C_BAD_STREAMID only with RECINVSID), a walk abort as well;
 * translation faults still are not.
 */
TEST(rec_cfg_ats_records_ats_configuration_errors)
{
	uint32_t cr0 = SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN | SMMU_CR0_PRIQEN |
		       SMMU_CR0_SMMUEN | SMMU_CR0_ATSCHK;
	struct smmu_txn txn = { .sid = SID2, .addr = 0x88000000, .type = SMMU_TXN_TRANSLATED };
	struct smmu_txn_result res;
	struct smmu_config cfg;
	struct smmu_event ev;
	struct setup s;
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.ats_rec_err = true;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, false), 0);
	EXPECT_TRUE(smmu_mmio_read32(fx.smmu, SMMU_IDR0) & SMMU_IDR0_ATSRECERR);
	smmu_mmio_write32(fx.smmu, SMMU_CR2, SMMU_CR2_REC_CFG_ATS);
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_CR2), SMMU_CR2_REC_CFG_ATS);
	smmu_mmio_write32(fx.smmu, SMMU_CR0, cr0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) == cr0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);

	/* An invalid STE: CA, and C_BAD_STE recorded with RnW = 0. */
	EXPECT_EQ(ats(&fx, SID2, VA, 0, false).status, SMMU_TXN_ATS_CA);
	ASSERT_TRUE(fx_event(&fx, &ev));
	EXPECT_EQ(ev.id, EVT_ID_C_BAD_STE);
	EXPECT_EQ(ev.sid, SID2);
	/* A Translated access through it (ATSCHK): aborted, recorded. */
	smmu_translate(fx.smmu, &txn, &res);
	smmu_txn_end(fx.smmu, &res);
	EXPECT_EQ(res.status, SMMU_TXN_ABORT);
	ASSERT_TRUE(fx_event(&fx, &ev));
	EXPECT_EQ(ev.id, EVT_ID_C_BAD_STE);
	/* Out of the stream table: a request's C_BAD_STREAMID needs RECINVSID. */
	EXPECT_EQ(ats(&fx, 1u << 12, VA, 0, false).status, SMMU_TXN_ATS_CA);
	EXPECT_FALSE(fx_event(&fx, &ev));
	txn.sid = 1u << 12;
	smmu_translate(fx.smmu, &txn, &res);
	smmu_txn_end(fx.smmu, &res);
	EXPECT_EQ(res.status, SMMU_TXN_ABORT);
	ASSERT_TRUE(fx_event(&fx, &ev));
	EXPECT_EQ(ev.id, EVT_ID_C_BAD_STREAMID);
	/* A translation fault is never recorded; a walk abort now is. */
	EXPECT_EQ(ats(&fx, SID, VA, 0, false).status, SMMU_TXN_ATS_FAULT);
	EXPECT_FALSE(fx_event(&fx, &ev));
	fx_cd(&fx, s.cd, FX_MEM_BASE + FX_MEM_SIZE + 0x10000, ASID, FX_CD_DEFAULT);
	fx_cfgi_cd(&fx, SID, 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(ats(&fx, SID, VA, 0, false).status, SMMU_TXN_ATS_CA);
	ASSERT_TRUE(fx_event(&fx, &ev));
	EXPECT_EQ(ev.id, EVT_ID_F_WALK_EABT);
	EXPECT_FALSE(ev.rnw);
	fx_fini(&fx);
}

TEST(translated_traffic_and_atschk)
{
	struct smmu_txn txn = { .sid = SID, .addr = 0x88000000, .acc = WALK_ACC_WRITE,
				.type = SMMU_TXN_TRANSLATED };
	struct smmu_txn_result res;
	struct smmu_event ev;
	struct fx_ste ste = { 0 };
	struct setup s;
	struct fx fx;
	uint32_t cr0;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_ABT, FX_CD_DEFAULT);
	/* ATSCHK == 0: Translated traffic bypasses, no STE check at all. */
	smmu_translate(fx.smmu, &txn, &res);
	smmu_txn_end(fx.smmu, &res);
	EXPECT_EQ(res.status, SMMU_TXN_OK);
	EXPECT_EQ(res.pa, 0x88000000);
	cr0 = smmu_mmio_read32(fx.smmu, SMMU_CR0) | SMMU_CR0_ATSCHK;
	smmu_mmio_write32(fx.smmu, SMMU_CR0, cr0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) == cr0);
	/* ATSCHK == 1 and EATS == 0: F_TRANSL_FORBIDDEN. */
	smmu_translate(fx.smmu, &txn, &res);
	smmu_txn_end(fx.smmu, &res);
	EXPECT_EQ(res.status, SMMU_TXN_ABORT);
	ASSERT_TRUE(fx_event(&fx, &ev));
	EXPECT_EQ(ev.id, EVT_ID_F_TRANSL_FORBIDDEN);
	EXPECT_FALSE(ev.rnw);
	/* EATS == 1: allowed through. */
	ste.cdptr = s.cd;
	ste.eats = STRTAB_STE_1_EATS_TRANS;
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	smmu_translate(fx.smmu, &txn, &res);
	smmu_txn_end(fx.smmu, &res);
	EXPECT_EQ(res.status, SMMU_TXN_OK);
	EXPECT_EQ(res.pa, 0x88000000);
	/* An invalid STE: aborted, silently. */
	txn.sid = SID2;
	smmu_translate(fx.smmu, &txn, &res);
	smmu_txn_end(fx.smmu, &res);
	EXPECT_EQ(res.status, SMMU_TXN_ABORT);
	EXPECT_FALSE(fx_event(&fx, &ev));
	fx_fini(&fx);
}

TEST(atc_inv_reaches_the_endpoint)
{
	struct fake_ep ep = { 0 };
	struct setup s;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);
	ASSERT_EQ(smmu_attach_endpoint(fx.smmu, SID, &ep_ops, &ep), 0);
	/* 16K span (Size 2) at an unaligned address, with a PASID, Global. */
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_ATC_INV) | FIELD_PREP(CMD_0_SID, SID) |
	       CMD_0_SSV | FIELD_PREP(CMD_0_SSID, 42) | CMD_0_ATC_GLOBAL,
	       ((VA + 0x3000) & CMD_1_ATC_ADDR) | FIELD_PREP(CMD_1_ATC_SIZE, 2));
	ASSERT_EQ(fx_sync(&fx), 0);
	ASSERT_EQ(ep.nr_inv, 1);
	EXPECT_EQ(ep.inv.sid, SID);
	EXPECT_TRUE(ep.inv.ssv);
	EXPECT_EQ(ep.inv.ssid, 42);
	EXPECT_TRUE(ep.inv.global);
	EXPECT_EQ(ep.inv.size, 2);
	EXPECT_EQ(ep.inv.addr, VA);
	/* Invalidate all, no PASID: Global is ignored. */
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_ATC_INV) | FIELD_PREP(CMD_0_SID, SID) |
	       CMD_0_ATC_GLOBAL, FIELD_PREP(CMD_1_ATC_SIZE, CMD_ATC_SIZE_ALL));
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(ep.nr_inv, 2);
	EXPECT_FALSE(ep.inv.ssv);
	EXPECT_FALSE(ep.inv.global);
	EXPECT_EQ(ep.inv.size, CMD_ATC_SIZE_ALL);
	/* Nobody at SID2: nothing sent, SYNC fine. */
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_ATC_INV) | FIELD_PREP(CMD_0_SID, SID2), 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(ep.nr_inv, 2);
	/* A timed-out invalidation makes the next CMD_SYNC fail. */
	ep.inv_ret = -ETIMEDOUT;
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_ATC_INV) | FIELD_PREP(CMD_0_SID, SID), 0);
	EXPECT_EQ(fx_sync(&fx), SMMU_CERROR_ATC_INV_SYNC);
	fx_fini(&fx);
}

/* §4.5.1, §4.5.2: with SMMUEN == 0, CMD_ATC_INV and CMD_PRI_RESP are IGNORED. */
TEST(atc_inv_and_pri_resp_ignored_while_smmuen_0)
{
	struct smmu_config cfg;
	struct fake_ep ep = { 0 };
	struct fx fx;

	smmu_config_default(&cfg);
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, false), 0);
	ASSERT_EQ(smmu_attach_endpoint(fx.smmu, SID, &ep_ops, &ep), 0);
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_ATC_INV) | FIELD_PREP(CMD_0_SID, SID),
	       FIELD_PREP(CMD_1_ATC_SIZE, CMD_ATC_SIZE_ALL));
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_PRI_RESP) | FIELD_PREP(CMD_0_SID, SID),
	       FIELD_PREP(CMD_1_PRI_GRPID, 5) | FIELD_PREP(CMD_1_PRI_RESP, CMD_PRI_RESP_SUCCESS));
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(ep.nr_inv, 0);
	EXPECT_EQ(ep.nr_resp, 0);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_ATC_INV), 1);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_PRI_RESP), 1);
	fx_fini(&fx);
}

TEST(page_requests_and_responses)
{
	struct smmu_page_req req = { .ssv = true, .ssid = 77, .addr = 0x12345678,
				     .read = true, .write = true, .priv = true, .last = true,
				     .grpid = 0x1a5 };
	struct fake_ep ep = { 0 };
	struct smmu_pri_req pr;
	struct setup s;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);
	ASSERT_EQ(smmu_attach_endpoint(fx.smmu, SID, &ep_ops, &ep), 0);
	ASSERT_EQ(smmu_page_request(fx.smmu, SID, &req), 0);
	ASSERT_TRUE(fx_pri(&fx, &pr));
	EXPECT_EQ(pr.sid, SID);
	EXPECT_TRUE(pr.ssv);
	EXPECT_EQ(pr.ssid, 77);
	EXPECT_EQ(pr.addr, 0x12345000);
	EXPECT_TRUE(pr.read && pr.write && pr.priv && pr.last);
	EXPECT_FALSE(pr.exec);
	EXPECT_EQ(pr.grpid, 0x1a5);
	/* Without a PASID, Priv and Exec cannot be expressed. */
	req.ssv = false;
	req.exec = true;
	ASSERT_EQ(smmu_page_request(fx.smmu, SID, &req), 0);
	ASSERT_TRUE(fx_pri(&fx, &pr));
	EXPECT_FALSE(pr.ssv || pr.priv || pr.exec);

	/* CMD_PRI_RESP: Resp codes become PCIe PRG Response codes. */
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_PRI_RESP) | FIELD_PREP(CMD_0_SID, SID) |
	       CMD_0_SSV | FIELD_PREP(CMD_0_SSID, 77),
	       FIELD_PREP(CMD_1_PRI_GRPID, 0x1a5) |
	       FIELD_PREP(CMD_1_PRI_RESP, CMD_PRI_RESP_SUCCESS));
	ASSERT_EQ(fx_sync(&fx), 0);
	ASSERT_EQ(ep.nr_resp, 1);
	EXPECT_EQ(ep.resp.code, SMMU_PRG_RESP_SUCCESS);
	EXPECT_TRUE(ep.resp.ssv);
	EXPECT_EQ(ep.resp.ssid, 77);
	EXPECT_EQ(ep.resp.grpid, 0x1a5);
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_PRI_RESP) | FIELD_PREP(CMD_0_SID, SID),
	       FIELD_PREP(CMD_1_PRI_RESP, CMD_PRI_RESP_INVALID));
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(ep.resp.code, SMMU_PRG_RESP_INVALID);
	EXPECT_FALSE(ep.resp.ssv);
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_PRI_RESP) | FIELD_PREP(CMD_0_SID, SID),
	       FIELD_PREP(CMD_1_PRI_RESP, CMD_PRI_RESP_FAILURE));
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(ep.resp.code, SMMU_PRG_RESP_FAILURE);
	EXPECT_EQ(ep.nr_resp, 3);
	fx_fini(&fx);
}

static uint32_t priq_prod(struct fx *fx)
{
	return smmu_mmio_read32(fx->smmu, SMMU_PRIQ_PROD);
}

/*
 * A Page Request is posted: the SMMU takes it (0) whether it records or
 * discards it, and answers discarded ones itself as the cause says.
 */
TEST(pri_overflow_auto_responses)
{
	struct smmu_page_req req = { .addr = 0x1000, .read = true };
	struct fake_ep ep = { 0 }, ep2 = { 0 };
	struct setup s;
	struct fx fx;
	uint32_t prod;
	unsigned int i;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);	/* STE.PPAR = 1 */
	ASSERT_EQ(smmu_attach_endpoint(fx.smmu, SID, &ep_ops, &ep), 0);
	ASSERT_EQ(smmu_attach_endpoint(fx.smmu, SID2, &ep_ops, &ep2), 0);
	for (i = 0; i < (1u << FX_Q_LOG2); i++)
		ASSERT_EQ(smmu_page_request(fx.smmu, SID, &req), 0);
	prod = priq_prod(&fx);
	/* Full: a Last == 0 request is dropped silently. */
	EXPECT_EQ(smmu_page_request(fx.smmu, SID, &req), 0);
	EXPECT_EQ(ep.nr_resp, 0);
	EXPECT_EQ(priq_prod(&fx), prod ^ SMMU_Q_PROD_OVFLG);
	/* Last == 1 without a PASID: Success, no PASID. */
	req.last = true;
	req.grpid = 3;
	EXPECT_EQ(smmu_page_request(fx.smmu, SID, &req), 0);
	ASSERT_EQ(ep.nr_resp, 1);
	EXPECT_EQ(ep.resp.code, SMMU_PRG_RESP_SUCCESS);
	EXPECT_FALSE(ep.resp.ssv);
	EXPECT_EQ(ep.resp.grpid, 3);
	/* With a PASID and STE.PPAR == 1: Success with the PASID. */
	req.ssv = true;
	req.ssid = 5;
	EXPECT_EQ(smmu_page_request(fx.smmu, SID, &req), 0);
	ASSERT_EQ(ep.nr_resp, 2);
	EXPECT_EQ(ep.resp.code, SMMU_PRG_RESP_SUCCESS);
	EXPECT_TRUE(ep.resp.ssv);
	EXPECT_EQ(ep.resp.ssid, 5);
	/* A Stop Marker (Last, no R/W, PASID): discarded without a response. */
	req.read = false;
	EXPECT_EQ(smmu_page_request(fx.smmu, SID, &req), 0);
	EXPECT_EQ(ep.nr_resp, 2);
	/* With a PASID and no valid STE to consult: Response Failure, no PASID. */
	req.read = true;
	EXPECT_EQ(smmu_page_request(fx.smmu, SID2, &req), 0);
	ASSERT_EQ(ep2.nr_resp, 1);
	EXPECT_EQ(ep2.resp.code, SMMU_PRG_RESP_FAILURE);
	EXPECT_FALSE(ep2.resp.ssv);
	/* Nothing of it was written. */
	EXPECT_EQ(priq_prod(&fx), prod ^ SMMU_Q_PROD_OVFLG);
	fx_fini(&fx);
}

/* §8.1, §5.2: PPAR is read from any valid STE, an abort one included. */
TEST(pri_overflow_response_reads_ppar_of_an_abort_ste)
{
	struct smmu_page_req req = { .ssv = true, .ssid = 9, .addr = 0x1000, .read = true,
				     .last = true, .grpid = 0x44 };
	uint64_t abort_ste[8] = { STRTAB_STE_0_V |
				  FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT),
				  STRTAB_STE_1_PPAR };
	struct fake_ep ep = { 0 };
	struct setup s;
	struct fx fx;
	unsigned int i;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);
	fx_ste_raw(&fx, SID2, abort_ste);
	ASSERT_EQ(smmu_attach_endpoint(fx.smmu, SID2, &ep_ops, &ep), 0);
	for (i = 0; i < (1u << FX_Q_LOG2); i++)
		ASSERT_EQ(smmu_page_request(fx.smmu, SID, &req), 0);
	EXPECT_EQ(smmu_page_request(fx.smmu, SID2, &req), 0);
	ASSERT_EQ(ep.nr_resp, 1);
	EXPECT_EQ(ep.resp.code, SMMU_PRG_RESP_SUCCESS);
	EXPECT_TRUE(ep.resp.ssv);
	EXPECT_EQ(ep.resp.ssid, 9);
	EXPECT_EQ(ep.resp.grpid, 0x44);
	/* PPAR == 0: Success without the PASID. */
	abort_ste[1] = 0;
	fx_ste_raw(&fx, SID2, abort_ste);
	fx_cfgi_ste(&fx, SID2);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(smmu_page_request(fx.smmu, SID2, &req), 0);
	ASSERT_EQ(ep.nr_resp, 2);
	EXPECT_EQ(ep.resp.code, SMMU_PRG_RESP_SUCCESS);
	EXPECT_FALSE(ep.resp.ssv);
	fx_fini(&fx);
}

static bool set_cr0(struct fx *fx, uint32_t cr0)
{
	unsigned long i;

	smmu_mmio_write32(fx->smmu, SMMU_CR0, cr0);
	for (i = 0; i < 20000000ul && smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) != cr0; i++)
		sched_yield();
	return smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) == cr0;
}

/*
 * Send a Last == 0, a Last == 1 (both with a PASID) and a Stop Marker: with
 * the queue unable to take anything, each request, Last or not, is
 * answered with Response Failure and no PASID; the Stop Marker is not.
 */
static void expect_failure_for_every_request(struct fx *fx, struct fake_ep *ep)
{
	struct smmu_page_req req = { .ssv = true, .ssid = 5, .addr = 0x1000, .read = true,
				     .grpid = 0x21 };
	unsigned int before = ep->nr_resp;
	uint32_t prod = priq_prod(fx);

	EXPECT_EQ(smmu_page_request(fx->smmu, SID, &req), 0);
	ASSERT_EQ(ep->nr_resp, before + 1);
	EXPECT_EQ(ep->resp.code, SMMU_PRG_RESP_FAILURE);
	EXPECT_FALSE(ep->resp.ssv);
	EXPECT_EQ(ep->resp.grpid, 0x21);
	req.last = true;
	req.grpid = 0x22;
	EXPECT_EQ(smmu_page_request(fx->smmu, SID, &req), 0);
	ASSERT_EQ(ep->nr_resp, before + 2);
	EXPECT_EQ(ep->resp.code, SMMU_PRG_RESP_FAILURE);
	EXPECT_FALSE(ep->resp.ssv);
	EXPECT_EQ(ep->resp.grpid, 0x22);
	req.read = false;
	EXPECT_EQ(smmu_page_request(fx->smmu, SID, &req), 0);
	EXPECT_EQ(ep->nr_resp, before + 2);
	EXPECT_EQ(priq_prod(fx), prod);
}

/* §8.2, §8.3: effective PRIQEN == 0 (SMMUEN == 0 included) answers Failure. */
TEST(pri_disabled_queue_answers_every_request_with_failure)
{
	uint32_t cr0 = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN;
	struct fake_ep ep = { 0 };
	struct setup s;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);
	ASSERT_EQ(smmu_attach_endpoint(fx.smmu, SID, &ep_ops, &ep), 0);
	ASSERT_TRUE(set_cr0(&fx, cr0));
	expect_failure_for_every_request(&fx, &ep);
	ASSERT_TRUE(set_cr0(&fx, (cr0 & ~SMMU_CR0_SMMUEN) | SMMU_CR0_PRIQEN));
	expect_failure_for_every_request(&fx, &ep);
	fx_fini(&fx);
}

/* §8.2: an abort writing the entry, and PRIQ_ABT_ERR active, answer Failure. */
TEST(pri_queue_abort_answers_every_request_with_failure)
{
	uint32_t cr0 = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN;
	struct fake_ep ep = { 0 };
	struct setup s;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, STRTAB_STE_1_EATS_TRANS, FX_CD_DEFAULT);
	ASSERT_EQ(smmu_attach_endpoint(fx.smmu, SID, &ep_ops, &ep), 0);
	ASSERT_TRUE(set_cr0(&fx, cr0));
	smmu_mmio_write64(fx.smmu, SMMU_PRIQ_BASE, 0x2000ULL | FX_Q_LOG2);	/* not RAM */
	ASSERT_TRUE(set_cr0(&fx, cr0 | SMMU_CR0_PRIQEN));
	/* The first write aborts and raises PRIQ_ABT_ERR; the others find it active. */
	expect_failure_for_every_request(&fx, &ep);
	EXPECT_TRUE((smmu_mmio_read32(fx.smmu, SMMU_GERROR) ^
		     smmu_mmio_read32(fx.smmu, SMMU_GERRORN)) & SMMU_GERROR_PRIQ_ABT_ERR);
	/* A good queue, the error still active: still Failure, nothing written. */
	ASSERT_TRUE(set_cr0(&fx, cr0));
	smmu_mmio_write64(fx.smmu, SMMU_PRIQ_BASE, fx.priq | FX_Q_LOG2);
	ASSERT_TRUE(set_cr0(&fx, cr0 | SMMU_CR0_PRIQEN));
	expect_failure_for_every_request(&fx, &ep);
	fx_fini(&fx);
}

/* ---- Broadcast TLB maintenance ---------------------------------------------- */

static uint64_t misses(struct fx *fx)
{
	return smmu_pmcg_read(fx->smmu, SMMU_PMCG_TLB_MISS);
}

TEST(btm_respects_aset_and_ptm)
{
	const struct dvm_listener *l;
	struct dvm_tlbi op = { .op = DVM_TLBI_ASID, .asid = ASID };
	struct fx_ste ste = { 0 };
	struct setup s;
	struct fx fx;
	uint64_t cd2, m;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, &s, 0, FX_CD_DEFAULT);		/* SID: ASET = 0, shared */
	cd2 = fx_alloc(&fx, 64, 64);
	fx_cd(&fx, cd2, s.root, ASID, FX_CD_DEFAULT | FX_CD_ASET);
	ste.cdptr = cd2;
	fx_ste(&fx, SID2, &ste);			/* SID2: same ASID, ASET = 1 */
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	fx_map(&fx, s.root, VA + 0x1000, s.data, FX_PTE_RW);
	l = smmu_dvm_listener(fx.smmu);
	ASSERT_TRUE(l && l->tlbi && l->sync);

	/* Fill: SID uses VA, SID2 uses VA + 0x1000 (one TLB, one ASID). */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_READ, NULL), SMMU_TXN_OK);
	EXPECT_EQ(fx_xlate(&fx, SID2, false, 0, VA + 0x1000, WALK_ACC_READ, NULL), SMMU_TXN_OK);
	m = misses(&fx);
	/* TLBI ASIDE1IS: only the shared-set entry goes. */
	l->tlbi(l->ctx, &op);
	l->sync(l->ctx);
	EXPECT_EQ(fx_xlate(&fx, SID2, false, 0, VA + 0x1000, WALK_ACC_READ, NULL), SMMU_TXN_OK);
	EXPECT_EQ(misses(&fx), m);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_READ, NULL), SMMU_TXN_OK);
	EXPECT_EQ(misses(&fx), m + 1);
	/* TLBI VAAE1IS reaches ASET = 1 entries too. */
	op = (struct dvm_tlbi){ .op = DVM_TLBI_VAA, .va = VA + 0x1000 };
	l->tlbi(l->ctx, &op);
	l->sync(l->ctx);
	EXPECT_EQ(fx_xlate(&fx, SID2, false, 0, VA + 0x1000, WALK_ACC_READ, NULL), SMMU_TXN_OK);
	EXPECT_EQ(misses(&fx), m + 2);
	/* CR2.PTM = 1: broadcasts are ignored. */
	smmu_mmio_write32(fx.smmu, SMMU_CR0, 0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) == 0);
	smmu_mmio_write32(fx.smmu, SMMU_CR2, SMMU_CR2_PTM);
	smmu_mmio_write32(fx.smmu, SMMU_CR0, SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN |
			  SMMU_CR0_CMDQEN | SMMU_CR0_PRIQEN);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) & SMMU_CR0_SMMUEN);
	op = (struct dvm_tlbi){ .op = DVM_TLBI_ALL };
	l->tlbi(l->ctx, &op);
	l->sync(l->ctx);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_READ, NULL), SMMU_TXN_OK);
	EXPECT_EQ(misses(&fx), m + 2);
	fx_fini(&fx);
}
