// SPDX-License-Identifier: GPL-2.0
/*
 * The arm-smmu-v3 driver against the SMMU model: probe and reset, the
 * command queue with concurrent submitters (small queue: wrap and full),
 * CERROR_ILL recovery, stream-table and CD-table growth, non-PASID DMA
 * through a paging domain, TLB/ATC invalidation seen in the model's
 * counters and at the endpoint, stalls and page requests answered.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "arch/pcie.h"
#include "hw/pcie/config.h"
#include "hw/smmu/smmu.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "os/pci/pci.h"
#include "tests/harness.h"
#include "tests/unit/log_capture.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(64ULL << 20)

struct dfx {
	struct phys_mem mem;
	struct frame_pool *pool;
	struct smmu *hw;
	struct mmio_region mmio;
	struct arm_smmu_device *drv;
	uint64_t baseline;
};

static uint64_t allocated(struct frame_pool *pool)
{
	struct frame_stats st;

	frame_get_stats(pool, &st);
	return st.allocated;
}

/* Memory, frames and an SMMU; probe the driver if @opts is non-NULL. */
static int dfx_init(struct dfx *fx, const struct smmu_config *cfg,
		    const struct arm_smmu_probe_opts *opts)
{
	int err = 0;

	memset(fx, 0, sizeof(*fx));
	if (phys_mem_init(&fx->mem, BASE, SIZE))
		return -ENOMEM;
	fx->pool = frame_pool_create(&fx->mem, BASE, SIZE, 12);
	fx->hw = smmu_create(cfg, &fx->mem.bus);
	if (!fx->pool || !fx->hw)
		return -ENOMEM;
	fx->mmio = smmu_mmio_region(fx->hw);
	fx->baseline = allocated(fx->pool);
	if (opts)
		fx->drv = arm_smmu_device_probe(&fx->mmio, fx->pool, opts, &err);
	return err;
}

static void dfx_fini(struct dfx *fx)
{
	arm_smmu_device_remove(fx->drv);
	EXPECT_EQ(allocated(fx->pool), fx->baseline);	/* the driver freed everything */
	smmu_destroy(fx->hw);
	frame_pool_destroy(fx->pool);
	phys_mem_fini(&fx->mem);
}

static const struct arm_smmu_probe_opts no_opts;

static struct arm_smmu_master *platform_master(struct dfx *fx, uint32_t sid, bool stall,
					       unsigned int ssid_bits)
{
	struct arm_smmu_master_desc desc = {
		.sids = &sid, .num_sids = 1, .ssid_bits = ssid_bits,
		.stall_capable = stall, .name = "plat",
	};
	struct arm_smmu_master *m;
	int err;

	m = arm_smmu_probe_device(fx->drv, &desc, &err);
	EXPECT_EQ(err, 0);
	return m;
}

/* ---- Probe and reset ------------------------------------------------------ */

TEST(probe_reset_default)
{
	uint32_t want = ARM_SMMU_FEAT_2_LVL_STRTAB | ARM_SMMU_FEAT_2_LVL_CDTAB |
			ARM_SMMU_FEAT_PRI | ARM_SMMU_FEAT_ATS | ARM_SMMU_FEAT_SEV |
			ARM_SMMU_FEAT_MSI | ARM_SMMU_FEAT_COHERENCY | ARM_SMMU_FEAT_TRANS_S1 |
			ARM_SMMU_FEAT_STALLS | ARM_SMMU_FEAT_HYP |
			ARM_SMMU_FEAT_RANGE_INV | ARM_SMMU_FEAT_BTM | ARM_SMMU_FEAT_HA |
			ARM_SMMU_FEAT_HD | ARM_SMMU_FEAT_ASID16;
	struct smmu_config cfg;
	struct dfx fx;
	uint32_t cr0, scfg;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	EXPECT_EQ(fx.drv->features & want, want);
	/* The model has no stage 2 and says so. */
	EXPECT_FALSE(fx.drv->features & (ARM_SMMU_FEAT_TRANS_S2 | ARM_SMMU_FEAT_VMID16));
	EXPECT_EQ(fx.drv->vmid_bits, 8);
	EXPECT_FALSE(fx.drv->features & (ARM_SMMU_FEAT_E2H | ARM_SMMU_FEAT_STALL_FORCE));
	EXPECT_TRUE(fx.drv->options & ARM_SMMU_OPT_MSIPOLL);
	EXPECT_EQ(fx.drv->sid_bits, 16);
	EXPECT_EQ(fx.drv->ssid_bits, 20);
	EXPECT_EQ(fx.drv->asid_bits, 16);
	EXPECT_EQ(fx.drv->oas, 48);
	EXPECT_EQ(fx.drv->pgsize_bitmap, (1ull << 12) | (1ull << 14) | (1ull << 16) |
					 (1ull << 21) | (1ull << 25) | (1ull << 29) | (1ull << 30));

	cr0 = smmu_mmio_read32(fx.hw, SMMU_CR0);
	EXPECT_EQ(cr0, SMMU_CR0_SMMUEN | SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN |
		       SMMU_CR0_PRIQEN | SMMU_CR0_ATSCHK);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_CR0ACK), cr0);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_IRQ_CTRLACK),
		  SMMU_IRQ_CTRL_GERROR_IRQEN | SMMU_IRQ_CTRL_EVENTQ_IRQEN |
		  SMMU_IRQ_CTRL_PRIQ_IRQEN);
	/* BTM present but not relied on: private TLB maintenance, as Linux. */
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_CR2), SMMU_CR2_RECINVSID | SMMU_CR2_PTM);
	EXPECT_FALSE(fx.drv->options & ARM_SMMU_OPT_BROADCAST_TLBI);
	EXPECT_TRUE(smmu_mmio_read32(fx.hw, SMMU_GBPA) & SMMU_GBPA_ABORT);
	scfg = smmu_mmio_read32(fx.hw, SMMU_STRTAB_BASE_CFG);
	EXPECT_EQ(FIELD_GET(SMMU_STRTAB_BASE_CFG_FMT, scfg), SMMU_STRTAB_FMT_2LVL);
	EXPECT_EQ(FIELD_GET(SMMU_STRTAB_BASE_CFG_SPLIT, scfg), STRTAB_SPLIT);
	EXPECT_EQ(FIELD_GET(SMMU_STRTAB_BASE_CFG_LOG2SIZE, scfg), 16);
	EXPECT_EQ(smmu_mmio_read64(fx.hw, SMMU_STRTAB_BASE) & SMMU_STRTAB_BASE_ADDR,
		  fx.drv->strtab_cfg.base_pa);
	/* Everything cached was invalidated before SMMUEN. */
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_CFGI_ALL), 1);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_TLBI_NSNH_ALL), 1);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_TLBI_EL2_ALL), 1);
	EXPECT_EQ(arm_smmu_cmdq_count(fx.drv, CMD_OP_TLBI_NSNH_ALL), 1);
	dfx_fini(&fx);
}

/*
 * CR2.PTM is cleared only where broadcast TLB maintenance is relied on
 * (shared CPU ASIDs on an SMMU with BTM); without BTM it stays set (RES0
 * in the model, so it reads 0).
 */
TEST(ptm_cleared_only_for_broadcast_tlbi)
{
	struct arm_smmu_probe_opts opts = { .broadcast_tlbi = true };
	struct smmu_config cfg;
	struct dfx fx;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &opts), 0);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_CR2), SMMU_CR2_RECINVSID);
	EXPECT_TRUE(fx.drv->options & ARM_SMMU_OPT_BROADCAST_TLBI);
	dfx_fini(&fx);

	cfg.btm = false;
	ASSERT_EQ(dfx_init(&fx, &cfg, &opts), 0);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_CR2), SMMU_CR2_RECINVSID);
	EXPECT_FALSE(fx.drv->options & ARM_SMMU_OPT_BROADCAST_TLBI);
	dfx_fini(&fx);
}

static enum smmu_txn_status dma(struct dfx *fx, uint32_t sid, uint64_t addr, unsigned int acc,
				uint64_t *pa);

