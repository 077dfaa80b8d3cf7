// SPDX-License-Identifier: GPL-2.0
/*
 * hw/smmu command queue consumer, driven through registers and memory as a
 * minimal driver would: commands written into the queue, CMDQ_PROD written,
 * CMDQ_CONS polled. Consumption and wrap, per-opcode counts, CMD_SYNC
 * completion (MSI write, wired IRQ, SEV), the CERROR_ILL / CERROR_ABT halt
 * and the restart through GERRORN, and CMDQEN gating. Command effects are
 * BACK's and tested there; only benign commands are used here.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>

#include "arch/smmuv3.h"
#include "hw/mem.h"
#include "hw/smmu/internal.h"
#include "hw/smmu/smmu.h"
#include "tests/harness.h"
#include "tests/unit/log_capture.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(16ULL << 20)
#define CMDQ_PA	(BASE + 0x10000)
#define MSI_PA	(BASE + 0x8000)
#define SPIN	20000000ul	/* bound on every poll loop */

#define OP_CFGI_ALL_W0	0x04ULL
#define OP_CFGI_ALL_W1	31ULL
#define OP_TLBI_NSNH	0x30ULL

struct fx {
	struct phys_mem mem;
	struct smmu *smmu;
	unsigned int log2;
	uint32_t prod;		/* driver's shadow of CMDQ_PROD */
	_Atomic unsigned int irqs[SMMU_NR_IRQS];
	_Atomic uint32_t msi_seen_in_cb;	/* MSI word read from the callback */
};

static void irq_cb_sync(void *ctx)
{
	struct fx *fx = ctx;
	uint8_t le[4];

	/* The MSI write must be visible before the callback. */
	if (!phys_mem_read(&fx->mem, MSI_PA, le, 4))
		atomic_store(&fx->msi_seen_in_cb,
			     le[0] | le[1] << 8 | le[2] << 16 | (uint32_t)le[3] << 24);
	atomic_fetch_add(&fx->irqs[SMMU_IRQ_CMD_SYNC], 1);
}

static void irq_cb_sev(void *ctx)
{
	struct fx *fx = ctx;

	atomic_fetch_add(&fx->irqs[SMMU_IRQ_SEV], 1);
}

static void irq_cb_gerror(void *ctx)
{
	struct fx *fx = ctx;

	atomic_fetch_add(&fx->irqs[SMMU_IRQ_GERROR], 1);
}

static void fx_init_cfg(struct fx *fx, const struct smmu_config *cfg, unsigned int log2)
{
	unsigned long i;

	memset(fx, 0, sizeof(*fx));
	ASSERT_EQ(phys_mem_init(&fx->mem, BASE, SIZE), 0);
	fx->smmu = smmu_create(cfg, &fx->mem.bus);
	ASSERT_TRUE(fx->smmu != NULL);
	smmu_set_irq(fx->smmu, SMMU_IRQ_CMD_SYNC, (struct irq_line){ irq_cb_sync, fx });
	smmu_set_irq(fx->smmu, SMMU_IRQ_SEV, (struct irq_line){ irq_cb_sev, fx });
	smmu_set_irq(fx->smmu, SMMU_IRQ_GERROR, (struct irq_line){ irq_cb_gerror, fx });
	fx->log2 = log2;
	smmu_mmio_write64(fx->smmu, SMMU_CMDQ_BASE, CMDQ_PA | log2);
	smmu_mmio_write32(fx->smmu, SMMU_CMDQ_PROD, 0);
	smmu_mmio_write32(fx->smmu, SMMU_CMDQ_CONS, 0);
	smmu_mmio_write32(fx->smmu, SMMU_CR0, SMMU_CR0_CMDQEN);
	for (i = 0; i < SPIN && !(smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) & SMMU_CR0_CMDQEN); i++)
		sched_yield();
	ASSERT_TRUE(smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) & SMMU_CR0_CMDQEN);
}

