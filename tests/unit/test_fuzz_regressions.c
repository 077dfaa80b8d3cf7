// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzz targets built with gcc as a normal test: the checks they rely on
 * do catch what they claim to, the paths they are meant to reach are
 * reached, and inputs that once crashed the model are replayed.
 *
 * The targets are included whole (FUZZ_NO_ENTRY drops their libFuzzer entry
 * point); a failing check in them aborts, which fails the test.
 */
#define FUZZ_NO_ENTRY
#include "tests/fuzz/fuzz_scenario.c"
#include "tests/fuzz/fuzz_smmu_cmdq.c"
#include "tests/fuzz/fuzz_smmu_tables.c"

#include "tests/harness.h"

/* Run @fn(@arg) in a child; its exit status, or 128 + signal. */
static int run_child(void (*fn)(int), int arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* ---- The memory check ---------------------------------------------------- */

enum {
	STRAY_NONE, STRAY_GUARD, STRAY_STRICT, STRAY_PTABLE_AF, STRAY_PTABLE_OTHER, STRAY_MSI,
	STRAY_TABLE_AF, STRAY_OVERWRITTEN,
};

/* A machine, one write behind the harness's back of the kind @what, the check. */
static void stray_write(int what)
{
	struct fz_machine *m = calloc(1, sizeof(*m));
	struct smmu_config cfg;
	uint64_t strict, pt;

	smmu_config_default(&cfg);
	cfg.httu = SMMU_HTTU_HD;
	if (!fz_machine_init(m, &cfg))
		abort();
	strict = fz_alloc(m, 1, FZ_STRICT);
	pt = fz_alloc(m, 1, FZ_PTABLE);
	fz_w64(m, pt, VMSA_DESC_VALID | VMSA_DESC_PAGE | VMSA_PTE_DBM | VMSA_PTE_AP_RDONLY);
	fz_w64(m, pt + 8, VMSA_DESC_VALID | VMSA_DESC_TABLE);
	fz_table_desc(m, pt + 8);
	fz_allow_msi(m, strict + 0x40);
	/* The expected failure reports are noise in the test log. */
	if (what != STRAY_NONE && what != STRAY_PTABLE_AF && what != STRAY_MSI)
		freopen("/dev/null", "w", stderr);
	switch (what) {
	case STRAY_GUARD:
		phys_mem_write64(&m->mem, strict - 8, 0);
		break;
	case STRAY_STRICT:
		phys_mem_write64(&m->mem, strict + 0x100, 1);
		break;
	case STRAY_PTABLE_AF:	/* HTTU: AF set and dirty: allowed */
		phys_mem_write64(&m->mem, pt, VMSA_DESC_VALID | VMSA_DESC_PAGE | VMSA_PTE_DBM |
				 VMSA_PTE_AF);
		break;
	case STRAY_PTABLE_OTHER:	/* not an HTTU update */
		phys_mem_write64(&m->mem, pt, VMSA_DESC_VALID | VMSA_DESC_PAGE | VMSA_PTE_DBM |
				 VMSA_PTE_AP_RDONLY | VMSA_PTE_NG);
		break;
	case STRAY_MSI:	/* 4 bytes at an MSI address given to a CMD_SYNC: allowed */
		phys_mem_write(&m->mem, strict + 0x40, "\x01\x02\x03\x04", 4);
		break;
	case STRAY_TABLE_AF:	/* HTTU-shaped, but on a table descriptor */
		phys_mem_write64(&m->mem, pt + 8, VMSA_DESC_VALID | VMSA_DESC_TABLE | VMSA_PTE_AF);
		break;
	case STRAY_OVERWRITTEN:	/* caught when the harness writes over it */
		phys_mem_write64(&m->mem, strict + 0x200, 5);
		fz_w64(m, strict + 0x200, 0);
		break;
	}
	fz_machine_fini(m);
	fz_machine_release(m);
	free(m);
}

TEST(memory_check_catches_stray_writes)
{
	EXPECT_EQ(run_child(stray_write, STRAY_NONE), 0);
	EXPECT_EQ(run_child(stray_write, STRAY_GUARD), 128 + SIGABRT);
	EXPECT_EQ(run_child(stray_write, STRAY_STRICT), 128 + SIGABRT);
	EXPECT_EQ(run_child(stray_write, STRAY_PTABLE_AF), 0);
	EXPECT_EQ(run_child(stray_write, STRAY_PTABLE_OTHER), 128 + SIGABRT);
	EXPECT_EQ(run_child(stray_write, STRAY_MSI), 0);
	EXPECT_EQ(run_child(stray_write, STRAY_TABLE_AF), 128 + SIGABRT);
	EXPECT_EQ(run_child(stray_write, STRAY_OVERWRITTEN), 128 + SIGABRT);
}

/* ---- The command queue target reaches what it is meant to ------------------ */

/*
 * Linear tables, 16-entry queues, MSIs, stall model STALL: every StreamID
 * has one CD (STE class 7), the CD stalls and records (S, R).
 */
static void cmdq_setup(struct fz_machine *m, struct fzc_layout *l)
{
	struct fzc_hdr h;

	memset(&h, 0, sizeof(h));
	h.smmu[1] = 3 | 3 << 3 | 0x40;	/* CMDQS 4, BASE.LOG2SIZE 4, MSI */
	h.smmu[2] = 4 | 4 << 3;		/* EVENTQS 4 */
	h.smmu[4] = 8;			/* 16-bit ASIDs */
	memset(h.ste, 7, sizeof(h.ste));
	memset(h.cd, 2 | 4, sizeof(h.cd));
	if (!fzc_setup(m, &h, l))
		abort();
}

TEST(cmdq_illegal_command_then_fixed_by_ack)
{
	struct fz_machine *m = calloc(1, sizeof(*m));
	struct fzc_layout l = { 0 };

	cmdq_setup(m, &l);
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_CFGI_STE), 0);
	fz_cmdq_put(m, 0xff, 0);	/* reserved opcode */
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_SYNC), 0);
	fz_cmdq_kick(m);
	ASSERT_TRUE(fz_cmdq_error(m));
	EXPECT_EQ(FIELD_GET(SMMU_CMDQ_CONS_ERR, smmu_mmio_read32(m->smmu, SMMU_CMDQ_CONS)),
		  SMMU_CERROR_ILL);
	EXPECT_EQ(fz_cmdq_used(m), 2);
	fz_cmdq_ack(m, true);
	EXPECT_FALSE(fz_cmdq_error(m));
	EXPECT_EQ(fz_cmdq_used(m), 0);
	fz_machine_fini(m);
	fz_machine_release(m);
	free(m);
}

