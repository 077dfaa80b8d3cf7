// SPDX-License-Identifier: GPL-2.0
/*
 * ATS, PRI and PASID enablement through configuration space (PCIe r5.0
 * §7.6.3 extended capabilities, §10.5 ATS/PRI, §7.8.8 PASID).
 *
 * Ordering the IOMMU driver relies on (§10.5.1.3): PASID is enabled before
 * ATS and disabled after it, because changing PASID Enable (or its Exec /
 * Priv bits) while ATS is enabled is undefined. PRI is enabled only from
 * the Stopped state, after a reset of its PRG state.
 */
#include <errno.h>
#include <stddef.h>

#include "arch/pcie.h"
#include "os/pci/pci.h"

#define PCI_ATS_MIN_STU		12	/* STU 0 = 4K */
#define PCI_EXT_CAP_MAX		((PCIE_CFG_SIZE - PCIE_EXT_CAP_START) / 4)

static int rd16(struct pci_dev *dev, unsigned int off, uint16_t *v)
{
	return dev->ops->read16(dev->ctx, off, v);
}

static int rd32(struct pci_dev *dev, unsigned int off, uint32_t *v)
{
	return dev->ops->read32(dev->ctx, off, v);
}

static int wr16(struct pci_dev *dev, unsigned int off, uint16_t v)
{
	return dev->ops->write16(dev->ctx, off, v);
}

static int wr32(struct pci_dev *dev, unsigned int off, uint32_t v)
{
	return dev->ops->write32(dev->ctx, off, v);
}

unsigned int pci_find_ext_capability(struct pci_dev *dev, uint16_t id)
{
	unsigned int off = PCIE_EXT_CAP_START, ttl = PCI_EXT_CAP_MAX;
	uint32_t hdr;

	while (ttl--) {
		if (rd32(dev, off, &hdr) || !hdr || hdr == 0xffffffffu)
			return 0;
		if (FIELD_GET(PCIE_EXT_CAP_ID, hdr) == id)
			return off;
		off = FIELD_GET(PCIE_EXT_CAP_NEXT, hdr) & ~3u;
		if (off < PCIE_EXT_CAP_START)
			return 0;
	}
	return 0;	/* a list that loops: treat as absent */
}

int pci_dev_init(struct pci_dev *dev, const struct pci_cfg_ops *ops, void *ctx, const char *name)
{
	if (!ops || !ops->read16 || !ops->read32 || !ops->write16 || !ops->write32)
		return -EINVAL;
	*dev = (struct pci_dev){ .ops = ops, .ctx = ctx, .name = name };
	dev->ats_cap = pci_find_ext_capability(dev, PCIE_EXT_CAP_ID_ATS);
	dev->pri_cap = pci_find_ext_capability(dev, PCIE_EXT_CAP_ID_PRI);
	dev->pasid_cap = pci_find_ext_capability(dev, PCIE_EXT_CAP_ID_PASID);
	return 0;
}

/* ---- ATS ----------------------------------------------------------------- */

bool pci_ats_supported(struct pci_dev *dev)
{
	return dev->ats_cap != 0;
}

int pci_enable_ats(struct pci_dev *dev, unsigned int ps)
{
	uint16_t ctrl;
	int ret;

	if (!dev->ats_cap)
		return -ENODEV;
	if (ps < PCI_ATS_MIN_STU || !FIELD_FIT(PCIE_ATS_CTRL_STU, ps - PCI_ATS_MIN_STU))
		return -EINVAL;
	if (dev->ats_enabled)
		return -EBUSY;
	ctrl = PCIE_ATS_CTRL_ENABLE | FIELD_PREP(PCIE_ATS_CTRL_STU, ps - PCI_ATS_MIN_STU);
	ret = wr16(dev, dev->ats_cap + PCIE_ATS_CTRL, ctrl);
	if (ret)
		return ret;
	dev->ats_stu = ps;
	dev->ats_enabled = true;
	return 0;
}

void pci_disable_ats(struct pci_dev *dev)
{
	uint16_t ctrl;

	if (!dev->ats_enabled)
		return;
	if (!rd16(dev, dev->ats_cap + PCIE_ATS_CTRL, &ctrl))
		wr16(dev, dev->ats_cap + PCIE_ATS_CTRL, ctrl & ~PCIE_ATS_CTRL_ENABLE);
	dev->ats_enabled = false;
}

int pci_ats_queue_depth(struct pci_dev *dev)
{
	uint16_t cap;
	int ret;

	if (!dev->ats_cap)
		return -ENODEV;
	ret = rd16(dev, dev->ats_cap + PCIE_ATS_CAP, &cap);
	if (ret)
		return ret;
	/* 0 encodes 32 (§10.5.1.2). */
	return FIELD_GET(PCIE_ATS_CAP_QDEPTH, cap) ? (int)FIELD_GET(PCIE_ATS_CAP_QDEPTH, cap) : 32;
}

