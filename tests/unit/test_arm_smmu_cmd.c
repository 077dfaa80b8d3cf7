// SPDX-License-Identifier: GPL-2.0
/*
 * arm-smmu-v3 driver, pure parts: the command builder against golden
 * vectors worked out by hand from the SMMUv3 field positions (chapter 4),
 * the ATC_INV span computation, queue index arithmetic, and the ordered
 * StreamID tree.
 */
#include <errno.h>
#include <stdlib.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "tests/harness.h"

static void build(const struct arm_smmu_cmdq_ent *ent, uint64_t *cmd)
{
	ASSERT_EQ(arm_smmu_cmdq_build_cmd(cmd, ent), 0);
}

TEST(cfgi_golden)
{
	struct arm_smmu_cmdq_ent ent = { .opcode = CMD_OP_CFGI_STE,
					 .cfgi = { .sid = 0x1234, .leaf = true } };
	uint64_t cmd[2];

	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000123400000003ull);
	EXPECT_EQ(cmd[1], 0x1ull);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_CFGI_CD,
					  .cfgi = { .sid = 5, .ssid = 0x42, .leaf = false } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000000500042005ull);
	EXPECT_EQ(cmd[1], 0);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_CFGI_ALL,
					  .cfgi = { .sid = 0xffff, .span = CMD_CFGI_RANGE_ALL } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x4ull);	/* SID ignored with Range 31 */
	EXPECT_EQ(cmd[1], 0x1full);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_CFGI_STE_RANGE,
					  .cfgi = { .sid = 0x300, .span = 7 } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000030000000004ull);
	EXPECT_EQ(cmd[1], 0x7ull);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_CFGI_CD_ALL, .cfgi = { .sid = 7 } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000000700000006ull);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_PREFETCH_CONFIG,
					  .prefetch = { .sid = 0x77 } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000007700000001ull);
	EXPECT_EQ(cmd[1], 0);
}

TEST(tlbi_golden)
{
	struct arm_smmu_cmdq_ent ent = {
		.opcode = CMD_OP_TLBI_NH_VA,
		.tlbi = { .num = 2, .scale = 4, .asid = 0x1234, .leaf = true, .ttl = 3, .tg = 1,
			  .addr = 0x12345678abcull },
	};
	uint64_t cmd[2];

	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x1234000000402012ull);
	/* Address bits below 12 are not part of the command. */
	EXPECT_EQ(cmd[1], 0x0000012345678701ull);

	ent.opcode = CMD_OP_TLBI_EL2_VA;
	ent.tlbi.vmid = 9;	/* EL2 commands have no VMID */
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x1234000000402022ull);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_TLBI_NH_ASID,
					  .tlbi = { .asid = 0xbeef, .vmid = 3 } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0xbeef000300000011ull);
	EXPECT_EQ(cmd[1], 0);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_TLBI_EL2_ASID, .tlbi = { .asid = 5 } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0005000000000021ull);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_TLBI_NSNH_ALL };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x30ull);
	ent.opcode = CMD_OP_TLBI_EL2_ALL;
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x20ull);
	EXPECT_EQ(cmd[1], 0);
}

