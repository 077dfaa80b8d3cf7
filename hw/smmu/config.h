/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoded configuration: what an STE and a CD say, fetched from memory,
 * validated once (SMMUv3 §5.2, §5.4: an ILLEGAL structure behaves as V == 0)
 * and kept in plain structs so that the translate path, the caches and the
 * walk never re-parse raw descriptors.
 *
 * Fetch functions return 0, or the event ID (EVT_ID_*) of the configuration
 * error, with struct smmu_cfg_err telling the recorder what it needs.
 */
#ifndef HW_SMMU_CONFIG_H
#define HW_SMMU_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/walk.h"

struct smmu;
struct smmu_trace_info;

/* Effective StreamWorld (§3.11 / STE.STRW). */
enum smmu_world {
	SMMU_WORLD_EL1 = 0,	/* NS-EL1: VMID + ASID tagged */
	SMMU_WORLD_EL2,		/* NS-EL2 without E2H: no ASIDs, one VA range */
	SMMU_WORLD_EL2_E2H,	/* NS-EL2 with CR2.E2H: ASID tagged */
};

/* What a valid STE selects (STE.Config, already reduced to these). */
enum smmu_ste_mode {
	SMMU_STE_ABORT,		/* Config 0b000 (and reserved 0b0xx): silent abort */
	SMMU_STE_BYPASS,	/* Config 0b100 */
	SMMU_STE_S1,		/* Config 0b101 */
};

struct smmu_ste_cfg {
	uint64_t s1ctxptr;	/* CD or L1CD table PA */
	uint16_t vmid;		/* TLB tag for EL1 (0 without stage 2) */
	uint8_t mode;		/* enum smmu_ste_mode */
	uint8_t s1fmt;		/* STRTAB_STE_0_S1FMT_* (linear when s1cdmax == 0) */
	uint8_t s1cdmax;	/* 0: one CD, no substreams */
	uint8_t s1dss;		/* STRTAB_STE_1_S1DSS_* (reserved -> terminate) */
	uint8_t eats;		/* effective EATS (0 when ATS is off or bypass) */
	uint8_t world;		/* enum smmu_world */
	uint8_t privcfg;	/* STRTAB_STE_1_PRIVCFG_* or CFG_INCOMING */
	uint8_t instcfg;	/* STRTAB_STE_1_INSTCFG_* or CFG_INCOMING */
	uint8_t shcfg;
	bool s1stalld;
	bool ppar;
	bool mev;
};

/*
 * A decoded CD. Both halves of the regime share IPS, HA/HD and AFFD, so the
 * TTB1 half is kept as what differs from the TTB0 one (smmu_cd_walk1()
 * builds its walk configuration): the struct stays within a config cache
 * entry. MAIR is not decoded (memory attributes are not modelled).
 */
struct smmu_cd_cfg {
	struct walk_cfg walk;	/* TTB0 half: ttb, t0sz, granule, eff. IPS, HA/HD, AFFD, TBI0 */
	uint64_t ttb1;		/* TTB1 half (unless epd1): table, */
	uint8_t t1sz;		/* ... T1SZ, */
	uint8_t tg1_shift;	/* ... granule (from TG1), */
	bool tbi1;		/* ... TBI1 */
	uint16_t asid;
	bool epd0;		/* effective: no walk through TTB0 */
	bool epd1;		/* effective: no walk through TTB1 */
	bool aset;
	bool stall;		/* CD.S (already checked against STE.S1STALLD) */
	bool record;		/* CD.R */
	bool abort;		/* CD.A: abort rather than RAZ/WI */
	bool pan;
	bool wxn;
};

/* The walk configuration of @cd's TTB1 half (upper VA range). */
static inline void smmu_cd_walk1(const struct smmu_cd_cfg *cd, struct walk_cfg *w)
{
	*w = cd->walk;
	w->ttb = cd->ttb1;
	w->tsz = cd->t1sz;
	w->granule_shift = cd->tg1_shift;
	w->tbi = cd->tbi1;
	w->upper = true;
}

