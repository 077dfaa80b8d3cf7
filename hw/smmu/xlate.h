/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The translation side of the SMMU model (BACK): everything a transaction,
 * a command's effect, an endpoint or a DVM message touches, hanging off
 * smmu->xlate.
 *
 *   smmu_translate()  grace read section -> STE (cfgcache / ste.c) -> CD
 *                     (cfgcache / cd.c) -> TLB (tlb.c) or walk (hw/walk) ->
 *                     fault: event record / stall (stall.c)
 *   smmu_cmd_execute() CFGI -> cfgcache, TLBI -> TLB, ATC_INV -> endpoint
 *                     (ats.c), PRI_RESP -> endpoint (pri.c), RESUME /
 *                     STALL_TERM -> stall.c
 *   smmu_sync_wait()  grace_synchronize(): no translation that began before
 *                     it (and could have used an invalidated entry) is left;
 *                     the ATC invalidations started before it are complete
 *   DVM (btm.c)       broadcast TLBI -> TLB, except ASET = 1 entries
 */
#ifndef HW_SMMU_XLATE_H
#define HW_SMMU_XLATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/cpu.h"
#include "hw/grace.h"
#include "hw/smmu/config.h"
#include "hw/smmu/smmu.h"
#include "hw/smmu/tlb.h"

struct smmu;
struct smmu_event;

#define SMMU_MAX_ENDPOINTS	256
#define SMMU_TLB_DEFAULT	2048
#define SMMU_TLB_WAYS		4	/* associativity, unless the TLB is smaller */
#define SMMU_CFG_DEFAULT	512

struct smmu_endpoint {
	uint32_t sid;
	const struct smmu_ep_ops *ops;
	void *ctx;
};

/* An ATC invalidation started by CMD_ATC_INV whose completion CMD_SYNC waits for. */
struct smmu_atc_wait {
	const struct smmu_ep_ops *ops;
	void *ctx;
	uint64_t token;
};

/* Stall states of a STAG slot. */
enum smmu_stall_state {
	SMMU_STALL_FREE,
	SMMU_STALL_WAITING,	/* stalled: recorded or waiting to be, until answered */
	SMMU_STALL_RETRY,
	SMMU_STALL_ABORT,
	SMMU_STALL_RAZWI,
	SMMU_STALL_STOPPED,	/* released by smmu_destroy(): touch nothing more */
};

struct smmu_stall_slot {
	uint32_t sid;
	uint8_t state;		/* enum smmu_stall_state */
};

struct smmu_stall_table {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct smmu_stall_slot *slots;	/* STAG = index */
	unsigned int nr;		/* STALL_MAX */
	unsigned int next;		/* where the next search starts */
	unsigned int waiting;
	bool stopping;
};

struct smmu_xlate {
	struct smmu *smmu;
	struct grace grace;		/* translations in flight */
	struct smmu_tlb *tlb;
	struct smmu_cfgcache *cfg;
	struct smmu_stall_table stall;

	pthread_mutex_t ep_lock;	/* endpoints[] */
	struct smmu_endpoint endpoints[SMMU_MAX_ENDPOINTS];
	unsigned int nr_endpoints;
	int atc_inv_failed;		/* an ATC_INV failed since the last SYNC */
	/* Started ATC invalidations, one per endpoint (the command consumer's). */
	struct smmu_atc_wait atc_waits[SMMU_MAX_ENDPOINTS];
	unsigned int nr_atc_waits;

	struct dvm_listener dvm;
	unsigned long dvm_ops;		/* broadcast TLBIs applied (stats) */
};

/* stall.c */
int smmu_stall_init(struct smmu_stall_table *st, unsigned int stall_max);
void smmu_stall_fini(struct smmu_stall_table *st);
/* Wake every parked transaction with "abort" (destroy, reset). */
void smmu_stall_release_all(struct smmu_stall_table *st);
/*
 * Park the calling thread: takes a STAG (-ENOSPC if all STALL_MAX are in
 * use), records @ev with Stall = 1 and that STAG, then sleeps until
 * CMD_RESUME / CMD_STALL_TERM. While the event queue is not writable it
 * sleeps unrecorded, and returns SMMU_STALL_RETRY once it is (or once an
 * invalidation since @cfg_gen / @tlb_gen, the generations the transaction
 * began with, made the record out of date). Returns the final state:
 * SMMU_STALL_RETRY, _ABORT or _RAZWI; -ENODEV when SMMUEN == 0 (abort); or
 * SMMU_STALL_STOPPED when smmu_destroy() released it, after which the SMMU
 * may be gone.
 */
int smmu_stall_park(struct smmu *smmu, struct smmu_event *ev, unsigned long cfg_gen,
		    unsigned long tlb_gen);
/* CMD_RESUME: 0, or -ENOENT when no stalled transaction has (sid, stag). */
int smmu_stall_resume(struct smmu_stall_table *st, uint32_t sid, uint16_t stag,
		      enum smmu_stall_state action);
/* CMD_STALL_TERM: terminate (abort) every stalled transaction of @sid. */
unsigned int smmu_stall_term(struct smmu_stall_table *st, uint32_t sid);
unsigned int smmu_stall_waiting(struct smmu_stall_table *st);

/* ats.c / pri.c */
bool smmu_endpoint_get(struct smmu_xlate *x, uint32_t sid, struct smmu_endpoint *ep);
int smmu_atc_inv_exec(struct smmu *smmu, const struct smmu_atc_inv *inv);
/* Would CMD_ATC_INV to @sid wait for the endpoint (it has no two-half form)? */
bool smmu_atc_inv_blocks(struct smmu *smmu, uint32_t sid);
/* Have the started ATC invalidations completed? @wait: until they have. */
bool smmu_atc_waits_done(struct smmu *smmu, bool wait);
void smmu_pri_resp_exec(struct smmu *smmu, uint32_t sid, bool ssv, uint32_t ssid,
			uint16_t grpid, unsigned int resp);

/* btm.c */
void smmu_btm_init(struct smmu *smmu);

/* translate.c: the configuration a transaction resolves to (used by pri.c too). */
int smmu_xlate_get_ste(struct smmu *smmu, uint32_t sid, struct smmu_ste_cfg *ste,
		       struct smmu_cfg_err *err);

#endif /* HW_SMMU_XLATE_H */
