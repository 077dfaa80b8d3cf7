// SPDX-License-Identifier: GPL-2.0
/*
 * hw/smmu registers, driven as a driver would: MMIO reads and writes only.
 * ID registers from the configuration, reset values, the CR0/CR0ACK and
 * GBPA Update handshakes, registers that are read-only while in use, MSI
 * configuration, and robustness against bad offsets.
 */
#include <errno.h>
#include <sched.h>

#include "arch/smmuv3.h"
#include "hw/mem.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"
#include "tests/harness.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(16ULL << 20)

struct fx {
	struct phys_mem mem;
	struct smmu *smmu;
};

static void fx_init_cfg(struct fx *fx, const struct smmu_config *cfg)
{
	ASSERT_EQ(phys_mem_init(&fx->mem, BASE, SIZE), 0);
	fx->smmu = smmu_create(cfg, &fx->mem.bus);
	ASSERT_TRUE(fx->smmu != NULL);
}

static void fx_init(struct fx *fx)
{
	struct smmu_config cfg;

	smmu_config_default(&cfg);
	fx_init_cfg(fx, &cfg);
}

static void fx_fini(struct fx *fx)
{
	smmu_destroy(fx->smmu);
	phys_mem_fini(&fx->mem);
}

static uint32_t rd(struct fx *fx, uint64_t off)
{
	return smmu_mmio_read32(fx->smmu, off);
}

static void wr(struct fx *fx, uint64_t off, uint32_t val)
{
	smmu_mmio_write32(fx->smmu, off, val);
}

/* Write CR0 and poll CR0ACK as a driver does; false if it never matches. */
static bool write_cr0_sync(struct fx *fx, uint32_t val)
{
	unsigned long i;

	wr(fx, SMMU_CR0, val);
	for (i = 0; i < 10000000; i++) {
		if (rd(fx, SMMU_CR0ACK) == val)
			return true;
		sched_yield();
	}
	return false;
}

TEST(id_registers_default)
{
	struct fx fx;
	uint32_t idr0, idr1, idr5;

	fx_init(&fx);
	idr0 = rd(&fx, SMMU_IDR0);
	idr1 = rd(&fx, SMMU_IDR1);
	idr5 = rd(&fx, SMMU_IDR5);
	EXPECT_TRUE(idr0 & SMMU_IDR0_S1P);
	/* Stage 2 is not modelled: neither it nor 16-bit VMIDs are advertised. */
	EXPECT_FALSE(idr0 & SMMU_IDR0_S2P);
	EXPECT_EQ(FIELD_GET(SMMU_IDR0_TTF, idr0), SMMU_IDR0_TTF_AARCH64);
	EXPECT_EQ(FIELD_GET(SMMU_IDR0_HTTU, idr0), SMMU_IDR0_HTTU_AF_DIRTY);
	EXPECT_TRUE(idr0 & SMMU_IDR0_BTM);
	EXPECT_TRUE(idr0 & SMMU_IDR0_ATS);
	EXPECT_TRUE(idr0 & SMMU_IDR0_PRI);
	EXPECT_TRUE(idr0 & SMMU_IDR0_ASID16);
	EXPECT_FALSE(idr0 & SMMU_IDR0_VMID16);
	EXPECT_TRUE(idr0 & SMMU_IDR0_HYP);
	EXPECT_TRUE(idr0 & SMMU_IDR0_MSI);
	EXPECT_TRUE(idr0 & SMMU_IDR0_SEV);
	EXPECT_TRUE(idr0 & SMMU_IDR0_CD2L);
	EXPECT_TRUE(idr0 & SMMU_IDR0_COHACC);
	EXPECT_EQ(FIELD_GET(SMMU_IDR0_ST_LEVEL, idr0), SMMU_IDR0_ST_LEVEL_2LVL);
	EXPECT_EQ(FIELD_GET(SMMU_IDR0_STALL_MODEL, idr0), SMMU_IDR0_STALL_MODEL_STALL);
	EXPECT_EQ(FIELD_GET(SMMU_IDR0_TTENDIAN, idr0), SMMU_IDR0_TTENDIAN_LE);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_SIDSIZE, idr1), 16);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_SSIDSIZE, idr1), 20);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_CMDQS, idr1), 16);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_EVENTQS, idr1), 16);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_PRIQS, idr1), 16);
	EXPECT_TRUE(rd(&fx, SMMU_IDR3) & SMMU_IDR3_RIL);
	EXPECT_EQ(FIELD_GET(SMMU_IDR5_OAS, idr5), SMMU_OAS_48);
	EXPECT_TRUE(idr5 & SMMU_IDR5_GRAN4K);
	EXPECT_TRUE(idr5 & SMMU_IDR5_GRAN16K);
	EXPECT_TRUE(idr5 & SMMU_IDR5_GRAN64K);
	EXPECT_EQ(FIELD_GET(SMMU_IDR5_STALL_MAX, idr5), 64);
	EXPECT_EQ(FIELD_GET(SMMU_AIDR_ARCH_MAJOR, rd(&fx, SMMU_AIDR)), 0);
	EXPECT_EQ(FIELD_GET(SMMU_AIDR_ARCH_MINOR, rd(&fx, SMMU_AIDR)), 2);
	EXPECT_EQ(FIELD_GET(SMMU_IIDR_IMPLEMENTER, rd(&fx, SMMU_IIDR)), 0x43b);
	/* 64-bit read of IDR0/IDR1 as a pair. */
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_IDR0), ((uint64_t)idr1 << 32) | idr0);
	fx_fini(&fx);
}