TEST(atc_pri_resume_sync_golden)
{
	struct arm_smmu_cmdq_ent ent = {
		.opcode = CMD_OP_ATC_INV,
		.substream_valid = true,
		.atc = { .ssid = 0x99, .sid = 0x10, .addr = 0x40000, .size = 2 },
	};
	uint64_t cmd[2];

	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000001000099840ull);
	EXPECT_EQ(cmd[1], 0x40002ull);
	ent.atc.global = true;
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000001000099a40ull);

	ent = (struct arm_smmu_cmdq_ent){
		.opcode = CMD_OP_PRI_RESP,
		.substream_valid = true,
		.pri = { .sid = 9, .ssid = 3, .grpid = 0x1ff, .resp = CMD_PRI_RESP_SUCCESS },
	};
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000000900003841ull);
	EXPECT_EQ(cmd[1], 0x21ffull);

	ent = (struct arm_smmu_cmdq_ent){
		.opcode = CMD_OP_RESUME,
		.resume = { .sid = 4, .stag = 0xabcd, .resp = ARM_SMMU_RESUME_RETRY },
	};
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000000400001044ull);
	EXPECT_EQ(cmd[1], 0xabcdull);
	ent.resume.resp = ARM_SMMU_RESUME_ABORT;
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000000400002044ull);
	ent.resume.resp = ARM_SMMU_RESUME_TERM;
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000000400000044ull);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_STALL_TERM, .resume = { .sid = 2 } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x0000000200000045ull);

	ent = (struct arm_smmu_cmdq_ent){
		.opcode = CMD_OP_SYNC,
		.sync = { .msiaddr = 0x80001004, .msidata = 7 },
	};
	build(&ent, cmd);
	/* CS = SIG_IRQ, MSH = ISH, MSIAttr = 0xf (Normal WB), MSIData = 7. */
	EXPECT_EQ(cmd[0], 0x000000070fc01046ull);
	EXPECT_EQ(cmd[1], 0x80001004ull);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_SYNC, .sync = { .sev = true } };
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x2046ull);
	EXPECT_EQ(cmd[1], 0);
	ent.sync.sev = false;
	build(&ent, cmd);
	EXPECT_EQ(cmd[0], 0x46ull);
}

TEST(builder_refuses_unknown_and_illegal)
{
	struct arm_smmu_cmdq_ent ent = { .opcode = 0x99 };
	uint64_t cmd[2] = { 0xdead, 0xbeef };

	EXPECT_EQ(arm_smmu_cmdq_build_cmd(cmd, &ent), -EINVAL);
	EXPECT_EQ(cmd[0], 0);
	EXPECT_EQ(cmd[1], 0);
	ent.opcode = CMD_OP_TLBI_S2_IPA;	/* not built by this driver */
	EXPECT_EQ(arm_smmu_cmdq_build_cmd(cmd, &ent), -EINVAL);

	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_PRI_RESP, .pri = { .resp = 3 } };
	EXPECT_EQ(arm_smmu_cmdq_build_cmd(cmd, &ent), -EINVAL);
	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_ATC_INV, .atc = { .size = 53 } };
	EXPECT_EQ(arm_smmu_cmdq_build_cmd(cmd, &ent), -EINVAL);
	ent = (struct arm_smmu_cmdq_ent){ .opcode = CMD_OP_RESUME, .resume = { .resp = 7 } };
	EXPECT_EQ(arm_smmu_cmdq_build_cmd(cmd, &ent), -EINVAL);

	EXPECT_STREQ(arm_smmu_name(smmuv3_cmd_name(CMD_OP_SYNC)), "CMD_SYNC");
	EXPECT_STREQ(arm_smmu_name(smmuv3_cmd_name(0x99)), "?");
	EXPECT_STREQ(arm_smmu_name(smmuv3_cmd_name(1000)), "?");
}

TEST(atc_inv_span)
{
	struct arm_smmu_cmdq_ent cmd;

	/* Pages 7..10 differ up to bit 3: a 16-page span from page 0. */
	arm_smmu_atc_inv_to_cmd(false, 0, 0x7000, 0x4000, &cmd);
	EXPECT_EQ(cmd.opcode, CMD_OP_ATC_INV);
	EXPECT_EQ(cmd.atc.addr, 0);
	EXPECT_EQ(cmd.atc.size, 4);
	EXPECT_FALSE(cmd.substream_valid);

	/* Pages 8..11: 4 pages from page 8. */
	arm_smmu_atc_inv_to_cmd(true, 5, 0x8000, 0x4000, &cmd);
	EXPECT_EQ(cmd.atc.addr, 0x8000);
	EXPECT_EQ(cmd.atc.size, 2);
	EXPECT_TRUE(cmd.substream_valid);
	EXPECT_EQ(cmd.atc.ssid, 5);

	/* One page, even with a sub-page size. */
	arm_smmu_atc_inv_to_cmd(false, 0, 0x5123, 0x10, &cmd);
	EXPECT_EQ(cmd.atc.addr, 0x5000);
	EXPECT_EQ(cmd.atc.size, 0);

	/* Size 0 means everything. */
	arm_smmu_atc_inv_to_cmd(false, 0, 0x5000, 0, &cmd);
	EXPECT_EQ(cmd.atc.size, CMD_ATC_SIZE_ALL);
	EXPECT_EQ(cmd.atc.addr, 0);

	/* Pages 0x7ffffffff..0x1000000000 differ up to bit 36: 2^37 pages from 0. */
	arm_smmu_atc_inv_to_cmd(false, 0, 0x7ffffffff000ull, 0x800000002000ull, &cmd);
	EXPECT_EQ(cmd.atc.addr, 0);
	EXPECT_EQ(cmd.atc.size, 37);
}

