// SPDX-License-Identifier: GPL-2.0
/*
 * The stress oracle (sim/stress.c) and `sva info` (tools/cmd_info.c):
 * short runs find no violation and are deterministic; an oracle fed a
 * wrong expectation reports it; info decodes the ID registers of a machine
 * built with a known configuration into that configuration.
 */
#include "sim/machine.h"
#include "sim/stress.h"
#include "tests/harness.h"

/* The command's decoder and printer, compiled into this test. */
#include "tools/cmd_info.c"

#define STRESS_OPS	300

static struct stress *make_stress(uint64_t seed, unsigned int devices, unsigned int page_shift,
				  FILE *report)
{
	struct stress_opts o = {
		.seed = seed, .processes = 3, .devices = devices, .page_shift = page_shift,
		.report = report,
	};
	char why[256] = "";
	struct stress *s = stress_create(&o, why, sizeof(why));

	if (!s)
		TH_LOG("stress_create: %s", why);
	return s;
}

/* Run @ops operations and a final full check; the stats, or violations on failure. */
static struct stress_stats run_stress(uint64_t seed, unsigned int devices, unsigned int page_shift,
				      unsigned long ops)
{
	struct stress_stats st = { .violations = ~0ul };
	struct stress *s = make_stress(seed, devices, page_shift, stdout);

	if (!s)
		return st;
	if (!stress_run(s, ops) && !stress_verify(s))
		st = *stress_stats(s);
	stress_destroy(s);
	return st;
}

static void expect_clean(uint64_t seed, unsigned int devices, unsigned int page_shift)
{
	struct stress_stats st = run_stress(seed, devices, page_shift, STRESS_OPS);

	TH_LOG("seed %" PRIu64 " page 2^%u: %lu ops, dma ok %lu fault %lu mismatch %lu, binds %lu,"
	       " exits %lu", seed, page_shift, st.ops, st.dma_ok, st.dma_fault, st.dma_mismatch,
	       st.binds, st.exits);
	EXPECT_EQ(st.violations, 0);
	EXPECT_EQ(st.ops, STRESS_OPS);
	/* The run did what a stress is for: data moved, faults happened, bonds came and went. */
	EXPECT_GT(st.dma_ok, 0);
	EXPECT_GT(st.dma_fault, 0);
	EXPECT_GT(st.binds, 0);
	EXPECT_GT(st.verifies, 0);
}

TEST(stress_seed1_4k_no_violation)
{
	expect_clean(1, 2, 12);
}

TEST(stress_seed2_16k_no_violation)
{
	expect_clean(2, 2, 14);
}

TEST(stress_seed3_64k_no_violation)
{
	expect_clean(3, 2, 16);
}

/* The third device kind: a PCIe function without ATS and PRI (binds refused). */
TEST(stress_three_device_kinds_no_violation)
{
	expect_clean(4, 3, 12);
}

TEST(stress_same_seed_same_digest)
{
	struct stress_stats a = run_stress(42, 2, 12, STRESS_OPS);
	struct stress_stats b = run_stress(42, 2, 12, STRESS_OPS);
	struct stress_stats c = run_stress(43, 2, 12, STRESS_OPS);

	ASSERT_EQ(a.violations, 0);
	EXPECT_EQ(a.digest, b.digest);
	EXPECT_EQ(a.dma_ok, b.dma_ok);
	EXPECT_EQ(a.dma_fault, b.dma_fault);
	EXPECT_EQ(a.dma_mismatch, b.dma_mismatch);
	EXPECT_EQ(a.binds, b.binds);
	/* The digest covers the outcomes: another seed gives another sequence. */
	EXPECT_NE(a.digest, c.digest);
}

/*
 * A long run keeps its one machine: exits and unbinds give back what they
 * held, so it creates more processes and makes more binds than a machine
 * once allowed in its whole life (64 and 256), and stays clean.
 */
