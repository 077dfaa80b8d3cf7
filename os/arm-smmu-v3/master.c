// SPDX-License-Identifier: GPL-2.0
/*
 * Masters: devices behind the SMMU, each with one or more StreamIDs, a CD
 * table when it uses stage 1, and (PCIe) ATS, PRI and PASID.
 *
 * The STE of a master is derived from its state by one function,
 * arm_smmu_master_update_ste(): translation of SSID-less traffic (blocked,
 * identity, or a paging domain through CD 0) plus whether PASID CDs exist.
 * Ordering rules it keeps:
 *  - entering a domain: CD 0 is written before the STE points at it;
 *    leaving: the STE stops using CD 0 before CD 0 is cleared;
 *  - ATS: enabled at the endpoint only after the STE has EATS set (and
 *    after flushing whatever the ATC held), disabled at the endpoint before
 *    the STE drops EATS.
 */
#include <errno.h>
#include <stdlib.h>

#include "arch/pcie.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "os/pci/pci.h"

#define ARM_SMMU_PRI_REQS	32	/* outstanding page requests per function */

static bool master_ats_supported(struct arm_smmu_master *master)
{
	return (master->smmu->features & ARM_SMMU_FEAT_ATS) && master->pdev &&
	       pci_ats_supported(master->pdev);
}

static bool master_uses_cdtab(struct arm_smmu_master *master)
{
	return master->rid_mode == ARM_SMMU_RID_DOMAIN || master->cd_table.used_ssids;
}

static void master_set_ats(struct arm_smmu_master *master, bool on)
{
	__atomic_store_n(&master->ats_enabled, on, __ATOMIC_RELEASE);
}

static void master_build_ste(struct arm_smmu_master *master, bool ats, struct arm_smmu_ste *ste)
{
	static const unsigned int s1dss[] = {
		[ARM_SMMU_RID_BLOCKED] = STRTAB_STE_1_S1DSS_TERMINATE,
		[ARM_SMMU_RID_IDENTITY] = STRTAB_STE_1_S1DSS_BYPASS,
		[ARM_SMMU_RID_DOMAIN] = STRTAB_STE_1_S1DSS_SSID0,
	};

	if (master_uses_cdtab(master))
		arm_smmu_make_cdtable_ste(ste, master, ats, s1dss[master->rid_mode]);
	else if (master->rid_mode == ARM_SMMU_RID_IDENTITY)
		arm_smmu_make_bypass_ste(master->smmu, ste);
	else
		arm_smmu_make_abort_ste(ste);
}

int arm_smmu_master_update_ste(struct arm_smmu_master *master)
{
	bool want_ats = master_uses_cdtab(master) && master_ats_supported(master);
	struct arm_smmu_ste ste;
	int ret = 0;

	master_build_ste(master, want_ats, &ste);
	if (!want_ats && master->ats_enabled) {
		/* Clearing ATS Enable drops the endpoint's ATC (PCIe §10.5.1.3). */
		pci_disable_ats(master->pdev);
		master_set_ats(master, false);
	}
	arm_smmu_install_ste_for_dev(master, &ste);
	if (!want_ats)
		return 0;
	if (master->ats_enabled)
		/* Still on, but the translation may have changed under it. */
		return arm_smmu_atc_inv_master(master, false, 0);

	/* Nothing stale may survive from before: flush, then enable. */
	arm_smmu_atc_inv_master(master, false, 0);
	ret = pci_enable_ats(master->pdev, (unsigned int)__builtin_ctzll(master->smmu->pgsize_bitmap));
	if (!ret)
		master_set_ats(master, true);
	return ret;
}

/* Change what SSID-less traffic does. Caller holds master->lock. */
static int master_set_rid(struct arm_smmu_master *master, enum arm_smmu_rid_mode mode,
			  struct arm_smmu_domain *domain)
{
	struct arm_smmu_domain *old = master->domain;
	bool old_ats = master->ats_enabled, new_ats;
	struct arm_smmu_cd cd;
	uint64_t *cdptr;
	int ret;

	if (domain && domain != old) {
		ret = arm_smmu_domain_add_master(domain, master);
		if (ret)
			return ret;
	}
	if (mode == ARM_SMMU_RID_DOMAIN) {
		cdptr = arm_smmu_alloc_cd_ptr(master, 0);
		if (!cdptr) {
			if (domain != old)
				arm_smmu_domain_del_master(domain, master);
			return -ENOMEM;
		}
		arm_smmu_make_s1_cd(&cd, master, &domain->s1, arm_smmu_domain_asid(domain));
		arm_smmu_write_cd_entry(master, 0, cdptr, &cd);
	}
	new_ats = mode == ARM_SMMU_RID_DOMAIN && master_ats_supported(master);
	/* Count before the STE allows translated traffic (see atc_inv_domain). */
	if (domain && new_ats && (domain != old || !old_ats))
		__atomic_fetch_add(&domain->nr_ats_masters, 1, __ATOMIC_RELEASE);

