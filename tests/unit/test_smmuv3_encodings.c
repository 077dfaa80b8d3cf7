// SPDX-License-Identifier: GPL-2.0
/*
 * arch/smmuv3.h and the one command parser / record builders against golden
 * vectors: raw words written out by hand from the field tables of the SMMUv3
 * spec (IHI0070 G.b, chapters 4-8) and docs/smmuv3-encodings.md,
 * never computed with the masks under test.
 */
#include <errno.h>

#include "arch/smmuv3.h"
#include "hw/smmu/cmd.h"
#include "hw/smmu/event.h"
#include "hw/smmu/smmu.h"
#include "tests/harness.h"

/* ---- Register map and fields -------------------------------------------- */

TEST(register_offsets)
{
	EXPECT_EQ(SMMU_IDR0, 0x000);
	EXPECT_EQ(SMMU_IDR5, 0x014);
	EXPECT_EQ(SMMU_IIDR, 0x018);
	EXPECT_EQ(SMMU_AIDR, 0x01c);
	EXPECT_EQ(SMMU_CR0, 0x020);
	EXPECT_EQ(SMMU_CR0ACK, 0x024);
	EXPECT_EQ(SMMU_CR1, 0x028);
	EXPECT_EQ(SMMU_CR2, 0x02c);
	EXPECT_EQ(SMMU_GBPA, 0x044);
	EXPECT_EQ(SMMU_IRQ_CTRL, 0x050);
	EXPECT_EQ(SMMU_IRQ_CTRLACK, 0x054);
	EXPECT_EQ(SMMU_GERROR, 0x060);
	EXPECT_EQ(SMMU_GERRORN, 0x064);
	EXPECT_EQ(SMMU_GERROR_IRQ_CFG0, 0x068);
	EXPECT_EQ(SMMU_GERROR_IRQ_CFG2, 0x074);
	EXPECT_EQ(SMMU_STRTAB_BASE, 0x080);
	EXPECT_EQ(SMMU_STRTAB_BASE_CFG, 0x088);
	EXPECT_EQ(SMMU_CMDQ_BASE, 0x090);
	EXPECT_EQ(SMMU_CMDQ_PROD, 0x098);
	EXPECT_EQ(SMMU_CMDQ_CONS, 0x09c);
	EXPECT_EQ(SMMU_EVENTQ_BASE, 0x0a0);
	EXPECT_EQ(SMMU_EVENTQ_IRQ_CFG0, 0x0b0);
	EXPECT_EQ(SMMU_PRIQ_BASE, 0x0c0);
	EXPECT_EQ(SMMU_PRIQ_IRQ_CFG2, 0x0dc);
	EXPECT_EQ(SMMU_EVENTQ_PROD, 0x100a8);
	EXPECT_EQ(SMMU_EVENTQ_CONS, 0x100ac);
	EXPECT_EQ(SMMU_PRIQ_PROD, 0x100c8);
	EXPECT_EQ(SMMU_PRIQ_CONS, 0x100cc);
}

