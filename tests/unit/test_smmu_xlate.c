// SPDX-License-Identifier: GPL-2.0
/*
 * hw/smmu translation side: STE/CD decode and every configuration error,
 * translation end to end with tables in memory, every fault type and its
 * event record, TLB and config-cache invalidation through real commands,
 * HTTU through the SMMU, and the CMD_SYNC guarantee under concurrency.
 */
#include <pthread.h>

#include "hw/smmu/config.h"
#include "hw/smmu/internal.h"
#include "tests/harness.h"
#include "tests/unit/smmu_fixture.h"

#define SID	3
#define ASID	7
#define VA	0x400000ULL
#define RD	WALK_ACC_READ
#define WR	WALK_ACC_WRITE

/* A stream SID with one CD (no substreams) over a fresh page table. */
struct s1 {
	uint64_t root, cd, data;
};

static void setup_s1(struct fx *fx, struct s1 *s, unsigned int cd_flags)
{
	struct fx_ste ste = { 0 };

	s->root = fx_pt_new(fx);
	s->cd = fx_alloc(fx, 64, 64);
	s->data = fx_alloc(fx, 4096 * 4, 4096);
	fx_cd(fx, s->cd, s->root, ASID, cd_flags);
	ste.cdptr = s->cd;
	fx_ste(fx, SID, &ste);
}

static struct smmu_event expect_event(struct fx *fx, uint8_t id)
{
	struct smmu_event ev = { 0 };

	if (!fx_event(fx, &ev))
		TH_LOG("no event (expected 0x%x)", id);
	else if (ev.id != id)
		TH_LOG("event 0x%x (expected 0x%x)", ev.id, id);
	EXPECT_EQ(ev.id, id);
	return ev;
}

/* ---- Global bypass ------------------------------------------------------- */

TEST(smmuen_0_follows_gbpa)
{
	struct smmu_config cfg;
	struct fx fx;
	uint64_t pa = 0;

	smmu_config_default(&cfg);
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, false), 0);
	EXPECT_EQ(fx_xlate(&fx, 1, false, 0, 0x12345678, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, 0x12345678);
	/* §3.4: an address beyond the OAS aborts, without an event. */
	EXPECT_EQ(fx_xlate(&fx, 1, false, 0, 1ULL << 48, RD, NULL), SMMU_TXN_ABORT);
	smmu_mmio_write32(fx.smmu, SMMU_GBPA, SMMU_GBPA_UPDATE | SMMU_GBPA_ABORT);
	EXPECT_EQ(fx_xlate(&fx, 1, false, 0, 0x1000, WR, NULL), SMMU_TXN_ABORT);
	EXPECT_EQ(fx_events_drain(&fx), 0);
	fx_fini(&fx);
}

/*
 * §3.4: with stage 1 bypassed (STE.Config == 0b100, or S1DSS == bypass), an
 * input address beyond the IAS (here the OAS) is aborted and recorded as a
 * stage 1 F_ADDR_SIZE; an ATS request gets R == W == 0 and no record.
 */
TEST(bypass_beyond_ias_is_address_size_fault)
{
	struct fx_ste ste = { .config = STRTAB_STE_0_CFG_BYPASS };
	struct smmu_txn txn = { .sid = SID, .addr = 1ULL << 48, .type = SMMU_TXN_ATS_REQUEST };
	struct smmu_txn_result res;
	struct smmu_event ev;
	struct fx fx;
	struct s1 s;
	uint64_t pa = 0;

	ASSERT_EQ(fx_init(&fx), 0);
	fx_ste(&fx, SID, &ste);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, (1ULL << 48) - 8, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, (1ULL << 48) - 8);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, (1ULL << 48) | 0x10, WR, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_ADDR_SIZE);
	EXPECT_EQ(ev.addr, (1ULL << 48) | 0x10);
	EXPECT_FALSE(ev.rnw);
	EXPECT_FALSE(ev.s2);
	EXPECT_EQ(ev.class, EVT_CLASS_IN);

	/* S1DSS bypass, CD without R: recorded all the same. */
	setup_s1(&fx, &s, FX_CD_A);
	ste = (struct fx_ste){ .cdptr = s.cd, .cdmax = 2, .s1dss = STRTAB_STE_1_S1DSS_BYPASS,
			       .eats = STRTAB_STE_1_EATS_TRANS };
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, 0x5000, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, 0x5000);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, 1ULL << 63, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_ADDR_SIZE);
	EXPECT_EQ(ev.addr, 1ULL << 63);
	EXPECT_TRUE(ev.rnw);
	ASSERT_EQ(smmu_translate(fx.smmu, &txn, &res), 0);
	smmu_txn_end(fx.smmu, &res);
	EXPECT_EQ(res.status, SMMU_TXN_ATS_FAULT);
	EXPECT_EQ(fx_events_drain(&fx), 0);
	fx_fini(&fx);
}

/* ---- STE decode ------------------------------------------------------------ */

static int ste_decode(struct fx *fx, const struct fx_ste *s, struct smmu_ste_cfg *cfg)
{
	uint64_t raw[8];

	fx_ste_make(s, raw);
	return smmu_ste_decode(fx->smmu, raw, cfg);
}

TEST(ste_decode_rules)
{
	struct smmu_ste_cfg cfg;
	struct fx_ste s = { .cdptr = 0x80001000, .cdmax = 4, .s1fmt = 0,
			    .s1dss = STRTAB_STE_1_S1DSS_SSID0, .eats = 1, .ppar = true };
	uint64_t raw[8] = { 0 };
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	ASSERT_EQ(ste_decode(&fx, &s, &cfg), 0);
	EXPECT_EQ(cfg.mode, SMMU_STE_S1);
	EXPECT_EQ(cfg.s1ctxptr, 0x80001000);
	EXPECT_EQ(cfg.s1cdmax, 4);
	EXPECT_EQ(cfg.s1dss, STRTAB_STE_1_S1DSS_SSID0);
	EXPECT_EQ(cfg.eats, STRTAB_STE_1_EATS_TRANS);
	EXPECT_EQ(cfg.world, SMMU_WORLD_EL1);
	EXPECT_TRUE(cfg.ppar);

	/* V == 0. */
	EXPECT_EQ(smmu_ste_decode(fx.smmu, raw, &cfg), EVT_ID_C_BAD_STE);
	/* Config 0b000 and reserved 0b0xx: abort without an event. */
	s.config = 2;
	ASSERT_EQ(ste_decode(&fx, &s, &cfg), 0);
	EXPECT_EQ(cfg.mode, SMMU_STE_ABORT);
	s.config = STRTAB_STE_0_CFG_BYPASS;
	ASSERT_EQ(ste_decode(&fx, &s, &cfg), 0);
	EXPECT_EQ(cfg.mode, SMMU_STE_BYPASS);
	EXPECT_EQ(cfg.eats, 0);	/* bypass: EATS effectively 0b00 */
	/* Stage 2 is not modelled. */
	s.config = STRTAB_STE_0_CFG_S2_TRANS;
	EXPECT_EQ(ste_decode(&fx, &s, &cfg), EVT_ID_C_BAD_STE);
	s.config = STRTAB_STE_0_CFG_NESTED;
	EXPECT_EQ(ste_decode(&fx, &s, &cfg), EVT_ID_C_BAD_STE);
	s.config = 0;
	/* S1CDMax beyond SSIDSIZE (20). */
	s.cdmax = 21;
	EXPECT_EQ(ste_decode(&fx, &s, &cfg), EVT_ID_C_BAD_STE);
	s.cdmax = 4;
	/* Split-stage ATS needs a nested STE. */
	s.eats = STRTAB_STE_1_EATS_S1CHK;
	EXPECT_EQ(ste_decode(&fx, &s, &cfg), EVT_ID_C_BAD_STE);
	s.eats = 0;
	/* STRW: EL3 and the reserved value are ILLEGAL; EL2 needs HYP. */
	s.strw = STRTAB_STE_1_STRW_EL3;
	EXPECT_EQ(ste_decode(&fx, &s, &cfg), EVT_ID_C_BAD_STE);
	s.strw = 3;
	EXPECT_EQ(ste_decode(&fx, &s, &cfg), EVT_ID_C_BAD_STE);
	s.strw = STRTAB_STE_1_STRW_EL2;
	ASSERT_EQ(ste_decode(&fx, &s, &cfg), 0);
	EXPECT_EQ(cfg.world, SMMU_WORLD_EL2);
	s.strw = 0;
	/* S1Fmt 0b11 behaves as linear; S1DSS 0b11 as terminate. */
	s.s1fmt = 3;
	s.s1dss = 3;
	ASSERT_EQ(ste_decode(&fx, &s, &cfg), 0);
	EXPECT_EQ(cfg.s1fmt, STRTAB_STE_0_S1FMT_LINEAR);
	EXPECT_EQ(cfg.s1dss, STRTAB_STE_1_S1DSS_TERMINATE);
	fx_fini(&fx);
}

