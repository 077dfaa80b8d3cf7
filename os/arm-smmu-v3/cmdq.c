// SPDX-License-Identifier: GPL-2.0
/*
 * The command queue producer.
 *
 * Linux makes producers lock-free: they reserve slots with a cmpxchg on a
 * shared prod/cons word and one "owner" writes PROD for everybody. Here a
 * mutex serialises producers instead, kept short so it behaves the same
 * way under load:
 *
 *  - a submitter builds its commands outside the lock (struct
 *    arm_smmu_cmdq_batch, up to 64), then under the lock copies them into
 *    the queue and publishes them with ONE write of CMDQ_PROD;
 *  - a CMD_SYNC is appended only when the caller asked for one, one per
 *    batch, never one per command (no command storms); a bare sync that
 *    finds a CMD_SYNC as the newest entry waits for that one instead;
 *  - the wait for CMD_SYNC completion happens after the lock is dropped,
 *    so concurrent submitters overlap their waits and the SMMU sees their
 *    batches back to back.
 *
 * Completion (§4.7.3): with MSIs and a coherent SMMU, every CMD_SYNC
 * carries MSIAddress = one word of memory and MSIData = a sequence number
 * that increases with each CMD_SYNC issued. The SMMU completes CMD_SYNCs
 * in queue order, so the word only grows (modulo 2^32) and a waiter is done
 * when it has reached its own number: no slot of the queue is ever polled,
 * so nothing can be overwritten under a waiter. Without MSIs the waiter
 * polls CMDQ_CONS until it has moved past its CMD_SYNC (CS = SIG_SEV when
 * the SMMU has SEV, as a WFE would wait for).
 *
 * Positions are tracked as 64-bit counts (prod64/cons64) so that a wrapped
 * 20-bit index+wrap register value is never ambiguous: the hardware CONS is
 * folded into cons64 under the lock, at least once per lap.
 *
 * Errors (§7.1): when the SMMU stops on a bad command it reports
 * CMDQ_CONS.ERR and GERROR.CMDQ_ERR. Recovery (as Linux's skip_err):
 * CERROR_ILL - the command at CONS is replaced by a CMD_SYNC (which does
 * nothing) and reported; CERROR_ABT - nothing, the fetch is retried;
 * CERROR_ATC_INV_SYNC - nothing, the CMD_SYNC is retried. Then GERRORN
 * acknowledges and consumption resumes. Waiters do this themselves when
 * they see the error, so a queue never stays stuck because the GERROR
 * interrupt is not wired.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"

/* A CMD_SYNC not completing in this long means the SMMU is wedged. */
#define ARM_SMMU_POLL_TIMEOUT_NS	(10ull * 1000 * 1000 * 1000)

struct poll_state {
	uint64_t start_ns;
	unsigned int spins;
};

/* CLOCK_MONOTONIC in ns: poll deadlines and the trace hook's timestamps. */
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void poll_init(struct poll_state *ps)
{
	ps->start_ns = mono_ns();
	ps->spins = 0;
}

/* Back off (yield, then short sleeps); -ETIMEDOUT past the bound. */
static int poll_wait(struct poll_state *ps)
{
	struct timespec ts = { 0, 20000 };

	if (++ps->spins < 64) {
		sched_yield();
		return 0;
	}
	if (mono_ns() - ps->start_ns > ARM_SMMU_POLL_TIMEOUT_NS)
		return -ETIMEDOUT;
	nanosleep(&ts, NULL);
	return 0;
}

static uint32_t cmdq_mask(const struct arm_smmu_queue *q)
{
	return (2u << q->log2) - 1;
}

/* Fold the hardware CONS into cons64. Caller holds cmdq->lock. */
static uint32_t cmdq_refresh_cons(struct arm_smmu_device *smmu)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	uint32_t reg = mmio_read32(&smmu->mmio, SMMU_CMDQ_CONS);
	uint32_t mask = cmdq_mask(&cmdq->q);
	uint32_t delta = ((reg & mask) - (uint32_t)cmdq->cons64) & mask;

	/* CONS never overtakes PROD: anything else is a stale read. */
	if (delta <= cmdq->prod64 - cmdq->cons64)
		cmdq->cons64 += delta;
	return reg;
}