TEST(register_fields)
{
	EXPECT_EQ(SMMU_IDR0_S1P, 0x2);
	EXPECT_EQ(SMMU_IDR0_TTF, 0xc);
	EXPECT_EQ(SMMU_IDR0_BTM, 0x20);
	EXPECT_EQ(SMMU_IDR0_HTTU, 0xc0);
	EXPECT_EQ(SMMU_IDR0_HYP, 0x200);
	EXPECT_EQ(SMMU_IDR0_ATS, 0x400);
	EXPECT_EQ(SMMU_IDR0_ASID16, 0x1000);
	EXPECT_EQ(SMMU_IDR0_MSI, 0x2000);
	EXPECT_EQ(SMMU_IDR0_SEV, 0x4000);
	EXPECT_EQ(SMMU_IDR0_PRI, 0x10000);
	EXPECT_EQ(SMMU_IDR0_VMID16, 0x40000);
	EXPECT_EQ(SMMU_IDR0_CD2L, 0x80000);
	EXPECT_EQ(SMMU_IDR0_STALL_MODEL, 0x3000000);
	EXPECT_EQ(SMMU_IDR0_TERM_MODEL, 0x4000000);
	EXPECT_EQ(SMMU_IDR0_ST_LEVEL, 0x18000000);
	EXPECT_EQ(SMMU_IDR1_SIDSIZE, 0x3f);
	EXPECT_EQ(SMMU_IDR1_SSIDSIZE, 0x7c0);
	EXPECT_EQ(SMMU_IDR1_PRIQS, 0xf800);
	EXPECT_EQ(SMMU_IDR1_EVENTQS, 0x1f0000);
	EXPECT_EQ(SMMU_IDR1_CMDQS, 0x3e00000);
	EXPECT_EQ(SMMU_IDR3_RIL, 0x400);
	EXPECT_EQ(SMMU_IDR5_OAS, 0x7);
	EXPECT_EQ(SMMU_IDR5_GRAN4K, 0x10);
	EXPECT_EQ(SMMU_IDR5_GRAN64K, 0x40);
	EXPECT_EQ(SMMU_IDR5_STALL_MAX, 0xffff0000);
	EXPECT_EQ(SMMU_CR0_SMMUEN | SMMU_CR0_PRIQEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN |
		  SMMU_CR0_ATSCHK, 0x1f);
	EXPECT_EQ(SMMU_CR1_TABLE_SH, 0xc00);
	EXPECT_EQ(SMMU_CR2_E2H | SMMU_CR2_RECINVSID | SMMU_CR2_PTM, 0x7);
	EXPECT_EQ(SMMU_GBPA_UPDATE, 0x80000000);
	EXPECT_EQ(SMMU_GBPA_ABORT, 0x100000);
	EXPECT_EQ(SMMU_GBPA_SHCFG, 0x3000);
	EXPECT_EQ(SMMU_GBPA_RESET, 0x1000);
	EXPECT_EQ(SMMU_IRQ_CTRL_EVENTQ_IRQEN, 0x4);
	EXPECT_EQ(SMMU_GERROR_ERR_MASK, 0x1fd);
	EXPECT_EQ(SMMU_GERROR_MSI_CMDQ_ABT_ERR, 0x10);
	EXPECT_EQ(SMMU_IRQ_CFG0_ADDR, 0x00fffffffffffffcULL);
	EXPECT_EQ(SMMU_STRTAB_BASE_ADDR, 0x00ffffffffffffc0ULL);
	EXPECT_EQ(SMMU_STRTAB_BASE_RA, 1ULL << 62);
	EXPECT_EQ(SMMU_STRTAB_BASE_CFG_SPLIT, 0x7c0);
	EXPECT_EQ(SMMU_STRTAB_BASE_CFG_FMT, 0x30000);
	EXPECT_EQ(SMMU_Q_BASE_ADDR, 0x00ffffffffffffe0ULL);
	EXPECT_EQ(SMMU_CMDQ_CONS_ERR, 0x7f000000);
	EXPECT_EQ(SMMU_Q_PROD_OVFLG, 0x80000000);
	EXPECT_EQ(SMMU_CERROR_ILL, 1);
	EXPECT_EQ(SMMU_CERROR_ABT, 2);
	EXPECT_EQ(SMMU_CERROR_ATC_INV_SYNC, 3);
}

