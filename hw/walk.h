/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMSAv8-64 stage-1 and stage-2 table walker: ONE walker, used by the CPUs' MMUs and
 * by the SMMU (Arm ARM D8; SMMUv3 §3.4 and §3.13 for HTTU).
 *
 * The walker reads descriptors through a struct mem_bus, one 64-bit
 * single-copy-atomic read each, and never caches anything itself (the TLBs
 * of its callers do). With hardware access-flag / dirty-state management
 * (HA/HD) it updates the leaf descriptor in memory with compare-and-swap: if
 * software changed the descriptor in between, the CAS fails and the walk
 * restarts from the top, so a racing software update always wins.
 */
#ifndef HW_WALK_H
#define HW_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"

/* Access types (combine). */
#define WALK_ACC_READ	0
#define WALK_ACC_WRITE	(1u << 0)
#define WALK_ACC_EXEC	(1u << 1)
#define WALK_ACC_PRIV	(1u << 2)	/* EL1 (privileged) rather than EL0 */

/* Permission bits in struct walk_result. */
#define WALK_PERM_R	(1u << 0)
#define WALK_PERM_W	(1u << 1)
#define WALK_PERM_X	(1u << 2)

enum walk_fault {
	WALK_OK = 0,
	WALK_FAULT_TRANSLATION,	/* invalid descriptor, or input address out of range */
	WALK_FAULT_ACCESS,	/* AF == 0 without HA (and without AFFD) */
	WALK_FAULT_PERMISSION,
	WALK_FAULT_ADDR_SIZE,	/* a table or output address beyond the OAS */
	WALK_FAULT_EXT_ABORT,	/* a descriptor read (or HTTU write) hit no memory */
};

/*
 * One half of a translation regime: what a CD or TCR_EL1 holds for TTBR0
 * (the low VA range) or, with @upper, for TTBR1 (the high one).
 */
struct walk_cfg {
	uint64_t ttb;		/* PA of the initial-level table */
	uint8_t tsz;		/* TnSZ: input region is 2^(64 - tsz) bytes */
	uint8_t granule_shift;	/* 12, 14 or 16 */
	uint8_t oas;		/* output address size in bits (IPS capped by the implementation) */
	bool ha;		/* hardware Access flag update */
	bool hd;		/* hardware dirty state update (requires ha) */
	bool affd;		/* SMMU CD.AFFD: AF == 0 is treated as 1, no Access fault */
	bool tbi;		/* top byte ignored when checking the input range */
	/* Optional controls; all false is plain VMSAv8-64 as Linux uses it. */
	bool had;		/* hierarchical attributes disabled (CD.HAD0, TCR.HPD0):
				   APTable/UXNTable/PXNTable are ignored */
	bool pan;		/* PAN (CD.PAN, PSTATE.PAN): no EL1 data access to
				   pages EL0 can read or write */
	bool wxn;		/* WXN (CD.WXN, SCTLR_EL1.WXN): writable => not executable */
	bool e0pd;		/* E0PD (CD.E0PD0, TCR.E0PD0): any EL0 access is a level 0
				   Translation fault */
	bool upper;		/* the TTBR1 half: the region is the top 2^(64 - tsz)
				   bytes, VA[63:64 - tsz] all ones (VA[55:] with TBI) */
};

