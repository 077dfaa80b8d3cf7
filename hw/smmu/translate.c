// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction path (SMMUv3 §3.1, §3.9, §3.12, §5): a transaction from a
 * device, an ATS Translation Request or an ATS-Translated access is checked
 * against SMMUEN/GBPA, its STE, its CD (substream rules), then translated
 * through the TLB or a stage-1 walk. Every stage either passes a config on
 * or ends in one epilogue that records the event and terminates, stalls,
 * or answers the ATS request.
 *
 * The whole translation, and the caller's use of its result until
 * smmu_txn_end(), is one grace read section: CMD_SYNC waits for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "hw/smmu/cmd.h"
#include "hw/smmu/event.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/xlate.h"

/* What a stage decided. */
enum xlate_step {
	XLATE_NEXT,		/* go on to the next stage */
	XLATE_DONE,		/* res is final */
	XLATE_STALL,		/* park on a STAG, then retry or terminate */
};

struct xlate {
	struct smmu *smmu;
	const struct smmu_txn *txn;
	struct smmu_txn_result *res;
	unsigned int acc;		/* access after STE overrides */
	struct smmu_ste_cfg ste;
	struct smmu_cd_cfg cd;
	bool upper;			/* the VA is in the TTB1 half */
	struct smmu_event ev;		/* the fault to stall on, or to record */
	/*
	 * Cache generations read before the STE is looked up: the CD depends
	 * on that STE and a TLB entry on that CD, so a CFGI or TLBI issued
	 * after it began must refuse every fill this translation would make,
	 * not only fills of structures fetched after the invalidation.
	 */
	unsigned long cfg_gen, tlb_gen;
	bool record;			/* ev is to be recorded */
	bool gone;			/* released by smmu_destroy() while stalled */
};

/* The token of a transaction released by smmu_destroy(): nothing to end. */
#define XLATE_NO_TOKEN	UINT64_MAX

/* ---- Events ---------------------------------------------------------------- */

static void xlate_event(struct xlate *x, uint8_t id, struct smmu_event *ev)
{
	const struct smmu_txn *txn = x->txn;

	*ev = (struct smmu_event){
		.id = id,
		.sid = txn->sid,
		.ssv = txn->ssv,
		.ssid = txn->ssv ? txn->ssid : 0,
		.rnw = !(x->acc & WALK_ACC_WRITE),
		.pnu = x->acc & WALK_ACC_PRIV,
		/* InD == 0 when RnW == 0 (§7.3.12). */
		.ind = (x->acc & WALK_ACC_EXEC) && !(x->acc & WALK_ACC_WRITE),
		.class = EVT_CLASS_IN,
		.addr = txn->addr,
	};
}

/*
 * Events are recorded by smmu_translate() once outside the read section:
 * recording may call the driver's interrupt handler on this thread, and a
 * handler issuing a CMD_SYNC must not wait for the section it runs in.
 */
static void xlate_record(struct xlate *x, uint8_t id, uint64_t addr2)
{
	xlate_event(x, id, &x->ev);
	x->ev.addr2 = addr2;
	if (id == EVT_ID_F_WALK_EABT)
		x->ev.class = EVT_CLASS_TT;
	x->record = true;
}

static enum xlate_step xlate_end(struct xlate *x, enum smmu_txn_status st)
{
	x->res->status = st;
	return XLATE_DONE;
}

/*
 * Is configuration error @id of an ATS Translation Request or a checked
 * Translated access recorded? Only with CR2.REC_CFG_ATS, and only the
 * events §3.9.1.2 / §3.9.1.3 list (C_BAD_CD is not among them); a request's
 * C_BAD_STREAMID also needs RECINVSID, a Translated access's does not.
 */