TEST(stress_long_run_keeps_one_machine)
{
	struct stress_opts o = { .seed = 99, .processes = 8, .devices = 2, .page_shift = 12,
				 .report = stdout };
	char why[256] = "";
	struct stress *s = stress_create(&o, why, sizeof(why));
	const struct stress_stats *st;

	ASSERT_TRUE(s != NULL);
	ASSERT_EQ(stress_run(s, 6000), 0);
	ASSERT_EQ(stress_verify(s), 0);
	st = stress_stats(s);
	TH_LOG("%lu machines, %lu exits, %lu binds", st->restarts + 1, st->exits, st->binds);
	EXPECT_EQ(st->restarts, 0);
	EXPECT_GT(o.processes + st->spawns, 64);
	EXPECT_EQ(st->violations, 0);
	stress_destroy(s);
}

/*
 * With 8-bit CPU ASIDs the run lives through ASID rollovers (a new
 * generation every ~250 new processes) while processes stay bound: the
 * pinned ASIDs of bound processes survive them and nothing goes stale. In
 * both SVA ASID designs; the run stops at the third rollover.
 */
static void rollover_run(bool private_asids)
{
	struct scn_machine m;
	struct stress_opts o = { .seed = 5, .processes = 6, .devices = 3, .machine = &m,
				 .report = stdout };
	char why[256] = "";
	const struct stress_stats *st;
	struct stress *s;

	scn_machine_defaults(&m);
	m.cpu_asid_bits = 8;
	/* More processes than CPUs: a bound one is often off-CPU at a rollover. */
	m.cpus = 1;
	m.sva_asid_private = private_asids;
	s = stress_create(&o, why, sizeof(why));
	ASSERT_TRUE(s != NULL);
	st = stress_stats(s);
	while (st->asid_rollovers < 3 && st->ops < 200000)
		ASSERT_EQ(stress_run(s, 2000), 0);
	ASSERT_EQ(stress_verify(s), 0);
	TH_LOG("%lu ops, %lu rollovers, %lu binds, %lu exits", st->ops, st->asid_rollovers,
	       st->binds, st->exits);
	EXPECT_GE(st->asid_rollovers, 3);
	EXPECT_GT(st->binds, 0);
	EXPECT_EQ(st->violations, 0);
	stress_destroy(s);
}

TEST(stress_cpu_asid_rollovers_shared_asids)
{
	rollover_run(false);
}

TEST(stress_cpu_asid_rollovers_private_asids)
{
	rollover_run(true);
}

/* Run until a process maps something readable, then lie to the oracle once. */
TEST(stress_wrong_expectation_is_a_violation)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *report = open_memstream(&buf, &len);
	struct stress *s;
	unsigned int i;

	ASSERT_TRUE(report != NULL);
	s = make_stress(7, 2, 12, report);
	ASSERT_TRUE(s != NULL);
	for (i = 0; i < 1000 && stress_inject_wrong_expectation(s); i++)
		ASSERT_EQ(stress_run(s, 1), 0);
	ASSERT_LT(i, 1000);
	stress_verify(s);
	EXPECT_GE(stress_stats(s)->violations, 1);
	stress_destroy(s);
	fclose(report);
	ASSERT_TRUE(buf != NULL);
	TH_LOG("%.*s", (int)(strchr(buf, '\n') ? strchr(buf, '\n') - buf : 0), buf);
	/* The report says where it happened and how to run it again. */
	EXPECT_TRUE(strstr(buf, "VIOLATION at op ") != NULL);
	EXPECT_TRUE(strstr(buf, "expected 0x") != NULL);
	EXPECT_TRUE(strstr(buf, "reproduce: sva stress --seed 7 --processes 3 --devices 2 --ops ")
		    != NULL);
	free(buf);
}

TEST(stress_bad_options)
{
	struct stress_opts o = { .seed = 1, .processes = 0, .devices = 2, .page_shift = 12 };
	char why[256] = "";

	EXPECT_TRUE(stress_create(&o, why, sizeof(why)) == NULL);
	EXPECT_TRUE(strstr(why, "processes") != NULL);
	o.processes = 2;
	o.page_shift = 13;
	EXPECT_TRUE(stress_create(&o, why, sizeof(why)) == NULL);
	EXPECT_TRUE(strstr(why, "page size") != NULL);
}