static void fx_init(struct fx *fx, unsigned int log2)
{
	struct smmu_config cfg;

	smmu_config_default(&cfg);
	fx_init_cfg(fx, &cfg, log2);
}

static void fx_fini(struct fx *fx)
{
	smmu_destroy(fx->smmu);
	phys_mem_fini(&fx->mem);
}

static uint32_t q_inc(uint32_t v, unsigned int log2)
{
	uint32_t mask = (2u << log2) - 1;

	return (v + 1) & mask;
}

static uint64_t slot_pa(struct fx *fx, uint32_t v)
{
	return CMDQ_PA + 16ull * (v & ((1u << fx->log2) - 1));
}

/* Write one command at the shadow PROD (no PROD register write). */
static void put(struct fx *fx, uint64_t w0, uint64_t w1)
{
	ASSERT_EQ(phys_mem_write64(&fx->mem, slot_pa(fx, fx->prod), w0), 0);
	ASSERT_EQ(phys_mem_write64(&fx->mem, slot_pa(fx, fx->prod) + 8, w1), 0);
	fx->prod = q_inc(fx->prod, fx->log2);
}

static void publish(struct fx *fx)
{
	smmu_mmio_write32(fx->smmu, SMMU_CMDQ_PROD, fx->prod);
}

static uint32_t cons_iw(struct fx *fx)
{
	return smmu_mmio_read32(fx->smmu, SMMU_CMDQ_CONS) & ((2u << fx->log2) - 1);
}

static bool cmdq_error(struct fx *fx)
{
	return (smmu_mmio_read32(fx->smmu, SMMU_GERROR) ^
		smmu_mmio_read32(fx->smmu, SMMU_GERRORN)) & SMMU_GERROR_CMDQ_ERR;
}

/* Wait until CONS reaches the shadow PROD or a command error is active. */
static bool wait_drained(struct fx *fx)
{
	unsigned long i;

	for (i = 0; i < SPIN; i++) {
		if (cons_iw(fx) == fx->prod)
			return true;
		if (cmdq_error(fx))
			return false;
		sched_yield();
	}
	return false;
}

static bool wait_error(struct fx *fx)
{
	unsigned long i;

	for (i = 0; i < SPIN && !cmdq_error(fx); i++)
		sched_yield();
	return cmdq_error(fx);
}

static bool wait_irq(struct fx *fx, enum smmu_irq irq, unsigned int n)
{
	unsigned long i;

	for (i = 0; i < SPIN && atomic_load(&fx->irqs[irq]) < n; i++)
		sched_yield();
	return atomic_load(&fx->irqs[irq]) >= n;
}

static uint64_t sync_w0(unsigned int cs, uint32_t data)
{
	return CMD_OP_SYNC | FIELD_PREP(CMD_0_SYNC_CS, cs) | FIELD_PREP(CMD_0_SYNC_MSIDATA, data);
}

TEST(consume_and_count)
{
	struct fx fx;
	unsigned int i;

	fx_init(&fx, 6);
	for (i = 0; i < 5; i++)
		put(&fx, OP_CFGI_ALL_W0, OP_CFGI_ALL_W1);
	put(&fx, OP_TLBI_NSNH, 0);
	put(&fx, 0x0000000500000003ULL, 1);		/* CFGI_STE sid 5 leaf */
	put(&fx, sync_w0(CMD_SYNC_CS_NONE, 0), 0);
	publish(&fx);
	ASSERT_TRUE(wait_drained(&fx));
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_CFGI_ALL), 5);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_TLBI_NSNH_ALL), 1);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_CFGI_STE), 1);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_SYNC), 1);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_TLBI_NH_ALL), 0);
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_CMDQ_CONS) & SMMU_CMDQ_CONS_ERR, 0);
	EXPECT_FALSE(cmdq_error(&fx));
	/* SIG_NONE signals nothing. */
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_CMD_SYNC]), 0);
	fx_fini(&fx);
}

