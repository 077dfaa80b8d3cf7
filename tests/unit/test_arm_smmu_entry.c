// SPDX-License-Identifier: GPL-2.0
/*
 * STE and CD builders, bit-exact, and the used-bits writer's transitions,
 * in the spirit of Linux's arm-smmu-v3 KUnit test: the sync step is
 * replaced by one that records the entry after every sync and checks that,
 * in the bits the entry's own configuration uses, it equals either the
 * initial or the target entry (or is invalid, V = 0, which only a breaking
 * update may show). Each test says why it expects its number of syncs.
 */
#include <string.h>

#include "arch/vmsa.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "tests/harness.h"

#define FAKE_CDTAB	0xf0f0f0f0f0f0ull	/* low 6 bits dropped by S1ContextPtr */

struct test_writer {
	struct arm_smmu_entry_writer writer;	/* first: the sync op casts back */
	const uint64_t *init, *target;
	uint64_t *entry;
	unsigned int num_syncs;
	bool invalid_written;
	bool mixed;				/* an intermediate state was neither */
};

static bool differs_in_used(const uint64_t *entry, const uint64_t *used, const uint64_t *ref)
{
	unsigned int i;

	for (i = 0; i < ARM_SMMU_ENTRY_QWORDS; i++)
		if ((entry[i] & used[i]) != (ref[i] & used[i]))
			return true;
	return false;
}

static void record_sync(struct arm_smmu_entry_writer *writer)
{
	struct test_writer *tw = (struct test_writer *)writer;
	uint64_t used[ARM_SMMU_ENTRY_QWORDS];

	tw->num_syncs++;
	if (!tw->entry[0]) {
		tw->invalid_written = true;
		return;
	}
	writer->ops->get_used(tw->entry, used);
	if (differs_in_used(tw->entry, used, tw->init) &&
	    differs_in_used(tw->entry, used, tw->target))
		tw->mixed = true;
}

static const struct arm_smmu_entry_writer_ops ste_ops = {
	.get_used = arm_smmu_get_ste_used,
	.sync = record_sync,
};

static const struct arm_smmu_entry_writer_ops cd_ops = {
	.get_used = arm_smmu_get_cd_used,
	.sync = record_sync,
};

static void expect_transition(const struct arm_smmu_entry_writer_ops *ops, const uint64_t *cur,
			      const uint64_t *target, unsigned int syncs, bool hitless)
{
	uint64_t entry[ARM_SMMU_ENTRY_QWORDS];
	struct test_writer tw = {
		.writer = { .ops = ops },
		.init = cur,
		.target = target,
		.entry = entry,
	};

	memcpy(entry, cur, sizeof(entry));
	arm_smmu_write_entry(&tw.writer, entry, target);
	EXPECT_FALSE(tw.mixed);
	EXPECT_EQ(tw.invalid_written, !hitless);
	EXPECT_EQ(tw.num_syncs, syncs);
	EXPECT_EQ(memcmp(entry, target, sizeof(entry)), 0);
}

#define expect_hitless(ops, a, b, n)	expect_transition(ops, (a)->data, (b)->data, n, true)
#define expect_breaking(ops, a, b, n)	expect_transition(ops, (a)->data, (b)->data, n, false)

/* The fixture: an SMMU with stalls and attribute overrides, as Linux's test. */
static struct arm_smmu_device smmu = {
	.features = ARM_SMMU_FEAT_STALLS | ARM_SMMU_FEAT_ATTR_TYPES_OVR,
	.idr = { [5] = FIELD_PREP(SMMU_IDR5_OAS, SMMU_OAS_48) },
};

static void make_pri_cdtable_ste(struct arm_smmu_ste *ste, unsigned int s1dss, uint64_t cdtab,
				 bool ats, bool stall, bool prg_resp_needs_ssid)
{
	struct arm_smmu_master master = {
		.smmu = &smmu,
		.stall_enabled = stall,
		.prg_resp_needs_ssid = prg_resp_needs_ssid,
		.cd_table = { .cdtab_pa = cdtab, .s1cdmax = 8,
			      .s1fmt = STRTAB_STE_0_S1FMT_64K_L2 },
	};

	arm_smmu_make_cdtable_ste(ste, &master, ats, s1dss);
}

static void make_cdtable_ste(struct arm_smmu_ste *ste, unsigned int s1dss, uint64_t cdtab,
			     bool ats, bool stall)
{
	make_pri_cdtable_ste(ste, s1dss, cdtab, ats, stall, false);
}