TEST(ste_decode_depends_on_features)
{
	struct smmu_config cfg;
	struct smmu_ste_cfg ste;
	struct fx_ste s = { .cdptr = 0x80001000, .cdmax = 4, .s1fmt = STRTAB_STE_0_S1FMT_64K_L2,
			    .stalld = true, .eats = 1 };
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.cd_2lvl = false;
	cfg.stall_model = SMMU_STALL_MODEL_TERM;
	cfg.hyp = false;
	cfg.ats = false;
	cfg.pri = false;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	/* 2-level CD tables without IDR0.CD2L. */
	EXPECT_EQ(ste_decode(&fx, &s, &ste), EVT_ID_C_BAD_STE);
	s.s1fmt = 0;
	/* S1STALLD when the stall model is not configurable. */
	EXPECT_EQ(ste_decode(&fx, &s, &ste), EVT_ID_C_BAD_STE);
	s.stalld = false;
	/* Without HYP, STRW is RES0 (EL1); without ATS, EATS is ignored. */
	s.strw = STRTAB_STE_1_STRW_EL3;
	ASSERT_EQ(ste_decode(&fx, &s, &ste), 0);
	EXPECT_EQ(ste.world, SMMU_WORLD_EL1);
	EXPECT_EQ(ste.eats, 0);
	fx_fini(&fx);
}

/*
 * §3.4.3 note 1: an S1ContextPtr beyond the OAS is C_BAD_STE on SMMUv3.1
 * and later; SMMUv3.0 may fail the fetch instead (F_CD_FETCH, kept here).
 */
TEST(s1contextptr_beyond_oas)
{
	struct smmu_config cfg;
	struct fx_ste ste = { .cdptr = 1ULL << 40 };
	struct smmu_event ev;
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.oas = 40;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	fx_ste(&fx, SID, &ste);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_STE);
	EXPECT_EQ(ev.sid, SID);
	fx_fini(&fx);

	cfg.arch_minor = 0;
	cfg.ril = false;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	fx_ste(&fx, SID, &ste);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_CD_FETCH);
	EXPECT_EQ(ev.addr2, 1ULL << 40);
	fx_fini(&fx);
}

/* ---- CD decode -------------------------------------------------------------- */

static int cd_decode(struct fx *fx, const uint64_t raw[8], struct smmu_cd_cfg *cd)
{
	struct smmu_ste_cfg ste = { .mode = SMMU_STE_S1 };

	return smmu_cd_decode(fx->smmu, &ste, raw, cd);
}

TEST(cd_decode_rules)
{
	struct smmu_cd_cfg cd;
	uint64_t raw[8], good[8];
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	fx_cd_make(0x80010000, 0x1234, FX_CD_DEFAULT | FX_CD_HA | FX_CD_HD | FX_CD_ASET, good);
	ASSERT_EQ(cd_decode(&fx, good, &cd), 0);
	EXPECT_EQ(cd.walk.ttb, 0x80010000);
	EXPECT_EQ(cd.walk.tsz, 16);
	EXPECT_EQ(cd.walk.granule_shift, 12);
	EXPECT_EQ(cd.walk.oas, 48);
	EXPECT_TRUE(cd.walk.ha);
	EXPECT_TRUE(cd.walk.hd);
	EXPECT_EQ(cd.asid, 0x1234);
	EXPECT_TRUE(cd.aset);
	EXPECT_TRUE(cd.record);
	EXPECT_TRUE(cd.abort);
	EXPECT_FALSE(cd.stall);
	EXPECT_TRUE(cd.epd1);

#define BAD(mod)							\
	do {								\
		memcpy(raw, good, sizeof(raw));				\
		mod;							\
		EXPECT_EQ(cd_decode(&fx, raw, &cd), EVT_ID_C_BAD_CD);	\
	} while (0)
	BAD(raw[0] &= ~CD_0_V);
	BAD(raw[0] &= ~CD_0_AA64);					/* AArch32 */
	BAD(raw[0] = FIELD_SET(CD_0_TG0, raw[0], 3));			/* reserved granule */
	BAD(raw[0] = FIELD_SET(CD_0_T0SZ, raw[0], 15));
	BAD(raw[0] = FIELD_SET(CD_0_T0SZ, raw[0], 40));
	BAD(raw[0] |= CD_0_ENDI);					/* big-endian */
	BAD(raw[1] = 1ULL << 48);					/* TTB0 beyond IPS */
#undef BAD
	/* CD.S is fine here (no S1STALLD); IPS above the OAS is capped. */
	memcpy(raw, good, sizeof(raw));
	raw[0] = FIELD_SET(CD_0_IPS, raw[0], VMSA_IPS_52);
	ASSERT_EQ(cd_decode(&fx, raw, &cd), 0);
	EXPECT_EQ(cd.walk.oas, 48);
	/* EPD0 == 1: the TTB0 fields are IGNORED, even when nonsense. */
	raw[0] |= CD_0_EPD0;
	raw[0] = FIELD_SET(CD_0_TG0, raw[0], 3);
	ASSERT_EQ(cd_decode(&fx, raw, &cd), 0);
	EXPECT_TRUE(cd.epd0);
	fx_fini(&fx);
}

/*
 * §5.4, §5.4.2: with EPD1 == 0, TG1, T1SZ and TTB1 are checked like their
 * TTB0 counterparts (TG1 has its own encoding); with EPD1 == 1, or in the
 * any-EL2 StreamWorld (TTB1 unreachable), they are IGNORED.
 */