static bool cmdq_error_pending(struct arm_smmu_device *smmu)
{
	uint32_t gerror = mmio_read32(&smmu->mmio, SMMU_GERROR);
	uint32_t gerrorn = mmio_read32(&smmu->mmio, SMMU_GERRORN);

	return (gerror ^ gerrorn) & SMMU_GERROR_CMDQ_ERR;
}

static void log_bad_cmd(struct arm_smmu_device *smmu, const uint64_t *cmd)
{
	dev_err(smmu, "CERROR_ILL on command %s (%#llx): %016llx %016llx",
		arm_smmu_name(smmuv3_cmd_name((unsigned int)FIELD_GET(CMD_0_OP, cmd[0]))),
		(unsigned long long)FIELD_GET(CMD_0_OP, cmd[0]),
		(unsigned long long)cmd[0], (unsigned long long)cmd[1]);
}

/*
 * Recover from a command error if one is active. Serialised by err_lock;
 * the entry at CONS belongs to the SMMU (produced, not consumed), so
 * producers never write it concurrently. Acknowledges CMDQ_ERR only.
 */
void arm_smmu_cmdq_skip_err(struct arm_smmu_device *smmu)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	struct arm_smmu_queue *q = &cmdq->q;
	struct arm_smmu_cmdq_ent nop = { .opcode = CMD_OP_SYNC };
	uint32_t gerror, gerrorn, cons, err;
	uint64_t *slot, cmd[CMD_DWORDS];

	pthread_mutex_lock(&cmdq->err_lock);
	gerror = mmio_read32(&smmu->mmio, SMMU_GERROR);
	gerrorn = mmio_read32(&smmu->mmio, SMMU_GERRORN);
	if (!((gerror ^ gerrorn) & SMMU_GERROR_CMDQ_ERR))
		goto out_unlock;

	cons = mmio_read32(&smmu->mmio, SMMU_CMDQ_CONS);
	err = FIELD_GET(SMMU_CMDQ_CONS_ERR, cons);
	slot = q->base + (uint64_t)arm_smmu_q_idx(q, cons) * CMD_DWORDS;
	if (err < 4)
		arm_smmu_stat_inc(&cmdq->stats_cerror[err]);
	switch (err) {
	case SMMU_CERROR_ILL:
		log_bad_cmd(smmu, slot);
		arm_smmu_stat_inc(&smmu->stats.cerror_ill);
		arm_smmu_cmdq_build_cmd(cmd, &nop);
		arm_smmu_write_qword(&slot[1], cmd[1]);
		arm_smmu_write_qword(&slot[0], cmd[0]);
		break;
	case SMMU_CERROR_ATC_INV_SYNC:
		/* An endpoint did not answer in time: retry the CMD_SYNC. */
		arm_smmu_stat_inc(&smmu->stats.cerror_atc_inv);
		break;
	case SMMU_CERROR_ABT:
	default:
		/* The fetch aborted: nothing to fix, let the SMMU retry it. */
		arm_smmu_stat_inc(&smmu->stats.cerror_abt);
		break;
	}
	/* Acknowledge: make GERRORN.CMDQ_ERR equal GERROR.CMDQ_ERR. */
	mmio_write32(&smmu->mmio, SMMU_GERRORN, gerrorn ^ SMMU_GERROR_CMDQ_ERR);
out_unlock:
	pthread_mutex_unlock(&cmdq->err_lock);
}

/* Wait until the queue has room for one entry. Caller holds the lock. */
static int cmdq_wait_space(struct arm_smmu_device *smmu)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	uint64_t capacity = 1ull << cmdq->q.log2;
	struct poll_state ps;
	int ret;

	if (cmdq->prod64 - cmdq->cons64 < capacity)
		return 0;
	poll_init(&ps);
	for (;;) {
		cmdq_refresh_cons(smmu);
		if (cmdq->prod64 - cmdq->cons64 < capacity)
			return 0;
		if (cmdq_error_pending(smmu))
			arm_smmu_cmdq_skip_err(smmu);
		ret = poll_wait(&ps);
		if (ret)
			return ret;
	}
}

