// SPDX-License-Identifier: GPL-2.0
/*
 * A whole machine (see sim/machine.h): hardware built from the scenario's
 * description, then the software boots on it the way a kernel does — the
 * frame allocator takes RAM, the CPUs get their ASIDs, the arm-smmu-v3
 * driver probes the SMMU through its registers, devices are found and their
 * PCIe capabilities enabled by the PCI core.
 *
 * The interpreter's thread plays every process's thread: before acting for
 * a process it binds itself to that process's CPU and switches to its mm,
 * so TLB maintenance comes from the right CPU, as in a kernel. The workload
 * gives each process a thread of its own instead; that is safe because a
 * process's CPU and DMA queues are touched only by whoever acts for it, and
 * everything shared below (mm, SMMU, driver, devices) has its own locking.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "hw/cpu.h"
#include "hw/mem.h"
#include "hw/dma/engine.h"
#include "hw/pcie/endpoint.h"
#include "hw/smmu/cmd.h"
#include "hw/smmu/event.h"
#include "hw/smmu/smmu.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "os/arm-smmu-v3/sva.h"
#include "os/iommu/iommu.h"
#include "os/mm/mm.h"
#include "os/pci/pci.h"
#include "sim/fault_latency.h"
#include "sim/irq_thread.h"
#include "sim/machine.h"

#define MACHINE_RAM_BASE	PHYS_MEM_DEFAULT_BASE
#define MACHINE_RAM_SIZE	PHYS_MEM_DEFAULT_SIZE
#define MACHINE_MAX_PROCS	64
#define MACHINE_MAX_DEVS	64
#define MACHINE_MAX_HANDLES	256
#define MACHINE_CPU_TLB		256
#define MACHINE_CPU_PA_BITS	48
#define MACHINE_STALL_MAX	64
#define MACHINE_DEV_QUEUES	72	/* DMA engines per device: 1 + 2 per workload process */

enum machine_irq { IRQ_EVTQ, IRQ_PRIQ, IRQ_GERROR, IRQ_CMD_SYNC, NR_MACHINE_IRQS };

/* Counters kept by the machine itself. */
struct machine_counts {
	uint64_t events[256];		/* event records by EVT_ID */
	uint64_t dvm_tlbi;		/* broadcast TLBIs the SMMU saw */
};

struct machine_proc {
	struct mm *mm;			/* NULL once exited */
	unsigned int cpu;
};

/*
 * A DMA engine of a device with its descriptor ring and completion record.
 * One submitter at a time per queue: the thread that owns it.
 */
struct machine_queue {
	struct dma_engine *dma;
	uint64_t ring_pa;		/* descriptor ring, mapped at IOVA == PA */
	unsigned int ring_order;
	uint32_t tail;
	uint64_t cr_pa;			/* completion record (no-PASID space) */
	bool busy;			/* a descriptor submitted, not completed */
};

struct machine_dev {
	char name[SCN_NAME_MAX];
	struct scn_device cfg;
	uint32_t sid;
	struct ep *ep;
	struct pci_dev pdev;
	struct arm_smmu_master *master;
	struct arm_smmu_domain *domain;	/* private DMA domain at SSID 0 */
	struct device dev;		/* the iommu core's view */
	bool dev_ready;
	/* Queue 0 serves machine_dma(); more come from machine_queue_add(). */
	struct machine_queue q[MACHINE_DEV_QUEUES];
	unsigned int nr_q;
};

struct machine_handle {
	bool live;
	int dev, proc;
	uint32_t pasid;
	struct iommu_sva *bond;
};

struct machine {
	struct scn_machine cfg;
	struct phys_mem mem;
	struct cpu_cluster *cpus;
	struct smmu *smmu;
	struct dvm_listener dvm;	/* counts, then forwards to the SMMU */
	const struct dvm_listener *smmu_dvm;
	struct irq_thread irq[NR_MACHINE_IRQS];

	struct frame_pool *frames;
	struct asid_allocator *asids;
	struct mm_system mm;
	bool mm_ready;
	struct iommu_core iommu;
	bool iommu_ready;
	struct arm_smmu_device *drv;
	bool sva_ready;

	struct machine_proc procs[MACHINE_MAX_PROCS];
	unsigned int nr_procs;
	struct machine_dev *devs[MACHINE_MAX_DEVS];
	unsigned int nr_devs;
	struct machine_handle handles[MACHINE_MAX_HANDLES];
	unsigned int nr_handles;

	struct machine_counts counts;	/* atomic */
	struct fault_latency flat;	/* I/O page-fault latency, fed by smmu_trace() */
	machine_log_fn log;
	void *log_ctx;
	/* Counter values at the last reset, by name (see machine_counter()). */
	unsigned int nr_base;
	struct {
		char name[40];
		uint64_t val;
	} base[512];
};

static void say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* ---- The hardware log (-v) and event counts: the SMMU's trace hook ------- */

static const char *const event_names[256] = {
	[EVT_ID_F_UUT] = "F_UUT",
	[EVT_ID_C_BAD_STREAMID] = "C_BAD_STREAMID",
	[EVT_ID_F_STE_FETCH] = "F_STE_FETCH",
	[EVT_ID_C_BAD_STE] = "C_BAD_STE",
	[EVT_ID_F_BAD_ATS_TREQ] = "F_BAD_ATS_TREQ",
	[EVT_ID_F_STREAM_DISABLED] = "F_STREAM_DISABLED",
	[EVT_ID_F_TRANSL_FORBIDDEN] = "F_TRANSL_FORBIDDEN",
	[EVT_ID_C_BAD_SUBSTREAMID] = "C_BAD_SUBSTREAMID",
	[EVT_ID_F_CD_FETCH] = "F_CD_FETCH",
	[EVT_ID_C_BAD_CD] = "C_BAD_CD",
	[EVT_ID_F_WALK_EABT] = "F_WALK_EABT",
	[EVT_ID_F_TRANSLATION] = "F_TRANSLATION",
	[EVT_ID_F_ADDR_SIZE] = "F_ADDR_SIZE",
	[EVT_ID_F_ACCESS] = "F_ACCESS",
	[EVT_ID_F_PERMISSION] = "F_PERMISSION",
	[EVT_ID_F_TLB_CONFLICT] = "F_TLB_CONFLICT",
	[EVT_ID_F_CFG_CONFLICT] = "F_CFG_CONFLICT",
	[EVT_ID_E_PAGE_REQUEST] = "E_PAGE_REQUEST",
	[EVT_ID_F_VMS_FETCH] = "F_VMS_FETCH",
};