/* Lines of @buf holding both @a and @b. */
static unsigned int count_lines(const char *buf, const char *a, const char *b)
{
	char line[512];
	unsigned int n = 0;
	const char *l, *e;
	size_t len;

	for (l = buf; *l; l = *e ? e + 1 : e) {
		e = strchr(l, '\n');
		if (!e)
			e = l + strlen(l);
		len = (size_t)(e - l) < sizeof(line) ? (size_t)(e - l) : sizeof(line) - 1;
		memcpy(line, l, len);
		line[len] = '\0';
		n += strstr(line, a) && strstr(line, b);
	}
	return n;
}

/*
 * The two follow-ups that look for issue 15's bugs keep running: DMA
 * writes through a mapping munmap() removed after another process took
 * pages (they fault), and DMA writes after a CPU write following a DMA read
 * (most go through).
 */
TEST(stress_follow_ups_look_for_freed_frames_and_stale_read_only_entries)
{
	struct stress_opts o = { .seed = 1, .processes = 3, .devices = 3, .report = stdout };
	char *buf = NULL, why[256] = "";
	size_t len = 0;
	struct stress *s;

	o.log = open_memstream(&buf, &len);
	ASSERT_TRUE(o.log != NULL);
	s = stress_create(&o, why, sizeof(why));
	ASSERT_TRUE(s != NULL);
	ASSERT_EQ(stress_run(s, 3000), 0);
	EXPECT_EQ(stress_stats(s)->violations, 0);
	stress_destroy(s);
	fclose(o.log);
	ASSERT_TRUE(buf != NULL);
	TH_LOG("after-munmap-reuse: %u faulted; after-cpu-write: %u ok",
	       count_lines(buf, "dma after-munmap-reuse ", "-> fault"),
	       count_lines(buf, "dma after-cpu-write ", "-> ok"));
	EXPECT_GE(count_lines(buf, "dma after-munmap-reuse ", "-> fault"), 5);
	EXPECT_GE(count_lines(buf, "dma after-cpu-write ", "-> ok"), 5);
	free(buf);
}

/* The reproduce line names every machine setting and device kind that is not the default. */
TEST(stress_opts_name_every_setting_that_differs)
{
	struct scn_machine m;
	struct stress_opts o = { .seed = 9, .processes = 2, .devices = 4, .machine = &m,
				 .device_kinds = "platform stall,pci ats pri" };
	char buf[512];

	scn_machine_defaults(&m);
	m.e2h = true;
	m.httu = SCN_HTTU_NONE;
	m.page_shift = 16;
	m.cmdq = 4;
	stress_format_opts(&o, buf, sizeof(buf));
	EXPECT_STREQ(buf, "--seed 9 --processes 2 --devices 4 --httu none --cmdq 4 --e2h on"
		     " --page-size 64K --device-kinds platform+stall,pci+ats+pri");
	o.machine = NULL;
	o.device_kinds = NULL;
	o.page_shift = 14;
	stress_format_opts(&o, buf, sizeof(buf));
	EXPECT_STREQ(buf, "--seed 9 --processes 2 --devices 4 --page-size 16K");
}

/* Device kinds are device lines: what a device line refuses, a kind refuses. */
TEST(stress_device_kinds_parse_as_device_lines)
{
	struct stress_opts o = { .seed = 1, .processes = 2, .devices = 2,
				 .device_kinds = "pci+ats+pri+prq=4,platform stall" };
	char why[256] = "";
	struct stress *s = stress_create(&o, why, sizeof(why));

	ASSERT_TRUE(s != NULL);
	EXPECT_EQ(stress_run(s, 200), 0);
	EXPECT_EQ(stress_stats(s)->violations, 0);
	stress_destroy(s);
	o.device_kinds = "pci stall";
	EXPECT_TRUE(stress_create(&o, why, sizeof(why)) == NULL);
	EXPECT_TRUE(strstr(why, "device kind 'pci stall'") != NULL);
	o.device_kinds = "pci,,platform";
	EXPECT_TRUE(stress_create(&o, why, sizeof(why)) == NULL);
}

