/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine the SMMU fuzz targets run on: a small physical memory cut
 * into regions, an SMMU, a minimal driver made of register and memory
 * accesses only, one device thread issuing transactions, and the check
 * that the model wrote nothing it was not pointed at.
 *
 * Memory is laid out page by page, every region preceded by a guard page,
 * every page of one kind:
 *
 *   FZ_GUARD     filled with FZ_GUARD_WORD; must stay intact
 *   FZ_STRICT    tables, the command queue, data: the SMMU only reads them
 *   FZ_PTABLE    page tables: only HTTU updates (AF set, AP[2] cleared on
 *                a DBM descriptor) when the SMMU implements HTTU; with
 *                httu_anywhere (fuzzed tables point walks anywhere), the
 *                FZ_STRICT pages may take HTTU updates too
 *   FZ_WRITABLE  event and PRI queues, the MSI area: the SMMU writes them
 *
 * Whatever the harness writes goes to memory and to a shadow copy; after
 * the SMMU is destroyed every byte must equal the shadow or be a change
 * its page kind allows. CMD_SYNC may write its MSI anywhere it is told, so
 * the 4 bytes at every MSI address the harness put into a command are
 * allowed too. The guard word is an invalid-for-HTTU block descriptor (AF
 * already set, DBM clear), so no correct walk ever changes it.
 *
 * Every wait is bounded (FZ_DEADLINE_MS): a hang is reported as a crash.
 *
 * Shared by the fuzz targets and by tests/unit/test_fuzz_regressions.c,
 * which replays inputs with gcc: everything here is static inline.
 */
#ifndef TESTS_FUZZ_FUZZ_MACHINE_H
#define TESTS_FUZZ_FUZZ_MACHINE_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/smmuv3.h"
#include "arch/vmsa.h"
#include "hw/mem.h"
#include "hw/smmu/event.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"
#include "hw/smmu/xlate.h"

#define FZ_MEM_BASE	0x40000000ULL
#define FZ_MEM_SIZE	(512ULL << 10)
#define FZ_PAGE		4096ULL
#define FZ_NR_PAGES	(FZ_MEM_SIZE / FZ_PAGE)
#define FZ_GUARD_WORD	0xa5a5a5a5a5a5a5a5ULL	/* one byte repeated (fz_fill) */
#define FZ_DEADLINE_MS	3000
#define FZ_MAX_MSI	512
/* An address no RAM answers: accesses there are external aborts. */
#define FZ_UNBACKED	0x1000ULL

enum fz_kind { FZ_GUARD, FZ_STRICT, FZ_PTABLE, FZ_WRITABLE };

/* Input bytes, consumed front to back; zeros once exhausted. */
struct fz_input {
	const uint8_t *data;
	size_t size;
};

static inline bool fz_more(const struct fz_input *in)
{
	return in->size > 0;
}

static inline uint8_t fz_u8(struct fz_input *in)
{
	uint8_t v;

	if (!in->size)
		return 0;
	v = in->data[0];
	in->data++;
	in->size--;
	return v;
}

/*
 * Little-endian; each byte read in its own statement, so that gcc and
 * clang consume an input identically (operands of | are unsequenced).
 */
static inline uint64_t fz_uint(struct fz_input *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

static inline uint16_t fz_u16(struct fz_input *in)
{
	return (uint16_t)fz_uint(in, 2);
}

static inline uint32_t fz_u32(struct fz_input *in)
{
	return (uint32_t)fz_uint(in, 4);
}

static inline uint64_t fz_u64(struct fz_input *in)
{
	return fz_uint(in, 8);
}

/*
 * libFuzzer's LLVMFuzzerInitialize() may rewrite argv before the flags are
 * parsed: put @flags right after the program name, so that flags given on
 * the command line (parsed later) still win. Used to lift the default
 * length control: programs of operations need more than a few bytes.
 */
static inline void fz_default_flags(int *argc, char ***argv, const char *const *flags,
				    int nflags)
{
	char **v = calloc((size_t)(*argc + nflags + 1), sizeof(*v));
	int i;

	if (!v || *argc < 1)
		return;
	v[0] = (*argv)[0];
	for (i = 0; i < nflags; i++)
		v[1 + i] = (char *)flags[i];
	for (i = 1; i < *argc; i++)
		v[nflags + i] = (*argv)[i];
	*argc += nflags;
	*argv = v;	/* kept for the life of the process */
}

/* ---- Failure reports ----------------------------------------------------- */

__attribute__((format(printf, 1, 2), noreturn))
static inline void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	abort();
}

