// SPDX-License-Identifier: GPL-2.0
/*
 * hw/cpu: loads and stores through hand-built page tables, the ASID-tagged
 * TLB, the four TLBI operations local and broadcast, DVM listeners, the
 * fault handler, HTTU, bad input, and the TLBI + DSB guarantee under a
 * racing store loop.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "arch/vmsa.h"
#include "hw/cpu.h"
#include "hw/cpu_tlb.h"
#include "hw/mem.h"
#include "tests/harness.h"

#define BASE		PHYS_MEM_DEFAULT_BASE
#define MEM_SIZE	(64ULL << 20)
#define TABLES		BASE			/* page tables from here */
#define FRAMES		(BASE + (16ULL << 20))	/* data frames from here */
#define BLOCK_PA	(BASE + (32ULL << 20))	/* 2M-aligned, for block maps */

/* A user read/write, accessed, inner-shareable, non-global leaf. */
#define PTE_USER_RW	(VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW) | \
			 FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) | VMSA_PTE_NG)
#define PTE_USER_RO	(VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RO) | \
			 FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) | VMSA_PTE_NG)

struct machine {
	struct phys_mem mem;
	struct cpu_cluster *cl;
	unsigned int gshift;
	uint8_t tsz;
	bool ha, hd;
	uint64_t next_table;
	uint64_t next_frame;
};

static void m_init_cfg(struct machine *m, unsigned int gshift, uint8_t tsz,
		       const struct cpu_cluster_cfg *cfg)
{
	memset(m, 0, sizeof(*m));
	ASSERT_EQ(phys_mem_init(&m->mem, BASE, MEM_SIZE), 0);
	m->cl = cpu_cluster_create(cfg, &m->mem.bus);
	ASSERT_TRUE(m->cl != NULL);
	m->gshift = gshift;
	m->tsz = tsz;
	m->next_table = TABLES;
	m->next_frame = FRAMES;
}

static void m_init(struct machine *m, unsigned int gshift, uint8_t tsz)
{
	struct cpu_cluster_cfg cfg = {
		.nr_cpus = 2, .tlb_entries = 64, .asid_bits = 16, .pa_bits = 48,
	};

	m_init_cfg(m, gshift, tsz, &cfg);
}

static void m_fini(struct machine *m)
{
	cpu_cluster_destroy(m->cl);
	phys_mem_fini(&m->mem);
}

static uint64_t m_granule(const struct machine *m)
{
	return 1ULL << m->gshift;
}

static uint64_t m_alloc_table(struct machine *m)
{
	uint64_t pa = m->next_table;

	m->next_table += m_granule(m);
	ASSERT_LE(m->next_table, FRAMES);
	ASSERT_EQ(phys_mem_fill(&m->mem, pa, 0, m_granule(m)), 0);
	return pa;
}

static uint64_t m_alloc_frame(struct machine *m)
{
	uint64_t pa = m->next_frame;

	m->next_frame += m_granule(m);
	ASSERT_LE(m->next_frame, BLOCK_PA);
	return pa;
}

/* PA of the descriptor for @va at @leaf_level, creating tables above it. */
static uint64_t pt_slot(struct machine *m, uint64_t root, uint64_t va, int leaf_level)
{
	int level = vmsa_start_level(m->gshift, 64 - m->tsz);
	uint64_t table = root, slot, desc;

	for (; level < leaf_level; level++) {
		slot = table + 8ULL * vmsa_index(m->gshift, level, va);
		ASSERT_EQ(phys_mem_read64(&m->mem, slot, &desc), 0);
		if (!(desc & VMSA_DESC_VALID)) {
			desc = vmsa_addr_to_desc(m_alloc_table(m), m->gshift) |
			       FIELD_PREP(VMSA_DESC_TYPE, VMSA_DESC_TYPE_TABLE);
			ASSERT_EQ(phys_mem_write64(&m->mem, slot, desc), 0);
		}
		table = vmsa_desc_addr(desc, m->gshift);
	}
	return table + 8ULL * vmsa_index(m->gshift, leaf_level, va);
}

/* Map @va -> @pa with a leaf at @level; returns the descriptor's PA. */
static uint64_t pt_map_level(struct machine *m, uint64_t root, uint64_t va, uint64_t pa,
			     int level, uint64_t attrs)
{
	uint64_t slot = pt_slot(m, root, va, level);
	uint64_t type = level == 3 ? VMSA_DESC_TYPE_TABLE : VMSA_DESC_TYPE_BLOCK;

	ASSERT_EQ(phys_mem_write64(&m->mem, slot, vmsa_addr_to_desc(pa, m->gshift) |
				   FIELD_PREP(VMSA_DESC_TYPE, type) | attrs), 0);
	return slot;
}

static uint64_t pt_map(struct machine *m, uint64_t root, uint64_t va, uint64_t pa,
		       uint64_t attrs)
{
	return pt_map_level(m, root, va, pa, 3, attrs);
}

static void m_regime(struct machine *m, struct cpu *cpu, uint64_t root, uint16_t asid)
{
	struct walk_cfg tcr = {
		.tsz = m->tsz, .granule_shift = (uint8_t)m->gshift, .oas = 48,
		.ha = m->ha, .hd = m->hd,
	};

	cpu_set_tcr(cpu, &tcr);
	cpu_set_ttbr0(cpu, root, asid);
}

static uint64_t read64_pa(struct machine *m, uint64_t pa)
{
	uint64_t v = 0;

	ASSERT_EQ(phys_mem_read64(&m->mem, pa, &v), 0);
	return v;
}

static uint64_t walks_of(struct cpu *cpu)
{
	struct cpu_stats st;

	cpu_get_stats(cpu, &st);
	return st.walks;
}

/* ---- Loads and stores ----------------------------------------------------- */

TEST(rw_4k_four_levels)
{
	struct machine m;
	struct cpu *cpu;
	uint64_t root, f0, f1, va = 0x0000123456789000ULL;
	uint8_t buf[64], out[64];
	unsigned int i;

	m_init(&m, 12, 16);		/* 48-bit VA: levels 0..3 */
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	f0 = m_alloc_frame(&m);
	m_alloc_frame(&m);		/* a hole: the two frames are not adjacent */
	f1 = m_alloc_frame(&m);
	pt_map(&m, root, va, f0, PTE_USER_RW);
	pt_map(&m, root, va + 0x1000, f1, PTE_USER_RW);
	m_regime(&m, cpu, root, 1);

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i + 1);
	/* Straddles the two pages: 32 bytes land in each frame. */
	ASSERT_EQ(cpu_write(cpu, va + 0x1000 - 32, buf, sizeof(buf), 0), 0);
	ASSERT_EQ(phys_mem_read(&m.mem, f0 + 0x1000 - 32, out, 32), 0);
	EXPECT_EQ(memcmp(out, buf, 32), 0);
	ASSERT_EQ(phys_mem_read(&m.mem, f1, out, 32), 0);
	EXPECT_EQ(memcmp(out, buf + 32, 32), 0);

	memset(out, 0, sizeof(out));
	ASSERT_EQ(cpu_read(cpu, va + 0x1000 - 32, out, sizeof(out), 0), 0);
	EXPECT_EQ(memcmp(out, buf, sizeof(buf)), 0);

	ASSERT_EQ(cpu_fill(cpu, va + 8, 0x5a, 8, WALK_ACC_PRIV), 0);
	EXPECT_EQ(read64_pa(&m, f0 + 8), 0x5a5a5a5a5a5a5a5aULL);
	m_fini(&m);
}

