// SPDX-License-Identifier: GPL-2.0
/*
 * SVA in the arm-smmu-v3 driver: support checks, IOPF/SVA features of a
 * master, bind/unbind of (master, mm), the shared context descriptor, ASID
 * sharing or private ASIDs, the MMU notifier that keeps the SMMU TLB and the
 * devices' ATCs in step with the process's page tables, and the release of
 * an address space that exits while bound. See sva.h for the shape and the
 * locking.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/vmsa.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "os/arm-smmu-v3/sva.h"
#include "os/lib/hashtable.h"
#include "os/mm/mm.h"
#include "os/pci/pci.h"

/* PRI credits given to a function whose PRI the driver enables itself. */
#define ARM_SMMU_SVA_PRI_REQS		32

/* Unbind's bounded waits for the fault queues: 50 us polls, 10 s at most. */
#define ARM_SMMU_SVA_FLUSH_POLL_US	50
#define ARM_SMMU_SVA_FLUSH_WAITS	200000
#define ARM_SMMU_SVA_FLUSH_KICK		200	/* polls without progress: consume here */

struct arm_smmu_sva;

/* The SVA context of one mm on one SMMU: ASID, MMU notifier, bonds. */
struct arm_smmu_sva_domain {
	struct arm_smmu_domain domain;	/* type SVA: what the ASID map points at */
	struct mmu_notifier mn;
	struct arm_smmu_sva *sva;
	struct mm *mm;			/* mmgrab()ed until the domain is freed */
	unsigned int refs;		/* bonds, under sva->lock */
	bool asid_mapped;		/* the driver's ASID map points here */
	pthread_mutex_t lock;		/* bonds, cleared */
	struct arm_smmu_bond *bonds;
	bool cleared;			/* released: CDs quiet, mm gone */
	struct htable_node node;	/* sva->domains by mm, under sva->lock */
};

/* A bond between a master and an mm (Linux's struct arm_smmu_bond). */
struct arm_smmu_bond {
	struct iommu_sva sva;
	struct arm_smmu_master *master;
	struct arm_smmu_sva_domain *sdom;
	struct mm *mm;			/* mmgrab()ed until the bond is freed */
	uint32_t pasid;
	unsigned int refs;		/* binds of the same pair, under sva->lock */
	bool dying;			/* unbinding: faults refused, under bonds_lock */
	struct arm_smmu_bond *dom_next;	/* sdom->bonds, under sdom->lock */
	struct htable_node node;	/* sva->bonds by (master, PASID), under bonds_lock */
};

/* Per-SMMU SVA state. */
struct arm_smmu_sva {
	struct arm_smmu_device *smmu;
	struct mm_system *cpu;
	enum arm_smmu_sva_asid_mode asid_mode;
	pthread_mutex_t lock;		/* bind/unbind, domains */
	struct htable domains;		/* SVA domains by mm */
	pthread_mutex_t bonds_lock;	/* bonds (read by the fault path) */
	struct htable bonds;		/* bonds by (master, PASID): one PASID per mm */
	unsigned int reports_inflight;	/* atomic: faults being passed to the core */
	struct arm_smmu_sva_stats stats;	/* atomic counters */
	struct arm_smmu_sva *next;	/* registry */
};

/*
 * struct arm_smmu_device has no slot for SVA state, so the SMMUs with SVA
 * enabled are found in a short registry (one entry per SMMU instance).
 */
static pthread_mutex_t sva_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct arm_smmu_sva *sva_registry;

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static void stat_add(uint64_t *ctr, int64_t n)
{
	__atomic_fetch_add(ctr, (uint64_t)n, __ATOMIC_RELAXED);
}

static struct arm_smmu_sva *sva_lookup(struct arm_smmu_device *smmu)
{
	struct arm_smmu_sva *sva;

	pthread_mutex_lock(&sva_registry_lock);
	for (sva = sva_registry; sva; sva = sva->next)
		if (sva->smmu == smmu)
			break;
	pthread_mutex_unlock(&sva_registry_lock);
	return sva;
}

/* Say which check refused a bind (the why string of iommu_ops.sva_bind). */
__attribute__((format(printf, 3, 4)))
static int why_fail(char *why, unsigned int whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EOPNOTSUPP;
}

/* ---- Support checks ------------------------------------------------------- */

static unsigned int cpu_asid_bits(struct mm_system *cpu)
{
	struct asid_stats st;

	if (!cpu->asids)
		return 0;
	asid_get_stats(cpu->asids, &st);
	return st.asid_bits;
}

/*
 * The SMMU must walk the CPU's page tables as the CPU does (Linux's
 * arm_smmu_sva_supported): coherently, with the CPU's granule, reaching
 * every PA the CPU can map, holding every ASID the CPU can use. BTM is not
 * required: without it the driver invalidates explicitly.
 */
static int check_smmu(struct arm_smmu_sva *sva, char *why, unsigned int whylen)
{
	struct arm_smmu_device *smmu = sva->smmu;
	struct mm_system *cpu = sva->cpu;

	if (!(smmu->features & ARM_SMMU_FEAT_TRANS_S1))
		return why_fail(why, whylen, "SMMU has no stage 1");
	if (!(smmu->features & ARM_SMMU_FEAT_COHERENCY))
		return why_fail(why, whylen, "SMMU table walks are not coherent");
	if (smmu->oas < cpu->pa_bits)
		return why_fail(why, whylen, "SMMU OAS (%u bits) is below the CPU PA size (%u bits)",
				smmu->oas, cpu->pa_bits);
	if (smmu->asid_bits < cpu_asid_bits(cpu))
		return why_fail(why, whylen, "SMMU ASIDs (%u bits) are narrower than the CPU's (%u bits)",
				smmu->asid_bits, cpu_asid_bits(cpu));
	if (!(smmu->pgsize_bitmap & (1ull << cpu->page_shift)))
		return why_fail(why, whylen, "SMMU lacks the CPU granule (%u KB)",
				1u << (cpu->page_shift - 10));
	return 0;
}

