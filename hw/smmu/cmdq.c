// SPDX-License-Identifier: GPL-2.0
/*
 * The command queue consumer (§4, §7.1): reads 16-byte commands between
 * CMDQ_CONS and CMDQ_PROD, decodes each with the one parser below, has
 * BACK perform it (smmu_cmd_execute) and moves CMDQ_CONS past it. CMD_SYNC
 * waits for the completion of everything before it (smmu_sync_wait), then
 * signals: MSI write, CONS, interrupt.
 *
 * Who consumes: the thread whose CMDQ_PROD write made commands available
 * performs, inside the write, every command that completes without
 * waiting: a CMD_SYNC only if no translation, no device access through
 * an invalidated ATC entry and no ATC invalidation is still in flight
 * (smmu_sync_try). The first command that would wait stays at CONS and the
 * SMMU's own thread, woken, takes over from there and may wait. One
 * consumer at a time (the consume lock), so commands still take effect one
 * by one, in queue order, and a driver sees only what the architecture
 * allows: CONS moving forward, CMD_SYNC completing after everything before
 * it. With smmu_config.cmdq_threaded the thread does everything.
 *
 * An illegal command or a fetch abort stops consumption with CONS on the
 * bad command, CONS.ERR set and then GERROR.CMDQ_ERR toggled; commands are
 * re-fetched from CONS once software acknowledges through GERRORN.
 */
#include <errno.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "hw/smmu/cmd.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"
#include "hw/smmu/xlate.h"

/* ---- The parser ---------------------------------------------------------- */

/* Bits a command may set in dw0 / dw1; any other bit is RES0 (§4.1.5). */
struct smmu_cmd_layout {
	uint64_t dw0;			/* fields that may be non-zero; 0: not a command here */
	uint64_t dw1;
};

#define CMD_SID_SSID	(CMD_0_SID | CMD_0_SSV | CMD_0_SSID)
#define CMD_TLBI_RANGE0	(CMD_0_TLBI_NUM | CMD_0_TLBI_SCALE)
#define CMD_TLBI_RANGE1	(CMD_1_LEAF | CMD_1_TTL128 | CMD_1_TTL | CMD_1_TG)

/*
 * Opcodes of the Non-secure queue. SSec is never listed: it must be 0 here
 * (§4.1.6). The Secure-only and Realm commands are absent: CERROR_ILL.
 * PREFETCH_ADDR's dw1[11:0] (Size, Stride, NS) are accepted as they come.
 */
static const struct smmu_cmd_layout smmu_cmd_layouts[CMD_OP_NR] = {
	[CMD_OP_PREFETCH_CONFIG] = { CMD_0_OP | CMD_SID_SSID, 0 },
	[CMD_OP_PREFETCH_ADDR] = { CMD_0_OP | CMD_SID_SSID, ~0ull },
	[CMD_OP_CFGI_STE] = { CMD_0_OP | CMD_0_SID, CMD_1_LEAF },
	[CMD_OP_CFGI_STE_RANGE] = { CMD_0_OP | CMD_0_SID, CMD_1_RANGE },
	[CMD_OP_CFGI_CD] = { CMD_0_OP | CMD_0_SID | CMD_0_SSID, CMD_1_LEAF },
	[CMD_OP_CFGI_CD_ALL] = { CMD_0_OP | CMD_0_SID, 0 },
	[CMD_OP_CFGI_VMS_PIDM] = { CMD_0_OP | CMD_0_VMID, 0 },
	[CMD_OP_TLBI_NH_ALL] = { CMD_0_OP | CMD_0_VMID, 0 },
	[CMD_OP_TLBI_NH_ASID] = { CMD_0_OP | CMD_0_VMID | CMD_0_ASID, 0 },
	[CMD_OP_TLBI_NH_VA] = { CMD_0_OP | CMD_TLBI_RANGE0 | CMD_0_VMID | CMD_0_ASID, CMD_TLBI_RANGE1 | CMD_1_VA },
	[CMD_OP_TLBI_NH_VAA] = { CMD_0_OP | CMD_TLBI_RANGE0 | CMD_0_VMID, CMD_TLBI_RANGE1 | CMD_1_VA },
	[CMD_OP_TLBI_EL2_ALL] = { CMD_0_OP, 0 },
	[CMD_OP_TLBI_EL2_ASID] = { CMD_0_OP | CMD_0_ASID, 0 },
	[CMD_OP_TLBI_EL2_VA] = { CMD_0_OP | CMD_TLBI_RANGE0 | CMD_0_ASID, CMD_TLBI_RANGE1 | CMD_1_VA },
	[CMD_OP_TLBI_EL2_VAA] = { CMD_0_OP | CMD_TLBI_RANGE0, CMD_TLBI_RANGE1 | CMD_1_VA },
	[CMD_OP_TLBI_S12_VMALL] = { CMD_0_OP | CMD_0_VMID, 0 },
	[CMD_OP_TLBI_S2_IPA] = { CMD_0_OP | CMD_TLBI_RANGE0 | CMD_0_VMID, CMD_TLBI_RANGE1 | CMD_1_IPA },
	[CMD_OP_TLBI_NSNH_ALL] = { CMD_0_OP, 0 },
	[CMD_OP_ATC_INV] = { CMD_0_OP | CMD_0_ATC_GLOBAL | CMD_SID_SSID, CMD_1_ATC_SIZE | CMD_1_ATC_ADDR },
	[CMD_OP_PRI_RESP] = { CMD_0_OP | CMD_SID_SSID, CMD_1_PRI_GRPID | CMD_1_PRI_RESP },
	[CMD_OP_RESUME] = { CMD_0_OP | CMD_0_RESUME_AC | CMD_0_RESUME_AB | CMD_0_SID, CMD_1_RESUME_STAG },
	[CMD_OP_STALL_TERM] = { CMD_0_OP | CMD_0_SID, 0 },
	[CMD_OP_SYNC] = { CMD_0_OP | CMD_0_SYNC_CS | CMD_0_SYNC_MSH | CMD_0_SYNC_MSIATTR | CMD_0_SYNC_MSIDATA,
		CMD_1_SYNC_MSIADDR },
};