/* With E2H: StreamWorld EL2 in the STE, EL2 TLBIs for the domain. */
static void vhe_domain_uses_el2(struct dfx *fx)
{
	struct arm_smmu_master *m = platform_master(fx, 33, false, 0);
	struct arm_smmu_domain *dom = arm_smmu_domain_alloc_paging(fx->drv);
	uint64_t buf = frame_alloc(fx->pool, FRAME_ZERO), pa = 0;

	ASSERT_TRUE(m && dom && buf);
	ASSERT_EQ(arm_smmu_attach_dev(m, dom), 0);
	EXPECT_EQ(FIELD_GET(STRTAB_STE_1_STRW, arm_smmu_get_step(fx->drv, 33)[1]),
		  STRTAB_STE_1_STRW_EL2);
	ASSERT_EQ(arm_smmu_map(dom, 0x4000, buf, 0x1000, IOMMU_READ), 0);
	EXPECT_EQ(dma(fx, 33, 0x4010, WALK_ACC_READ, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, buf + 0x10);
	EXPECT_EQ(arm_smmu_unmap(dom, 0x4000, 0x1000), 0x1000);
	EXPECT_EQ(smmu_cmd_count(fx->hw, CMD_OP_TLBI_EL2_VA), 1);
	EXPECT_EQ(smmu_cmd_count(fx->hw, CMD_OP_TLBI_NH_VA), 0);
	EXPECT_EQ(dma(fx, 33, 0x4010, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
	arm_smmu_attach_blocked(m);
	arm_smmu_domain_free(dom);	/* TLBI_EL2_ASID */
	EXPECT_EQ(smmu_cmd_count(fx->hw, CMD_OP_TLBI_EL2_ASID), 1);
	frame_put(fx->pool, buf);
	arm_smmu_release_device(m);
}

TEST(probe_vhe_linear_no_msi)
{
	struct arm_smmu_probe_opts opts = { .vhe = true };
	struct smmu_config cfg;
	struct dfx fx;
	uint32_t scfg;

	smmu_config_default(&cfg);
	cfg.msi = false;
	cfg.sid_bits = 6;	/* too few for a level-1 table */
	cfg.ats = cfg.pri = false;
	cfg.btm = false;
	ASSERT_EQ(dfx_init(&fx, &cfg, &opts), 0);
	EXPECT_TRUE(fx.drv->features & ARM_SMMU_FEAT_E2H);
	EXPECT_FALSE(fx.drv->features & ARM_SMMU_FEAT_2_LVL_STRTAB);
	EXPECT_FALSE(fx.drv->options & ARM_SMMU_OPT_MSIPOLL);
	/* The driver asks for PTM without BTM; the SMMU has it RES0 then. */
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_CR2), SMMU_CR2_E2H | SMMU_CR2_RECINVSID);
	scfg = smmu_mmio_read32(fx.hw, SMMU_STRTAB_BASE_CFG);
	EXPECT_EQ(FIELD_GET(SMMU_STRTAB_BASE_CFG_FMT, scfg), SMMU_STRTAB_FMT_LINEAR);
	EXPECT_EQ(FIELD_GET(SMMU_STRTAB_BASE_CFG_LOG2SIZE, scfg), 6);
	/* The CMD_SYNCs of the reset completed by polling CONS. */
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_SYNC), arm_smmu_cmdq_count(fx.drv, CMD_OP_SYNC));
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_SYNC), 2);
	EXPECT_FALSE(smmu_mmio_read32(fx.hw, SMMU_CR0) & (SMMU_CR0_PRIQEN | SMMU_CR0_ATSCHK));
	vhe_domain_uses_el2(&fx);
	dfx_fini(&fx);
}

/*
 * The model can no longer be stage-2-only (stage 2 is not modelled), so the
 * driver's refusals are tested from hand-built IDRs in test_arm_smmu_probe.
 * Against the model: an SMMU without the CPU's 4KB granule probes, but
 * cannot share CPU page tables, so SVA is not offered.
 */
TEST(probe_without_4k_granule_has_no_sva)
{
	struct smmu_config cfg;
	struct dfx fx;

	smmu_config_default(&cfg);
	cfg.s2 = true;
	EXPECT_EQ(smmu_config_check(&cfg), -EOPNOTSUPP);
	smmu_config_default(&cfg);
	cfg.granules = SMMU_GRAN_64K;
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	EXPECT_TRUE(fx.drv->features & ARM_SMMU_FEAT_TRANS_S1);
	EXPECT_FALSE(fx.drv->features & ARM_SMMU_FEAT_SVA);
	EXPECT_EQ(fx.drv->pgsize_bitmap, (1ull << 16) | (1ull << 29));
	dfx_fini(&fx);
}

/* ---- Command queue ---------------------------------------------------------- */

struct submitter {
	struct arm_smmu_device *drv;
	unsigned int id, iters, issued;
	int err;
};

static void *submit_main(void *arg)
{
	struct submitter *s = arg;
	struct arm_smmu_cmdq_batch batch;
	struct arm_smmu_cmdq_ent cmd = { .opcode = CMD_OP_CFGI_STE };
	unsigned int i, j;

	for (i = 0; i < s->iters && !s->err; i++) {
		batch.num = 0;
		/* 1..3 commands and one CMD_SYNC per batch. */
		for (j = 0; j <= i % 3; j++) {
			cmd.cfgi.sid = s->id * 1000 + i;
			cmd.cfgi.leaf = j & 1;
			arm_smmu_cmdq_batch_add(s->drv, &batch, &cmd);
			s->issued++;
		}
		s->err = arm_smmu_cmdq_batch_submit(s->drv, &batch);
	}
	return NULL;
}

/*
 * @threaded: the SMMU consumes on its own thread only, so every CMD_SYNC
 * completes after the PROD write has returned and the driver's waits
 * (MSI word or CONS polling, full queue) are really exercised.
 */
static void run_submitters(bool msipoll, bool threaded)
{
	struct arm_smmu_probe_opts opts = { .disable_msipoll = !msipoll };
	struct submitter s[4];
	pthread_t th[4];
	struct smmu_config cfg;
	uint64_t hw_before, syncs_before, total = 0;
	struct dfx fx;
	unsigned int i;

	smmu_config_default(&cfg);
	cfg.cmdq_log2 = 3;	/* 8 entries: batches wrap and fill the queue */
	cfg.cmdq_threaded = threaded;
	ASSERT_EQ(dfx_init(&fx, &cfg, &opts), 0);
	hw_before = smmu_cmd_count(fx.hw, CMD_OP_CFGI_STE);
	syncs_before = smmu_cmd_count(fx.hw, CMD_OP_SYNC);
	for (i = 0; i < 4; i++) {
		s[i] = (struct submitter){ .drv = fx.drv, .id = i, .iters = 300 };
		ASSERT_EQ(pthread_create(&th[i], NULL, submit_main, &s[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(s[i].err, 0);
		total += s[i].issued;
	}
	/* Every command consumed exactly once, each batch with its own sync. */
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_CFGI_STE) - hw_before, total);
	EXPECT_EQ(arm_smmu_cmdq_count(fx.drv, CMD_OP_CFGI_STE), total);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_SYNC) - syncs_before, 4 * 300);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_CMDQ_CONS) & 0xf,
		  smmu_mmio_read32(fx.hw, SMMU_CMDQ_PROD) & 0xf);
	EXPECT_EQ(fx.drv->stats.cerror_ill, 0);
	dfx_fini(&fx);
}

TEST(cmdq_concurrent_submitters_msi)
{
	run_submitters(true, false);
}

TEST(cmdq_concurrent_submitters_cons_polling)
{
	run_submitters(false, false);
}

TEST(cmdq_concurrent_submitters_msi_threaded_smmu)
{
	run_submitters(true, true);
}

TEST(cmdq_concurrent_submitters_cons_polling_threaded_smmu)
{
	run_submitters(false, true);
}

static void cerror_ill_case(bool threaded)
{
	struct arm_smmu_cmdq_ent good = { .opcode = CMD_OP_CFGI_STE, .cfgi = { .sid = 1 } };
	uint64_t cmds[4] = { 0x7f, 0 };	/* opcode 0x7f: no such command */
	struct log_capture cap;
	struct smmu_config cfg;
	uint64_t before;
	struct dfx fx;

	smmu_config_default(&cfg);
	cfg.cmdq_threaded = threaded;
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	before = smmu_cmd_count(fx.hw, CMD_OP_CFGI_STE);
	ASSERT_EQ(arm_smmu_cmdq_build_cmd(&cmds[2], &good), 0);
	/* The SMMU stops on the bad command; the waiter repairs and acks. */
	log_capture_start(&cap);
	EXPECT_EQ(arm_smmu_cmdq_issue_cmdlist(fx.drv, cmds, 2, true), 0);
	log_capture_stop(&cap);
	EXPECT_EQ(fx.drv->stats.cerror_ill, 1);
	/* ... and says which command it skipped, once. */
	EXPECT_EQ(cap.n, 1);
	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_ERR, "CERROR_ILL on command ? (0x7f): "
				    "000000000000007f 0000000000000000"), 1);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_CFGI_STE) - before, 1);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_GERROR) & SMMU_GERROR_CMDQ_ERR,
		  smmu_mmio_read32(fx.hw, SMMU_GERRORN) & SMMU_GERROR_CMDQ_ERR);
	/* Nothing left for the interrupt handler, and the queue still works. */
	arm_smmu_gerror_irq(fx.drv);
	EXPECT_EQ(fx.drv->stats.gerrors, 0);
	EXPECT_EQ(arm_smmu_cmdq_issue_cmd_with_sync(fx.drv, &good), 0);
	dfx_fini(&fx);
}