int arm_smmu_sva_supported(struct arm_smmu_device *smmu, char *why, unsigned int whylen)
{
	struct arm_smmu_sva *sva = sva_lookup(smmu);

	if (!sva)
		return why_fail(why, whylen, "SVA is not initialised on this SMMU");
	return check_smmu(sva, why, whylen);
}

int arm_smmu_master_iopf_supported(struct arm_smmu_master *master, char *why,
				   unsigned int whylen)
{
	if (master->pri_enabled || master->stall_enabled)
		return 0;
	if (master->pdev)
		return why_fail(why, whylen, "device has no I/O page faults: PRI is not enabled");
	return why_fail(why, whylen, "device has no I/O page faults: it cannot stall");
}

/* SSID bits usable for PASIDs on @master (the device's and the SMMU's). */
static unsigned int master_pasid_bits(const struct arm_smmu_master *master)
{
	unsigned int bits = master->ssid_bits;

	if (bits > master->smmu->ssid_bits)
		bits = master->smmu->ssid_bits;
	return bits;
}

int arm_smmu_master_sva_supported(struct arm_smmu_master *master, char *why,
				  unsigned int whylen)
{
	if (!master_pasid_bits(master))
		return why_fail(why, whylen, "device has no PASIDs (SSID bits = 0)");
	if (master->pdev && !master->pasid_enabled)
		return why_fail(why, whylen, "PASID is not enabled on the PCIe function");
	return arm_smmu_master_iopf_supported(master, why, whylen);
}

/* ---- The shared context descriptor -------------------------------------- */

static uint8_t granule_to_tg0(unsigned int page_shift)
{
	switch (page_shift) {
	case 16:
		return CD_TG0_64K;
	case 14:
		return CD_TG0_16K;
	default:
		return CD_TG0_4K;
	}
}

/*
 * Stage-1 parameters of @mm as the CPU uses them (TCR_EL1 for user space):
 * T0SZ 16, the CPU granule, write-back write-allocate inner shareable walks,
 * IPS = the CPU PA size capped by the SMMU's OAS (same 3-bit encoding).
 */
static void mm_s1_cfg(struct arm_smmu_sva *sva, struct mm *mm, struct arm_smmu_s1_cfg *cfg)
{
	unsigned int ips = vmsa_bits_to_ips(sva->cpu->pa_bits);
	unsigned int oas = FIELD_GET(SMMU_IDR5_OAS, sva->smmu->idr[5]);

	memset(cfg, 0, sizeof(*cfg));
	cfg->ttbr = mm->pgt.root;
	cfg->tsz = MM_T0SZ;
	cfg->tg = granule_to_tg0(sva->cpu->page_shift);
	cfg->ips = (uint8_t)(ips < oas ? ips : oas);
	cfg->irgn = VMSA_RGN_WBWA;
	cfg->orgn = VMSA_RGN_WBWA;
	cfg->sh = VMSA_SH_INNER;
	cfg->mair = VMSA_MAIR_LINUX;
}

/* The CD of @sdom for @master: live, or released (quiet: EPD0, no walk). */
static void make_cd(struct arm_smmu_sva_domain *sdom, struct arm_smmu_master *master,
		    bool released, struct arm_smmu_cd *cd)
{
	arm_smmu_make_sva_cd(cd, master, released ? NULL : &sdom->domain.s1,
			     arm_smmu_domain_asid(&sdom->domain));
	/*
	 * A private ASID lives in the SMMU's own set (ASET = 1, §3.17): the
	 * CPUs' broadcast TLBIs by ASID or VA for the same value leave it alone.
	 */
	if (sdom->sva->asid_mode == ARM_SMMU_SVA_ASID_PRIVATE)
		cd->data[0] |= CD_0_ASET;
}

static int write_cd(struct arm_smmu_sva_domain *sdom, struct arm_smmu_master *master,
		    uint32_t pasid, bool released)
{
	struct arm_smmu_cd cd;
	unsigned int had_pasids;
	uint64_t *cdptr;
	int ret = 0;

	make_cd(sdom, master, released, &cd);
	pthread_mutex_lock(&master->lock);
	had_pasids = master->cd_table.used_ssids;
	cdptr = released ? arm_smmu_get_cd_ptr(master, pasid) : arm_smmu_alloc_cd_ptr(master, pasid);
	if (cdptr)
		arm_smmu_write_cd_entry(master, pasid, cdptr, &cd);
	else
		ret = -ENOMEM;
	/* The first PASID CD: the STE must now point at the CD table (and allow ATS). */
	if (!ret && !had_pasids && master->cd_table.used_ssids) {
		ret = arm_smmu_master_update_ste(master);
		if (ret)
			arm_smmu_clear_cd(master, pasid);
	}
	pthread_mutex_unlock(&master->lock);
	return ret;
}

/* Clear the CD of @pasid (CFGI_CD + CMD_SYNC); the last one also updates the STE. */
static void clear_cd(struct arm_smmu_master *master, uint32_t pasid)
{
	pthread_mutex_lock(&master->lock);
	arm_smmu_clear_cd(master, pasid);
	if (!master->cd_table.used_ssids)
		arm_smmu_master_update_ste(master);
	pthread_mutex_unlock(&master->lock);
}

/* ---- Invalidation ---------------------------------------------------------- */

/*
 * ATC invalidation of [start, start + size) (size 0: everything) for @pasid
 * on every ATS master bound in @sdom, then CMD_SYNC. Called with sdom->lock.
 */