TEST(id_registers_small_config)
{
	struct smmu_config cfg;
	struct fx fx;
	uint32_t idr0, idr1, idr5;

	smmu_config_default(&cfg);
	cfg.sid_bits = 6;
	cfg.st_2lvl = false;
	cfg.ssid_bits = 0;
	cfg.pri = false;
	cfg.ats = false;
	cfg.hyp = false;
	cfg.s2 = false;
	cfg.btm = false;
	cfg.httu = SMMU_HTTU_HA;
	cfg.stall_model = SMMU_STALL_MODEL_TERM;
	cfg.msi = false;
	cfg.sev = false;
	cfg.asid16 = false;
	cfg.granules = SMMU_GRAN_4K;
	cfg.oas = 40;
	cfg.cmdq_log2 = 5;
	cfg.evtq_log2 = 3;
	fx_init_cfg(&fx, &cfg);
	idr0 = rd(&fx, SMMU_IDR0);
	idr1 = rd(&fx, SMMU_IDR1);
	idr5 = rd(&fx, SMMU_IDR5);
	EXPECT_TRUE(idr0 & SMMU_IDR0_S1P);
	EXPECT_FALSE(idr0 & (SMMU_IDR0_S2P | SMMU_IDR0_PRI | SMMU_IDR0_ATS | SMMU_IDR0_HYP |
			     SMMU_IDR0_BTM | SMMU_IDR0_MSI | SMMU_IDR0_SEV | SMMU_IDR0_ASID16 |
			     SMMU_IDR0_VMID16));
	EXPECT_EQ(FIELD_GET(SMMU_IDR0_HTTU, idr0), SMMU_IDR0_HTTU_AF);
	EXPECT_EQ(FIELD_GET(SMMU_IDR0_ST_LEVEL, idr0), SMMU_IDR0_ST_LEVEL_LINEAR);
	EXPECT_EQ(FIELD_GET(SMMU_IDR0_STALL_MODEL, idr0), SMMU_IDR0_STALL_MODEL_TERM);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_SIDSIZE, idr1), 6);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_SSIDSIZE, idr1), 0);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_PRIQS, idr1), 0);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_CMDQS, idr1), 5);
	EXPECT_EQ(FIELD_GET(SMMU_IDR1_EVENTQS, idr1), 3);
	EXPECT_EQ(FIELD_GET(SMMU_IDR5_OAS, idr5), SMMU_OAS_40);
	EXPECT_EQ(idr5 & (SMMU_IDR5_GRAN4K | SMMU_IDR5_GRAN16K | SMMU_IDR5_GRAN64K),
		  SMMU_IDR5_GRAN4K);
	EXPECT_EQ(FIELD_GET(SMMU_IDR5_STALL_MAX, idr5), 0);
	/* Without PRI the PRI queue registers are RAZ/WI; without MSI so are IRQ_CFGs. */
	wr(&fx, SMMU_PRIQ_BASE, 0x1000);
	EXPECT_EQ(rd(&fx, SMMU_PRIQ_BASE), 0);
	wr(&fx, SMMU_PRIQ_CONS, 3);
	EXPECT_EQ(rd(&fx, SMMU_PRIQ_CONS), 0);
	wr(&fx, SMMU_EVENTQ_IRQ_CFG1, 0x1234);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_IRQ_CFG1), 0);
	/* CR0 bits of absent features are RES0. */
	wr(&fx, SMMU_CR0, SMMU_CR0_PRIQEN | SMMU_CR0_ATSCHK);
	EXPECT_EQ(rd(&fx, SMMU_CR0), 0);
	fx_fini(&fx);
}