TEST(cerror_ill_skipped_and_acknowledged)
{
	cerror_ill_case(false);
}

TEST(cerror_ill_skipped_and_acknowledged_threaded_smmu)
{
	cerror_ill_case(true);
}

/* ---- Tables ------------------------------------------------------------------ */

TEST(stream_table_level2_on_demand)
{
	struct arm_smmu_master *a, *b, *c;
	struct smmu_config cfg;
	uint64_t frames, l1;
	struct dfx fx;
	uint64_t *ste;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	EXPECT_TRUE(arm_smmu_get_step(fx.drv, 5) == NULL);
	frames = allocated(fx.pool);
	a = platform_master(&fx, 5, false, 0);
	ASSERT_TRUE(a != NULL);
	/* 256 STEs of 64 bytes: one 16K level-2 table. */
	EXPECT_EQ(allocated(fx.pool) - frames, 4);
	l1 = fx.drv->strtab_cfg.base[0];
	EXPECT_EQ(FIELD_GET(STRTAB_L1_DESC_SPAN, l1), STRTAB_SPLIT + 1);
	EXPECT_EQ(l1 & STRTAB_L1_DESC_L2PTR, fx.drv->strtab_cfg.l2_pa[0]);
	ste = arm_smmu_get_step(fx.drv, 5);
	ASSERT_TRUE(ste != NULL);
	EXPECT_EQ(ste[0], STRTAB_STE_0_V);	/* abort until attached */

	b = platform_master(&fx, 200, false, 0);	/* same level-2 table */
	EXPECT_EQ(allocated(fx.pool) - frames, 4);
	c = platform_master(&fx, 0x1234, false, 0);
	EXPECT_EQ(allocated(fx.pool) - frames, 8);
	EXPECT_TRUE(arm_smmu_get_step(fx.drv, 0x1300) == NULL);
	EXPECT_TRUE(arm_smmu_find_master(fx.drv, 0x1234) == c);
	EXPECT_TRUE(arm_smmu_find_master(fx.drv, 200) == b);
	EXPECT_TRUE(arm_smmu_find_master(fx.drv, 201) == NULL);
	{
		uint32_t dup = 5;
		struct arm_smmu_master_desc desc = { .sids = &dup, .num_sids = 1 };
		int err;

		EXPECT_TRUE(arm_smmu_probe_device(fx.drv, &desc, &err) == NULL);
		EXPECT_EQ(err, -EEXIST);
	}
	arm_smmu_release_device(a);
	arm_smmu_release_device(b);
	arm_smmu_release_device(c);
	EXPECT_TRUE(arm_smmu_find_master(fx.drv, 5) == NULL);
	dfx_fini(&fx);
}

TEST(cd_table_growth)
{
	struct arm_smmu_master *m, *lin;
	struct smmu_config cfg;
	uint64_t frames, *cd0, *cd;
	struct dfx fx;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	m = platform_master(&fx, 7, false, 20);
	ASSERT_TRUE(m != NULL);
	EXPECT_EQ(m->ssid_bits, 20);
	frames = allocated(fx.pool);
	pthread_mutex_lock(&m->lock);
	cd0 = arm_smmu_alloc_cd_ptr(m, 0);
	ASSERT_TRUE(cd0 != NULL);
	EXPECT_EQ(m->cd_table.s1fmt, STRTAB_STE_0_S1FMT_64K_L2);
	/* 1024 level-1 descriptors (8K) and one 64K leaf. */
	EXPECT_EQ(allocated(fx.pool) - frames, 2 + 16);
	EXPECT_TRUE(arm_smmu_get_cd_ptr(m, 3000) == NULL);
	cd = arm_smmu_alloc_cd_ptr(m, 5000);
	ASSERT_TRUE(cd != NULL);
	EXPECT_EQ(allocated(fx.pool) - frames, 2 + 32);
	EXPECT_TRUE(m->cd_table.cdtab[5000 / 1024] & CD_L1_DESC_V);
	EXPECT_EQ(m->cd_table.cdtab[5000 / 1024] & CD_L1_DESC_L2PTR, m->cd_table.l2_pa[4]);
	EXPECT_TRUE(arm_smmu_get_cd_ptr(m, 5001) == cd + CD_DWORDS);
	EXPECT_TRUE(arm_smmu_alloc_cd_ptr(m, 1u << 20) == NULL);
	pthread_mutex_unlock(&m->lock);

	/* A device with 16 PASIDs gets a linear table of 16 CDs. */
	lin = platform_master(&fx, 8, false, 4);
	ASSERT_TRUE(lin != NULL);
	ASSERT_TRUE(arm_smmu_alloc_cd_ptr(lin, 15) != NULL);
	EXPECT_EQ(lin->cd_table.s1fmt, STRTAB_STE_0_S1FMT_LINEAR);
	EXPECT_EQ(lin->cd_table.s1cdmax, 4);
	EXPECT_TRUE(arm_smmu_alloc_cd_ptr(lin, 16) == NULL);
	arm_smmu_release_device(lin);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

/* ---- DMA through a paging domain ---------------------------------------------- */

struct evt_log {
	unsigned int n;
	uint64_t last[4];
};

static void log_event(void *ctx, struct arm_smmu_master *master, const uint64_t *evt)
{
	struct evt_log *log = ctx;

	(void)master;
	memcpy(log->last, evt, sizeof(log->last));
	__atomic_fetch_add(&log->n, 1, __ATOMIC_RELEASE);
}

static enum smmu_txn_status dma(struct dfx *fx, uint32_t sid, uint64_t addr, unsigned int acc,
				uint64_t *pa)
{
	struct smmu_txn txn = { .sid = sid, .addr = addr, .acc = acc };
	struct smmu_txn_result res;

	EXPECT_EQ(smmu_translate(fx->hw, &txn, &res), 0);
	if (pa)
		*pa = res.pa;
	smmu_txn_end(fx->hw, &res);
	return res.status;
}

TEST(domain_dma_map_unmap)
{
	static const struct arm_smmu_fault_ops ops = { .event = log_event };
	struct evt_log log = { 0 };
	struct arm_smmu_domain *dom;
	struct arm_smmu_master *m;
	struct smmu_config cfg;
	uint64_t pa, buf, before;
	struct dfx fx;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	arm_smmu_set_fault_ops(fx.drv, &ops, &log);
	m = platform_master(&fx, 3, false, 0);
	ASSERT_TRUE(m != NULL);
	EXPECT_EQ(dma(&fx, 3, 0x100000, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);	/* blocked */

	dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(dom != NULL);
	EXPECT_TRUE(arm_smmu_asid_load(fx.drv, dom->asid) == dom);
	ASSERT_EQ(arm_smmu_attach_dev(m, dom), 0);
	buf = frame_alloc(fx.pool, FRAME_ZERO);
	ASSERT_EQ(arm_smmu_map(dom, 0x100000, buf, 0x1000, IOMMU_READ | IOMMU_WRITE), 0);
	EXPECT_EQ(arm_smmu_iova_to_phys(dom, 0x100123), buf + 0x123);
	EXPECT_EQ(dma(&fx, 3, 0x100123, WALK_ACC_WRITE, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, buf + 0x123);

	before = smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_VA);
	EXPECT_EQ(arm_smmu_unmap(dom, 0x100000, 0x1000), 0x1000);
	/* One range command (RIL), then the translation is gone. */
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_VA) - before, 1);
	EXPECT_EQ(dma(&fx, 3, 0x100123, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
	arm_smmu_evtq_irq(fx.drv);
	ASSERT_GE(log.n, 1);
	EXPECT_EQ(FIELD_GET(EVT_0_ID, log.last[0]), EVT_ID_F_TRANSLATION);
	EXPECT_EQ(FIELD_GET(EVT_0_SID, log.last[0]), 3);
	EXPECT_EQ(log.last[2], 0x100123);

	/* Identity, then blocked again. */
	ASSERT_EQ(arm_smmu_attach_identity(m), 0);
	EXPECT_EQ(dma(&fx, 3, buf + 8, WALK_ACC_READ, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, buf + 8);
	ASSERT_EQ(arm_smmu_attach_blocked(m), 0);
	EXPECT_EQ(dma(&fx, 3, buf + 8, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
	frame_put(fx.pool, buf);
	arm_smmu_domain_free(dom);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

TEST(tlbi_without_range_support)
{
	struct arm_smmu_domain *dom;
	struct arm_smmu_master *m;
	struct smmu_config cfg;
	uint64_t va0, asid0, buf;
	struct dfx fx;

	smmu_config_default(&cfg);
	cfg.ril = false;
	cfg.arch_minor = 1;	/* v3.2 mandates RIL */
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	m = platform_master(&fx, 9, false, 0);
	dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(m && dom);
	ASSERT_EQ(arm_smmu_attach_dev(m, dom), 0);
	buf = frame_alloc_order(fx.pool, 10, FRAME_ZERO);	/* 4M */
	ASSERT_NE(buf, 0);
	ASSERT_EQ(arm_smmu_map(dom, 0x10000000, buf, 3 << 12, IOMMU_READ), 0);
	va0 = smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_VA);
	asid0 = smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_ASID);
	/* Three pages: three commands. */
	EXPECT_EQ(arm_smmu_unmap(dom, 0x10000000, 3 << 12), 3 << 12);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_VA) - va0, 3);
	/* 600 pages (not block aligned): past the threshold, one TLBI by ASID. */
	ASSERT_EQ(arm_smmu_map(dom, 0x20001000, buf, 600 << 12, IOMMU_READ), 0);
	EXPECT_EQ(arm_smmu_unmap(dom, 0x20001000, 600 << 12), 600 << 12);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_VA) - va0, 3);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_ASID) - asid0, 1);
	arm_smmu_attach_blocked(m);
	frame_free_order(fx.pool, buf, 10);
	arm_smmu_domain_free(dom);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

