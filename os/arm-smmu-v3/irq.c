// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt handlers: the event queue, the PRI queue and global errors.
 *
 * Each queue handler consumes its queue, at most a queue's worth per
 * invocation (PROD from the SMMU, CONS written back after every record so
 * the SMMU regains space at once - a stalled producer may be waiting for
 * it) and dispatches each record:
 *  - events with Stall = 1 and PRI page requests are recoverable faults:
 *    they go to the fault path the iommu core registered; if it refuses
 *    one (or there is none), the driver answers it itself - CMD_RESUME
 *    with abort for a stall, CMD_PRI_RESP InvalidRequest for the Last
 *    request of a group - so that no transaction or device waits forever;
 *  - other events are logged (and passed to the optional event hook).
 * Overflow (§7.4, §8.2): PROD.OVFLG differs from CONS.OVACKFLG; the
 * handler reports it and acknowledges by copying the flag into CONS.
 */
#include <errno.h>
#include <stdio.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"

void arm_smmu_set_fault_ops(struct arm_smmu_device *smmu, const struct arm_smmu_fault_ops *ops,
			    void *ctx)
{
	smmu->fault_ctx = ctx;
	__atomic_store_n(&smmu->fault_ops, ops, __ATOMIC_RELEASE);
}

static int report_fault(struct arm_smmu_device *smmu, struct arm_smmu_master *master,
			const struct iommu_fault *fault)
{
	const struct arm_smmu_fault_ops *ops = __atomic_load_n(&smmu->fault_ops, __ATOMIC_ACQUIRE);

	if (!ops || !ops->report || !master)
		return -ENODEV;	/* nobody can handle it */
	return ops->report(smmu->fault_ctx, master, fault);
}

/* Read one queue entry at CONS (each qword single-copy atomic). */
static void queue_read(const struct arm_smmu_queue *q, uint32_t cons, uint64_t *ent)
{
	const uint64_t *slot = q->base + (uint64_t)arm_smmu_q_idx(q, cons) * q->ent_dwords;
	unsigned int i;

	for (i = 0; i < q->ent_dwords; i++)
		ent[i] = arm_smmu_read_qword(&slot[i]);
}

/*
 * Consume entries of @q, calling @fn for each, until it is empty or a queue's
 * worth (2^log2 entries) has been handled: a device that faults as fast as
 * we handle must not keep the handler (and the locks it holds) forever.
 * Nothing is stranded by stopping early: more than a queue's worth means a
 * record was written during this run, and its interrupt - raised after the
 * record is visible - runs the handler again (the IRQ thread remembers
 * raises that arrive while the handler runs). Returns whether an overflow
 * was reported (and acknowledged).
 *
 * The overflow acknowledged is the one PROD shows after the entries were
 * read, not only one seen on entry: an overflow writes no entry, so it
 * raises no interrupt of its own. One that began while this run was
 * reading (the queue was full then) would otherwise stay unacknowledged
 * with nothing left to call us, and a PRI queue in overflow takes nothing
 * (§8.1): every later page request would be discarded for good. Linux
 * likewise syncs OVACKFLG once it has caught up with the queue.
 */
static bool queue_drain(struct arm_smmu_device *smmu, struct arm_smmu_queue *q,
			void (*fn)(struct arm_smmu_device *smmu, const uint64_t *ent))
{
	uint32_t mask = (2u << q->log2) - 1, prod, ovf;
	unsigned int budget = 1u << q->log2;
	uint64_t ent[EVT_DWORDS];
	bool overflow;

	prod = mmio_read32(&smmu->mmio, q->prod_reg);
	ovf = prod & SMMU_Q_PROD_OVFLG;
	overflow = ovf != (q->cons & SMMU_Q_CONS_OVACKFLG);
	for (; budget; budget--) {
		if (arm_smmu_q_empty(q, prod & mask, q->cons & mask)) {
			prod = mmio_read32(&smmu->mmio, q->prod_reg);
			if (arm_smmu_q_empty(q, prod & mask, q->cons & mask))
				break;
		}
		queue_read(q, q->cons, ent);
		q->cons = (q->cons & SMMU_Q_CONS_OVACKFLG) | arm_smmu_q_inc(q, q->cons & mask);
		/* Give the slot back before handling: handlers may be slow. */
		mmio_write32(&smmu->mmio, q->cons_reg, q->cons);
		fn(smmu, ent);
	}
	prod = mmio_read32(&smmu->mmio, q->prod_reg);
	if ((prod & SMMU_Q_PROD_OVFLG) != (q->cons & SMMU_Q_CONS_OVACKFLG)) {
		ovf = prod & SMMU_Q_PROD_OVFLG;
		overflow = true;
	}
	if (overflow) {
		q->cons = (q->cons & ~SMMU_Q_CONS_OVACKFLG) | ovf;
		mmio_write32(&smmu->mmio, q->cons_reg, q->cons);
	}
	return overflow;
}