TEST(cmdq_sync_msi_into_its_own_slot)
{
	struct fz_machine *m = calloc(1, sizeof(*m));
	struct fzc_layout l = { 0 };
	uint64_t slot;

	cmdq_setup(m, &l);
	slot = fz_cmdq_slot(m, m->cmdq_prod);
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_SYNC) |
		    FIELD_PREP(CMD_0_SYNC_CS, CMD_SYNC_CS_IRQ) |
		    FIELD_PREP(CMD_0_SYNC_MSIDATA, 0x1234), slot);
	fz_cmdq_kick(m);
	EXPECT_FALSE(fz_cmdq_error(m));
	/*
	 * The MSI data overwrites the low word of the command itself. CONS
	 * moves before the MSI is written (§4.7.3: seeing the signal implies
	 * the consumption is visible, not the other way round), so wait for it.
	 */
	FZ_WAIT(m, (fz_r64(m, slot) & 0xffffffff) == 0x1234, "CMD_SYNC MSI write");
	EXPECT_EQ(fz_r64(m, slot) & 0xffffffff, 0x1234);
	fz_machine_fini(m);
	fz_machine_release(m);
	free(m);
}

TEST(cmdq_stalled_transaction_resumed)
{
	struct fz_machine *m = calloc(1, sizeof(*m));
	struct fzc_layout l = { 0 };
	struct smmu_txn txn = {
		.sid = 3, .addr = 4 * FZ_PAGE, .acc = WALK_ACC_WRITE,	/* page 4: invalid */
	};

	cmdq_setup(m, &l);
	ASSERT_TRUE(fz_txn(m, &txn));
	ASSERT_EQ(fz_stalled(m), 1);
	EXPECT_TRUE(fz_dev_busy(m));
	/* The transaction parks before its stall record is written: wait for the record. */
	FZ_WAIT(m, (fz_evtq_drain(m), m->have_stall), "the stall record");
	fzc_op_resume(m, 0x20);	/* terminate with abort */
	EXPECT_FALSE(m->have_stall);
	EXPECT_EQ(m->last_stall_sid, 3);
	FZ_WAIT(m, !fz_dev_busy(m), "resumed transaction");
	EXPECT_EQ(fz_stalled(m), 0);
	fz_machine_fini(m);
	fz_machine_release(m);
	free(m);
}

