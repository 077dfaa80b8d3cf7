// SPDX-License-Identifier: GPL-2.0
/*
 * I/O page-fault latency from queue records (sim/fault_latency.c): a fault
 * is timed from its first record to the command that answers it, matched
 * the way the SMMU matches answers (StreamID + PRG index [+ PASID], or
 * StreamID + STAG); answers for nothing in flight are not samples.
 */
#include <time.h>

#include "arch/bitfield.h"
#include "arch/smmuv3.h"
#include "sim/fault_latency.h"
#include "tests/harness.h"

static void page_request(struct fault_latency *fl, uint32_t sid, uint32_t pasid, uint32_t prgi,
			 bool last)
{
	uint64_t raw[2] = {
		FIELD_PREP(PRIQ_0_SID, sid) | PRIQ_0_SSV | FIELD_PREP(PRIQ_0_SSID, pasid) |
		PRIQ_0_PERM_READ | (last ? PRIQ_0_LAST : 0),
		FIELD_PREP(PRIQ_1_PRG_IDX, prgi) | FIELD_PREP(PRIQ_1_ADDR, 0x1234),
	};

	fault_latency_feed(fl, SMMU_TRACE_PRI, raw);
}

static void pri_resp(struct fault_latency *fl, uint32_t sid, bool ssv, uint32_t pasid,
		     uint32_t prgi)
{
	uint64_t raw[2] = {
		FIELD_PREP(CMD_0_OP, CMD_OP_PRI_RESP) | FIELD_PREP(CMD_0_SID, sid) |
		(ssv ? CMD_0_SSV | FIELD_PREP(CMD_0_SSID, pasid) : 0),
		FIELD_PREP(CMD_1_PRI_GRPID, prgi) |
		FIELD_PREP(CMD_1_PRI_RESP, CMD_PRI_RESP_SUCCESS),
	};

	fault_latency_feed(fl, SMMU_TRACE_CMD, raw);
}

static void stall_event(struct fault_latency *fl, uint32_t sid, uint32_t stag)
{
	uint64_t raw[4] = {
		FIELD_PREP(EVT_0_ID, EVT_ID_F_TRANSLATION) | FIELD_PREP(EVT_0_SID, sid),
		EVT_1_STALL | FIELD_PREP(EVT_1_STAG, stag),
		0, 0,
	};

	fault_latency_feed(fl, SMMU_TRACE_EVT, raw);
}

static void stall_answer(struct fault_latency *fl, unsigned int op, uint32_t sid, uint32_t stag)
{
	uint64_t raw[2] = {
		FIELD_PREP(CMD_0_OP, op) | FIELD_PREP(CMD_0_SID, sid) | CMD_0_RESUME_AC,
		FIELD_PREP(CMD_1_RESUME_STAG, stag),
	};

	fault_latency_feed(fl, SMMU_TRACE_CMD, raw);
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };

	nanosleep(&ts, NULL);
}

TEST(a_group_is_timed_from_its_first_request_to_its_response)
{
	static struct fault_latency fl;
	struct fault_latency_summary s;

	fault_latency_init(&fl);
	page_request(&fl, 3, 7, 5, false);
	sleep_us(2000);
	page_request(&fl, 3, 7, 5, true);
	pri_resp(&fl, 3, true, 7, 5);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 1);
	/* At least the 2 ms between the first request and the answer. */
	EXPECT_GE(s.max_ns, 2000000);
	EXPECT_LE(s.p50_ns, s.max_ns);
	EXPECT_LE(s.p99_ns, s.max_ns);
	/* The group is gone: a second answer is not another sample. */
	pri_resp(&fl, 3, true, 7, 5);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 1);
	fault_latency_fini(&fl);
}

TEST(responses_match_stream_group_and_pasid_when_given)
{
	static struct fault_latency fl;
	struct fault_latency_summary s;

	fault_latency_init(&fl);
	page_request(&fl, 1, 10, 2, true);
	page_request(&fl, 1, 11, 2, true);
	pri_resp(&fl, 2, true, 10, 2);		/* another StreamID */
	pri_resp(&fl, 1, true, 10, 3);		/* another group */
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 0);
	pri_resp(&fl, 1, true, 11, 2);
	/* SSV = 0: the PRG index is unique per function, any PASID matches. */
	pri_resp(&fl, 1, false, 0, 2);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 2);
	fault_latency_fini(&fl);
}