/* ---- Events ---------------------------------------------------------------- */

static void resume_abort(struct arm_smmu_device *smmu, uint32_t sid, uint16_t stag)
{
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMD_OP_RESUME,
		.resume = { .sid = sid, .stag = stag, .resp = ARM_SMMU_RESUME_ABORT },
	};

	arm_smmu_cmdq_issue_cmd(smmu, &cmd);
}

/*
 * A non-stall event, the @n-th: to the event hook, or logged, rate-limited
 * so that a fault storm stays readable.
 */
static void handle_other_event(struct arm_smmu_device *smmu, struct arm_smmu_master *master,
			       const uint64_t *evt, uint64_t n)
{
	const struct arm_smmu_fault_ops *ops = __atomic_load_n(&smmu->fault_ops, __ATOMIC_ACQUIRE);

	if (ops && ops->event)
		ops->event(smmu->fault_ctx, master, evt);
	else
		dev_err_ratelimited(smmu, "%s sid %u ssid %llu addr %#llx (%llu events)",
			arm_smmu_name(smmuv3_event_name((unsigned int)FIELD_GET(EVT_0_ID, evt[0]))),
			(unsigned int)FIELD_GET(EVT_0_SID, evt[0]),
			(unsigned long long)FIELD_GET(EVT_0_SSID, evt[0]),
			(unsigned long long)evt[2], (unsigned long long)n);
}

static void handle_stall(struct arm_smmu_device *smmu, struct arm_smmu_master *master,
			 const uint64_t *evt)
{
	uint32_t sid = FIELD_GET(EVT_0_SID, evt[0]);
	struct iommu_fault fault = { 0 };

	arm_smmu_stat_inc(&smmu->stats.stalls);
	fault.flags = IOMMU_FAULT_STALL | IOMMU_FAULT_LAST_PAGE;
	if (evt[0] & EVT_0_SSV) {
		fault.flags |= IOMMU_FAULT_PASID_VALID;
		fault.pasid = FIELD_GET(EVT_0_SSID, evt[0]);
	}
	fault.grpid = FIELD_GET(EVT_1_STAG, evt[1]);
	fault.perm = (evt[1] & EVT_1_RNW) ? IOMMU_FAULT_PERM_READ : IOMMU_FAULT_PERM_WRITE;
	if (evt[1] & EVT_1_IND)
		fault.perm |= IOMMU_FAULT_PERM_EXEC;
	if (evt[1] & EVT_1_PNU)
		fault.perm |= IOMMU_FAULT_PERM_PRIV;
	fault.addr = FIELD_GET(EVT_2_ADDR, evt[2]);
	fault.sid = sid;
	if (report_fault(smmu, master, &fault)) {
		arm_smmu_stat_inc(&smmu->stats.faults_refused);
		resume_abort(smmu, sid, (uint16_t)fault.grpid);
	}
}

/* The master is held for the whole dispatch: release waits for it. */
static void handle_event(struct arm_smmu_device *smmu, const uint64_t *evt)
{
	struct arm_smmu_master *master = arm_smmu_get_master(smmu, FIELD_GET(EVT_0_SID, evt[0]));
	uint64_t n = __atomic_add_fetch(&smmu->stats.events, 1, __ATOMIC_RELAXED);

	if (evt[1] & EVT_1_STALL)
		handle_stall(smmu, master, evt);
	else
		handle_other_event(smmu, master, evt, n);
	arm_smmu_put_master(master);
}

