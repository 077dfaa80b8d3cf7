/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PCI core's ATS, PRI and PASID support (as Linux's drivers/pci/ats.c):
 * find a function's extended capabilities and enable them in the order the
 * IOMMU driver needs. Software reaches the function only through its
 * configuration space, with the accessors of struct pci_cfg_ops.
 *
 * Every function returns 0 or a negative errno: -ENODEV when the function
 * lacks the capability, -EBUSY when it is already enabled (or PRI is not
 * stopped), -EINVAL for a bad argument, or the accessor's error.
 */
#ifndef OS_PCI_PCI_H
#define OS_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct pci_cfg_ops {
	int (*read16)(void *ctx, unsigned int off, uint16_t *val);
	int (*read32)(void *ctx, unsigned int off, uint32_t *val);
	int (*write16)(void *ctx, unsigned int off, uint16_t val);
	int (*write32)(void *ctx, unsigned int off, uint32_t val);
};

struct pci_dev {
	const struct pci_cfg_ops *ops;
	void *ctx;
	const char *name;
	/* Capability offsets, found by pci_dev_init() (0: absent). */
	unsigned int ats_cap, pri_cap, pasid_cap;
	bool ats_enabled, pri_enabled, pasid_enabled;
	unsigned int ats_stu;		/* log2 of the smallest translation unit */
	uint32_t pri_reqs_alloc;	/* outstanding page requests allowed */
	uint16_t pasid_features;	/* PCIE_PASID_CTRL_EXEC/PRIV enabled */
};

/* Bind @dev to its config space and find its ATS/PRI/PASID capabilities. */
int pci_dev_init(struct pci_dev *dev, const struct pci_cfg_ops *ops, void *ctx, const char *name);
/* Offset of extended capability @id, 0 if absent (a looping list counts as absent). */
unsigned int pci_find_ext_capability(struct pci_dev *dev, uint16_t id);

/* ATS: STU = 2^@ps bytes (@ps >= 12, the IOMMU's smallest granule). */
bool pci_ats_supported(struct pci_dev *dev);
int pci_enable_ats(struct pci_dev *dev, unsigned int ps);
void pci_disable_ats(struct pci_dev *dev);
/* Invalidate queue depth (1..32), or -ENODEV. */
int pci_ats_queue_depth(struct pci_dev *dev);

/* PRI: reset the PRG state, then allow @reqs outstanding requests (capped by capacity). */
int pci_reset_pri(struct pci_dev *dev);
int pci_enable_pri(struct pci_dev *dev, uint32_t reqs);
void pci_disable_pri(struct pci_dev *dev);
/* "PRG Response PASID Required": 1, 0, or -ENODEV. */
int pci_prg_resp_pasid_required(struct pci_dev *dev);

/* PASID: supported features (PCIE_PASID_CAP_EXEC/PRIV) and width. */
int pci_pasid_features(struct pci_dev *dev);
int pci_max_pasid_bits(struct pci_dev *dev);
/* Enable PASID with @features (PCIE_PASID_CAP_EXEC/PRIV) where supported. */
int pci_enable_pasid(struct pci_dev *dev, int features);
void pci_disable_pasid(struct pci_dev *dev);

#endif /* OS_PCI_PCI_H */
