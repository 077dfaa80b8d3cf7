// SPDX-License-Identifier: GPL-2.0
/*
 * os/mm: address spaces on a real machine model — mmap/munmap/mprotect,
 * demand faults through the CPUs' MMUs, TLB maintenance order, MMU
 * notifiers, teardown, and faults racing munmap/mmap on several CPUs.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "hw/cpu.h"
#include "os/mm/mm.h"
#include "tests/harness.h"

#define BASE	PHYS_MEM_DEFAULT_BASE
#define SIZE	(128ULL << 20)
#define NR_CPUS	4
#define RW	(MM_PROT_READ | MM_PROT_WRITE)

struct fixture {
	struct phys_mem mem;
	struct frame_pool *frames;
	struct cpu_cluster *cpus;
	struct asid_allocator *asids;
	struct mm_system sys;
	uint64_t baseline;
	uint64_t page;
};

static uint64_t allocated(struct fixture *fx)
{
	struct frame_stats st;

	frame_get_stats(fx->frames, &st);
	return st.allocated;
}

/*
 * A machine with the @shift granule; @httu: the CPUs manage AF and dirty;
 * @vhe: the OS runs at EL2 with E2H, so its TLBIs target the EL2&0 regime.
 */
static void setup_machine_vhe(struct fixture *fx, unsigned int shift, bool httu, bool vhe)
{
	struct cpu_cluster_cfg ccfg = {
		.nr_cpus = NR_CPUS, .tlb_entries = 64, .asid_bits = 16, .pa_bits = 48,
		.hafdbs = httu, .vhe = vhe,
	};
	struct mm_system_cfg cfg = { 0 };

	ASSERT_EQ(phys_mem_init(&fx->mem, BASE, SIZE), 0);
	fx->frames = frame_pool_create(&fx->mem, BASE, SIZE, shift);
	ASSERT_TRUE(fx->frames != NULL);
	fx->cpus = cpu_cluster_create(&ccfg, &fx->mem.bus);
	ASSERT_TRUE(fx->cpus != NULL);
	fx->asids = asid_allocator_create(16, fx->cpus);
	ASSERT_TRUE(fx->asids != NULL);
	cfg.mem = &fx->mem;
	cfg.frames = fx->frames;
	cfg.cpus = fx->cpus;
	cfg.asids = fx->asids;
	cfg.hw_af_dirty = httu;
	ASSERT_EQ(mm_system_init(&fx->sys, &cfg), 0);
	mm_install_fault_handler(&fx->sys);
	fx->baseline = allocated(fx);
	fx->page = 1ULL << shift;
	mm_bind_cpu(0);
}

static void setup_machine(struct fixture *fx, unsigned int shift, bool httu)
{
	setup_machine_vhe(fx, shift, httu, false);
}

static void setup_granule(struct fixture *fx, unsigned int shift)
{
	setup_machine(fx, shift, false);
}

static void setup(struct fixture *fx)
{
	setup_machine(fx, 12, false);
}

/* Everything an mm held must be back by now. */
static void teardown(struct fixture *fx)
{
	unsigned int i;

	for (i = 0; i < NR_CPUS; i++)
		mm_switch(&fx->sys, NULL, i);
	EXPECT_EQ(allocated(fx), fx->baseline);
	mm_system_fini(&fx->sys);
	EXPECT_EQ(allocated(fx), 0);
	asid_allocator_destroy(fx->asids);
	cpu_cluster_destroy(fx->cpus);
	frame_pool_destroy(fx->frames);
	phys_mem_fini(&fx->mem);
}

static struct cpu *cpu0(struct fixture *fx)
{
	return cpu_get(fx->cpus, 0);
}

static unsigned int nr_vmas(struct mm *mm)
{
	return (unsigned int)mm->vmas.count;
}

static uint64_t pte_of(struct mm *mm, uint64_t va)
{
	return pgtable_read_pte(&mm->pgt, va);
}

static struct mm_stats stats(struct fixture *fx)
{
	struct mm_stats st;

	mm_get_stats(&fx->sys, &st);
	return st;
}

TEST(system_rejects_cpus_without_asids)
{
	struct fixture fx;
	struct mm_system sys;
	struct mm_system_cfg cfg = { 0 };

	setup(&fx);
	cfg.mem = &fx.mem;
	cfg.frames = fx.frames;
	cfg.cpus = fx.cpus;
	EXPECT_EQ(mm_system_init(&sys, &cfg), -EINVAL);
	teardown(&fx);
}

TEST(mmap_fixed_hint_and_bad_input)
{
	struct fixture fx;
	struct mm *mm;
	int64_t a, b, c;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	a = mm_mmap(mm, 0, 4 * fx.page, MM_PROT_READ, 0);
	EXPECT_EQ(a, (int64_t)MM_UNMAPPED_BASE);
	/* A free hint is honoured, a busy one moves up past the mapping. */
	b = mm_mmap(mm, 0x100000, fx.page, RW, 0);
	EXPECT_EQ(b, 0x100000);
	c = mm_mmap(mm, (uint64_t)a + fx.page, 2 * fx.page, RW, 0);
	ASSERT_GT(c, 0);
	EXPECT_GE((uint64_t)c, (uint64_t)a + 4 * fx.page);
	EXPECT_EQ(nr_vmas(mm), 3);
	/* MAP_FIXED replaces part of a mapping: the old area is split around it. */
	EXPECT_EQ(mm_mmap(mm, (uint64_t)a + fx.page, fx.page, RW, MM_MAP_FIXED), a + (int64_t)fx.page);
	EXPECT_EQ(nr_vmas(mm), 5);
	EXPECT_EQ(vma_lookup(&mm->vmas, (uint64_t)a)->vm_flags, MM_PROT_READ);
	EXPECT_EQ(vma_lookup(&mm->vmas, (uint64_t)a + fx.page)->vm_flags, RW);
	EXPECT_EQ(vma_lookup(&mm->vmas, (uint64_t)a + 2 * fx.page)->vm_flags, MM_PROT_READ);
	EXPECT_EQ(mm_mmap(mm, (uint64_t)a, fx.page, RW, MM_MAP_FIXED_NOREPLACE), -EEXIST);
	EXPECT_EQ(mm_mmap(mm, (uint64_t)a + 1, fx.page, RW, MM_MAP_FIXED), -EINVAL);
	EXPECT_EQ(mm_mmap(mm, fx.page, fx.page, RW, MM_MAP_FIXED), -EPERM);
	/* An unaligned hint rounds up, as Linux's PAGE_ALIGN(addr). */
	EXPECT_EQ(mm_mmap(mm, 0x700001, fx.page, RW, 0), 0x701000);
	EXPECT_EQ(mm_mmap(mm, 0, 0, RW, 0), -EINVAL);
	EXPECT_EQ(mm_mmap(mm, 0, fx.page, 8, 0), -EINVAL);
	EXPECT_EQ(mm_mmap(mm, MM_TASK_SIZE - fx.page, 2 * fx.page, RW, MM_MAP_FIXED), -EINVAL);
	EXPECT_EQ(mm_mmap(mm, 0, MM_TASK_SIZE, RW, 0), -ENOMEM);
	EXPECT_EQ(mm_munmap(mm, (uint64_t)a + 1, fx.page), -EINVAL);
	/* Adjacent areas with the same protection merge. */
	EXPECT_EQ(mm_mmap(mm, 0x100000 + fx.page, fx.page, RW, MM_MAP_FIXED), 0x100000 + (int64_t)fx.page);
	EXPECT_EQ(vma_lookup(&mm->vmas, 0x100000)->vm_end, 0x100000 + 2 * fx.page);
	mmput(mm);
	teardown(&fx);
}