TEST(ste_cd_fields)
{
	EXPECT_EQ(STRTAB_L1_DESC_L2PTR, 0x00ffffffffffffc0ULL);
	EXPECT_EQ(STRTAB_STE_0_CFG, 0xe);
	EXPECT_EQ(STRTAB_STE_0_S1FMT, 0x30);
	EXPECT_EQ(STRTAB_STE_0_S1CTXPTR, 0x00ffffffffffffc0ULL);
	EXPECT_EQ(STRTAB_STE_0_S1CDMAX, 0xf800000000000000ULL);
	EXPECT_EQ(STRTAB_STE_1_S1STALLD, 1ULL << 27);
	EXPECT_EQ(STRTAB_STE_1_EATS, 0x30000000ULL);
	EXPECT_EQ(STRTAB_STE_1_STRW, 0xc0000000ULL);
	EXPECT_EQ(STRTAB_STE_1_SHCFG, 0x300000000000ULL);
	EXPECT_EQ(STRTAB_STE_2_S2VMID, 0xffff);
	EXPECT_EQ(STRTAB_STE_2_S2TG, 0xc00000000000ULL);
	EXPECT_EQ(STRTAB_STE_2_S2R, 1ULL << 58);
	EXPECT_EQ(STRTAB_STE_3_S2TTB, 0x00fffffffffffff0ULL);
	EXPECT_EQ(CD_L1_DESC_L2PTR, 0x00fffffffffff000ULL);
	EXPECT_EQ(CD_0_TG0, 0xc0);
	EXPECT_EQ(CD_0_TG1, 0xc00000);
	EXPECT_EQ(CD_0_V, 0x80000000ULL);
	EXPECT_EQ(CD_0_IPS, 0x700000000ULL);
	EXPECT_EQ(CD_0_AA64, 1ULL << 41);
	EXPECT_EQ(CD_0_HD | CD_0_HA, 0xc0000000000ULL);
	EXPECT_EQ(CD_0_S | CD_0_R | CD_0_A | CD_0_ASET, 0xf00000000000ULL);
	EXPECT_EQ(CD_0_ASID, 0xffff000000000000ULL);
	EXPECT_EQ(CD_1_TTB0, 0x00fffffffffffff0ULL);
}

/* ---- Commands: golden words parsed back ----------------------------------- */

static int parse(uint64_t w0, uint64_t w1, struct smmu_cmd *cmd)
{
	const uint64_t raw[2] = { w0, w1 };

	return smmu_cmd_parse(raw, cmd);
}

TEST(cmd_prefetch_and_cfgi)
{
	struct smmu_cmd c;

	/* PREFETCH_CONFIG sid 0x10203 ssv ssid 2 */
	ASSERT_EQ(parse(0x0001020300002801ULL, 0, &c), 0);
	EXPECT_EQ(c.opcode, CMD_OP_PREFETCH_CONFIG);
	EXPECT_EQ(c.prefetch.sid, 0x10203);
	EXPECT_TRUE(c.prefetch.ssv);
	EXPECT_EQ(c.prefetch.ssid, 0x2);
	/* PREFETCH_ADDR sid 7, addr 0x12345000, size 3 */
	ASSERT_EQ(parse(0x0000000700000002ULL, 0x0000000012345003ULL, &c), 0);
	EXPECT_EQ(c.prefetch.addr, 0x12345000);
	EXPECT_EQ(c.prefetch.size, 3);
	/* CFGI_STE sid 0xabcd leaf */
	ASSERT_EQ(parse(0x0000abcd00000003ULL, 1, &c), 0);
	EXPECT_EQ(c.opcode, CMD_OP_CFGI_STE);
	EXPECT_EQ(c.cfgi.sid, 0xabcd);
	EXPECT_TRUE(c.cfgi.leaf);
	/* CFGI_ALL = STE_RANGE, range 31 */
	ASSERT_EQ(parse(0x0000000000000004ULL, 31, &c), 0);
	EXPECT_EQ(c.opcode, CMD_OP_CFGI_ALL);
	EXPECT_EQ(c.cfgi.range, CMD_CFGI_RANGE_ALL);
	/* CFGI_CD sid 5 ssid 0xfffff leaf */
	ASSERT_EQ(parse(0x00000005fffff005ULL, 1, &c), 0);
	EXPECT_EQ(c.cfgi.sid, 5);
	EXPECT_EQ(c.cfgi.ssid, 0xfffff);
	EXPECT_TRUE(c.cfgi.leaf);
	/* CFGI_CD_ALL sid 9 */
	ASSERT_EQ(parse(0x0000000900000006ULL, 0, &c), 0);
	EXPECT_EQ(c.opcode, CMD_OP_CFGI_CD_ALL);
	EXPECT_EQ(c.cfgi.sid, 9);
}

