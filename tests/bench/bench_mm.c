// SPDX-License-Identifier: GPL-2.0
/*
 * Process address space costs (os/mm) on the machine model of
 * tests/unit/sva_machine.h:
 *  - demand faults per second taken by a CPU: a store to each page of a
 *    fresh mapping faults in the CPU's MMU, the mm fault handler installs a
 *    zeroed page, the store retries;
 *  - mmap + munmap pairs per second of one page, untouched and touched by
 *    the CPU (then munmap frees a page and flushes the TLBs), with the
 *    process not bound and bound to a PCIe function (SVA: munmap's MMU
 *    notifier invalidates the SMMU TLB and the ATC, then CMD_SYNC).
 */
#include <stdio.h>
#include <time.h>

#include "tests/unit/sva_machine.h"

#define PAGE		4096ull
#define FAULT_PAGES	4096u
#define PAIRS		4000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void process_exit(struct sm *sm, struct mm *mm)
{
	mm_switch(&sm->sys, NULL, 0);
	mmgrab(mm);
	mmput(mm);
	iommu_sva_mm_free(&sm->core, mm);
	mmdrop(mm);
}

static void bench_demand_faults(struct sm *sm)
{
	struct mm_stats before, after;
	unsigned int i, n = 0;
	uint64_t v = 1, t;
	struct mm *mm;
	int64_t va;

	mm = sm_process(sm, 0);
	if (!mm)
		return;
	va = mm_mmap(mm, 0, FAULT_PAGES * PAGE, MM_PROT_READ | MM_PROT_WRITE, 0);
	if (va < 0) {
		printf("demand faults: mmap failed (%lld)\n", (long long)va);
		goto out;
	}
	mm_get_stats(&sm->sys, &before);
	t = now_ns();
	for (i = 0; i < FAULT_PAGES; i++)
		n += !sm_cpu_write(sm, 0, (uint64_t)va + i * PAGE, &v, sizeof(v));
	t = now_ns() - t;
	mm_get_stats(&sm->sys, &after);
	printf("%-52s %10.0f /s   (%u stores, %llu pages faulted in)\n",
	       "CPU demand faults (store to a fresh page)", n / (t / 1e9), n,
	       (unsigned long long)(after.pages_faulted - before.pages_faulted));
out:
	process_exit(sm, mm);
}

/* mmap + munmap of one page, @touch: with a CPU store in between. */
static void pairs(struct sm *sm, struct mm *mm, bool touch, const char *what)
{
	unsigned int i, n = 0;
	uint64_t v = 1, t;
	int64_t va;

	t = now_ns();
	for (i = 0; i < PAIRS; i++) {
		va = mm_mmap(mm, 0, PAGE, MM_PROT_READ | MM_PROT_WRITE, 0);
		if (va < 0)
			break;
		if (touch && sm_cpu_write(sm, 0, (uint64_t)va, &v, sizeof(v)))
			break;
		if (mm_munmap(mm, (uint64_t)va, PAGE))
			break;
		n++;
	}
	t = now_ns() - t;
	printf("%-52s %10.0f pairs/s   (n=%u)\n", what, n / (t / 1e9), n);
}

static void bench_pairs(struct sm *sm, struct sm_dev *d)
{
	struct iommu_sva *h;
	struct mm_stats before, after;
	char why[128];
	struct mm *mm;
	int err;

	mm = sm_process(sm, 0);
	if (!mm)
		return;
	pairs(sm, mm, false, "mmap + munmap, not bound");
	pairs(sm, mm, true, "mmap + CPU store + munmap, not bound");
	h = iommu_sva_bind_device(&d->dev, mm, &err, why, sizeof(why));
	if (!h) {
		printf("bind failed (%d: %s)\n", err, why);
		goto out;
	}
	mm_get_stats(&sm->sys, &before);
	pairs(sm, mm, false, "mmap + munmap, bound (PCIe, BTM + ATS)");
	pairs(sm, mm, true, "mmap + CPU store + munmap, bound (PCIe, BTM + ATS)");
	mm_get_stats(&sm->sys, &after);
	printf("%-52s %10llu\n", "  notifier invalidations while bound",
	       (unsigned long long)(after.notifier_invalidations - before.notifier_invalidations));
	iommu_sva_unbind_device(h);
out:
	process_exit(sm, mm);
}

int main(void)
{
	struct sm_dev *pci;
	struct sm_cfg cfg;
	struct sm sm;
	int err;

	sm_cfg_default(&cfg);
	if (sm_init(&sm, &cfg)) {
		printf("bench_mm: machine setup failed\n");
		sm_fini(&sm);
		return 1;
	}
	pci = sm_add_pci(&sm, 1, 20, true, true, &err);
	if (!pci) {
		printf("bench_mm: device setup failed (%d)\n", err);
		sm_fini(&sm);
		return 1;
	}
	bench_demand_faults(&sm);
	bench_pairs(&sm, pci);
	sm_fini(&sm);
	return 0;
}