static void sva_atc_inv(struct arm_smmu_sva_domain *sdom, uint64_t start, uint64_t size)
{
	struct arm_smmu_device *smmu = sdom->sva->smmu;
	struct arm_smmu_cmdq_batch batch = { .num = 0 };
	struct arm_smmu_cmdq_ent cmd;
	struct arm_smmu_bond *bond;
	unsigned int i;

	for (bond = sdom->bonds; bond; bond = bond->dom_next) {
		if (!__atomic_load_n(&bond->master->ats_enabled, __ATOMIC_ACQUIRE))
			continue;
		arm_smmu_atc_inv_to_cmd(true, bond->pasid, start, size, &cmd);
		for (i = 0; i < bond->master->num_streams; i++) {
			cmd.atc.sid = bond->master->streams[i].id;
			arm_smmu_cmdq_batch_add(smmu, &batch, &cmd);
		}
	}
	if (batch.num)
		arm_smmu_cmdq_batch_submit(smmu, &batch);
}

/*
 * Does broadcast TLB maintenance from the CPUs already clean our TLB
 * entries? Only for the CPU's own ASID in the shared set (CD.ASET = 0), and
 * only when the SMMU takes part (IDR0.BTM with CR2.PTM = 0, which probe
 * sets only when asked to: ARM_SMMU_OPT_BROADCAST_TLBI): SMMUv3 §3.17.
 */
static bool btm_covers(struct arm_smmu_sva *sva)
{
	return sva->asid_mode == ARM_SMMU_SVA_ASID_SHARED &&
	       (sva->smmu->options & ARM_SMMU_OPT_BROADCAST_TLBI) && sva->cpu->cpus;
}

/*
 * Is [start, end) better invalidated as a whole (TLBI by ASID, ATC_INV of
 * everything)? Linux's rule: without range invalidation, from
 * CMDQ_MAX_TLBI_OPS pages on; with it, only for the whole address space.
 */
static bool sva_inv_whole(const struct arm_smmu_sva *sva, uint64_t start, uint64_t end)
{
	unsigned int page_shift = sva->cpu->page_shift;

	if (end == UINT64_MAX)
		return true;
	if (sva->smmu->features & ARM_SMMU_FEAT_RANGE_INV)
		return false;
	return (end - start) >> page_shift >= ARM_SMMU_CMDQ_MAX_TLBI_OPS(page_shift);
}

/*
 * The mm changed [start, end) and flushed the CPUs (TLBI + DSB); before it
 * frees anything, drop every SMMU TLB and ATC entry for the range. The TLB
 * invalidation covers tables too (leaf = false): unmap may free them.
 */
static void sva_mn_invalidate_range(struct mmu_notifier *mn, struct mm *mm, uint64_t start,
				    uint64_t end)
{
	struct arm_smmu_sva_domain *sdom = container_of(mn, struct arm_smmu_sva_domain, mn);
	struct arm_smmu_sva *sva = sdom->sva;
	uint64_t page = 1ull << sva->cpu->page_shift;
	uint64_t size = end - start;
	bool whole = sva_inv_whole(sva, start, end);

	(void)mm;
	stat_add(&sva->stats.invalidations, 1);
	pthread_mutex_lock(&sdom->lock);
	if (!sdom->bonds || sdom->cleared)
		goto out_unlock;
	if (btm_covers(sva))
		stat_add(&sva->stats.tlbi_skipped, 1);
	else if (whole)
		arm_smmu_tlb_inv_asid(sva->smmu, arm_smmu_domain_asid(&sdom->domain));
	else
		arm_smmu_tlb_inv_range_asid(sva->smmu, start, size, page, false,
					    arm_smmu_domain_asid(&sdom->domain));
	if (whole)
		sva_atc_inv(sdom, 0, 0);
	else
		sva_atc_inv(sdom, start, size);
out_unlock:
	pthread_mutex_unlock(&sdom->lock);
}

/*
 * The process exits while devices are bound: its page tables are about to
 * be torn down. Keep each CD valid (no C_BAD_CD flood) but quiet: EPD0 = 1,
 * so DMA is aborted without a walk and, unless stalls are forced, without a
 * fault record (Linux 5.11's quiet_cd). The bonds stay until unbind.
 */
static void sva_mn_release(struct mmu_notifier *mn, struct mm *mm)
{
	struct arm_smmu_sva_domain *sdom = container_of(mn, struct arm_smmu_sva_domain, mn);
	struct arm_smmu_bond *bond;

	(void)mm;
	pthread_mutex_lock(&sdom->lock);
	if (sdom->cleared)
		goto out_unlock;
	for (bond = sdom->bonds; bond; bond = bond->dom_next)
		write_cd(sdom, bond->master, bond->pasid, true);
	arm_smmu_tlb_inv_asid(sdom->sva->smmu, arm_smmu_domain_asid(&sdom->domain));
	sva_atc_inv(sdom, 0, 0);
	sdom->cleared = true;
	stat_add(&sdom->sva->stats.releases, 1);
out_unlock:
	pthread_mutex_unlock(&sdom->lock);
}

static const struct mmu_notifier_ops sva_mn_ops = {
	.invalidate_range = sva_mn_invalidate_range,
	.release = sva_mn_release,
};

/* ---- ASIDs ------------------------------------------------------------------ */

/* Snapshot the masters of a paging domain (its lock is not held afterwards). */
static struct arm_smmu_master **domain_masters(struct arm_smmu_domain *dom, unsigned int *n)
{
	struct arm_smmu_master **masters;

	pthread_mutex_lock(&dom->lock);
	*n = dom->nr_masters;
	masters = calloc(*n ? *n : 1, sizeof(*masters));
	if (masters && *n)
		memcpy(masters, dom->masters, *n * sizeof(*masters));
	pthread_mutex_unlock(&dom->lock);
	return masters;
}

/*
 * A private domain holds the CPU ASID @asid: give it a fresh one, rewrite
 * its CDs (CFGI_CD + CMD_SYNC), then invalidate the old ASID (+ CMD_SYNC):
 * the ASID swap of SMMUv3 §3.17, as Linux's arm_smmu_share_asid(). A
 * concurrent unmap of the domain may already target the new ASID before
 * its CDs use it; the invalidation of the old ASID below covers that.
 */