static inline uint64_t fz_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void fz_pause(unsigned int *n)
{
	struct timespec ts = { 0, 50000 };

	if (++*n < 50)
		sched_yield();
	else
		nanosleep(&ts, NULL);
}

/* Poll @cond until true; past the deadline the model is hung: fail. */
#define FZ_WAIT(cond, what)							\
	do {									\
		uint64_t _end = fz_now_ms() + FZ_DEADLINE_MS;			\
		unsigned int _n = 0;						\
		while (!(cond)) {						\
			if (fz_now_ms() > _end)					\
				fz_fail("hang: %s", what);			\
			fz_pause(&_n);						\
		}								\
	} while (0)

/* ---- The machine ----------------------------------------------------------- */

#define FZ_NR_DEVS	2

struct fz_machine;

/* A device: a thread that issues the transactions posted to it. */
struct fz_dev {
	struct fz_machine *m;
	pthread_t thread;
	struct smmu_txn txn;
	bool pending;			/* posted, not yet finished */
	bool quit;
	bool started;
};

struct fz_machine {
	struct phys_mem mem;
	uint8_t *shadow;		/* what memory must hold, but for allowed writes */
	uint8_t kind[FZ_NR_PAGES];	/* enum fz_kind per page */
	uint64_t next;			/* page allocator */
	struct smmu_config cfg;
	struct smmu *smmu;

	/* Driver state. */
	uint64_t cmdq, evtq, priq, msi;
	unsigned int cmdq_log2, evtq_log2, priq_log2;	/* effective sizes */
	uint32_t cmdq_prod;
	unsigned int nr_msi;
	uint64_t msi_addr[FZ_MAX_MSI];	/* CMD_SYNC MSI targets handed out */
	uint32_t last_stall_sid;	/* the newest stall record seen */
	uint16_t last_stall_stag;
	bool have_stall;
	unsigned long events, pri_reqs, atc_invs, pri_resps;
	bool atc_fail;			/* endpoints fail ATC invalidations */
	bool httu_anywhere;		/* walks may reach FZ_STRICT memory too */
	unsigned int nr_tables;
	uint64_t table_desc[8];		/* table descriptors: HTTU never touches them */