static bool xlate_ats_cfg_recorded(const struct xlate *x, int id)
{
	bool treq = x->txn->type == SMMU_TXN_ATS_REQUEST;

	if (!smmu_rec_cfg_ats(x->smmu))
		return false;
	switch (id) {
	case EVT_ID_C_BAD_STREAMID:
		return !treq || smmu_recinvsid(x->smmu);
	case EVT_ID_F_STE_FETCH:
	case EVT_ID_C_BAD_STE:
	case EVT_ID_C_BAD_SUBSTREAMID:
	case EVT_ID_F_STREAM_DISABLED:
		return true;
	case EVT_ID_F_CD_FETCH:
		return treq;
	default:
		return false;
	}
}

/*
 * The record of configuration error @id (§7.3.3-§7.3.11): the StreamID and,
 * but for F_STREAM_DISABLED, the SubstreamID (C_BAD_SUBSTREAMID always has
 * one, and no SSV flag); F_STE_FETCH and F_CD_FETCH add the fetch address.
 * InputAddr, RnW, PnU, InD and CLASS are RES0 in all of them.
 */
static void xlate_cfg_event(struct xlate *x, int id, const struct smmu_cfg_err *err)
{
	const struct smmu_txn *txn = x->txn;
	struct smmu_event *ev = &x->ev;

	*ev = (struct smmu_event){
		.id = (uint8_t)id,
		.sid = txn->sid,
		.ssv = txn->ssv,
		.ssid = txn->ssv ? txn->ssid : 0,
	};
	switch (id) {
	case EVT_ID_F_STE_FETCH:
	case EVT_ID_F_CD_FETCH:
		if (err)
			ev->addr2 = err->fetch_addr;
		break;
	case EVT_ID_C_BAD_SUBSTREAMID:
		ev->ssv = false;
		ev->ssid = err ? err->ssid : txn->ssid;
		break;
	case EVT_ID_F_STREAM_DISABLED:
		ev->ssv = false;
		ev->ssid = 0;
		break;
	}
}

/*
 * A configuration error (C_BAD_*, F_*_FETCH, F_STREAM_DISABLED): ATS
 * Translation Requests complete with CA, Translated accesses abort; both
 * record only as xlate_ats_cfg_recorded() says (§3.9.1.2-3). Others abort
 * and record (C_BAD_STREAMID only with RECINVSID).
 */
static enum xlate_step xlate_cfg_error(struct xlate *x, int id, const struct smmu_cfg_err *err)
{
	enum smmu_txn_type type = x->txn->type;
	bool ats = type != SMMU_TXN_UNTRANSLATED;
	enum smmu_txn_status st = type == SMMU_TXN_ATS_REQUEST ? SMMU_TXN_ATS_CA : SMMU_TXN_ABORT;

	if (ats ? !xlate_ats_cfg_recorded(x, id) :
		  id == EVT_ID_C_BAD_STREAMID && !smmu_recinvsid(x->smmu))
		return xlate_end(x, st);
	xlate_cfg_event(x, id, err);
	x->record = true;
	return xlate_end(x, st);
}

/* ---- Configuration ------------------------------------------------------- */

/* The STE of @sid, from the cache or fetched; a fetch is cached unless @gen is stale. */
static int xlate_get_ste_gen(struct smmu *smmu, uint32_t sid, struct smmu_ste_cfg *ste,
			     struct smmu_cfg_err *err, unsigned long gen)
{
	struct smmu_cfgcache *c = smmu->xlate->cfg;
	unsigned int reads = 0;
	int ret;

	if (smmu_cfgcache_get_ste(c, sid, ste))
		return 0;
	smmu_pmcg_inc(smmu, SMMU_PMCG_CFG_CACHE_MISS);
	ret = smmu_ste_fetch(smmu, sid, ste, err, &reads);
	smmu_pmcg_add(smmu, SMMU_PMCG_CFG_STRUCT_ACCESS, reads);
	if (!ret)
		smmu_cfgcache_put_ste(c, sid, ste, gen);
	return ret;
}

int smmu_xlate_get_ste(struct smmu *smmu, uint32_t sid, struct smmu_ste_cfg *ste,
		       struct smmu_cfg_err *err)
{
	return xlate_get_ste_gen(smmu, sid, ste, err, smmu_cfgcache_gen(smmu->xlate->cfg));
}