static bool smmu_cmd_is_tlbi_range(uint8_t op)
{
	return op == CMD_OP_TLBI_NH_VA || op == CMD_OP_TLBI_NH_VAA ||
	       op == CMD_OP_TLBI_EL2_VA || op == CMD_OP_TLBI_EL2_VAA ||
	       op == CMD_OP_TLBI_S2_IPA;
}

/* §4.4.1.1: the range and level-hint fields of an address-based TLBI. */
static int smmu_cmd_parse_tlbi(const uint64_t raw[2], struct smmu_cmd *cmd)
{
	struct smmu_cmd_tlbi *t = &cmd->tlbi;

	t->vmid = FIELD_GET(CMD_0_VMID, raw[0]);
	t->asid = FIELD_GET(CMD_0_ASID, raw[0]);
	t->leaf = FIELD_GET(CMD_1_LEAF, raw[1]);
	if (!smmu_cmd_is_tlbi_range(cmd->opcode))
		return 0;
	t->addr = raw[1] & (cmd->opcode == CMD_OP_TLBI_S2_IPA ? CMD_1_IPA : CMD_1_VA);
	t->num = FIELD_GET(CMD_0_TLBI_NUM, raw[0]);
	t->scale = FIELD_GET(CMD_0_TLBI_SCALE, raw[0]);
	t->tg = FIELD_GET(CMD_1_TG, raw[1]);
	t->ttl = FIELD_GET(CMD_1_TTL, raw[1]);
	/* No VMSAv9-128 descriptors: TTL128 is RES0. */
	if (raw[1] & CMD_1_TTL128)
		return SMMU_CERROR_ILL;
	if (t->tg == CMD_TG_ANY)
		return t->num || t->scale || t->ttl ? SMMU_CERROR_ILL : 0;
	/*
	 * Without IDR5.DS, TTL == 0b01 of a 16KB granule is Reserved and
	 * treated as 0b00 (§4.4.1.1): no level hint.
	 */
	if (t->tg == CMD_TG_16K && t->ttl == 1)
		t->ttl = 0;
	/* A granule with neither a range nor a level is reserved (CERROR_ILL). */
	if (!t->num && !t->scale && !t->ttl)
		return SMMU_CERROR_ILL;
	return 0;
}

