// SPDX-License-Identifier: GPL-2.0
/*
 * Stage-1 walk cost: ns per full translation (every TLB miss pays this) for
 * the 4K, 16K and 64K granules, 4 levels where the granule allows (64K: 3),
 * over pages spread so that every walk touches distinct leaf tables:
 *   plain       HA/HD off, AF already set
 *   ha/hd       HA and HD on, nothing to update (steady state)
 *   ha/hd+cas   HA and HD on, every walk sets AF and dirty with a CAS
 *               (the bench rewrites the descriptor clean before each walk;
 *               that store is included in the figure)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arch/vmsa.h"
#include "hw/mem.h"
#include "hw/walk.h"

#define BASE		PHYS_MEM_DEFAULT_BASE
#define SIZE		(256ULL << 20)
#define NPAGES		1024
#define ROUNDS		300

struct bench {
	struct phys_mem mem;
	struct walk_cfg cfg;
	unsigned int gshift;
	int start;
	uint64_t next;
	uint64_t va[NPAGES];
	uint64_t leaf[NPAGES];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t table_alloc(struct bench *b)
{
	uint64_t pa = b->next;

	b->next += 1ULL << b->gshift;
	if (b->next > BASE + SIZE) {
		fprintf(stderr, "bench_walk: out of table memory\n");
		exit(1);
	}
	phys_mem_fill(&b->mem, pa, 0, 1ULL << b->gshift);
	return pa;
}

/* Slot of @va's leaf at level 3, creating tables on the way down. */
static uint64_t leaf_slot(struct bench *b, uint64_t va)
{
	uint64_t table = b->cfg.ttb, slot, desc;
	int level;

	for (level = b->start; ; level++) {
		slot = table + 8ULL * vmsa_index(b->gshift, level, va);
		if (level == 3)
			return slot;
		phys_mem_read64(&b->mem, slot, &desc);
		if (!(desc & VMSA_DESC_VALID)) {
			desc = vmsa_addr_to_desc(table_alloc(b), b->gshift) |
			       VMSA_DESC_TYPE_TABLE;
			phys_mem_write64(&b->mem, slot, desc);
		}
		table = vmsa_desc_addr(desc, b->gshift);
	}
}

static uint64_t leaf_desc(const struct bench *b, unsigned int i, bool clean)
{
	uint64_t pa = BASE + ((uint64_t)i << b->gshift);
	uint64_t d = vmsa_addr_to_desc(pa, b->gshift) | VMSA_DESC_TYPE_TABLE |
		     FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) | VMSA_PTE_DBM;

	if (clean)
		return d | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RO);
	return d | VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW);
}

static int bench_init(struct bench *b, unsigned int gshift, unsigned int tsz)
{
	unsigned int i, ia = 64 - tsz;
	uint64_t stride;

	if (phys_mem_init(&b->mem, BASE, SIZE))
		return -1;
	b->gshift = gshift;
	b->next = BASE;
	b->start = vmsa_start_level(gshift, ia);
	b->cfg = (struct walk_cfg){ .tsz = (uint8_t)tsz, .granule_shift = (uint8_t)gshift,
				    .oas = 48 };
	b->cfg.ttb = table_alloc(b);
	/* One page per level-2 region, spread across the level-0/1 tables too. */
	stride = (1ULL << vmsa_level_shift(gshift, 2)) * 3 + (1ULL << gshift) * 5;
	for (i = 0; i < NPAGES; i++) {
		b->va[i] = ((uint64_t)i * stride) & ((1ULL << ia) - 1) & ~((1ULL << gshift) - 1);
		b->leaf[i] = leaf_slot(b, b->va[i]);
		phys_mem_write64(&b->mem, b->leaf[i], leaf_desc(b, i, false));
	}
	return 0;
}

/* ns per walk over all pages, ROUNDS times; @reset: make pages clean first. */
static double run(struct bench *b, unsigned int acc, bool reset)
{
	struct walk_result res;
	uint64_t t0, t1, sink = 0;
	unsigned int r, i;

	t0 = now_ns();
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < NPAGES; i++) {
			if (reset)
				phys_mem_write64(&b->mem, b->leaf[i], leaf_desc(b, i, true));
			if (walk_stage1(&b->mem.bus, &b->cfg, b->va[i] + 64, acc, &res)) {
				fprintf(stderr, "bench_walk: walk of %#llx failed: %s\n",
					(unsigned long long)b->va[i], walk_fault_name(res.fault));
				exit(1);
			}
			sink += res.oa;
		}
	}
	t1 = now_ns();
	if (sink == 1)
		printf("(unlikely)\n");
	return (double)(t1 - t0) / ((double)ROUNDS * NPAGES);
}

static void bench_granule(const char *name, unsigned int gshift, unsigned int tsz)
{
	static struct bench b;
	double plain, steady, cas;

	if (bench_init(&b, gshift, tsz)) {
		fprintf(stderr, "bench_walk: no memory\n");
		exit(1);
	}
	run(&b, WALK_ACC_WRITE, false);	/* warm the host caches and pages */
	plain = run(&b, WALK_ACC_WRITE, false);
	b.cfg.ha = b.cfg.hd = true;
	steady = run(&b, WALK_ACC_WRITE, false);
	cas = run(&b, WALK_ACC_WRITE, true);
	printf("walk %-3s %d levels: plain %6.1f ns  ha/hd %6.1f ns  ha/hd+cas %6.1f ns\n",
	       name, 4 - b.start, plain, steady, cas);
	phys_mem_fini(&b.mem);
}

int main(void)
{
	bench_granule("4K", 12, 16);
	bench_granule("16K", 14, 16);
	bench_granule("64K", 16, 16);
	return 0;
}
