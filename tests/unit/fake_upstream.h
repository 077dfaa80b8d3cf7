/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake SMMU for device-side tests (test_pcie, test_atc, test_dma): a
 * small table of {PASID or none, page} -> {frame, permissions}, answering
 * the three upstream calls of struct ep_upstream_ops like the SMMU would:
 * untranslated requests are translated (or aborted, or stalled until the
 * test resolves them), ATS requests get a completion (R = W = 0 on a
 * fault), translated requests pass through. Page requests are logged and
 * optionally answered by a responder thread with a test-chosen policy.
 *
 * Header-only; include it from one test program after tests/harness.h.
 */
#ifndef TESTS_UNIT_FAKE_UPSTREAM_H
#define TESTS_UNIT_FAKE_UPSTREAM_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "hw/pcie/endpoint.h"
#include "hw/walk.h"

#define FAKE_MAPS	256
#define FAKE_REQS	4096

struct fake_map {
	bool used, pv;
	uint32_t pasid;
	uint64_t va, pa;	/* aligned to 2^shift */
	uint8_t perm;		/* WALK_PERM_* */
	uint8_t shift;
};

struct fake_up;
/* Responder policy: the PRG response code for a complete group. */
typedef int (*fake_policy_t)(struct fake_up *fu, const struct smmu_page_req *reqs,
			     unsigned int n);

struct fake_up {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fake_map maps[FAKE_MAPS];
	struct smmu_page_req reqs[FAKE_REQS];
	unsigned int nreqs;		/* logged page requests */
	unsigned int answered;		/* requests handed to the responder */
	long open_sections;		/* translate - txn_end (atomic) */
	unsigned long calls[3];		/* per smmu_txn_type */
	/* Platform stall: a faulting untranslated request waits for these. */
	bool stall;
	unsigned int stalled;		/* transactions parked now */
	unsigned long stall_gen;	/* bumped by fake_resume() */
	bool stall_abort;
	bool ats_ur;			/* answer ATS requests with UR */
	/* Responder. */
	struct ep *ep;
	fake_policy_t policy;
	bool stop;
	pthread_t responder;
	bool has_responder;
	unsigned int unanswered;	/* requests whose group got no response yet */
	unsigned int max_outstanding;	/* highest value of unanswered */
};

static inline void fake_init(struct fake_up *fu)
{
	memset(fu, 0, sizeof(*fu));
	pthread_mutex_init(&fu->lock, NULL);
	pthread_cond_init(&fu->cond, NULL);
}

static inline struct fake_map *fake_find(struct fake_up *fu, bool pv, uint32_t pasid,
					 uint64_t va)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAPS; i++) {
		struct fake_map *m = &fu->maps[i];
		uint64_t mask = ~((1ULL << m->shift) - 1);

		if (m->used && m->pv == pv && (!pv || m->pasid == pasid) &&
		    (va & mask) == m->va)
			return m;
	}
	return NULL;
}

/* Map (or remap) [va, va + 2^shift) of {pv, pasid} to pa. */
static inline void fake_map(struct fake_up *fu, bool pv, uint32_t pasid, uint64_t va,
			    uint64_t pa, uint8_t perm, uint8_t shift)
{
	struct fake_map *m;
	unsigned int i;

	pthread_mutex_lock(&fu->lock);
	m = fake_find(fu, pv, pasid, va);
	for (i = 0; !m && i < FAKE_MAPS; i++)
		if (!fu->maps[i].used)
			m = &fu->maps[i];
	*m = (struct fake_map){ .used = true, .pv = pv, .pasid = pv ? pasid : 0,
				.va = va & ~((1ULL << shift) - 1),
				.pa = pa & ~((1ULL << shift) - 1),
				.perm = perm, .shift = shift };
	pthread_mutex_unlock(&fu->lock);
}

static inline void fake_unmap(struct fake_up *fu, bool pv, uint32_t pasid, uint64_t va)
{
	struct fake_map *m;

	pthread_mutex_lock(&fu->lock);
	m = fake_find(fu, pv, pasid, va);
	if (m)
		m->used = false;
	pthread_mutex_unlock(&fu->lock);
}