TEST(queue_wraps)
{
	struct fx fx;
	unsigned int round, i;

	fx_init(&fx, 2);	/* 4 entries */
	for (round = 0; round < 5; round++) {
		/* Fill the queue completely: 3 commands and a SYNC. */
		for (i = 0; i < 3; i++)
			put(&fx, OP_CFGI_ALL_W0, OP_CFGI_ALL_W1);
		put(&fx, sync_w0(CMD_SYNC_CS_NONE, 0), 0);
		publish(&fx);
		ASSERT_TRUE(wait_drained(&fx));
		/* After a full lap the wrap bit has toggled, the index is back. */
		EXPECT_EQ(cons_iw(&fx), (round + 1) % 2 ? 4 : 0);
	}
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_CFGI_ALL), 15);
	fx_fini(&fx);
}

static bool write_cr0_sync(struct fx *fx, uint32_t val)
{
	unsigned long i;

	smmu_mmio_write32(fx->smmu, SMMU_CR0, val);
	for (i = 0; i < SPIN && smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) != val; i++)
		sched_yield();
	return smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) == val;
}

TEST(log2size_capped_by_idr1)
{
	struct smmu_config cfg;
	struct fx fx;
	unsigned int i;

	smmu_config_default(&cfg);
	cfg.cmdq_log2 = 2;
	fx_init_cfg(&fx, &cfg, 2);
	/* Software asks for 2^5 entries; the SMMU caps the queue at IDR1's 4. */
	ASSERT_TRUE(write_cr0_sync(&fx, 0));
	smmu_mmio_write64(fx.smmu, SMMU_CMDQ_BASE, CMDQ_PA | 5);
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_CMDQEN));
	for (i = 0; i < 4; i++)
		put(&fx, OP_CFGI_ALL_W0, OP_CFGI_ALL_W1);
	publish(&fx);
	ASSERT_TRUE(wait_drained(&fx));
	EXPECT_EQ(cons_iw(&fx), 4);	/* index 0, wrap 1 of a 4-entry queue */
	/* Slot 4 of a 32-entry queue holds garbage: it must not be read. */
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA + 64, 0xff), 0);
	put(&fx, sync_w0(CMD_SYNC_CS_NONE, 0), 0);
	publish(&fx);
	ASSERT_TRUE(wait_drained(&fx));
	EXPECT_EQ(cons_iw(&fx), 5);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_SYNC), 1);
	fx_fini(&fx);
}

TEST(illegal_command_halts_until_acknowledged)
{
	struct fx fx;
	uint32_t cons;

	fx_init(&fx, 4);
	put(&fx, OP_CFGI_ALL_W0, OP_CFGI_ALL_W1);
	put(&fx, 0x42, 0);				/* reserved opcode */
	put(&fx, OP_TLBI_NSNH, 0);
	put(&fx, sync_w0(CMD_SYNC_CS_NONE, 0), 0);
	publish(&fx);
	ASSERT_TRUE(wait_error(&fx));
	cons = smmu_mmio_read32(fx.smmu, SMMU_CMDQ_CONS);
	/* CONS stays on the bad command, ERR says why; nothing after it ran. */
	EXPECT_EQ(cons & 0x1f, 1);
	EXPECT_EQ(FIELD_GET(SMMU_CMDQ_CONS_ERR, cons), SMMU_CERROR_ILL);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_CFGI_ALL), 1);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_TLBI_NSNH_ALL), 0);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_SYNC), 0);
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_GERROR) & SMMU_GERROR_CMDQ_ERR,
		  SMMU_GERROR_CMDQ_ERR);
	/* GERROR_IRQEN was 0: no GERROR interrupt. */
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_GERROR]), 0);

	/* Rewriting PROD alone does not restart consumption (§7.1). */
	publish(&fx);
	EXPECT_TRUE(cmdq_error(&fx));
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_CMDQ_CONS) & 0x1f, 1);

	/* Fix the command in place, acknowledge: it is re-fetched. */
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA + 16, OP_CFGI_ALL_W0), 0);
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA + 24, OP_CFGI_ALL_W1), 0);
	smmu_mmio_write32(fx.smmu, SMMU_GERRORN, smmu_mmio_read32(fx.smmu, SMMU_GERROR));
	ASSERT_TRUE(wait_drained(&fx));
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_CFGI_ALL), 2);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_TLBI_NSNH_ALL), 1);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_SYNC), 1);
	fx_fini(&fx);
}