static int seize_asid(struct arm_smmu_sva *sva, struct arm_smmu_domain *owner, uint16_t asid)
{
	struct arm_smmu_device *smmu = sva->smmu;
	struct arm_smmu_master **masters;
	struct arm_smmu_cd cd;
	unsigned int i, n;
	uint64_t *cdptr;
	int new;

	if (owner->type != ARM_SMMU_DOMAIN_PAGING)
		return -EBUSY;
	masters = domain_masters(owner, &n);
	if (!masters)
		return -ENOMEM;
	new = arm_smmu_asid_alloc(smmu, owner);
	if (new < 0) {
		free(masters);
		return new;
	}
	__atomic_store_n(&owner->asid, (uint16_t)new, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&masters[i]->lock);
		cdptr = arm_smmu_get_cd_ptr(masters[i], 0);
		if (cdptr && masters[i]->domain == owner) {
			arm_smmu_make_s1_cd(&cd, masters[i], &owner->s1, (uint16_t)new);
			arm_smmu_write_cd_entry(masters[i], 0, cdptr, &cd);
		}
		pthread_mutex_unlock(&masters[i]->lock);
	}
	free(masters);
	arm_smmu_tlb_inv_asid(smmu, asid);
	arm_smmu_asid_erase(smmu, asid);
	stat_add(&sva->stats.asids_seized, 1);
	return 0;
}

/* Claim @asid in the driver's map for @sdom, seizing it from a private domain. */
static int claim_cpu_asid(struct arm_smmu_sva *sva, struct arm_smmu_sva_domain *sdom,
			  uint16_t asid)
{
	struct arm_smmu_domain *owner;
	unsigned int tries;
	int ret;

	/* Bounded: the slot can only be taken again by a racing domain allocation. */
	for (tries = 0; tries < 8; tries++) {
		ret = arm_smmu_asid_insert(sva->smmu, asid, &sdom->domain);
		if (ret != -EBUSY)
			return ret;
		owner = arm_smmu_asid_load(sva->smmu, asid);
		if (!owner)
			continue;	/* freed meanwhile */
		ret = seize_asid(sva, owner, asid);
		if (ret)
			return ret;
	}
	return -EBUSY;
}

static int domain_asid_get(struct arm_smmu_sva *sva, struct arm_smmu_sva_domain *sdom,
			   char *why, unsigned int whylen)
{
	uint16_t asid;
	int ret;

	if (sva->asid_mode == ARM_SMMU_SVA_ASID_PRIVATE) {
		ret = arm_smmu_asid_alloc(sva->smmu, &sdom->domain);
		if (ret < 0) {
			why_fail(why, whylen, "no free SMMU ASID");
			return -ENOSPC;
		}
		sdom->domain.asid = (uint16_t)ret;
		sdom->asid_mapped = true;
		return 0;
	}
	/* The CPU ASID must not change while the SMMU uses it: pin it. */
	asid = mm_context_get(sva->cpu->asids, &sdom->mm->context);
	if (!asid) {
		why_fail(why, whylen, "pinned ASID limit reached");
		return -ENOSPC;
	}
	ret = claim_cpu_asid(sva, sdom, asid);
	if (ret) {
		mm_context_put(sva->cpu->asids, &sdom->mm->context);
		why_fail(why, whylen, "CPU ASID %u cannot be claimed in the SMMU (%d)", asid, ret);
		return ret;
	}
	sdom->domain.asid = asid;
	sdom->asid_mapped = true;
	return 0;
}

static void domain_asid_put(struct arm_smmu_sva *sva, struct arm_smmu_sva_domain *sdom)
{
	/* No TLB entry of the ASID may outlive our claim on it. */
	arm_smmu_tlb_inv_asid(sva->smmu, arm_smmu_domain_asid(&sdom->domain));
	if (sdom->asid_mapped &&
	    arm_smmu_asid_load(sva->smmu, arm_smmu_domain_asid(&sdom->domain)) == &sdom->domain)
		arm_smmu_asid_erase(sva->smmu, arm_smmu_domain_asid(&sdom->domain));
	sdom->asid_mapped = false;
	if (sva->asid_mode == ARM_SMMU_SVA_ASID_SHARED)
		mm_context_put(sva->cpu->asids, &sdom->mm->context);
}

/* ---- SVA domains: one per (SMMU, mm) ---------------------------------------- */

static void domain_free(struct arm_smmu_sva_domain *sdom)
{
	pthread_mutex_destroy(&sdom->lock);
	pthread_mutex_destroy(&sdom->domain.lock);
	free(sdom);
}

static struct arm_smmu_sva_domain *domain_alloc(struct arm_smmu_sva *sva, struct mm *mm)
{
	struct arm_smmu_sva_domain *sdom = calloc(1, sizeof(*sdom));

	if (!sdom)
		return NULL;
	sdom->domain.smmu = sva->smmu;
	sdom->domain.type = ARM_SMMU_DOMAIN_SVA;
	sdom->domain.priv = sdom;
	pthread_mutex_init(&sdom->domain.lock, NULL);
	pthread_mutex_init(&sdom->lock, NULL);
	sdom->sva = sva;
	sdom->mm = mm;
	sdom->mn.ops = &sva_mn_ops;
	mm_s1_cfg(sva, mm, &sdom->domain.s1);
	return sdom;
}

/* The SVA domain of @mm, or NULL. Under sva->lock. */
static struct arm_smmu_sva_domain *domain_find(struct arm_smmu_sva *sva, struct mm *mm)
{
	struct htable_node *n;

	for (n = htable_first(&sva->domains, htable_ptr_key(mm)); n; n = htable_next(n)) {
		struct arm_smmu_sva_domain *sdom = htable_entry(n, struct arm_smmu_sva_domain, node);

		if (sdom->mm == mm)
			return sdom;
	}
	return NULL;
}