/* ---- Stalls ---------------------------------------------------------------------- */

struct stall_ctx {
	struct dfx *fx;
	struct arm_smmu_domain *dom;
	uint64_t buf;
	bool resolve;
	unsigned int reports;
	enum smmu_txn_status status;
	uint64_t pa;
	int done;
};

static int stall_report(void *ctx, struct arm_smmu_master *master, const struct iommu_fault *f)
{
	struct stall_ctx *sc = ctx;
	struct iommu_page_response resp = {
		.flags = IOMMU_FAULT_STALL, .grpid = f->grpid, .sid = f->sid,
		.code = IOMMU_PAGE_RESP_SUCCESS,
	};

	sc->reports++;
	if (!sc->resolve || !(f->flags & IOMMU_FAULT_STALL))
		return -EINVAL;	/* refused: the driver must abort it */
	arm_smmu_map(sc->dom, f->addr & ~0xfffull, sc->buf, 0x1000, IOMMU_READ | IOMMU_WRITE);
	arm_smmu_page_response(master, &resp);
	return 0;
}

static void *stall_device(void *arg)
{
	struct stall_ctx *sc = arg;

	sc->status = dma(sc->fx, 4, 0x200040, WALK_ACC_WRITE, &sc->pa);
	__atomic_store_n(&sc->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void run_stall(bool resolve)
{
	static const struct arm_smmu_fault_ops ops = { .report = stall_report };
	struct stall_ctx sc = { .resolve = resolve };
	struct arm_smmu_master *m;
	struct smmu_config cfg;
	struct dfx fx;
	pthread_t th;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	sc.fx = &fx;
	arm_smmu_set_fault_ops(fx.drv, &ops, &sc);
	m = platform_master(&fx, 4, true, 0);
	sc.dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(m && sc.dom);
	EXPECT_TRUE(m->stall_enabled);
	ASSERT_EQ(arm_smmu_attach_dev(m, sc.dom), 0);
	sc.buf = frame_alloc(fx.pool, FRAME_ZERO);
	ASSERT_EQ(pthread_create(&th, NULL, stall_device, &sc), 0);
	/* The interrupt thread's job: drain the event queue until the device is done. */
	while (!__atomic_load_n(&sc.done, __ATOMIC_ACQUIRE)) {
		arm_smmu_evtq_irq(fx.drv);
		sched_yield();
	}
	pthread_join(th, NULL);
	EXPECT_EQ(sc.reports, 1);
	if (resolve) {
		EXPECT_EQ(sc.status, SMMU_TXN_OK);
		EXPECT_EQ(sc.pa, sc.buf + 0x40);
		EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_RESUME), 1);
	} else {
		EXPECT_EQ(sc.status, SMMU_TXN_ABORT);
		EXPECT_EQ(fx.drv->stats.faults_refused, 1);
	}
	arm_smmu_attach_blocked(m);
	frame_put(fx.pool, sc.buf);
	arm_smmu_domain_free(sc.dom);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

TEST(stall_resolved_and_resumed)
{
	run_stall(true);
}

TEST(stall_refused_is_aborted)
{
	run_stall(false);
}

/* ---- PCIe: PRI and ATS --------------------------------------------------------------- */

struct fake_ep {
	unsigned int invs, resps;
	struct smmu_atc_inv last_inv;
	struct smmu_pri_resp last_resp;
};

static int ep_atc_inv(void *ctx, const struct smmu_atc_inv *inv)
{
	struct fake_ep *ep = ctx;

	ep->last_inv = *inv;
	__atomic_fetch_add(&ep->invs, 1, __ATOMIC_RELEASE);
	return 0;
}

static void ep_pri_resp(void *ctx, const struct smmu_pri_resp *resp)
{
	struct fake_ep *ep = ctx;

	ep->last_resp = *resp;
	__atomic_fetch_add(&ep->resps, 1, __ATOMIC_RELEASE);
}

static const struct smmu_ep_ops fake_ep_ops = { .atc_inv = ep_atc_inv, .pri_resp = ep_pri_resp };

static int cfg_r16(void *ctx, unsigned int off, uint16_t *v)
{
	return pcie_cfg_read16(ctx, off, v);
}

static int cfg_r32(void *ctx, unsigned int off, uint32_t *v)
{
	return pcie_cfg_read32(ctx, off, v);
}

static int cfg_w16(void *ctx, unsigned int off, uint16_t v)
{
	return pcie_cfg_write16(ctx, off, v);
}

static int cfg_w32(void *ctx, unsigned int off, uint32_t v)
{
	return pcie_cfg_write32(ctx, off, v);
}

static const struct pci_cfg_ops cfg_ops = { .read16 = cfg_r16, .read32 = cfg_r32,
					    .write16 = cfg_w16, .write32 = cfg_w32 };

TEST(pci_master_ats_pri)
{
	struct pcie_func_config fc = {
		.vendor_id = 1, .ats = true, .ats_qdepth = 32, .pri = true, .pri_capacity = 16,
		.pri_pasid_required = true, .pasid = true, .pasid_width = 20, .pasid_priv = true,
	};
	struct smmu_page_req req = { .read = true, .last = true, .grpid = 5, .addr = 0x7000 };
	struct arm_smmu_master_desc desc = { .num_sids = 1, .ssid_bits = 20, .name = "pci" };
	uint32_t sid = 0x42;
	struct arm_smmu_domain *dom;
	struct fake_ep ep = { 0 };
	struct arm_smmu_master *m;
	struct smmu_config cfg;
	struct pcie_cfg pcfg;
	struct pci_dev pdev;
	uint64_t buf, atc0, *ste;
	struct dfx fx;
	int err;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	ASSERT_EQ(pcie_cfg_init(&pcfg, &fc), 0);
	ASSERT_EQ(pci_dev_init(&pdev, &cfg_ops, &pcfg, "pci"), 0);
	ASSERT_EQ(smmu_attach_endpoint(fx.hw, sid, &fake_ep_ops, &ep), 0);
	desc.sids = &sid;
	desc.pdev = &pdev;
	m = arm_smmu_probe_device(fx.drv, &desc, &err);
	ASSERT_TRUE(m != NULL);
	EXPECT_TRUE(m->pasid_enabled);
	EXPECT_TRUE(m->pri_enabled);
	EXPECT_TRUE(m->prg_resp_needs_ssid);
	EXPECT_TRUE(pcie_cfg_state(&pcfg) & PCIE_ST_PRI);

	/* A Last page request nobody takes is answered InvalidRequest. */
	ASSERT_EQ(smmu_page_request(fx.hw, sid, &req), 0);
	req.last = false;
	req.grpid = 6;
	ASSERT_EQ(smmu_page_request(fx.hw, sid, &req), 0);
	arm_smmu_priq_irq(fx.drv);
	while (!__atomic_load_n(&ep.resps, __ATOMIC_ACQUIRE))
		sched_yield();
	EXPECT_EQ(ep.last_resp.grpid, 5);
	EXPECT_EQ(ep.last_resp.code, SMMU_PRG_RESP_INVALID);
	EXPECT_EQ(fx.drv->stats.page_requests, 2);
	EXPECT_EQ(arm_smmu_cmdq_count(fx.drv, CMD_OP_PRI_RESP), 1);	/* not for grpid 6 */

	/* Attach: EATS in the STE, then ATS at the endpoint with STU = 4K. */
	dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(dom != NULL);
	ASSERT_EQ(arm_smmu_attach_dev(m, dom), 0);
	EXPECT_TRUE(m->ats_enabled);
	EXPECT_EQ(dom->nr_ats_masters, 1);
	EXPECT_TRUE(pcie_cfg_state(&pcfg) & PCIE_ST_ATS);
	EXPECT_EQ(FIELD_GET(PCIE_ST_STU, pcie_cfg_state(&pcfg)), 0);
	ste = arm_smmu_get_step(fx.drv, sid);
	EXPECT_EQ(FIELD_GET(STRTAB_STE_1_EATS, ste[1]), STRTAB_STE_1_EATS_TRANS);
	/* The function wants the PASID on PRG Responses: so do overflow answers. */
	EXPECT_TRUE(ste[1] & STRTAB_STE_1_PPAR);

	buf = frame_alloc(fx.pool, FRAME_ZERO);
	ASSERT_EQ(arm_smmu_map(dom, 0x8000, buf, 0x1000, IOMMU_READ), 0);
	atc0 = smmu_cmd_count(fx.hw, CMD_OP_ATC_INV);
	ep.invs = 0;
	EXPECT_EQ(arm_smmu_unmap(dom, 0x8000, 0x1000), 0x1000);
	/* The unmap reached the endpoint's ATC, for that page, without PASID. */
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_ATC_INV) - atc0, 1);
	EXPECT_EQ(ep.invs, 1);
	EXPECT_EQ(ep.last_inv.addr, 0x8000);
	EXPECT_EQ(ep.last_inv.size, 0);
	EXPECT_FALSE(ep.last_inv.ssv);

	/* Detach: ATS off at the endpoint before the STE drops EATS. */
	ASSERT_EQ(arm_smmu_attach_blocked(m), 0);
	EXPECT_FALSE(m->ats_enabled);
	EXPECT_EQ(dom->nr_ats_masters, 0);
	EXPECT_FALSE(pcie_cfg_state(&pcfg) & PCIE_ST_ATS);
	frame_put(fx.pool, buf);
	arm_smmu_domain_free(dom);
	arm_smmu_release_device(m);
	EXPECT_FALSE(pcie_cfg_state(&pcfg) & PCIE_ST_PRI);
	EXPECT_FALSE(pcie_cfg_state(&pcfg) & PCIE_ST_PASID);
	pcie_cfg_fini(&pcfg);
	dfx_fini(&fx);
}

