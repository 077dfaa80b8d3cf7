// SPDX-License-Identifier: GPL-2.0
/*
 * smmu_reset(): after it, an SMMU that did anything at all is the SMMU
 * smmu_create() gives: the same register file, no cached translation or
 * configuration, the new configuration's ID registers; and it refuses an
 * SMMU that is still busy. (The fuzz targets run every input on one reset
 * SMMU and rely on exactly this.)
 */
#include <pthread.h>

#include "hw/smmu/internal.h"
#include "hw/smmu/xlate.h"
#include "tests/harness.h"
#include "tests/unit/smmu_fixture.h"

#define SID	3
#define ASID	7
#define VA	0x400000ULL

/* Stream SID with one CD over a fresh page table mapping VA to data page 0. */
struct s1 {
	uint64_t root, cd, data, pte;
};

static void setup_s1(struct fx *fx, struct s1 *s, unsigned int cd_flags)
{
	struct fx_ste ste = { 0 };

	s->root = fx_pt_new(fx);
	s->cd = fx_alloc(fx, 64, 64);
	s->data = fx_alloc(fx, 4096 * 2, 4096);
	fx_cd(fx, s->cd, s->root, ASID, cd_flags);
	ste.cdptr = s->cd;
	fx_ste(fx, SID, &ste);
	s->pte = fx_map(fx, s->root, VA, s->data, FX_PTE_RW);
}

/* Every queue and stage off, and the command consumer seen between commands. */
static void quiesce(struct fx *fx)
{
	smmu_mmio_write32(fx->smmu, SMMU_CR0, 0);
	FX_WAIT(smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) == 0);
}

/*
 * Write patterns to every register, as a wild driver would: 64-bit
 * accesses, then 32-bit ones, CR0 left 0 and IRQ_CTRL last, so that what
 * they would lock stays writable meanwhile.
 */
static void scribble(struct smmu *s, uint32_t pattern)
{
	uint64_t off;

	for (off = 0; off < SMMU_MMIO_SIZE; off += 8)
		if (off != SMMU_CR0 && off != (SMMU_IRQ_CTRL & ~7ULL))
			smmu_mmio_write64(s, off, ~(uint64_t)pattern << 12 | off);
	for (off = 0; off < SMMU_MMIO_SIZE; off += 4)
		if (off != SMMU_CR0 && off != SMMU_IRQ_CTRL)
			smmu_mmio_write32(s, off, pattern ^ (uint32_t)off);
	/* GBPA changes only with Update set. */
	smmu_mmio_write32(s, SMMU_GBPA, SMMU_GBPA_UPDATE | SMMU_GBPA_ABORT);
	smmu_mmio_write32(s, SMMU_IRQ_CTRL, ~0u);
}

/* The register file, both access sizes, and the counters, of @a and @b agree. */
static void expect_same_as(struct smmu *a, struct smmu *b)
{
	unsigned int ev, op, differ = 0;
	uint64_t off;

	for (off = 0; off < SMMU_MMIO_SIZE; off += 4) {
		if (smmu_mmio_read32(a, off) == smmu_mmio_read32(b, off))
			continue;
		if (differ++ < 8)
			TH_LOG("offset %#llx: %#x, new SMMU %#x", (unsigned long long)off,
			       smmu_mmio_read32(b, off), smmu_mmio_read32(a, off));
	}
	for (off = 0; off < SMMU_MMIO_SIZE; off += 8)
		differ += smmu_mmio_read64(a, off) != smmu_mmio_read64(b, off);
	EXPECT_EQ(differ, 0);
	for (ev = 1; ev < SMMU_PMCG_NR_EVENTS; ev++)
		EXPECT_EQ(smmu_pmcg_read(b, ev), smmu_pmcg_read(a, ev));
	for (op = 0; op < CMD_OP_NR; op++)
		EXPECT_EQ(smmu_cmd_count(b, op), smmu_cmd_count(a, op));
}