/* The SVA domain of @mm, created on first use, with one more reference. */
static struct arm_smmu_sva_domain *domain_get(struct arm_smmu_sva *sva, struct mm *mm,
					      int *err, char *why, unsigned int whylen)
{
	struct arm_smmu_sva_domain *sdom;
	int ret;

	sdom = domain_find(sva, mm);
	if (sdom) {
		sdom->refs++;
		return sdom;
	}
	sdom = domain_alloc(sva, mm);
	if (!sdom) {
		*err = -ENOMEM;
		return NULL;
	}
	mmgrab(mm);
	ret = domain_asid_get(sva, sdom, why, whylen);
	if (ret)
		goto err_free;
	ret = mmu_notifier_register(&sdom->mn, mm);
	if (ret)
		goto err_put_asid;
	sdom->refs = 1;
	htable_add(&sva->domains, &sdom->node, htable_ptr_key(mm));
	stat_add(&sva->stats.domains, 1);
	return sdom;

err_put_asid:
	domain_asid_put(sva, sdom);
err_free:
	mmdrop(mm);
	domain_free(sdom);
	*err = ret;
	return NULL;
}

/* Drop a reference; the last one unhooks the notifier and frees the ASID. */
static void domain_put(struct arm_smmu_sva *sva, struct arm_smmu_sva_domain *sdom)
{
	struct mm *mm = sdom->mm;

	if (--sdom->refs)
		return;
	htable_del(&sva->domains, &sdom->node);
	/* Waits for running callbacks; our own mmgrab keeps @mm alive. */
	mmu_notifier_unregister(&sdom->mn, mm);
	domain_asid_put(sva, sdom);
	mmdrop(mm);
	domain_free(sdom);
	stat_add(&sva->stats.domains, -1);
}

/* ---- Bind / unbind ---------------------------------------------------------- */

static uint64_t bond_key(const struct arm_smmu_master *master, uint32_t pasid)
{
	return htable_mix((uint64_t)(uintptr_t)master, pasid);
}

/*
 * The live (not dying) bond of @master for @pasid, or NULL. Under
 * bonds_lock. A PASID belongs to one mm for as long as a bond holds it,
 * so (master, PASID) names a bond as well as (master, mm) does.
 */
static struct arm_smmu_bond *bond_lookup(struct arm_smmu_sva *sva,
					 const struct arm_smmu_master *master, uint32_t pasid)
{
	struct htable_node *n;

	for (n = htable_first(&sva->bonds, bond_key(master, pasid)); n; n = htable_next(n)) {
		struct arm_smmu_bond *bond = htable_entry(n, struct arm_smmu_bond, node);

		if (bond->master == master && bond->pasid == pasid && !bond->dying)
			return bond;
	}
	return NULL;
}

static struct arm_smmu_bond *find_bond(struct arm_smmu_sva *sva, struct arm_smmu_master *master,
				       struct mm *mm)
{
	uint32_t pasid = __atomic_load_n(&mm->pasid, __ATOMIC_ACQUIRE);
	struct arm_smmu_bond *bond = NULL;

	if (!pasid)
		return NULL;	/* never bound anywhere */
	pthread_mutex_lock(&sva->bonds_lock);
	bond = bond_lookup(sva, master, pasid);
	pthread_mutex_unlock(&sva->bonds_lock);
	return bond && bond->mm == mm ? bond : NULL;
}

static void bonds_link(struct arm_smmu_sva *sva, struct arm_smmu_bond *bond)
{
	pthread_mutex_lock(&sva->bonds_lock);
	htable_add(&sva->bonds, &bond->node, bond_key(bond->master, bond->pasid));
	pthread_mutex_unlock(&sva->bonds_lock);
}

static void bonds_unlink(struct arm_smmu_sva *sva, struct arm_smmu_bond *bond)
{
	pthread_mutex_lock(&sva->bonds_lock);
	htable_del(&sva->bonds, &bond->node);
	pthread_mutex_unlock(&sva->bonds_lock);
}

/*
 * Make the bond known to the fault path, then install its CD and make it
 * visible to invalidations: the first fault can only follow the CD, and
 * must find the bond.
 */
static int bond_install(struct arm_smmu_sva *sva, struct arm_smmu_bond *bond)
{
	struct arm_smmu_sva_domain *sdom = bond->sdom;
	int ret;

	bonds_link(sva, bond);
	pthread_mutex_lock(&sdom->lock);
	if (sdom->cleared) {
		ret = -ESRCH;	/* the mm exited meanwhile */
		goto out_unlock;
	}
	ret = write_cd(sdom, bond->master, bond->pasid, false);
	if (ret)
		goto out_unlock;
	bond->dom_next = sdom->bonds;
	sdom->bonds = bond;
out_unlock:
	pthread_mutex_unlock(&sdom->lock);
	if (ret)
		bonds_unlink(sva, bond);
	return ret;
}

static struct arm_smmu_bond *bond_alloc(struct arm_smmu_sva *sva, struct device *dev,
					struct arm_smmu_master *master, struct mm *mm,
					int *err, char *why, unsigned int whylen)
{
	uint32_t max = (1u << master_pasid_bits(master)) - 1;
	struct arm_smmu_bond *bond;
	int ret;

	bond = calloc(1, sizeof(*bond));
	if (!bond) {
		*err = -ENOMEM;
		return NULL;
	}
	/* PASID 0 is SSID 0, the non-PASID context: PASIDs start at 1. */
	ret = iommu_sva_get_pasid_for(dev->core, mm, 1, max);
	if (ret) {
		why_fail(why, whylen, "no PASID below 2^%u for this mm (%d)",
			 master_pasid_bits(master), ret);
		goto err_free;
	}
	bond->sva.dev = dev;
	bond->master = master;
	bond->mm = mm;
	bond->pasid = __atomic_load_n(&mm->pasid, __ATOMIC_ACQUIRE);
	bond->refs = 1;
	bond->sdom = domain_get(sva, mm, &ret, why, whylen);
	if (!bond->sdom)
		goto err_put_pasid;
	ret = bond_install(sva, bond);
	if (ret)
		goto err_put_domain;
	mmgrab(mm);
	return bond;

err_put_domain:
	domain_put(sva, bond->sdom);
err_put_pasid:
	iommu_sva_put_pasid(dev->core, mm);
err_free:
	free(bond);
	*err = ret;
	return NULL;
}