	master->rid_mode = mode;
	master->domain = domain;
	ret = arm_smmu_master_update_ste(master);

	if (mode != ARM_SMMU_RID_DOMAIN)
		arm_smmu_clear_cd(master, 0);
	if (old && (old != domain || !new_ats) && old_ats)
		__atomic_fetch_sub(&old->nr_ats_masters, 1, __ATOMIC_RELEASE);
	if (old && old != domain)
		arm_smmu_domain_del_master(old, master);
	return ret;
}

int arm_smmu_attach_dev(struct arm_smmu_master *master, struct arm_smmu_domain *domain)
{
	int ret;

	if (!domain || domain->smmu != master->smmu || domain->type != ARM_SMMU_DOMAIN_PAGING)
		return -EINVAL;
	pthread_mutex_lock(&master->lock);
	ret = master_set_rid(master, ARM_SMMU_RID_DOMAIN, domain);
	pthread_mutex_unlock(&master->lock);
	return ret;
}

int arm_smmu_attach_blocked(struct arm_smmu_master *master)
{
	int ret;

	pthread_mutex_lock(&master->lock);
	ret = master_set_rid(master, ARM_SMMU_RID_BLOCKED, NULL);
	pthread_mutex_unlock(&master->lock);
	return ret;
}

int arm_smmu_attach_identity(struct arm_smmu_master *master)
{
	int ret;

	pthread_mutex_lock(&master->lock);
	ret = master_set_rid(master, ARM_SMMU_RID_IDENTITY, NULL);
	pthread_mutex_unlock(&master->lock);
	return ret;
}

/* ---- Probe / release --------------------------------------------------------- */

static unsigned int min_bits(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* SSIDs the master can use: what the device, the SMMU and the CD table allow. */
static unsigned int master_ssid_bits(struct arm_smmu_device *smmu,
				     const struct arm_smmu_master_desc *desc)
{
	unsigned int bits = min_bits(desc->ssid_bits, smmu->ssid_bits);
	int pci_bits;

	if (desc->pdev) {
		/* A PCIe function without the PASID capability has no SSIDs. */
		pci_bits = pci_max_pasid_bits(desc->pdev);
		bits = pci_bits < 0 ? 0 : min_bits(bits, (unsigned int)pci_bits);
	}
	if (!(smmu->features & ARM_SMMU_FEAT_2_LVL_CDTAB))
		bits = min_bits(bits, CTXDESC_LINEAR_CDMAX);
	return bits;
}

/* PASID before ATS (ATS comes at attach), PRI from a clean reset. */
static void master_enable_pci(struct arm_smmu_master *master)
{
	struct pci_dev *pdev = master->pdev;

	if (master->ssid_bits && !pci_enable_pasid(pdev, PCIE_PASID_CAP_EXEC | PCIE_PASID_CAP_PRIV))
		master->pasid_enabled = true;
	if (!(master->smmu->features & ARM_SMMU_FEAT_PRI) || !pdev->pri_cap)
		return;
	if (pci_reset_pri(pdev) || pci_enable_pri(pdev, ARM_SMMU_PRI_REQS))
		return;
	master->pri_enabled = true;
}

static void master_disable_pci(struct arm_smmu_master *master)
{
	if (!master->pdev)
		return;
	pci_disable_ats(master->pdev);
	master_set_ats(master, false);
	if (master->pri_enabled)
		pci_disable_pri(master->pdev);
	if (master->pasid_enabled)
		pci_disable_pasid(master->pdev);
	master->pri_enabled = master->pasid_enabled = false;
}

static void remove_streams(struct arm_smmu_master *master, unsigned int n)
{
	struct arm_smmu_device *smmu = master->smmu;
	unsigned int i;

	pthread_mutex_lock(&smmu->lock);
	for (i = 0; i < n; i++)
		arm_smmu_stream_erase(&smmu->streams, master->streams[i].id);
	pthread_mutex_unlock(&smmu->lock);
}

static int insert_streams(struct arm_smmu_master *master)
{
	struct arm_smmu_device *smmu = master->smmu;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < master->num_streams; i++) {
		ret = arm_smmu_init_sid_strtab(smmu, master->streams[i].id);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&smmu->lock);
	for (i = 0; i < master->num_streams && !ret; i++)
		ret = arm_smmu_stream_insert(&smmu->streams, &master->streams[i]);
	pthread_mutex_unlock(&smmu->lock);
	if (ret)
		remove_streams(master, i - 1);
	return ret;
}