static int xlate_get_cd(struct xlate *x, uint32_t ssid, struct smmu_cfg_err *err)
{
	struct smmu_cfgcache *c = x->smmu->xlate->cfg;
	unsigned int reads = 0;
	int ret;

	if (smmu_cfgcache_get_cd(c, x->txn->sid, ssid, &x->cd))
		return 0;
	smmu_pmcg_inc(x->smmu, SMMU_PMCG_CFG_CACHE_MISS);
	ret = smmu_cd_fetch(x->smmu, &x->ste,
			    &(struct smmu_trace_info){ .sid = x->txn->sid, .ssv = x->txn->ssv,
						       .ssid = ssid },
			    ssid, &x->cd, err, &reads);
	smmu_pmcg_add(x->smmu, SMMU_PMCG_CFG_STRUCT_ACCESS, reads);
	if (!ret)
		smmu_cfgcache_put_cd(c, x->txn->sid, ssid, &x->cd, x->cfg_gen);
	return ret;
}

/* STE.PRIVCFG / INSTCFG overrides (§13.1); writes are never instruction. */
static unsigned int xlate_override(const struct smmu_ste_cfg *ste, unsigned int acc)
{
	if (ste->privcfg == STRTAB_STE_1_PRIVCFG_UNPRIV)
		acc &= ~WALK_ACC_PRIV;
	else if (ste->privcfg == STRTAB_STE_1_PRIVCFG_PRIV)
		acc |= WALK_ACC_PRIV;
	if (ste->instcfg == STRTAB_STE_1_INSTCFG_DATA)
		acc &= ~WALK_ACC_EXEC;
	else if (ste->instcfg == STRTAB_STE_1_INSTCFG_INSTR)
		acc |= WALK_ACC_EXEC;
	if (acc & WALK_ACC_WRITE)
		acc &= ~WALK_ACC_EXEC;
	return acc;
}

static enum xlate_step xlate_bypass(struct xlate *x)
{
	x->res->pa = x->txn->addr;
	x->res->size_shift = 12;
	x->res->perm = WALK_PERM_R | WALK_PERM_W | WALK_PERM_X;
	x->res->priv = x->acc & WALK_ACC_PRIV;
	return xlate_end(x, SMMU_TXN_OK);
}

/* Is @addr within the OAS (and so the IAS: no VMSAv8-32 here, §3.4)? */
static bool xlate_within_oas(const struct xlate *x, uint64_t addr)
{
	return x->smmu->cfg.oas >= 64 || !(addr >> x->smmu->cfg.oas);
}

/*
 * Stage 1 bypassed by STE.Config == 0b100 or STE.S1DSS (§3.4): an input
 * address beyond the IAS is a stage 1 Address Size fault, always aborted
 * and recorded, whatever a CD would say; an ATS request gets R == W == 0
 * and records nothing (§3.9.1.2).
 */
static enum xlate_step xlate_bypass_s1(struct xlate *x)
{
	if (xlate_within_oas(x, x->txn->addr))
		return xlate_bypass(x);
	if (x->txn->type == SMMU_TXN_ATS_REQUEST)
		return xlate_end(x, SMMU_TXN_ATS_FAULT);
	xlate_record(x, EVT_ID_F_ADDR_SIZE, 0);
	return xlate_end(x, SMMU_TXN_ABORT);
}

/* SMMUEN == 0 (§3.1, GBPA) and Translated traffic (§3.9.1, CR0.ATSCHK). */
static enum xlate_step xlate_global(struct xlate *x)
{
	const struct smmu_txn *txn = x->txn;