static inline bool fake_perm_ok(uint8_t perm, unsigned int acc)
{
	if (acc & WALK_ACC_WRITE)
		return perm & WALK_PERM_W;
	if ((acc & WALK_ACC_EXEC) && !(perm & WALK_PERM_X))
		return false;
	return perm & WALK_PERM_R;
}

/* Lookup under fu->lock; true with *res filled on success. */
static inline bool fake_lookup(struct fake_up *fu, const struct smmu_txn *txn,
			       struct smmu_txn_result *res)
{
	struct fake_map *m = fake_find(fu, txn->ssv, txn->ssid, txn->addr);

	if (!m)
		return false;
	res->pa = m->pa | (txn->addr & ((1ULL << m->shift) - 1));
	res->size_shift = m->shift;
	res->perm = m->perm;
	return true;
}

static inline int fake_translate(void *ctx, const struct smmu_txn *txn,
				 struct smmu_txn_result *res)
{
	struct fake_up *fu = ctx;
	unsigned long gen;
	bool ok;

	memset(res, 0, sizeof(*res));
	__atomic_fetch_add(&fu->open_sections, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&fu->lock);
	fu->calls[txn->type]++;
	switch (txn->type) {
	case SMMU_TXN_TRANSLATED:
		res->status = SMMU_TXN_OK;
		res->pa = txn->addr;
		res->size_shift = 12;
		break;
	case SMMU_TXN_ATS_REQUEST:
		ok = fake_lookup(fu, txn, res);
		res->status = ok ? SMMU_TXN_OK : SMMU_TXN_ATS_FAULT;
		if (fu->ats_ur && txn->ssv)
			res->status = SMMU_TXN_ATS_UR;
		res->priv = txn->acc & WALK_ACC_PRIV;
		if (!ok)
			res->perm = 0;
		break;
	default:
		for (;;) {
			ok = fake_lookup(fu, txn, res) && fake_perm_ok(res->perm, txn->acc);
			if (ok || !fu->stall)
				break;
			/* Park like an SMMU stall until resumed or terminated. */
			fu->stalled++;
			pthread_cond_broadcast(&fu->cond);
			gen = fu->stall_gen;
			while (gen == fu->stall_gen)
				pthread_cond_wait(&fu->cond, &fu->lock);
			fu->stalled--;
			if (fu->stall_abort)
				break;
		}
		res->status = ok ? SMMU_TXN_OK : SMMU_TXN_ABORT;
		break;
	}
	pthread_mutex_unlock(&fu->lock);
	return 0;
}

static inline void fake_txn_end(void *ctx, struct smmu_txn_result *res)
{
	struct fake_up *fu = ctx;

	(void)res;
	__atomic_fetch_sub(&fu->open_sections, 1, __ATOMIC_SEQ_CST);
}

static inline int fake_page_request(void *ctx, uint32_t sid, const struct smmu_page_req *req)
{
	struct fake_up *fu = ctx;
	int ret = 0;

	(void)sid;
	pthread_mutex_lock(&fu->lock);
	if (fu->nreqs == FAKE_REQS) {
		ret = -ENOSPC;
	} else {
		fu->reqs[fu->nreqs++] = *req;
		if (req->read || req->write)	/* stop markers take no credit */
			fu->unanswered++;
		if (fu->unanswered > fu->max_outstanding)
			fu->max_outstanding = fu->unanswered;
	}
	pthread_cond_broadcast(&fu->cond);
	pthread_mutex_unlock(&fu->lock);
	return ret;
}

static const struct ep_upstream_ops fake_ops = {
	.translate = fake_translate,
	.txn_end = fake_txn_end,
	.page_request = fake_page_request,
};

static inline struct ep_upstream fake_upstream(struct fake_up *fu)
{
	return (struct ep_upstream){ .ops = &fake_ops, .ctx = fu };
}

/* Wait (bounded) until @n page requests were logged, or @n stalled. */
static inline bool fake_wait(struct fake_up *fu, unsigned int *field, unsigned int n,
			     unsigned int ms)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000 + 1;
	pthread_mutex_lock(&fu->lock);
	while (*field < n)
		if (pthread_cond_timedwait(&fu->cond, &fu->lock, &ts) == ETIMEDOUT)
			break;
	ok = *field >= n;
	pthread_mutex_unlock(&fu->lock);
	return ok;
}