static void trace_words(struct machine *m, const char *head, const uint64_t *raw, unsigned int n)
{
	char line[512];
	size_t off;
	unsigned int i;

	off = (size_t)snprintf(line, sizeof(line), "%s", head);
	for (i = 0; i < n && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, " 0x%016" PRIx64, raw[i]);
	m->log(m->log_ctx, line);
}

static void smmu_trace(void *ctx, enum smmu_trace_kind kind, const struct smmu_trace_info *info,
		       const uint64_t *raw, unsigned int n)
{
	struct machine *m = ctx;
	char head[64];
	const char *name;

	if (kind == SMMU_TRACE_EVT) {
		uint8_t id = (uint8_t)FIELD_GET(EVT_0_ID, raw[0]);

		__atomic_fetch_add(&m->counts.events[id], 1, __ATOMIC_RELAXED);
	}
	if (kind == SMMU_TRACE_CMD || kind == SMMU_TRACE_PRI || kind == SMMU_TRACE_EVT)
		fault_latency_feed(&m->flat, kind, raw);
	if (!m->log)
		return;
	switch (kind) {
	case SMMU_TRACE_CMD:
		name = smmu_cmd_name((unsigned int)FIELD_GET(CMD_0_OP, raw[0]));
		snprintf(head, sizeof(head), "cmd %s", name ? name : "CMD_RESERVED");
		break;
	case SMMU_TRACE_EVT:
		name = event_names[FIELD_GET(EVT_0_ID, raw[0])];
		snprintf(head, sizeof(head), "evt %s", name ? name : "EVT_IMPDEF");
		break;
	case SMMU_TRACE_PRI:
		snprintf(head, sizeof(head), "pri");
		break;
	case SMMU_TRACE_STE:
		snprintf(head, sizeof(head), "ste %u", info ? info->sid : 0);
		break;
	default:
		if (info && info->ssv)
			snprintf(head, sizeof(head), "cd %u %u", info->sid, info->ssid);
		else
			snprintf(head, sizeof(head), "cd %u -", info ? info->sid : 0);
		break;
	}
	trace_words(m, head, raw, n);
}

/* ---- Broadcast TLB maintenance: count what reaches the SMMU ------------- */

static void machine_dvm_tlbi(void *ctx, const struct dvm_tlbi *op)
{
	struct machine *m = ctx;

	__atomic_fetch_add(&m->counts.dvm_tlbi, 1, __ATOMIC_RELAXED);
	m->smmu_dvm->tlbi(m->smmu_dvm->ctx, op);
}

static void machine_dvm_sync(void *ctx)
{
	struct machine *m = ctx;

	m->smmu_dvm->sync(m->smmu_dvm->ctx);
}

/* ---- Building the hardware ---------------------------------------------- */

static unsigned int log2u(unsigned int v)
{
	unsigned int l = 0;

	while ((1u << (l + 1)) <= v)
		l++;
	return l;
}

static void smmu_config_from(const struct scn_machine *c, struct smmu_config *sc)
{
	smmu_config_default(sc);
	sc->sid_bits = c->sid_bits;
	sc->ssid_bits = c->ssid_bits;
	sc->asid16 = c->asid_bits == 16;
	sc->oas = c->oas;
	sc->btm = c->btm;
	sc->httu = c->httu == SCN_HTTU_HD ? SMMU_HTTU_HD :
		   c->httu == SCN_HTTU_HA ? SMMU_HTTU_HA : SMMU_HTTU_NONE;
	sc->ats = c->ats;
	sc->pri = c->pri;
	sc->stall_model = c->stall ? SMMU_STALL_MODEL_STALL : SMMU_STALL_MODEL_TERM;
	sc->stall_max = MACHINE_STALL_MAX;
	sc->ril = c->ril;
	sc->hyp = true;
	/* Large StreamID spaces need a 2-level stream table (IDR1.SIDSIZE >= 7). */
	sc->st_2lvl = c->sid_bits >= 7;
	sc->cd_2lvl = c->cd_table_2level;
	sc->cmdq_log2 = log2u(c->cmdq);
	sc->evtq_log2 = log2u(c->evtq);
	sc->priq_log2 = log2u(c->priq);
	sc->tlb_entries = c->tlb;
}

static int build_hardware(struct machine *m, char *why, size_t whylen)
{
	struct cpu_cluster_cfg ccfg = {
		.nr_cpus = m->cfg.cpus, .tlb_entries = MACHINE_CPU_TLB, .asid_bits = 16,
		.pa_bits = MACHINE_CPU_PA_BITS, .hafdbs = true,
	};
	struct smmu_config sc;
	int ret;

	ret = phys_mem_init(&m->mem, MACHINE_RAM_BASE, MACHINE_RAM_SIZE);
	if (ret) {
		say(why, whylen, "cannot reserve %llu MiB of RAM",
		    (unsigned long long)(MACHINE_RAM_SIZE >> 20));
		return ret;
	}
	m->cpus = cpu_cluster_create(&ccfg, &m->mem.bus);
	if (!m->cpus) {
		say(why, whylen, "cannot create %u CPUs", m->cfg.cpus);
		return -ENOMEM;
	}
	smmu_config_from(&m->cfg, &sc);
	if (smmu_config_check(&sc)) {
		say(why, whylen, "the smmu settings describe no legal SMMUv3");
		return -EINVAL;
	}
	m->smmu = smmu_create(&sc, &m->mem.bus);
	if (!m->smmu) {
		say(why, whylen, "cannot create the SMMU");
		return -ENOMEM;
	}
	smmu_set_trace(m->smmu, smmu_trace, m);
	/* Only an SMMU with BTM takes part in the CPUs' DVM broadcasts. */
	if (!sc.btm)
		return 0;
	m->smmu_dvm = smmu_dvm_listener(m->smmu);
	m->dvm = (struct dvm_listener){
		.tlbi = machine_dvm_tlbi, .sync = machine_dvm_sync, .ctx = m,
	};
	ret = cpu_cluster_add_dvm_listener(m->cpus, &m->dvm);
	if (ret)
		say(why, whylen, "cannot connect the SMMU to the DVM network");
	return ret;
}

/* ---- Booting the software ------------------------------------------------ */

static uint32_t drv_read32(void *ctx, uint64_t off)
{
	return smmu_mmio_read32(ctx, off);
}

static void drv_write32(void *ctx, uint64_t off, uint32_t val)
{
	smmu_mmio_write32(ctx, off, val);
}