TEST(cd_decode_ttb1)
{
	struct smmu_ste_cfg el2 = { .mode = SMMU_STE_S1, .world = SMMU_WORLD_EL2 };
	struct smmu_cd_cfg cd;
	uint64_t raw[8], good[8];
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	fx_cd_make(0x80010000, 5, FX_CD_DEFAULT, good);
	good[0] &= ~CD_0_EPD1;
	good[0] = FIELD_SET(CD_0_T1SZ, good[0], 25);
	good[0] = FIELD_SET(CD_0_TG1, good[0], CD_TG1_4K);
	good[0] |= CD_0_TBI1;
	good[2] = 0x80020000ULL & CD_2_TTB1;
	ASSERT_EQ(cd_decode(&fx, good, &cd), 0);
	EXPECT_FALSE(cd.epd1);
	EXPECT_EQ(cd.ttb1, 0x80020000ULL);
	EXPECT_EQ(cd.t1sz, 25);
	EXPECT_EQ(cd.tg1_shift, 12);
	EXPECT_TRUE(cd.tbi1);
	EXPECT_FALSE(cd.walk.tbi);

#define BAD(mod)							\
	do {								\
		memcpy(raw, good, sizeof(raw));				\
		mod;							\
		EXPECT_EQ(cd_decode(&fx, raw, &cd), EVT_ID_C_BAD_CD);	\
	} while (0)
	BAD(raw[0] = FIELD_SET(CD_0_TG1, raw[0], 0));		/* reserved TG1 */
	BAD(raw[0] = FIELD_SET(CD_0_T1SZ, raw[0], 15));
	BAD(raw[0] = FIELD_SET(CD_0_T1SZ, raw[0], 40));
	BAD(raw[2] = 1ULL << 48);				/* TTB1 beyond IPS */
#undef BAD
	/* A 64K TTB1 beside a 4K TTB0. */
	memcpy(raw, good, sizeof(raw));
	raw[0] = FIELD_SET(CD_0_TG1, raw[0], CD_TG1_64K);
	ASSERT_EQ(cd_decode(&fx, raw, &cd), 0);
	EXPECT_EQ(cd.tg1_shift, 16);
	/* EPD1 == 1: the TTB1 fields are IGNORED, nonsense included. */
	raw[0] = FIELD_SET(CD_0_TG1, raw[0], 0) | CD_0_EPD1;
	ASSERT_EQ(cd_decode(&fx, raw, &cd), 0);
	EXPECT_TRUE(cd.epd1);
	/* any-EL2: TTB1 is unreachable whatever EPD1 says. */
	raw[0] &= ~CD_0_EPD1;
	ASSERT_EQ(smmu_cd_decode(fx.smmu, &el2, raw, &cd), 0);
	EXPECT_TRUE(cd.epd1);
	EXPECT_FALSE(cd.tbi1);
	fx_fini(&fx);
}

TEST(cd_decode_depends_on_features)
{
	struct smmu_ste_cfg ste = { .mode = SMMU_STE_S1, .s1stalld = true };
	struct smmu_config cfg;
	struct smmu_cd_cfg cd;
	uint64_t raw[8];
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.httu = SMMU_HTTU_HA;
	cfg.asid16 = false;
	cfg.granules = SMMU_GRAN_4K;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	fx_cd_make(0x80010000, 0x12, FX_CD_DEFAULT | FX_CD_HA, raw);
	ASSERT_EQ(cd_decode(&fx, raw, &cd), 0);
	fx_cd_make(0x80010000, 0x12, FX_CD_DEFAULT | FX_CD_HA | FX_CD_HD, raw);
	EXPECT_EQ(cd_decode(&fx, raw, &cd), EVT_ID_C_BAD_CD);	/* HD needs HTTU == 0b10 */
	fx_cd_make(0x80010000, 0x100, FX_CD_DEFAULT, raw);
	EXPECT_EQ(cd_decode(&fx, raw, &cd), EVT_ID_C_BAD_CD);	/* 16-bit ASID */
	fx_cd_make(0x80010000, 0x12, FX_CD_DEFAULT, raw);
	raw[0] = FIELD_SET(CD_0_TG0, raw[0], CD_TG0_64K);
	EXPECT_EQ(cd_decode(&fx, raw, &cd), EVT_ID_C_BAD_CD);	/* unsupported granule */
	fx_cd_make(0x80010000, 0x12, FX_CD_DEFAULT, raw);
	raw[0] = FIELD_SET(CD_0_TG1, raw[0] & ~CD_0_EPD1, CD_TG1_64K);
	raw[0] = FIELD_SET(CD_0_T1SZ, raw[0], 16);
	EXPECT_EQ(cd_decode(&fx, raw, &cd), EVT_ID_C_BAD_CD);	/* ... for TTB1 too */
	fx_cd_make(0x80010000, 0x12, FX_CD_DEFAULT | FX_CD_S, raw);
	EXPECT_EQ(smmu_cd_decode(fx.smmu, &ste, raw, &cd), EVT_ID_C_BAD_CD);	/* S1STALLD */
	fx_fini(&fx);

	/* §5.4.2: IDR0.TERM_MODEL == 1 (no RAZ/WI) makes CD.A == 0 ILLEGAL. */
	smmu_config_default(&cfg);
	cfg.term_model = true;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	fx_cd_make(0x80010000, 0x12, FX_CD_R, raw);
	EXPECT_EQ(cd_decode(&fx, raw, &cd), EVT_ID_C_BAD_CD);
	fx_cd_make(0x80010000, 0x12, FX_CD_R | FX_CD_A, raw);
	ASSERT_EQ(cd_decode(&fx, raw, &cd), 0);
	EXPECT_TRUE(cd.abort);
	fx_fini(&fx);

	cfg.httu = SMMU_HTTU_NONE;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	fx_cd_make(0x80010000, 0x12, FX_CD_DEFAULT | FX_CD_HA, raw);
	EXPECT_EQ(cd_decode(&fx, raw, &cd), EVT_ID_C_BAD_CD);	/* HA without HTTU */
	fx_fini(&fx);
}

/* ---- Configuration errors as events ----------------------------------------- */

