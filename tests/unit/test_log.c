// SPDX-License-Identifier: GPL-2.0
/*
 * The libsva log (include/sva/log.h, os/printk.c, hw/log.c): levels,
 * hooks and their restoration, device naming, the count-based rate
 * limiting, and the model's per-instance hook.
 */
#include "hw/bus.h"
#include "os/printk.h"
#include "tests/harness.h"
#include "tests/unit/log_capture.h"

struct named {
	const char *name;
};

TEST(default_level_passes_only_bugs)
{
	struct log_capture cap = { 0 };

	if (getenv("SVA_LOG_LEVEL"))
		return;		/* the environment chose another default */
	/* The hook alone, at the default level. */
	sva_log_set_hook(log_capture_hook, &cap, NULL, NULL);
	EXPECT_TRUE(sva_log_enabled(SVA_LOG_CRIT));
	EXPECT_FALSE(sva_log_enabled(SVA_LOG_ERR));
	pr_err("an expected refusal");
	pr_warn("a warning");
	pr_debug("detail");
	pr_crit("BUG: broken %d", 1);
	sva_log_set_hook(NULL, NULL, NULL, NULL);
	ASSERT_EQ(cap.n, 1);
	EXPECT_EQ(cap.msg[0].level, SVA_LOG_CRIT);
	EXPECT_STREQ(cap.msg[0].text, "BUG: broken 1");
	EXPECT_STREQ(cap.msg[0].origin, "");
}

TEST(capture_sees_every_level_and_restores)
{
	struct log_capture outer, inner;
	struct named dev = { "acc0" };

	log_capture_start(&outer);
	log_capture_start(&inner);
	dev_dbg(&dev, "dbg %s", "x");
	dev_info(&dev, "info");
	dev_warn(&dev, "warn");
	dev_err(&dev, "err");
	log_capture_stop(&inner);
	pr_info("to the outer capture");
	log_capture_stop(&outer);
	/* Back to the default level once both are stopped. */
	EXPECT_FALSE(sva_log_enabled(SVA_LOG_ERR));

	ASSERT_EQ(inner.n, 4);
	EXPECT_EQ(inner.msg[0].level, SVA_LOG_DEBUG);
	EXPECT_STREQ(inner.msg[0].text, "dbg x");
	EXPECT_STREQ(inner.msg[3].origin, "acc0");
	EXPECT_EQ(log_capture_count(&inner, SVA_LOG_WARNING, ""), 2);
	EXPECT_EQ(log_capture_count(&inner, SVA_LOG_ERR, "err"), 1);
	EXPECT_EQ(outer.n, 1);
	EXPECT_EQ(log_capture_count(&outer, SVA_LOG_INFO, "to the outer capture"), 1);
}

TEST(ratelimit_burst_then_powers_of_two)
{
	unsigned long n, sup, passed = 0;

	for (n = 1; n <= PRINTK_RATELIMIT_BURST; n++) {
		EXPECT_TRUE(printk_ratelimit_pass(n, &sup));
		EXPECT_EQ(sup, 0);
	}
	for (; n < 1024; n++)
		if (printk_ratelimit_pass(n, &sup))
			passed++;
	EXPECT_EQ(passed, 5);	/* 32 64 128 256 512 */
	EXPECT_TRUE(printk_ratelimit_pass(32, &sup));
	EXPECT_EQ(sup, 15);	/* 17..31 */
	EXPECT_TRUE(printk_ratelimit_pass(64, &sup));
	EXPECT_EQ(sup, 31);	/* 33..63 */
	EXPECT_FALSE(printk_ratelimit_pass(33, &sup));
}

TEST(ratelimited_storm_stays_short_and_counts_the_rest)
{
	struct named dev = { "arm-smmu-v3" };
	struct log_capture cap;
	unsigned long sup = 0;
	unsigned int i;

	log_capture_start(&cap);
	for (i = 0; i < 1000; i++)
		dev_err_ratelimited(&dev, "fault %u", i);
	log_capture_stop(&cap);
	/* 16, then the 32nd ... 512th. */
	ASSERT_EQ(cap.n, PRINTK_RATELIMIT_BURST + 5);
	EXPECT_STREQ(cap.msg[15].text, "fault 15");
	EXPECT_STREQ(cap.msg[16].text, "fault 31");
	EXPECT_EQ(cap.msg[16].suppressed, 15);
	for (i = 0; i < cap.n; i++)
		sup += cap.msg[i].suppressed + 1;
	EXPECT_EQ(sup, 512);	/* every message up to the last one passed is accounted for */
}

/* One call site, so that its rate-limit count is shared. */
static void warn_from_one_site(unsigned int i)
{
	pr_warn_ratelimited("site %u", i);
}

TEST(ratelimited_messages_not_counted_when_disabled)
{
	struct log_capture cap;
	unsigned int i;

	/* Below the level nothing is counted: enabling later starts with a full burst. */
	for (i = 0; i < 100; i++)
		warn_from_one_site(i);
	log_capture_start(&cap);
	for (i = 0; i < PRINTK_RATELIMIT_BURST + 1; i++)
		warn_from_one_site(i);
	log_capture_stop(&cap);
	EXPECT_EQ(cap.n, PRINTK_RATELIMIT_BURST);
	EXPECT_STREQ(cap.msg[0].text, "site 0");
}

TEST(model_messages_go_to_the_instance_hook_only)
{
	struct log_capture global, mine = { 0 };
	struct log_sink none = { 0 }, sink = { log_capture_hook, &mine };

	log_capture_start(&global);
	hw_log(&none, SVA_LOG_ERR, "smmuv3", "nobody hears this");
	hw_log(NULL, SVA_LOG_ERR, "smmuv3", "nor this");
	hw_log(&sink, SVA_LOG_WARNING, "smmuv3", "command queue error %s", "CERROR_ILL");
	log_capture_stop(&global);
	EXPECT_EQ(global.n, 0);
	ASSERT_EQ(mine.n, 1);
	EXPECT_EQ(mine.msg[0].level, SVA_LOG_WARNING);
	EXPECT_STREQ(mine.msg[0].origin, "smmuv3");
	EXPECT_STREQ(mine.msg[0].text, "command queue error CERROR_ILL");
}

TEST(forward_joins_the_process_log_at_its_level)
{
	struct log_capture cap = { 0 };
	struct log_sink sink = { sva_log_forward, NULL };

	sva_log_set_hook(log_capture_hook, &cap, NULL, NULL);
	hw_log(&sink, SVA_LOG_WARNING, "smmuv3", "dropped at the default level");
	hw_log(&sink, SVA_LOG_CRIT, "smmuv3", "kept");
	sva_log_set_hook(NULL, NULL, NULL, NULL);
	ASSERT_EQ(cap.n, 1);
	EXPECT_STREQ(cap.msg[0].text, "kept");
}

TEST(level_names)
{
	EXPECT_STREQ(sva_log_level_name(SVA_LOG_ERR), "err");
	EXPECT_STREQ(sva_log_level_name(SVA_LOG_DEBUG), "debug");
	EXPECT_STREQ(sva_log_level_name((enum sva_log_level)8), "?");
}