TEST(rw_4k_three_levels_with_block)
{
	struct machine m;
	struct cpu *cpu;
	uint64_t root, va = 0x40000000ULL + (6ULL << 21), v = 0;
	uint64_t off = 0x12345 & ~7ULL;

	m_init(&m, 12, 25);		/* 39-bit VA: levels 1..3 */
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	pt_map_level(&m, root, va, BLOCK_PA, 2, PTE_USER_RW);	/* 2M block */
	m_regime(&m, cpu, root, 3);

	ASSERT_EQ(phys_mem_write64(&m.mem, BLOCK_PA + off, 0xfeedULL), 0);
	ASSERT_EQ(cpu_read(cpu, va + off, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0xfeedULL);
	v = 0xabcdef;
	ASSERT_EQ(cpu_write(cpu, va + (1ULL << 21) - 8, &v, sizeof(v), 0), 0);
	EXPECT_EQ(read64_pa(&m, BLOCK_PA + (1ULL << 21) - 8), 0xabcdefULL);
	/* One 2M entry serves both pages: one walk in all. */
	EXPECT_EQ(walks_of(cpu), 1);
	/* Past the 39-bit input range: a translation fault, no handler. */
	EXPECT_EQ(cpu_read(cpu, 1ULL << 39, &v, sizeof(v), 0), -EFAULT);
	m_fini(&m);
}

TEST(rw_64k_granule)
{
	struct machine m;
	struct cpu *cpu;
	uint64_t root, f0, f1, va = 0x20000ULL * 7 + (1ULL << 29);
	uint8_t buf[256], out[256];
	unsigned int i;

	m_init(&m, 16, 22);		/* 42-bit VA, 64K: levels 1..3 */
	cpu = cpu_get(m.cl, 1);
	root = m_alloc_table(&m);
	f0 = m_alloc_frame(&m);
	f1 = m_alloc_frame(&m);
	pt_map(&m, root, va, f1, PTE_USER_RW);		/* swapped on purpose */
	pt_map(&m, root, va + 0x10000, f0, PTE_USER_RW);
	m_regime(&m, cpu, root, 9);

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i ^ 0x33);
	ASSERT_EQ(cpu_write(cpu, va + 0x10000 - 100, buf, sizeof(buf), 0), 0);
	ASSERT_EQ(phys_mem_read(&m.mem, f1 + 0x10000 - 100, out, 100), 0);
	EXPECT_EQ(memcmp(out, buf, 100), 0);
	ASSERT_EQ(phys_mem_read(&m.mem, f0, out, 156), 0);
	EXPECT_EQ(memcmp(out, buf + 100, 156), 0);
	ASSERT_EQ(cpu_read(cpu, va + 0x10000 - 100, out, sizeof(out), 0), 0);
	EXPECT_EQ(memcmp(out, buf, sizeof(buf)), 0);
	m_fini(&m);
}

TEST(rw_16k_granule_with_block)
{
	struct machine m;
	struct cpu *cpu;
	uint64_t root, f, va = 0x0000200000000000ULL + 0x7c000, v = 0;
	uint64_t blk = 0x40000000ULL;	/* a 32M block at level 2 */

	m_init(&m, 14, 16);		/* 48-bit VA, 16K: levels 0..3 */
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	f = m_alloc_frame(&m);
	pt_map(&m, root, va, f, PTE_USER_RW);
	pt_map_level(&m, root, blk, BLOCK_PA, 2, PTE_USER_RW);
	m_regime(&m, cpu, root, 1);

	v = 0x1616;
	ASSERT_EQ(cpu_write(cpu, va + 0x3ff8, &v, sizeof(v), 0), 0);
	EXPECT_EQ(read64_pa(&m, f + 0x3ff8), 0x1616);
	ASSERT_EQ(cpu_write(cpu, blk + (32ULL << 20) - 8, &v, sizeof(v), 0), 0);
	EXPECT_EQ(read64_pa(&m, BLOCK_PA + (32ULL << 20) - 8), 0x1616);
	ASSERT_EQ(cpu_read(cpu, blk + 0x10, &v, sizeof(v), 0), 0);
	EXPECT_EQ(walks_of(cpu), 2);
	/* Just past the block: nothing mapped there. */
	EXPECT_EQ(cpu_read(cpu, blk + (32ULL << 20), &v, sizeof(v), 0), -EFAULT);
	m_fini(&m);
}

TEST(tlb_hit_after_first_access)
{
	struct machine m;
	struct cpu *cpu;
	struct cpu_stats st;
	uint64_t root, va = 0x7000, v;

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	pt_map(&m, root, va, m_alloc_frame(&m), PTE_USER_RW);
	m_regime(&m, cpu, root, 1);

	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	cpu_get_stats(cpu, &st);
	EXPECT_EQ(st.accesses, 1);
	EXPECT_EQ(st.tlb_misses, 1);
	EXPECT_EQ(st.walks, 1);
	EXPECT_EQ(st.tlb_hits, 0);
	ASSERT_EQ(cpu_read(cpu, va + 0x100, &v, sizeof(v), 0), 0);
	ASSERT_EQ(cpu_write(cpu, va + 0x200, &v, sizeof(v), 0), 0);
	cpu_get_stats(cpu, &st);
	EXPECT_EQ(st.accesses, 3);
	EXPECT_EQ(st.tlb_hits, 2);
	EXPECT_EQ(st.walks, 1);
	EXPECT_EQ(cpu_tlb_entries(cpu), 1);
	/* The other CPU's TLB is its own. */
	EXPECT_EQ(cpu_tlb_entries(cpu_get(m.cl, 1)), 0);
	m_fini(&m);
}

TEST(tlb_capacity_is_bounded)
{
	struct machine m;
	struct cpu_cluster_cfg cfg = {
		.nr_cpus = 1, .tlb_entries = 8, .asid_bits = 8, .pa_bits = 40,
	};
	struct cpu *cpu;
	uint64_t root, v;
	unsigned int i;

	m_init_cfg(&m, 12, 16, &cfg);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	for (i = 0; i < 64; i++)
		pt_map(&m, root, 0x100000ULL + i * 0x1000ULL, m_alloc_frame(&m), PTE_USER_RW);
	m_regime(&m, cpu, root, 1);
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(cpu_read(cpu, 0x100000ULL + i * 0x1000ULL, &v, sizeof(v), 0), 0);
		ASSERT_LE(cpu_tlb_entries(cpu), 8);
	}
	EXPECT_EQ(walks_of(cpu), 64);
	m_fini(&m);
}

/* ---- ASIDs and global entries --------------------------------------------- */

TEST(asid_tagging)
{
	struct machine m;
	struct cpu *cpu;
	uint64_t ra, rb, fa, fb, va = 0x400000, v = 0;

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	ra = m_alloc_table(&m);
	rb = m_alloc_table(&m);
	fa = m_alloc_frame(&m);
	fb = m_alloc_frame(&m);
	pt_map(&m, ra, va, fa, PTE_USER_RW);
	pt_map(&m, rb, va, fb, PTE_USER_RW);
	ASSERT_EQ(phys_mem_write64(&m.mem, fa, 0xaaaa), 0);
	ASSERT_EQ(phys_mem_write64(&m.mem, fb, 0xbbbb), 0);

	m_regime(&m, cpu, ra, 1);
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0xaaaa);
	m_regime(&m, cpu, rb, 2);		/* a context switch: no TLBI */
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0xbbbb);
	EXPECT_EQ(walks_of(cpu), 2);
	EXPECT_EQ(cpu_tlb_entries(cpu), 2);
	EXPECT_EQ(cpu_asid(cpu), 2);

	/* Back to A: its entry is still there, tagged with ASID 1. */
	m_regime(&m, cpu, ra, 1);
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0xaaaa);
	m_regime(&m, cpu, rb, 2);
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0xbbbb);
	EXPECT_EQ(walks_of(cpu), 2);

	/*
	 * The TLB trusts the ASID, not the table base: B's tables with A's
	 * ASID hit A's entry (why an OS must not reuse an ASID without TLBI).
	 */
	m_regime(&m, cpu, rb, 1);
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0xaaaa);
	m_fini(&m);
}