	/* Device threads, one transaction at a time each; lock guards them all. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fz_dev dev[FZ_NR_DEVS];
};

static inline uint64_t fz_off(uint64_t pa)
{
	return pa - FZ_MEM_BASE;
}

static inline bool fz_in_ram(uint64_t pa, uint64_t len)
{
	return pa >= FZ_MEM_BASE && len <= FZ_MEM_SIZE && pa - FZ_MEM_BASE <= FZ_MEM_SIZE - len;
}

/* ---- What the SMMU may change -------------------------------------------- */

static inline bool fz_msi_covers(const struct fz_machine *m, uint64_t pa)
{
	unsigned int i;

	for (i = 0; i < m->nr_msi; i++)
		if (pa >= m->msi_addr[i] && pa < m->msi_addr[i] + 4)
			return true;
	return false;
}

/* Is old -> new an HTTU update of a descriptor (§3.13)? */
static inline bool fz_httu_change(const struct fz_machine *m, uint64_t old, uint64_t new)
{
	uint64_t diff = old ^ new;

	if (m->cfg.httu == SMMU_HTTU_NONE || !(old & VMSA_DESC_VALID))
		return false;
	if (diff & ~(VMSA_PTE_AF | VMSA_PTE_AP_RDONLY))
		return false;
	if ((diff & VMSA_PTE_AF) && !(new & VMSA_PTE_AF))
		return false;	/* AF is only ever set */
	if (diff & VMSA_PTE_AP_RDONLY) {
		/* Dirty: AP[2] cleared on a DBM descriptor, with HD only. */
		if (m->cfg.httu != SMMU_HTTU_HD || !(old & VMSA_PTE_DBM) ||
		    (new & VMSA_PTE_AP_RDONLY))
			return false;
	}
	return true;
}

static inline const char *fz_kind_name(enum fz_kind kind)
{
	return kind == FZ_GUARD ? "guard" : kind == FZ_PTABLE ? "page-table" : "read-only";
}

/* The word at @pa went from @old (what the harness wrote) to @new: allowed? */
static inline void fz_check_change(const struct fz_machine *m, uint64_t pa, uint64_t old,
				   uint64_t new)
{
	enum fz_kind kind = m->kind[fz_off(pa) / FZ_PAGE];
	unsigned int b;

	if (kind == FZ_WRITABLE || old == new)
		return;
	for (b = 0; b < m->nr_tables; b++)
		if (m->table_desc[b] == pa)
			fz_fail("SMMU changed the table descriptor at %#llx: %#018llx -> %#018llx",
				(unsigned long long)pa, (unsigned long long)old,
				(unsigned long long)new);
	if ((kind == FZ_PTABLE || (kind == FZ_STRICT && m->httu_anywhere)) &&
	    fz_httu_change(m, old, new))
		return;
	for (b = 0; b < 8; b++) {
		if (((old ^ new) >> (8 * b)) & 0xff && !fz_msi_covers(m, pa + b))
			fz_fail("SMMU wrote %s memory at %#llx: %#018llx -> %#018llx",
				fz_kind_name(kind), (unsigned long long)pa,
				(unsigned long long)old, (unsigned long long)new);
	}
}

/*
 * The harness's writes: memory and shadow alike. What the word held is
 * checked first, so that a stray write is not hidden by overwriting it.
 */
static inline void fz_w64(struct fz_machine *m, uint64_t pa, uint64_t v)
{
	uint64_t was, now = 0;

	if (!fz_in_ram(pa, 8))
		fz_fail("harness write outside RAM at %#llx", (unsigned long long)pa);
	memcpy(&was, m->shadow + fz_off(pa), 8);
	phys_mem_read64(&m->mem, pa, &now);
	fz_check_change(m, pa, was, now);
	phys_mem_write64(&m->mem, pa, v);
	memcpy(m->shadow + fz_off(pa), &v, 8);
}

static inline uint64_t fz_r64(struct fz_machine *m, uint64_t pa)
{
	uint64_t v = 0;

	phys_mem_read64(&m->mem, pa, &v);
	return v;
}

/* Fill [pa, pa + len) with @byte, memory and shadow (no SMMU use yet). */
static inline void fz_fill(struct fz_machine *m, uint64_t pa, uint8_t byte, uint64_t len)
{
	if (!fz_in_ram(pa, len))
		fz_fail("harness fill outside RAM at %#llx", (unsigned long long)pa);
	phys_mem_fill(&m->mem, pa, byte, len);
	memset(m->shadow + fz_off(pa), byte, len);
}

/*
 * @pages pages of @kind after a guard page, zeroed. Layout happens before
 * the SMMU is programmed, so nothing can have written the guard there yet.
 */
static inline uint64_t fz_alloc(struct fz_machine *m, unsigned int pages, enum fz_kind kind)
{
	uint64_t pa = m->next + FZ_PAGE, i;

	if (fz_off(pa) + pages * FZ_PAGE > FZ_MEM_SIZE)
		fz_fail("machine layout does not fit");
	m->next = pa + pages * FZ_PAGE;
	for (i = 0; i < pages; i++)
		m->kind[fz_off(pa) / FZ_PAGE + i] = kind;
	fz_fill(m, pa, 0, pages * FZ_PAGE);
	return pa;
}

/* The word at @pa is a table descriptor: HTTU updates leaves only (§3.13). */
static inline void fz_table_desc(struct fz_machine *m, uint64_t pa)
{
	if (m->nr_tables < sizeof(m->table_desc) / sizeof(m->table_desc[0]))
		m->table_desc[m->nr_tables++] = pa;
}

/* A CMD_SYNC may write its MSI at @addr. */
static inline void fz_allow_msi(struct fz_machine *m, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < m->nr_msi; i++)
		if (m->msi_addr[i] == addr)
			return;
	if (m->nr_msi == FZ_MAX_MSI)
		fz_fail("too many MSI addresses");
	m->msi_addr[m->nr_msi++] = addr;
}

/* ---- Endpoints ------------------------------------------------------------- */

static inline int fz_ep_atc_inv(void *ctx, const struct smmu_atc_inv *inv)
{
	struct fz_machine *m = ctx;

	__atomic_fetch_add(&m->atc_invs, 1, __ATOMIC_RELAXED);
	return m->atc_fail && (inv->sid & 1) ? -ETIMEDOUT : 0;
}