/*
 * Waiting for a transaction to park: device 1's parks while device 0's,
 * parked before, leaves. The wait used to compare the number of parked
 * transactions with the number before device 1's started (1 then, 1 now)
 * and reported "hang: transaction neither completes nor stalls" when this
 * happened during fuzz_smmu_cmdq inputs with two stalling devices.
 */
TEST(cmdq_parked_transaction_seen_while_another_leaves)
{
	struct fz_machine *m = calloc(1, sizeof(*m));
	struct fzc_layout l = { 0 };
	struct smmu_txn txn0 = { .sid = 3, .addr = 4 * FZ_PAGE };
	struct smmu_txn txn1 = { .sid = 5, .addr = 12 * FZ_PAGE };

	cmdq_setup(m, &l);
	ASSERT_TRUE(fz_txn_post(m, 0, &txn0, true));
	ASSERT_EQ(fz_stalled(m), 1);
	ASSERT_TRUE(fz_txn_post(m, 1, &txn1, false));
	FZ_WAIT(m, fz_stalled(m) == 2, "device 1 parks");
	/* Device 0's leaves: one parked transaction again, but it is device 1's. */
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_STALL_TERM) | FIELD_PREP(CMD_0_SID, 3), 0);
	fz_cmdq_kick(m);
	FZ_WAIT(m, !fz_dev_busy_nr(m, 0), "device 0 terminated");
	EXPECT_EQ(fz_stalled(m), 1);
	EXPECT_TRUE(fz_txn_settled(m, 1));
	EXPECT_FALSE(fz_txn_settled(m, 0) && fz_dev_busy_nr(m, 0));
	fz_machine_fini(m);
	fz_machine_release(m);
	free(m);
}

/* A stalled transaction left parked at the end of an input is released. */
TEST(cmdq_parked_transaction_released_at_end)
{
	struct fz_machine *m = calloc(1, sizeof(*m));
	struct fzc_layout l = { 0 };
	struct smmu_txn txn = { .sid = 5, .addr = 12 * FZ_PAGE };

	cmdq_setup(m, &l);
	/* Break the queue first: the release must repair it. */
	fz_cmdq_put(m, 0xff, 0);
	fz_cmdq_kick(m);
	ASSERT_TRUE(fz_txn(m, &txn));
	ASSERT_EQ(fz_stalled(m), 1);
	fz_machine_fini(m);
	fz_machine_release(m);
	free(m);
}

/* ---- The tables target --------------------------------------------------------- */

/* No stream table contents: the STE is invalid, C_BAD_STE is recorded. */
TEST(tables_empty_strtab_reports_bad_ste)
{
	static const uint8_t input[] = {
		0, 0, 6, 0x05 | 1 << 3, 2, 0x1f, 6, 0, 0, 0, 0, 0, 0,	/* header */
		0, 0, 0, 0, 0, 0,					/* no words */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00,			/* txn: SID 1 */
		0x07,							/* drain */
	};
	struct fzt t = { .m = calloc(1, sizeof(*t.m)) };
	struct fz_input in = { input + FZT_HDR_LEN, sizeof(input) - FZT_HDR_LEN };
	struct smmu_txn txn = { .sid = 1 };

	ASSERT_TRUE(fzt_setup(&t, input, &in));
	ASSERT_TRUE(fz_txn(t.m, &txn));
	fz_evtq_drain(t.m);
	EXPECT_EQ(t.m->events, 1);
	fz_machine_fini(t.m);
	fz_machine_release(t.m);
	free(t.m);
	/* And the same bytes through the target's entry. */
	EXPECT_EQ(fzt_one(input, sizeof(input)), 0);
}

