/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Arm SMMUv3 model: the public interface of one SMMU instance.
 *
 * The model is a library: everything hangs off struct smmu, memory is
 * reached through a struct mem_bus, interrupts leave through struct
 * irq_line callbacks, and software drives it only through its MMIO
 * registers (smmu_mmio_*) and the tables and queues in memory, in their
 * architectural layouts (arch/smmuv3.h).
 *
 *   software  --MMIO-->  registers (regs.c) --CMDQ_PROD--> command consumer
 *                                               (cmdq.c, its own thread)
 *   devices   --smmu_translate()--> STE/CD/TLB/walk (BACK: translate.c)
 *                                     `--> event queue (evtq.c), PRI queue (priq.c)
 *   endpoints <--ATC_INV/PRI_RESP-- (BACK: exec.c, ats.c, pri.c)
 *
 * Not implemented: the Secure and Realm programming interfaces, ECMDQ, ATOS
 * and VATOS, MPAM, DPT, AArch32 tables, big-endian tables.
 */
#ifndef HW_SMMU_SMMU_H
#define HW_SMMU_SMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/cpu.h"

struct smmu;

/* ---- Configuration: what the implementation supports ------------------ */

enum smmu_httu {
	SMMU_HTTU_NONE,
	SMMU_HTTU_HA,		/* hardware Access flag */
	SMMU_HTTU_HD,		/* Access flag and dirty state */
};

enum smmu_stall_model {
	SMMU_STALL_MODEL_STALL,	/* stall and terminate both supported */
	SMMU_STALL_MODEL_TERM,	/* terminate only: no CMD_RESUME/STALL_TERM */
	SMMU_STALL_MODEL_FORCE,	/* stall forced (CD.S must be 1) */
};

/* Granule bits of struct smmu_config.granules. */
#define SMMU_GRAN_4K		(1u << 0)
#define SMMU_GRAN_16K		(1u << 1)
#define SMMU_GRAN_64K		(1u << 2)

struct smmu_config {
	unsigned int sid_bits;		/* IDR1.SIDSIZE, 0..32 */
	unsigned int ssid_bits;		/* IDR1.SSIDSIZE, 0..20 */
	bool asid16;
	bool vmid16;
	unsigned int oas;		/* OA bits: 32 36 40 42 44 48 52 */
	unsigned int granules;		/* SMMU_GRAN_* */
	bool s1;			/* stage 1 implemented */
	bool s2;			/* stage 2 implemented */
	bool btm;			/* broadcast TLB maintenance */
	enum smmu_httu httu;
	bool ats;
	bool ats_rec_err;		/* IDR0.ATSRECERR: CR2.REC_CFG_ATS exists */
	bool pri;
	enum smmu_stall_model stall_model;
	unsigned int stall_max;		/* IDR5.STALL_MAX: outstanding stalls */
	bool ril;			/* range invalidation + TTL hint (IDR3.RIL) */
	bool hyp;			/* EL2 StreamWorld (IDR0.HYP), E2H via CR2 */
	bool st_2lvl;			/* 2-level stream tables */
	bool cd_2lvl;			/* 2-level CD tables */
	bool msi;
	bool sev;
	bool coherent;			/* IDR0.COHACC */
	bool term_model;		/* IDR0.TERM_MODEL: terminate always aborts */
	unsigned int cmdq_log2;		/* IDR1.CMDQS, <= 19 */
	unsigned int evtq_log2;		/* IDR1.EVENTQS, <= 19 */
	unsigned int priq_log2;		/* IDR1.PRIQS, <= 19 */
	unsigned int tlb_entries;	/* TLB capacity (BACK) */
	unsigned int cfg_cache_entries;	/* config cache capacity (BACK) */
	/*
	 * BACK: consume commands only on the SMMU's own thread. Otherwise (the
	 * default) the thread that writes CMDQ_PROD consumes what it can
	 * complete without waiting, within the write, as QEMU does; a
	 * command that would wait (a CMD_SYNC with translations or device
	 * accesses still in flight) is left to the SMMU's thread. Either way
	 * the driver sees CONS move and CMD_SYNC complete as the architecture
	 * says, and interrupts may be raised on either thread.
	 */
	bool cmdq_threaded;
	unsigned int arch_minor;	/* AIDR.ArchMinorRev: 0..4 = v3.0..v3.4 */
};

/* A complete, SVA-capable configuration (v3.2, 4K/64K, HTTU, ATS/PRI, stall). */
void smmu_config_default(struct smmu_config *cfg);
/*
 * 0 if the configuration describes a legal SMMU, -EINVAL otherwise, or
 * -EOPNOTSUPP for what the model does not implement (stage 2).
 */
int smmu_config_check(const struct smmu_config *cfg);

/* ---- Lifetime --------------------------------------------------------- */

/*
 * Create an SMMU in its reset state on @bus (copied). Starts the command
 * consumer thread. NULL on bad configuration or allocation failure.
 */
struct smmu *smmu_create(const struct smmu_config *cfg, const struct mem_bus *bus);
/* Stop every thread, release parked transactions, free. NULL is a no-op. */
void smmu_destroy(struct smmu *smmu);
/*
 * Reset: the SMMU as smmu_create() leaves it, as an implementation of @cfg
 * (NULL: the configuration it has), keeping only its host resources (the
 * consumer thread, the bus, interrupt lines, the trace hook). Every
 * register takes its reset value; TLB, configuration cache, stall slots,
 * counters and attached endpoints start afresh, so nothing done before the
 * reset can change what happens after it. The DVM listener is a new one:
 * take smmu_dvm_listener() again.
 *
 * The SMMU must be idle: CR0.CMDQEN 0 (a command in progress is waited
 * for, none starts), no transaction, page request or DVM message in
 * progress and nothing parked. 0; -EBUSY when it is seen not to be
 * (nothing changed); -EINVAL for a configuration smmu_config_check()
 * refuses; -ENOMEM (nothing changed). Call it with no SMMU callback
 * running on the calling thread.
 */
int smmu_reset(struct smmu *smmu, const struct smmu_config *cfg);
const struct smmu_config *smmu_get_config(const struct smmu *smmu);

/* ---- MMIO: page 0 at offset 0, page 1 at SMMU_PAGE_SIZE ---------------- */

/*
 * Register accesses at @offset from the SMMU base. Unaligned, out-of-range
 * or unimplemented offsets read as zero and ignore writes (never fail).
 * 64-bit accesses are valid on the 64-bit registers; a 32-bit access to
 * either half of one of them is valid too.
 */
uint32_t smmu_mmio_read32(struct smmu *smmu, uint64_t offset);
uint64_t smmu_mmio_read64(struct smmu *smmu, uint64_t offset);
void smmu_mmio_write32(struct smmu *smmu, uint64_t offset, uint32_t val);
void smmu_mmio_write64(struct smmu *smmu, uint64_t offset, uint64_t val);
/* The same register window as a struct mmio_region, for a driver (hw/bus.h). */
struct mmio_region smmu_mmio_region(struct smmu *smmu);

/* ---- Interrupt outputs ------------------------------------------------ */

enum smmu_irq {
	SMMU_IRQ_EVTQ,		/* event queue became non-empty */
	SMMU_IRQ_PRIQ,		/* PRI queue became non-empty */
	SMMU_IRQ_GERROR,	/* a global error became active */
	SMMU_IRQ_CMD_SYNC,	/* CMD_SYNC with CS == SIG_IRQ completed */
	SMMU_IRQ_SEV,		/* WFE wake-up event (CMD_SYNC CS == SIG_SEV) */
	SMMU_NR_IRQS,
};

/*
 * Connect an interrupt output. An MSI (SMMU_*_IRQ_CFG0.ADDR != 0 with
 * IDR0.MSI) is the 32-bit data write to memory followed by this callback,
 * so a receiver sees the write before its handler runs. Callbacks run on
 * the thread that caused the event (the SMMU's command thread, a device's
 * translating thread, or one whose CMDQ_PROD write performed a command)
 * with no SMMU lock held that a register access waits for: they may access
 * registers (commands they produce are then left to the SMMU's thread).
 */
void smmu_set_irq(struct smmu *smmu, enum smmu_irq irq, struct irq_line line);

/* ---- Trace hook (-v) --------------------------------------------------- */

enum smmu_trace_kind {
	SMMU_TRACE_CMD,		/* a command consumed: 2 dwords */
	SMMU_TRACE_EVT,		/* an event record written: 4 dwords */
	SMMU_TRACE_PRI,		/* a PRI queue entry written: 2 dwords */
	SMMU_TRACE_STE,		/* an STE fetched: 8 dwords (BACK) */
	SMMU_TRACE_CD,		/* a CD fetched: 8 dwords (BACK) */
};

/* What an STE or CD fetch was for (NULL for queue entries, which say it themselves). */
struct smmu_trace_info {
	uint32_t sid;
	bool ssv;			/* CD: the transaction had a SubstreamID */
	uint32_t ssid;			/* CD: its index in the CD table */
};

typedef void (*smmu_trace_fn)(void *ctx, enum smmu_trace_kind kind,
			      const struct smmu_trace_info *info,
			      const uint64_t *raw, unsigned int ndwords);
/* Set (or with NULL clear) the trace hook. Set it before traffic starts. */
void smmu_set_trace(struct smmu *smmu, smmu_trace_fn fn, void *ctx);

/* ---- Diagnostic messages ----------------------------------------------- */

/* The origin of the model's messages. */
#define SMMU_LOG_ORIGIN		"smmuv3"
/*
 * Set (or with NULL clear) the hook that receives the model's messages
 * (include/sva/log.h): a command error, with the command (warning); a
 * global error the SMMU raised (warning; Service Failure Mode: err).
 * Called on SMMU threads with no SMMU lock held. Set it before traffic
 * starts. Without a hook the model is silent.
 */
void smmu_set_log(struct smmu *smmu, sva_log_fn fn, void *ctx);

/* ---- PMCG: architected performance events (§10.4) ---------------------- */

enum smmu_pmcg_event {
	SMMU_PMCG_CYCLES,
	SMMU_PMCG_TRANSACTION,
	SMMU_PMCG_TLB_MISS,
	SMMU_PMCG_CFG_CACHE_MISS,
	SMMU_PMCG_TT_WALK_ACCESS,	/* trans_table_walk_access */
	SMMU_PMCG_CFG_STRUCT_ACCESS,	/* config_struct_access */
	SMMU_PMCG_ATS_TRANS_RQ,		/* pcie_ats_trans_rq */
	SMMU_PMCG_ATS_TRANS_PASSED,	/* pcie_ats_trans_passed */
	SMMU_PMCG_NR_EVENTS,
};

/* Current value of a counter (0 for an unknown event). */
uint64_t smmu_pmcg_read(const struct smmu *smmu, enum smmu_pmcg_event ev);
const char *smmu_pmcg_event_name(enum smmu_pmcg_event ev);
/* Commands consumed with opcode @op (CMD_OP_*), for statistics. */
uint64_t smmu_cmd_count(const struct smmu *smmu, unsigned int op);

/* ---- Transactions (implemented by BACK, translate.c) ------------------- */

enum smmu_txn_type {
	SMMU_TXN_UNTRANSLATED,	/* ordinary DMA, to be translated */
	SMMU_TXN_ATS_REQUEST,	/* PCIe ATS Translation Request */
	SMMU_TXN_TRANSLATED,	/* PCIe AT == Translated: addr is a PA */
};

struct smmu_txn {
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	uint64_t addr;
	unsigned int acc;		/* WALK_ACC_* */
	enum smmu_txn_type type;
	bool no_write;			/* ATS request NW: do not mark dirty */
};

enum smmu_txn_status {
	SMMU_TXN_OK,
	SMMU_TXN_ABORT,		/* terminated with an abort to the client */
	SMMU_TXN_RAZWI,		/* terminated: reads as zero, writes ignored */
	SMMU_TXN_ATS_UR,	/* ATS completion: Unsupported Request */
	SMMU_TXN_ATS_CA,	/* ATS completion: Completer Abort */
	SMMU_TXN_ATS_FAULT,	/* ATS completion: success with R = W = 0 */
};

struct smmu_txn_result {
	enum smmu_txn_status status;
	uint64_t pa;			/* output address of txn->addr */
	uint8_t size_shift;		/* log2 of the translation's size */
	uint8_t perm;			/* WALK_PERM_* granted (ATS completions) */
	bool priv;			/* ATS: entry applies to privileged mode */
	bool global;			/* ATS: always 0 (SMMUv3 §3.9.1) */
	bool untranslated_only;		/* ATS: U bit */
	uint64_t token;			/* grace-period read section (BACK) */
};

/*
 * Translate one transaction. Enters a read-side section that the caller
 * ends with smmu_txn_end() once it has moved the data; a stalled
 * transaction blocks in here until CMD_RESUME / CMD_STALL_TERM. Returns 0
 * (see res->status) or a negative errno for a misuse.
 */
int smmu_translate(struct smmu *smmu, const struct smmu_txn *txn,
		   struct smmu_txn_result *res);
void smmu_txn_end(struct smmu *smmu, struct smmu_txn_result *res);

/* ---- PCIe endpoints (implemented by BACK, ats.c / pri.c) --------------- */

struct smmu_atc_inv {
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	bool global;
	uint64_t addr;			/* aligned to the span */
	unsigned int size;		/* span = 4KB << size; CMD_ATC_SIZE_ALL: all */
};

/* PCIe PRG Response codes (PCIe r6 §10.4.2). */
enum smmu_prg_resp_code {
	SMMU_PRG_RESP_SUCCESS = 0x0,
	SMMU_PRG_RESP_INVALID = 0x1,
	SMMU_PRG_RESP_FAILURE = 0xf,
};

struct smmu_pri_resp {
	uint32_t sid;
	bool ssv;			/* PASID prefix on the response */
	uint32_t ssid;
	uint16_t grpid;			/* PRG index */
	enum smmu_prg_resp_code code;
};

struct smmu_ep_ops {
	/* Returns when the endpoint has invalidated (0) or a -errno timeout. */
	int (*atc_inv)(void *ctx, const struct smmu_atc_inv *inv);
	void (*pri_resp)(void *ctx, const struct smmu_pri_resp *resp);
	/*
	 * Optional, atc_inv() in two halves, so that the SMMU can move on to
	 * the next command and wait at CMD_SYNC, where the architecture puts
	 * the completion (§4.5.1): atc_inv_start() removes the entries (0, or
	 * a -errno timeout) and gives a token; atc_inv_done() says whether
	 * the accesses that may have used them have ended, waiting for them
	 * if @wait. A later token of an endpoint covers its earlier ones.
	 */
	int (*atc_inv_start)(void *ctx, const struct smmu_atc_inv *inv, uint64_t *token);
	bool (*atc_inv_done)(void *ctx, uint64_t token, bool wait);
};

int smmu_attach_endpoint(struct smmu *smmu, uint32_t sid,
			 const struct smmu_ep_ops *ops, void *ctx);

/* A PCIe Page Request message from the endpoint with StreamID sid. */
struct smmu_page_req {
	bool ssv;			/* PASID prefix present */
	uint32_t ssid;
	uint64_t addr;			/* page address */
	bool read, write, exec, priv;
	bool last;
	uint16_t grpid;			/* PRG index, 9 bits */
};

int smmu_page_request(struct smmu *smmu, uint32_t sid, const struct smmu_page_req *req);

/* ---- Broadcast TLB maintenance (BACK, btm.c) --------------------------- */

const struct dvm_listener *smmu_dvm_listener(struct smmu *smmu);

#endif /* HW_SMMU_SMMU_H */
