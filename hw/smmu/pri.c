// SPDX-License-Identifier: GPL-2.0
/*
 * PCIe Page Requests (§8): a PRI Page Request message from an endpoint
 * becomes a PRI queue entry (FRONT's producer). A Page Request is a posted
 * message: the endpoint learns nothing from its delivery, only from the
 * PRG Response to its group. When the queue does not take a request, the
 * SMMU discards it and answers it itself where the architecture says so,
 * by cause (§8.1, §8.2, §8.3):
 *
 *  - overflow (queue full, or an overflow not yet acknowledged): a Last == 1
 *    request gets Success, so the function retries ATS and PRI; with a
 *    PASID, the PASID comes back if IDR3.PPS, or else if STE.PPAR (Response
 *    Failure without a PASID when the STE cannot be consulted). Last == 0
 *    requests are dropped silently;
 *  - effective PRIQEN == 0 (SMMUEN == 0 included), GERROR.PRIQ_ABT_ERR
 *    active, or an abort writing the entry: every request, Last or not, gets
 *    Response Failure without a PASID.
 *
 * Stop Markers (Last, no R/W, with a PASID) are never answered.
 *
 * CMD_PRI_RESP becomes a PRG Response message to the endpoint.
 */
#include <errno.h>

#include "hw/smmu/event.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/xlate.h"

static void pri_send(struct smmu *smmu, const struct smmu_pri_resp *resp)
{
	struct smmu_endpoint ep;

	if (smmu_endpoint_get(smmu->xlate, resp->sid, &ep) && ep.ops->pri_resp)
		ep.ops->pri_resp(ep.ctx, resp);
}

/*
 * The PRG index a request carries on the wire: 9 bits (PCIe Page Request,
 * the PRI queue entry's PRG index, and CMD_PRI_RESP's PRGI alike).
 */
static uint16_t pri_prg_index(const struct smmu_page_req *req)
{
	return (uint16_t)FIELD_GET(PRIQ_1_PRG_IDX, req->grpid);
}

/*
 * The automatic response to a Last == 1 request discarded on overflow
 * (§8.1): Success, with the PASID as IDR3.PPS or STE.PPAR say; Response
 * Failure without a PASID if the STE that holds PPAR cannot be read.
 */
static void pri_overflow_respond(struct smmu *smmu, uint32_t sid,
				 const struct smmu_page_req *req)
{
	struct smmu_pri_resp resp = {
		.sid = sid,
		.grpid = pri_prg_index(req),
		.code = SMMU_PRG_RESP_SUCCESS,
	};
	struct smmu_ste_cfg ste;
	struct smmu_cfg_err err;

	if (req->ssv && (smmu->idr[3] & SMMU_IDR3_PPS)) {
		resp.ssv = true;
		resp.ssid = req->ssid;
	} else if (req->ssv) {
		if (!smmu_enabled(smmu) || smmu_xlate_get_ste(smmu, sid, &ste, &err)) {
			resp.code = SMMU_PRG_RESP_FAILURE;
		} else if (ste.ppar) {
			resp.ssv = true;
			resp.ssid = req->ssid;
		}
	}
	pri_send(smmu, &resp);
}

/*
 * The automatic response to a request the queue could not take while it
 * is disabled or in error (§8.2): Response Failure, never with a PASID.
 */
static void pri_failure_respond(struct smmu *smmu, uint32_t sid,
				const struct smmu_page_req *req)
{
	struct smmu_pri_resp resp = {
		.sid = sid,
		.grpid = pri_prg_index(req),
		.code = SMMU_PRG_RESP_FAILURE,
	};

	pri_send(smmu, &resp);
}

/*
 * Receive a Page Request message. 0 whether it was recorded or discarded
 * (a posted message has no completion); -ENODEV only when this SMMU has no
 * PRI at all, so nothing receives the message.
 */
int smmu_page_request(struct smmu *smmu, uint32_t sid, const struct smmu_page_req *req)
{
	struct smmu_pri_req pr = {
		.sid = sid,
		.ssv = req->ssv,
		.ssid = req->ssv ? req->ssid : 0,
		/* Exec and Priv travel in the PASID prefix: none without it. */
		.priv = req->ssv && req->priv,
		.exec = req->ssv && req->exec,
		.read = req->read,
		.write = req->write,
		.last = req->last,
		.grpid = pri_prg_index(req),
		.addr = req->addr & ~0xfffULL,
	};
	/* §8: LWR == 0b100 with a PASID; without one it is a Page Request. */
	bool stop_marker = req->last && !req->read && !req->write && req->ssv;

	if (!smmu->cfg.pri)
		return -ENODEV;
	switch (smmu_priq_record(smmu, &pr)) {
	case 0:
		break;
	case -ENOSPC:
		if (req->last && !stop_marker)
			pri_overflow_respond(smmu, sid, req);
		break;
	default:
		/* Disabled, PRIQ_ABT_ERR active, or the write aborted. */
		if (!stop_marker)
			pri_failure_respond(smmu, sid, req);
		break;
	}
	return 0;
}

/* CMD_PRI_RESP: Resp (§4.5.2) as a PCIe PRG Response code. */
void smmu_pri_resp_exec(struct smmu *smmu, uint32_t sid, bool ssv, uint32_t ssid,
			uint16_t grpid, unsigned int resp)
{
	struct smmu_pri_resp r = {
		.sid = sid,
		.ssv = ssv,
		.ssid = ssv ? ssid : 0,
		.grpid = grpid,
	};

	switch (resp) {
	case CMD_PRI_RESP_SUCCESS:
		r.code = SMMU_PRG_RESP_SUCCESS;
		break;
	case CMD_PRI_RESP_INVALID:
		r.code = SMMU_PRG_RESP_INVALID;
		break;
	default:
		r.code = SMMU_PRG_RESP_FAILURE;
		break;
	}
	pri_send(smmu, &r);
}
