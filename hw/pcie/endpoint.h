/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device function as the IOMMU sees it (prefix ep_): a PCIe function with
 * config space, an ATC and a Page Request Interface, or a platform device
 * that only issues untranslated transactions (no config capabilities, no
 * ATC, no PRI; with SMMU stall, a faulting transaction simply waits inside
 * the SMMU until software resumes or terminates it).
 *
 * Device engines (hw/dma) reach memory only through this:
 *
 *	ep_translate(ep, &acc, &xl)   ->  xl.pa: move up to xl.len bytes there
 *	bus_read/bus_write(ep_bus(ep), xl.pa, ...)
 *	ep_access_end(ep, &xl)
 *
 * ep_translate() of a PCIe function with ATS enabled looks the ATC up; on a
 * miss it sends an ATS Translation Request (no-write for reads), caches the
 * completion, and issues the access as a Translated request. When the
 * translation faults and the caller allows it, PRI page requests go out
 * (grouped, Last on the final one, within the allocated credits) and the
 * caller waits, bounded, for the PRG response: Success retries (paced and
 * bounded, ep_pri_retry()), Invalid Request fails the access, Response
 * Failure stops PRI until a PRI reset.
 * Without ATS the access is an Untranslated request through the SMMU.
 *
 * The SMMU side is reached through struct ep_upstream (the smmu_* calls of
 * hw/smmu/smmu.h in production: ep_attach_smmu(), hw/pcie/smmu_link.c;
 * tests plug in their own). The SMMU reaches the function through
 * ep_atc_invalidate() and ep_prg_response() (its struct smmu_ep_ops).
 */
#ifndef HW_PCIE_ENDPOINT_H
#define HW_PCIE_ENDPOINT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/pcie.h"
#include "hw/bus.h"
#include "hw/pcie/atc.h"
#include "hw/pcie/config.h"
#include "hw/smmu/smmu.h"

struct smmu;

/* The function's way upstream: the calls of hw/smmu/smmu.h, injectable. */
struct ep_upstream_ops {
	int (*translate)(void *ctx, const struct smmu_txn *txn, struct smmu_txn_result *res);
	void (*txn_end)(void *ctx, struct smmu_txn_result *res);
	int (*page_request)(void *ctx, uint32_t sid, const struct smmu_page_req *req);
};

struct ep_upstream {
	const struct ep_upstream_ops *ops;
	void *ctx;
};

struct ep_config {
	uint32_t sid;			/* StreamID = PCIe Requester ID */
	bool pcie;			/* false: platform device */
	struct pcie_func_config func;	/* PCIe: the capabilities */
	unsigned int atc_entries;	/* PCIe with ATS: ATC size (default 64) */
	unsigned int pri_timeout_ms;	/* bound on a PRG response wait (default 5000) */
	unsigned int pri_max_rounds;	/* page requests per access (default 64, see ep_pri_retry()) */
};

/* A request for access to one address. */
struct ep_access {
	bool pv;			/* PASID valid (PCIe: PASID must be enabled) */
	uint32_t pasid;
	uint64_t addr;
	unsigned int acc;		/* WALK_ACC_READ / WRITE / EXEC / PRIV */
	bool fault_in;			/* on a fault, page requests (PCIe + PRI) */
	/*
	 * Wait for nothing: only a translation through the ATC (a hit, or an
	 * ATS Translation Request, which the SMMU answers without stalling)
	 * is made; a fault, or a request that would have to go Untranslated
	 * (where the SMMU may stall it), is -EAGAIN at once, with no page
	 * request. For an engine that holds another access's section.
	 */
	bool no_wait;
};

enum ep_path {
	EP_PATH_NONE,
	EP_PATH_UNTRANSLATED,		/* through the SMMU's translation */
	EP_PATH_TRANSLATED,		/* ATC hit or fresh ATS completion */
};

/* The result of ep_translate(): where to move the bytes, and the section. */
struct ep_xlate {
	uint64_t pa;			/* physical address of acc.addr */
	uint64_t len;			/* bytes usable from pa (to the end of the translation) */
	bool razwi;			/* terminated: reads as zero, writes ignored */
	/* Private. */
	enum ep_path path;
	bool atc_locked;
	grace_token_t atc_tok;
	struct smmu_txn_result res;
};

/* One page of a page request group. */
struct ep_page {
	uint64_t addr;
	unsigned int acc;		/* WALK_ACC_WRITE for write access, ... */
};

struct ep_stats {
	uint64_t translations, atc_hits, ats_requests, ats_faults, untranslated;
	uint64_t page_requests, prg_groups, prg_success, prg_invalid, prg_failure;
	uint64_t prg_unexpected, prg_timeouts, atc_invalidations;
	uint64_t pri_rerequests;	/* asked again: a Success left the page faulting */
	uint64_t pri_backoff_us;	/* paused before those, in total */
	uint64_t pri_gave_up;		/* accesses that spent their page-request budget */
};

/* PRI state (hw/pcie/pri.c). */
struct ep_prg {
	bool busy;			/* index in use */
	bool done;			/* response arrived */
	bool abandoned;			/* waiter gave up; free on response */
	bool pv;
	uint32_t pasid;
	uint16_t nreq;			/* request messages (credits) it holds */
	uint8_t code;			/* enum pcie_prg_code */
};

struct ep_pri {
	pthread_mutex_t lock;		/* everything below */
	pthread_cond_t cond;		/* credits freed, responses, reset */
	uint32_t alloc;			/* allocation latched at enable */
	uint32_t outstanding;		/* request messages awaiting a response */
	bool enabled;
	bool halted;			/* Response Failure received: until reset */
	uint64_t reset_gen;		/* bumped by each PRI reset */
	uint16_t next;			/* next PRG index to try */
	struct ep_prg prg[PCIE_PRG_INDEXES];
};

