// SPDX-License-Identifier: GPL-2.0
/*
 * The default workload (sim/workload.c): short runs in every fault mode
 * end with no unexpected outcome and with the counters each mode must move
 * (page requests for PRI, stalls for stall devices, TLBIs without BTM),
 * and bad configurations are refused with a reason.
 *
 * Each run does a fixed number of iterations per process (min_iterations)
 * so what it must have done does not depend on how fast the machine is.
 */
#include <errno.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "sim/workload.h"
#include "tests/harness.h"

#define ITERATIONS	30

static void short_config(struct wl_config *cfg, enum wl_fault_mode mode)
{
	wl_config_default(cfg);
	cfg->processes = 2;
	cfg->devices = 2;
	cfg->size = 16 << 10;
	cfg->fault_mode = mode;
	cfg->duration = 0.2;
	cfg->min_iterations = ITERATIONS;
}

static void log_result(const struct wl_result *r)
{
	TH_LOG("copies %llu dma %llu expected faults %llu page requests %llu stalls %llu "
	       "iopf timed %llu", (unsigned long long)r->copies, (unsigned long long)r->dma_ops,
	       (unsigned long long)r->expected_faults, (unsigned long long)r->page_requests,
	       (unsigned long long)r->stalls, (unsigned long long)r->iopf_latency.count);
	if (r->first_problem[0])
		TH_LOG("first problem: %s", r->first_problem);
}

/* What every correct run shows, whatever the mode. */
static void expect_sane(struct wl_result *r, const struct wl_config *cfg)
{
	EXPECT_EQ(r->unexpected_faults, 0);
	EXPECT_EQ(r->unexpected_successes, 0);
	EXPECT_EQ(r->mismatches, 0);
	EXPECT_EQ(r->errors, 0);
	/* Every iteration copies once per device and checks each copy. */
	EXPECT_GE(r->copies, (uint64_t)ITERATIONS * cfg->processes * cfg->devices);
	EXPECT_GE(r->dma_bytes, r->copies * cfg->size);
	/* The probes hit unmapped and read-only ranges, and those must fault. */
	EXPECT_GT(r->expected_faults, 0);
	/* DMA raced munmap (either outcome is right; freed frames stay untouched). */
	EXPECT_GT(r->races, 0);
	EXPECT_LE(r->race_faults, r->races);
	EXPECT_GT(r->translations, 0);
	EXPECT_GE(r->smmu_transactions, r->tlb_misses);
	EXPECT_LE(r->iopf_latency.p50_ns, r->iopf_latency.p99_ns);
	EXPECT_LE(r->iopf_latency.p99_ns, r->iopf_latency.max_ns);
}

TEST_TIMEOUT(pri_faults_in_through_page_requests, 120)
{
	static struct wl_result r;
	struct wl_config cfg;
	char why[256] = "";

	short_config(&cfg, WL_FAULT_PRI);
	ASSERT_EQ(wl_run(&cfg, &r, why, sizeof(why)), 0);
	log_result(&r);
	expect_sane(&r, &cfg);
	EXPECT_GT(r.page_requests, 0);
	EXPECT_EQ(r.stalls, 0);
	EXPECT_GT(r.commands[CMD_OP_PRI_RESP], 0);
	/*
	 * Every page request group was answered, and each answer was timed
	 * unless it overtook the SMMU's report of the request.
	 */
	EXPECT_EQ(r.iopf_latency.count + r.iopf_latency.untimed, r.commands[CMD_OP_PRI_RESP]);
	EXPECT_GT(r.iopf_latency.count, 0);
	/* Unmapping buffers a device cached invalidates its ATC. */
	EXPECT_GT(r.commands[CMD_OP_ATC_INV], 0);
	EXPECT_GT(r.atc_hits, 0);
}

