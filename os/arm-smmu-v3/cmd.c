// SPDX-License-Identifier: GPL-2.0
/*
 * The one command builder: struct arm_smmu_cmdq_ent (what the driver means)
 * to the 16-byte queue entry (SMMUv3 chapter 4). Every field goes through
 * FIELD_PREP with the masks of arch/smmuv3.h; an opcode this builder does
 * not know is refused rather than sent as garbage the SMMU would reject
 * with CERROR_ILL.
 */
#include <errno.h>
#include <string.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"

/* Range/TTL fields shared by the TLBI-by-address commands (§4.4.1). */
static void build_tlbi_va(uint64_t *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	cmd[0] |= FIELD_PREP(CMD_0_TLBI_NUM, ent->tlbi.num) |
		  FIELD_PREP(CMD_0_TLBI_SCALE, ent->tlbi.scale);
	cmd[1] |= FIELD_PREP(CMD_1_LEAF, ent->tlbi.leaf) |
		  FIELD_PREP(CMD_1_TTL, ent->tlbi.ttl) |
		  FIELD_PREP(CMD_1_TG, ent->tlbi.tg) |
		  (ent->tlbi.addr & CMD_1_VA);
}

static int build_sync(uint64_t *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	if (ent->sync.msiaddr) {
		/*
		 * §4.7.3: SIG_IRQ with a non-zero MSIAddress completes with a
		 * 32-bit MSIData write there; ISH + Normal WB so the CPU
		 * polling the word observes it coherently.
		 */
		cmd[0] |= FIELD_PREP(CMD_0_SYNC_CS, CMD_SYNC_CS_IRQ) |
			  FIELD_PREP(CMD_0_SYNC_MSH, SMMU_SH_ISH) |
			  FIELD_PREP(CMD_0_SYNC_MSIATTR, 0xf) |
			  FIELD_PREP(CMD_0_SYNC_MSIDATA, ent->sync.msidata);
		cmd[1] |= ent->sync.msiaddr & CMD_1_SYNC_MSIADDR;
		return 0;
	}
	cmd[0] |= FIELD_PREP(CMD_0_SYNC_CS, ent->sync.sev ? CMD_SYNC_CS_SEV : CMD_SYNC_CS_NONE);
	return 0;
}

static int build_resume(uint64_t *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	cmd[0] |= FIELD_PREP(CMD_0_SID, ent->resume.sid);
	switch (ent->resume.resp) {
	case ARM_SMMU_RESUME_TERM:
		break;
	case ARM_SMMU_RESUME_RETRY:
		cmd[0] |= CMD_0_RESUME_AC;
		break;
	case ARM_SMMU_RESUME_ABORT:
		cmd[0] |= CMD_0_RESUME_AB;
		break;
	default:
		return -EINVAL;
	}
	cmd[1] |= FIELD_PREP(CMD_1_RESUME_STAG, ent->resume.stag);
	return 0;
}

static int build_cfgi(uint64_t *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	switch (ent->opcode) {
	case CMD_OP_CFGI_CD:
		cmd[0] |= FIELD_PREP(CMD_0_SSID, ent->cfgi.ssid);
		/* CFGI_CD also names the stream and has Leaf */
		__attribute__((fallthrough));
	case CMD_OP_CFGI_STE:
		cmd[0] |= FIELD_PREP(CMD_0_SID, ent->cfgi.sid);
		cmd[1] |= FIELD_PREP(CMD_1_LEAF, ent->cfgi.leaf);
		return 0;
	case CMD_OP_CFGI_CD_ALL:
		cmd[0] |= FIELD_PREP(CMD_0_SID, ent->cfgi.sid);
		return 0;
	case CMD_OP_CFGI_STE_RANGE:
		/* CFGI_ALL is Range == 31; the SID is then ignored (§4.3.3). */
		if (ent->cfgi.span > CMD_CFGI_RANGE_ALL)
			return -EINVAL;
		if (ent->cfgi.span != CMD_CFGI_RANGE_ALL)
			cmd[0] |= FIELD_PREP(CMD_0_SID, ent->cfgi.sid);
		cmd[1] |= FIELD_PREP(CMD_1_RANGE, ent->cfgi.span);
		return 0;
	}
	return -EINVAL;
}