	if (!smmu_enabled(x->smmu)) {
		if (txn->type == SMMU_TXN_ATS_REQUEST) {
			xlate_record(x, EVT_ID_F_BAD_ATS_TREQ, 0);
			return xlate_end(x, SMMU_TXN_ATS_UR);
		}
		if (txn->type == SMMU_TXN_TRANSLATED) {
			xlate_record(x, EVT_ID_F_TRANSL_FORBIDDEN, 0);
			return xlate_end(x, SMMU_TXN_ABORT);
		}
		/* §3.4: beyond the OAS, abort without an event. */
		if ((smmu_gbpa(x->smmu) & SMMU_GBPA_ABORT) || !xlate_within_oas(x, txn->addr))
			return xlate_end(x, SMMU_TXN_ABORT);
		return xlate_bypass(x);
	}
	if (txn->type == SMMU_TXN_TRANSLATED && !smmu_ats_check(x->smmu)) {
		smmu_pmcg_inc(x->smmu, SMMU_PMCG_ATS_TRANS_PASSED);
		return xlate_bypass(x);	/* "fast" mode: no STE check */
	}
	return XLATE_NEXT;
}

/* The STE and what it decides before any CD is needed. */
static enum xlate_step xlate_stream(struct xlate *x)
{
	const struct smmu_txn *txn = x->txn;
	struct smmu_cfg_err err = { 0 };
	int ret;

	ret = xlate_get_ste_gen(x->smmu, txn->sid, &x->ste, &err, x->cfg_gen);
	if (ret)
		return xlate_cfg_error(x, ret, &err);
	x->acc = xlate_override(&x->ste, txn->acc);
	if (x->ste.mode == SMMU_STE_ABORT)
		return xlate_end(x, txn->type == SMMU_TXN_ATS_REQUEST ?
				 SMMU_TXN_ATS_UR : SMMU_TXN_ABORT);
	if (txn->type == SMMU_TXN_TRANSLATED) {
		if (x->ste.eats == STRTAB_STE_1_EATS_ABT) {
			xlate_record(x, EVT_ID_F_TRANSL_FORBIDDEN, 0);
			return xlate_end(x, SMMU_TXN_ABORT);
		}
		smmu_pmcg_inc(x->smmu, SMMU_PMCG_ATS_TRANS_PASSED);
		return xlate_bypass(x);
	}
	if (txn->type == SMMU_TXN_ATS_REQUEST && x->ste.eats == STRTAB_STE_1_EATS_ABT) {
		xlate_record(x, EVT_ID_F_BAD_ATS_TREQ, 0);
		return xlate_end(x, SMMU_TXN_ATS_UR);
	}
	if (x->ste.mode == SMMU_STE_BYPASS) {
		if (txn->ssv)	/* §5.2 S1Fmt: a SubstreamID without stage 1 */
			return xlate_cfg_error(x, EVT_ID_C_BAD_SUBSTREAMID, NULL);
		return xlate_bypass_s1(x);
	}
	return XLATE_NEXT;
}

/* Substream selection (§5.2 S1CDMax, S1DSS) and the CD. */
static enum xlate_step xlate_context(struct xlate *x)
{
	const struct smmu_txn *txn = x->txn;
	struct smmu_cfg_err err = { 0 };
	uint32_t ssid = 0;
	int ret;

	if (txn->ssv) {
		if (!x->ste.s1cdmax || txn->ssid >= (1u << x->ste.s1cdmax))
			return xlate_cfg_error(x, EVT_ID_C_BAD_SUBSTREAMID, NULL);
		if (txn->ssid == 0 && x->ste.s1dss == STRTAB_STE_1_S1DSS_SSID0)
			return xlate_cfg_error(x, EVT_ID_F_STREAM_DISABLED, NULL);
		ssid = txn->ssid;
	} else if (x->ste.s1cdmax) {
		if (x->ste.s1dss == STRTAB_STE_1_S1DSS_BYPASS)
			return xlate_bypass_s1(x);
		if (x->ste.s1dss != STRTAB_STE_1_S1DSS_SSID0)
			return xlate_cfg_error(x, EVT_ID_F_STREAM_DISABLED, NULL);
	}
	ret = xlate_get_cd(x, ssid, &err);
	if (ret)
		return xlate_cfg_error(x, ret, &err);
	return XLATE_NEXT;
}

/* ---- Translation --------------------------------------------------------- */