TEST(demand_faults_through_the_cpu)
{
	struct fixture fx;
	struct mm *mm;
	uint8_t buf[64], zero[64] = { 0 };
	uint64_t va, pte;
	int64_t a;
	unsigned int i;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 4 * fx.page, RW, 0);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	EXPECT_EQ(allocated(&fx), fx.baseline + 1);	/* only the root so far */

	/* A read faults in a zero page, writable-clean. */
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(cpu_read(cpu0(&fx), va + 100, buf, sizeof(buf), 0), 0);
	EXPECT_EQ(memcmp(buf, zero, sizeof(buf)), 0);
	pte = pte_of(mm, va);
	EXPECT_TRUE(pte_valid(pte));
	EXPECT_TRUE(pte & VMSA_PTE_AF);
	EXPECT_TRUE(pte & VMSA_PTE_DBM);
	EXPECT_TRUE(pte & VMSA_PTE_AP_RDONLY);
	EXPECT_FALSE(pte_dirty(pte));
	EXPECT_EQ(stats(&fx).pages_faulted, 1);

	/* The first write makes it dirty (AP[2] cleared), then sticks. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i + 1);
	ASSERT_EQ(cpu_write(cpu0(&fx), va + 100, buf, sizeof(buf), 0), 0);
	pte = pte_of(mm, va);
	EXPECT_TRUE(pte_hw_dirty(pte));
	EXPECT_TRUE(pte & VMSA_PTE_SW_DIRTY);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(cpu_read(cpu0(&fx), va + 100, buf, sizeof(buf), 0), 0);
	for (i = 0; i < sizeof(buf); i++)
		EXPECT_EQ(buf[i], i + 1);
	/* What a device walking mm_walk_cfg() finds is what the CPU wrote. */
	{
		struct walk_cfg cfg = mm_walk_cfg(mm);
		struct walk_result res;

		EXPECT_EQ(cfg.ttb, mm->pgt.root);
		EXPECT_EQ(cfg.tsz, 16);
		EXPECT_EQ(cfg.granule_shift, 12);
		ASSERT_EQ(walk_stage1(&fx.mem.bus, &cfg, va + 100, WALK_ACC_WRITE, &res), WALK_OK);
		EXPECT_EQ(res.oa, pte_pa(&mm->pgt, pte) + 100);
	}
	/* The data sits in the frame the PTE names. */
	ASSERT_EQ(phys_mem_read(&fx.mem, pte_pa(&mm->pgt, pte) + 100, buf, 4), 0);
	EXPECT_EQ(buf[3], 4);

	/* A write fault on a fresh page maps it dirty at once. */
	ASSERT_EQ(cpu_write(cpu0(&fx), va + 2 * fx.page, buf, 8, 0), 0);
	EXPECT_TRUE(pte_hw_dirty(pte_of(mm, va + 2 * fx.page)));
	EXPECT_EQ(pte_of(mm, va + fx.page), 0);
	EXPECT_EQ(stats(&fx).pages_faulted, 2);

	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

TEST(permission_failures)
{
	struct fixture fx;
	struct mm *mm;
	uint8_t buf[8] = { 1 };
	int64_t ro, none, rx;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	ro = mm_mmap(mm, 0x200000, fx.page, MM_PROT_READ, MM_MAP_FIXED);
	none = mm_mmap(mm, 0x300000, fx.page, MM_PROT_NONE, MM_MAP_FIXED);
	rx = mm_mmap(mm, 0x400000, fx.page, MM_PROT_READ | MM_PROT_EXEC, MM_MAP_FIXED);
	ASSERT_GT(ro, 0);
	ASSERT_GT(none, 0);
	ASSERT_GT(rx, 0);

	EXPECT_EQ(cpu_read(cpu0(&fx), 0x100000, buf, 8, 0), -EFAULT);	/* no VMA */
	EXPECT_EQ(cpu_write(cpu0(&fx), (uint64_t)ro, buf, 8, 0), -EFAULT);
	EXPECT_EQ(cpu_read(cpu0(&fx), (uint64_t)ro, buf, 8, 0), 0);
	EXPECT_EQ(cpu_write(cpu0(&fx), (uint64_t)ro, buf, 8, 0), -EFAULT);	/* still, once present */
	EXPECT_EQ(cpu_read(cpu0(&fx), (uint64_t)none, buf, 8, 0), -EFAULT);
	EXPECT_EQ(cpu_read(cpu0(&fx), (uint64_t)ro, buf, 8, WALK_ACC_EXEC), -EFAULT);
	EXPECT_EQ(cpu_read(cpu0(&fx), (uint64_t)rx, buf, 8, WALK_ACC_EXEC), 0);
	/* The fault path itself, with the lock held as callers must. */
	mmap_read_lock(mm);
	EXPECT_EQ(handle_mm_fault(mm, (uint64_t)none, 0), -EFAULT);
	EXPECT_EQ(handle_mm_fault(mm, (uint64_t)ro, FAULT_FLAG_WRITE), -EFAULT);
	EXPECT_EQ(handle_mm_fault(mm, (uint64_t)rx, FAULT_FLAG_EXEC), 0);
	EXPECT_EQ(handle_mm_fault(mm, MM_TASK_SIZE - fx.page, 0), -EFAULT);
	mmap_read_unlock(mm);
	EXPECT_EQ(pte_of(mm, (uint64_t)none), 0);
	/* A CPU running no mm has nothing to fault in. */
	mm_switch(&fx.sys, NULL, 0);
	EXPECT_EQ(cpu_read(cpu0(&fx), (uint64_t)ro, buf, 8, 0), -EFAULT);
	mmput(mm);
	teardown(&fx);
}

TEST(access_process_vm_without_a_cpu)
{
	struct fixture fx;
	struct mm *mm;
	uint8_t in[300], out[300];
	uint64_t va, pte;
	unsigned int i;
	int64_t a, ro, xo;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 2 * fx.page, RW, 0);
	ro = mm_mmap(mm, 0x600000, fx.page, MM_PROT_READ, MM_MAP_FIXED);
	xo = mm_mmap(mm, 0x700000, fx.page, MM_PROT_EXEC, MM_MAP_FIXED | MM_MAP_POPULATE);
	ASSERT_GT(a, 0);
	ASSERT_GT(ro, 0);
	ASSERT_GT(xo, 0);
	va = (uint64_t)a + fx.page - 100;	/* straddles the two pages */
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 3 + 1);
	ASSERT_EQ(mm_access(mm, va, in, sizeof(in), true), 0);
	pte = pte_of(mm, (uint64_t)a);
	EXPECT_TRUE(pte_hw_dirty(pte));
	EXPECT_TRUE(pte_hw_dirty(pte_of(mm, (uint64_t)a + fx.page)));
	/* The CPU sees what was written, through its own MMU. */
	ASSERT_EQ(cpu_read(cpu0(&fx), va, out, sizeof(out), 0), 0);
	EXPECT_EQ(memcmp(in, out, sizeof(in)), 0);
	memset(out, 0xff, sizeof(out));
	ASSERT_EQ(mm_access(mm, (uint64_t)ro, out, 64, false), 0);	/* faults in zeros */
	EXPECT_EQ(out[0], 0);
	EXPECT_EQ(out[63], 0);
	EXPECT_TRUE(pte_valid(pte_of(mm, (uint64_t)ro)));
	EXPECT_EQ(mm_access(mm, (uint64_t)ro, in, 8, true), -EFAULT);
	EXPECT_EQ(mm_access(mm, (uint64_t)xo, out, 8, false), -EFAULT);	/* exec-only */
	EXPECT_EQ(mm_access(mm, 0x800000, out, 8, false), -EFAULT);
	/* Up to the hole, the bytes are copied; past it, nothing. */
	memset(out, 0xee, sizeof(out));
	EXPECT_EQ(mm_access(mm, (uint64_t)a + 2 * fx.page - 8, out, 16, false), -EFAULT);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(out[i], i < 8 ? 0 : 0xee);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