TEST(asid_width_8_bits)
{
	struct machine m;
	struct cpu_cluster_cfg cfg = {
		.nr_cpus = 1, .tlb_entries = 16, .asid_bits = 8, .pa_bits = 48,
	};
	struct cpu *cpu;
	uint64_t root, v;

	m_init_cfg(&m, 12, 16, &cfg);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	pt_map(&m, root, 0x1000, m_alloc_frame(&m), PTE_USER_RW);
	m_regime(&m, cpu, root, 0x105);
	EXPECT_EQ(cpu_asid(cpu), 0x05);		/* bits above ASID width dropped */
	ASSERT_EQ(cpu_read(cpu, 0x1000, &v, sizeof(v), 0), 0);
	m_regime(&m, cpu, root, 0x205);		/* the same 8-bit ASID */
	ASSERT_EQ(cpu_read(cpu, 0x1000, &v, sizeof(v), 0), 0);
	EXPECT_EQ(walks_of(cpu), 1);
	m_fini(&m);
}

TEST(global_entries_match_any_asid)
{
	struct machine m;
	struct cpu *cpu;
	uint64_t ra, rb, fg, va = 0x800000, v = 0;
	struct dvm_tlbi asid_op = { .op = DVM_TLBI_ASID, .asid = 1 };
	struct dvm_tlbi va_op = { .op = DVM_TLBI_VA, .asid = 7, .va = va };

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	ra = m_alloc_table(&m);
	rb = m_alloc_table(&m);		/* B does not map va at all */
	fg = m_alloc_frame(&m);
	pt_map(&m, ra, va, fg, PTE_USER_RW & ~VMSA_PTE_NG);
	ASSERT_EQ(phys_mem_write64(&m.mem, fg, 0x6106a1), 0);

	m_regime(&m, cpu, ra, 1);
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	m_regime(&m, cpu, rb, 2);
	v = 0;
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0x6106a1);
	EXPECT_EQ(walks_of(cpu), 1);

	/* TLBI ASIDE1 spares global entries... */
	cpu_tlbi(cpu, &asid_op, false);
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(walks_of(cpu), 1);
	/* ...TLBI VAE1 with any ASID removes them. */
	cpu_tlbi(cpu, &va_op, false);
	EXPECT_EQ(cpu_tlb_entries(cpu), 0);
	EXPECT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), -EFAULT);	/* B: unmapped */
	m_fini(&m);
}

/* ---- TLB maintenance ------------------------------------------------------- */

struct listener_log {
	unsigned int tlbis, syncs;
	struct dvm_tlbi last;
};

static void log_tlbi(void *ctx, const struct dvm_tlbi *op)
{
	struct listener_log *log = ctx;

	__atomic_fetch_add(&log->tlbis, 1, __ATOMIC_RELAXED);
	log->last = *op;
}

static void log_sync(void *ctx)
{
	struct listener_log *log = ctx;

	__atomic_fetch_add(&log->syncs, 1, __ATOMIC_RELAXED);
}

/*
 * Four cached translations per CPU: A1X and A1Y (ASID 1, non-global), AG
 * (global), B2X (ASID 2, same VA as A1X).
 */
enum { E_A1X, E_A1Y, E_AG, E_B2X, NR_E };
#define VA_X	0x10000ULL
#define VA_Y	0x20000ULL
#define VA_G	0x30000ULL

struct tlbi_fixture {
	struct machine m;
	uint64_t ra, rb;
};

static void tlbi_fixture_init(struct tlbi_fixture *f)
{
	struct machine *m = &f->m;

	m_init(m, 12, 16);
	f->ra = m_alloc_table(m);
	f->rb = m_alloc_table(m);
	pt_map(m, f->ra, VA_X, m_alloc_frame(m), PTE_USER_RW);
	pt_map(m, f->ra, VA_Y, m_alloc_frame(m), PTE_USER_RW);
	pt_map(m, f->ra, VA_G, m_alloc_frame(m), PTE_USER_RW & ~VMSA_PTE_NG);
	pt_map(m, f->rb, VA_X, m_alloc_frame(m), PTE_USER_RW);
}

/* Access entry @e on @cpu; true if it was served from the TLB. */
static bool probe(struct tlbi_fixture *f, struct cpu *cpu, int e)
{
	static const uint64_t vas[NR_E] = { VA_X, VA_Y, VA_G, VA_X };
	uint64_t before = walks_of(cpu), v;

	m_regime(&f->m, cpu, e == E_B2X ? f->rb : f->ra, e == E_B2X ? 2 : 1);
	ASSERT_EQ(cpu_read(cpu, vas[e], &v, sizeof(v), 0), 0);
	return walks_of(cpu) == before;
}

static void warm(struct tlbi_fixture *f, struct cpu *cpu)
{
	int e;

	for (e = 0; e < NR_E; e++)
		probe(f, cpu, e);
	for (e = 0; e < NR_E; e++)
		ASSERT_TRUE(probe(f, cpu, e));
}

/* Expect exactly the entries in @dropped (bit per E_*) to be gone. */
static void expect_dropped(struct tlbi_fixture *f, struct cpu *cpu, unsigned int dropped,
			   const char *what)
{
	int e;

	for (e = 0; e < NR_E; e++) {
		bool cached = probe(f, cpu, e);

		if (cached != !(dropped & (1u << e)))
			TH_LOG("%s: cpu%u entry %d %s", what, cpu_index(cpu), e,
			       cached ? "survived" : "was dropped");
		EXPECT_EQ(cached, !(dropped & (1u << e)));
	}
}

static const struct {
	struct dvm_tlbi op;
	unsigned int dropped;
} tlbi_cases[] = {
	/* VAE1: ASID 1's entry for X and global entries at X (none here). */
	{ { .op = DVM_TLBI_VA, .asid = 1, .va = VA_X }, 1u << E_A1X },
	{ { .op = DVM_TLBI_VA, .asid = 2, .va = VA_G, .leaf = true }, 1u << E_AG },
	{ { .op = DVM_TLBI_VAA, .va = VA_X }, (1u << E_A1X) | (1u << E_B2X) },
	{ { .op = DVM_TLBI_ASID, .asid = 1 }, (1u << E_A1X) | (1u << E_A1Y) },
	{ { .op = DVM_TLBI_ALL }, (1u << NR_E) - 1 },
	/* A range covering X..G for ASID 2: B2X and the global AG. */
	{ { .op = DVM_TLBI_VA, .asid = 2, .va = VA_X, .size = VA_G - VA_X + 0x1000 },
	  (1u << E_B2X) | (1u << E_AG) },
	/* A range stopping just short of Y. */
	{ { .op = DVM_TLBI_VAA, .va = VA_X, .size = VA_Y - VA_X },
	  (1u << E_A1X) | (1u << E_B2X) },
	/* Two pages ending at Y, for ASID 1. */
	{ { .op = DVM_TLBI_VA, .asid = 1, .va = VA_Y - 0x1000, .size = 0x2000 }, 1u << E_A1Y },
	/* An EL2&0 operation does not touch EL1&0 entries. */
	{ { .op = DVM_TLBI_ALL, .el2 = true }, 0 },
};