/* Permissions a cached or walked translation grants @acc, with PAN and WXN. */
static bool xlate_permitted(const struct smmu_cd_cfg *cd, uint8_t perm_el0,
			    uint8_t perm_el1, unsigned int acc)
{
	bool priv = acc & WALK_ACC_PRIV;
	uint8_t p = priv ? perm_el1 : perm_el0;

	if (acc & WALK_ACC_EXEC)
		return (p & WALK_PERM_X) && !(cd->wxn && (p & WALK_PERM_W));
	if (priv && cd->pan && (perm_el0 & (WALK_PERM_R | WALK_PERM_W)))
		return false;
	return (acc & WALK_ACC_WRITE) ? (p & WALK_PERM_W) : (p & WALK_PERM_R);
}

static void xlate_tlb_key(const struct xlate *x, uint64_t va, struct smmu_tlb_key *key)
{
	key->va = va;
	key->asid = x->cd.asid;
	key->vmid = x->ste.vmid;
	key->regime = x->ste.world == SMMU_WORLD_EL1 ? SMMU_TLB_EL1 : SMMU_TLB_EL2;
	key->aset = x->cd.aset;
}

static void xlate_fill(struct xlate *x, uint64_t va, const struct walk_result *wr,
		       unsigned long gen)
{
	struct smmu_tlb_entry e = {
		.va = va & ~((1ULL << wr->leaf_shift) - 1),
		.oa = wr->oa & ~((1ULL << wr->leaf_shift) - 1),
		.asid = x->cd.asid,
		.vmid = x->ste.vmid,
		.leaf_shift = wr->leaf_shift,
		.level = (uint8_t)wr->level,
		.perm_el0 = wr->perm_el0,
		.perm_el1 = wr->perm_el1,
		.attr_idx = wr->attr_idx,
		.sh = wr->sh,
		.regime = x->ste.world == SMMU_WORLD_EL1 ? SMMU_TLB_EL1 : SMMU_TLB_EL2,
		.global = !wr->ng || x->ste.world == SMMU_WORLD_EL2,
		.aset = x->cd.aset,
		.writable_clean = wr->writable_clean,
	};

	smmu_tlb_insert(x->smmu->xlate->tlb, &e, gen);
}

/*
 * A stage-1 fault (§5.5): ATS requests get a completion with no access;
 * F_WALK_EABT always aborts and records; the others stall (CD.S), record
 * (CD.R) and abort or read-as-zero (CD.A).
 */
static enum xlate_step xlate_fault(struct xlate *x, uint8_t id, uint64_t addr2)
{
	/*
	 * §3.9.1.2: an ATS request that would fault answers Success with
	 * R == W == 0 and records nothing; an external abort on the walk is
	 * a configuration-class error: CA, recorded only with CR2.REC_CFG_ATS.
	 */
	if (x->txn->type == SMMU_TXN_ATS_REQUEST) {
		if (id != EVT_ID_F_WALK_EABT)
			return xlate_end(x, SMMU_TXN_ATS_FAULT);
		if (smmu_rec_cfg_ats(x->smmu)) {
			xlate_record(x, id, addr2);
			x->ev.rnw = false;	/* UNKNOWN for ATS requests */
		}
		return xlate_end(x, SMMU_TXN_ATS_CA);
	}
	if (id == EVT_ID_F_WALK_EABT) {
		xlate_record(x, id, addr2);
		return xlate_end(x, SMMU_TXN_ABORT);
	}
	if (x->cd.stall) {
		xlate_event(x, id, &x->ev);
		return XLATE_STALL;
	}
	if (x->cd.record)
		xlate_record(x, id, 0);
	return xlate_end(x, x->cd.abort ? SMMU_TXN_ABORT : SMMU_TXN_RAZWI);
}

static uint8_t walk_event(enum walk_fault f)
{
	switch (f) {
	case WALK_FAULT_ACCESS:
		return EVT_ID_F_ACCESS;
	case WALK_FAULT_PERMISSION:
		return EVT_ID_F_PERMISSION;
	case WALK_FAULT_ADDR_SIZE:
		return EVT_ID_F_ADDR_SIZE;
	case WALK_FAULT_EXT_ABORT:
		return EVT_ID_F_WALK_EABT;
	default:
		return EVT_ID_F_TRANSLATION;
	}
}

