// SPDX-License-Identifier: GPL-2.0
/*
 * Device functions: the translation path of a PCIe function (ATC, ATS,
 * PRI) or a platform device (see hw/pcie/endpoint.h). PRI lives in pri.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "hw/pcie/endpoint.h"
#include "hw/walk.h"

#define RELAXED	__ATOMIC_RELAXED
#define EP_MAX_LEN	(1ULL << 30)	/* cap on xl->len: callers move pages */
#define EP_PRI_MAX_ROUNDS	64	/* page requests per access (ep_pri_retry()) */

static void stat_inc(uint64_t *ctr)
{
	__atomic_fetch_add(ctr, 1, RELAXED);
}

void ep_config_default(struct ep_config *cfg, uint32_t sid)
{
	*cfg = (struct ep_config){
		.sid = sid,
		.pcie = true,
		.func = {
			.vendor_id = 0x13b5,	/* Arm */
			.device_id = 0x5a5a,
			.class_code = 0x088000,	/* system peripheral */
			.ats = true,
			.ats_qdepth = 32,
			.ats_global_inv = true,
			.ats_page_aligned = true,
			.pri = true,
			.pri_capacity = 32,
			.pri_pasid_required = true,
			.pasid = true,
			.pasid_width = PCIE_PASID_MAX_WIDTH,
			.pasid_exec = false,
			.pasid_priv = true,
		},
		.atc_entries = 64,
		.pri_timeout_ms = 5000,
		.pri_max_rounds = EP_PRI_MAX_ROUNDS,
	};
}

void ep_config_platform(struct ep_config *cfg, uint32_t sid)
{
	*cfg = (struct ep_config){
		.sid = sid,
		.pcie = false,
		.pri_timeout_ms = 5000,
		.pri_max_rounds = EP_PRI_MAX_ROUNDS,
	};
}

/* Software changed a capability's control register. */
static void ep_cfg_hook(void *ctx, unsigned int cap_id, unsigned int off, uint32_t written)
{
	struct ep *ep = ctx;

	if (cap_id == PCIE_EXT_CAP_ID_PRI && off == PCIE_PRI_CTRL) {
		ep_pri_ctrl_written(ep, written);
		return;
	}
	/*
	 * ATS Enable toggled: an ATC must not hold translations across a
	 * disable (§10.5.1.3); flushing on both edges keeps it simple.
	 */
	if (cap_id == PCIE_EXT_CAP_ID_ATS && off == PCIE_ATS_CTRL && ep->has_atc) {
		bool on = pcie_cfg_state(&ep->cfg) & PCIE_ST_ATS;

		if (__atomic_exchange_n(&ep->ats_on, on, __ATOMIC_SEQ_CST) != on)
			atc_flush(&ep->atc);
	}
}

static int ep_init_parts(struct ep *ep, const struct ep_config *cfg)
{
	struct pcie_func_config none = { 0 };
	int ret;

	ret = pcie_cfg_init(&ep->cfg, cfg->pcie ? &cfg->func : &none);
	if (ret)
		return ret;
	ret = ep_pri_init(ep);
	if (ret)
		goto err_cfg;
	if (cfg->pcie && cfg->func.ats) {
		ret = atc_init(&ep->atc, cfg->atc_entries ? cfg->atc_entries : 64);
		if (ret)
			goto err_pri;
		ep->has_atc = true;
	}
	pcie_cfg_set_hook(&ep->cfg, ep_cfg_hook, ep);
	return 0;

err_pri:
	ep_pri_fini(ep);
err_cfg:
	pcie_cfg_fini(&ep->cfg);
	return ret;
}

/* Until attached, a function reaches nothing upstream. */
static int detached_translate(void *ctx, const struct smmu_txn *txn,
			      struct smmu_txn_result *res)
{
	(void)ctx;
	(void)txn;
	(void)res;
	return -ENODEV;
}

static void detached_txn_end(void *ctx, struct smmu_txn_result *res)
{
	(void)ctx;
	(void)res;
}

static int detached_page_request(void *ctx, uint32_t sid, const struct smmu_page_req *req)
{
	(void)ctx;
	(void)sid;
	(void)req;
	return -ENODEV;
}

static const struct ep_upstream_ops detached_ops = {
	.translate = detached_translate,
	.txn_end = detached_txn_end,
	.page_request = detached_page_request,
};