static uint64_t drv_read64(void *ctx, uint64_t off)
{
	return smmu_mmio_read64(ctx, off);
}

static void drv_write64(void *ctx, uint64_t off, uint64_t val)
{
	smmu_mmio_write64(ctx, off, val);
}

static const struct mmio_ops smmu_mmio_ops = {
	.read32 = drv_read32, .write32 = drv_write32,
	.read64 = drv_read64, .write64 = drv_write64,
};

static void machine_pasid_drop(void *ctx, struct mm *mm)
{
	iommu_sva_mm_free(ctx, mm);
}

static int boot_software(struct machine *m, char *why, size_t whylen)
{
	struct mm_system_cfg mcfg = { 0 };
	struct arm_smmu_probe_opts popts = { .vhe = m->cfg.e2h };
	struct mmio_region mmio = { .ops = &smmu_mmio_ops, .ctx = m->smmu };
	void (*const handlers[NR_MACHINE_IRQS])(void *) = {
		arm_smmu_evtq_irq, arm_smmu_priq_irq, arm_smmu_gerror_irq, arm_smmu_cmd_sync_irq,
	};
	static const enum smmu_irq lines[NR_MACHINE_IRQS] = {
		SMMU_IRQ_EVTQ, SMMU_IRQ_PRIQ, SMMU_IRQ_GERROR, SMMU_IRQ_CMD_SYNC,
	};
	struct arm_smmu_sva_cfg sva_cfg;
	unsigned int i;
	int ret, err = 0;

	m->frames = frame_pool_create(&m->mem, m->mem.base, m->mem.size, m->cfg.page_shift);
	if (!m->frames) {
		say(why, whylen, "cannot set up the frame allocator");
		return -ENOMEM;
	}
	m->asids = asid_allocator_create(16, m->cpus);
	if (!m->asids) {
		say(why, whylen, "cannot set up the ASID allocator");
		return -ENOMEM;
	}
	mcfg.mem = &m->mem;
	mcfg.frames = m->frames;
	mcfg.cpus = m->cpus;
	mcfg.asids = m->asids;
	mcfg.pa_bits = MACHINE_CPU_PA_BITS;
	mcfg.hw_af_dirty = true;
	ret = mm_system_init(&m->mm, &mcfg);
	if (ret) {
		say(why, whylen, "cannot start the memory manager: %s", strerror(-ret));
		return ret;
	}
	m->mm_ready = true;
	mm_install_fault_handler(&m->mm);
	ret = iommu_core_init(&m->iommu, IOMMU_PASID_BITS, m->cfg.iopf_workers);
	if (ret) {
		say(why, whylen, "cannot start the IOMMU core");
		return ret;
	}
	m->iommu_ready = true;

	/* Interrupt handler threads exist before the driver enables interrupts. */
	for (i = 0; i < NR_MACHINE_IRQS; i++) {
		ret = irq_thread_start(&m->irq[i], handlers[i], NULL);
		if (ret) {
			say(why, whylen, "cannot start interrupt threads");
			return ret;
		}
	}
	m->drv = arm_smmu_device_probe(&mmio, m->frames, &popts, &err);
	if (!m->drv) {
		say(why, whylen, "arm-smmu-v3: probe failed: %s", strerror(-err));
		return err ? err : -ENODEV;
	}
	for (i = 0; i < NR_MACHINE_IRQS; i++) {
		m->irq[i].ctx = m->drv;
		smmu_set_irq(m->smmu, lines[i], irq_thread_line(&m->irq[i]));
	}
	sva_cfg.asid_mode = m->cfg.sva_asid_private ? ARM_SMMU_SVA_ASID_PRIVATE
						    : ARM_SMMU_SVA_ASID_SHARED;
	sva_cfg.cpu = &m->mm;
	ret = arm_smmu_sva_init(m->drv, &sva_cfg);
	if (ret) {
		say(why, whylen, "arm-smmu-v3: SVA init failed: %s", strerror(-ret));
		return ret;
	}
	m->sva_ready = true;
	/* An mm's PASID goes back to the allocator with the mm (mm_pasid_drop). */
	mm_system_set_pasid_drop(&m->mm, machine_pasid_drop, &m->iommu);
	return 0;
}

struct machine *machine_create(const struct scn_machine *cfg, char *why, size_t whylen)
{
	struct machine *m = calloc(1, sizeof(*m));

