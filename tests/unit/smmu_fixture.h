/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test machine for the SMMU model's translation side: physical memory, an
 * SMMU programmed the way a driver would (stream table, event/command/PRI
 * queues, CR0), and helpers to write STEs, CDs and 4K-granule stage-1 page
 * tables, read event records and PRI entries, and issue commands through the
 * real command queue. Shared by test_smmu_{xlate,stall,ats_pri} and
 * bench_smmu. Returns errors instead of asserting (no harness here).
 */
#ifndef TESTS_UNIT_SMMU_FIXTURE_H
#define TESTS_UNIT_SMMU_FIXTURE_H

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "arch/smmuv3.h"
#include "arch/vmsa.h"
#include "hw/mem.h"
#include "hw/smmu/event.h"
#include "hw/smmu/smmu.h"

#define FX_MEM_BASE	PHYS_MEM_DEFAULT_BASE
#define FX_MEM_SIZE	(64ULL << 20)
#define FX_ST_LOG2	8	/* 256 StreamIDs */
#define FX_Q_LOG2	8	/* 256 entries per queue */

struct fx {
	struct phys_mem mem;
	struct smmu *smmu;
	struct smmu_config cfg;
	uint64_t next;		/* bump allocator */
	uint64_t strtab, evtq, cmdq, priq;
	uint32_t cmdq_prod;
};

static inline uint64_t fx_alloc(struct fx *fx, uint64_t size, uint64_t align)
{
	uint64_t pa = (fx->next + align - 1) & ~(align - 1);

	fx->next = pa + size;
	phys_mem_fill(&fx->mem, pa, 0, size);
	return pa;
}

static inline void fx_w64(struct fx *fx, uint64_t pa, uint64_t v)
{
	phys_mem_write64(&fx->mem, pa, v);
}

static inline uint64_t fx_r64(struct fx *fx, uint64_t pa)
{
	uint64_t v = 0;

	phys_mem_read64(&fx->mem, pa, &v);
	return v;
}

/* Poll @cond (bounded by the harness timeout), yielding then sleeping. */
#define FX_WAIT(cond)								\
	do {									\
		unsigned int _n = 0;						\
		while (!(cond)) {						\
			struct timespec _ts = { 0, 100000 };			\
			if (++_n < 100)						\
				sched_yield();					\
			else							\
				nanosleep(&_ts, NULL);				\
		}								\
	} while (0)

/*
 * Program the SMMU (in its reset state) as a driver would: table and queue
 * bases, then CR0, waiting for CR0ACK; @enable: set SMMUEN.
 */
static inline void fx_program(struct fx *fx, bool enable)
{
	uint32_t cr0 = SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN;

	fx->cmdq_prod = 0;
	smmu_mmio_write64(fx->smmu, SMMU_STRTAB_BASE, fx->strtab & SMMU_STRTAB_BASE_ADDR);
	smmu_mmio_write32(fx->smmu, SMMU_STRTAB_BASE_CFG,
			  FIELD_PREP(SMMU_STRTAB_BASE_CFG_LOG2SIZE, FX_ST_LOG2));
	smmu_mmio_write64(fx->smmu, SMMU_EVENTQ_BASE, fx->evtq | FX_Q_LOG2);
	smmu_mmio_write64(fx->smmu, SMMU_CMDQ_BASE, fx->cmdq | FX_Q_LOG2);
	smmu_mmio_write64(fx->smmu, SMMU_PRIQ_BASE, fx->priq | FX_Q_LOG2);
	if (fx->cfg.pri)
		cr0 |= SMMU_CR0_PRIQEN;
	if (enable)
		cr0 |= SMMU_CR0_SMMUEN;
	smmu_mmio_write32(fx->smmu, SMMU_CR0, cr0);
	FX_WAIT(smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) == cr0);
}