static struct iommu_sva *sva_bind(struct device *dev, struct mm *mm, int *err, char *why,
				  unsigned int whylen)
{
	struct arm_smmu_master *master = dev->iommu_priv;
	struct arm_smmu_sva *sva = sva_lookup(master->smmu);
	struct arm_smmu_bond *bond;
	int ret;

	if (!sva) {
		*err = why_fail(why, whylen, "SVA is not initialised on this SMMU");
		return NULL;
	}
	ret = check_smmu(sva, why, whylen);
	if (!ret)
		ret = arm_smmu_master_sva_supported(master, why, whylen);
	if (ret)
		goto err_refused;
	if (!mmget_not_zero(mm)) {
		why_fail(why, whylen, "the process is exiting");
		ret = -ESRCH;
		goto err_refused;
	}
	pthread_mutex_lock(&sva->lock);
	bond = find_bond(sva, master, mm);
	if (bond) {
		bond->refs++;
		stat_add(&sva->stats.rebinds, 1);
	} else {
		bond = bond_alloc(sva, dev, master, mm, &ret, why, whylen);
		if (bond) {
			stat_add(&sva->stats.binds, 1);
			stat_add(&sva->stats.bonds, 1);
		}
	}
	pthread_mutex_unlock(&sva->lock);
	mmput(mm);
	if (!bond)
		goto err_refused;
	*err = 0;
	return &bond->sva;

err_refused:
	stat_add(&sva->stats.refused, 1);
	*err = ret;
	return NULL;
}