static inline void fz_ep_pri_resp(void *ctx, const struct smmu_pri_resp *resp)
{
	struct fz_machine *m = ctx;

	if (resp->code != SMMU_PRG_RESP_SUCCESS && resp->code != SMMU_PRG_RESP_INVALID &&
	    resp->code != SMMU_PRG_RESP_FAILURE)
		fz_fail("PRG response with code %u", (unsigned int)resp->code);
	if (resp->grpid > 0x1ff)
		fz_fail("PRG response with index %#x", resp->grpid);
	__atomic_fetch_add(&m->pri_resps, 1, __ATOMIC_RELAXED);
}

static const struct smmu_ep_ops fz_ep_ops = {
	.atc_inv = fz_ep_atc_inv,
	.pri_resp = fz_ep_pri_resp,
};

/* ---- Setup ------------------------------------------------------------------ */

/*
 * Memory, shadow and the SMMU (reset state, nothing programmed). The
 * caller lays out its regions with fz_alloc() afterwards. False (nothing
 * to free) for a configuration smmu_config_check() refuses: no SMMU
 * implements it, so there is nothing to fuzz.
 */
static inline bool fz_machine_init(struct fz_machine *m, const struct smmu_config *cfg)
{
	memset(m, 0, sizeof(*m));
	if (smmu_config_check(cfg))
		return false;
	if (phys_mem_init(&m->mem, FZ_MEM_BASE, FZ_MEM_SIZE))
		fz_fail("phys_mem_init");
	m->shadow = calloc(1, FZ_MEM_SIZE);	/* fresh RAM reads as zero too */
	if (!m->shadow)
		fz_fail("no memory for the shadow");
	m->next = FZ_MEM_BASE;	/* the first region starts after a guard page too */
	/* FZ_GUARD_WORD is one byte repeated. */
	fz_fill(m, FZ_MEM_BASE, FZ_GUARD_WORD & 0xff, FZ_MEM_SIZE);
	m->cfg = *cfg;
	m->smmu = smmu_create(cfg, &m->mem.bus);
	if (!m->smmu)
		fz_fail("smmu_create refused a configuration smmu_config_check accepted");
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	return true;
}

/*
 * Program queues (the regions must exist) and the MSI area, as a driver
 * would: bases with the chosen LOG2SIZE, IRQ configurations pointing into
 * the MSI area. @base_log2 are the values written in the BASE registers.
 */
static inline void fz_program_queues(struct fz_machine *m, unsigned int cmdq_base_log2,
				     unsigned int evtq_base_log2, unsigned int priq_base_log2)
{
	struct smmu *s = m->smmu;

	m->cmdq_log2 = cmdq_base_log2 < m->cfg.cmdq_log2 ? cmdq_base_log2 : m->cfg.cmdq_log2;
	m->evtq_log2 = evtq_base_log2 < m->cfg.evtq_log2 ? evtq_base_log2 : m->cfg.evtq_log2;
	m->priq_log2 = priq_base_log2 < m->cfg.priq_log2 ? priq_base_log2 : m->cfg.priq_log2;
	smmu_mmio_write64(s, SMMU_CMDQ_BASE, m->cmdq | SMMU_Q_BASE_RWA |
			  FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, cmdq_base_log2));
	smmu_mmio_write64(s, SMMU_EVENTQ_BASE, m->evtq | SMMU_Q_BASE_RWA |
			  FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, evtq_base_log2));
	smmu_mmio_write64(s, SMMU_PRIQ_BASE, m->priq |
			  FIELD_PREP(SMMU_Q_BASE_LOG2SIZE, priq_base_log2));
	smmu_mmio_write64(s, SMMU_GERROR_IRQ_CFG0, m->msi);
	smmu_mmio_write32(s, SMMU_GERROR_IRQ_CFG1, 0x6e6e);
	smmu_mmio_write64(s, SMMU_EVENTQ_IRQ_CFG0, m->msi + 0x10);
	smmu_mmio_write32(s, SMMU_EVENTQ_IRQ_CFG1, 0xe0e0);
	smmu_mmio_write64(s, SMMU_PRIQ_IRQ_CFG0, m->msi + 0x20);
	smmu_mmio_write32(s, SMMU_PRIQ_IRQ_CFG1, 0x9191);
}

/* Write CR0 and wait for CR0ACK to agree. */
static inline void fz_cr0(struct fz_machine *m, uint32_t cr0)
{
	uint32_t mask = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN |
			(m->cfg.pri ? SMMU_CR0_PRIQEN : 0) | (m->cfg.ats ? SMMU_CR0_ATSCHK : 0);

	cr0 &= mask;
	smmu_mmio_write32(m->smmu, SMMU_CR0, cr0);
	FZ_WAIT((smmu_mmio_read32(m->smmu, SMMU_CR0ACK) & mask) == cr0, "CR0ACK");
}