TEST(vhe_host_flushes_the_el2_regime)
{
	struct fixture fx;
	struct mm *mm;
	uint8_t b = 0;
	int64_t a;

	setup_machine_vhe(&fx, 12, false, true);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 2 * fx.page, RW, MM_MAP_POPULATE);
	ASSERT_GT(a, 0);
	ASSERT_EQ(cpu_read(cpu0(&fx), (uint64_t)a, &b, 1, 0), 0);
	ASSERT_EQ(mm_munmap(mm, (uint64_t)a, fx.page), 0);
	/* An EL1&0 TLBI would have missed the EL2&0 entry. */
	EXPECT_EQ(cpu_read(cpu0(&fx), (uint64_t)a, &b, 1, 0), -EFAULT);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

TEST(munmap_partial_splits_and_flushes)
{
	struct fixture fx;
	struct mm *mm;
	uint64_t va, before, i;
	uint8_t b = 0;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 8 * fx.page, RW, MM_MAP_POPULATE);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	for (i = 0; i < 8; i++)
		EXPECT_TRUE(pte_hw_dirty(pte_of(mm, va + i * fx.page)));	/* populated for write */
	/* Fill the TLB with the pages that will go. */
	EXPECT_EQ(cpu_read(cpu0(&fx), va + 3 * fx.page, &b, 1, 0), 0);
	EXPECT_EQ(cpu_read(cpu0(&fx), va + 4 * fx.page, &b, 1, 0), 0);
	before = allocated(&fx);

	ASSERT_EQ(mm_munmap(mm, va + 3 * fx.page, 2 * fx.page), 0);
	EXPECT_EQ(nr_vmas(mm), 2);
	EXPECT_EQ(vma_lookup(&mm->vmas, va)->vm_end, va + 3 * fx.page);
	EXPECT_EQ(vma_lookup(&mm->vmas, va + 5 * fx.page)->vm_start, va + 5 * fx.page);
	EXPECT_TRUE(vma_lookup(&mm->vmas, va + 3 * fx.page) == NULL);
	EXPECT_EQ(pte_of(mm, va + 3 * fx.page), 0);
	EXPECT_EQ(pte_of(mm, va + 4 * fx.page), 0);
	EXPECT_NE(pte_of(mm, va + 2 * fx.page), 0);
	EXPECT_NE(pte_of(mm, va + 5 * fx.page), 0);
	EXPECT_EQ(allocated(&fx), before - 2);
	EXPECT_EQ(stats(&fx).tlbi_va, 1);
	EXPECT_EQ(stats(&fx).tlbi_va_pages, 2);
	/* The TLB held them: only a flushed TLB makes these fault. */
	EXPECT_EQ(cpu_read(cpu0(&fx), va + 3 * fx.page, &b, 1, 0), -EFAULT);
	EXPECT_EQ(cpu_read(cpu0(&fx), va + 4 * fx.page, &b, 1, 0), -EFAULT);
	EXPECT_EQ(cpu_read(cpu0(&fx), va + 5 * fx.page, &b, 1, 0), 0);

	/* Unmapping a hole is fine; unmapping everything frees the tables. */
	EXPECT_EQ(mm_munmap(mm, va + 3 * fx.page, fx.page), 0);
	EXPECT_EQ(mm_munmap(mm, va, 8 * fx.page), 0);
	EXPECT_EQ(nr_vmas(mm), 0);
	EXPECT_EQ(allocated(&fx), fx.baseline + 1);
	EXPECT_GE(stats(&fx).tables_freed, 3);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

TEST(mprotect_splits_and_downgrades)
{
	struct fixture fx;
	struct mm *mm;
	uint64_t va, pte;
	uint8_t b = 7;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 6 * fx.page, RW, 0);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	/* Dirty, and in the TLB as writable. */
	ASSERT_EQ(cpu_write(cpu0(&fx), va + 2 * fx.page, &b, 1, 0), 0);
	ASSERT_EQ(cpu_write(cpu0(&fx), va + 4 * fx.page, &b, 1, 0), 0);

	ASSERT_EQ(mm_mprotect(mm, va + 2 * fx.page, 2 * fx.page, MM_PROT_READ), 0);
	EXPECT_EQ(nr_vmas(mm), 3);
	EXPECT_EQ(vma_lookup(&mm->vmas, va + 2 * fx.page)->vm_start, va + 2 * fx.page);
	EXPECT_EQ(vma_lookup(&mm->vmas, va + 3 * fx.page)->vm_end, va + 4 * fx.page);
	pte = pte_of(mm, va + 2 * fx.page);
	EXPECT_EQ(FIELD_GET(VMSA_PTE_AP, pte), VMSA_AP_RO);
	EXPECT_FALSE(pte & VMSA_PTE_DBM);
	EXPECT_TRUE(pte & VMSA_PTE_SW_DIRTY);
	/* The writable TLB entry is gone: the write faults now. */
	EXPECT_EQ(cpu_write(cpu0(&fx), va + 2 * fx.page, &b, 1, 0), -EFAULT);
	b = 0;
	EXPECT_EQ(cpu_read(cpu0(&fx), va + 2 * fx.page, &b, 1, 0), 0);
	EXPECT_EQ(b, 7);
	EXPECT_EQ(cpu_write(cpu0(&fx), va + 4 * fx.page, &b, 1, 0), 0);
	/* Holes are refused. */
	EXPECT_EQ(mm_mprotect(mm, va + 5 * fx.page, 2 * fx.page, MM_PROT_READ), -ENOMEM);

	/* Back to rw: one area again, the page still dirty and writable. */
	ASSERT_EQ(mm_mprotect(mm, va + 2 * fx.page, 2 * fx.page, RW), 0);
	EXPECT_EQ(nr_vmas(mm), 1);
	EXPECT_TRUE(pte_hw_dirty(pte_of(mm, va + 2 * fx.page)));
	EXPECT_EQ(cpu_write(cpu0(&fx), va + 2 * fx.page, &b, 1, 0), 0);
	/* PROT_NONE keeps the page but nobody reaches it. */
	ASSERT_EQ(mm_mprotect(mm, va, 6 * fx.page, MM_PROT_NONE), 0);
	EXPECT_EQ(cpu_read(cpu0(&fx), va + 2 * fx.page, &b, 1, 0), -EFAULT);
	EXPECT_TRUE(pte_present(pte_of(mm, va + 2 * fx.page)));
	ASSERT_EQ(mm_mprotect(mm, va, 6 * fx.page, MM_PROT_READ), 0);
	EXPECT_EQ(cpu_read(cpu0(&fx), va + 2 * fx.page, &b, 1, 0), 0);
	EXPECT_EQ(b, 7);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

TEST(populate_and_clear_refs)
{
	struct fixture fx;
	struct mm *mm;
	uint64_t va, pte, i;
	uint8_t b = 1;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 4 * fx.page, MM_PROT_READ, 0);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	ASSERT_GT(mm_mmap(mm, va + 4 * fx.page, 4 * fx.page, RW, MM_MAP_FIXED), 0);
	ASSERT_GT(mm_mmap(mm, va + 8 * fx.page, 2 * fx.page, MM_PROT_NONE, MM_MAP_FIXED), 0);
	ASSERT_EQ(mm_populate(mm, va, 12 * fx.page), 0);
	for (i = 0; i < 4; i++)
		EXPECT_FALSE(pte_dirty(pte_of(mm, va + i * fx.page)));	/* read-only: read fault */
	for (i = 4; i < 8; i++)
		EXPECT_TRUE(pte_hw_dirty(pte_of(mm, va + i * fx.page)));
	EXPECT_EQ(pte_of(mm, va + 8 * fx.page), 0);	/* PROT_NONE: skipped */
	EXPECT_EQ(stats(&fx).pages_faulted, 8);

	ASSERT_EQ(mm_clear_refs(mm, va, 8 * fx.page), 0);
	for (i = 0; i < 8; i++) {
		pte = pte_of(mm, va + i * fx.page);
		EXPECT_FALSE(pte & VMSA_PTE_AF);
		EXPECT_FALSE(pte_dirty(pte));
		EXPECT_TRUE(pte & VMSA_PTE_AP_RDONLY);
	}
	EXPECT_TRUE(pte_write(pte_of(mm, va + 5 * fx.page)));
	/* The next accesses are seen again (no HTTU here: by faults). */
	ASSERT_EQ(cpu_read(cpu0(&fx), va + fx.page, &b, 1, 0), 0);
	EXPECT_TRUE(pte_of(mm, va + fx.page) & VMSA_PTE_AF);
	ASSERT_EQ(cpu_write(cpu0(&fx), va + 5 * fx.page, &b, 1, 0), 0);
	pte = pte_of(mm, va + 5 * fx.page);
	EXPECT_TRUE(pte & VMSA_PTE_AF);
	EXPECT_TRUE(pte_hw_dirty(pte));
	EXPECT_EQ(stats(&fx).pages_faulted, 8);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