static const struct arm_smmu_s1_cfg test_s1 = {
	.ttbr = 0x80042000, .tsz = 16, .tg = CD_TG0_4K, .ips = SMMU_OAS_48,
	.irgn = VMSA_RGN_WBWA, .orgn = VMSA_RGN_WBWA, .sh = VMSA_SH_INNER,
	.mair = VMSA_MAIR_LINUX,
};

static void make_s1_cd(struct arm_smmu_cd *cd, uint16_t asid)
{
	struct arm_smmu_master master = { .smmu = &smmu };

	arm_smmu_make_s1_cd(cd, &master, &test_s1, asid);
}

static void make_sva_cd(struct arm_smmu_cd *cd, uint16_t asid, bool released)
{
	struct arm_smmu_master master = { .smmu = &smmu };
	struct arm_smmu_s1_cfg mm = test_s1;

	mm.ttbr = 0xdaedbeefdeadb000ull & CD_1_TTB0;
	arm_smmu_make_sva_cd(cd, &master, released ? NULL : &mm, asid);
}

/* ---- Builders, bit-exact ------------------------------------------------ */

TEST(abort_and_bypass_ste_bits)
{
	struct arm_smmu_ste ste;
	unsigned int i;

	arm_smmu_make_abort_ste(&ste);
	EXPECT_EQ(ste.data[0], 0x1ull);		/* V, Config = abort */
	for (i = 1; i < 8; i++)
		EXPECT_EQ(ste.data[i], 0);

	arm_smmu_make_bypass_ste(&smmu, &ste);
	EXPECT_EQ(ste.data[0], 0x9ull);		/* V, Config = 0b100 */
	EXPECT_EQ(ste.data[1], 1ull << 44);	/* SHCFG = incoming */
	for (i = 2; i < 8; i++)
		EXPECT_EQ(ste.data[i], 0);
}

TEST(cdtable_ste_bits)
{
	struct arm_smmu_ste ste;

	make_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false);
	/* V | Config S1 | S1Fmt 64K leaves | S1ContextPtr | S1CDMax 8 */
	EXPECT_EQ(ste.data[0], 0x4000f0f0f0f0f0ebull);
	/* S1DSS SSID0 | CIR/COR WB | CSH ISH | S1STALLD | EATS trans */
	EXPECT_EQ(ste.data[1], 0x180000d6ull);
	EXPECT_EQ(ste.data[2], 0);

	/* A stall-capable master is not S1STALLD; no ATS: EATS = 0. */
	make_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_BYPASS, FAKE_CDTAB, false, true);
	EXPECT_EQ(ste.data[1], 0xd5ull | (1ull << 44));

	/* E2H: StreamWorld EL2. */
	smmu.features |= ARM_SMMU_FEAT_E2H;
	make_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, false, true);
	smmu.features &= ~ARM_SMMU_FEAT_E2H;
	EXPECT_EQ(FIELD_GET(STRTAB_STE_1_STRW, ste.data[1]), STRTAB_STE_1_STRW_EL2);
}

/*
 * §5.2 PPAR, §8.1 note: PPAR follows the function's "PRG Response PASID
 * Required"; it is RES0 without PRI or without substreams.
 */
TEST(cdtable_ste_ppar_follows_prg_response_pasid_required)
{
	struct arm_smmu_ste ste;

	smmu.features |= ARM_SMMU_FEAT_PRI;
	smmu.ssid_bits = 20;
	make_pri_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false, true);
	EXPECT_EQ(ste.data[1], 0x180000d6ull | STRTAB_STE_1_PPAR);
	make_pri_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false, false);
	EXPECT_EQ(ste.data[1], 0x180000d6ull);
	smmu.ssid_bits = 0;
	make_pri_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false, true);
	EXPECT_EQ(ste.data[1] & STRTAB_STE_1_PPAR, 0);
	smmu.ssid_bits = 20;
	smmu.features &= ~ARM_SMMU_FEAT_PRI;
	make_pri_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false, true);
	EXPECT_EQ(ste.data[1] & STRTAB_STE_1_PPAR, 0);
	smmu.ssid_bits = 0;
}

TEST(s1_cd_bits)
{
	struct arm_smmu_cd cd;
	struct arm_smmu_master master = { .smmu = &smmu, .stall_enabled = true };
	struct arm_smmu_s1_cfg hd = test_s1;

	make_s1_cd(&cd, 0x1997);
	/*
	 * T0SZ 16 | IR0/OR0 WBWA | SH0 ISH | EPD1 | V | IPS 48 | AA64 | R | A |
	 * ASET (private) | ASID
	 */
	EXPECT_EQ(cd.data[0], 0x1997e205c0003510ull);
	EXPECT_EQ(cd.data[1], 0x80042000ull);
	EXPECT_EQ(cd.data[2], 0);
	EXPECT_EQ(cd.data[3], VMSA_MAIR_LINUX);

	hd.hd = true;
	arm_smmu_make_s1_cd(&cd, &master, &hd, 1);
	EXPECT_TRUE(cd.data[0] & CD_0_S);
	EXPECT_TRUE(cd.data[0] & CD_0_HA);
	EXPECT_TRUE(cd.data[0] & CD_0_HD);
}