/* Memory, an SMMU of @cfg, its tables and queues, programmed (fx_program()). 0 or -errno. */
static inline int fx_init_cfg(struct fx *fx, const struct smmu_config *cfg, bool enable)
{
	int ret;

	memset(fx, 0, sizeof(*fx));
	ret = phys_mem_init(&fx->mem, FX_MEM_BASE, FX_MEM_SIZE);
	if (ret)
		return ret;
	fx->cfg = *cfg;
	fx->next = FX_MEM_BASE;
	fx->smmu = smmu_create(cfg, &fx->mem.bus);
	if (!fx->smmu)
		return -EINVAL;
	fx->strtab = fx_alloc(fx, (1ULL << FX_ST_LOG2) * 64, 1ULL << (FX_ST_LOG2 + 6));
	fx->evtq = fx_alloc(fx, (1ULL << FX_Q_LOG2) * 32, 1ULL << (FX_Q_LOG2 + 5));
	fx->cmdq = fx_alloc(fx, (1ULL << FX_Q_LOG2) * 16, 1ULL << (FX_Q_LOG2 + 4));
	fx->priq = fx_alloc(fx, (1ULL << FX_Q_LOG2) * 16, 1ULL << (FX_Q_LOG2 + 4));
	fx_program(fx, enable);
	return 0;
}

static inline int fx_init(struct fx *fx)
{
	struct smmu_config cfg;

	smmu_config_default(&cfg);
	return fx_init_cfg(fx, &cfg, true);
}

static inline void fx_fini(struct fx *fx)
{
	smmu_destroy(fx->smmu);
	phys_mem_fini(&fx->mem);
}

/* ---- Stream table entries and context descriptors ----------------------- */

struct fx_ste {
	uint64_t cdptr;
	unsigned int config;	/* STRTAB_STE_0_CFG_* (default S1) */
	unsigned int cdmax, s1fmt, s1dss, eats, strw;
	bool stalld, ppar;
};

static inline void fx_ste_raw(struct fx *fx, uint32_t sid, const uint64_t raw[8])
{
	for (unsigned int i = 0; i < 8; i++)
		fx_w64(fx, fx->strtab + (uint64_t)sid * 64 + i * 8, raw[i]);
}

static inline void fx_ste_make(const struct fx_ste *s, uint64_t raw[8])
{
	memset(raw, 0, 64);
	raw[0] = STRTAB_STE_0_V |
		 FIELD_PREP(STRTAB_STE_0_CFG, s->config ? s->config : STRTAB_STE_0_CFG_S1_TRANS) |
		 FIELD_PREP(STRTAB_STE_0_S1FMT, s->s1fmt) |
		 (s->cdptr & STRTAB_STE_0_S1CTXPTR) |
		 FIELD_PREP(STRTAB_STE_0_S1CDMAX, s->cdmax);
	raw[1] = FIELD_PREP(STRTAB_STE_1_S1DSS, s->s1dss) |
		 FIELD_PREP(STRTAB_STE_1_EATS, s->eats) |
		 FIELD_PREP(STRTAB_STE_1_STRW, s->strw) |
		 FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING) |
		 (s->stalld ? STRTAB_STE_1_S1STALLD : 0) |
		 (s->ppar ? STRTAB_STE_1_PPAR : 0);
}

static inline void fx_ste(struct fx *fx, uint32_t sid, const struct fx_ste *s)
{
	uint64_t raw[8];

	fx_ste_make(s, raw);
	fx_ste_raw(fx, sid, raw);
}

/* CD flags for fx_cd_make(). */
#define FX_CD_R		(1u << 0)
#define FX_CD_A		(1u << 1)
#define FX_CD_S		(1u << 2)
#define FX_CD_HA	(1u << 3)
#define FX_CD_HD	(1u << 4)
#define FX_CD_ASET	(1u << 5)
#define FX_CD_EPD0	(1u << 6)
#define FX_CD_IPS32	(1u << 7)
#define FX_CD_DEFAULT	(FX_CD_R | FX_CD_A)

/* A VMSAv8-64 4K-granule, 48-bit VA CD for @ttb with @asid. */
static inline void fx_cd_make(uint64_t ttb, uint16_t asid, unsigned int flags, uint64_t raw[8])
{
	memset(raw, 0, 64);
	raw[0] = FIELD_PREP(CD_0_T0SZ, 16) | FIELD_PREP(CD_0_TG0, CD_TG0_4K) |
		 FIELD_PREP(CD_0_IR0, 1) | FIELD_PREP(CD_0_OR0, 1) | FIELD_PREP(CD_0_SH0, 3) |
		 CD_0_EPD1 | CD_0_V | CD_0_AA64 |
		 FIELD_PREP(CD_0_IPS, (flags & FX_CD_IPS32) ? VMSA_IPS_32 : VMSA_IPS_48) |
		 FIELD_PREP(CD_0_ASID, asid) |
		 ((flags & FX_CD_R) ? CD_0_R : 0) | ((flags & FX_CD_A) ? CD_0_A : 0) |
		 ((flags & FX_CD_S) ? CD_0_S : 0) | ((flags & FX_CD_HA) ? CD_0_HA : 0) |
		 ((flags & FX_CD_HD) ? CD_0_HD : 0) | ((flags & FX_CD_ASET) ? CD_0_ASET : 0) |
		 ((flags & FX_CD_EPD0) ? CD_0_EPD0 : 0);
	raw[1] = ttb & CD_1_TTB0;
	raw[3] = VMSA_MAIR_LINUX;
}