TEST_TIMEOUT(stall_devices_fault_in_through_stalls, 120)
{
	static struct wl_result r;
	struct wl_config cfg;
	char why[256] = "";

	short_config(&cfg, WL_FAULT_STALL);
	ASSERT_EQ(wl_run(&cfg, &r, why, sizeof(why)), 0);
	log_result(&r);
	expect_sane(&r, &cfg);
	EXPECT_GT(r.stalls, 0);
	EXPECT_EQ(r.page_requests, 0);
	EXPECT_EQ(r.commands[CMD_OP_RESUME], r.stalls);
	EXPECT_EQ(r.iopf_latency.count + r.iopf_latency.untimed, r.stalls);
	EXPECT_GT(r.iopf_latency.count, 0);
	EXPECT_GT(r.events[EVT_ID_F_TRANSLATION], 0);
	/* Platform devices have no ATC. */
	EXPECT_EQ(r.atc_hits, 0);
	EXPECT_EQ(r.commands[CMD_OP_ATC_INV], 0);
}

TEST_TIMEOUT(prefaulted_memory_copies_without_surprises, 120)
{
	static struct wl_result r;
	struct wl_config cfg;
	char why[256] = "";

	short_config(&cfg, WL_FAULT_PREFAULT);
	ASSERT_EQ(wl_run(&cfg, &r, why, sizeof(why)), 0);
	log_result(&r);
	expect_sane(&r, &cfg);
	EXPECT_EQ(r.stalls, 0);
}

/* Without ATS there is no PRI: prefault then runs on stall devices, no ATC. */
TEST_TIMEOUT(prefault_without_ats_uses_the_smmu_for_every_access, 120)
{
	static struct wl_result r;
	struct wl_config cfg;
	char why[256] = "";

	short_config(&cfg, WL_FAULT_PREFAULT);
	cfg.ats = false;
	ASSERT_EQ(wl_run(&cfg, &r, why, sizeof(why)), 0);
	log_result(&r);
	expect_sane(&r, &cfg);
	EXPECT_EQ(r.page_requests, 0);
	EXPECT_EQ(r.atc_hits, 0);
	EXPECT_EQ(r.commands[CMD_OP_ATC_INV], 0);
}

/* Without BTM and with private ASIDs the driver invalidates the SMMU TLB itself. */
TEST_TIMEOUT(no_btm_private_asid_16k_sends_tlbis, 120)
{
	static struct wl_result r;
	struct wl_config cfg;
	char why[256] = "";

	short_config(&cfg, WL_FAULT_PRI);
	cfg.btm = false;
	cfg.asid_private = true;
	cfg.page_shift = 14;
	ASSERT_EQ(wl_run(&cfg, &r, why, sizeof(why)), 0);
	log_result(&r);
	expect_sane(&r, &cfg);
	EXPECT_GT(r.commands[CMD_OP_TLBI_NH_VA] + r.commands[CMD_OP_TLBI_NH_ASID] +
		  r.commands[CMD_OP_TLBI_EL2_VA] + r.commands[CMD_OP_TLBI_EL2_ASID], 0);
	EXPECT_GT(r.commands[CMD_OP_SYNC], 0);
}

TEST(bad_configurations_are_refused_with_a_reason)
{
	static struct wl_result r;
	struct wl_config cfg;
	char why[256];

	short_config(&cfg, WL_FAULT_PRI);
	cfg.ats = false;
	why[0] = '\0';
	EXPECT_EQ(wl_run(&cfg, &r, why, sizeof(why)), -EINVAL);
	EXPECT_NE(strstr(why, "ats"), NULL);

	short_config(&cfg, WL_FAULT_PRI);
	cfg.processes = 0;
	EXPECT_EQ(wl_run(&cfg, &r, why, sizeof(why)), -EINVAL);

	short_config(&cfg, WL_FAULT_PRI);
	cfg.page_shift = 13;
	EXPECT_EQ(wl_run(&cfg, &r, why, sizeof(why)), -EINVAL);

	short_config(&cfg, WL_FAULT_STALL);
	cfg.processes = WL_MAX_PROCESSES;
	cfg.devices = WL_MAX_DEVICES;
	cfg.size = 16 << 20;
	why[0] = '\0';
	EXPECT_EQ(wl_run(&cfg, &r, why, sizeof(why)), -ENOMEM);
	EXPECT_NE(strstr(why, "RAM"), NULL);
}