struct ep *ep_create(const struct ep_config *cfg, const struct mem_bus *bus,
		     const struct ep_upstream *up)
{
	const struct ep_upstream detached = { .ops = &detached_ops };
	struct ep *ep;

	if (!bus)
		return NULL;
	if (!up || !up->ops)
		up = &detached;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return NULL;
	ep->sid = cfg->sid;
	ep->pcie = cfg->pcie;
	ep->pasid_width = cfg->pcie ? cfg->func.pasid_width : PCIE_PASID_MAX_WIDTH;
	ep->pri_timeout_ms = cfg->pri_timeout_ms ? cfg->pri_timeout_ms : 5000;
	ep->pri_max_rounds = cfg->pri_max_rounds ? cfg->pri_max_rounds : EP_PRI_MAX_ROUNDS;
	ep->bus = *bus;
	ep->up = *up;
	if (ep_init_parts(ep, cfg)) {
		free(ep);
		return NULL;
	}
	return ep;
}

void ep_destroy(struct ep *ep)
{
	if (!ep)
		return;
	if (ep->has_atc)
		atc_fini(&ep->atc);
	ep_pri_fini(ep);
	pcie_cfg_fini(&ep->cfg);
	free(ep);
}

/* Bytes from @addr to the end of its 2^shift region, capped. */
static uint64_t bytes_to_end(uint64_t addr, unsigned int shift)
{
	uint64_t left;

	if (shift < 12)
		shift = 12;
	if (shift >= 64)
		return EP_MAX_LEN;
	left = (1ULL << shift) - (addr & ((1ULL << shift) - 1));
	return left < EP_MAX_LEN ? left : EP_MAX_LEN;
}

static bool perm_ok(bool r, bool w, bool x, unsigned int acc)
{
	if (acc & WALK_ACC_WRITE)
		return w;
	if ((acc & WALK_ACC_EXEC) && !x)
		return false;
	return r;
}

/* An Untranslated request: the SMMU translates it (and may stall it). */
static int ep_untranslated(struct ep *ep, const struct ep_access *a, unsigned int acc,
			   struct ep_xlate *xl)
{
	struct smmu_txn txn = {
		.sid = ep->sid, .ssv = a->pv, .ssid = a->pv ? a->pasid : 0,
		.addr = a->addr, .acc = acc, .type = SMMU_TXN_UNTRANSLATED,
	};

	stat_inc(&ep->stats.untranslated);
	if (ep->up.ops->translate(ep->up.ctx, &txn, &xl->res))
		return -EIO;
	switch (xl->res.status) {
	case SMMU_TXN_OK:
		xl->pa = xl->res.pa;
		xl->len = bytes_to_end(a->addr, xl->res.size_shift);
		break;
	case SMMU_TXN_RAZWI:
		xl->razwi = true;
		xl->pa = 0;
		xl->len = bytes_to_end(a->addr, 12);
		break;
	default:
		ep->up.ops->txn_end(ep->up.ctx, &xl->res);
		return xl->res.status == SMMU_TXN_ABORT ? -EFAULT : -EIO;
	}
	xl->path = EP_PATH_UNTRANSLATED;
	return 0;
}

/* The link's view of an ATS result: a translation completion data entry. */
static uint64_t ats_completion(const struct smmu_txn_result *res)
{
	unsigned int shift = res->size_shift < 12 ? 12 : res->size_shift;
	uint64_t base = shift >= 64 ? 0 : res->pa & ~((1ULL << shift) - 1);
	uint64_t cpl = pcie_s_encode(base, shift);

	if (res->perm & WALK_PERM_R)
		cpl |= PCIE_ATS_CPL_R;
	if (res->perm & WALK_PERM_W)
		cpl |= PCIE_ATS_CPL_W;
	if (res->perm & WALK_PERM_X)
		cpl |= PCIE_ATS_CPL_EXE;
	if (res->priv)
		cpl |= PCIE_ATS_CPL_PRIV;
	if (res->global)
		cpl |= PCIE_ATS_CPL_GLOBAL;
	if (res->untranslated_only)
		cpl |= PCIE_ATS_CPL_U;
	return cpl;
}

/*
 * Send a Translation Request for @key. 0 with the completion entry in
 * *@cpl (R = W = 0: the translation faulted), or -EIO for UR / CA.
 */
