// SPDX-License-Identifier: GPL-2.0
/*
 * The default workload (sim/workload.h).
 *
 * Every process thread owns its process, its CPU and one DMA queue on each
 * device, so it is the only submitter on those queues and the only thread
 * changing its address space; what runs concurrently is what would on a
 * real machine: device engines translating (SMMU, ATC, PRI, stalls), the
 * IRQ threads and iopf workers resolving faults, and the other processes
 * invalidating their own ASIDs and PASIDs on the same SMMU and devices.
 *
 * Because a process changes only ranges its in-flight copies do not use,
 * every outcome is known in advance: a copy must succeed and its
 * destination must read back as its source; a probe of an unmapped or
 * read-only range must fault, and of a mapped writable one must succeed.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/smmu/cmd.h"
#include "hw/smmu/smmu.h"
#include "sim/clock.h"
#include "sim/fault_latency.h"
#include "sim/machine.h"
#include "sim/workload.h"

/* Each process's layout (every process has its own address space). */
#define WL_BUF_BASE		0x10000000ULL	/* per device: src, gap, dst, gap */
#define WL_SCRATCH_BASE		0x40000000ULL	/* mapped and unmapped in turn */
#define WL_PROT_BASE		0x50000000ULL	/* read-only and writable in turn */
#define WL_CPU_BASE		0x60000000ULL	/* CPU writes and checks only */
#define WL_TRANSIENT_BASE	0x70000000ULL	/* mmap, touch, munmap */
#define WL_SMALL_PAGES		4		/* size of the ranges above, in pages */
#define WL_REMAP_ONE_IN		8		/* buffers remapped once per ~8 copies */
#define WL_PROBE_ONE_IN		4
#define WL_RAM_BUDGET		(640ULL << 20)	/* of the machine's 1 GiB */
#define WL_MAX_SIZE		(16ULL << 20)

struct wl_slot {
	int dev, queue;
	uint32_t pasid;			/* the process's, for this device */
	uint64_t src, dst;
	uint8_t byte;			/* what src holds, dst must receive */
	bool fresh;			/* src just mapped: nothing faulted in */
};

struct wl_proc {
	struct wl_run *run;
	int proc;
	uint64_t rng;
	struct wl_slot slot[WL_MAX_DEVICES];
	struct wl_slot race;		/* a second queue on device 0: DMA racing munmap */
	bool scratch_mapped, prot_ro;
	uint8_t prot_byte;		/* what the protected range holds */
	struct wl_result res;		/* this thread's share of the counts */
	unsigned int iterations;
	pthread_t thread;
	bool started;
};

struct wl_run {
	const struct wl_config *cfg;
	struct machine *m;
	uint64_t page, span;		/* span: one buffer and its guard gap */
	unsigned int stop, alive;	/* atomic */
	struct wl_proc procs[WL_MAX_PROCESSES];
};

void wl_config_default(struct wl_config *cfg)
{
	*cfg = (struct wl_config){
		.processes = 4, .devices = 2, .size = 64 << 10,
		.fault_mode = WL_FAULT_PRI, .btm = true, .ats = true, .asid_private = false,
		.duration = 8.0, .page_shift = 12, .seed = 1,
	};
}

const char *wl_command_name(unsigned int opcode)
{
	return smmuv3_cmd_name(opcode);
}

const char *wl_event_name(unsigned int id)
{
	return smmuv3_event_name(id);
}

static uint64_t next_rand(struct wl_proc *p)
{
	/* xorshift64*: per thread, so runs with one seed choose alike. */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 0x2545f4914f6cdd1dULL;
}

static double now_s(void)
{
	return (double)sim_clock_ns() * 1e-9;
}

