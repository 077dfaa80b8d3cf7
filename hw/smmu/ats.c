// SPDX-License-Identifier: GPL-2.0
/*
 * PCIe endpoints behind the SMMU and ATS invalidation (§3.9.1, §4.5.1).
 *
 * An endpoint registers, per StreamID (its RequesterID), the operations
 * the SMMU uses to send it messages: ATS Invalidate Requests (CMD_ATC_INV)
 * and PRG Responses (CMD_PRI_RESP, PRI overflow auto-responses). The
 * endpoint's atc_inv() returns only once the invalidation is complete,
 * including accesses that were using the invalidated entries (the
 * endpoint's own grace period): so when CMD_ATC_INV's effect returns, the
 * later CMD_SYNC has nothing left to wait for but a failure to report.
 */
#include <errno.h>

#include "hw/smmu/cmd.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/xlate.h"

int smmu_attach_endpoint(struct smmu *smmu, uint32_t sid,
			 const struct smmu_ep_ops *ops, void *ctx)
{
	struct smmu_xlate *x = smmu->xlate;
	unsigned int i;
	int ret = -ENOSPC;

	if (!x || !ops)
		return -EINVAL;
	pthread_mutex_lock(&x->ep_lock);
	for (i = 0; i < x->nr_endpoints; i++) {
		if (x->endpoints[i].sid == sid) {
			x->endpoints[i].ops = ops;
			x->endpoints[i].ctx = ctx;
			ret = 0;
			goto out;
		}
	}
	if (x->nr_endpoints < SMMU_MAX_ENDPOINTS) {
		x->endpoints[x->nr_endpoints++] = (struct smmu_endpoint){ sid, ops, ctx };
		ret = 0;
	}
out:
	pthread_mutex_unlock(&x->ep_lock);
	return ret;
}

bool smmu_endpoint_get(struct smmu_xlate *x, uint32_t sid, struct smmu_endpoint *ep)
{
	unsigned int i;
	bool found = false;

	pthread_mutex_lock(&x->ep_lock);
	for (i = 0; i < x->nr_endpoints && !found; i++) {
		if (x->endpoints[i].sid == sid) {
			*ep = x->endpoints[i];
			found = true;
		}
	}
	pthread_mutex_unlock(&x->ep_lock);
	return found;
}

/*
 * Forward an ATS Invalidate Request to the endpoint with StreamID inv->sid.
 * Nobody attached there: nothing to invalidate. A failure (timeout) is
 * remembered for the next CMD_SYNC, which then reports CERROR_ATC_INV_SYNC.
 */
int smmu_atc_inv_exec(struct smmu *smmu, const struct smmu_atc_inv *inv)
{
	struct smmu_endpoint ep;
	int ret;

	if (!smmu_endpoint_get(smmu->xlate, inv->sid, &ep) || !ep.ops->atc_inv)
		return 0;
	ret = ep.ops->atc_inv(ep.ctx, inv);
	if (ret)
		__atomic_store_n(&smmu->xlate->atc_inv_failed, 1, __ATOMIC_SEQ_CST);
	return ret;
}