void arm_smmu_evtq_irq(void *data)
{
	struct arm_smmu_device *smmu = data;

	pthread_mutex_lock(&smmu->evtq_lock);
	if (queue_drain(smmu, &smmu->evtq, handle_event)) {
		__atomic_add_fetch(&smmu->stats.evtq_overflows, 1, __ATOMIC_RELAXED);
		dev_err_ratelimited(smmu, "event queue overflow: events lost");
	}
	pthread_mutex_unlock(&smmu->evtq_lock);
}

/* ---- Page requests ------------------------------------------------------------ */

static void pri_resp_invalid(struct arm_smmu_device *smmu, struct arm_smmu_master *master,
			     const struct iommu_fault *fault)
{
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMD_OP_PRI_RESP,
		.substream_valid = (fault->flags & IOMMU_FAULT_PASID_VALID) && master &&
				   master->prg_resp_needs_ssid,
		.pri = {
			.sid = fault->sid,
			.ssid = fault->pasid,
			.grpid = (uint16_t)fault->grpid,
			.resp = CMD_PRI_RESP_INVALID,
		},
	};

	arm_smmu_cmdq_issue_cmd(smmu, &cmd);
}

static void handle_ppr_master(struct arm_smmu_device *smmu, struct arm_smmu_master *master,
			      const uint64_t *ent)
{
	struct iommu_fault fault = { .sid = FIELD_GET(PRIQ_0_SID, ent[0]) };

	arm_smmu_stat_inc(&smmu->stats.page_requests);
	if (ent[0] & PRIQ_0_SSV) {
		fault.flags |= IOMMU_FAULT_PASID_VALID;
		fault.pasid = FIELD_GET(PRIQ_0_SSID, ent[0]);
	}
	if (ent[0] & PRIQ_0_LAST)
		fault.flags |= IOMMU_FAULT_LAST_PAGE;
	if (master && master->prg_resp_needs_ssid)
		fault.flags |= IOMMU_FAULT_RESP_PASID;
	fault.perm = ((ent[0] & PRIQ_0_PERM_READ) ? IOMMU_FAULT_PERM_READ : 0) |
		     ((ent[0] & PRIQ_0_PERM_WRITE) ? IOMMU_FAULT_PERM_WRITE : 0) |
		     ((ent[0] & PRIQ_0_PERM_EXEC) ? IOMMU_FAULT_PERM_EXEC : 0) |
		     ((ent[0] & PRIQ_0_PERM_PRIV) ? IOMMU_FAULT_PERM_PRIV : 0);
	fault.grpid = FIELD_GET(PRIQ_1_PRG_IDX, ent[1]);
	fault.addr = ent[1] & PRIQ_1_ADDR;
	if (!report_fault(smmu, master, &fault))
		return;
	arm_smmu_stat_inc(&smmu->stats.faults_refused);
	/* Only the Last request of a group gets a response (PCIe §10.4.1). */
	if (fault.flags & IOMMU_FAULT_LAST_PAGE)
		pri_resp_invalid(smmu, master, &fault);
}

/* The master is held for the whole dispatch: release waits for it. */
static void handle_ppr(struct arm_smmu_device *smmu, const uint64_t *ent)
{
	struct arm_smmu_master *master = arm_smmu_get_master(smmu, FIELD_GET(PRIQ_0_SID, ent[0]));

	handle_ppr_master(smmu, master, ent);
	arm_smmu_put_master(master);
}

void arm_smmu_priq_irq(void *data)
{
	struct arm_smmu_device *smmu = data;
	const struct arm_smmu_fault_ops *ops;

	if (!(smmu->features & ARM_SMMU_FEAT_PRI))
		return;
	pthread_mutex_lock(&smmu->priq_lock);
	if (queue_drain(smmu, &smmu->priq, handle_ppr)) {
		uint64_t n = __atomic_add_fetch(&smmu->stats.priq_overflows, 1, __ATOMIC_RELAXED);

		/* Expected when credits overcommit the queue: rate-limited. */
		dev_err_ratelimited(smmu, "PRI queue overflow: requests lost (%llu)",
				    (unsigned long long)n);
		ops = __atomic_load_n(&smmu->fault_ops, __ATOMIC_ACQUIRE);
		if (ops && ops->pri_overflow)
			ops->pri_overflow(smmu->fault_ctx);
	}
	pthread_mutex_unlock(&smmu->priq_lock);
}