TEST(cmd_tlbi)
{
	struct smmu_cmd c;

	/* NH_ALL vmid 0x12 */
	ASSERT_EQ(parse(0x0000001200000010ULL, 0, &c), 0);
	EXPECT_EQ(c.tlbi.vmid, 0x12);
	/* NH_ASID vmid 1 asid 0xbeef */
	ASSERT_EQ(parse(0xbeef000100000011ULL, 0, &c), 0);
	EXPECT_EQ(c.tlbi.asid, 0xbeef);
	EXPECT_EQ(c.tlbi.vmid, 1);
	/* NH_VA vmid 0x1234 asid 0xbeef num 3 scale 2, leaf ttl 3 tg 4K, va 0x7fff12345000 */
	ASSERT_EQ(parse(0xbeef123400203012ULL, 0x00007fff12345701ULL, &c), 0);
	EXPECT_EQ(c.opcode, CMD_OP_TLBI_NH_VA);
	EXPECT_EQ(c.tlbi.vmid, 0x1234);
	EXPECT_EQ(c.tlbi.asid, 0xbeef);
	EXPECT_EQ(c.tlbi.num, 3);
	EXPECT_EQ(c.tlbi.scale, 2);
	EXPECT_EQ(c.tlbi.tg, CMD_TG_4K);
	EXPECT_EQ(c.tlbi.ttl, 3);
	EXPECT_TRUE(c.tlbi.leaf);
	EXPECT_EQ(c.tlbi.addr, 0x7fff12345000ULL);
	/* NH_VA without range: top-byte address bits survive (VA[63:12]) */
	ASSERT_EQ(parse(0x0001000000000012ULL, 0xffff800000001000ULL, &c), 0);
	EXPECT_EQ(c.tlbi.addr, 0xffff800000001000ULL);
	EXPECT_EQ(c.tlbi.tg, CMD_TG_ANY);
	/* NH_VAA 64K granule, ttl 2, num 31 scale 31 */
	ASSERT_EQ(parse(0x0000000001f1f013ULL, 0x0000000040000e00ULL, &c), 0);
	EXPECT_EQ(c.tlbi.num, 31);
	EXPECT_EQ(c.tlbi.scale, 31);
	EXPECT_EQ(c.tlbi.tg, CMD_TG_64K);
	EXPECT_EQ(c.tlbi.ttl, 2);
	EXPECT_FALSE(c.tlbi.leaf);
	/* EL2_ALL, EL2_ASID asid 7, EL2_VA, EL2_VAA */
	ASSERT_EQ(parse(0x20, 0, &c), 0);
	ASSERT_EQ(parse(0x0007000000000021ULL, 0, &c), 0);
	EXPECT_EQ(c.tlbi.asid, 7);
	ASSERT_EQ(parse(0x0007000000000022ULL, 0x0000000000402001ULL, &c), 0);
	EXPECT_EQ(c.tlbi.addr, 0x402000);
	ASSERT_EQ(parse(0x23, 0x1000, &c), 0);
	/* S12_VMALL vmid 3, S2_IPA vmid 3 ipa 0x80000000, NSNH_ALL */
	ASSERT_EQ(parse(0x0000000300000028ULL, 0, &c), 0);
	ASSERT_EQ(parse(0x000000030000002aULL, 0x0000000080000001ULL, &c), 0);
	EXPECT_EQ(c.tlbi.addr, 0x80000000);
	ASSERT_EQ(parse(0x30, 0, &c), 0);
}