TEST(bad_configs_rejected)
{
	struct phys_mem mem;
	struct smmu_config cfg;

	ASSERT_EQ(phys_mem_init(&mem, BASE, SIZE), 0);
	smmu_config_default(&cfg);
	EXPECT_EQ(smmu_config_check(&cfg), 0);
	cfg.sid_bits = 8;
	cfg.st_2lvl = false;		/* SIDSIZE >= 7 needs 2-level tables */
	EXPECT_EQ(smmu_config_check(&cfg), -EINVAL);
	EXPECT_TRUE(smmu_create(&cfg, &mem.bus) == NULL);
	smmu_config_default(&cfg);
	cfg.oas = 47;
	EXPECT_EQ(smmu_config_check(&cfg), -EINVAL);
	cfg.oas = 52;
	EXPECT_EQ(smmu_config_check(&cfg), 0);
	smmu_config_default(&cfg);
	cfg.ats = false;		/* PRI without ATS */
	EXPECT_EQ(smmu_config_check(&cfg), -EINVAL);
	smmu_config_default(&cfg);
	cfg.cmdq_log2 = 20;
	EXPECT_EQ(smmu_config_check(&cfg), -EINVAL);
	smmu_config_default(&cfg);
	cfg.ril = false;		/* mandatory from v3.2 */
	EXPECT_EQ(smmu_config_check(&cfg), -EINVAL);
	cfg.arch_minor = 1;
	EXPECT_EQ(smmu_config_check(&cfg), 0);
	smmu_config_default(&cfg);
	cfg.s1 = cfg.s2 = false;
	EXPECT_EQ(smmu_config_check(&cfg), -EINVAL);
	smmu_config_default(&cfg);
	EXPECT_FALSE(cfg.s2);
	cfg.ats = cfg.pri = false;
	cfg.ats_rec_err = true;		/* ATSRECERR without ATS */
	EXPECT_EQ(smmu_config_check(&cfg), -EINVAL);
	smmu_config_default(&cfg);
	cfg.s2 = true;			/* stage 2 is not modelled */
	EXPECT_EQ(smmu_config_check(&cfg), -EOPNOTSUPP);
	cfg.vmid16 = true;
	EXPECT_TRUE(smmu_create(&cfg, &mem.bus) == NULL);
	smmu_config_default(&cfg);
	cfg.stall_max = 0;
	EXPECT_EQ(smmu_config_check(&cfg), -EINVAL);
	cfg.stall_model = SMMU_STALL_MODEL_TERM;
	EXPECT_EQ(smmu_config_check(&cfg), 0);
	phys_mem_fini(&mem);
}