TEST(sva_cd_bits)
{
	struct arm_smmu_cd cd;

	smmu.features |= ARM_SMMU_FEAT_HA | ARM_SMMU_FEAT_HD;
	make_sva_cd(&cd, 0x77, false);
	/* Like a private CD but ASET = 0 (shared with the CPUs), with HA/HD. */
	EXPECT_EQ(cd.data[0], 0x00776e05c0003510ull);
	EXPECT_EQ(cd.data[1], 0xdaedbeefdeadb000ull & CD_1_TTB0);
	EXPECT_EQ(cd.data[3], VMSA_MAIR_LINUX);

	/* Released: EPD0, no walk parameters, no TTB0, no R (not stall forced). */
	make_sva_cd(&cd, 0x77, true);
	smmu.features &= ~(ARM_SMMU_FEAT_HA | ARM_SMMU_FEAT_HD);
	EXPECT_EQ(cd.data[0], 0x00774205c0004000ull);
	EXPECT_EQ(cd.data[1], 0);
	EXPECT_EQ(cd.data[3], VMSA_MAIR_LINUX);
}

TEST(used_bits)
{
	struct arm_smmu_ste ste;
	struct arm_smmu_cd cd;
	uint64_t used[8];

	arm_smmu_make_abort_ste(&ste);
	arm_smmu_get_ste_used(ste.data, used);
	EXPECT_EQ(used[0], STRTAB_STE_0_V | STRTAB_STE_0_CFG);
	EXPECT_EQ(used[1], 0);

	ste.data[0] = 0;	/* invalid: only V matters */
	arm_smmu_get_ste_used(ste.data, used);
	EXPECT_EQ(used[0], STRTAB_STE_0_V);

	make_sva_cd(&cd, 3, true);
	arm_smmu_get_cd_used(cd.data, used);
	EXPECT_EQ(used[0] & CD_0_T0SZ, 0);	/* ignored under EPD0 */
	EXPECT_EQ(used[1] & CD_1_TTB0, 0);
	EXPECT_TRUE(used[0] & CD_0_ASID);
}

/* ---- STE transitions ----------------------------------------------------- */

TEST(ste_bypass_to_abort)
{
	struct arm_smmu_ste bypass, abort;

	arm_smmu_make_bypass_ste(&smmu, &bypass);
	arm_smmu_make_abort_ste(&abort);
	/*
	 * Only qword 0 changes used bits (abort ignores qword 1): switch it
	 * (sync 1), then clear the now-unused SHCFG (sync 2).
	 */
	expect_hitless(&ste_ops, &bypass, &abort, 2);
	/* Back: set SHCFG while abort ignores it (1), then switch qword 0 (2). */
	expect_hitless(&ste_ops, &abort, &bypass, 2);
}

TEST(ste_cdtable_to_abort)
{
	struct arm_smmu_ste ste, abort;

	make_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false);
	arm_smmu_make_abort_ste(&abort);
	/* Switch qword 0 (1), clean qword 1 (2). */
	expect_hitless(&ste_ops, &ste, &abort, 2);
	/* Fill qword 1 unseen (1), switch qword 0 (2); nothing left to clean. */
	expect_hitless(&ste_ops, &abort, &ste, 2);
}

TEST(ste_pri_cdtable_to_abort)
{
	struct arm_smmu_ste ste, abort;

	smmu.features |= ARM_SMMU_FEAT_PRI;
	smmu.ssid_bits = 20;
	make_pri_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false, true);
	smmu.features &= ~ARM_SMMU_FEAT_PRI;
	smmu.ssid_bits = 0;
	ASSERT_TRUE(ste.data[1] & STRTAB_STE_1_PPAR);
	arm_smmu_make_abort_ste(&abort);
	/*
	 * PPAR is watched only where the driver sets it: leaving it for a
	 * moment in the abort STE is harmless, so this stays as hitless as
	 * without PRI: switch qword 0 (1), clean qword 1 (2), and back.
	 */
	expect_hitless(&ste_ops, &ste, &abort, 2);
	expect_hitless(&ste_ops, &abort, &ste, 2);
}