static int ats_request(struct ep *ep, const struct atc_key *key, unsigned int acc,
		       uint64_t *cpl)
{
	struct smmu_txn txn = {
		.sid = ep->sid, .ssv = key->pv, .ssid = key->pv ? key->pasid : 0,
		.addr = key->addr & PCIE_ATS_CPL_ADDR, .acc = acc,
		.type = SMMU_TXN_ATS_REQUEST,
		/* NW: a read must not make the page dirty (§10.2.2). */
		.no_write = !(acc & WALK_ACC_WRITE),
	};
	struct smmu_txn_result res;
	int ret = 0;

	stat_inc(&ep->stats.ats_requests);
	if (ep->up.ops->translate(ep->up.ctx, &txn, &res))
		return -EIO;
	if (res.status == SMMU_TXN_OK) {
		*cpl = ats_completion(&res);
	} else if (res.status == SMMU_TXN_ATS_FAULT) {
		*cpl = 0;
		stat_inc(&ep->stats.ats_faults);
	} else {
		ret = -EIO;
	}
	/* Nothing moves under an ATS request: the ATC section covers the use. */
	ep->up.ops->txn_end(ep->up.ctx, &res);
	return ret;
}

/*
 * A Translated request to @pa, inside the ATC read section @tok (which
 * this takes over). The SMMU checks it (CR0.ATSCHK) and passes it through.
 */
static int ep_translated(struct ep *ep, grace_token_t tok, uint64_t pa, uint64_t len,
			 const struct ep_access *a, unsigned int acc, struct ep_xlate *xl)
{
	struct smmu_txn txn = {
		.sid = ep->sid, .ssv = a->pv, .ssid = a->pv ? a->pasid : 0,
		.addr = pa, .acc = acc, .type = SMMU_TXN_TRANSLATED,
	};

	if (ep->up.ops->translate(ep->up.ctx, &txn, &xl->res))
		goto err_unlock;
	if (xl->res.status != SMMU_TXN_OK) {
		ep->up.ops->txn_end(ep->up.ctx, &xl->res);
		goto err_unlock;
	}
	xl->pa = pa;
	xl->len = len;
	xl->path = EP_PATH_TRANSLATED;
	xl->atc_locked = true;
	xl->atc_tok = tok;
	return 0;

err_unlock:
	atc_read_unlock(&ep->atc, tok);
	return -EIO;
}

/* Page requests for one faulting access; 0 means "translate again". */
static int ep_fault_in(struct ep *ep, const struct ep_access *a, unsigned int acc)
{
	struct ep_page page = { .addr = a->addr, .acc = acc };
	int code;

	code = ep_page_request_group(ep, a->pv, a->pasid, &page, 1);
	if (code < 0)
		return code;
	if (code == PCIE_PRG_SUCCESS)
		return 0;
	return code == PCIE_PRG_INVALID ? -EFAULT : -EIO;
}

static int ep_translate_ats(struct ep *ep, const struct ep_access *a, unsigned int acc,
			    struct ep_xlate *xl)
{
	struct atc_key key = {
		.pv = a->pv, .pasid = a->pv ? a->pasid : 0,
		.priv = acc & WALK_ACC_PRIV, .addr = a->addr,
	};
	struct ep_pri_retry retry = { 0 };
	struct atc_hit hit;
	grace_token_t tok;
	uint64_t cpl, gen;
	int ret;

	for (;;) {
		tok = atc_read_lock(&ep->atc);
		if (atc_lookup(&ep->atc, &key, &hit)) {
			if (hit.untranslated_only)
				goto untranslated;
			if (perm_ok(hit.r, hit.w, hit.x, acc)) {
				stat_inc(&ep->stats.atc_hits);
				return ep_translated(ep, tok, hit.pa,
						     bytes_to_end(a->addr, hit.shift), a, acc, xl);
			}
		}
		gen = atc_generation(&ep->atc);
		ret = ats_request(ep, &key, acc, &cpl);
		if (ret) {
			atc_read_unlock(&ep->atc, tok);
			return ret;
		}
		if (cpl & PCIE_ATS_CPL_U)
			goto untranslated;
		if (perm_ok(cpl & PCIE_ATS_CPL_R, cpl & PCIE_ATS_CPL_W,
			    cpl & PCIE_ATS_CPL_EXE, acc)) {
			unsigned int shift = pcie_s_shift(cpl);
			uint64_t off = shift >= 64 ? a->addr : a->addr & ((1ULL << shift) - 1);

			atc_fill(&ep->atc, &key, cpl, gen);
			return ep_translated(ep, tok, pcie_s_base(cpl) | off,
					     bytes_to_end(a->addr, shift), a, acc, xl);
		}
		atc_read_unlock(&ep->atc, tok);
		if (a->no_wait)
			return -EAGAIN;
		if (!a->fault_in || !(pcie_cfg_state(&ep->cfg) & PCIE_ST_PRI) ||
		    !ep_pri_retry(ep, &retry))
			return -EFAULT;
		ret = ep_fault_in(ep, a, acc);
		if (ret)
			return ret;
	}

untranslated:
	atc_read_unlock(&ep->atc, tok);
	if (a->no_wait)
		return -EAGAIN;	/* the SMMU may stall an Untranslated request */
	return ep_untranslated(ep, a, acc, xl);
}

