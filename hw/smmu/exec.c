// SPDX-License-Identifier: GPL-2.0
/*
 * The effects of commands (chapter 4), on the command consumer thread in
 * queue order, and the CMD_SYNC guarantee.
 *
 * CFGI_* drop decoded STEs/CDs (over-invalidation is always allowed: a
 * CFGI_STE also drops the CDs of that StreamID, so a changed S1ContextPtr
 * can never meet a stale CD). TLBI_* drop TLB entries; Leaf and the TTL
 * hint change nothing since only leaves are cached. CMD_ATC_INV and
 * CMD_PRI_RESP become messages to the endpoint (none while SMMUEN == 0,
 * when both are IGNORED). CMD_SYNC waits for a grace
 * period: every translation that began before it, and the data accesses
 * made with its result, have ended, and the ATC invalidations started
 * before it have completed.
 */
#include "hw/smmu/cmd.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/xlate.h"

static void exec_cfgi(struct smmu *smmu, const struct smmu_cmd *cmd)
{
	struct smmu_cfgcache *c = smmu->xlate->cfg;
	const struct smmu_cmd_cfgi *ci = &cmd->cfgi;

	switch (cmd->opcode) {
	case CMD_OP_CFGI_STE:
		smmu_cfgcache_inv_sids(c, ci->sid, 0);
		break;
	case CMD_OP_CFGI_STE_RANGE:	/* and CFGI_ALL, Range == 31 */
		if (ci->range >= CMD_CFGI_RANGE_ALL)
			smmu_cfgcache_inv_all(c);
		else
			smmu_cfgcache_inv_sids(c, ci->sid, ci->range + 1u);
		break;
	case CMD_OP_CFGI_CD:
		smmu_cfgcache_inv_cd(c, ci->sid, ci->ssid);
		break;
	case CMD_OP_CFGI_CD_ALL:
		smmu_cfgcache_inv_cds(c, ci->sid);
		break;
	}
}

/* The scope of each TLBI command (§4.4) as a TLB match. */
static void exec_tlbi(struct smmu *smmu, const struct smmu_cmd *cmd)
{
	const struct smmu_cmd_tlbi *t = &cmd->tlbi;
	struct smmu_tlb_inv inv = { .vmid = t->vmid, .asid = t->asid };
	const unsigned int el1 = SMMU_TLBI_REGIME | SMMU_TLBI_VMID;
	bool by_va = false;

	switch (cmd->opcode) {
	case CMD_OP_TLBI_NH_ALL:
	case CMD_OP_TLBI_S12_VMALL:
		inv.match = el1;
		break;
	case CMD_OP_TLBI_NH_ASID:
		inv.match = el1 | SMMU_TLBI_ASID | SMMU_TLBI_KEEP_GLOBAL;
		break;
	case CMD_OP_TLBI_NH_VA:
		inv.match = el1 | SMMU_TLBI_ASID;
		by_va = true;
		break;
	case CMD_OP_TLBI_NH_VAA:
		inv.match = el1;
		by_va = true;
		break;
	case CMD_OP_TLBI_EL2_ALL:
		inv.match = SMMU_TLBI_REGIME;
		break;
	case CMD_OP_TLBI_EL2_ASID:
		inv.match = SMMU_TLBI_REGIME | SMMU_TLBI_ASID | SMMU_TLBI_KEEP_GLOBAL;
		break;
	case CMD_OP_TLBI_EL2_VA:
		inv.match = SMMU_TLBI_REGIME | SMMU_TLBI_ASID;
		by_va = true;
		break;
	case CMD_OP_TLBI_EL2_VAA:
		inv.match = SMMU_TLBI_REGIME;
		by_va = true;
		break;
	case CMD_OP_TLBI_NSNH_ALL:
		inv.match = SMMU_TLBI_REGIME;
		break;
	default:
		return;	/* S2_IPA: no stage-2 entries exist */
	}
	inv.regime = cmd->opcode >= CMD_OP_TLBI_EL2_ALL && cmd->opcode <= CMD_OP_TLBI_EL2_VAA ?
		     SMMU_TLB_EL2 : SMMU_TLB_EL1;
	if (by_va) {
		inv.match |= SMMU_TLBI_VA;
		smmu_tlb_range(&inv, t->addr, t->tg, t->num, t->scale);
	}
	smmu_tlb_invalidate(smmu->xlate->tlb, &inv);
}