static enum xlate_step xlate_ok(struct xlate *x, uint64_t va, uint64_t oa, unsigned int shift,
				uint8_t perm_el0, uint8_t perm_el1)
{
	struct smmu_txn_result *res = x->res;

	res->pa = (oa & ~((1ULL << shift) - 1)) | (va & ((1ULL << shift) - 1));
	res->size_shift = (uint8_t)shift;
	res->priv = x->acc & WALK_ACC_PRIV;
	res->perm = res->priv ? perm_el1 : perm_el0;
	return xlate_end(x, SMMU_TXN_OK);
}

/* Walk (filling the TLB) for @acc; XLATE_NEXT with *@wr on success. */
static enum xlate_step xlate_walk(struct xlate *x, uint64_t va, unsigned int acc,
				  struct walk_result *wr)
{
	struct walk_cfg walk1;

	smmu_pmcg_inc(x->smmu, SMMU_PMCG_TLB_MISS);
	if (x->upper) {
		smmu_cd_walk1(&x->cd, &walk1);
		walk_stage1(&x->smmu->bus, &walk1, va, acc, wr);
	} else {
		walk_stage1(&x->smmu->bus, &x->cd.walk, va, acc, wr);
	}
	smmu_pmcg_add(x->smmu, SMMU_PMCG_TT_WALK_ACCESS, wr->reads);
	if (wr->fault != WALK_OK)
		return xlate_fault(x, walk_event(wr->fault), wr->desc_pa);
	xlate_fill(x, va, wr, x->tlb_gen);
	return XLATE_NEXT;
}

/*
 * The half of the CD's regime @va belongs to: VA[55] selects TTB1, except in
 * a StreamWorld with one VA range (any-EL2: TTB0 only, §5.4.1). Then TBIx
 * of that half (§3.4.1): the top byte is taken as the extension of VA[55].
 * Returns @va as translated, or false in *@usable if EPDx disables the
 * half's walks (§5.4.1.1: a Translation fault, TLB or not).
 */
static uint64_t xlate_select_half(struct xlate *x, uint64_t va, bool *usable)
{
	bool bit55 = (va >> 55) & 1;
	bool tbi;

	x->upper = bit55 && x->ste.world != SMMU_WORLD_EL2;
	*usable = !(x->upper ? x->cd.epd1 : x->cd.epd0);
	tbi = x->upper ? x->cd.tbi1 : x->cd.walk.tbi;
	if (tbi)
		va = bit55 ? va | GENMASK_ULL(63, 56) : va & GENMASK_ULL(55, 0);
	return va;
}

/*
 * The completion of an ATS Translation Request for a translation granting
 * @perm_el0/@perm_el1 (§13.7.1): the permissions of the request's privilege,
 * W only where a write is permitted now (not writable-clean), X only if
 * asked and with R. Global is always 0 (§3.9.1): the ATC has no notion of
 * ASET, and a global translation of one ASID set must not match lookups
 * of the other.
 */
static enum xlate_step xlate_ats_grant(struct xlate *x, uint64_t va, uint64_t oa,
				       unsigned int shift, uint8_t perm_el0, uint8_t perm_el1,
				       bool writable_clean)
{
	unsigned int acc = x->acc & WALK_ACC_PRIV;
	uint8_t perm = acc ? perm_el1 : perm_el0;

	if (writable_clean || !xlate_permitted(&x->cd, perm_el0, perm_el1, acc | WALK_ACC_WRITE))
		perm &= ~WALK_PERM_W;
	if (!(x->txn->acc & WALK_ACC_EXEC) || !(perm & WALK_PERM_R))
		perm &= ~WALK_PERM_X;	/* Exe only if asked, and implies R */
	smmu_pmcg_inc(x->smmu, SMMU_PMCG_ATS_TRANS_RQ);
	return xlate_ok(x, va, oa, shift, perm, perm);
}