TEST(bad_streamid_linear)
{
	struct fx fx;
	struct smmu_event ev;

	ASSERT_EQ(fx_init(&fx), 0);
	/* 256 StreamIDs: SID 300 is out of range; silent without RECINVSID. */
	EXPECT_EQ(fx_xlate(&fx, 300, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	EXPECT_FALSE(fx_event(&fx, &ev));
	smmu_mmio_write32(fx.smmu, SMMU_CR0, 0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) == 0);
	smmu_mmio_write32(fx.smmu, SMMU_CR2, SMMU_CR2_RECINVSID);
	smmu_mmio_write32(fx.smmu, SMMU_CR0, SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN |
			  SMMU_CR0_CMDQEN);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) & SMMU_CR0_SMMUEN);
	EXPECT_EQ(fx_xlate(&fx, 300, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_STREAMID);
	EXPECT_EQ(ev.sid, 300);
	/* V == 0 STE: C_BAD_STE. */
	EXPECT_EQ(fx_xlate(&fx, 5, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_STE);
	EXPECT_EQ(ev.sid, 5);
	fx_fini(&fx);
}

/* A TLB of fewer entries than its ways (smmu tlb=1..3) builds, and caches. */
TEST(tlb_smaller_than_a_set)
{
	struct smmu_config cfg;
	unsigned int n;
	struct fx fx;
	struct s1 s;
	uint64_t pa = 0;

	for (n = 1; n <= 3; n++) {
		smmu_config_default(&cfg);
		cfg.tlb_entries = n;
		ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
		setup_s1(&fx, &s, FX_CD_DEFAULT);
		fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
		EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 4, RD, &pa), SMMU_TXN_OK);
		EXPECT_EQ(pa, s.data + 4);
		/* The walk's result is cached: a changed PTE goes unseen until a TLBI. */
		fx_map(&fx, s.root, VA, s.data + 0x1000, FX_PTE_RW);
		EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 4, RD, &pa), SMMU_TXN_OK);
		EXPECT_EQ(pa, s.data + 4);
		fx_tlbi_va(&fx, ASID, VA);
		ASSERT_EQ(fx_sync(&fx), 0);
		EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 4, RD, &pa), SMMU_TXN_OK);
		EXPECT_EQ(pa, s.data + 0x1004);
		fx_fini(&fx);
	}
}

TEST(two_level_stream_table)
{
	struct fx fx;
	struct s1 s;
	uint64_t l1, l2, pa = 0, raw[8];
	struct fx_ste ste = { 0 };
	struct smmu_event ev;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	/* 2^12 SIDs, SPLIT 8: 16 L1 descriptors of up to 256 STEs. */
	l1 = fx_alloc(&fx, 16 * 8, 128);
	l2 = fx_alloc(&fx, 4 * 64, 256);
	/* L1[1]: Span 3 -> 4 STEs for SIDs 0x100..0x103. */
	fx_w64(&fx, l1 + 8, (l2 & STRTAB_L1_DESC_L2PTR) | FIELD_PREP(STRTAB_L1_DESC_SPAN, 3));
	ste.cdptr = s.cd;
	fx_ste_make(&ste, raw);
	for (unsigned int i = 0; i < 8; i++)
		fx_w64(&fx, l2 + 2 * 64 + i * 8, raw[i]);
	smmu_mmio_write32(fx.smmu, SMMU_CR0, 0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) == 0);
	smmu_mmio_write64(fx.smmu, SMMU_STRTAB_BASE, l1);
	smmu_mmio_write32(fx.smmu, SMMU_STRTAB_BASE_CFG,
			  FIELD_PREP(SMMU_STRTAB_BASE_CFG_LOG2SIZE, 12) |
			  FIELD_PREP(SMMU_STRTAB_BASE_CFG_SPLIT, 8) |
			  FIELD_PREP(SMMU_STRTAB_BASE_CFG_FMT, SMMU_STRTAB_FMT_2LVL));
	smmu_mmio_write32(fx.smmu, SMMU_CR2, SMMU_CR2_RECINVSID);
	smmu_mmio_write32(fx.smmu, SMMU_CR0, SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN |
			  SMMU_CR0_CMDQEN);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) & SMMU_CR0_SMMUEN);

	EXPECT_EQ(fx_xlate(&fx, 0x102, false, 0, VA + 0x10, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 0x10);
	/* SID 0x104 is beyond the L1STD's span of 4. */
	EXPECT_EQ(fx_xlate(&fx, 0x104, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_STREAMID);
	EXPECT_EQ(ev.sid, 0x104);
	/* L1[0] has Span 0. */
	EXPECT_EQ(fx_xlate(&fx, 0x5, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_C_BAD_STREAMID);
	/* Beyond LOG2SIZE. */
	EXPECT_EQ(fx_xlate(&fx, 0x1000, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_C_BAD_STREAMID);
	/* An STE in the span but invalid. */
	EXPECT_EQ(fx_xlate(&fx, 0x101, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_C_BAD_STE);
	/* L1[2] pointing outside RAM: F_STE_FETCH with the address. */
	fx_w64(&fx, l1 + 16, 0x40000000ULL | FIELD_PREP(STRTAB_L1_DESC_SPAN, 1));
	EXPECT_EQ(fx_xlate(&fx, 0x200, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_STE_FETCH);
	EXPECT_EQ(ev.addr2 & ~7ULL, 0x40000000ULL);
	fx_fini(&fx);
}

TEST(substream_and_cd_errors)
{
	struct fx fx;
	struct s1 s;
	struct fx_ste ste = { 0 };
	struct smmu_event ev;
	uint64_t cdtab, l1cd, l2cd, pa = 0;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);

	/* One CD, substreams disabled: an SSID is C_BAD_SUBSTREAMID. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 1, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_SUBSTREAMID);
	EXPECT_EQ(ev.ssid, 1);

	/* Linear table of 4 CDs, S1DSS = terminate. */
	cdtab = fx_alloc(&fx, 4 * 64, 256);
	fx_cd(&fx, cdtab + 2 * 64, s.root, 9, FX_CD_DEFAULT);
	ste = (struct fx_ste){ .cdptr = cdtab, .cdmax = 2 };
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 2, VA + 8, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 8);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 4, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_C_BAD_SUBSTREAMID);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_F_STREAM_DISABLED);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 1, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_CD);	/* CD 1 has V == 0 */
	EXPECT_TRUE(ev.ssv);
	EXPECT_EQ(ev.ssid, 1);

	/* S1DSS = SSID0: no SSID uses CD 0; SSID 0 itself is disabled. */
	fx_cd(&fx, cdtab, s.root, 10, FX_CD_DEFAULT);
	ste.s1dss = STRTAB_STE_1_S1DSS_SSID0;
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_OK);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_F_STREAM_DISABLED);
	/* S1DSS = bypass: no SSID passes untranslated. */
	ste.s1dss = STRTAB_STE_1_S1DSS_BYPASS;
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, 0x123456, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, 0x123456);

	/* 2-level CD table, 4K leaves: L1CD 1 invalid, L1CD 0 valid. */
	l1cd = fx_alloc(&fx, 64, 64);
	l2cd = fx_alloc(&fx, 4096, 4096);
	fx_w64(&fx, l1cd, (l2cd & CD_L1_DESC_L2PTR) | CD_L1_DESC_V);
	fx_cd(&fx, l2cd + 5 * 64, s.root, 11, FX_CD_DEFAULT);
	ste = (struct fx_ste){ .cdptr = l1cd, .cdmax = 8, .s1fmt = STRTAB_STE_0_S1FMT_4K_L2 };
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 5, VA, RD, NULL), SMMU_TXN_OK);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 64 + 5, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_SUBSTREAMID);
	EXPECT_EQ(ev.ssid, 64 + 5);
	/* S1ContextPtr outside RAM: F_CD_FETCH. */
	ste = (struct fx_ste){ .cdptr = 0x40000000 };
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_CD_FETCH);
	EXPECT_EQ(ev.addr2 & ~7ULL, 0x40000000ULL);
	/* Bypass STE with an SSID. */
	ste = (struct fx_ste){ .config = STRTAB_STE_0_CFG_BYPASS };
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, 0x777000, WR, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, 0x777000);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 1, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_C_BAD_SUBSTREAMID);
	EXPECT_EQ(fx_events_drain(&fx), 0);
	fx_fini(&fx);
}