/* Commands naming a stream: prefetch, CFGI, ATC_INV, PRI_RESP, RESUME/STALL_TERM. */
static int smmu_cmd_parse_stream(const uint64_t raw[2], struct smmu_cmd *cmd)
{
	uint32_t sid = FIELD_GET(CMD_0_SID, raw[0]);
	uint32_t ssid = FIELD_GET(CMD_0_SSID, raw[0]);
	bool ssv = FIELD_GET(CMD_0_SSV, raw[0]);
	uint8_t op = cmd->opcode;

	switch (op) {
	case CMD_OP_PREFETCH_CONFIG:
	case CMD_OP_PREFETCH_ADDR:
		cmd->prefetch = (struct smmu_cmd_prefetch){ .sid = sid, .ssv = ssv, .ssid = ssid };
		if (op == CMD_OP_PREFETCH_ADDR) {
			cmd->prefetch.addr = raw[1] & CMD_1_PREFETCH_ADDR;
			cmd->prefetch.size = FIELD_GET(CMD_1_PREFETCH_SIZE, raw[1]);
			cmd->prefetch.stride = FIELD_GET(CMD_1_PREFETCH_STRIDE, raw[1]);
		}
		return 0;
	case CMD_OP_ATC_INV:
		cmd->atc = (struct smmu_cmd_atc_inv){
			.sid = sid, .ssv = ssv, .ssid = ssid,
			.global = FIELD_GET(CMD_0_ATC_GLOBAL, raw[0]),
			.addr = raw[1] & CMD_1_ATC_ADDR,
			.size = FIELD_GET(CMD_1_ATC_SIZE, raw[1]),
		};
		return 0;
	case CMD_OP_PRI_RESP:
		cmd->pri = (struct smmu_cmd_pri_resp){
			.sid = sid, .ssv = ssv, .ssid = ssid,
			.grpid = FIELD_GET(CMD_1_PRI_GRPID, raw[1]),
			.resp = FIELD_GET(CMD_1_PRI_RESP, raw[1]),
		};
		/* §4.5.2: Resp == 0b11 is reserved (ILLEGAL). */
		return cmd->pri.resp > CMD_PRI_RESP_SUCCESS ? SMMU_CERROR_ILL : 0;
	case CMD_OP_RESUME:
	case CMD_OP_STALL_TERM:
		cmd->resume = (struct smmu_cmd_resume){
			.sid = sid,
			.stag = FIELD_GET(CMD_1_RESUME_STAG, raw[1]),
			.retry = FIELD_GET(CMD_0_RESUME_AC, raw[0]),
			.abort = FIELD_GET(CMD_0_RESUME_AB, raw[0]),
		};
		return 0;
	}
	/* CFGI_STE, CFGI_STE_RANGE (CFGI_ALL), CFGI_CD, CFGI_CD_ALL. */
	cmd->cfgi = (struct smmu_cmd_cfgi){
		.sid = sid,
		.ssid = ssid,
		.leaf = op != CMD_OP_CFGI_STE_RANGE && (raw[1] & CMD_1_LEAF),
		.range = op == CMD_OP_CFGI_STE_RANGE ? FIELD_GET(CMD_1_RANGE, raw[1]) : 0,
	};
	return 0;
}

static int smmu_cmd_parse_sync(const uint64_t raw[2], struct smmu_cmd *cmd)
{
	cmd->sync = (struct smmu_cmd_sync){
		.cs = FIELD_GET(CMD_0_SYNC_CS, raw[0]),
		.msh = FIELD_GET(CMD_0_SYNC_MSH, raw[0]),
		.msiattr = FIELD_GET(CMD_0_SYNC_MSIATTR, raw[0]),
		.msidata = FIELD_GET(CMD_0_SYNC_MSIDATA, raw[0]),
		.msiaddr = raw[1] & CMD_1_SYNC_MSIADDR,
	};
	/* §4.7.3: CS == 0b11 is reserved. */
	return cmd->sync.cs > CMD_SYNC_CS_SEV ? SMMU_CERROR_ILL : 0;
}

static bool smmu_cmd_names_stream(uint8_t op)
{
	return (op >= CMD_OP_PREFETCH_CONFIG && op <= CMD_OP_CFGI_CD_ALL) ||
	       op == CMD_OP_ATC_INV || op == CMD_OP_PRI_RESP ||
	       op == CMD_OP_RESUME || op == CMD_OP_STALL_TERM;
}