/*
 * An ATS Translation Request (§3.9.1.2, §13.7). §3.9.1: it may be answered
 * from the TLB and may fill it, like any translation. The one exception is
 * HTTU: a request for write (NW == 0) to a writable-clean page under HD must
 * mark it dirty now (§3.13.7: the Translated writes will not pass through
 * the SMMU), so a writable-clean hit, like a miss, walks: for read first,
 * then for write if the page is writable-clean.
 */
static enum xlate_step xlate_ats(struct xlate *x, uint64_t va)
{
	unsigned int acc = x->acc & WALK_ACC_PRIV;
	bool dirty = !x->txn->no_write && x->cd.walk.hd;
	struct smmu_tlb_key key;
	struct smmu_tlb_entry e;
	struct walk_result wr;
	enum xlate_step step;

	xlate_tlb_key(x, va, &key);
	/*
	 * An entry that does not even grant a read walks, so that the
	 * answer (R == W == 0, a fault for PRI) is the walk's.
	 */
	if (smmu_tlb_lookup(x->smmu->xlate->tlb, &key, &e) && !(dirty && e.writable_clean) &&
	    xlate_permitted(&x->cd, e.perm_el0, e.perm_el1, acc))
		return xlate_ats_grant(x, va, e.oa, e.leaf_shift, e.perm_el0, e.perm_el1,
				       e.writable_clean);
	step = xlate_walk(x, va, acc, &wr);
	if (step != XLATE_NEXT)
		return step;
	if (dirty && wr.writable_clean) {
		step = xlate_walk(x, va, acc | WALK_ACC_WRITE, &wr);
		if (step != XLATE_NEXT)
			return step;
	}
	return xlate_ats_grant(x, va, wr.oa, wr.leaf_shift, wr.perm_el0, wr.perm_el1,
			       wr.writable_clean);
}

static enum xlate_step xlate_address(struct xlate *x)
{
	struct smmu_tlb_key key;
	struct smmu_tlb_entry e;
	struct walk_result wr;
	enum xlate_step step;
	bool usable;
	uint64_t va = xlate_select_half(x, x->txn->addr, &usable);

	if (!usable)
		return xlate_fault(x, EVT_ID_F_TRANSLATION, 0);
	if (x->txn->type == SMMU_TXN_ATS_REQUEST)
		return xlate_ats(x, va);
	xlate_tlb_key(x, va, &key);
	if (smmu_tlb_lookup(x->smmu->xlate->tlb, &key, &e) &&
	    !((x->acc & WALK_ACC_WRITE) && e.writable_clean)) {
		if (!xlate_permitted(&x->cd, e.perm_el0, e.perm_el1, x->acc))
			return xlate_fault(x, EVT_ID_F_PERMISSION, 0);
		return xlate_ok(x, va, e.oa, e.leaf_shift, e.perm_el0, e.perm_el1);
	}
	step = xlate_walk(x, va, x->acc, &wr);
	if (step != XLATE_NEXT)
		return step;
	if (!xlate_permitted(&x->cd, wr.perm_el0, wr.perm_el1, x->acc))
		return xlate_fault(x, EVT_ID_F_PERMISSION, 0);
	return xlate_ok(x, va, wr.oa, wr.leaf_shift, wr.perm_el0, wr.perm_el1);
}

static enum xlate_step xlate_once(struct xlate *x)
{
	enum xlate_step step;

	x->acc = x->txn->acc;
	x->cfg_gen = smmu_cfgcache_gen(x->smmu->xlate->cfg);
	x->tlb_gen = smmu_tlb_gen(x->smmu->xlate->tlb);
	step = xlate_global(x);
	if (step == XLATE_NEXT)
		step = xlate_stream(x);
	if (step == XLATE_NEXT)
		step = xlate_context(x);
	if (step == XLATE_NEXT)
		step = xlate_address(x);
	return step;
}

/* Park on a STAG; what the answer (or the lack of a free STAG) means. */
static enum smmu_txn_status xlate_stall(struct xlate *x, bool *retry)
{
	int state = smmu_stall_park(x->smmu, &x->ev, x->cfg_gen, x->tlb_gen);