static void problem(struct wl_proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keep the first thing that went wrong, for the report. */
static void problem(struct wl_proc *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->res.first_problem[0])
		return;
	n = snprintf(p->res.first_problem, sizeof(p->res.first_problem), "process %d: ", p->proc);
	va_start(ap, fmt);
	vsnprintf(p->res.first_problem + n, sizeof(p->res.first_problem) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* A call that must not fail: count and describe a failure. */
static bool ok_call(struct wl_proc *p, int ret, const char *what, const char *why)
{
	if (ret >= 0)
		return true;
	p->res.errors++;
	problem(p, "%s: %s (%s)", what, why[0] ? why : "failed", strerror(-ret));
	return false;
}

static bool populate(const struct wl_proc *p)
{
	return p->run->cfg->fault_mode == WL_FAULT_PREFAULT;
}

static bool map_range(struct wl_proc *p, uint64_t addr, uint64_t size, unsigned int prot)
{
	char why[160] = "";
	int ret = machine_mmap(p->run->m, p->proc, addr, size, prot, populate(p), why, sizeof(why));

	p->res.mmaps++;
	return ok_call(p, ret, "mmap", why);
}

static bool unmap_range(struct wl_proc *p, uint64_t addr, uint64_t size)
{
	char why[160] = "";
	int ret = machine_munmap(p->run->m, p->proc, addr, size, why, sizeof(why));

	p->res.munmaps++;
	return ok_call(p, ret, "munmap", why);
}

static bool protect_range(struct wl_proc *p, uint64_t addr, uint64_t size, unsigned int prot)
{
	char why[160] = "";
	int ret = machine_mprotect(p->run->m, p->proc, addr, size, prot, why, sizeof(why));

	p->res.mprotects++;
	return ok_call(p, ret, "mprotect", why);
}

/* The CPU writes @byte over the range; it must not fault (mapped, writable). */
static bool wl_cpu_fill(struct wl_proc *p, uint64_t addr, uint64_t len, uint8_t byte)
{
	uint64_t fault = 0;
	int ret = machine_cpu_fill(p->run->m, p->proc, addr, len, byte, &fault);

	if (ret == -EFAULT) {
		p->res.errors++;
		problem(p, "CPU write faulted at 0x%" PRIx64, fault);
		return false;
	}
	return ok_call(p, ret, "cpu fill", "");
}

/* The CPU reads the range back: every byte must be @byte. */
static bool wl_cpu_check(struct wl_proc *p, uint64_t addr, uint64_t len, uint8_t byte)
{
	uint64_t where = 0;
	int ret = machine_cpu_check(p->run->m, p->proc, addr, len, byte, &where);

	p->res.cpu_checks++;
	if (ret == 1) {
		p->res.mismatches++;
		problem(p, "0x%" PRIx64 " does not hold 0x%02x after DMA", where, byte);
		return false;
	}
	if (ret == -EFAULT) {
		p->res.errors++;
		problem(p, "CPU read faulted at 0x%" PRIx64, where);
		return false;
	}
	return ok_call(p, ret, "cpu check", "");
}

static void dma_op(struct wl_slot *s, enum scn_dma_kind kind, uint64_t addr, uint64_t addr2,
		   uint64_t len, uint8_t byte, struct machine_dma *op, uint32_t pasid)
{
	*op = (struct machine_dma){
		.dev = s->dev, .queue = s->queue, .pasid_valid = true, .pasid = pasid,
		.kind = kind, .addr = addr, .addr2 = addr2, .len = len, .byte = byte,
	};
}

/*
 * Judge a DMA outcome: @may_fault says whether the range was unmapped or
 * read-only for this access. Returns true if the DMA completed OK.
 */
static bool judge(struct wl_proc *p, const struct machine_dma *op,
		  const struct machine_dma_result *r, bool may_fault)
{
	p->res.dma_ops++;
	if (r->outcome == SCN_OUT_OK) {
		if (may_fault) {
			p->res.unexpected_successes++;
			problem(p, "DMA reached 0x%" PRIx64 ", which was unmapped or read-only",
				op->addr);
			return false;
		}
		p->res.dma_bytes += op->len;
		return true;
	}
	if (r->outcome == SCN_OUT_FAULT && may_fault) {
		p->res.expected_faults++;
		return false;
	}
	if (r->outcome == SCN_OUT_FAULT) {
		p->res.unexpected_faults++;
		problem(p, "DMA faulted at 0x%" PRIx64 " in a mapped, writable range", r->addr);
	} else {
		p->res.mismatches++;
		problem(p, "DMA check mismatch at 0x%" PRIx64, r->addr);
	}
	return false;
}

/* Submit and wait for one DMA on @s's queue. */
static bool dma_sync(struct wl_proc *p, const struct machine_dma *op, bool may_fault)
{
	struct machine_dma_result r = { 0 };
	char why[160] = "";
	int ret = machine_dma(p->run->m, op, &r, why, sizeof(why));

	if (!ok_call(p, ret, "dma", why))
		return false;
	return judge(p, op, &r, may_fault);
}

/* ---- One iteration ---------------------------------------------------------- */

/* Fresh source data for slot @j: remapped now and then, written by the device or CPU. */
static bool prepare_source(struct wl_proc *p, unsigned int j)
{
	const struct wl_config *cfg = p->run->cfg;
	struct wl_slot *s = &p->slot[j];
	struct machine_dma op;

	if (next_rand(p) % WL_REMAP_ONE_IN == 0) {
		/* Both buffers go and come back empty: their pages fault in again. */
		if (!unmap_range(p, s->src, 2 * p->run->span) ||
		    !map_range(p, s->src, cfg->size, SCN_PROT_R | SCN_PROT_W) ||
		    !map_range(p, s->dst, cfg->size, SCN_PROT_R | SCN_PROT_W))
			return false;
		p->res.remaps++;
		s->fresh = true;
	}
	s->byte = (uint8_t)(next_rand(p) | 1);
	if (s->fresh || (next_rand(p) & 1)) {
		/* The device writes the source: its pages fault in through the device. */
		dma_op(s, SCN_DMA_FILL, s->src, 0, cfg->size, s->byte, &op, s->pasid);
		s->fresh = false;
		return dma_sync(p, &op, false);
	}
	return wl_cpu_fill(p, s->src, cfg->size, s->byte);
}

/*
 * Map the scratch range again. Its frames are new and must read as zero:
 * a device write that outlived an earlier munmap would show here, or in
 * whichever buffer got the freed frames.
 */
static bool map_scratch(struct wl_proc *p)
{
	uint64_t small = WL_SMALL_PAGES * p->run->page;

	p->scratch_mapped = map_range(p, WL_SCRATCH_BASE, small, SCN_PROT_R | SCN_PROT_W);
	return p->scratch_mapped && wl_cpu_check(p, WL_SCRATCH_BASE, small, 0);
}

/*
 * A DMA fill of the scratch range with munmap racing it: it may complete
 * or fault (the range was unmapped while it ran), and once munmap has
 * returned it must not reach the freed frames (see map_scratch()).
 */
static void race_munmap(struct wl_proc *p)
{
	uint64_t small = WL_SMALL_PAGES * p->run->page;
	struct machine_dma_result r = { 0 };
	struct machine_dma op;
	char why[160] = "";
	int ret;

	if (!p->scratch_mapped && !map_scratch(p))
		return;
	dma_op(&p->race, SCN_DMA_FILL, WL_SCRATCH_BASE, 0, small, (uint8_t)next_rand(p), &op,
	       p->race.pasid);
	ret = machine_dma_submit(p->run->m, &op, why, sizeof(why));
	if (!ok_call(p, ret, "dma submit", why))
		return;
	p->scratch_mapped = !unmap_range(p, WL_SCRATCH_BASE, small);
	ret = machine_dma_complete(p->run->m, op.dev, op.queue, &r, why, sizeof(why));
	if (!ok_call(p, ret, "dma complete", why))
		return;
	p->res.dma_ops++;
	p->res.races++;
	if (r.outcome == SCN_OUT_FAULT)
		p->res.race_faults++;
	else if (r.outcome == SCN_OUT_OK)
		p->res.dma_bytes += small;
}

/* Something else the process does while its copies are in flight. */
static void mix_op(struct wl_proc *p)
{
	uint64_t small = WL_SMALL_PAGES * p->run->page;
	uint8_t b = (uint8_t)next_rand(p);

	switch (next_rand(p) % 5) {
	case 0:
		if (p->scratch_mapped)
			p->scratch_mapped = !unmap_range(p, WL_SCRATCH_BASE, small);
		else
			map_scratch(p);
		break;
	case 4:
		race_munmap(p);
		break;
	case 1:
		if (p->prot_ro) {
			if (protect_range(p, WL_PROT_BASE, small, SCN_PROT_R | SCN_PROT_W) &&
			    wl_cpu_fill(p, WL_PROT_BASE, small, b)) {
				p->prot_ro = false;
				p->prot_byte = b;
			}
		} else if (protect_range(p, WL_PROT_BASE, small, SCN_PROT_R)) {
			p->prot_ro = true;
		}
		break;
	case 2:
		if (wl_cpu_fill(p, WL_CPU_BASE, small, b))
			wl_cpu_check(p, WL_CPU_BASE, small, b);
		break;
	default:
		if (map_range(p, WL_TRANSIENT_BASE, small, SCN_PROT_R | SCN_PROT_W) &&
		    wl_cpu_fill(p, WL_TRANSIENT_BASE, p->run->page, b))
			unmap_range(p, WL_TRANSIENT_BASE, small);
		break;
	}
}

/* A DMA whose outcome depends on what the process did to a range. */
static void probe(struct wl_proc *p)
{
	unsigned int j = (unsigned int)(next_rand(p) % p->run->cfg->devices);
	struct wl_slot *s = &p->slot[j];
	uint64_t len = WL_SMALL_PAGES * p->run->page;
	uint8_t b = (uint8_t)next_rand(p);
	struct machine_dma op;

	if (next_rand(p) & 1) {
		dma_op(s, SCN_DMA_FILL, WL_SCRATCH_BASE, 0, len, b, &op, s->pasid);
		if (dma_sync(p, &op, !p->scratch_mapped))
			wl_cpu_check(p, WL_SCRATCH_BASE, len, b);
		return;
	}
	if (p->prot_ro) {
		/* Reading a read-only range works and sees what was written before. */
		dma_op(s, SCN_DMA_CHECK, WL_PROT_BASE, 0, len, p->prot_byte, &op, s->pasid);
		dma_sync(p, &op, false);
	}
	dma_op(s, SCN_DMA_FILL, WL_PROT_BASE, 0, len, b, &op, s->pasid);
	if (dma_sync(p, &op, p->prot_ro)) {
		p->prot_byte = b;
		wl_cpu_check(p, WL_PROT_BASE, len, b);
	}
}

/* Copies on every device at once, the mix meanwhile, then every result checked. */
static bool iteration(struct wl_proc *p)
{
	const struct wl_config *cfg = p->run->cfg;
	struct machine_dma op[WL_MAX_DEVICES];
	bool submitted[WL_MAX_DEVICES] = { false };
	unsigned int j;
	char why[160];
	int ret;

	for (j = 0; j < cfg->devices; j++) {
		struct wl_slot *s = &p->slot[j];

		if (!prepare_source(p, j))
			break;
		dma_op(s, SCN_DMA_COPY, s->src, s->dst, cfg->size, 0, &op[j], s->pasid);
		why[0] = '\0';
		ret = machine_dma_submit(p->run->m, &op[j], why, sizeof(why));
		if (!ok_call(p, ret, "dma submit", why))
			break;
		submitted[j] = true;
	}
	if (j == cfg->devices)
		mix_op(p);
	for (j = 0; j < cfg->devices && submitted[j]; j++) {
		struct machine_dma_result r = { 0 };

		why[0] = '\0';
		ret = machine_dma_complete(p->run->m, op[j].dev, op[j].queue, &r, why, sizeof(why));
		if (!ok_call(p, ret, "dma complete", why))
			return false;
		if (!judge(p, &op[j], &r, false))
			continue;
		if (wl_cpu_check(p, op[j].addr2, cfg->size, p->slot[j].byte))
			p->res.copies++;
	}
	if (j < cfg->devices)
		return false;
	if (next_rand(p) % WL_PROBE_ONE_IN == 0)
		probe(p);
	return true;
}

/* ---- A process thread --------------------------------------------------------- */

/* The process's ranges: buffers on demand, the small ranges in their first state. */
static bool proc_map(struct wl_proc *p)
{
	uint64_t small = WL_SMALL_PAGES * p->run->page;
	unsigned int j;

	for (j = 0; j < p->run->cfg->devices; j++) {
		struct wl_slot *s = &p->slot[j];

		if (!map_range(p, s->src, p->run->cfg->size, SCN_PROT_R | SCN_PROT_W) ||
		    !map_range(p, s->dst, p->run->cfg->size, SCN_PROT_R | SCN_PROT_W))
			return false;
		s->fresh = true;
	}
	p->prot_byte = 0x5a;
	if (!map_range(p, WL_PROT_BASE, small, SCN_PROT_R | SCN_PROT_W) ||
	    !wl_cpu_fill(p, WL_PROT_BASE, small, p->prot_byte) ||
	    !map_range(p, WL_CPU_BASE, small, SCN_PROT_R | SCN_PROT_W))
		return false;
	return map_scratch(p);
}

static void *proc_thread(void *arg)
{
	struct wl_proc *p = arg;
	struct wl_run *run = p->run;

	if (proc_map(p)) {
		while (p->iterations < run->cfg->min_iterations ||
		       !__atomic_load_n(&run->stop, __ATOMIC_ACQUIRE)) {
			if (!iteration(p))
				break;
			p->iterations++;
		}
	}
	__atomic_fetch_sub(&run->alive, 1, __ATOMIC_ACQ_REL);
	return NULL;
}

/* ---- Setting up ---------------------------------------------------------------- */

static int check_config(const struct wl_config *cfg, char *why, size_t whylen)
{
	uint64_t page = 1ULL << cfg->page_shift, per_proc;

	if (!cfg->processes || cfg->processes > WL_MAX_PROCESSES) {
		snprintf(why, whylen, "--processes must be 1..%d", WL_MAX_PROCESSES);
		return -EINVAL;
	}
	if (!cfg->devices || cfg->devices > WL_MAX_DEVICES) {
		snprintf(why, whylen, "--devices must be 1..%d", WL_MAX_DEVICES);
		return -EINVAL;
	}
	if (cfg->page_shift != 12 && cfg->page_shift != 14 && cfg->page_shift != 16) {
		snprintf(why, whylen, "--page-size must be 4K, 16K or 64K");
		return -EINVAL;
	}
	if (!cfg->size || cfg->size > WL_MAX_SIZE) {
		snprintf(why, whylen, "--size must be 1..16M bytes");
		return -EINVAL;
	}
	if (!(cfg->duration > 0) || cfg->duration > 3600) {
		snprintf(why, whylen, "--duration must be more than 0 and at most 3600 seconds");
		return -EINVAL;
	}
	if (cfg->fault_mode == WL_FAULT_PRI && !cfg->ats) {
		/* PCIe r5.0 §10.4: PRI extends ATS; a page, once resolved, is fetched by ATS. */
		snprintf(why, whylen, "--fault-mode pri needs --ats on (PRI works through ATS)");
		return -EINVAL;
	}
	per_proc = cfg->devices * 2 * ((cfg->size + page - 1) / page * page) +
		   4 * WL_SMALL_PAGES * page;
	if (per_proc * cfg->processes > WL_RAM_BUDGET) {
		snprintf(why, whylen, "%u processes x %" PRIu64
			 " KiB do not fit in the machine's RAM", cfg->processes, per_proc >> 10);
		return -ENOMEM;
	}
	return 0;
}

static void machine_cfg(const struct wl_config *cfg, struct scn_machine *mc, struct scn_device *dc)
{
	scn_machine_defaults(mc);
	mc->btm = cfg->btm;
	/* PRI is an ATS extension: an SMMU without ATS has no PRI queue (IDR0.PRI). */
	mc->ats = cfg->ats;
	mc->pri = cfg->ats;
	mc->cpus = cfg->processes > 4 ? cfg->processes : 4;
	mc->page_shift = cfg->page_shift;
	mc->sva_asid_private = cfg->asid_private;
	memset(dc, 0, sizeof(*dc));
	dc->pasid_bits = 20;
	/*
	 * SVA needs a device that can fault (PRI or stall) even over populated
	 * memory; without ATS there is no PRI, so prefault then uses stall
	 * devices whose every access the SMMU translates.
	 */
	if (cfg->fault_mode == WL_FAULT_STALL || !cfg->ats) {
		dc->stall = true;
		return;
	}
	dc->pci = true;
	dc->ats = cfg->ats;
	dc->pri = true;
	dc->atc = 64;
	dc->prq = 32;
}

/* Devices, processes, one bind and one queue per (device, process). */
static int build(struct wl_run *run, char *why, size_t whylen)
{
	const struct wl_config *cfg = run->cfg;
	struct scn_machine mc;
	struct scn_device dc;
	unsigned int i, j;
	int ret;

	machine_cfg(cfg, &mc, &dc);
	run->m = machine_create(&mc, why, whylen);
	if (!run->m)
		return -ENOMEM;
	for (j = 0; j < cfg->devices; j++) {
		char name[16];

		snprintf(name, sizeof(name), "acc%u", j);
		ret = machine_device_add(run->m, name, &dc, why, whylen);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < cfg->processes; i++) {
		struct wl_proc *p = &run->procs[i];

		p->run = run;
		/* xorshift must not start at zero. */
		p->rng = (cfg->seed + 1) * 0x9e3779b97f4a7c15ULL + i ?: 1;
		p->proc = machine_process_create(run->m, why, whylen);
		if (p->proc < 0)
			return p->proc;
		for (j = 0; j < cfg->devices; j++) {
			struct wl_slot *s = &p->slot[j];

			s->dev = (int)j;
			s->src = WL_BUF_BASE + 2 * j * run->span;
			s->dst = s->src + run->span;
			ret = machine_bind(run->m, s->dev, p->proc, &s->pasid, why, whylen);
			if (ret < 0)
				return ret;
			s->queue = machine_queue_add(run->m, s->dev, why, whylen);
			if (s->queue < 0)
				return s->queue;
		}
		p->race = p->slot[0];
		p->race.queue = machine_queue_add(run->m, p->race.dev, why, whylen);
		if (p->race.queue < 0)
			return p->race.queue;
	}
	return 0;
}

/* ---- Running and collecting ------------------------------------------------------ */

static void merge(struct wl_result *to, const struct wl_result *from)
{
	to->copies += from->copies;
	to->dma_ops += from->dma_ops;
	to->dma_bytes += from->dma_bytes;
	to->cpu_checks += from->cpu_checks;
	to->remaps += from->remaps;
	to->mmaps += from->mmaps;
	to->munmaps += from->munmaps;
	to->mprotects += from->mprotects;
	to->expected_faults += from->expected_faults;
	to->races += from->races;
	to->race_faults += from->race_faults;
	to->unexpected_faults += from->unexpected_faults;
	to->unexpected_successes += from->unexpected_successes;
	to->mismatches += from->mismatches;
	to->errors += from->errors;
	if (!to->first_problem[0])
		memcpy(to->first_problem, from->first_problem, sizeof(to->first_problem));
}

static uint64_t counter(struct machine *m, const char *name)
{
	uint64_t v = 0;

	return machine_counter(m, name, &v) ? 0 : v;
}

/* What the hardware and the software counted during the run. */
static void collect(struct machine *m, struct wl_result *res)
{
	struct fault_latency_summary lat;
	unsigned int i;

	for (i = 0; i < WL_NR_OPCODES; i++)
		if (wl_command_name(i))
			res->commands[i] = counter(m, wl_command_name(i));
	for (i = 0; i < WL_NR_EVENTS; i++)
		if (wl_event_name(i))
			res->events[i] = counter(m, wl_event_name(i));
	res->translations = counter(m, "translations");
	res->atc_hits = counter(m, "atc_hits");
	res->smmu_transactions = counter(m, smmu_pmcg_event_name(SMMU_PMCG_TRANSACTION));
	res->tlb_misses = counter(m, smmu_pmcg_event_name(SMMU_PMCG_TLB_MISS));
	res->page_requests = counter(m, "page_requests");
	res->stalls = counter(m, "stalls");
	machine_fault_latency(m, &lat);
	res->iopf_latency = (struct wl_latency){
		.count = lat.count, .p50_ns = lat.p50_ns, .p99_ns = lat.p99_ns,
		.max_ns = lat.max_ns, .untimed = lat.untimed,
	};
}

/* Wait for the deadline (or every thread gone), reporting progress. */
static void wait_run(struct wl_run *run, double start)
{
	const struct wl_config *cfg = run->cfg;
	struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	double t;

	while ((t = now_s() - start) < cfg->duration &&
	       __atomic_load_n(&run->alive, __ATOMIC_ACQUIRE)) {
		if (cfg->progress)
			cfg->progress(cfg->progress_ctx, t / cfg->duration);
		nanosleep(&tick, NULL);
	}
	if (cfg->progress)
		cfg->progress(cfg->progress_ctx, 1.0);
}

static int start_threads(struct wl_run *run, char *why, size_t whylen)
{
	unsigned int i;
	int ret;

	for (i = 0; i < run->cfg->processes; i++) {
		struct wl_proc *p = &run->procs[i];

		__atomic_fetch_add(&run->alive, 1, __ATOMIC_ACQ_REL);
		ret = pthread_create(&p->thread, NULL, proc_thread, p);
		if (ret) {
			__atomic_fetch_sub(&run->alive, 1, __ATOMIC_ACQ_REL);
			snprintf(why, whylen, "cannot start a process thread: %s", strerror(ret));
			return -ret;
		}
		p->started = true;
	}
	return 0;
}

static void stop_threads(struct wl_run *run)
{
	unsigned int i;

	__atomic_store_n(&run->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < run->cfg->processes; i++)
		if (run->procs[i].started)
			pthread_join(run->procs[i].thread, NULL);
}

int wl_run(const struct wl_config *cfg, struct wl_result *res, char *why, size_t whylen)
{
	struct wl_run *run;
	unsigned int i;
	double start;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = check_config(cfg, why, whylen);
	if (ret)
		return ret;
	run = calloc(1, sizeof(*run));
	if (!run) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	run->cfg = cfg;
	run->page = 1ULL << cfg->page_shift;
	/* A buffer and an unmapped guard gap: an overrun faults instead of passing. */
	run->span = (cfg->size + run->page - 1) / run->page * run->page + run->page;
	ret = build(run, why, whylen);
	if (ret)
		goto out;
	/* Figures are for the run, not for booting and binding. */
	machine_reset_counters(run->m);
	start = now_s();
	ret = start_threads(run, why, whylen);
	if (!ret)
		wait_run(run, start);
	stop_threads(run);
	res->seconds = now_s() - start;
	for (i = 0; i < cfg->processes; i++)
		merge(res, &run->procs[i].res);
	collect(run->m, res);
out:
	machine_destroy(run->m);
	free(run);
	return ret;
}