/* ---- PRI ----------------------------------------------------------------- */

int pci_reset_pri(struct pci_dev *dev)
{
	if (!dev->pri_cap)
		return -ENODEV;
	if (dev->pri_enabled)
		return -EBUSY;	/* Reset only acts while PRI is disabled */
	return wr16(dev, dev->pri_cap + PCIE_PRI_CTRL, PCIE_PRI_CTRL_RESET);
}

int pci_enable_pri(struct pci_dev *dev, uint32_t reqs)
{
	uint32_t capacity;
	uint16_t status;
	int ret;

	if (!dev->pri_cap)
		return -ENODEV;
	if (dev->pri_enabled)
		return -EBUSY;
	ret = rd16(dev, dev->pri_cap + PCIE_PRI_STATUS, &status);
	if (ret)
		return ret;
	/* Requests from a previous life still outstanding: not safe to start. */
	if (!(status & PCIE_PRI_STATUS_STOPPED))
		return -EBUSY;
	ret = rd32(dev, dev->pri_cap + PCIE_PRI_CAPACITY, &capacity);
	if (ret)
		return ret;
	if (reqs > capacity)
		reqs = capacity;
	ret = wr32(dev, dev->pri_cap + PCIE_PRI_ALLOC, reqs);
	if (!ret)
		ret = wr16(dev, dev->pri_cap + PCIE_PRI_CTRL, PCIE_PRI_CTRL_ENABLE);
	if (ret)
		return ret;
	dev->pri_reqs_alloc = reqs;
	dev->pri_enabled = true;
	return 0;
}

void pci_disable_pri(struct pci_dev *dev)
{
	if (!dev->pri_enabled)
		return;
	wr16(dev, dev->pri_cap + PCIE_PRI_CTRL, 0);
	dev->pri_enabled = false;
}

int pci_prg_resp_pasid_required(struct pci_dev *dev)
{
	uint16_t status;
	int ret;

	if (!dev->pri_cap)
		return -ENODEV;
	ret = rd16(dev, dev->pri_cap + PCIE_PRI_STATUS, &status);
	if (ret)
		return ret;
	return (status & PCIE_PRI_STATUS_PASID) ? 1 : 0;
}

/* ---- PASID --------------------------------------------------------------- */

int pci_pasid_features(struct pci_dev *dev)
{
	uint16_t cap;
	int ret;

	if (!dev->pasid_cap)
		return -ENODEV;
	ret = rd16(dev, dev->pasid_cap + PCIE_PASID_CAP, &cap);
	if (ret)
		return ret;
	return cap & (PCIE_PASID_CAP_EXEC | PCIE_PASID_CAP_PRIV);
}

int pci_max_pasid_bits(struct pci_dev *dev)
{
	uint16_t cap;
	int ret;

	if (!dev->pasid_cap)
		return -ENODEV;
	ret = rd16(dev, dev->pasid_cap + PCIE_PASID_CAP, &cap);
	if (ret)
		return ret;
	return (int)FIELD_GET(PCIE_PASID_CAP_WIDTH, cap);
}

int pci_enable_pasid(struct pci_dev *dev, int features)
{
	int supported;
	uint16_t ctrl;
	int ret;

	if (!dev->pasid_cap)
		return -ENODEV;
	if (dev->pasid_enabled || dev->ats_enabled)
		return -EBUSY;
	if (features & ~(PCIE_PASID_CAP_EXEC | PCIE_PASID_CAP_PRIV))
		return -EINVAL;
	supported = pci_pasid_features(dev);
	if (supported < 0)
		return supported;
	/* Exec/Priv only where the function supports them. */
	features &= supported;
	ctrl = PCIE_PASID_CTRL_ENABLE |
	       ((features & PCIE_PASID_CAP_EXEC) ? PCIE_PASID_CTRL_EXEC : 0) |
	       ((features & PCIE_PASID_CAP_PRIV) ? PCIE_PASID_CTRL_PRIV : 0);
	ret = wr16(dev, dev->pasid_cap + PCIE_PASID_CTRL, ctrl);
	if (ret)
		return ret;
	dev->pasid_features = (uint16_t)features;
	dev->pasid_enabled = true;
	return 0;
}

void pci_disable_pasid(struct pci_dev *dev)
{
	if (!dev->pasid_enabled || dev->ats_enabled)
		return;	/* PASID goes after ATS, never before */
	wr16(dev, dev->pasid_cap + PCIE_PASID_CTRL, 0);
	dev->pasid_enabled = false;
}
