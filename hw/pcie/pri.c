// SPDX-License-Identifier: GPL-2.0
/*
 * The Page Request Interface of a PCIe function (PCIe r5.0 §10.4, §10.5.2).
 *
 * Credits: software grants "Outstanding Page Request Allocation" request
 * messages; the function latches it when PRI is enabled and never has more
 * requests outstanding. A group's credits come back with its PRG response.
 * Each group gets a free PRG index; its requests carry the index, the last
 * one has L = 1. A response names the index (and, if the function requires
 * it, the PASID); a response matching no outstanding group sets Unexpected
 * PRG Index. Response Failure sets the status bit and stops the interface
 * until software resets it (Enable clear + Reset). Stopped reads 1 when PRI
 * is disabled and no request is outstanding.
 *
 * A Page Request is a posted message: the receiver's queue being full is
 * not the function's business, the PRG Response is (the SMMU answers what
 * it discards, SMMUv3 §8.1, §8.2). A Success that leaves the access
 * faulting is re-asked, paced and bounded: ep_pri_retry() below.
 *
 * Lock order: pri.lock, then the config space lock (status updates).
 */
#include <errno.h>
#include <time.h>

#include "hw/pcie/endpoint.h"
#include "hw/walk.h"

#define RELAXED	__ATOMIC_RELAXED

static void stat_inc(uint64_t *ctr, uint64_t n)
{
	__atomic_fetch_add(ctr, n, RELAXED);
}

int ep_pri_init(struct ep *ep)
{
	pthread_condattr_t attr;
	int ret;

	ep->pri = (struct ep_pri){ .next = 0 };
	ret = -pthread_mutex_init(&ep->pri.lock, NULL);
	if (ret)
		return ret;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	ret = -pthread_cond_init(&ep->pri.cond, &attr);
	pthread_condattr_destroy(&attr);
	if (ret)
		pthread_mutex_destroy(&ep->pri.lock);
	return ret;
}

void ep_pri_fini(struct ep *ep)
{
	pthread_cond_destroy(&ep->pri.cond);
	pthread_mutex_destroy(&ep->pri.lock);
}

/* Stopped = disabled and nothing outstanding. Called with pri.lock held. */
static void update_stopped(struct ep *ep)
{
	struct ep_pri *pri = &ep->pri;
	bool stopped = !pri->enabled && !pri->outstanding;

	pcie_cfg_dev_update16(&ep->cfg, ep->cfg.pri + PCIE_PRI_STATUS,
			      stopped ? PCIE_PRI_STATUS_STOPPED : 0,
			      stopped ? 0 : PCIE_PRI_STATUS_STOPPED);
}

/* Forget every group and credit (PRI reset, §10.5.2.2). pri.lock held. */
static void pri_reset(struct ep *ep)
{
	struct ep_pri *pri = &ep->pri;
	unsigned int i;

	for (i = 0; i < PCIE_PRG_INDEXES; i++)
		pri->prg[i] = (struct ep_prg){ .busy = false };
	pri->outstanding = 0;
	pri->halted = false;
	pri->reset_gen++;
	pthread_cond_broadcast(&pri->cond);
}

/*
 * Software wrote the PRI Control register (called after the write, with no
 * config lock held). Enable 0 -> 1 latches the allocation; Reset acts only
 * when Enable is clear after the write.
 */
void ep_pri_ctrl_written(struct ep *ep, uint32_t written)
{
	struct ep_pri *pri = &ep->pri;
	bool enable = pcie_cfg_state(&ep->cfg) & PCIE_ST_PRI;

	pthread_mutex_lock(&pri->lock);
	if (enable && !pri->enabled)
		pri->alloc = pcie_cfg_dev_read(&ep->cfg, ep->cfg.pri + PCIE_PRI_ALLOC, 4);
	pri->enabled = enable;
	if (!enable && (written & PCIE_PRI_CTRL_RESET))
		pri_reset(ep);
	update_stopped(ep);
	pthread_cond_broadcast(&pri->cond);
	pthread_mutex_unlock(&pri->lock);
}