/* ---- The scenario target -------------------------------------------------------- */

TEST(scenario_target_smoke)
{
	static const char script[] = "\x00smmu ssid-bits=8\ncpus 2\nprocess p\nmmap p 0x1000 4K rw\n"
				     "expect count\nbogus line\n\n# comment";
	static const uint8_t tokens[] = { 1, 0, 200, 41, 200, '\n', 6, 'p', '\n', 16, 19 };

	EXPECT_EQ(fuzz_scenario_one((const uint8_t *)script, sizeof(script) - 1), 0);
	EXPECT_EQ(fuzz_scenario_one(tokens, sizeof(tokens)), 0);
}

/* ---- Replays of inputs that crashed the model ----------------------------------- */

/* A hand-made program through the entry: stall, CERROR, ack, PRI, resume. */
TEST(cmdq_input_smoke)
{
	static const uint8_t input[] = {
		/* header: linear, STALL, ATS + PRI, HTTU HD, queues of 16, MSI */
		0x30 | 0x80, 0x5b, 0x24, 0x24, 0x08 | 0x70,
		7, 7, 7, 7, 7, 7, 7, 7,				/* one CD per SID */
		6, 6, 6, 6, 6, 6, 6, 6,				/* CDs stall + record */
		0,
		0x04, 0x02, 0x08, 0x00, 0x04, 0x00,		/* write to page 4: stalls */
		0x06,						/* drain */
		0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* raw opcode 0 */
		0x13,						/* ack, fixing it */
		0x07, 0x01, 0x23, 0x00, 0x05, 0x00, 0x00, 0x00,	/* page request, Last */
		0x09,						/* resume: retry */
		0x39,						/* resume: abort */
	};

	EXPECT_EQ(fzc_one(input, sizeof(input)), 0);
}

/*
 * fuzz_smmu_cmdq crash-31ad03ff (minimized, 30 bytes): a Last page request
 * discarded while the PRI queue is disabled was answered by the SMMU itself
 * with the request's 16-bit grpid unmasked, although the PRI queue entry
 * keeps only the 9-bit PRG index: the response must carry the index the
 * request had on the wire (fixed in hw/smmu/pri.c, pri_prg_index()).
 */
static void pri_auto_response_index(int unused)
{
	static const uint8_t input[] = {
		0xf5, 0xf5, 0x00, 0x4a, 0xb5, 0xc5, 0x00, 0xa6, 0xbf, 0x0a, 0xb5, 0xb5,
		0xb5, 0xb5, 0x0a, 0xb5, 0xb5, 0xb5, 0xb5, 0xb5, 0xb5, 0xb5,
		0xe8, 0x0a,				/* CR0: only PRIQEN and CMDQEN */
		0x27, 0x00, 0xb5, 0x00, 0xa3, 0xb5,	/* Last request, grpid 0xb5a3 */
	};
	struct fz_machine *m = calloc(1, sizeof(*m));
	struct fzc_layout l = { 0 };
	struct fz_input in = { input + FZC_HDR_LEN, sizeof(input) - FZC_HDR_LEN };
	struct fzc_hdr h;
	struct smmu_page_req req = { .ssv = true, .write = true, .last = true, .grpid = 0xb5a3 };

	(void)unused;
	memcpy(&h, input, sizeof(h));
	if (!fzc_setup(m, &h, &l))
		abort();
	fzc_op(m, &l, &in);	/* the CR0 write */
	smmu_page_request(m->smmu, 0, &req);	/* fz_ep_pri_resp checks the index */
	fz_machine_fini(m);
	fz_machine_release(m);
	free(m);
}

TEST(regression_pri_auto_response_prg_index)
{
	EXPECT_EQ(run_child(pri_auto_response_index, 0), 0);
}

/* ---- One machine for every input ------------------------------------------------- */