TEST(reserved_bit_and_unsupported_command_are_illegal)
{
	struct smmu_config cfg;
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.pri = false;
	cfg.hyp = false;
	fx_init_cfg(&fx, &cfg, 4);
	smmu_mmio_write32(fx.smmu, SMMU_IRQ_CTRL, SMMU_IRQ_CTRL_GERROR_IRQEN);

	/* CFGI_STE with a reserved dw1 bit. */
	put(&fx, 0x0000000100000003ULL, 0x2);
	publish(&fx);
	ASSERT_TRUE(wait_error(&fx));
	EXPECT_EQ(FIELD_GET(SMMU_CMDQ_CONS_ERR, smmu_mmio_read32(fx.smmu, SMMU_CMDQ_CONS)),
		  SMMU_CERROR_ILL);
	EXPECT_TRUE(wait_irq(&fx, SMMU_IRQ_GERROR, 1));

	/* Replace with PRI_RESP on an SMMU without PRI: still illegal. */
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA, 0x0000000100000041ULL), 0);
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA + 8, 0x2000), 0);
	smmu_mmio_write32(fx.smmu, SMMU_GERRORN, smmu_mmio_read32(fx.smmu, SMMU_GERROR));
	ASSERT_TRUE(wait_error(&fx));
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_CMDQ_CONS) & 0x1f, 0);
	EXPECT_TRUE(wait_irq(&fx, SMMU_IRQ_GERROR, 2));
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_GERROR]), 2);

	/* TLBI_EL2_ALL without HYP. */
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA, 0x20), 0);
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA + 8, 0), 0);
	smmu_mmio_write32(fx.smmu, SMMU_GERRORN, smmu_mmio_read32(fx.smmu, SMMU_GERROR));
	ASSERT_TRUE(wait_error(&fx));
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_TLBI_EL2_ALL), 0);

	/* A legal command finally goes through. */
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA, OP_TLBI_NSNH), 0);
	smmu_mmio_write32(fx.smmu, SMMU_GERRORN, smmu_mmio_read32(fx.smmu, SMMU_GERROR));
	ASSERT_TRUE(wait_drained(&fx));
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_TLBI_NSNH_ALL), 1);
	fx_fini(&fx);
}

/* The model tells its embedder's hook what was wrong, before CONS shows it. */
TEST(command_errors_reach_the_model_log_hook)
{
	struct log_capture cap = { 0 };
	struct fx fx;

	fx_init(&fx, 4);
	smmu_set_log(fx.smmu, log_capture_hook, &cap);
	put(&fx, OP_CFGI_ALL_W0, OP_CFGI_ALL_W1);
	put(&fx, 0x42, 0x1234);				/* reserved opcode */
	publish(&fx);
	ASSERT_TRUE(wait_error(&fx));
	ASSERT_EQ(cap.n, 1);
	EXPECT_EQ(cap.msg[0].level, SVA_LOG_WARNING);
	EXPECT_STREQ(cap.msg[0].origin, SMMU_LOG_ORIGIN);
	EXPECT_STREQ(cap.msg[0].text, "command queue error CERROR_ILL at CONS 0x1: "
		     "0000000000000042 0000000000001234");
	fx_fini(&fx);
}

