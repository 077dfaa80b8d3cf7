// SPDX-License-Identifier: GPL-2.0
/* sim/scenario: the scenario language parser (docs/SCENARIO.md). */
#include "sim/scenario.h"
#include "tests/harness.h"

static struct scn_parser parser;
static char err[SCN_ERR_MAX];

static int parse(const char *line, struct scn_cmd *cmd)
{
	err[0] = '\0';
	return scn_parse_line(&parser, line, 1, cmd, err, sizeof(err));
}

/* Parse a line that must be accepted. */
#define OK(line, cmd)								\
	do {									\
		if (parse(line, cmd))						\
			HARNESS_FAIL(1, "'%s' refused: %s", line, err);		\
	} while (0)

/* Parse a line that must be refused with a message containing @what. */
#define BAD(line, what)								\
	do {									\
		struct scn_cmd _c;						\
		if (!parse(line, &_c))						\
			HARNESS_FAIL(1, "'%s' accepted", line);			\
		if (!strstr(err, what))						\
			HARNESS_FAIL(0, "'%s': message '%s' lacks '%s'", line, err, what); \
	} while (0)

TEST(numbers)
{
	uint64_t v;

	ASSERT_EQ(scn_parse_number("0x400000", false, &v), 0);
	EXPECT_EQ(v, 0x400000);
	ASSERT_EQ(scn_parse_number("64K", true, &v), 0);
	EXPECT_EQ(v, 65536);
	ASSERT_EQ(scn_parse_number("2M", true, &v), 0);
	EXPECT_EQ(v, 2 << 20);
	ASSERT_EQ(scn_parse_number("1G", true, &v), 0);
	EXPECT_EQ(v, 1 << 30);
	ASSERT_EQ(scn_parse_number("0x10K", true, &v), 0);
	EXPECT_EQ(v, 16 << 10);
	EXPECT_EQ(scn_parse_number("64K", false, &v), -1);
	EXPECT_EQ(scn_parse_number("12a", false, &v), -1);
	EXPECT_EQ(scn_parse_number("0x", false, &v), -1);
	EXPECT_EQ(scn_parse_number("", false, &v), -1);
	EXPECT_EQ(scn_parse_number("K", true, &v), -1);
	EXPECT_EQ(scn_parse_number("18446744073709551616", false, &v), -1);
	EXPECT_EQ(scn_parse_number("17179869184G", true, &v), -1);
	ASSERT_EQ(scn_parse_number("18446744073709551615", false, &v), 0);
	EXPECT_EQ(v, UINT64_MAX);
}

TEST(machine_lines)
{
	struct scn_cmd cmd;

	scn_parser_init(&parser);
	EXPECT_EQ(parser.machine.ssid_bits, 20);
	EXPECT_TRUE(parser.machine.btm);
	EXPECT_EQ(parser.machine.httu, SCN_HTTU_HD);
	OK("smmu btm=off httu=ha ssid-bits=8 cd-table=linear # comment", &cmd);
	EXPECT_EQ(cmd.op, SCN_SMMU);
	EXPECT_FALSE(parser.machine.btm);
	EXPECT_EQ(parser.machine.httu, SCN_HTTU_HA);
	EXPECT_EQ(parser.machine.ssid_bits, 8);
	EXPECT_FALSE(parser.machine.cd_table_2level);
	OK("  smmu tlb=64 cmdq=1K ril=off e2h=on asid-bits=8 oas=40", &cmd);
	EXPECT_EQ(parser.machine.tlb, 64);
	EXPECT_EQ(parser.machine.cmdq, 1024);
	EXPECT_EQ(parser.machine.asid_bits, 8);
	EXPECT_TRUE(parser.machine.e2h);
	OK("cpus 2", &cmd);
	EXPECT_EQ(parser.machine.cpus, 2);
	EXPECT_EQ(parser.machine.cpu_asid_bits, 16);
	OK("cpus 3 cpu-asid-bits=8", &cmd);
	EXPECT_EQ(parser.machine.cpus, 3);
	EXPECT_EQ(parser.machine.cpu_asid_bits, 8);
	OK("page-size 64K", &cmd);
	EXPECT_EQ(parser.machine.page_shift, 16);
	OK("software sva-asid=private iopf-workers=3", &cmd);
	EXPECT_TRUE(parser.machine.sva_asid_private);
	EXPECT_EQ(parser.machine.iopf_workers, 3);
	OK("", &cmd);
	EXPECT_EQ(cmd.op, SCN_NOP);
	OK("   # only a comment", &cmd);
	EXPECT_EQ(cmd.op, SCN_NOP);

	BAD("smmu btm=maybe", "on or off");
	BAD("smmu asid-bits=12", "8 or 16");
	BAD("smmu cmdq=100", "power of two");
	BAD("smmu ssid-bits=21", "out of range");
	BAD("smmu colour=blue", "unknown smmu setting");
	BAD("smmu btm", "key=value");
	BAD("page-size 8K", "4K, 16K or 64K");
	BAD("cpus", "takes 1 argument");
	BAD("cpus 0", "out of range");
	BAD("cpus 2 cpu-asid-bits=12", "8 or 16");
	BAD("cpus 2 cpus=3", "its own value first");
	BAD("cpus 2 btm=on", "unknown cpus setting");
	BAD("cpus 2 8", "key=value");
	BAD("page-size 4K cpu-asid-bits=8", "takes 1 argument");
	BAD("software sva-asid=mine", "shared or private");

	OK("process p", &cmd);
	BAD("cpus 2", "before the first device or process");
	BAD("smmu btm=on", "before the first device or process");
}