static unsigned int overflows;

static void count_overflow(void *ctx)
{
	(void)ctx;
	overflows++;
}

TEST(priq_overflow_reported_and_acknowledged)
{
	static const struct arm_smmu_fault_ops ops = { .pri_overflow = count_overflow };
	struct smmu_page_req req = { .read = true, .grpid = 1, .addr = 0x1000 };
	struct smmu_config cfg;
	uint32_t prod, cons;
	unsigned int i;
	struct dfx fx;

	smmu_config_default(&cfg);
	cfg.priq_log2 = 2;	/* 4 entries */
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	struct log_capture cap;

	arm_smmu_set_fault_ops(fx.drv, &ops, NULL);
	for (i = 0; i < 6; i++)
		smmu_page_request(fx.hw, 0x10, &req);	/* not Last: nothing auto-answered */
	prod = smmu_mmio_read32(fx.hw, SMMU_PRIQ_PROD);
	EXPECT_TRUE(prod & SMMU_Q_PROD_OVFLG);
	log_capture_start(&cap);
	arm_smmu_priq_irq(fx.drv);
	log_capture_stop(&cap);
	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_ERR, "PRI queue overflow: requests lost"), 1);
	EXPECT_EQ(overflows, 1);
	EXPECT_EQ(fx.drv->stats.priq_overflows, 1);
	EXPECT_EQ(fx.drv->stats.page_requests, 4);	/* what fitted */
	cons = smmu_mmio_read32(fx.hw, SMMU_PRIQ_CONS);
	EXPECT_EQ(cons & SMMU_Q_CONS_OVACKFLG, prod & SMMU_Q_PROD_OVFLG);
	/* Acknowledged: the next drain reports no new overflow. */
	smmu_page_request(fx.hw, 0x10, &req);
	arm_smmu_priq_irq(fx.drv);
	EXPECT_EQ(overflows, 1);
	EXPECT_EQ(fx.drv->stats.page_requests, 5);
	dfx_fini(&fx);
}

/*
 * An MMIO window that lets one page request reach the SMMU right after the
 * driver's next read of PRIQ_PROD: an overflow that begins while the
 * handler is draining.
 */
struct late_ppr_mmio {
	struct mmio_region inner;
	struct smmu *hw;
	bool armed;
};

static uint32_t late_r32(void *ctx, uint64_t off)
{
	struct late_ppr_mmio *w = ctx;
	uint32_t v = mmio_read32(&w->inner, off);
	struct smmu_page_req req = { .read = true, .grpid = 9, .addr = 0x9000 };

	if (w->armed && (off & 0xffff) == (SMMU_PRIQ_PROD & 0xffff)) {
		w->armed = false;
		smmu_page_request(w->hw, 0x10, &req);
	}
	return v;
}

static void late_w32(void *ctx, uint64_t off, uint32_t v)
{
	mmio_write32(&((struct late_ppr_mmio *)ctx)->inner, off, v);
}

static uint64_t late_r64(void *ctx, uint64_t off)
{
	return mmio_read64(&((struct late_ppr_mmio *)ctx)->inner, off);
}

static void late_w64(void *ctx, uint64_t off, uint64_t v)
{
	mmio_write64(&((struct late_ppr_mmio *)ctx)->inner, off, v);
}

static const struct mmio_ops late_ppr_ops = {
	.read32 = late_r32, .write32 = late_w32, .read64 = late_r64, .write64 = late_w64,
};

/*
 * An overflow writes no entry and raises no interrupt: if it begins after
 * the handler read PROD, the handler itself must acknowledge it before it
 * returns, or the PRI queue would discard every request from then on.
 */
TEST(priq_overflow_beginning_during_a_drain_is_acknowledged)
{
	static const struct arm_smmu_fault_ops ops = { .pri_overflow = count_overflow };
	struct smmu_page_req req = { .read = true, .grpid = 1, .addr = 0x1000 };
	struct late_ppr_mmio w;
	struct smmu_config cfg;
	uint32_t prod, cons;
	struct dfx fx;
	int err = 0;

	smmu_config_default(&cfg);
	cfg.priq_log2 = 1;	/* 2 entries */
	ASSERT_EQ(dfx_init(&fx, &cfg, NULL), 0);
	w = (struct late_ppr_mmio){ .inner = fx.mmio, .hw = fx.hw };
	fx.mmio = (struct mmio_region){ .ops = &late_ppr_ops, .ctx = &w };
	fx.drv = arm_smmu_device_probe(&fx.mmio, fx.pool, &no_opts, &err);
	ASSERT_EQ(err, 0);
	arm_smmu_set_fault_ops(fx.drv, &ops, NULL);
	overflows = 0;
	smmu_page_request(fx.hw, 0x10, &req);
	smmu_page_request(fx.hw, 0x10, &req);	/* full, no overflow yet */
	w.armed = true;
	arm_smmu_priq_irq(fx.drv);
	prod = smmu_mmio_read32(fx.hw, SMMU_PRIQ_PROD);
	cons = smmu_mmio_read32(fx.hw, SMMU_PRIQ_CONS);
	EXPECT_FALSE(w.armed);
	EXPECT_TRUE(prod & SMMU_Q_PROD_OVFLG);
	EXPECT_EQ(cons & SMMU_Q_CONS_OVACKFLG, prod & SMMU_Q_PROD_OVFLG);
	EXPECT_EQ(overflows, 1);
	/* The queue takes requests again. */
	smmu_page_request(fx.hw, 0x10, &req);
	EXPECT_EQ((smmu_mmio_read32(fx.hw, SMMU_PRIQ_PROD) - prod) & 3, 1);
	dfx_fini(&fx);
}

TEST(gerror_irq_recovers_cmdq_error)
{
	struct arm_smmu_cmdq_ent good = { .opcode = CMD_OP_CFGI_STE, .cfgi = { .sid = 2 } };
	uint64_t bad[2] = { 0x7e, 0 };
	struct smmu_config cfg;
	struct dfx fx;
	unsigned int spins = 0;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	/* No waiter this time: the GERROR interrupt handler does the repair. */
	ASSERT_EQ(arm_smmu_cmdq_issue_cmdlist(fx.drv, bad, 1, false), 0);
	while (!((smmu_mmio_read32(fx.hw, SMMU_GERROR) ^ smmu_mmio_read32(fx.hw, SMMU_GERRORN)) &
		 SMMU_GERROR_CMDQ_ERR)) {
		ASSERT_LT(++spins, 10000000);
		sched_yield();
	}
	EXPECT_EQ(FIELD_GET(SMMU_CMDQ_CONS_ERR, smmu_mmio_read32(fx.hw, SMMU_CMDQ_CONS)),
		  SMMU_CERROR_ILL);
	arm_smmu_gerror_irq(fx.drv);
	EXPECT_EQ(fx.drv->stats.gerrors, 1);
	EXPECT_EQ(fx.drv->stats.cerror_ill, 1);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_GERROR), smmu_mmio_read32(fx.hw, SMMU_GERRORN));
	EXPECT_EQ(arm_smmu_cmdq_issue_cmd_with_sync(fx.drv, &good), 0);
	dfx_fini(&fx);
}