	if (!m) {
		say(why, whylen, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	fault_latency_init(&m->flat);
	if (build_hardware(m, why, whylen) || boot_software(m, why, whylen)) {
		machine_destroy(m);
		return NULL;
	}
	return m;
}

void machine_set_log(struct machine *m, machine_log_fn fn, void *ctx)
{
	m->log = fn;
	m->log_ctx = ctx;
}

static void device_remove(struct machine *m, struct machine_dev *d);

void machine_destroy(struct machine *m)
{
	unsigned int i;

	if (!m)
		return;
	for (i = 0; i < m->nr_handles; i++)
		if (m->handles[i].live)
			machine_unbind(m, (int)i, NULL, 0);
	for (i = 0; i < m->nr_procs; i++)
		if (m->procs[i].mm)
			machine_exit(m, (int)i, NULL, 0);
	for (i = 0; i < m->nr_devs; i++)
		device_remove(m, m->devs[i]);
	/* No handler may run while the driver goes away (free_irq first). */
	for (i = 0; i < NR_MACHINE_IRQS; i++)
		irq_thread_stop(&m->irq[i]);
	if (m->sva_ready)
		arm_smmu_sva_fini(m->drv);
	if (m->drv)
		arm_smmu_device_remove(m->drv);
	if (m->iommu_ready)
		iommu_core_fini(&m->iommu);
	if (m->mm_ready) {
		for (i = 0; i < m->cfg.cpus; i++)
			mm_switch(&m->mm, NULL, i);
		mm_system_fini(&m->mm);
	}
	if (m->cpus && m->smmu_dvm)
		cpu_cluster_del_dvm_listener(m->cpus, &m->dvm);
	smmu_destroy(m->smmu);
	for (i = 0; i < NR_MACHINE_IRQS; i++)
		irq_thread_fini(&m->irq[i]);
	asid_allocator_destroy(m->asids);
	frame_pool_destroy(m->frames);
	cpu_cluster_destroy(m->cpus);
	phys_mem_fini(&m->mem);
	fault_latency_fini(&m->flat);
	free(m);
}

/* ---- Processes ------------------------------------------------------------- */

static struct machine_proc *proc_get(struct machine *m, int p, char *why, size_t whylen)
{
	if (p < 0 || (unsigned int)p >= m->nr_procs) {
		say(why, whylen, "no such process");
		return NULL;
	}
	if (!m->procs[p].mm) {
		say(why, whylen, "the process has exited");
		return NULL;
	}
	return &m->procs[p];
}

/* Act as the process's thread: on its CPU, with its address space. */
static void proc_enter(struct machine *m, struct machine_proc *p)
{
	mm_bind_cpu(p->cpu);
	if (mm_on_cpu(&m->mm, p->cpu) != p->mm)
		mm_switch(&m->mm, p->mm, p->cpu);
}

int machine_process_create(struct machine *m, char *why, size_t whylen)
{
	struct machine_proc *p;

	if (m->nr_procs == MACHINE_MAX_PROCS) {
		say(why, whylen, "too many processes (at most %d)", MACHINE_MAX_PROCS);
		return -ENOSPC;
	}
	p = &m->procs[m->nr_procs];
	p->mm = mm_create(&m->mm);
	if (!p->mm) {
		say(why, whylen, "out of memory for a new address space");
		return -ENOMEM;
	}
	p->cpu = m->nr_procs % m->cfg.cpus;
	proc_enter(m, p);
	return (int)m->nr_procs++;
}

static unsigned int mm_prot(unsigned int scn_prot)
{
	return (scn_prot & SCN_PROT_R ? MM_PROT_READ : 0) |
	       (scn_prot & SCN_PROT_W ? MM_PROT_WRITE : 0) |
	       (scn_prot & SCN_PROT_X ? MM_PROT_EXEC : 0);
}

int machine_mmap(struct machine *m, int proc, uint64_t addr, uint64_t size, unsigned int prot,
		 bool populate, char *why, size_t whylen)
{
	struct machine_proc *p = proc_get(m, proc, why, whylen);
	int64_t ret;

	if (!p)
		return -ESRCH;
	proc_enter(m, p);
	ret = mm_mmap(p->mm, addr, size, mm_prot(prot),
		      MM_MAP_FIXED | (populate ? MM_MAP_POPULATE : 0));
	if (ret < 0) {
		say(why, whylen, "mmap 0x%" PRIx64 " +0x%" PRIx64 ": %s", addr, size,
		    strerror((int)-ret));
		return (int)ret;
	}
	return 0;
}

int machine_munmap(struct machine *m, int proc, uint64_t addr, uint64_t size,
		   char *why, size_t whylen)
{
	struct machine_proc *p = proc_get(m, proc, why, whylen);
	int ret;

	if (!p)
		return -ESRCH;
	proc_enter(m, p);
	ret = mm_munmap(p->mm, addr, size);
	if (ret)
		say(why, whylen, "munmap 0x%" PRIx64 " +0x%" PRIx64 ": %s", addr, size,
		    strerror(-ret));
	return ret;
}

int machine_mprotect(struct machine *m, int proc, uint64_t addr, uint64_t size,
		     unsigned int prot, char *why, size_t whylen)
{
	struct machine_proc *p = proc_get(m, proc, why, whylen);
	int ret;

	if (!p)
		return -ESRCH;
	proc_enter(m, p);
	ret = mm_mprotect(p->mm, addr, size, mm_prot(prot));
	if (ret)
		say(why, whylen, "mprotect 0x%" PRIx64 " +0x%" PRIx64 ": %s", addr, size,
		    strerror(-ret));
	return ret;
}

int machine_clear_refs(struct machine *m, int proc, uint64_t addr, uint64_t size,
		       char *why, size_t whylen)
{
	struct machine_proc *p = proc_get(m, proc, why, whylen);
	int ret;

	if (!p)
		return -ESRCH;
	proc_enter(m, p);
	ret = mm_clear_refs(p->mm, addr, size);
	if (ret)
		say(why, whylen, "clear-refs: %s", strerror(-ret));
	return ret;
}

/*
 * The CPU accesses page by page so that a fault reports the page it stopped
 * at (cpu_fill/cpu_read report only an error).
 */
int machine_cpu_fill(struct machine *m, int proc, uint64_t addr, uint64_t len, uint8_t byte,
		     uint64_t *fault_addr)
{
	struct machine_proc *p = proc_get(m, proc, NULL, 0);
	uint64_t page = mm_page_size(&m->mm), done = 0;

	if (!p)
		return -ESRCH;
	proc_enter(m, p);
	while (done < len) {
		uint64_t va = addr + done;
		uint64_t n = page - (va & (page - 1));

		if (n > len - done)
			n = len - done;
		if (cpu_fill(cpu_get(m->cpus, p->cpu), va, byte, n, WALK_ACC_READ)) {
			*fault_addr = va;
			return -EFAULT;
		}
		done += n;
	}
	return 0;
}

int machine_cpu_check(struct machine *m, int proc, uint64_t addr, uint64_t len, uint8_t byte,
		      uint64_t *where)
{
	struct machine_proc *p = proc_get(m, proc, NULL, 0);
	uint64_t page = mm_page_size(&m->mm), done = 0, i;
	uint8_t buf[4096];

	if (!p)
		return -ESRCH;
	proc_enter(m, p);
	while (done < len) {
		uint64_t va = addr + done;
		uint64_t n = sizeof(buf) - (va & (sizeof(buf) - 1));

		if (n > len - done)
			n = len - done;
		if (n > page - (va & (page - 1)))
			n = page - (va & (page - 1));
		if (cpu_read(cpu_get(m->cpus, p->cpu), va, buf, n, WALK_ACC_READ)) {
			*where = va;
			return -EFAULT;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != byte) {
				*where = va + i;
				return 1;
			}
		}
		done += n;
	}
	return 0;
}

int machine_exit(struct machine *m, int proc, char *why, size_t whylen)
{
	struct machine_proc *p = proc_get(m, proc, why, whylen);
	struct mm *mm;
	unsigned int c;

	if (!p)
		return -ESRCH;
	mm = p->mm;
	p->mm = NULL;
	/* Its thread leaves every CPU; the last user reference tears it down. */
	for (c = 0; c < m->cfg.cpus; c++)
		if (mm_on_cpu(&m->mm, c) == mm)
			mm_switch(&m->mm, NULL, c);
	mmput(mm);
	return 0;
}

int machine_pte_field(struct machine *m, int proc, uint64_t addr, const char *field,
		      uint64_t *val, char *why, size_t whylen)
{
	struct machine_proc *p = proc_get(m, proc, why, whylen);
	uint64_t pte;

	if (!p)
		return -ESRCH;
	pte = pgtable_read_pte(&p->mm->pgt, addr);
	if (!strcmp(field, "valid"))
		*val = pte_valid(pte);
	else if (!strcmp(field, "af"))
		*val = pte_valid(pte) && pte_young(pte);
	else if (!strcmp(field, "dirty"))
		*val = pte_present(pte) && pte_dirty(pte);
	else if (!strcmp(field, "write"))
		*val = pte_present(pte) && pte_write(pte);
	else {
		say(why, whylen, "unknown PTE field '%s'", field);
		return -EINVAL;
	}
	return 0;
}

int machine_process_asid(struct machine *m, int proc, uint64_t *asid)
{
	struct machine_proc *p = proc_get(m, proc, NULL, 0);

	if (!p)
		return -ESRCH;
	*asid = asid_of(m->asids, &p->mm->context);
	return 0;
}

/* ---- Counters ---------------------------------------------------------------- */

/* Device translations and ATC hits, summed over every endpoint. */
static int endpoint_counter(struct machine *m, const char *name, uint64_t *val)
{
	struct ep_stats st;
	unsigned int i;

	*val = 0;
	for (i = 0; i < m->nr_devs; i++) {
		ep_get_stats(m->devs[i]->ep, &st);
		*val += strcmp(name, "atc_hits") ? st.translations : st.atc_hits;
	}
	return 0;
}

/* The current raw value of counter @name; -ENOENT if there is none. */
static int raw_counter(struct machine *m, const char *name, uint64_t *val)
{
	struct iopf_stats st;
	unsigned int i;

	if (!strncmp(name, "CMD_", 4)) {
		for (i = 0; i < CMD_OP_NR; i++) {
			const char *n = smmu_cmd_name(i);

			if (n && !strcmp(n, name)) {
				*val = smmu_cmd_count(m->smmu, i);
				return 0;
			}
		}
		return -ENOENT;
	}
	for (i = 0; i < 256; i++) {
		if (event_names[i] && !strcmp(event_names[i], name)) {
			*val = __atomic_load_n(&m->counts.events[i], __ATOMIC_RELAXED);
			return 0;
		}
	}
	for (i = 0; i < SMMU_PMCG_NR_EVENTS; i++) {
		if (!strcmp(smmu_pmcg_event_name(i), name)) {
			*val = smmu_pmcg_read(m->smmu, i);
			return 0;
		}
	}
	if (!strcmp(name, "dvm_tlbi")) {
		*val = __atomic_load_n(&m->counts.dvm_tlbi, __ATOMIC_RELAXED);
		return 0;
	}
	if (!strcmp(name, "translations") || !strcmp(name, "atc_hits"))
		return endpoint_counter(m, name, val);
	iopf_queue_get_stats(m->iommu.iopf_queue, &st);
	if (!strcmp(name, "page_requests"))
		*val = st.page_requests;
	else if (!strcmp(name, "stalls"))
		*val = st.stalls;
	else if (!strcmp(name, "iopf_success"))
		*val = st.success;
	else if (!strcmp(name, "iopf_invalid"))
		*val = st.invalid;
	else if (!strcmp(name, "iopf_failure"))
		*val = st.failure;
	else
		return -ENOENT;
	return 0;
}

/* Quiesce what is in flight so that counts are deterministic. */
static void machine_settle(struct machine *m)
{
	unsigned int i;

	for (i = 0; i < NR_MACHINE_IRQS; i++)
		irq_thread_quiesce(&m->irq[i], 1000);
	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i]->dev.iopf)
			iopf_queue_flush_dev(m->devs[i]->dev.iopf, false, 0);
}