/* ---- MMU notifiers ------------------------------------------------------------ */

#define MAX_CALLS	16

struct watcher {
	struct mmu_notifier mn;
	struct fixture *fx;
	uint64_t pas[16];		/* frames of the watched pages */
	uint64_t vas[16];
	unsigned int nr_pages;
	unsigned int calls, releases;
	uint64_t start[MAX_CALLS], end[MAX_CALLS];
	unsigned int bad_pte, freed_early;
	uint64_t tlbi_at_call;
	unsigned int present_at_release;
};

static void watch_invalidate(struct mmu_notifier *mn, struct mm *mm, uint64_t start,
			     uint64_t end)
{
	struct watcher *w = (struct watcher *)mn;
	unsigned int i;

	if (w->calls < MAX_CALLS) {
		w->start[w->calls] = start;
		w->end[w->calls] = end;
	}
	w->calls++;
	w->tlbi_at_call = stats(w->fx).tlbi_va + stats(w->fx).tlbi_asid;
	for (i = 0; i < w->nr_pages; i++) {
		if (w->vas[i] < start || w->vas[i] >= end)
			continue;
		/* The PTE is already gone, the frame not yet freed. */
		if (pgtable_read_pte(&mm->pgt, w->vas[i]))
			w->bad_pte++;
		if (frame_refcount(w->fx->frames, w->pas[i]) != 1)
			w->freed_early++;
	}
}

static void watch_release(struct mmu_notifier *mn, struct mm *mm)
{
	struct watcher *w = (struct watcher *)mn;
	unsigned int i;

	w->releases++;
	for (i = 0; i < w->nr_pages; i++)
		if (pte_valid(pgtable_read_pte(&mm->pgt, w->vas[i])))
			w->present_at_release++;
}

static const struct mmu_notifier_ops watch_ops = {
	.invalidate_range = watch_invalidate,
	.release = watch_release,
};

static void watch_pages(struct watcher *w, struct mm *mm, uint64_t va, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		w->vas[i] = va + i * w->fx->page;
		w->pas[i] = pte_pa(&mm->pgt, pgtable_read_pte(&mm->pgt, w->vas[i]));
		ASSERT_NE(w->pas[i], 0);
	}
	w->nr_pages = n;
}

TEST(notifier_sees_cleared_ptes_before_frames_are_freed)
{
	struct fixture fx;
	struct watcher w = { .mn.ops = &watch_ops, .fx = &fx };
	struct mm *mm;
	uint64_t va;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 16 * fx.page, RW, MM_MAP_POPULATE);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	ASSERT_EQ(mmu_notifier_register(&w.mn, mm), 0);
	watch_pages(&w, mm, va, 16);

	ASSERT_EQ(mm_munmap(mm, va + 4 * fx.page, 4 * fx.page), 0);
	ASSERT_EQ(w.calls, 1);
	EXPECT_EQ(w.start[0], va + 4 * fx.page);
	EXPECT_EQ(w.end[0], va + 8 * fx.page);
	EXPECT_EQ(w.bad_pte, 0);
	EXPECT_EQ(w.freed_early, 0);
	EXPECT_EQ(w.tlbi_at_call, 1);	/* the CPU TLBI came first */

	/* mprotect and clear_refs notify their exact ranges too. */
	ASSERT_EQ(mm_mprotect(mm, va + 8 * fx.page, fx.page, MM_PROT_READ), 0);
	ASSERT_EQ(w.calls, 2);
	EXPECT_EQ(w.start[1], va + 8 * fx.page);
	EXPECT_EQ(w.end[1], va + 9 * fx.page);
	ASSERT_EQ(mm_clear_refs(mm, va + 10 * fx.page, 2 * fx.page), 0);
	ASSERT_EQ(w.calls, 3);
	EXPECT_EQ(w.start[2], va + 10 * fx.page);
	EXPECT_EQ(w.end[2], va + 12 * fx.page);

	/* Nothing mapped there: no flush, no call. */
	ASSERT_EQ(mm_munmap(mm, va + 4 * fx.page, 4 * fx.page), 0);
	EXPECT_EQ(w.calls, 3);

	mmu_notifier_unregister(&w.mn, mm);
	ASSERT_EQ(mm_munmap(mm, va, 4 * fx.page), 0);
	EXPECT_EQ(w.calls, 3);
	EXPECT_EQ(w.releases, 0);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	EXPECT_EQ(w.releases, 0);
	teardown(&fx);
}

TEST(big_flush_is_by_asid_and_notifies_everything)
{
	struct fixture fx;
	struct watcher w = { .mn.ops = &watch_ops, .fx = &fx };
	struct mm *mm;
	uint64_t len;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	len = 2 * MM_MAX_DVM_OPS * fx.page;
	a = mm_mmap(mm, 0, len, RW, MM_MAP_POPULATE);
	ASSERT_GT(a, 0);
	ASSERT_EQ(mmu_notifier_register(&w.mn, mm), 0);
	/*
	 * MM_MAX_DVM_OPS pages in the middle, across two last-level tables that
	 * both keep pages (so no table is freed): one TLBI by ASID.
	 */
	ASSERT_EQ(mm_munmap(mm, (uint64_t)a + MM_MAX_DVM_OPS / 2 * fx.page,
			    MM_MAX_DVM_OPS * fx.page), 0);
	EXPECT_EQ(stats(&fx).tables_freed, 0);
	EXPECT_EQ(stats(&fx).tlbi_asid, 1);
	EXPECT_EQ(stats(&fx).tlbi_va, 0);
	ASSERT_EQ(w.calls, 1);
	EXPECT_EQ(w.start[0], 0);
	EXPECT_EQ(w.end[0], UINT64_MAX);
	/* One page fewer: a range TLBI by VA, and the notifier hears the range. */
	ASSERT_EQ(mm_munmap(mm, (uint64_t)a + fx.page, (MM_MAX_DVM_OPS / 2 - 1) * fx.page), 0);
	EXPECT_EQ(stats(&fx).tlbi_asid, 1);
	EXPECT_EQ(stats(&fx).tlbi_va, 1);
	EXPECT_EQ(stats(&fx).tlbi_va_pages, MM_MAX_DVM_OPS / 2 - 1);
	ASSERT_EQ(w.calls, 2);
	EXPECT_EQ(w.start[1], (uint64_t)a + fx.page);
	EXPECT_EQ(w.end[1], (uint64_t)a + MM_MAX_DVM_OPS / 2 * fx.page);
	mmu_notifier_unregister(&w.mn, mm);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

TEST(mm_that_never_ran_skips_the_tlbi)
{
	struct fixture fx;
	struct mm *mm;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	a = mm_mmap(mm, 0, 2 * fx.page, RW, MM_MAP_POPULATE);
	ASSERT_GT(a, 0);
	ASSERT_EQ(mm_munmap(mm, (uint64_t)a, fx.page), 0);
	EXPECT_EQ(stats(&fx).tlbi_skipped, 1);
	EXPECT_EQ(stats(&fx).tlbi_va + stats(&fx).tlbi_asid, 0);
	mmput(mm);
	teardown(&fx);
}

TEST(release_at_exit_then_everything_freed)
{
	struct fixture fx;
	struct watcher w = { .mn.ops = &watch_ops, .fx = &fx };
	struct mm *mm;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 1);
	a = mm_mmap(mm, 0, 4 * fx.page, RW, MM_MAP_POPULATE);
	ASSERT_GT(a, 0);
	ASSERT_EQ(mmu_notifier_register(&w.mn, mm), 0);
	watch_pages(&w, mm, (uint64_t)a, 4);
	/* A CPU still runs it (lazily): exit must not need it switched away. */
	mmput(mm);
	EXPECT_EQ(w.releases, 1);
	EXPECT_EQ(w.present_at_release, 4);	/* release came before teardown */
	EXPECT_EQ(w.calls, 0);			/* and nothing after it */
	/* The notifier and the CPU keep the struct (root table only) alive. */
	EXPECT_EQ(allocated(&fx), fx.baseline + 1);
	EXPECT_FALSE(mmget_not_zero(mm));
	EXPECT_EQ(mmu_notifier_register(&w.mn, mm), -ESRCH);
	mmu_notifier_unregister(&w.mn, mm);
	EXPECT_EQ(w.releases, 1);
	mm_switch(&fx.sys, NULL, 1);
	teardown(&fx);
}

