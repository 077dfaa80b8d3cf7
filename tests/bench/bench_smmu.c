// SPDX-License-Identifier: GPL-2.0
/*
 * SMMU model translation costs: ns per translation on a TLB hit (one
 * thread, then two translating at once: the hit path takes no lock), on a
 * miss (a full 4-level stage-1 walk: the working set is 16x the TLB), and
 * ns per CMD_SYNC round trip through the command queue (with and without a
 * TLBI before it, with no translations in flight).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/smmu_fixture.h"

#define SID		1
#define ASID		1
#define VA		0x10000000ULL
#define HIT_PAGES	64
#define HIT_ITERS	2000000u
#define MISS_PAGES	16384u
#define MISS_ITERS	200000u
#define SYNC_ITERS	20000u

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct worker {
	struct fx *fx;
	unsigned int pages, iters;
	unsigned long failed;
	double secs;
};

static void *translate_loop(void *arg)
{
	struct worker *w = arg;
	double t0 = now();
	unsigned int i;

	for (i = 0; i < w->iters; i++) {
		uint64_t va = VA + (uint64_t)(i % w->pages) * 4096;

		if (fx_xlate(w->fx, SID, false, 0, va, WALK_ACC_READ, NULL) != SMMU_TXN_OK)
			w->failed++;
	}
	w->secs = now() - t0;
	return NULL;
}

static double run(struct fx *fx, unsigned int nthreads, unsigned int pages, unsigned int iters,
		  unsigned long *failed)
{
	struct worker w[2];
	pthread_t t[2];
	double ns = 0;
	unsigned int i;

	for (i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .fx = fx, .pages = pages, .iters = iters };
		pthread_create(&t[i], NULL, translate_loop, &w[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		ns += w[i].secs * 1e9 / iters;
		*failed += w[i].failed;
	}
	return ns / nthreads;	/* mean per-thread latency */
}

int main(void)
{
	static struct fx fx;
	struct smmu_config cfg;
	struct fx_ste ste = { 0 };
	unsigned long failed = 0;
	uint64_t root, cd, data;
	double t0, hit1, hit2, miss, sync, tlbi_sync;
	unsigned int i;

	smmu_config_default(&cfg);
	if (fx_init_cfg(&fx, &cfg, true))
		return 1;
	root = fx_pt_new(&fx);
	cd = fx_alloc(&fx, 64, 64);
	data = fx_alloc(&fx, 4096, 4096);
	fx_cd(&fx, cd, root, ASID, FX_CD_DEFAULT);
	ste.cdptr = cd;
	fx_ste(&fx, SID, &ste);
	for (i = 0; i < MISS_PAGES; i++)
		fx_map(&fx, root, VA + (uint64_t)i * 4096, data, FX_PTE_RW);

	run(&fx, 1, HIT_PAGES, 10000, &failed);	/* warm up */
	hit1 = run(&fx, 1, HIT_PAGES, HIT_ITERS, &failed);
	hit2 = run(&fx, 2, HIT_PAGES, HIT_ITERS, &failed);
	miss = run(&fx, 1, MISS_PAGES, MISS_ITERS, &failed);

	t0 = now();
	for (i = 0; i < SYNC_ITERS; i++)
		fx_sync(&fx);
	sync = (now() - t0) * 1e9 / SYNC_ITERS;
	t0 = now();
	for (i = 0; i < SYNC_ITERS; i++) {
		fx_tlbi_va(&fx, ASID, VA);
		fx_sync(&fx);
	}
	tlbi_sync = (now() - t0) * 1e9 / SYNC_ITERS;

	printf("smmu translate, TLB hit, 1 thread:   %8.1f ns\n", hit1);
	printf("smmu translate, TLB hit, 2 threads:  %8.1f ns per thread\n", hit2);
	printf("smmu translate, TLB miss (walk):     %8.1f ns\n", miss);
	printf("smmu CMD_SYNC round trip:            %8.1f ns\n", sync);
	printf("smmu TLBI_NH_VA + CMD_SYNC:          %8.1f ns\n", tlbi_sync);
	printf("smmu TLB misses counted: %llu, failed translations: %lu\n",
	       (unsigned long long)smmu_pmcg_read(fx.smmu, SMMU_PMCG_TLB_MISS), failed);
	fx_fini(&fx);
	return failed ? 1 : 0;
}