/* Resume (retry) or terminate every stalled transaction. */
static inline void fake_resume(struct fake_up *fu, bool abort)
{
	pthread_mutex_lock(&fu->lock);
	fu->stall_abort = abort;
	fu->stall_gen++;
	pthread_cond_broadcast(&fu->cond);
	pthread_mutex_unlock(&fu->lock);
}

/*
 * The responder: answers each group when its Last request arrives, the
 * way the driver + io-pgfault would. Requests of concurrent groups may
 * interleave: a group is the requests with its PRG index since the
 * previous Last of that index.
 */
static inline void fake_answer_locked(struct fake_up *fu, unsigned int last)
{
	struct smmu_page_req grp[64];
	uint16_t idx = fu->reqs[last].grpid;
	struct smmu_pri_resp resp = {
		.ssv = fu->reqs[last].ssv, .ssid = fu->reqs[last].ssid, .grpid = idx,
	};
	unsigned int j = last, n = 0;

	while (j > 0 && !(fu->reqs[j - 1].grpid == idx && fu->reqs[j - 1].last))
		j--;
	for (; j <= last && n < 64; j++)
		if (fu->reqs[j].grpid == idx)
			grp[n++] = fu->reqs[j];
	pthread_mutex_unlock(&fu->lock);
	/* The policy may map pages; then the device hears back. */
	resp.code = fu->policy(fu, grp, n);
	pthread_mutex_lock(&fu->lock);
	fu->unanswered -= n;	/* before the device can reuse the credits */
	pthread_mutex_unlock(&fu->lock);
	ep_prg_response(fu->ep, &resp);
	pthread_mutex_lock(&fu->lock);
}

static inline void *fake_responder(void *arg)
{
	struct fake_up *fu = arg;
	unsigned int i;

	pthread_mutex_lock(&fu->lock);
	while (!fu->stop) {
		if (fu->answered == fu->nreqs) {
			pthread_cond_wait(&fu->cond, &fu->lock);
			continue;
		}
		i = fu->answered++;
		if (fu->reqs[i].last)
			fake_answer_locked(fu, i);
	}
	pthread_mutex_unlock(&fu->lock);
	return NULL;
}

static inline void fake_start_responder(struct fake_up *fu, struct ep *ep, fake_policy_t policy)
{
	fu->ep = ep;
	fu->policy = policy;
	fu->stop = false;
	pthread_create(&fu->responder, NULL, fake_responder, fu);
	fu->has_responder = true;
}

static inline void fake_fini(struct fake_up *fu)
{
	if (fu->has_responder) {
		pthread_mutex_lock(&fu->lock);
		fu->stop = true;
		pthread_cond_broadcast(&fu->cond);
		pthread_mutex_unlock(&fu->lock);
		pthread_join(fu->responder, NULL);
	}
	pthread_mutex_destroy(&fu->lock);
	pthread_cond_destroy(&fu->cond);
}

/* Software side of PCIe: enable the capabilities like Linux's pci_enable_*(). */
static inline void fake_enable_all(struct ep *ep, uint32_t pri_alloc)
{
	struct pcie_cfg *cfg = ep_cfg(ep);
	unsigned int pasid = pcie_cfg_find_ext_cap(cfg, PCIE_EXT_CAP_ID_PASID);
	unsigned int ats = pcie_cfg_find_ext_cap(cfg, PCIE_EXT_CAP_ID_ATS);
	unsigned int pri = pcie_cfg_find_ext_cap(cfg, PCIE_EXT_CAP_ID_PRI);

	pcie_cfg_write16(cfg, PCIE_CFG_COMMAND, PCIE_COMMAND_MEMORY | PCIE_COMMAND_MASTER);
	if (pasid)
		pcie_cfg_write16(cfg, pasid + PCIE_PASID_CTRL,
				 PCIE_PASID_CTRL_ENABLE | PCIE_PASID_CTRL_PRIV);
	if (ats)
		pcie_cfg_write16(cfg, ats + PCIE_ATS_CTRL, PCIE_ATS_CTRL_ENABLE);
	if (pri) {
		pcie_cfg_write32(cfg, pri + PCIE_PRI_ALLOC, pri_alloc);
		pcie_cfg_write16(cfg, pri + PCIE_PRI_CTRL, PCIE_PRI_CTRL_ENABLE);
	}
}

#endif /* TESTS_UNIT_FAKE_UPSTREAM_H */