/* Details of a configuration error, for the event record. */
struct smmu_cfg_err {
	uint64_t fetch_addr;	/* F_STE_FETCH / F_CD_FETCH: the PA that aborted */
	uint32_t ssid;		/* C_BAD_SUBSTREAMID: the SubstreamID to report */
};

/*
 * Locate, fetch and decode the STE of @sid (ste.c). 0, or EVT_ID_C_BAD_STREAMID
 * (out of the table or behind an invalid L1STD), EVT_ID_F_STE_FETCH,
 * EVT_ID_C_BAD_STE. *@reads counts the descriptors read.
 */
int smmu_ste_fetch(struct smmu *smmu, uint32_t sid, struct smmu_ste_cfg *cfg,
		   struct smmu_cfg_err *err, unsigned int *reads);

/*
 * Fetch and decode CD number @ssid of the table @ste points to (cd.c); the
 * caller has already range-checked @ssid against S1CDMax; @who says which
 * transaction it is for (the trace hook's info). 0, or
 * EVT_ID_C_BAD_SUBSTREAMID (L1CD invalid or out of range), EVT_ID_F_CD_FETCH,
 * EVT_ID_C_BAD_CD.
 */
int smmu_cd_fetch(struct smmu *smmu, const struct smmu_ste_cfg *ste,
		  const struct smmu_trace_info *who, uint32_t ssid,
		  struct smmu_cd_cfg *cfg, struct smmu_cfg_err *err, unsigned int *reads);

/* Pure decoders, for tests and for the fetchers (0 or EVT_ID_C_BAD_*). */
int smmu_ste_decode(const struct smmu *smmu, const uint64_t raw[8], struct smmu_ste_cfg *cfg);
int smmu_cd_decode(const struct smmu *smmu, const struct smmu_ste_cfg *ste,
		   const uint64_t raw[8], struct smmu_cd_cfg *cfg);

/* ---- Configuration cache (cfgcache.c) ---------------------------------- */

/*
 * Decoded STEs by StreamID and CDs by (StreamID, CD index), bounded and
 * looked up without locks; a fetch racing a CFGI_* is never inserted
 * (generation check, as the TLB does). Lookups return copies.
 */
struct smmu_cfgcache;

struct smmu_cfgcache *smmu_cfgcache_create(unsigned int entries);
void smmu_cfgcache_destroy(struct smmu_cfgcache *c);
unsigned long smmu_cfgcache_gen(struct smmu_cfgcache *c);

bool smmu_cfgcache_get_ste(struct smmu_cfgcache *c, uint32_t sid, struct smmu_ste_cfg *ste);
void smmu_cfgcache_put_ste(struct smmu_cfgcache *c, uint32_t sid,
			   const struct smmu_ste_cfg *ste, unsigned long gen);
bool smmu_cfgcache_get_cd(struct smmu_cfgcache *c, uint32_t sid, uint32_t ssid,
			  struct smmu_cd_cfg *cd);
void smmu_cfgcache_put_cd(struct smmu_cfgcache *c, uint32_t sid, uint32_t ssid,
			  const struct smmu_cd_cfg *cd, unsigned long gen);

/* CFGI_STE / CFGI_STE_RANGE (StreamIDs sid..sid + 2^log2n - 1, aligned): STEs and their CDs. */
void smmu_cfgcache_inv_sids(struct smmu_cfgcache *c, uint32_t sid, unsigned int log2n);
/* CFGI_CD: one CD. */
void smmu_cfgcache_inv_cd(struct smmu_cfgcache *c, uint32_t sid, uint32_t ssid);
/* CFGI_CD_ALL: every CD of a StreamID. */
void smmu_cfgcache_inv_cds(struct smmu_cfgcache *c, uint32_t sid);
/* CFGI_ALL. */
void smmu_cfgcache_inv_all(struct smmu_cfgcache *c);
unsigned int smmu_cfgcache_count(struct smmu_cfgcache *c);

#endif /* HW_SMMU_CONFIG_H */