TEST(fetch_abort_is_cerror_abt)
{
	struct fx fx;

	struct log_capture cap = { 0 };

	fx_init(&fx, 4);
	smmu_set_log(fx.smmu, log_capture_hook, &cap);
	ASSERT_TRUE(write_cr0_sync(&fx, 0));
	/* A queue outside RAM. */
	smmu_mmio_write64(fx.smmu, SMMU_CMDQ_BASE, 0x1000ULL | 4);
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_CMDQEN));
	fx.prod = 1;
	publish(&fx);
	ASSERT_TRUE(wait_error(&fx));
	EXPECT_EQ(FIELD_GET(SMMU_CMDQ_CONS_ERR, smmu_mmio_read32(fx.smmu, SMMU_CMDQ_CONS)),
		  SMMU_CERROR_ABT);
	EXPECT_EQ(cons_iw(&fx), 0);
	ASSERT_EQ(cap.n, 1);
	EXPECT_STREQ(cap.msg[0].text, "command queue error CERROR_ABT at CONS 0x0");
	fx_fini(&fx);
}

TEST(sync_msi_then_irq)
{
	struct fx fx;
	uint8_t le[4];

	fx_init(&fx, 4);
	ASSERT_EQ(phys_mem_write64(&fx.mem, MSI_PA, 0), 0);
	put(&fx, OP_CFGI_ALL_W0, OP_CFGI_ALL_W1);
	put(&fx, sync_w0(CMD_SYNC_CS_IRQ, 0xcafef00d), MSI_PA);
	publish(&fx);
	/* The signal comes after CONS moved (§4.7.3); wait for it, bounded. */
	ASSERT_TRUE(wait_irq(&fx, SMMU_IRQ_CMD_SYNC, 1));
	EXPECT_EQ(cons_iw(&fx), fx.prod);
	ASSERT_EQ(phys_mem_read(&fx.mem, MSI_PA, le, 4), 0);
	EXPECT_EQ(le[0] | le[1] << 8 | le[2] << 16 | (uint32_t)le[3] << 24, 0xcafef00d);
	/* Only 32 bits are written. */
	ASSERT_EQ(phys_mem_read(&fx.mem, MSI_PA + 4, le, 4), 0);
	EXPECT_EQ(le[0] | le[1] | le[2] | le[3], 0);
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_CMD_SYNC]), 1);
	/* The MSI write is visible before the callback runs. */
	EXPECT_EQ(atomic_load(&fx.msi_seen_in_cb), 0xcafef00d);
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_SEV]), 0);
	fx_fini(&fx);
}

TEST(sync_msi_into_its_own_slot)
{
	struct fx fx;
	uint64_t w0;

	/* Linux style: MSIData 0 written over the SYNC's own first word. */
	fx_init(&fx, 4);
	put(&fx, OP_TLBI_NSNH, 0);
	put(&fx, sync_w0(CMD_SYNC_CS_IRQ, 0), CMDQ_PA + 16);
	publish(&fx);
	ASSERT_TRUE(wait_irq(&fx, SMMU_IRQ_CMD_SYNC, 1));
	ASSERT_EQ(phys_mem_read64(&fx.mem, CMDQ_PA + 16, &w0), 0);
	EXPECT_EQ(w0 & 0xffffffff, 0);
	EXPECT_EQ(w0 >> 32, 0);
	fx_fini(&fx);
}

TEST(sync_wired_irq_and_sev)
{
	struct fx fx;

	fx_init(&fx, 4);
	ASSERT_EQ(phys_mem_write64(&fx.mem, MSI_PA, 0x1111), 0);
	put(&fx, sync_w0(CMD_SYNC_CS_IRQ, 0x5555), 0);	/* no MSI address: wired */
	put(&fx, sync_w0(CMD_SYNC_CS_SEV, 0x5555), MSI_PA);	/* SEV: no MSI */
	publish(&fx);
	ASSERT_TRUE(wait_drained(&fx));
	ASSERT_TRUE(wait_irq(&fx, SMMU_IRQ_CMD_SYNC, 1));
	ASSERT_TRUE(wait_irq(&fx, SMMU_IRQ_SEV, 1));
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_CMD_SYNC]), 1);
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_SEV]), 1);
	EXPECT_EQ(atomic_load(&fx.msi_seen_in_cb), 0x1111);
	fx_fini(&fx);
}