static void deadline_after_ms(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Can a group of @n requests go out now? pri.lock held. */
static int pri_usable(const struct ep_pri *pri, unsigned int n)
{
	if (!pri->enabled || pri->halted)
		return -EIO;
	if (n > pri->alloc)
		return -EINVAL;
	return 0;
}

/* Reserve a PRG index and @n credits, waiting (bounded) for credits. */
static int prg_reserve(struct ep *ep, bool pv, uint32_t pasid, unsigned int n,
		       const struct timespec *deadline, uint64_t *gen)
{
	struct ep_pri *pri = &ep->pri;
	unsigned int i, idx;
	int ret;

	for (;;) {
		ret = pri_usable(pri, n);
		if (ret)
			return ret;
		if (pri->outstanding + n <= pri->alloc) {
			for (i = 0; i < PCIE_PRG_INDEXES; i++) {
				idx = (pri->next + i) % PCIE_PRG_INDEXES;
				if (!pri->prg[idx].busy)
					goto found;
			}
		}
		if (pthread_cond_timedwait(&pri->cond, &pri->lock, deadline) == ETIMEDOUT)
			return -ETIMEDOUT;
	}
found:
	pri->next = (uint16_t)((idx + 1) % PCIE_PRG_INDEXES);
	pri->prg[idx] = (struct ep_prg){ .busy = true, .pv = pv, .pasid = pasid,
					 .nreq = (uint16_t)n };
	pri->outstanding += n;
	*gen = pri->reset_gen;
	update_stopped(ep);
	return (int)idx;
}

/* Give index @idx back, with its credits if no response returned them. */
static void prg_release(struct ep *ep, unsigned int idx, bool credits)
{
	struct ep_pri *pri = &ep->pri;

	if (credits)
		pri->outstanding -= pri->prg[idx].nreq;
	pri->prg[idx] = (struct ep_prg){ .busy = false };
	update_stopped(ep);
	pthread_cond_broadcast(&pri->cond);
}

static int send_group(struct ep *ep, bool pv, uint32_t pasid, unsigned int idx,
		      const struct ep_page *pages, unsigned int n)
{
	bool ext = pcie_cfg_state(&ep->cfg) & PCIE_ST_PASID;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		unsigned int acc = pages[i].acc;
		struct smmu_page_req req = {
			.ssv = pv,
			.ssid = pv ? pasid : 0,
			.addr = pages[i].addr & PCIE_PRQ_ADDR,
			.read = !(acc & WALK_ACC_WRITE),
			.write = acc & WALK_ACC_WRITE,
			/* Exe/Priv travel in the PASID prefix only (§6.20). */
			.exec = pv && ext && (acc & WALK_ACC_EXEC),
			.priv = pv && ext && (acc & WALK_ACC_PRIV),
			.last = i == n - 1,
			.grpid = (uint16_t)idx,
		};

		ret = ep->up.ops->page_request(ep->up.ctx, ep->sid, &req);
		if (ret)
			return ret;
		stat_inc(&ep->stats.page_requests, 1);
	}
	return 0;
}

static void count_code(struct ep *ep, int code)
{
	if (code == PCIE_PRG_SUCCESS)
		stat_inc(&ep->stats.prg_success, 1);
	else if (code == PCIE_PRG_INVALID)
		stat_inc(&ep->stats.prg_invalid, 1);
	else
		stat_inc(&ep->stats.prg_failure, 1);
}

/* Wait for the response to group @idx. pri.lock held. */
static int wait_response(struct ep *ep, unsigned int idx, uint64_t gen,
			 const struct timespec *deadline)
{
	struct ep_pri *pri = &ep->pri;
	int code;

	for (;;) {
		/* After a PRI reset the index may belong to a new group. */
		if (pri->reset_gen != gen)
			return -EIO;
		if (pri->prg[idx].done)
			break;
		if (pthread_cond_timedwait(&pri->cond, &pri->lock, deadline) == ETIMEDOUT &&
		    pri->reset_gen == gen && !pri->prg[idx].done) {
			/* Credits stay held until a response (or reset) comes. */
			pri->prg[idx].abandoned = true;
			stat_inc(&ep->stats.prg_timeouts, 1);
			return -ETIMEDOUT;
		}
	}
	code = pri->prg[idx].code;
	prg_release(ep, idx, false);
	return code;
}