static int build_tlbi(uint64_t *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	switch (ent->opcode) {
	case CMD_OP_TLBI_NH_VA:
		cmd[0] |= FIELD_PREP(CMD_0_VMID, ent->tlbi.vmid);
		__attribute__((fallthrough));
	case CMD_OP_TLBI_EL2_VA:
		cmd[0] |= FIELD_PREP(CMD_0_ASID, ent->tlbi.asid);
		build_tlbi_va(cmd, ent);
		return 0;
	case CMD_OP_TLBI_NH_VAA:
		cmd[0] |= FIELD_PREP(CMD_0_VMID, ent->tlbi.vmid);
		__attribute__((fallthrough));
	case CMD_OP_TLBI_EL2_VAA:
		build_tlbi_va(cmd, ent);
		return 0;
	case CMD_OP_TLBI_NH_ASID:
		cmd[0] |= FIELD_PREP(CMD_0_ASID, ent->tlbi.asid);
		__attribute__((fallthrough));
	case CMD_OP_TLBI_NH_ALL:
	case CMD_OP_TLBI_S12_VMALL:
		cmd[0] |= FIELD_PREP(CMD_0_VMID, ent->tlbi.vmid);
		return 0;
	case CMD_OP_TLBI_EL2_ASID:
		cmd[0] |= FIELD_PREP(CMD_0_ASID, ent->tlbi.asid);
		return 0;
	case CMD_OP_TLBI_EL2_ALL:
	case CMD_OP_TLBI_NSNH_ALL:
		return 0;
	}
	return -EINVAL;
}

static int build_atc_inv(uint64_t *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	if (ent->atc.size > CMD_ATC_SIZE_ALL)
		return -EINVAL;
	cmd[0] |= FIELD_PREP(CMD_0_SSV, ent->substream_valid) |
		  FIELD_PREP(CMD_0_SSID, ent->atc.ssid) |
		  FIELD_PREP(CMD_0_SID, ent->atc.sid) |
		  FIELD_PREP(CMD_0_ATC_GLOBAL, ent->atc.global);
	cmd[1] |= FIELD_PREP(CMD_1_ATC_SIZE, ent->atc.size) | (ent->atc.addr & CMD_1_ATC_ADDR);
	return 0;
}

static int build_pri_resp(uint64_t *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	switch (ent->pri.resp) {
	case CMD_PRI_RESP_FAILURE:
	case CMD_PRI_RESP_INVALID:
	case CMD_PRI_RESP_SUCCESS:
		break;
	default:
		return -EINVAL;	/* 0b11 is reserved: the SMMU would say CERROR_ILL */
	}
	cmd[0] |= FIELD_PREP(CMD_0_SSV, ent->substream_valid) |
		  FIELD_PREP(CMD_0_SSID, ent->pri.ssid) |
		  FIELD_PREP(CMD_0_SID, ent->pri.sid);
	cmd[1] |= FIELD_PREP(CMD_1_PRI_GRPID, ent->pri.grpid) |
		  FIELD_PREP(CMD_1_PRI_RESP, ent->pri.resp);
	return 0;
}

int arm_smmu_cmdq_build_cmd(uint64_t cmd[CMD_DWORDS], const struct arm_smmu_cmdq_ent *ent)
{
	int ret;

	memset(cmd, 0, CMD_DWORDS * sizeof(*cmd));
	cmd[0] = FIELD_PREP(CMD_0_OP, ent->opcode);

	switch (ent->opcode) {
	case CMD_OP_PREFETCH_CONFIG:
		cmd[0] |= FIELD_PREP(CMD_0_SID, ent->prefetch.sid);
		return 0;
	case CMD_OP_CFGI_STE:
	case CMD_OP_CFGI_STE_RANGE:
	case CMD_OP_CFGI_CD:
	case CMD_OP_CFGI_CD_ALL:
		ret = build_cfgi(cmd, ent);
		break;
	case CMD_OP_TLBI_NH_ALL:
	case CMD_OP_TLBI_NH_ASID:
	case CMD_OP_TLBI_NH_VA:
	case CMD_OP_TLBI_NH_VAA:
	case CMD_OP_TLBI_EL2_ALL:
	case CMD_OP_TLBI_EL2_ASID:
	case CMD_OP_TLBI_EL2_VA:
	case CMD_OP_TLBI_EL2_VAA:
	case CMD_OP_TLBI_S12_VMALL:
	case CMD_OP_TLBI_NSNH_ALL:
		ret = build_tlbi(cmd, ent);
		break;
	case CMD_OP_ATC_INV:
		ret = build_atc_inv(cmd, ent);
		break;
	case CMD_OP_PRI_RESP:
		ret = build_pri_resp(cmd, ent);
		break;
	case CMD_OP_RESUME:
		ret = build_resume(cmd, ent);
		break;
	case CMD_OP_STALL_TERM:
		cmd[0] |= FIELD_PREP(CMD_0_SID, ent->resume.sid);
		return 0;
	case CMD_OP_SYNC:
		ret = build_sync(cmd, ent);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret)
		memset(cmd, 0, CMD_DWORDS * sizeof(*cmd));
	return ret;
}