/* ---- Command queue ---------------------------------------------------------- */

static inline uint32_t fz_q_mask(unsigned int log2)
{
	return (uint32_t)((2ULL << log2) - 1);
}

static inline bool fz_cmdq_error(struct fz_machine *m)
{
	return (smmu_mmio_read32(m->smmu, SMMU_GERROR) ^ smmu_mmio_read32(m->smmu, SMMU_GERRORN)) &
	       SMMU_GERROR_CMDQ_ERR;
}

static inline bool fz_cmdq_enabled(struct fz_machine *m)
{
	return smmu_mmio_read32(m->smmu, SMMU_CR0ACK) & SMMU_CR0_CMDQEN;
}

/* Entries between CONS and our PROD (more than the size if PROD was bogus). */
static inline uint32_t fz_cmdq_used(struct fz_machine *m)
{
	uint32_t cons = smmu_mmio_read32(m->smmu, SMMU_CMDQ_CONS);

	return (m->cmdq_prod - cons) & fz_q_mask(m->cmdq_log2);
}

/* Is the consumer done with everything up to our PROD, or stopped? */
static inline bool fz_cmdq_settled(struct fz_machine *m)
{
	return !fz_cmdq_used(m) || fz_cmdq_error(m) || !fz_cmdq_enabled(m);
}

static inline uint64_t fz_cmdq_slot(struct fz_machine *m, uint32_t idx)
{
	return m->cmdq + ((uint64_t)(idx & ((1u << m->cmdq_log2) - 1)) << SMMU_CMDQ_ENT_SHIFT);
}

/*
 * Put a command at our PROD if there is room (false if not). CMD_SYNC MSI
 * addresses become allowed writes.
 */
static inline bool fz_cmdq_put(struct fz_machine *m, uint64_t dw0, uint64_t dw1)
{
	uint64_t slot;

	if (fz_cmdq_used(m) >= (1u << m->cmdq_log2))
		return false;
	slot = fz_cmdq_slot(m, m->cmdq_prod);
	if (FIELD_GET(CMD_0_OP, dw0) == CMD_OP_SYNC)
		fz_allow_msi(m, dw1 & CMD_1_SYNC_MSIADDR);
	fz_w64(m, slot, dw0);
	fz_w64(m, slot + 8, dw1);
	m->cmdq_prod = (m->cmdq_prod + 1) & fz_q_mask(m->cmdq_log2);
	return true;
}

/* Publish PROD and wait (bounded) until consumed or stopped. */
static inline void fz_cmdq_kick(struct fz_machine *m)
{
	smmu_mmio_write32(m->smmu, SMMU_CMDQ_PROD, m->cmdq_prod);
	FZ_WAIT(fz_cmdq_settled(m), "command queue never settles");
}

/* Acknowledge CMDQ_ERR; with @fix, first replace the bad command by a CMD_SYNC. */
static inline void fz_cmdq_ack(struct fz_machine *m, bool fix)
{
	uint32_t cons = smmu_mmio_read32(m->smmu, SMMU_CMDQ_CONS);
	uint64_t slot = fz_cmdq_slot(m, cons);

	if (!fz_cmdq_error(m))
		return;
	if (fix) {
		fz_w64(m, slot, FIELD_PREP(CMD_0_OP, CMD_OP_SYNC));
		fz_w64(m, slot + 8, 0);
	}
	smmu_mmio_write32(m->smmu, SMMU_GERRORN,
			  smmu_mmio_read32(m->smmu, SMMU_GERRORN) ^ SMMU_GERROR_CMDQ_ERR);
	FZ_WAIT(fz_cmdq_settled(m), "command queue after GERRORN");
}

/*
 * Bring the command queue back to a known good state whatever the input
 * did: disable it, acknowledge every error, restart from index 0.
 */
static inline void fz_cmdq_reset(struct fz_machine *m)
{
	uint32_t cr0 = smmu_mmio_read32(m->smmu, SMMU_CR0);

	fz_cr0(m, cr0 & ~SMMU_CR0_CMDQEN);
	smmu_mmio_write32(m->smmu, SMMU_GERRORN, smmu_mmio_read32(m->smmu, SMMU_GERROR));
	smmu_mmio_write32(m->smmu, SMMU_CMDQ_PROD, 0);
	smmu_mmio_write32(m->smmu, SMMU_CMDQ_CONS, 0);
	m->cmdq_prod = 0;
	fz_cr0(m, cr0 | SMMU_CR0_CMDQEN);
}