TEST(reset_smmu_reads_as_a_new_one)
{
	struct smmu_config used, fresh;
	struct smmu *ref;
	struct fx fx;
	struct s1 s;

	smmu_config_default(&used);
	used.term_model = true;
	used.asid16 = false;
	used.cmdq_log2 = 10;
	used.btm = false;
	smmu_config_default(&fresh);
	fresh.pri = false;
	fresh.httu = SMMU_HTTU_HA;
	fresh.sid_bits = 12;

	ASSERT_EQ(fx_init_cfg(&fx, &used, true), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_READ, NULL), SMMU_TXN_OK);
	fx_cfgi_ste(&fx, SID);
	fx_sync(&fx);
	/* A command error: GERROR toggles. */
	fx_cmd(&fx, 0xff, 0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_GERROR) & SMMU_GERROR_CMDQ_ERR);
	quiesce(&fx);
	scribble(fx.smmu, 0x5a5a5a5a);
	quiesce(&fx);
	ASSERT_EQ(smmu_reset(fx.smmu, &fresh), 0);

	ref = smmu_create(&fresh, &fx.mem.bus);
	ASSERT_TRUE(ref != NULL);
	expect_same_as(ref, fx.smmu);
	EXPECT_EQ(smmu_get_config(fx.smmu)->sid_bits, 12);
	smmu_destroy(ref);
	fx_fini(&fx);
}

/*
 * A translation cached before the reset is not used after it: the PTE and
 * the STE change behind the SMMU's back (no TLBI, no CFGI), which a
 * cache would hide, and the reset SMMU sees both changes.
 */
TEST(reset_smmu_has_no_cached_translation)
{
	uint64_t pa = 0;
	struct fx fx;
	struct s1 s;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT);
	ASSERT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_READ, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data);
	/* Without invalidation the TLB still gives the old page: the cache is real. */
	fx_w64(&fx, s.pte, vmsa_addr_to_desc(s.data + 4096, 12) | FX_PTE_RW);
	ASSERT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_READ, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data);

	quiesce(&fx);
	ASSERT_EQ(smmu_reset(fx.smmu, NULL), 0);
	fx_program(&fx, true);
	ASSERT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_READ, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, s.data + 4096);

	/* The STE is cached now; it becomes an abort STE behind the SMMU's back. */
	fx_w64(&fx, fx.strtab + SID * 64, STRTAB_STE_0_V |
	       FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT));
	quiesce(&fx);
	ASSERT_EQ(smmu_reset(fx.smmu, NULL), 0);
	fx_program(&fx, true);
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_READ, NULL), SMMU_TXN_ABORT);
	fx_fini(&fx);
}

struct stalled_txn {
	struct fx *fx;
	enum smmu_txn_status status;
};

static void *stall_thread(void *arg)
{
	struct stalled_txn *t = arg;

	/* VA + 1 page is not mapped: the transaction faults and stalls. */
	t->status = fx_xlate(t->fx, SID, false, 0, VA + 4096, WALK_ACC_READ, NULL);
	return NULL;
}

TEST(reset_refuses_a_busy_smmu)
{
	struct stalled_txn t = { 0 };
	struct fx fx;
	struct s1 s;
	pthread_t th;

	ASSERT_EQ(fx_init(&fx), 0);
	setup_s1(&fx, &s, FX_CD_DEFAULT | FX_CD_S);
	/* The command queue is enabled: a command may be in progress. */
	EXPECT_EQ(smmu_reset(fx.smmu, NULL), -EBUSY);
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) & SMMU_CR0_CMDQEN, SMMU_CR0_CMDQEN);

	/* A parked transaction, with the queues off. */
	t.fx = &fx;
	ASSERT_EQ(pthread_create(&th, NULL, stall_thread, &t), 0);
	FX_WAIT(smmu_stall_waiting(&fx.smmu->xlate->stall) == 1);
	smmu_mmio_write32(fx.smmu, SMMU_CR0, SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN);
	FX_WAIT(!(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) & SMMU_CR0_CMDQEN));
	EXPECT_EQ(smmu_reset(fx.smmu, NULL), -EBUSY);
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_CR0), SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN);

	/* SMMUEN 1 -> 0 terminates it (§6.3.9.6); then the reset goes through. */
	quiesce(&fx);
	pthread_join(th, NULL);
	EXPECT_EQ(t.status, SMMU_TXN_ABORT);
	EXPECT_EQ(smmu_reset(fx.smmu, NULL), 0);
	fx_fini(&fx);
}

TEST(reset_refuses_a_configuration_no_smmu_has)
{
	struct smmu_config cfg;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	quiesce(&fx);
	smmu_config_default(&cfg);
	cfg.sid_bits = 33;
	EXPECT_EQ(smmu_reset(fx.smmu, &cfg), -EINVAL);
	EXPECT_EQ(smmu_get_config(fx.smmu)->sid_bits, fx.cfg.sid_bits);
	fx_fini(&fx);
}