/* ---- Responses ------------------------------------------------------------------ */

void arm_smmu_page_response(struct arm_smmu_master *master,
			    const struct iommu_page_response *resp)
{
	struct arm_smmu_cmdq_ent cmd = { 0 };
	uint32_t sid = master->streams[0].id;
	unsigned int i;

	/* Answer on the stream the fault came from, if it is the master's. */
	for (i = 0; i < master->num_streams; i++)
		if (master->streams[i].id == resp->sid)
			sid = resp->sid;
	if (resp->flags & IOMMU_FAULT_STALL) {
		cmd.opcode = CMD_OP_RESUME;
		cmd.resume.sid = sid;
		cmd.resume.stag = (uint16_t)resp->grpid;
		cmd.resume.resp = resp->code == IOMMU_PAGE_RESP_SUCCESS ? ARM_SMMU_RESUME_RETRY :
									   ARM_SMMU_RESUME_ABORT;
	} else {
		cmd.opcode = CMD_OP_PRI_RESP;
		cmd.substream_valid = (resp->flags & IOMMU_FAULT_PASID_VALID) &&
				      master->prg_resp_needs_ssid;
		cmd.pri.sid = sid;
		cmd.pri.ssid = resp->pasid;
		cmd.pri.grpid = (uint16_t)resp->grpid;
		switch (resp->code) {
		case IOMMU_PAGE_RESP_SUCCESS:
			cmd.pri.resp = CMD_PRI_RESP_SUCCESS;
			break;
		case IOMMU_PAGE_RESP_INVALID:
			cmd.pri.resp = CMD_PRI_RESP_INVALID;
			break;
		default:
			cmd.pri.resp = CMD_PRI_RESP_FAILURE;
		}
	}
	/*
	 * No CMD_SYNC: RESUME and PRI_RESP take effect when consumed and a
	 * sync would only delay the caller (as Linux).
	 */
	arm_smmu_cmdq_issue_cmd(master->smmu, &cmd);
}

/* ---- Global errors ----------------------------------------------------------------- */

void arm_smmu_gerror_irq(void *data)
{
	struct arm_smmu_device *smmu = data;
	uint32_t gerror, gerrorn, active;

	gerror = mmio_read32(&smmu->mmio, SMMU_GERROR);
	gerrorn = mmio_read32(&smmu->mmio, SMMU_GERRORN);
	active = (gerror ^ gerrorn) & SMMU_GERROR_ERR_MASK;
	if (!active)
		return;
	arm_smmu_stat_inc(&smmu->stats.gerrors);
	if (active & SMMU_GERROR_SFM_ERR)
		dev_err(smmu, "device has entered Service Failure Mode!");
	if (active & (SMMU_GERROR_MSI_GERROR_ABT_ERR | SMMU_GERROR_MSI_PRIQ_ABT_ERR |
		      SMMU_GERROR_MSI_EVENTQ_ABT_ERR | SMMU_GERROR_MSI_CMDQ_ABT_ERR))
		dev_err(smmu, "MSI write aborted (GERROR %#x)", active);
	if (active & (SMMU_GERROR_PRIQ_ABT_ERR | SMMU_GERROR_EVENTQ_ABT_ERR))
		dev_err(smmu, "queue write aborted (GERROR %#x)", active);
	/* Fixes the command and acknowledges CMDQ_ERR itself. */
	if (active & SMMU_GERROR_CMDQ_ERR)
		arm_smmu_cmdq_skip_err(smmu);

	/* Acknowledge what is still active of what we saw (idempotent). */
	pthread_mutex_lock(&smmu->cmdq.err_lock);
	gerror = mmio_read32(&smmu->mmio, SMMU_GERROR);
	gerrorn = mmio_read32(&smmu->mmio, SMMU_GERRORN);
	active &= (gerror ^ gerrorn) & ~SMMU_GERROR_CMDQ_ERR;
	if (active)
		mmio_write32(&smmu->mmio, SMMU_GERRORN, gerrorn ^ active);
	pthread_mutex_unlock(&smmu->cmdq.err_lock);
}

void arm_smmu_cmd_sync_irq(void *data)
{
	(void)data;	/* completion is observed by polling the MSI word or CONS */
}