int machine_counter(struct machine *m, const char *name, uint64_t *val)
{
	unsigned int i;
	int ret;

	machine_settle(m);
	ret = raw_counter(m, name, val);
	if (ret)
		return ret;
	for (i = 0; i < m->nr_base; i++) {
		if (!strcmp(m->base[i].name, name)) {
			*val -= m->base[i].val;
			break;
		}
	}
	return 0;
}

static void base_record(struct machine *m, const char *name)
{
	uint64_t v;

	if (m->nr_base == sizeof(m->base) / sizeof(m->base[0]) || raw_counter(m, name, &v))
		return;
	snprintf(m->base[m->nr_base].name, sizeof(m->base[0].name), "%s", name);
	m->base[m->nr_base++].val = v;
}

void machine_reset_counters(struct machine *m)
{
	static const char *const others[] = {
		"dvm_tlbi", "page_requests", "stalls", "iopf_success", "iopf_invalid",
		"iopf_failure", "translations", "atc_hits",
	};
	unsigned int i;

	machine_settle(m);
	fault_latency_reset(&m->flat);
	m->nr_base = 0;
	for (i = 0; i < CMD_OP_NR; i++)
		if (smmu_cmd_name(i))
			base_record(m, smmu_cmd_name(i));
	for (i = 0; i < 256; i++)
		if (event_names[i])
			base_record(m, event_names[i]);
	for (i = 0; i < SMMU_PMCG_NR_EVENTS; i++)
		base_record(m, smmu_pmcg_event_name(i));
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		base_record(m, others[i]);
}

const char *machine_event_name(unsigned int id)
{
	return id < 256 ? event_names[id] : NULL;
}

void machine_fault_latency(struct machine *m, struct fault_latency_summary *s)
{
	machine_settle(m);
	fault_latency_get(&m->flat, s);
}

/* ---- The CD the SMMU holds for a handle ------------------------------------ */