/*
 * §7.3: configuration error records carry the StreamID and SubstreamID
 * (F_STREAM_DISABLED: the StreamID only; C_BAD_SUBSTREAMID: the SubstreamID
 * without an SSV flag) and, for F_*_FETCH, the fetch address; InputAddr,
 * RnW, PnU, InD and CLASS are RES0.
 */
static void expect_cfg_record(const struct smmu_event *ev, bool ssv, uint32_t ssid)
{
	EXPECT_EQ(ev->sid, SID);
	EXPECT_EQ(ev->ssv, ssv);
	EXPECT_EQ(ev->ssid, ssid);
	EXPECT_EQ(ev->addr, 0);
	EXPECT_FALSE(ev->rnw);
	EXPECT_FALSE(ev->pnu);
	EXPECT_FALSE(ev->ind);
	EXPECT_EQ(ev->class, 0);
}

TEST(configuration_error_records_have_res0_fields)
{
	const unsigned int acc = RD | WALK_ACC_PRIV | WALK_ACC_EXEC;
	struct fx_ste ste = { 0 };
	struct smmu_event ev;
	uint64_t cdtab;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	cdtab = fx_alloc(&fx, 4 * 64, 256);
	ste = (struct fx_ste){ .cdptr = cdtab, .cdmax = 2 };
	fx_ste(&fx, SID, &ste);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 4, VA, acc, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_SUBSTREAMID);
	expect_cfg_record(&ev, false, 4);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, acc, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_STREAM_DISABLED);
	expect_cfg_record(&ev, false, 0);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 1, VA, acc, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_CD);
	expect_cfg_record(&ev, true, 1);
	/* S1ContextPtr outside RAM: F_CD_FETCH keeps its fetch address. */
	ste.cdptr = 0x40000000;
	fx_ste(&fx, SID, &ste);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 2, VA, acc, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_CD_FETCH);
	expect_cfg_record(&ev, true, 2);
	EXPECT_EQ(ev.addr2, 0x40000000 + 2 * 64);
	/* An invalid STE. */
	fx_w64(&fx, fx.strtab + SID * 64, 0);
	fx_cfgi_ste(&fx, SID);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, true, 3, VA, acc, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_C_BAD_STE);
	expect_cfg_record(&ev, true, 3);
	EXPECT_EQ(fx_events_drain(&fx), 0);
	fx_fini(&fx);
}

/* ---- Translation and faults ---------------------------------------------------- */

TEST(translate_and_fault_records)
{
	struct fx fx;
	struct s1 s;
	struct smmu_event ev;
	uint64_t pa = 0;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	fx_map(&fx, s.root, VA + 0x1000, s.data + 0x1000, FX_PTE_RO);
	fx_map(&fx, s.root, VA + 0x2000, s.data + 0x2000, FX_PTE_RW & ~VMSA_PTE_AF);

	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x123, WR, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 0x123);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x1008, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 0x1008);

	/* Write to a read-only page. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x1010, WR | WALK_ACC_PRIV, NULL),
		  SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_PERMISSION);
	EXPECT_EQ(ev.sid, SID);
	EXPECT_FALSE(ev.ssv);
	EXPECT_FALSE(ev.rnw);
	EXPECT_TRUE(ev.pnu);
	EXPECT_FALSE(ev.ind);
	EXPECT_FALSE(ev.s2);
	EXPECT_FALSE(ev.stall);
	EXPECT_EQ(ev.class, EVT_CLASS_IN);
	EXPECT_EQ(ev.addr, VA + 0x1010);
	/* Unmapped, and AF == 0 without HA. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x5000, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_TRANSLATION);
	EXPECT_TRUE(ev.rnw);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x2000, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_F_ACCESS);
	/* Top byte without TBI: outside the input range. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, (0x5aULL << 56) | VA, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_TRANSLATION);
	EXPECT_EQ(ev.addr, (0x5aULL << 56) | VA);
	EXPECT_EQ(fx_events_drain(&fx), 0);
	fx_fini(&fx);
}

TEST(walk_abort_and_address_size)
{
	struct fx fx;
	struct s1 s;
	struct smmu_event ev;
	uint64_t pte_pa;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT | FX_CD_IPS32);
	/* A level-0 table descriptor pointing outside RAM: F_WALK_EABT, CLASS TT. */
	fx_w64(&fx, s.root + vmsa_index(12, 0, 0x8000000000ULL) * 8,
	       0x40000000ULL | VMSA_DESC_TYPE_TABLE);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, 0x8000000000ULL, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_WALK_EABT);
	EXPECT_EQ(ev.class, EVT_CLASS_TT);
	EXPECT_EQ(ev.addr2 & ~7ULL, 0x40000000ULL);
	/* IPS 32 bits: an output address at 4G is an Address Size fault. */
	pte_pa = fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	fx_w64(&fx, pte_pa, vmsa_addr_to_desc(1ULL << 32, 12) | FX_PTE_RW);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_F_ADDR_SIZE);
	fx_fini(&fx);
}