TEST(reset_values)
{
	struct fx fx;

	fx_init(&fx);
	EXPECT_EQ(rd(&fx, SMMU_CR0), 0);
	EXPECT_EQ(rd(&fx, SMMU_CR0ACK), 0);
	EXPECT_EQ(rd(&fx, SMMU_CR1), 0);
	EXPECT_EQ(rd(&fx, SMMU_CR2), 0);
	EXPECT_EQ(rd(&fx, SMMU_GBPA), SMMU_GBPA_RESET);
	EXPECT_EQ(rd(&fx, SMMU_IRQ_CTRL), 0);
	EXPECT_EQ(rd(&fx, SMMU_GERROR), 0);
	EXPECT_EQ(rd(&fx, SMMU_GERRORN), 0);
	EXPECT_EQ(rd(&fx, SMMU_STATUSR), 0);
	EXPECT_FALSE(smmu_enabled(fx.smmu));
	fx_fini(&fx);
}

TEST(cr0_enable_handshake)
{
	struct fx fx;
	uint32_t all = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_PRIQEN |
		       SMMU_CR0_CMDQEN | SMMU_CR0_ATSCHK;

	fx_init(&fx);
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_CMDQEN));
	EXPECT_FALSE(smmu_enabled(fx.smmu));
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN));
	ASSERT_TRUE(write_cr0_sync(&fx, all));
	EXPECT_TRUE(smmu_enabled(fx.smmu));
	EXPECT_TRUE(smmu_ats_check(fx.smmu));
	/* Reserved bits are not stored and not acknowledged. */
	ASSERT_TRUE(write_cr0_sync(&fx, all));
	wr(&fx, SMMU_CR0, all | BIT(5) | BIT(31));
	EXPECT_EQ(rd(&fx, SMMU_CR0), all);
	/* Disabling everything, CMDQEN acknowledged by the consumer too. */
	ASSERT_TRUE(write_cr0_sync(&fx, 0));
	EXPECT_FALSE(smmu_enabled(fx.smmu));
	fx_fini(&fx);
}

TEST(gbpa_update_protocol)
{
	struct fx fx;
	uint32_t v = SMMU_GBPA_ABORT | FIELD_PREP(SMMU_GBPA_SHCFG, SMMU_SH_ISH) |
		     FIELD_PREP(SMMU_GBPA_MEMATTR, 0xf) | SMMU_GBPA_MTCFG;

	fx_init(&fx);
	/* Without Update the write is ignored (SMMUv3.2 behaviour). */
	wr(&fx, SMMU_GBPA, v);
	EXPECT_EQ(rd(&fx, SMMU_GBPA), SMMU_GBPA_RESET);
	EXPECT_EQ(smmu_gbpa(fx.smmu), SMMU_GBPA_RESET);
	/* With Update: takes effect, Update reads back 0 once complete. */
	wr(&fx, SMMU_GBPA, v | SMMU_GBPA_UPDATE | GENMASK(30, 21));
	EXPECT_EQ(rd(&fx, SMMU_GBPA), v);
	EXPECT_EQ(smmu_gbpa(fx.smmu), v);
	EXPECT_FALSE(rd(&fx, SMMU_GBPA) & SMMU_GBPA_UPDATE);
	fx_fini(&fx);
}

TEST(strtab_read_only_while_enabled)
{
	struct fx fx;
	uint64_t base;
	uint32_t cfg;

	fx_init(&fx);
	smmu_mmio_write64(fx.smmu, SMMU_STRTAB_BASE, SMMU_STRTAB_BASE_RA | 0x80010000ULL | 0x3f);
	wr(&fx, SMMU_STRTAB_BASE_CFG, FIELD_PREP(SMMU_STRTAB_BASE_CFG_FMT, 1) |
	   FIELD_PREP(SMMU_STRTAB_BASE_CFG_SPLIT, 8) | 16 | BIT(31));
	/* Bits below ADDR and reserved bits are dropped. */
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_STRTAB_BASE), SMMU_STRTAB_BASE_RA | 0x80010000ULL);
	EXPECT_EQ(rd(&fx, SMMU_STRTAB_BASE_CFG), 0x10210);
	smmu_strtab(fx.smmu, &base, &cfg);
	EXPECT_EQ(base, SMMU_STRTAB_BASE_RA | 0x80010000ULL);
	EXPECT_EQ(cfg, 0x10210);

	/* Halves of a 64-bit register are writable separately. */
	wr(&fx, SMMU_STRTAB_BASE + 4, 0x1);
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_STRTAB_BASE), 0x180010000ULL);
	wr(&fx, SMMU_STRTAB_BASE, 0x80020000);
	EXPECT_EQ(rd(&fx, SMMU_STRTAB_BASE), 0x80020000);
	EXPECT_EQ(rd(&fx, SMMU_STRTAB_BASE + 4), 0x1);

	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_SMMUEN));
	smmu_mmio_write64(fx.smmu, SMMU_STRTAB_BASE, 0x90000000ULL);
	wr(&fx, SMMU_STRTAB_BASE_CFG, 5);
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_STRTAB_BASE), 0x180020000ULL);
	EXPECT_EQ(rd(&fx, SMMU_STRTAB_BASE_CFG), 0x10210);
	ASSERT_TRUE(write_cr0_sync(&fx, 0));
	smmu_mmio_write64(fx.smmu, SMMU_STRTAB_BASE, 0x90000000ULL);
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_STRTAB_BASE), 0x90000000ULL);
	fx_fini(&fx);
}

