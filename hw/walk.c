// SPDX-License-Identifier: GPL-2.0
/*
 * The VMSAv8-64 stage-1 and stage-2 table walker (see hw/walk.h).
 *
 * One walk is: check the input address against the region of its half
 * (TTBR0 or TTBR1), read one descriptor per level from the initial level
 * down, accumulate the hierarchical limits of table descriptors, and
 * decode the leaf into an output address, permissions and attributes.
 * Faults are reported in the architectural priority order (Translation,
 * Address size, Access flag, Permission: Arm ARM pseudocode AArch64.S1Walk
 * and AArch64.S1Translate), with the level of the lookup that raised them.
 *
 * This is the TLB-miss path of every CPU and of the SMMU: no allocation, no
 * lock, nothing but bus reads and (with HTTU) one compare-and-swap.
 */
#include <errno.h>
#include <string.h>

#include "arch/vmsa.h"
#include "hw/walk.h"

/* Internal verdict of one pass: restart because software changed the leaf. */
#define WALK_RESTART	(-1)

/* Walk geometry, derived once per call from the configuration. */
struct walk_geom {
	unsigned int gshift;	/* granule shift: 12, 14, 16 */
	unsigned int ia_bits;	/* input address size: 64 - tsz, clamped */
	int start_level;
	uint64_t ttb;		/* initial table, aligned to its size */
	uint64_t va;		/* input address bits [ia_bits - 1:0] */
	bool ha, hd;		/* effective HTTU (HD only with HA) */
};

/* Hierarchical limits gathered from the table descriptors walked through. */
struct walk_limits {
	bool no_el0;		/* APTable[0] */
	bool rdonly;		/* APTable[1] */
	bool uxn;		/* UXNTable */
	bool pxn;		/* PXNTable */
};

/*
 * T0SZ limits without FEAT_LPA2/FEAT_TTST: the input is at most 48 bits, or
 * 52 with the 64K granule (FEAT_LVA, which this walker implements), and at
 * least 25 bits (T0SZ <= 39). Out-of-range values (Arm ARM pseudocode
 * AArch64.S1TxSZFaults): below the minimum is a level 0 Translation fault
 * on a PE with FEAT_LVA; above the maximum is an IMPLEMENTATION DEFINED
 * choice between a fault and using the maximum: we use the maximum
 * (SMMUv3.0 lists the same behaviour; SMMUv3.1 CD checks reject it first).
 */
#define WALK_MAX_TSZ	39

static unsigned int walk_min_tsz(unsigned int gshift)
{
	return gshift == 16 ? 12 : 16;
}

static unsigned int walk_granule_shift(unsigned int gshift)
{
	/* A reserved TG0 behaves as an implemented size (TCR_EL1.TG0). */
	return gshift == 14 || gshift == 16 ? gshift : 12;
}

static bool walk_oa_out_of_range(uint64_t pa, unsigned int oas)
{
	return oas < 64 && (pa >> oas) != 0;
}