/* ---- Event and PRI queues ----------------------------------------------------- */

static inline bool fz_event_id_known(uint8_t id)
{
	switch (id) {
	case EVT_ID_F_UUT ... EVT_ID_F_WALK_EABT:
	case EVT_ID_F_TRANSLATION ... EVT_ID_F_PERMISSION:
	case EVT_ID_F_TLB_CONFLICT:
	case EVT_ID_F_CFG_CONFLICT:
	case EVT_ID_E_PAGE_REQUEST:
	case EVT_ID_F_VMS_FETCH:
		return true;
	}
	return false;
}

/* Architectural sanity of one event record. */
static inline void fz_check_event(struct fz_machine *m, const uint64_t rec[EVT_DWORDS])
{
	struct smmu_event ev;

	smmu_event_decode(rec, &ev);
	if (!fz_event_id_known(ev.id))
		fz_fail("event record with unknown id %#x", ev.id);
	if (ev.stall) {
		if (!m->cfg.stall_max || ev.stag >= m->cfg.stall_max)
			fz_fail("stall record with STAG %u >= STALL_MAX", ev.stag);
		if (m->cfg.stall_model == SMMU_STALL_MODEL_TERM)
			fz_fail("stall record without a stall model");
		m->last_stall_sid = ev.sid;
		m->last_stall_stag = ev.stag;
		m->have_stall = true;
	}
	if (ev.ssv && m->cfg.ssid_bits < 20 && ev.ssid >> 20)
		fz_fail("event SubstreamID beyond 20 bits");
	m->events++;
}

/* Consume every event record (and acknowledge overflow). */
static inline void fz_evtq_drain(struct fz_machine *m)
{
	unsigned int log2 = m->evtq_log2, n = 0;
	uint32_t mask = fz_q_mask(log2), prod, cons;
	uint64_t rec[EVT_DWORDS];

	for (;;) {
		prod = smmu_mmio_read32(m->smmu, SMMU_EVENTQ_PROD);
		cons = smmu_mmio_read32(m->smmu, SMMU_EVENTQ_CONS);
		if (((prod ^ cons) & mask) == 0 || ++n > (2u << log2))
			break;
		for (unsigned int i = 0; i < EVT_DWORDS; i++)
			rec[i] = fz_r64(m, m->evtq + ((uint64_t)(cons & ((1u << log2) - 1)) << 5) +
					8 * i);
		fz_check_event(m, rec);
		cons = (cons & ~mask) | ((cons + 1) & mask);
		smmu_mmio_write32(m->smmu, SMMU_EVENTQ_CONS, cons & (mask | SMMU_Q_CONS_OVACKFLG));
	}
	/* Acknowledge an overflow: OVACKFLG takes PROD.OVFLG. */
	smmu_mmio_write32(m->smmu, SMMU_EVENTQ_CONS,
			  (cons & mask) | (prod & SMMU_Q_PROD_OVFLG));
}

static inline void fz_priq_drain(struct fz_machine *m)
{
	unsigned int log2 = m->priq_log2, n = 0;
	uint32_t mask = fz_q_mask(log2), prod, cons;
	struct smmu_pri_req req;
	uint64_t rec[PRIQ_DWORDS], slot;

	if (!m->cfg.pri)
		return;
	for (;;) {
		prod = smmu_mmio_read32(m->smmu, SMMU_PRIQ_PROD);
		cons = smmu_mmio_read32(m->smmu, SMMU_PRIQ_CONS);
		if (((prod ^ cons) & mask) == 0 || ++n > (2u << log2))
			break;
		slot = m->priq + ((uint64_t)(cons & ((1u << log2) - 1)) << 4);
		rec[0] = fz_r64(m, slot);
		rec[1] = fz_r64(m, slot + 8);
		smmu_pri_decode(rec, &req);
		if (!req.ssv && (req.ssid || req.priv || req.exec))
			fz_fail("PRI entry with PASID fields but no PASID");
		m->pri_reqs++;
		cons = (cons & ~mask) | ((cons + 1) & mask);
		smmu_mmio_write32(m->smmu, SMMU_PRIQ_CONS, cons & (mask | SMMU_Q_CONS_OVACKFLG));
	}
	smmu_mmio_write32(m->smmu, SMMU_PRIQ_CONS, (cons & mask) | (prod & SMMU_Q_PROD_OVFLG));
}