/* What an input left behind: the memory it laid out, and what the harness counted. */
static uint64_t machine_digest(const struct fz_machine *m)
{
	uint64_t h = 0xcbf29ce484222325ULL, i;

	for (i = 0; i < m->next - FZ_MEM_BASE; i++)
		h = (h ^ m->mem.host[i]) * 0x100000001b3ULL;
	h ^= m->events * 31 + m->pri_reqs * 37 + m->pri_resps * 41 + m->atc_invs * 43;
	return h ^ (m->next << 1);
}

/*
 * Inputs run on one reset machine are independent: an input leaves the
 * same memory and counts whether it runs first on a new machine or after
 * inputs that stalled, broke the command queue, filled the caches and
 * used other configurations. (No racing transactions in @p, and no stall
 * model: its outcome does not depend on timing.)
 */
TEST(cmdq_inputs_replay_the_same_after_others)
{
	static const uint8_t p[] = {
		/* header: linear, no stall model, ATS + PRI, HTTU HD, queues of 16, MSI */
		0x34 | 0x80, 0x5b, 0x24, 0x24, 0x08 | 0x70,
		7, 7, 7, 7, 7, 7, 7, 7,
		6, 6, 6, 6, 6, 6, 6, 6,
		0,
		0x04, 0x02, 0x08, 0x00, 0x04, 0x00,		/* write to page 4: faults */
		0x04, 0x01, 0x00, 0x00, 0x20, 0x01,		/* read of page 0 */
		0x06,						/* drain */
		0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* raw opcode 0 */
		0x13,						/* ack, fixing it */
		0x07, 0x01, 0x23, 0x00, 0x05, 0x00, 0x00, 0x00,	/* page request, Last */
		0x06,
	};
	static const uint8_t q[] = {		/* stalls, resumes, other queue sizes */
		0x30 | 0x80, 0x5b, 0x24, 0x24, 0x08 | 0x70,
		7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6, 6, 6, 0,
		0x04, 0x02, 0x08, 0x00, 0x04, 0x00, 0x06, 0x09,
		0x24, 0x03, 0x08, 0x00, 0x05, 0x00,		/* device 1 stalls too */
		0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	uint64_t alone, after, other;

	fz_machine_release(&fzc_machine);	/* a new machine */
	EXPECT_EQ(fzc_one(p, sizeof(p)), 0);
	alone = machine_digest(&fzc_machine);
	fz_machine_release(&fzc_machine);	/* a new one, made for q's configuration */
	EXPECT_EQ(fzc_one(q, sizeof(q)), 0);
	other = machine_digest(&fzc_machine);
	EXPECT_EQ(fzc_one(q, sizeof(q) - 17), 0);
	EXPECT_EQ(fzc_one(p, sizeof(p)), 0);
	after = machine_digest(&fzc_machine);
	EXPECT_EQ(after, alone);
	EXPECT_NE(other, alone);
	fz_machine_release(&fzc_machine);
}

TEST(tables_inputs_replay_the_same_after_others)
{
	static const uint8_t p[] = {
		0, 0, 6, 0x05 | 1 << 3, 2, 0x1f, 6, 0, 0, 0, 0, 0, 0x0f,	/* header */
		1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,	/* one STE word */
		0, 0, 1, 0x83, 0, 0, 0, 0, 0, 0, 0,			/* one CD word */
		0,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00,			/* txn: SID 1 */
		0x00, 0x08, 0x00, 0x00, 0x10, 0x00,			/* a write, SID 0 */
		0x07,
	};
	static const uint8_t q[] = {
		0x13, 0x41, 3, 0x0d, 0x32, 0x1f, 6, 0, 0, 0, 0, 0, 0x0f,
		4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0, 0, 0, 0,
		0x00, 0x08, 0x00, 0x00, 0x10, 0x00, 0x06, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x08, 0x00, 0x00, 0x10, 0x00,
	};
	uint64_t alone, after;

	fz_machine_release(&fzt_machine);
	EXPECT_EQ(fzt_one(p, sizeof(p)), 0);
	alone = machine_digest(&fzt_machine);
	fz_machine_release(&fzt_machine);
	EXPECT_EQ(fzt_one(q, sizeof(q)), 0);
	EXPECT_EQ(fzt_one(p, sizeof(p)), 0);
	after = machine_digest(&fzt_machine);
	EXPECT_EQ(after, alone);
	fz_machine_release(&fzt_machine);
}