int machine_cd_field(struct machine *m, int handle, const char *field, uint64_t *val,
		     char *why, size_t whylen)
{
	static const struct {
		const char *name;
		int dw;
		uint64_t mask;
	} fields[] = {
		{ "v", 0, CD_0_V }, { "t0sz", 0, CD_0_T0SZ }, { "tg0", 0, CD_0_TG0 },
		{ "irgn0", 0, CD_0_IR0 }, { "orgn0", 0, CD_0_OR0 }, { "sh0", 0, CD_0_SH0 },
		{ "epd0", 0, CD_0_EPD0 }, { "epd1", 0, CD_0_EPD1 }, { "ips", 0, CD_0_IPS },
		{ "affd", 0, CD_0_AFFD }, { "ha", 0, CD_0_HA }, { "hd", 0, CD_0_HD },
		{ "s", 0, CD_0_S }, { "r", 0, CD_0_R }, { "a", 0, CD_0_A },
		{ "aset", 0, CD_0_ASET }, { "asid", 0, CD_0_ASID }, { "aa64", 0, CD_0_AA64 },
	};
	struct machine_handle *h;
	struct machine_dev *d;
	const uint64_t *cd;
	unsigned int i;

	if (handle < 0 || (unsigned int)handle >= m->nr_handles || !m->handles[handle].live) {
		say(why, whylen, "the handle is not bound");
		return -EINVAL;
	}
	h = &m->handles[handle];
	d = m->devs[h->dev];
	cd = arm_smmu_get_cd_ptr(d->master, h->pasid);
	if (!cd) {
		say(why, whylen, "no CD for PASID %u", h->pasid);
		return -ENOENT;
	}
	if (!strcmp(field, "ttb0")) {
		/* TTB0 is an address: report it as one, not shifted down. */
		*val = __atomic_load_n(&cd[1], __ATOMIC_ACQUIRE) & CD_1_TTB0;
		return 0;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!strcmp(fields[i].name, field)) {
			*val = FIELD_GET(fields[i].mask,
					 __atomic_load_n(&cd[fields[i].dw], __ATOMIC_ACQUIRE));
			return 0;
		}
	}
	say(why, whylen, "unknown CD field '%s'", field);
	return -EINVAL;
}

/* ---- Devices ----------------------------------------------------------------- */

#define DMA_RING_LOG2_USED	4	/* 16 descriptors: one is in flight at a time */
#define DMA_WAIT_MS		60000	/* bound on one descriptor (PRI/stall included) */

static int cfg_read16(void *ctx, unsigned int off, uint16_t *val)
{
	return pcie_cfg_read16(ctx, off, val);
}

static int cfg_read32(void *ctx, unsigned int off, uint32_t *val)
{
	return pcie_cfg_read32(ctx, off, val);
}

static int cfg_write16(void *ctx, unsigned int off, uint16_t val)
{
	return pcie_cfg_write16(ctx, off, val);
}

static int cfg_write32(void *ctx, unsigned int off, uint32_t val)
{
	return pcie_cfg_write32(ctx, off, val);
}

static const struct pci_cfg_ops machine_cfg_ops = {
	.read16 = cfg_read16, .read32 = cfg_read32,
	.write16 = cfg_write16, .write32 = cfg_write32,
};

static bool sid_in_use(struct machine *m, uint32_t sid)
{
	unsigned int i;

	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i]->sid == sid)
			return true;
	return false;
}

static uint64_t queue_ring_bytes(struct machine *m, const struct machine_queue *q)
{
	return 1ULL << (m->cfg.page_shift + q->ring_order);
}

static void device_remove(struct machine *m, struct machine_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_q; i++)
		dma_engine_destroy(d->q[i].dma);
	if (d->dev_ready)
		iommu_device_fini(&d->dev);
	if (d->domain) {
		for (i = 0; i < d->nr_q; i++)
			if (d->q[i].ring_pa)
				arm_smmu_unmap(d->domain, d->q[i].ring_pa, queue_ring_bytes(m, &d->q[i]));
		arm_smmu_attach_blocked(d->master);
		arm_smmu_domain_free(d->domain);
	}
	if (d->master)
		arm_smmu_release_device(d->master);
	for (i = 0; i < d->nr_q; i++)
		if (d->q[i].ring_pa)
			frame_free_order(m->frames, d->q[i].ring_pa, d->q[i].ring_order);
	ep_destroy(d->ep);
	free(d);
}

static int device_endpoint(struct machine *m, struct machine_dev *d, char *why, size_t whylen)
{
	struct ep_config ec;

	if (d->cfg.pci) {
		ep_config_default(&ec, d->sid);
		ec.func.ats = d->cfg.ats;
		ec.func.pri = d->cfg.pri;
		ec.func.pri_capacity = d->cfg.prq;
		ec.func.pasid = d->cfg.pasid_bits > 0;
		ec.func.pasid_width = d->cfg.pasid_bits ? d->cfg.pasid_bits : 1;
		ec.atc_entries = d->cfg.atc;
	} else {
		ep_config_platform(&ec, d->sid);
	}
	d->ep = ep_create(&ec, &m->mem.bus, NULL);
	if (!d->ep || ep_attach_smmu(d->ep, m->smmu)) {
		say(why, whylen, "cannot create device '%s'", d->name);
		return -ENOMEM;
	}
	if (d->cfg.pci) {
		uint16_t cmd = 0;

		if (pci_dev_init(&d->pdev, &machine_cfg_ops, ep_cfg(d->ep), d->name) ||
		    pcie_cfg_read16(ep_cfg(d->ep), PCIE_CFG_COMMAND, &cmd) ||
		    pcie_cfg_write16(ep_cfg(d->ep), PCIE_CFG_COMMAND, cmd | PCIE_COMMAND_MASTER)) {
			say(why, whylen, "%s: config space unusable", d->name);
			return -EIO;
		}
	}
	return 0;
}

/* The driver's side: master, private DMA domain, iommu device, features. */
static int device_driver(struct machine *m, struct machine_dev *d, char *why, size_t whylen)
{
	struct arm_smmu_master_desc desc = {
		.sids = &d->sid, .num_sids = 1, .name = d->name,
		.ssid_bits = d->cfg.pasid_bits,
		.stall_capable = d->cfg.stall,
		.pdev = d->cfg.pci ? &d->pdev : NULL,
	};
	int err = 0, ret;

	d->master = arm_smmu_probe_device(m->drv, &desc, &err);
	if (!d->master) {
		say(why, whylen, "arm-smmu-v3: cannot add %s (SID %u): %s", d->name, d->sid,
		    strerror(-err));
		return err ? err : -ENODEV;
	}
	/* A device starts in a translated DMA domain of its own, nothing mapped. */
	d->domain = arm_smmu_domain_alloc_paging(m->drv);
	if (!d->domain) {
		say(why, whylen, "%s: no memory for a DMA domain", d->name);
		return -ENOMEM;
	}
	ret = arm_smmu_attach_dev(d->master, d->domain);
	if (ret) {
		say(why, whylen, "%s: cannot attach its DMA domain: %s", d->name, strerror(-ret));
		return ret;
	}
	arm_smmu_iommu_device_init(&d->dev, &m->iommu, d->master);
	d->dev_ready = true;
	/* Recoverable faults and SVA when the device can have them; bind tells why not. */
	if (!iommu_dev_enable_feature(&d->dev, IOMMU_DEV_FEAT_IOPF))
		iommu_dev_enable_feature(&d->dev, IOMMU_DEV_FEAT_SVA);
	return 0;
}

