// SPDX-License-Identifier: GPL-2.0
/*
 * PCIe endpoints behind the SMMU and ATS invalidation (§3.9.1, §4.5.1).
 *
 * An endpoint registers, per StreamID (its RequesterID), the operations
 * the SMMU uses to send it messages: ATS Invalidate Requests (CMD_ATC_INV)
 * and PRG Responses (CMD_PRI_RESP, PRI overflow auto-responses). The
 * endpoint's atc_inv() returns only once the invalidation is complete,
 * including accesses that were using the invalidated entries (the
 * endpoint's own grace period). An endpoint with the two-half form
 * (atc_inv_start/atc_inv_done) is asked to start only: the entries go at
 * once and CMD_SYNC waits for the completion, which is where §4.5.1 and
 * §4.7.3 put it, so the consumer never waits inside CMD_ATC_INV.
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
static bool ep_has_two_halves(const struct smmu_endpoint *ep)
{
	return ep->ops->atc_inv_start && ep->ops->atc_inv_done;
}

/* Remember the latest token of @ep's endpoint (it covers the earlier ones). */
static void atc_wait_add(struct smmu_xlate *x, const struct smmu_endpoint *ep, uint64_t token)
{
	unsigned int i;

	for (i = 0; i < x->nr_atc_waits; i++) {
		if (x->atc_waits[i].ctx == ep->ctx && x->atc_waits[i].ops == ep->ops) {
			x->atc_waits[i].token = token;
			return;
		}
	}
	if (x->nr_atc_waits < SMMU_MAX_ENDPOINTS)
		x->atc_waits[x->nr_atc_waits++] = (struct smmu_atc_wait){ ep->ops, ep->ctx, token };
	else
		ep->ops->atc_inv_done(ep->ctx, token, true);	/* cannot happen: one per endpoint */
}

int smmu_atc_inv_exec(struct smmu *smmu, const struct smmu_atc_inv *inv)
{
	struct smmu_endpoint ep;
	uint64_t token;
	int ret;

	if (!smmu_endpoint_get(smmu->xlate, inv->sid, &ep))
		return 0;
	if (ep_has_two_halves(&ep)) {
		ret = ep.ops->atc_inv_start(ep.ctx, inv, &token);
		if (!ret)
			atc_wait_add(smmu->xlate, &ep, token);
	} else if (ep.ops->atc_inv) {
		ret = ep.ops->atc_inv(ep.ctx, inv);
	} else {
		return 0;
	}
	if (ret)
		__atomic_store_n(&smmu->xlate->atc_inv_failed, 1, __ATOMIC_SEQ_CST);
	return ret;
}

bool smmu_atc_inv_blocks(struct smmu *smmu, uint32_t sid)
{
	struct smmu_endpoint ep;

	return smmu_endpoint_get(smmu->xlate, sid, &ep) && !ep_has_two_halves(&ep) &&
	       ep.ops->atc_inv;
}

bool smmu_atc_waits_done(struct smmu *smmu, bool wait)
{
	struct smmu_xlate *x = smmu->xlate;
	unsigned int i = 0;

	while (i < x->nr_atc_waits) {
		struct smmu_atc_wait *w = &x->atc_waits[i];

		if (!w->ops->atc_inv_done(w->ctx, w->token, wait)) {
			i++;
			continue;
		}
		*w = x->atc_waits[--x->nr_atc_waits];
	}
	return !x->nr_atc_waits;
}