/*
 * Where the configuration rules SVA out (an SMMU with 8-bit ASIDs under
 * 16-bit CPU ASIDs), every bind must be refused, and is.
 */
TEST(stress_binds_refused_where_sva_cannot_work)
{
	struct scn_machine m;
	struct stress_opts o = { .seed = 3, .processes = 3, .devices = 2, .machine = &m,
				 .report = stdout };
	struct stress_stats st;
	char why[256] = "";

	scn_machine_defaults(&m);
	m.asid_bits = 8;
	ASSERT_EQ(stress_run_once(&o, 400, &st, why, sizeof(why)), 0);
	EXPECT_EQ(st.violations, 0);
	EXPECT_EQ(st.binds, 0);
	EXPECT_GT(st.refused_binds, 0);
}

/* ---- sva info ---------------------------------------------------------------- */

static struct machine *machine_from_words(int argc, char **argv)
{
	struct scn_machine cfg;
	char err[SCN_ERR_MAX] = "";
	struct machine *m;

	if (info_config(argc, argv, &cfg, err, sizeof(err))) {
		TH_LOG("config: %s", err);
		return NULL;
	}
	m = machine_create(&cfg, err, sizeof(err));
	if (!m)
		TH_LOG("machine: %s", err);
	return m;
}

static uint32_t field(struct machine *m, const char *reg, const char *name)
{
	static const struct { const char *reg; uint32_t off; } offs[] = {
		{ "SMMU_IDR0", SMMU_IDR0 }, { "SMMU_IDR1", SMMU_IDR1 }, { "SMMU_IDR5", SMMU_IDR5 },
	};
	uint32_t v = ~0u;
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(offs[i].reg, reg) &&
		    sva_info_decode(reg, name, machine_smmu_reg(m, offs[i].off), &v))
			TH_LOG("no field %s.%s", reg, name);
	return v;
}

TEST(info_decodes_a_known_config)
{
	char *words[] = {
		"btm=off", "ssid-bits=8", "sid-bits=12", "httu=ha", "stall=off", "oas=44",
		"ats=off", "pri=off", "cmdq=64", "evtq=128", "cd-table=linear", "asid-bits=8",
	};
	struct machine *m = machine_from_words(12, words);

	ASSERT_TRUE(m != NULL);
	EXPECT_EQ(field(m, "SMMU_IDR0", "BTM"), 0);
	EXPECT_EQ(field(m, "SMMU_IDR0", "HTTU"), SMMU_IDR0_HTTU_AF);
	EXPECT_EQ(field(m, "SMMU_IDR0", "STALL_MODEL"), SMMU_IDR0_STALL_MODEL_TERM);
	EXPECT_EQ(field(m, "SMMU_IDR0", "ATS"), 0);
	EXPECT_EQ(field(m, "SMMU_IDR0", "PRI"), 0);
	EXPECT_EQ(field(m, "SMMU_IDR0", "ASID16"), 0);
	EXPECT_EQ(field(m, "SMMU_IDR0", "CD2L"), 0);
	EXPECT_EQ(field(m, "SMMU_IDR0", "S1P"), 1);
	EXPECT_EQ(field(m, "SMMU_IDR0", "TTF"), SMMU_IDR0_TTF_AARCH64);
	EXPECT_EQ(field(m, "SMMU_IDR0", "ST_LEVEL"), SMMU_IDR0_ST_LEVEL_2LVL);
	EXPECT_EQ(field(m, "SMMU_IDR1", "SSIDSIZE"), 8);
	EXPECT_EQ(field(m, "SMMU_IDR1", "SIDSIZE"), 12);
	EXPECT_EQ(field(m, "SMMU_IDR1", "CMDQS"), 6);
	EXPECT_EQ(field(m, "SMMU_IDR1", "EVENTQS"), 7);
	EXPECT_EQ(field(m, "SMMU_IDR5", "OAS"), SMMU_OAS_44);
	EXPECT_EQ(field(m, "SMMU_IDR5", "GRAN4K"), 1);
	machine_destroy(m);
}