struct walk_result {
	enum walk_fault fault;
	int level;		/* level of the leaf, or of the fault */
	uint64_t oa;		/* output (physical) address of the input address */
	uint8_t leaf_shift;	/* log2 size of the page or block that maps it */
	/* Access permissions the leaf grants now, per exception level. */
	uint8_t perm_el0;	/* WALK_PERM_* for unprivileged accesses */
	uint8_t perm_el1;	/* WALK_PERM_* for privileged accesses */
	/*
	 * Writable-clean under effective HD (cfg->ha && cfg->hd; DBM == 1,
	 * AP[2] == 1, no APTable write limit): a write needs a dirty-state
	 * update first, so perm_el0/perm_el1 leave out WALK_PERM_W; a TLB may
	 * cache the entry but must walk again for the first write. Execute
	 * rights already treat the page as writable (EL0-writable => PXN).
	 */
	bool writable_clean;
	bool ng;		/* not global: the entry is tagged with the ASID */
	uint8_t attr_idx;	/* MAIR index */
	uint8_t sh;		/* shareability */
	uint64_t desc;		/* the leaf (or faulting) descriptor, after any HTTU update */
	uint64_t desc_pa;	/* where it lives; for EXT_ABORT, the address that failed */
	bool fault_on_walk;	/* the fault concerns a walk access (ADDR_SIZE of a table
				   address, EXT_ABORT, or HTTU write), not the input */
	unsigned int reads;	/* descriptors read (PMCG trans_table_walk_access) */
};

/*
 * Translate @va for an access of type @acc (WALK_ACC_*) in regime @cfg.
 * Fills @res and returns res->fault (WALK_OK on success). Permission checks
 * apply to @acc; with cfg->hd a permitted write to a writable-clean page
 * makes it dirty in memory, and with cfg->ha an AF == 0 leaf gets AF set.
 * An access that faults updates nothing. Never writes anything but the
 * leaf descriptor.
 *
 * Levels as the architecture reports them: a fault on a descriptor is at
 * the level it was read at (for an Address size fault on a next-level
 * table address, the level of the table descriptor holding it); a VA
 * outside the region, TnSZ below the minimum (16; 12 with 64K), E0PD and a
 * TTB beyond the OAS are level 0 faults with no descriptor read. TnSZ
 * above 39 behaves as 39. Which half @va belongs to is the caller's choice
 * (VA[55] selects it, Arm ARM D8.2); @cfg is that half.
 */
enum walk_fault walk_stage1(const struct mem_bus *bus, const struct walk_cfg *cfg,
			    uint64_t va, unsigned int acc, struct walk_result *res);

/*
 * A stage-2 translation regime: what VTCR_EL2/VTTBR_EL2 or an SMMU STE's
 * S2* fields hold. The input is an IPA, the output a PA.
 */
struct walk_s2_cfg {
	uint64_t ttb;		/* PA of the initial table (or concatenated tables) */
	uint8_t tsz;		/* T0SZ: the IPA space is 2^(64 - tsz) bytes */
	uint8_t sl0;		/* SL0 encoding (vmsa_s2_start_level()) */
	uint8_t granule_shift;	/* 12, 14 or 16 */
	uint8_t oas;		/* PS, capped by the implementation */
	bool ha;		/* hardware Access flag update (VTCR.HA, STE.S2HA) */
	bool hd;		/* hardware dirty state via DBM and S2AP[1] (requires ha) */
	bool affd;		/* SMMU STE.S2AFFD: AF == 0 is treated as 1 */
};

/*
 * Translate @ipa for an access @acc through stage 2 alone. @res as for
 * walk_stage1(): perm_el0 and perm_el1 are both the stage-2 permissions
 * (S2AP and XN, no FEAT_XNX), attr_idx is MemAttr[3:0], ng is false.
 * Faults: an SL0 that is reserved or inconsistent with T0SZ (more than 16
 * concatenated tables, or fewer bits than one), T0SZ below the minimum and
 * an IPA outside the space are level 0 Translation faults with no read
 * (pseudocode AArch64.S2Translate); the rest as for stage 1.
 */
enum walk_fault walk_stage2(const struct mem_bus *bus, const struct walk_s2_cfg *cfg,
			    uint64_t ipa, unsigned int acc, struct walk_result *res);

/* Is @acc permitted by a successful result (as a TLB hit would check)? */
bool walk_access_permitted(const struct walk_result *res, unsigned int acc);

/* A short name for a fault ("translation", "access", ...). */
const char *walk_fault_name(enum walk_fault fault);

#endif /* HW_WALK_H */