/* Has the consumer index @cons passed the producer snapshot @prod? (§3.5.1) */
static bool queue_consumed(const struct arm_smmu_queue *q, uint32_t prod, uint32_t cons)
{
	if (arm_smmu_q_wrp(q, prod) == arm_smmu_q_wrp(q, cons))
		return arm_smmu_q_idx(q, cons) >= arm_smmu_q_idx(q, prod);
	return arm_smmu_q_idx(q, cons) <= arm_smmu_q_idx(q, prod);
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Wait until the driver has consumed every entry @q held when called (as
 * Linux's queue flush: a snapshot of PROD, not "until empty", so a device
 * that keeps faulting cannot hold unbind forever). The IRQ thread does the
 * consuming; if CONS does not move at all, run the handler here once.
 */
static void flush_queue(struct arm_smmu_sva *sva, struct arm_smmu_queue *q,
			void (*handler)(void *))
{
	struct mmio_region *mmio = &sva->smmu->mmio;
	uint32_t mask = (2u << q->log2) - 1;
	uint32_t prod = mmio_read32(mmio, q->prod_reg) & mask;
	uint32_t cons, last = ~0u;
	unsigned int idle = 0, waits;

	for (waits = 0; waits < ARM_SMMU_SVA_FLUSH_WAITS; waits++) {
		cons = mmio_read32(mmio, q->cons_reg) & mask;
		if (queue_consumed(q, prod, cons))
			return;
		idle = cons == last ? idle + 1 : 0;
		last = cons;
		if (idle == ARM_SMMU_SVA_FLUSH_KICK)
			handler(sva->smmu);
		sleep_us(ARM_SMMU_SVA_FLUSH_POLL_US);
	}
	dev_err(sva->smmu, "SVA unbind: fault queue not consumed, giving up");
}

/*
 * Wait until no fault of @bond's PASID is anywhere in the fault path. The
 * CD is quiet and new reports for the bond are refused; what remains was
 * already queued: in the event and PRI queues (flushed), inside a report
 * (waited for), or in the iopf queue (flushed). Partial page requests of
 * the PASID can never complete: dropped.
 */
static void drain_faults(struct arm_smmu_sva *sva, struct arm_smmu_bond *bond)
{
	struct device *dev = bond->sva.dev;
	unsigned int waits;

	flush_queue(sva, &sva->smmu->evtq, arm_smmu_evtq_irq);
	if (sva->smmu->features & ARM_SMMU_FEAT_PRI)
		flush_queue(sva, &sva->smmu->priq, arm_smmu_priq_irq);
	for (waits = 0; waits < ARM_SMMU_SVA_FLUSH_WAITS; waits++) {
		if (!__atomic_load_n(&sva->reports_inflight, __ATOMIC_ACQUIRE))
			break;
		sleep_us(ARM_SMMU_SVA_FLUSH_POLL_US);
	}
	if (!dev->iopf)
		return;
	iopf_queue_flush_dev(dev->iopf, true, bond->pasid);
	iopf_queue_discard_partial(dev->iopf, true, bond->pasid);
}

/*
 * Stop the bond's traffic in two steps. First the CD goes quiet (EPD0, no
 * recording, no stall: hitless from the live CD) and faults for the bond
 * are refused, so a device still issuing DMA cannot keep the fault path
 * busy while unbind drains it. Then, after the drain, the CD is cleared.
 */
static void bond_quiesce(struct arm_smmu_sva *sva, struct arm_smmu_bond *bond)
{
	struct arm_smmu_sva_domain *sdom = bond->sdom;

	pthread_mutex_lock(&sva->bonds_lock);
	bond->dying = true;
	pthread_mutex_unlock(&sva->bonds_lock);

	pthread_mutex_lock(&sdom->lock);
	if (!sdom->cleared)
		write_cd(sdom, bond->master, bond->pasid, true);
	pthread_mutex_unlock(&sdom->lock);
}

static void bond_unlink(struct arm_smmu_bond *bond)
{
	struct arm_smmu_sva_domain *sdom = bond->sdom;
	struct arm_smmu_bond **pp;

	pthread_mutex_lock(&sdom->lock);
	for (pp = &sdom->bonds; *pp; pp = &(*pp)->dom_next) {
		if (*pp == bond) {
			*pp = bond->dom_next;
			break;
		}
	}
	/* CFGI_CD + CMD_SYNC: nothing reaches the mm through this PASID after this. */
	clear_cd(bond->master, bond->pasid);
	pthread_mutex_unlock(&sdom->lock);
	if (__atomic_load_n(&bond->master->ats_enabled, __ATOMIC_ACQUIRE))
		arm_smmu_atc_inv_master(bond->master, true, bond->pasid);
}

static void bond_free(struct arm_smmu_sva *sva, struct arm_smmu_bond *bond)
{
	bonds_unlink(sva, bond);
	free(bond);
}

static void sva_unbind(struct iommu_sva *handle)
{
	struct arm_smmu_bond *bond = container_of(handle, struct arm_smmu_bond, sva);
	struct arm_smmu_sva *sva = sva_lookup(bond->master->smmu);
	struct mm *mm = bond->mm;

	pthread_mutex_lock(&sva->lock);
	if (--bond->refs) {
		pthread_mutex_unlock(&sva->lock);
		return;
	}
	bond_quiesce(sva, bond);
	drain_faults(sva, bond);
	bond_unlink(bond);
	iommu_sva_put_pasid(handle->dev->core, mm);
	domain_put(sva, bond->sdom);
	bond_free(sva, bond);
	stat_add(&sva->stats.unbinds, 1);
	stat_add(&sva->stats.bonds, -1);
	pthread_mutex_unlock(&sva->lock);
	mmdrop(mm);
}

static uint32_t sva_get_pasid(struct iommu_sva *handle)
{
	return container_of(handle, struct arm_smmu_bond, sva)->pasid;
}

/* ---- Features and faults ------------------------------------------------------ */

/* PRI for a PCIe function whose PRI nobody enabled yet (reset, then credits). */
static int master_enable_pri(struct arm_smmu_master *master)
{
	struct pci_dev *pdev = master->pdev;
	int ret;

	if (!pdev || !pdev->pri_cap || !(master->smmu->features & ARM_SMMU_FEAT_PRI))
		return -ENODEV;
	ret = pci_reset_pri(pdev);
	if (!ret)
		ret = pci_enable_pri(pdev, ARM_SMMU_SVA_PRI_REQS);
	if (ret)
		return ret;
	master->pri_enabled = true;
	return 0;
}

static int sva_dev_enable_feat(struct device *dev, enum iommu_dev_features feat)
{
	struct arm_smmu_master *master = dev->iommu_priv;
	struct arm_smmu_sva *sva = sva_lookup(master->smmu);
	int ret = 0;

	switch (feat) {
	case IOMMU_DEV_FEAT_IOPF:
		pthread_mutex_lock(&master->lock);
		if (!master->pri_enabled && !master->stall_enabled)
			ret = master_enable_pri(master);
		pthread_mutex_unlock(&master->lock);
		return ret ? -EINVAL : 0;
	case IOMMU_DEV_FEAT_SVA:
		if (!sva || check_smmu(sva, NULL, 0))
			return -ENODEV;
		return arm_smmu_master_sva_supported(master, NULL, 0) ? -EINVAL : 0;
	default:
		return -ENODEV;
	}
}

/* Any bond of @master, even a dying one? (A feature change, not a hot path: a walk.) */
static bool master_has_bonds(struct arm_smmu_sva *sva, struct arm_smmu_master *master)
{
	struct htable_node *n;

	pthread_mutex_lock(&sva->bonds_lock);
	for (n = htable_iter(&sva->bonds, NULL); n; n = htable_iter(&sva->bonds, n))
		if (htable_entry(n, struct arm_smmu_bond, node)->master == master)
			break;
	pthread_mutex_unlock(&sva->bonds_lock);
	return n;
}

static int sva_dev_disable_feat(struct device *dev, enum iommu_dev_features feat)
{
	struct arm_smmu_master *master = dev->iommu_priv;
	struct arm_smmu_sva *sva = sva_lookup(master->smmu);

	if (feat >= IOMMU_DEV_FEAT_NR)
		return -ENODEV;
	/* Bonds (even one being unbound) still need faults answered. */
	if (sva && master_has_bonds(sva, master))
		return -EBUSY;
	return 0;
}

static void sva_page_response(struct device *dev, const struct iommu_page_response *resp)
{
	arm_smmu_page_response(dev->iommu_priv, resp);
}

const struct iommu_ops arm_smmu_iommu_ops = {
	.domain_alloc_paging = arm_smmu_iommu_domain_alloc_paging,
	.domain_free = arm_smmu_iommu_domain_free,
	.attach_dev = arm_smmu_iommu_attach_dev,
	.attach_blocked = arm_smmu_iommu_attach_blocked,
	.map = arm_smmu_iommu_map,
	.unmap = arm_smmu_iommu_unmap,
	.iova_to_phys = arm_smmu_iommu_iova_to_phys,
	.dev_enable_feat = sva_dev_enable_feat,
	.dev_disable_feat = sva_dev_disable_feat,
	.sva_bind = sva_bind,
	.sva_unbind = sva_unbind,
	.sva_get_pasid = sva_get_pasid,
	.page_response = sva_page_response,
};

static bool pasid_bound(struct arm_smmu_sva *sva, struct arm_smmu_master *master, uint32_t pasid)
{
	bool bound;

	pthread_mutex_lock(&sva->bonds_lock);
	bound = bond_lookup(sva, master, pasid);
	pthread_mutex_unlock(&sva->bonds_lock);
	return bound;
}

/*
 * A stall or page request from the driver's IRQ handlers. Only a PASID the
 * device is bound to may be resolved: anything else is refused, and the
 * driver answers it (InvalidRequest / abort) — a device must not fault
 * pages into a process it was never given.
 */
static int sva_fault_report(void *ctx, struct arm_smmu_master *master,
			    const struct iommu_fault *fault)
{
	struct arm_smmu_sva *sva = ctx;
	struct device *dev = master->iopf_ctx;
	int ret = -EINVAL;

	/* Counted before the check: unbind waits for reports that passed it. */
	__atomic_fetch_add(&sva->reports_inflight, 1, __ATOMIC_SEQ_CST);
	if (dev && (fault->flags & IOMMU_FAULT_PASID_VALID) &&
	    pasid_bound(sva, master, fault->pasid))
		ret = iommu_report_device_fault(dev, fault);
	__atomic_fetch_sub(&sva->reports_inflight, 1, __ATOMIC_SEQ_CST);
	stat_add(ret ? &sva->stats.faults_refused : &sva->stats.faults_reported, 1);
	return ret;
}

/*
 * The PRI queue overflowed and the driver has read it up to where the SMMU
 * stopped writing. A group whose Last request is not among what was read
 * lost it to the overflow (the SMMU answered it with Success, and the
 * function will ask again): its partial requests can never complete and
 * are dropped (§8.1.1), before a later group reusing the PRG index would
 * gather them.
 */
static void sva_pri_overflow(void *ctx)
{
	struct arm_smmu_sva *sva = ctx;
	struct arm_smmu_bond *bond;
	struct htable_node *n;
	struct device *dev;

	/* Rare (an overflow): a walk of every bond is fine here. */
	pthread_mutex_lock(&sva->bonds_lock);
	for (n = htable_iter(&sva->bonds, NULL); n; n = htable_iter(&sva->bonds, n)) {
		bond = htable_entry(n, struct arm_smmu_bond, node);
		dev = bond->master->iopf_ctx;
		if (dev && dev->iopf)
			iopf_queue_discard_partial(dev->iopf, true, bond->pasid);
	}
	pthread_mutex_unlock(&sva->bonds_lock);
}

static const struct arm_smmu_fault_ops sva_fault_ops = {
	.report = sva_fault_report,
	.pri_overflow = sva_pri_overflow,
};

void arm_smmu_iommu_device_init(struct device *dev, struct iommu_core *core,
				struct arm_smmu_master *master)
{
	iommu_device_init(dev, core, master->name ? master->name : "master",
			  &arm_smmu_iommu_ops, master);
	master->iopf_ctx = dev;
}

/* ---- Setup ---------------------------------------------------------------------- */

int arm_smmu_sva_init(struct arm_smmu_device *smmu, const struct arm_smmu_sva_cfg *cfg)
{
	struct arm_smmu_sva *sva;

	if (!cfg || !cfg->cpu)
		return -EINVAL;
	if (cfg->asid_mode == ARM_SMMU_SVA_ASID_SHARED && !cfg->cpu->asids)
		return -EINVAL;
	if (sva_lookup(smmu))
		return -EEXIST;
	sva = calloc(1, sizeof(*sva));
	if (!sva)
		return -ENOMEM;
	sva->smmu = smmu;
	sva->cpu = cfg->cpu;
	sva->asid_mode = cfg->asid_mode;
	if (htable_init(&sva->domains, 6) || htable_init(&sva->bonds, 6)) {
		htable_fini(&sva->domains);
		free(sva);
		return -ENOMEM;
	}
	pthread_mutex_init(&sva->lock, NULL);
	pthread_mutex_init(&sva->bonds_lock, NULL);
	pthread_mutex_lock(&sva_registry_lock);
	sva->next = sva_registry;
	sva_registry = sva;
	pthread_mutex_unlock(&sva_registry_lock);
	arm_smmu_set_fault_ops(smmu, &sva_fault_ops, sva);
	return 0;
}

void arm_smmu_sva_fini(struct arm_smmu_device *smmu)
{
	struct arm_smmu_sva **pp, *sva = NULL;

	pthread_mutex_lock(&sva_registry_lock);
	for (pp = &sva_registry; *pp; pp = &(*pp)->next) {
		if ((*pp)->smmu == smmu) {
			sva = *pp;
			*pp = sva->next;
			break;
		}
	}
	pthread_mutex_unlock(&sva_registry_lock);
	if (!sva)
		return;
	arm_smmu_set_fault_ops(smmu, NULL, NULL);
	if (htable_count(&sva->bonds) || htable_count(&sva->domains))
		dev_crit(smmu, "BUG: SVA torn down with bonds still alive");
	htable_fini(&sva->bonds);
	htable_fini(&sva->domains);
	pthread_mutex_destroy(&sva->lock);
	pthread_mutex_destroy(&sva->bonds_lock);
	free(sva);
}

int arm_smmu_sva_get_stats(struct arm_smmu_device *smmu, struct arm_smmu_sva_stats *st)
{
	struct arm_smmu_sva *sva = sva_lookup(smmu);
	uint64_t *dst = (uint64_t *)st;
	const uint64_t *src;
	size_t i;

	if (!sva)
		return -ENODEV;
	src = (const uint64_t *)&sva->stats;
	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return 0;
}

int arm_smmu_sva_asid(struct arm_smmu_device *smmu, struct mm *mm)
{
	struct arm_smmu_sva *sva = sva_lookup(smmu);
	struct arm_smmu_sva_domain *sdom;
	int asid = -ENOENT;

	if (!sva)
		return -ENODEV;
	pthread_mutex_lock(&sva->lock);
	sdom = domain_find(sva, mm);
	if (sdom)
		asid = arm_smmu_domain_asid(&sdom->domain);
	pthread_mutex_unlock(&sva->lock);
	return asid;
}