TEST(stalls_are_timed_to_resume_and_dropped_by_stall_term)
{
	static struct fault_latency fl;
	struct fault_latency_summary s;

	fault_latency_init(&fl);
	stall_event(&fl, 4, 100);
	stall_event(&fl, 4, 101);
	stall_event(&fl, 5, 100);
	stall_answer(&fl, CMD_OP_RESUME, 4, 100);
	/* STALL_TERM answers every stall of StreamID 4: no latency sample. */
	stall_answer(&fl, CMD_OP_STALL_TERM, 4, 0);
	stall_answer(&fl, CMD_OP_RESUME, 4, 101);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 1);
	stall_answer(&fl, CMD_OP_RESUME, 5, 100);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 2);
	fault_latency_fini(&fl);
}

TEST(an_event_without_stall_waits_for_nothing)
{
	static struct fault_latency fl;
	struct fault_latency_summary s;
	uint64_t raw[4] = { FIELD_PREP(EVT_0_ID, EVT_ID_F_TRANSLATION) | FIELD_PREP(EVT_0_SID, 1),
			    FIELD_PREP(EVT_1_STAG, 9), 0, 0 };

	fault_latency_init(&fl);
	fault_latency_feed(&fl, SMMU_TRACE_EVT, raw);
	stall_answer(&fl, CMD_OP_RESUME, 1, 9);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 0);
	fault_latency_fini(&fl);
}

TEST(a_full_table_counts_untimed_faults_and_reset_keeps_those_in_flight)
{
	static struct fault_latency fl;
	struct fault_latency_summary s;
	unsigned int i;

	fault_latency_init(&fl);
	for (i = 0; i < FLAT_PENDING + 3; i++)
		stall_event(&fl, i / 1000, i % 1000);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.untimed, 3);
	fault_latency_reset(&fl);
	stall_answer(&fl, CMD_OP_RESUME, 0, 0);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 1);
	EXPECT_EQ(s.untimed, 0);
	fault_latency_fini(&fl);
}

/* The SMMU reports a record after publishing it: the answer may come first. */
TEST(an_answer_before_the_report_is_untimed_and_leaves_nothing_open)
{
	static struct fault_latency fl;
	struct fault_latency_summary s;
	unsigned int i;

	fault_latency_init(&fl);
	stall_answer(&fl, CMD_OP_RESUME, 1, 5);
	stall_event(&fl, 1, 5);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 0);
	EXPECT_EQ(s.untimed, 1);
	/* A group answered before its Last request was reported. */
	page_request(&fl, 2, 9, 4, false);
	pri_resp(&fl, 2, true, 9, 4);
	page_request(&fl, 2, 9, 4, true);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 1);
	EXPECT_EQ(s.untimed, 1);
	/* Nothing stayed open: the table takes FLAT_PENDING new faults. */
	for (i = 0; i < FLAT_PENDING; i++)
		stall_event(&fl, 3, i);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.untimed, 1);
	for (i = 0; i < FLAT_PENDING; i++)
		stall_answer(&fl, CMD_OP_RESUME, 3, i);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 1 + FLAT_PENDING);
	fault_latency_fini(&fl);
}

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

/* Latencies 1..1000 us: p50 and p99 within the resolution (1/16 of an octave). */
TEST(percentiles_follow_the_samples)
{
	static struct fault_latency fl;
	struct fault_latency_summary s;
	unsigned int i;

	fault_latency_init(&fl);
	fl.clock_ns = fake_clock;
	for (i = 1; i <= 1000; i++) {
		fake_now = 1000000;
		stall_event(&fl, 1, i);
		fake_now += i * 1000ull;
		stall_answer(&fl, CMD_OP_RESUME, 1, i);
	}
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.count, 1000);
	EXPECT_EQ(s.max_ns, 1000000);
	EXPECT_GE(s.p50_ns, 500000);
	EXPECT_LE(s.p50_ns, 500000 + 500000 / 16);
	EXPECT_GE(s.p99_ns, 990000);
	EXPECT_LE(s.p99_ns, 1000000);
	/* Small values are exact. */
	fault_latency_reset(&fl);
	fake_now = 0;
	stall_event(&fl, 1, 1);
	fake_now = 7;
	stall_answer(&fl, CMD_OP_RESUME, 1, 1);
	fault_latency_get(&fl, &s);
	EXPECT_EQ(s.p50_ns, 7);
	EXPECT_EQ(s.p99_ns, 7);
	fault_latency_fini(&fl);
}
