// SPDX-License-Identifier: GPL-2.0
/*
 * ID register decoding (arm_smmu_device_hw_probe) from hand-built IDR
 * values: each feature bit and size lands where it should, and SMMUs the
 * driver cannot drive are refused.
 */
#include <errno.h>
#include <string.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "tests/harness.h"
#include "tests/unit/log_capture.h"

/* A minimal usable SMMU: stage 1, AArch64 tables, 4K granule, 48-bit OAS. */
static void base_idr(uint32_t idr[6])
{
	memset(idr, 0, 6 * sizeof(*idr));
	idr[0] = SMMU_IDR0_S1P | FIELD_PREP(SMMU_IDR0_TTF, SMMU_IDR0_TTF_AARCH64) |
		 FIELD_PREP(SMMU_IDR0_STALL_MODEL, SMMU_IDR0_STALL_MODEL_TERM);
	idr[1] = FIELD_PREP(SMMU_IDR1_SIDSIZE, 8) | FIELD_PREP(SMMU_IDR1_CMDQS, 8) |
		 FIELD_PREP(SMMU_IDR1_EVENTQS, 7);
	idr[5] = SMMU_IDR5_GRAN4K | FIELD_PREP(SMMU_IDR5_OAS, SMMU_OAS_48);
}

TEST(minimal_smmu)
{
	struct arm_smmu_device smmu = { 0 };
	uint32_t idr[6];

	base_idr(idr);
	ASSERT_EQ(arm_smmu_device_hw_probe(&smmu, idr, false), 0);
	EXPECT_EQ(smmu.features, ARM_SMMU_FEAT_TRANS_S1 | ARM_SMMU_FEAT_TT_LE);
	EXPECT_EQ(smmu.asid_bits, 8);
	EXPECT_EQ(smmu.vmid_bits, 8);
	EXPECT_EQ(smmu.sid_bits, 8);
	EXPECT_EQ(smmu.ssid_bits, 0);
	EXPECT_EQ(smmu.cmdq.q.log2, 8);
	EXPECT_EQ(smmu.evtq.log2, 7);
	EXPECT_EQ(smmu.oas, 48);
	EXPECT_EQ(smmu.ias, 48);
	EXPECT_EQ(smmu.pgsize_bitmap, (1ull << 12) | (1ull << 21) | (1ull << 30));
}

TEST(every_feature)
{
	struct arm_smmu_device smmu = { 0 };
	uint32_t idr[6];

	base_idr(idr);
	idr[0] |= FIELD_PREP(SMMU_IDR0_ST_LEVEL, SMMU_IDR0_ST_LEVEL_2LVL) | SMMU_IDR0_CD2L |
		  SMMU_IDR0_PRI | SMMU_IDR0_ATS | SMMU_IDR0_SEV | SMMU_IDR0_MSI |
		  SMMU_IDR0_COHACC | SMMU_IDR0_HYP | SMMU_IDR0_BTM | SMMU_IDR0_S2P |
		  SMMU_IDR0_ASID16 | SMMU_IDR0_VMID16 |
		  FIELD_PREP(SMMU_IDR0_HTTU, SMMU_IDR0_HTTU_AF_DIRTY);
	idr[0] &= ~SMMU_IDR0_STALL_MODEL;
	idr[0] |= FIELD_PREP(SMMU_IDR0_STALL_MODEL, SMMU_IDR0_STALL_MODEL_FORCE);
	idr[1] = FIELD_PREP(SMMU_IDR1_SIDSIZE, 32) | FIELD_PREP(SMMU_IDR1_SSIDSIZE, 20) |
		 FIELD_PREP(SMMU_IDR1_CMDQS, 19) | FIELD_PREP(SMMU_IDR1_EVENTQS, 19) |
		 FIELD_PREP(SMMU_IDR1_PRIQS, 19) | SMMU_IDR1_ATTR_TYPES_OVR;
	idr[3] = SMMU_IDR3_RIL;
	idr[5] = SMMU_IDR5_GRAN4K | SMMU_IDR5_GRAN16K | SMMU_IDR5_GRAN64K |
		 FIELD_PREP(SMMU_IDR5_VAX, SMMU_IDR5_VAX_52) |
		 FIELD_PREP(SMMU_IDR5_OAS, SMMU_OAS_52) | FIELD_PREP(SMMU_IDR5_STALL_MAX, 128);
	ASSERT_EQ(arm_smmu_device_hw_probe(&smmu, idr, true), 0);
	EXPECT_EQ(smmu.features,
		  ARM_SMMU_FEAT_2_LVL_STRTAB | ARM_SMMU_FEAT_2_LVL_CDTAB | ARM_SMMU_FEAT_TT_LE |
		  ARM_SMMU_FEAT_PRI | ARM_SMMU_FEAT_ATS | ARM_SMMU_FEAT_SEV | ARM_SMMU_FEAT_MSI |
		  ARM_SMMU_FEAT_COHERENCY | ARM_SMMU_FEAT_TRANS_S1 | ARM_SMMU_FEAT_TRANS_S2 |
		  ARM_SMMU_FEAT_STALLS | ARM_SMMU_FEAT_STALL_FORCE | ARM_SMMU_FEAT_HYP |
		  ARM_SMMU_FEAT_E2H | ARM_SMMU_FEAT_BTM | ARM_SMMU_FEAT_HA | ARM_SMMU_FEAT_HD |
		  ARM_SMMU_FEAT_VAX | ARM_SMMU_FEAT_RANGE_INV | ARM_SMMU_FEAT_ASID16 |
		  ARM_SMMU_FEAT_VMID16 | ARM_SMMU_FEAT_ATTR_TYPES_OVR | ARM_SMMU_FEAT_SVA);
	EXPECT_EQ(smmu.asid_bits, 16);
	EXPECT_EQ(smmu.sid_bits, 32);
	EXPECT_EQ(smmu.ssid_bits, 20);
	EXPECT_EQ(smmu.stall_max, 128);
	EXPECT_EQ(smmu.oas, 52);
	EXPECT_EQ(smmu.ias, 52);
	/* The driver caps its queues whatever the SMMU offers. */
	EXPECT_LE(smmu.cmdq.q.log2, 12);
	EXPECT_LE(smmu.evtq.log2, 11);
	EXPECT_LE(smmu.priq.log2, 11);
	EXPECT_EQ(smmu.pgsize_bitmap, (1ull << 12) | (1ull << 14) | (1ull << 16) | (1ull << 21) |
				      (1ull << 25) | (1ull << 29) | (1ull << 30));
}