int smmu_cmd_parse(const uint64_t raw[2], struct smmu_cmd *cmd)
{
	const struct smmu_cmd_layout *l;

	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = FIELD_GET(CMD_0_OP, raw[0]);
	l = &smmu_cmd_layouts[cmd->opcode];
	if (!l->dw0)
		return SMMU_CERROR_ILL;
	if ((raw[0] & ~l->dw0) || (raw[1] & ~l->dw1))
		return SMMU_CERROR_ILL;
	if (cmd->opcode == CMD_OP_SYNC)
		return smmu_cmd_parse_sync(raw, cmd);
	if (smmu_cmd_names_stream(cmd->opcode))
		return smmu_cmd_parse_stream(raw, cmd);
	/* The TLBIs and CFGI_VMS_PIDM: VMID, ASID, range. */
	return smmu_cmd_parse_tlbi(raw, cmd);
}

int smmu_cmd_check(const struct smmu_config *cfg, const struct smmu_cmd *cmd)
{
	switch (cmd->opcode) {
	case CMD_OP_CFGI_VMS_PIDM:	/* no MPAM, so no VMS */
		return SMMU_CERROR_ILL;
	case CMD_OP_TLBI_NH_ALL:
	case CMD_OP_TLBI_NH_ASID:
	case CMD_OP_TLBI_NH_VA:
	case CMD_OP_TLBI_NH_VAA:
		if (!cfg->s1)
			return SMMU_CERROR_ILL;
		break;
	case CMD_OP_TLBI_EL2_ALL:
	case CMD_OP_TLBI_EL2_ASID:
	case CMD_OP_TLBI_EL2_VA:
	case CMD_OP_TLBI_EL2_VAA:
		if (!cfg->hyp)
			return SMMU_CERROR_ILL;
		break;
	case CMD_OP_TLBI_S12_VMALL:
	case CMD_OP_TLBI_S2_IPA:
		if (!cfg->s2)
			return SMMU_CERROR_ILL;
		break;
	case CMD_OP_ATC_INV:
		return cfg->ats ? 0 : SMMU_CERROR_ILL;
	case CMD_OP_PRI_RESP:
		return cfg->pri ? 0 : SMMU_CERROR_ILL;
	case CMD_OP_RESUME:
	case CMD_OP_STALL_TERM:
		/* §4.7: no stall, no stall commands. */
		return cfg->stall_model == SMMU_STALL_MODEL_TERM ? SMMU_CERROR_ILL : 0;
	default:
		return 0;
	}
	/* Range and TTL fields are RES0 without IDR3.RIL. */
	if (smmu_cmd_is_tlbi_range(cmd->opcode) && cmd->tlbi.tg != CMD_TG_ANY && !cfg->ril)
		return SMMU_CERROR_ILL;
	return 0;
}

/* ---- The consumer -------------------------------------------------------- */

void smmu_cmdq_kick(struct smmu *smmu)
{
	pthread_mutex_lock(&smmu->cmdq_lock);
	pthread_cond_broadcast(&smmu->cmdq_cond);
	pthread_mutex_unlock(&smmu->cmdq_lock);
}

/* Can a command be consumed now (§4.1.2)? */
static bool smmu_cmdq_ready(const struct smmu *smmu)
{
	unsigned int log2 = smmu_q_log2(&smmu->cmdq);

	return !atomic_load(&smmu->stopping) &&
	       (atomic_load(&smmu->cr0) & SMMU_CR0_CMDQEN) &&
	       !smmu_gerror_active(smmu, SMMU_GERROR_CMDQ_ERR) &&
	       !smmu_q_empty(atomic_load(&smmu->cmdq.prod), atomic_load(&smmu->cmdq.cons), log2);
}

/*
 * CR0ACK.CMDQEN follows CR0 between commands, so an acknowledged disable
 * means no command is in progress (§6.3.9.3): under the consume lock,
 * which whoever is consuming holds for the whole of each command.
 */
static void smmu_cmdq_ack_enable(struct smmu *smmu)
{
	pthread_mutex_lock(&smmu->cmdq_consume_lock);
	if (atomic_load(&smmu->cr0) & SMMU_CR0_CMDQEN)
		atomic_fetch_or(&smmu->cr0ack, SMMU_CR0_CMDQEN);
	else
		atomic_fetch_and(&smmu->cr0ack, ~SMMU_CR0_CMDQEN);
	pthread_mutex_unlock(&smmu->cmdq_consume_lock);
}

static bool smmu_cmdq_ack_pending(struct smmu *smmu)
{
	return (atomic_load(&smmu->cr0) ^ atomic_load(&smmu->cr0ack)) & SMMU_CR0_CMDQEN;
}