TEST(tlbi_local_affects_only_this_cpu)
{
	struct tlbi_fixture f;
	struct listener_log log = { 0 };
	struct dvm_listener l = { log_tlbi, log_sync, &log };
	struct cpu *c0, *c1;
	struct cpu_stats st;
	unsigned int i;

	tlbi_fixture_init(&f);
	c0 = cpu_get(f.m.cl, 0);
	c1 = cpu_get(f.m.cl, 1);
	ASSERT_EQ(cpu_cluster_add_dvm_listener(f.m.cl, &l), 0);
	for (i = 0; i < sizeof(tlbi_cases) / sizeof(tlbi_cases[0]); i++) {
		warm(&f, c0);
		warm(&f, c1);
		cpu_tlbi(c1, &tlbi_cases[i].op, false);
		cpu_dsb(c1);
		expect_dropped(&f, c1, tlbi_cases[i].dropped, "local, issuer");
		expect_dropped(&f, c0, 0, "local, other");
	}
	EXPECT_EQ(log.tlbis, 0);
	EXPECT_EQ(log.syncs, 0);	/* nothing broadcast: nothing to wait for */
	cpu_get_stats(c1, &st);
	EXPECT_EQ(st.tlbi_local, i);
	EXPECT_EQ(st.tlbi_broadcast, 0);
	m_fini(&f.m);
}

TEST(tlbi_broadcast_reaches_all_cpus_and_listeners)
{
	struct tlbi_fixture f;
	struct listener_log log = { 0 };
	struct dvm_listener l = { log_tlbi, log_sync, &log };
	struct cpu *c0, *c1;
	struct cpu_stats st;
	unsigned int i;

	tlbi_fixture_init(&f);
	c0 = cpu_get(f.m.cl, 0);
	c1 = cpu_get(f.m.cl, 1);
	ASSERT_EQ(cpu_cluster_add_dvm_listener(f.m.cl, &l), 0);
	for (i = 0; i < sizeof(tlbi_cases) / sizeof(tlbi_cases[0]); i++) {
		const struct dvm_tlbi *op = &tlbi_cases[i].op;

		warm(&f, c0);
		warm(&f, c1);
		cpu_tlbi(c1, op, true);
		EXPECT_EQ(log.tlbis, i + 1);
		EXPECT_EQ(log.last.op, op->op);
		EXPECT_EQ(log.last.asid, op->asid);
		EXPECT_EQ(log.last.va, op->va);
		EXPECT_EQ(log.last.size, op->size);
		EXPECT_EQ(log.last.leaf, op->leaf);
		EXPECT_EQ(log.last.el2, op->el2);
		EXPECT_EQ(log.syncs, i);
		cpu_dsb(c1);
		EXPECT_EQ(log.syncs, i + 1);
		expect_dropped(&f, c1, tlbi_cases[i].dropped, "broadcast, issuer");
		expect_dropped(&f, c0, tlbi_cases[i].dropped, "broadcast, other");
	}
	cpu_get_stats(c1, &st);
	EXPECT_EQ(st.tlbi_broadcast, i);
	cpu_get_stats(c0, &st);
	EXPECT_EQ(st.tlbi_received, i);
	EXPECT_GT(st.tlb_dropped, 0);

	/* A second DSB has nothing left to wait for. */
	cpu_dsb(c1);
	EXPECT_EQ(log.syncs, i);
	ASSERT_EQ(cpu_cluster_del_dvm_listener(f.m.cl, &l), 0);
	cpu_tlbi(c0, &tlbi_cases[0].op, true);
	EXPECT_EQ(log.tlbis, i);
	m_fini(&f.m);
}

TEST(vhe_cpus_match_el2_operations)
{
	struct machine m;
	struct cpu_cluster_cfg cfg = {
		.nr_cpus = 1, .tlb_entries = 16, .asid_bits = 16, .pa_bits = 48, .vhe = true,
	};
	struct dvm_tlbi el1 = { .op = DVM_TLBI_ALL }, el2 = { .op = DVM_TLBI_ALL, .el2 = true };
	struct cpu *cpu;
	uint64_t root, v;

	m_init_cfg(&m, 12, 16, &cfg);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	pt_map(&m, root, 0x1000, m_alloc_frame(&m), PTE_USER_RW);
	m_regime(&m, cpu, root, 1);
	ASSERT_EQ(cpu_read(cpu, 0x1000, &v, sizeof(v), 0), 0);
	cpu_tlbi(cpu, &el1, false);
	EXPECT_EQ(cpu_tlb_entries(cpu), 1);
	cpu_tlbi(cpu, &el2, false);
	EXPECT_EQ(cpu_tlb_entries(cpu), 0);
	m_fini(&m);
}