/* The access attributes the function can express right now. */
static unsigned int ep_effective_acc(const struct ep *ep, uint32_t st, const struct ep_access *a)
{
	unsigned int acc = a->acc;

	if (!ep->pcie)
		return acc;
	/* Exe and Priv exist only in the PASID prefix, when enabled (§6.20). */
	if (!a->pv || !(st & PCIE_ST_PASID_EXEC))
		acc &= ~WALK_ACC_EXEC;
	if (!a->pv || !(st & PCIE_ST_PASID_PRIV))
		acc &= ~WALK_ACC_PRIV;
	return acc;
}

int ep_translate(struct ep *ep, const struct ep_access *a, struct ep_xlate *xl)
{
	uint32_t st = pcie_cfg_state(&ep->cfg);
	unsigned int acc;

	xl->path = EP_PATH_NONE;
	xl->atc_locked = false;
	xl->razwi = false;
	if (ep->pcie) {
		if (!(st & PCIE_ST_MASTER))
			return -EPERM;
		if (a->pv && !(st & PCIE_ST_PASID))
			return -EPERM;
		/* A PASID wider than the capability says cannot be sent. */
		if (a->pv && (a->pasid >> ep->pasid_width))
			return -EPERM;
	}
	acc = ep_effective_acc(ep, st, a);
	stat_inc(&ep->stats.translations);
	if (ep->has_atc && (st & PCIE_ST_ATS))
		return ep_translate_ats(ep, a, acc, xl);
	if (a->no_wait)
		return -EAGAIN;
	return ep_untranslated(ep, a, acc, xl);
}

void ep_access_end(struct ep *ep, struct ep_xlate *xl)
{
	if (xl->path != EP_PATH_NONE)
		ep->up.ops->txn_end(ep->up.ctx, &xl->res);
	if (xl->atc_locked)
		atc_read_unlock(&ep->atc, xl->atc_tok);
	xl->path = EP_PATH_NONE;
	xl->atc_locked = false;
}

/* Over the link: an Invalidate Request with an S-encoded range, as the ATC decodes it. */
static void ep_atc_inv_decode(const struct smmu_atc_inv *inv, struct atc_inv *ainv)
{
	unsigned int shift = inv->size >= 52 ? 64 : 12 + inv->size;
	uint64_t payload;

	payload = pcie_s_encode(inv->addr, shift) | (inv->global ? PCIE_ATS_INV_GLOBAL : 0);
	atc_inv_decode(payload, inv->ssv, inv->ssid, ainv);
}

int ep_atc_inv_start(void *ctx, const struct smmu_atc_inv *inv, uint64_t *token)
{
	struct ep *ep = ctx;
	struct atc_inv ainv;

	*token = 0;
	if (!ep->has_atc)
		return 0;
	ep_atc_inv_decode(inv, &ainv);
	*token = atc_invalidate_start(&ep->atc, &ainv, NULL);
	stat_inc(&ep->stats.atc_invalidations);
	return 0;
}

bool ep_atc_inv_done(void *ctx, uint64_t token, bool wait)
{
	struct ep *ep = ctx;

	return !ep->has_atc || atc_invalidate_done(&ep->atc, token, wait);
}

int ep_atc_invalidate(void *ctx, const struct smmu_atc_inv *inv)
{
	uint64_t token;
	int ret = ep_atc_inv_start(ctx, inv, &token);

	if (!ret)
		ep_atc_inv_done(ctx, token, true);
	return ret;
}

const struct smmu_ep_ops ep_smmu_ops = {
	.atc_inv = ep_atc_invalidate,
	.pri_resp = ep_prg_response,
	.atc_inv_start = ep_atc_inv_start,
	.atc_inv_done = ep_atc_inv_done,
};

void ep_get_stats(const struct ep *ep, struct ep_stats *st)
{
	const uint64_t *src = (const uint64_t *)&ep->stats;
	uint64_t *dst = (uint64_t *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], RELAXED);
}
