// SPDX-License-Identifier: GPL-2.0
/*
 * os/pci: ATS, PRI and PASID enablement, driven against the PCIe function
 * model's configuration space (hw/pcie/config) through the accessor ops.
 */
#include <errno.h>

#include "arch/pcie.h"
#include "hw/pcie/config.h"
#include "os/pci/pci.h"
#include "tests/harness.h"

static int cfg_rd16(void *ctx, unsigned int off, uint16_t *v)
{
	return pcie_cfg_read16(ctx, off, v);
}

static int cfg_rd32(void *ctx, unsigned int off, uint32_t *v)
{
	return pcie_cfg_read32(ctx, off, v);
}

static int cfg_wr16(void *ctx, unsigned int off, uint16_t v)
{
	return pcie_cfg_write16(ctx, off, v);
}

static int cfg_wr32(void *ctx, unsigned int off, uint32_t v)
{
	return pcie_cfg_write32(ctx, off, v);
}

static const struct pci_cfg_ops cfg_ops = {
	.read16 = cfg_rd16, .read32 = cfg_rd32, .write16 = cfg_wr16, .write32 = cfg_wr32,
};

static const struct pcie_func_config full = {
	.vendor_id = 0x13b5, .device_id = 0xff80,
	.ats = true, .ats_qdepth = 8,
	.pri = true, .pri_capacity = 64, .pri_pasid_required = true,
	.pasid = true, .pasid_width = 16, .pasid_exec = false, .pasid_priv = true,
};

static uint16_t cfg16(struct pcie_cfg *cfg, unsigned int off)
{
	uint16_t v = 0;

	EXPECT_EQ(pcie_cfg_read16(cfg, off, &v), 0);
	return v;
}

static uint32_t cfg32(struct pcie_cfg *cfg, unsigned int off)
{
	uint32_t v = 0;

	EXPECT_EQ(pcie_cfg_read32(cfg, off, &v), 0);
	return v;
}

TEST(finds_capabilities)
{
	struct pcie_cfg cfg;
	struct pci_dev dev;

	ASSERT_EQ(pcie_cfg_init(&cfg, &full), 0);
	ASSERT_EQ(pci_dev_init(&dev, &cfg_ops, &cfg, "ep0"), 0);
	EXPECT_EQ(dev.ats_cap, pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_ATS));
	EXPECT_EQ(dev.pri_cap, pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_PRI));
	EXPECT_EQ(dev.pasid_cap, pcie_cfg_find_ext_cap(&cfg, PCIE_EXT_CAP_ID_PASID));
	EXPECT_NE(dev.ats_cap, 0);
	EXPECT_NE(dev.pri_cap, 0);
	EXPECT_NE(dev.pasid_cap, 0);
	EXPECT_TRUE(pci_ats_supported(&dev));
	EXPECT_EQ(pci_ats_queue_depth(&dev), 8);
	EXPECT_EQ(pci_max_pasid_bits(&dev), 16);
	EXPECT_EQ(pci_pasid_features(&dev), PCIE_PASID_CAP_PRIV);
	EXPECT_EQ(pci_prg_resp_pasid_required(&dev), 1);
	pcie_cfg_fini(&cfg);
}

TEST(pasid_then_ats_with_stu)
{
	struct pcie_cfg cfg;
	struct pci_dev dev;
	uint16_t ctrl;

	ASSERT_EQ(pcie_cfg_init(&cfg, &full), 0);
	ASSERT_EQ(pci_dev_init(&dev, &cfg_ops, &cfg, "ep0"), 0);
	/* Exec is not supported by this function: only Priv gets enabled. */
	ASSERT_EQ(pci_enable_pasid(&dev, PCIE_PASID_CAP_EXEC | PCIE_PASID_CAP_PRIV), 0);
	ctrl = cfg16(&cfg, dev.pasid_cap + PCIE_PASID_CTRL);
	EXPECT_EQ(ctrl, PCIE_PASID_CTRL_ENABLE | PCIE_PASID_CTRL_PRIV);
	EXPECT_EQ(pci_enable_pasid(&dev, 0), -EBUSY);

	EXPECT_EQ(pci_enable_ats(&dev, 11), -EINVAL);	/* below 4K */
	ASSERT_EQ(pci_enable_ats(&dev, 16), 0);		/* 64K granule: STU 4 */
	ctrl = cfg16(&cfg, dev.ats_cap + PCIE_ATS_CTRL);
	EXPECT_TRUE(ctrl & PCIE_ATS_CTRL_ENABLE);
	EXPECT_EQ(FIELD_GET(PCIE_ATS_CTRL_STU, ctrl), 4);
	EXPECT_TRUE(pcie_cfg_state(&cfg) & PCIE_ST_ATS);
	EXPECT_EQ(pci_enable_ats(&dev, 12), -EBUSY);

	/* PASID cannot change under ATS: disabling it is refused until ATS is off. */
	pci_disable_pasid(&dev);
	EXPECT_TRUE(dev.pasid_enabled);
	pci_disable_ats(&dev);
	EXPECT_FALSE(cfg16(&cfg, dev.ats_cap + PCIE_ATS_CTRL) & PCIE_ATS_CTRL_ENABLE);
	pci_disable_pasid(&dev);
	EXPECT_FALSE(dev.pasid_enabled);
	EXPECT_EQ(cfg16(&cfg, dev.pasid_cap + PCIE_PASID_CTRL), 0);
	/* And PASID cannot be enabled while ATS is. */
	ASSERT_EQ(pci_enable_ats(&dev, 12), 0);
	EXPECT_EQ(pci_enable_pasid(&dev, 0), -EBUSY);
	pcie_cfg_fini(&cfg);
}