/* The SMMU's thread: wait until there is a command to consume; false when stopping. */
static bool smmu_cmdq_wait(struct smmu *smmu)
{
	bool ready = false;

	for (;;) {
		smmu_cmdq_ack_enable(smmu);
		pthread_mutex_lock(&smmu->cmdq_lock);
		if (atomic_load(&smmu->stopping))
			break;
		ready = smmu_cmdq_ready(smmu);
		if (ready)
			break;
		/* CR0 writes, PROD writes, GERRORN writes and destroy broadcast. */
		if (!smmu_cmdq_ack_pending(smmu))
			pthread_cond_wait(&smmu->cmdq_cond, &smmu->cmdq_lock);
		pthread_mutex_unlock(&smmu->cmdq_lock);
	}
	pthread_mutex_unlock(&smmu->cmdq_lock);
	return ready;
}

static const char *const cerror_names[] = {
	[SMMU_CERROR_NONE] = "CERROR_NONE",
	[SMMU_CERROR_ILL] = "CERROR_ILL",
	[SMMU_CERROR_ABT] = "CERROR_ABT",
	[SMMU_CERROR_ATC_INV_SYNC] = "CERROR_ATC_INV_SYNC",
};

/*
 * §7.1: CONS stays on the bad command; the code is visible before GERROR.
 * @raw is the command, for the log (NULL if it could not be fetched).
 */
static void smmu_cmdq_error(struct smmu *smmu, uint32_t cons, unsigned int err,
			    const uint64_t *raw)
{
	const char *name = err < sizeof(cerror_names) / sizeof(cerror_names[0]) ?
			   cerror_names[err] : "CERROR_?";

	if (raw)
		hw_log(&smmu->log, SVA_LOG_WARNING, SMMU_LOG_ORIGIN,
		       "command queue error %s at CONS 0x%x: %016llx %016llx", name, cons,
		       (unsigned long long)raw[0], (unsigned long long)raw[1]);
	else
		hw_log(&smmu->log, SVA_LOG_WARNING, SMMU_LOG_ORIGIN,
		       "command queue error %s at CONS 0x%x", name, cons);
	cons = (cons & ~SMMU_CMDQ_CONS_ERR) | FIELD_PREP(SMMU_CMDQ_CONS_ERR, err);
	atomic_store(&smmu->cmdq.cons, cons);
	smmu_gerror_raise(smmu, SMMU_GERROR_CMDQ_ERR);
}

/* Move CONS past the command at @cons; SEV if the queue was full (§4.1.2). */
static void smmu_cmdq_advance(struct smmu *smmu, uint32_t cons, unsigned int log2)
{
	bool was_full = smmu_q_full(atomic_load(&smmu->cmdq.prod), cons, log2);

	cons = smmu_q_inc(cons, log2) & ~SMMU_CMDQ_CONS_ERR;
	atomic_store(&smmu->cmdq.cons, cons);
	if (was_full && smmu->cfg.sev)
		irq_raise(&smmu->irq[SMMU_IRQ_SEV]);
}

/*
 * CMD_SYNC (§4.7.3), once every earlier command has completed (@err from
 * smmu_sync_wait/try): show consumption (CONS) and only then signal, since
 * observing the signal must imply that the consumption is observable.
 * SIG_IRQ: the MSI write (when MSIs exist and MSIAddress != 0), and the
 * wired output regardless. SIG_SEV without IDR0.SEV is SIG_NONE.
 */
static void smmu_cmdq_sync_done(struct smmu *smmu, const struct smmu_cmd *cmd,
				uint32_t cons, unsigned int log2, int err)
{
	const struct smmu_cmd_sync *s = &cmd->sync;

	if (err) {
		smmu_cmdq_error(smmu, cons, err, NULL);
		return;
	}
	smmu_cmdq_advance(smmu, cons, log2);
	if (s->cs == CMD_SYNC_CS_IRQ) {
		if (smmu->cfg.msi && s->msiaddr && smmu_msi_write(smmu, s->msiaddr, s->msidata))
			smmu_gerror_raise(smmu, SMMU_GERROR_MSI_CMDQ_ABT_ERR);
		irq_raise(&smmu->irq[SMMU_IRQ_CMD_SYNC]);
	} else if (s->cs == CMD_SYNC_CS_SEV && smmu->cfg.sev) {
		irq_raise(&smmu->irq[SMMU_IRQ_SEV]);
	}
}