int ep_page_request_group(struct ep *ep, bool pv, uint32_t pasid,
			  const struct ep_page *pages, unsigned int n)
{
	struct ep_pri *pri = &ep->pri;
	struct timespec deadline;
	uint64_t gen;
	int idx, ret;

	if (!ep->pcie || !ep->cfg.pri || !n)
		return !n ? -EINVAL : -EIO;
	deadline_after_ms(&deadline, ep->pri_timeout_ms);
	pthread_mutex_lock(&pri->lock);
	idx = prg_reserve(ep, pv, pasid, n, &deadline, &gen);
	pthread_mutex_unlock(&pri->lock);
	if (idx < 0)
		return idx;

	/* Unlocked: the receiver may answer before this returns. */
	ret = send_group(ep, pv, pasid, (unsigned int)idx, pages, n);
	stat_inc(&ep->stats.prg_groups, 1);

	pthread_mutex_lock(&pri->lock);
	if (ret) {
		/* Nothing upstream receives page requests: it can never complete. */
		if (pri->reset_gen == gen && pri->prg[idx].busy)
			prg_release(ep, (unsigned int)idx, !pri->prg[idx].done);
		pthread_mutex_unlock(&pri->lock);
		return -EIO;
	}
	ret = wait_response(ep, (unsigned int)idx, gen, &deadline);
	pthread_mutex_unlock(&pri->lock);
	if (ret >= 0)
		count_code(ep, ret);
	return ret;
}

int ep_stop_marker(struct ep *ep, uint32_t pasid)
{
	struct smmu_page_req req = {
		.ssv = true, .ssid = pasid, .last = true,
	};

	if (!ep->pcie || !(pcie_cfg_state(&ep->cfg) & PCIE_ST_PRI) ||
	    !(pcie_cfg_state(&ep->cfg) & PCIE_ST_PASID))
		return -EIO;
	return ep->up.ops->page_request(ep->up.ctx, ep->sid, &req);
}

/* The pause before re-request @round (1, 2, ...): doubling, capped. */
static unsigned int backoff_us(unsigned int round)
{
	unsigned int us = EP_PRI_BACKOFF_MIN_US;

	while (--round && us < EP_PRI_BACKOFF_MAX_US)
		us *= 2;
	return us < EP_PRI_BACKOFF_MAX_US ? us : EP_PRI_BACKOFF_MAX_US;
}

bool ep_pri_retry(struct ep *ep, struct ep_pri_retry *r)
{
	struct timespec ts;
	unsigned int us;

	if (r->round >= ep->pri_max_rounds) {
		stat_inc(&ep->stats.pri_gave_up, 1);
		return false;
	}
	r->again = r->round++ > 0;
	if (!r->again)
		return true;
	us = backoff_us(r->round - 1);
	ts = (struct timespec){ .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
	stat_inc(&ep->stats.pri_rerequests, 1);
	stat_inc(&ep->stats.pri_backoff_us, us);
	return true;
}

/* Does @resp answer the outstanding group @g? */
static bool resp_matches(struct ep *ep, const struct ep_prg *g,
			 const struct smmu_pri_resp *resp)
{
	uint16_t status;

	if (!g->busy || g->done)
		return false;
	status = (uint16_t)pcie_cfg_dev_read(&ep->cfg, ep->cfg.pri + PCIE_PRI_STATUS, 2);
	/* With PRG Response PASID Required, the PASID must come back. */
	if ((status & PCIE_PRI_STATUS_PASID) && g->pv)
		return resp->ssv && resp->ssid == g->pasid;
	return true;
}

void ep_prg_response(void *ctx, const struct smmu_pri_resp *resp)
{
	struct ep *ep = ctx;
	struct ep_pri *pri = &ep->pri;
	unsigned int idx = resp->grpid % PCIE_PRG_INDEXES;
	struct ep_prg *g = &pri->prg[idx];

	if (!ep->pcie || !ep->cfg.pri)
		return;
	pthread_mutex_lock(&pri->lock);
	if (!resp_matches(ep, g, resp)) {
		pcie_cfg_dev_update16(&ep->cfg, ep->cfg.pri + PCIE_PRI_STATUS,
				      PCIE_PRI_STATUS_UPRGI, 0);
		stat_inc(&ep->stats.prg_unexpected, 1);
		goto out;
	}
	pri->outstanding -= g->nreq;
	g->nreq = 0;
	/* Reserved codes are treated as Response Failure. */
	if (resp->code != SMMU_PRG_RESP_SUCCESS && resp->code != SMMU_PRG_RESP_INVALID) {
		pri->halted = true;
		pcie_cfg_dev_update16(&ep->cfg, ep->cfg.pri + PCIE_PRI_STATUS,
				      PCIE_PRI_STATUS_RF, 0);
	}
	if (g->abandoned) {
		count_code(ep, resp->code);
		prg_release(ep, idx, false);
		goto out;
	}
	g->done = true;
	g->code = (uint8_t)resp->code;
	update_stopped(ep);
	pthread_cond_broadcast(&pri->cond);
out:
	pthread_mutex_unlock(&pri->lock);
}