TEST(pri_reset_and_allocation)
{
	struct pcie_cfg cfg;
	struct pci_dev dev;

	ASSERT_EQ(pcie_cfg_init(&cfg, &full), 0);
	ASSERT_EQ(pci_dev_init(&dev, &cfg_ops, &cfg, "ep0"), 0);
	ASSERT_EQ(pci_reset_pri(&dev), 0);
	/* More than the capacity is capped to it. */
	ASSERT_EQ(pci_enable_pri(&dev, 1000), 0);
	EXPECT_EQ(dev.pri_reqs_alloc, 64);
	EXPECT_EQ(cfg32(&cfg, dev.pri_cap + PCIE_PRI_ALLOC), 64);
	EXPECT_TRUE(cfg16(&cfg, dev.pri_cap + PCIE_PRI_CTRL) & PCIE_PRI_CTRL_ENABLE);
	EXPECT_TRUE(pcie_cfg_state(&cfg) & PCIE_ST_PRI);
	EXPECT_EQ(pci_reset_pri(&dev), -EBUSY);		/* only while disabled */
	EXPECT_EQ(pci_enable_pri(&dev, 8), -EBUSY);
	pci_disable_pri(&dev);
	EXPECT_FALSE(cfg16(&cfg, dev.pri_cap + PCIE_PRI_CTRL) & PCIE_PRI_CTRL_ENABLE);
	ASSERT_EQ(pci_enable_pri(&dev, 8), 0);
	EXPECT_EQ(cfg32(&cfg, dev.pri_cap + PCIE_PRI_ALLOC), 8);
	pcie_cfg_fini(&cfg);
}

TEST(pri_refused_while_not_stopped)
{
	struct pcie_cfg cfg;
	struct pci_dev dev;

	ASSERT_EQ(pcie_cfg_init(&cfg, &full), 0);
	ASSERT_EQ(pci_dev_init(&dev, &cfg_ops, &cfg, "ep0"), 0);
	/* The function still has requests outstanding from a previous owner. */
	pcie_cfg_dev_update16(&cfg, dev.pri_cap + PCIE_PRI_STATUS, 0, PCIE_PRI_STATUS_STOPPED);
	EXPECT_EQ(pci_enable_pri(&dev, 8), -EBUSY);
	EXPECT_FALSE(dev.pri_enabled);
	pcie_cfg_fini(&cfg);
}

TEST(missing_capabilities)
{
	struct pcie_func_config bare = { .vendor_id = 1, .device_id = 2 };
	struct pcie_cfg cfg;
	struct pci_dev dev;

	ASSERT_EQ(pcie_cfg_init(&cfg, &bare), 0);
	ASSERT_EQ(pci_dev_init(&dev, &cfg_ops, &cfg, "plain"), 0);
	EXPECT_FALSE(pci_ats_supported(&dev));
	EXPECT_EQ(pci_enable_ats(&dev, 12), -ENODEV);
	EXPECT_EQ(pci_enable_pri(&dev, 8), -ENODEV);
	EXPECT_EQ(pci_reset_pri(&dev), -ENODEV);
	EXPECT_EQ(pci_enable_pasid(&dev, 0), -ENODEV);
	EXPECT_EQ(pci_prg_resp_pasid_required(&dev), -ENODEV);
	EXPECT_EQ(pci_max_pasid_bits(&dev), -ENODEV);
	EXPECT_EQ(pci_dev_init(&dev, NULL, &cfg, "x"), -EINVAL);
	pcie_cfg_fini(&cfg);
}