TEST(stale_entry_until_tlbi)
{
	struct machine m;
	struct cpu *c0, *c1;
	uint64_t root, f_old, f_new, slot, va = 0x5000, v = 0;
	struct dvm_tlbi op = { .op = DVM_TLBI_VA, .asid = 4, .va = va };

	m_init(&m, 12, 16);
	c0 = cpu_get(m.cl, 0);
	c1 = cpu_get(m.cl, 1);
	root = m_alloc_table(&m);
	f_old = m_alloc_frame(&m);
	f_new = m_alloc_frame(&m);
	ASSERT_EQ(phys_mem_write64(&m.mem, f_old, 0x01d), 0);
	ASSERT_EQ(phys_mem_write64(&m.mem, f_new, 0x2e3), 0);
	slot = pt_map(&m, root, va, f_old, PTE_USER_RW);
	m_regime(&m, c0, root, 4);
	m_regime(&m, c1, root, 4);
	ASSERT_EQ(cpu_read(c0, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0x01d);

	/* Repoint the PTE: without TLBI, CPU0 may (and does) use its entry. */
	pt_map(&m, root, va, f_new, PTE_USER_RW);
	ASSERT_EQ(cpu_read(c0, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0x01d);
	/* A CPU with nothing cached walks and sees the new PTE. */
	ASSERT_EQ(cpu_read(c1, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0x2e3);

	/* Broadcast from CPU1: CPU0's stale entry is gone after the DSB. */
	cpu_tlbi(c1, &op, true);
	cpu_dsb(c1);
	ASSERT_EQ(cpu_read(c0, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0x2e3);

	/* Invalid PTE + TLBI: the next access faults. */
	ASSERT_EQ(phys_mem_write64(&m.mem, slot, 0), 0);
	cpu_tlbi(c1, &op, true);
	cpu_dsb(c1);
	EXPECT_EQ(cpu_read(c0, va, &v, sizeof(v), 0), -EFAULT);
	m_fini(&m);
}

/*
 * The TLB itself against a reference: random entries of several sizes,
 * ASIDs and globalness, random operations (short ranges take the probing
 * path, long ones the full scan); every entry an operation removed must
 * match it, and every entry it left must not.
 */
static uint64_t rnd(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 17;
}

static bool ref_matches(const struct cpu_tlb_entry *e, const struct dvm_tlbi *op)
{
	uint64_t first = op->va & GENMASK_ULL(55, 12);
	uint64_t last = op->size ? first + op->size - 1 : first;
	uint64_t e_last = e->va + (1ULL << e->shift) - 1;
	bool overlap = e->va <= last && e_last >= first;

	switch (op->op) {
	case DVM_TLBI_VA:
		return overlap && (!e->ng || e->asid == op->asid);
	case DVM_TLBI_VAA:
		return overlap;
	case DVM_TLBI_ASID:
		return e->ng && e->asid == op->asid;
	case DVM_TLBI_ALL:
		return true;
	}
	return false;
}

TEST(tlb_invalidation_matches_reference)
{
	static const uint8_t shifts[] = { 12, 12, 12, 14, 16, 16, 21, 25 };
	struct cpu_tlb tlb;
	static struct cpu_tlb_entry before[1024];
	uint64_t seed = 12345;
	unsigned int iter, i, n, dropped, kept_ok = 0, dropped_ok = 0;

	ASSERT_EQ(cpu_tlb_init(&tlb, 1024), 0);
	n = tlb.nr_sets * tlb.ways;
	ASSERT_EQ(n, 1024);
	for (iter = 0; iter < 3000; iter++) {
		struct dvm_tlbi op = { .op = (enum dvm_tlbi_op)(rnd(&seed) % 4),
				       .asid = (uint16_t)(rnd(&seed) % 4) };
		unsigned int count = 0;

		for (i = 0; i < 8; i++) {
			uint8_t shift = shifts[rnd(&seed) % sizeof(shifts)];
			struct cpu_tlb_entry e = {
				.va = (rnd(&seed) % (1ULL << 23)) & ~((1ULL << shift) - 1),
				.pa = BASE, .asid = (uint16_t)(rnd(&seed) % 4),
				.shift = shift, .ng = rnd(&seed) % 4 != 0,
			};

			cpu_tlb_insert(&tlb, &e);
			ASSERT_TRUE(cpu_tlb_lookup(&tlb, e.va + (rnd(&seed) % (1ULL << shift)),
						   e.asid) != NULL);
		}
		op.va = rnd(&seed) % (1ULL << 23);
		op.size = rnd(&seed) % 2 ? 0 : (rnd(&seed) % 3 ? rnd(&seed) % (1ULL << 19) :
						rnd(&seed) % (1ULL << 24));
		memcpy(before, tlb.entries, sizeof(before));
		dropped = cpu_tlb_invalidate(&tlb, &op, 0xffff);
		for (i = 0; i < n; i++) {
			if (!before[i].shift)
				continue;
			if (tlb.entries[i].shift) {
				EXPECT_FALSE(ref_matches(&before[i], &op));
				kept_ok++;
			} else {
				EXPECT_TRUE(ref_matches(&before[i], &op));
				dropped_ok++;
				count++;
			}
		}
		EXPECT_EQ(dropped, count);
		for (i = 0, count = 0; i < n; i++)
			count += tlb.entries[i].shift != 0;
		EXPECT_EQ(cpu_tlb_count(&tlb), count);
	}
	TH_LOG("%u entries kept, %u dropped", kept_ok, dropped_ok);
	EXPECT_GT(kept_ok, 1000);
	EXPECT_GT(dropped_ok, 1000);
	cpu_tlb_fini(&tlb);
}

/* ---- Faults ---------------------------------------------------------------- */

struct fault_ctx {
	struct machine *m;
	uint64_t root;
	unsigned int calls;
	uint64_t va;
	unsigned int acc;
	enum walk_fault fault;
	int level;
	int action;		/* FIX_*, or an errno to return */
	uint64_t frame;
};

#define FIX_MAP		0	/* map the page, return 0 */
#define FIX_NOTHING	1	/* return 0 without fixing anything */
#define FIX_MAP_TLBI	2	/* map, then TLBI VAE1IS + DSB from the faulting CPU */

static int fault_handler(void *ctx, struct cpu *cpu, uint64_t va, unsigned int acc,
			 const struct walk_result *res)
{
	struct fault_ctx *fc = ctx;

	struct dvm_tlbi op = { .op = DVM_TLBI_VA, .asid = cpu_asid(cpu), .va = va & ~0xfffULL };

	fc->calls++;
	fc->va = va;
	fc->acc = acc;
	fc->fault = res->fault;
	fc->level = res->level;
	if (fc->action == FIX_NOTHING)
		return 0;
	if (fc->action < 0)
		return fc->action;
	pt_map(fc->m, fc->root, va & ~0xfffULL, fc->frame, PTE_USER_RW);
	if (fc->action == FIX_MAP_TLBI) {
		/* The handler runs with no CPU lock held: this must not deadlock. */
		cpu_tlbi(cpu, &op, true);
		cpu_dsb(cpu);
	}
	return 0;
}

TEST(fault_handler_fixes_and_retries)
{
	struct machine m;
	struct fault_ctx fc = { 0 };
	struct cpu *cpu;
	struct cpu_stats st;
	uint64_t root, va = 0x9000, v = 0x77;

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	fc.m = &m;
	fc.root = root;
	fc.frame = m_alloc_frame(&m);
	cpu_set_fault_handler(m.cl, fault_handler, &fc);
	m_regime(&m, cpu, root, 1);

	ASSERT_EQ(cpu_write(cpu, va + 0x18, &v, sizeof(v), 0), 0);
	EXPECT_EQ(fc.calls, 1);
	EXPECT_EQ(fc.va, va + 0x18);
	EXPECT_EQ(fc.acc, WALK_ACC_WRITE);
	EXPECT_EQ(fc.fault, WALK_FAULT_TRANSLATION);
	EXPECT_EQ(read64_pa(&m, fc.frame + 0x18), 0x77);
	cpu_get_stats(cpu, &st);
	EXPECT_EQ(st.faults, 1);
	EXPECT_EQ(st.walks, 2);

	/* A handler that broadcasts a TLBI itself, as Linux's would. */
	fc.action = FIX_MAP_TLBI;
	fc.frame = m_alloc_frame(&m);
	ASSERT_EQ(cpu_write(cpu, va + 0x1000, &v, sizeof(v), 0), 0);
	EXPECT_EQ(fc.calls, 2);
	EXPECT_EQ(read64_pa(&m, fc.frame), 0x77);
	cpu_get_stats(cpu, &st);
	EXPECT_EQ(st.tlbi_broadcast, 1);
	m_fini(&m);
}

TEST(fault_handler_errors_propagate)
{
	struct machine m;
	struct fault_ctx fc = { 0 };
	struct cpu *cpu;
	uint64_t root, f0, va = 0x9000;
	uint8_t buf[32] = { 1, 2, 3 };

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	f0 = m_alloc_frame(&m);
	pt_map(&m, root, va, f0, PTE_USER_RW);
	pt_map(&m, root, va + 0x2000, m_alloc_frame(&m), PTE_USER_RO);
	m_regime(&m, cpu, root, 1);

	/* No handler: -EFAULT. */
	EXPECT_EQ(cpu_read(cpu, va + 0x1000, buf, 8, 0), -EFAULT);

	fc.m = &m;
	fc.root = root;
	fc.action = -ENOMEM;
	cpu_set_fault_handler(m.cl, fault_handler, &fc);
	/* Straddles into the unmapped page: the first 16 bytes are done. */
	EXPECT_EQ(cpu_write(cpu, va + 0x1000 - 16, buf, sizeof(buf), WALK_ACC_PRIV), -ENOMEM);
	EXPECT_EQ(fc.calls, 1);
	EXPECT_EQ(fc.va, va + 0x1000);
	EXPECT_EQ(fc.acc, WALK_ACC_WRITE | WALK_ACC_PRIV);
	EXPECT_EQ(fc.fault, WALK_FAULT_TRANSLATION);
	EXPECT_EQ(read64_pa(&m, f0 + 0x1000 - 16), 0x030201);

	/* A store to a read-only page: a permission fault at level 3. */
	EXPECT_EQ(cpu_fill(cpu, va + 0x2000, 0, 4, 0), -ENOMEM);
	EXPECT_EQ(fc.fault, WALK_FAULT_PERMISSION);
	EXPECT_EQ(fc.level, 3);
	EXPECT_EQ(cpu_read(cpu, va + 0x2000, buf, 4, 0), 0);

	/* EL0 cannot reach a privileged page, EL1 can. */
	pt_map(&m, root, va + 0x3000, f0,
	       VMSA_PTE_AF | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_PRIV_RW));
	EXPECT_EQ(cpu_read(cpu, va + 0x3000, buf, 4, 0), -ENOMEM);
	EXPECT_EQ(fc.fault, WALK_FAULT_PERMISSION);
	EXPECT_EQ(cpu_read(cpu, va + 0x3000, buf, 4, WALK_ACC_PRIV), 0);

	/* Instruction fetches need execute permission: UXN forbids them. */
	pt_map(&m, root, va + 0x4000, f0, PTE_USER_RW | VMSA_PTE_UXN);
	EXPECT_EQ(cpu_read(cpu, va + 0x4000, buf, 4, 0), 0);
	EXPECT_EQ(cpu_read(cpu, va + 0x4000, buf, 4, WALK_ACC_EXEC), -ENOMEM);
	EXPECT_EQ(fc.fault, WALK_FAULT_PERMISSION);
	EXPECT_EQ(fc.acc, WALK_ACC_EXEC);
	EXPECT_EQ(cpu_read(cpu, va, buf, 4, WALK_ACC_EXEC), 0);
	m_fini(&m);
}

TEST(fault_handler_that_fixes_nothing_is_bounded)
{
	struct machine m;
	struct fault_ctx fc = { 0 };
	struct cpu *cpu;
	uint64_t root, v;

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	fc.action = FIX_NOTHING;
	cpu_set_fault_handler(m.cl, fault_handler, &fc);
	m_regime(&m, cpu, root, 1);
	EXPECT_EQ(cpu_read(cpu, 0x4000, &v, sizeof(v), 0), -EFAULT);
	EXPECT_EQ(fc.calls, CPU_FAULT_RETRIES);
	m_fini(&m);
}

TEST(permission_upgrade_without_tlbi_rewalks)
{
	struct machine m;
	struct fault_ctx fc = { 0 };
	struct cpu *cpu;
	uint64_t root, f, va = 0xa000, v = 5;

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	f = m_alloc_frame(&m);
	pt_map(&m, root, va, f, PTE_USER_RO);
	m_regime(&m, cpu, root, 1);
	ASSERT_EQ(cpu_read(cpu, va, &v, sizeof(v), 0), 0);
	/* The handler makes the page writable (as a COW break would). */
	fc.m = &m;
	fc.root = root;
	fc.frame = f;
	cpu_set_fault_handler(m.cl, fault_handler, &fc);
	v = 5;
	ASSERT_EQ(cpu_write(cpu, va, &v, sizeof(v), 0), 0);
	EXPECT_EQ(fc.calls, 1);
	EXPECT_EQ(read64_pa(&m, f), 5);
	m_fini(&m);
}

/* ---- HTTU ------------------------------------------------------------------- */

static void httu_setup(struct machine *m, bool hafdbs, uint64_t *slot, uint64_t *frame)
{
	struct cpu_cluster_cfg cfg = {
		.nr_cpus = 1, .tlb_entries = 16, .asid_bits = 16, .pa_bits = 48,
		.hafdbs = hafdbs,
	};
	uint64_t root;

	m_init_cfg(m, 12, 16, &cfg);
	m->ha = m->hd = true;	/* TCR.HA/HD: effective only with FEAT_HAFDBS */
	root = m_alloc_table(m);
	*frame = m_alloc_frame(m);
	/* Writable-clean and not yet accessed: DBM = 1, AP[2] = 1, AF = 0. */
	*slot = pt_map(m, root, 0x1000, *frame, VMSA_PTE_DBM | VMSA_PTE_NG |
		       FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RO));
	m_regime(m, cpu_get(m->cl, 0), root, 1);
}

TEST(httu_sets_access_flag_and_dirty)
{
	struct machine m;
	struct cpu *cpu;
	uint64_t slot, frame, v = 0x99, walks;

	httu_setup(&m, true, &slot, &frame);
	cpu = cpu_get(m.cl, 0);
	ASSERT_EQ(cpu_read(cpu, 0x1000, &v, sizeof(v), 0), 0);
	EXPECT_TRUE(read64_pa(&m, slot) & VMSA_PTE_AF);
	EXPECT_TRUE(read64_pa(&m, slot) & VMSA_PTE_AP_RDONLY);	/* still clean */

	/* The cached entry is writable-clean: the store walks again. */
	walks = walks_of(cpu);
	v = 0x99;
	ASSERT_EQ(cpu_write(cpu, 0x1008, &v, sizeof(v), 0), 0);
	EXPECT_EQ(walks_of(cpu), walks + 1);
	EXPECT_FALSE(read64_pa(&m, slot) & VMSA_PTE_AP_RDONLY);	/* dirty */
	EXPECT_EQ(read64_pa(&m, frame + 8), 0x99);
	/* Now dirty in the TLB too: the next store hits. */
	ASSERT_EQ(cpu_write(cpu, 0x1010, &v, sizeof(v), 0), 0);
	EXPECT_EQ(walks_of(cpu), walks + 1);
	m_fini(&m);
}

TEST(no_hafdbs_means_access_and_permission_faults)
{
	struct machine m;
	struct fault_ctx fc = { .action = -EACCES };
	struct cpu *cpu;
	uint64_t slot, frame, v = 1;

	httu_setup(&m, false, &slot, &frame);
	cpu = cpu_get(m.cl, 0);
	cpu_set_fault_handler(m.cl, fault_handler, &fc);
	EXPECT_EQ(cpu_read(cpu, 0x1000, &v, sizeof(v), 0), -EACCES);
	EXPECT_EQ(fc.fault, WALK_FAULT_ACCESS);
	ASSERT_EQ(phys_mem_or64(&m.mem, slot, VMSA_PTE_AF, NULL), 0);
	EXPECT_EQ(cpu_read(cpu, 0x1000, &v, sizeof(v), 0), 0);
	EXPECT_EQ(cpu_write(cpu, 0x1000, &v, sizeof(v), 0), -EACCES);
	EXPECT_EQ(fc.fault, WALK_FAULT_PERMISSION);
	EXPECT_TRUE(read64_pa(&m, slot) & VMSA_PTE_AP_RDONLY);
	m_fini(&m);
}

/* ---- Bad input -------------------------------------------------------------- */

TEST(bad_input_is_refused)
{
	struct machine m;
	struct cpu_cluster_cfg bad = {
		.nr_cpus = 1, .tlb_entries = 16, .asid_bits = 16, .pa_bits = 48,
	};
	struct listener_log log = { 0 };
	struct dvm_listener l = { log_tlbi, log_sync, &log };
	struct dvm_tlbi junk = { .op = (enum dvm_tlbi_op)42 };
	struct cpu *cpu;
	uint64_t root, v = 0;
	unsigned int i;

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	pt_map(&m, root, 0x1000, m_alloc_frame(&m), PTE_USER_RW);
	/* Points outside RAM: the data access is an external abort. */
	pt_map(&m, root, 0x2000, BASE + MEM_SIZE, PTE_USER_RW);
	m_regime(&m, cpu, root, 1);

	EXPECT_EQ(cpu_read(cpu, 0x1000, &v, 0, 0), -EINVAL);
	EXPECT_EQ(cpu_read(cpu, 0x1000, NULL, 8, 0), -EINVAL);
	EXPECT_EQ(cpu_write(cpu, 0x1000, NULL, 8, 0), -EINVAL);
	EXPECT_EQ(cpu_fill(cpu, 0x1000, 0, 0, 0), -EINVAL);
	EXPECT_EQ(cpu_read(cpu, UINT64_MAX - 3, &v, 8, 0), -EINVAL);
	EXPECT_EQ(cpu_fill(cpu, 2, 0, SIZE_MAX, 0), -EINVAL);
	EXPECT_EQ(cpu_read(cpu, 0x1000, &v, 8, 1u << 7), -EINVAL);
	EXPECT_EQ(cpu_read(cpu, 0x1000, &v, 8, WALK_ACC_WRITE), -EINVAL);
	EXPECT_EQ(cpu_write(cpu, 0x1000, &v, 8, WALK_ACC_EXEC), -EINVAL);
	EXPECT_EQ(cpu_read(NULL, 0x1000, &v, 8, 0), -EINVAL);
	EXPECT_EQ(cpu_read(cpu, 0x2000, &v, 8, 0), -EFAULT);
	/* The last byte of the address space is a legal (faulting) access. */
	EXPECT_EQ(cpu_read(cpu, UINT64_MAX, &v, 1, 0), -EFAULT);
	EXPECT_EQ(cpu_read(cpu, 0x1000, &v, 8, 0), 0);

	cpu_tlbi(cpu, &junk, true);
	cpu_tlbi(cpu, NULL, true);
	cpu_tlbi(NULL, &junk, false);
	cpu_dsb(NULL);
	/* Nothing dropped: the entries for 0x1000 and 0x2000 remain. */
	EXPECT_EQ(cpu_tlb_entries(cpu), 2);

	EXPECT_TRUE(cpu_get(m.cl, 2) == NULL);
	EXPECT_EQ(cpu_cluster_nr(m.cl), 2);
	for (i = 0; i < 64; i++) {
		int err = cpu_cluster_add_dvm_listener(m.cl, &l);

		if (err) {
			EXPECT_EQ(err, -ENOSPC);
			break;
		}
	}
	EXPECT_GT(i, 0);
	EXPECT_LT(i, 64);
	while (i--)
		EXPECT_EQ(cpu_cluster_del_dvm_listener(m.cl, &l), 0);
	EXPECT_EQ(cpu_cluster_del_dvm_listener(m.cl, &l), -ENOENT);

	EXPECT_TRUE(cpu_cluster_create(&bad, NULL) == NULL);
	bad.asid_bits = 12;
	EXPECT_TRUE(cpu_cluster_create(&bad, &m.mem.bus) == NULL);
	bad.asid_bits = 8;
	bad.tlb_entries = 0;
	EXPECT_TRUE(cpu_cluster_create(&bad, &m.mem.bus) == NULL);
	bad.tlb_entries = 16;
	bad.nr_cpus = 0;
	EXPECT_TRUE(cpu_cluster_create(&bad, &m.mem.bus) == NULL);
	bad.nr_cpus = 1;
	bad.pa_bits = 47;
	EXPECT_TRUE(cpu_cluster_create(&bad, &m.mem.bus) == NULL);
	m_fini(&m);
}

TEST(top_byte_ignored)
{
	struct machine m;
	struct walk_cfg tcr = { .tsz = 16, .granule_shift = 12, .oas = 48, .tbi = true };
	struct cpu *cpu;
	uint64_t root, f, v = 0;

	m_init(&m, 12, 16);
	cpu = cpu_get(m.cl, 0);
	root = m_alloc_table(&m);
	f = m_alloc_frame(&m);
	pt_map(&m, root, 0x3000, f, PTE_USER_RW);
	ASSERT_EQ(phys_mem_write64(&m.mem, f + 8, 0x7a6), 0);
	m_regime(&m, cpu, root, 1);
	/* Without TBI a tagged pointer is out of range. */
	EXPECT_EQ(cpu_read(cpu, 0x3a00000000003008ULL, &v, sizeof(v), 0), -EFAULT);
	cpu_set_tcr(cpu, &tcr);
	ASSERT_EQ(cpu_read(cpu, 0x3a00000000003008ULL, &v, sizeof(v), 0), 0);
	EXPECT_EQ(v, 0x7a6);
	ASSERT_EQ(cpu_read(cpu, 0xc500000000003008ULL, &v, sizeof(v), 0), 0);
	EXPECT_EQ(walks_of(cpu), 2);	/* the second tag hit the first's entry */
	m_fini(&m);
}

/* ---- Concurrency ------------------------------------------------------------ */

#define RACE_ROUNDS	400
#define RACE_MAX_STORES	2000000
#define RACE_PAGE	0x10000ULL	/* 64K pages: long stores, wide windows */
#define SENTINEL	0xee
#define WAIT_LIMIT_NS	(20ULL * 1000000000ULL)

struct race {
	struct cpu *cpu;
	uint64_t va;
	unsigned long progress;		/* stores completed (atomic) */
	bool stop;			/* atomic */
	int err;
};

static void *race_store_loop(void *arg)
{
	struct race *r = arg;
	unsigned long i;

	for (i = 0; i < RACE_MAX_STORES && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE); i++) {
		int err = cpu_fill(r->cpu, r->va, (uint8_t)(1 + i % 200), RACE_PAGE, 0);

		if (err) {
			r->err = err;
			break;
		}
		__atomic_fetch_add(&r->progress, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Wait (bounded) until the store loop has completed @n more stores. */
static bool wait_progress(struct race *r, unsigned long n)
{
	unsigned long target = __atomic_load_n(&r->progress, __ATOMIC_ACQUIRE) + n;
	uint64_t deadline = now_ns() + WAIT_LIMIT_NS;

	while (__atomic_load_n(&r->progress, __ATOMIC_ACQUIRE) < target) {
		if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) || now_ns() > deadline)
			return false;
		sched_yield();
	}
	return true;
}

/* Number of bytes of the page at @pa that differ from @byte. */
static unsigned int page_mismatches(struct machine *m, uint64_t pa, uint8_t byte)
{
	static uint8_t buf[RACE_PAGE];
	unsigned int i, n = 0;

	ASSERT_EQ(phys_mem_read(&m->mem, pa, buf, sizeof(buf)), 0);
	for (i = 0; i < sizeof(buf); i++)
		n += buf[i] != byte;
	return n;
}

/*
 * CPU0 stores over a page in a loop while CPU1 repoints the PTE to the other
 * frame and issues TLBI VAE1IS + DSB. Right after the DSB the old frame gets
 * a sentinel; if any store that translated through the old entry were still
 * in flight, it would overwrite part of the sentinel.
 */
TEST(no_store_reaches_old_frame_after_tlbi_dsb)
{
	struct machine m;
	struct race r = { 0 };
	struct cpu *c1;
	struct dvm_tlbi op = { .op = DVM_TLBI_VA, .asid = 3, .va = 0x60000 };
	uint64_t root, frames[2];
	unsigned int round = 0, bad = 0;
	pthread_t th;

	m_init(&m, 16, 22);
	c1 = cpu_get(m.cl, 1);
	root = m_alloc_table(&m);
	frames[0] = m_alloc_frame(&m);
	frames[1] = m_alloc_frame(&m);
	pt_map(&m, root, op.va, frames[0], PTE_USER_RW);
	r.cpu = cpu_get(m.cl, 0);
	r.va = op.va;
	m_regime(&m, r.cpu, root, 3);
	m_regime(&m, c1, root, 3);
	ASSERT_EQ(pthread_create(&th, NULL, race_store_loop, &r), 0);
	if (!wait_progress(&r, 1))
		goto out;

	for (round = 0; round < RACE_ROUNDS; round++) {
		uint64_t old = frames[round & 1], new = frames[!(round & 1)];

		/* Repoint while CPU0 is storing, then TLBI IS + DSB from CPU1. */
		pt_map(&m, root, op.va, new, PTE_USER_RW);
		cpu_tlbi(c1, &op, true);
		cpu_dsb(c1);
		/* From here on no store may land in the old frame. */
		ASSERT_EQ(phys_mem_fill(&m.mem, old, SENTINEL, RACE_PAGE), 0);
		if (!wait_progress(&r, 2))
			break;
		bad += page_mismatches(&m, old, SENTINEL) != 0;
		EXPECT_NE(page_mismatches(&m, new, SENTINEL), 0);
	}
out:
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	EXPECT_EQ(r.err, 0);
	EXPECT_EQ(bad, 0);
	/* Rounds end early only if the loop ran out of its bounded stores. */
	TH_LOG("%u rounds, %lu stores, %u rounds with late stores", round, r.progress, bad);
	EXPECT_EQ(round, RACE_ROUNDS);
	m_fini(&m);
}

struct listener_race {
	struct cpu *cpu;
	bool stop;
};

static void *broadcast_loop(void *arg)
{
	struct listener_race *lr = arg;
	struct dvm_tlbi op = { .op = DVM_TLBI_ALL };
	unsigned int i;

	for (i = 0; i < 200000 && !__atomic_load_n(&lr->stop, __ATOMIC_ACQUIRE); i++) {
		cpu_tlbi(lr->cpu, &op, true);
		cpu_dsb(lr->cpu);
	}
	return NULL;
}

TEST(listener_removal_is_safe_against_broadcasts)
{
	struct machine m;
	struct listener_race lr = { 0 };
	pthread_t th;
	unsigned int round;

	m_init(&m, 12, 16);
	lr.cpu = cpu_get(m.cl, 0);
	ASSERT_EQ(pthread_create(&th, NULL, broadcast_loop, &lr), 0);
	for (round = 0; round < 200; round++) {
		struct listener_log log = { 0 };
		struct dvm_listener l = { log_tlbi, log_sync, &log };
		unsigned int seen;

		ASSERT_EQ(cpu_cluster_add_dvm_listener(m.cl, &l), 0);
		sched_yield();
		ASSERT_EQ(cpu_cluster_del_dvm_listener(m.cl, &l), 0);
		/* Once removed, it is never called again (log dies next round). */
		seen = __atomic_load_n(&log.tlbis, __ATOMIC_RELAXED);
		sched_yield();
		EXPECT_EQ(__atomic_load_n(&log.tlbis, __ATOMIC_RELAXED), seen);
	}
	__atomic_store_n(&lr.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	m_fini(&m);
}

/*
 * Two threads issue TLBI IS + DSB through the same CPU. Each DSB must wait
 * for a listener sync() that began after that thread's own TLBI reached the
 * listener, even when the other thread's DSB is syncing at the same time.
 */
struct seq_listener {
	uint64_t delivered;	/* atomic: tlbi() calls so far */
	uint64_t synced;	/* atomic: deliveries covered by a finished sync */
};

static __thread uint64_t my_seq;

static void seq_tlbi(void *ctx, const struct dvm_tlbi *op)
{
	struct seq_listener *sl = ctx;

	(void)op;
	my_seq = __atomic_add_fetch(&sl->delivered, 1, __ATOMIC_ACQ_REL);
}

static void seq_sync(void *ctx)
{
	struct seq_listener *sl = ctx;
	uint64_t seen = __atomic_load_n(&sl->delivered, __ATOMIC_ACQUIRE);
	uint64_t cur = __atomic_load_n(&sl->synced, __ATOMIC_RELAXED);

	sched_yield();		/* a slow sync widens the window */
	while (cur < seen && !__atomic_compare_exchange_n(&sl->synced, &cur, seen, false,
							  __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

struct dsb_thread {
	struct cpu *cpu;
	struct seq_listener *sl;
	unsigned int late;
};

static void *dsb_loop(void *arg)
{
	struct dsb_thread *t = arg;
	struct dvm_tlbi op = { .op = DVM_TLBI_VAA, .va = 0x1000 };
	unsigned int i;

	for (i = 0; i < 5000; i++) {
		cpu_tlbi(t->cpu, &op, true);
		cpu_dsb(t->cpu);
		t->late += __atomic_load_n(&t->sl->synced, __ATOMIC_ACQUIRE) < my_seq;
	}
	return NULL;
}

TEST(dsb_waits_for_own_tlbi_with_two_threads_on_one_cpu)
{
	struct machine m;
	struct seq_listener sl = { 0 };
	struct dvm_listener l = { seq_tlbi, seq_sync, &sl };
	struct dsb_thread t[2];
	pthread_t th[2];
	int i;

	m_init(&m, 12, 16);
	ASSERT_EQ(cpu_cluster_add_dvm_listener(m.cl, &l), 0);
	for (i = 0; i < 2; i++) {
		t[i] = (struct dsb_thread){ .cpu = cpu_get(m.cl, 0), .sl = &sl };
		ASSERT_EQ(pthread_create(&th[i], NULL, dsb_loop, &t[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(t[i].late, 0);
	}
	EXPECT_EQ(sl.delivered, 10000);
	m_fini(&m);
}

/*
 * Both CPUs load through one VA while both repoint its PTE between two
 * frames and broadcast TLBIs: no deadlock (the harness times out otherwise),
 * no error, and every load returns the marker of one of the two frames.
 */
struct pingpong {
	struct machine *m;
	struct cpu *cpu;
	uint64_t root, va, frames[2];
	unsigned int bad, errors;
};

static void *pingpong_loop(void *arg)
{
	struct pingpong *p = arg;
	struct dvm_tlbi op = { .op = DVM_TLBI_VA, .asid = 5, .va = p->va };
	unsigned int i;
	uint64_t v;

	for (i = 0; i < 20000; i++) {
		if (cpu_read(p->cpu, p->va, &v, sizeof(v), 0)) {
			p->errors++;
			continue;
		}
		p->bad += v != 0xa0 && v != 0xb0;
		if (i % 8)
			continue;
		phys_mem_write64(&p->m->mem, pt_slot(p->m, p->root, p->va, 3),
				 vmsa_addr_to_desc(p->frames[i / 8 % 2], 12) |
				 FIELD_PREP(VMSA_DESC_TYPE, VMSA_DESC_TYPE_TABLE) | PTE_USER_RW);
		cpu_tlbi(p->cpu, &op, true);
		cpu_dsb(p->cpu);
	}
	return NULL;
}

/* Called from both threads at once: counts only, atomically. */
static void count_tlbi(void *ctx, const struct dvm_tlbi *op)
{
	struct listener_log *log = ctx;

	(void)op;
	__atomic_fetch_add(&log->tlbis, 1, __ATOMIC_RELAXED);
}

TEST(concurrent_broadcasts_and_loads)
{
	struct machine m;
	struct pingpong p[2];
	struct listener_log log = { 0 };
	struct dvm_listener l = { count_tlbi, log_sync, &log };
	uint64_t root, fa, fb;
	pthread_t th[2];
	int i;

	m_init(&m, 12, 16);
	root = m_alloc_table(&m);
	fa = m_alloc_frame(&m);
	fb = m_alloc_frame(&m);
	ASSERT_EQ(phys_mem_write64(&m.mem, fa, 0xa0), 0);
	ASSERT_EQ(phys_mem_write64(&m.mem, fb, 0xb0), 0);
	pt_map(&m, root, 0x8000, fa, PTE_USER_RW);	/* tables exist before the threads */
	ASSERT_EQ(cpu_cluster_add_dvm_listener(m.cl, &l), 0);
	for (i = 0; i < 2; i++) {
		p[i] = (struct pingpong){ .m = &m, .cpu = cpu_get(m.cl, i), .root = root,
					  .va = 0x8000, .frames = { fa, fb } };
		m_regime(&m, p[i].cpu, root, 5);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, pingpong_loop, &p[i]), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(p[i].errors, 0);
		EXPECT_EQ(p[i].bad, 0);
	}
	EXPECT_EQ(__atomic_load_n(&log.tlbis, __ATOMIC_RELAXED), 2 * 2500);
	m_fini(&m);
}
