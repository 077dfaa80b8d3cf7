// SPDX-License-Identifier: GPL-2.0
/*
 * hw/cpu figures: the TLB hit path (8-byte loads on one page), the miss path
 * (a walk per load: more pages than TLB entries), 4K page copies, a
 * broadcast TLBI + DSB across the CPUs, and hit-path throughput with one
 * and two threads on two CPUs (no global lock: it should scale with cores).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arch/vmsa.h"
#include "hw/cpu.h"
#include "hw/mem.h"

#define BASE		PHYS_MEM_DEFAULT_BASE
#define MEM_SIZE	(64ULL << 20)
#define NR_PAGES	1024		/* mapped pages, 4K each */
#define VA0		0x10000000ULL
#define PTE_RW		(VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW) | \
			 FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) | VMSA_PTE_NG)

struct bench {
	struct phys_mem mem;
	struct cpu_cluster *cl;
	uint64_t next;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t alloc_page(struct bench *b)
{
	uint64_t pa = b->next;

	b->next += 0x1000;
	phys_mem_fill(&b->mem, pa, 0, 0x1000);
	return pa;
}

/* 4K granule, 48-bit VA: a four-level walk for every miss. */
static void map_page(struct bench *b, uint64_t root, uint64_t va, uint64_t pa)
{
	uint64_t table = root, slot, desc;
	int level;

	for (level = 0; level < 3; level++) {
		slot = table + 8ULL * vmsa_index(12, level, va);
		phys_mem_read64(&b->mem, slot, &desc);
		if (!(desc & VMSA_DESC_VALID)) {
			desc = vmsa_addr_to_desc(alloc_page(b), 12) |
			       FIELD_PREP(VMSA_DESC_TYPE, VMSA_DESC_TYPE_TABLE);
			phys_mem_write64(&b->mem, slot, desc);
		}
		table = vmsa_desc_addr(desc, 12);
	}
	slot = table + 8ULL * vmsa_index(12, 3, va);
	phys_mem_write64(&b->mem, slot, vmsa_addr_to_desc(pa, 12) |
			 FIELD_PREP(VMSA_DESC_TYPE, VMSA_DESC_TYPE_TABLE) | PTE_RW);
}

static int bench_init(struct bench *b, unsigned int nr_cpus)
{
	struct cpu_cluster_cfg cfg = {
		.nr_cpus = nr_cpus, .tlb_entries = 256, .asid_bits = 16, .pa_bits = 48,
	};
	struct walk_cfg tcr = { .tsz = 16, .granule_shift = 12, .oas = 48 };
	uint64_t root;
	unsigned int i;

	if (phys_mem_init(&b->mem, BASE, MEM_SIZE))
		return -1;
	b->cl = cpu_cluster_create(&cfg, &b->mem.bus);
	if (!b->cl)
		return -1;
	b->next = BASE;
	root = alloc_page(b);
	for (i = 0; i < NR_PAGES; i++)
		map_page(b, root, VA0 + i * 0x1000ULL, BASE + (32ULL << 20) + i * 0x1000ULL);
	for (i = 0; i < nr_cpus; i++) {
		cpu_set_tcr(cpu_get(b->cl, i), &tcr);
		cpu_set_ttbr0(cpu_get(b->cl, i), root, 1);
	}
	return 0;
}

static void bench_fini(struct bench *b)
{
	cpu_cluster_destroy(b->cl);
	phys_mem_fini(&b->mem);
}

static void bench_hits(struct bench *b)
{
	struct cpu *cpu = cpu_get(b->cl, 0);
	const unsigned long n = 2000000;
	uint64_t v;
	double t;
	unsigned long i;

	cpu_read(cpu, VA0, &v, sizeof(v), 0);
	t = now_s();
	for (i = 0; i < n; i++)
		cpu_read(cpu, VA0 + (i & 511) * 8, &v, sizeof(v), 0);
	t = now_s() - t;
	printf("tlb hit, 8-byte load:        %7.1f ns/op\n", t * 1e9 / (double)n);
}

static void bench_misses(struct bench *b)
{
	struct cpu *cpu = cpu_get(b->cl, 0);
	const unsigned long n = 500000;
	struct cpu_stats st0, st;
	uint64_t v;
	double t;
	unsigned long i;

	cpu_get_stats(cpu, &st0);
	t = now_s();
	/* Stride through 1024 pages with a 256-entry TLB: every load walks. */
	for (i = 0; i < n; i++)
		cpu_read(cpu, VA0 + (i % NR_PAGES) * 0x1000ULL, &v, sizeof(v), 0);
	t = now_s() - t;
	cpu_get_stats(cpu, &st);
	printf("tlb miss + 4-level walk:     %7.1f ns/op (%.0f%% misses)\n",
	       t * 1e9 / (double)n, 100.0 * (double)(st.tlb_misses - st0.tlb_misses) /
	       (double)(st.accesses - st0.accesses));
}

static void bench_copy(struct bench *b)
{
	static uint8_t buf[0x1000];
	struct cpu *cpu = cpu_get(b->cl, 0);
	const unsigned long n = 200000;
	double t;
	unsigned long i;

	t = now_s();
	for (i = 0; i < n; i++)
		cpu_write(cpu, VA0 + (i & 63) * 0x1000ULL, buf, sizeof(buf), 0);
	t = now_s() - t;
	printf("4K page store (tlb hit):     %7.1f ns/op, %.2f GB/s\n",
	       t * 1e9 / (double)n, (double)n * sizeof(buf) / t * 1e-9);
}

static void bench_tlbi(struct bench *b)
{
	struct cpu *cpu = cpu_get(b->cl, 0);
	struct dvm_tlbi op = { .op = DVM_TLBI_VA, .asid = 1, .va = VA0 };
	const unsigned long n = 100000;
	double t;
	unsigned long i;

	t = now_s();
	for (i = 0; i < n; i++) {
		cpu_tlbi(cpu, &op, true);
		cpu_dsb(cpu);
	}
	t = now_s() - t;
	printf("TLBI VAE1IS + DSB, %u CPUs:   %7.1f ns/op\n", cpu_cluster_nr(b->cl),
	       t * 1e9 / (double)n);
}

struct hit_thread {
	struct cpu *cpu;
	unsigned long n;
};

static void *hit_loop(void *arg)
{
	struct hit_thread *h = arg;
	unsigned long i;
	uint64_t v;

	for (i = 0; i < h->n; i++)
		cpu_read(h->cpu, VA0 + (i & 511) * 8, &v, sizeof(v), 0);
	return NULL;
}

static void bench_scaling(struct bench *b)
{
	struct hit_thread h[2];
	pthread_t th[2];
	unsigned int nr, i;

	for (nr = 1; nr <= 2; nr++) {
		double t = now_s();

		for (i = 0; i < nr; i++) {
			h[i] = (struct hit_thread){ .cpu = cpu_get(b->cl, i), .n = 1000000 };
			pthread_create(&th[i], NULL, hit_loop, &h[i]);
		}
		for (i = 0; i < nr; i++)
			pthread_join(th[i], NULL);
		t = now_s() - t;
		printf("tlb hits, %u thread(s):       %7.2f M loads/s\n", nr,
		       (double)nr * 1e6 / t * 1e-6);
	}
}

int main(void)
{
	struct bench b;

	if (bench_init(&b, 4)) {
		fprintf(stderr, "bench_cpu: setup failed\n");
		return 1;
	}
	bench_hits(&b);
	bench_misses(&b);
	bench_copy(&b);
	bench_tlbi(&b);
	bench_scaling(&b);
	bench_fini(&b);
	return 0;
}
