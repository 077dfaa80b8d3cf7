// SPDX-License-Identifier: GPL-2.0
/*
 * SVA bind costs on the machine model (tests/unit/sva_machine.h), PCIe
 * function with ATS + PRI, shared CPU ASIDs with BTM:
 *
 *  - bind + unbind of one process to one device, pairs per second, with
 *    the commands each pair issues (goal: >= 100,000 pairs/s);
 *  - the same pair, and a device page fault (PRI round trip) of a bound
 *    process, with 1K, 10K and 50K processes bound to the device, each as
 *    a ratio to the same figure on a second machine with 1 bound, measured
 *    in the same sample (goal: flat up to the SMMU's 65K ASIDs: bind,
 *    unbind and the fault path's bond lookups must not walk every bond).
 *
 * BENCH_BONDS=N in the environment caps the largest population (the
 * quadratic build-up of a linear-time bind makes 50K take very long).
 */
#define SM_MEM_SIZE	(1ULL << 30)	/* 50K page-table roots */

#include <stdio.h>
#include <stdlib.h>

#include "tests/bench/bench_stats.h"
#include "tests/unit/sva_machine.h"

#define SAMPLES		9
#define PAIRS		200u		/* per sample */
#define SCALE_PAIRS	20u		/* per sample, at each population */
#define SCALE_FAULTS	20u
#define MAX_BONDS	50000u
#define PAGE		4096ull

static void process_free(struct sm *sm, struct mm *mm)
{
	mm_switch(&sm->sys, NULL, 0);
	mmgrab(mm);
	mmput(mm);
	iommu_sva_mm_free(&sm->core, mm);
	mmdrop(mm);
}

/* Seconds for @n bind + unbind pairs of @mm to @d; -1 on a failed bind. */
static double pairs(struct sm_dev *d, struct mm *mm, unsigned int n)
{
	uint64_t t = bench_now_ns();
	struct iommu_sva *h;
	unsigned int i;
	char why[128];
	int err;

	for (i = 0; i < n; i++) {
		h = iommu_sva_bind_device(&d->dev, mm, &err, why, sizeof(why));
		if (!h) {
			printf("bench_bind: bind failed (%d: %s)\n", err, why);
			return -1;
		}
		iommu_sva_unbind_device(h);
	}
	return (bench_now_ns() - t) / 1e9;
}

static uint64_t cmds(struct sm *sm, unsigned int op)
{
	return arm_smmu_cmdq_count(sm->drv, op);
}

static void bench_pairs(struct sm *sm, struct sm_dev *d)
{
	struct bench_series rate = { .n = 0 }, cpu_rate = { .n = 0 };
	uint64_t sync0 = cmds(sm, CMD_OP_SYNC), cd0 = cmds(sm, CMD_OP_CFGI_CD);
	uint64_t ste0 = cmds(sm, CMD_OP_CFGI_STE), all0 = 0, all1 = 0;
	struct mm *mm = sm_process(sm, 0);
	unsigned int s, op;
	double t;

	for (op = 0; op < CMD_OP_NR; op++)
		all0 += cmds(sm, op);
	for (s = 0; s < SAMPLES; s++) {
		uint64_t c = bench_cpu_ns();

		t = pairs(d, mm, PAIRS);
		if (t < 0)
			break;
		bench_add(&rate, PAIRS / t);
		bench_add(&cpu_rate, PAIRS / ((bench_cpu_ns() - c) / 1e9));
	}
	for (op = 0; op < CMD_OP_NR; op++)
		all1 += cmds(sm, op);
	printf("bench_bind: bind + unbind of one process to a PCIe function (ATS, PRI, BTM)\n");
	bench_print("pairs per second", &rate, "/s");
	printf("   goal >= 100000/s\n");
	bench_print("pairs per CPU-second (all threads)", &cpu_rate, "/s");
	printf("\n");
	if (rate.n) {
		double n = (double)rate.n * PAIRS;

		printf("  per pair: %.1f commands, %.1f CMD_SYNC, %.1f CFGI_CD, %.1f CFGI_STE\n",
		       (all1 - all0) / n, (cmds(sm, CMD_OP_SYNC) - sync0) / n,
		       (cmds(sm, CMD_OP_CFGI_CD) - cd0) / n, (cmds(sm, CMD_OP_CFGI_STE) - ste0) / n);
	}
	process_free(sm, mm);
}

/* ---- Many bound processes -------------------------------------------------- */

struct population {
	struct mm **mm;
	struct iommu_sva **h;
	unsigned int n;
};

/* Bind new processes until @want are bound. 0, or -1 (said why). */
static int populate(struct sm *sm, struct sm_dev *d, struct population *p, unsigned int want)
{
	char why[128];
	int err;

	while (p->n < want) {
		struct mm *mm = sm_process(sm, 0);

		if (!mm) {
			printf("bench_bind: no process %u\n", p->n);
			return -1;
		}
		p->h[p->n] = iommu_sva_bind_device(&d->dev, mm, &err, why, sizeof(why));
		if (!p->h[p->n]) {
			printf("bench_bind: bind %u failed (%d: %s)\n", p->n, err, why);
			process_free(sm, mm);
			return -1;
		}
		p->mm[p->n++] = mm;
	}
	return 0;
}