TEST(cmd_ats_pri_stall_sync)
{
	struct smmu_cmd c;

	/* ATC_INV sid 0x100 ssv ssid 0x55 global, size 52 (all), addr 0 */
	ASSERT_EQ(parse(0x0000010000055a40ULL, 52, &c), 0);
	EXPECT_EQ(c.opcode, CMD_OP_ATC_INV);
	EXPECT_EQ(c.atc.sid, 0x100);
	EXPECT_TRUE(c.atc.ssv);
	EXPECT_EQ(c.atc.ssid, 0x55);
	EXPECT_TRUE(c.atc.global);
	EXPECT_EQ(c.atc.size, CMD_ATC_SIZE_ALL);
	/* ATC_INV addr 0x12340000 size 4 */
	ASSERT_EQ(parse(0x0000000100000040ULL, 0x0000000012340004ULL, &c), 0);
	EXPECT_EQ(c.atc.addr, 0x12340000);
	EXPECT_EQ(c.atc.size, 4);
	EXPECT_FALSE(c.atc.ssv);
	/* PRI_RESP sid 0x42 ssv ssid 3 grpid 0x1ff resp success */
	ASSERT_EQ(parse(0x0000004200003841ULL, 0x00000000000021ffULL, &c), 0);
	EXPECT_EQ(c.pri.sid, 0x42);
	EXPECT_TRUE(c.pri.ssv);
	EXPECT_EQ(c.pri.ssid, 3);
	EXPECT_EQ(c.pri.grpid, 0x1ff);
	EXPECT_EQ(c.pri.resp, CMD_PRI_RESP_SUCCESS);
	/* RESUME sid 8 retry stag 0xbeef; RESUME abort (Ac 0, Ab 1) */
	ASSERT_EQ(parse(0x0000000800001044ULL, 0xbeef, &c), 0);
	EXPECT_EQ(c.resume.sid, 8);
	EXPECT_EQ(c.resume.stag, 0xbeef);
	EXPECT_TRUE(c.resume.retry);
	ASSERT_EQ(parse(0x0000000800002044ULL, 1, &c), 0);
	EXPECT_FALSE(c.resume.retry);
	EXPECT_TRUE(c.resume.abort);
	/* STALL_TERM sid 8 */
	ASSERT_EQ(parse(0x0000000800000045ULL, 0, &c), 0);
	EXPECT_EQ(c.resume.sid, 8);
	/* SYNC cs irq, msh ISH, attr 0xf, data 0xcafef00d, addr 0x80001234 */
	ASSERT_EQ(parse(0xcafef00d0fc01046ULL, 0x0000000080001234ULL, &c), 0);
	EXPECT_EQ(c.sync.cs, CMD_SYNC_CS_IRQ);
	EXPECT_EQ(c.sync.msh, 3);
	EXPECT_EQ(c.sync.msiattr, 0xf);
	EXPECT_EQ(c.sync.msidata, 0xcafef00d);
	EXPECT_EQ(c.sync.msiaddr, 0x80001234);
}

TEST(cmd_illegal)
{
	struct smmu_cmd c;

	/* Reserved opcodes, Secure-only and Realm-only commands. */
	EXPECT_EQ(parse(0x00, 0, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x08, 0, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x18, 0, &c), SMMU_CERROR_ILL);	/* TLBI_EL3_ALL */
	EXPECT_EQ(parse(0x42, 0, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x50, 0, &c), SMMU_CERROR_ILL);	/* TLBI_S_EL2_ALL */
	EXPECT_EQ(parse(0x70, 0, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0xff, 0, &c), SMMU_CERROR_ILL);
	/* SSec == 1 on the Non-secure queue. */
	EXPECT_EQ(parse(0x0000000100000403ULL, 0, &c), SMMU_CERROR_ILL);
	/* Reserved bits: CFGI_STE dw0[31:12], dw1[1]; TLBI_NH_ALL dw1; SYNC dw1[1:0]. */
	EXPECT_EQ(parse(0x0000000100001003ULL, 0, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x0000000100000003ULL, 2, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x10, 1, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x46, 0x80000001ULL, &c), SMMU_CERROR_ILL);
	/* CFGI_CD has no SSV. */
	EXPECT_EQ(parse(0x0000000100000805ULL, 0, &c), SMMU_CERROR_ILL);
	/* TLBI: NUM/SCALE/TTL without TG; TG without NUM, SCALE or TTL; TTL128. */
	EXPECT_EQ(parse(0x0000000000001012ULL, 0x1000, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x12, 0x1300, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x12, 0x1400, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x12, 0x1780, &c), SMMU_CERROR_ILL);
	/*
	 * TG 16K with TTL 1 without DS is taken as TTL 0 (§4.4.1.1): illegal
	 * only with NUM == SCALE == 0; with a range it is a plain range.
	 */
	EXPECT_EQ(parse(0x12, 0x1900, &c), SMMU_CERROR_ILL);
	ASSERT_EQ(parse(0x1012, 0x1900, &c), 0);
	EXPECT_EQ(c.tlbi.tg, CMD_TG_16K);
	EXPECT_EQ(c.tlbi.ttl, 0);
	EXPECT_EQ(c.tlbi.num, 1);
	/* PRI_RESP Resp 0b11, SYNC CS 0b11. */
	EXPECT_EQ(parse(0x41, 0x3000, &c), SMMU_CERROR_ILL);
	EXPECT_EQ(parse(0x3046, 0, &c), SMMU_CERROR_ILL);
	/* S2_IPA address above bit 55. */
	EXPECT_EQ(parse(0x2a, 0x0100000000001000ULL, &c), SMMU_CERROR_ILL);
}