/*
 * A DMA engine of the device: its ring and completion record mapped for the
 * device in its DMA domain. Engines of one device share its function (ATC,
 * PRI credits), like the work queues of one accelerator.
 */
static int device_engine(struct machine *m, struct machine_dev *d, char *why, size_t whylen)
{
	struct dma_engine_config dc = { 0 };
	struct machine_queue *q = &d->q[d->nr_q];
	uint64_t size;
	int ret;

	if (d->nr_q == MACHINE_DEV_QUEUES) {
		say(why, whylen, "%s: too many DMA queues (at most %d)", d->name,
		    MACHINE_DEV_QUEUES);
		return -ENOSPC;
	}
	memset(q, 0, sizeof(*q));
	q->dma = dma_engine_create(d->ep, &dc);
	if (!q->dma) {
		say(why, whylen, "%s: cannot create its DMA engine", d->name);
		return -ENOMEM;
	}
	/* Counted from here on, so that device_remove() undoes what exists. */
	d->nr_q++;
	size = (1ULL << DMA_RING_LOG2_USED) * DMA_DESC_SIZE + DMA_CR_SIZE;
	while ((1ULL << (m->cfg.page_shift + q->ring_order)) < size)
		q->ring_order++;
	q->ring_pa = frame_alloc_order(m->frames, q->ring_order, FRAME_ZERO);
	if (!q->ring_pa) {
		say(why, whylen, "%s: no memory for its descriptor ring", d->name);
		return -ENOMEM;
	}
	q->cr_pa = q->ring_pa + (1ULL << DMA_RING_LOG2_USED) * DMA_DESC_SIZE;
	ret = arm_smmu_map(d->domain, q->ring_pa, q->ring_pa, queue_ring_bytes(m, q),
			   IOMMU_READ | IOMMU_WRITE);
	if (ret) {
		say(why, whylen, "%s: cannot map its descriptor ring: %s", d->name, strerror(-ret));
		frame_free_order(m->frames, q->ring_pa, q->ring_order);
		q->ring_pa = 0;
		return ret;
	}
	dma_mmio_write64(q->dma, DMA_REG_RING_BASE, q->ring_pa);
	dma_mmio_write32(q->dma, DMA_REG_RING_LOG2, DMA_RING_LOG2_USED);
	dma_mmio_write32(q->dma, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	return (int)d->nr_q - 1;
}

int machine_device_add(struct machine *m, const char *name, const struct scn_device *cfg,
		       char *why, size_t whylen)
{
	struct machine_dev *d;
	uint32_t sid = 0;
	int ret;

	if (m->nr_devs == MACHINE_MAX_DEVS) {
		say(why, whylen, "too many devices (at most %d)", MACHINE_MAX_DEVS);
		return -ENOSPC;
	}
	if (cfg->sid_set) {
		sid = cfg->sid;
		if (sid_in_use(m, sid)) {
			say(why, whylen, "StreamID %u is already taken", sid);
			return -EEXIST;
		}
	} else {
		while (sid_in_use(m, sid))
			sid++;
	}
	if (m->cfg.sid_bits < 32 && sid >= (1u << m->cfg.sid_bits)) {
		say(why, whylen, "StreamID %u does not fit in sid-bits=%u", sid, m->cfg.sid_bits);
		return -ERANGE;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		say(why, whylen, "out of memory");
		return -ENOMEM;
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->cfg = *cfg;
	d->sid = sid;
	ret = device_endpoint(m, d, why, whylen);
	if (!ret)
		ret = device_driver(m, d, why, whylen);
	if (!ret)
		ret = device_engine(m, d, why, whylen);
	if (ret < 0) {
		device_remove(m, d);
		return ret;
	}
	m->devs[m->nr_devs] = d;
	return (int)m->nr_devs++;
}

/* ---- SVA ------------------------------------------------------------------------- */

int machine_bind(struct machine *m, int dev, int proc, uint32_t *pasid, char *why, size_t whylen)
{
	struct machine_proc *p = proc_get(m, proc, why, whylen);
	struct machine_handle *h;
	struct machine_dev *d;
	struct iommu_sva *bond;
	int err = 0;

	if (!p)
		return -ESRCH;
	if (dev < 0 || (unsigned int)dev >= m->nr_devs) {
		say(why, whylen, "no such device");
		return -ENODEV;
	}
	if (m->nr_handles == MACHINE_MAX_HANDLES) {
		say(why, whylen, "too many binds (at most %d)", MACHINE_MAX_HANDLES);
		return -ENOSPC;
	}
	d = m->devs[dev];
	if (!iommu_dev_feature_enabled(&d->dev, IOMMU_DEV_FEAT_SVA)) {
		/* SVA could not be enabled when the device was added: say which check failed. */
		if (arm_smmu_sva_supported(m->drv, why, (unsigned int)whylen) ||
		    arm_smmu_master_iopf_supported(d->master, why, (unsigned int)whylen) ||
		    arm_smmu_master_sva_supported(d->master, why, (unsigned int)whylen))
			return -EOPNOTSUPP;
	}
	proc_enter(m, p);
	bond = iommu_sva_bind_device(&d->dev, p->mm, &err, why, (unsigned int)whylen);
	if (!bond) {
		if (why && !why[0])
			say(why, whylen, "%s", strerror(-err));
		return err ? err : -EINVAL;
	}
	h = &m->handles[m->nr_handles];
	h->live = true;
	h->dev = dev;
	h->proc = proc;
	h->bond = bond;
	h->pasid = iommu_sva_get_pasid(bond);
	*pasid = h->pasid;
	return (int)m->nr_handles++;
}

int machine_unbind(struct machine *m, int handle, char *why, size_t whylen)
{
	struct machine_handle *h;

	if (handle < 0 || (unsigned int)handle >= m->nr_handles || !m->handles[handle].live) {
		say(why, whylen, "the handle is not bound");
		return -EINVAL;
	}
	h = &m->handles[handle];
	iommu_sva_unbind_device(h->bond);
	h->live = false;
	return 0;
}

uint32_t machine_handle_pasid(struct machine *m, int handle)
{
	return handle >= 0 && (unsigned int)handle < m->nr_handles ? m->handles[handle].pasid : 0;
}

int machine_handle_device(struct machine *m, int handle)
{
	return handle >= 0 && (unsigned int)handle < m->nr_handles ? m->handles[handle].dev : -1;
}

/* ---- DMA ------------------------------------------------------------------------- */

static void build_descriptor(const struct machine_dma *op, uint64_t desc[DMA_DESC_WORDS])
{
	static const unsigned int opcodes[] = {
		[SCN_DMA_FILL] = DMA_OP_FILL,
		[SCN_DMA_COPY] = DMA_OP_COPY,
		[SCN_DMA_CHECK] = DMA_OP_CHECK,
	};

	memset(desc, 0, DMA_DESC_SIZE);
	/* Block on fault: pages fault in through PRI (or a stall) and DMA goes on. */
	desc[0] = FIELD_PREP(DMA_DESC0_OP, opcodes[op->kind]) | DMA_DESC0_BOF | DMA_DESC0_RCR |
		  DMA_DESC0_CRNP;
	if (op->pasid_valid)
		desc[0] |= DMA_DESC0_PV | FIELD_PREP(DMA_DESC0_PASID, op->pasid);
	switch (op->kind) {
	case SCN_DMA_FILL:
		desc[2] = op->addr;
		break;
	case SCN_DMA_COPY:
		desc[1] = op->addr;
		desc[2] = op->addr2;
		break;
	case SCN_DMA_CHECK:
		desc[1] = op->addr;
		break;
	}
	desc[3] = FIELD_PREP(DMA_DESC3_LEN, op->len) | FIELD_PREP(DMA_DESC3_PATTERN, op->byte);
}

static struct machine_queue *queue_get(struct machine *m, int dev, int queue,
				       char *why, size_t whylen)
{
	struct machine_dev *d;

	if (dev < 0 || (unsigned int)dev >= m->nr_devs) {
		say(why, whylen, "no such device");
		return NULL;
	}
	d = m->devs[dev];
	if (queue < 0 || (unsigned int)queue >= d->nr_q) {
		say(why, whylen, "%s: no DMA queue %d", d->name, queue);
		return NULL;
	}
	return &d->q[queue];
}

int machine_queue_add(struct machine *m, int dev, char *why, size_t whylen)
{
	if (dev < 0 || (unsigned int)dev >= m->nr_devs) {
		say(why, whylen, "no such device");
		return -ENODEV;
	}
	return device_engine(m, m->devs[dev], why, whylen);
}

int machine_dma_submit(struct machine *m, const struct machine_dma *op, char *why, size_t whylen)
{
	struct machine_queue *q = queue_get(m, op->dev, op->queue, why, whylen);
	uint64_t desc[DMA_DESC_WORDS], slot;
	unsigned int i;

	if (!q)
		return -ENODEV;
	if (!op->len || op->len > DMA_DESC3_LEN) {
		say(why, whylen, "DMA length must be 1..4G-1 bytes");
		return -EINVAL;
	}
	/* One descriptor at a time: the completion record is the queue's only one. */
	if (q->busy) {
		say(why, whylen, "the DMA queue has a descriptor in flight");
		return -EBUSY;
	}
	build_descriptor(op, desc);
	desc[4] = q->cr_pa;
	slot = q->ring_pa + (uint64_t)(q->tail & ((1u << DMA_RING_LOG2_USED) - 1)) * DMA_DESC_SIZE;
	for (i = 0; i < 4; i++)
		phys_mem_write64(&m->mem, q->cr_pa + 8 * i, 0);
	for (i = 0; i < DMA_DESC_WORDS; i++)
		phys_mem_write64(&m->mem, slot + 8 * i, desc[i]);
	q->busy = true;
	dma_doorbell(q->dma, ++q->tail);
	return 0;
}

static int decode_completion(struct machine *m, struct machine_dev *d, struct machine_queue *q,
			     struct machine_dma_result *res, char *why, size_t whylen)
{
	uint64_t cr[4];
	unsigned int i, status;

	for (i = 0; i < 4; i++)
		phys_mem_read64(&m->mem, q->cr_pa + 8 * i, &cr[i]);
	status = (unsigned int)FIELD_GET(DMA_CR0_STATUS, cr[0]);
	switch (status) {
	case DMA_CS_SUCCESS:
		res->outcome = SCN_OUT_OK;
		res->addr = 0;
		return 0;
	case DMA_CS_PAGE_FAULT:
	case DMA_CS_ERROR:
		/* The access could not be translated (or was aborted): it stopped there. */
		res->outcome = SCN_OUT_FAULT;
		res->addr = cr[2];
		return 0;
	case DMA_CS_MISMATCH:
		res->outcome = SCN_OUT_MISMATCH;
		res->addr = cr[2];
		return 0;
	default:
		say(why, whylen, "%s: bad completion record (status %u)", d->name, status);
		return -EIO;
	}
}

int machine_dma_complete(struct machine *m, int dev, int queue, struct machine_dma_result *res,
			 char *why, size_t whylen)
{
	struct machine_queue *q = queue_get(m, dev, queue, why, whylen);

	if (!q)
		return -ENODEV;
	if (!q->busy) {
		say(why, whylen, "nothing was submitted to the DMA queue");
		return -EINVAL;
	}
	if (dma_engine_wait_idle(q->dma, DMA_WAIT_MS)) {
		say(why, whylen, "%s: the DMA engine did not finish within %u s",
		    m->devs[dev]->name, DMA_WAIT_MS / 1000);
		return -ETIMEDOUT;
	}
	q->busy = false;
	return decode_completion(m, m->devs[dev], q, res, why, whylen);
}

int machine_dma(struct machine *m, const struct machine_dma *op, struct machine_dma_result *res,
		char *why, size_t whylen)
{
	int ret = machine_dma_submit(m, op, why, whylen);

	if (ret)
		return ret;
	return machine_dma_complete(m, op->dev, op->queue, res, why, whylen);
}

/* ---- Introspection for `sva info` and the stress oracle ---------------------- */

uint32_t machine_smmu_reg(struct machine *m, uint32_t off)
{
	return smmu_mmio_read32(m->smmu, off);
}

const struct arm_smmu_device *machine_smmu_driver(const struct machine *m)
{
	return m->drv;
}

void machine_get_limits(const struct machine *m, struct machine_limits *l)
{
	l->cpus = m->cfg.cpus;
	l->cpu_tlb_entries = MACHINE_CPU_TLB;
	l->smmu_tlb_entries = m->cfg.tlb;
	l->page_shift = m->cfg.page_shift;
	l->stall_max = MACHINE_STALL_MAX;
	l->max_procs = MACHINE_MAX_PROCS;
	l->max_devs = MACHINE_MAX_DEVS;
	l->max_handles = MACHINE_MAX_HANDLES;
}