/* Mean ns of a device write fault (PRI round trip) of @mm at fresh pages from *@page. */
static double faults(struct sm_dev *d, struct mm *mm, uint64_t va, unsigned int *page)
{
	uint64_t t = bench_now_ns(), v = 1;
	unsigned int i;

	for (i = 0; i < SCALE_FAULTS; i++, (*page)++)
		if (sm_dma(d, mm->pasid, va + *page * PAGE, &v, sizeof(v), true))
			return -1;
	return (double)(bench_now_ns() - t) / SCALE_FAULTS;
}

/* A machine with @p bound to its PCIe function, and one more process to bind and unbind. */
struct scale_side {
	struct sm sm;
	struct sm_dev *d;
	struct population p;
	struct mm *extra;
	int64_t va;		/* p.mm[0]'s buffer for faults */
	unsigned int page;
};

static int side_init(struct scale_side *x, unsigned int cap)
{
	struct sm_cfg cfg;
	int err;

	sm_cfg_default(&cfg);
	if (sm_init(&x->sm, &cfg))
		return -1;
	x->d = sm_add_pci(&x->sm, 1, 20, true, true, &err);
	x->p.mm = calloc(cap, sizeof(*x->p.mm));
	x->p.h = calloc(cap, sizeof(*x->p.h));
	x->extra = sm_process(&x->sm, 0);
	if (!x->d || !x->p.mm || !x->p.h || !x->extra || populate(&x->sm, x->d, &x->p, 1))
		return -1;
	x->va = mm_mmap(x->p.mm[0], 0, 4096 * PAGE, MM_PROT_READ | MM_PROT_WRITE, 0);
	return x->va < 0 ? -1 : 0;
}

static void side_fini(struct scale_side *x)
{
	while (x->p.n) {
		x->p.n--;
		iommu_sva_unbind_device(x->p.h[x->p.n]);
		process_free(&x->sm, x->p.mm[x->p.n]);
	}
	if (x->extra)
		process_free(&x->sm, x->extra);
	free(x->p.mm);
	free(x->p.h);
	sm_fini(&x->sm);
}

/* One sample on @x: us per bind + unbind pair and per device fault. 0 or -1. */
static int side_sample(struct scale_side *x, double *pair, double *fault)
{
	*pair = pairs(x->d, x->extra, SCALE_PAIRS) * 1e6 / SCALE_PAIRS;
	*fault = faults(x->d, x->p.mm[0], (uint64_t)x->va, &x->page) / 1e3;
	return *pair < 0 || *fault < 0 ? -1 : 0;
}

/*
 * Each sample measures the machine with N bound and, right before it, a
 * second machine with 1 bound: the ratio is taken within the sample, so a
 * load change on the host between populations cannot fake or hide growth.
 */
static void bench_scale(void)
{
	unsigned int levels[] = { 1000, 10000, MAX_BONDS }, cap = MAX_BONDS, l, s;
	static struct scale_side base, pop;
	const char *env = getenv("BENCH_BONDS");

	if (env && atoi(env) > 1)
		cap = (unsigned int)atoi(env);
	if (side_init(&base, 1) || side_init(&pop, cap)) {
		printf("bench_bind: machine setup failed\n");
		goto out;
	}
	printf("bench_bind: with N processes bound to the device, against 1 bound (another machine, "
	       "same sample), %u samples\n", SAMPLES);
	for (l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		struct bench_series pair = { .n = 0 }, fault = { .n = 0 };
		struct bench_series pair_r = { .n = 0 }, fault_r = { .n = 0 };
		char what[64];

		if (levels[l] > cap)
			levels[l] = cap;
		if ((l && levels[l] <= levels[l - 1]) || populate(&pop.sm, pop.d, &pop.p, levels[l]))
			break;
		for (s = 0; s < SAMPLES; s++) {
			double bp, bf, tp, tf;

			if (side_sample(&base, &bp, &bf) || side_sample(&pop, &tp, &tf))
				goto out;
			bench_add(&pair, tp);
			bench_add(&fault, tf);
			bench_add(&pair_r, tp / bp);
			bench_add(&fault_r, tf / bf);
		}
		snprintf(what, sizeof(what), "N = %u: bind + unbind", levels[l]);
		bench_print(what, &pair, "us");
		printf("\n");
		bench_print_ratio("  ratio to N = 1", &pair_r, "~1 (flat)");
		snprintf(what, sizeof(what), "N = %u: device fault (PRI)", levels[l]);
		bench_print(what, &fault, "us");
		printf("\n");
		bench_print_ratio("  ratio to N = 1", &fault_r, "~1 (flat)");
	}
out:
	side_fini(&pop);
	side_fini(&base);
}

int main(void)
{
	struct sm_dev *pci;
	struct sm_cfg cfg;
	struct sm sm;
	int err;

	sm_cfg_default(&cfg);
	if (sm_init(&sm, &cfg)) {
		printf("bench_bind: machine setup failed\n");
		return 1;
	}
	pci = sm_add_pci(&sm, 1, 20, true, true, &err);
	if (!pci) {
		printf("bench_bind: device setup failed (%d)\n", err);
		sm_fini(&sm);
		return 1;
	}
	bench_pairs(&sm, pci);
	sm_fini(&sm);
	bench_scale();
	return 0;
}