TEST(queue_registers_read_only_while_enabled)
{
	struct fx fx;

	fx_init(&fx);
	smmu_mmio_write64(fx.smmu, SMMU_CMDQ_BASE, SMMU_Q_BASE_RWA | 0x80000000ULL | 8);
	smmu_mmio_write64(fx.smmu, SMMU_EVENTQ_BASE, 0x80100000ULL | 31);
	/* LOG2SIZE reads back as written, even beyond IDR1 (it is capped in use). */
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_CMDQ_BASE), SMMU_Q_BASE_RWA | 0x80000000ULL | 8);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_BASE), 0x80100000 | 31);
	wr(&fx, SMMU_CMDQ_CONS, 5);
	wr(&fx, SMMU_EVENTQ_PROD, 7 | SMMU_Q_PROD_OVFLG);
	EXPECT_EQ(rd(&fx, SMMU_CMDQ_CONS), 5);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_PROD), 7 | SMMU_Q_PROD_OVFLG);
	/* SMMU-owned indexes: bits above the wrap flag (bit 8, then bit 4) are RAZ. */
	wr(&fx, SMMU_CMDQ_CONS, 0xffc01 | BIT(31));
	EXPECT_EQ(rd(&fx, SMMU_CMDQ_CONS), 0x001);
	wr(&fx, SMMU_EVENTQ_BASE, 0x80100000 | 4);
	wr(&fx, SMMU_EVENTQ_PROD, 0xfff13);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_PROD), 0x13);
	wr(&fx, SMMU_EVENTQ_BASE, 0x80100000 | 31);
	wr(&fx, SMMU_CMDQ_CONS, 0);
	wr(&fx, SMMU_EVENTQ_PROD, 0);

	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN));
	smmu_mmio_write64(fx.smmu, SMMU_CMDQ_BASE, 0x90000000ULL);
	smmu_mmio_write64(fx.smmu, SMMU_EVENTQ_BASE, 0x90000000ULL);
	wr(&fx, SMMU_CMDQ_CONS, 3);
	wr(&fx, SMMU_EVENTQ_PROD, 3);
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_CMDQ_BASE), SMMU_Q_BASE_RWA | 0x80000000ULL | 8);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_BASE), 0x80100000 | 31);
	EXPECT_EQ(rd(&fx, SMMU_CMDQ_CONS), 0);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_PROD), 0);
	/* The software-owned index stays writable. */
	wr(&fx, SMMU_EVENTQ_CONS, 0);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_CONS), 0);
	/* A 64-bit write to the PROD/CONS pair of page 1 writes both, CONS honoured. */
	smmu_mmio_write64(fx.smmu, SMMU_EVENTQ_PROD, 0x0000000100000002ULL);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_PROD), 0);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_CONS), 1);
	ASSERT_TRUE(write_cr0_sync(&fx, 0));
	fx_fini(&fx);
}

