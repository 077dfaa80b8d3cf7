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
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "hw/smmu/cmd.h"
#include "hw/smmu/event.h"
#include "os/mm/asid.h"
#include "os/arm-smmu-v3/sva.h"
#include "sim/machine_internal.h"

void machine_say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* ---- The hardware log (-v) and event counts: the SMMU's trace hook ------- */


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
	machine_trace_record(m, kind, raw, n);
	if (!m->log)
		return;
	switch (kind) {
	case SMMU_TRACE_CMD:
		name = smmuv3_cmd_name((unsigned int)FIELD_GET(CMD_0_OP, raw[0]));
		snprintf(head, sizeof(head), "cmd %s", name ? name : "CMD_RESERVED");
		break;
	case SMMU_TRACE_EVT:
		name = smmuv3_event_name((unsigned int)FIELD_GET(EVT_0_ID, raw[0]));
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
	/* PRI rides on ATS (IDR0.PRI needs IDR0.ATS): ats=off takes PRI with it. */
	sc->pri = c->pri && c->ats;
	sc->stall_model = c->stall ? SMMU_STALL_MODEL_STALL : SMMU_STALL_MODEL_TERM;
	sc->stall_max = MACHINE_STALL_MAX;
	sc->ril = c->ril;
	/* Range invalidation is mandatory from SMMUv3.2 on: without it, an SMMUv3.1. */
	if (!c->ril && sc->arch_minor > 1)
		sc->arch_minor = 1;
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
		.nr_cpus = m->cfg.cpus, .tlb_entries = MACHINE_CPU_TLB,
		.asid_bits = m->cfg.cpu_asid_bits,
		.pa_bits = MACHINE_CPU_PA_BITS, .hafdbs = true,
		/* e2h selects the CPUs' regime; the software reads it back from them. */
		.vhe = m->cfg.e2h,
	};
	struct smmu_config sc;
	int ret;

	ret = phys_mem_init(&m->mem, MACHINE_RAM_BASE, MACHINE_RAM_SIZE);
	if (ret) {
		machine_say(why, whylen, "cannot reserve %llu MiB of RAM",
		    (unsigned long long)(MACHINE_RAM_SIZE >> 20));
		return ret;
	}
	m->cpus = cpu_cluster_create(&ccfg, &m->mem.bus);
	if (!m->cpus) {
		machine_say(why, whylen, "cannot create %u CPUs", m->cfg.cpus);
		return -ENOMEM;
	}
	smmu_config_from(&m->cfg, &sc);
	if (smmu_config_check(&sc)) {
		machine_say(why, whylen, "the smmu settings describe no legal SMMUv3");
		return -EINVAL;
	}
	m->smmu = smmu_create(&sc, &m->mem.bus);
	if (!m->smmu) {
		machine_say(why, whylen, "cannot create the SMMU");
		return -ENOMEM;
	}
	smmu_set_trace(m->smmu, smmu_trace, m);
	/* The model's messages join the software's, in the process-wide log. */
	smmu_set_log(m->smmu, sva_log_forward, NULL);
	/* Only an SMMU with BTM takes part in the CPUs' DVM broadcasts. */
	if (!sc.btm)
		return 0;
	m->smmu_dvm = smmu_dvm_listener(m->smmu);
	m->dvm = (struct dvm_listener){
		.tlbi = machine_dvm_tlbi, .sync = machine_dvm_sync, .ctx = m,
	};
	ret = cpu_cluster_add_dvm_listener(m->cpus, &m->dvm);
	if (ret)
		machine_say(why, whylen, "cannot connect the SMMU to the DVM network");
	return ret;
}

/* ---- Booting the software ------------------------------------------------ */

static void machine_pasid_drop(void *ctx, struct mm *mm)
{
	iommu_sva_mm_free(ctx, mm);
}