TEST(cmd_unsupported_by_config)
{
	struct smmu_config cfg;
	struct smmu_cmd c;

	smmu_config_default(&cfg);
	ASSERT_EQ(parse(0x41, 0x2000, &c), 0);
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), 0);
	cfg.pri = false;
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), SMMU_CERROR_ILL);

	ASSERT_EQ(parse(0x0000000100001044ULL, 0, &c), 0);
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), 0);
	cfg.stall_model = SMMU_STALL_MODEL_TERM;
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), SMMU_CERROR_ILL);
	ASSERT_EQ(parse(0x0000000100000045ULL, 0, &c), 0);
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), SMMU_CERROR_ILL);

	ASSERT_EQ(parse(0x20, 0, &c), 0);
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), 0);
	cfg.hyp = false;
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), SMMU_CERROR_ILL);

	/* A range TLBI is legal with RIL only; a plain one always. */
	ASSERT_EQ(parse(0x0000000000001012ULL, 0x0400, &c), 0);
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), 0);
	cfg.ril = false;
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), SMMU_CERROR_ILL);
	ASSERT_EQ(parse(0x12, 0x1000, &c), 0);
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), 0);

	ASSERT_EQ(parse(0x40, 0, &c), 0);
	cfg.ats = false;
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), SMMU_CERROR_ILL);
	/* §4.7.3: SIG_SEV without IDR0.SEV is SIG_NONE, not an error. */
	ASSERT_EQ(parse(0x2046, 0, &c), 0);
	cfg.sev = false;
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), 0);
	ASSERT_EQ(parse(0x10, 0, &c), 0);
	cfg.s1 = false;
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), SMMU_CERROR_ILL);
	ASSERT_EQ(parse(0x28, 0, &c), 0);
	cfg.s1 = true;
	cfg.s2 = false;
	EXPECT_EQ(smmu_cmd_check(&cfg, &c), SMMU_CERROR_ILL);
}

TEST(cmd_names)
{
	EXPECT_STREQ(smmuv3_cmd_name(CMD_OP_SYNC), "CMD_SYNC");
	EXPECT_STREQ(smmuv3_cmd_name(CMD_OP_TLBI_NH_VA), "CMD_TLBI_NH_VA");
	EXPECT_TRUE(smmuv3_cmd_name(0x42) == NULL);
	EXPECT_TRUE(smmuv3_cmd_name(0x1000) == NULL);
}

/* ---- Event and PRI records ------------------------------------------------- */