static inline void fx_cd(struct fx *fx, uint64_t pa, uint64_t ttb, uint16_t asid,
			 unsigned int flags)
{
	uint64_t raw[8];

	fx_cd_make(ttb, asid, flags, raw);
	for (unsigned int i = 0; i < 8; i++)
		fx_w64(fx, pa + i * 8, raw[i]);
}

/* ---- 4K page tables (48-bit VA, start level 0) ------------------------- */

#define FX_PTE_RW	(VMSA_DESC_VALID | VMSA_DESC_PAGE | VMSA_PTE_AF | VMSA_PTE_NG |	\
			 FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW) |				\
			 FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) | VMSA_PTE_UXN | VMSA_PTE_PXN)
#define FX_PTE_RO	(FX_PTE_RW | VMSA_PTE_AP_RDONLY)
#define FX_PTE_WCLEAN	(FX_PTE_RO | VMSA_PTE_DBM)

static inline uint64_t fx_pt_new(struct fx *fx)
{
	return fx_alloc(fx, 4096, 4096);
}

/* The PA of the level-3 descriptor for @va, creating tables on the way. */
static inline uint64_t fx_pte_pa(struct fx *fx, uint64_t root, uint64_t va)
{
	uint64_t table = root;
	int level;

	for (level = 0; level < 3; level++) {
		uint64_t d_pa = table + vmsa_index(12, level, va) * 8;
		uint64_t d = fx_r64(fx, d_pa);

		if (!(d & VMSA_DESC_VALID)) {
			uint64_t next = fx_pt_new(fx);

			d = vmsa_addr_to_desc(next, 12) | VMSA_DESC_TYPE_TABLE;
			fx_w64(fx, d_pa, d);
		}
		table = vmsa_desc_addr(d, 12);
	}
	return table + vmsa_index(12, 3, va) * 8;
}

/* Map the 4K page @va -> @pa with leaf attributes @attrs (FX_PTE_*). */
static inline uint64_t fx_map(struct fx *fx, uint64_t root, uint64_t va, uint64_t pa,
			      uint64_t attrs)
{
	uint64_t pte_pa = fx_pte_pa(fx, root, va);

	fx_w64(fx, pte_pa, vmsa_addr_to_desc(pa, 12) | attrs);
	return pte_pa;
}

/* ---- Event queue, PRI queue ------------------------------------------- */

/* Pop the next event record; false if the queue is empty. */
static inline bool fx_event(struct fx *fx, struct smmu_event *ev)
{
	uint32_t prod = smmu_mmio_read32(fx->smmu, SMMU_EVENTQ_PROD);
	uint32_t cons = smmu_mmio_read32(fx->smmu, SMMU_EVENTQ_CONS);
	uint64_t rec[EVT_DWORDS];
	uint32_t mask = (1u << (FX_Q_LOG2 + 1)) - 1, idx;

	if ((prod & mask) == (cons & mask))
		return false;
	idx = cons & ((1u << FX_Q_LOG2) - 1);
	for (unsigned int i = 0; i < EVT_DWORDS; i++)
		rec[i] = fx_r64(fx, fx->evtq + idx * 32 + i * 8);
	smmu_event_decode(rec, ev);
	cons = (cons & ~mask) | ((cons + 1) & mask);
	smmu_mmio_write32(fx->smmu, SMMU_EVENTQ_CONS, cons);
	return true;
}

static inline unsigned int fx_events_drain(struct fx *fx)
{
	struct smmu_event ev;
	unsigned int n = 0;

	while (fx_event(fx, &ev))
		n++;
	return n;
}