TEST(queue_index_arithmetic)
{
	struct arm_smmu_queue q = { .log2 = 2 };	/* 4 entries: idx bits 1:0, wrap bit 2 */

	EXPECT_TRUE(arm_smmu_q_empty(&q, 0, 0));
	EXPECT_TRUE(arm_smmu_q_empty(&q, 5, 5));
	EXPECT_FALSE(arm_smmu_q_empty(&q, 4, 0));
	EXPECT_TRUE(arm_smmu_q_full(&q, 4, 0));
	EXPECT_TRUE(arm_smmu_q_full(&q, 1, 5));
	EXPECT_FALSE(arm_smmu_q_full(&q, 3, 0));
	EXPECT_EQ(arm_smmu_q_inc(&q, 2), 3);
	EXPECT_EQ(arm_smmu_q_inc(&q, 3), 4);	/* index wraps, wrap bit flips */
	EXPECT_EQ(arm_smmu_q_inc(&q, 7), 0);
	EXPECT_EQ(arm_smmu_q_used(&q, 4, 0), 4);
	EXPECT_EQ(arm_smmu_q_used(&q, 1, 6), 3);
	EXPECT_EQ(arm_smmu_q_used(&q, 6, 6), 0);
	EXPECT_EQ(arm_smmu_q_idx(&q, 6), 2);
	EXPECT_EQ(arm_smmu_q_wrp(&q, 6), 4);
}

/* Height of the subtree, checking order and AVL balance on the way. */
static int check_tree(const struct arm_smmu_stream *s, int64_t lo, int64_t hi, int *bad)
{
	int l, r;

	if (!s)
		return 0;
	if ((int64_t)s->id <= lo || (int64_t)s->id >= hi)
		*bad = 1;
	l = check_tree(s->left, lo, s->id, bad);
	r = check_tree(s->right, s->id, hi, bad);
	if (l - r > 1 || r - l > 1 || s->height != (l > r ? l : r) + 1)
		*bad = 1;
	return (l > r ? l : r) + 1;
}

TEST(stream_tree_against_shadow)
{
	enum { N = 2000 };
	static struct arm_smmu_stream nodes[N];
	static bool in[N];
	struct arm_smmu_stream *root = NULL;
	unsigned int i, seed = 12345, id;
	int bad = 0, h;

	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		id = (seed >> 8) % N;
		if (in[id]) {
			EXPECT_EQ(arm_smmu_stream_find(root, id), &nodes[id]);
			arm_smmu_stream_erase(&root, id);
			in[id] = false;
		} else {
			EXPECT_EQ(arm_smmu_stream_find(root, id), NULL);
			nodes[id].id = id;
			ASSERT_EQ(arm_smmu_stream_insert(&root, &nodes[id]), 0);
			in[id] = true;
		}
	}
	for (i = 0; i < N; i++)
		EXPECT_EQ(arm_smmu_stream_find(root, i), in[i] ? &nodes[i] : NULL);
	h = check_tree(root, -1, (int64_t)N + 1, &bad);
	EXPECT_EQ(bad, 0);
	EXPECT_LE(h, 16);	/* AVL: height <= 1.44 log2(n + 2) */

	/* A duplicate is refused and leaves the tree as it was. */
	for (i = 0; i < N && !in[i]; i++)
		;
	ASSERT_LT(i, N);
	{
		struct arm_smmu_stream dup = { .id = i };

		EXPECT_EQ(arm_smmu_stream_insert(&root, &dup), -EEXIST);
		EXPECT_EQ(arm_smmu_stream_find(root, i), &nodes[i]);
	}
}