TEST(fault_configuration_ars)
{
	struct fx fx;
	struct s1 s;
	struct smmu_event ev;

	ASSERT_EQ(fx_init(&fx), 0);
	/* A == 0, R == 0: reads as zero / writes ignored, nothing recorded. */
	setup_s1(&fx, &s, 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_RAZWI);
	EXPECT_FALSE(fx_event(&fx, &ev));
	/* A == 0, R == 1: RAZ/WI and recorded. */
	fx_cd(&fx, s.cd, s.root, ASID, FX_CD_R);
	fx_cfgi_cd(&fx, SID, 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_RAZWI);
	expect_event(&fx, EVT_ID_F_TRANSLATION);
	/* A == 1, R == 0: abort, silently. */
	fx_cd(&fx, s.cd, s.root, ASID, FX_CD_A);
	fx_cfgi_cd(&fx, SID, 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	EXPECT_FALSE(fx_event(&fx, &ev));
	/* EPD0: a translation fault without any walk. */
	fx_cd(&fx, s.cd, 0, ASID, FX_CD_DEFAULT | FX_CD_EPD0);
	fx_cfgi_cd(&fx, SID, 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_F_TRANSLATION);
	/* A CD made ILLEGAL (ENDI) is C_BAD_CD once the cache is invalidated. */
	fx_cd(&fx, s.cd, s.root, ASID, FX_CD_DEFAULT);
	fx_w64(&fx, s.cd, fx_r64(&fx, s.cd) | CD_0_ENDI);
	fx_cfgi_cd(&fx, SID, 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_C_BAD_CD);
	fx_fini(&fx);
}

/*
 * §3.17.1: a global translation (nG == 0) filled through an ASET = 1
 * context is not used by a lookup through an ASET = 0 context, which has
 * tables of its own: each set sees its own global translation.
 */
TEST(global_translation_stays_in_its_aset)
{
	struct fx_ste ste = { 0 };
	struct fx fx;
	struct s1 s;
	uint64_t root2, cd2, data2, pa = 0;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT | FX_CD_ASET);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW & ~VMSA_PTE_NG);
	root2 = fx_pt_new(&fx);
	cd2 = fx_alloc(&fx, 64, 64);
	data2 = fx_alloc(&fx, 4096, 4096);
	fx_map(&fx, root2, VA, data2, FX_PTE_RW & ~VMSA_PTE_NG);
	fx_cd(&fx, cd2, root2, ASID + 1, FX_CD_DEFAULT);
	ste.cdptr = cd2;
	fx_ste(&fx, SID + 1, &ste);

	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x10, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 0x10);
	EXPECT_EQ(fx_xlate(&fx, SID + 1, false, 0, VA + 0x10, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, data2 + 0x10);
	/* Both stay cached, each for its own set. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x20, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 0x20);
	EXPECT_EQ(fx_events_drain(&fx), 0);
	fx_fini(&fx);
}

/*
 * §3.4.1, §5.4.1.1: VA[55] selects the half. With EPD1 == 0 an address in
 * the TTB1 range walks the TTB1 tables (with its own T1SZ and TBI1), and
 * is a Translation fault once EPD1 disables the half; the TTB0 half goes
 * on independently, and EPD0 disables only it.
 */
TEST(ttb1_half_translates)
{
	const uint64_t hi = 0xffffff8000400000ULL;	/* T1SZ 25: the top 512G */
	struct fx fx;
	struct s1 s;
	struct smmu_event ev;
	uint64_t raw[8], root1, data1, pa = 0;
	unsigned int i;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	root1 = fx_pt_new(&fx);
	data1 = fx_alloc(&fx, 4096, 4096);
	/* T1SZ 25 starts at level 1: map through a table at the right index. */
	fx_map(&fx, root1, hi & ((1ULL << 39) - 1), data1, FX_PTE_RW);
	fx_cd_make(s.root, ASID, FX_CD_DEFAULT, raw);
	raw[0] &= ~CD_0_EPD1;
	raw[0] = FIELD_SET(CD_0_T1SZ, raw[0], 25);
	raw[0] = FIELD_SET(CD_0_TG1, raw[0], CD_TG1_4K);
	raw[0] |= CD_0_TBI1;
	raw[2] = vmsa_desc_addr(fx_r64(&fx, root1), 12) & CD_2_TTB1;	/* the level-1 table */
	for (i = 0; i < 8; i++)
		fx_w64(&fx, s.cd + i * 8, raw[i]);

	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, hi + 0x18, WR, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, data1 + 0x18);
	/* TBI1: a tag in the top byte is ignored; TBI0 is off. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, (hi + 0x20) & ~(0x3cULL << 56), RD, &pa),
		  SMMU_TXN_OK);
	EXPECT_EQ(pa, data1 + 0x20);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 8, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 8);
	/* Between the halves: outside T1SZ's range. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, 0xffff000000400000ULL, RD, NULL), SMMU_TXN_ABORT);
	ev = expect_event(&fx, EVT_ID_F_TRANSLATION);
	EXPECT_EQ(ev.addr, 0xffff000000400000ULL);

	/* EPD0: the TTB0 half faults, TTB1 still translates (a new page: no TLB). */
	fx_map(&fx, root1, (hi + 0x1000) & ((1ULL << 39) - 1), data1, FX_PTE_RW);
	raw[0] |= CD_0_EPD0;
	fx_w64(&fx, s.cd, raw[0]);
	fx_cfgi_cd(&fx, SID, 0);
	fx_tlbi_va(&fx, ASID, VA);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 8, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_F_TRANSLATION);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, hi + 0x1010, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, data1 + 0x10);
	/* EPD1: now the TTB1 half faults too. */
	raw[0] = (raw[0] & ~CD_0_EPD0) | CD_0_EPD1;
	fx_w64(&fx, s.cd, raw[0]);
	fx_cfgi_cd(&fx, SID, 0);
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_TLBI_NH_ASID) | FIELD_PREP(CMD_0_ASID, ASID), 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, hi + 0x18, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_F_TRANSLATION);
	EXPECT_EQ(fx_events_drain(&fx), 0);
	fx_fini(&fx);
}

TEST(httu_through_the_smmu)
{
	struct fx fx;
	struct s1 s;
	uint64_t pte0, pte1, pa = 0;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT | FX_CD_HA | FX_CD_HD);
	pte0 = fx_map(&fx, s.root, VA, s.data, FX_PTE_WCLEAN & ~VMSA_PTE_AF);
	pte1 = fx_map(&fx, s.root, VA + 0x1000, s.data + 0x1000, FX_PTE_RO & ~VMSA_PTE_AF);
	/* A read sets AF, leaves the page clean. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_TRUE(fx_r64(&fx, pte0) & VMSA_PTE_AF);
	EXPECT_TRUE(fx_r64(&fx, pte0) & VMSA_PTE_AP_RDONLY);
	/* A write after the read (a TLB hit on a clean entry) walks and dirties it. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 4, WR, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 4);
	EXPECT_FALSE(fx_r64(&fx, pte0) & VMSA_PTE_AP_RDONLY);
	/* Read-only without DBM stays a permission fault, AF set by the walk. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x1000, WR, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_F_PERMISSION);
	EXPECT_TRUE(fx_r64(&fx, pte1) & VMSA_PTE_AP_RDONLY);
	fx_fini(&fx);
}

/* ---- TLB and configuration cache vs commands ---------------------------- */

TEST(tlb_keeps_old_pa_until_tlbi_and_sync)
{
	struct fx fx;
	struct s1 s;
	uint64_t pte, pa = 0;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	pte = fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	fx_map(&fx, s.root, VA + 0x1000, s.data + 0x1000, FX_PTE_RW);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x1000, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS), 2);
	/* Software moves the page: the TLB still says the old frame... */
	fx_w64(&fx, pte, vmsa_addr_to_desc(s.data + 0x2000, 12) | FX_PTE_RW);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS), 2);
	/* ...a TLBI for another ASID changes nothing... */
	fx_tlbi_va(&fx, ASID + 1, VA);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data);
	/* ...until TLBI NH_VA + CMD_SYNC. */
	fx_tlbi_va(&fx, ASID, VA);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 0x2000);
	/* The neighbour page was not invalidated. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + 0x1000, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS), 3);
	fx_fini(&fx);
}

TEST(range_tlbi_command)
{
	struct fx fx;
	struct s1 s;
	unsigned int i;
	uint64_t miss;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	for (i = 0; i < 8; i++) {
		fx_map(&fx, s.root, VA + i * 0x1000, s.data, FX_PTE_RW);
		EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + i * 0x1000, RD, NULL), SMMU_TXN_OK);
	}
	miss = smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS);
	/* TG 4K, NUM 1, SCALE 1: 4 pages from VA + 0x2000. */
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_TLBI_NH_VA) | FIELD_PREP(CMD_0_ASID, ASID) |
	       FIELD_PREP(CMD_0_TLBI_NUM, 1) | FIELD_PREP(CMD_0_TLBI_SCALE, 1),
	       ((VA + 0x2000) & CMD_1_VA) | FIELD_PREP(CMD_1_TG, CMD_TG_4K) |
	       FIELD_PREP(CMD_1_TTL, 3) | CMD_1_LEAF);
	ASSERT_EQ(fx_sync(&fx), 0);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + i * 0x1000, RD, NULL), SMMU_TXN_OK);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS) - miss, 4);
	/* NH_ASID drops all 8. */
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_TLBI_NH_ASID) | FIELD_PREP(CMD_0_ASID, ASID), 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	miss = smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA + i * 0x1000, RD, NULL), SMMU_TXN_OK);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS) - miss, 8);
	fx_fini(&fx);
}