TEST(evtq_overflow_reported_and_acknowledged)
{
	static const struct arm_smmu_fault_ops ops = { .event = log_event };
	struct evt_log log = { 0 };
	struct arm_smmu_domain *dom;
	struct arm_smmu_master *m;
	struct log_capture cap;
	struct smmu_config cfg;
	unsigned int i;
	struct dfx fx;

	smmu_config_default(&cfg);
	cfg.evtq_log2 = 2;	/* 4 records */
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	arm_smmu_set_fault_ops(fx.drv, &ops, &log);
	m = platform_master(&fx, 12, false, 0);
	dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(m && dom);
	ASSERT_EQ(arm_smmu_attach_dev(m, dom), 0);
	/* Seven translation faults, nobody draining: three records are lost. */
	for (i = 0; i < 7; i++)
		EXPECT_EQ(dma(&fx, 12, 0x1000 * (i + 1), WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
	EXPECT_TRUE(smmu_mmio_read32(fx.hw, SMMU_EVENTQ_PROD) & SMMU_Q_PROD_OVFLG);
	log_capture_start(&cap);
	arm_smmu_evtq_irq(fx.drv);
	log_capture_stop(&cap);
	/* The loss is an error; the records went to the hook, not to the log. */
	EXPECT_EQ(cap.n, 1);
	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_ERR, "event queue overflow: events lost"), 1);
	EXPECT_EQ(log.n, 4);
	EXPECT_EQ(fx.drv->stats.evtq_overflows, 1);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_EVENTQ_CONS) & SMMU_Q_CONS_OVACKFLG,
		  smmu_mmio_read32(fx.hw, SMMU_EVENTQ_PROD) & SMMU_Q_PROD_OVFLG);
	/* After the acknowledgement, records flow again and no new overflow shows. */
	EXPECT_EQ(dma(&fx, 12, 0x9000, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
	arm_smmu_evtq_irq(fx.drv);
	EXPECT_EQ(log.n, 5);
	EXPECT_EQ(log.last[2], 0x9000);
	EXPECT_EQ(fx.drv->stats.evtq_overflows, 1);
	arm_smmu_attach_blocked(m);
	arm_smmu_domain_free(dom);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

struct switch_ctx {
	struct dfx *fx;
	uint64_t pa_a, pa_b;
	int stop;
	unsigned int bad, ok_a, ok_b, aborts;
	unsigned int seen;		/* atomic: translations so far */
};

/*
 * Let the device translate at least once more (bounded by progress, not
 * time): attaches are quick when the SMMU consumes commands in the PROD
 * write, and must still race the device's translations.
 */
static void switch_wait_device(struct switch_ctx *sc)
{
	unsigned int seen = __atomic_load_n(&sc->seen, __ATOMIC_ACQUIRE), spins;

	for (spins = 0; spins < 1000000; spins++) {
		if (__atomic_load_n(&sc->seen, __ATOMIC_ACQUIRE) != seen)
			return;
		sched_yield();
	}
}

static void *switch_device(void *arg)
{
	struct switch_ctx *sc = arg;
	enum smmu_txn_status st;
	uint64_t pa;

	while (!__atomic_load_n(&sc->stop, __ATOMIC_ACQUIRE)) {
		st = dma(sc->fx, 21, 0x40000, WALK_ACC_READ, &pa);
		if (st != SMMU_TXN_OK)
			sc->aborts++;
		else if (pa == sc->pa_a)
			sc->ok_a++;
		else if (pa == sc->pa_b)
			sc->ok_b++;
		else
			sc->bad++;
		__atomic_fetch_add(&sc->seen, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * A device translating continuously while its master is switched between
 * two domains, identity and blocked: every translation it sees is one of
 * the configurations (or an abort), never a mix; once an attach returned,
 * the new configuration is the one in force.
 */
static const struct arm_smmu_fault_ops quiet_ops = { .event = log_event };
static struct evt_log quiet_log;

TEST(switch_domains_under_dma)
{
	struct arm_smmu_domain *a, *b;
	struct switch_ctx sc = { 0 };
	struct arm_smmu_master *m;
	struct smmu_config cfg;
	uint64_t pa;
	unsigned int i;
	struct dfx fx;
	pthread_t th;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	arm_smmu_set_fault_ops(fx.drv, &quiet_ops, &quiet_log);
	m = platform_master(&fx, 21, false, 0);
	a = arm_smmu_domain_alloc_paging(fx.drv);
	b = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(m && a && b);
	sc.fx = &fx;
	sc.pa_a = frame_alloc(fx.pool, FRAME_ZERO);
	sc.pa_b = frame_alloc(fx.pool, FRAME_ZERO);
	ASSERT_EQ(arm_smmu_map(a, 0x40000, sc.pa_a, 0x1000, IOMMU_READ), 0);
	ASSERT_EQ(arm_smmu_map(b, 0x40000, sc.pa_b, 0x1000, IOMMU_READ), 0);
	ASSERT_EQ(pthread_create(&th, NULL, switch_device, &sc), 0);
	for (i = 0; i < 200; i++) {
		switch_wait_device(&sc);
		ASSERT_EQ(arm_smmu_attach_dev(m, (i & 1) ? b : a), 0);
		EXPECT_EQ(dma(&fx, 21, 0x40000, WALK_ACC_READ, &pa), SMMU_TXN_OK);
		EXPECT_EQ(pa, (i & 1) ? sc.pa_b : sc.pa_a);
		if (i % 50 == 49) {
			ASSERT_EQ(arm_smmu_attach_blocked(m), 0);
			EXPECT_EQ(dma(&fx, 21, 0x40000, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
		}
		arm_smmu_evtq_irq(fx.drv);
	}
	__atomic_store_n(&sc.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	TH_LOG("device saw A %u, B %u, aborts %u", sc.ok_a, sc.ok_b, sc.aborts);
	EXPECT_EQ(sc.bad, 0);
	arm_smmu_attach_blocked(m);
	arm_smmu_evtq_irq(fx.drv);
	frame_put(fx.pool, sc.pa_a);
	frame_put(fx.pool, sc.pa_b);
	arm_smmu_domain_free(a);
	arm_smmu_domain_free(b);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

static enum smmu_txn_status dma_pasid(struct dfx *fx, uint32_t sid, uint32_t ssid, uint64_t addr,
				      uint64_t *pa)
{
	struct smmu_txn txn = { .sid = sid, .ssv = true, .ssid = ssid, .addr = addr,
				.acc = WALK_ACC_READ };
	struct smmu_txn_result res;

	EXPECT_EQ(smmu_translate(fx->hw, &txn, &res), 0);
	if (pa)
		*pa = res.pa;
	smmu_txn_end(fx->hw, &res);
	return res.status;
}

/*
 * A PASID context next to SSID-less traffic that is identity, then blocked,
 * then translated by a domain: the STE is a CD table STE whose S1DSS says
 * what SSID-less traffic does, and each switch keeps the PASID working.
 */
TEST(pasid_cd_beside_rid_modes)
{
	struct arm_smmu_domain *pasid_dom, *rid_dom;
	struct arm_smmu_master *m;
	struct smmu_config cfg;
	uint64_t buf, pa, *cdptr, *ste;
	struct arm_smmu_cd cd;
	struct dfx fx;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	arm_smmu_set_fault_ops(fx.drv, &quiet_ops, &quiet_log);
	m = platform_master(&fx, 40, false, 8);
	pasid_dom = arm_smmu_domain_alloc_paging(fx.drv);
	rid_dom = arm_smmu_domain_alloc_paging(fx.drv);
	buf = frame_alloc(fx.pool, FRAME_ZERO);
	ASSERT_TRUE(m && pasid_dom && rid_dom && buf);
	ASSERT_EQ(arm_smmu_map(pasid_dom, 0x5000, buf, 0x1000, IOMMU_READ), 0);
	ASSERT_EQ(arm_smmu_map(rid_dom, 0x6000, buf, 0x1000, IOMMU_READ), 0);

	pthread_mutex_lock(&m->lock);
	m->rid_mode = ARM_SMMU_RID_IDENTITY;
	cdptr = arm_smmu_alloc_cd_ptr(m, 5);
	ASSERT_TRUE(cdptr != NULL);
	arm_smmu_make_s1_cd(&cd, m, &pasid_dom->s1, pasid_dom->asid);
	arm_smmu_write_cd_entry(m, 5, cdptr, &cd);
	EXPECT_EQ(m->cd_table.used_ssids, 1);
	ASSERT_EQ(arm_smmu_master_update_ste(m), 0);
	pthread_mutex_unlock(&m->lock);
	ste = arm_smmu_get_step(fx.drv, 40);
	EXPECT_EQ(FIELD_GET(STRTAB_STE_0_CFG, ste[0]), STRTAB_STE_0_CFG_S1_TRANS);
	EXPECT_EQ(FIELD_GET(STRTAB_STE_1_S1DSS, ste[1]), STRTAB_STE_1_S1DSS_BYPASS);
	EXPECT_EQ(dma_pasid(&fx, 40, 5, 0x5008, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, buf + 8);
	EXPECT_EQ(dma(&fx, 40, buf + 16, WALK_ACC_READ, &pa), SMMU_TXN_OK);	/* bypass */
	EXPECT_EQ(pa, buf + 16);

	ASSERT_EQ(arm_smmu_attach_blocked(m), 0);
	EXPECT_EQ(FIELD_GET(STRTAB_STE_1_S1DSS, ste[1]), STRTAB_STE_1_S1DSS_TERMINATE);
	EXPECT_EQ(dma(&fx, 40, buf + 16, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
	EXPECT_EQ(dma_pasid(&fx, 40, 5, 0x5008, &pa), SMMU_TXN_OK);

	ASSERT_EQ(arm_smmu_attach_dev(m, rid_dom), 0);
	EXPECT_EQ(FIELD_GET(STRTAB_STE_1_S1DSS, ste[1]), STRTAB_STE_1_S1DSS_SSID0);
	EXPECT_EQ(dma(&fx, 40, 0x6010, WALK_ACC_READ, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, buf + 16);
	EXPECT_EQ(dma_pasid(&fx, 40, 5, 0x5008, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, buf + 8);
	EXPECT_EQ(dma_pasid(&fx, 40, 6, 0x5008, NULL), SMMU_TXN_ABORT);	/* no CD 6 */

	/* Clearing the PASID CD leaves the domain; blocking then drops the CD table. */
	pthread_mutex_lock(&m->lock);
	arm_smmu_clear_cd(m, 5);
	EXPECT_EQ(m->cd_table.used_ssids, 0);
	pthread_mutex_unlock(&m->lock);
	EXPECT_EQ(dma_pasid(&fx, 40, 5, 0x5008, NULL), SMMU_TXN_ABORT);
	ASSERT_EQ(arm_smmu_attach_blocked(m), 0);
	EXPECT_EQ(ste[0], STRTAB_STE_0_V);	/* plain abort STE again */
	arm_smmu_evtq_irq(fx.drv);
	frame_put(fx.pool, buf);
	arm_smmu_domain_free(pasid_dom);
	arm_smmu_domain_free(rid_dom);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

TEST(msi_interrupts_write_their_doorbells)
{
	struct arm_smmu_probe_opts opts = { .msi_irqs = true };
	struct smmu_page_req req = { .read = true, .grpid = 3, .addr = 0x1000 };
	struct arm_smmu_domain *dom;
	struct arm_smmu_master *m;
	unsigned int spins = 0;
	struct smmu_config cfg;
	uint32_t *bell;
	struct dfx fx;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &opts), 0);
	arm_smmu_set_fault_ops(fx.drv, &quiet_ops, &quiet_log);
	ASSERT_NE(fx.drv->msi_doorbell_pa, 0);
	EXPECT_EQ(smmu_mmio_read64(fx.hw, SMMU_EVENTQ_IRQ_CFG0),
		  fx.drv->msi_doorbell_pa + 4 * ARM_SMMU_MSI_EVTQ);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_PRIQ_IRQ_CFG1), ARM_SMMU_MSI_DATA(ARM_SMMU_MSI_PRIQ));
	bell = arm_smmu_va(fx.drv, fx.drv->msi_doorbell_pa, 16);
	m = platform_master(&fx, 50, false, 0);
	dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(m && dom);
	ASSERT_EQ(arm_smmu_attach_dev(m, dom), 0);
	/* A translation fault and a page request: each source writes its word. */
	EXPECT_EQ(dma(&fx, 50, 0x1000, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
	ASSERT_EQ(smmu_page_request(fx.hw, 50, &req), 0);
	while (!__atomic_load_n(&bell[ARM_SMMU_MSI_EVTQ], __ATOMIC_ACQUIRE) ||
	       !__atomic_load_n(&bell[ARM_SMMU_MSI_PRIQ], __ATOMIC_ACQUIRE)) {
		ASSERT_LT(++spins, 10000000);
		sched_yield();
	}
	EXPECT_EQ(bell[ARM_SMMU_MSI_EVTQ], ARM_SMMU_MSI_DATA(ARM_SMMU_MSI_EVTQ));
	EXPECT_EQ(bell[ARM_SMMU_MSI_PRIQ], ARM_SMMU_MSI_DATA(ARM_SMMU_MSI_PRIQ));
	EXPECT_EQ(bell[ARM_SMMU_MSI_GERROR], 0);
	arm_smmu_evtq_irq(fx.drv);
	arm_smmu_priq_irq(fx.drv);
	EXPECT_EQ(fx.drv->stats.page_requests, 1);
	arm_smmu_attach_blocked(m);
	arm_smmu_domain_free(dom);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

TEST(bare_sync_after_sync_is_elided)
{
	struct arm_smmu_cmdq_ent cmd = { .opcode = CMD_OP_CFGI_STE, .cfgi = { .sid = 3 } };
	struct smmu_config cfg;
	uint64_t syncs;
	struct dfx fx;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	ASSERT_EQ(arm_smmu_cmdq_issue_cmd_with_sync(fx.drv, &cmd), 0);
	syncs = smmu_cmd_count(fx.hw, CMD_OP_SYNC);
	/* The newest entry is a CMD_SYNC: bare syncs wait for it. */
	EXPECT_EQ(arm_smmu_cmdq_issue_sync(fx.drv), 0);
	EXPECT_EQ(arm_smmu_cmdq_issue_sync(fx.drv), 0);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_SYNC), syncs);
	EXPECT_EQ(fx.drv->cmdq.stats_sync_elided, 2);
	/* After another command, a sync is needed again. */
	ASSERT_EQ(arm_smmu_cmdq_issue_cmd(fx.drv, &cmd), 0);
	EXPECT_EQ(arm_smmu_cmdq_issue_sync(fx.drv), 0);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_SYNC), syncs + 1);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_CFGI_STE), 2);
	dfx_fini(&fx);
}

/* ---- Releasing a master while its faults are reported ------------------------ */

#define RSID	33

struct release_ctx {
	struct dfx *fx;
	int stop;
	unsigned int gen;			/* releases that have returned */
	struct arm_smmu_master *cur;		/* the master a report is using */
	unsigned int reports, after_release, bad_fields;
};

/*
 * An event hook that holds on to its master until a release completes (or
 * a bound passes): if release could return under it, it sees the release
 * count move while it still uses the master.
 */
static void release_hook(void *ctx, struct arm_smmu_master *master, const uint64_t *evt)
{
	struct release_ctx *rc = ctx;
	unsigned int gen, i;

	(void)evt;
	if (!master)
		return;
	gen = __atomic_load_n(&rc->gen, __ATOMIC_ACQUIRE);
	__atomic_store_n(&rc->cur, master, __ATOMIC_RELEASE);
	for (i = 0; i < 5000 && __atomic_load_n(&rc->gen, __ATOMIC_ACQUIRE) == gen; i++)
		sched_yield();
	/* Under ASan, a freed master is a use after free right here. */
	if (master->num_streams != 1 || master->streams[0].id != RSID)
		rc->bad_fields++;
	if (__atomic_load_n(&rc->gen, __ATOMIC_ACQUIRE) != gen)
		rc->after_release++;
	__atomic_store_n(&rc->cur, NULL, __ATOMIC_RELEASE);
	rc->reports++;
}

static void *release_faulting_device(void *arg)
{
	struct release_ctx *rc = arg;

	while (!__atomic_load_n(&rc->stop, __ATOMIC_ACQUIRE))
		dma(rc->fx, RSID, 0x50000, WALK_ACC_READ, NULL);	/* never mapped */
	return NULL;
}

static void *release_irq_thread(void *arg)
{
	struct release_ctx *rc = arg;

	while (!__atomic_load_n(&rc->stop, __ATOMIC_ACQUIRE)) {
		arm_smmu_evtq_irq(rc->fx->drv);
		sched_yield();
	}
	return NULL;
}

/* Wait (bounded, ~2 s) until a report is using @m. */
static bool report_in_progress(struct release_ctx *rc, struct arm_smmu_master *m)
{
	struct timespec ts = { 0, 100000 };
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		if (__atomic_load_n(&rc->cur, __ATOMIC_ACQUIRE) == m)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/*
 * arm_smmu_release_device() while the event handler is reporting a fault of
 * that very master: release waits for the report; no report ever uses a
 * released master (ASan/TSan clean), and nothing is leaked.
 */
TEST(release_device_while_faults_are_reported)
{
	static const struct arm_smmu_fault_ops ops = { .event = release_hook };
	struct release_ctx rc = { 0 };
	struct arm_smmu_domain *dom;
	struct arm_smmu_master *m;
	struct smmu_config cfg;
	unsigned int i, overlaps = 0;
	pthread_t dev, irq;
	struct dfx fx;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	rc.fx = &fx;
	arm_smmu_set_fault_ops(fx.drv, &ops, &rc);
	dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(dom != NULL);
	ASSERT_EQ(pthread_create(&dev, NULL, release_faulting_device, &rc), 0);
	ASSERT_EQ(pthread_create(&irq, NULL, release_irq_thread, &rc), 0);
	for (i = 0; i < 20; i++) {
		m = platform_master(&fx, RSID, false, 0);
		ASSERT_TRUE(m != NULL);
		ASSERT_EQ(arm_smmu_attach_dev(m, dom), 0);
		overlaps += report_in_progress(&rc, m);
		arm_smmu_release_device(m);
		__atomic_fetch_add(&rc.gen, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELEASE);
	pthread_join(dev, NULL);
	pthread_join(irq, NULL);
	arm_smmu_evtq_irq(fx.drv);
	TH_LOG("%u releases during a report, %u reports", overlaps, rc.reports);
	EXPECT_GT(overlaps, 0);
	EXPECT_EQ(rc.after_release, 0);
	EXPECT_EQ(rc.bad_fields, 0);
	arm_smmu_domain_free(dom);
	dfx_fini(&fx);
}

/* ---- Bounded queue handlers ------------------------------------------------------ */

#define FSID	34

struct flood_ctx {
	struct dfx *fx;
	int stop, handler_returned;
	unsigned int handled;
};

/* A slow event hook: the device below faults faster than this handles. */
static void flood_hook(void *ctx, struct arm_smmu_master *master, const uint64_t *evt)
{
	struct flood_ctx *fc = ctx;
	struct timespec ts = { 0, 20000 };

	(void)master;
	(void)evt;
	nanosleep(&ts, NULL);
	__atomic_fetch_add(&fc->handled, 1, __ATOMIC_RELAXED);
}

static void *flood_device(void *arg)
{
	struct flood_ctx *fc = arg;

	while (!__atomic_load_n(&fc->stop, __ATOMIC_ACQUIRE))
		dma(fc->fx, FSID, 0x60000, WALK_ACC_READ, NULL);	/* never mapped */
	return NULL;
}

static void *flood_irq(void *arg)
{
	struct flood_ctx *fc = arg;

	arm_smmu_evtq_irq(fc->fx->drv);
	__atomic_store_n(&fc->handler_returned, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A device that never stops faulting does not keep the event handler: one
 * invocation handles at most a queue's worth and returns; once the device
 * stops, further invocations consume every record left (none stranded).
 */
TEST(evtq_handler_bounded_under_a_fault_flood)
{
	static const struct arm_smmu_fault_ops ops = { .event = flood_hook };
	struct timespec ts = { 0, 1000000 };
	struct flood_ctx fc = { 0 };
	struct arm_smmu_domain *dom;
	struct arm_smmu_master *m;
	struct smmu_config cfg;
	unsigned int i, first, qsize;
	pthread_t dev, irq;
	struct dfx fx;

	smmu_config_default(&cfg);
	cfg.evtq_log2 = 4;	/* 16 records */
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	qsize = 1u << fx.drv->evtq.log2;
	fc.fx = &fx;
	arm_smmu_set_fault_ops(fx.drv, &ops, &fc);
	m = platform_master(&fx, FSID, false, 0);
	dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(m && dom);
	ASSERT_EQ(arm_smmu_attach_dev(m, dom), 0);
	ASSERT_EQ(pthread_create(&dev, NULL, flood_device, &fc), 0);
	/* Let the flood fill the queue, then run the handler once under it. */
	for (i = 0; !(smmu_mmio_read32(fx.hw, SMMU_EVENTQ_PROD) & SMMU_Q_PROD_OVFLG); i++) {
		ASSERT_LT(i, 5000);
		nanosleep(&ts, NULL);
	}
	ASSERT_EQ(pthread_create(&irq, NULL, flood_irq, &fc), 0);
	for (i = 0; i < 5000 && !__atomic_load_n(&fc.handler_returned, __ATOMIC_ACQUIRE); i++)
		nanosleep(&ts, NULL);
	first = __atomic_load_n(&fc.handled, __ATOMIC_ACQUIRE);
	EXPECT_TRUE(__atomic_load_n(&fc.handler_returned, __ATOMIC_ACQUIRE));
	__atomic_store_n(&fc.stop, 1, __ATOMIC_RELEASE);
	pthread_join(dev, NULL);
	pthread_join(irq, NULL);
	TH_LOG("first invocation handled %u records (queue of %u)", first, qsize);
	EXPECT_LE(first, qsize);
	EXPECT_GT(first, 0);
	/* The flood is over: a few more runs leave the queue empty. */
	for (i = 0; i < 4; i++)
		arm_smmu_evtq_irq(fx.drv);
	EXPECT_EQ(smmu_mmio_read32(fx.hw, SMMU_EVENTQ_CONS) & ((2u << fx.drv->evtq.log2) - 1),
		  smmu_mmio_read32(fx.hw, SMMU_EVENTQ_PROD) & ((2u << fx.drv->evtq.log2) - 1));
	arm_smmu_attach_blocked(m);
	arm_smmu_domain_free(dom);
	arm_smmu_release_device(m);
	dfx_fini(&fx);
}

/* ---- The domain ASID under seizing ------------------------------------------------ */

struct seize_ctx {
	struct arm_smmu_domain *dom;
	uint16_t asids[2];
	int stop;
};

/* What sva.c's ASID seizing does to a private domain: an atomic store. */
static void *seize_thread(void *arg)
{
	struct seize_ctx *sc = arg;
	unsigned int i;

	for (i = 0; !__atomic_load_n(&sc->stop, __ATOMIC_ACQUIRE); i++) {
		__atomic_store_n(&sc->dom->asid, sc->asids[i & 1], __ATOMIC_RELEASE);
		sched_yield();
	}
	return NULL;
}

/*
 * Invalidations read the domain's ASID while seizing may move it (sva.c
 * stores it atomically): under TSan the readers race with nobody, and
 * every unmap still sends its one TLBI.
 */
TEST(domain_asid_read_atomically_while_seized)
{
	struct seize_ctx sc = { 0 };
	struct smmu_config cfg;
	uint64_t buf, before;
	unsigned int i;
	pthread_t th;
	struct dfx fx;
	int other;

	smmu_config_default(&cfg);
	ASSERT_EQ(dfx_init(&fx, &cfg, &no_opts), 0);
	sc.dom = arm_smmu_domain_alloc_paging(fx.drv);
	ASSERT_TRUE(sc.dom != NULL);
	other = arm_smmu_asid_alloc(fx.drv, sc.dom);
	ASSERT_GT(other, 0);
	sc.asids[0] = arm_smmu_domain_asid(sc.dom);
	sc.asids[1] = (uint16_t)other;
	buf = frame_alloc(fx.pool, FRAME_ZERO);
	before = smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_VA);
	ASSERT_EQ(pthread_create(&th, NULL, seize_thread, &sc), 0);
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(arm_smmu_map(sc.dom, 0x200000, buf, 0x1000, IOMMU_READ), 0);
		EXPECT_EQ(arm_smmu_unmap(sc.dom, 0x200000, 0x1000), 0x1000);
	}
	__atomic_store_n(&sc.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	EXPECT_EQ(smmu_cmd_count(fx.hw, CMD_OP_TLBI_NH_VA) - before, 200);
	/* Free under the ASID it started with; the other is ours to erase. */
	__atomic_store_n(&sc.dom->asid, sc.asids[0], __ATOMIC_RELEASE);
	arm_smmu_asid_erase(fx.drv, sc.asids[1]);
	frame_put(fx.pool, buf);
	arm_smmu_domain_free(sc.dom);
	dfx_fini(&fx);
}