/* ---- The device thread --------------------------------------------------------- */

/* Is the answer to @txn architectural? */
static inline void fz_check_result(const struct smmu_txn *txn, const struct smmu_txn_result *res)
{
	if ((unsigned int)res->status > SMMU_TXN_ATS_FAULT)
		fz_fail("transaction status %u", (unsigned int)res->status);
	if (txn->type != SMMU_TXN_ATS_REQUEST &&
	    (res->status == SMMU_TXN_ATS_UR || res->status == SMMU_TXN_ATS_CA ||
	     res->status == SMMU_TXN_ATS_FAULT))
		fz_fail("ATS completion %u for a non-ATS transaction", (unsigned int)res->status);
	if (txn->type == SMMU_TXN_ATS_REQUEST &&
	    (res->status == SMMU_TXN_RAZWI))
		fz_fail("RAZ/WI answer to an ATS request");
	if (res->status == SMMU_TXN_OK && res->size_shift > 64)
		fz_fail("translation size 2^%u", res->size_shift);
	if (res->perm & ~(WALK_PERM_R | WALK_PERM_W | WALK_PERM_X))
		fz_fail("permissions %#x", res->perm);
	/* A write that went through must have had write permission. */
	if (res->status == SMMU_TXN_OK && txn->type != SMMU_TXN_ATS_REQUEST &&
	    (txn->acc & WALK_ACC_WRITE) && !(res->perm & WALK_PERM_W))
		fz_fail("write to %#llx granted with permissions %#x",
			(unsigned long long)txn->addr, res->perm);
}

static inline void *fz_dev_thread(void *arg)
{
	struct fz_dev *d = arg;
	struct fz_machine *m = d->m;
	struct smmu_txn_result res;
	struct smmu_txn txn;
	int ret;

	pthread_mutex_lock(&m->lock);
	for (;;) {
		while (!d->pending && !d->quit)
			pthread_cond_wait(&m->cond, &m->lock);
		if (!d->pending)
			break;
		txn = d->txn;
		pthread_mutex_unlock(&m->lock);

		ret = smmu_translate(m->smmu, &txn, &res);
		if (ret)
			fz_fail("smmu_translate returned %d", ret);
		fz_check_result(&txn, &res);
		smmu_txn_end(m->smmu, &res);

		pthread_mutex_lock(&m->lock);
		d->pending = false;
		pthread_cond_broadcast(&m->cond);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static inline void fz_dev_start(struct fz_machine *m)
{
	unsigned int i;

	for (i = 0; i < FZ_NR_DEVS; i++) {
		m->dev[i].m = m;
		if (pthread_create(&m->dev[i].thread, NULL, fz_dev_thread, &m->dev[i]))
			fz_fail("pthread_create");
		m->dev[i].started = true;
	}
}

/* Is device @i (or, with i == FZ_NR_DEVS, any device) busy? */
static inline bool fz_dev_busy_nr(struct fz_machine *m, unsigned int i)
{
	bool busy = false;
	unsigned int n;

	pthread_mutex_lock(&m->lock);
	for (n = 0; n < FZ_NR_DEVS; n++)
		if (i == n || i == FZ_NR_DEVS)
			busy |= m->dev[n].pending;
	pthread_mutex_unlock(&m->lock);
	return busy;
}

static inline bool fz_dev_busy(struct fz_machine *m)
{
	return fz_dev_busy_nr(m, FZ_NR_DEVS);
}

/* Transactions parked on a stall (or told to retry and not yet awake). */
static inline unsigned int fz_stalled(struct fz_machine *m)
{
	return smmu_stall_waiting(&m->smmu->xlate->stall);
}

/*
 * Issue @txn on device @i; with @wait, until it has finished or one more
 * transaction is parked, else it runs concurrently with what the caller
 * does next (commands racing a translation). False if that device is
 * still busy with an earlier one.
 */
static inline bool fz_txn_post(struct fz_machine *m, unsigned int i,
			       const struct smmu_txn *txn, bool wait)
{
	unsigned int stalled = fz_stalled(m);

	if (fz_dev_busy_nr(m, i))
		return false;
	pthread_mutex_lock(&m->lock);
	m->dev[i].txn = *txn;
	m->dev[i].pending = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	if (wait)
		FZ_WAIT(!fz_dev_busy_nr(m, i) || fz_stalled(m) > stalled,
			"transaction neither completes nor stalls");
	return true;
}

/* A transaction on device 0, waited for. */
static inline bool fz_txn(struct fz_machine *m, const struct smmu_txn *txn)
{
	return fz_txn_post(m, 0, txn, true);
}

/* Wait up to @ms for every device to go idle. */
static inline bool fz_dev_idle_within(struct fz_machine *m, unsigned int ms)
{
	uint64_t end = fz_now_ms() + ms;
	unsigned int n = 0;

	while (fz_dev_busy(m)) {
		if (fz_now_ms() > end)
			return false;
		fz_evtq_drain(m);	/* a stall record may be waiting for room */
		fz_pause(&n);
	}
	return true;
}

/* CMD_STALL_TERM for the StreamID of every busy device, then CMD_SYNC. */
static inline void fz_stall_term_busy(struct fz_machine *m)
{
	unsigned int i;

	for (i = 0; i < FZ_NR_DEVS; i++)
		if (fz_dev_busy_nr(m, i))
			fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_STALL_TERM) |
				    FIELD_PREP(CMD_0_SID, m->dev[i].txn.sid), 0);
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_SYNC), 0);
	fz_cmdq_kick(m);
	if (fz_cmdq_error(m))
		fz_fail("CMD_STALL_TERM refused (CONS.ERR %u)",
			(unsigned int)FIELD_GET(SMMU_CMDQ_CONS_ERR,
						smmu_mmio_read32(m->smmu, SMMU_CMDQ_CONS)));
}