TEST(config_cache_until_cfgi)
{
	struct fx fx;
	struct s1 s;
	uint64_t root2, pa = 0, misses;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	root2 = fx_pt_new(&fx);
	fx_map(&fx, root2, VA, s.data + 0x3000, FX_PTE_RW);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	misses = smmu_pmcg_read(fx.smmu, SMMU_PMCG_CFG_CACHE_MISS);
	EXPECT_EQ(misses, 2);	/* one STE, one CD */
	/* A new CD (new ASID, new tables) is not seen before CFGI_CD. */
	fx_cd(&fx, s.cd, root2, ASID + 1, FX_CD_DEFAULT);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data);
	fx_cfgi_cd(&fx, SID, 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 0x3000);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_CFG_CACHE_MISS), misses + 1);
	/* An STE made invalid is still cached until CFGI_ALL. */
	fx_w64(&fx, fx.strtab + SID * 64, 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_OK);
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_CFGI_ALL), FIELD_PREP(CMD_1_RANGE, 31));
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	expect_event(&fx, EVT_ID_C_BAD_STE);
	fx_fini(&fx);
}

static int trace_ste, trace_cd;
static struct smmu_trace_info trace_ste_info, trace_cd_info;

static void count_trace(void *ctx, enum smmu_trace_kind kind,
			const struct smmu_trace_info *info, const uint64_t *raw,
			unsigned int n)
{
	(void)ctx;
	(void)raw;
	if (kind == SMMU_TRACE_STE && n == 8 && info) {
		trace_ste++;
		trace_ste_info = *info;
	}
	if (kind == SMMU_TRACE_CD && n == 8 && info) {
		trace_cd++;
		trace_cd_info = *info;
	}
}

TEST(trace_hook_sees_fetches)
{
	struct fx fx;
	struct s1 s;

	ASSERT_EQ(fx_init(&fx), 0);
	smmu_set_trace(fx.smmu, count_trace, NULL);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_OK);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_OK);
	EXPECT_EQ(trace_ste, 1);
	EXPECT_EQ(trace_cd, 1);
	/* Each fetch says which stream (and substream) it was for. */
	EXPECT_EQ(trace_ste_info.sid, SID);
	EXPECT_EQ(trace_cd_info.sid, SID);
	EXPECT_FALSE(trace_cd_info.ssv);
	EXPECT_EQ(trace_cd_info.ssid, 0);
	fx_fini(&fx);
}

/* Switch SID's STE to another CD and CFGI it, from inside a translation. */
struct cfgi_midway {
	struct fx *fx;
	uint64_t new_ste0;
	int done;
};

static void cfgi_on_ste_fetch(void *ctx, enum smmu_trace_kind kind,
			      const struct smmu_trace_info *info, const uint64_t *raw,
			      unsigned int n)
{
	struct cfgi_midway *m = ctx;
	struct fx *fx = m->fx;
	uint32_t mask = (1u << (FX_Q_LOG2 + 1)) - 1;

	(void)info;
	(void)raw;
	(void)n;
	if (kind != SMMU_TRACE_STE || m->done++)
		return;
	fx_w64(fx, fx->strtab + SID * 64, m->new_ste0);
	fx_cfgi_ste(fx, SID);
	/* Consumed (no CMD_SYNC here: it would wait for this very translation). */
	FX_WAIT((smmu_mmio_read32(fx->smmu, SMMU_CMDQ_CONS) & mask) == fx->cmdq_prod);
}

/*
 * A translation that fetched its STE before a CFGI_STE, and its CD after
 * the CFGI completed, must not leave that CD cached: it belongs to the old
 * STE. After CMD_SYNC, the next translation uses the new STE's CD.
 */
TEST(cd_of_a_stale_ste_not_cached)
{
	struct cfgi_midway m = { 0 };
	struct fx_ste ste = { 0 };
	uint64_t root_b, cd_b, raw[8], pa = 0;
	struct fx fx;
	struct s1 s;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	root_b = fx_pt_new(&fx);
	cd_b = fx_alloc(&fx, 64, 64);
	fx_map(&fx, root_b, VA, s.data + 0x1000, FX_PTE_RW);
	fx_cd(&fx, cd_b, root_b, ASID + 1, FX_CD_DEFAULT);
	ste.cdptr = cd_b;
	fx_ste_make(&ste, raw);
	m.fx = &fx;
	m.new_ste0 = raw[0];
	smmu_set_trace(fx.smmu, cfgi_on_ste_fetch, &m);
	/* In flight across the CFGI: the old context is still allowed. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data);
	EXPECT_EQ(m.done, 1);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 0x1000);
	fx_fini(&fx);
}

/*
 * The CMD_SYNC guarantee under concurrency. Device threads translate VA
 * and read a word from the frame it maps, inside the transaction (before
 * smmu_txn_end). The main thread moves the page to a new frame, issues
 * TLBI + CMD_SYNC, then poisons the old frame. No device may ever read
 * poison: after SYNC, no translation returns the old PA and no access that
 * used it is still running.
 */
#define NR_DEV		2
#define ROUNDS		300
#define POISON		0xdeadbeefdeadbeefULL

struct race {
	struct fx *fx;
	int stop;
	unsigned long bad, reads;
	unsigned long progress;		/* atomic: reads so far, all devices */
};

/*
 * Let the devices read at least once more (bounded by progress, not
 * time): with commands consumed inside the PROD write a round is quick,
 * and must still race the devices' accesses.
 */
static void race_wait_devices(struct race *r)
{
	unsigned long seen = __atomic_load_n(&r->progress, __ATOMIC_SEQ_CST);
	unsigned int spins;

	for (spins = 0; spins < 1000000; spins++) {
		if (__atomic_load_n(&r->progress, __ATOMIC_SEQ_CST) != seen)
			return;
		sched_yield();
	}
}

static void *device(void *arg)
{
	struct race *r = arg;
	unsigned long bad = 0, reads = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		struct smmu_txn txn = { .sid = SID, .addr = VA + 0x18, .acc = RD };
		struct smmu_txn_result res;
		uint64_t v = 0;

		if (smmu_translate(r->fx->smmu, &txn, &res))
			break;
		if (res.status == SMMU_TXN_OK) {
			sched_yield();	/* widen the window between lookup and access */
			phys_mem_read64(&r->fx->mem, res.pa, &v);
			bad += v == POISON;
			reads++;
			__atomic_fetch_add(&r->progress, 1, __ATOMIC_SEQ_CST);
		}
		smmu_txn_end(r->fx->smmu, &res);
	}
	__atomic_fetch_add(&r->bad, bad, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&r->reads, reads, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST_TIMEOUT(no_stale_translation_after_sync, 120)
{
	struct fx fx;
	struct s1 s;
	struct race r = { .fx = &fx };
	pthread_t t[NR_DEV];
	uint64_t pte, frames[2], cur;
	unsigned int i;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	frames[0] = s.data;
	frames[1] = s.data + 0x1000;
	fx_w64(&fx, frames[0] + 0x18, 1);
	pte = fx_map(&fx, s.root, VA, frames[0], FX_PTE_RW);
	cur = 0;
	for (i = 0; i < NR_DEV; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, device, &r), 0);
	for (i = 0; i < ROUNDS; i++) {
		uint64_t old = frames[cur], nw = frames[cur ^ 1];

		race_wait_devices(&r);
		fx_w64(&fx, nw + 0x18, i + 2);
		fx_w64(&fx, pte, vmsa_addr_to_desc(nw, 12) | FX_PTE_RW);
		fx_tlbi_va(&fx, ASID, VA);
		ASSERT_EQ(fx_sync(&fx), 0);
		fx_w64(&fx, old + 0x18, POISON);
		cur ^= 1;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < NR_DEV; i++)
		pthread_join(t[i], NULL);
	TH_LOG("%lu device reads over %u remaps", r.reads, ROUNDS);
	EXPECT_EQ(r.bad, 0);
	EXPECT_GT(r.reads, 0);
	fx_fini(&fx);
}

/* StreamWorld EL2 with CR2.E2H: ASID-tagged EL2 entries, EL2 TLBIs only. */
TEST(el2_e2h_regime_and_tlbi)
{
	struct fx_ste ste = { .strw = STRTAB_STE_1_STRW_EL2 };
	struct fx fx;
	struct s1 s;
	uint64_t miss;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	ste.cdptr = s.cd;
	fx_ste(&fx, SID, &ste);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	smmu_mmio_write32(fx.smmu, SMMU_CR0, 0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) == 0);
	smmu_mmio_write32(fx.smmu, SMMU_CR2, SMMU_CR2_E2H);
	smmu_mmio_write32(fx.smmu, SMMU_CR0, SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN |
			  SMMU_CR0_CMDQEN);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) & SMMU_CR0_SMMUEN);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_OK);
	miss = smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS);
	/* An EL1 TLBI does not touch EL2 entries... */
	fx_tlbi_va(&fx, ASID, VA);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_OK);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS), miss);
	/* ...TLBI_EL2_VA with the ASID does. */
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_TLBI_EL2_VA) | FIELD_PREP(CMD_0_ASID, ASID),
	       VA & CMD_1_VA);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_OK);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS), miss + 1);
	fx_fini(&fx);
}