static void cmdq_publish(struct arm_smmu_device *smmu)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;

	mmio_write32(&smmu->mmio, SMMU_CMDQ_PROD, (uint32_t)cmdq->prod64 & cmdq_mask(&cmdq->q));
	arm_smmu_stat_inc(&cmdq->stats_batches);
}

/* Copy one command in at prod, making room first. Caller holds the lock. */
static int cmdq_put(struct arm_smmu_device *smmu, const uint64_t *cmd, bool *published)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	struct arm_smmu_queue *q = &cmdq->q;
	uint64_t *slot;
	int ret;

	if (cmdq->prod64 - cmdq->cons64 >= (1ull << q->log2))
		cmdq_refresh_cons(smmu);	/* the cached CONS may be stale */
	if (cmdq->prod64 - cmdq->cons64 >= (1ull << q->log2)) {
		/* Full: hand over what we have so far, then wait for room. */
		cmdq_publish(smmu);
		*published = true;
		ret = cmdq_wait_space(smmu);
		if (ret)
			return ret;
	}
	slot = q->base + (uint64_t)arm_smmu_q_idx(q, (uint32_t)cmdq->prod64) * CMD_DWORDS;
	arm_smmu_write_qword(&slot[0], cmd[0]);
	arm_smmu_write_qword(&slot[1], cmd[1]);
	cmdq->prod64++;
	arm_smmu_stat_inc(&cmdq->stats_op[FIELD_GET(CMD_0_OP, cmd[0])]);
	return 0;
}

/* Build this submitter's CMD_SYNC. Caller holds the lock. */
static void cmdq_build_sync(struct arm_smmu_device *smmu, uint64_t *cmd, uint32_t *seq)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	struct arm_smmu_cmdq_ent ent = { .opcode = CMD_OP_SYNC };

	*seq = ++cmdq->sync_seq;
	if (smmu->options & ARM_SMMU_OPT_MSIPOLL) {
		ent.sync.msiaddr = cmdq->sync_word_pa;
		ent.sync.msidata = *seq;
	} else {
		ent.sync.sev = smmu->features & ARM_SMMU_FEAT_SEV;
	}
	arm_smmu_cmdq_build_cmd(cmd, &ent);
}

static bool cmdq_msi_reached(const struct arm_smmu_cmdq *cmdq, uint32_t seq)
{
	return (int32_t)(__atomic_load_n(cmdq->sync_word, __ATOMIC_ACQUIRE) - seq) >= 0;
}

static int cmdq_poll_msi(struct arm_smmu_device *smmu, uint32_t seq)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	struct poll_state ps;
	int ret;

	/* Often complete already (an SMMU may finish within the PROD write). */
	if (cmdq_msi_reached(cmdq, seq))
		return 0;
	poll_init(&ps);
	for (;;) {
		if (cmdq_msi_reached(cmdq, seq))
			return 0;
		if (!(ps.spins & 15) && cmdq_error_pending(smmu))
			arm_smmu_cmdq_skip_err(smmu);
		ret = poll_wait(&ps);
		if (ret)
			return ret;
	}
}

/* Without MSIs: the CMD_SYNC at @pos is complete once CONS has passed it. */
static int cmdq_poll_cons(struct arm_smmu_device *smmu, uint64_t pos)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	struct poll_state ps;
	bool done;
	int ret;

	poll_init(&ps);
	for (;;) {
		pthread_mutex_lock(&cmdq->lock);
		cmdq_refresh_cons(smmu);
		done = cmdq->cons64 > pos;
		pthread_mutex_unlock(&cmdq->lock);
		if (done)
			return 0;
		if (cmdq_error_pending(smmu))
			arm_smmu_cmdq_skip_err(smmu);
		ret = poll_wait(&ps);
		if (ret)
			return ret;
	}
}

void arm_smmu_set_trace(struct arm_smmu_device *smmu, const struct arm_smmu_trace_ops *ops,
			void *ctx)
{
	smmu->trace_ctx = ctx;
	smmu->trace_ops = ops;
}