struct ep {
	uint32_t sid;
	bool pcie;
	unsigned int pasid_width;	/* PASIDs the function can emit */
	unsigned int pri_timeout_ms;
	unsigned int pri_max_rounds;
	struct mem_bus bus;		/* memory, at translated addresses */
	struct ep_upstream up;
	struct pcie_cfg cfg;
	struct atc atc;
	bool has_atc;
	bool ats_on;			/* last ATS Enable seen (hook, atomic) */
	struct ep_pri pri;
	struct ep_stats stats;		/* atomic, relaxed */
};

/* Defaults: a PCIe function with PASID (20 bits), ATS and PRI (capacity 32). */
void ep_config_default(struct ep_config *cfg, uint32_t sid);
void ep_config_platform(struct ep_config *cfg, uint32_t sid);

/*
 * Create over @bus, talking upstream through @up (NULL: nothing upstream
 * until ep_attach_smmu()). Attach before the function issues requests.
 * NULL on error.
 */
struct ep *ep_create(const struct ep_config *cfg, const struct mem_bus *bus,
		     const struct ep_upstream *up);
void ep_destroy(struct ep *ep);

static inline struct pcie_cfg *ep_cfg(struct ep *ep)
{
	return &ep->cfg;
}

static inline const struct mem_bus *ep_bus(const struct ep *ep)
{
	return &ep->bus;
}

/*
 * Translate @a for one access. 0: move at most xl->len bytes at xl->pa
 * (or, if xl->razwi, read zeros / drop writes), then call ep_access_end().
 * Errors (nothing to end): -EFAULT the translation faults (after page
 * requests if allowed), -EIO aborted (UR/CA, translated request refused,
 * PRI stopped), -ETIMEDOUT no PRG response in time, -EPERM the function may
 * not issue it (Bus Master or PASID disabled), -EAGAIN (@a->no_wait) it
 * would have had to wait.
 */
int ep_translate(struct ep *ep, const struct ep_access *a, struct ep_xlate *xl);
void ep_access_end(struct ep *ep, struct ep_xlate *xl);

/*
 * Send one page request group for @pages (PCIe with PRI enabled) and wait
 * for its response. Returns the PRG response code (>= 0), or -EIO (PRI
 * disabled, stopped, or reset meanwhile), -ETIMEDOUT, -EINVAL (n == 0 or
 * more pages than the allocation could ever cover).
 */
int ep_page_request_group(struct ep *ep, bool pv, uint32_t pasid,
			  const struct ep_page *pages, unsigned int n);
/*
 * The function's page-request budget for one access (hw/pcie/pri.c).
 *
 * A PRG Response Success tells the function to translate again: the host
 * made the pages resident, or the SMMU answered by itself because its PRI
 * queue could not take the request (SMMUv3 §8.1: on the automatic Success
 * the device is expected to attempt the ATS request and the PRI request
 * again, by when software may have freed space for them).
 * The function cannot tell the two apart, so when the access still faults
 * after a Success it asks again:
 *  - for the faulting page alone (no read-ahead while the host lags);
 *  - after a pause that doubles from EP_PRI_BACKOFF_MIN_US up to
 *    EP_PRI_BACKOFF_MAX_US, so retries leave the host time to drain its
 *    queue instead of spending the budget within microseconds;
 *  - at most ep->pri_max_rounds page requests for the access. The budget
 *    is per access: every access that translates starts afresh, so a busy
 *    host slows a DMA down without failing it, while a host that answers
 *    Success and never makes the page resident ends the access (about
 *    pri_max_rounds * EP_PRI_BACKOFF_MAX_US with the defaults: ~0.5 s),
 *    and one that never answers ends it after pri_timeout_ms.
 * Invalid Request and Response Failure end the access at once.
 *
 * Usage, for each access:
 *	struct ep_pri_retry r = { 0 };
 *	while (translation faults) {
 *		if (!ep_pri_retry(ep, &r))  give up (-EFAULT)
 *		send a group: r.again ? just the faulting page : read-ahead allowed
 *	}
 */
#define EP_PRI_BACKOFF_MIN_US	2
#define EP_PRI_BACKOFF_MAX_US	10000

struct ep_pri_retry {
	unsigned int round;		/* page requests allowed so far */
	bool again;			/* this one re-asks after a Success */
};

/*
 * May one more page request go out for this access? Before a re-request it
 * pauses for the back-off. false once the budget is spent.
 */
bool ep_pri_retry(struct ep *ep, struct ep_pri_retry *r);

/* Send a PASID Stop Marker (L = 1, R = W = 0). 0 or -errno. */
int ep_stop_marker(struct ep *ep, uint32_t pasid);

/* From the SMMU (struct smmu_ep_ops). */
int ep_atc_invalidate(void *ep, const struct smmu_atc_inv *inv);
int ep_atc_inv_start(void *ep, const struct smmu_atc_inv *inv, uint64_t *token);
bool ep_atc_inv_done(void *ep, uint64_t token, bool wait);
void ep_prg_response(void *ep, const struct smmu_pri_resp *resp);
extern const struct smmu_ep_ops ep_smmu_ops;

/* Wire @ep to @smmu: upstream = smmu_* calls, and smmu_attach_endpoint(). */
int ep_attach_smmu(struct ep *ep, struct smmu *smmu);

void ep_get_stats(const struct ep *ep, struct ep_stats *st);

/* PRI internals shared with endpoint.c (hw/pcie/pri.c). */
int ep_pri_init(struct ep *ep);
void ep_pri_fini(struct ep *ep);
void ep_pri_ctrl_written(struct ep *ep, uint32_t written);

#endif /* HW_PCIE_ENDPOINT_H */
