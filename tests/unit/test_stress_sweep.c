// SPDX-License-Identifier: GPL-2.0
/*
 * The stress oracle over every machine feature (sim/stress_sweep.c): one
 * test per sweep configuration, each a short run that must end clean, and
 * must have done what a stress is for (data moved, faults happened, and
 * where the configuration allows SVA, bonds came and went). `make
 * stress-long` runs the same configurations much longer.
 */
#include "sim/stress.h"
#include "tests/harness.h"

/* About 8 s for the whole sweep; ThreadSanitizer is some 10 times slower. */
#if defined(__SANITIZE_THREAD__)
#define SWEEP_OPS	1000
#else
#define SWEEP_OPS	4000
#endif
#define SWEEP_SEED	1

static void run_config(unsigned int i)
{
	struct stress_opts base = {
		.seed = SWEEP_SEED, .processes = 3, .devices = 3, .report = stdout,
		.report_max = 5,
	};
	struct scn_machine machine;
	struct stress_opts o;
	struct stress_stats st;
	char why[256] = "", how[512];
	int ret;

	ASSERT_LT(i, stress_nr_sweep_configs);
	ASSERT_EQ(stress_sweep_opts(&base, i, &o, &machine, why, sizeof(why)), 0);
	stress_format_opts(&o, how, sizeof(how));
	ret = stress_run_once(&o, SWEEP_OPS, &st, why, sizeof(why));
	TH_LOG("%s: %lu ops, %lu violations, dma ok %lu fault %lu, binds %lu (refused %lu)%s%s",
	       stress_sweep_configs[i].name, st.ops, st.violations, st.dma_ok, st.dma_fault,
	       st.binds, st.refused_binds, ret ? ": " : "", ret ? why : "");
	if (ret || st.violations)
		TH_LOG("reproduce: sva stress %s --ops %d", how, SWEEP_OPS);
	EXPECT_EQ(ret, 0);
	EXPECT_EQ(st.violations, 0);
	EXPECT_EQ(st.ops, SWEEP_OPS);
	/* Without a bond (SVA ruled out) no DMA reaches memory; every one faults. */
	if (st.binds)
		EXPECT_GT(st.dma_ok, 0);
	EXPECT_GT(st.dma_fault, 0);
	EXPECT_GT(st.binds + st.refused_binds, 0);
	EXPECT_GT(st.verifies, 0);
}

/* One function per configuration, registered under the configuration's name. */
#define SWEEP_TEST(n)	static void sweep_##n(void) { run_config(n); }
SWEEP_TEST(0) SWEEP_TEST(1) SWEEP_TEST(2) SWEEP_TEST(3) SWEEP_TEST(4) SWEEP_TEST(5) SWEEP_TEST(6) SWEEP_TEST(7)
SWEEP_TEST(8) SWEEP_TEST(9) SWEEP_TEST(10) SWEEP_TEST(11) SWEEP_TEST(12) SWEEP_TEST(13) SWEEP_TEST(14) SWEEP_TEST(15)
SWEEP_TEST(16) SWEEP_TEST(17) SWEEP_TEST(18) SWEEP_TEST(19) SWEEP_TEST(20) SWEEP_TEST(21) SWEEP_TEST(22) SWEEP_TEST(23)
SWEEP_TEST(24) SWEEP_TEST(25) SWEEP_TEST(26) SWEEP_TEST(27) SWEEP_TEST(28) SWEEP_TEST(29) SWEEP_TEST(30) SWEEP_TEST(31)
SWEEP_TEST(32) SWEEP_TEST(33) SWEEP_TEST(34) SWEEP_TEST(35) SWEEP_TEST(36) SWEEP_TEST(37) SWEEP_TEST(38) SWEEP_TEST(39)
SWEEP_TEST(40) SWEEP_TEST(41) SWEEP_TEST(42) SWEEP_TEST(43) SWEEP_TEST(44) SWEEP_TEST(45) SWEEP_TEST(46) SWEEP_TEST(47)

static void (*const sweep_fns[])(void) = {
	sweep_0, sweep_1, sweep_2, sweep_3, sweep_4, sweep_5, sweep_6, sweep_7,
	sweep_8, sweep_9, sweep_10, sweep_11, sweep_12, sweep_13, sweep_14, sweep_15,
	sweep_16, sweep_17, sweep_18, sweep_19, sweep_20, sweep_21, sweep_22, sweep_23,
	sweep_24, sweep_25, sweep_26, sweep_27, sweep_28, sweep_29, sweep_30, sweep_31,
	sweep_32, sweep_33, sweep_34, sweep_35, sweep_36, sweep_37, sweep_38, sweep_39,
	sweep_40, sweep_41, sweep_42, sweep_43, sweep_44, sweep_45, sweep_46, sweep_47,
};

#define NR_SWEEP_FNS	(sizeof(sweep_fns) / sizeof(sweep_fns[0]))

static char sweep_names[NR_SWEEP_FNS][96];

__attribute__((constructor)) static void register_sweep(void)
{
	unsigned int i;

	for (i = 0; i < stress_nr_sweep_configs && i < NR_SWEEP_FNS; i++) {
		snprintf(sweep_names[i], sizeof(sweep_names[i]), "sweep: %s",
			 stress_sweep_configs[i].name);
		harness_register(sweep_names[i], sweep_fns[i], 0);
	}
}

/* Every configuration has its test above. */
TEST(sweep_every_configuration_runs)
{
	EXPECT_LE(stress_nr_sweep_configs, NR_SWEEP_FNS);
}

/* Seeds come from the base seed and the name: the same each time, another for another name. */
TEST(sweep_seeds_are_derived)
{
	struct stress_opts base = { .seed = 5, .processes = 3, .devices = 3 };
	struct scn_machine m1, m2;
	struct stress_opts a, b, c;
	char why[256];

	ASSERT_EQ(stress_sweep_opts(&base, 1, &a, &m1, why, sizeof(why)), 0);
	ASSERT_EQ(stress_sweep_opts(&base, 1, &b, &m2, why, sizeof(why)), 0);
	EXPECT_EQ(a.seed, b.seed);
	EXPECT_NE(a.seed, base.seed);
	ASSERT_EQ(stress_sweep_opts(&base, 2, &c, &m2, why, sizeof(why)), 0);
	EXPECT_NE(a.seed, c.seed);
	EXPECT_NE(stress_sweep_opts(&base, stress_nr_sweep_configs, &c, &m2, why, sizeof(why)),
		  0);
}