static inline bool fx_pri(struct fx *fx, struct smmu_pri_req *req)
{
	uint32_t prod = smmu_mmio_read32(fx->smmu, SMMU_PRIQ_PROD);
	uint32_t cons = smmu_mmio_read32(fx->smmu, SMMU_PRIQ_CONS);
	uint32_t mask = (1u << (FX_Q_LOG2 + 1)) - 1, idx;
	uint64_t rec[PRIQ_DWORDS];

	if ((prod & mask) == (cons & mask))
		return false;
	idx = cons & ((1u << FX_Q_LOG2) - 1);
	rec[0] = fx_r64(fx, fx->priq + idx * 16);
	rec[1] = fx_r64(fx, fx->priq + idx * 16 + 8);
	smmu_pri_decode(rec, req);
	cons = (cons & ~mask) | ((cons + 1) & mask);
	smmu_mmio_write32(fx->smmu, SMMU_PRIQ_CONS, cons);
	return true;
}

/* ---- Commands through the real queue ---------------------------------- */

static inline void fx_cmd(struct fx *fx, uint64_t dw0, uint64_t dw1)
{
	uint32_t mask = (1u << (FX_Q_LOG2 + 1)) - 1;
	uint32_t idx = fx->cmdq_prod & ((1u << FX_Q_LOG2) - 1);

	/* Never overrun the consumer: the queue has 256 slots. */
	FX_WAIT(((fx->cmdq_prod - smmu_mmio_read32(fx->smmu, SMMU_CMDQ_CONS)) & mask) <
		(1u << FX_Q_LOG2) - 1);
	fx_w64(fx, fx->cmdq + idx * 16, dw0);
	fx_w64(fx, fx->cmdq + idx * 16 + 8, dw1);
	fx->cmdq_prod = (fx->cmdq_prod + 1) & mask;
	smmu_mmio_write32(fx->smmu, SMMU_CMDQ_PROD, fx->cmdq_prod);
}

/* CMD_SYNC and wait for it (CONS reaching PROD); returns CONS.ERR. */
static inline unsigned int fx_sync(struct fx *fx)
{
	uint32_t mask = (1u << (FX_Q_LOG2 + 1)) - 1, cons;

	fx_cmd(fx, FIELD_PREP(CMD_0_OP, CMD_OP_SYNC), 0);
	for (;;) {
		cons = smmu_mmio_read32(fx->smmu, SMMU_CMDQ_CONS);
		if ((cons & mask) == fx->cmdq_prod || FIELD_GET(SMMU_CMDQ_CONS_ERR, cons))
			break;
		sched_yield();
	}
	return FIELD_GET(SMMU_CMDQ_CONS_ERR, cons);
}

static inline void fx_tlbi_va(struct fx *fx, uint16_t asid, uint64_t va)
{
	fx_cmd(fx, FIELD_PREP(CMD_0_OP, CMD_OP_TLBI_NH_VA) | FIELD_PREP(CMD_0_ASID, asid),
	       va & CMD_1_VA);
}

static inline void fx_cfgi_ste(struct fx *fx, uint32_t sid)
{
	fx_cmd(fx, FIELD_PREP(CMD_0_OP, CMD_OP_CFGI_STE) | FIELD_PREP(CMD_0_SID, sid), CMD_1_LEAF);
}

static inline void fx_cfgi_cd(struct fx *fx, uint32_t sid, uint32_t ssid)
{
	fx_cmd(fx, FIELD_PREP(CMD_0_OP, CMD_OP_CFGI_CD) | FIELD_PREP(CMD_0_SID, sid) |
	       FIELD_PREP(CMD_0_SSID, ssid), CMD_1_LEAF);
}

/* ---- Transactions ------------------------------------------------------- */

static inline enum smmu_txn_status fx_xlate(struct fx *fx, uint32_t sid, bool ssv, uint32_t ssid,
					    uint64_t va, unsigned int acc, uint64_t *pa)
{
	struct smmu_txn txn = { .sid = sid, .ssv = ssv, .ssid = ssid, .addr = va, .acc = acc };
	struct smmu_txn_result res;

	if (smmu_translate(fx->smmu, &txn, &res))
		return (enum smmu_txn_status)-1;
	smmu_txn_end(fx->smmu, &res);
	if (pa)
		*pa = res.pa;
	return res.status;
}

#endif /* TESTS_UNIT_SMMU_FIXTURE_H */