static uint64_t low_mask(unsigned int bits)
{
	return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

/*
 * Set up the geometry for @cfg and @va. False if @va is outside the region:
 * with TBI, VA[63:56] are ignored and VA[55:ia_bits] must be all zeros
 * (TTBR0) or all ones (TTBR1); without, all of VA[63:ia_bits] (pseudocode
 * AArch64.VAIsOutOfRange). The walk then indexes with VA[ia_bits - 1:0].
 */
static bool walk_geom_init(struct walk_geom *g, const struct walk_cfg *cfg, uint64_t va)
{
	unsigned int top = cfg->tbi ? 56 : 64;
	unsigned int tsz = cfg->tsz < WALK_MAX_TSZ ? cfg->tsz : WALK_MAX_TSZ;
	unsigned int tbl_bits;
	uint64_t high;

	g->gshift = walk_granule_shift(cfg->granule_shift);
	g->ia_bits = 64 - tsz;
	g->start_level = vmsa_start_level(g->gshift, g->ia_bits);
	g->ha = cfg->ha;
	g->hd = cfg->ha && cfg->hd;
	high = (va & low_mask(top)) >> g->ia_bits;
	g->va = va & low_mask(g->ia_bits);

	/*
	 * The initial table is aligned to its size: base address bits below
	 * that are treated as zero (SMMUv3 CD.TTB0; Arm ARM TTBR0_EL1.BADDR),
	 * with a 64-byte minimum when the output size is 52 bits.
	 */
	tbl_bits = vmsa_start_table_shift(g->gshift, g->ia_bits);
	if (cfg->oas >= 52 && tbl_bits < 6)
		tbl_bits = 6;
	g->ttb = cfg->ttb & ~low_mask(tbl_bits);

	return high == (cfg->upper ? low_mask(top - g->ia_bits) : 0);
}

static enum walk_fault walk_fail(struct walk_result *res, enum walk_fault fault,
				 int level, bool on_walk)
{
	res->fault = fault;
	res->level = level;
	res->fault_on_walk = on_walk;
	return fault;
}

static void walk_limits_add(struct walk_limits *lim, uint64_t table)
{
	lim->no_el0 |= !!(table & VMSA_TABLE_AP_NO_EL0);
	lim->rdonly |= !!(table & VMSA_TABLE_AP_RDONLY);
	lim->uxn |= !!(table & VMSA_TABLE_UXN);
	lim->pxn |= !!(table & VMSA_TABLE_PXN);
}

/*
 * Is this leaf writable-clean: DBM == 1 and read-only only through AP[2]?
 * A leaf write-protected by APTable is not (SMMUv3 §3.13.3.1).
 */
static bool walk_is_writable_clean(uint64_t desc, const struct walk_limits *lim)
{
	return (desc & VMSA_PTE_DBM) && (desc & VMSA_PTE_AP_RDONLY) && !lim->rdonly;
}

/*
 * Permissions of a leaf under the accumulated table limits, for the EL1&0
 * regime (Arm ARM D8.4, direct permissions; pseudocode
 * AArch64.S1DirectBasePermissions):
 *   AP[2:1]   00: EL1 RW        01: EL1 RW, EL0 RW
 *             10: EL1 R         11: EL1 R,  EL0 R
 *   APTable[0] removes EL0 data access, APTable[1] removes write access;
 *   UXN/UXNTable remove EL0 execute, PXN/PXNTable EL1 execute, and a
 *   location writable at EL0 is never executable at EL1.
 * EL0 execute does not need EL0 read (execute-only memory).
 *
 * With effective HD a DBM leaf counts as AP[2] == 0: the walk state already
 * permits the write that will dirty it (pseudocode AArch64.S1Translate: "the
 * walk state permissions will already reflect a configuration permitting
 * writes"). APTable still applies, and an EL0-writable-clean leaf is
 * therefore PXN at EL1.
 *
 * Then PAN removes EL1 data access to EL0-accessible pages, and WXN removes
 * execute from whatever the accessing level may write.
 */
static void walk_perms(uint64_t desc, const struct walk_limits *lim,
		       const struct walk_cfg *cfg, const struct walk_geom *g,
		       uint8_t *el0, uint8_t *el1)
{
	bool user = desc & VMSA_PTE_AP_USER;
	bool rdonly = desc & VMSA_PTE_AP_RDONLY;
	bool ur, uw, pr = true, pw, ux, px;

	if (g->hd && (desc & VMSA_PTE_DBM))
		rdonly = false;
	pw = !rdonly && !lim->rdonly;
	ur = user && !lim->no_el0;
	uw = ur && pw;
	ux = !(desc & VMSA_PTE_UXN) && !lim->uxn;
	px = !(desc & VMSA_PTE_PXN) && !lim->pxn && !uw;
	if (cfg->pan && (ur || uw))
		pr = pw = false;
	if (cfg->wxn) {
		ux = ux && !uw;
		px = px && !pw;
	}

	*el0 = (ur ? WALK_PERM_R : 0) | (uw ? WALK_PERM_W : 0) | (ux ? WALK_PERM_X : 0);
	*el1 = (pr ? WALK_PERM_R : 0) | (pw ? WALK_PERM_W : 0) | (px ? WALK_PERM_X : 0);
}

static bool walk_perm_allows(uint8_t perm, unsigned int acc)
{
	if (acc & WALK_ACC_EXEC)
		return perm & WALK_PERM_X;
	if (acc & WALK_ACC_WRITE)
		return perm & WALK_PERM_W;
	return perm & WALK_PERM_R;
}

bool walk_access_permitted(const struct walk_result *res, unsigned int acc)
{
	if (res->fault != WALK_OK)
		return false;
	return walk_perm_allows(acc & WALK_ACC_PRIV ? res->perm_el1 : res->perm_el0, acc);
}

/*
 * Fill in the attributes of leaf @desc in @res, and the permissions
 * @el0/@el1 from walk_perms().
 */
static void walk_fill_leaf(struct walk_result *res, uint64_t desc,
			   const struct walk_limits *lim, const struct walk_geom *g,
			   uint8_t el0, uint8_t el1)
{
	res->desc = desc;
	res->ng = desc & VMSA_PTE_NG;
	res->attr_idx = (uint8_t)FIELD_GET(VMSA_PTE_ATTRINDX, desc);
	res->sh = (uint8_t)FIELD_GET(VMSA_PTE_SH, desc);
	res->writable_clean = g->hd && walk_is_writable_clean(desc, lim);
	/*
	 * The result is what a TLB may grant without walking again: a
	 * writable-clean leaf is not writable until a walk has dirtied it in
	 * memory. Its execute rights stay those of the effective (writable)
	 * permissions, so a TLB hit and a walk agree.
	 */
	if (res->writable_clean) {
		el0 &= (uint8_t)~WALK_PERM_W;
		el1 &= (uint8_t)~WALK_PERM_W;
	}
	res->perm_el0 = el0;
	res->perm_el1 = el1;
}

/*
 * The new leaf value after the hardware updates this access makes: AF set
 * with HA; AP[2] cleared (and AF set) with HD for a write through a
 * writable-clean leaf. Never sets AP[2], never touches DBM (SMMUv3
 * §3.13.2, §3.13.3.1). A faulting access updates nothing: the AF update
 * on a Permission fault is UNKNOWN (§3.13.2), and we choose not to.
 */
static uint64_t walk_httu_update(uint64_t desc, const struct walk_limits *lim,
				 const struct walk_geom *g, unsigned int acc)
{
	if (g->ha && !(desc & VMSA_PTE_AF))
		desc |= VMSA_PTE_AF;
	if (g->hd && (acc & WALK_ACC_WRITE) && !(acc & WALK_ACC_EXEC) &&
	    walk_is_writable_clean(desc, lim))
		desc = (desc & ~VMSA_PTE_AP_RDONLY) | VMSA_PTE_AF;
	return desc;
}

/*
 * Decode leaf @desc read at @desc_pa, @level. Returns a walk_fault, or
 * WALK_RESTART when an HTTU compare-and-swap lost against software.
 */
static int walk_leaf(const struct mem_bus *bus, const struct walk_cfg *cfg,
		     const struct walk_geom *g, const struct walk_limits *lim,
		     unsigned int acc, int level, uint64_t desc_pa, uint64_t desc,
		     struct walk_result *res)
{
	unsigned int shift = vmsa_level_shift(g->gshift, level);
	uint64_t base = vmsa_desc_addr(desc, g->gshift) & ~low_mask(shift);
	uint64_t new_desc, expected;
	uint8_t el0, el1;
	int err;

	res->desc = desc;
	res->desc_pa = desc_pa;
	res->leaf_shift = (uint8_t)shift;
	if (walk_oa_out_of_range(base, cfg->oas))
		return walk_fail(res, WALK_FAULT_ADDR_SIZE, level, false);
	/* Access flag faults take priority over permission faults (§3.13.1). */
	if (!(desc & VMSA_PTE_AF) && !g->ha && !cfg->affd)
		return walk_fail(res, WALK_FAULT_ACCESS, level, false);

	walk_perms(desc, lim, cfg, g, &el0, &el1);
	if (!walk_perm_allows(acc & WALK_ACC_PRIV ? el1 : el0, acc)) {
		walk_fill_leaf(res, desc, lim, g, el0, el1);
		return walk_fail(res, WALK_FAULT_PERMISSION, level, false);
	}

	/* Only a permitted access updates the descriptor. */
	new_desc = walk_httu_update(desc, lim, g, acc);
	if (new_desc != desc) {
		expected = desc;
		err = bus_cmpxchg64(bus, desc_pa, &expected, new_desc);
		if (err == -EAGAIN)
			return WALK_RESTART;
		if (err)
			return walk_fail(res, WALK_FAULT_EXT_ABORT, level, true);
		desc = new_desc;
	}

	/* AF and AP[2] do not change the effective permissions computed. */
	walk_fill_leaf(res, desc, lim, g, el0, el1);
	res->oa = base | (g->va & low_mask(shift));
	res->level = level;
	res->fault = WALK_OK;
	return WALK_OK;
}

/*
 * Is a non-table descriptor at @level a valid leaf encoding? Blocks follow
 * vmsa_block_allowed(), plus the 4TB level-1 block of the 64K granule when
 * 52-bit output addresses are in use (pseudocode AArch64.BlockDescSupported:
 * a 64K level-1 block exists when the PE supports 52-bit PAs; we take an
 * OAS of 52 as that support).
 */
static bool walk_leaf_type_ok(uint64_t desc, const struct walk_geom *g,
			      unsigned int oas, int level)
{
	unsigned int type = (unsigned int)FIELD_GET(VMSA_DESC_TYPE, desc);

	if (level == 3)
		return type == VMSA_DESC_TYPE_TABLE;	/* page */
	if (type != VMSA_DESC_TYPE_BLOCK)
		return false;
	if (g->gshift == 16 && level == 1 && oas >= 52)
		return true;
	return vmsa_block_allowed(g->gshift, level);
}

/* One pass from the initial table to the leaf. */
static int walk_once(const struct mem_bus *bus, const struct walk_cfg *cfg,
		     const struct walk_geom *g, unsigned int acc,
		     struct walk_result *res)
{
	struct walk_limits lim = { 0 };
	uint64_t table = g->ttb;
	uint64_t desc = 0, desc_pa = 0;
	int level;

	for (level = g->start_level; level <= 3; level++) {
		desc_pa = table + 8ULL * vmsa_index(g->gshift, level, g->va);
		res->desc_pa = desc_pa;
		res->reads++;
		if (bus_read64(bus, desc_pa, &desc))
			return walk_fail(res, WALK_FAULT_EXT_ABORT, level, true);
		res->desc = desc;
		if (!(desc & VMSA_DESC_VALID))
			return walk_fail(res, WALK_FAULT_TRANSLATION, level, false);
		if (level == 3 || FIELD_GET(VMSA_DESC_TYPE, desc) != VMSA_DESC_TYPE_TABLE)
			break;
		table = vmsa_desc_addr(desc, g->gshift);
		/* The next table's address is itself an output of the walk. */
		if (walk_oa_out_of_range(table, cfg->oas))
			return walk_fail(res, WALK_FAULT_ADDR_SIZE, level, true);
		if (!cfg->had)
			walk_limits_add(&lim, desc);
	}
	if (!walk_leaf_type_ok(desc, g, cfg->oas, level))
		return walk_fail(res, WALK_FAULT_TRANSLATION, level, false);
	return walk_leaf(bus, cfg, g, &lim, acc, level, desc_pa, desc, res);
}

enum walk_fault walk_stage1(const struct mem_bus *bus, const struct walk_cfg *cfg,
			    uint64_t va, unsigned int acc, struct walk_result *res)
{
	struct walk_geom g;
	int ret;

	memset(res, 0, sizeof(*res));
	if (cfg->tsz < walk_min_tsz(walk_granule_shift(cfg->granule_shift)))
		return walk_fail(res, WALK_FAULT_TRANSLATION, 0, false);
	/*
	 * Like a T0SZ below the minimum, an input address outside the region
	 * and then an EL0 access under E0PD are level 0 Translation faults
	 * whatever the start level (pseudocode AArch64.S1Translate).
	 */
	if (!walk_geom_init(&g, cfg, va))
		return walk_fail(res, WALK_FAULT_TRANSLATION, 0, false);
	if (cfg->e0pd && !(acc & WALK_ACC_PRIV))
		return walk_fail(res, WALK_FAULT_TRANSLATION, 0, false);
	/*
	 * The base address is checked before any lookup, and an Address size
	 * fault on it is reported at level 0 (pseudocode AArch64.S1Walk).
	 */
	if (walk_oa_out_of_range(g.ttb, cfg->oas))
		return walk_fail(res, WALK_FAULT_ADDR_SIZE, 0, true);
	/*
	 * A restart means software rewrote the leaf between our read and our
	 * CAS: software made progress, so the loop ends when it stops.
	 */
	do {
		ret = walk_once(bus, cfg, &g, acc, res);
	} while (ret == WALK_RESTART);
	return (enum walk_fault)ret;
}

/* ---- Stage 2 ------------------------------------------------------------ */

/*
 * Stage-2 geometry (pseudocode AArch64.S2InvalidSL, AArch64.S2InconsistentSL):
 * SL0 must name an implemented start level (level 0 with 4K, level 1 with
 * 64K, only with a PA size of at least 44 bits; we take @oas as that), and
 * the start level must resolve between 1 and stride + 4 bits: up to 16
 * concatenated initial tables, the whole aligned to its size.
 */
static bool walk_s2_geom_init(struct walk_geom *g, const struct walk_s2_cfg *cfg,
			      uint64_t ipa)
{
	unsigned int tsz = cfg->tsz < WALK_MAX_TSZ ? cfg->tsz : WALK_MAX_TSZ;
	unsigned int stride, start_bits;
	int level;

	g->gshift = walk_granule_shift(cfg->granule_shift);
	g->ia_bits = 64 - tsz;
	g->ha = cfg->ha;
	g->hd = cfg->ha && cfg->hd;
	g->va = ipa;
	level = vmsa_s2_start_level(g->gshift, cfg->sl0);
	if (level < 0)
		return false;
	if (cfg->oas < 44 && ((g->gshift == 12 && level == 0) ||
			      (g->gshift == 16 && level == 1)))
		return false;
	stride = vmsa_bits_per_level(g->gshift);
	if (g->ia_bits <= vmsa_level_shift(g->gshift, level))
		return false;
	start_bits = g->ia_bits - vmsa_level_shift(g->gshift, level);
	if (start_bits > stride + 4)
		return false;
	g->start_level = level;
	g->ttb = cfg->ttb & ~low_mask(start_bits + 3);
	return (ipa >> g->ia_bits) == 0;
}

/* Index of the IPA in the (possibly concatenated) table at @level. */
static uint64_t walk_s2_index(const struct walk_geom *g, int level)
{
	unsigned int shift = vmsa_level_shift(g->gshift, level);

	if (level == g->start_level)
		return (g->va & low_mask(g->ia_bits)) >> shift;
	return vmsa_index(g->gshift, level, g->va);
}

/*
 * Stage-2 permissions (Arm ARM D8.4.2, without FEAT_XNX): S2AP[0] read,
 * S2AP[1] write, XN[1] no execute, the same for EL0 and EL1. With
 * effective HD a DBM leaf counts as writable (it is writable-clean).
 */
static uint8_t walk_s2_perms(uint64_t desc, const struct walk_geom *g)
{
	uint8_t perm = 0;

	if (desc & VMSA_S2_PTE_S2AP_R)
		perm |= WALK_PERM_R;
	if ((desc & VMSA_S2_PTE_S2AP_W) || (g->hd && (desc & VMSA_S2_PTE_DBM)))
		perm |= WALK_PERM_W;
	if (!(desc & VMSA_S2_PTE_XN_ALL))
		perm |= WALK_PERM_X;
	return perm;
}

static bool walk_s2_writable_clean(uint64_t desc, const struct walk_geom *g)
{
	return g->hd && (desc & VMSA_S2_PTE_DBM) && !(desc & VMSA_S2_PTE_S2AP_W);
}

static int walk_s2_leaf(const struct mem_bus *bus, const struct walk_s2_cfg *cfg,
			const struct walk_geom *g, unsigned int acc, int level,
			uint64_t desc_pa, uint64_t desc, struct walk_result *res)
{
	unsigned int shift = vmsa_level_shift(g->gshift, level);
	uint64_t base = vmsa_desc_addr(desc, g->gshift) & ~low_mask(shift);
	uint64_t new_desc = desc, expected;
	uint8_t perm;
	int err;

	res->desc = desc;
	res->desc_pa = desc_pa;
	res->leaf_shift = (uint8_t)shift;
	if (walk_oa_out_of_range(base, cfg->oas))
		return walk_fail(res, WALK_FAULT_ADDR_SIZE, level, false);
	if (!(desc & VMSA_S2_PTE_AF) && !g->ha && !cfg->affd)
		return walk_fail(res, WALK_FAULT_ACCESS, level, false);
	perm = walk_s2_perms(desc, g);
	res->attr_idx = (uint8_t)FIELD_GET(VMSA_S2_PTE_MEMATTR, desc);
	res->sh = (uint8_t)FIELD_GET(VMSA_S2_PTE_SH, desc);
	res->writable_clean = walk_s2_writable_clean(desc, g);
	res->perm_el0 = res->perm_el1 = res->writable_clean ?
		(uint8_t)(perm & ~WALK_PERM_W) : perm;
	if (!walk_perm_allows(perm, acc))
		return walk_fail(res, WALK_FAULT_PERMISSION, level, false);

	/* HTTU as at stage 1: AF, then S2AP[1] for a write to writable-clean. */
	if (g->ha)
		new_desc |= VMSA_S2_PTE_AF;
	if ((acc & WALK_ACC_WRITE) && !(acc & WALK_ACC_EXEC) && walk_s2_writable_clean(desc, g))
		new_desc |= VMSA_S2_PTE_S2AP_W;
	if (new_desc != desc) {
		expected = desc;
		err = bus_cmpxchg64(bus, desc_pa, &expected, new_desc);
		if (err == -EAGAIN)
			return WALK_RESTART;
		if (err)
			return walk_fail(res, WALK_FAULT_EXT_ABORT, level, true);
		res->desc = desc = new_desc;
		res->writable_clean = walk_s2_writable_clean(desc, g);
		if (!res->writable_clean)
			res->perm_el0 = res->perm_el1 = perm;
	}
	res->oa = base | (g->va & low_mask(shift));
	res->level = level;
	res->fault = WALK_OK;
	return WALK_OK;
}

static int walk_s2_once(const struct mem_bus *bus, const struct walk_s2_cfg *cfg,
			const struct walk_geom *g, unsigned int acc,
			struct walk_result *res)
{
	uint64_t table = g->ttb, desc = 0, desc_pa = 0;
	int level;

	for (level = g->start_level; level <= 3; level++) {
		desc_pa = table + 8ULL * walk_s2_index(g, level);
		res->desc_pa = desc_pa;
		res->reads++;
		if (bus_read64(bus, desc_pa, &desc))
			return walk_fail(res, WALK_FAULT_EXT_ABORT, level, true);
		res->desc = desc;
		if (!(desc & VMSA_DESC_VALID))
			return walk_fail(res, WALK_FAULT_TRANSLATION, level, false);
		if (level == 3 || FIELD_GET(VMSA_DESC_TYPE, desc) != VMSA_DESC_TYPE_TABLE)
			break;
		table = vmsa_desc_addr(desc, g->gshift);
		if (walk_oa_out_of_range(table, cfg->oas))
			return walk_fail(res, WALK_FAULT_ADDR_SIZE, level, true);
	}
	if (!walk_leaf_type_ok(desc, g, cfg->oas, level))
		return walk_fail(res, WALK_FAULT_TRANSLATION, level, false);
	return walk_s2_leaf(bus, cfg, g, acc, level, desc_pa, desc, res);
}

enum walk_fault walk_stage2(const struct mem_bus *bus, const struct walk_s2_cfg *cfg,
			    uint64_t ipa, unsigned int acc, struct walk_result *res)
{
	struct walk_geom g;
	int ret;

	memset(res, 0, sizeof(*res));
	if (cfg->tsz < walk_min_tsz(walk_granule_shift(cfg->granule_shift)))
		return walk_fail(res, WALK_FAULT_TRANSLATION, 0, false);
	if (!walk_s2_geom_init(&g, cfg, ipa))
		return walk_fail(res, WALK_FAULT_TRANSLATION, 0, false);
	if (walk_oa_out_of_range(g.ttb, cfg->oas))
		return walk_fail(res, WALK_FAULT_ADDR_SIZE, 0, true);
	do {
		ret = walk_s2_once(bus, cfg, &g, acc, res);
	} while (ret == WALK_RESTART);
	return (enum walk_fault)ret;
}

const char *walk_fault_name(enum walk_fault fault)
{
	switch (fault) {
	case WALK_OK:
		return "none";
	case WALK_FAULT_TRANSLATION:
		return "translation";
	case WALK_FAULT_ACCESS:
		return "access";
	case WALK_FAULT_PERMISSION:
		return "permission";
	case WALK_FAULT_ADDR_SIZE:
		return "address size";
	case WALK_FAULT_EXT_ABORT:
		return "external abort";
	}
	return "unknown";
}