static int boot_software(struct machine *m, char *why, size_t whylen)
{
	struct mm_system_cfg mcfg = { 0 };
	struct arm_smmu_probe_opts popts = {
		.vhe = cpu_cluster_is_vhe(m->cpus),
		/* Only shared CPU ASIDs rely on broadcast TLBIs (CR2.PTM = 0). */
		.broadcast_tlbi = !m->cfg.sva_asid_private,
	};
	struct mmio_region mmio = smmu_mmio_region(m->smmu);
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
		machine_say(why, whylen, "cannot set up the frame allocator");
		return -ENOMEM;
	}
	m->asids = asid_allocator_create(m->cfg.cpu_asid_bits, m->cpus);
	if (!m->asids) {
		machine_say(why, whylen, "cannot set up the ASID allocator");
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
		machine_say(why, whylen, "cannot start the memory manager: %s", strerror(-ret));
		return ret;
	}
	m->mm_ready = true;
	mm_install_fault_handler(&m->mm);
	ret = iommu_core_init(&m->iommu, IOMMU_PASID_BITS, m->cfg.iopf_workers);
	if (ret) {
		machine_say(why, whylen, "cannot start the IOMMU core");
		return ret;
	}
	m->iommu_ready = true;

	/* Interrupt handler threads exist before the driver enables interrupts. */
	for (i = 0; i < NR_MACHINE_IRQS; i++) {
		ret = irq_thread_start(&m->irq[i], handlers[i], NULL);
		if (ret) {
			machine_say(why, whylen, "cannot start interrupt threads");
			return ret;
		}
	}
	m->drv = arm_smmu_device_probe(&mmio, m->frames, &popts, &err);
	if (!m->drv) {
		machine_say(why, whylen, "arm-smmu-v3: probe failed: %s", strerror(-err));
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
		machine_say(why, whylen, "arm-smmu-v3: SVA init failed: %s", strerror(-ret));
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
		machine_say(why, whylen, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	fault_latency_init(&m->flat);
	if (machine_procs_init(m) || machine_handles_init(m)) {
		machine_say(why, whylen, "out of memory");
		machine_destroy(m);
		return NULL;
	}
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

void machine_destroy(struct machine *m)
{
	unsigned int i;

	if (!m)
		return;
	machine_handles_fini(m);
	machine_procs_fini(m);
	for (i = 0; i < m->nr_devs; i++)
		machine_device_remove(m, m->devs[i]);
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
		/* CMD_CFGI_ALL is CMD_CFGI_STE_RANGE with Range 31: one opcode (§4.3.3). */
		if (!strcmp(name, "CMD_CFGI_ALL")) {
			*val = smmu_cmd_count(m->smmu, CMD_OP_CFGI_ALL);
			return 0;
		}
		for (i = 0; i < CMD_OP_NR; i++) {
			const char *n = smmuv3_cmd_name(i);

			if (n && !strcmp(n, name)) {
				*val = smmu_cmd_count(m->smmu, i);
				return 0;
			}
		}
		return -ENOENT;
	}
	for (i = 0; i < 256; i++) {
		if (smmuv3_event_name(i) && !strcmp(smmuv3_event_name(i), name)) {
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
	if (!strcmp(name, "asid_rollovers")) {
		struct asid_stats as;

		asid_get_stats(m->asids, &as);
		*val = as.rollovers;
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
		"iopf_failure", "translations", "atc_hits", "asid_rollovers",
	};
	unsigned int i;

	machine_settle(m);
	fault_latency_reset(&m->flat);
	m->nr_base = 0;
	for (i = 0; i < CMD_OP_NR; i++)
		if (smmuv3_cmd_name(i))
			base_record(m, smmuv3_cmd_name(i));
	for (i = 0; i < 256; i++)
		if (smmuv3_event_name(i))
			base_record(m, smmuv3_event_name(i));
	for (i = 0; i < SMMU_PMCG_NR_EVENTS; i++)
		base_record(m, smmu_pmcg_event_name(i));
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		base_record(m, others[i]);
}

void machine_fault_latency(struct machine *m, struct fault_latency_summary *s)
{
	machine_settle(m);
	fault_latency_get(&m->flat, s);
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
	l->cpu_asid_bits = m->cfg.cpu_asid_bits;
	l->cpu_pa_bits = MACHINE_CPU_PA_BITS;
	l->smmu_tlb_entries = m->cfg.tlb;
	l->page_shift = m->cfg.page_shift;
	l->stall_max = MACHINE_STALL_MAX;
	/* Ids are never reused: the only bound on creations over a machine's life. */
	l->max_procs = INT_MAX;
	l->max_devs = MACHINE_MAX_DEVS;
	l->max_handles = INT_MAX;
}
