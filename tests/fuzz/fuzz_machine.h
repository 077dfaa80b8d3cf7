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
 * One machine serves every input (a machine per input costs more than most
 * inputs do): memory, the SMMU and its consumer thread, and the device
 * threads live as long as the process. fz_machine_init() brings them to
 * one known state before each input: the SMMU reset (smmu_reset(), which
 * rebuilds everything it holds), memory and shadow back to the guard
 * pattern, and every field of the harness's own per-input state zeroed in
 * one memset; fz_machine_fini() leaves them idle and checks memory. No
 * state crosses from one input to the next, so a crash replays alone.
 *
 * Every wait is bounded by progress (fuzz_wait.h): a hang is reported as
 * a crash, a busy machine is not.
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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/smmuv3.h"
#include "arch/vmsa.h"
#include "hw/mem.h"
#include "hw/smmu/event.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"
#include "hw/smmu/xlate.h"
#include "tests/fuzz/fuzz_wait.h"

#define FZ_MEM_BASE	0x40000000ULL
#define FZ_MEM_SIZE	(512ULL << 10)
#define FZ_PAGE		4096ULL
#define FZ_NR_PAGES	(FZ_MEM_SIZE / FZ_PAGE)
#define FZ_GUARD_WORD	0xa5a5a5a5a5a5a5a5ULL	/* one byte repeated (fz_fill) */
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

struct fz_machine;
static inline void fz_report_machine(struct fz_machine *m);

/*
 * Report a hang (wait @w for @what): the machine's state, and each
 * thread's scheduler state (R: runnable, S: blocked), CPU time and run
 * delay, which tell a thread that never ran from one that is stuck.
 */
#define fz_hang(m, w, what)							\
	do {									\
		fprintf(stderr, "fuzz: hang: %s: %llu ms, %llu ms of them usable\n", what,	\
			(unsigned long long)(fz_now_ms() - (w)->start_ms),		\
			(unsigned long long)(w)->usable_ms);			\
		fz_report_machine(m);						\
		fz_report_threads();						\
		fz_fail("hang: %s", what);					\
	} while (0)

/* Poll @cond until true; a hang (fuzz_wait.h) fails. */
#define FZ_WAIT(m, cond, what)							\
	do {									\
		struct fz_wait _w;						\
		fz_wait_start(&_w);						\
		while (!(cond)) {						\
			if (!fz_wait_more(&_w) && !(cond))			\
				fz_hang(m, &_w, what);				\
		}								\
	} while (0)

/* ---- The machine ----------------------------------------------------------- */

#define FZ_NR_DEVS	2

struct fz_machine;

/* A device: a thread that issues the transactions posted to it. */
struct fz_dev {
	struct fz_machine *m;
	pthread_t thread;
	pthread_cond_t go;		/* signalled when pending or quit is set */
	struct smmu_txn txn;
	bool pending;			/* posted, not yet finished (atomic) */
	bool quit;			/* atomic, set under lock */
	bool sleeping;			/* waiting on go (under lock) */
	bool started;
};

struct fz_machine {
	/* Kept from one input to the next (created by the first fz_machine_init()). */
	struct phys_mem mem;
	uint8_t *shadow;		/* what memory must hold, but for allowed writes */
	struct smmu *smmu;
	uint64_t dirty_end;		/* memory from here on holds the guard pattern */
	/* Device threads, one transaction at a time each; lock guards their fields. */
	pthread_mutex_t lock;
	struct fz_dev dev[FZ_NR_DEVS];

	/*
	 * One input's state, from here to the end of the struct: zeroed in
	 * one memset by fz_machine_init() (FZ_INPUT_STATE), so that no field
	 * added here can carry anything from one input into the next.
	 */
	uint8_t kind[FZ_NR_PAGES];	/* enum fz_kind per page */
	uint64_t next;			/* page allocator */
	struct smmu_config cfg;

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
};

/* Where one input's state begins in struct fz_machine. */
#define FZ_INPUT_STATE	offsetof(struct fz_machine, kind)

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
 * The RAM word at @pa, accessed as the bus does (single-copy atomic): the
 * harness reaches memory directly, without the bus's checks per access.
 */
static inline uint64_t *fz_word(struct fz_machine *m, uint64_t pa)
{
	if (!fz_in_ram(pa, 8) || (pa & 7))
		fz_fail("harness access outside RAM or misaligned at %#llx",
			(unsigned long long)pa);
	return (uint64_t *)(m->mem.host + fz_off(pa));
}