TEST(sync_msi_abort_sets_gerror)
{
	struct fx fx;

	fx_init(&fx, 4);
	put(&fx, sync_w0(CMD_SYNC_CS_IRQ, 1), 0x1000);	/* not RAM */
	publish(&fx);
	ASSERT_TRUE(wait_drained(&fx));
	/* The wired output still fires after the MSI attempt. */
	ASSERT_TRUE(wait_irq(&fx, SMMU_IRQ_CMD_SYNC, 1));
	EXPECT_TRUE(smmu_mmio_read32(fx.smmu, SMMU_GERROR) & SMMU_GERROR_MSI_CMDQ_ABT_ERR);
	/* The SYNC itself completed: no command error. */
	EXPECT_FALSE(cmdq_error(&fx));
	fx_fini(&fx);
}

TEST(cmdqen_gates_consumption)
{
	struct fx fx;

	fx_init(&fx, 4);
	ASSERT_TRUE(write_cr0_sync(&fx, 0));
	put(&fx, OP_CFGI_ALL_W0, OP_CFGI_ALL_W1);
	put(&fx, sync_w0(CMD_SYNC_CS_NONE, 0), 0);
	publish(&fx);
	/* Disabled, acknowledged: the consumer is stopped, nothing is read. */
	EXPECT_EQ(cons_iw(&fx), 0);
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_CFGI_ALL), 0);
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_CMDQEN));
	ASSERT_TRUE(wait_drained(&fx));
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_CFGI_ALL), 1);
	fx_fini(&fx);
}

static void trace_cb(void *ctx, enum smmu_trace_kind kind, const struct smmu_trace_info *info,
		     const uint64_t *raw, unsigned int n)
{
	uint64_t *seen = ctx;

	/* A command says what it is about itself: no info comes with it. */
	if (kind == SMMU_TRACE_CMD && n == 2 && !info && raw[0] == 0x0000000700000003ULL)
		seen[0]++;
}

TEST(trace_hook_sees_raw_commands)
{
	uint64_t seen[1] = { 0 };
	struct fx fx;

	fx_init(&fx, 4);
	smmu_set_trace(fx.smmu, trace_cb, seen);
	put(&fx, 0x0000000700000003ULL, 0);		/* CFGI_STE sid 7 */
	put(&fx, sync_w0(CMD_SYNC_CS_NONE, 0), 0);
	publish(&fx);
	ASSERT_TRUE(wait_drained(&fx));
	EXPECT_EQ(seen[0], 1);
	fx_fini(&fx);
}

TEST(sig_sev_without_sev_is_none)
{
	struct smmu_config cfg;
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.sev = false;
	fx_init_cfg(&fx, &cfg, 4);
	put(&fx, sync_w0(CMD_SYNC_CS_SEV, 0), 0);
	put(&fx, sync_w0(CMD_SYNC_CS_IRQ, 0), 0);
	publish(&fx);
	ASSERT_TRUE(wait_drained(&fx));
	/* The later SYNC's signal is the fence: the earlier one would be before it. */
	ASSERT_TRUE(wait_irq(&fx, SMMU_IRQ_CMD_SYNC, 1));
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_SEV]), 0);
	EXPECT_FALSE(cmdq_error(&fx));
	fx_fini(&fx);
}

/* ---- Concurrency: CMDQEN toggled while a driver keeps submitting --------- */

struct toggler {
	struct fx *fx;
	_Atomic bool stop;
	_Atomic unsigned int flips;
	_Atomic bool ack_failed;
};

static void *toggle_thread(void *p)
{
	struct toggler *t = p;

	while (!atomic_load(&t->stop)) {
		if (!write_cr0_sync(t->fx, 0) || !write_cr0_sync(t->fx, SMMU_CR0_CMDQEN))
			atomic_store(&t->ack_failed, true);
		atomic_fetch_add(&t->flips, 1);
		sched_yield();
	}
	return NULL;
}

