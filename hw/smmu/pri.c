// SPDX-License-Identifier: GPL-2.0
/*
 * PCIe Page Requests (§8): a PRI Page Request message from an endpoint
 * becomes a PRI queue entry (FRONT's producer). When the queue cannot
 * take it (overflow, §8.1), the request is discarded and, if it was the
 * Last of its group, the SMMU answers it itself so the endpoint does not
 * wait forever: Success, with or without the PASID per IDR3.PPS and
 * STE.PPAR, or Response Failure when the STE cannot be consulted. Stop
 * Markers (Last, no R/W, with a PASID) are discarded without a response.
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

/* The automatic response to a discarded Last == 1 request (§8.1). */
static void pri_auto_respond(struct smmu *smmu, uint32_t sid, const struct smmu_page_req *req)
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
	bool stop_marker = req->last && !req->read && !req->write && req->ssv;
	int ret;

	if (!smmu->cfg.pri)
		return -ENODEV;
	ret = smmu_priq_record(smmu, &pr);
	if (ret && req->last && !stop_marker)
		pri_auto_respond(smmu, sid, req);
	return ret;
}

/* CMD_PRI_RESP: Resp (§4.6.1) as a PCIe PRG Response code. */
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