TEST(devices_processes_memory)
{
	struct scn_cmd cmd;

	scn_parser_init(&parser);
	OK("device acc pci ats pri pasid-bits=16 atc=32 prq=8 sid=5", &cmd);
	EXPECT_EQ(cmd.op, SCN_DEVICE);
	EXPECT_STREQ(cmd.name, "acc");
	EXPECT_TRUE(cmd.dev.pci && cmd.dev.ats && cmd.dev.pri);
	EXPECT_EQ(cmd.dev.pasid_bits, 16);
	EXPECT_EQ(cmd.dev.atc, 32);
	EXPECT_EQ(cmd.dev.prq, 8);
	EXPECT_TRUE(cmd.dev.sid_set);
	EXPECT_EQ(cmd.dev.sid, 5);
	OK("device dma0 platform stall ssid-bits=4", &cmd);
	EXPECT_FALSE(cmd.dev.pci);
	EXPECT_TRUE(cmd.dev.stall);
	EXPECT_EQ(cmd.dev.pasid_bits, 4);
	BAD("device acc pci", "already exists");
	BAD("device x platform ats", "unknown platform device option");
	BAD("device x pci stall", "unknown pci device option");
	BAD("device x usb", "pci or platform");
	BAD("device 9x pci", "bad device name");

	OK("process app", &cmd);
	OK("mmap app 0x400000 64K rw populate", &cmd);
	EXPECT_EQ(cmd.op, SCN_MMAP);
	EXPECT_EQ(cmd.addr, 0x400000);
	EXPECT_EQ(cmd.size, 65536);
	EXPECT_EQ(cmd.prot, SCN_PROT_R | SCN_PROT_W);
	EXPECT_TRUE(cmd.populate);
	OK("mprotect app 0x400000 4K none", &cmd);
	EXPECT_EQ(cmd.prot, 0);
	OK("cpu-fill app 0x400000 8K 0x5a", &cmd);
	EXPECT_EQ(cmd.op, SCN_CPU_FILL);
	EXPECT_EQ(cmd.byte, 0x5a);
	OK("cpu-check app 0x400000 8K 90", &cmd);
	EXPECT_EQ(cmd.byte, 90);
	OK("clear-refs app 0x400000 64K", &cmd);
	EXPECT_EQ(cmd.op, SCN_CLEAR_REFS);
	OK("munmap app 0x400000 64K", &cmd);
	EXPECT_EQ(cmd.op, SCN_MUNMAP);
	BAD("mmap app 0x400000 64K rwz", "bad protection");
	BAD("mmap app 0x400000 64K rw now", "populate");
	BAD("mmap ghost 0x400000 64K rw", "unknown process 'ghost'");
	BAD("cpu-fill app 0x400000 8K 256", "byte out of range");
	BAD("munmap app 0x400000", "takes 3 arguments");
	BAD("frobnicate app", "unknown command 'frobnicate'");
	OK("exit app", &cmd);
	EXPECT_EQ(cmd.op, SCN_EXIT);
}