TEST(event_record_layout)
{
	struct smmu_event ev = {
		.id = EVT_ID_F_TRANSLATION, .sid = 0x1234, .ssv = true, .ssid = 0xabcde,
		.stall = true, .stag = 0x77, .pnu = true, .ind = false, .rnw = true,
		.s2 = false, .class = EVT_CLASS_IN, .addr = 0xffff00001234abcdULL,
		.addr2 = 0x80042000,
	}, back;
	uint64_t rec[EVT_DWORDS];

	smmu_event_build(&ev, rec);
	EXPECT_EQ(rec[0], 0x00001234abcde810ULL);
	/* STAG 0x77, Stall bit 31, PnU bit 33, RnW bit 35, CLASS IN (2) at 41:40. */
	EXPECT_EQ(rec[1], 0x0000020a80000077ULL);
	EXPECT_EQ(rec[2], 0xffff00001234abcdULL);
	EXPECT_EQ(rec[3], 0x80042000ULL);
	smmu_event_decode(rec, &back);
	EXPECT_EQ(back.id, ev.id);
	EXPECT_EQ(back.sid, ev.sid);
	EXPECT_EQ(back.ssid, ev.ssid);
	EXPECT_EQ(back.stag, ev.stag);
	EXPECT_TRUE(back.stall && back.pnu && back.rnw && back.ssv);
	EXPECT_EQ(back.class, EVT_CLASS_IN);

	/* Without SSV no SubstreamID; without stall no STAG. TT read walk, S2. */
	ev = (struct smmu_event){ .id = EVT_ID_F_PERMISSION, .sid = 3, .ssid = 9, .stag = 5,
				  .s2 = true, .class = EVT_CLASS_TT, .ttrnw = true, .ind = true };
	smmu_event_build(&ev, rec);
	EXPECT_EQ(rec[0], 0x0000000300000013ULL);
	EXPECT_EQ(rec[1], (1ULL << 44) | (1ULL << 40) | (1ULL << 39) | (1ULL << 34));

	/* F_STE_FETCH keeps the fetch address (8-byte granular). */
	ev = (struct smmu_event){ .id = EVT_ID_F_STE_FETCH, .sid = 1, .addr2 = 0x90000048 };
	smmu_event_build(&ev, rec);
	EXPECT_EQ(rec[3], 0x90000048ULL);
}

TEST(event_names)
{
	EXPECT_STREQ(smmuv3_event_name(EVT_ID_F_TRANSLATION), "F_TRANSLATION");
	EXPECT_STREQ(smmuv3_event_name(0x0a), "C_BAD_CD");
	EXPECT_STREQ(smmuv3_event_name(0x25), "F_VMS_FETCH");
	EXPECT_TRUE(smmuv3_event_name(0) == NULL);
	EXPECT_TRUE(smmuv3_event_name(0x0c) == NULL);
	EXPECT_TRUE(smmuv3_event_name(0xe0) == NULL);
}

TEST(pri_entry_layout)
{
	struct smmu_pri_req req = {
		.sid = 0x00010203, .ssv = true, .ssid = 0x12345, .priv = true, .exec = false,
		.read = true, .write = true, .last = true, .grpid = 0x1a5,
		.addr = 0x00007f0012345000ULL,
	}, back;
	uint64_t rec[PRIQ_DWORDS];

	smmu_pri_build(&req, rec);
	/* SSV 63, L 62, W 61, R 60, Priv 58, SSID 51:32, SID 31:0. */
	EXPECT_EQ(rec[0], 0xf401234500010203ULL);
	EXPECT_EQ(rec[1], 0x00007f00123451a5ULL);
	smmu_pri_decode(rec, &back);
	EXPECT_EQ(back.sid, req.sid);
	EXPECT_EQ(back.ssid, req.ssid);
	EXPECT_EQ(back.grpid, req.grpid);
	EXPECT_EQ(back.addr, req.addr);
	EXPECT_TRUE(back.ssv && back.last && back.read && back.write && back.priv);
	EXPECT_FALSE(back.exec);

	/* No PASID: Priv/Exec are 0 and no SubstreamID is recorded. */
	req.ssv = false;
	req.exec = true;
	smmu_pri_build(&req, rec);
	EXPECT_EQ(rec[0], 0x7000000000010203ULL);
}
