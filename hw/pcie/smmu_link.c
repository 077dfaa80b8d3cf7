// SPDX-License-Identifier: GPL-2.0
/*
 * The production upstream of a device function: the SMMU model's own calls
 * (hw/smmu/smmu.h). Kept apart from endpoint.c so that programs which plug
 * in another upstream (unit tests) do not link the SMMU.
 */
#include "hw/pcie/endpoint.h"
#include "hw/smmu/smmu.h"

static int link_translate(void *ctx, const struct smmu_txn *txn, struct smmu_txn_result *res)
{
	return smmu_translate(ctx, txn, res);
}

static void link_txn_end(void *ctx, struct smmu_txn_result *res)
{
	smmu_txn_end(ctx, res);
}

static int link_page_request(void *ctx, uint32_t sid, const struct smmu_page_req *req)
{
	return smmu_page_request(ctx, sid, req);
}

static const struct ep_upstream_ops smmu_link_ops = {
	.translate = link_translate,
	.txn_end = link_txn_end,
	.page_request = link_page_request,
};

int ep_attach_smmu(struct ep *ep, struct smmu *smmu)
{
	ep->up = (struct ep_upstream){ .ops = &smmu_link_ops, .ctx = smmu };
	/* Platform devices receive no ATC invalidations or PRG responses. */
	if (!ep->pcie)
		return 0;
	return smmu_attach_endpoint(smmu, ep->sid, &ep_smmu_ops, ep);
}