TEST(info_decodes_the_default_config)
{
	struct machine *m = machine_from_words(0, NULL);

	ASSERT_TRUE(m != NULL);
	EXPECT_EQ(field(m, "SMMU_IDR0", "BTM"), 1);
	EXPECT_EQ(field(m, "SMMU_IDR0", "HTTU"), SMMU_IDR0_HTTU_AF_DIRTY);
	EXPECT_EQ(field(m, "SMMU_IDR0", "STALL_MODEL"), SMMU_IDR0_STALL_MODEL_STALL);
	EXPECT_EQ(field(m, "SMMU_IDR0", "ATS"), 1);
	EXPECT_EQ(field(m, "SMMU_IDR0", "PRI"), 1);
	EXPECT_EQ(field(m, "SMMU_IDR0", "ASID16"), 1);
	EXPECT_EQ(field(m, "SMMU_IDR0", "CD2L"), 1);
	EXPECT_EQ(field(m, "SMMU_IDR1", "SSIDSIZE"), 20);
	EXPECT_EQ(field(m, "SMMU_IDR1", "SIDSIZE"), 16);
	EXPECT_EQ(field(m, "SMMU_IDR1", "CMDQS"), 8);
	EXPECT_EQ(field(m, "SMMU_IDR5", "OAS"), SMMU_OAS_48);
	EXPECT_EQ(field(m, "SMMU_IDR5", "STALL_MAX"), 64);
	machine_destroy(m);
}

/* The value printed on the line "  NAME  value" after register @reg's header. */
static long printed(const char *out, const char *reg, const char *name)
{
	const char *at = strstr(out, reg);
	char key[40];
	long v;

	if (!at)
		return -1;
	snprintf(key, sizeof(key), "\n  %s ", name);
	at = strstr(at, key);
	if (!at || sscanf(at + strlen(key), " %li", &v) != 1)
		return -1;
	return v;
}

/* Does the line starting with @head contain @word? -1 if there is no such line. */
static int line_has(const char *out, const char *head, const char *word)
{
	const char *line = strstr(out, head), *end, *w;

	if (!line)
		return -1;
	end = strchr(line, '\n');
	w = strstr(line, word);
	return w && (!end || w < end);
}

TEST(info_prints_registers_features_and_limits)
{
	char *words[] = { "btm=off", "ssid-bits=8", "cpus=2", "page-size=16K" };
	char *out = NULL, *err = NULL;
	size_t olen = 0, elen = 0;
	FILE *fo = open_memstream(&out, &olen), *fe = open_memstream(&err, &elen);

	ASSERT_TRUE(fo && fe);
	EXPECT_EQ(info_print(fo, fe, 4, words), 0);
	fclose(fo);
	fclose(fe);
	EXPECT_EQ(printed(out, "SMMU_IDR0", "BTM"), 0);
	EXPECT_EQ(printed(out, "SMMU_IDR1", "SSIDSIZE"), 8);
	EXPECT_EQ(printed(out, "SMMU_IDR5", "GRAN16K"), 1);
	EXPECT_EQ(line_has(out, "driver features:", " SVA"), 1);
	EXPECT_EQ(line_has(out, "driver features:", " BTM"), 0);
	EXPECT_TRUE(strstr(out, "CPUs 2, page size 16K") != NULL);
	EXPECT_TRUE(strstr(out, "STALL_MAX 64") != NULL);
	EXPECT_EQ(elen, 0);
	free(out);
	free(err);
}

TEST(info_bad_word_is_one_line_and_status_2)
{
	char *words[] = { "btm=maybe" };
	char *out = NULL, *err = NULL;
	size_t olen = 0, elen = 0;
	FILE *fo = open_memstream(&out, &olen), *fe = open_memstream(&err, &elen);

	ASSERT_TRUE(fo && fe);
	EXPECT_EQ(info_print(fo, fe, 1, words), 2);
	fclose(fo);
	fclose(fe);
	EXPECT_EQ(olen, 0);
	ASSERT_GT(elen, 0);
	EXPECT_TRUE(strchr(err, '\n') == err + elen - 1);
	EXPECT_TRUE(strstr(err, "btm") != NULL);
	free(out);
	free(err);
}