static void cmdqen_toggling(bool threaded)
{
	struct toggler t = { 0 };
	unsigned int n = 0, total = 4000;
	uint32_t cons, used, size = 1u << 3;
	struct smmu_config cfg;
	unsigned long spins;
	pthread_t th;
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.cmdq_threaded = threaded;
	fx_init_cfg(&fx, &cfg, 3);
	t.fx = &fx;
	ASSERT_EQ(pthread_create(&th, NULL, toggle_thread, &t), 0);
	while (n < total) {
		/* Wait for room as a driver does (bounded). */
		for (spins = 0; spins < SPIN; spins++) {
			cons = cons_iw(&fx);
			used = (fx.prod - cons) & (2 * size - 1);
			/* CONS never overtakes PROD. */
			ASSERT_LE(used, size);
			if (used < size)
				break;
			sched_yield();
		}
		ASSERT_LT(spins, SPIN);
		put(&fx, OP_CFGI_ALL_W0, OP_CFGI_ALL_W1);
		publish(&fx);
		n++;
	}
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);
	EXPECT_FALSE(atomic_load(&t.ack_failed));
	ASSERT_TRUE(write_cr0_sync(&fx, SMMU_CR0_CMDQEN));
	ASSERT_TRUE(wait_drained(&fx));
	/* Every command consumed exactly once, whatever the interleaving. */
	EXPECT_EQ(smmu_cmd_count(fx.smmu, CMD_OP_CFGI_ALL), total);
	EXPECT_FALSE(cmdq_error(&fx));
	TH_LOG("%u commands across %u disable/enable cycles", total, atomic_load(&t.flips));
	fx_fini(&fx);
}

/* Consumed inside PROD writes, racing CR0 writes and the SMMU thread's acknowledgements. */
TEST(cmdqen_toggling_loses_and_repeats_nothing)
{
	cmdqen_toggling(false);
}

TEST(cmdqen_toggling_loses_and_repeats_nothing_threaded)
{
	cmdqen_toggling(true);
}

TEST(gerror_msi_on_command_error)
{
	struct fx fx;
	uint8_t le[4];

	fx_init(&fx, 4);
	smmu_mmio_write64(fx.smmu, SMMU_GERROR_IRQ_CFG0, MSI_PA);
	smmu_mmio_write32(fx.smmu, SMMU_GERROR_IRQ_CFG1, 0x600df00d);
	smmu_mmio_write32(fx.smmu, SMMU_IRQ_CTRL, SMMU_IRQ_CTRL_GERROR_IRQEN);
	put(&fx, 0xff, 0);					/* reserved opcode */
	publish(&fx);
	ASSERT_TRUE(wait_error(&fx));
	/* The MSI lands before the interrupt callback runs. */
	ASSERT_TRUE(wait_irq(&fx, SMMU_IRQ_GERROR, 1));
	ASSERT_EQ(phys_mem_read(&fx.mem, MSI_PA, le, 4), 0);
	EXPECT_EQ(le[0] | le[1] << 8 | le[2] << 16 | (uint32_t)le[3] << 24, 0x600df00d);
	/* Not acknowledged: a second error of the same kind does not signal again. */
	ASSERT_EQ(phys_mem_write64(&fx.mem, CMDQ_PA, 0xfe), 0);
	publish(&fx);
	EXPECT_EQ(atomic_load(&fx.irqs[SMMU_IRQ_GERROR]), 1);
	fx_fini(&fx);
}

TEST(sync_msi_is_one_32bit_word)
{
	struct fx fx;
	uint64_t v;

	fx_init(&fx, 4);
	ASSERT_EQ(phys_mem_write64(&fx.mem, MSI_PA, 0x1122334455667788ULL), 0);
	/* The upper word of a doubleword: the lower one is left alone. */
	put(&fx, sync_w0(CMD_SYNC_CS_IRQ, 0xa5a5a5a5), MSI_PA + 4);
	publish(&fx);
	ASSERT_TRUE(wait_irq(&fx, SMMU_IRQ_CMD_SYNC, 1));
	ASSERT_EQ(phys_mem_read64(&fx.mem, MSI_PA, &v), 0);
	EXPECT_EQ(v, 0xa5a5a5a555667788ULL);
	fx_fini(&fx);
}