int arm_smmu_cmdq_issue_cmdlist(struct arm_smmu_device *smmu, const uint64_t *cmds,
				unsigned int n, bool sync)
{
	struct arm_smmu_cmdq *cmdq = &smmu->cmdq;
	uint64_t sync_cmd[CMD_DWORDS], sync_pos = 0, start_ns = 0;
	bool published = false;
	uint32_t seq = 0;
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&cmdq->lock);
	if (!n && sync && cmdq->prod64 && cmdq->last_sync_end == cmdq->prod64) {
		/*
		 * A bare sync while the newest entry already is a published
		 * CMD_SYNC: that one completes after everything issued before
		 * us, so wait for it instead of queueing another.
		 */
		seq = cmdq->sync_seq;
		sync_pos = cmdq->prod64 - 1;
		pthread_mutex_unlock(&cmdq->lock);
		arm_smmu_stat_inc(&cmdq->stats_sync_elided);
		goto wait;
	}
	for (i = 0; i < n && !ret; i++)
		ret = cmdq_put(smmu, &cmds[i * CMD_DWORDS], &published);
	if (!ret && sync) {
		cmdq_build_sync(smmu, sync_cmd, &seq);
		sync_pos = cmdq->prod64;
		ret = cmdq_put(smmu, sync_cmd, &published);
		cmdq->last_sync_end = cmdq->prod64;
	}
	if (i || sync)
		cmdq_publish(smmu);
	pthread_mutex_unlock(&cmdq->lock);
	if (ret || !sync)
		goto out;

wait:
	arm_smmu_stat_inc(&cmdq->stats_syncs);
	if (smmu->trace_ops)
		start_ns = mono_ns();
	if (smmu->options & ARM_SMMU_OPT_MSIPOLL)
		ret = cmdq_poll_msi(smmu, seq);
	else
		ret = cmdq_poll_cons(smmu, sync_pos);
	if (smmu->trace_ops)
		smmu->trace_ops->sync_wait(smmu->trace_ctx, start_ns, mono_ns());
out:
	if (ret)
		dev_err(smmu, "command queue stuck (%d), CONS %#x", ret,
			mmio_read32(&smmu->mmio, SMMU_CMDQ_CONS));
	return ret;
}

int arm_smmu_cmdq_issue_cmd(struct arm_smmu_device *smmu, const struct arm_smmu_cmdq_ent *ent)
{
	uint64_t cmd[CMD_DWORDS];

	if (arm_smmu_cmdq_build_cmd(cmd, ent))
		return -EINVAL;
	return arm_smmu_cmdq_issue_cmdlist(smmu, cmd, 1, false);
}

int arm_smmu_cmdq_issue_cmd_with_sync(struct arm_smmu_device *smmu,
				      const struct arm_smmu_cmdq_ent *ent)
{
	uint64_t cmd[CMD_DWORDS];

	if (arm_smmu_cmdq_build_cmd(cmd, ent))
		return -EINVAL;
	return arm_smmu_cmdq_issue_cmdlist(smmu, cmd, 1, true);
}

int arm_smmu_cmdq_issue_sync(struct arm_smmu_device *smmu)
{
	return arm_smmu_cmdq_issue_cmdlist(smmu, NULL, 0, true);
}

int arm_smmu_cmdq_batch_add(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *b,
			    const struct arm_smmu_cmdq_ent *ent)
{
	int ret;

	if (b->num == ARM_SMMU_CMDQ_BATCH_ENTRIES) {
		ret = arm_smmu_cmdq_issue_cmdlist(smmu, b->cmds, b->num, false);
		b->num = 0;
		if (ret)
			return ret;
	}
	ret = arm_smmu_cmdq_build_cmd(&b->cmds[b->num * CMD_DWORDS], ent);
	if (ret) {
		dev_crit(smmu, "BUG: unknown command opcode %#x", ent->opcode);
		return ret;
	}
	b->num++;
	return 0;
}

int arm_smmu_cmdq_batch_submit(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *b)
{
	int ret = arm_smmu_cmdq_issue_cmdlist(smmu, b->cmds, b->num, true);

	b->num = 0;
	return ret;
}

uint64_t arm_smmu_cmdq_count(struct arm_smmu_device *smmu, unsigned int op)
{
	if (op >= CMD_OP_NR)
		return 0;
	return __atomic_load_n(&smmu->cmdq.stats_op[op], __ATOMIC_RELAXED);
}
