// SPDX-License-Identifier: GPL-2.0
/*
 * A long-lived machine (sim/machine.h): processes and binds come and go,
 * and what an exit or an unbind gives back is reused, so the machine's
 * limits are the architecture's (PASIDs, ASIDs) and memory, not a count
 * of calls. Ids are not reused: a stale id names nothing, never another
 * process or bind.
 */
#include <errno.h>

#include <sva/sva.h>

#include "sim/machine_internal.h"
#include "tests/harness.h"

static struct machine *new_machine(void)
{
	struct scn_machine cfg;
	char why[256] = "";
	struct machine *m;

	scn_machine_defaults(&cfg);
	m = machine_create(&cfg, why, sizeof(why));
	if (!m)
		TH_LOG("machine_create: %s", why);
	return m;
}

static int add_device(struct machine *m, unsigned int pasid_bits)
{
	struct scn_device dev = { .pci = true, .ats = true, .pri = true,
				  .pasid_bits = pasid_bits, .atc = 32, .prq = 16 };
	char why[256] = "";

	return machine_device_add(m, "acc", &dev, why, sizeof(why));
}

/* Once 256 binds in a machine's life were all it could make, unbound or not. */
TEST_TIMEOUT(ten_thousand_bind_unbind_cycles, 300)
{
	struct machine_dma op = { .kind = SCN_DMA_FILL, .addr = 0x400000, .len = 4096,
				  .pasid_valid = true };
	struct machine_dma_result res;
	struct machine *m = new_machine();
	uint32_t pasid = 0, first = 0;
	char why[256] = "";
	int proc, d, h, prev = -1;
	unsigned int i;
	uint64_t where;

	ASSERT_TRUE(m != NULL);
	proc = machine_process_create(m, why, sizeof(why));
	d = add_device(m, 20);
	ASSERT_TRUE(proc >= 0 && d >= 0);
	ASSERT_EQ(machine_mmap(m, proc, 0x400000, 0x10000, SCN_PROT_R | SCN_PROT_W, false, why,
			       sizeof(why)), 0);
	for (i = 0; i < 10000; i++) {
		h = machine_bind(m, d, proc, &pasid, why, sizeof(why));
		if (h < 0)
			TH_LOG("bind %u: %s", i, why);
		ASSERT_GE(h, 0);
		ASSERT_NE(h, prev);		/* a new id each time */
		if (!i)
			first = pasid;
		ASSERT_EQ(pasid, first);	/* the mm keeps its PASID */
		if (i % 1000 == 999) {
			/* Still a working bind, not only a slot. */
			op.dev = d;
			op.pasid = pasid;
			op.byte = (uint8_t)(i / 1000);
			ASSERT_EQ(machine_dma(m, &op, &res, why, sizeof(why)), 0);
			EXPECT_EQ(res.outcome, SCN_OUT_OK);
			EXPECT_EQ(machine_cpu_check(m, proc, 0x400000, 4096, op.byte, &where), 0);
		}
		ASSERT_EQ(machine_unbind(m, h, why, sizeof(why)), 0);
		/* The old id is dead, whatever was reused behind it. */
		ASSERT_EQ(machine_unbind(m, h, why, sizeof(why)), -EINVAL);
		prev = h;
	}
	machine_destroy(m);
}