TEST(bind_dma_expect)
{
	struct scn_cmd cmd;

	scn_parser_init(&parser);
	OK("device acc pci ats pri", &cmd);
	OK("process app", &cmd);
	OK("bind acc app as h", &cmd);
	EXPECT_EQ(cmd.op, SCN_BIND);
	EXPECT_STREQ(cmd.name, "acc");
	EXPECT_STREQ(cmd.name2, "app");
	EXPECT_STREQ(cmd.name3, "h");
	EXPECT_EQ(cmd.expect, SCN_OUT_NONE);
	OK("bind acc app as h2 -> refused", &cmd);
	EXPECT_EQ(cmd.expect, SCN_OUT_REFUSED);
	BAD("bind acc app as h", "already exists");
	BAD("bind acc app h3", "usage");
	BAD("bind acc app to h3", "expected 'as'");
	BAD("bind acc app as h3 -> maybe", "ok or refused");

	OK("dma h fill 0x400000 8K 0x5a -> ok", &cmd);
	EXPECT_EQ(cmd.op, SCN_DMA);
	EXPECT_EQ(cmd.target, SCN_DMA_HANDLE);
	EXPECT_EQ(cmd.dma, SCN_DMA_FILL);
	EXPECT_EQ(cmd.size, 8192);
	EXPECT_EQ(cmd.expect, SCN_OUT_OK);
	OK("dma acc:7 copy 0x400000 0x500000 4K -> fault 0x400000", &cmd);
	EXPECT_EQ(cmd.target, SCN_DMA_PASID);
	EXPECT_EQ(cmd.pasid, 7);
	EXPECT_EQ(cmd.dma, SCN_DMA_COPY);
	EXPECT_EQ(cmd.addr2, 0x500000);
	EXPECT_EQ(cmd.expect, SCN_OUT_FAULT);
	EXPECT_EQ(cmd.expect_addr, 0x400000);
	OK("dma acc:- check 0x1000 4K 0 -> mismatch 0x1800", &cmd);
	EXPECT_EQ(cmd.target, SCN_DMA_NO_PASID);
	EXPECT_EQ(cmd.expect, SCN_OUT_MISMATCH);
	OK("dma h check 0x1000 4K 0", &cmd);
	EXPECT_EQ(cmd.expect, SCN_OUT_NONE);
	BAD("dma h fill 0x1000 4K 1 -> mismatch 0x1000", "only 'dma check'");
	BAD("dma h fill 0x1000 4K 1 -> fault", "takes an address");
	BAD("dma h move 0x1000 4K 1", "fill, copy or check");
	BAD("dma ghost:3 fill 0x1000 4K 1", "unknown device 'ghost'");
	BAD("dma acc:0x100000 fill 0x1000 4K 1", "20 bits");
	BAD("dma nope fill 0x1000 4K 1", "unknown handle 'nope'");
	BAD("dma h fill 0x1000 4K", "usage");

	OK("expect pasid h >= 1", &cmd);
	EXPECT_EQ(cmd.op, SCN_EXPECT_PASID);
	EXPECT_EQ(cmd.cmp, SCN_GE);
	OK("expect pasid h == pasid h2", &cmd);
	EXPECT_EQ(cmd.op, SCN_EXPECT_PASID_CMP);
	EXPECT_STREQ(cmd.name2, "h2");
	BAD("expect pasid h < pasid h2", "== or !=");
	OK("expect cd h epd0 == 1", &cmd);
	EXPECT_EQ(cmd.op, SCN_EXPECT_CD);
	EXPECT_STREQ(cmd.name3, "epd0");
	EXPECT_EQ(cmd.value, 1);
	OK("expect cd h asid == asid app", &cmd);
	EXPECT_EQ(cmd.op, SCN_EXPECT_CD_ASID);
	EXPECT_STREQ(cmd.name2, "app");
	BAD("expect cd h colour == 1", "unknown CD field");
	BAD("expect cd h t0sz == asid app", "usage");
	OK("expect pte app 0x400000 dirty == 1", &cmd);
	EXPECT_EQ(cmd.op, SCN_EXPECT_PTE);
	BAD("expect pte app 0x400000 dirty == 2", "0 or 1");
	BAD("expect pte app 0x400000 young == 1", "unknown PTE field");
	OK("expect count CMD_TLBI_NH_VA >= 1", &cmd);
	EXPECT_EQ(cmd.op, SCN_EXPECT_COUNT);
	EXPECT_STREQ(cmd.name3, "CMD_TLBI_NH_VA");
	BAD("expect count x =< 1", "bad comparison");
	BAD("expect colour x == 1", "expect what");
	OK("reset counters", &cmd);
	EXPECT_EQ(cmd.op, SCN_RESET_COUNTERS);
	BAD("reset everything", "usage");

	OK("unbind h", &cmd);
	EXPECT_EQ(cmd.op, SCN_UNBIND);
	BAD("dma h fill 0x1000 4K 1", "unknown handle 'h'");
	OK("bind acc app as h", &cmd);	/* the name is free again */
}

TEST(compare)
{
	EXPECT_TRUE(scn_compare(3, SCN_GE, 3));
	EXPECT_FALSE(scn_compare(2, SCN_GE, 3));
	EXPECT_TRUE(scn_compare(2, SCN_LT, 3));
	EXPECT_TRUE(scn_compare(2, SCN_NE, 3));
	EXPECT_FALSE(scn_compare(3, SCN_GT, 3));
	EXPECT_TRUE(scn_compare(3, SCN_LE, 3));
	EXPECT_STREQ(scn_cmp_str(SCN_LE), "<=");
}

TEST(hostile_lines)
{
	struct scn_cmd cmd;
	char line[4096];

	scn_parser_init(&parser);
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	BAD(line, "too long");
	memset(line, 0, sizeof(line));
	for (int i = 0; i < 40; i++)
		strcat(line, "x ");
	BAD(line, "too many words");
	BAD("process aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bad process name");
	OK("process \tq\t", &cmd);
	EXPECT_STREQ(cmd.name, "q");
}