TEST(httu_af_only_and_stall_models)
{
	struct arm_smmu_device smmu = { 0 };
	uint32_t idr[6];

	base_idr(idr);
	idr[0] |= FIELD_PREP(SMMU_IDR0_HTTU, SMMU_IDR0_HTTU_AF);
	idr[0] &= ~SMMU_IDR0_STALL_MODEL;	/* 0: stall and terminate */
	ASSERT_EQ(arm_smmu_device_hw_probe(&smmu, idr, false), 0);
	EXPECT_TRUE(smmu.features & ARM_SMMU_FEAT_HA);
	EXPECT_FALSE(smmu.features & ARM_SMMU_FEAT_HD);
	EXPECT_TRUE(smmu.features & ARM_SMMU_FEAT_STALLS);
	EXPECT_FALSE(smmu.features & ARM_SMMU_FEAT_STALL_FORCE);
}

TEST(vhe_host_without_hyp)
{
	struct arm_smmu_device smmu = { 0 };
	uint32_t idr[6];

	base_idr(idr);
	idr[0] |= SMMU_IDR0_BTM;
	/* The CPUs broadcast EL2 TLBIs this SMMU would not match: no BTM, no E2H. */
	ASSERT_EQ(arm_smmu_device_hw_probe(&smmu, idr, true), 0);
	EXPECT_FALSE(smmu.features & (ARM_SMMU_FEAT_BTM | ARM_SMMU_FEAT_E2H));
	ASSERT_EQ(arm_smmu_device_hw_probe(&smmu, idr, false), 0);
	EXPECT_TRUE(smmu.features & ARM_SMMU_FEAT_BTM);
}

TEST(small_sid_space_is_linear)
{
	struct arm_smmu_device smmu = { 0 };
	uint32_t idr[6];

	base_idr(idr);
	idr[0] |= FIELD_PREP(SMMU_IDR0_ST_LEVEL, SMMU_IDR0_ST_LEVEL_2LVL);
	ASSERT_EQ(arm_smmu_device_hw_probe(&smmu, idr, false), 0);	/* 8 SID bits */
	EXPECT_FALSE(smmu.features & ARM_SMMU_FEAT_2_LVL_STRTAB);
	idr[1] = FIELD_SET(SMMU_IDR1_SIDSIZE, idr[1], 9);
	ASSERT_EQ(arm_smmu_device_hw_probe(&smmu, idr, false), 0);
	EXPECT_TRUE(smmu.features & ARM_SMMU_FEAT_2_LVL_STRTAB);
}

/* Each refusal says why, as an error of the driver. */
static void expect_refused(const uint32_t *idr, const char *why)
{
	struct arm_smmu_device smmu = { .name = ARM_SMMU_DRV_NAME };
	struct log_capture cap;

	log_capture_start(&cap);
	EXPECT_EQ(arm_smmu_device_hw_probe(&smmu, idr, false), -ENODEV);
	log_capture_stop(&cap);
	EXPECT_EQ(cap.n, 1);
	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_ERR, why), 1);
	EXPECT_STREQ(cap.msg[0].origin, ARM_SMMU_DRV_NAME);
}

TEST(refused)
{
	uint32_t idr[6];

	base_idr(idr);
	idr[0] &= ~SMMU_IDR0_S1P;
	idr[0] |= SMMU_IDR0_S2P;
	expect_refused(idr, "no stage-1 translation");

	base_idr(idr);
	idr[0] = FIELD_SET(SMMU_IDR0_TTF, idr[0], SMMU_IDR0_TTF_AARCH32);
	expect_refused(idr, "AArch64 tables not supported");

	base_idr(idr);
	idr[0] |= FIELD_PREP(SMMU_IDR0_TTENDIAN, SMMU_IDR0_TTENDIAN_BE);
	expect_refused(idr, "big-endian-only table walks");

	base_idr(idr);
	idr[1] |= SMMU_IDR1_QUEUES_PRESET;
	expect_refused(idr, "embedded tables or queues are not supported");

	base_idr(idr);
	idr[5] &= ~SMMU_IDR5_GRAN4K;
	expect_refused(idr, "no usable granule");
}
