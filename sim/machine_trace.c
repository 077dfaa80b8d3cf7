// SPDX-License-Identifier: GPL-2.0
/*
 * `sva run --trace`: what the machine tells the trace (sim/trace.h).
 *
 *   track "SMMU command queue"   an instant per command consumed (raw words)
 *   track "SMMU event queue"     an instant per event record written
 *   track "driver CMD_SYNC waits" a span per wait of the driver for a CMD_SYNC
 *   track per device              a span per DMA descriptor (submit to
 *                                 completion), and per page request group or
 *                                 stall, from its record to the command that
 *                                 answered it (timed by sim/fault_latency)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "hw/smmu/cmd.h"
#include "sim/machine_internal.h"

/* The trace, read by every thread that reports (set once, before traffic). */
static struct trace *trace_of(struct machine *m)
{
	return __atomic_load_n(&m->trace, __ATOMIC_ACQUIRE);
}

/* The device track of StreamID @sid. */
static int tid_of_sid(struct machine *m, uint32_t sid)
{
	unsigned int i, n = __atomic_load_n(&m->nr_devs, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++)
		if (m->devs[i]->sid == sid)
			return TRACE_TID_DEV0 + (int)i;
	return TRACE_TID_EVTQ;
}

static void raw_args(char *args, size_t len, const uint64_t *raw, unsigned int n)
{
	size_t off = 0;
	unsigned int i;

	args[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(args + off, len - off, "%s\"w%u\":\"0x%016" PRIx64 "\"",
					i ? "," : "", i, raw[i]);
}

void machine_trace_record(struct machine *m, enum smmu_trace_kind kind, const uint64_t *raw,
			  unsigned int n)
{
	struct trace *t = trace_of(m);
	const char *name;
	char args[192];

	if (!t)
		return;
	switch (kind) {
	case SMMU_TRACE_CMD:
		name = smmuv3_cmd_name((unsigned int)FIELD_GET(CMD_0_OP, raw[0]));
		raw_args(args, sizeof(args), raw, n);
		trace_instant(t, TRACE_TID_CMDQ, "cmd", name ? name : "CMD_RESERVED", args);
		break;
	case SMMU_TRACE_EVT:
		name = smmuv3_event_name((unsigned int)FIELD_GET(EVT_0_ID, raw[0]));
		raw_args(args, sizeof(args), raw, n);
		trace_instant(t, TRACE_TID_EVTQ, "evt", name ? name : "EVT_IMPDEF", args);
		break;
	default:
		break;	/* PRI entries become spans when answered; fetches are not traced */
	}
}

/* A page request group or a stall was answered (sim/fault_latency's observer). */
static void trace_fault(void *ctx, bool stall, uint32_t sid, uint32_t tag, uint64_t start_ns,
			uint64_t end_ns)
{
	struct machine *m = ctx;
	char name[48], args[48];

	snprintf(name, sizeof(name), stall ? "stall (STAG %u)" : "page request group %u", tag);
	snprintf(args, sizeof(args), "\"sid\":%u", sid);
	trace_span(trace_of(m), tid_of_sid(m, sid), stall ? "stall" : "pri", name, start_ns, end_ns,
		   args);
}

/* The driver waited for a CMD_SYNC. */
static void trace_sync_wait(void *ctx, uint64_t start_ns, uint64_t end_ns)
{
	struct machine *m = ctx;

	trace_span(trace_of(m), TRACE_TID_SYNC, "sync", "CMD_SYNC wait", start_ns, end_ns, NULL);
}

static const struct arm_smmu_trace_ops machine_drv_trace_ops = {
	.sync_wait = trace_sync_wait,
};

void machine_trace_device(struct machine *m, unsigned int idx)
{
	struct trace *t = trace_of(m);
	char name[SCN_NAME_MAX + 32];

	if (!t)
		return;
	snprintf(name, sizeof(name), "%s (SID %u)", m->devs[idx]->name, m->devs[idx]->sid);
	trace_track(t, TRACE_TID_DEV0 + (int)idx, name);
}

void machine_trace_dma(struct machine *m, const struct machine_dev *d,
		       const struct machine_dma *op, const struct machine_dma_result *res,
		       uint64_t start_ns, uint64_t end_ns)
{
	static const char *const kinds[] = {
		[SCN_DMA_FILL] = "fill", [SCN_DMA_COPY] = "copy", [SCN_DMA_CHECK] = "check",
	};
	static const char *const outcomes[] = {
		[SCN_OUT_OK] = "ok", [SCN_OUT_FAULT] = "fault", [SCN_OUT_MISMATCH] = "mismatch",
	};
	struct trace *t = trace_of(m);
	char name[64], args[160], pasid[16];
	unsigned int idx;

	if (!t)
		return;
	for (idx = 0; idx < m->nr_devs && m->devs[idx] != d; idx++)
		;
	snprintf(name, sizeof(name), "dma %s 0x%" PRIx64 " +%" PRIu64, kinds[op->kind], op->addr,
		 op->len);
	if (op->pasid_valid)
		snprintf(pasid, sizeof(pasid), "%u", op->pasid);
	else
		snprintf(pasid, sizeof(pasid), "\"none\"");
	snprintf(args, sizeof(args), "\"pasid\":%s,\"outcome\":\"%s\",\"at\":\"0x%" PRIx64 "\"",
		 pasid, res->outcome <= SCN_OUT_MISMATCH && outcomes[res->outcome] ?
		 outcomes[res->outcome] : "?", res->addr);
	trace_span(t, TRACE_TID_DEV0 + (int)idx, "dma", name, start_ns, end_ns, args);
}

int machine_set_trace(struct machine *m, struct trace *t)
{
	unsigned int i;

	if (m->trace)
		return -EBUSY;
	trace_track(t, TRACE_TID_CMDQ, "SMMU command queue");
	trace_track(t, TRACE_TID_EVTQ, "SMMU event queue");
	trace_track(t, TRACE_TID_SYNC, "driver CMD_SYNC waits");
	m->flat.observe_ctx = m;
	m->flat.observe = trace_fault;
	arm_smmu_set_trace(m->drv, &machine_drv_trace_ops, m);
	__atomic_store_n(&m->trace, t, __ATOMIC_RELEASE);
	for (i = 0; i < m->nr_devs; i++)
		machine_trace_device(m, i);
	return 0;
}