/*
 * Let the devices finish: a healthy command queue and event queue, then,
 * while transactions are parked, CMD_STALL_TERM for their StreamIDs,
 * repeated in case a transaction told to retry parks again behind our
 * back. A device that is merely still translating is waited for.
 */
static inline void fz_dev_unpark(struct fz_machine *m)
{
	uint64_t end = fz_now_ms() + FZ_DEADLINE_MS;

	if (fz_dev_idle_within(m, 0))
		return;
	fz_cr0(m, smmu_mmio_read32(m->smmu, SMMU_CR0) | SMMU_CR0_EVENTQEN);
	fz_cmdq_reset(m);
	while (!fz_dev_idle_within(m, 10)) {
		if (fz_now_ms() > end)
			fz_fail("hang: device transaction never ends");
		if (!fz_stalled(m))
			continue;
		if (m->cfg.stall_model == SMMU_STALL_MODEL_TERM)
			fz_fail("a transaction stalled without a stall model");
		fz_stall_term_busy(m);
	}
}

static inline void fz_dev_stop(struct fz_machine *m)
{
	struct timespec ts;
	unsigned int i;

	fz_dev_unpark(m);
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < FZ_NR_DEVS; i++)
		m->dev[i].quit = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += FZ_DEADLINE_MS / 1000;
	for (i = 0; i < FZ_NR_DEVS; i++) {
		if (!m->dev[i].started)
			continue;
		if (pthread_timedjoin_np(m->dev[i].thread, NULL, &ts))
			fz_fail("hang: device thread does not finish");
		m->dev[i].started = false;
	}
}

/* ---- The memory check ------------------------------------------------------------ */

/* Every page must match its shadow but for the writes its kind allows. */
static inline void fz_check_memory(const struct fz_machine *m)
{
	uint64_t page, off;

	for (page = 0; page < FZ_NR_PAGES; page++) {
		off = page * FZ_PAGE;
		if (m->kind[page] == FZ_WRITABLE ||
		    !memcmp(m->mem.host + off, m->shadow + off, FZ_PAGE))
			continue;
		for (; off < (page + 1) * FZ_PAGE; off += 8) {
			uint64_t old, new;

			memcpy(&old, m->shadow + off, 8);
			memcpy(&new, m->mem.host + off, 8);
			fz_check_change(m, FZ_MEM_BASE + off, old, new);
		}
	}
}

/* Stop the device, drain, destroy the SMMU, check memory, free. */
static inline void fz_machine_fini(struct fz_machine *m)
{
	fz_dev_stop(m);
	fz_evtq_drain(m);
	fz_priq_drain(m);
	smmu_destroy(m->smmu);
	m->smmu = NULL;
	fz_check_memory(m);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	phys_mem_fini(&m->mem);
	free(m->shadow);
}

#endif /* TESTS_FUZZ_FUZZ_MACHINE_H */