/*
 * The harness's writes: memory and shadow alike. What the word held is
 * checked first, so that a stray write is not hidden by overwriting it.
 */
static inline void fz_w64(struct fz_machine *m, uint64_t pa, uint64_t v)
{
	uint64_t *word = fz_word(m, pa), was;

	memcpy(&was, m->shadow + fz_off(pa), 8);
	fz_check_change(m, pa, was, __atomic_load_n(word, __ATOMIC_SEQ_CST));
	__atomic_store_n(word, v, __ATOMIC_SEQ_CST);
	memcpy(m->shadow + fz_off(pa), &v, 8);
}

/* A word of RAM as the SMMU left it (0 outside RAM). */
static inline uint64_t fz_r64(struct fz_machine *m, uint64_t pa)
{
	if (!fz_in_ram(pa, 8))
		return 0;
	return __atomic_load_n(fz_word(m, pa), __ATOMIC_SEQ_CST);
}

/*
 * Fill [pa, pa + len) with @byte, memory and shadow. Plain stores: only
 * while the SMMU is idle (setup, between inputs).
 */
static inline void fz_fill(struct fz_machine *m, uint64_t pa, uint8_t byte, uint64_t len)
{
	if (!fz_in_ram(pa, len))
		fz_fail("harness fill outside RAM at %#llx", (unsigned long long)pa);
	memset(m->mem.host + fz_off(pa), byte, len);
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

static inline void fz_dev_start(struct fz_machine *m);

/* The machine's lasting part: memory, shadow, an SMMU, the device threads. */
static inline void fz_machine_create(struct fz_machine *m, const struct smmu_config *cfg)
{
	if (phys_mem_init(&m->mem, FZ_MEM_BASE, FZ_MEM_SIZE))
		fz_fail("phys_mem_init");
	m->shadow = malloc(FZ_MEM_SIZE);
	if (!m->shadow)
		fz_fail("no memory for the shadow");
	m->dirty_end = FZ_MEM_BASE + FZ_MEM_SIZE;	/* fresh RAM is not guard yet */
	m->smmu = smmu_create(cfg, &m->mem.bus);
	if (!m->smmu)
		fz_fail("smmu_create refused a configuration smmu_config_check accepted");
	pthread_mutex_init(&m->lock, NULL);
	fz_dev_start(m);
}

/*
 * Begin an input on @m (zeroed, or left by fz_machine_fini()): the SMMU in
 * its reset state as an implementation of @cfg, nothing programmed, the
 * devices idle, all memory the guard pattern, the per-input state zero.
 * The caller lays out its regions with fz_alloc() afterwards. False
 * (nothing changed) for a configuration smmu_config_check() refuses: no
 * SMMU implements it, so there is nothing to fuzz.
 */
static inline bool fz_machine_init(struct fz_machine *m, const struct smmu_config *cfg)
{
	unsigned int i;
	int ret;

	if (smmu_config_check(cfg))
		return false;
	if (!m->smmu) {
		fz_machine_create(m, cfg);
	} else if ((ret = smmu_reset(m->smmu, cfg))) {
		fz_fail("smmu_reset: %d (the last input left the SMMU busy)", ret);
	}
	/* Below dirty_end memory was used; above, fz_check_memory() found the guard. */
	fz_fill(m, FZ_MEM_BASE, FZ_GUARD_WORD & 0xff, m->dirty_end - FZ_MEM_BASE);
	m->dirty_end = FZ_MEM_BASE;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < FZ_NR_DEVS; i++) {
		if (__atomic_load_n(&m->dev[i].pending, __ATOMIC_ACQUIRE))
			fz_fail("device %u busy at the start of an input", i);
		memset(&m->dev[i].txn, 0, sizeof(m->dev[i].txn));
	}
	pthread_mutex_unlock(&m->lock);
	memset((uint8_t *)m + FZ_INPUT_STATE, 0, sizeof(*m) - FZ_INPUT_STATE);
	m->cfg = *cfg;
	m->next = FZ_MEM_BASE;	/* the first region starts after a guard page too */
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
	FZ_WAIT(m, (smmu_mmio_read32(m->smmu, SMMU_CR0ACK) & mask) == cr0, "CR0ACK");
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
	FZ_WAIT(m, fz_cmdq_settled(m), "command queue never settles");
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
	FZ_WAIT(m, fz_cmdq_settled(m), "command queue after GERRORN");
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

/*
 * How long a device thread looks for its next transaction before it
 * sleeps: on an idle machine the next one follows within microseconds,
 * and a wake-up costs more. It spins without yielding (a yield on a busy
 * machine hands the CPU to another job for its whole slice), and only
 * while spinning pays: each look that found work doubles the next one's
 * length (up to FZ_DEV_SPIN_NS), each that did not halves it, so that on
 * a busy machine, where the harness is often off the CPU, the thread
 * sleeps at once and is woken promptly.
 */
#define FZ_DEV_SPIN_NS	20000
#define FZ_DEV_SPIN_MIN	500

static inline bool fz_dev_has_work(const struct fz_dev *d)
{
	return __atomic_load_n(&d->pending, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&d->quit, __ATOMIC_ACQUIRE);
}

static inline void *fz_dev_thread(void *arg)
{
	struct fz_dev *d = arg;
	struct fz_machine *m = d->m;
	struct smmu_txn_result res;
	struct smmu_txn txn;
	uint64_t start = fz_now_ns(), spin_ns = FZ_DEV_SPIN_NS;
	unsigned int spins;
	int ret;

	for (;;) {
		for (spins = 0; !fz_dev_has_work(d); spins++)
			if (spins % 64 == 63 && fz_now_ns() - start > spin_ns)
				break;
		if (fz_dev_has_work(d))
			spin_ns = spin_ns * 2 > FZ_DEV_SPIN_NS ? FZ_DEV_SPIN_NS : spin_ns * 2;
		else
			spin_ns = spin_ns / 2 < FZ_DEV_SPIN_MIN ? FZ_DEV_SPIN_MIN : spin_ns / 2;
		pthread_mutex_lock(&m->lock);
		while (!fz_dev_has_work(d)) {
			d->sleeping = true;
			pthread_cond_wait(&d->go, &m->lock);
			d->sleeping = false;
		}
		if (!__atomic_load_n(&d->pending, __ATOMIC_ACQUIRE)) {
			pthread_mutex_unlock(&m->lock);
			break;
		}
		txn = d->txn;
		pthread_mutex_unlock(&m->lock);

		ret = smmu_translate(m->smmu, &txn, &res);
		if (ret)
			fz_fail("smmu_translate returned %d", ret);
		fz_check_result(&txn, &res);
		smmu_txn_end(m->smmu, &res);
		/* The harness polls for this (FZ_WAIT): no one to wake. */
		__atomic_store_n(&d->pending, false, __ATOMIC_RELEASE);
		start = fz_now_ns();
	}
	return NULL;
}

static inline void fz_dev_start(struct fz_machine *m)
{
	unsigned int i;

	for (i = 0; i < FZ_NR_DEVS; i++) {
		m->dev[i].m = m;
		pthread_cond_init(&m->dev[i].go, NULL);
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

	for (n = 0; n < FZ_NR_DEVS; n++)
		if (i == n || i == FZ_NR_DEVS)
			busy |= __atomic_load_n(&m->dev[n].pending, __ATOMIC_ACQUIRE);
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
 * Has device @i finished, or is its transaction parked? Every parked
 * transaction belongs to a busy device, and only the caller starts new
 * ones: so with B the other busy devices, read first, and S the parked
 * transactions, read next, S > |B| means one of them is device @i's. (A
 * count of parked transactions taken before @i's started would be fooled
 * by one of them leaving as @i's parks.)
 */
static inline bool fz_txn_settled(struct fz_machine *m, unsigned int i)
{
	unsigned int others = 0, n;

	if (!fz_dev_busy_nr(m, i))
		return true;
	for (n = 0; n < FZ_NR_DEVS; n++)
		others += n != i && fz_dev_busy_nr(m, n);
	return fz_stalled(m) > others;
}

/*
 * Issue @txn on device @i; with @wait, until it has finished or is parked,
 * else it runs concurrently with what the caller does next (commands
 * racing a translation). False if that device is still busy with an
 * earlier one.
 */
static inline bool fz_txn_post(struct fz_machine *m, unsigned int i,
			       const struct smmu_txn *txn, bool wait)
{
	if (fz_dev_busy_nr(m, i))
		return false;
	pthread_mutex_lock(&m->lock);
	m->dev[i].txn = *txn;
	__atomic_store_n(&m->dev[i].pending, true, __ATOMIC_RELEASE);
	if (m->dev[i].sleeping)
		pthread_cond_signal(&m->dev[i].go);
	pthread_mutex_unlock(&m->lock);
	if (wait)
		FZ_WAIT(m, fz_txn_settled(m, i), "transaction neither completes nor stalls");
	return true;
}

/* A transaction on device 0, waited for. */
static inline bool fz_txn(struct fz_machine *m, const struct smmu_txn *txn)
{
	return fz_txn_post(m, 0, txn, true);
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
 * repeated (every 10 ms at most) in case a transaction told to retry
 * parks again behind our back. A device that is merely still translating
 * is waited for; a stall record waiting for event queue room gets it.
 */
static inline void fz_dev_unpark(struct fz_machine *m)
{
	uint64_t last_term = 0;
	struct fz_wait w;

	if (!fz_dev_busy(m))
		return;
	fz_cr0(m, smmu_mmio_read32(m->smmu, SMMU_CR0) | SMMU_CR0_EVENTQEN);
	fz_cmdq_reset(m);
	fz_wait_start(&w);
	while (fz_dev_busy(m)) {
		fz_evtq_drain(m);
		if (fz_stalled(m) && fz_now_ms() >= last_term + 10) {
			if (m->cfg.stall_model == SMMU_STALL_MODEL_TERM)
				fz_fail("a transaction stalled without a stall model");
			fz_stall_term_busy(m);
			last_term = fz_now_ms();
		}
		if (!fz_wait_more(&w) && fz_dev_busy(m))
			fz_hang(m, &w, "device transaction never ends");
	}
}

/* End the device threads (they are idle: see fz_dev_unpark()). */
static inline void fz_dev_stop(struct fz_machine *m)
{
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < FZ_NR_DEVS; i++) {
		__atomic_store_n(&m->dev[i].quit, true, __ATOMIC_RELEASE);
		pthread_cond_signal(&m->dev[i].go);
	}
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < FZ_NR_DEVS; i++) {
		if (!m->dev[i].started)
			continue;
		pthread_join(m->dev[i].thread, NULL);
		pthread_cond_destroy(&m->dev[i].go);
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

/*
 * End an input: the devices idle, every queue and stage disabled (CR0ACK
 * shows the consumer between commands), the event and PRI queues drained
 * and checked, then memory checked: nothing can write it any more. The
 * machine stays, ready for the next fz_machine_init().
 */
static inline void fz_machine_fini(struct fz_machine *m)
{
	fz_dev_unpark(m);
	fz_cr0(m, 0);
	fz_evtq_drain(m);
	fz_priq_drain(m);
	fz_check_memory(m);
	m->dirty_end = m->next;
}

/* Free what the machine kept (after fz_machine_fini()); @m is zero again. */
static inline void fz_machine_release(struct fz_machine *m)
{
	if (!m->smmu)
		return;
	fz_dev_stop(m);
	smmu_destroy(m->smmu);
	pthread_mutex_destroy(&m->lock);
	phys_mem_fini(&m->mem);
	free(m->shadow);
	memset(m, 0, sizeof(*m));
}

/* The SMMU's side of a hang report. */
static inline void fz_report_machine(struct fz_machine *m)
{
	struct smmu *s = m->smmu;

	fprintf(stderr, "fuzz:   CR0 %#x CR0ACK %#x GERROR %#x GERRORN %#x\n",
		smmu_mmio_read32(s, SMMU_CR0), smmu_mmio_read32(s, SMMU_CR0ACK),
		smmu_mmio_read32(s, SMMU_GERROR), smmu_mmio_read32(s, SMMU_GERRORN));
	fprintf(stderr, "fuzz:   CMDQ PROD %#x CONS %#x (ours %#x), EVENTQ PROD %#x CONS %#x\n",
		smmu_mmio_read32(s, SMMU_CMDQ_PROD), smmu_mmio_read32(s, SMMU_CMDQ_CONS),
		m->cmdq_prod, smmu_mmio_read32(s, SMMU_EVENTQ_PROD),
		smmu_mmio_read32(s, SMMU_EVENTQ_CONS));
	fprintf(stderr, "fuzz:   %u stalled, translations in flight: %s, devices busy: %d %d\n",
		fz_stalled(m), grace_readers_active(&s->xlate->grace) ? "yes" : "no",
		fz_dev_busy_nr(m, 0), fz_dev_busy_nr(m, 1));
}

#endif /* TESTS_FUZZ_FUZZ_MACHINE_H */