TEST(cr1_cr2_guards)
{
	struct smmu_config cfg;
	struct fx fx;

	fx_init(&fx);
	wr(&fx, SMMU_CR1, 0xfff | BIT(12));
	EXPECT_EQ(rd(&fx, SMMU_CR1), 0xfff);
	wr(&fx, SMMU_CR2, SMMU_CR2_E2H | SMMU_CR2_PTM | SMMU_CR2_RECINVSID | BIT(5));
	EXPECT_EQ(rd(&fx, SMMU_CR2), SMMU_CR2_E2H | SMMU_CR2_PTM | SMMU_CR2_RECINVSID);
	EXPECT_TRUE(smmu_e2h(fx.smmu));
	EXPECT_TRUE(smmu_ptm(fx.smmu));
	EXPECT_TRUE(smmu_recinvsid(fx.smmu));
	/* CR1 queue attributes are fixed while any queue is enabled... */
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_EVENTQEN));
	wr(&fx, SMMU_CR1, 0);
	EXPECT_EQ(rd(&fx, SMMU_CR1), 0x3f);
	wr(&fx, SMMU_CR2, 0);
	EXPECT_EQ(rd(&fx, SMMU_CR2), 0);
	/* ...table attributes and CR2 while SMMUEN. */
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_SMMUEN));
	wr(&fx, SMMU_CR1, 0xfff);
	EXPECT_EQ(rd(&fx, SMMU_CR1), 0x3f);
	wr(&fx, SMMU_CR1, 0);
	EXPECT_EQ(rd(&fx, SMMU_CR1), 0);
	wr(&fx, SMMU_CR2, SMMU_CR2_PTM);
	EXPECT_EQ(rd(&fx, SMMU_CR2), 0);
	ASSERT_TRUE(write_cr0_sync(&fx, 0));
	fx_fini(&fx);

	/* E2H needs HYP, PTM needs BTM. */
	smmu_config_default(&cfg);
	cfg.hyp = false;
	cfg.btm = false;
	fx_init_cfg(&fx, &cfg);
	wr(&fx, SMMU_CR2, SMMU_CR2_E2H | SMMU_CR2_PTM | SMMU_CR2_RECINVSID);
	EXPECT_EQ(rd(&fx, SMMU_CR2), SMMU_CR2_RECINVSID);
	fx_fini(&fx);
}

TEST(irq_ctrl_and_msi_config)
{
	struct fx fx;

	fx_init(&fx);
	smmu_mmio_write64(fx.smmu, SMMU_EVENTQ_IRQ_CFG0, 0x80001007ULL);
	wr(&fx, SMMU_EVENTQ_IRQ_CFG1, 0xdeadbeef);
	wr(&fx, SMMU_EVENTQ_IRQ_CFG2, 0xffffffff);
	wr(&fx, SMMU_PRIQ_IRQ_CFG2, 0xffffffff);
	wr(&fx, SMMU_GERROR_IRQ_CFG1, 0x77);
	smmu_mmio_write64(fx.smmu, SMMU_GERROR_IRQ_CFG0, 0x80002000ULL);
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_EVENTQ_IRQ_CFG0), 0x80001004ULL);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_IRQ_CFG1), 0xdeadbeef);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_IRQ_CFG2), 0x3f);
	EXPECT_EQ(rd(&fx, SMMU_PRIQ_IRQ_CFG2), 0x8000003f);	/* LO exists for PRIQ */
	EXPECT_EQ(rd(&fx, SMMU_GERROR_IRQ_CFG1), 0x77);
	EXPECT_EQ(rd(&fx, SMMU_GERROR_IRQ_CFG0), 0x80002000);
	EXPECT_EQ(rd(&fx, SMMU_GERROR_IRQ_CFG2), 0);

	wr(&fx, SMMU_IRQ_CTRL, 0xff);
	EXPECT_EQ(rd(&fx, SMMU_IRQ_CTRL), 0x7);
	EXPECT_EQ(rd(&fx, SMMU_IRQ_CTRLACK), 0x7);
	/* An enabled interrupt's MSI configuration is read-only. */
	wr(&fx, SMMU_EVENTQ_IRQ_CFG1, 1);
	smmu_mmio_write64(fx.smmu, SMMU_EVENTQ_IRQ_CFG0, 0);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_IRQ_CFG1), 0xdeadbeef);
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_EVENTQ_IRQ_CFG0), 0x80001004ULL);
	wr(&fx, SMMU_IRQ_CTRL, SMMU_IRQ_CTRL_GERROR_IRQEN);
	wr(&fx, SMMU_EVENTQ_IRQ_CFG1, 1);
	EXPECT_EQ(rd(&fx, SMMU_EVENTQ_IRQ_CFG1), 1);
	fx_fini(&fx);
}