/* Once 64 processes in a machine's life were all it could create, exited or not. */
TEST_TIMEOUT(thousand_process_create_exit_cycles, 300)
{
	struct machine *m = new_machine();
	uint32_t pasid = 0;
	char why[256] = "";
	uint64_t where;
	unsigned int i;
	int d, p, h, keep;

	ASSERT_TRUE(m != NULL);
	d = add_device(m, 20);
	keep = machine_process_create(m, why, sizeof(why));
	ASSERT_TRUE(d >= 0 && keep >= 0);
	for (i = 0; i < 1000; i++) {
		p = machine_process_create(m, why, sizeof(why));
		if (p < 0)
			TH_LOG("process %u: %s", i, why);
		ASSERT_GE(p, 0);
		ASSERT_EQ(machine_mmap(m, p, 0x400000, 0x4000, SCN_PROT_R | SCN_PROT_W, true, why,
				       sizeof(why)), 0);
		ASSERT_EQ(machine_cpu_fill(m, p, 0x400000, 64, (uint8_t)i, &where), 0);
		if (i % 100 == 0) {
			/* A bound process exits, then its bind goes: both give back. */
			h = machine_bind(m, d, p, &pasid, why, sizeof(why));
			ASSERT_GE(h, 0);
			ASSERT_EQ(machine_exit(m, p, why, sizeof(why)), 0);
			ASSERT_EQ(machine_unbind(m, h, why, sizeof(why)), 0);
		} else {
			ASSERT_EQ(machine_exit(m, p, why, sizeof(why)), 0);
		}
		/* The exited id stays dead while new processes come. */
		EXPECT_EQ(machine_mmap(m, p, 0x800000, 0x1000, SCN_PROT_R, false, why,
				       sizeof(why)), -ESRCH);
	}
	EXPECT_STREQ(why, "the process has exited");
	/* The process that stayed was never confused with the others. */
	EXPECT_EQ(machine_cpu_check(m, keep, 0x400000, 1, 0, &where), -EFAULT);
	machine_destroy(m);
}

/*
 * Processes that run at once need CPUs of their own (sim/machine.h): with
 * as many processes as CPUs, each on its own CPU, also after exits.
 */
TEST(live_processes_do_not_share_a_cpu)
{
	struct machine *m = new_machine();
	unsigned int cpus = 4, seen = 0;
	char why[256] = "";
	int p[4], i;

	ASSERT_TRUE(m != NULL);
	ASSERT_EQ(m->cfg.cpus, cpus);
	for (i = 0; i < 4; i++)
		p[i] = machine_process_create(m, why, sizeof(why));
	ASSERT_EQ(machine_exit(m, p[0], why, sizeof(why)), 0);
	ASSERT_EQ(machine_exit(m, p[2], why, sizeof(why)), 0);
	p[0] = machine_process_create(m, why, sizeof(why));
	p[2] = machine_process_create(m, why, sizeof(why));
	ASSERT_TRUE(p[0] > p[3] && p[2] > p[0]);
	for (i = 0; i < 4; i++) {
		struct machine_proc *mp = machine_proc_get(m, p[i], why, sizeof(why));

		ASSERT_TRUE(mp != NULL);
		seen |= 1u << mp->cpu;
	}
	EXPECT_EQ(seen, (1u << cpus) - 1);
	machine_destroy(m);
}

/* The limit that stays is the architecture's: the PASIDs the device can carry. */
TEST(binds_stop_at_the_pasid_space_and_resume_after_unbind)
{
	struct machine *m = new_machine();
	char why[256] = "";
	int d, p[4], h[4], i, n;
	uint32_t pasid;

	ASSERT_TRUE(m != NULL);
	d = add_device(m, 2);		/* PASIDs 1..3: 0 is reserved (no-PASID traffic) */
	ASSERT_GE(d, 0);
	for (i = 0; i < 4; i++)
		p[i] = machine_process_create(m, why, sizeof(why));
	for (i = 0, n = 0; i < 4; i++) {
		why[0] = '\0';
		h[i] = machine_bind(m, d, p[i], &pasid, why, sizeof(why));
		n += h[i] >= 0;
	}
	TH_LOG("%d binds with 2 PASID bits; the refusal: %s", n, why);
	EXPECT_EQ(n, 3);
	EXPECT_LT(h[3], 0);
	ASSERT_EQ(machine_unbind(m, h[0], why, sizeof(why)), 0);
	ASSERT_EQ(machine_exit(m, p[0], why, sizeof(why)), 0);
	h[3] = machine_bind(m, d, p[3], &pasid, why, sizeof(why));
	EXPECT_GE(h[3], 0);
	machine_destroy(m);
}