struct drop_log {
	struct mm *mm;
	uint32_t pasid;
	unsigned int calls;
};

static void log_pasid_drop(void *ctx, struct mm *mm)
{
	struct drop_log *d = ctx;

	d->mm = mm;
	d->pasid = mm->pasid;
	d->calls++;
}

TEST(last_mmdrop_drops_the_pasid)
{
	struct fixture fx;
	struct drop_log d = { 0 };
	struct mm *mm, *plain;

	setup(&fx);
	mm_system_set_pasid_drop(&fx.sys, log_pasid_drop, &d);
	plain = mm_create(&fx.sys);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm && plain);
	mm->pasid = 42;
	mmgrab(mm);
	mmput(mm);
	EXPECT_EQ(d.calls, 0);		/* the struct outlives the address space */
	mmdrop(mm);
	EXPECT_EQ(d.calls, 1);
	EXPECT_TRUE(d.mm == mm);
	EXPECT_EQ(d.pasid, 42);
	mmput(plain);
	EXPECT_EQ(d.calls, 1);		/* no PASID, nothing to drop */
	teardown(&fx);
}

TEST(other_granules_fault_and_unmap)
{
	static const unsigned int shifts[] = { 14, 16 };
	unsigned int g;

	for (g = 0; g < 2; g++) {
		struct fixture fx;
		struct mm *mm;
		uint64_t word = 0x1122334455667788ULL, out = 0;
		int64_t a;

		setup_granule(&fx, shifts[g]);
		mm = mm_create(&fx.sys);
		ASSERT_TRUE(mm != NULL);
		mm_switch(&fx.sys, mm, 0);
		a = mm_mmap(mm, 0, 3 * fx.page, RW, 0);
		ASSERT_GT(a, 0);
		EXPECT_EQ((uint64_t)a & (fx.page - 1), 0);
		ASSERT_EQ(cpu_write(cpu0(&fx), (uint64_t)a + fx.page + 8, &word, 8, 0), 0);
		ASSERT_EQ(cpu_read(cpu0(&fx), (uint64_t)a + fx.page + 8, &out, 8, 0), 0);
		EXPECT_EQ(out, word);
		ASSERT_EQ(mm_munmap(mm, (uint64_t)a + fx.page, fx.page), 0);
		EXPECT_EQ(cpu_read(cpu0(&fx), (uint64_t)a + fx.page + 8, &out, 8, 0), -EFAULT);
		EXPECT_EQ(allocated(&fx), fx.baseline + 1);
		mm_switch(&fx.sys, NULL, 0);
		mmput(mm);
		teardown(&fx);
	}
}

/* ---- Concurrency ------------------------------------------------------------------ */

#define RACE_PAGES	32
#define RACE_MUTATIONS	400
#define RACE_MAX_ROUNDS	1000000	/* a bound, should the mutator hang */

struct racer {
	struct fixture *fx;
	struct mm *mm;
	uint64_t va;
	unsigned int cpu;
	int *stop;			/* the mutator is done */
	unsigned int bad, done, faults_failed;
};

/*
 * Each CPU stamps its own 8 bytes of every page and reads them back: the
 * value is its stamp or 0 (the page was replaced by a fresh mapping), never
 * anything else. A fault lost to munmap returns -EFAULT, which is fine.
 */
static void *fault_loop(void *arg)
{
	struct racer *r = arg;
	struct cpu *cpu = cpu_get(r->fx->cpus, r->cpu);
	uint64_t stamp = 0xabc0000000000000ULL | r->cpu, v, i, off;
	unsigned int round;

	mm_bind_cpu(r->cpu);
	mm_switch(&r->fx->sys, r->mm, r->cpu);
	for (round = 0; round < RACE_MAX_ROUNDS && !__atomic_load_n(r->stop, __ATOMIC_ACQUIRE);
	     round++) {
		for (i = 0; i < RACE_PAGES; i++) {
			off = r->va + i * r->fx->page + r->cpu * 8;
			if (cpu_write(cpu, off, &stamp, 8, 0)) {
				r->faults_failed++;
				continue;
			}
			if (cpu_read(cpu, off, &v, 8, 0)) {
				r->faults_failed++;
				continue;
			}
			if (v != stamp && v != 0)
				r->bad++;
		}
		__atomic_fetch_add(&r->done, 1, __ATOMIC_RELEASE);
	}
	mm_switch(&r->fx->sys, NULL, r->cpu);
	return NULL;
}

/*
 * Let every racer finish one more round over the range, so that each
 * mutation meets populated pages and faulting CPUs (bounded: a stuck racer
 * only makes the test weaker, the harness timeout catches a hang).
 */
static void wait_for_rounds(struct racer *r, unsigned int n)
{
	unsigned int i, target[NR_CPUS], spins;

	for (i = 0; i < n; i++)
		target[i] = __atomic_load_n(&r[i].done, __ATOMIC_ACQUIRE) + 1;
	for (i = 0; i < n; i++)
		for (spins = 0; spins < 1000000 &&
		     __atomic_load_n(&r[i].done, __ATOMIC_ACQUIRE) < target[i]; spins++)
			sched_yield();
}

static void race_munmap_and_mmap(bool httu)
{
	struct fixture fx;
	struct racer r[NR_CPUS - 1];
	pthread_t th[NR_CPUS - 1];
	struct mm *mm;
	uint64_t va, len;
	unsigned int i, k;
	int stop = 0;
	int64_t a;

	setup_machine(&fx, 12, httu);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	len = RACE_PAGES * fx.page;
	a = mm_mmap(mm, 0, len, RW, 0);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	for (i = 0; i < NR_CPUS - 1; i++) {
		r[i] = (struct racer){ .fx = &fx, .mm = mm, .va = va, .cpu = i + 1,
				      .stop = &stop };
		ASSERT_EQ(pthread_create(&th[i], NULL, fault_loop, &r[i]), 0);
	}
	/* CPU 0 keeps replacing pieces of the range while the others fault. */
	mm_bind_cpu(0);
	for (k = 0; k < RACE_MUTATIONS; k++) {
		uint64_t off = (k * 7 % RACE_PAGES) * fx.page;
		uint64_t n = (k % 5 + 1) * fx.page;

		if (off + n > len)
			n = len - off;
		if (k & 1)
			EXPECT_EQ(mm_munmap(mm, va + off, n), 0);
		EXPECT_EQ(mm_mmap(mm, va + off, n, RW, MM_MAP_FIXED), (int64_t)(va + off));
		if (k % 3 == 0)
			EXPECT_EQ(mm_clear_refs(mm, va, len), 0);
		if (k % 4 == 0)
			wait_for_rounds(r, NR_CPUS - 1);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NR_CPUS - 1; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(r[i].bad, 0);
		TH_LOG("cpu %u: %u rounds, %u failed accesses", r[i].cpu, r[i].done,
		       r[i].faults_failed);
	}
	TH_LOG("%" PRIu64 " pages faulted, %" PRIu64 " races lost, %" PRIu64 " TLBI VA",
	       stats(&fx).pages_faulted, stats(&fx).fault_races, stats(&fx).tlbi_va);
	mmput(mm);
	teardown(&fx);
}