TEST(ste_cdtable_to_bypass)
{
	struct arm_smmu_ste ste, bypass;

	make_cdtable_ste(&ste, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false);
	arm_smmu_make_bypass_ste(&smmu, &bypass);
	/*
	 * SHCFG is unused by a S1DSS=SSID0 STE: set it first (1), switch qword
	 * 0 (2), then clear the stage-1 fields of qword 1 bypass ignores (3).
	 */
	expect_hitless(&ste_ops, &ste, &bypass, 3);
	/* Mirror image: stage-1 fields of qword 1 (1), qword 0 (2), SHCFG (3). */
	expect_hitless(&ste_ops, &bypass, &ste, 3);
}

TEST(ste_s1dss_change)
{
	struct arm_smmu_ste ssid0, s1dss_bypass;

	make_cdtable_ste(&ssid0, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false);
	make_cdtable_ste(&s1dss_bypass, STRTAB_STE_1_S1DSS_BYPASS, FAKE_CDTAB, true, false);
	/* Only qword 1 changes, S1DSS and SHCFG together in one store: 1 sync. */
	expect_hitless(&ste_ops, &ssid0, &s1dss_bypass, 1);
	expect_hitless(&ste_ops, &s1dss_bypass, &ssid0, 1);
}

TEST(ste_s1dss_bypass_to_ste_bypass)
{
	struct arm_smmu_ste s1dss_bypass, bypass;

	make_cdtable_ste(&s1dss_bypass, STRTAB_STE_1_S1DSS_BYPASS, FAKE_CDTAB, true, false);
	arm_smmu_make_bypass_ste(&smmu, &bypass);
	/* SHCFG is used and equal in both: switch qword 0 (1), clean qword 1 (2). */
	expect_hitless(&ste_ops, &s1dss_bypass, &bypass, 2);
	/* Fill qword 1's stage-1 fields (1), switch qword 0 (2). */
	expect_hitless(&ste_ops, &bypass, &s1dss_bypass, 2);
}

TEST(ste_non_hitless)
{
	struct arm_smmu_ste a, b;

	/*
	 * New CD table pointer (qword 0) and new S1DSS (qword 1) at once: two
	 * used qwords change, so V = 0 (1), qword 1 (2), qword 0 (3).
	 */
	make_cdtable_ste(&a, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false);
	make_cdtable_ste(&b, STRTAB_STE_1_S1DSS_BYPASS, 0x4b4b4b4b4b40ull, true, false);
	expect_breaking(&ste_ops, &a, &b, 3);
}

TEST(ste_same_costs_nothing)
{
	struct arm_smmu_ste a;

	make_cdtable_ste(&a, STRTAB_STE_1_S1DSS_SSID0, FAKE_CDTAB, true, false);
	expect_hitless(&ste_ops, &a, &a, 0);
}

/* ---- CD transitions --------------------------------------------------------- */

TEST(cd_s1_clear)
{
	struct arm_smmu_cd empty = { { 0 } }, cd;

	make_s1_cd(&cd, 1997);
	/*
	 * From invalid only qword 0 is used: qwords 1-3 go in first (1), then
	 * qword 0 with V (2). The intermediate state is the invalid entry.
	 */
	expect_breaking(&cd_ops, &empty, &cd, 2);
	/* Clearing: V = 0 with qword 0 (1), then the rest (2). */
	expect_breaking(&cd_ops, &cd, &empty, 2);
}

TEST(cd_s1_change_asid)
{
	struct arm_smmu_cd a, b;

	make_s1_cd(&a, 778);
	make_s1_cd(&b, 1997);
	/* The ASID lives in qword 0 only: one store, one sync. */
	expect_hitless(&cd_ops, &a, &b, 1);
	expect_hitless(&cd_ops, &b, &a, 1);
}

TEST(cd_sva_clear)
{
	struct arm_smmu_cd empty = { { 0 } }, cd;

	make_sva_cd(&cd, 1997, false);
	expect_breaking(&cd_ops, &empty, &cd, 2);
	expect_breaking(&cd_ops, &cd, &empty, 2);
}

TEST(cd_sva_release)
{
	struct arm_smmu_cd live, released;

	make_sva_cd(&live, 1997, false);
	make_sva_cd(&released, 1997, true);
	/*
	 * EPD0 makes TTB0 ignored: qword 0 switches to EPD0 (1), then the
	 * stale TTB0 is cleared (2). Back: TTB0 is written while ignored (1),
	 * then qword 0 turns the walk on (2). Never invalid.
	 */
	expect_hitless(&cd_ops, &live, &released, 2);
	expect_hitless(&cd_ops, &released, &live, 2);
}