TEST(cfgi_ste_range)
{
	struct fx_ste ste = { 0 };
	struct fx fx;
	struct s1 s;
	uint32_t sid;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	fx_map(&fx, s.root, VA, s.data, FX_PTE_RW);
	ste.cdptr = s.cd;
	for (sid = 8; sid < 16; sid++) {
		fx_ste(&fx, sid, &ste);
		EXPECT_EQ(fx_xlate(&fx, sid, false, 0, VA, RD, NULL), SMMU_TXN_OK);
		fx_w64(&fx, fx.strtab + sid * 64, 0);	/* now invalid, still cached */
	}
	/* Range 1: 2^(1 + 1) = 4 StreamIDs from 12 (aligned): 12..15. */
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_CFGI_STE_RANGE) | FIELD_PREP(CMD_0_SID, 13),
	       FIELD_PREP(CMD_1_RANGE, 1));
	ASSERT_EQ(fx_sync(&fx), 0);
	for (sid = 8; sid < 16; sid++)
		EXPECT_EQ(fx_xlate(&fx, sid, false, 0, VA, RD, NULL),
			  sid < 12 ? SMMU_TXN_OK : SMMU_TXN_ABORT);
	EXPECT_EQ(fx_events_drain(&fx), 4);
	fx_fini(&fx);
}

/* An event interrupt handler that issues CMD_SYNC on the faulting thread. */
static int irq_syncs;

static void sync_from_irq(void *ctx)
{
	struct fx *fx = ctx;

	fx_tlbi_va(fx, ASID, VA);
	EXPECT_EQ(fx_sync(fx), 0);
	__atomic_fetch_add(&irq_syncs, 1, __ATOMIC_SEQ_CST);
}

TEST_TIMEOUT(event_irq_handler_may_sync, 30)
{
	struct fx fx;
	struct s1 s;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	smmu_set_irq(fx.smmu, SMMU_IRQ_EVTQ, (struct irq_line){ sync_from_irq, &fx });
	smmu_mmio_write32(fx.smmu, SMMU_IRQ_CTRL, SMMU_IRQ_CTRL_EVENTQ_IRQEN);
	/* The fault's record raises the IRQ on this thread: no deadlock. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, RD, NULL), SMMU_TXN_ABORT);
	EXPECT_EQ(irq_syncs, 1);
	expect_event(&fx, EVT_ID_F_TRANSLATION);
	fx_fini(&fx);
}

/*
 * The same guarantee for configuration: the STE is switched (one 64-bit
 * write of S1ContextPtr) between two CDs, each its own address space (own
 * ASID, tables and frame), while devices translate; after CFGI_STE + TLBI
 * of the old ASID + CMD_SYNC the old frame is poisoned. A config or TLB
 * fill from an STE fetched before the CFGI must never survive it.
 */
TEST_TIMEOUT(no_stale_context_after_cfgi_sync, 120)
{
	struct fx fx;
	struct s1 s;
	struct race r = { .fx = &fx };
	struct fx_ste ste = { 0 };
	pthread_t t[NR_DEV];
	uint64_t roots[2], frames[2], cds[2], raw[8];
	uint16_t asids[2] = { ASID, ASID + 1 };
	unsigned int i, cur = 0;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	for (i = 0; i < 2; i++) {
		roots[i] = fx_pt_new(&fx);
		frames[i] = s.data + i * 0x1000;
		cds[i] = fx_alloc(&fx, 64, 64);
		fx_map(&fx, roots[i], VA, frames[i], FX_PTE_RW);
		fx_cd(&fx, cds[i], roots[i], asids[i], FX_CD_DEFAULT);
	}
	fx_w64(&fx, frames[0] + 0x18, 1);
	ste.cdptr = cds[0];
	fx_ste(&fx, SID, &ste);
	for (i = 0; i < NR_DEV; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, device, &r), 0);
	for (i = 0; i < ROUNDS; i++) {
		unsigned int nx = cur ^ 1;

		race_wait_devices(&r);
		fx_w64(&fx, frames[nx] + 0x18, i + 2);
		ste.cdptr = cds[nx];
		fx_ste_make(&ste, raw);
		fx_w64(&fx, fx.strtab + SID * 64, raw[0]);	/* single-copy atomic */
		fx_cfgi_ste(&fx, SID);
		fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_TLBI_NH_ASID) |
		       FIELD_PREP(CMD_0_ASID, asids[cur]), 0);
		ASSERT_EQ(fx_sync(&fx), 0);
		fx_w64(&fx, frames[cur] + 0x18, POISON);
		cur = nx;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < NR_DEV; i++)
		pthread_join(t[i], NULL);
	TH_LOG("%lu device reads over %u context switches", r.reads, ROUNDS);
	EXPECT_EQ(r.bad, 0);
	EXPECT_GT(r.reads, 0);
	fx_fini(&fx);
}