TEST_TIMEOUT(faults_race_munmap_and_mmap, 60)
{
	race_munmap_and_mmap(false);
}

/* With HTTU the CPUs set AF and dirty by CAS while mm CASes the same PTEs. */
TEST_TIMEOUT(faults_race_munmap_and_mmap_httu, 60)
{
	race_munmap_and_mmap(true);
}

/* Several CPUs fault the same fresh pages at once: one frame per page wins. */
static void *same_page_loop(void *arg)
{
	struct racer *r = arg;
	struct cpu *cpu = cpu_get(r->fx->cpus, r->cpu);
	uint64_t stamp = 0x5a00000000000000ULL | r->cpu, i;

	mm_bind_cpu(r->cpu);
	mm_switch(&r->fx->sys, r->mm, r->cpu);
	for (i = 0; i < 4 * RACE_PAGES; i++)
		if (cpu_write(cpu, r->va + i * r->fx->page + r->cpu * 8, &stamp, 8, 0))
			r->bad++;
	mm_switch(&r->fx->sys, NULL, r->cpu);
	return NULL;
}

TEST_TIMEOUT(concurrent_faults_on_same_pages_agree, 60)
{
	struct fixture fx;
	struct racer r[NR_CPUS];
	pthread_t th[NR_CPUS];
	struct mm *mm;
	uint64_t va, i, v;
	unsigned int c;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	a = mm_mmap(mm, 0, 4 * RACE_PAGES * fx.page, RW, 0);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	for (c = 0; c < NR_CPUS; c++) {
		r[c] = (struct racer){ .fx = &fx, .mm = mm, .va = va, .cpu = c };
		ASSERT_EQ(pthread_create(&th[c], NULL, same_page_loop, &r[c]), 0);
	}
	for (c = 0; c < NR_CPUS; c++) {
		pthread_join(th[c], NULL);
		EXPECT_EQ(r[c].bad, 0);
	}
	/* Had two frames been installed for a page, a stamp would be lost. */
	for (i = 0; i < 4 * RACE_PAGES; i++) {
		uint64_t pa = pte_pa(&mm->pgt, pte_of(mm, va + i * fx.page));

		for (c = 0; c < NR_CPUS; c++) {
			ASSERT_EQ(phys_mem_read64(&fx.mem, pa + c * 8, &v), 0);
			EXPECT_EQ(v, 0x5a00000000000000ULL | c);
		}
	}
	EXPECT_EQ(stats(&fx).pages_faulted, 4 * RACE_PAGES);
	TH_LOG("%" PRIu64 " installs lost to a racing fault", stats(&fx).fault_races);
	mmput(mm);
	teardown(&fx);
}

TEST(httu_dirties_without_faults)
{
	struct fixture fx;
	struct mm *mm;
	uint64_t va, pte, faults;
	uint8_t b = 9;
	int64_t a;

	setup_machine(&fx, 12, true);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 2 * fx.page, RW, 0);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	ASSERT_EQ(cpu_read(cpu0(&fx), va, &b, 1, 0), 0);
	EXPECT_FALSE(pte_dirty(pte_of(mm, va)));
	faults = stats(&fx).faults;
	b = 9;
	/* Writable-clean + HD: the CPU clears AP[2] itself, no fault. */
	ASSERT_EQ(cpu_write(cpu0(&fx), va, &b, 1, 0), 0);
	EXPECT_EQ(stats(&fx).faults, faults);
	pte = pte_of(mm, va);
	EXPECT_TRUE(pte_hw_dirty(pte));
	EXPECT_FALSE(pte & VMSA_PTE_SW_DIRTY);
	/* Write-protecting keeps the hardware dirtiness in software. */
	ASSERT_EQ(mm_mprotect(mm, va, fx.page, MM_PROT_READ), 0);
	pte = pte_of(mm, va);
	EXPECT_TRUE(pte & VMSA_PTE_SW_DIRTY);
	EXPECT_FALSE(pte_write(pte));
	/* clear_refs then an access: AF comes back by hardware, again no fault. */
	ASSERT_EQ(mm_clear_refs(mm, va, 2 * fx.page), 0);
	EXPECT_FALSE(pte_of(mm, va) & VMSA_PTE_AF);
	ASSERT_EQ(cpu_read(cpu0(&fx), va, &b, 1, 0), 0);
	EXPECT_TRUE(pte_of(mm, va) & VMSA_PTE_AF);
	EXPECT_EQ(b, 9);
	EXPECT_EQ(stats(&fx).faults, faults);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

/*
 * The CPU dirtied a writable-clean page in hardware (no TLBI, no notifier).
 * A device that cached the page read-only then faults on it: for the mm the
 * fault is spurious, but a remote one (FAULT_FLAG_REMOTE, the iopf path) must
 * flush the page so the device's stale read-only copy goes (issue 15, bug 2).
 * A local spurious fault flushes nothing, as on arm64 Linux; a read fault
 * that installs a page or sets AF flushes nothing either.
 */
