// SPDX-License-Identifier: GPL-2.0
/*
 * libsva's installed interface (include/sva/sva.h), used the way a program
 * linking the library would: build a machine, run a process and a device,
 * bind them, DMA through the process's page tables, read the counters.
 */
#include <errno.h>

#include <sva/sva.h>

#include "tests/harness.h"

TEST_TIMEOUT(machine_through_the_public_header, 120)
{
	struct scn_machine cfg;
	struct scn_device dev = { .pci = true, .ats = true, .pri = true, .pasid_bits = 20,
				  .atc = 32, .prq = 16 };
	struct machine_dma op = { .kind = SCN_DMA_FILL, .addr = 0x400000, .len = 8192,
				  .byte = 0x5a, .pasid_valid = true };
	struct machine_dma_result res;
	struct machine *m;
	char why[256] = "";
	uint64_t where = 0, v = 0;
	uint32_t pasid = 0;
	int proc, d, h;

	scn_machine_defaults(&cfg);
	cfg.btm = false;
	m = machine_create(&cfg, why, sizeof(why));
	ASSERT_TRUE(m != NULL);
	proc = machine_process_create(m, why, sizeof(why));
	ASSERT_GE(proc, 0);
	d = machine_device_add(m, "acc", &dev, why, sizeof(why));
	ASSERT_GE(d, 0);
	ASSERT_EQ(machine_mmap(m, proc, 0x400000, 0x10000, SCN_PROT_R | SCN_PROT_W, false, why,
			       sizeof(why)), 0);
	h = machine_bind(m, d, proc, &pasid, why, sizeof(why));
	ASSERT_GE(h, 0);
	EXPECT_GE(pasid, 1);
	op.dev = d;
	op.pasid = pasid;
	ASSERT_EQ(machine_dma(m, &op, &res, why, sizeof(why)), 0);
	EXPECT_EQ(res.outcome, SCN_OUT_OK);
	EXPECT_EQ(machine_cpu_check(m, proc, 0x400000, 8192, 0x5a, &where), 0);
	ASSERT_EQ(machine_counter(m, "page_requests", &v), 0);
	EXPECT_GE(v, 2);	/* two pages faulted in by PRI */
	EXPECT_EQ(machine_counter(m, "no_such_counter", &v), -ENOENT);
	ASSERT_EQ(machine_unbind(m, h, why, sizeof(why)), 0);
	machine_destroy(m);
}