/*
 * Fetch, decode and perform the command at CONS. Without @may_block a
 * command that would have to wait is left at CONS, as if not yet fetched
 * (the trace and the counters see it once, when it is performed): false.
 * Called with the consume lock held.
 */
static bool smmu_cmdq_consume_one(struct smmu *smmu, bool may_block)
{
	unsigned int log2 = smmu_q_log2(&smmu->cmdq);
	uint32_t cons = atomic_load(&smmu->cmdq.cons);
	uint64_t pa, raw[CMD_DWORDS];
	struct smmu_cmd cmd;
	int err, sync_err = 0;

	pa = smmu_q_base_pa(&smmu->cmdq, SMMU_CMDQ_ENT_SHIFT) +
	     ((uint64_t)smmu_q_idx(cons, log2) << SMMU_CMDQ_ENT_SHIFT);
	if (bus_read64(&smmu->bus, pa, &raw[0]) || bus_read64(&smmu->bus, pa + 8, &raw[1])) {
		smmu_cmdq_error(smmu, cons, SMMU_CERROR_ABT, NULL);
		return true;
	}
	err = smmu_cmd_parse(raw, &cmd);
	if (!err)
		err = smmu_cmd_check(&smmu->cfg, &cmd);
	if (!err && !may_block && cmd.opcode == CMD_OP_ATC_INV &&
	    smmu_atc_inv_blocks(smmu, cmd.atc.sid))
		return false;
	if (!err && cmd.opcode == CMD_OP_SYNC) {
		if (may_block)
			sync_err = smmu_sync_wait(smmu);
		else if (!smmu_sync_try(smmu, &sync_err))
			return false;
	}
	smmu_trace(smmu, SMMU_TRACE_CMD, NULL, raw, CMD_DWORDS);
	if (err) {
		smmu_cmdq_error(smmu, cons, err, raw);
		return true;
	}
	atomic_fetch_add_explicit(&smmu->cmd_count[cmd.opcode], 1, memory_order_relaxed);
	if (cmd.opcode == CMD_OP_SYNC) {
		smmu_cmdq_sync_done(smmu, &cmd, cons, log2, sync_err);
		return true;
	}
	smmu_cmd_execute(smmu, &cmd);
	smmu_cmdq_advance(smmu, cons, log2);
	return true;
}

/* Consume while commands are ready; false if one was left because it would wait. */
static bool smmu_cmdq_run(struct smmu *smmu, bool may_block)
{
	while (smmu_cmdq_ready(smmu))
		if (!smmu_cmdq_consume_one(smmu, may_block))
			return false;
	return true;
}

/*
 * CMDQ_PROD was written. Consume here what completes without waiting
 * (unless the configuration says otherwise); whatever is left, and
 * anything another consumer holds the queue for, is the thread's.
 */
void smmu_cmdq_produced(struct smmu *smmu)
{
	bool drained;

	if (!smmu->cfg.cmdq_threaded && !pthread_mutex_trylock(&smmu->cmdq_consume_lock)) {
		/* CMDQEN not yet acknowledged: the thread acknowledges, then consumes. */
		drained = !smmu_cmdq_ack_pending(smmu) && smmu_cmdq_run(smmu, false);
		pthread_mutex_unlock(&smmu->cmdq_consume_lock);
		if (drained)
			return;
	}
	smmu_cmdq_kick(smmu);
}

static void *smmu_cmdq_thread(void *arg)
{
	struct smmu *smmu = arg;

	while (smmu_cmdq_wait(smmu)) {
		pthread_mutex_lock(&smmu->cmdq_consume_lock);
		if (!smmu_cmdq_ack_pending(smmu))
			smmu_cmdq_run(smmu, true);
		pthread_mutex_unlock(&smmu->cmdq_consume_lock);
	}
	return NULL;
}

int smmu_cmdq_start(struct smmu *smmu)
{
	atomic_store(&smmu->stopping, false);
	if (pthread_create(&smmu->cmdq_thread, NULL, smmu_cmdq_thread, smmu))
		return -EAGAIN;
	return 0;
}

void smmu_cmdq_stop(struct smmu *smmu)
{
	pthread_mutex_lock(&smmu->cmdq_lock);
	atomic_store(&smmu->stopping, true);
	pthread_cond_broadcast(&smmu->cmdq_cond);
	pthread_mutex_unlock(&smmu->cmdq_lock);
	pthread_join(smmu->cmdq_thread, NULL);
}