TEST(gerrorn_is_software_owned)
{
	struct fx fx;

	fx_init(&fx);
	wr(&fx, SMMU_GERROR, 0xffffffff);	/* read-only */
	EXPECT_EQ(rd(&fx, SMMU_GERROR), 0);
	wr(&fx, SMMU_GERRORN, 0xffffffff);
	EXPECT_EQ(rd(&fx, SMMU_GERRORN), SMMU_GERROR_ERR_MASK);
	/* All acknowledged-looking bits differ from GERROR: "active" per §7.5,
	 * so the SMMU does not toggle them again until software matches them. */
	smmu_gerror_raise(fx.smmu, SMMU_GERROR_SFM_ERR);
	EXPECT_EQ(rd(&fx, SMMU_GERROR), 0);
	wr(&fx, SMMU_GERRORN, 0);
	smmu_gerror_raise(fx.smmu, SMMU_GERROR_SFM_ERR);
	EXPECT_EQ(rd(&fx, SMMU_GERROR), SMMU_GERROR_SFM_ERR);
	EXPECT_TRUE(smmu_gerror_active(fx.smmu, SMMU_GERROR_SFM_ERR));
	wr(&fx, SMMU_GERRORN, SMMU_GERROR_SFM_ERR);
	EXPECT_FALSE(smmu_gerror_active(fx.smmu, SMMU_GERROR_SFM_ERR));
	/* The next error toggles the bit back to 0. */
	smmu_gerror_raise(fx.smmu, SMMU_GERROR_SFM_ERR);
	EXPECT_EQ(rd(&fx, SMMU_GERROR), 0);
	EXPECT_TRUE(smmu_gerror_active(fx.smmu, SMMU_GERROR_SFM_ERR));
	fx_fini(&fx);
}

TEST(bad_offsets_are_raz_wi)
{
	static const uint64_t offs[] = {
		0x001, 0x002, 0x003, 0x030, 0x048, 0x0a8, 0x0ac, 0x0e0, 0x100, 0x1000,
		0xfffc, 0x10000, 0x100a9, 0x10100, 0x1fffc, 0x20000, 0x20004, ~0ULL, 1ULL << 40,
	};
	struct fx fx;
	unsigned int i;
	uint32_t idr0;

	fx_init(&fx);
	idr0 = rd(&fx, SMMU_IDR0);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		wr(&fx, offs[i], 0xffffffff);
		smmu_mmio_write64(fx.smmu, offs[i], ~0ULL);
		EXPECT_EQ(rd(&fx, offs[i]), 0);
		EXPECT_EQ(smmu_mmio_read64(fx.smmu, offs[i]), 0);
	}
	/* Misaligned 64-bit access to a 64-bit register. */
	smmu_mmio_write64(fx.smmu, SMMU_STRTAB_BASE + 4, ~0ULL);
	EXPECT_EQ(smmu_mmio_read64(fx.smmu, SMMU_STRTAB_BASE), 0);
	/* ID registers are read-only. */
	wr(&fx, SMMU_IDR0, 0);
	EXPECT_EQ(rd(&fx, SMMU_IDR0), idr0);
	EXPECT_EQ(rd(&fx, SMMU_CR0), 0);
	EXPECT_EQ(rd(&fx, SMMU_GBPA), SMMU_GBPA_RESET);
	fx_fini(&fx);
}