struct arm_smmu_master *arm_smmu_probe_device(struct arm_smmu_device *smmu,
					      const struct arm_smmu_master_desc *desc, int *err)
{
	struct arm_smmu_master *master;
	unsigned int i;
	int ret = -EINVAL;

	if (!desc->num_sids)
		goto err_out;
	ret = -ENOMEM;
	master = calloc(1, sizeof(*master));
	if (!master)
		goto err_out;
	master->streams = calloc(desc->num_sids, sizeof(*master->streams));
	if (!master->streams)
		goto err_free_master;
	master->smmu = smmu;
	master->name = desc->name;
	master->pdev = desc->pdev;
	master->num_streams = desc->num_sids;
	for (i = 0; i < desc->num_sids; i++) {
		master->streams[i].id = desc->sids[i];
		master->streams[i].master = master;
	}
	master->ssid_bits = master_ssid_bits(smmu, desc);
	/*
	 * "PRG Response PASID Required" is a read-only bit of the PRI
	 * capability: known before PRI is enabled, and the STE (PPAR) needs it
	 * from the first attach.
	 */
	if (master->pdev && master->pdev->pri_cap)
		master->prg_resp_needs_ssid = pci_prg_resp_pasid_required(master->pdev) == 1;
	master->stall_enabled = (smmu->features & ARM_SMMU_FEAT_STALL_FORCE) ||
				(desc->stall_capable && (smmu->features & ARM_SMMU_FEAT_STALLS));
	pthread_mutex_init(&master->lock, NULL);
	ret = insert_streams(master);
	if (ret)
		goto err_free_streams;
	if (master->pdev)
		master_enable_pci(master);
	*err = 0;
	return master;

err_free_streams:
	pthread_mutex_destroy(&master->lock);
	free(master->streams);
err_free_master:
	free(master);
err_out:
	*err = ret;
	return NULL;
}

/*
 * With its streams out of the tree no handler can find @master any more;
 * wait for those that found it before. No lock of ours is held here, so a
 * handler in the middle of a report can always finish.
 */
static void master_wait_unused(struct arm_smmu_master *master)
{
	struct arm_smmu_device *smmu = master->smmu;

	pthread_mutex_lock(&smmu->lock);
	master->releasing = true;
	while (master->users)
		pthread_cond_wait(&smmu->master_idle, &smmu->lock);
	pthread_mutex_unlock(&smmu->lock);
}

void arm_smmu_release_device(struct arm_smmu_master *master)
{
	struct arm_smmu_ste abort;

	if (!master)
		return;
	pthread_mutex_lock(&master->lock);
	master_set_rid(master, ARM_SMMU_RID_BLOCKED, NULL);
	/* PASID users should be gone; abort whatever is left regardless. */
	arm_smmu_make_abort_ste(&abort);
	arm_smmu_install_ste_for_dev(master, &abort);
	master_disable_pci(master);
	pthread_mutex_unlock(&master->lock);

	remove_streams(master, master->num_streams);
	master_wait_unused(master);
	arm_smmu_free_cd_tables(master);
	pthread_mutex_destroy(&master->lock);
	free(master->streams);
	free(master);
}

struct arm_smmu_master *arm_smmu_find_master(struct arm_smmu_device *smmu, uint32_t sid)
{
	struct arm_smmu_stream *s;

	pthread_mutex_lock(&smmu->lock);
	s = arm_smmu_stream_find(smmu->streams, sid);
	pthread_mutex_unlock(&smmu->lock);
	return s ? s->master : NULL;
}

struct arm_smmu_master *arm_smmu_get_master(struct arm_smmu_device *smmu, uint32_t sid)
{
	struct arm_smmu_master *master = NULL;
	struct arm_smmu_stream *s;

	pthread_mutex_lock(&smmu->lock);
	s = arm_smmu_stream_find(smmu->streams, sid);
	if (s) {
		master = s->master;
		master->users++;
	}
	pthread_mutex_unlock(&smmu->lock);
	return master;
}

void arm_smmu_put_master(struct arm_smmu_master *master)
{
	struct arm_smmu_device *smmu;

	if (!master)
		return;
	smmu = master->smmu;
	pthread_mutex_lock(&smmu->lock);
	if (!--master->users && master->releasing)
		pthread_cond_broadcast(&smmu->master_idle);
	pthread_mutex_unlock(&smmu->lock);
}
