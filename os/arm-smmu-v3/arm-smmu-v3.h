/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm-smmu-v3 driver (as Linux's drivers/iommu/arm/arm-smmu-v3/), base
 * part: probe and reset, the command queue producer, stream and CD tables,
 * the hitless "used bits" entry writer, event/PRI/GERROR interrupt handlers,
 * masters looked up by StreamID, and paging domains with their own stage-1
 * io-pgtable, ASIDs, TLB and ATC invalidation.
 *
 * The driver reaches the SMMU only as a kernel does: MMIO registers through a
 * struct mmio_region, tables and queues in physical memory (allocated from
 * the frame allocator and written through the linear map), and the interrupt
 * handlers below, which the machine calls when the SMMU raises its lines.
 *
 *   StreamID --(stream table: linear or 2-level)--> STE
 *        STE.S1ContextPtr --(CD table: linear or 2-level)--> CD[SSID]
 *              CD.TTB0 --> stage-1 page table (io-pgtable, or an mm's pgd for SVA)
 *
 * Locking: smmu->cmdq.lock serialises producers (see cmdq.c); smmu->lock
 * protects the stream tree, the stream table's on-demand level-2 tables,
 * the ASID map and masters' handler references (arm_smmu_get_master());
 * master->lock protects a master's CD table and attachment.
 */
#ifndef OS_ARM_SMMU_V3_H
#define OS_ARM_SMMU_V3_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/smmuv3.h"
#include "hw/bus.h"
#include "hw/mem.h"
#include "os/iommu/iommu.h"
#include "os/iommu/iopf.h"
#include "os/mm/frame.h"
#include "os/printk.h"

struct arm_smmu_device;
struct arm_smmu_master;
struct arm_smmu_domain;
struct io_pgtable;
struct pci_dev;

/* ---- Features decoded from the ID registers at probe ------------------- */

#define ARM_SMMU_FEAT_2_LVL_STRTAB	(1u << 0)
#define ARM_SMMU_FEAT_2_LVL_CDTAB	(1u << 1)
#define ARM_SMMU_FEAT_TT_LE		(1u << 2)
#define ARM_SMMU_FEAT_PRI		(1u << 3)
#define ARM_SMMU_FEAT_ATS		(1u << 4)
#define ARM_SMMU_FEAT_SEV		(1u << 5)
#define ARM_SMMU_FEAT_MSI		(1u << 6)
#define ARM_SMMU_FEAT_COHERENCY		(1u << 7)
#define ARM_SMMU_FEAT_TRANS_S1		(1u << 8)
#define ARM_SMMU_FEAT_TRANS_S2		(1u << 9)
#define ARM_SMMU_FEAT_STALLS		(1u << 10)
#define ARM_SMMU_FEAT_HYP		(1u << 11)
#define ARM_SMMU_FEAT_STALL_FORCE	(1u << 12)
#define ARM_SMMU_FEAT_VAX		(1u << 13)
#define ARM_SMMU_FEAT_RANGE_INV		(1u << 14)
#define ARM_SMMU_FEAT_BTM		(1u << 15)
#define ARM_SMMU_FEAT_SVA		(1u << 16)
#define ARM_SMMU_FEAT_E2H		(1u << 17)
#define ARM_SMMU_FEAT_HA		(1u << 18)
#define ARM_SMMU_FEAT_HD		(1u << 19)
#define ARM_SMMU_FEAT_ASID16		(1u << 20)
#define ARM_SMMU_FEAT_VMID16		(1u << 21)
#define ARM_SMMU_FEAT_ATTR_TYPES_OVR	(1u << 22)

/* Options: how the driver chose to use what it found. */
#define ARM_SMMU_OPT_MSIPOLL		(1u << 0)	/* CMD_SYNC completion by MSI write */
#define ARM_SMMU_OPT_BROADCAST_TLBI	(1u << 1)	/* CR2.PTM = 0: the SMMU takes the
							   CPUs' broadcast TLBIs */

/* ---- Commands: the semantic form, and its one builder (cmd.c) ---------- */

/* CMD_RESUME / CMD_STALL_TERM actions, as Linux's 2-bit {Ab,Ac} view. */
enum arm_smmu_resume_resp {
	ARM_SMMU_RESUME_TERM,		/* terminate, RAZ/WI */
	ARM_SMMU_RESUME_RETRY,
	ARM_SMMU_RESUME_ABORT,		/* terminate with an abort */
};

struct arm_smmu_cmdq_ent {
	uint8_t opcode;			/* CMD_OP_* */
	bool substream_valid;
	union {
		struct {
			uint32_t sid;
		} prefetch;
		struct {
			uint32_t sid;
			uint32_t ssid;
			union {
				bool leaf;
				uint8_t span;	/* CFGI_STE_RANGE: 2^(span+1) SIDs */
			};
		} cfgi;
		struct {
			uint8_t num;
			uint8_t scale;
			uint16_t asid;
			uint16_t vmid;
			bool leaf;
			uint8_t ttl;
			uint8_t tg;
			uint64_t addr;
		} tlbi;
		struct {
			uint32_t sid;
			uint32_t ssid;
			uint64_t addr;
			uint8_t size;
			bool global;
		} atc;
		struct {
			uint32_t sid;
			uint32_t ssid;
			uint16_t grpid;
			uint8_t resp;	/* CMD_PRI_RESP_* */
		} pri;
		struct {
			uint32_t sid;
			uint16_t stag;
			enum arm_smmu_resume_resp resp;
		} resume;
		struct {
			uint64_t msiaddr;	/* 0: complete by SEV (or nothing) */
			uint32_t msidata;
			bool sev;		/* CS = SIG_SEV when there is no MSI */
		} sync;
	};
};

/*
 * Build the 2-dword command for @ent. 0, or -EINVAL for an opcode the
 * builder does not know or a field that does not fit (nothing is queued).
 */
int arm_smmu_cmdq_build_cmd(uint64_t cmd[CMD_DWORDS], const struct arm_smmu_cmdq_ent *ent);

/* ---- Queues ------------------------------------------------------------- */

struct arm_smmu_queue {
	uint64_t base_pa;		/* queue memory (frame block) */
	uint64_t *base;			/* its linear-map address */
	unsigned int order;		/* frame block order */
	unsigned int log2;		/* 2^log2 entries */
	unsigned int ent_dwords;
	uint64_t q_base;		/* SMMU_*Q_BASE value */
	uint32_t prod_reg, cons_reg;	/* MMIO offsets of PROD and CONS */
	uint32_t cons;			/* consumer's index+wrap (event/PRI queues) */
};

/* Queue index arithmetic over the "index + wrap bit" encoding (§3.5.1). */
static inline uint32_t arm_smmu_q_idx(const struct arm_smmu_queue *q, uint32_t p)
{
	return p & ((1u << q->log2) - 1);
}

static inline uint32_t arm_smmu_q_wrp(const struct arm_smmu_queue *q, uint32_t p)
{
	return p & (1u << q->log2);
}

static inline bool arm_smmu_q_empty(const struct arm_smmu_queue *q, uint32_t prod, uint32_t cons)
{
	return arm_smmu_q_idx(q, prod) == arm_smmu_q_idx(q, cons) &&
	       arm_smmu_q_wrp(q, prod) == arm_smmu_q_wrp(q, cons);
}

static inline bool arm_smmu_q_full(const struct arm_smmu_queue *q, uint32_t prod, uint32_t cons)
{
	return arm_smmu_q_idx(q, prod) == arm_smmu_q_idx(q, cons) &&
	       arm_smmu_q_wrp(q, prod) != arm_smmu_q_wrp(q, cons);
}

/* The next index+wrap value after @p (wrap toggles past the last entry). */
static inline uint32_t arm_smmu_q_inc(const struct arm_smmu_queue *q, uint32_t p)
{
	return (p + 1) & ((2u << q->log2) - 1);
}

/* Entries in use between @cons and @prod. */
static inline uint32_t arm_smmu_q_used(const struct arm_smmu_queue *q, uint32_t prod, uint32_t cons)
{
	return (prod - cons) & ((2u << q->log2) - 1);
}

/*
 * The command queue. Producers are serialised by @lock (a documented
 * alternative to Linux's lock-free scheme, see cmdq.c); waiting for a
 * CMD_SYNC happens outside the lock, so submitters overlap.
 */
struct arm_smmu_cmdq {
	struct arm_smmu_queue q;
	pthread_mutex_t lock;
	uint64_t prod64;		/* entries ever produced (under lock) */
	uint64_t cons64;		/* entries known consumed (under lock) */
	uint32_t sync_seq;		/* last CMD_SYNC sequence number issued (under lock) */
	uint64_t last_sync_end;		/* prod64 just after the last CMD_SYNC (under lock) */
	uint64_t sync_word_pa;		/* where CMD_SYNC MSIs write their sequence */
	uint32_t *sync_word;
	pthread_mutex_t err_lock;	/* serialises CERROR recovery */
	uint64_t stats_op[CMD_OP_NR];	/* commands issued per opcode (atomic) */
	uint64_t stats_batches;		/* PROD writes (atomic) */
	uint64_t stats_syncs;		/* CMD_SYNCs waited for (atomic) */
	uint64_t stats_sync_elided;	/* bare syncs that waited on the previous one (atomic) */
	uint64_t stats_cerror[4];	/* CERROR codes recovered (atomic) */
};

#define ARM_SMMU_CMDQ_BATCH_ENTRIES	64

/* Commands gathered by one thread and issued with one PROD write. */
struct arm_smmu_cmdq_batch {
	uint64_t cmds[ARM_SMMU_CMDQ_BATCH_ENTRIES * CMD_DWORDS];
	unsigned int num;
};

/*
 * Issue @n prebuilt commands with one PROD write, followed by a CMD_SYNC
 * and a wait for its completion if @sync. Returns 0, or -ETIMEDOUT when the
 * queue stays full or the CMD_SYNC does not complete within the bound (a
 * wedged SMMU). A command error recovered on the way (CERROR_*) is not an
 * error for the caller; it is counted in smmu->stats.
 */
int arm_smmu_cmdq_issue_cmdlist(struct arm_smmu_device *smmu, const uint64_t *cmds,
				unsigned int n, bool sync);
int arm_smmu_cmdq_issue_cmd(struct arm_smmu_device *smmu, const struct arm_smmu_cmdq_ent *ent);
int arm_smmu_cmdq_issue_cmd_with_sync(struct arm_smmu_device *smmu,
				      const struct arm_smmu_cmdq_ent *ent);
int arm_smmu_cmdq_issue_sync(struct arm_smmu_device *smmu);
/* Add to a batch; a full batch is issued first (without sync). 0 or -EINVAL. */
int arm_smmu_cmdq_batch_add(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *b,
			    const struct arm_smmu_cmdq_ent *ent);
/* Issue the batch followed by a CMD_SYNC and wait. */
int arm_smmu_cmdq_batch_submit(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *b);
/* Recover from an active CMDQ_ERR (CERROR_*) and acknowledge it; no-op if none. */
void arm_smmu_cmdq_skip_err(struct arm_smmu_device *smmu);
/* Commands issued with opcode @op since probe. */
uint64_t arm_smmu_cmdq_count(struct arm_smmu_device *smmu, unsigned int op);

/* ---- The used-bits entry writer (entry.c) ------------------------------ */

#define ARM_SMMU_ENTRY_QWORDS	8	/* STEs and CDs are both 64 bytes */

struct arm_smmu_entry_writer;

struct arm_smmu_entry_writer_ops {
	/* Bits of @ent the SMMU reads, given the configuration @ent selects. */
	void (*get_used)(const uint64_t *ent, uint64_t *used);
	/* Make the SMMU observe what was written so far (CFGI + CMD_SYNC). */
	void (*sync)(struct arm_smmu_entry_writer *writer);
};

struct arm_smmu_entry_writer {
	const struct arm_smmu_entry_writer_ops *ops;
	struct arm_smmu_master *master;
};

/*
 * Update @entry (in memory the SMMU reads) to @target with 64-bit stores and
 * syncs, hitlessly when at most one qword's used bits change, otherwise by
 * going through V = 0. See entry.c.
 */
void arm_smmu_write_entry(struct arm_smmu_entry_writer *writer, uint64_t *entry,
			  const uint64_t *target);
void arm_smmu_get_ste_used(const uint64_t *ent, uint64_t *used);
void arm_smmu_get_cd_used(const uint64_t *ent, uint64_t *used);

/* ---- Stream table entries (ste.c) --------------------------------------- */

struct arm_smmu_ste {
	uint64_t data[STRTAB_STE_DWORDS];
};

#define STRTAB_SPLIT			8	/* 2-level: 256 STEs per level-2 table */
#define STRTAB_L1_MAX_LOG2		16	/* at most 64K level-1 descriptors */

struct arm_smmu_strtab_cfg {
	uint64_t base_pa;		/* level-1 table, or the linear table */
	uint64_t *base;
	unsigned int order;
	unsigned int num_l1_ents;	/* 2-level */
	uint64_t *l2_pa;		/* per L1 entry: its level-2 table, 0 = none */
	unsigned int num_sids_log2;	/* linear: SIDs covered */
	uint64_t strtab_base;		/* SMMU_STRTAB_BASE value */
	uint32_t strtab_base_cfg;	/* SMMU_STRTAB_BASE_CFG value */
};

void arm_smmu_make_abort_ste(struct arm_smmu_ste *target);
void arm_smmu_make_bypass_ste(struct arm_smmu_device *smmu, struct arm_smmu_ste *target);
/* A stage-1 STE pointing at @master's CD table (S1DSS = STRTAB_STE_1_S1DSS_*). */
void arm_smmu_make_cdtable_ste(struct arm_smmu_ste *target, struct arm_smmu_master *master,
			       bool ats_enabled, unsigned int s1dss);

int arm_smmu_init_strtab(struct arm_smmu_device *smmu);
void arm_smmu_free_strtab(struct arm_smmu_device *smmu);
/* Make sure the STE of @sid exists (allocate a level-2 table). 0, -ERANGE, -ENOMEM. */
int arm_smmu_init_sid_strtab(struct arm_smmu_device *smmu, uint32_t sid);
/* The STE of @sid in memory, or NULL if @sid has no STE (yet). */
uint64_t *arm_smmu_get_step(struct arm_smmu_device *smmu, uint32_t sid);
/* Write @target into every STE of @master (hitless where possible). */
void arm_smmu_install_ste_for_dev(struct arm_smmu_master *master,
				  const struct arm_smmu_ste *target);
/* Write one STE with the CFGI_STE + CMD_SYNC writer. */
void arm_smmu_write_ste(struct arm_smmu_device *smmu, uint32_t sid, uint64_t *step,
			const struct arm_smmu_ste *target);

/* ---- Context descriptors (cd.c) ----------------------------------------- */

struct arm_smmu_cd {
	uint64_t data[CD_DWORDS];
};

#define CTXDESC_L2_ENTRIES		1024	/* S1Fmt = 64K leaf */
#define CTXDESC_LINEAR_CDMAX		10	/* without CD2L: 1024 CDs, 64K */

struct arm_smmu_ctx_desc_cfg {
	uint64_t cdtab_pa;		/* linear table or level-1 table */
	uint64_t *cdtab;
	unsigned int order;
	uint8_t s1fmt;			/* STRTAB_STE_0_S1FMT_* */
	uint8_t s1cdmax;		/* log2 of the CDs the table can hold */
	unsigned int num_l1_ents;
	uint64_t *l2_pa;		/* 2-level: per L1 entry, 0 = no leaf yet */
	unsigned int used_ssids;	/* valid CDs with SSID != 0 */
};

/* The parameters of a stage-1 table walk, as an io-pgtable or an mm gives them. */
struct arm_smmu_s1_cfg {
	uint64_t ttbr;
	uint8_t tsz;			/* T0SZ */
	uint8_t tg;			/* CD_TG0_* */
	uint8_t ips;			/* SMMU_OAS_* */
	uint8_t irgn, orgn, sh;		/* VMSA_RGN_*, VMSA_SH_* */
	uint64_t mair;
	bool hd;			/* hardware dirty (and access flag) update */
	bool ha;			/* hardware access flag update */
};

/* A private (domain) CD: ASET = 1, so broadcast TLBIs never hit it. */
void arm_smmu_make_s1_cd(struct arm_smmu_cd *target, struct arm_smmu_master *master,
			 const struct arm_smmu_s1_cfg *cfg, uint16_t asid);
/*
 * An SVA CD sharing the CPU's ASID (ASET = 0: broadcast TLB maintenance
 * reaches it). @mm NULL builds the "released" CD: EPD0 = 1 so every access
 * faults, without the fault being recorded or stalled where that is
 * allowed; the switch between the two is hitless (TTB0 is ignored with EPD0).
 */
void arm_smmu_make_sva_cd(struct arm_smmu_cd *target, struct arm_smmu_master *master,
			  const struct arm_smmu_s1_cfg *mm, uint16_t asid);

int arm_smmu_alloc_cd_tables(struct arm_smmu_master *master);
void arm_smmu_free_cd_tables(struct arm_smmu_master *master);
/* The CD of @ssid in memory, or NULL (no table / no leaf). */
uint64_t *arm_smmu_get_cd_ptr(struct arm_smmu_master *master, uint32_t ssid);
/* The same, allocating the table and the leaf on demand. NULL: -ENOMEM/-ERANGE. */
uint64_t *arm_smmu_alloc_cd_ptr(struct arm_smmu_master *master, uint32_t ssid);
/* Write @target at @ssid with the CFGI_CD + CMD_SYNC writer. */
void arm_smmu_write_cd_entry(struct arm_smmu_master *master, uint32_t ssid, uint64_t *cdptr,
			     const struct arm_smmu_cd *target);
void arm_smmu_clear_cd(struct arm_smmu_master *master, uint32_t ssid);

/* ---- Masters ------------------------------------------------------------ */

struct arm_smmu_stream {
	uint32_t id;
	struct arm_smmu_master *master;
	/* Ordered tree of streams by id (stream_tree.c), under smmu->lock. */
	struct arm_smmu_stream *left, *right;
	int height;
};

/* What the bus tells the driver about a device. */
struct arm_smmu_master_desc {
	const uint32_t *sids;
	unsigned int num_sids;
	unsigned int ssid_bits;		/* PASID width the device supports */
	bool stall_capable;		/* platform device that tolerates stalls */
	struct pci_dev *pdev;		/* PCIe: ATS/PRI/PASID capable function */
	const char *name;
};

/* What non-PASID traffic (SSID 0 / no SSID) of a master does. */
enum arm_smmu_rid_mode {
	ARM_SMMU_RID_BLOCKED,		/* abort */
	ARM_SMMU_RID_IDENTITY,		/* bypass */
	ARM_SMMU_RID_DOMAIN,		/* translated by master->domain (CD 0) */
};

struct arm_smmu_master {
	struct arm_smmu_device *smmu;
	const char *name;
	struct arm_smmu_stream *streams;
	unsigned int num_streams;
	struct pci_dev *pdev;
	pthread_mutex_t lock;		/* CD table, domain, ATS state */
	struct arm_smmu_ctx_desc_cfg cd_table;
	unsigned int ssid_bits;
	bool stall_enabled;
	bool ats_enabled;		/* STE.EATS set and ATS on at the endpoint */
	bool pri_enabled;
	bool pasid_enabled;
	bool prg_resp_needs_ssid;	/* PRI: the response must carry the PASID */
	enum arm_smmu_rid_mode rid_mode;
	struct arm_smmu_domain *domain;	/* attached at SSID 0, or NULL */
	void *iopf_ctx;			/* the fault path's per-device state */
	unsigned int users;		/* interrupt handlers using it (smmu->lock) */
	bool releasing;			/* release waits for users (smmu->lock) */
};

/* Register a device: its streams get bypass/abort STEs. NULL on error (errno in *err). */
struct arm_smmu_master *arm_smmu_probe_device(struct arm_smmu_device *smmu,
					      const struct arm_smmu_master_desc *desc, int *err);
void arm_smmu_release_device(struct arm_smmu_master *master);
/*
 * Rewrite the master's STEs from its state (caller holds master->lock):
 * a CD table STE when a domain is attached or PASID CDs are in use
 * (S1DSS then says what SSID-less traffic does), otherwise plain
 * abort/bypass. ATS is enabled at the endpoint after the STE allows it and
 * disabled before the STE forbids it. For sva.c after it changed a PASID CD.
 */
int arm_smmu_master_update_ste(struct arm_smmu_master *master);
/*
 * The master owning @sid, or NULL, without a reference: for callers that
 * own the master (it cannot be released under them).
 */
struct arm_smmu_master *arm_smmu_find_master(struct arm_smmu_device *smmu, uint32_t sid);
/*
 * The master owning @sid with a reference taken under smmu->lock, or NULL.
 * Interrupt handlers use this: arm_smmu_release_device() waits until every
 * reference is dropped with arm_smmu_put_master() before it frees the
 * master (Linux gets the same from holding streams_mutex while reporting).
 * Never call release from inside a fault report of the same master.
 */
struct arm_smmu_master *arm_smmu_get_master(struct arm_smmu_device *smmu, uint32_t sid);
void arm_smmu_put_master(struct arm_smmu_master *master);

/* Ordered StreamID tree (stream_tree.c): insert (-EEXIST), erase, find. */
int arm_smmu_stream_insert(struct arm_smmu_stream **root, struct arm_smmu_stream *s);
void arm_smmu_stream_erase(struct arm_smmu_stream **root, uint32_t id);
struct arm_smmu_stream *arm_smmu_stream_find(struct arm_smmu_stream *root, uint32_t id);

/* ---- Domains ------------------------------------------------------------ */

enum arm_smmu_domain_type {
	ARM_SMMU_DOMAIN_PAGING,		/* private stage-1 io-pgtable */
	ARM_SMMU_DOMAIN_SVA,		/* an mm's page table (sva.c) */
};

struct arm_smmu_domain {
	struct iommu_domain iommu;	/* the iommu core's view (paging domains) */
	struct arm_smmu_device *smmu;
	enum arm_smmu_domain_type type;
	struct io_pgtable *pgtbl;
	struct arm_smmu_s1_cfg s1;
	uint16_t asid;			/* atomic: SVA ASID seizing moves it; arm_smmu_domain_asid() */
	pthread_mutex_t lock;		/* devices list */
	struct arm_smmu_master **masters;	/* attached masters (ATC invalidation) */
	unsigned int nr_masters, max_masters;
	unsigned int nr_ats_masters;	/* atomic: skip ATC_INV when 0 */
	void *priv;			/* owner's data (SVA: the mm binding) */
};

/*
 * The domain's ASID. sva.c may move a private domain to a new ASID (ASID
 * seizing, §3.17) while its mappings are invalidated: read it once,
 * atomically, per use.
 */
static inline uint16_t arm_smmu_domain_asid(const struct arm_smmu_domain *domain)
{
	return __atomic_load_n(&domain->asid, __ATOMIC_ACQUIRE);
}


struct arm_smmu_domain *arm_smmu_domain_alloc_paging(struct arm_smmu_device *smmu);

/* The iommu core's domain operations (iommu_domain.c), in arm_smmu_iommu_ops. */
struct iommu_domain *arm_smmu_iommu_domain_alloc_paging(struct device *dev);
void arm_smmu_iommu_domain_free(struct iommu_domain *domain);
int arm_smmu_iommu_attach_dev(struct iommu_domain *domain, struct device *dev);
int arm_smmu_iommu_attach_blocked(struct device *dev);
int arm_smmu_iommu_map(struct iommu_domain *domain, uint64_t iova, uint64_t pa, uint64_t size,
		       unsigned int prot);
uint64_t arm_smmu_iommu_unmap(struct iommu_domain *domain, uint64_t iova, uint64_t size);
uint64_t arm_smmu_iommu_iova_to_phys(struct iommu_domain *domain, uint64_t iova);
void arm_smmu_domain_free(struct arm_smmu_domain *domain);
/* Attach @domain to @master's SSID 0 (non-PASID DMA). 0 or -errno. */
int arm_smmu_attach_dev(struct arm_smmu_master *master, struct arm_smmu_domain *domain);
/* Blocked (abort) or identity (bypass) STEs, detaching any domain. */
int arm_smmu_attach_blocked(struct arm_smmu_master *master);
int arm_smmu_attach_identity(struct arm_smmu_master *master);
/* Map/unmap through the domain's io-pgtable; unmap invalidates before freeing. */
int arm_smmu_map(struct arm_smmu_domain *domain, uint64_t iova, uint64_t pa, uint64_t size,
		 unsigned int prot);
uint64_t arm_smmu_unmap(struct arm_smmu_domain *domain, uint64_t iova, uint64_t size);
uint64_t arm_smmu_iova_to_phys(struct arm_smmu_domain *domain, uint64_t iova);
/* Register/unregister a master with a domain (for ATC invalidation). */
int arm_smmu_domain_add_master(struct arm_smmu_domain *domain, struct arm_smmu_master *master);
void arm_smmu_domain_del_master(struct arm_smmu_domain *domain, struct arm_smmu_master *master);

/* ---- ASIDs: an xarray-like map from ASID to its user -------------------- */

/* Allocate the lowest free ASID in [1, 2^asid_bits) for @ptr. ASID or -ENOSPC. */
int arm_smmu_asid_alloc(struct arm_smmu_device *smmu, void *ptr);
/* Claim a specific ASID (SVA shares the CPU's). 0, -EBUSY (taken), -EINVAL. */
int arm_smmu_asid_insert(struct arm_smmu_device *smmu, uint16_t asid, void *ptr);
void *arm_smmu_asid_load(struct arm_smmu_device *smmu, uint16_t asid);
void arm_smmu_asid_erase(struct arm_smmu_device *smmu, uint16_t asid);

/* ---- TLB and ATC invalidation (tlb.c) ----------------------------------- */

/*
 * Linux's CMDQ_MAX_TLBI_OPS: without range invalidation, an invalidation of
 * this many pages of 2^@page_shift bytes or more is one TLBI by ASID
 * instead (one page of commands' worth: it scales with the page size).
 */
#define ARM_SMMU_CMDQ_MAX_TLBI_OPS(page_shift)	(1ull << ((page_shift) - 3))

/* Every entry of @asid (TLBI_NH_ASID or TLBI_EL2_ASID) + CMD_SYNC. */
void arm_smmu_tlb_inv_asid(struct arm_smmu_device *smmu, uint16_t asid);
/*
 * [iova, iova + size) of @asid, @granule the leaf size the caller knows
 * (for TTL), @leaf whether only leaf entries changed. Range commands when
 * the SMMU has RIL, otherwise one per granule (whether the whole ASID is
 * cheaper is the caller's choice, as in Linux). Ends with CMD_SYNC.
 */
void arm_smmu_tlb_inv_range_asid(struct arm_smmu_device *smmu, uint64_t iova, uint64_t size,
				 uint64_t granule, bool leaf, uint16_t asid);
/* Build the ATC_INV command covering [iova, iova + size) (size 0: everything). */
void arm_smmu_atc_inv_to_cmd(bool ssv, uint32_t ssid, uint64_t iova, uint64_t size,
			     struct arm_smmu_cmdq_ent *cmd);
/* ATC invalidation for every stream of @master (ssid/ssv as the ATS entries). */
int arm_smmu_atc_inv_master(struct arm_smmu_master *master, bool ssv, uint32_t ssid);
/* ATC invalidation for every ATS master of @domain, [iova, iova + size). */
int arm_smmu_atc_inv_domain(struct arm_smmu_domain *domain, bool ssv, uint32_t ssid,
			    uint64_t iova, uint64_t size);
/* TLB (range) + ATC invalidation for a paging domain. */
void arm_smmu_domain_inv_range(struct arm_smmu_domain *domain, uint64_t iova, uint64_t size,
			       uint64_t granule, bool leaf);

/* ---- Faults: events and page requests (irq.c) --------------------------- */

/*
 * The fault path the iommu core registers. report() receives stalls (from
 * the event queue) and PRI page requests; 0 if taken, otherwise a -errno:
 * then the driver answers a stall (CMD_RESUME abort) or a Last page request
 * (CMD_PRI_RESP InvalidRequest) itself, so nothing waits forever.
 */
struct arm_smmu_fault_ops {
	int (*report)(void *ctx, struct arm_smmu_master *master, const struct iommu_fault *fault);
	/* Optional: a non-recoverable event, already decoded, for logging/tests. */
	void (*event)(void *ctx, struct arm_smmu_master *master, const uint64_t *evt);
	/* Optional: the PRI queue overflowed; partial groups may be incomplete. */
	void (*pri_overflow)(void *ctx);
};

void arm_smmu_set_fault_ops(struct arm_smmu_device *smmu, const struct arm_smmu_fault_ops *ops,
			    void *ctx);
/*
 * Interrupt handlers (the machine calls them on a driver thread when the
 * SMMU raises the line; they take void * to be irq_line callbacks). Each
 * drains its queue and dispatches.
 */
void arm_smmu_evtq_irq(void *smmu);
void arm_smmu_priq_irq(void *smmu);
void arm_smmu_gerror_irq(void *smmu);
/* CMD_SYNC completion interrupt: completion is polled, so this does nothing. */
void arm_smmu_cmd_sync_irq(void *smmu);
/*
 * Answer a fault the core resolved: CMD_RESUME (retry on SUCCESS, abort
 * otherwise) for a stall, CMD_PRI_RESP for a page request group, on the
 * stream resp->sid (the master's first stream if it is not one of its).
 */
void arm_smmu_page_response(struct arm_smmu_master *master,
			    const struct iommu_page_response *resp);

/* A name from smmuv3_cmd_name()/smmuv3_event_name() for a log line ("?" if none). */
static inline const char *arm_smmu_name(const char *name)
{
	return name ? name : "?";
}

/* ---- Tracing ------------------------------------------------------------ */

/*
 * An optional observer of the driver (the simulator's --trace): each
 * CMD_SYNC wait, with its start and end on CLOCK_MONOTONIC in ns. Costs
 * nothing when unset.
 */
struct arm_smmu_trace_ops {
	void (*sync_wait)(void *ctx, uint64_t start_ns, uint64_t end_ns);
};

/* Set before the driver is used concurrently (it is read without a lock). */
void arm_smmu_set_trace(struct arm_smmu_device *smmu, const struct arm_smmu_trace_ops *ops,
			void *ctx);

/* ---- The device --------------------------------------------------------- */

struct arm_smmu_stats {
	uint64_t events, stalls, page_requests, evtq_overflows, priq_overflows;
	uint64_t gerrors, cerror_ill, cerror_abt, cerror_atc_inv;
	uint64_t faults_refused;
};

/* The driver's name: the origin of its messages. */
#define ARM_SMMU_DRV_NAME	"arm-smmu-v3"

struct arm_smmu_device {
	const char *name;		/* in log messages (dev_err() and friends) */
	struct mmio_region mmio;
	struct frame_pool *pool;
	struct phys_mem *mem;		/* the linear map */
	uint32_t features;		/* ARM_SMMU_FEAT_* */
	uint32_t options;		/* ARM_SMMU_OPT_* */
	unsigned int sid_bits, ssid_bits;
	unsigned int asid_bits, vmid_bits;
	unsigned int ias, oas;
	uint64_t pgsize_bitmap;
	unsigned int stall_max;
	uint32_t idr[6];		/* as read at probe */

	struct arm_smmu_cmdq cmdq;
	struct arm_smmu_queue evtq, priq;
	pthread_mutex_t evtq_lock, priq_lock;	/* one consumer each */
	struct arm_smmu_strtab_cfg strtab_cfg;

	pthread_mutex_t lock;		/* streams, level-2 STE tables, ASID map */
	pthread_cond_t master_idle;	/* a releasing master lost its last user */
	struct arm_smmu_stream *streams;
	void **asid_map;		/* 2^asid_bits slots, NULL = free */

	uint64_t msi_doorbell_pa;	/* 0: wired interrupts */

	const struct arm_smmu_fault_ops *fault_ops;
	void *fault_ctx;
	const struct arm_smmu_trace_ops *trace_ops;	/* set before use, or NULL */
	void *trace_ctx;
	struct arm_smmu_stats stats;	/* atomic counters */
};

struct arm_smmu_probe_opts {
	bool vhe;			/* the OS runs at EL2 with E2H: use E2H/EL2 if HYP */
	bool bypass;			/* unknown streams bypass (else abort) */
	bool disable_msipoll;		/* complete CMD_SYNC by SEV/polling CONS */
	/*
	 * The OS relies on broadcast TLB maintenance: SVA contexts use the
	 * CPUs' own ASIDs (the 2020 SVA design), so with IDR0.BTM the driver
	 * clears CR2.PTM. Otherwise PTM stays set, as in today's Linux, whose
	 * private SVA ASIDs need every invalidation to be explicit.
	 */
	bool broadcast_tlbi;
	/*
	 * Signal GERROR/EVTQ/PRIQ as MSIs (IDR0.MSI): each writes its
	 * ARM_SMMU_MSI_* value to its word of the doorbell page before the
	 * line is raised. Otherwise the interrupts are wired (IRQ_CFG0 = 0).
	 */
	bool msi_irqs;
};

/* MSI doorbell words (32-bit, at smmu->msi_doorbell_pa + 4 * index) and their data. */
enum arm_smmu_msi_index {
	ARM_SMMU_MSI_GERROR,
	ARM_SMMU_MSI_EVTQ,
	ARM_SMMU_MSI_PRIQ,
	ARM_SMMU_NR_MSIS,
};
#define ARM_SMMU_MSI_DATA(index)	(0x5a00u + (index))

/*
 * Probe the SMMU behind @mmio from its ID registers, allocate tables and
 * queues from @pool, and reset it (enabled on return). NULL on failure,
 * errno in *err (-ENODEV: unsupported SMMU, -ENOMEM, -ETIMEDOUT).
 */
struct arm_smmu_device *arm_smmu_device_probe(const struct mmio_region *mmio,
					      struct frame_pool *pool,
					      const struct arm_smmu_probe_opts *opts, int *err);
/* Disable the SMMU and free everything (masters must be released). */
void arm_smmu_device_remove(struct arm_smmu_device *smmu);
/* Decode ID register values into smmu->features and sizes (probe.c). */
int arm_smmu_device_hw_probe(struct arm_smmu_device *smmu, const uint32_t idr[6], bool vhe);

/* ---- Small helpers shared by the driver's files ------------------------- */

/* The linear-map address of @pa, for @len bytes the driver owns. */
static inline void *arm_smmu_va(struct arm_smmu_device *smmu, uint64_t pa, uint64_t len)
{
	return phys_mem_ptr(smmu->mem, pa, len);
}

/* A 64-bit store the SMMU observes whole (single-copy atomic). */
static inline void arm_smmu_write_qword(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static inline uint64_t arm_smmu_read_qword(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline void arm_smmu_stat_inc(uint64_t *ctr)
{
	__atomic_fetch_add(ctr, 1, __ATOMIC_RELAXED);
}

/* Allocate 2^@order zeroed, contiguous frames covering at least @bytes. */
uint64_t arm_smmu_alloc_coherent(struct arm_smmu_device *smmu, uint64_t bytes,
				 unsigned int *order, void **va);
void arm_smmu_free_coherent(struct arm_smmu_device *smmu, uint64_t pa, unsigned int order);
/* The frame block order that holds @bytes. */
unsigned int arm_smmu_order_for(struct arm_smmu_device *smmu, uint64_t bytes);

#endif /* OS_ARM_SMMU_V3_H */