TEST(pmcg_counters)
{
	struct fx fx;

	fx_init(&fx);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS), 0);
	smmu_pmcg_inc(fx.smmu, SMMU_PMCG_TLB_MISS);
	smmu_pmcg_add(fx.smmu, SMMU_PMCG_TT_WALK_ACCESS, 4);
	smmu_pmcg_add(fx.smmu, SMMU_PMCG_NR_EVENTS, 4);		/* ignored */
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS), 1);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_TT_WALK_ACCESS), 4);
	EXPECT_EQ(smmu_pmcg_read(fx.smmu, SMMU_PMCG_NR_EVENTS), 0);
	EXPECT_STREQ(smmu_pmcg_event_name(SMMU_PMCG_CFG_STRUCT_ACCESS), "config_struct_access");
	EXPECT_STREQ(smmu_pmcg_event_name(SMMU_PMCG_ATS_TRANS_PASSED), "pcie_ats_trans_passed");
	EXPECT_TRUE(smmu_pmcg_event_name(SMMU_PMCG_NR_EVENTS) == NULL);
	fx_fini(&fx);
}

/* The cycle counter runs with the SMMU's clock (1 GHz nominal): it only goes up. */
TEST(pmcg_cycles_count_time)
{
	struct fx fx;
	uint64_t a, b;

	fx_init(&fx);
	a = smmu_pmcg_read(fx.smmu, SMMU_PMCG_CYCLES);
	usleep(2000);
	b = smmu_pmcg_read(fx.smmu, SMMU_PMCG_CYCLES);
	EXPECT_GE(b - a, 2000000);	/* at least the 2 ms slept, in ns cycles */
	EXPECT_STREQ(smmu_pmcg_event_name(SMMU_PMCG_CYCLES), "cycles");
	fx_fini(&fx);
}

/* xorshift64: a fixed sequence, so a failure reproduces. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

TEST(random_mmio_never_breaks_the_model)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL, off, val, w;
	struct fx fx;
	unsigned int i;

	fx_init(&fx);
	for (i = 0; i < 200000; i++) {
		off = rnd(&seed) % (SMMU_MMIO_SIZE + 0x100);
		if (i & 1)
			off &= ~3ULL;	/* mostly aligned, so registers are hit */
		val = rnd(&seed);
		/* Keep queues and MSIs inside RAM half of the time. */
		if (rnd(&seed) & 1)
			val = BASE + (val % (SIZE - 0x1000));
		switch (rnd(&seed) % 4) {
		case 0:
			smmu_mmio_write64(fx.smmu, off, val);
			break;
		case 1:
			(void)smmu_mmio_read64(fx.smmu, off);
			break;
		case 2:
			(void)smmu_mmio_read32(fx.smmu, off);
			break;
		default:
			smmu_mmio_write32(fx.smmu, off, (uint32_t)val);
			break;
		}
	}
	/* Still a working SMMU: disable, acknowledge errors, run one command. */
	wr(&fx, SMMU_IRQ_CTRL, 0);
	ASSERT_TRUE(write_cr0_sync(&fx, 0));
	wr(&fx, SMMU_GERRORN, rd(&fx, SMMU_GERROR));
	smmu_mmio_write64(fx.smmu, SMMU_CMDQ_BASE, (BASE + 0x100000) | 4);
	wr(&fx, SMMU_CMDQ_PROD, 0);
	wr(&fx, SMMU_CMDQ_CONS, 0);
	ASSERT_EQ(phys_mem_write64(&fx.mem, BASE + 0x100000, CMD_OP_SYNC), 0);
	ASSERT_EQ(phys_mem_write64(&fx.mem, BASE + 0x100008, 0), 0);
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_CMDQEN));
	wr(&fx, SMMU_CMDQ_PROD, 1);
	for (i = 0; i < 10000000 && (rd(&fx, SMMU_CMDQ_CONS) & 0x1f) != 1; i++)
		sched_yield();
	w = rd(&fx, SMMU_CMDQ_CONS);
	EXPECT_EQ(w & 0x1f, 1);
	EXPECT_EQ(FIELD_GET(SMMU_CMDQ_CONS_ERR, w), 0);
	fx_fini(&fx);
}