TEST(remote_spurious_write_fault_flushes_the_page)
{
	struct fixture fx;
	struct watcher w = { .mn.ops = &watch_ops, .fx = &fx };
	struct mm *mm;
	uint64_t va, spurious;
	uint8_t b = 0;
	int64_t a;

	setup_machine(&fx, 12, true);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	a = mm_mmap(mm, 0, 4 * fx.page, RW, 0);
	ASSERT_GT(a, 0);
	va = (uint64_t)a;
	ASSERT_EQ(cpu_read(cpu0(&fx), va + fx.page, &b, 1, 0), 0);
	ASSERT_EQ(mmu_notifier_register(&w.mn, mm), 0);
	watch_pages(&w, mm, va + fx.page, 1);
	b = 7;
	ASSERT_EQ(cpu_write(cpu0(&fx), va + fx.page, &b, 1, 0), 0);
	EXPECT_TRUE(pte_hw_dirty(pte_of(mm, va + fx.page)));
	EXPECT_EQ(w.calls, 0);		/* the hardware upgrade told nobody */

	/*
	 * The first write fault only adds the software dirty bit (pte_mkdirty),
	 * yet it changed the PTE, so it flushes as ptep_set_access_flags() does.
	 */
	spurious = stats(&fx).spurious_faults;
	mmap_read_lock(mm);
	EXPECT_EQ(handle_mm_fault(mm, va + fx.page + 5, FAULT_FLAG_WRITE), 0);
	mmap_read_unlock(mm);
	EXPECT_EQ(stats(&fx).spurious_faults, spurious);
	EXPECT_TRUE(pte_of(mm, va + fx.page) & VMSA_PTE_SW_DIRTY);
	ASSERT_EQ(w.calls, 1);
	EXPECT_EQ(w.start[0], va + fx.page);
	EXPECT_EQ(w.end[0], va + 2 * fx.page);
	EXPECT_EQ(w.tlbi_at_call, 1);	/* TLBI first: BTM carries it to the SMMU */

	/* Now nothing is left to change: only a remote fault still flushes. */
	mmap_read_lock(mm);
	EXPECT_EQ(handle_mm_fault(mm, va + fx.page + 5, FAULT_FLAG_WRITE), 0);
	mmap_read_unlock(mm);
	EXPECT_EQ(stats(&fx).spurious_faults, spurious + 1);
	EXPECT_EQ(w.calls, 1);
	mmap_read_lock(mm);
	EXPECT_EQ(handle_mm_fault(mm, va + fx.page + 5, FAULT_FLAG_WRITE | FAULT_FLAG_REMOTE), 0);
	mmap_read_unlock(mm);
	EXPECT_EQ(stats(&fx).spurious_faults, spurious + 2);
	EXPECT_EQ(stats(&fx).remote_stale_flushes, 1);
	ASSERT_EQ(w.calls, 2);
	EXPECT_EQ(w.start[1], va + fx.page);
	EXPECT_EQ(w.end[1], va + 2 * fx.page);

	/* A remote read fault that installs a page needs no flush. */
	mmap_read_lock(mm);
	EXPECT_EQ(handle_mm_fault(mm, va + 2 * fx.page, FAULT_FLAG_REMOTE), 0);
	mmap_read_unlock(mm);
	EXPECT_EQ(w.calls, 2);
	EXPECT_EQ(stats(&fx).remote_stale_flushes, 1);

	mmu_notifier_unregister(&w.mn, mm);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

/* ---- Notifier lifetimes under concurrency --------------------------------------- */

struct blocker {
	struct mmu_notifier mn;
	int entered, proceed, calls;
};

static void block_invalidate(struct mmu_notifier *mn, struct mm *mm, uint64_t start,
			     uint64_t end)
{
	struct blocker *b = (struct blocker *)mn;
	unsigned int spins;

	(void)mm;
	(void)start;
	(void)end;
	__atomic_fetch_add(&b->calls, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&b->entered, 1, __ATOMIC_RELEASE);
	for (spins = 0; spins < 50000000 && !__atomic_load_n(&b->proceed, __ATOMIC_ACQUIRE);
	     spins++)
		sched_yield();
}

static const struct mmu_notifier_ops block_ops = { .invalidate_range = block_invalidate };

struct unreg_arg {
	struct blocker *b;
	struct mm *mm;
	int returned;
};

static void *unregister_thread(void *arg)
{
	struct unreg_arg *u = arg;

	mmu_notifier_unregister(&u->b->mn, u->mm);
	__atomic_store_n(&u->returned, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct munmap_arg {
	struct mm *mm;
	uint64_t va, len;
};

static void *munmap_thread(void *arg)
{
	struct munmap_arg *m = arg;

	mm_bind_cpu(1);
	mm_munmap(m->mm, m->va, m->len);
	return NULL;
}

TEST_TIMEOUT(unregister_waits_for_running_callback, 60)
{
	struct fixture fx;
	struct blocker b = { .mn.ops = &block_ops };
	struct unreg_arg u;
	struct munmap_arg m;
	pthread_t tm, tu;
	struct mm *mm;
	unsigned int spins;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	a = mm_mmap(mm, 0, 2 * fx.page, RW, MM_MAP_POPULATE);
	ASSERT_GT(a, 0);
	ASSERT_EQ(mmu_notifier_register(&b.mn, mm), 0);
	m = (struct munmap_arg){ mm, (uint64_t)a, fx.page };
	ASSERT_EQ(pthread_create(&tm, NULL, munmap_thread, &m), 0);
	for (spins = 0; spins < 50000000 && !__atomic_load_n(&b.entered, __ATOMIC_ACQUIRE);
	     spins++)
		sched_yield();
	ASSERT_TRUE(__atomic_load_n(&b.entered, __ATOMIC_ACQUIRE));
	/* The callback is running: unregister must not return before it ends. */
	u = (struct unreg_arg){ .b = &b, .mm = mm };
	ASSERT_EQ(pthread_create(&tu, NULL, unregister_thread, &u), 0);
	for (spins = 0; spins < 10000; spins++)
		sched_yield();
	EXPECT_FALSE(__atomic_load_n(&u.returned, __ATOMIC_ACQUIRE));
	__atomic_store_n(&b.proceed, 1, __ATOMIC_RELEASE);
	pthread_join(tm, NULL);
	pthread_join(tu, NULL);
	EXPECT_TRUE(u.returned);
	EXPECT_EQ(b.calls, 1);
	/* Gone: no more calls. */
	ASSERT_EQ(mm_munmap(mm, (uint64_t)a, 2 * fx.page), 0);
	EXPECT_EQ(b.calls, 1);
	mmput(mm);
	teardown(&fx);
}

struct churn {
	struct mm *mm;
	int stop;
	unsigned int cycles;
};

static void count_invalidate(struct mmu_notifier *mn, struct mm *mm, uint64_t start,
			     uint64_t end)
{
	struct blocker *b = (struct blocker *)mn;

	(void)mm;
	(void)start;
	(void)end;
	__atomic_fetch_add(&b->calls, 1, __ATOMIC_RELAXED);
}

static const struct mmu_notifier_ops count_ops = { .invalidate_range = count_invalidate };

/* Register and unregister short-lived notifiers while invalidations run. */
static void *churn_thread(void *arg)
{
	struct churn *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) && c->cycles < 100000) {
		struct blocker *b = calloc(1, sizeof(*b));

		if (!b)
			break;
		b->mn.ops = &count_ops;
		if (mmu_notifier_register(&b->mn, c->mm) == 0)
			mmu_notifier_unregister(&b->mn, c->mm);
		/* Freed right away: a late callback would be a use after free. */
		free(b);
		c->cycles++;
	}
	return NULL;
}

TEST_TIMEOUT(notifier_churn_during_invalidations, 60)
{
	struct fixture fx;
	struct blocker steady = { .mn.ops = &count_ops };
	struct churn c = { 0 };
	pthread_t th;
	struct mm *mm;
	unsigned int k;
	int64_t a;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	c.mm = mm;
	ASSERT_EQ(mmu_notifier_register(&steady.mn, mm), 0);
	ASSERT_EQ(pthread_create(&th, NULL, churn_thread, &c), 0);
	for (k = 0; k < 300; k++) {
		a = mm_mmap(mm, 0x100000, 2 * fx.page, RW, MM_MAP_FIXED | MM_MAP_POPULATE);
		ASSERT_EQ(a, 0x100000);
		ASSERT_EQ(mm_clear_refs(mm, 0x100000, 2 * fx.page), 0);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	/* Each round after the first replaced populated pages, and each clear_refs hit them. */
	EXPECT_EQ(steady.calls, 2 * 300 - 1);
	TH_LOG("%u register/unregister cycles", c.cycles);
	mmu_notifier_unregister(&steady.mn, mm);
	mmput(mm);
	teardown(&fx);
}

/* ---- A device sharing the page tables (what the SMMU does, in miniature) ------- */

#define DEV_PAGES	16

/*
 * A device with a tiny TLB filled by walking the mm's tables. Accesses run
 * under its lock; invalidate_range takes the lock, so once it returns no
 * access uses a dropped entry. If mm freed a frame before notifying, the
 * device would find a frame with no owner behind a translation it holds.
 */
struct fake_dev {
	struct mmu_notifier mn;
	struct fixture *fx;
	struct walk_cfg cfg;
	uint64_t va;
	pthread_mutex_t lock;
	uint64_t pa[DEV_PAGES];		/* 0: no entry */
	int stop;
	unsigned int accesses, walks, stale, invalidations;
};

static void dev_invalidate(struct mmu_notifier *mn, struct mm *mm, uint64_t start,
			   uint64_t end)
{
	struct fake_dev *d = (struct fake_dev *)mn;
	unsigned int i;

	(void)mm;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < DEV_PAGES; i++) {
		uint64_t va = d->va + i * d->fx->page;

		if (va >= start && va < end)
			d->pa[i] = 0;
	}
	d->invalidations++;
	pthread_mutex_unlock(&d->lock);
}

static const struct mmu_notifier_ops dev_ops = { .invalidate_range = dev_invalidate };

static void dev_access(struct fake_dev *d, unsigned int i)
{
	struct walk_result res;
	uint64_t v = 0;

	pthread_mutex_lock(&d->lock);
	if (!d->pa[i]) {
		d->walks++;
		if (walk_stage1(&d->fx->mem.bus, &d->cfg, d->va + i * d->fx->page,
				WALK_ACC_READ, &res) == WALK_OK)
			d->pa[i] = res.oa;
	}
	if (d->pa[i]) {
		d->accesses++;
		if (frame_refcount(d->fx->frames, d->pa[i]) == 0)
			d->stale++;
		/* The access itself, racing the CPU side as DMA does. */
		phys_mem_read64(&d->fx->mem, d->pa[i] & ~7ULL, &v);
	}
	pthread_mutex_unlock(&d->lock);
}

static void *dev_thread(void *arg)
{
	struct fake_dev *d = arg;
	unsigned int n;

	for (n = 0; n < 50000000 && !__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE); n++)
		dev_access(d, n % DEV_PAGES);
	return NULL;
}