static void exec_atc_inv(struct smmu *smmu, const struct smmu_cmd_atc_inv *a)
{
	struct smmu_atc_inv inv = {
		.sid = a->sid,
		.ssv = a->ssv,
		.ssid = a->ssv ? a->ssid : 0,
		.global = a->ssv && a->global,	/* ignored without a PASID */
		.size = a->size,
	};

	/* The span is 4K << Size, aligned: low address bits are ignored. */
	inv.addr = a->size >= CMD_ATC_SIZE_ALL ? 0 :
		   a->addr & ~((1ULL << (12 + a->size)) - 1);
	smmu_atc_inv_exec(smmu, &inv);
}

static void exec_resume(struct smmu *smmu, const struct smmu_cmd_resume *r)
{
	enum smmu_stall_state action = SMMU_STALL_RETRY;

	if (!r->retry)
		action = r->abort ? SMMU_STALL_ABORT : SMMU_STALL_RAZWI;
	if (!smmu_stall_resume(&smmu->xlate->stall, r->sid, r->stag, action))
		smmu_evtq_wake(smmu);	/* it may not be recorded yet */
}

void smmu_cmd_execute(struct smmu *smmu, const struct smmu_cmd *cmd)
{
	switch (cmd->opcode) {
	case CMD_OP_CFGI_STE:
	case CMD_OP_CFGI_STE_RANGE:
	case CMD_OP_CFGI_CD:
	case CMD_OP_CFGI_CD_ALL:
		exec_cfgi(smmu, cmd);
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
	case CMD_OP_TLBI_S2_IPA:
	case CMD_OP_TLBI_NSNH_ALL:
		exec_tlbi(smmu, cmd);
		break;
	/* §4.5.1, §4.5.2: both are IGNORED while SMMUEN == 0. */
	case CMD_OP_ATC_INV:
		if (smmu_enabled(smmu))
			exec_atc_inv(smmu, &cmd->atc);
		break;
	case CMD_OP_PRI_RESP:
		if (smmu_enabled(smmu))
			smmu_pri_resp_exec(smmu, cmd->pri.sid, cmd->pri.ssv, cmd->pri.ssid,
					   cmd->pri.grpid, cmd->pri.resp);
		break;
	case CMD_OP_RESUME:
		exec_resume(smmu, &cmd->resume);
		break;
	case CMD_OP_STALL_TERM:
		/* Stalls still waiting to be recorded are terminated too. */
		if (smmu_stall_term(&smmu->xlate->stall, cmd->resume.sid))
			smmu_evtq_wake(smmu);
		break;
	default:
		/* PREFETCH_*: a hint; CFGI_VMS_PIDM: no VMS. Nothing to do. */
		break;
	}
}

static int smmu_sync_result(struct smmu *smmu)
{
	if (__atomic_exchange_n(&smmu->xlate->atc_inv_failed, 0, __ATOMIC_SEQ_CST))
		return SMMU_CERROR_ATC_INV_SYNC;
	return 0;
}

int smmu_sync_wait(struct smmu *smmu)
{
	smmu_atc_waits_done(smmu, true);
	grace_synchronize(&smmu->xlate->grace);
	return smmu_sync_result(smmu);
}

bool smmu_sync_try(struct smmu *smmu, int *err)
{
	struct grace *g = &smmu->xlate->grace;

	if (!smmu_atc_waits_done(smmu, false) || !grace_poll(g, grace_start(g)))
		return false;
	*err = smmu_sync_result(smmu);
	return true;
}