	*retry = state == SMMU_STALL_RETRY;
	x->gone = state == SMMU_STALL_STOPPED;
	if (state == -ENOSPC) {
		/* No STAG left: terminate as the CD says, without stalling. */
		x->ev.stall = false;
		if (x->cd.record)
			smmu_evtq_record(x->smmu, &x->ev);
		return x->cd.abort ? SMMU_TXN_ABORT : SMMU_TXN_RAZWI;
	}
	if (state == SMMU_STALL_RAZWI && !x->smmu->cfg.term_model)
		return SMMU_TXN_RAZWI;
	return SMMU_TXN_ABORT;
}

int smmu_translate(struct smmu *smmu, const struct smmu_txn *txn,
		   struct smmu_txn_result *res)
{
	struct smmu_xlate *xl = smmu->xlate;
	struct xlate x = { .smmu = smmu, .txn = txn, .res = res };
	enum xlate_step step;
	bool retry;

	if (!xl || !txn || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	smmu_pmcg_inc(smmu, SMMU_PMCG_TRANSACTION);
	for (;;) {
		x.record = false;
		res->token = grace_read_lock(&xl->grace);
		step = xlate_once(&x);
		if (step == XLATE_DONE && !x.record)
			return 0;
		/*
		 * Never record nor park inside a read section: CMD_SYNC must
		 * not wait for us. The caller gets a fresh section to end.
		 */
		grace_read_unlock(&xl->grace, (grace_token_t)res->token);
		retry = false;
		if (step == XLATE_STALL)
			res->status = xlate_stall(&x, &retry);
		else
			smmu_evtq_record(smmu, &x.ev);
		if (x.gone) {
			res->token = XLATE_NO_TOKEN;	/* the SMMU may be freed */
			return 0;
		}
		if (!retry)
			break;
	}
	res->token = grace_read_lock(&xl->grace);
	return 0;
}

void smmu_txn_end(struct smmu *smmu, struct smmu_txn_result *res)
{
	if (res->token == XLATE_NO_TOKEN)
		return;
	grace_read_unlock(&smmu->xlate->grace, (grace_token_t)res->token);
}

/* ---- Lifetime -------------------------------------------------------------- */

int smmu_xlate_init(struct smmu *smmu)
{
	const struct smmu_config *cfg = &smmu->cfg;
	struct smmu_xlate *x = calloc(1, sizeof(*x));
	unsigned int entries;

	if (!x)
		return -ENOMEM;
	x->smmu = smmu;
	if (grace_init(&x->grace))
		goto err_free;
	entries = cfg->tlb_entries ? cfg->tlb_entries : SMMU_TLB_DEFAULT;
	/* A TLB smaller than a set is one set of that many ways. */
	x->tlb = smmu_tlb_create(entries, entries < SMMU_TLB_WAYS ? entries : SMMU_TLB_WAYS);
	if (!x->tlb)
		goto err_grace;
	x->cfg = smmu_cfgcache_create(cfg->cfg_cache_entries ? cfg->cfg_cache_entries :
				      SMMU_CFG_DEFAULT);
	if (!x->cfg)
		goto err_tlb;
	if (smmu_stall_init(&x->stall, cfg->stall_max))
		goto err_cfg;
	pthread_mutex_init(&x->ep_lock, NULL);
	smmu->xlate = x;
	smmu_btm_init(smmu);
	return 0;

err_cfg:
	smmu_cfgcache_destroy(x->cfg);
err_tlb:
	smmu_tlb_destroy(x->tlb);
err_grace:
	grace_fini(&x->grace);
err_free:
	free(x);
	return -ENOMEM;
}

void smmu_xlate_fini(struct smmu *smmu)
{
	struct smmu_xlate *x = smmu->xlate;

	if (!x)
		return;
	smmu_stall_release_all(&x->stall);
	smmu_stall_fini(&x->stall);
	pthread_mutex_destroy(&x->ep_lock);
	smmu_cfgcache_destroy(x->cfg);
	smmu_tlb_destroy(x->tlb);
	grace_fini(&x->grace);
	free(x);
	smmu->xlate = NULL;
}