TEST_TIMEOUT(device_never_uses_a_freed_frame, 60)
{
	struct fixture fx;
	struct fake_dev d = { .mn.ops = &dev_ops, .fx = &fx, .va = 0x1000000 };
	pthread_t th;
	struct mm *mm;
	unsigned int k;

	setup(&fx);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	d.cfg = mm_walk_cfg(mm);
	pthread_mutex_init(&d.lock, NULL);
	ASSERT_EQ(mmu_notifier_register(&d.mn, mm), 0);
	ASSERT_EQ(pthread_create(&th, NULL, dev_thread, &d), 0);
	for (k = 0; k < 2000; k++) {
		uint64_t off = (k * 5 % DEV_PAGES) * fx.page, n = (k % 4 + 1) * fx.page;

		if (off + n > DEV_PAGES * fx.page)
			n = DEV_PAGES * fx.page - off;
		ASSERT_EQ(mm_mmap(mm, d.va + off, n, RW, MM_MAP_FIXED | MM_MAP_POPULATE),
			  (int64_t)(d.va + off));
		if (k % 3 == 0)
			ASSERT_EQ(mm_munmap(mm, d.va + off, n), 0);
		if (k % 7 == 0) {
			int ret = mm_mprotect(mm, d.va, DEV_PAGES * fx.page, MM_PROT_READ);

			ASSERT_TRUE(ret == 0 || ret == -ENOMEM);	/* -ENOMEM: a hole */
		}
	}
	__atomic_store_n(&d.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	EXPECT_EQ(d.stale, 0);
	TH_LOG("%u device accesses, %u walks, %u invalidations", d.accesses, d.walks,
	       d.invalidations);
	mmu_notifier_unregister(&d.mn, mm);
	pthread_mutex_destroy(&d.lock);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

/* ---- Random operations against a per-page model ---------------------------------- */

#define MODEL_PAGES	48
#define MODEL_BASE	0x40000000ULL
#define MODEL_UNMAPPED	0xffu

struct page_model {
	unsigned int prot[MODEL_PAGES];		/* MODEL_UNMAPPED or MM_PROT_* */
	uint64_t data[MODEL_PAGES];		/* first word of the page (0: never written) */
};

static uint64_t model_rng = 0x2545f4914f6cdd1dULL;

static unsigned int model_rnd(unsigned int bound)
{
	model_rng ^= model_rng << 13;
	model_rng ^= model_rng >> 7;
	model_rng ^= model_rng << 17;
	return (unsigned int)(model_rng % bound);
}

/* VMAs are canonical: one per maximal run of pages with the same protection. */
static unsigned int model_runs(const struct page_model *m)
{
	unsigned int i, runs = 0;

	for (i = 0; i < MODEL_PAGES; i++)
		if (m->prot[i] != MODEL_UNMAPPED && (i == 0 || m->prot[i - 1] != m->prot[i]))
			runs++;
	return runs;
}

static void model_check(struct fixture *fx, struct mm *mm, const struct page_model *m)
{
	unsigned int i;

	ASSERT_EQ(nr_vmas(mm), model_runs(m));
	for (i = 0; i < MODEL_PAGES; i++) {
		uint64_t va = MODEL_BASE + i * fx->page, pte = pte_of(mm, va), word = 0;
		struct vm_area_struct *vma = vma_lookup(&mm->vmas, va);

		if (m->prot[i] == MODEL_UNMAPPED) {
			ASSERT_TRUE(vma == NULL);
			ASSERT_EQ(pte, 0);
			continue;
		}
		ASSERT_TRUE(vma != NULL);
		ASSERT_EQ(vma->vm_flags, m->prot[i]);
		/* A present page carries exactly its VMA's protection. */
		if (pte)
			ASSERT_EQ(pgtable_pte_modify(&mm->pgt, pte, m->prot[i]), pte);
		if (m->prot[i] & MM_PROT_READ) {
			ASSERT_EQ(cpu_read(cpu0(fx), va, &word, 8, 0), 0);
			ASSERT_EQ(word, m->data[i]);
		} else {
			ASSERT_EQ(cpu_read(cpu0(fx), va, &word, 8, 0), -EFAULT);
		}
	}
}

static void model_op(struct fixture *fx, struct mm *mm, struct page_model *m, unsigned int step)
{
	static const unsigned int prots[] = { MM_PROT_NONE, MM_PROT_READ, RW,
					      MM_PROT_READ | MM_PROT_EXEC };
	unsigned int first = model_rnd(MODEL_PAGES), n = model_rnd(6) + 1, i, prot, op;
	uint64_t va = MODEL_BASE + first * fx->page;
	bool holes = false;
	int ret;

	if (first + n > MODEL_PAGES)
		n = MODEL_PAGES - first;
	prot = prots[model_rnd(4)];
	op = model_rnd(4);
	if (op == 0) {
		ASSERT_EQ(mm_mmap(mm, va, n * fx->page, prot, MM_MAP_FIXED), (int64_t)va);
		for (i = first; i < first + n; i++) {
			m->prot[i] = prot;
			m->data[i] = 0;
		}
	} else if (op == 1) {
		ASSERT_EQ(mm_munmap(mm, va, n * fx->page), 0);
		for (i = first; i < first + n; i++)
			m->prot[i] = MODEL_UNMAPPED;
	} else if (op == 2) {
		for (i = first; i < first + n; i++)
			holes |= m->prot[i] == MODEL_UNMAPPED;
		ret = mm_mprotect(mm, va, n * fx->page, prot);
		ASSERT_EQ(ret, holes ? -ENOMEM : 0);
		for (i = first; i < first + n && !holes; i++)
			m->prot[i] = prot;
	} else {
		/* Write where allowed: the fault path, dirtying, data. */
		for (i = first; i < first + n; i++) {
			uint64_t v = ((uint64_t)step << 8) | i;

			ret = cpu_write(cpu0(fx), MODEL_BASE + i * fx->page, &v, 8, 0);
			ASSERT_EQ(ret, (m->prot[i] != MODEL_UNMAPPED &&
					(m->prot[i] & MM_PROT_WRITE)) ? 0 : -EFAULT);
			if (!ret)
				m->data[i] = v;
		}
	}
}

static void random_ops(unsigned int shift, unsigned int steps)
{
	struct fixture fx;
	struct page_model m;
	struct mm *mm;
	unsigned int i, step;

	setup_granule(&fx, shift);
	mm = mm_create(&fx.sys);
	ASSERT_TRUE(mm != NULL);
	mm_switch(&fx.sys, mm, 0);
	for (i = 0; i < MODEL_PAGES; i++) {
		m.prot[i] = MODEL_UNMAPPED;
		m.data[i] = 0;
	}
	for (step = 0; step < steps; step++) {
		model_op(&fx, mm, &m, step);
		model_check(&fx, mm, &m);
	}
	TH_LOG("%uK pages: %u areas at the end, %" PRIu64 " pages faulted", 1u << (shift - 10),
	       nr_vmas(mm), stats(&fx).pages_faulted);
	mm_switch(&fx.sys, NULL, 0);
	mmput(mm);
	teardown(&fx);
}

TEST_TIMEOUT(random_ops_match_page_model, 60)
{
	random_ops(12, 3000);
	random_ops(14, 1000);
	random_ops(16, 1000);
}
